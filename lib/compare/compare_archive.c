/* compare_archive.c - pairing archive members and compressed streams. */
#include "config.h"

#include <fcntl.h>
#include <inttypes.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <archive.h>
#include <archive_entry.h>

#include "compare_int.h"
#include "vouch/codec.h"
#include "vouch/file.h"
#include "vouch/reader.h"
#include "vouch/zipcheck.h"

struct entry {
	char *name;           /* printable, normalized */
	const char *key;      /* what pairs it: name, or below a renamed top directory */
	size_t index;         /* position in the archive */
	unsigned type;        /* AE_IF* */
	unsigned perm;
	int64_t uid, gid;
	char *uname, *gname, *link, *hardlink;
	int has_mtime;
	int64_t mtime;
	long mtime_ns;
	struct cmp_side side; /* regular files: size and digest of the data */
	int partial;          /* data not fully read (limit or error) */
	size_t pair;          /* index of the partner in the other listing */
	int paired, want;
	char *tmp;            /* extracted (or spilled) copy */
	int kept;             /* mem holds the data (read once, see KEEP_MAX) */
	vouch_buf mem;
};

/* Member data kept in memory during the listing pass, per listing, so that
 * the members that differ need no second decompression pass (xz is most
 * of the time of a .deb comparison).  Larger archives fall back to a
 * second pass for what did not fit. */
#define KEEP_MAX ((uint64_t)24 << 20)

/* Members of a compressed stream (tar.xz, tar.gz, ...) beyond KEEP_MAX are
 * copied to temporary files during the listing pass ("spilled"), up to
 * SPILL_MAX bytes per listing: a second pass would decompress the stream
 * again (openjdk's 190 MB data.tar.xz: 3 s of xz per side).  Those not
 * wanted are removed as soon as the members are paired. */
#define SPILL_MAX ((uint64_t)4 << 30)

/* Both sides are listed at once, in two threads, when both files are at
 * least this large: decompression is most of the time and needs no
 * coordination. */
#define PAR_MIN ((off_t)1 << 20)

struct listing {
	struct entry *e;
	size_t n, cap;
	int raw;              /* a bare compressed stream, not an archive */
	int filter;           /* outermost filter code */
	int truncated;        /* a limit stopped the listing */
	int limited;          /* max_size reached while listing */
	uint64_t kept;        /* bytes kept in memory (KEEP_MAX) */
	int spill;            /* spill what is not kept (a compressed stream) */
	uint64_t spilled;     /* bytes spilled (SPILL_MAX) */
	uint64_t members;     /* counted against max_members by this listing */
	uint64_t unpacked;    /* counted against max_size by this listing */
	char *note;           /* a read error, noted once both sides are listed */
	vouch_err refused;    /* a refusal (zip), likewise */
	const char *label;    /* "A" or "B" */
};

enum comp { COMP_NONE, COMP_GZIP, COMP_XZ, COMP_ZSTD, COMP_BZIP2 };

static enum comp
comp_of(const uint8_t *m, size_t n)
{
	if (n >= 2 && m[0] == 0x1f && m[1] == 0x8b)
		return COMP_GZIP;
	if (n >= 6 && memcmp(m, "\xfd" "7zXZ\0", 6) == 0)
		return COMP_XZ;
	if (n >= 4 && memcmp(m, "\x28\xb5\x2f\xfd", 4) == 0)
		return COMP_ZSTD;
	if (n >= 3 && memcmp(m, "BZh", 3) == 0)
		return COMP_BZIP2;
	return COMP_NONE;
}

static size_t
read_head(struct cmp_ctx *c, const char *file, uint8_t *buf, size_t n, off_t off)
{
	struct cmp_in in;
	size_t got;

	if (cmp_in_open(c, file, &in) != 0)
		return 0;
	got = cmp_in_pread(&in, buf, n, (uint64_t)off);
	cmp_in_close(&in);
	return got;
}

/* A pre-POSIX (v7) tar header has no magic: its checksum must add up (the
 * sum of the 512 bytes, the checksum field counted as spaces). */
static int
is_v7_tar(const uint8_t *m, size_t n)
{
	unsigned long sum = 0, want = 0;
	size_t i;

	if (n < 512 || m[0] == 0)
		return 0;
	for (i = 0; i < 512; i++)
		sum += (i >= 148 && i < 156) ? ' ' : m[i];
	for (i = 148; i < 156 && m[i] == ' '; i++)
		;
	if (i == 156 || m[i] < '0' || m[i] > '7')
		return 0;
	for (; i < 156 && m[i] >= '0' && m[i] <= '7'; i++)
		want = want * 8 + (unsigned long)(m[i] - '0');
	return sum == want;
}

