/* test_logstore.c - the directory log store: layout, tiles against the
 * tlog.json vectors, recovery, locking, the SQLite index. */
#include "config.h"

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "harness.h"
#include "vouch/vouch.h"
#include "vouch/checkpoint.h"
#include "vouch/logstore.h"
#include "vouch/tile.h"

#define ORIGIN "example.com/vouch-test-log"

static vouch_key *key;
static cJSON *vec;

static void
load(void)
{
	char *data;
	size_t len;
	uint8_t seed[32];

	if (key != NULL)
		return;
	data = test_slurp(test_vector_path("tlog.json"), &len);
	if (vouch_json_parse(data, len, &vec, NULL) != VOUCH_OK)
		exit(2);
	free(data);
	vouch_hex_decode(vouch_json_get_string(vouch_json_get_object(vec, "signed_note"),
	                                       "ed25519_seed_hex"),
	                 64, seed, 32, VOUCH_HEX_LOWER, NULL);
	if (vouch_key_from_ed25519_seed(seed, &key, NULL) != VOUCH_OK)
		exit(2);
}

/* Test indexer: one "subject" per entry, the sha256 of its first 8 bytes. */
static void
indexer(void *ctx, const uint8_t *e, size_t n, vouch_buf *out)
{
	uint8_t d[32];

	(void)ctx;
	vouch_sha256(e, n < 8 ? n : 8, d, NULL);
	vouch_buf_append(out, d, 32, NULL);
}

static char *
newdir(const char *name)
{
	static char paths[8][4096];
	static int next;
	char *path = paths[next++ % 8];

	snprintf(path, 4096, "%s/%s", test_tmpdir(), name);
	return path;
}

static int
append_range(vouch_logstore *ls, uint64_t from, uint64_t to)
{
	static char bufs[4096][24];
	const uint8_t *e[4096];
	size_t lens[4096];
	uint64_t first = 0, i;
	int rc;

	for (i = from; i < to; i++) {
		int n = snprintf(bufs[i - from], sizeof bufs[0], "entry-%llu\n",
		                 (unsigned long long)i);

		e[i - from] = (const uint8_t *)bufs[i - from];
		lens[i - from] = (size_t)n;
	}
	rc = vouch_logstore_append(ls, e, lens, (size_t)(to - from), &first, NULL);
	CU_ASSERT_EQUAL(first, from);
	return rc;
}

static void
test_create_and_lock(void)
{
	vouch_logstore *ls = NULL, *ls2 = NULL;
	char *dir;
	vouch_err e;
	vouch_buf b;

	load();
	dir = newdir("a");
	CU_ASSERT_EQUAL(vouch_logstore_create(dir, ORIGIN, key, NULL), VOUCH_OK);
	CU_ASSERT_EQUAL(vouch_logstore_create(dir, ORIGIN, key, NULL), VOUCH_EEXIST);
	CU_ASSERT_EQUAL(vouch_logstore_create(newdir("bad"), "a b", key, NULL), VOUCH_EUSAGE);
	CU_ASSERT_EQUAL_FATAL(vouch_logstore_open(dir, ORIGIN, key, 0, indexer, NULL, &ls, NULL),
	                      VOUCH_OK);
	CU_ASSERT_EQUAL(vouch_logstore_checkpoint(ls)->size, 0);
	vouch_err_clear(&e);
	CU_ASSERT_EQUAL(vouch_logstore_open(dir, ORIGIN, key, 0, NULL, NULL, &ls2, &e),
	                VOUCH_EEXIST);
	CU_ASSERT_PTR_NOT_NULL(strstr(e.msg, "another writer"));
	CU_ASSERT_EQUAL(append_range(ls, 0, 3), VOUCH_OK);
	vouch_buf_init(&b, 0);
	CU_ASSERT_EQUAL(vouch_logstore_entry(ls, 1, &b, NULL), VOUCH_OK);
	CU_ASSERT_STRING_EQUAL(vouch_buf_cstr(&b), "entry-1\n");
	CU_ASSERT_EQUAL(vouch_logstore_entry(ls, 3, &b, NULL), VOUCH_EUSAGE);
	vouch_buf_free(&b);
	vouch_logstore_free(ls);
	/* a wrong origin or another key cannot open it */
	CU_ASSERT_NOT_EQUAL(vouch_logstore_open(dir, "example.com/other", key, 0, NULL, NULL,
	                                        &ls, NULL),
	                    VOUCH_OK);
	{
		vouch_key *k2 = NULL;

		vouch_key_generate(VOUCH_KEY_ED25519, &k2, NULL);
		CU_ASSERT_NOT_EQUAL(vouch_logstore_open(dir, ORIGIN, k2, 0, NULL, NULL, &ls, NULL),
		                    VOUCH_OK);
		vouch_key_free(k2);
	}
}

