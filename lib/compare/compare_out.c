/* compare_out.c - the report as text and JSON, and the verdict statement. */
#include "config.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "compare_int.h"
#include "vouch/codec.h"
#include "vouch/json.h"
#include "vouch/statement.h"
#include "vouch/vsa.h"

/* VSA policy for "equivalent under the declared normalization rules";
 * policy.digest = SHA-256 of the comma-separated rule names. */

#define kind_names cmp_kind_names
static const char *const member_names[] = { "same", "different", "equivalent", "added",
	                                    "removed" };

const char *
vouch_compare_report_difference_kind(const vouch_compare_report *r, size_t i)
{
	return i < r->ndiffs ? kind_names[r->diffs[i].kind] : NULL;
}

const char *
vouch_compare_report_difference_summary(const vouch_compare_report *r, size_t i)
{
	return i < r->ndiffs ? r->diffs[i].summary : NULL;
}

size_t
vouch_compare_report_item_count(const vouch_compare_report *r, size_t i)
{
	return i < r->ndiffs ? r->diffs[i].nitems : 0;
}

const char *
vouch_compare_report_item_name(const vouch_compare_report *r, size_t i, size_t k)
{
	return i < r->ndiffs && k < r->diffs[i].nitems ? r->diffs[i].items[k].name : NULL;
}

/* ---- text ---- */

static void
text_bits(vouch_buf *o, unsigned bits, const char *(*name)(unsigned))
{
	int first = 1;

	for (unsigned i = 0; i < 32; i++) {
		if (bits & (1u << i) && name(1u << i) != NULL) {
			vouch_buf_appendf(o, NULL, "%s%s", first ? "" : ",", name(1u << i));
			first = 0;
		}
	}
}

static void
text_diff_lines(vouch_buf *o, const char *diff, size_t max_lines)
{
	size_t lines = 0;
	const char *p = diff;

	while (*p != '\0' && lines < max_lines) {
		const char *nl = strchr(p, '\n');
		size_t n = nl ? (size_t)(nl - p) : strlen(p);

		vouch_buf_appendf(o, NULL, "      %.*s\n", (int)n, p);
		lines++;
		p += n + (nl != NULL);
	}
	if (*p != '\0')
		vouch_buf_append_str(o, "      ...\n", NULL);
}

static const char *
detail_name(int detail)
{
	return detail == DETAIL_DISASM ? "disassembly" : detail == DETAIL_HEX ? "hex" : NULL;
}

static const char *const fstatus_names[] = { "changed", "added", "removed" };

/* Without --verbose: at most this many differences per classification in
 * full, functions per ELF file and diff lines per difference. */
#define TEXT_MAX_PER_CLASS 5
#define TEXT_MAX_FUNCS 10
#define TEXT_MAX_LINES 8

static void
text_funcs(vouch_buf *o, const struct cmp_diff *d, int verbose)
{
	size_t shown = verbose ? d->nfuncs : d->nfuncs < TEXT_MAX_FUNCS ? d->nfuncs : TEXT_MAX_FUNCS;

	vouch_buf_appendf(o, NULL, "    changed functions: %zu (detail: %s)\n", d->funcs_total,
	                  d->detail == DETAIL_DISASM ? "disassembly by objdump, in --html"
	                  : "hex; disassembly with --html when objdump is installed");
	for (size_t i = 0; i < shown; i++) {
		const struct cmp_func *f = &d->funcs[i];

		if (f->status == FUNC_CHANGED && f->size != f->size_b)
			vouch_buf_appendf(o, NULL, "      %s (%s): size %" PRIu64 " -> %" PRIu64 ", %" PRIu64
			                  " differing bytes\n", f->name, f->section, f->size, f->size_b,
			                  f->differing);
		else if (f->status == FUNC_CHANGED)
			vouch_buf_appendf(o, NULL, "      %s (%s): size %" PRIu64 ", %" PRIu64
			                  " differing bytes\n", f->name, f->section, f->size, f->differing);
		else
			vouch_buf_appendf(o, NULL, "      %s (%s): %s, size %" PRIu64 "\n", f->name,
			                  f->section, fstatus_names[f->status],
			                  f->status == FUNC_ADDED ? f->size_b : f->size);
	}
	if (d->funcs_total > shown)
		vouch_buf_appendf(o, NULL, "      ... %zu more (--verbose, --json)\n",
		                  d->funcs_total - shown);
}

