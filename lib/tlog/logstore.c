/* logstore.c - a tlog-tiles log on a storage back end (logstore_int.h):
 * the layout (entry bundles, hash tiles, checkpoints), the order of a
 * commit, the checks at open, the index kept up to the checkpoint. */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "vouch/logstore.h"
#include "vouch/tile.h"
#include "logstore_int.h"

struct vouch_logstore {
	const struct logstore_ops *ops;
	void *be;
	char *name;                      /* DIR or s3://BUCKET/PREFIX, for messages */
	const vouch_key *key;            /* borrowed */
	vouch_note_verifier *ver;
	vouch_checkpoint cp;
	vouch_buf note;
	vouch_buf edge;                  /* the entries of the last partial bundle */
	vouch_logstore_indexer indexer;
	vouch_logstore_keyer keyer;
	void *kctx;
	void *ictx;
};

/* ---- choosing the back end ---- */

static int
store_new(const vouch_logstore_spec *spec, unsigned flags, vouch_logstore **out,
          vouch_err *err)
{
	vouch_logstore_loc loc;
	vouch_logstore *ls;
	int rc;

	*out = NULL;
	if ((rc = vouch_logstore_loc_parse(spec->storage, &loc, err)) != VOUCH_OK)
		return rc;
	if ((ls = calloc(1, sizeof *ls)) == NULL)
		return vouch_err_set(err, VOUCH_ENOMEM, "out of memory");
	vouch_buf_init(&ls->note, VOUCH_NOTE_MAX + 1);
	vouch_buf_init(&ls->edge, LOGSTORE_BUNDLE_MAX + 1);
	if (loc.kind == VOUCH_LOGSTORE_POSIX) {
		ls->ops = &vouch_logstore_posix_ops;
		ls->name = strdup(loc.dir);
	} else {
		size_t n = strlen(loc.bucket) + strlen(loc.prefix) + 8;

		ls->ops = &vouch_logstore_s3pg_ops;
		if ((ls->name = malloc(n)) != NULL)
			snprintf(ls->name, n, "s3://%s/%s", loc.bucket, loc.prefix);
	}
	if (ls->name == NULL) {
		vouch_logstore_free(ls);
		return vouch_err_set(err, VOUCH_ENOMEM, "out of memory");
	}
	if ((rc = ls->ops->open(spec, flags, &ls->be, err)) != VOUCH_OK) {
		vouch_logstore_free(ls);
		return rc;
	}
	*out = ls;
	return VOUCH_OK;
}

/* "posix:" DIR, for the directory entry points. */
static int
dir_spec(const char *dir, vouch_logstore_spec *spec, vouch_buf *s, vouch_err *err)
{
	int rc;

	memset(spec, 0, sizeof *spec);
	if ((rc = vouch_buf_append_str(s, "posix:", err)) != VOUCH_OK ||
	    (rc = vouch_buf_append_str(s, dir, err)) != VOUCH_OK)
		return rc;
	spec->storage = vouch_buf_cstr(s);
	return VOUCH_OK;
}

/* ---- objects ---- */

int
vouch_logstore_get(vouch_logstore *ls, const char *rel, size_t max, vouch_buf *out,
                   vouch_err *err)
{
	return ls->ops->get(ls->be, rel, max, out, err);
}

int
logstore_tile_via(logstore_getter get, void *ctx, const char *name, int level,
                  uint64_t index, unsigned width, uint8_t *out, vouch_err *err)
{
	char rel[VOUCH_TILE_PATH_MAX];
	vouch_buf b;
	int rc, full;

	vouch_buf_init(&b, VOUCH_TILE_BYTES + 1);
	for (full = 0; full < 2; full++) {
		vouch_buf_reset(&b);
		if ((rc = vouch_tile_path(level, index, full ? VOUCH_TILE_WIDTH : width, rel,
		                          sizeof rel, err)) != VOUCH_OK)
			goto out;
		rc = get(ctx, rel, VOUCH_TILE_BYTES, &b, err);
		if (rc == VOUCH_OK)
			break;
		if (rc != VOUCH_ENEGATIVE)
			goto out;
		if (full || width == VOUCH_TILE_WIDTH) {
			rc = vouch_err_set(err, VOUCH_EIO, "'%s': no tile '%s'", name, rel);
			goto out;
		}
	}
	if (b.len < (size_t)width * VOUCH_HASH_LEN ||
	    (!full && b.len != (size_t)width * VOUCH_HASH_LEN) ||
	    (full && b.len != VOUCH_TILE_BYTES)) {
		rc = vouch_err_set(err, VOUCH_EINPUT, "'%s' has %zu bytes, not a tile of width %u",
		                   rel, b.len, width);
		goto out;
	}
	memcpy(out, b.data, (size_t)width * VOUCH_HASH_LEN);
out:
	vouch_buf_free(&b);
	return rc;
}

