/* campaign.c - the campaign file: parsing, and the helpers the runner and
 * the item worker share (spawning tools, digests, folders). */
#include "config.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <cjson/cJSON.h>

#include "vouch/digest.h"
#include "vouch/file.h"
#include "vouch/json.h"
#include "vouch/unpack.h"
#include "campaign_int.h"

extern char **environ;

static const char *const verdict_names[CAMPAIGN_NVERDICTS] = {
	"reproduced", "equivalent", "failed", "build-error", "timeout", "missing-source",
	"bad-signature"
};

const char *
vouch_campaign_verdict_name(unsigned i)
{
	return i < CAMPAIGN_NVERDICTS ? verdict_names[i] : NULL;
}

int
campaign_verdict_index(const char *name)
{
	for (unsigned i = 0; name != NULL && i < CAMPAIGN_NVERDICTS; i++)
		if (strcmp(name, verdict_names[i]) == 0)
			return (int)i;
	return -1;
}

static int
id_ok(const char *s)
{
	size_t n = strlen(s);

	if (n == 0 || n > 128 || strcmp(s, ".") == 0 || strcmp(s, "..") == 0)
		return 0;
	for (; *s; s++)
		if (!((*s >= 'A' && *s <= 'Z') || (*s >= 'a' && *s <= 'z') ||
		    (*s >= '0' && *s <= '9') || *s == '.' || *s == '_' || *s == '+' || *s == '-'))
			return 0;
	return 1;
}

/* A path member: absolute, or joined to basedir. */
static int
get_path(const cJSON *o, const char *key, const char *basedir, int required, const char *what,
    char **out, vouch_err *err)
{
	const cJSON *m = vouch_json_get(o, key);
	vouch_buf b;

	*out = NULL;
	if (m == NULL)
		return required ? vouch_err_set(err, VOUCH_EINPUT, "%s: '%s' is missing", what, key)
				: VOUCH_OK;
	if (!cJSON_IsString(m) || m->valuestring[0] == '\0' || strlen(m->valuestring) > PATH_MAX)
		return vouch_err_set(err, VOUCH_EINPUT, "%s: '%s' must be a non-empty path", what, key);
	vouch_buf_init(&b, PATH_MAX + 1);
	if (m->valuestring[0] != '/' && basedir != NULL &&
	    vouch_buf_appendf(&b, err, "%s/", basedir) != VOUCH_OK)
		goto fail;
	if (vouch_buf_append_str(&b, m->valuestring, err) != VOUCH_OK ||
	    (*out = vouch_strdup(vouch_buf_cstr(&b), err)) == NULL)
		goto fail;
	vouch_buf_free(&b);
	return VOUCH_OK;
fail:
	vouch_buf_free(&b);
	return vouch_err_set(err, VOUCH_ELIMIT, "%s: '%s' is too long", what, key);
}

static int
get_str(const cJSON *o, const char *key, int required, const char *what, char **out,
    vouch_err *err)
{
	const cJSON *m = vouch_json_get(o, key);

	*out = NULL;
	if (m == NULL)
		return required ? vouch_err_set(err, VOUCH_EINPUT, "%s: '%s' is missing", what, key)
				: VOUCH_OK;
	if (!cJSON_IsString(m) || m->valuestring[0] == '\0' || strlen(m->valuestring) > 4096 ||
	    strchr(m->valuestring, '\n') != NULL)
		return vouch_err_set(err, VOUCH_EINPUT, "%s: '%s' must be a non-empty one-line string",
		    what, key);
	return (*out = vouch_strdup(m->valuestring, err)) == NULL ? VOUCH_ENOMEM : VOUCH_OK;
}

static int
get_uint(const cJSON *o, const char *key, unsigned max, unsigned dflt, const char *what,
    unsigned *out, vouch_err *err)
{
	long long v;
	int rc;

	*out = dflt;
	if (vouch_json_get(o, key) == NULL)
		return VOUCH_OK;
	if ((rc = vouch_json_get_int(o, key, 0, max, &v, err)) != VOUCH_OK) {
		vouch_err_prefix(err, "%s", what);
		return rc;
	}
	*out = (unsigned)v;
	return VOUCH_OK;
}