static void
check_vector_tiles(const char *dir)
{
	const cJSON *arr = vouch_json_get_array(vec, "tiles_for_size_70000"), *it;
	int count = 0;

	cJSON_ArrayForEach(it, arr) {
		char path[4200];
		char *data;
		size_t len;
		uint8_t d[32];
		char hex[65];

		snprintf(path, sizeof path, "%s/%s", dir, vouch_json_get_string(it, "path"));
		data = test_slurp(path, &len);
		vouch_sha256(data, len, d, NULL);
		vouch_hex_encode(d, 32, hex);
		CU_ASSERT_STRING_EQUAL(hex, vouch_json_get_string(it, "sha256"));
		free(data);
		count++;
	}
	CU_ASSERT_EQUAL(count, 277);
}

static void
test_vector_log(void)
{
	vouch_logstore *ls = NULL;
	char *dir, *note, path[4200];
	const vouch_checkpoint *cp;
	vouch_hash leaf, proof[VOUCH_PROOF_MAX];
	uint64_t i, idx = 0, hits[4];
	size_t len, n = 0;

	load();
	dir = newdir("v");
	CU_ASSERT_EQUAL_FATAL(vouch_logstore_create(dir, ORIGIN, key, NULL), VOUCH_OK);
	CU_ASSERT_EQUAL_FATAL(vouch_logstore_open(dir, ORIGIN, key, 0, indexer, NULL, &ls, NULL),
	                      VOUCH_OK);
	/* uneven batches, reopening now and then */
	for (i = 0; i < 70000;) {
		uint64_t next = i + 1 + (i * 7919) % 4000;

		if (next > 70000)
			next = 70000;
		CU_ASSERT_EQUAL_FATAL(append_range(ls, i, next), VOUCH_OK);
		i = next;
		if (i % 3 == 0) {
			vouch_logstore_free(ls);
			ls = NULL;
			CU_ASSERT_EQUAL_FATAL(vouch_logstore_open(dir, ORIGIN, key, 0, indexer, NULL,
			                                          &ls, NULL),
			                      VOUCH_OK);
		}
	}
	cp = vouch_logstore_checkpoint(ls);
	CU_ASSERT_EQUAL(cp->size, 70000);
	check_vector_tiles(dir);
	/* the checkpoint file is the vector's signed checkpoint, byte for byte */
	snprintf(path, sizeof path, "%s/checkpoint", dir);
	note = test_slurp(path, &len);
	CU_ASSERT_STRING_EQUAL(note, vouch_json_get_string(vouch_json_get_object(vec,
	                                                                         "signed_note"),
	                                                   "signed_checkpoint"));
	free(note);
	/* proofs from the store verify */
	{
		vouch_err e;

		vouch_err_clear(&e);
		CU_ASSERT_EQUAL(vouch_logstore_prove(ls, 35000, proof, &n, &e), VOUCH_OK);
		if (e.code)
			fprintf(stderr, "prove: %s\n", e.msg);
	}
	vouch_merkle_leaf_hash("entry-35000\n", 12, leaf, NULL);
	CU_ASSERT_EQUAL(vouch_merkle_verify_inclusion(leaf, 35000, 70000, cp->root,
	                                              (const vouch_hash *)proof, n, NULL),
	                VOUCH_OK);
	CU_ASSERT_EQUAL(vouch_logstore_find_leaf(ls, leaf, &idx, NULL), VOUCH_OK);
	CU_ASSERT_EQUAL(idx, 35000);
	vouch_merkle_leaf_hash("entry-70000\n", 12, leaf, NULL);
	CU_ASSERT_EQUAL(vouch_logstore_find_leaf(ls, leaf, &idx, NULL), VOUCH_ENEGATIVE);
	{
		uint8_t d[32];

		vouch_sha256("entry-12", 8, d, NULL); /* entries 12, 120..129, 1200.. */
		CU_ASSERT_EQUAL(vouch_logstore_lookup(ls, d, hits, 4, &n, NULL), VOUCH_OK);
		CU_ASSERT_EQUAL(n, 4);
		CU_ASSERT_EQUAL(hits[0], 12);
		CU_ASSERT_EQUAL(hits[1], 120);
	}
	vouch_logstore_free(ls);
	/* --reindex rebuilds the same answers */
	ls = NULL;
	CU_ASSERT_EQUAL_FATAL(vouch_logstore_open(dir, ORIGIN, key, VOUCH_LOGSTORE_REINDEX,
	                                          indexer, NULL, &ls, NULL),
	                      VOUCH_OK);
	vouch_merkle_leaf_hash("entry-69999\n", 12, leaf, NULL);
	CU_ASSERT_EQUAL(vouch_logstore_find_leaf(ls, leaf, &idx, NULL), VOUCH_OK);
	CU_ASSERT_EQUAL(idx, 69999);
	vouch_logstore_free(ls);
}

