/* logstore_s3pg.c - the S3 + PostgreSQL back end of vouch_logstore (issue
 * 20).  Objects (checkpoint, tile/...) go to BUCKET/PREFIX on an
 * S3-compatible server, path-style, each request signed by libcurl's AWS
 * SigV4 (CURLOPT_AWS_SIGV4) and retried with backoff on 5xx and timeouts.
 * PostgreSQL holds, per log (named BUCKET/PREFIX), the committed size and
 * checkpoint note, the fencing token of the current writer, and the
 * dedup/lookup index.  One writer: a session advisory lock; on taking it a
 * writer bumps the fencing token, and every commit first locks the log's
 * row and checks the token and size (so a deposed writer never signs),
 * then writes the index rows and the new size and note in the same
 * transaction, and only after COMMIT puts the checkpoint object (with the
 * token as x-amz-meta-vouch-fence).  A checkpoint object the database is
 * ahead of is rewritten at open. */
#include "config.h"

#include <errno.h>
#include <inttypes.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <curl/curl.h>
#include <libpq-fe.h>

#include "vouch/codec.h"
#include "vouch/digest.h"
#include "vouch/tile.h"
#include "logstore_int.h"

#define POOL_MAX 16
#define CACHE_SLOTS 1024

struct cached {
	char rel[VOUCH_TILE_PATH_MAX];
	uint8_t *data;
	size_t len;
};

struct s3pg {
	char *base;        /* ENDPOINT/BUCKET/PREFIX */
	char *log;         /* BUCKET/PREFIX, the log's name in the database */
	char *userpwd;     /* ACCESS:SECRET */
	char sigv4[96];
	long timeout_ms;
	unsigned retries;
	char *db;
	PGconn *w;         /* the writer: lock and commits */
	PGconn *r;         /* queries, under rmu */
	pthread_mutex_t rmu;
	pthread_mutex_t pmu; /* pool, cache */
	CURL *pool[POOL_MAX];
	size_t npool;
	struct cached cache[CACHE_SLOTS];
	uint64_t fence;
	int in_txn;
	vouch_buf leaves, subjects; /* COPY text of the pending index rows */
	/* puts of the batch, sent together (in parallel) before its commit */
	struct pending {
		char rel[VOUCH_TILE_PATH_MAX];
		uint8_t *data;
		size_t len;
		int rc;
		vouch_err err;
	} *pend;
	size_t npend, cappend;
};

#define PUT_THREADS 8

/* ---- S3 ---- */

struct sink {
	vouch_buf *out;
	size_t max;
	int over;
};

static size_t
on_body(char *p, size_t sz, size_t n, void *arg)
{
	struct sink *s = arg;

	if (s->out == NULL)
		return sz * n;
	if (s->out->len + sz * n > s->max) {
		s->over = 1;
		return 0;
	}
	return vouch_buf_append(s->out, p, sz * n, NULL) == VOUCH_OK ? sz * n : 0;
}

static CURL *
handle_get(struct s3pg *s)
{
	CURL *h = NULL;

	pthread_mutex_lock(&s->pmu);
	if (s->npool > 0)
		h = s->pool[--s->npool];
	pthread_mutex_unlock(&s->pmu);
	if (h == NULL)
		h = curl_easy_init();
	else
		curl_easy_reset(h);
	return h;
}

static void
handle_put(struct s3pg *s, CURL *h)
{
	pthread_mutex_lock(&s->pmu);
	if (s->npool < POOL_MAX) {
		s->pool[s->npool++] = h;
		h = NULL;
	}
	pthread_mutex_unlock(&s->pmu);
	if (h != NULL)
		curl_easy_cleanup(h);
}

static void
backoff(unsigned attempt)
{
	long ms = 50L << (attempt < 6 ? attempt : 6);
	struct timespec ts;

	ms += rand() % (ms / 2 + 1); /* jitter */
	ts.tv_sec = ms / 1000;
	ts.tv_nsec = (ms % 1000) * 1000000L;
	nanosleep(&ts, NULL);
}

/* One request, retried on transport errors, timeouts and 500/502/503/504.
 * GET: VOUCH_ENEGATIVE on 404. */
