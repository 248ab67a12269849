/* vouch/tree.h - the deterministic source-tree digest ("vouch-tree-v1").
 *
 * A tree digest names a directory tree by what a build can observe: the
 * relative paths (raw bytes), the type of each entry (directory, regular
 * file, symbolic link), the executable bit of regular files, file contents
 * and symlink targets.  It never depends on timestamps, ownership, other
 * permission bits, the archive format a tree came in, or entry order.
 * Every directory below the root counts (so empty directories count); the
 * root itself does not.  The exact encoding is in schemas/tree-digest.md.
 *
 * In in-toto DigestSets (subjects, resolvedDependencies) the digest appears
 * as lowercase hex under the key VOUCH_TREE_DIGEST_KEY (digest.h).
 *
 * Two ways in:
 * - vouch_tree_digest_dir() walks a directory on disk (never follows
 *   symlinks below the root; refuses devices, FIFOs and sockets).
 * - a vouch_tree builder collects records one at a time (the extractor
 *   feeds it while it writes), then vouch_tree_final() sorts and hashes.
 */
#ifndef VOUCH_TREE_H
#define VOUCH_TREE_H

#include <stddef.h>
#include <stdint.h>
#include "digest.h"
#include "error.h"

#ifdef __cplusplus
extern "C" {
#endif

/* VOUCH_TREE_DIGEST_KEY, the in-toto DigestSet key for a tree digest, is
 * in digest.h: attestations need the name without the archive code. */
/* The domain-separation header that starts the hashed manifest. */
#define VOUCH_TREE_MAGIC "vouch-tree-v1\n"
#define VOUCH_TREE_DIGEST_SIZE 32

/* Record types, as they appear (one byte) in the manifest. */
enum vouch_tree_type {
	VOUCH_TREE_DIR = 'd',
	VOUCH_TREE_FILE = 'f',     /* regular file, owner execute bit clear */
	VOUCH_TREE_EXEC = 'x',     /* regular file, owner execute bit set */
	VOUCH_TREE_SYMLINK = 'l'
};

/* Bounds for walking a directory.  Zero fields take the defaults. */
typedef struct vouch_tree_opts {
	uint64_t max_entries;   /* default 1000000 */
	uint32_t max_depth;     /* path components, default 128 */
	uint32_t max_path_len;  /* bytes of a relative path, default 4096 */
} vouch_tree_opts;

void vouch_tree_opts_default(vouch_tree_opts *o);

typedef struct vouch_tree_stats {
	uint64_t files;         /* regular files (executables included) */
	uint64_t executables;
	uint64_t dirs;          /* directories below the root */
	uint64_t empty_dirs;
	uint64_t symlinks;
	uint64_t total_size;    /* bytes of regular-file content */
} vouch_tree_stats;

/* Digest of the tree rooted at dir (the path may be a symlink to a
 * directory; nothing below it is followed). */
int vouch_tree_digest_dir(const char *dir, uint8_t out[32], vouch_err *err);
/* Same, with bounds (o may be NULL) and counts (stats may be NULL). */
int vouch_tree_digest_dir_opts(const char *dir, const vouch_tree_opts *o,
                               uint8_t out[32], vouch_tree_stats *stats,
                               vouch_err *err);

/* The incremental builder.  Paths are relative, '/'-separated, without
 * empty, "." or ".." components and without a leading or trailing '/'; the
 * builder checks this.  Records may arrive in any order. */
typedef struct vouch_tree vouch_tree;

int vouch_tree_new(vouch_tree **out, vouch_err *err);
/* A builder that borrows the path and target bytes passed to the add
 * functions instead of copying them: they must stay valid and unchanged
 * until vouch_tree_free.  For callers that already hold every path (the
 * unpacker's entry table), so the paths are not stored twice. */
int vouch_tree_new_borrowing(vouch_tree **out, vouch_err *err);
void vouch_tree_free(vouch_tree *t);
int vouch_tree_add_dir(vouch_tree *t, const char *path, size_t len, vouch_err *err);
/* sha256 is the SHA-256 of the file's content, size its length. */
int vouch_tree_add_file(vouch_tree *t, const char *path, size_t len, int executable,
                        uint64_t size, const uint8_t sha256[32], vouch_err *err);
int vouch_tree_add_symlink(vouch_tree *t, const char *path, size_t len,
                           const char *target, size_t target_len, vouch_err *err);
/* Sort, refuse duplicate paths (VOUCH_EINPUT), hash.  May be called once. */
int vouch_tree_final(vouch_tree *t, uint8_t out[32], vouch_err *err);

/* Check a relative path the way the builder does: 0 if acceptable. */
int vouch_tree_path_ok(const char *path, size_t len);

/* Render len bytes of a name for a one-line message: printable ASCII and
 * valid UTF-8 as is, backslash as "\\", anything else as "\xHH".  Always
 * NUL-terminates out (outsz > 0); a name that does not fit ends in "...".
 * Returns out. */
char *vouch_tree_quote(const char *name, size_t len, char *out, size_t outsz);

/* A stat fingerprint of the tree rooted at dir: SHA-256 over each entry's
 * relative path, device, inode, mode, owner, link count, size, device
 * number, mtime and ctime (ns); newest_ns (may be NULL) gets the latest
 * mtime or ctime seen.  No file is opened. */
int vouch_tree_fingerprint_dir(const char *dir, uint8_t out[32], int64_t *newest_ns,
                               vouch_err *err);

/* Seconds every entry's times must lie before a walk for its result to be
 * remembered (the kernel's file times are a clock tick coarse). */
#define VOUCH_TREE_CACHE_SETTLE 2

/* vouch_tree_digest_dir(), reusing the digest recorded in cache_file when
 * the tree's fingerprint is the one recorded with it (*from_cache = 1);
 * otherwise the tree is hashed, and recorded when it did not change while
 * it was hashed and had settled.  Any change to an entry moves its ctime
 * or its directory's, which only the clock's owner can set back: a
 * changed tree is never given a recorded digest.  cache_file is trusted
 * as the directory that holds it is (root's cache for root's trees). */
int vouch_tree_digest_dir_cached(const char *dir, const char *cache_file, uint8_t out[32],
                                 int *from_cache, vouch_err *err);

/* 1 when name is valid UTF-8 (shortest forms, no surrogates) without
 * control characters (U+0000..U+001F, U+007F..U+009F), else 0. */
int vouch_tree_name_clean(const char *name, size_t len);

#ifdef __cplusplus
}
#endif
#endif