static int
parse_item(vouch_campaign *c, const cJSON *o, size_t idx, struct campaign_item *it,
    vouch_err *err)
{
	static const char *const allowed[] = { "id", "name", "version", "recipe", "source",
		"environment", "artifacts", "buildinfo", "shipped", "signature", "signer",
		"normalize", "retries", NULL };
	static const char *const art_allowed[] = { "shipped", "output", NULL };
	const cJSON *arts, *a;
	char what[64];
	unsigned r;
	int rc;

	it->retries = -1;
	snprintf(what, sizeof what, "items[%zu]", idx);
	if (!cJSON_IsObject(o))
		return vouch_err_set(err, VOUCH_EINPUT, "%s: not an object", what);
	if ((rc = vouch_json_only_members(o, what, allowed, err)) != VOUCH_OK ||
	    (rc = get_str(o, "id", 1, what, &it->id, err)) != VOUCH_OK)
		return rc;
	if (!id_ok(it->id))
		return vouch_err_set(err, VOUCH_EINPUT, "%s: id '%s' is not [A-Za-z0-9._+-]+ (at most 128)",
		    what, it->id);
	if ((rc = get_str(o, "name", 0, what, &it->name, err)) != VOUCH_OK ||
	    (rc = get_str(o, "version", 0, what, &it->version, err)) != VOUCH_OK ||
	    (rc = get_path(o, "recipe", c->basedir, 0, what, &it->recipe, err)) != VOUCH_OK ||
	    (rc = get_path(o, "source", c->basedir, 0, what, &it->source, err)) != VOUCH_OK ||
	    (rc = get_path(o, "environment", c->basedir, 0, what, &it->environment, err)) != VOUCH_OK ||
	    (rc = get_path(o, "buildinfo", c->basedir, 0, what, &it->buildinfo, err)) != VOUCH_OK ||
	    (rc = get_path(o, "shipped", c->basedir, 0, what, &it->shipped_dir, err)) != VOUCH_OK ||
	    (rc = get_path(o, "signature", c->basedir, 0, what, &it->signature, err)) != VOUCH_OK ||
	    (rc = get_path(o, "signer", c->basedir, 0, what, &it->signer, err)) != VOUCH_OK ||
	    (rc = get_str(o, "normalize", 0, what, &it->normalize, err)) != VOUCH_OK)
		return rc;
	if (vouch_json_get(o, "retries") != NULL) {
		if ((rc = get_uint(o, "retries", VOUCH_CAMPAIGN_MAX_RETRIES, 0, what, &r, err)) != VOUCH_OK)
			return rc;
		it->retries = (int)r;
	}
	if ((it->recipe == NULL) == (it->buildinfo == NULL))
		return vouch_err_set(err, VOUCH_EINPUT, "%s: needs exactly one of 'recipe' and 'buildinfo'",
		    what);
	if ((it->signature == NULL) != (it->signer == NULL))
		return vouch_err_set(err, VOUCH_EINPUT, "%s: 'signature' and 'signer' go together", what);
	if (it->buildinfo != NULL) {
		if (it->shipped_dir == NULL || vouch_json_get(o, "artifacts") != NULL ||
		    it->source != NULL || it->environment != NULL)
			return vouch_err_set(err, VOUCH_EINPUT,
			    "%s: a 'buildinfo' item takes 'shipped' (a folder of .debs), no 'artifacts', 'source' or 'environment'",
			    what);
		return VOUCH_OK;
	}
	if (it->shipped_dir != NULL)
		return vouch_err_set(err, VOUCH_EINPUT, "%s: 'shipped' is for 'buildinfo' items ('artifacts' for recipes)",
		    what);
	arts = vouch_json_get_array(o, "artifacts");
	if (arts == NULL || cJSON_GetArraySize(arts) < 1 ||
	    (size_t)cJSON_GetArraySize(arts) > VOUCH_CAMPAIGN_MAX_ARTIFACTS)
		return vouch_err_set(err, VOUCH_EINPUT, "%s: 'artifacts' must be an array of 1 to %u",
		    what, VOUCH_CAMPAIGN_MAX_ARTIFACTS);
	it->arts = calloc((size_t)cJSON_GetArraySize(arts), sizeof *it->arts);
	if (it->arts == NULL)
		return vouch_err_set(err, VOUCH_ENOMEM, "out of memory");
	cJSON_ArrayForEach(a, arts) {
		struct campaign_artifact *x = &it->arts[it->narts++];

		if (!cJSON_IsObject(a))
			return vouch_err_set(err, VOUCH_EINPUT, "%s: an artifact is not an object", what);
		if ((rc = vouch_json_only_members(a, what, art_allowed, err)) != VOUCH_OK ||
		    (rc = get_path(a, "shipped", c->basedir, 1, what, &x->shipped, err)) != VOUCH_OK ||
		    (rc = get_str(a, "output", 1, what, &x->output, err)) != VOUCH_OK)
			return rc;
		if (x->output[0] == '/' || strstr(x->output, "..") != NULL)
			return vouch_err_set(err, VOUCH_EINPUT, "%s: output '%s' must be a relative path without '..'",
			    what, x->output);
	}
	return VOUCH_OK;
}

