/* vouch/walk.h - deterministic directory walks and archive member iteration.
 *
 * Directory walk
 *   vouch_walk visits every entry below a root directory, recursively, in
 *   the byte order of the relative path ("a-b" < "a/b" < "a0"), whatever
 *   order the file system returns.  Symbolic links are reported as links
 *   and never followed.  Every open is relative to the parent directory's
 *   file descriptor (openat / fstatat with O_NOFOLLOW), so renaming or
 *   replacing a directory above us while we walk cannot redirect a read to
 *   somewhere else.  Only the root path itself is resolved normally (the
 *   caller named it; it may be a symlink to a directory).
 *
 *   Per-entry problems (a subdirectory that cannot be opened, a special
 *   file, a path beyond the bounds) are returned by vouch_walk_next() as an
 *   error naming the path; the walk stays usable and the next call goes on
 *   with the following entry.  Problems that end the walk (the root cannot
 *   be opened, out of memory) are returned once; later calls report the
 *   end.
 *
 * Archive members
 *   vouch_members reads an archive with libarchive (the formats and filters
 *   of vouch/reader.h: tar in all its dialects, zip and jar, cpio, 7-Zip,
 *   ar and .deb, ISO 9660, each optionally compressed) and yields each regular file and
 *   symbolic link member in archive order (members of formats that record
 *   no file type, like ar, count as regular files).  No external programs are ever
 *   started.  Two ways to read from a file descriptor:
 *   - without a tap, a regular file is read with seeks, so zip archives are
 *     read through their central directory (what unzip and jar use) and
 *     checked against their local headers;
 *   - with a "tap" hasher (for pipes, or to hash in one pass), the input is
 *     read strictly sequentially and every byte read is fed to the tap:
 *     after vouch_members_drain() it holds the digest of the whole input.
 *     Zip is then read through its local headers only.
 *   An archive stored as a member of another is read the second way, from
 *   the outer reader's data (vouch_members_open_member).
 *
 * Ownership: objects are created by *_new / *_open and released by *_free
 * (NULL is a no-op).  Entries handed out are owned by the walker and valid
 * until the next call on it.
 */
#ifndef VOUCH_WALK_H
#define VOUCH_WALK_H

#include <stddef.h>
#include <stdint.h>
#include <sys/stat.h>
#include "buf.h"
#include "digest.h"
#include "error.h"

