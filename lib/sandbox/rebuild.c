/* rebuild.c - check a recipe's inputs, run it in the sandbox, collect the
 * outputs and describe it all as SLSA provenance (see vouch/rebuild.h). */
#include "config.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <fnmatch.h>
#include <libgen.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <openssl/crypto.h>
#include <openssl/rand.h>

#include "vouch/buf.h"
#include "vouch/clock.h"
#include "vouch/codec.h"
#include "vouch/digest.h"
#include "vouch/file.h"
#include "vouch/json.h"
#include "vouch/provenance.h"
#include "vouch/rebuild.h"
#include "vouch/srcfiles.h"
#include "vouch/statement.h"
#include "vouch/tree.h"
#include "vouch/unpack.h"
#include "vouch/uri.h"
#include "vouch/vary.h"
#include "vouch/walk.h"

#define OUT_MAX_DEPTH 64

struct output {
	char *path;               /* relative to /out */
	vouch_digests d;
};

struct rebuild {
	const vouch_recipe *r;
	const vouch_rebuild_opts *o;
	char recipe_dir[PATH_MAX];
	char source_path[PATH_MAX];
	char rootfs[PATH_MAX];    /* directory to use as /, "" for host */
	int source_fd;
	vouch_digests source_d;
	uint8_t tree[32];
	int has_tree;
	vouch_digests env_d;      /* tarball sha256 */
	int log_fd;
	vouch_digests log_d;
	struct output *outs;
	size_t n_outs, cap_outs;
	uint64_t out_bytes;
	char enforcement[32];
	time_t started, finished;
	vouch_clock clock;
	vouch_srcfiles files;     /* a multi-file source */
};

int
vouch_rebuild_cache_dir(char *out, size_t cap, vouch_err *err)
{
	const char *e = getenv("VOUCH_CACHE_DIR"), *h;
	int n;

	if (e != NULL && e[0] == '/')
		n = snprintf(out, cap, "%s", e);
	else if (geteuid() == 0)
		n = snprintf(out, cap, "/var/cache/vouch");
	else if ((h = getenv("XDG_CACHE_HOME")) != NULL && h[0] == '/')
		n = snprintf(out, cap, "%s/vouch", h);
	else if ((h = getenv("HOME")) != NULL && h[0] == '/')
		n = snprintf(out, cap, "%s/.cache/vouch", h);
	else
		return vouch_err_set(err, VOUCH_EUSAGE, "no cache directory: set VOUCH_CACHE_DIR");
	if (n < 0 || (size_t)n >= cap)
		return vouch_err_set(err, VOUCH_ELIMIT, "cache directory path too long");
	return VOUCH_OK;
}

void
vouch_rebuild_result_free(vouch_rebuild_result *res)
{
	if (res == NULL)
		return;
	free(res->statement);
	res->statement = NULL;
	res->statement_len = 0;
}

/* A location from the recipe: absolute, or relative to the recipe's dir. */
static int
resolve(const struct rebuild *rb, const char *loc, char *out, size_t cap, vouch_err *err)
{
	int n = loc[0] == '/' ? snprintf(out, cap, "%s", loc)
	                      : snprintf(out, cap, "%s/%s", rb->recipe_dir, loc);

	if (n < 0 || (size_t)n >= cap)
		return vouch_err_set(err, VOUCH_ELIMIT, "'%s': path too long", loc);
	return VOUCH_OK;
}

static int
digest_mismatch(const char *what, const char *name, const uint8_t *got, const uint8_t *want,
                vouch_err *err)
{
	char g[65], w[65];

	vouch_hex_encode(got, 32, g);
	vouch_hex_encode(want, 32, w);
	return vouch_err_set(err, VOUCH_EINPUT, "%s '%s' has %s, the recipe pins %s", what, name,
	    g, w);
}

static int
open_source(struct rebuild *rb, vouch_err *err)
{
	const vouch_recipe *r = rb->r;
	const char *loc = rb->o->source != NULL ? rb->o->source : r->source_path;
	vouch_input in;
	struct stat st;
	int rc;

	if (r->n_source_files > 0)
		return vouch_srcfiles_open(r, rb->recipe_dir, rb->o->source, &rb->files, err);
	if (loc == NULL)
		return vouch_err_set(err, VOUCH_EINPUT, "missing source: the recipe gives only the "
		    "uri '%s'; fetch it and name the file with -s", r->source_uri);
	if (rb->o->source != NULL)
		rc = snprintf(rb->source_path, sizeof(rb->source_path), "%s", loc) <
		    (int)sizeof(rb->source_path) ? VOUCH_OK
		    : vouch_err_set(err, VOUCH_ELIMIT, "source path too long");
	else
		rc = resolve(rb, loc, rb->source_path, sizeof(rb->source_path), err);
	if (rc != VOUCH_OK)
		return rc;
	if ((rc = vouch_input_open(&in, rb->source_path, VOUCH_INPUT_STDIN, NULL, NULL)) !=
	    VOUCH_OK) {
		if (rc == VOUCH_EIO)
			return vouch_err_sys(err, VOUCH_EINPUT, "missing source '%s'",
			                     rb->source_path);
		return vouch_err_set(err, VOUCH_EINPUT, "source '%s' is not a regular file (an "
		    "archive)", rb->source_path);
	}
	rb->source_fd = in.fd;
	if (fstat(rb->source_fd, &st) != 0 || !S_ISREG(st.st_mode))
		return vouch_err_set(err, VOUCH_EINPUT, "source '%s' is not a regular file (an "
		    "archive)", rb->source_path);
	if ((rc = vouch_digest_fd(rb->source_fd, rb->source_path, VOUCH_ALG_SHA256, &rb->source_d,
	    err)) != VOUCH_OK)
		return rc;
	if (r->has_source_sha256 &&
	    CRYPTO_memcmp(vouch_digests_get(&rb->source_d, VOUCH_ALG_SHA256), r->source_sha256,
	    32) != 0)
		return digest_mismatch("source", rb->source_path,
		    vouch_digests_get(&rb->source_d, VOUCH_ALG_SHA256), r->source_sha256, err);
	if (lseek(rb->source_fd, 0, SEEK_SET) != 0)
		return vouch_err_sys(err, VOUCH_EIO, "'%s': seek", rb->source_path);
	return VOUCH_OK;
}

