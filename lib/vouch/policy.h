/* vouch/policy.h - operator trust policies and their evaluation.
 *
 * A policy (schemas/policy.schema.json) says whom an operator trusts to
 * have reproduced a binary and what evidence counts:
 *
 *   {"vouchPolicy": 1, "name": "...",
 *    "rebuilders": [{"name": "lab-a", "publicKey": "labs/lab-a.test.pub"},
 *                   {"name": "lab-b", "publicKeyPem": "-----BEGIN ..."},
 *                   {"name": "lab-c", "keysFile": "lab-c.keys"}],
 *    "threshold": 2,
 *    "predicateTypes": ["https://slsa.dev/verification_summary/v1"],
 *    "verificationPolicies": ["https://vouch.dev/attestation/policy/reproducible/v1"],
 *    "modes": ["strict"],              (or ["strict", "normalize"])
 *    "onFailed": "fail",               (or "report")
 *    "maxAgeSeconds": 7776000,         (0 or absent: no limit)
 *    "logs": [{"origin": "log.example", "verifierKey": "log.example+1234abcd+AQ..",
 *              "url": "https://log.example", "inclusionRequired": true}]}
 *
 * Paths in a policy are relative to the policy file's directory.  Parsing
 * is strict: unknown members, wrong types, duplicates (two rebuilders with
 * one name or one key) and out-of-range values are refused with a message
 * naming the member.
 *
 * Evaluation (vouch_policy_evaluate) takes the artifact's digests and an
 * evidence set (evbundle.h).  For each envelope whose (unverified) statement
 * names the artifact with an accepted predicateType (other statements, such
 * as provenance, are counted as unrelated and not listed) it checks the
 * signatures against every trusted key, then the verified statement:
 * verificationResult, the VSA
 * policy uri, timeVerified (not older than maxAgeSeconds, not in the
 * future), the comparison mode (predicate.vouch_comparison, see below) and,
 * for every log with inclusionRequired, an inclusion proof that verifies
 * against a checkpoint signed by that log's verifier key.  The threshold
 * counts DISTINCT rebuilders (a lab signing twice, or with two of its keys,
 * counts once).  A trusted FAILED verdict is a conflict, whatever its
 * comparison mode (fail closed): with onFailed "fail" the policy is not met
 * whatever the PASSED count.  Two verified
 * checkpoints of one log with the same size and different roots (a log
 * that rewrote history) make the policy not met and are reported.
 *
 * Comparison mode of a verdict: predicate.vouch_comparison.mode as
 * vouch-compare writes it ("strict" or "normalize"); a "normalize" verdict
 * whose result is "identical" with no rulesNeeded was in fact bit for bit
 * and counts as "strict".  A verdict without vouch_comparison has no mode
 * and is not counted.  The number of differences (and, when the verdict
 * lists them in vouch_comparison.differingPaths, the first three paths) is
 * reported with FAILED verdicts.
 *
 * Ownership: a vouch_policy is immutable once parsed.  A result owns all
 * its strings; items are read-only for the caller.
 */
#ifndef VOUCH_POLICY_H
#define VOUCH_POLICY_H

#include <stddef.h>
#include <stdint.h>
#include <time.h>
#include "buf.h"
#include "evbundle.h"
#include "checkpoint.h"
#include "digest.h"
#include "error.h"
#include "key.h"
#include "note.h"
#include "rfc3339.h"

