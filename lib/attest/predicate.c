/* predicate.c - helpers shared by the SLSA predicate builders. */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include "vouch/rfc3339.h"
#include "vouch/statement.h"
#include "vouch/uri.h"
#include "predicate.h"

#define EXT_NAME_MAX 64

int
vouch_pred_check_uri(const char *what, const char *uri, vouch_err *err)
{
	const char *p = uri;

	if (uri == NULL || !((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z')))
		goto bad;
	while ((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9') ||
	    *p == '+' || *p == '-' || *p == '.')
		p++;
	if (*p != ':' || p[1] == '\0')
		goto bad;
	for (; *p != '\0'; p++)
		if ((unsigned char)*p <= 0x20 || *p == 0x7f)
			goto bad;
	return VOUCH_OK;
bad:
	return vouch_err_set(err, VOUCH_EUSAGE, "%s '%s' is not an absolute URI", what,
	    uri != NULL ? uri : "");
}

int
vouch_pred_set_item(cJSON *obj, const char *key, cJSON *item, vouch_err *err)
{
	if (item == NULL)
		return vouch_err_set(err, VOUCH_ENOMEM, "out of memory building JSON");
	cJSON_DeleteItemFromObjectCaseSensitive(obj, key);
	if (!cJSON_AddItemToObject(obj, key, item)) {
		cJSON_Delete(item);
		return vouch_err_set(err, VOUCH_ENOMEM, "out of memory building JSON");
	}
	return VOUCH_OK;
}

int
vouch_pred_set_string(cJSON *obj, const char *key, const char *value, vouch_err *err)
{
	if (key == NULL || key[0] == '\0' || value == NULL)
		return vouch_err_set(err, VOUCH_EUSAGE, "missing key or value");
	return vouch_pred_set_item(obj, key, cJSON_CreateString(value), err);
}

int
vouch_pred_set_time(cJSON *obj, const char *key, time_t t, vouch_err *err)
{
	char ts[VOUCH_RFC3339_LEN + 1];
	int rc = vouch_time_rfc3339(t, ts, err);

	return rc != VOUCH_OK ? rc : vouch_pred_set_string(obj, key, ts, err);
}

int
vouch_pred_add_descriptor(cJSON *arr, const char *name, const char *uri,
                          const vouch_digests *d, vouch_err *err)
{
	cJSON *rd = vouch_resource_descriptor(name, uri, d, err);

	if (rd == NULL)
		return err != NULL && err->code != VOUCH_OK ? err->code : VOUCH_ENOMEM;
	if (!cJSON_AddItemToArray(arr, rd)) {
		cJSON_Delete(rd);
		return vouch_err_set(err, VOUCH_ENOMEM, "out of memory building JSON");
	}
	return VOUCH_OK;
}

int
vouch_pred_set_extension(cJSON *obj, const char *name, cJSON *value, vouch_err *err)
{
	char key[sizeof(VOUCH_EXT_PREFIX) + EXT_NAME_MAX];
	size_t n = name != NULL ? strlen(name) : 0;

	if (n == 0 || n > EXT_NAME_MAX || strspn(name, "abcdefghijklmnopqrstuvwxyz"
	    "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_") != n) {
		cJSON_Delete(value);
		return vouch_err_set(err, VOUCH_EUSAGE, "invalid extension name '%s'",
		    name != NULL ? name : "");
	}
	snprintf(key, sizeof(key), "%s%s", VOUCH_EXT_PREFIX, name); /* fits: checked above */
	return vouch_pred_set_item(obj, key, value, err);
}
