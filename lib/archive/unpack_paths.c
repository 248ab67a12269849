/* unpack_paths.c - the extractor's messages, its table of the paths
 * created (hashed under a random key), names and the directory stack
 * (see unpack.c). */
#include "config.h"

#include <fcntl.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <wchar.h>
#include <wctype.h>

#include "vouch/tree.h"

#include "unpack_int.h"

/* ---- messages ---- */

int
entry_err(struct ux *u, int code, const char *path, size_t len, const char *fmt, ...)
{
	char q[UNPACK_QUOTE], why[256];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(why, sizeof(why), fmt, ap);
	va_end(ap);
	return vouch_err_set(u->src.err, code, "'%s': entry '%s': %s", u->name,
	                     vouch_tree_quote(path, len, q, sizeof(q)), why);
}

/* A system call on an entry's file failed (a full disk, say): name it. */
int
entry_sys(struct ux *u, const char *path, size_t len, const char *what)
{
	char q[UNPACK_QUOTE];

	return vouch_err_sys(u->src.err, VOUCH_EIO, "'%s': entry '%s': %s", u->name,
	                     vouch_tree_quote(path, len, q, sizeof(q)), what);
}

/* The caller asked us to stop (a signal): fail so that everything is
 * cleaned up on the way out. */
int
cancelled(const struct ux *u, vouch_err *err)
{
	if (u->o->cancel == NULL || !*u->o->cancel)
		return 0;
	vouch_err_set(err, VOUCH_EIO, "interrupted");
	return 1;
}

/* ---- the path table ---- */

/* SipHash-1-3 under a per-extraction random key, so that crafted names
 * cannot all land in one bucket (hash flooding). */
#define ROTL64(x, b) (((x) << (b)) | ((x) >> (64 - (b))))
#define SIPROUND(v0, v1, v2, v3) do { \
	v0 += v1; v1 = ROTL64(v1, 13); v1 ^= v0; v0 = ROTL64(v0, 32); \
	v2 += v3; v3 = ROTL64(v3, 16); v3 ^= v2; \
	v0 += v3; v3 = ROTL64(v3, 21); v3 ^= v0; \
	v2 += v1; v1 = ROTL64(v1, 17); v1 ^= v2; v2 = ROTL64(v2, 32); \
} while (0)

static uint64_t
path_hash(const uint64_t key[2], const char *p, size_t len)
{
	const unsigned char *s = (const unsigned char *)p;
	uint64_t v0 = key[0] ^ 0x736f6d6570736575ULL, v1 = key[1] ^ 0x646f72616e646f6dULL;
	uint64_t v2 = key[0] ^ 0x6c7967656e657261ULL, v3 = key[1] ^ 0x7465646279746573ULL;
	uint64_t m;
	size_t i = 0;

	for (; i + 8 <= len; i += 8) {
		m = 0;
		for (int k = 7; k >= 0; k--)
			m = (m << 8) | s[i + (size_t)k];
		v3 ^= m;
		SIPROUND(v0, v1, v2, v3);
		v0 ^= m;
	}
	m = (uint64_t)len << 56;
	for (size_t k = 0; i + k < len; k++)
		m |= (uint64_t)s[i + k] << (8 * k);
	v3 ^= m;
	SIPROUND(v0, v1, v2, v3);
	v0 ^= m;
	v2 ^= 0xff;
	SIPROUND(v0, v1, v2, v3);
	SIPROUND(v0, v1, v2, v3);
	SIPROUND(v0, v1, v2, v3);
	return v0 ^ v1 ^ v2 ^ v3;
}

/* A node's key in table t. */
static const char *
node_key(const struct table *t, const struct node *nd, size_t *len)
{
	*len = t->folded ? nd->flen : nd->len;
	return t->folded ? nd->fkey : nd->path;
}

/* Index + 1 of the node whose key is p, or 0 (for the fold table, p is a
 * folded path: see fold_path()). */
size_t
tab_find(const struct ux *u, const struct table *t, const char *p, size_t len)
{
	size_t i;

	if (t->cap == 0)
		return 0;
	i = path_hash(u->key, p, len) & (t->cap - 1);
	while (t->slot[i] != 0) {
		size_t kl;
		const char *k = node_key(t, &u->nodes[t->slot[i] - 1], &kl);

		if (kl == len && memcmp(k, p, len) == 0)
			return t->slot[i];
		i = (i + 1) & (t->cap - 1);
	}
	return 0;
}