int
vouch_logstore_tile_read(void *ctx, int level, uint64_t index, unsigned width, uint8_t *out,
                         vouch_err *err)
{
	vouch_logstore *ls = ctx;

	return logstore_tile_via(ls->ops->get, ls->be, ls->name, level, index, width, out, err);
}

static int
write_tile(void *ctx, int level, uint64_t index, unsigned width, const uint8_t *data,
           vouch_err *err)
{
	vouch_logstore *ls = ctx;
	char rel[VOUCH_TILE_PATH_MAX];
	int rc;

	if ((rc = vouch_tile_path(level, index, width, rel, sizeof rel, err)) != VOUCH_OK)
		return rc;
	return ls->ops->put(ls->be, rel, data, (size_t)width * VOUCH_HASH_LEN, err);
}

/* Read object rel, which must exist, into out (replacing its content). */
static int
get_required(vouch_logstore *ls, const char *rel, size_t max, vouch_buf *out, vouch_err *err)
{
	int rc;

	vouch_buf_reset(out);
	rc = ls->ops->get(ls->be, rel, max, out, err);
	if (rc == VOUCH_ENEGATIVE)
		rc = vouch_err_set(err, VOUCH_EIO, "%s: no object '%s'", ls->name, rel);
	return rc;
}

/* Read entry bundle index with width entries of the committed tree. */
static int
read_bundle(vouch_logstore *ls, uint64_t index, unsigned width, vouch_buf *out,
            vouch_err *err)
{
	char rel[VOUCH_TILE_PATH_MAX];
	int rc;

	if ((rc = vouch_tile_path(VOUCH_TILE_ENTRIES, index, width, rel, sizeof rel, err)) !=
	    VOUCH_OK)
		return rc;
	return get_required(ls, rel, LOGSTORE_BUNDLE_MAX, out, err);
}

/* ---- the index ---- */

/* Index one committed entry (inside a transaction). */
static int
index_entry(vouch_logstore *ls, uint64_t idx, const uint8_t *e, size_t n,
            const vouch_hash leaf, vouch_buf *scratch, vouch_err *err)
{
	vouch_hash k;
	size_t nsubj = 0;

	/* the dedup column: the keyer's key, or the leaf hash */
	if (ls->keyer == NULL || ls->keyer(ls->kctx, e, n, k) != 0)
		memcpy(k, leaf, VOUCH_HASH_LEN);
	vouch_buf_reset(scratch);
	if (ls->indexer != NULL) {
		ls->indexer(ls->ictx, e, n, scratch);
		nsubj = scratch->len / 32;
		if (nsubj > VOUCH_LOGSTORE_SUBJECTS_MAX)
			nsubj = VOUCH_LOGSTORE_SUBJECTS_MAX;
	}
	return ls->ops->index_add(ls->be, idx, k, scratch->data, nsubj, err);
}

