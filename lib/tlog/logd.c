/* logd.c - the vouch transparency-log server (see vouch/logd.h).
 *
 * Read side: /checkpoint and /tile/... straight from the log directory (the
 * same files nginx can serve).  Write side: POST /add takes one DSSE
 * envelope; a sequencer thread commits queued entries in batches (group
 * commit: the next batch starts as soon as the previous one is durable) and
 * every submitter gets its index, inclusion proof and checkpoint only once
 * the entry is durable and covered by a signed checkpoint.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pthread.h>
#include <semaphore.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <netinet/in.h>

#include <microhttpd.h>

#include "vouch/checkpoint.h"
#include "vouch/codec.h"
#include "vouch/file.h"
#include "vouch/json.h"
#include "vouch/key.h"
#include "vouch/logd.h"
#include "vouch/logentry.h"
#include "vouch/logstore.h"
#include "vouch/merkle.h"
#include "vouch/tile.h"
#include "logd_guard.h"
#include "vouch/tlogproof.h"
#include "httpd_int.h" /* shared with vouch-witness (issue 17) */
#include "logwitness_int.h" /* issue 17: witnesses */

#define now_ms vouch_httpd_now_ms
#define reply vouch_httpd_reply
#define reply_error vouch_httpd_reply_error
#define parse_listen vouch_httpd_parse_listen

#define LOOKUP_MAX 1000

/* One queued submission.  Freed when its last waiter lets go.
 *
 * Wake-ups (issue 18): each waiter sleeps on its item's semaphore, posted
 * once per waiter when the item's batch is committed, so a commit wakes
 * exactly the handlers it answers and they need no shared lock to go on;
 * the sequencer is signalled only when it sleeps idle or a batch is full;
 * pending items are found by leaf hash in a table, not by walking the
 * queue under the lock. */
struct item {
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
	unsigned waiters;     /* handlers asleep on sem (under d->mu) */
	sem_t sem;
	struct item *hnext;   /* chain in d->pending */
	uint64_t queued_at;   /* now_ms() */
	int have_proof;       /* proof computed by the sequencer */
	size_t nproof;
	vouch_hash proof[VOUCH_PROOF_MAX];
	struct item *next;
};

enum { ST_QUEUED, ST_BATCH, ST_DONE, ST_FAILED };

#define PENDING_BUCKETS 65536u /* power of two; chains stay short */

struct vouch_logd {
	vouch_logd_opts o;         /* strings and key borrowed */
	struct sockaddr_in sa;     /* o.listen */
	int stop_pipe[2];          /* vouch_logd_stop writes, vouch_logd_run reads */
	int seq_started;
	/* state */
	vouch_key *submitters[VOUCH_LOGD_SUBMITTERS_MAX];
	size_t nsubmitters;
	vouch_logstore *store;
	vouch_logstore *reader;    /* issue 20: the objects, for the read side */
	vouch_logstore_spec spec;  /* o.spec, or posix:o.dir */
	vouch_buf spec_storage;
	pthread_rwlock_t store_rw; /* read: using d->store; write: replacing it */
	pthread_mutex_t snap_mu;   /* note, note_len, size */
	char *note;                /* current checkpoint note */
	size_t note_len;
	uint64_t size;             /* current tree size */
	int broken;                /* the store failed and could not be reopened */
	pthread_mutex_t mu;        /* the queue */
	pthread_cond_t work, done;
	struct item *head, *tail;  /* queued, oldest first */
	struct item *inflight;     /* the batch being committed */
	struct item *pending[PENDING_BUCKETS]; /* queued and in flight, by leaf */
	int seq_idle;              /* the sequencer waits for work */
	size_t nqueued;
	uint64_t commits;
	int stopping;
	int locks_ready;           /* the mutexes and conds above were set up */
	pthread_t seq;
	struct MHD_Daemon *mhd;
	struct logd_guard *guard;  /* request deadlines, eviction */
	vouch_logwit *lw;          /* witnesses (issue 17); NULL without */
	vouch_note_verifier *logver;
};

/* Hand one message to the caller's log callback, if any. */
static void logd_log(struct vouch_logd *d, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static void
logd_log(struct vouch_logd *d, const char *fmt, ...)
{
	char msg[VOUCH_ERR_MSG_MAX + 64];
	va_list ap;

	if (d->o.log == NULL)
		return;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap); /* a long message is cut short */
	va_end(ap);
	d->o.log(d->o.log_arg, msg);
}

/* ---- the store and the sequencer ---- */

static int
store_snapshot(struct vouch_logd *d, vouch_err *err)
{
	const char *n;
	size_t len;
	char *copy;

	n = vouch_logstore_checkpoint_note(d->store, &len);
	if ((copy = malloc(len + 1)) == NULL)
		return vouch_err_sys(err, VOUCH_ENOMEM, "checkpoint");
	memcpy(copy, n, len);
	copy[len] = '\0';
	pthread_mutex_lock(&d->snap_mu);
	free(d->note);
	d->note = copy;
	d->note_len = len;
	d->size = vouch_logstore_checkpoint(d->store)->size;
	pthread_mutex_unlock(&d->snap_mu);
	return VOUCH_OK;
}

static int
store_open(struct vouch_logd *d, unsigned flags, vouch_err *err)
{
	int rc = vouch_logstore_open_spec(&d->spec, d->o.origin, d->o.key, flags,
	                                  vouch_logentry_indexer, NULL, vouch_logentry_keyer,
	                                  NULL, &d->store, err);

	return rc == VOUCH_OK ? store_snapshot(d, err) : rc;
}

