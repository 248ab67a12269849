/* witness.c - a C2SP tlog-witness (see vouch/witness.h). */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "vouch/checkpoint.h"
#include "vouch/codec.h"
#include "vouch/cosig.h"
#include "vouch/digest.h"
#include "vouch/file.h"
#include "vouch/witness.h"
#include "httpd_int.h"

#define TYPE_TEXT "text/plain; charset=utf-8"
#define TYPE_SIZE "text/x.tlog.size"

struct vouch_witness {
	vouch_witness_opts o;
	int lock_fd;
	pthread_mutex_t mu;        /* check-and-replace of a log's record */
	int mu_ready;
	struct sockaddr_in sa;
	int stop_pipe[2];
	struct vouch_httpd *mhd;    /* with the slow-client guard */
};

#define witness_log(w, ...) vouch_httpd_log((w)->o.log, (w)->o.log_arg, __VA_ARGS__)

/* ---- the request ---- */

int
vouch_witness_parse_request(const char *body, size_t len, uint64_t *old,
                            vouch_hash *proof, size_t *nproof, size_t *note_off,
                            vouch_err *err)
{
	const char *nl;
	size_t pos, n = 0;

	if (len > VOUCH_WITNESS_BODY_MAX)
		return vouch_err_set(err, VOUCH_ELIMIT, "request larger than %d bytes",
		                     VOUCH_WITNESS_BODY_MAX);
	nl = len > 0 ? memchr(body, '\n', len) : NULL;
	if (nl == NULL || nl - body < 5 || memcmp(body, "old ", 4) != 0 ||
	    vouch_parse_decimal(body + 4, (size_t)(nl - body - 4), old) != 0)
		return vouch_err_set(err, VOUCH_EINPUT, "request must start with 'old <size>'");
	for (pos = (size_t)(nl - body) + 1;; pos = (size_t)(nl - body) + 1) {
		if (pos >= len || (nl = memchr(body + pos, '\n', len - pos)) == NULL)
			return vouch_err_set(err, VOUCH_EINPUT, "request has no checkpoint");
		if (nl == body + pos)
			break; /* the empty line */
		if (n == VOUCH_WITNESS_PROOF_MAX)
			return vouch_err_set(err, VOUCH_EINPUT, "more than %d consistency proof lines",
			                     VOUCH_WITNESS_PROOF_MAX);
		if (vouch_b64_decode_exact(body + pos, (size_t)(nl - body) - pos, VOUCH_B64_STD,
		                           proof[n], VOUCH_HASH_LEN, NULL) != VOUCH_OK)
			return vouch_err_set(err, VOUCH_EINPUT, "consistency proof line %zu is not a "
			                     "base64 hash", n + 1);
		n++;
	}
	*nproof = n;
	*note_off = (size_t)(nl - body) + 1;
	if (*note_off >= len)
		return vouch_err_set(err, VOUCH_EINPUT, "request has no checkpoint");
	return VOUCH_OK;
}

int
vouch_witness_format_request(uint64_t old, const vouch_hash *proof, size_t nproof,
                             const char *note, size_t note_len, vouch_buf *out,
                             vouch_err *err)
{
	size_t i;
	int rc;

	if ((rc = vouch_buf_appendf(out, err, "old %llu\n", (unsigned long long)old)) != VOUCH_OK)
		return rc;
	for (i = 0; i < nproof && rc == VOUCH_OK; i++) {
		rc = vouch_b64_append(out, proof[i], VOUCH_HASH_LEN, VOUCH_B64_STD, err);
		if (rc == VOUCH_OK)
			rc = vouch_buf_append_byte(out, '\n', err);
	}
	if (rc == VOUCH_OK)
		rc = vouch_buf_append_byte(out, '\n', err);
	if (rc == VOUCH_OK)
		rc = vouch_buf_append(out, note, note_len, err);
	return rc;
}

/* ---- the state: <dir>/log-<hex SHA-256 of the origin> holds the signed
 * checkpoint last cosigned for that log ---- */

static int
state_path(vouch_witness *w, const char *origin, char *path, size_t cap, vouch_err *err)
{
	uint8_t md[32];
	char hex[65];
	int n;

	if (vouch_sha256(origin, strlen(origin), md, err) != VOUCH_OK)
		return VOUCH_ECRYPTO;
	n = snprintf(path, cap, "%s/log-%s", w->o.state_dir, vouch_hex_encode(md, 32, hex));
	if (n < 0 || (size_t)n >= cap)
		return vouch_err_set(err, VOUCH_EUSAGE, "state directory path too long");
	return VOUCH_OK;
}