static int
s3_request(struct s3pg *s, int put, const char *rel, const void *data, size_t n,
           uint64_t fence, vouch_buf *out, size_t max, vouch_err *err)
{
	char url[2048], fh[64];
	struct curl_slist *hdr = NULL;
	size_t start = out != NULL ? out->len : 0;
	unsigned attempt;
	long status = 0;
	CURLcode cc = CURLE_OK;
	CURL *h;
	int w;

	w = snprintf(url, sizeof url, "%s%s", s->base, rel);
	if (w < 0 || (size_t)w >= sizeof url)
		return vouch_err_set(err, VOUCH_ELIMIT, "object name '%s' too long", rel);
	if ((h = handle_get(s)) == NULL)
		return vouch_err_set(err, VOUCH_ENOMEM, "out of memory");
	hdr = curl_slist_append(hdr, "Expect:");
	/* curl 7.88 signs a payload hash given in this header but does not
	 * compute it; S3 requires it */
	{
		uint8_t sum[32];
		char hex[64 + 1], line[96];

		if (vouch_sha256(put ? data : "", put ? n : 0, sum, err) != VOUCH_OK) {
			handle_put(s, h);
			curl_slist_free_all(hdr);
			return VOUCH_EINTERNAL;
		}
		snprintf(line, sizeof line, "x-amz-content-sha256: %s",
		         vouch_hex_encode(sum, 32, hex));
		hdr = curl_slist_append(hdr, line);
	}
	if (put) {
		hdr = curl_slist_append(hdr, "Content-Type: application/octet-stream");
		if (fence != 0) {
			snprintf(fh, sizeof fh, "x-amz-meta-vouch-fence: %" PRIu64, fence);
			hdr = curl_slist_append(hdr, fh);
		}
	}
	for (attempt = 0;; attempt++) {
		struct sink sk = { out, max, 0 };

		if (out != NULL)
			out->len = start;
		curl_easy_reset(h);
		curl_easy_setopt(h, CURLOPT_URL, url);
		curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
		curl_easy_setopt(h, CURLOPT_TIMEOUT_MS, s->timeout_ms);
		curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT_MS, s->timeout_ms);
		curl_easy_setopt(h, CURLOPT_HTTPHEADER, hdr);
		curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, on_body);
		curl_easy_setopt(h, CURLOPT_WRITEDATA, &sk);
		if (s->userpwd != NULL) {
			curl_easy_setopt(h, CURLOPT_AWS_SIGV4, s->sigv4);
			curl_easy_setopt(h, CURLOPT_USERPWD, s->userpwd);
		}
		if (put) {
			curl_easy_setopt(h, CURLOPT_CUSTOMREQUEST, "PUT");
			curl_easy_setopt(h, CURLOPT_POSTFIELDS, n > 0 ? data : "");
			curl_easy_setopt(h, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)n);
		}
		cc = curl_easy_perform(h);
		status = 0;
		if (cc == CURLE_OK)
			curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &status);
		if (cc == CURLE_WRITE_ERROR && sk.over)
			break;
		if ((cc == CURLE_OK && status != 500 && status != 502 && status != 503 &&
		     status != 504) ||
		    attempt >= s->retries)
			break;
		backoff(attempt);
	}
	handle_put(s, h);
	curl_slist_free_all(hdr);
	if (out != NULL && (cc != CURLE_OK || status != 200))
		out->len = start;
	if (cc == CURLE_WRITE_ERROR)
		return vouch_err_set(err, VOUCH_ELIMIT, "'%s%s' is larger than %zu bytes", s->base,
		                     rel, max);
	if (cc != CURLE_OK)
		return vouch_err_set(err, VOUCH_EIO, "'%s%s': %s", s->base, rel,
		                     curl_easy_strerror(cc));
	if (!put && status == 404)
		return VOUCH_ENEGATIVE;
	if (status != 200)
		return vouch_err_set(err, VOUCH_EIO, "'%s%s': HTTP status %ld%s", s->base, rel,
		                     status, attempt > 0 ? " after retries" : "");
	return VOUCH_OK;
}

/* Hash tiles (not bundles, not the checkpoint) are cached: a tile name
 * always holds the same bytes once a checkpoint covers it. */
static struct cached *
cache_slot(struct s3pg *s, const char *rel)
{
	uint32_t h = 2166136261u;
	const char *p;

	if (strncmp(rel, "tile/", 5) != 0 || strncmp(rel, "tile/entries/", 13) == 0 ||
	    strlen(rel) >= VOUCH_TILE_PATH_MAX)
		return NULL;
	for (p = rel; *p != '\0'; p++)
		h = (h ^ (uint8_t)*p) * 16777619u;
	return &s->cache[h % CACHE_SLOTS];
}

static void
cache_store(struct s3pg *s, const char *rel, const void *data, size_t n)
{
	struct cached *c = cache_slot(s, rel);
	uint8_t *copy;

	if (c == NULL || (copy = malloc(n + 1)) == NULL)
		return;
	memcpy(copy, data, n);
	pthread_mutex_lock(&s->pmu);
	free(c->data);
	c->data = copy;
	c->len = n;
	snprintf(c->rel, sizeof c->rel, "%s", rel);
	pthread_mutex_unlock(&s->pmu);
}

static void
pend_clear(struct s3pg *s)
{
	size_t i;

	for (i = 0; i < s->npend; i++)
		free(s->pend[i].data);
	s->npend = 0;
}

struct flush {
	struct s3pg *s;
	pthread_mutex_t mu;
	size_t next;
};