/* Index the entries of one bundle from position skip on. */
static int
index_bundle(vouch_logstore *ls, uint64_t bundle, const vouch_buf *b, unsigned width,
             unsigned skip, vouch_buf *scratch, vouch_err *err)
{
	struct vouch_span sp[VOUCH_TILE_WIDTH];
	unsigned i;
	int rc;

	if ((rc = vouch_tile_bundle_split(b->data, b->len, width, sp, err)) != VOUCH_OK)
		return rc;
	for (i = skip; i < width; i++) {
		vouch_hash leaf;

		if ((rc = vouch_merkle_leaf_hash(b->data + sp[i].off, sp[i].len, leaf, err)) !=
		        VOUCH_OK ||
		    (rc = index_entry(ls, bundle * VOUCH_TILE_WIDTH + i, b->data + sp[i].off,
		                      sp[i].len, leaf, scratch, err)) != VOUCH_OK)
			return rc;
	}
	return VOUCH_OK;
}

/* Bring the index to the checkpoint: drop rows past it, add missing ones
 * from the entry bundles. */
static int
index_catch_up(vouch_logstore *ls, int reindex, vouch_err *err)
{
	uint64_t next = 0, size = ls->cp.size;
	vouch_buf b, scratch;
	int rc;

	vouch_buf_init(&b, LOGSTORE_BUNDLE_MAX + 1);
	vouch_buf_init(&scratch, (size_t)VOUCH_LOGSTORE_SUBJECTS_MAX * 32 + 1);
	if ((rc = ls->ops->index_start(ls->be, ls->keyer != NULL, reindex, size, &next, err)) !=
	        VOUCH_OK ||
	    (rc = ls->ops->txn_begin(ls->be, err)) != VOUCH_OK)
		goto out;
	while (next < size) {
		uint64_t bi = next / VOUCH_TILE_WIDTH;
		unsigned w = vouch_tile_width(VOUCH_TILE_ENTRIES, bi, size);

		if ((rc = read_bundle(ls, bi, w, &b, err)) != VOUCH_OK ||
		    (rc = index_bundle(ls, bi, &b, w, (unsigned)(next % VOUCH_TILE_WIDTH), &scratch,
		                       err)) != VOUCH_OK)
			break;
		next = bi * VOUCH_TILE_WIDTH + w;
	}
	if (rc == VOUCH_OK)
		rc = ls->ops->txn_end(ls->be, 1, err);
	else
		ls->ops->txn_end(ls->be, 0, NULL);
out:
	vouch_buf_free(&b);
	vouch_buf_free(&scratch);
	return rc;
}

/* ---- create, open, recover ---- */

/* Sign cp and publish it (after everything put so far), as the writer
 * begin found still in charge; the store's checkpoint follows. */
static int
commit_checkpoint(vouch_logstore *ls, uint64_t old, const vouch_checkpoint *cp,
                  int (*inside)(vouch_logstore *, void *, vouch_err *), void *arg,
                  vouch_err *err)
{
	vouch_buf note;
	int rc;

	vouch_buf_init(&note, VOUCH_NOTE_MAX + 1);
	if ((rc = ls->ops->begin(ls->be, old, err)) != VOUCH_OK)
		goto out;
	if ((rc = vouch_checkpoint_sign(cp, ls->key, &note, err)) != VOUCH_OK ||
	    (inside != NULL && (rc = inside(ls, arg, err)) != VOUCH_OK) ||
	    (rc = ls->ops->publish(ls->be, cp, &note, err)) != VOUCH_OK) {
		ls->ops->abort(ls->be);
		goto out;
	}
	ls->cp = *cp;
	vouch_buf_reset(&ls->note);
	rc = vouch_buf_append(&ls->note, note.data, note.len, err);
out:
	vouch_buf_free(&note);
	return rc;
}

/* Lock a store opened for a new log, which must hold none. */
static int
claim_empty(vouch_logstore *ls, vouch_err *err)
{
	vouch_buf note;
	int rc;

	vouch_buf_init(&note, VOUCH_NOTE_MAX + 1);
	if ((rc = ls->ops->lock(ls->be, 0, err)) == VOUCH_OK) {
		rc = ls->ops->recover(ls->be, 0, &note, err);
		if (rc == VOUCH_OK)
			rc = vouch_err_set(err, VOUCH_EEXIST, "'%s' already holds a log", ls->name);
		else if (rc == VOUCH_ENEGATIVE)
			rc = VOUCH_OK;
	}
	vouch_buf_free(&note);
	return rc;
}

