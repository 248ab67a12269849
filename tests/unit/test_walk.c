/* test_walk.c - directory walks, archive members, subject lists. */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <archive.h>
#include <archive_entry.h>

#include "harness.h"
#include "vouch/vouch.h"

static char root[1024];

static void
path_of(char *out, size_t n, const char *rel)
{
	int r = snprintf(out, n, "%s/%s", root, rel);

	CU_ASSERT_FATAL(r > 0 && (size_t)r < n);
}

static void
mkfile(const char *rel, const char *content)
{
	char p[2048];
	FILE *f;

	path_of(p, sizeof(p), rel);
	f = fopen(p, "w");
	CU_ASSERT_PTR_NOT_NULL_FATAL(f);
	fputs(content, f);
	fclose(f);
}

static void
mkdir_rel(const char *rel)
{
	char p[2048];

	path_of(p, sizeof(p), rel);
	CU_ASSERT_FATAL(mkdir(p, 0755) == 0);
}

static void
symlink_rel(const char *target, const char *rel)
{
	char p[2048];

	path_of(p, sizeof(p), rel);
	CU_ASSERT_FATAL(symlink(target, p) == 0);
}

/* A tree whose readdir order differs from path order, with the "a-b" <
 * "a/b" < "a0" trap, a symlink to a directory and a dangling link. */
static void
make_tree(void)
{
	snprintf(root, sizeof(root), "%s/tree", test_tmpdir());
	CU_ASSERT_FATAL(mkdir(root, 0755) == 0);
	mkfile("b", "b\n");
	mkfile("a0", "a0\n");
	mkdir_rel("a");
	mkfile("a/b", "ab\n");
	mkdir_rel("a/c");
	mkfile("a/c/d", "acd\n");
	mkfile("a-b", "a-b\n");
	symlink_rel("a", "ldir");
	symlink_rel("nowhere", "dangling");
}

/* Walk root and join "<kind><path>" entries with spaces. */
static void
walk_list(const char *dir, const vouch_walk_opts *o, char *out, size_t n, int *errors)
{
	const vouch_walk_entry *e = NULL;
	vouch_walk *w = NULL;
	int rc;

	out[0] = '\0';
	*errors = 0;
	CU_ASSERT_EQUAL_FATAL(vouch_walk_new(dir, o, &w, NULL), VOUCH_OK);
	for (;;) {
		rc = vouch_walk_next(w, &e, NULL);
		if (rc != VOUCH_OK) {
			(*errors)++;
			continue;
		}
		if (e == NULL)
			break;
		CU_ASSERT_EQUAL(strlen(e->path), e->path_len);
		snprintf(out + strlen(out), n - strlen(out), "%s%c%s", out[0] ? " " : "",
		    "?fldo"[e->kind], e->path);
	}
	vouch_walk_free(w);
}

static void
test_walk_order(void)
{
	char got[1024];
	vouch_walk_opts o;
	int errors;

	make_tree();
	walk_list(root, NULL, got, sizeof(got), &errors);
	CU_ASSERT_EQUAL(errors, 0);
	CU_ASSERT_STRING_EQUAL(got, "fa-b fa/b fa/c/d fa0 fb ldangling lldir");

	memset(&o, 0, sizeof(o));
	o.flags = VOUCH_WALK_DIRS;
	walk_list(root, &o, got, sizeof(got), &errors);
	CU_ASSERT_STRING_EQUAL(got, "fa-b da fa/b da/c fa/c/d fa0 fb ldangling lldir");

	/* A root given with trailing slashes walks the same. */
	{
		char r2[1100];

		snprintf(r2, sizeof(r2), "%s//", root);
		walk_list(r2, NULL, got, sizeof(got), &errors);
		CU_ASSERT_STRING_EQUAL(got, "fa-b fa/b fa/c/d fa0 fb ldangling lldir");
	}
}

