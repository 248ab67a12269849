/* recipe.c - parse and validate vouch-rebuild recipes.
 *
 * Every member is checked here, before a recipe object is handed out, so
 * nothing downstream runs on a half-valid recipe.  The checks mirror
 * schemas/recipe.schema.json; where the schema cannot say something (the
 * reserved environment names, the workdir prefix) this file is the rule.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "vouch/buf.h"
#include "vouch/codec.h"
#include "vouch/digest.h"
#include "vouch/file.h"
#include "vouch/json.h"
#include "vouch/recipe.h"

#define GiB ((uint64_t)1 << 30)

/* Names vouch sets itself inside the sandbox; a recipe may not set them. */
static const char *const reserved_env[] = {
	"SOURCE_DATE_EPOCH", "TZ", "LC_ALL", "HOME", "USER", "LOGNAME", "PWD", NULL
};

void
vouch_recipe_limits_default(vouch_recipe_limits *l)
{
	l->timeout_seconds = 3600;
	l->memory_bytes = 4 * GiB;
	l->max_processes = 1024;
	l->output_bytes = 1 * GiB;
	l->disk_bytes = 4 * GiB;
	l->open_files = 1024;
}

static void
free_strv(char **v, size_t n)
{
	if (v == NULL)
		return;
	for (size_t i = 0; i < n; i++)
		free(v[i]);
	free(v);
}

void
vouch_recipe_free(vouch_recipe *r)
{
	if (r == NULL)
		return;
	free(r->name);
	free(r->version);
	free(r->source_path);
	free(r->source_uri);
	for (size_t i = 0; r->source_files != NULL && i < r->n_source_files; i++) {
		free(r->source_files[i].name);
		free(r->source_files[i].path);
		free(r->source_files[i].uri);
	}
	free(r->source_files);
	free(r->env_rootfs);
	free(r->workdir);
	free_strv(r->env, r->n_env);
	for (size_t i = 0; r->steps != NULL && i < r->n_steps; i++)
		free_strv(r->steps[i].argv, r->steps[i].argc);
	free(r->steps);
	free_strv(r->outputs, r->n_outputs);
	free(r);
}

/* Refuse members other than those listed; where is "" for the top level. */
static int
check_members(const cJSON *obj, const char *where, const char *const *allowed,
              vouch_err *err)
{
	char what[96];

	snprintf(what, sizeof(what), "recipe%s%s", *where != '\0' ? " " : "", where);
	return vouch_json_only_members(obj, what, allowed, err);
}

static int
name_ok(const char *s)
{
	size_t n = strlen(s);

	if (n == 0 || n > VOUCH_RECIPE_MAX_NAME)
		return 0;
	if (!((s[0] >= 'a' && s[0] <= 'z') || (s[0] >= 'A' && s[0] <= 'Z') ||
	      (s[0] >= '0' && s[0] <= '9')))
		return 0;
	for (size_t i = 0; i < n; i++) {
		char c = s[i];
		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
		      (c >= '0' && c <= '9') || c == '.' || c == '_' || c == '+' || c == '-'))
			return 0;
	}
	return 1;
}

static int
get_required_string(const cJSON *obj, const char *key, const char *where,
                    const char **out, vouch_err *err)
{
	const cJSON *m = vouch_json_get(obj, key);

	if (m == NULL)
		return vouch_err_set(err, VOUCH_EINPUT, "recipe: missing '%s%s%s'", where,
		    *where != '\0' ? "." : "", key);
	if (!cJSON_IsString(m))
		return vouch_err_set(err, VOUCH_EINPUT, "recipe: '%s%s%s' must be a string",
		    where, *where != '\0' ? "." : "", key);
	*out = m->valuestring;
	return VOUCH_OK;
}

/* Optional string member: absent -> *out = NULL. */
static int
get_optional_string(const cJSON *obj, const char *key, const char *where,
                    const char **out, vouch_err *err)
{
	*out = NULL;
	if (vouch_json_get(obj, key) == NULL)
		return VOUCH_OK;
	return get_required_string(obj, key, where, out, err);
}

static int
parse_hex32(const char *s, const char *what, uint8_t out[32], vouch_err *err)
{
	if (!vouch_is_lower_hex(s, strlen(s), 32))
		return vouch_err_set(err, VOUCH_EINPUT,
		    "recipe: '%s' must be 64 lowercase hex digits", what);
	return vouch_hex_decode(s, 64, out, 32, VOUCH_HEX_LOWER, err);
}