/* issue 20: the storage of the log: opts.spec, or the directory */
static int
spec_init(struct vouch_logd *d, vouch_err *err)
{
	int rc;

	vouch_buf_init(&d->spec_storage, 0);
	if (d->o.spec != NULL) {
		d->spec = *d->o.spec;
		return VOUCH_OK;
	}
	memset(&d->spec, 0, sizeof d->spec);
	if ((rc = vouch_buf_append_str(&d->spec_storage, "posix:", err)) != VOUCH_OK ||
	    (rc = vouch_buf_append_str(&d->spec_storage, d->o.dir, err)) != VOUCH_OK)
		return rc;
	d->spec.storage = vouch_buf_cstr(&d->spec_storage);
	return VOUCH_OK;
}

static size_t
pending_bucket(const vouch_hash key)
{
	uint32_t v;

	memcpy(&v, key, sizeof v); /* a SHA-256: any four bytes spread well */
	return v & (PENDING_BUCKETS - 1);
}

static void
pending_remove(struct vouch_logd *d, struct item *it)
{
	struct item **p = &d->pending[pending_bucket(it->key)];

	while (*p != NULL && *p != it)
		p = &(*p)->hnext;
	if (*p == it)
		*p = it->hnext;
	it->hnext = NULL;
}

static void
item_release(struct item *it)
{
	if (atomic_fetch_sub(&it->refs, 1) > 1)
		return;
	sem_destroy(&it->sem);
	free(it->data);
	free(it->note);
	free(it);
}

/* ---- witnesses (issue 17; the logic is in tlog/logwitness.c) ---- */

static int
witnesses_start(struct vouch_logd *d, vouch_err *err)
{
	struct vouch_logwit_opts wo;
	int rc;

	if (d->o.nwitnesses == 0)
		return VOUCH_OK;
	if ((rc = vouch_note_verifier_from_key(d->o.key, d->o.origin, &d->logver, err)) != VOUCH_OK)
		return rc;
	memset(&wo, 0, sizeof wo);
	wo.dir = d->o.dir;
	wo.logver = d->logver;
	wo.urls = d->o.witness_urls;
	wo.ws = d->o.witnesses;
	wo.n = d->o.nwitnesses;
	wo.quorum = d->o.quorum;
	wo.timeout_s = (long)d->o.witness_timeout_s;
	wo.log = d->o.log;
	wo.log_arg = d->o.log_arg;
	if ((rc = vouch_logwit_new(&wo, &d->lw, err)) != VOUCH_OK)
		return rc;
	pthread_mutex_lock(&d->snap_mu);
	vouch_logwit_submit(d->lw, d->note, d->note_len, d->size);
	pthread_mutex_unlock(&d->snap_mu);
	return VOUCH_OK;
}

/* ---- end witnesses ---- */

/* The inclusion proofs of a committed batch, sharing one tile cache (its
 * entries are neighbours, so their proofs share most nodes).  An item
 * whose proof fails here gets it computed by its handler. */
static void
batch_proofs(struct vouch_logd *d, struct item *batch, uint64_t first, uint64_t size)
{
	vouch_tilehashes *th = NULL;
	struct item *it;
	uint64_t i;

	if (vouch_tilehashes_new(size, vouch_logstore_tile_read, d->reader, &th, NULL) !=
	    VOUCH_OK)
		return;
	for (i = first, it = batch; it != NULL; it = it->next, i++)
		it->have_proof = vouch_merkle_prove_inclusion(vouch_tilehashes_read, th, i, size,
		                                              it->proof, &it->nproof, NULL) ==
		                 VOUCH_OK;
	vouch_tilehashes_free(th);
}

/* issue 20: storage that failed (S3, PostgreSQL) may be back: reopen */
static void
store_revive(struct vouch_logd *d)
{
	vouch_err err;

	if (!d->broken)
		return;
	vouch_err_clear(&err);
	pthread_rwlock_wrlock(&d->store_rw);
	if (d->broken && d->store == NULL && store_open(d, 0, &err) == VOUCH_OK)
		d->broken = 0;
	pthread_rwlock_unlock(&d->store_rw);
}

/* Commit the batch (called without d->mu).  Marks each item. */
static void
commit_batch(struct vouch_logd *d, struct item *batch, size_t n)
{
	const uint8_t **e = calloc(n, sizeof *e);
	size_t *lens = calloc(n, sizeof *lens), i;
	uint64_t first = 0;
	struct item *it;
	vouch_err err;
	int rc = VOUCH_ENOMEM;

	vouch_err_clear(&err);
	store_revive(d);
	pthread_rwlock_rdlock(&d->store_rw);
	if (e != NULL && lens != NULL && !d->broken) {
		for (i = 0, it = batch; it != NULL; it = it->next, i++) {
			e[i] = it->data;
			lens[i] = it->len;
		}
		rc = vouch_logstore_append(d->store, e, lens, n, &first, &err);
		if (rc == VOUCH_OK)
			rc = store_snapshot(d, &err);
	}
	pthread_rwlock_unlock(&d->store_rw);
	if (rc != VOUCH_OK && !d->broken) {
		logd_log(d, "commit failed: %s", vouch_err_msg(&err));
		pthread_rwlock_wrlock(&d->store_rw);
		vouch_logstore_free(d->store);
		d->store = NULL;
		vouch_err_clear(&err);
		if (store_open(d, 0, &err) != VOUCH_OK) {
			logd_log(d, "cannot reopen the log: %s", vouch_err_msg(&err));
			d->broken = 1;
		}
		pthread_rwlock_unlock(&d->store_rw);
		rc = VOUCH_EIO;
	}
	if (rc == VOUCH_OK)
		batch_proofs(d, batch, first, first + n);
	pthread_mutex_lock(&d->snap_mu);
	for (i = 0, it = batch; it != NULL; it = it->next, i++) {
		if (rc == VOUCH_OK && (it->note = malloc(d->note_len + 1)) != NULL) {
			memcpy(it->note, d->note, d->note_len + 1);
			it->note_len = d->note_len;
		}
	}
	if (rc == VOUCH_OK && d->lw != NULL)
		vouch_logwit_submit(d->lw, d->note, d->note_len, d->size); /* issue 17 */
	pthread_mutex_unlock(&d->snap_mu);
	pthread_mutex_lock(&d->mu);
	for (i = 0, it = batch; it != NULL; it = it->next, i++) {
		it->state = it->note != NULL ? ST_DONE : ST_FAILED;
		it->index = first + i;
		it->size = first + n;
	}
	d->commits++;
	pthread_mutex_unlock(&d->mu);
	/* the state is final: handlers coming now do not sleep, so waiters
	 * no longer changes; the sequencer's reference keeps each item */
	for (it = batch; it != NULL; it = it->next)
		for (unsigned k = 0; k < it->waiters; k++)
			sem_post(&it->sem);
	free(e);
	free(lens);
}