static void
text_diff(vouch_buf *o, const struct cmp_diff *d, int verbose)
{
	size_t max_items = d->kind == CMP_ELF || verbose ? 64 : 20;

	vouch_buf_appendf(o, NULL, "  %s [%s]%s: %s\n", d->path, kind_names[d->kind],
	                  d->excused ? " (excused)" : "", d->summary ? d->summary : "");
	if (d->hints) {
		vouch_buf_append_str(o, "    hint (probable cause, not proof): ", NULL);
		text_bits(o, d->hints, vouch_hint_name);
		vouch_buf_append_byte(o, '\n', NULL);
	}
	for (size_t i = 0; i < d->nitems && i < max_items; i++) {
		const struct cmp_item *it = &d->items[i];

		if (it->a != NULL || it->b != NULL)
			vouch_buf_appendf(o, NULL, "    %s: %s -> %s%s%s\n", it->name, it->a ? it->a : "",
			                  it->b ? it->b : "", it->note ? "; " : "",
			                  it->note ? it->note : "");
		else
			vouch_buf_appendf(o, NULL, "    %s\n", it->name);
	}
	if (d->nitems > max_items)
		vouch_buf_appendf(o, NULL, "    ... %zu more\n", d->nitems - max_items);
	if (d->nfuncs > 0)
		text_funcs(o, d, verbose);
	if (d->diff != NULL)
		text_diff_lines(o, d->diff, verbose ? 24 : TEXT_MAX_LINES);
}

/* The differences of one classification, excused or not as asked. */
static void
text_group(vouch_buf *o, const vouch_compare_report *r, const struct cmp_group *g, int excused,
           int verbose)
{
	size_t shown = 0, left = 0;

	for (size_t i = 0; i < r->ndiffs; i++) {
		const struct cmp_diff *d = &r->diffs[i];

		if ((d->excused != 0) != excused || strcmp(d->cls, g->cls) != 0)
			continue;
		if (!verbose && shown >= TEXT_MAX_PER_CLASS) {
			left++;
			continue;
		}
		text_diff(o, d, verbose);
		shown++;
	}
	if (left > 0)
		vouch_buf_appendf(o, NULL, "  ... %zu more \"%s\" (--verbose or --json lists them)\n",
		                  left, g->cls);
}

int
vouch_compare_report_text_ex(const vouch_compare_report *r, unsigned flags, vouch_buf *out,
                             vouch_err *err)
{
	int verbose = (flags & VOUCH_CMP_TEXT_VERBOSE) != 0;
	struct cmp_group *g = NULL;
	size_t ng = 0, excused = 0;

	if (cmp_groups(r, &g, &ng) != 0)
		return vouch_err_set(err, VOUCH_ENOMEM, "out of memory");
	for (size_t i = 0; i < r->ndiffs; i++)
		excused += r->diffs[i].excused != 0;
	vouch_buf_appendf(out, err, "verdict: %s (mode: %s", vouch_compare_verdict_name(r->verdict),
	                  r->opts.normalize ? "normalize=" : "strict");
	text_bits(out, r->opts.normalize, vouch_normalize_name);
	vouch_buf_append_str(out, ")\n", err);
	if (r->verdict == VOUCH_CMP_EQUIVALENT)
		vouch_buf_append_str(out, "not bit for bit: every difference is excused by the rules "
		                     "needed below\n", err);
	vouch_buf_appendf(out, err, "A (rebuilt): %s\nB (shipped): %s\n", r->a_path, r->b_path);
	if (r->rules_needed) {
		vouch_buf_append_str(out, "rules needed: ", err);
		text_bits(out, r->rules_needed, vouch_normalize_name);
		vouch_buf_append_byte(out, '\n', err);
	}
	if (r->ndiffs > 0) {
		vouch_buf_appendf(out, err, "differences: %zu (%zu excused by normalization)\n",
		                  r->ndiffs, excused);
		vouch_buf_append_str(out, "by classification:\n", err);
		for (size_t k = 0; k < ng; k++) {
			vouch_buf_appendf(out, err, "  %7zu  %s", g[k].count, g[k].cls);
			if (g[k].excused == g[k].count)
				vouch_buf_append_str(out, " (excused)", err);
			else if (g[k].excused > 0)
				vouch_buf_appendf(out, err, " (%zu excused)", g[k].excused);
			vouch_buf_append_byte(out, '\n', err);
		}
	}
	if (excused < r->ndiffs) {
		vouch_buf_append_str(out, "unexcused differences:\n", err);
		for (size_t k = 0; k < ng; k++)
			if (g[k].excused < g[k].count)
				text_group(out, r, &g[k], 0, verbose);
	}
	if (excused > 0 && verbose) {
		vouch_buf_append_str(out, "excused differences:\n", err);
		for (size_t k = 0; k < ng; k++)
			if (g[k].excused > 0)
				text_group(out, r, &g[k], 1, verbose);
	} else if (excused > 0) {
		vouch_buf_appendf(out, err, "excused differences: %zu (--verbose lists them)\n",
		                  excused);
	}
	for (size_t i = 0; i < r->nnotes; i++)
		vouch_buf_appendf(out, err, "note: %s\n", r->notes[i]);
	free(g);
	return out->data == NULL && out->len == 0 ? vouch_err_set(err, VOUCH_ENOMEM, "out of memory")
	                                          : VOUCH_OK;
}