static int
parse_root(vouch_campaign *c, const cJSON *root, vouch_err *err)
{
	static const char *const allowed[] = { "vouchCampaign", "name", "lab", "log", "executor",
		"output", "retries", "normalize", "debian", "items", NULL };
	static const char *const lab_allowed[] = { "name", "key", NULL };
	static const char *const log_allowed[] = { "url", "verifier", NULL };
	static const char *const ex_allowed[] = { "type", "workers", "partition", "maxParallel",
		"sbatchArgs", NULL };
	static const char *const deb_allowed[] = { "mirror", "suite", "cache", NULL };
	const cJSON *lab, *log, *ex, *deb, *items, *it, *a;
	long long ver;
	int rc;

	if (!cJSON_IsObject(root))
		return vouch_err_set(err, VOUCH_EINPUT, "campaign: not a JSON object");
	if ((rc = vouch_json_only_members(root, "campaign", allowed, err)) != VOUCH_OK)
		return rc;
	if ((rc = vouch_json_get_int(root, "vouchCampaign", 1, 1, &ver, err)) != VOUCH_OK) {
		vouch_err_prefix(err, "campaign: 'vouchCampaign' (1)");
		return rc;
	}
	if ((rc = get_str(root, "name", 1, "campaign", &c->name, err)) != VOUCH_OK)
		return rc;
	if (!id_ok(c->name))
		return vouch_err_set(err, VOUCH_EINPUT, "campaign: name '%s' is not [A-Za-z0-9._+-]+", c->name);
	lab = vouch_json_get_object(root, "lab");
	log = vouch_json_get_object(root, "log");
	if (lab == NULL || log == NULL)
		return vouch_err_set(err, VOUCH_EINPUT, "campaign: 'lab' and 'log' objects are required");
	if ((rc = vouch_json_only_members(lab, "lab", lab_allowed, err)) != VOUCH_OK ||
	    (rc = get_str(lab, "name", 1, "lab", &c->lab_name, err)) != VOUCH_OK ||
	    (rc = get_path(lab, "key", c->basedir, 1, "lab", &c->lab_key, err)) != VOUCH_OK ||
	    (rc = vouch_json_only_members(log, "log", log_allowed, err)) != VOUCH_OK ||
	    (rc = get_str(log, "url", 1, "log", &c->log_url, err)) != VOUCH_OK ||
	    (rc = get_str(log, "verifier", 0, "log", &c->log_verifier, err)) != VOUCH_OK ||
	    (rc = get_path(root, "output", c->basedir, 0, "campaign", &c->output, err)) != VOUCH_OK ||
	    (rc = get_uint(root, "retries", VOUCH_CAMPAIGN_MAX_RETRIES, 1, "campaign", &c->retries,
		 err)) != VOUCH_OK ||
	    (rc = get_str(root, "normalize", 0, "campaign", &c->normalize, err)) != VOUCH_OK)
		return rc;
	c->workers = 1;
	ex = vouch_json_get(root, "executor");
	if (ex != NULL) {
		if (!cJSON_IsObject(ex))
			return vouch_err_set(err, VOUCH_EINPUT, "campaign: 'executor' must be an object");
		if ((rc = vouch_json_only_members(ex, "executor", ex_allowed, err)) != VOUCH_OK ||
		    (rc = get_str(ex, "type", 1, "executor", &c->executor, err)) != VOUCH_OK ||
		    (rc = get_uint(ex, "workers", VOUCH_CAMPAIGN_MAX_WORKERS, 1, "executor", &c->workers,
			 err)) != VOUCH_OK ||
		    (rc = get_uint(ex, "maxParallel", 100000, 0, "executor", &c->max_parallel, err)) != VOUCH_OK ||
		    (rc = get_str(ex, "partition", 0, "executor", &c->partition, err)) != VOUCH_OK)
			return rc;
		if (strcmp(c->executor, "local") != 0 && strcmp(c->executor, "slurm") != 0)
			return vouch_err_set(err, VOUCH_EINPUT, "executor: unknown type '%s' (local or slurm)",
			    c->executor);
		if (c->workers == 0)
			return vouch_err_set(err, VOUCH_EINPUT, "executor: 'workers' must be at least 1");
		if ((a = vouch_json_get(ex, "sbatchArgs")) != NULL) {
			const cJSON *s;

			if (!cJSON_IsArray(a) || cJSON_GetArraySize(a) > 64)
				return vouch_err_set(err, VOUCH_EINPUT, "executor: 'sbatchArgs' must be an array of at most 64 strings");
			c->sbatch_args = calloc((size_t)cJSON_GetArraySize(a) + 1, sizeof(char *));
			if (c->sbatch_args == NULL)
				return vouch_err_set(err, VOUCH_ENOMEM, "out of memory");
			cJSON_ArrayForEach(s, a) {
				if (!cJSON_IsString(s) || strlen(s->valuestring) > 4096)
					return vouch_err_set(err, VOUCH_EINPUT, "executor: 'sbatchArgs' must be strings");
				if ((c->sbatch_args[c->nsbatch++] = vouch_strdup(s->valuestring, err)) == NULL)
					return VOUCH_ENOMEM;
			}
		}
	} else if ((c->executor = vouch_strdup("local", err)) == NULL)
		return VOUCH_ENOMEM;
	if ((deb = vouch_json_get(root, "debian")) != NULL) {
		if (!cJSON_IsObject(deb))
			return vouch_err_set(err, VOUCH_EINPUT, "campaign: 'debian' must be an object");
		if ((rc = vouch_json_only_members(deb, "debian", deb_allowed, err)) != VOUCH_OK ||
		    (rc = get_str(deb, "mirror", 0, "debian", &c->deb_mirror, err)) != VOUCH_OK ||
		    (rc = get_str(deb, "suite", 0, "debian", &c->deb_suite, err)) != VOUCH_OK ||
		    (rc = get_path(deb, "cache", c->basedir, 0, "debian", &c->deb_cache, err)) != VOUCH_OK)
			return rc;
	}
	items = vouch_json_get_array(root, "items");
	if (items == NULL || cJSON_GetArraySize(items) < 1 ||
	    (size_t)cJSON_GetArraySize(items) > VOUCH_CAMPAIGN_MAX_ITEMS)
		return vouch_err_set(err, VOUCH_EINPUT, "campaign: 'items' must be an array of 1 to %u items",
		    VOUCH_CAMPAIGN_MAX_ITEMS);
	c->items = calloc((size_t)cJSON_GetArraySize(items), sizeof *c->items);
	if (c->items == NULL)
		return vouch_err_set(err, VOUCH_ENOMEM, "out of memory");
	cJSON_ArrayForEach(it, items) {
		size_t i = c->nitems++;

		if ((rc = parse_item(c, it, i, &c->items[i], err)) != VOUCH_OK)
			return rc;
		/* ids are unique (the list is bounded; a quadratic check of
		 * names is cheap next to one rebuild) */
		if (i < 20000)
			for (size_t j = 0; j < i; j++)
				if (strcmp(c->items[j].id, c->items[i].id) == 0)
					return vouch_err_set(err, VOUCH_EINPUT, "items[%zu]: id '%s' appears twice",
					    i, c->items[i].id);
	}
	return VOUCH_OK;
}

