/* logwitness.c - cosignatures for vouch-logd's checkpoints (logwitness_int.h). */
#include "config.h"

#include <errno.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "vouch/checkpoint.h"
#include "vouch/cosig.h"
#include "vouch/file.h"
#include "vouch/logclient.h"
#include "vouch/logstore.h"
#include "vouch/merkle.h"
#include "vouch/tile.h"
#include "vouch/witness.h"
#include "httpd_int.h"
#include "logwitness_int.h"

#define RETRY_MS 1000   /* after a failed request */

struct worker {
	struct vouch_logwit *lw;
	size_t i;
	vouch_logclient *lc;
	pthread_t th;
	int started;
	uint64_t known;          /* the size this witness last cosigned, as far as we know */
	uint64_t done_size;      /* the size of done_line */
	vouch_buf line;          /* its cosignature line(s) for done_size */
};

struct vouch_logwit {
	struct vouch_logwit_opts o;
	pthread_mutex_t mu;
	pthread_cond_t work, published;
	int stopping;
	char *note;              /* the log's newest checkpoint */
	size_t note_len;
	uint64_t size;
	char *pub;               /* the newest published, with cosignatures */
	size_t pub_len;
	uint64_t pub_size;
	size_t pub_count;        /* cosigners on it */
	struct worker *w;
};

#define lw_log(lw, ...) vouch_httpd_log((lw)->o.log, (lw)->o.log_arg, __VA_ARGS__)

static void
deadline(struct timespec *ts, uint64_t ms)
{
	clock_gettime(CLOCK_REALTIME, ts);
	ts->tv_sec += (time_t)(ms / 1000);
	ts->tv_nsec += (long)(ms % 1000) * 1000000;
	if (ts->tv_nsec >= 1000000000) {
		ts->tv_sec++;
		ts->tv_nsec -= 1000000000;
	}
}

/* ---- publishing (under lw->mu) ---- */

static int
publish(struct vouch_logwit *lw, const char *note, size_t len, uint64_t size, size_t count)
{
	char path[4096], *copy;
	int n;

	if ((copy = malloc(len + 1)) == NULL)
		return -1;
	memcpy(copy, note, len);
	copy[len] = '\0';
	free(lw->pub);
	lw->pub = copy;
	lw->pub_len = len;
	lw->pub_size = size;
	lw->pub_count = count;
	n = snprintf(path, sizeof path, "%s/checkpoint.cosigned", lw->o.dir);
	if (n > 0 && (size_t)n < sizeof path &&
	    vouch_write_file_atomic(path, note, len, 0644, NULL) != VOUCH_OK)
		lw_log(lw, "cannot write '%s'", path);
	pthread_cond_broadcast(&lw->published);
	return 0;
}

/* A worker has cosignatures for size: publish when a quorum of workers
 * has them for that checkpoint, and again when more come for it. */
static void
collect(struct vouch_logwit *lw, uint64_t size, const char *note, size_t len)
{
	vouch_buf b;
	size_t i, have = 0;

	if (size < lw->pub_size)
		return;
	for (i = 0; i < lw->o.n; i++)
		have += lw->w[i].done_size == size;
	if (have < lw->o.quorum || (size == lw->pub_size && have <= lw->pub_count))
		return;
	vouch_buf_init(&b, 0);
	if (vouch_buf_append(&b, note, len, NULL) == VOUCH_OK) {
		for (i = 0; i < lw->o.n; i++)
			if (lw->w[i].done_size == size)
				vouch_buf_append(&b, lw->w[i].line.data, lw->w[i].line.len, NULL);
		publish(lw, vouch_buf_cstr(&b), b.len, size, have);
	}
	vouch_buf_free(&b);
}

/* ---- one witness ---- */

