/* vouch/provenance.h - SLSA Provenance v1 predicate builder.
 *
 * Builds the predicate of an in-toto Statement whose predicateType is
 * VOUCH_PREDICATE_PROVENANCE:
 *
 *   {"buildDefinition": {"buildType", "externalParameters",
 *                        "internalParameters", "resolvedDependencies"},
 *    "runDetails": {"builder": {"id", "version", "builderDependencies"},
 *                   "metadata": {"invocationId", "startedOn", "finishedOn"},
 *                   "byproducts"},
 *    "vouch_<name>": <extension>...}
 *
 * Empty optional members are left out.  Timestamps are RFC 3339 UTC with
 * 'Z'.  For a vouch rebuild: buildType = VOUCH_BUILD_TYPE_REBUILD,
 * externalParameters = what the auditor chose (recipe, source),
 * resolvedDependencies = source archive, build environment image and
 * recipe, each with digests.
 *
 * Ownership: the builder owns everything added to it; the *_object()
 * getters return borrowed objects the caller may fill (valid until
 * vouch_provenance_free).  Functions taking a cJSON * value take ownership
 * of it, also on failure.  vouch_provenance_to_json returns a new tree the
 * caller frees with cJSON_Delete (or hands to vouch_statement_set_predicate).
 *
 * Typical use:
 *   vouch_provenance *p; cJSON *pred; vouch_statement *st;
 *   vouch_provenance_new(VOUCH_BUILD_TYPE_REBUILD, lab_uri, &p, err);
 *   cJSON_AddStringToObject(vouch_provenance_external(p), "recipe", "...");
 *   vouch_provenance_add_dependency(p, "source", "file:src.tar", &srcdig, err);
 *   vouch_provenance_set_times(p, "run-42", t0, t1, err);
 *   vouch_provenance_to_json(p, &pred, err);
 *   vouch_statement_new(VOUCH_PREDICATE_PROVENANCE, &st, err);
 *   vouch_statement_add_subject(st, "hello", &artifact_digests, err);
 *   vouch_statement_set_predicate(st, pred, err);
 *   vouch_statement_serialize(st, &out, err);
 */
#ifndef VOUCH_PROVENANCE_H
#define VOUCH_PROVENANCE_H

#include <time.h>
#include <cjson/cJSON.h>
#include "digest.h"
#include "error.h"
#include "uri.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct vouch_provenance vouch_provenance;

/* build_type and builder_id must be absolute URIs ("scheme:..."); NULL
 * selects VOUCH_BUILD_TYPE_REBUILD / VOUCH_BUILDER_ID_DEFAULT. */
int vouch_provenance_new(const char *build_type, const char *builder_id,
                         vouch_provenance **out, vouch_err *err);
void vouch_provenance_free(vouch_provenance *p);

/* Borrowed objects to fill freely (standard field names never contain '_';
 * use VOUCH_EXT_PREFIX for anything vouch-specific). */
cJSON *vouch_provenance_external(vouch_provenance *p);
cJSON *vouch_provenance_internal(vouch_provenance *p);

/* resolvedDependencies / byproducts / builder.builderDependencies entries:
 * ResourceDescriptors; name and uri may be NULL, d may be NULL only when
 * uri is given. */
int vouch_provenance_add_dependency(vouch_provenance *p, const char *name, const char *uri,
                                    const vouch_digests *d, vouch_err *err);
int vouch_provenance_add_byproduct(vouch_provenance *p, const char *name, const char *uri,
                                   const vouch_digests *d, vouch_err *err);
int vouch_provenance_add_builder_dependency(vouch_provenance *p, const char *name,
                                            const char *uri, const vouch_digests *d,
                                            vouch_err *err);
/* builder.version[component] = version (e.g. "vouch", "1.0.0"). */
int vouch_provenance_set_builder_version(vouch_provenance *p, const char *component,
                                         const char *version, vouch_err *err);
/* runDetails.metadata; invocation_id may be NULL; a time of (time_t)-1 is
 * left out. */
int vouch_provenance_set_times(vouch_provenance *p, const char *invocation_id,
                               time_t started, time_t finished, vouch_err *err);
/* Top-level extension field VOUCH_EXT_PREFIX + name (name: [a-z0-9_],
 * non-empty); takes ownership of value; replaces an earlier one. */
int vouch_provenance_set_extension(vouch_provenance *p, const char *name, cJSON *value,
                                   vouch_err *err);
/* A new predicate tree (caller owns). */
int vouch_provenance_to_json(const vouch_provenance *p, cJSON **out, vouch_err *err);

#ifdef __cplusplus
}
#endif
#endif
