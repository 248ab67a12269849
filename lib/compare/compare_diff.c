/* compare_diff.c - detail for differing files: text, binary, ELF; cause hints. */
#include "config.h"

#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "compare_int.h"
#include "vouch/elf.h"
#include "vouch/file.h"
#include "vouch/json.h"

#define MYERS_MAX_D 2000
#define CONTEXT_LINES 3

/* ---- hints ---- */

static int
digits_at(const uint8_t *p, size_t n, size_t i, size_t k)
{
	if (i + k > n)
		return 0;
	for (size_t j = 0; j < k; j++)
		if (p[i + j] < '0' || p[i + j] > '9')
			return 0;
	return 1;
}

static const char *const months[] = { "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug",
                                      "Sep", "Oct", "Nov", "Dec" };

static int
nondigit(const uint8_t *p, size_t n, size_t i)
{
	return i >= n || p[i] < '0' || p[i] > '9';
}

/* Length of a date or time token starting at p[i], or 0: 2024-05-01 (or
 * with '/'), 12:34:56, "May  1 2024" (__DATE__), a 10-digit Unix time, a
 * year 1970-2099 standing alone. */
static size_t
time_token(const uint8_t *p, size_t n, size_t i)
{
	if (i > 0 && !nondigit(p, n, i - 1))
		return 0;
	if (digits_at(p, n, i, 4) && i + 10 <= n && (p[i + 4] == '-' || p[i + 4] == '/') &&
	    p[i + 7] == p[i + 4] && digits_at(p, n, i + 5, 2) && digits_at(p, n, i + 8, 2) &&
	    (p[i] == '1' || p[i] == '2'))
		return 10;
	if (digits_at(p, n, i, 2) && i + 8 <= n && p[i + 2] == ':' && digits_at(p, n, i + 3, 2) &&
	    p[i + 5] == ':' && digits_at(p, n, i + 6, 2))
		return 8;
	if (digits_at(p, n, i, 10) && nondigit(p, n, i + 10) && p[i] >= '1' && p[i] <= '4')
		return 10;
	if (digits_at(p, n, i, 4) && nondigit(p, n, i + 4) &&
	    ((p[i] == '1' && p[i + 1] == '9' && p[i + 2] >= '7') || (p[i] == '2' && p[i + 1] == '0')))
		return 4;
	for (size_t m = 0; m < 12 && i + 11 <= n; m++)
		if (memcmp(p + i, months[m], 3) == 0 && p[i + 3] == ' ' &&
		    (p[i + 4] == ' ' || (p[i + 4] >= '0' && p[i + 4] <= '3')) &&
		    digits_at(p, n, i + 5, 1) && p[i + 6] == ' ' && digits_at(p, n, i + 7, 4))
			return 11;
	return 0;
}

/* One or two bytes joining a date and a time: "2024-05-01 10:00", "...T..". */
static int
separators(const uint8_t *p, size_t from, size_t to)
{
	if (to - from > 2)
		return 0;
	for (size_t i = from; i < to; i++)
		if (p[i] != ' ' && p[i] != 'T' && p[i] != ',')
			return 0;
	return 1;
}

/* Every byte of p[from, to) lies in a date or time token (non-empty). */
static int
all_time_text(const uint8_t *p, size_t n, size_t from, size_t to)
{
	size_t covered = from;

	if (from >= to)
		return 0;
	/* tokens are at most 11 bytes: start looking a little before */
	for (size_t i = from > 11 ? from - 11 : 0; i < to && covered < to; i++) {
		size_t k = time_token(p, n, i);

		if (k == 0)
			continue;
		if (i > covered && !separators(p, covered, i))
			return 0;
		if (i + k > covered)
			covered = i + k;
	}
	return covered >= to;
}

/* The bytes that differ: [pre, na - suf) in a, [pre, nb - suf) in b. */
static void
changed_span(const uint8_t *a, size_t na, const uint8_t *b, size_t nb, size_t *pre, size_t *suf)
{
	size_t n = na < nb ? na : nb, p = 0, s = 0;

	while (p < n && a[p] == b[p])
		p++;
	while (s < n - p && a[na - 1 - s] == b[nb - 1 - s])
		s++;
	*pre = p;
	*suf = s;
}

/* The differing bytes are date or time text on both sides: a date that
 * merely sits near a change is not enough. */
