/* walk.c - deterministic directory walks relative to directory descriptors,
 * and sequential archive member iteration over libarchive. */
#include "config.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <archive.h>
#include <archive_entry.h>

#include "vouch/file.h"
#include "vouch/reader.h"
#include "vouch/walk.h"
#include "vouch/zipcheck.h"

#define DEF_MAX_DEPTH 256u
#define DEF_MAX_PATH 32768u
#define DEF_MAX_ENTRIES 10000000u
#define LINK_MAX_BYTES 65536
#define QUOTE_MAX 200

/* Render a name for a one-line message: control bytes, backslash and
 * bytes >= 0x80 that are not part of a printable name become \xHH. */
static const char *
quote(const char *s, size_t len, char *out, size_t outsz)
{
	return vouch_quote(s, len, out, outsz);
}

/* ---- directory walk ---- */

struct dent {
	char *name;
	size_t len;
	int is_dir;     /* as read from the directory; decides the sort key */
};

struct level {
	int fd;
	struct dent *ents;
	size_t n, next;
	size_t prefix_len;  /* path bytes of this directory (0 for the root) */
};

struct vouch_walk {
	vouch_walk_opts o;
	char *root;         /* for messages: the root as given, no trailing '/' */
	struct level *lv;
	size_t depth, cap;
	vouch_buf path;
	vouch_walk_entry cur;
	uint64_t count;
	int done;
};

static void
free_level(struct level *l)
{
	for (size_t i = 0; i < l->n; i++)
		free(l->ents[i].name);
	free(l->ents);
	if (l->fd >= 0)
		close(l->fd);
	memset(l, 0, sizeof(*l));
	l->fd = -1;
}

void
vouch_walk_free(vouch_walk *w)
{
	if (w == NULL)
		return;
	while (w->depth > 0)
		free_level(&w->lv[--w->depth]);
	free(w->lv);
	free(w->root);
	vouch_buf_free(&w->path);
	free(w);
}

/* Sort key: a directory's name compares as if it ended in '/', so that
 * visiting depth-first gives the byte order of the full relative paths. */
static int
cmp_dent(const void *pa, const void *pb)
{
	const struct dent *a = pa, *b = pb;
	size_t n = a->len < b->len ? a->len : b->len;
	int c = memcmp(a->name, b->name, n), ca, cb;

	if (c != 0)
		return c;
	ca = a->len > n ? (unsigned char)a->name[n] : a->is_dir ? '/' : -1;
	cb = b->len > n ? (unsigned char)b->name[n] : b->is_dir ? '/' : -1;
	return ca - cb;
}

/* The message name of the entry being visited: root/path. */
static const char *
disp(const vouch_walk *w, char *out, size_t outsz)
{
	char q[QUOTE_MAX];
	int n;

	quote((const char *)w->path.data, w->path.len, q, sizeof(q));
	if (w->path.len == 0)
		n = snprintf(out, outsz, "%s", w->root);
	else
		n = snprintf(out, outsz, "%s%s%s", w->root,
		    strcmp(w->root, "/") == 0 ? "" : "/", q);
	if (n < 0 || (size_t)n >= outsz)
		memcpy(out + outsz - 4, "...", 4);
	return out;
}

static int
add_dent(struct level *l, size_t *cap, const char *name, int is_dir, vouch_err *err)
{
	if (l->n == *cap) {
		size_t nc = *cap ? *cap * 2 : 32;
		struct dent *ne = realloc(l->ents, nc * sizeof(*ne));

		if (ne == NULL)
			return vouch_err_set(err, VOUCH_ENOMEM, "out of memory");
		l->ents = ne;
		*cap = nc;
	}
	l->ents[l->n].len = strlen(name);
	l->ents[l->n].name = strdup(name);
	l->ents[l->n].is_dir = is_dir;
	if (l->ents[l->n].name == NULL)
		return vouch_err_set(err, VOUCH_ENOMEM, "out of memory");
	l->n++;
	return VOUCH_OK;
}

