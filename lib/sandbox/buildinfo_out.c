/* buildinfo_out.c - a parsed .buildinfo as JSON, and the check of a
 * clear-signed one's signature with gpgv (see vouch/buildinfo.h). */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/wait.h>
#include <openssl/crypto.h>

#include "vouch/buf.h"
#include "vouch/buildinfo.h"
#include "vouch/codec.h"
#include "vouch/digest.h"
#include "vouch/file.h"
#include "vouch/json.h"

extern char **environ;

static int
opt_string(cJSON *o, const char *key, const char *v, vouch_err *err)
{
	return v == NULL || vouch_json_add_string(o, key, v, err) != NULL ? VOUCH_OK
	    : VOUCH_ENOMEM;
}

static int
add_files(const vouch_buildinfo *b, cJSON *o, vouch_err *err)
{
	cJSON *a = vouch_json_add_array(o, "checksums", err), *f;
	char hex[65];

	if (a == NULL)
		return VOUCH_ENOMEM;
	for (size_t i = 0; i < b->n_files; i++) {
		if ((f = cJSON_CreateObject()) == NULL || !cJSON_AddItemToArray(a, f)) {
			cJSON_Delete(f);
			return vouch_err_set(err, VOUCH_ENOMEM, "out of memory");
		}
		if (vouch_json_add_string(f, "name", b->files[i].name, err) == NULL ||
		    cJSON_AddNumberToObject(f, "size", (double)b->files[i].size) == NULL ||
		    vouch_json_add_string(f, "sha256", vouch_hex_encode(b->files[i].sha256, 32, hex),
		        err) == NULL)
			return VOUCH_ENOMEM;
	}
	return VOUCH_OK;
}

static int
add_deps(const vouch_buildinfo *b, cJSON *o, vouch_err *err)
{
	cJSON *a = vouch_json_add_array(o, "installedBuildDepends", err), *d;

	if (a == NULL)
		return VOUCH_ENOMEM;
	for (size_t i = 0; i < b->n_deps; i++) {
		if ((d = cJSON_CreateObject()) == NULL || !cJSON_AddItemToArray(a, d)) {
			cJSON_Delete(d);
			return vouch_err_set(err, VOUCH_ENOMEM, "out of memory");
		}
		if (vouch_json_add_string(d, "name", b->deps[i].name, err) == NULL ||
		    opt_string(d, "arch", b->deps[i].arch, err) != VOUCH_OK ||
		    vouch_json_add_string(d, "version", b->deps[i].version, err) == NULL)
			return VOUCH_ENOMEM;
	}
	return VOUCH_OK;
}

int
vouch_buildinfo_to_json(const vouch_buildinfo *b, cJSON **out, vouch_err *err)
{
	cJSON *o = cJSON_CreateObject(), *env;
	int rc = VOUCH_ENOMEM;

	*out = NULL;
	if (o == NULL)
		return vouch_err_set(err, VOUCH_ENOMEM, "out of memory");
	if (cJSON_AddBoolToObject(o, "clearsigned", b->clearsigned) == NULL ||
	    vouch_json_add_string(o, "format", b->format, err) == NULL ||
	    vouch_json_add_string(o, "source", b->source, err) == NULL ||
	    opt_string(o, "sourceVersion", b->source_version, err) != VOUCH_OK ||
	    vouch_json_add_string(o, "version", b->version, err) == NULL ||
	    vouch_json_add_string(o, "architecture", b->architecture, err) == NULL ||
	    opt_string(o, "binary", b->binary, err) != VOUCH_OK ||
	    opt_string(o, "buildArchitecture", b->build_architecture, err) != VOUCH_OK ||
	    opt_string(o, "buildOrigin", b->build_origin, err) != VOUCH_OK ||
	    opt_string(o, "buildKernelVersion", b->build_kernel_version, err) != VOUCH_OK ||
	    opt_string(o, "buildDate", b->build_date, err) != VOUCH_OK ||
	    (b->has_build_date &&
	     cJSON_AddNumberToObject(o, "buildDateEpoch", (double)b->build_date_epoch) == NULL) ||
	    opt_string(o, "buildPath", b->build_path, err) != VOUCH_OK ||
	    opt_string(o, "binaryOnlyChanges", b->binary_only_changes, err) != VOUCH_OK ||
	    add_files(b, o, err) != VOUCH_OK || add_deps(b, o, err) != VOUCH_OK ||
	    (env = vouch_json_add_object(o, "environment", err)) == NULL)
		goto fail;
	for (size_t i = 0; i < b->n_env; i++)
		if (vouch_json_add_string(env, b->env[i].name, b->env[i].value, err) == NULL)
			goto fail;
	*out = o;
	return VOUCH_OK;
fail:
	cJSON_Delete(o);
	if (err->code == VOUCH_OK)
		vouch_err_set(err, VOUCH_ENOMEM, "out of memory");
	return rc;
}

static int
is_binary_package(const char *name)
{
	static const char *const ext[] = { ".deb", ".udeb", ".ddeb", NULL };
	size_t n = strlen(name);

	for (size_t i = 0; ext[i] != NULL; i++)
		if (n > strlen(ext[i]) && strcmp(name + n - strlen(ext[i]), ext[i]) == 0)
			return 1;
	return 0;
}

