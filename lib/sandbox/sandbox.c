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

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <limits.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <net/if.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <sys/syscall.h>
#include <sys/types.h>
#include <sys/uio.h>
#include <sys/wait.h>
#include <linux/audit.h>
#include <linux/capability.h>
#include <linux/filter.h>
#include <linux/seccomp.h>

#include <openssl/crypto.h>

#include "vouch/codec.h"
#include "vouch/digest.h"
#include "vouch/file.h"
#include "vouch/sandbox.h"
#include "vouch/vary.h"

#ifndef CLONE_PIDFD
#define CLONE_PIDFD 0x00001000
#endif
#ifndef CLONE_INTO_CGROUP
#define CLONE_INTO_CGROUP 0x200000000ULL
#endif
#ifndef CLONE_NEWCGROUP
#define CLONE_NEWCGROUP 0x02000000
#endif
#ifndef PR_CAP_AMBIENT
#define PR_CAP_AMBIENT 47
#define PR_CAP_AMBIENT_CLEAR_ALL 4
#endif

#define SB_DEFAULT_LOG_MAX ((uint64_t)256 << 20)
#define SB_NEEDLE_MAX 48           /* longest message looked for in the log */
#define SB_TICK_MS 100

/* ---- cgroups ------------------------------------------------------------ */

typedef struct sb_cgroup {
	int version;                 /* 0 none, 1, 2 */
	int dirfd;                   /* v2: for CLONE_INTO_CGROUP */
	int tasks[2];                /* v1: the memory and pids "tasks" files */
	char v2[PATH_MAX];
	char mem[PATH_MAX];
	char pids[PATH_MAX];
	unsigned long long oom_base;
	unsigned long long pids_base;
} sb_cgroup;

static unsigned long long sb_cgroup_oom_count(const sb_cgroup *cg);
static unsigned long long sb_cgroup_pids_count(const sb_cgroup *cg);

/* With a pids cgroup, pids.max is the limit (its "max" event says it was
 * reached) and RLIMIT_NPROC only a backstop above it. */
static uint64_t
sb_hard_processes(const vouch_recipe_limits *l)
{
	return l->max_processes + l->max_processes / 4 + 8;
}

/* Read a small file into buf (NUL-terminated); -1 on error. */
static int
read_small(const char *path, char *buf, size_t cap)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	ssize_t n;
	size_t len = 0;

	if (fd < 0)
		return -1;
	while (len + 1 < cap && (n = read(fd, buf + len, cap - 1 - len)) > 0)
		len += (size_t)n;
	close(fd);
	buf[len] = '\0';
	return 0;
}

static int
open_in(const char *dir, const char *file, int flags)
{
	char path[PATH_MAX];

	if ((size_t)snprintf(path, sizeof(path), "%s/%s", dir, file) >= sizeof(path)) {
		errno = ENAMETOOLONG;
		return -1;
	}
	return open(path, flags);
}

static int
write_str(const char *dir, const char *file, const char *val)
{
	int fd, rc = 0;
	size_t n = strlen(val);

	if ((fd = open_in(dir, file, O_WRONLY | O_CLOEXEC)) < 0)
		return -1;
	if (write(fd, val, n) != (ssize_t)n)
		rc = -1;
	if (close(fd) != 0)
		rc = -1;
	return rc;
}

/* Does the comma- or space-separated list hold word? */
static int
has_word(const char *list, const char *word, const char *seps)
{
	size_t wl = strlen(word);
	const char *p = list;

	while (*p != '\0') {
		size_t l = strcspn(p, seps);
		if (l == wl && strncmp(p, word, wl) == 0)
			return 1;
		p += l;
		if (*p != '\0')
			p++;
	}
	return 0;
}

/* Mount point of a cgroup hierarchy: fstype "cgroup2", or "cgroup" with
 * controller among its super options. */
static int
find_mount(const char *fstype, const char *controller, char *out, size_t cap)
{
	FILE *f = fopen("/proc/self/mountinfo", "re");
	char line[4096];
	int found = -1;

	if (f == NULL)
		return -1;
	while (found != 0 && fgets(line, sizeof(line), f) != NULL) {
		char *fields[12], *sep, *save = NULL, *tok;
		int n = 0;
		char *type, *opts;

		sep = strstr(line, " - ");
		if (sep == NULL)
			continue;
		*sep = '\0';
		for (tok = strtok_r(line, " ", &save); tok != NULL && n < 12;
		     tok = strtok_r(NULL, " ", &save))
			fields[n++] = tok;
		if (n < 5)
			continue;
		save = NULL;
		type = strtok_r(sep + 3, " ", &save);
		(void)strtok_r(NULL, " ", &save);
		opts = strtok_r(NULL, " \n", &save);
		if (type == NULL || strcmp(type, fstype) != 0)
			continue;
		if (controller != NULL && (opts == NULL || !has_word(opts, controller, ",")))
			continue;
		if (strchr(fields[4], '\\') != NULL || strlen(fields[4]) >= cap)
			continue;
		memcpy(out, fields[4], strlen(fields[4]) + 1);
		found = 0;
	}
	fclose(f);
	return found;
}

/* The caller's cgroup path in a hierarchy: "0" for v2, else the
 * controller name in the v1 line. */
static int
own_cgroup(const char *controller, char *out, size_t cap)
{
	FILE *f = fopen("/proc/self/cgroup", "re");
	char line[4096];
	int found = -1;

	if (f == NULL)
		return -1;
	while (found != 0 && fgets(line, sizeof(line), f) != NULL) {
		char *c1 = strchr(line, ':'), *c2;
		size_t l;

		if (c1 == NULL || (c2 = strchr(c1 + 1, ':')) == NULL)
			continue;
		*c2 = '\0';
		if (controller == NULL ? (strcmp(line, "0") != 0 || c1[1] != '\0')
		                       : !has_word(c1 + 1, controller, ","))
			continue;
		l = strcspn(c2 + 1, "\n");
		if (l >= cap)
			continue;
		memcpy(out, c2 + 1, l);
		out[l] = '\0';
		found = 0;
	}
	fclose(f);
	return found;
}

