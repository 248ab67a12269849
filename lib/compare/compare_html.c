/* compare_html.c - the report as one self-contained HTML page.
 *
 * No scripts, no external resources.  Every string that came from an
 * artifact (paths, diff lines, metadata) goes through esc(): the page must
 * stay inert whatever the archives contain.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "compare_int.h"

#define kinds cmp_kind_names
static const char *const mstat[] = { "same", "different", "equivalent", "added", "removed" };

static void
esc_n(vouch_buf *o, const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		switch (s[i]) {
		case '&': vouch_buf_append_str(o, "&amp;", NULL); break;
		case '<': vouch_buf_append_str(o, "&lt;", NULL); break;
		case '>': vouch_buf_append_str(o, "&gt;", NULL); break;
		case '"': vouch_buf_append_str(o, "&quot;", NULL); break;
		case '\'': vouch_buf_append_str(o, "&#39;", NULL); break;
		default:
			if ((unsigned char)s[i] < 0x20 && s[i] != '\t')
				vouch_buf_appendf(o, NULL, "\\x%02x", (unsigned char)s[i]);
			else
				vouch_buf_append_byte(o, (unsigned char)s[i], NULL);
		}
	}
}

static void
esc(vouch_buf *o, const char *s)
{
	if (s != NULL)
		esc_n(o, s, strlen(s));
}

#define HTML_OPEN_MAX 50
#define HTML_GROUP_MAX 500   /* differences shown per classification */
#define HTML_TREE_MAX 5000   /* members shown in the tree */

static const char css[] =
	"body{font-family:sans-serif;margin:1em 2em;color:#222}"
	"h1{font-size:1.4em}.v-identical,.v-equivalent{color:#1a7f37}"
	".v-different{color:#b3261e}.v-incomplete{color:#9a6700}"
	"table{border-collapse:collapse;margin:.5em 0}td,th{border:1px solid #ccc;"
	"padding:2px 6px;vertical-align:top;text-align:left}"
	".sbs{table-layout:fixed;width:100%}.sbs td{font-family:monospace;white-space:pre-wrap;"
	"word-break:break-all;width:50%}.del{background:#ffebe9}.add{background:#e6ffec}"
	".hunk{background:#ddf4ff;color:#555}.hint{color:#555;font-style:italic}"
	".path{font-family:monospace;font-weight:bold}.tree{font-family:monospace;list-style:none}"
	".m-different,.m-added,.m-removed{color:#b3261e}.m-equivalent{color:#9a6700}"
	".m-same{color:#777}section{border-top:1px solid #ddd;margin-top:1em}";

static void
row(vouch_buf *o, const char *cls_l, const char *l, size_t nl, const char *cls_r,
    const char *r, size_t nr)
{
	vouch_buf_appendf(o, NULL, "<tr><td class=\"%s\">", cls_l);
	esc_n(o, l, nl);
	vouch_buf_appendf(o, NULL, "</td><td class=\"%s\">", cls_r);
	esc_n(o, r, nr);
	vouch_buf_append_str(o, "</td></tr>\n", NULL);
}

/* Side by side from a unified diff or the hex dump ("-" A, "+" B, " " both). */
static void
side_by_side(vouch_buf *o, const char *diff, int hex)
{
	const char *p = diff, *pend_s[2][64];
	size_t npend[2] = { 0, 0 }, lens[2][64];

	vouch_buf_append_str(o, "<table class=\"sbs\"><tr><th>A (rebuilt)</th><th>B (shipped)"
	                     "</th></tr>\n", NULL);
	for (;;) {
		const char *nl = strchr(p, '\n');
		size_t n = nl ? (size_t)(nl - p) : strlen(p);
		int side = n > 0 && p[0] == '-' ? 0 : n > 0 && p[0] == '+' ? 1 : -1;
		size_t skip = hex ? 2 : 1;

		if (side >= 0 && npend[side] < 64) {
			pend_s[side][npend[side]] = p + (n >= skip ? skip : n);
			lens[side][npend[side]++] = n >= skip ? n - skip : 0;
		}
		if (side < 0 || (npend[0] == 64 || npend[1] == 64)) {
			size_t m = npend[0] > npend[1] ? npend[0] : npend[1];

			for (size_t i = 0; i < m; i++)
				row(o, i < npend[0] ? "del" : "", i < npend[0] ? pend_s[0][i] : "",
				    i < npend[0] ? lens[0][i] : 0, i < npend[1] ? "add" : "",
				    i < npend[1] ? pend_s[1][i] : "", i < npend[1] ? lens[1][i] : 0);
			npend[0] = npend[1] = 0;
			if (side < 0 && n > 0 && p[0] == '@')
				row(o, "hunk", p, n, "hunk", p, n);
			else if (side < 0 && n > 0)
				row(o, "", p + (n >= skip ? skip : n), n >= skip ? n - skip : 0, "",
				    p + (n >= skip ? skip : n), n >= skip ? n - skip : 0);
		}
		if (nl == NULL)
			break;
		p = nl + 1;
	}
	vouch_buf_append_str(o, "</table>\n", NULL);
}