int
vouch_compare_report_text(const vouch_compare_report *r, vouch_buf *out, vouch_err *err)
{
	return vouch_compare_report_text_ex(r, 0, out, err);
}

/* ---- JSON ---- */

static int
add_bits(cJSON *obj, const char *key, unsigned bits, const char *(*name)(unsigned))
{
	cJSON *arr = cJSON_AddArrayToObject(obj, key);

	if (arr == NULL)
		return -1;
	for (unsigned i = 0; i < 32; i++) {
		if (bits & (1u << i) && name(1u << i) != NULL) {
			cJSON *s = cJSON_CreateString(name(1u << i));

			if (s == NULL || !cJSON_AddItemToArray(arr, s))
				return -1;
		}
	}
	return 0;
}

static int side_into(cJSON *o, const struct cmp_side *s);

static int
add_side(cJSON *obj, const char *key, const struct cmp_side *s)
{
	cJSON *o;

	if (!s->present)
		return 0;
	o = cJSON_AddObjectToObject(obj, key);
	return o == NULL ? -1 : side_into(o, s);
}

static int
side_into(cJSON *o, const struct cmp_side *s)
{
	char hex[65];

	if (!s->present)
		return 0;
	if (cJSON_AddNumberToObject(o, "size", (double)s->size) == NULL ||
	    cJSON_AddStringToObject(o, "sha256", vouch_hex_encode(s->sha256, 32, hex)) == NULL)
		return -1;
	return 0;
}

static int
add_opt_string(cJSON *o, const char *key, const char *val)
{
	return val == NULL || cJSON_AddStringToObject(o, key, val) != NULL ? 0 : -1;
}

static int
json_items(cJSON *o, const struct cmp_diff *d)
{
	cJSON *arr;

	if (d->nitems == 0)
		return 0;
	arr = cJSON_AddArrayToObject(o, "items");
	if (arr == NULL)
		return -1;
	for (size_t i = 0; i < d->nitems; i++) {
		cJSON *it = cJSON_CreateObject();

		if (it == NULL || !cJSON_AddItemToArray(arr, it))
			return -1;
		if (add_opt_string(it, "name", d->items[i].name) || add_opt_string(it, "a", d->items[i].a) ||
		    add_opt_string(it, "b", d->items[i].b) || add_opt_string(it, "note", d->items[i].note) ||
		    add_opt_string(it, "rule", d->items[i].rule ? vouch_normalize_name(d->items[i].rule)
		                                                 : NULL))
			return -1;
	}
	return 0;
}

