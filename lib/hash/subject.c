/* subject.c - in-toto subject lists (JSON) and sha256sum-style lines. */
#include "config.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "vouch/codec.h"
#include "vouch/json.h"
#include "vouch/subject.h"
#include "vouch/walk.h"

/* Length of the valid UTF-8 sequence at s[0..len) and its code point, or 0
 * when it is not one (overlong, surrogate, > U+10FFFF, truncated). */
static size_t
utf8_seq(const unsigned char *s, size_t len, unsigned long *cp)
{
	unsigned long c = s[0], min;
	size_t n;

	if (c < 0x80) {
		*cp = c;
		return 1;
	}
	if (c >= 0xc2 && c <= 0xdf) {
		n = 2; c &= 0x1f; min = 0x80;
	} else if (c >= 0xe0 && c <= 0xef) {
		n = 3; c &= 0x0f; min = 0x800;
	} else if (c >= 0xf0 && c <= 0xf4) {
		n = 4; c &= 0x07; min = 0x10000;
	} else {
		return 0;
	}
	if (len < n)
		return 0;
	for (size_t i = 1; i < n; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0;
		c = (c << 6) | (s[i] & 0x3f);
	}
	if (c < min || c > 0x10ffff || (c >= 0xd800 && c <= 0xdfff))
		return 0;
	*cp = c;
	return n;
}

static int
append_escape(vouch_buf *out, unsigned long cp, vouch_err *err)
{
	switch (cp) {
	case '"': return vouch_buf_append(out, "\\\"", 2, err);
	case '\\': return vouch_buf_append(out, "\\\\", 2, err);
	case '\n': return vouch_buf_append(out, "\\n", 2, err);
	case '\r': return vouch_buf_append(out, "\\r", 2, err);
	case '\t': return vouch_buf_append(out, "\\t", 2, err);
	default: return vouch_buf_appendf(out, err, "\\u%04lx", cp);
	}
}

int
vouch_json_append_bytes(vouch_buf *out, const char *str, size_t len, int *lossy,
                        vouch_err *err)
{
	const unsigned char *s = (const unsigned char *)str;
	size_t i = 0, run = 0;
	int rc, bad = 0;

	rc = vouch_buf_append_byte(out, '"', err);
	while (rc == VOUCH_OK && i < len) {
		unsigned long cp = 0;
		size_t n = utf8_seq(s + i, len - i, &cp);
		int esc = n == 0 || cp < 0x20 || cp == '"' || cp == '\\' ||
		    (cp >= 0x7f && cp <= 0x9f) || cp == 0x2028 || cp == 0x2029;

		if (!esc) {
			run += n;
			i += n;
			continue;
		}
		/* flush the run of plain bytes before this one */
		rc = vouch_buf_append(out, s + i - run, run, err);
		run = 0;
		if (rc != VOUCH_OK)
			break;
		if (n == 0) {
			bad = 1;
			rc = vouch_buf_append(out, "\xef\xbf\xbd", 3, err);
			i++;
		} else {
			rc = append_escape(out, cp, err);
			i += n;
		}
	}
	if (rc == VOUCH_OK)
		rc = vouch_buf_append(out, s + i - run, run, err);
	if (rc == VOUCH_OK)
		rc = vouch_buf_append_byte(out, '"', err);
	if (lossy != NULL)
		*lossy = bad;
	return rc;
}