static void *
flush_worker(void *arg)
{
	struct flush *f = arg;

	for (;;) {
		struct pending *p;
		size_t i;

		pthread_mutex_lock(&f->mu);
		i = f->next++;
		pthread_mutex_unlock(&f->mu);
		if (i >= f->s->npend)
			return NULL;
		p = &f->s->pend[i];
		vouch_err_clear(&p->err);
		p->rc = s3_request(f->s, 1, p->rel, p->data, p->len, 0, NULL, 0, &p->err);
	}
}

/* Send the batch's puts, PUT_THREADS at a time; all must succeed. */
static int
pend_flush(struct s3pg *s, vouch_err *err)
{
	pthread_t t[PUT_THREADS];
	struct flush f = { s, PTHREAD_MUTEX_INITIALIZER, 0 };
	size_t n = 0, i;
	int rc = VOUCH_OK;

	if (s->npend == 0)
		return VOUCH_OK;
	while (n < PUT_THREADS && n < s->npend && pthread_create(&t[n], NULL, flush_worker, &f) == 0)
		n++;
	if (n == 0)
		flush_worker(&f);
	for (i = 0; i < n; i++)
		pthread_join(t[i], NULL);
	for (i = 0; i < s->npend && rc == VOUCH_OK; i++)
		if (s->pend[i].rc != VOUCH_OK)
			rc = vouch_err_set(err, s->pend[i].rc, "%s", s->pend[i].err.msg);
	pend_clear(s);
	return rc;
}

static int
s_get(void *be, const char *rel, size_t max, vouch_buf *out, vouch_err *err)
{
	struct s3pg *s = be;
	struct cached *c = cache_slot(s, rel);
	int rc, hit = 0;
	size_t i;

	for (i = s->npend; i-- > 0;) /* written by this batch, not yet sent */
		if (strcmp(s->pend[i].rel, rel) == 0) {
			if (s->pend[i].len > max)
				return vouch_err_set(err, VOUCH_ELIMIT, "'%s' is too large", rel);
			return vouch_buf_append(out, s->pend[i].data, s->pend[i].len, err);
		}

	if (c != NULL) {
		pthread_mutex_lock(&s->pmu);
		if (c->data != NULL && strcmp(c->rel, rel) == 0 && c->len <= max) {
			rc = vouch_buf_append(out, c->data, c->len, err);
			hit = 1;
		}
		pthread_mutex_unlock(&s->pmu);
		if (hit)
			return rc;
	}
	{
		size_t start = out->len;

		rc = s3_request(s, 0, rel, NULL, 0, 0, out, max, err);
		if (rc == VOUCH_OK)
			cache_store(s, rel, out->data + start, out->len - start);
	}
	return rc;
}

/* Queued until the commit (pend_flush), so that a batch's tiles and
 * bundles go up in parallel; get sees them meanwhile. */
static int
s_put(void *be, const char *rel, const void *data, size_t n, vouch_err *err)
{
	struct s3pg *s = be;
	struct pending *p;
	size_t i;

	if (strlen(rel) >= VOUCH_TILE_PATH_MAX)
		return vouch_err_set(err, VOUCH_ELIMIT, "object name '%s' too long", rel);
	for (i = 0; i < s->npend; i++)
		if (strcmp(s->pend[i].rel, rel) == 0)
			break;
	if (i == s->npend) {
		if (s->npend == s->cappend) {
			size_t cap = s->cappend ? 2 * s->cappend : 32;

			if ((p = realloc(s->pend, cap * sizeof *p)) == NULL)
				return vouch_err_set(err, VOUCH_ENOMEM, "out of memory");
			s->pend = p;
			s->cappend = cap;
		}
		s->npend++;
	} else {
		free(s->pend[i].data);
	}
	p = &s->pend[i];
	snprintf(p->rel, sizeof p->rel, "%s", rel);
	p->len = n;
	if ((p->data = malloc(n + 1)) == NULL) {
		s->npend--;
		return vouch_err_set(err, VOUCH_ENOMEM, "out of memory");
	}
	memcpy(p->data, data, n);
	cache_store(s, rel, data, n);
	return VOUCH_OK;
}

/* ---- PostgreSQL ---- */

static int
pg_fail(PGconn *c, const char *what, vouch_err *err)
{
	const char *m = PQerrorMessage(c);
	size_t n = strlen(m);

	while (n > 0 && (m[n - 1] == '\n' || m[n - 1] == ' '))
		n--;
	return vouch_err_set(err, VOUCH_EIO, "database: %s: %.*s", what, (int)n, m);
}

/* Run sql with text parameters (a bytea parameter is given as hex text
 * "\x..."); res (may be NULL) receives the result. */
static int
pg_run(PGconn *c, const char *sql, int n, const char *const *params, PGresult **res,
       vouch_err *err)
{
	PGresult *r = n == 0 ? PQexec(c, sql) : PQexecParams(c, sql, n, NULL, params, NULL, NULL, 0);
	ExecStatusType st = PQresultStatus(r);
	int rc = VOUCH_OK;

	if (st != PGRES_COMMAND_OK && st != PGRES_TUPLES_OK)
		rc = pg_fail(c, "query", err);
	if (res != NULL && rc == VOUCH_OK)
		*res = r;
	else
		PQclear(r);
	return rc;
}