static int
json_funcs(cJSON *o, const struct cmp_diff *d)
{
	cJSON *arr;

	if (d->nfuncs == 0)
		return 0;
	if (add_opt_string(o, "detail", detail_name(d->detail)) ||
	    cJSON_AddNumberToObject(o, "functionsTotal", (double)d->funcs_total) == NULL)
		return -1;
	arr = cJSON_AddArrayToObject(o, "functions");
	if (arr == NULL)
		return -1;
	for (size_t i = 0; i < d->nfuncs; i++) {
		const struct cmp_func *f = &d->funcs[i];
		cJSON *it = cJSON_CreateObject();

		if (it == NULL || !cJSON_AddItemToArray(arr, it) || add_opt_string(it, "name", f->name) ||
		    add_opt_string(it, "section", f->section) ||
		    add_opt_string(it, "symbolTable", f->symtab) ||
		    cJSON_AddNumberToObject(it, "address", (double)f->addr) == NULL ||
		    cJSON_AddNumberToObject(it, "size", (double)f->size) == NULL ||
		    cJSON_AddNumberToObject(it, "sizeB", (double)f->size_b) == NULL ||
		    cJSON_AddNumberToObject(it, "differingBytes", (double)f->differing) == NULL ||
		    add_opt_string(it, "status", fstatus_names[f->status]) ||
		    add_opt_string(it, "diff", f->diff))
			return -1;
	}
	return 0;
}

static int
json_diff(cJSON *arr, const struct cmp_diff *d)
{
	cJSON *o = cJSON_CreateObject();

	if (o == NULL || !cJSON_AddItemToArray(arr, o))
		return -1;
	if (add_opt_string(o, "path", d->path) || add_opt_string(o, "kind", kind_names[d->kind]) ||
	    cJSON_AddBoolToObject(o, "excused", d->excused != 0) == NULL ||
	    add_bits(o, "excusedBy", d->excused, vouch_normalize_name) ||
	    add_bits(o, "hints", d->hints, vouch_hint_name) ||
	    add_opt_string(o, "summary", d->summary) || add_side(o, "a", &d->a) ||
	    add_side(o, "b", &d->b))
		return -1;
	if (d->has_offset && (cJSON_AddNumberToObject(o, "offset", (double)d->offset) == NULL ||
	                      cJSON_AddNumberToObject(o, "differingBytes", (double)d->count) == NULL))
		return -1;
	if (d->diff != NULL && (add_opt_string(o, "diff", d->diff) ||
	                        cJSON_AddBoolToObject(o, "diffTruncated", d->truncated) == NULL))
		return -1;
	if (add_opt_string(o, "classification", d->cls) || json_funcs(o, d) != 0)
		return -1;
	return json_items(o, d);
}

static int
json_classes(cJSON *root, const vouch_compare_report *r)
{
	struct cmp_group *g = NULL;
	size_t n = 0;
	cJSON *arr = cJSON_AddArrayToObject(root, "classifications");
	int rc = arr != NULL && cmp_groups(r, &g, &n) == 0 ? 0 : -1;

	for (size_t k = 0; rc == 0 && k < n; k++) {
		cJSON *o = cJSON_CreateObject();

		if (o == NULL || !cJSON_AddItemToArray(arr, o) || add_opt_string(o, "name", g[k].cls) ||
		    cJSON_AddNumberToObject(o, "count", (double)g[k].count) == NULL ||
		    cJSON_AddNumberToObject(o, "excused", (double)g[k].excused) == NULL)
			rc = -1;
	}
	free(g);
	return rc;
}

