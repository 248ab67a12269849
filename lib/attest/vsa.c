/* vsa.c - SLSA Verification Summary v1 predicate builder. */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "vouch/json.h"
#include "vouch/statement.h"
#include "vouch/vsa.h"
#include "predicate.h"

struct vouch_vsa {
	cJSON *pred;     /* verifier, timeVerified, result, extensions */
	cJSON *version;  /* verifier.version, attached when non-empty */
	cJSON *policy;
	cJSON *inputs;
	cJSON *levels;
	cJSON *deplevels;
	int has_resource;
};

void
vouch_vsa_free(vouch_vsa *v)
{
	if (v == NULL)
		return;
	cJSON_Delete(v->pred);
	cJSON_Delete(v->version);
	cJSON_Delete(v->policy);
	cJSON_Delete(v->inputs);
	cJSON_Delete(v->levels);
	cJSON_Delete(v->deplevels);
	free(v);
}

static int
skeleton(vouch_vsa *v, const char *verifier_id, int passed, time_t t, vouch_err *err)
{
	cJSON *ver;
	int rc;

	if ((v->pred = cJSON_CreateObject()) == NULL || (v->version = cJSON_CreateObject()) == NULL ||
	    (v->policy = cJSON_CreateObject()) == NULL || (v->inputs = cJSON_CreateArray()) == NULL ||
	    (v->levels = cJSON_CreateArray()) == NULL ||
	    (v->deplevels = cJSON_CreateObject()) == NULL ||
	    (ver = vouch_json_add_object(v->pred, "verifier", err)) == NULL ||
	    vouch_json_add_string(ver, "id", verifier_id, err) == NULL ||
	    vouch_json_add_string(v->policy, "uri", VOUCH_POLICY_REPRODUCIBLE, err) == NULL)
		return vouch_err_set(err, VOUCH_ENOMEM, "out of memory building JSON");
	if ((rc = vouch_pred_set_time(v->pred, "timeVerified", t, err)) != VOUCH_OK)
		return rc;
	return vouch_pred_set_string(v->pred, "verificationResult",
	    passed ? VOUCH_VSA_PASSED : VOUCH_VSA_FAILED, err);
}

int
vouch_vsa_new(const char *verifier_id, int passed, time_t time_verified, vouch_vsa **out,
              vouch_err *err)
{
	vouch_vsa *v;
	int rc;

	*out = NULL;
	if (verifier_id == NULL)
		verifier_id = VOUCH_VERIFIER_ID_DEFAULT;
	if ((rc = vouch_pred_check_uri("verifier id", verifier_id, err)) != VOUCH_OK)
		return rc;
	if (time_verified == (time_t)-1)
		time_verified = time(NULL);
	if ((v = calloc(1, sizeof(*v))) == NULL)
		return vouch_err_set(err, VOUCH_ENOMEM, "out of memory");
	if ((rc = skeleton(v, verifier_id, passed, time_verified, err)) != VOUCH_OK) {
		vouch_vsa_free(v);
		return rc;
	}
	*out = v;
	return VOUCH_OK;
}

int
vouch_vsa_set_verifier_version(vouch_vsa *v, const char *component, const char *version,
                               vouch_err *err)
{
	return vouch_pred_set_string(v->version, component, version, err);
}

int
vouch_vsa_set_resource_uri(vouch_vsa *v, const char *uri, vouch_err *err)
{
	int rc = vouch_pred_check_uri("resourceUri", uri, err);

	if (rc == VOUCH_OK)
		rc = vouch_pred_set_string(v->pred, "resourceUri", uri, err);
	if (rc == VOUCH_OK)
		v->has_resource = 1;
	return rc;
}