/* Wait (with d->mu held) while the batch keeps filling: stop at max_batch,
 * when nothing new arrived for 1 ms, or max_wait after the oldest entry. */
static void
linger(struct vouch_logd *d, uint64_t oldest)
{
	while (d->nqueued < d->o.max_batch && !d->stopping) {
		size_t before = d->nqueued;
		uint64_t now = now_ms();
		struct timespec ts;

		if (now >= oldest + d->o.max_wait_ms)
			break;
		clock_gettime(CLOCK_REALTIME, &ts);
		ts.tv_nsec += 1000000;
		if (ts.tv_nsec >= 1000000000) {
			ts.tv_sec++;
			ts.tv_nsec -= 1000000000;
		}
		/* not woken per arrival: only when the batch is full */
		pthread_cond_timedwait(&d->work, &d->mu, &ts);
		if (d->nqueued == before)
			break;
	}
}

static void *
sequencer(void *arg)
{
	struct vouch_logd *d = arg;

	pthread_mutex_lock(&d->mu);
	for (;;) {
		struct item *batch, *it;
		size_t n = 0;

		d->seq_idle = 1;
		while (d->head == NULL && !d->stopping)
			pthread_cond_wait(&d->work, &d->mu);
		d->seq_idle = 0;
		if (d->head == NULL)
			break;
		linger(d, d->head->queued_at);
		batch = d->head;
		for (it = batch; n < d->o.max_batch && it != NULL; it = it->next) {
			it->state = ST_BATCH;
			n++;
			if (n == d->o.max_batch || it->next == NULL) {
				d->head = it->next;
				it->next = NULL;
				break;
			}
		}
		if (d->head == NULL)
			d->tail = NULL;
		d->nqueued -= n;
		d->inflight = batch;
		pthread_mutex_unlock(&d->mu);
		commit_batch(d, batch, n);
		pthread_mutex_lock(&d->mu);
		d->inflight = NULL;
		/* the batch's items are released by their waiters */
		for (it = batch; it != NULL;) {
			struct item *next = it->next;

			pending_remove(d, it);
			it->next = NULL;
			item_release(it);
			it = next;
		}
	}
	pthread_mutex_unlock(&d->mu);
	return NULL;
}

/* The queued or in-flight item with this leaf hash (with d->mu held). */
static struct item *
find_pending(struct vouch_logd *d, const vouch_hash key)
{
	struct item *it;

	for (it = d->pending[pending_bucket(key)]; it != NULL; it = it->hnext)
		if (memcmp(it->key, key, VOUCH_HASH_LEN) == 0)
			return it;
	return NULL;
}

/* ---- HTTP helpers ---- */

#define req vouch_httpd_req

static enum MHD_Result
serve_checkpoint(struct vouch_logd *d, struct MHD_Connection *c)
{
	enum MHD_Result ret;

	if (d->lw != NULL) { /* issue 17: the newest cosigned by the quorum */
		vouch_buf b;

		vouch_buf_init(&b, 0);
		if (vouch_logwit_latest(d->lw, &b) == 0)
			ret = reply_error(c, MHD_HTTP_SERVICE_UNAVAILABLE,
			                  "no checkpoint is cosigned by the witnesses yet");
		else
			ret = reply(c, MHD_HTTP_OK, "text/plain; charset=utf-8", b.data, b.len,
			            "no-cache");
		vouch_buf_free(&b);
		return ret;
	}
	pthread_mutex_lock(&d->snap_mu);
	ret = reply(c, MHD_HTTP_OK, "text/plain; charset=utf-8", d->note, d->note_len,
	            "no-cache");
	pthread_mutex_unlock(&d->snap_mu);
	return ret;
}

/* issue 20: a tile or bundle from object storage */
static enum MHD_Result
serve_object(struct vouch_logd *d, struct MHD_Connection *c, const char *url)
{
	enum MHD_Result ret;
	vouch_buf b;
	int rc;

	vouch_buf_init(&b, 0);
	rc = vouch_logstore_get(d->reader, url, (size_t)VOUCH_TILE_WIDTH * (VOUCH_ENTRY_MAX + 2),
	                        &b, NULL);
	if (rc == VOUCH_OK)
		ret = reply(c, MHD_HTTP_OK, "application/octet-stream", b.data, b.len,
		            "public, max-age=31536000, immutable");
	else
		ret = reply_error(c, rc == VOUCH_ENEGATIVE ? MHD_HTTP_NOT_FOUND
		                                           : MHD_HTTP_SERVICE_UNAVAILABLE,
		                  "no such tile");
	vouch_buf_free(&b);
	return ret;
}

