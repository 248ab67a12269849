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

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>

#include "vouch/tree.h"
#include "vouch/reader.h"
#include "vouch/zipcheck.h"
#include "unpack_tmp.h"

#include "unpack_int.h"

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
	vouch_input in;
	int rc;

	if ((rc = vouch_input_open(&in, archive, VOUCH_INPUT_STDIN, NULL, err)) != VOUCH_OK)
		return rc;
	rc = vouch_unpack_fd(in.fd, in.label, target, opts, res, err);
	vouch_input_close(&in);
	return rc;
}