/* ---- the rootfs cache ----------------------------------------------------------
 *
 * cache/rootfs-<sha256>/tree       the unpacked tarball (the sandbox's /)
 * cache/rootfs-<sha256>/complete   the stamp: the tarball's sha256 and the
 *                                  tree's digest, written last
 * cache/.tmp-<pid>-XXXXXX/          a run's work directory
 * cache/treedigest-<sha256>         a directory environment's tree digest and
 *                                  stat fingerprint (see environment_tree)
 *
 * An entry is made in a work directory (unpack, which also gives the tree
 * digest; check that the bytes unpacked are the bytes hashed; sync; write
 * the stamp) and renamed into place in one step, so an entry either is
 * complete or does not exist.  A stamped entry is trusted; with
 * verify_cache its tree digest is recomputed and compared with the stamp.  A directory without a valid stamp (an older layout, or
 * planted) is moved aside and rebuilt.  Work directories of runs that are
 * gone (killed during extraction) are removed by the next run; this
 * assumes the runs sharing a cache share a PID namespace. */

#define CACHE_STAMP "complete"
#define CACHE_TREE "tree"
#define CACHE_TMP ".tmp-"
#define CACHE_STAMP_HEAD "vouch-rootfs-cache 1\nsha256 "
/* cache/treedigest-<sha256 of a directory environment's real path> */
#define TREE_DIGEST_PREFIX "treedigest-"

/* 1 when entry has a stamp for sha (tree gets the stamped digest), 0 when
 * it has none or a wrong one. */
static int
read_stamp(const char *entry, const uint8_t sha[32], uint8_t tree[32])
{
	char path[PATH_MAX], head[256];

	if ((size_t)snprintf(path, sizeof(path), "%s/" CACHE_STAMP, entry) >= sizeof(path) ||
	    vouch_stamp_head(CACHE_STAMP_HEAD, sha, head, sizeof(head)) < 0)
		return 0;
	return vouch_stamp_read(path, head, tree);
}

/* Remove work directories ".tmp-<pid>-..." of runs that are gone. */
static void
clean_stale(const char *cache)
{
	DIR *d = opendir(cache);
	struct dirent *e;
	size_t pl = strlen(CACHE_TMP);

	if (d == NULL)
		return;
	while ((e = readdir(d)) != NULL) {
		char path[PATH_MAX], *end;
		long pid;

		if (strncmp(e->d_name, CACHE_TMP, pl) != 0)
			continue;
		pid = strtol(e->d_name + pl, &end, 10);
		if (pid <= 0 || *end != '-' || (kill((pid_t)pid, 0) == 0 || errno != ESRCH))
			continue;
		if ((size_t)snprintf(path, sizeof(path), "%s/%s", cache, e->d_name) < sizeof(path))
			(void)vouch_unpack_remove_tree(path, NULL);
	}
	closedir(d);
}

/* A work directory for this run. */
static int
make_work(const char *cache, char *out, size_t cap, vouch_err *err)
{
	if ((size_t)snprintf(out, cap, "%s/" CACHE_TMP "%ld-XXXXXX", cache, (long)getpid()) >=
	    cap)
		return vouch_err_set(err, VOUCH_ELIMIT, "cache path too long");
	if (mkdtemp(out) == NULL)
		return vouch_err_sys(err, VOUCH_EIO, "cannot create '%s'", out);
	/* it becomes the entry, which the build user must be able to reach */
	if (chmod(out, 0755) != 0)
		return vouch_err_sys(err, VOUCH_EIO, "chmod '%s'", out);
	return VOUCH_OK;
}

/* Move an entry without a valid stamp out of the way and remove it. */
static int
discard_entry(const char *cache, const char *entry, vouch_err *err)
{
	char work[PATH_MAX], aside[PATH_MAX];
	int rc;

	if ((rc = make_work(cache, work, sizeof(work), err)) != VOUCH_OK)
		return rc;
	if ((size_t)snprintf(aside, sizeof(aside), "%s/old", work) >= sizeof(aside))
		rc = vouch_err_set(err, VOUCH_ELIMIT, "cache path too long");
	else if (rename(entry, aside) != 0 && errno != ENOENT)
		rc = vouch_err_sys(err, VOUCH_EIO, "cannot move '%s' aside", entry);
	if (vouch_unpack_remove_tree(work, rc == VOUCH_OK ? err : NULL) != VOUCH_OK &&
	    rc == VOUCH_OK)
		rc = VOUCH_EIO;
	return rc;
}

/* Unpack the tarball into a work directory, stamp it, rename it into
 * place.  Losing the race to another run is fine: its entry is used. */
