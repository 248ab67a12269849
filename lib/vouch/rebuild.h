/* vouch/rebuild.h - a hermetic rebuild from a recipe, with SLSA provenance.
 *
 * vouch_rebuild_run() checks everything a recipe pins before anything
 * runs: the source archive's sha256, the environment's digest (a rootfs
 * tarball's sha256, unpacked once into the cache under that digest, or a
 * rootfs directory's tree digest), and that outdir is new or empty.  It then
 * runs the steps in the sandbox (vouch/sandbox.h); inside, before the first
 * step, the source is unpacked with vouch_unpack_fd() into the working
 * directory and its tree digest is checked against the recipe's.  Outputs
 * matching the recipe's patterns are read from /out (regular files only,
 * never through symlinks), hashed and copied into outdir, and the build
 * log (every step's stdout and stderr) is written to outdir/build.log.
 *
 * The result is an in-toto Statement v1 with an SLSA Provenance v1
 * predicate: subject = the outputs (name = path below /out); buildType
 * VOUCH_BUILD_TYPE_REBUILD; externalParameters {recipe {name, version,
 * digest}, source {uri, digest}, environment}; internalParameters
 * {sandbox settings and limits, clock (vouch/clock.h)}; resolvedDependencies
 * source (sha256 and vouchTree256), environment (host: "file:///usr"
 * without digest), recipe, and with a fixed clock the preload library
 * ("clock", file URI and sha256);
 * runDetails builder {id, version {vouch}}, metadata {invocationId,
 * startedOn, finishedOn}, byproducts [build.log].  Two rebuilds of the
 * same inputs give statements that differ only in runDetails.metadata.
 *
 * Statuses: VOUCH_OK; VOUCH_EINPUT for a refused input (digest mismatch,
 * missing source, unusable environment) before any step ran; VOUCH_EEXIST
 * for a non-empty outdir; VOUCH_ENEGATIVE when the build failed, a limit
 * was reached or an output is missing (res->tail holds the end of the
 * log); other statuses for system trouble.
 */
#ifndef VOUCH_REBUILD_H
#define VOUCH_REBUILD_H

#include <stddef.h>
#include "error.h"
#include "recipe.h"
#include "sandbox.h"

#ifdef __cplusplus
extern "C" {
#endif

#define VOUCH_REBUILD_LOG_NAME "build.log"
#define VOUCH_REBUILD_MAX_OUTPUTS 100000

typedef struct vouch_rebuild_opts {
	const char *recipe_path;   /* relative locations in the recipe start at its dir */
	const char *source;        /* overrides the recipe's source location; NULL */
	const char *environment;   /* overrides the rootfs location; NULL */
	const char *outdir;        /* created; must be absent or empty */
	const char *builder_id;    /* runDetails.builder.id; NULL = default */
	const char *cache_dir;     /* rootfs cache; NULL = vouch_rebuild_cache_dir() */
	int verify_cache;          /* recompute a cached rootfs's tree digest */
	const char *clock_lib;     /* libfaketime for a recipe "clock"; NULL = found
	                              by vouch_clock_find_lib() */
	vouch_sandbox_progress_fn progress;
	void *progress_arg;
	const struct vouch_vary *vary; /* build under these variations; NULL = none */
} vouch_rebuild_opts;

typedef struct vouch_rebuild_result {
	char *statement;           /* the Statement, one JSON line; caller frees */
	size_t statement_len;
	size_t n_outputs;
	int limit;                 /* enum vouch_sandbox_limit, when one stopped it */
	char enforcement[32];      /* how memory/process limits were enforced */
	char tail[VOUCH_SANDBOX_TAIL_MAX]; /* end of the build log */
	double elapsed;            /* seconds in the sandbox */
	char rootfs[4096];         /* the environment's root directory, "" = host */
} vouch_rebuild_result;

int vouch_rebuild_run(const vouch_recipe *r, const vouch_rebuild_opts *o,
                      vouch_rebuild_result *res, vouch_err *err);
/* Frees res->statement; res itself is the caller's. */
void vouch_rebuild_result_free(vouch_rebuild_result *res);

/* The default rootfs cache: $VOUCH_CACHE_DIR, else /var/cache/vouch for
 * root, else $XDG_CACHE_HOME/vouch or $HOME/.cache/vouch. */
int vouch_rebuild_cache_dir(char *out, size_t cap, vouch_err *err);

#ifdef __cplusplus
}
#endif
#endif
