/* statement.c - in-toto Statement v1: validation, building, matching. */
#include "config.h"

#include <stdlib.h>
#include <string.h>
#include <openssl/crypto.h>

#include "vouch/codec.h"
#include "vouch/digest.h"
#include "vouch/json.h"
#include "vouch/statement.h"

struct vouch_statement {
	cJSON *root;
};

/* Known DigestSet algorithms: hex length, whether they count toward the
 * sha256 floor, and the vouch_alg bit when vouch can compute them from an
 * artifact's bytes.  The tree digest (lib/vouch/tree.h) counts toward the
 * floor, so a source-tree subject may carry only it, but it never matches
 * a file artifact. */
static const struct {
	const char *name;
	size_t bytes;
	int refused;  /* the statement is invalid when it appears */
	int counts;   /* of sha256 strength or better */
	unsigned alg; /* vouch_alg bit, or 0 */
} known_algs[] = {
	{ "md5", 16, 1, 0, 0 },
	{ "sha1", 20, 0, 0, 0 },
	{ "sha224", 28, 0, 0, 0 },
	{ "sha512_224", 28, 0, 0, 0 },
	{ "sha256", 32, 0, 1, VOUCH_ALG_SHA256 },
	{ "sha384", 48, 0, 1, VOUCH_ALG_SHA384 },
	{ "sha512", 64, 0, 1, VOUCH_ALG_SHA512 },
	{ "sha512_256", 32, 0, 1, VOUCH_ALG_SHA512_256 },
	{ "sha3_224", 28, 0, 0, 0 },
	{ "sha3_256", 32, 0, 1, VOUCH_ALG_SHA3_256 },
	{ "sha3_384", 48, 0, 0, 0 },
	{ "sha3_512", 64, 0, 0, 0 },
	{ VOUCH_TREE_DIGEST_KEY, 32, 0, 1, 0 },
};
#define NKNOWN (sizeof(known_algs) / sizeof(known_algs[0]))

static int
known_index(const char *name)
{
	for (size_t i = 0; i < NKNOWN; i++)
		if (strcmp(name, known_algs[i].name) == 0)
			return (int)i;
	return -1;
}

int
vouch_digest_name_accepted(const char *name)
{
	int i = known_index(name);

	return i >= 0 && known_algs[i].counts;
}

/* Validate a DigestSet; *accepted counts the algorithms above the floor. */
static int
check_digest_set(const cJSON *ds, size_t si, size_t *accepted, vouch_err *err)
{
	const cJSON *v;

	*accepted = 0;
	if (!cJSON_IsObject(ds))
		return vouch_err_set(err, VOUCH_EINPUT, "subject %zu: 'digest' is not an object", si);
	cJSON_ArrayForEach(v, ds) {
		int k = known_index(v->string);

		if (!cJSON_IsString(v) || v->valuestring[0] == '\0')
			return vouch_err_set(err, VOUCH_EINPUT,
			    "subject %zu: digest '%s' is not a non-empty string", si, v->string);
		if (k < 0)
			continue; /* gitCommit, dirHash, ...: tolerated, never used */
		if (known_algs[k].refused)
			return vouch_err_set(err, VOUCH_EINPUT,
			    "subject %zu: digest algorithm '%s' is refused", si, v->string);
		if (!vouch_is_lower_hex(v->valuestring, strlen(v->valuestring), known_algs[k].bytes))
			return vouch_err_set(err, VOUCH_EINPUT,
			    "subject %zu: digest '%s' is not %zu lowercase hex characters", si,
			    v->string, 2 * known_algs[k].bytes);
		if (known_algs[k].counts)
			(*accepted)++;
	}
	if (*accepted == 0)
		return vouch_err_set(err, VOUCH_EINPUT,
		    "subject %zu: no digest of sha256 strength or better", si);
	return VOUCH_OK;
}

static int
check_optional_string(const cJSON *obj, const char *key, size_t si, vouch_err *err)
{
	const cJSON *v = vouch_json_get(obj, key);

	if (v != NULL && !cJSON_IsString(v))
		return vouch_err_set(err, VOUCH_EINPUT, "subject %zu: '%s' is not a string", si, key);
	return VOUCH_OK;
}

