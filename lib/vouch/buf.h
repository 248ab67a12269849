/* vouch/buf.h - bounded growable byte buffers.
 *
 * A vouch_buf owns its storage.  It always keeps one spare NUL byte after
 * len, so text can be used as a C string (it may still contain NULs).  Every
 * buffer has a maximum size; growth past it fails with VOUCH_ELIMIT, so
 * hostile input can never make a buffer unbounded.  A zeroed vouch_buf is
 * valid and empty with the default maximum (VOUCH_BUF_DEFAULT_MAX).
 */
#ifndef VOUCH_BUF_H
#define VOUCH_BUF_H

#include <stdarg.h>
#include <stddef.h>
#include "error.h"

#ifdef __cplusplus
extern "C" {
#endif

#define VOUCH_BUF_DEFAULT_MAX ((size_t)64 << 20) /* 64 MiB */

typedef struct vouch_buf {
	unsigned char *data; /* NULL until the first append */
	size_t len;
	size_t cap;
	size_t max;          /* 0 means VOUCH_BUF_DEFAULT_MAX */
} vouch_buf;

void vouch_buf_init(vouch_buf *b, size_t max);
/* Frees the storage and leaves b empty (keeping max).  Use
 * vouch_buf_free_secret for buffers that held key material. */
void vouch_buf_free(vouch_buf *b);
void vouch_buf_free_secret(vouch_buf *b);
/* Empties b without freeing storage. */
void vouch_buf_reset(vouch_buf *b);
/* Ensure room for extra more bytes (plus the terminating NUL). */
int vouch_buf_reserve(vouch_buf *b, size_t extra, vouch_err *err);
int vouch_buf_append(vouch_buf *b, const void *data, size_t n, vouch_err *err);
int vouch_buf_append_str(vouch_buf *b, const char *s, vouch_err *err);
int vouch_buf_append_byte(vouch_buf *b, unsigned char c, vouch_err *err);
int vouch_buf_appendf(vouch_buf *b, vouch_err *err, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
int vouch_buf_vappendf(vouch_buf *b, vouch_err *err, const char *fmt, va_list ap)
	__attribute__((format(printf, 3, 0)));
/* Hand the storage to the caller (free() it); b becomes empty.  Never NULL
 * on success: an empty buffer yields a 1-byte "" allocation. */
unsigned char *vouch_buf_detach(vouch_buf *b, size_t *len, vouch_err *err);
/* strdup(s) that reports allocation failure through err; free() the result. */
char *vouch_strdup(const char *s, vouch_err *err);

/* The contents as a C string ("" when empty). */
const char *vouch_buf_cstr(const vouch_buf *b);

#ifdef __cplusplus
}
#endif
#endif
