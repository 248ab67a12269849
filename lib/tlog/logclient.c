/* logclient.c - fetch and verify a tlog-tiles log over HTTP (libcurl). */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <curl/curl.h>

#include "vouch/codec.h"
#include "vouch/file.h"
#include "vouch/json.h"
#include "vouch/logclient.h"
#include "vouch/logentry.h"
#include "vouch/tile.h"
#include "vouch/tlogproof.h"

#define CHECKPOINT_MAX VOUCH_NOTE_MAX
#define BUNDLE_MAX ((size_t)VOUCH_TILE_WIDTH * (VOUCH_ENTRY_MAX + 2))

struct vouch_logclient {
	CURL *curl;
	char *url;
	const vouch_note_verifier *ver;
	char origin[VOUCH_ORIGIN_MAX + 1];
	long timeout_s;
	unsigned retries;
};

int
vouch_logclient_new(const char *url, const vouch_note_verifier *ver, const char *origin,
                    long timeout_s, unsigned retries, vouch_logclient **out, vouch_err *err)
{
	vouch_logclient *lc = NULL;
	size_t n = strlen(url);
	static int global;

	*out = NULL;
	if (n == 0 || (strncmp(url, "http://", 7) != 0 && strncmp(url, "https://", 8) != 0))
		return vouch_err_set(err, VOUCH_EUSAGE, "'%s' is not an http(s) URL", url);
	if (!global) {
		if (curl_global_init(CURL_GLOBAL_DEFAULT) != 0)
			return vouch_err_set(err, VOUCH_EIO, "cannot initialise libcurl");
		global = 1;
	}
	if ((lc = calloc(1, sizeof *lc)) == NULL || (lc->url = strdup(url)) == NULL) {
		free(lc);
		return vouch_err_set(err, VOUCH_ENOMEM, "out of memory");
	}
	while (n > 0 && lc->url[n - 1] == '/')
		lc->url[--n] = '\0';
	lc->ver = ver;
	if (origin == NULL && ver != NULL)
		origin = vouch_note_verifier_name(ver);
	if (origin != NULL)
		snprintf(lc->origin, sizeof lc->origin, "%s", origin);
	lc->timeout_s = timeout_s > 0 ? timeout_s : 30;
	lc->retries = retries;
	if ((lc->curl = curl_easy_init()) == NULL) {
		vouch_logclient_free(lc);
		return vouch_err_set(err, VOUCH_EIO, "cannot create a curl handle");
	}
	*out = lc;
	return VOUCH_OK;
}

void
vouch_logclient_free(vouch_logclient *lc)
{
	if (lc == NULL)
		return;
	if (lc->curl != NULL)
		curl_easy_cleanup(lc->curl);
	free(lc->url);
	free(lc);
}

struct sink {
	vouch_buf *b;
	int over;
};

static size_t
on_data(char *p, size_t size, size_t nmemb, void *ctx)
{
	struct sink *s = ctx;
	size_t n = size * nmemb;

	if (vouch_buf_append(s->b, p, n, NULL) != VOUCH_OK) {
		s->over = 1;
		return 0;
	}
	return n;
}

static void
backoff(unsigned attempt)
{
	unsigned ms = 200u << (attempt < 5 ? attempt : 5);
	struct timespec ts;

	if (ms > 5000)
		ms = 5000;
	ts.tv_sec = ms / 1000;
	ts.tv_nsec = (long)(ms % 1000) * 1000000L;
	nanosleep(&ts, NULL);
}

static int
transient(long status)
{
	return status == 429 || status == 500 || status == 502 || status == 503 || status == 504;
}

/* One request with retries.  body NULL: GET. */
static int
request(vouch_logclient *lc, const char *path, const void *body, size_t len, size_t max,
        vouch_buf *out, long *status, vouch_err *err)
{
	char url[4096];
	unsigned attempt;
	int n = snprintf(url, sizeof url, "%s/%s", lc->url, path);

	*status = 0;
	vouch_buf_init(out, max + 1);
	if (n < 0 || (size_t)n >= sizeof url)
		return vouch_err_set(err, VOUCH_EUSAGE, "URL too long");
	for (attempt = 0;; attempt++) {
		struct sink s = { out, 0 };
		CURLcode cc;

		vouch_buf_reset(out);
		curl_easy_reset(lc->curl);
		curl_easy_setopt(lc->curl, CURLOPT_URL, url);
		curl_easy_setopt(lc->curl, CURLOPT_WRITEFUNCTION, on_data);
		curl_easy_setopt(lc->curl, CURLOPT_WRITEDATA, &s);
		curl_easy_setopt(lc->curl, CURLOPT_TIMEOUT, lc->timeout_s);
		curl_easy_setopt(lc->curl, CURLOPT_CONNECTTIMEOUT, lc->timeout_s < 10 ? lc->timeout_s : 10L);
		curl_easy_setopt(lc->curl, CURLOPT_NOSIGNAL, 1L);
		curl_easy_setopt(lc->curl, CURLOPT_USERAGENT, "vouch-log/" PACKAGE_VERSION);
		curl_easy_setopt(lc->curl, CURLOPT_PROTOCOLS_STR, "http,https");
		if (body != NULL) {
			curl_easy_setopt(lc->curl, CURLOPT_POST, 1L);
			curl_easy_setopt(lc->curl, CURLOPT_POSTFIELDS, body);
			curl_easy_setopt(lc->curl, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)len);
		}
		cc = curl_easy_perform(lc->curl);
		if (s.over)
			return vouch_err_set(err, VOUCH_ELIMIT, "'%s': response larger than %zu bytes",
			                     url, max);
		if (cc == CURLE_OK)
			curl_easy_getinfo(lc->curl, CURLINFO_RESPONSE_CODE, status);
		if ((cc == CURLE_OK && !transient(*status)) || attempt >= lc->retries)
			break;
		backoff(attempt);
	}
	if (*status == 0)
		return vouch_err_set(err, VOUCH_EIO, "'%s': request failed", url);
	return VOUCH_OK;
}

