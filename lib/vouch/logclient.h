/* vouch/logclient.h - a client for tlog-tiles logs over HTTP(S) (libcurl).
 *
 * Works against vouch-logd or any static server holding a copy of a log
 * directory.  Everything read is verified: checkpoints against the log's
 * verifier key, tiles and entries against a verified checkpoint's root.
 * Requests time out, and transient failures (network errors, 429, 5xx) are
 * retried with exponential backoff.
 */
#ifndef VOUCH_LOGCLIENT_H
#define VOUCH_LOGCLIENT_H

#include <stddef.h>
#include <stdint.h>
#include "buf.h"
#include "checkpoint.h"
#include "error.h"
#include "merkle.h"
#include "note.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct vouch_logclient vouch_logclient;

/* url: the log's prefix ("https://host/path", no trailing slash needed).
 * ver may be NULL for submit-only use (nothing can be verified then); it
 * is borrowed.  origin NULL means the verifier's name. */
int vouch_logclient_new(const char *url, const vouch_note_verifier *ver, const char *origin,
                        long timeout_s, unsigned retries, vouch_logclient **out,
                        vouch_err *err);
void vouch_logclient_free(vouch_logclient *lc);

/* GET prefix/path into out (at most max bytes; out is initialised here,
 * the caller frees it).  *status gets the HTTP
 * status; VOUCH_OK only for 200.  404 gives VOUCH_ENEGATIVE. */
int vouch_logclient_get(vouch_logclient *lc, const char *path, size_t max, vouch_buf *out,
                        long *status, vouch_err *err);
/* POST body to prefix/path; out gets the response body, *status its status.
 * VOUCH_OK for any HTTP answer (check *status). */
int vouch_logclient_post(vouch_logclient *lc, const char *path, const void *body, size_t len,
                         size_t max, vouch_buf *out, long *status, vouch_err *err);

/* Fetch and verify the checkpoint; note (may be NULL) gets its bytes. */
int vouch_logclient_checkpoint(vouch_logclient *lc, vouch_checkpoint *cp, vouch_buf *note,
                               vouch_err *err);
/* A vouch_tile_reader (ctx is the client): the partial tile, or the prefix
 * of the full one when the partial is gone. */
int vouch_logclient_read_tile(void *ctx, int level, uint64_t index, unsigned width,
                              uint8_t *out, vouch_err *err);
/* Entry index of the tree of cp, verified by an inclusion proof computed
 * from the tiles; out gets the bytes; proof/n (may be NULL) the proof. */
int vouch_logclient_entry(vouch_logclient *lc, const vouch_checkpoint *cp, uint64_t index,
                          vouch_buf *out, vouch_hash *proof, size_t *n, vouch_err *err);
/* Entries [from, cp->size): each is handed to fn, in order, after all of
 * them were checked to hash into the tree of cp. */
typedef int (*vouch_logclient_entry_fn)(void *ctx, uint64_t index, const uint8_t *e,
                                        size_t len, vouch_err *err);
int vouch_logclient_entries(vouch_logclient *lc, const vouch_checkpoint *cp, uint64_t from,
                            vouch_logclient_entry_fn fn, void *ctx, vouch_err *err);
/* Prove old (size and root) consistent with cp from the tiles; proof/n get
 * the proof.  VOUCH_ENEGATIVE when it is not. */
int vouch_logclient_consistency(vouch_logclient *lc, const vouch_checkpoint *old,
                                const vouch_checkpoint *cp, vouch_hash *proof, size_t *n,
                                vouch_err *err);


/* ---- one call per vouch-log command ----
 * These fetch, verify and build the output; they never print.  Output
 * buffers are initialised here and owned by the caller (vouch_buf_free). */

/* Where a streaming command sends its results.  line gets one output
 * record at a time (bytes, including its newline); warn (may be NULL) gets
 * a per-item problem after which the command goes on; flush (may be NULL)
 * is called where everything handed to line so far must have reached its
 * destination (before the monitor commits its state).  A non-zero status
 * from line or flush stops the command with that status. */
typedef struct vouch_logclient_sink {
	int (*line)(void *ctx, const uint8_t *data, size_t len, vouch_err *err);
	void (*warn)(void *ctx, const vouch_err *problem);
	int (*flush)(void *ctx, vouch_err *err);
	void *ctx;
} vouch_logclient_sink;

/* Hand problem to sink->warn when the sink has one. */
void vouch_logclient_sink_warn(const vouch_logclient_sink *sink, const vouch_err *problem);
/* Hand entry index (bytes e[0..len)) to sink->line as its JSON line
 * (vouch_logentry_json_line). */
int vouch_logclient_sink_entry(const vouch_logclient_sink *sink, uint64_t index, const uint8_t *e,
                               size_t len, vouch_err *err);

/* get: entry index, verified against the current checkpoint; out gets its
 * bytes, ending in a newline (one is added when the entry has none). */
int vouch_logclient_get_entry(vouch_logclient *lc, uint64_t index, vouch_buf *out,
                              vouch_err *err);
/* prove: a tlog-proof of entry index against the current checkpoint. */
int vouch_logclient_prove(vouch_logclient *lc, uint64_t index, vouch_buf *out, vouch_err *err);
/* consistency: a JSON line {"old","new","old_root","new_root","proof"}
 * proving the tree of size old consistent with the tree of size new, both
 * proved consistent with the current signed checkpoint first.  Needs
 * 0 < old <= new <= the checkpoint's size (else VOUCH_EUSAGE). */
int vouch_logclient_prove_consistency(vouch_logclient *lc, uint64_t old, uint64_t new_size,
                                      vouch_buf *out, vouch_err *err);
/* submit: each file ("-" is stdin) holds one envelope or JSON Lines of
 * them; each is POSTed to the log and its answer handed to sink->line.
 * When the client has a verifier, each answer must prove that very entry
 * into a signed checkpoint.  A file that cannot be read or an envelope
 * that is not logged fails the call: a lone problem is the call's error;
 * when there are more, each goes to sink->warn and the error counts them
 * (with the status of the last failure). */
int vouch_logclient_submit_files(vouch_logclient *lc, const char *const *paths, size_t n,
                                 const vouch_logclient_sink *sink, vouch_err *err);

/* verify-proof, offline: proof_path holds a tlog-proof (then entry_path
 * must name the entry it proves) or a vouch-logd /add answer (entry_path
 * optional: when given it must be that answer's entry).  The proof must
 * verify with ver for origin (NULL: the verifier's name).  On success
 * *index and *cp describe what was proved.  Without the entry a tlog-proof
 * cannot be checked: VOUCH_EUSAGE with *need_entry set. */
int vouch_logproof_verify_files(const vouch_note_verifier *ver, const char *origin,
                                const char *proof_path, const char *entry_path,
                                uint64_t *index, vouch_checkpoint *cp, int *need_entry,
                                vouch_err *err);

/* lookup: the entries the log names for subject digest sha256 (an
 * unauthenticated hint), each fetched and verified against the current
 * checkpoint and checked to carry the digest; each is handed to
 * sink->line as a JSON line (vouch_logentry_json_line).  Hits that do not
 * verify go to sink->warn and the call then fails with VOUCH_EINPUT. */
int vouch_logclient_lookup(vouch_logclient *lc, const uint8_t sha256[32],
                           const vouch_logclient_sink *sink, vouch_err *err);

#ifdef __cplusplus
}
#endif
#endif