static void
test_walk_bounds_and_special(void)
{
	const vouch_walk_entry *e = NULL;
	vouch_walk_opts o;
	vouch_walk *w = NULL;
	vouch_input in;
	struct stat st;
	vouch_err err;
	char got[1024], p[2048];
	int errors, fd = -1;

	/* depth bound: a/c is one level too deep; the rest is still listed */
	memset(&o, 0, sizeof(o));
	o.max_depth = 1;
	walk_list(root, &o, got, sizeof(got), &errors);
	CU_ASSERT_EQUAL(errors, 1);
	CU_ASSERT_STRING_EQUAL(got, "fa-b fa/b fa0 fb ldangling lldir");

	/* a FIFO is reported as "other" and cannot be opened as a file */
	path_of(p, sizeof(p), "fifo");
	CU_ASSERT_FATAL(mkfifo(p, 0644) == 0);
	CU_ASSERT_EQUAL_FATAL(vouch_walk_new(root, NULL, &w, NULL), VOUCH_OK);
	while (vouch_walk_next(w, &e, NULL) == VOUCH_OK && e != NULL) {
		if (strcmp(e->path, "fifo") == 0) {
			CU_ASSERT_EQUAL(e->kind, VOUCH_WALK_OTHER);
			CU_ASSERT_NOT_EQUAL(vouch_walk_open(e, &fd, NULL), VOUCH_OK);
		}
		if (strcmp(e->path, "b") == 0) {
			/* replaced between listing and opening: detected */
			char b2[2048], b[2048];

			path_of(b2, sizeof(b2), "b2");
			path_of(b, sizeof(b), "b");
			mkfile("b2", "other\n");
			CU_ASSERT_FATAL(rename(b2, b) == 0);
			vouch_err_clear(&err);
			CU_ASSERT_EQUAL(vouch_walk_open(e, &fd, &err), VOUCH_EIO);
			CU_ASSERT_PTR_NOT_NULL(strstr(err.msg, "changed"));
		}
		if (strcmp(e->path, "a/b") == 0) {
			CU_ASSERT_EQUAL(vouch_walk_open(e, &fd, NULL), VOUCH_OK);
			CU_ASSERT(fd >= 0);
			close(fd);
		}
	}
	vouch_walk_free(w);
	/* vouch_input_open: no blocking on a FIFO, directories refused unless
	 * accepted, "-" is a name unless standard input is accepted */
	vouch_err_clear(&err);
	CU_ASSERT_EQUAL(vouch_input_open(&in, p, VOUCH_INPUT_STDIN, NULL, &err), VOUCH_EINPUT);
	CU_ASSERT_STRING_EQUAL(strstr(err.msg, "': "), "': not a regular file");
	CU_ASSERT_EQUAL(in.fd, -1);
	vouch_err_clear(&err);
	CU_ASSERT_EQUAL(vouch_input_open(&in, p, VOUCH_INPUT_DIR, NULL, &err), VOUCH_EINPUT);
	CU_ASSERT_STRING_EQUAL(strstr(err.msg, "': "), "': not a regular file");
	vouch_err_clear(&err);
	CU_ASSERT_EQUAL(vouch_input_open(&in, root, 0, NULL, &err), VOUCH_EINPUT);
	CU_ASSERT_STRING_EQUAL(strstr(err.msg, "': "), "': is a directory");
	CU_ASSERT_EQUAL(vouch_input_open(&in, root, VOUCH_INPUT_DIR, &st, NULL), VOUCH_OK);
	CU_ASSERT_EQUAL(in.kind, VOUCH_INPUT_DIR);
	CU_ASSERT(in.fd >= 0 && S_ISDIR(st.st_mode));
	vouch_input_close(&in);
	CU_ASSERT_EQUAL(in.fd, -1);
	CU_ASSERT_EQUAL(vouch_input_open(&in, "/nonexistent/x", 0, NULL, NULL), VOUCH_EIO);
	CU_ASSERT_EQUAL(vouch_input_open(&in, "-", 0, NULL, NULL), VOUCH_EIO);
	path_of(p, sizeof(p), "dangling");
	vouch_err_clear(&err);
	CU_ASSERT_EQUAL(vouch_input_open(&in, p, 0, NULL, &err), VOUCH_EIO);
	CU_ASSERT_PTR_NOT_NULL(strstr(err.msg, "': dangling symbolic link"));
	path_of(p, sizeof(p), "fifo");
	unlink(p);
	CU_ASSERT_EQUAL(vouch_walk_new("/nonexistent/x", NULL, &w, NULL), VOUCH_EIO);
	CU_ASSERT_PTR_NULL(w);
}

static void
test_readlink(void)
{
	const vouch_walk_entry *e = NULL;
	vouch_walk *w = NULL;
	vouch_buf t;
	int seen = 0;

	vouch_buf_init(&t, 0);
	CU_ASSERT_EQUAL_FATAL(vouch_walk_new(root, NULL, &w, NULL), VOUCH_OK);
	while (vouch_walk_next(w, &e, NULL) == VOUCH_OK && e != NULL) {
		if (strcmp(e->path, "ldir") == 0) {
			CU_ASSERT_EQUAL(e->kind, VOUCH_WALK_SYMLINK);
			CU_ASSERT_EQUAL(vouch_walk_readlink(e, &t, NULL), VOUCH_OK);
			CU_ASSERT_STRING_EQUAL(vouch_buf_cstr(&t), "a");
			seen = 1;
		}
	}
	CU_ASSERT(seen);
	vouch_walk_free(w);
	vouch_buf_free(&t);
}