int
vouch_logclient_get(vouch_logclient *lc, const char *path, size_t max, vouch_buf *out,
                    long *status, vouch_err *err)
{
	int rc = request(lc, path, NULL, 0, max, out, status, err);

	if (rc != VOUCH_OK)
		return rc;
	if (*status == 404)
		return vouch_err_set(err, VOUCH_ENEGATIVE, "'%s/%s': not found", lc->url, path);
	if (*status != 200)
		return vouch_err_set(err, VOUCH_EIO, "'%s/%s': HTTP status %ld", lc->url, path,
		                     *status);
	return VOUCH_OK;
}

int
vouch_logclient_post(vouch_logclient *lc, const char *path, const void *body, size_t len,
                     size_t max, vouch_buf *out, long *status, vouch_err *err)
{
	return request(lc, path, body != NULL ? body : "", len, max, out, status, err);
}

int
vouch_logclient_checkpoint(vouch_logclient *lc, vouch_checkpoint *cp, vouch_buf *note,
                           vouch_err *err)
{
	vouch_buf b;
	long st = 0;
	int rc;

	if (lc->ver == NULL)
		return vouch_err_set(err, VOUCH_EUSAGE, "no verifier key for the log");
	if ((rc = vouch_logclient_get(lc, "checkpoint", CHECKPOINT_MAX, &b, &st, err)) ==
	        VOUCH_OK &&
	    (rc = vouch_checkpoint_open((const char *)b.data, b.len, lc->origin,
	                                (vouch_note_verifier *const *)&lc->ver, 1, cp, err)) ==
	        VOUCH_OK &&
	    note != NULL)
		rc = vouch_buf_append(note, b.data, b.len, err);
	vouch_buf_free(&b);
	return rc;
}

/* GET a tile or bundle: the partial one, else the full one. */
static int
get_tile(vouch_logclient *lc, int level, uint64_t index, unsigned width, size_t max,
         vouch_buf *out, int *full, vouch_err *err)
{
	char rel[VOUCH_TILE_PATH_MAX];
	vouch_err local;
	long st = 0;
	int rc;

	*full = width == VOUCH_TILE_WIDTH;
	if ((rc = vouch_tile_path(level, index, width, rel, sizeof rel, err)) != VOUCH_OK)
		return rc;
	vouch_err_clear(&local);
	rc = vouch_logclient_get(lc, rel, max, out, &st, &local);
	if (rc == VOUCH_ENEGATIVE && width < VOUCH_TILE_WIDTH) {
		vouch_buf_free(out);
		*full = 1;
		if ((rc = vouch_tile_path(level, index, VOUCH_TILE_WIDTH, rel, sizeof rel, err)) !=
		    VOUCH_OK)
			return rc;
		vouch_err_clear(&local);
		rc = vouch_logclient_get(lc, rel, max, out, &st, &local);
	}
	if (rc != VOUCH_OK)
		return vouch_err_set(err, rc == VOUCH_ENEGATIVE ? VOUCH_EIO : rc, "%s", local.msg);
	return VOUCH_OK;
}

int
vouch_logclient_read_tile(void *ctx, int level, uint64_t index, unsigned width, uint8_t *out,
                          vouch_err *err)
{
	vouch_logclient *lc = ctx;
	vouch_buf b;
	int rc, full = 0;

	rc = get_tile(lc, level, index, width, VOUCH_TILE_BYTES, &b, &full, err);
	if (rc == VOUCH_OK) {
		size_t want = full ? VOUCH_TILE_BYTES : (size_t)width * VOUCH_HASH_LEN;

		if (b.len != want)
			rc = vouch_err_set(err, VOUCH_EINPUT, "tile %d/%llu has %zu bytes, not %zu",
			                   level, (unsigned long long)index, b.len, want);
		else
			memcpy(out, b.data, (size_t)width * VOUCH_HASH_LEN);
	}
	vouch_buf_free(&b);
	return rc;
}

