/* logstore_loc.c - parsing where a log is kept: "posix:DIR", DIR or
 * "s3://BUCKET[/PREFIX]", and the S3 endpoint URL (see vouch/logstore.h). */
#include "config.h"

#include <string.h>

#include "vouch/logstore.h"

static int
bad(const char *what, const char *s, vouch_err *err)
{
	return vouch_err_set(err, VOUCH_EUSAGE, "'%s' is not %s", s, what);
}

static int
bucket_char(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '.' || c == '-';
}

static int
prefix_char(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
	       c == '.' || c == '-' || c == '_';
}

/* Segments of prefix_char, not "." or "..", joined by single '/'; written
 * to out with a trailing '/'. */
static int
parse_prefix(const char *p, char *out, size_t outsz)
{
	size_t n = 0;

	while (*p != '\0') {
		const char *s = p;

		while (prefix_char(*p))
			p++;
		if (p == s || (p - s == 1 && s[0] == '.') || (p - s == 2 && s[0] == '.' && s[1] == '.'))
			return -1;
		if (*p != '\0' && *p != '/')
			return -1;
		if (n + (size_t)(p - s) + 2 > outsz)
			return -1;
		memcpy(out + n, s, (size_t)(p - s));
		n += (size_t)(p - s);
		out[n++] = '/';
		if (*p == '/') {
			p++;
			if (*p == '\0') /* one trailing '/' is allowed */
				break;
		}
	}
	out[n] = '\0';
	return 0;
}

int
vouch_logstore_loc_parse(const char *s, vouch_logstore_loc *out, vouch_err *err)
{
	const char *b, *e;

	memset(out, 0, sizeof *out);
	if (s == NULL || *s == '\0')
		return vouch_err_set(err, VOUCH_EUSAGE, "an empty storage location");
	if (strncmp(s, "s3://", 5) == 0) {
		b = s + 5;
		for (e = b; bucket_char(*e); e++)
			;
		if (e - b < 3 || e - b > VOUCH_LOGSTORE_BUCKET_MAX || (*e != '\0' && *e != '/') ||
		    *b == '.' || *b == '-' || e[-1] == '.' || e[-1] == '-')
			return bad("an s3://BUCKET[/PREFIX] location", s, err);
		memcpy(out->bucket, b, (size_t)(e - b));
		out->bucket[e - b] = '\0';
		if (*e == '/' &&
		    parse_prefix(e + 1, out->prefix, sizeof out->prefix) != 0)
			return bad("an s3://BUCKET[/PREFIX] location", s, err);
		out->kind = VOUCH_LOGSTORE_S3;
		return VOUCH_OK;
	}
	if (strncmp(s, "posix:", 6) == 0)
		s += 6;
	else if (strstr(s, "://") != NULL)
		return bad("a storage location (posix:DIR or s3://BUCKET/PREFIX)", s, err);
	if (*s == '\0')
		return vouch_err_set(err, VOUCH_EUSAGE, "'posix:' names no directory");
	out->kind = VOUCH_LOGSTORE_POSIX;
	out->dir = s;
	return VOUCH_OK;
}

int
vouch_logstore_endpoint_check(const char *url, vouch_err *err)
{
	const char *h, *p;
	unsigned long port = 0;

	if (url == NULL)
		return vouch_err_set(err, VOUCH_EUSAGE, "no S3 endpoint (--endpoint URL)");
	if (strncmp(url, "http://", 7) == 0)
		h = url + 7;
	else if (strncmp(url, "https://", 8) == 0)
		h = url + 8;
	else
		return bad("an http:// or https:// endpoint", url, err);
	for (p = h; (*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
	            (*p >= '0' && *p <= '9') || *p == '.' || *p == '-';
	     p++)
		;
	if (p == h)
		return bad("an endpoint with a host name", url, err);
	if (*p == ':') {
		const char *d = ++p;

		while (*p >= '0' && *p <= '9' && port <= 65535)
			port = port * 10 + (unsigned long)(*p++ - '0');
		if (p == d || port == 0 || port > 65535)
			return bad("an endpoint with a valid port", url, err);
	}
	if (*p == '/')
		p++;
	if (*p != '\0')
		return bad("an endpoint URL without user, path, query or fragment", url, err);
	return VOUCH_OK;
}