static int
changed_time_text(const uint8_t *a, size_t na, const uint8_t *b, size_t nb)
{
	size_t pre, suf;

	changed_span(a, na, b, nb, &pre, &suf);
	return all_time_text(a, na, pre, na - suf) && all_time_text(b, nb, pre, nb - suf);
}

static int
has_build_path(const uint8_t *p, size_t n)
{
	static const char *const pats[] = { "/build/", "/buildd/", "/tmp/", "/home/", "/root/",
	                                    "/usr/src/", "/workspace/", "/builds/" };

	for (size_t k = 0; k < sizeof(pats) / sizeof(pats[0]); k++) {
		size_t l = strlen(pats[k]);

		for (size_t i = 0; i + l <= n; i++)
			if (memcmp(p + i, pats[k], l) == 0)
				return 1;
	}
	return 0;
}

/* Plausible build times: SOURCE_DATE_EPOCH-like values from 2005 to five
 * years from now. */
static int
plausible_time(uint32_t v)
{
	static time_t until;

	if (until == 0)
		until = time(NULL) + 5 * 365 * 86400;
	return v >= 1104537600u && (time_t)v <= until;
}

/* Four printable ASCII bytes read as a number look like a 2005..2035 time;
 * text is not a binary timestamp. */
static int
printable4(const uint8_t *p)
{
	for (int i = 0; i < 4; i++)
		if (p[i] < 0x20 || p[i] > 0x7e)
			return 0;
	return 1;
}