static enum MHD_Result
serve_tile(struct vouch_logd *d, struct MHD_Connection *c, const char *url)
{
	char path[PATH_MAX];
	struct MHD_Response *r;
	enum MHD_Result ret;
	struct stat st;
	uint64_t index, size;
	unsigned width;
	int level, fd, n;

	if (vouch_tile_path_parse(url, strlen(url), &level, &index, &width, NULL) != VOUCH_OK)
		return reply_error(c, MHD_HTTP_NOT_FOUND, "not a tile path");
	pthread_mutex_lock(&d->snap_mu);
	size = d->size;
	pthread_mutex_unlock(&d->snap_mu);
	/* only what the current checkpoint commits to */
	if (width > vouch_tile_width(level, index, size))
		return reply_error(c, MHD_HTTP_NOT_FOUND, "no such tile");
	if (d->o.dir == NULL)
		return serve_object(d, c, url);
	n = snprintf(path, sizeof path, "%s/%s", d->o.dir, url);
	if (n < 0 || (size_t)n >= sizeof path)
		return reply_error(c, MHD_HTTP_NOT_FOUND, "no such tile");
	fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0)
		return reply_error(c, MHD_HTTP_NOT_FOUND, "no such tile");
	if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
		close(fd);
		return reply_error(c, MHD_HTTP_NOT_FOUND, "no such tile");
	}
	r = MHD_create_response_from_fd((uint64_t)st.st_size, fd);
	if (r == NULL) {
		close(fd);
		return MHD_NO;
	}
	MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_TYPE, "application/octet-stream");
	MHD_add_response_header(r, MHD_HTTP_HEADER_CACHE_CONTROL,
	                        "public, max-age=31536000, immutable");
	ret = MHD_queue_response(c, MHD_HTTP_OK, r);
	MHD_destroy_response(r);
	return ret;
}

static enum MHD_Result
serve_lookup(struct vouch_logd *d, struct MHD_Connection *c, const char *hex)
{
	uint64_t hits[LOOKUP_MAX];
	uint8_t digest[32];
	size_t n = 0, i;
	vouch_buf out;
	vouch_err err;
	enum MHD_Result ret;
	int rc;

	if (!vouch_is_lower_hex(hex, strlen(hex), 32) ||
	    vouch_hex_decode(hex, 64, digest, sizeof digest, VOUCH_HEX_LOWER, NULL) != VOUCH_OK)
		return reply_error(c, MHD_HTTP_BAD_REQUEST,
		                   "a sha256 digest is 64 lowercase hex digits");
	vouch_err_clear(&err);
	pthread_rwlock_rdlock(&d->store_rw);
	rc = d->store != NULL ? vouch_logstore_lookup(d->store, digest, hits, LOOKUP_MAX, &n, &err)
	                      : VOUCH_EIO;
	pthread_rwlock_unlock(&d->store_rw);
	if (rc != VOUCH_OK)
		return reply_error(c, MHD_HTTP_INTERNAL_SERVER_ERROR, "lookup failed");
	vouch_buf_init(&out, 0);
	vouch_buf_append_str(&out, "{\"sha256\":\"", NULL);
	vouch_buf_append_str(&out, hex, NULL);
	vouch_buf_append_str(&out, "\",\"indices\":[", NULL);
	for (i = 0; i < n; i++)
		vouch_buf_appendf(&out, NULL, "%s%llu", i ? "," : "", (unsigned long long)hits[i]);
	vouch_buf_append_str(&out, "],\"note\":\"unauthenticated hint: fetch and verify each "
	                           "entry\"}\n", NULL);
	ret = reply(c, MHD_HTTP_OK, "application/json", out.data, out.len, "no-cache");
	vouch_buf_free(&out);
	return ret;
}

/* ---- POST /add ---- */

/* The answer to POST /add.  given (may be NULL) is a proof already
 * computed; otherwise it is computed from the tiles. */
