/* vouch/note.h - C2SP signed notes with Ed25519 keys.
 *
 *     <text, every line ending in \n>
 *     <blank line>
 *     — <key name> <base64(4-byte key ID || signature)>\n   (one or more)
 *
 * Text is valid UTF-8 without control characters other than \n.  A verifier
 * knows some (name, key ID, public key) triples; signatures from unknown
 * keys are ignored, a known key's signature that does not verify rejects
 * the note, and a note without any valid known signature is rejected.
 */
#ifndef VOUCH_NOTE_H
#define VOUCH_NOTE_H

#include <stddef.h>
#include <stdint.h>
#include "buf.h"
#include "error.h"
#include "key.h"

#ifdef __cplusplus
extern "C" {
#endif

#define VOUCH_NOTE_MAX (64 * 1024)   /* whole note, bytes */
#define VOUCH_NOTE_LINES_MAX 1024    /* text lines */
#define VOUCH_NOTE_SIGS_MAX 64       /* signature lines */
#define VOUCH_NOTE_NAME_MAX 255

typedef struct vouch_note_verifier vouch_note_verifier;

/* Parse a verifier key string "<name>+<8 hex key ID>+<base64(0x01 || pub32)>".
 * The key ID must match the name and key. */
int vouch_note_verifier_parse(const char *s, size_t len, vouch_note_verifier **out,
                              vouch_err *err);
/* A verifier for an Ed25519 key (public or private) under name. */
int vouch_note_verifier_from_key(const vouch_key *key, const char *name,
                                 vouch_note_verifier **out, vouch_err *err);
/* The same for another vkey signature type (VOUCH_VKEY_* in key.h): the
 * string's type byte must be type, and the key ID is computed with it.
 * A verifier of a type other than VOUCH_VKEY_ED25519 never verifies a
 * plain note signature (vouch_note_verify skips it). */
int vouch_note_verifier_parse_type(const char *s, size_t len, uint8_t type,
                                   vouch_note_verifier **out, vouch_err *err);
int vouch_note_verifier_from_key_type(const vouch_key *key, const char *name, uint8_t type,
                                      vouch_note_verifier **out, vouch_err *err);
void vouch_note_verifier_free(vouch_note_verifier *v);
/* Borrowed; valid while v lives. */
const char *vouch_note_verifier_name(const vouch_note_verifier *v);
uint32_t vouch_note_verifier_id(const vouch_note_verifier *v);
uint8_t vouch_note_verifier_type(const vouch_note_verifier *v);
const vouch_key *vouch_note_verifier_key(const vouch_note_verifier *v);

/* True when name is a valid key name: 1..255 bytes of UTF-8, no '+', no
 * whitespace, no control characters. */
int vouch_note_name_valid(const char *name, size_t len);

/* Sign text (which must be valid note text ending in \n) with an Ed25519
 * private key under name; appends the whole signed note to out. */
int vouch_note_sign(const char *text, size_t len, const char *name, const vouch_key *key,
                    vouch_buf *out, vouch_err *err);

/* Verify a signed note.  On VOUCH_OK the text is note[0..*text_len) and
 * *nverified (may be NULL) counts the distinct verifiers whose signature
 * verified.  VOUCH_EINPUT: malformed; VOUCH_ELIMIT: a bound exceeded;
 * VOUCH_ENEGATIVE: no known valid signature, or a known one is invalid. */
int vouch_note_verify(const char *note, size_t len, vouch_note_verifier *const *vs,
                      size_t nvs, size_t *text_len, size_t *nverified, vouch_err *err);

/* Walk the signature lines of a signed note (whose text is checked as
 * vouch_note_verify checks it): fn gets each line's key name (not
 * NUL-terminated), key ID and the decoded bytes after the key ID; a
 * non-zero return stops the walk with that status.  *text_len gets the
 * length of the note text before fn is first called. */
typedef int (*vouch_note_sig_fn)(void *ctx, const char *name, size_t name_len, uint32_t id,
                                 const uint8_t *sig, size_t sig_len, vouch_err *err);
int vouch_note_each_sig(const char *note, size_t len, size_t *text_len, vouch_note_sig_fn fn,
                        void *ctx, vouch_err *err);
/* Index of the first verifier at or after from with this type, name and
 * key ID, or -1. */
int vouch_note_find_verifier(vouch_note_verifier *const *vs, size_t nvs, size_t from,
                             uint8_t type, const char *name, size_t name_len, uint32_t id);

#ifdef __cplusplus
}
#endif
#endif
