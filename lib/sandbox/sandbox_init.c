/* sandbox_init.c - init, the in-namespace child of the sandbox: building
 * the root, the build user, capabilities, seccomp, prepare (see sandbox.c). */
#include "config.h"

#include <dirent.h>
#include <errno.h>
#include <grp.h>
#include <poll.h>
#include <string.h>
#include <net/if.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <linux/capability.h>
#include <linux/filter.h>
#include <linux/seccomp.h>

#include <openssl/crypto.h>

#include "vouch/buf.h"
#include "vouch/codec.h"
#include "vouch/digest.h"
#include "vouch/file.h"
#include "vouch/vary.h"

#include "sandbox_int.h"

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

/* The largest /etc/passwd or group of an environment taken in. */
#define ETC_MAX (64 * 1024)

/* passwd, group and hosts as the build sees them: written into /etc (host
 * mode: vouch_vary_etc(), the build user, root and nobody), or bound over
 * the rootfs's files, which must exist to be covered; a rootfs's passwd
 * and group keep its own users and groups (vouch_vary_etc_merge()), so
 * a build that installs files to group staff finds it. */
static int
write_etc(const char *stage, int host, const vouch_vary *vary, vouch_err *err)
{
	static const char *const names[] = { "passwd", "group", "hosts" };
	char tmp[PATH_MAX], src[PATH_MAX], dst[PATH_MAX];
	char *data = malloc(ETC_MAX + 512);
	vouch_buf base;
	int rc = VOUCH_OK;

	vouch_buf_init(&base, 0);
	if (data == NULL)
		return vouch_err_set(err, VOUCH_ENOMEM, "out of memory");
	if ((rc = mkdir_in(stage, "/.vouch", 0755, tmp, sizeof(tmp), err)) != VOUCH_OK)
		goto out;
	for (size_t i = 0; i < 3 && rc == VOUCH_OK; i++) {
		if ((rc = pjoin(src, sizeof(src), tmp, names[i], err)) != VOUCH_OK ||
		    (rc = pjoin(dst, sizeof(dst), stage, "etc", err)) != VOUCH_OK ||
		    (rc = pjoin(dst + strlen(dst), sizeof(dst) - strlen(dst), "", names[i],
		        err)) != VOUCH_OK)
			break;
		if (!host && access(dst, F_OK) != 0)
			continue;
		base.len = 0;
		if (!host && (rc = vouch_read_file(dst, ETC_MAX, &base, err)) != VOUCH_OK)
			break;
		if ((host ? vouch_vary_etc(vary, names[i], data, ETC_MAX + 512)
		    : vouch_vary_etc_merge(vary, names[i], (const char *)base.data, base.len, data,
		        ETC_MAX + 512)) != 0) {
			rc = vouch_err_set(err, VOUCH_ELIMIT, "sandbox: /etc/%s too long", names[i]);
			break;
		}
		if (host) {
			rc = write_file(dst, data, err);
			continue;
		}
		if ((rc = write_file(src, data, err)) != VOUCH_OK ||
		    (rc = bind_ro(src, dst, err)) != VOUCH_OK)
			break;
		unlink(src);
	}
	if (rc == VOUCH_OK && rmdir(tmp) != 0)
		rc = sys_fail(err, "cannot remove", tmp);
out:
	free(data);
	vouch_buf_free(&base);
	return rc;
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
int
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

#ifndef SYS_chown
#define SYS_chown SYS_fchown
#endif
#ifndef SYS_lchown
#define SYS_lchown SYS_fchown
#endif
#if __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
#define SB_ARG_LO(i) (offsetof(struct seccomp_data, args) + 8 * (i))
#else
#define SB_ARG_LO(i) (offsetof(struct seccomp_data, args) + 8 * (i) + 4)
#endif

/* An owner change to ids other than the build user's own (or -1, "keep")
 * fails with EPERM, as it does for an unprivileged user outside a user
 * namespace; inside one, an id without a mapping gives EINVAL instead,
 * which fakeroot passes on where it swallows EPERM (base-files' chown
 * root:staff failed so).  Eight instructions: arguments a and a + 1. */
static size_t
owner_rule(struct sock_filter *f, size_t n, uint32_t a, uint32_t id)
{
	for (uint32_t k = 0; k < 2; k++) {
		f[n++] = (struct sock_filter)BPF_STMT(BPF_LD | BPF_W | BPF_ABS, SB_ARG_LO(a + k));
		f[n++] = (struct sock_filter)BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, id, 1, 0);
		f[n++] = (struct sock_filter)BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, 0xffffffffu, 0,
		    k == 0 ? 4 : 1);
	}
	f[n++] = (struct sock_filter)BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW);
	f[n++] = (struct sock_filter)BPF_STMT(BPF_RET | BPF_K,
	    SECCOMP_RET_ERRNO | (EPERM & SECCOMP_RET_DATA));
	return n;
}

int
install_seccomp(unsigned uid, vouch_err *err)
{
	struct sock_filter f[4 + 5 + 16 + 1 + SB_NDENIED * 2 + 1];
	struct sock_fprog prog;
	size_t n = 0;

	/* wrong architecture (a 32-bit ABI): kill */
	f[n++] = (struct sock_filter)BPF_STMT(BPF_LD | BPF_W | BPF_ABS,
	    offsetof(struct seccomp_data, arch));
	f[n++] = (struct sock_filter)BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, SB_AUDIT_ARCH, 1, 0);
	f[n++] = (struct sock_filter)BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_KILL_PROCESS);
	f[n++] = (struct sock_filter)BPF_STMT(BPF_LD | BPF_W | BPF_ABS,
	    offsetof(struct seccomp_data, nr));
	/* chown, lchown, fchown (owner in arguments 1, 2) and fchownat (2, 3) */
	f[n++] = (struct sock_filter)BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, SYS_chown, 4, 0);
	f[n++] = (struct sock_filter)BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, SYS_lchown, 3, 0);
	f[n++] = (struct sock_filter)BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, SYS_fchown, 2, 0);
	f[n++] = (struct sock_filter)BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, SYS_fchownat, 9, 0);
	f[n++] = (struct sock_filter)BPF_JUMP(BPF_JMP | BPF_JA, 16, 0, 0);
	n = owner_rule(f, n, 1, uid);
	n = owner_rule(f, n, 2, uid);
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
int
install_seccomp(unsigned uid, vouch_err *err)
{
	(void)uid;
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
void
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

int
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
int
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
			pr.rc = install_seccomp(vouch_vary_uid(sb->o->vary), &e);
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

int
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
int
lock_build(const char *workdir, vouch_err *err)
{
	int rc;

	if (mount(workdir, workdir, NULL, MS_BIND, NULL) != 0)
		return sys_fail(err, "cannot bind", workdir);
	if ((rc = set_attrs(workdir, 0, 1, 0, err)) != VOUCH_OK)
		return rc;
	return set_attrs("/build", 1, 1, 0, err);
}
