/* vouch/logentry.h - what a vouch log accepts (one DSSE envelope carrying
 * an in-toto statement) and an entry as a JSON line.
 */
#ifndef VOUCH_LOGENTRY_H
#define VOUCH_LOGENTRY_H

#include <stddef.h>
#include <stdint.h>
#include "buf.h"
#include "error.h"
#include "key.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Check a submission: a DSSE envelope (strict JSON, at most 65535 bytes)
 * whose payloadType is in-toto and whose payload is a valid in-toto
 * Statement.  When nkeys > 0 it must carry a valid signature by one of
 * keys (VOUCH_ENEGATIVE otherwise).  VOUCH_EINPUT when malformed.  The
 * sha256 digests of the statement's subjects (32 bytes each, at most
 * VOUCH_LOGSTORE_SUBJECTS_MAX) are appended to subjects (may be NULL). */
int vouch_logentry_check(const uint8_t *body, size_t len, const vouch_key *const *keys,
                         size_t nkeys, vouch_buf *subjects, vouch_err *err);
/* vouch_logentry_check, and (key not NULL) the envelope's dedup key
 * (vouch_logentry_dedup_key) from the same parse (issue 18: vouch-logd
 * parses each submission once). */
int vouch_logentry_check_keyed(const uint8_t *body, size_t len, const vouch_key *const *keys,
                               size_t nkeys, vouch_buf *subjects, uint8_t key[32],
                               vouch_err *err);
/* The dedup key of an envelope: the same envelope however it is spelled
 * (whitespace, key order, escapes, base64 alphabet, signature order or
 * repeats, keyid hints, unknown fields) has the same key:
 *   SHA-256( "vouch-logentry-dedup-v1" 0x0A
 *            u64be(len type) type  u64be(len payload) payload
 *            u64be(n)  { u64be(len sig) sig } * n )
 * over the payloadType, the decoded payload bytes and the n distinct
 * decoded signature byte strings in ascending (length, bytes) order.
 * keyid is left out: it is an unauthenticated hint.  VOUCH_EINPUT when
 * body is not an envelope.  key: 32 bytes. */
int vouch_logentry_dedup_key(const uint8_t *body, size_t len, uint8_t key[32], vouch_err *err);
/* A vouch_logstore_keyer using vouch_logentry_dedup_key. */
int vouch_logentry_keyer(void *ctx, const uint8_t *entry, size_t len, uint8_t key[32]);
/* A vouch_logstore_indexer using vouch_logentry_check without keys. */
void vouch_logentry_indexer(void *ctx, const uint8_t *entry, size_t len, vouch_buf *out);

/* Append one JSON line for entry index of bytes e[0..len):
 * {"index":N,"leaf_hash":HEX,"subjects":[HEX...],"entry":ENVELOPE} and a
 * newline ("entry" is null when the bytes no longer parse as JSON). */
int vouch_logentry_json_line(uint64_t index, const uint8_t *e, size_t len, vouch_buf *out,
                             vouch_err *err);
/* True when the entry's subjects include the sha256 digest d. */
int vouch_logentry_has_subject(const uint8_t *e, size_t len, const uint8_t d[32]);

#ifdef __cplusplus
}
#endif
#endif
