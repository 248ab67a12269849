/* vouch/error.h - status codes and the error record every library call fills.
 *
 * The library never prints and never exits.  A call that can fail returns a
 * vouch status (0 on success) and, when given a non-NULL vouch_err, leaves a
 * one-line, human-readable message in it.  The first error wins: later
 * vouch_err_set() calls on an error that is already set do not overwrite it,
 * so the innermost, most specific cause is what the caller sees.
 */
#ifndef VOUCH_ERROR_H
#define VOUCH_ERROR_H

#include <stddef.h>

#ifdef __cplusplus
extern "C" {
#endif

enum vouch_status {
	VOUCH_OK = 0,
	VOUCH_ENEGATIVE = 1, /* a negative result: differs, not verified */
	VOUCH_EINPUT,        /* malformed or hostile input */
	VOUCH_EIO,           /* operating-system or I/O failure */
	VOUCH_ENOMEM,        /* out of memory */
	VOUCH_ELIMIT,        /* a configured bound was exceeded */
	VOUCH_ECRYPTO,       /* a cryptographic library failure */
	VOUCH_EUSAGE,        /* the caller passed something invalid */
	VOUCH_EEXIST,        /* refusing to replace something that exists */
	VOUCH_EINTERNAL      /* a bug: an invariant did not hold */
};

#define VOUCH_ERR_MSG_MAX 512

typedef struct vouch_err {
	int code;                     /* enum vouch_status, VOUCH_OK when clear */
	int sys_errno;                /* errno at the time, or 0 */
	char msg[VOUCH_ERR_MSG_MAX];  /* one line, no trailing newline */
} vouch_err;

/* Reset to "no error". */
void vouch_err_clear(vouch_err *err);

/* Record an error and return code.  err may be NULL.  Keeps an existing error. */
int vouch_err_set(vouch_err *err, int code, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* Like vouch_err_set, with ": strerror(errno)" appended; records errno. */
int vouch_err_sys(vouch_err *err, int code, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* Record an error with the latest OpenSSL error queue entry appended
 * (and the queue cleared). */
int vouch_err_crypto(vouch_err *err, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/* Overwrite the message with "<prefix>: <old message>", keeping the code. */
void vouch_err_prefix(vouch_err *err, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/* The message, or "success" when clear; never NULL. */
const char *vouch_err_msg(const vouch_err *err);

/* The process exit statuses, as diff(1): the tools' only mapping from a
 * library status to an exit status is vouch_exit_code(). */
#define VOUCH_EXIT_OK 0        /* success */
#define VOUCH_EXIT_NEGATIVE 1  /* a negative result: differs, not verified, not met */
#define VOUCH_EXIT_TROUBLE 2   /* anything else */

/* The exit status for a library status: VOUCH_OK -> VOUCH_EXIT_OK,
 * VOUCH_ENEGATIVE -> VOUCH_EXIT_NEGATIVE, anything else -> VOUCH_EXIT_TROUBLE. */
int vouch_exit_code(int status);

/* Short name of a status ("bad input", "i/o error", ...). */
const char *vouch_status_name(int status);

#ifdef __cplusplus
}
#endif
#endif
