/* rfc3339.c - RFC 3339 timestamps: written in UTC with 'Z', read with an
 * optional fraction and a 'Z' or numeric offset. */
#include "config.h"

#include <stdint.h>
#include <string.h>
#include <time.h>

#include "vouch/rfc3339.h"

int
vouch_time_rfc3339(time_t t, char out[VOUCH_RFC3339_LEN + 1], vouch_err *err)
{
	struct tm tm;

	if (gmtime_r(&t, &tm) == NULL || tm.tm_year + 1900 < 0 || tm.tm_year + 1900 > 9999)
		return vouch_err_set(err, VOUCH_EINPUT, "time %lld cannot be written as RFC 3339",
		    (long long)t);
	if (strftime(out, VOUCH_RFC3339_LEN + 1, "%Y-%m-%dT%H:%M:%SZ", &tm) != VOUCH_RFC3339_LEN)
		return vouch_err_set(err, VOUCH_EINPUT, "time %lld cannot be written as RFC 3339",
		    (long long)t);
	return VOUCH_OK;
}

static int64_t
days_from_civil(int64_t y, unsigned m, unsigned d)
{
	int64_t era;
	unsigned yoe, doy, doe;

	y -= m <= 2;
	era = (y >= 0 ? y : y - 399) / 400;
	yoe = (unsigned)(y - era * 400);
	doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
	doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + (int64_t)doe - 719468;
}

static int
digits(const char *s, int n, unsigned *out)
{
	unsigned v = 0;

	for (int i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '9')
			return -1;
		v = v * 10 + (unsigned)(s[i] - '0');
	}
	*out = v;
	return 0;
}

int
vouch_time_parse_rfc3339(const char *s, time_t *out, vouch_err *err)
{
	static const unsigned mdays[] = { 31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 };
	unsigned y, mo, d, h, mi, sec, oh = 0, om = 0;
	size_t n = strlen(s), i = 19;
	int64_t t, off = 0;

	if (n < 20 || digits(s, 4, &y) || s[4] != '-' || digits(s + 5, 2, &mo) || s[7] != '-' ||
	    digits(s + 8, 2, &d) || s[10] != 'T' || digits(s + 11, 2, &h) || s[13] != ':' ||
	    digits(s + 14, 2, &mi) || s[16] != ':' || digits(s + 17, 2, &sec))
		goto bad;
	if (mo < 1 || mo > 12 || d < 1 || d > mdays[mo - 1] ||
	    (mo == 2 && d == 29 && !((y % 4 == 0 && y % 100 != 0) || y % 400 == 0)) || h > 23 ||
	    mi > 59 || sec > 60)
		goto bad;
	if (s[i] == '.') {
		size_t f = ++i;

		while (i < n && s[i] >= '0' && s[i] <= '9' && i - f < 9)
			i++;
		if (i == f)
			goto bad;
	}
	if (s[i] == 'Z' && i + 1 == n) {
		off = 0;
	} else if ((s[i] == '+' || s[i] == '-') && i + 6 == n && !digits(s + i + 1, 2, &oh) &&
	           s[i + 3] == ':' && !digits(s + i + 4, 2, &om) && oh < 24 && om < 60) {
		off = ((int64_t)oh * 60 + om) * 60 * (s[i] == '+' ? 1 : -1);
	} else {
		goto bad;
	}
	if (sec == 60)
		sec = 59; /* a leap second: close enough for an age check */
	t = days_from_civil(y, mo, d) * 86400 + h * 3600 + mi * 60 + sec - off;
	if ((int64_t)(time_t)t != t)
		goto bad;
	*out = (time_t)t;
	return VOUCH_OK;
bad:
	return vouch_err_set(err, VOUCH_EINPUT, "'%.40s' is not an RFC 3339 timestamp", s);
}