int
cmp_is_archive_magic(struct cmp_ctx *c, const char *file)
{
	uint8_t m[512];
	size_t n = read_head(c, file, m, sizeof(m), 0);

	if (comp_of(m, n) != COMP_NONE)
		return 1;
	/* the other filters of vouch/reader.h: lzip, lz4, compress, lzma */
	if (n >= 4 && (memcmp(m, "LZIP", 4) == 0 || memcmp(m, "\x04\x22\x4d\x18", 4) == 0))
		return 1;
	if (n >= 2 && m[0] == 0x1f && m[1] == 0x9d)
		return 1;
	if (n >= 13 && m[0] == 0x5d && m[1] == 0 && m[2] == 0 && (m[12] == 0 || m[12] == 0xff))
		return 1;
	if ((n >= 263 && memcmp(m + 257, "ustar", 5) == 0) || is_v7_tar(m, n))
		return 1;
	if (n >= 4 && (memcmp(m, "PK\3\4", 4) == 0 || memcmp(m, "PK\5\6", 4) == 0))
		return 1;
	if (n >= 8 && memcmp(m, "!<arch>\n", 8) == 0)
		return 1;
	if (n >= 6 && (memcmp(m, "070701", 6) == 0 || memcmp(m, "070702", 6) == 0 ||
	               memcmp(m, "070707", 6) == 0))
		return 1;
	if (n >= 2 && ((m[0] == 0xc7 && m[1] == 0x71) || (m[0] == 0x71 && m[1] == 0xc7)))
		return 1;
	if (n >= 6 && memcmp(m, "7z\xbc\xaf\x27\x1c", 6) == 0)
		return 1;
	n = read_head(c, file, m, 5, 32769);
	return n == 5 && memcmp(m, "CD001", 5) == 0;
}

static struct archive *
open_archive(struct cmp_ctx *c, const char *file)
{
	struct archive *a;
	const uint8_t *p;
	size_t n;
	int held = cmp_mem_find(c, file, &p, &n);

	/* vouch/reader.h: the formats and filters every tool reads */
	if (vouch_reader_new(VOUCH_READER_RAW, &a, NULL) != VOUCH_OK)
		return NULL;
	if ((held ? archive_read_open_memory(a, p, n) : archive_read_open_filename(a, file, 65536))
	    != ARCHIVE_OK) {
		archive_read_free(a);
		return NULL;
	}
	return a;
}

static char *
stem_name(const char *path)
{
	static const char *const sfx[] = { ".gz", ".xz", ".zst", ".bz2", ".lzma", ".tgz" };
	const char *base = strrchr(path, '/');
	size_t n;

	base = base ? base + 1 : path;
	n = strlen(base);
	for (size_t i = 0; i < sizeof(sfx) / sizeof(sfx[0]); i++) {
		size_t k = strlen(sfx[i]);

		if (n > k && strcmp(base + n - k, sfx[i]) == 0)
			return i == 5 ? cmp_strdupf("%.*s.tar", (int)(n - k), base)
			              : cmp_strdupf("%.*s", (int)(n - k), base);
	}
	return strdup("content");
}

static char *
entry_name(const char *p)
{
	if (p == NULL)
		return strdup("");
	for (;;) {
		if (p[0] == '/')
			p++;
		else if (p[0] == '.' && p[1] == '/')
			p += 2;
		else
			break;
	}
	return p[0] == '\0' ? strdup(".") : cmp_printable(p, strlen(p));
}

static char *
opt_printable(const char *s)
{
	return s ? cmp_printable(s, strlen(s)) : NULL;
}

static int
fill_entry(struct entry *e, struct archive_entry *ae, const char *display, int raw, size_t idx)
{
	e->index = idx;
	e->name = raw ? strdup(display) : entry_name(archive_entry_pathname(ae));
	e->type = archive_entry_filetype(ae);
	if (raw || e->type == 0)
		e->type = AE_IFREG; /* ar members carry no file type */
	e->perm = archive_entry_perm(ae);
	e->uid = archive_entry_uid(ae);
	e->gid = archive_entry_gid(ae);
	e->uname = opt_printable(archive_entry_uname(ae));
	e->gname = opt_printable(archive_entry_gname(ae));
	e->link = opt_printable(archive_entry_symlink(ae));
	e->hardlink = entry_name(archive_entry_hardlink(ae));
	e->has_mtime = archive_entry_mtime_is_set(ae);
	e->mtime = archive_entry_mtime(ae);
	e->mtime_ns = archive_entry_mtime_nsec(ae);
	if (archive_entry_hardlink(ae) != NULL)
		e->type = 0; /* a hard link: compared by target */
	return e->name == NULL ? -1 : 0;
}

/* Read the current entry's data into the hasher (and fd when >= 0, and
 * keep when not NULL). */
/* Count n more decompressed bytes against max_size; 0 when over it. */
static int
count_unpacked(struct cmp_ctx *c, struct listing *l, size_t n)
{
	int ok;

	pthread_mutex_lock(&c->lock);
	ok = n <= c->o->max_size - c->unpacked;
	if (ok)
		c->unpacked += n;
	else
		c->size_limited = 1;
	pthread_mutex_unlock(&c->lock);
	if (l != NULL && ok)
		l->unpacked += n;
	else if (l != NULL)
		l->limited = 1;
	return ok;
}

static int
pump_data(struct cmp_ctx *c, struct listing *l, struct archive *a, struct entry *e, int fd,
          vouch_buf *keep)
{
	vouch_hasher *h = NULL;
	vouch_digests d;
	const void *buf;
	size_t n;
	int64_t off;
	uint64_t total = 0;
	int r;

	if (vouch_hasher_new(VOUCH_ALG_SHA256, &h, NULL) != VOUCH_OK)
		return -1;
	while ((r = archive_read_data_block(a, &buf, &n, &off)) == ARCHIVE_OK) {
		if (!count_unpacked(c, l, n)) {
			e->partial = 1;
			break;
		}
		total += n;
		vouch_hasher_update(h, buf, n, NULL);
		if (fd >= 0 && vouch_write_all(fd, buf, n, "temporary file", NULL) != VOUCH_OK) {
			e->partial = 1;
			break;
		}
		if (keep != NULL && vouch_buf_append(keep, buf, n, NULL) != VOUCH_OK)
			keep = NULL; /* grew past its size: read again when wanted */
	}
	if (r != ARCHIVE_OK && r != ARCHIVE_EOF)
		e->partial = 1;
	if (vouch_hasher_final(h, &d, NULL) == VOUCH_OK && !e->partial) {
		e->side.present = 1;
		e->side.size = total;
		memcpy(e->side.sha256, vouch_digests_get(&d, VOUCH_ALG_SHA256), 32);
	}
	vouch_hasher_free(h);
	return e->partial ? 1 : 0;
}

