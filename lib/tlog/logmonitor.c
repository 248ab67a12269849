/* logmonitor.c - watch a vouch transparency log: the monitor's state file
 * and consistency checks. */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "vouch/codec.h"
#include "vouch/cosig.h"
#include "vouch/envelope.h"
#include "vouch/file.h"
#include "vouch/json.h"
#include "vouch/logentry.h"
#include "vouch/logmonitor.h"
#include "vouch/logstore.h"
#include "vouch/tile.h"

struct vouch_logmonitor {
	vouch_logclient *lc;
	const vouch_note_verifier *ver;
	const char *origin;
	const char *state;
	uint8_t subjects[VOUCH_LOGMONITOR_FILTER_MAX][32];
	size_t nsubjects;
	const vouch_key *signers[VOUCH_LOGMONITOR_FILTER_MAX];
	size_t nsigners;
	vouch_note_verifier *const *ws; /* witnesses (issue 17) */
	size_t nws, quorum;
};

/* ---- monitor ---- */

int
vouch_logmonitor_new(vouch_logclient *lc, const vouch_note_verifier *ver, const char *origin,
                     const char *state, vouch_logmonitor **out, vouch_err *err)
{
	vouch_logmonitor *m;

	*out = NULL;
	if (ver == NULL)
		return vouch_err_set(err, VOUCH_EUSAGE, "a monitor needs the log's verifier key");
	if ((m = calloc(1, sizeof *m)) == NULL)
		return vouch_err_set(err, VOUCH_ENOMEM, "out of memory");
	m->lc = lc;
	m->ver = ver;
	m->origin = origin ? origin : vouch_note_verifier_name(ver);
	m->state = state;
	*out = m;
	return VOUCH_OK;
}

void
vouch_logmonitor_free(vouch_logmonitor *m)
{
	free(m);
}

int
vouch_logmonitor_add_subject(vouch_logmonitor *m, const uint8_t sha256[32], vouch_err *err)
{
	if (m->nsubjects == VOUCH_LOGMONITOR_FILTER_MAX)
		return vouch_err_set(err, VOUCH_EUSAGE, "too many subjects (at most %d)",
		                     VOUCH_LOGMONITOR_FILTER_MAX);
	memcpy(m->subjects[m->nsubjects++], sha256, 32);
	return VOUCH_OK;
}

int
vouch_logmonitor_add_signer(vouch_logmonitor *m, const vouch_key *key, vouch_err *err)
{
	if (m->nsigners == VOUCH_LOGMONITOR_FILTER_MAX)
		return vouch_err_set(err, VOUCH_EUSAGE, "too many signers (at most %d)",
		                     VOUCH_LOGMONITOR_FILTER_MAX);
	m->signers[m->nsigners++] = key;
	return VOUCH_OK;
}

void
vouch_logmonitor_set_witnesses(vouch_logmonitor *m, vouch_note_verifier *const *ws, size_t n,
                               size_t quorum)
{
	m->ws = ws;
	m->nws = n;
	m->quorum = quorum;
}

static int
signed_by(const vouch_logmonitor *m, const uint8_t *e, size_t len)
{
	vouch_envelope *env = NULL;
	struct vouch_dsse_verify opt;
	int ok;

	if (vouch_envelope_parse((const char *)e, len, VOUCH_ENTRY_MAX, &env, NULL) != VOUCH_OK)
		return 0;
	opt.payload_type = NULL;
	opt.keys = m->signers;
	opt.nkeys = m->nsigners;
	opt.threshold = 1;
	ok = vouch_envelope_verify(env, &opt, NULL, NULL, NULL, NULL) == VOUCH_OK;
	vouch_envelope_free(env);
	return ok;
}

struct round {
	const vouch_logmonitor *m;
	const vouch_logclient_sink *sink;
};

static int
on_entry(void *ctx, uint64_t index, const uint8_t *e, size_t len, vouch_err *err)
{
	const struct round *r = ctx;
	const vouch_logmonitor *m = r->m;
	size_t i;
	int match = m->nsubjects == 0;

	for (i = 0; i < m->nsubjects && !match; i++)
		match = vouch_logentry_has_subject(e, len, m->subjects[i]);
	if (match && m->nsigners > 0)
		match = signed_by(m, e, len);
	if (!match)
		return VOUCH_OK;
	return vouch_logclient_sink_entry(r->sink, index, e, len, err);
}

