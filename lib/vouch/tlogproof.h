/* vouch/tlogproof.h - c2sp.org/tlog-proof@v1 offline inclusion proofs: an
 * entry's index, its inclusion proof and the signed checkpoint it proves
 * into, as one text.
 */
#ifndef VOUCH_TLOGPROOF_H
#define VOUCH_TLOGPROOF_H

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

#define VOUCH_TLOGPROOF_EXTRA_MAX 4096

/* Parsed proof; owns its buffers: release with vouch_tlogproof_clear. */
typedef struct vouch_tlogproof {
	int has_extra;
	vouch_buf extra;         /* decoded extra data */
	uint64_t index;
	vouch_hash proof[VOUCH_PROOF_MAX];
	size_t nproof;
	vouch_buf checkpoint;    /* the signed checkpoint note, verbatim */
} vouch_tlogproof;

void vouch_tlogproof_init(vouch_tlogproof *p);
void vouch_tlogproof_clear(vouch_tlogproof *p);
int vouch_tlogproof_parse(const char *s, size_t len, vouch_tlogproof *p, vouch_err *err);
/* Append the text form.  extra may be NULL (no extra line). */
int vouch_tlogproof_format(const uint8_t *extra, size_t extra_len, uint64_t index,
                           const vouch_hash *proof, size_t nproof, const char *note,
                           size_t note_len, vouch_buf *out, vouch_err *err);
/* Verify the checkpoint's signature (and origin, when non-NULL) and that
 * leaf is at p->index under its root.  Fills cp (may be NULL). */
int vouch_tlogproof_verify(const vouch_tlogproof *p, const vouch_hash leaf,
                           const char *origin, vouch_note_verifier *const *vs, size_t nvs,
                           vouch_checkpoint *cp, vouch_err *err);

#ifdef __cplusplus
}
#endif
#endif
