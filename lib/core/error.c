/* error.c - the error record. */
#include "config.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include <openssl/err.h>

#include "vouch/error.h"

void
vouch_err_clear(vouch_err *err)
{
	if (err == NULL)
		return;
	err->code = VOUCH_OK;
	err->sys_errno = 0;
	err->msg[0] = '\0';
}

static void set_msg(vouch_err *err, const char *fmt, va_list ap)
	__attribute__((format(printf, 2, 0)));

static void
set_msg(vouch_err *err, const char *fmt, va_list ap)
{
	int n = vsnprintf(err->msg, sizeof(err->msg), fmt, ap);

	if (n < 0)
		snprintf(err->msg, sizeof(err->msg), "%s", "error message could not be formatted");
	/* Keep messages on one line whatever the arguments held. */
	for (char *p = err->msg; *p != '\0'; p++)
		if (*p == '\n' || *p == '\r')
			*p = ' ';
}

int
vouch_err_set(vouch_err *err, int code, const char *fmt, ...)
{
	va_list ap;

	if (err == NULL || err->code != VOUCH_OK)
		return code;
	err->code = code;
	err->sys_errno = 0;
	va_start(ap, fmt);
	set_msg(err, fmt, ap);
	va_end(ap);
	return code;
}

int
vouch_err_sys(vouch_err *err, int code, const char *fmt, ...)
{
	int saved = errno;
	va_list ap;
	size_t len;

	if (err == NULL || err->code != VOUCH_OK) {
		errno = saved;
		return code;
	}
	err->code = code;
	err->sys_errno = saved;
	va_start(ap, fmt);
	set_msg(err, fmt, ap);
	va_end(ap);
	len = strlen(err->msg);
	snprintf(err->msg + len, sizeof(err->msg) - len, ": %s", strerror(saved));
	errno = saved;
	return code;
}

int
vouch_err_crypto(vouch_err *err, const char *fmt, ...)
{
	unsigned long e = ERR_get_error();
	char detail[256];
	va_list ap;
	size_t len;

	ERR_clear_error();
	if (err == NULL || err->code != VOUCH_OK)
		return VOUCH_ECRYPTO;
	err->code = VOUCH_ECRYPTO;
	err->sys_errno = 0;
	va_start(ap, fmt);
	set_msg(err, fmt, ap);
	va_end(ap);
	if (e != 0) {
		const char *reason = ERR_reason_error_string(e);

		if (reason == NULL) {
			snprintf(detail, sizeof(detail), "error %lx", e);
			reason = detail;
		}
		len = strlen(err->msg);
		snprintf(err->msg + len, sizeof(err->msg) - len, ": %s", reason);
	}
	return VOUCH_ECRYPTO;
}

void
vouch_err_prefix(vouch_err *err, const char *fmt, ...)
{
	char old[VOUCH_ERR_MSG_MAX];
	va_list ap;
	size_t len;

	if (err == NULL || err->code == VOUCH_OK)
		return;
	memcpy(old, err->msg, sizeof(old));
	va_start(ap, fmt);
	set_msg(err, fmt, ap);
	va_end(ap);
	len = strlen(err->msg);
	snprintf(err->msg + len, sizeof(err->msg) - len, ": %s", old);
}

const char *
vouch_err_msg(const vouch_err *err)
{
	if (err == NULL || err->code == VOUCH_OK)
		return "success";
	if (err->msg[0] == '\0')
		return vouch_status_name(err->code);
	return err->msg;
}

int
vouch_exit_code(int status)
{
	if (status == VOUCH_OK)
		return VOUCH_EXIT_OK;
	if (status == VOUCH_ENEGATIVE)
		return VOUCH_EXIT_NEGATIVE;
	return VOUCH_EXIT_TROUBLE;
}

const char *
vouch_status_name(int status)
{
	switch (status) {
	case VOUCH_OK: return "success";
	case VOUCH_ENEGATIVE: return "negative result";
	case VOUCH_EINPUT: return "bad input";
	case VOUCH_EIO: return "i/o error";
	case VOUCH_ENOMEM: return "out of memory";
	case VOUCH_ELIMIT: return "limit exceeded";
	case VOUCH_ECRYPTO: return "cryptographic error";
	case VOUCH_EUSAGE: return "invalid usage";
	case VOUCH_EEXIST: return "already exists";
	case VOUCH_EINTERNAL: return "internal error";
	default: return "unknown error";
	}
}
