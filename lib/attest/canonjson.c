/* canonjson.c - OLPC canonical JSON, byte-compatible with securesystemslib's
 * encode_canonical: keys sorted by UTF-8 bytes, no whitespace, integers
 * only, strings raw except for '\\' and '"'. */
#include "config.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "vouch/canonjson.h"

#define CANON_INT_MAX 9007199254740992.0 /* 2^53: exact in a double */

static int canon_value(vouch_buf *out, const cJSON *item, int depth, vouch_err *err);

static int
canon_string(vouch_buf *out, const char *s, vouch_err *err)
{
	int rc = vouch_buf_append_byte(out, '"', err);

	for (; rc == VOUCH_OK && *s != '\0'; s++) {
		if (*s == '"' || *s == '\\')
			rc = vouch_buf_append_byte(out, '\\', err);
		if (rc == VOUCH_OK)
			rc = vouch_buf_append_byte(out, (unsigned char)*s, err);
	}
	if (rc == VOUCH_OK)
		rc = vouch_buf_append_byte(out, '"', err);
	return rc;
}

static int
canon_number(vouch_buf *out, const cJSON *item, vouch_err *err)
{
	double d = item->valuedouble;

	if (!isfinite(d) || d != floor(d) || fabs(d) > CANON_INT_MAX)
		return vouch_err_set(err, VOUCH_EINPUT,
		    "canonical JSON allows only integers, not '%g'", d);
	return vouch_buf_appendf(out, err, "%lld", (long long)d);
}

static int
key_cmp(const void *a, const void *b)
{
	const cJSON *x = *(const cJSON *const *)a, *y = *(const cJSON *const *)b;

	return strcmp(x->string, y->string); /* strcmp compares as unsigned char */
}

static int
canon_object(vouch_buf *out, const cJSON *obj, int depth, vouch_err *err)
{
	const cJSON **v = NULL;
	const cJSON *c;
	size_t n = 0, i;
	int rc;

	for (c = obj->child; c != NULL; c = c->next)
		n++;
	if (n > 0 && (v = malloc(n * sizeof(*v))) == NULL)
		return vouch_err_set(err, VOUCH_ENOMEM, "out of memory");
	for (i = 0, c = obj->child; c != NULL; c = c->next)
		v[i++] = c;
	if (n > 1)
		qsort(v, n, sizeof(*v), key_cmp);
	rc = vouch_buf_append_byte(out, '{', err);
	for (i = 0; rc == VOUCH_OK && i < n; i++) {
		if (v[i]->string == NULL || (i > 0 && strcmp(v[i - 1]->string, v[i]->string) == 0)) {
			rc = vouch_err_set(err, VOUCH_EINPUT, "canonical JSON: duplicate key '%s'",
			    v[i]->string ? v[i]->string : "");
			break;
		}
		if (i > 0)
			rc = vouch_buf_append_byte(out, ',', err);
		if (rc == VOUCH_OK)
			rc = canon_string(out, v[i]->string, err);
		if (rc == VOUCH_OK)
			rc = vouch_buf_append_byte(out, ':', err);
		if (rc == VOUCH_OK)
			rc = canon_value(out, v[i], depth + 1, err);
	}
	if (rc == VOUCH_OK)
		rc = vouch_buf_append_byte(out, '}', err);
	free(v);
	return rc;
}

static int
canon_array(vouch_buf *out, const cJSON *arr, int depth, vouch_err *err)
{
	int rc = vouch_buf_append_byte(out, '[', err);

	for (const cJSON *c = arr->child; rc == VOUCH_OK && c != NULL; c = c->next) {
		if (c != arr->child)
			rc = vouch_buf_append_byte(out, ',', err);
		if (rc == VOUCH_OK)
			rc = canon_value(out, c, depth + 1, err);
	}
	if (rc == VOUCH_OK)
		rc = vouch_buf_append_byte(out, ']', err);
	return rc;
}

static int
canon_value(vouch_buf *out, const cJSON *item, int depth, vouch_err *err)
{
	if (depth > VOUCH_CANONJSON_MAX_DEPTH)
		return vouch_err_set(err, VOUCH_ELIMIT, "canonical JSON nested deeper than %d",
		    VOUCH_CANONJSON_MAX_DEPTH);
	if (cJSON_IsObject(item))
		return canon_object(out, item, depth, err);
	if (cJSON_IsArray(item))
		return canon_array(out, item, depth, err);
	if (cJSON_IsString(item))
		return canon_string(out, item->valuestring, err);
	if (cJSON_IsNumber(item))
		return canon_number(out, item, err);
	if (cJSON_IsTrue(item))
		return vouch_buf_append_str(out, "true", err);
	if (cJSON_IsFalse(item))
		return vouch_buf_append_str(out, "false", err);
	if (cJSON_IsNull(item))
		return vouch_buf_append_str(out, "null", err);
	return vouch_err_set(err, VOUCH_EINPUT, "canonical JSON: unsupported value");
}

int
vouch_canonjson_append(vouch_buf *out, const cJSON *item, vouch_err *err)
{
	if (out == NULL || item == NULL)
		return vouch_err_set(err, VOUCH_EUSAGE, "canonical JSON: no value");
	return canon_value(out, item, 0, err);
}