static int
fill_entry(struct rebuild *rb, int fd, const char *path, const char *cache,
           const char *entry, vouch_err *err)
{
	const uint8_t *sha = vouch_digests_get(&rb->env_d, VOUCH_ALG_SHA256);
	char work[PATH_MAX], tree[PATH_MAX], stamp[PATH_MAX], head[256], text[256];
	vouch_unpack_opts uo;
	vouch_unpack_result ur;
	int rc, n, wfd = -1;

	memset(&ur, 0, sizeof(ur));
	if ((rc = make_work(cache, work, sizeof(work), err)) != VOUCH_OK)
		return rc;
	if ((size_t)snprintf(tree, sizeof(tree), "%s/" CACHE_TREE, work) >= sizeof(tree) ||
	    (size_t)snprintf(stamp, sizeof(stamp), "%s/" CACHE_STAMP, work) >= sizeof(stamp)) {
		rc = vouch_err_set(err, VOUCH_ELIMIT, "cache path too long");
		goto out;
	}
	vouch_unpack_opts_default(&uo);
	uo.allow_external_links = 1;   /* a rootfs has absolute symlinks */
	uo.max_total_bytes = (uint64_t)64 << 30;
	uo.max_entry_size = (uint64_t)16 << 30;
	uo.max_archive_bytes = (uint64_t)64 << 30;
	uo.max_entries = 4000000;
	uo.max_ratio = 0;
	if ((rc = vouch_unpack_fd(fd, path, tree, &uo, &ur, err)) != VOUCH_OK) {
		vouch_err_prefix(err, "environment");
		goto out;
	}
	/* the bytes unpacked are the bytes checked before */
	if (CRYPTO_memcmp(vouch_digests_get(&ur.archive, VOUCH_ALG_SHA256), sha, 32) != 0) {
		rc = vouch_err_set(err, VOUCH_EINPUT, "environment '%s' changed while it was "
		    "read", path);
		goto out;
	}
	/* the tree is on disk before the stamp says so */
	if ((wfd = open(work, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) < 0 || syncfs(wfd) != 0) {
		rc = vouch_err_sys(err, VOUCH_EIO, "cannot sync '%s'", work);
		goto out;
	}
	if (vouch_stamp_head(CACHE_STAMP_HEAD, sha, head, sizeof(head)) < 0 ||
	    (n = vouch_stamp_text(head, ur.tree, text, sizeof(text))) < 0) {
		rc = vouch_err_set(err, VOUCH_EINTERNAL, "rootfs cache: stamp too long");
		goto out;
	}
	if ((rc = vouch_write_file_excl(stamp, text, (size_t)n, 0644, err)) != VOUCH_OK)
		goto out;
	if (rename(work, entry) != 0) {
		uint8_t t[32];
		if ((errno != EEXIST && errno != ENOTEMPTY) || !read_stamp(entry, sha, t)) {
			rc = vouch_err_sys(err, VOUCH_EIO, "cannot rename '%s' to '%s'", work, entry);
			goto out;
		}
	} else {
		work[0] = '\0';
	}
out:
	if (wfd >= 0)
		close(wfd);
	if (work[0] != '\0')
		(void)vouch_unpack_remove_tree(work, NULL);
	vouch_unpack_result_free(&ur);
	return rc;
}

/* Recompute the tree digest of a cached rootfs and compare it with its
 * stamp (--verify-cache). */
static int
verify_entry(const char *entry, const char *tree, const uint8_t stamped[32], vouch_err *err)
{
	uint8_t got[32];
	char g[65], w[65];
	int rc;

	if ((rc = vouch_tree_digest_dir(tree, got, err)) != VOUCH_OK)
		return rc;
	if (CRYPTO_memcmp(got, stamped, 32) == 0)
		return VOUCH_OK;
	return vouch_err_set(err, VOUCH_EINPUT, "environment cache '%s' was modified: its "
	    "tree has " VOUCH_TREE_DIGEST_KEY " %s, stamped %s (remove it to rebuild it)", entry,
	    vouch_hex_encode(got, 32, g), vouch_hex_encode(stamped, 32, w));
}

/* The cache directory (-c, else vouch_rebuild_cache_dir()), made if absent. */
static int
open_cache(const struct rebuild *rb, char *cache, size_t cap, vouch_err *err)
{
	int rc;

	if (rb->o->cache_dir != NULL)
		rc = (size_t)snprintf(cache, cap, "%s", rb->o->cache_dir) < cap
		    ? VOUCH_OK : vouch_err_set(err, VOUCH_ELIMIT, "cache path too long");
	else
		rc = vouch_rebuild_cache_dir(cache, cap, err);
	if (rc != VOUCH_OK)
		return rc;
	if (mkdir(cache, 0755) != 0 && errno != EEXIST)
		return vouch_err_sys(err, VOUCH_EIO, "cannot create cache '%s'", cache);
	return VOUCH_OK;
}

/* The tree digest of a directory environment (rb->rootfs, a real path).
 * It is 0.5 GB or more for a Debian build environment, read on every
 * rebuild: the digest is kept in the cache under the path's sha256 with
 * the tree's stat fingerprint (vouch_tree_digest_dir_cached), so an
 * unchanged environment is only stat'ed; any change is seen and hashed.
 * --verify-cache hashes it in full. */
static int
environment_tree(struct rebuild *rb, uint8_t tree[32], vouch_err *err)
{
	char cache[PATH_MAX], file[PATH_MAX], hex[65];
	uint8_t key[32];
	int rc, hit;

	/* without a usable cache the environment is hashed in full */
	if (rb->o->verify_cache || open_cache(rb, cache, sizeof(cache), NULL) != VOUCH_OK)
		return vouch_tree_digest_dir(rb->rootfs, tree, err);
	if ((rc = vouch_sha256(rb->rootfs, strlen(rb->rootfs), key, err)) != VOUCH_OK)
		return rc;
	if ((size_t)snprintf(file, sizeof(file), "%s/" TREE_DIGEST_PREFIX "%s", cache,
	    vouch_hex_encode(key, 32, hex)) >= sizeof(file))
		return vouch_err_set(err, VOUCH_ELIMIT, "cache path too long");
	return vouch_tree_digest_dir_cached(rb->rootfs, file, tree, &hit, err);
}

/* Unpack a rootfs tarball once into the cache under its sha256. */
static int
cache_rootfs(struct rebuild *rb, int fd, const char *path, vouch_err *err)
{
	const uint8_t *sha = vouch_digests_get(&rb->env_d, VOUCH_ALG_SHA256);
	char cache[PATH_MAX], entry[PATH_MAX], hex[65];
	uint8_t stamped[32];
	struct stat st;
	int rc;

	if ((rc = open_cache(rb, cache, sizeof(cache), err)) != VOUCH_OK)
		return rc;
	clean_stale(cache);
	vouch_hex_encode(sha, 32, hex);
	if ((size_t)snprintf(entry, sizeof(entry), "%s/rootfs-%s", cache, hex) >=
	    sizeof(entry) ||
	    (size_t)snprintf(rb->rootfs, sizeof(rb->rootfs), "%s/" CACHE_TREE, entry) >=
	    sizeof(rb->rootfs))
		return vouch_err_set(err, VOUCH_ELIMIT, "cache path too long");
	if (!read_stamp(entry, sha, stamped)) {
		if (lstat(entry, &st) == 0 &&
		    (rc = discard_entry(cache, entry, err)) != VOUCH_OK)
			return rc;
		if (lseek(fd, 0, SEEK_SET) != 0)
			return vouch_err_sys(err, VOUCH_EIO, "'%s': seek", path);
		if ((rc = fill_entry(rb, fd, path, cache, entry, err)) != VOUCH_OK)
			return rc;
		if (!read_stamp(entry, sha, stamped))
			return vouch_err_set(err, VOUCH_EIO, "environment cache '%s' is incomplete",
			    entry);
		return VOUCH_OK;
	}
	if (rb->o->verify_cache)
		return verify_entry(entry, rb->rootfs, stamped, err);
	return VOUCH_OK;
}

static int
check_environment(struct rebuild *rb, vouch_err *err)
{
	const vouch_recipe *r = rb->r;
	char path[PATH_MAX];
	struct stat st;
	uint8_t tree[32];
	int fd = -1, rc;

	rb->rootfs[0] = '\0';
	if (r->env_host) {
		if (rb->o->environment != NULL && strcmp(rb->o->environment, "host") != 0)
			return vouch_err_set(err, VOUCH_EINPUT, "the recipe builds in 'host'; -e '%s' "
			    "cannot replace it", rb->o->environment);
		return VOUCH_OK;
	}
	if (rb->o->environment != NULL)
		rc = snprintf(path, sizeof(path), "%s", rb->o->environment) < (int)sizeof(path)
		    ? VOUCH_OK : vouch_err_set(err, VOUCH_ELIMIT, "environment path too long");
	else
		rc = resolve(rb, r->env_rootfs, path, sizeof(path), err);
	if (rc != VOUCH_OK)
		return rc;
	if (stat(path, &st) != 0)
		return vouch_err_sys(err, VOUCH_EINPUT, "unknown environment '%s'", path);
	if (S_ISDIR(st.st_mode)) {
		if (!r->has_env_tree)
			return vouch_err_set(err, VOUCH_EINPUT, "environment '%s' is a directory but "
			    "the recipe pins a tarball's sha256", path);
		if (realpath(path, rb->rootfs) == NULL)
			return vouch_err_sys(err, VOUCH_EIO, "'%s'", path);
		if ((rc = environment_tree(rb, tree, err)) != VOUCH_OK)
			return rc;
		if (CRYPTO_memcmp(tree, r->env_tree, 32) != 0)
			return digest_mismatch("environment", path, tree, r->env_tree, err);
		return VOUCH_OK;
	}
	if (!S_ISREG(st.st_mode) || !r->has_env_sha256)
		return vouch_err_set(err, VOUCH_EINPUT, "environment '%s' must be a tarball pinned "
		    "by sha256 or a directory pinned by " VOUCH_TREE_DIGEST_KEY, path);
	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) < 0)
		return vouch_err_sys(err, VOUCH_EINPUT, "unknown environment '%s'", path);
	rc = vouch_digest_fd(fd, path, VOUCH_ALG_SHA256, &rb->env_d, err);
	if (rc == VOUCH_OK && CRYPTO_memcmp(vouch_digests_get(&rb->env_d, VOUCH_ALG_SHA256),
	    r->env_sha256, 32) != 0)
		rc = digest_mismatch("environment", path,
		    vouch_digests_get(&rb->env_d, VOUCH_ALG_SHA256), r->env_sha256, err);
	if (rc == VOUCH_OK)
		rc = cache_rootfs(rb, fd, path, err);
	close(fd);
	return rc;
}

