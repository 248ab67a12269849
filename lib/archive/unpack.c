/* unpack.c - safe extraction of an untrusted archive, with the tree digest.
 *
 * libarchive only parses; every decision and every write is ours.  The tree
 * is built in a fresh mkdtemp() directory next to the target, always
 * relative to directory fds opened with O_NOFOLLOW, and every path created
 * is remembered in a table, so "what exists on disk" is known without
 * asking the disk: a name already taken is a duplicate, a parent that is a
 * symlink is a write through it.  On success the directory is renamed onto
 * the target; on failure it is removed.
 */
#include "config.h"

#include <archive.h>
#include <archive_entry.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <locale.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include <wchar.h>
#include <wctype.h>

#include "vouch/codec.h"
#include "vouch/file.h"
#include "vouch/json.h"
#include "vouch/tree.h"
#include "vouch/reader.h"
#include "vouch/unpack.h"
#include "vouch/zipcheck.h"
#include "unpack_tmp.h"

#define UNPACK_READ_BLOCK VOUCH_READ_CHUNK
#define UNPACK_HASH_BLOCK VOUCH_READ_CHUNK
#define UNPACK_LINK_MAX 4096u
#define UNPACK_LINK_HOPS 40
#define UNPACK_QUOTE 200
#define UNPACK_RESOLVE_BUDGET ((uint64_t)256 << 20) /* path bytes looked up */

struct node {
	char *path;            /* owned; for symlinks the target follows the NUL */
	size_t len;
	size_t tlen;           /* symlink target length */
	uint64_t size;
	uint32_t group;        /* hard links: index of the first file + 1, else 0 */
	uint32_t seq1;         /* content hash number + 1 when it wrote data */
	uint16_t stripped;     /* archive mode when setuid/setgid/sticky were cut */
	uint8_t type;          /* enum vouch_tree_type */
	uint8_t implicit;      /* directory made for a deeper entry */
	uint8_t children;
	uint8_t hardlink;      /* this name was made by a hard-link entry */
	uint8_t external;      /* symlink resolving outside (allowed) */
	uint8_t sha256[32];
	char *fkey;            /* --portable: the case-folded path (owned) */
	size_t flen;
};

struct table {                 /* open addressing over node indexes + 1 */
	uint32_t *slot;
	size_t cap;            /* power of two */
	int folded;            /* keyed by the nodes' fkey, not their path */
};

struct src {                   /* the archive bytes */
	int fd;
	unsigned char *buf;
	int64_t pos;
	int64_t size;
	int64_t maxpos;        /* furthest byte read: the compressed size so far */
	vouch_hasher *h;       /* archive digests */
	vouch_err *err;
	/* A regular file is digested by a second thread reading the page cache
	 * while the main thread extracts. */
	pthread_t thr;
	int thr_started;
	atomic_int stop;
	int thr_rc;
	vouch_err thr_err;
	struct stat st0;       /* a regular file as opened */
	const char *name;
	int64_t hashed;        /* bytes the digest thread read */
	volatile sig_atomic_t *cancel;
};

#define HQ_SLOTS 8u
#define HQ_SLOT (512u * 1024u)
#define HQ_REC 12u             /* record header: seq, first, last, pad, len */

struct hq_rec {
	uint32_t seq;
	uint8_t first, last;
	uint32_t len;
};

struct hq {
	pthread_t thr;
	int started;
	pthread_mutex_t mu;
	pthread_cond_t can_put, can_take;
	size_t fill[HQ_SLOTS];  /* bytes of records in each published slot */
	unsigned char *data;   /* HQ_SLOTS * HQ_SLOT */
	size_t head, count;    /* published slots */
	int quit;
	int put_waits, take_waits;
	int failed;            /* worker: out of memory or a hashing error */
	vouch_hasher *h;       /* worker */
	uint8_t (*res)[32];    /* worker until joined */
	size_t cap;
	uint32_t next_seq;     /* main */
	int have;              /* main: holds slot pidx, pfill bytes used */
	size_t pidx, pfill;
};

struct ux {
	const vouch_unpack_opts *o;
	const char *name;      /* archive name for messages */
	struct archive *a;
	struct src src;
	struct node *nodes;
	size_t n, cap;
	struct table tab, fold;
	locale_t loc;          /* --portable: C.UTF-8 for case folding, or 0 */
	char *fbuf;            /* --portable: a folded query */
	size_t fcap;
	struct hq hq;          /* file contents */
	unsigned char *zero;   /* for sparse holes */
	int root;              /* fd of the temporary directory */
	int *fds;              /* fds[i]: directory of the first i components */
	size_t *ends;          /* ends[i]: length of cur for i components */
	char *cur;
	uint32_t depth;
	uint64_t entries;
	uint64_t written;
	uint64_t key[2];       /* path hash key */
	uint64_t budget;       /* symlink resolution steps left */
	int is_ar;
};

/* ---- messages ---- */

static int
entry_err(struct ux *u, int code, const char *path, size_t len, const char *fmt, ...)
	__attribute__((format(printf, 5, 6)));

static int
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
static int
entry_sys(struct ux *u, const char *path, size_t len, const char *what)
{
	char q[UNPACK_QUOTE];

	return vouch_err_sys(u->src.err, VOUCH_EIO, "'%s': entry '%s': %s", u->name,
	                     vouch_tree_quote(path, len, q, sizeof(q)), what);
}

/* The caller asked us to stop (a signal): fail so that everything is
 * cleaned up on the way out. */
static int
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
static size_t
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
static size_t
fold_find(struct ux *u, const char *p, size_t len, int *rc)
{
	size_t fl;

	if ((*rc = fold_path(u, p, len, &fl)) != VOUCH_OK)
		return 0;
	return tab_find(u, &u->fold, u->fbuf, fl);
}

static int
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
static int
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

static void
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
static int
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

/* A helper thread with every signal blocked, so that a signal the caller
 * catches (to cancel) interrupts the thread that reads the input. */
static int
start_thread(pthread_t *t, void *(*fn)(void *), void *arg)
{
	sigset_t all, old;
	int r;

	sigfillset(&all);
	pthread_sigmask(SIG_SETMASK, &all, &old);
	r = pthread_create(t, NULL, fn, arg);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	return r;
}

/* ---- reading the archive, hashing every byte once ---- */

static la_ssize_t
src_read(struct archive *a, void *cd, const void **out)
{
	struct src *s = cd;
	ssize_t n;

	do
		n = pread(s->fd, s->buf, UNPACK_READ_BLOCK, s->pos);
	while (n < 0 && errno == EINTR);
	if (n < 0) {
		archive_set_error(a, errno, "read error");
		return -1;
	}
	s->pos += n;
	if (s->pos > s->maxpos)
		s->maxpos = s->pos;
	*out = s->buf;
	return n;
}

static void *
digest_thread(void *arg)
{
	struct src *s = arg;
	unsigned char *buf = vouch_chunk_alloc();
	int64_t off = 0;

	if (buf == NULL) {
		s->thr_rc = vouch_err_set(&s->thr_err, VOUCH_ENOMEM, "out of memory");
		return NULL;
	}
	while (!atomic_load(&s->stop)) {
		ssize_t n = pread(s->fd, buf, UNPACK_HASH_BLOCK, off);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			s->thr_rc = vouch_err_sys(&s->thr_err, VOUCH_EIO, "cannot read the archive");
			break;
		}
		if (n == 0)
			break;
		s->thr_rc = vouch_hasher_update(s->h, buf, (size_t)n, &s->thr_err);
		if (s->thr_rc != VOUCH_OK)
			break;
		off += n;
	}
	s->hashed = off;
	free(buf);
	return NULL;
}

static int
digest_start(struct src *s, vouch_err *err)
{
	vouch_err_clear(&s->thr_err);
	if (start_thread(&s->thr, digest_thread, s) != 0)
		return vouch_err_set(err, VOUCH_EIO, "cannot start a thread");
	s->thr_started = 1;
	return VOUCH_OK;
}

/* Wait for the digest thread; with cancel, ask it to stop first. */
static int
digest_join(struct src *s, int cancel, vouch_err *err)
{
	if (!s->thr_started)
		return VOUCH_OK;
	if (cancel)
		atomic_store(&s->stop, 1);
	pthread_join(s->thr, NULL);
	s->thr_started = 0;
	if (!cancel && s->thr_rc != VOUCH_OK)
		return vouch_err_set(err, s->thr_rc, "%s", s->thr_err.msg);
	if (!cancel)
		return vouch_file_unchanged(s->fd, &s->st0, (uint64_t)s->hashed, s->name, err);
	return VOUCH_OK;
}

