/* test_merkle.c - RFC 6962 hashing, proofs, tiles and entry bundles against
 * tests/vectors/tlog.json (Go's golang.org/x/mod/sumdb/tlog). */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "harness.h"
#include "vouch/vouch.h"
#include "vouch/merkle.h"
#include "vouch/tile.h"

#define BIG 70000

static cJSON *vec;
static vouch_hash *leaves; /* BIG leaf hashes of "entry-<i>\n" */

static void
load(void)
{
	char *data;
	size_t len;
	uint64_t i;

	if (vec != NULL)
		return;
	data = test_slurp(test_vector_path("tlog.json"), &len);
	if (vouch_json_parse(data, len, &vec, NULL) != VOUCH_OK) {
		fprintf(stderr, "cannot parse tlog.json\n");
		exit(2);
	}
	free(data);
	leaves = calloc(BIG, sizeof *leaves);
	if (leaves == NULL)
		exit(2);
	for (i = 0; i < BIG; i++) {
		char e[32];
		int n = snprintf(e, sizeof e, "entry-%llu\n", (unsigned long long)i);

		if (vouch_merkle_leaf_hash(e, (size_t)n, leaves[i], NULL) != VOUCH_OK)
			exit(2);
	}
}

static void
hexh(const char *s, vouch_hash out)
{
	CU_ASSERT_FATAL(s != NULL);
	CU_ASSERT_FATAL(vouch_hex_decode(s, strlen(s), out, VOUCH_HASH_LEN, VOUCH_HEX_LOWER,
	                                 NULL) == VOUCH_OK);
}

static size_t
hex_list(const cJSON *arr, vouch_hash *out)
{
	const cJSON *it;
	size_t n = 0;

	cJSON_ArrayForEach(it, arr) {
		CU_ASSERT_FATAL(n < VOUCH_PROOF_MAX);
		hexh(it->valuestring, out[n++]);
	}
	return n;
}

/* ---- an in-memory tile store ---- */

struct stored {
	char path[VOUCH_TILE_PATH_MAX];
	uint8_t data[VOUCH_TILE_BYTES];
	size_t len;
};

struct store {
	struct stored *t;
	size_t n, cap;
	int writes;
};

static struct stored *
store_find(struct store *s, const char *path)
{
	size_t i;

	for (i = 0; i < s->n; i++)
		if (strcmp(s->t[i].path, path) == 0)
			return &s->t[i];
	return NULL;
}

static int
store_write(void *ctx, int level, uint64_t index, unsigned width, const uint8_t *data,
            vouch_err *err)
{
	struct store *s = ctx;
	struct stored *t;
	char path[VOUCH_TILE_PATH_MAX];
	int rc;

	if ((rc = vouch_tile_path(level, index, width, path, sizeof path, err)) != VOUCH_OK)
		return rc;
	t = store_find(s, path);
	if (t == NULL) {
		if (s->n == s->cap) {
			s->cap = s->cap ? s->cap * 2 : 64;
			s->t = realloc(s->t, s->cap * sizeof *s->t);
			CU_ASSERT_FATAL(s->t != NULL);
		}
		t = &s->t[s->n++];
		strcpy(t->path, path);
	}
	memcpy(t->data, data, (size_t)width * VOUCH_HASH_LEN);
	t->len = (size_t)width * VOUCH_HASH_LEN;
	s->writes++;
	return VOUCH_OK;
}

static int
store_read(void *ctx, int level, uint64_t index, unsigned width, uint8_t *out,
           vouch_err *err)
{
	struct store *s = ctx;
	struct stored *t;
	char path[VOUCH_TILE_PATH_MAX];
	int rc;

	if ((rc = vouch_tile_path(level, index, width, path, sizeof path, err)) != VOUCH_OK)
		return rc;
	t = store_find(s, path);
	if (t == NULL)
		return vouch_err_set(err, VOUCH_EIO, "'%s': no such tile", path);
	memcpy(out, t->data, t->len);
	return VOUCH_OK;
}

static struct store incr; /* built in batches ending at every vector size */