/* Read every name of the directory open on l->fd and sort them. */
static int
read_level(vouch_walk *w, struct level *l, vouch_err *err)
{
	char where[QUOTE_MAX + PATH_MAX];
	struct dirent *d;
	size_t cap = 0;
	DIR *dir = NULL;
	int fd2, rc = VOUCH_OK;

	fd2 = dup(l->fd);
	if (fd2 < 0 || (dir = fdopendir(fd2)) == NULL) {
		if (fd2 >= 0)
			close(fd2);
		return vouch_err_sys(err, VOUCH_EIO, "cannot read directory '%s'",
		    disp(w, where, sizeof(where)));
	}
	for (;;) {
		int is_dir;

		errno = 0;
		d = readdir(dir);
		if (d == NULL) {
			if (errno != 0)
				rc = vouch_err_sys(err, VOUCH_EIO, "cannot read directory '%s'",
				    disp(w, where, sizeof(where)));
			break;
		}
		if (strcmp(d->d_name, ".") == 0 || strcmp(d->d_name, "..") == 0)
			continue;
		is_dir = d->d_type == DT_DIR;
		if (d->d_type == DT_UNKNOWN) {
			struct stat st;

			is_dir = fstatat(l->fd, d->d_name, &st, AT_SYMLINK_NOFOLLOW) == 0 &&
			    S_ISDIR(st.st_mode);
		}
		if (w->count + l->n >= w->o.max_entries) {
			rc = vouch_err_set(err, VOUCH_ELIMIT, "'%s': more than %llu entries",
			    w->root, (unsigned long long)w->o.max_entries);
			break;
		}
		rc = add_dent(l, &cap, d->d_name, is_dir, err);
		if (rc != VOUCH_OK)
			break;
	}
	closedir(dir);
	if (rc == VOUCH_OK && l->n > 1)
		qsort(l->ents, l->n, sizeof(*l->ents), cmp_dent);
	return rc;
}

/* Enter the directory at w->path: open it below parent (or the root itself
 * when parent < 0), check it is what fstatat saw, list it. */
static int
push_level(vouch_walk *w, int parent, const char *name, const struct stat *seen,
           vouch_err *err)
{
	char where[QUOTE_MAX + PATH_MAX];
	struct level *l;
	struct stat st;
	int fd, rc;

	if (w->depth == w->cap) {
		size_t nc = w->cap ? w->cap * 2 : 16;
		struct level *nl = realloc(w->lv, nc * sizeof(*nl));

		if (nl == NULL)
			return vouch_err_set(err, VOUCH_ENOMEM, "out of memory");
		w->lv = nl;
		w->cap = nc;
	}
	if (parent < 0)
		fd = open(name, O_RDONLY | O_DIRECTORY | O_CLOEXEC | O_NOCTTY);
	else
		fd = openat(parent, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC |
		    O_NOCTTY);
	if (fd < 0)
		return vouch_err_sys(err, VOUCH_EIO, "cannot open directory '%s'",
		    disp(w, where, sizeof(where)));
	if (fstat(fd, &st) != 0 || (seen != NULL &&
	    (st.st_dev != seen->st_dev || st.st_ino != seen->st_ino))) {
		close(fd);
		return vouch_err_set(err, VOUCH_EIO, "'%s': changed while being read",
		    disp(w, where, sizeof(where)));
	}
	l = &w->lv[w->depth];
	memset(l, 0, sizeof(*l));
	l->fd = fd;
	l->prefix_len = w->path.len;
	w->depth++;
	rc = read_level(w, l, err);
	if (rc != VOUCH_OK)
		free_level(&w->lv[--w->depth]);
	return rc;
}

int
vouch_walk_new(const char *root, const vouch_walk_opts *opts, vouch_walk **out,
               vouch_err *err)
{
	vouch_walk *w;
	size_t len;
	int rc;

	*out = NULL;
	w = calloc(1, sizeof(*w));
	if (w == NULL)
		return vouch_err_set(err, VOUCH_ENOMEM, "out of memory");
	if (opts != NULL)
		w->o = *opts;
	if (w->o.max_depth == 0)
		w->o.max_depth = DEF_MAX_DEPTH;
	if (w->o.max_path_len == 0)
		w->o.max_path_len = DEF_MAX_PATH;
	if (w->o.max_entries == 0)
		w->o.max_entries = DEF_MAX_ENTRIES;
	vouch_buf_init(&w->path, (size_t)w->o.max_path_len + 1);
	len = strlen(root);
	while (len > 1 && root[len - 1] == '/')
		len--;
	w->root = strndup(root, len);
	if (w->root == NULL) {
		vouch_walk_free(w);
		return vouch_err_set(err, VOUCH_ENOMEM, "out of memory");
	}
	rc = push_level(w, -1, root, NULL, err);
	if (rc != VOUCH_OK) {
		vouch_walk_free(w);
		return rc;
	}
	*out = w;
	return VOUCH_OK;
}