static int
prepare_outdir(struct rebuild *rb, vouch_err *err)
{
	const char *outdir = rb->o->outdir;
	char log[PATH_MAX];
	int rc;

	if ((rc = vouch_mkdir_empty(outdir, err)) != VOUCH_OK)
		return rc;
	if ((size_t)snprintf(log, sizeof(log), "%s/" VOUCH_REBUILD_LOG_NAME, outdir) >= sizeof(log))
		return vouch_err_set(err, VOUCH_ELIMIT, "'%s': path too long", outdir);
	rb->log_fd = open(log, O_RDWR | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0644);
	if (rb->log_fd < 0)
		return vouch_err_sys(err, VOUCH_EIO, "cannot create '%s'", log);
	return VOUCH_OK;
}

/* Every unpacked path gets SOURCE_DATE_EPOCH as its times.  An archive's
 * own times are not in the tree digest a recipe pins, so the build must not
 * depend on them; and make, which compares them, then finds nothing newer
 * than anything else, as in a fresh "make dist" tarball (with extraction
 * times the order of the archive decides, and an autotools project tries
 * to regenerate aclocal.m4 and configure).  Changing a child's times leaves
 * its directory's alone, so the walk's order does not matter. */
static int
stamp_workdir(const char *workdir, long long epoch, vouch_err *err)
{
	vouch_walk_opts wo = { VOUCH_WALK_DIRS, 0, 0, 0 };
	const vouch_walk_entry *e;
	struct timespec ts[2];
	vouch_walk *w = NULL;
	int rc;

	ts[0].tv_sec = ts[1].tv_sec = (time_t)epoch;
	ts[0].tv_nsec = ts[1].tv_nsec = 0;
	if ((rc = vouch_walk_new(workdir, &wo, &w, err)) != VOUCH_OK)
		return rc;
	while ((rc = vouch_walk_next(w, &e, err)) == VOUCH_OK && e != NULL)
		if (utimensat(e->dirfd, e->name, ts, AT_SYMLINK_NOFOLLOW) != 0) {
			rc = vouch_err_sys(err, VOUCH_EIO, "cannot set the times of '%s'", e->path);
			break;
		}
	vouch_walk_free(w);
	if (rc == VOUCH_OK && utimensat(AT_FDCWD, workdir, ts, AT_SYMLINK_NOFOLLOW) != 0)
		rc = vouch_err_sys(err, VOUCH_EIO, "cannot set the times of '%s'", workdir);
	return rc;
}

/* Inside the sandbox: unpack the source into the working directory. */
static int
prepare_source(void *arg, const char *workdir, uint8_t digest[32], int *has, vouch_err *err)
{
	struct rebuild *rb = arg;
	vouch_unpack_result ur;
	int rc;

	memset(&ur, 0, sizeof(ur));
	if (rb->r->n_source_files > 0) {
		/* several files, placed as they are */
		if ((rc = vouch_srcfiles_place(&rb->files, workdir, err)) == VOUCH_OK &&
		    (rc = stamp_workdir(workdir, rb->r->source_date_epoch, err)) == VOUCH_OK &&
		    (rc = vouch_tree_digest_dir(workdir, digest, err)) == VOUCH_OK)
			*has = 1;
		return rc;
	}
	rc = vouch_unpack_fd(rb->source_fd, rb->source_path, workdir, NULL, &ur, err);
	/* the bytes unpacked are the bytes hashed before the run (the unpacker
	 * hashes them anyway) */
	if (rc == VOUCH_OK && CRYPTO_memcmp(vouch_digests_get(&ur.archive, VOUCH_ALG_SHA256),
	    vouch_digests_get(&rb->source_d, VOUCH_ALG_SHA256), 32) != 0)
		rc = vouch_err_set(err, VOUCH_EINPUT, "source '%s' changed while it was read",
		    rb->source_path);
	if (rc == VOUCH_OK && rb->o->vary != NULL &&
	    (rb->o->vary->set & VOUCH_VARY_FILEORDERING))
		rc = vouch_vary_reorder(workdir, err);
	if (rc == VOUCH_OK)
		rc = stamp_workdir(workdir, rb->r->source_date_epoch, err);
	if (rc == VOUCH_OK) {
		memcpy(digest, ur.tree, 32);
		*has = 1;
	}
	vouch_unpack_result_free(&ur);
	return rc;
}

/* ---- outputs ---------------------------------------------------------------- */

static int
wanted(const struct rebuild *rb, const char *rel, unsigned char *hit)
{
	char prefix[PATH_MAX];
	int any = 0;

	for (size_t i = 0; i < rb->r->n_outputs; i++) {
		const char *pat = rb->r->outputs[i];
		int m = fnmatch(pat, rel, FNM_PATHNAME) == 0;

		/* a pattern naming a directory takes everything below it */
		for (const char *s = strchr(rel, '/'); !m && s != NULL; s = strchr(s + 1, '/')) {
			size_t n = (size_t)(s - rel);
			memcpy(prefix, rel, n);
			prefix[n] = '\0';
			m = fnmatch(pat, prefix, FNM_PATHNAME) == 0;
		}
		if (m) {
			hit[i] = 1;
			any = 1;
		}
	}
	return any;
}

