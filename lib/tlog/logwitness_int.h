/* logwitness_int.h - how vouch-logd gets its checkpoints cosigned (not
 * installed; used by the sequencer, logd_seq.c, and the HTTP front,
 * logd_http.c).
 *
 * One worker thread per witness follows the log's newest checkpoint: it
 * sends it to its witness (C2SP tlog-witness add-checkpoint) with a
 * consistency proof from the size that witness last cosigned, computed
 * from the log directory's tiles; a 409 tells it that size.  A checkpoint
 * is published once a quorum of witnesses cosigned that very checkpoint:
 * then it is held in memory with the cosignature lines (valid ones only)
 * and written to <dir>/checkpoint.cosigned (atomically, for static
 * servers).  Witnesses that are slow or down delay nothing but their own
 * worker; sequencing never waits for them.
 */
#ifndef VOUCH_LOGWITNESS_INT_H
#define VOUCH_LOGWITNESS_INT_H

#include <stddef.h>
#include <stdint.h>

#include "vouch/buf.h"
#include "vouch/error.h"
#include "vouch/note.h"

typedef struct vouch_logwit vouch_logwit;
typedef void (*vouch_logwit_log_fn)(void *arg, const char *msg);

struct vouch_logwit_opts {
	const char *dir;                     /* the log directory */
	vouch_note_verifier *logver;         /* the log's key (to reload state) */
	const char *const *urls;             /* each witness's submission prefix */
	vouch_note_verifier *const *ws;      /* and its cosigner key (type 0x04) */
	size_t n;
	size_t quorum;                       /* 1..n */
	long timeout_s;                      /* per request */
	vouch_logwit_log_fn log;
	void *log_arg;
};

/* Start the workers (borrowing everything in o, which must outlive lw).
 * A checkpoint.cosigned left in dir that still verifies is published. */
int vouch_logwit_new(const struct vouch_logwit_opts *o, vouch_logwit **out, vouch_err *err);
/* The log has a new signed checkpoint (copied). */
void vouch_logwit_submit(vouch_logwit *lw, const char *note, size_t len, uint64_t size);
/* Append the newest published (cosigned) checkpoint to out; its size, or
 * 0 when none is published yet. */
uint64_t vouch_logwit_latest(vouch_logwit *lw, vouch_buf *out);
/* Wait up to timeout_ms for a published checkpoint of at least size
 * leaves; its size (then out holds it), or 0 on time-out. */
uint64_t vouch_logwit_wait(vouch_logwit *lw, uint64_t size, uint64_t timeout_ms,
                           vouch_buf *out);
/* Stop the workers (waiting for requests in flight, each bounded by the
 * timeout) and free. */
void vouch_logwit_free(vouch_logwit *lw);

#endif
