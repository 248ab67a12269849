/* verify.c - the signature-layer verification run (see vouch/verify.h). */
#include "config.h"

#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "vouch/buf.h"
#include "vouch/digest.h"
#include "vouch/envelope.h"
#include "vouch/error.h"
#include "vouch/file.h"
#include "vouch/json.h"
#include "vouch/key.h"
#include "vouch/statement.h"
#include "vouch/verify.h"

struct artifact {
	const char *path;
	vouch_digests d;
	int covered;
};

struct run {
	const vouch_verify_opts *o;
	vouch_key *keys[VOUCH_VERIFY_MAX_KEYS];
	size_t nkeys, threshold, max_size;
	struct artifact *artifacts;
	size_t nartifacts;
	vouch_verify_result res;
};

/* Format a message and hand it to the caller. */
static void __attribute__((format(printf, 3, 4)))
report(struct run *r, int level, const char *fmt, ...)
{
	vouch_buf msg;
	va_list ap;
	int rc;

	if (r->o->report == NULL)
		return;
	vouch_buf_init(&msg, 0);
	va_start(ap, fmt);
	rc = vouch_buf_vappendf(&msg, NULL, fmt, ap);
	va_end(ap);
	r->o->report(r->o->ctx, level, rc == VOUCH_OK ? vouch_buf_cstr(&msg) : "out of memory");
	vouch_buf_free(&msg);
}

static int
load_keys(struct run *r, vouch_err *err)
{
	const vouch_verify_opts *o = r->o;
	int rc;

	if (o->nkeys == 0 || o->nkeys > VOUCH_VERIFY_MAX_KEYS)
		return vouch_err_set(err, VOUCH_EUSAGE, "give 1 to %d keys", VOUCH_VERIFY_MAX_KEYS);
	for (; r->nkeys < o->nkeys; r->nkeys++) {
		/* the message names the file already */
		rc = vouch_key_load_file(o->key_paths[r->nkeys], NULL, 0, &r->keys[r->nkeys], err);
		if (rc != VOUCH_OK)
			return rc;
	}
	for (size_t i = 0, distinct = 0; i < r->nkeys; i++) {
		size_t j = 0;

		while (j < i && !vouch_key_same_public(r->keys[i], r->keys[j]))
			j++;
		distinct += j == i;
		if (i + 1 == r->nkeys && r->threshold > distinct)
			return vouch_err_set(err, VOUCH_EUSAGE,
			    "--threshold %zu exceeds the %zu distinct keys given", r->threshold, distinct);
	}
	return VOUCH_OK;
}

static int
load_artifacts(struct run *r, vouch_err *err)
{
	const vouch_verify_opts *o = r->o;
	int rc;

	if (o->nartifacts == 0)
		return VOUCH_OK;
	if (o->nartifacts > VOUCH_VERIFY_MAX_ARTIFACTS)
		return vouch_err_set(err, VOUCH_EUSAGE, "at most %d artifacts",
		                     VOUCH_VERIFY_MAX_ARTIFACTS);
	r->artifacts = calloc(o->nartifacts, sizeof(*r->artifacts));
	if (r->artifacts == NULL)
		return vouch_err_set(err, VOUCH_ENOMEM, "out of memory");
	for (; r->nartifacts < o->nartifacts; r->nartifacts++) {
		struct artifact *a = &r->artifacts[r->nartifacts];

		a->path = o->artifacts[r->nartifacts];
		if ((rc = vouch_digest_file(a->path, VOUCH_ALG_ALL, &a->d, err)) != VOUCH_OK)
			return rc;
	}
	return VOUCH_OK;
}

/* Hand on the statement as one JSON line: the verified bytes themselves
 * when they already are one line, else their compact serialisation. */
static int
emit(struct run *r, const vouch_statement *st, const vouch_buf *payload, vouch_err *err)
{
	size_t n = payload->len;
	vouch_buf tmp;
	int rc;

	while (n > 0 && (payload->data[n - 1] == '\n' || payload->data[n - 1] == '\r' ||
	    payload->data[n - 1] == ' ' || payload->data[n - 1] == '\t'))
		n--;
	vouch_buf_init(&tmp, 0);
	if (memchr(payload->data, '\n', n) != NULL || memchr(payload->data, '\r', n) != NULL) {
		rc = vouch_json_append(&tmp, vouch_statement_json(st), err);
		if (rc != VOUCH_OK)
			goto out;
	}
	rc = VOUCH_OK;
	if (r->o->statement != NULL &&
	    r->o->statement(r->o->ctx, tmp.len > 0 ? (const char *)tmp.data : (const char *)payload->data,
	                    tmp.len > 0 ? tmp.len : n) != 0)
		rc = vouch_err_set(err, VOUCH_EIO, "cannot write a verified statement");
out:
	vouch_buf_free(&tmp);
	return rc;
}