/* ---- subjects ---- */

static void
subject_of(vouch_subject *s, const char *name, size_t len)
{
	memset(s, 0, sizeof(*s));
	s->name = name;
	s->name_len = len;
	CU_ASSERT_EQUAL(vouch_digest_mem("abc", 3, VOUCH_ALG_SHA256 | VOUCH_ALG_SHA512,
	    &s->digests, NULL), VOUCH_OK);
}

/* The JSON for a name parses strictly and gives the exact bytes back. */
static void
roundtrip(const char *name, size_t len, int want_b64)
{
	vouch_subject s;
	vouch_buf b, back;
	cJSON *j = NULL;

	vouch_buf_init(&b, 0);
	vouch_buf_init(&back, 0);
	subject_of(&s, name, len);
	CU_ASSERT_EQUAL_FATAL(vouch_subjects_append_json(&b, &s, 1, NULL), VOUCH_OK);
	CU_ASSERT_EQUAL_FATAL(vouch_json_parse((const char *)b.data, b.len, &j, NULL), VOUCH_OK);
	CU_ASSERT_EQUAL((strstr((const char *)b.data, "vouch_path_b64") != NULL), want_b64);
	CU_ASSERT_EQUAL(vouch_subject_name_from_json(cJSON_GetArrayItem(j, 0), &back, NULL), VOUCH_OK);
	CU_ASSERT_EQUAL(back.len, len);
	CU_ASSERT(back.len == len && memcmp(back.data, name, len) == 0);
	/* one subject per line: the only raw newlines are the list's own */
	{
		size_t nl = 0;

		for (size_t i = 0; i < b.len; i++)
			nl += b.data[i] == '\n';
		CU_ASSERT_EQUAL(nl, 3);
	}
	cJSON_Delete(j);
	vouch_buf_free(&b);
	vouch_buf_free(&back);
}

static void
test_subject_json(void)
{
	static const char ctl[] = "a\nb\"c\\d\x01\x1f\x7f\t";
	static const char bad[] = "x\xff\xfey\xc0\xaf\xed\xa0\x80z";
	vouch_subject s;
	vouch_buf b;

	roundtrip("plain/name", 10, 0);
	roundtrip(ctl, sizeof(ctl) - 1, 0);
	roundtrip("caf\xc3\xa9 \xe2\x80\xa8 \xf0\x9f\x98\x80", 14, 0);
	roundtrip(bad, sizeof(bad) - 1, 1);
	roundtrip("\xc2\x85 next line", 12, 0);

	vouch_buf_init(&b, 0);
	subject_of(&s, ctl, sizeof(ctl) - 1);
	CU_ASSERT_EQUAL(vouch_subject_append_json(&b, &s, NULL), VOUCH_OK);
	CU_ASSERT_PTR_NOT_NULL(strstr((const char *)b.data,
	    "{\"name\":\"a\\nb\\\"c\\\\d\\u0001\\u001f\\u007f\\t\",\"digest\":{\"sha256\":\"ba7816bf"));
	CU_ASSERT_PTR_NOT_NULL(strstr((const char *)b.data, "\",\"sha512\":\"ddaf35a1"));
	vouch_buf_reset(&b);
	subject_of(&s, bad, sizeof(bad) - 1);
	CU_ASSERT_EQUAL(vouch_subject_append_json(&b, &s, NULL), VOUCH_OK);
	CU_ASSERT_PTR_NOT_NULL(strstr((const char *)b.data,
	    "\"name\":\"x\xef\xbf\xbd\xef\xbf\xbdy\xef\xbf\xbd\xef\xbf\xbd"));
	/* a symlink: annotations with the (lossy) target and its exact bytes */
	vouch_buf_reset(&b);
	subject_of(&s, "l", 1);
	s.is_symlink = 1;
	s.link_target = "t\xff";
	s.link_len = 2;
	CU_ASSERT_EQUAL(vouch_subject_append_json(&b, &s, NULL), VOUCH_OK);
	CU_ASSERT_PTR_NOT_NULL(strstr((const char *)b.data,
	    "\"annotations\":{\"vouch_type\":\"symlink\",\"vouch_link_target\":\"t\xef\xbf\xbd\","
	    "\"vouch_link_target_b64\":\"dP8=\"}}"));
	vouch_buf_reset(&b);
	CU_ASSERT_EQUAL(vouch_subjects_append_json(&b, NULL, 0, NULL), VOUCH_OK);
	CU_ASSERT_STRING_EQUAL(vouch_buf_cstr(&b), "[]\n");
	vouch_buf_free(&b);
}

