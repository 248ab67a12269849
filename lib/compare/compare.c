/* compare.c - the recursive difference engine: identity, files, directories. */
#include "config.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/crypto.h>

#include "compare_int.h"
#include "vouch/elf.h"
#include "vouch/file.h"
#include "vouch/json.h"

static const char *const norm_names[] = { "mtime", "order", "owner", "mode",
                                          "gzip-header", "compression", "build-id",
                                          "debug-link" };
static const char *const hint_names[VOUCH_HINT_COUNT] = {
	"archive-metadata-only", "compression-header-only", "compression-encoding-only",
	"embedded-timestamp", "embedded-build-path", "elf-build-id-only", "elf-debug-only",
	"member-added", "member-removed", "content-changed", "same-symbols-reordered",
	"checksums-of-excused-files"
};

void
vouch_compare_opts_init(struct vouch_compare_opts *o)
{
	memset(o, 0, sizeof(*o));
	o->max_depth = 16;
	o->max_members = 1000000;
	o->max_size = (uint64_t)16 << 30;
	o->max_diff = 64 << 10;
	o->max_text = 16 << 20;
}

static const char *
bit_name(const char *const *names, size_t n, unsigned bit)
{
	for (size_t i = 0; i < n; i++)
		if (bit == 1u << i)
			return names[i];
	return NULL;
}

const char *
vouch_normalize_name(unsigned rule)
{
	return bit_name(norm_names, sizeof(norm_names) / sizeof(norm_names[0]), rule);
}

const char *
vouch_hint_name(unsigned hint)
{
	return bit_name(hint_names, VOUCH_HINT_COUNT, hint);
}

const char *
vouch_compare_verdict_name(int v)
{
	switch (v) {
	case VOUCH_CMP_IDENTICAL: return "identical";
	case VOUCH_CMP_EQUIVALENT: return "equivalent";
	case VOUCH_CMP_DIFFERENT: return "different";
	default: return "incomplete";
	}
}

int
vouch_normalize_parse(const char *list, unsigned *rules, vouch_err *err)
{
	const char *p = list;

	*rules = 0;
	while (*p != '\0') {
		size_t n = strcspn(p, ",");
		unsigned found = 0;

		if (n == 3 && strncmp(p, "all", 3) == 0)
			found = VOUCH_NORM_ALL;
		for (size_t i = 0; i < sizeof(norm_names) / sizeof(norm_names[0]) && !found; i++)
			if (strlen(norm_names[i]) == n && strncmp(p, norm_names[i], n) == 0)
				found = 1u << i;
		if (!found)
			return vouch_err_set(err, VOUCH_EUSAGE, "unknown normalization rule '%.*s'",
			                     (int)(n > 64 ? 64 : n), p);
		*rules |= found;
		p += n;
		if (*p == ',')
			p++;
	}
	return VOUCH_OK;
}

char *
cmp_strdupf(const char *fmt, ...)
{
	va_list ap;
	char *s = NULL;

	va_start(ap, fmt);
	if (vasprintf(&s, fmt, ap) < 0)
		s = NULL;
	va_end(ap);
	return s;
}

/* The code point when s[0..len) is a bidirectional formatting character
 * (U+061C, U+200E/F, U+202A..E, U+2066..9) that could reorder what a reader
 * sees ("Trojan Source"), else 0. */
static unsigned
bidi_control(const char *s, size_t len)
{
	const unsigned char *u = (const unsigned char *)s;
	unsigned cp;

	if (len == 2)
		cp = (u[0] & 0x1fu) << 6 | (u[1] & 0x3fu);
	else if (len == 3)
		cp = (u[0] & 0x0fu) << 12 | (u[1] & 0x3fu) << 6 | (u[2] & 0x3fu);
	else
		return 0;
	if (cp == 0x061c || cp == 0x200e || cp == 0x200f || (cp >= 0x202a && cp <= 0x202e) ||
	    (cp >= 0x2066 && cp <= 0x2069))
		return cp;
	return 0;
}

/* A display copy: valid printable UTF-8 kept, everything else \xNN.  In
 * text mode newlines and tabs are kept and backslashes are not doubled. */
static char *
printable(const char *s, size_t n, int text)
{
	vouch_buf b;
	size_t i = 0;

	vouch_buf_init(&b, 4 * n + 16);
	while (i < n) {
		unsigned char ch = (unsigned char)s[i];
		size_t len = ch < 0x80 ? 1 : (ch & 0xe0) == 0xc0 ? 2 : (ch & 0xf0) == 0xe0 ? 3
		             : (ch & 0xf8) == 0xf0 ? 4 : 0;

		if (ch == '\\' && !text) {
			vouch_buf_append(&b, "\\\\", 2, NULL);
			i++;
		} else if ((ch >= 0x20 && ch < 0x7f) || (text && (ch == '\n' || ch == '\t'))) {
			vouch_buf_append_byte(&b, ch, NULL);
			i++;
		} else if (len > 1 && i + len <= n && vouch_utf8_valid(s + i, len) &&
		           bidi_control(s + i, len) != 0) {
			vouch_buf_appendf(&b, NULL, "\\u%04x", bidi_control(s + i, len));
			i += len;
		} else if (len > 1 && i + len <= n && vouch_utf8_valid(s + i, len) &&
		           !(ch == 0xc2 && (unsigned char)s[i + 1] < 0xa0)) {
			vouch_buf_append(&b, s + i, len, NULL);
			i += len;
		} else {
			vouch_buf_appendf(&b, NULL, "\\x%02x", ch);
			i++;
		}
	}
	return (char *)vouch_buf_detach(&b, NULL, NULL);
}

