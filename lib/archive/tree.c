/* tree.c - the vouch-tree-v1 digest: record builder and directory walker.
 *
 * The encoding is specified in schemas/tree-digest.md; keep the two in step.
 */
#include "config.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "vouch/digest.h"
#include "vouch/file.h"
#include "vouch/tree.h"

#define TREE_DEFAULT_MAX_ENTRIES 1000000u
#define TREE_DEFAULT_MAX_DEPTH 128u
#define TREE_DEFAULT_MAX_PATH 4096u
#define TREE_LINK_MAX 4096u
#define TREE_FLUSH 65536u

struct tree_rec {
	const char *path;
	const char *target;  /* symlinks; may be empty */
	char *owned;         /* the copy of path and target, unless borrowing */
	size_t len;
	size_t tlen;
	uint64_t size;
	uint8_t type;
	uint8_t sha256[32];
};

struct vouch_tree {
	struct tree_rec *recs;
	size_t n, cap;
	int finalised;
	int borrowing;       /* paths are the caller's, not copies */
};

/* ---- names ---- */

/* Length of the valid UTF-8 sequence at s (1..4), or 0 if invalid. */
static size_t
utf8_seq(const unsigned char *s, size_t n, uint32_t *cp)
{
	size_t want, i;
	uint32_t c;

	if (s[0] < 0x80) {
		*cp = s[0];
		return 1;
	}
	if (s[0] >= 0xC2 && s[0] <= 0xDF)
		want = 2, c = s[0] & 0x1F;
	else if (s[0] >= 0xE0 && s[0] <= 0xEF)
		want = 3, c = s[0] & 0x0F;
	else if (s[0] >= 0xF0 && s[0] <= 0xF4)
		want = 4, c = s[0] & 0x07;
	else
		return 0;
	if (n < want)
		return 0;
	for (i = 1; i < want; i++) {
		if ((s[i] & 0xC0) != 0x80)
			return 0;
		c = (c << 6) | (s[i] & 0x3F);
	}
	if ((want == 3 && c < 0x800) || (want == 4 && (c < 0x10000 || c > 0x10FFFF)))
		return 0;
	if (c >= 0xD800 && c <= 0xDFFF)
		return 0;
	*cp = c;
	return want;
}

int
vouch_tree_name_clean(const char *name, size_t len)
{
	const unsigned char *s = (const unsigned char *)name;
	size_t i = 0;

	while (i < len) {
		uint32_t cp = 0;
		size_t k = utf8_seq(s + i, len - i, &cp);

		if (k == 0 || cp < 0x20 || (cp >= 0x7F && cp <= 0x9F))
			return 0;
		i += k;
	}
	return 1;
}

char *
vouch_tree_quote(const char *name, size_t len, char *out, size_t outsz)
{
	static const char hexd[] = "0123456789abcdef";
	const unsigned char *s = (const unsigned char *)name;
	size_t i = 0, o = 0;

	if (outsz == 0)
		return out;
	while (i < len) {
		char piece[8];
		size_t plen = 0;
		uint32_t cp = 0;
		size_t k = utf8_seq(s + i, len - i, &cp);

		if (k == 0 || cp < 0x20 || (cp >= 0x7F && cp <= 0x9F)) {
			piece[0] = '\\';
			piece[1] = 'x';
			piece[2] = hexd[s[i] >> 4];
			piece[3] = hexd[s[i] & 15];
			plen = 4;
			k = 1;
		} else if (cp == '\\') {
			piece[0] = piece[1] = '\\';
			plen = 2;
		} else {
			memcpy(piece, s + i, k);
			plen = k;
		}
		if (o + plen + 4 > outsz) {
			if (o + 4 <= outsz)
				memcpy(out + o, "...", 3), o += 3;
			break;
		}
		memcpy(out + o, piece, plen);
		o += plen;
		i += k;
	}
	out[o] = '\0';
	return out;
}