static void
test_subject_sum(void)
{
	vouch_subject s;
	vouch_buf b;

	vouch_buf_init(&b, 0);
	subject_of(&s, "dir/a b", 7);
	CU_ASSERT_EQUAL(vouch_subject_append_sum(&b, &s, VOUCH_ALG_SHA256, NULL), VOUCH_OK);
	CU_ASSERT_STRING_EQUAL(vouch_buf_cstr(&b),
	    "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad  dir/a b\n");
	vouch_buf_reset(&b);
	subject_of(&s, "a\\b\nc\rd\xff", 8);
	CU_ASSERT_EQUAL(vouch_subject_append_sum(&b, &s, VOUCH_ALG_SHA256, NULL), VOUCH_OK);
	CU_ASSERT_STRING_EQUAL(vouch_buf_cstr(&b),
	    "\\ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad  a\\\\b\\nc\\rd\xff\n");
	CU_ASSERT_EQUAL(vouch_subject_append_sum(&b, &s, VOUCH_ALG_SHA384, NULL), VOUCH_EUSAGE);
	s.is_symlink = 1;
	CU_ASSERT_EQUAL(vouch_subject_append_sum(&b, &s, VOUCH_ALG_SHA256, NULL), VOUCH_EUSAGE);
	vouch_buf_free(&b);
}

static void
test_subject_list(void)
{
	vouch_subject_list *l = NULL;
	vouch_subject s;
	char p[2048];

	CU_ASSERT_EQUAL_FATAL(vouch_subject_list_new(&l, NULL), VOUCH_OK);
	subject_of(&s, "b", 1);
	vouch_subject_list_add(l, &s, NULL);
	subject_of(&s, "a/b", 3);
	s.digests.length = 1;
	vouch_subject_list_add(l, &s, NULL);
	subject_of(&s, "a-b", 3);
	vouch_subject_list_add(l, &s, NULL);
	subject_of(&s, "a/b", 3);
	s.digests.length = 2;
	vouch_subject_list_add(l, &s, NULL);
	vouch_subject_list_sort(l);
	CU_ASSERT_EQUAL(vouch_subject_list_count(l), 4);
	CU_ASSERT_STRING_EQUAL(vouch_subject_list_get(l, 0)->name, "a-b");
	CU_ASSERT_STRING_EQUAL(vouch_subject_list_get(l, 1)->name, "a/b");
	CU_ASSERT_EQUAL(vouch_subject_list_get(l, 1)->digests.length, 1); /* stable */
	CU_ASSERT_EQUAL(vouch_subject_list_get(l, 2)->digests.length, 2);
	CU_ASSERT_STRING_EQUAL(vouch_subject_list_get(l, 3)->name, "b");
	CU_ASSERT_PTR_NULL(vouch_subject_list_get(l, 4));
	CU_ASSERT_PTR_NOT_NULL(vouch_subject_list_find(l, "a-b", 3));
	CU_ASSERT_PTR_NULL(vouch_subject_list_find(l, "a", 1));
	/* the name index survives growth, sorting and duplicates */
	for (int i = 0; i < 1000; i++) {
		char nm[32];
		int n = snprintf(nm, sizeof(nm), "n%d", i);

		subject_of(&s, nm, (size_t)n);
		s.digests.length = (uint64_t)i;
		CU_ASSERT_EQUAL(vouch_subject_list_add(l, &s, NULL), VOUCH_OK);
		if (i % 97 == 0)
			CU_ASSERT_PTR_NOT_NULL(vouch_subject_list_find(l, nm, (size_t)n));
	}
	CU_ASSERT_EQUAL(vouch_subject_list_find(l, "n999", 4)->digests.length, 999);
	vouch_subject_list_sort(l);
	CU_ASSERT_EQUAL(vouch_subject_list_find(l, "n0", 2)->digests.length, 0);
	CU_ASSERT_EQUAL(vouch_subject_list_find(l, "a/b", 3)->digests.length, 1);
	CU_ASSERT_PTR_NULL(vouch_subject_list_find(l, "n1000", 5));
	vouch_subject_list_free(l);

	/* a whole tree: files and links, in path order, prefixed */
	CU_ASSERT_EQUAL_FATAL(vouch_subject_list_new(&l, NULL), VOUCH_OK);
	path_of(p, sizeof(p), "a");
	CU_ASSERT_EQUAL(vouch_subject_list_add_tree(l, p, "pre/", VOUCH_ALG_SHA256, NULL), VOUCH_OK);
	CU_ASSERT_EQUAL_FATAL(vouch_subject_list_count(l), 2);
	CU_ASSERT_STRING_EQUAL(vouch_subject_list_get(l, 0)->name, "pre/b");
	CU_ASSERT_STRING_EQUAL(vouch_subject_list_get(l, 1)->name, "pre/c/d");
	vouch_subject_list_free(l);
	CU_ASSERT_EQUAL_FATAL(vouch_subject_list_new(&l, NULL), VOUCH_OK);
	CU_ASSERT_EQUAL(vouch_subject_list_add_tree(l, root, NULL, VOUCH_ALG_SHA256, NULL), VOUCH_OK);
	CU_ASSERT_EQUAL_FATAL(vouch_subject_list_count(l), 7);
	CU_ASSERT_STRING_EQUAL(vouch_subject_list_get(l, 6)->name, "ldir");
	CU_ASSERT(vouch_subject_list_get(l, 6)->is_symlink);
	CU_ASSERT_STRING_EQUAL(vouch_subject_list_get(l, 6)->link_target, "a");
	vouch_subject_list_free(l);
}