static int
append_digests(vouch_buf *out, const vouch_digests *d, const vouch_subject *extra,
               vouch_err *err)
{
	int rc = vouch_buf_append_str(out, "\"digest\":{", err);
	int first = 1;

	for (int i = 0; rc == VOUCH_OK && i < VOUCH_ALG_COUNT; i++) {
		unsigned alg = 1u << i;

		if ((d->algs & alg) == 0)
			continue;
		rc = vouch_buf_appendf(out, err, "%s\"%s\":\"", first ? "" : ",", vouch_alg_name(alg));
		if (rc == VOUCH_OK)
			rc = vouch_hex_append(out, vouch_digests_get(d, alg), vouch_alg_size(alg), err);
		if (rc == VOUCH_OK)
			rc = vouch_buf_append_byte(out, '"', err);
		first = 0;
	}
	if (rc == VOUCH_OK && extra != NULL && extra->extra_key != NULL) {
		rc = first ? VOUCH_OK : vouch_buf_append_byte(out, ',', err);
		if (rc == VOUCH_OK)
			rc = vouch_json_append_bytes(out, extra->extra_key, strlen(extra->extra_key),
			    NULL, err);
		if (rc == VOUCH_OK)
			rc = vouch_buf_append_str(out, ":\"", err);
		if (rc == VOUCH_OK)
			rc = vouch_hex_append(out, extra->extra_md, extra->extra_len, err);
		if (rc == VOUCH_OK)
			rc = vouch_buf_append_byte(out, '"', err);
		first = 0;
	}
	if (rc == VOUCH_OK && first)
		rc = vouch_err_set(err, VOUCH_EUSAGE, "subject without a digest");
	if (rc == VOUCH_OK)
		rc = vouch_buf_append_byte(out, '}', err);
	return rc;
}

/* ,"key":"<base64 of bytes>" */
static int
append_b64_member(vouch_buf *out, const char *key, const char *s, size_t len, vouch_err *err)
{
	int rc = vouch_buf_appendf(out, err, ",\"%s\":\"", key);

	if (rc == VOUCH_OK)
		rc = vouch_b64_append(out, (const uint8_t *)s, len, VOUCH_B64_STD, err);
	if (rc == VOUCH_OK)
		rc = vouch_buf_append_byte(out, '"', err);
	return rc;
}

/* The annotations object, or nothing when there is nothing to say. */
static int
append_annotations(vouch_buf *out, const vouch_subject *s, int name_lossy, vouch_err *err)
{
	vouch_buf tmp;
	int rc, lossy = 0;

	if (!name_lossy && !s->is_symlink)
		return VOUCH_OK;
	vouch_buf_init(&tmp, 0);
	/* Build the members with a leading comma each, then drop the first. */
	rc = name_lossy ? append_b64_member(&tmp, "vouch_path_b64", s->name, s->name_len, err)
	    : VOUCH_OK;
	if (rc == VOUCH_OK && s->is_symlink) {
		rc = vouch_buf_append_str(&tmp, ",\"vouch_type\":\"symlink\",\"vouch_link_target\":", err);
		if (rc == VOUCH_OK)
			rc = vouch_json_append_bytes(&tmp, s->link_target, s->link_len, &lossy, err);
		if (rc == VOUCH_OK && lossy)
			rc = append_b64_member(&tmp, "vouch_link_target_b64", s->link_target,
			    s->link_len, err);
	}
	if (rc == VOUCH_OK)
		rc = vouch_buf_append_str(out, ",\"annotations\":{", err);
	if (rc == VOUCH_OK)
		rc = vouch_buf_append(out, tmp.data + 1, tmp.len - 1, err);
	if (rc == VOUCH_OK)
		rc = vouch_buf_append_byte(out, '}', err);
	vouch_buf_free(&tmp);
	return rc;
}

int
vouch_subject_append_json(vouch_buf *out, const vouch_subject *s, vouch_err *err)
{
	int lossy = 0;
	int rc = vouch_buf_append_str(out, "{\"name\":", err);

	if (rc == VOUCH_OK)
		rc = vouch_json_append_bytes(out, s->name, s->name_len, &lossy, err);
	if (rc == VOUCH_OK)
		rc = vouch_buf_append_byte(out, ',', err);
	if (rc == VOUCH_OK)
		rc = append_digests(out, &s->digests, s, err);
	if (rc == VOUCH_OK)
		rc = append_annotations(out, s, lossy, err);
	if (rc == VOUCH_OK)
		rc = vouch_buf_append_byte(out, '}', err);
	return rc;
}