static void
listing_free(struct cmp_ctx *c, struct listing *l)
{
	for (size_t i = 0; i < l->n; i++) {
		struct entry *e = &l->e[i];

		if (e->tmp != NULL)
			cmp_mem_release(c, e->tmp);
		free(e->name);
		free(e->uname);
		free(e->gname);
		free(e->link);
		free(e->hardlink);
		free(e->tmp);
		vouch_buf_free(&e->mem);
	}
	free(l->e);
	free(l->note);
	memset(l, 0, sizeof(*l));
}

/* A zip whose central directory and local headers disagree is noted
 * (the comparison is incomplete: exit 2) and not read further. */
static int
zip_refused(struct cmp_ctx *c, const char *path, const char *file, struct listing *l,
            struct archive *a)
{
	struct stat st;
	vouch_err why;
	char *label;
	const uint8_t *p;
	size_t n;
	int fd = -1, bad = 0;

	if ((archive_format(a) & ARCHIVE_FORMAT_BASE_MASK) != ARCHIVE_FORMAT_ZIP)
		return 0;
	/* a member extracted to a temporary file or held in memory goes by its
	 * path in the report */
	label = file[0] == CMP_MEM_MARK ||
	        (c->tmpdir[0] != '\0' && strncmp(file, c->tmpdir, strlen(c->tmpdir)) == 0)
	    ? cmp_strdupf("%s (%s)", path, l->label) : strdup(file);
	if (label == NULL)
		return 0;
	vouch_err_clear(&why);
	if (cmp_mem_find(c, file, &p, &n))
		bad = vouch_zip_check_mem(p, n, label, &why) != VOUCH_OK;
	else if (vouch_open_read_nofollow(file, &fd, &why) != VOUCH_OK || fstat(fd, &st) != 0 ||
	         vouch_zip_check_fd(fd, (uint64_t)st.st_size, label, &why) != VOUCH_OK)
		bad = 1;
	if (fd >= 0)
		close(fd);
	if (bad && why.code == VOUCH_OK)
		vouch_err_set(&why, VOUCH_EIO, "'%s': cannot check the zip", label);
	if (bad)
		l->refused = why; /* cmp_refuse once both sides are listed */
	free(label);
	return bad;
}

/* Copy the current entry's data to a temporary file (e->tmp). */
static void
spill_data(struct cmp_ctx *c, struct listing *l, struct archive *a, struct entry *e)
{
	char p[4200];
	int fd = cmp_tmpfile(c, p, sizeof(p));

	if (fd >= 0)
		e->tmp = strdup(p);
	if (e->tmp == NULL) {
		if (fd >= 0) {
			close(fd);
			unlink(p);
		}
		pump_data(c, l, a, e, -1, NULL); /* wanted: read again */
		return;
	}
	pump_data(c, l, a, e, fd, NULL);
	close(fd);
	if (e->partial) {
		unlink(e->tmp);
		free(e->tmp);
		e->tmp = NULL;
	} else {
		l->spilled += e->side.size;
	}
}

/* First pass: list and hash every member. 0 ok, 1 not an archive, -1 error.
 * Runs in a thread of its own (scan_pair): the context is shared through
 * cmp_tmpfile and count_unpacked only; notes wait in the listing. */