static int
mkdirs_for(const char *outdir, const char *rel, vouch_err *err)
{
	char p[PATH_MAX];
	size_t base;

	if ((size_t)snprintf(p, sizeof(p), "%s/%s", outdir, rel) >= sizeof(p))
		return vouch_err_set(err, VOUCH_ELIMIT, "output '%s': path too long", rel);
	base = strlen(outdir) + 1;
	for (size_t i = base; p[i] != '\0'; i++) {
		if (p[i] != '/')
			continue;
		p[i] = '\0';
		if (mkdir(p, 0755) != 0 && errno != EEXIST)
			return vouch_err_sys(err, VOUCH_EIO, "cannot create '%s'", p);
		p[i] = '/';
	}
	return VOUCH_OK;
}

static int
copy_output(struct rebuild *rb, int dirfd, const char *name, const char *rel,
            mode_t mode, vouch_err *err)
{
	char dst[PATH_MAX], buf[65536];
	vouch_hasher *h = NULL;
	struct output *out;
	int in = -1, fd = -1, rc;
	ssize_t n;

	if (rb->n_outs == VOUCH_REBUILD_MAX_OUTPUTS)
		return vouch_err_set(err, VOUCH_ELIMIT, "more than %d outputs",
		    VOUCH_REBUILD_MAX_OUTPUTS);
	if (rb->n_outs == rb->cap_outs) {
		size_t cap = rb->cap_outs ? rb->cap_outs * 2 : 16;
		struct output *t = realloc(rb->outs, cap * sizeof(*t));
		if (t == NULL)
			return vouch_err_set(err, VOUCH_ENOMEM, "out of memory");
		rb->outs = t;
		rb->cap_outs = cap;
	}
	if ((rc = mkdirs_for(rb->o->outdir, rel, err)) != VOUCH_OK)
		return rc;
	snprintf(dst, sizeof(dst), "%s/%s", rb->o->outdir, rel);
	if ((in = openat(dirfd, name, O_RDONLY | O_NOFOLLOW | O_CLOEXEC)) < 0) {
		rc = vouch_err_sys(err, VOUCH_EIO, "output '%s'", rel);
		goto out;
	}
	fd = open(dst, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC,
	    (mode & S_IXUSR) ? 0755 : 0644);
	if (fd < 0) {
		rc = vouch_err_sys(err, VOUCH_EIO, "output '%s': cannot create '%s'", rel, dst);
		goto out;
	}
	if ((rc = vouch_hasher_new(VOUCH_ALG_SHA256, &h, err)) != VOUCH_OK)
		goto out;
	while ((n = read(in, buf, sizeof(buf))) != 0) {
		if (n < 0) {
			if (errno == EINTR)
				continue;
			rc = vouch_err_sys(err, VOUCH_EIO, "output '%s'", rel);
			goto out;
		}
		rb->out_bytes += (uint64_t)n;
		if (rb->out_bytes > rb->r->limits.output_bytes) {
			rc = vouch_err_set(err, VOUCH_ELIMIT, "outputs exceed %llu bytes",
			    (unsigned long long)rb->r->limits.output_bytes);
			goto out;
		}
		if ((rc = vouch_hasher_update(h, buf, (size_t)n, err)) != VOUCH_OK ||
		    (rc = vouch_write_all(fd, buf, (size_t)n, dst, err)) != VOUCH_OK)
			goto out;
	}
	out = &rb->outs[rb->n_outs];
	memset(out, 0, sizeof(*out));
	if ((rc = vouch_hasher_final(h, &out->d, err)) != VOUCH_OK)
		goto out;
	/* not fsynced: outdir is a build's output like any other (the
	 * statement names digests; a copy lost in a crash fails to match) */
	if ((out->path = strdup(rel)) == NULL) {
		rc = vouch_err_set(err, VOUCH_ENOMEM, "out of memory");
		goto out;
	}
	rb->n_outs++;
out:
	vouch_hasher_free(h);
	if (in >= 0)
		close(in);
	if (fd >= 0 && close(fd) != 0 && rc == VOUCH_OK)
		rc = vouch_err_sys(err, VOUCH_EIO, "'%s': close", dst);
	return rc;
}

/* Walk /out through directory descriptors, never following a symlink. */
static int
walk_out(struct rebuild *rb, int dirfd, const char *rel, int depth, unsigned char *hit,
         vouch_err *err)
{
	DIR *d;
	struct dirent *e;
	int rc = VOUCH_OK, fd;

	if (depth > OUT_MAX_DEPTH)
		return vouch_err_set(err, VOUCH_ELIMIT, "/out is deeper than %d", OUT_MAX_DEPTH);
	if ((fd = dup(dirfd)) < 0 || (d = fdopendir(fd)) == NULL) {
		if (fd >= 0)
			close(fd);
		return vouch_err_sys(err, VOUCH_EIO, "cannot read /out/%s", rel);
	}
	while (rc == VOUCH_OK && (e = readdir(d)) != NULL) {
		char path[PATH_MAX];
		struct stat st;

		if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
			continue;
		if ((size_t)snprintf(path, sizeof(path), "%s%s%s", rel, *rel ? "/" : "",
		    e->d_name) >= sizeof(path))
			rc = vouch_err_set(err, VOUCH_ELIMIT, "/out/%s: path too long", rel);
		else if (fstatat(dirfd, e->d_name, &st, AT_SYMLINK_NOFOLLOW) != 0)
			rc = vouch_err_sys(err, VOUCH_EIO, "/out/%s", path);
		else if (S_ISDIR(st.st_mode)) {
			int sub = openat(dirfd, e->d_name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW |
			    O_CLOEXEC);
			if (sub < 0)
				rc = vouch_err_sys(err, VOUCH_EIO, "/out/%s", path);
			else {
				rc = walk_out(rb, sub, path, depth + 1, hit, err);
				close(sub);
			}
		} else if (S_ISREG(st.st_mode) && wanted(rb, path, hit)) {
			if (depth == 0 && strcmp(path, VOUCH_REBUILD_LOG_NAME) == 0)
				rc = vouch_err_set(err, VOUCH_EINPUT, "output '%s' has the name of the "
				    "build log", path);
			else
				rc = copy_output(rb, dirfd, e->d_name, path, st.st_mode, err);
		}
	}
	closedir(d);
	return rc;
}

static int
cmp_output(const void *a, const void *b)
{
	return strcmp(((const struct output *)a)->path, ((const struct output *)b)->path);
}