/* Set w->path to the path of entry d in the top level. */
static int
set_path(vouch_walk *w, const struct level *l, const struct dent *d, vouch_err *err)
{
	w->path.len = l->prefix_len;
	if (l->prefix_len + 1 + d->len > w->o.max_path_len) {
		char where[QUOTE_MAX + PATH_MAX];

		return vouch_err_set(err, VOUCH_ELIMIT, "'%s/...': path longer than %u bytes",
		    disp(w, where, sizeof(where)), (unsigned)w->o.max_path_len);
	}
	if (l->prefix_len > 0 && vouch_buf_append_byte(&w->path, '/', err) != VOUCH_OK)
		return VOUCH_ELIMIT;
	return vouch_buf_append(&w->path, d->name, d->len, err);
}

/* Visit entry d of the top level: fill w->cur, descend into directories.
 * Returns VOUCH_OK with *report set when the entry is to be returned. */
static int
visit(vouch_walk *w, struct level *l, const struct dent *d, int *report, vouch_err *err)
{
	char where[QUOTE_MAX + PATH_MAX];
	struct stat st;
	int rc;

	*report = 0;
	rc = set_path(w, l, d, err);
	if (rc != VOUCH_OK)
		return rc;
	if (fstatat(l->fd, d->name, &st, AT_SYMLINK_NOFOLLOW) != 0)
		return vouch_err_sys(err, VOUCH_EIO, "cannot stat '%s'", disp(w, where, sizeof(where)));
	if (S_ISDIR(st.st_mode) != (d->is_dir != 0))
		return vouch_err_set(err, VOUCH_EIO, "'%s': changed while being read",
		    disp(w, where, sizeof(where)));
	memset(&w->cur, 0, sizeof(w->cur));
	w->cur.st = st;
	w->cur.dirfd = l->fd;
	w->cur.path = (const char *)w->path.data;
	w->cur.path_len = w->path.len;
	w->cur.name = w->cur.path + l->prefix_len + (l->prefix_len > 0);
	w->cur.root = w->root;
	if (S_ISREG(st.st_mode))
		w->cur.kind = VOUCH_WALK_FILE;
	else if (S_ISLNK(st.st_mode))
		w->cur.kind = VOUCH_WALK_SYMLINK;
	else if (S_ISDIR(st.st_mode))
		w->cur.kind = VOUCH_WALK_DIR;
	else
		w->cur.kind = VOUCH_WALK_OTHER;
	*report = w->cur.kind != VOUCH_WALK_DIR || (w->o.flags & VOUCH_WALK_DIRS) != 0;
	if (w->cur.kind != VOUCH_WALK_DIR)
		return VOUCH_OK;
	if (w->depth > w->o.max_depth)
		return vouch_err_set(err, VOUCH_ELIMIT, "'%s': deeper than %u levels",
		    disp(w, where, sizeof(where)), (unsigned)w->o.max_depth);
	rc = push_level(w, l->fd, d->name, &st, err);
	/* push_level may have moved w->lv; w->cur.dirfd stays the parent fd. */
	return rc;
}

int
vouch_walk_next(vouch_walk *w, const vouch_walk_entry **entry, vouch_err *err)
{
	*entry = NULL;
	while (!w->done) {
		struct level *l;
		int report = 0, rc;

		if (w->depth == 0) {
			w->done = 1;
			break;
		}
		l = &w->lv[w->depth - 1];
		if (l->next == l->n) {
			free_level(l);
			w->depth--;
			continue;
		}
		if (++w->count > w->o.max_entries) {
			w->done = 1;
			return vouch_err_set(err, VOUCH_ELIMIT, "'%s': more than %llu entries",
			    w->root, (unsigned long long)w->o.max_entries);
		}
		rc = visit(w, l, &l->ents[l->next++], &report, err);
		if (rc == VOUCH_ENOMEM)
			w->done = 1;
		if (rc != VOUCH_OK)
			return rc;
		if (report) {
			/* A reported directory was pushed: its parent is one level up. */
			if (w->cur.kind == VOUCH_WALK_DIR)
				w->cur.dirfd = w->lv[w->depth - 2].fd;
			*entry = &w->cur;
			return VOUCH_OK;
		}
	}
	return VOUCH_OK;
}