static int
json_lists(cJSON *root, const vouch_compare_report *r)
{
	cJSON *diffs = cJSON_AddArrayToObject(root, "differences");
	cJSON *mem = NULL, *arts = NULL, *notes = NULL;

	if (diffs == NULL)
		return -1;
	for (size_t i = 0; i < r->ndiffs; i++)
		if (json_diff(diffs, &r->diffs[i]) != 0)
			return -1;
	mem = cJSON_AddArrayToObject(root, "members");
	for (size_t i = 0; mem != NULL && i < r->nmembers; i++) {
		cJSON *o = cJSON_CreateObject();

		if (o == NULL || !cJSON_AddItemToArray(mem, o) ||
		    add_opt_string(o, "path", r->members[i].path) ||
		    add_opt_string(o, "status", member_names[r->members[i].status]))
			return -1;
	}
	arts = cJSON_AddArrayToObject(root, "artifacts");
	for (size_t i = 0; arts != NULL && i < r->narts; i++) {
		cJSON *o = cJSON_CreateObject();

		if (o == NULL || !cJSON_AddItemToArray(arts, o) ||
		    add_opt_string(o, "name", r->arts[i].name) || add_side(o, "a", &r->arts[i].a) ||
		    add_side(o, "b", &r->arts[i].b))
			return -1;
	}
	notes = cJSON_AddArrayToObject(root, "notes");
	for (size_t i = 0; notes != NULL && i < r->nnotes; i++) {
		cJSON *s = cJSON_CreateString(r->notes[i]);

		if (s == NULL || !cJSON_AddItemToArray(notes, s))
			return -1;
	}
	return mem && arts && notes ? json_classes(root, r) : -1;
}

static int
json_head(cJSON *root, const vouch_compare_report *r)
{
	cJSON *lim, *a, *b;

	if (cJSON_AddNumberToObject(root, "reportVersion", 1) == NULL ||
	    add_opt_string(root, "tool", "vouch-compare") ||
	    add_opt_string(root, "verdict", vouch_compare_verdict_name(r->verdict)) ||
	    add_opt_string(root, "mode", r->opts.normalize ? "normalize" : "strict") ||
	    add_bits(root, "normalize", r->opts.normalize, vouch_normalize_name) ||
	    add_bits(root, "rulesNeeded", r->rules_needed, vouch_normalize_name))
		return -1;
	a = cJSON_AddObjectToObject(root, "a");
	b = cJSON_AddObjectToObject(root, "b");
	if (a == NULL || b == NULL || add_opt_string(a, "path", r->a_path) ||
	    add_opt_string(b, "path", r->b_path) ||
	    add_opt_string(a, "type", r->is_dir ? "directory" : "file") ||
	    add_opt_string(b, "type", r->is_dir ? "directory" : "file") ||
	    side_into(a, &r->a) || side_into(b, &r->b))
		return -1;
	lim = cJSON_AddObjectToObject(root, "limits");
	if (lim == NULL || cJSON_AddNumberToObject(lim, "maxDepth", r->opts.max_depth) == NULL ||
	    cJSON_AddNumberToObject(lim, "maxMembers", (double)r->opts.max_members) == NULL ||
	    cJSON_AddNumberToObject(lim, "maxSize", (double)r->opts.max_size) == NULL ||
	    cJSON_AddNumberToObject(lim, "maxDiff", (double)r->opts.max_diff) == NULL ||
	    cJSON_AddNumberToObject(lim, "maxText", (double)r->opts.max_text) == NULL ||
	    cJSON_AddBoolToObject(lim, "hit", r->incomplete != 0) == NULL)
		return -1;
	return 0;
}

int
vouch_compare_report_json(const vouch_compare_report *r, vouch_buf *out, vouch_err *err)
{
	cJSON *root = cJSON_CreateObject();
	int rc;

	if (root == NULL || json_head(root, r) != 0 || json_lists(root, r) != 0) {
		cJSON_Delete(root);
		return vouch_err_set(err, VOUCH_ENOMEM, "out of memory");
	}
	rc = vouch_json_append(out, root, err);
	if (rc == VOUCH_OK)
		rc = vouch_buf_append_byte(out, '\n', err);
	cJSON_Delete(root);
	return rc;
}

/* ---- statement ---- */

static void
side_digests(const struct cmp_side *s, vouch_digests *d)
{
	memset(d, 0, sizeof(*d));
	d->algs = VOUCH_ALG_SHA256;
	d->length = s->size;
	memcpy(d->md[vouch_alg_index(VOUCH_ALG_SHA256)], s->sha256, 32);
}

#define VERDICT_MAX_PATHS 32
#define VERDICT_MAX_ITEMS 4

/* "differingPaths": where the unexcused differences are, so whoever reads
 * the signed verdict (an operator, a regulator) sees the place without the
 * full report: "path" or "path: item, item" (ELF sections, header fields).
 * At most VERDICT_MAX_PATHS entries; the report digest covers the rest. */