static int
add_response_signed(struct vouch_logd *d, uint64_t index, uint64_t size, const vouch_hash leaf,
                    const char *note, size_t note_len, const vouch_hash *given, size_t ngiven,
                    vouch_buf *out, vouch_err *err)
{
	vouch_hash proof[VOUCH_PROOF_MAX];
	vouch_tilehashes *th = NULL;
	vouch_buf text;
	cJSON *j = NULL, *arr;
	char hex[2 * VOUCH_HASH_LEN + 1];
	size_t n = 0, i;
	int rc;

	vouch_buf_init(&text, 0);
	if (given != NULL) {
		memcpy(proof, given, ngiven * VOUCH_HASH_LEN);
		n = ngiven;
	} else if ((rc = vouch_tilehashes_new(size, vouch_logstore_tile_read, d->reader, &th,
	                                      err)) != VOUCH_OK ||
	           (rc = vouch_merkle_prove_inclusion(vouch_tilehashes_read, th, index, size,
	                                              proof, &n, err)) != VOUCH_OK) {
		goto out;
	}
	if ((rc = vouch_tlogproof_format(NULL, 0, index, (const vouch_hash *)proof, n, note,
	                                 note_len, &text, err)) != VOUCH_OK)
		goto out;
	rc = VOUCH_ENOMEM;
	if ((j = cJSON_CreateObject()) == NULL ||
	    cJSON_AddNumberToObject(j, "index", (double)index) == NULL ||
	    vouch_json_add_string(j, "leaf_hash", vouch_hex_encode(leaf, VOUCH_HASH_LEN, hex),
	                          err) == NULL ||
	    cJSON_AddNumberToObject(j, "tree_size", (double)size) == NULL ||
	    vouch_json_add_string(j, "checkpoint", note, err) == NULL ||
	    (arr = vouch_json_add_array(j, "inclusion_proof", err)) == NULL)
		goto out;
	for (i = 0; i < n; i++) {
		vouch_buf b64;
		cJSON *s;

		vouch_buf_init(&b64, 64);
		vouch_b64_append(&b64, proof[i], VOUCH_HASH_LEN, VOUCH_B64_STD, NULL);
		s = cJSON_CreateString(vouch_buf_cstr(&b64));
		vouch_buf_free(&b64);
		if (s == NULL || !cJSON_AddItemToArray(arr, s))
			goto out;
	}
	if (vouch_json_add_string(j, "tlog_proof", vouch_buf_cstr(&text), err) == NULL)
		goto out;
	if ((rc = vouch_json_append(out, j, err)) == VOUCH_OK)
		rc = vouch_buf_append_byte(out, '\n', err);
out:
	cJSON_Delete(j);
	vouch_tilehashes_free(th);
	vouch_buf_free(&text);
	return rc;
}

/* issue 17: with witnesses, the answer carries the newest checkpoint
 * cosigned by the quorum when one covering the entry comes within
 * witness_wait_ms (its proof then computed from the tiles). */
static int
add_response(struct vouch_logd *d, uint64_t index, uint64_t size, const vouch_hash leaf,
             const char *note, size_t note_len, const vouch_hash *given, size_t ngiven,
             vouch_buf *out, vouch_err *err)
{
	vouch_buf cn;
	uint64_t got;
	int rc;

	if (d->lw == NULL)
		return add_response_signed(d, index, size, leaf, note, note_len, given, ngiven, out,
		                           err);
	vouch_buf_init(&cn, 0);
	got = vouch_logwit_wait(d->lw, index + 1, d->o.witness_wait_ms, &cn);
	if (got > 0)
		rc = add_response_signed(d, index, got, leaf, vouch_buf_cstr(&cn), cn.len,
		                         got == size ? given : NULL, got == size ? ngiven : 0, out,
		                         err);
	else
		rc = add_response_signed(d, index, size, leaf, note, note_len, given, ngiven, out,
		                         err);
	vouch_buf_free(&cn);
	return rc;
}

/* The leaf hash of committed entry index, from its level-0 tile. */
static int
stored_leaf(struct vouch_logd *d, uint64_t index, uint64_t size, vouch_hash leaf,
            vouch_err *err)
{
	uint8_t *tile = malloc((size_t)VOUCH_TILE_WIDTH * VOUCH_HASH_LEN);
	uint64_t n = index / VOUCH_TILE_WIDTH;
	int rc;

	if (tile == NULL)
		return vouch_err_set(err, VOUCH_ENOMEM, "out of memory");
	rc = vouch_logstore_tile_read(d->reader, 0, n, vouch_tile_width(0, n, size), tile,
	                              err);
	if (rc == VOUCH_OK)
		memcpy(leaf, tile + (index % VOUCH_TILE_WIDTH) * VOUCH_HASH_LEN, VOUCH_HASH_LEN);
	free(tile);
	return rc;
}

/* Already committed (the same envelope, however spelled)?  VOUCH_OK with
 * the answer for the stored entry, VOUCH_ENEGATIVE if not. */
static int
existing(struct vouch_logd *d, const vouch_hash key, vouch_buf *out, vouch_err *err)
{
	uint64_t index = 0, size;
	vouch_hash leaf;
	char *note = NULL;
	size_t note_len;
	int rc;

	store_revive(d);
	pthread_rwlock_rdlock(&d->store_rw);
	rc = d->store != NULL ? vouch_logstore_find_leaf(d->store, key, &index, err) : VOUCH_EIO;
	pthread_rwlock_unlock(&d->store_rw);
	pthread_mutex_lock(&d->snap_mu);
	size = d->size;
	note_len = d->note_len;
	if (rc == VOUCH_OK && (note = strdup(d->note)) == NULL)
		rc = VOUCH_ENOMEM;
	pthread_mutex_unlock(&d->snap_mu);
	if (rc == VOUCH_OK)
		rc = stored_leaf(d, index, size, leaf, err);
	if (rc == VOUCH_OK)
		rc = add_response(d, index, size, leaf, note, note_len, NULL, 0, out, err);
	free(note);
	return rc;
}

