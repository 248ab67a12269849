/* logstore_posix.c - the POSIX back end of vouch_logstore: a directory
 * that any static web server can serve (see vouch/logstore.h), one writer
 * by flock(2), durability by syncfs(2) and rename(2), and the lookup index
 * in SQLite under DIR/.vouch. */
#include "config.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <sqlite3.h>

#include "vouch/file.h"
#include "vouch/tile.h"
#include "logstore_int.h"

#define NEXT_CHECKPOINT ".vouch/checkpoint.next"

struct posix {
	char *dir;
	int dirfd;                       /* DIR, for syncfs */
	int lockfd;
	sqlite3 *db;                     /* the writer's connection */
	sqlite3_stmt *ins_leaf, *ins_subj;
	sqlite3 *rdb;                    /* queries, usable during an append */
	sqlite3_stmt *find_leaf, *lookup;
	pthread_mutex_t rmu;             /* rdb */
};

/* ---- files ---- */

static int
path_join(char *out, size_t outsz, const char *dir, const char *rel, vouch_err *err)
{
	int w = snprintf(out, outsz, "%s/%s", dir, rel);

	if (w < 0 || (size_t)w >= outsz)
		return vouch_err_set(err, VOUCH_ELIMIT, "path '%s/%s' too long", dir, rel);
	return VOUCH_OK;
}

/* mkdir -p of the directory part of DIR/rel. */
static int
make_parents(struct posix *p, const char *rel, vouch_err *err)
{
	char path[PATH_MAX];
	size_t base = strlen(p->dir) + 1;
	char *s;
	int rc;

	if ((rc = path_join(path, sizeof path, p->dir, rel, err)) != VOUCH_OK)
		return rc;
	for (s = path + base; (s = strchr(s, '/')) != NULL; s++) {
		*s = '\0';
		if (mkdir(path, 0755) != 0 && errno != EEXIST)
			return vouch_err_sys(err, VOUCH_EIO, "cannot create '%s'", path);
		*s = '/';
	}
	return VOUCH_OK;
}

/* Write DIR/rel through a temporary file and rename it into place.  The
 * data reaches the disk with the commit's syncfs(), before any checkpoint
 * covers it; after a crash, files the checkpoint does not cover are
 * removed. */
static int
p_put(void *be, const char *rel, const void *data, size_t n, vouch_err *err)
{
	struct posix *p = be;
	char path[PATH_MAX], tmp[PATH_MAX + 8];
	int fd = -1, rc;

	if ((rc = make_parents(p, rel, err)) != VOUCH_OK ||
	    (rc = path_join(path, sizeof path, p->dir, rel, err)) != VOUCH_OK)
		return rc;
	snprintf(tmp, sizeof tmp, "%s.tmp", path);
	fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_NOFOLLOW | O_CLOEXEC, 0644);
	if (fd < 0)
		return vouch_err_sys(err, VOUCH_EIO, "cannot create '%s'", tmp);
	if ((rc = vouch_write_all(fd, data, n, tmp, err)) != VOUCH_OK)
		goto out;
	if (close(fd) != 0) {
		fd = -1;
		rc = vouch_err_sys(err, VOUCH_EIO, "cannot close '%s'", tmp);
		goto out;
	}
	fd = -1;
	if (rename(tmp, path) != 0)
		rc = vouch_err_sys(err, VOUCH_EIO, "cannot rename '%s'", tmp);
out:
	if (fd >= 0)
		close(fd);
	if (rc != VOUCH_OK)
		unlink(tmp);
	return rc;
}

static int
read_exact_file(const char *path, size_t max, vouch_buf *out, vouch_err *err)
{
	int fd = -1, rc;

	if ((rc = vouch_open_read_nofollow(path, &fd, err)) != VOUCH_OK)
		return rc;
	rc = vouch_read_fd(fd, path, max, out, err);
	close(fd);
	return rc;
}