static void
add_differing_paths(cJSON *o, const vouch_compare_report *r)
{
	cJSON *arr = cJSON_AddArrayToObject(o, "differingPaths");
	vouch_buf b;
	size_t shown = 0;

	vouch_buf_init(&b, 65536);
	for (size_t i = 0; arr != NULL && i < r->ndiffs && shown < VERDICT_MAX_PATHS; i++) {
		const struct cmp_diff *d = &r->diffs[i];
		size_t items = 0;
		cJSON *s;

		if (d->excused)
			continue;
		vouch_buf_reset(&b);
		vouch_buf_append_str(&b, d->path, NULL);
		for (size_t k = 0; k < d->nitems && items < VERDICT_MAX_ITEMS; k++) {
			if (d->items[k].rule != 0 && (r->opts.normalize & d->items[k].rule))
				continue;
			vouch_buf_appendf(&b, NULL, "%s%s", items == 0 ? ": " : ", ", d->items[k].name);
			items++;
		}
		s = cJSON_CreateString(vouch_buf_cstr(&b));
		if (s == NULL || !cJSON_AddItemToArray(arr, s)) {
			cJSON_Delete(s);
			break;
		}
		shown++;
	}
	vouch_buf_free(&b);
}

static cJSON *
comparison_ext(const vouch_compare_report *r, const uint8_t report_sha[32])
{
	cJSON *o = cJSON_CreateObject(), *arr;
	char hex[65];

	if (o == NULL)
		return NULL;
	cJSON_AddStringToObject(o, "result", vouch_compare_verdict_name(r->verdict));
	cJSON_AddStringToObject(o, "mode", r->opts.normalize ? "normalize" : "strict");
	add_bits(o, "normalize", r->opts.normalize, vouch_normalize_name);
	add_bits(o, "rulesNeeded", r->rules_needed, vouch_normalize_name);
	cJSON_AddNumberToObject(o, "differences", (double)r->ndiffs);
	add_differing_paths(o, r);
	cJSON_AddStringToObject(cJSON_AddObjectToObject(o, "reportDigest"), "sha256",
	                        vouch_hex_encode(report_sha, 32, hex));
	arr = cJSON_AddArrayToObject(o, "rebuilt");
	for (size_t i = 0; arr != NULL && i < r->narts; i++) {
		cJSON *it = cJSON_CreateObject();

		if (it == NULL || !cJSON_AddItemToArray(arr, it))
			break;
		cJSON_AddStringToObject(it, "name", r->arts[i].name);
		if (r->arts[i].a.present)
			cJSON_AddStringToObject(cJSON_AddObjectToObject(it, "digest"), "sha256",
			                        vouch_hex_encode(r->arts[i].a.sha256, 32, hex));
	}
	return o;
}

/* "file:" + name with everything but RFC 3986 unreserved characters and
 * '/' percent-encoded. */