/* Queue (or join) the entry and wait until it is committed. */
static unsigned
enqueue_and_wait(struct vouch_logd *d, const uint8_t *data, size_t len, const vouch_hash leaf,
                 const vouch_hash key, vouch_buf *out, vouch_err *err)
{
	struct item *it;
	uint64_t gen;
	unsigned status = MHD_HTTP_OK;
	int rc;

	pthread_mutex_lock(&d->mu);
	for (;;) {
		gen = d->commits;
		if ((it = find_pending(d, key)) != NULL)
			break;
		pthread_mutex_unlock(&d->mu);
		rc = existing(d, key, out, err);
		if (rc == VOUCH_OK)
			return MHD_HTTP_OK;
		if (rc != VOUCH_ENEGATIVE)
			return MHD_HTTP_INTERNAL_SERVER_ERROR;
		pthread_mutex_lock(&d->mu);
		if (d->commits == gen) {
			/* nothing was committed meanwhile: it is new */
			if (d->nqueued >= d->o.max_pending || d->stopping) {
				pthread_mutex_unlock(&d->mu);
				vouch_err_set(err, VOUCH_ELIMIT, "the queue is full, retry later");
				return MHD_HTTP_SERVICE_UNAVAILABLE;
			}
			if ((it = calloc(1, sizeof *it)) == NULL ||
			    (it->data = malloc(len ? len : 1)) == NULL) {
				free(it);
				pthread_mutex_unlock(&d->mu);
				return MHD_HTTP_INTERNAL_SERVER_ERROR;
			}
			memcpy(it->data, data, len);
			it->len = len;
			memcpy(it->leaf, leaf, VOUCH_HASH_LEN);
			memcpy(it->key, key, VOUCH_HASH_LEN);
			atomic_init(&it->refs, 1); /* the sequencer's */
			sem_init(&it->sem, 0, 0);
			it->queued_at = now_ms();
			if (d->tail != NULL)
				d->tail->next = it;
			else
				d->head = it;
			d->tail = it;
			it->hnext = d->pending[pending_bucket(key)];
			d->pending[pending_bucket(key)] = it;
			d->nqueued++;
			if (d->seq_idle || d->nqueued >= d->o.max_batch)
				pthread_cond_signal(&d->work);
			break;
		}
	}
	atomic_fetch_add(&it->refs, 1);
	if (it->state != ST_DONE && it->state != ST_FAILED) {
		it->waiters++;
		pthread_mutex_unlock(&d->mu);
		while (sem_wait(&it->sem) != 0)
			; /* EINTR */
	} else {
		pthread_mutex_unlock(&d->mu);
	}
	if (it->state == ST_DONE)
		rc = add_response(d, it->index, it->size, it->leaf, it->note, it->note_len,
		                  it->have_proof ? (const vouch_hash *)it->proof : NULL, it->nproof,
		                  out, err);
	else
		rc = vouch_err_set(err, VOUCH_EIO, "the entry could not be committed");
	if (rc != VOUCH_OK)
		status = MHD_HTTP_INTERNAL_SERVER_ERROR;
	item_release(it);
	return status;
}

static enum MHD_Result
handle_add(struct vouch_logd *d, struct MHD_Connection *c, struct req *rq)
{
	vouch_buf out;
	vouch_err err;
	vouch_hash leaf, key;
	enum MHD_Result ret;
	unsigned status;
	int rc;

	if (rq->too_big)
		return reply_error(c, MHD_HTTP_CONTENT_TOO_LARGE, "envelope too large");
	vouch_err_clear(&err);
	rc = vouch_logentry_check(rq->body.data, rq->body.len,
	                          (const vouch_key *const *)d->submitters, d->nsubmitters, NULL,
	                          &err);
	if (rc == VOUCH_ENEGATIVE)
		return reply_error(c, MHD_HTTP_FORBIDDEN, vouch_err_msg(&err));
	if (rc == VOUCH_ELIMIT)
		return reply_error(c, MHD_HTTP_CONTENT_TOO_LARGE, vouch_err_msg(&err));
	if (rc != VOUCH_OK)
		return reply_error(c, MHD_HTTP_BAD_REQUEST, vouch_err_msg(&err));
	if (vouch_merkle_leaf_hash(rq->body.data, rq->body.len, leaf, &err) != VOUCH_OK ||
	    vouch_logentry_dedup_key(rq->body.data, rq->body.len, key, &err) != VOUCH_OK)
		return reply_error(c, MHD_HTTP_INTERNAL_SERVER_ERROR, vouch_err_msg(&err));
	vouch_buf_init(&out, 0);
	status = enqueue_and_wait(d, rq->body.data, rq->body.len, leaf, key, &out, &err);
	if (status == MHD_HTTP_OK)
		ret = reply(c, MHD_HTTP_OK, "application/json", out.data, out.len, "no-store");
	else
		ret = reply_error(c, status, vouch_err_msg(&err));
	vouch_buf_free(&out);
	return ret;
}

static enum MHD_Result
handle_get(struct vouch_logd *d, struct MHD_Connection *c, const char *url)
{
	if (strcmp(url, "/checkpoint") == 0)
		return serve_checkpoint(d, c);
	if (strncmp(url, "/tile/", 6) == 0)
		return serve_tile(d, c, url + 1);
	if (strncmp(url, "/lookup/sha256/", 15) == 0)
		return serve_lookup(d, c, url + 15);
	return reply_error(c, MHD_HTTP_NOT_FOUND, "not found");
}

static enum MHD_Result
handler(void *cls, struct MHD_Connection *c, const char *url, const char *method,
        const char *version, const char *upload, size_t *upload_size, void **con_cls)
{
	struct vouch_logd *d = cls;
	struct req *rq = *con_cls;
	int st;

	(void)version;
	if (rq == NULL)
		return vouch_httpd_begin(c, con_cls, method, d->o.max_body, "envelope too large");
	if (*upload_size == 0)      /* the last call: the request is all here */
		logd_guard_received(c);
	if (strcmp(method, "GET") == 0 || strcmp(method, "HEAD") == 0) {
		if (strcmp(url, "/add") == 0)
			return reply_error(c, MHD_HTTP_METHOD_NOT_ALLOWED, "use POST");
		return handle_get(d, c, url);
	}
	/* other methods: take in (or drop) the body first, then answer */
	st = vouch_httpd_upload(rq, upload, upload_size,
	                        strcmp(method, "POST") == 0 && strcmp(url, "/add") == 0,
	                        d->o.max_body, d->o.timeout_s);
	if (st != 0)
		return st < 0 ? MHD_NO : MHD_YES; /* cut a slow client, or take more */
	if (strcmp(url, "/add") == 0 && strcmp(method, "POST") != 0)
		return reply_error(c, MHD_HTTP_METHOD_NOT_ALLOWED, "use POST");
	if (strcmp(url, "/add") != 0) {
		if (strcmp(url, "/checkpoint") == 0 || strncmp(url, "/tile/", 6) == 0)
			return reply_error(c, MHD_HTTP_METHOD_NOT_ALLOWED, "method not allowed");
		return reply_error(c, MHD_HTTP_NOT_FOUND, "not found");
	}
	return handle_add(d, c, rq);
}

