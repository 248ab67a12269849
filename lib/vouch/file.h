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
#include <sys/types.h>
#include "buf.h"
#include "error.h"

#ifdef __cplusplus
extern "C" {
#endif

/* open(2) for reading, refusing to follow a symlink in the last component
 * (O_NOFOLLOW), with O_CLOEXEC.  "-" is not special here. */
int vouch_open_read_nofollow(const char *path, int *fd, vouch_err *err);

/* Read all of fd into out; fails with VOUCH_ELIMIT past max bytes.  name is
 * used in messages only. */
int vouch_read_fd(int fd, const char *name, size_t max, vouch_buf *out, vouch_err *err);

/* Read a whole file ("-" = stdin) into out, at most max bytes.  Follows
 * symlinks (the user named the file); use vouch_open_read_nofollow where a
 * path comes from untrusted data. */
int vouch_read_file(const char *path, size_t max, vouch_buf *out, vouch_err *err);

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

#ifdef __cplusplus
}
#endif
#endif
