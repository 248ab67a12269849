/* buildinfo_recipe.c - the vouch-rebuild recipe that rebuilds what a
 * .buildinfo describes (see vouch/buildinfo.h). */
#include "config.h"

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "vouch/buf.h"
#include "vouch/buildinfo.h"
#include "vouch/codec.h"
#include "vouch/digest.h"
#include "vouch/json.h"
#include "vouch/recipe.h"

/* A recipe name or version: Debian's characters outside [A-Za-z0-9._+-]
 * (':' and '~') become '_' (the recipe's label only; the provenance has
 * the buildinfo's digest). */
static void
label(const char *in, char *out, size_t cap)
{
	size_t i;

	for (i = 0; in[i] != '\0' && i + 1 < cap && i < VOUCH_RECIPE_MAX_NAME; i++)
		out[i] = (strchr(":~", in[i]) != NULL) ? '_' : in[i];
	out[i] = '\0';
}

/* The source tree's directory and its parent, the working directory:
 * Build-Path when it lies below /build/, else /build/<source>/<source>. */
static int
paths(const vouch_buildinfo *b, char *workdir, size_t wcap, char *srcdir, size_t scap,
      vouch_err *err)
{
	const char *bp = b->build_path, *slash;

	if (bp != NULL && strncmp(bp, "/build/", 7) == 0 && (slash = strrchr(bp, '/')) > bp + 6) {
		if ((size_t)(slash - bp) >= wcap || strlen(slash + 1) >= scap)
			return vouch_err_set(err, VOUCH_ELIMIT, "buildinfo: 'Build-Path' too long");
		memcpy(workdir, bp, (size_t)(slash - bp));
		workdir[slash - bp] = '\0';
		snprintf(srcdir, scap, "%s", slash + 1);
		return VOUCH_OK;
	}
	if ((size_t)snprintf(workdir, wcap, "/build/%s", b->source) >= wcap ||
	    (size_t)snprintf(srcdir, scap, "%s", b->source) >= scap)
		return vouch_err_set(err, VOUCH_ELIMIT, "buildinfo: source name too long");
	return VOUCH_OK;
}

static int
add_str(cJSON *arr, const char *s, vouch_err *err)
{
	cJSON *v = cJSON_CreateString(s);

	if (v == NULL || !cJSON_AddItemToArray(arr, v)) {
		cJSON_Delete(v);
		return vouch_err_set(err, VOUCH_ENOMEM, "out of memory");
	}
	return VOUCH_OK;
}

static cJSON *
add_step(cJSON *steps, vouch_err *err)
{
	cJSON *s = cJSON_CreateArray();

	if (s == NULL || !cJSON_AddItemToArray(steps, s)) {
		cJSON_Delete(s);
		vouch_err_set(err, VOUCH_ENOMEM, "out of memory");
		return NULL;
	}
	return s;
}

/* dpkg-buildpackage's build type from the Architecture field. */
static const char *
build_type(const vouch_buildinfo *b, const char *host_arch)
{
	int all = vouch_buildinfo_has_arch(b, "all"), any = vouch_buildinfo_has_arch(b, host_arch);

	return all && any ? "--build=binary" : all ? "--build=all" : any ? "--build=any" : NULL;
}

/* With the clock fixed in the past (Build-Date, SOURCE_DATE_EPOCH), the
 * files dpkg-source writes (patched ones) carry the real time, which the
 * build's clock sees as the future: Meson stops on "clock skew", make may
 * loop.  Those newer than the clock's start are set back to it, with the
 * explicit time (libfaketime leaves explicit times alone). */
static int
add_clamp_step(cJSON *steps, const char *srcdir, long long start, vouch_err *err)
{
	char at[32];
	cJSON *s;

	snprintf(at, sizeof(at), "@%lld", start);
	if ((s = add_step(steps, err)) == NULL)
		return VOUCH_ENOMEM;
	return add_str(s, "find", err) || add_str(s, srcdir, err) ||
	    add_str(s, "-newermt", err) || add_str(s, at, err) || add_str(s, "-exec", err) ||
	    add_str(s, "touch", err) || add_str(s, "-h", err) || add_str(s, "-d", err) ||
	    add_str(s, at, err) || add_str(s, "{}", err) || add_str(s, "+", err)
	    ? VOUCH_ENOMEM : VOUCH_OK;
}

