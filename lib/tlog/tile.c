/* tile.c - C2SP tlog-tiles paths, hash tiles and entry bundles. */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "vouch/tile.h"

/* ---- paths ---- */

static int
append_index(char *out, size_t outsz, size_t *pos, uint64_t n)
{
	char groups[7][4];
	int ng = 0, i, w;

	do {
		snprintf(groups[ng++], sizeof groups[0], "%03u", (unsigned)(n % 1000));
		n /= 1000;
	} while (n > 0);
	for (i = ng - 1; i >= 0; i--) {
		w = snprintf(out + *pos, outsz - *pos, "%s%s%s", i > 0 ? "x" : "", groups[i],
		             i > 0 ? "/" : "");
		if (w < 0 || (size_t)w >= outsz - *pos)
			return -1;
		*pos += (size_t)w;
	}
	return 0;
}

int
vouch_tile_path(int level, uint64_t index, unsigned width, char *out, size_t outsz,
                vouch_err *err)
{
	size_t pos = 0;
	int w;

	if (level < VOUCH_TILE_ENTRIES || level > VOUCH_TILE_LEVEL_MAX || width == 0 ||
	    width > VOUCH_TILE_WIDTH)
		return vouch_err_set(err, VOUCH_EUSAGE, "no tile at level %d width %u", level,
		                     width);
	if (level == VOUCH_TILE_ENTRIES)
		w = snprintf(out, outsz, "tile/entries/");
	else
		w = snprintf(out, outsz, "tile/%d/", level);
	if (w < 0 || (size_t)w >= outsz)
		goto toolong;
	pos = (size_t)w;
	if (append_index(out, outsz, &pos, index) != 0)
		goto toolong;
	if (width < VOUCH_TILE_WIDTH) {
		w = snprintf(out + pos, outsz - pos, ".p/%u", width);
		if (w < 0 || (size_t)w >= outsz - pos)
			goto toolong;
	}
	return VOUCH_OK;
toolong:
	return vouch_err_set(err, VOUCH_EUSAGE, "tile path buffer too small");
}

/* Parse exactly ndig decimal digits at s (ndig 1..3). */
static int
digits(const char *s, size_t len, size_t ndig, unsigned *v)
{
	size_t i;

	if (len < ndig)
		return -1;
	*v = 0;
	for (i = 0; i < ndig; i++) {
		if (s[i] < '0' || s[i] > '9')
			return -1;
		*v = *v * 10 + (unsigned)(s[i] - '0');
	}
	return 0;
}

/* A decimal without leading zeros, 1..3 digits, value in [min, max]. */
static int
small_decimal(const char *s, size_t len, unsigned min, unsigned max, unsigned *v)
{
	if (len == 0 || len > 3 || (len > 1 && s[0] == '0') || digits(s, len, len, v) != 0 ||
	    *v < min || *v > max)
		return -1;
	return 0;
}

/* "x001/x234/067": groups of three digits; the first group may not be x000. */
static int
parse_index(const char *s, size_t len, uint64_t *out)
{
	uint64_t n = 0;
	size_t pos = 0;
	int first = 1;
	unsigned g;

	for (;;) {
		int more = pos < len && s[pos] == 'x';

		if (more)
			pos++;
		if (digits(s + pos, len - pos, 3, &g) != 0)
			return -1;
		if (more && first && g == 0)
			return -1;
		if (n > (UINT64_MAX - g) / 1000)
			return -1;
		n = n * 1000 + g;
		pos += 3;
		first = 0;
		if (!more)
			break;
		if (pos >= len || s[pos] != '/')
			return -1;
		pos++;
	}
	if (pos != len)
		return -1;
	*out = n;
	return 0;
}

