/* vouch/verify.h - the signature-layer verification run behind vouch-verify.
 *
 * Reads DSSE envelopes from files (or "-" for standard input): one
 * envelope, possibly pretty-printed, or JSON Lines such as an .intoto.jsonl
 * bundle.  Blank lines are ignored; lines that are not meant as envelopes
 * are skipped and reported.  Each envelope must carry signatures of at
 * least `threshold` distinct trusted keys; its payload must be an in-toto
 * statement.  Verified statements that pass the predicate-type and artifact
 * filters are handed to the caller's statement sink as one JSON line each.
 *
 * The library never prints: every message (per-item warnings, verbose
 * notes, the final verdict's reasons) goes to the caller's report sink,
 * already formatted, in the order the run produces it.
 */
#ifndef VOUCH_VERIFY_H
#define VOUCH_VERIFY_H

#include <stddef.h>

#include "error.h"

#ifdef __cplusplus
extern "C" {
#endif

#define VOUCH_VERIFY_MAX_KEYS 64
#define VOUCH_VERIFY_MAX_ARTIFACTS 1024
#define VOUCH_VERIFY_INPUT_MAX ((size_t)1 << 30) /* one input file or bundle */

enum vouch_verify_level {
	VOUCH_VERIFY_INFO,  /* a verified envelope and what became of it (verbose) */
	VOUCH_VERIFY_WARN,  /* an item not verified or skipped; the verdict's reasons */
	VOUCH_VERIFY_ERROR  /* an input could not be read: the run ends in trouble */
};

typedef struct vouch_verify_opts {
	const char *const *key_paths;  /* trusted public keys (SPKI PEM files) */
	size_t nkeys;                  /* 1 .. VOUCH_VERIFY_MAX_KEYS */
	size_t threshold;              /* distinct trusted keys that must sign; 0 = 1 */
	const char *const *artifacts;  /* files whose digests must be subjects */
	size_t nartifacts;             /* 0 .. VOUCH_VERIFY_MAX_ARTIFACTS */
	const char *predicate_type;    /* only statements of this type, or NULL */
	size_t max_size;               /* envelope size limit; 0 = VOUCH_DSSE_MAX_DEFAULT */
	/* One verified statement as a JSON line (no newline; not NUL-terminated).
	 * A non-zero return ends that input with an ERROR report. */
	int (*statement)(void *ctx, const char *line, size_t len);
	/* One message (no program name, no newline). */
	void (*report)(void *ctx, int level, const char *msg);
	void *ctx;
} vouch_verify_opts;

typedef struct vouch_verify_result {
	size_t envelopes;  /* parsed (or recognisably meant as) envelopes */
	size_t failed;     /* envelopes that did not verify */
	size_t accepted;   /* statements handed to the statement sink */
	int trouble;       /* an input could not be read (reported as ERROR) */
	int verdict;       /* VOUCH_OK or VOUCH_ENEGATIVE, see vouch-verify(1) */
} vouch_verify_result;

/* Verify the ninputs inputs (none: standard input).  Returns VOUCH_OK when
 * the run completed (res says how it came out) or the status of a fatal
 * problem with err filled: a key or artifact that cannot be loaded, a
 * threshold above the distinct keys given (VOUCH_EUSAGE), out of memory or
 * an internal error.  res may be NULL. */
int vouch_verify_run(const vouch_verify_opts *o, const char *const *inputs, size_t ninputs,
                     vouch_verify_result *res, vouch_err *err);

#ifdef __cplusplus
}
#endif
#endif
