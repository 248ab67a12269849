/* vouch/clock.h - a fixed wall clock for a build (a recipe's "clock").
 *
 * How: libfaketime (Debian package libfaketime), a preload library that
 * wraps time(2), gettimeofday(2), clock_gettime(2) with CLOCK_REALTIME and
 * their relatives in the C library.  The library is taken from the host
 * (found by vouch_clock_find_lib(), or named by the caller), hashed, and
 * bound read-only into the sandbox at VOUCH_CLOCK_SANDBOX_LIB, outside the
 * build environment, so an environment needs no extra package and keeps
 * its identity; its digest goes into the provenance as the resolved
 * dependency "clock".  It must suit the environment's C library (the host's
 * Debian 12 library in a Debian 12 environment does).
 *
 * The steps get LD_PRELOAD, FAKETIME="@<start, UTC>" (every process starts
 * at that time and its clock then runs at the real rate),
 * FAKETIME_DONT_FAKE_MONOTONIC=1 (monotonic clocks, timeouts and sleeps
 * stay real), NO_FAKE_STAT=1 (file times stay real) and FAKE_UTIME=1
 * (without it libfaketime 0.9.10 fails utime(path, NULL), "set to now",
 * with EINVAL, which broke dpkg-source; with it such a file gets the real
 * time and explicit times are kept).
 *
 * Not covered: statically linked programs, programs that make the system
 * call themselves or read the vDSO directly (Go binaries), and programs
 * that clear LD_PRELOAD; file times written by the kernel (touch without a
 * time) are real.  vouch_clock_describe() records this in the provenance.
 */
#ifndef VOUCH_CLOCK_H
#define VOUCH_CLOCK_H

#include <limits.h>
#include <stddef.h>
#include <cjson/cJSON.h>
#include "digest.h"
#include "error.h"
#include "recipe.h"

#ifdef __cplusplus
extern "C" {
#endif

#define VOUCH_CLOCK_SANDBOX_LIB "/.vouch/libfaketime.so.1"
#define VOUCH_CLOCK_MAX_ENV 5

typedef struct vouch_clock {
	int fixed;                  /* 0: the build sees the real clock */
	long long epoch;            /* where the clock starts */
	int from_sde;               /* given as "sourceDateEpoch" */
	char lib[PATH_MAX];         /* the host's preload library */
	vouch_digests lib_d;        /* its sha256 */
	int lib_fd;                 /* open on it (what was hashed is what is
	                               bound into the sandbox); -1 when not fixed */
	char *env[VOUCH_CLOCK_MAX_ENV + 1]; /* for the steps; NULL-terminated */
	size_t n_env;
} vouch_clock;

/* The host's libfaketime, for the recipe's fixed clock and for --vary's
 * clock alike: $VOUCH_FAKETIME_LIB when set (an absolute path of a file),
 * else the first of Debian's multiarch location and /usr/local/lib/faketime
 * that exists.  VOUCH_EINPUT when there is none ("WHO needs libfaketime"). */
int vouch_clock_find_lib(const char *who, char *out, size_t cap, vouch_err *err);

/* Fill c for recipe r.  lib (NULL: vouch_clock_find_lib()) must be a
 * regular file; it is opened, hashed and kept open (c->lib_fd).  Without
 * a recipe clock, c->fixed = 0 and nothing is looked up.  On failure c
 * holds nothing.  vouch_clock_free() closes and frees. */
int vouch_clock_setup(const vouch_recipe *r, const char *lib, vouch_clock *c,
                      vouch_err *err);
void vouch_clock_free(vouch_clock *c);

/* Add "clock" to obj: {"kind": "real"} or {"kind": "libfaketime",
 * "startsAt": RFC 3339, "epoch", "from": "sourceDateEpoch"|"recipe",
 * "library": path, "monotonic": "real", "fileTimes": "real",
 * "notCovered": [...]}. */
int vouch_clock_describe(const vouch_clock *c, cJSON *obj, vouch_err *err);

#ifdef __cplusplus
}
#endif
#endif
