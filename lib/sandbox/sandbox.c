/* sandbox.c - a Linux namespace sandbox for build steps (see vouch/sandbox.h).
 *
 * The caller's process clones the sandbox's init into new namespaces (and,
 * with cgroup v2, straight into the sandbox's cgroup), writes its uid/gid
 * maps and lets it go.  With cgroup v1 init first moves itself into the
 * sandbox's cgroups (see join_cgroups()).  init builds the root (a tmpfs
 * mounted over TMPDIR in its own mount namespace), pivot_root()s, runs the
 * prepare callback (in a child without capabilities), makes /build
 * read-only but for the working directory, drops its capabilities,
 * installs the seccomp filter and runs the steps (each started
 * vfork-style, see spawn_step()).  The two talk
 * over a SOCK_SEQPACKET pair (struct sb_msg); the steps' output reaches the
 * caller through a pipe.  At the end init hands the caller a descriptor
 * of /out, which keeps that tmpfs alive after the namespaces are gone, so
 * outputs are read when no process of the build is left.
 */
#include "config.h"

#include <errno.h>
#include <poll.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>

#include <openssl/crypto.h>

#include "vouch/file.h"
#include "vouch/vary.h"

#include "sandbox_int.h"

/* ---- the caller's side ---------------------------------------------------- */

const char *
vouch_sandbox_limit_name(int limit)
{
	switch (limit) {
	case VOUCH_LIMIT_TIMEOUT: return "timeout";
	case VOUCH_LIMIT_MEMORY: return "memory";
	case VOUCH_LIMIT_PROCESSES: return "processes";
	case VOUCH_LIMIT_OUTPUT: return "output size";
	case VOUCH_LIMIT_DISK: return "disk";
	case VOUCH_LIMIT_LOG: return "log size";
	case VOUCH_LIMIT_OPEN_FILES: return "open files";
	default: return "none";
	}
}

static double
now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static int
write_map(pid_t pid, const char *file, const char *data)
{
	char path[64];
	int fd, rc = 0;
	size_t n = strlen(data);

	snprintf(path, sizeof(path), "/proc/%ld/%s", (long)pid, file);
	if ((fd = open(path, O_WRONLY | O_CLOEXEC)) < 0)
		return -1;
	if (write(fd, data, n) != (ssize_t)n)
		rc = -1;
	close(fd);
	return rc;
}

static int
set_maps(pid_t pid, int host_root, unsigned inside, vouch_err *err)
{
	char map[64];
	unsigned long uid = host_root ? VOUCH_SANDBOX_HOST_UID : (unsigned long)geteuid();
	unsigned long gid = host_root ? VOUCH_SANDBOX_HOST_UID : (unsigned long)getegid();

	if (!host_root && write_map(pid, "setgroups", "deny") != 0)
		return vouch_err_sys(err, VOUCH_EIO, "sandbox: cannot write setgroups");
	/* As root, uid and gid 0 inside are mapped too (unless the build's
	 * own id is 0), to another unprivileged id: the build still cannot
	 * become 0 (no capabilities, no_new_privs), but chown(path, 0, 0) then
	 * fails with EPERM, which fakeroot expects and hides, instead of
	 * EINVAL (an unmapped id), which broke dh_fixperms under fakeroot. */
	if (host_root && inside != 0)
		snprintf(map, sizeof(map), "0 %lu 1\n%u %lu 1\n", uid + 1, inside, uid);
	else
		snprintf(map, sizeof(map), "%u %lu 1\n", inside, uid);
	if (write_map(pid, "uid_map", map) != 0)
		return vouch_err_sys(err, VOUCH_EIO, "sandbox: cannot write uid_map");
	if (host_root && inside != 0)
		snprintf(map, sizeof(map), "0 %lu 1\n%u %lu 1\n", gid + 1, inside, gid);
	else
		snprintf(map, sizeof(map), "%u %lu 1\n", inside, gid);
	if (write_map(pid, "gid_map", map) != 0)
		return vouch_err_sys(err, VOUCH_EIO, "sandbox: cannot write gid_map");
	return VOUCH_OK;
}