/* A DigestSet with "sha256" and/or "vouchTree256" and nothing else. */
static int
parse_digest_set(const cJSON *obj, const char *where, int *has_sha, uint8_t sha[32],
                 int *has_tree, uint8_t tree[32], vouch_err *err)
{
	static const char *const keys[] = { "sha256", VOUCH_TREE_DIGEST_KEY, NULL };
	char what[64];
	const char *s;
	int rc;

	if (!cJSON_IsObject(obj))
		return vouch_err_set(err, VOUCH_EINPUT, "recipe: '%s.digest' must be an object",
		    where);
	if ((rc = check_members(obj, where, keys, err)) != VOUCH_OK)
		return rc;
	*has_sha = *has_tree = 0;
	if ((s = vouch_json_get_string(obj, "sha256")) != NULL) {
		snprintf(what, sizeof(what), "%s.digest.sha256", where);
		if ((rc = parse_hex32(s, what, sha, err)) != VOUCH_OK)
			return rc;
		*has_sha = 1;
	} else if (vouch_json_get(obj, "sha256") != NULL) {
		return vouch_err_set(err, VOUCH_EINPUT, "recipe: '%s.digest.sha256' must be a string",
		    where);
	}
	if ((s = vouch_json_get_string(obj, VOUCH_TREE_DIGEST_KEY)) != NULL) {
		snprintf(what, sizeof(what), "%s.digest." VOUCH_TREE_DIGEST_KEY, where);
		if ((rc = parse_hex32(s, what, tree, err)) != VOUCH_OK)
			return rc;
		*has_tree = 1;
	} else if (vouch_json_get(obj, VOUCH_TREE_DIGEST_KEY) != NULL) {
		return vouch_err_set(err, VOUCH_EINPUT, "recipe: '%s.digest." VOUCH_TREE_DIGEST_KEY
		    "' must be a string", where);
	}
	if (!*has_sha && !*has_tree)
		return vouch_err_set(err, VOUCH_EINPUT, "recipe: '%s.digest' names no digest "
		    "(sha256 or " VOUCH_TREE_DIGEST_KEY ")", where);
	return VOUCH_OK;
}

/* A location: a path on this machine, bounded, without NUL or newlines. */
static int
location_ok(const char *s)
{
	size_t n = strlen(s);

	if (n == 0 || n > VOUCH_RECIPE_MAX_PATH)
		return 0;
	for (size_t i = 0; i < n; i++)
		if ((unsigned char)s[i] < 0x20 || s[i] == 0x7f)
			return 0;
	return 1;
}

/* The "path" and/or "uri" of something pinned by a "digest" (which must
 * be there; the caller parses it). */
static int
parse_located(const cJSON *o, const char *where, const char **path, const char **uri,
              vouch_err *err)
{
	int rc;

	if ((rc = get_optional_string(o, "path", where, path, err)) != VOUCH_OK ||
	    (rc = get_optional_string(o, "uri", where, uri, err)) != VOUCH_OK)
		return rc;
	if (*path == NULL && *uri == NULL)
		return vouch_err_set(err, VOUCH_EINPUT, "recipe: '%s' needs a 'path' or a 'uri'",
		    where);
	if ((*path != NULL && !location_ok(*path)) || (*uri != NULL && !location_ok(*uri)))
		return vouch_err_set(err, VOUCH_EINPUT, "recipe: bad '%s' location", where);
	if (vouch_json_get(o, "digest") == NULL)
		return vouch_err_set(err, VOUCH_EINPUT, "recipe: missing '%s.digest'", where);
	return VOUCH_OK;
}

/* Copies of what parse_located() found (NULL stays NULL). */
static int
dup_located(const char *path, const char *uri, char **p, char **u, vouch_err *err)
{
	if ((path != NULL && (*p = vouch_strdup(path, err)) == NULL) ||
	    (uri != NULL && (*u = vouch_strdup(uri, err)) == NULL))
		return VOUCH_ENOMEM;
	return VOUCH_OK;
}

/* A file name in the working directory: portable characters, bounded. */
static int
file_name_ok(const char *s)
{
	size_t n = strlen(s);

	if (n == 0 || n > VOUCH_RECIPE_MAX_FILE_NAME || strcmp(s, ".") == 0 ||
	    strcmp(s, "..") == 0)
		return 0;
	for (size_t i = 0; i < n; i++) {
		char c = s[i];
		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
		      (c >= '0' && c <= '9') || c == '.' || c == '_' || c == '+' || c == '-' ||
		      c == '~'))
			return 0;
	}
	return 1;
}

