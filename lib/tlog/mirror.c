/* mirror.c - a verifying mirror of a tlog-tiles log (see vouch/mirror.h). */
#include "config.h"

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "vouch/codec.h"
#include "vouch/cosig.h"
#include "vouch/file.h"
#include "vouch/json.h"
#include "vouch/logstore.h"
#include "vouch/merkle.h"
#include "vouch/mirror.h"
#include "vouch/tile.h"

/* ---- files of the mirror ---- */

/* Write dir/rel atomically, making its parent directories. */
static int
put(const char *dir, const char *rel, const void *data, size_t n, vouch_err *err)
{
	char path[PATH_MAX], *slash;
	int w = snprintf(path, sizeof path, "%s/%s", dir, rel);

	if (w < 0 || (size_t)w >= sizeof path)
		return vouch_err_set(err, VOUCH_ELIMIT, "path '%s/%s' too long", dir, rel);
	for (slash = path + strlen(dir) + 1; (slash = strchr(slash, '/')) != NULL; slash++) {
		*slash = '\0';
		if (mkdir(path, 0755) != 0 && errno != EEXIST)
			return vouch_err_sys(err, VOUCH_EIO, "cannot create '%s'", path);
		*slash = '/';
	}
	return vouch_write_file_atomic(path, data, n, 0644, err);
}

static int
put_tile(void *ctx, int level, uint64_t index, unsigned width, const uint8_t *data,
         vouch_err *err)
{
	char rel[VOUCH_TILE_PATH_MAX];
	int rc;

	if ((rc = vouch_tile_path(level, index, width, rel, sizeof rel, err)) != VOUCH_OK)
		return rc;
	return put(ctx, rel, data, (size_t)width * VOUCH_HASH_LEN, err);
}

static int
dir_file(const char *dir, const char *name, char *path, size_t cap, vouch_err *err)
{
	int w = snprintf(path, cap, "%s/%s", dir, name);

	if (w < 0 || (size_t)w >= cap)
		return vouch_err_set(err, VOUCH_ELIMIT, "path '%s/%s' too long", dir, name);
	return VOUCH_OK;
}

/* The held checkpoint: *have 0 when the mirror is new. */
static int
held(const vouch_mirror_opts *o, vouch_buf *note, vouch_checkpoint *cp, int *have,
     vouch_err *err)
{
	char path[PATH_MAX];
	int rc;

	*have = 0;
	memset(cp, 0, sizeof *cp);
	if ((rc = dir_file(o->dir, "checkpoint", path, sizeof path, err)) != VOUCH_OK)
		return rc;
	if (access(path, F_OK) != 0)
		return errno == ENOENT ? VOUCH_OK : vouch_err_sys(err, VOUCH_EIO, "'%s'", path);
	if ((rc = vouch_read_file(path, VOUCH_NOTE_MAX, note, err)) != VOUCH_OK ||
	    (rc = vouch_checkpoint_open(vouch_buf_cstr(note), note->len, o->origin, &o->logver, 1,
	                                cp, err)) != VOUCH_OK) {
		vouch_err_prefix(err, "mirror '%s'", o->dir);
		return rc;
	}
	*have = 1;
	return VOUCH_OK;
}

/* ---- proofs of misbehaviour ---- */

static int
add_b64(cJSON *j, const char *key, const uint8_t *h, vouch_err *err)
{
	vouch_buf b;
	int rc;

	vouch_buf_init(&b, 64);
	rc = vouch_b64_append(&b, h, VOUCH_HASH_LEN, VOUCH_B64_STD, err);
	if (rc == VOUCH_OK && (j->type == cJSON_Array
	                           ? !cJSON_AddItemToArray(j, cJSON_CreateString(vouch_buf_cstr(&b)))
	                           : vouch_json_add_string(j, key, vouch_buf_cstr(&b), err) == NULL))
		rc = vouch_err_set(err, VOUCH_ENOMEM, "out of memory");
	vouch_buf_free(&b);
	return rc;
}

/* Write dir/misbehaviour.json (and proof) from the two checkpoints; with
 * different sizes, root/hashes/n is the log's own account of its tree at
 * the old size (n may be 0 when the log gave none). */