static int
collect(struct rebuild *rb, int out_fd, vouch_err *err)
{
	unsigned char *hit = calloc(rb->r->n_outputs, 1);
	int rc;

	if (hit == NULL)
		return vouch_err_set(err, VOUCH_ENOMEM, "out of memory");
	rc = walk_out(rb, out_fd, "", 0, hit, err);
	for (size_t i = 0; rc == VOUCH_OK && i < rb->r->n_outputs; i++)
		if (!hit[i])
			rc = vouch_err_set(err, VOUCH_ENEGATIVE, "output '%s' was not produced "
			    "(no regular file under /out matches it)", rb->r->outputs[i]);
	free(hit);
	if (rc == VOUCH_OK)
		qsort(rb->outs, rb->n_outs, sizeof(*rb->outs), cmp_output);
	return rc;
}

/* ---- provenance ------------------------------------------------------------- */

/* The working directory the build saw: the recipe's, or a varied one. */
static const char *
o_workdir(const struct rebuild *rb)
{
	const vouch_vary *v = rb->o->vary;

	return v != NULL && v->workdir != NULL ? v->workdir : rb->r->workdir;
}

static cJSON *
pinned_digests(int has_sha, const uint8_t *sha, int has_tree, const uint8_t *tree,
               vouch_err *err)
{
	cJSON *o = cJSON_CreateObject();
	char hex[65];

	if (o == NULL) {
		vouch_err_set(err, VOUCH_ENOMEM, "out of memory");
		return NULL;
	}
	if ((has_sha && vouch_json_add_string(o, "sha256", vouch_hex_encode(sha, 32, hex),
	    err) == NULL) ||
	    (has_tree && vouch_json_add_string(o, VOUCH_TREE_DIGEST_KEY,
	    vouch_hex_encode(tree, 32, hex), err) == NULL)) {
		cJSON_Delete(o);
		return NULL;
	}
	return o;
}

static int
add_obj(cJSON *parent, const char *key, cJSON *child, vouch_err *err)
{
	if (child == NULL)
		return VOUCH_ENOMEM;
	if (!cJSON_AddItemToObject(parent, key, child)) {
		cJSON_Delete(child);
		return vouch_err_set(err, VOUCH_ENOMEM, "out of memory");
	}
	return VOUCH_OK;
}

/* externalParameters.source of a multi-file source: the recipe's pins. */
static int
external_files(const vouch_recipe *r, cJSON *ext, vouch_err *err)
{
	uint8_t none[32] = { 0 };
	cJSON *src, *arr, *f;

	if ((src = vouch_json_add_object(ext, "source", err)) == NULL ||
	    (arr = cJSON_AddArrayToObject(src, "files")) == NULL)
		return vouch_err_set(err, VOUCH_ENOMEM, "out of memory");
	for (size_t i = 0; i < r->n_source_files; i++) {
		const vouch_recipe_file *p = &r->source_files[i];
		if ((f = cJSON_CreateObject()) == NULL || !cJSON_AddItemToArray(arr, f)) {
			cJSON_Delete(f);
			return vouch_err_set(err, VOUCH_ENOMEM, "out of memory");
		}
		if (vouch_json_add_string(f, "name", p->name, err) == NULL ||
		    (p->path != NULL && vouch_json_add_string(f, "path", p->path, err) == NULL) ||
		    (p->uri != NULL && vouch_json_add_string(f, "uri", p->uri, err) == NULL) ||
		    add_obj(f, "digest", pinned_digests(1, p->sha256, 0, none, err), err) != 0)
			return VOUCH_ENOMEM;
	}
	if (r->has_source_tree &&
	    add_obj(src, "digest", pinned_digests(0, none, 1, r->source_tree, err), err) != 0)
		return VOUCH_ENOMEM;
	return VOUCH_OK;
}

static int
fill_external(const struct rebuild *rb, cJSON *ext, vouch_err *err)
{
	const vouch_recipe *r = rb->r;
	cJSON *rec = NULL, *src = NULL, *env = NULL;
	uint8_t none[32] = { 0 };
	int rc;

	if ((rec = vouch_json_add_object(ext, "recipe", err)) == NULL ||
	    vouch_json_add_string(rec, "name", r->name, err) == NULL ||
	    vouch_json_add_string(rec, "version", r->version, err) == NULL ||
	    (rc = add_obj(rec, "digest", pinned_digests(1, r->digest, 0, none, err), err)) != 0)
		return VOUCH_ENOMEM;
	if (r->n_source_files > 0) {
		if ((rc = external_files(r, ext, err)) != VOUCH_OK)
			return rc;
	} else if ((src = vouch_json_add_object(ext, "source", err)) == NULL ||
	    (r->source_uri != NULL && vouch_json_add_string(src, "uri", r->source_uri, err) == NULL) ||
	    (r->source_path != NULL && vouch_json_add_string(src, "path", r->source_path,
	        err) == NULL) ||
	    (rc = add_obj(src, "digest", pinned_digests(r->has_source_sha256, r->source_sha256,
	        r->has_source_tree, r->source_tree, err), err)) != 0)
		return VOUCH_ENOMEM;
	if (r->env_host)
		return vouch_json_add_string(ext, "environment", "host", err) != NULL ? VOUCH_OK
		    : VOUCH_ENOMEM;
	if ((env = vouch_json_add_object(ext, "environment", err)) == NULL ||
	    vouch_json_add_string(env, "rootfs", r->env_rootfs, err) == NULL ||
	    (rc = add_obj(env, "digest", pinned_digests(r->has_env_sha256, r->env_sha256,
	        r->has_env_tree, r->env_tree, err), err)) != 0)
		return VOUCH_ENOMEM;
	return VOUCH_OK;
}

static int
add_num(cJSON *o, const char *key, double v, vouch_err *err)
{
	if (cJSON_AddNumberToObject(o, key, v) == NULL)
		return vouch_err_set(err, VOUCH_ENOMEM, "out of memory");
	return VOUCH_OK;
}

