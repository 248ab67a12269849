/* compare_manifest.c - checksum manifests whose changes follow from excused files.
 *
 * A Debian md5sums file (or a sha256sums-style list: "HEX  path" or
 * "HEX *path" per line) changes whenever a file it lists changes.  When
 * that file was excused (for instance an ELF file that differs only in its
 * build ID), the manifest line is a consequence, not a finding.  It is
 * excused, under the same rules, only when
 *   - both sides parse as manifests with the same paths in the same order,
 *   - every line whose digest differs names a file that was compared here
 *     and whose every difference was excused, and
 *   - each side's digest on that line is the digest of that file on the
 *     same side, recomputed here (MD5 from the ELF pass, SHA-256 from the
 *     member hash); other digest lengths are not verifiable and fail.
 * Anything else in the manifest leaves it unexcused.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "compare_int.h"
#include "vouch/codec.h"

#define MANIFEST_MAX_LINES (1u << 20)

int
cmp_is_manifest_name(const char *path)
{
	static const char *const names[] = { "md5sums", "sha1sums", "sha256sums", "sha512sums" };
	const char *base = strrchr(path, '/');

	base = base ? base + 1 : path;
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		if (strcasecmp(base, names[i]) == 0)
			return 1;
	return 0;
}

struct mline {
	const char *hex, *path;
	size_t nhex, npath;
};

static int
is_hex(const char *p, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (!((p[i] >= '0' && p[i] <= '9') || (p[i] >= 'a' && p[i] <= 'f') ||
		      (p[i] >= 'A' && p[i] <= 'F')))
			return 0;
	return 1;
}

/* Split a manifest into lines; -1 when any line is not "HEX  path". */
static int
parse(const char *s, size_t n, struct mline **out, size_t *nout)
{
	struct mline *v = NULL;
	size_t cap = 0, cnt = 0, i = 0, hexlen = 0;

	*out = NULL;
	*nout = 0;
	while (i < n) {
		const char *line = s + i, *nl = memchr(line, '\n', n - i);
		size_t len = nl ? (size_t)(nl - line) : n - i, h = 0;

		i += len + (nl != NULL);
		while (h < len && line[h] != ' ')
			h++;
		if ((h != 32 && h != 40 && h != 64 && h != 128) || (hexlen && h != hexlen) ||
		    !is_hex(line, h) || h + 2 >= len || (line[h + 1] != ' ' && line[h + 1] != '*') ||
		    cnt >= MANIFEST_MAX_LINES)
			goto bad;
		hexlen = h;
		if (cnt == cap) {
			void *p = realloc(v, (cap = cap ? cap * 2 : 64) * sizeof(*v));

			if (p == NULL)
				goto bad;
			v = p;
		}
		v[cnt].hex = line;
		v[cnt].nhex = h;
		v[cnt].path = line + h + 2;
		v[cnt].npath = len - h - 2;
		cnt++;
	}
	*out = v;
	*nout = cnt;
	return cnt > 0 ? 0 : -1;
bad:
	free(v);
	return -1;
}

static void
mlines_free(struct cmp_diff *d)
{
	for (size_t i = 0; i < d->nmlines; i++) {
		free(d->mlines[i].path);
		free(d->mlines[i].da);
		free(d->mlines[i].db);
	}
	free(d->mlines);
	d->mlines = NULL;
	d->nmlines = 0;
}

int
cmp_manifest_lines(struct cmp_diff *d, const char *a, size_t na, const char *b, size_t nb)
{
	struct mline *va = NULL, *vb = NULL;
	size_t ca = 0, cb = 0, k = 0;
	int ok;

	ok = a != NULL && b != NULL && parse(a, na, &va, &ca) == 0 && parse(b, nb, &vb, &cb) == 0 &&
	     ca == cb && va[0].nhex == vb[0].nhex;
	for (size_t i = 0; ok && i < ca; i++) {
		if (va[i].npath != vb[i].npath || memcmp(va[i].path, vb[i].path, va[i].npath) != 0)
			ok = 0;
		else if (memcmp(va[i].hex, vb[i].hex, va[i].nhex) != 0)
			k++;
	}
	if (ok && k > 0) {
		d->mlines = calloc(k, sizeof(*d->mlines));
		ok = d->mlines != NULL;
		for (size_t i = 0; ok && i < ca; i++) {
			struct cmp_mline *m;

			if (memcmp(va[i].hex, vb[i].hex, va[i].nhex) == 0)
				continue;
			m = &d->mlines[d->nmlines++];
			m->path = cmp_printable(va[i].path, va[i].npath);
			m->da = strndup(va[i].hex, va[i].nhex);
			m->db = strndup(vb[i].hex, vb[i].nhex);
			ok = m->path && m->da && m->db;
		}
		if (!ok)
			mlines_free(d);
	}
	d->manifest = ok && k > 0;
	free(va);
	free(vb);
	return 0;
}

/* The directory part of path with `up` components removed ("" at the top);
 * NULL when there are not that many. */
static char *
ancestor(const char *path, unsigned up)
{
	size_t n = strlen(path);

	for (unsigned i = 0; i < up; i++) {
		while (n > 0 && path[n - 1] != '/')
			n--;
		if (n == 0)
			return i + 1 == up ? strdup("") : NULL;
		n--; /* the '/' */
	}
	return strndup(path, n);
}