char *
cmp_printable(const char *s, size_t n)
{
	return printable(s, n, 0);
}

char *
cmp_printable_text(const char *s, size_t n)
{
	return printable(s, n, 1);
}

char *
cmp_join(const char *parent, const char *name)
{
	if (parent == NULL || parent[0] == '\0')
		return strdup(name);
	return cmp_strdupf("%s/%s", parent, name);
}

#define GROW(arr, n, cap) \
	((n) < (cap) ? 0 : grow((void **)&(arr), &(cap), sizeof(*(arr))))

static int
grow(void **arr, size_t *cap, size_t elem)
{
	size_t ncap = *cap ? *cap * 2 : 16;
	void *p = realloc(*arr, ncap * elem);

	if (p == NULL)
		return -1;
	memset((char *)p + *cap * elem, 0, (ncap - *cap) * elem);
	*arr = p;
	*cap = ncap;
	return 0;
}

struct cmp_diff *
cmp_add_diff(struct cmp_ctx *c, const char *path, enum cmp_kind kind)
{
	struct vouch_compare_report *r = c->r;
	struct cmp_diff *d;

	if (GROW(r->diffs, r->ndiffs, r->capdiffs) != 0)
		return NULL;
	d = &r->diffs[r->ndiffs];
	memset(d, 0, sizeof(*d));
	d->path = strdup(path);
	if (d->path == NULL)
		return NULL;
	d->kind = kind;
	r->ndiffs++;
	return d;
}

int
cmp_add_item(struct cmp_diff *d, const char *name, const char *a, const char *b,
             const char *note, unsigned rule)
{
	struct cmp_item *it;
	void *p = realloc(d->items, (d->nitems + 1) * sizeof(*d->items));

	if (p == NULL)
		return VOUCH_ENOMEM;
	d->items = p;
	it = &d->items[d->nitems++];
	it->name = strdup(name);
	it->a = a ? strdup(a) : NULL;
	it->b = b ? strdup(b) : NULL;
	it->note = note ? strdup(note) : NULL;
	it->rule = rule;
	return VOUCH_OK;
}

int
cmp_add_member(struct cmp_ctx *c, const char *path, int status)
{
	struct vouch_compare_report *r = c->r;

	if (GROW(r->members, r->nmembers, r->capmembers) != 0)
		return VOUCH_ENOMEM;
	r->members[r->nmembers].path = strdup(path);
	r->members[r->nmembers].status = status;
	r->nmembers++;
	return VOUCH_OK;
}

void
cmp_note(struct cmp_ctx *c, const char *fmt, ...)
{
	struct vouch_compare_report *r = c->r;
	va_list ap;
	char *s = NULL;
	void *p;

	c->r->incomplete = 1;
	if (r->nnotes >= 1000)
		return;
	va_start(ap, fmt);
	if (vasprintf(&s, fmt, ap) < 0)
		s = NULL;
	va_end(ap);
	p = s ? realloc(r->notes, (r->nnotes + 1) * sizeof(*r->notes)) : NULL;
	if (p == NULL) {
		free(s);
		return;
	}
	r->notes = p;
	r->notes[r->nnotes++] = s;
}

void
cmp_refuse(struct cmp_ctx *c, const vouch_err *why)
{
	if (c->refused.code == VOUCH_OK)
		c->refused = *why;
}

int
cmp_tmpfile(struct cmp_ctx *c, char *path, size_t pathsz)
{
	int n, fd = -1;

	pthread_mutex_lock(&c->lock);
	if (c->tmpdir[0] == '\0') {
		const char *t = getenv("TMPDIR");

		n = snprintf(c->tmpdir, sizeof(c->tmpdir), "%s/vouch-compare.XXXXXX",
		             t && *t ? t : "/tmp");
		if (n < 0 || (size_t)n >= sizeof(c->tmpdir) || mkdtemp(c->tmpdir) == NULL) {
			c->tmpdir[0] = '\0';
			goto out;
		}
	}
	n = snprintf(path, pathsz, "%s/m%u", c->tmpdir, c->tmpseq++);
	if (n >= 0 && (size_t)n < pathsz)
		fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
out:
	pthread_mutex_unlock(&c->lock);
	return fd;
}