/* The recorded checkpoint of the log ver: cp->size 0 when none. */
static int
state_load(vouch_witness *w, vouch_note_verifier *ver, vouch_checkpoint *cp, vouch_err *err)
{
	char path[4096];
	vouch_buf b;
	int rc;

	memset(cp, 0, sizeof *cp);
	vouch_buf_init(&b, VOUCH_NOTE_MAX);
	if ((rc = state_path(w, vouch_note_verifier_name(ver), path, sizeof path, err)) !=
	    VOUCH_OK)
		return rc;
	rc = vouch_read_file(path, VOUCH_NOTE_MAX, &b, err);
	if (rc != VOUCH_OK && access(path, F_OK) != 0 && errno == ENOENT) {
		vouch_err_clear(err);
		rc = VOUCH_OK; /* never cosigned: size 0 */
	} else if (rc == VOUCH_OK) {
		rc = vouch_checkpoint_open(vouch_buf_cstr(&b), b.len, vouch_note_verifier_name(ver),
		                           &ver, 1, cp, err);
		if (rc != VOUCH_OK)
			vouch_err_prefix(err, "witness state '%s'", path);
	}
	vouch_buf_free(&b);
	return rc;
}

static int
state_store(vouch_witness *w, const char *origin, const char *note, size_t len,
            vouch_err *err)
{
	char path[4096];
	int rc;

	if ((rc = state_path(w, origin, path, sizeof path, err)) != VOUCH_OK)
		return rc;
	return vouch_write_file_atomic(path, note, len, 0644, err);
}

/* ---- add-checkpoint ---- */

static vouch_note_verifier *
find_log(vouch_witness *w, const char *note, size_t len, char *origin, size_t cap)
{
	const char *nl = memchr(note, '\n', len);
	size_t i, n;

	if (nl == NULL || (n = (size_t)(nl - note)) >= cap)
		return NULL;
	memcpy(origin, note, n);
	origin[n] = '\0';
	for (i = 0; i < w->o.nlogs; i++)
		if (strcmp(vouch_note_verifier_name(w->o.logs[i]), origin) == 0)
			return w->o.logs[i];
	return NULL;
}

static int
answer(unsigned *status, unsigned code, vouch_buf *out, const char **type, const char *t,
       const char *msg, vouch_err *err)
{
	*status = code;
	*type = t;
	return vouch_buf_appendf(out, err, "%s\n", msg);
}

/* The checks against the record and the update, under w->mu. */
static int
check_and_cosign(vouch_witness *w, vouch_note_verifier *ver, uint64_t old,
                 const vouch_hash *proof, size_t nproof, const vouch_checkpoint *cp,
                 const char *note, size_t note_len, size_t text_len, unsigned *status,
                 vouch_buf *out, const char **type, vouch_err *err)
{
	vouch_checkpoint have;
	char size[32];
	int rc;

	if ((rc = state_load(w, ver, &have, err)) != VOUCH_OK)
		return rc;
	if (old != have.size) {
		snprintf(size, sizeof size, "%llu", (unsigned long long)have.size);
		return answer(status, 409, out, type, TYPE_SIZE, size, err);
	}
	if (old == cp->size && old > 0) {
		if (memcmp(have.root, cp->root, VOUCH_HASH_LEN) != 0) {
			witness_log(w, "'%s' signed two trees of size %llu: refused", cp->origin,
			            (unsigned long long)old);
			return answer(status, 409, out, type, TYPE_TEXT,
			              "checkpoint has the recorded size but a different root hash", err);
		}
		if (nproof != 0)
			return answer(status, 422, out, type, TYPE_TEXT,
			              "a proof between equal sizes must be empty", err);
	} else if (old == 0) {
		if (nproof != 0)
			return answer(status, 422, out, type, TYPE_TEXT,
			              "a proof from size 0 must be empty", err);
	} else {
		vouch_err perr;

		vouch_err_clear(&perr);
		rc = vouch_merkle_verify_consistency(old, cp->size, have.root, cp->root, proof, nproof,
		                                     &perr);
		if (rc == VOUCH_ENEGATIVE) {
			witness_log(w, "'%s' %llu -> %llu: consistency proof does not verify: %s",
			            cp->origin, (unsigned long long)old, (unsigned long long)cp->size,
			            vouch_err_msg(&perr));
			return answer(status, 422, out, type, TYPE_TEXT,
			              "the consistency proof does not verify", err);
		}
		if (rc != VOUCH_OK)
			return vouch_err_set(err, rc, "%s", vouch_err_msg(&perr));
	}
	/* durable before the answer; never below the record */
	if ((rc = state_store(w, cp->origin, note, note_len, err)) != VOUCH_OK)
		return rc;
	if ((rc = vouch_cosig_sign(note, text_len, w->o.name, w->o.key, (uint64_t)time(NULL), out,
	                           err)) != VOUCH_OK)
		return rc;
	*status = 200;
	*type = TYPE_TEXT;
	return VOUCH_OK;
}

