/* vouch/hashrun.h - the hashing run behind vouch-hash.
 *
 * Hashes files, directory trees (each file, in the walk's order) and, with
 * members, archive members, and assembles the output: an in-toto subject
 * list (JSON) or sha256sum-style lines.  The calling thread walks the
 * inputs and queues one job per file in a bounded ring; worker threads hash
 * jobs in any order; the calling thread assembles finished jobs strictly in
 * queue order, so the output is the same for every number of jobs.  Open
 * descriptors and memory are bounded by the ring size, not by the number
 * of files.
 *
 * The library never prints: output goes to the caller's write sink in
 * chunks (or stays whole in the caller's buffer), per-item errors to the
 * warn sink, both in queue order.
 */
#ifndef VOUCH_HASHRUN_H
#define VOUCH_HASHRUN_H

#include <stddef.h>

#include "error.h"
#include "buf.h"

#ifdef __cplusplus
extern "C" {
#endif

#define VOUCH_HASHRUN_MAX_JOBS 256
#define VOUCH_HASHRUN_MAX_DEPTH 4
#define VOUCH_HASHRUN_OUT_MAX ((size_t)1 << 32)

typedef struct vouch_hashrun_opts {
	unsigned algs;     /* VOUCH_ALG_* bits; 0 = sha256 */
	int sums;          /* sha256sum-style lines (one algorithm; links are not listed) */
	int members;       /* also list archive members as ARCHIVE!MEMBER */
	unsigned depth;    /* archive levels opened for members, 1 .. MAX_DEPTH; 0 = 1 */
	int tree;          /* each directory as one subject with its tree digest */
	unsigned jobs;     /* files hashed at a time, 1 .. MAX_JOBS; 0 = online CPUs */
	/* Output in order, in chunks; non-zero return means the write failed
	 * (the run goes on; res->out_failed is set).  NULL: all output stays
	 * in the caller's buffer. */
	int (*write)(void *ctx, const void *data, size_t len);
	/* One per-item error (an input that cannot be read, archive damage). */
	void (*warn)(void *ctx, const vouch_err *err);
	void *ctx;
} vouch_hashrun_opts;

typedef struct vouch_hashrun_result {
	size_t links_skipped;  /* sums: symbolic links not listed */
	size_t errors;         /* per-item errors handed to warn */
	int out_failed;        /* output lost: a write failed or the buffer limit was hit */
} vouch_hashrun_result;

/* Hash the n inputs ("-" is standard input) and assemble the output.  out
 * is initialised here (bounded by VOUCH_HASHRUN_OUT_MAX) and left holding
 * the output not yet handed to write (with write NULL: all of it), which
 * the caller writes and frees with vouch_buf_free() in every case.
 * Returns VOUCH_OK when the run completed (res says how it went; errors or
 * out_failed mean trouble), else the status of a fatal problem (workers
 * cannot start, the output cannot be completed) with err filled. */
int vouch_hashrun(const vouch_hashrun_opts *o, const char *const *inputs, size_t n,
                  vouch_buf *out, vouch_hashrun_result *res, vouch_err *err);

#ifdef __cplusplus
}
#endif
#endif