static void
completed(void *cls, struct MHD_Connection *c, void **con_cls,
          enum MHD_RequestTerminationCode code)
{
	logd_guard_completed(c);
	vouch_httpd_completed(cls, c, con_cls, code);
}

/* ---- setup ---- */

static int
load_submitters(struct vouch_logd *d, vouch_err *err)
{
	static const char end[] = "-----END PUBLIC KEY-----";
	vouch_buf b;
	const char *p, *e;
	int rc;

	vouch_buf_init(&b, 1 << 20);
	if ((rc = vouch_read_file(d->o.submitters_file, 1 << 20, &b, err)) != VOUCH_OK)
		goto out;
	p = vouch_buf_cstr(&b);
	while ((e = strstr(p, end)) != NULL) {
		const char *s = strstr(p, "-----BEGIN ");

		if (s == NULL || s > e || d->nsubmitters == VOUCH_LOGD_SUBMITTERS_MAX) {
			rc = vouch_err_set(err, VOUCH_EINPUT, "'%s': bad key list", d->o.submitters_file);
			goto out;
		}
		e += sizeof end - 1;
		if ((rc = vouch_key_load_pem(s, (size_t)(e - s), NULL, 0,
		                             &d->submitters[d->nsubmitters], err)) != VOUCH_OK) {
			vouch_err_prefix(err, "'%s'", d->o.submitters_file);
			goto out;
		}
		d->nsubmitters++;
		p = e;
	}
	if (d->nsubmitters == 0)
		rc = vouch_err_set(err, VOUCH_EINPUT, "'%s' holds no public key",
		                   d->o.submitters_file);
out:
	vouch_buf_free(&b);
	return rc;
}


static int
check_opts(const vouch_logd_opts *o, vouch_err *err)
{
	if ((o->dir == NULL) == (o->spec == NULL) || o->origin == NULL || o->key == NULL || o->listen == NULL)
		return vouch_err_set(err, VOUCH_EUSAGE,
		                     "a log directory (or storage), origin, key and address are "
		                     "required");
	if (o->spec != NULL && o->nwitnesses > 0)
		return vouch_err_set(err, VOUCH_EUSAGE, "witnesses need a log directory");
	if (o->max_batch == 0 || o->max_batch > VOUCH_LOGSTORE_BATCH_MAX)
		return vouch_err_set(err, VOUCH_EUSAGE, "the batch size must be 1 to %d",
		                     VOUCH_LOGSTORE_BATCH_MAX);
	if (o->max_body == 0 || o->max_body > VOUCH_ENTRY_MAX)
		return vouch_err_set(err, VOUCH_EUSAGE, "the body limit must be 1 to %d",
		                     VOUCH_ENTRY_MAX);
	if (o->max_pending == 0 || o->max_conn == 0 || o->max_conn > UINT_MAX ||
	    o->max_conn_per_ip > UINT_MAX ||
	    o->timeout_s == 0 || o->timeout_s > UINT_MAX || o->max_wait_ms > UINT32_MAX)
		return vouch_err_set(err, VOUCH_EUSAGE, "a server limit is out of range");
	return VOUCH_OK;
}

/* Stop listening (waiting for the requests in progress), then let the
 * sequencer commit what is queued and end.  Idempotent. */
static void
logd_shutdown(struct vouch_logd *d)
{
	if (d->mhd != NULL) {
		MHD_stop_daemon(d->mhd);
		d->mhd = NULL;
	}
	logd_guard_free(d->guard);
	d->guard = NULL;
	if (d->seq_started) {
		pthread_mutex_lock(&d->mu);
		d->stopping = 1;
		pthread_cond_broadcast(&d->work);
		pthread_mutex_unlock(&d->mu);
		pthread_join(d->seq, NULL);
		d->seq_started = 0;
	}
}

static void
locks_init(struct vouch_logd *d)
{
	pthread_mutex_init(&d->mu, NULL);
	pthread_rwlock_init(&d->store_rw, NULL);
	pthread_mutex_init(&d->snap_mu, NULL);
	pthread_cond_init(&d->work, NULL);
	pthread_cond_init(&d->done, NULL);
	d->locks_ready = 1;
}

static int
stop_pipe_open(struct vouch_logd *d, vouch_err *err)
{
	return vouch_httpd_stop_pipe_open(d->stop_pipe, err);
}