int
vouch_logstore_create_spec(const vouch_logstore_spec *spec, const char *origin,
                           const vouch_key *key, vouch_err *err)
{
	vouch_logstore *ls = NULL;
	vouch_checkpoint cp;
	int rc;

	memset(&cp, 0, sizeof cp);
	if (!vouch_origin_valid(origin, strlen(origin)))
		return vouch_err_set(err, VOUCH_EUSAGE, "'%s' is not a valid log origin", origin);
	if ((rc = store_new(spec, LOGSTORE_CREATE, &ls, err)) != VOUCH_OK)
		return rc;
	ls->key = key;
	snprintf(cp.origin, sizeof cp.origin, "%s", origin);
	if ((rc = claim_empty(ls, err)) == VOUCH_OK &&
	    (rc = vouch_merkle_empty_root(cp.root, err)) == VOUCH_OK)
		rc = commit_checkpoint(ls, 0, &cp, NULL, NULL, err);
	vouch_logstore_free(ls);
	return rc;
}

int
vouch_logstore_create(const char *dir, const char *origin, const vouch_key *key,
                      vouch_err *err)
{
	vouch_logstore_spec spec;
	vouch_buf s;
	int rc;

	vouch_buf_init(&s, 0);
	if ((rc = dir_spec(dir, &spec, &s, err)) == VOUCH_OK)
		rc = vouch_logstore_create_spec(&spec, origin, key, err);
	vouch_buf_free(&s);
	return rc;
}

static int
load_checkpoint(vouch_logstore *ls, const char *origin, vouch_err *err)
{
	int rc;

	if ((rc = vouch_note_verifier_from_key(ls->key, origin, &ls->ver, err)) != VOUCH_OK ||
	    (rc = ls->ops->recover(ls->be, 1, &ls->note, err)) != VOUCH_OK)
		return rc;
	rc = vouch_checkpoint_open((const char *)ls->note.data, ls->note.len, origin, &ls->ver,
	                           1, &ls->cp, err);
	if (rc != VOUCH_OK)
		vouch_err_prefix(err, "'%s/checkpoint'", ls->name);
	return rc;
}

/* The tiles must give the checkpoint's root, and the last entry bundle
 * must hash to the level-0 tile. */
static int
check_tiles(vouch_logstore *ls, vouch_err *err)
{
	vouch_tilehashes *th = NULL;
	struct vouch_span sp[VOUCH_TILE_WIDTH];
	uint8_t tile[VOUCH_TILE_BYTES];
	uint64_t size = ls->cp.size, bi;
	vouch_buf b;
	vouch_hash root;
	unsigned w, i;
	int rc;

	vouch_buf_init(&b, LOGSTORE_BUNDLE_MAX + 1);
	if ((rc = vouch_tilehashes_new(size, vouch_logstore_tile_read, ls, &th, err)) !=
	        VOUCH_OK ||
	    (rc = vouch_merkle_tree_root(vouch_tilehashes_read, th, size, root, err)) != VOUCH_OK)
		goto out;
	if (memcmp(root, ls->cp.root, VOUCH_HASH_LEN) != 0) {
		rc = vouch_err_set(err, VOUCH_EINPUT,
		                   "'%s': the tiles do not match the checkpoint of size %llu",
		                   ls->name, (unsigned long long)size);
		goto out;
	}
	if (size == 0)
		goto out;
	bi = (size - 1) / VOUCH_TILE_WIDTH;
	w = vouch_tile_width(VOUCH_TILE_ENTRIES, bi, size);
	if ((rc = read_bundle(ls, bi, w, &b, err)) != VOUCH_OK ||
	    (rc = vouch_tile_bundle_split(b.data, b.len, w, sp, err)) != VOUCH_OK ||
	    (rc = vouch_logstore_tile_read(ls, 0, bi, w, tile, err)) != VOUCH_OK)
		goto out;
	for (i = 0; i < w; i++) {
		vouch_hash leaf;

		if ((rc = vouch_merkle_leaf_hash(b.data + sp[i].off, sp[i].len, leaf, err)) !=
		        VOUCH_OK)
			goto out;
		if (memcmp(leaf, tile + (size_t)i * VOUCH_HASH_LEN, VOUCH_HASH_LEN) != 0) {
			rc = vouch_err_set(err, VOUCH_EINPUT, "'%s': entry %llu does not match its tile",
			                   ls->name, (unsigned long long)(bi * VOUCH_TILE_WIDTH + i));
			goto out;
		}
	}
	vouch_buf_reset(&ls->edge);
	if (w < VOUCH_TILE_WIDTH)
		rc = vouch_buf_append(&ls->edge, b.data, b.len, err);
out:
	vouch_tilehashes_free(th);
	vouch_buf_free(&b);
	return rc;
}

