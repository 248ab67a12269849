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

#ifdef __cplusplus
}
#endif
#endif