static unsigned long long
read_counter(const char *dir, const char *file, const char *key)
{
	char path[PATH_MAX], buf[4096], *p;
	size_t kl = strlen(key);

	if (dir[0] == '\0' ||
	    (size_t)snprintf(path, sizeof(path), "%s/%s", dir, file) >= sizeof(path) ||
	    read_small(path, buf, sizeof(buf)) != 0)
		return 0;
	for (p = buf; *p != '\0'; p += strcspn(p, "\n"), p += *p == '\n') {
		if (strncmp(p, key, kl) == 0 && p[kl] == ' ')
			return strtoull(p + kl + 1, NULL, 10);
	}
	return 0;
}

/* Remove the empty leftovers "<prefix><pid>-..." of runs whose process is
 * gone (a vouch-rebuild killed with SIGKILL cannot clean up after itself). */
static void
remove_stale(const char *dir, const char *prefix)
{
	DIR *d = opendir(dir);
	struct dirent *e;
	size_t pl = strlen(prefix);

	if (d == NULL)
		return;
	while ((e = readdir(d)) != NULL) {
		char path[PATH_MAX];
		long pid;

		if (strncmp(e->d_name, prefix, pl) != 0)
			continue;
		pid = strtol(e->d_name + pl, NULL, 10);
		if (pid <= 0 || (kill((pid_t)pid, 0) != 0 && errno == ESRCH)) {
			if ((size_t)snprintf(path, sizeof(path), "%s/%s", dir, e->d_name) <
			    sizeof(path))
				(void)rmdir(path);
		}
	}
	closedir(d);
}

static int
make_child(const char *mnt, const char *own, char *out, size_t cap)
{
	static unsigned counter;
	char parent[PATH_MAX];
	int n = snprintf(parent, sizeof(parent), "%s%s", mnt, strcmp(own, "/") == 0 ? "" : own);

	if (n < 0 || (size_t)n >= sizeof(parent))
		return -1;
	remove_stale(parent, "vouch-sandbox-");
	n = snprintf(out, cap, "%s/vouch-sandbox-%ld-%u-%ld", parent, (long)getpid(), counter++,
	    (long)time(NULL));
	if (n < 0 || (size_t)n >= cap)
		return -1;
	return mkdir(out, 0755);
}