char *
cmp_mem_add(struct cmp_ctx *c, vouch_buf *buf)
{
	char *name = NULL;

	pthread_mutex_lock(&c->lock);
	if (buf->len <= CMP_HOLD_MAX - c->held && GROW(c->mem, c->nmem, c->capmem) == 0) {
		/* the mark makes it no path: absolute inputs (realpath) start
		 * with '/', members found in a directory with its name */
		name = cmp_strdupf("%cmem/%u", CMP_MEM_MARK, c->memseq++);
		if (name != NULL && (c->mem[c->nmem].name = strdup(name)) != NULL) {
			c->mem[c->nmem].buf = *buf;
			c->nmem++;
			c->held += buf->len;
			vouch_buf_init(buf, buf->max);
		} else {
			free(name);
			name = NULL;
		}
	}
	pthread_mutex_unlock(&c->lock);
	return name;
}

void
cmp_mem_release(struct cmp_ctx *c, const char *name)
{
	if (name[0] != CMP_MEM_MARK) {
		unlink(name);
		return;
	}
	pthread_mutex_lock(&c->lock);
	for (size_t i = 0; i < c->nmem; i++) {
		if (strcmp(c->mem[i].name, name) == 0) {
			c->held -= c->mem[i].buf.len;
			free(c->mem[i].name);
			vouch_buf_free(&c->mem[i].buf);
			c->mem[i] = c->mem[--c->nmem];
			break;
		}
	}
	pthread_mutex_unlock(&c->lock);
}

void
cmp_mem_free_all(struct cmp_ctx *c)
{
	for (size_t i = 0; i < c->nmem; i++) {
		free(c->mem[i].name);
		vouch_buf_free(&c->mem[i].buf);
	}
	free(c->mem);
	c->mem = NULL;
	c->nmem = c->capmem = 0;
	c->held = 0;
}

int
cmp_mem_find(struct cmp_ctx *c, const char *file, const uint8_t **p, size_t *n)
{
	int found = 0;

	if (file[0] != CMP_MEM_MARK)
		return 0;
	pthread_mutex_lock(&c->lock);
	for (size_t i = 0; i < c->nmem && !found; i++) {
		if (strcmp(c->mem[i].name, file) == 0) {
			/* the data stays put until released (the array may move) */
			*p = c->mem[i].buf.data ? c->mem[i].buf.data : (const uint8_t *)"";
			*n = c->mem[i].buf.len;
			found = 1;
		}
	}
	pthread_mutex_unlock(&c->lock);
	return found;
}

int
cmp_in_open(struct cmp_ctx *c, const char *file, struct cmp_in *in)
{
	memset(in, 0, sizeof(*in));
	in->fd = -1;
	if (cmp_mem_find(c, file, &in->mem, &in->len))
		return 0;
	if (file[0] == CMP_MEM_MARK)
		return -1;
	return vouch_open_read_nofollow(file, &in->fd, NULL) == VOUCH_OK ? 0 : -1;
}

size_t
cmp_in_pread(const struct cmp_in *in, void *buf, size_t n, uint64_t off)
{
	size_t got = 0;

	if (in->fd < 0) {
		if (in->mem == NULL || off >= in->len)
			return 0;
		got = in->len - (size_t)off < n ? in->len - (size_t)off : n;
		memcpy(buf, in->mem + off, got);
		return got;
	}
	while (got < n) {
		ssize_t r = pread(in->fd, (uint8_t *)buf + got, n - got, (off_t)(off + got));

		if (r <= 0)
			break;
		got += (size_t)r;
	}
	return got;
}

void
cmp_in_close(struct cmp_in *in)
{
	if (in->fd >= 0)
		close(in->fd);
	in->fd = -1;
}

int
cmp_in_load(struct cmp_ctx *c, const char *file, size_t max, vouch_buf *b)
{
	const uint8_t *p;
	size_t n;

	if (!cmp_mem_find(c, file, &p, &n))
		return file[0] == CMP_MEM_MARK ? VOUCH_EIO : vouch_read_file(file, max, b, NULL);
	if (n > max)
		return VOUCH_ELIMIT;
	return vouch_buf_append(b, p, n, NULL);
}

int
cmp_in_view(struct cmp_ctx *c, const char *file, size_t max, vouch_buf *b, const uint8_t **p,
            size_t *n)
{
	int rc;

	if (cmp_mem_find(c, file, p, n))
		return *n <= max ? VOUCH_OK : VOUCH_ELIMIT;
	rc = cmp_in_load(c, file, max, b);
	*p = b->data ? b->data : (const uint8_t *)"";
	*n = b->len;
	return rc;
}

int
cmp_mem_to_file(struct cmp_ctx *c, const char *name, char *path, size_t pathsz)
{
	const uint8_t *p;
	size_t n;
	int fd, rc;

	if (!cmp_mem_find(c, name, &p, &n) || (fd = cmp_tmpfile(c, path, pathsz)) < 0)
		return -1;
	rc = vouch_write_all(fd, p, n, "temporary file", NULL) == VOUCH_OK ? 0 : -1;
	close(fd);
	if (rc != 0)
		unlink(path);
	return rc;
}

