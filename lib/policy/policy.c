/* policy.c - parse and validate operator trust policies (vouch/policy.h,
 * schemas/policy.schema.json).  Every member is checked before a policy
 * object exists; evaluation lives in policy_eval.c, rendering in
 * policy_out.c. */
#include "config.h"

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "vouch/cosig.h"
#include "vouch/file.h"
#include "vouch/json.h"
#include "vouch/policy.h"
#include "vouch/uri.h"
#include "policy_int.h"

void
vouch_policy_free(vouch_policy *p)
{
	if (p == NULL)
		return;
	for (size_t i = 0; i < p->nrb; i++) {
		free(p->rb[i].name);
		for (size_t k = 0; k < p->rb[i].nkeys; k++)
			vouch_key_free(p->rb[i].keys[k]);
	}
	free(p->rb);
	for (size_t i = 0; i < p->nlogs; i++) {
		free(p->logs[i].origin);
		free(p->logs[i].url);
		vouch_note_verifier_free(p->logs[i].ver);
		for (size_t k = 0; k < p->logs[i].nws; k++)
			vouch_note_verifier_free(p->logs[i].ws[k]);
	}
	for (size_t i = 0; i < p->nptypes; i++)
		free(p->ptypes[i]);
	for (size_t i = 0; i < p->nvpol; i++)
		free(p->vpol[i]);
	free(p->allkeys);
	free(p->keyowner);
	free(p->name);
	free(p->basedir);
	free(p);
}

/* A printable, bounded name: no control bytes, no leading/trailing space. */
static int
name_ok(const char *s)
{
	size_t n = strlen(s);

	if (n == 0 || n > VOUCH_POLICY_MAX_NAME || !vouch_utf8_valid(s, n) || s[0] == ' ' ||
	    s[n - 1] == ' ')
		return 0;
	for (size_t i = 0; i < n; i++)
		if ((unsigned char)s[i] < 0x20 || s[i] == 0x7f)
			return 0;
	return 1;
}

static int
uri_ok(const char *s)
{
	size_t n = strlen(s), i = 0;

	if (n == 0 || n > VOUCH_POLICY_MAX_URI)
		return 0;
	while (i < n && ((s[i] >= 'a' && s[i] <= 'z') || (s[i] >= 'A' && s[i] <= 'Z') ||
	                 (i > 0 && ((s[i] >= '0' && s[i] <= '9') || s[i] == '+' || s[i] == '-' ||
	                            s[i] == '.'))))
		i++;
	if (i == 0 || i >= n || s[i] != ':')
		return 0;
	for (i = 0; i < n; i++)
		if ((unsigned char)s[i] <= 0x20 || s[i] == 0x7f)
			return 0;
	return 1;
}

/* "path" resolved against the policy's directory unless absolute. */
static int
resolve(const vouch_policy *p, const char *path, char *out, size_t outsz, vouch_err *err)
{
	int n;

	if (path[0] == '\0')
		return vouch_err_set(err, VOUCH_EINPUT, "empty key path");
	if (path[0] == '/')
		n = snprintf(out, outsz, "%s", path);
	else
		n = snprintf(out, outsz, "%s/%s", p->basedir, path);
	if (n < 0 || (size_t)n >= outsz)
		return vouch_err_set(err, VOUCH_ELIMIT, "key path '%.64s...' too long", path);
	return VOUCH_OK;
}