#ifdef __cplusplus
extern "C" {
#endif

enum vouch_walk_kind {
	VOUCH_WALK_FILE = 1,    /* regular file */
	VOUCH_WALK_SYMLINK = 2, /* symbolic link (not followed) */
	VOUCH_WALK_DIR = 3,     /* directory (only with VOUCH_WALK_DIRS) */
	VOUCH_WALK_OTHER = 4    /* FIFO, socket, device */
};

/* Flags for vouch_walk_new. */
#define VOUCH_WALK_DIRS 1u  /* also report directories, before their contents */

/* Bounds (zero fields take the defaults). */
typedef struct vouch_walk_opts {
	unsigned flags;
	uint32_t max_depth;      /* directory levels below the root, default 256 */
	uint32_t max_path_len;   /* bytes of a relative path, default 32768 */
	uint64_t max_entries;    /* entries in the whole walk, default 10000000 */
} vouch_walk_opts;

typedef struct vouch_walk_entry {
	const char *path;   /* relative to the root, '/'-separated, NUL-terminated */
	size_t path_len;
	const char *name;   /* the last component (points into path) */
	int kind;           /* enum vouch_walk_kind */
	int dirfd;          /* the open parent directory, for *at() calls */
	struct stat st;     /* fstatat(dirfd, name, AT_SYMLINK_NOFOLLOW) */
	const char *root;   /* the root as given (without trailing '/'), for messages */
} vouch_walk_entry;

typedef struct vouch_walk vouch_walk;

/* Start a walk below root (opts may be NULL). */
int vouch_walk_new(const char *root, const vouch_walk_opts *opts, vouch_walk **out,
                   vouch_err *err);
/* The next entry in path order: VOUCH_OK with *entry set, or VOUCH_OK with
 * *entry NULL at the end; an error status (with *entry NULL) for an entry
 * that could not be visited (see above). */
int vouch_walk_next(vouch_walk *w, const vouch_walk_entry **entry, vouch_err *err);
/* Open a VOUCH_WALK_FILE entry for reading: O_NOFOLLOW, O_NONBLOCK (so a
 * FIFO swapped in cannot block us) and a check that what was opened is
 * still the regular file that was listed (same device and inode).  Other
 * kinds fail with VOUCH_EINPUT and a message naming the entry. */
int vouch_walk_open(const vouch_walk_entry *e, int *fd, vouch_err *err);
/* Read the target of a VOUCH_WALK_SYMLINK entry into target (replacing its
 * contents; target is NUL-terminated, at most 65536 bytes). */
int vouch_walk_readlink(const vouch_walk_entry *e, vouch_buf *target,
                        vouch_err *err);
void vouch_walk_free(vouch_walk *w);

/* ---- archive members ---- */

typedef struct vouch_member {
	const char *name;        /* member path as stored (raw bytes), NUL-terminated */
	size_t name_len;
	int kind;                /* VOUCH_WALK_FILE or VOUCH_WALK_SYMLINK */
	const char *link_target; /* symlinks: the target, else NULL */
	size_t link_len;
	const char *hardlink;    /* regular files stored as a hard link to an
	                            earlier member (tar, cpio): its name, else NULL */
	int64_t size;            /* declared size, -1 when unknown */
} vouch_member;

typedef struct vouch_members vouch_members;

#define VOUCH_MEMBERS_MAX_DEFAULT 1000000u

int vouch_members_new(vouch_members **out, vouch_err *err);
void vouch_members_free(vouch_members *m);
/* Bounds: members reported (default VOUCH_MEMBERS_MAX_DEFAULT). */
void vouch_members_set_max(vouch_members *m, uint64_t max_members);

/* Start reading an archive from fd (not closed by us).  name is used in
 * messages.  tap, if not NULL, is fed every byte read from fd, in order.
 * Returns VOUCH_OK, VOUCH_ENEGATIVE when the data is in no format we read
 * (not an archive: the caller may drain and treat it as a plain file), or
 * an error.  May be called once per object. */
int vouch_members_open_fd(vouch_members *m, int fd, const char *name,
                          vouch_hasher *tap, vouch_err *err);
/* The same over a memory block (the bytes must outlive m), read like a
 * regular file (with seeks, without a tap). */
int vouch_members_open_mem(vouch_members *m, const void *data, size_t n,
                           const char *name, vouch_err *err);
/* Read an archive stored in the current regular-file member of parent
 * (an archive inside an archive), sequentially; every byte of the member's
 * data read is fed to tap (may be NULL), so after vouch_members_drain(m)
 * the tap holds the member's digest.  Returns like vouch_members_open_fd.
 * parent must not be advanced or freed while m is in use. */
int vouch_members_open_member(vouch_members *m, vouch_members *parent, const char *name,
                              vouch_hasher *tap, vouch_err *err);
/* The next regular-file or symlink member (other entries are skipped):
 * VOUCH_OK with *member set (valid until the next call on m), VOUCH_OK
 * with *member NULL at the end, or an error (damaged archive); after an
 * error the iteration is over. */
int vouch_members_next(vouch_members *m, const vouch_member **member, vouch_err *err);
/* Hash the data of the current regular-file member (holes in sparse
 * members count as zeros).  At most once per member. */
int vouch_members_digest(vouch_members *m, unsigned algs, vouch_digests *out,
                         vouch_err *err);
/* Read whatever libarchive has not consumed from the input (fd or member
 * mode with a tap), so that the tap has seen the whole input.  Valid after
 * any outcome of open or next, including errors; ends the iteration. */
int vouch_members_drain(vouch_members *m, vouch_err *err);

#ifdef __cplusplus
}
#endif
#endif
