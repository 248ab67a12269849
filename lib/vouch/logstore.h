/* vouch/logstore.h - the server side of a tlog-tiles transparency log, kept
 * in a POSIX directory that any static web server can serve as it is:
 *
 *     DIR/checkpoint                      latest signed checkpoint
 *     DIR/tile/<L>/<N>[.p/<W>]            hash tiles
 *     DIR/tile/entries/<N>[.p/<W>]        entry bundles
 *     DIR/.vouch/lock                     one writer per directory (flock)
 *     DIR/.vouch/index.sqlite             dedup and subject-digest index
 *
 * Serve only /checkpoint and /tile/ (never /.vouch/).
 *
 * Durability: an append writes the entry bundles and tiles and stages the
 * new signed checkpoint in DIR/.vouch; one syncfs(2) of the file system
 * makes all of it durable; only then is the checkpoint renamed into place
 * and the rename fsynced.  A staged checkpoint is never served, and one
 * left by a crash is deleted at open.  Sizes only grow, so a size is never signed with two roots.
 * Opening a store checks the tiles against the checkpoint, removes tiles
 * written for a batch the checkpoint never committed, and brings the
 * (unauthenticated, rebuildable) SQLite index up to the checkpoint.
 *
 * Other storage (issue 20): the same objects under a prefix of an
 * S3-compatible bucket (requests signed with libcurl's AWS SigV4), and the
 * writer's state and the index in PostgreSQL, which admits one writer at a
 * time (a session advisory lock) and numbers each writer (a fencing token,
 * stored with every checkpoint it commits; a commit by a writer whose token
 * is no longer the current one is refused before its checkpoint is signed).
 * The checkpoint object is written last, after the database commit that
 * covers its tiles and bundles; at open it is rewritten from the database.
 */
#ifndef VOUCH_LOGSTORE_H
#define VOUCH_LOGSTORE_H

#include <stddef.h>
#include <stdint.h>
#include "buf.h"
#include "checkpoint.h"
#include "error.h"
#include "key.h"
#include "merkle.h"