static void
sleep_ms(long ms)
{
	struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };

	nanosleep(&ts, NULL);
}

static int
pg_connect(struct s3pg *s, PGconn **out, vouch_err *err)
{
	const char *keys[] = { "dbname", "connect_timeout", "keepalives_idle",
	                       "keepalives_interval", "keepalives_count", "application_name",
	                       NULL };
	const char *vals[] = { s->db, "5", "5", "2", "3", "vouch-logd", NULL };
	PGconn *c = PQconnectdbParams(keys, vals, 1);

	if (c == NULL)
		return vouch_err_set(err, VOUCH_ENOMEM, "out of memory");
	if (PQstatus(c) != CONNECTION_OK) {
		int rc = pg_fail(c, "connect", err);

		PQfinish(c);
		return rc;
	}
	PQclear(PQexec(c, "SET client_min_messages = warning"));
	*out = c;
	return VOUCH_OK;
}

static const char schema[] =
    "CREATE TABLE IF NOT EXISTS vouch_log(log text PRIMARY KEY, size bigint NOT NULL,"
    " note bytea, fence bigint NOT NULL, keyed int NOT NULL DEFAULT -1);"
    "CREATE TABLE IF NOT EXISTS vouch_leaves(log text NOT NULL, idx bigint NOT NULL,"
    " hash bytea NOT NULL, PRIMARY KEY(log, idx));"
    "CREATE INDEX IF NOT EXISTS vouch_leaves_hash ON vouch_leaves(log, hash);"
    "CREATE TABLE IF NOT EXISTS vouch_subjects(log text NOT NULL, digest bytea NOT NULL,"
    " idx bigint NOT NULL);"
    "CREATE INDEX IF NOT EXISTS vouch_subjects_digest ON vouch_subjects(log, digest, idx);";

/* Take the advisory lock of the log on a fresh writer connection (waiting
 * for it with VOUCH_LOGSTORE_WAIT, reconnecting across database restarts),
 * then create the tables and bump the fencing token. */
static int
s_lock(void *be, unsigned flags, vouch_err *err)
{
	struct s3pg *s = be;
	const char *p[1] = { s->log };
	PGresult *res = NULL;
	int rc, tries = 0;

	for (;;) {
		if (s->w == NULL && (rc = pg_connect(s, &s->w, err)) != VOUCH_OK)
			goto retry;
		rc = pg_run(s->w,
		            (flags & VOUCH_LOGSTORE_WAIT)
		                ? "SELECT pg_advisory_lock(hashtext('vouch:' || $1)), true"
		                : "SELECT 1, pg_try_advisory_lock(hashtext('vouch:' || $1))",
		            1, p, &res, err);
		if (rc == VOUCH_OK) {
			int got = strcmp(PQgetvalue(res, 0, 1), "t") == 0;

			PQclear(res);
			if (got)
				break;
			return vouch_err_set(err, VOUCH_EEXIST, "'%s' is in use by another writer",
			                     s->log);
		}
retry:
		if (s->w != NULL) {
			PQfinish(s->w);
			s->w = NULL;
		}
		/* a database being restarted: a standby waits for it, a writer
		 * for up to 30 seconds */
		if (!(flags & VOUCH_LOGSTORE_WAIT) && ++tries > 60)
			return rc;
		vouch_err_clear(err);
		sleep_ms(500);
	}
	if ((rc = pg_run(s->w, schema, 0, NULL, NULL, err)) != VOUCH_OK ||
	    (rc = pg_run(s->w, "INSERT INTO vouch_log(log, size, fence) VALUES($1, -1, 0)"
	                       " ON CONFLICT (log) DO NOTHING", 1, p, NULL, err)) != VOUCH_OK ||
	    (rc = pg_run(s->w, "UPDATE vouch_log SET fence = fence + 1 WHERE log = $1"
	                       " RETURNING fence", 1, p, &res, err)) != VOUCH_OK)
		return rc;
	s->fence = strtoull(PQgetvalue(res, 0, 0), NULL, 10);
	PQclear(res);
	return VOUCH_OK;
}

static int
put_checkpoint(struct s3pg *s, const void *note, size_t n, vouch_err *err)
{
	return s3_request(s, 1, "checkpoint", note, n, s->fence, NULL, 0, err);
}

/* The note the database holds; the checkpoint object is (re)written from
 * it, in case a writer stopped between its commit and that put. */