/* The answer's lines by this witness that verify on note (appended to line). */
static int
keep_lines(struct worker *wk, const char *note, size_t len, const vouch_buf *resp,
           vouch_buf *line, vouch_err *err)
{
	vouch_note_verifier *w = wk->lw->o.ws[wk->i];
	const char *name = vouch_note_verifier_name(w), *p, *end, *nl;
	vouch_buf one;
	size_t nd = 0;
	int rc = VOUCH_OK;

	vouch_buf_init(&one, 0);
	p = (const char *)resp->data;
	end = p + resp->len;
	for (; p != NULL && p < end; p = nl != NULL ? nl + 1 : NULL) {
		nl = memchr(p, '\n', (size_t)(end - p));
		if (nl == NULL)
			break;
		/* "— <name> " */
		if ((size_t)(nl - p) < 5 + strlen(name) || memcmp(p, "\xe2\x80\x94 ", 4) != 0 ||
		    memcmp(p + 4, name, strlen(name)) != 0 || p[4 + strlen(name)] != ' ')
			continue;
		vouch_buf_reset(&one);
		if ((rc = vouch_buf_append(&one, note, len, err)) != VOUCH_OK ||
		    (rc = vouch_buf_append(&one, p, (size_t)(nl - p) + 1, err)) != VOUCH_OK ||
		    (rc = vouch_cosig_verify(vouch_buf_cstr(&one), one.len, &w, 1, &nd, NULL, err)) !=
		        VOUCH_OK)
			break;
		if (nd == 1 && (rc = vouch_buf_append(line, p, (size_t)(nl - p) + 1, err)) != VOUCH_OK)
			break;
	}
	vouch_buf_free(&one);
	if (rc == VOUCH_OK && line->len == 0)
		rc = vouch_err_set(err, VOUCH_ENEGATIVE, "the answer holds no cosignature by '%s'",
		                   name);
	return rc;
}

/* One add-checkpoint request for (note, size); VOUCH_OK with line set on 200. */
static int
ask(struct worker *wk, const char *note, size_t len, uint64_t size, long *status,
    vouch_buf *resp, vouch_buf *line, vouch_err *err)
{
	vouch_hash proof[VOUCH_PROOF_MAX];
	vouch_tilehashes *th = NULL;
	vouch_buf body;
	size_t np = 0;
	int rc = VOUCH_OK;

	vouch_buf_init(&body, 0);
	if (wk->known > size)
		return vouch_err_set(err, VOUCH_EINPUT, "the witness has cosigned size %llu, more "
		                     "than the log's %llu", (unsigned long long)wk->known,
		                     (unsigned long long)size);
	if (wk->known > 0 && wk->known < size &&
	    ((rc = vouch_tilehashes_new(size, vouch_logstore_read_tile, (void *)wk->lw->o.dir, &th,
	                                err)) != VOUCH_OK ||
	     (rc = vouch_merkle_prove_consistency(vouch_tilehashes_read, th, wk->known, size, proof,
	                                          &np, err)) != VOUCH_OK))
		goto out;
	if ((rc = vouch_witness_format_request(wk->known, (const vouch_hash *)proof, np, note, len,
	                                       &body, err)) != VOUCH_OK ||
	    (rc = vouch_logclient_post(wk->lc, "add-checkpoint", body.data, body.len, 64 * 1024,
	                               resp, status, err)) != VOUCH_OK)
		goto out;
	if (*status == 200)
		rc = keep_lines(wk, note, len, resp, line, err);
out:
	vouch_tilehashes_free(th);
	vouch_buf_free(&body);
	return rc;
}

