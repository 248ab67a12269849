/* vouch/cosig.h - c2sp.org/tlog-cosignature: Ed25519 cosignature/v1.
 *
 * A cosignature is a signed-note signature line on a checkpoint:
 *     — <cosigner name> base64(key ID || u64 timestamp || Ed25519 signature)
 * with key ID = SHA-256(name || 0x0A || 0x04 || pub32)[:4], the timestamp
 * big-endian POSIX seconds (at most 2^63 - 1), and the signature over
 *     "cosignature/v1\n" "time <timestamp>\n" <the checkpoint's note text>
 * (all of the text, extension lines included; no signature lines).
 * Cosigner keys are vouch_note_verifiers of type VOUCH_VKEY_COSIG_ED25519,
 * written as vkeys "<name>+<8 hex ID>+base64(0x04 || pub32)".
 */
#ifndef VOUCH_COSIG_H
#define VOUCH_COSIG_H

#include <stddef.h>
#include <stdint.h>
#include "buf.h"
#include "error.h"
#include "key.h"
#include "checkpoint.h"
#include "note.h"

#ifdef __cplusplus
extern "C" {
#endif

#define VOUCH_COSIG_TS_MAX INT64_MAX

/* Parse a cosigner vkey (type 0x04). */
int vouch_cosig_verifier_parse(const char *s, size_t len, vouch_note_verifier **out,
                               vouch_err *err);
/* The message a cosigner signs for note text at time ts; appended to out. */
int vouch_cosig_message(const char *text, size_t len, uint64_t ts, vouch_buf *out,
                        vouch_err *err);
/* Append one cosignature line ("— name base64(...)\n") by the Ed25519
 * private key under name, over the note text text[0..len) at time ts. */
int vouch_cosig_sign(const char *text, size_t len, const char *name, const vouch_key *key,
                     uint64_t ts, vouch_buf *out, vouch_err *err);

/* Check the cosignatures on a signed note by the cosigners ws (type 0x04
 * verifiers; others are skipped).  Lines by unknown keys are ignored; a
 * line by a known cosigner that does not verify, or has a timestamp above
 * VOUCH_COSIG_TS_MAX, rejects the note (VOUCH_ENEGATIVE).  *ndistinct
 * counts distinct public keys with a valid cosignature (a key listed under
 * two names counts once).  ts (may be NULL; nws entries) gets each
 * cosigner's timestamp, 0 when it did not cosign.  The log's own signature
 * is not checked here: use vouch_checkpoint_open first. */
int vouch_cosig_verify(const char *note, size_t len, vouch_note_verifier *const *ws,
                       size_t nws, size_t *ndistinct, uint64_t *ts, vouch_err *err);
/* VOUCH_OK when at least k distinct cosigners of ws cosigned the note;
 * VOUCH_ENEGATIVE (err says how many of how many) when not. */
int vouch_cosig_quorum(const char *note, size_t len, vouch_note_verifier *const *ws,
                       size_t nws, size_t k, vouch_err *err);

/* A checkpoint as evidence: the log's signature (vouch_checkpoint_open
 * with origin, may be NULL) and at least k distinct cosigners of ws.
 * Fills cp (may be NULL). */
int vouch_checkpoint_open_cosigned(const char *note, size_t len, const char *origin,
                                   vouch_note_verifier *logver, vouch_note_verifier *const *ws,
                                   size_t nws, size_t k, vouch_checkpoint *cp, vouch_err *err);

/* Call fn for each line of text that is neither blank nor a comment
 * ('#' first), without its newline and trailing white space; a failure
 * stops the walk, its message prefixed with "line N". */
typedef int (*vouch_line_fn)(void *ctx, const char *line, size_t len, vouch_err *err);
int vouch_config_lines(const char *text, size_t len, vouch_line_fn fn, void *ctx,
                       vouch_err *err);
/* The same over a file (at most 1 MiB), messages prefixed with its name. */
int vouch_config_file(const char *path, vouch_line_fn fn, void *ctx, vouch_err *err);

/* A list of vkeys of one type: strings one per line ('#' starts a comment
 * line, blank lines are skipped), or a file of them.  Appends up to max
 * verifiers to vs (owned by the caller: vouch_note_verifier_free each) and
 * counts them in *n. */
#define VOUCH_VKEY_LIST_MAX 256
int vouch_vkey_list_parse(const char *text, size_t len, uint8_t type,
                          vouch_note_verifier **vs, size_t max, size_t *n, vouch_err *err);
int vouch_vkey_list_load(const char *path, uint8_t type, vouch_note_verifier **vs,
                         size_t max, size_t *n, vouch_err *err);

#ifdef __cplusplus
}
#endif
#endif