int
cmp_in_stat(struct cmp_ctx *c, const char *file, struct stat *st)
{
	const uint8_t *p;
	size_t n;

	if (!cmp_mem_find(c, file, &p, &n))
		return file[0] == CMP_MEM_MARK ? -1 : stat(file, st);
	memset(st, 0, sizeof(*st));
	st->st_mode = S_IFREG | 0400;
	st->st_size = (off_t)n;
	return 0;
}

int
cmp_hash_file(const char *file, struct cmp_side *s, vouch_err *err)
{
	vouch_digests d;
	int fd = -1, rc;

	rc = vouch_open_read_nofollow(file, &fd, err);
	if (rc == VOUCH_OK)
		rc = vouch_digest_fd(fd, file, VOUCH_ALG_SHA256, &d, err);
	if (fd >= 0)
		close(fd);
	if (rc != VOUCH_OK)
		return rc;
	s->present = 1;
	s->size = d.length;
	memcpy(s->sha256, vouch_digests_get(&d, VOUCH_ALG_SHA256), 32);
	return VOUCH_OK;
}

struct hash_job {
	const char *file;
	struct cmp_side side;
	int rc;
	vouch_err err;
};

static void *
hash_thread(void *arg)
{
	struct hash_job *j = arg;

	vouch_err_clear(&j->err);
	j->rc = cmp_hash_file(j->file, &j->side, &j->err);
	return NULL;
}

/* Hash both files, in parallel when they are large. */
static int
hash_pair(const char *fa, const char *fb, struct cmp_side *sa, struct cmp_side *sb,
          vouch_err *err)
{
	struct hash_job ja, jb;
	struct stat st;
	pthread_t t;

	memset(&ja, 0, sizeof(ja));
	memset(&jb, 0, sizeof(jb));
	ja.file = fa;
	jb.file = fb;
	if (stat(fa, &st) == 0 && st.st_size > (8 << 20) &&
	    pthread_create(&t, NULL, hash_thread, &ja) == 0) {
		hash_thread(&jb);
		pthread_join(t, NULL);
	} else {
		hash_thread(&ja);
		hash_thread(&jb);
	}
	*sa = ja.side;
	*sb = jb.side;
	if (ja.rc != VOUCH_OK || jb.rc != VOUCH_OK)
		*err = ja.rc != VOUCH_OK ? ja.err : jb.err;
	return ja.rc != VOUCH_OK ? ja.rc : jb.rc;
}

static int
same_side(const struct cmp_side *a, const struct cmp_side *b)
{
	return a->size == b->size && CRYPTO_memcmp(a->sha256, b->sha256, 32) == 0;
}

static int
read_magic(struct cmp_ctx *c, const char *file, uint8_t *buf, size_t n)
{
	struct cmp_in in;
	size_t got;

	if (cmp_in_open(c, file, &in) != 0)
		return 0;
	got = cmp_in_pread(&in, buf, n, 0);
	cmp_in_close(&in);
	return (int)got;
}

/* Detail for two regular files whose digests differ. */
static int
cmp_contents(struct cmp_ctx *c, const char *path, const char *fa, const char *fb,
             unsigned depth, const struct cmp_side *sa, const struct cmp_side *sb)
{
	uint8_t ma[4], mb[4];
	struct cmp_diff *d;
	int na, nb, rc;

	na = read_magic(c, fa, ma, sizeof(ma));
	nb = read_magic(c, fb, mb, sizeof(mb));
	if (vouch_elf_is_elf(ma, (size_t)na) && vouch_elf_is_elf(mb, (size_t)nb)) {
		rc = cmp_elf(c, path, fa, fb, sa, sb);
		if (rc != 0)
			return rc;
	}
	if (cmp_is_archive_magic(c, fa) && cmp_is_archive_magic(c, fb)) {
		if (depth + 1 > c->o->max_depth) {
			cmp_note(c, "'%s': depth limit %u reached", path, c->o->max_depth);
		} else {
			rc = cmp_archives(c, path, fa, fb, depth + 1);
			if (rc != 0)
				return rc;
		}
	}
	if (cmp_is_text(c, fa, sa->size, c->o->max_text) &&
	    cmp_is_text(c, fb, sb->size, c->o->max_text)) {
		d = cmp_add_diff(c, path, CMP_TEXT);
		if (d == NULL)
			return -1;
		d->a = *sa;
		d->b = *sb;
		return cmp_text(c, d, fa, fb);
	}
	d = cmp_add_diff(c, path, CMP_CONTENT);
	if (d == NULL)
		return -1;
	d->a = *sa;
	d->b = *sb;
	return cmp_binary(c, d, fa, fb);
}

static void
settle_member(struct cmp_ctx *c, size_t member, size_t first_diff)
{
	struct vouch_compare_report *r = c->r;
	int excused = 1;

	for (size_t i = first_diff; i < r->ndiffs; i++)
		if (!r->diffs[i].excused)
			excused = 0;
	if (member < r->nmembers)
		r->members[member].status = excused ? MEM_EQUIVALENT : MEM_DIFFERENT;
}

