/* vouch/json.h - strict JSON over cJSON.
 *
 * vouch_json_parse() accepts one JSON document and nothing else.  Beyond
 * RFC 8259 it refuses what has let attackers make two parsers see two
 * different documents: duplicate object keys, keys that differ only in ASCII
 * case within one object ("subject" / "Subject"), invalid UTF-8, strings
 * containing U+0000, lone surrogate escapes, nesting deeper than a bound,
 * and trailing bytes after the document.
 *
 * Accessors return NULL / fail when a member is missing or has the wrong
 * type, so callers can validate shapes without casting.
 */
#ifndef VOUCH_JSON_H
#define VOUCH_JSON_H

#include <stddef.h>
#include <cjson/cJSON.h>
#include "buf.h"
#include "error.h"

#ifdef __cplusplus
extern "C" {
#endif

#define VOUCH_JSON_MAX_DEPTH 64

/* Parse data[0..len) strictly.  On success *out owns a tree the caller
 * frees with cJSON_Delete(). */
int vouch_json_parse(const char *data, size_t len, cJSON **out, vouch_err *err);

/* True when s[0..len) is valid UTF-8 (no overlongs, no surrogates, <= U+10FFFF). */
int vouch_utf8_valid(const char *s, size_t len);

/* Typed member lookups (case-sensitive, exact). */
const cJSON *vouch_json_get(const cJSON *obj, const char *key);
const char *vouch_json_get_string(const cJSON *obj, const char *key);
const cJSON *vouch_json_get_object(const cJSON *obj, const char *key);
const cJSON *vouch_json_get_array(const cJSON *obj, const char *key);
/* Integer member: must be a JSON number with an exact integer value in
 * [min, max]. */
int vouch_json_get_int(const cJSON *obj, const char *key, long long min,
                       long long max, long long *out, vouch_err *err);

/* Refuse any member of obj whose name is not in allowed (a NULL-terminated
 * list): "<what>: unknown member '<name>'".  Strict schemas use it so a
 * misspelt field is an error rather than silently ignored. */
int vouch_json_only_members(const cJSON *obj, const char *what,
                            const char *const *allowed, vouch_err *err);

/* Append s[0..n) as a JSON string, byte for byte as cJSON prints it:
 * '"', '\\' and control characters escaped (the common ones by letter,
 * the rest as \u00XX), every other byte as it is (s is UTF-8). */
int vouch_json_append_string(vouch_buf *out, const char *s, size_t n, vouch_err *err);

/* Append the compact serialisation of item to b. */
int vouch_json_append(vouch_buf *b, const cJSON *item, vouch_err *err);

/* cJSON creation helpers that report allocation failure through err. */
cJSON *vouch_json_add_string(cJSON *obj, const char *key, const char *val, vouch_err *err);
cJSON *vouch_json_add_object(cJSON *obj, const char *key, vouch_err *err);
cJSON *vouch_json_add_array(cJSON *obj, const char *key, vouch_err *err);

#ifdef __cplusplus
}
#endif
#endif