static int
start_threads(struct vouch_logd *d, vouch_err *err)
{
	int e;

	if ((e = pthread_create(&d->seq, NULL, sequencer, d)) != 0) {
		errno = e;
		return vouch_err_sys(err, VOUCH_EIO, "cannot start the sequencer");
	}
	d->seq_started = 1;
	/* three quarters of the slots for requests still arriving; past that a
	 * new connection evicts the one that has waited longest */
	if (logd_guard_new(&d->guard, (unsigned)(d->o.max_conn - d->o.max_conn / 4),
	                   d->o.timeout_s * 1000) != 0)
		return vouch_err_set(err, VOUCH_EIO, "cannot start the connection guard");
	d->mhd = MHD_start_daemon(MHD_USE_THREAD_PER_CONNECTION | MHD_USE_INTERNAL_POLLING_THREAD |
	                              MHD_USE_POLL,
	                          0, logd_guard_accept, d->guard, handler, d,
	                          MHD_OPTION_SOCK_ADDR, (struct sockaddr *)&d->sa,
	                          MHD_OPTION_CONNECTION_LIMIT, (unsigned)d->o.max_conn,
	                          /* one address cannot take every connection
	                             (e.g. clients that send a request a byte at
	                             a time: the timeout is reset by each byte) */
	                          MHD_OPTION_PER_IP_CONNECTION_LIMIT,
	                          (unsigned)d->o.max_conn_per_ip,
	                          MHD_OPTION_CONNECTION_TIMEOUT, (unsigned)d->o.timeout_s,
	                          MHD_OPTION_NOTIFY_COMPLETED, completed, d,
	                          /* a request must arrive whole within the
	                             timeout from its first byte (logd_guard.c) */
	                          MHD_OPTION_NOTIFY_CONNECTION, logd_guard_notify, d->guard,
	                          MHD_OPTION_LISTEN_BACKLOG_SIZE, 1024u,
	                          MHD_OPTION_END);
	if (d->mhd == NULL)
		return vouch_err_set(err, VOUCH_EIO, "cannot listen on '%s'", d->o.listen);
	return VOUCH_OK;
}

/* ---- the public interface ---- */

void
vouch_logd_opts_init(vouch_logd_opts *opts)
{
	memset(opts, 0, sizeof *opts);
	opts->listen = "127.0.0.1:8080";
	opts->max_batch = 1024;
	opts->max_wait_ms = 500;
	opts->max_pending = 8192;
	opts->max_body = VOUCH_ENTRY_MAX;
	opts->max_conn = 1024;
	opts->max_conn_per_ip = 256;
	opts->timeout_s = 10;
	opts->witness_timeout_s = 5;
	opts->witness_wait_ms = 3000;
}

int
vouch_logd_new(const vouch_logd_opts *opts, vouch_logd **out, vouch_err *err)
{
	struct vouch_logd *d = NULL;
	int rc;

	*out = NULL;
	if ((rc = check_opts(opts, err)) != VOUCH_OK)
		return rc;
	if ((d = calloc(1, sizeof *d)) == NULL)
		return vouch_err_sys(err, VOUCH_ENOMEM, "log server");
	d->o = *opts;
	d->stop_pipe[0] = d->stop_pipe[1] = -1;
	locks_init(d);
	if (d->o.submitters_file != NULL && (rc = load_submitters(d, err)) != VOUCH_OK)
		goto out;
	if (parse_listen(d->o.listen, &d->sa) != 0) {
		rc = vouch_err_set(err, VOUCH_EUSAGE, "bad listen address '%s'", d->o.listen);
		goto out;
	}
	/* issue 20: on shared storage, wait as a standby for the writer's lease */
	if ((rc = spec_init(d, err)) != VOUCH_OK ||
	    (rc = vouch_logstore_open_reader(&d->spec, &d->reader, err)) != VOUCH_OK ||
	    (rc = store_open(d, (d->o.reindex ? VOUCH_LOGSTORE_REINDEX : 0) |
	                            (d->o.spec != NULL ? VOUCH_LOGSTORE_WAIT : 0),
	                     err)) != VOUCH_OK ||
	    (rc = witnesses_start(d, err)) != VOUCH_OK ||
	    (rc = stop_pipe_open(d, err)) != VOUCH_OK ||
	    (rc = start_threads(d, err)) != VOUCH_OK)
		goto out;
	*out = d;
	d = NULL;
out:
	vouch_logd_free(d);
	return rc;
}

unsigned
vouch_logd_port(const vouch_logd *srv)
{
	return vouch_httpd_port(srv->mhd);
}

int
vouch_logd_run(vouch_logd *srv, vouch_err *err)
{
	int rc = vouch_httpd_stop_pipe_wait(srv->stop_pipe, err);

	if (rc != VOUCH_OK)
		return rc;
	logd_shutdown(srv);
	return VOUCH_OK;
}

void
vouch_logd_stop(vouch_logd *srv)
{
	if (srv != NULL)
		vouch_httpd_stop_pipe_signal(srv->stop_pipe);
}

void
vouch_logd_free(vouch_logd *srv)
{
	size_t i;

	if (srv == NULL)
		return;
	logd_shutdown(srv);
	vouch_logwit_free(srv->lw); /* issue 17 */
	vouch_note_verifier_free(srv->logver);
	vouch_logstore_free(srv->store);
	vouch_logstore_free(srv->reader);
	vouch_buf_free(&srv->spec_storage);
	for (i = 0; i < srv->nsubmitters; i++)
		vouch_key_free(srv->submitters[i]);
	free(srv->note);
	vouch_httpd_stop_pipe_close(srv->stop_pipe);
	if (srv->locks_ready) {
		pthread_cond_destroy(&srv->done);
		pthread_cond_destroy(&srv->work);
		pthread_mutex_destroy(&srv->snap_mu);
		pthread_rwlock_destroy(&srv->store_rw);
		pthread_mutex_destroy(&srv->mu);
	}
	free(srv);
}
