/* vouch/logmonitor.h - watch a vouch transparency log: a monitor that
 * keeps the last verified checkpoint in a state file and proves every new
 * checkpoint consistent with it.  (Entries as JSON Lines are in
 * logentry.h, lookup by subject digest in logclient.h.)
 *
 * Results are streamed through a vouch_logclient_sink (logclient.h); the
 * library never prints.
 */
#ifndef VOUCH_LOGMONITOR_H
#define VOUCH_LOGMONITOR_H

#include <stddef.h>
#include <stdint.h>
#include "buf.h"
#include "error.h"
#include "key.h"
#include "logclient.h"
#include "note.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Most --subject / --signer filters a monitor takes. */
#define VOUCH_LOGMONITOR_FILTER_MAX 64

typedef struct vouch_logmonitor vouch_logmonitor;

/* A monitor of the log behind lc (which must have a verifier; borrowed,
 * as are ver and the strings) keeping its last verified checkpoint in the
 * file state.  ver and origin (NULL: the verifier's name) check the state
 * file's checkpoint. */
int vouch_logmonitor_new(vouch_logclient *lc, const vouch_note_verifier *ver,
                         const char *origin, const char *state, vouch_logmonitor **out,
                         vouch_err *err);
void vouch_logmonitor_free(vouch_logmonitor *m);
/* Print only entries carrying one of these subjects (at most
 * VOUCH_LOGMONITOR_FILTER_MAX). */
int vouch_logmonitor_add_subject(vouch_logmonitor *m, const uint8_t sha256[32], vouch_err *err);
/* Print only entries with a valid signature by one of these keys
 * (borrowed; at most VOUCH_LOGMONITOR_FILTER_MAX). */
int vouch_logmonitor_add_signer(vouch_logmonitor *m, const vouch_key *key, vouch_err *err);

/* Accept only checkpoints cosigned by quorum of the witnesses ws
 * (cosigner keys, borrowed); others are reported as trouble and the state
 * does not move. */
void vouch_logmonitor_set_witnesses(vouch_logmonitor *m, vouch_note_verifier *const *ws,
                                    size_t n, size_t quorum);

/* One round: fetch and verify the checkpoint, prove it consistent with
 * the state's, hand each new matching entry to sink->line as a JSON line,
 * call sink->flush, then store the new checkpoint in the state file.  When
 * the log is inconsistent, a JSON line {"inconsistent","old_checkpoint",
 * "new_checkpoint"} goes to sink->line and the result is VOUCH_ENEGATIVE. */
int vouch_logmonitor_round(vouch_logmonitor *m, const vouch_logclient_sink *sink,
                           vouch_err *err);
/* Rounds every interval_s seconds until an inconsistency
 * (VOUCH_ENEGATIVE); other failures of a round go to sink->warn and the
 * watch goes on.  once: a single round, returning its status. */
int vouch_logmonitor_run(vouch_logmonitor *m, int once, unsigned interval_s,
                         const vouch_logclient_sink *sink, vouch_err *err);

#ifdef __cplusplus
}
#endif
#endif