int
vouch_campaign_parse(const char *data, size_t len, const char *basedir, vouch_campaign **out,
    vouch_err *err)
{
	vouch_campaign *c;
	cJSON *root = NULL;
	int rc;

	*out = NULL;
	if (len > VOUCH_CAMPAIGN_MAX_BYTES)
		return vouch_err_set(err, VOUCH_ELIMIT, "campaign: larger than %u bytes",
		    VOUCH_CAMPAIGN_MAX_BYTES);
	if ((c = calloc(1, sizeof *c)) == NULL)
		return vouch_err_set(err, VOUCH_ENOMEM, "out of memory");
	if (basedir != NULL && (c->basedir = vouch_strdup(basedir, err)) == NULL) {
		free(c);
		return VOUCH_ENOMEM;
	}
	if ((rc = vouch_json_parse(data, len, &root, err)) == VOUCH_OK)
		rc = parse_root(c, root, err);
	cJSON_Delete(root);
	if (rc != VOUCH_OK) {
		vouch_campaign_free(c);
		return rc;
	}
	*out = c;
	return VOUCH_OK;
}

int
vouch_campaign_load(const char *path, vouch_campaign **out, vouch_err *err)
{
	char *real, *slash, q[200];
	vouch_buf b;
	int rc;

	*out = NULL;
	vouch_quote(path, strlen(path), q, sizeof(q));
	if ((real = realpath(path, NULL)) == NULL)
		return vouch_err_sys(err, VOUCH_EINPUT, "cannot read '%s'", q);
	vouch_buf_init(&b, VOUCH_CAMPAIGN_MAX_BYTES);
	if ((rc = vouch_read_file(real, VOUCH_CAMPAIGN_MAX_BYTES, &b, err)) != VOUCH_OK) {
		free(real);
		vouch_buf_free(&b);
		return rc;
	}
	slash = strrchr(real, '/');
	*slash = '\0';
	rc = vouch_campaign_parse((const char *)b.data, b.len, real[0] ? real : "/", out, err);
	*slash = '/';
	vouch_buf_free(&b);
	if (rc != VOUCH_OK) {
		vouch_err_prefix(err, "'%s'", q);
		free(real);
		return rc;
	}
	(*out)->path = real;
	return VOUCH_OK;
}

