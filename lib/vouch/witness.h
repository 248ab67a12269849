/* vouch/witness.h - a C2SP tlog-witness: POST <prefix>/add-checkpoint.
 *
 * The witness knows logs by their verifier keys (the key name is the log's
 * origin) and keeps, per log, the latest checkpoint it cosigned, in a state
 * directory: one file per log, replaced atomically (temporary file, fsync,
 * rename, directory fsync) before any answer is sent.  Checking the old
 * size against that record and replacing it happen under one lock, so two
 * requests cannot roll the record back; an exclusive lock on the directory
 * keeps a second witness process out.  A checkpoint is cosigned only when
 * it is consistent with the record, so the witness never cosigns two
 * different trees of one size, also across a crash.
 *
 * Answers (c2sp.org/tlog-witness):
 *   200  cosignature lines (text/plain)
 *   400  malformed request, or old size above the checkpoint's size
 *   403  no signature by the log's known key verifies
 *   404  unknown origin
 *   409  old size is not the recorded size (body "<size>\n",
 *        text/x.tlog.size), or equal sizes with different roots
 *   422  the consistency proof does not verify
 */
#ifndef VOUCH_WITNESS_H
#define VOUCH_WITNESS_H

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

#define VOUCH_WITNESS_LOGS_MAX 256
#define VOUCH_WITNESS_PROOF_MAX 63    /* proof lines a client may send */
#define VOUCH_WITNESS_BODY_MAX (VOUCH_NOTE_MAX + 8192)

typedef void (*vouch_witness_log_fn)(void *arg, const char *msg);

typedef struct vouch_witness_opts {
	const char *state_dir;        /* required; created if missing */
	const char *name;             /* the witness's cosigner name (required) */
	const vouch_key *key;         /* its Ed25519 private key (borrowed) */
	vouch_note_verifier *const *logs; /* the logs' verifier keys (borrowed) */
	size_t nlogs;
	const char *listen;           /* "IPV4:PORT"; NULL: no HTTP server */
	uint64_t max_conn;            /* default 256 */
	uint64_t max_conn_per_ip;     /* default 64; 0: no limit */
	uint64_t timeout_s;           /* default 10 */
	vouch_witness_log_fn log;     /* may be NULL */
	void *log_arg;
} vouch_witness_opts;

typedef struct vouch_witness vouch_witness;

void vouch_witness_opts_init(vouch_witness_opts *o);
/* Lock and load the state directory and (with listen) start serving. */
int vouch_witness_new(const vouch_witness_opts *o, vouch_witness **out, vouch_err *err);
unsigned vouch_witness_port(const vouch_witness *w);
int vouch_witness_run(vouch_witness *w, vouch_err *err);
void vouch_witness_stop(vouch_witness *w);  /* async-signal-safe */
void vouch_witness_free(vouch_witness *w);

/* The protocol without HTTP: handle one add-checkpoint body.  *status gets
 * the HTTP status, out the answer body (cosignature lines for 200, the
 * size line for 409, a message otherwise), *type its Content-Type.
 * Returns VOUCH_OK when an answer was made (whatever its status). */
int vouch_witness_add_checkpoint(vouch_witness *w, const char *body, size_t len,
                                 unsigned *status, vouch_buf *out, const char **type,
                                 vouch_err *err);

/* Parse an add-checkpoint body: "old <N>\n", up to 63 base64 hash lines,
 * "\n", then the signed checkpoint at body + *note_off.  VOUCH_EINPUT when
 * malformed. */
int vouch_witness_parse_request(const char *body, size_t len, uint64_t *old,
                                vouch_hash *proof, size_t *nproof, size_t *note_off,
                                vouch_err *err);
/* Format one. */
int vouch_witness_format_request(uint64_t old, const vouch_hash *proof, size_t nproof,
                                 const char *note, size_t note_len, vouch_buf *out,
                                 vouch_err *err);

/* The witnesses a log asks: lines "<cosigner vkey> <submission URL
 * prefix>" ('#' starts a comment line; blank lines are skipped).  Appends
 * up to max to ws and urls (malloc'd strings); the caller frees both. */
int vouch_witness_list_parse(const char *text, size_t len, vouch_note_verifier **ws,
                             char **urls, size_t max, size_t *n, vouch_err *err);
int vouch_witness_list_load(const char *path, vouch_note_verifier **ws, char **urls,
                            size_t max, size_t *n, vouch_err *err);

#ifdef __cplusplus
}
#endif
#endif