static la_int64_t
src_seek(struct archive *a, void *cd, la_int64_t off, int whence)
{
	struct src *s = cd;
	int64_t base = whence == SEEK_SET ? 0 : whence == SEEK_CUR ? s->pos : s->size;

	if (off < -base || base + off < 0) {
		archive_set_error(a, EINVAL, "seek before the start");
		return ARCHIVE_FATAL;
	}
	s->pos = base + off;
	return s->pos;
}

static la_int64_t
src_skip(struct archive *a, void *cd, la_int64_t req)
{
	struct src *s = cd;

	(void)a;
	if (req <= 0)
		return 0;
	if (s->pos >= s->size)
		return 0;
	if (req > s->size - s->pos)
		req = s->size - s->pos;
	s->pos += req;
	return req;
}

/* A pipe or terminal is copied to an unlinked temporary file first (7z,
 * zip and iso9660 need to seek), hashing on the way. */
static int
src_spool(struct src *s, int dirfd, const char *tmpdir, uint64_t max, vouch_err *err)
{
	int fd = openat(dirfd, ".", O_TMPFILE | O_RDWR | O_CLOEXEC, 0600);
	int64_t total = 0;

	if (fd < 0) {   /* no O_TMPFILE here (older overlayfs): a name, unlinked */
		fd = openat(dirfd, ".vouch-spool", O_RDWR | O_CREAT | O_EXCL | O_NOFOLLOW |
		            O_CLOEXEC, 0600);
		if (fd >= 0 && unlinkat(dirfd, ".vouch-spool", 0) != 0) {
			close(fd);
			fd = -1;
		}
	}
	if (fd < 0)
		return vouch_err_sys(err, VOUCH_EIO, "cannot create a spool file in '%s'", tmpdir);
	for (;;) {
		ssize_t n = read(s->fd, s->buf, UNPACK_READ_BLOCK);

		if (s->cancel != NULL && *s->cancel) {
			close(fd);
			return vouch_err_set(err, VOUCH_EIO, "interrupted");
		}
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			close(fd);
			return vouch_err_sys(err, VOUCH_EIO, "cannot read the archive");
		}
		if (n == 0)
			break;
		total += n;
		if ((uint64_t)total > max) {
			close(fd);
			return vouch_err_set(err, VOUCH_ELIMIT, "archive larger than %llu bytes",
			                     (unsigned long long)max);
		}
		if (vouch_hasher_update(s->h, s->buf, (size_t)n, err) != VOUCH_OK ||
		    vouch_write_all(fd, s->buf, (size_t)n, "spool file", err) != VOUCH_OK) {
			close(fd);
			return err ? err->code : VOUCH_EIO;
		}
	}
	s->fd = fd;
	s->size = total;
	return VOUCH_OK;
}

/* ---- hashing file contents on a second thread ----
 *
 * The main thread copies each data block into a small ring and goes on
 * writing; a worker hashes.  File number seq gets res[seq], read only after
 * the worker was joined. */


static void
hq_store(struct hq *q, uint32_t seq)
{
	vouch_digests d;

	if (seq >= q->cap) {
		size_t ncap = q->cap ? q->cap * 2 : 4096;
		uint8_t (*nr)[32];

		while (ncap <= seq)
			ncap *= 2;
		nr = realloc(q->res, ncap * sizeof(*nr));
		if (nr == NULL) {
			q->failed = 1;
			return;
		}
		q->res = nr;
		q->cap = ncap;
	}
	if (vouch_hasher_final(q->h, &d, NULL) != VOUCH_OK)
		q->failed = 1;
	else
		memcpy(q->res[seq], vouch_digests_get(&d, VOUCH_ALG_SHA256), 32);
}

/* Hash the records of one slot. */
static void
hq_slot(struct hq *q, const unsigned char *p, size_t fill)
{
	size_t off = 0;

	while (off + HQ_REC <= fill && !q->failed) {
		struct hq_rec r;

		memcpy(&r.seq, p + off, 4);
		r.first = p[off + 4];
		r.last = p[off + 5];
		memcpy(&r.len, p + off + 8, 4);
		off += HQ_REC;
		if (r.first && vouch_hasher_reset(q->h, NULL) != VOUCH_OK)
			q->failed = 1;
		if (!q->failed && r.len &&
		    vouch_hasher_update(q->h, p + off, r.len, NULL) != VOUCH_OK)
			q->failed = 1;
		if (!q->failed && r.last)
			hq_store(q, r.seq);
		off += r.len;
	}
}

static void *
hq_worker(void *arg)
{
	struct hq *q = arg;

	for (;;) {
		size_t idx, fill;

		pthread_mutex_lock(&q->mu);
		while (q->count == 0 && !q->quit) {
			q->take_waits = 1;
			pthread_cond_wait(&q->can_take, &q->mu);
			q->take_waits = 0;
		}
		if (q->count == 0 || q->quit > 1) {
			pthread_mutex_unlock(&q->mu);
			break;
		}
		idx = q->head;
		fill = q->fill[idx];
		pthread_mutex_unlock(&q->mu);
		hq_slot(q, q->data + idx * HQ_SLOT, fill);
		pthread_mutex_lock(&q->mu);
		q->head = (q->head + 1) % HQ_SLOTS;
		q->count--;
		if (q->put_waits)
			pthread_cond_signal(&q->can_put);
		pthread_mutex_unlock(&q->mu);
	}
	return NULL;
}

static int
hq_start(struct hq *q, vouch_err *err)
{
	int rc = vouch_hasher_new(VOUCH_ALG_SHA256, &q->h, err);

	if (rc != VOUCH_OK)
		return rc;
	q->data = malloc((size_t)HQ_SLOTS * HQ_SLOT);
	if (q->data == NULL)
		return vouch_err_set(err, VOUCH_ENOMEM, "out of memory");
	if (pthread_mutex_init(&q->mu, NULL) != 0)
		return vouch_err_set(err, VOUCH_EIO, "cannot create a mutex");
	if (pthread_cond_init(&q->can_put, NULL) != 0 ||
	    pthread_cond_init(&q->can_take, NULL) != 0 ||
	    start_thread(&q->thr, hq_worker, q) != 0) {
		pthread_mutex_destroy(&q->mu);
		return vouch_err_set(err, VOUCH_EIO, "cannot start a thread");
	}
	q->started = 1;
	return VOUCH_OK;
}

static void
hq_publish(struct hq *q)
{
	pthread_mutex_lock(&q->mu);
	q->fill[q->pidx] = q->pfill;
	q->count++;
	if (q->take_waits)
		pthread_cond_signal(&q->can_take);
	pthread_mutex_unlock(&q->mu);
	q->have = 0;
}

static void
hq_acquire(struct hq *q)
{
	pthread_mutex_lock(&q->mu);
	while (q->count == HQ_SLOTS) {
		q->put_waits = 1;
		pthread_cond_wait(&q->can_put, &q->mu);
		q->put_waits = 0;
	}
	q->pidx = (q->head + q->count) % HQ_SLOTS;
	pthread_mutex_unlock(&q->mu);
	q->pfill = 0;
	q->have = 1;
}

/* Queue len bytes of file seq: packed records in slots handed over whole,
 * so the threads meet once per slot, not once per file. */
static void
hq_feed(struct hq *q, uint32_t seq, const void *data, size_t len, int first, int last)
{
	do {
		unsigned char *p;
		size_t room, k;
		uint32_t k32;

		if (!q->have)
			hq_acquire(q);
		room = HQ_SLOT - q->pfill;
		if (room < HQ_REC + (len ? 1 : 0)) {
			hq_publish(q);
			continue;
		}
		k = len < room - HQ_REC ? len : room - HQ_REC;
		k32 = (uint32_t)k;
		p = q->data + q->pidx * HQ_SLOT + q->pfill;
		memcpy(p, &seq, 4);
		p[4] = (uint8_t)first;
		p[5] = (uint8_t)(last && k == len);
		p[6] = p[7] = 0;
		memcpy(p + 8, &k32, 4);
		if (k) {
			memcpy(p + HQ_REC, data, k);
			data = (const unsigned char *)data + k;
		}
		q->pfill += HQ_REC + k;
		len -= k;
		first = 0;
		if (len == 0)
			break;
	} while (1);
}

