/* tree_cache.c - a directory's tree digest, reused while the directory is
 * unchanged: a stat fingerprint decides (see vouch/tree.h).
 *
 * The fingerprint is a SHA-256 over every entry's relative path and the
 * lstat fields a change to what the tree digest covers must move: device,
 * inode, type and mode, owner, link count, size, device number, mtime and
 * ctime to the nanosecond.  Writing a file, replacing it (even by one with
 * the same size and a restored mtime), chmod, chown, adding, removing or
 * renaming an entry all set the ctime of the entry or of its directory to
 * the current time, and the ctime cannot be set from user space.
 *
 * A cache record is written only when the fingerprint taken before the
 * full digest equals the one taken after it and every entry's times are
 * older than VOUCH_TREE_CACHE_SETTLE seconds before the first walk began:
 * a change made during the digest then gets a ctime later than all the
 * recorded ones (the kernel's file times are coarse, a clock tick, so a
 * change in the same tick as an earlier one could otherwise look the
 * same). */
#include "config.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/stat.h>

#include "vouch/buf.h"
#include "vouch/digest.h"
#include "vouch/file.h"
#include "vouch/codec.h"
#include "vouch/tree.h"

#define CACHE_HEAD "vouch-tree-cache 1\nfingerprint "

struct fp {
	vouch_hasher *h;
	vouch_tree_opts o;
	const char *root;
	char *path;
	uint64_t entries;
	int64_t newest;      /* latest mtime or ctime seen, ns */
};

static void
put_be64(uint8_t *p, uint64_t v)
{
	for (int i = 7; i >= 0; i--, v >>= 8)
		p[i] = (uint8_t)v;
}

static int64_t
ns(const struct timespec *t)
{
	return (int64_t)t->tv_sec * 1000000000 + t->tv_nsec;
}

static int
fp_record(struct fp *f, size_t plen, const struct stat *st, vouch_err *err)
{
	uint8_t rec[8 * 13];
	uint64_t v[13] = { plen, (uint64_t)st->st_dev, (uint64_t)st->st_ino,
		(uint64_t)st->st_mode, (uint64_t)st->st_uid, (uint64_t)st->st_gid,
		(uint64_t)st->st_nlink, (uint64_t)st->st_size, (uint64_t)st->st_rdev,
		(uint64_t)st->st_mtim.tv_sec, (uint64_t)st->st_mtim.tv_nsec,
		(uint64_t)st->st_ctim.tv_sec, (uint64_t)st->st_ctim.tv_nsec };
	int64_t m = ns(&st->st_mtim), c = ns(&st->st_ctim);

	for (size_t i = 0; i < 13; i++)
		put_be64(rec + 8 * i, v[i]);
	if (m > f->newest)
		f->newest = m;
	if (c > f->newest)
		f->newest = c;
	if (vouch_hasher_update(f->h, rec, sizeof(rec), err) != VOUCH_OK)
		return VOUCH_ENOMEM;
	return plen == 0 ? VOUCH_OK : vouch_hasher_update(f->h, f->path, plen, err);
}

static int
fp_fail(struct fp *f, vouch_err *err, int code, size_t plen, const char *what)
{
	char q[256];

	vouch_tree_quote(f->path, plen, q, sizeof(q));
	return vouch_err_set(err, code, "'%s/%s': %s", f->root, q, what);
}

/* Walks and closes dfd; f->path[0..plen) names it. */
static int
fp_dir(struct fp *f, int dfd, size_t plen, uint32_t depth, vouch_err *err)
{
	DIR *d = fdopendir(dfd);
	struct dirent *de;
	int rc = VOUCH_OK;

	if (d == NULL) {
		close(dfd);
		return fp_fail(f, err, VOUCH_EIO, plen, "cannot read directory");
	}
	for (;;) {
		size_t nl, sep = plen ? 1 : 0;
		struct stat st;
		int cfd;

		errno = 0;
		if ((de = readdir(d)) == NULL) {
			if (errno != 0)
				rc = fp_fail(f, err, VOUCH_EIO, plen, "cannot read directory");
			break;
		}
		if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0)
			continue;
		nl = strlen(de->d_name);
		if (++f->entries > f->o.max_entries || depth + 1 > f->o.max_depth ||
		    plen + sep + nl > f->o.max_path_len) {
			rc = fp_fail(f, err, VOUCH_ELIMIT, plen, "tree too large below here");
			break;
		}
		if (sep)
			f->path[plen] = '/';
		memcpy(f->path + plen + sep, de->d_name, nl + 1);
		if (fstatat(dirfd(d), de->d_name, &st, AT_SYMLINK_NOFOLLOW) != 0) {
			rc = fp_fail(f, err, VOUCH_EIO, plen + sep + nl, "cannot stat");
			break;
		}
		if ((rc = fp_record(f, plen + sep + nl, &st, err)) != VOUCH_OK)
			break;
		if (S_ISDIR(st.st_mode)) {
			cfd = openat(dirfd(d), de->d_name,
			    O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
			if (cfd < 0) {
				rc = fp_fail(f, err, VOUCH_EIO, plen + sep + nl, "cannot open directory");
				break;
			}
			if ((rc = fp_dir(f, cfd, plen + sep + nl, depth + 1, err)) != VOUCH_OK)
				break;
		}
		f->path[plen] = '\0';
	}
	closedir(d);
	return rc;
}