#ifdef __cplusplus
extern "C" {
#endif

#define VOUCH_POLICY_VERSION 1
#define VOUCH_POLICY_MAX_BYTES (1024 * 1024)
#define VOUCH_POLICY_MAX_REBUILDERS 256
#define VOUCH_POLICY_MAX_KEYS 16         /* per rebuilder */
#define VOUCH_POLICY_MAX_LOGS 16
#define VOUCH_POLICY_MAX_WITNESSES 32    /* per log */
#define VOUCH_POLICY_MAX_URIS 16         /* predicateTypes, verificationPolicies */
#define VOUCH_POLICY_MAX_NAME 128
#define VOUCH_POLICY_MAX_URI 1024
#define VOUCH_POLICY_MAX_AGE ((int64_t)100 * 366 * 86400)
#define VOUCH_POLICY_CLOCK_SKEW 300      /* seconds a verdict may lie in the future */

enum vouch_policy_on_failed {
	VOUCH_POLICY_FAILED_FAIL = 0,    /* a trusted FAILED verdict fails the artifact */
	VOUCH_POLICY_FAILED_REPORT = 1   /* it is reported; the PASSED count decides */
};

#define VOUCH_POLICY_MODE_STRICT 1u
#define VOUCH_POLICY_MODE_NORMALIZE 2u

typedef struct vouch_policy vouch_policy;

/* Parse policy JSON; basedir (NULL = ".") anchors relative key paths. */
int vouch_policy_parse(const char *json, size_t len, const char *basedir,
                       vouch_policy **out, vouch_err *err);
/* Read and parse a policy file (at most VOUCH_POLICY_MAX_BYTES). */
int vouch_policy_load(const char *path, vouch_policy **out, vouch_err *err);
void vouch_policy_free(vouch_policy *p);

const char *vouch_policy_name(const vouch_policy *p);   /* "" when unnamed */
size_t vouch_policy_threshold(const vouch_policy *p);
size_t vouch_policy_rebuilder_count(const vouch_policy *p);
const char *vouch_policy_rebuilder_name(const vouch_policy *p, size_t i);
size_t vouch_policy_log_count(const vouch_policy *p);
const char *vouch_policy_log_origin(const vouch_policy *p, size_t i);
const char *vouch_policy_log_url(const vouch_policy *p, size_t i); /* NULL: none */
int vouch_policy_log_required(const vouch_policy *p, size_t i);
/* Borrowed; valid while p lives. */
const vouch_note_verifier *vouch_policy_log_verifier(const vouch_policy *p, size_t i);

/* What became of one piece of evidence. */
enum vouch_policy_disposition {
	VOUCH_EV_COUNTED = 0,   /* trusted PASSED verdict that counts */
	VOUCH_EV_DUPLICATE,     /* valid, but this rebuilder was counted already */
	VOUCH_EV_CONFLICT,      /* trusted, valid FAILED verdict */
	VOUCH_EV_REJECTED,      /* trusted signature, but the policy refuses it (reason) */
	VOUCH_EV_IGNORED        /* no valid signature by a trusted key */
};

struct vouch_policy_item {
	enum vouch_policy_disposition disp;
	char *rebuilder;        /* trusted rebuilder's name; NULL when ignored */
	char keyid[VOUCH_KEYID_HEX_LEN + 1]; /* the key that verified, or the first keyid hint */
	int result;             /* 1 PASSED, 0 FAILED, -1 unknown */
	char time[32];          /* timeVerified as written ("" when absent) */
	char mode[16];          /* "strict", "normalize" or "" */
	int logged;             /* an inclusion proof verified */
	uint64_t log_index;
	char *log_origin;       /* NULL unless logged */
	char *where;            /* source location of the envelope */
	char *reason;           /* why not counted; NULL when counted */
	char *differences;      /* FAILED: the first differing paths (NULL if unknown) */
};

/* Two signed checkpoints of one log that cannot both be honest: the same
 * size with different roots, or (size_a < size_b) a tree that the larger
 * one is not an extension of. */
struct vouch_policy_fork {
	char *origin;
	uint64_t size;          /* size of A */
	uint64_t size_b;        /* size of B (== size for a same-size fork) */
	vouch_hash root_a, root_b;
	char *note_a, *note_b;  /* the two signed checkpoints, verbatim */
	char *why;              /* how it was found */
};

/* Prove a verified checkpoint cp of policy log number log consistent with
 * the caller's current view of that log (e.g. the log's latest checkpoint,
 * fetched and verified, and a consistency proof from its tiles).  Return
 * VOUCH_OK when consistent or when there is nothing to prove (cp is newer
 * than the view), VOUCH_ENEGATIVE when inconsistent (then *view_note gets
 * the signed checkpoint of the view, owned by the callee, and err says
 * why), another status on trouble. */
typedef int (*vouch_policy_consistency_fn)(void *ctx, size_t log, const vouch_checkpoint *cp,
                                           const char **view_note, vouch_err *err);

typedef struct vouch_policy_result {
	int met;                /* 1: the policy holds for the artifact */
	size_t threshold;
	size_t counted;         /* distinct trusted rebuilders with a counted PASSED */
	size_t conflicts;       /* trusted FAILED verdicts */
	size_t rejected, ignored;
	size_t unrelated;       /* envelopes about other artifacts, or not verdicts */
	char *reason;           /* one line: why it is (not) met */
	struct vouch_policy_item *items;
	size_t nitems;
	struct vouch_policy_fork *forks;
	size_t nforks;
} vouch_policy_result;

struct vouch_policy_eval_opts {
	time_t now;                     /* (time_t)-1: time(NULL) */
	/* Extra signed checkpoints the caller holds (a monitor's state, a
	 * witnessed one, the log's latest): checked for forks against those in
	 * the evidence.  Not owned. */
	const char *const *checkpoints;
	const size_t *checkpoint_lens;
	size_t ncheckpoints;
	/* When set, every distinct verified checkpoint is handed to it once
	 * (online verification proves each consistent with the live log). */
	vouch_policy_consistency_fn consistent;
	void *consistent_ctx;
};

/* Evaluate the policy for one artifact.  VOUCH_OK whenever the evaluation
 * ran (met or not: see (*out)->met); another status on trouble only.
 * opts may be NULL. */
int vouch_policy_evaluate(const vouch_policy *p, const vouch_digests *artifact,
                          const vouch_evbundle *ev, const struct vouch_policy_eval_opts *opts,
                          vouch_policy_result **out, vouch_err *err);
void vouch_policy_result_free(vouch_policy_result *r);

const char *vouch_policy_disposition_name(enum vouch_policy_disposition d);

/* Renderings, appended to out.  name labels the artifact. */
int vouch_policy_result_text(const vouch_policy_result *r, const char *name,
                             vouch_buf *out, vouch_err *err);
/* One JSON object, newline-terminated (schemas/policy-result.schema.json). */
int vouch_policy_result_json(const vouch_policy_result *r, const char *name,
                             const vouch_digests *artifact, vouch_buf *out, vouch_err *err);

#ifdef __cplusplus
}
#endif
#endif
