/* vouch/mirror.h - a verifying mirror of a tlog-tiles log, and proofs of
 * misbehaviour.
 *
 * A mirror directory holds the same layout as a vouch-logd directory's
 * read side: checkpoint, tile/<L>/<N>[.p/<W>] and tile/entries/<N>[.p/<W>],
 * so nginx (or any static server) can serve it.  Each round fetches the
 * log's checkpoint (its signature checked, and the witnesses' quorum when
 * witnesses are given), proves it consistent with the held one, fetches
 * every new entry (each checked to hash into the new tree), extends the
 * mirror's own hash tiles from its own old tiles and the new entries,
 * checks that they give the checkpoint's root, and only then replaces the
 * checkpoint file (tiles and bundles first, each written atomically).
 *
 * With a cosigner key the mirror adds its own cosignature to each
 * checkpoint it stores (C2SP tlog-mirror: "I mirrored this tree").
 *
 * When the log shows a checkpoint that does not extend the held one, the
 * mirror keeps its last good state, writes misbehaviour.json (schema
 * schemas/tlog-misbehaviour.schema.json) next to it and refuses to follow
 * until that file is removed.
 */
#ifndef VOUCH_MIRROR_H
#define VOUCH_MIRROR_H

#include <stddef.h>
#include <stdint.h>
#include "buf.h"
#include "checkpoint.h"
#include "error.h"
#include "logclient.h"
#include "note.h"

#ifdef __cplusplus
extern "C" {
#endif

#define VOUCH_MIRROR_ROUND_MAX 1000000 /* entries fetched in one round */

typedef struct vouch_mirror_opts {
	const char *dir;                    /* the mirror directory (created) */
	vouch_logclient *lc;                /* the log, with its verifier */
	vouch_note_verifier *logver;
	const char *origin;                 /* NULL: the verifier's name */
	vouch_note_verifier *const *ws;     /* witnesses (may be 0) */
	size_t nws;
	size_t quorum;
	/* The mirror as a cosigner (may be NULL): each checkpoint it stores
	 * gets its cosignature/v1 line, a statement that it holds a verified
	 * copy of that tree (it never stores two trees of one size). */
	const vouch_key *cosign_key;
	const char *cosign_name;
} vouch_mirror_opts;

/* One round.  VOUCH_OK: the mirror holds the log's checkpoint (*size, may
 * be NULL, gets its size; *grew whether it moved).  VOUCH_ENEGATIVE: the
 * log misbehaved (the proof is in dir/misbehaviour.json and in proof, when
 * non-NULL) or an earlier proof stops the mirror.  Other statuses:
 * transient trouble, nothing changed. */
int vouch_mirror_round(const vouch_mirror_opts *o, uint64_t *size, int *grew,
                       vouch_buf *proof, vouch_err *err);

/* Check a proof of misbehaviour: both checkpoints signed by the log, and
 * either the same size with different roots, or a consistency proof,
 * valid under the second checkpoint, from a root at the first's size
 * that differs from the first's root.  VOUCH_OK when it proves
 * misbehaviour (*why, may be NULL, gets a sentence), VOUCH_ENEGATIVE when
 * it does not, VOUCH_EINPUT when malformed. */
int vouch_misbehaviour_check(const char *json, size_t len, vouch_note_verifier *logver,
                             const char *origin, vouch_buf *why, vouch_err *err);

#ifdef __cplusplus
}
#endif
#endif