/* Finish (drain) or abandon (cancel) the worker. */
static int
hq_join(struct hq *q, int cancel, vouch_err *err)
{
	if (!q->started)
		return VOUCH_OK;
	if (!cancel && q->have && q->pfill > 0)
		hq_publish(q);
	pthread_mutex_lock(&q->mu);
	q->quit = cancel ? 2 : 1;
	pthread_cond_signal(&q->can_take);
	pthread_mutex_unlock(&q->mu);
	pthread_join(q->thr, NULL);
	pthread_cond_destroy(&q->can_put);
	pthread_cond_destroy(&q->can_take);
	pthread_mutex_destroy(&q->mu);
	q->started = 0;
	if (!cancel && q->failed)
		return vouch_err_set(err, VOUCH_ECRYPTO, "hashing file contents failed");
	return VOUCH_OK;
}

static void
hq_free(struct hq *q)
{
	(void)hq_join(q, 1, NULL);
	vouch_hasher_free(q->h);
	free(q->data);
	free(q->res);
}

/* ---- writing one entry ---- */

static int
check_growth(struct ux *u, const char *p, size_t len, uint64_t pos, uint64_t add)
{
	uint64_t comp;

	if (pos + add > u->o->max_entry_size)
		return entry_err(u, VOUCH_ELIMIT, p, len, "file larger than %llu bytes",
		                 (unsigned long long)u->o->max_entry_size);
	if (u->written + add > u->o->max_total_bytes)
		return entry_err(u, VOUCH_ELIMIT, p, len,
		                 "archive expands past %llu bytes in total",
		                 (unsigned long long)u->o->max_total_bytes);
	u->written += add;
	comp = u->src.maxpos > 0 ? (uint64_t)u->src.maxpos : 1;
	if (u->o->max_ratio && u->written > u->o->ratio_grace &&
	    u->written / u->o->max_ratio > comp)
		return entry_err(u, VOUCH_ELIMIT, p, len,
		                 "expands more than %u times the archive bytes read "
		                 "(decompression bomb?)", (unsigned)u->o->max_ratio);
	return VOUCH_OK;
}

struct wfile {                 /* where the data of one entry goes */
	int dfd;
	const char *base;
	int flags;             /* open flags used on the first byte (or at once) */
	mode_t mode;
	int lazy;              /* open only when data arrives */
	uint64_t phys;         /* bytes physically written (end offset) */
	uint32_t seq;          /* file number for the content hash */
	int fed;               /* a first piece went to the hasher */
	uint64_t size;         /* out */
	int got_data;          /* out */
};

/* Feed n zero bytes (a sparse hole) to the content hash. */
static void
hash_zeros(struct ux *u, struct wfile *w, uint64_t n)
{
	while (n > 0) {
		size_t k = n > UNPACK_READ_BLOCK ? UNPACK_READ_BLOCK : (size_t)n;

		hq_feed(&u->hq, w->seq, u->zero, k, !w->fed, 0);
		w->fed = 1;
		n -= k;
	}
}

static int
wfile_open(struct ux *u, struct wfile *w, int *fd, const char *p, size_t len)
{
	*fd = openat(w->dfd, w->base, w->flags, w->mode);
	if (*fd < 0) {
		char q[UNPACK_QUOTE];

		return vouch_err_sys(u->src.err, VOUCH_EIO, "'%s': entry '%s': cannot create",
		                     u->name, vouch_tree_quote(p, len, q, sizeof(q)));
	}
	return VOUCH_OK;
}

static int
data_block(struct ux *u, struct wfile *w, int *fd, const char *p, size_t len,
           uint64_t *pos, const void *buf, size_t sz, la_int64_t off)
{
	int rc;

	if (off < 0 || (uint64_t)off < *pos)
		return entry_err(u, VOUCH_EINPUT, p, len, "data blocks out of order");
	if ((uint64_t)off > *pos) {
		uint64_t gap = (uint64_t)off - *pos;

		rc = check_growth(u, p, len, *pos, gap);
		if (rc != VOUCH_OK)
			return rc;
		hash_zeros(u, w, gap);
		*pos = (uint64_t)off;
	}
	if (sz == 0)
		return VOUCH_OK;
	rc = check_growth(u, p, len, *pos, sz);
	if (rc == VOUCH_OK && *fd < 0)
		rc = wfile_open(u, w, fd, p, len);
	if (rc == VOUCH_OK)
		w->got_data = 1;
	if (rc == VOUCH_OK && *pos != w->phys && lseek(*fd, (off_t)*pos, SEEK_SET) < 0)
		rc = entry_sys(u, p, len, "cannot seek");
	if (rc == VOUCH_OK && vouch_write_all(*fd, buf, sz, "", NULL) != VOUCH_OK)
		rc = entry_sys(u, p, len, "cannot write");
	if (rc == VOUCH_OK) {
		hq_feed(&u->hq, w->seq, buf, sz, !w->fed, 0);
		w->fed = 1;
	}
	*pos += sz;
	w->phys = *pos;
	return rc;
}

/* Copy the entry's data into w; its size goes to w->size, its SHA-256 to
 * the hash worker as file number w->seq. */
static int
write_data(struct ux *u, struct wfile *w, const char *p, size_t len)
{
	uint64_t pos = 0;
	int fd = -1, rc = VOUCH_OK;

	w->seq = u->hq.next_seq++;
	if (!w->lazy)
		rc = wfile_open(u, w, &fd, p, len);
	while (rc == VOUCH_OK) {
		const void *buf = NULL;
		size_t sz = 0;
		la_int64_t off = 0;
		int r;

		if (cancelled(u, u->src.err)) {
			rc = VOUCH_EIO;
			break;
		}
		r = archive_read_data_block(u->a, &buf, &sz, &off);

		if (r == ARCHIVE_EOF) {
			if (off > 0 && (uint64_t)off > pos)
				rc = data_block(u, w, &fd, p, len, &pos, NULL, 0, off);
			break;
		}
		if (r != ARCHIVE_OK) {
			rc = entry_err(u, VOUCH_EINPUT, p, len, "cannot read its data: %s",
			               archive_error_string(u->a) ? archive_error_string(u->a)
			                                          : "unknown error");
			break;
		}
		rc = data_block(u, w, &fd, p, len, &pos, buf, sz, off);
	}
	if (rc == VOUCH_OK && pos > w->phys) {    /* a trailing sparse hole */
		if (fd < 0)
			rc = wfile_open(u, w, &fd, p, len);
		w->got_data = 1;
		if (rc == VOUCH_OK && ftruncate(fd, (off_t)pos) != 0)
			rc = entry_sys(u, p, len, "cannot write");
	}
	if (fd >= 0 && close(fd) != 0 && rc == VOUCH_OK)
		rc = entry_sys(u, p, len, "cannot write");
	if (rc == VOUCH_OK) {
		hq_feed(&u->hq, w->seq, NULL, 0, !w->fed, 1);
		w->size = pos;
	}
	return rc;
}

static const char *
base_of(const char *p, size_t len, size_t *plen)
{
	for (size_t k = len; k > 0; k--)
		if (p[k - 1] == '/') {
			*plen = k - 1;
			return p + k;
		}
	*plen = 0;
	return p;
}

static int
do_file(struct ux *u, struct archive_entry *e, const char *p, size_t len, int dfd,
        const char *base, unsigned mode)
{
	struct wfile w;
	int exec = (mode & S_IXUSR) != 0, rc;

	if (archive_entry_size_is_set(e) && archive_entry_size(e) > 0 &&
	    (uint64_t)archive_entry_size(e) > u->o->max_entry_size)
		return entry_err(u, VOUCH_ELIMIT, p, len, "file larger than %llu bytes",
		                 (unsigned long long)u->o->max_entry_size);
	memset(&w, 0, sizeof(w));
	w.dfd = dfd;
	w.base = base;
	w.flags = O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC | O_NOCTTY;
	w.mode = exec ? 0755 : 0644;
	rc = write_data(u, &w, p, len);
	if (rc == VOUCH_OK)
		rc = node_add(u, p, len, exec ? VOUCH_TREE_EXEC : VOUCH_TREE_FILE, NULL, 0, NULL);
	if (rc == VOUCH_OK) {
		u->nodes[u->n - 1].size = w.size;
		u->nodes[u->n - 1].seq1 = w.seq + 1;
	}
	return rc;
}