static int
check_subject(const cJSON *s, size_t si, vouch_err *err)
{
	static const char *const strings[] = { "name", "uri", "content", "downloadLocation",
					       "mediaType" };
	const cJSON *ds, *ann;
	size_t accepted;
	int rc;

	if (!cJSON_IsObject(s))
		return vouch_err_set(err, VOUCH_EINPUT, "subject %zu is not an object", si);
	for (size_t i = 0; i < sizeof(strings) / sizeof(strings[0]); i++)
		if ((rc = check_optional_string(s, strings[i], si, err)) != VOUCH_OK)
			return rc;
	ann = vouch_json_get(s, "annotations");
	if (ann != NULL && !cJSON_IsObject(ann))
		return vouch_err_set(err, VOUCH_EINPUT, "subject %zu: 'annotations' is not an object", si);
	if ((ds = vouch_json_get(s, "digest")) == NULL)
		return vouch_err_set(err, VOUCH_EINPUT, "subject %zu has no 'digest'", si);
	return check_digest_set(ds, si, &accepted, err);
}

int
vouch_statement_validate(const cJSON *root, vouch_err *err)
{
	const cJSON *subj, *s, *pred;
	const char *type, *ptype;
	size_t n = 0;
	int rc;

	if (!cJSON_IsObject(root))
		return vouch_err_set(err, VOUCH_EINPUT, "statement is not a JSON object");
	type = vouch_json_get_string(root, "_type");
	if (type == NULL || strcmp(type, VOUCH_STATEMENT_TYPE) != 0)
		return vouch_err_set(err, VOUCH_EINPUT, "statement '_type' is not '%s'",
		    VOUCH_STATEMENT_TYPE);
	ptype = vouch_json_get_string(root, "predicateType");
	if (ptype == NULL || ptype[0] == '\0')
		return vouch_err_set(err, VOUCH_EINPUT,
		    "statement has no 'predicateType' string");
	pred = vouch_json_get(root, "predicate");
	if (pred != NULL && !cJSON_IsObject(pred))
		return vouch_err_set(err, VOUCH_EINPUT, "statement 'predicate' is not an object");
	if ((subj = vouch_json_get_array(root, "subject")) == NULL)
		return vouch_err_set(err, VOUCH_EINPUT, "statement has no 'subject' array");
	cJSON_ArrayForEach(s, subj) {
		if (n >= VOUCH_STATEMENT_MAX_SUBJECTS)
			return vouch_err_set(err, VOUCH_ELIMIT, "statement has more than %d subjects",
			    VOUCH_STATEMENT_MAX_SUBJECTS);
		if ((rc = check_subject(s, n++, err)) != VOUCH_OK)
			return rc;
	}
	if (n == 0)
		return vouch_err_set(err, VOUCH_EINPUT, "statement 'subject' is empty");
	return VOUCH_OK;
}

int
vouch_statement_parse(const void *data, size_t len, vouch_statement **out, vouch_err *err)
{
	cJSON *root = NULL;
	int rc;

	*out = NULL;
	if ((rc = vouch_json_parse(data, len, &root, err)) != VOUCH_OK)
		return rc;
	if ((rc = vouch_statement_validate(root, err)) == VOUCH_OK &&
	    (*out = calloc(1, sizeof(**out))) == NULL)
		rc = vouch_err_set(err, VOUCH_ENOMEM, "out of memory");
	if (rc != VOUCH_OK) {
		cJSON_Delete(root);
		return rc;
	}
	(*out)->root = root;
	return VOUCH_OK;
}

void
vouch_statement_free(vouch_statement *st)
{
	if (st == NULL)
		return;
	cJSON_Delete(st->root);
	free(st);
}

