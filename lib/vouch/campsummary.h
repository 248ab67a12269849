/* vouch/campsummary.h - reading a campaign summary (what vouch-campaign
 * writes, schemas/campaign-summary.schema.json) for vouch-publish.
 *
 * The summary is untrusted input: it is bounded (VOUCH_CAMPSUM_MAX_BYTES,
 * counts and string lengths below), parsed with vouch_json_parse (no
 * duplicate or case-variant keys), and every member the schema names is
 * checked for type and shape; a member the schema does not name is
 * refused, so a misspelt field is an error.  Beyond the schema:
 *   - strings hold no control bytes (reason is one line);
 *   - item ids are unique (they name the item's page);
 *   - relative paths (envelope, report_html, log_entry.proof) have no
 *     empty, "." or ".." component, no backslash, and do not start with
 *     '/'; they are opened beneath the summary's directory without
 *     following symbolic links (vouch_campsum_open);
 *   - artifact names hold no '/';
 *   - log.url is http:// or https:// (it becomes a link);
 *   - counts equal the number of items with each verdict.
 *
 * Ownership: a vouch_campsum owns every string its structs point to;
 * vouch_campsum_free(NULL) is a no-op.
 */
#ifndef VOUCH_CAMPSUMMARY_H
#define VOUCH_CAMPSUMMARY_H

#include <stddef.h>
#include "error.h"

#ifdef __cplusplus
extern "C" {
#endif

#define VOUCH_CAMPSUM_TYPE "https://vouch.dev/campaign-summary/v1"
#define VOUCH_CAMPSUM_MAX_BYTES ((size_t)32 << 20) /* 32 MiB */
#define VOUCH_CAMPSUM_MAX_ITEMS 100000
#define VOUCH_CAMPSUM_MAX_RUNS 10000
#define VOUCH_CAMPSUM_MAX_LIST 1000 /* artifacts, rules, history per item */
#define VOUCH_CAMPSUM_MAX_STR 4096  /* bytes in any one string */

enum vouch_campsum_verdict {
	VOUCH_CS_REPRODUCED = 0,
	VOUCH_CS_EQUIVALENT,
	VOUCH_CS_FAILED,
	VOUCH_CS_BUILD_ERROR,
	VOUCH_CS_TIMEOUT,
	VOUCH_CS_MISSING_SOURCE,
	VOUCH_CS_BAD_SIGNATURE,
	VOUCH_CS_NVERDICTS
};

/* "reproduced", "equivalent", "failed", "build-error", "timeout",
 * "missing-source", "bad-signature"; NULL when out of range. */
const char *vouch_campsum_verdict_name(int v);

typedef struct vouch_campsum_run {
	const char *id, *started, *finished; /* finished: NULL while running */
} vouch_campsum_run;

typedef struct vouch_campsum_artifact {
	const char *name, *sha256; /* sha256: 64 lowercase hex */
} vouch_campsum_artifact;

typedef struct vouch_campsum_history {
	const char *run, *finished;
	int verdict;
} vouch_campsum_history;

typedef struct vouch_campsum_item {
	const char *id, *name, *version, *reason, *run;
	int verdict;
	const char **rules;
	size_t n_rules;
	vouch_campsum_artifact *artifacts;
	size_t n_artifacts;
	const char *envelope, *report_html; /* relative paths or NULL */
	int has_log_entry;
	long long log_index;
	const char *log_proof;              /* relative path when has_log_entry */
	vouch_campsum_history *history;
	size_t n_history;
} vouch_campsum_item;

typedef struct vouch_campsum {
	const char *campaign, *generated, *lab_name, *lab_keyid, *log_url;
	const char *statement; /* relative path of the signed campaign statement, or NULL */
	vouch_campsum_run *runs;
	size_t n_runs;
	long long counts[VOUCH_CS_NVERDICTS];
	vouch_campsum_item *items;
	size_t n_items;
	void *priv_; /* the parsed document the strings live in */
} vouch_campsum;

/* Parse and check data[0..len).  *out is NULL on failure. */
int vouch_campsum_parse(const char *data, size_t len, vouch_campsum **out, vouch_err *err);
/* Read path (at most VOUCH_CAMPSUM_MAX_BYTES) and parse it. */
int vouch_campsum_load(const char *path, vouch_campsum **out, vouch_err *err);
void vouch_campsum_free(vouch_campsum *s);

/* 1 when rel is an acceptable relative path (see above), else 0. */
int vouch_campsum_relpath_ok(const char *rel);
/* Open rel beneath the directory dirfd for reading: every component is
 * opened with O_NOFOLLOW, the last must be a regular file.  *fd is the
 * open descriptor on success. */
int vouch_campsum_open(int dirfd, const char *rel, int *fd, vouch_err *err);

#ifdef __cplusplus
}
#endif
#endif