static int
tab_insert(struct ux *u, struct table *t, uint32_t idx1)
{
	const struct node *nd = &u->nodes[idx1 - 1];
	size_t i;

	if ((u->n + 1) * 2 > t->cap) {
		size_t ncap = t->cap ? t->cap * 2 : 1024;
		uint32_t *ns = calloc(ncap, sizeof(*ns));

		if (ns == NULL)
			return vouch_err_set(u->src.err, VOUCH_ENOMEM, "out of memory");
		for (size_t k = 0; k < t->cap; k++) {
			const char *mk;
			size_t ml;

			if (t->slot[k] == 0)
				continue;
			mk = node_key(t, &u->nodes[t->slot[k] - 1], &ml);
			i = path_hash(u->key, mk, ml) & (ncap - 1);
			while (ns[i] != 0)
				i = (i + 1) & (ncap - 1);
			ns[i] = t->slot[k];
		}
		free(t->slot);
		t->slot = ns;
		t->cap = ncap;
	}
	{
		size_t kl;
		const char *k = node_key(t, nd, &kl);

		i = path_hash(u->key, k, kl) & (t->cap - 1);
	}
	while (t->slot[i] != 0)
		i = (i + 1) & (t->cap - 1);
	t->slot[i] = idx1;
	return VOUCH_OK;
}

/* The parent directory's node gets a child; the root has no node. */
static void
mark_parent(struct ux *u, const char *p, size_t len)
{
	const char *slash = NULL;
	size_t k;

	for (k = len; k > 0; k--)
		if (p[k - 1] == '/') {
			slash = p + k - 1;
			break;
		}
	if (slash == NULL)
		return;
	k = tab_find(u, &u->tab, p, (size_t)(slash - p));
	if (k != 0)
		u->nodes[k - 1].children = 1;
}

/* The case-folded form of a path (valid UTF-8, as every name is by now)
 * into u->fbuf: each character through towupper then towlower in C.UTF-8,
 * so that all the spellings a case-insensitive file system (NTFS, APFS,
 * FAT) takes for one name meet: "A" and "a", "\u00c4" and "\u00e4",
 * the Kelvin sign and "k", "\u017f" (long s) and "s", final and medial
 * sigma.  Without that locale, ASCII letters only.  Unicode normalisation
 * (NFC against NFD) is not applied. */
static int
fold_path(struct ux *u, const char *p, size_t len, size_t *flen)
{
	locale_t prev = (locale_t)0;
	mbstate_t in, out;
	size_t o = 0;

	if (len * 2 + 16 > u->fcap) {
		char *nb = realloc(u->fbuf, len * 2 + 16);

		if (nb == NULL)
			return vouch_err_set(u->src.err, VOUCH_ENOMEM, "out of memory");
		u->fbuf = nb;
		u->fcap = len * 2 + 16;
	}
	if (u->loc != (locale_t)0)
		prev = uselocale(u->loc);
	memset(&in, 0, sizeof(in));
	memset(&out, 0, sizeof(out));
	for (size_t i = 0; i < len;) {
		wchar_t wc;
		size_t n = u->loc != (locale_t)0 ? mbrtowc(&wc, p + i, len - i, &in) : 0, m = 0;

		if (n != 0 && n <= len - i)
			m = wcrtomb(u->fbuf + o, (wchar_t)towlower((wint_t)towupper((wint_t)wc)), &out);
		if (n == 0 || n > len - i || m == (size_t)-1) {
			/* no locale (or not reached: a byte that is no character) */
			unsigned char c = (unsigned char)p[i];

			u->fbuf[o++] = (char)(c >= 'A' && c <= 'Z' ? c + ('a' - 'A') : c);
			memset(&in, 0, sizeof(in));
			i++;
		} else {
			o += m;
			i += n;
		}
		if (o + MB_LEN_MAX > u->fcap) {    /* a character folded to a longer one */
			char *nb = realloc(u->fbuf, u->fcap * 2);

			if (nb == NULL) {
				if (prev != (locale_t)0)
					uselocale(prev);
				return vouch_err_set(u->src.err, VOUCH_ENOMEM, "out of memory");
			}
			u->fbuf = nb;
			u->fcap *= 2;
		}
	}
	if (prev != (locale_t)0)
		uselocale(prev);
	*flen = o;
	return VOUCH_OK;
}