/* Bundle bi of the tree of size; spans for its first width entries. */
static int
get_bundle(vouch_logclient *lc, uint64_t bi, uint64_t size, vouch_buf *b,
           struct vouch_span *sp, unsigned *width, vouch_err *err)
{
	int rc, full = 0;

	*width = vouch_tile_width(VOUCH_TILE_ENTRIES, bi, size);
	if ((rc = get_tile(lc, VOUCH_TILE_ENTRIES, bi, *width, BUNDLE_MAX, b, &full, err)) !=
	    VOUCH_OK)
		return rc;
	rc = vouch_tile_bundle_split(b->data, b->len, full ? VOUCH_TILE_WIDTH : *width, sp, err);
	if (rc != VOUCH_OK)
		vouch_err_prefix(err, "entry bundle %llu", (unsigned long long)bi);
	return rc;
}

int
vouch_logclient_entry(vouch_logclient *lc, const vouch_checkpoint *cp, uint64_t index,
                      vouch_buf *out, vouch_hash *proof, size_t *n, vouch_err *err)
{
	struct vouch_span sp[VOUCH_TILE_WIDTH];
	vouch_hash p[VOUCH_PROOF_MAX], leaf;
	vouch_tilehashes *th = NULL;
	vouch_buf b;
	unsigned w = 0;
	size_t pn = 0, i = (size_t)(index % VOUCH_TILE_WIDTH);
	int rc;

	memset(&b, 0, sizeof b);
	if (index >= cp->size)
		return vouch_err_set(err, VOUCH_EUSAGE, "no entry %llu in a log of size %llu",
		                     (unsigned long long)index, (unsigned long long)cp->size);
	if ((rc = get_bundle(lc, index / VOUCH_TILE_WIDTH, cp->size, &b, sp, &w, err)) !=
	        VOUCH_OK ||
	    (rc = vouch_merkle_leaf_hash(b.data + sp[i].off, sp[i].len, leaf, err)) != VOUCH_OK ||
	    (rc = vouch_tilehashes_new(cp->size, vouch_logclient_read_tile, lc, &th, err)) !=
	        VOUCH_OK ||
	    (rc = vouch_merkle_prove_inclusion(vouch_tilehashes_read, th, index, cp->size, p, &pn,
	                                       err)) != VOUCH_OK)
		goto out;
	if ((rc = vouch_merkle_verify_inclusion(leaf, index, cp->size, cp->root,
	                                        (const vouch_hash *)p, pn, err)) != VOUCH_OK) {
		vouch_err_prefix(err, "entry %llu", (unsigned long long)index);
		goto out;
	}
	if ((rc = vouch_buf_append(out, b.data + sp[i].off, sp[i].len, err)) != VOUCH_OK)
		goto out;
	if (proof != NULL && n != NULL) {
		memcpy(proof, p, pn * VOUCH_HASH_LEN);
		*n = pn;
	}
out:
	vouch_tilehashes_free(th);
	vouch_buf_free(&b);
	return rc;
}

/* Subtrees inside [from, to) come from computed leaf hashes, others from
 * the tiles; the root over both must be the checkpoint's. */
struct mixed {
	vouch_tilehashes *th;
	const vouch_hash *leaves;
	uint64_t from, to;
};

static int
mixed_read(void *ctx, unsigned level, uint64_t index, vouch_hash out, vouch_err *err)
{
	struct mixed *m = ctx;
	uint64_t start = index << level, n = (uint64_t)1 << level;

	if (start >= m->from && start + n <= m->to)
		return vouch_merkle_root_of(m->leaves + (start - m->from), n, out, err);
	return vouch_tilehashes_read(m->th, level, index, out, err);
}

/* Pass over the bundles of [from, size): hash (pass 0) or hand out after
 * comparing with the hashes of pass 0 (pass 1). */
static int
walk_bundles(vouch_logclient *lc, const vouch_checkpoint *cp, uint64_t from, vouch_hash *leaves,
             int pass, vouch_logclient_entry_fn fn, void *ctx, vouch_err *err)
{
	struct vouch_span sp[VOUCH_TILE_WIDTH];
	uint64_t bi, i;
	int rc = VOUCH_OK;

	for (bi = from / VOUCH_TILE_WIDTH; bi * VOUCH_TILE_WIDTH < cp->size && rc == VOUCH_OK;
	     bi++) {
		vouch_buf b;
		unsigned w = 0;

		memset(&b, 0, sizeof b);
		rc = get_bundle(lc, bi, cp->size, &b, sp, &w, err);
		for (i = 0; rc == VOUCH_OK && i < w; i++) {
			uint64_t idx = bi * VOUCH_TILE_WIDTH + i;
			vouch_hash h;

			if (idx < from)
				continue;
			if ((rc = vouch_merkle_leaf_hash(b.data + sp[i].off, sp[i].len, h, err)) !=
			    VOUCH_OK)
				break;
			if (pass == 0) {
				memcpy(leaves[idx - from], h, VOUCH_HASH_LEN);
			} else if (memcmp(leaves[idx - from], h, VOUCH_HASH_LEN) != 0) {
				rc = vouch_err_set(err, VOUCH_ENEGATIVE,
				                   "entry %llu changed while being read",
				                   (unsigned long long)idx);
			} else {
				rc = fn(ctx, idx, b.data + sp[i].off, sp[i].len, err);
			}
		}
		vouch_buf_free(&b);
	}
	return rc;
}

