/* item.c - one campaign item, in a worker process: rebuild (vouch-rebuild
 * or vouch-debrebuild), compare (vouch-compare), attest (vouch-attest),
 * submit (vouch-log), then result.json, written atomically and last, so an
 * attempt without it did not happen. */
#include "config.h"

#include <dirent.h>
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cjson/cJSON.h>

#include "vouch/file.h"
#include "vouch/json.h"
#include "campaign_int.h"

#define REASON_MAX 400

struct item_run {
	const vouch_campaign *c;
	const vouch_campaign_opts *o;
	const struct campaign_item *it;
	const char *outdir;
	vouch_buf rel;   /* the attempt folder, relative to outdir */
	vouch_buf abs;   /* the same, absolute */
	int verdict;
	char reason[REASON_MAX + 1];
	cJSON *rules;    /* array */
	cJSON *arts;     /* array of {name, sha256} */
	int have_envelope, have_html;
	long long log_index;
	char inputs[65];
	char name[256], version[256];
};

/* dir/leaf of the attempt folder into b (absolute or relative). */
static const char *
at(vouch_buf *b, const vouch_buf *dir, const char *leaf)
{
	vouch_buf_reset(b);
	if (vouch_buf_appendf(b, NULL, "%s/%s", vouch_buf_cstr(dir), leaf) != VOUCH_OK)
		return "/nonexistent";
	return vouch_buf_cstr(b);
}

