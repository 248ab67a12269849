/* policy_out.c - render a policy evaluation as a short human summary or as
 * JSON (schemas/policy-result.schema.json). */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include "vouch/codec.h"
#include "vouch/json.h"
#include "vouch/policy.h"

static const char *
result_name(int result)
{
	return result == 1 ? "PASSED" : result == 0 ? "FAILED" : "?";
}

static int
text_item(const struct vouch_policy_item *it, vouch_buf *out, vouch_err *err)
{
	int rc;

	if (it->disp == VOUCH_EV_IGNORED)
		return vouch_buf_appendf(out, err, "  ignored    untrusted key %.16s  %s  (%s)\n",
		                         it->keyid[0] ? it->keyid : "(no keyid)", it->where,
		                         it->reason ? it->reason : "");
	rc = vouch_buf_appendf(out, err, "  %-10s %-12s %s  %s  %s", vouch_policy_disposition_name(it->disp),
	                       it->rebuilder, result_name(it->result), it->time[0] ? it->time : "-",
	                       it->mode[0] ? it->mode : "-");
	if (rc == VOUCH_OK)
		rc = it->logged ? vouch_buf_appendf(out, err, "  log %s #%llu", it->log_origin,
		                                    (unsigned long long)it->log_index)
		                : vouch_buf_append_str(out, "  not logged", err);
	if (rc == VOUCH_OK)
		rc = vouch_buf_appendf(out, err, "  key %.16s", it->keyid);
	if (rc == VOUCH_OK && it->differences != NULL && it->result == 0)
		rc = vouch_buf_appendf(out, err, "  %s", it->differences);
	if (rc == VOUCH_OK && it->reason != NULL)
		rc = vouch_buf_appendf(out, err, "\n             %s", it->reason);
	if (rc == VOUCH_OK)
		rc = vouch_buf_appendf(out, err, "\n             from %s\n", it->where);
	return rc;
}

int
vouch_policy_result_text(const vouch_policy_result *r, const char *name, vouch_buf *out,
                         vouch_err *err)
{
	int rc;

	rc = vouch_buf_appendf(out, err, "%s: policy %s: %s\n", name, r->met ? "MET" : "NOT MET",
	                       r->reason ? r->reason : "");
	for (size_t i = 0; rc == VOUCH_OK && i < r->nitems; i++)
		rc = text_item(&r->items[i], out, err);
	for (size_t i = 0; rc == VOUCH_OK && i < r->nforks; i++) {
		const struct vouch_policy_fork *f = &r->forks[i];

		rc = vouch_buf_appendf(out, err,
		                       "  FORK of log %s at size %llu (and %llu): %s; the two signed checkpoints:\n%s\n%s",
		                       f->origin, (unsigned long long)f->size,
		                       (unsigned long long)f->size_b, f->why, f->note_a, f->note_b);
	}
	if (rc == VOUCH_OK && r->nitems == 0)
		rc = vouch_buf_append_str(out, "  no evidence about this artifact\n", err);
	return rc;
}

/* ---- JSON ---- */

static int
add_str(cJSON *o, const char *k, const char *v)
{
	return v == NULL || cJSON_AddStringToObject(o, k, v) != NULL ? 0 : -1;
}

static int
add_num(cJSON *o, const char *k, double v)
{
	return cJSON_AddNumberToObject(o, k, v) != NULL ? 0 : -1;
}

static cJSON *
json_item(const struct vouch_policy_item *it)
{
	cJSON *o = cJSON_CreateObject(), *log;
	int bad;

	if (o == NULL)
		return NULL;
	bad = add_str(o, "disposition", vouch_policy_disposition_name(it->disp)) ||
	      add_str(o, "rebuilder", it->rebuilder) ||
	      add_str(o, "keyid", it->keyid) ||
	      (it->result >= 0 && add_str(o, "verificationResult", result_name(it->result))) ||
	      (it->time[0] && add_str(o, "timeVerified", it->time)) ||
	      (it->mode[0] && add_str(o, "mode", it->mode)) ||
	      add_str(o, "where", it->where) || add_str(o, "reason", it->reason) ||
	      add_str(o, "differences", it->differences);
	if (!bad && it->logged) {
		bad = (log = cJSON_AddObjectToObject(o, "log")) == NULL ||
		      add_str(log, "origin", it->log_origin) || add_num(log, "index", (double)it->log_index);
	}
	if (bad) {
		cJSON_Delete(o);
		return NULL;
	}
	return o;
}