static int
s_recover(void *be, int must_exist, vouch_buf *note, vouch_err *err)
{
	struct s3pg *s = be;
	const char *p[1] = { s->log };
	PGresult *res = NULL;
	unsigned char *raw = NULL;
	size_t n = 0;
	int rc;

	if ((rc = pg_run(s->w, "SELECT size, note FROM vouch_log WHERE log = $1", 1, p, &res,
	                 err)) != VOUCH_OK)
		return rc;
	if (PQntuples(res) == 0 || PQgetvalue(res, 0, 0)[0] == '-' || PQgetisnull(res, 0, 1)) {
		PQclear(res);
		if (!must_exist)
			return VOUCH_ENEGATIVE;
		return vouch_err_set(err, VOUCH_EIO, "'s3://%s' holds no log (create it with --init)",
		                     s->log);
	}
	raw = PQunescapeBytea((const unsigned char *)PQgetvalue(res, 0, 1), &n);
	PQclear(res);
	if (raw == NULL)
		return vouch_err_set(err, VOUCH_ENOMEM, "out of memory");
	if (n > VOUCH_NOTE_MAX)
		rc = vouch_err_set(err, VOUCH_EINPUT, "'s3://%s': the stored checkpoint is too large",
		                   s->log);
	else if ((rc = put_checkpoint(s, raw, n, err)) == VOUCH_OK)
		rc = vouch_buf_append(note, raw, n, err);
	PQfreemem(raw);
	return rc;
}

/* Start a transaction holding the log's row, as its current writer. */
static int
s_begin(void *be, uint64_t old_size, vouch_err *err)
{
	struct s3pg *s = be;
	const char *p[1] = { s->log };
	PGresult *res = NULL;
	long long size;
	uint64_t fence;
	int rc;

	vouch_buf_reset(&s->leaves);
	vouch_buf_reset(&s->subjects);
	/* the batch's tiles and bundles are all stored before its commit */
	if ((rc = pend_flush(s, err)) != VOUCH_OK ||
	    (rc = pg_run(s->w, "BEGIN", 0, NULL, NULL, err)) != VOUCH_OK)
		return rc;
	s->in_txn = 1;
	if ((rc = pg_run(s->w, "SELECT size, fence FROM vouch_log WHERE log = $1 FOR UPDATE", 1,
	                 p, &res, err)) != VOUCH_OK)
		goto fail;
	if (PQntuples(res) != 1) {
		rc = vouch_err_set(err, VOUCH_EIO, "'s3://%s': the log's row is gone", s->log);
		goto fail;
	}
	size = strtoll(PQgetvalue(res, 0, 0), NULL, 10);
	fence = strtoull(PQgetvalue(res, 0, 1), NULL, 10);
	if (fence != s->fence) {
		rc = vouch_err_set(err, VOUCH_EEXIST,
		                   "'s3://%s' was taken over by another writer (token %" PRIu64
		                   ", ours %" PRIu64 ")", s->log, fence, s->fence);
		goto fail;
	}
	if (!(size == (long long)old_size || (old_size == 0 && size == -1))) {
		rc = vouch_err_set(err, VOUCH_EIO, "'s3://%s' is at size %lld, not %" PRIu64,
		                   s->log, size, old_size);
		goto fail;
	}
	PQclear(res);
	return VOUCH_OK;
fail:
	PQclear(res);
	PQclear(PQexec(s->w, "ROLLBACK"));
	s->in_txn = 0;
	return rc;
}

static void
s_abort(void *be)
{
	struct s3pg *s = be;

	if (s->in_txn && s->w != NULL)
		PQclear(PQexec(s->w, "ROLLBACK"));
	s->in_txn = 0;
}

/* COPY the pending rows of one table. */
static int
copy_rows(struct s3pg *s, const char *sql, vouch_buf *rows, vouch_err *err)
{
	PGresult *res;
	int rc = VOUCH_OK;

	if (rows->len == 0)
		return VOUCH_OK;
	res = PQexec(s->w, sql);
	if (PQresultStatus(res) != PGRES_COPY_IN) {
		PQclear(res);
		return pg_fail(s->w, "copy", err);
	}
	PQclear(res);
	if (PQputCopyData(s->w, (const char *)rows->data, (int)rows->len) != 1 ||
	    PQputCopyEnd(s->w, NULL) != 1)
		return pg_fail(s->w, "copy", err);
	while ((res = PQgetResult(s->w)) != NULL) {
		if (PQresultStatus(res) != PGRES_COMMAND_OK && rc == VOUCH_OK)
			rc = pg_fail(s->w, "copy", err);
		PQclear(res);
	}
	vouch_buf_reset(rows);
	return rc;
}

static int
flush_rows(struct s3pg *s, vouch_err *err)
{
	int rc;

	if ((rc = copy_rows(s, "COPY vouch_leaves(log, idx, hash) FROM STDIN", &s->leaves,
	                    err)) != VOUCH_OK)
		return rc;
	return copy_rows(s, "COPY vouch_subjects(log, digest, idx) FROM STDIN", &s->subjects,
	                 err);
}

/* The new size and note under this writer's token, the rows, COMMIT;
 * only then the checkpoint object. */