static int
add_key(vouch_policy *p, struct pol_rebuilder *rb, vouch_key *key, const char *src,
        vouch_err *err)
{
	if (vouch_key_has_private(key)) {
		vouch_key_free(key);
		return vouch_err_set(err, VOUCH_EINPUT,
		                     "rebuilder '%s': %s is a private key; a policy holds public keys",
		                     rb->name, src);
	}
	if (rb->nkeys == VOUCH_POLICY_MAX_KEYS) {
		vouch_key_free(key);
		return vouch_err_set(err, VOUCH_ELIMIT, "rebuilder '%s': more than %d keys", rb->name,
		                     VOUCH_POLICY_MAX_KEYS);
	}
	/* one key belongs to one rebuilder, once: else it could count twice */
	for (size_t i = 0; i <= (size_t)(rb - p->rb); i++)
		for (size_t k = 0; k < p->rb[i].nkeys; k++)
			if (vouch_key_same_public(p->rb[i].keys[k], key)) {
				vouch_key_free(key);
				return vouch_err_set(err, VOUCH_EINPUT,
				                     "rebuilder '%s': %s is already the key of '%s'", rb->name,
				                     src, p->rb[i].name);
			}
	rb->keys[rb->nkeys] = key;
	return vouch_key_id(key, rb->keyids[rb->nkeys++], err);
}

static int
key_from_pem(vouch_policy *p, struct pol_rebuilder *rb, const char *pem, size_t len,
             const char *src, vouch_err *err)
{
	vouch_key *key = NULL;
	int rc;

	if ((rc = vouch_key_load_pem(pem, len, NULL, 0, &key, err)) != VOUCH_OK) {
		vouch_err_prefix(err, "rebuilder '%s': %s", rb->name, src);
		return rc;
	}
	return add_key(p, rb, key, src, err);
}

/* A keys file: one or more SPKI PEM blocks, text around them ignored. */
static int
keys_file(vouch_policy *p, struct pol_rebuilder *rb, const char *path, vouch_err *err)
{
	static const char begin[] = "-----BEGIN ", end[] = "-----END ";
	char full[PATH_MAX], src[PATH_MAX + 16];
	vouch_buf b;
	size_t pos = 0, found = 0;
	int rc;

	vouch_buf_init(&b, (size_t)VOUCH_POLICY_MAX_KEYS * VOUCH_PEM_MAX + 1);
	if ((rc = resolve(p, path, full, sizeof(full), err)) != VOUCH_OK ||
	    (rc = vouch_read_file(full, (size_t)VOUCH_POLICY_MAX_KEYS * VOUCH_PEM_MAX, &b, err)) !=
	        VOUCH_OK)
		goto out;
	for (;;) {
		const char *s = (const char *)b.data, *a, *z, *nl;

		a = s ? strstr(s + pos, begin) : NULL;
		if (a == NULL)
			break;
		z = strstr(a, end);
		nl = z ? strchr(z, '\n') : NULL;
		if (z == NULL) {
			rc = vouch_err_set(err, VOUCH_EINPUT, "'%s': unterminated PEM block", full);
			goto out;
		}
		if (nl == NULL)
			nl = s + b.len;
		snprintf(src, sizeof(src), "'%s' key %zu", path, found + 1);
		if ((rc = key_from_pem(p, rb, a, (size_t)(nl - a), src, err)) != VOUCH_OK)
			goto out;
		found++;
		pos = (size_t)(nl - s);
	}
	if (found == 0)
		rc = vouch_err_set(err, VOUCH_EINPUT, "'%s': no PEM public key in keys file", full);
out:
	vouch_buf_free(&b);
	return rc;
}