int
vouch_logclient_entries(vouch_logclient *lc, const vouch_checkpoint *cp, uint64_t from,
                        vouch_logclient_entry_fn fn, void *ctx, vouch_err *err)
{
	struct mixed m = { NULL, NULL, from, cp->size };
	vouch_hash *leaves = NULL, root;
	int rc;

	if (from >= cp->size)
		return VOUCH_OK;
	if (cp->size - from > ((uint64_t)1 << 26))
		return vouch_err_set(err, VOUCH_ELIMIT, "too many entries to read at once");
	if ((leaves = calloc((size_t)(cp->size - from), sizeof *leaves)) == NULL)
		return vouch_err_set(err, VOUCH_ENOMEM, "out of memory");
	m.leaves = (const vouch_hash *)leaves;
	if ((rc = walk_bundles(lc, cp, from, leaves, 0, NULL, NULL, err)) != VOUCH_OK ||
	    (rc = vouch_tilehashes_new(cp->size, vouch_logclient_read_tile, lc, &m.th, err)) !=
	        VOUCH_OK ||
	    (rc = vouch_merkle_tree_root(mixed_read, &m, cp->size, root, err)) != VOUCH_OK)
		goto out;
	if (memcmp(root, cp->root, VOUCH_HASH_LEN) != 0) {
		rc = vouch_err_set(err, VOUCH_ENEGATIVE,
		                   "entries %llu..%llu do not hash to the checkpoint's root",
		                   (unsigned long long)from, (unsigned long long)cp->size - 1);
		goto out;
	}
	rc = walk_bundles(lc, cp, from, leaves, 1, fn, ctx, err);
out:
	vouch_tilehashes_free(m.th);
	free(leaves);
	return rc;
}

int
vouch_logclient_consistency(vouch_logclient *lc, const vouch_checkpoint *old,
                            const vouch_checkpoint *cp, vouch_hash *proof, size_t *n,
                            vouch_err *err)
{
	vouch_tilehashes *th = NULL;
	int rc;

	*n = 0;
	if (old->size > cp->size)
		return vouch_err_set(err, VOUCH_ENEGATIVE, "the log shrank from %llu to %llu",
		                     (unsigned long long)old->size, (unsigned long long)cp->size);
	if (old->size == 0)
		return VOUCH_OK; /* everything extends the empty tree */
	if (old->size == cp->size)
		return vouch_merkle_verify_consistency(old->size, cp->size, old->root, cp->root,
		                                       NULL, 0, err);
	if ((rc = vouch_tilehashes_new(cp->size, vouch_logclient_read_tile, lc, &th, err)) ==
	        VOUCH_OK &&
	    (rc = vouch_merkle_prove_consistency(vouch_tilehashes_read, th, old->size, cp->size,
	                                         proof, n, err)) == VOUCH_OK)
		rc = vouch_merkle_verify_consistency(old->size, cp->size, old->root, cp->root,
		                                     (const vouch_hash *)proof, *n, err);
	vouch_tilehashes_free(th);
	return rc;
}

/* ---- one call per vouch-log command ---- */

int
vouch_logclient_get_entry(vouch_logclient *lc, uint64_t index, vouch_buf *out, vouch_err *err)
{
	vouch_checkpoint cp;
	int rc;

	vouch_buf_init(out, 0);
	if ((rc = vouch_logclient_checkpoint(lc, &cp, NULL, err)) != VOUCH_OK ||
	    (rc = vouch_logclient_entry(lc, &cp, index, out, NULL, NULL, err)) != VOUCH_OK)
		return rc;
	if (out->len == 0 || out->data[out->len - 1] != '\n')
		rc = vouch_buf_append_byte(out, '\n', err);
	return rc;
}

int
vouch_logclient_prove(vouch_logclient *lc, uint64_t index, vouch_buf *out, vouch_err *err)
{
	vouch_hash proof[VOUCH_PROOF_MAX];
	vouch_checkpoint cp;
	vouch_buf note, e;
	size_t n = 0;
	int rc;

	vouch_buf_init(&note, 0);
	vouch_buf_init(&e, 0);
	vouch_buf_init(out, 0);
	if ((rc = vouch_logclient_checkpoint(lc, &cp, &note, err)) == VOUCH_OK &&
	    (rc = vouch_logclient_entry(lc, &cp, index, &e, proof, &n, err)) == VOUCH_OK)
		rc = vouch_tlogproof_format(NULL, 0, index, (const vouch_hash *)proof, n,
		                            (const char *)note.data, note.len, out, err);
	vouch_buf_free(&note);
	vouch_buf_free(&e);
	return rc;
}