struct sb_clone_args {
	uint64_t flags, pidfd, child_tid, parent_tid, exit_signal, stack, stack_size, tls,
	    set_tid, set_tid_size, cgroup;
};

static pid_t
clone_init(const sb_cgroup *cg, int *pidfd)
{
	struct sb_clone_args a;

	memset(&a, 0, sizeof(a));
	a.flags = CLONE_NEWUSER | CLONE_NEWNS | CLONE_NEWPID | CLONE_NEWNET | CLONE_NEWUTS |
	    CLONE_NEWIPC | CLONE_PIDFD;
	a.pidfd = (uint64_t)(uintptr_t)pidfd;
	a.exit_signal = SIGCHLD;
	if (cg->version == 2) {
		a.flags |= CLONE_INTO_CGROUP;
		a.cgroup = (uint64_t)cg->dirfd;
	}
	return (pid_t)syscall(SYS_clone3, &a, sizeof(a));
}

/* Build the steps' environment: PATH (unless given), the caller's
 * variables, then the fixed ones. */
static int
build_env(struct sb *sb, vouch_err *err)
{
	const vouch_sandbox_opts *o = sb->o;
	size_t n = 0, cap = o->n_env + o->n_extra_env + 10 + VOUCH_VARY_MAX_ENV;
	char buf[128];
	int has_path = 0;

	if ((sb->envp = calloc(cap, sizeof(char *))) == NULL)
		return vouch_err_set(err, VOUCH_ENOMEM, "out of memory");
	for (size_t i = 0; i < o->n_env; i++) {
		if (strncmp(o->env[i], "PATH=", 5) == 0) {
			has_path = 1;
			sb->path = o->env[i] + 5;
		}
		if ((sb->envp[n++] = strdup(o->env[i])) == NULL)
			goto nomem;
	}
	for (size_t i = 0; i < o->n_extra_env; i++)
		if ((sb->envp[n++] = strdup(o->extra_env[i])) == NULL)
			goto nomem;
	if (!has_path) {
		if ((sb->envp[n++] = strdup("PATH=/usr/local/bin:/usr/bin:/bin:/usr/sbin:/sbin")) ==
		    NULL)
			goto nomem;
		sb->path = sb->envp[n - 1] + 5;
	}
	snprintf(buf, sizeof(buf), "SOURCE_DATE_EPOCH=%lld", o->source_date_epoch);
	if ((sb->envp[n++] = strdup(buf)) == NULL || (sb->envp[n++] = strdup("TZ=UTC")) == NULL ||
	    (sb->envp[n++] = strdup("LC_ALL=C.UTF-8")) == NULL ||
	    (sb->envp[n++] = strdup("HOME=/tmp")) == NULL ||
	    (sb->envp[n++] = strdup("USER=builder")) == NULL ||
	    (sb->envp[n++] = strdup("LOGNAME=builder")) == NULL)
		goto nomem;
	{
		size_t wl = strlen(o->workdir);
		if ((sb->envp[n] = malloc(wl + 5)) == NULL)
			goto nomem;
		memcpy(sb->envp[n], "PWD=", 4);
		memcpy(sb->envp[n] + 4, o->workdir, wl + 1);
		n++;
	}
	return vouch_vary_env(o->vary, sb->envp, &n, cap, err);
nomem:
	return vouch_err_set(err, VOUCH_ENOMEM, "out of memory");
}

static void
free_env(struct sb *sb)
{
	for (size_t i = 0; sb->envp != NULL && sb->envp[i] != NULL; i++)
		free(sb->envp[i]);
	free(sb->envp);
	sb->envp = NULL;
}

/* What the caller's loop keeps. */
struct sb_watch {
	pid_t pid;
	int pidfd, log_r;
	double start, deadline;
	uint64_t log_bytes, log_max;
	int killed, exited, log_eof, setup_rc, prepared, done, began;
	int watch_forks;        /* no pids cgroup: look for refused forks */
	int saw_fork_refused;   /* the log says a fork failed (EAGAIN) */
	int saw_emfile;         /* the current step's log says EMFILE */
	size_t step;
	char tail[VOUCH_SANDBOX_TAIL_MAX];
	size_t tail_len;
	char carry[SB_NEEDLE_MAX]; /* end of the previous chunk, for matches */
	size_t carry_len;           /* across read boundaries */
};