int
vouch_tile_path_parse(const char *path, size_t len, int *level, uint64_t *index,
                      unsigned *width, vouch_err *err)
{
	const char *p = path, *end = path + len, *slash, *dotp;
	unsigned lv = 0;

	if (len > VOUCH_TILE_PATH_MAX || len < 5 || memcmp(p, "tile/", 5) != 0)
		goto bad;
	p += 5;
	slash = memchr(p, '/', (size_t)(end - p));
	if (slash == NULL)
		goto bad;
	if ((size_t)(slash - p) == 7 && memcmp(p, "entries", 7) == 0)
		*level = VOUCH_TILE_ENTRIES;
	else if (small_decimal(p, (size_t)(slash - p), 0, VOUCH_TILE_LEVEL_MAX, &lv) == 0)
		*level = (int)lv;
	else
		goto bad;
	p = slash + 1;
	*width = VOUCH_TILE_WIDTH;
	dotp = NULL;
	for (const char *q = p; q + 3 <= end; q++)
		if (q[0] == '.' && q[1] == 'p' && q[2] == '/') {
			dotp = q;
			break;
		}
	if (dotp != NULL) {
		if (small_decimal(dotp + 3, (size_t)(end - dotp - 3), 1, VOUCH_TILE_WIDTH - 1,
		                  width) != 0)
			goto bad;
		end = dotp;
	}
	if (parse_index(p, (size_t)(end - p), index) != 0)
		goto bad;
	return VOUCH_OK;
bad:
	return vouch_err_set(err, VOUCH_EINPUT, "'%.*s' is not a tile path",
	                     (int)(len > 80 ? 80 : len), path);
}

unsigned
vouch_tile_width(int level, uint64_t index, uint64_t size)
{
	unsigned shift = level <= 0 ? 0 : 8u * (unsigned)level;
	uint64_t count, start;

	if (level > VOUCH_TILE_LEVEL_MAX || level < VOUCH_TILE_ENTRIES)
		return 0;
	count = shift >= 64 ? 0 : size >> shift;
	if (index > (UINT64_MAX >> 8))
		return 0;
	start = index * VOUCH_TILE_WIDTH;
	if (count <= start)
		return 0;
	return count - start >= VOUCH_TILE_WIDTH ? VOUCH_TILE_WIDTH : (unsigned)(count - start);
}

/* ---- building tiles ---- */

/* The root of 256 consecutive hashes (8 levels). */
static int
tile_root(const uint8_t *h, unsigned n, vouch_hash out, vouch_err *err)
{
	return vouch_merkle_root_of((const vouch_hash *)h, n, out, err);
}

/* Hashes stored at one level for the new tree, from the start of the old
 * tree's last (partial) tile there. */
struct level {
	uint64_t base;  /* index of hash 0 in h, a multiple of 256 */
	uint64_t count; /* hashes at this level in the new tree */
	uint8_t *h;
};

static int
fill_level(int lv, uint64_t old_size, uint64_t new_size, const struct level *below,
           const vouch_hash *leaves, vouch_tile_reader rd, void *rdctx, struct level *cur,
           vouch_err *err)
{
	unsigned shift = 8u * (unsigned)lv;
	uint64_t oc = old_size >> shift, i;
	int rc;

	cur->count = new_size >> shift;
	cur->base = oc & ~(uint64_t)(VOUCH_TILE_WIDTH - 1);
	cur->h = malloc((size_t)(cur->count - cur->base + 1) * VOUCH_HASH_LEN);
	if (cur->h == NULL)
		return vouch_err_set(err, VOUCH_ENOMEM, "out of memory");
	if (oc > cur->base &&
	    (rc = rd(rdctx, lv, oc / VOUCH_TILE_WIDTH, (unsigned)(oc - cur->base), cur->h,
	             err)) != VOUCH_OK)
		return rc;
	for (i = oc; i < cur->count; i++) {
		uint8_t *dst = cur->h + (size_t)(i - cur->base) * VOUCH_HASH_LEN;

		if (lv == 0) {
			memcpy(dst, leaves[i - old_size], VOUCH_HASH_LEN);
			continue;
		}
		rc = tile_root(below->h + (size_t)(i * VOUCH_TILE_WIDTH - below->base) *
		                                 VOUCH_HASH_LEN,
		               VOUCH_TILE_WIDTH, dst, err);
		if (rc != VOUCH_OK)
			return rc;
	}
	return VOUCH_OK;
}

