/* codec.c - hex and base64, strict decoders. */
#include "config.h"

#include <stdint.h>
#include <string.h>

#include "vouch/codec.h"

static const char hexdig[] = "0123456789abcdef";

char *
vouch_hex_encode(const uint8_t *in, size_t n, char *out)
{
	for (size_t i = 0; i < n; i++) {
		out[2 * i] = hexdig[in[i] >> 4];
		out[2 * i + 1] = hexdig[in[i] & 15];
	}
	out[2 * n] = '\0';
	return out;
}

int
vouch_hex_append(vouch_buf *b, const uint8_t *in, size_t n, vouch_err *err)
{
	int rc;

	if (n > SIZE_MAX / 2 - 1)
		return vouch_err_set(err, VOUCH_ELIMIT, "hex input too large");
	rc = vouch_buf_reserve(b, 2 * n, err);
	if (rc != VOUCH_OK)
		return rc;
	vouch_hex_encode(in, n, (char *)b->data + b->len);
	b->len += 2 * n;
	return VOUCH_OK;
}

static int
hexval(unsigned char c, int lower_only)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (!lower_only && c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

int
vouch_hex_decode(const char *s, size_t len, uint8_t *out, size_t outcap, int flags,
                 vouch_err *err)
{
	int lower = (flags & VOUCH_HEX_LOWER) != 0;

	if (len % 2 != 0)
		return vouch_err_set(err, VOUCH_EINPUT, "hex string has odd length %zu", len);
	if (len / 2 > outcap)
		return vouch_err_set(err, VOUCH_EINPUT, "hex string too long (%zu bytes, at most %zu)",
		    len / 2, outcap);
	for (size_t i = 0; i < len; i += 2) {
		int hi = hexval((unsigned char)s[i], lower);
		int lo = hexval((unsigned char)s[i + 1], lower);

		if (hi < 0 || lo < 0)
			return vouch_err_set(err, VOUCH_EINPUT, "invalid %shex digit at offset %zu",
			    lower ? "lowercase " : "", hi < 0 ? i : i + 1);
		out[i / 2] = (uint8_t)(hi << 4 | lo);
	}
	return VOUCH_OK;
}

int
vouch_is_lower_hex(const char *s, size_t len, size_t want_bytes)
{
	if (len != 2 * want_bytes)
		return 0;
	for (size_t i = 0; i < len; i++)
		if (hexval((unsigned char)s[i], 1) < 0)
			return 0;
	return 1;
}

static const char b64_std[] =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
static const char b64_url[] =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

size_t
vouch_b64_encoded_len(size_t n)
{
	return (n + 2) / 3 * 4;
}

int
vouch_b64_append(vouch_buf *b, const uint8_t *in, size_t n, enum vouch_b64_alphabet alpha,
                 vouch_err *err)
{
	const char *tab = alpha == VOUCH_B64_URL ? b64_url : b64_std;
	char *o;
	size_t i;
	int rc;

	if (n > (SIZE_MAX / 4) * 3 - 3)
		return vouch_err_set(err, VOUCH_ELIMIT, "base64 input too large");
	rc = vouch_buf_reserve(b, vouch_b64_encoded_len(n), err);
	if (rc != VOUCH_OK)
		return rc;
	o = (char *)b->data + b->len;
	for (i = 0; i + 3 <= n; i += 3) {
		uint32_t v = (uint32_t)in[i] << 16 | (uint32_t)in[i + 1] << 8 | in[i + 2];

		*o++ = tab[v >> 18];
		*o++ = tab[(v >> 12) & 63];
		*o++ = tab[(v >> 6) & 63];
		*o++ = tab[v & 63];
	}
	if (n - i == 1) {
		uint32_t v = (uint32_t)in[i] << 16;

		*o++ = tab[v >> 18];
		*o++ = tab[(v >> 12) & 63];
		*o++ = '=';
		*o++ = '=';
	} else if (n - i == 2) {
		uint32_t v = (uint32_t)in[i] << 16 | (uint32_t)in[i + 1] << 8;

		*o++ = tab[v >> 18];
		*o++ = tab[(v >> 12) & 63];
		*o++ = tab[(v >> 6) & 63];
		*o++ = '=';
	}
	b->len = (size_t)(o - (char *)b->data);
	b->data[b->len] = '\0';
	return VOUCH_OK;
}

/* Value of c in the alphabet(s) allowed, or -1.  *seen tracks which of the
 * alphabet-specific characters appeared, to refuse mixing. */
static int
b64val(unsigned char c, enum vouch_b64_alphabet alpha, int *seen)
{
	if (c >= 'A' && c <= 'Z')
		return c - 'A';
	if (c >= 'a' && c <= 'z')
		return c - 'a' + 26;
	if (c >= '0' && c <= '9')
		return c - '0' + 52;
	if ((c == '+' || c == '/') && (alpha & VOUCH_B64_STD)) {
		*seen |= VOUCH_B64_STD;
		return c == '+' ? 62 : 63;
	}
	if ((c == '-' || c == '_') && (alpha & VOUCH_B64_URL)) {
		*seen |= VOUCH_B64_URL;
		return c == '-' ? 62 : 63;
	}
	return -1;
}

int
vouch_b64_decode(const char *s, size_t len, enum vouch_b64_alphabet alpha, vouch_buf *out,
                 vouch_err *err)
{
	size_t pad = 0, i;
	int seen = 0, rc;
	uint8_t *o;

	if (len % 4 != 0)
		return vouch_err_set(err, VOUCH_EINPUT,
		    "invalid base64: length %zu is not a multiple of 4", len);
	if (len > 0 && s[len - 1] == '=')
		pad++;
	if (len > 1 && s[len - 2] == '=')
		pad++;
	rc = vouch_buf_reserve(out, len / 4 * 3, err);
	if (rc != VOUCH_OK)
		return rc;
	o = out->data + out->len;
	for (i = 0; i < len; i += 4) {
		int v[4];
		int last = (i + 4 == len);

		for (int k = 0; k < 4; k++) {
			unsigned char c = (unsigned char)s[i + k];

			if (last && c == '=' && k >= 4 - (int)pad) {
				v[k] = 0;
				continue;
			}
			v[k] = b64val(c, alpha, &seen);
			if (v[k] < 0)
				return vouch_err_set(err, VOUCH_EINPUT,
				    "invalid base64 character at offset %zu", i + (size_t)k);
		}
		uint32_t w = (uint32_t)v[0] << 18 | (uint32_t)v[1] << 12 |
		    (uint32_t)v[2] << 6 | (uint32_t)v[3];
		*o++ = (uint8_t)(w >> 16);
		if (!last || pad < 2)
			*o++ = (uint8_t)(w >> 8);
		if (!last || pad < 1)
			*o++ = (uint8_t)w;
		if (last && pad == 1 && (v[2] & 3) != 0)
			return vouch_err_set(err, VOUCH_EINPUT, "invalid base64: non-zero padding bits");
		if (last && pad == 2 && (v[1] & 15) != 0)
			return vouch_err_set(err, VOUCH_EINPUT, "invalid base64: non-zero padding bits");
	}
	if (seen == (VOUCH_B64_STD | VOUCH_B64_URL))
		return vouch_err_set(err, VOUCH_EINPUT, "invalid base64: mixes standard and URL-safe alphabets");
	out->len = (size_t)(o - out->data);
	out->data[out->len] = '\0';
	return VOUCH_OK;
}

int
vouch_b64_decode_exact(const char *s, size_t len, enum vouch_b64_alphabet alpha, uint8_t *out,
                       size_t want, vouch_err *err)
{
	vouch_buf b;
	int rc;

	vouch_buf_init(&b, len + 4);
	rc = vouch_b64_decode(s, len, alpha, &b, err);
	if (rc == VOUCH_OK && b.len != want)
		rc = vouch_err_set(err, VOUCH_EINPUT, "base64 value decodes to %zu bytes, expected %zu",
		    b.len, want);
	if (rc == VOUCH_OK)
		memcpy(out, b.data, want);
	vouch_buf_free_secret(&b);
	return rc;
}
