/* test_unpack.c - safe extraction through the library API.  Archives are
 * built here with libarchive's write API (tests only; the extractor itself
 * uses the read API and its own writer). */
#include "config.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <locale.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <archive.h>
#include <archive_entry.h>

#include "harness.h"
#include "vouch/vouch.h"

struct ent {
	const char *path;
	int type;              /* 'f', 'd', 'l' symlink, 'h' hard link, 'c' chardev */
	const char *data;      /* file content, or link target */
	unsigned mode;
};

static const char *
tpath(const char *name)
{
	static char p[8][4096];
	static int k;
	int n;

	k = (k + 1) % 8;
	n = snprintf(p[k], sizeof(p[k]), "%s/%s", test_tmpdir(), name);
	CU_ASSERT_FATAL(n > 0 && (size_t)n < sizeof(p[k]));
	return p[k];
}

static void
write_archive(const char *file, int format, int filter, const struct ent *e, size_t n)
{
	struct archive *a = archive_write_new();
	struct archive_entry *ae = archive_entry_new();

	CU_ASSERT_FATAL(a != NULL && ae != NULL);
	archive_write_set_format(a, format);
	if (filter)
		archive_write_add_filter(a, filter);
	CU_ASSERT_EQUAL_FATAL(archive_write_open_filename(a, file), ARCHIVE_OK);
	for (size_t i = 0; i < n; i++) {
		size_t dl = e[i].type == 'f' ? strlen(e[i].data) : 0;

		archive_entry_clear(ae);
		archive_entry_set_pathname(ae, e[i].path);
		archive_entry_set_mode(ae, e[i].mode);
		archive_entry_set_mtime(ae, 1700000000, 0);
		switch (e[i].type) {
		case 'f': archive_entry_set_filetype(ae, AE_IFREG); break;
		case 'd': archive_entry_set_filetype(ae, AE_IFDIR); break;
		case 'c': archive_entry_set_filetype(ae, AE_IFCHR); break;
		case 'l':
			archive_entry_set_filetype(ae, AE_IFLNK);
			archive_entry_set_symlink(ae, e[i].data);
			break;
		case 'h':
			archive_entry_set_filetype(ae, AE_IFREG);
			archive_entry_set_hardlink(ae, e[i].data);
			break;
		default: break;
		}
		archive_entry_set_size(ae, (la_int64_t)dl);
		CU_ASSERT_EQUAL(archive_write_header(a, ae), ARCHIVE_OK);
		if (dl)
			CU_ASSERT_EQUAL(archive_write_data(a, e[i].data, dl), (la_ssize_t)dl);
	}
	CU_ASSERT_EQUAL(archive_write_close(a), ARCHIVE_OK);
	archive_write_free(a);
	archive_entry_free(ae);
}

static int
count_dir(const char *dir)
{
	DIR *d = opendir(dir);
	struct dirent *de;
	int n = 0;

	if (d == NULL)
		return -1;
	while ((de = readdir(d)) != NULL)
		if (strcmp(de->d_name, ".") != 0 && strcmp(de->d_name, "..") != 0)
			n++;
	closedir(d);
	return n;
}

static const struct ent good[] = {
	{ "./src/", 'd', NULL, 0755 },
	{ "src/main.c", 'f', "int main(void) { return 0; }\n", 0644 },
	{ "src/run.sh", 'f', "#!/bin/sh\n", 04755 },
	{ "src/link", 'l', "main.c", 0777 },
	{ "src/copy.c", 'h', "src/main.c", 0644 },
	{ "src/empty/", 'd', NULL, 0755 },
	{ "doc//guide.txt", 'f', "guide\n", 0600 },
};