static void
kill_sandbox(struct sb_watch *w)
{
	if (!w->killed && !w->exited) {
		if (syscall(SYS_pidfd_send_signal, w->pidfd, SIGKILL, NULL, 0) != 0)
			kill(w->pid, SIGKILL);
	}
	w->killed = 1;
}

static void
keep_tail(struct sb_watch *w, const char *p, size_t n)
{
	size_t cap = sizeof(w->tail) - 1;

	if (n >= cap) {
		memcpy(w->tail, p + n - cap, cap);
		w->tail_len = cap;
		return;
	}
	if (w->tail_len + n > cap) {
		size_t drop = w->tail_len + n - cap;
		memmove(w->tail, w->tail + drop, w->tail_len - drop);
		w->tail_len -= drop;
	}
	memcpy(w->tail + w->tail_len, p, n);
	w->tail_len += n;
}

/* What a step's tools print when a limit refuses them: EMFILE, and a fork
 * refused with EAGAIN (dash, bash, make, gcc, vouch's own init).  The
 * limits themselves are enforced by the kernel; these messages only let
 * the result name them (a step that hides the error goes unnamed). */
static const char *const sb_fork_refused[] = { "Cannot fork", "cannot fork", "can't fork",
	"fork: retry", "fork: Resource temporarily unavailable", NULL };
static const char sb_emfile[] = "Too many open files";

static int
has_needle(const char *hay, size_t n, const char *const *needles)
{
	for (size_t i = 0; needles[i] != NULL; i++)
		if (memmem(hay, n, needles[i], strlen(needles[i])) != NULL)
			return 1;
	return 0;
}

static void
scan_log(struct sb_watch *w, const char *p, size_t n)
{
	static const char *const emfile[] = { sb_emfile, NULL };
	char edge[2 * SB_NEEDLE_MAX];
	size_t head = n < SB_NEEDLE_MAX ? n : SB_NEEDLE_MAX, keep;

	/* a message split between two reads */
	memcpy(edge, w->carry, w->carry_len);
	memcpy(edge + w->carry_len, p, head);
	for (int pass = 0; pass < 2; pass++) {
		const char *h = pass == 0 ? edge : p;
		size_t hn = pass == 0 ? w->carry_len + head : n;

		if (has_needle(h, hn, emfile))
			w->saw_emfile = 1;
		if (w->watch_forks && has_needle(h, hn, sb_fork_refused))
			w->saw_fork_refused = 1;
	}
	if (n >= SB_NEEDLE_MAX) {
		memcpy(w->carry, p + n - SB_NEEDLE_MAX, SB_NEEDLE_MAX);
		w->carry_len = SB_NEEDLE_MAX;
		return;
	}
	keep = w->carry_len + n > SB_NEEDLE_MAX ? SB_NEEDLE_MAX - n : w->carry_len;
	memmove(w->carry, w->carry + w->carry_len - keep, keep);
	memcpy(w->carry + keep, p, n);
	w->carry_len = keep + n;
}

/* Stop the sandbox for a limit (the first one named wins). */
static void
hit_limit(struct sb_watch *w, vouch_sandbox_result *res, int limit)
{
	if (res->limit == VOUCH_LIMIT_NONE) {
		res->limit = limit;
		res->failed = 1;
		res->failed_step = w->began ? w->step : SIZE_MAX;
	}
	kill_sandbox(w);
}