static int
parse_rebuilder(vouch_policy *p, const cJSON *o, size_t idx, vouch_err *err)
{
	static const char *const members[] = { "name", "publicKey", "publicKeyPem", "keysFile",
		                                   NULL };
	struct pol_rebuilder *rb = &p->rb[idx];
	const char *name, *s;
	char full[PATH_MAX], what[64];
	int rc;

	snprintf(what, sizeof(what), "rebuilders[%zu]", idx);
	if (!cJSON_IsObject(o))
		return vouch_err_set(err, VOUCH_EINPUT, "%s: not an object", what);
	if ((rc = vouch_json_only_members(o, what, members, err)) != VOUCH_OK)
		return rc;
	name = vouch_json_get_string(o, "name");
	if (name == NULL || !name_ok(name))
		return vouch_err_set(err, VOUCH_EINPUT, "%s: 'name' must be a printable string of 1 to %d bytes",
		                     what, VOUCH_POLICY_MAX_NAME);
	for (size_t i = 0; i < idx; i++)
		if (strcmp(p->rb[i].name, name) == 0)
			return vouch_err_set(err, VOUCH_EINPUT, "%s: rebuilder '%s' is listed twice", what,
			                     name);
	if ((rb->name = vouch_strdup(name, err)) == NULL)
		return VOUCH_ENOMEM;
	for (const char *const *m = members + 1; *m != NULL; m++) {
		const cJSON *v = vouch_json_get(o, *m);

		if (v != NULL && (!cJSON_IsString(v) || v->valuestring[0] == '\0'))
			return vouch_err_set(err, VOUCH_EINPUT, "rebuilder '%s': '%s' must be a non-empty string",
			                     name, *m);
	}
	if ((s = vouch_json_get_string(o, "publicKey")) != NULL) {
		vouch_key *key = NULL;

		if ((rc = resolve(p, s, full, sizeof(full), err)) != VOUCH_OK)
			return rc;
		if ((rc = vouch_key_load_file(full, NULL, 0, &key, err)) != VOUCH_OK) {
			vouch_err_prefix(err, "rebuilder '%s': publicKey", name);
			return rc;
		}
		if ((rc = add_key(p, rb, key, "publicKey", err)) != VOUCH_OK)
			return rc;
	}
	if ((s = vouch_json_get_string(o, "publicKeyPem")) != NULL &&
	    (rc = key_from_pem(p, rb, s, strlen(s), "publicKeyPem", err)) != VOUCH_OK)
		return rc;
	if ((s = vouch_json_get_string(o, "keysFile")) != NULL &&
	    (rc = keys_file(p, rb, s, err)) != VOUCH_OK)
		return rc;
	if (rb->nkeys == 0)
		return vouch_err_set(err, VOUCH_EINPUT,
		                     "rebuilder '%s': needs publicKey, publicKeyPem or keysFile", name);
	return VOUCH_OK;
}

static int
parse_rebuilders(vouch_policy *p, const cJSON *root, vouch_err *err)
{
	const cJSON *arr = vouch_json_get(root, "rebuilders"), *it;
	size_t n, i = 0, total = 0;
	int rc;

	if (!cJSON_IsArray(arr) || (n = (size_t)cJSON_GetArraySize(arr)) == 0)
		return vouch_err_set(err, VOUCH_EINPUT, "'rebuilders' must be a non-empty array");
	if (n > VOUCH_POLICY_MAX_REBUILDERS)
		return vouch_err_set(err, VOUCH_ELIMIT, "more than %d rebuilders",
		                     VOUCH_POLICY_MAX_REBUILDERS);
	if ((p->rb = calloc(n, sizeof(*p->rb))) == NULL)
		return vouch_err_set(err, VOUCH_ENOMEM, "out of memory");
	cJSON_ArrayForEach(it, arr) {
		p->nrb = i + 1;
		if ((rc = parse_rebuilder(p, it, i, err)) != VOUCH_OK)
			return rc;
		total += p->rb[i++].nkeys;
	}
	/* a flat list of every trusted key for DSSE verification */
	p->allkeys = calloc(total, sizeof(*p->allkeys));
	p->keyowner = calloc(total, sizeof(*p->keyowner));
	if (p->allkeys == NULL || p->keyowner == NULL)
		return vouch_err_set(err, VOUCH_ENOMEM, "out of memory");
	for (i = 0; i < p->nrb; i++)
		for (size_t k = 0; k < p->rb[i].nkeys; k++) {
			p->allkeys[p->nallkeys] = p->rb[i].keys[k];
			p->keyowner[p->nallkeys++] = i * VOUCH_POLICY_MAX_KEYS + k;
		}
	return VOUCH_OK;
}

