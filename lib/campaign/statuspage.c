/* statuspage.c - the campaign's static HTML status site. */
#include "config.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "pubdir.h"
#include "vouch/codec.h"
#include "vouch/digest.h"
#include "vouch/statuspage.h"

/* A page being written: appends stop at the first error, kept in rc. */
struct page {
	vouch_buf b;
	int rc;
	vouch_err *err;
};

static void
put(struct page *p, const char *s)
{
	if (p->rc == VOUCH_OK)
		p->rc = vouch_buf_append_str(&p->b, s, p->err);
}

static void __attribute__((format(printf, 2, 3)))
putf(struct page *p, const char *fmt, ...)
{
	va_list ap;

	if (p->rc != VOUCH_OK)
		return;
	va_start(ap, fmt);
	p->rc = vouch_buf_vappendf(&p->b, p->err, fmt, ap);
	va_end(ap);
}

/* s, escaped for HTML text and double-quoted attribute values. */
static void
esc(struct page *p, const char *s)
{
	for (; *s != '\0' && p->rc == VOUCH_OK; s++) {
		switch (*s) {
		case '&': put(p, "&amp;"); break;
		case '<': put(p, "&lt;"); break;
		case '>': put(p, "&gt;"); break;
		case '"': put(p, "&quot;"); break;
		case '\'': put(p, "&#39;"); break;
		default: p->rc = vouch_buf_append_byte(&p->b, (unsigned char)*s, p->err);
		}
	}
}

enum { G_REPRODUCED, G_EQUIVALENT, G_FAILED, G_UNBUILT, G_N };
static const char *const group_ids[G_N] = { "reproduced", "equivalent", "failed", "could-not-build" };
static const char *const group_titles[G_N] = {
	"reproduced", "equivalent under normalization", "failed", "could not build"
};

static int
group_of(int verdict)
{
	switch (verdict) {
	case VOUCH_CS_REPRODUCED: return G_REPRODUCED;
	case VOUCH_CS_EQUIVALENT: return G_EQUIVALENT;
	case VOUCH_CS_FAILED:
	case VOUCH_CS_BAD_SIGNATURE: return G_FAILED;
	default: return G_UNBUILT;
	}
}

static const char css[] =
    "body{font:15px/1.4 system-ui,sans-serif;margin:1.5em;color:#1b1b1b;background:#fff}"
    "h1{font-size:1.5em;margin:0 0 .3em}h2{font-size:1.15em;margin:1.2em 0 .4em}"
    "table{border-collapse:collapse;margin:.4em 0}th,td{border:1px solid #ccc;padding:.25em .5em;"
    "text-align:left;vertical-align:top}th{background:#f2f2f2}code{font-size:.9em;word-break:break-all}"
    ".counts{display:flex;gap:1em;flex-wrap:wrap;margin:.8em 0}"
    ".count{border:1px solid #ccc;border-radius:6px;padding:.5em 1em;min-width:9em}"
    ".count b{display:block;font-size:1.8em}"
    ".v{font-weight:600;padding:0 .3em;border-radius:3px}"
    ".v-reproduced{background:#c8f0c8}.v-equivalent{background:#dcecff}"
    ".v-failed,.v-bad-signature{background:#ffd0d0}"
    ".v-build-error,.v-timeout,.v-missing-source{background:#ffe9b8}"
    "th button{font:inherit;font-weight:600;border:0;background:none;cursor:pointer;padding:0}"
    "th[aria-sort=ascending] button::after{content:' \\25B2'}"
    "th[aria-sort=descending] button::after{content:' \\25BC'}"
    ".tools{margin:.6em 0}.tools input{width:16em}";

/* The index's only script: filter and sort the item rows; reads
 * ?filter=, ?verdict=, ?sort= and ?order= on load. */
