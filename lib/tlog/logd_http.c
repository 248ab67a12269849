/* logd_http.c - vouch-logd's HTTP front (see logd_http.h).
 *
 * Read side: /checkpoint and /tile/... straight from the log directory (the
 * same files nginx can serve), /lookup/sha256/... from the index.  Write
 * side: POST /add takes one DSSE envelope, checks it, and hands it to the
 * sequencer with its connection suspended; the sequencer resumes it once
 * the entry is durable and covered by a signed checkpoint, and the answer
 * (index, inclusion proof, checkpoint) is written then.
 */
#include "config.h"

#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <microhttpd.h>

#include "vouch/codec.h"
#include "vouch/json.h"
#include "vouch/logentry.h"
#include "vouch/logstore.h"
#include "vouch/merkle.h"
#include "vouch/tile.h"
#include "vouch/tlogproof.h"
#include "httpd_int.h"
#include "logd_http.h"

#define reply vouch_httpd_reply
#define reply_error vouch_httpd_reply_error

#define LOOKUP_MAX 1000

/* Threads of libmicrohttpd, each an event loop: no request blocks one
 * (POST /add is suspended while it waits). */
#define LOGD_HTTP_THREADS 2

struct logd_http {
	const vouch_logd_opts *o;
	struct logd_seq *seq;
	vouch_key *const *submitters;
	size_t nsubmitters;
	struct vouch_httpd *httpd;
};

/* ---- GET ---- */

static enum MHD_Result
serve_checkpoint(struct logd_http *h, struct MHD_Connection *c)
{
	vouch_logwit *lw = logd_seq_witnesses(h->seq);
	enum MHD_Result ret;
	vouch_buf b;
	uint64_t size;

	vouch_buf_init(&b, 0);
	if (lw != NULL) { /* issue 17: the newest cosigned by the quorum */
		if (vouch_logwit_latest(lw, &b) == 0)
			ret = reply_error(c, MHD_HTTP_SERVICE_UNAVAILABLE,
			                  "no checkpoint is cosigned by the witnesses yet");
		else
			ret = reply(c, MHD_HTTP_OK, "text/plain; charset=utf-8", b.data, b.len,
			            "no-cache");
	} else if (logd_seq_checkpoint(h->seq, &b, &size, NULL) != VOUCH_OK) {
		ret = MHD_NO;
	} else {
		ret = reply(c, MHD_HTTP_OK, "text/plain; charset=utf-8", b.data, b.len, "no-cache");
	}
	vouch_buf_free(&b);
	return ret;
}

