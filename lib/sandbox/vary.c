/* vary.c - build-environment variations inside the sandbox (vouch/vary.h).
 *
 * Everything here either computes a setting (in the caller) or applies it
 * in the sandbox's init or its prepare child; nothing changes the host. */
#include "config.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <sys/personality.h>
#include <sys/stat.h>

#include "vouch/clock.h"
#include "vouch/sandbox.h"
#include "vouch/vary.h"

#ifndef UNAME26
#define UNAME26 0x0020000
#endif

#define VARY_MAX_DEPTH 64
#define VARY_MAX_ENTRIES 1000000 /* per directory */

static const struct {
	unsigned bit;
	const char *name, *phrase;
} vary_names[VOUCH_VARY_COUNT] = {
	{ VOUCH_VARY_TIME, "time", "the clock" },
	{ VOUCH_VARY_TIMEZONE, "timezone", "the time zone" },
	{ VOUCH_VARY_LOCALES, "locales", "the locale" },
	{ VOUCH_VARY_UMASK, "umask", "the umask" },
	{ VOUCH_VARY_DOMAIN_HOST, "domain_host", "the host and domain name" },
	{ VOUCH_VARY_BUILD_PATH, "build_path", "the build path" },
	{ VOUCH_VARY_USER_GROUP, "user_group", "the user and group" },
	{ VOUCH_VARY_NUM_CPUS, "num_cpus", "the number of CPUs" },
	{ VOUCH_VARY_ENVIRONMENT, "environment", "the environment variables" },
	{ VOUCH_VARY_FILEORDERING, "fileordering", "the directory order" },
	{ VOUCH_VARY_HOME, "home", "the home directory" },
	{ VOUCH_VARY_KERNEL, "kernel", "the kernel version" },
};

static const char *const vary_locales[] = { "fr_CH.UTF-8", "fr_FR.UTF-8", "de_DE.UTF-8",
	"en_US.UTF-8", NULL };

#define VARY_TZ "<+14>-14"
#define VARY_HOST "vouch-varied-host"
#define VARY_DOMAIN "varied.invalid"
#define VARY_USER "vouchvary"
#define VARY_HOME "/nonexistent/vouch-varied-home"
#define VARY_PATH "/build/varied-build-path"
#define VARY_UMASK 002

const char *
vouch_vary_name(unsigned bit)
{
	for (size_t i = 0; i < VOUCH_VARY_COUNT; i++)
		if (vary_names[i].bit == bit)
			return vary_names[i].name;
	return NULL;
}

const char *
vouch_vary_phrase(unsigned bit)
{
	for (size_t i = 0; i < VOUCH_VARY_COUNT; i++)
		if (vary_names[i].bit == bit)
			return vary_names[i].phrase;
	return NULL;
}

static unsigned
bit_of(const char *s, size_t n)
{
	for (size_t i = 0; i < VOUCH_VARY_COUNT; i++)
		if (strlen(vary_names[i].name) == n && strncmp(vary_names[i].name, s, n) == 0)
			return vary_names[i].bit;
	return 0;
}

int
vouch_vary_parse(const char *list, unsigned *set, vouch_err *err)
{
	unsigned s = 0;
	const char *p = list;

	if (list == NULL)
		return vouch_err_set(err, VOUCH_EUSAGE, "no variations given");
	while (*p != '\0') {
		size_t n = strcspn(p, ",");
		int minus = *p == '-';
		unsigned b;

		if (n - (size_t)minus == 3 && strncmp(p + minus, "all", 3) == 0)
			b = VOUCH_VARY_ALL;
		else if ((b = bit_of(p + minus, n - (size_t)minus)) == 0)
			return vouch_err_set(err, VOUCH_EUSAGE, "unknown variation '%.*s'",
			    (int)(n > 64 ? 64 : n), p);
		s = minus ? s & ~b : s | b;
		p += n;
		if (*p == ',')
			p++;
	}
	if (s == 0)
		return vouch_err_set(err, VOUCH_EUSAGE, "no variations in '%.64s'", list);
	*set = s;
	return VOUCH_OK;
}