/* Index + 1 of a node whose path differs from p only by case, or 0. */
size_t
fold_find(struct ux *u, const char *p, size_t len, int *rc)
{
	size_t fl;

	if ((*rc = fold_path(u, p, len, &fl)) != VOUCH_OK)
		return 0;
	return tab_find(u, &u->fold, u->fbuf, fl);
}

int
node_add(struct ux *u, const char *p, size_t len, int type, const char *target,
         size_t tlen, struct node **out)
{
	struct node *nd;
	int rc;

	if (u->n >= u->o->max_entries || u->n >= UINT32_MAX - 1)
		return entry_err(u, VOUCH_ELIMIT, p, len, "more than %llu paths in the tree",
		                 (unsigned long long)u->o->max_entries);
	if (u->n == u->cap) {
		size_t ncap = u->cap ? u->cap * 2 : 1024;
		struct node *nn = realloc(u->nodes, ncap * sizeof(*nn));

		if (nn == NULL)
			return vouch_err_set(u->src.err, VOUCH_ENOMEM, "out of memory");
		u->nodes = nn;
		u->cap = ncap;
	}
	nd = &u->nodes[u->n];
	memset(nd, 0, sizeof(*nd));
	nd->path = malloc(len + tlen + 2);
	if (nd->path == NULL)
		return vouch_err_set(u->src.err, VOUCH_ENOMEM, "out of memory");
	memcpy(nd->path, p, len);
	nd->path[len] = '\0';
	if (tlen)
		memcpy(nd->path + len + 1, target, tlen);
	nd->path[len + 1 + tlen] = '\0';
	nd->len = len;
	nd->tlen = tlen;
	nd->type = (uint8_t)type;
	u->n++;
	rc = tab_insert(u, &u->tab, (uint32_t)u->n);
	if (rc == VOUCH_OK && u->o->portable) {
		size_t fl = 0;

		if ((rc = fold_path(u, p, len, &fl)) == VOUCH_OK) {
			nd = &u->nodes[u->n - 1];
			if ((nd->fkey = malloc(fl + 1)) == NULL)
				rc = vouch_err_set(u->src.err, VOUCH_ENOMEM, "out of memory");
			else {
				memcpy(nd->fkey, u->fbuf, fl);
				nd->fkey[fl] = '\0';
				nd->flen = fl;
				rc = tab_insert(u, &u->fold, (uint32_t)u->n);
			}
		}
	}
	if (rc != VOUCH_OK)
		return rc;
	mark_parent(u, p, len);
	if (out)
		*out = &u->nodes[u->n - 1];
	return VOUCH_OK;
}

/* ---- names ---- */

/* Normalise an archive name into out (size cap): drop empty and "."
 * components and a trailing '/'; refuse absolute names and "..".
 * *len is the result ("" is the root). */
int
normalise(struct ux *u, const char *raw, char *out, size_t cap, size_t *len,
          uint32_t *depth)
{
	size_t rl = strlen(raw), i = 0, o = 0;
	uint32_t d = 0;

	if (rl == 0)
		return entry_err(u, VOUCH_EINPUT, raw, rl, "empty name");
	if (raw[0] == '/')
		return entry_err(u, VOUCH_EINPUT, raw, rl, "absolute path escapes the target");
	if (!vouch_tree_name_clean(raw, rl))
		return entry_err(u, VOUCH_EINPUT, raw, rl,
		                 "name has control characters or is not valid UTF-8");
	while (i < rl) {
		const char *c = raw + i;
		const char *e = memchr(c, '/', rl - i);
		size_t cl = e ? (size_t)(e - c) : rl - i;

		i += cl + 1;
		if (cl == 0 || (cl == 1 && c[0] == '.'))
			continue;
		if (cl == 2 && c[0] == '.' && c[1] == '.')
			return entry_err(u, VOUCH_EINPUT, raw, rl,
			                 "'..' component escapes the target");
		if (cl > NAME_MAX)
			return entry_err(u, VOUCH_EINPUT, raw, rl,
			                 "a component is longer than %d bytes", NAME_MAX);
		if (o + (o ? 1 : 0) + cl > u->o->max_path_len || o + cl + 2 > cap)
			return entry_err(u, VOUCH_ELIMIT, raw, rl, "path longer than %u bytes",
			                 (unsigned)u->o->max_path_len);
		if (++d > u->o->max_depth)
			return entry_err(u, VOUCH_ELIMIT, raw, rl, "path deeper than %u components",
			                 (unsigned)u->o->max_depth);
		if (o)
			out[o++] = '/';
		memcpy(out + o, c, cl);
		o += cl;
	}
	if (u->o->portable && memchr(out, '\\', o) != NULL)
		return entry_err(u, VOUCH_EINPUT, raw, rl, "backslash in name (--portable)");
	out[o] = '\0';
	*len = o;
	*depth = d;
	return VOUCH_OK;
}