static int
read_log(const vouch_sandbox_opts *o, struct sb_watch *w, vouch_sandbox_result *res,
         vouch_err *err)
{
	char buf[65536];
	ssize_t n = read(w->log_r, buf, sizeof(buf));

	if (n < 0)
		return errno == EINTR || errno == EAGAIN ? VOUCH_OK
		    : vouch_err_sys(err, VOUCH_EIO, "sandbox: reading the build log");
	if (n == 0) {
		w->log_eof = 1;
		return VOUCH_OK;
	}
	keep_tail(w, buf, (size_t)n);
	scan_log(w, buf, (size_t)n);
	/* Without a pids cgroup, RLIMIT_NPROC refuses the fork and nothing
	 * else tells: a fork bomb may be over before init counts it. */
	if (w->saw_fork_refused && !w->killed)
		hit_limit(w, res, VOUCH_LIMIT_PROCESSES);
	if (w->log_bytes + (uint64_t)n > w->log_max) {
		hit_limit(w, res, VOUCH_LIMIT_LOG);
		return VOUCH_OK;
	}
	w->log_bytes += (uint64_t)n;
	if (o->log_fd >= 0)
		return vouch_write_all(o->log_fd, buf, (size_t)n, "build log", err);
	return VOUCH_OK;
}

static int
on_message(const vouch_sandbox_opts *o, struct sb *sb, struct sb_watch *w,
           vouch_sandbox_result *res, vouch_err *err)
{
	struct sb_msg m;
	int fd = -1, r = msg_recv(sb->sock, &m, &fd);

	if (r <= 0) {
		w->exited = w->exited || r == 0;
		return VOUCH_OK;
	}
	switch (m.type) {
	case MSG_ERROR:
		w->setup_rc = m.status != 0 ? m.status : VOUCH_EIO;
		vouch_err_set(err, w->setup_rc, "%s", m.text);
		break;
	case MSG_PREPARED:
		w->prepared = 1;
		res->has_digest = m.status != 0;
		memcpy(res->digest, m.digest, sizeof(res->digest));
		break;
	case MSG_STEP_BEGIN:
		w->step = (size_t)m.step;
		w->began = 1;
		w->saw_emfile = 0;
		if (o->progress != NULL)
			o->progress(o->progress_arg, w->step, o->n_steps, now_s() - w->start);
		break;
	case MSG_STEP_END:
		if (m.status != 0 && !res->failed) {
			res->failed = 1;
			res->failed_step = (size_t)m.step;
			res->wait_status = m.status;
			if (res->limit == VOUCH_LIMIT_NONE)
				res->limit = m.limit;
		}
		break;
	case MSG_DONE:
		if (fd >= 0 && res->out_fd < 0) {
			res->out_fd = fd;
			fd = -1;
			w->done = 1;
		}
		break;
	default:
		break;
	}
	if (fd >= 0)
		close(fd);
	return VOUCH_OK;
}

static int
watch(const vouch_sandbox_opts *o, struct sb *sb, sb_cgroup *cg, struct sb_watch *w,
      vouch_sandbox_result *res, vouch_err *err)
{
	int rc = VOUCH_OK;

	while (!(w->log_eof && w->exited)) {
		struct pollfd p[3];
		double left = w->deadline - now_s();
		int ms = SB_TICK_MS, n;

		if (left <= 0 && !w->killed)
			hit_limit(w, res, VOUCH_LIMIT_TIMEOUT);
		if (left > 0 && left * 1000 < ms)
			ms = (int)(left * 1000) + 1;
		p[0].fd = w->log_eof ? -1 : w->log_r;
		p[1].fd = w->exited ? -1 : sb->sock;
		p[2].fd = w->exited ? -1 : w->pidfd;
		p[0].events = p[1].events = p[2].events = POLLIN;
		n = poll(p, 3, ms);
		if (n < 0 && errno != EINTR) {
			kill_sandbox(w);
			return vouch_err_sys(err, VOUCH_EIO, "sandbox: poll");
		}
		if (n > 0 && (p[0].revents & (POLLIN | POLLHUP | POLLERR)) &&
		    (rc = read_log(o, w, res, err)) != VOUCH_OK) {
			kill_sandbox(w);
			return rc;
		}
		if (n > 0 && (p[1].revents & (POLLIN | POLLHUP | POLLERR)))
			on_message(o, sb, w, res, err);
		if (n > 0 && (p[2].revents & POLLIN) && !(p[1].revents & POLLIN))
			w->exited = 1;
		if (cg->version != 0 && !w->killed) {
			int lim = sb_cgroup_oom_count(cg) > cg->oom_base ? VOUCH_LIMIT_MEMORY
			    : sb_cgroup_pids_count(cg) > cg->pids_base ? VOUCH_LIMIT_PROCESSES
			    : VOUCH_LIMIT_NONE;
			if (lim != VOUCH_LIMIT_NONE)
				hit_limit(w, res, lim);
		}
	}
	return rc;
}