/* The message name of an entry: root/path, quoted. */
static const char *
entry_disp(const vouch_walk_entry *e, char *out, size_t outsz)
{
	char q[QUOTE_MAX];
	const char *root = e->root != NULL ? e->root : ".";
	int n;

	quote(e->path, e->path_len, q, sizeof(q));
	n = snprintf(out, outsz, "%s%s%s", root, strcmp(root, "/") == 0 ? "" : "/", q);
	if (n < 0 || (size_t)n >= outsz)
		memcpy(out + outsz - 4, "...", 4);
	return out;
}

/* Clear O_NONBLOCK again (it only served to not block opening a FIFO). */
static void
blocking(int fd)
{
	int fl = fcntl(fd, F_GETFL);

	if (fl >= 0 && (fl & O_NONBLOCK))
		(void)fcntl(fd, F_SETFL, fl & ~O_NONBLOCK);
}

int
vouch_walk_open(const vouch_walk_entry *e, int *fd, vouch_err *err)
{
	char q[QUOTE_MAX + PATH_MAX];
	struct stat st;
	int f;

	*fd = -1;
	if (e->kind != VOUCH_WALK_FILE)
		return vouch_err_set(err, VOUCH_EINPUT, "'%s': %s", entry_disp(e, q, sizeof(q)),
		    e->kind == VOUCH_WALK_OTHER ? "not a regular file, directory or symbolic link"
		    : "not a regular file");
	f = openat(e->dirfd, e->name, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC | O_NOCTTY);
	if (f < 0)
		return vouch_err_sys(err, VOUCH_EIO, "cannot open '%s'",
		    entry_disp(e, q, sizeof(q)));
	if (fstat(f, &st) != 0 || !S_ISREG(st.st_mode) || st.st_dev != e->st.st_dev ||
	    st.st_ino != e->st.st_ino) {
		close(f);
		return vouch_err_set(err, VOUCH_EIO, "'%s': changed while being read",
		    entry_disp(e, q, sizeof(q)));
	}
	blocking(f);
	*fd = f;
	return VOUCH_OK;
}

int
vouch_walk_readlink(const vouch_walk_entry *e, vouch_buf *target, vouch_err *err)
{
	char q[QUOTE_MAX + PATH_MAX];
	ssize_t n;
	int rc;

	vouch_buf_reset(target);
	rc = vouch_buf_reserve(target, LINK_MAX_BYTES + 1, err);
	if (rc != VOUCH_OK)
		return rc;
	n = readlinkat(e->dirfd, e->name, (char *)target->data, LINK_MAX_BYTES + 1);
	if (n < 0)
		return vouch_err_sys(err, VOUCH_EIO, "cannot read link '%s'",
		    entry_disp(e, q, sizeof(q)));
	if (n > LINK_MAX_BYTES)
		return vouch_err_set(err, VOUCH_ELIMIT, "'%s': link target longer than %d bytes",
		    entry_disp(e, q, sizeof(q)), LINK_MAX_BYTES);
	target->len = (size_t)n;
	target->data[n] = '\0';
	return VOUCH_OK;
}

/* ---- archive members ---- */

#define MEMBER_CHUNK VOUCH_READ_CHUNK

struct vouch_members {
	struct archive *a;
	int fd;                     /* -1 in memory and member mode */
	vouch_members *parent;      /* member mode: read the parent's member data */
	const unsigned char *mem;
	size_t mem_len, mem_off;
	vouch_hasher *tap;
	vouch_hasher *h;            /* for member data, kept across members */
	unsigned h_algs;
	unsigned char *buf;
	char *name;                 /* archive name for messages (quoted) */
	vouch_member cur;
	uint64_t count, max;
	int seekable;               /* fd mode without a tap on a regular file */
	int opened, ended, io_failed;
	vouch_err ioerr;
	int zip_checked;
	struct stat st0;            /* fd mode: the file when opened */
	uint64_t nread;             /* fd mode: bytes read by source_read */
};