/* ---- the directory stack ---- */

void
stack_pop_to(struct ux *u, uint32_t keep)
{
	while (u->depth > keep) {
		close(u->fds[u->depth]);
		u->depth--;
	}
	u->cur[u->ends[u->depth]] = '\0';
}

/* Open (creating if needed) directory component [s, s+cl) below the top of
 * the stack; full is the whole entry path for messages. */
static int
stack_push(struct ux *u, const char *c, size_t cl, const char *full, size_t flen)
{
	size_t base = u->ends[u->depth], plen = base + (base ? 1 : 0) + cl;
	size_t k;
	char name[NAME_MAX + 1];
	int fd;

	if (cl > NAME_MAX)
		return entry_err(u, VOUCH_EINPUT, full, flen, "a component is longer than %d bytes",
		                 NAME_MAX);
	if (base)
		u->cur[base] = '/';
	memcpy(u->cur + base + (base ? 1 : 0), c, cl);
	u->cur[plen] = '\0';
	memcpy(name, c, cl);
	name[cl] = '\0';
	k = tab_find(u, &u->tab, u->cur, plen);
	if (k == 0) {
		int rc;

		if (u->o->portable && (fold_find(u, u->cur, plen, &rc) != 0 || rc != VOUCH_OK))
			return rc != VOUCH_OK ? rc : entry_err(u, VOUCH_EINPUT, full, flen,
			                 "directory differs only by case from an earlier entry");
		if (mkdirat(u->fds[u->depth], name, 0755) != 0)
			return vouch_err_sys(u->src.err, VOUCH_EIO, "'%s': cannot create a directory",
			                     u->name);
		rc = node_add(u, u->cur, plen, VOUCH_TREE_DIR, NULL, 0, NULL);
		if (rc != VOUCH_OK)
			return rc;
		u->nodes[u->n - 1].implicit = 1;
	} else if (u->nodes[k - 1].type == VOUCH_TREE_SYMLINK) {
		char q[UNPACK_QUOTE];

		return entry_err(u, VOUCH_EINPUT, full, flen, "writes through symlink '%s'",
		                 vouch_tree_quote(u->cur, plen, q, sizeof(q)));
	} else if (u->nodes[k - 1].type != VOUCH_TREE_DIR) {
		char q[UNPACK_QUOTE];

		return entry_err(u, VOUCH_EINPUT, full, flen, "'%s' is not a directory",
		                 vouch_tree_quote(u->cur, plen, q, sizeof(q)));
	}
	fd = openat(u->fds[u->depth], name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0)
		return vouch_err_sys(u->src.err, VOUCH_EIO, "'%s': cannot open a directory",
		                     u->name);
	u->depth++;
	u->fds[u->depth] = fd;
	u->ends[u->depth] = plen;
	return VOUCH_OK;
}

/* Make the stack hold the parent directory of path (path[0..plen) is the
 * parent); returns its fd in *dfd. */
int
stack_goto(struct ux *u, const char *path, size_t plen, const char *full, size_t flen,
           int *dfd)
{
	uint32_t keep = 0;
	size_t i;
	int rc;

	for (uint32_t d = u->depth; d > 0; d--) {
		size_t e = u->ends[d];

		if (e <= plen && memcmp(u->cur, path, e) == 0 && (e == plen || path[e] == '/')) {
			keep = d;
			break;
		}
	}
	stack_pop_to(u, keep);
	i = u->ends[keep];
	while (i < plen) {
		const char *c;
		const char *e;
		size_t cl;

		if (path[i] == '/')
			i++;
		c = path + i;
		e = memchr(c, '/', plen - i);
		cl = e ? (size_t)(e - c) : plen - i;
		rc = stack_push(u, c, cl, full, flen);
		if (rc != VOUCH_OK)
			return rc;
		i += cl;
	}
	*dfd = u->fds[u->depth];
	return VOUCH_OK;
}
