/* zipcheck.c - a zip's central directory must agree with its local
 * headers (see vouch/zipcheck.h).  Reads only: the end records, the
 * central directory and each local header's fixed part and name. */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "vouch/file.h"
#include "vouch/zipcheck.h"

#define EOCD_SIG 0x06054b50u
#define EOCD_LEN 22
#define LOC64_SIG 0x07064b50u
#define LOC64_LEN 20
#define EOCD64_SIG 0x06064b50u
#define CEN_SIG 0x02014b50u
#define CEN_LEN 46
#define LOC_SIG 0x04034b50u
#define LOC_LEN 30
#define NAME_MAX_ZIP 65535
#define QUOTE 160

struct zsrc {
	int fd;
	const unsigned char *mem;
	uint64_t size;
	const char *name;
};

struct zent {
	uint64_t off, end;      /* local header .. end of its data */
	char *name;             /* quoted, for messages */
};

static int
zread(const struct zsrc *z, uint64_t off, void *buf, size_t n)
{
	size_t got = 0;

	if (off > z->size || n > z->size - off)
		return -1;
	if (z->mem != NULL) {
		memcpy(buf, z->mem + off, n);
		return 0;
	}
	while (got < n) {
		ssize_t r = pread(z->fd, (char *)buf + got, n - got, (off_t)(off + got));

		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			return -1;
		got += (size_t)r;
	}
	return 0;
}

static uint32_t
u16(const unsigned char *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8;
}

static uint32_t
u32(const unsigned char *p)
{
	return u16(p) | u16(p + 2) << 16;
}

static uint64_t
u64(const unsigned char *p)
{
	return (uint64_t)u32(p) | (uint64_t)u32(p + 4) << 32;
}

static int
bad(const struct zsrc *z, vouch_err *err, const char *why)
{
	char q[QUOTE];

	return vouch_err_set(err, VOUCH_EINPUT, "'%s': zip: %s",
	                     vouch_quote(z->name, strlen(z->name), q, sizeof(q)), why);
}

/* The end of central directory record: its offset, or -1 when absent. */
static int64_t
find_eocd(const struct zsrc *z, unsigned char *tail, size_t *tail_len)
{
	uint64_t span = z->size < EOCD_LEN + 65535 ? z->size : EOCD_LEN + 65535;

	if (z->size < EOCD_LEN || zread(z, z->size - span, tail, (size_t)span) != 0)
		return -1;
	*tail_len = (size_t)span;
	for (size_t i = (size_t)span - EOCD_LEN + 1; i-- > 0;)
		if (u32(tail + i) == EOCD_SIG && i + EOCD_LEN + u16(tail + i + 20) == span)
			return (int64_t)(z->size - span + i);
	return -1;
}

struct cdir {
	uint64_t count, size, off, shift;
};

static int
read_eocd(const struct zsrc *z, uint64_t at, const unsigned char *e, struct cdir *cd,
          vouch_err *err)
{
	unsigned char l[LOC64_LEN], r[56];
	uint64_t end_of_cd = at;

	cd->count = u16(e + 10);
	cd->size = u32(e + 12);
	cd->off = u32(e + 16);
	if (cd->count == 0xffff || cd->size == 0xffffffffu || cd->off == 0xffffffffu) {
		if (at < LOC64_LEN || zread(z, at - LOC64_LEN, l, sizeof(l)) != 0 ||
		    u32(l) != LOC64_SIG)
			return bad(z, err, "zip64 end record missing");
		if (zread(z, u64(l + 8), r, sizeof(r)) != 0 || u32(r) != EOCD64_SIG)
			return bad(z, err, "zip64 end record unreadable");
		cd->count = u64(r + 32);
		cd->size = u64(r + 40);
		cd->off = u64(r + 48);
		end_of_cd = u64(l + 8);
	}
	/* bytes before the archive (a self-extracting stub) shift every offset */
	if (cd->off > end_of_cd || cd->size > end_of_cd - cd->off)
		return bad(z, err, "central directory outside the file");
	cd->shift = end_of_cd - cd->off - cd->size;
	if (cd->size > VOUCH_ZIP_MAX_CDIR)
		return vouch_err_set(err, VOUCH_ELIMIT, "'%s': zip: central directory larger "
		                     "than %u bytes", z->name, VOUCH_ZIP_MAX_CDIR);
	if (cd->count > VOUCH_ZIP_MAX_ENTRIES)
		return vouch_err_set(err, VOUCH_ELIMIT, "'%s': zip: more than %u entries", z->name,
		                     VOUCH_ZIP_MAX_ENTRIES);
	return VOUCH_OK;
}

/* The zip64 extra field's sizes and offset replace the 32-bit ones that
 * are all ones, in this order. */
static void
zip64_extra(const unsigned char *x, size_t n, uint64_t *csize, uint64_t *usize, uint64_t *off)
{
	size_t i = 0;

	while (i + 4 <= n) {
		uint32_t id = u16(x + i), len = u16(x + i + 2);
		size_t p = i + 4;

		if (len > n - p)
			return;
		if (id == 1) {
			uint64_t *f[3] = { usize, csize, off };

			for (int k = 0; k < 3; k++) {
				if (*f[k] != 0xffffffffu)
					continue;
				if (p + 8 > i + 4 + len)
					return;
				*f[k] = u64(x + p);
				p += 8;
			}
			return;
		}
		i = p + len;
	}
}

