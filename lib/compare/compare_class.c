/* compare_class.c - one classification per difference, for the summaries.
 *
 * A classification names what kind of difference it is in words an
 * auditor counts by: "metadata: mtime", "elf: only build-id, debug-link",
 * "elf: code changed", "text: content-changed".  The report prints counts
 * per classification first and the details after.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "compare_int.h"

const char *const cmp_kind_names[] = {
	"content", "text", "elf", "added", "removed", "metadata", "order",
	"compression-header", "compression-encoding", "container", "type", "limit", "error",
	"rename"
};

static void
bits(vouch_buf *b, unsigned v, const char *(*name)(unsigned))
{
	int first = 1;

	for (unsigned i = 0; i < 32; i++) {
		if ((v & (1u << i)) && name(1u << i) != NULL) {
			vouch_buf_appendf(b, NULL, "%s%s", first ? "" : ", ", name(1u << i));
			first = 0;
		}
	}
}

/* The rules that would excuse every item, 0 when some item has none. */
static unsigned
excusable(const struct cmp_diff *d)
{
	unsigned all = 0;

	for (size_t i = 0; i < d->nitems; i++) {
		if (d->items[i].rule == 0)
			return 0;
		all |= d->items[i].rule;
	}
	return all;
}

static char *
classify(const struct cmp_diff *d)
{
	vouch_buf b;

	vouch_buf_init(&b, 4096);
	vouch_buf_appendf(&b, NULL, "%s", cmp_kind_names[d->kind]);
	if (d->kind == CMP_METADATA && d->nitems > 0) {
		/* the fields that differ, each once */
		vouch_buf_append_str(&b, ": ", NULL);
		for (size_t i = 0; i < d->nitems; i++) {
			int seen = 0;

			for (size_t k = 0; k < i && !seen; k++)
				seen = strcmp(d->items[k].name, d->items[i].name) == 0;
			if (!seen)
				vouch_buf_appendf(&b, NULL, "%s%s", i ? ", " : "", d->items[i].name);
		}
	} else if (d->kind == CMP_ELF && excusable(d) != 0) {
		vouch_buf_append_str(&b, ": only ", NULL);
		bits(&b, excusable(d), vouch_normalize_name);
	} else if (d->kind == CMP_ELF && d->funcs_total > 0) {
		vouch_buf_append_str(&b, ": code changed", NULL);
		if (d->hints & VOUCH_HINT_SYMBOLS_REORDERED)
			vouch_buf_append_str(&b, ", same-symbols-reordered", NULL);
	} else if (d->hints != 0 && d->kind != CMP_ADDED && d->kind != CMP_REMOVED) {
		vouch_buf_append_str(&b, ": ", NULL);
		bits(&b, d->hints, vouch_hint_name);
	}
	return (char *)vouch_buf_detach(&b, NULL, NULL);
}

int
cmp_classify_all(struct vouch_compare_report *r)
{
	for (size_t i = 0; i < r->ndiffs; i++) {
		free(r->diffs[i].cls);
		r->diffs[i].cls = classify(&r->diffs[i]);
		if (r->diffs[i].cls == NULL)
			return -1;
	}
	return 0;
}

int
cmp_groups(const struct vouch_compare_report *r, struct cmp_group **out, size_t *n)
{
	struct cmp_group *g = NULL;
	size_t cnt = 0, cap = 0;

	*out = NULL;
	*n = 0;
	for (size_t i = 0; i < r->ndiffs; i++) {
		const struct cmp_diff *d = &r->diffs[i];
		const char *cls = d->cls ? d->cls : cmp_kind_names[d->kind];
		size_t k = 0;

		while (k < cnt && strcmp(g[k].cls, cls) != 0)
			k++;
		if (k == cnt) {
			if (cnt == cap) {
				void *p = realloc(g, (cap = cap ? cap * 2 : 16) * sizeof(*g));

				if (p == NULL) {
					free(g);
					return -1;
				}
				g = p;
			}
			g[cnt].cls = cls;
			g[cnt].count = g[cnt].excused = 0;
			cnt++;
		}
		g[k].count++;
		g[k].excused += d->excused != 0;
	}
	*out = g;
	*n = cnt;
	return 0;
}