static int
add_steps(const vouch_buildinfo *b, const vouch_buildinfo_recipe_opts *o, const char *dsc,
          const char *srcdir, long long sde, cJSON *root, vouch_err *err)
{
	cJSON *steps = vouch_json_add_array(root, "steps", err), *s;
	const char *type = build_type(b, o->host_arch);
	char buf[VOUCH_BUILDINFO_MAX_VALUE + VOUCH_BUILDINFO_MAX_NAME + 2];
	int rc;

	if (type == NULL)
		return vouch_err_set(err, VOUCH_EINPUT, "buildinfo: 'Architecture' '%s' names "
		    "neither all nor %s (a build for another architecture)", b->architecture,
		    o->host_arch);
	if (steps == NULL || (s = add_step(steps, err)) == NULL)
		return VOUCH_ENOMEM;
	/* apt checked the files, the recipe pins them: no keyring needed here */
	if ((rc = add_str(s, "dpkg-source", err)) || (rc = add_str(s, "--no-check", err)) ||
	    (rc = add_str(s, "-x", err)) || (rc = add_str(s, dsc, err)) ||
	    (rc = add_str(s, srcdir, err)))
		return rc;
	/* a binNMU: its changelog entry on top of debian/changelog, as the
	 * builder (sbuild --make-binNMU) put it; passed as an argument, never
	 * as shell text */
	if (b->binary_only_changes != NULL) {
		if ((s = add_step(steps, err)) == NULL)
			return VOUCH_ENOMEM;
		if ((rc = add_str(s, "sh", err)) || (rc = add_str(s, "-c", err)) ||
		    (rc = add_str(s, "{ printf '%s\\n\\n' \"$2\"; cat \"$1/debian/changelog\"; } "
		        ">\"$1/debian/changelog.binnmu\" && "
		        "mv \"$1/debian/changelog.binnmu\" \"$1/debian/changelog\"", err)) ||
		    (rc = add_str(s, "sh", err)) || (rc = add_str(s, srcdir, err)) ||
		    (rc = add_str(s, b->binary_only_changes, err)))
			return rc;
	}
	if (o->clock != VOUCH_BUILDINFO_CLOCK_REAL &&
	    (rc = add_clamp_step(steps, srcdir, o->clock == VOUCH_BUILDINFO_CLOCK_BUILD_DATE
	        ? b->build_date_epoch : sde, err)) != VOUCH_OK)
		return rc;
	if ((s = add_step(steps, err)) == NULL)
		return VOUCH_ENOMEM;
	snprintf(buf, sizeof(buf), "--chdir=%s", srcdir);
	if ((rc = add_str(s, "env", err)) || (rc = add_str(s, buf, err)))
		return rc;
	/* the recorded environment, as the builder had it */
	for (size_t i = 0; i < b->n_env; i++) {
		if (strcmp(b->env[i].name, "SOURCE_DATE_EPOCH") == 0)
			continue;
		snprintf(buf, sizeof(buf), "%s=%s", b->env[i].name, b->env[i].value);
		if ((rc = add_str(s, buf, err)) != VOUCH_OK)
			return rc;
	}
	if ((rc = add_str(s, "dpkg-buildpackage", err)) || (rc = add_str(s, "--no-sign", err)) ||
	    (rc = add_str(s, type, err)))
		return rc;
	if ((s = add_step(steps, err)) == NULL)
		return VOUCH_ENOMEM;
	return add_str(s, "sh", err) || add_str(s, "-c", err) ||
	    add_str(s, "find . -maxdepth 1 -type f \\( -name '*.deb' -o -name '*.udeb' -o "
	        "-name '*.ddeb' -o -name '*.buildinfo' -o -name '*.changes' \\) "
	        "-exec cp -p {} /out/ \\;", err) ? VOUCH_ENOMEM : VOUCH_OK;
}

