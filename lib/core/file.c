/* file.c - bounded reads, complete writes, atomic replacement. */
#include "config.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "vouch/buf.h"
#include "vouch/codec.h"
#include "vouch/digest.h"
#include "vouch/file.h"

int
vouch_open_read_nofollow(const char *path, int *fd, vouch_err *err)
{
	int f = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NOCTTY);

	if (f < 0) {
		if (errno == ELOOP)
			return vouch_err_set(err, VOUCH_EINPUT, "'%s': is a symbolic link, refusing to follow it", path);
		return vouch_err_sys(err, VOUCH_EIO, "cannot open '%s'", path);
	}
	*fd = f;
	return VOUCH_OK;
}

int
vouch_read_fd(int fd, const char *name, size_t max, vouch_buf *out, vouch_err *err)
{
	size_t start = out->len;

	for (;;) {
		ssize_t n;
		size_t room;
		int rc = vouch_buf_reserve(out, 65536, NULL);

		if (rc != VOUCH_OK) {
			/* Near the buffer's own bound: read what still fits. */
			rc = vouch_buf_reserve(out, 1, err);
			if (rc != VOUCH_OK)
				return rc;
		}
		room = out->cap - out->len - 1;
		if (out->len - start + room > max + 1)
			room = max + 1 - (out->len - start);
		n = read(fd, out->data + out->len, room);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			return vouch_err_sys(err, VOUCH_EIO, "cannot read '%s'", name);
		}
		if (n == 0)
			break;
		out->len += (size_t)n;
		out->data[out->len] = '\0';
		if (out->len - start > max)
			return vouch_err_set(err, VOUCH_ELIMIT, "'%s': larger than the limit of %zu bytes",
			    name, max);
	}
	return VOUCH_OK;
}

void *
vouch_chunk_alloc(void)
{
	void *p = NULL;

	return posix_memalign(&p, VOUCH_CHUNK_ALIGN, VOUCH_READ_CHUNK) == 0 ? p : NULL;
}

#define LINES_BLOCK 65536

void
vouch_lines_init(vouch_lines *r, int fd, const char *name, size_t max)
{
	memset(r, 0, sizeof(*r));
	r->fd = fd;
	r->name = name;
	r->max = max;
	vouch_buf_init(&r->buf, max + 2 * LINES_BLOCK);
}

void
vouch_lines_free(vouch_lines *r)
{
	vouch_buf_free(&r->buf);
}

int
vouch_lines_next(vouch_lines *r, const char **line, size_t *len, vouch_err *err)
{
	size_t scanned = 0; /* bytes after off known to hold no '\n' */

	*line = NULL;
	*len = 0;
	if (r->buf.data == NULL) { /* so that buf.data + off is always defined */
		int rc = vouch_buf_reserve(&r->buf, LINES_BLOCK, err);

		if (rc != VOUCH_OK)
			return rc;
	}
	for (;;) {
		char *p = (char *)r->buf.data + r->off;
		size_t avail = r->buf.len - r->off;
		char *nl = avail > scanned ? memchr(p + scanned, '\n', avail - scanned) : NULL;
		ssize_t n;
		int rc;

		if (nl != NULL || (r->eof && avail > 0)) {
			*len = nl != NULL ? (size_t)(nl - p) : avail;
			if (*len > r->max)
				break;
			*line = p;
			r->off += *len + (nl != NULL);
			r->lineno++;
			return VOUCH_OK;
		}
		if (r->eof)
			return VOUCH_OK;
		if (avail > r->max)
			break;
		scanned = avail;
		if (r->off > 0) { /* keep the partial line, drop what was handed out */
			memmove(r->buf.data, p, avail);
			r->buf.len = avail;
			r->off = 0;
		}
		if ((rc = vouch_buf_reserve(&r->buf, LINES_BLOCK, err)) != VOUCH_OK)
			return rc;
		n = read(r->fd, r->buf.data + r->buf.len, LINES_BLOCK);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return vouch_err_sys(err, VOUCH_EIO, "cannot read '%s'", r->name);
		r->eof = n == 0;
		r->buf.len += (size_t)n;
		r->buf.data[r->buf.len] = '\0';
	}
	return vouch_err_set(err, VOUCH_ELIMIT, "line %zu of '%s': longer than the limit of %zu bytes",
	    r->lineno + 1, r->name, r->max);
}