static void
write_junk(const char *dir, const char *rel, size_t n)
{
	char path[4200], *p;
	uint8_t junk[8192];
	int fd;

	snprintf(path, sizeof path, "%s/%s", dir, rel);
	for (p = path + strlen(dir) + 1; (p = strchr(p, '/')) != NULL; p++) {
		*p = '\0';
		mkdir(path, 0755);
		*p = '/';
	}
	memset(junk, 0x5a, sizeof junk);
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
	CU_ASSERT_FATAL(fd >= 0);
	CU_ASSERT(write(fd, junk, n) == (ssize_t)n);
	close(fd);
}

static int
exists(const char *dir, const char *rel)
{
	char path[4200];
	struct stat st;

	snprintf(path, sizeof path, "%s/%s", dir, rel);
	return stat(path, &st) == 0;
}

static void
test_recovery(void)
{
	vouch_logstore *ls = NULL;
	char *dir = newdir("r");
	vouch_hash leaf;
	uint64_t idx;
	vouch_buf b;

	load();
	CU_ASSERT_EQUAL_FATAL(vouch_logstore_create(dir, ORIGIN, key, NULL), VOUCH_OK);
	CU_ASSERT_EQUAL_FATAL(vouch_logstore_open(dir, ORIGIN, key, 0, indexer, NULL, &ls, NULL),
	                      VOUCH_OK);
	CU_ASSERT_EQUAL(append_range(ls, 0, 300), VOUCH_OK);
	vouch_logstore_free(ls);
	/* what a crash in the middle of the next batch leaves behind */
	write_junk(dir, "tile/0/001.p/200", 200 * 32);
	write_junk(dir, "tile/0/001", 8192);
	write_junk(dir, "tile/0/002.p/3", 96);
	write_junk(dir, "tile/1/000.p/2", 64);
	write_junk(dir, "tile/entries/001.p/250", 100);
	write_junk(dir, "tile/entries/x001/000", 100);
	write_junk(dir, "tile/0/001.p/50.tmp", 10);
	write_junk(dir, ".vouch/checkpoint.next", 100); /* staged, never published */
	CU_ASSERT_EQUAL_FATAL(vouch_logstore_open(dir, ORIGIN, key, 0, indexer, NULL, &ls, NULL),
	                      VOUCH_OK);
	CU_ASSERT(!exists(dir, "tile/0/001.p/200"));
	CU_ASSERT(!exists(dir, "tile/0/001"));
	CU_ASSERT(!exists(dir, "tile/0/002.p/3"));
	CU_ASSERT(!exists(dir, "tile/1/000.p/2"));
	CU_ASSERT(!exists(dir, "tile/entries/001.p/250"));
	CU_ASSERT(!exists(dir, "tile/entries/x001/000"));
	CU_ASSERT(!exists(dir, "tile/0/001.p/50.tmp"));
	CU_ASSERT(!exists(dir, ".vouch/checkpoint.next"));
	CU_ASSERT(exists(dir, "tile/0/001.p/44"));
	CU_ASSERT(exists(dir, "tile/0/000"));
	CU_ASSERT(exists(dir, "tile/entries/001.p/44"));
	/* and the log continues correctly */
	CU_ASSERT_EQUAL(append_range(ls, 300, 1000), VOUCH_OK);
	vouch_buf_init(&b, 0);
	CU_ASSERT_EQUAL(vouch_logstore_entry(ls, 999, &b, NULL), VOUCH_OK);
	CU_ASSERT_STRING_EQUAL(vouch_buf_cstr(&b), "entry-999\n");
	vouch_buf_free(&b);
	{
		const cJSON *roots = vouch_json_get_object(vec, "tree_roots");
		vouch_hash want;

		vouch_hex_decode(vouch_json_get_string(roots, "1000"), 64, want, 32,
		                 VOUCH_HEX_LOWER, NULL);
		CU_ASSERT(memcmp(vouch_logstore_checkpoint(ls)->root, want, 32) == 0);
	}
	vouch_merkle_leaf_hash("entry-299\n", 10, leaf, NULL);
	CU_ASSERT_EQUAL(vouch_logstore_find_leaf(ls, leaf, &idx, NULL), VOUCH_OK);
	CU_ASSERT_EQUAL(idx, 299);
	vouch_logstore_free(ls);
	/* a committed tile that was damaged stops the store from opening */
	write_junk(dir, "tile/0/003.p/232", 232 * 32);
	ls = NULL;
	CU_ASSERT_EQUAL(vouch_logstore_open(dir, ORIGIN, key, 0, indexer, NULL, &ls, NULL),
	                VOUCH_EINPUT);
	CU_ASSERT_PTR_NULL(ls);
	/* as does a damaged last entry bundle */
	dir = newdir("r2");
	CU_ASSERT_EQUAL_FATAL(vouch_logstore_create(dir, ORIGIN, key, NULL), VOUCH_OK);
	CU_ASSERT_EQUAL_FATAL(vouch_logstore_open(dir, ORIGIN, key, 0, NULL, NULL, &ls, NULL),
	                      VOUCH_OK);
	CU_ASSERT_EQUAL(append_range(ls, 0, 5), VOUCH_OK);
	vouch_logstore_free(ls);
	write_junk(dir, "tile/entries/000.p/5", 5 * 10);
	ls = NULL;
	CU_ASSERT_NOT_EQUAL(vouch_logstore_open(dir, ORIGIN, key, 0, NULL, NULL, &ls, NULL),
	                    VOUCH_OK);
}