/* The last component of a path or uri (without a query or fragment). */
static const char *
last_component(const char *s, size_t *len)
{
	size_t n = strcspn(s, "?#");
	const char *p = s + n;

	while (p > s && p[-1] != '/')
		p--;
	*len = (size_t)(s + n - p);
	return p;
}

static int
parse_source_file(const cJSON *f, size_t idx, vouch_recipe_file *out, vouch_err *err)
{
	static const char *const keys[] = { "name", "path", "uri", "digest", NULL };
	char where[48];
	const char *name, *path, *uri, *base;
	int has_sha, has_tree, rc;
	uint8_t tree[32];
	size_t bl;

	snprintf(where, sizeof(where), "source.files[%zu]", idx);
	if (!cJSON_IsObject(f))
		return vouch_err_set(err, VOUCH_EINPUT, "recipe: '%s' must be an object", where);
	if ((rc = check_members(f, where, keys, err)) != VOUCH_OK ||
	    (rc = get_optional_string(f, "name", where, &name, err)) != VOUCH_OK ||
	    (rc = parse_located(f, where, &path, &uri, err)) != VOUCH_OK)
		return rc;
	if ((rc = parse_digest_set(vouch_json_get(f, "digest"), where, &has_sha, out->sha256,
	    &has_tree, tree, err)) != VOUCH_OK)
		return rc;
	if (!has_sha || has_tree)
		return vouch_err_set(err, VOUCH_EINPUT, "recipe: '%s.digest' must be a sha256 "
		    "only", where);
	if (name != NULL) {
		out->name = vouch_strdup(name, err);
	} else {
		base = last_component(path != NULL ? path : uri, &bl);
		if ((out->name = malloc(bl + 1)) != NULL) {
			memcpy(out->name, base, bl);
			out->name[bl] = '\0';
		} else {
			vouch_err_set(err, VOUCH_ENOMEM, "out of memory");
		}
	}
	if (out->name == NULL)
		return VOUCH_ENOMEM;
	if (!file_name_ok(out->name))
		return vouch_err_set(err, VOUCH_EINPUT, "recipe: '%s' has a bad file name '%s' "
		    "(1-255 of [A-Za-z0-9._+~-]; give 'name')", where, out->name);
	return dup_located(path, uri, &out->path, &out->uri, err);
}

/* "source": {"files": [...], "digest": {"vouchTree256"}?} */
static int
parse_source_files(const cJSON *src, vouch_recipe *r, vouch_err *err)
{
	static const char *const keys[] = { "files", "digest", NULL };
	const cJSON *files = vouch_json_get(src, "files"), *f;
	uint8_t sha[32];
	int has_sha, rc;
	size_t n;

	if ((rc = check_members(src, "source", keys, err)) != VOUCH_OK)
		return rc;
	if (!cJSON_IsArray(files) || (n = (size_t)cJSON_GetArraySize(files)) == 0)
		return vouch_err_set(err, VOUCH_EINPUT, "recipe: 'source.files' must be a "
		    "non-empty array");
	if (n > VOUCH_RECIPE_MAX_FILES)
		return vouch_err_set(err, VOUCH_ELIMIT, "recipe: more than %d 'source.files'",
		    VOUCH_RECIPE_MAX_FILES);
	if (vouch_json_get(src, "digest") != NULL) {
		if ((rc = parse_digest_set(vouch_json_get(src, "digest"), "source", &has_sha, sha,
		    &r->has_source_tree, r->source_tree, err)) != VOUCH_OK)
			return rc;
		if (has_sha)
			return vouch_err_set(err, VOUCH_EINPUT, "recipe: 'source.digest' of files "
			    "may only be a " VOUCH_TREE_DIGEST_KEY " (each file has its sha256)");
	}
	if ((r->source_files = calloc(n, sizeof(*r->source_files))) == NULL)
		return vouch_err_set(err, VOUCH_ENOMEM, "out of memory");
	cJSON_ArrayForEach(f, files) {
		rc = parse_source_file(f, r->n_source_files, &r->source_files[r->n_source_files], err);
		r->n_source_files++;
		if (rc != VOUCH_OK)
			return rc;
		for (size_t i = 0; i + 1 < r->n_source_files; i++)
			if (strcmp(r->source_files[i].name,
			    r->source_files[r->n_source_files - 1].name) == 0)
				return vouch_err_set(err, VOUCH_EINPUT, "recipe: two source files "
				    "named '%s'", r->source_files[i].name);
	}
	return VOUCH_OK;
}