int
vouch_vsa_set_policy(vouch_vsa *v, const char *uri, const vouch_digests *d, vouch_err *err)
{
	int rc = vouch_pred_check_uri("policy uri", uri, err);

	if (rc == VOUCH_OK)
		rc = vouch_pred_set_string(v->policy, "uri", uri, err);
	cJSON_DeleteItemFromObjectCaseSensitive(v->policy, "digest");
	if (rc == VOUCH_OK && d != NULL) {
		cJSON *ds = vouch_digest_set(d, err);

		if (ds == NULL)
			return err != NULL && err->code != VOUCH_OK ? err->code : VOUCH_ENOMEM;
		rc = vouch_pred_set_item(v->policy, "digest", ds, err);
	}
	return rc;
}

int
vouch_vsa_add_input(vouch_vsa *v, const char *uri, const vouch_digests *d, vouch_err *err)
{
	int rc = vouch_pred_check_uri("input attestation uri", uri, err);

	if (rc == VOUCH_OK && d == NULL)
		rc = vouch_err_set(err, VOUCH_EUSAGE, "input attestation '%s' needs a digest", uri);
	if (rc == VOUCH_OK)
		rc = vouch_pred_add_descriptor(v->inputs, NULL, uri, d, err);
	return rc;
}

static int
check_level(const char *level, vouch_err *err)
{
	size_t n = level != NULL ? strlen(level) : 0;

	if (n == 0 || n > 64 || strspn(level, "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_") != n)
		return vouch_err_set(err, VOUCH_EUSAGE, "invalid SLSA level '%s'",
		    level != NULL ? level : "");
	return VOUCH_OK;
}

int
vouch_vsa_add_level(vouch_vsa *v, const char *level, vouch_err *err)
{
	int rc = check_level(level, err);
	cJSON *s;

	if (rc != VOUCH_OK)
		return rc;
	if ((s = cJSON_CreateString(level)) == NULL || !cJSON_AddItemToArray(v->levels, s)) {
		cJSON_Delete(s);
		return vouch_err_set(err, VOUCH_ENOMEM, "out of memory building JSON");
	}
	return VOUCH_OK;
}

int
vouch_vsa_set_dependency_level(vouch_vsa *v, const char *level, unsigned count,
                               vouch_err *err)
{
	int rc = check_level(level, err);

	if (rc != VOUCH_OK)
		return rc;
	return vouch_pred_set_item(v->deplevels, level, cJSON_CreateNumber((double)count), err);
}

int
vouch_vsa_set_extension(vouch_vsa *v, const char *name, cJSON *value, vouch_err *err)
{
	return vouch_pred_set_extension(v->pred, name, value, err);
}

static int
attach(cJSON *obj, const char *key, const cJSON *src, int always, vouch_err *err)
{
	if (!always && cJSON_GetArraySize(src) == 0)
		return VOUCH_OK;
	return vouch_pred_set_item(obj, key, cJSON_Duplicate(src, 1), err);
}

int
vouch_vsa_to_json(const vouch_vsa *v, cJSON **out, vouch_err *err)
{
	cJSON *t = NULL, *ver;
	int rc;

	*out = NULL;
	if (!v->has_resource)
		return vouch_err_set(err, VOUCH_EUSAGE, "verification summary needs a resourceUri");
	if ((t = cJSON_Duplicate(v->pred, 1)) == NULL)
		return vouch_err_set(err, VOUCH_ENOMEM, "out of memory building JSON");
	ver = cJSON_GetObjectItemCaseSensitive(t, "verifier");
	rc = attach(ver, "version", v->version, 0, err);
	if (rc == VOUCH_OK)
		rc = attach(t, "policy", v->policy, 1, err);
	if (rc == VOUCH_OK)
		rc = attach(t, "inputAttestations", v->inputs, 0, err);
	if (rc == VOUCH_OK)
		rc = attach(t, "verifiedLevels", v->levels, 1, err);
	if (rc == VOUCH_OK)
		rc = attach(t, "dependencyLevels", v->deplevels, 0, err);
	if (rc == VOUCH_OK)
		rc = vouch_pred_set_string(t, "slsaVersion", "1.0", err);
	if (rc != VOUCH_OK) {
		cJSON_Delete(t);
		return rc;
	}
	*out = t;
	return VOUCH_OK;
}