static int
s_publish(void *be, const vouch_checkpoint *cp, const vouch_buf *note, vouch_err *err)
{
	struct s3pg *s = be;
	char size[24], fence[24];
	char *hex = NULL;
	const char *p[4];
	PGresult *res = NULL;
	size_t n;
	int rc;

	snprintf(size, sizeof size, "%" PRIu64, cp->size);
	snprintf(fence, sizeof fence, "%" PRIu64, s->fence);
	if ((hex = (char *)PQescapeByteaConn(s->w, note->data, note->len, &n)) == NULL)
		return vouch_err_set(err, VOUCH_ENOMEM, "out of memory");
	p[0] = s->log;
	p[1] = size;
	p[2] = hex;
	p[3] = fence;
	if ((rc = flush_rows(s, err)) != VOUCH_OK ||
	    (rc = pg_run(s->w, "UPDATE vouch_log SET size = $2, note = $3::bytea"
	                       " WHERE log = $1 AND fence = $4", 4, p, &res, err)) != VOUCH_OK)
		goto out;
	if (strcmp(PQcmdTuples(res), "1") != 0) {
		rc = vouch_err_set(err, VOUCH_EEXIST, "'s3://%s' was taken over by another writer",
		                   s->log);
		goto out;
	}
	if ((rc = pg_run(s->w, "COMMIT", 0, NULL, NULL, err)) != VOUCH_OK)
		goto out;
	s->in_txn = 0;
	rc = put_checkpoint(s, note->data, note->len, err);
out:
	PQclear(res);
	PQfreemem(hex);
	return rc;
}

static int
s_txn_begin(void *be, vouch_err *err)
{
	struct s3pg *s = be;
	int rc;

	vouch_buf_reset(&s->leaves);
	vouch_buf_reset(&s->subjects);
	if ((rc = pg_run(s->w, "BEGIN", 0, NULL, NULL, err)) == VOUCH_OK)
		s->in_txn = 1;
	return rc;
}

static int
s_txn_end(void *be, int ok, vouch_err *err)
{
	struct s3pg *s = be;
	int rc;

	if (!ok) {
		s_abort(s);
		return VOUCH_OK;
	}
	if ((rc = flush_rows(s, err)) != VOUCH_OK ||
	    (rc = pg_run(s->w, "COMMIT", 0, NULL, NULL, err)) != VOUCH_OK) {
		s_abort(s);
		return rc;
	}
	s->in_txn = 0;
	return VOUCH_OK;
}

/* One COPY text row: "log\tIDX\t\\xHEX" or "log\t\\xHEX\tIDX". */
static int
row(vouch_buf *b, const char *log, uint64_t idx, const uint8_t *h, size_t hn, int idx_first,
    vouch_err *err)
{
	char hex[2 * 32 + 1];

	if (hn > 32)
		return vouch_err_set(err, VOUCH_EINTERNAL, "index key too long");
	vouch_hex_encode(h, hn, hex);
	return idx_first ? vouch_buf_appendf(b, err, "%s\t%" PRIu64 "\t\\\\x%s\n", log, idx, hex)
	                 : vouch_buf_appendf(b, err, "%s\t\\\\x%s\t%" PRIu64 "\n", log, hex, idx);
}

static int
s_index_add(void *be, uint64_t idx, const vouch_hash key, const uint8_t *subjects,
            size_t nsubjects, vouch_err *err)
{
	struct s3pg *s = be;
	size_t i;
	int rc;

	if ((rc = row(&s->leaves, s->log, idx, key, VOUCH_HASH_LEN, 1, err)) != VOUCH_OK)
		return rc;
	for (i = 0; i < nsubjects; i++)
		if ((rc = row(&s->subjects, s->log, idx, subjects + 32 * i, 32, 0, err)) != VOUCH_OK)
			return rc;
	return VOUCH_OK;
}

