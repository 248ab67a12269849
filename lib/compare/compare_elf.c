/* compare_elf.c - ELF files compared section by section. */
#include "config.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>

#include "compare_int.h"
#include "vouch/codec.h"
#include "vouch/elf.h"
#include "vouch/file.h"

#define ELF_MAX_BYTES ((size_t)1 << 30)

struct elf_state {
	int other, build_id, debug, size_changed, debug_link;
	const char *first;            /* first differing non-build-id section */
	int first_exec;               /* it holds code */
	unsigned win;                 /* timestamp / build path hints, any section */
	const uint8_t *pa, *pb;       /* its bytes */
	size_t na, nb;
	uint64_t first_off;
	int big;                      /* byte order of A */
	const uint8_t *ida, *idb;     /* build IDs (NULL when absent) */
	size_t nida, nidb;
	const vouch_elf *ea, *eb;
	int reordered;                /* a symbol table holds the same symbols reordered */
};

/* Hints for a window of section name: code is not searched for binary
 * times (instructions look like anything) but a year compiled in is one;
 * .gnu_debuglink ends in a CRC32, a number that only looks like a time. */
static unsigned
section_hints(const char *name, int exec, const uint8_t *a, size_t na, const uint8_t *b,
              size_t nb)
{
	unsigned h = cmp_window_hints(a, na, b, nb);

	if (exec || (name != NULL && strcmp(name, ".gnu_debuglink") == 0))
		h &= ~(unsigned)VOUCH_HINT_TIMESTAMP;
	if (exec && cmp_year_change(a, na, b, nb))
		h = (h & ~(unsigned)VOUCH_HINT_CONTENT) | VOUCH_HINT_TIMESTAMP;
	return h;
}

static uint32_t
rd32(const uint8_t *p, int big)
{
	return big ? (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3]
	           : (uint32_t)p[3] << 24 | (uint32_t)p[2] << 16 | (uint32_t)p[1] << 8 | p[0];
}

/* The build ID note differs only in its descriptor: same size, same note
 * header and name, every byte after the descriptor equal. */
static int
build_id_only(const struct elf_state *st, const uint8_t *pa, size_t na, const uint8_t *pb,
              size_t nb)
{
	uint32_t namesz, descsz;
	size_t desc_end;

	if (na != nb || na < 16 || memcmp(pa, pb, 12) != 0)
		return 0;
	namesz = rd32(pa, st->big);
	descsz = rd32(pa + 4, st->big);
	if (namesz != 4 || rd32(pa + 8, st->big) != 3 || memcmp(pa + 12, pb + 12, 4) != 0 ||
	    memcmp(pa + 12, "GNU", 4) != 0 || descsz > na - 16)
		return 0;
	desc_end = 16 + (((size_t)descsz + 3) & ~(size_t)3);
	return desc_end <= na && memcmp(pa + desc_end, pb + desc_end, na - desc_end) == 0;
}

/* Does the debug link name n[0..len) equal m[0..mlen) once each side's
 * build ID (as lowercase hex, whole or without its first byte, as in
 * .build-id/xx/rest.debug) is replaced by a placeholder? */
static size_t
id_span(const char *name, size_t len, const uint8_t *id, size_t nid, size_t *at)
{
	char hex[2 * 64 + 1];

	if (id == NULL || nid < 2 || nid > 64)
		return 0;
	vouch_hex_encode(id, nid, hex);
	for (int skip = 0; skip <= 2; skip += 2) {
		size_t h = 2 * nid - (size_t)skip;

		for (size_t i = 0; i + h <= len; i++) {
			if (memcmp(name + i, hex + skip, h) == 0) {
				*at = i;
				return h;
			}
		}
	}
	return 0;
}

static int
same_name_modulo_id(const struct elf_state *st, const char *a, size_t la, const char *b,
                    size_t lb)
{
	size_t ata = 0, atb = 0, ha, hb;

	if (la == lb && memcmp(a, b, la) == 0)
		return 1;
	ha = id_span(a, la, st->ida, st->nida, &ata);
	hb = id_span(b, lb, st->idb, st->nidb, &atb);
	return ha != 0 && ha == hb && ata == atb && la == lb && memcmp(a, b, ata) == 0 &&
	       memcmp(a + ata + ha, b + atb + hb, la - ata - ha) == 0;
}

/* .gnu_debuglink is "name\0", padding to 4, CRC-32 of the debug file.  The
 * difference is explained by a new debug file when the layout is intact
 * and the names are equal, or equal but for the build ID they spell. */