/* Two regular files at path (display), fa and fb on disk. */
static int
cmp_files_ex(struct cmp_ctx *c, const char *path, const char *fa, const char *fb,
             unsigned depth, struct cmp_side *sa, struct cmp_side *sb)
{
	size_t member, first;
	int rc;

	if (!sa->present || !sb->present) {
		vouch_err why;

		vouch_err_clear(&why);
		if (hash_pair(fa, fb, sa, sb, &why) != VOUCH_OK) {
			struct cmp_diff *d = cmp_add_diff(c, path, CMP_ERROR);

			if (d != NULL)
				d->summary = strdup("cannot be read");
			cmp_note(c, "'%s': cannot be read: %s", path, why.msg);
			if (why.code == VOUCH_EIO && strstr(why.msg, "changed while being read"))
				cmp_refuse(c, &why);
			return 0;
		}
	}
	if (same_side(sa, sb))
		return cmp_add_member(c, path, MEM_SAME) == VOUCH_OK ? 0 : -1;
	member = c->r->nmembers;
	if (cmp_add_member(c, path, MEM_DIFFERENT) != VOUCH_OK)
		return -1;
	first = c->r->ndiffs;
	rc = cmp_contents(c, path, fa, fb, depth, sa, sb);
	settle_member(c, member, first);
	return rc < 0 ? -1 : 0;
}

int
cmp_files(struct cmp_ctx *c, const char *path, const char *fa, const char *fb, unsigned depth)
{
	struct cmp_side sa, sb;

	memset(&sa, 0, sizeof(sa));
	memset(&sb, 0, sizeof(sb));
	return cmp_files_ex(c, path, fa, fb, depth, &sa, &sb);
}

int
cmp_files_hashed(struct cmp_ctx *c, const char *path, const char *fa, const char *fb,
                 unsigned depth, const struct cmp_side *sa, const struct cmp_side *sb)
{
	struct cmp_side a = *sa, b = *sb;

	return cmp_files_ex(c, path, fa, fb, depth, &a, &b);
}

static int
add_artifact(struct cmp_ctx *c, const char *name, const struct cmp_side *a,
             const struct cmp_side *b)
{
	struct vouch_compare_report *r = c->r;

	if (GROW(r->arts, r->narts, r->caparts) != 0)
		return -1;
	r->arts[r->narts].name = strdup(name);
	if (a)
		r->arts[r->narts].a = *a;
	if (b)
		r->arts[r->narts].b = *b;
	r->narts++;
	return 0;
}

static int cmp_dirs(struct cmp_ctx *c, const char *path, const char *da, const char *db,
                    unsigned depth);

struct dirlist {
	char **names;
	size_t n;
};

static int
name_cmp(const void *x, const void *y)
{
	return strcmp(*(char *const *)x, *(char *const *)y);
}

static void
dirlist_free(struct dirlist *l)
{
	for (size_t i = 0; i < l->n; i++)
		free(l->names[i]);
	free(l->names);
	l->names = NULL;
	l->n = 0;
}

static int
list_dir(struct cmp_ctx *c, const char *dir, struct dirlist *l)
{
	DIR *d = opendir(dir);
	struct dirent *e;
	size_t cap = 0;

	l->names = NULL;
	l->n = 0;
	if (d == NULL)
		return -1;
	while ((e = readdir(d)) != NULL) {
		if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
			continue;
		if (++c->members > c->o->max_members) {
			c->members_limited = 1;
			break;
		}
		if (GROW(l->names, l->n, cap) != 0 || (l->names[l->n] = strdup(e->d_name)) == NULL) {
			closedir(d);
			dirlist_free(l);
			return -1;
		}
		l->n++;
	}
	closedir(d);
	if (l->n > 1)
		qsort(l->names, l->n, sizeof(*l->names), name_cmp);
	return 0;
}

static const char *
type_name(mode_t m)
{
	return S_ISREG(m) ? "file" : S_ISDIR(m) ? "directory" : S_ISLNK(m) ? "symlink"
	       : "special file";
}

static int
one_sided(struct cmp_ctx *c, const char *path, const char *file, int in_b, int top)
{
	struct cmp_diff *d = cmp_add_diff(c, path, in_b ? CMP_ADDED : CMP_REMOVED);
	struct cmp_side s;

	if (d == NULL)
		return -1;
	d->hints = in_b ? VOUCH_HINT_MEMBER_ADDED : VOUCH_HINT_MEMBER_REMOVED;
	d->summary = strdup(in_b ? "only in B (added)" : "only in A (removed)");
	memset(&s, 0, sizeof(s));
	if (cmp_hash_file(file, &s, NULL) == VOUCH_OK) {
		if (in_b)
			d->b = s;
		else
			d->a = s;
	}
	if (top && s.present && add_artifact(c, path, in_b ? NULL : &s, in_b ? &s : NULL) != 0)
		return -1;
	return cmp_add_member(c, path, in_b ? MEM_ADDED : MEM_REMOVED) == VOUCH_OK ? 0 : -1;
}