void
vouch_campaign_free(vouch_campaign *c)
{
	if (c == NULL)
		return;
	for (size_t i = 0; i < c->nitems; i++) {
		struct campaign_item *it = &c->items[i];

		for (size_t j = 0; j < it->narts; j++) {
			free(it->arts[j].shipped);
			free(it->arts[j].output);
		}
		free(it->arts);
		free(it->id); free(it->name); free(it->version); free(it->recipe);
		free(it->source); free(it->environment); free(it->buildinfo);
		free(it->shipped_dir); free(it->signature); free(it->signer); free(it->normalize);
	}
	free(c->items);
	for (size_t i = 0; i < c->nsbatch; i++)
		free(c->sbatch_args[i]);
	free(c->sbatch_args);
	free(c->path); free(c->basedir); free(c->name); free(c->lab_name); free(c->lab_key);
	free(c->log_url); free(c->log_verifier); free(c->output); free(c->executor);
	free(c->partition); free(c->deb_mirror); free(c->deb_suite); free(c->deb_cache);
	free(c->normalize);
	free(c);
}

const char *vouch_campaign_name(const vouch_campaign *c) { return c->name; }
size_t vouch_campaign_count(const vouch_campaign *c) { return c->nitems; }

const char *
vouch_campaign_item_id(const vouch_campaign *c, size_t i)
{
	return i < c->nitems ? c->items[i].id : NULL;
}

long
vouch_campaign_find(const vouch_campaign *c, const char *id)
{
	for (size_t i = 0; i < c->nitems; i++)
		if (strcmp(c->items[i].id, id) == 0)
			return (long)i;
	return -1;
}

/* ---- helpers ---- */