int
vouch_tree_path_ok(const char *path, size_t len)
{
	size_t i = 0;

	if (len == 0 || path[0] == '/' || path[len - 1] == '/')
		return -1;
	if (memchr(path, '\0', len) != NULL)
		return -1;
	while (i < len) {
		const char *c = path + i;
		const char *e = memchr(c, '/', len - i);
		size_t clen = e ? (size_t)(e - c) : len - i;

		if (clen == 0 || (clen == 1 && c[0] == '.') ||
		    (clen == 2 && c[0] == '.' && c[1] == '.'))
			return -1;
		i += clen + 1;
	}
	return 0;
}

/* ---- the builder ---- */

void
vouch_tree_opts_default(vouch_tree_opts *o)
{
	o->max_entries = TREE_DEFAULT_MAX_ENTRIES;
	o->max_depth = TREE_DEFAULT_MAX_DEPTH;
	o->max_path_len = TREE_DEFAULT_MAX_PATH;
}

int
vouch_tree_new(vouch_tree **out, vouch_err *err)
{
	*out = calloc(1, sizeof(**out));
	if (*out == NULL)
		return vouch_err_set(err, VOUCH_ENOMEM, "out of memory");
	return VOUCH_OK;
}

int
vouch_tree_new_borrowing(vouch_tree **out, vouch_err *err)
{
	int rc = vouch_tree_new(out, err);

	if (rc == VOUCH_OK)
		(*out)->borrowing = 1;
	return rc;
}

void
vouch_tree_free(vouch_tree *t)
{
	if (t == NULL)
		return;
	for (size_t i = 0; i < t->n; i++)
		free(t->recs[i].owned);
	free(t->recs);
	free(t);
}

static int
tree_push(vouch_tree *t, int type, const char *path, size_t len, const char *target,
          size_t tlen, vouch_err *err)
{
	struct tree_rec *r;
	char q[256];

	if (t->finalised)
		return vouch_err_set(err, VOUCH_EUSAGE, "tree digest already finished");
	if (vouch_tree_path_ok(path, len) != 0)
		return vouch_err_set(err, VOUCH_EINPUT, "'%s': not a normalised relative path",
		                     vouch_tree_quote(path, len, q, sizeof(q)));
	if (t->n == t->cap) {
		size_t ncap = t->cap ? t->cap * 2 : 256;
		struct tree_rec *nr = realloc(t->recs, ncap * sizeof(*nr));

		if (nr == NULL)
			return vouch_err_set(err, VOUCH_ENOMEM, "out of memory");
		t->recs = nr;
		t->cap = ncap;
	}
	r = &t->recs[t->n];
	memset(r, 0, sizeof(*r));
	if (t->borrowing) {
		r->path = path;
		r->target = tlen ? target : "";
	} else {
		r->owned = malloc(len + tlen + 2);
		if (r->owned == NULL)
			return vouch_err_set(err, VOUCH_ENOMEM, "out of memory");
		memcpy(r->owned, path, len);
		r->owned[len] = '\0';
		if (tlen)
			memcpy(r->owned + len + 1, target, tlen);
		r->owned[len + 1 + tlen] = '\0';
		r->path = r->owned;
		r->target = r->owned + len + 1;
	}
	r->len = len;
	r->tlen = tlen;
	r->type = (uint8_t)type;
	t->n++;
	return VOUCH_OK;
}

int
vouch_tree_add_dir(vouch_tree *t, const char *path, size_t len, vouch_err *err)
{
	return tree_push(t, VOUCH_TREE_DIR, path, len, NULL, 0, err);
}

int
vouch_tree_add_file(vouch_tree *t, const char *path, size_t len, int executable,
                    uint64_t size, const uint8_t sha256[32], vouch_err *err)
{
	int rc = tree_push(t, executable ? VOUCH_TREE_EXEC : VOUCH_TREE_FILE, path, len,
	                   NULL, 0, err);

	if (rc == VOUCH_OK) {
		t->recs[t->n - 1].size = size;
		memcpy(t->recs[t->n - 1].sha256, sha256, 32);
	}
	return rc;
}

int
vouch_tree_add_symlink(vouch_tree *t, const char *path, size_t len, const char *target,
                       size_t target_len, vouch_err *err)
{
	return tree_push(t, VOUCH_TREE_SYMLINK, path, len, target, target_len, err);
}

