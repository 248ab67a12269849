/* vouch/unpack.h - safe extraction of an untrusted source archive.
 *
 * vouch_unpack_file() reads any archive libarchive reads (tar with gzip,
 * xz, zstd, bzip2, lzip; zip, cpio, 7z, ar, iso9660) through libarchive's
 * read API only, and writes it with its own writer: every create is
 * relative to a directory fd, with O_NOFOLLOW and O_EXCL / mkdirat, so
 * nothing can land outside the tree.  The target must be absent or an
 * empty directory; extraction goes to a temporary directory next to it that
 * is renamed into place only on success and removed on any failure, so a
 * refusal leaves nothing behind.
 *
 * Refused (VOUCH_EINPUT, message naming the entry): absolute paths, ".."
 * components, control characters or invalid UTF-8 in names, writing through
 * a symlink (also one planted earlier in the same archive), hard links to
 * anything but an already-extracted regular file of the tree, devices,
 * FIFOs, sockets, duplicate paths, case-only variants with portable, and
 * symlinks that resolve outside the tree unless allow_external_links.
 * Bounds exceeded give VOUCH_ELIMIT.  setuid/setgid/sticky bits are
 * stripped (files are written 0644 or 0755, directories 0755, before the
 * umask); ownership and timestamps are never restored.
 *
 * While writing, the content of every file is hashed, so the tree digest
 * (vouch/tree.h) comes out of the same single pass.  A call runs two
 * helper threads of its own (the archive digest reads the page cache in
 * parallel; file contents are hashed off the writing thread) and joins them
 * before it returns; there is no global state, so calls on different
 * targets may run concurrently.
 *
 * Names are passed on as libarchive decodes them in the current LC_CTYPE;
 * a tool should select a UTF-8 locale (vouch-unpack uses C.UTF-8) so that
 * zip and pax UTF-8 names arrive intact.  Case folding for portable maps
 * each character through towupper() then towlower() in C.UTF-8 (ASCII
 * letters only when that locale is missing), so the Unicode case variants
 * a case-insensitive file system merges collide ("\u00c4"/"\u00e4", the
 * Kelvin sign and "k", long s and "s", final and medial sigma); Unicode
 * normalisation collisions (NFC against NFD) are not detected.
 */
#ifndef VOUCH_UNPACK_H
#define VOUCH_UNPACK_H

#include <stddef.h>
#include <signal.h>
#include <stdint.h>
#include "buf.h"
#include "digest.h"
#include "error.h"

#ifdef __cplusplus
extern "C" {
#endif

struct vouch_unpack_result;

typedef struct vouch_unpack_opts {
	uint64_t max_total_bytes;   /* file content written, default 4 GiB */
	uint64_t max_entries;       /* archive entries, default 1000000 */
	uint64_t max_entry_size;    /* one file's content, default 2 GiB */
	uint64_t max_archive_bytes; /* archive size (stdin is spooled), default 8 GiB */
	uint32_t max_path_len;      /* bytes of a normalised path, default 4096 */
	uint32_t max_depth;         /* path components, default 128 */
	uint32_t max_ratio;         /* content written / archive bytes read,
	                               default 200; 0 = unlimited */
	uint64_t ratio_grace;       /* ratio is checked once this much was
	                               written, default 8 MiB */
	unsigned archive_algs;      /* VOUCH_ALG_* bits for the archive
	                               digests; 0 means VOUCH_ALG_SHA256 */
	int portable;               /* refuse case-only path variants */
	int allow_external_links;   /* keep symlinks resolving outside the tree */
	/* When set (by the caller's signal handler, say), the extraction stops
	 * at the next entry or block, removes its temporary directory and
	 * fails with "interrupted".  May be NULL. */
	volatile sig_atomic_t *cancel;
	/* Called with the finished result just before the tree is moved to
	 * the target; a status other than VOUCH_OK abandons the extraction
	 * (the target stays as it was) and is returned.  vouch-unpack writes
	 * and flushes its JSON here, so exit 2 always means "nothing placed".
	 * May be NULL. */
	int (*commit)(const struct vouch_unpack_result *r, void *ctx, vouch_err *err);
	void *commit_ctx;
} vouch_unpack_opts;

/* Fill every field with its default. */
void vouch_unpack_opts_default(vouch_unpack_opts *o);

enum vouch_unpack_note_kind {
	VOUCH_NOTE_SYMLINK = 1,     /* target = the link text */
	VOUCH_NOTE_EXTERNAL_LINK,   /* symlink resolving outside (allowed) */
	VOUCH_NOTE_HARDLINK,        /* target = the path it links to */
	VOUCH_NOTE_EMPTY_DIR,
	VOUCH_NOTE_EXECUTABLE,
	VOUCH_NOTE_MODE_STRIPPED    /* setuid/setgid/sticky removed; mode = original */
};

typedef struct vouch_unpack_note {
	int kind;                   /* enum vouch_unpack_note_kind */
	char *path;                 /* relative path in the tree */
	char *target;               /* links only, else NULL */
	unsigned mode;              /* MODE_STRIPPED: the archive's mode */
} vouch_unpack_note;

/* Filled by vouch_unpack_*; release with vouch_unpack_result_free(). */
typedef struct vouch_unpack_result {
	vouch_digests archive;      /* digests of the archive bytes; .length = size */
	char format[64];            /* libarchive's format name, e.g. "POSIX pax..." */
	char filters[64];           /* compression filters, outermost first, "," */
	uint8_t tree[32];           /* tree digest (VOUCH_TREE_DIGEST_KEY) */
	uint64_t entries;           /* archive entries read */
	uint64_t files;             /* regular files (hard links included) */
	uint64_t dirs;              /* directories below the root */
	uint64_t symlinks;
	uint64_t hardlinks;
	uint64_t executables;
	uint64_t total_size;        /* bytes of file content written */
	vouch_unpack_note *notes;   /* sorted by path, then kind */
	size_t n_notes;
} vouch_unpack_result;

/* Frees what r owns (notes), not r itself; zeroes r. */
void vouch_unpack_result_free(vouch_unpack_result *r);

/* Extract archive ("-" = stdin) into target.  opts may be NULL (defaults).
 * res may be NULL.  On failure nothing is left at target (it is absent, or
 * the empty directory it was). */
int vouch_unpack_file(const char *archive, const char *target,
                      const vouch_unpack_opts *opts, vouch_unpack_result *res,
                      vouch_err *err);
/* Same from an open descriptor (not closed); name is for messages.  A
 * regular file is read with pread() from offset 0 whatever the descriptor's
 * position; anything else (a pipe) is read from where it is, to its end,
 * into an unlinked spool file next to the target first. */
int vouch_unpack_fd(int fd, const char *name, const char *target,
                    const vouch_unpack_opts *opts, vouch_unpack_result *res,
                    vouch_err *err);

/* Append the result as one JSON document (schemas/unpack-output.schema.json)
 * to out, followed by a newline.  archive_name may be NULL. */
int vouch_unpack_result_json(const vouch_unpack_result *r, const char *archive_name,
                             vouch_buf *out, vouch_err *err);

/* Short name of a note kind ("symlink", "empty-dir", ...). */
const char *vouch_unpack_note_name(int kind);

/* Remove a directory tree without following symlinks (for callers that
 * extracted into scratch space).  A missing path is success. */
int vouch_unpack_remove_tree(const char *path, vouch_err *err);

#ifdef __cplusplus
}
#endif
#endif