int
campaign_spawn(const char *const *argv, const char *out, const char *errf, pid_t *pid,
    vouch_err *err)
{
	posix_spawn_file_actions_t fa;
	int rc;

	if (posix_spawn_file_actions_init(&fa) != 0)
		return vouch_err_set(err, VOUCH_ENOMEM, "out of memory");
	rc = posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0);
	if (rc == 0)
		rc = posix_spawn_file_actions_addopen(&fa, 1, out ? out : "/dev/null",
		    O_WRONLY | O_CREAT | O_TRUNC, 0644);
	if (rc == 0 && errf != NULL && out != NULL && strcmp(errf, out) == 0)
		rc = posix_spawn_file_actions_adddup2(&fa, 1, 2);
	else if (rc == 0)
		rc = posix_spawn_file_actions_addopen(&fa, 2, errf ? errf : "/dev/null",
		    O_WRONLY | O_CREAT | O_APPEND, 0644);
	if (rc == 0)
		rc = strchr(argv[0], '/') ? posix_spawn(pid, argv[0], &fa, NULL, (char *const *)argv, environ)
					  : posix_spawnp(pid, argv[0], &fa, NULL, (char *const *)argv, environ);
	posix_spawn_file_actions_destroy(&fa);
	if (rc != 0) {
		errno = rc;
		return vouch_err_sys(err, VOUCH_EIO, "cannot run '%s'", argv[0]);
	}
	return VOUCH_OK;
}

int
campaign_run_wait(const char *const *argv, const char *out, const char *errf, int *status,
    vouch_err *err)
{
	pid_t pid;
	int st, rc;

	if ((rc = campaign_spawn(argv, out, errf, &pid, err)) != VOUCH_OK)
		return rc;
	while (waitpid(pid, &st, 0) < 0)
		if (errno != EINTR)
			return vouch_err_sys(err, VOUCH_EIO, "waiting for '%s'", argv[0]);
	*status = WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
	return VOUCH_OK;
}

int
campaign_tool(const vouch_campaign_opts *o, const char *name, vouch_buf *b, vouch_err *err)
{
	vouch_buf_reset(b);
	if (o != NULL && o->tooldir != NULL)
		return vouch_buf_appendf(b, err, "%s/vouch-%s", o->tooldir, name);
	return vouch_buf_appendf(b, err, "vouch-%s", name);
}

const char *
campaign_outdir(const vouch_campaign *c, const vouch_campaign_opts *o)
{
	if (o != NULL && o->outdir != NULL)
		return o->outdir;
	return c->output;
}

int
campaign_file_sha256(const char *path, char hex[65], vouch_err *err)
{
	vouch_digests d;
	const uint8_t *h;
	struct stat st;

	if (path == NULL || stat(path, &st) != 0) {
		memcpy(hex, "missing", 8);
		return VOUCH_OK;
	}
	if (vouch_digest_file(path, VOUCH_ALG_SHA256, &d, err) != VOUCH_OK)
		return err ? err->code : VOUCH_EIO;
	h = vouch_digests_get(&d, VOUCH_ALG_SHA256);
	for (int i = 0; i < 32; i++)
		snprintf(hex + 2 * i, 3, "%02x", h[i]);
	return VOUCH_OK;
}

static int
cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* name + sha256 of every regular file of dir, sorted by name. */
static int
digest_dir(vouch_buf *b, const char *dir, vouch_err *err)
{
	char **names = NULL, hex[65];
	size_t n = 0, cap = 0;
	struct dirent *e;
	DIR *d;
	int rc = VOUCH_OK;

	if ((d = opendir(dir)) == NULL)
		return vouch_buf_appendf(b, err, "shipped missing\n");
	while ((e = readdir(d)) != NULL && rc == VOUCH_OK) {
		if (e->d_name[0] == '.')
			continue;
		if (n == cap) {
			char **nn = realloc(names, (cap = cap ? 2 * cap : 16) * sizeof *names);
			if (nn == NULL) { rc = vouch_err_set(err, VOUCH_ENOMEM, "out of memory"); break; }
			names = nn;
		}
		if ((names[n] = vouch_strdup(e->d_name, err)) == NULL) rc = VOUCH_ENOMEM; else n++;
	}
	closedir(d);
	if (n > 0)
		qsort(names, n, sizeof *names, cmp_str);
	for (size_t i = 0; i < n && rc == VOUCH_OK; i++) {
		vouch_buf p;

		vouch_buf_init(&p, 0);
		if ((rc = vouch_buf_appendf(&p, err, "%s/%s", dir, names[i])) == VOUCH_OK &&
		    (rc = campaign_file_sha256(vouch_buf_cstr(&p), hex, err)) == VOUCH_OK)
			rc = vouch_buf_appendf(b, err, "shipped %s %s\n", names[i], hex);
		vouch_buf_free(&p);
	}
	for (size_t i = 0; i < n; i++)
		free(names[i]);
	free(names);
	return rc;
}