/* Does diff path p name the manifest entry rel, relative to the manifest's
 * directory (dir) or to a sibling of its container (top / X / rel)? */
static int
names_entry(const char *p, const char *dir, const char *top, const char *rel)
{
	size_t nd = strlen(dir), nt, nr = strlen(rel);
	const char *q;

	if (strncmp(p, dir, nd) == 0 && (nd == 0 || p[nd] == '/') &&
	    strcmp(p + nd + (nd != 0), rel) == 0)
		return 1;
	if (top == NULL)
		return 0;
	nt = strlen(top);
	if (strncmp(p, top, nt) != 0 || (nt != 0 && p[nt] != '/'))
		return 0;
	q = strchr(p + nt + (nt != 0), '/'); /* skip the one container component */
	return q != NULL && strlen(q + 1) == nr && strcmp(q + 1, rel) == 0;
}

static const char *
strip_rel(const char *s)
{
	while (s[0] == '.' && s[1] == '/')
		s += 2;
	while (s[0] == '/')
		s++;
	return s;
}

static int
hex_eq(const char *hex, const uint8_t *bin, size_t n)
{
	char buf[129];

	if (strlen(hex) != 2 * n || 2 * n >= sizeof(buf))
		return 0;
	vouch_hex_encode(bin, n, buf);
	return strcasecmp(hex, buf) == 0;
}

/* Rules that excuse the file named by m, with both digests recomputed;
 * 0 when it is not explained. */
static unsigned
explained(const struct vouch_compare_report *r, const struct cmp_mline *m, const char *dir,
          const char *top)
{
	const char *rel = strip_rel(m->path);
	unsigned rules = 0;
	int found = 0, verified = 0;

	for (size_t i = 0; i < r->ndiffs; i++) {
		const struct cmp_diff *t = &r->diffs[i];

		if (!names_entry(t->path, dir, top, rel))
			continue;
		if (!t->excused)
			return 0;
		found = 1;
		rules |= t->excused;
		if (strlen(m->da) == 32 && t->has_md5)
			verified |= hex_eq(m->da, t->md5a, 16) && hex_eq(m->db, t->md5b, 16);
		else if (strlen(m->da) == 64 && t->a.present && t->b.present)
			verified |= hex_eq(m->da, t->a.sha256, 32) && hex_eq(m->db, t->b.sha256, 32);
	}
	return found && verified ? rules : 0;
}

static unsigned
lowest_bit(unsigned v)
{
	return v & (~v + 1);
}

static void
settle_one(struct cmp_ctx *c, struct cmp_diff *d)
{
	char *dir = ancestor(d->path, 1), *top = ancestor(d->path, 2);
	unsigned all = 0, *rules = calloc(d->nmlines + 1, sizeof(*rules));
	int ok = dir != NULL && rules != NULL;

	for (size_t i = 0; ok && i < d->nmlines; i++) {
		rules[i] = explained(c->r, &d->mlines[i], dir, top);
		ok = rules[i] != 0;
		all |= rules[i];
	}
	if (ok && (all & c->o->normalize) == all) {
		for (size_t i = 0; i < d->nmlines; i++) {
			char *name = cmp_strdupf("line: %s", d->mlines[i].path);

			if (name != NULL)
				cmp_add_item(d, name, d->mlines[i].da, d->mlines[i].db,
				             "digest of a file whose differences are all excused; "
				             "recomputed from that file on both sides",
				             lowest_bit(rules[i]));
			free(name);
		}
		d->excused = all;
		d->hints = VOUCH_HINT_MANIFEST_FOLLOWS;
		free(d->summary);
		d->summary = cmp_strdupf("checksum manifest: %zu line(s) differ, each the digest of "
		                         "an excused file", d->nmlines);
		cmp_resettle_members(c, d->path);
	}
	free(rules);
	free(dir);
	free(top);
}

void
cmp_settle_manifests(struct cmp_ctx *c)
{
	for (size_t i = 0; i < c->r->ndiffs; i++) {
		struct cmp_diff *d = &c->r->diffs[i];

		if (d->manifest && !d->excused && d->nmlines > 0)
			settle_one(c, d);
	}
}

/* Is p equal to prefix, or below it? */
static int
under(const char *p, const char *prefix)
{
	size_t n = strlen(prefix);

	return strncmp(p, prefix, n) == 0 && (p[n] == '\0' || p[n] == '/');
}

void
cmp_resettle_members(struct cmp_ctx *c, const char *path)
{
	struct vouch_compare_report *r = c->r;

	for (size_t m = 0; m < r->nmembers; m++) {
		struct cmp_member *mem = &r->members[m];
		int excused = 1;

		if (mem->status != MEM_DIFFERENT || !under(path, mem->path))
			continue;
		for (size_t i = 0; i < r->ndiffs && excused; i++)
			if (under(r->diffs[i].path, mem->path) && !r->diffs[i].excused)
				excused = 0;
		if (excused)
			mem->status = MEM_EQUIVALENT;
	}
}