static int
scan(struct cmp_ctx *c, const char *path, const char *file, struct listing *l)
{
	struct archive *a = open_archive(c, file);
	struct archive_entry *ae;
	char *stem = NULL;
	int r, rc = 0;

	if (a == NULL)
		return 1;
	for (size_t idx = 0;; idx++) {
		struct entry *e;

		r = archive_read_next_header(a, &ae);
		if (r == ARCHIVE_EOF)
			break;
		if (r < ARCHIVE_WARN) {
			if (idx == 0) {
				rc = 1;
			} else {
				char *msg = cmp_printable(archive_error_string(a) ? archive_error_string(a)
				                          : "error", strlen(archive_error_string(a)
				                          ? archive_error_string(a) : "error"));
				l->note = cmp_strdupf("'%s' (%s): archive read error: %s", path,
				                      l->label, msg ? msg : "?");
				free(msg);
			}
			break;
		}
		if (idx == 0 && zip_refused(c, path, file, l, a)) {
			rc = 1;     /* compared as bytes only; the note makes it trouble */
			break;
		}
		if (idx == 0) {
			l->raw = archive_format(a) == ARCHIVE_FORMAT_RAW;
			l->filter = archive_filter_count(a) > 1 ? archive_filter_code(a, 0) : 0;
			l->spill = l->filter != 0;
			if (l->raw && l->filter == 0) {
				rc = 1; /* plain bytes: not ours */
				break;
			}
			stem = stem_name(path);
			if (stem == NULL) {
				rc = -1;
				break;
			}
		}
		pthread_mutex_lock(&c->lock);
		if (c->members < c->o->max_members)
			c->members++;
		else
			c->members_limited = l->truncated = 1;
		pthread_mutex_unlock(&c->lock);
		if (l->truncated)
			break;
		l->members++;
		if (l->n == l->cap) {
			size_t ncap = l->cap ? l->cap * 2 : 64;
			void *p = realloc(l->e, ncap * sizeof(*l->e));

			if (p == NULL) {
				rc = -1;
				break;
			}
			l->e = p;
			l->cap = ncap;
		}
		e = &l->e[l->n];
		memset(e, 0, sizeof(*e));
		l->n++;
		if (fill_entry(e, ae, stem, l->raw, idx) != 0) {
			rc = -1;
			break;
		}
		if (e->type == AE_IFREG) {
			int64_t sz = archive_entry_size(ae);

			e->kept = archive_entry_size_is_set(ae) && sz >= 0 &&
			          (uint64_t)sz <= KEEP_MAX - l->kept;
			if (e->kept) {
				vouch_buf_init(&e->mem, (size_t)sz + 1);
				/* its final size at once: no copies while it grows */
				(void)vouch_buf_reserve(&e->mem, (size_t)sz, NULL);
				l->kept += (uint64_t)sz;
			}
			if (!e->kept && l->spill && l->spilled < SPILL_MAX)
				spill_data(c, l, a, e);
			else
				pump_data(c, l, a, e, -1, e->kept ? &e->mem : NULL);
			if (e->partial && l->limited) {
				l->truncated = 1;
				break;
			}
			e->kept = e->kept && !e->partial && e->mem.len == e->side.size;
		}
	}
	free(stem);
	archive_read_free(a);
	return rc;
}

static int
by_name(const void *x, const void *y)
{
	const struct entry *a = *(const struct entry *const *)x, *b = *(const struct entry *const *)y;
	int k = strcmp(a->key, b->key);

	return k ? k : (a->index < b->index ? -1 : a->index > b->index);
}

static struct entry **
sorted(struct listing *l)
{
	struct entry **v = calloc(l->n + 1, sizeof(*v));

	if (v == NULL)
		return NULL;
	for (size_t i = 0; i < l->n; i++)
		v[i] = &l->e[i];
	qsort(v, l->n, sizeof(*v), by_name);
	return v;
}

static void
add_field(struct cmp_diff *d, const char *name, const char *a, const char *b, unsigned rule)
{
	cmp_add_item(d, name, a ? a : "(none)", b ? b : "(none)", NULL, rule);
}

static void
num_field(struct cmp_diff *d, const char *name, int64_t a, int64_t b, unsigned rule,
          int octal)
{
	char sa[32], sb[32];

	snprintf(sa, sizeof(sa), octal ? "%04" PRIo64 : "%" PRId64, a);
	snprintf(sb, sizeof(sb), octal ? "%04" PRIo64 : "%" PRId64, b);
	add_field(d, name, sa, sb, rule);
}

static int
streq(const char *a, const char *b)
{
	return (a == NULL && b == NULL) || (a && b && strcmp(a, b) == 0);
}

/* Set d->excused when every item is excusable under the active rules. */
static void
excuse(struct cmp_ctx *c, struct cmp_diff *d)
{
	unsigned need = 0;

	for (size_t i = 0; i < d->nitems; i++) {
		if (d->items[i].rule == 0)
			return;
		need |= d->items[i].rule;
	}
	if (need != 0 && (need & c->o->normalize) == need)
		d->excused = need;
}

static void
metadata_items(struct cmp_diff *d, const struct entry *a, const struct entry *b)
{
	if (a->has_mtime != b->has_mtime || a->mtime != b->mtime || a->mtime_ns != b->mtime_ns) {
		char sa[48], sb[48];

		snprintf(sa, sizeof(sa), "%" PRId64 ".%09ld", a->mtime, a->mtime_ns);
		snprintf(sb, sizeof(sb), "%" PRId64 ".%09ld", b->mtime, b->mtime_ns);
		add_field(d, "mtime", sa, sb, VOUCH_NORM_MTIME);
	}
	if (a->uid != b->uid)
		num_field(d, "uid", a->uid, b->uid, VOUCH_NORM_OWNER, 0);
	if (a->gid != b->gid)
		num_field(d, "gid", a->gid, b->gid, VOUCH_NORM_OWNER, 0);
	if (!streq(a->uname, b->uname))
		add_field(d, "uname", a->uname, b->uname, VOUCH_NORM_OWNER);
	if (!streq(a->gname, b->gname))
		add_field(d, "gname", a->gname, b->gname, VOUCH_NORM_OWNER);
	if (a->perm != b->perm)
		num_field(d, "mode", a->perm, b->perm, VOUCH_NORM_MODE, 1);
	if (!streq(a->link, b->link))
		add_field(d, "symlink", a->link, b->link, 0);
	if (!streq(a->hardlink, b->hardlink))
		add_field(d, "hardlink", a->hardlink, b->hardlink, 0);
}