int
vouch_witness_add_checkpoint(vouch_witness *w, const char *body, size_t len,
                             unsigned *status, vouch_buf *out, const char **type,
                             vouch_err *err)
{
	vouch_hash proof[VOUCH_WITNESS_PROOF_MAX];
	vouch_note_verifier *ver;
	vouch_checkpoint cp;
	char origin[VOUCH_ORIGIN_MAX + 2];
	const char *note;
	size_t nproof = 0, off = 0, note_len, text_len = 0;
	uint64_t old = 0;
	vouch_err perr;
	int rc;

	vouch_err_clear(&perr);
	if ((rc = vouch_witness_parse_request(body, len, &old, proof, &nproof, &off, &perr)) !=
	    VOUCH_OK)
		return answer(status, rc == VOUCH_ELIMIT ? 413 : 400, out, type, TYPE_TEXT,
		              vouch_err_msg(&perr), err);
	note = body + off;
	note_len = len - off;
	if ((ver = find_log(w, note, note_len, origin, sizeof origin)) == NULL)
		return answer(status, 404, out, type, TYPE_TEXT, "unknown log", err);
	rc = vouch_checkpoint_open(note, note_len, origin, &ver, 1, &cp, &perr);
	if (rc == VOUCH_ENEGATIVE)
		return answer(status, 403, out, type, TYPE_TEXT, vouch_err_msg(&perr), err);
	if (rc != VOUCH_OK)
		return answer(status, 400, out, type, TYPE_TEXT, vouch_err_msg(&perr), err);
	if (old > cp.size)
		return answer(status, 400, out, type, TYPE_TEXT,
		              "old size is larger than the checkpoint's", err);
	/* cosign the text exactly as received (text ends before the blank line) */
	if (vouch_note_verify(note, note_len, &ver, 1, &text_len, NULL, NULL) != VOUCH_OK)
		return vouch_err_set(err, VOUCH_EINTERNAL, "checkpoint no longer verifies");
	pthread_mutex_lock(&w->mu);
	rc = check_and_cosign(w, ver, old, proof, nproof, &cp, note, note_len, text_len, status,
	                      out, type, err);
	pthread_mutex_unlock(&w->mu);
	return rc;
}

/* ---- HTTP ---- */

static enum MHD_Result
handle_add(vouch_witness *w, struct MHD_Connection *c, struct vouch_httpd_req *rq)
{
	const char *type = TYPE_TEXT;
	unsigned status = 500;
	enum MHD_Result ret;
	vouch_buf out;
	vouch_err err;

	if (rq->too_big)
		return vouch_httpd_reply_error(c, MHD_HTTP_CONTENT_TOO_LARGE, "request too large");
	vouch_err_clear(&err);
	vouch_buf_init(&out, 0);
	if (vouch_witness_add_checkpoint(w, (const char *)rq->body.data, rq->body.len, &status,
	                                 &out, &type, &err) != VOUCH_OK) {
		witness_log(w, "add-checkpoint failed: %s", vouch_err_msg(&err));
		ret = vouch_httpd_reply_error(c, MHD_HTTP_INTERNAL_SERVER_ERROR, "internal error");
	} else {
		ret = vouch_httpd_reply(c, status, type, out.data, out.len, "no-store");
	}
	vouch_buf_free(&out);
	return ret;
}