static int
write_proof(const vouch_mirror_opts *o, const char *kind, const char *why,
            const vouch_buf *a, const vouch_buf *b, const uint8_t *root,
            const vouch_hash *hashes, size_t n, vouch_buf *proof, vouch_err *err)
{
	cJSON *j = cJSON_CreateObject(), *arr;
	char when[32];
	time_t now = time(NULL);
	struct tm tm;
	vouch_buf out;
	size_t i;
	int rc = VOUCH_ENOMEM;

	vouch_buf_init(&out, 0);
	gmtime_r(&now, &tm);
	strftime(when, sizeof when, "%Y-%m-%dT%H:%M:%SZ", &tm);
	if (j == NULL || vouch_json_add_string(j, "misbehaviour", kind, err) == NULL ||
	    vouch_json_add_string(j, "why", why, err) == NULL ||
	    vouch_json_add_string(j, "detected", when, err) == NULL ||
	    vouch_json_add_string(j, "old_checkpoint", vouch_buf_cstr(a), err) == NULL ||
	    vouch_json_add_string(j, "new_checkpoint", vouch_buf_cstr(b), err) == NULL)
		goto out;
	if (root != NULL) {
		if ((rc = add_b64(j, "old_size_root", root, err)) != VOUCH_OK)
			goto out;
		rc = VOUCH_ENOMEM;
		if ((arr = vouch_json_add_array(j, "consistency_proof", err)) == NULL)
			goto out;
		for (i = 0; i < n; i++)
			if ((rc = add_b64(arr, NULL, hashes[i], err)) != VOUCH_OK)
				goto out;
	}
	if ((rc = vouch_json_append(&out, j, err)) != VOUCH_OK ||
	    (rc = vouch_buf_append_byte(&out, '\n', err)) != VOUCH_OK ||
	    (rc = put(o->dir, "misbehaviour.json", out.data, out.len, err)) != VOUCH_OK)
		goto out;
	if (proof != NULL)
		rc = vouch_buf_append(proof, out.data, out.len, err);
out:
	cJSON_Delete(j);
	vouch_buf_free(&out);
	return rc;
}

/* The log's tree at old->size as its tiles for cur tell it: the root and a
 * consistency proof to cur; 0 when the log's tiles do not give one that
 * verifies. */
static int
log_account(const vouch_mirror_opts *o, const vouch_checkpoint *old,
            const vouch_checkpoint *cur, vouch_hash root, vouch_hash *proof, size_t *n)
{
	vouch_tilehashes *th = NULL;
	int ok;

	ok = vouch_tilehashes_new(cur->size, vouch_logclient_read_tile, o->lc, &th, NULL) ==
	         VOUCH_OK &&
	     vouch_merkle_tree_root(vouch_tilehashes_read, th, old->size, root, NULL) == VOUCH_OK &&
	     vouch_merkle_prove_consistency(vouch_tilehashes_read, th, old->size, cur->size, proof,
	                                    n, NULL) == VOUCH_OK &&
	     vouch_merkle_verify_consistency(old->size, cur->size, root, cur->root,
	                                     (const vouch_hash *)proof, *n, NULL) == VOUCH_OK;
	vouch_tilehashes_free(th);
	return ok;
}

static int
misbehaved(const vouch_mirror_opts *o, const vouch_checkpoint *old, const vouch_checkpoint *cur,
           const vouch_buf *a, const vouch_buf *b, const char *why, vouch_buf *proof,
           vouch_err *err)
{
	vouch_hash root, hashes[VOUCH_PROOF_MAX];
	size_t n = 0;
	int rc;

	if (old->size == cur->size)
		rc = write_proof(o, "fork", why, a, b, NULL, NULL, 0, proof, err);
	else if (log_account(o, old, cur, root, hashes, &n))
		rc = write_proof(o, "inconsistent", why, a, b, root, (const vouch_hash *)hashes, n,
		                 proof, err);
	else
		rc = write_proof(o, "unproven", why, a, b, NULL, NULL, 0, proof, err);
	if (rc != VOUCH_OK)
		return rc;
	return vouch_err_set(err, VOUCH_ENEGATIVE, "the log misbehaved: %s (proof in '%s/%s')",
	                     why, o->dir, "misbehaviour.json");
}

/* ---- copying new entries ---- */

struct copy {
	const char *dir;
	vouch_hash *leaves;     /* of the new entries */
	uint64_t first, n;
	vouch_buf bundle;       /* the bundle being filled */
	uint64_t bundle_index;
	unsigned count;
};