static void
test_read_tile_fallback(void)
{
	char *dir = newdir("f");
	uint8_t t[VOUCH_TILE_BYTES];
	vouch_logstore *ls = NULL;
	char path[4200];

	load();
	CU_ASSERT_EQUAL_FATAL(vouch_logstore_create(dir, ORIGIN, key, NULL), VOUCH_OK);
	CU_ASSERT_EQUAL_FATAL(vouch_logstore_open(dir, ORIGIN, key, 0, NULL, NULL, &ls, NULL),
	                      VOUCH_OK);
	CU_ASSERT_EQUAL(append_range(ls, 0, 10), VOUCH_OK);
	CU_ASSERT_EQUAL(append_range(ls, 10, 300), VOUCH_OK);
	vouch_logstore_free(ls);
	/* the partial tile of width 10 is there; width 7 falls back to nothing
	 * (no full tile 0 missing), width 100 reads the full tile's prefix */
	{
		vouch_err e;

		vouch_err_clear(&e);
		CU_ASSERT_EQUAL(vouch_logstore_read_tile(dir, 0, 0, 10, t, &e), VOUCH_OK);
		if (e.code)
			fprintf(stderr, "read tile: %s\n", e.msg);
	}
	snprintf(path, sizeof path, "%s/tile/0/000.p/10", dir);
	unlink(path);
	CU_ASSERT_EQUAL(vouch_logstore_read_tile(dir, 0, 0, 10, t, NULL), VOUCH_OK);
	CU_ASSERT_EQUAL(vouch_logstore_read_tile(dir, 0, 1, 44, t, NULL), VOUCH_OK);
	CU_ASSERT_NOT_EQUAL(vouch_logstore_read_tile(dir, 0, 1, 45, t, NULL), VOUCH_OK);
	CU_ASSERT_NOT_EQUAL(vouch_logstore_read_tile(dir, 0, 2, 1, t, NULL), VOUCH_OK);
}