int
vouch_logstore_open_spec(const vouch_logstore_spec *spec, const char *origin,
                         const vouch_key *key, unsigned flags, vouch_logstore_indexer indexer,
                         void *ictx, vouch_logstore_keyer keyer, void *kctx,
                         vouch_logstore **out, vouch_err *err)
{
	vouch_logstore *ls = NULL;
	int rc;

	*out = NULL;
	if ((rc = store_new(spec, 0, &ls, err)) != VOUCH_OK)
		return rc;
	ls->key = key;
	ls->indexer = indexer;
	ls->ictx = ictx;
	ls->keyer = keyer;
	ls->kctx = kctx;
	if ((rc = ls->ops->lock(ls->be, flags, err)) != VOUCH_OK ||
	    (rc = load_checkpoint(ls, origin, err)) != VOUCH_OK ||
	    (ls->ops->prune != NULL && (rc = ls->ops->prune(ls->be, ls->cp.size, err)) != VOUCH_OK) ||
	    (rc = check_tiles(ls, err)) != VOUCH_OK ||
	    (rc = index_catch_up(ls, (flags & VOUCH_LOGSTORE_REINDEX) != 0, err)) != VOUCH_OK)
		goto out;
	*out = ls;
	ls = NULL;
out:
	vouch_logstore_free(ls);
	return rc;
}

int
vouch_logstore_open(const char *dir, const char *origin, const vouch_key *key,
                    unsigned flags, vouch_logstore_indexer indexer, void *ictx,
                    vouch_logstore **out, vouch_err *err)
{
	return vouch_logstore_open_keyed(dir, origin, key, flags, indexer, ictx, NULL, NULL, out,
	                                 err);
}

int
vouch_logstore_open_keyed(const char *dir, const char *origin, const vouch_key *key,
                          unsigned flags, vouch_logstore_indexer indexer, void *ictx,
                          vouch_logstore_keyer keyer, void *kctx, vouch_logstore **out,
                          vouch_err *err)
{
	vouch_logstore_spec spec;
	vouch_buf s;
	int rc;

	*out = NULL;
	vouch_buf_init(&s, 0);
	if ((rc = dir_spec(dir, &spec, &s, err)) == VOUCH_OK)
		rc = vouch_logstore_open_spec(&spec, origin, key, flags & ~VOUCH_LOGSTORE_WAIT,
		                              indexer, ictx, keyer, kctx, out, err);
	vouch_buf_free(&s);
	return rc;
}

int
vouch_logstore_open_reader(const vouch_logstore_spec *spec, vouch_logstore **out,
                           vouch_err *err)
{
	return store_new(spec, 0, out, err);
}

void
vouch_logstore_free(vouch_logstore *ls)
{
	if (ls == NULL)
		return;
	if (ls->be != NULL)
		ls->ops->free(ls->be);
	vouch_note_verifier_free(ls->ver);
	vouch_buf_free(&ls->note);
	vouch_buf_free(&ls->edge);
	free(ls->name);
	free(ls);
}

const vouch_checkpoint *
vouch_logstore_checkpoint(const vouch_logstore *ls)
{
	return &ls->cp;
}

const char *
vouch_logstore_checkpoint_note(const vouch_logstore *ls, size_t *len)
{
	*len = ls->note.len;
	return (const char *)ls->note.data;
}