int
vouch_subjects_append_json(vouch_buf *out, const vouch_subject *s, size_t n, vouch_err *err)
{
	int rc = vouch_buf_append_str(out, n == 0 ? "[]\n" : "[\n", err);

	for (size_t i = 0; rc == VOUCH_OK && i < n; i++) {
		rc = vouch_buf_append_str(out, "  ", err);
		if (rc == VOUCH_OK)
			rc = vouch_subject_append_json(out, &s[i], err);
		if (rc == VOUCH_OK)
			rc = vouch_buf_append_str(out, i + 1 < n ? ",\n" : "\n]\n", err);
	}
	return rc;
}

int
vouch_subject_append_sum(vouch_buf *out, const vouch_subject *s, unsigned alg, vouch_err *err)
{
	const uint8_t *md = vouch_digests_get(&s->digests, alg);
	int rc, esc = 0;

	if (s->is_symlink)
		return vouch_err_set(err, VOUCH_EUSAGE, "a symbolic link has no sum line");
	if (md == NULL)
		return vouch_err_set(err, VOUCH_EUSAGE, "subject lacks the %s digest",
		    vouch_alg_name(alg) ? vouch_alg_name(alg) : "requested");
	for (size_t i = 0; i < s->name_len; i++)
		if (s->name[i] == '\\' || s->name[i] == '\n' || s->name[i] == '\r')
			esc = 1;
	rc = esc ? vouch_buf_append_byte(out, '\\', err) : VOUCH_OK;
	if (rc == VOUCH_OK)
		rc = vouch_hex_append(out, md, vouch_alg_size(alg), err);
	if (rc == VOUCH_OK)
		rc = vouch_buf_append(out, "  ", 2, err);
	for (size_t i = 0; rc == VOUCH_OK && i < s->name_len; i++) {
		switch (s->name[i]) {
		case '\\': rc = vouch_buf_append(out, "\\\\", 2, err); break;
		case '\n': rc = vouch_buf_append(out, "\\n", 2, err); break;
		case '\r': rc = vouch_buf_append(out, "\\r", 2, err); break;
		default: rc = vouch_buf_append_byte(out, (unsigned char)s->name[i], err); break;
		}
	}
	if (rc == VOUCH_OK)
		rc = vouch_buf_append_byte(out, '\n', err);
	return rc;
}

int
vouch_subject_name_from_json(const cJSON *subject, vouch_buf *out, vouch_err *err)
{
	const cJSON *ann = vouch_json_get_object(subject, "annotations");
	const char *b64 = ann != NULL ? vouch_json_get_string(ann, "vouch_path_b64") : NULL;
	const char *name = vouch_json_get_string(subject, "name");

	if (b64 != NULL)
		return vouch_b64_decode(b64, strlen(b64), VOUCH_B64_STD, out, err);
	if (name == NULL)
		return vouch_err_set(err, VOUCH_EINPUT, "subject without a name");
	return vouch_buf_append_str(out, name, err);
}

/* ---- subject lists ---- */

struct item {
	vouch_subject s;
	size_t seq;
};

struct vouch_subject_list {
	struct item *v;
	size_t n, cap;
	size_t *slot;       /* open-addressing name index: item index + 1, 0 empty */
	size_t nslots;      /* a power of two > 2 * n, or 0 when not built */
};

int
vouch_subject_list_new(vouch_subject_list **out, vouch_err *err)
{
	*out = calloc(1, sizeof(**out));
	return *out == NULL ? vouch_err_set(err, VOUCH_ENOMEM, "out of memory") : VOUCH_OK;
}

void
vouch_subject_list_free(vouch_subject_list *l)
{
	if (l == NULL)
		return;
	for (size_t i = 0; i < l->n; i++) {
		free((char *)l->v[i].s.name);
		free((char *)l->v[i].s.link_target);
	}
	free(l->v);
	free(l->slot);
	free(l);
}

static char *
dup_bytes(const char *s, size_t len)
{
	char *d = malloc(len + 1);

	if (d != NULL) {
		if (len > 0)
			memcpy(d, s, len);
		d[len] = '\0';
	}
	return d;
}

static size_t
name_hash(const char *s, size_t len)
{
	uint64_t h = 1469598103934665603ull; /* FNV-1a */

	for (size_t i = 0; i < len; i++)
		h = (h ^ (unsigned char)s[i]) * 1099511628211ull;
	return (size_t)h;
}