static int
do_symlink(struct ux *u, struct archive_entry *e, const char *p, size_t len, int dfd,
           const char *base)
{
	const char *t = archive_entry_symlink(e);
	size_t tl;

	if (t == NULL)
		t = archive_entry_symlink_utf8(e);
	if (t == NULL || t[0] == '\0')
		return entry_err(u, VOUCH_EINPUT, p, len, "symlink without a readable target");
	tl = strlen(t);
	if (tl > UNPACK_LINK_MAX)
		return entry_err(u, VOUCH_ELIMIT, p, len, "symlink target longer than %u bytes",
		                 UNPACK_LINK_MAX);
	if (!vouch_tree_name_clean(t, tl))
		return entry_err(u, VOUCH_EINPUT, p, len, "symlink target has control characters "
		                 "or is not valid UTF-8");
	if (t[0] == '/' && !u->o->allow_external_links) {
		char q[UNPACK_QUOTE];

		return entry_err(u, VOUCH_EINPUT, p, len, "symlink to '%s' points outside the "
		                 "target", vouch_tree_quote(t, tl, q, sizeof(q)));
	}
	if (symlinkat(t, dfd, base) != 0)
		return vouch_err_sys(u->src.err, VOUCH_EIO, "'%s': cannot create a symlink",
		                     u->name);
	return node_add(u, p, len, VOUCH_TREE_SYMLINK, t, tl, NULL);
}

/* Open the directory that holds path (all its components are directories
 * this extraction made) without touching the stack. */