static int
emit_level(int lv, const struct level *cur, vouch_tile_writer wr, void *wrctx,
           vouch_err *err)
{
	uint64_t t;
	int rc;

	for (t = cur->base / VOUCH_TILE_WIDTH; t * VOUCH_TILE_WIDTH < cur->count; t++) {
		uint64_t left = cur->count - t * VOUCH_TILE_WIDTH;
		unsigned w = left >= VOUCH_TILE_WIDTH ? VOUCH_TILE_WIDTH : (unsigned)left;

		rc = wr(wrctx, lv, t, w,
		        cur->h + (size_t)(t * VOUCH_TILE_WIDTH - cur->base) * VOUCH_HASH_LEN, err);
		if (rc != VOUCH_OK)
			return rc;
	}
	return VOUCH_OK;
}

int
vouch_tiles_extend(uint64_t old_size, uint64_t new_size, const vouch_hash *leaves,
                   vouch_tile_reader rd, void *rdctx, vouch_tile_writer wr, void *wrctx,
                   vouch_err *err)
{
	struct level lv[2] = { { 0, 0, NULL }, { 0, 0, NULL } };
	int l, rc = VOUCH_OK;

	if (new_size < old_size)
		return vouch_err_set(err, VOUCH_EUSAGE, "tree cannot shrink");
	if (new_size == old_size)
		return VOUCH_OK;
	for (l = 0; l <= VOUCH_TILE_LEVEL_MAX; l++) {
		struct level *cur = &lv[l & 1], *below = &lv[(l + 1) & 1];
		unsigned shift = 8u * (unsigned)l;

		if (l > 0 && (old_size >> shift) == (new_size >> shift))
			break;
		free(cur->h);
		cur->h = NULL;
		if ((rc = fill_level(l, old_size, new_size, below, leaves, rd, rdctx, cur, err)) !=
		        VOUCH_OK ||
		    (rc = emit_level(l, cur, wr, wrctx, err)) != VOUCH_OK)
			goto out;
	}
out:
	free(lv[0].h);
	free(lv[1].h);
	return rc;
}

/* ---- reading hashes back ---- */

#define CACHE_TILES 8
#define MEMO_SLOTS 1024 /* interior nodes remembered, direct-mapped */

struct cached {
	int level;
	uint64_t index;
	unsigned width; /* 0: empty slot */
	uint8_t h[VOUCH_TILE_BYTES];
};

struct memo {
	uint64_t index;
	unsigned level; /* 0: empty slot (level-0 nodes are never memoised) */
	vouch_hash h;
};

struct vouch_tilehashes {
	uint64_t size;
	vouch_tile_reader rd;
	void *rdctx;
	unsigned next;
	struct cached c[CACHE_TILES];
	struct memo m[MEMO_SLOTS];
};

int
vouch_tilehashes_new(uint64_t size, vouch_tile_reader rd, void *rdctx,
                     vouch_tilehashes **out, vouch_err *err)
{
	vouch_tilehashes *th = calloc(1, sizeof *th);

	if (th == NULL)
		return vouch_err_set(err, VOUCH_ENOMEM, "out of memory");
	th->size = size;
	th->rd = rd;
	th->rdctx = rdctx;
	*out = th;
	return VOUCH_OK;
}

void
vouch_tilehashes_free(vouch_tilehashes *th)
{
	free(th);
}

static int
get_tile(vouch_tilehashes *th, int level, uint64_t index, const uint8_t **h,
         vouch_err *err)
{
	unsigned w = vouch_tile_width(level, index, th->size), i;
	struct cached *c;
	int rc;

	if (w == 0)
		return vouch_err_set(err, VOUCH_EINTERNAL, "tile %d/%llu outside the tree",
		                     level, (unsigned long long)index);
	for (i = 0; i < CACHE_TILES; i++)
		if (th->c[i].width == w && th->c[i].level == level && th->c[i].index == index) {
			*h = th->c[i].h;
			return VOUCH_OK;
		}
	c = &th->c[th->next];
	th->next = (th->next + 1) % CACHE_TILES;
	c->width = 0;
	if ((rc = th->rd(th->rdctx, level, index, w, c->h, err)) != VOUCH_OK)
		return rc;
	c->level = level;
	c->index = index;
	c->width = w;
	*h = c->h;
	return VOUCH_OK;
}

