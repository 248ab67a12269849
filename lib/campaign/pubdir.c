/* pubdir.c - build an output tree in a temporary sibling, rename it in. */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "pubdir.h"
#include "vouch/file.h"

int
pubdir_begin(pubdir *d, const char *path, vouch_err *err)
{
	size_t n = strlen(path);
	int rc;

	memset(d, 0, sizeof(*d));
	d->dirfd = -1;
	while (n > 1 && path[n - 1] == '/')
		n--;
	if (n == 0 || (d->final = strndup(path, n)) == NULL ||
	    (d->tmp = malloc(n + 16)) == NULL)
		return vouch_err_set(err, n == 0 ? VOUCH_EUSAGE : VOUCH_ENOMEM,
		    n == 0 ? "empty output directory" : "out of memory");
	d->made_final = mkdir(d->final, 0755) == 0;
	if (!d->made_final && (rc = vouch_mkdir_empty(d->final, err)) != VOUCH_OK)
		goto fail;
	snprintf(d->tmp, n + 16, "%s.tmp.XXXXXX", d->final);
	if (mkdtemp(d->tmp) == NULL) {
		rc = vouch_err_sys(err, VOUCH_EIO, "cannot create a directory beside '%s'", d->final);
		free(d->tmp);
		d->tmp = NULL;
		goto fail;
	}
	if (chmod(d->tmp, 0755) != 0 ||
	    (d->dirfd = open(d->tmp, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) < 0) {
		rc = vouch_err_sys(err, VOUCH_EIO, "cannot open '%s'", d->tmp);
		goto fail;
	}
	return VOUCH_OK;
fail:
	pubdir_abort(d);
	return rc;
}

/* mkdir -p of the directories of rel beneath d->dirfd. */
static int
make_parents(pubdir *d, const char *rel, vouch_err *err)
{
	char path[4096];
	size_t n = strlen(rel);

	if (n >= sizeof(path))
		return vouch_err_set(err, VOUCH_ELIMIT, "output path '%s' is too long", rel);
	memcpy(path, rel, n + 1);
	for (char *p = strchr(path, '/'); p != NULL; p = strchr(p + 1, '/')) {
		*p = '\0';
		if (mkdirat(d->dirfd, path, 0755) != 0 && errno != EEXIST)
			return vouch_err_sys(err, VOUCH_EIO, "cannot create '%s/%s'", d->final, path);
		*p = '/';
	}
	return VOUCH_OK;
}

int
pubdir_write(pubdir *d, const char *rel, const void *data, size_t n, vouch_err *err)
{
	int fd, rc;

	if ((rc = make_parents(d, rel, err)) != VOUCH_OK)
		return rc;
	fd = openat(d->dirfd, rel, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0644);
	if (fd < 0)
		return vouch_err_sys(err, errno == EEXIST ? VOUCH_EEXIST : VOUCH_EIO,
		    "cannot create '%s/%s'", d->final, rel);
	rc = vouch_write_all(fd, data, n, rel, err);
	if (close(fd) != 0 && rc == VOUCH_OK)
		rc = vouch_err_sys(err, VOUCH_EIO, "cannot write '%s/%s'", d->final, rel);
	return rc;
}

static int
fsync_tree(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
	int bad;

	(void)st;
	(void)flag;
	(void)ftw;
	if (fd < 0)
		return 1;
	bad = fsync(fd) != 0;
	close(fd);
	return bad;
}

int
pubdir_commit(pubdir *d, vouch_err *err)
{
	int rc;

	if (nftw(d->tmp, fsync_tree, 16, FTW_PHYS | FTW_DEPTH) != 0)
		return vouch_err_sys(err, VOUCH_EIO, "cannot sync '%s'", d->tmp);
	if (rename(d->tmp, d->final) != 0)
		return vouch_err_sys(err, errno == ENOTEMPTY || errno == EEXIST ? VOUCH_EEXIST : VOUCH_EIO,
		    "cannot move the output into '%s'", d->final);
	rc = vouch_fsync_dir(d->final, 0, err);
	close(d->dirfd);
	free(d->tmp);
	free(d->final);
	memset(d, 0, sizeof(*d));
	d->dirfd = -1;
	return rc;
}

static int
remove_one(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)st;
	(void)ftw;
	return flag == FTW_DP ? rmdir(path) : unlink(path);
}

void
pubdir_abort(pubdir *d)
{
	if (d->dirfd >= 0)
		close(d->dirfd);
	if (d->tmp != NULL)
		nftw(d->tmp, remove_one, 16, FTW_PHYS | FTW_DEPTH);
	if (d->made_final)
		rmdir(d->final);
	free(d->tmp);
	free(d->final);
	memset(d, 0, sizeof(*d));
	d->dirfd = -1;
}

int
pubdir_slurp(int fd, const char *name, size_t max, vouch_buf *out, vouch_err *err)
{
	int rc = vouch_read_fd(fd, name, max, out, err);

	close(fd);
	return rc;
}