static const char script[] =
    "(function(){'use strict';"
    "var t=document.getElementById('items'),tb=t.tBodies[0],"
    "rows=Array.prototype.slice.call(tb.rows),ths=t.tHead.rows[0].cells,"
    "f=document.getElementById('filter'),v=document.getElementById('verdict'),"
    "n=document.getElementById('shown');"
    "function apply(){var q=f.value.toLowerCase(),w=v.value,k=0;"
    "rows.forEach(function(r){var ok=(!q||r.textContent.toLowerCase().indexOf(q)>=0)&&"
    "(!w||r.getAttribute('data-verdict')===w||r.getAttribute('data-group')===w);"
    "r.hidden=!ok;if(ok)k++;});"
    "n.textContent=k+' of '+rows.length+' items shown';}"
    "function key(r,c){var d=r.cells[c];var x=d.getAttribute('data-key');"
    "return x===null?d.textContent:x;}"
    "function sortBy(c,desc){rows.sort(function(a,b){var x=key(a,c),y=key(b,c),"
    "nx=Number(x),ny=Number(y),o;"
    "if(x!==''&&y!==''&&!isNaN(nx)&&!isNaN(ny))o=nx-ny;else o=x<y?-1:x>y?1:0;"
    "return desc?-o:o;});"
    "rows.forEach(function(r){tb.appendChild(r);});"
    "for(var i=0;i<ths.length;i++)ths[i].setAttribute('aria-sort',"
    "i===c?(desc?'descending':'ascending'):'none');}"
    "Array.prototype.forEach.call(ths,function(th,i){var b=th.querySelector('button');"
    "if(b)b.addEventListener('click',function(){"
    "sortBy(i,th.getAttribute('aria-sort')==='ascending');});});"
    "var p=new URLSearchParams(location.search);"
    "if(p.has('filter'))f.value=p.get('filter');"
    "if(p.has('verdict'))v.value=p.get('verdict');"
    "if(p.has('sort')){for(var j=0;j<ths.length;j++)"
    "if(ths[j].getAttribute('data-col')===p.get('sort'))sortBy(j,p.get('order')==='desc');}"
    "f.addEventListener('input',apply);v.addEventListener('change',apply);apply();"
    "document.body.setAttribute('data-ready','1');})();";

/* <head> with a policy allowing inline styles and, when with_script,
 * the index's script by its digest. */
static void
head(struct page *p, const char *title, int with_script)
{
	uint8_t md[32];
	vouch_buf b64;

	vouch_buf_init(&b64, 128);
	put(p, "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
	    "<meta name=\"viewport\" content=\"width=device-width\">"
	    "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; "
	    "style-src 'unsafe-inline'");
	if (with_script && p->rc == VOUCH_OK) {
		p->rc = vouch_sha256(script, sizeof(script) - 1, md, p->err);
		if (p->rc == VOUCH_OK)
			p->rc = vouch_b64_append(&b64, md, sizeof(md), VOUCH_B64_STD, p->err);
		putf(p, "; script-src 'sha256-%s'", vouch_buf_cstr(&b64));
	}
	put(p, "\"><title>");
	esc(p, title);
	putf(p, "</title><style>%s</style></head><body>\n", css);
	vouch_buf_free(&b64);
}

static void
verdict_span(struct page *p, int v)
{
	const char *name = vouch_campsum_verdict_name(v);

	putf(p, "<span class=\"v v-%s\">%s</span>", name, name);
}

static void
header_block(struct page *p, const vouch_campsum *s, const char *prefix)
{
	put(p, "<p>Lab <b>");
	esc(p, s->lab_name);
	put(p, "</b> (key <code>");
	esc(p, s->lab_keyid);
	put(p, "</code>) &middot; log <a href=\"");
	esc(p, s->log_url);
	put(p, "\">");
	esc(p, s->log_url);
	put(p, "</a> &middot; generated ");
	esc(p, s->generated);
	if (s->statement != NULL)
		putf(p, " &middot; <a href=\"%sstatement.json\">signed campaign statement</a>", prefix);
	put(p, "</p>\n");
}

static void
counts_block(struct page *p, const vouch_campsum *s)
{
	long long g[G_N] = { 0 };

	for (int v = 0; v < VOUCH_CS_NVERDICTS; v++)
		g[group_of(v)] += s->counts[v];
	put(p, "<div class=\"counts\">");
	for (int i = 0; i < G_N; i++)
		putf(p, "<div class=\"count\" id=\"count-%s\"><b>%lld</b>%s</div>", group_ids[i], g[i],
		    group_titles[i]);
	put(p, "</div>\n<table id=\"verdicts\"><tr>");
	for (int v = 0; v < VOUCH_CS_NVERDICTS; v++) {
		put(p, "<th>");
		verdict_span(p, v);
		put(p, "</th>");
	}
	put(p, "</tr><tr>");
	for (int v = 0; v < VOUCH_CS_NVERDICTS; v++)
		putf(p, "<td id=\"n-%s\">%lld</td>", vouch_campsum_verdict_name(v), s->counts[v]);
	put(p, "</tr></table>\n");
}