static char *
file_uri(const char *name)
{
	vouch_buf b;

	vouch_buf_init(&b, 3 * strlen(name) + 8);
	vouch_buf_append_str(&b, "file:", NULL);
	for (const unsigned char *p = (const unsigned char *)name; *p; p++) {
		if ((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9') ||
		    strchr("-._~/", *p) != NULL)
			vouch_buf_append_byte(&b, *p, NULL);
		else
			vouch_buf_appendf(&b, NULL, "%%%02X", *p);
	}
	return (char *)vouch_buf_detach(&b, NULL, NULL);
}

static int
add_provenance(const vouch_compare_report *r, vouch_vsa *v, const char *path, const char *uri,
               vouch_err *err)
{
	vouch_digests d;
	char *u = NULL;
	int rc;

	rc = cmp_provenance_names(r, path, err);
	if (rc == VOUCH_OK)
		rc = vouch_digest_file(path, VOUCH_ALG_SHA256, &d, err);
	if (rc != VOUCH_OK)
		return rc;
	if (uri == NULL) {
		const char *base = strrchr(path, '/');

		u = file_uri(base ? base + 1 : path);
		if (u == NULL)
			return vouch_err_set(err, VOUCH_ENOMEM, "out of memory");
	}
	rc = vouch_vsa_add_input(v, uri ? uri : u, &d, err);
	free(u);
	return rc;
}

/* Under normalization PASSED does not mean bit for bit: say so with a
 * policy of its own whose digest is the SHA-256 of the rule list. */
static int
set_normalized_policy(vouch_vsa *v, unsigned rules, vouch_err *err)
{
	vouch_buf b;
	vouch_digests d;
	int rc;

	vouch_buf_init(&b, 4096);
	for (unsigned i = 0; i < 32; i++)
		if (rules & (1u << i) && vouch_normalize_name(1u << i) != NULL)
			vouch_buf_appendf(&b, NULL, "%s%s", b.len ? "," : "", vouch_normalize_name(1u << i));
	rc = vouch_digest_mem(vouch_buf_cstr(&b), b.len, VOUCH_ALG_SHA256, &d, err);
	if (rc == VOUCH_OK)
		rc = vouch_vsa_set_policy(v, VOUCH_POLICY_EQUIVALENT, &d, err);
	vouch_buf_free(&b);
	return rc;
}

static int
build_vsa(const vouch_compare_report *r, const vouch_buf *report_json, const char *prov,
          const char *prov_uri, cJSON **pred, vouch_err *err)
{
	vouch_vsa *v = NULL;
	uint8_t sha[32];
	char *res = NULL;
	int rc;

	rc = vouch_sha256(report_json->data ? report_json->data : (const uint8_t *)"",
	                  report_json->len, sha, err);
	if (rc == VOUCH_OK)
		rc = vouch_vsa_new(NULL, vouch_compare_report_status(r) == VOUCH_OK, (time_t)-1, &v,
		                   err);
	if (rc != VOUCH_OK)
		return rc;
	res = file_uri(r->narts == 1 ? r->arts[0].name : ".");
	rc = res ? vouch_vsa_set_resource_uri(v, res, err)
	         : vouch_err_set(err, VOUCH_ENOMEM, "out of memory");
	if (rc == VOUCH_OK && r->opts.normalize != 0)
		rc = set_normalized_policy(v, r->opts.normalize, err);
	if (rc == VOUCH_OK)
		rc = vouch_vsa_set_verifier_version(v, "vouch-compare", PACKAGE_VERSION, err);
	if (rc == VOUCH_OK && prov != NULL)
		rc = add_provenance(r, v, prov, prov_uri, err);
	if (rc == VOUCH_OK)
		rc = vouch_vsa_set_extension(v, "comparison", comparison_ext(r, sha), err);
	if (rc == VOUCH_OK)
		rc = vouch_vsa_to_json(v, pred, err);
	free(res);
	vouch_vsa_free(v);
	return rc;
}

int
vouch_compare_statement(const vouch_compare_report *r, const vouch_buf *report_json,
                        const char *provenance, const char *provenance_uri, vouch_buf *out,
                        vouch_err *err)
{
	vouch_statement *st = NULL;
	cJSON *pred = NULL;
	size_t subjects = 0;
	int rc;

	rc = vouch_statement_new(VOUCH_PREDICATE_VSA, &st, err);
	for (size_t i = 0; rc == VOUCH_OK && i < r->narts; i++) {
		vouch_digests d;

		if (!r->arts[i].b.present)
			continue;
		side_digests(&r->arts[i].b, &d);
		rc = vouch_statement_add_subject(st, r->arts[i].name, &d, err);
		subjects++;
	}
	if (rc == VOUCH_OK && subjects == 0)
		rc = vouch_err_set(err, VOUCH_EINPUT, "no shipped artifact to name as subject");
	if (rc == VOUCH_OK)
		rc = build_vsa(r, report_json, provenance, provenance_uri, &pred, err);
	if (rc == VOUCH_OK) {
		rc = vouch_statement_set_predicate(st, pred, err);
		pred = NULL;
	}
	if (rc == VOUCH_OK)
		rc = vouch_statement_serialize(st, out, err);
	if (rc == VOUCH_OK)
		rc = vouch_buf_append_byte(out, '\n', err);
	cJSON_Delete(pred);
	vouch_statement_free(st);
	return rc;
}