static int
flush_bundle(struct copy *c, vouch_err *err)
{
	char rel[VOUCH_TILE_PATH_MAX];
	int rc;

	if (c->count == 0)
		return VOUCH_OK;
	if ((rc = vouch_tile_path(VOUCH_TILE_ENTRIES, c->bundle_index, c->count, rel, sizeof rel,
	                          err)) != VOUCH_OK)
		return rc;
	return put(c->dir, rel, c->bundle.data, c->bundle.len, err);
}

static int
on_entry(void *ctx, uint64_t index, const uint8_t *e, size_t len, vouch_err *err)
{
	struct copy *c = ctx;
	int rc;

	if (index != c->first + c->n)
		return vouch_err_set(err, VOUCH_EINTERNAL, "entries out of order");
	if ((rc = vouch_merkle_leaf_hash(e, len, c->leaves[c->n], err)) != VOUCH_OK ||
	    (rc = vouch_tile_bundle_append(&c->bundle, e, len, err)) != VOUCH_OK)
		return rc;
	c->n++;
	if (++c->count == VOUCH_TILE_WIDTH) {
		if ((rc = flush_bundle(c, err)) != VOUCH_OK)
			return rc;
		vouch_buf_reset(&c->bundle);
		c->count = 0;
		c->bundle_index++;
	}
	return VOUCH_OK;
}

/* The partial bundle the mirror holds at the end of its tree. */
static int
open_bundle(struct copy *c, uint64_t size, vouch_err *err)
{
	char rel[VOUCH_TILE_PATH_MAX], path[PATH_MAX];
	unsigned w = (unsigned)(size % VOUCH_TILE_WIDTH);
	int rc;

	c->bundle_index = size / VOUCH_TILE_WIDTH;
	if (w == 0)
		return VOUCH_OK;
	if ((rc = vouch_tile_path(VOUCH_TILE_ENTRIES, c->bundle_index, w, rel, sizeof rel, err)) !=
	        VOUCH_OK ||
	    (rc = dir_file(c->dir, rel, path, sizeof path, err)) != VOUCH_OK ||
	    (rc = vouch_read_file(path, (size_t)VOUCH_TILE_WIDTH * (2 + VOUCH_ENTRY_MAX),
	                          &c->bundle, err)) != VOUCH_OK)
		return rc;
	c->count = w;
	return VOUCH_OK;
}

/* Copy entries [old->size, cur->size) and extend the mirror's tiles. */
static int
copy_entries(const vouch_mirror_opts *o, const vouch_checkpoint *old,
             const vouch_checkpoint *cur, vouch_err *err)
{
	struct copy c;
	vouch_tilehashes *th = NULL;
	vouch_hash root;
	uint64_t n = cur->size - old->size;
	int rc;

	memset(&c, 0, sizeof c);
	c.dir = o->dir;
	c.first = old->size;
	vouch_buf_init(&c.bundle, (size_t)VOUCH_TILE_WIDTH * (2 + VOUCH_ENTRY_MAX));
	if (n > VOUCH_MIRROR_ROUND_MAX)
		return vouch_err_set(err, VOUCH_ELIMIT, "more than %d new entries in one round",
		                     VOUCH_MIRROR_ROUND_MAX);
	if ((c.leaves = calloc(n ? n : 1, sizeof *c.leaves)) == NULL)
		return vouch_err_set(err, VOUCH_ENOMEM, "out of memory");
	if ((rc = open_bundle(&c, old->size, err)) != VOUCH_OK ||
	    (rc = vouch_logclient_entries(o->lc, cur, old->size, on_entry, &c, err)) != VOUCH_OK ||
	    (rc = flush_bundle(&c, err)) != VOUCH_OK)
		goto out;
	if (c.n != n) {
		rc = vouch_err_set(err, VOUCH_EIO, "got %llu of %llu entries",
		                   (unsigned long long)c.n, (unsigned long long)n);
		goto out;
	}
	if ((rc = vouch_tiles_extend(old->size, cur->size, (const vouch_hash *)c.leaves,
	                             vouch_logstore_read_tile, (void *)o->dir, put_tile,
	                             (void *)o->dir, err)) != VOUCH_OK ||
	    (rc = vouch_tilehashes_new(cur->size, vouch_logstore_read_tile, (void *)o->dir, &th,
	                               err)) != VOUCH_OK ||
	    (rc = vouch_merkle_tree_root(vouch_tilehashes_read, th, cur->size, root, err)) !=
	        VOUCH_OK)
		goto out;
	if (memcmp(root, cur->root, VOUCH_HASH_LEN) != 0)
		rc = vouch_err_set(err, VOUCH_ENEGATIVE,
		                   "the mirror's tiles with the new entries do not give the root");
out:
	vouch_tilehashes_free(th);
	vouch_buf_free(&c.bundle);
	free(c.leaves);
	return rc;
}

