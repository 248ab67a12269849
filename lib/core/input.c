/* input.c - opening a named input the same way in every tool, and noticing
 * when a file changes while it is read. */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "vouch/file.h"

#define INPUT_QUOTE 200

/* A path for a one-line message: control bytes and backslash as \xHH. */
const char *
vouch_quote(const char *s, size_t len, char *out, size_t outsz)
{
	static const char hex[] = "0123456789abcdef";
	size_t o = 0;

	if (outsz < 8)
		return "";
	for (size_t i = 0; i < len; i++) {
		unsigned char c = (unsigned char)s[i];

		if (o + 8 >= outsz) {
			memcpy(out + o, "...", 3);
			o += 3;
			break;
		}
		if (c < 0x20 || c == 0x7f || c == '\\') {
			out[o++] = '\\';
			out[o++] = 'x';
			out[o++] = hex[c >> 4];
			out[o++] = hex[c & 15];
		} else {
			out[o++] = (char)c;
		}
	}
	out[o] = '\0';
	return out;
}

int
vouch_open_regular(const char *path, int *fd, vouch_err *err)
{
	char q[INPUT_QUOTE];
	struct stat st;
	int f, fl;

	*fd = -1;
	if (strcmp(path, "-") == 0) {
		*fd = STDIN_FILENO;
		return VOUCH_OK;
	}
	vouch_quote(path, strlen(path), q, sizeof(q));
	/* O_NONBLOCK: opening a FIFO without a writer must not hang; a
	 * regular file ignores the flag and gets it cleared below. */
	f = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC | O_NOCTTY);
	if (f < 0 && errno == ENOENT && lstat(path, &st) == 0 && S_ISLNK(st.st_mode))
		return vouch_err_set(err, VOUCH_EIO, "cannot open '%s': dangling symbolic link", q);
	if (f < 0)
		return vouch_err_sys(err, VOUCH_EIO, "cannot open '%s'", q);
	if (fstat(f, &st) != 0) {
		close(f);
		return vouch_err_sys(err, VOUCH_EIO, "cannot stat '%s'", q);
	}
	if (!S_ISREG(st.st_mode)) {
		close(f);
		return vouch_err_set(err, VOUCH_EINPUT, "'%s': %s", q,
		    S_ISDIR(st.st_mode) ? "is a directory" : "not a regular file");
	}
	fl = fcntl(f, F_GETFL);
	if (fl >= 0)
		(void)fcntl(f, F_SETFL, fl & ~O_NONBLOCK);
	*fd = f;
	return VOUCH_OK;
}

int
vouch_stdin_check(vouch_err *err)
{
	struct stat st;

	if (fstat(STDIN_FILENO, &st) != 0)
		return vouch_err_sys(err, VOUCH_EIO, "cannot stat standard input");
	if (S_ISDIR(st.st_mode) || S_ISCHR(st.st_mode) || S_ISBLK(st.st_mode))
		return vouch_err_set(err, VOUCH_EINPUT, "'<stdin>': not a file or pipe");
	return VOUCH_OK;
}

int
vouch_stat_same(const struct stat *a, const struct stat *b)
{
	return a->st_size == b->st_size && a->st_ino == b->st_ino && a->st_dev == b->st_dev &&
	    a->st_mtim.tv_sec == b->st_mtim.tv_sec && a->st_mtim.tv_nsec == b->st_mtim.tv_nsec &&
	    a->st_ctim.tv_sec == b->st_ctim.tv_sec && a->st_ctim.tv_nsec == b->st_ctim.tv_nsec;
}

int
vouch_file_unchanged(int fd, const struct stat *before, uint64_t nread, const char *name,
                     vouch_err *err)
{
	char q[INPUT_QUOTE];
	struct stat now;

	if (!S_ISREG(before->st_mode))
		return VOUCH_OK;
	vouch_quote(name, strlen(name), q, sizeof(q));
	if (fstat(fd, &now) != 0)
		return vouch_err_sys(err, VOUCH_EIO, "cannot stat '%s'", q);
	if (!vouch_stat_same(before, &now) || nread != (uint64_t)before->st_size)
		return vouch_err_set(err, VOUCH_EIO, "'%s': changed while being read", q);
	return VOUCH_OK;
}
