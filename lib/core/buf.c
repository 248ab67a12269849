/* buf.c - bounded growable byte buffers. */
#include "config.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>

#include "vouch/buf.h"

static size_t
buf_max(const vouch_buf *b)
{
	return b->max != 0 ? b->max : VOUCH_BUF_DEFAULT_MAX;
}

void
vouch_buf_init(vouch_buf *b, size_t max)
{
	b->data = NULL;
	b->len = 0;
	b->cap = 0;
	b->max = max;
}

void
vouch_buf_free(vouch_buf *b)
{
	free(b->data);
	b->data = NULL;
	b->len = 0;
	b->cap = 0;
}

void
vouch_buf_free_secret(vouch_buf *b)
{
	if (b->data != NULL)
		OPENSSL_cleanse(b->data, b->cap);
	vouch_buf_free(b);
}

void
vouch_buf_reset(vouch_buf *b)
{
	b->len = 0;
	if (b->data != NULL)
		b->data[0] = '\0';
}

int
vouch_buf_reserve(vouch_buf *b, size_t extra, vouch_err *err)
{
	size_t max = buf_max(b), need, ncap;
	unsigned char *p;

	if (extra > max || b->len > max - extra)
		return vouch_err_set(err, VOUCH_ELIMIT,
		    "data exceeds the limit of %zu bytes", max);
	need = b->len + extra + 1; /* + NUL */
	if (need <= b->cap)
		return VOUCH_OK;
	ncap = b->cap != 0 ? b->cap : 64;
	while (ncap < need)
		ncap = ncap > SIZE_MAX / 2 ? need : ncap * 2;
	if (ncap > max + 1)
		ncap = max + 1;
	p = realloc(b->data, ncap);
	if (p == NULL)
		return vouch_err_set(err, VOUCH_ENOMEM, "out of memory (%zu bytes)", ncap);
	b->data = p;
	b->cap = ncap;
	b->data[b->len] = '\0';
	return VOUCH_OK;
}

int
vouch_buf_append(vouch_buf *b, const void *data, size_t n, vouch_err *err)
{
	int rc = vouch_buf_reserve(b, n, err);

	if (rc != VOUCH_OK)
		return rc;
	if (n > 0)
		memcpy(b->data + b->len, data, n);
	b->len += n;
	b->data[b->len] = '\0';
	return VOUCH_OK;
}

int
vouch_buf_append_str(vouch_buf *b, const char *s, vouch_err *err)
{
	return vouch_buf_append(b, s, strlen(s), err);
}

int
vouch_buf_append_byte(vouch_buf *b, unsigned char c, vouch_err *err)
{
	return vouch_buf_append(b, &c, 1, err);
}

int
vouch_buf_vappendf(vouch_buf *b, vouch_err *err, const char *fmt, va_list ap)
{
	va_list ap2;
	int n, rc;

	va_copy(ap2, ap);
	n = vsnprintf(NULL, 0, fmt, ap2);
	va_end(ap2);
	if (n < 0)
		return vouch_err_set(err, VOUCH_EINTERNAL, "format error");
	rc = vouch_buf_reserve(b, (size_t)n, err);
	if (rc != VOUCH_OK)
		return rc;
	vsnprintf((char *)b->data + b->len, (size_t)n + 1, fmt, ap);
	b->len += (size_t)n;
	return VOUCH_OK;
}

int
vouch_buf_appendf(vouch_buf *b, vouch_err *err, const char *fmt, ...)
{
	va_list ap;
	int rc;

	va_start(ap, fmt);
	rc = vouch_buf_vappendf(b, err, fmt, ap);
	va_end(ap);
	return rc;
}

unsigned char *
vouch_buf_detach(vouch_buf *b, size_t *len, vouch_err *err)
{
	unsigned char *p;

	if (vouch_buf_reserve(b, 0, err) != VOUCH_OK)
		return NULL;
	p = b->data;
	if (len != NULL)
		*len = b->len;
	b->data = NULL;
	b->len = 0;
	b->cap = 0;
	return p;
}

const char *
vouch_buf_cstr(const vouch_buf *b)
{
	return b->data != NULL ? (const char *)b->data : "";
}

char *
vouch_strdup(const char *s, vouch_err *err)
{
	char *d = strdup(s);

	if (d == NULL)
		vouch_err_set(err, VOUCH_ENOMEM, "out of memory");
	return d;
}
