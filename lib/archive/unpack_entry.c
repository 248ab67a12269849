/* unpack_entry.c - writing one entry of the archive, and checking once
 * the whole tree is known that symlinks stay inside (see unpack.c). */
#include "config.h"

#include <fcntl.h>
#include <limits.h>
#include <string.h>

#include "vouch/tree.h"

#include "unpack_int.h"

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

int
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

int
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
