/* vouch/policyrun.h - the policy workflow of vouch-verify --policy: load a
 * policy and evidence bundles, ask the policy's logs, decide each artifact.
 *
 * vouch_policy_run() reads the policy and every bundle and checkpoint file,
 * connects (unless offline) to each policy log that has a URL, digests each
 * artifact and, online, fetches its log entries into the evidence; then it
 * optionally saves all the evidence as one offline bundle and renders the
 * decision on each artifact (text, or one JSON object) through put, in the
 * order given.  Online when asked, or when no bundle is given and offline
 * is not asked.
 */
#ifndef VOUCH_POLICYRUN_H
#define VOUCH_POLICYRUN_H

#include <stddef.h>
#include <stdint.h>

#include "vouch/error.h"

#ifdef __cplusplus
extern "C" {
#endif

#define VOUCH_POLICY_RUN_MAX_CHECKPOINTS 16

typedef struct vouch_policy_run_opts {
	const char *policy;                  /* the policy file */
	const char *const *bundles;          /* evidence bundles (.intoto.jsonl) */
	size_t nbundles;
	const char *const *checkpoints;      /* signed checkpoints held, for the fork check */
	size_t ncheckpoints;                 /* at most VOUCH_POLICY_RUN_MAX_CHECKPOINTS */
	const char *save;                    /* when set, write all the evidence here */
	const char *at;                      /* evaluate as of this RFC 3339 time, not now */
	int online, offline, json;
	/* Receives each artifact's rendering; a non-zero return stops the run. */
	int (*put)(void *ctx, const uint8_t *data, size_t len, vouch_err *err);
	void *ctx;
} vouch_policy_run_opts;

/* VOUCH_OK when every artifact was decided, *all_met set to whether the
 * policy held for all of them; any other status (a negative one from the
 * log layer too) means the run could not decide, with err set. */
int vouch_policy_run(const vouch_policy_run_opts *o, const char *const *artifacts,
                     size_t nartifacts, int *all_met, vouch_err *err);

#ifdef __cplusplus
}
#endif
#endif
