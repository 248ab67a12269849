/* sandbox_steps.c - init running the steps: spawning each, the process
 * limits, and init's main (see sandbox.c). */
#include "config.h"

#include <dirent.h>
#include <errno.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <sys/wait.h>

#include <openssl/crypto.h>

#include "vouch/file.h"
#include "vouch/vary.h"

#include "sandbox_int.h"

/* ---- init: running the steps --------------------------------------------- */

static void
log_line(int fd, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void
log_line(int fd, const char *fmt, ...)
{
	char buf[1024];
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	if (n < 0)
		return;
	if ((size_t)n >= sizeof(buf))
		n = (int)sizeof(buf) - 1;
	(void)!write(fd, buf, (size_t)n);
}

static void
exec_step(const struct sb *sb, const vouch_recipe_step *st)
{
	const vouch_recipe_limits *l = &sb->o->limits;
	struct rlimit r;
	char cand[PATH_MAX];
	const char *p;
	sigset_t none;

	sigemptyset(&none);
	sigprocmask(SIG_SETMASK, &none, NULL);
	setsid();
	if (dup2(sb->log_w, 1) < 0 || dup2(sb->log_w, 2) < 0)
		_exit(127);
	close_others(NULL, 0);
	r.rlim_cur = r.rlim_max = l->open_files;
	setrlimit(RLIMIT_NOFILE, &r);
	r.rlim_cur = r.rlim_max = sb->pids_cgroup ? sb_hard_processes(l) : l->max_processes;
	setrlimit(RLIMIT_NPROC, &r);
	r.rlim_cur = r.rlim_max = 0;
	setrlimit(RLIMIT_CORE, &r);
	if (!sb->mem_cgroup) {
		r.rlim_cur = r.rlim_max = l->memory_bytes;
		setrlimit(RLIMIT_AS, &r);
	}
	umask(vouch_vary_umask(sb->o->vary));
	/* the seccomp filter is init's, inherited */
	if (chdir(sb->o->workdir) != 0) {
		log_line(2, "vouch: cannot enter %s: %s\n", sb->o->workdir, strerror(errno));
		_exit(127);
	}
	if (strchr(st->argv[0], '/') != NULL) {
		execve(st->argv[0], st->argv, sb->envp);
	} else {
		for (p = sb->path; *p != '\0';) {
			size_t len = strcspn(p, ":");
			if (len > 0 && len + strlen(st->argv[0]) + 2 < sizeof(cand)) {
				memcpy(cand, p, len);
				cand[len] = '/';
				memcpy(cand + len + 1, st->argv[0], strlen(st->argv[0]) + 1);
				execve(cand, st->argv, sb->envp);
			}
			p += len;
			if (*p == ':')
				p++;
		}
		errno = ENOENT;
	}
	log_line(2, "vouch: cannot run '%s': %s\n", st->argv[0], strerror(errno));
	_exit(127);
}

static int
count_processes(void)
{
	DIR *d = opendir("/proc");
	struct dirent *e;
	int n = 0;

	if (d == NULL)
		return 0;
	while ((e = readdir(d)) != NULL)
		if (e->d_name[0] >= '1' && e->d_name[0] <= '9')
			n++;
	closedir(d);
	return n;
}

static int
full(const char *path)
{
	struct statvfs sv;

	return statvfs(path, &sv) == 0 &&
	    (sv.f_bavail == 0 || (sv.f_files > 0 && sv.f_favail == 0));
}

/* Kill everything but init and reap it all. */
static void
kill_rest(void)
{
	kill(-1, SIGKILL);
	while (waitpid(-1, NULL, 0) > 0 || errno == EINTR)
		;
}

#define SB_SPAWN_STACK ((size_t)256 << 10)

struct spawn_arg {
	const struct sb *sb;
	const vouch_recipe_step *st;
};

static int
spawn_entry(void *arg)
{
	const struct spawn_arg *a = arg;

	exec_step(a->sb, a->st);
	return 127;
}

/* Start a step like posix_spawn(): the child shares init's memory (init
 * waits) until it execs, so the address space of a big process (every
 * library libvouch links) is not copied for each step.  The child only
 * makes system calls on its own stack before execve. */
#if defined(__SANITIZE_ADDRESS__)
#define SB_SPAWN_FORK 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define SB_SPAWN_FORK 1
#endif
#endif

static pid_t
spawn_step(const struct sb *sb, const vouch_recipe_step *st)
{
	struct spawn_arg a = { sb, st };
	void *stack;
	pid_t pid;

#ifdef SB_SPAWN_FORK
	/* AddressSanitizer's shadow memory would be shared with the child,
	 * and the redzones of its frames (it never returns) left poisoned */
	if ((pid = fork()) == 0)
		spawn_entry(&a);
	return pid;
#endif
	stack = mmap(NULL, SB_SPAWN_STACK, PROT_READ | PROT_WRITE,
	    MAP_PRIVATE | MAP_ANONYMOUS | MAP_STACK, -1, 0);
	if (stack == MAP_FAILED)
		return -1;
	pid = clone(spawn_entry, (char *)stack + SB_SPAWN_STACK, CLONE_VM | CLONE_VFORK | SIGCHLD,
	    &a);
	munmap(stack, SB_SPAWN_STACK);
	return pid;
}

/* Run step i; returns the step's wait status, or -1 after a process-limit
 * kill (*limit set). */
static int
run_step(const struct sb *sb, size_t i, int *limit)
{
	const vouch_sandbox_opts *o = sb->o;
	struct timespec tick = { 0, SB_TICK_MS * 1000 * 1000 };
	sigset_t chld;
	pid_t pid, w;
	int status = 0, done = 0;

	sigemptyset(&chld);
	sigaddset(&chld, SIGCHLD);
	log_line(sb->log_w, "## vouch: step %zu/%zu:", i + 1, o->n_steps);
	for (size_t k = 0; k < o->steps[i].argc && k < 16; k++)
		log_line(sb->log_w, " %s", o->steps[i].argv[k]);
	log_line(sb->log_w, "%s\n", o->steps[i].argc > 16 ? " ..." : "");
	if ((pid = spawn_step(sb, &o->steps[i])) < 0) {
		log_line(sb->log_w, "vouch: fork: %s\n", strerror(errno));
		return 127 << 8;
	}
	while (!done) {
		(void)sigtimedwait(&chld, NULL, &tick);
		while ((w = waitpid(-1, &status, WNOHANG)) > 0)
			if (w == pid)
				done = 1;
		if (!done && (uint64_t)count_processes() >= o->limits.max_processes) {
			*limit = VOUCH_LIMIT_PROCESSES;
			kill_rest();
			return -1;
		}
	}
	kill_rest();
	if (status != 0) {
		if (full("/out"))
			*limit = VOUCH_LIMIT_OUTPUT;
		else if (full("/build") || full("/tmp"))
			*limit = VOUCH_LIMIT_DISK;
	}
	return status;
}

static _Noreturn void
child_fail(const struct sb *sb, int code, const vouch_err *err)
{
	struct sb_msg m;

	memset(&m, 0, sizeof(m));
	m.type = MSG_ERROR;
	m.status = code;
	snprintf(m.text, sizeof(m.text), "%s", vouch_err_msg(err));
	(void)msg_send(sb->sock, &m, -1);
	_exit(1);
}

/* With cgroup v1, init moves itself into the sandbox's cgroups before it
 * does anything else; everything of the build descends from it.  It writes
 * "0" (itself, one thread) to "tasks": the kernel moves the current thread
 * without the global lock that a move by pid ("cgroup.procs", or a pid
 * in "tasks") takes, and that lock waits for an RCU grace period, about
 * 12 ms on an idle machine.  The files were opened by the caller, whose
 * credentials the kernel checks; init is still single-threaded here. */
int
join_cgroups(struct sb *sb, vouch_err *err)
{
	for (int i = 0; i < 2; i++) {
		int fd = sb->cg_tasks[i];

		if (fd < 0)
			continue;
		sb->cg_tasks[i] = -1;
		if (write(fd, "0", 1) != 1) {
			int e = errno;
			close(fd);
			errno = e;
			return vouch_err_sys(err, VOUCH_EIO, "sandbox: cannot join the %s cgroup",
			    i == 0 ? "memory" : "pids");
		}
		close(fd);
	}
	return VOUCH_OK;
}

static int
in_area(const char *p, unsigned long long start, unsigned long long end)
{
	uintptr_t a = (uintptr_t)p;

	return p != NULL && a >= start && a < end;
}

/* Does anything init uses after rename_init() live in [start, end)? */
static int
opts_in_area(const struct sb *sb, unsigned long long start, unsigned long long end)
{
	const vouch_sandbox_opts *o = sb->o;

	if (in_area(o->rootfs, start, end) || in_area(o->workdir, start, end) ||
	    in_area(sb->path, start, end))
		return 1;
	for (size_t i = 0; sb->envp != NULL && sb->envp[i] != NULL; i++)
		if (in_area(sb->envp[i], start, end))
			return 1;
	for (size_t i = 0; i < o->n_steps; i++)
		for (size_t j = 0; j < o->steps[i].argc; j++)
			if (in_area(o->steps[i].argv[j], start, end))
				return 1;
	return 0;
}

/* init is a copy of the caller, command line included: the build would
 * read the caller's arguments (host paths) in /proc/1/cmdline.  Blank the
 * argument area, this process's own copy of it, found through
 * /proc/self/stat (fields 48 and 49, arg_start and arg_end), and name the
 * process after what it is.  Left alone when an option points into it. */
static void
rename_init(const struct sb *sb)
{
	static const char name[] = "vouch-sandbox-init";
	char buf[2048], *p;
	unsigned long long start = 0, end = 0;
	ssize_t n;
	int fd = open("/proc/self/stat", O_RDONLY | O_CLOEXEC);

	(void)prctl(PR_SET_NAME, "vouch-init", 0, 0, 0);
	if (fd < 0)
		return;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0)
		return;
	buf[n] = '\0';
	/* the fields after the name, which may hold anything: from its last ')' */
	if ((p = strrchr(buf, ')')) == NULL)
		return;
	p++;
	for (int field = 3; field <= 49 && *p != '\0'; field++) {
		char *e;
		unsigned long long v;

		while (*p == ' ')
			p++;
		v = strtoull(p, &e, 10);
		if (field == 48)
			start = v;
		else if (field == 49)
			end = v;
		p = strchr(p, ' ');
		if (p == NULL)
			break;
	}
	if (start == 0 || end <= start || end - start > (1ull << 24) ||
	    opts_in_area(sb, start, end))
		return;
	memset((void *)(uintptr_t)start, 0, (size_t)(end - start));
	if (end - start > sizeof(name))
		memcpy((void *)(uintptr_t)start, name, sizeof(name));
}

