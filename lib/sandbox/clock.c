/* clock.c - a fixed wall clock for a build through libfaketime
 * (see vouch/clock.h). */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/stat.h>

#include "vouch/clock.h"
#include "vouch/json.h"
#include "vouch/rfc3339.h"

/* Where Debian's libfaketime package puts the library. */
#if defined(__x86_64__)
#define CLOCK_MULTIARCH "x86_64-linux-gnu"
#elif defined(__aarch64__)
#define CLOCK_MULTIARCH "aarch64-linux-gnu"
#elif defined(__i386__)
#define CLOCK_MULTIARCH "i386-linux-gnu"
#elif defined(__riscv) && __riscv_xlen == 64
#define CLOCK_MULTIARCH "riscv64-linux-gnu"
#else
#define CLOCK_MULTIARCH ""
#endif

int
vouch_clock_find_lib(const char *who, char *out, size_t cap, vouch_err *err)
{
	static const char *const cand[] = {
		"/usr/lib/" CLOCK_MULTIARCH "/faketime/libfaketime.so.1",
		"/usr/lib/faketime/libfaketime.so.1",
		"/usr/local/lib/faketime/libfaketime.so.1",
		NULL
	};
	const char *e = getenv("VOUCH_FAKETIME_LIB");
	struct stat st;

	if (e != NULL && *e != '\0') {
		if (e[0] != '/' || stat(e, &st) != 0 || !S_ISREG(st.st_mode))
			return vouch_err_set(err, VOUCH_EINPUT, "VOUCH_FAKETIME_LIB '%s' is not an "
			    "absolute path of a file", e);
		if ((size_t)snprintf(out, cap, "%s", e) >= cap)
			return vouch_err_set(err, VOUCH_ELIMIT, "VOUCH_FAKETIME_LIB is too long");
		return VOUCH_OK;
	}
	for (size_t i = 0; cand[i] != NULL; i++)
		if (stat(cand[i], &st) == 0 && S_ISREG(st.st_mode) &&
		    (size_t)snprintf(out, cap, "%s", cand[i]) < cap)
			return VOUCH_OK;
	return vouch_err_set(err, VOUCH_EINPUT, "%s needs libfaketime, which was not found "
	    "(install Debian's libfaketime, or name it with VOUCH_FAKETIME_LIB)", who);
}

void
vouch_clock_free(vouch_clock *c)
{
	if (c == NULL)
		return;
	for (size_t i = 0; i < c->n_env; i++)
		free(c->env[i]);
	if (c->fixed && c->lib_fd >= 0)
		close(c->lib_fd);
	memset(c, 0, sizeof(*c));
	c->lib_fd = -1;
}

static int
add_env(vouch_clock *c, const char *s, vouch_err *err)
{
	if (c->n_env == VOUCH_CLOCK_MAX_ENV)
		return vouch_err_set(err, VOUCH_EINTERNAL, "clock: too many variables");
	if ((c->env[c->n_env] = strdup(s)) == NULL)
		return vouch_err_set(err, VOUCH_ENOMEM, "out of memory");
	c->n_env++;
	return VOUCH_OK;
}

/* "@YYYY-MM-DD hh:mm:ss" in UTC: libfaketime's start-at form, which it
 * reads the same whatever TZ a step sets. */
static int
start_at(long long epoch, char *out, size_t cap, vouch_err *err)
{
	time_t t = (time_t)epoch;
	struct tm tm;

	if (gmtime_r(&t, &tm) == NULL ||
	    strftime(out, cap, "FAKETIME=@%Y-%m-%d %H:%M:%S", &tm) == 0)
		return vouch_err_set(err, VOUCH_EINPUT, "clock: cannot express %lld as a date",
		    epoch);
	return VOUCH_OK;
}

static int
hash_lib(vouch_clock *c, vouch_err *err)
{
	struct stat st;

	if ((c->lib_fd = open(c->lib, O_RDONLY | O_CLOEXEC)) < 0)
		return vouch_err_sys(err, VOUCH_EINPUT, "clock library '%s'", c->lib);
	if (fstat(c->lib_fd, &st) != 0 || !S_ISREG(st.st_mode))
		return vouch_err_set(err, VOUCH_EINPUT, "clock library '%s' is not a regular file",
		    c->lib);
	return vouch_digest_fd(c->lib_fd, c->lib, VOUCH_ALG_SHA256, &c->lib_d, err);
}