static int
fill_internal(const struct rebuild *rb, cJSON *in, vouch_err *err)
{
	const vouch_recipe_limits *l = &rb->r->limits;
	cJSON *sb, *lim;
	char vl[256];

	if ((sb = vouch_json_add_object(in, "sandbox", err)) == NULL ||
	    cJSON_AddBoolToObject(sb, "hermetic", !rb->r->env_host) == NULL ||
	    vouch_json_add_string(sb, "network", "loopback-only", err) == NULL ||
	    cJSON_AddBoolToObject(sb, "seccomp", vouch_sandbox_seccomp()) == NULL ||
	    vouch_json_add_string(sb, "workdir", o_workdir(rb), err) == NULL ||
	    (rb->o->vary != NULL && vouch_json_add_string(sb, "variations",
	        vouch_vary_list(rb->o->vary->set, vl, sizeof(vl)), err) == NULL) ||
	    add_num(sb, "uid", VOUCH_SANDBOX_UID, err) != VOUCH_OK ||
	    add_num(sb, "sourceDateEpoch", (double)rb->r->source_date_epoch, err) != VOUCH_OK ||
	    vouch_json_add_string(sb, "limitEnforcement", rb->enforcement, err) == NULL ||
	    (lim = vouch_json_add_object(sb, "limits", err)) == NULL ||
	    add_num(lim, "timeoutSeconds", (double)l->timeout_seconds, err) != VOUCH_OK ||
	    add_num(lim, "memoryBytes", (double)l->memory_bytes, err) != VOUCH_OK ||
	    add_num(lim, "maxProcesses", (double)l->max_processes, err) != VOUCH_OK ||
	    add_num(lim, "outputBytes", (double)l->output_bytes, err) != VOUCH_OK ||
	    add_num(lim, "diskBytes", (double)l->disk_bytes, err) != VOUCH_OK ||
	    add_num(lim, "openFiles", (double)l->open_files, err) != VOUCH_OK)
		return VOUCH_ENOMEM;
	return vouch_clock_describe(&rb->clock, sb, err);
}

/* Add "vouchTree256" to the digest of the dependency called name. */
static int
patch_tree(cJSON *pred, const char *name, const uint8_t tree[32], vouch_err *err)
{
	cJSON *deps = cJSON_GetObjectItemCaseSensitive(
	    cJSON_GetObjectItemCaseSensitive(pred, "buildDefinition"), "resolvedDependencies");
	cJSON *dep, *dg;
	char hex[65];

	cJSON_ArrayForEach(dep, deps) {
		const char *n = vouch_json_get_string(dep, "name");
		if (n == NULL || strcmp(n, name) != 0)
			continue;
		if ((dg = cJSON_GetObjectItemCaseSensitive(dep, "digest")) == NULL &&
		    (dg = vouch_json_add_object(dep, "digest", err)) == NULL)
			return VOUCH_ENOMEM;
		return vouch_json_add_string(dg, VOUCH_TREE_DIGEST_KEY,
		    vouch_hex_encode(tree, 32, hex), err) != NULL ? VOUCH_OK : VOUCH_ENOMEM;
	}
	return vouch_err_set(err, VOUCH_EINTERNAL, "no dependency '%s'", name);
}

static int
invocation_id(char out[37], vouch_err *err)
{
	uint8_t u[16];
	char hex[33];

	if (RAND_bytes(u, sizeof(u)) != 1)
		return vouch_err_crypto(err, "cannot make an invocation id");
	u[6] = (uint8_t)((u[6] & 0x0f) | 0x40);
	u[8] = (uint8_t)((u[8] & 0x3f) | 0x80);
	vouch_hex_encode(u, 16, hex);
	snprintf(out, 37, "%.8s-%.4s-%.4s-%.4s-%.12s", hex, hex + 8, hex + 12, hex + 16,
	    hex + 20);
	return VOUCH_OK;
}

/* A multi-file source: "source" is the working directory they filled
 * (its tree digest is added later), then "source/<name>" for each file. */
static int
add_file_dependencies(const struct rebuild *rb, vouch_provenance *p, vouch_err *err)
{
	char name[VOUCH_RECIPE_MAX_FILE_NAME + 8], uri[VOUCH_RECIPE_MAX_PATH + 8];
	int rc;

	if ((size_t)snprintf(uri, sizeof(uri), "file://%s", rb->r->workdir) >= sizeof(uri))
		return vouch_err_set(err, VOUCH_ELIMIT, "workdir too long");
	if ((rc = vouch_provenance_add_dependency(p, "source", uri, NULL, err)) != VOUCH_OK)
		return rc;
	for (size_t i = 0; i < rb->files.n; i++) {
		const vouch_srcfile *f = &rb->files.f[i];
		snprintf(name, sizeof(name), "source/%s", f->pin->name);
		if ((rc = vouch_provenance_add_dependency(p, name, f->pin->uri, &f->d,
		    err)) != VOUCH_OK)
			return rc;
	}
	return VOUCH_OK;
}

/* The preload library that fixed the clock, as a file URI. */
static int
add_clock_dependency(const struct rebuild *rb, vouch_provenance *p, vouch_err *err)
{
	char uri[PATH_MAX + 8];

	if ((size_t)snprintf(uri, sizeof(uri), "file://%s", rb->clock.lib) >= sizeof(uri))
		return vouch_err_set(err, VOUCH_ELIMIT, "clock library path too long");
	return vouch_provenance_add_dependency(p, "clock", uri, &rb->clock.lib_d, err);
}

static int
add_dependencies(const struct rebuild *rb, vouch_provenance *p, vouch_err *err)
{
	vouch_digests rd;
	int rc;

	memset(&rd, 0, sizeof(rd));
	rd.algs = VOUCH_ALG_SHA256;
	memcpy(rd.md[vouch_alg_index(VOUCH_ALG_SHA256)], rb->r->digest, 32);
	if (rb->r->n_source_files > 0)
		rc = add_file_dependencies(rb, p, err);
	else
		rc = vouch_provenance_add_dependency(p, "source", rb->r->source_uri, &rb->source_d,
		    err);
	if (rc != VOUCH_OK)
		return rc;
	if (rb->r->env_host)
		rc = vouch_provenance_add_dependency(p, "environment", "file:///usr", NULL, err);
	else if (rb->r->has_env_sha256)
		rc = vouch_provenance_add_dependency(p, "environment", NULL, &rb->env_d, err);
	else
		rc = vouch_provenance_add_dependency(p, "environment", "file:///", NULL, err);
	if (rc != VOUCH_OK)
		return rc;
	if (rb->clock.fixed && (rc = add_clock_dependency(rb, p, err)) != VOUCH_OK)
		return rc;
	return vouch_provenance_add_dependency(p, "recipe", NULL, &rd, err);
}