static uint32_t
le32(const uint8_t *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

/* A little-endian 32-bit Unix time at i on both sides, differing, at most
 * five years apart, not four letters. */
static int
time_at(const uint8_t *a, const uint8_t *b, size_t i)
{
	uint32_t va = le32(a + i), vb = le32(b + i);

	return va != vb && plausible_time(va) && plausible_time(vb) &&
	    (va > vb ? va - vb : vb - va) < 5u * 365 * 86400 &&
	    !(printable4(a + i) && printable4(b + i));
}

/* Every differing byte of a and b (n bytes each) lies in a field of width
 * bytes at which is_field holds; and some byte differs. */
static int
every_diff_in(const uint8_t *a, const uint8_t *b, size_t n, size_t width,
              int (*is_field)(const uint8_t *, const uint8_t *, size_t))
{
	size_t diffs = 0;

	for (size_t i = 0; i < n; i++) {
		int in = 0;

		if (a[i] == b[i])
			continue;
		diffs++;
		for (size_t j = i >= width - 1 ? i - (width - 1) : 0; j <= i && j + width <= n && !in;
		     j++)
			in = is_field(a, b, j);
		if (!in)
			return 0;
	}
	return diffs > 0;
}

/* Every differing byte (sides of one length) lies in a 32-bit Unix time
 * that differs between the sides. */
static int
has_binary_time(const uint8_t *a, size_t na, const uint8_t *b, size_t nb)
{
	size_t text = 0;

	if (na != nb || na == 0)
		return 0;
	/* mostly text (strings, paths): numbers read out of it mean nothing */
	for (size_t i = 0; i < na; i++)
		text += (a[i] >= 0x20 && a[i] < 0x7f) || a[i] == 0;
	if (text * 10 > na * 6)
		return 0;
	return every_diff_in(a, b, na, 4, time_at);
}

/* A 16-bit little-endian year 1970..2099 at j on both sides, differing by
 * at most ten. */
static int
year_at(const uint8_t *a, const uint8_t *b, size_t j)
{
	unsigned ya = a[j] | (unsigned)a[j + 1] << 8, yb = b[j] | (unsigned)b[j + 1] << 8;

	return ya != yb && ya >= 1970 && ya <= 2099 && yb >= 1970 && yb <= 2099 &&
	    (ya > yb ? ya - yb : yb - ya) <= 10;
}

int
cmp_year_change(const uint8_t *a, size_t na, const uint8_t *b, size_t nb)
{
	/* a year compiled in (date +%Y) */
	return na == nb && every_diff_in(a, b, na, 2, year_at);
}

unsigned
cmp_window_hints(const uint8_t *a, size_t na, const uint8_t *b, size_t nb)
{
	unsigned h = 0;

	if (changed_time_text(a, na, b, nb) || has_binary_time(a, na, b, nb))
		h |= VOUCH_HINT_TIMESTAMP;
	if (has_build_path(a, na) || has_build_path(b, nb))
		h |= VOUCH_HINT_BUILD_PATH;
	return h ? h : VOUCH_HINT_CONTENT;
}

/* ---- hex ---- */

static void
hex_line(vouch_buf *o, uint64_t off, const uint8_t *p, size_t n)
{
	vouch_buf_appendf(o, NULL, "%08" PRIx64 ": ", off);
	for (size_t i = 0; i < 16; i++) {
		if (i < n)
			vouch_buf_appendf(o, NULL, "%02x", p[i]);
		else
			vouch_buf_append_str(o, "  ", NULL);
		if (i % 2 == 1)
			vouch_buf_append_byte(o, ' ', NULL);
	}
	vouch_buf_append_byte(o, ' ', NULL);
	for (size_t i = 0; i < n; i++)
		vouch_buf_append_byte(o, p[i] >= 0x20 && p[i] < 0x7f ? p[i] : '.', NULL);
	vouch_buf_append_byte(o, '\n', NULL);
}

/* "-" lines for A and "+" lines for B, 16 bytes per line. */
int
cmp_hexdump(char **out, uint64_t base, const uint8_t *a, size_t na, const uint8_t *b, size_t nb)
{
	vouch_buf o;

	vouch_buf_init(&o, 1 << 20);
	for (size_t i = 0; i < na || i < nb; i += 16) {
		size_t la = i < na ? (na - i < 16 ? na - i : 16) : 0;
		size_t lb = i < nb ? (nb - i < 16 ? nb - i : 16) : 0;

		if (la == lb && memcmp(a + i, b + i, la) == 0) {
			vouch_buf_append_str(&o, "  ", NULL);
			hex_line(&o, base + i, a + i, la);
			continue;
		}
		if (la) {
			vouch_buf_append_str(&o, "- ", NULL);
			hex_line(&o, base + i, a + i, la);
		}
		if (lb) {
			vouch_buf_append_str(&o, "+ ", NULL);
			hex_line(&o, base + i, b + i, lb);
		}
	}
	*out = (char *)vouch_buf_detach(&o, NULL, NULL);
	return *out ? 0 : -1;
}

/* ---- binary ---- */

static void
context_hex(struct cmp_diff *d, const struct cmp_in *fa, const struct cmp_in *fb)
{
	uint8_t wa[96], wb[96];
	uint64_t start = d->offset >= 32 ? (d->offset - 32) & ~(uint64_t)15 : 0;
	size_t na = cmp_in_pread(fa, wa, sizeof(wa), start), nb = cmp_in_pread(fb, wb, sizeof(wb), start);

	d->hints |= cmp_window_hints(wa, na, wb, nb);
	cmp_hexdump(&d->diff, start, wa, na, wb, nb);
}

int
cmp_binary(struct cmp_ctx *c, struct cmp_diff *d, const char *fa, const char *fb)
{
	static const size_t chunk = 1 << 16;
	uint8_t *ba = malloc(chunk), *bb = malloc(chunk);
	struct cmp_in a = { -1, NULL, 0 }, b = { -1, NULL, 0 };
	int rc = -1;
	uint64_t off = 0;

	if (ba == NULL || bb == NULL || cmp_in_open(c, fa, &a) != 0 || cmp_in_open(c, fb, &b) != 0)
		goto out;
	for (;;) {
		size_t na = cmp_in_pread(&a, ba, chunk, off), nb = cmp_in_pread(&b, bb, chunk, off);
		size_t n = na < nb ? na : nb;

		for (size_t i = 0; i < n; i++) {
			if (ba[i] != bb[i]) {
				if (!d->has_offset) {
					d->has_offset = 1;
					d->offset = off + i;
				}
				d->count++;
			}
		}
		off += n;
		if (n < chunk)
			break;
	}
	if (!d->has_offset && d->a.size != d->b.size) {
		d->has_offset = 1;
		d->offset = off;
	}
	if (d->has_offset)
		context_hex(d, &a, &b);
	d->summary = cmp_strdupf("binary content differs: first at offset %" PRIu64 ", %" PRIu64
	                         " differing bytes%s", d->offset, d->count,
	                         d->a.size != d->b.size ? ", sizes differ" : "");
	rc = 0;
out:
	cmp_in_close(&a);
	cmp_in_close(&b);
	free(ba);
	free(bb);
	return rc;
}

/* ---- text ---- */

int
cmp_is_text(struct cmp_ctx *c, const char *file, uint64_t size, size_t max)
{
	uint8_t buf[8192];
	struct cmp_in in;
	size_t n, cut;

	if (size > max || cmp_in_open(c, file, &in) != 0)
		return 0;
	n = cmp_in_pread(&in, buf, sizeof(buf), 0);
	cmp_in_close(&in);
	if (memchr(buf, 0, n) != NULL)
		return 0;
	/* the sample may end inside a UTF-8 sequence */
	cut = n;
	while (cut > 0 && n - cut < 4 && (buf[cut - 1] & 0xc0) == 0x80)
		cut--;
	if (cut > 0 && cut < n && buf[cut - 1] >= 0xc0)
		cut--;
	else if (cut != n && !(cut > 0 && buf[cut - 1] >= 0xc0))
		cut = n;
	return vouch_utf8_valid((const char *)buf, cut);
}

struct line {
	const char *p;
	size_t n;
	uint64_t h;
};

struct lines {
	struct line *v;
	size_t n;
};

static int
split_lines(const vouch_buf *b, struct lines *l)
{
	size_t cap = 0, i = 0;

	l->v = NULL;
	l->n = 0;
	while (i < b->len) {
		const char *s = (const char *)b->data + i;
		const char *nl = memchr(s, '\n', b->len - i);
		size_t n = nl ? (size_t)(nl - s) + 1 : b->len - i;
		uint64_t h = 1469598103934665603ull;

		if (l->n == cap) {
			void *p = realloc(l->v, (cap = cap ? cap * 2 : 256) * sizeof(*l->v));

			if (p == NULL)
				return -1;
			l->v = p;
		}
		for (size_t k = 0; k < n; k++)
			h = (h ^ (uint8_t)s[k]) * 1099511628211ull;
		l->v[l->n].p = s;
		l->v[l->n].n = n;
		l->v[l->n].h = h;
		l->n++;
		i += n;
	}
	return 0;
}

static int
line_eq(const struct line *a, const struct line *b)
{
	return a->h == b->h && a->n == b->n && memcmp(a->p, b->p, a->n) == 0;
}

/* Myers' O(ND) diff of a[0..n) and b[0..m): marks deleted lines of a and
 * inserted lines of b.  Returns -1 when D would exceed MYERS_MAX_D. */
static int
myers(const struct line *a, int n, const struct line *b, int m, uint8_t *del, uint8_t *ins)
{
	int maxd = n + m < MYERS_MAX_D ? n + m : MYERS_MAX_D;
	int *v = calloc((size_t)(2 * maxd + 3), sizeof(int));
	int *trace = NULL, found = -1, x = 0, y;
	size_t tcap = 0;

	if (v == NULL)
		return -1;
	for (int d = 0; d <= maxd && found < 0; d++) {
		size_t base = (size_t)d * (size_t)d;

		if (base + (size_t)(2 * d + 1) > tcap) {
			size_t ncap = (size_t)(d + 64) * (size_t)(d + 64);
			int *p = realloc(trace, ncap * sizeof(int));

			if (p == NULL)
				break;
			trace = p;
			tcap = ncap;
		}
		for (int k = -d; k <= d; k += 2) {
			int *vk = &v[k + maxd + 1];

			if (k == -d || (k != d && vk[-1] < vk[1]))
				x = vk[1];
			else
				x = vk[-1] + 1;
			y = x - k;
			while (x < n && y < m && line_eq(&a[x], &b[y]))
				x++, y++;
			*vk = x;
			if (x >= n && y >= m)
				found = d;
		}
		for (int k = -d; k <= d; k++)
			trace[base + (size_t)(k + d)] = v[k + maxd + 1];
	}
	if (found >= 0) {
		x = n;
		y = m;
		for (int d = found; d > 0; d--) {
			const int *pv = &trace[(size_t)(d - 1) * (size_t)(d - 1)];
			int k = x - y, pk, px, py;

			/* pv holds k in [-(d-1), d-1] at index k + d - 1 */
			if (k == -d || (k != d && pv[k - 1 + d - 1] < pv[k + 1 + d - 1]))
				pk = k + 1;
			else
				pk = k - 1;
			px = pv[pk + d - 1];
			py = px - pk;
			while (x > px && y > py)
				x--, y--;
			if (pk == k + 1)
				ins[py] = 1;
			else
				del[px] = 1;
			x = px;
			y = py;
		}
	}
	free(trace);
	free(v);
	return found >= 0 ? 0 : -1;
}

struct hunkgen {
	const struct lines *a, *b;
	const uint8_t *del, *ins;
	vouch_buf *out;
	size_t max;
	int truncated;
	unsigned hints;
	vouch_buf ra, rb; /* removed / added text of the current hunk, for hints */
};

static void
emit(struct hunkgen *g, char tag, const struct line *l)
{
	if (g->truncated)
		return;
	if (g->out->len + l->n + 3 > g->max) {
		g->truncated = 1;
		return;
	}
	vouch_buf_append_byte(g->out, (unsigned char)tag, NULL);
	vouch_buf_append(g->out, l->p, l->n, NULL);
	if (l->n == 0 || l->p[l->n - 1] != '\n')
		vouch_buf_append_str(g->out, "\n\\ No newline at end of file\n", NULL);
	if (tag == '-')
		vouch_buf_append(&g->ra, l->p, l->n, NULL);
	else if (tag == '+')
		vouch_buf_append(&g->rb, l->p, l->n, NULL);
}

/* One hunk covering a[i0..i1) and b[j0..j1). */
static void
emit_hunk(struct hunkgen *g, size_t i0, size_t i1, size_t j0, size_t j1)
{
	size_t i = i0, j = j0;

	if (g->truncated)
		return;
	vouch_buf_appendf(g->out, NULL, "@@ -%zu,%zu +%zu,%zu @@\n", i1 > i0 ? i0 + 1 : i0,
	                  i1 - i0, j1 > j0 ? j0 + 1 : j0, j1 - j0);
	vouch_buf_reset(&g->ra);
	vouch_buf_reset(&g->rb);
	while (i < i1 || j < j1) {
		if (i < i1 && g->del[i]) {
			emit(g, '-', &g->a->v[i++]);
		} else if (j < j1 && g->ins[j]) {
			emit(g, '+', &g->b->v[j++]);
		} else {
			if (i < i1)
				emit(g, ' ', &g->a->v[i]);
			i++;
			j++;
		}
	}
	g->hints |= cmp_window_hints(g->ra.data ? g->ra.data : (const uint8_t *)"", g->ra.len,
	                             g->rb.data ? g->rb.data : (const uint8_t *)"", g->rb.len);
}

/* Walk the marks, grouping changes closer than 2*CONTEXT_LINES into hunks. */
static void
emit_hunks(struct hunkgen *g)
{
	size_t i = 0, j = 0, na = g->a->n, nb = g->b->n;
	size_t hi0 = 0, hj0 = 0, common = 0;
	int open = 0;

	while (i < na || j < nb) {
		if ((i < na && g->del[i]) || (j < nb && g->ins[j])) {
			if (!open) {
				hi0 = i > CONTEXT_LINES ? i - CONTEXT_LINES : 0;
				hj0 = j - (i - hi0);
				open = 1;
			}
			common = 0;
			if (i < na && g->del[i])
				i++;
			else
				j++;
			continue;
		}
		i++;
		j++;
		if (open && ++common > 2 * CONTEXT_LINES) {
			size_t back = common - CONTEXT_LINES;

			emit_hunk(g, hi0, i - back, hj0, j - back);
			open = 0;
		}
	}
	if (open) {
		size_t tail = common < CONTEXT_LINES ? common : CONTEXT_LINES;
		size_t ei = i - common + tail, ej = j - common + tail;

		emit_hunk(g, hi0, ei > na ? na : ei, hj0, ej > nb ? nb : ej);
	}
}

static int
mark_changes(const struct lines *la, const struct lines *lb, uint8_t *del, uint8_t *ins)
{
	static const struct line none;
	const struct line *va = la->v ? la->v : &none, *vb = lb->v ? lb->v : &none;
	size_t pre = 0, suf = 0;

	while (pre < la->n && pre < lb->n && line_eq(&la->v[pre], &lb->v[pre]))
		pre++;
	while (suf < la->n - pre && suf < lb->n - pre &&
	       line_eq(&la->v[la->n - 1 - suf], &lb->v[lb->n - 1 - suf]))
		suf++;
	if (la->n - pre - suf > (size_t)1 << 24 || lb->n - pre - suf > (size_t)1 << 24 ||
	    myers(va + pre, (int)(la->n - pre - suf), vb + pre, (int)(lb->n - pre - suf),
	          del + pre, ins + pre) != 0) {
		/* too many changes for an exact diff: one block */
		memset(del + pre, 1, la->n - pre - suf);
		memset(ins + pre, 1, lb->n - pre - suf);
		return 1;
	}
	return 0;
}

struct udiff {
	char *text;           /* printable */
	size_t removed, added;
	int approx, truncated;
	unsigned hints;
};

/* The unified diff of two buffers, at most max bytes of it. */
static int
udiff_bufs(const vouch_buf *ba, const vouch_buf *bb, size_t max, struct udiff *u)
{
	vouch_buf out;
	struct lines la = { NULL, 0 }, lb = { NULL, 0 };
	struct hunkgen g;
	uint8_t *del = NULL, *ins = NULL;
	int rc = -1;

	memset(u, 0, sizeof(*u));
	vouch_buf_init(&out, max + 4096);
	if (split_lines(ba, &la) != 0 || split_lines(bb, &lb) != 0)
		goto out;
	del = calloc(la.n + 1, 1);
	ins = calloc(lb.n + 1, 1);
	if (del == NULL || ins == NULL)
		goto out;
	u->approx = mark_changes(&la, &lb, del, ins);
	memset(&g, 0, sizeof(g));
	g.a = &la;
	g.b = &lb;
	g.del = del;
	g.ins = ins;
	g.out = &out;
	g.max = max;
	vouch_buf_init(&g.ra, 1 << 20);
	vouch_buf_init(&g.rb, 1 << 20);
	emit_hunks(&g);
	vouch_buf_free(&g.ra);
	vouch_buf_free(&g.rb);
	u->truncated = g.truncated;
	u->hints = g.hints;
	u->text = cmp_printable_text((const char *)out.data, out.len);
	for (size_t i = 0; i < la.n; i++)
		u->removed += del[i];
	for (size_t i = 0; i < lb.n; i++)
		u->added += ins[i];
	rc = u->text ? 0 : -1;
out:
	free(del);
	free(ins);
	free(la.v);
	free(lb.v);
	vouch_buf_free(&out);
	return rc;
}

int
cmp_udiff(const char *a, size_t na, const char *b, size_t nb, size_t max, char **out)
{
	vouch_buf ba, bb;
	struct udiff u;
	int rc;

	vouch_buf_init(&ba, na + 1);
	vouch_buf_init(&bb, nb + 1);
	*out = NULL;
	rc = vouch_buf_append(&ba, a, na, NULL) == VOUCH_OK &&
	     vouch_buf_append(&bb, b, nb, NULL) == VOUCH_OK ? udiff_bufs(&ba, &bb, max, &u) : -1;
	if (rc == 0)
		*out = u.text;
	vouch_buf_free(&ba);
	vouch_buf_free(&bb);
	return rc;
}

int
cmp_text(struct cmp_ctx *c, struct cmp_diff *d, const char *fa, const char *fb)
{
	vouch_buf ba, bb;
	struct udiff u;
	int rc = -1;

	vouch_buf_init(&ba, c->o->max_text + 1);
	vouch_buf_init(&bb, c->o->max_text + 1);
	if (cmp_in_load(c, fa, c->o->max_text, &ba) != VOUCH_OK ||
	    cmp_in_load(c, fb, c->o->max_text, &bb) != VOUCH_OK ||
	    udiff_bufs(&ba, &bb, c->o->max_diff, &u) != 0)
		goto out;
	d->truncated = u.truncated;
	d->hints |= u.hints ? u.hints : VOUCH_HINT_CONTENT;
	d->diff = u.text;
	d->summary = cmp_strdupf("text differs: %zu line(s) removed, %zu added%s%s", u.removed,
	                         u.added, u.approx ? " (approximate)" : "",
	                         u.truncated ? ", diff truncated" : "");
	if (cmp_is_manifest_name(d->path))
		rc = cmp_manifest_lines(d, (const char *)ba.data, ba.len, (const char *)bb.data,
		                        bb.len);
	else
		rc = 0;
out:
	vouch_buf_free(&ba);
	vouch_buf_free(&bb);
	return rc;
}
