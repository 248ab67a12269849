/* vouch/checkpoint.h - C2SP checkpoints (signed tree heads); their offline
 * inclusion proofs are in tlogproof.h.
 *
 * Checkpoint note text:
 *     <origin>\n<tree size in decimal>\n<base64 root hash>\n[<extension line>\n...]
 * The origin is a schemeless URL: printable ASCII, no spaces, no '+'.  The
 * log signs under a key whose name is the origin.
 */
#ifndef VOUCH_CHECKPOINT_H
#define VOUCH_CHECKPOINT_H

#include <stddef.h>
#include <stdint.h>
#include "buf.h"
#include "error.h"
#include "key.h"
#include "merkle.h"
#include "note.h"

#ifdef __cplusplus
extern "C" {
#endif

#define VOUCH_ORIGIN_MAX 255
#define VOUCH_CHECKPOINT_EXT_MAX 1024 /* bytes of extension lines */

typedef struct vouch_checkpoint {
	char origin[VOUCH_ORIGIN_MAX + 1];
	uint64_t size;
	vouch_hash root;
	char ext[VOUCH_CHECKPOINT_EXT_MAX + 1]; /* extension lines, each ending in \n */
	size_t ext_len;
} vouch_checkpoint;

/* Parse s[0..len) as a decimal without sign or leading zeros that fits in
 * 64 bits (as tree sizes are written); -1 when it is not one. */
int vouch_parse_decimal(const char *s, size_t len, uint64_t *out);

/* True when s[0..len) is a valid origin. */
int vouch_origin_valid(const char *s, size_t len);

/* Parse checkpoint note text (not the signatures). */
int vouch_checkpoint_parse(const char *text, size_t len, vouch_checkpoint *cp,
                           vouch_err *err);
/* Append the note text of cp. */
int vouch_checkpoint_text(const vouch_checkpoint *cp, vouch_buf *out, vouch_err *err);
/* Append cp signed by key under the name cp->origin. */
int vouch_checkpoint_sign(const vouch_checkpoint *cp, const vouch_key *key, vouch_buf *out,
                          vouch_err *err);
/* Verify a signed checkpoint with the verifiers and parse it.  When origin
 * is non-NULL the checkpoint's origin must equal it. */
int vouch_checkpoint_open(const char *note, size_t len, const char *origin,
                          vouch_note_verifier *const *vs, size_t nvs, vouch_checkpoint *cp,
                          vouch_err *err);

#ifdef __cplusplus
}
#endif
#endif
