/* vouch/key.h - signing keys: Ed25519 and ECDSA P-256.
 *
 * A vouch_key holds a public key and, when loaded from a private key, the
 * private half too.  Private material lives inside OpenSSL objects and is
 * wiped when the key is freed.
 *
 * Signatures:
 *   Ed25519      pure Ed25519 over the message (64 bytes).
 *   ECDSA P-256  over SHA-256(message), ASN.1 DER encoded.  Verification also
 *                accepts the raw 64-byte r||s form.
 * keyid: lowercase hex SHA-256 of the DER SubjectPublicKeyInfo.
 */
#ifndef VOUCH_KEY_H
#define VOUCH_KEY_H

#include <stddef.h>
#include <stdint.h>
#include "buf.h"
#include "error.h"

#ifdef __cplusplus
extern "C" {
#endif

enum vouch_key_type {
	VOUCH_KEY_ED25519 = 1,
	VOUCH_KEY_ECDSA_P256 = 2
};

#define VOUCH_KEYID_HEX_LEN 64
#define VOUCH_SIG_MAX 80         /* DER ECDSA P-256 is at most 72 bytes */
#define VOUCH_PEM_MAX (64 * 1024)

typedef struct vouch_key vouch_key;

int vouch_key_generate(enum vouch_key_type type, vouch_key **out, vouch_err *err);
/* Ed25519 key from a 32-byte RFC 8032 seed (test vectors, C2SP notes). */
int vouch_key_from_ed25519_seed(const uint8_t seed[32], vouch_key **out, vouch_err *err);
/* Ed25519 public key from its raw 32 bytes. */
int vouch_key_from_ed25519_public(const uint8_t pub[32], vouch_key **out, vouch_err *err);

/* Load PEM: a PKCS#8 private key ("PRIVATE KEY" or "ENCRYPTED PRIVATE
 * KEY"; pass = NULL for unencrypted) or an SPKI public key ("PUBLIC
 * KEY").  Key types other than Ed25519 and P-256 are refused. */
int vouch_key_load_pem(const char *pem, size_t len, const char *pass, size_t passlen,
                       vouch_key **out, vouch_err *err);
/* Same from a file (at most VOUCH_PEM_MAX bytes). */
int vouch_key_load_file(const char *path, const char *pass, size_t passlen,
                        vouch_key **out, vouch_err *err);
void vouch_key_free(vouch_key *key);

enum vouch_key_type vouch_key_get_type(const vouch_key *key);
const char *vouch_key_type_name(enum vouch_key_type type); /* "ed25519", "ecdsa-p256" */
int vouch_key_has_private(const vouch_key *key);

/* PKCS#8 PEM of the private key; encrypted (AES-256-CBC, scrypt) when pass
 * is non-NULL.  Appends to out. */
int vouch_key_private_pem(const vouch_key *key, const char *pass, size_t passlen,
                          vouch_buf *out, vouch_err *err);
/* SPKI PEM / DER of the public key; appends to out. */
int vouch_key_public_pem(const vouch_key *key, vouch_buf *out, vouch_err *err);
int vouch_key_spki_der(const vouch_key *key, vouch_buf *out, vouch_err *err);
/* keyid: lowercase hex SHA-256 of the DER SPKI, NUL-terminated. */
int vouch_key_id(const vouch_key *key, char out[VOUCH_KEYID_HEX_LEN + 1], vouch_err *err);
/* Raw 32-byte Ed25519 public key (fails for other types). */
int vouch_key_ed25519_public(const vouch_key *key, uint8_t out[32], vouch_err *err);
/* True when both hold the same public key. */
int vouch_key_same_public(const vouch_key *a, const vouch_key *b);

/* Sign msg; appends the signature to sig. */
int vouch_key_sign(const vouch_key *key, const void *msg, size_t n, vouch_buf *sig,
                   vouch_err *err);
/* VOUCH_OK when sig is a valid signature of msg, VOUCH_ENEGATIVE when it is
 * not (err then says why), another status on failure. */
int vouch_key_verify(const vouch_key *key, const void *msg, size_t n, const uint8_t *sig,
                     size_t siglen, vouch_err *err);

/* C2SP signed-note key ID of an Ed25519 key under name: the first 4 bytes,
 * big-endian, of SHA-256(name || 0x0A || 0x01 || pub32). */
int vouch_key_note_id(const vouch_key *key, const char *name, uint32_t *id, vouch_err *err);
/* C2SP verifier key string "<name>+<8 hex id>+<base64(0x01 || pub32)>";
 * name must be non-empty and hold no '+', whitespace or control bytes.
 * Appends to out. */
int vouch_key_note_verifier(const vouch_key *key, const char *name, vouch_buf *out,
                            vouch_err *err);

#ifdef __cplusplus
}
#endif
#endif