int
vouch_statement_new(const char *predicate_type, vouch_statement **out, vouch_err *err)
{
	vouch_statement *st = NULL;
	int rc = VOUCH_OK;

	*out = NULL;
	if (predicate_type == NULL || predicate_type[0] == '\0')
		return vouch_err_set(err, VOUCH_EUSAGE, "statement needs a predicateType");
	if ((st = calloc(1, sizeof(*st))) == NULL || (st->root = cJSON_CreateObject()) == NULL) {
		free(st);
		return vouch_err_set(err, VOUCH_ENOMEM, "out of memory");
	}
	if (vouch_json_add_string(st->root, "_type", VOUCH_STATEMENT_TYPE, err) == NULL ||
	    vouch_json_add_array(st->root, "subject", err) == NULL ||
	    vouch_json_add_string(st->root, "predicateType", predicate_type, err) == NULL)
		rc = VOUCH_ENOMEM;
	if (rc != VOUCH_OK) {
		vouch_statement_free(st);
		return rc;
	}
	*out = st;
	return VOUCH_OK;
}

cJSON *
vouch_digest_set(const vouch_digests *d, vouch_err *err)
{
	cJSON *ds = cJSON_CreateObject();

	if (ds == NULL)
		goto nomem;
	for (unsigned bit = 1; bit <= VOUCH_ALG_ALL; bit <<= 1) {
		const uint8_t *md = vouch_digests_get(d, bit);
		char hex[2 * VOUCH_DIGEST_MAX + 1];

		if (md == NULL)
			continue;
		vouch_hex_encode(md, vouch_alg_size(bit), hex);
		if (cJSON_AddStringToObject(ds, vouch_alg_name(bit), hex) == NULL)
			goto nomem;
	}
	return ds;
nomem:
	cJSON_Delete(ds);
	vouch_err_set(err, VOUCH_ENOMEM, "out of memory building JSON");
	return NULL;
}

cJSON *
vouch_resource_descriptor(const char *name, const char *uri, const vouch_digests *d,
                          vouch_err *err)
{
	cJSON *rd = NULL, *ds = NULL;

	if (d == NULL && uri == NULL) {
		vouch_err_set(err, VOUCH_EUSAGE, "resource descriptor needs a uri or a digest");
		return NULL;
	}
	if (d != NULL && vouch_digests_get(d, VOUCH_ALG_SHA256) == NULL) {
		vouch_err_set(err, VOUCH_EUSAGE, "resource descriptor digest lacks sha256");
		return NULL;
	}
	if ((rd = cJSON_CreateObject()) == NULL)
		goto nomem;
	if (name != NULL && cJSON_AddStringToObject(rd, "name", name) == NULL)
		goto nomem;
	if (uri != NULL && cJSON_AddStringToObject(rd, "uri", uri) == NULL)
		goto nomem;
	if (d != NULL) {
		if ((ds = vouch_digest_set(d, err)) == NULL)
			goto fail;
		if (!cJSON_AddItemToObject(rd, "digest", ds)) {
			cJSON_Delete(ds);
			goto nomem;
		}
	}
	return rd;
nomem:
	vouch_err_set(err, VOUCH_ENOMEM, "out of memory building JSON");
fail:
	cJSON_Delete(rd);
	return NULL;
}

static int
append_subject(vouch_statement *st, cJSON *rd, vouch_err *err)
{
	cJSON *arr = cJSON_GetObjectItemCaseSensitive(st->root, "subject");
	int rc;

	if ((rc = check_subject(rd, (size_t)cJSON_GetArraySize(arr), err)) != VOUCH_OK) {
		cJSON_Delete(rd);
		return rc;
	}
	if (!cJSON_AddItemToArray(arr, rd)) {
		cJSON_Delete(rd);
		return vouch_err_set(err, VOUCH_ENOMEM, "out of memory building JSON");
	}
	return VOUCH_OK;
}

int
vouch_statement_add_subject(vouch_statement *st, const char *name, const vouch_digests *d,
                            vouch_err *err)
{
	cJSON *rd;

	if (d == NULL)
		return vouch_err_set(err, VOUCH_EUSAGE, "subject needs a digest");
	if ((rd = vouch_resource_descriptor(name, NULL, d, err)) == NULL)
		return err != NULL && err->code != VOUCH_OK ? err->code : VOUCH_ENOMEM;
	return append_subject(st, rd, err);
}

