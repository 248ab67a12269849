/* logd_seq.c - vouch-logd's sequencer: batching, group commit, checkpoint
 * signing, inclusion proofs and the hand-off to the witnesses (see
 * logd_seq.h).
 *
 * Wake-ups (issue 18): a submitter never sleeps here; its logd_wait is
 * answered by a callback once per commit, outside every lock; the
 * sequencer is signalled only when it sleeps idle or a batch is full;
 * pending items are found by dedup key in a table, not by walking the
 * queue under the lock.
 */
#include "config.h"

#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "vouch/checkpoint.h"
#include "vouch/logentry.h"
#include "vouch/logstore.h"
#include "vouch/merkle.h"
#include "vouch/tile.h"
#include "httpd_int.h" /* vouch_httpd_now_ms, vouch_httpd_log */
#include "logd_seq.h"

#define now_ms vouch_httpd_now_ms
#define seq_log(s, ...) vouch_httpd_log((s)->o->log, (s)->o->log_arg, __VA_ARGS__)

/* One queued submission.  Freed when its last holder lets go (the
 * sequencer, and each submitter that joined it). */
struct logd_item {
	uint8_t *data;
	size_t len;
	vouch_hash leaf;      /* of data */
	vouch_hash key;       /* vouch_logentry_dedup_key of data */
	int state;            /* ST_* */
	uint64_t index;
	uint64_t size;        /* of the checkpoint that committed it */
	char *note;           /* that checkpoint */
	size_t note_len;
	atomic_int refs;
	struct logd_wait *waiters; /* answered when the batch is committed */
	struct logd_item *hnext;   /* chain in s->pending */
	uint64_t queued_at;   /* now_ms() */
	int have_proof;       /* proof computed by the sequencer */
	size_t nproof;
	vouch_hash proof[VOUCH_PROOF_MAX];
	struct logd_item *next;
	size_t nsubjects;     /* the statement's subject digests, for the index */
	uint8_t subjects[];   /* 32 bytes each */
};

enum { ST_QUEUED, ST_BATCH, ST_DONE, ST_FAILED };

#define PENDING_BUCKETS 65536u /* power of two; chains stay short */

/* issue 18: a Bloom filter of the dedup keys in the log, so that a new
 * submission (almost all of them) is not looked up in the index: 2^26
 * bits (8 MiB, touched as keys arrive) and 4 probes give a false positive
 * (which only costs the lookup) under 1e-5 at a million entries and
 * under 0.5% at ten million. */
/* A committed batch whose index rows are not yet written. */
struct ibatch {
	struct logd_item *items;  /* linked by next, the sequencer's references */
	size_t n;
	uint64_t first;
	struct ibatch *next;
};

#define SEEN_BITS (1u << 26)
#define SEEN_PROBES 4

struct logd_seq {
	const vouch_logd_opts *o;
	vouch_logstore *store;
	vouch_logstore *reader;    /* issue 20: the objects, for the read side */
	vouch_logstore_spec spec;  /* o->spec, or posix:o->dir */
	vouch_buf spec_storage;
	pthread_rwlock_t store_rw; /* read: using s->store; write: replacing it */
	pthread_mutex_t snap_mu;   /* note, note_len, size */
	char *note;                /* current checkpoint note */
	size_t note_len;
	uint64_t size;             /* current tree size */
	int broken;                /* the store failed and could not be reopened */
	pthread_mutex_t mu;        /* the queue */
	pthread_cond_t work;
	struct logd_item *head, *tail; /* queued, oldest first */
	struct logd_item *pending[PENDING_BUCKETS]; /* queued and in flight, by key */
	uint8_t *seen;             /* keys committed (s->mu), or NULL: ask the index */
	int seq_idle;              /* the sequencer waits for work */
	/* issue 18: index rows written by their own thread, off the
	 * sequencer's path (when the store indexes after its commit); a
	 * committed batch stays in s->pending, where submitters of the same
	 * entry find it, and lookups see it here until its rows are in */
	int index_later;
	struct ibatch *ihead, *itail; /* committed, rows not yet in (s->mu) */
	pthread_cond_t icv;        /* (s->mu) */
	int istop;
	pthread_t indexer;
	int indexer_started;
	size_t nqueued;
	uint64_t commits;
	int stopping;
	int locks_ready;
	pthread_t seq;
	int seq_started;
	/* the hand-off to the witnesses: answers held until cosigned */
	vouch_logwit *lw;          /* NULL without witnesses */
	vouch_note_verifier *logver;
	pthread_mutex_t hmu;
	pthread_cond_t hcv;
	struct logd_wait *hhead, *htail;
	int hstop;
	pthread_t hand;
	int hand_started;
};

/* ---- the store ---- */

static void seen_load(struct logd_seq *s);