/* ---- archive members ---- */

/* Write a tar (or zip) with a file, a directory, a symlink and a hard link. */
static size_t
make_archive(int zip, unsigned char *buf, size_t cap)
{
	struct archive *a = archive_write_new();
	struct archive_entry *e = archive_entry_new();
	size_t used = 0;

	CU_ASSERT_FATAL(a != NULL && e != NULL);
	if (zip)
		archive_write_set_format_zip(a);
	else
		archive_write_set_format_pax_restricted(a);
	CU_ASSERT_EQUAL_FATAL(archive_write_open_memory(a, buf, cap, &used), ARCHIVE_OK);
	archive_entry_set_pathname(e, "dir/");
	archive_entry_set_filetype(e, AE_IFDIR);
	archive_entry_set_perm(e, 0755);
	archive_write_header(a, e);
	archive_entry_clear(e);
	archive_entry_set_pathname(e, "dir/z\nfile");
	archive_entry_set_filetype(e, AE_IFREG);
	archive_entry_set_perm(e, 0644);
	archive_entry_set_size(e, 3);
	archive_write_header(a, e);
	archive_write_data(a, "abc", 3);
	archive_entry_clear(e);
	archive_entry_set_pathname(e, "link");
	archive_entry_set_filetype(e, AE_IFLNK);
	archive_entry_set_perm(e, 0777);
	archive_entry_set_symlink(e, "dir/z\nfile");
	archive_write_header(a, e);
	if (!zip) {
		archive_entry_clear(e);
		archive_entry_set_pathname(e, "hard");
		archive_entry_set_filetype(e, AE_IFREG);
		archive_entry_set_hardlink(e, "dir/z\nfile");
		archive_entry_set_size(e, 0);
		archive_write_header(a, e);
	}
	CU_ASSERT_EQUAL(archive_write_close(a), ARCHIVE_OK);
	archive_write_free(a);
	archive_entry_free(e);
	return used;
}

static void
check_members(const unsigned char *data, size_t n, int zip)
{
	static const char *abc = "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad";
	const vouch_member *mb = NULL;
	vouch_members *m = NULL;
	vouch_digests d;
	char hex[65];
	int count = 0;

	CU_ASSERT_EQUAL_FATAL(vouch_members_new(&m, NULL), VOUCH_OK);
	CU_ASSERT_EQUAL_FATAL(vouch_members_open_mem(m, data, n, "t", NULL), VOUCH_OK);
	while (vouch_members_next(m, &mb, NULL) == VOUCH_OK && mb != NULL) {
		count++;
		if (count == 1) {
			CU_ASSERT_STRING_EQUAL(mb->name, "dir/z\nfile");
			CU_ASSERT_EQUAL(mb->kind, VOUCH_WALK_FILE);
			CU_ASSERT_EQUAL(mb->size, 3);
			CU_ASSERT_EQUAL_FATAL(vouch_members_digest(m, VOUCH_ALG_SHA256, &d, NULL), VOUCH_OK);
			vouch_hex_encode(vouch_digests_get(&d, VOUCH_ALG_SHA256), 32, hex);
			CU_ASSERT_STRING_EQUAL(hex, abc);
		} else if (count == 2) {
			CU_ASSERT_STRING_EQUAL(mb->name, "link");
			CU_ASSERT_EQUAL(mb->kind, VOUCH_WALK_SYMLINK);
			CU_ASSERT_PTR_NOT_NULL_FATAL(mb->link_target);
			CU_ASSERT_STRING_EQUAL(mb->link_target, "dir/z\nfile");
			CU_ASSERT_EQUAL(vouch_members_digest(m, VOUCH_ALG_SHA256, &d, NULL), VOUCH_EUSAGE);
		} else {
			CU_ASSERT_STRING_EQUAL(mb->name, "hard");
			CU_ASSERT_PTR_NOT_NULL(mb->hardlink);
		}
	}
	CU_ASSERT_EQUAL(count, zip ? 2 : 3);
	vouch_members_free(m);
}