static int
open_parent(struct ux *u, const char *path, size_t len, int *out)
{
	size_t plen, i = 0;
	int fd;

	(void)base_of(path, len, &plen);
	fd = dup(u->root);
	while (fd >= 0 && i < plen) {
		const char *e = memchr(path + i, '/', plen - i);
		size_t cl = e ? (size_t)(e - (path + i)) : plen - i;
		char name[NAME_MAX + 1];
		int nfd;

		if (cl > NAME_MAX)
			break;
		memcpy(name, path + i, cl);
		name[cl] = '\0';
		nfd = openat(fd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
		close(fd);
		fd = nfd;
		i += cl + 1;
	}
	if (fd < 0 || i < plen) {
		if (fd >= 0)
			close(fd);
		return vouch_err_sys(u->src.err, VOUCH_EIO, "'%s': cannot open a directory",
		                     u->name);
	}
	*out = fd;
	return VOUCH_OK;
}

static int
hardlink_target(struct ux *u, struct archive_entry *e, const char *p, size_t len,
                char *sbuf, size_t scap, size_t *k)
{
	const char *raw = archive_entry_hardlink(e);
	char q[UNPACK_QUOTE];
	size_t sl = 0;
	uint32_t sd = 0;
	int rc;

	if (raw == NULL)
		raw = archive_entry_hardlink_utf8(e);
	if (raw == NULL)
		return entry_err(u, VOUCH_EINPUT, p, len, "hard link without a readable target");
	vouch_tree_quote(raw, strlen(raw), q, sizeof(q));
	if (raw[0] == '/' || strcmp(raw, "..") == 0 || strncmp(raw, "../", 3) == 0 ||
	    strstr(raw, "/../") != NULL ||
	    (strlen(raw) >= 3 && strcmp(raw + strlen(raw) - 3, "/..") == 0))
		return entry_err(u, VOUCH_EINPUT, p, len,
		                 "hard link to '%s' points outside the target", q);
	rc = normalise(u, raw, sbuf, scap, &sl, &sd);
	if (rc != VOUCH_OK)
		return rc;
	*k = sl ? tab_find(u, &u->tab, sbuf, sl) : 0;
	if (*k == 0 || (u->nodes[*k - 1].type != VOUCH_TREE_FILE &&
	                u->nodes[*k - 1].type != VOUCH_TREE_EXEC))
		return entry_err(u, VOUCH_EINPUT, p, len, "hard link to '%s', which is not a "
		                 "regular file extracted earlier", q);
	return VOUCH_OK;
}

static int
do_hardlink(struct ux *u, struct archive_entry *e, const char *p, size_t len, int dfd,
            const char *base, char *sbuf, size_t scap)
{
	struct wfile w;
	size_t k = 0, sl;
	uint32_t group;
	int sfd = -1, rc;
	const char *sbase;

	rc = hardlink_target(u, e, p, len, sbuf, scap, &k);
	if (rc == VOUCH_OK)
		rc = open_parent(u, u->nodes[k - 1].path, u->nodes[k - 1].len, &sfd);
	if (rc != VOUCH_OK)
		return rc;
	sbase = base_of(u->nodes[k - 1].path, u->nodes[k - 1].len, &sl);
	if (linkat(sfd, sbase, dfd, base, 0) != 0) {
		rc = vouch_err_sys(u->src.err, VOUCH_EIO, "'%s': cannot create a hard link",
		                   u->name);
		goto out;
	}
	group = u->nodes[k - 1].group ? u->nodes[k - 1].group : (uint32_t)k;
	u->nodes[k - 1].group = group;
	/* A link entry may carry the data of the whole group (cpio does). */
	memset(&w, 0, sizeof(w));
	w.dfd = dfd;
	w.base = base;
	w.flags = O_WRONLY | O_TRUNC | O_NOFOLLOW | O_CLOEXEC | O_NOCTTY;
	w.lazy = 1;
	rc = write_data(u, &w, p, len);
	if (rc == VOUCH_OK)
		rc = node_add(u, p, len, u->nodes[k - 1].type, NULL, 0, NULL);
	if (rc != VOUCH_OK)
		goto out;
	u->nodes[u->n - 1].group = group;
	u->nodes[u->n - 1].hardlink = 1;
	u->nodes[u->n - 1].size = u->nodes[k - 1].size;
	if (w.got_data) {       /* the whole group's contents: settle_hashes() */
		u->nodes[u->n - 1].seq1 = w.seq + 1;
		u->nodes[u->n - 1].size = w.size;
	}
out:
	close(sfd);
	return rc;
}

static int
refuse_type(struct ux *u, const char *p, size_t len, unsigned ft)
{
	const char *what = "an unsupported file type";

	switch (ft) {
	case AE_IFCHR: what = "a character device"; break;
	case AE_IFBLK: what = "a block device"; break;
	case AE_IFIFO: what = "a FIFO"; break;
	case AE_IFSOCK: what = "a socket"; break;
	default: break;
	}
	return entry_err(u, VOUCH_EINPUT, p, len, "is %s, refused", what);
}

static int
is_ar_special(const struct ux *u, const char *raw)
{
	return u->is_ar && (strcmp(raw, "/") == 0 || strcmp(raw, "//") == 0 ||
	                    strncmp(raw, "__.SYMDEF", 9) == 0);
}

static int
do_entry(struct ux *u, struct archive_entry *e, char *pbuf, char *sbuf, size_t cap)
{
	const char *raw = archive_entry_pathname(e), *base;
	unsigned ft = archive_entry_filetype(e), mode = archive_entry_mode(e) & 07777;
	int hl = archive_entry_hardlink(e) != NULL || archive_entry_hardlink_utf8(e) != NULL;
	size_t len = 0, plen, k;
	uint32_t depth = 0;
	int dfd = -1, rc;

	if (raw == NULL)
		raw = archive_entry_pathname_utf8(e);
	if (raw == NULL)
		return vouch_err_set(u->src.err, VOUCH_EINPUT, "'%s': entry %llu: name cannot "
		                     "be decoded", u->name, (unsigned long long)u->entries);
	if (is_ar_special(u, raw))
		return VOUCH_OK;
	if (u->is_ar && ft == 0)
		ft = AE_IFREG;          /* deterministic ar writes a bare "644" */
	rc = normalise(u, raw, pbuf, cap, &len, &depth);
	if (rc != VOUCH_OK)
		return rc;
	if (!hl && ft != AE_IFREG && ft != AE_IFDIR && ft != AE_IFLNK)
		return refuse_type(u, pbuf, len, ft);
	if (len == 0) {
		if (ft == AE_IFDIR && !hl)
			return VOUCH_OK;
		return entry_err(u, VOUCH_EINPUT, raw, strlen(raw), "names the target itself");
	}
	k = tab_find(u, &u->tab, pbuf, len);
	if (k != 0) {
		if (ft == AE_IFDIR && !hl && u->nodes[k - 1].implicit) {
			u->nodes[k - 1].implicit = 0;
			return VOUCH_OK;
		}
		return entry_err(u, VOUCH_EINPUT, pbuf, len, "duplicate entry");
	}
	if (u->o->portable && ((k = fold_find(u, pbuf, len, &rc)) != 0 || rc != VOUCH_OK)) {
		char q[UNPACK_QUOTE];

		if (rc != VOUCH_OK)
			return rc;
		return entry_err(u, VOUCH_EINPUT, pbuf, len, "differs only by case from '%s' "
		                 "(--portable)", vouch_tree_quote(u->nodes[k - 1].path,
		                                                  u->nodes[k - 1].len, q, sizeof(q)));
	}
	base = base_of(pbuf, len, &plen);
	rc = stack_goto(u, pbuf, plen, pbuf, len, &dfd);
	if (rc != VOUCH_OK)
		return rc;
	if (hl)
		rc = do_hardlink(u, e, pbuf, len, dfd, base, sbuf, cap);
	else if (ft == AE_IFDIR) {
		if (mkdirat(dfd, base, 0755) != 0)
			return vouch_err_sys(u->src.err, VOUCH_EIO, "'%s': cannot create a directory",
			                     u->name);
		rc = node_add(u, pbuf, len, VOUCH_TREE_DIR, NULL, 0, NULL);
	} else if (ft == AE_IFREG)
		rc = do_file(u, e, pbuf, len, dfd, base, mode);
	else
		rc = do_symlink(u, e, pbuf, len, dfd, base);
	if (rc == VOUCH_OK && (mode & 07000) && ft != AE_IFLNK)
		u->nodes[u->n - 1].stripped = (uint16_t)mode;
	return rc;
}

/* ---- symlinks must stay inside (checked once the whole tree is known) ---- */

enum { RES_INSIDE, RES_OUTSIDE, RES_LOOP, RES_BUDGET };

/* Resolve target t starting in directory cur[0..*cl) the way the kernel
 * would, using the table for symlinks met on the way.  Missing components
 * are taken as directories (a later ".." leaves them again).  The last
 * component is followed too when follow_last (t is the target of a link
 * met on the way, so the caller goes on from where it leads). */
static int
resolve(struct ux *u, char *cur, size_t *cl, size_t cap, const char *t, size_t tl, int *hops,
        int follow_last)
{
	size_t i = 0;

	if (++*hops > UNPACK_LINK_HOPS)
		return RES_LOOP;
	if (tl > 0 && t[0] == '/')
		return RES_OUTSIDE;
	while (i < tl) {
		const char *c = t + i;
		const char *e = memchr(c, '/', tl - i);
		size_t n = e ? (size_t)(e - c) : tl - i, k;
		int last;

		i += n + 1;
		last = i >= tl;
		if (n == 0 || (n == 1 && c[0] == '.'))
			continue;
		if (n == 2 && c[0] == '.' && c[1] == '.') {
			if (*cl == 0)
				return RES_OUTSIDE;
			base_of(cur, *cl, cl);
			continue;
		}
		if (*cl + 1 + n + 1 > cap)
			return RES_OUTSIDE;     /* longer than any path we made */
		if (*cl)
			cur[(*cl)++] = '/';
		memcpy(cur + *cl, c, n);
		*cl += n;
		if (last && !follow_last)
			break;
		if (u->budget < *cl)
			return RES_BUDGET;
		u->budget -= *cl;
		k = tab_find(u, &u->tab, cur, *cl);
		if (k != 0 && u->nodes[k - 1].type == VOUCH_TREE_SYMLINK) {
			const struct node *l = &u->nodes[k - 1];
			int r;

			base_of(cur, *cl, cl);
			r = resolve(u, cur, cl, cap, l->path + l->len + 1, l->tlen, hops, 1);
			if (r != RES_INSIDE)
				return r;
		} else if (k != 0 && u->nodes[k - 1].type != VOUCH_TREE_DIR) {
			return RES_INSIDE;      /* ENOTDIR: resolves to nothing */
		}
	}
	return RES_INSIDE;
}

static int
check_links(struct ux *u, char *buf, size_t cap)
{
	for (size_t i = 0; i < u->n; i++) {
		struct node *l = &u->nodes[i];
		size_t cl;
		int r, hops = 0;

		if (l->type != VOUCH_TREE_SYMLINK)
			continue;
		base_of(l->path, l->len, &cl);
		memcpy(buf, l->path, cl);
		r = resolve(u, buf, &cl, cap, l->path + l->len + 1, l->tlen, &hops, 0);
		if (r == RES_INSIDE)
			continue;
		if (r == RES_OUTSIDE && u->o->allow_external_links) {
			l->external = 1;
			continue;
		}
		if (r == RES_LOOP)
			return entry_err(u, VOUCH_EINPUT, l->path, l->len,
			                 "symlink loop (more than %d levels)", UNPACK_LINK_HOPS);
		if (r == RES_BUDGET)
			return entry_err(u, VOUCH_ELIMIT, l->path, l->len,
			                 "symlinks too costly to check");
		{
			char q[UNPACK_QUOTE];

			return entry_err(u, VOUCH_EINPUT, l->path, l->len,
			                 "symlink to '%s' points outside the target",
			                 vouch_tree_quote(l->path + l->len + 1, l->tlen, q,
			                                  sizeof(q)));
		}
	}
	return VOUCH_OK;
}

/* ---- results ---- */

void
vouch_unpack_opts_default(vouch_unpack_opts *o)
{
	memset(o, 0, sizeof(*o));
	o->max_total_bytes = (uint64_t)4 << 30;
	o->max_entries = 1000000;
	o->max_entry_size = (uint64_t)2 << 30;
	o->max_archive_bytes = (uint64_t)8 << 30;
	o->max_path_len = 4096;
	o->max_depth = 128;
	o->max_ratio = 200;
	o->ratio_grace = (uint64_t)8 << 20;
	o->archive_algs = VOUCH_ALG_SHA256;
}

const char *
vouch_unpack_note_name(int kind)
{
	switch (kind) {
	case VOUCH_NOTE_SYMLINK: return "symlink";
	case VOUCH_NOTE_EXTERNAL_LINK: return "external-symlink";
	case VOUCH_NOTE_HARDLINK: return "hardlink";
	case VOUCH_NOTE_EMPTY_DIR: return "empty-dir";
	case VOUCH_NOTE_EXECUTABLE: return "executable";
	case VOUCH_NOTE_MODE_STRIPPED: return "mode-stripped";
	default: return "unknown";
	}
}

void
vouch_unpack_result_free(vouch_unpack_result *r)
{
	if (r == NULL)
		return;
	for (size_t i = 0; i < r->n_notes; i++) {
		free(r->notes[i].path);
		free(r->notes[i].target);
	}
	free(r->notes);
	memset(r, 0, sizeof(*r));
}

static int
note_add(vouch_unpack_result *r, size_t *cap, int kind, const char *path, size_t len,
         const char *target, size_t tlen, unsigned mode, vouch_err *err)
{
	vouch_unpack_note *nt;

	if (r->n_notes == *cap) {
		size_t ncap = *cap ? *cap * 2 : 64;
		vouch_unpack_note *nn = realloc(r->notes, ncap * sizeof(*nn));

		if (nn == NULL)
			return vouch_err_set(err, VOUCH_ENOMEM, "out of memory");
		r->notes = nn;
		*cap = ncap;
	}
	nt = &r->notes[r->n_notes];
	memset(nt, 0, sizeof(*nt));
	nt->kind = kind;
	nt->mode = mode;
	nt->path = strndup(path, len);
	if (target != NULL)
		nt->target = strndup(target, tlen);
	r->n_notes++;
	if (nt->path == NULL || (target != NULL && nt->target == NULL))
		return vouch_err_set(err, VOUCH_ENOMEM, "out of memory");
	return VOUCH_OK;
}

static int
note_cmp(const void *a, const void *b)
{
	const vouch_unpack_note *x = a, *y = b;
	int c = strcmp(x->path, y->path);

	return c ? c : (x->kind > y->kind) - (x->kind < y->kind);
}

/* The hard-link source of node i: the first earlier file of its group. */
static const struct node *
link_source(const struct ux *u, const struct node *nd)
{
	return nd->group ? &u->nodes[nd->group - 1] : NULL;
}

static int
node_notes(const struct ux *u, const struct node *nd, vouch_unpack_result *r, size_t *cap,
           vouch_err *err)
{
	int rc = VOUCH_OK;

	if (nd->type == VOUCH_TREE_SYMLINK)
		rc = note_add(r, cap, nd->external ? VOUCH_NOTE_EXTERNAL_LINK : VOUCH_NOTE_SYMLINK,
		              nd->path, nd->len, nd->path + nd->len + 1, nd->tlen, 0, err);
	else if (nd->type == VOUCH_TREE_DIR && !nd->children)
		rc = note_add(r, cap, VOUCH_NOTE_EMPTY_DIR, nd->path, nd->len, NULL, 0, 0, err);
	if (rc == VOUCH_OK && nd->type == VOUCH_TREE_EXEC)
		rc = note_add(r, cap, VOUCH_NOTE_EXECUTABLE, nd->path, nd->len, NULL, 0, 0, err);
	if (rc == VOUCH_OK && nd->hardlink) {
		const struct node *s = link_source(u, nd);

		rc = note_add(r, cap, VOUCH_NOTE_HARDLINK, nd->path, nd->len, s->path, s->len, 0,
		              err);
	}
	if (rc == VOUCH_OK && nd->stripped)
		rc = note_add(r, cap, VOUCH_NOTE_MODE_STRIPPED, nd->path, nd->len, NULL, 0,
		              nd->stripped, err);
	return rc;
}

/* Counts, notes and the tree digest from the node table. */
static int
finish_result(struct ux *u, vouch_unpack_result *r, vouch_err *err)
{
	vouch_tree *t = NULL;
	size_t cap = 0;
	int rc = vouch_tree_new_borrowing(&t, err); /* the node table outlives t */

	for (size_t i = 0; rc == VOUCH_OK && i < u->n; i++) {
		const struct node *nd = &u->nodes[i];

		switch (nd->type) {
		case VOUCH_TREE_DIR:
			r->dirs++;
			rc = vouch_tree_add_dir(t, nd->path, nd->len, err);
			break;
		case VOUCH_TREE_SYMLINK:
			r->symlinks++;
			rc = vouch_tree_add_symlink(t, nd->path, nd->len, nd->path + nd->len + 1,
			                            nd->tlen, err);
			break;
		default:
			r->files++;
			r->executables += nd->type == VOUCH_TREE_EXEC;
			r->hardlinks += nd->hardlink;
			r->total_size += nd->size;
			rc = vouch_tree_add_file(t, nd->path, nd->len, nd->type == VOUCH_TREE_EXEC,
			                         nd->size, nd->sha256, err);
			break;
		}
		if (rc == VOUCH_OK)
			rc = node_notes(u, nd, r, &cap, err);
	}
	if (rc == VOUCH_OK)
		rc = vouch_tree_final(t, r->tree, err);
	if (rc == VOUCH_OK && r->n_notes > 1)
		qsort(r->notes, r->n_notes, sizeof(*r->notes), note_cmp);
	vouch_tree_free(t);
	return rc;
}

/* ---- removing a tree (never following symlinks) ---- */

#define REMOVE_MAX_DEPTH 1024

static int
remove_at(int dfd, const char *name, int depth, vouch_err *err)
{
	struct dirent *de;
	DIR *d;
	int fd, rc = VOUCH_OK;

	if (unlinkat(dfd, name, 0) == 0 || errno == ENOENT)
		return VOUCH_OK;
	if (errno != EISDIR && errno != EPERM)
		return vouch_err_sys(err, VOUCH_EIO, "cannot remove '%s'", name);
	if (depth > REMOVE_MAX_DEPTH)
		return vouch_err_set(err, VOUCH_ELIMIT, "cannot remove '%s': too deep", name);
	fd = openat(dfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0)
		return vouch_err_sys(err, VOUCH_EIO, "cannot remove '%s'", name);
	(void)fchmod(fd, 0700);
	d = fdopendir(fd);
	if (d == NULL) {
		close(fd);
		return vouch_err_sys(err, VOUCH_EIO, "cannot remove '%s'", name);
	}
	while (rc == VOUCH_OK && (de = readdir(d)) != NULL) {
		if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0)
			continue;
		rc = remove_at(dirfd(d), de->d_name, depth + 1, err);
	}
	closedir(d);
	if (rc == VOUCH_OK && unlinkat(dfd, name, AT_REMOVEDIR) != 0 && errno != ENOENT)
		rc = vouch_err_sys(err, VOUCH_EIO, "cannot remove '%s'", name);
	return rc;
}