static int
s_index_start(void *be, int keyed, int reindex, uint64_t size, uint64_t *next,
              vouch_err *err)
{
	struct s3pg *s = be;
	char sz[24], k[4];
	const char *p[3];
	PGresult *res = NULL;
	int rc;

	*next = 0;
	snprintf(sz, sizeof sz, "%" PRIu64, size);
	snprintf(k, sizeof k, "%d", keyed);
	p[0] = s->log;
	p[1] = sz;
	p[2] = k;
	if ((rc = pg_run(s->w, "SELECT keyed FROM vouch_log WHERE log = $1", 1, p, &res, err)) !=
	    VOUCH_OK)
		return rc;
	if (PQntuples(res) != 1 || atoi(PQgetvalue(res, 0, 0)) != keyed)
		reindex = 1;
	PQclear(res);
	res = NULL;
	if (reindex &&
	    ((rc = pg_run(s->w, "DELETE FROM vouch_leaves WHERE log = $1", 1, p, NULL, err)) !=
	         VOUCH_OK ||
	     (rc = pg_run(s->w, "DELETE FROM vouch_subjects WHERE log = $1", 1, p, NULL, err)) !=
	         VOUCH_OK))
		return rc;
	if ((rc = pg_run(s->w, "UPDATE vouch_log SET keyed = $3::int WHERE log = $1 AND"
	                       " $2::bigint >= 0", 3, p, NULL, err)) != VOUCH_OK ||
	    (rc = pg_run(s->w, "DELETE FROM vouch_leaves WHERE log = $1 AND idx >= $2::bigint", 2,
	                 p, NULL, err)) != VOUCH_OK ||
	    (rc = pg_run(s->w, "DELETE FROM vouch_subjects WHERE log = $1 AND idx >= $2::bigint",
	                 2, p, NULL, err)) != VOUCH_OK ||
	    (rc = pg_run(s->w, "SELECT count(*), coalesce(max(idx), -1) FROM vouch_leaves"
	                       " WHERE log = $1", 1, p, &res, err)) != VOUCH_OK)
		return rc;
	/* rows go in by whole batches in order: a complete prefix has
	 * count == max + 1 */
	if (strtoll(PQgetvalue(res, 0, 0), NULL, 10) == strtoll(PQgetvalue(res, 0, 1), NULL, 10) + 1)
		*next = strtoull(PQgetvalue(res, 0, 0), NULL, 10);
	else if ((rc = pg_run(s->w, "DELETE FROM vouch_leaves WHERE log = $1", 1, p, NULL,
	                      err)) == VOUCH_OK)
		rc = pg_run(s->w, "DELETE FROM vouch_subjects WHERE log = $1", 1, p, NULL, err);
	PQclear(res);
	return rc;
}

static long
mono_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* A query on the reading connection.  A connection that broke is made
 * again at once, then every half second for up to R_WAIT_MS while the
 * database restarts (as long as the writer waits): lookups and the
 * submissions that need them wait for the database instead of being
 * refused.  An error on a live connection is returned as it is. */
#define R_WAIT_MS 30000
static int
r_query(struct s3pg *s, const char *sql, const uint8_t *key, size_t max, PGresult **res,
        vouch_err *err)
{
	char hex[2 + 64 + 1], lim[24];
	const char *p[3];
	int attempt, rc = VOUCH_OK;
	long start = mono_ms();

	hex[0] = '\\';
	hex[1] = 'x';
	vouch_hex_encode(key, 32, hex + 2);
	snprintf(lim, sizeof lim, "%zu", max);
	p[0] = s->log;
	p[1] = hex;
	p[2] = lim;
	for (attempt = 0;; attempt++) {
		if (s->r == NULL && (rc = pg_connect(s, &s->r, err)) != VOUCH_OK)
			goto again;
		if ((rc = pg_run(s->r, sql, 3, p, res, err)) == VOUCH_OK)
			return rc;
		if (PQstatus(s->r) == CONNECTION_OK)
			return rc;
		PQfinish(s->r);
		s->r = NULL;
again:
		if (mono_ms() - start >= R_WAIT_MS)
			return rc;
		vouch_err_clear(err);
		if (attempt > 0)
			sleep_ms(500);
	}
}

static int
s_find_leaf(void *be, const vouch_hash key, uint64_t *idx, vouch_err *err)
{
	struct s3pg *s = be;
	PGresult *res = NULL;
	int rc;

	pthread_mutex_lock(&s->rmu);
	rc = r_query(s, "SELECT idx FROM vouch_leaves WHERE log = $1 AND hash = $2::bytea"
	                " AND $3::bigint > 0 ORDER BY idx LIMIT 1", key, 1, &res, err);
	pthread_mutex_unlock(&s->rmu);
	if (rc != VOUCH_OK)
		return rc;
	rc = VOUCH_ENEGATIVE;
	if (PQntuples(res) == 1) {
		*idx = strtoull(PQgetvalue(res, 0, 0), NULL, 10);
		rc = VOUCH_OK;
	}
	PQclear(res);
	return rc;
}

static int
s_lookup(void *be, const uint8_t d[32], uint64_t *out, size_t max, size_t *n, vouch_err *err)
{
	struct s3pg *s = be;
	PGresult *res = NULL;
	int i, rc;

	*n = 0;
	pthread_mutex_lock(&s->rmu);
	rc = r_query(s, "SELECT DISTINCT idx FROM vouch_subjects WHERE log = $1 AND"
	                " digest = $2::bytea ORDER BY idx LIMIT $3::bigint", d, max, &res, err);
	pthread_mutex_unlock(&s->rmu);
	if (rc != VOUCH_OK)
		return rc;
	for (i = 0; i < PQntuples(res) && *n < max; i++)
		out[(*n)++] = strtoull(PQgetvalue(res, i, 0), NULL, 10);
	PQclear(res);
	return VOUCH_OK;
}

static uint64_t
s_fence(void *be)
{
	return ((struct s3pg *)be)->fence;
}