/* issue 20: where a log is kept */
static void
test_storage_location(void)
{
	vouch_logstore_loc loc;
	vouch_err e;

	CU_ASSERT_EQUAL(vouch_logstore_loc_parse("s3://vouch-test/logs/a", &loc, NULL), VOUCH_OK);
	CU_ASSERT_EQUAL(loc.kind, VOUCH_LOGSTORE_S3);
	CU_ASSERT_STRING_EQUAL(loc.bucket, "vouch-test");
	CU_ASSERT_STRING_EQUAL(loc.prefix, "logs/a/");
	CU_ASSERT_EQUAL(vouch_logstore_loc_parse("s3://abc/", &loc, NULL), VOUCH_OK);
	CU_ASSERT_STRING_EQUAL(loc.prefix, "");
	CU_ASSERT_EQUAL(vouch_logstore_loc_parse("posix:/srv/log", &loc, NULL), VOUCH_OK);
	CU_ASSERT_EQUAL(loc.kind, VOUCH_LOGSTORE_POSIX);
	CU_ASSERT_STRING_EQUAL(loc.dir, "/srv/log");
	CU_ASSERT_EQUAL(vouch_logstore_loc_parse("rel/dir", &loc, NULL), VOUCH_OK);
	CU_ASSERT_STRING_EQUAL(loc.dir, "rel/dir");
	vouch_err_clear(&e);
	CU_ASSERT_EQUAL(vouch_logstore_loc_parse("s3://Ab/x", &loc, &e), VOUCH_EUSAGE);
	CU_ASSERT_PTR_NOT_NULL(strstr(e.msg, "'s3://Ab/x'"));
	CU_ASSERT_EQUAL(vouch_logstore_loc_parse("s3://abc/a//b", &loc, NULL), VOUCH_EUSAGE);
	CU_ASSERT_EQUAL(vouch_logstore_loc_parse("s3://abc/a/../b", &loc, NULL), VOUCH_EUSAGE);
	CU_ASSERT_EQUAL(vouch_logstore_loc_parse("s3://abc/a b", &loc, NULL), VOUCH_EUSAGE);
	CU_ASSERT_EQUAL(vouch_logstore_loc_parse("gs://abc/x", &loc, NULL), VOUCH_EUSAGE);
	CU_ASSERT_EQUAL(vouch_logstore_loc_parse("posix:", &loc, NULL), VOUCH_EUSAGE);
	CU_ASSERT_EQUAL(vouch_logstore_loc_parse("", &loc, NULL), VOUCH_EUSAGE);
	CU_ASSERT_EQUAL(vouch_logstore_endpoint_check("http://127.0.0.1:9000", NULL), VOUCH_OK);
	CU_ASSERT_EQUAL(vouch_logstore_endpoint_check("https://s3.example.org/", NULL), VOUCH_OK);
	CU_ASSERT_EQUAL(vouch_logstore_endpoint_check("http://u:p@h", NULL), VOUCH_EUSAGE);
	CU_ASSERT_EQUAL(vouch_logstore_endpoint_check("http://h:0", NULL), VOUCH_EUSAGE);
	CU_ASSERT_EQUAL(vouch_logstore_endpoint_check("http://h:65536", NULL), VOUCH_EUSAGE);
	CU_ASSERT_EQUAL(vouch_logstore_endpoint_check("http://h/path", NULL), VOUCH_EUSAGE);
	CU_ASSERT_EQUAL(vouch_logstore_endpoint_check("ftp://h", NULL), VOUCH_EUSAGE);
}