static int
rec_cmp(const void *a, const void *b)
{
	const struct tree_rec *x = a, *y = b;
	size_t n = x->len < y->len ? x->len : y->len;
	int c = memcmp(x->path, y->path, n);

	if (c != 0)
		return c;
	return (x->len > y->len) - (x->len < y->len);
}

static void
put_be64(uint8_t *p, uint64_t v)
{
	for (int i = 7; i >= 0; i--) {
		p[i] = (uint8_t)v;
		v >>= 8;
	}
}

/* Append one record to the staging buffer, flushing it into h as needed. */
static int
rec_encode(vouch_hasher *h, uint8_t *stage, size_t *used, const struct tree_rec *r,
           vouch_err *err)
{
	uint8_t hdr[9 + 8 + 32];
	const void *parts[3];
	size_t lens[3], np = 0;
	int rc;

	hdr[0] = r->type;
	put_be64(hdr + 1, r->len);
	parts[np] = hdr, lens[np++] = 9;
	parts[np] = r->path, lens[np++] = r->len;
	if (r->type == VOUCH_TREE_FILE || r->type == VOUCH_TREE_EXEC) {
		uint8_t *tail = hdr + 9;

		put_be64(tail, r->size);
		memcpy(tail + 8, r->sha256, 32);
		parts[np] = tail, lens[np++] = 40;
	} else if (r->type == VOUCH_TREE_SYMLINK) {
		put_be64(hdr + 9, r->tlen);
		parts[np] = hdr + 9, lens[np++] = 8;
	}
	for (size_t i = 0; i < np; i++) {
		if (*used + lens[i] > TREE_FLUSH) {
			rc = vouch_hasher_update(h, stage, *used, err);
			if (rc != VOUCH_OK)
				return rc;
			*used = 0;
		}
		if (lens[i] > TREE_FLUSH) {
			rc = vouch_hasher_update(h, parts[i], lens[i], err);
			if (rc != VOUCH_OK)
				return rc;
			continue;
		}
		memcpy(stage + *used, parts[i], lens[i]);
		*used += lens[i];
	}
	if (r->type == VOUCH_TREE_SYMLINK && r->tlen > 0) {
		rc = vouch_hasher_update(h, stage, *used, err);
		*used = 0;
		if (rc == VOUCH_OK)
			rc = vouch_hasher_update(h, r->target, r->tlen, err);
		return rc;
	}
	return VOUCH_OK;
}

int
vouch_tree_final(vouch_tree *t, uint8_t out[32], vouch_err *err)
{
	vouch_hasher *h = NULL;
	vouch_digests d;
	uint8_t *stage = NULL;
	size_t used = 0;
	char q[256];
	int rc;

	if (t->finalised)
		return vouch_err_set(err, VOUCH_EUSAGE, "tree digest already finished");
	t->finalised = 1;
	if (t->n > 1)
		qsort(t->recs, t->n, sizeof(*t->recs), rec_cmp);
	for (size_t i = 1; i < t->n; i++)
		if (rec_cmp(&t->recs[i - 1], &t->recs[i]) == 0)
			return vouch_err_set(err, VOUCH_EINPUT, "duplicate path '%s' in tree",
			                     vouch_tree_quote(t->recs[i].path, t->recs[i].len,
			                                      q, sizeof(q)));
	stage = malloc(TREE_FLUSH);
	if (stage == NULL)
		return vouch_err_set(err, VOUCH_ENOMEM, "out of memory");
	rc = vouch_hasher_new(VOUCH_ALG_SHA256, &h, err);
	if (rc != VOUCH_OK)
		goto out;
	rc = vouch_hasher_update(h, VOUCH_TREE_MAGIC, strlen(VOUCH_TREE_MAGIC), err);
	for (size_t i = 0; rc == VOUCH_OK && i < t->n; i++)
		rc = rec_encode(h, stage, &used, &t->recs[i], err);
	if (rc == VOUCH_OK && used > 0)
		rc = vouch_hasher_update(h, stage, used, err);
	if (rc == VOUCH_OK)
		rc = vouch_hasher_final(h, &d, err);
	if (rc == VOUCH_OK)
		memcpy(out, vouch_digests_get(&d, VOUCH_ALG_SHA256), 32);
out:
	vouch_hasher_free(h);
	free(stage);
	return rc;
}

