/* json.c - strict JSON: a grammar check in front of cJSON, then key checks.
 *
 * cJSON alone is lenient: it takes "+1", "01", ".5", a NUL escape that cuts
 * a string short, and duplicate keys (the first one wins on lookup, while
 * other parsers take the last).  Such differences let an attacker show two
 * tools two documents, so the raw text is first checked against the RFC 8259
 * grammar here, and the tree is then checked for duplicate and case-variant
 * keys.
 */
#include "config.h"

#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "vouch/json.h"

int
vouch_utf8_valid(const char *str, size_t len)
{
	const unsigned char *s = (const unsigned char *)str;
	size_t i = 0;

	while (i < len) {
		unsigned char c;
		size_t n;
		unsigned long cp;
		uint64_t w;

		/* ASCII eight bytes at a time (most JSON is ASCII) */
		while (len - i >= 8 && (memcpy(&w, s + i, 8), (w & 0x8080808080808080ULL) == 0))
			i += 8;
		if (i >= len)
			break;
		c = s[i];
		if (c < 0x80) {
			i++;
			continue;
		} else if (c >= 0xc2 && c <= 0xdf) {
			n = 1;
			cp = c & 0x1f;
		} else if (c >= 0xe0 && c <= 0xef) {
			n = 2;
			cp = c & 0x0f;
		} else if (c >= 0xf0 && c <= 0xf4) {
			n = 3;
			cp = c & 0x07;
		} else {
			return 0;
		}
		if (len - i <= n)
			return 0;
		for (size_t k = 1; k <= n; k++) {
			if ((s[i + k] & 0xc0) != 0x80)
				return 0;
			cp = cp << 6 | (s[i + k] & 0x3f);
		}
		if ((n == 2 && cp < 0x800) || (n == 3 && (cp < 0x10000 || cp > 0x10ffff)) ||
		    (cp >= 0xd800 && cp <= 0xdfff))
			return 0;
		i += n + 1;
	}
	return 1;
}

struct scan {
	const char *p, *end, *start;
	vouch_err *err;
};

static int
scan_fail(struct scan *s, const char *what)
{
	return vouch_err_set(s->err, VOUCH_EINPUT, "invalid JSON at offset %zu: %s",
	    (size_t)(s->p - s->start), what);
}

static void
skip_ws(struct scan *s)
{
	while (s->p < s->end && (*s->p == ' ' || *s->p == '\t' || *s->p == '\n' || *s->p == '\r'))
		s->p++;
}

static int
hex4(struct scan *s, unsigned *out)
{
	unsigned v = 0;

	if (s->end - s->p < 4)
		return -1;
	for (int i = 0; i < 4; i++) {
		char c = s->p[i];

		v <<= 4;
		if (c >= '0' && c <= '9')
			v |= (unsigned)(c - '0');
		else if (c >= 'a' && c <= 'f')
			v |= (unsigned)(c - 'a' + 10);
		else if (c >= 'A' && c <= 'F')
			v |= (unsigned)(c - 'A' + 10);
		else
			return -1;
	}
	s->p += 4;
	*out = v;
	return 0;
}