int
vouch_unpack_remove_tree(const char *path, vouch_err *err)
{
	return remove_at(AT_FDCWD, path, 0, err);
}

/* ---- the driver ---- */

static int
open_archive(struct ux *u, vouch_err *err)
{
	struct archive *a;
	int rc;

	/* vouch/reader.h: the formats and filters every tool reads */
	if ((rc = vouch_reader_new(VOUCH_READER_EMPTY, &a, err)) != VOUCH_OK)
		return rc;
	u->a = a;
	if (archive_read_set_read_callback(a, src_read) != ARCHIVE_OK ||
	    archive_read_set_seek_callback(a, src_seek) != ARCHIVE_OK ||
	    archive_read_set_skip_callback(a, src_skip) != ARCHIVE_OK ||
	    archive_read_set_callback_data(a, &u->src) != ARCHIVE_OK ||
	    archive_read_open1(a) != ARCHIVE_OK)
		return vouch_err_set(err, VOUCH_EINPUT, "'%s': not a readable archive: %s",
		                     u->name, archive_error_string(a) ? archive_error_string(a)
		                                                      : "unknown format");
	return VOUCH_OK;
}

static int
read_entries(struct ux *u, vouch_err *err)
{
	struct archive_entry *e = archive_entry_new();
	size_t cap = (size_t)u->o->max_path_len + 2;
	char *pbuf = malloc(cap), *sbuf = malloc(cap);
	int rc = VOUCH_OK;

	if (e == NULL || pbuf == NULL || sbuf == NULL) {
		rc = vouch_err_set(err, VOUCH_ENOMEM, "out of memory");
		goto out;
	}
	for (;;) {
		int r = archive_read_next_header2(u->a, e);

		if (r == ARCHIVE_EOF)
			break;
		if (r != ARCHIVE_OK && r != ARCHIVE_WARN) {
			rc = vouch_err_set(err, VOUCH_EINPUT, "'%s': after %llu entries: %s", u->name,
			                   (unsigned long long)u->entries,
			                   archive_error_string(u->a) ? archive_error_string(u->a)
			                                              : "unreadable archive");
			break;
		}
		if (u->entries == 0)
			u->is_ar = archive_format(u->a) == ARCHIVE_FORMAT_AR ||
			           (archive_format(u->a) & ARCHIVE_FORMAT_BASE_MASK) ==
			           ARCHIVE_FORMAT_AR;
		if (u->entries == 0 && (archive_format(u->a) & ARCHIVE_FORMAT_BASE_MASK) ==
		    ARCHIVE_FORMAT_ZIP &&
		    (rc = vouch_zip_check_fd(u->src.fd, (uint64_t)u->src.size, u->name, err)) !=
		    VOUCH_OK)
			break;
		if (cancelled(u, err)) {
			rc = VOUCH_EIO;
			break;
		}
		if (++u->entries > u->o->max_entries) {
			rc = vouch_err_set(err, VOUCH_ELIMIT, "'%s': more than %llu entries", u->name,
			                   (unsigned long long)u->o->max_entries);
			break;
		}
		rc = do_entry(u, e, pbuf, sbuf, cap);
		if (rc != VOUCH_OK)
			break;
	}
	if (rc == VOUCH_OK)
		rc = check_links(u, pbuf, cap);
out:
	archive_entry_free(e);
	free(pbuf);
	free(sbuf);
	return rc;
}

static void
names_into(struct ux *u, vouch_unpack_result *r)
{
	int nf = archive_filter_count(u->a);
	size_t o = 0;

	snprintf(r->format, sizeof(r->format), "%s",
	         archive_format_name(u->a) ? archive_format_name(u->a) : "empty");
	r->filters[0] = '\0';
	for (int i = 0; i < nf; i++) {
		const char *fn = archive_filter_name(u->a, i);
		int k;

		if (fn == NULL || strcmp(fn, "none") == 0)
			continue;
		k = snprintf(r->filters + o, sizeof(r->filters) - o, "%s%s", o ? "," : "", fn);
		if (k < 0 || (size_t)k >= sizeof(r->filters) - o)
			break;
		o += (size_t)k;
	}
}