static void
html_bits(vouch_buf *o, unsigned bits, const char *(*name)(unsigned))
{
	int first = 1;

	for (unsigned i = 0; i < 32; i++) {
		if (bits & (1u << i) && name(1u << i) != NULL) {
			vouch_buf_appendf(o, NULL, "%s%s", first ? "" : ", ", name(1u << i));
			first = 0;
		}
	}
}

static const char *const fstat[] = { "changed", "added", "removed" };

/* The changed functions, then a side-by-side detail of the first few. */
static void
html_funcs(vouch_buf *o, const struct cmp_diff *d)
{
	vouch_buf_appendf(o, NULL, "<p>changed functions: %zu%s; detail: %s</p>\n<table><tr>"
	                  "<th>function</th><th>section</th><th>size A</th><th>size B</th>"
	                  "<th>differing bytes</th><th>status</th></tr>\n", d->funcs_total,
	                  d->funcs_total > d->nfuncs ? " (the largest listed)" : "",
	                  d->detail == DETAIL_DISASM ? "disassembly (objdump)"
	                  : "hex (objdump is not installed, failed, or its 64 runs per "
	                  "comparison are spent)");
	for (size_t i = 0; i < d->nfuncs; i++) {
		const struct cmp_func *f = &d->funcs[i];

		vouch_buf_append_str(o, "<tr><td class=\"path\">", NULL);
		esc(o, f->name);
		vouch_buf_append_str(o, "</td><td>", NULL);
		esc(o, f->section);
		vouch_buf_appendf(o, NULL, "</td><td>%llu</td><td>%llu</td><td>%llu</td><td>%s</td></tr>\n",
		                  (unsigned long long)f->size, (unsigned long long)f->size_b,
		                  (unsigned long long)f->differing, fstat[f->status]);
	}
	vouch_buf_append_str(o, "</table>\n", NULL);
	for (size_t i = 0; i < d->nfuncs; i++) {
		const struct cmp_func *f = &d->funcs[i];

		if (f->diff == NULL)
			continue;
		vouch_buf_append_str(o, "<details><summary>", NULL);
		esc(o, f->name);
		vouch_buf_appendf(o, NULL, " (%s)</summary>\n",
		                  d->detail == DETAIL_DISASM ? "disassembly" : "hex");
		side_by_side(o, f->diff, d->detail != DETAIL_DISASM);
		vouch_buf_append_str(o, "</details>\n", NULL);
	}
}

static void
html_diff(vouch_buf *o, const struct cmp_diff *d, size_t idx)
{
	vouch_buf_appendf(o, NULL, "<section id=\"d%zu\"><p><span class=\"path\">", idx);
	esc(o, d->path);
	vouch_buf_appendf(o, NULL, "</span> [%s]%s: ", kinds[d->kind],
	                  d->excused ? " (excused by normalization)" : "");
	esc(o, d->summary);
	vouch_buf_append_str(o, "</p>\n", NULL);
	if (d->hints) {
		vouch_buf_append_str(o, "<p class=\"hint\">hint (probable cause, not proof): ", NULL);
		html_bits(o, d->hints, vouch_hint_name);
		vouch_buf_append_str(o, "</p>\n", NULL);
	}
	if (d->nitems > 0) {
		vouch_buf_append_str(o, "<table><tr><th>item</th><th>A</th><th>B</th><th>note</th>"
		                     "</tr>\n", NULL);
		for (size_t i = 0; i < d->nitems; i++) {
			vouch_buf_append_str(o, "<tr><td>", NULL);
			esc(o, d->items[i].name);
			vouch_buf_append_str(o, "</td><td>", NULL);
			esc(o, d->items[i].a);
			vouch_buf_append_str(o, "</td><td>", NULL);
			esc(o, d->items[i].b);
			vouch_buf_append_str(o, "</td><td>", NULL);
			esc(o, d->items[i].note);
			vouch_buf_append_str(o, "</td></tr>\n", NULL);
		}
		vouch_buf_append_str(o, "</table>\n", NULL);
	}
	if (d->nfuncs > 0)
		html_funcs(o, d);
	if (d->diff != NULL)
		side_by_side(o, d->diff, d->kind != CMP_TEXT);
	if (d->truncated)
		vouch_buf_append_str(o, "<p class=\"hint\">diff truncated (limit)</p>\n", NULL);
	vouch_buf_append_str(o, "</section>\n", NULL);
}