static void
runs_block(struct page *p, const vouch_campsum *s)
{
	put(p, "<h2>Runs</h2>\n<table id=\"runs\"><tr><th>run</th><th>started</th><th>finished</th></tr>");
	for (size_t i = 0; i < s->n_runs; i++) {
		put(p, "<tr><td>");
		esc(p, s->runs[i].id);
		put(p, "</td><td>");
		esc(p, s->runs[i].started);
		put(p, "</td><td>");
		esc(p, s->runs[i].finished != NULL ? s->runs[i].finished : "(running)");
		put(p, "</td></tr>");
	}
	put(p, "</table>\n");
}

static void
item_row(struct page *p, const vouch_campsum_item *it)
{
	const char *vn = vouch_campsum_verdict_name(it->verdict);

	putf(p, "<tr data-verdict=\"%s\" data-group=\"%s\"><td><a href=\"items/", vn,
	    group_ids[group_of(it->verdict)]);
	esc(p, it->id);
	put(p, ".html\">");
	esc(p, it->name);
	put(p, "</a></td><td>");
	esc(p, it->version);
	putf(p, "</td><td data-key=\"%d\">", it->verdict);
	verdict_span(p, it->verdict);
	put(p, "</td><td>");
	esc(p, it->reason);
	if (it->has_log_entry) {
		putf(p, "</td><td data-key=\"%lld\"><a href=\"items/", it->log_index);
		esc(p, it->id);
		putf(p, ".proof.txt\">%lld</a>", it->log_index);
	} else {
		put(p, "</td><td data-key=\"\">&mdash;");
	}
	put(p, "</td><td>");
	if (it->report_html != NULL) {
		put(p, "<a href=\"items/");
		esc(p, it->id);
		put(p, ".report.html\">diff</a>");
	}
	put(p, "</td><td>");
	esc(p, it->run);
	put(p, "</td><td>");
	for (size_t h = 0; h < it->n_history; h++) {
		if (h > 0)
			put(p, " ");
		putf(p, "<span class=\"v v-%s\" title=\"", vouch_campsum_verdict_name(it->history[h].verdict));
		esc(p, it->history[h].run);
		putf(p, "\">%.1s</span>", vouch_campsum_verdict_name(it->history[h].verdict));
	}
	put(p, "</td></tr>\n");
}

static void
index_page(struct page *p, const vouch_campsum *s)
{
	head(p, s->campaign, 1);
	put(p, "<h1>Campaign ");
	esc(p, s->campaign);
	put(p, "</h1>\n");
	header_block(p, s, "");
	counts_block(p, s);
	runs_block(p, s);
	put(p, "<h2>Items</h2>\n<div class=\"tools\"><label>Filter <input id=\"filter\" type=\"search\""
	    " placeholder=\"name, version, reason\"></label> <label>Verdict <select id=\"verdict\">"
	    "<option value=\"\">all</option>");
	for (int i = 0; i < G_N; i++)
		putf(p, "<option value=\"%s\">group: %s</option>", group_ids[i], group_titles[i]);
	for (int v = 0; v < VOUCH_CS_NVERDICTS; v++)
		putf(p, "<option value=\"%s\">%s</option>", vouch_campsum_verdict_name(v),
		    vouch_campsum_verdict_name(v));
	putf(p, "</select></label> <span id=\"shown\">%zu of %zu items shown</span></div>\n",
	    s->n_items, s->n_items);
	put(p, "<table id=\"items\"><thead><tr>");
	static const char *const cols[][2] = {
		{ "name", "item" }, { "version", "version" }, { "verdict", "verdict" },
		{ "reason", "reason" }, { "log", "log index" }, { "report", "report" },
		{ "run", "run" }, { "history", "history" }
	};
	for (size_t c = 0; c < sizeof(cols) / sizeof(cols[0]); c++)
		putf(p, "<th data-col=\"%s\" aria-sort=\"none\"><button type=\"button\">%s</button></th>",
		    cols[c][0], cols[c][1]);
	put(p, "</tr></thead><tbody>\n");
	for (size_t i = 0; i < s->n_items; i++)
		item_row(p, &s->items[i]);
	putf(p, "</tbody></table>\n<script>%s</script>\n</body></html>\n", script);
}