static void
build_incremental(void)
{
	static const uint64_t cuts[] = { 1, 2, 3, 7, 8, 100, 255, 256, 257, 1000, 1001,
	                                 65535, 65536, 65537, 69999, BIG };
	uint64_t old = 0;
	size_t i;

	if (incr.n > 0)
		return;
	for (i = 0; i < sizeof cuts / sizeof cuts[0]; i++) {
		CU_ASSERT_FATAL(vouch_tiles_extend(old, cuts[i], (const vouch_hash *)leaves + old,
		                                   store_read, &incr, store_write, &incr,
		                                   NULL) == VOUCH_OK);
		old = cuts[i];
	}
}

/* ---- tests ---- */

static void
test_empty_and_small_roots(void)
{
	vouch_hash h, want;
	struct vouch_merkle_mem m;

	load();
	CU_ASSERT_EQUAL(vouch_merkle_empty_root(h, NULL), VOUCH_OK);
	hexh("e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855", want);
	CU_ASSERT(memcmp(h, want, 32) == 0);
	CU_ASSERT_EQUAL(vouch_merkle_root_of(NULL, 0, h, NULL), VOUCH_OK);
	CU_ASSERT(memcmp(h, want, 32) == 0);
	m.leaves = leaves;
	m.n = 0;
	CU_ASSERT_EQUAL(vouch_merkle_tree_root(vouch_merkle_mem_reader, &m, 0, h, NULL),
	                VOUCH_OK);
	CU_ASSERT(memcmp(h, want, 32) == 0);
}

static void
test_roots(void)
{
	const cJSON *roots, *it;
	vouch_tilehashes *th = NULL;

	load();
	build_incremental();
	roots = vouch_json_get_object(vec, "tree_roots");
	CU_ASSERT_FATAL(roots != NULL);
	cJSON_ArrayForEach(it, roots) {
		uint64_t n = strtoull(it->string, NULL, 10);
		vouch_hash want, a, b;

		hexh(it->valuestring, want);
		CU_ASSERT_EQUAL(vouch_merkle_root_of((const vouch_hash *)leaves, n, a, NULL),
		                VOUCH_OK);
		CU_ASSERT(memcmp(a, want, 32) == 0);
		CU_ASSERT_EQUAL(vouch_tilehashes_new(n, store_read, &incr, &th, NULL), VOUCH_OK);
		CU_ASSERT_EQUAL(vouch_merkle_tree_root(vouch_tilehashes_read, th, n, b, NULL),
		                VOUCH_OK);
		CU_ASSERT(memcmp(b, want, 32) == 0);
		vouch_tilehashes_free(th);
	}
}

static void
flip_inclusion(const vouch_hash leaf, uint64_t idx, uint64_t size, const vouch_hash root,
               vouch_hash *proof, size_t n)
{
	size_t i;
	unsigned bit;

	for (i = 0; i < n; i++)
		for (bit = 0; bit < 256; bit++) {
			proof[i][bit / 8] ^= (uint8_t)(1u << (bit % 8));
			CU_ASSERT_EQUAL(vouch_merkle_verify_inclusion(leaf, idx, size, root,
			                                              (const vouch_hash *)proof, n,
			                                              NULL),
			                VOUCH_ENEGATIVE);
			proof[i][bit / 8] ^= (uint8_t)(1u << (bit % 8));
		}
}