const char *
vouch_vary_list(unsigned set, char *out, size_t cap)
{
	size_t len = 0;

	if (cap == 0)
		return out;
	out[0] = '\0';
	for (size_t i = 0; i < VOUCH_VARY_COUNT; i++) {
		int n;

		if (!(set & vary_names[i].bit))
			continue;
		n = snprintf(out + len, cap - len, "%s%s", len ? "," : "", vary_names[i].name);
		if (n < 0 || (size_t)n >= cap - len)
			break;
		len += (size_t)n;
	}
	if (len == 0)
		snprintf(out, cap, "none");
	return out;
}

/* ---- settings ------------------------------------------------------------- */

/* Is the locale ("fr_CH.UTF-8") installed below root: its own directory
 * ("fr_CH.utf8", as locales-all and localedef make it) or named in the
 * locale archive (locale-gen)? */
static int
locale_present(const char *root, const char *name)
{
	char norm[64], path[PATH_MAX];
	const char *dot = strchr(name, '.');
	struct stat st;
	int fd, found = 0;
	void *m;

	if (dot == NULL || (size_t)snprintf(norm, sizeof(norm), "%.*s.utf8", (int)(dot - name),
	    name) >= sizeof(norm))
		return 0;
	if ((size_t)snprintf(path, sizeof(path), "%s/usr/lib/locale/%s/LC_COLLATE", root,
	    norm) < sizeof(path) && stat(path, &st) == 0)
		return 1;
	if ((size_t)snprintf(path, sizeof(path), "%s/usr/lib/locale/locale-archive", root) >=
	    sizeof(path) || (fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW)) < 0)
		return 0;
	if (fstat(fd, &st) == 0 && S_ISREG(st.st_mode) && st.st_size > 0 &&
	    (m = mmap(NULL, (size_t)st.st_size, PROT_READ, MAP_PRIVATE, fd, 0)) != MAP_FAILED) {
		found = memmem(m, (size_t)st.st_size, norm, strlen(norm) + 1) != NULL;
		munmap(m, (size_t)st.st_size);
	}
	close(fd);
	return found;
}

static int
add_env(vouch_vary *v, const char *name, const char *value, vouch_err *err)
{
	size_t n = strlen(name) + strlen(value) + 2;

	if (v->n_env == VOUCH_VARY_MAX_ENV)
		return vouch_err_set(err, VOUCH_EINTERNAL, "vary: too many variables");
	if ((v->env[v->n_env] = malloc(n)) == NULL)
		return vouch_err_set(err, VOUCH_ENOMEM, "out of memory");
	snprintf(v->env[v->n_env++], n, "%s=%s", name, value);
	return VOUCH_OK;
}

static int
set_time(vouch_vary *v, vouch_err *err)
{
	char lib[PATH_MAX], off[32];
	int rc;

	if ((rc = vouch_clock_find_lib("variation 'time'", lib, sizeof(lib), err)) != VOUCH_OK)
		return rc;
	if ((v->preload_src = strdup(lib)) == NULL)
		return vouch_err_set(err, VOUCH_ENOMEM, "out of memory");
	snprintf(off, sizeof(off), "+%dy", VOUCH_VARY_YEARS);
	if ((rc = add_env(v, "LD_PRELOAD", VOUCH_VARY_PRELOAD, err)) != VOUCH_OK ||
	    (rc = add_env(v, "FAKETIME", off, err)) != VOUCH_OK ||
	    (rc = add_env(v, "NO_FAKE_STAT", "1", err)) != VOUCH_OK)
		return rc;
	return add_env(v, "FAKETIME_DONT_FAKE_MONOTONIC", "1", err);
}