int
vouch_clock_setup(const vouch_recipe *r, const char *lib, vouch_clock *c, vouch_err *err)
{
	char buf[64];
	int rc;

	memset(c, 0, sizeof(*c));
	c->lib_fd = -1;
	if (!r->has_clock)
		return VOUCH_OK;
	c->fixed = 1;
	c->epoch = r->clock_epoch;
	c->from_sde = r->clock_from_sde;
	if (lib != NULL)
		rc = (size_t)snprintf(c->lib, sizeof(c->lib), "%s", lib) < sizeof(c->lib)
		    ? VOUCH_OK : vouch_err_set(err, VOUCH_ELIMIT, "clock library path too long");
	else
		rc = vouch_clock_find_lib("the recipe's fixed clock", c->lib, sizeof(c->lib), err);
	if (rc != VOUCH_OK || (rc = hash_lib(c, err)) != VOUCH_OK ||
	    (rc = start_at(c->epoch, buf, sizeof(buf), err)) != VOUCH_OK ||
	    (rc = add_env(c, "LD_PRELOAD=" VOUCH_CLOCK_SANDBOX_LIB, err)) != VOUCH_OK ||
	    (rc = add_env(c, buf, err)) != VOUCH_OK ||
	    (rc = add_env(c, "FAKETIME_DONT_FAKE_MONOTONIC=1", err)) != VOUCH_OK ||
	    (rc = add_env(c, "NO_FAKE_STAT=1", err)) != VOUCH_OK ||
	    (rc = add_env(c, "FAKE_UTIME=1", err)) != VOUCH_OK) {
		vouch_clock_free(c);
		return rc;
	}
	return VOUCH_OK;
}

int
vouch_clock_describe(const vouch_clock *c, cJSON *obj, vouch_err *err)
{
	static const char *const gaps[] = { "statically linked programs",
		"raw system calls and direct vDSO reads (e.g. Go programs)",
		"programs that clear LD_PRELOAD", NULL };
	char ts[VOUCH_RFC3339_LEN + 1];
	cJSON *o, *a, *s;
	int rc;

	if ((o = vouch_json_add_object(obj, "clock", err)) == NULL)
		return VOUCH_ENOMEM;
	if (!c->fixed)
		return vouch_json_add_string(o, "kind", "real", err) != NULL ? VOUCH_OK
		    : VOUCH_ENOMEM;
	if ((rc = vouch_time_rfc3339((time_t)c->epoch, ts, err)) != VOUCH_OK)
		return rc;
	if (vouch_json_add_string(o, "kind", "libfaketime", err) == NULL ||
	    vouch_json_add_string(o, "startsAt", ts, err) == NULL ||
	    cJSON_AddNumberToObject(o, "epoch", (double)c->epoch) == NULL ||
	    vouch_json_add_string(o, "from", c->from_sde ? "sourceDateEpoch" : "recipe",
	        err) == NULL ||
	    vouch_json_add_string(o, "method", "LD_PRELOAD " VOUCH_CLOCK_SANDBOX_LIB
	        ": each process starts at startsAt, then runs", err) == NULL ||
	    vouch_json_add_string(o, "library", c->lib, err) == NULL ||
	    vouch_json_add_string(o, "monotonic", "real", err) == NULL ||
	    vouch_json_add_string(o, "fileTimes", "real", err) == NULL ||
	    (a = cJSON_AddArrayToObject(o, "notCovered")) == NULL)
		return vouch_err_set(err, VOUCH_ENOMEM, "out of memory");
	for (size_t i = 0; gaps[i] != NULL; i++)
		if ((s = cJSON_CreateString(gaps[i])) == NULL || !cJSON_AddItemToArray(a, s)) {
			cJSON_Delete(s);
			return vouch_err_set(err, VOUCH_ENOMEM, "out of memory");
		}
	return VOUCH_OK;
}