int
vouch_members_new(vouch_members **out, vouch_err *err)
{
	vouch_members *m = calloc(1, sizeof(*m));

	*out = NULL;
	if (m == NULL)
		return vouch_err_set(err, VOUCH_ENOMEM, "out of memory");
	m->fd = -1;
	m->max = VOUCH_MEMBERS_MAX_DEFAULT;
	*out = m;
	return VOUCH_OK;
}

void
vouch_members_set_max(vouch_members *m, uint64_t max_members)
{
	m->max = max_members;
}

void
vouch_members_free(vouch_members *m)
{
	if (m == NULL)
		return;
	if (m->a != NULL)
		archive_read_free(m->a);
	vouch_hasher_free(m->h);
	free(m->buf);
	free(m->name);
	free(m);
}

/* The next chunk of input: > 0 bytes (fed to the tap), 0 at the end, or -1
 * with m->ioerr set. */
static ssize_t
source_read(vouch_members *m, const void **out)
{
	ssize_t n;

	if (m->parent != NULL) {
		la_ssize_t r = archive_read_data(m->parent->a, m->buf, MEMBER_CHUNK);

		if (r < 0) {
			const char *s = archive_error_string(m->parent->a);

			vouch_err_set(&m->ioerr, VOUCH_EINPUT, "'%s': %s", m->name,
			    s != NULL ? s : "damaged archive");
			m->io_failed = 1;
			return -1;
		}
		n = (ssize_t)r;
		*out = m->buf;
	} else if (m->fd < 0) {
		n = (ssize_t)(m->mem_len - m->mem_off < MEMBER_CHUNK ? m->mem_len - m->mem_off
		    : MEMBER_CHUNK);
		*out = m->mem + m->mem_off;
		m->mem_off += (size_t)n;
		return n; /* memory mode has no tap */
	} else {
		do
			n = read(m->fd, m->buf, MEMBER_CHUNK);
		while (n < 0 && errno == EINTR);
		if (n > 0)
			m->nread += (uint64_t)n;
		if (n < 0) {
			vouch_err_sys(&m->ioerr, VOUCH_EIO, "cannot read '%s'", m->name);
			m->io_failed = 1;
			return -1;
		}
		*out = m->buf;
	}
	if (n > 0 && m->tap != NULL &&
	    vouch_hasher_update(m->tap, *out, (size_t)n, &m->ioerr) != VOUCH_OK) {
		m->io_failed = 1;
		return -1;
	}
	return n;
}

static la_ssize_t
read_cb(struct archive *a, void *ud, const void **out)
{
	vouch_members *m = ud;
	ssize_t n = source_read(m, out);

	if (n < 0) {
		archive_set_error(a, EIO, "%s", m->ioerr.msg);
		return ARCHIVE_FATAL;
	}
	return (la_ssize_t)n;
}

static la_int64_t
seek_cb(struct archive *a, void *ud, la_int64_t off, int whence)
{
	vouch_members *m = ud;
	off_t r;

	if (m->fd < 0) {
		la_int64_t base = whence == SEEK_SET ? 0 : whence == SEEK_CUR ?
		    (la_int64_t)m->mem_off : (la_int64_t)m->mem_len;

		if (off < -base || off > (la_int64_t)m->mem_len - base) {
			archive_set_error(a, EINVAL, "seek out of range");
			return ARCHIVE_FATAL;
		}
		m->mem_off = (size_t)(base + off);
		return (la_int64_t)m->mem_off;
	}
	r = lseek(m->fd, (off_t)off, whence);

	if (r < 0) {
		archive_set_error(a, errno, "seek error");
		return ARCHIVE_FATAL;
	}
	return (la_int64_t)r;
}

/* Formats and filters we read: the one list of vouch/reader.h. */
static int
setup(vouch_members *m, vouch_err *err)
{
	return vouch_reader_new(0, &m->a, err);
}