static void
test_inclusion_vectors(void)
{
	const cJSON *arr = NULL, *it;
	vouch_tilehashes *th = NULL;
	int count = 0;

	load();
	build_incremental();
	arr = vouch_json_get_array(vec, "inclusion");
	CU_ASSERT_FATAL(arr != NULL);
	cJSON_ArrayForEach(it, arr) {
		vouch_hash leaf, root, want[VOUCH_PROOF_MAX], got[VOUCH_PROOF_MAX], bad;
		uint64_t idx = (uint64_t)vouch_json_get(it, "index")->valuedouble;
		uint64_t size = (uint64_t)vouch_json_get(it, "tree_size")->valuedouble;
		size_t n, gn = 99;
		vouch_err e;

		hexh(vouch_json_get_string(it, "leaf_hash"), leaf);
		hexh(vouch_json_get_string(it, "root"), root);
		CU_ASSERT(memcmp(leaf, leaves[idx], 32) == 0);
		n = hex_list(vouch_json_get_array(it, "proof"), want);
		CU_ASSERT_EQUAL(vouch_tilehashes_new(size, store_read, &incr, &th, NULL), VOUCH_OK);
		CU_ASSERT_EQUAL(vouch_merkle_prove_inclusion(vouch_tilehashes_read, th, idx, size,
		                                             got, &gn, NULL),
		                VOUCH_OK);
		vouch_tilehashes_free(th);
		CU_ASSERT_EQUAL(gn, n);
		CU_ASSERT(memcmp(got, want, n * 32) == 0);
		vouch_err_clear(&e);
		CU_ASSERT_EQUAL(vouch_merkle_verify_inclusion(leaf, idx, size, root,
		                                              (const vouch_hash *)want, n, &e),
		                VOUCH_OK);
		/* every bit flip, a wrong index, one hash too few/many.  (A wrong
		 * size can verify against the same root: the size is bound to the
		 * root by the signed checkpoint, not by the proof.) */
		flip_inclusion(leaf, idx, size, root, want, n);
		CU_ASSERT_NOT_EQUAL(vouch_merkle_verify_inclusion(leaf, idx + 1, size, root,
		                                                  (const vouch_hash *)want, n, NULL),
		                    VOUCH_OK);
		if (n > 0)
			CU_ASSERT_NOT_EQUAL(vouch_merkle_verify_inclusion(leaf, idx, size, root,
			                                                  (const vouch_hash *)want,
			                                                  n - 1, NULL),
			                    VOUCH_OK);
		memcpy(want[n], root, 32);
		CU_ASSERT_NOT_EQUAL(vouch_merkle_verify_inclusion(leaf, idx, size, root,
		                                                  (const vouch_hash *)want, n + 1,
		                                                  NULL),
		                    VOUCH_OK);
		memcpy(bad, leaf, 32);
		bad[31] ^= 1;
		CU_ASSERT_EQUAL(vouch_merkle_verify_inclusion(bad, idx, size, root,
		                                              (const vouch_hash *)want, n, NULL),
		                VOUCH_ENEGATIVE);
		count++;
	}
	CU_ASSERT_EQUAL(count, 39);
}

static void
test_consistency_vectors(void)
{
	const cJSON *arr = NULL, *it;
	vouch_tilehashes *th = NULL;
	int count = 0;

	load();
	build_incremental();
	arr = vouch_json_get_array(vec, "consistency");
	CU_ASSERT_FATAL(arr != NULL);
	cJSON_ArrayForEach(it, arr) {
		vouch_hash oroot, nroot, want[VOUCH_PROOF_MAX], got[VOUCH_PROOF_MAX];
		uint64_t o = (uint64_t)vouch_json_get(it, "Old")->valuedouble;
		uint64_t nw = (uint64_t)vouch_json_get(it, "New")->valuedouble;
		size_t n, gn = 99, i;
		unsigned bit;

		hexh(vouch_json_get_string(it, "OldRoot"), oroot);
		hexh(vouch_json_get_string(it, "NewRoot"), nroot);
		n = hex_list(vouch_json_get_array(it, "Proof"), want);
		CU_ASSERT_EQUAL(vouch_tilehashes_new(nw, store_read, &incr, &th, NULL), VOUCH_OK);
		CU_ASSERT_EQUAL(vouch_merkle_prove_consistency(vouch_tilehashes_read, th, o, nw,
		                                               got, &gn, NULL),
		                VOUCH_OK);
		vouch_tilehashes_free(th);
		CU_ASSERT_EQUAL(gn, n);
		CU_ASSERT(memcmp(got, want, n * 32) == 0);
		CU_ASSERT_EQUAL(vouch_merkle_verify_consistency(o, nw, oroot, nroot,
		                                                (const vouch_hash *)want, n, NULL),
		                VOUCH_OK);
		for (i = 0; i < n; i++)
			for (bit = 0; bit < 256; bit++) {
				want[i][bit / 8] ^= (uint8_t)(1u << (bit % 8));
				CU_ASSERT_EQUAL(vouch_merkle_verify_consistency(o, nw, oroot, nroot,
				                                                (const vouch_hash *)want,
				                                                n, NULL),
				                VOUCH_ENEGATIVE);
				want[i][bit / 8] ^= (uint8_t)(1u << (bit % 8));
			}
		CU_ASSERT_NOT_EQUAL(vouch_merkle_verify_consistency(o, nw, nroot, oroot,
		                                                    (const vouch_hash *)want, n,
		                                                    NULL),
		                    VOUCH_OK);
		CU_ASSERT_NOT_EQUAL(vouch_merkle_verify_consistency(o, nw, oroot, nroot,
		                                                    (const vouch_hash *)want,
		                                                    n - 1, NULL),
		                    VOUCH_OK);
		count++;
	}
	CU_ASSERT_EQUAL(count, 8);
}

