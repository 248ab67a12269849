/* campaign_int.h - the parsed campaign and the helpers its files share. */
#ifndef VOUCH_CAMPAIGN_INT_H
#define VOUCH_CAMPAIGN_INT_H

#include <sys/types.h>

#include "vouch/buf.h"
#include "vouch/campaign.h"

#define CAMPAIGN_NVERDICTS 7
enum { V_REPRODUCED, V_EQUIVALENT, V_FAILED, V_BUILD_ERROR, V_TIMEOUT, V_MISSING_SOURCE,
	V_BAD_SIGNATURE };

struct campaign_artifact {
	char *shipped; /* absolute path of the shipped file */
	char *output;  /* path inside the rebuild's outputs */
};

struct campaign_item {
	char *id, *name, *version;      /* name/version may be NULL */
	char *recipe, *source, *environment;
	char *buildinfo, *shipped_dir;  /* a Debian item */
	struct campaign_artifact *arts;
	size_t narts;
	char *signature, *signer;       /* the shipped artifacts' signed statement */
	char *normalize;
	int retries;                    /* -1: the campaign's */
};

struct vouch_campaign {
	char *path;                     /* absolute path of the file, or NULL */
	char *basedir;
	char *name;
	char *lab_name, *lab_key;
	char *log_url, *log_verifier;
	char *output;
	char *executor;                 /* "local" or "slurm" */
	unsigned workers, retries;
	char *partition;
	char **sbatch_args;
	size_t nsbatch;
	unsigned max_parallel;
	char *deb_mirror, *deb_suite, *deb_cache;
	char *normalize;
	struct campaign_item *items;
	size_t nitems;
};

/* Run argv (argv[0] looked up in PATH when it has no '/'), stdin from
 * /dev/null, stdout and stderr to the files given (NULL: /dev/null;
 * the same path for both appends both to it).  *pid is the child. */
int campaign_spawn(const char *const *argv, const char *out, const char *errf, pid_t *pid,
                   vouch_err *err);
/* Spawn and wait: *status is the exit status, or 128 + signal. */
int campaign_run_wait(const char *const *argv, const char *out, const char *errf, int *status,
                      vouch_err *err);
/* tooldir/vouch-NAME, or vouch-NAME for PATH, into b. */
int campaign_tool(const vouch_campaign_opts *o, const char *name, vouch_buf *b, vouch_err *err);
/* The output folder of a run: opts, else the campaign's. */
const char *campaign_outdir(const vouch_campaign *c, const vouch_campaign_opts *o);
/* SHA-256 of a file as hex; "missing" when it does not exist. */
int campaign_file_sha256(const char *path, char hex[65], vouch_err *err);
/* The inputs digest of an item (hex). */
int campaign_inputs_digest(const vouch_campaign *c, size_t i, char hex[65], vouch_err *err);
/* Now as RFC 3339 UTC (seconds). */
void campaign_now(char out[32]);
/* mkdir -p */
int campaign_mkdirs(const char *path, vouch_err *err);
/* rm -rf path (vouch_unpack_remove_tree: no symlink followed); absent is fine. */
int campaign_rmtree(const char *path, vouch_err *err);
/* The item's attempt folder relative to the output folder. */
int campaign_attempt_dir(const struct campaign_item *it, const char *run, unsigned attempt,
                         vouch_buf *b, vouch_err *err);
/* Write a result.json for an attempt that produced none (killed, lost). */
int campaign_write_lost_result(const vouch_campaign *c, const char *outdir, size_t i,
                               const char *run, unsigned attempt, const char *reason,
                               vouch_err *err);
int campaign_verdict_index(const char *name);

#endif