/* Does the statement cover the artifacts?  Marks those it covers; with
 * artifacts given it must cover at least one. */
static int
covers(struct run *r, const vouch_statement *st)
{
	int any = 0;

	for (size_t i = 0; i < r->nartifacts; i++)
		if (vouch_statement_match(st, &r->artifacts[i].d, NULL, NULL) == VOUCH_OK) {
			r->artifacts[i].covered = 1;
			any = 1;
		}
	return r->nartifacts == 0 || any;
}

/* A verified statement: filter it and hand it on. */
static int
accept_statement(struct run *r, const char *where, const vouch_statement *st,
                 const vouch_buf *payload, vouch_err *err)
{
	const char *pt = vouch_statement_predicate_type(st);
	const char *want = r->o->predicate_type;

	if (want != NULL && strcmp(pt, want) != 0) {
		report(r, VOUCH_VERIFY_INFO,
		    "%s: verified, but predicateType '%s' is not the one asked for", where, pt);
		return VOUCH_OK;
	}
	if (!covers(r, st)) {
		report(r, VOUCH_VERIFY_INFO, "%s: verified, but no subject is a given artifact", where);
		return VOUCH_OK;
	}
	report(r, VOUCH_VERIFY_INFO, "%s: verified statement, predicateType '%s'", where, pt);
	r->res.accepted++;
	return emit(r, st, payload, err);
}

static int
check_envelope(struct run *r, const char *where, const vouch_envelope *env, vouch_err *err)
{
	struct vouch_dsse_verify opt = { NULL, (const vouch_key *const *)r->keys, r->nkeys,
					 r->threshold };
	vouch_statement *st = NULL;
	vouch_buf payload;
	vouch_err why;
	int rc;

	vouch_buf_init(&payload, 0);
	vouch_err_clear(&why);
	rc = vouch_envelope_verify(env, &opt, &payload, NULL, NULL, &why);
	if (rc == VOUCH_OK) {
		rc = vouch_statement_parse(payload.data, payload.len, &st, &why);
		if (rc != VOUCH_OK) {
			vouch_err_prefix(&why, "signed payload is not a valid statement");
			rc = VOUCH_ENEGATIVE;
		}
	}
	if (rc == VOUCH_OK) {
		rc = accept_statement(r, where, st, &payload, err);
	} else if (rc == VOUCH_ENEGATIVE || rc == VOUCH_EINPUT) {
		report(r, VOUCH_VERIFY_WARN, "%s: not verified: %s", where, vouch_err_msg(&why));
		r->res.failed++;
		rc = VOUCH_OK;
	} else {
		vouch_err_set(err, rc, "%s: %s", where, vouch_err_msg(&why));
	}
	vouch_statement_free(st);
	vouch_buf_free(&payload);
	return rc;
}

/* Is text a JSON object that means to be an envelope? */
static int
looks_like_envelope(const char *text, size_t len)
{
	cJSON *j = NULL;
	int yes;

	if (vouch_json_parse(text, len, &j, NULL) != VOUCH_OK)
		return 0;
	yes = cJSON_IsObject(j) && vouch_json_get(j, "payload") != NULL &&
	    vouch_json_get(j, "signatures") != NULL;
	cJSON_Delete(j);
	return yes;
}

static int
one_document(struct run *r, const char *where, const char *text, size_t len, vouch_err *err)
{
	vouch_envelope *env = NULL;
	vouch_err why;
	int rc;

	vouch_err_clear(&why);
	rc = vouch_envelope_parse(text, len, r->max_size, &env, &why);
	if (rc == VOUCH_OK) {
		r->res.envelopes++;
		rc = check_envelope(r, where, env, err);
		vouch_envelope_free(env);
		return rc;
	}
	if (rc == VOUCH_ENOMEM)
		return vouch_err_set(err, rc, "%s: %s", where, vouch_err_msg(&why));
	if (rc == VOUCH_ELIMIT || looks_like_envelope(text, len)) {
		r->res.envelopes++;
		r->res.failed++;
		report(r, VOUCH_VERIFY_WARN, "%s: not verified: %s", where, vouch_err_msg(&why));
	} else {
		report(r, VOUCH_VERIFY_WARN, "%s: skipped, not an envelope: %s", where,
		    vouch_err_msg(&why));
	}
	return VOUCH_OK;
}

static int
blank(const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (s[i] != ' ' && s[i] != '\t' && s[i] != '\r' && s[i] != '\n')
			return 0;
	return 1;
}

/* One JSON document spread over several lines (a pretty-printed
 * envelope)?  JSON Lines with two or more documents never parse as one. */