static void
kv_row(struct page *p, const char *th, const char *value)
{
	putf(p, "<tr><th>%s</th><td>", th);
	esc(p, value);
	put(p, "</td></tr>");
}

static void
item_page(struct page *p, const vouch_campsum *s, const vouch_campsum_item *it)
{
	head(p, it->name, 0);
	put(p, "<p><a href=\"../index.html\">&larr; campaign ");
	esc(p, s->campaign);
	put(p, "</a></p>\n<h1>");
	esc(p, it->name);
	put(p, " ");
	esc(p, it->version);
	put(p, "</h1>\n");
	header_block(p, s, "../");
	put(p, "<table id=\"item\"><tr><th>verdict</th><td id=\"verdict\">");
	verdict_span(p, it->verdict);
	put(p, "</td></tr>");
	kv_row(p, "reason", it->reason);
	kv_row(p, "lab", s->lab_name);
	kv_row(p, "item id", it->id);
	kv_row(p, "run", it->run);
	put(p, "<tr><th>normalization rules</th><td>");
	for (size_t r = 0; r < it->n_rules; r++) {
		put(p, r > 0 ? ", <code>" : "<code>");
		esc(p, it->rules[r]);
		put(p, "</code>");
	}
	put(p, it->n_rules == 0 ? "&mdash;</td></tr>" : "</td></tr>");
	put(p, "<tr><th>log index</th><td id=\"log\">");
	if (it->has_log_entry) {
		put(p, "<a href=\"");
		esc(p, it->id);
		putf(p, ".proof.txt\">%lld</a> (inclusion proof)", it->log_index);
	} else {
		put(p, "not logged");
	}
	put(p, "</td></tr><tr><th>evidence</th><td>");
	if (it->report_html != NULL) {
		put(p, "<a id=\"report\" href=\"");
		esc(p, it->id);
		put(p, ".report.html\">comparison report (HTML diff)</a> ");
	}
	if (it->envelope != NULL) {
		put(p, "<a href=\"");
		esc(p, it->id);
		put(p, ".envelope.json\">signed verdict (DSSE envelope)</a>");
	}
	put(p, "</td></tr></table>\n<h2>Artifacts</h2>\n<table id=\"artifacts\"><tr><th>file</th><th>sha256</th></tr>");
	for (size_t a = 0; a < it->n_artifacts; a++) {
		put(p, "<tr><td>");
		esc(p, it->artifacts[a].name);
		put(p, "</td><td><code>");
		esc(p, it->artifacts[a].sha256);
		put(p, "</code></td></tr>");
	}
	put(p, "</table>\n<h2>History</h2>\n<table id=\"history\"><tr><th>run</th><th>verdict</th><th>finished</th></tr>");
	for (size_t h = 0; h < it->n_history; h++) {
		put(p, "<tr><td>");
		esc(p, it->history[h].run);
		put(p, "</td><td>");
		verdict_span(p, it->history[h].verdict);
		put(p, "</td><td>");
		esc(p, it->history[h].finished);
		put(p, "</td></tr>");
	}
	put(p, "</table>\n</body></html>\n");
}

/* The policy put into copied reports: no scripts, nothing fetched. */
static const char report_csp[] =
    "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; "
    "style-src 'unsafe-inline'\">";

/* Where a report's <head ...> tag ends (just past its '>'), or 0. */
static size_t
after_head_tag(const char *s, size_t n)
{
	for (size_t i = 0; i + 5 < n; i++) {
		if (s[i] != '<' || strncasecmp(s + i + 1, "head", 4) != 0 ||
		    !(s[i + 5] == '>' || s[i + 5] == ' ' || s[i + 5] == '\t' || s[i + 5] == '\n'))
			continue;
		const char *gt = memchr(s + i, '>', n - i);
		return gt != NULL ? (size_t)(gt - s) + 1 : 0;
	}
	return 0;
}