/* Where the temporary directory goes: next to the target. */
static int
target_state(const char *target, char **tmpl, int *existed, vouch_err *err)
{
	const char *slash = strrchr(target, '/');
	size_t dl = slash ? (size_t)(slash - target) + 1 : 0;
	char prefix[96];
	struct stat st;
	DIR *d;
	struct dirent *de;

	*existed = 0;
	if (lstat(target, &st) == 0) {
		int empty = 1;

		if (!S_ISDIR(st.st_mode))
			return vouch_err_set(err, VOUCH_EEXIST, "target '%s' exists and is not a "
			                     "directory", target);
		d = opendir(target);
		if (d == NULL)
			return vouch_err_sys(err, VOUCH_EIO, "cannot read target '%s'", target);
		while ((de = readdir(d)) != NULL)
			if (strcmp(de->d_name, ".") != 0 && strcmp(de->d_name, "..") != 0)
				empty = 0;
		closedir(d);
		if (!empty)
			return vouch_err_set(err, VOUCH_EEXIST, "target '%s' is not empty", target);
		*existed = 1;
	} else if (errno != ENOENT) {
		return vouch_err_sys(err, VOUCH_EIO, "cannot check target '%s'", target);
	}
	if (unpack_tmp_prefix(prefix, sizeof(prefix)) != 0)
		return vouch_err_set(err, VOUCH_EIO, "cannot name a temporary directory");
	*tmpl = malloc(dl + strlen(prefix) + sizeof("XXXXXX"));
	if (*tmpl == NULL)
		return vouch_err_set(err, VOUCH_ENOMEM, "out of memory");
	memcpy(*tmpl, target, dl);
	(*tmpl)[dl] = '\0';
	/* what killed runs left here goes first (only theirs: owner gone) */
	(void)unpack_remove_stale(dl ? *tmpl : ".");
	memcpy(*tmpl + dl, prefix, strlen(prefix));
	memcpy(*tmpl + dl + strlen(prefix), "XXXXXX", sizeof("XXXXXX"));
	return VOUCH_OK;
}