static int
do_open(vouch_members *m, const char *name, vouch_err *err)
{
	char q[QUOTE_MAX];
	int rc;

	if (m->opened)
		return vouch_err_set(err, VOUCH_EUSAGE, "archive reader already used");
	m->opened = 1;
	m->name = strdup(quote(name, strlen(name), q, sizeof(q)));
	if (m->name == NULL)
		return vouch_err_set(err, VOUCH_ENOMEM, "out of memory");
	rc = setup(m, err);
	if (rc != VOUCH_OK) {
		m->ended = 1;
		return rc;
	}
	if (m->seekable && archive_read_set_seek_callback(m->a, seek_cb) != ARCHIVE_OK)
		return vouch_err_set(err, VOUCH_EINTERNAL, "libarchive refuses a seek callback");
	if (archive_read_open(m->a, m, NULL, read_cb, NULL) == ARCHIVE_OK)
		return VOUCH_OK;
	m->ended = 1;
	if (m->io_failed)
		return vouch_err_set(err, m->ioerr.code, "%s", m->ioerr.msg);
	/* No bidder wanted the data: libarchive's fixed message for that. */
	if (archive_error_string(m->a) != NULL &&
	    strncmp(archive_error_string(m->a), "Unrecognized archive format", 27) == 0)
		return vouch_err_set(err, VOUCH_ENEGATIVE, "'%s': not an archive", m->name);
	return vouch_err_set(err, VOUCH_EINPUT, "'%s': %s", m->name,
	    archive_error_string(m->a) ? archive_error_string(m->a) : "cannot read the archive");
}

int
vouch_members_open_fd(vouch_members *m, int fd, const char *name, vouch_hasher *tap,
                      vouch_err *err)
{
	m->fd = fd;
	m->tap = tap;
	if (fstat(fd, &m->st0) != 0)
		return vouch_err_sys(err, VOUCH_EIO, "cannot stat '%s'", name);
	m->seekable = tap == NULL && S_ISREG(m->st0.st_mode) && lseek(fd, 0, SEEK_CUR) >= 0;
	m->buf = vouch_chunk_alloc();
	if (m->buf == NULL)
		return vouch_err_set(err, VOUCH_ENOMEM, "out of memory");
	return do_open(m, name, err);
}

int
vouch_members_open_member(vouch_members *m, vouch_members *parent, const char *name,
                          vouch_hasher *tap, vouch_err *err)
{
	if (parent == NULL || parent->a == NULL || parent->ended ||
	    parent->cur.kind != VOUCH_WALK_FILE)
		return vouch_err_set(err, VOUCH_EUSAGE, "no current member to read");
	m->parent = parent;
	m->tap = tap;
	m->buf = vouch_chunk_alloc();
	if (m->buf == NULL)
		return vouch_err_set(err, VOUCH_ENOMEM, "out of memory");
	return do_open(m, name, err);
}

int
vouch_members_open_mem(vouch_members *m, const void *data, size_t n, const char *name,
                       vouch_err *err)
{
	m->fd = -1;
	m->mem = data;
	m->mem_len = n;
	m->seekable = 1;
	return do_open(m, name, err);
}

static int
archive_fail(vouch_members *m, const char *what, vouch_err *err)
{
	const char *s = archive_error_string(m->a);

	m->ended = 1;
	if (m->io_failed)
		return vouch_err_set(err, m->ioerr.code, "%s", m->ioerr.msg);
	return vouch_err_set(err, VOUCH_EINPUT, "'%s%s%s': %s", m->name, what[0] ? "!" : "",
	    what, s != NULL ? s : "damaged archive");
}

/* Fill m->cur from entry; returns 1 when the entry is to be reported. */
static int
fill_member(vouch_members *m, struct archive_entry *e)
{
	mode_t type = archive_entry_filetype(e);
	const char *name = archive_entry_pathname(e);

	if (name == NULL)
		name = archive_entry_pathname_utf8(e);
	memset(&m->cur, 0, sizeof(m->cur));
	/* Some formats (ar) record no file type at all: such members are files. */
	if (type == 0)
		type = AE_IFREG;
	if (name == NULL || (type != AE_IFREG && type != AE_IFLNK))
		return 0;
	m->cur.name = name;
	m->cur.name_len = strlen(name);
	m->cur.size = archive_entry_size_is_set(e) ? archive_entry_size(e) : -1;
	if (type == AE_IFLNK) {
		m->cur.kind = VOUCH_WALK_SYMLINK;
		m->cur.link_target = archive_entry_symlink(e);
		if (m->cur.link_target == NULL)
			m->cur.link_target = archive_entry_symlink_utf8(e);
		if (m->cur.link_target == NULL)
			m->cur.link_target = "";
		m->cur.link_len = strlen(m->cur.link_target);
	} else {
		m->cur.kind = VOUCH_WALK_FILE;
		m->cur.hardlink = archive_entry_hardlink(e);
	}
	return 1;
}

