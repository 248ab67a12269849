/* vouch/vsa.h - SLSA Verification Summary v1 predicate builder.
 *
 * Builds the predicate of a Statement whose predicateType is
 * VOUCH_PREDICATE_VSA:
 *
 *   {"verifier": {"id", "version"}, "timeVerified", "resourceUri",
 *    "policy": {"uri", "digest"}, "inputAttestations": [{"uri", "digest"}],
 *    "verificationResult": "PASSED" | "FAILED", "verifiedLevels": [],
 *    "dependencyLevels": {}, "slsaVersion": "1.0", "vouch_<name>": ...}
 *
 * A rebuild-and-compare verdict: subject = the SHIPPED artifact, result
 * PASSED when it was reproduced bit for bit, FAILED when not, policy.uri =
 * VOUCH_POLICY_REPRODUCIBLE, inputAttestations = the provenance envelope(s),
 * comparison details in extension fields (e.g. vouch_differences).
 *
 * Ownership as in provenance.h: the builder owns what is added; cJSON *
 * values passed in are taken (also on failure); to_json returns a new tree.
 */
#ifndef VOUCH_VSA_H
#define VOUCH_VSA_H

#include <time.h>
#include <cjson/cJSON.h>
#include "digest.h"
#include "error.h"
#include "uri.h"

#ifdef __cplusplus
extern "C" {
#endif

#define VOUCH_VSA_PASSED "PASSED"
#define VOUCH_VSA_FAILED "FAILED"

typedef struct vouch_vsa vouch_vsa;

/* verifier_id: absolute URI, NULL = VOUCH_VERIFIER_ID_DEFAULT; passed
 * selects PASSED (non-zero) or FAILED; time_verified (time_t)-1 = now.
 * resourceUri must be set before to_json; policy defaults to
 * {"uri": VOUCH_POLICY_REPRODUCIBLE}. */
int vouch_vsa_new(const char *verifier_id, int passed, time_t time_verified,
                  vouch_vsa **out, vouch_err *err);
void vouch_vsa_free(vouch_vsa *v);

int vouch_vsa_set_verifier_version(vouch_vsa *v, const char *component, const char *version,
                                   vouch_err *err);
/* The artifact's URI (e.g. "file:firmware.bin", a package URL). */
int vouch_vsa_set_resource_uri(vouch_vsa *v, const char *uri, vouch_err *err);
/* policy.uri and (when d is non-NULL) policy.digest. */
int vouch_vsa_set_policy(vouch_vsa *v, const char *uri, const vouch_digests *d,
                         vouch_err *err);
/* One inputAttestations entry {uri, digest}; d is required. */
int vouch_vsa_add_input(vouch_vsa *v, const char *uri, const vouch_digests *d,
                        vouch_err *err);
/* verifiedLevels entry, e.g. "SLSA_BUILD_LEVEL_1" ([A-Z0-9_]+). */
int vouch_vsa_add_level(vouch_vsa *v, const char *level, vouch_err *err);
/* dependencyLevels[level] = count. */
int vouch_vsa_set_dependency_level(vouch_vsa *v, const char *level, unsigned count,
                                   vouch_err *err);
/* Top-level extension field VOUCH_EXT_PREFIX + name; takes value. */
int vouch_vsa_set_extension(vouch_vsa *v, const char *name, cJSON *value, vouch_err *err);
/* A new predicate tree (caller owns). */
int vouch_vsa_to_json(const vouch_vsa *v, cJSON **out, vouch_err *err);

#ifdef __cplusplus
}
#endif
#endif
