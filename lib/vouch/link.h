/* vouch/link.h - legacy in-toto v0.9 link metadata (rebuilderd's format).
 *
 *   {"signatures": [{"keyid": "<64 hex>", "sig": "<hex>"}],
 *    "signed": {"_type": "link", "name": STEP, "command": [],
 *               "materials": {PATH: {"sha256": HEX}},
 *               "products": {PATH: {"sha256": HEX}},
 *               "byproducts": {}, "environment": {}}}
 *
 * The signature covers the OLPC canonical JSON of "signed".  Only Ed25519
 * keys can sign links (scheme "ed25519"); keyid is the securesystemslib
 * legacy keyid.  The file name is "<STEP>.<first 8 hex of keyid>.link".
 * Paths are recorded as given (in-toto uses '/'-separated relative paths).
 */
#ifndef VOUCH_LINK_H
#define VOUCH_LINK_H

#include <stddef.h>
#include "buf.h"
#include "digest.h"
#include "error.h"
#include "key.h"

#ifdef __cplusplus
extern "C" {
#endif

#define VOUCH_LINK_MAX_ARTIFACTS 100000

typedef struct vouch_link vouch_link;

/* name: the step name (non-empty, no '/', no control bytes). */
int vouch_link_new(const char *name, vouch_link **out, vouch_err *err);
void vouch_link_free(vouch_link *l);
/* Record a material / product with every digest filled in d (sha256 must
 * be among them).  A path recorded twice is refused. */
int vouch_link_add_material(vouch_link *l, const char *path, const vouch_digests *d,
                            vouch_err *err);
int vouch_link_add_product(vouch_link *l, const char *path, const vouch_digests *d,
                           vouch_err *err);
/* Sign the canonical "signed" part with an Ed25519 key (adds a signature). */
int vouch_link_sign(vouch_link *l, const vouch_key *key, vouch_err *err);
/* Append the whole link (pretty-printing is not needed: compact JSON). */
int vouch_link_serialize(const vouch_link *l, vouch_buf *out, vouch_err *err);
/* Append the canonical bytes that signatures cover. */
int vouch_link_signed_bytes(const vouch_link *l, vouch_buf *out, vouch_err *err);

/* securesystemslib legacy keyid of an Ed25519 key (64 lowercase hex). */
int vouch_link_keyid(const vouch_key *key, char out[65], vouch_err *err);
/* "<step>.<keyid8>.link" appended to out. */
int vouch_link_filename(const char *step, const char *keyid, vouch_buf *out,
                        vouch_err *err);

#ifdef __cplusplus
}
#endif
#endif