static int
set_locale(vouch_vary *v, const char *rootfs, vouch_err *err)
{
	const char *use = vary_locales[0], *root = rootfs != NULL ? rootfs : "";
	char lang[32];
	int rc;

	for (size_t i = 0; vary_locales[i] != NULL; i++)
		if (locale_present(root, vary_locales[i])) {
			use = vary_locales[i];
			v->locale_installed = 1;
			break;
		}
	if ((v->locale = strdup(use)) == NULL)
		return vouch_err_set(err, VOUCH_ENOMEM, "out of memory");
	snprintf(lang, sizeof(lang), "%.*s:%.2s", (int)strcspn(use, "."), use, use);
	if ((rc = add_env(v, "LC_ALL", use, err)) != VOUCH_OK ||
	    (rc = add_env(v, "LANG", use, err)) != VOUCH_OK)
		return rc;
	return add_env(v, "LANGUAGE", lang, err);
}

static int
set_path(vouch_vary *v, const char *workdir, vouch_err *err)
{
	size_t n = strlen(VARY_PATH) + strlen(workdir);

	if (strncmp(workdir, "/build/", 7) != 0 || n >= PATH_MAX / 2)
		return vouch_err_set(err, VOUCH_EUSAGE, "vary: workdir '%s' is not below /build/",
		    workdir);
	if ((v->workdir = malloc(n + 1)) == NULL)
		return vouch_err_set(err, VOUCH_ENOMEM, "out of memory");
	snprintf(v->workdir, n + 1, "%s%s", VARY_PATH, workdir + 6);
	return VOUCH_OK;
}

static int
cpu_count(void)
{
	cpu_set_t cs;

	if (sched_getaffinity(0, sizeof(cs), &cs) != 0)
		return 1;
	return CPU_COUNT(&cs);
}

int
vouch_vary_init(vouch_vary *v, unsigned set, const char *rootfs, const char *workdir,
                vouch_err *err)
{
	int rc = VOUCH_OK;

	memset(v, 0, sizeof(*v));
	v->set = set & VOUCH_VARY_ALL;
	v->hostname = VOUCH_SANDBOX_HOSTNAME;
	v->domainname = "";
	v->user = "builder";
	v->uid = VOUCH_SANDBOX_UID;
	v->umask = 022;
	if ((set & VOUCH_VARY_NUM_CPUS) && cpu_count() < 2) {
		v->set &= ~VOUCH_VARY_NUM_CPUS;
		v->skipped |= VOUCH_VARY_NUM_CPUS;
	}
	if (v->set & VOUCH_VARY_NUM_CPUS)
		v->cpus = 1;
	if (v->set & VOUCH_VARY_UMASK)
		v->umask = VARY_UMASK;
	if (v->set & VOUCH_VARY_DOMAIN_HOST) {
		v->hostname = VARY_HOST;
		v->domainname = VARY_DOMAIN;
	}
	if (v->set & VOUCH_VARY_USER_GROUP) {
		v->user = VARY_USER;
		v->uid = VOUCH_VARY_UID;
		if ((rc = add_env(v, "USER", VARY_USER, err)) == VOUCH_OK)
			rc = add_env(v, "LOGNAME", VARY_USER, err);
	}
	if (rc == VOUCH_OK && (v->set & VOUCH_VARY_TIME))
		rc = set_time(v, err);
	if (rc == VOUCH_OK && (v->set & VOUCH_VARY_TIMEZONE))
		rc = add_env(v, "TZ", VARY_TZ, err);
	if (rc == VOUCH_OK && (v->set & VOUCH_VARY_LOCALES))
		rc = set_locale(v, rootfs, err);
	if (rc == VOUCH_OK && (v->set & VOUCH_VARY_BUILD_PATH))
		rc = set_path(v, workdir, err);
	if (rc == VOUCH_OK && (v->set & VOUCH_VARY_ENVIRONMENT) &&
	    (rc = add_env(v, "BUILD_TAG", "vouch-varied-build", err)) == VOUCH_OK &&
	    (rc = add_env(v, "BUILD_ID", "4242", err)) == VOUCH_OK)
		rc = add_env(v, "VOUCH_CAPTURE_ENVIRONMENT", "i_capture_the_environment", err);
	if (rc == VOUCH_OK && (v->set & VOUCH_VARY_HOME))
		rc = add_env(v, "HOME", VARY_HOME, err);
	if (rc != VOUCH_OK)
		vouch_vary_free(v);
	return rc;
}

