/* policyrun.c - the policy workflow (vouch/policyrun.h): inputs, the
 * policy's logs, evidence, and one decision per artifact. */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "vouch/policyrun.h"
#include "vouch/buf.h"
#include "vouch/checkpoint.h"
#include "vouch/digest.h"
#include "vouch/evbundle.h"
#include "vouch/file.h"
#include "vouch/logclient.h"
#include "vouch/merkle.h"
#include "vouch/note.h"
#include "vouch/policy.h"
#include "vouch/rfc3339.h"

#define MAX_NOTES (VOUCH_POLICY_RUN_MAX_CHECKPOINTS + VOUCH_POLICY_MAX_LOGS)

struct polrun {
	const vouch_policy_run_opts *o;
	vouch_policy *pol;
	vouch_evbundle *ev;
	vouch_buf notes[MAX_NOTES];
	const char *note_ptr[MAX_NOTES];
	size_t note_len[MAX_NOTES];
	size_t nnotes;
	vouch_logclient *lc[VOUCH_POLICY_MAX_LOGS];
	vouch_checkpoint cp[VOUCH_POLICY_MAX_LOGS];
	size_t cp_note[VOUCH_POLICY_MAX_LOGS];
	time_t now;
	int online;
};

static int
pol_inputs(struct polrun *r, vouch_err *err)
{
	const vouch_policy_run_opts *o = r->o;
	vouch_buf b;
	int rc;

	if ((rc = vouch_policy_load(o->policy, &r->pol, err)) != VOUCH_OK ||
	    (rc = vouch_evbundle_new(&r->ev, err)) != VOUCH_OK)
		return rc;
	if (o->at != NULL && (rc = vouch_time_parse_rfc3339(o->at, &r->now, err)) != VOUCH_OK) {
		vouch_err_prefix(err, "--at");
		return VOUCH_EUSAGE;
	}
	for (size_t i = 0; i < o->nbundles; i++) {
		vouch_buf_init(&b, VOUCH_EVBUNDLE_MAX_BYTES + 1);
		rc = vouch_read_file(o->bundles[i], VOUCH_EVBUNDLE_MAX_BYTES, &b, err);
		if (rc == VOUCH_OK)
			rc = vouch_evbundle_add_jsonl(r->ev, b.data ? (const char *)b.data : "", b.len,
			                              o->bundles[i], err);
		vouch_buf_free(&b);
		if (rc != VOUCH_OK)
			return rc;
	}
	if (o->ncheckpoints > VOUCH_POLICY_RUN_MAX_CHECKPOINTS)
		return vouch_err_set(err, VOUCH_EUSAGE, "at most %d checkpoints",
		                     VOUCH_POLICY_RUN_MAX_CHECKPOINTS);
	for (size_t i = 0; i < o->ncheckpoints; i++) {
		vouch_buf *n = &r->notes[r->nnotes++];

		vouch_buf_init(n, VOUCH_NOTE_MAX + 1);
		if ((rc = vouch_read_file(o->checkpoints[i], VOUCH_NOTE_MAX, n, err)) != VOUCH_OK)
			return rc;
		r->note_ptr[r->nnotes - 1] = n->data ? (const char *)n->data : "";
		r->note_len[r->nnotes - 1] = n->len;
	}
	return VOUCH_OK;
}

/* Connect to every policy log with a URL and fetch its verified checkpoint,
 * which also joins the fork check. */
static int
pol_connect(struct polrun *r, vouch_err *err)
{
	for (size_t l = 0; l < vouch_policy_log_count(r->pol); l++) {
		const char *url = vouch_policy_log_url(r->pol, l);
		vouch_buf *n = &r->notes[r->nnotes];
		int rc;

		if (url == NULL)
			continue;
		vouch_buf_init(n, VOUCH_NOTE_MAX + 1);
		r->cp_note[l] = r->nnotes++;
		if ((rc = vouch_logclient_new(url, vouch_policy_log_verifier(r->pol, l),
		                              vouch_policy_log_origin(r->pol, l), 30, 2, &r->lc[l],
		                              err)) != VOUCH_OK ||
		    (rc = vouch_logclient_checkpoint(r->lc[l], &r->cp[l], n, err)) != VOUCH_OK) {
			vouch_err_prefix(err, "log '%s'", vouch_policy_log_origin(r->pol, l));
			return rc;
		}
		r->note_ptr[r->cp_note[l]] = (const char *)n->data;
		r->note_len[r->cp_note[l]] = n->len;
	}
	return VOUCH_OK;
}