/* DIR/rel, VOUCH_ENEGATIVE (err untouched) if it does not exist. */
static int
dir_get(const char *dir, const char *rel, size_t max, vouch_buf *out, vouch_err *err)
{
	char path[PATH_MAX];
	vouch_err local;
	int rc;

	if ((rc = path_join(path, sizeof path, dir, rel, err)) != VOUCH_OK)
		return rc;
	vouch_err_clear(&local);
	rc = read_exact_file(path, max, out, &local);
	if (rc == VOUCH_OK)
		return rc;
	if (local.sys_errno == ENOENT)
		return VOUCH_ENEGATIVE;
	return vouch_err_set(err, rc, "%s", local.msg);
}

static int
p_get(void *be, const char *rel, size_t max, vouch_buf *out, vouch_err *err)
{
	return dir_get(((struct posix *)be)->dir, rel, max, out, err);
}

static int
dir_getter(void *ctx, const char *rel, size_t max, vouch_buf *out, vouch_err *err)
{
	return dir_get(ctx, rel, max, out, err);
}

int
vouch_logstore_read_tile(void *ctx, int level, uint64_t index, unsigned width, uint8_t *out,
                         vouch_err *err)
{
	return logstore_tile_via(dir_getter, ctx, ctx, level, index, width, out, err);
}

/* ---- the writer ---- */

static int
p_lock(void *be, unsigned flags, vouch_err *err)
{
	struct posix *p = be;
	char path[PATH_MAX];
	int rc;

	if ((rc = path_join(path, sizeof path, p->dir, ".vouch", err)) != VOUCH_OK)
		return rc;
	if (mkdir(path, 0700) != 0 && errno != EEXIST)
		return vouch_err_sys(err, VOUCH_EIO, "cannot create '%s'", path);
	if ((rc = path_join(path, sizeof path, p->dir, ".vouch/lock", err)) != VOUCH_OK)
		return rc;
	p->lockfd = open(path, O_RDWR | O_CREAT | O_NOFOLLOW | O_CLOEXEC, 0600);
	if (p->lockfd < 0)
		return vouch_err_sys(err, VOUCH_EIO, "cannot open '%s'", path);
	if (flock(p->lockfd, (flags & VOUCH_LOGSTORE_WAIT) ? LOCK_EX : LOCK_EX | LOCK_NB) != 0) {
		if (errno == EWOULDBLOCK)
			return vouch_err_set(err, VOUCH_EEXIST,
			                     "'%s' is in use by another writer", p->dir);
		return vouch_err_sys(err, VOUCH_EIO, "cannot lock '%s'", path);
	}
	return VOUCH_OK;
}

/* A checkpoint staged but never published (a crash in between) is
 * removed: it must never be served. */
static int
drop_staged(struct posix *p, vouch_err *err)
{
	char path[PATH_MAX];
	int rc;

	if ((rc = path_join(path, sizeof path, p->dir, NEXT_CHECKPOINT ".tmp", err)) !=
	    VOUCH_OK)
		return rc;
	if (unlink(path) != 0 && errno != ENOENT)
		return vouch_err_sys(err, VOUCH_EIO, "cannot remove '%s'", path);
	path[strlen(path) - 4] = '\0';
	if (unlink(path) != 0 && errno != ENOENT)
		return vouch_err_sys(err, VOUCH_EIO, "cannot remove '%s'", path);
	return VOUCH_OK;
}

static int
p_recover(void *be, int must_exist, vouch_buf *note, vouch_err *err)
{
	struct posix *p = be;
	char path[PATH_MAX];
	struct stat st;
	int rc;

	if ((rc = drop_staged(p, err)) != VOUCH_OK ||
	    (rc = path_join(path, sizeof path, p->dir, "checkpoint", err)) != VOUCH_OK)
		return rc;
	if (!must_exist && lstat(path, &st) != 0)
		return VOUCH_ENEGATIVE;
	return read_exact_file(path, VOUCH_NOTE_MAX, note, err);
}

/* Remove a tile the checkpoint does not cover (written for a batch that
 * was never committed), and leftover temporary files. */