/* Compare the metadata of a pair; flag it for extraction when data differ. */
static int
cmp_pair_meta(struct cmp_ctx *c, const char *path, struct entry *a, struct entry *b, int raw)
{
	char *sub = cmp_join(path, b->name);
	struct cmp_diff *d = NULL;
	int status = MEM_SAME, rc = -1;

	if (sub == NULL)
		return -1;
	if (a->type != b->type) {
		d = cmp_add_diff(c, sub, CMP_TYPE);
		if (d == NULL)
			goto out;
		d->hints = VOUCH_HINT_CONTENT;
		d->summary = strdup("member types differ");
		status = MEM_DIFFERENT;
	} else if (!raw) {
		struct cmp_diff tmp;

		memset(&tmp, 0, sizeof(tmp));
		metadata_items(&tmp, a, b);
		if (tmp.nitems > 0) {
			d = cmp_add_diff(c, sub, CMP_METADATA);
			if (d == NULL) {
				free(tmp.items);
				goto out;
			}
			d->items = tmp.items;
			d->nitems = tmp.nitems;
			d->hints = VOUCH_HINT_ARCHIVE_METADATA;
			d->summary = strdup("archive member metadata differs");
			excuse(c, d);
			status = d->excused ? MEM_EQUIVALENT : MEM_DIFFERENT;
		}
	}
	if (a->type == b->type && a->type == AE_IFREG) {
		if (a->partial || b->partial) {
			cmp_note(c, "'%s': not compared (limit or read error)", sub);
		} else if (a->side.size != b->side.size ||
		           memcmp(a->side.sha256, b->side.sha256, 32) != 0) {
			a->want = b->want = 1;
			rc = 0;
			goto out; /* recorded as a member when compared */
		}
	}
	rc = cmp_add_member(c, sub, status) == VOUCH_OK ? 0 : -1;
out:
	free(sub);
	return rc;
}

static int
one_sided_member(struct cmp_ctx *c, const char *path, const struct entry *e, int in_b)
{
	char *sub = cmp_join(path, e->name);
	struct cmp_diff *d = sub ? cmp_add_diff(c, sub, in_b ? CMP_ADDED : CMP_REMOVED) : NULL;
	int rc = -1;

	if (d != NULL) {
		d->hints = in_b ? VOUCH_HINT_MEMBER_ADDED : VOUCH_HINT_MEMBER_REMOVED;
		d->summary = strdup(in_b ? "member only in B (added)" : "member only in A (removed)");
		if (e->side.present) {
			if (in_b)
				d->b = e->side;
			else
				d->a = e->side;
		}
		rc = cmp_add_member(c, sub, in_b ? MEM_ADDED : MEM_REMOVED) == VOUCH_OK ? 0 : -1;
	}
	free(sub);
	return rc;
}

/* Length of the one top directory every member lies in (0 when there is
 * not exactly one). */
static size_t
single_root(const struct listing *l)
{
	size_t n;

	if (l->n == 0 || l->raw)
		return 0;
	int dir = 0;

	n = strcspn(l->e[0].name, "/");
	if (n == 0 || (n == 1 && l->e[0].name[0] == '.'))
		return 0;
	for (size_t i = 0; i < l->n; i++) {
		const char *p = l->e[i].name;

		if (strncmp(p, l->e[0].name, n) != 0 || (p[n] != '\0' && p[n] != '/'))
			return 0;
		/* a directory: listed as one, or something lies beneath it */
		dir |= (p[n] == '/' && p[n + 1] != '\0') || (p[n] == '\0' && l->e[i].type == AE_IFDIR);
	}
	return dir ? n : 0;
}

static void
set_keys(struct listing *l, size_t strip)
{
	for (size_t i = 0; i < l->n; i++) {
		const char *p = l->e[i].name + strip;

		l->e[i].key = strip == 0 ? l->e[i].name : p[0] == '\0' || p[1] == '\0' ? "." : p + 1;
	}
}

/* Does some entry below the top directory pair with one on the other side? */
static int
keys_overlap(struct listing *la, struct listing *lb)
{
	struct entry **va = sorted(la), **vb = sorted(lb);
	size_t i = 0, j = 0;
	int found = 0;

	while (va && vb && !found && i < la->n && j < lb->n) {
		int k = strcmp(va[i]->key, vb[j]->key);

		found = k == 0 && strcmp(va[i]->key, ".") != 0;
		if (k <= 0)
			i++;
		if (k >= 0)
			j++;
	}
	free(va);
	free(vb);
	return found;
}

/* Both sides have one top directory under different names (openssl-3.0.20/
 * and openssl-3.0.22/): pair beneath it and report the rename once. */
static int
pair_roots(struct cmp_ctx *c, const char *path, struct listing *la, struct listing *lb)
{
	size_t ra = single_root(la), rb = single_root(lb);
	struct cmp_diff *d;
	char *na, *nb;
	int rc = 0;

	if (ra == 0 || rb == 0 || (ra == rb && strncmp(la->e[0].name, lb->e[0].name, ra) == 0)) {
		set_keys(la, 0);
		set_keys(lb, 0);
		return 0;
	}
	set_keys(la, ra);
	set_keys(lb, rb);
	if (!keys_overlap(la, lb)) { /* nothing pairs beneath: not a rename */
		set_keys(la, 0);
		set_keys(lb, 0);
		return 0;
	}
	na = strndup(la->e[0].name, ra);
	nb = strndup(lb->e[0].name, rb);
	d = na && nb ? cmp_add_diff(c, path[0] ? path : ".", CMP_RENAME) : NULL;
	if (d == NULL) {
		rc = -1;
	} else {
		d->summary = cmp_strdupf("top directory renamed: %s -> %s; members paired beneath it",
		                         na, nb);
		d->hints = VOUCH_HINT_CONTENT;
		rc = cmp_add_item(d, "top directory", na, nb, NULL, 0) == VOUCH_OK ? 0 : -1;
	}
	free(na);
	free(nb);
	return rc;
}