static void
test_members(void)
{
	static unsigned char tar[64 * 1024], zip[64 * 1024];
	size_t ntar = make_archive(0, tar, sizeof(tar));
	size_t nzip = make_archive(1, zip, sizeof(zip));
	const vouch_member *mb = NULL;
	vouch_members *m = NULL;
	vouch_err err;
	int rc;

	check_members(tar, ntar, 0);
	check_members(zip, nzip, 1);

	/* not an archive */
	CU_ASSERT_EQUAL_FATAL(vouch_members_new(&m, NULL), VOUCH_OK);
	CU_ASSERT_EQUAL(vouch_members_open_mem(m, "hello, world\n", 13, "txt", NULL), VOUCH_ENEGATIVE);
	CU_ASSERT_EQUAL(vouch_members_next(m, &mb, NULL), VOUCH_OK);
	CU_ASSERT_PTR_NULL(mb);
	vouch_members_free(m);

	/* cut inside the first member's data: an error naming the archive */
	CU_ASSERT_EQUAL_FATAL(vouch_members_new(&m, NULL), VOUCH_OK);
	CU_ASSERT_EQUAL_FATAL(vouch_members_open_mem(m, tar, 2048 + 1, "cut.tar", NULL), VOUCH_OK);
	vouch_err_clear(&err);
	while ((rc = vouch_members_next(m, &mb, &err)) == VOUCH_OK && mb != NULL) {
		vouch_digests d;

		if (mb->kind == VOUCH_WALK_FILE && mb->hardlink == NULL &&
		    (rc = vouch_members_digest(m, VOUCH_ALG_SHA256, &d, &err)) != VOUCH_OK)
			break;
	}
	CU_ASSERT_EQUAL(rc, VOUCH_EINPUT);
	CU_ASSERT_PTR_NOT_NULL(strstr(err.msg, "cut.tar"));
	vouch_members_free(m);

	/* member bound */
	CU_ASSERT_EQUAL_FATAL(vouch_members_new(&m, NULL), VOUCH_OK);
	vouch_members_set_max(m, 1);
	CU_ASSERT_EQUAL_FATAL(vouch_members_open_mem(m, tar, ntar, "t", NULL), VOUCH_OK);
	CU_ASSERT_EQUAL(vouch_members_next(m, &mb, NULL), VOUCH_OK);
	CU_ASSERT_EQUAL(vouch_members_next(m, &mb, NULL), VOUCH_ELIMIT);
	vouch_members_free(m);
}

/* With a tap, one sequential pass gives the members and the file digest. */
static void
test_members_tap(void)
{
	static unsigned char tar[64 * 1024];
	size_t ntar = make_archive(0, tar, sizeof(tar));
	const vouch_member *mb = NULL;
	vouch_members *m = NULL;
	vouch_hasher *tap = NULL;
	vouch_digests whole, want;
	int pfd[2], count = 0;

	/* through a pipe, so no seek is possible */
	CU_ASSERT_FATAL(ntar < 60000 && pipe(pfd) == 0);
	CU_ASSERT_EQUAL_FATAL(write(pfd[1], tar, ntar), (ssize_t)ntar);
	close(pfd[1]);
	CU_ASSERT_EQUAL_FATAL(vouch_hasher_new(VOUCH_ALG_SHA256, &tap, NULL), VOUCH_OK);
	CU_ASSERT_EQUAL_FATAL(vouch_members_new(&m, NULL), VOUCH_OK);
	CU_ASSERT_EQUAL_FATAL(vouch_members_open_fd(m, pfd[0], "pipe", tap, NULL), VOUCH_OK);
	while (vouch_members_next(m, &mb, NULL) == VOUCH_OK && mb != NULL)
		count++;
	CU_ASSERT_EQUAL(count, 3);
	CU_ASSERT_EQUAL(vouch_members_drain(m, NULL), VOUCH_OK);
	CU_ASSERT_EQUAL(vouch_hasher_final(tap, &whole, NULL), VOUCH_OK);
	CU_ASSERT_EQUAL(vouch_digest_mem(tar, ntar, VOUCH_ALG_SHA256, &want, NULL), VOUCH_OK);
	CU_ASSERT_EQUAL(whole.length, ntar);
	CU_ASSERT_EQUAL(memcmp(vouch_digests_get(&whole, VOUCH_ALG_SHA256),
	    vouch_digests_get(&want, VOUCH_ALG_SHA256), 32), 0);
	vouch_members_free(m);
	vouch_hasher_free(tap);
	close(pfd[0]);
}