static int
append_b64(vouch_buf *out, const char *before, const uint8_t *h, vouch_err *err)
{
	int rc;

	if ((rc = vouch_buf_append_str(out, before, err)) == VOUCH_OK &&
	    (rc = vouch_b64_append(out, h, VOUCH_HASH_LEN, VOUCH_B64_STD, err)) == VOUCH_OK)
		rc = vouch_buf_append_str(out, "\"", err);
	return rc;
}

static int
consistency_json(uint64_t o, uint64_t nw, const vouch_hash oroot, const vouch_hash nroot,
                 const vouch_hash *proof, size_t n, vouch_buf *out, vouch_err *err)
{
	size_t i;
	int rc;

	rc = vouch_buf_appendf(out, err, "{\"old\":%llu,\"new\":%llu,", (unsigned long long)o,
	                       (unsigned long long)nw);
	if (rc == VOUCH_OK)
		rc = append_b64(out, "\"old_root\":\"", oroot, err);
	if (rc == VOUCH_OK)
		rc = append_b64(out, ",\"new_root\":\"", nroot, err);
	if (rc == VOUCH_OK)
		rc = vouch_buf_append_str(out, ",\"proof\":[", err);
	for (i = 0; rc == VOUCH_OK && i < n; i++)
		rc = append_b64(out, i ? ",\"" : "\"", proof[i], err);
	if (rc == VOUCH_OK)
		rc = vouch_buf_append_str(out, "]}\n", err);
	return rc;
}

int
vouch_logclient_prove_consistency(vouch_logclient *lc, uint64_t o, uint64_t nw, vouch_buf *out,
                                  vouch_err *err)
{
	vouch_hash proof[VOUCH_PROOF_MAX];
	vouch_checkpoint cp, old, mid;
	vouch_tilehashes *th = NULL;
	size_t n = 0;
	int rc;

	vouch_buf_init(out, 0);
	if (o == 0 || o > nw)
		return vouch_err_set(err, VOUCH_EUSAGE, "need 0 < OLD <= NEW");
	if ((rc = vouch_logclient_checkpoint(lc, &cp, NULL, err)) != VOUCH_OK)
		return rc;
	if (nw > cp.size)
		return vouch_err_set(err, VOUCH_EUSAGE, "the log has only %llu entries",
		                     (unsigned long long)cp.size);
	old = cp;
	mid = cp;
	old.size = o;
	mid.size = nw;
	/* the roots of OLD and NEW from the tiles, each proved consistent with
	 * the signed checkpoint, then the OLD..NEW proof */
	if ((rc = vouch_tilehashes_new(cp.size, vouch_logclient_read_tile, lc, &th, err)) !=
	        VOUCH_OK ||
	    (rc = vouch_merkle_tree_root(vouch_tilehashes_read, th, o, old.root, err)) !=
	        VOUCH_OK ||
	    (rc = vouch_merkle_tree_root(vouch_tilehashes_read, th, nw, mid.root, err)) !=
	        VOUCH_OK ||
	    (rc = vouch_logclient_consistency(lc, &old, &cp, proof, &n, err)) != VOUCH_OK ||
	    (rc = vouch_logclient_consistency(lc, &mid, &cp, proof, &n, err)) != VOUCH_OK)
		goto out;
	vouch_tilehashes_free(th);
	th = NULL;
	if ((rc = vouch_tilehashes_new(nw, vouch_logclient_read_tile, lc, &th, err)) !=
	        VOUCH_OK ||
	    (rc = vouch_merkle_prove_consistency(vouch_tilehashes_read, th, o, nw, proof, &n,
	                                         err)) != VOUCH_OK ||
	    (rc = vouch_merkle_verify_consistency(o, nw, old.root, mid.root,
	                                          (const vouch_hash *)proof, n, err)) != VOUCH_OK)
		goto out;
	rc = consistency_json(o, nw, old.root, mid.root, (const vouch_hash *)proof, n, out, err);
out:
	vouch_tilehashes_free(th);
	return rc;
}

/* The answer to one submitted envelope must prove that very entry into a
 * checkpoint signed by the log's key. */
/* The log dedups envelopes by vouch_logentry_dedup_key: an envelope logged
 * before in another spelling is answered with the stored entry.  Then leaf
 * becomes that entry's leaf hash, once the entry, read and verified from
 * the log, is shown to be the same envelope. */
