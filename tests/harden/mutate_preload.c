/* mutate_preload.c - an LD_PRELOAD shim for the hardening tests: the first
 * time a read(2) or pread(2) returns data from the file named by
 * VOUCH_TEST_MUTATE, change that file the way VOUCH_TEST_MUTATE_HOW says:
 *   truncate  cut it to a quarter of its size
 *   grow      append 4096 bytes
 *   touch     same size and bytes, a new modification time
 * so "the file changed under the tool while it read" is deterministic. */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <fcntl.h>
#include <limits.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <unistd.h>

static atomic_int done;

static int
is_target(int fd)
{
	const char *want = getenv("VOUCH_TEST_MUTATE");
	char link[64], got[PATH_MAX], real[PATH_MAX];
	ssize_t n;

	if (want == NULL || realpath(want, real) == NULL)
		return 0;
	snprintf(link, sizeof(link), "/proc/self/fd/%d", fd);
	n = readlink(link, got, sizeof(got) - 1);
	if (n <= 0)
		return 0;
	got[n] = '\0';
	return strcmp(got, real) == 0;
}

static void
mutate(int fd)
{
	const char *how = getenv("VOUCH_TEST_MUTATE_HOW");
	const char *path = getenv("VOUCH_TEST_MUTATE");
	struct stat st;

	if (atomic_load(&done) || !is_target(fd) || atomic_exchange(&done, 1))
		return;
	if (stat(path, &st) != 0 || how == NULL)
		return;
	if (strcmp(how, "truncate") == 0) {
		if (truncate(path, st.st_size / 4) != 0)
			_exit(99);
	} else if (strcmp(how, "grow") == 0) {
		static const char junk[4096];
		int w = open(path, O_WRONLY | O_APPEND);

		if (w < 0 || write(w, junk, sizeof(junk)) != (ssize_t)sizeof(junk))
			_exit(99);
		close(w);
	} else if (strcmp(how, "touch") == 0) {
		struct timespec ts[2] = { { st.st_atime, 0 }, { st.st_mtime - 1000, 0 } };

		if (utimensat(AT_FDCWD, path, ts, 0) != 0)
			_exit(99);
	}
}

ssize_t
read(int fd, void *buf, size_t n)
{
	static ssize_t (*real)(int, void *, size_t);
	ssize_t r;

	if (real == NULL)
		real = (ssize_t (*)(int, void *, size_t))dlsym(RTLD_NEXT, "read");
	r = real(fd, buf, n);
	if (r > 0)
		mutate(fd);
	return r;
}

ssize_t
pread(int fd, void *buf, size_t n, off_t off)
{
	static ssize_t (*real)(int, void *, size_t, off_t);
	ssize_t r;

	if (real == NULL)
		real = (ssize_t (*)(int, void *, size_t, off_t))dlsym(RTLD_NEXT, "pread");
	r = real(fd, buf, n, off);
	if (r > 0)
		mutate(fd);
	return r;
}

ssize_t
pread64(int fd, void *buf, size_t n, off_t off)
{
	return pread(fd, buf, n, off);
}