int
vouch_statement_add_subject_json(vouch_statement *st, const cJSON *desc, vouch_err *err)
{
	cJSON *rd = cJSON_Duplicate(desc, 1);

	if (rd == NULL)
		return vouch_err_set(err, VOUCH_ENOMEM, "out of memory building JSON");
	return append_subject(st, rd, err);
}

int
vouch_statement_set_predicate(vouch_statement *st, cJSON *predicate, vouch_err *err)
{
	if (!cJSON_IsObject(predicate)) {
		cJSON_Delete(predicate);
		return vouch_err_set(err, VOUCH_EUSAGE, "predicate must be a JSON object");
	}
	cJSON_DeleteItemFromObjectCaseSensitive(st->root, "predicate");
	if (!cJSON_AddItemToObject(st->root, "predicate", predicate)) {
		cJSON_Delete(predicate);
		return vouch_err_set(err, VOUCH_ENOMEM, "out of memory building JSON");
	}
	return VOUCH_OK;
}

int
vouch_statement_serialize(const vouch_statement *st, vouch_buf *out, vouch_err *err)
{
	int rc = vouch_statement_validate(st->root, err);

	if (rc == VOUCH_OK)
		rc = vouch_json_append(out, st->root, err);
	return rc;
}

const cJSON *
vouch_statement_json(const vouch_statement *st)
{
	return st->root;
}

const char *
vouch_statement_predicate_type(const vouch_statement *st)
{
	return vouch_json_get_string(st->root, "predicateType");
}

const cJSON *
vouch_statement_predicate(const vouch_statement *st)
{
	return vouch_json_get_object(st->root, "predicate");
}

size_t
vouch_statement_subject_count(const vouch_statement *st)
{
	return (size_t)cJSON_GetArraySize(vouch_json_get_array(st->root, "subject"));
}

const cJSON *
vouch_statement_subject(const vouch_statement *st, size_t i)
{
	const cJSON *arr = vouch_json_get_array(st->root, "subject");

	if (arr == NULL || i >= (size_t)cJSON_GetArraySize(arr))
		return NULL;
	return cJSON_GetArrayItem(arr, (int)i);
}

/* 1 when the subject's digest set matches d, 0 when not. */
static int
subject_matches(const cJSON *subject, const vouch_digests *d)
{
	const cJSON *ds = vouch_json_get_object(subject, "digest");
	size_t agree = 0;

	for (unsigned bit = 1; ds != NULL && bit <= VOUCH_ALG_ALL; bit <<= 1) {
		const char *hex = vouch_json_get_string(ds, vouch_alg_name(bit));
		const uint8_t *md = vouch_digests_get(d, bit);
		uint8_t want[VOUCH_DIGEST_MAX];
		size_t n = vouch_alg_size(bit);

		if (hex == NULL || md == NULL)
			continue;
		if (vouch_hex_decode(hex, strlen(hex), want, sizeof(want), VOUCH_HEX_LOWER, NULL) !=
		    VOUCH_OK || strlen(hex) != 2 * n)
			return 0;
		if (CRYPTO_memcmp(want, md, n) != 0)
			return 0; /* every shared accepted algorithm must agree */
		agree++;
	}
	return agree > 0;
}

int
vouch_statement_match(const vouch_statement *st, const vouch_digests *d, size_t *which,
                      vouch_err *err)
{
	const cJSON *s;
	size_t i = 0;

	if (d == NULL || d->algs == 0)
		return vouch_err_set(err, VOUCH_EUSAGE, "no artifact digest to match");
	cJSON_ArrayForEach(s, vouch_json_get_array(st->root, "subject")) {
		if (subject_matches(s, d)) {
			if (which != NULL)
				*which = i;
			return VOUCH_OK;
		}
		i++;
	}
	return vouch_err_set(err, VOUCH_ENEGATIVE, "no subject matches the artifact's digest");
}