/* Every (index, size) and (old, new) pair in small trees, generated from the
 * in-memory reader and verified against independently computed roots. */
static void
test_exhaustive_small(void)
{
	struct vouch_merkle_mem m;
	vouch_hash roots[80], p[VOUCH_PROOF_MAX];
	uint64_t a, b;
	size_t n;

	load();
	m.leaves = leaves;
	m.n = 80;
	for (a = 0; a < 80; a++)
		CU_ASSERT_FATAL(vouch_merkle_root_of((const vouch_hash *)leaves, a, roots[a],
		                                     NULL) == VOUCH_OK);
	for (b = 1; b < 80; b++)
		for (a = 0; a < b; a++) {
			CU_ASSERT_EQUAL(vouch_merkle_prove_inclusion(vouch_merkle_mem_reader, &m, a, b,
			                                             p, &n, NULL),
			                VOUCH_OK);
			CU_ASSERT_EQUAL(vouch_merkle_verify_inclusion(leaves[a], a, b, roots[b],
			                                              (const vouch_hash *)p, n, NULL),
			                VOUCH_OK);
			if (b > 1)
				CU_ASSERT_NOT_EQUAL(vouch_merkle_verify_inclusion(leaves[a], a, b - 1,
				                                                  roots[b - 1],
				                                                  (const vouch_hash *)p,
				                                                  n, NULL),
				                    VOUCH_OK);
		}
	for (b = 1; b < 80; b++)
		for (a = 1; a <= b; a++) {
			CU_ASSERT_EQUAL(vouch_merkle_prove_consistency(vouch_merkle_mem_reader, &m, a,
			                                               b, p, &n, NULL),
			                VOUCH_OK);
			CU_ASSERT_EQUAL(n == 0, a == b);
			CU_ASSERT_EQUAL(vouch_merkle_verify_consistency(a, b, roots[a], roots[b],
			                                                (const vouch_hash *)p, n, NULL),
			                VOUCH_OK);
			if (a < b)
				CU_ASSERT_NOT_EQUAL(vouch_merkle_verify_consistency(a, b, roots[b],
				                                                    roots[a],
				                                                    (const vouch_hash *)p,
				                                                    n, NULL),
				                    VOUCH_OK);
		}
}

