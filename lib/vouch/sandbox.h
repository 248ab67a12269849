/* vouch/sandbox.h - run build steps in a Linux namespace sandbox.
 *
 * vouch_sandbox_run() clones one process into new user, mount, PID,
 * network, UTS, IPC and cgroup namespaces.  That process, the sandbox's
 * init (PID 1), builds the file system view, pivot_root()s into it, drops
 * every capability and runs the steps one after the other as an
 * unprivileged user (uid/gid VOUCH_SANDBOX_UID inside; outside it is the
 * caller's uid, or VOUCH_SANDBOX_HOST_UID when the caller is root, so a
 * build never runs as real root; for a root caller uid and gid 0 inside are
 * mapped to VOUCH_SANDBOX_HOST_UID + 1, also unprivileged, so that fakeroot,
 * whose chown to 0 must fail with EPERM rather than EINVAL, works).  What the build sees:
 *
 *   /             a read-only tmpfs holding only what follows
 *   /usr, /bin..  host mode: the host's /usr (and the /bin, /lib... links
 *                 or directories) bound read-only; rootfs mode: every
 *                 top-level entry of the rootfs directory bound read-only
 *   /etc          host mode: passwd, group, hosts written by vouch plus the
 *                 host's ld.so.cache and alternatives; rootfs mode: the
 *                 rootfs's /etc with vouch's passwd, group and hosts on top
 *   /build        tmpfs of limits.disk_bytes; the working directory is below
 *   /tmp          tmpfs of limits.disk_bytes, mode 1777
 *   /out          tmpfs of limits.output_bytes, VOUCH_SANDBOX_OUT_INODES inodes
 *   /proc         a fresh procfs of the sandbox's PID namespace
 *   /.vouch       only with opts.preload: that one file, read-only
 *   /dev          null zero full random urandom tty bound from the host;
 *                 fd stdin stdout stderr linked into /proc/self/fd (the log
 *                 pipe is open to the build user, so "echo >/dev/stderr"
 *                 works), shm linked to /tmp (sem_open, shm_open)
 *   network       a new namespace with only "lo", up
 *   hostname      "vouch"
 *   environment   PATH, the caller's variables, SOURCE_DATE_EPOCH, TZ=UTC,
 *                 LC_ALL=C.UTF-8, HOME=/tmp, USER=LOGNAME=builder, PWD
 *   each step     umask 022, stdin /dev/null, stdout+stderr to the log,
 *                 no_new_privs, a seccomp filter (installed in init once
 *                 its setup is done, inherited) (x86_64 and aarch64;
 *                 vouch_sandbox_seccomp()) that fails module and kexec
 *                 loading, mount calls, setns/unshare, bpf, perf_event_open,
 *                 userfaultfd, io_uring, keyrings, clock, swap, reboot and
 *                 iopl with EPERM, and chown to ids other than the build
 *                 user's with EPERM (not an unmapped id's EINVAL, which
 *                 fakeroot passes on), RLIMIT_NOFILE = limits.open_files,
 *                 RLIMIT_NPROC = limits.max_processes, RLIMIT_CORE = 0,
 *                 and RLIMIT_AS = limits.memory_bytes when no memory
 *                 cgroup is available
 *
 * Limits.  Memory and processes go into a cgroup made for the run: cgroup
 * v2 when the memory and pids controllers can be enabled below the
 * caller's cgroup, else the v1 memory and pids hierarchies (root only),
 * else only the per-process rlimits above (memory is then bounded per
 * process, not for the whole sandbox).  The wall-clock timeout is watched
 * by the caller's process; /out, /build and /tmp are bounded by their
 * tmpfs sizes.  The caller watches the cgroup's OOM and pids.max
 * counters, and the sandbox's init counts the processes of its namespace;
 * when a limit is reached the whole sandbox is killed (SIGKILL to its init,
 * which takes the whole PID namespace with it) and the result names the
 * limit.  A full /out, /build or /tmp is named when the step that filled
 * it fails.  Without a pids cgroup, RLIMIT_NPROC stops a fork bomb, and
 * since a short burst may be over before init counts it, the caller also
 * watches the log for a refused fork ("Cannot fork", "fork: Resource
 * temporarily unavailable"...) and then stops the sandbox at the processes
 * limit.  The open-files limit is enforced with EMFILE; a step that fails
 * after "Too many open files" appeared in its log is reported as reaching
 * it (VOUCH_LIMIT_OPEN_FILES).  These two depend on the step printing the
 * error.  init has PR_SET_PDEATHSIG(SIGKILL), so a killed caller leaves
 * nothing behind.  Any processes a step leaves running are killed when it
 * exits.
 *
 * The caller needs: root, or unprivileged user namespaces.  Temporary
 * state: a cgroup directory "vouch-sandbox-<pid>-...", removed at the end
 * (those of dead callers are removed by the next run).  The new root is a
 * tmpfs mounted over $TMPDIR (or /tmp) inside the sandbox's own mount
 * namespace, so nothing of it exists on the host.  init is in its cgroups
 * before it does anything else: created in it (v2, CLONE_INTO_CGROUP) or
 * moving itself in (v1, "0" to "tasks"), which, unlike a move by pid,
 * waits for no RCU grace period.
 *
 * init is a clone of the caller; it blanks its copy of the caller's
 * command-line area (argv strings), so the build does not read the
 * caller's arguments in /proc/1/cmdline, unless an option above points
 * into that area.  The prepare callback runs after that: it must not use
 * argv strings (copy them first).
 */