static int
parse_source(const cJSON *root, vouch_recipe *r, vouch_err *err)
{
	static const char *const keys[] = { "path", "uri", "digest", NULL };
	const cJSON *src = vouch_json_get(root, "source");
	/* (a "files" member takes the other branch, which checks its own) */
	const char *path, *uri;
	int rc;

	if (src == NULL)
		return vouch_err_set(err, VOUCH_EINPUT, "recipe: missing 'source'");
	if (!cJSON_IsObject(src))
		return vouch_err_set(err, VOUCH_EINPUT, "recipe: 'source' must be an object");
	if (vouch_json_get(src, "files") != NULL)
		return parse_source_files(src, r, err);
	if ((rc = check_members(src, "source", keys, err)) != VOUCH_OK ||
	    (rc = parse_located(src, "source", &path, &uri, err)) != VOUCH_OK)
		return rc;
	if ((rc = parse_digest_set(vouch_json_get(src, "digest"), "source", &r->has_source_sha256,
	    r->source_sha256, &r->has_source_tree, r->source_tree, err)) != VOUCH_OK)
		return rc;
	return dup_located(path, uri, &r->source_path, &r->source_uri, err);
}

static int
parse_environment(const cJSON *root, vouch_recipe *r, vouch_err *err)
{
	static const char *const keys[] = { "rootfs", "digest", NULL };
	const cJSON *e = vouch_json_get(root, "environment");
	const char *rootfs;
	int rc;

	if (e == NULL)
		return vouch_err_set(err, VOUCH_EINPUT, "recipe: missing 'environment'");
	if (cJSON_IsString(e)) {
		if (strcmp(e->valuestring, "host") != 0)
			return vouch_err_set(err, VOUCH_EINPUT, "recipe: unknown environment '%s' "
			    "(\"host\" or {\"rootfs\", \"digest\"})", e->valuestring);
		r->env_host = 1;
		return VOUCH_OK;
	}
	if (!cJSON_IsObject(e))
		return vouch_err_set(err, VOUCH_EINPUT,
		    "recipe: 'environment' must be \"host\" or an object");
	if ((rc = check_members(e, "environment", keys, err)) != VOUCH_OK ||
	    (rc = get_required_string(e, "rootfs", "environment", &rootfs, err)) != VOUCH_OK)
		return rc;
	if (!location_ok(rootfs))
		return vouch_err_set(err, VOUCH_EINPUT, "recipe: bad 'environment.rootfs'");
	if (vouch_json_get(e, "digest") == NULL)
		return vouch_err_set(err, VOUCH_EINPUT, "recipe: missing 'environment.digest'");
	if ((rc = parse_digest_set(vouch_json_get(e, "digest"), "environment", &r->has_env_sha256,
	    r->env_sha256, &r->has_env_tree, r->env_tree, err)) != VOUCH_OK)
		return rc;
	if (r->has_env_sha256 && r->has_env_tree)
		return vouch_err_set(err, VOUCH_EINPUT, "recipe: 'environment.digest' must name "
		    "sha256 (a tarball) or " VOUCH_TREE_DIGEST_KEY " (a directory), not both");
	return (r->env_rootfs = vouch_strdup(rootfs, err)) != NULL ? VOUCH_OK : VOUCH_ENOMEM;
}

/* "/build/<c>[/<c>...]" with portable components. */
static int
workdir_ok(const char *s)
{
	size_t n = strlen(s);
	const char *p;

	if (n > VOUCH_RECIPE_MAX_PATH || strncmp(s, "/build/", 7) != 0 || s[n - 1] == '/')
		return 0;
	for (p = s + 7; *p != '\0';) {
		size_t len = strcspn(p, "/");

		if (len == 0 || (len == 1 && p[0] == '.') || (len == 2 && p[0] == '.' && p[1] == '.'))
			return 0;
		for (size_t i = 0; i < len; i++) {
			char c = p[i];
			if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
			      (c >= '0' && c <= '9') || c == '.' || c == '_' || c == '+' || c == '-'))
				return 0;
		}
		p += len;
		if (*p == '/')
			p++;
	}
	return 1;
}