static int
try_v2(sb_cgroup *cg, const vouch_recipe_limits *l)
{
	char mnt[PATH_MAX], own[PATH_MAX], parent[PATH_MAX], buf[1024], val[64];

	if (find_mount("cgroup2", NULL, mnt, sizeof(mnt)) != 0 ||
	    own_cgroup(NULL, own, sizeof(own)) != 0)
		return -1;
	if ((size_t)snprintf(parent, sizeof(parent), "%s%s", mnt,
	    strcmp(own, "/") == 0 ? "" : own) >= sizeof(parent))
		return -1;
	if ((size_t)snprintf(buf, sizeof(buf), "%s/cgroup.controllers", parent) >= sizeof(buf))
		return -1;
	{
		char path[PATH_MAX];
		memcpy(path, buf, strlen(buf) + 1);
		if (read_small(path, buf, sizeof(buf)) != 0 || !has_word(buf, "memory", " \n") ||
		    !has_word(buf, "pids", " \n"))
			return -1;
	}
	/* Fails (EBUSY) when the caller's cgroup has processes and is not the
	 * root: then v2 cannot be used from here. */
	if (write_str(parent, "cgroup.subtree_control", "+memory +pids") != 0)
		return -1;
	if (make_child(mnt, own, cg->v2, sizeof(cg->v2)) != 0)
		return -1;
	snprintf(val, sizeof(val), "%llu", (unsigned long long)l->memory_bytes);
	if (write_str(cg->v2, "memory.max", val) != 0)
		goto fail;
	(void)write_str(cg->v2, "memory.swap.max", "0");
	snprintf(val, sizeof(val), "%llu", (unsigned long long)l->max_processes);
	if (write_str(cg->v2, "pids.max", val) != 0)
		goto fail;
	cg->dirfd = open(cg->v2, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (cg->dirfd < 0)
		goto fail;
	cg->version = 2;
	return 0;
fail:
	rmdir(cg->v2);
	cg->v2[0] = '\0';
	return -1;
}

static int
try_v1(sb_cgroup *cg, const vouch_recipe_limits *l)
{
	char mnt[PATH_MAX], own[PATH_MAX], val[64];

	if (geteuid() != 0)
		return -1;
	if (find_mount("cgroup", "memory", mnt, sizeof(mnt)) != 0 ||
	    own_cgroup("memory", own, sizeof(own)) != 0 ||
	    make_child(mnt, own, cg->mem, sizeof(cg->mem)) != 0) {
		cg->mem[0] = '\0';
		return -1;
	}
	snprintf(val, sizeof(val), "%llu", (unsigned long long)l->memory_bytes);
	if (write_str(cg->mem, "memory.limit_in_bytes", val) != 0)
		goto fail;
	(void)write_str(cg->mem, "memory.memsw.limit_in_bytes", val);
	if (find_mount("cgroup", "pids", mnt, sizeof(mnt)) == 0 &&
	    own_cgroup("pids", own, sizeof(own)) == 0 &&
	    make_child(mnt, own, cg->pids, sizeof(cg->pids)) == 0) {
		snprintf(val, sizeof(val), "%llu", (unsigned long long)l->max_processes);
		if (write_str(cg->pids, "pids.max", val) != 0 ||
		    (cg->tasks[1] = open_in(cg->pids, "tasks", O_WRONLY | O_CLOEXEC)) < 0) {
			rmdir(cg->pids);
			cg->pids[0] = '\0';
		}
	} else {
		cg->pids[0] = '\0';
	}
	if ((cg->tasks[0] = open_in(cg->mem, "tasks", O_WRONLY | O_CLOEXEC)) < 0)
		goto fail;
	cg->version = 1;
	return 0;
fail:
	if (cg->tasks[1] >= 0)
		close(cg->tasks[1]);
	cg->tasks[1] = -1;
	if (cg->pids[0] != '\0')
		rmdir(cg->pids);
	cg->pids[0] = '\0';
	rmdir(cg->mem);
	cg->mem[0] = '\0';
	return -1;
}

static void
sb_cgroup_setup(sb_cgroup *cg, const vouch_recipe_limits *l)
{
	memset(cg, 0, sizeof(*cg));
	cg->dirfd = cg->tasks[0] = cg->tasks[1] = -1;
	if (getenv("VOUCH_SANDBOX_NO_CGROUP") != NULL)
		return;
	if (try_v2(cg, l) == 0 || try_v1(cg, l) == 0) {
		cg->oom_base = sb_cgroup_oom_count(cg);
		cg->pids_base = sb_cgroup_pids_count(cg);
	}
}

static unsigned long long
sb_cgroup_oom_count(const sb_cgroup *cg)
{
	if (cg->version == 2)
		return read_counter(cg->v2, "memory.events", "oom_kill") +
		    read_counter(cg->v2, "memory.events", "oom");
	if (cg->version == 1)
		return read_counter(cg->mem, "memory.oom_control", "oom_kill");
	return 0;
}

/* Forks refused at pids.max. */
static unsigned long long
sb_cgroup_pids_count(const sb_cgroup *cg)
{
	if (cg->version == 2)
		return read_counter(cg->v2, "pids.events", "max");
	if (cg->version == 1)
		return read_counter(cg->pids, "pids.events", "max");
	return 0;
}

static const char *
sb_cgroup_name(const sb_cgroup *cg)
{
	return cg->version == 2 ? "cgroup2" : cg->version == 1 ? "cgroup1" : "rlimit";
}

static void
remove_dir(char *dir)
{
	if (dir[0] == '\0')
		return;
	/* The last processes may take a moment to leave after SIGKILL. */
	for (int i = 0; i < 200 && rmdir(dir) != 0 && errno == EBUSY; i++) {
		struct timespec ts = { 0, 10 * 1000 * 1000 };
		nanosleep(&ts, NULL);
	}
	dir[0] = '\0';
}

static void
sb_cgroup_cleanup(sb_cgroup *cg)
{
	if (cg->dirfd >= 0)
		close(cg->dirfd);
	cg->dirfd = -1;
	for (int i = 0; i < 2; i++) {
		if (cg->tasks[i] >= 0)
			close(cg->tasks[i]);
		cg->tasks[i] = -1;
	}
	remove_dir(cg->v2);
	remove_dir(cg->mem);
	remove_dir(cg->pids);
	cg->version = 0;
}

/* ---- messages between init and the caller -------------------------------- */

enum {
	MSG_GO = 1,       /* caller -> init: maps written, start */
	MSG_ERROR,        /* init -> caller: setup failed (text, status = code) */
	MSG_PREPARED,     /* init -> caller: prepare done (digest, status = has) */
	MSG_STEP_BEGIN,   /* init -> caller: step starts */
	MSG_STEP_END,     /* init -> caller: step ended (status, limit) */
	MSG_DONE          /* init -> caller: all steps ok; carries the /out fd */
};

struct sb_msg {
	int32_t type;
	int32_t step;
	int32_t status;
	int32_t limit;
	uint8_t digest[32];
	char text[VOUCH_ERR_MSG_MAX];
};

static int
msg_send(int sock, const struct sb_msg *m, int fd)
{
	struct iovec iov = { (void *)m, sizeof(*m) };
	struct msghdr mh;
	union { struct cmsghdr h; char buf[CMSG_SPACE(sizeof(int))]; } u;

	memset(&mh, 0, sizeof(mh));
	mh.msg_iov = &iov;
	mh.msg_iovlen = 1;
	if (fd >= 0) {
		struct cmsghdr *c;

		memset(&u, 0, sizeof(u));
		mh.msg_control = u.buf;
		mh.msg_controllen = sizeof(u.buf);
		c = CMSG_FIRSTHDR(&mh);
		c->cmsg_level = SOL_SOCKET;
		c->cmsg_type = SCM_RIGHTS;
		c->cmsg_len = CMSG_LEN(sizeof(int));
		memcpy(CMSG_DATA(c), &fd, sizeof(int));
	}
	for (;;) {
		ssize_t n = sendmsg(sock, &mh, MSG_NOSIGNAL);
		if (n == (ssize_t)sizeof(*m))
			return 0;
		if (n < 0 && errno == EINTR)
			continue;
		return -1;
	}
}

/* 1 on a message, 0 on EOF, -1 on error.  *fd gets a passed descriptor. */
static int
msg_recv(int sock, struct sb_msg *m, int *fd)
{
	struct iovec iov = { m, sizeof(*m) };
	struct msghdr mh;
	union { struct cmsghdr h; char buf[CMSG_SPACE(sizeof(int))]; } u;
	struct cmsghdr *c;
	ssize_t n;

	memset(&mh, 0, sizeof(mh));
	mh.msg_iov = &iov;
	mh.msg_iovlen = 1;
	mh.msg_control = u.buf;
	mh.msg_controllen = sizeof(u.buf);
	do {
		n = recvmsg(sock, &mh, MSG_CMSG_CLOEXEC);
	} while (n < 0 && errno == EINTR);
	if (n == 0)
		return 0;
	if (n != (ssize_t)sizeof(*m))
		return -1;
	for (c = CMSG_FIRSTHDR(&mh); c != NULL; c = CMSG_NXTHDR(&mh, c)) {
		if (c->cmsg_level == SOL_SOCKET && c->cmsg_type == SCM_RIGHTS &&
		    c->cmsg_len == CMSG_LEN(sizeof(int))) {
			int got;
			memcpy(&got, CMSG_DATA(c), sizeof(int));
			if (fd != NULL && *fd < 0)
				*fd = got;
			else
				close(got);
		}
	}
	m->text[sizeof(m->text) - 1] = '\0';
	return 1;
}

/* ---- state shared by the caller and init (init gets a copy) -------------- */

struct sb {
	const vouch_sandbox_opts *o;
	int sock;            /* our end of the socket pair */
	int log_w;           /* write end of the log pipe (init only) */
	char stage[PATH_MAX];/* mount point of the new root */
	char rootfs[64];     /* init: "/proc/self/fd/N" of the rootfs, or "" */
	int mem_cgroup;      /* a memory cgroup bounds the whole sandbox */
	int pids_cgroup;     /* and a pids cgroup its processes */
	int cg_tasks[2];     /* v1: "tasks" of the memory and pids cgroups, or -1 */
	int host_root;       /* the caller is root */
	char **envp;         /* the steps' environment */
	char *path;          /* PATH for the steps' argv[0] lookup */
};

/* ---- init: setup helpers -------------------------------------------------- */

static int
pjoin(char *out, size_t cap, const char *a, const char *b, vouch_err *err)
{
	int n = snprintf(out, cap, "%s/%s", a, b);

	if (n < 0 || (size_t)n >= cap)
		return vouch_err_set(err, VOUCH_ELIMIT, "sandbox: path too long");
	return VOUCH_OK;
}

static int
sys_fail(vouch_err *err, const char *what, const char *path)
{
	return vouch_err_sys(err, VOUCH_EIO, "sandbox: %s '%s'", what, path);
}

static int
mkdir_in(const char *base, const char *rel, mode_t mode, char *out, size_t cap,
         vouch_err *err)
{
	if ((size_t)snprintf(out, cap, "%s%s", base, rel) >= cap)
		return vouch_err_set(err, VOUCH_ELIMIT, "sandbox: path too long");
	if (mkdir(out, mode) != 0 && errno != EEXIST)
		return sys_fail(err, "cannot create", out);
	return VOUCH_OK;
}

static int
touch_in(const char *path, vouch_err *err)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0644);

	if (fd < 0)
		return sys_fail(err, "cannot create", path);
	close(fd);
	return VOUCH_OK;
}