int
vouch_read_file(const char *path, size_t max, vouch_buf *out, vouch_err *err)
{
	vouch_input in;
	struct stat st;
	size_t start;
	int rc;

	if ((rc = vouch_input_open(&in, path, VOUCH_INPUT_STDIN, &st, err)) != VOUCH_OK)
		return rc;
	start = out->len;
	/* Room for the whole file at once, and for the read that sees its end:
	 * growing by doubling copied large files up to twice (libcrypto.so.3
	 * in vouch-compare).  If the buffer's bound refuses, it grows as it goes. */
	if (S_ISREG(st.st_mode) && st.st_size > 0)
		(void)vouch_buf_reserve(out, ((uint64_t)st.st_size < max ? (size_t)st.st_size : max) +
		                        65536, NULL);
	rc = vouch_read_fd(in.fd, in.label, max, out, err);
	if (rc == VOUCH_OK)
		rc = vouch_file_unchanged(in.fd, &st, out->len - start, in.label, err);
	vouch_input_close(&in);
	return rc;
}

int
vouch_doc_begin(const char *what, size_t len, size_t max, size_t size, void **out,
                vouch_err *err)
{
	*out = NULL;
	if (len > max)
		return vouch_err_set(err, VOUCH_ELIMIT, "%s: larger than %zu bytes", what, max);
	if ((*out = calloc(1, size)) == NULL)
		return vouch_err_set(err, VOUCH_ENOMEM, "out of memory");
	return VOUCH_OK;
}

int
vouch_doc_load(const char *path, size_t max, const char *what, vouch_doc_parse_fn parse,
               void *ctx, vouch_err *err)
{
	vouch_buf b;
	int rc;

	vouch_buf_init(&b, max + 1);
	rc = vouch_read_file(path, max, &b, err);   /* names path */
	if (rc == VOUCH_OK && (rc = parse(vouch_buf_cstr(&b), b.len, ctx, err)) != VOUCH_OK)
		vouch_err_prefix(err, "%s%s'%s'", what, *what ? " " : "", path);
	vouch_buf_free(&b);
	return rc;
}

int
vouch_write_all(int fd, const void *data, size_t n, const char *name, vouch_err *err)
{
	const unsigned char *p = data;

	while (n > 0) {
		ssize_t w = write(fd, p, n);

		if (w < 0) {
			if (errno == EINTR)
				continue;
			return vouch_err_sys(err, VOUCH_EIO, "cannot write '%s'", name);
		}
		p += w;
		n -= (size_t)w;
	}
	return VOUCH_OK;
}

/* Split path into its directory (for fsync); returns a malloc'd string. */
static char *
dir_of(const char *path)
{
	const char *slash = strrchr(path, '/');
	char *d;

	if (slash == NULL)
		return strdup(".");
	if (slash == path)
		return strdup("/");
	d = strndup(path, (size_t)(slash - path));
	return d;
}

int
vouch_fsync_dir(const char *path, int is_dir, vouch_err *err)
{
	char *dir = is_dir ? strdup(path) : dir_of(path);
	int fd, rc = VOUCH_OK;

	if (dir == NULL)
		return vouch_err_set(err, VOUCH_ENOMEM, "out of memory");
	fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		rc = vouch_err_sys(err, VOUCH_EIO, "cannot open directory '%s'", dir);
	else if (fsync(fd) != 0 && errno != EINVAL)
		rc = vouch_err_sys(err, VOUCH_EIO, "cannot sync directory '%s'", dir);
	if (fd >= 0)
		close(fd);
	free(dir);
	return rc;
}

static int
write_and_sync(int fd, const void *data, size_t n, const char *name, vouch_err *err)
{
	int rc = vouch_write_all(fd, data, n, name, err);

	if (rc == VOUCH_OK && fsync(fd) != 0)
		rc = vouch_err_sys(err, VOUCH_EIO, "cannot sync '%s'", name);
	return rc;
}