/* Pair by name; report one-sided members and metadata differences. */
static int
pair_members(struct cmp_ctx *c, const char *path, struct listing *la, struct listing *lb)
{
	struct entry **va = sorted(la), **vb = sorted(lb);
	size_t i = 0, j = 0;
	int rc = 0;

	if (va == NULL || vb == NULL) {
		free(va);
		free(vb);
		return -1;
	}
	while (rc == 0 && (i < la->n || j < lb->n)) {
		int k = i >= la->n ? 1 : j >= lb->n ? -1 : strcmp(va[i]->key, vb[j]->key);

		if (k == 0) {
			va[i]->paired = vb[j]->paired = 1;
			va[i]->pair = (size_t)(vb[j] - lb->e);
			vb[j]->pair = (size_t)(va[i] - la->e);
			rc = cmp_pair_meta(c, path, va[i++], vb[j++], la->raw && lb->raw);
		} else if (la->truncated || lb->truncated) {
			k < 0 ? i++ : j++; /* a listing is incomplete: absence proves nothing */
		} else if (k < 0) {
			rc = one_sided_member(c, path, va[i++], 0);
		} else {
			rc = one_sided_member(c, path, vb[j++], 1);
		}
	}
	free(va);
	free(vb);
	return rc;
}

static int
check_order(struct cmp_ctx *c, const char *path, const struct listing *la,
            const struct listing *lb)
{
	size_t last = 0;
	int first = 1;
	struct cmp_diff *d;

	for (size_t i = 0; i < la->n; i++) {
		if (!la->e[i].paired)
			continue;
		if (!first && la->e[i].pair < last) {
			d = cmp_add_diff(c, path[0] ? path : ".", CMP_ORDER);
			if (d == NULL)
				return -1;
			d->hints = VOUCH_HINT_ARCHIVE_METADATA;
			d->summary = strdup("archive members are in a different order");
			cmp_add_item(d, "first out of order", la->e[i].name, lb->e[last].name, NULL,
			             VOUCH_NORM_ORDER);
			excuse(c, d);
			return 0;
		}
		first = 0;
		last = la->e[i].pair;
	}
	return 0;
}

/* A wanted member read into memory during the listing: to a temporary file. */
static int
write_kept(struct cmp_ctx *c, struct entry *e)
{
	char p[4200];
	int fd = cmp_tmpfile(c, p, sizeof(p)), rc;

	if (fd < 0)
		return -1;
	rc = vouch_write_all(fd, e->mem.data ? e->mem.data : (const uint8_t *)"", e->mem.len,
	                     "temporary file", NULL);
	close(fd);
	e->tmp = strdup(p);
	if (rc != VOUCH_OK || e->tmp == NULL) {
		unlink(p);
		free(e->tmp);
		e->tmp = NULL;
		e->want = 0;
	}
	return 0;
}

/* Second pass: copy the wanted members of one archive to temporary files
 * (those not kept in memory by the first). */
static int
extract_wanted(struct cmp_ctx *c, const char *file, struct listing *l)
{
	struct archive *a = NULL;
	struct archive_entry *ae;
	size_t want = 0;
	int rc = 0;

	for (size_t i = 0; i < l->n && rc == 0; i++) {
		struct entry *e = &l->e[i];

		if (e->want && e->kept && (e->tmp = cmp_mem_add(c, &e->mem)) == NULL)
			rc = write_kept(c, e); /* over CMP_HOLD_MAX */
		if (!e->want && e->tmp != NULL) { /* spilled, equal on both sides */
			unlink(e->tmp);
			free(e->tmp);
			e->tmp = NULL;
		}
		vouch_buf_free(&e->mem);
		e->kept = 0;
		want += e->want && e->tmp == NULL;
	}
	if (want == 0 || rc != 0)
		return rc;
	a = open_archive(c, file);
	if (a == NULL)
		return -1;
	for (size_t idx = 0; idx < l->n && want > 0; idx++) {
		struct entry *e = &l->e[idx], tmp;
		char p[4200];
		int fd;

		if (archive_read_next_header(a, &ae) < ARCHIVE_WARN)
			break;
		if (!e->want || e->tmp != NULL)
			continue;
		fd = cmp_tmpfile(c, p, sizeof(p));
		if (fd < 0) {
			rc = -1;
			break;
		}
		e->tmp = strdup(p);
		memset(&tmp, 0, sizeof(tmp));
		pump_data(c, NULL, a, &tmp, fd, NULL);
		close(fd);
		if (tmp.partial || e->tmp == NULL) {
			e->want = 0;
			if (e->tmp != NULL)
				unlink(e->tmp);
			free(e->tmp);
			e->tmp = NULL;
		}
		want--;
	}
	archive_read_free(a);
	return rc;
}