static void
html_tree(vouch_buf *o, const vouch_compare_report *r)
{
	vouch_buf_appendf(o, NULL, "<h2>Members</h2>\n<details%s><summary>%zu members</summary>"
	                  "<ul class=\"tree\">\n", r->nmembers <= 200 ? " open" : "", r->nmembers);
	for (size_t i = 0; i < r->nmembers; i++) {
		const char *p = r->members[i].path, *last = strrchr(p, '/');

		if (i == HTML_TREE_MAX) {
			vouch_buf_appendf(o, NULL, "<li>%zu more members: see the JSON report "
			                  "(--report)</li>\n", r->nmembers - HTML_TREE_MAX);
			break;
		}
		size_t depth = 0;

		for (const char *q = p; *q; q++)
			depth += *q == '/';
		vouch_buf_appendf(o, NULL, "<li class=\"m-%s\" style=\"padding-left:%zuem\" title=\"",
		                  mstat[r->members[i].status], depth > 20 ? 20 : depth);
		esc(o, p);
		vouch_buf_append_str(o, "\">", NULL);
		esc(o, last ? last + 1 : p);
		vouch_buf_appendf(o, NULL, " <small>(%s)</small></li>\n", mstat[r->members[i].status]);
	}
	vouch_buf_append_str(o, "</ul></details>\n", NULL);
}


/* Differences grouped by classification, each group a <details> that is
 * open only when it holds unexcused differences and is short. */
static int
html_groups(vouch_buf *out, const vouch_compare_report *r)
{
	struct cmp_group *g = NULL;
	size_t ng = 0;

	if (cmp_groups(r, &g, &ng) != 0)
		return -1;
	vouch_buf_append_str(out, "<table><tr><th>count</th><th>classification</th><th>excused</th>"
	                     "</tr>\n", NULL);
	for (size_t k = 0; k < ng; k++) {
		vouch_buf_appendf(out, NULL, "<tr><td>%zu</td><td>", g[k].count);
		esc(out, g[k].cls);
		vouch_buf_appendf(out, NULL, "</td><td>%zu</td></tr>\n", g[k].excused);
	}
	vouch_buf_append_str(out, "</table>\n", NULL);
	for (size_t k = 0; k < ng; k++) {
		int open = g[k].excused < g[k].count && g[k].count <= HTML_OPEN_MAX;

		vouch_buf_appendf(out, NULL, "<details id=\"g%zu\"%s><summary>%zu &times; ", k,
		                  open ? " open" : "", g[k].count);
		esc(out, g[k].cls);
		vouch_buf_appendf(out, NULL, "%s</summary>\n",
		                  g[k].excused == g[k].count ? " (excused)" : "");
		for (size_t i = 0, shown = 0; i < r->ndiffs; i++) {
			if (strcmp(r->diffs[i].cls, g[k].cls) != 0)
				continue;
			if (shown++ == HTML_GROUP_MAX) {
				vouch_buf_appendf(out, NULL, "<p class=\"hint\">%zu more of this "
				                  "classification: see the JSON report (--report)</p>\n",
				                  g[k].count - HTML_GROUP_MAX);
				break;
			}
			html_diff(out, &r->diffs[i], i);
		}
		vouch_buf_append_str(out, "</details>\n", NULL);
	}
	free(g);
	return 0;
}

int
vouch_compare_report_html(const vouch_compare_report *r, vouch_buf *out, vouch_err *err)
{
	const char *v = vouch_compare_verdict_name(r->verdict);

	vouch_buf_appendf(out, err, "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
	                  "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none';"
	                  " style-src 'unsafe-inline'\"><title>vouch-compare: %s</title><style>%s"
	                  "</style></head><body>\n<h1>vouch-compare: <span class=\"v-%s\">%s</span>"
	                  "</h1>\n<table>", v, css, v, v);
	vouch_buf_append_str(out, "<tr><th>A (rebuilt)</th><td>", err);
	esc(out, r->a_path);
	vouch_buf_append_str(out, "</td></tr><tr><th>B (shipped)</th><td>", err);
	esc(out, r->b_path);
	vouch_buf_append_str(out, "</td></tr><tr><th>mode</th><td>", err);
	vouch_buf_append_str(out, r->opts.normalize ? "normalize: " : "strict", err);
	html_bits(out, r->opts.normalize, vouch_normalize_name);
	vouch_buf_append_str(out, "</td></tr><tr><th>rules needed</th><td>", err);
	html_bits(out, r->rules_needed, vouch_normalize_name);
	if (r->verdict == VOUCH_CMP_EQUIVALENT)
		vouch_buf_append_str(out, "</td></tr><tr><th>meaning</th><td>not bit for bit: every "
		                     "difference is excused by the rules needed", err);
	vouch_buf_appendf(out, err, "</td></tr></table>\n<h2>Differences (%zu)</h2>\n", r->ndiffs);
	if (html_groups(out, r) != 0)
		return vouch_err_set(err, VOUCH_ENOMEM, "out of memory");
	for (size_t i = 0; i < r->nnotes; i++) {
		vouch_buf_append_str(out, "<p class=\"hint\">note: ", err);
		esc(out, r->notes[i]);
		vouch_buf_append_str(out, "</p>\n", err);
	}
	html_tree(out, r);
	return vouch_buf_append_str(out, "</body></html>\n", err);
}