static int
scan_string(struct scan *s)
{
	s->p++; /* opening quote */
	while (s->p < s->end) {
		unsigned char c;

		/* the plain run: no quote, backslash or control character */
		while (s->p < s->end && (c = (unsigned char)*s->p) >= 0x20 && c != '"' && c != '\\')
			s->p++;
		if (s->p >= s->end)
			break;
		c = (unsigned char)*s->p;

		if (c == '"') {
			s->p++;
			return VOUCH_OK;
		}
		if (c < 0x20)
			return scan_fail(s, "control character in string");
		if (c != '\\') {
			s->p++;
			continue;
		}
		s->p++;
		if (s->p >= s->end)
			break;
		c = (unsigned char)*s->p++;
		if (c == 'u') {
			unsigned u, lo;

			if (hex4(s, &u) != 0)
				return scan_fail(s, "bad \\u escape");
			if (u == 0)
				return scan_fail(s, "\\u0000 in string");
			if (u >= 0xdc00 && u <= 0xdfff)
				return scan_fail(s, "lone low surrogate");
			if (u >= 0xd800 && u <= 0xdbff) {
				if (s->end - s->p < 6 || s->p[0] != '\\' || s->p[1] != 'u')
					return scan_fail(s, "lone high surrogate");
				s->p += 2;
				if (hex4(s, &lo) != 0 || lo < 0xdc00 || lo > 0xdfff)
					return scan_fail(s, "bad surrogate pair");
			}
		} else if (strchr("\"\\/bfnrt", (int)c) == NULL || c == '\0') {
			return scan_fail(s, "bad escape in string");
		}
	}
	return scan_fail(s, "unterminated string");
}

static int
scan_digits(struct scan *s)
{
	const char *b = s->p;

	while (s->p < s->end && *s->p >= '0' && *s->p <= '9')
		s->p++;
	return s->p > b ? 0 : -1;
}

static int
scan_number(struct scan *s)
{
	if (*s->p == '-')
		s->p++;
	if (s->p < s->end && *s->p == '0')
		s->p++;
	else if (scan_digits(s) != 0)
		return scan_fail(s, "bad number");
	if (s->p < s->end && *s->p == '.') {
		s->p++;
		if (scan_digits(s) != 0)
			return scan_fail(s, "bad fraction");
	}
	if (s->p < s->end && (*s->p == 'e' || *s->p == 'E')) {
		s->p++;
		if (s->p < s->end && (*s->p == '+' || *s->p == '-'))
			s->p++;
		if (scan_digits(s) != 0)
			return scan_fail(s, "bad exponent");
	}
	return VOUCH_OK;
}

static int
scan_literal(struct scan *s, const char *lit)
{
	size_t n = strlen(lit);

	if ((size_t)(s->end - s->p) < n || memcmp(s->p, lit, n) != 0)
		return scan_fail(s, "unexpected character");
	s->p += n;
	return VOUCH_OK;
}

static int
scan_value(struct scan *s, int depth)
{
	int rc;

	skip_ws(s);
	if (s->p >= s->end)
		return scan_fail(s, "unexpected end of input");
	if (depth > VOUCH_JSON_MAX_DEPTH)
		return scan_fail(s, "nested too deeply");
	switch (*s->p) {
	case '{':
	case '[': {
		char close = *s->p == '{' ? '}' : ']';
		int is_obj = close == '}';

		s->p++;
		skip_ws(s);
		if (s->p < s->end && *s->p == close) {
			s->p++;
			return VOUCH_OK;
		}
		for (;;) {
			if (is_obj) {
				skip_ws(s);
				if (s->p >= s->end || *s->p != '"')
					return scan_fail(s, "expected a string key");
				if ((rc = scan_string(s)) != VOUCH_OK)
					return rc;
				skip_ws(s);
				if (s->p >= s->end || *s->p != ':')
					return scan_fail(s, "expected ':'");
				s->p++;
			}
			if ((rc = scan_value(s, depth + 1)) != VOUCH_OK)
				return rc;
			skip_ws(s);
			if (s->p < s->end && *s->p == ',') {
				s->p++;
				continue;
			}
			if (s->p < s->end && *s->p == close) {
				s->p++;
				return VOUCH_OK;
			}
			return scan_fail(s, is_obj ? "expected ',' or '}'" : "expected ',' or ']'");
		}
	}
	case '"':
		return scan_string(s);
	case 't':
		return scan_literal(s, "true");
	case 'f':
		return scan_literal(s, "false");
	case 'n':
		return scan_literal(s, "null");
	default:
		if (*s->p == '-' || (*s->p >= '0' && *s->p <= '9'))
			return scan_number(s);
		return scan_fail(s, "unexpected character");
	}
}

