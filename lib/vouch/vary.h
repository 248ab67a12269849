/* vouch/vary.h - build-environment variations applied inside the sandbox.
 *
 * A variation changes one thing a build may wrongly depend on, inside
 * vouch's own sandbox (vouch/sandbox.h), never on the host.  The names are
 * reprotest's where it has the same variation.  What the build sees
 * without and with each:
 *
 *   time          the real clock | the clock VOUCH_VARY_YEARS years ahead:
 *                 the host's libfaketime bound read-only into the sandbox
 *                 and preloaded (FAKETIME=+Ny, NO_FAKE_STAT=1); static
 *                 programs and raw system calls see the real clock
 *   timezone      TZ=UTC | TZ=<+14>-14 (UTC+14, a POSIX rule: no tzdata)
 *   locales       LC_ALL=C.UTF-8 | LC_ALL, LANG, LANGUAGE of the first of
 *                 fr_CH, fr_FR, de_DE, en_US (.UTF-8) the environment
 *                 has installed (else fr_CH.UTF-8, variables only)
 *   umask         022 | 002
 *   domain_host   hostname "vouch", no domain name | "vouch-varied-host",
 *                 domain "varied.invalid" (UTS namespace; /etc/hosts too)
 *   build_path    the recipe's workdir | "/build/varied-build-path" + the
 *                 workdir's part below /build
 *   user_group    builder, uid and gid 1000 | vouchvary, uid and gid 2000
 *                 (the user namespace's maps, /etc/passwd and group, USER,
 *                 LOGNAME)
 *   num_cpus      the caller's CPUs | one CPU (sched_setaffinity in the
 *                 sandbox's init, inherited; not varied on one CPU)
 *   environment   the recipe's variables | plus BUILD_TAG, BUILD_ID and
 *                 VOUCH_CAPTURE_ENVIRONMENT
 *   fileordering  the source tree's directories list in archive order |
 *                 in reverse: after unpacking, each directory's entries are
 *                 moved out and back in the order that makes readdir(3)
 *                 return them reversed (checked), so every program, static
 *                 or not, sees it (the file system's own order, no FUSE)
 *   home          HOME=/tmp | HOME=/nonexistent/vouch-varied-home
 *   kernel        the kernel's release | "2.6.x" from personality(2)
 *                 UNAME26 (inherited, also by static programs; what
 *                 reprotest's setarch --uname-2.6 does; /proc/version and
 *                 /proc/sys/kernel/osrelease keep the real one)
 *
 * A vouch_vary holds the concrete settings for one set of variations; the
 * sandbox and the rebuild apply it (vouch_sandbox_opts.vary,
 * vouch_rebuild_opts.vary).  Ownership: a vouch_vary owns its strings
 * until vouch_vary_free().
 */
#ifndef VOUCH_VARY_H
#define VOUCH_VARY_H

#include <stddef.h>
#include <sys/types.h>
#include "error.h"