static void
describe_failure(const vouch_sandbox_opts *o, const vouch_sandbox_result *res, vouch_err *err)
{
	const vouch_recipe_limits *l = &o->limits;
	size_t i = res->failed_step < o->n_steps ? res->failed_step : 0;
	const char *argv0 = o->steps[i].argv[0];
	char where[160];
	int st = res->wait_status;

	if (res->failed_step == SIZE_MAX)
		snprintf(where, sizeof(where), "before the first step (preparing the sources)");
	else
		snprintf(where, sizeof(where), "in step %zu/%zu '%.100s'", i + 1, o->n_steps, argv0);
	switch (res->limit) {
	case VOUCH_LIMIT_TIMEOUT:
		vouch_err_set(err, VOUCH_ENEGATIVE, "timeout limit of %llu s reached %s: the "
		    "sandbox was killed", (unsigned long long)l->timeout_seconds, where);
		return;
	case VOUCH_LIMIT_MEMORY:
		vouch_err_set(err, VOUCH_ENEGATIVE, "memory limit of %llu bytes reached %s: the "
		    "sandbox was killed", (unsigned long long)l->memory_bytes, where);
		return;
	case VOUCH_LIMIT_PROCESSES:
		vouch_err_set(err, VOUCH_ENEGATIVE, "processes limit of %llu reached %s%s: the "
		    "sandbox was killed", (unsigned long long)l->max_processes, where,
		    strcmp(res->enforcement, "rlimit") == 0 ? " (enforced by RLIMIT_NPROC)" : "");
		return;
	case VOUCH_LIMIT_OUTPUT:
		vouch_err_set(err, VOUCH_ENEGATIVE, "output size limit of %llu bytes reached %s "
		    "(/out is full, of bytes or of its %u files)",
		    (unsigned long long)l->output_bytes, where, VOUCH_SANDBOX_OUT_INODES);
		return;
	case VOUCH_LIMIT_DISK:
		vouch_err_set(err, VOUCH_ENEGATIVE, "disk limit of %llu bytes reached %s (/build "
		    "or /tmp is full)", (unsigned long long)l->disk_bytes, where);
		return;
	case VOUCH_LIMIT_LOG:
		vouch_err_set(err, VOUCH_ENEGATIVE, "log size limit reached %s: the sandbox was "
		    "killed", where);
		return;
	case VOUCH_LIMIT_OPEN_FILES:
		vouch_err_set(err, VOUCH_ENEGATIVE, "open files limit of %llu reached %s (the "
		    "step failed after '%s')", (unsigned long long)l->open_files, where, sb_emfile);
		return;
	default:
		break;
	}
	if (WIFSIGNALED(st) && strcmp(res->enforcement, "rlimit") == 0)
		vouch_err_set(err, VOUCH_ENEGATIVE, "step %zu/%zu '%s' was killed by signal %d "
		    "(without a memory cgroup, memory is limited per process by RLIMIT_AS to "
		    "%llu bytes: the step may have reached it)", i + 1, o->n_steps, argv0,
		    WTERMSIG(st), (unsigned long long)l->memory_bytes);
	else if (WIFSIGNALED(st))
		vouch_err_set(err, VOUCH_ENEGATIVE, "step %zu/%zu '%s' was killed by signal %d",
		    i + 1, o->n_steps, argv0, WTERMSIG(st));
	else
		vouch_err_set(err, VOUCH_ENEGATIVE, "step %zu/%zu '%s' exited with status %d",
		    i + 1, o->n_steps, argv0, WEXITSTATUS(st));
}