/* An archive inside an archive: the inner one is read from the outer
 * reader's data, and its tap digest is the inner archive's digest. */
static void
test_members_nested(void)
{
	static unsigned char inner[64 * 1024], outer[160 * 1024];
	size_t ninner = make_archive(0, inner, sizeof(inner)), nouter = 0;
	struct archive *a = archive_write_new();
	struct archive_entry *e = archive_entry_new();
	const vouch_member *mb = NULL;
	vouch_members *m = NULL, *child = NULL;
	vouch_hasher *tap = NULL;
	vouch_digests got, want;
	int count = 0;

	archive_write_set_format_pax_restricted(a);
	archive_write_add_filter_gzip(a);
	CU_ASSERT_EQUAL_FATAL(archive_write_open_memory(a, outer, sizeof(outer), &nouter), ARCHIVE_OK);
	archive_entry_set_pathname(e, "inner.tar");
	archive_entry_set_filetype(e, AE_IFREG);
	archive_entry_set_perm(e, 0644);
	archive_entry_set_size(e, (la_int64_t)ninner);
	archive_write_header(a, e);
	archive_write_data(a, inner, ninner);
	archive_write_close(a);
	archive_write_free(a);
	archive_entry_free(e);

	CU_ASSERT_EQUAL_FATAL(vouch_members_new(&m, NULL), VOUCH_OK);
	CU_ASSERT_EQUAL_FATAL(vouch_members_open_mem(m, outer, nouter, "outer.tgz", NULL), VOUCH_OK);
	CU_ASSERT_EQUAL_FATAL(vouch_members_next(m, &mb, NULL), VOUCH_OK);
	CU_ASSERT_PTR_NOT_NULL_FATAL(mb);
	CU_ASSERT_STRING_EQUAL(mb->name, "inner.tar");
	CU_ASSERT_EQUAL_FATAL(vouch_hasher_new(VOUCH_ALG_SHA256, &tap, NULL), VOUCH_OK);
	CU_ASSERT_EQUAL_FATAL(vouch_members_new(&child, NULL), VOUCH_OK);
	CU_ASSERT_EQUAL_FATAL(vouch_members_open_member(child, m, "outer.tgz!inner.tar", tap, NULL),
	    VOUCH_OK);
	while (vouch_members_next(child, &mb, NULL) == VOUCH_OK && mb != NULL)
		count++;
	CU_ASSERT_EQUAL(count, 3);
	CU_ASSERT_EQUAL(vouch_members_drain(child, NULL), VOUCH_OK);
	CU_ASSERT_EQUAL(vouch_hasher_final(tap, &got, NULL), VOUCH_OK);
	CU_ASSERT_EQUAL(vouch_digest_mem(inner, ninner, VOUCH_ALG_SHA256, &want, NULL), VOUCH_OK);
	CU_ASSERT_EQUAL(got.length, ninner);
	CU_ASSERT_EQUAL(memcmp(got.md, want.md, sizeof(got.md)), 0);
	vouch_members_free(child);
	CU_ASSERT_EQUAL(vouch_members_next(m, &mb, NULL), VOUCH_OK);
	CU_ASSERT_PTR_NULL(mb);
	/* no current member: refused */
	CU_ASSERT_EQUAL_FATAL(vouch_members_new(&child, NULL), VOUCH_OK);
	CU_ASSERT_EQUAL(vouch_members_open_member(child, m, "x", NULL, NULL), VOUCH_EUSAGE);
	vouch_members_free(child);
	vouch_members_free(m);
	vouch_hasher_free(tap);
}