int
vouch_recipe_output_ok(const char *s)
{
	size_t n = strlen(s);
	const char *p;

	if (n == 0 || n > VOUCH_RECIPE_MAX_PATH || s[0] == '/' || s[n - 1] == '/')
		return -1;
	if (!vouch_utf8_valid(s, n))
		return -1;
	for (size_t i = 0; i < n; i++)
		if ((unsigned char)s[i] < 0x20 || s[i] == 0x7f)
			return -1;
	for (p = s; *p != '\0';) {
		size_t len = strcspn(p, "/");

		if (len == 0 || (len == 1 && p[0] == '.') || (len == 2 && p[0] == '.' && p[1] == '.'))
			return -1;
		p += len;
		if (*p == '/')
			p++;
	}
	return 0;
}

static int
env_name_ok(const char *s)
{
	size_t n = strlen(s);

	if (n == 0 || n > 128 || (s[0] >= '0' && s[0] <= '9'))
		return 0;
	for (size_t i = 0; i < n; i++) {
		char c = s[i];
		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
		      (c >= '0' && c <= '9') || c == '_'))
			return 0;
	}
	return 1;
}

static int
cmp_env(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static int
parse_env(const cJSON *root, vouch_recipe *r, vouch_err *err)
{
	const cJSON *e = vouch_json_get(root, "env");
	const cJSON *m;
	size_t n;

	if (e == NULL)
		return VOUCH_OK;
	if (!cJSON_IsObject(e))
		return vouch_err_set(err, VOUCH_EINPUT, "recipe: 'env' must be an object");
	n = (size_t)cJSON_GetArraySize(e);
	if (n > VOUCH_RECIPE_MAX_ENV)
		return vouch_err_set(err, VOUCH_ELIMIT, "recipe: 'env' has more than %d variables",
		    VOUCH_RECIPE_MAX_ENV);
	if (n == 0)
		return VOUCH_OK;
	if ((r->env = calloc(n, sizeof(*r->env))) == NULL)
		return vouch_err_set(err, VOUCH_ENOMEM, "out of memory");
	cJSON_ArrayForEach(m, e) {
		size_t kl, vl;

		if (!env_name_ok(m->string))
			return vouch_err_set(err, VOUCH_EINPUT, "recipe: bad variable name in 'env'");
		for (size_t i = 0; reserved_env[i] != NULL; i++)
			if (strcmp(m->string, reserved_env[i]) == 0)
				return vouch_err_set(err, VOUCH_EINPUT, "recipe: 'env.%s' is set by "
				    "vouch-rebuild and may not be given", m->string);
		if (!cJSON_IsString(m))
			return vouch_err_set(err, VOUCH_EINPUT, "recipe: 'env.%s' must be a string",
			    m->string);
		if (strlen(m->valuestring) > VOUCH_RECIPE_MAX_ENV_LEN)
			return vouch_err_set(err, VOUCH_ELIMIT, "recipe: 'env.%s' is too long",
			    m->string);
		kl = strlen(m->string);
		vl = strlen(m->valuestring);
		if ((r->env[r->n_env] = malloc(kl + vl + 2)) == NULL)
			return vouch_err_set(err, VOUCH_ENOMEM, "out of memory");
		memcpy(r->env[r->n_env], m->string, kl);
		r->env[r->n_env][kl] = '=';
		memcpy(r->env[r->n_env] + kl + 1, m->valuestring, vl + 1);
		r->n_env++;
	}
	qsort(r->env, r->n_env, sizeof(*r->env), cmp_env);
	return VOUCH_OK;
}

static int
parse_step(const cJSON *a, size_t idx, vouch_recipe_step *st, vouch_err *err)
{
	const cJSON *m;
	size_t n;

	if (!cJSON_IsArray(a))
		return vouch_err_set(err, VOUCH_EINPUT, "recipe: 'steps[%zu]' must be an array "
		    "of strings", idx);
	n = (size_t)cJSON_GetArraySize(a);
	if (n == 0)
		return vouch_err_set(err, VOUCH_EINPUT, "recipe: 'steps[%zu]' is empty", idx);
	if (n > VOUCH_RECIPE_MAX_ARGS)
		return vouch_err_set(err, VOUCH_ELIMIT, "recipe: 'steps[%zu]' has too many "
		    "arguments", idx);
	if ((st->argv = calloc(n + 1, sizeof(*st->argv))) == NULL)
		return vouch_err_set(err, VOUCH_ENOMEM, "out of memory");
	cJSON_ArrayForEach(m, a) {
		if (!cJSON_IsString(m))
			return vouch_err_set(err, VOUCH_EINPUT, "recipe: 'steps[%zu][%zu]' must be a "
			    "string", idx, st->argc);
		if (strlen(m->valuestring) > VOUCH_RECIPE_MAX_ARG_LEN)
			return vouch_err_set(err, VOUCH_ELIMIT, "recipe: 'steps[%zu][%zu]' is too "
			    "long", idx, st->argc);
		if (st->argc == 0 && m->valuestring[0] == '\0')
			return vouch_err_set(err, VOUCH_EINPUT, "recipe: 'steps[%zu][0]' is empty",
			    idx);
		if ((st->argv[st->argc] = vouch_strdup(m->valuestring, err)) == NULL)
			return VOUCH_ENOMEM;
		st->argc++;
	}
	return VOUCH_OK;
}

static int
parse_steps(const cJSON *root, vouch_recipe *r, vouch_err *err)
{
	const cJSON *s = vouch_json_get(root, "steps");
	const cJSON *m;
	size_t n;
	int rc;

	if (s == NULL)
		return vouch_err_set(err, VOUCH_EINPUT, "recipe: missing 'steps'");
	if (!cJSON_IsArray(s))
		return vouch_err_set(err, VOUCH_EINPUT, "recipe: 'steps' must be an array");
	n = (size_t)cJSON_GetArraySize(s);
	if (n == 0)
		return vouch_err_set(err, VOUCH_EINPUT, "recipe: 'steps' is empty");
	if (n > VOUCH_RECIPE_MAX_STEPS)
		return vouch_err_set(err, VOUCH_ELIMIT, "recipe: more than %d steps",
		    VOUCH_RECIPE_MAX_STEPS);
	if ((r->steps = calloc(n, sizeof(*r->steps))) == NULL)
		return vouch_err_set(err, VOUCH_ENOMEM, "out of memory");
	cJSON_ArrayForEach(m, s) {
		rc = parse_step(m, r->n_steps, &r->steps[r->n_steps], err);
		r->n_steps++;
		if (rc != VOUCH_OK)
			return rc;
	}
	return VOUCH_OK;
}

static int
parse_outputs(const cJSON *root, vouch_recipe *r, vouch_err *err)
{
	const cJSON *o = vouch_json_get(root, "outputs");
	const cJSON *m;
	size_t n;

	if (o == NULL)
		return vouch_err_set(err, VOUCH_EINPUT, "recipe: missing 'outputs'");
	if (!cJSON_IsArray(o))
		return vouch_err_set(err, VOUCH_EINPUT, "recipe: 'outputs' must be an array");
	n = (size_t)cJSON_GetArraySize(o);
	if (n == 0)
		return vouch_err_set(err, VOUCH_EINPUT, "recipe: 'outputs' is empty");
	if (n > VOUCH_RECIPE_MAX_OUTPUTS)
		return vouch_err_set(err, VOUCH_ELIMIT, "recipe: more than %d outputs",
		    VOUCH_RECIPE_MAX_OUTPUTS);
	if ((r->outputs = calloc(n, sizeof(*r->outputs))) == NULL)
		return vouch_err_set(err, VOUCH_ENOMEM, "out of memory");
	cJSON_ArrayForEach(m, o) {
		if (!cJSON_IsString(m) || vouch_recipe_output_ok(m->valuestring) != 0)
			return vouch_err_set(err, VOUCH_EINPUT, "recipe: 'outputs[%zu]' must be a "
			    "relative path or glob under /out without '.' or '..'", r->n_outputs);
		if ((r->outputs[r->n_outputs] = vouch_strdup(m->valuestring, err)) == NULL)
			return VOUCH_ENOMEM;
		r->n_outputs++;
	}
	return VOUCH_OK;
}

static int
parse_limit(const cJSON *l, const char *key, uint64_t min, uint64_t max, uint64_t *out,
            vouch_err *err)
{
	long long v;
	char what[64];

	if (vouch_json_get(l, key) == NULL)
		return VOUCH_OK;
	snprintf(what, sizeof(what), "limits.%s", key);
	if (vouch_json_get_int(l, key, (long long)min, (long long)max, &v, NULL) != VOUCH_OK)
		return vouch_err_set(err, VOUCH_EINPUT, "recipe: '%s' must be an integer in "
		    "[%llu, %llu]", what, (unsigned long long)min, (unsigned long long)max);
	*out = (uint64_t)v;
	return VOUCH_OK;
}

static int
parse_limits(const cJSON *root, vouch_recipe *r, vouch_err *err)
{
	static const char *const keys[] = { "timeoutSeconds", "memoryBytes", "maxProcesses",
		"outputBytes", "diskBytes", "openFiles", NULL };
	const cJSON *l = vouch_json_get(root, "limits");
	vouch_recipe_limits *x = &r->limits;
	int rc;

	vouch_recipe_limits_default(x);
	if (l == NULL)
		return VOUCH_OK;
	if (!cJSON_IsObject(l))
		return vouch_err_set(err, VOUCH_EINPUT, "recipe: 'limits' must be an object");
	if ((rc = check_members(l, "limits", keys, err)) != VOUCH_OK ||
	    (rc = parse_limit(l, "timeoutSeconds", 1, 7 * 24 * 3600, &x->timeout_seconds,
	        err)) != VOUCH_OK ||
	    (rc = parse_limit(l, "memoryBytes", 16 << 20, 1024 * GiB, &x->memory_bytes,
	        err)) != VOUCH_OK ||
	    (rc = parse_limit(l, "maxProcesses", 8, 1 << 20, &x->max_processes, err)) != VOUCH_OK ||
	    (rc = parse_limit(l, "outputBytes", 1 << 16, 1024 * GiB, &x->output_bytes,
	        err)) != VOUCH_OK ||
	    (rc = parse_limit(l, "diskBytes", 1 << 20, 1024 * GiB, &x->disk_bytes,
	        err)) != VOUCH_OK ||
	    (rc = parse_limit(l, "openFiles", 16, 1 << 20, &x->open_files, err)) != VOUCH_OK)
		return rc;
	return VOUCH_OK;
}

/* "clock": "sourceDateEpoch" or {"startsAt": <epoch>}.  With a fixed
 * clock the preload that fixes it owns LD_PRELOAD and FAKETIME*. */
static int
parse_clock(const cJSON *root, vouch_recipe *r, vouch_err *err)
{
	static const char *const keys[] = { "startsAt", NULL };
	const cJSON *c = vouch_json_get(root, "clock");
	int rc;

	if (c == NULL)
		return VOUCH_OK;
	if (cJSON_IsString(c)) {
		if (strcmp(c->valuestring, "sourceDateEpoch") != 0)
			return vouch_err_set(err, VOUCH_EINPUT, "recipe: unknown clock '%s' "
			    "(\"sourceDateEpoch\" or {\"startsAt\": <epoch>})", c->valuestring);
		r->clock_epoch = r->source_date_epoch;
		r->clock_from_sde = 1;
	} else if (cJSON_IsObject(c)) {
		if ((rc = check_members(c, "clock", keys, err)) != VOUCH_OK)
			return rc;
		if (vouch_json_get(c, "startsAt") == NULL)
			return vouch_err_set(err, VOUCH_EINPUT, "recipe: missing 'clock.startsAt'");
		if (vouch_json_get_int(c, "startsAt", 0, 253402300799LL, &r->clock_epoch,
		    NULL) != VOUCH_OK)
			return vouch_err_set(err, VOUCH_EINPUT, "recipe: 'clock.startsAt' must be an "
			    "integer in [0, 253402300799]");
	} else {
		return vouch_err_set(err, VOUCH_EINPUT, "recipe: 'clock' must be "
		    "\"sourceDateEpoch\" or an object");
	}
	r->has_clock = 1;
	for (size_t i = 0; i < r->n_env; i++)
		if (strncmp(r->env[i], "LD_PRELOAD=", 11) == 0 ||
		    strncmp(r->env[i], "FAKETIME", 8) == 0 ||
		    strncmp(r->env[i], "NO_FAKE_STAT=", 13) == 0 ||
		    strncmp(r->env[i], "FAKE_UTIME=", 11) == 0)
			return vouch_err_set(err, VOUCH_EINPUT, "recipe: 'env.%.*s' is set by the "
			    "fixed clock and may not be given with 'clock'",
			    (int)strcspn(r->env[i], "="), r->env[i]);
	return VOUCH_OK;
}

static int
parse_head(const cJSON *root, vouch_recipe *r, vouch_err *err)
{
	static const char *const keys[] = { "vouchRecipe", "name", "version", "source",
		"environment", "sourceDateEpoch", "workdir", "env", "steps", "outputs",
		"limits", "clock", NULL };
	const char *name, *version, *workdir;
	long long v;
	int rc;

	if (!cJSON_IsObject(root))
		return vouch_err_set(err, VOUCH_EINPUT, "recipe: not a JSON object");
	if ((rc = check_members(root, "", keys, err)) != VOUCH_OK)
		return rc;
	if (vouch_json_get(root, "vouchRecipe") == NULL)
		return vouch_err_set(err, VOUCH_EINPUT, "recipe: missing 'vouchRecipe'");
	if (vouch_json_get_int(root, "vouchRecipe", 1, 1, &v, NULL) != VOUCH_OK)
		return vouch_err_set(err, VOUCH_EINPUT, "recipe: unsupported 'vouchRecipe' "
		    "version (this vouch reads 1)");
	if ((rc = get_required_string(root, "name", "", &name, err)) != VOUCH_OK ||
	    (rc = get_required_string(root, "version", "", &version, err)) != VOUCH_OK ||
	    (rc = get_required_string(root, "workdir", "", &workdir, err)) != VOUCH_OK)
		return rc;
	if (!name_ok(name))
		return vouch_err_set(err, VOUCH_EINPUT, "recipe: bad 'name' (1-64 of [A-Za-z0-9._+-],"
		    " starting with a letter or digit)");
	if (!name_ok(version))
		return vouch_err_set(err, VOUCH_EINPUT, "recipe: bad 'version' (1-64 of "
		    "[A-Za-z0-9._+-], starting with a letter or digit)");
	if (!workdir_ok(workdir))
		return vouch_err_set(err, VOUCH_EINPUT, "recipe: 'workdir' must be an absolute "
		    "path below /build/ with components of [A-Za-z0-9._+-]");
	if (vouch_json_get(root, "sourceDateEpoch") == NULL)
		return vouch_err_set(err, VOUCH_EINPUT, "recipe: missing 'sourceDateEpoch'");
	if (vouch_json_get_int(root, "sourceDateEpoch", 0, 253402300799LL,
	    &r->source_date_epoch, NULL) != VOUCH_OK)
		return vouch_err_set(err, VOUCH_EINPUT, "recipe: 'sourceDateEpoch' must be an "
		    "integer in [0, 253402300799]");
	if ((r->name = vouch_strdup(name, err)) == NULL || (r->version = vouch_strdup(version, err)) == NULL ||
	    (r->workdir = vouch_strdup(workdir, err)) == NULL)
		return VOUCH_ENOMEM;
	return VOUCH_OK;
}

int
vouch_recipe_parse(const char *data, size_t len, vouch_recipe **out, vouch_err *err)
{
	cJSON *root = NULL;
	vouch_recipe *r = NULL;
	void *mem;
	int rc;

	*out = NULL;
	if ((rc = vouch_doc_begin("recipe", len, VOUCH_RECIPE_MAX_BYTES, sizeof(*r), &mem, err)) !=
	    VOUCH_OK)
		return rc;
	r = mem;
	if ((rc = vouch_json_parse(data, len, &root, err)) != VOUCH_OK) {
		vouch_err_prefix(err, "recipe");
		goto out;
	}
	if ((rc = parse_head(root, r, err)) != VOUCH_OK ||
	    (rc = parse_source(root, r, err)) != VOUCH_OK ||
	    (rc = parse_environment(root, r, err)) != VOUCH_OK ||
	    (rc = parse_env(root, r, err)) != VOUCH_OK ||
	    (rc = parse_steps(root, r, err)) != VOUCH_OK ||
	    (rc = parse_outputs(root, r, err)) != VOUCH_OK ||
	    (rc = parse_limits(root, r, err)) != VOUCH_OK ||
	    (rc = parse_clock(root, r, err)) != VOUCH_OK ||
	    (rc = vouch_sha256(data, len, r->digest, err)) != VOUCH_OK)
		goto out;
	*out = r;
	r = NULL;
out:
	cJSON_Delete(root);
	vouch_recipe_free(r);
	return rc;
}

static int
load_parse(const char *data, size_t len, void *out, vouch_err *err)
{
	return vouch_recipe_parse(data, len, out, err);
}

int
vouch_recipe_load(const char *path, vouch_recipe **out, vouch_err *err)
{
	*out = NULL;
	return vouch_doc_load(path, VOUCH_RECIPE_MAX_BYTES, "", load_parse, out, err);
}