void
vouch_vary_free(vouch_vary *v)
{
	if (v == NULL)
		return;
	free(v->workdir);
	free(v->preload_src);
	free(v->locale);
	for (size_t i = 0; i < v->n_env; i++)
		free(v->env[i]);
	memset(v, 0, sizeof(*v));
}

int
vouch_vary_describe(const vouch_vary *v, unsigned bit, char *c, size_t cc, char *x, size_t xc)
{
	int a, b;

	switch (bit) {
	case VOUCH_VARY_TIME:
		a = snprintf(c, cc, "the real clock");
		b = snprintf(x, xc, "the clock %d years ahead (libfaketime)", VOUCH_VARY_YEARS);
		break;
	case VOUCH_VARY_TIMEZONE:
		a = snprintf(c, cc, "TZ=UTC");
		b = snprintf(x, xc, "TZ=" VARY_TZ);
		break;
	case VOUCH_VARY_LOCALES:
		a = snprintf(c, cc, "LC_ALL=C.UTF-8");
		b = snprintf(x, xc, "LC_ALL=%s%s", v->locale != NULL ? v->locale : "?",
		    v->locale_installed ? "" : " (not installed: variables only)");
		break;
	case VOUCH_VARY_UMASK:
		a = snprintf(c, cc, "umask 022");
		b = snprintf(x, xc, "umask 002");
		break;
	case VOUCH_VARY_DOMAIN_HOST:
		a = snprintf(c, cc, "hostname " VOUCH_SANDBOX_HOSTNAME ", no domain");
		b = snprintf(x, xc, "hostname " VARY_HOST ", domain " VARY_DOMAIN);
		break;
	case VOUCH_VARY_BUILD_PATH:
		a = snprintf(c, cc, "the recipe's workdir");
		b = snprintf(x, xc, "%s", v->workdir != NULL ? v->workdir : VARY_PATH);
		break;
	case VOUCH_VARY_USER_GROUP:
		a = snprintf(c, cc, "builder, uid/gid %u", VOUCH_SANDBOX_UID);
		b = snprintf(x, xc, VARY_USER ", uid/gid %u", VOUCH_VARY_UID);
		break;
	case VOUCH_VARY_NUM_CPUS:
		a = snprintf(c, cc, "%d CPUs", cpu_count());
		b = snprintf(x, xc, "1 CPU (sched_setaffinity)");
		break;
	case VOUCH_VARY_ENVIRONMENT:
		a = snprintf(c, cc, "the recipe's variables");
		b = snprintf(x, xc, "plus BUILD_TAG, BUILD_ID, VOUCH_CAPTURE_ENVIRONMENT");
		break;
	case VOUCH_VARY_FILEORDERING:
		a = snprintf(c, cc, "archive order");
		b = snprintf(x, xc, "reversed readdir order of the source tree");
		break;
	case VOUCH_VARY_HOME:
		a = snprintf(c, cc, "HOME=/tmp");
		b = snprintf(x, xc, "HOME=" VARY_HOME);
		break;
	case VOUCH_VARY_KERNEL:
		a = snprintf(c, cc, "the kernel's release");
		b = snprintf(x, xc, "2.6.x (personality UNAME26)");
		break;
	default:
		return -1;
	}
	return a < 0 || b < 0 || (size_t)a >= cc || (size_t)b >= xc ? -1 : 0;
}