/* Apply mount attributes to a mount (recursively).  Falls back to a
 * remount when mount_setattr(2) is missing. */
static int
set_attrs(const char *path, int rdonly, int nodev, int recursive, vouch_err *err)
{
#ifdef SYS_mount_setattr
	struct { uint64_t set, clr, prop, userns; } a = { 0, 0, 0, 0 };

	a.set = 0x00000002 /* NOSUID */ | (rdonly ? 0x00000001 : 0) | (nodev ? 0x00000004 : 0);
	if (syscall(SYS_mount_setattr, AT_FDCWD, path, recursive ? 0x8000 /* AT_RECURSIVE */ : 0,
	    &a, sizeof(a)) == 0)
		return VOUCH_OK;
	if (errno != ENOSYS)
		return sys_fail(err, "cannot set mount attributes on", path);
#endif
	{
		struct statvfs sv;
		unsigned long fl = MS_REMOUNT | MS_BIND | MS_NOSUID;

		(void)recursive;
		if (statvfs(path, &sv) == 0) {
			/* keep the locked flags of the original mount */
			if (sv.f_flag & ST_NOEXEC)
				fl |= MS_NOEXEC;
			if (sv.f_flag & ST_NODEV)
				fl |= MS_NODEV;
		}
		fl |= (rdonly ? MS_RDONLY : 0) | (nodev ? MS_NODEV : 0);
		if (mount(NULL, path, NULL, fl, NULL) != 0)
			return sys_fail(err, "cannot remount", path);
	}
	return VOUCH_OK;
}

static int
bind_ro(const char *src, const char *dst, vouch_err *err)
{
	if (mount(src, dst, NULL, MS_BIND | MS_REC, NULL) != 0)
		return sys_fail(err, "cannot bind", src);
	return set_attrs(dst, 1, 1, 1, err);
}

/* Mirror one top-level entry of a root (host "/" or a rootfs directory). */
static int
mirror_entry(const char *root, const char *name, const char *stage, vouch_err *err)
{
	char src[PATH_MAX], dst[PATH_MAX], target[PATH_MAX];
	struct stat st;
	ssize_t n;

	if ((size_t)snprintf(src, sizeof(src), "%s/%s", root, name) >= sizeof(src) ||
	    (size_t)snprintf(dst, sizeof(dst), "%s/%s", stage, name) >= sizeof(dst))
		return vouch_err_set(err, VOUCH_ELIMIT, "sandbox: path too long");
	if (lstat(src, &st) != 0)
		return errno == ENOENT ? VOUCH_OK : sys_fail(err, "cannot stat", src);
	if (S_ISLNK(st.st_mode)) {
		if ((n = readlink(src, target, sizeof(target) - 1)) < 0)
			return sys_fail(err, "cannot read link", src);
		target[n] = '\0';
		if (symlink(target, dst) != 0)
			return sys_fail(err, "cannot create", dst);
		return VOUCH_OK;
	}
	if (S_ISDIR(st.st_mode)) {
		if (mkdir(dst, 0755) != 0)
			return sys_fail(err, "cannot create", dst);
	} else if (S_ISREG(st.st_mode)) {
		if (touch_in(dst, err) != VOUCH_OK)
			return VOUCH_EIO;
	} else {
		return VOUCH_OK;
	}
	return bind_ro(src, dst, err);
}

/* Top-level names never taken from a rootfs: vouch mounts its own. */
static int
skipped_name(const char *n)
{
	static const char *const skip[] = { ".", "..", "dev", "proc", "sys", "tmp", "run",
		"out", "build", "home", "root", "mnt", "media", "lost+found", ".vouch", NULL };

	for (size_t i = 0; skip[i] != NULL; i++)
		if (strcmp(n, skip[i]) == 0)
			return 1;
	return 0;
}

static int
populate_rootfs(const char *rootfs, const char *stage, vouch_err *err)
{
	DIR *d = opendir(rootfs);
	struct dirent *e;
	int rc = VOUCH_OK;

	if (d == NULL)
		return sys_fail(err, "cannot open rootfs", rootfs);
	while (rc == VOUCH_OK && (e = readdir(d)) != NULL) {
		if (!skipped_name(e->d_name))
			rc = mirror_entry(rootfs, e->d_name, stage, err);
	}
	closedir(d);
	return rc;
}

static int
populate_host(const char *stage, vouch_err *err)
{
	static const char *const top[] = { "usr", "bin", "sbin", "lib", "lib32", "lib64",
		"libx32", NULL };
	static const char *const etc[] = { "ld.so.cache", "alternatives", NULL };
	char dir[PATH_MAX];
	int rc;

	for (size_t i = 0; top[i] != NULL; i++)
		if ((rc = mirror_entry("", top[i], stage, err)) != VOUCH_OK)
			return rc;
	if ((rc = mkdir_in(stage, "/etc", 0755, dir, sizeof(dir), err)) != VOUCH_OK)
		return rc;
	for (size_t i = 0; etc[i] != NULL; i++)
		if ((rc = mirror_entry("/etc", etc[i], dir, err)) != VOUCH_OK)
			return rc;
	return VOUCH_OK;
}