#ifdef __cplusplus
extern "C" {
#endif

enum vouch_vary_bit {
	VOUCH_VARY_TIME = 1u << 0,
	VOUCH_VARY_TIMEZONE = 1u << 1,
	VOUCH_VARY_LOCALES = 1u << 2,
	VOUCH_VARY_UMASK = 1u << 3,
	VOUCH_VARY_DOMAIN_HOST = 1u << 4,
	VOUCH_VARY_BUILD_PATH = 1u << 5,
	VOUCH_VARY_USER_GROUP = 1u << 6,
	VOUCH_VARY_NUM_CPUS = 1u << 7,
	VOUCH_VARY_ENVIRONMENT = 1u << 8,
	VOUCH_VARY_FILEORDERING = 1u << 9,
	VOUCH_VARY_HOME = 1u << 10,
	VOUCH_VARY_KERNEL = 1u << 11
};
#define VOUCH_VARY_COUNT 12
#define VOUCH_VARY_ALL ((1u << VOUCH_VARY_COUNT) - 1)
#define VOUCH_VARY_YEARS 12
#define VOUCH_VARY_UID 2000u
#define VOUCH_VARY_PRELOAD "/.vouch-vary/libfaketime.so.1" /* inside the sandbox */
#define VOUCH_VARY_MAX_ENV 16

/* "time", "timezone", ...: the name of one bit; NULL for anything else. */
const char *vouch_vary_name(unsigned bit);
/* "the clock", "the time zone", ...: for sentences. */
const char *vouch_vary_phrase(unsigned bit);
/* Parse "all", "name,name" or "all,-name,..." (a leading "-" removes).
 * Unknown names fail with VOUCH_EUSAGE naming them; an empty result too. */
int vouch_vary_parse(const char *list, unsigned *set, vouch_err *err);
/* "time,timezone" into out (cap bytes); "none" for 0. */
const char *vouch_vary_list(unsigned set, char *out, size_t cap);

typedef struct vouch_vary {
	unsigned set;             /* the variations in force (those possible) */
	unsigned skipped;         /* asked for but impossible here (num_cpus on one CPU) */
	char *workdir;            /* build_path: the varied working directory */
	char *preload_src;        /* time: the host's libfaketime */
	char *locale;             /* locales: the locale used */
	int locale_installed;     /* it exists in the environment */
	const char *hostname, *domainname;
	const char *user;
	unsigned uid;             /* uid and gid inside */
	mode_t umask;
	int cpus;                 /* num_cpus: CPUs left visible */
	char *env[VOUCH_VARY_MAX_ENV]; /* "NAME=value", replacing or added */
	size_t n_env;
} vouch_vary;

/* The settings for set.  rootfs: the environment's root directory (NULL
 * for the host), where the locale is looked for; workdir: the recipe's.
 * The clock needs libfaketime: $VOUCH_FAKETIME_LIB, else Debian's path;
 * missing, it fails with VOUCH_EINPUT. */
int vouch_vary_init(vouch_vary *v, unsigned set, const char *rootfs, const char *workdir,
                    vouch_err *err);
void vouch_vary_free(vouch_vary *v);
/* One line per variation in v->set, "name: control -> varied", into out. */
int vouch_vary_describe(const vouch_vary *v, unsigned bit, char *control, size_t ccap,
                        char *varied, size_t vcap);

/* ---- used by the sandbox and the rebuild (v may be NULL: no variation) ---- */

unsigned vouch_vary_uid(const vouch_vary *v);
const char *vouch_vary_user(const vouch_vary *v);
const char *vouch_vary_hostname(const vouch_vary *v);
const char *vouch_vary_domainname(const vouch_vary *v);
mode_t vouch_vary_umask(const vouch_vary *v);
/* /etc/passwd, group and hosts as the build sees them. */
int vouch_vary_etc(const vouch_vary *v, const char *name, char *out, size_t cap);
/* An environment's own /etc/passwd or group (base, len bytes) as the build
 * sees it: every line but those that name the build user or use its id,
 * then the build user's line, so the standard users and groups the
 * environment defines (base-passwd's staff, adm, ...) stay.  Other names:
 * vouch_vary_etc().  -1 when base holds a NUL byte or out is too small. */
int vouch_vary_etc_merge(const vouch_vary *v, const char *name, const char *base, size_t len,
                         char *out, size_t cap);
/* Replace or add v's variables in envp (n entries, room for cap, NULL
 * terminated); strings are strdup()ed.  VOUCH_ENOMEM or VOUCH_OK. */
int vouch_vary_env(const vouch_vary *v, char **envp, size_t *n, size_t cap, vouch_err *err);
/* Bind the preload library into the new root at stage (before pivot). */
int vouch_vary_bind(const vouch_vary *v, const char *stage, vouch_err *err);
/* In init, before the steps: CPU affinity and personality. */
int vouch_vary_enter(const vouch_vary *v, vouch_err *err);
/* fileordering: reverse the readdir order of every directory below dir. */
int vouch_vary_reorder(const char *dir, vouch_err *err);

#ifdef __cplusplus
}
#endif
#endif
