/* test_tree.c - the vouch-tree-v1 digest: builder, walker, names, and a
 * cross-check against a python3 implementation written from
 * schemas/tree-digest.md. */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "harness.h"
#include "vouch/vouch.h"

#define EXAMPLE_HEX "1e94512ee15ffcca46c110b51de3cddeedabd7a9252e6e0c1e5012b428449a3c"
#define EMPTY_HEX "ca159905a814dd849f140bc101be936ffdf92e1952bc4f8583b5a67eba6fe404"

static char *
hex32(const uint8_t md[32], char out[65])
{
	return vouch_hex_encode(md, 32, out);
}

static void
put(const char *dir, const char *rel, const char *data, mode_t mode)
{
	char p[4096];
	int fd;

	snprintf(p, sizeof(p), "%s/%s", dir, rel);
	fd = open(p, O_WRONLY | O_CREAT | O_TRUNC, mode);
	CU_ASSERT_FATAL(fd >= 0);
	CU_ASSERT(write(fd, data, strlen(data)) == (ssize_t)strlen(data));
	close(fd);
	CU_ASSERT(chmod(p, mode) == 0);
}

static void
set_path(char p[4096], const char *root, const char *rel)
{
	int n = snprintf(p, 4096, "%s/%s", root, rel);

	CU_ASSERT_FATAL(n > 0 && n < 4096);
}

static char *
mkdir_in(const char *name)
{
	static char p[4096];

	snprintf(p, sizeof(p), "%s/%s", test_tmpdir(), name);
	CU_ASSERT_FATAL(mkdir(p, 0755) == 0);
	return p;
}

static void
make_example(const char *root)
{
	char p[4096];

	put(root, "a.txt", "hello\n", 0644);
	set_path(p, root, "bin");
	CU_ASSERT(mkdir(p, 0755) == 0);
	put(root, "bin/run", "#!/bin/sh\n", 0755);
	set_path(p, root, "empty");
	CU_ASSERT(mkdir(p, 0755) == 0);
	set_path(p, root, "link");
	CU_ASSERT(symlink("a.txt", p) == 0);
}

static void
test_worked_example(void)
{
	char root[4096], hex[65];
	uint8_t md[32];
	vouch_tree_stats st;
	vouch_err e;

	vouch_err_clear(&e);
	snprintf(root, sizeof(root), "%s", mkdir_in("example"));
	make_example(root);
	CU_ASSERT_EQUAL_FATAL(vouch_tree_digest_dir(root, md, &e), VOUCH_OK);
	CU_ASSERT_STRING_EQUAL(hex32(md, hex), EXAMPLE_HEX);
	CU_ASSERT_EQUAL(vouch_tree_digest_dir_opts(root, NULL, md, &st, &e), VOUCH_OK);
	CU_ASSERT_EQUAL(st.files, 2);
	CU_ASSERT_EQUAL(st.executables, 1);
	CU_ASSERT_EQUAL(st.dirs, 2);
	CU_ASSERT_EQUAL(st.empty_dirs, 1);
	CU_ASSERT_EQUAL(st.symlinks, 1);
	CU_ASSERT_EQUAL(st.total_size, 16);
	/* timestamps and group/other bits do not matter */
	{
		char p[4096];

		set_path(p, root, "a.txt");
		CU_ASSERT(chmod(p, 0600) == 0);
		CU_ASSERT(utimensat(AT_FDCWD, p, NULL, 0) == 0);
		CU_ASSERT_EQUAL(vouch_tree_digest_dir(root, md, &e), VOUCH_OK);
		CU_ASSERT_STRING_EQUAL(hex32(md, hex), EXAMPLE_HEX);
		CU_ASSERT(chmod(p, 0700) == 0);   /* the owner execute bit does */
		CU_ASSERT_EQUAL(vouch_tree_digest_dir(root, md, &e), VOUCH_OK);
		CU_ASSERT_STRING_NOT_EQUAL(hex32(md, hex), EXAMPLE_HEX);
	}
}

