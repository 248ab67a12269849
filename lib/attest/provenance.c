/* provenance.c - SLSA Provenance v1 predicate builder. */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "vouch/json.h"
#include "vouch/provenance.h"
#include "vouch/statement.h"
#include "predicate.h"

struct vouch_provenance {
	cJSON *pred;       /* the predicate being built */
	cJSON *external;   /* borrowed views into pred */
	cJSON *internal;
	cJSON *deps;
	cJSON *builder;
	cJSON *run;
	cJSON *byproducts; /* kept outside pred until to_json when empty */
	cJSON *builder_deps;
	cJSON *version;
	cJSON *metadata;
};

void
vouch_provenance_free(vouch_provenance *p)
{
	if (p == NULL)
		return;
	cJSON_Delete(p->pred);
	cJSON_Delete(p->byproducts);
	cJSON_Delete(p->builder_deps);
	cJSON_Delete(p->version);
	cJSON_Delete(p->metadata);
	cJSON_Delete(p->deps);
	free(p);
}

static int
build_skeleton(vouch_provenance *p, const char *build_type, const char *builder_id,
               vouch_err *err)
{
	cJSON *def;

	if ((p->pred = cJSON_CreateObject()) == NULL ||
	    (def = vouch_json_add_object(p->pred, "buildDefinition", err)) == NULL ||
	    vouch_json_add_string(def, "buildType", build_type, err) == NULL ||
	    (p->external = vouch_json_add_object(def, "externalParameters", err)) == NULL ||
	    (p->internal = vouch_json_add_object(def, "internalParameters", err)) == NULL ||
	    (p->run = vouch_json_add_object(p->pred, "runDetails", err)) == NULL ||
	    (p->builder = vouch_json_add_object(p->run, "builder", err)) == NULL ||
	    vouch_json_add_string(p->builder, "id", builder_id, err) == NULL ||
	    (p->deps = cJSON_CreateArray()) == NULL || (p->byproducts = cJSON_CreateArray()) == NULL ||
	    (p->builder_deps = cJSON_CreateArray()) == NULL ||
	    (p->version = cJSON_CreateObject()) == NULL ||
	    (p->metadata = cJSON_CreateObject()) == NULL)
		return vouch_err_set(err, VOUCH_ENOMEM, "out of memory building JSON");
	return VOUCH_OK;
}

int
vouch_provenance_new(const char *build_type, const char *builder_id, vouch_provenance **out,
                     vouch_err *err)
{
	vouch_provenance *p;
	int rc;

	*out = NULL;
	if (build_type == NULL)
		build_type = VOUCH_BUILD_TYPE_REBUILD;
	if (builder_id == NULL)
		builder_id = VOUCH_BUILDER_ID_DEFAULT;
	if ((rc = vouch_pred_check_uri("buildType", build_type, err)) != VOUCH_OK ||
	    (rc = vouch_pred_check_uri("builder id", builder_id, err)) != VOUCH_OK)
		return rc;
	if ((p = calloc(1, sizeof(*p))) == NULL)
		return vouch_err_set(err, VOUCH_ENOMEM, "out of memory");
	if ((rc = build_skeleton(p, build_type, builder_id, err)) != VOUCH_OK) {
		vouch_provenance_free(p);
		return rc;
	}
	*out = p;
	return VOUCH_OK;
}

cJSON *
vouch_provenance_external(vouch_provenance *p)
{
	return p->external;
}

cJSON *
vouch_provenance_internal(vouch_provenance *p)
{
	return p->internal;
}

int
vouch_provenance_add_dependency(vouch_provenance *p, const char *name, const char *uri,
                                const vouch_digests *d, vouch_err *err)
{
	return vouch_pred_add_descriptor(p->deps, name, uri, d, err);
}

int
vouch_provenance_add_byproduct(vouch_provenance *p, const char *name, const char *uri,
                               const vouch_digests *d, vouch_err *err)
{
	return vouch_pred_add_descriptor(p->byproducts, name, uri, d, err);
}

int
vouch_provenance_add_builder_dependency(vouch_provenance *p, const char *name,
                                        const char *uri, const vouch_digests *d,
                                        vouch_err *err)
{
	return vouch_pred_add_descriptor(p->builder_deps, name, uri, d, err);
}

int
vouch_provenance_set_builder_version(vouch_provenance *p, const char *component,
                                     const char *version, vouch_err *err)
{
	return vouch_pred_set_string(p->version, component, version, err);
}

int
vouch_provenance_set_times(vouch_provenance *p, const char *invocation_id, time_t started,
                           time_t finished, vouch_err *err)
{
	int rc = VOUCH_OK;

	if (invocation_id != NULL)
		rc = vouch_pred_set_string(p->metadata, "invocationId", invocation_id, err);
	if (rc == VOUCH_OK && started != (time_t)-1)
		rc = vouch_pred_set_time(p->metadata, "startedOn", started, err);
	if (rc == VOUCH_OK && finished != (time_t)-1)
		rc = vouch_pred_set_time(p->metadata, "finishedOn", finished, err);
	return rc;
}

int
vouch_provenance_set_extension(vouch_provenance *p, const char *name, cJSON *value,
                               vouch_err *err)
{
	return vouch_pred_set_extension(p->pred, name, value, err);
}

/* Attach a copy of src under key to obj unless src is empty. */
static int
attach_nonempty(cJSON *obj, const char *key, const cJSON *src, vouch_err *err)
{
	cJSON *copy;

	if (cJSON_GetArraySize(src) == 0)
		return VOUCH_OK;
	if ((copy = cJSON_Duplicate(src, 1)) == NULL || !cJSON_AddItemToObject(obj, key, copy)) {
		cJSON_Delete(copy);
		return vouch_err_set(err, VOUCH_ENOMEM, "out of memory building JSON");
	}
	return VOUCH_OK;
}

int
vouch_provenance_to_json(const vouch_provenance *p, cJSON **out, vouch_err *err)
{
	cJSON *t = cJSON_Duplicate(p->pred, 1);
	cJSON *def, *run, *builder;
	int rc;

	*out = NULL;
	if (t == NULL)
		return vouch_err_set(err, VOUCH_ENOMEM, "out of memory building JSON");
	def = cJSON_GetObjectItemCaseSensitive(t, "buildDefinition");
	run = cJSON_GetObjectItemCaseSensitive(t, "runDetails");
	builder = cJSON_GetObjectItemCaseSensitive(run, "builder");
	if (cJSON_GetArraySize(cJSON_GetObjectItemCaseSensitive(def, "internalParameters")) == 0)
		cJSON_DeleteItemFromObjectCaseSensitive(def, "internalParameters");
	rc = attach_nonempty(def, "resolvedDependencies", p->deps, err);
	if (rc == VOUCH_OK)
		rc = attach_nonempty(builder, "version", p->version, err);
	if (rc == VOUCH_OK)
		rc = attach_nonempty(builder, "builderDependencies", p->builder_deps, err);
	if (rc == VOUCH_OK)
		rc = attach_nonempty(run, "metadata", p->metadata, err);
	if (rc == VOUCH_OK)
		rc = attach_nonempty(run, "byproducts", p->byproducts, err);
	if (rc != VOUCH_OK) {
		cJSON_Delete(t);
		return rc;
	}
	*out = t;
	return VOUCH_OK;
}