static void
index_put(vouch_subject_list *l, size_t i)
{
	size_t k = name_hash(l->v[i].s.name, l->v[i].s.name_len) & (l->nslots - 1);

	while (l->slot[k] != 0)
		k = (k + 1) & (l->nslots - 1);
	l->slot[k] = i + 1;
}

/* (Re)build the name index; on allocation failure lookups fall back to a
 * linear search. */
static void
index_build(vouch_subject_list *l)
{
	size_t want = 64;

	while (want <= 2 * l->n)
		want *= 2;
	free(l->slot);
	l->slot = calloc(want, sizeof(*l->slot));
	l->nslots = l->slot != NULL ? want : 0;
	for (size_t i = 0; l->slot != NULL && i < l->n; i++)
		index_put(l, i);
}

static int
same_name(const vouch_subject *s, const char *name, size_t len)
{
	return s->name_len == len && memcmp(s->name, name, len) == 0;
}

int
vouch_subject_list_add(vouch_subject_list *l, const vouch_subject *s, vouch_err *err)
{
	struct item *it;

	if (l->n == l->cap) {
		size_t nc = l->cap ? l->cap * 2 : 64;
		struct item *nv = realloc(l->v, nc * sizeof(*nv));

		if (nv == NULL)
			return vouch_err_set(err, VOUCH_ENOMEM, "out of memory");
		l->v = nv;
		l->cap = nc;
	}
	it = &l->v[l->n];
	it->s = *s;
	it->seq = l->n;
	it->s.name = dup_bytes(s->name, s->name_len);
	it->s.link_target = s->is_symlink ? dup_bytes(s->link_target, s->link_len) : NULL;
	if (it->s.name == NULL || (s->is_symlink && it->s.link_target == NULL)) {
		free((char *)it->s.name);
		free((char *)it->s.link_target);
		return vouch_err_set(err, VOUCH_ENOMEM, "out of memory");
	}
	l->n++;
	if (l->nslots > 2 * l->n)
		index_put(l, l->n - 1);
	return VOUCH_OK;
}

static int
cmp_item(const void *pa, const void *pb)
{
	const struct item *a = pa, *b = pb;
	size_t n = a->s.name_len < b->s.name_len ? a->s.name_len : b->s.name_len;
	int c = memcmp(a->s.name, b->s.name, n);

	if (c != 0)
		return c;
	if (a->s.name_len != b->s.name_len)
		return a->s.name_len < b->s.name_len ? -1 : 1;
	return a->seq < b->seq ? -1 : a->seq > b->seq;
}

void
vouch_subject_list_sort(vouch_subject_list *l)
{
	if (l->n > 1)
		qsort(l->v, l->n, sizeof(*l->v), cmp_item);
	free(l->slot);          /* positions moved */
	l->slot = NULL;
	l->nslots = 0;
}

size_t
vouch_subject_list_count(const vouch_subject_list *l)
{
	return l->n;
}

const vouch_subject *
vouch_subject_list_get(const vouch_subject_list *l, size_t i)
{
	return i < l->n ? &l->v[i].s : NULL;
}

size_t
vouch_subject_list_find_index(const vouch_subject_list *cl, const char *name, size_t len)
{
	vouch_subject_list *l = (vouch_subject_list *)cl; /* the index is a cache */
	size_t k;

	if (l->nslots <= 2 * l->n)
		index_build(l);
	if (l->nslots == 0) {
		for (size_t i = 0; i < l->n; i++)
			if (same_name(&l->v[i].s, name, len))
				return i;
		return VOUCH_SUBJECT_NONE;
	}
	for (k = name_hash(name, len) & (l->nslots - 1); l->slot[k] != 0;
	    k = (k + 1) & (l->nslots - 1))
		if (same_name(&l->v[l->slot[k] - 1].s, name, len))
			return l->slot[k] - 1;
	return VOUCH_SUBJECT_NONE;
}

const vouch_subject *
vouch_subject_list_find(const vouch_subject_list *l, const char *name, size_t len)
{
	size_t i = vouch_subject_list_find_index(l, name, len);

	return i == VOUCH_SUBJECT_NONE ? NULL : &l->v[i].s;
}

