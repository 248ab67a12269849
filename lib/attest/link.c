/* link.c - legacy in-toto v0.9 link metadata with securesystemslib keyids. */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "vouch/canonjson.h"
#include "vouch/codec.h"
#include "vouch/json.h"
#include "vouch/link.h"

struct vouch_link {
	cJSON *signed_part; /* {"_type": "link", ...} */
	cJSON *sigs;        /* [{"keyid", "sig"}] */
	size_t nartifacts;
};

static int
check_text(const char *what, const char *s, int allow_slash, vouch_err *err)
{
	size_t n = s != NULL ? strlen(s) : 0;

	if (n == 0 || n > 4096 || !vouch_utf8_valid(s, n))
		return vouch_err_set(err, VOUCH_EUSAGE, "link %s '%s' is empty, too long or not UTF-8",
		    what, s != NULL ? s : "");
	for (size_t i = 0; i < n; i++)
		if ((unsigned char)s[i] < 0x20 || s[i] == 0x7f || (!allow_slash && s[i] == '/'))
			return vouch_err_set(err, VOUCH_EUSAGE, "link %s '%s' holds a forbidden byte",
			    what, s);
	return VOUCH_OK;
}

void
vouch_link_free(vouch_link *l)
{
	if (l == NULL)
		return;
	cJSON_Delete(l->signed_part);
	cJSON_Delete(l->sigs);
	free(l);
}

int
vouch_link_new(const char *name, vouch_link **out, vouch_err *err)
{
	vouch_link *l = NULL;
	cJSON *s;
	int rc;

	*out = NULL;
	if ((rc = check_text("step name", name, 0, err)) != VOUCH_OK)
		return rc;
	if ((l = calloc(1, sizeof(*l))) == NULL || (l->sigs = cJSON_CreateArray()) == NULL ||
	    (s = l->signed_part = cJSON_CreateObject()) == NULL)
		goto nomem;
	/* keys in canonical order, so the written file reads like the signed bytes */
	if (vouch_json_add_string(s, "_type", "link", err) == NULL ||
	    vouch_json_add_object(s, "byproducts", err) == NULL ||
	    vouch_json_add_array(s, "command", err) == NULL ||
	    vouch_json_add_object(s, "environment", err) == NULL ||
	    vouch_json_add_object(s, "materials", err) == NULL ||
	    vouch_json_add_string(s, "name", name, err) == NULL ||
	    vouch_json_add_object(s, "products", err) == NULL)
		goto nomem;
	*out = l;
	return VOUCH_OK;
nomem:
	vouch_link_free(l);
	return vouch_err_set(err, VOUCH_ENOMEM, "out of memory building JSON");
}

static int
add_artifact(vouch_link *l, const char *which, const char *path, const vouch_digests *d,
             vouch_err *err)
{
	cJSON *map = cJSON_GetObjectItemCaseSensitive(l->signed_part, which), *ds;
	const uint8_t *md = d != NULL ? vouch_digests_get(d, VOUCH_ALG_SHA256) : NULL;
	char hex[65];
	int rc;

	if ((rc = check_text("path", path, 1, err)) != VOUCH_OK)
		return rc;
	if (md == NULL)
		return vouch_err_set(err, VOUCH_EUSAGE, "link artifact '%s' has no sha256", path);
	if (l->nartifacts >= VOUCH_LINK_MAX_ARTIFACTS)
		return vouch_err_set(err, VOUCH_ELIMIT, "link has more than %d artifacts",
		    VOUCH_LINK_MAX_ARTIFACTS);
	if (cJSON_GetObjectItemCaseSensitive(map, path) != NULL)
		return vouch_err_set(err, VOUCH_EINPUT, "link %s '%s' recorded twice", which, path);
	if ((ds = cJSON_CreateObject()) == NULL ||
	    cJSON_AddStringToObject(ds, "sha256", vouch_hex_encode(md, 32, hex)) == NULL ||
	    !cJSON_AddItemToObject(map, path, ds)) {
		cJSON_Delete(ds);
		return vouch_err_set(err, VOUCH_ENOMEM, "out of memory building JSON");
	}
	l->nartifacts++;
	return VOUCH_OK;
}

int
vouch_link_add_material(vouch_link *l, const char *path, const vouch_digests *d,
                        vouch_err *err)
{
	return add_artifact(l, "materials", path, d, err);
}

int
vouch_link_add_product(vouch_link *l, const char *path, const vouch_digests *d,
                       vouch_err *err)
{
	return add_artifact(l, "products", path, d, err);
}

int
vouch_link_signed_bytes(const vouch_link *l, vouch_buf *out, vouch_err *err)
{
	return vouch_canonjson_append(out, l->signed_part, err);
}