static int
store_snapshot(struct logd_seq *s, vouch_err *err)
{
	const char *n;
	size_t len;
	char *copy;

	n = vouch_logstore_checkpoint_note(s->store, &len);
	if ((copy = malloc(len + 1)) == NULL)
		return vouch_err_set(err, VOUCH_ENOMEM, "out of memory");
	memcpy(copy, n, len);
	copy[len] = '\0';
	pthread_mutex_lock(&s->snap_mu);
	free(s->note);
	s->note = copy;
	s->note_len = len;
	s->size = vouch_logstore_checkpoint(s->store)->size;
	pthread_mutex_unlock(&s->snap_mu);
	return VOUCH_OK;
}

static int
store_open(struct logd_seq *s, unsigned flags, vouch_err *err)
{
	int rc = vouch_logstore_open_spec(&s->spec, s->o->origin, s->o->key, flags,
	                                  vouch_logentry_indexer, NULL, vouch_logentry_keyer,
	                                  NULL, &s->store, err);

	if (rc != VOUCH_OK)
		return rc;
	s->index_later = !vouch_logstore_index_in_commit(s->store);
	seen_load(s);
	return store_snapshot(s, err);
}

/* issue 20: the storage of the log: o->spec, or the directory */
static int
spec_init(struct logd_seq *s, vouch_err *err)
{
	int rc;

	if (s->o->spec != NULL) {
		s->spec = *s->o->spec;
		return VOUCH_OK;
	}
	memset(&s->spec, 0, sizeof s->spec);
	if ((rc = vouch_buf_append_str(&s->spec_storage, "posix:", err)) != VOUCH_OK ||
	    (rc = vouch_buf_append_str(&s->spec_storage, s->o->dir, err)) != VOUCH_OK)
		return rc;
	s->spec.storage = vouch_buf_cstr(&s->spec_storage);
	return VOUCH_OK;
}

/* issue 20: storage that failed (S3, PostgreSQL) may be back: reopen */
static void
store_revive(struct logd_seq *s)
{
	vouch_err err;

	if (!s->broken)
		return;
	vouch_err_clear(&err);
	pthread_rwlock_wrlock(&s->store_rw);
	if (s->broken && s->store == NULL && store_open(s, 0, &err) == VOUCH_OK)
		s->broken = 0;
	pthread_rwlock_unlock(&s->store_rw);
}

vouch_logstore *
logd_seq_reader(struct logd_seq *s)
{
	return s->reader;
}

int
logd_seq_checkpoint(struct logd_seq *s, vouch_buf *out, uint64_t *size, vouch_err *err)
{
	int rc = VOUCH_OK;

	pthread_mutex_lock(&s->snap_mu);
	if (out != NULL)
		rc = vouch_buf_append(out, s->note, s->note_len, err);
	*size = s->size;
	pthread_mutex_unlock(&s->snap_mu);
	return rc;
}