/* ---- applied in the sandbox ------------------------------------------------ */

unsigned
vouch_vary_uid(const vouch_vary *v)
{
	return v != NULL && v->uid != 0 ? v->uid : VOUCH_SANDBOX_UID;
}

const char *
vouch_vary_user(const vouch_vary *v)
{
	return v != NULL && v->user != NULL ? v->user : "builder";
}

const char *
vouch_vary_hostname(const vouch_vary *v)
{
	return v != NULL && v->hostname != NULL ? v->hostname : VOUCH_SANDBOX_HOSTNAME;
}

const char *
vouch_vary_domainname(const vouch_vary *v)
{
	return v != NULL && v->domainname != NULL ? v->domainname : "";
}

mode_t
vouch_vary_umask(const vouch_vary *v)
{
	return v != NULL ? v->umask : 022;
}

int
vouch_vary_etc(const vouch_vary *v, const char *name, char *out, size_t cap)
{
	const char *user = vouch_vary_user(v), *host = vouch_vary_hostname(v);
	const char *dom = vouch_vary_domainname(v);
	unsigned uid = vouch_vary_uid(v);
	int n;

	if (strcmp(name, "passwd") == 0)
		n = snprintf(out, cap, "root:x:0:0:root:/nonexistent:/usr/sbin/nologin\n"
		    "%s:x:%u:%u:vouch builder:/tmp:/bin/sh\n"
		    "nobody:x:65534:65534:nobody:/nonexistent:/usr/sbin/nologin\n", user, uid, uid);
	else if (strcmp(name, "group") == 0)
		n = snprintf(out, cap, "root:x:0:\n%s:x:%u:\nnogroup:x:65534:\n", user, uid);
	else if (strcmp(name, "hosts") == 0 && dom[0] != '\0')
		n = snprintf(out, cap, "127.0.0.1\tlocalhost\n::1\tlocalhost\n127.0.1.1\t%s.%s %s\n",
		    host, dom, host);
	else if (strcmp(name, "hosts") == 0)
		n = snprintf(out, cap, "127.0.0.1\tlocalhost\n::1\tlocalhost\n127.0.1.1\t%s\n", host);
	else
		return -1;
	return n < 0 || (size_t)n >= cap ? -1 : 0;
}

/* 1 when the passwd or group line [l, l + n) names user or uses id (its
 * first and third fields). */
static int
etc_line_is_user(const char *l, size_t n, const char *user, unsigned id)
{
	const char *c1 = memchr(l, ':', n), *c2, *c3;
	char num[16];
	size_t ul = strlen(user), nl;

	if (c1 == NULL)
		return 0;
	if ((size_t)(c1 - l) == ul && memcmp(l, user, ul) == 0)
		return 1;
	if ((c2 = memchr(c1 + 1, ':', n - (size_t)(c1 + 1 - l))) == NULL)
		return 0;
	c3 = memchr(c2 + 1, ':', n - (size_t)(c2 + 1 - l));
	nl = (size_t)((c3 != NULL ? c3 : l + n) - (c2 + 1));
	snprintf(num, sizeof(num), "%u", id);
	return nl == strlen(num) && memcmp(c2 + 1, num, nl) == 0;
}