static int
equivalent_entry(vouch_logclient *lc, const char *where, const uint8_t *data, size_t len,
                 const cJSON *answer, uint64_t index, vouch_hash leaf, vouch_err *err)
{
	const char *lh = vouch_json_get_string(answer, "leaf_hash");
	char hex[2 * VOUCH_HASH_LEN + 1];
	vouch_hash mine, theirs;
	vouch_buf e;
	int rc;

	if (lh == NULL || strcmp(lh, vouch_hex_encode(leaf, VOUCH_HASH_LEN, hex)) == 0)
		return VOUCH_OK;
	vouch_buf_init(&e, 1 << 20);
	if ((rc = vouch_logclient_get_entry(lc, index, &e, err)) == VOUCH_OK) {
		if (e.len > 0 && e.data[e.len - 1] == '\n')
			e.len--;
		if (vouch_logentry_dedup_key(data, len, mine, NULL) != VOUCH_OK ||
		    vouch_logentry_dedup_key(e.data, e.len, theirs, NULL) != VOUCH_OK ||
		    memcmp(mine, theirs, VOUCH_HASH_LEN) != 0)
			rc = vouch_err_set(err, VOUCH_EINPUT, "%s: the log answered with entry %llu, "
			                   "another envelope", where, (unsigned long long)index);
		else
			rc = vouch_merkle_leaf_hash(e.data, e.len, leaf, err);
	}
	vouch_buf_free(&e);
	return rc;
}

static int
check_answer(vouch_logclient *lc, const char *where, const uint8_t *data, size_t len,
             const vouch_buf *resp, vouch_err *err)
{
	vouch_tlogproof p;
	vouch_hash leaf;
	cJSON *j = NULL;
	const char *proof;
	int rc;

	vouch_tlogproof_init(&p);
	if ((rc = vouch_json_parse((const char *)resp->data, resp->len, &j, err)) != VOUCH_OK)
		goto out;
	if ((proof = vouch_json_get_string(j, "tlog_proof")) == NULL) {
		rc = vouch_err_set(err, VOUCH_EINPUT, "%s: the answer has no proof", where);
		goto out;
	}
	if ((rc = vouch_merkle_leaf_hash(data, len, leaf, err)) != VOUCH_OK ||
	    (rc = vouch_tlogproof_parse(proof, strlen(proof), &p, err)) != VOUCH_OK ||
	    (rc = equivalent_entry(lc, where, data, len, j, p.index, leaf, err)) != VOUCH_OK ||
	    (rc = vouch_tlogproof_verify(&p, leaf, lc->origin,
	                                 (vouch_note_verifier *const *)&lc->ver, 1, NULL,
	                                 err)) != VOUCH_OK)
		vouch_err_prefix(err, "%s: the log's answer does not verify", where);
out:
	cJSON_Delete(j);
	vouch_tlogproof_clear(&p);
	return rc;
}

static int
submit_one(vouch_logclient *lc, const char *where, const uint8_t *data, size_t len,
           const vouch_logclient_sink *sink, vouch_err *err)
{
	vouch_buf resp;
	long st = 0;
	int rc;

	memset(&resp, 0, sizeof resp);
	if ((rc = vouch_logclient_post(lc, "add", data, len, 1 << 20, &resp, &st, err)) !=
	    VOUCH_OK)
		goto out;
	if (st != 200) {
		char q[200];

		while (resp.len > 0 && resp.data[resp.len - 1] == '\n')
			resp.len--;
		/* the log's words, quoted: a hostile log must not write to our terminal */
		rc = vouch_err_set(err, st == 400 || st == 403 || st == 413 ? VOUCH_EINPUT : VOUCH_EIO,
		                   "%s: the log answered %ld: %s", where, st,
		                   vouch_quote(resp.data ? (const char *)resp.data : "", resp.len, q,
		                               sizeof(q)));
		goto out;
	}
	if (lc->ver != NULL && (rc = check_answer(lc, where, data, len, &resp, err)) != VOUCH_OK)
		goto out;
	rc = sink->line(sink->ctx, resp.data ? resp.data : (const uint8_t *)"", resp.len, err);
out:
	vouch_buf_free(&resp);
	return rc;
}

void
vouch_logclient_sink_warn(const vouch_logclient_sink *sink, const vouch_err *problem)
{
	if (sink->warn != NULL)
		sink->warn(sink->ctx, problem);
}

int
vouch_logclient_sink_entry(const vouch_logclient_sink *sink, uint64_t index, const uint8_t *e,
                           size_t len, vouch_err *err)
{
	vouch_buf line;
	int rc;

	vouch_buf_init(&line, 0);
	if ((rc = vouch_logentry_json_line(index, e, len, &line, err)) == VOUCH_OK)
		rc = sink->line(sink->ctx, line.data, line.len, err);
	vouch_buf_free(&line);
	return rc;
}