uint64_t
vouch_logstore_fence(const vouch_logstore *ls)
{
	return ls->ops->fence(ls->be);
}

/* ---- appending ---- */

static int
write_bundles(vouch_logstore *ls, const uint8_t *const *entries, const size_t *lens,
              size_t n, vouch_err *err)
{
	uint64_t size = ls->cp.size, bi = size / VOUCH_TILE_WIDTH;
	unsigned count = (unsigned)(size % VOUCH_TILE_WIDTH);
	char rel[VOUCH_TILE_PATH_MAX];
	size_t i;
	int rc;

	for (i = 0; i < n; i++) {
		if ((rc = vouch_tile_bundle_append(&ls->edge, entries[i], lens[i], err)) !=
		    VOUCH_OK)
			return rc;
		if (++count < VOUCH_TILE_WIDTH && i + 1 < n)
			continue;
		if ((rc = vouch_tile_path(VOUCH_TILE_ENTRIES, bi, count, rel, sizeof rel, err)) !=
		        VOUCH_OK ||
		    (rc = ls->ops->put(ls->be, rel, ls->edge.data, ls->edge.len, err)) != VOUCH_OK)
			return rc;
		if (count == VOUCH_TILE_WIDTH) {
			vouch_buf_reset(&ls->edge);
			count = 0;
			bi++;
		}
	}
	return VOUCH_OK;
}

struct batch {
	uint64_t first;
	const uint8_t *const *entries;
	const size_t *lens;
	const vouch_hash *leaves;
	const vouch_logstore_meta *meta; /* NULL: the keyer and indexer */
	size_t n;
};

static int
index_rows(vouch_logstore *ls, void *arg, vouch_err *err)
{
	const struct batch *b = arg;
	vouch_buf scratch;
	size_t i;
	int rc = VOUCH_OK;

	vouch_buf_init(&scratch, (size_t)VOUCH_LOGSTORE_SUBJECTS_MAX * 32 + 1);
	for (i = 0; i < b->n && rc == VOUCH_OK; i++) {
		const vouch_logstore_meta *m = b->meta != NULL ? &b->meta[i] : NULL;

		if (m != NULL)
			rc = ls->ops->index_add(ls->be, b->first + i, m->key, m->subjects,
			                        m->nsubjects < VOUCH_LOGSTORE_SUBJECTS_MAX
			                            ? m->nsubjects
			                            : VOUCH_LOGSTORE_SUBJECTS_MAX,
			                        err);
		else
			rc = index_entry(ls, b->first + i, b->entries[i], b->lens[i], b->leaves[i],
			                 &scratch, err);
	}
	vouch_buf_free(&scratch);
	return rc;
}

/* The index rows of a committed batch, in their own transaction. */
static int
index_batch(vouch_logstore *ls, struct batch *b, vouch_err *err)
{
	int rc;

	if ((rc = ls->ops->txn_begin(ls->be, err)) != VOUCH_OK)
		return rc;
	rc = index_rows(ls, b, err);
	if (rc == VOUCH_OK)
		return ls->ops->txn_end(ls->be, 1, err);
	ls->ops->txn_end(ls->be, 0, NULL);
	return rc;
}

int
vouch_logstore_append(vouch_logstore *ls, const uint8_t *const *entries, const size_t *lens,
                      size_t n, uint64_t *first, vouch_err *err)
{
	return vouch_logstore_append_meta(ls, entries, lens, NULL, n, 0, first, err);
}

int
vouch_logstore_index_in_commit(const vouch_logstore *ls)
{
	return ls->ops->index_in_commit;
}

int
vouch_logstore_index(vouch_logstore *ls, uint64_t first, const vouch_logstore_meta *meta,
                     size_t n, vouch_err *err)
{
	struct batch b;

	memset(&b, 0, sizeof b);
	b.first = first;
	b.meta = meta;
	b.n = n;
	return index_batch(ls, &b, err);
}