_Noreturn void
child_main(struct sb *sb)
{
	const vouch_sandbox_opts *o = sb->o;
	struct sb_msg m;
	vouch_err err;
	int rc, outfd, keep[2];
	sigset_t chld;

	prctl(PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0);
	rename_init(sb);
	vouch_err_clear(&err);
	if (msg_recv(sb->sock, &m, NULL) != 1 || m.type != MSG_GO)
		_exit(1);
	if ((rc = join_cgroups(sb, &err)) != VOUCH_OK)
		child_fail(sb, rc, &err);
	keep[0] = sb->sock < sb->log_w ? sb->sock : sb->log_w;
	keep[1] = sb->sock < sb->log_w ? sb->log_w : sb->sock;
	sigemptyset(&chld);
	sigaddset(&chld, SIGCHLD);
	sigprocmask(SIG_BLOCK, &chld, NULL);
	if ((rc = child_setup(sb, &err)) != VOUCH_OK)
		child_fail(sb, rc, &err);
	if (unshare(CLONE_NEWCGROUP) != 0) {
		vouch_err_sys(&err, VOUCH_EIO, "sandbox: cannot make a cgroup namespace");
		child_fail(sb, VOUCH_EIO, &err);
	}
	memset(&m, 0, sizeof(m));
	m.type = MSG_PREPARED;
	umask(022);
	{
		int has = 0;
		if ((rc = run_prepare(sb, m.digest, &has, &err)) != VOUCH_OK ||
		    (rc = check_digest(o, m.digest, has, &err)) != VOUCH_OK ||
		    (rc = lock_build(o->workdir, &err)) != VOUCH_OK ||
		    (rc = drop_caps(&err)) != VOUCH_OK ||
		    (rc = install_seccomp(vouch_vary_uid(o->vary), &err)) != VOUCH_OK ||
		    (rc = vouch_vary_enter(o->vary, &err)) != VOUCH_OK)
			child_fail(sb, rc, &err);
		m.status = has;
	}
	close_others(keep, 2);
	if ((outfd = open("/out", O_RDONLY | O_DIRECTORY | O_CLOEXEC)) < 0) {
		vouch_err_sys(&err, VOUCH_EIO, "sandbox: cannot open /out");
		child_fail(sb, VOUCH_EIO, &err);
	}
	if (msg_send(sb->sock, &m, -1) != 0)
		_exit(1);
	for (size_t i = 0; i < o->n_steps; i++) {
		int limit = VOUCH_LIMIT_NONE, st;

		memset(&m, 0, sizeof(m));
		m.type = MSG_STEP_BEGIN;
		m.step = (int32_t)i;
		if (msg_send(sb->sock, &m, -1) != 0)
			_exit(1);
		st = run_step(sb, i, &limit);
		if (st != 0)
			log_line(sb->log_w, "## vouch: step %zu/%zu %s %d\n", i + 1, o->n_steps,
			    st == -1 ? "stopped at the process limit" :
			    WIFSIGNALED(st) ? "killed by signal" : "exited with status",
			    st == -1 ? (int)o->limits.max_processes :
			    WIFSIGNALED(st) ? WTERMSIG(st) : WEXITSTATUS(st));
		m.type = MSG_STEP_END;
		m.status = st;
		m.limit = limit;
		if (msg_send(sb->sock, &m, -1) != 0)
			_exit(1);
		if (st != 0)
			_exit(0);
	}
	memset(&m, 0, sizeof(m));
	m.type = MSG_DONE;
	(void)msg_send(sb->sock, &m, outfd);
	_exit(0);
}