/* Each line of data is one envelope; returns the last failure's status. */
static int
submit_lines(vouch_logclient *lc, const char *name, const vouch_buf *b,
             const vouch_logclient_sink *sink)
{
	size_t pos = 0, lines = 0, lineno = 0;
	int rc, status = VOUCH_OK;

	while (pos < b->len) {
		const uint8_t *nl = memchr(b->data + pos, '\n', b->len - pos);
		size_t end = nl ? (size_t)(nl - b->data) : b->len;

		lineno++;
		if (end > pos) {
			vouch_err one;
			char q[200], where[256];

			lines++;
			vouch_err_clear(&one);
			/* the log's complaints name the line it had */
			snprintf(where, sizeof(where), "line %zu of '%s'", lineno,
			         vouch_quote(name, strlen(name), q, sizeof(q)));
			if ((rc = submit_one(lc, where, b->data + pos, end - pos, sink, &one)) !=
			    VOUCH_OK) {
				vouch_logclient_sink_warn(sink, &one);
				status = rc;
			}
		}
		pos = end + 1;
	}
	if (lines == 0) {       /* nothing sent is not success */
		vouch_err none;
		char q[200];

		vouch_err_clear(&none); /* vouch_err_set keeps a first error */
		vouch_err_set(&none, VOUCH_EINPUT, "'%s': no envelope in it",
		              vouch_quote(name, strlen(name), q, sizeof(q)));
		vouch_logclient_sink_warn(sink, &none);
		status = VOUCH_EINPUT;
	}
	return status;
}

/* Problems are held back one at a time: a lone one becomes the call's error
 * (one line for the caller to print); from the second on, all go to the
 * caller's sink and the error sums them up. */
struct held {
	const vouch_logclient_sink *outer;
	vouch_err first;
	size_t n;
};

static void
held_warn(void *ctx, const vouch_err *problem)
{
	struct held *h = ctx;

	if (h->n++ == 0) {
		h->first = *problem;
		return;
	}
	if (h->n == 2)
		vouch_logclient_sink_warn(h->outer, &h->first);
	vouch_logclient_sink_warn(h->outer, problem);
}

static int
held_line(void *ctx, const uint8_t *data, size_t len, vouch_err *err)
{
	const struct held *h = ctx;

	return h->outer->line(h->outer->ctx, data, len, err);
}

int
vouch_logclient_submit_files(vouch_logclient *lc, const char *const *paths, size_t n,
                             const vouch_logclient_sink *sink, vouch_err *err)
{
	struct held h = { .outer = sink };
	vouch_logclient_sink mine = { .line = held_line, .warn = held_warn, .ctx = &h };
	size_t i;
	int rc, status = VOUCH_OK;

	vouch_err_clear(&h.first);
	for (i = 0; i < n; i++) {
		vouch_buf b;
		vouch_err one;

		vouch_err_clear(&one);
		vouch_buf_init(&b, 64 << 20);
		if (vouch_read_file(paths[i], 64 << 20, &b, &one) != VOUCH_OK) {
			held_warn(&h, &one);
			status = VOUCH_EIO;
			continue;
		}
		if ((rc = submit_lines(lc, paths[i], &b, &mine)) != VOUCH_OK)
			status = rc;
		vouch_buf_free(&b);
	}
	if (h.n == 1) {
		*err = h.first;
		return err->code != VOUCH_OK ? err->code : status;
	}
	if (status != VOUCH_OK)
		return vouch_err_set(err, status, "%zu envelopes or files were not logged", h.n);
	return VOUCH_OK;
}

/* A vouch-logd /add answer: its tlog-proof text and the leaf hash. */
static int
parse_answer(const char *path, const vouch_buf *b, cJSON **j, const char **text, size_t *tlen,
             vouch_hash leaf, vouch_err *err)
{
	const char *lh;
	int rc;

	if ((rc = vouch_json_parse((const char *)b->data, b->len, j, err)) != VOUCH_OK)
		return rc;
	*text = vouch_json_get_string(*j, "tlog_proof");
	lh = vouch_json_get_string(*j, "leaf_hash");
	if (*text == NULL || lh == NULL ||
	    vouch_hex_decode(lh, strlen(lh), leaf, 32, VOUCH_HEX_LOWER, NULL) != VOUCH_OK)
		return vouch_err_set(err, VOUCH_EINPUT, "'%s': not a vouch-logd answer", path);
	*tlen = strlen(*text);
	return VOUCH_OK;
}

/* The leaf hash of the entry in path (one line: its line end is not part of
 * it); must equal leaf when check is set.  leaf gets it. */
static int
entry_leaf(const char *path, const char *proof_path, int check, vouch_hash leaf,
           vouch_err *err)
{
	vouch_hash mine;
	vouch_buf e;
	int rc;

	vouch_buf_init(&e, 1 << 20);
	if ((rc = vouch_read_file(path, 1 << 20, &e, err)) != VOUCH_OK)
		goto out;
	if (e.len > 0 && e.data[e.len - 1] == '\n')
		e.len--;
	if ((rc = vouch_merkle_leaf_hash(e.data, e.len, mine, err)) != VOUCH_OK)
		goto out;
	if (check && memcmp(mine, leaf, 32) != 0) {
		rc = vouch_err_set(err, VOUCH_ENEGATIVE, "'%s' is not the entry of '%s'", path,
		                   proof_path);
		goto out;
	}
	memcpy(leaf, mine, 32);
out:
	vouch_buf_free(&e);
	return rc;
}

