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

/* The current (committed) checkpoint and its signed note. */
const vouch_checkpoint *vouch_logstore_checkpoint(const vouch_logstore *ls);
const char *vouch_logstore_checkpoint_note(const vouch_logstore *ls, size_t *len);

/* Append entries[0..n) (each at most 65535 bytes) as one batch and commit
 * it with a new signed checkpoint.  On success entry i has index
 * first + i, and *first (may be NULL) is set.  On failure nothing is
 * committed and the store must be freed and reopened. */
int vouch_logstore_append(vouch_logstore *ls, const uint8_t *const *entries,
                          const size_t *lens, size_t n, uint64_t *first, vouch_err *err);

/* Index of a committed entry with this leaf hash (or, opened with a keyer,
 * this key; the first such entry): VOUCH_OK and *index, or
 * VOUCH_ENEGATIVE when there is none.  This and vouch_logstore_lookup may be
 * called from other threads while an append runs (not during open/free). */
int vouch_logstore_find_leaf(vouch_logstore *ls, const vouch_hash leaf, uint64_t *index,
                             vouch_err *err);
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