static struct memo *
memo_slot(vouch_tilehashes *th, unsigned level, uint64_t index)
{
	uint64_t k = (index * 0x9e3779b97f4a7c15ull) ^ ((uint64_t)level * 0xc2b2ae3d27d4eb4full);

	return &th->m[(k >> 32) % MEMO_SLOTS];
}

int
vouch_tilehashes_read(void *ctx, unsigned level, uint64_t index, vouch_hash out,
                      vouch_err *err)
{
	vouch_tilehashes *th = ctx;
	vouch_hash l, r;
	struct memo *mm;
	const uint8_t *h = NULL;
	int rc;

	if (level >= 64 || index >= (UINT64_MAX >> level) ||
	    ((index + 1) << level) > th->size || ((index + 1) << level) == 0)
		return vouch_err_set(err, VOUCH_EINTERNAL, "subtree %u/%llu outside the tree",
		                     level, (unsigned long long)index);
	if (level % 8 == 0) {
		/* stored in a tile at level / 8 */
		if ((rc = get_tile(th, (int)(level / 8), index / VOUCH_TILE_WIDTH, &h, err)) !=
		    VOUCH_OK)
			return rc;
		memcpy(out, h + (index % VOUCH_TILE_WIDTH) * VOUCH_HASH_LEN, VOUCH_HASH_LEN);
		return VOUCH_OK;
	}
	/* between tile levels: from the two children, remembered */
	mm = memo_slot(th, level, index);
	if (mm->level == level && mm->index == index) {
		memcpy(out, mm->h, VOUCH_HASH_LEN);
		return VOUCH_OK;
	}
	if ((rc = vouch_tilehashes_read(ctx, level - 1, 2 * index, l, err)) != VOUCH_OK ||
	    (rc = vouch_tilehashes_read(ctx, level - 1, 2 * index + 1, r, err)) != VOUCH_OK ||
	    (rc = vouch_merkle_node_hash(l, r, out, err)) != VOUCH_OK)
		return rc;
	mm->level = level;
	mm->index = index;
	memcpy(mm->h, out, VOUCH_HASH_LEN);
	return VOUCH_OK;
}

/* ---- entry bundles ---- */

int
vouch_tile_bundle_append(vouch_buf *b, const void *entry, size_t n, vouch_err *err)
{
	uint8_t len[2];
	int rc;

	if (n > VOUCH_ENTRY_MAX)
		return vouch_err_set(err, VOUCH_ELIMIT, "entry of %zu bytes exceeds %u", n,
		                     (unsigned)VOUCH_ENTRY_MAX);
	len[0] = (uint8_t)(n >> 8);
	len[1] = (uint8_t)n;
	if ((rc = vouch_buf_append(b, len, 2, err)) != VOUCH_OK)
		return rc;
	return vouch_buf_append(b, entry, n, err);
}

int
vouch_tile_bundle_split(const uint8_t *data, size_t len, unsigned count,
                        struct vouch_span *spans, vouch_err *err)
{
	size_t pos = 0;
	unsigned i;

	if (count == 0 || count > VOUCH_TILE_WIDTH)
		return vouch_err_set(err, VOUCH_EUSAGE, "bad bundle width %u", count);
	for (i = 0; i < count; i++) {
		size_t n;

		if (len - pos < 2)
			return vouch_err_set(err, VOUCH_EINPUT,
			                     "entry bundle ends after %u of %u entries", i, count);
		n = ((size_t)data[pos] << 8) | data[pos + 1];
		pos += 2;
		if (len - pos < n)
			return vouch_err_set(err, VOUCH_EINPUT, "entry bundle entry %u truncated", i);
		spans[i].off = pos;
		spans[i].len = n;
		pos += n;
	}
	if (pos != len)
		return vouch_err_set(err, VOUCH_EINPUT, "entry bundle has %zu trailing bytes",
		                     len - pos);
	return VOUCH_OK;
}
