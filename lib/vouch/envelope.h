/* vouch/envelope.h - DSSE v1 envelopes: PAE, parse, build, sign, verify.
 *
 * An envelope holds the DECODED payload bytes, the payloadType and up to
 * VOUCH_DSSE_MAX_SIGS signatures (decoded).  Parsing is strict JSON
 * (vouch_json_parse), bounded in size, and accepts standard or URL-safe
 * padded base64 (one alphabet per string); serialising always writes
 * standard padded base64, compact, on one line.  Unknown fields are
 * ignored when parsing and not written back.
 *
 * Verification builds PAE(payloadType, payload) from the bytes held in the
 * envelope, counts the DISTINCT trusted public keys that produced a valid
 * signature (a key listed twice by the caller, or signing twice under two
 * keyids, counts once), requires the payloadType the caller expects, and
 * copies out exactly the bytes that were verified.  keyid is a hint that
 * only orders the attempts; it never decides anything.
 *
 * Ownership: getters return pointers into the envelope, valid until it is
 * freed or changed.  The payload getter returns UNVERIFIED bytes: callers
 * that need trust must use vouch_envelope_verify's output.
 */
#ifndef VOUCH_ENVELOPE_H
#define VOUCH_ENVELOPE_H

#include <stddef.h>
#include <stdint.h>
#include "buf.h"
#include "error.h"
#include "key.h"

#ifdef __cplusplus
extern "C" {
#endif

#define VOUCH_DSSE_MAX_DEFAULT ((size_t)16 << 20) /* envelope JSON bytes */
#define VOUCH_DSSE_MAX_SIGS 64
#define VOUCH_DSSE_MAX_TYPE 1024                    /* payloadType bytes */
#define VOUCH_DSSE_MAX_KEYID 1024

typedef struct vouch_envelope vouch_envelope;

/* Append PAE(type, body) to out:
 * "DSSEv1" SP LEN(type) SP type SP LEN(body) SP body. */
int vouch_envelope_pae(const char *type, size_t typelen, const void *body, size_t bodylen,
                       vouch_buf *out, vouch_err *err);

/* A new unsigned envelope holding a copy of payload. */
int vouch_envelope_new(const char *payload_type, const void *payload, size_t len,
                       vouch_envelope **out, vouch_err *err);
/* Parse envelope JSON; max is the size limit in bytes (0 = default). */
int vouch_envelope_parse(const char *json, size_t len, size_t max, vouch_envelope **out,
                         vouch_err *err);
void vouch_envelope_free(vouch_envelope *env);

const char *vouch_envelope_payload_type(const vouch_envelope *env);
/* UNVERIFIED payload bytes. */
const uint8_t *vouch_envelope_payload(const vouch_envelope *env, size_t *len);
size_t vouch_envelope_sig_count(const vouch_envelope *env);
/* keyid hint of signature i ("" when absent). */
const char *vouch_envelope_sig_keyid(const vouch_envelope *env, size_t i);
/* Decoded bytes of signature i (NULL past the end). */
const uint8_t *vouch_envelope_sig_bytes(const vouch_envelope *env, size_t i, size_t *len);

/* Sign PAE with key and append the signature, keyid = vouch_key_id(key).
 * The payload is not touched. */
int vouch_envelope_sign(vouch_envelope *env, const vouch_key *key, vouch_err *err);
/* vouch_envelope_sign, refusing (VOUCH_EEXIST) a key whose keyid already
 * signed the envelope. */
int vouch_envelope_sign_once(vouch_envelope *env, const vouch_key *key, vouch_err *err);
/* Append the envelope as compact JSON (no newline) to out. */
int vouch_envelope_serialize(const vouch_envelope *env, vouch_buf *out, vouch_err *err);

struct vouch_dsse_verify {
	const char *payload_type;       /* required payloadType; NULL = in-toto */
	const vouch_key *const *keys;   /* trusted public keys */
	size_t nkeys;
	size_t threshold;               /* distinct keys needed; 0 means 1 */
};

/* VOUCH_OK when at least threshold distinct trusted keys signed and the
 * payloadType is the expected one; then payload (if non-NULL) receives the
 * verified bytes (appended).  VOUCH_ENEGATIVE when not verified (err says
 * why), another status on trouble.  *nvalid (if non-NULL) gets the number
 * of distinct keys that verified; key_ok (if non-NULL, nkeys entries) gets
 * 1 for each trusted key with a valid signature, also for duplicates of
 * such a key. */
int vouch_envelope_verify(const vouch_envelope *env, const struct vouch_dsse_verify *opt,
                          vouch_buf *payload, size_t *nvalid, unsigned char *key_ok,
                          vouch_err *err);

/* Batch signing: a signer holds the keys (borrowed: they must outlive it)
 * and the buffers reused from one payload to the next, so each envelope
 * costs the signatures and one pass of output, no JSON tree. */
typedef struct vouch_envelope_signer vouch_envelope_signer;

/* A signer for payloads of payload_type with every key (at most
 * VOUCH_DSSE_MAX_SIGS, all private). */
int vouch_envelope_signer_new(const char *payload_type, const vouch_key *const *keys, size_t nkeys,
                          vouch_envelope_signer **out, vouch_err *err);
/* Sign payload with every key and append the envelope, one compact JSON
 * line ending in '\n', to out (the bytes vouch_envelope_serialize would
 * write).  An in-toto payloadType requires a valid statement
 * (vouch_statement_parse): otherwise VOUCH_EINPUT or VOUCH_ELIMIT with
 * "not a valid in-toto statement: ...".  On failure out is unchanged. */
int vouch_envelope_signer_sign(vouch_envelope_signer *s, const void *payload, size_t len,
                           vouch_buf *out, vouch_err *err);
void vouch_envelope_signer_free(vouch_envelope_signer *s);

#ifdef __cplusplus
}
#endif
#endif