/* Copy rel (beneath srcdir) to dst in the site; a report gets report_csp. */
static int
copy_in(pubdir *d, int srcdir, const char *rel, const char *dst, int is_report, vouch_err *err)
{
	vouch_buf in, out;
	size_t at;
	int fd, rc;

	vouch_buf_init(&in, VOUCH_STATUSPAGE_MAX_COPY + 1);
	vouch_buf_init(&out, VOUCH_STATUSPAGE_MAX_COPY + sizeof(report_csp));
	if ((rc = vouch_campsum_open(srcdir, rel, &fd, err)) != VOUCH_OK ||
	    (rc = pubdir_slurp(fd, rel, VOUCH_STATUSPAGE_MAX_COPY, &in, err)) != VOUCH_OK)
		goto out;
	if (!is_report) {
		rc = pubdir_write(d, dst, in.data, in.len, err);
		goto out;
	}
	if ((at = after_head_tag((const char *)in.data, in.len)) == 0) {
		rc = vouch_err_set(err, VOUCH_EINPUT, "report '%s' has no <head> tag", rel);
		goto out;
	}
	if ((rc = vouch_buf_append(&out, in.data, at, err)) == VOUCH_OK &&
	    (rc = vouch_buf_append_str(&out, report_csp, err)) == VOUCH_OK &&
	    (rc = vouch_buf_append(&out, in.data + at, in.len - at, err)) == VOUCH_OK)
		rc = pubdir_write(d, dst, out.data, out.len, err);
out:
	vouch_buf_free(&in);
	vouch_buf_free(&out);
	return rc;
}

static int
write_page(pubdir *d, struct page *p, const char *rel)
{
	int rc = p->rc != VOUCH_OK ? p->rc : pubdir_write(d, rel, p->b.data, p->b.len, p->err);

	vouch_buf_reset(&p->b);
	return rc;
}

static int
write_item(pubdir *d, int srcdir, const vouch_campsum *s, const vouch_campsum_item *it,
           struct page *p)
{
	char path[300];
	int rc;

	item_page(p, s, it);
	snprintf(path, sizeof(path), "items/%s.html", it->id); /* ids: at most 255 bytes */
	if ((rc = write_page(d, p, path)) != VOUCH_OK)
		return rc;
	snprintf(path, sizeof(path), "items/%s.report.html", it->id);
	if (it->report_html != NULL &&
	    (rc = copy_in(d, srcdir, it->report_html, path, 1, p->err)) != VOUCH_OK)
		return rc;
	snprintf(path, sizeof(path), "items/%s.proof.txt", it->id);
	if (it->has_log_entry && (rc = copy_in(d, srcdir, it->log_proof, path, 0, p->err)) != VOUCH_OK)
		return rc;
	snprintf(path, sizeof(path), "items/%s.envelope.json", it->id);
	if (it->envelope != NULL && (rc = copy_in(d, srcdir, it->envelope, path, 0, p->err)) != VOUCH_OK)
		return rc;
	return VOUCH_OK;
}

int
vouch_statuspage_write(const vouch_campsum *s, int srcdir, const char *outdir, vouch_err *err)
{
	struct page p = { .rc = VOUCH_OK, .err = err };
	pubdir d;
	int rc;

	vouch_buf_init(&p.b, 0);
	if ((rc = pubdir_begin(&d, outdir, err)) != VOUCH_OK)
		return rc;
	index_page(&p, s);
	if ((rc = write_page(&d, &p, "index.html")) != VOUCH_OK)
		goto fail;
	if (s->statement != NULL &&
	    (rc = copy_in(&d, srcdir, s->statement, "statement.json", 0, err)) != VOUCH_OK)
		goto fail;
	for (size_t i = 0; i < s->n_items; i++)
		if ((rc = write_item(&d, srcdir, s, &s->items[i], &p)) != VOUCH_OK) {
			vouch_err_prefix(err, "item '%s'", s->items[i].id);
			goto fail;
		}
	if ((rc = pubdir_commit(&d, err)) != VOUCH_OK)
		goto fail;
	vouch_buf_free(&p.b);
	return VOUCH_OK;
fail:
	pubdir_abort(&d);
	vouch_buf_free(&p.b);
	return rc;
}
