/* logstore.c - a tlog-tiles log in a POSIX directory, with a SQLite index. */
#include "config.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <pthread.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <sqlite3.h>

#include "vouch/file.h"
#include "vouch/logstore.h"
#include "vouch/tile.h"

#define BUNDLE_MAX ((size_t)VOUCH_TILE_WIDTH * (VOUCH_ENTRY_MAX + 2))

struct vouch_logstore {
	char *dir;
	int lockfd;
	const vouch_key *key;            /* borrowed */
	vouch_note_verifier *ver;
	vouch_checkpoint cp;
	vouch_buf note;
	vouch_buf edge;                  /* the entries of the last partial bundle */
	sqlite3 *db;                     /* the writer's connection */
	sqlite3_stmt *ins_leaf, *ins_subj;
	sqlite3 *rdb;                    /* queries, usable during an append */
	sqlite3_stmt *find_leaf, *lookup;
	pthread_mutex_t rmu;             /* rdb */
	int dirfd;                       /* DIR, for syncfs */
	vouch_logstore_indexer indexer;
	vouch_logstore_keyer keyer;
	void *kctx;
	void *ictx;
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

/* Make the batch's files and directory entries durable: one syncfs(2) of
 * the log's file system instead of an fsync per file and directory. */
static int
sync_store(vouch_logstore *ls, vouch_err *err)
{
	if (syncfs(ls->dirfd) != 0)
		return vouch_err_sys(err, VOUCH_EIO, "cannot sync '%s'", ls->dir);
	return VOUCH_OK;
}

/* mkdir -p of the directory part of DIR/rel. */
static int
make_parents(vouch_logstore *ls, const char *rel, vouch_err *err)
{
	char path[PATH_MAX];
	size_t base = strlen(ls->dir) + 1;
	char *p;
	int rc;

	if ((rc = path_join(path, sizeof path, ls->dir, rel, err)) != VOUCH_OK)
		return rc;
	for (p = path + base; (p = strchr(p, '/')) != NULL; p++) {
		*p = '\0';
		if (mkdir(path, 0755) != 0 && errno != EEXIST)
			return vouch_err_sys(err, VOUCH_EIO, "cannot create '%s'", path);
		*p = '/';
	}
	return VOUCH_OK;
}

/* Write DIR/rel through a temporary file and rename it into place.  The
 * data reaches the disk with sync_store(), before any checkpoint covers it;
 * after a crash, files the checkpoint does not cover are removed. */
static int
put_file(vouch_logstore *ls, const char *rel, const void *data, size_t n, vouch_err *err)
{
	char path[PATH_MAX], tmp[PATH_MAX + 8];
	int fd = -1, rc;

	if ((rc = make_parents(ls, rel, err)) != VOUCH_OK ||
	    (rc = path_join(path, sizeof path, ls->dir, rel, err)) != VOUCH_OK)
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

int
vouch_logstore_read_tile(void *ctx, int level, uint64_t index, unsigned width, uint8_t *out,
                         vouch_err *err)
{
	const char *dir = ctx;
	char rel[VOUCH_TILE_PATH_MAX], path[PATH_MAX];
	vouch_buf b;
	int rc, full;

	vouch_buf_init(&b, VOUCH_TILE_BYTES + 1);
	for (full = 0; full < 2; full++) {
		vouch_err local;

		vouch_err_clear(&local);
		vouch_buf_reset(&b);
		if ((rc = vouch_tile_path(level, index, full ? VOUCH_TILE_WIDTH : width, rel,
		                          sizeof rel, err)) != VOUCH_OK ||
		    (rc = path_join(path, sizeof path, dir, rel, err)) != VOUCH_OK)
			goto out;
		rc = read_exact_file(path, VOUCH_TILE_BYTES, &b, &local);
		if (rc == VOUCH_OK)
			break;
		if (full || width == VOUCH_TILE_WIDTH || local.sys_errno != ENOENT) {
			rc = vouch_err_set(err, rc, "%s", local.msg);
			goto out;
		}
	}
	if (b.len < (size_t)width * VOUCH_HASH_LEN ||
	    (!full && b.len != (size_t)width * VOUCH_HASH_LEN) ||
	    (full && b.len != VOUCH_TILE_BYTES)) {
		rc = vouch_err_set(err, VOUCH_EINPUT, "'%s' has %zu bytes, not a tile of width %u",
		                   rel, b.len, width);
		goto out;
	}
	memcpy(out, b.data, (size_t)width * VOUCH_HASH_LEN);
out:
	vouch_buf_free(&b);
	return rc;
}

static int
write_tile(void *ctx, int level, uint64_t index, unsigned width, const uint8_t *data,
           vouch_err *err)
{
	char rel[VOUCH_TILE_PATH_MAX];
	int rc;

	if ((rc = vouch_tile_path(level, index, width, rel, sizeof rel, err)) != VOUCH_OK)
		return rc;
	return put_file(ctx, rel, data, (size_t)width * VOUCH_HASH_LEN, err);
}

/* Read entry bundle index with width entries of the committed tree. */
static int
read_bundle(const char *dir, uint64_t index, unsigned width, vouch_buf *out, vouch_err *err)
{
	char rel[VOUCH_TILE_PATH_MAX], path[PATH_MAX];
	int rc;

	if ((rc = vouch_tile_path(VOUCH_TILE_ENTRIES, index, width, rel, sizeof rel, err)) !=
	        VOUCH_OK ||
	    (rc = path_join(path, sizeof path, dir, rel, err)) != VOUCH_OK)
		return rc;
	vouch_buf_reset(out);
	return read_exact_file(path, BUNDLE_MAX, out, err);
}

/* ---- the SQLite index ---- */

static int
db_fail(vouch_logstore *ls, const char *what, vouch_err *err)
{
	return vouch_err_set(err, VOUCH_EIO, "index: %s: %s", what, sqlite3_errmsg(ls->db));
}

static int
db_exec(vouch_logstore *ls, const char *sql, vouch_err *err)
{
	if (sqlite3_exec(ls->db, sql, NULL, NULL, NULL) != SQLITE_OK)
		return db_fail(ls, sql, err);
	return VOUCH_OK;
}

static int
db_open(vouch_logstore *ls, vouch_err *err)
{
	char path[PATH_MAX];
	int rc;

	if ((rc = path_join(path, sizeof path, ls->dir, ".vouch/index.sqlite", err)) != VOUCH_OK)
		return rc;
	if (sqlite3_open_v2(path, &ls->db,
	                    SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX,
	                    NULL) != SQLITE_OK)
		return db_fail(ls, "open", err);
	sqlite3_busy_timeout(ls->db, 5000);
	if ((rc = db_exec(ls, "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;"
	                      "CREATE TABLE IF NOT EXISTS leaves(idx INTEGER PRIMARY KEY,"
	                      " hash BLOB NOT NULL);"
	                      "CREATE INDEX IF NOT EXISTS leaves_hash ON leaves(hash);"
	                      "CREATE TABLE IF NOT EXISTS subjects(digest BLOB NOT NULL,"
	                      " idx INTEGER NOT NULL, PRIMARY KEY(digest, idx)) WITHOUT ROWID;",
	                  err)) != VOUCH_OK)
		return rc;
	if (sqlite3_prepare_v2(ls->db, "INSERT OR REPLACE INTO leaves(idx, hash) VALUES(?, ?)",
	                       -1, &ls->ins_leaf, NULL) != SQLITE_OK ||
	    sqlite3_prepare_v2(ls->db, "INSERT OR IGNORE INTO subjects(digest, idx) VALUES(?, ?)",
	                       -1, &ls->ins_subj, NULL) != SQLITE_OK)
		return db_fail(ls, "prepare", err);
	if (sqlite3_open_v2(path, &ls->rdb, SQLITE_OPEN_READONLY | SQLITE_OPEN_NOMUTEX, NULL) !=
	    SQLITE_OK)
		return vouch_err_set(err, VOUCH_EIO, "index: open: %s", sqlite3_errmsg(ls->rdb));
	sqlite3_busy_timeout(ls->rdb, 5000);
	if (sqlite3_prepare_v2(ls->rdb, "SELECT idx FROM leaves WHERE hash = ? ORDER BY idx LIMIT 1",
	                       -1, &ls->find_leaf, NULL) != SQLITE_OK ||
	    sqlite3_prepare_v2(ls->rdb,
	                       "SELECT idx FROM subjects WHERE digest = ? ORDER BY idx LIMIT ?",
	                       -1, &ls->lookup, NULL) != SQLITE_OK)
		return db_fail(ls, "prepare", err);
	return VOUCH_OK;
}

static int
db_step_done(vouch_logstore *ls, sqlite3_stmt *st, vouch_err *err)
{
	int r = sqlite3_step(st);

	sqlite3_reset(st);
	sqlite3_clear_bindings(st);
	return r == SQLITE_DONE ? VOUCH_OK : db_fail(ls, "insert", err);
}

/* Index one committed entry (inside a transaction). */
static int
db_index_entry(vouch_logstore *ls, uint64_t idx, const uint8_t *e, size_t n,
               const vouch_hash leaf, vouch_buf *scratch, vouch_err *err)
{
	size_t i;
	int rc;

	vouch_hash k;

	/* the dedup column: the keyer's key, or the leaf hash */
	if (ls->keyer == NULL || ls->keyer(ls->kctx, e, n, k) != 0)
		memcpy(k, leaf, VOUCH_HASH_LEN);
	sqlite3_bind_int64(ls->ins_leaf, 1, (sqlite3_int64)idx);
	sqlite3_bind_blob(ls->ins_leaf, 2, k, VOUCH_HASH_LEN, SQLITE_STATIC);
	if ((rc = db_step_done(ls, ls->ins_leaf, err)) != VOUCH_OK || ls->indexer == NULL)
		return rc;
	vouch_buf_reset(scratch);
	ls->indexer(ls->ictx, e, n, scratch);
	for (i = 0; i + 32 <= scratch->len && i / 32 < VOUCH_LOGSTORE_SUBJECTS_MAX; i += 32) {
		sqlite3_bind_blob(ls->ins_subj, 1, scratch->data + i, 32, SQLITE_STATIC);
		sqlite3_bind_int64(ls->ins_subj, 2, (sqlite3_int64)idx);
		if ((rc = db_step_done(ls, ls->ins_subj, err)) != VOUCH_OK)
			return rc;
	}
	return VOUCH_OK;
}

/* Index the entries of one bundle from position skip on. */
static int
db_index_bundle(vouch_logstore *ls, uint64_t bundle, const vouch_buf *b, unsigned width,
                unsigned skip, vouch_buf *scratch, vouch_err *err)
{
	struct vouch_span sp[VOUCH_TILE_WIDTH];
	unsigned i;
	int rc;

	if ((rc = vouch_tile_bundle_split(b->data, b->len, width, sp, err)) != VOUCH_OK)
		return rc;
	for (i = skip; i < width; i++) {
		vouch_hash leaf;

		if ((rc = vouch_merkle_leaf_hash(b->data + sp[i].off, sp[i].len, leaf, err)) !=
		        VOUCH_OK ||
		    (rc = db_index_entry(ls, bundle * VOUCH_TILE_WIDTH + i, b->data + sp[i].off,
		                         sp[i].len, leaf, scratch, err)) != VOUCH_OK)
			return rc;
	}
	return VOUCH_OK;
}

/* Bring the index to the checkpoint: drop rows past it, add missing ones
 * from the entry bundles. */
static int
db_catch_up(vouch_logstore *ls, int reindex, vouch_err *err)
{
	sqlite3_stmt *st = NULL;
	uint64_t next = 0, size = ls->cp.size;
	vouch_buf b, scratch;
	char sql[128];
	int rc;

	vouch_buf_init(&b, BUNDLE_MAX + 1);
	vouch_buf_init(&scratch, (size_t)VOUCH_LOGSTORE_SUBJECTS_MAX * 32 + 1);
	/* an index keyed another way (user_version: 0 leaf hash, 1 keyer) is
	 * rebuilt */
	if (sqlite3_prepare_v2(ls->db, "PRAGMA user_version", -1, &st, NULL) != SQLITE_OK ||
	    sqlite3_step(st) != SQLITE_ROW) {
		rc = db_fail(ls, "version", err);
		goto out;
	}
	if (sqlite3_column_int(st, 0) != (ls->keyer != NULL))
		reindex = 1;
	sqlite3_finalize(st);
	st = NULL;
	if (reindex && (rc = db_exec(ls, "DELETE FROM leaves; DELETE FROM subjects;", err)) !=
	                   VOUCH_OK)
		goto out;
	if ((rc = db_exec(ls, ls->keyer != NULL ? "PRAGMA user_version = 1"
	                                        : "PRAGMA user_version = 0", err)) != VOUCH_OK)
		goto out;
	snprintf(sql, sizeof sql, "DELETE FROM leaves WHERE idx >= %llu;"
	                          "DELETE FROM subjects WHERE idx >= %llu;",
	         (unsigned long long)size, (unsigned long long)size);
	if ((rc = db_exec(ls, sql, err)) != VOUCH_OK)
		goto out;
	if (sqlite3_prepare_v2(ls->db, "SELECT COUNT(*), MAX(idx) FROM leaves", -1, &st, NULL) !=
	        SQLITE_OK ||
	    sqlite3_step(st) != SQLITE_ROW) {
		rc = db_fail(ls, "count", err);
		goto out;
	}
	/* rows are inserted in order, so a complete prefix has count == max + 1 */
	if (sqlite3_column_type(st, 1) != SQLITE_NULL &&
	    sqlite3_column_int64(st, 0) == sqlite3_column_int64(st, 1) + 1)
		next = (uint64_t)sqlite3_column_int64(st, 1) + 1;
	else if ((rc = db_exec(ls, "DELETE FROM leaves; DELETE FROM subjects;", err)) !=
	         VOUCH_OK)
		goto out;
	if ((rc = db_exec(ls, "BEGIN", err)) != VOUCH_OK)
		goto out;
	while (next < size) {
		uint64_t bi = next / VOUCH_TILE_WIDTH;
		unsigned w = vouch_tile_width(VOUCH_TILE_ENTRIES, bi, size);

		if ((rc = read_bundle(ls->dir, bi, w, &b, err)) != VOUCH_OK ||
		    (rc = db_index_bundle(ls, bi, &b, w, (unsigned)(next % VOUCH_TILE_WIDTH),
		                          &scratch, err)) != VOUCH_OK)
			break;
		next = bi * VOUCH_TILE_WIDTH + w;
	}
	if (rc == VOUCH_OK)
		rc = db_exec(ls, "COMMIT", err);
	else
		sqlite3_exec(ls->db, "ROLLBACK", NULL, NULL, NULL);
out:
	sqlite3_finalize(st);
	vouch_buf_free(&b);
	vouch_buf_free(&scratch);
	return rc;
}

/* ---- create, open, recover ---- */

#define NEXT_CHECKPOINT ".vouch/checkpoint.next"

/* Sign cp into DIR/.vouch/checkpoint.next: not served, not yet durable.
 * It becomes durable with the batch's sync_store() and is published by
 * publish_checkpoint(); one left over from a crash is removed at open. */
static int
stage_checkpoint(vouch_logstore *ls, const vouch_checkpoint *cp, vouch_buf *note,
                 vouch_err *err)
{
	int rc;

	if ((rc = vouch_checkpoint_sign(cp, ls->key, note, err)) != VOUCH_OK)
		return rc;
	return put_file(ls, NEXT_CHECKPOINT, note->data, note->len, err);
}

/* Rename the staged checkpoint into place and make the rename durable. */
static int
publish_checkpoint(vouch_logstore *ls, const vouch_checkpoint *cp, const vouch_buf *note,
                   vouch_err *err)
{
	char from[PATH_MAX], to[PATH_MAX];
	int rc;

	if ((rc = path_join(from, sizeof from, ls->dir, NEXT_CHECKPOINT, err)) != VOUCH_OK ||
	    (rc = path_join(to, sizeof to, ls->dir, "checkpoint", err)) != VOUCH_OK)
		return rc;
	if (rename(from, to) != 0)
		return vouch_err_sys(err, VOUCH_EIO, "cannot rename '%s'", from);
	if ((rc = vouch_fsync_dir(ls->dir, 1, err)) != VOUCH_OK)
		return rc;
	ls->cp = *cp;
	vouch_buf_reset(&ls->note);
	return vouch_buf_append(&ls->note, note->data, note->len, err);
}

/* Stage, sync everything written so far, publish. */
static int
commit_checkpoint(vouch_logstore *ls, const vouch_checkpoint *cp, vouch_err *err)
{
	vouch_buf note;
	int rc;

	vouch_buf_init(&note, VOUCH_NOTE_MAX + 1);
	if ((rc = stage_checkpoint(ls, cp, &note, err)) == VOUCH_OK &&
	    (rc = sync_store(ls, err)) == VOUCH_OK)
		rc = publish_checkpoint(ls, cp, &note, err);
	vouch_buf_free(&note);
	return rc;
}

int
vouch_logstore_create(const char *dir, const char *origin, const vouch_key *key,
                      vouch_err *err)
{
	vouch_logstore ls;
	vouch_checkpoint cp;
	char path[PATH_MAX];
	struct stat st;
	int rc;

	memset(&ls, 0, sizeof ls);
	memset(&cp, 0, sizeof cp);
	if (!vouch_origin_valid(origin, strlen(origin)))
		return vouch_err_set(err, VOUCH_EUSAGE, "'%s' is not a valid log origin", origin);
	if (mkdir(dir, 0755) != 0 && errno != EEXIST)
		return vouch_err_sys(err, VOUCH_EIO, "cannot create '%s'", dir);
	if ((rc = path_join(path, sizeof path, dir, "checkpoint", err)) != VOUCH_OK)
		return rc;
	if (lstat(path, &st) == 0)
		return vouch_err_set(err, VOUCH_EEXIST, "'%s' already holds a log", dir);
	if ((rc = path_join(path, sizeof path, dir, ".vouch", err)) != VOUCH_OK)
		return rc;
	if ((mkdir(path, 0700) != 0 && errno != EEXIST) ||
	    ((rc = path_join(path, sizeof path, dir, "tile", err)) == VOUCH_OK &&
	     mkdir(path, 0755) != 0 && errno != EEXIST))
		return vouch_err_sys(err, VOUCH_EIO, "cannot create '%s'", path);
	ls.dir = (char *)dir;
	ls.key = key;
	vouch_buf_init(&ls.note, VOUCH_NOTE_MAX + 1);
	snprintf(cp.origin, sizeof cp.origin, "%s", origin);
	if ((ls.dirfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) < 0)
		return vouch_err_sys(err, VOUCH_EIO, "cannot open '%s'", dir);
	if ((rc = vouch_merkle_empty_root(cp.root, err)) == VOUCH_OK)
		rc = commit_checkpoint(&ls, &cp, err);
	close(ls.dirfd);
	vouch_buf_free(&ls.note);
	return rc;
}

static int
take_lock(vouch_logstore *ls, vouch_err *err)
{
	char path[PATH_MAX];
	int rc;

	if ((rc = path_join(path, sizeof path, ls->dir, ".vouch", err)) != VOUCH_OK)
		return rc;
	if (mkdir(path, 0700) != 0 && errno != EEXIST)
		return vouch_err_sys(err, VOUCH_EIO, "cannot create '%s'", path);
	if ((rc = path_join(path, sizeof path, ls->dir, ".vouch/lock", err)) != VOUCH_OK)
		return rc;
	ls->lockfd = open(path, O_RDWR | O_CREAT | O_NOFOLLOW | O_CLOEXEC, 0600);
	if (ls->lockfd < 0)
		return vouch_err_sys(err, VOUCH_EIO, "cannot open '%s'", path);
	if (flock(ls->lockfd, LOCK_EX | LOCK_NB) != 0) {
		if (errno == EWOULDBLOCK)
			return vouch_err_set(err, VOUCH_EEXIST,
			                     "'%s' is in use by another writer", ls->dir);
		return vouch_err_sys(err, VOUCH_EIO, "cannot lock '%s'", path);
	}
	return VOUCH_OK;
}

/* A checkpoint staged but never published (a crash in between) is
 * removed: it must never be served. */
static int
drop_staged(vouch_logstore *ls, vouch_err *err)
{
	char path[PATH_MAX];
	int rc;

	if ((rc = path_join(path, sizeof path, ls->dir, NEXT_CHECKPOINT ".tmp", err)) !=
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
load_checkpoint(vouch_logstore *ls, const char *origin, vouch_err *err)
{
	char path[PATH_MAX];
	int rc;

	if ((rc = vouch_note_verifier_from_key(ls->key, origin, &ls->ver, err)) != VOUCH_OK ||
	    (rc = path_join(path, sizeof path, ls->dir, "checkpoint", err)) != VOUCH_OK ||
	    (rc = read_exact_file(path, VOUCH_NOTE_MAX, &ls->note, err)) != VOUCH_OK)
		return rc;
	rc = vouch_checkpoint_open((const char *)ls->note.data, ls->note.len, origin, &ls->ver,
	                           1, &ls->cp, err);
	if (rc != VOUCH_OK)
		vouch_err_prefix(err, "'%s'", path);
	return rc;
}

/* Remove a tile the checkpoint does not cover (written for a batch that
 * was never committed), and leftover temporary files. */
static int
prune_file(vouch_logstore *ls, const char *path, const char *rel, vouch_err *err)
{
	size_t n = strlen(rel);
	int level = 0;
	uint64_t index = 0;
	unsigned width = 0, have;

	if (n > 4 && strcmp(rel + n - 4, ".tmp") == 0)
		goto remove;
	if (vouch_tile_path_parse(rel, n, &level, &index, &width, NULL) != VOUCH_OK)
		return VOUCH_OK; /* not ours: leave it */
	have = vouch_tile_width(level, index, ls->cp.size);
	if (have != 0 && width <= have)
		return VOUCH_OK;
remove:
	if (unlink(path) != 0 && errno != ENOENT)
		return vouch_err_sys(err, VOUCH_EIO, "cannot remove '%s'", path);
	return VOUCH_OK;
}

static int
prune_dir(vouch_logstore *ls, char *path, size_t base, unsigned depth, vouch_err *err)
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
			rc = prune_dir(ls, path, base, depth + 1, err);
		else if (S_ISREG(st.st_mode)) {
			rc = prune_file(ls, path, path + base, err);
			removed = 1;
		}
		path[len] = '\0';
	}
	closedir(d);
	if (rc == VOUCH_OK && removed)
		rc = vouch_fsync_dir(path, 1, err);
	return rc;
}

/* The tiles must give the checkpoint's root, and the last entry bundle
 * must hash to the level-0 tile. */
static int
check_tiles(vouch_logstore *ls, vouch_err *err)
{
	vouch_tilehashes *th = NULL;
	struct vouch_span sp[VOUCH_TILE_WIDTH];
	uint8_t tile[VOUCH_TILE_BYTES];
	uint64_t size = ls->cp.size, bi;
	vouch_buf b;
	vouch_hash root;
	unsigned w, i;
	int rc;

	vouch_buf_init(&b, BUNDLE_MAX + 1);
	if ((rc = vouch_tilehashes_new(size, vouch_logstore_read_tile, ls->dir, &th, err)) !=
	        VOUCH_OK ||
	    (rc = vouch_merkle_tree_root(vouch_tilehashes_read, th, size, root, err)) != VOUCH_OK)
		goto out;
	if (memcmp(root, ls->cp.root, VOUCH_HASH_LEN) != 0) {
		rc = vouch_err_set(err, VOUCH_EINPUT,
		                   "'%s': the tiles do not match the checkpoint of size %llu",
		                   ls->dir, (unsigned long long)size);
		goto out;
	}
	if (size == 0)
		goto out;
	bi = (size - 1) / VOUCH_TILE_WIDTH;
	w = vouch_tile_width(VOUCH_TILE_ENTRIES, bi, size);
	if ((rc = read_bundle(ls->dir, bi, w, &b, err)) != VOUCH_OK ||
	    (rc = vouch_tile_bundle_split(b.data, b.len, w, sp, err)) != VOUCH_OK ||
	    (rc = vouch_logstore_read_tile(ls->dir, 0, bi, w, tile, err)) != VOUCH_OK)
		goto out;
	for (i = 0; i < w; i++) {
		vouch_hash leaf;

		if ((rc = vouch_merkle_leaf_hash(b.data + sp[i].off, sp[i].len, leaf, err)) !=
		        VOUCH_OK)
			goto out;
		if (memcmp(leaf, tile + (size_t)i * VOUCH_HASH_LEN, VOUCH_HASH_LEN) != 0) {
			rc = vouch_err_set(err, VOUCH_EINPUT, "'%s': entry %llu does not match its tile",
			                   ls->dir, (unsigned long long)(bi * VOUCH_TILE_WIDTH + i));
			goto out;
		}
	}
	if (w < VOUCH_TILE_WIDTH)
		rc = vouch_buf_append(&ls->edge, b.data, b.len, err);
out:
	vouch_tilehashes_free(th);
	vouch_buf_free(&b);
	return rc;
}

int
vouch_logstore_open(const char *dir, const char *origin, const vouch_key *key,
                    unsigned flags, vouch_logstore_indexer indexer, void *ictx,
                    vouch_logstore **out, vouch_err *err)
{
	return vouch_logstore_open_keyed(dir, origin, key, flags, indexer, ictx, NULL, NULL, out,
	                                 err);
}

int
vouch_logstore_open_keyed(const char *dir, const char *origin, const vouch_key *key,
                          unsigned flags, vouch_logstore_indexer indexer, void *ictx,
                          vouch_logstore_keyer keyer, void *kctx, vouch_logstore **out,
                          vouch_err *err)
{
	vouch_logstore *ls = NULL;
	char path[PATH_MAX];
	int rc;

	*out = NULL;
	if ((ls = calloc(1, sizeof *ls)) == NULL)
		return vouch_err_sys(err, VOUCH_ENOMEM, "log store");
	ls->lockfd = -1;
	ls->dirfd = -1;
	pthread_mutex_init(&ls->rmu, NULL);
	ls->key = key;
	ls->indexer = indexer;
	ls->ictx = ictx;
	ls->keyer = keyer;
	ls->kctx = kctx;
	vouch_buf_init(&ls->note, VOUCH_NOTE_MAX + 1);
	vouch_buf_init(&ls->edge, BUNDLE_MAX + 1);
	if ((ls->dir = strdup(dir)) == NULL) {
		rc = vouch_err_sys(err, VOUCH_ENOMEM, "log store");
		goto out;
	}
	if ((ls->dirfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) < 0) {
		rc = vouch_err_sys(err, VOUCH_EIO, "cannot open '%s'", dir);
		goto out;
	}
	if ((rc = take_lock(ls, err)) != VOUCH_OK ||
	    (rc = drop_staged(ls, err)) != VOUCH_OK ||
	    (rc = load_checkpoint(ls, origin, err)) != VOUCH_OK ||
	    (rc = path_join(path, sizeof path, dir, "tile", err)) != VOUCH_OK ||
	    (rc = prune_dir(ls, path, strlen(dir) + 1, 0, err)) != VOUCH_OK ||
	    (rc = check_tiles(ls, err)) != VOUCH_OK ||
	    (rc = db_open(ls, err)) != VOUCH_OK ||
	    (rc = db_catch_up(ls, (flags & VOUCH_LOGSTORE_REINDEX) != 0, err)) != VOUCH_OK)
		goto out;
	*out = ls;
	ls = NULL;
out:
	vouch_logstore_free(ls);
	return rc;
}

void
vouch_logstore_free(vouch_logstore *ls)
{
	if (ls == NULL)
		return;
	sqlite3_finalize(ls->ins_leaf);
	sqlite3_finalize(ls->ins_subj);
	sqlite3_finalize(ls->find_leaf);
	sqlite3_finalize(ls->lookup);
	sqlite3_close(ls->db);
	sqlite3_close(ls->rdb);
	pthread_mutex_destroy(&ls->rmu);
	if (ls->dirfd >= 0)
		close(ls->dirfd);
	if (ls->lockfd >= 0)
		close(ls->lockfd);
	vouch_note_verifier_free(ls->ver);
	vouch_buf_free(&ls->note);
	vouch_buf_free(&ls->edge);
	free(ls->dir);
	free(ls);
}

const vouch_checkpoint *
vouch_logstore_checkpoint(const vouch_logstore *ls)
{
	return &ls->cp;
}

const char *
vouch_logstore_checkpoint_note(const vouch_logstore *ls, size_t *len)
{
	*len = ls->note.len;
	return (const char *)ls->note.data;
}

/* ---- appending ---- */

static int
write_bundles(vouch_logstore *ls, const uint8_t *const *entries, const size_t *lens,
              size_t n, vouch_err *err)
{
	uint64_t size = ls->cp.size, bi = size / VOUCH_TILE_WIDTH;
	unsigned count = (unsigned)(size % VOUCH_TILE_WIDTH);
	char rel[VOUCH_TILE_PATH_MAX];
	size_t i;
	int rc;

	for (i = 0; i < n; i++) {
		if ((rc = vouch_tile_bundle_append(&ls->edge, entries[i], lens[i], err)) !=
		    VOUCH_OK)
			return rc;
		if (++count < VOUCH_TILE_WIDTH && i + 1 < n)
			continue;
		if ((rc = vouch_tile_path(VOUCH_TILE_ENTRIES, bi, count, rel, sizeof rel, err)) !=
		        VOUCH_OK ||
		    (rc = put_file(ls, rel, ls->edge.data, ls->edge.len, err)) != VOUCH_OK)
			return rc;
		if (count == VOUCH_TILE_WIDTH) {
			vouch_buf_reset(&ls->edge);
			count = 0;
			bi++;
		}
	}
	return VOUCH_OK;
}

static int
index_batch(vouch_logstore *ls, uint64_t first, const uint8_t *const *entries,
            const size_t *lens, const vouch_hash *leaves, size_t n, vouch_err *err)
{
	vouch_buf scratch;
	size_t i;
	int rc;

	vouch_buf_init(&scratch, (size_t)VOUCH_LOGSTORE_SUBJECTS_MAX * 32 + 1);
	if ((rc = db_exec(ls, "BEGIN", err)) != VOUCH_OK)
		goto out;
	for (i = 0; i < n && rc == VOUCH_OK; i++)
		rc = db_index_entry(ls, first + i, entries[i], lens[i], leaves[i], &scratch, err);
	if (rc == VOUCH_OK)
		rc = db_exec(ls, "COMMIT", err);
	else
		sqlite3_exec(ls->db, "ROLLBACK", NULL, NULL, NULL);
out:
	vouch_buf_free(&scratch);
	return rc;
}

int
vouch_logstore_append(vouch_logstore *ls, const uint8_t *const *entries, const size_t *lens,
                      size_t n, uint64_t *first, vouch_err *err)
{
	vouch_hash *leaves = NULL;
	vouch_tilehashes *th = NULL;
	vouch_checkpoint cp = ls->cp;
	uint64_t old = ls->cp.size;
	size_t i;
	int rc;

	if (n == 0 || n > VOUCH_LOGSTORE_BATCH_MAX || old > UINT64_MAX - n)
		return vouch_err_set(err, VOUCH_EUSAGE, "bad batch of %zu entries", n);
	if ((leaves = calloc(n, sizeof *leaves)) == NULL)
		return vouch_err_sys(err, VOUCH_ENOMEM, "batch");
	for (i = 0; i < n; i++)
		if ((rc = lens[i] > VOUCH_ENTRY_MAX
		              ? vouch_err_set(err, VOUCH_ELIMIT, "entry of %zu bytes too large",
		                              lens[i])
		              : vouch_merkle_leaf_hash(entries[i], lens[i], leaves[i], err)) !=
		    VOUCH_OK)
			goto out;
	cp.size = old + n;
	if ((rc = write_bundles(ls, entries, lens, n, err)) != VOUCH_OK ||
	    (rc = vouch_tiles_extend(old, cp.size, (const vouch_hash *)leaves,
	                             vouch_logstore_read_tile, ls->dir, write_tile, ls, err)) !=
	        VOUCH_OK ||
	    (rc = vouch_tilehashes_new(cp.size, vouch_logstore_read_tile, ls->dir, &th, err)) !=
	        VOUCH_OK ||
	    (rc = vouch_merkle_tree_root(vouch_tilehashes_read, th, cp.size, cp.root, err)) !=
	        VOUCH_OK)
		goto out;
	if (cp.size <= ls->cp.size) {
		rc = vouch_err_set(err, VOUCH_EINTERNAL, "refusing to re-sign size %llu",
		                   (unsigned long long)cp.size);
		goto out;
	}
	/* tiles, bundles and the staged checkpoint become durable together;
	 * only then is the checkpoint published */
	if ((rc = commit_checkpoint(ls, &cp, err)) != VOUCH_OK)
		goto out;
	if (first != NULL)
		*first = old;
	rc = index_batch(ls, old, entries, lens, (const vouch_hash *)leaves, n, err);
out:
	vouch_tilehashes_free(th);
	free(leaves);
	return rc;
}

/* ---- queries ---- */

static int
rdb_fail(vouch_logstore *ls, vouch_err *err)
{
	return vouch_err_set(err, VOUCH_EIO, "index: lookup: %s", sqlite3_errmsg(ls->rdb));
}

int
vouch_logstore_find_leaf(vouch_logstore *ls, const vouch_hash leaf, uint64_t *index,
                         vouch_err *err)
{
	int r, rc = VOUCH_ENEGATIVE;

	pthread_mutex_lock(&ls->rmu);
	sqlite3_bind_blob(ls->find_leaf, 1, leaf, VOUCH_HASH_LEN, SQLITE_STATIC);
	r = sqlite3_step(ls->find_leaf);
	if (r == SQLITE_ROW) {
		*index = (uint64_t)sqlite3_column_int64(ls->find_leaf, 0);
		rc = VOUCH_OK;
	} else if (r != SQLITE_DONE) {
		rc = rdb_fail(ls, err);
	}
	sqlite3_reset(ls->find_leaf);
	sqlite3_clear_bindings(ls->find_leaf);
	pthread_mutex_unlock(&ls->rmu);
	return rc;
}

int
vouch_logstore_lookup(vouch_logstore *ls, const uint8_t d[32], uint64_t *out, size_t max,
                      size_t *n, vouch_err *err)
{
	int r, rc = VOUCH_OK;

	*n = 0;
	pthread_mutex_lock(&ls->rmu);
	sqlite3_bind_blob(ls->lookup, 1, d, 32, SQLITE_STATIC);
	sqlite3_bind_int64(ls->lookup, 2, (sqlite3_int64)max);
	while ((r = sqlite3_step(ls->lookup)) == SQLITE_ROW && *n < max)
		out[(*n)++] = (uint64_t)sqlite3_column_int64(ls->lookup, 0);
	if (r != SQLITE_ROW && r != SQLITE_DONE)
		rc = rdb_fail(ls, err);
	sqlite3_reset(ls->lookup);
	sqlite3_clear_bindings(ls->lookup);
	pthread_mutex_unlock(&ls->rmu);
	return rc;
}

int
vouch_logstore_prove(vouch_logstore *ls, uint64_t index, vouch_hash *proof, size_t *n,
                     vouch_err *err)
{
	vouch_tilehashes *th = NULL;
	int rc;

	if ((rc = vouch_tilehashes_new(ls->cp.size, vouch_logstore_read_tile, ls->dir, &th,
	                               err)) == VOUCH_OK)
		rc = vouch_merkle_prove_inclusion(vouch_tilehashes_read, th, index, ls->cp.size,
		                                  proof, n, err);
	vouch_tilehashes_free(th);
	return rc;
}

int
vouch_logstore_entry(vouch_logstore *ls, uint64_t index, vouch_buf *out, vouch_err *err)
{
	struct vouch_span sp[VOUCH_TILE_WIDTH];
	uint64_t bi = index / VOUCH_TILE_WIDTH;
	unsigned w;
	vouch_buf b;
	int rc;

	if (index >= ls->cp.size)
		return vouch_err_set(err, VOUCH_EUSAGE, "no entry %llu in a log of size %llu",
		                     (unsigned long long)index, (unsigned long long)ls->cp.size);
	w = vouch_tile_width(VOUCH_TILE_ENTRIES, bi, ls->cp.size);
	vouch_buf_init(&b, BUNDLE_MAX + 1);
	if ((rc = read_bundle(ls->dir, bi, w, &b, err)) == VOUCH_OK &&
	    (rc = vouch_tile_bundle_split(b.data, b.len, w, sp, err)) == VOUCH_OK) {
		size_t i = (size_t)(index % VOUCH_TILE_WIDTH);

		rc = vouch_buf_append(out, b.data + sp[i].off, sp[i].len, err);
	}
	vouch_buf_free(&b);
	return rc;
}