static int
cmp_links(struct cmp_ctx *c, const char *path, const char *fa, const char *fb)
{
	char la[4096], lb[4096];
	ssize_t na = readlink(fa, la, sizeof(la) - 1), nb = readlink(fb, lb, sizeof(lb) - 1);
	struct cmp_diff *d;
	char *pa, *pb;

	if (na >= 0 && nb >= 0 && na == nb && memcmp(la, lb, (size_t)na) == 0)
		return cmp_add_member(c, path, MEM_SAME) == VOUCH_OK ? 0 : -1;
	d = cmp_add_diff(c, path, CMP_METADATA);
	if (d == NULL)
		return -1;
	pa = cmp_printable(la, na < 0 ? 0 : (size_t)na);
	pb = cmp_printable(lb, nb < 0 ? 0 : (size_t)nb);
	d->summary = strdup("symlink target differs");
	d->hints = VOUCH_HINT_CONTENT;
	cmp_add_item(d, "target", pa ? pa : "", pb ? pb : "", NULL, 0);
	free(pa);
	free(pb);
	return cmp_add_member(c, path, MEM_DIFFERENT) == VOUCH_OK ? 0 : -1;
}

static int
cmp_entry(struct cmp_ctx *c, const char *path, const char *fa, const char *fb, unsigned depth,
          int top)
{
	struct stat a, b;
	struct cmp_diff *d;

	if (lstat(fa, &a) != 0 || lstat(fb, &b) != 0) {
		cmp_note(c, "'%s': cannot stat", path);
		return 0;
	}
	if ((a.st_mode & S_IFMT) != (b.st_mode & S_IFMT)) {
		d = cmp_add_diff(c, path, CMP_TYPE);
		if (d == NULL)
			return -1;
		d->hints = VOUCH_HINT_CONTENT;
		d->summary = cmp_strdupf("%s in A, %s in B", type_name(a.st_mode), type_name(b.st_mode));
		return cmp_add_member(c, path, MEM_DIFFERENT) == VOUCH_OK ? 0 : -1;
	}
	if (S_ISDIR(a.st_mode))
		return cmp_dirs(c, path, fa, fb, depth + 1);
	if (S_ISLNK(a.st_mode))
		return cmp_links(c, path, fa, fb);
	if (S_ISREG(a.st_mode)) {
		struct cmp_side sa, sb;

		memset(&sa, 0, sizeof(sa));
		memset(&sb, 0, sizeof(sb));
		if (cmp_files_ex(c, path, fa, fb, depth, &sa, &sb) != 0)
			return -1;
		return top && sa.present && add_artifact(c, path, &sa, &sb) != 0 ? -1 : 0;
	}
	return cmp_add_member(c, path, MEM_SAME) == VOUCH_OK ? 0 : -1;
}

static int
cmp_dir_pair(struct cmp_ctx *c, const char *path, const char *da, const char *db,
             const char *na, const char *nb, unsigned depth)
{
	const char *name = na ? na : nb;
	char *pname = cmp_printable(name, strlen(name));
	char *sub = pname ? cmp_join(path, pname) : NULL;
	char *fa = cmp_strdupf("%s/%s", da, name), *fb = cmp_strdupf("%s/%s", db, name);
	int rc = -1;

	if (sub == NULL || fa == NULL || fb == NULL)
		goto out;
	if (na && nb)
		rc = cmp_entry(c, sub, fa, fb, depth, depth == 1);
	else
		rc = one_sided(c, sub, na ? fa : fb, nb != NULL, depth == 1);
out:
	free(pname);
	free(sub);
	free(fa);
	free(fb);
	return rc;
}

/* Both trees hold one directory, under different names: pair beneath it
 * and report the rename once.  0 done, 1 not the case, -1 error. */
static int
cmp_renamed_root(struct cmp_ctx *c, const char *da, const char *db, const char *na,
                 const char *nb, unsigned depth)
{
	char *fa = cmp_strdupf("%s/%s", da, na), *fb = cmp_strdupf("%s/%s", db, nb);
	char *pa = cmp_printable(na, strlen(na)), *pb = cmp_printable(nb, strlen(nb));
	struct stat sa, sb;
	struct cmp_diff *d;
	int rc = -1;

	if (fa == NULL || fb == NULL || pa == NULL || pb == NULL)
		goto out;
	rc = 1;
	if (lstat(fa, &sa) != 0 || lstat(fb, &sb) != 0 || !S_ISDIR(sa.st_mode) ||
	    !S_ISDIR(sb.st_mode))
		goto out;
	rc = -1;
	d = cmp_add_diff(c, ".", CMP_RENAME);
	if (d == NULL)
		goto out;
	d->hints = VOUCH_HINT_CONTENT;
	d->summary = cmp_strdupf("top directory renamed: %s -> %s; entries paired beneath it", pa,
	                         pb);
	if (cmp_add_item(d, "top directory", pa, pb, NULL, 0) != VOUCH_OK)
		goto out;
	rc = cmp_dirs(c, pb, fa, fb, depth + 1);
out:
	free(fa);
	free(fb);
	free(pa);
	free(pb);
	return rc;
}