static int
pol_lookup(struct polrun *r, const vouch_digests *d, const char *path, vouch_err *err)
{
	const uint8_t *sha = vouch_digests_get(d, VOUCH_ALG_SHA256);

	for (size_t l = 0; l < vouch_policy_log_count(r->pol); l++) {
		int rc;

		if (r->lc[l] == NULL)
			continue;
		rc = vouch_evbundle_from_log(r->ev, r->lc[l], &r->cp[l], r->note_ptr[r->cp_note[l]],
		                             r->note_len[r->cp_note[l]], sha, NULL, err);
		if (rc != VOUCH_OK) {
			vouch_err_prefix(err, "'%s': log '%s'", path, vouch_policy_log_origin(r->pol, l));
			return rc;
		}
	}
	return VOUCH_OK;
}

/* A checkpoint from the evidence must be a prefix of the live log: proved
 * from the log's tiles (equal sizes are the library's own fork check). */
static int
pol_consistent(void *ctx, size_t log, const vouch_checkpoint *cp, const char **view,
               vouch_err *err)
{
	struct polrun *r = ctx;
	vouch_hash proof[VOUCH_PROOF_MAX];
	size_t n = 0;

	if (log >= VOUCH_POLICY_MAX_LOGS || r->lc[log] == NULL || cp->size == 0 ||
	    cp->size >= r->cp[log].size)
		return VOUCH_OK;
	*view = r->note_ptr[r->cp_note[log]];
	return vouch_logclient_consistency(r->lc[log], cp, &r->cp[log], proof, &n, err);
}

static int
pol_one(struct polrun *r, const char *path, const vouch_digests *d, int *met, vouch_err *err)
{
	struct vouch_policy_eval_opts o = { r->now, r->note_ptr, r->note_len, r->nnotes,
		                                r->online ? pol_consistent : NULL, r };
	vouch_policy_result *res = NULL;
	vouch_buf out;
	int rc;

	vouch_buf_init(&out, 0);
	rc = vouch_policy_evaluate(r->pol, d, r->ev, &o, &res, err);
	if (rc == VOUCH_OK)
		rc = r->o->json ? vouch_policy_result_json(res, path, d, &out, err)
		                : vouch_policy_result_text(res, path, &out, err);
	if (rc == VOUCH_OK)
		rc = r->o->put(r->o->ctx, out.data, out.len, err);
	if (rc == VOUCH_OK)
		*met = res->met;
	vouch_policy_result_free(res);
	vouch_buf_free(&out);
	return rc;
}

static int
pol_save(struct polrun *r, vouch_err *err)
{
	vouch_buf out;
	int rc;

	vouch_buf_init(&out, VOUCH_EVBUNDLE_MAX_BYTES);
	rc = vouch_evbundle_write(r->ev, &out, err);
	if (rc == VOUCH_OK)
		rc = vouch_write_file_atomic(r->o->save, out.data ? out.data : (const uint8_t *)"",
		                             out.len, 0644, err);
	vouch_buf_free(&out);
	return rc;
}

static int
pol_run(struct polrun *r, const char *const *arts, size_t nart, vouch_digests *d,
        int *all_met, vouch_err *err)
{
	const vouch_policy_run_opts *o = r->o;
	int rc, online;

	online = r->online = !o->offline && (o->online || o->nbundles == 0);
	if ((rc = pol_inputs(r, err)) != VOUCH_OK || (online && (rc = pol_connect(r, err)) != VOUCH_OK))
		return rc;
	for (size_t i = 0; i < nart; i++) {
		if ((rc = vouch_digest_file(arts[i], VOUCH_ALG_ALL, &d[i], err)) != VOUCH_OK ||
		    (online && (rc = pol_lookup(r, &d[i], arts[i], err)) != VOUCH_OK))
			return rc;
	}
	if (o->save != NULL && (rc = pol_save(r, err)) != VOUCH_OK)
		return rc;
	for (size_t i = 0; i < nart; i++) {
		int met = 0;

		if ((rc = pol_one(r, arts[i], &d[i], &met, err)) != VOUCH_OK)
			return rc;
		*all_met &= met;
	}
	return VOUCH_OK;
}

int
vouch_policy_run(const vouch_policy_run_opts *o, const char *const *artifacts,
                 size_t nartifacts, int *all_met, vouch_err *err)
{
	struct polrun r;
	vouch_digests *d;
	int rc;

	*all_met = 1;
	if (o->put == NULL)
		return vouch_err_set(err, VOUCH_EUSAGE, "vouch_policy_run needs an output");
	memset(&r, 0, sizeof(r));
	r.o = o;
	r.now = (time_t)-1;
	d = calloc(nartifacts > 0 ? nartifacts : 1, sizeof(*d));
	rc = d == NULL ? vouch_err_set(err, VOUCH_ENOMEM, "out of memory")
	               : pol_run(&r, artifacts, nartifacts, d, all_met, err);
	for (size_t l = 0; l < VOUCH_POLICY_MAX_LOGS; l++)
		vouch_logclient_free(r.lc[l]);
	for (size_t i = 0; i < r.nnotes; i++)
		vouch_buf_free(&r.notes[i]);
	vouch_evbundle_free(r.ev);
	vouch_policy_free(r.pol);
	free(d);
	return rc;
}