static void
test_builder_order_free(void)
{
	static const char *orders[2][5] = {
		{ "a.txt", "bin", "bin/run", "empty", "link" },
		{ "link", "empty", "bin/run", "a.txt", "bin" },
	};
	uint8_t h1[32], h2[32], md[32];
	char hex[65];

	for (int o = 0; o < 2; o++) {
		vouch_tree *t = NULL;

		CU_ASSERT_EQUAL_FATAL(vouch_tree_new(&t, NULL), VOUCH_OK);
		for (int i = 0; i < 5; i++) {
			const char *p = orders[o][i];

			if (strcmp(p, "a.txt") == 0) {
				vouch_sha256("hello\n", 6, h1, NULL);
				CU_ASSERT_EQUAL(vouch_tree_add_file(t, p, 5, 0, 6, h1, NULL), 0);
			} else if (strcmp(p, "bin/run") == 0) {
				vouch_sha256("#!/bin/sh\n", 10, h2, NULL);
				CU_ASSERT_EQUAL(vouch_tree_add_file(t, p, 7, 1, 10, h2, NULL), 0);
			} else if (strcmp(p, "link") == 0) {
				CU_ASSERT_EQUAL(vouch_tree_add_symlink(t, p, 4, "a.txt", 5, NULL), 0);
			} else {
				CU_ASSERT_EQUAL(vouch_tree_add_dir(t, p, strlen(p), NULL), 0);
			}
		}
		CU_ASSERT_EQUAL(vouch_tree_final(t, md, NULL), VOUCH_OK);
		CU_ASSERT_STRING_EQUAL(hex32(md, hex), EXAMPLE_HEX);
		CU_ASSERT_EQUAL(vouch_tree_final(t, md, NULL), VOUCH_EUSAGE);
		vouch_tree_free(t);
	}
}

static void
test_builder_refusals(void)
{
	static const char *bad[] = { "", "/a", "a/", "a//b", "./a", "a/.", "..", "a/../b" };
	vouch_tree *t = NULL;
	uint8_t md[32];
	char hex[65];
	vouch_err e;

	vouch_err_clear(&e);
	CU_ASSERT_EQUAL_FATAL(vouch_tree_new(&t, NULL), VOUCH_OK);
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		CU_ASSERT_EQUAL(vouch_tree_add_dir(t, bad[i], strlen(bad[i]), NULL), VOUCH_EINPUT);
	CU_ASSERT_EQUAL(vouch_tree_add_dir(t, "a\0b", 3, NULL), VOUCH_EINPUT);
	CU_ASSERT_EQUAL(vouch_tree_final(t, md, NULL), VOUCH_OK);
	CU_ASSERT_STRING_EQUAL(hex32(md, hex), EMPTY_HEX);
	vouch_tree_free(t);

	CU_ASSERT_EQUAL_FATAL(vouch_tree_new(&t, NULL), VOUCH_OK);
	CU_ASSERT_EQUAL(vouch_tree_add_dir(t, "x", 1, NULL), VOUCH_OK);
	CU_ASSERT_EQUAL(vouch_tree_add_symlink(t, "x", 1, "y", 1, NULL), VOUCH_OK);
	CU_ASSERT_EQUAL(vouch_tree_final(t, md, &e), VOUCH_EINPUT);
	CU_ASSERT_PTR_NOT_NULL(strstr(e.msg, "duplicate path 'x'"));
	vouch_tree_free(t);
}

/* Digest of a one-record tree. */
static void
one(int type, const char *path, size_t len, const char *arg, size_t alen, uint8_t out[32])
{
	vouch_tree *t = NULL;
	uint8_t h[32];

	CU_ASSERT_EQUAL_FATAL(vouch_tree_new(&t, NULL), VOUCH_OK);
	vouch_sha256(arg, alen, h, NULL);
	if (type == 'l') {
		CU_ASSERT_EQUAL(vouch_tree_add_symlink(t, path, len, arg, alen, NULL), 0);
	} else if (type == 'd') {
		CU_ASSERT_EQUAL(vouch_tree_add_dir(t, path, len, NULL), 0);
	} else {
		CU_ASSERT_EQUAL(vouch_tree_add_file(t, path, len, type == 'x', alen, h, NULL), 0);
	}
	CU_ASSERT_EQUAL(vouch_tree_final(t, out, NULL), VOUCH_OK);
	vouch_tree_free(t);
}