static int
cmp_dirs(struct cmp_ctx *c, const char *path, const char *da, const char *db, unsigned depth)
{
	struct dirlist la, lb;
	size_t i = 0, j = 0;
	int rc = 0;

	if (depth > c->o->max_depth) {
		cmp_note(c, "'%s': depth limit %u reached", path, c->o->max_depth);
		return 0;
	}
	if (list_dir(c, da, &la) != 0) {
		cmp_note(c, "'%s': cannot read directory", path);
		return 0;
	}
	if (list_dir(c, db, &lb) != 0) {
		dirlist_free(&la);
		cmp_note(c, "'%s': cannot read directory", path);
		return 0;
	}
	if (depth == 1 && la.n == 1 && lb.n == 1 && strcmp(la.names[0], lb.names[0]) != 0) {
		rc = cmp_renamed_root(c, da, db, la.names[0], lb.names[0], depth);
		if (rc <= 0) {
			i = j = 1; /* handled (or failed) */
			rc = rc < 0 ? -1 : 0;
		} else {
			rc = 0;
		}
	}
	while (rc == 0 && (i < la.n || j < lb.n)) {
		int k = i >= la.n ? 1 : j >= lb.n ? -1 : strcmp(la.names[i], lb.names[j]);

		if (k == 0)
			rc = cmp_dir_pair(c, path, da, db, la.names[i++], lb.names[j++], depth);
		else if (k < 0)
			rc = cmp_dir_pair(c, path, da, db, la.names[i++], NULL, depth);
		else
			rc = cmp_dir_pair(c, path, da, db, NULL, lb.names[j++], depth);
	}
	dirlist_free(&la);
	dirlist_free(&lb);
	return rc;
}

static void
settle_verdict(struct cmp_ctx *c)
{
	struct vouch_compare_report *r = c->r;
	int different = 0;

	if (c->members_limited)
		cmp_note(c, "member limit %llu reached", (unsigned long long)c->o->max_members);
	if (c->size_limited)
		cmp_note(c, "decompressed size limit %llu reached", (unsigned long long)c->o->max_size);
	cmp_settle_manifests(c);
	for (size_t i = 0; i < r->ndiffs; i++) {
		if (r->diffs[i].excused)
			r->rules_needed |= r->diffs[i].excused;
		else if (r->diffs[i].kind != CMP_LIMIT && r->diffs[i].kind != CMP_ERROR)
			different = 1;
	}
	if (different)
		r->verdict = VOUCH_CMP_DIFFERENT;
	else if (r->incomplete)
		r->verdict = VOUCH_CMP_INCOMPLETE;
	else if (r->ndiffs > 0)
		r->verdict = VOUCH_CMP_EQUIVALENT;
	else
		r->verdict = VOUCH_CMP_IDENTICAL;
}

static void
rm_tree(const char *dir)
{
	DIR *d = opendir(dir);
	struct dirent *e;
	char p[4200];

	if (d == NULL)
		return;
	while ((e = readdir(d)) != NULL) {
		int n = snprintf(p, sizeof(p), "%s/%s", dir, e->d_name);

		if (e->d_name[0] != '.' && n > 0 && (size_t)n < sizeof(p))
			unlink(p);
	}
	closedir(d);
	rmdir(dir);
}

static const char *
base_name(const char *p)
{
	const char *s = strrchr(p, '/');

	return s && s[1] ? s + 1 : p;
}

static int
cmp_top(struct cmp_ctx *c, const char *a, const char *b, const struct stat *sa,
        const struct stat *sb)
{
	struct vouch_compare_report *r = c->r;
	const char *shown = base_name(r->b_path);
	char *name = strdup(shown);
	int rc = -1;

	if (name == NULL)
		return -1;
	if (S_ISDIR(sa->st_mode) && S_ISDIR(sb->st_mode)) {
		r->is_dir = 1;
		rc = cmp_dirs(c, "", a, b, 1);
	} else if (S_ISREG(sa->st_mode) && S_ISREG(sb->st_mode)) {
		rc = cmp_files_ex(c, name, a, b, 0, &r->a, &r->b);
		if (rc == 0 && add_artifact(c, name, &r->a, &r->b) != 0)
			rc = -1;
	} else {
		struct cmp_diff *d = cmp_add_diff(c, name, CMP_TYPE);

		if (d != NULL) {
			d->hints = VOUCH_HINT_CONTENT;
			d->summary = cmp_strdupf("%s in A, %s in B", type_name(sa->st_mode),
			                         type_name(sb->st_mode));
			rc = 0;
		}
	}
	free(name);
	return rc;
}

/* What the user names must be a file or a directory (opened the way every
 * tool opens its inputs): a device or a FIFO is trouble (exit 2), never
 * "different". */