int
vouch_logstore_append_meta(vouch_logstore *ls, const uint8_t *const *entries,
                           const size_t *lens, const vouch_logstore_meta *meta, size_t n,
                           unsigned flags, uint64_t *first, vouch_err *err)
{
	vouch_hash *leaves = NULL;
	vouch_tilehashes *th = NULL;
	vouch_checkpoint cp = ls->cp;
	uint64_t old = ls->cp.size;
	struct batch b;
	size_t i;
	int rc;

	if (n == 0 || n > VOUCH_LOGSTORE_BATCH_MAX || old > UINT64_MAX - n)
		return vouch_err_set(err, VOUCH_EUSAGE, "bad batch of %zu entries", n);
	if ((leaves = calloc(n, sizeof *leaves)) == NULL)
		return vouch_err_set(err, VOUCH_ENOMEM, "out of memory");
	for (i = 0; i < n; i++)
		if ((rc = lens[i] > VOUCH_ENTRY_MAX
		              ? vouch_err_set(err, VOUCH_ELIMIT, "entry of %zu bytes too large",
		                              lens[i])
		              : vouch_merkle_leaf_hash(entries[i], lens[i], leaves[i], err)) !=
		    VOUCH_OK)
			goto out;
	cp.size = old + n;
	if ((rc = write_bundles(ls, entries, lens, n, err)) != VOUCH_OK ||
	    (rc = vouch_tiles_extend(old, cp.size, (const vouch_hash *)leaves,
	                             vouch_logstore_tile_read, ls, write_tile, ls, err)) !=
	        VOUCH_OK ||
	    (rc = vouch_tilehashes_new(cp.size, vouch_logstore_tile_read, ls, &th, err)) !=
	        VOUCH_OK ||
	    (rc = vouch_merkle_tree_root(vouch_tilehashes_read, th, cp.size, cp.root, err)) !=
	        VOUCH_OK)
		goto out;
	if (cp.size <= ls->cp.size) {
		rc = vouch_err_set(err, VOUCH_EINTERNAL, "refusing to re-sign size %llu",
		                   (unsigned long long)cp.size);
		goto out;
	}
	b.first = old;
	b.entries = entries;
	b.lens = lens;
	b.leaves = (const vouch_hash *)leaves;
	b.meta = meta;
	b.n = n;
	/* tiles and bundles are durable before the checkpoint that covers
	 * them is published; the index goes with the commit or just after */
	if ((rc = commit_checkpoint(ls, old, &cp, ls->ops->index_in_commit ? index_rows : NULL,
	                            &b, err)) != VOUCH_OK)
		goto out;
	if (first != NULL)
		*first = old;
	if (!ls->ops->index_in_commit && !(meta != NULL && (flags & VOUCH_LOGSTORE_INDEX_LATER)))
		rc = index_batch(ls, &b, err);
out:
	vouch_tilehashes_free(th);
	free(leaves);
	return rc;
}

/* ---- queries ---- */

int
vouch_logstore_find_leaf(vouch_logstore *ls, const vouch_hash leaf, uint64_t *index,
                         vouch_err *err)
{
	return ls->ops->find_leaf(ls->be, leaf, index, err);
}

int
vouch_logstore_each_key(vouch_logstore *ls, void (*fn)(void *ctx, const uint8_t *key),
                        void *ctx, vouch_err *err)
{
	if (ls->ops->each_key == NULL)
		return VOUCH_ENEGATIVE;
	return ls->ops->each_key(ls->be, fn, ctx, err);
}

int
vouch_logstore_lookup(vouch_logstore *ls, const uint8_t d[32], uint64_t *out, size_t max,
                      size_t *n, vouch_err *err)
{
	return ls->ops->lookup(ls->be, d, out, max, n, err);
}

int
vouch_logstore_prove(vouch_logstore *ls, uint64_t index, vouch_hash *proof, size_t *n,
                     vouch_err *err)
{
	vouch_tilehashes *th = NULL;
	int rc;

	if ((rc = vouch_tilehashes_new(ls->cp.size, vouch_logstore_tile_read, ls, &th, err)) ==
	    VOUCH_OK)
		rc = vouch_merkle_prove_inclusion(vouch_tilehashes_read, th, index, ls->cp.size,
		                                  proof, n, err);
	vouch_tilehashes_free(th);
	return rc;
}