static int
debuglink_only(const struct elf_state *st, const uint8_t *pa, size_t na, const uint8_t *pb,
               size_t nb)
{
	const uint8_t *za = memchr(pa, 0, na), *zb = memchr(pb, 0, nb);
	size_t la, lb;

	if (za == NULL || zb == NULL)
		return 0;
	la = (size_t)(za - pa);
	lb = (size_t)(zb - pb);
	if (((la + 4) & ~(size_t)3) + 4 != na || ((lb + 4) & ~(size_t)3) + 4 != nb)
		return 0;
	for (size_t i = la; i < na - 4; i++)
		if (pa[i] != 0)
			return 0;
	for (size_t i = lb; i < nb - 4; i++)
		if (pb[i] != 0)
			return 0;
	return same_name_modulo_id(st, (const char *)pa, la, (const char *)pb, lb);
}

/* The rule that excuses this section's difference, 0 when none does. */
static unsigned
section_rule(const struct elf_state *st, const char *name, const uint8_t *pa, size_t na,
             const uint8_t *pb, size_t nb)
{
	if (strcmp(name, ".note.gnu.build-id") == 0)
		return build_id_only(st, pa, na, pb, nb) ? VOUCH_NORM_BUILD_ID : 0;
	if (strcmp(name, ".gnu_debuglink") == 0)
		return debuglink_only(st, pa, na, pb, nb) ? VOUCH_NORM_DEBUG_LINK : 0;
	return 0;
}

static void
first_diff(const uint8_t *a, size_t na, const uint8_t *b, size_t nb, uint64_t *off,
           uint64_t *count)
{
	size_t n = na < nb ? na : nb;

	*off = n;
	*count = 0;
	for (size_t i = n; i-- > 0;) {
		if (a[i] != b[i]) {
			*off = i;
			(*count)++;
		}
	}
}

static void
note_section(struct elf_state *st, const char *name, const uint8_t *pa, size_t na,
             const uint8_t *pb, size_t nb, uint64_t off, int exec)
{
	if (strcmp(name, ".note.gnu.build-id") == 0) {
		st->build_id = 1;
		return;
	}
	if (strcmp(name, ".gnu_debuglink") == 0 && debuglink_only(st, pa, na, pb, nb)) {
		st->debug_link = 1;
		return;
	}
	if (name[0] != '[' && vouch_elf_is_debug_section(name))
		st->debug = 1;
	else
		st->other = 1;
	if (st->first == NULL || (vouch_elf_is_debug_section(st->first) &&
	                          !vouch_elf_is_debug_section(name))) {
		st->first = name;
		st->pa = pa;
		st->na = na;
		st->pb = pb;
		st->nb = nb;
		st->first_off = off;
		st->first_exec = exec;
	}
}

static int
cmp_region(struct cmp_diff *d, struct elf_state *st, const char *name, const uint8_t *pa,
           size_t na, const uint8_t *pb, size_t nb, int exec)
{
	char sa[48], sb[48], note[160];
	uint64_t off, count;

	if (na == nb && memcmp(pa, pb, na) == 0)
		return 0;
	first_diff(pa, na, pb, nb, &off, &count);
	snprintf(sa, sizeof(sa), "size %zu", na);
	snprintf(sb, sizeof(sb), "size %zu", nb);
	{
		int sym = st->ea != NULL && (strcmp(name, ".dynsym") == 0 || strcmp(name, ".symtab") == 0)
		          && cmp_symbols_reordered(st->ea, st->eb, name);

		st->reordered |= sym;
		snprintf(note, sizeof(note), "first difference at +0x%" PRIx64 ", %" PRIu64
		         " differing bytes%s%s", off, count, na != nb ? ", sizes differ" : "",
		         sym ? "; same symbols, reordered" : "");
	}
	if (na != nb)
		st->size_changed = 1;
	{
		size_t lo = off > 64 ? (size_t)off - 64 : 0;
		size_t wa = na > lo ? na - lo : 0, wb = nb > lo ? nb - lo : 0;
		unsigned h = section_hints(name, exec, pa + (wa ? lo : 0), wa > 128 ? 128 : wa,
		                           pb + (wb ? lo : 0), wb > 128 ? 128 : wb);

		st->win |= h & (VOUCH_HINT_TIMESTAMP | VOUCH_HINT_BUILD_PATH);
	}
	note_section(st, name, pa, na, pb, nb, off, exec);
	return cmp_add_item(d, name, sa, sb, note, section_rule(st, name, pa, na, pb, nb));
}