static int
prune_file(uint64_t size, const char *path, const char *rel, vouch_err *err)
{
	size_t n = strlen(rel);
	int level = 0;
	uint64_t index = 0;
	unsigned width = 0, have;

	if (n > 4 && strcmp(rel + n - 4, ".tmp") == 0)
		goto remove;
	if (vouch_tile_path_parse(rel, n, &level, &index, &width, NULL) != VOUCH_OK)
		return VOUCH_OK; /* not ours: leave it */
	have = vouch_tile_width(level, index, size);
	if (have != 0 && width <= have)
		return VOUCH_OK;
remove:
	if (unlink(path) != 0 && errno != ENOENT)
		return vouch_err_sys(err, VOUCH_EIO, "cannot remove '%s'", path);
	return VOUCH_OK;
}

static int
prune_dir(uint64_t size, char *path, size_t base, unsigned depth, vouch_err *err)
{
	DIR *d;
	struct dirent *de;
	size_t len = strlen(path);
	int rc = VOUCH_OK, removed = 0;

	if (depth > 12)
		return vouch_err_set(err, VOUCH_EINPUT, "'%s' is nested too deep", path);
	if ((d = opendir(path)) == NULL)
		return errno == ENOENT ? VOUCH_OK
		                       : vouch_err_sys(err, VOUCH_EIO, "cannot read '%s'", path);
	while (rc == VOUCH_OK && (de = readdir(d)) != NULL) {
		struct stat st;

		if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0)
			continue;
		if (len + 1 + strlen(de->d_name) >= PATH_MAX) {
			rc = vouch_err_set(err, VOUCH_ELIMIT, "path under '%s' too long", path);
			break;
		}
		snprintf(path + len, PATH_MAX - len, "/%s", de->d_name);
		if (lstat(path, &st) != 0)
			rc = vouch_err_sys(err, VOUCH_EIO, "cannot stat '%s'", path);
		else if (S_ISDIR(st.st_mode))
			rc = prune_dir(size, path, base, depth + 1, err);
		else if (S_ISREG(st.st_mode)) {
			rc = prune_file(size, path, path + base, err);
			removed = 1;
		}
		path[len] = '\0';
	}
	closedir(d);
	if (rc == VOUCH_OK && removed)
		rc = vouch_fsync_dir(path, 1, err);
	return rc;
}

static int
p_prune(void *be, uint64_t size, vouch_err *err)
{
	struct posix *p = be;
	char path[PATH_MAX];
	int rc;

	if ((rc = path_join(path, sizeof path, p->dir, "tile", err)) != VOUCH_OK)
		return rc;
	return prune_dir(size, path, strlen(p->dir) + 1, 0, err);
}

static int
p_begin(void *be, uint64_t old_size, vouch_err *err)
{
	(void)be;
	(void)old_size;
	(void)err;
	return VOUCH_OK; /* the flock is held */
}

static void
p_abort(void *be)
{
	(void)be;
}

/* Stage the note in DIR/.vouch/checkpoint.next (not served); one syncfs(2)
 * makes it and the batch's files and directory entries durable (instead of
 * an fsync per file); then rename it into place and make that durable. */
static int
p_publish(void *be, const vouch_checkpoint *cp, const vouch_buf *note, vouch_err *err)
{
	struct posix *p = be;
	char from[PATH_MAX], to[PATH_MAX];
	int rc;

	(void)cp;
	if ((rc = p_put(p, NEXT_CHECKPOINT, note->data, note->len, err)) != VOUCH_OK)
		return rc;
	if (syncfs(p->dirfd) != 0)
		return vouch_err_sys(err, VOUCH_EIO, "cannot sync '%s'", p->dir);
	if ((rc = path_join(from, sizeof from, p->dir, NEXT_CHECKPOINT, err)) != VOUCH_OK ||
	    (rc = path_join(to, sizeof to, p->dir, "checkpoint", err)) != VOUCH_OK)
		return rc;
	if (rename(from, to) != 0)
		return vouch_err_sys(err, VOUCH_EIO, "cannot rename '%s'", from);
	return vouch_fsync_dir(p->dir, 1, err);
}

static uint64_t
p_fence(void *be)
{
	(void)be;
	return 0;
}

/* ---- the SQLite index ---- */

static int
db_fail(struct posix *p, const char *what, vouch_err *err)
{
	return vouch_err_set(err, VOUCH_EIO, "index: %s: %s", what, sqlite3_errmsg(p->db));
}