/* Where init mounts the new root: over TMPDIR (or /tmp) itself, in its own
 * mount namespace, so the host sees nothing of it and a killed run leaves
 * no mount point behind. */
static int
make_stage(struct sb *sb, vouch_err *err)
{
	const char *tmp = getenv("TMPDIR");
	struct stat st;

	/* over "/" the mount would not be seen from this root */
	if (tmp == NULL || tmp[0] != '/' || tmp[strspn(tmp, "/")] == '\0')
		tmp = "/tmp";
	if ((size_t)snprintf(sb->stage, sizeof(sb->stage), "%s", tmp) >= sizeof(sb->stage) / 2)
		return vouch_err_set(err, VOUCH_ELIMIT, "sandbox: TMPDIR too long");
	if (stat(sb->stage, &st) != 0)
		return vouch_err_sys(err, VOUCH_EIO, "sandbox: TMPDIR '%s'", sb->stage);
	if (!S_ISDIR(st.st_mode))
		return vouch_err_set(err, VOUCH_EIO, "sandbox: TMPDIR '%s' is not a directory",
		    sb->stage);
	return VOUCH_OK;
}

static int
check_opts(const vouch_sandbox_opts *o, vouch_err *err)
{
	if (o->workdir == NULL || strncmp(o->workdir, "/build/", 7) != 0 ||
	    strlen(o->workdir) >= PATH_MAX / 2)
		return vouch_err_set(err, VOUCH_EUSAGE, "sandbox: workdir must be below /build/");
	if (o->n_steps == 0 || o->steps == NULL)
		return vouch_err_set(err, VOUCH_EUSAGE, "sandbox: no steps");
	if (o->rootfs != NULL && (o->rootfs[0] != '/' || strlen(o->rootfs) >= PATH_MAX / 2))
		return vouch_err_set(err, VOUCH_EUSAGE, "sandbox: rootfs must be an absolute path");
	return VOUCH_OK;
}

static int
start_init(struct sb *sb, sb_cgroup *cg, struct sb_watch *w, int sv[2], int lp[2],
           vouch_err *err)
{
	struct sb_msg m;

	if ((w->pid = clone_init(cg, &w->pidfd)) < 0)
		return vouch_err_sys(err, VOUCH_EIO, "sandbox: cannot create namespaces");
	if (w->pid == 0) {
		close(sv[0]);
		close(lp[0]);
		sb->sock = sv[1];
		sb->log_w = lp[1];
		child_main(sb);
	}
	close(sv[1]);
	close(lp[1]);
	sv[1] = lp[1] = -1;
	if (set_maps(w->pid, sb->host_root, vouch_vary_uid(sb->o->vary), err) != VOUCH_OK)
		return VOUCH_EIO;
	/* If init is gone (its setup failed), watch() reports why. */
	memset(&m, 0, sizeof(m));
	m.type = MSG_GO;
	if (msg_send(sb->sock, &m, -1) != 0)
		return vouch_err_sys(err, VOUCH_EIO, "sandbox: cannot start init");
	return VOUCH_OK;
}