static void
test_every_field_counts(void)
{
	struct { int type; const char *p; const char *arg; } v[] = {
		{ 'f', "a", "x" }, { 'x', "a", "x" }, { 'l', "a", "x" }, { 'd', "a", "" },
		{ 'f', "b", "x" }, { 'f', "a", "y" }, { 'l', "a", "y" }, { 'f', "a\n", "x" },
		{ 'l', "a", "x\n" }, { 'f', "A", "x" },
	};
	size_t n = sizeof(v) / sizeof(v[0]);
	uint8_t md[10][32];

	for (size_t i = 0; i < n; i++)
		one(v[i].type, v[i].p, strlen(v[i].p), v[i].arg, strlen(v[i].arg), md[i]);
	for (size_t i = 0; i < n; i++)
		for (size_t j = i + 1; j < n; j++)
			CU_ASSERT(memcmp(md[i], md[j], 32) != 0);
}

static void
test_names(void)
{
	char q[64];

	CU_ASSERT(vouch_tree_name_clean("src/\xc3\xbc.c", 8));
	CU_ASSERT(!vouch_tree_name_clean("a\nb", 3));
	CU_ASSERT(!vouch_tree_name_clean("a\x7f", 2));
	CU_ASSERT(!vouch_tree_name_clean("\xc2\x85", 2));         /* NEL, a C1 control */
	CU_ASSERT(!vouch_tree_name_clean("\xff", 1));
	CU_ASSERT(!vouch_tree_name_clean("\xc0\xaf", 2));         /* overlong '/' */
	CU_ASSERT(!vouch_tree_name_clean("\xed\xa0\x80", 3));     /* surrogate */
	CU_ASSERT(!vouch_tree_name_clean("\xe2\x82", 2));         /* truncated */
	CU_ASSERT_STRING_EQUAL(vouch_tree_quote("a\nb\\\xff\xc3\xbc", 7, q, sizeof(q)),
	                       "a\\x0ab\\\\\\xff\xc3\xbc");
	CU_ASSERT_STRING_EQUAL(vouch_tree_quote("abcdefghijkl", 12, q, 10), "abcdef...");
	CU_ASSERT_EQUAL(vouch_tree_path_ok("a/b", 3), 0);
	CU_ASSERT_EQUAL(vouch_tree_path_ok("a/../b", 6), -1);
}

static void
test_walker_refuses_and_bounds(void)
{
	char root[4096], p[4096];
	uint8_t md[32];
	vouch_tree_opts o;
	vouch_err e;

	snprintf(root, sizeof(root), "%s", mkdir_in("walk"));
	set_path(p, root, "a");
	CU_ASSERT(mkdir(p, 0755) == 0);
	set_path(p, root, "a/b");
	CU_ASSERT(mkdir(p, 0755) == 0);
	put(root, "a/b/c", "x", 0644);
	/* a symlink to a directory outside is a link, never followed */
	set_path(p, root, "out");
	CU_ASSERT(symlink("/etc", p) == 0);
	vouch_err_clear(&e);
	CU_ASSERT_EQUAL(vouch_tree_digest_dir(root, md, &e), VOUCH_OK);
	memset(&o, 0, sizeof(o));
	o.max_depth = 2;
	vouch_err_clear(&e);
	CU_ASSERT_EQUAL(vouch_tree_digest_dir_opts(root, &o, md, NULL, &e), VOUCH_ELIMIT);
	CU_ASSERT_PTR_NOT_NULL(strstr(e.msg, "too deep"));
	memset(&o, 0, sizeof(o));
	o.max_entries = 3;
	vouch_err_clear(&e);
	CU_ASSERT_EQUAL(vouch_tree_digest_dir_opts(root, &o, md, NULL, &e), VOUCH_ELIMIT);
	memset(&o, 0, sizeof(o));
	o.max_path_len = 3;
	vouch_err_clear(&e);
	CU_ASSERT_EQUAL(vouch_tree_digest_dir_opts(root, &o, md, NULL, &e), VOUCH_ELIMIT);
	set_path(p, root, "a/fifo");
	CU_ASSERT(mkfifo(p, 0644) == 0);
	vouch_err_clear(&e);
	CU_ASSERT_EQUAL(vouch_tree_digest_dir(root, md, &e), VOUCH_EINPUT);
	CU_ASSERT_PTR_NOT_NULL(strstr(e.msg, "a/fifo': unsupported file type"));
	vouch_err_clear(&e);
	CU_ASSERT_EQUAL(vouch_tree_digest_dir("/nonexistent/x", md, &e), VOUCH_EIO);
}