/* Evidence of an inconsistent log, as one JSON line (best effort). */
static void
emit_evidence(const vouch_logclient_sink *sink, const vouch_buf *old, const vouch_buf *cur,
              const char *why)
{
	cJSON *j = cJSON_CreateObject();
	vouch_buf out;

	vouch_buf_init(&out, 0);
	if (j != NULL && vouch_json_add_string(j, "inconsistent", why, NULL) != NULL &&
	    vouch_json_add_string(j, "old_checkpoint", vouch_buf_cstr(old), NULL) != NULL &&
	    vouch_json_add_string(j, "new_checkpoint", vouch_buf_cstr(cur), NULL) != NULL &&
	    vouch_json_append(&out, j, NULL) == VOUCH_OK &&
	    vouch_buf_append_byte(&out, '\n', NULL) == VOUCH_OK)
		sink->line(sink->ctx, out.data, out.len, NULL);
	vouch_buf_free(&out);
	cJSON_Delete(j);
}

/* The state file's checkpoint, when there is one: *have set. */
static int
read_state(const vouch_logmonitor *m, vouch_buf *note, vouch_checkpoint *old, int *have,
           vouch_err *err)
{
	int rc;

	*have = 0;
	if (access(m->state, F_OK) != 0)
		return VOUCH_OK;
	if ((rc = vouch_read_file(m->state, VOUCH_NOTE_MAX, note, err)) != VOUCH_OK ||
	    (rc = vouch_checkpoint_open((const char *)note->data, note->len, m->origin,
	                                (vouch_note_verifier *const *)&m->ver, 1, old, err)) !=
	        VOUCH_OK) {
		vouch_err_prefix(err, "state '%s'", m->state);
		return rc;
	}
	*have = 1;
	return VOUCH_OK;
}

/* cur must extend old; else the evidence goes to the sink. */
static int
check_consistent(const vouch_logmonitor *m, const vouch_checkpoint *old,
                 const vouch_checkpoint *cur, const vouch_buf *oldnote, const vouch_buf *note,
                 const vouch_logclient_sink *sink, vouch_err *err)
{
	vouch_hash proof[VOUCH_PROOF_MAX];
	vouch_err why;
	size_t n = 0;
	int rc;

	vouch_err_clear(&why);
	rc = vouch_logclient_consistency(m->lc, old, cur, proof, &n, &why);
	if (rc == VOUCH_ENEGATIVE) {
		emit_evidence(sink, oldnote, note, vouch_err_msg(&why));
		return vouch_err_set(err, VOUCH_ENEGATIVE, "the log is inconsistent: %s",
		                     vouch_err_msg(&why));
	}
	if (rc != VOUCH_OK)
		return vouch_err_set(err, rc, "%s", vouch_err_msg(&why));
	return VOUCH_OK;
}

int
vouch_logmonitor_round(vouch_logmonitor *m, const vouch_logclient_sink *sink, vouch_err *err)
{
	vouch_checkpoint old, cur;
	vouch_buf oldnote, note;
	struct round r = { m, sink };
	int rc, have_old = 0;

	vouch_buf_init(&oldnote, VOUCH_NOTE_MAX + 1);
	vouch_buf_init(&note, VOUCH_NOTE_MAX + 1);
	memset(&old, 0, sizeof old);
	if ((rc = read_state(m, &oldnote, &old, &have_old, err)) != VOUCH_OK ||
	    (rc = vouch_logclient_checkpoint(m->lc, &cur, &note, err)) != VOUCH_OK)
		goto out;
	if (m->nws > 0 && (rc = vouch_cosig_quorum(vouch_buf_cstr(&note), note.len, m->ws, m->nws,
	                                           m->quorum, err)) != VOUCH_OK) {
		vouch_err_prefix(err, "the log's checkpoint is not accepted");
		rc = VOUCH_EINPUT; /* not an inconsistency: the state stays */
		goto out;
	}
	if (have_old &&
	    (rc = check_consistent(m, &old, &cur, &oldnote, &note, sink, err)) != VOUCH_OK)
		goto out;
	if ((rc = vouch_logclient_entries(m->lc, &cur, have_old ? old.size : 0, on_entry, &r,
	                                  err)) != VOUCH_OK) {
		if (rc == VOUCH_ENEGATIVE)
			emit_evidence(sink, &oldnote, &note, vouch_err_msg(err));
		goto out;
	}
	if (sink->flush != NULL && (rc = sink->flush(sink->ctx, err)) != VOUCH_OK)
		goto out;
	if (!have_old || cur.size != old.size)
		rc = vouch_write_file_atomic(m->state, note.data, note.len, 0644, err);
out:
	vouch_buf_free(&oldnote);
	vouch_buf_free(&note);
	return rc;
}

int
vouch_logmonitor_run(vouch_logmonitor *m, int once, unsigned interval_s,
                     const vouch_logclient_sink *sink, vouch_err *err)
{
	vouch_err local;
	int rc;

	if (err == NULL)
		err = &local;
	for (;;) {
		vouch_err_clear(err);
		rc = vouch_logmonitor_round(m, sink, err);
		if (rc == VOUCH_ENEGATIVE || once)
			return rc;
		if (rc != VOUCH_OK)
			vouch_logclient_sink_warn(sink, err); /* transient trouble: report, keep watching */
		sleep(interval_s);
	}
}