int
vouch_vary_etc_merge(const vouch_vary *v, const char *name, const char *base, size_t len,
                     char *out, size_t cap)
{
	const char *user = vouch_vary_user(v);
	unsigned uid = vouch_vary_uid(v);
	size_t used = 0;
	int n;

	if (strcmp(name, "passwd") != 0 && strcmp(name, "group") != 0)
		return vouch_vary_etc(v, name, out, cap);
	if (memchr(base, '\0', len) != NULL)
		return -1;
	while (len > 0) {
		const char *nl = memchr(base, '\n', len);
		size_t ll = nl != NULL ? (size_t)(nl - base) : len;

		if (ll > 0 && !etc_line_is_user(base, ll, user, uid)) {
			if (used + ll + 1 >= cap)
				return -1;
			memcpy(out + used, base, ll);
			out[used + ll] = '\n';
			used += ll + 1;
		}
		base += ll + (nl != NULL);
		len -= ll + (nl != NULL);
	}
	if (strcmp(name, "passwd") == 0)
		n = snprintf(out + used, cap - used, "%s:x:%u:%u:vouch builder:/tmp:/bin/sh\n",
		    user, uid, uid);
	else
		n = snprintf(out + used, cap - used, "%s:x:%u:\n", user, uid);
	return n < 0 || (size_t)n >= cap - used ? -1 : 0;
}

int
vouch_vary_env(const vouch_vary *v, char **envp, size_t *n, size_t cap, vouch_err *err)
{
	for (size_t i = 0; v != NULL && i < v->n_env; i++) {
		const char *e = v->env[i];
		size_t nl = strcspn(e, "=") + 1, j;
		char *s;

		for (j = 0; j < *n; j++)
			if (strncmp(envp[j], e, nl) == 0)
				break;
		if (j < *n && strcmp(e, "LD_PRELOAD=" VOUCH_VARY_PRELOAD) == 0) {
			/* ours first, then the recipe's */
			size_t l = strlen(e) + strlen(envp[j] + nl) + 2;
			if ((s = malloc(l)) != NULL)
				snprintf(s, l, "%s:%s", e, envp[j] + nl);
		} else {
			s = strdup(e);
		}
		if (s == NULL)
			return vouch_err_set(err, VOUCH_ENOMEM, "out of memory");
		if (j < *n) {
			free(envp[j]);
			envp[j] = s;
		} else if (*n + 1 < cap) {
			envp[(*n)++] = s;
			envp[*n] = NULL;
		} else {
			free(s);
			return vouch_err_set(err, VOUCH_EINTERNAL, "vary: no room for variables");
		}
	}
	return VOUCH_OK;
}

int
vouch_vary_bind(const vouch_vary *v, const char *stage, vouch_err *err)
{
	char dir[PATH_MAX], dst[PATH_MAX];
	int fd;

	if (v == NULL || v->preload_src == NULL)
		return VOUCH_OK;
	if ((size_t)snprintf(dir, sizeof(dir), "%s/.vouch-vary", stage) >= sizeof(dir) ||
	    (size_t)snprintf(dst, sizeof(dst), "%s" VOUCH_VARY_PRELOAD, stage) >= sizeof(dst))
		return vouch_err_set(err, VOUCH_ELIMIT, "sandbox: path too long");
	if (mkdir(dir, 0755) != 0 && errno != EEXIST)
		return vouch_err_sys(err, VOUCH_EIO, "sandbox: cannot create '%s'", dir);
	if ((fd = open(dst, O_WRONLY | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0644)) < 0)
		return vouch_err_sys(err, VOUCH_EIO, "sandbox: cannot create '%s'", dst);
	close(fd);
	if (mount(v->preload_src, dst, NULL, MS_BIND, NULL) != 0 ||
	    mount(NULL, dst, NULL, MS_REMOUNT | MS_BIND | MS_RDONLY | MS_NOSUID | MS_NODEV,
	        NULL) != 0)
		return vouch_err_sys(err, VOUCH_EIO, "sandbox: cannot bind '%s'", v->preload_src);
	return VOUCH_OK;
}