static int
cmp_key_ci(const void *a, const void *b)
{
	return strcasecmp(*(const char *const *)a, *(const char *const *)b);
}

/* Refuse duplicate and ASCII-case-variant keys, recursively. */
static int
check_keys(const cJSON *item, vouch_err *err)
{
	const cJSON *c;
	size_t n = 0, i;
	const char **keys;
	int rc = VOUCH_OK;

	for (c = item->child; c != NULL; c = c->next) {
		if (cJSON_IsObject(c) || cJSON_IsArray(c)) {
			rc = check_keys(c, err);
			if (rc != VOUCH_OK)
				return rc;
		}
		n++;
	}
	if (!cJSON_IsObject(item) || n < 2)
		return VOUCH_OK;
	keys = malloc(n * sizeof(*keys));
	if (keys == NULL)
		return vouch_err_set(err, VOUCH_ENOMEM, "out of memory");
	for (c = item->child, i = 0; c != NULL; c = c->next)
		keys[i++] = c->string;
	qsort(keys, n, sizeof(*keys), cmp_key_ci);
	for (i = 1; i < n; i++) {
		if (strcasecmp(keys[i - 1], keys[i]) != 0)
			continue;
		if (strcmp(keys[i - 1], keys[i]) == 0)
			rc = vouch_err_set(err, VOUCH_EINPUT, "invalid JSON: duplicate key '%s'", keys[i]);
		else
			rc = vouch_err_set(err, VOUCH_EINPUT,
			    "invalid JSON: keys '%s' and '%s' differ only in case", keys[i - 1], keys[i]);
		break;
	}
	free(keys);
	return rc;
}

int
vouch_json_parse(const char *data, size_t len, cJSON **out, vouch_err *err)
{
	struct scan s = { data, data + len, data, err };
	const char *end = NULL;
	cJSON *root;
	int rc;

	*out = NULL;
	if (len >= 3 && memcmp(data, "\xef\xbb\xbf", 3) == 0)
		return vouch_err_set(err, VOUCH_EINPUT, "invalid JSON: byte order mark");
	if (!vouch_utf8_valid(data, len))
		return vouch_err_set(err, VOUCH_EINPUT, "invalid JSON: not valid UTF-8");
	if ((rc = scan_value(&s, 0)) != VOUCH_OK)
		return rc;
	skip_ws(&s);
	if (s.p != s.end)
		return scan_fail(&s, "trailing data after the document");
	root = cJSON_ParseWithLengthOpts(data, len, &end, 0);
	if (root == NULL)
		return vouch_err_set(err, VOUCH_EINPUT, "invalid JSON (cJSON refused it)");
	rc = check_keys(root, err);
	if (rc != VOUCH_OK) {
		cJSON_Delete(root);
		return rc;
	}
	*out = root;
	return VOUCH_OK;
}

const cJSON *
vouch_json_get(const cJSON *obj, const char *key)
{
	if (!cJSON_IsObject(obj))
		return NULL;
	return cJSON_GetObjectItemCaseSensitive(obj, key);
}

const char *
vouch_json_get_string(const cJSON *obj, const char *key)
{
	const cJSON *v = vouch_json_get(obj, key);

	return cJSON_IsString(v) ? v->valuestring : NULL;
}

const cJSON *
vouch_json_get_object(const cJSON *obj, const char *key)
{
	const cJSON *v = vouch_json_get(obj, key);

	return cJSON_IsObject(v) ? v : NULL;
}

const cJSON *
vouch_json_get_array(const cJSON *obj, const char *key)
{
	const cJSON *v = vouch_json_get(obj, key);

	return cJSON_IsArray(v) ? v : NULL;
}