/* An optional array of URIs, with a default when absent. */
static int
parse_uris(const cJSON *root, const char *key, const char *dflt, char **out, size_t *n,
           vouch_err *err)
{
	const cJSON *arr = vouch_json_get(root, key), *it;

	if (arr == NULL) {
		if ((out[0] = vouch_strdup(dflt, err)) == NULL)
			return VOUCH_ENOMEM;
		*n = 1;
		return VOUCH_OK;
	}
	if (!cJSON_IsArray(arr) || cJSON_GetArraySize(arr) == 0)
		return vouch_err_set(err, VOUCH_EINPUT, "'%s' must be a non-empty array", key);
	if (cJSON_GetArraySize(arr) > VOUCH_POLICY_MAX_URIS)
		return vouch_err_set(err, VOUCH_ELIMIT, "'%s': more than %d entries", key,
		                     VOUCH_POLICY_MAX_URIS);
	cJSON_ArrayForEach(it, arr) {
		if (!cJSON_IsString(it) || !uri_ok(it->valuestring))
			return vouch_err_set(err, VOUCH_EINPUT, "'%s': entry %zu is not an absolute URI",
			                     key, *n + 1);
		for (size_t i = 0; i < *n; i++)
			if (strcmp(out[i], it->valuestring) == 0)
				return vouch_err_set(err, VOUCH_EINPUT, "'%s': '%.64s' is listed twice", key,
				                     it->valuestring);
		if ((out[*n] = vouch_strdup(it->valuestring, err)) == NULL)
			return VOUCH_ENOMEM;
		(*n)++;
	}
	return VOUCH_OK;
}

static int
parse_modes(vouch_policy *p, const cJSON *root, vouch_err *err)
{
	const cJSON *arr = vouch_json_get(root, "modes"), *it;

	if (arr == NULL) {
		p->modes = VOUCH_POLICY_MODE_STRICT;
		return VOUCH_OK;
	}
	if (!cJSON_IsArray(arr) || cJSON_GetArraySize(arr) == 0)
		return vouch_err_set(err, VOUCH_EINPUT, "'modes' must be a non-empty array");
	cJSON_ArrayForEach(it, arr) {
		unsigned m = 0;

		if (cJSON_IsString(it) && strcmp(it->valuestring, "strict") == 0)
			m = VOUCH_POLICY_MODE_STRICT;
		else if (cJSON_IsString(it) && strcmp(it->valuestring, "normalize") == 0)
			m = VOUCH_POLICY_MODE_NORMALIZE;
		if (m == 0 || (p->modes & m) != 0)
			return vouch_err_set(err, VOUCH_EINPUT,
			                     "'modes': each entry is \"strict\" or \"normalize\", once");
		p->modes |= m;
	}
	return VOUCH_OK;
}

/* "witnesses": [cosigner vkeys], "witnessQuorum": k (default: all) */
static int
parse_witnesses(struct pol_log *l, const cJSON *o, const char *origin, vouch_err *err)
{
	const cJSON *arr = vouch_json_get(o, "witnesses"), *q = vouch_json_get(o, "witnessQuorum"),
	            *it;
	int rc;

	if (arr == NULL && q == NULL)
		return VOUCH_OK;
	if (!cJSON_IsArray(arr) || cJSON_GetArraySize(arr) < 1 ||
	    cJSON_GetArraySize(arr) > VOUCH_POLICY_MAX_WITNESSES)
		return vouch_err_set(err, VOUCH_EINPUT, "log '%s': 'witnesses' must list 1 to %d "
		                     "cosigner keys", origin, VOUCH_POLICY_MAX_WITNESSES);
	cJSON_ArrayForEach(it, arr) {
		if (!cJSON_IsString(it))
			return vouch_err_set(err, VOUCH_EINPUT, "log '%s': a witness is not a string",
			                     origin);
		if ((rc = vouch_cosig_verifier_parse(it->valuestring, strlen(it->valuestring),
		                                     &l->ws[l->nws], err)) != VOUCH_OK) {
			vouch_err_prefix(err, "log '%s': witness", origin);
			return rc;
		}
		l->nws++;
	}
	l->quorum = l->nws;
	if (q != NULL) {
		if (!cJSON_IsNumber(q) || q->valuedouble < 1 || q->valuedouble > (double)l->nws ||
		    q->valuedouble != (double)(size_t)q->valuedouble)
			return vouch_err_set(err, VOUCH_EINPUT, "log '%s': 'witnessQuorum' must be 1 to "
			                     "%zu", origin, l->nws);
		l->quorum = (size_t)q->valuedouble;
	}
	return VOUCH_OK;
}