void
vouch_subject_list_set_digests(vouch_subject_list *l, size_t i, const vouch_digests *d)
{
	if (i < l->n)
		l->v[i].s.digests = *d;
}

/* Hash one walk entry into s (name filled by the caller). */
static int
hash_entry(const vouch_walk_entry *e, unsigned algs, vouch_subject *s, vouch_buf *link,
           vouch_err *err)
{
	int fd = -1, rc;

	switch (e->kind) {
	case VOUCH_WALK_FILE:
		rc = vouch_walk_open(e, &fd, err);
		if (rc == VOUCH_OK)
			rc = vouch_digest_fd(fd, e->path, algs, &s->digests, err);
		if (fd >= 0)
			close(fd);
		return rc;
	case VOUCH_WALK_SYMLINK:
		rc = vouch_walk_readlink(e, link, err);
		if (rc == VOUCH_OK)
			rc = vouch_digest_mem(link->data, link->len, algs, &s->digests, err);
		s->is_symlink = 1;
		s->link_target = (const char *)link->data;
		s->link_len = link->len;
		return rc;
	default:
		return vouch_walk_open(e, &fd, err); /* fails, naming the entry */
	}
}

int
vouch_subject_list_add_tree(vouch_subject_list *l, const char *dir, const char *prefix,
                            unsigned algs, vouch_err *err)
{
	const vouch_walk_entry *e = NULL;
	vouch_walk *w = NULL;
	vouch_buf name, link;
	int rc;

	vouch_buf_init(&name, 0);
	vouch_buf_init(&link, 0);
	rc = vouch_walk_new(dir, NULL, &w, err);
	while (rc == VOUCH_OK && (rc = vouch_walk_next(w, &e, err)) == VOUCH_OK && e != NULL) {
		vouch_subject s;

		memset(&s, 0, sizeof(s));
		vouch_buf_reset(&name);
		if (prefix != NULL && *prefix != '\0')
			rc = vouch_buf_appendf(&name, err, "%s%s", prefix,
			    prefix[strlen(prefix) - 1] == '/' ? "" : "/");
		if (rc == VOUCH_OK)
			rc = vouch_buf_append(&name, e->path, e->path_len, err);
		if (rc == VOUCH_OK)
			rc = hash_entry(e, algs, &s, &link, err);
		s.name = (const char *)name.data;
		s.name_len = name.len;
		if (rc == VOUCH_OK)
			rc = vouch_subject_list_add(l, &s, err);
	}
	vouch_walk_free(w);
	vouch_buf_free(&name);
	vouch_buf_free(&link);
	return rc;
}

/* ---- archive members into a subject list ---- */

/* A member stored as a hard link: its index in the list and the full name
 * ("archive!target") of the member it links to. */
struct hardlink {
	size_t idx;
	char *target;
	size_t target_len;
};

/* What member listing needs besides the reader. */
struct mctx {
	vouch_subject_list *l;
	unsigned algs;
	unsigned max_depth;   /* archive levels to open: 1 = the file's own */
	struct hardlink *hl;
	size_t nhl, hlcap;
	vouch_err *damage;    /* first problem inside an archive */
};

/* Remember that member idx is a hard link to target. */
static int
note_hardlink(struct mctx *c, size_t idx, const vouch_buf *prefix, const char *target,
              vouch_err *err)
{
	struct hardlink *h;
	vouch_buf n;

	if (c->nhl == c->hlcap) {
		size_t nc = c->hlcap ? 2 * c->hlcap : 16;

		h = realloc(c->hl, nc * sizeof(*h));
		if (h == NULL)
			return vouch_err_set(err, VOUCH_ENOMEM, "out of memory");
		c->hl = h;
		c->hlcap = nc;
	}
	vouch_buf_init(&n, 0);
	if (vouch_buf_append(&n, prefix->data, prefix->len, err) != VOUCH_OK ||
	    vouch_buf_append_byte(&n, '!', err) != VOUCH_OK ||
	    vouch_buf_append_str(&n, target, err) != VOUCH_OK) {
		vouch_buf_free(&n);
		return err != NULL ? err->code : VOUCH_ENOMEM;
	}
	h = &c->hl[c->nhl++];
	h->idx = idx;
	h->target = (char *)vouch_buf_detach(&n, &h->target_len, NULL);
	return h->target != NULL ? VOUCH_OK : vouch_err_set(err, VOUCH_ENOMEM, "out of memory");
}