/* Occurrence-aware lookup: the nth section called name. */
static const struct vouch_elf_section *
find_nth(const vouch_elf *e, const char *name, size_t nth)
{
	for (size_t i = 0; i < vouch_elf_section_count(e); i++) {
		const struct vouch_elf_section *s = vouch_elf_section(e, i);

		if (strcmp(s->name, name) == 0 && nth-- == 0)
			return s;
	}
	return NULL;
}

static size_t
occurrence(const vouch_elf *e, size_t idx)
{
	const char *name = vouch_elf_section(e, idx)->name;
	size_t n = 0;

	for (size_t i = 0; i < idx; i++)
		n += strcmp(vouch_elf_section(e, i)->name, name) == 0;
	return n;
}

static int
cmp_sections(struct cmp_diff *d, struct elf_state *st, const vouch_elf *ea, const vouch_elf *eb)
{
	const uint8_t *pa, *pb;
	size_t na, nb;

	for (size_t i = 0; i < vouch_elf_section_count(ea); i++) {
		const struct vouch_elf_section *sa = vouch_elf_section(ea, i);
		const struct vouch_elf_section *sb = find_nth(eb, sa->name, occurrence(ea, i));

		if (sb == NULL) {
			st->other = 1;
			cmp_add_item(d, sa->name[0] ? sa->name : "[unnamed]", "present", "(absent)",
			             NULL, 0);
			continue;
		}
		vouch_elf_section_data(ea, sa, &pa, &na);
		vouch_elf_section_data(eb, sb, &pb, &nb);
		if (sa->type == VOUCH_ELF_SHT_NOBITS && sb->type == VOUCH_ELF_SHT_NOBITS &&
		    sa->size != sb->size) {
			char za[32], zb[32];

			snprintf(za, sizeof(za), "size %" PRIu64, sa->size);
			snprintf(zb, sizeof(zb), "size %" PRIu64, sb->size);
			st->other = 1;
			cmp_add_item(d, sa->name, za, zb, "no file data (NOBITS)", 0);
		} else if (cmp_region(d, st, sa->name, pa, na, pb, nb, (sa->flags & 4) != 0) != 0) {
			return -1;
		}
	}
	for (size_t i = 0; i < vouch_elf_section_count(eb); i++) {
		const struct vouch_elf_section *sb = vouch_elf_section(eb, i);

		if (find_nth(ea, sb->name, occurrence(eb, i)) == NULL) {
			st->other = 1;
			cmp_add_item(d, sb->name[0] ? sb->name : "[unnamed]", "(absent)", "present",
			             NULL, 0);
		}
	}
	return 0;
}

/* Hints from 64 bytes either side of the first difference; code is not
 * searched for binary timestamps (instructions look like anything). */
static unsigned
window(const struct elf_state *st)
{
	uint64_t lo = st->first_off > 64 ? st->first_off - 64 : 0;
	size_t na = st->na > lo ? st->na - (size_t)lo : 0, nb = st->nb > lo ? st->nb - (size_t)lo : 0;
	unsigned h;

	na = na > 128 ? 128 : na;
	nb = nb > 128 ? 128 : nb;
	h = section_hints(st->first, st->first_exec, st->pa + (na ? lo : 0), na,
	                  st->pb + (nb ? lo : 0), nb);
	return h ? h : VOUCH_HINT_CONTENT;
}

static void
classify(struct cmp_ctx *c, struct cmp_diff *d, const struct elf_state *st)
{
	unsigned need = 0;
	int all = 1;

	if (!st->other && !st->debug && (st->build_id || st->debug_link))
		d->hints = VOUCH_HINT_ELF_BUILD_ID;
	else if (!st->other && st->debug)
		d->hints = VOUCH_HINT_ELF_DEBUG | st->win;
	else if (st->first != NULL)
		d->hints = window(st);
	else
		d->hints = VOUCH_HINT_CONTENT;
	if (st->reordered)
		d->hints |= VOUCH_HINT_SYMBOLS_REORDERED;
	for (size_t i = 0; i < d->nitems; i++) {
		need |= d->items[i].rule;
		all &= d->items[i].rule != 0;
	}
	if (all && need && (need & c->o->normalize) == need)
		d->excused = need;
}