int
vouch_logstore_entry(vouch_logstore *ls, uint64_t index, vouch_buf *out, vouch_err *err)
{
	struct vouch_span sp[VOUCH_TILE_WIDTH];
	uint64_t bi = index / VOUCH_TILE_WIDTH;
	unsigned w;
	vouch_buf b;
	int rc;

	if (index >= ls->cp.size)
		return vouch_err_set(err, VOUCH_EUSAGE, "no entry %llu in a log of size %llu",
		                     (unsigned long long)index, (unsigned long long)ls->cp.size);
	w = vouch_tile_width(VOUCH_TILE_ENTRIES, bi, ls->cp.size);
	vouch_buf_init(&b, LOGSTORE_BUNDLE_MAX + 1);
	if ((rc = read_bundle(ls, bi, w, &b, err)) == VOUCH_OK &&
	    (rc = vouch_tile_bundle_split(b.data, b.len, w, sp, err)) == VOUCH_OK) {
		size_t i = (size_t)(index % VOUCH_TILE_WIDTH);

		rc = vouch_buf_append(out, b.data + sp[i].off, sp[i].len, err);
	}
	vouch_buf_free(&b);
	return rc;
}

/* ---- migration ---- */

/* Copy every tile and bundle a tree of size covers, level by level. */
static int
copy_objects(vouch_logstore *from, vouch_logstore *to, uint64_t size, vouch_err *err)
{
	char rel[VOUCH_TILE_PATH_MAX];
	vouch_buf b;
	int level, rc = VOUCH_OK;

	vouch_buf_init(&b, LOGSTORE_BUNDLE_MAX + 1);
	for (level = VOUCH_TILE_ENTRIES; rc == VOUCH_OK; level++) {
		uint64_t i;
		unsigned w;

		if (level >= 0 && vouch_tile_width(level, 0, size) == 0)
			break;
		for (i = 0; rc == VOUCH_OK && (w = vouch_tile_width(level, i, size)) > 0; i++) {
			if ((rc = vouch_tile_path(level, i, w, rel, sizeof rel, err)) == VOUCH_OK &&
			    (rc = get_required(from, rel, LOGSTORE_BUNDLE_MAX, &b, err)) == VOUCH_OK)
				rc = to->ops->put(to->be, rel, b.data, b.len, err);
		}
	}
	vouch_buf_free(&b);
	return rc;
}

int
vouch_logstore_copy(const vouch_logstore_spec *from, const vouch_logstore_spec *to,
                    const char *origin, const vouch_key *key, vouch_logstore_indexer indexer,
                    vouch_logstore_keyer keyer, vouch_err *err)
{
	vouch_logstore *src = NULL, *dst = NULL, *check = NULL;
	int rc;

	/* the source's writer lock keeps it still while it is copied */
	if ((rc = vouch_logstore_open_spec(from, origin, key, 0, indexer, NULL, keyer, NULL, &src,
	                                   err)) != VOUCH_OK ||
	    (rc = store_new(to, LOGSTORE_CREATE, &dst, err)) != VOUCH_OK)
		goto out;
	dst->key = key;
	if ((rc = claim_empty(dst, err)) != VOUCH_OK ||
	    (rc = copy_objects(src, dst, src->cp.size, err)) != VOUCH_OK ||
	    (rc = dst->ops->begin(dst->be, 0, err)) != VOUCH_OK)
		goto out;
	/* the same signed checkpoint, published after its tiles */
	if ((rc = dst->ops->publish(dst->be, &src->cp, &src->note, err)) != VOUCH_OK) {
		dst->ops->abort(dst->be);
		goto out;
	}
	vouch_logstore_free(dst);
	dst = NULL;
	/* open checks the copy against the checkpoint and builds the index */
	rc = vouch_logstore_open_spec(to, origin, key, 0, indexer, NULL, keyer, NULL, &check, err);
out:
	vouch_logstore_free(check);
	vouch_logstore_free(dst);
	vouch_logstore_free(src);
	return rc;
}