static int
u64_cmp(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

/* Indices of committed entries not yet in the index whose subjects carry
 * digest, appended to *v (with s->mu held). */
static int
unindexed_hits(struct logd_seq *s, const uint8_t digest[32], uint64_t **v, size_t *n,
               size_t *cap, vouch_err *err)
{
	const struct ibatch *ib;
	const struct logd_item *it;
	size_t k;

	for (ib = s->ihead; ib != NULL; ib = ib->next)
		for (it = ib->items; it != NULL; it = it->next)
			for (k = 0; k < it->nsubjects; k++) {
				if (memcmp(it->subjects + 32 * k, digest, 32) != 0)
					continue;
				if (*n == *cap) {
					size_t c = *cap ? 2 * *cap : 64;
					uint64_t *nv = realloc(*v, c * sizeof *nv);

					if (nv == NULL)
						return vouch_err_set(err, VOUCH_ENOMEM, "out of memory");
					*v = nv;
					*cap = c;
				}
				(*v)[(*n)++] = it->index;
				break;
			}
	return VOUCH_OK;
}

int
logd_seq_lookup(struct logd_seq *s, const uint8_t digest[32], uint64_t *hits, size_t max,
                size_t *n, vouch_err *err)
{
	uint64_t *more = NULL;
	size_t nmore = 0, cap = 0, i, j;
	int rc;

	/* first the batches still being indexed, then the index: an entry
	 * leaves the first only once its rows are in the second */
	pthread_mutex_lock(&s->mu);
	rc = unindexed_hits(s, digest, &more, &nmore, &cap, err);
	pthread_mutex_unlock(&s->mu);
	if (rc == VOUCH_OK) {
		pthread_rwlock_rdlock(&s->store_rw);
		rc = s->store != NULL ? vouch_logstore_lookup(s->store, digest, hits, max, n, err)
		                      : vouch_err_set(err, VOUCH_EIO, "the log store is closed");
		pthread_rwlock_unlock(&s->store_rw);
	}
	if (rc == VOUCH_OK && nmore > 0) { /* merge: ascending, distinct, at most max */
		uint64_t *all = realloc(more, (nmore + *n) * sizeof *all);

		if (all == NULL) {
			free(more);
			return vouch_err_set(err, VOUCH_ENOMEM, "out of memory");
		}
		more = all;
		memcpy(all + nmore, hits, *n * sizeof *hits);
		nmore += *n;
		qsort(all, nmore, sizeof *all, u64_cmp);
		for (i = j = 0; i < nmore && j < max; i++)
			if (j == 0 || hits[j - 1] != all[i])
				hits[j++] = all[i];
		*n = j;
	}
	free(more);
	return rc;
}

/* ---- items ---- */

static size_t
pending_bucket(const vouch_hash key)
{
	uint32_t v;

	memcpy(&v, key, sizeof v); /* a SHA-256: any four bytes spread well */
	return v & (PENDING_BUCKETS - 1);
}

static void
pending_remove(struct logd_seq *s, struct logd_item *it)
{
	struct logd_item **p = &s->pending[pending_bucket(it->key)];

	while (*p != NULL && *p != it)
		p = &(*p)->hnext;
	if (*p == it)
		*p = it->hnext;
	it->hnext = NULL;
}

/* The queued or in-flight item with this key (with s->mu held). */
static struct logd_item *
find_pending(struct logd_seq *s, const vouch_hash key)
{
	struct logd_item *it;

	for (it = s->pending[pending_bucket(key)]; it != NULL; it = it->hnext)
		if (memcmp(it->key, key, VOUCH_HASH_LEN) == 0)
			return it;
	return NULL;
}

/* Bit i of the filter for key: four 26-bit slices of a SHA-256. */
static uint32_t
seen_bit(const vouch_hash key, int i)
{
	uint32_t v;

	memcpy(&v, key + 4 + 4 * i, sizeof v);
	return v & (SEEN_BITS - 1);
}

static void
seen_add(void *ctx, const uint8_t *key)
{
	uint8_t *seen = ctx;

	for (int i = 0; i < SEEN_PROBES; i++) {
		uint32_t b = seen_bit(key, i);

		seen[b / 8] |= (uint8_t)(1u << (b % 8));
	}
}

/* 0: key is in no committed entry; 1: it may be (with s->mu held). */
static int
seen_maybe(const struct logd_seq *s, const vouch_hash key)
{
	if (s->seen == NULL)
		return 1;
	for (int i = 0; i < SEEN_PROBES; i++) {
		uint32_t b = seen_bit(key, i);

		if (!(s->seen[b / 8] & (1u << (b % 8))))
			return 0;
	}
	return 1;
}

/* A new filter of the store's keys (no commit runs meanwhile: called
 * with the store just opened, before the sequencer runs or from it, or
 * with store_rw held for writing); without one every submission is
 * looked up. */
static void
seen_load(struct logd_seq *s)
{
	uint8_t *seen = calloc(SEEN_BITS / 8, 1), *old;

	if (seen != NULL && vouch_logstore_each_key(s->store, seen_add, seen, NULL) != VOUCH_OK) {
		free(seen);
		seen = NULL;
	}
	pthread_mutex_lock(&s->mu);
	old = s->seen;
	s->seen = seen;
	pthread_mutex_unlock(&s->mu);
	free(old);
}

void
logd_item_release(struct logd_item *it)
{
	if (it == NULL || atomic_fetch_sub(&it->refs, 1) > 1)
		return;
	free(it->data);
	free(it->note);
	free(it);
}

int
logd_item_result(const struct logd_item *it, struct logd_result *r)
{
	if (it->state != ST_DONE)
		return VOUCH_EIO;
	r->index = it->index;
	r->size = it->size;
	memcpy(r->leaf, it->leaf, VOUCH_HASH_LEN);
	r->note = it->note;
	r->note_len = it->note_len;
	r->proof = it->have_proof ? (const vouch_hash *)it->proof : NULL;
	r->nproof = it->nproof;
	return VOUCH_OK;
}

/* ---- the hand-off to the witnesses ---- */

/* Hold w until a cosigned checkpoint of need leaves (0: under hmu). */
static int
handoff_push(struct logd_seq *s, struct logd_wait *w, uint64_t need)
{
	int held = 0;

	w->need = need;
	w->deadline = now_ms() + s->o->witness_wait_ms;
	w->next = NULL;
	pthread_mutex_lock(&s->hmu);
	if (!s->hstop && s->hand_started) {
		if (s->htail != NULL)
			s->htail->next = w;
		else
			s->hhead = w;
		s->htail = w;
		pthread_cond_signal(&s->hcv);
		held = 1;
	}
	pthread_mutex_unlock(&s->hmu);
	return held;
}

/* The hand-off thread: answers held waiters, oldest first, once their
 * entry is cosigned or their time is up (a slow witness delays the
 * answers by witness_wait_ms at most, never the sequencing). */
static void *
handoff(void *arg)
{
	struct logd_seq *s = arg;
	vouch_buf scratch;

	vouch_buf_init(&scratch, 0);
	pthread_mutex_lock(&s->hmu);
	for (;;) {
		struct logd_wait *ready = NULL, **tail = &ready, *w;
		uint64_t need, deadline, now, pub;

		while (s->hhead == NULL && !s->hstop)
			pthread_cond_wait(&s->hcv, &s->hmu);
		if (s->hhead == NULL)
			break;
		need = s->hhead->need;
		deadline = s->hhead->deadline;
		pthread_mutex_unlock(&s->hmu);
		now = now_ms();
		vouch_buf_reset(&scratch);
		pub = vouch_logwit_wait(s->lw, need, deadline > now ? deadline - now : 0, &scratch);
		pthread_mutex_lock(&s->hmu);
		now = now_ms();
		while ((w = s->hhead) != NULL &&
		       (w->need <= pub || w->deadline <= now || s->hstop)) {
			s->hhead = w->next;
			if (s->hhead == NULL)
				s->htail = NULL;
			w->next = NULL;
			*tail = w;
			tail = &w->next;
		}
		pthread_mutex_unlock(&s->hmu);
		while ((w = ready) != NULL) {
			ready = w->next;
			w->done(w->arg); /* w may be gone after this */
		}
		pthread_mutex_lock(&s->hmu);
	}
	pthread_mutex_unlock(&s->hmu);
	vouch_buf_free(&scratch);
	return NULL;
}

int
logd_seq_await_cosigned(struct logd_seq *s, uint64_t size, struct logd_wait *w)
{
	vouch_buf b;
	uint64_t pub;

	if (s->lw == NULL)
		return 0;
	vouch_buf_init(&b, 0);
	pub = vouch_logwit_latest(s->lw, &b);
	vouch_buf_free(&b);
	return pub < size && handoff_push(s, w, size);
}

/* The item's fate is known: answer w now, or through the hand-off. */
static void
answer(struct logd_seq *s, struct logd_item *it, struct logd_wait *w)
{
	if (it->state == ST_DONE && s->lw != NULL && handoff_push(s, w, it->index + 1))
		return;
	w->done(w->arg);
}

static int
witnesses_start(struct logd_seq *s, vouch_err *err)
{
	struct vouch_logwit_opts wo;
	int rc, e;

	if (s->o->nwitnesses == 0)
		return VOUCH_OK;
	if ((rc = vouch_note_verifier_from_key(s->o->key, s->o->origin, &s->logver, err)) !=
	    VOUCH_OK)
		return rc;
	memset(&wo, 0, sizeof wo);
	wo.dir = s->o->dir;
	wo.logver = s->logver;
	wo.urls = s->o->witness_urls;
	wo.ws = s->o->witnesses;
	wo.n = s->o->nwitnesses;
	wo.quorum = s->o->quorum;
	wo.timeout_s = (long)s->o->witness_timeout_s;
	wo.log = s->o->log;
	wo.log_arg = s->o->log_arg;
	if ((rc = vouch_logwit_new(&wo, &s->lw, err)) != VOUCH_OK)
		return rc;
	pthread_mutex_lock(&s->snap_mu);
	vouch_logwit_submit(s->lw, s->note, s->note_len, s->size);
	pthread_mutex_unlock(&s->snap_mu);
	if ((e = pthread_create(&s->hand, NULL, handoff, s)) != 0) {
		errno = e;
		return vouch_err_sys(err, VOUCH_EIO, "cannot start the witness hand-off");
	}
	s->hand_started = 1;
	return VOUCH_OK;
}

/* ---- the sequencer ---- */

/* The inclusion proofs of a committed batch, sharing one tile cache (its
 * entries are neighbours, so their proofs share most nodes).  An item
 * whose proof fails here gets it computed by its handler. */
static void
batch_proofs(struct logd_seq *s, struct logd_item *batch, uint64_t first, uint64_t size)
{
	vouch_tilehashes *th = NULL;
	struct logd_item *it;
	uint64_t i;

	if (vouch_tilehashes_new(size, vouch_logstore_tile_read, s->reader, &th, NULL) !=
	    VOUCH_OK)
		return;
	for (i = first, it = batch; it != NULL; it = it->next, i++)
		it->have_proof = vouch_merkle_prove_inclusion(vouch_tilehashes_read, th, i, size,
		                                              it->proof, &it->nproof, NULL) ==
		                 VOUCH_OK;
	vouch_tilehashes_free(th);
}

/* After a failed commit or index write: reopen the store (its checks and
 * index catch-up run again), or mark it broken. */
static void
store_reopen(struct logd_seq *s)
{
	vouch_err err;

	vouch_err_clear(&err);
	pthread_rwlock_wrlock(&s->store_rw);
	if (s->store != NULL) {
		vouch_logstore_free(s->store);
		s->store = NULL;
		if (store_open(s, 0, &err) != VOUCH_OK) {
			seq_log(s, "cannot reopen the log: %s", vouch_err_msg(&err));
			s->broken = 1;
		}
	}
	pthread_rwlock_unlock(&s->store_rw);
}

/* The index rows of the items from it on, as their submitters' threads
 * found them. */
static void
fill_meta(vouch_logstore_meta *meta, const struct logd_item *it, size_t n)
{
	for (size_t i = 0; it != NULL && i < n; it = it->next, i++) {
		memcpy(meta[i].key, it->key, VOUCH_HASH_LEN);
		meta[i].subjects = it->subjects;
		meta[i].nsubjects = it->nsubjects;
	}
}

/* Append the batch to the store and sign; on failure reopen the store
 * (or mark it broken).  After an I/O failure, a store that reopens at the
 * size it had before the attempt (the commit did not happen: a database
 * restart, a dropped connection) gets the batch once more, so that its
 * submitters are not refused for a fault the store has recovered from.
 * The index of the first entry in *first. */
static int
append_batch(struct logd_seq *s, struct logd_item *batch, size_t n, uint64_t *first)
{
	const uint8_t **e = calloc(n, sizeof *e);
	size_t *lens = calloc(n, sizeof *lens), i;
	vouch_logstore_meta *meta = calloc(n, sizeof *meta);
	struct logd_item *it;
	vouch_err err;
	uint64_t before;
	int rc, attempt, again;

	if (e == NULL || lens == NULL || meta == NULL) {
		free(e);
		free(lens);
		free(meta);
		return VOUCH_ENOMEM;
	}
	for (i = 0, it = batch; it != NULL; it = it->next, i++) {
		e[i] = it->data;
		lens[i] = it->len;
	}
	fill_meta(meta, batch, n);
	for (attempt = 0;; attempt++) {
		vouch_err_clear(&err);
		store_revive(s);
		pthread_rwlock_rdlock(&s->store_rw);
		before = s->size;
		if (s->broken)
			rc = vouch_err_set(&err, VOUCH_EIO, "the log store is broken");
		else if ((rc = vouch_logstore_append_meta(
		              s->store, e, lens, meta, n,
		              s->index_later ? VOUCH_LOGSTORE_INDEX_LATER : 0, first, &err)) ==
		         VOUCH_OK)
			rc = store_snapshot(s, &err);
		pthread_rwlock_unlock(&s->store_rw);
		if (rc == VOUCH_OK || s->broken)
			break;
		seq_log(s, "commit failed: %s", vouch_err_msg(&err));
		/* an I/O failure may be retried; a writer deposed by another
		 * (VOUCH_EEXIST: the fencing token moved on) commits nothing */
		again = attempt == 0 && err.code == VOUCH_EIO;
		store_reopen(s);
		rc = VOUCH_EIO;
		pthread_rwlock_rdlock(&s->store_rw);
		again = again && !s->broken && s->store != NULL && s->size == before;
		pthread_rwlock_unlock(&s->store_rw);
		if (!again)
			break;
		seq_log(s, "the log reopened at size %llu: committing the batch of %zu again",
		        (unsigned long long)before, n);
	}
	free(e);
	free(lens);
	free(meta);
	return rc;
}

/* The batch's items leave s->pending and the sequencer lets go of them
 * (with s->mu held; the submitters release theirs). */
static void
batch_release(struct logd_seq *s, struct logd_item *batch)
{
	struct logd_item *it, *next;

	for (it = batch; it != NULL; it = next) {
		next = it->next;
		pending_remove(s, it);
		it->next = NULL;
		logd_item_release(it);
	}
	s->commits++; /* what s->pending held may now be in the index */
}

/* Hand a committed batch to the index thread (with s->mu held): 1, or 0
 * when there is none (the rows are already in). */
static int
index_push(struct logd_seq *s, struct logd_item *batch, size_t n, uint64_t first)
{
	struct ibatch *ib;

	if (!s->index_later || !s->indexer_started || (ib = calloc(1, sizeof *ib)) == NULL)
		return 0;
	ib->items = batch;
	ib->n = n;
	ib->first = first;
	if (s->itail != NULL)
		s->itail->next = ib;
	else
		s->ihead = ib;
	s->itail = ib;
	pthread_cond_signal(&s->icv);
	return 1;
}

/* Write the rows of the batches from ib to last (consecutive) in one
 * transaction; on failure reopen the store, whose catch-up writes them
 * (or mark it broken). */
static void
index_write(struct logd_seq *s, const struct ibatch *ib, const struct ibatch *last,
            size_t n)
{
	vouch_logstore_meta *meta = calloc(n, sizeof *meta);
	const struct ibatch *b;
	vouch_err err;
	size_t at = 0;
	int rc;

	vouch_err_clear(&err);
	pthread_rwlock_rdlock(&s->store_rw);
	if (s->store == NULL) {
		rc = VOUCH_OK; /* broken: the reopen's catch-up will write them */
	} else if (meta == NULL) {
		rc = vouch_err_set(&err, VOUCH_ENOMEM, "out of memory");
	} else {
		for (b = ib;; b = b->next) {
			fill_meta(meta + at, b->items, b->n);
			at += b->n;
			if (b == last)
				break;
		}
		rc = vouch_logstore_index(s->store, ib->first, meta, n, &err);
	}
	pthread_rwlock_unlock(&s->store_rw);
	free(meta);
	if (rc == VOUCH_OK)
		return;
	seq_log(s, "index failed: %s", vouch_err_msg(&err));
	store_reopen(s);
}

/* The index thread: committed batches' rows, oldest first, all those
 * queued in one transaction (fewer, larger commits as the log gets
 * busier: each writes the index pages it dirtied once). */
static void *
index_thread(void *arg)
{
	struct logd_seq *s = arg;
	struct ibatch *ib, *last;
	size_t n;

	pthread_mutex_lock(&s->mu);
	for (;;) {
		while (s->ihead == NULL && !s->istop)
			pthread_cond_wait(&s->icv, &s->mu);
		if ((ib = s->ihead) == NULL)
			break;
		for (last = ib, n = ib->n; last->next != NULL &&
		                           last->next->first == last->first + last->n &&
		                           n + last->next->n <= VOUCH_LOGSTORE_BATCH_MAX;
		     last = last->next)
			n += last->next->n;
		pthread_mutex_unlock(&s->mu);
		index_write(s, ib, last, n); /* still queued: lookups see the items */
		pthread_mutex_lock(&s->mu);
		for (int done = 0; !done;) {
			ib = s->ihead;
			done = ib == last;
			s->ihead = ib->next;
			batch_release(s, ib->items);
			free(ib);
		}
		if (s->ihead == NULL)
			s->itail = NULL;
	}
	pthread_mutex_unlock(&s->mu);
	return NULL;
}

/* Commit the batch (called without s->mu), mark each item and answer its
 * waiters.  1 when the batch went to the index thread, which releases it;
 * 0 when the caller does. */
static int
commit_batch(struct logd_seq *s, struct logd_item *batch, size_t n)
{
	int handed;
	struct logd_wait *ws = NULL, *w;
	struct logd_item *it;
	uint64_t first = 0;
	size_t i;
	int rc = append_batch(s, batch, n, &first);

	if (rc == VOUCH_OK)
		batch_proofs(s, batch, first, first + n);
	pthread_mutex_lock(&s->snap_mu);
	for (it = batch; it != NULL; it = it->next) {
		free(it->data); /* in the log (or refused): not needed while indexed */
		it->data = NULL;
		if (rc == VOUCH_OK && (it->note = malloc(s->note_len + 1)) != NULL) {
			memcpy(it->note, s->note, s->note_len + 1);
			it->note_len = s->note_len;
		}
	}
	if (rc == VOUCH_OK && s->lw != NULL)
		vouch_logwit_submit(s->lw, s->note, s->note_len, s->size); /* issue 17 */
	pthread_mutex_unlock(&s->snap_mu);
	pthread_mutex_lock(&s->mu);
	for (i = 0, it = batch; it != NULL; it = it->next, i++) {
		it->state = it->note != NULL ? ST_DONE : ST_FAILED;
		it->index = first + i;
		it->size = first + n;
		/* before the item leaves s->pending: a key is always in one */
		if (rc == VOUCH_OK && s->seen != NULL)
			seen_add(s->seen, it->key);
		/* the state is final: submitters joining now are answered at
		 * once, so the waiter lists no longer change */
		while ((w = it->waiters) != NULL) {
			it->waiters = w->next;
			w->next = ws;
			ws = w;
		}
	}
	/* lookups see the batch from now on, before any answer leaves; the
	 * index thread may let go of the items at once (each waiter holds its
	 * own reference, w->item) */
	handed = rc == VOUCH_OK && index_push(s, batch, n, first);
	pthread_mutex_unlock(&s->mu);
	while ((w = ws) != NULL) {
		ws = w->next;
		answer(s, w->item, w); /* w may be gone after this */
	}
	return handed;
}

/* Wait (with s->mu held) while the batch keeps filling: stop at max_batch,
 * when nothing new arrived for 1 ms, or max_wait after the oldest entry. */
static void
linger(struct logd_seq *s, uint64_t oldest)
{
	while (s->nqueued < s->o->max_batch && !s->stopping) {
		size_t before = s->nqueued;
		uint64_t now = now_ms();
		struct timespec ts;

		if (now >= oldest + s->o->max_wait_ms)
			break;
		clock_gettime(CLOCK_REALTIME, &ts);
		ts.tv_nsec += 1000000;
		if (ts.tv_nsec >= 1000000000) {
			ts.tv_sec++;
			ts.tv_nsec -= 1000000000;
		}
		/* not woken per arrival: only when the batch is full */
		pthread_cond_timedwait(&s->work, &s->mu, &ts);
		if (s->nqueued == before)
			break;
	}
}

static void *
sequencer(void *arg)
{
	struct logd_seq *s = arg;

	pthread_mutex_lock(&s->mu);
	for (;;) {
		struct logd_item *batch, *it;
		size_t n = 0;
		int handed;

		s->seq_idle = 1;
		while (s->head == NULL && !s->stopping)
			pthread_cond_wait(&s->work, &s->mu);
		s->seq_idle = 0;
		if (s->head == NULL)
			break;
		linger(s, s->head->queued_at);
		batch = s->head;
		for (it = batch; n < s->o->max_batch && it != NULL; it = it->next) {
			it->state = ST_BATCH;
			n++;
			if (n == s->o->max_batch || it->next == NULL) {
				s->head = it->next;
				it->next = NULL;
				break;
			}
		}
		if (s->head == NULL)
			s->tail = NULL;
		s->nqueued -= n;
		pthread_mutex_unlock(&s->mu);
		handed = commit_batch(s, batch, n);
		pthread_mutex_lock(&s->mu);
		if (!handed)
			batch_release(s, batch);
	}
	pthread_mutex_unlock(&s->mu);
	return NULL;
}

/* ---- submissions ---- */

/* The leaf hash of committed entry index, from its level-0 tile. */
static int
stored_leaf(struct logd_seq *s, uint64_t index, uint64_t size, vouch_hash leaf, vouch_err *err)
{
	uint8_t *tile = malloc((size_t)VOUCH_TILE_WIDTH * VOUCH_HASH_LEN);
	uint64_t n = index / VOUCH_TILE_WIDTH;
	int rc;

	if (tile == NULL)
		return vouch_err_set(err, VOUCH_ENOMEM, "out of memory");
	rc = vouch_logstore_tile_read(s->reader, 0, n, vouch_tile_width(0, n, size), tile,
	                              err);
	if (rc == VOUCH_OK)
		memcpy(leaf, tile + (index % VOUCH_TILE_WIDTH) * VOUCH_HASH_LEN, VOUCH_HASH_LEN);
	free(tile);
	return rc;
}

/* Already committed (the same envelope, however spelled)?  VOUCH_OK with
 * r filled (its note in note_buf), VOUCH_ENEGATIVE if not. */
static int
existing(struct logd_seq *s, const vouch_hash key, struct logd_result *r, vouch_buf *note_buf,
         vouch_err *err)
{
	int rc;

	memset(r, 0, sizeof *r);
	store_revive(s);
	pthread_rwlock_rdlock(&s->store_rw);
	rc = s->store != NULL ? vouch_logstore_find_leaf(s->store, key, &r->index, err)
	                      : vouch_err_set(err, VOUCH_EIO, "the log store is closed");
	pthread_rwlock_unlock(&s->store_rw);
	if (rc != VOUCH_OK)
		return rc;
	vouch_buf_reset(note_buf);
	if ((rc = logd_seq_checkpoint(s, note_buf, &r->size, err)) != VOUCH_OK ||
	    (rc = stored_leaf(s, r->index, r->size, r->leaf, err)) != VOUCH_OK)
		return rc;
	r->note = vouch_buf_cstr(note_buf);
	r->note_len = note_buf->len;
	return VOUCH_OK;
}

/* A new item for data (taken over), queued (with s->mu held). */
static int
queue_new(struct logd_seq *s, uint8_t **data, size_t len, const struct logd_entry *en,
          struct logd_item **out, vouch_err *err)
{
	struct logd_item *it;

	if (s->nqueued >= s->o->max_pending || s->stopping) {
		vouch_err_set(err, VOUCH_ELIMIT, "the queue is full, retry later");
		return LOGD_FULL;
	}
	if ((it = calloc(1, sizeof *it + en->nsubjects * 32)) == NULL)
		return vouch_err_set(err, VOUCH_ENOMEM, "out of memory");
	it->data = *data;
	*data = NULL;
	it->len = len;
	memcpy(it->leaf, en->leaf, VOUCH_HASH_LEN);
	memcpy(it->key, en->key, VOUCH_HASH_LEN);
	if (en->nsubjects > 0)
		memcpy(it->subjects, en->subjects, en->nsubjects * 32);
	it->nsubjects = en->nsubjects;
	atomic_init(&it->refs, 1); /* the sequencer's */
	it->queued_at = now_ms();
	if (s->tail != NULL)
		s->tail->next = it;
	else
		s->head = it;
	s->tail = it;
	it->hnext = s->pending[pending_bucket(it->key)];
	s->pending[pending_bucket(it->key)] = it;
	s->nqueued++;
	if (s->seq_idle || s->nqueued >= s->o->max_batch)
		pthread_cond_signal(&s->work);
	*out = it;
	return VOUCH_OK;
}

int
logd_seq_submit(struct logd_seq *s, uint8_t **data, size_t len, const struct logd_entry *en,
                struct logd_wait *w, struct logd_result *stored, vouch_buf *note_buf,
                vouch_err *err)
{
	const uint8_t *key = en->key;
	struct logd_item *it;
	uint64_t gen;
	int rc;

	pthread_mutex_lock(&s->mu);
	for (;;) {
		gen = s->commits;
		if ((it = find_pending(s, key)) != NULL)
			break;
		if (!seen_maybe(s, key)) { /* neither queued nor in the log: new */
			if ((rc = queue_new(s, data, len, en, &it, err)) != VOUCH_OK) {
				pthread_mutex_unlock(&s->mu);
				return rc;
			}
			break;
		}
		pthread_mutex_unlock(&s->mu);
		rc = existing(s, key, stored, note_buf, err);
		if (rc == VOUCH_OK)
			return LOGD_STORED;
		if (rc != VOUCH_ENEGATIVE)
			return rc;
		vouch_err_clear(err);
		pthread_mutex_lock(&s->mu);
		if (s->commits == gen) { /* nothing was committed meanwhile: it is new */
			if ((rc = queue_new(s, data, len, en, &it, err)) != VOUCH_OK) {
				pthread_mutex_unlock(&s->mu);
				return rc;
			}
			break;
		}
	}
	atomic_fetch_add(&it->refs, 1);
	w->item = it;
	if (it->state != ST_DONE && it->state != ST_FAILED) {
		w->next = it->waiters;
		it->waiters = w;
		pthread_mutex_unlock(&s->mu);
	} else {
		pthread_mutex_unlock(&s->mu);
		answer(s, it, w);
	}
	return LOGD_QUEUED;
}

/* ---- life cycle ---- */

int
logd_seq_new(const vouch_logd_opts *o, struct logd_seq **out, vouch_err *err)
{
	struct logd_seq *s;
	int rc, e;

	*out = NULL;
	if ((s = calloc(1, sizeof *s)) == NULL)
		return vouch_err_set(err, VOUCH_ENOMEM, "out of memory");
	s->o = o;
	vouch_buf_init(&s->spec_storage, 0);
	pthread_mutex_init(&s->mu, NULL);
	pthread_rwlock_init(&s->store_rw, NULL);
	pthread_mutex_init(&s->snap_mu, NULL);
	pthread_cond_init(&s->work, NULL);
	pthread_cond_init(&s->icv, NULL);
	pthread_mutex_init(&s->hmu, NULL);
	pthread_cond_init(&s->hcv, NULL);
	s->locks_ready = 1;
	/* issue 20: on shared storage, wait as a standby for the writer's lease */
	if ((rc = spec_init(s, err)) != VOUCH_OK ||
	    (rc = vouch_logstore_open_reader(&s->spec, &s->reader, err)) != VOUCH_OK ||
	    (rc = store_open(s, (o->reindex ? VOUCH_LOGSTORE_REINDEX : 0) |
	                            (o->spec != NULL ? VOUCH_LOGSTORE_WAIT : 0),
	                     err)) != VOUCH_OK ||
	    (rc = witnesses_start(s, err)) != VOUCH_OK)
		goto fail;
	if ((e = pthread_create(&s->indexer, NULL, index_thread, s)) != 0) {
		errno = e;
		rc = vouch_err_sys(err, VOUCH_EIO, "cannot start the index thread");
		goto fail;
	}
	s->indexer_started = 1;
	if ((e = pthread_create(&s->seq, NULL, sequencer, s)) != 0) {
		errno = e;
		rc = vouch_err_sys(err, VOUCH_EIO, "cannot start the sequencer");
		goto fail;
	}
	s->seq_started = 1;
	*out = s;
	return VOUCH_OK;
fail:
	logd_seq_free(s);
	return rc;
}

void
logd_seq_stop(struct logd_seq *s)
{
	if (s == NULL)
		return;
	if (s->seq_started) {
		pthread_mutex_lock(&s->mu);
		s->stopping = 1;
		pthread_cond_broadcast(&s->work);
		pthread_mutex_unlock(&s->mu);
		pthread_join(s->seq, NULL);
		s->seq_started = 0;
	}
	if (s->indexer_started) { /* after the sequencer: the last rows go in */
		pthread_mutex_lock(&s->mu);
		s->istop = 1;
		pthread_cond_broadcast(&s->icv);
		pthread_mutex_unlock(&s->mu);
		pthread_join(s->indexer, NULL);
		s->indexer_started = 0;
	}
	if (s->hand_started) {
		pthread_mutex_lock(&s->hmu);
		s->hstop = 1;
		pthread_cond_broadcast(&s->hcv);
		pthread_mutex_unlock(&s->hmu);
		pthread_join(s->hand, NULL);
		s->hand_started = 0;
	}
}

vouch_logwit *
logd_seq_witnesses(struct logd_seq *s)
{
	return s->lw;
}

void
logd_seq_free(struct logd_seq *s)
{
	if (s == NULL)
		return;
	logd_seq_stop(s);
	vouch_logwit_free(s->lw); /* issue 17 */
	vouch_note_verifier_free(s->logver);
	vouch_logstore_free(s->store);
	vouch_logstore_free(s->reader);
	vouch_buf_free(&s->spec_storage);
	free(s->note);
	free(s->seen);
	if (s->locks_ready) {
		pthread_cond_destroy(&s->hcv);
		pthread_mutex_destroy(&s->hmu);
		pthread_cond_destroy(&s->work);
		pthread_cond_destroy(&s->icv);
		pthread_mutex_destroy(&s->snap_mu);
		pthread_rwlock_destroy(&s->store_rw);
		pthread_mutex_destroy(&s->mu);
	}
	free(s);
}