int
vouch_json_get_int(const cJSON *obj, const char *key, long long min, long long max,
                   long long *out, vouch_err *err)
{
	const cJSON *v = vouch_json_get(obj, key);
	double d;

	if (v == NULL)
		return vouch_err_set(err, VOUCH_EINPUT, "missing member '%s'", key);
	if (!cJSON_IsNumber(v))
		return vouch_err_set(err, VOUCH_EINPUT, "member '%s' is not a number", key);
	d = v->valuedouble;
	if (!isfinite(d) || d != floor(d) || d < (double)min || d > (double)max)
		return vouch_err_set(err, VOUCH_EINPUT,
		    "member '%s' must be an integer in [%lld, %lld]", key, min, max);
	*out = (long long)d;
	return VOUCH_OK;
}

int
vouch_json_only_members(const cJSON *obj, const char *what, const char *const *allowed,
                        vouch_err *err)
{
	const cJSON *m;

	cJSON_ArrayForEach(m, obj) {
		size_t i = 0;

		while (allowed[i] != NULL && strcmp(allowed[i], m->string) != 0)
			i++;
		if (allowed[i] == NULL)
			return vouch_err_set(err, VOUCH_EINPUT, "%s: unknown member '%.64s'", what,
			    m->string);
	}
	return VOUCH_OK;
}

int
vouch_json_append(vouch_buf *b, const cJSON *item, vouch_err *err)
{
	char *s = cJSON_PrintUnformatted(item);
	int rc;

	if (s == NULL)
		return vouch_err_set(err, VOUCH_ENOMEM, "out of memory serialising JSON");
	rc = vouch_buf_append_str(b, s, err);
	cJSON_free(s);
	return rc;
}

cJSON *
vouch_json_add_string(cJSON *obj, const char *key, const char *val, vouch_err *err)
{
	cJSON *v = cJSON_AddStringToObject(obj, key, val);

	if (v == NULL)
		vouch_err_set(err, VOUCH_ENOMEM, "out of memory building JSON");
	return v;
}

cJSON *
vouch_json_add_object(cJSON *obj, const char *key, vouch_err *err)
{
	cJSON *v = cJSON_AddObjectToObject(obj, key);

	if (v == NULL)
		vouch_err_set(err, VOUCH_ENOMEM, "out of memory building JSON");
	return v;
}

cJSON *
vouch_json_add_array(cJSON *obj, const char *key, vouch_err *err)
{
	cJSON *v = cJSON_AddArrayToObject(obj, key);

	if (v == NULL)
		vouch_err_set(err, VOUCH_ENOMEM, "out of memory building JSON");
	return v;
}

/* Append s as a JSON string exactly as cJSON prints one: '"', '\\' and
 * the control characters escaped (the common ones by letter, the rest as
 * \u00XX), every other byte as it is (moved from envelope.c, issue 18). */
int
vouch_json_append_string(vouch_buf *out, const char *s, size_t n, vouch_err *err)
{
	static const char hex[] = "0123456789abcdef";
	size_t extra = 2;
	unsigned char *o;
	int rc;

	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];

		if (c == '"' || c == '\\')
			extra += 1;
		else if (c < 0x20)
			extra += 5;
	}
	if ((rc = vouch_buf_reserve(out, n + extra, err)) != VOUCH_OK)
		return rc;
	o = out->data + out->len;
	*o++ = '"';
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];

		if (c >= 0x20 && c != '"' && c != '\\') {
			*o++ = c;
			continue;
		}
		*o++ = '\\';
		switch (c) {
		case '"': *o++ = '"'; break;
		case '\\': *o++ = '\\'; break;
		case '\b': *o++ = 'b'; break;
		case '\f': *o++ = 'f'; break;
		case '\n': *o++ = 'n'; break;
		case '\r': *o++ = 'r'; break;
		case '\t': *o++ = 't'; break;
		default:
			*o++ = 'u', *o++ = '0', *o++ = '0';
			*o++ = (unsigned char)hex[c >> 4], *o++ = (unsigned char)hex[c & 15];
			break;
		}
	}
	*o++ = '"';
	out->len = (size_t)(o - out->data);
	out->data[out->len] = '\0';
	return VOUCH_OK;
}
