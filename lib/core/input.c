/* input.c - the one input opener (vouch_input_open: files, "-", FIFOs,
 * directories, dangling symlinks, the same way in every tool), and noticing
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

/* "-": standard input, but not a directory or a device. */
static int
input_stdin(vouch_input *in, struct stat *st, vouch_err *err)
{
	struct stat sb;

	if (fstat(STDIN_FILENO, &sb) != 0)
		return vouch_err_sys(err, VOUCH_EIO, "cannot stat standard input");
	if (S_ISDIR(sb.st_mode))
		return vouch_err_set(err, VOUCH_EINPUT, "'" VOUCH_STDIN_NAME "': is a directory");
	if (S_ISCHR(sb.st_mode) || S_ISBLK(sb.st_mode))
		return vouch_err_set(err, VOUCH_EINPUT, "'" VOUCH_STDIN_NAME "': not a file or pipe");
	in->fd = STDIN_FILENO;
	in->kind = VOUCH_INPUT_STDIN;
	if (st != NULL)
		*st = sb;
	return VOUCH_OK;
}

int
vouch_input_open(vouch_input *in, const char *path, unsigned accept, struct stat *st,
                 vouch_err *err)
{
	char q[INPUT_QUOTE];
	struct stat sb;
	int f, fl;

	in->fd = -1;
	in->kind = 0;
	in->label = path;
	if ((accept & VOUCH_INPUT_STDIN) && strcmp(path, "-") == 0) {
		in->label = VOUCH_STDIN_NAME;
		return input_stdin(in, st, err);
	}
	vouch_quote(path, strlen(path), q, sizeof(q));
	/* O_NONBLOCK: opening a FIFO without a writer must not hang; a
	 * regular file ignores the flag and gets it cleared below. */
	f = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC | O_NOCTTY);
	if (f < 0 && errno == ENOENT && lstat(path, &sb) == 0 && S_ISLNK(sb.st_mode))
		return vouch_err_set(err, VOUCH_EIO, "cannot open '%s': dangling symbolic link", q);
	if (f < 0)
		return vouch_err_sys(err, VOUCH_EIO, "cannot open '%s'", q);
	if (fstat(f, &sb) != 0) {
		close(f);
		return vouch_err_sys(err, VOUCH_EIO, "cannot stat '%s'", q);
	}
	if (S_ISDIR(sb.st_mode) && (accept & VOUCH_INPUT_DIR)) {
		in->kind = VOUCH_INPUT_DIR;
	} else if (S_ISREG(sb.st_mode)) {
		in->kind = VOUCH_INPUT_FILE;
		fl = fcntl(f, F_GETFL);
		if (fl >= 0)
			(void)fcntl(f, F_SETFL, fl & ~O_NONBLOCK);
	} else {
		close(f);
		if (S_ISDIR(sb.st_mode))
			return vouch_err_set(err, VOUCH_EINPUT, "'%s': is a directory", q);
		return vouch_err_set(err, VOUCH_EINPUT, "'%s': not a regular file", q);
	}
	in->fd = f;
	if (st != NULL)
		*st = sb;
	return VOUCH_OK;
}

void
vouch_input_close(vouch_input *in)
{
	if (in->fd >= 0 && in->kind != VOUCH_INPUT_STDIN)
		close(in->fd);
	in->fd = -1;
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