static cJSON *
json_fork(const struct vouch_policy_fork *f)
{
	cJSON *o = cJSON_CreateObject();
	vouch_buf a, b;
	int bad;

	vouch_buf_init(&a, 0);
	vouch_buf_init(&b, 0);
	bad = o == NULL || vouch_b64_append(&a, f->root_a, 32, VOUCH_B64_STD, NULL) ||
	      vouch_b64_append(&b, f->root_b, 32, VOUCH_B64_STD, NULL) ||
	      add_str(o, "origin", f->origin) || add_num(o, "size", (double)f->size) ||
	      add_num(o, "sizeB", (double)f->size_b) || add_str(o, "why", f->why) ||
	      add_str(o, "rootA", vouch_buf_cstr(&a)) || add_str(o, "rootB", vouch_buf_cstr(&b)) ||
	      add_str(o, "checkpointA", f->note_a) || add_str(o, "checkpointB", f->note_b);
	vouch_buf_free(&a);
	vouch_buf_free(&b);
	if (bad) {
		cJSON_Delete(o);
		return NULL;
	}
	return o;
}

static int
json_head(cJSON *root, const vouch_policy_result *r, const char *name, const vouch_digests *d)
{
	cJSON *art, *dig;
	char hex[2 * VOUCH_DIGEST_MAX + 1];
	const uint8_t *sha = d ? vouch_digests_get(d, VOUCH_ALG_SHA256) : NULL;

	if ((art = cJSON_AddObjectToObject(root, "artifact")) == NULL || add_str(art, "name", name) ||
	    (dig = cJSON_AddObjectToObject(art, "digest")) == NULL ||
	    (sha != NULL && add_str(dig, "sha256", vouch_hex_encode(sha, 32, hex))))
		return -1;
	return cJSON_AddBoolToObject(root, "met", r->met) == NULL ||
	       add_str(root, "reason", r->reason) || add_num(root, "threshold", (double)r->threshold) ||
	       add_num(root, "counted", (double)r->counted) ||
	       add_num(root, "conflicts", (double)r->conflicts) ||
	       add_num(root, "rejected", (double)r->rejected) ||
	       add_num(root, "ignored", (double)r->ignored) ||
	       add_num(root, "unrelated", (double)r->unrelated) ? -1 : 0;
}

int
vouch_policy_result_json(const vouch_policy_result *r, const char *name,
                         const vouch_digests *artifact, vouch_buf *out, vouch_err *err)
{
	cJSON *root = cJSON_CreateObject(), *arr, *forks;
	int rc = VOUCH_ENOMEM;

	if (root == NULL || json_head(root, r, name, artifact) ||
	    (arr = cJSON_AddArrayToObject(root, "evidence")) == NULL ||
	    (forks = cJSON_AddArrayToObject(root, "forks")) == NULL)
		goto out;
	for (size_t i = 0; i < r->nitems; i++) {
		cJSON *it = json_item(&r->items[i]);

		if (it == NULL || !cJSON_AddItemToArray(arr, it)) {
			cJSON_Delete(it);
			goto out;
		}
	}
	for (size_t i = 0; i < r->nforks; i++) {
		cJSON *f = json_fork(&r->forks[i]);

		if (f == NULL || !cJSON_AddItemToArray(forks, f)) {
			cJSON_Delete(f);
			goto out;
		}
	}
	rc = vouch_json_append(out, root, err);
	if (rc == VOUCH_OK)
		rc = vouch_buf_append_byte(out, '\n', err);
out:
	cJSON_Delete(root);
	if (rc == VOUCH_ENOMEM)
		return vouch_err_set(err, VOUCH_ENOMEM, "out of memory building JSON");
	return rc;
}