static int
recurse_members(struct cmp_ctx *c, const char *path, struct listing *la, struct listing *lb,
                unsigned depth)
{
	for (size_t i = 0; i < la->n; i++) {
		struct entry *a = &la->e[i], *b;
		char *sub;
		int rc;

		if (!a->want)
			continue;
		b = &lb->e[a->pair];
		sub = cmp_join(path, b->name);
		if (sub == NULL)
			return -1;
		if (a->tmp == NULL || b->tmp == NULL) {
			cmp_note(c, "'%s': not compared (limit or extraction error)", sub);
			rc = cmp_add_member(c, sub, MEM_DIFFERENT) == VOUCH_OK ? 0 : -1;
		} else {
			rc = cmp_files_hashed(c, sub, a->tmp, b->tmp, depth, &a->side, &b->side);
		}
		free(sub);
		cmp_mem_release(c, a->tmp);
		cmp_mem_release(c, b->tmp);
		free(a->tmp);
		free(b->tmp);
		a->tmp = b->tmp = NULL;
		if (rc != 0)
			return rc;
	}
	return 0;
}

struct gz_header {
	int ok;
	uint32_t mtime;
	unsigned flags, xfl, os;
	char name[256];
};

static void
parse_gzip(const uint8_t *m, size_t n, struct gz_header *h)
{
	size_t off = 10;

	memset(h, 0, sizeof(*h));
	if (n < 10)
		return;
	h->ok = 1;
	h->flags = m[3];
	h->mtime = (uint32_t)m[4] | (uint32_t)m[5] << 8 | (uint32_t)m[6] << 16 | (uint32_t)m[7] << 24;
	h->xfl = m[8];
	h->os = m[9];
	if ((h->flags & 4) && off + 2 <= n)
		off += 2 + (size_t)(m[off] | m[off + 1] << 8);
	if (h->flags & 8) {
		size_t k = 0;

		while (off < n && m[off] != 0 && k + 1 < sizeof(h->name))
			h->name[k++] = (m[off] >= 0x20 && m[off] < 0x7f) ? (char)m[off] : '?', off++;
		h->name[k] = '\0';
	}
}

static const char *
comp_name(enum comp k)
{
	static const char *const names[] = { "none", "gzip", "xz", "zstd", "bzip2" };

	return names[k];
}

/* Compression header differences; returns 1 when one was recorded. */
static int
cmp_comp_headers(struct cmp_ctx *c, const char *path, const char *fa, const char *fb)
{
	uint8_t ma[1024], mb[1024];
	size_t na = read_head(c, fa, ma, sizeof(ma), 0), nb = read_head(c, fb, mb, sizeof(mb), 0);
	enum comp ka = comp_of(ma, na), kb = comp_of(mb, nb);
	struct cmp_diff *d = NULL;
	char sa[80], sb[80];

	if (ka == COMP_NONE && kb == COMP_NONE)
		return 0;
	d = cmp_add_diff(c, path, CMP_COMP_HEADER);
	if (d == NULL)
		return -1;
	if (ka != kb) {
		add_field(d, "compression", comp_name(ka), comp_name(kb), VOUCH_NORM_COMPRESSION);
	} else if (ka == COMP_GZIP) {
		struct gz_header ga, gb;

		parse_gzip(ma, na, &ga);
		parse_gzip(mb, nb, &gb);
		if (ga.mtime != gb.mtime)
			num_field(d, "gzip mtime", ga.mtime, gb.mtime, VOUCH_NORM_GZIP_HEADER, 0);
		if (strcmp(ga.name, gb.name) != 0)
			add_field(d, "gzip name", ga.name, gb.name, VOUCH_NORM_GZIP_HEADER);
		if (ga.os != gb.os)
			num_field(d, "gzip os", ga.os, gb.os, VOUCH_NORM_GZIP_HEADER, 0);
		if (ga.xfl != gb.xfl)
			num_field(d, "gzip xfl", ga.xfl, gb.xfl, VOUCH_NORM_GZIP_HEADER, 0);
		if ((ga.flags & ~8u) != (gb.flags & ~8u))
			num_field(d, "gzip flags", ga.flags, gb.flags, VOUCH_NORM_GZIP_HEADER, 0);
	} else {
		size_t hl = ka == COMP_XZ ? 12 : ka == COMP_BZIP2 ? 4 : 6;

		if (na >= hl && nb >= hl && memcmp(ma, mb, hl) != 0) {
			vouch_hex_encode(ma, hl, sa);
			vouch_hex_encode(mb, hl, sb);
			add_field(d, "header", sa, sb, VOUCH_NORM_GZIP_HEADER);
		}
	}
	if (d->nitems == 0) {
		free(d->path);
		memset(d, 0, sizeof(*d));
		c->r->ndiffs--;
		return 0;
	}
	d->hints = VOUCH_HINT_COMPRESSION_HEADER;
	d->summary = strdup("compression header differs");
	excuse(c, d);
	return 1;
}

/* Bytes differ but nothing inside does: say where that leaves us. */
static int
cmp_no_inner_diff(struct cmp_ctx *c, const char *path, const struct listing *la,
                  const struct listing *lb)
{
	struct cmp_diff *d;

	if (la->filter || lb->filter) {
		d = cmp_add_diff(c, path, CMP_COMP_ENCODING);
		if (d == NULL)
			return -1;
		d->hints = VOUCH_HINT_COMPRESSION_ENCODING;
		d->summary = strdup("compressed bytes differ, decompressed content is equal");
		cmp_add_item(d, "compressed stream", NULL, NULL, NULL, VOUCH_NORM_COMPRESSION);
		excuse(c, d);
	} else {
		d = cmp_add_diff(c, path, CMP_CONTAINER);
		if (d == NULL)
			return -1;
		d->hints = VOUCH_HINT_ARCHIVE_METADATA;
		d->summary = strdup("archive bytes differ, members and their metadata are equal");
	}
	return 0;
}