static int
db_exec(struct posix *p, const char *sql, vouch_err *err)
{
	if (sqlite3_exec(p->db, sql, NULL, NULL, NULL) != SQLITE_OK)
		return db_fail(p, sql, err);
	return VOUCH_OK;
}

static int
db_open(struct posix *p, vouch_err *err)
{
	char path[PATH_MAX];
	int rc;

	if ((rc = path_join(path, sizeof path, p->dir, ".vouch/index.sqlite", err)) != VOUCH_OK)
		return rc;
	if (sqlite3_open_v2(path, &p->db,
	                    SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX,
	                    NULL) != SQLITE_OK)
		return db_fail(p, "open", err);
	sqlite3_busy_timeout(p->db, 5000);
	if ((rc = db_exec(p, "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;"
	                     /* issue 18: the whole index of a few million entries in
	                      * memory, no page read back while inserting */
	                     "PRAGMA cache_size=-32768;"
	                     "CREATE TABLE IF NOT EXISTS leaves(idx INTEGER PRIMARY KEY,"
	                     " hash BLOB NOT NULL);"
	                     "CREATE INDEX IF NOT EXISTS leaves_hash ON leaves(hash);"
	                     "CREATE TABLE IF NOT EXISTS subjects(digest BLOB NOT NULL,"
	                     " idx INTEGER NOT NULL, PRIMARY KEY(digest, idx)) WITHOUT ROWID;",
	                  err)) != VOUCH_OK)
		return rc;
	if (sqlite3_prepare_v2(p->db, "INSERT OR REPLACE INTO leaves(idx, hash) VALUES(?, ?)",
	                       -1, &p->ins_leaf, NULL) != SQLITE_OK ||
	    sqlite3_prepare_v2(p->db, "INSERT OR IGNORE INTO subjects(digest, idx) VALUES(?, ?)",
	                       -1, &p->ins_subj, NULL) != SQLITE_OK)
		return db_fail(p, "prepare", err);
	if (sqlite3_open_v2(path, &p->rdb, SQLITE_OPEN_READONLY | SQLITE_OPEN_NOMUTEX, NULL) !=
	    SQLITE_OK)
		return vouch_err_set(err, VOUCH_EIO, "index: open: %s", sqlite3_errmsg(p->rdb));
	sqlite3_busy_timeout(p->rdb, 5000);
	if (sqlite3_prepare_v2(p->rdb, "SELECT idx FROM leaves WHERE hash = ? ORDER BY idx LIMIT 1",
	                       -1, &p->find_leaf, NULL) != SQLITE_OK ||
	    sqlite3_prepare_v2(p->rdb,
	                       "SELECT idx FROM subjects WHERE digest = ? ORDER BY idx LIMIT ?",
	                       -1, &p->lookup, NULL) != SQLITE_OK)
		return db_fail(p, "prepare", err);
	return VOUCH_OK;
}

static int
db_step_done(struct posix *p, sqlite3_stmt *st, vouch_err *err)
{
	int r = sqlite3_step(st);

	sqlite3_reset(st);
	sqlite3_clear_bindings(st);
	return r == SQLITE_DONE ? VOUCH_OK : db_fail(p, "insert", err);
}

static int
p_index_add(void *be, uint64_t idx, const vouch_hash key, const uint8_t *subjects,
            size_t nsubjects, vouch_err *err)
{
	struct posix *p = be;
	size_t i;
	int rc;

	sqlite3_bind_int64(p->ins_leaf, 1, (sqlite3_int64)idx);
	sqlite3_bind_blob(p->ins_leaf, 2, key, VOUCH_HASH_LEN, SQLITE_STATIC);
	if ((rc = db_step_done(p, p->ins_leaf, err)) != VOUCH_OK)
		return rc;
	for (i = 0; i < nsubjects; i++) {
		sqlite3_bind_blob(p->ins_subj, 1, subjects + 32 * i, 32, SQLITE_STATIC);
		sqlite3_bind_int64(p->ins_subj, 2, (sqlite3_int64)idx);
		if ((rc = db_step_done(p, p->ins_subj, err)) != VOUCH_OK)
			return rc;
	}
	return VOUCH_OK;
}

