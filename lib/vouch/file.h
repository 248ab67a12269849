/* vouch/file.h - careful file I/O.
 *
 * Path "-" means stdin (reading) or stdout (writing) wherever a function
 * says so.  Reads are bounded.  Writes that replace a file go to a temporary
 * file in the same directory, are fsynced, renamed over the target, and the
 * directory is fsynced, so a crash leaves the old or the new file, never a
 * mix.
 */
#ifndef VOUCH_FILE_H
#define VOUCH_FILE_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>
#include "buf.h"
#include "error.h"

#ifdef __cplusplus
extern "C" {
#endif

/* open(2) for reading, refusing to follow a symlink in the last component
 * (O_NOFOLLOW), with O_CLOEXEC.  "-" is not special here. */
int vouch_open_read_nofollow(const char *path, int *fd, vouch_err *err);

/* ---- the one input opener ----
 *
 * Every file a user names for reading (an operand, -m FILE, --bundle FILE,
 * a key, a policy) is opened here, so that all tools treat "-", FIFOs,
 * directories, dangling symlinks and missing files alike:
 *   "-"         standard input, when accept has VOUCH_INPUT_STDIN (else "-"
 *               is a file name); refused when it is a directory or a device
 *               ("'<stdin>': is a directory" / "not a file or pipe")
 *   missing     "cannot open 'NAME': No such file or directory" (VOUCH_EIO)
 *   dangling    "cannot open 'NAME': dangling symbolic link" (VOUCH_EIO)
 *   directory   opened when accept has VOUCH_INPUT_DIR, else
 *               "'NAME': is a directory" (VOUCH_EINPUT)
 *   FIFO, device, socket
 *               "'NAME': not a regular file" (VOUCH_EINPUT), without
 *               blocking on a FIFO that has no writer
 * A symlink is followed (the user named it).  NAME is quoted with
 * vouch_quote(); tools exit 2 on all of these. */
#define VOUCH_INPUT_FILE 1u    /* a regular file (always accepted) */
#define VOUCH_INPUT_DIR 2u     /* a directory */
#define VOUCH_INPUT_STDIN 4u   /* "-": standard input (a pipe or a file) */
#define VOUCH_STDIN_NAME "<stdin>"

struct stat;
typedef struct vouch_input {
	int fd;                 /* -1 when not open; STDIN_FILENO for "-" */
	unsigned kind;          /* one VOUCH_INPUT_* */
	const char *label;      /* for messages: path as given, or "<stdin>" */
} vouch_input;

/* Open path as described above; in->fd is then the caller's, to give back
 * with vouch_input_close() (which leaves standard input open).  st, when
 * not NULL, gets the input's fstat. */
int vouch_input_open(vouch_input *in, const char *path, unsigned accept, struct stat *st,
                     vouch_err *err);
void vouch_input_close(vouch_input *in);

/* After reading nread bytes of fd, whose fstat before the first read was
 * *before: fail (VOUCH_EIO, "changed while being read") when fd is a
 * regular file whose size, inode, mtime or ctime moved, or when nread is
 * not its size (a short read).  Not regular: always VOUCH_OK. */
int vouch_file_unchanged(int fd, const struct stat *before, uint64_t nread,
                         const char *name, vouch_err *err);

/* 1 when two stats of one file show the same inode, size, mtime and ctime. */
int vouch_stat_same(const struct stat *a, const struct stat *b);

/* len bytes of s for a one-line message: control bytes and backslash as \xHH, cut
 * with "..." to fit outsz (at least 8).  Returns out. */
const char *vouch_quote(const char *s, size_t len, char *out, size_t outsz);

/* Read all of fd into out; fails with VOUCH_ELIMIT past max bytes.  name is
 * used in messages only. */
int vouch_read_fd(int fd, const char *name, size_t max, vouch_buf *out, vouch_err *err);

/* The one read size for hashing, unpacking, tree digests and compare
 * (vouch_digest_fd, vouch-unpack, vouch_tree_digest_dir, archive members),
 * in buffers from vouch_chunk_alloc: page-aligned, because the alignment,
 * not the size, is what costs.  tests/bench/chunk.sh, 1 GiB in the page
 * cache, AMD EPYC (32 KiB L1d and 512 KiB L2 per core), CPU seconds
 * (user + system), medians of 5 on the shared 2-core machine (load 15):
 *     KiB     16   32   64  128  256  512 1024    openssl dgst (8 KiB): 1.00
 *   page+0   0.93 0.90 0.90 0.89 0.87 0.89 0.89
 *   page+16  1.39 1.33 1.30 1.28 1.27 1.26 1.29
 * A block malloc takes from mmap (128 KiB and up: READ_CHUNK's 256 KiB)
 * starts 16 bytes past a page, and the kernel's copy into it
 * (_copy_to_iter: 38% of perf samples, against 14% aligned) is ~45%
 * slower.  Aligned, the size hardly matters, so the per-core L2 the issue
 * suspected is not the cause.  128 KiB: as fast as any, few system calls,
 * a quarter of L2. */
#define VOUCH_READ_CHUNK ((size_t)128 * 1024)
#define VOUCH_CHUNK_ALIGN ((size_t)4096)

/* A VOUCH_READ_CHUNK buffer aligned to VOUCH_CHUNK_ALIGN (free() it), or
 * NULL when out of memory. */
void *vouch_chunk_alloc(void);

/* Lines of a stream read in large blocks: each line is handed out in place
 * (valid until the next call), without its '\n'; a last line without one
 * counts.  A line longer than max bytes is an error (VOUCH_ELIMIT), so
 * memory stays bounded by max plus one block. */
typedef struct vouch_lines {
	int fd;
	const char *name;   /* for messages */
	size_t max;
	size_t lineno;      /* number of the line last returned, from 1 */
	size_t off;         /* start of the unread part of buf */
	int eof;
	vouch_buf buf;
} vouch_lines;

void vouch_lines_init(vouch_lines *r, int fd, const char *name, size_t max);
/* The next line in *line / *len, or *line = NULL at the end. */
int vouch_lines_next(vouch_lines *r, const char **line, size_t *len, vouch_err *err);
void vouch_lines_free(vouch_lines *r);

/* Read a whole file ("-" = stdin) into out, at most max bytes.  Follows
 * symlinks (the user named the file); use vouch_open_read_nofollow where a
 * path comes from untrusted data. */
int vouch_read_file(const char *path, size_t max, vouch_buf *out, vouch_err *err);

/* ---- whole documents (a recipe, a policy, a .buildinfo) ----
 * Every parser of a whole document starts with vouch_doc_begin: more than
 * max bytes is refused ("WHAT: larger than MAX bytes", VOUCH_ELIMIT), else
 * *out gets size zeroed bytes, the caller's to free. */
int vouch_doc_begin(const char *what, size_t len, size_t max, size_t size, void **out,
                    vouch_err *err);

/* Every loader reads path ("-" = stdin, at most max bytes, NUL-terminated)
 * and hands it to parse(data, len, ctx, err); a parse error is prefixed
 * with what and the quoted path ("policy 'p.json': ...", or "'p.json': ..."
 * when what is ""). */
typedef int (*vouch_doc_parse_fn)(const char *data, size_t len, void *ctx, vouch_err *err);
int vouch_doc_load(const char *path, size_t max, const char *what, vouch_doc_parse_fn parse,
                   void *ctx, vouch_err *err);

/* Write data to fd completely, retrying on EINTR and short writes. */
int vouch_write_all(int fd, const void *data, size_t n, const char *name, vouch_err *err);

/* Replace path atomically with data (temp + fsync + rename + dir fsync).
 * mode applies to the new file. */
int vouch_write_file_atomic(const char *path, const void *data, size_t n,
                            mode_t mode, vouch_err *err);

/* Create path with O_CREAT|O_EXCL|O_NOFOLLOW and the given mode, write data,
 * fsync.  Never replaces an existing file (VOUCH_EEXIST).  On a write
 * failure the partial file is removed. */
int vouch_write_file_excl(const char *path, const void *data, size_t n,
                          mode_t mode, vouch_err *err);

/* Create directory path (0755), or accept it when it exists and is empty;
 * VOUCH_EEXIST when it holds anything. */
int vouch_mkdir_empty(const char *path, vouch_err *err);

/* fsync the directory that contains path (or path itself if dir is 1). */
int vouch_fsync_dir(const char *path, int is_dir, vouch_err *err);

/* Cache stamps, the small records caches keep beside what they hold:
 * "MAGIC<key hex>\nvouchTree256 <digest hex>\n".  vouch_stamp_head writes
 * the part up to the digest into head, vouch_stamp_text the whole stamp
 * into out (both return the length, or -1 when it does not fit);
 * vouch_stamp_read is 1 when the file at path (not followed if a symlink)
 * is exactly head, 64 lowercase hex digits and a newline (digest gets the
 * 32 bytes), else 0.  Nothing else is parsed. */
int vouch_stamp_head(const char *magic, const uint8_t key[32], char *head, size_t cap);
int vouch_stamp_text(const char *head, const uint8_t digest[32], char *out, size_t cap);
int vouch_stamp_read(const char *path, const char *head, uint8_t digest[32]);

#ifdef __cplusplus
}
#endif
#endif