static int
make_statement(const struct rebuild *rb, vouch_rebuild_result *res, vouch_err *err)
{
	vouch_provenance *p = NULL;
	vouch_statement *st = NULL;
	cJSON *pred = NULL;
	vouch_buf b;
	char id[37];
	int rc;

	vouch_buf_init(&b, 0);
	if ((rc = vouch_provenance_new(VOUCH_BUILD_TYPE_REBUILD, rb->o->builder_id, &p,
	    err)) != VOUCH_OK ||
	    (rc = fill_external(rb, vouch_provenance_external(p), err)) != VOUCH_OK ||
	    (rc = fill_internal(rb, vouch_provenance_internal(p), err)) != VOUCH_OK ||
	    (rc = add_dependencies(rb, p, err)) != VOUCH_OK ||
	    (rc = vouch_provenance_set_builder_version(p, "vouch", PACKAGE_VERSION,
	        err)) != VOUCH_OK ||
	    (rc = invocation_id(id, err)) != VOUCH_OK ||
	    (rc = vouch_provenance_set_times(p, id, rb->started, rb->finished, err)) != VOUCH_OK ||
	    (rc = vouch_provenance_add_byproduct(p, VOUCH_REBUILD_LOG_NAME, NULL, &rb->log_d,
	        err)) != VOUCH_OK ||
	    (rc = vouch_provenance_to_json(p, &pred, err)) != VOUCH_OK ||
	    (rc = patch_tree(pred, "source", rb->tree, err)) != VOUCH_OK ||
	    (!rb->r->env_host && rb->r->has_env_tree &&
	     (rc = patch_tree(pred, "environment", rb->r->env_tree, err)) != VOUCH_OK) ||
	    (rc = vouch_statement_new(VOUCH_PREDICATE_PROVENANCE, &st, err)) != VOUCH_OK)
		goto out;
	for (size_t i = 0; i < rb->n_outs; i++)
		if ((rc = vouch_statement_add_subject(st, rb->outs[i].path, &rb->outs[i].d,
		    err)) != VOUCH_OK)
			goto out;
	rc = vouch_statement_set_predicate(st, pred, err);
	pred = NULL;
	if (rc != VOUCH_OK || (rc = vouch_statement_serialize(st, &b, err)) != VOUCH_OK)
		goto out;
	res->statement_len = b.len;
	res->statement = (char *)vouch_buf_detach(&b, NULL, err);
	if (res->statement == NULL)
		rc = VOUCH_ENOMEM;
out:
	cJSON_Delete(pred);
	vouch_statement_free(st);
	vouch_provenance_free(p);
	vouch_buf_free(&b);
	return rc;
}

/* ---- the run ------------------------------------------------------------------ */

static int
run_sandbox(struct rebuild *rb, vouch_rebuild_result *res, int *out_fd, vouch_err *err)
{
	const vouch_recipe *r = rb->r;
	vouch_sandbox_opts so;
	vouch_sandbox_result sr;
	int rc;

	memset(&so, 0, sizeof(so));
	so.rootfs = rb->rootfs[0] != '\0' ? rb->rootfs : NULL;
	so.workdir = o_workdir(rb);
	so.env = r->env;
	so.n_env = r->n_env;
	so.source_date_epoch = r->source_date_epoch;
	so.steps = r->steps;
	so.n_steps = r->n_steps;
	so.limits = r->limits;
	so.log_fd = rb->log_fd;
	so.prepare = prepare_source;
	so.prepare_arg = rb;
	so.expect_digest = r->has_source_tree;
	memcpy(so.expected, r->source_tree, 32);
	so.progress = rb->o->progress;
	so.progress_arg = rb->o->progress_arg;
	so.vary = rb->o->vary;
	if (rb->clock.fixed) {
		so.preload = VOUCH_CLOCK_SANDBOX_LIB;
		so.preload_src = rb->clock.lib;
		so.preload_fd = rb->clock.lib_fd;
		so.extra_env = rb->clock.env;
		so.n_extra_env = rb->clock.n_env;
	}
	rb->started = time(NULL);
	rc = vouch_sandbox_run(&so, &sr, err);
	rb->finished = time(NULL);
	memcpy(rb->tree, sr.digest, 32);
	rb->has_tree = sr.has_digest;
	*out_fd = sr.out_fd;
	res->limit = sr.limit;
	res->elapsed = sr.elapsed;
	memcpy(res->tail, sr.tail, sizeof(res->tail));
	memcpy(res->enforcement, sr.enforcement, sizeof(res->enforcement));
	memcpy(rb->enforcement, sr.enforcement, sizeof(rb->enforcement));
	return rc;
}

static int
finish_log(struct rebuild *rb, vouch_err *err)
{
	if (lseek(rb->log_fd, 0, SEEK_SET) != 0)
		return vouch_err_sys(err, VOUCH_EIO, "build log: seek");
	return vouch_digest_fd(rb->log_fd, "build log", VOUCH_ALG_SHA256, &rb->log_d, err);
}

int
vouch_rebuild_run(const vouch_recipe *r, const vouch_rebuild_opts *o,
                  vouch_rebuild_result *res, vouch_err *err)
{
	struct rebuild rb;
	char tmp[PATH_MAX];
	int rc, out_fd = -1;

	memset(res, 0, sizeof(*res));
	memset(&rb, 0, sizeof(rb));
	rb.r = r;
	rb.o = o;
	rb.source_fd = rb.log_fd = -1;
	rb.clock.lib_fd = -1;
	if (o->outdir == NULL)
		return vouch_err_set(err, VOUCH_EUSAGE, "no output directory");
	snprintf(tmp, sizeof(tmp), "%s", o->recipe_path != NULL ? o->recipe_path : "./recipe");
	snprintf(rb.recipe_dir, sizeof(rb.recipe_dir), "%s", dirname(tmp));
	if ((rc = vouch_sandbox_available(err)) != VOUCH_OK ||
	    (rc = open_source(&rb, err)) != VOUCH_OK ||
	    (rc = check_environment(&rb, err)) != VOUCH_OK ||
	    (rc = vouch_clock_setup(r, o->clock_lib, &rb.clock, err)) != VOUCH_OK ||
	    (rc = prepare_outdir(&rb, err)) != VOUCH_OK)
		goto out;
	snprintf(res->rootfs, sizeof(res->rootfs), "%s", rb.rootfs);
	rc = run_sandbox(&rb, res, &out_fd, err);
	if (finish_log(&rb, rc == VOUCH_OK ? err : NULL) != VOUCH_OK && rc == VOUCH_OK)
		rc = VOUCH_EIO;
	if (rc != VOUCH_OK || (rc = collect(&rb, out_fd, err)) != VOUCH_OK)
		goto out;
	res->n_outputs = rb.n_outs;
	rc = make_statement(&rb, res, err);
out:
	if (out_fd >= 0)
		close(out_fd);
	if (rb.source_fd >= 0)
		close(rb.source_fd);
	if (rb.log_fd >= 0)
		close(rb.log_fd);
	for (size_t i = 0; i < rb.n_outs; i++)
		free(rb.outs[i].path);
	free(rb.outs);
	vouch_clock_free(&rb.clock);
	vouch_srcfiles_free(&rb.files);
	return rc;
}