static int
add_sources(const vouch_buildinfo_recipe_opts *o, cJSON *root, const char **dsc,
            vouch_err *err)
{
	cJSON *src = vouch_json_add_object(root, "source", err), *files, *f, *d;
	vouch_digests dg;
	char hex[65];
	int fd, rc;

	*dsc = NULL;
	if (src == NULL || (files = vouch_json_add_array(src, "files", err)) == NULL)
		return VOUCH_ENOMEM;
	for (size_t i = 0; i < o->n_files; i++) {
		const char *p = o->files[i], *base = strrchr(p, '/');
		size_t n;

		base = base != NULL ? base + 1 : p;
		n = strlen(base);
		if (n > 4 && strcmp(base + n - 4, ".dsc") == 0) {
			if (*dsc != NULL)
				return vouch_err_set(err, VOUCH_EUSAGE, "two .dsc files: '%s' and '%s'",
				    *dsc, base);
			*dsc = base;
		}
		if ((fd = open(p, O_RDONLY | O_CLOEXEC)) < 0)
			return vouch_err_sys(err, VOUCH_EINPUT, "source file '%s'", p);
		rc = vouch_digest_fd(fd, p, VOUCH_ALG_SHA256, &dg, err);
		close(fd);
		if (rc != VOUCH_OK)
			return rc;
		if ((f = cJSON_CreateObject()) == NULL || !cJSON_AddItemToArray(files, f)) {
			cJSON_Delete(f);
			return vouch_err_set(err, VOUCH_ENOMEM, "out of memory");
		}
		if (vouch_json_add_string(f, "path", p, err) == NULL ||
		    (d = vouch_json_add_object(f, "digest", err)) == NULL ||
		    vouch_json_add_string(d, "sha256", vouch_hex_encode(
		        vouch_digests_get(&dg, VOUCH_ALG_SHA256), 32, hex), err) == NULL)
			return VOUCH_ENOMEM;
	}
	if (*dsc == NULL)
		return vouch_err_set(err, VOUCH_EUSAGE, "no .dsc among the source files");
	return VOUCH_OK;
}

static int
add_head(const vouch_buildinfo *b, const vouch_buildinfo_recipe_opts *o, cJSON *root,
         long long sde, const char *workdir, vouch_err *err)
{
	char name[VOUCH_RECIPE_MAX_NAME + 1], ver[VOUCH_RECIPE_MAX_NAME + 1], hex[65];
	cJSON *env, *d, *lim;

	label(b->source, name, sizeof(name));
	label(b->version, ver, sizeof(ver));
	if (cJSON_AddNumberToObject(root, "vouchRecipe", 1) == NULL ||
	    vouch_json_add_string(root, "name", name, err) == NULL ||
	    vouch_json_add_string(root, "version", ver, err) == NULL ||
	    (env = vouch_json_add_object(root, "environment", err)) == NULL ||
	    vouch_json_add_string(env, "rootfs", o->rootfs, err) == NULL ||
	    (d = vouch_json_add_object(env, "digest", err)) == NULL ||
	    vouch_json_add_string(d, VOUCH_TREE_DIGEST_KEY, vouch_hex_encode(o->rootfs_tree, 32,
	        hex), err) == NULL ||
	    cJSON_AddNumberToObject(root, "sourceDateEpoch", (double)sde) == NULL ||
	    vouch_json_add_string(root, "workdir", workdir, err) == NULL ||
	    (lim = vouch_json_add_object(root, "limits", err)) == NULL ||
	    cJSON_AddNumberToObject(lim, "timeoutSeconds", 4 * 3600) == NULL ||
	    cJSON_AddNumberToObject(lim, "maxProcesses", 4096) == NULL ||
	    cJSON_AddNumberToObject(lim, "outputBytes", (double)((uint64_t)4 << 30)) == NULL ||
	    cJSON_AddNumberToObject(lim, "diskBytes", (double)((uint64_t)16 << 30)) == NULL ||
	    cJSON_AddNumberToObject(lim, "openFiles", 65536) == NULL)
		return vouch_err_set(err, VOUCH_ENOMEM, "out of memory");
	if (o->clock == VOUCH_BUILDINFO_CLOCK_BUILD_DATE) {
		if (!b->has_build_date)
			return vouch_err_set(err, VOUCH_EINPUT, "buildinfo: no 'Build-Date' to fix "
			    "the clock to (choose another clock)");
		if ((d = vouch_json_add_object(root, "clock", err)) == NULL ||
		    cJSON_AddNumberToObject(d, "startsAt", (double)b->build_date_epoch) == NULL)
			return vouch_err_set(err, VOUCH_ENOMEM, "out of memory");
	} else if (o->clock == VOUCH_BUILDINFO_CLOCK_SDE &&
	    vouch_json_add_string(root, "clock", "sourceDateEpoch", err) == NULL) {
		return VOUCH_ENOMEM;
	}
	return VOUCH_OK;
}