/* The library entry point vouch-hash -m uses: file digest, sorted members,
 * hard links resolved, from a regular file and from a pipe. */
static void
test_add_archive(void)
{
	static unsigned char tar[64 * 1024];
	size_t ntar = make_archive(0, tar, sizeof(tar));
	vouch_subject_list *l = NULL;
	vouch_digests file, want, abc;
	vouch_err damage;
	char path[2048];
	int fd, pfd[2];

	CU_ASSERT_EQUAL(vouch_digest_mem(tar, ntar, VOUCH_ALG_SHA256, &want, NULL), VOUCH_OK);
	CU_ASSERT_EQUAL(vouch_digest_mem("abc", 3, VOUCH_ALG_SHA256, &abc, NULL), VOUCH_OK);
	snprintf(path, sizeof(path), "%s/t.tar", test_tmpdir());
	fd = open(path, O_RDWR | O_CREAT | O_TRUNC, 0644);
	CU_ASSERT_FATAL(fd >= 0);
	CU_ASSERT_EQUAL_FATAL(write(fd, tar, ntar), (ssize_t)ntar);
	for (int round = 0; round < 2; round++) {
		int in = fd;

		if (round == 0) {
			CU_ASSERT_EQUAL(lseek(fd, 0, SEEK_SET), 0);
		} else {
			CU_ASSERT_FATAL(ntar < 60000 && pipe(pfd) == 0);
			CU_ASSERT_EQUAL_FATAL(write(pfd[1], tar, ntar), (ssize_t)ntar);
			close(pfd[1]);
			in = pfd[0];
		}
		CU_ASSERT_EQUAL_FATAL(vouch_subject_list_new(&l, NULL), VOUCH_OK);
		CU_ASSERT_EQUAL(vouch_subject_list_add_archive(l, in, "t.tar", VOUCH_ALG_SHA256, 1,
		    &file, &damage, NULL), VOUCH_OK);
		CU_ASSERT_EQUAL(damage.code, VOUCH_OK);
		CU_ASSERT_EQUAL(file.length, ntar);
		CU_ASSERT_EQUAL(memcmp(file.md, want.md, sizeof(file.md)), 0);
		CU_ASSERT_EQUAL_FATAL(vouch_subject_list_count(l), 3);
		CU_ASSERT_STRING_EQUAL(vouch_subject_list_get(l, 0)->name, "t.tar!dir/z\nfile");
		CU_ASSERT_STRING_EQUAL(vouch_subject_list_get(l, 1)->name, "t.tar!hard");
		CU_ASSERT_STRING_EQUAL(vouch_subject_list_get(l, 2)->name, "t.tar!link");
		/* the hard link has its target's content */
		CU_ASSERT_EQUAL(memcmp(vouch_subject_list_get(l, 1)->digests.md, abc.md,
		    sizeof(abc.md)), 0);
		CU_ASSERT(vouch_subject_list_get(l, 2)->is_symlink);
		vouch_subject_list_free(l);
		if (round == 1)
			close(pfd[0]);
	}
	/* damaged: the file still counts, the damage is reported */
	CU_ASSERT_EQUAL(ftruncate(fd, 2048 + 100), 0);
	CU_ASSERT_EQUAL(lseek(fd, 0, SEEK_SET), 0);
	CU_ASSERT_EQUAL_FATAL(vouch_subject_list_new(&l, NULL), VOUCH_OK);
	CU_ASSERT_EQUAL(vouch_subject_list_add_archive(l, fd, "t.tar", VOUCH_ALG_SHA256, 1,
	    &file, &damage, NULL), VOUCH_OK);
	CU_ASSERT_EQUAL(damage.code, VOUCH_EINPUT);
	CU_ASSERT_PTR_NOT_NULL(strstr(damage.msg, "'t.tar"));
	CU_ASSERT_EQUAL(file.length, 2048 + 100);
	vouch_subject_list_free(l);
	close(fd);
}

static const struct test_case cases[] = {
	{ "walk order is path byte order", test_walk_order },
	{ "walk bounds, special files, races", test_walk_bounds_and_special },
	{ "symlinks are read, not followed", test_readlink },
	{ "subject JSON escaping round-trips", test_subject_json },
	{ "sum lines use GNU escaping", test_subject_sum },
	{ "subject lists sort and walk", test_subject_list },
	{ "archive members", test_members },
	{ "one pass with a tap", test_members_tap },
	{ "archives inside archives", test_members_nested },
	{ "archive members into a subject list", test_add_archive },
	{ NULL, NULL }
};

int
main(void)
{
	return test_run("walk", cases);
}