static int
write_file(const char *path, const char *data, vouch_err *err)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, 0644);
	size_t n = strlen(data);

	if (fd < 0)
		return sys_fail(err, "cannot create", path);
	if (write(fd, data, n) != (ssize_t)n) {
		close(fd);
		return sys_fail(err, "cannot write", path);
	}
	close(fd);
	return VOUCH_OK;
}

/* passwd, group and hosts (vouch_vary_etc(): the build user and the host
 * name, varied or not): written into /etc (host mode), or bound over the
 * rootfs's files, which must exist to be covered. */
static int
write_etc(const char *stage, int host, const vouch_vary *vary, vouch_err *err)
{
	static const char *const names[] = { "passwd", "group", "hosts" };
	char tmp[PATH_MAX], src[PATH_MAX], dst[PATH_MAX], data[3][512];
	int rc;

	for (size_t i = 0; i < 3; i++)
		if (vouch_vary_etc(vary, names[i], data[i], sizeof(data[i])) != 0)
			return vouch_err_set(err, VOUCH_ELIMIT, "sandbox: /etc/%s too long", names[i]);

	if ((rc = mkdir_in(stage, "/.vouch", 0755, tmp, sizeof(tmp), err)) != VOUCH_OK)
		return rc;
	for (size_t i = 0; i < 3; i++) {
		if ((rc = pjoin(src, sizeof(src), tmp, names[i], err)) != VOUCH_OK ||
		    (rc = pjoin(dst, sizeof(dst), stage, "etc", err)) != VOUCH_OK ||
		    (rc = pjoin(dst + strlen(dst), sizeof(dst) - strlen(dst), "", names[i],
		        err)) != VOUCH_OK)
			return rc;
		if (host) {
			if ((rc = write_file(dst, data[i], err)) != VOUCH_OK)
				return rc;
			continue;
		}
		if (access(dst, F_OK) != 0)
			continue;
		if ((rc = write_file(src, data[i], err)) != VOUCH_OK)
			return rc;
		if ((rc = bind_ro(src, dst, err)) != VOUCH_OK)
			return rc;
		unlink(src);
	}
	if (rmdir(tmp) != 0)
		return sys_fail(err, "cannot remove", tmp);
	return VOUCH_OK;
}

/* A file of the caller's (a preload library: the fixed clock), bound
 * read-only at o->preload, a path directly below /.vouch.  A descriptor
 * opened in the caller's mount namespace cannot be a bind source here, so
 * the path is opened again, in this namespace's copy of the caller's view,
 * and must be the file the caller opened (and hashed). */
static int
bind_preload(const struct sb *sb, vouch_err *err)
{
	char dir[PATH_MAX], dst[PATH_MAX], src[64];
	struct stat a, b;
	int rc, fd;

	if ((rc = mkdir_in(sb->stage, "/.vouch", 0755, dir, sizeof(dir), err)) != VOUCH_OK)
		return rc;
	if ((fd = open(sb->o->preload_src, O_PATH | O_CLOEXEC)) < 0)
		return sys_fail(err, "cannot open", sb->o->preload_src);
	if (fstat(fd, &a) != 0 || fstat(sb->o->preload_fd, &b) != 0 || !S_ISREG(a.st_mode) ||
	    a.st_dev != b.st_dev || a.st_ino != b.st_ino) {
		close(fd);
		return vouch_err_set(err, VOUCH_EINPUT, "sandbox: '%s' was replaced while it was "
		    "read", sb->o->preload_src);
	}
	if ((size_t)snprintf(dst, sizeof(dst), "%s%s", sb->stage, sb->o->preload) >=
	    sizeof(dst) ||
	    (size_t)snprintf(src, sizeof(src), "/proc/self/fd/%d", fd) >= sizeof(src))
		rc = vouch_err_set(err, VOUCH_ELIMIT, "sandbox: path too long");
	else if ((rc = touch_in(dst, err)) == VOUCH_OK &&
	         mount(src, dst, NULL, MS_BIND, NULL) != 0)
		rc = sys_fail(err, "cannot bind", sb->o->preload_src);
	close(fd);
	return rc != VOUCH_OK ? rc : set_attrs(dst, 1, 1, 0, err);
}

static int
mount_tmpfs(const char *path, const char *opts, unsigned long flags, vouch_err *err)
{
	if (mount("tmpfs", path, "tmpfs", MS_NOSUID | MS_NODEV | flags, opts) != 0)
		return sys_fail(err, "cannot mount tmpfs on", path);
	return VOUCH_OK;
}

static int
setup_dev(const char *stage, vouch_err *err)
{
	static const char *const devs[] = { "null", "zero", "full", "random", "urandom",
		"tty", NULL };
	/* shm: POSIX shared memory and semaphores (sem_open, Python's
	 * multiprocessing) live in /dev/shm; there they land in /tmp, one of
	 * the three places a build may write */
	static const char *const links[][2] = { { "fd", "/proc/self/fd" },
		{ "stdin", "/proc/self/fd/0" }, { "stdout", "/proc/self/fd/1" },
		{ "stderr", "/proc/self/fd/2" }, { "shm", "/tmp" }, { NULL, NULL } };
	char dev[PATH_MAX], p[PATH_MAX], src[64];
	int rc;

	if ((rc = mkdir_in(stage, "/dev", 0755, dev, sizeof(dev), err)) != VOUCH_OK)
		return rc;
	if (mount("tmpfs", dev, "tmpfs", MS_NOSUID | MS_NOEXEC, "mode=0755,size=64k") != 0)
		return sys_fail(err, "cannot mount tmpfs on", dev);
	for (size_t i = 0; devs[i] != NULL; i++) {
		if ((rc = pjoin(p, sizeof(p), dev, devs[i], err)) != VOUCH_OK ||
		    (rc = pjoin(src, sizeof(src), "/dev", devs[i], err)) != VOUCH_OK ||
		    (rc = touch_in(p, err)) != VOUCH_OK)
			return rc;
		if (mount(src, p, NULL, MS_BIND, NULL) != 0)
			return sys_fail(err, "cannot bind", src);
		if ((rc = set_attrs(p, 0, 0, 0, err)) != VOUCH_OK)
			return rc;
	}
	for (size_t i = 0; links[i][0] != NULL; i++) {
		if ((rc = pjoin(p, sizeof(p), dev, links[i][0], err)) != VOUCH_OK)
			return rc;
		if (symlink(links[i][1], p) != 0)
			return sys_fail(err, "cannot create", p);
	}
	return set_attrs(dev, 1, 0, 0, err);
}

