/* sandbox_cgroup.c - the sandbox's cgroups (v2, or v1 memory and pids):
 * set-up, the limits' counters and clean-up (see sandbox.c). */
#include "config.h"

#include <dirent.h>
#include <errno.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/wait.h>

#include <openssl/crypto.h>

#include "sandbox_int.h"

/* With a pids cgroup, pids.max is the limit (its "max" event says it was
 * reached) and RLIMIT_NPROC only a backstop above it. */
uint64_t
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

void
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

unsigned long long
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
unsigned long long
sb_cgroup_pids_count(const sb_cgroup *cg)
{
	if (cg->version == 2)
		return read_counter(cg->v2, "pids.events", "max");
	if (cg->version == 1)
		return read_counter(cg->pids, "pids.events", "max");
	return 0;
}

const char *
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

void
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
