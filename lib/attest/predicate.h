/* predicate.h - helpers shared by the SLSA predicate builders (internal,
 * not installed). */
#ifndef VOUCH_PREDICATE_INTERNAL_H
#define VOUCH_PREDICATE_INTERNAL_H

#include <time.h>
#include <cjson/cJSON.h>
#include "vouch/digest.h"
#include "vouch/error.h"

/* uri must be absolute: scheme ":" rest, no whitespace or control bytes. */
int vouch_pred_check_uri(const char *what, const char *uri, vouch_err *err);
/* Append a ResourceDescriptor to arr. */
int vouch_pred_add_descriptor(cJSON *arr, const char *name, const char *uri,
                              const vouch_digests *d, vouch_err *err);
/* obj[key] = value (replacing). */
int vouch_pred_set_string(cJSON *obj, const char *key, const char *value, vouch_err *err);
int vouch_pred_set_time(cJSON *obj, const char *key, time_t t, vouch_err *err);
/* obj["vouch_" + name] = value; takes value. */
int vouch_pred_set_extension(cJSON *obj, const char *name, cJSON *value, vouch_err *err);
/* obj[key] = item (replacing); takes item. */
int vouch_pred_set_item(cJSON *obj, const char *key, cJSON *item, vouch_err *err);

#endif