/* Append the mirror's own cosignature to the note it is about to store. */
static int
cosign(const vouch_mirror_opts *o, vouch_buf *note, vouch_err *err)
{
	const char *s = vouch_buf_cstr(note);
	size_t tl;

	for (tl = note->len; tl >= 2; tl--)
		if (s[tl - 1] == '\n' && s[tl - 2] == '\n')
			break;
	if (tl < 2)
		return vouch_err_set(err, VOUCH_EINTERNAL, "checkpoint without signatures");
	return vouch_cosig_sign(s, tl - 1, o->cosign_name, o->cosign_key, (uint64_t)time(NULL),
	                        note, err);
}

/* ---- a round ---- */

int
vouch_mirror_round(const vouch_mirror_opts *o, uint64_t *size, int *grew, vouch_buf *proof,
                   vouch_err *err)
{
	vouch_checkpoint old, cur;
	vouch_buf oldnote, note;
	vouch_hash cproof[VOUCH_PROOF_MAX];
	char path[PATH_MAX];
	vouch_err why;
	size_t n = 0;
	int rc, have = 0;

	vouch_buf_init(&oldnote, VOUCH_NOTE_MAX + 1);
	vouch_buf_init(&note, VOUCH_NOTE_MAX + 1);
	vouch_err_clear(&why);
	if (grew != NULL)
		*grew = 0;
	if (mkdir(o->dir, 0755) != 0 && errno != EEXIST)
		return vouch_err_sys(err, VOUCH_EIO, "cannot create '%s'", o->dir);
	if ((rc = dir_file(o->dir, "misbehaviour.json", path, sizeof path, err)) != VOUCH_OK)
		return rc;
	if (access(path, F_OK) == 0)
		return vouch_err_set(err, VOUCH_ENEGATIVE, "stopped: '%s' holds a proof of "
		                     "misbehaviour (remove it to follow the log again)", path);
	if ((rc = held(o, &oldnote, &old, &have, err)) != VOUCH_OK ||
	    (rc = vouch_logclient_checkpoint(o->lc, &cur, &note, err)) != VOUCH_OK)
		goto out;
	if (o->nws > 0 && (rc = vouch_cosig_quorum(vouch_buf_cstr(&note), note.len, o->ws, o->nws,
	                                           o->quorum, err)) != VOUCH_OK) {
		vouch_err_prefix(err, "the log's checkpoint is not accepted");
		rc = VOUCH_EINPUT; /* not evidence of anything: wait for a cosigned one */
		goto out;
	}
	if (have && cur.size < old.size)
		goto done; /* an older view (a cache): nothing to learn */
	if (have && cur.size == old.size) {
		if (memcmp(cur.root, old.root, VOUCH_HASH_LEN) != 0)
			rc = misbehaved(o, &old, &cur, &oldnote, &note,
			                "two checkpoints of one size with different roots", proof, err);
		goto done;
	}
	if (have && old.size > 0) {
		rc = vouch_logclient_consistency(o->lc, &old, &cur, cproof, &n, &why);
		if (rc == VOUCH_ENEGATIVE) {
			rc = misbehaved(o, &old, &cur, &oldnote, &note, vouch_err_msg(&why), proof, err);
			goto out;
		}
		if (rc != VOUCH_OK) {
			rc = vouch_err_set(err, rc, "%s", vouch_err_msg(&why));
			goto out;
		}
	}
	rc = copy_entries(o, &old, &cur, err);
	if (rc == VOUCH_ENEGATIVE) {
		vouch_err_clear(&why);
		vouch_err_set(&why, VOUCH_ENEGATIVE, "%s", vouch_err_msg(err));
		vouch_err_clear(err);
		rc = misbehaved(o, &old, &cur, &oldnote, &note, vouch_err_msg(&why), proof, err);
	}
	if (rc != VOUCH_OK)
		goto out;
	if (o->cosign_key != NULL && (rc = cosign(o, &note, err)) != VOUCH_OK)
		goto out;
	if ((rc = put(o->dir, "checkpoint", note.data, note.len, err)) != VOUCH_OK)
		goto out;
	if (grew != NULL)
		*grew = 1;
	old = cur;
done:
	if (size != NULL)
		*size = have || (grew != NULL && *grew) ? old.size : 0;
out:
	vouch_buf_free(&oldnote);
	vouch_buf_free(&note);
	return rc;
}