/* A zip read from a file or memory: its central directory must agree with
 * its local headers.  (A zip inside an archive is read as a stream, from
 * its local headers only, and is not checked here.) */
static int
zip_check(vouch_members *m, vouch_err *err)
{
	m->zip_checked = 1;
	if ((archive_format(m->a) & ARCHIVE_FORMAT_BASE_MASK) != ARCHIVE_FORMAT_ZIP)
		return VOUCH_OK;
	if (m->parent == NULL && m->fd < 0)
		return vouch_zip_check_mem(m->mem, m->mem_len, m->name, err);
	if (m->parent == NULL && S_ISREG(m->st0.st_mode))
		return vouch_zip_check_fd(m->fd, (uint64_t)m->st0.st_size, m->name, err);
	return VOUCH_OK;
}

int
vouch_members_next(vouch_members *m, const vouch_member **member, vouch_err *err)
{
	struct archive_entry *e;

	*member = NULL;
	while (!m->ended && m->a != NULL) {
		int r = archive_read_next_header(m->a, &e);

		if (r == ARCHIVE_EOF) {
			m->ended = 1;
			break;
		}
		if (r < ARCHIVE_WARN)
			return archive_fail(m, "", err);
		if (m->count == 0 && !m->zip_checked && (r = zip_check(m, err)) != VOUCH_OK) {
			m->ended = 1;
			return r;
		}
		if (!fill_member(m, e))
			continue;
		if (++m->count > m->max) {
			m->ended = 1;
			return vouch_err_set(err, VOUCH_ELIMIT, "'%s': more than %llu members",
			    m->name, (unsigned long long)m->max);
		}
		*member = &m->cur;
		return VOUCH_OK;
	}
	return VOUCH_OK;
}

int
vouch_members_digest(vouch_members *m, unsigned algs, vouch_digests *out, vouch_err *err)
{
	unsigned char *chunk = NULL;
	int rc;

	if (m->ended || m->cur.name == NULL || m->cur.kind != VOUCH_WALK_FILE)
		return vouch_err_set(err, VOUCH_EUSAGE, "no current member to hash");
	if (m->h == NULL || m->h_algs != algs) {
		vouch_hasher_free(m->h);
		m->h = NULL;
		rc = vouch_hasher_new(algs, &m->h, err);
		if (rc != VOUCH_OK)
			return rc;
		m->h_algs = algs;
	} else if ((rc = vouch_hasher_reset(m->h, err)) != VOUCH_OK) {
		return rc;
	}
	chunk = vouch_chunk_alloc();
	if (chunk == NULL)
		return vouch_err_set(err, VOUCH_ENOMEM, "out of memory");
	for (;;) {
		la_ssize_t n = archive_read_data(m->a, chunk, MEMBER_CHUNK);
		char q[QUOTE_MAX];

		if (n == 0)
			break;
		if (n < 0) {
			rc = archive_fail(m, quote(m->cur.name, m->cur.name_len, q, sizeof(q)), err);
			goto out;
		}
		rc = vouch_hasher_update(m->h, chunk, (size_t)n, err);
		if (rc != VOUCH_OK)
			goto out;
	}
	rc = vouch_hasher_final(m->h, out, err);
out:
	free(chunk);
	return rc;
}

int
vouch_members_drain(vouch_members *m, vouch_err *err)
{
	const void *p;
	ssize_t n = 0;

	m->ended = 1;
	if (m->io_failed)
		return vouch_err_set(err, m->ioerr.code, "%s", m->ioerr.msg);
	if (m->buf == NULL)
		return VOUCH_OK;
	while (m->tap != NULL && (n = source_read(m, &p)) > 0)
		continue;
	if (m->tap != NULL && n < 0)
		return vouch_err_set(err, m->ioerr.code, "%s", m->ioerr.msg);
	/* members and digests must come from the file as it was opened; a tap
	 * saw every byte, so a short read shows too */
	if (m->fd >= 0 && vouch_file_unchanged(m->fd, &m->st0,
	    m->tap != NULL ? m->nread : (uint64_t)m->st0.st_size, "", NULL) != VOUCH_OK)
		return vouch_err_set(err, VOUCH_EIO, "'%s': changed while being read", m->name);
	return VOUCH_OK;
}