static void set_verdict(struct item_run *r, int v, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static void
set_verdict(struct item_run *r, int v, const char *fmt, ...)
{
	va_list ap;

	r->verdict = v;
	va_start(ap, fmt);
	if (vsnprintf(r->reason, sizeof r->reason, fmt, ap) < 0)
		r->reason[0] = '\0';
	va_end(ap);
}

/* The tool's own message in a file of stderr: the first line that starts
 * with "vouch-" (a build log may follow it), else the last non-empty line;
 * at most outsz - 1 bytes, control characters blanked. */
static void
last_line(const char *path, char *out, size_t outsz)
{
	vouch_buf b;
	size_t pos = 0, best_s = 0, best_e = 0;

	out[0] = '\0';
	vouch_buf_init(&b, 1 << 20);
	if (vouch_read_file(path, 1 << 20, &b, NULL) != VOUCH_OK || b.len == 0) {
		vouch_buf_free(&b);
		return;
	}
	while (pos < b.len) {
		const unsigned char *nl = memchr(b.data + pos, '\n', b.len - pos);
		size_t end = nl ? (size_t)(nl - b.data) : b.len;

		if (end > pos) {
			best_s = pos;
			best_e = end;
			if (end - pos > 6 && memcmp(b.data + pos, "vouch-", 6) == 0)
				break;
		}
		pos = end + 1;
	}
	snprintf(out, outsz, "%.*s", (int)(best_e - best_s), (const char *)b.data + best_s);
	for (char *p = out; *p; p++)
		if ((unsigned char)*p < 0x20)
			*p = ' ';
	vouch_buf_free(&b);
}

static int
file_has(const char *path, const char *needle)
{
	vouch_buf b;
	int found;

	vouch_buf_init(&b, 1 << 20);
	found = vouch_read_file(path, 1 << 20, &b, NULL) == VOUCH_OK && b.len > 0 &&
	    vouch_buf_append_byte(&b, 0, NULL) == VOUCH_OK && strstr((const char *)b.data, needle) != NULL;
	vouch_buf_free(&b);
	return found;
}

static int
exists(const char *p)
{
	struct stat st;

	return p != NULL && stat(p, &st) == 0;
}

static int
add_artifact(struct item_run *r, const char *path, vouch_err *err)
{
	const char *base = strrchr(path, '/');
	char hex[65];
	cJSON *a;
	int rc;

	if ((rc = campaign_file_sha256(path, hex, err)) != VOUCH_OK)
		return rc;
	if (strcmp(hex, "missing") == 0)
		return VOUCH_OK;
	if ((a = cJSON_CreateObject()) == NULL || !cJSON_AddItemToArray(r->arts, a) ||
	    vouch_json_add_string(a, "name", base ? base + 1 : path, err) == NULL ||
	    vouch_json_add_string(a, "sha256", hex, err) == NULL)
		return vouch_err_set(err, VOUCH_ENOMEM, "out of memory");
	return VOUCH_OK;
}

/* name and version: the item's, else the recipe's (or the .buildinfo's
 * Source and Version), else the id and "". */
static void
find_name(struct item_run *r)
{
	const struct campaign_item *it = r->it;
	vouch_buf b;
	cJSON *j = NULL;

	snprintf(r->name, sizeof r->name, "%s", it->name ? it->name : it->id);
	snprintf(r->version, sizeof r->version, "%s", it->version ? it->version : "");
	if (it->name && it->version)
		return;
	vouch_buf_init(&b, 1 << 20);
	if (it->recipe != NULL && vouch_read_file(it->recipe, 1 << 20, &b, NULL) == VOUCH_OK &&
	    vouch_json_parse((const char *)b.data, b.len, &j, NULL) == VOUCH_OK) {
		const char *n = vouch_json_get_string(j, "name"), *v = vouch_json_get_string(j, "version");

		if (!it->name && n)
			snprintf(r->name, sizeof r->name, "%s", n);
		if (!it->version && v)
			snprintf(r->version, sizeof r->version, "%s", v);
	} else if (it->buildinfo != NULL && vouch_read_file(it->buildinfo, 1 << 20, &b, NULL) == VOUCH_OK &&
	    vouch_buf_append_byte(&b, 0, NULL) == VOUCH_OK) {
		char *s = (char *)b.data, *line, *save = NULL;

		for (line = strtok_r(s, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
			if (!it->name && strncmp(line, "Source: ", 8) == 0)
				snprintf(r->name, sizeof r->name, "%.*s", (int)strcspn(line + 8, " "), line + 8);
			if (!it->version && strncmp(line, "Version: ", 9) == 0)
				snprintf(r->version, sizeof r->version, "%s", line + 9);
		}
	}
	cJSON_Delete(j);
	vouch_buf_free(&b);
}

/* Run a tool of the suite: argv[0] is its short name. */
static int
tool(struct item_run *r, const char **argv, const char *out, const char *errf, int *status,
    vouch_err *err)
{
	vouch_buf t;
	const char *name = argv[0];
	int rc;

	vouch_buf_init(&t, 0);
	if ((rc = campaign_tool(r->o, name, &t, err)) == VOUCH_OK) {
		argv[0] = vouch_buf_cstr(&t);
		rc = campaign_run_wait(argv, out, errf, status, err);
		argv[0] = name;
	}
	vouch_buf_free(&t);
	return rc;
}

/* A rebuild that did not succeed: which verdict, why. */
static void
rebuild_failed(struct item_run *r, int st, const char *errpath)
{
	char line[REASON_MAX + 1];

	last_line(errpath, line, sizeof line);
	if (file_has(errpath, "timeout limit"))
		set_verdict(r, V_TIMEOUT, "%s", line);
	else if (st == 2 && (file_has(errpath, "source") &&
	    (file_has(errpath, "missing") || file_has(errpath, "No such file") ||
		file_has(errpath, "digest") || file_has(errpath, "not found"))))
		set_verdict(r, V_MISSING_SOURCE, "%s", line);
	else
		set_verdict(r, V_BUILD_ERROR, "%s", line[0] ? line : "the rebuild failed");
}

/* The shipped artifacts' signature: the signer's statement must cover
 * every shipped artifact. */
static int
check_signature(struct item_run *r, vouch_err *err)
{
	const char *argv[8 + 2 * VOUCH_CAMPAIGN_MAX_ARTIFACTS];
	vouch_buf e, o;
	size_t n = 0;
	int st, rc;

	if (r->it->signature == NULL)
		return VOUCH_OK;
	if (!exists(r->it->signature)) {
		set_verdict(r, V_BAD_SIGNATURE, "the signature '%s' is missing", r->it->signature);
		return VOUCH_OK;
	}
	vouch_buf_init(&e, 0);
	vouch_buf_init(&o, 0);
	for (size_t k = 0; k < r->it->narts; k++) {
		argv[0] = "verify"; argv[1] = "-p"; argv[2] = r->it->signer;
		argv[3] = "-a"; argv[4] = r->it->arts[k].shipped; argv[5] = r->it->signature;
		argv[6] = NULL;
		n = 6;
		(void)n;
		rc = tool(r, argv, at(&o, &r->abs, "signature.out"), at(&e, &r->abs, "signature.err"),
		    &st, err);
		if (rc != VOUCH_OK)
			break;
		if (st != 0) {
			char line[REASON_MAX + 1];

			last_line(vouch_buf_cstr(&e), line, sizeof line);
			set_verdict(r, V_BAD_SIGNATURE, "no valid signature over '%.100s'%s%.250s",
			    strrchr(r->it->arts[k].shipped, '/') + 1, line[0] ? ": " : "", line);
			break;
		}
	}
	vouch_buf_free(&e);
	vouch_buf_free(&o);
	return rc;
}

/* The compare report's verdict, rules and one-line reason. */
static int
read_report(struct item_run *r, const char *path, int *worst, vouch_err *err)
{
	const cJSON *d, *rules, *x;
	const char *v, *sum;
	vouch_buf b;
	cJSON *j = NULL;
	int rc;

	vouch_buf_init(&b, 256u << 20);
	if ((rc = vouch_read_file(path, 256u << 20, &b, err)) == VOUCH_OK)
		rc = vouch_json_parse((const char *)b.data, b.len, &j, err);
	vouch_buf_free(&b);
	if (rc != VOUCH_OK)
		return rc;
	v = vouch_json_get_string(j, "verdict");
	d = vouch_json_get_array(j, "differences");
	sum = d && cJSON_GetArraySize(d) > 0 ? vouch_json_get_string(cJSON_GetArrayItem(d, 0), "summary")
					     : NULL;
	if (v && strcmp(v, "different") == 0) {
		if (*worst < V_FAILED || r->verdict != V_FAILED)
			set_verdict(r, V_FAILED, "%s", sum ? sum : "differs");
		*worst = V_FAILED;
	} else if (v && strcmp(v, "equivalent") == 0 && *worst < V_EQUIVALENT) {
		*worst = V_EQUIVALENT;
		set_verdict(r, V_EQUIVALENT, "equivalent after normalization");
	}
	if ((rules = vouch_json_get_array(j, "rulesNeeded")) != NULL)
		cJSON_ArrayForEach(x, rules)
			if (cJSON_IsString(x)) {
				int dup = 0;
				const cJSON *y;

				cJSON_ArrayForEach(y, r->rules)
					dup |= strcmp(y->valuestring, x->valuestring) == 0;
				if (!dup && !cJSON_AddItemToArray(r->rules, cJSON_CreateString(x->valuestring)))
					rc = vouch_err_set(err, VOUCH_ENOMEM, "out of memory");
			}
	cJSON_Delete(j);
	return rc;
}

/* Compare every artifact; sign the verdicts. */
static int
compare_all(struct item_run *r, vouch_err *err)
{
	const char *norm = r->it->normalize ? r->it->normalize : r->c->normalize;
	const char *argv[16];
	vouch_buf a, b, c, d, e, f;
	int st, rc = VOUCH_OK, worst = V_REPRODUCED;

	vouch_buf_init(&a, 0); vouch_buf_init(&b, 0); vouch_buf_init(&c, 0);
	vouch_buf_init(&d, 0); vouch_buf_init(&e, 0); vouch_buf_init(&f, 0);
	set_verdict(r, V_REPRODUCED, "identical");
	for (size_t k = 0; k < r->it->narts && rc == VOUCH_OK; k++) {
		char leaf[64], rebuilt[PATH_MAX];
		size_t n = 0;

		snprintf(rebuilt, sizeof rebuilt, "%s/rebuilt/%s", vouch_buf_cstr(&r->abs),
		    r->it->arts[k].output);
		if (!exists(rebuilt)) {
			set_verdict(r, V_BUILD_ERROR, "the rebuild did not produce '%s'", r->it->arts[k].output);
			worst = V_BUILD_ERROR;
			break;
		}
		argv[n++] = "compare";
		argv[n++] = "--statement";
		argv[n++] = "--provenance";
		argv[n++] = at(&a, &r->abs, "provenance.intoto.jsonl");
		snprintf(leaf, sizeof leaf, "report-%zu.json", k);
		argv[n++] = "--report";
		argv[n++] = at(&b, &r->abs, leaf);
		snprintf(leaf, sizeof leaf, "report-%zu.html", k);
		argv[n++] = "--html";
		argv[n++] = at(&c, &r->abs, leaf);
		if (norm != NULL) {
			argv[n++] = "--normalize";
			argv[n++] = norm;
		}
		argv[n++] = rebuilt;
		argv[n++] = r->it->arts[k].shipped;
		argv[n] = NULL;
		snprintf(leaf, sizeof leaf, "verdict-%zu.json", k);
		if ((rc = tool(r, argv, at(&d, &r->abs, leaf), at(&e, &r->abs, "compare.err"), &st,
			 err)) != VOUCH_OK)
			break;
		if (st > 1) {
			char line[REASON_MAX + 1];

			last_line(vouch_buf_cstr(&e), line, sizeof line);
			rc = vouch_err_set(err, VOUCH_EIO, "vouch-compare failed: %s", line);
			break;
		}
		if ((rc = read_report(r, vouch_buf_cstr(&b), &worst, err)) != VOUCH_OK)
			break;
	}
	if (rc == VOUCH_OK && worst <= V_FAILED) {
		/* sign every verdict in one run */
		const char *sv[8 + VOUCH_CAMPAIGN_MAX_ARTIFACTS];
		vouch_buf *names = calloc(r->it->narts, sizeof *names);
		size_t n = 0;

		if (names == NULL)
			rc = vouch_err_set(err, VOUCH_ENOMEM, "out of memory");
		sv[n++] = "attest"; sv[n++] = "-k"; sv[n++] = r->c->lab_key; sv[n++] = "-o";
		sv[n++] = at(&f, &r->abs, "verdict.intoto.jsonl");
		for (size_t k = 0; names && k < r->it->narts; k++) {
			char leaf[64];

			vouch_buf_init(&names[k], 0);
			snprintf(leaf, sizeof leaf, "verdict-%zu.json", k);
			sv[n++] = at(&names[k], &r->abs, leaf);
		}
		sv[n] = NULL;
		if (rc == VOUCH_OK && (rc = tool(r, sv, NULL, at(&e, &r->abs, "attest.err"), &st, err)) ==
		    VOUCH_OK && st != 0) {
			char line[REASON_MAX + 1];

			last_line(vouch_buf_cstr(&e), line, sizeof line);
			rc = vouch_err_set(err, VOUCH_EIO, "vouch-attest failed: %s", line);
		}
		for (size_t k = 0; names && k < r->it->narts; k++)
			vouch_buf_free(&names[k]);
		free(names);
		r->have_envelope = rc == VOUCH_OK;
		r->have_html = rc == VOUCH_OK && r->it->narts >= 1;
	}
	vouch_buf_free(&a); vouch_buf_free(&b); vouch_buf_free(&c);
	vouch_buf_free(&d); vouch_buf_free(&e); vouch_buf_free(&f);
	return rc;
}

/* Submit provenance and verdicts; keep the verdict's answer as its proof. */
static int
submit(struct item_run *r, vouch_err *err)
{
	const char *argv[12];
	vouch_buf a, b, c, d, resp;
	size_t n = 0;
	int st, rc;

	vouch_buf_init(&a, 0); vouch_buf_init(&b, 0); vouch_buf_init(&c, 0);
	vouch_buf_init(&d, 0); vouch_buf_init(&resp, 1 << 24);
	argv[n++] = "log";
	argv[n++] = "-l";
	argv[n++] = r->c->log_url;
	if (r->c->log_verifier != NULL) {
		argv[n++] = "-K";
		argv[n++] = r->c->log_verifier;
	}
	argv[n++] = "submit";
	argv[n++] = at(&a, &r->abs, "provenance.intoto.jsonl");
	argv[n++] = at(&b, &r->abs, "verdict.intoto.jsonl");
	argv[n] = NULL;
	rc = tool(r, argv, at(&c, &r->abs, "submitted.jsonl"), at(&d, &r->abs, "submit.err"), &st, err);
	if (rc == VOUCH_OK && st != 0) {
		char line[REASON_MAX + 1];

		last_line(vouch_buf_cstr(&d), line, sizeof line);
		rc = vouch_err_set(err, VOUCH_EIO, "vouch-log submit failed: %s", line);
	}
	if (rc == VOUCH_OK)
		rc = vouch_read_file(vouch_buf_cstr(&c), 1 << 24, &resp, err);
	if (rc == VOUCH_OK) {
		/* line 1 answers the provenance, line 2 the first verdict */
		const char *s = (const char *)resp.data, *end = s + resp.len, *l2;
		const char *nl = memchr(s, '\n', resp.len);
		cJSON *j = NULL;
		long long idx;

		l2 = nl ? nl + 1 : end;
		nl = memchr(l2, '\n', (size_t)(end - l2));
		if (l2 >= end ||
		    vouch_json_parse(l2, (size_t)((nl ? nl : end) - l2), &j, err) != VOUCH_OK ||
		    vouch_json_get_int(j, "index", 0, (long long)1 << 62, &idx, err) != VOUCH_OK)
			rc = vouch_err_set(err, VOUCH_EIO, "vouch-log submit: no answer for the verdict");
		else {
			r->log_index = idx;
			rc = vouch_write_file_atomic(at(&a, &r->abs, "verdict.proof.json"), l2,
			    (size_t)((nl ? nl + 1 : end) - l2), 0644, err);
		}
		cJSON_Delete(j);
	}
	vouch_buf_free(&a); vouch_buf_free(&b); vouch_buf_free(&c);
	vouch_buf_free(&d); vouch_buf_free(&resp);
	return rc;
}

static int
recipe_item(struct item_run *r, vouch_err *err)
{
	const struct campaign_item *it = r->it;
	const char *argv[16];
	vouch_buf a, b, c;
	size_t n = 0;
	int st, rc;

	for (size_t k = 0; k < it->narts; k++)
		if ((rc = add_artifact(r, it->arts[k].shipped, err)) != VOUCH_OK)
			return rc;
	if (!exists(it->recipe)) {
		set_verdict(r, V_MISSING_SOURCE, "the recipe '%s' is missing", it->recipe);
		return VOUCH_OK;
	}
	if (it->source != NULL && !exists(it->source)) {
		set_verdict(r, V_MISSING_SOURCE, "the source '%s' is missing", strrchr(it->source, '/') + 1);
		return VOUCH_OK;
	}
	for (size_t k = 0; k < it->narts; k++)
		if (!exists(it->arts[k].shipped)) {
			set_verdict(r, V_MISSING_SOURCE, "the shipped artifact '%s' is missing",
			    strrchr(it->arts[k].shipped, '/') + 1);
			return VOUCH_OK;
		}
	if ((rc = check_signature(r, err)) != VOUCH_OK || r->verdict == V_BAD_SIGNATURE)
		return rc;
	vouch_buf_init(&a, 0); vouch_buf_init(&b, 0); vouch_buf_init(&c, 0);
	argv[n++] = "rebuild";
	argv[n++] = "-r";
	argv[n++] = it->recipe;
	if (it->source) {
		argv[n++] = "-s";
		argv[n++] = it->source;
	}
	if (it->environment) {
		argv[n++] = "-e";
		argv[n++] = it->environment;
	}
	argv[n++] = "-o";
	argv[n++] = at(&a, &r->abs, "rebuilt");
	argv[n] = NULL;
	rc = tool(r, argv, at(&b, &r->abs, "provenance.json"), at(&c, &r->abs, "rebuild.err"), &st, err);
	if (rc == VOUCH_OK && st != 0) {
		rebuild_failed(r, st, vouch_buf_cstr(&c));
		goto out;
	}
	if (rc != VOUCH_OK)
		goto out;
	{
		const char *av[] = { "attest", "-k", r->c->lab_key, "-o",
			at(&a, &r->abs, "provenance.intoto.jsonl"), vouch_buf_cstr(&b), NULL };

		if ((rc = tool(r, av, NULL, at(&c, &r->abs, "attest.err"), &st, err)) == VOUCH_OK && st != 0) {
			char line[REASON_MAX + 1];

			last_line(vouch_buf_cstr(&c), line, sizeof line);
			rc = vouch_err_set(err, VOUCH_EIO, "vouch-attest failed: %s", line);
		}
	}
	if (rc == VOUCH_OK)
		rc = compare_all(r, err);
	if (rc == VOUCH_OK && r->have_envelope)
		rc = submit(r, err);
out:
	vouch_buf_free(&a); vouch_buf_free(&b); vouch_buf_free(&c);
	return rc;
}

/* A Debian item: vouch-debrebuild does rebuild and comparison with the
 * shipped .debs; the VSA statements it leaves are signed and logged. */
static int
debian_item(struct item_run *r, vouch_err *err)
{
	const struct campaign_item *it = r->it;
	const char *argv[20];
	vouch_buf a, b, c, d;
	size_t n = 0;
	int st, rc = VOUCH_OK;
	DIR *dir;
	struct dirent *e;

	if (!exists(it->buildinfo)) {
		set_verdict(r, V_MISSING_SOURCE, "the buildinfo '%s' is missing", strrchr(it->buildinfo, '/') + 1);
		return VOUCH_OK;
	}
	if ((dir = opendir(it->shipped_dir)) == NULL) {
		set_verdict(r, V_MISSING_SOURCE, "the shipped folder '%s' is missing", it->shipped_dir);
		return VOUCH_OK;
	}
	vouch_buf_init(&a, 0); vouch_buf_init(&b, 0); vouch_buf_init(&c, 0); vouch_buf_init(&d, 0);
	while (rc == VOUCH_OK && (e = readdir(dir)) != NULL)
		if (e->d_name[0] != '.' && strstr(e->d_name, ".deb") != NULL) {
			vouch_buf_reset(&a);
			if ((rc = vouch_buf_appendf(&a, err, "%s/%s", it->shipped_dir, e->d_name)) == VOUCH_OK)
				rc = add_artifact(r, vouch_buf_cstr(&a), err);
		}
	closedir(dir);
	if (rc != VOUCH_OK)
		goto out;
	argv[n++] = "debrebuild";
	argv[n++] = "-o";
	argv[n++] = at(&a, &r->abs, "deb");
	argv[n++] = "--shipped";
	argv[n++] = it->shipped_dir;
	if (r->c->deb_mirror) { argv[n++] = "-m"; argv[n++] = r->c->deb_mirror; }
	if (r->c->deb_suite) { argv[n++] = "-d"; argv[n++] = r->c->deb_suite; }
	if (r->c->deb_cache) { argv[n++] = "-c"; argv[n++] = r->c->deb_cache; }
	argv[n++] = it->buildinfo;
	argv[n] = NULL;
	rc = tool(r, argv, at(&b, &r->abs, "debrebuild.out"), at(&c, &r->abs, "debrebuild.err"), &st, err);
	if (rc != VOUCH_OK)
		goto out;
	if (file_has(vouch_buf_cstr(&b), "shipped-differs") || file_has(vouch_buf_cstr(&b), "shipped-missing"))
		set_verdict(r, V_FAILED, "%s", "a rebuilt package differs from the shipped one");
	else if (st == 0 && file_has(vouch_buf_cstr(&b), "shipped-identical"))
		set_verdict(r, V_REPRODUCED, "%s", "every package identical to the shipped one");
	else {
		rebuild_failed(r, st, vouch_buf_cstr(&c));
		goto out;
	}
	{
		/* sign provenance and every VSA; one envelope file each */
		const char *pv[] = { "attest", "-k", r->c->lab_key, "-o",
			at(&a, &r->abs, "provenance.intoto.jsonl"), at(&d, &r->abs, "deb/provenance.json"), NULL };
		vouch_buf vsa;
		const char *sv[8 + 64];
		char **names = NULL;
		size_t nv = 0;

		if ((rc = tool(r, pv, NULL, at(&c, &r->abs, "attest.err"), &st, err)) == VOUCH_OK && st != 0)
			rc = vouch_err_set(err, VOUCH_EIO, "vouch-attest failed on the provenance");
		vouch_buf_init(&vsa, 0);
		if (rc == VOUCH_OK && (dir = opendir(at(&vsa, &r->abs, "deb/vsa"))) != NULL) {
			names = calloc(64, sizeof *names);
			while (names && nv < 64 && (e = readdir(dir)) != NULL) {
				size_t l = strlen(e->d_name);

				if (l > 5 && strcmp(e->d_name + l - 5, ".json") == 0) {
					vouch_buf p;

					vouch_buf_init(&p, 0);
					if (vouch_buf_appendf(&p, err, "%s/deb/vsa/%s", vouch_buf_cstr(&r->abs),
						e->d_name) == VOUCH_OK)
						names[nv++] = (char *)vouch_buf_detach(&p, NULL, err);
					vouch_buf_free(&p);
				}
			}
			closedir(dir);
		}
		if (rc == VOUCH_OK && nv > 0) {
			size_t m = 0;

			sv[m++] = "attest"; sv[m++] = "-k"; sv[m++] = r->c->lab_key; sv[m++] = "-o";
			sv[m++] = at(&vsa, &r->abs, "verdict.intoto.jsonl");
			for (size_t k = 0; k < nv; k++)
				if (names[k])
					sv[m++] = names[k];
			sv[m] = NULL;
			if ((rc = tool(r, sv, NULL, at(&c, &r->abs, "attest.err"), &st, err)) == VOUCH_OK && st != 0)
				rc = vouch_err_set(err, VOUCH_EIO, "vouch-attest failed on the verdicts");
			r->have_envelope = rc == VOUCH_OK;
		}
		for (size_t k = 0; k < nv; k++)
			free(names[k]);
		free(names);
		vouch_buf_free(&vsa);
	}
	if (rc == VOUCH_OK && r->have_envelope)
		rc = submit(r, err);
out:
	vouch_buf_free(&a); vouch_buf_free(&b); vouch_buf_free(&c); vouch_buf_free(&d);
	return rc;
}

static int
write_result(struct item_run *r, const char *run, unsigned attempt, vouch_err *err)
{
	cJSON *j = cJSON_CreateObject(), *le;
	vouch_buf p, out;
	char now[32], *s = NULL;
	int rc = VOUCH_OK;

	vouch_buf_init(&p, 0);
	vouch_buf_init(&out, 0);
	campaign_now(now);
	if (j == NULL ||
	    vouch_json_add_string(j, "id", r->it->id, err) == NULL ||
	    vouch_json_add_string(j, "name", r->name, err) == NULL ||
	    vouch_json_add_string(j, "version", r->version, err) == NULL ||
	    vouch_json_add_string(j, "verdict", vouch_campaign_verdict_name((unsigned)r->verdict), err) == NULL ||
	    vouch_json_add_string(j, "reason", r->reason, err) == NULL ||
	    !cJSON_AddItemToObject(j, "rules", r->rules) ||
	    vouch_json_add_string(j, "run", run, err) == NULL ||
	    cJSON_AddNumberToObject(j, "attempt", attempt) == NULL ||
	    !cJSON_AddItemToObject(j, "artifacts", r->arts) ||
	    vouch_json_add_string(j, "inputs_digest", r->inputs, err) == NULL ||
	    vouch_json_add_string(j, "finished", now, err) == NULL) {
		cJSON_Delete(j);
		return vouch_err_set(err, VOUCH_ENOMEM, "out of memory");
	}
	r->rules = r->arts = NULL;
	if (r->have_envelope)
		vouch_json_add_string(j, "envelope", at(&p, &r->rel, "verdict.intoto.jsonl"), err);
	else
		cJSON_AddNullToObject(j, "envelope");
	if (r->have_html)
		vouch_json_add_string(j, "report_html", at(&p, &r->rel, "report-0.html"), err);
	else
		cJSON_AddNullToObject(j, "report_html");
	if (r->log_index >= 0 && (le = cJSON_AddObjectToObject(j, "log_entry")) != NULL) {
		cJSON_AddNumberToObject(le, "index", (double)r->log_index);
		vouch_json_add_string(le, "proof", at(&p, &r->rel, "verdict.proof.json"), err);
	} else
		cJSON_AddNullToObject(j, "log_entry");
	if ((s = cJSON_PrintUnformatted(j)) == NULL)
		rc = vouch_err_set(err, VOUCH_ENOMEM, "out of memory");
	if (rc == VOUCH_OK && (rc = vouch_buf_appendf(&out, err, "%s\n", s)) == VOUCH_OK)
		rc = vouch_write_file_atomic(at(&p, &r->abs, "result.json"), out.data, out.len, 0644, err);
	free(s);
	cJSON_Delete(j);
	vouch_buf_free(&p);
	vouch_buf_free(&out);
	return rc;
}

static int
item_begin(struct item_run *r, const vouch_campaign *c, const vouch_campaign_opts *o, size_t index,
    const char *run, unsigned attempt, vouch_err *err)
{
	const char *outdir = campaign_outdir(c, o);
	int rc;

	memset(r, 0, sizeof *r);
	r->c = c;
	r->o = o;
	r->it = &c->items[index];
	r->outdir = outdir;
	r->log_index = -1;
	vouch_buf_init(&r->rel, 0);
	vouch_buf_init(&r->abs, 0);
	r->rules = cJSON_CreateArray();
	r->arts = cJSON_CreateArray();
	if (r->rules == NULL || r->arts == NULL)
		return vouch_err_set(err, VOUCH_ENOMEM, "out of memory");
	if (outdir == NULL)
		return vouch_err_set(err, VOUCH_EUSAGE, "campaign: no output folder");
	if ((rc = campaign_attempt_dir(r->it, run, attempt, &r->rel, err)) != VOUCH_OK ||
	    (rc = vouch_buf_appendf(&r->abs, err, "%s/%s", outdir, vouch_buf_cstr(&r->rel))) != VOUCH_OK)
		return rc;
	find_name(r);
	return VOUCH_OK;
}

static void
item_end(struct item_run *r)
{
	cJSON_Delete(r->rules);
	cJSON_Delete(r->arts);
	vouch_buf_free(&r->rel);
	vouch_buf_free(&r->abs);
}

int
vouch_campaign_item(const vouch_campaign *c, const vouch_campaign_opts *o, size_t index,
    const char *run, unsigned attempt, vouch_err *err)
{
	struct item_run r;
	vouch_buf lock;
	int rc, lfd = -1;

	if (index >= c->nitems)
		return vouch_err_set(err, VOUCH_EUSAGE, "campaign: no item %zu", index);
	/* one worker per attempt: a worker left over from a killed
	 * coordinator keeps its lock, and a second one gives up */
	vouch_buf_init(&lock, 0);
	if ((rc = item_begin(&r, c, o, index, run, attempt, err)) == VOUCH_OK &&
	    (rc = vouch_buf_appendf(&lock, err, "%s.lock", vouch_buf_cstr(&r.abs))) == VOUCH_OK) {
		char *slash = strrchr((char *)lock.data, '/');

		*slash = '\0';
		rc = campaign_mkdirs(vouch_buf_cstr(&lock), err);
		*slash = '/';
		if (rc == VOUCH_OK &&
		    ((lfd = open(vouch_buf_cstr(&lock), O_RDWR | O_CREAT | O_CLOEXEC, 0644)) < 0 ||
			flock(lfd, LOCK_EX | LOCK_NB) != 0))
			rc = vouch_err_sys(err, VOUCH_EEXIST, "attempt '%s' is already running",
			    vouch_buf_cstr(&r.rel));
	}
	if (rc == VOUCH_OK &&
	    (rc = campaign_rmtree(vouch_buf_cstr(&r.abs), err)) == VOUCH_OK &&
	    (rc = campaign_mkdirs(vouch_buf_cstr(&r.abs), err)) == VOUCH_OK &&
	    (rc = campaign_inputs_digest(c, index, r.inputs, err)) == VOUCH_OK) {
		rc = r.it->buildinfo ? debian_item(&r, err) : recipe_item(&r, err);
		if (rc == VOUCH_OK)
			rc = write_result(&r, run, attempt, err);
	}
	if (lfd >= 0)
		close(lfd);
	vouch_buf_free(&lock);
	item_end(&r);
	return rc;
}

int
campaign_write_lost_result(const vouch_campaign *c, const char *outdir, size_t i, const char *run,
    unsigned attempt, const char *reason, vouch_err *err)
{
	vouch_campaign_opts o = { 0 };
	struct item_run r;
	int rc;

	o.outdir = outdir;
	if ((rc = item_begin(&r, c, &o, i, run, attempt, err)) == VOUCH_OK &&
	    (rc = campaign_mkdirs(vouch_buf_cstr(&r.abs), err)) == VOUCH_OK &&
	    (rc = campaign_inputs_digest(c, i, r.inputs, err)) == VOUCH_OK) {
		for (size_t k = 0; k < r.it->narts && rc == VOUCH_OK; k++)
			rc = add_artifact(&r, r.it->arts[k].shipped, err);
		set_verdict(&r, V_BUILD_ERROR, "%s", reason);
		if (rc == VOUCH_OK)
			rc = write_result(&r, run, attempt, err);
	}
	item_end(&r);
	return rc;
}