/* Hard links share one content, but archives store it once: tar on the
 * first name (later links are empty), cpio newc on the last (earlier links
 * are empty).  Give every empty member of a link group the group's digest. */
static void
resolve_hardlinks(struct mctx *c)
{
	for (int pass = 0; pass < 3; pass++) {
		int changed = 0;

		for (size_t i = 0; i < c->nhl; i++) {
			const struct hardlink *h = &c->hl[i];
			size_t t = vouch_subject_list_find_index(c->l, h->target, h->target_len);
			const vouch_subject *a = vouch_subject_list_get(c->l, h->idx);
			const vouch_subject *b = vouch_subject_list_get(c->l, t);

			if (a == NULL || b == NULL || (a->digests.length == 0) == (b->digests.length == 0))
				continue;
			if (a->digests.length == 0)
				vouch_subject_list_set_digests(c->l, h->idx, &b->digests);
			else
				vouch_subject_list_set_digests(c->l, t, &a->digests);
			changed = 1;
		}
		if (!changed)
			break;
	}
}

static int list_members(struct mctx *c, vouch_members *m, const vouch_buf *prefix,
                        unsigned depth, vouch_err *err);

/* Digest the current member of parent, which may itself be an archive:
 * its members are listed (named NAME!MEMBER) while its bytes are hashed. */
static int
hash_nested(struct mctx *c, vouch_members *parent, const vouch_buf *name,
            unsigned depth, vouch_digests *out, vouch_err *err)
{
	vouch_members *child = NULL;
	vouch_hasher *tap = NULL;
	vouch_err cerr;
	int rc;

	vouch_err_clear(&cerr);
	rc = vouch_hasher_new(c->algs, &tap, err);
	if (rc == VOUCH_OK)
		rc = vouch_members_new(&child, err);
	if (rc != VOUCH_OK)
		goto out;
	rc = vouch_members_open_member(child, parent, (const char *)name->data, tap, &cerr);
	if (rc == VOUCH_OK)
		rc = list_members(c, child, name, depth, &cerr);
	/* Damage inside the inner archive is reported; the member still counts. */
	if (rc != VOUCH_OK && rc != VOUCH_ENEGATIVE && c->damage->code == VOUCH_OK)
		*c->damage = cerr;
	rc = vouch_members_drain(child, err);
	if (rc == VOUCH_OK)
		rc = vouch_hasher_final(tap, out, err);
out:
	vouch_members_free(child);
	vouch_hasher_free(tap);
	return rc;
}

static int
add_member(struct mctx *c, vouch_members *m, const vouch_member *mb,
           const vouch_buf *prefix, unsigned depth, vouch_buf *name, vouch_err *err)
{
	vouch_subject s;
	int rc;

	memset(&s, 0, sizeof(s));
	vouch_buf_reset(name);
	rc = vouch_buf_append(name, prefix->data, prefix->len, err);
	if (rc == VOUCH_OK)
		rc = vouch_buf_append_byte(name, '!', err);
	if (rc == VOUCH_OK)
		rc = vouch_buf_append(name, mb->name, mb->name_len, err);
	if (rc != VOUCH_OK)
		return rc;
	if (mb->kind == VOUCH_WALK_SYMLINK) {
		s.is_symlink = 1;
		s.link_target = mb->link_target;
		s.link_len = mb->link_len;
		rc = vouch_digest_mem(mb->link_target, mb->link_len, c->algs, &s.digests, err);
	} else if (depth < c->max_depth) {
		rc = hash_nested(c, m, name, depth + 1, &s.digests, err);
	} else {
		rc = vouch_members_digest(m, c->algs, &s.digests, err);
	}
	s.name = (const char *)name->data;
	s.name_len = name->len;
	if (rc == VOUCH_OK && mb->hardlink != NULL)
		rc = note_hardlink(c, vouch_subject_list_count(c->l), prefix,
		    mb->hardlink, err);
	if (rc == VOUCH_OK)
		rc = vouch_subject_list_add(c->l, &s, err);
	return rc;
}