static enum MHD_Result
handler(void *cls, struct MHD_Connection *c, const char *url, const char *method,
        const char *version, const char *upload, size_t *upload_size, void **con_cls)
{
	vouch_witness *w = cls;
	int is_add = strcmp(url, "/add-checkpoint") == 0, st;

	(void)version;
	if (*con_cls == NULL)
		return vouch_httpd_begin(c, con_cls, method, VOUCH_WITNESS_BODY_MAX,
		                         "request too large");
	st = vouch_httpd_upload(*con_cls, upload, upload_size, is_add, VOUCH_WITNESS_BODY_MAX,
	                        w->o.timeout_s);
	if (st != 0)
		return st < 0 ? MHD_NO : MHD_YES;
	if (!is_add)
		return vouch_httpd_reply_error(c, MHD_HTTP_NOT_FOUND, "not found");
	if (strcmp(method, "POST") != 0)
		return vouch_httpd_reply_error(c, MHD_HTTP_METHOD_NOT_ALLOWED, "use POST");
	return handle_add(w, c, *con_cls);
}

/* ---- life cycle ---- */

void
vouch_witness_opts_init(vouch_witness_opts *o)
{
	memset(o, 0, sizeof *o);
	o->max_conn = 256;
	o->max_conn_per_ip = 64;
	o->timeout_s = 10;
}

static int
lock_state(vouch_witness *w, vouch_err *err)
{
	char path[4096];
	int n;

	if (mkdir(w->o.state_dir, 0755) != 0 && errno != EEXIST)
		return vouch_err_sys(err, VOUCH_EIO, "cannot create '%s'", w->o.state_dir);
	n = snprintf(path, sizeof path, "%s/lock", w->o.state_dir);
	if (n < 0 || (size_t)n >= sizeof path)
		return vouch_err_set(err, VOUCH_EUSAGE, "state directory path too long");
	w->lock_fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0644);
	if (w->lock_fd < 0)
		return vouch_err_sys(err, VOUCH_EIO, "cannot open '%s'", path);
	if (flock(w->lock_fd, LOCK_EX | LOCK_NB) != 0)
		return vouch_err_set(err, VOUCH_EEXIST, "'%s' is in use by another witness",
		                     w->o.state_dir);
	return VOUCH_OK;
}

static int
check_opts(const vouch_witness_opts *o, vouch_err *err)
{
	size_t i, j;

	if (o->state_dir == NULL || o->name == NULL || o->key == NULL)
		return vouch_err_set(err, VOUCH_EUSAGE, "a state directory, name and key are required");
	if (!vouch_note_name_valid(o->name, strlen(o->name)))
		return vouch_err_set(err, VOUCH_EUSAGE, "'%s' is not a valid cosigner name", o->name);
	if (vouch_key_get_type(o->key) != VOUCH_KEY_ED25519 || !vouch_key_has_private(o->key))
		return vouch_err_set(err, VOUCH_EUSAGE, "the witness key must be an Ed25519 private key");
	if (o->nlogs == 0 || o->nlogs > VOUCH_WITNESS_LOGS_MAX)
		return vouch_err_set(err, VOUCH_EUSAGE, "a witness needs 1 to %d logs",
		                     VOUCH_WITNESS_LOGS_MAX);
	for (i = 0; i < o->nlogs; i++) {
		const char *n = vouch_note_verifier_name(o->logs[i]);

		if (!vouch_origin_valid(n, strlen(n)))
			return vouch_err_set(err, VOUCH_EUSAGE, "log key name '%s' is not an origin", n);
		for (j = 0; j < i; j++)
			if (strcmp(n, vouch_note_verifier_name(o->logs[j])) == 0)
				return vouch_err_set(err, VOUCH_EUSAGE, "log '%s' is given twice", n);
	}
	if (o->max_conn == 0 || o->max_conn > 100000 || o->max_conn_per_ip > 100000 ||
	    o->timeout_s == 0 || o->timeout_s > 100000)
		return vouch_err_set(err, VOUCH_EUSAGE, "a server limit is out of range");
	return VOUCH_OK;
}