/* Bring this witness to the checkpoint of size; 0 when it cosigned it. */
static int
follow(struct worker *wk, const char *note, size_t len, uint64_t size)
{
	const char *name = vouch_note_verifier_name(wk->lw->o.ws[wk->i]);
	vouch_buf resp, line;
	vouch_err err;
	long status = 0;
	int attempt, rc = -1;

	vouch_buf_init(&line, 0);
	for (attempt = 0; attempt < 2; attempt++) {
		uint64_t v;

		vouch_err_clear(&err);
		vouch_buf_reset(&line);
		vouch_buf_init(&resp, 0);
		status = 0;
		if (ask(wk, note, len, size, &status, &resp, &line, &err) != VOUCH_OK) {
			lw_log(wk->lw, "witness '%s': %s", name, vouch_err_msg(&err));
			vouch_buf_free(&resp);
			break;
		}
		if (status == 200) {
			pthread_mutex_lock(&wk->lw->mu);
			wk->known = size;
			wk->done_size = size;
			vouch_buf_reset(&wk->line);
			vouch_buf_append(&wk->line, line.data, line.len, NULL);
			collect(wk->lw, size, note, len);
			pthread_mutex_unlock(&wk->lw->mu);
			rc = 0;
		} else if (status == 409 && resp.len > 1 && resp.data[resp.len - 1] == '\n' &&
		           vouch_parse_decimal((const char *)resp.data, resp.len - 1, &v) == 0) {
			wk->known = v; /* try again from the size it has */
			vouch_buf_free(&resp);
			continue;
		} else {
			while (resp.len > 0 && resp.data[resp.len - 1] == '\n')
				resp.data[--resp.len] = '\0';
			lw_log(wk->lw, "witness '%s' answered %ld to size %llu: %.200s", name, status,
			       (unsigned long long)size, vouch_buf_cstr(&resp));
		}
		vouch_buf_free(&resp);
		break;
	}
	vouch_buf_free(&line);
	return rc;
}

static void *
worker_main(void *arg)
{
	struct worker *wk = arg;
	struct vouch_logwit *lw = wk->lw;
	struct timespec ts;
	uint64_t failed_at = 0;

	pthread_mutex_lock(&lw->mu);
	while (!lw->stopping) {
		char *note;
		size_t len;
		uint64_t size;

		if (lw->note == NULL || lw->size == wk->done_size || lw->size == failed_at) {
			if (lw->size == failed_at && lw->note != NULL) {
				deadline(&ts, RETRY_MS);
				if (pthread_cond_timedwait(&lw->work, &lw->mu, &ts) == ETIMEDOUT)
					failed_at = 0;
			} else {
				pthread_cond_wait(&lw->work, &lw->mu);
			}
			continue;
		}
		size = lw->size;
		len = lw->note_len;
		if ((note = malloc(len + 1)) == NULL)
			break;
		memcpy(note, lw->note, len + 1);
		pthread_mutex_unlock(&lw->mu);
		failed_at = follow(wk, note, len, size) == 0 ? 0 : size;
		free(note);
		pthread_mutex_lock(&lw->mu);
	}
	pthread_mutex_unlock(&lw->mu);
	return NULL;
}

/* ---- the interface ---- */

void
vouch_logwit_submit(vouch_logwit *lw, const char *note, size_t len, uint64_t size)
{
	char *copy;

	if (lw == NULL || (copy = malloc(len + 1)) == NULL)
		return;
	memcpy(copy, note, len);
	copy[len] = '\0';
	pthread_mutex_lock(&lw->mu);
	if (size >= lw->size) {
		free(lw->note);
		lw->note = copy;
		lw->note_len = len;
		lw->size = size;
		copy = NULL;
		pthread_cond_broadcast(&lw->work);
	}
	pthread_mutex_unlock(&lw->mu);
	free(copy);
}

uint64_t
vouch_logwit_latest(vouch_logwit *lw, vouch_buf *out)
{
	uint64_t size;

	pthread_mutex_lock(&lw->mu);
	size = lw->pub_size;
	if (size > 0 && vouch_buf_append(out, lw->pub, lw->pub_len, NULL) != VOUCH_OK)
		size = 0;
	pthread_mutex_unlock(&lw->mu);
	return size;
}

uint64_t
vouch_logwit_wait(vouch_logwit *lw, uint64_t size, uint64_t timeout_ms, vouch_buf *out)
{
	struct timespec ts;
	uint64_t got = 0;

	deadline(&ts, timeout_ms);
	pthread_mutex_lock(&lw->mu);
	while (lw->pub_size < size && !lw->stopping)
		if (pthread_cond_timedwait(&lw->published, &lw->mu, &ts) == ETIMEDOUT)
			break;
	if (lw->pub_size >= size && vouch_buf_append(out, lw->pub, lw->pub_len, NULL) == VOUCH_OK)
		got = lw->pub_size;
	pthread_mutex_unlock(&lw->mu);
	return got;
}

