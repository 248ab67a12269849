/* policy_eval.c - evaluate a trust policy for one artifact over a set of
 * evidence (vouch/policy.h). */
#include "config.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>

#include "vouch/codec.h"
#include "vouch/cosig.h"
#include "vouch/envelope.h"
#include "vouch/json.h"
#include "vouch/merkle.h"
#include "vouch/rfc3339.h"
#include "vouch/statement.h"
#include "vouch/tlogproof.h"
#include "vouch/uri.h"
#include "policy_int.h"

#define CP_CACHE_MAX 256

/* A checkpoint seen in the evidence (or given by the caller), verified or
 * not, keyed by the SHA-256 of its signed note. */
struct cp_seen {
	uint8_t note_sha[32];
	int status;            /* VOUCH_OK: signature verified */
	size_t log;            /* policy log index (when verified) */
	vouch_checkpoint cp;
	char *note;
	char *why;             /* not verified: why */
};

struct eval {
	const vouch_policy *p;
	const vouch_digests *art;
	time_t now;
	vouch_policy_result *r;
	size_t cap;
	struct cp_seen *cps;
	size_t ncps;
	unsigned char *counted;  /* per rebuilder */
	unsigned char *key_ok;   /* per trusted key, scratch */
};

/* ---- result building ---- */

static struct vouch_policy_item *
new_item(struct eval *ev, enum vouch_policy_disposition disp, const char *where)
{
	vouch_policy_result *r = ev->r;
	struct vouch_policy_item *it;

	if (r->nitems == ev->cap) {
		size_t nc = ev->cap ? ev->cap * 2 : 16;
		struct vouch_policy_item *ni = realloc(r->items, nc * sizeof(*ni));

		if (ni == NULL)
			return NULL;
		r->items = ni;
		ev->cap = nc;
	}
	it = &r->items[r->nitems];
	memset(it, 0, sizeof(*it));
	it->disp = disp;
	it->result = -1;
	if ((it->where = strdup(where ? where : "-")) == NULL)
		return NULL;
	r->nitems++;
	return it;
}

static int
set_str(char **dst, const char *s, vouch_err *err)
{
	free(*dst);
	*dst = s ? strdup(s) : NULL;
	return s == NULL || *dst != NULL ? VOUCH_OK : vouch_err_set(err, VOUCH_ENOMEM, "out of memory");
}