/* ---- walking a directory ---- */

struct walk {
	vouch_tree *t;
	vouch_tree_opts o;
	vouch_tree_stats st;
	vouch_hasher *h;
	const char *root;
	char *path;          /* current relative path, max_path_len + 1 bytes */
	uint8_t *chunk;
	uint64_t entries;
};


static int
walk_err(struct walk *w, vouch_err *err, int code, int sys, size_t plen, const char *what)
{
	char q[256];

	vouch_tree_quote(w->path, plen, q, sizeof(q));
	if (sys)
		return vouch_err_sys(err, code, "'%s/%s': %s", w->root, q, what);
	return vouch_err_set(err, code, "'%s/%s': %s", w->root, q, what);
}

static int
walk_file(struct walk *w, int dfd, const char *name, size_t plen, int exec, vouch_err *err)
{
	vouch_digests d;
	struct stat st;
	int fd, rc = VOUCH_OK;

	fd = openat(dfd, name, O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
	if (fd < 0)
		return walk_err(w, err, VOUCH_EIO, 1, plen, "cannot open");
	if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
		rc = walk_err(w, err, VOUCH_EINPUT, 0, plen, "changed while reading");
		goto out;
	}
	rc = vouch_hasher_reset(w->h, err);
	for (;;) {
		ssize_t n;

		if (rc != VOUCH_OK)
			goto out;
		n = read(fd, w->chunk, VOUCH_READ_CHUNK);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			rc = walk_err(w, err, VOUCH_EIO, 1, plen, "cannot read");
			goto out;
		}
		if (n == 0)
			break;
		rc = vouch_hasher_update(w->h, w->chunk, (size_t)n, err);
	}
	rc = vouch_hasher_final(w->h, &d, err);
	if (rc == VOUCH_OK && vouch_file_unchanged(fd, &st, d.length, "", NULL) != VOUCH_OK)
		rc = walk_err(w, err, VOUCH_EIO, 0, plen, "changed while being read");
	if (rc == VOUCH_OK)
		rc = vouch_tree_add_file(w->t, w->path, plen, exec, d.length,
		                         vouch_digests_get(&d, VOUCH_ALG_SHA256), err);
	w->st.files++;
	w->st.executables += exec != 0;
	w->st.total_size += d.length;
out:
	close(fd);
	return rc;
}

static int
walk_link(struct walk *w, int dfd, const char *name, size_t plen, vouch_err *err)
{
	char buf[TREE_LINK_MAX + 1];
	ssize_t n = readlinkat(dfd, name, buf, sizeof(buf));

	if (n < 0)
		return walk_err(w, err, VOUCH_EIO, 1, plen, "cannot read link");
	if ((size_t)n > TREE_LINK_MAX)
		return walk_err(w, err, VOUCH_ELIMIT, 0, plen, "link target too long");
	w->st.symlinks++;
	return vouch_tree_add_symlink(w->t, w->path, plen, buf, (size_t)n, err);
}

static int walk_dir(struct walk *w, int dfd, size_t plen, uint32_t depth, vouch_err *err);

