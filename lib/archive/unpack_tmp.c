/* unpack_tmp.c - naming vouch-unpack's temporary directories after their
 * owner, and removing those a killed run left behind. */
#include "config.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "vouch/unpack.h"
#include "unpack_tmp.h"

#define TMP_STEM ".vouch-unpack-"

/* Start time of pid (clock ticks after boot), or 0 when it is not running. */
static unsigned long long
start_time(long pid)
{
	char path[64], buf[1024], *p;
	unsigned long long t = 0;
	ssize_t n;
	int fd, field = 2;

	snprintf(path, sizeof(path), "/proc/%ld/stat", pid);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return 0;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0)
		return 0;
	buf[n] = '\0';
	/* "pid (comm) state ...": comm may hold spaces and parentheses */
	p = strrchr(buf, ')');
	if (p == NULL)
		return 0;
	while (*p != '\0' && field < 22) {
		if (*p++ == ' ')
			field++;
	}
	while (*p >= '0' && *p <= '9')
		t = t * 10 + (unsigned long long)(*p++ - '0');
	return t;
}

int
unpack_tmp_prefix(char *buf, size_t n)
{
	long pid = (long)getpid();
	int k = snprintf(buf, n, TMP_STEM "%ld.%llu-", pid, start_time(pid));

	return k > 0 && (size_t)k < n ? 0 : -1;
}

/* 1 when name is a temporary of a run that is gone. */
static int
is_stale(const char *name)
{
	const char *p = name + sizeof(TMP_STEM) - 1;
	unsigned long long start = 0;
	long pid = 0;

	if (strncmp(name, TMP_STEM, sizeof(TMP_STEM) - 1) != 0)
		return 0;
	while (*p >= '0' && *p <= '9' && pid < 100000000)
		pid = pid * 10 + (*p++ - '0');
	if (*p++ != '.' || pid <= 0)
		return 0;
	while (*p >= '0' && *p <= '9' && start < (1ULL << 60))
		start = start * 10 + (unsigned long long)(*p++ - '0');
	if (*p != '-' || strlen(p) != 7)        /* "-" and mkdtemp's six characters */
		return 0;
	return start_time(pid) != start;
}

int
unpack_remove_stale(const char *dir)
{
	DIR *d = opendir(dir);
	struct dirent *de;
	int removed = 0;

	if (d == NULL)
		return 0;
	while ((de = readdir(d)) != NULL) {
		struct stat st;
		char *path;

		if (!is_stale(de->d_name) ||
		    fstatat(dirfd(d), de->d_name, &st, AT_SYMLINK_NOFOLLOW) != 0 ||
		    !S_ISDIR(st.st_mode) || st.st_uid != geteuid())
			continue;
		if (asprintf(&path, "%s/%s", dir, de->d_name) < 0)
			break;
		if (vouch_unpack_remove_tree(path, NULL) == VOUCH_OK)
			removed++;
		free(path);
	}
	closedir(d);
	return removed;
}