static int
p_txn_begin(void *be, vouch_err *err)
{
	return db_exec(be, "BEGIN", err);
}

static int
p_txn_end(void *be, int ok, vouch_err *err)
{
	struct posix *p = be;

	if (ok)
		return db_exec(p, "COMMIT", err);
	sqlite3_exec(p->db, "ROLLBACK", NULL, NULL, NULL);
	return VOUCH_OK;
}

/* Drop rows past the checkpoint, and all of them for an index keyed
 * another way (user_version: 0 leaf hash, 1 keyer) or not a prefix. */
static int
p_index_start(void *be, int keyed, int reindex, uint64_t size, uint64_t *next,
              vouch_err *err)
{
	struct posix *p = be;
	sqlite3_stmt *st = NULL;
	char sql[128];
	int rc;

	*next = 0;
	if ((rc = db_open(p, err)) != VOUCH_OK)
		return rc;
	if (sqlite3_prepare_v2(p->db, "PRAGMA user_version", -1, &st, NULL) != SQLITE_OK ||
	    sqlite3_step(st) != SQLITE_ROW) {
		rc = db_fail(p, "version", err);
		goto out;
	}
	if (sqlite3_column_int(st, 0) != keyed)
		reindex = 1;
	sqlite3_finalize(st);
	st = NULL;
	if (reindex && (rc = db_exec(p, "DELETE FROM leaves; DELETE FROM subjects;", err)) !=
	                   VOUCH_OK)
		goto out;
	if ((rc = db_exec(p, keyed ? "PRAGMA user_version = 1" : "PRAGMA user_version = 0",
	                  err)) != VOUCH_OK)
		goto out;
	snprintf(sql, sizeof sql, "DELETE FROM leaves WHERE idx >= %llu;"
	                          "DELETE FROM subjects WHERE idx >= %llu;",
	         (unsigned long long)size, (unsigned long long)size);
	if ((rc = db_exec(p, sql, err)) != VOUCH_OK)
		goto out;
	if (sqlite3_prepare_v2(p->db, "SELECT COUNT(*), MAX(idx) FROM leaves", -1, &st, NULL) !=
	        SQLITE_OK ||
	    sqlite3_step(st) != SQLITE_ROW) {
		rc = db_fail(p, "count", err);
		goto out;
	}
	/* rows are inserted in order, so a complete prefix has count == max + 1 */
	if (sqlite3_column_type(st, 1) != SQLITE_NULL &&
	    sqlite3_column_int64(st, 0) == sqlite3_column_int64(st, 1) + 1)
		*next = (uint64_t)sqlite3_column_int64(st, 1) + 1;
	else
		rc = db_exec(p, "DELETE FROM leaves; DELETE FROM subjects;", err);
out:
	sqlite3_finalize(st);
	return rc;
}

static int
rdb_fail(struct posix *p, vouch_err *err)
{
	return vouch_err_set(err, VOUCH_EIO, "index: lookup: %s", sqlite3_errmsg(p->rdb));
}

static int
p_find_leaf(void *be, const vouch_hash leaf, uint64_t *index, vouch_err *err)
{
	struct posix *p = be;
	int r, rc = VOUCH_ENEGATIVE;

	pthread_mutex_lock(&p->rmu);
	sqlite3_bind_blob(p->find_leaf, 1, leaf, VOUCH_HASH_LEN, SQLITE_STATIC);
	r = sqlite3_step(p->find_leaf);
	if (r == SQLITE_ROW) {
		*index = (uint64_t)sqlite3_column_int64(p->find_leaf, 0);
		rc = VOUCH_OK;
	} else if (r != SQLITE_DONE) {
		rc = rdb_fail(p, err);
	}
	sqlite3_reset(p->find_leaf);
	sqlite3_clear_bindings(p->find_leaf);
	pthread_mutex_unlock(&p->rmu);
	return rc;
}