/* ---- open, free ---- */

static void
s_free(void *be)
{
	struct s3pg *s = be;
	size_t i;

	if (s == NULL)
		return;
	if (s->w != NULL)
		PQfinish(s->w);
	if (s->r != NULL)
		PQfinish(s->r);
	for (i = 0; i < s->npool; i++)
		curl_easy_cleanup(s->pool[i]);
	for (i = 0; i < CACHE_SLOTS; i++)
		free(s->cache[i].data);
	pend_clear(s);
	free(s->pend);
	pthread_mutex_destroy(&s->rmu);
	pthread_mutex_destroy(&s->pmu);
	vouch_buf_free(&s->leaves);
	vouch_buf_free(&s->subjects);
	free(s->base);
	free(s->log);
	free(s->userpwd);
	free(s->db);
	free(s);
}

static char *
join(const char *a, const char *b, const char *c, const char *d)
{
	size_t n = strlen(a) + strlen(b) + strlen(c) + strlen(d) + 1;
	char *s = malloc(n);

	if (s != NULL)
		snprintf(s, n, "%s%s%s%s", a, b, c, d);
	return s;
}

/* The connection string must not carry a password (it would be on a
 * command line): libpq reads PGPASSWORD or PGPASSFILE. */
static int
check_db(const char *db, vouch_err *err)
{
	PQconninfoOption *o, *opts;
	char *msg = NULL;
	int rc = VOUCH_OK;

	if (db == NULL)
		return vouch_err_set(err, VOUCH_EUSAGE, "s3 storage needs a database (--db)");
	if ((opts = PQconninfoParse(db, &msg)) == NULL) {
		rc = vouch_err_set(err, VOUCH_EUSAGE, "'%s' is not a PostgreSQL connection string",
		                   db);
		PQfreemem(msg);
		return rc;
	}
	for (o = opts; o->keyword != NULL; o++)
		if (strcmp(o->keyword, "password") == 0 && o->val != NULL && o->val[0] != '\0')
			rc = vouch_err_set(err, VOUCH_EUSAGE,
			                   "the database string carries a password: use PGPASSWORD or "
			                   "PGPASSFILE");
	PQconninfoFree(opts);
	return rc;
}

static int
s_open(const vouch_logstore_spec *spec, unsigned flags, void **out, vouch_err *err)
{
	vouch_logstore_loc loc;
	struct s3pg *s;
	const char *ep = spec->endpoint;
	char slash[2] = "";
	int rc;

	(void)flags;
	*out = NULL;
	if ((rc = vouch_logstore_loc_parse(spec->storage, &loc, err)) != VOUCH_OK ||
	    (rc = vouch_logstore_endpoint_check(ep, err)) != VOUCH_OK ||
	    (rc = check_db(spec->db, err)) != VOUCH_OK)
		return rc;
	if ((spec->access_key == NULL) != (spec->secret_key == NULL))
		return vouch_err_set(err, VOUCH_EUSAGE, "an S3 access key needs its secret");
	if ((s = calloc(1, sizeof *s)) == NULL)
		return vouch_err_set(err, VOUCH_ENOMEM, "out of memory");
	pthread_mutex_init(&s->rmu, NULL);
	pthread_mutex_init(&s->pmu, NULL);
	vouch_buf_init(&s->leaves, 0);
	vouch_buf_init(&s->subjects, 0);
	if (ep[strlen(ep) - 1] != '/')
		slash[0] = '/';
	s->timeout_ms = spec->timeout_ms > 0 ? spec->timeout_ms : 10000;
	s->retries = spec->retries > 0 ? spec->retries : 5;
	snprintf(s->sigv4, sizeof s->sigv4, "aws:amz:%s:s3",
	         spec->region != NULL && strlen(spec->region) < 40 ? spec->region : "us-east-1");
	s->base = join(ep, slash, loc.bucket, "/");
	if (s->base != NULL) {
		char *b = join(s->base, loc.prefix, "", "");

		free(s->base);
		s->base = b;
	}
	s->log = join(loc.bucket, "/", loc.prefix, "");
	s->db = strdup(spec->db);
	if (spec->access_key != NULL)
		s->userpwd = join(spec->access_key, ":", spec->secret_key, "");
	if (s->base == NULL || s->log == NULL || s->db == NULL ||
	    (spec->access_key != NULL && s->userpwd == NULL)) {
		s_free(s);
		return vouch_err_set(err, VOUCH_ENOMEM, "out of memory");
	}
	*out = s;
	return VOUCH_OK;
}

const struct logstore_ops vouch_logstore_s3pg_ops = {
	"s3pg", 1, s_open, s_free, s_get, s_put, s_lock, s_recover, NULL, s_begin,
	s_publish, s_abort, s_index_start, s_txn_begin, s_index_add, s_txn_end, s_find_leaf,
	s_lookup, s_fence, NULL,
};