int
vouch_sandbox_run(const vouch_sandbox_opts *o, vouch_sandbox_result *res, vouch_err *err)
{
	struct sb sb;
	struct sb_watch w;
	sb_cgroup cg;
	int sv[2] = { -1, -1 }, lp[2] = { -1, -1 };
	int rc;
	double entered = now_s();

	memset(res, 0, sizeof(*res));
	res->out_fd = -1;
	memset(&sb, 0, sizeof(sb));
	memset(&w, 0, sizeof(w));
	w.pidfd = -1;
	w.log_r = -1;
	sb.o = o;
	sb.sock = -1;
	sb.host_root = geteuid() == 0;
	sb_cgroup_setup(&cg, &o->limits);
	sb.mem_cgroup = cg.version != 0;
	sb.pids_cgroup = cg.version == 2 || (cg.version == 1 && cg.pids[0] != '\0');
	sb.cg_tasks[0] = cg.tasks[0];
	sb.cg_tasks[1] = cg.tasks[1];
	snprintf(res->enforcement, sizeof(res->enforcement), "%s", sb_cgroup_name(&cg));
	if ((rc = check_opts(o, err)) != VOUCH_OK || (rc = build_env(&sb, err)) != VOUCH_OK ||
	    (rc = make_stage(&sb, err)) != VOUCH_OK)
		goto out;
	if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv) != 0 ||
	    pipe2(lp, O_CLOEXEC) != 0 ||
	    /* The steps' stdout and stderr: "echo >/dev/stderr" opens it again
	     * through /proc/self/fd/2, which the build user may do only if the
	     * pipe is open to it (as root the pipe is ours and theirs is
	     * another uid).  Nothing else can reach a pipe by name. */
	    fchmod(lp[1], 0622) != 0) {
		rc = vouch_err_sys(err, VOUCH_EIO, "sandbox: socketpair/pipe");
		goto out;
	}
	sb.sock = sv[0];
	w.log_r = lp[0];
	w.watch_forks = !sb.pids_cgroup;
	w.log_max = o->log_max != 0 ? o->log_max : SB_DEFAULT_LOG_MAX;
	w.start = now_s();
	w.deadline = w.start + (double)o->limits.timeout_seconds;
	if ((rc = start_init(&sb, &cg, &w, sv, lp, err)) != VOUCH_OK) {
		if (w.pid > 0)
			kill_sandbox(&w);
		goto reap;
	}
	rc = watch(o, &sb, &cg, &w, res, err);
	/* a step that failed after EMFILE: the open-files limit (the log was
	 * read to its end, so this is the failed step's) */
	if (res->failed && res->limit == VOUCH_LIMIT_NONE && w.saw_emfile)
		res->limit = VOUCH_LIMIT_OPEN_FILES;
reap:
	if (w.pid > 0)
		while (waitpid(w.pid, NULL, 0) < 0 && errno == EINTR)
			;
	memcpy(res->tail, w.tail, w.tail_len);
	res->tail[w.tail_len] = '\0';
	if (rc == VOUCH_OK && w.setup_rc != VOUCH_OK)
		rc = w.setup_rc;
	if (rc == VOUCH_OK && res->failed) {
		describe_failure(o, res, err);
		rc = VOUCH_ENEGATIVE;
	}
	if (rc == VOUCH_OK && !w.done)
		rc = vouch_err_set(err, VOUCH_EIO, "sandbox: init ended before the build finished");
	if (rc != VOUCH_OK && res->out_fd >= 0) {
		close(res->out_fd);
		res->out_fd = -1;
	}
out:
	if (sv[0] >= 0)
		close(sv[0]);
	if (sv[1] >= 0)
		close(sv[1]);
	if (lp[0] >= 0)
		close(lp[0]);
	if (lp[1] >= 0)
		close(lp[1]);
	if (w.pidfd >= 0)
		close(w.pidfd);
	sb_cgroup_cleanup(&cg);
	free_env(&sb);
	/* all of it: cgroups made and removed, namespaces, steps, teardown */
	res->elapsed = now_s() - entered;
	return rc;
}

int
vouch_sandbox_seccomp(void)
{
#ifdef SB_AUDIT_ARCH
	return 1;
#else
	return 0;
#endif
}

int
vouch_sandbox_available(vouch_err *err)
{
	pid_t pid;
	int st;

	if (geteuid() == 0)
		return VOUCH_OK;
	if ((pid = fork()) < 0)
		return vouch_err_sys(err, VOUCH_EIO, "sandbox: fork");
	if (pid == 0)
		_exit(unshare(CLONE_NEWUSER) == 0 ? 0 : 1);
	if (waitpid(pid, &st, 0) != pid || !WIFEXITED(st) || WEXITSTATUS(st) != 0)
		return vouch_err_set(err, VOUCH_EIO, "sandbox: user namespaces are not available "
		    "to this user (run as root, or allow unprivileged user namespaces)");
	return VOUCH_OK;
}