/* Hostile names on disk: the C walker and the python3 reference agree. */
static void
test_matches_python(void)
{
	static const char *names[] = { "new\nline", "bad\xff\xfe", "sp ace", "-dash",
	                               "uni\xc3\xbc", "a-b", "a", "a.b" };
	char root[4096], p[4096], cmd[8192], hex[65], line[128];
	const char *src = getenv("VOUCH_SRCDIR");
	uint8_t md[32];
	FILE *f;

	CU_ASSERT_PTR_NOT_NULL_FATAL(src);
	snprintf(root, sizeof(root), "%s", mkdir_in("py"));
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		put(root, names[i], names[i], i % 2 ? 0755 : 0644);
	set_path(p, root, "d");
	CU_ASSERT(mkdir(p, 0755) == 0);
	put(root, "d/x", "", 0644);
	set_path(p, root, "d/l");
	CU_ASSERT(symlink("../new\nline", p) == 0);
	CU_ASSERT_EQUAL_FATAL(vouch_tree_digest_dir(root, md, NULL), VOUCH_OK);
	snprintf(cmd, sizeof(cmd),
	         "sed -n '/^    import hashlib/,/^                              b\"\".join/p' "
	         "'%s/schemas/tree-digest.md' | sed 's/^    //' > '%s/td.py' && "
	         "echo 'import sys; print(tree_digest(sys.argv[1]))' >> '%s/td.py' && "
	         "python3 '%s/td.py' '%s'", src, test_tmpdir(), test_tmpdir(), test_tmpdir(),
	         root);
	f = popen(cmd, "r");
	CU_ASSERT_PTR_NOT_NULL_FATAL(f);
	CU_ASSERT_PTR_NOT_NULL(fgets(line, sizeof(line), f));
	CU_ASSERT_EQUAL(pclose(f), 0);
	line[strcspn(line, "\n")] = '\0';
	CU_ASSERT_STRING_EQUAL(line, hex32(md, hex));
}

/* Borrowing the caller's bytes gives the same digest as copying them, and
 * the borrowed bytes are read at vouch_tree_final, not at add time. */
static void
test_builder_borrowing(void)
{
	char link[] = "dir/link\0../file", file[] = "file", dir[] = "dir";
	const uint8_t sha[32] = { 7 };
	uint8_t a[32], b[32];
	vouch_tree *t = NULL;

	for (int borrow = 0; borrow < 2; borrow++) {
		int rc = borrow ? vouch_tree_new_borrowing(&t, NULL) : vouch_tree_new(&t, NULL);

		CU_ASSERT_EQUAL_FATAL(rc, VOUCH_OK);
		CU_ASSERT_EQUAL(vouch_tree_add_symlink(t, link, 8, link + 9, 7, NULL), VOUCH_OK);
		CU_ASSERT_EQUAL(vouch_tree_add_file(t, file, 4, 1, 3, sha, NULL), VOUCH_OK);
		CU_ASSERT_EQUAL(vouch_tree_add_dir(t, dir, 3, NULL), VOUCH_OK);
		CU_ASSERT_EQUAL(vouch_tree_final(t, borrow ? b : a, NULL), VOUCH_OK);
		vouch_tree_free(t);
	}
	CU_ASSERT_EQUAL(memcmp(a, b, 32), 0);
}

/* One cached digest call: its result, whether the cache gave it, and that
 * it equals a full walk's digest. */
static int
cached_digest(const char *root, const char *cache, uint8_t md[32])
{
	uint8_t full[32];
	int hit = -1;

	CU_ASSERT_EQUAL_FATAL(vouch_tree_digest_dir_cached(root, cache, md, &hit, NULL), VOUCH_OK);
	CU_ASSERT_EQUAL_FATAL(vouch_tree_digest_dir(root, full, NULL), VOUCH_OK);
	CU_ASSERT_EQUAL(memcmp(md, full, 32), 0);
	return hit;
}