/* issue 20: a tile or bundle from object storage */
static enum MHD_Result
serve_object(struct logd_http *h, struct MHD_Connection *c, const char *url)
{
	enum MHD_Result ret;
	vouch_buf b;
	int rc;

	vouch_buf_init(&b, 0);
	rc = vouch_logstore_get(logd_seq_reader(h->seq), url,
	                        (size_t)VOUCH_TILE_WIDTH * (VOUCH_ENTRY_MAX + 2), &b, NULL);
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
serve_tile(struct logd_http *h, struct MHD_Connection *c, const char *url)
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
	logd_seq_checkpoint(h->seq, NULL, &size, NULL);
	/* only what the current checkpoint commits to */
	if (width > vouch_tile_width(level, index, size))
		return reply_error(c, MHD_HTTP_NOT_FOUND, "no such tile");
	if (h->o->dir == NULL)
		return serve_object(h, c, url);
	n = snprintf(path, sizeof path, "%s/%s", h->o->dir, url);
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
serve_lookup(struct logd_http *h, struct MHD_Connection *c, const char *hex)
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
	rc = logd_seq_lookup(h->seq, digest, hits, LOOKUP_MAX, &n, &err);
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
 * computed; otherwise it is computed from the tiles.  Written straight
 * into out, byte for byte what cJSON printed of it before (issue 18: the
 * tree and its strings were a tenth of the server's time):
 * {"index":N,"leaf_hash":HEX,"tree_size":N,"checkpoint":NOTE,
 *  "inclusion_proof":[B64...],"tlog_proof":TEXT} and a newline. */
static int
add_response_signed(const struct logd_http *h, uint64_t index, uint64_t size,
                    const vouch_hash leaf, const char *note, size_t note_len,
                    const vouch_hash *given, size_t ngiven, vouch_buf *out, vouch_err *err)
{
	vouch_hash proof[VOUCH_PROOF_MAX];
	vouch_tilehashes *th = NULL;
	vouch_buf text;
	char hex[2 * VOUCH_HASH_LEN + 1];
	size_t n = 0, i;
	int rc;

	vouch_buf_init(&text, 0);
	if (given != NULL) {
		memcpy(proof, given, ngiven * VOUCH_HASH_LEN);
		n = ngiven;
	} else if ((rc = vouch_tilehashes_new(size, vouch_logstore_tile_read, logd_seq_reader(h->seq), &th,
	                                      err)) != VOUCH_OK ||
	           (rc = vouch_merkle_prove_inclusion(vouch_tilehashes_read, th, index, size,
	                                              proof, &n, err)) != VOUCH_OK) {
		goto out;
	}
	if ((rc = vouch_tlogproof_format(NULL, 0, index, (const vouch_hash *)proof, n, note,
	                                 note_len, &text, err)) != VOUCH_OK ||
	    (rc = vouch_buf_reserve(out, 160 + 2 * note_len + 48 * n + 2 * text.len, err)) !=
	        VOUCH_OK ||
	    (rc = vouch_buf_appendf(out, err, "{\"index\":%llu,\"leaf_hash\":\"%s\",\"tree_size\":%llu,"
	                            "\"checkpoint\":", (unsigned long long)index,
	                            vouch_hex_encode(leaf, VOUCH_HASH_LEN, hex),
	                            (unsigned long long)size)) != VOUCH_OK ||
	    (rc = vouch_json_append_string(out, note, note_len, err)) != VOUCH_OK ||
	    (rc = vouch_buf_append_str(out, ",\"inclusion_proof\":[", err)) != VOUCH_OK)
		goto out;
	for (i = 0; i < n && rc == VOUCH_OK; i++) {
		if ((i > 0 && (rc = vouch_buf_append_byte(out, ',', err)) != VOUCH_OK) ||
		    (rc = vouch_buf_append_byte(out, '"', err)) != VOUCH_OK ||
		    (rc = vouch_b64_append(out, proof[i], VOUCH_HASH_LEN, VOUCH_B64_STD, err)) !=
		        VOUCH_OK)
			break;
		rc = vouch_buf_append_byte(out, '"', err);
	}
	if (rc == VOUCH_OK &&
	    (rc = vouch_buf_append_str(out, "],\"tlog_proof\":", err)) == VOUCH_OK &&
	    (rc = vouch_json_append_string(out, (const char *)text.data, text.len, err)) ==
	        VOUCH_OK)
		rc = vouch_buf_append_str(out, "}\n", err);
out:
	vouch_tilehashes_free(th);
	vouch_buf_free(&text);
	return rc;
}

/* issue 17: with witnesses, the answer carries the newest checkpoint
 * cosigned by the quorum when one covers the entry (its proof then
 * computed from the tiles); the sequencer's hand-off held the answer until
 * then or witness_wait_ms. */
static int
add_response(const struct logd_http *h, const struct logd_result *r, vouch_buf *out,
             vouch_err *err)
{
	vouch_logwit *lw = logd_seq_witnesses(h->seq);
	vouch_buf cn;
	uint64_t got = 0;
	int rc;

	vouch_buf_init(&cn, 0);
	if (lw != NULL)
		got = vouch_logwit_wait(lw, r->index + 1, 0, &cn);
	if (got > 0)
		rc = add_response_signed(h, r->index, got, r->leaf, vouch_buf_cstr(&cn), cn.len,
		                         got == r->size ? r->proof : NULL,
		                         got == r->size ? r->nproof : 0, out, err);
	else
		rc = add_response_signed(h, r->index, r->size, r->leaf, r->note, r->note_len,
		                         r->proof, r->nproof, out, err);
	vouch_buf_free(&cn);
	return rc;
}

/* A POST /add between its hand-over to the sequencer and its answer. */
struct add_req {
	struct logd_wait w;        /* w.item: the entry joined, if queued */
	struct MHD_Connection *c;
	unsigned status;           /* an error status to answer with, or 0 */
	vouch_err err;
	int stored;                /* already in the log: see r */
	struct logd_result r;
	vouch_buf note;            /* r.note's text when stored */
};

static void
add_req_free(void *arg)
{
	struct add_req *a = arg;

	if (a == NULL)
		return;
	logd_item_release(a->w.item);
	vouch_buf_free(&a->note);
	free(a);
}

/* From the sequencer: the entry's fate is known. */
static void
add_done(void *arg)
{
	struct add_req *a = arg;

	MHD_resume_connection(a->c);
}

/* The body is here: check it and hand it to the sequencer, the
 * connection suspended until it answers. */
static enum MHD_Result
add_begin(struct logd_http *h, struct MHD_Connection *c, struct vouch_httpd_req *rq)
{
	struct logd_entry en;
	struct add_req *a;
	vouch_err err;
	vouch_buf subj;
	uint8_t *data;
	size_t len;
	int rc;

	if (rq->too_big)
		return reply_error(c, MHD_HTTP_CONTENT_TOO_LARGE, "envelope too large");
	vouch_err_clear(&err);
	/* one parse: the checks, the dedup key and the index's subjects */
	vouch_buf_init(&subj, (size_t)VOUCH_LOGSTORE_SUBJECTS_MAX * 32 + 1);
	rc = vouch_logentry_check_keyed(rq->body.data, rq->body.len,
	                                (const vouch_key *const *)h->submitters, h->nsubmitters,
	                                &subj, en.key, &err);
	if (rc != VOUCH_OK)
		vouch_buf_free(&subj);
	if (rc == VOUCH_ENEGATIVE)
		return reply_error(c, MHD_HTTP_FORBIDDEN, vouch_err_msg(&err));
	if (rc == VOUCH_ELIMIT)
		return reply_error(c, MHD_HTTP_CONTENT_TOO_LARGE, vouch_err_msg(&err));
	if (rc != VOUCH_OK)
		return reply_error(c, MHD_HTTP_BAD_REQUEST, vouch_err_msg(&err));
	if (vouch_merkle_leaf_hash(rq->body.data, rq->body.len, en.leaf, &err) != VOUCH_OK) {
		vouch_buf_free(&subj);
		return reply_error(c, MHD_HTTP_INTERNAL_SERVER_ERROR, vouch_err_msg(&err));
	}
	en.subjects = subj.data;
	en.nsubjects = subj.len / 32;
	if ((a = calloc(1, sizeof *a)) == NULL) {
		vouch_buf_free(&subj);
		return reply_error(c, MHD_HTTP_INTERNAL_SERVER_ERROR, "out of memory");
	}
	a->c = c;
	a->w.done = add_done;
	a->w.arg = a;
	vouch_buf_init(&a->note, 0);
	vouch_err_clear(&a->err);
	rq->app = a;
	rq->app_free = add_req_free;
	/* the body goes to the sequencer as it is (no copy) */
	data = rq->body.data;
	len = rq->body.len;
	vouch_buf_init(&rq->body, 1);
	MHD_suspend_connection(c); /* before the sequencer may resume it */
	rc = logd_seq_submit(h->seq, &data, len, &en, &a->w, &a->r, &a->note, &a->err);
	free(data);                /* NULL when the sequencer took it */
	vouch_buf_free(&subj);
	if (rc == LOGD_QUEUED)
		return MHD_YES;
	if (rc == LOGD_STORED) {
		a->stored = 1;
		if (logd_seq_await_cosigned(h->seq, a->r.index + 1, &a->w))
			return MHD_YES;
	} else {
		a->status = rc == LOGD_FULL ? MHD_HTTP_SERVICE_UNAVAILABLE
		                            : MHD_HTTP_INTERNAL_SERVER_ERROR;
	}
	MHD_resume_connection(c); /* answered at the next call */
	return MHD_YES;
}

/* Resumed: the answer. */
static enum MHD_Result
add_answer(struct logd_http *h, struct MHD_Connection *c, struct add_req *a)
{
	struct logd_result r;
	enum MHD_Result ret;
	vouch_buf out;
	int rc;

	if (a->status != 0)
		return reply_error(c, a->status, vouch_err_msg(&a->err));
	if (a->stored)
		r = a->r;
	else if (logd_item_result(a->w.item, &r) != VOUCH_OK)
		return reply_error(c, MHD_HTTP_INTERNAL_SERVER_ERROR,
		                   "the entry could not be committed");
	vouch_buf_init(&out, 0);
	rc = add_response(h, &r, &out, &a->err);
	if (rc == VOUCH_OK)
		ret = reply(c, MHD_HTTP_OK, "application/json", out.data, out.len, "no-store");
	else
		ret = reply_error(c, MHD_HTTP_INTERNAL_SERVER_ERROR, vouch_err_msg(&a->err));
	vouch_buf_free(&out);
	return ret;
}

static enum MHD_Result
handle_get(struct logd_http *h, struct MHD_Connection *c, const char *url)
{
	if (strcmp(url, "/checkpoint") == 0)
		return serve_checkpoint(h, c);
	if (strncmp(url, "/tile/", 6) == 0)
		return serve_tile(h, c, url + 1);
	if (strncmp(url, "/lookup/sha256/", 15) == 0)
		return serve_lookup(h, c, url + 15);
	return reply_error(c, MHD_HTTP_NOT_FOUND, "not found");
}

static enum MHD_Result
handler(void *cls, struct MHD_Connection *c, const char *url, const char *method,
        const char *version, const char *upload, size_t *upload_size, void **con_cls)
{
	struct logd_http *h = cls;
	struct vouch_httpd_req *rq = *con_cls;
	int st;

	(void)version;
	if (rq == NULL)
		return vouch_httpd_begin(c, con_cls, method, h->o->max_body, "envelope too large");
	if (rq->app != NULL)        /* resumed by the sequencer */
		return add_answer(h, c, rq->app);
	if (strcmp(method, "GET") == 0 || strcmp(method, "HEAD") == 0) {
		if (strcmp(url, "/add") == 0)
			return reply_error(c, MHD_HTTP_METHOD_NOT_ALLOWED, "use POST");
		return handle_get(h, c, url);
	}
	/* other methods: take in (or drop) the body first, then answer */
	st = vouch_httpd_upload(rq, upload, upload_size,
	                        strcmp(method, "POST") == 0 && strcmp(url, "/add") == 0,
	                        h->o->max_body, h->o->timeout_s);
	if (st != 0)
		return st < 0 ? MHD_NO : MHD_YES; /* cut a slow client, or take more */
	if (strcmp(url, "/add") == 0 && strcmp(method, "POST") != 0)
		return reply_error(c, MHD_HTTP_METHOD_NOT_ALLOWED, "use POST");
	if (strcmp(url, "/add") != 0) {
		if (strcmp(url, "/checkpoint") == 0 || strncmp(url, "/tile/", 6) == 0)
			return reply_error(c, MHD_HTTP_METHOD_NOT_ALLOWED, "method not allowed");
		return reply_error(c, MHD_HTTP_NOT_FOUND, "not found");
	}
	return add_begin(h, c, rq);
}

/* ---- life cycle ---- */

int
logd_http_start(const vouch_logd_opts *o, const struct sockaddr_in *sa, struct logd_seq *seq,
                vouch_key *const *submitters, size_t nsubmitters, struct logd_http **out,
                vouch_err *err)
{
	struct vouch_httpd_limits lim;
	struct logd_http *h;

	*out = NULL;
	if ((h = calloc(1, sizeof *h)) == NULL)
		return vouch_err_set(err, VOUCH_ENOMEM, "out of memory");
	h->o = o;
	h->seq = seq;
	h->submitters = submitters;
	h->nsubmitters = nsubmitters;
	lim.max_conn = (unsigned)o->max_conn;
	lim.max_conn_per_ip = (unsigned)o->max_conn_per_ip;
	lim.timeout_s = (unsigned)o->timeout_s;
	lim.threads = LOGD_HTTP_THREADS;
	h->httpd = vouch_httpd_start(sa, &lim, handler, h, vouch_httpd_completed, h);
	if (h->httpd == NULL) {
		free(h);
		return vouch_err_set(err, VOUCH_EIO, "cannot listen on '%s'", o->listen);
	}
	*out = h;
	return VOUCH_OK;
}

unsigned
logd_http_port(const struct logd_http *h)
{
	return h != NULL ? vouch_httpd_port(h->httpd) : 0;
}

void
logd_http_stop(struct logd_http *h)
{
	if (h == NULL)
		return;
	vouch_httpd_stop(h->httpd);
	free(h);
}