static int
setup_scratch(const struct sb *sb, vouch_err *err)
{
	const vouch_recipe_limits *l = &sb->o->limits;
	char p[PATH_MAX], opts[128];
	int rc;

	if ((rc = mkdir_in(sb->stage, "/proc", 0555, p, sizeof(p), err)) != VOUCH_OK)
		return rc;
	if (mount("proc", p, "proc", MS_NOSUID | MS_NODEV | MS_NOEXEC, NULL) != 0)
		return sys_fail(err, "cannot mount proc on", p);
	if ((rc = mkdir_in(sb->stage, "/tmp", 01777, p, sizeof(p), err)) != VOUCH_OK)
		return rc;
	snprintf(opts, sizeof(opts), "mode=1777,size=%llu", (unsigned long long)l->disk_bytes);
	if ((rc = mount_tmpfs(p, opts, 0, err)) != VOUCH_OK)
		return rc;
	if ((rc = mkdir_in(sb->stage, "/build", 0755, p, sizeof(p), err)) != VOUCH_OK)
		return rc;
	snprintf(opts, sizeof(opts), "mode=0755,size=%llu", (unsigned long long)l->disk_bytes);
	if ((rc = mount_tmpfs(p, opts, 0, err)) != VOUCH_OK)
		return rc;
	if ((rc = mkdir_in(sb->stage, "/out", 0755, p, sizeof(p), err)) != VOUCH_OK)
		return rc;
	snprintf(opts, sizeof(opts), "mode=0755,size=%llu,nr_inodes=%u",
	    (unsigned long long)l->output_bytes, VOUCH_SANDBOX_OUT_INODES);
	return mount_tmpfs(p, opts, 0, err);
}

/* Become the build user, keeping the capabilities of the new namespace
 * until the setup is done. */
static int
become_builder(const struct sb *sb, vouch_err *err)
{
	struct __user_cap_header_struct h = { _LINUX_CAPABILITY_VERSION_3, 0 };
	struct __user_cap_data_struct d[2];
	uid_t uid = vouch_vary_uid(sb->o->vary);

	if (prctl(PR_SET_KEEPCAPS, 1, 0, 0, 0) != 0)
		return vouch_err_sys(err, VOUCH_EIO, "sandbox: PR_SET_KEEPCAPS");
	if (sb->host_root && setgroups(0, NULL) != 0)
		return vouch_err_sys(err, VOUCH_EIO, "sandbox: cannot clear groups");
	if (setresgid(uid, uid, uid) != 0 || setresuid(uid, uid, uid) != 0)
		return vouch_err_sys(err, VOUCH_EIO, "sandbox: cannot become the build user");
	if (syscall(SYS_capget, &h, d) != 0)
		return vouch_err_sys(err, VOUCH_EIO, "sandbox: capget");
	d[0].effective = d[0].permitted;
	d[1].effective = d[1].permitted;
	if (syscall(SYS_capset, &h, d) != 0)
		return vouch_err_sys(err, VOUCH_EIO, "sandbox: capset");
	return VOUCH_OK;
}

/* Drop every capability for good, and forbid gaining new ones. */
static int
drop_caps(vouch_err *err)
{
	struct __user_cap_header_struct h = { _LINUX_CAPABILITY_VERSION_3, 0 };
	struct __user_cap_data_struct d[2];

	for (int c = 0; c < 64; c++)
		if (prctl(PR_CAPBSET_DROP, c, 0, 0, 0) != 0 && errno != EINVAL)
			return vouch_err_sys(err, VOUCH_EIO, "sandbox: PR_CAPBSET_DROP");
	(void)prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0);
	memset(d, 0, sizeof(d));
	if (syscall(SYS_capset, &h, d) != 0)
		return vouch_err_sys(err, VOUCH_EIO, "sandbox: capset");
	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0)
		return vouch_err_sys(err, VOUCH_EIO, "sandbox: PR_SET_NO_NEW_PRIVS");
	if (prctl(PR_SET_DUMPABLE, 0, 0, 0, 0) != 0)
		return vouch_err_sys(err, VOUCH_EIO, "sandbox: PR_SET_DUMPABLE");
	return VOUCH_OK;
}

/* A seccomp filter for the steps: system calls a build never needs and
 * that widen the kernel surface it can reach fail with EPERM (module and
 * kexec loading, mounts, bpf, perf, userfaultfd, io_uring, keyrings,
 * clock and swap changes, reboot).  Only for the architectures listed;
 * elsewhere the namespaces and dropped capabilities stand alone. */
#if defined(__x86_64__)
#define SB_AUDIT_ARCH AUDIT_ARCH_X86_64
#elif defined(__aarch64__)
#define SB_AUDIT_ARCH AUDIT_ARCH_AARCH64
#endif

#ifdef SB_AUDIT_ARCH
static const long sb_denied[] = {
	SYS_init_module, SYS_finit_module, SYS_delete_module, SYS_kexec_load,
#ifdef SYS_kexec_file_load
	SYS_kexec_file_load,
#endif
	SYS_mount, SYS_umount2, SYS_pivot_root, SYS_swapon, SYS_swapoff, SYS_reboot,
	SYS_bpf, SYS_perf_event_open, SYS_userfaultfd, SYS_keyctl, SYS_add_key,
	SYS_request_key, SYS_acct, SYS_settimeofday, SYS_clock_settime, SYS_clock_adjtime,
	SYS_adjtimex, SYS_syslog, SYS_quotactl, SYS_open_by_handle_at, SYS_setns,
	SYS_unshare, SYS_lookup_dcookie, SYS_vhangup,
#ifdef SYS_io_uring_setup
	SYS_io_uring_setup, SYS_io_uring_enter, SYS_io_uring_register,
#endif
#ifdef SYS_fsopen
	SYS_fsopen, SYS_fsconfig, SYS_fsmount, SYS_fspick, SYS_move_mount, SYS_open_tree,
	SYS_mount_setattr,
#endif
#ifdef SYS_iopl
	SYS_iopl, SYS_ioperm,
#endif
};
#define SB_NDENIED (sizeof(sb_denied) / sizeof(sb_denied[0]))