static int
by_off(const void *a, const void *b)
{
	const struct zent *x = a, *y = b;

	return x->off < y->off ? -1 : x->off > y->off;
}

/* One central entry at cen[0..]; its local header must carry the same
 * name. *used gets the central entry's length. */
static int
check_entry(const struct zsrc *z, const struct cdir *cd, const unsigned char *cen,
            size_t avail, size_t *used, struct zent *ze, unsigned char *lname, vouch_err *err)
{
	unsigned char loc[LOC_LEN];
	uint64_t csize, usize, off;
	size_t nl, xl, cl;
	char q[QUOTE], why[2 * QUOTE + 64];

	if (avail < CEN_LEN || u32(cen) != CEN_SIG)
		return bad(z, err, "damaged central directory");
	nl = u16(cen + 28), xl = u16(cen + 30), cl = u16(cen + 32);
	if (CEN_LEN + nl + xl + cl > avail)
		return bad(z, err, "damaged central directory");
	*used = CEN_LEN + nl + xl + cl;
	csize = u32(cen + 20), usize = u32(cen + 24), off = u32(cen + 42);
	zip64_extra(cen + CEN_LEN + nl, xl, &csize, &usize, &off);
	vouch_quote((const char *)cen + CEN_LEN, nl, q, sizeof(q));
	ze->name = strdup(q);
	if (ze->name == NULL)
		return vouch_err_set(err, VOUCH_ENOMEM, "out of memory");
	off += cd->shift;
	if (zread(z, off, loc, sizeof(loc)) != 0 || u32(loc) != LOC_SIG) {
		snprintf(why, sizeof(why), "entry '%s': no local header where the central "
		         "directory points", q);
		return bad(z, err, why);
	}
	if (u16(loc + 26) != nl || zread(z, off + LOC_LEN, lname, nl) != 0 ||
	    memcmp(lname, cen + CEN_LEN, nl) != 0) {
		char ql[QUOTE];
		size_t ln = u16(loc + 26);

		if (zread(z, off + LOC_LEN, lname, ln) != 0)
			ln = 0;
		vouch_quote((const char *)lname, ln, ql, sizeof(ql));
		snprintf(why, sizeof(why), "entry '%s': its local header names it '%s'", q, ql);
		return bad(z, err, why);
	}
	ze->off = off;
	ze->end = off + LOC_LEN + nl + u16(loc + 28) + csize;
	return VOUCH_OK;
}

static int
check(const struct zsrc *z, vouch_err *err)
{
	unsigned char *tail = malloc(EOCD_LEN + 65535), *cen = NULL, *lname = NULL;
	struct zent *ents = NULL;
	struct cdir cd = { 0, 0, 0, 0 };
	size_t tail_len = 0, pos = 0, n = 0;
	int64_t at;
	int rc = VOUCH_OK;

	if (tail == NULL)
		return vouch_err_set(err, VOUCH_ENOMEM, "out of memory");
	at = find_eocd(z, tail, &tail_len);
	if (at < 0)
		goto out;           /* no zip: not ours to judge */
	rc = read_eocd(z, (uint64_t)at, tail + (tail_len - (z->size - (uint64_t)at)), &cd, err);
	if (rc != VOUCH_OK)
		goto out;
	cen = malloc(cd.size ? (size_t)cd.size : 1);
	lname = malloc(NAME_MAX_ZIP + 1);
	ents = calloc(cd.count ? (size_t)cd.count : 1, sizeof(*ents));
	if (cen == NULL || lname == NULL || ents == NULL) {
		rc = vouch_err_set(err, VOUCH_ENOMEM, "out of memory");
		goto out;
	}
	if (zread(z, cd.off + cd.shift, cen, (size_t)cd.size) != 0) {
		rc = bad(z, err, "central directory unreadable");
		goto out;
	}
	for (; n < cd.count && rc == VOUCH_OK; n++) {
		size_t used = 0;

		rc = check_entry(z, &cd, cen + pos, (size_t)cd.size - pos, &used, &ents[n], lname, err);
		pos += used;
	}
	if (rc != VOUCH_OK)
		goto out;
	qsort(ents, n, sizeof(*ents), by_off);
	for (size_t i = 0; i + 1 < n && rc == VOUCH_OK; i++) {
		char why[2 * QUOTE + 64];

		if (ents[i].end <= ents[i + 1].off && ents[i].end >= ents[i].off)
			continue;
		snprintf(why, sizeof(why), "entries '%s' and '%s' overlap", ents[i].name,
		         ents[i + 1].name);
		rc = bad(z, err, why);
	}
	if (rc == VOUCH_OK && n > 0 && ents[n - 1].end > cd.off + cd.shift)
		rc = bad(z, err, "entry data runs into the central directory");
out:
	for (size_t i = 0; i < n && ents != NULL; i++)
		free(ents[i].name);
	free(ents);
	free(cen);
	free(lname);
	free(tail);
	return rc;
}

int
vouch_zip_check_fd(int fd, uint64_t size, const char *name, vouch_err *err)
{
	struct zsrc z = { fd, NULL, size, name };

	return check(&z, err);
}

int
vouch_zip_check_mem(const void *data, size_t n, const char *name, vouch_err *err)
{
	struct zsrc z = { -1, data, n, name };

	return check(&z, err);
}