int
campaign_inputs_digest(const vouch_campaign *c, size_t i, char hex[65], vouch_err *err)
{
	const struct campaign_item *it = &c->items[i];
	const char *files[6][2] = {
		{ "recipe", it->recipe }, { "source", it->source },
		{ "environment", it->environment }, { "buildinfo", it->buildinfo },
		{ "signature", it->signature }, { "signer", it->signer }
	};
	uint8_t md[32];
	char h[65];
	vouch_buf b;
	int rc;

	vouch_buf_init(&b, 0);
	rc = vouch_buf_appendf(&b, err, "vouch-campaign-inputs 1\nid %s\nlog %s\nnormalize %s\n",
	    it->id, c->log_url, it->normalize ? it->normalize : c->normalize ? c->normalize : "");
	for (size_t k = 0; k < 6 && rc == VOUCH_OK; k++) {
		if (files[k][1] == NULL)
			continue;
		if ((rc = campaign_file_sha256(files[k][1], h, err)) == VOUCH_OK)
			rc = vouch_buf_appendf(&b, err, "%s %s\n", files[k][0], h);
	}
	for (size_t k = 0; k < it->narts && rc == VOUCH_OK; k++)
		if ((rc = campaign_file_sha256(it->arts[k].shipped, h, err)) == VOUCH_OK)
			rc = vouch_buf_appendf(&b, err, "artifact %s %s\n", it->arts[k].output, h);
	if (rc == VOUCH_OK && it->shipped_dir != NULL)
		rc = digest_dir(&b, it->shipped_dir, err);
	if (rc == VOUCH_OK)
		rc = vouch_sha256(b.data, b.len, md, err);
	vouch_buf_free(&b);
	if (rc != VOUCH_OK)
		return rc;
	for (int k = 0; k < 32; k++)
		snprintf(hex + 2 * k, 3, "%02x", md[k]);
	return VOUCH_OK;
}

void
campaign_now(char out[32])
{
	time_t t = time(NULL);
	struct tm tm;

	gmtime_r(&t, &tm);
	if (strftime(out, 32, "%Y-%m-%dT%H:%M:%SZ", &tm) == 0)
		memcpy(out, "1970-01-01T00:00:00Z", 21);
}

int
campaign_mkdirs(const char *path, vouch_err *err)
{
	char buf[PATH_MAX];
	size_t n = strlen(path);

	if (n == 0 || n >= sizeof buf)
		return vouch_err_set(err, VOUCH_EINPUT, "bad folder name '%s'", path);
	memcpy(buf, path, n + 1);
	for (char *p = buf + 1; *p; p++) {
		if (*p != '/')
			continue;
		*p = '\0';
		if (mkdir(buf, 0755) != 0 && errno != EEXIST)
			return vouch_err_sys(err, VOUCH_EIO, "cannot create '%s'", buf);
		*p = '/';
	}
	if (mkdir(buf, 0755) != 0 && errno != EEXIST)
		return vouch_err_sys(err, VOUCH_EIO, "cannot create '%s'", buf);
	return VOUCH_OK;
}

int
campaign_rmtree(const char *path, vouch_err *err)
{
	return vouch_unpack_remove_tree(path, err);
}

int
campaign_attempt_dir(const struct campaign_item *it, const char *run, unsigned attempt,
    vouch_buf *b, vouch_err *err)
{
	vouch_buf_reset(b);
	return vouch_buf_appendf(b, err, "items/%s/%s-a%u", it->id, run, attempt);
}