int
vouch_witness_new(const vouch_witness_opts *o, vouch_witness **out, vouch_err *err)
{
	struct vouch_httpd_limits lim;
	vouch_witness *w;
	int rc;

	*out = NULL;
	if ((rc = check_opts(o, err)) != VOUCH_OK)
		return rc;
	if ((w = calloc(1, sizeof *w)) == NULL)
		return vouch_err_set(err, VOUCH_ENOMEM, "out of memory");
	w->o = *o;
	w->lock_fd = -1;
	w->stop_pipe[0] = w->stop_pipe[1] = -1;
	pthread_mutex_init(&w->mu, NULL);
	w->mu_ready = 1;
	if ((rc = lock_state(w, err)) != VOUCH_OK ||
	    (rc = vouch_httpd_stop_pipe_open(w->stop_pipe, err)) != VOUCH_OK)
		goto fail;
	if (o->listen != NULL) {
		if (vouch_httpd_parse_listen(o->listen, &w->sa) != 0) {
			rc = vouch_err_set(err, VOUCH_EUSAGE, "bad listen address '%s'", o->listen);
			goto fail;
		}
		lim.max_conn = (unsigned)o->max_conn;
		lim.max_conn_per_ip = (unsigned)o->max_conn_per_ip;
		lim.timeout_s = (unsigned)o->timeout_s;
		lim.threads = 0; /* each add-checkpoint waits for its fsync */
		w->mhd = vouch_httpd_start(&w->sa, &lim, handler, w, vouch_httpd_completed, w);
		if (w->mhd == NULL) {
			rc = vouch_err_set(err, VOUCH_EIO, "cannot listen on '%s'", o->listen);
			goto fail;
		}
	}
	*out = w;
	return VOUCH_OK;
fail:
	vouch_witness_free(w);
	return rc;
}

unsigned
vouch_witness_port(const vouch_witness *w)
{
	return vouch_httpd_port(w->mhd);
}

int
vouch_witness_run(vouch_witness *w, vouch_err *err)
{
	int rc = vouch_httpd_stop_pipe_wait(w->stop_pipe, err);

	vouch_httpd_stop(w->mhd);
	w->mhd = NULL;
	return rc;
}

void
vouch_witness_stop(vouch_witness *w)
{
	if (w != NULL)
		vouch_httpd_stop_pipe_signal(w->stop_pipe);
}

void
vouch_witness_free(vouch_witness *w)
{
	if (w == NULL)
		return;
	vouch_httpd_stop(w->mhd);
	vouch_httpd_stop_pipe_close(w->stop_pipe);
	if (w->lock_fd >= 0)
		close(w->lock_fd);
	if (w->mu_ready)
		pthread_mutex_destroy(&w->mu);
	free(w);
}

/* ---- the witnesses of a log ---- */

static int
witness_line(const char *l, size_t len, vouch_note_verifier **w, char **url, vouch_err *err)
{
	const char *sp = memchr(l, ' ', len);
	const char *u;
	size_t ulen;
	int rc;

	if (sp == NULL)
		return vouch_err_set(err, VOUCH_EINPUT, "expected '<cosigner vkey> <url>'");
	for (u = sp; u < l + len && *u == ' '; u++)
		;
	ulen = (size_t)(l + len - u);
	/* u is not NUL-terminated: compare within ulen only */
	if (memchr(u, ' ', ulen) != NULL ||
	    !((ulen > 7 && memcmp(u, "http://", 7) == 0) || (ulen > 8 && memcmp(u, "https://", 8) == 0)))
		return vouch_err_set(err, VOUCH_EINPUT, "expected an http(s) URL after the vkey");
	if ((rc = vouch_note_verifier_parse_type(l, (size_t)(sp - l), VOUCH_VKEY_COSIG_ED25519, w,
	                                         err)) != VOUCH_OK)
		return rc;
	if ((*url = strndup(u, ulen)) == NULL) {
		vouch_note_verifier_free(*w);
		*w = NULL;
		return vouch_err_set(err, VOUCH_ENOMEM, "out of memory");
	}
	return VOUCH_OK;
}

struct witness_list {
	vouch_note_verifier **ws;
	char **urls;
	size_t max, *n;
};

static int
witness_list_line(void *arg, const char *l, size_t len, vouch_err *err)
{
	struct witness_list *c = arg;
	int rc;

	if (*c->n >= c->max)
		return vouch_err_set(err, VOUCH_ELIMIT, "more than %zu witnesses", c->max);
	if ((rc = witness_line(l, len, &c->ws[*c->n], &c->urls[*c->n], err)) == VOUCH_OK)
		(*c->n)++;
	return rc;
}

int
vouch_witness_list_parse(const char *text, size_t len, vouch_note_verifier **ws, char **urls,
                         size_t max, size_t *n, vouch_err *err)
{
	struct witness_list c = { ws, urls, max, n };

	return vouch_config_lines(text, len, witness_list_line, &c, err);
}

int
vouch_witness_list_load(const char *path, vouch_note_verifier **ws, char **urls, size_t max,
                        size_t *n, vouch_err *err)
{
	struct witness_list c = { ws, urls, max, n };

	return vouch_config_file(path, witness_list_line, &c, err);
}