static int
single_document(const struct run *r, const vouch_buf *in)
{
	const char *nl = memchr(in->data, '\n', in->len);
	cJSON *j = NULL;

	if (in->len > r->max_size || nl == NULL ||
	    blank(nl, in->len - (size_t)((const unsigned char *)nl - in->data)))
		return 0;
	if (vouch_json_parse((const char *)in->data, in->len, &j, NULL) != VOUCH_OK)
		return 0;
	cJSON_Delete(j);
	return 1;
}

static int
one_input(struct run *r, const char *path, vouch_err *err)
{
	const char *name = strcmp(path, "-") == 0 ? VOUCH_STDIN_NAME : path;
	vouch_buf in, where;
	size_t start = 0, lineno = 0;
	int rc;

	vouch_buf_init(&in, VOUCH_VERIFY_INPUT_MAX + 1);
	vouch_buf_init(&where, 0);
	rc = vouch_read_file(path, VOUCH_VERIFY_INPUT_MAX, &in, err);
	if (rc == VOUCH_OK && single_document(r, &in)) {
		rc = one_document(r, name, (const char *)in.data, in.len, err);
		goto out;
	}
	while (rc == VOUCH_OK && start < in.len) {
		const char *line = (const char *)in.data + start;
		const char *nl = memchr(line, '\n', in.len - start);
		size_t n = nl != NULL ? (size_t)(nl - line) : in.len - start;

		lineno++;
		start += n + 1;
		if (blank(line, n))
			continue;
		vouch_buf_reset(&where);
		rc = vouch_buf_appendf(&where, err, "%s:%zu", name, lineno);
		if (rc == VOUCH_OK)
			rc = one_document(r, vouch_buf_cstr(&where), line, n, err);
	}
out:
	vouch_buf_free(&in);
	vouch_buf_free(&where);
	return rc;
}

/* The answer, with its reasons reported: see EXIT STATUS in vouch-verify.1. */
static int
verdict(struct run *r)
{
	const vouch_verify_result *res = &r->res;
	int yes;

	if (r->nartifacts > 0) {
		yes = 1;
		for (size_t i = 0; i < r->nartifacts; i++)
			if (!r->artifacts[i].covered) {
				report(r, VOUCH_VERIFY_WARN,
				    "'%s': no verified statement covers this artifact",
				    r->artifacts[i].path);
				yes = 0;
			}
	} else {
		yes = res->failed == 0 && res->accepted > 0;
		if (res->envelopes == 0) {
			if (!res->trouble)      /* else the unreadable input said it */
				report(r, VOUCH_VERIFY_WARN, "no envelope found");
		}
		else if (res->failed > 0)
			report(r, VOUCH_VERIFY_WARN, "%zu of %zu envelopes not verified", res->failed,
			    res->envelopes);
		else if (res->accepted == 0)
			report(r, VOUCH_VERIFY_WARN, "no verified statement has predicateType '%s'",
			    r->o->predicate_type != NULL ? r->o->predicate_type : "(null)");
	}
	return yes ? VOUCH_OK : VOUCH_ENEGATIVE;
}

static int
run_inputs(struct run *r, const char *const *inputs, size_t ninputs, vouch_err *err)
{
	vouch_err why;
	int rc;

	if ((rc = load_keys(r, err)) != VOUCH_OK || (rc = load_artifacts(r, err)) != VOUCH_OK)
		return rc;
	for (size_t i = 0; i < (ninputs > 0 ? ninputs : 1); i++) {
		vouch_err_clear(&why);
		rc = one_input(r, ninputs > 0 ? inputs[i] : "-", &why);
		if (rc == VOUCH_ENOMEM || rc == VOUCH_EINTERNAL) {
			*err = why;
			return rc;
		}
		if (rc != VOUCH_OK) {
			report(r, VOUCH_VERIFY_ERROR, "%s", vouch_err_msg(&why));
			r->res.trouble = 1; /* keep going with the other inputs */
		}
	}
	r->res.verdict = verdict(r);
	return VOUCH_OK;
}

int
vouch_verify_run(const vouch_verify_opts *o, const char *const *inputs, size_t ninputs,
                 vouch_verify_result *res, vouch_err *err)
{
	struct run r;
	int rc;

	memset(&r, 0, sizeof(r));
	r.o = o;
	r.threshold = o->threshold > 0 ? o->threshold : 1;
	r.max_size = o->max_size > 0 ? o->max_size : VOUCH_DSSE_MAX_DEFAULT;
	rc = run_inputs(&r, inputs, ninputs, err);
	for (size_t i = 0; i < r.nkeys; i++)
		vouch_key_free(r.keys[i]);
	free(r.artifacts);
	if (res != NULL)
		*res = r.res;
	return rc;
}