/* List every member of m (and, below max_depth, of archives inside it). */
static int
list_members(struct mctx *c, vouch_members *m, const vouch_buf *prefix,
             unsigned depth, vouch_err *err)
{
	const vouch_member *mb = NULL;
	vouch_buf name;
	int rc;

	vouch_buf_init(&name, 0);
	while ((rc = vouch_members_next(m, &mb, err)) == VOUCH_OK && mb != NULL) {
		if (vouch_subject_list_count(c->l) >= VOUCH_MEMBERS_MAX_DEFAULT) {
			rc = vouch_err_set(err, VOUCH_ELIMIT, "'%s': more than %u members in all",
			    (const char *)prefix->data, VOUCH_MEMBERS_MAX_DEFAULT);
			break;
		}
		rc = add_member(c, m, mb, prefix, depth, &name, err);
		if (rc != VOUCH_OK)
			break;
	}
	vouch_buf_free(&name);
	return rc;
}

/* The file's own digest: read fd to the end and rewind (regular files), or
 * set up a tap that sees the bytes as the archive reader consumes them. */
static int
hash_first(int fd, const char *name, unsigned algs, vouch_digests *file,
           vouch_hasher **tap, vouch_err *err)
{
	struct stat sb;
	int rc;

	*tap = NULL;
	if (fstat(fd, &sb) != 0 || !S_ISREG(sb.st_mode) || lseek(fd, 0, SEEK_CUR) != 0)
		return vouch_hasher_new(algs, tap, err);
	rc = vouch_digest_fd(fd, name, algs, file, err);
	if (rc == VOUCH_OK && lseek(fd, 0, SEEK_SET) != 0)
		rc = vouch_err_sys(err, VOUCH_EIO, "cannot rewind '%s'", name);
	return rc;
}

static void
free_hardlinks(struct mctx *c)
{
	for (size_t i = 0; i < c->nhl; i++)
		free(c->hl[i].target);
	free(c->hl);
}

int
vouch_subject_list_add_archive(vouch_subject_list *l, int fd, const char *name,
                               unsigned algs, unsigned max_depth, vouch_digests *file,
                               vouch_err *damage, vouch_err *err)
{
	struct mctx c;
	vouch_members *m = NULL;
	vouch_hasher *tap = NULL;
	vouch_err merr, dummy;
	vouch_buf prefix;
	int rc;

	if (damage == NULL)
		damage = &dummy;
	vouch_err_clear(&merr);
	memset(&c, 0, sizeof(c));
	c.l = l;
	c.algs = algs;
	c.max_depth = max_depth > 0 ? max_depth : 1;
	c.damage = damage;
	vouch_err_clear(damage);
	vouch_buf_init(&prefix, 0);
	rc = vouch_buf_append_str(&prefix, name, err);
	if (rc == VOUCH_OK)
		rc = hash_first(fd, name, algs, file, &tap, err);
	if (rc == VOUCH_OK)
		rc = vouch_members_new(&m, err);
	if (rc != VOUCH_OK)
		goto out;
	rc = vouch_members_open_fd(m, fd, name, tap, &merr);
	if (rc == VOUCH_OK)
		rc = list_members(&c, m, &prefix, 1, &merr);
	/* the first problem wins: one inside a nested archive may come first */
	if (rc != VOUCH_OK && rc != VOUCH_ENEGATIVE && damage->code == VOUCH_OK)
		*damage = merr;
	resolve_hardlinks(&c);
	vouch_subject_list_sort(l);
	rc = vouch_members_drain(m, err);
	if (rc == VOUCH_OK && tap != NULL)
		rc = vouch_hasher_final(tap, file, err);
out:
	free_hardlinks(&c);
	vouch_members_free(m);
	vouch_hasher_free(tap);
	vouch_buf_free(&prefix);
	return rc;
}