int
vouch_tree_fingerprint_dir(const char *dir, uint8_t out[32], int64_t *newest_ns,
                           vouch_err *err)
{
	struct fp f;
	struct stat st;
	vouch_digests d;
	int fd, rc;

	memset(&f, 0, sizeof(f));
	vouch_tree_opts_default(&f.o);
	f.root = dir;
	f.newest = INT64_MIN;
	if ((fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) < 0)
		return vouch_err_sys(err, VOUCH_EIO, "cannot open directory '%s'", dir);
	if ((f.path = calloc(1, (size_t)f.o.max_path_len + 1)) == NULL) {
		close(fd);
		return vouch_err_set(err, VOUCH_ENOMEM, "out of memory");
	}
	if ((rc = vouch_hasher_new(VOUCH_ALG_SHA256, &f.h, err)) != VOUCH_OK) {
		close(fd);
		goto out;
	}
	if (fstat(fd, &st) != 0) {
		close(fd);
		rc = vouch_err_sys(err, VOUCH_EIO, "cannot stat '%s'", dir);
		goto out;
	}
	if ((rc = fp_record(&f, 0, &st, err)) != VOUCH_OK) {
		close(fd);
		goto out;
	}
	if ((rc = fp_dir(&f, fd, 0, 0, err)) == VOUCH_OK &&
	    (rc = vouch_hasher_final(f.h, &d, err)) == VOUCH_OK) {
		memcpy(out, vouch_digests_get(&d, VOUCH_ALG_SHA256), 32);
		if (newest_ns != NULL)
			*newest_ns = f.newest;
	}
out:
	vouch_hasher_free(f.h);
	free(f.path);
	return rc;
}

int
vouch_tree_digest_dir_cached(const char *dir, const char *cache_file, uint8_t out[32],
                             int *from_cache, vouch_err *err)
{
	uint8_t fp1[32], fp2[32];
	int64_t newest, start;
	struct timespec now;
	char head[256], text[256];
	int rc, n;

	*from_cache = 0;
	if (clock_gettime(CLOCK_REALTIME, &now) != 0)
		return vouch_err_sys(err, VOUCH_EIO, "clock_gettime");
	start = ns(&now);
	if ((rc = vouch_tree_fingerprint_dir(dir, fp1, &newest, err)) != VOUCH_OK)
		return rc;
	if (vouch_stamp_head(CACHE_HEAD, fp1, head, sizeof(head)) < 0)
		return vouch_err_set(err, VOUCH_EINTERNAL, "tree cache: stamp too long");
	if (vouch_stamp_read(cache_file, head, out)) {
		*from_cache = 1;
		return VOUCH_OK;
	}
	if ((rc = vouch_tree_digest_dir(dir, out, err)) != VOUCH_OK ||
	    (rc = vouch_tree_fingerprint_dir(dir, fp2, NULL, err)) != VOUCH_OK)
		return rc;
	/* unsettled or changed while hashed: right now, but not remembered */
	if (memcmp(fp1, fp2, 32) != 0 ||
	    newest > start - (int64_t)VOUCH_TREE_CACHE_SETTLE * 1000000000)
		return VOUCH_OK;
	/* a cache that cannot be written costs time, never a wrong answer */
	if ((n = vouch_stamp_text(head, out, text, sizeof(text))) > 0)
		(void)vouch_write_file_atomic(cache_file, text, (size_t)n, 0644, NULL);
	return VOUCH_OK;
}