/* The digest cache: not remembered while the tree is unsettled, reused
 * while it is unchanged, and never reused after any change -- even a
 * rewrite of the same size with the old mtime put back, or a mode change. */
static void
test_digest_cache(void)
{
	char root[4096], cache[4096], p[4096];
	uint8_t a[32], b[32], c[32];
	struct timespec ts[2];
	struct stat st;

	snprintf(root, sizeof(root), "%s", mkdir_in("cached"));
	snprintf(cache, sizeof(cache), "%s/cached.digest", test_tmpdir());
	put(root, "a", "0123456789", 0644);
	set_path(p, root, "sub");
	CU_ASSERT(mkdir(p, 0755) == 0);
	put(root, "sub/b", "bee", 0644);
	set_path(p, root, "sub/l");
	CU_ASSERT(symlink("../a", p) == 0);

	/* just written: right, but not remembered */
	CU_ASSERT_EQUAL(cached_digest(root, cache, a), 0);
	CU_ASSERT(access(cache, F_OK) != 0);
	sleep(VOUCH_TREE_CACHE_SETTLE + 1);
	CU_ASSERT_EQUAL(cached_digest(root, cache, b), 0);
	CU_ASSERT(access(cache, F_OK) == 0);
	CU_ASSERT_EQUAL(memcmp(a, b, 32), 0);
	CU_ASSERT_EQUAL(cached_digest(root, cache, b), 1);
	CU_ASSERT_EQUAL(memcmp(a, b, 32), 0);

	/* same size, same mtime, other bytes */
	set_path(p, root, "a");
	CU_ASSERT_FATAL(stat(p, &st) == 0);
	put(root, "a", "0123456780", 0644);
	ts[0] = st.st_atim;
	ts[1] = st.st_mtim;
	CU_ASSERT(utimensat(AT_FDCWD, p, ts, 0) == 0);
	CU_ASSERT_EQUAL(cached_digest(root, cache, c), 0);
	CU_ASSERT(memcmp(a, c, 32) != 0);

	/* the executable bit, below a directory */
	sleep(VOUCH_TREE_CACHE_SETTLE + 1);
	CU_ASSERT_EQUAL(cached_digest(root, cache, a), 0);
	CU_ASSERT_EQUAL(cached_digest(root, cache, a), 1);
	set_path(p, root, "sub/b");
	CU_ASSERT(chmod(p, 0755) == 0);
	CU_ASSERT_EQUAL(cached_digest(root, cache, b), 0);
	CU_ASSERT(memcmp(a, b, 32) != 0);

	/* a symlink's target */
	set_path(p, root, "sub/l");
	CU_ASSERT(unlink(p) == 0 && symlink("../b", p) == 0);
	CU_ASSERT_EQUAL(cached_digest(root, cache, c), 0);
	CU_ASSERT(memcmp(b, c, 32) != 0);

	/* a damaged cache record is not believed */
	sleep(VOUCH_TREE_CACHE_SETTLE + 1);
	CU_ASSERT_EQUAL(cached_digest(root, cache, a), 0);
	put(test_tmpdir(), "cached.digest", "vouch-tree-cache 1\nfingerprint 00\n", 0644);
	CU_ASSERT_EQUAL(cached_digest(root, cache, b), 0);
	CU_ASSERT_EQUAL(memcmp(a, b, 32), 0);
}

static const struct test_case cases[] = {
	{ "tree: worked example from tree-digest.md", test_worked_example },
	{ "tree: the digest cache sees every change", test_digest_cache },
	{ "tree: builder is order-free", test_builder_order_free },
	{ "tree: borrowing builder equals copying builder", test_builder_borrowing },
	{ "tree: builder refuses bad paths and duplicates", test_builder_refusals },
	{ "tree: every field changes the digest", test_every_field_counts },
	{ "tree: name checks and quoting", test_names },
	{ "tree: walker refusals and bounds", test_walker_refuses_and_bounds },
	{ "tree: C walker agrees with the python3 reference", test_matches_python },
	{ NULL, NULL }
};

int
main(void)
{
	return test_run("tree", cases);
}