static int
parse_log(vouch_policy *p, const cJSON *o, size_t idx, vouch_err *err)
{
	static const char *const members[] = { "origin", "verifierKey", "url", "inclusionRequired",
		                                   "witnesses", "witnessQuorum", NULL };
	struct pol_log *l = &p->logs[idx];
	const char *origin, *vkey, *url;
	const cJSON *req;
	char what[32];
	int rc;

	snprintf(what, sizeof(what), "logs[%zu]", idx);
	if (!cJSON_IsObject(o))
		return vouch_err_set(err, VOUCH_EINPUT, "%s: not an object", what);
	if ((rc = vouch_json_only_members(o, what, members, err)) != VOUCH_OK)
		return rc;
	origin = vouch_json_get_string(o, "origin");
	vkey = vouch_json_get_string(o, "verifierKey");
	url = vouch_json_get_string(o, "url");
	req = vouch_json_get(o, "inclusionRequired");
	if (origin == NULL || !vouch_origin_valid(origin, strlen(origin)))
		return vouch_err_set(err, VOUCH_EINPUT, "%s: 'origin' must be a valid log origin", what);
	for (size_t i = 0; i < idx; i++)
		if (strcmp(p->logs[i].origin, origin) == 0)
			return vouch_err_set(err, VOUCH_EINPUT, "%s: log '%s' is listed twice", what, origin);
	if (vkey == NULL)
		return vouch_err_set(err, VOUCH_EINPUT, "log '%s': 'verifierKey' is required", origin);
	if ((rc = vouch_note_verifier_parse(vkey, strlen(vkey), &l->ver, err)) != VOUCH_OK) {
		vouch_err_prefix(err, "log '%s': verifierKey", origin);
		return rc;
	}
	if (vouch_json_get(o, "url") != NULL &&
	    (url == NULL || (strncmp(url, "http://", 7) != 0 && strncmp(url, "https://", 8) != 0) ||
	     !uri_ok(url)))
		return vouch_err_set(err, VOUCH_EINPUT, "log '%s': 'url' must be an http(s) URL", origin);
	if (req != NULL && !cJSON_IsBool(req))
		return vouch_err_set(err, VOUCH_EINPUT, "log '%s': 'inclusionRequired' must be true or false",
		                     origin);
	l->required = req != NULL && cJSON_IsTrue(req);
	if ((rc = parse_witnesses(l, o, origin, err)) != VOUCH_OK)
		return rc;
	if ((l->origin = vouch_strdup(origin, err)) == NULL ||
	    (url != NULL && (l->url = vouch_strdup(url, err)) == NULL))
		return VOUCH_ENOMEM;
	return VOUCH_OK;
}