/* the directory store through vouch_logstore_open_spec and a reader */
static void
test_spec_and_reader(void)
{
	char dir[PATH_MAX], spec_s[PATH_MAX + 8];
	vouch_logstore_spec spec;
	vouch_logstore *ls = NULL, *rd = NULL;
	uint8_t t[VOUCH_TILE_BYTES];
	vouch_buf b;

	load();
	snprintf(dir, sizeof dir, "%s", newdir("spec"));
	snprintf(spec_s, sizeof spec_s, "posix:%s", dir);
	memset(&spec, 0, sizeof spec);
	spec.storage = spec_s;
	CU_ASSERT_EQUAL_FATAL(vouch_logstore_create_spec(&spec, ORIGIN, key, NULL), VOUCH_OK);
	CU_ASSERT_EQUAL(vouch_logstore_create_spec(&spec, ORIGIN, key, NULL), VOUCH_EEXIST);
	CU_ASSERT_EQUAL_FATAL(vouch_logstore_open_spec(&spec, ORIGIN, key, 0, NULL, NULL, NULL,
	                                               NULL, &ls, NULL),
	                      VOUCH_OK);
	CU_ASSERT_EQUAL(vouch_logstore_fence(ls), 0);
	append_range(ls, 0, 300);
	CU_ASSERT_EQUAL_FATAL(vouch_logstore_open_reader(&spec, &rd, NULL), VOUCH_OK);
	CU_ASSERT_EQUAL(vouch_logstore_tile_read(rd, 0, 1, 44, t, NULL), VOUCH_OK);
	CU_ASSERT_NOT_EQUAL(vouch_logstore_tile_read(rd, 0, 1, 45, t, NULL), VOUCH_OK);
	vouch_buf_init(&b, 0);
	CU_ASSERT_EQUAL(vouch_logstore_get(rd, "checkpoint", 4096, &b, NULL), VOUCH_OK);
	CU_ASSERT(b.len > 0 && memcmp(b.data, ORIGIN "\n300\n", strlen(ORIGIN) + 5) == 0);
	vouch_buf_reset(&b);
	CU_ASSERT_EQUAL(vouch_logstore_get(rd, "tile/9/000", 4096, &b, NULL), VOUCH_ENEGATIVE);
	vouch_buf_free(&b);
	vouch_logstore_free(rd);
	vouch_logstore_free(ls);
}

static void
count_key(void *ctx, const uint8_t *k)
{
	size_t *n = ctx;

	n[0]++;
	if (k[0] == 0xa5 && k[1] == 7) /* the key given to entry 7 */
		n[1]++;
}