static int
install_seccomp(vouch_err *err)
{
	struct sock_filter f[4 + SB_NDENIED * 2 + 1];
	struct sock_fprog prog;
	size_t n = 0;

	/* wrong architecture (a 32-bit ABI): kill */
	f[n++] = (struct sock_filter)BPF_STMT(BPF_LD | BPF_W | BPF_ABS,
	    offsetof(struct seccomp_data, arch));
	f[n++] = (struct sock_filter)BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, SB_AUDIT_ARCH, 1, 0);
	f[n++] = (struct sock_filter)BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_KILL_PROCESS);
	f[n++] = (struct sock_filter)BPF_STMT(BPF_LD | BPF_W | BPF_ABS,
	    offsetof(struct seccomp_data, nr));
	for (size_t i = 0; i < SB_NDENIED; i++) {
		f[n++] = (struct sock_filter)BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K,
		    (uint32_t)sb_denied[i], 0, 1);
		f[n++] = (struct sock_filter)BPF_STMT(BPF_RET | BPF_K,
		    SECCOMP_RET_ERRNO | (EPERM & SECCOMP_RET_DATA));
	}
	f[n++] = (struct sock_filter)BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW);
	prog.len = (unsigned short)n;
	prog.filter = f;
	if (prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, &prog, 0, 0) != 0)
		return vouch_err_sys(err, VOUCH_EIO, "sandbox: cannot install the seccomp filter");
	return VOUCH_OK;
}
#else
static int
install_seccomp(vouch_err *err)
{
	(void)err;
	return VOUCH_OK;
}
#endif

static int
loopback_up(vouch_err *err)
{
	struct ifreq ifr;
	int s = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);

	if (s < 0)
		return vouch_err_sys(err, VOUCH_EIO, "sandbox: socket");
	memset(&ifr, 0, sizeof(ifr));
	memcpy(ifr.ifr_name, "lo", 3);
	if (ioctl(s, SIOCGIFFLAGS, &ifr) != 0 ||
	    (ifr.ifr_flags |= IFF_UP, ioctl(s, SIOCSIFFLAGS, &ifr) != 0)) {
		close(s);
		return vouch_err_sys(err, VOUCH_EIO, "sandbox: cannot bring up 'lo'");
	}
	close(s);
	return VOUCH_OK;
}

/* mkdir -p of the parents of workdir (below /build, a tmpfs). */
static int
make_parents(const char *workdir, vouch_err *err)
{
	char p[PATH_MAX];
	size_t n = strlen(workdir);

	if (n >= sizeof(p))
		return vouch_err_set(err, VOUCH_ELIMIT, "sandbox: workdir too long");
	memcpy(p, workdir, n + 1);
	for (size_t i = 7; i < n; i++) {
		if (p[i] != '/')
			continue;
		p[i] = '\0';
		if (mkdir(p, 0755) != 0 && errno != EEXIST)
			return sys_fail(err, "cannot create", p);
		p[i] = '/';
	}
	return VOUCH_OK;
}

static int
enter_root(const struct sb *sb, vouch_err *err)
{
	if (chdir(sb->stage) != 0)
		return sys_fail(err, "cannot enter", sb->stage);
	if (syscall(SYS_pivot_root, ".", ".") != 0)
		return vouch_err_sys(err, VOUCH_EIO, "sandbox: pivot_root");
	if (umount2(".", MNT_DETACH) != 0)
		return vouch_err_sys(err, VOUCH_EIO, "sandbox: cannot detach the old root");
	if (chdir("/") != 0)
		return vouch_err_sys(err, VOUCH_EIO, "sandbox: chdir /");
	return set_attrs("/", 1, 1, 0, err);
}

/* Close every descriptor but 0-2 and those in keep[] (sorted ascending). */
static void
close_others(const int *keep, size_t n)
{
	unsigned lo = 3;

	for (size_t i = 0; i < n; i++) {
		if (keep[i] < (int)lo)
			continue;
		if ((unsigned)keep[i] > lo)
			syscall(SYS_close_range, lo, (unsigned)keep[i] - 1, 0);
		lo = (unsigned)keep[i] + 1;
	}
	syscall(SYS_close_range, lo, ~0U, 0);
}

/* Replace a path by "/proc/self/fd/N" of an O_PATH descriptor. */
static int
open_path(const char *path, char *out, size_t cap, vouch_err *err)
{
	int fd = open(path, O_PATH | O_DIRECTORY | O_CLOEXEC);

	if (fd < 0)
		return sys_fail(err, "cannot open", path);
	if ((size_t)snprintf(out, cap, "/proc/self/fd/%d", fd) >= cap)
		return vouch_err_set(err, VOUCH_ELIMIT, "sandbox: path too long");
	return VOUCH_OK;
}