static void
test_extract_matches_walk(void)
{
	const char *arch = tpath("good.tar.gz"), *dst = tpath("good.out");
	vouch_unpack_result r;
	uint8_t md[32];
	vouch_err e;
	struct stat st;

	vouch_err_clear(&e);
	memset(&r, 0, sizeof(r));
	write_archive(arch, ARCHIVE_FORMAT_TAR_PAX_RESTRICTED, ARCHIVE_FILTER_GZIP, good, 7);
	CU_ASSERT_EQUAL_FATAL(vouch_unpack_file(arch, dst, NULL, &r, &e), VOUCH_OK);
	CU_ASSERT_EQUAL(vouch_tree_digest_dir(dst, md, &e), VOUCH_OK);
	CU_ASSERT(memcmp(md, r.tree, 32) == 0);
	CU_ASSERT_EQUAL(r.entries, 7);
	CU_ASSERT_EQUAL(r.files, 4);
	CU_ASSERT_EQUAL(r.dirs, 3);
	CU_ASSERT_EQUAL(r.symlinks, 1);
	CU_ASSERT_EQUAL(r.hardlinks, 1);
	CU_ASSERT_EQUAL(r.executables, 1);
	CU_ASSERT_STRING_EQUAL(r.filters, "gzip");
	CU_ASSERT_PTR_NOT_NULL(vouch_digests_get(&r.archive, VOUCH_ALG_SHA256));
	CU_ASSERT(stat(tpath("good.out/src/run.sh"), &st) == 0 && (st.st_mode & 07000) == 0);
	CU_ASSERT(lstat(tpath("good.out/src/link"), &st) == 0 && S_ISLNK(st.st_mode));
	CU_ASSERT(stat(tpath("good.out/src/copy.c"), &st) == 0 && st.st_nlink == 2);
	/* notes: sorted by path then kind */
	CU_ASSERT_EQUAL_FATAL(r.n_notes, 5);
	CU_ASSERT_STRING_EQUAL(r.notes[0].path, "src/copy.c");
	CU_ASSERT_EQUAL(r.notes[0].kind, VOUCH_NOTE_HARDLINK);
	CU_ASSERT_STRING_EQUAL(r.notes[0].target, "src/main.c");
	CU_ASSERT_EQUAL(r.notes[1].kind, VOUCH_NOTE_EMPTY_DIR);
	CU_ASSERT_EQUAL(r.notes[2].kind, VOUCH_NOTE_SYMLINK);
	CU_ASSERT_EQUAL(r.notes[3].kind, VOUCH_NOTE_EXECUTABLE);
	CU_ASSERT_EQUAL(r.notes[4].kind, VOUCH_NOTE_MODE_STRIPPED);
	CU_ASSERT_EQUAL(r.notes[4].mode, 04755);
	vouch_unpack_result_free(&r);
	/* the same tree as zip (no hard links there: a copy) has the same digest */
	{
		const char *z = tpath("good.zip"), *zd = tpath("good.zip.out");
		vouch_unpack_result rz;
		struct ent ze[7];

		memcpy(ze, good, sizeof(ze));
		ze[4].type = 'f';
		ze[4].data = good[1].data;
		write_archive(z, ARCHIVE_FORMAT_ZIP, 0, ze, 7);
		CU_ASSERT_EQUAL_FATAL(vouch_unpack_file(z, zd, NULL, &rz, &e), VOUCH_OK);
		CU_ASSERT(memcmp(md, rz.tree, 32) == 0);
		vouch_unpack_result_free(&rz);
	}
}

static void
test_json(void)
{
	const char *arch = tpath("json.tar"), *dst = tpath("json.out");
	vouch_unpack_result r;
	vouch_buf b;
	cJSON *j = NULL;
	const cJSON *t;

	vouch_buf_init(&b, 0);
	write_archive(arch, ARCHIVE_FORMAT_TAR_USTAR, 0, good, 7);
	CU_ASSERT_EQUAL_FATAL(vouch_unpack_file(arch, dst, NULL, &r, NULL), VOUCH_OK);
	CU_ASSERT_EQUAL(vouch_unpack_result_json(&r, arch, &b, NULL), VOUCH_OK);
	CU_ASSERT(b.len > 0 && b.data[b.len - 1] == '\n');
	CU_ASSERT_EQUAL_FATAL(vouch_json_parse((const char *)b.data, b.len - 1, &j, NULL),
	                      VOUCH_OK);
	t = vouch_json_get_object(j, "tree");
	CU_ASSERT_PTR_NOT_NULL(vouch_json_get_string(vouch_json_get_object(t, "digest"),
	                                             VOUCH_TREE_DIGEST_KEY));
	CU_ASSERT_PTR_NOT_NULL(vouch_json_get_string(
		vouch_json_get_object(vouch_json_get_object(j, "subject"), "digest"), "sha256"));
	CU_ASSERT_EQUAL(cJSON_GetArraySize(vouch_json_get_array(j, "notable")), 5);
	cJSON_Delete(j);
	vouch_buf_free(&b);
	vouch_unpack_result_free(&r);
}

/* Each refused archive leaves the parent directory as it was. */
static void
refused(const char *name, const struct ent *e, size_t n, const vouch_unpack_opts *o,
        int code, const char *msg)
{
	char parent[64], dst[4096];
	const char *arch, *dir;
	vouch_unpack_result r;
	vouch_err err;

	snprintf(parent, sizeof(parent), "refuse-%s", name);
	dir = tpath(parent);
	CU_ASSERT_FATAL(mkdir(dir, 0755) == 0);
	arch = tpath(name);
	write_archive(arch, ARCHIVE_FORMAT_TAR_PAX_RESTRICTED, 0, e, n);
	snprintf(dst, sizeof(dst), "%s/target", dir);
	vouch_err_clear(&err);
	memset(&r, 0, sizeof(r));
	CU_ASSERT_EQUAL(vouch_unpack_file(arch, dst, o, &r, &err), code);
	if (strstr(err.msg, msg) == NULL)
		fprintf(stderr, "\n%s: got '%s'\n", name, err.msg);
	CU_ASSERT_PTR_NOT_NULL(strstr(err.msg, msg));
	CU_ASSERT_EQUAL(count_dir(dir), 0);
	CU_ASSERT_EQUAL(r.n_notes, 0);
}