/* ---- checking a proof ---- */

static int
open_note(const cJSON *j, const char *key, vouch_note_verifier *logver, const char *origin,
          vouch_checkpoint *cp, vouch_err *err)
{
	const char *s = vouch_json_get_string(j, key);
	int rc;

	if (s == NULL)
		return vouch_err_set(err, VOUCH_EINPUT, "proof has no '%s'", key);
	if ((rc = vouch_checkpoint_open(s, strlen(s), origin, &logver, 1, cp, err)) != VOUCH_OK)
		vouch_err_prefix(err, "'%s'", key);
	return rc == VOUCH_ENEGATIVE ? VOUCH_EINPUT : rc;
}

static int
get_hash(const cJSON *s, vouch_hash out)
{
	return cJSON_IsString(s) && vouch_b64_decode_exact(s->valuestring, strlen(s->valuestring),
	                                                    VOUCH_B64_STD, out, VOUCH_HASH_LEN,
	                                                    NULL) == VOUCH_OK
	           ? 0
	           : -1;
}

int
vouch_misbehaviour_check(const char *json, size_t len, vouch_note_verifier *logver,
                         const char *origin, vouch_buf *why, vouch_err *err)
{
	vouch_checkpoint a, b;
	vouch_hash root, hashes[VOUCH_PROOF_MAX];
	const cJSON *arr, *it;
	cJSON *j = NULL;
	size_t n = 0;
	int rc;

	if ((rc = vouch_json_parse(json, len, &j, err)) != VOUCH_OK ||
	    (rc = open_note(j, "old_checkpoint", logver, origin, &a, err)) != VOUCH_OK ||
	    (rc = open_note(j, "new_checkpoint", logver, origin, &b, err)) != VOUCH_OK)
		goto out;
	if (strcmp(a.origin, b.origin) != 0) {
		rc = vouch_err_set(err, VOUCH_ENEGATIVE, "the checkpoints are of two logs");
		goto out;
	}
	if (a.size == b.size) {
		if (memcmp(a.root, b.root, VOUCH_HASH_LEN) == 0) {
			rc = vouch_err_set(err, VOUCH_ENEGATIVE, "the checkpoints agree");
			goto out;
		}
		if (why != NULL)
			vouch_buf_appendf(why, NULL, "the log signed two trees of size %llu",
			                  (unsigned long long)a.size);
		goto out;
	}
	if (a.size > b.size) {
		vouch_checkpoint t = a;

		a = b;
		b = t;
	}
	arr = vouch_json_get_array(j, "consistency_proof");
	if (vouch_json_get_string(j, "old_size_root") == NULL || arr == NULL ||
	    get_hash(cJSON_GetObjectItemCaseSensitive(j, "old_size_root"), root) != 0) {
		rc = vouch_err_set(err, VOUCH_ENEGATIVE, "checkpoints of sizes %llu and %llu without "
		                   "the log's tree at size %llu prove nothing",
		                   (unsigned long long)a.size, (unsigned long long)b.size,
		                   (unsigned long long)a.size);
		goto out;
	}
	cJSON_ArrayForEach(it, arr) {
		if (n == VOUCH_PROOF_MAX || get_hash(it, hashes[n]) != 0) {
			rc = vouch_err_set(err, VOUCH_EINPUT, "bad consistency_proof");
			goto out;
		}
		n++;
	}
	if (vouch_merkle_verify_consistency(a.size, b.size, root, b.root,
	                                    (const vouch_hash *)hashes, n, NULL) != VOUCH_OK) {
		rc = vouch_err_set(err, VOUCH_ENEGATIVE, "the consistency proof does not verify");
		goto out;
	}
	if (memcmp(root, a.root, VOUCH_HASH_LEN) == 0) {
		rc = vouch_err_set(err, VOUCH_ENEGATIVE, "the checkpoints are consistent");
		goto out;
	}
	if (why != NULL)
		vouch_buf_appendf(why, NULL, "the tree of size %llu extends a tree of size %llu other "
		                  "than the one the log signed", (unsigned long long)b.size,
		                  (unsigned long long)a.size);
out:
	cJSON_Delete(j);
	return rc;
}