static int
child_setup(struct sb *sb, vouch_err *err)
{
	const vouch_sandbox_opts *o = sb->o;
	const char *host = vouch_vary_hostname(o->vary), *dom = vouch_vary_domainname(o->vary);
	char owner[64];
	int rc, nul;

	if ((nul = open("/dev/null", O_RDWR | O_CLOEXEC)) < 0)
		return vouch_err_sys(err, VOUCH_EIO, "sandbox: /dev/null");
	dup2(nul, 0);
	dup2(nul, 1);
	dup2(nul, 2);
	close(nul);
	if (mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) != 0)
		return vouch_err_sys(err, VOUCH_EIO, "sandbox: cannot make mounts private");
	/* The new root is a tmpfs mounted over TMPDIR (or /tmp) in this
	 * private mount namespace: nothing is created on the host's disk, so
	 * nothing is left behind whatever happens to the caller.  The rootfs
	 * (which may live below TMPDIR) is opened first, and both are reached
	 * through descriptors while this process still has the caller's
	 * credentials, so the directories on the way (a 0700 TMPDIR) need not
	 * be open to the build user. */
	if ((o->rootfs != NULL &&
	     (rc = open_path(o->rootfs, sb->rootfs, sizeof(sb->rootfs), err)) != VOUCH_OK) ||
	    (snprintf(owner, sizeof(owner), "mode=0755,size=1m,uid=%u,gid=%u",
	        vouch_vary_uid(o->vary), vouch_vary_uid(o->vary)),
	     (rc = mount_tmpfs(sb->stage, owner, 0, err)) != VOUCH_OK) ||
	    (rc = open_path(sb->stage, sb->stage, sizeof(sb->stage), err)) != VOUCH_OK)
		return rc;
	if ((rc = become_builder(sb, err)) != VOUCH_OK)
		return rc;
	if (prctl(PR_SET_DUMPABLE, 0, 0, 0, 0) != 0)
		return vouch_err_sys(err, VOUCH_EIO, "sandbox: PR_SET_DUMPABLE");
	/* A change of uid clears the parent-death signal: set it again, then
	 * make sure the caller did not die in between. */
	if (prctl(PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0) != 0)
		return vouch_err_sys(err, VOUCH_EIO, "sandbox: PR_SET_PDEATHSIG");
	{
		struct pollfd p = { sb->sock, POLLIN, 0 };
		if (poll(&p, 1, 0) > 0 && (p.revents & (POLLHUP | POLLERR)))
			_exit(1);
	}
	/* A session keyring of our own: the caller's keys stay out of reach
	 * (KEYCTL_JOIN_SESSION_KEYRING with no name; may be filtered out). */
	(void)syscall(SYS_keyctl, 1, NULL);
	rc = o->rootfs != NULL ? populate_rootfs(sb->rootfs, sb->stage, err)
	                       : populate_host(sb->stage, err);
	if (rc != VOUCH_OK ||
	    (rc = write_etc(sb->stage, o->rootfs == NULL, o->vary, err)) != VOUCH_OK ||
	    (rc = vouch_vary_bind(o->vary, sb->stage, err)) != VOUCH_OK ||
	    (o->preload != NULL && (rc = bind_preload(sb, err)) != VOUCH_OK) ||
	    (rc = setup_dev(sb->stage, err)) != VOUCH_OK ||
	    (rc = setup_scratch(sb, err)) != VOUCH_OK ||
	    (rc = enter_root(sb, err)) != VOUCH_OK)
		return rc;
	if (sethostname(host, strlen(host)) != 0 || setdomainname(dom, strlen(dom)) != 0)
		return vouch_err_sys(err, VOUCH_EIO, "sandbox: sethostname");
	if ((rc = loopback_up(err)) != VOUCH_OK)
		return rc;
	/* No user namespaces below this one: a build cannot get capabilities
	 * in a namespace of its own (and so cannot mount anything). */
	(void)write_file("/proc/sys/user/max_user_namespaces", "0\n", NULL);
	return make_parents(o->workdir, err);
}

struct prep_result {
	int32_t rc;
	int32_t has;
	uint8_t digest[32];
	char msg[VOUCH_ERR_MSG_MAX];
};

/* Run prepare in a child without capabilities; init keeps its own until
 * the working directory is fixed in place. */
static int
run_prepare(const struct sb *sb, uint8_t digest[32], int *has, vouch_err *err)
{
	const vouch_sandbox_opts *o = sb->o;
	struct prep_result pr;
	int p[2];
	pid_t pid;
	ssize_t n;

	if (o->prepare == NULL) {
		if (mkdir(o->workdir, 0755) != 0)
			return sys_fail(err, "cannot create", o->workdir);
		return VOUCH_OK;
	}
	if (pipe2(p, O_CLOEXEC) != 0 || (pid = fork()) < 0)
		return vouch_err_sys(err, VOUCH_EIO, "sandbox: cannot start prepare");
	if (pid == 0) {
		vouch_err e;

		/* the unpacker reads hostile input: it gets no way to talk as init */
		close(p[0]);
		close(sb->sock);
		close(sb->log_w);
		memset(&pr, 0, sizeof(pr));
		vouch_err_clear(&e);
		pr.rc = drop_caps(&e);
		if (pr.rc == VOUCH_OK)
			pr.rc = install_seccomp(&e);
		if (pr.rc == VOUCH_OK) {
			int h = 0;
			pr.rc = o->prepare(o->prepare_arg, o->workdir, pr.digest, &h, &e);
			pr.has = h;
		}
		snprintf(pr.msg, sizeof(pr.msg), "%s", vouch_err_msg(&e));
		(void)!write(p[1], &pr, sizeof(pr));
		_exit(0);
	}
	close(p[1]);
	do {
		n = read(p[0], &pr, sizeof(pr));
	} while (n < 0 && errno == EINTR);
	close(p[0]);
	while (waitpid(pid, NULL, 0) < 0 && errno == EINTR)
		;
	if (n != (ssize_t)sizeof(pr))
		return vouch_err_set(err, VOUCH_EIO, "sandbox: prepare died");
	if (pr.rc != VOUCH_OK) {
		pr.msg[sizeof(pr.msg) - 1] = '\0';
		return vouch_err_set(err, pr.rc, "%s", pr.msg);
	}
	memcpy(digest, pr.digest, 32);
	*has = pr.has;
	return VOUCH_OK;
}

static int
check_digest(const vouch_sandbox_opts *o, const uint8_t got[32], int has, vouch_err *err)
{
	char g[65], w[65];

	if (!o->expect_digest)
		return VOUCH_OK;
	if (!has)
		return vouch_err_set(err, VOUCH_EINTERNAL, "sandbox: prepare gave no digest");
	if (CRYPTO_memcmp(got, o->expected, 32) == 0)
		return VOUCH_OK;
	vouch_hex_encode(got, 32, g);
	vouch_hex_encode(o->expected, 32, w);
	return vouch_err_set(err, VOUCH_EINPUT, "source tree has " VOUCH_TREE_DIGEST_KEY " %s, "
	    "the recipe pins %s", g, w);
}

/* Only the working directory stays writable below /build. */
static int
lock_build(const char *workdir, vouch_err *err)
{
	int rc;

	if (mount(workdir, workdir, NULL, MS_BIND, NULL) != 0)
		return sys_fail(err, "cannot bind", workdir);
	if ((rc = set_attrs(workdir, 0, 1, 0, err)) != VOUCH_OK)
		return rc;
	return set_attrs("/build", 1, 1, 0, err);
}

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
static int
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

static _Noreturn void
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
		    (rc = install_seccomp(&err)) != VOUCH_OK ||
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