static int
p_lookup(void *be, const uint8_t d[32], uint64_t *out, size_t max, size_t *n, vouch_err *err)
{
	struct posix *p = be;
	int r, rc = VOUCH_OK;

	*n = 0;
	pthread_mutex_lock(&p->rmu);
	sqlite3_bind_blob(p->lookup, 1, d, 32, SQLITE_STATIC);
	sqlite3_bind_int64(p->lookup, 2, (sqlite3_int64)max);
	while ((r = sqlite3_step(p->lookup)) == SQLITE_ROW && *n < max)
		out[(*n)++] = (uint64_t)sqlite3_column_int64(p->lookup, 0);
	if (r != SQLITE_ROW && r != SQLITE_DONE)
		rc = rdb_fail(p, err);
	sqlite3_reset(p->lookup);
	sqlite3_clear_bindings(p->lookup);
	pthread_mutex_unlock(&p->rmu);
	return rc;
}

static int
p_each_key(void *be, void (*fn)(void *ctx, const uint8_t *key), void *ctx, vouch_err *err)
{
	struct posix *p = be;
	sqlite3_stmt *st = NULL;
	int r, rc = VOUCH_OK;

	pthread_mutex_lock(&p->rmu);
	if (sqlite3_prepare_v2(p->rdb, "SELECT hash FROM leaves", -1, &st, NULL) != SQLITE_OK) {
		rc = rdb_fail(p, err);
		goto out;
	}
	while ((r = sqlite3_step(st)) == SQLITE_ROW)
		if (sqlite3_column_bytes(st, 0) == VOUCH_HASH_LEN)
			fn(ctx, sqlite3_column_blob(st, 0));
	if (r != SQLITE_DONE)
		rc = rdb_fail(p, err);
out:
	sqlite3_finalize(st);
	pthread_mutex_unlock(&p->rmu);
	return rc;
}

/* ---- open, free ---- */

static void
p_free(void *be)
{
	struct posix *p = be;

	if (p == NULL)
		return;
	sqlite3_finalize(p->ins_leaf);
	sqlite3_finalize(p->ins_subj);
	sqlite3_finalize(p->find_leaf);
	sqlite3_finalize(p->lookup);
	sqlite3_close(p->db);
	sqlite3_close(p->rdb);
	pthread_mutex_destroy(&p->rmu);
	if (p->dirfd >= 0)
		close(p->dirfd);
	if (p->lockfd >= 0)
		close(p->lockfd);
	free(p->dir);
	free(p);
}

static int
p_open(const vouch_logstore_spec *spec, unsigned flags, void **out, vouch_err *err)
{
	vouch_logstore_loc loc;
	struct posix *p;
	char path[PATH_MAX];
	int rc;

	*out = NULL;
	if ((rc = vouch_logstore_loc_parse(spec->storage, &loc, err)) != VOUCH_OK)
		return rc;
	if ((flags & LOGSTORE_CREATE) && mkdir(loc.dir, 0755) != 0 && errno != EEXIST)
		return vouch_err_sys(err, VOUCH_EIO, "cannot create '%s'", loc.dir);
	if ((p = calloc(1, sizeof *p)) == NULL)
		return vouch_err_set(err, VOUCH_ENOMEM, "out of memory");
	p->lockfd = -1;
	pthread_mutex_init(&p->rmu, NULL);
	if ((p->dir = strdup(loc.dir)) == NULL) {
		p->dirfd = -1;
		p_free(p);
		return vouch_err_set(err, VOUCH_ENOMEM, "out of memory");
	}
	if ((p->dirfd = open(loc.dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) < 0) {
		rc = vouch_err_sys(err, VOUCH_EIO, "cannot open '%s'", loc.dir);
		p_free(p);
		return rc;
	}
	if ((flags & LOGSTORE_CREATE) &&
	    (rc = path_join(path, sizeof path, loc.dir, "tile", err)) == VOUCH_OK &&
	    mkdir(path, 0755) != 0 && errno != EEXIST) {
		rc = vouch_err_sys(err, VOUCH_EIO, "cannot create '%s'", path);
		p_free(p);
		return rc;
	}
	*out = p;
	return VOUCH_OK;
}

const struct logstore_ops vouch_logstore_posix_ops = {
	"posix", 0, p_open, p_free, p_get, p_put, p_lock, p_recover, p_prune, p_begin,
	p_publish, p_abort, p_index_start, p_txn_begin, p_index_add, p_txn_end, p_find_leaf,
	p_lookup, p_fence, p_each_key,
};