static int
source_date_epoch(const vouch_buildinfo *b, long long *out, vouch_err *err)
{
	const char *s = vouch_buildinfo_getenv(b, "SOURCE_DATE_EPOCH");
	char *end;

	if (s == NULL)
		return vouch_err_set(err, VOUCH_EINPUT, "buildinfo: 'Environment' has no "
		    "SOURCE_DATE_EPOCH");
	*out = strtoll(s, &end, 10);
	if (*s == '\0' || *end != '\0' || *out < 0 || *out > 253402300799LL)
		return vouch_err_set(err, VOUCH_EINPUT, "buildinfo: bad SOURCE_DATE_EPOCH '%s'", s);
	return VOUCH_OK;
}

int
vouch_buildinfo_recipe(const vouch_buildinfo *b, const vouch_buildinfo_recipe_opts *o,
                       char **json, vouch_err *err)
{
	char workdir[VOUCH_RECIPE_MAX_PATH + 1], srcdir[VOUCH_BUILDINFO_MAX_NAME + 1];
	cJSON *root = cJSON_CreateObject(), *outs;
	const char *dsc;
	vouch_recipe *check = NULL;
	long long sde = 0;
	int rc;

	*json = NULL;
	if (root == NULL)
		return vouch_err_set(err, VOUCH_ENOMEM, "out of memory");
	if ((rc = source_date_epoch(b, &sde, err)) != VOUCH_OK ||
	    (rc = paths(b, workdir, sizeof(workdir), srcdir, sizeof(srcdir), err)) != VOUCH_OK ||
	    (rc = add_head(b, o, root, sde, workdir, err)) != VOUCH_OK ||
	    (rc = add_sources(o, root, &dsc, err)) != VOUCH_OK ||
	    (rc = add_steps(b, o, dsc, srcdir, sde, root, err)) != VOUCH_OK)
		goto out;
	if ((outs = vouch_json_add_array(root, "outputs", err)) == NULL ||
	    add_str(outs, "*deb", err) != VOUCH_OK || add_str(outs, "*.buildinfo", err) != VOUCH_OK) {
		rc = VOUCH_ENOMEM;
		goto out;
	}
	if ((*json = cJSON_Print(root)) == NULL) {
		rc = vouch_err_set(err, VOUCH_ENOMEM, "out of memory");
		goto out;
	}
	/* what is handed out is a recipe vouch-rebuild accepts */
	if ((rc = vouch_recipe_parse(*json, strlen(*json), &check, err)) != VOUCH_OK) {
		vouch_err_prefix(err, "the recipe made from the buildinfo");
		free(*json);
		*json = NULL;
	}
out:
	vouch_recipe_free(check);
	cJSON_Delete(root);
	return rc;
}