static void
test_edge_cases(void)
{
	vouch_hash empty, p[VOUCH_PROOF_MAX], r1, r2;
	struct vouch_merkle_mem m;
	size_t n = 7;
	vouch_err e;

	load();
	m.leaves = leaves;
	m.n = 8;
	vouch_merkle_empty_root(empty, NULL);
	vouch_merkle_root_of((const vouch_hash *)leaves, 1, r1, NULL);
	vouch_merkle_root_of((const vouch_hash *)leaves, 2, r2, NULL);
	/* size 0: no leaf is included, no consistency proof starts there */
	CU_ASSERT_EQUAL(vouch_merkle_verify_inclusion(leaves[0], 0, 0, empty, NULL, 0, NULL),
	                VOUCH_ENEGATIVE);
	vouch_err_clear(&e);
	CU_ASSERT_EQUAL(vouch_merkle_verify_consistency(0, 2, empty, r2, NULL, 0, &e),
	                VOUCH_ENEGATIVE);
	CU_ASSERT(strstr(e.msg, "size 0") != NULL);
	CU_ASSERT_EQUAL(vouch_merkle_verify_consistency(0, 0, empty, empty, NULL, 0, NULL),
	                VOUCH_ENEGATIVE);
	memcpy(p[0], r2, 32);
	CU_ASSERT_EQUAL(vouch_merkle_verify_consistency(0, 2, empty, r2,
	                                                (const vouch_hash *)p, 1, NULL),
	                VOUCH_ENEGATIVE);
	CU_ASSERT_NOT_EQUAL(vouch_merkle_prove_consistency(vouch_merkle_mem_reader, &m, 0, 2,
	                                                   p, &n, NULL),
	                    VOUCH_OK);
	/* size 1: the leaf is the root, the proof empty */
	CU_ASSERT_EQUAL(vouch_merkle_verify_inclusion(leaves[0], 0, 1, r1, NULL, 0, NULL),
	                VOUCH_OK);
	CU_ASSERT_EQUAL(vouch_merkle_verify_inclusion(leaves[1], 0, 1, r1, NULL, 0, NULL),
	                VOUCH_ENEGATIVE);
	CU_ASSERT_EQUAL(vouch_merkle_verify_inclusion(leaves[0], 1, 1, r1, NULL, 0, NULL),
	                VOUCH_ENEGATIVE);
	/* size 2 from 1: an empty proof is not enough */
	CU_ASSERT_EQUAL(vouch_merkle_verify_consistency(1, 2, r1, r2, NULL, 0, NULL),
	                VOUCH_ENEGATIVE);
	/* equal sizes: empty proof, same root */
	CU_ASSERT_EQUAL(vouch_merkle_verify_consistency(2, 2, r2, r2, NULL, 0, NULL), VOUCH_OK);
	CU_ASSERT_EQUAL(vouch_merkle_verify_consistency(2, 2, r2, r1, NULL, 0, NULL),
	                VOUCH_ENEGATIVE);
	memcpy(p[0], r2, 32);
	CU_ASSERT_EQUAL(vouch_merkle_verify_consistency(2, 2, r2, r2,
	                                                (const vouch_hash *)p, 1, NULL),
	                VOUCH_ENEGATIVE);
	/* shrinking */
	CU_ASSERT_EQUAL(vouch_merkle_verify_consistency(2, 1, r2, r1, NULL, 0, NULL),
	                VOUCH_ENEGATIVE);
	CU_ASSERT_NOT_EQUAL(vouch_merkle_prove_inclusion(vouch_merkle_mem_reader, &m, 8, 8, p,
	                                                 &n, NULL),
	                    VOUCH_OK);
	/* a huge proof is refused without reading past it */
	CU_ASSERT_EQUAL(vouch_merkle_verify_inclusion(leaves[0], 0, 2, r2, NULL, 1000, NULL),
	                VOUCH_ENEGATIVE);
}