int
vouch_vary_enter(const vouch_vary *v, vouch_err *err)
{
	if (v == NULL)
		return VOUCH_OK;
	if (v->cpus > 0) {
		cpu_set_t cs, one;
		int left = v->cpus;

		if (sched_getaffinity(0, sizeof(cs), &cs) != 0)
			return vouch_err_sys(err, VOUCH_EIO, "sandbox: sched_getaffinity");
		CPU_ZERO(&one);
		for (int c = 0; c < CPU_SETSIZE && left > 0; c++)
			if (CPU_ISSET(c, &cs)) {
				CPU_SET(c, &one);
				left--;
			}
		if (sched_setaffinity(0, sizeof(one), &one) != 0)
			return vouch_err_sys(err, VOUCH_EIO, "sandbox: sched_setaffinity");
	}
	if (v->set & VOUCH_VARY_KERNEL) {
		int p = personality(0xffffffff);

		if (p == -1 || personality((unsigned long)p | UNAME26) == -1)
			return vouch_err_sys(err, VOUCH_EIO, "sandbox: personality");
	}
	return VOUCH_OK;
}

/* ---- fileordering --------------------------------------------------------- */

struct names {
	char **v;
	size_t n, cap;
};

static void
names_free(struct names *l)
{
	for (size_t i = 0; i < l->n; i++)
		free(l->v[i]);
	free(l->v);
	memset(l, 0, sizeof(*l));
}

/* The entries of dirfd in readdir order, without "." and "..". */
static int
list_dir(int dirfd, const char *path, struct names *l, vouch_err *err)
{
	int fd = dup(dirfd);
	DIR *d;
	struct dirent *e;
	int rc = VOUCH_OK;

	if (fd < 0 || (d = fdopendir(fd)) == NULL) {
		if (fd >= 0)
			close(fd);
		return vouch_err_sys(err, VOUCH_EIO, "cannot read '%s'", path);
	}
	rewinddir(d);
	while (rc == VOUCH_OK && (e = readdir(d)) != NULL) {
		if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
			continue;
		if (l->n == VARY_MAX_ENTRIES) {
			rc = vouch_err_set(err, VOUCH_ELIMIT, "'%s': more than %d entries", path,
			    VARY_MAX_ENTRIES);
			break;
		}
		if (l->n == l->cap) {
			size_t cap = l->cap ? l->cap * 2 : 16;
			char **t = realloc(l->v, cap * sizeof(*t));
			if (t == NULL) {
				rc = vouch_err_set(err, VOUCH_ENOMEM, "out of memory");
				break;
			}
			l->v = t;
			l->cap = cap;
		}
		if ((l->v[l->n] = strdup(e->d_name)) == NULL)
			rc = vouch_err_set(err, VOUCH_ENOMEM, "out of memory");
		else
			l->n++;
	}
	closedir(d);
	return rc;
}

/* Move every entry out into tmp and back, in order (forward or backward). */
static int
cycle(int dirfd, int tmpfd, const char *path, const struct names *l, int backward,
      vouch_err *err)
{
	for (size_t k = 0; k < l->n; k++)
		if (renameat(dirfd, l->v[k], tmpfd, l->v[k]) != 0)
			return vouch_err_sys(err, VOUCH_EIO, "cannot move '%s/%s'", path, l->v[k]);
	for (size_t k = 0; k < l->n; k++) {
		const char *n = l->v[backward ? l->n - 1 - k : k];
		if (renameat(tmpfd, n, dirfd, n) != 0)
			return vouch_err_sys(err, VOUCH_EIO, "cannot move '%s/%s'", path, n);
	}
	return VOUCH_OK;
}

static int
is_reversed(const struct names *a, const struct names *b)
{
	if (a->n != b->n)
		return 0;
	for (size_t k = 0; k < a->n; k++)
		if (strcmp(a->v[k], b->v[a->n - 1 - k]) != 0)
			return 0;
	return 1;
}

static int reorder_at(int dirfd, const char *path, int depth, vouch_err *err);

