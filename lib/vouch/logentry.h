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