static void
test_refusals(void)
{
	static const struct ent dotdot[] = { { "a/../../x", 'f', "x", 0644 } };
	static const struct ent through[] = {
		{ "l", 'l', ".", 0777 }, { "l/x", 'f', "x", 0644 } };
	static const struct ent dev[] = { { "null", 'c', NULL, 0666 } };
	static const struct ent hl[] = { { "h", 'h', "/etc/passwd", 0644 } };
	static const struct ent dup[] = {
		{ "a", 'f', "1", 0644 }, { "./a", 'f', "2", 0644 } };
	static const struct ent casev[] = {
		{ "Makefile", 'f', "1", 0644 }, { "makefile", 'f', "2", 0644 } };
	static const struct ent big[] = {
		{ "a", 'f', "0123456789", 0644 }, { "b", 'f', "0123456789", 0644 } };
	/* a -> b/c -> ".." is the root, so z = "a/.." is the target's parent:
	 * the last component of a symlink met on the way must be followed */
	static const struct ent chain[] = {
		{ "a", 'l', "b/c", 0777 }, { "b", 'd', NULL, 0755 },
		{ "b/c", 'l', "..", 0777 }, { "z", 'l', "a/..", 0777 } };
	/* beyond ASCII: what NTFS, APFS or FAT would take for one name */
	static const struct ent umlaut[] = {
		{ "\xc3\x84.txt", 'f', "1", 0644 }, { "\xc3\xa4.txt", 'f', "2", 0644 } };
	static const struct ent kelvin[] = {      /* U+212A KELVIN SIGN, "k" */
		{ "\xe2\x84\xaa", 'f', "1", 0644 }, { "k", 'f', "2", 0644 } };
	static const struct ent longs[] = {       /* U+017F LATIN SMALL LETTER LONG S */
		{ "\xc5\xbf", 'f', "1", 0644 }, { "S", 'f', "2", 0644 } };
	static const struct ent sigma[] = {       /* final and medial sigma */
		{ "\xcf\x82", 'f', "1", 0644 }, { "\xcf\x83", 'f', "2", 0644 } };
	static const struct ent dirs[] = {
		{ "\xc3\x96/a", 'f', "1", 0644 }, { "\xc3\xb6/b", 'f', "2", 0644 } };
	vouch_unpack_opts o;

	refused("dotdot.tar", dotdot, 1, NULL, VOUCH_EINPUT, "'..' component");
	refused("through.tar", through, 2, NULL, VOUCH_EINPUT, "writes through symlink 'l'");
	refused("dev.tar", dev, 1, NULL, VOUCH_EINPUT, "entry 'null': is a character device");
	refused("hl.tar", hl, 1, NULL, VOUCH_EINPUT, "hard link to '/etc/passwd'");
	refused("chain.tar", chain, 4, NULL, VOUCH_EINPUT,
	        "entry 'z': symlink to 'a/..' points outside the target");
	refused("dup.tar", dup, 2, NULL, VOUCH_EINPUT, "entry 'a': duplicate entry");
	vouch_unpack_opts_default(&o);
	o.portable = 1;
	refused("case.tar", casev, 2, &o, VOUCH_EINPUT, "differs only by case from 'Makefile'");
	refused("umlaut.tar", umlaut, 2, &o, VOUCH_EINPUT, "differs only by case from");
	refused("kelvin.tar", kelvin, 2, &o, VOUCH_EINPUT, "differs only by case from");
	refused("longs.tar", longs, 2, &o, VOUCH_EINPUT, "differs only by case from");
	refused("sigma.tar", sigma, 2, &o, VOUCH_EINPUT, "differs only by case from");
	refused("dirs.tar", dirs, 2, &o, VOUCH_EINPUT, "directory differs only by case");
	vouch_unpack_opts_default(&o);
	o.max_total_bytes = 15;
	refused("big.tar", big, 2, &o, VOUCH_ELIMIT, "entry 'b': archive expands past 15");
}

/* --portable refuses only what folds together: different letters pass,
 * and without --portable the case variants pass too. */
