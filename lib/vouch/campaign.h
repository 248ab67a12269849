/* vouch/campaign.h - campaigns: verify a whole release, item by item.
 *
 * A campaign file (JSON, schemas/campaign.schema.json) lists what to verify
 * (vouch recipes with their source and shipped artifacts, or Debian
 * .buildinfo files with their shipped .debs), the lab's name and key, the
 * log URL and the executor (local workers or a Slurm job array).
 *
 * vouch_campaign_run() runs it: every item is rebuilt, compared, attested and
 * submitted to the log by a worker process (vouch-campaign item, through
 * vouch_campaign_item()), on this machine or as a Slurm array task; the
 * coordinator only dispatches, watches and collects.  Everything lives in
 * the output directory: a journal (state/journal.jsonl, one fsynced JSON
 * line per event), the items' evidence (items/ID/RUN-aATTEMPT/), the
 * summary (summary.json, schemas/campaign-summary.schema.json) and the
 * signed campaign statement (campaign.intoto.jsonl).  A run that was killed
 * is resumed by the next vouch_campaign_run(): items the journal records
 * as done are not done again.  A finished run is followed by a new one in
 * which items whose signed verdict was logged for the same inputs digest
 * are skipped.
 */
#ifndef VOUCH_CAMPAIGN_H
#define VOUCH_CAMPAIGN_H

#include <stddef.h>

#include "vouch/error.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Bounds of a campaign file. */
#define VOUCH_CAMPAIGN_MAX_BYTES (16u << 20)
#define VOUCH_CAMPAIGN_MAX_ITEMS 100000u
#define VOUCH_CAMPAIGN_MAX_ARTIFACTS 256u
#define VOUCH_CAMPAIGN_MAX_WORKERS 256u
#define VOUCH_CAMPAIGN_MAX_RETRIES 10u

typedef struct vouch_campaign vouch_campaign;

/* Parse a campaign document; relative paths in it are resolved against
 * basedir (NULL: the current directory).  Unknown members, bad ids,
 * duplicate ids and out-of-range numbers are refused (VOUCH_EINPUT). */
int vouch_campaign_parse(const char *data, size_t len, const char *basedir,
                         vouch_campaign **out, vouch_err *err);
/* Read and parse the campaign file at path (paths relative to its folder). */
int vouch_campaign_load(const char *path, vouch_campaign **out, vouch_err *err);
void vouch_campaign_free(vouch_campaign *c);

const char *vouch_campaign_name(const vouch_campaign *c);
size_t vouch_campaign_count(const vouch_campaign *c);
const char *vouch_campaign_item_id(const vouch_campaign *c, size_t i);
/* Index of the item with that id, or -1. */
long vouch_campaign_find(const vouch_campaign *c, const char *id);

/* Progress of a run, handed to the progress sink after every item. */
typedef struct vouch_campaign_progress {
	size_t total;       /* items in the campaign */
	size_t done;        /* finished in this run, or carried over */
	size_t skipped;     /* of done: already verified for the same inputs */
	size_t failures;    /* of done: any verdict but reproduced/equivalent */
	size_t retries;     /* attempts lost (killed worker or job) and retried */
	double eta_seconds; /* estimated time left; < 0 when unknown */
	const char *item;   /* the item just finished, or NULL */
	const char *verdict;
} vouch_campaign_progress;

typedef struct vouch_campaign_opts {
	const char *outdir;   /* overrides the campaign's "output" when non-NULL */
	const char *self;     /* the vouch-campaign program the workers run */
	const char *tooldir;  /* folder of the vouch-* tools; NULL: PATH */
	const char *executor; /* "local" or "slurm": overrides the campaign's */
	unsigned workers;     /* > 0: overrides the local executor's workers */
	double poll_seconds;  /* Slurm: squeue poll interval (0: 1 s) */
	void (*progress)(void *ctx, const vouch_campaign_progress *p);
	void *ctx;
} vouch_campaign_opts;

typedef struct vouch_campaign_result {
	char run[64];        /* the run id */
	int resumed;         /* 1 when an unfinished run was continued */
	size_t counts[7];    /* per verdict, in vouch_campaign_verdict_name order */
	size_t done, skipped, lost;
	char summary[4096];  /* path of summary.json */
} vouch_campaign_result;

/* Verdict names in order: reproduced, equivalent, failed, build-error,
 * timeout, missing-source, bad-signature; NULL past the end. */
const char *vouch_campaign_verdict_name(unsigned i);

/* Run (or resume) the campaign.  Returns VOUCH_OK when every item has a
 * verdict (whatever it is), an error when the campaign could not run. */
int vouch_campaign_run(const vouch_campaign *c, const vouch_campaign_opts *o,
                       vouch_campaign_result *res, vouch_err *err);

/* One item, in a worker: rebuild, compare, attest, submit, and write the
 * item's result.json (atomically, last) in
 * OUTDIR/items/ID/RUN-aATTEMPT/.  The folder is emptied first (a killed
 * attempt leaves nothing that counts). */
int vouch_campaign_item(const vouch_campaign *c, const vouch_campaign_opts *o, size_t index,
                        const char *run, unsigned attempt, vouch_err *err);

#ifdef __cplusplus
}
#endif
#endif
