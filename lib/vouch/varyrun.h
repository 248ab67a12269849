/* vouch/varyrun.h - build twice, differently, and name what changes the output.
 *
 * vouch_varyrun() rebuilds a recipe (vouch/rebuild.h) once as it says (the
 * control) and once with every variation of a set applied inside the
 * sandbox (vouch/vary.h), and compares the outputs with the difference
 * engine (vouch/compare.h, strict: bit for bit).  When they differ it
 * bisects the set: it finds the shortest prefix of the remaining
 * variations that still changes the output (binary search), keeps that
 * prefix's last variation, tests the variations kept so far alone, and
 * repeats on the rest of the prefix until the kept ones alone change the
 * output.  The result is a minimal set (removing any one variation of it
 * gives the control's output, for a deterministic build).  Before it
 * bisects, it builds the control again (as reprotest does): when that
 * differs from the first, the build is not deterministic and no variation
 * is blamed.  For one culprit among n variations that is
 * 3 + ceil(log2 n) + 1 builds at most (8 for 12).  A varied build that
 * fails counts as a different output.
 *
 * outdir (absent or empty) receives:
 *   control/  control.log    the control's outputs and build log
 *   varied/   varied.log     with every variation
 *   control-again/ .log      the control built again, after a difference
 *   culprit/  culprit.log    with the minimal set, when it is not all of them
 *   report.txt               vouch-compare's report of control vs. the
 *                            minimal set's build (or the control built
 *                            again, when that differs)
 * Bisection's other builds are removed once done.
 *
 * The result is an unsigned in-toto Statement v1 (VOUCH_PREDICATE_VARY,
 * schemas/vouch-vary-v1.schema.json): subject = the control's outputs;
 * predicate = the recipe, every variation tried with what the build saw
 * without and with it and whether it is in the minimal set, the builds
 * run (their variations, outcome and output digests), the differences of
 * the minimal pair and a sentence saying it.
 *
 * Statuses: VOUCH_OK when the outputs are identical under every variation,
 * VOUCH_ENEGATIVE when some variation changes them (res->culprit), or the
 * control build's own status when it fails; other statuses for trouble.
 */
#ifndef VOUCH_VARYRUN_H
#define VOUCH_VARYRUN_H

#include <stddef.h>
#include "error.h"
#include "rebuild.h"
#include "recipe.h"
#include "uri.h"

#ifdef __cplusplus
extern "C" {
#endif

#define VOUCH_PREDICATE_VARY VOUCH_URI_BASE "vary/v1"
#define VOUCH_VARYRUN_MAX_BUILDS 64

/* A build starts (differs = -1) or ended (0 same output, 1 different). */
typedef void (*vouch_varyrun_progress_fn)(void *arg, size_t build, unsigned set, int differs);

typedef struct vouch_varyrun_opts {
	vouch_rebuild_opts rebuild;    /* outdir is the base directory; vary unused */
	unsigned set;                  /* the variations (enum vouch_vary_bit) */
	vouch_varyrun_progress_fn progress;
	void *progress_arg;
} vouch_varyrun_opts;

typedef struct vouch_varyrun_result {
	unsigned tried;                /* variations applied */
	unsigned skipped;              /* asked for, impossible here */
	unsigned culprit;              /* the minimal set; 0 when reproducible */
	int nondeterministic;          /* the control built twice differs */
	size_t builds;                 /* rebuilds run, the control included */
	double build_seconds;          /* wall time inside the rebuilds */
	double total_seconds;          /* wall time of vouch_varyrun() */
	char *summary;                 /* one sentence; caller frees */
	char *statement;               /* one JSON line; caller frees */
	size_t statement_len;
	char tail[VOUCH_SANDBOX_TAIL_MAX]; /* end of the control's log when it failed */
} vouch_varyrun_result;

int vouch_varyrun(const vouch_recipe *r, const vouch_varyrun_opts *o,
                  vouch_varyrun_result *res, vouch_err *err);
void vouch_varyrun_result_free(vouch_varyrun_result *res);

#ifdef __cplusplus
}
#endif
#endif
