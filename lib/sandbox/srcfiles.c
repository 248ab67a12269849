/* srcfiles.c - a multi-file source release: find, pin-check and place its
 * files (see vouch/srcfiles.h). */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>
#include <openssl/crypto.h>

#include "vouch/codec.h"
#include "vouch/file.h"
#include "vouch/srcfiles.h"

void
vouch_srcfiles_free(vouch_srcfiles *s)
{
	if (s == NULL)
		return;
	for (size_t i = 0; s->f != NULL && i < s->n; i++)
		if (s->f[i].fd >= 0)
			close(s->f[i].fd);
	free(s->f);
	s->f = NULL;
	s->n = 0;
}

static int
locate(const vouch_recipe_file *pin, const char *base, const char *dir, char *out,
       size_t cap, vouch_err *err)
{
	int n;

	if (dir != NULL)
		n = snprintf(out, cap, "%s/%s", dir, pin->name);
	else if (pin->path == NULL)
		return vouch_err_set(err, VOUCH_EINPUT, "missing source file '%s': the recipe "
		    "gives only the uri '%s'; fetch it and name its directory with -s", pin->name,
		    pin->uri);
	else if (pin->path[0] == '/')
		n = snprintf(out, cap, "%s", pin->path);
	else
		n = snprintf(out, cap, "%s/%s", base, pin->path);
	if (n < 0 || (size_t)n >= cap)
		return vouch_err_set(err, VOUCH_ELIMIT, "source file '%s': path too long", pin->name);
	return VOUCH_OK;
}

static int
open_one(vouch_srcfile *f, vouch_err *err)
{
	char g[65], w[65];
	struct stat st;
	int rc;

	if ((f->fd = open(f->path, O_RDONLY | O_CLOEXEC)) < 0)
		return vouch_err_sys(err, VOUCH_EINPUT, "missing source file '%s'", f->path);
	if (fstat(f->fd, &st) != 0 || !S_ISREG(st.st_mode))
		return vouch_err_set(err, VOUCH_EINPUT, "source file '%s' is not a regular file",
		    f->path);
	if ((rc = vouch_digest_fd(f->fd, f->path, VOUCH_ALG_SHA256, &f->d, err)) != VOUCH_OK)
		return rc;
	if (CRYPTO_memcmp(vouch_digests_get(&f->d, VOUCH_ALG_SHA256), f->pin->sha256, 32) != 0)
		return vouch_err_set(err, VOUCH_EINPUT, "source file '%s' has %s, the recipe pins "
		    "%s", f->path, vouch_hex_encode(vouch_digests_get(&f->d, VOUCH_ALG_SHA256), 32,
		    g), vouch_hex_encode(f->pin->sha256, 32, w));
	return VOUCH_OK;
}

int
vouch_srcfiles_open(const vouch_recipe *r, const char *base, const char *dir,
                    vouch_srcfiles *out, vouch_err *err)
{
	int rc = VOUCH_OK;

	out->n = 0;
	if ((out->f = calloc(r->n_source_files, sizeof(*out->f))) == NULL)
		return vouch_err_set(err, VOUCH_ENOMEM, "out of memory");
	for (size_t i = 0; rc == VOUCH_OK && i < r->n_source_files; i++) {
		vouch_srcfile *f = &out->f[out->n++];

		f->fd = -1;
		f->pin = &r->source_files[i];
		if ((rc = locate(f->pin, base, dir, f->path, sizeof(f->path), err)) == VOUCH_OK)
			rc = open_one(f, err);
	}
	if (rc != VOUCH_OK)
		vouch_srcfiles_free(out);
	return rc;
}

/* Copy f into dirfd/name, hashing what is copied. */
static int
place_one(const vouch_srcfile *f, int dirfd, const char *workdir, vouch_err *err)
{
	char buf[65536];
	vouch_hasher *h = NULL;
	vouch_digests got;
	int out, rc = VOUCH_OK;
	ssize_t n;

	if (lseek(f->fd, 0, SEEK_SET) != 0)
		return vouch_err_sys(err, VOUCH_EIO, "'%s': seek", f->path);
	out = openat(dirfd, f->pin->name, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC,
	    0644);
	if (out < 0)
		return vouch_err_sys(err, VOUCH_EIO, "cannot create '%s/%s'", workdir, f->pin->name);
	if ((rc = vouch_hasher_new(VOUCH_ALG_SHA256, &h, err)) != VOUCH_OK)
		goto done;
	while ((n = read(f->fd, buf, sizeof(buf))) != 0) {
		if (n < 0) {
			if (errno == EINTR)
				continue;
			rc = vouch_err_sys(err, VOUCH_EIO, "'%s'", f->path);
			goto done;
		}
		if ((rc = vouch_hasher_update(h, buf, (size_t)n, err)) != VOUCH_OK ||
		    (rc = vouch_write_all(out, buf, (size_t)n, f->pin->name, err)) != VOUCH_OK)
			goto done;
	}
	if ((rc = vouch_hasher_final(h, &got, err)) == VOUCH_OK &&
	    CRYPTO_memcmp(vouch_digests_get(&got, VOUCH_ALG_SHA256),
	    vouch_digests_get(&f->d, VOUCH_ALG_SHA256), 32) != 0)
		rc = vouch_err_set(err, VOUCH_EINPUT, "source file '%s' changed while it was read",
		    f->path);
done:
	vouch_hasher_free(h);
	if (close(out) != 0 && rc == VOUCH_OK)
		rc = vouch_err_sys(err, VOUCH_EIO, "'%s': close", f->pin->name);
	return rc;
}

int
vouch_srcfiles_place(const vouch_srcfiles *s, const char *workdir, vouch_err *err)
{
	int dirfd, rc = VOUCH_OK;

	if (mkdir(workdir, 0755) != 0 && errno != EEXIST)
		return vouch_err_sys(err, VOUCH_EIO, "cannot create '%s'", workdir);
	if ((dirfd = open(workdir, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC)) < 0)
		return vouch_err_sys(err, VOUCH_EIO, "cannot open '%s'", workdir);
	for (size_t i = 0; rc == VOUCH_OK && i < s->n; i++)
		rc = place_one(&s->f[i], dirfd, workdir, err);
	close(dirfd);
	return rc;
}
