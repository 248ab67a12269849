/* vouch/codec.h - hex and base64.
 *
 * Encoders write standard forms: lowercase hex; base64 padded, standard
 * alphabet unless URL-safe is asked for.  Decoders are strict: no
 * whitespace, no missing or extra padding, no non-zero trailing bits, no
 * mixing of the two base64 alphabets.
 */
#ifndef VOUCH_CODEC_H
#define VOUCH_CODEC_H

#include <stddef.h>
#include <stdint.h>
#include "buf.h"
#include "error.h"

#ifdef __cplusplus
extern "C" {
#endif

/* out must hold 2*n+1 bytes; it is NUL-terminated.  Returns out. */
char *vouch_hex_encode(const uint8_t *in, size_t n, char *out);
/* Append lowercase hex of in to b. */
int vouch_hex_append(vouch_buf *b, const uint8_t *in, size_t n, vouch_err *err);

#define VOUCH_HEX_LOWER 1 /* refuse A-F */
/* Decode exactly len hex characters (len must be even) into out, which must
 * hold len/2 bytes; outcap is its size. */
int vouch_hex_decode(const char *s, size_t len, uint8_t *out, size_t outcap,
                     int flags, vouch_err *err);
/* True when s[0..len) is lowercase hex of exactly want_bytes bytes. */
int vouch_is_lower_hex(const char *s, size_t len, size_t want_bytes);

enum vouch_b64_alphabet {
	VOUCH_B64_STD = 1,  /* + / */
	VOUCH_B64_URL = 2,  /* - _ */
	VOUCH_B64_ANY = 3   /* either, but one alphabet per string */
};

/* Length of the padded encoding of n bytes (without NUL). */
size_t vouch_b64_encoded_len(size_t n);
int vouch_b64_append(vouch_buf *b, const uint8_t *in, size_t n,
                     enum vouch_b64_alphabet alpha, vouch_err *err);
/* Decode s[0..len) and append the bytes to out. */
int vouch_b64_decode(const char *s, size_t len, enum vouch_b64_alphabet alpha,
                     vouch_buf *out, vouch_err *err);
/* Decode into a fixed array; fails unless the result is exactly want bytes. */
int vouch_b64_decode_exact(const char *s, size_t len, enum vouch_b64_alphabet alpha,
                           uint8_t *out, size_t want, vouch_err *err);

#ifdef __cplusplus
}
#endif
#endif