static int
walk_entry(struct walk *w, int dfd, const char *name, size_t plen, uint32_t depth,
           vouch_err *err)
{
	struct stat st;
	int cfd, rc;

	if (++w->entries > w->o.max_entries)
		return walk_err(w, err, VOUCH_ELIMIT, 0, plen, "too many entries in the tree");
	if (depth > w->o.max_depth)
		return walk_err(w, err, VOUCH_ELIMIT, 0, plen, "too deep");
	if (fstatat(dfd, name, &st, AT_SYMLINK_NOFOLLOW) != 0)
		return walk_err(w, err, VOUCH_EIO, 1, plen, "cannot stat");
	if (S_ISREG(st.st_mode))
		return walk_file(w, dfd, name, plen, (st.st_mode & S_IXUSR) != 0, err);
	if (S_ISLNK(st.st_mode))
		return walk_link(w, dfd, name, plen, err);
	if (!S_ISDIR(st.st_mode))
		return walk_err(w, err, VOUCH_EINPUT, 0, plen,
		                "unsupported file type (not a file, directory or symlink)");
	rc = vouch_tree_add_dir(w->t, w->path, plen, err);
	if (rc != VOUCH_OK)
		return rc;
	w->st.dirs++;
	cfd = openat(dfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (cfd < 0)
		return walk_err(w, err, VOUCH_EIO, 1, plen, "cannot open directory");
	return walk_dir(w, cfd, plen, depth, err);
}

/* Walks and closes dfd; w->path[0..plen) names it ("" for the root). */
static int
walk_dir(struct walk *w, int dfd, size_t plen, uint32_t depth, vouch_err *err)
{
	struct dirent *de;
	DIR *d = fdopendir(dfd);
	int rc = VOUCH_OK, any = 0;

	if (d == NULL) {
		close(dfd);
		return walk_err(w, err, VOUCH_EIO, 1, plen, "cannot read directory");
	}
	for (;;) {
		size_t nl, sep = plen ? 1 : 0;

		errno = 0;
		de = readdir(d);
		if (de == NULL) {
			if (errno != 0)
				rc = walk_err(w, err, VOUCH_EIO, 1, plen, "cannot read directory");
			break;
		}
		if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0)
			continue;
		any = 1;
		nl = strlen(de->d_name);
		if (plen + sep + nl > w->o.max_path_len) {
			rc = walk_err(w, err, VOUCH_ELIMIT, 0, plen, "path too long below here");
			break;
		}
		if (sep)
			w->path[plen] = '/';
		memcpy(w->path + plen + sep, de->d_name, nl + 1);
		rc = walk_entry(w, dirfd(d), de->d_name, plen + sep + nl, depth + 1, err);
		w->path[plen] = '\0';
		if (rc != VOUCH_OK)
			break;
	}
	if (!any && plen > 0)
		w->st.empty_dirs++;
	closedir(d);
	return rc;
}

int
vouch_tree_digest_dir_opts(const char *dir, const vouch_tree_opts *o, uint8_t out[32],
                           vouch_tree_stats *stats, vouch_err *err)
{
	struct walk w;
	int fd, rc;

	memset(&w, 0, sizeof(w));
	vouch_tree_opts_default(&w.o);
	if (o != NULL) {
		if (o->max_entries)
			w.o.max_entries = o->max_entries;
		if (o->max_depth)
			w.o.max_depth = o->max_depth;
		if (o->max_path_len)
			w.o.max_path_len = o->max_path_len;
	}
	w.root = dir;
	fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		return vouch_err_sys(err, VOUCH_EIO, "cannot open directory '%s'", dir);
	w.path = calloc(1, (size_t)w.o.max_path_len + 1);
	w.chunk = vouch_chunk_alloc();
	if (w.path == NULL || w.chunk == NULL) {
		close(fd);
		rc = vouch_err_set(err, VOUCH_ENOMEM, "out of memory");
		goto out;
	}
	rc = vouch_tree_new(&w.t, err);
	if (rc == VOUCH_OK)
		rc = vouch_hasher_new(VOUCH_ALG_SHA256, &w.h, err);
	if (rc != VOUCH_OK) {
		close(fd);
		goto out;
	}
	rc = walk_dir(&w, fd, 0, 0, err);
	if (rc == VOUCH_OK)
		rc = vouch_tree_final(w.t, out, err);
	if (rc == VOUCH_OK && stats != NULL)
		*stats = w.st;
out:
	vouch_hasher_free(w.h);
	vouch_tree_free(w.t);
	free(w.path);
	free(w.chunk);
	return rc;
}

int
vouch_tree_digest_dir(const char *dir, uint8_t out[32], vouch_err *err)
{
	return vouch_tree_digest_dir_opts(dir, NULL, out, NULL, err);
}