/* Reverse the order of one directory's entries. */
static int
reverse_one(int dirfd, const char *path, const struct names *l, vouch_err *err)
{
	char tmp[] = ".vouch-reorder-XXXXXX";
	struct names now = { NULL, 0, 0 };
	int rc = VOUCH_OK, tfd = -1, done = 0;

	/* a name no entry has: the entries are all listed */
	for (unsigned i = 0; i < 1000; i++) {
		snprintf(tmp, sizeof(tmp), ".vouch-reorder-%06u", i);
		if (mkdirat(dirfd, tmp, 0700) == 0)
			break;
		if (errno != EEXIST)
			return vouch_err_sys(err, VOUCH_EIO, "cannot create '%s/%s'", path, tmp);
	}
	if ((tfd = openat(dirfd, tmp, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC)) < 0) {
		rc = vouch_err_sys(err, VOUCH_EIO, "cannot open '%s/%s'", path, tmp);
		goto out;
	}
	/* newest first (older tmpfs) or oldest first (tmpfs since 6.6, ext4
	 * small dirs hash...): try both, check which gave the reverse */
	for (int backward = 0; rc == VOUCH_OK && backward < 2 && !done; backward++) {
		if ((rc = cycle(dirfd, tfd, path, l, backward, err)) != VOUCH_OK)
			break;
		names_free(&now);
		if ((rc = list_dir(dirfd, path, &now, err)) != VOUCH_OK)
			break;
		/* tmp is still there: compare without it */
		for (size_t k = 0; k < now.n; k++)
			if (strcmp(now.v[k], tmp) == 0) {
				free(now.v[k]);
				memmove(now.v + k, now.v + k + 1, (now.n - k - 1) * sizeof(char *));
				now.n--;
				break;
			}
		done = is_reversed(&now, l);
	}
	if (rc == VOUCH_OK && !done)
		rc = vouch_err_set(err, VOUCH_EIO, "cannot reverse the order of '%s' on this "
		    "file system", path);
out:
	if (tfd >= 0)
		close(tfd);
	if (unlinkat(dirfd, tmp, AT_REMOVEDIR) != 0 && rc == VOUCH_OK)
		rc = vouch_err_sys(err, VOUCH_EIO, "cannot remove '%s/%s'", path, tmp);
	names_free(&now);
	return rc;
}

static int
reorder_at(int dirfd, const char *path, int depth, vouch_err *err)
{
	struct names l = { NULL, 0, 0 };
	int rc;

	if (depth > VARY_MAX_DEPTH)
		return vouch_err_set(err, VOUCH_ELIMIT, "'%s' is deeper than %d", path,
		    VARY_MAX_DEPTH);
	if ((rc = list_dir(dirfd, path, &l, err)) != VOUCH_OK)
		goto out;
	if (l.n > 1 && (rc = reverse_one(dirfd, path, &l, err)) != VOUCH_OK)
		goto out;
	for (size_t k = 0; rc == VOUCH_OK && k < l.n; k++) {
		char sub[PATH_MAX];
		struct stat st;
		int fd;

		if (fstatat(dirfd, l.v[k], &st, AT_SYMLINK_NOFOLLOW) != 0 || !S_ISDIR(st.st_mode))
			continue;
		if ((size_t)snprintf(sub, sizeof(sub), "%s/%s", path, l.v[k]) >= sizeof(sub)) {
			rc = vouch_err_set(err, VOUCH_ELIMIT, "'%s': path too long", path);
			break;
		}
		if ((fd = openat(dirfd, l.v[k], O_RDONLY | O_DIRECTORY | O_NOFOLLOW |
		    O_CLOEXEC)) < 0) {
			rc = vouch_err_sys(err, VOUCH_EIO, "cannot open '%s'", sub);
			break;
		}
		rc = reorder_at(fd, sub, depth + 1, err);
		close(fd);
	}
out:
	names_free(&l);
	return rc;
}

int
vouch_vary_reorder(const char *dir, vouch_err *err)
{
	int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	int rc;

	if (fd < 0)
		return vouch_err_sys(err, VOUCH_EIO, "cannot open '%s'", dir);
	rc = reorder_at(fd, dir, 0, err);
	close(fd);
	return rc;
}