#ifdef __cplusplus
extern "C" {
#endif

#define VOUCH_LOGSTORE_BATCH_MAX 65536
#define VOUCH_LOGSTORE_SUBJECTS_MAX 1024  /* digests indexed per entry */

/* Lists the sha256 digests (32 bytes each) an entry's subjects carry, for
 * the lookup index.  Appends them to out (at most
 * VOUCH_LOGSTORE_SUBJECTS_MAX); an entry it cannot read yields none. */
typedef void (*vouch_logstore_indexer)(void *ctx, const uint8_t *entry, size_t len,
                                       vouch_buf *out);

/* The dedup key of an entry (what vouch_logstore_find_leaf looks up);
 * 0 and key set, or non-zero to key the entry by its leaf hash. */
typedef int (*vouch_logstore_keyer)(void *ctx, const uint8_t *entry, size_t len,
                                    vouch_hash key);

typedef struct vouch_logstore vouch_logstore;

/* Where a log is kept.  storage is "posix:DIR", a bare DIR, or
 * "s3://BUCKET[/PREFIX]"; the latter needs endpoint (an http(s) URL of an
 * S3-compatible server, addressed path-style), db (a libpq connection
 * string or URI, without a password: libpq takes it from PGPASSWORD or
 * PGPASSFILE) and the access key and secret. */
typedef struct vouch_logstore_spec {
	const char *storage;
	const char *endpoint;
	const char *db;
	const char *region;        /* NULL: us-east-1 */
	const char *access_key;
	const char *secret_key;
	long timeout_ms;           /* per S3 request; 0: 10000 */
	unsigned retries;          /* per S3 request after the first; 0: 5 */
} vouch_logstore_spec;

enum { VOUCH_LOGSTORE_POSIX = 1, VOUCH_LOGSTORE_S3 = 2 };

#define VOUCH_LOGSTORE_BUCKET_MAX 63
#define VOUCH_LOGSTORE_PREFIX_MAX 256

/* A parsed storage string. */
typedef struct vouch_logstore_loc {
	int kind;                                    /* VOUCH_LOGSTORE_* */
	const char *dir;                             /* posix: into the string */
	char bucket[VOUCH_LOGSTORE_BUCKET_MAX + 1];  /* s3 */
	char prefix[VOUCH_LOGSTORE_PREFIX_MAX + 1];  /* s3: "" or "a/b/" */
} vouch_logstore_loc;

/* Parse a storage string (see vouch_logstore_spec): VOUCH_EUSAGE naming it
 * when it is not one.  A bucket is 3-63 of [a-z0-9.-]; a prefix is
 * segments of [A-Za-z0-9._-] (not "." or "..") separated by single '/'. */
int vouch_logstore_loc_parse(const char *storage, vouch_logstore_loc *out, vouch_err *err);
/* Check an endpoint URL: http:// or https://, a host, an optional port,
 * no user, path, query or fragment. */
int vouch_logstore_endpoint_check(const char *url, vouch_err *err);

/* Create DIR (it may exist but must hold no checkpoint) with an empty log:
 * a signed checkpoint of size 0.  key must be an Ed25519 private key. */
int vouch_logstore_create(const char *dir, const char *origin, const vouch_key *key,
                          vouch_err *err);

#define VOUCH_LOGSTORE_REINDEX 1u  /* drop and rebuild the SQLite index */

/* Open for writing: lock, verify the checkpoint with key, recover (see
 * above).  VOUCH_EEXIST when another process holds the lock.  indexer may be
 * NULL (no subject index). */
int vouch_logstore_open(const char *dir, const char *origin, const vouch_key *key,
                        unsigned flags, vouch_logstore_indexer indexer, void *ictx,
                        vouch_logstore **out, vouch_err *err);
/* As vouch_logstore_open, with entries found by keyer's key instead of
 * their leaf hash (a store keyed another way is reindexed at open). */
int vouch_logstore_open_keyed(const char *dir, const char *origin, const vouch_key *key,
                              unsigned flags, vouch_logstore_indexer indexer, void *ictx,
                              vouch_logstore_keyer keyer, void *kctx,
                              vouch_logstore **out, vouch_err *err);
void vouch_logstore_free(vouch_logstore *ls);

#define VOUCH_LOGSTORE_WAIT 2u     /* wait for another writer to let go */

/* vouch_logstore_create / _open_keyed on any storage.  With
 * VOUCH_LOGSTORE_WAIT, open waits (as a standby) while another writer
 * holds the log; without, it answers VOUCH_EEXIST. */
int vouch_logstore_create_spec(const vouch_logstore_spec *spec, const char *origin,
                               const vouch_key *key, vouch_err *err);
int vouch_logstore_open_spec(const vouch_logstore_spec *spec, const char *origin,
                             const vouch_key *key, unsigned flags,
                             vouch_logstore_indexer indexer, void *ictx,
                             vouch_logstore_keyer keyer, void *kctx, vouch_logstore **out,
                             vouch_err *err);
/* A read-only handle on the objects of a log (no lock, no index, no
 * checkpoint check): for vouch_logstore_get and vouch_logstore_tile_read,
 * which are safe from any thread. */
int vouch_logstore_open_reader(const vouch_logstore_spec *spec, vouch_logstore **out,
                               vouch_err *err);
/* Object rel (a tlog-tiles path) into out (appended); VOUCH_ENEGATIVE if
 * there is none. */
int vouch_logstore_get(vouch_logstore *ls, const char *rel, size_t max, vouch_buf *out,
                       vouch_err *err);
/* A vouch_tile_reader over a store or reader (ctx is the vouch_logstore). */
int vouch_logstore_tile_read(void *ctx, int level, uint64_t index, unsigned width,
                             uint8_t *out, vouch_err *err);
/* The writer's fencing token (0 on POSIX storage). */
uint64_t vouch_logstore_fence(const vouch_logstore *ls);
/* Copy the log in from (its checkpoint, the tiles and bundles it covers)
 * into to, which must hold no log, checking the copy against the
 * checkpoint before publishing it there, and index it. */
int vouch_logstore_copy(const vouch_logstore_spec *from, const vouch_logstore_spec *to,
                        const char *origin, const vouch_key *key,
                        vouch_logstore_indexer indexer, vouch_logstore_keyer keyer,
                        vouch_err *err);

/* The current (committed) checkpoint and its signed note. */
const vouch_checkpoint *vouch_logstore_checkpoint(const vouch_logstore *ls);
const char *vouch_logstore_checkpoint_note(const vouch_logstore *ls, size_t *len);

/* Append entries[0..n) (each at most 65535 bytes) as one batch and commit
 * it with a new signed checkpoint.  On success entry i has index
 * first + i, and *first (may be NULL) is set.  On failure nothing is
 * committed and the store must be freed and reopened. */
int vouch_logstore_append(vouch_logstore *ls, const uint8_t *const *entries,
                          const size_t *lens, size_t n, uint64_t *first, vouch_err *err);

/* What the caller already knows of an entry, for the index (issue 18:
 * vouch-logd reads each submission once, in its HTTP threads, rather than
 * again in its single sequencer): the key the store's keyer gives it and
 * the digests its indexer gives (32 bytes each, at most
 * VOUCH_LOGSTORE_SUBJECTS_MAX). */
typedef struct vouch_logstore_meta {
	vouch_hash key;
	const uint8_t *subjects;
	size_t nsubjects;
} vouch_logstore_meta;

/* vouch_logstore_append, the index rows taken from meta[0..n) instead of
 * the keyer and indexer (meta NULL: from them).  With flags
 * VOUCH_LOGSTORE_INDEX_LATER and a store whose index is not written
 * inside the commit (vouch_logstore_index_in_commit 0: the POSIX
 * directory) and meta given, the rows are left out: the caller adds them with
 * vouch_logstore_index, batch after batch in order, and until then
 * vouch_logstore_find_leaf and vouch_logstore_lookup do not see them (a
 * crash meanwhile loses nothing: the next open indexes what the
 * checkpoint covers). */
#define VOUCH_LOGSTORE_INDEX_LATER 0x1u
int vouch_logstore_append_meta(vouch_logstore *ls, const uint8_t *const *entries,
                               const size_t *lens, const vouch_logstore_meta *meta, size_t n,
                               unsigned flags, uint64_t *first, vouch_err *err);
/* 1 when the store writes the index rows of a batch inside its commit. */
int vouch_logstore_index_in_commit(const vouch_logstore *ls);
/* The index rows of committed entries first..first+n-1, left out by
 * VOUCH_LOGSTORE_INDEX_LATER; may run while the next append does (one
 * thread at a time calls this). */
int vouch_logstore_index(vouch_logstore *ls, uint64_t first, const vouch_logstore_meta *meta,
                         size_t n, vouch_err *err);

/* Index of a committed entry with this leaf hash (or, opened with a keyer,
 * this key; the first such entry): VOUCH_OK and *index, or
 * VOUCH_ENEGATIVE when there is none.  This and vouch_logstore_lookup may be
 * called from other threads while an append runs (not during open/free). */
int vouch_logstore_find_leaf(vouch_logstore *ls, const vouch_hash leaf, uint64_t *index,
                             vouch_err *err);
/* Call fn with the key of every committed entry (what
 * vouch_logstore_find_leaf finds; the leaf hash without a keyer), in no
 * set order, from this thread: VOUCH_OK, or VOUCH_ENEGATIVE when the
 * storage does not offer it (then fn is never called). */
int vouch_logstore_each_key(vouch_logstore *ls, void (*fn)(void *ctx, const uint8_t *key),
                            void *ctx, vouch_err *err);
/* Indices of committed entries whose subjects carry sha256 digest d, in
 * ascending order, at most max of them. */
int vouch_logstore_lookup(vouch_logstore *ls, const uint8_t d[32], uint64_t *out,
                          size_t max, size_t *n, vouch_err *err);

/* Inclusion proof of index in the tree of the current checkpoint. */
int vouch_logstore_prove(vouch_logstore *ls, uint64_t index, vouch_hash *proof, size_t *n,
                         vouch_err *err);
/* Read entry index (committed) into out. */
int vouch_logstore_entry(vouch_logstore *ls, uint64_t index, vouch_buf *out,
                         vouch_err *err);

/* A vouch_tile_reader over a directory (ctx is the DIR path as a const
 * char *): reads DIR/<tile path>, falling back from a missing partial tile
 * to the prefix of the full one. */
int vouch_logstore_read_tile(void *ctx, int level, uint64_t index, unsigned width,
                             uint8_t *out, vouch_err *err);

#ifdef __cplusplus
}
#endif
#endif