static int
set_strf(char **dst, vouch_err *err, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

static int
set_strf(char **dst, vouch_err *err, const char *fmt, ...)
{
	char tmp[1024];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(tmp, sizeof(tmp), fmt, ap);
	va_end(ap);
	return set_str(dst, tmp, err);
}

void
vouch_policy_result_free(vouch_policy_result *r)
{
	if (r == NULL)
		return;
	for (size_t i = 0; i < r->nitems; i++) {
		struct vouch_policy_item *it = &r->items[i];

		free(it->rebuilder);
		free(it->log_origin);
		free(it->where);
		free(it->reason);
		free(it->differences);
	}
	for (size_t i = 0; i < r->nforks; i++) {
		free(r->forks[i].origin);
		free(r->forks[i].note_a);
		free(r->forks[i].note_b);
		free(r->forks[i].why);
	}
	free(r->forks);
	free(r->items);
	free(r->reason);
	free(r);
}

const char *
vouch_policy_disposition_name(enum vouch_policy_disposition d)
{
	switch (d) {
	case VOUCH_EV_COUNTED: return "counted";
	case VOUCH_EV_DUPLICATE: return "duplicate";
	case VOUCH_EV_CONFLICT: return "conflict";
	case VOUCH_EV_REJECTED: return "rejected";
	case VOUCH_EV_IGNORED: return "ignored";
	}
	return "unknown";
}

/* ---- checkpoints ---- */

/* The policy log whose origin is the note's first line. */
static long
log_of_note(const vouch_policy *p, const char *note, size_t len)
{
	const char *nl = memchr(note, '\n', len);
	size_t n = nl ? (size_t)(nl - note) : 0;

	for (size_t i = 0; i < p->nlogs; i++)
		if (strlen(p->logs[i].origin) == n && memcmp(p->logs[i].origin, note, n) == 0)
			return (long)i;
	return -1;
}

/* Open (verify) a signed checkpoint once; later calls hit the cache. */
static int
seen_checkpoint(struct eval *ev, const char *note, size_t len, struct cp_seen **out,
                vouch_err *err)
{
	struct cp_seen *c;
	uint8_t sha[32];
	vouch_err why;
	long li;
	int rc;

	if ((rc = vouch_sha256(note, len, sha, err)) != VOUCH_OK)
		return rc;
	for (size_t i = 0; i < ev->ncps; i++)
		if (memcmp(ev->cps[i].note_sha, sha, 32) == 0) {
			*out = &ev->cps[i];
			return VOUCH_OK;
		}
	if (ev->ncps == CP_CACHE_MAX)
		return vouch_err_set(err, VOUCH_ELIMIT, "more than %d distinct checkpoints",
		                     CP_CACHE_MAX);
	c = &ev->cps[ev->ncps];
	memset(c, 0, sizeof(*c));
	memcpy(c->note_sha, sha, 32);
	if ((c->note = malloc(len + 1)) == NULL)
		return vouch_err_set(err, VOUCH_ENOMEM, "out of memory");
	memcpy(c->note, note, len);
	c->note[len] = '\0';
	ev->ncps++;
	vouch_err_clear(&why);
	li = log_of_note(ev->p, note, len);
	if (li < 0) {
		const char *nl = memchr(note, '\n', len);

		c->status = VOUCH_ENEGATIVE;
		if (nl == NULL)
			vouch_err_set(&why, VOUCH_ENEGATIVE, "checkpoint is truncated");
		else
			vouch_err_set(&why, VOUCH_ENEGATIVE,
			              "checkpoint of log '%.*s', which the policy does not name",
			              (int)(nl - note > 255 ? 255 : nl - note), note);
	} else {
		const struct pol_log *l = &ev->p->logs[li];

		c->log = (size_t)li;
		c->status = vouch_checkpoint_open(note, len, l->origin, &l->ver, 1, &c->cp, &why);
		if (c->status == VOUCH_OK && l->nws > 0) /* issue 17: witnesses */
			c->status = vouch_cosig_quorum(note, len, l->ws, l->nws, l->quorum, &why);
	}
	if (c->status == VOUCH_ENOMEM)
		return vouch_err_set(err, VOUCH_ENOMEM, "out of memory");
	if (c->status != VOUCH_OK && (c->why = strdup(vouch_err_msg(&why))) == NULL)
		return vouch_err_set(err, VOUCH_ENOMEM, "out of memory");
	*out = c;
	return VOUCH_OK;
}

/* Two verified checkpoints of one log, one size, two roots: a fork. */
static int
find_forks(struct eval *ev, vouch_err *err)
{
	vouch_policy_result *r = ev->r;

	for (size_t i = 0; i < ev->ncps; i++)
		for (size_t j = i + 1; j < ev->ncps; j++) {
			const struct cp_seen *a = &ev->cps[i], *b = &ev->cps[j];
			struct vouch_policy_fork *f, *nf;

			if (a->status != VOUCH_OK || b->status != VOUCH_OK || a->log != b->log ||
			    a->cp.size != b->cp.size || CRYPTO_memcmp(a->cp.root, b->cp.root, 32) == 0)
				continue;
			if ((nf = realloc(r->forks, (r->nforks + 1) * sizeof(*nf))) == NULL)
				return vouch_err_set(err, VOUCH_ENOMEM, "out of memory");
			r->forks = nf;
			f = &r->forks[r->nforks++];
			memset(f, 0, sizeof(*f));
			f->size = f->size_b = a->cp.size;
			if (set_str(&f->why, "two signed checkpoints of one size with different roots",
			            err))
				return VOUCH_ENOMEM;
			memcpy(f->root_a, a->cp.root, 32);
			memcpy(f->root_b, b->cp.root, 32);
			if (set_str(&f->origin, a->cp.origin, err) || set_str(&f->note_a, a->note, err) ||
			    set_str(&f->note_b, b->note, err))
				return VOUCH_ENOMEM;
		}
	return VOUCH_OK;
}

/* Every verified checkpoint against the caller's view of its log. */
static int
check_consistency(struct eval *ev, const struct vouch_policy_eval_opts *o, vouch_err *err)
{
	vouch_policy_result *r = ev->r;

	for (size_t i = 0; o != NULL && o->consistent != NULL && i < ev->ncps; i++) {
		const struct cp_seen *c = &ev->cps[i];
		struct vouch_policy_fork *f, *nf;
		const char *view = NULL;
		vouch_checkpoint vcp;
		vouch_err why;
		int rc;

		if (c->status != VOUCH_OK)
			continue;
		vouch_err_clear(&why);
		rc = o->consistent(o->consistent_ctx, c->log, &c->cp, &view, &why);
		if (rc == VOUCH_OK)
			continue;
		if (rc != VOUCH_ENEGATIVE)
			return vouch_err_set(err, rc, "log '%s': %s", c->cp.origin, vouch_err_msg(&why));
		if ((nf = realloc(r->forks, (r->nforks + 1) * sizeof(*nf))) == NULL)
			return vouch_err_set(err, VOUCH_ENOMEM, "out of memory");
		r->forks = nf;
		f = &r->forks[r->nforks++];
		memset(f, 0, sizeof(*f));
		memset(&vcp, 0, sizeof(vcp));
		if (view != NULL)
			vouch_checkpoint_open(view, strlen(view), c->cp.origin, &ev->p->logs[c->log].ver, 1,
			                      &vcp, NULL);
		f->size = c->cp.size;
		f->size_b = vcp.size;
		memcpy(f->root_a, c->cp.root, 32);
		memcpy(f->root_b, vcp.root, 32);
		if (set_str(&f->origin, c->cp.origin, err) || set_str(&f->note_a, c->note, err) ||
		    set_str(&f->note_b, view ? view : "", err) ||
		    set_str(&f->why, vouch_err_msg(&why), err))
			return VOUCH_ENOMEM;
	}
	return VOUCH_OK;
}

/* ---- inclusion ---- */

/* Check the entry's proofs: fills it->logged/log_index/log_origin for the
 * first that verifies, and *missing with the first required log that no
 * proof covers (NULL when all are covered); *bad gets the first reason a
 * proof failed. */
static int
check_inclusion(struct eval *ev, const vouch_evbundle *b, size_t e,
                struct vouch_policy_item *it, const char **missing, char *bad, size_t badsz,
                vouch_err *err)
{
	unsigned char covered[VOUCH_POLICY_MAX_LOGS] = { 0 };
	const uint8_t *bytes;
	vouch_hash leaf;
	size_t len;
	int rc;

	*missing = NULL;
	bad[0] = '\0';
	bytes = vouch_evbundle_entry(b, e, &len);
	if ((rc = vouch_merkle_leaf_hash(bytes, len, leaf, err)) != VOUCH_OK)
		return rc;
	for (size_t j = 0; j < vouch_evbundle_proof_count(b, e); j++) {
		const char *why = NULL;
		const vouch_tlogproof *pr = vouch_evbundle_proof(b, e, j, &why);
		struct cp_seen *c;
		vouch_err one;

		if (pr == NULL) {
			if (bad[0] == '\0')
				snprintf(bad, badsz, "inclusion proof unreadable: %s", why ? why : "?");
			continue;
		}
		if ((rc = seen_checkpoint(ev, (const char *)pr->checkpoint.data, pr->checkpoint.len,
		                          &c, err)) != VOUCH_OK)
			return rc;
		if (c->status != VOUCH_OK) {
			if (bad[0] == '\0')
				snprintf(bad, badsz, "inclusion proof's checkpoint: %s", c->why);
			continue;
		}
		vouch_err_clear(&one);
		if (vouch_merkle_verify_inclusion(leaf, pr->index, c->cp.size, c->cp.root,
		                                  (const vouch_hash *)pr->proof, pr->nproof,
		                                  &one) != VOUCH_OK) {
			if (bad[0] == '\0')
				snprintf(bad, badsz, "inclusion proof for index %llu in '%s' does not verify: %s",
				         (unsigned long long)pr->index, c->cp.origin, vouch_err_msg(&one));
			continue;
		}
		if (!covered[c->log] && !it->logged) {
			it->logged = 1;
			it->log_index = pr->index;
			if ((rc = set_str(&it->log_origin, c->cp.origin, err)) != VOUCH_OK)
				return rc;
		}
		covered[c->log] = 1;
	}
	for (size_t l = 0; l < ev->p->nlogs; l++)
		if (ev->p->logs[l].required && !covered[l]) {
			*missing = ev->p->logs[l].origin;
			break;
		}
	return VOUCH_OK;
}

/* ---- the verdict inside a verified statement ---- */

static int
listed(char *const *list, size_t n, const char *s)
{
	for (size_t i = 0; i < n; i++)
		if (strcmp(list[i], s) == 0)
			return 1;
	return 0;
}

/* ": path, path, path": the first differing paths, when the verdict lists
 * them (vouch_comparison.differingPaths); "" otherwise.  A path is shown
 * whole or not at all (a cut one names another section or file); ", ..."
 * says that more were left out. */
#define DIFF_PATHS_SHOWN 3
#define DIFF_PATHS_MORE ", ..."
static void
diff_paths(const cJSON *cmp, char *list, size_t size)
{
	const cJSON *p;
	size_t used = 0, shown = 0, room = size - sizeof(DIFF_PATHS_MORE);
	int more = 0;

	list[0] = '\0';
	cJSON_ArrayForEach(p, vouch_json_get_array(cmp, "differingPaths")) {
		int n;

		if (!cJSON_IsString(p))
			break;
		n = shown == DIFF_PATHS_SHOWN ? -1
		    : snprintf(list + used, room - used, "%s%s", shown ? ", " : ": ", p->valuestring);
		if (n < 0 || (size_t)n >= room - used) {
			list[used] = '\0';
			more = 1;
			break;
		}
		used += (size_t)n;
		shown++;
	}
	if (more)
		snprintf(list + used, size - used, "%s", shown ? DIFF_PATHS_MORE : ": ...");
}

/* Mode of a verdict from its vouch_comparison extension; "" when absent. */
static void
verdict_mode(const cJSON *pred, struct vouch_policy_item *it)
{
	const cJSON *cmp = vouch_json_get_object(pred, VOUCH_EXT_PREFIX "comparison");
	const char *mode = vouch_json_get_string(cmp, "mode");
	const char *res = vouch_json_get_string(cmp, "result");
	const cJSON *need = vouch_json_get(cmp, "rulesNeeded");
	const cJSON *nd = vouch_json_get(cmp, "differences");

	if (mode != NULL && strcmp(mode, "strict") == 0)
		snprintf(it->mode, sizeof(it->mode), "strict");
	else if (mode != NULL && strcmp(mode, "normalize") == 0)
		/* allowed to normalize, but found it bit for bit: strict in fact */
		snprintf(it->mode, sizeof(it->mode), "%s",
		         res != NULL && strcmp(res, "identical") == 0 &&
		                 (need == NULL || (cJSON_IsArray(need) && cJSON_GetArraySize(need) == 0))
		             ? "strict" : "normalize");
	char list[256];

	diff_paths(cmp, list, sizeof(list));
	if (cJSON_IsNumber(nd) && nd->valuedouble >= 0 && nd->valuedouble < 1e15)
		set_strf(&it->differences, NULL, "%.0f difference%s%s", nd->valuedouble,
		         nd->valuedouble == 1 ? "" : "s", list);
}

/* Why the policy refuses this verdict, or NULL.  Fills result, time, mode. */
static const char *
check_verdict(struct eval *ev, const vouch_statement *st, struct vouch_policy_item *it,
              char *buf, size_t bufsz)
{
	const vouch_policy *p = ev->p;
	const char *pt = vouch_statement_predicate_type(st), *vr, *tv, *pu;
	const cJSON *pred = vouch_statement_predicate(st);
	time_t t;

	if (!listed(p->ptypes, p->nptypes, pt))
		return snprintf(buf, bufsz, "predicateType '%.200s' is not accepted", pt), buf;
	vr = vouch_json_get_string(pred, "verificationResult");
	if (vr != NULL && strcmp(vr, "PASSED") == 0)
		it->result = 1;
	else if (vr != NULL && strcmp(vr, "FAILED") == 0)
		it->result = 0;
	else
		return "no verificationResult PASSED or FAILED";
	verdict_mode(pred, it);
	pu = vouch_json_get_string(vouch_json_get_object(pred, "policy"), "uri");
	if (pu == NULL || !listed(p->vpol, p->nvpol, pu))
		return snprintf(buf, bufsz, "verification policy '%.200s' is not accepted",
		                pu ? pu : "(none)"), buf;
	tv = vouch_json_get_string(pred, "timeVerified");
	if (tv == NULL || vouch_time_parse_rfc3339(tv, &t, NULL) != VOUCH_OK)
		return "timeVerified missing or not RFC 3339";
	snprintf(it->time, sizeof(it->time), "%s", tv);
	if ((int64_t)t > (int64_t)ev->now + VOUCH_POLICY_CLOCK_SKEW)
		return "timeVerified lies in the future";
	if (p->max_age > 0 && (int64_t)ev->now - (int64_t)t > p->max_age)
		return snprintf(buf, bufsz, "expired: verified %lld s ago, the policy allows %lld s",
		                (long long)((int64_t)ev->now - (int64_t)t), (long long)p->max_age), buf;
	if (it->result == 1 && it->mode[0] == '\0')
		return "no comparison mode (predicate.vouch_comparison)";
	if (it->result == 1 && strcmp(it->mode, "strict") == 0 &&
	    !(p->modes & VOUCH_POLICY_MODE_STRICT))
		return "comparison mode 'strict' is not accepted";
	if (it->result == 1 && strcmp(it->mode, "normalize") == 0 &&
	    !(p->modes & VOUCH_POLICY_MODE_NORMALIZE))
		return "comparison mode 'normalize' is not accepted: the policy wants bit-for-bit";
	return NULL;
}

/* ---- signatures ---- */

static long
key_by_hint(const vouch_policy *p, const char *hint)
{
	for (size_t k = 0; k < p->nallkeys; k++) {
		size_t o = p->keyowner[k];

		if (strcmp(p->rb[o / VOUCH_POLICY_MAX_KEYS].keyids[o % VOUCH_POLICY_MAX_KEYS], hint) == 0)
			return (long)k;
	}
	return -1;
}

/* Which trusted keys produced a valid signature: ev->key_ok.  keyid hints
 * only choose which key to try first; a signature whose hint names no
 * trusted key, or that did not verify under the key it names, sends us to
 * the full check against every trusted key.  *any says whether one did. */
static int
trusted_signers(struct eval *ev, const vouch_envelope *env, int *any, vouch_err *err)
{
	const vouch_policy *p = ev->p;
	size_t nsig = vouch_envelope_sig_count(env);
	int settled = 1, rc;

	*any = 0;
	memset(ev->key_ok, 0, p->nallkeys);
	for (size_t s = 0; s < nsig && settled; s++) {
		long k = key_by_hint(p, vouch_envelope_sig_keyid(env, s));
		struct vouch_dsse_verify opt;

		if (k < 0 || ev->key_ok[k]) {
			settled = 0;
			break;
		}
		opt.payload_type = NULL;
		opt.keys = &p->allkeys[k];
		opt.nkeys = 1;
		opt.threshold = 1;
		rc = vouch_envelope_verify(env, &opt, NULL, NULL, NULL, NULL);
		if (rc == VOUCH_OK)
			ev->key_ok[k] = 1;
		else if (rc == VOUCH_ENEGATIVE)
			settled = 0;
		else
			return vouch_err_set(err, rc, "signature check failed");
	}
	if (!settled) {
		struct vouch_dsse_verify opt = { NULL, p->allkeys, p->nallkeys, 1 };

		rc = vouch_envelope_verify(env, &opt, NULL, NULL, ev->key_ok, NULL);
		if (rc != VOUCH_OK && rc != VOUCH_ENEGATIVE)
			return vouch_err_set(err, rc, "signature check failed");
	}
	for (size_t k = 0; k < p->nallkeys; k++)
		*any |= ev->key_ok[k];
	return VOUCH_OK;
}

/* ---- one envelope ---- */

static int
ignored(struct eval *ev, const vouch_envelope *env, const char *where, const char *why,
        vouch_err *err)
{
	struct vouch_policy_item *it = new_item(ev, VOUCH_EV_IGNORED, where);
	const char *hint = vouch_envelope_sig_count(env) ? vouch_envelope_sig_keyid(env, 0) : "";

	if (it == NULL)
		return vouch_err_set(err, VOUCH_ENOMEM, "out of memory");
	snprintf(it->keyid, sizeof(it->keyid), "%s", hint);
	ev->r->ignored++;
	return set_str(&it->reason, why, err);
}

/* One item per trusted rebuilder that signed. */
static int
add_lab_items(struct eval *ev, const struct vouch_policy_item *t, const char *reason,
              vouch_err *err)
{
	const vouch_policy *p = ev->p;
	vouch_policy_result *r = ev->r;

	for (size_t i = 0; i < p->nrb; i++) {
		struct vouch_policy_item *it;
		enum vouch_policy_disposition d;
		long key = -1;

		for (size_t k = 0; k < p->nallkeys && key < 0; k++)
			if (ev->key_ok[k] && p->keyowner[k] / VOUCH_POLICY_MAX_KEYS == i)
				key = (long)(p->keyowner[k] % VOUCH_POLICY_MAX_KEYS);
		if (key < 0)
			continue;
		if (reason != NULL)
			d = VOUCH_EV_REJECTED, r->rejected++;
		else if (t->result == 0)
			d = VOUCH_EV_CONFLICT, r->conflicts++;
		else if (ev->counted[i])
			d = VOUCH_EV_DUPLICATE;
		else
			d = VOUCH_EV_COUNTED, ev->counted[i] = 1, r->counted++;
		if ((it = new_item(ev, d, t->where)) == NULL)
			return vouch_err_set(err, VOUCH_ENOMEM, "out of memory");
		it->result = t->result;
		it->logged = t->logged;
		it->log_index = t->log_index;
		memcpy(it->time, t->time, sizeof(it->time));
		memcpy(it->mode, t->mode, sizeof(it->mode));
		memcpy(it->keyid, p->rb[i].keyids[key], sizeof(it->keyid));
		if (set_str(&it->rebuilder, p->rb[i].name, err) ||
		    set_str(&it->log_origin, t->log_origin, err) ||
		    set_str(&it->differences, t->differences, err) ||
		    (d == VOUCH_EV_DUPLICATE
		         ? set_str(&it->reason, "this rebuilder was counted already", err)
		         : set_str(&it->reason, reason, err)))
			return VOUCH_ENOMEM;
	}
	return VOUCH_OK;
}

static int
trusted_envelope(struct eval *ev, const vouch_evbundle *b, size_t e, const vouch_statement *st,
                 vouch_err *err)
{
	struct vouch_policy_item t;
	const char *reason, *missing = NULL;
	char buf[512], bad[512], why[1200];
	int rc;

	memset(&t, 0, sizeof(t));
	t.result = -1;
	t.where = (char *)vouch_evbundle_entry_where(b, e);
	reason = check_verdict(ev, st, &t, buf, sizeof(buf));
	if (reason == NULL)
		reason = policy_check_provenance(ev->p, ev->key_ok, b, st, buf, sizeof(buf));
	rc = check_inclusion(ev, b, e, &t, &missing, bad, sizeof(bad), err);
	if (rc == VOUCH_OK && reason == NULL && missing != NULL) {
		if (bad[0] != '\0')
			snprintf(why, sizeof(why), "not proved in log '%s', which the policy requires: %s",
			         missing, bad);
		else
			snprintf(why, sizeof(why),
			         "no inclusion proof for log '%s', which the policy requires", missing);
		reason = why;
	}
	if (rc == VOUCH_OK)
		rc = add_lab_items(ev, &t, reason, err);
	free(t.log_origin);
	free(t.differences);
	return rc;
}

static int
one_entry(struct eval *ev, const vouch_evbundle *b, size_t e, vouch_err *err)
{
	vouch_envelope *env = NULL;
	vouch_statement *st = NULL;
	const uint8_t *bytes, *pl;
	size_t len, plen;
	int rc = VOUCH_OK, any = 0;

	bytes = vouch_evbundle_entry(b, e, &len);
	if (vouch_envelope_parse((const char *)bytes, len, 0, &env, NULL) != VOUCH_OK) {
		ev->r->unrelated++;
		return VOUCH_OK;
	}
	/* cheap, unverified look first: most evidence is about other artifacts */
	pl = vouch_envelope_payload(env, &plen);
	if (vouch_statement_parse(pl, plen, &st, NULL) != VOUCH_OK ||
	    vouch_statement_match(st, ev->art, NULL, NULL) != VOUCH_OK ||
	    !listed(ev->p->ptypes, ev->p->nptypes, vouch_statement_predicate_type(st))) {
		/* about something else, or not a verdict (e.g. provenance) */
		ev->r->unrelated++;
		goto out;
	}
	if (strcmp(vouch_envelope_payload_type(env), VOUCH_INTOTO_PAYLOAD_TYPE) != 0) {
		rc = ignored(ev, env, vouch_evbundle_entry_where(b, e), "payloadType is not in-toto", err);
		goto out;
	}
	if ((rc = trusted_signers(ev, env, &any, err)) != VOUCH_OK)
		goto out;
	/* the statement was parsed from the very bytes the signatures cover */
	rc = any ? trusted_envelope(ev, b, e, st, err)
	         : ignored(ev, env, vouch_evbundle_entry_where(b, e),
	                   "no valid signature by a trusted rebuilder's key", err);
out:
	vouch_statement_free(st);
	vouch_envelope_free(env);
	return rc;
}

/* ---- the whole evaluation ---- */

static int
caller_checkpoints(struct eval *ev, const struct vouch_policy_eval_opts *o, vouch_err *err)
{
	for (size_t i = 0; o != NULL && i < o->ncheckpoints; i++) {
		struct cp_seen *c;
		int rc = seen_checkpoint(ev, o->checkpoints[i], o->checkpoint_lens[i], &c, err);

		if (rc != VOUCH_OK)
			return rc;
		if (c->status != VOUCH_OK)
			return vouch_err_set(err, VOUCH_EINPUT, "given checkpoint %zu: %s", i + 1, c->why);
	}
	return VOUCH_OK;
}

static int
conclude(struct eval *ev, vouch_err *err)
{
	const vouch_policy *p = ev->p;
	vouch_policy_result *r = ev->r;
	const struct vouch_policy_item *first = NULL;

	for (size_t i = 0; i < r->nitems && first == NULL; i++)
		if (r->items[i].disp == VOUCH_EV_CONFLICT)
			first = &r->items[i];
	r->met = r->nforks == 0 && r->counted >= p->threshold &&
	         !(p->on_failed == VOUCH_POLICY_FAILED_FAIL && r->conflicts > 0);
	if (r->nforks > 0 && r->forks[0].size == r->forks[0].size_b)
		return set_strf(&r->reason, err,
		                "log '%s' rewrote history: two signed checkpoints of size %llu with different roots",
		                r->forks[0].origin, (unsigned long long)r->forks[0].size);
	if (r->nforks > 0)
		return set_strf(&r->reason, err,
		                "log '%s' rewrote history: its checkpoint of size %llu is not consistent with the one of size %llu (%s)",
		                r->forks[0].origin, (unsigned long long)r->forks[0].size,
		                (unsigned long long)r->forks[0].size_b, r->forks[0].why);
	if (first != NULL && p->on_failed == VOUCH_POLICY_FAILED_FAIL)
		return set_strf(&r->reason, err, "trusted rebuilder '%s' reports FAILED%s%s%s",
		                first->rebuilder, first->differences ? " (" : "",
		                first->differences ? first->differences : "",
		                first->differences ? ")" : "");
	if (r->counted < p->threshold)
		return set_strf(&r->reason, err,
		                "only %zu of the %zu required trusted rebuilders reproduced it",
		                r->counted, p->threshold);
	return set_strf(&r->reason, err, "%zu trusted rebuilder%s reproduced it (threshold %zu of %zu)",
	                r->counted, r->counted == 1 ? "" : "s", p->threshold, p->nrb);
}

int
vouch_policy_evaluate(const vouch_policy *p, const vouch_digests *artifact,
                      const vouch_evbundle *b, const struct vouch_policy_eval_opts *opts,
                      vouch_policy_result **out, vouch_err *err)
{
	struct eval ev;
	int rc;

	*out = NULL;
	if (artifact == NULL || artifact->algs == 0)
		return vouch_err_set(err, VOUCH_EUSAGE, "no artifact digest to evaluate");
	memset(&ev, 0, sizeof(ev));
	ev.p = p;
	ev.art = artifact;
	ev.now = opts != NULL && opts->now != (time_t)-1 ? opts->now : time(NULL);
	ev.r = calloc(1, sizeof(*ev.r));
	ev.cps = calloc(CP_CACHE_MAX, sizeof(*ev.cps));
	ev.counted = calloc(p->nrb, 1);
	ev.key_ok = calloc(p->nallkeys, 1);
	if (ev.r == NULL || ev.cps == NULL || ev.counted == NULL || ev.key_ok == NULL) {
		rc = vouch_err_set(err, VOUCH_ENOMEM, "out of memory");
		goto out;
	}
	ev.r->threshold = p->threshold;
	rc = caller_checkpoints(&ev, opts, err);
	for (size_t e = 0; rc == VOUCH_OK && b != NULL && e < vouch_evbundle_entry_count(b); e++)
		rc = one_entry(&ev, b, e, err);
	if (rc == VOUCH_OK)
		rc = find_forks(&ev, err);
	if (rc == VOUCH_OK)
		rc = check_consistency(&ev, opts, err);
	if (rc == VOUCH_OK)
		rc = conclude(&ev, err);
out:
	for (size_t i = 0; i < ev.ncps; i++) {
		free(ev.cps[i].note);
		free(ev.cps[i].why);
	}
	free(ev.cps);
	free(ev.counted);
	free(ev.key_ok);
	if (rc != VOUCH_OK) {
		vouch_policy_result_free(ev.r);
		return rc;
	}
	*out = ev.r;
	return VOUCH_OK;
}