const char *
vouch_buildinfo_check_name(int result)
{
	return result == VOUCH_BUILDINFO_IDENTICAL ? "identical"
	    : result == VOUCH_BUILDINFO_DIFFERS ? "differs" : "missing";
}

int
vouch_buildinfo_check_dir(const vouch_buildinfo *b, const char *dir,
                          vouch_buildinfo_check **out, size_t *n, vouch_err *err)
{
	vouch_buildinfo_check *c = calloc(b->n_files + 1, sizeof(*c));
	char path[PATH_MAX];
	vouch_digests d;
	int fd, rc = VOUCH_OK;

	*out = NULL;
	*n = 0;
	if (c == NULL)
		return vouch_err_set(err, VOUCH_ENOMEM, "out of memory");
	for (size_t i = 0; rc == VOUCH_OK && i < b->n_files; i++) {
		vouch_buildinfo_check *e = &c[*n];
		if (!is_binary_package(b->files[i].name))
			continue;
		e->name = b->files[i].name;
		(*n)++;
		if ((size_t)snprintf(path, sizeof(path), "%s/%s", dir, e->name) >= sizeof(path)) {
			rc = vouch_err_set(err, VOUCH_ELIMIT, "'%s': path too long", dir);
			break;
		}
		if (vouch_open_read_nofollow(path, &fd, NULL) != VOUCH_OK) {
			e->result = VOUCH_BUILDINFO_MISSING;
			continue;
		}
		rc = vouch_digest_fd(fd, path, VOUCH_ALG_SHA256, &d, err);
		close(fd);
		if (rc != VOUCH_OK)
			break;
		memcpy(e->sha256, vouch_digests_get(&d, VOUCH_ALG_SHA256), 32);
		e->result = CRYPTO_memcmp(e->sha256, b->files[i].sha256, 32) == 0
		    ? VOUCH_BUILDINFO_IDENTICAL : VOUCH_BUILDINFO_DIFFERS;
	}
	if (rc != VOUCH_OK) {
		free(c);
		*n = 0;
		return rc;
	}
	*out = c;
	return VOUCH_OK;
}

/* Run gpgv --status-fd on path; status text into st (bounded). */
static int
run_gpgv(const char *path, const char *keyring, vouch_buf *st, int *status, vouch_err *err)
{
	posix_spawn_file_actions_t fa;
	char fdarg[16];
	int pfd[2], rc = VOUCH_OK;
	pid_t pid;
	char *argv[] = { "gpgv", "--status-fd", fdarg, "--keyring", (char *)keyring, "--",
		(char *)path, NULL };

	if (pipe2(pfd, O_CLOEXEC) != 0)
		return vouch_err_sys(err, VOUCH_EIO, "pipe");
	snprintf(fdarg, sizeof(fdarg), "%d", 3);
	posix_spawn_file_actions_init(&fa);
	posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0);
	posix_spawn_file_actions_addopen(&fa, 1, "/dev/null", O_WRONLY, 0);
	posix_spawn_file_actions_addopen(&fa, 2, "/dev/null", O_WRONLY, 0);
	posix_spawn_file_actions_adddup2(&fa, pfd[1], 3);
	if ((errno = posix_spawnp(&pid, "gpgv", &fa, NULL, argv, environ)) != 0) {
		rc = vouch_err_sys(err, VOUCH_EIO, "cannot run gpgv (Debian package gpgv)");
		close(pfd[0]);
		close(pfd[1]);
		posix_spawn_file_actions_destroy(&fa);
		return rc;
	}
	posix_spawn_file_actions_destroy(&fa);
	close(pfd[1]);
	rc = vouch_read_fd(pfd[0], "gpgv status", 1 << 16, st, err);
	close(pfd[0]);
	while (waitpid(pid, status, 0) < 0)
		if (errno != EINTR)
			return vouch_err_sys(err, VOUCH_EIO, "waitpid");
	return rc;
}

int
vouch_buildinfo_verify(const char *path, const char *keyring, vouch_err *err)
{
	char kr[PATH_MAX], file[PATH_MAX];
	vouch_buf st;
	int status = 0, rc;
	const char *s;

	if (realpath(keyring, kr) == NULL)
		return vouch_err_sys(err, VOUCH_EINPUT, "keyring '%s'", keyring);
	if (realpath(path, file) == NULL)
		return vouch_err_sys(err, VOUCH_EINPUT, "'%s'", path);
	vouch_buf_init(&st, 1 << 16);
	if ((rc = run_gpgv(file, kr, &st, &status, err)) != VOUCH_OK)
		goto out;
	s = vouch_buf_cstr(&st);
	if (!WIFEXITED(status) || WEXITSTATUS(status) != 0 ||
	    strstr(s, "[GNUPG:] VALIDSIG ") == NULL || strstr(s, "[GNUPG:] BADSIG") != NULL ||
	    strstr(s, "[GNUPG:] ERRSIG") != NULL) {
		rc = vouch_err_set(err, VOUCH_EINPUT, "'%s': no good signature by a key of "
		    "'%s'", path, keyring);
		goto out;
	}
	rc = VOUCH_OK;
out:
	vouch_buf_free(&st);
	return rc;
}