/* A checkpoint.cosigned from an earlier run that still meets the quorum. */
static void
reload(struct vouch_logwit *lw)
{
	char path[4096];
	vouch_checkpoint cp;
	vouch_buf b;
	int n;

	n = snprintf(path, sizeof path, "%s/checkpoint.cosigned", lw->o.dir);
	if (n < 0 || (size_t)n >= sizeof path)
		return;
	vouch_buf_init(&b, VOUCH_NOTE_MAX);
	if (vouch_read_file(path, VOUCH_NOTE_MAX, &b, NULL) == VOUCH_OK &&
	    vouch_checkpoint_open_cosigned(vouch_buf_cstr(&b), b.len, NULL, lw->o.logver, lw->o.ws,
	                                   lw->o.n, lw->o.quorum, &cp, NULL) == VOUCH_OK) {
		lw->pub = (char *)b.data;
		lw->pub_len = b.len;
		lw->pub_size = cp.size;
		lw->pub_count = lw->o.quorum;
		return;
	}
	vouch_buf_free(&b);
}

int
vouch_logwit_new(const struct vouch_logwit_opts *o, vouch_logwit **out, vouch_err *err)
{
	struct vouch_logwit *lw;
	size_t i;
	int rc = VOUCH_OK, e;

	*out = NULL;
	if (o->n == 0 || o->quorum == 0 || o->quorum > o->n)
		return vouch_err_set(err, VOUCH_EUSAGE, "the quorum must be 1 to %zu witnesses", o->n);
	if ((lw = calloc(1, sizeof *lw)) == NULL || (lw->w = calloc(o->n, sizeof *lw->w)) == NULL) {
		free(lw);
		return vouch_err_set(err, VOUCH_ENOMEM, "out of memory");
	}
	lw->o = *o;
	pthread_mutex_init(&lw->mu, NULL);
	pthread_cond_init(&lw->work, NULL);
	pthread_cond_init(&lw->published, NULL);
	reload(lw);
	for (i = 0; i < o->n && rc == VOUCH_OK; i++) {
		lw->w[i].lw = lw;
		lw->w[i].i = i;
		vouch_buf_init(&lw->w[i].line, 0);
		rc = vouch_logclient_new(o->urls[i], NULL, NULL, o->timeout_s, 0, &lw->w[i].lc, err);
	}
	for (i = 0; i < o->n && rc == VOUCH_OK; i++) {
		if ((e = pthread_create(&lw->w[i].th, NULL, worker_main, &lw->w[i])) != 0) {
			errno = e;
			rc = vouch_err_sys(err, VOUCH_EIO, "cannot start a witness worker");
			break;
		}
		lw->w[i].started = 1;
	}
	if (rc != VOUCH_OK) {
		vouch_logwit_free(lw);
		return rc;
	}
	*out = lw;
	return VOUCH_OK;
}

void
vouch_logwit_free(vouch_logwit *lw)
{
	size_t i;

	if (lw == NULL)
		return;
	pthread_mutex_lock(&lw->mu);
	lw->stopping = 1;
	pthread_cond_broadcast(&lw->work);
	pthread_cond_broadcast(&lw->published);
	pthread_mutex_unlock(&lw->mu);
	for (i = 0; i < lw->o.n; i++) {
		if (lw->w[i].started)
			pthread_join(lw->w[i].th, NULL);
		vouch_logclient_free(lw->w[i].lc);
		vouch_buf_free(&lw->w[i].line);
	}
	pthread_cond_destroy(&lw->published);
	pthread_cond_destroy(&lw->work);
	pthread_mutex_destroy(&lw->mu);
	free(lw->w);
	free(lw->note);
	free(lw->pub);
	free(lw);
}
