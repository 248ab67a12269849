/* logd.c - the vouch transparency-log server (see vouch/logd.h): its
 * set-up and life cycle.  The parts sit beside it: the sequencer
 * (logd_seq.c: batching, group commit, checkpoint signing, the hand-off
 * to the witnesses) over the store (logstore.c), and the HTTP front
 * (logd_http.c: routes, request parsing, answers) over the shared
 * libmicrohttpd set-up (httpd.c).  A storage backend or a witness is added
 * beside them without touching the rest.
 */
#include "config.h"

#include <limits.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <netinet/in.h>

#include "vouch/buf.h"
#include "vouch/file.h"
#include "vouch/key.h"
#include "vouch/logd.h"
#include "vouch/logentry.h"
#include "vouch/logstore.h"
#include "vouch/tile.h"
#include "httpd_int.h"
#include "logd_http.h"
#include "logd_seq.h"

struct vouch_logd {
	vouch_logd_opts o;         /* strings and key borrowed */
	struct sockaddr_in sa;     /* o.listen */
	int stop_pipe[2];          /* vouch_logd_stop writes, vouch_logd_run reads */
	vouch_key *submitters[VOUCH_LOGD_SUBMITTERS_MAX];
	size_t nsubmitters;
	struct logd_seq *seq;      /* the store and the sequencer */
	struct logd_http *http;    /* the HTTP front */
};

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
	if ((o->dir == NULL) == (o->spec == NULL) || o->origin == NULL || o->key == NULL ||
	    o->listen == NULL)
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

/* Stop the sequencer (it commits what is queued and answers every
 * suspended POST /add; new ones get 503), then stop listening.
 * Idempotent. */
static void
logd_shutdown(struct vouch_logd *d)
{
	logd_seq_stop(d->seq);
	logd_http_stop(d->http);
	d->http = NULL;
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
		return vouch_err_set(err, VOUCH_ENOMEM, "out of memory");
	d->o = *opts;
	d->stop_pipe[0] = d->stop_pipe[1] = -1;
	if (d->o.submitters_file != NULL && (rc = load_submitters(d, err)) != VOUCH_OK)
		goto out;
	if (vouch_httpd_parse_listen(d->o.listen, &d->sa) != 0) {
		rc = vouch_err_set(err, VOUCH_EUSAGE, "bad listen address '%s'", d->o.listen);
		goto out;
	}
	if ((rc = logd_seq_new(&d->o, &d->seq, err)) != VOUCH_OK ||
	    (rc = vouch_httpd_stop_pipe_open(d->stop_pipe, err)) != VOUCH_OK ||
	    (rc = logd_http_start(&d->o, &d->sa, d->seq, d->submitters, d->nsubmitters, &d->http,
	                          err)) != VOUCH_OK)
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
	return logd_http_port(srv->http);
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
	logd_seq_free(srv->seq);
	for (i = 0; i < srv->nsubmitters; i++)
		vouch_key_free(srv->submitters[i]);
	vouch_httpd_stop_pipe_close(srv->stop_pipe);
	free(srv);
}
