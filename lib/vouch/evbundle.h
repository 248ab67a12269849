/* vouch/evbundle.h - offline evidence bundles (schemas/bundle.md).
 *
 * An evidence bundle is an in-toto attestation bundle (JSON Lines,
 * ".intoto.jsonl") whose envelope lines are the log entries themselves,
 * byte for byte, plus lines of vouch's own that other in-toto tools ignore
 * as "unrecognized lines" (the bundle spec says consumers MUST ignore
 * them): one inclusion line per logged envelope,
 *
 *   {"_type":"https://vouch.dev/attestation/bundle/inclusion/v1",
 *    "entry":{"sha256":"<hex SHA-256 of the envelope line>"},
 *    "tlogProof":"c2sp.org/tlog-proof@v1\nindex N\n...\n\n<checkpoint>"}
 *
 * so each envelope's proof is found by the digest of its line, never by
 * position (bundle order carries no meaning).
 *
 * A vouch_evbundle ("evidence bundle"; tlog entry bundles are
 * vouch_tile_bundle_* in tile.h) is the in-memory set: envelope entries
 * (their exact bytes) and the proofs that name them.  Reading is lenient
 * per line, like every in-toto consumer: a line that is neither an
 * envelope nor a vouch line is counted and skipped; a vouch line that is
 * malformed (a truncated proof, bad base64) is kept as a BROKEN proof of
 * the entry it names, so the policy layer can report it instead of the
 * bundle silently losing evidence.  Nothing is verified here.
 *
 * Ownership: the bundle owns copies of everything added; accessors return
 * pointers valid until the bundle is freed or changed.
 */
#ifndef VOUCH_EVBUNDLE_H
#define VOUCH_EVBUNDLE_H

#include <stddef.h>
#include <stdint.h>
#include "buf.h"
#include "checkpoint.h"
#include "error.h"
#include "logclient.h"
#include "tlogproof.h"

#ifdef __cplusplus
extern "C" {
#endif

#define VOUCH_EVBUNDLE_INCLUSION_TYPE "https://vouch.dev/attestation/bundle/inclusion/v1"
#define VOUCH_EVBUNDLE_MAX_ENTRIES 100000   /* envelopes in one bundle set */
#define VOUCH_EVBUNDLE_MAX_PROOFS 8         /* proofs kept per entry */
#define VOUCH_EVBUNDLE_MAX_BYTES ((size_t)1 << 30)
#define VOUCH_EVBUNDLE_LINE_MAX ((size_t)16 << 20) /* one line */

typedef struct vouch_evbundle vouch_evbundle;

int vouch_evbundle_new(vouch_evbundle **out, vouch_err *err);
void vouch_evbundle_free(vouch_evbundle *b);

/* Read JSON Lines (a bundle, or plain .intoto.jsonl).  source names the
 * input in locations ("file:LINE").  Lines that are not envelopes or vouch
 * lines are skipped and counted.  An envelope already held (same bytes) is
 * merged.  Errors only for trouble (memory, limits). */
int vouch_evbundle_add_jsonl(vouch_evbundle *b, const char *data, size_t len,
                             const char *source, vouch_err *err);
/* One envelope, its exact bytes (no newline). */
int vouch_evbundle_add_envelope(vouch_evbundle *b, const uint8_t *entry, size_t len,
                                const char *where, vouch_err *err);
/* A tlog-proof (text form) for the entry with these bytes. */
int vouch_evbundle_add_proof(vouch_evbundle *b, const uint8_t *entry, size_t len,
                             const char *tlogproof, size_t plen, vouch_err *err);

size_t vouch_evbundle_entry_count(const vouch_evbundle *b);
/* Entry i: its bytes (*len), where it came from ("file:LINE"). */
const uint8_t *vouch_evbundle_entry(const vouch_evbundle *b, size_t i, size_t *len);
const char *vouch_evbundle_entry_where(const vouch_evbundle *b, size_t i);
/* Proofs of entry i: count, and proof j as parsed (NULL when it was
 * broken: then *why, if non-NULL, gets the parse error). */
size_t vouch_evbundle_proof_count(const vouch_evbundle *b, size_t i);
const vouch_tlogproof *vouch_evbundle_proof(const vouch_evbundle *b, size_t i, size_t j,
                                            const char **why);
/* Lines skipped as not understood; vouch lines naming no entry held. */
size_t vouch_evbundle_skipped(const vouch_evbundle *b);
size_t vouch_evbundle_orphans(const vouch_evbundle *b);

/* Append the bundle as JSON Lines: every entry line, each followed by its
 * inclusion lines (broken proofs are not written). */
int vouch_evbundle_write(const vouch_evbundle *b, vouch_buf *out, vouch_err *err);

/* Add from a log: the entries whose subjects carry the sha256 digest
 * (GET lookup/sha256/<hex>, an unauthenticated hint), each fetched and
 * proved against the verified checkpoint cp whose signed note is
 * note[0..note_len), with that proof attached.  *found (may be NULL) gets
 * the number of entries added.  Entries that do not verify or do not carry
 * the digest fail the call (VOUCH_ENEGATIVE): a log that answers lookups
 * with entries it cannot prove is not to be trusted. */
int vouch_evbundle_from_log(vouch_evbundle *b, vouch_logclient *lc,
                            const vouch_checkpoint *cp, const char *note, size_t note_len,
                            const uint8_t sha256[32], size_t *found, vouch_err *err);

/* Add log entry index (fetched and proved against cp, whose signed note is
 * note[0..note_len)) with its proof. */
int vouch_evbundle_add_log_entry(vouch_evbundle *b, vouch_logclient *lc,
                                 const vouch_checkpoint *cp, const char *note, size_t note_len,
                                 uint64_t index, vouch_err *err);

/* One item to put into an offline evidence bundle. */
typedef struct vouch_evbundle_item {
	int is_digest;    /* 1: the entries whose subjects carry sha256 */
	uint8_t sha256[32];
	uint64_t index;   /* is_digest 0: this entry */
} vouch_evbundle_item;
/* An offline evidence bundle (schemas/bundle.md) of the items, each proved
 * against the log's current checkpoint; out gets its bytes. */
int vouch_evbundle_fetch(vouch_logclient *lc, const vouch_evbundle_item *items, size_t n,
                         vouch_buf *out, vouch_err *err);

#ifdef __cplusplus
}
#endif
#endif