static int
parse_logs(vouch_policy *p, const cJSON *root, vouch_err *err)
{
	const cJSON *arr = vouch_json_get(root, "logs"), *it;
	int rc;

	if (arr == NULL)
		return VOUCH_OK;
	if (!cJSON_IsArray(arr))
		return vouch_err_set(err, VOUCH_EINPUT, "'logs' must be an array");
	if (cJSON_GetArraySize(arr) > VOUCH_POLICY_MAX_LOGS)
		return vouch_err_set(err, VOUCH_ELIMIT, "more than %d logs", VOUCH_POLICY_MAX_LOGS);
	cJSON_ArrayForEach(it, arr) {
		if ((rc = parse_log(p, it, p->nlogs, err)) != VOUCH_OK) {
			p->nlogs++; /* so free() sees what was filled */
			return rc;
		}
		p->nlogs++;
	}
	return VOUCH_OK;
}

static int
parse_scalars(vouch_policy *p, const cJSON *root, vouch_err *err)
{
	const cJSON *v;
	const char *s;
	long long n;
	int rc;

	if ((rc = vouch_json_get_int(root, "vouchPolicy", VOUCH_POLICY_VERSION,
	                             VOUCH_POLICY_VERSION, &n, err)) != VOUCH_OK) {
		vouch_err_prefix(err, "'vouchPolicy' must be %d", VOUCH_POLICY_VERSION);
		return VOUCH_EINPUT;
	}
	if ((v = vouch_json_get(root, "name")) != NULL) {
		if (!cJSON_IsString(v) || !name_ok(v->valuestring))
			return vouch_err_set(err, VOUCH_EINPUT, "'name' must be a printable string of 1 to %d bytes",
			                     VOUCH_POLICY_MAX_NAME);
		if ((p->name = vouch_strdup(v->valuestring, err)) == NULL)
			return VOUCH_ENOMEM;
	}
	if ((v = vouch_json_get(root, "description")) != NULL && !cJSON_IsString(v))
		return vouch_err_set(err, VOUCH_EINPUT, "'description' must be a string");
	if ((rc = vouch_json_get_int(root, "threshold", 1, (long long)p->nrb, &n, err)) !=
	    VOUCH_OK) {
		vouch_err_clear(err);
		return vouch_err_set(err, VOUCH_EINPUT,
		                     "'threshold' must be an integer from 1 to the %zu rebuilders listed",
		                     p->nrb);
	}
	p->threshold = (size_t)n;
	p->max_age = 0;
	if (vouch_json_get(root, "maxAgeSeconds") != NULL) {
		if (vouch_json_get_int(root, "maxAgeSeconds", 0, VOUCH_POLICY_MAX_AGE, &n, NULL) !=
		    VOUCH_OK)
			return vouch_err_set(err, VOUCH_EINPUT,
			                     "'maxAgeSeconds' must be an integer from 0 to %lld",
			                     (long long)VOUCH_POLICY_MAX_AGE);
		p->max_age = (int64_t)n;
	}
	p->on_failed = VOUCH_POLICY_FAILED_FAIL;
	if ((v = vouch_json_get(root, "onFailed")) != NULL) {
		s = cJSON_IsString(v) ? v->valuestring : "";
		if (strcmp(s, "fail") == 0)
			p->on_failed = VOUCH_POLICY_FAILED_FAIL;
		else if (strcmp(s, "report") == 0)
			p->on_failed = VOUCH_POLICY_FAILED_REPORT;
		else
			return vouch_err_set(err, VOUCH_EINPUT, "'onFailed' must be \"fail\" or \"report\"");
	}
	return VOUCH_OK;
}

static int
parse_root(vouch_policy *p, const cJSON *root, vouch_err *err)
{
	static const char *const members[] = { "vouchPolicy", "name", "description", "rebuilders",
		                                   "threshold", "predicateTypes",
		                                   "verificationPolicies", "modes", "onFailed",
		                                   "maxAgeSeconds", "logs", NULL };
	int rc;

	if (!cJSON_IsObject(root))
		return vouch_err_set(err, VOUCH_EINPUT, "a policy is a JSON object");
	if ((rc = vouch_json_only_members(root, "policy", members, err)) != VOUCH_OK ||
	    (rc = parse_rebuilders(p, root, err)) != VOUCH_OK ||
	    (rc = parse_scalars(p, root, err)) != VOUCH_OK ||
	    (rc = parse_uris(root, "predicateTypes", VOUCH_PREDICATE_VSA, p->ptypes, &p->nptypes,
	                     err)) != VOUCH_OK ||
	    (rc = parse_uris(root, "verificationPolicies", VOUCH_POLICY_REPRODUCIBLE, p->vpol,
	                     &p->nvpol, err)) != VOUCH_OK ||
	    (rc = parse_modes(p, root, err)) != VOUCH_OK)
		return rc;
	return parse_logs(p, root, err);
}