static int
top_input(const char *path, struct stat *st, vouch_err *err)
{
	vouch_input in;
	int rc = vouch_input_open(&in, path, VOUCH_INPUT_DIR, st, err);

	vouch_input_close(&in);
	return rc;
}

int
vouch_compare(const char *a, const char *b, const struct vouch_compare_opts *o,
              vouch_compare_report **out, vouch_err *err)
{
	struct vouch_compare_report *r = NULL;
	struct cmp_ctx c;
	struct stat sa, sb;
	char *ra = NULL, *rb = NULL;
	int rc = VOUCH_OK;

	*out = NULL;
	memset(&c, 0, sizeof(c));
	if ((rc = top_input(a, &sa, err)) != VOUCH_OK || (rc = top_input(b, &sb, err)) != VOUCH_OK)
		return rc;
	r = calloc(1, sizeof(*r));
	if (r == NULL)
		return vouch_err_set(err, VOUCH_ENOMEM, "out of memory");
	r->opts = *o;
	r->a_path = cmp_printable(a, strlen(a));
	r->b_path = cmp_printable(b, strlen(b));
	c.o = &r->opts;
	c.r = r;
	pthread_mutex_init(&c.lock, NULL);
	/* the user named these: follow symlinks once, here; never below */
	ra = realpath(a, NULL);
	rb = realpath(b, NULL);
	if (ra == NULL || rb == NULL)
		rc = vouch_err_sys(err, VOUCH_EIO, "'%s'", ra == NULL ? a : b);
	else if (r->a_path == NULL || r->b_path == NULL || cmp_top(&c, ra, rb, &sa, &sb) != 0)
		rc = vouch_err_set(err, VOUCH_ENOMEM, "out of memory");
	free(ra);
	free(rb);
	if (c.tmpdir[0] != '\0')
		rm_tree(c.tmpdir);
	cmp_mem_free_all(&c);
	pthread_mutex_destroy(&c.lock);
	if (rc == VOUCH_OK && c.refused.code != VOUCH_OK)
		rc = vouch_err_set(err, c.refused.code, "%s", c.refused.msg);
	if (rc != VOUCH_OK) {
		vouch_compare_report_free(r);
		return rc;
	}
	settle_verdict(&c);
	if (cmp_classify_all(r) != 0) {
		vouch_compare_report_free(r);
		return vouch_err_set(err, VOUCH_ENOMEM, "out of memory");
	}
	*out = r;
	return VOUCH_OK;
}

static void
diff_free(struct cmp_diff *d)
{
	free(d->path);
	free(d->summary);
	free(d->diff);
	for (size_t i = 0; i < d->nitems; i++) {
		free(d->items[i].name);
		free(d->items[i].a);
		free(d->items[i].b);
		free(d->items[i].note);
	}
	free(d->items);
	free(d->cls);
	for (size_t i = 0; i < d->nfuncs; i++) {
		free(d->funcs[i].name);
		free(d->funcs[i].section);
		free(d->funcs[i].diff);
	}
	free(d->funcs);
	for (size_t i = 0; i < d->nmlines; i++) {
		free(d->mlines[i].path);
		free(d->mlines[i].da);
		free(d->mlines[i].db);
	}
	free(d->mlines);
}

void
vouch_compare_report_free(vouch_compare_report *r)
{
	if (r == NULL)
		return;
	for (size_t i = 0; i < r->ndiffs; i++)
		diff_free(&r->diffs[i]);
	for (size_t i = 0; i < r->nmembers; i++)
		free(r->members[i].path);
	for (size_t i = 0; i < r->narts; i++)
		free(r->arts[i].name);
	for (size_t i = 0; i < r->nnotes; i++)
		free(r->notes[i]);
	free(r->diffs);
	free(r->members);
	free(r->arts);
	free(r->notes);
	free(r->a_path);
	free(r->b_path);
	free(r);
}

int
vouch_compare_report_verdict(const vouch_compare_report *r)
{
	return r->verdict;
}

int
vouch_compare_report_status(const vouch_compare_report *r)
{
	switch (r->verdict) {
	case VOUCH_CMP_IDENTICAL:
	case VOUCH_CMP_EQUIVALENT:
		return VOUCH_OK;
	case VOUCH_CMP_DIFFERENT:
		return VOUCH_ENEGATIVE;
	default:
		return VOUCH_ELIMIT;
	}
}

unsigned
vouch_compare_report_rules_needed(const vouch_compare_report *r)
{
	return r->rules_needed;
}

size_t
vouch_compare_report_difference_count(const vouch_compare_report *r)
{
	return r->ndiffs;
}

const char *
vouch_compare_report_difference_path(const vouch_compare_report *r, size_t i)
{
	return i < r->ndiffs ? r->diffs[i].path : NULL;
}

unsigned
vouch_compare_report_difference_hints(const vouch_compare_report *r, size_t i)
{
	return i < r->ndiffs ? r->diffs[i].hints : 0;
}

int
vouch_compare_report_difference_excused(const vouch_compare_report *r, size_t i)
{
	return i < r->ndiffs && r->diffs[i].excused != 0;
}