static void
summarize(struct cmp_diff *d, const struct elf_state *st)
{
	vouch_buf b;

	vouch_buf_init(&b, 4096);
	vouch_buf_append_str(&b, "ELF sections differ:", NULL);
	for (size_t i = 0; i < d->nitems && i < 8; i++)
		vouch_buf_appendf(&b, NULL, " %s", d->items[i].name);
	if (d->nitems > 8)
		vouch_buf_appendf(&b, NULL, " (+%zu more)", d->nitems - 8);
	d->summary = (char *)vouch_buf_detach(&b, NULL, NULL);
	if (st->first != NULL) {
		uint64_t start = st->first_off >= 32 ? (st->first_off - 32) & ~(uint64_t)15 : 0;
		size_t la = st->na > start ? st->na - (size_t)start : 0;
		size_t lb = st->nb > start ? st->nb - (size_t)start : 0;

		d->has_offset = 1;
		d->offset = st->first_off;
		cmp_hexdump(&d->diff, start, st->pa + (la ? start : 0), la > 96 ? 96 : la,
		            st->pb + (lb ? start : 0), lb > 96 ? 96 : lb);
	}
}

/* 1 recorded, 0 not comparable as ELF (caller falls back), -1 error. */
int
cmp_elf(struct cmp_ctx *c, const char *path, const char *fa, const char *fb,
        const struct cmp_side *sa, const struct cmp_side *sb)
{
	vouch_buf ba, bb;
	const uint8_t *pa, *pb;
	size_t na, nb;
	vouch_elf *ea = NULL, *eb = NULL;
	struct elf_state st;
	struct cmp_diff *d = NULL;
	size_t max = c->o->max_size < ELF_MAX_BYTES ? (size_t)c->o->max_size : ELF_MAX_BYTES;
	uint64_t pao, pas, pbo, pbs;
	int rc = 0;

	memset(&st, 0, sizeof(st));
	vouch_buf_init(&ba, max + 1);
	vouch_buf_init(&bb, max + 1);
	if (cmp_in_view(c, fa, max, &ba, &pa, &na) != VOUCH_OK ||
	    cmp_in_view(c, fb, max, &bb, &pb, &nb) != VOUCH_OK ||
	    vouch_elf_parse(pa, na, &ea, NULL) != VOUCH_OK ||
	    vouch_elf_parse(pb, nb, &eb, NULL) != VOUCH_OK)
		goto out;
	d = cmp_add_diff(c, path, CMP_ELF);
	if (d == NULL) {
		rc = -1;
		goto out;
	}
	d->a = *sa;
	d->b = *sb;
	st.big = pa[5] == 2;
	st.ea = ea;
	st.eb = eb;
	if (vouch_elf_build_id(ea, &st.ida, &st.nida, NULL) != VOUCH_OK)
		st.ida = NULL;
	if (vouch_elf_build_id(eb, &st.idb, &st.nidb, NULL) != VOUCH_OK)
		st.idb = NULL;
	if (vouch_elf_header_size(ea) == vouch_elf_header_size(eb))
		cmp_region(d, &st, "[elf header]", pa, vouch_elf_header_size(ea), pb,
		           vouch_elf_header_size(eb), 0);
	vouch_elf_phdrs(ea, &pao, &pas);
	vouch_elf_phdrs(eb, &pbo, &pbs);
	cmp_region(d, &st, "[program headers]", pa + pao, (size_t)pas, pb + pbo,
	           (size_t)pbs, 0);
	if (cmp_sections(d, &st, ea, eb) != 0) {
		rc = -1;
		goto out;
	}
	if (d->nitems == 0) {
		/* only bytes outside sections differ: let the byte compare say where */
		free(d->path);
		memset(d, 0, sizeof(*d));
		c->r->ndiffs--;
		goto out;
	}
	classify(c, d, &st);
	/* The MD5s serve one purpose: a manifest line (md5sums) naming this
	 * file is excused only when the file is and both digests match.  An
	 * ELF difference is excused here or never, so files that are not
	 * skip the hashing (two MD5 passes over libcrypto.so.3 were ~8% of a
	 * libssl3 comparison's CPU time). */
	if (d->excused)
		d->has_md5 = EVP_Digest(pa, na, d->md5a, NULL, EVP_md5(), NULL) == 1 &&
		             EVP_Digest(pb, nb, d->md5b, NULL, EVP_md5(), NULL) == 1;
	summarize(d, &st);
	if (cmp_elf_functions(c, d, ea, pa, na, eb, pb, nb, fa, fb) != 0) {
		rc = -1;
		goto out;
	}
	rc = 1;
out:
	vouch_elf_free(ea);
	vouch_elf_free(eb);
	vouch_buf_free(&ba);
	vouch_buf_free(&bb);
	return rc;
}