/* issue 18: index rows given by the caller, written later or at once */
static void
test_append_meta(void)
{
	vouch_logstore_meta meta[10];
	const uint8_t *e[10];
	size_t lens[10], n[2];
	uint8_t subj[32];
	char bufs[10][16], *dir;
	vouch_logstore *ls = NULL;
	uint64_t first = 99, hits[4], idx = 0;
	size_t nh = 0, i;

	load();
	dir = newdir("meta");
	memset(subj, 0x3c, sizeof subj);
	for (i = 0; i < 10; i++) {
		lens[i] = (size_t)snprintf(bufs[i], sizeof bufs[i], "meta-%zu", i);
		e[i] = (const uint8_t *)bufs[i];
		memset(meta[i].key, 0, VOUCH_HASH_LEN);
		meta[i].key[0] = 0xa5;
		meta[i].key[1] = (uint8_t)i;
		meta[i].subjects = i == 3 || i == 8 ? subj : NULL;
		meta[i].nsubjects = i == 3 || i == 8 ? 1 : 0;
	}
	CU_ASSERT_EQUAL_FATAL(vouch_logstore_create(dir, ORIGIN, key, NULL), VOUCH_OK);
	CU_ASSERT_EQUAL_FATAL(vouch_logstore_open(dir, ORIGIN, key, 0, indexer, NULL, &ls, NULL),
	                      VOUCH_OK);
	CU_ASSERT_EQUAL(vouch_logstore_index_in_commit(ls), 0);
	/* at once: rows from meta, not from the indexer */
	CU_ASSERT_EQUAL(vouch_logstore_append_meta(ls, e, lens, meta, 5, 0, &first, NULL),
	                VOUCH_OK);
	CU_ASSERT_EQUAL(first, 0);
	CU_ASSERT_EQUAL(vouch_logstore_find_leaf(ls, meta[2].key, &idx, NULL), VOUCH_OK);
	CU_ASSERT_EQUAL(idx, 2);
	CU_ASSERT_EQUAL(vouch_logstore_lookup(ls, subj, hits, 4, &nh, NULL), VOUCH_OK);
	CU_ASSERT_EQUAL(nh, 1);
	CU_ASSERT_EQUAL(hits[0], 3);
	/* later: committed, but not in the index until vouch_logstore_index */
	CU_ASSERT_EQUAL(vouch_logstore_append_meta(ls, e + 5, lens + 5, meta + 5, 5,
	                                           VOUCH_LOGSTORE_INDEX_LATER, &first, NULL),
	                VOUCH_OK);
	CU_ASSERT_EQUAL(first, 5);
	CU_ASSERT_EQUAL(vouch_logstore_checkpoint(ls)->size, 10);
	CU_ASSERT_EQUAL(vouch_logstore_find_leaf(ls, meta[7].key, &idx, NULL), VOUCH_ENEGATIVE);
	n[0] = n[1] = 0;
	CU_ASSERT_EQUAL(vouch_logstore_each_key(ls, count_key, n, NULL), VOUCH_OK);
	CU_ASSERT_EQUAL(n[0], 5);
	CU_ASSERT_EQUAL(n[1], 0);
	CU_ASSERT_EQUAL(vouch_logstore_index(ls, 5, meta + 5, 5, NULL), VOUCH_OK);
	CU_ASSERT_EQUAL(vouch_logstore_find_leaf(ls, meta[7].key, &idx, NULL), VOUCH_OK);
	CU_ASSERT_EQUAL(idx, 7);
	CU_ASSERT_EQUAL(vouch_logstore_lookup(ls, subj, hits, 4, &nh, NULL), VOUCH_OK);
	CU_ASSERT_EQUAL(nh, 2);
	CU_ASSERT_EQUAL(hits[1], 8);
	n[0] = n[1] = 0;
	CU_ASSERT_EQUAL(vouch_logstore_each_key(ls, count_key, n, NULL), VOUCH_OK);
	CU_ASSERT_EQUAL(n[0], 10);
	CU_ASSERT_EQUAL(n[1], 1);
	/* rows left out and never written (a crash): the next open writes them,
	 * from the indexer, keyed by the leaf hash without a keyer */
	CU_ASSERT_EQUAL(vouch_logstore_append_meta(ls, e, lens, meta, 2,
	                                           VOUCH_LOGSTORE_INDEX_LATER, &first, NULL),
	                VOUCH_OK);
	vouch_logstore_free(ls);
	ls = NULL;
	CU_ASSERT_EQUAL_FATAL(vouch_logstore_open(dir, ORIGIN, key, 0, indexer, NULL, &ls, NULL),
	                      VOUCH_OK);
	n[0] = n[1] = 0;
	CU_ASSERT_EQUAL(vouch_logstore_each_key(ls, count_key, n, NULL), VOUCH_OK);
	CU_ASSERT_EQUAL(n[0], 12);
	vouch_logstore_free(ls);
}

static const struct test_case cases[] = {
	{ "append with caller's index rows, now or later", test_append_meta },
	{ "storage locations and endpoints", test_storage_location },
	{ "open by storage spec, reader", test_spec_and_reader },
	{ "create, lock, append, read", test_create_and_lock },
	{ "the 70000-entry vector log on disk", test_vector_log },
	{ "recovery after a crash mid-batch", test_recovery },
	{ "tile reader falls back to full tiles", test_read_tile_fallback },
	{ NULL, NULL },
};

int
main(void)
{
	int rc = test_run("logstore", cases);

	vouch_key_free(key);
	cJSON_Delete(vec);
	return rc;
}