static void
test_portable_distinct(void)
{
	static const struct ent distinct[] = {
		{ "\xc3\xa4", 'f', "1", 0644 }, { "a", 'f', "2", 0644 },
		{ "\xcf\x83", 'f', "3", 0644 }, { "s", 'f', "4", 0644 },
		{ "\xc3\x9f", 'f', "5", 0644 }, { "ss", 'f', "6", 0644 },
		{ "\xf0\x9f\x98\x80", 'f', "7", 0644 } };
	static const struct ent variants[] = {
		{ "\xc3\x84", 'f', "1", 0644 }, { "\xc3\xa4", 'f', "2", 0644 } };
	const char *a1 = tpath("distinct.tar"), *a2 = tpath("variants.tar");
	vouch_unpack_opts o;
	vouch_err e;

	write_archive(a1, ARCHIVE_FORMAT_TAR_PAX_RESTRICTED, 0, distinct, 7);
	write_archive(a2, ARCHIVE_FORMAT_TAR_PAX_RESTRICTED, 0, variants, 2);
	vouch_unpack_opts_default(&o);
	o.portable = 1;
	vouch_err_clear(&e);
	CU_ASSERT_EQUAL(vouch_unpack_file(a1, tpath("distinct.out"), &o, NULL, &e), VOUCH_OK);
	CU_ASSERT_EQUAL(count_dir(tpath("distinct.out")), 7);
	CU_ASSERT_EQUAL(vouch_unpack_file(a2, tpath("variants.out"), NULL, NULL, &e), VOUCH_OK);
	CU_ASSERT_EQUAL(count_dir(tpath("variants.out")), 2);
}

static void
test_targets(void)
{
	const char *arch = tpath("t.tar"), *full = tpath("full"), *empty = tpath("emptydir");
	vouch_err e;

	write_archive(arch, ARCHIVE_FORMAT_TAR_USTAR, 0, good, 7);
	CU_ASSERT_FATAL(mkdir(full, 0755) == 0);
	CU_ASSERT_FATAL(mkdir(tpath("full/keep"), 0755) == 0);
	vouch_err_clear(&e);
	CU_ASSERT_EQUAL(vouch_unpack_file(arch, full, NULL, NULL, &e), VOUCH_EEXIST);
	CU_ASSERT_EQUAL(count_dir(full), 1);
	CU_ASSERT_FATAL(mkdir(empty, 0700) == 0);
	CU_ASSERT_EQUAL(vouch_unpack_file(arch, empty, NULL, NULL, NULL), VOUCH_OK);
	CU_ASSERT_EQUAL(count_dir(empty), 2);
	vouch_err_clear(&e);
	CU_ASSERT_EQUAL(vouch_unpack_file(tpath("missing.tar"), tpath("m.out"), NULL, NULL, &e),
	                VOUCH_EIO);
}

static void
test_remove_tree_stays_inside(void)
{
	const char *outside = tpath("outside"), *tree = tpath("rmtree");
	struct stat st;
	int fd;

	CU_ASSERT_FATAL(mkdir(outside, 0755) == 0);
	fd = open(tpath("outside/keep"), O_WRONLY | O_CREAT, 0644);
	CU_ASSERT_FATAL(fd >= 0);
	close(fd);
	CU_ASSERT_FATAL(mkdir(tree, 0755) == 0);
	CU_ASSERT_FATAL(mkdir(tpath("rmtree/d"), 0500) == 0);
	CU_ASSERT(symlink(outside, tpath("rmtree/link")) == 0);
	CU_ASSERT_EQUAL(vouch_unpack_remove_tree(tree, NULL), VOUCH_OK);
	CU_ASSERT(lstat(tree, &st) != 0 && errno == ENOENT);
	CU_ASSERT(stat(tpath("outside/keep"), &st) == 0);
	CU_ASSERT_EQUAL(vouch_unpack_remove_tree(tree, NULL), VOUCH_OK);
}

static void
test_note_names(void)
{
	CU_ASSERT_STRING_EQUAL(vouch_unpack_note_name(VOUCH_NOTE_EMPTY_DIR), "empty-dir");
	CU_ASSERT_STRING_EQUAL(vouch_unpack_note_name(VOUCH_NOTE_EXTERNAL_LINK),
	                       "external-symlink");
	CU_ASSERT_STRING_EQUAL(vouch_unpack_note_name(99), "unknown");
}

static const struct test_case cases[] = {
	{ "unpack: extracted tree equals the walked tree", test_extract_matches_walk },
	{ "unpack: JSON output", test_json },
	{ "unpack: refusals leave nothing behind", test_refusals },
	{ "unpack: --portable folds Unicode case, not different letters",
	  test_portable_distinct },
	{ "unpack: target must be absent or empty", test_targets },
	{ "unpack: remove_tree never follows links", test_remove_tree_stays_inside },
	{ "unpack: note names", test_note_names },
	{ NULL, NULL }
};

int
main(void)
{
	/* as vouch-unpack does: UTF-8 names pass through libarchive intact */
	if (setlocale(LC_CTYPE, "C.UTF-8") == NULL)
		(void)setlocale(LC_CTYPE, "");
	return test_run("unpack", cases);
}
