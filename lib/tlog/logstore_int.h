/* logstore_int.h - the storage interface behind vouch_logstore (issues 13
 * and 20), in the manner of curl's vtls: logstore.c keeps the tlog-tiles
 * layout (bundles, tiles, checkpoints, recovery checks, the order of a
 * commit) and calls one back end through this table for the objects, the
 * single-writer state and the lookup index.
 *
 *   logstore_posix.c  a directory (flock, syncfs, rename) + SQLite index
 *   logstore_s3pg.c   S3-compatible bucket (libcurl SigV4) + PostgreSQL
 *
 * Object names are tlog-tiles paths ("checkpoint", "tile/0/x001/234.p/5").
 */
#ifndef VOUCH_LOGSTORE_INT_H
#define VOUCH_LOGSTORE_INT_H

#include "vouch/logstore.h"

struct logstore_ops {
	const char *name;
	/* index rows of a batch are written inside the commit (between begin
	 * and publish) rather than after it */
	int index_in_commit;
	int (*open)(const vouch_logstore_spec *spec, unsigned flags, void **be, vouch_err *err);
	void (*free)(void *be);
	/* objects: get answers VOUCH_ENEGATIVE for a missing object; put
	 * replaces; both may be called from any thread */
	int (*get)(void *be, const char *rel, size_t max, vouch_buf *out, vouch_err *err);
	int (*put)(void *be, const char *rel, const void *data, size_t n, vouch_err *err);
	/* become the one writer (flags: VOUCH_LOGSTORE_WAIT to wait for it) */
	int (*lock)(void *be, unsigned flags, vouch_err *err);
	/* drop a staged commit; the current checkpoint note into note, or
	 * VOUCH_ENEGATIVE if there is none (with must_exist: an error) */
	int (*recover)(void *be, int must_exist, vouch_buf *note, vouch_err *err);
	/* remove objects a checkpoint of size does not cover (may be NULL) */
	int (*prune)(void *be, uint64_t size, vouch_err *err);
	/* a commit: begin checks this writer still holds the log at old_size
	 * (the checkpoint is signed only after); publish makes everything put
	 * so far durable, then the checkpoint; abort undoes begin */
	int (*begin)(void *be, uint64_t old_size, vouch_err *err);
	int (*publish)(void *be, const vouch_checkpoint *cp, const vouch_buf *note,
	               vouch_err *err);
	void (*abort)(void *be);
	/* the index: start brings it to a checkpoint of size (rows past it
	 * dropped, all dropped with reindex or another keying) and sets *next
	 * to the first index it misses; then add rows between txn_begin and
	 * txn_end */
	int (*index_start)(void *be, int keyed, int reindex, uint64_t size, uint64_t *next,
	                   vouch_err *err);
	int (*txn_begin)(void *be, vouch_err *err);
	int (*index_add)(void *be, uint64_t idx, const vouch_hash key, const uint8_t *subjects,
	                 size_t nsubjects, vouch_err *err);
	int (*txn_end)(void *be, int ok, vouch_err *err);
	int (*find_leaf)(void *be, const vouch_hash key, uint64_t *idx, vouch_err *err);
	int (*lookup)(void *be, const uint8_t d[32], uint64_t *out, size_t max, size_t *n,
	              vouch_err *err);
	/* the fencing token of this writer (0 if the back end has none) */
	uint64_t (*fence)(void *be);
	/* every key find_leaf can find, to fn (may be NULL: not offered) */
	int (*each_key)(void *be, void (*fn)(void *ctx, const uint8_t *key), void *ctx,
	                vouch_err *err);
};

extern const struct logstore_ops vouch_logstore_posix_ops;
extern const struct logstore_ops vouch_logstore_s3pg_ops;

/* Read a tile through get (a back end's or a directory's), falling back
 * from a missing partial tile to the prefix of the full one; name is the
 * storage, for messages. */
typedef int (*logstore_getter)(void *ctx, const char *rel, size_t max, vouch_buf *out,
                               vouch_err *err);
int logstore_tile_via(logstore_getter get, void *ctx, const char *name, int level,
                      uint64_t index, unsigned width, uint8_t *out, vouch_err *err);

#define LOGSTORE_CREATE 0x100u /* open flag: a new log is being made */
#define LOGSTORE_BUNDLE_MAX ((size_t)VOUCH_TILE_WIDTH * (VOUCH_ENTRY_MAX + 2))

#endif
