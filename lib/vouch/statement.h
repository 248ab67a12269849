/* vouch/statement.h - in-toto Statement v1: validate, build, match.
 *
 * A vouch_statement owns a cJSON tree of one Statement v1.  Parsing uses
 * the strict JSON reader (duplicate and case-variant keys refused) and
 * then validates:
 *   - "_type" is exactly VOUCH_STATEMENT_TYPE;
 *   - "subject" is a non-empty array (at most VOUCH_STATEMENT_MAX_SUBJECTS)
 *     of objects; "name"/"uri" when present are strings;
 *   - every subject has a "digest" object whose values are strings.  Known
 *     algorithms must be lowercase hex of their exact length; "md5" is
 *     refused outright; "sha1" and "sha224" are allowed to appear but never
 *     count.  Each subject must carry at least one ACCEPTED algorithm:
 *     sha256, sha384, sha512, sha512_256 or sha3_256 (sha256 is the floor;
 *     a subject may carry e.g. only sha512).  Other names (gitCommit, ...)
 *     are tolerated and ignored;
 *   - "predicateType" is a non-empty string; "predicate", when present, is
 *     an object.
 *
 * Matching (vouch_statement_match) is by digest only, on decoded bytes
 * with CRYPTO_memcmp: a subject matches an artifact when they share at
 * least one accepted algorithm and EVERY accepted algorithm they share
 * agrees.  Names are never compared.
 *
 * Ownership: getters return pointers into the statement, valid until it is
 * freed.  Functions taking a cJSON * "value" take ownership of it, also on
 * failure.
 */
#ifndef VOUCH_STATEMENT_H
#define VOUCH_STATEMENT_H

#include <stddef.h>
#include <time.h>
#include <cjson/cJSON.h>
#include "buf.h"
#include "digest.h"
#include "error.h"
#include "rfc3339.h"
#include "uri.h"

#ifdef __cplusplus
extern "C" {
#endif

#define VOUCH_STATEMENT_MAX_SUBJECTS 100000

typedef struct vouch_statement vouch_statement;

/* Parse and validate data[0..len). */
int vouch_statement_parse(const void *data, size_t len, vouch_statement **out,
                          vouch_err *err);
/* Validate a tree without taking it (same rules as parse). */
int vouch_statement_validate(const cJSON *root, vouch_err *err);
void vouch_statement_free(vouch_statement *st);

/* Builder: a statement with the given predicateType, no subjects and no
 * predicate yet.  It becomes valid once it has a subject. */
int vouch_statement_new(const char *predicate_type, vouch_statement **out, vouch_err *err);
/* Append a subject {"name", "digest"} with every algorithm filled in d
 * (sha256 must be among them).  name may be NULL. */
int vouch_statement_add_subject(vouch_statement *st, const char *name,
                                const vouch_digests *d, vouch_err *err);
/* Append a subject given as a ResourceDescriptor object (copied; validated
 * like a parsed subject). */
int vouch_statement_add_subject_json(vouch_statement *st, const cJSON *desc, vouch_err *err);
/* Set (replace) the predicate; takes ownership of predicate (an object). */
int vouch_statement_set_predicate(vouch_statement *st, cJSON *predicate, vouch_err *err);
/* Validate, then append the compact JSON (one line, no newline) to out. */
int vouch_statement_serialize(const vouch_statement *st, vouch_buf *out, vouch_err *err);

/* Accessors (borrowed pointers). */
const cJSON *vouch_statement_json(const vouch_statement *st);
const char *vouch_statement_predicate_type(const vouch_statement *st);
const cJSON *vouch_statement_predicate(const vouch_statement *st); /* NULL if absent */
size_t vouch_statement_subject_count(const vouch_statement *st);
const cJSON *vouch_statement_subject(const vouch_statement *st, size_t i);

/* VOUCH_OK when some subject matches the artifact digests d (index in
 * *which when non-NULL), VOUCH_ENEGATIVE when none does. */
int vouch_statement_match(const vouch_statement *st, const vouch_digests *d, size_t *which,
                          vouch_err *err);

/* True for the algorithm names that count toward the sha256 floor. */
int vouch_digest_name_accepted(const char *name);

/* A ResourceDescriptor {"name", "uri", "digest"}; name / uri may be NULL,
 * d may be NULL when uri is given.  Returns a new tree or NULL (err set). */
cJSON *vouch_resource_descriptor(const char *name, const char *uri, const vouch_digests *d,
                                 vouch_err *err);
/* A DigestSet object with every algorithm filled in d. */
cJSON *vouch_digest_set(const vouch_digests *d, vouch_err *err);

#ifdef __cplusplus
}
#endif
#endif