int
vouch_logproof_verify_files(const vouch_note_verifier *ver, const char *origin,
                            const char *proof_path, const char *entry_path, uint64_t *index,
                            vouch_checkpoint *cp, int *need_entry, vouch_err *err)
{
	vouch_tlogproof p;
	vouch_hash leaf;
	vouch_buf b;
	cJSON *j = NULL;
	const char *text;
	size_t tlen;
	int rc;

	*need_entry = 0;
	vouch_tlogproof_init(&p);
	vouch_buf_init(&b, 1 << 20);
	if ((rc = vouch_read_file(proof_path, 1 << 20, &b, err)) != VOUCH_OK)
		goto out;
	text = (const char *)b.data;
	tlen = b.len;
	if (b.len > 0 && b.data[0] == '{') {
		if ((rc = parse_answer(proof_path, &b, &j, &text, &tlen, leaf, err)) != VOUCH_OK)
			goto out;
	} else if (entry_path == NULL) {
		*need_entry = 1;
		rc = vouch_err_set(err, VOUCH_EUSAGE, "a tlog-proof needs the ENTRY it proves");
		goto out;
	}
	if (entry_path != NULL &&
	    (rc = entry_leaf(entry_path, proof_path, j != NULL, leaf, err)) != VOUCH_OK)
		goto out;
	if ((rc = vouch_tlogproof_parse(text, tlen, &p, err)) != VOUCH_OK ||
	    (rc = vouch_tlogproof_verify(&p, leaf, origin ? origin : vouch_note_verifier_name(ver),
	                                 (vouch_note_verifier *const *)&ver, 1, cp, err)) !=
	        VOUCH_OK)
		goto out;
	*index = p.index;
out:
	cJSON_Delete(j);
	vouch_buf_free(&b);
	vouch_tlogproof_clear(&p);
	return rc;
}

/* ---- lookup ---- */

/* One lookup hit: 1 when it did not verify (reported), else the status of
 * emitting it. */
static int
lookup_hit(vouch_logclient *lc, const vouch_checkpoint *cp, uint64_t idx, const uint8_t d[32],
           vouch_buf *e, const vouch_logclient_sink *sink, int *bad, vouch_err *err)
{
	vouch_err one;
	char hex[65];

	vouch_err_clear(&one);
	vouch_buf_reset(e);
	if (vouch_logclient_entry(lc, cp, idx, e, NULL, NULL, &one) != VOUCH_OK) {
		vouch_logclient_sink_warn(sink, &one);
		*bad = 1;
		return VOUCH_OK;
	}
	if (!vouch_logentry_has_subject(e->data, e->len, d)) {
		vouch_err_set(&one, VOUCH_EINPUT, "entry %llu does not carry subject %s",
		              (unsigned long long)idx, vouch_hex_encode(d, 32, hex));
		vouch_logclient_sink_warn(sink, &one);
		*bad = 1;
		return VOUCH_OK;
	}
	return vouch_logclient_sink_entry(sink, idx, e->data, e->len, err);
}

int
vouch_logclient_lookup(vouch_logclient *lc, const uint8_t sha256[32],
                       const vouch_logclient_sink *sink, vouch_err *err)
{
	char path[128], hex[65];
	const cJSON *arr, *it;
	cJSON *j = NULL;
	vouch_checkpoint cp;
	vouch_buf b, e;
	long st = 0;
	int rc, bad = 0;

	snprintf(path, sizeof path, "lookup/sha256/%s", vouch_hex_encode(sha256, 32, hex));
	vouch_buf_init(&e, 0);
	memset(&b, 0, sizeof b);
	if ((rc = vouch_logclient_checkpoint(lc, &cp, NULL, err)) != VOUCH_OK ||
	    (rc = vouch_logclient_get(lc, path, 1 << 20, &b, &st, err)) != VOUCH_OK ||
	    (rc = vouch_json_parse((const char *)b.data, b.len, &j, err)) != VOUCH_OK)
		goto out;
	if ((arr = vouch_json_get_array(j, "indices")) == NULL) {
		rc = vouch_err_set(err, VOUCH_EINPUT, "lookup answer has no indices");
		goto out;
	}
	cJSON_ArrayForEach(it, arr) {
		if (!cJSON_IsNumber(it) || it->valuedouble < 0 || it->valuedouble >= (double)cp.size)
			continue; /* not (yet) covered by the verified checkpoint */
		if ((rc = lookup_hit(lc, &cp, (uint64_t)it->valuedouble, sha256, &e, sink, &bad,
		                     err)) != VOUCH_OK)
			goto out;
	}
	if (bad)
		rc = vouch_err_set(err, VOUCH_EINPUT, "some lookup hits did not verify");
out:
	cJSON_Delete(j);
	vouch_buf_free(&b);
	vouch_buf_free(&e);
	return rc;
}