/* The passes over an archive open it by name again: it must be the file
 * that was there when the comparison began. */
static void
check_unchanged(struct cmp_ctx *c, const char *path, const char *file, const struct stat *st0)
{
	struct stat now;
	vouch_err why;

	if (file[0] == CMP_MEM_MARK || (stat(file, &now) == 0 && vouch_stat_same(st0, &now)))
		return; /* held in memory: cannot change */
	vouch_err_clear(&why);
	vouch_err_set(&why, VOUCH_EIO, "'%s': changed while being read", path);
	cmp_note(c, "%s", why.msg);
	cmp_refuse(c, &why);
}

struct scan_job {
	struct cmp_ctx *c;
	const char *path, *file;
	struct listing *l;
	int rc;
};

static void *
scan_thread(void *arg)
{
	struct scan_job *j = arg;

	j->rc = scan(j->c, j->path, j->file, j->l);
	return NULL;
}

/* What one listing leaves for the context once both are done. */
static void
scan_settle(struct cmp_ctx *c, struct listing *l)
{
	if (l->note != NULL)
		cmp_note(c, "%s", l->note);
	free(l->note);
	l->note = NULL;
	if (l->refused.code != VOUCH_OK)
		cmp_refuse(c, &l->refused);
}

/* Give back what a listing counted against the limits (B, listed beside an
 * A that turned out not to be an archive: one after the other, B would not
 * have been listed). */
static void
scan_uncount(struct cmp_ctx *c, struct listing *l)
{
	pthread_mutex_lock(&c->lock);
	c->members -= l->members;
	c->unpacked -= l->unpacked;
	pthread_mutex_unlock(&c->lock);
	free(l->note);
	l->note = NULL;
}

/* List both sides: at once when both are large (two threads), else one
 * after the other.  Notes and refusals come out in the same order, A's
 * first, either way.  When a limit stops a listing made at once, which side
 * it stopped depends on the threads' pace: both are listed again, one after
 * the other, so that the report does not. */
static int
scan_pair(struct cmp_ctx *c, const char *path, const char *fa, const char *fb,
          struct listing *la, struct listing *lb, const struct stat *sa, const struct stat *sb)
{
	struct scan_job ja = { c, path, fa, la, 0 };
	int size_limited = c->size_limited, members_limited = c->members_limited;
	pthread_t t;

	if (sa->st_size >= PAR_MIN && sb->st_size >= PAR_MIN &&
	    pthread_create(&t, NULL, scan_thread, &ja) == 0) {
		int rb = scan(c, path, fb, lb);

		pthread_join(t, NULL);
		if (!la->truncated && !lb->truncated) {
			if (ja.rc != 0)
				scan_uncount(c, lb);
			scan_settle(c, la);
			if (ja.rc == 0)
				scan_settle(c, lb);
			return ja.rc != 0 ? ja.rc : rb;
		}
		scan_uncount(c, la);
		scan_uncount(c, lb);
		c->size_limited = size_limited;
		c->members_limited = members_limited;
		listing_free(c, la);
		listing_free(c, lb);
		la->label = "A";
		lb->label = "B";
	}
	ja.rc = scan(c, path, fa, la);
	scan_settle(c, la);
	if (ja.rc != 0)
		return ja.rc;
	ja.rc = scan(c, path, fb, lb);
	scan_settle(c, lb);
	return ja.rc;
}

int
cmp_archives(struct cmp_ctx *c, const char *path, const char *fa, const char *fb,
             unsigned depth)
{
	struct listing la, lb;
	struct stat sa0, sb0;
	size_t before = c->r->ndiffs;
	int rc;

	if (cmp_in_stat(c, fa, &sa0) != 0 || cmp_in_stat(c, fb, &sb0) != 0) {
		cmp_note(c, "'%s': cannot stat", path);
		return 0;
	}
	memset(&la, 0, sizeof(la));
	memset(&lb, 0, sizeof(lb));
	la.label = "A";
	lb.label = "B";
	rc = scan_pair(c, path, fa, fb, &la, &lb, &sa0, &sb0);
	if (rc == 0 && (la.truncated || lb.truncated))
		cmp_note(c, "'%s': listing incomplete (limit), members present on one side only "
		         "are not reported", path);
	if (rc != 0 || la.raw != lb.raw) {
		listing_free(c, &la);
		listing_free(c, &lb);
		return rc < 0 ? -1 : 0; /* not both archives: compared as bytes */
	}
	rc = cmp_comp_headers(c, path, fa, fb) < 0 ? -1 : 0;
	if (rc == 0)
		rc = pair_roots(c, path, &la, &lb);
	if (rc == 0)
		rc = pair_members(c, path, &la, &lb);
	if (rc == 0 && !la.raw)
		rc = check_order(c, path, &la, &lb);
	if (rc == 0 && (extract_wanted(c, fa, &la) != 0 || extract_wanted(c, fb, &lb) != 0))
		cmp_note(c, "'%s': members could not be extracted", path);
	check_unchanged(c, path, fa, &sa0);
	check_unchanged(c, path, fb, &sb0);
	if (rc == 0)
		rc = recurse_members(c, path, &la, &lb, depth);
	if (rc == 0 && c->r->ndiffs == before && !c->r->incomplete)
		rc = cmp_no_inner_diff(c, path, &la, &lb);
	listing_free(c, &la);
	listing_free(c, &lb);
	return rc < 0 ? -1 : 1;
}
