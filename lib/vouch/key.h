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
 *
 * Threads: a vouch_key is immutable after it is made.  Every function taking
 * a const vouch_key * (sign, verify, keyid, encoders) may run on one key from
 * several threads at once; the key caches one signing and one verifying
 * context internally and hands them out with atomic operations, so repeated
 * calls in one thread cost no allocation or parsing.  vouch_key_free() must
 * not race with any other use.
 *
 * Ownership: *_free(NULL) is a no-op; a vouch_key ** output belongs to the
 * caller (vouch_key_free) and is NULL on failure.  Buffers that received
 * private key PEM should be released with vouch_buf_free_secret().
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
 * KEY").  Key types other than Ed25519 and P-256 are refused.
 * Details: one PEM block only (white space may follow it); more than
 * VOUCH_PEM_MAX bytes is VOUCH_ELIMIT; legacy "EC PRIVATE KEY" / "Proc-Type"
 * PEM, explicit EC curve parameters and private keys that do not match the
 * public key they carry are refused (VOUCH_EINPUT).  Encrypted keys must use
 * PBES2 with PBKDF2 (at most 10^7 iterations) or scrypt; a missing
 * passphrase is VOUCH_EUSAGE, a wrong one VOUCH_EINPUT ("wrong
 * passphrase").  EC keys are held with an uncompressed point, so the keyid
 * of a compressed-point SPKI is that of its uncompressed form. */
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

/* ---- additions (key files and passphrases for the tools) ---- */

#define VOUCH_PASS_MAX 4096      /* longest passphrase accepted, in bytes */

/* Write prefix.key (PKCS#8 PEM, mode 0600, encrypted when pass is non-NULL)
 * and prefix.pub (SPKI PEM, mode 0644), each with O_EXCL|O_NOFOLLOW.  Both
 * paths are checked first: when either exists (a symlink too, even a
 * dangling one) nothing is written and VOUCH_EEXIST is returned.  Should the
 * second write still fail, the first file is removed again. */
int vouch_key_write_files(const vouch_key *key, const char *prefix, const char *pass,
                          size_t passlen, vouch_err *err);

/* Read a passphrase from fd (until end of file) or from a file ("-" is
 * stdin), strip one trailing newline and append it to out, which the caller
 * should release with vouch_buf_free_secret().  Empty passphrases and ones
 * longer than VOUCH_PASS_MAX are refused (VOUCH_EINPUT / VOUCH_ELIMIT).
 * name is used in messages. */
int vouch_key_passphrase_fd(int fd, const char *name, vouch_buf *out, vouch_err *err);
int vouch_key_passphrase_file(const char *path, vouch_buf *out, vouch_err *err);

/* C2SP signed-note key ID of an Ed25519 key under name: the first 4 bytes,
 * big-endian, of SHA-256(name || 0x0A || 0x01 || pub32). */
int vouch_key_note_id(const vouch_key *key, const char *name, uint32_t *id, vouch_err *err);
/* C2SP verifier key string "<name>+<8 hex id>+<base64(0x01 || pub32)>";
 * name must be non-empty and hold no '+', whitespace or control bytes.
 * Appends to out. */
int vouch_key_note_verifier(const vouch_key *key, const char *name, vouch_buf *out,
                            vouch_err *err);

/* The same for any vkey signature type byte over an Ed25519 public key:
 * VOUCH_VKEY_ED25519 (0x01, signed notes) or VOUCH_VKEY_COSIG_ED25519
 * (0x04, c2sp.org/tlog-cosignature cosignature/v1). */
#define VOUCH_VKEY_ED25519 0x01
#define VOUCH_VKEY_COSIG_ED25519 0x04
int vouch_key_vkey_id(const vouch_key *key, const char *name, uint8_t type, uint32_t *id,
                      vouch_err *err);
int vouch_key_vkey(const vouch_key *key, const char *name, uint8_t type, vouch_buf *out,
                   vouch_err *err);

#ifdef __cplusplus
}
#endif
#endif