static int
ux_setup(struct ux *u, const vouch_unpack_opts *o, const char *tmp, vouch_err *err)
{
	u->o = o;
	u->root = open(tmp, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (u->root < 0)
		return vouch_err_sys(err, VOUCH_EIO, "cannot open '%s'", tmp);
	u->fds = calloc((size_t)o->max_depth + 2, sizeof(*u->fds));
	u->ends = calloc((size_t)o->max_depth + 2, sizeof(*u->ends));
	u->cur = malloc((size_t)o->max_path_len + 2);
	u->zero = calloc(1, UNPACK_READ_BLOCK);
	u->src.buf = vouch_chunk_alloc();
	if (u->fds == NULL || u->ends == NULL || u->cur == NULL || u->zero == NULL ||
	    u->src.buf == NULL)
		return vouch_err_set(err, VOUCH_ENOMEM, "out of memory");
	u->fds[0] = u->root;
	u->cur[0] = '\0';
	u->fold.folded = 1;
	if (o->portable) {
		u->loc = newlocale(LC_CTYPE_MASK, "C.UTF-8", (locale_t)0);
		if (u->loc == (locale_t)0)
			u->loc = newlocale(LC_CTYPE_MASK, "C.utf8", (locale_t)0);
	}
	u->budget = UNPACK_RESOLVE_BUDGET;
	if (getrandom(u->key, sizeof(u->key), 0) != (ssize_t)sizeof(u->key)) {
		u->key[0] = (uint64_t)(uintptr_t)u ^ (uint64_t)time(NULL);
		u->key[1] = (uint64_t)getpid() * 0x9e3779b97f4a7c15ULL;
	}
	if (hq_start(&u->hq, err) != VOUCH_OK)
		return err ? err->code : VOUCH_EIO;
	return vouch_hasher_new(o->archive_algs ? o->archive_algs : VOUCH_ALG_SHA256,
	                        &u->src.h, err);
}

static void
ux_free(struct ux *u)
{
	(void)digest_join(&u->src, 1, NULL);
	if (u->fds != NULL && u->ends != NULL && u->cur != NULL)
		stack_pop_to(u, 0);
	if (u->root >= 0)
		close(u->root);
	if (u->a != NULL)
		archive_read_free(u->a);
	for (size_t i = 0; i < u->n; i++) {
		free(u->nodes[i].path);
		free(u->nodes[i].fkey);
	}
	free(u->nodes);
	free(u->fbuf);
	if (u->loc != (locale_t)0)
		freelocale(u->loc);
	free(u->tab.slot);
	free(u->fold.slot);
	free(u->fds);
	free(u->ends);
	free(u->cur);
	free(u->zero);
	free(u->src.buf);
	hq_free(&u->hq);
	vouch_hasher_free(u->src.h);
}

/* With the hash worker joined: give every file its content hash.  Names of
 * one hard-link group share an inode, so a later link entry that carried
 * data set the contents of all of them. */
static int
settle_hashes(struct ux *u, vouch_err *err)
{
	uint32_t *last = calloc(u->n ? u->n : 1, sizeof(*last));
	struct node *nd;
	size_t i;

	if (last == NULL)
		return vouch_err_set(err, VOUCH_ENOMEM, "out of memory");
	for (i = 0; i < u->n; i++) {
		nd = &u->nodes[i];
		if (nd->seq1 && !nd->hardlink)
			memcpy(nd->sha256, u->hq.res[nd->seq1 - 1], 32);
		if (nd->seq1 && nd->hardlink)
			last[nd->group - 1] = (uint32_t)i + 1;
	}
	for (i = 0; i < u->n; i++) {
		const struct node *src;

		nd = &u->nodes[i];
		if (nd->group == 0)
			continue;
		src = last[nd->group - 1] ? &u->nodes[last[nd->group - 1] - 1]
		                          : &u->nodes[nd->group - 1];
		if (src->hardlink)
			memcpy(nd->sha256, u->hq.res[src->seq1 - 1], 32);
		else if (src != nd)
			memcpy(nd->sha256, src->sha256, 32);
		nd->size = src->size;
	}
	free(last);
	return VOUCH_OK;
}

/* Read the archive into the open temporary tree and fill r. */
static int
extract(struct ux *u, int fd, const char *tmpdir, vouch_unpack_result *r, vouch_err *err)
{
	struct stat st;
	int rc;

	if (fstat(fd, &st) != 0)
		return vouch_err_sys(err, VOUCH_EIO, "cannot stat '%s'", u->name);
	u->src.fd = fd;
	u->src.err = err;
	u->src.cancel = u->o->cancel;
	if (S_ISREG(st.st_mode)) {
		if ((uint64_t)st.st_size > u->o->max_archive_bytes)
			return vouch_err_set(err, VOUCH_ELIMIT, "'%s': archive larger than %llu bytes",
			                     u->name, (unsigned long long)u->o->max_archive_bytes);
		u->src.size = st.st_size;
		u->src.st0 = st;
		u->src.name = u->name;
		rc = digest_start(&u->src, err);
		if (rc != VOUCH_OK)
			return rc;
	} else {
		rc = src_spool(&u->src, u->root, tmpdir, u->o->max_archive_bytes, err);
		if (rc != VOUCH_OK)
			return rc;
	}
	rc = open_archive(u, err);
	if (rc == VOUCH_OK)
		rc = read_entries(u, err);
	if (rc == VOUCH_OK)
		rc = hq_join(&u->hq, 0, err);
	if (rc == VOUCH_OK)
		rc = settle_hashes(u, err);
	if (rc == VOUCH_OK)
		rc = digest_join(&u->src, 0, err);
	if (rc == VOUCH_OK)
		rc = vouch_hasher_final(u->src.h, &r->archive, err);
	if (rc != VOUCH_OK)
		return rc;
	names_into(u, r);
	r->entries = u->entries;
	return finish_result(u, r, err);
}

static int
place(const char *tmp, const char *target, int existed, vouch_err *err)
{
	if (existed) {
		if (rename(tmp, target) != 0)
			return vouch_err_sys(err, VOUCH_EIO, "cannot move the tree to '%s'", target);
		return VOUCH_OK;
	}
	if (renameat2(AT_FDCWD, tmp, AT_FDCWD, target, RENAME_NOREPLACE) != 0) {
		if (errno == EEXIST)
			return vouch_err_set(err, VOUCH_EEXIST, "target '%s' appeared meanwhile",
			                     target);
		return vouch_err_sys(err, VOUCH_EIO, "cannot move the tree to '%s'", target);
	}
	return VOUCH_OK;
}

int
vouch_unpack_fd(int fd, const char *name, const char *target, const vouch_unpack_opts *opts,
                vouch_unpack_result *res, vouch_err *err)
{
	vouch_unpack_opts o;
	vouch_unpack_result r;
	struct ux u;
	char *tmp = NULL;
	int existed = 0, made = 0, rc;

	memset(&u, 0, sizeof(u));
	memset(&r, 0, sizeof(r));
	u.root = -1;
	u.name = name ? name : "<archive>";
	if (opts != NULL)
		o = *opts;
	else
		vouch_unpack_opts_default(&o);
	if (target == NULL || target[0] == '\0' || o.max_depth == 0 || o.max_path_len == 0)
		return vouch_err_set(err, VOUCH_EUSAGE, "unpack: bad target or options");
	rc = target_state(target, &tmp, &existed, err);
	if (rc != VOUCH_OK)
		goto out;
	if (mkdtemp(tmp) == NULL) {
		rc = vouch_err_sys(err, VOUCH_EIO, "cannot create a directory next to '%s'",
		                   target);
		goto out;
	}
	made = 1;
	rc = ux_setup(&u, &o, tmp, err);
	if (rc == VOUCH_OK)
		rc = extract(&u, fd, tmp, &r, err);
	if (u.src.fd != fd && u.src.fd > 0)
		close(u.src.fd);
	if (rc == VOUCH_OK && fchmod(u.root, 0755) != 0)
		rc = vouch_err_sys(err, VOUCH_EIO, "cannot set the mode of '%s'", tmp);
	ux_free(&u);
	if (rc == VOUCH_OK && o.commit != NULL)
		rc = o.commit(&r, o.commit_ctx, err);
	if (rc == VOUCH_OK && o.cancel != NULL && *o.cancel)
		rc = vouch_err_set(err, VOUCH_EIO, "interrupted");
	if (rc == VOUCH_OK)
		rc = place(tmp, target, existed, err);
	if (rc == VOUCH_OK)
		made = 0;
out:
	if (made)
		(void)vouch_unpack_remove_tree(tmp, NULL);
	free(tmp);
	if (rc == VOUCH_OK && res != NULL)
		*res = r;
	else
		vouch_unpack_result_free(&r);
	return rc;
}

int
vouch_unpack_file(const char *archive, const char *target, const vouch_unpack_opts *opts,
                  vouch_unpack_result *res, vouch_err *err)
{
	int fd, rc;

	if (strcmp(archive, "-") == 0)
		return (rc = vouch_stdin_check(err)) != VOUCH_OK ? rc
		    : vouch_unpack_fd(STDIN_FILENO, "<stdin>", target, opts, res, err);
	if ((rc = vouch_open_regular(archive, &fd, err)) != VOUCH_OK)
		return rc;
	rc = vouch_unpack_fd(fd, archive, target, opts, res, err);
	close(fd);
	return rc;
}

/* ---- JSON ---- */

static int
json_num(cJSON *obj, const char *key, uint64_t v, vouch_err *err)
{
	if (cJSON_AddNumberToObject(obj, key, (double)v) == NULL)
		return vouch_err_set(err, VOUCH_ENOMEM, "out of memory building JSON");
	return VOUCH_OK;
}

static int
json_hex(cJSON *obj, const char *key, const uint8_t *md, size_t n, vouch_err *err)
{
	char hex[2 * VOUCH_DIGEST_MAX + 1];

	vouch_hex_encode(md, n, hex);
	return vouch_json_add_string(obj, key, hex, err) ? VOUCH_OK : VOUCH_ENOMEM;
}

/* {"sha256": ..., ...} for the archive, plus the tree digest when tree. */
static int
json_digests(cJSON *obj, const char *key, const vouch_unpack_result *r, int tree,
             vouch_err *err)
{
	cJSON *d = vouch_json_add_object(obj, key, err);
	int rc = d ? VOUCH_OK : VOUCH_ENOMEM;

	for (int i = 0; rc == VOUCH_OK && i < VOUCH_ALG_COUNT; i++) {
		unsigned alg = 1u << i;
		const uint8_t *md = vouch_digests_get(&r->archive, alg);

		if (md != NULL)
			rc = json_hex(d, vouch_alg_name(alg), md, vouch_alg_size(alg), err);
	}
	if (rc == VOUCH_OK && tree)
		rc = json_hex(d, VOUCH_TREE_DIGEST_KEY, r->tree, 32, err);
	return rc;
}

static int
json_archive(cJSON *root, const vouch_unpack_result *r, const char *name, vouch_err *err)
{
	cJSON *a = vouch_json_add_object(root, "archive", err), *f;
	char fl[sizeof(r->filters)], *save = NULL, *tok;
	int rc = a ? VOUCH_OK : VOUCH_ENOMEM;

	if (rc == VOUCH_OK && !vouch_json_add_string(a, "name", name, err))
		rc = VOUCH_ENOMEM;
	if (rc == VOUCH_OK)
		rc = json_num(a, "size", r->archive.length, err);
	if (rc == VOUCH_OK && !vouch_json_add_string(a, "format", r->format, err))
		rc = VOUCH_ENOMEM;
	f = rc == VOUCH_OK ? vouch_json_add_array(a, "filters", err) : NULL;
	if (f == NULL)
		return VOUCH_ENOMEM;
	snprintf(fl, sizeof(fl), "%s", r->filters);
	for (tok = strtok_r(fl, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
		cJSON *s = cJSON_CreateString(tok);

		if (s == NULL || !cJSON_AddItemToArray(f, s)) {
			cJSON_Delete(s);
			return vouch_err_set(err, VOUCH_ENOMEM, "out of memory building JSON");
		}
	}
	return json_digests(a, "digest", r, 0, err);
}

static int
json_tree(cJSON *root, const vouch_unpack_result *r, vouch_err *err)
{
	cJSON *t = vouch_json_add_object(root, "tree", err), *d;
	int rc;

	if (t == NULL || (d = vouch_json_add_object(t, "digest", err)) == NULL)
		return VOUCH_ENOMEM;
	rc = json_hex(d, VOUCH_TREE_DIGEST_KEY, r->tree, 32, err);
	if (rc == VOUCH_OK)
		rc = json_num(t, "files", r->files, err);
	if (rc == VOUCH_OK)
		rc = json_num(t, "dirs", r->dirs, err);
	if (rc == VOUCH_OK)
		rc = json_num(t, "symlinks", r->symlinks, err);
	if (rc == VOUCH_OK)
		rc = json_num(t, "hardlinks", r->hardlinks, err);
	if (rc == VOUCH_OK)
		rc = json_num(t, "executables", r->executables, err);
	if (rc == VOUCH_OK)
		rc = json_num(t, "totalSize", r->total_size, err);
	return rc;
}

static int
json_notes(cJSON *root, const vouch_unpack_result *r, vouch_err *err)
{
	cJSON *arr = vouch_json_add_array(root, "notable", err);

	if (arr == NULL)
		return VOUCH_ENOMEM;
	for (size_t i = 0; i < r->n_notes; i++) {
		const vouch_unpack_note *n = &r->notes[i];
		cJSON *o = cJSON_CreateObject();
		char mode[8];

		if (o == NULL || !cJSON_AddItemToArray(arr, o)) {
			cJSON_Delete(o);
			return vouch_err_set(err, VOUCH_ENOMEM, "out of memory building JSON");
		}
		if (!vouch_json_add_string(o, "kind", vouch_unpack_note_name(n->kind), err) ||
		    !vouch_json_add_string(o, "path", n->path, err))
			return VOUCH_ENOMEM;
		if (n->target != NULL && !vouch_json_add_string(o, "target", n->target, err))
			return VOUCH_ENOMEM;
		snprintf(mode, sizeof(mode), "%04o", n->mode & 07777);
		if (n->kind == VOUCH_NOTE_MODE_STRIPPED &&
		    !vouch_json_add_string(o, "mode", mode, err))
			return VOUCH_ENOMEM;
	}
	return VOUCH_OK;
}

int
vouch_unpack_result_json(const vouch_unpack_result *r, const char *archive_name,
                         vouch_buf *out, vouch_err *err)
{
	cJSON *root = cJSON_CreateObject();
	char safe[1024];
	const char *name = archive_name ? archive_name : "-";
	int rc = root ? VOUCH_OK : vouch_err_set(err, VOUCH_ENOMEM, "out of memory");

	if (!vouch_utf8_valid(name, strlen(name)))
		name = vouch_tree_quote(name, strlen(name), safe, sizeof(safe));
	if (rc == VOUCH_OK)
		rc = json_archive(root, r, name, err);
	if (rc == VOUCH_OK)
		rc = json_tree(root, r, err);
	if (rc == VOUCH_OK)
		rc = json_num(root, "entries", r->entries, err);
	if (rc == VOUCH_OK) {
		cJSON *s = vouch_json_add_object(root, "subject", err);

		rc = s && vouch_json_add_string(s, "name", name, err) ? VOUCH_OK : VOUCH_ENOMEM;
		if (rc == VOUCH_OK)
			rc = json_digests(s, "digest", r, 1, err);
	}
	if (rc == VOUCH_OK)
		rc = json_notes(root, r, err);
	if (rc == VOUCH_OK)
		rc = vouch_json_append(out, root, err);
	if (rc == VOUCH_OK)
		rc = vouch_buf_append_byte(out, '\n', err);
	cJSON_Delete(root);
	return rc;
}