static void
test_tile_paths(void)
{
	const cJSON *paths, *it;
	char buf[VOUCH_TILE_PATH_MAX];
	int count = 0;
	static const char *bad[] = {
		"tile/0/x000/005", "tile/0/5", "tile/0/0005", "tile/0/005.p/0", "tile/0/005.p/256",
		"tile/0/005.p/017", "tile/8/000", "tile/00/000", "tile/0/../000", "tile/0/x001",
		"tile/0/x001/", "tile/0/001/002", "tile/entries/../../etc/passwd", "tile/0/000/",
		"tile//000", "tile/0/000.p/", "tile/0/x1/000", "tile/-1/000", "tile/0/+01",
		"tile/0/x018/x446/x744/x073/x709/x551/616", "tile/0/000.p/5x", "/tile/0/000",
		"tile/data/000", "tile/0/00a", "",
	};
	size_t i;
	int lv;
	uint64_t idx;
	unsigned w;

	load();
	paths = vouch_json_get_object(vec, "tile_paths");
	CU_ASSERT_FATAL(paths != NULL);
	cJSON_ArrayForEach(it, paths) {
		unsigned level = 0, width = 256;
		uint64_t n = strtoull(it->string, NULL, 10);
		const char *lvs = strstr(it->string, " level ");

		if (lvs != NULL) {
			level = (unsigned)atoi(lvs + 7);
			width = (unsigned)atoi(strstr(it->string, " width ") + 7);
		}
		CU_ASSERT_EQUAL(vouch_tile_path((int)level, n, width, buf, sizeof buf, NULL),
		                VOUCH_OK);
		CU_ASSERT_STRING_EQUAL(buf, it->valuestring);
		CU_ASSERT_EQUAL(vouch_tile_path_parse(buf, strlen(buf), &lv, &idx, &w, NULL),
		                VOUCH_OK);
		CU_ASSERT_EQUAL(lv, (int)level);
		CU_ASSERT_EQUAL(idx, n);
		CU_ASSERT_EQUAL(w, width);
		count++;
	}
	CU_ASSERT_EQUAL(count, 14);
	CU_ASSERT_EQUAL(vouch_tile_path(VOUCH_TILE_ENTRIES, 1234067, 5, buf, sizeof buf, NULL),
	                VOUCH_OK);
	CU_ASSERT_STRING_EQUAL(buf, "tile/entries/x001/x234/067.p/5");
	CU_ASSERT_EQUAL(vouch_tile_path_parse(buf, strlen(buf), &lv, &idx, &w, NULL), VOUCH_OK);
	CU_ASSERT_EQUAL(lv, VOUCH_TILE_ENTRIES);
	CU_ASSERT_EQUAL(vouch_tile_path(0, UINT64_MAX, 256, buf, sizeof buf, NULL), VOUCH_OK);
	CU_ASSERT_STRING_EQUAL(buf, "tile/0/x018/x446/x744/x073/x709/x551/615");
	CU_ASSERT_EQUAL(vouch_tile_path_parse(buf, strlen(buf), &lv, &idx, &w, NULL), VOUCH_OK);
	CU_ASSERT_EQUAL(idx, UINT64_MAX);
	CU_ASSERT_EQUAL(vouch_tile_path(0, 5, 256, buf, 8, NULL), VOUCH_EUSAGE);
	for (i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		int rc = vouch_tile_path_parse(bad[i], strlen(bad[i]), &lv, &idx, &w, NULL);

		CU_ASSERT_EQUAL(rc, VOUCH_EINPUT);
		if (rc != VOUCH_EINPUT)
			fprintf(stderr, "accepted bad tile path '%s'\n", bad[i]);
	}
	/* widths */
	CU_ASSERT_EQUAL(vouch_tile_width(0, 0, 0), 0);
	CU_ASSERT_EQUAL(vouch_tile_width(0, 0, 5), 5);
	CU_ASSERT_EQUAL(vouch_tile_width(0, 0, 256), 256);
	CU_ASSERT_EQUAL(vouch_tile_width(0, 1, 256), 0);
	CU_ASSERT_EQUAL(vouch_tile_width(1, 0, 70000), 256);
	CU_ASSERT_EQUAL(vouch_tile_width(1, 1, 70000), 17);
	CU_ASSERT_EQUAL(vouch_tile_width(2, 0, 70000), 1);
	CU_ASSERT_EQUAL(vouch_tile_width(3, 0, 70000), 0);
	CU_ASSERT_EQUAL(vouch_tile_width(VOUCH_TILE_ENTRIES, 273, 70000), 112);
}

static void
check_tiles(struct store *s, const char *label)
{
	const cJSON *arr, *it;
	int count = 0;

	arr = vouch_json_get_array(vec, "tiles_for_size_70000");
	CU_ASSERT_FATAL(arr != NULL);
	cJSON_ArrayForEach(it, arr) {
		const char *path = vouch_json_get_string(it, "path");
		struct stored *t = store_find(s, path);
		uint8_t d[32];
		char hex[65];

		CU_ASSERT_PTR_NOT_NULL(t);
		if (t == NULL) {
			fprintf(stderr, "%s: missing tile %s\n", label, path);
			continue;
		}
		CU_ASSERT_EQUAL(t->len, strtoul(vouch_json_get_string(it, "bytes"), NULL, 10));
		vouch_sha256(t->data, t->len, d, NULL);
		vouch_hex_encode(d, 32, hex);
		CU_ASSERT_STRING_EQUAL(hex, vouch_json_get_string(it, "sha256"));
		count++;
	}
	CU_ASSERT_EQUAL(count, 277);
}

static void
test_tiles_70000(void)
{
	struct store one = { NULL, 0, 0, 0 };

	load();
	CU_ASSERT_EQUAL(vouch_tiles_extend(0, BIG, (const vouch_hash *)leaves, store_read, &one,
	                                   store_write, &one, NULL),
	                VOUCH_OK);
	CU_ASSERT_EQUAL(one.n, 277); /* exactly the tiles of the vector, nothing more */
	check_tiles(&one, "one batch");
	free(one.t);
	build_incremental();
	check_tiles(&incr, "incremental");
}