int
vouch_policy_parse(const char *json, size_t len, const char *basedir, vouch_policy **out,
                   vouch_err *err)
{
	vouch_policy *p = NULL;
	cJSON *root = NULL;
	void *mem;
	int rc;

	*out = NULL;
	if ((rc = vouch_doc_begin("policy", len, VOUCH_POLICY_MAX_BYTES, sizeof(*p), &mem, err)) !=
	    VOUCH_OK)
		return rc;
	p = mem;
	if ((p->basedir = vouch_strdup(basedir ? basedir : ".", err)) == NULL) {
		rc = VOUCH_ENOMEM;
		goto out;
	}
	if ((rc = vouch_json_parse(json, len, &root, err)) != VOUCH_OK)
		goto out;
	rc = parse_root(p, root, err);
out:
	cJSON_Delete(root);
	if (rc != VOUCH_OK) {
		vouch_policy_free(p);
		return rc;
	}
	*out = p;
	return VOUCH_OK;
}

struct load_ctx {
	const char *dir;
	vouch_policy **out;
};

static int
load_parse(const char *data, size_t len, void *arg, vouch_err *err)
{
	struct load_ctx *c = arg;

	return vouch_policy_parse(data, len, c->dir, c->out, err);
}

int
vouch_policy_load(const char *path, vouch_policy **out, vouch_err *err)
{
	const char *slash = strrchr(path, '/');
	char dir[PATH_MAX];
	struct load_ctx c = { dir, out };

	*out = NULL;
	if (slash == NULL || strcmp(path, "-") == 0)
		snprintf(dir, sizeof(dir), ".");
	else if (slash == path)
		snprintf(dir, sizeof(dir), "/");
	else if ((size_t)(slash - path) >= sizeof(dir))
		return vouch_err_set(err, VOUCH_ELIMIT, "policy path too long");
	else
		snprintf(dir, sizeof(dir), "%.*s", (int)(slash - path), path);
	return vouch_doc_load(path, VOUCH_POLICY_MAX_BYTES, "policy", load_parse, &c, err);
}

/* ---- accessors ---- */

const char *
vouch_policy_name(const vouch_policy *p)
{
	return p->name ? p->name : "";
}

size_t
vouch_policy_threshold(const vouch_policy *p)
{
	return p->threshold;
}

size_t
vouch_policy_rebuilder_count(const vouch_policy *p)
{
	return p->nrb;
}

const char *
vouch_policy_rebuilder_name(const vouch_policy *p, size_t i)
{
	return i < p->nrb ? p->rb[i].name : NULL;
}

size_t
vouch_policy_log_count(const vouch_policy *p)
{
	return p->nlogs;
}

const char *
vouch_policy_log_origin(const vouch_policy *p, size_t i)
{
	return i < p->nlogs ? p->logs[i].origin : NULL;
}

const char *
vouch_policy_log_url(const vouch_policy *p, size_t i)
{
	return i < p->nlogs ? p->logs[i].url : NULL;
}

int
vouch_policy_log_required(const vouch_policy *p, size_t i)
{
	return i < p->nlogs && p->logs[i].required;
}

const vouch_note_verifier *
vouch_policy_log_verifier(const vouch_policy *p, size_t i)
{
	return i < p->nlogs ? p->logs[i].ver : NULL;
}