int
vouch_link_keyid(const vouch_key *key, char out[65], vouch_err *err)
{
	uint8_t pub[32], md[32];
	char pubhex[65];
	cJSON *k = NULL, *algs, *kv;
	vouch_buf canon;
	int rc;

	vouch_buf_init(&canon, 4096);
	if (vouch_key_get_type(key) != VOUCH_KEY_ED25519)
		return vouch_err_set(err, VOUCH_EUSAGE, "legacy in-toto links need an Ed25519 key");
	if ((rc = vouch_key_ed25519_public(key, pub, err)) != VOUCH_OK)
		return rc;
	vouch_hex_encode(pub, 32, pubhex);
	rc = VOUCH_ENOMEM;
	if ((k = cJSON_CreateObject()) == NULL ||
	    (algs = cJSON_AddArrayToObject(k, "keyid_hash_algorithms")) == NULL ||
	    !cJSON_AddItemToArray(algs, cJSON_CreateString("sha256")) ||
	    !cJSON_AddItemToArray(algs, cJSON_CreateString("sha512")) ||
	    cJSON_AddStringToObject(k, "keytype", "ed25519") == NULL ||
	    (kv = cJSON_AddObjectToObject(k, "keyval")) == NULL ||
	    cJSON_AddStringToObject(kv, "public", pubhex) == NULL ||
	    cJSON_AddStringToObject(k, "scheme", "ed25519") == NULL) {
		vouch_err_set(err, VOUCH_ENOMEM, "out of memory building JSON");
		goto out;
	}
	if ((rc = vouch_canonjson_append(&canon, k, err)) != VOUCH_OK ||
	    (rc = vouch_sha256(canon.data, canon.len, md, err)) != VOUCH_OK)
		goto out;
	vouch_hex_encode(md, 32, out);
out:
	cJSON_Delete(k);
	vouch_buf_free(&canon);
	return rc;
}

int
vouch_link_sign(vouch_link *l, const vouch_key *key, vouch_err *err)
{
	char kid[65];
	vouch_buf msg, sig, hex;
	cJSON *s = NULL;
	int rc;

	vouch_buf_init(&msg, 0);
	vouch_buf_init(&sig, 1024);
	vouch_buf_init(&hex, 4096);
	if ((rc = vouch_link_keyid(key, kid, err)) != VOUCH_OK ||
	    (rc = vouch_link_signed_bytes(l, &msg, err)) != VOUCH_OK ||
	    (rc = vouch_key_sign(key, msg.data, msg.len, &sig, err)) != VOUCH_OK ||
	    (rc = vouch_hex_append(&hex, sig.data, sig.len, err)) != VOUCH_OK)
		goto out;
	if ((s = cJSON_CreateObject()) == NULL || cJSON_AddStringToObject(s, "keyid", kid) == NULL ||
	    cJSON_AddStringToObject(s, "sig", vouch_buf_cstr(&hex)) == NULL ||
	    !cJSON_AddItemToArray(l->sigs, s)) {
		cJSON_Delete(s);
		rc = vouch_err_set(err, VOUCH_ENOMEM, "out of memory building JSON");
	}
out:
	vouch_buf_free(&msg);
	vouch_buf_free(&sig);
	vouch_buf_free(&hex);
	return rc;
}

int
vouch_link_serialize(const vouch_link *l, vouch_buf *out, vouch_err *err)
{
	int rc;

	if (cJSON_GetArraySize(l->sigs) == 0)
		return vouch_err_set(err, VOUCH_EUSAGE, "link is not signed");
	rc = vouch_buf_append_str(out, "{\"signatures\":", err);
	if (rc == VOUCH_OK)
		rc = vouch_json_append(out, l->sigs, err);
	if (rc == VOUCH_OK)
		rc = vouch_buf_append_str(out, ",\"signed\":", err);
	if (rc == VOUCH_OK)
		rc = vouch_json_append(out, l->signed_part, err);
	if (rc == VOUCH_OK)
		rc = vouch_buf_append_byte(out, '}', err);
	return rc;
}

int
vouch_link_filename(const char *step, const char *keyid, vouch_buf *out, vouch_err *err)
{
	int rc = check_text("step name", step, 0, err);

	if (rc == VOUCH_OK && (keyid == NULL || !vouch_is_lower_hex(keyid, strlen(keyid), 32)))
		rc = vouch_err_set(err, VOUCH_EUSAGE, "link keyid is not 64 lowercase hex");
	if (rc == VOUCH_OK)
		rc = vouch_buf_appendf(out, err, "%s.%.8s.link", step, keyid);
	return rc;
}