static void
test_tiles_one_by_one(void)
{
	struct store s = { NULL, 0, 0, 0 };
	vouch_tilehashes *th = NULL;
	vouch_hash r, want;
	uint64_t i;

	load();
	/* 600 single-leaf appends: every level-0 and level-1 transition */
	for (i = 0; i < 66000; i++) {
		if (i > 601 && i < 65400)
			continue;
		if (i == 601) {
			CU_ASSERT_EQUAL(vouch_tiles_extend(601, 65400, (const vouch_hash *)leaves + 601,
			                                   store_read, &s, store_write, &s, NULL),
			                VOUCH_OK);
			continue;
		}
		CU_ASSERT_EQUAL_FATAL(vouch_tiles_extend(i, i + 1, (const vouch_hash *)leaves + i,
		                                         store_read, &s, store_write, &s, NULL),
		                      VOUCH_OK);
		if (i % 97 == 0 || i == 65535 || i == 255) {
			vouch_tilehashes_new(i + 1, store_read, &s, &th, NULL);
			CU_ASSERT_EQUAL(vouch_merkle_tree_root(vouch_tilehashes_read, th, i + 1, r,
			                                       NULL),
			                VOUCH_OK);
			vouch_tilehashes_free(th);
			vouch_merkle_root_of((const vouch_hash *)leaves, i + 1, want, NULL);
			CU_ASSERT(memcmp(r, want, 32) == 0);
		}
	}
	CU_ASSERT_EQUAL(vouch_tiles_extend(5, 4, NULL, store_read, &s, store_write, &s, NULL),
	                VOUCH_EUSAGE);
	free(s.t);
}

static void
test_bundles(void)
{
	vouch_buf b;
	struct vouch_span sp[3];
	static uint8_t big[65536];

	vouch_buf_init(&b, 0);
	CU_ASSERT_EQUAL(vouch_tile_bundle_append(&b, "abc", 3, NULL), VOUCH_OK);
	CU_ASSERT_EQUAL(vouch_tile_bundle_append(&b, "", 0, NULL), VOUCH_OK);
	CU_ASSERT_EQUAL(vouch_tile_bundle_append(&b, big, 65535, NULL), VOUCH_OK);
	CU_ASSERT_EQUAL(vouch_tile_bundle_append(&b, big, 65536, NULL), VOUCH_ELIMIT);
	CU_ASSERT_EQUAL(b.len, 2 + 3 + 2 + 2 + 65535);
	CU_ASSERT(memcmp(b.data, "\0\3abc\0\0\xff\xff", 9) == 0);
	CU_ASSERT_EQUAL(vouch_tile_bundle_split(b.data, b.len, 3, sp, NULL), VOUCH_OK);
	CU_ASSERT_EQUAL(sp[0].off, 2);
	CU_ASSERT_EQUAL(sp[0].len, 3);
	CU_ASSERT_EQUAL(sp[1].len, 0);
	CU_ASSERT_EQUAL(sp[2].off, 9);
	CU_ASSERT_EQUAL(sp[2].len, 65535);
	CU_ASSERT_EQUAL(vouch_tile_bundle_split(b.data, b.len, 2, sp, NULL), VOUCH_EINPUT);
	CU_ASSERT_EQUAL(vouch_tile_bundle_split(b.data, b.len - 1, 3, sp, NULL), VOUCH_EINPUT);
	CU_ASSERT_EQUAL(vouch_tile_bundle_split(b.data, 1, 1, sp, NULL), VOUCH_EINPUT);
	vouch_buf_free(&b);
}

static const struct test_case cases[] = {
	{ "empty and small roots", test_empty_and_small_roots },
	{ "tree roots (tiles and memory)", test_roots },
	{ "inclusion vectors and bit flips", test_inclusion_vectors },
	{ "consistency vectors and bit flips", test_consistency_vectors },
	{ "exhaustive small trees", test_exhaustive_small },
	{ "proof edge cases", test_edge_cases },
	{ "tile paths", test_tile_paths },
	{ "tiles of the 70000-entry log", test_tiles_70000 },
	{ "tiles grown one leaf at a time", test_tiles_one_by_one },
	{ "entry bundles", test_bundles },
	{ NULL, NULL },
};

int
main(void)
{
	int rc = test_run("merkle", cases);

	cJSON_Delete(vec);
	free(leaves);
	free(incr.t);
	return rc;
}