#ifndef VOUCH_SANDBOX_H
#define VOUCH_SANDBOX_H

#include <stddef.h>
#include <stdint.h>
#include "error.h"
#include "recipe.h"

#ifdef __cplusplus
extern "C" {
#endif

#define VOUCH_SANDBOX_UID 1000u            /* the build user inside */
#define VOUCH_SANDBOX_HOST_UID 0x7ff00000u /* its uid outside when run by root */
#define VOUCH_SANDBOX_HOSTNAME "vouch"
#define VOUCH_SANDBOX_TAIL_MAX 4096        /* bytes of log kept for errors */
#define VOUCH_SANDBOX_OUT_INODES 200000u   /* files and directories in /out */

enum vouch_sandbox_limit {
	VOUCH_LIMIT_NONE = 0,
	VOUCH_LIMIT_TIMEOUT,
	VOUCH_LIMIT_MEMORY,
	VOUCH_LIMIT_PROCESSES,
	VOUCH_LIMIT_OUTPUT,
	VOUCH_LIMIT_DISK,
	VOUCH_LIMIT_LOG,
	VOUCH_LIMIT_OPEN_FILES
};

/* "timeout", "memory", ...; "none" for VOUCH_LIMIT_NONE. */
const char *vouch_sandbox_limit_name(int limit);

/* Runs inside the sandbox as the build user, in a child of init after
 * pivot_root and with no capabilities, before any step; workdir does not
 * exist yet.  It may fill digest (*has_digest = 1): the result reports it,
 * and when opts.expect_digest is set a different one stops the run with
 * VOUCH_EINPUT before any step.  The process is a clone of the caller: it
 * may use what the caller set up (open fds), except the caller's argv
 * strings (see above). */
typedef int (*vouch_sandbox_prepare_fn)(void *arg, const char *workdir,
                                        uint8_t digest[32], int *has_digest,
                                        vouch_err *err);
/* Progress: step (0-based) starts; elapsed seconds since the run began. */
typedef void (*vouch_sandbox_progress_fn)(void *arg, size_t step, size_t n_steps,
                                          double elapsed);

struct vouch_vary;

typedef struct vouch_sandbox_opts {
	const char *rootfs;            /* directory shown as /; NULL = host mode */
	const char *workdir;           /* absolute, below /build/ */
	char *const *env;              /* "NAME=value" entries (may set PATH) */
	size_t n_env;
	long long source_date_epoch;
	const vouch_recipe_step *steps;
	size_t n_steps;
	vouch_recipe_limits limits;
	int log_fd;                    /* every step's stdout and stderr */
	uint64_t log_max;              /* bytes; 0 = 256 MiB; more is a limit */
	vouch_sandbox_prepare_fn prepare;   /* may be NULL */
	void *prepare_arg;
	int expect_digest;             /* prepare's digest must be expected */
	uint8_t expected[32];
	vouch_sandbox_progress_fn progress; /* may be NULL */
	void *progress_arg;
	const struct vouch_vary *vary; /* variations (vouch/vary.h); NULL = none */
	/* A file of the caller's (preload_src, a regular file, which must
	 * still be the file open as preload_fd) shown read-only inside at
	 * preload (a path directly below "/.vouch/"); preload NULL = none.
	 * Used for the fixed clock (clock.h). */
	const char *preload;
	const char *preload_src;
	int preload_fd;
	char *const *extra_env;        /* more "NAME=value" entries, after env */
	size_t n_extra_env;
} vouch_sandbox_opts;

typedef struct vouch_sandbox_result {
	int limit;                     /* enum vouch_sandbox_limit that stopped it */
	int failed;                    /* 1 when a step failed or a limit hit */
	size_t failed_step;            /* 0-based; SIZE_MAX: before the first */
	int wait_status;               /* of the failed step, when it exited */
	int out_fd;                    /* directory fd of /out after success, the
	                                  caller closes it; -1 otherwise */
	char enforcement[32];          /* "cgroup2", "cgroup1" or "rlimit" */
	uint8_t digest[32];            /* from prepare */
	int has_digest;
	char tail[VOUCH_SANDBOX_TAIL_MAX]; /* last bytes of the log, NUL-ended */
	double elapsed;                /* seconds in vouch_sandbox_run(), setup to teardown */
} vouch_sandbox_result;

/* Run the steps.  VOUCH_OK when every step exited 0 (res->out_fd is then
 * open); VOUCH_ENEGATIVE when a step failed or a limit was reached (err
 * says which step and which limit); another status when the sandbox could
 * not be set up or prepare failed or gave an unexpected digest. */
int vouch_sandbox_run(const vouch_sandbox_opts *o, vouch_sandbox_result *res,
                      vouch_err *err);

/* 1 when the steps run under vouch's seccomp filter on this build. */
int vouch_sandbox_seccomp(void);

/* Whether this process can make a sandbox here (root, or user namespaces
 * allowed).  VOUCH_OK or VOUCH_EIO with the reason. */
int vouch_sandbox_available(vouch_err *err);

#ifdef __cplusplus
}
#endif
#endif