int
vouch_write_file_atomic(const char *path, const void *data, size_t n, mode_t mode,
                        vouch_err *err)
{
	char tmp[PATH_MAX];
	int fd, rc, len;

	len = snprintf(tmp, sizeof(tmp), "%s.tmp.XXXXXX", path);
	if (len < 0 || (size_t)len >= sizeof(tmp))
		return vouch_err_set(err, VOUCH_EINPUT, "path too long: '%s'", path);
	fd = mkostemp(tmp, O_CLOEXEC);
	if (fd < 0)
		return vouch_err_sys(err, VOUCH_EIO, "cannot create a temporary file for '%s'", path);
	rc = write_and_sync(fd, data, n, tmp, err);
	if (rc == VOUCH_OK && fchmod(fd, mode) != 0)
		rc = vouch_err_sys(err, VOUCH_EIO, "cannot set the mode of '%s'", tmp);
	if (close(fd) != 0 && rc == VOUCH_OK)
		rc = vouch_err_sys(err, VOUCH_EIO, "cannot close '%s'", tmp);
	if (rc == VOUCH_OK && rename(tmp, path) != 0)
		rc = vouch_err_sys(err, VOUCH_EIO, "cannot rename '%s' to '%s'", tmp, path);
	if (rc != VOUCH_OK) {
		unlink(tmp);
		return rc;
	}
	return vouch_fsync_dir(path, 0, err);
}

int
vouch_write_file_excl(const char *path, const void *data, size_t n, mode_t mode,
                      vouch_err *err)
{
	int fd, rc;

	fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, mode);
	if (fd < 0) {
		if (errno == EEXIST)
			return vouch_err_set(err, VOUCH_EEXIST, "'%s' already exists, refusing to overwrite it", path);
		return vouch_err_sys(err, VOUCH_EIO, "cannot create '%s'", path);
	}
	/* The umask may have narrowed mode; for keys we want exactly mode. */
	rc = fchmod(fd, mode) == 0 ? VOUCH_OK
	    : vouch_err_sys(err, VOUCH_EIO, "cannot set the mode of '%s'", path);
	if (rc == VOUCH_OK)
		rc = write_and_sync(fd, data, n, path, err);
	if (close(fd) != 0 && rc == VOUCH_OK)
		rc = vouch_err_sys(err, VOUCH_EIO, "cannot close '%s'", path);
	if (rc != VOUCH_OK) {
		unlink(path);
		return rc;
	}
	return vouch_fsync_dir(path, 0, err);
}

int
vouch_mkdir_empty(const char *path, vouch_err *err)
{
	DIR *d;
	struct dirent *e;

	if (mkdir(path, 0755) == 0)
		return VOUCH_OK;
	if (errno != EEXIST)
		return vouch_err_sys(err, VOUCH_EIO, "cannot create '%s'", path);
	if ((d = opendir(path)) == NULL)
		return vouch_err_sys(err, VOUCH_EIO, "cannot open '%s'", path);
	while ((e = readdir(d)) != NULL)
		if (strcmp(e->d_name, ".") != 0 && strcmp(e->d_name, "..") != 0)
			break;
	closedir(d);
	if (e != NULL)
		return vouch_err_set(err, VOUCH_EEXIST, "output directory '%s' is not empty", path);
	return VOUCH_OK;
}

int
vouch_stamp_head(const char *magic, const uint8_t key[32], char *head, size_t cap)
{
	char hex[65];
	int n = snprintf(head, cap, "%s%s\n" VOUCH_TREE_DIGEST_KEY " ", magic,
	    vouch_hex_encode(key, 32, hex));

	return n < 0 || (size_t)n >= cap ? -1 : n;
}

int
vouch_stamp_text(const char *head, const uint8_t digest[32], char *out, size_t cap)
{
	char hex[65];
	int n = snprintf(out, cap, "%s%s\n", head, vouch_hex_encode(digest, 32, hex));

	return n < 0 || (size_t)n >= cap ? -1 : n;
}

int
vouch_stamp_read(const char *path, const char *head, uint8_t digest[32])
{
	size_t hl = strlen(head);
	vouch_buf b;
	int fd = -1, ok = 0;

	vouch_buf_init(&b, 0);
	if (hl > 4096 || vouch_open_read_nofollow(path, &fd, NULL) != VOUCH_OK ||
	    vouch_read_fd(fd, path, hl + 66, &b, NULL) != VOUCH_OK)
		goto out;
	ok = b.len == hl + 65 && memcmp(b.data, head, hl) == 0 && b.data[hl + 64] == '\n' &&
	    vouch_is_lower_hex((const char *)b.data + hl, 64, 32) &&
	    vouch_hex_decode((const char *)b.data + hl, 64, digest, 32, VOUCH_HEX_LOWER,
	        NULL) == VOUCH_OK;
out:
	if (fd >= 0)
		close(fd);
	vouch_buf_free(&b);
	return ok;
}
