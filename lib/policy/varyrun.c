/* varyrun.c - rebuild under variations, bisect to the culprit, say it as a
 * statement (see vouch/varyrun.h). */
#include "config.h"

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/stat.h>

#include "vouch/buf.h"
#include "vouch/codec.h"
#include "vouch/compare.h"
#include "vouch/file.h"
#include "vouch/json.h"
#include "vouch/rfc3339.h"
#include "vouch/statement.h"
#include "vouch/unpack.h"
#include "vouch/vary.h"
#include "vouch/varyrun.h"

#define VR_MAX_DIFFS 100      /* differences named in the predicate */
#define VR_SUMMARY_PATHS 4    /* and in the sentence */

struct vbuild {
	unsigned set;
	int differs;
	int failed;                /* the varied build failed */
	char name[32];             /* directory below the base */
	char *fail_msg;
	cJSON *outputs;            /* the statement's subjects */
};

struct vr {
	const vouch_recipe *r;
	const vouch_varyrun_opts *o;
	vouch_varyrun_result *res;
	char rootfs[PATH_MAX];     /* the environment's root, "" = host */
	struct vbuild b[VOUCH_VARYRUN_MAX_BUILDS];
	size_t n;
};

static double
now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static int
path_in(const struct vr *vr, const char *name, const char *suffix, char *out, size_t cap,
        vouch_err *err)
{
	if ((size_t)snprintf(out, cap, "%s/%s%s", vr->o->rebuild.outdir, name, suffix) >= cap)
		return vouch_err_set(err, VOUCH_ELIMIT, "'%s': path too long", vr->o->rebuild.outdir);
	return VOUCH_OK;
}

/* The subjects of a rebuild's statement. */
static cJSON *
subjects_of(const char *statement, size_t len, vouch_err *err)
{
	cJSON *root = NULL, *s;

	if (vouch_json_parse(statement, len, &root, err) != VOUCH_OK)
		return NULL;
	s = cJSON_DetachItemFromObjectCaseSensitive(root, "subject");
	cJSON_Delete(root);
	if (s == NULL)
		vouch_err_set(err, VOUCH_EINTERNAL, "rebuild statement without subjects");
	return s;
}

/* Compare the control's outputs with those of build name. */
static int
compare_with_control(const struct vr *vr, const char *name, vouch_compare_report **rep,
                     vouch_err *err)
{
	struct vouch_compare_opts co;
	char a[PATH_MAX], b[PATH_MAX];
	int rc;

	vouch_compare_opts_init(&co);
	if ((rc = path_in(vr, "control", "", a, sizeof(a), err)) != VOUCH_OK ||
	    (rc = path_in(vr, name, "", b, sizeof(b), err)) != VOUCH_OK)
		return rc;
	return vouch_compare(a, b, &co, rep, err);
}

/* Run one rebuild with the variations in set into base/name. */
static int
build(struct vr *vr, unsigned set, const char *name, struct vbuild **out, vouch_err *err)
{
	struct vbuild *b;
	vouch_rebuild_opts ro = vr->o->rebuild;
	vouch_rebuild_result rr;
	vouch_vary v;
	vouch_err e;
	char dir[PATH_MAX], log[PATH_MAX], from[PATH_MAX];
	double t0;
	int rc, control = vr->n == 0;

	if (vr->n == VOUCH_VARYRUN_MAX_BUILDS)
		return vouch_err_set(err, VOUCH_ELIMIT, "more than %d builds",
		    VOUCH_VARYRUN_MAX_BUILDS);
	b = &vr->b[vr->n];
	memset(b, 0, sizeof(*b));
	b->set = set;
	snprintf(b->name, sizeof(b->name), "%s", name);
	memset(&v, 0, sizeof(v));
	memset(&rr, 0, sizeof(rr));
	if ((rc = path_in(vr, name, "", dir, sizeof(dir), err)) != VOUCH_OK ||
	    (rc = path_in(vr, name, ".log", log, sizeof(log), err)) != VOUCH_OK ||
	    (rc = path_in(vr, name, "/" VOUCH_REBUILD_LOG_NAME, from, sizeof(from),
	        err)) != VOUCH_OK)
		return rc;
	if (set != 0 && (rc = vouch_vary_init(&v, set, vr->rootfs[0] ? vr->rootfs : NULL,
	    vr->r->workdir, err)) != VOUCH_OK)
		return rc;
	ro.outdir = dir;
	ro.vary = set != 0 ? &v : NULL;
	if (vr->o->progress != NULL)
		vr->o->progress(vr->o->progress_arg, vr->n + 1, set, -1);
	vouch_err_clear(&e);
	t0 = now_s();
	rc = vouch_rebuild_run(vr->r, &ro, &rr, &e);
	vr->res->build_seconds += now_s() - t0;
	vr->n++;
	vr->res->builds = vr->n;
	if (control && rc == VOUCH_OK)
		snprintf(vr->rootfs, sizeof(vr->rootfs), "%s", rr.rootfs);
	/* the log is not an output: it names paths and times */
	if (rename(from, log) != 0 && errno != ENOENT && rc == VOUCH_OK)
		rc = vouch_err_sys(&e, VOUCH_EIO, "cannot move '%s'", from);
	if (rc == VOUCH_ENEGATIVE && !control) {
		b->failed = b->differs = 1;
		if ((b->fail_msg = strdup(vouch_err_msg(&e))) == NULL)
			rc = vouch_err_set(err, VOUCH_ENOMEM, "out of memory");
		else
			rc = VOUCH_OK;
	} else if (rc != VOUCH_OK) {
		if (control)
			memcpy(vr->res->tail, rr.tail, sizeof(vr->res->tail));
		vouch_err_set(err, rc, "%s%s", control ? "" : "varied build: ", vouch_err_msg(&e));
	} else if ((b->outputs = subjects_of(rr.statement, rr.statement_len, err)) == NULL) {
		rc = VOUCH_EINTERNAL;
	} else if (!control) {
		vouch_compare_report *rep = NULL;

		if ((rc = compare_with_control(vr, name, &rep, err)) == VOUCH_OK)
			b->differs = vouch_compare_report_verdict(rep) != VOUCH_CMP_IDENTICAL;
		vouch_compare_report_free(rep);
	}
	if (vr->o->progress != NULL && rc == VOUCH_OK)
		vr->o->progress(vr->o->progress_arg, vr->n, set, b->differs);
	vouch_rebuild_result_free(&rr);
	vouch_vary_free(&v);
	*out = b;
	return rc;
}

/* Does building with set change the output?  Reuses a build of the same set. */
static int
test(struct vr *vr, unsigned set, int *differs, vouch_err *err)
{
	struct vbuild *b;
	char name[32];
	int rc;

	for (size_t i = 0; i < vr->n; i++)
		if (vr->b[i].set == set) {
			*differs = vr->b[i].differs;
			return VOUCH_OK;
		}
	snprintf(name, sizeof(name), "bisect-%zu", vr->n - 1);
	if ((rc = build(vr, set, name, &b, err)) != VOUCH_OK)
		return rc;
	*differs = b->differs;
	return VOUCH_OK;
}

/* The minimal set: see vouch/varyrun.h. */
static int
bisect(struct vr *vr, unsigned all, unsigned *found, vouch_err *err)
{
	unsigned order[VOUCH_VARY_COUNT], keep = 0;
	size_t m = 0;
	int rc, differs;

	for (unsigned i = 0; i < VOUCH_VARY_COUNT; i++)
		if (all & (1u << i))
			order[m++] = 1u << i;
	while (m > 0) {
		size_t lo = 0, hi = m;

		while (hi - lo > 1) {
			size_t mid = (lo + hi) / 2;
			unsigned s = keep;

			for (size_t k = 0; k < mid; k++)
				s |= order[k];
			if ((rc = test(vr, s, &differs, err)) != VOUCH_OK)
				return rc;
			if (differs)
				hi = mid;
			else
				lo = mid;
		}
		keep |= order[hi - 1];
		m = hi - 1;
		if (m == 0)
			break;
		if ((rc = test(vr, keep, &differs, err)) != VOUCH_OK)
			return rc;
		if (differs)
			break;
	}
	*found = keep;
	return VOUCH_OK;
}

static struct vbuild *
find_build(struct vr *vr, unsigned set)
{
	for (size_t i = 0; i < vr->n; i++)
		if (vr->b[i].set == set)
			return &vr->b[i];
	return NULL;
}

/* Keep control, varied and the culprit's build (renamed "culprit"). */
static int
tidy(struct vr *vr, struct vbuild *culprit, vouch_err *err)
{
	char a[PATH_MAX], b[PATH_MAX];
	int rc;

	for (size_t i = 0; i < vr->n; i++) {
		struct vbuild *x = &vr->b[i];

		if (strncmp(x->name, "bisect-", 7) != 0)
			continue;
		if (x == culprit) {
			for (int k = 0; k < 2; k++) {
				if ((rc = path_in(vr, x->name, k ? ".log" : "", a, sizeof(a), err)) !=
				    VOUCH_OK ||
				    (rc = path_in(vr, "culprit", k ? ".log" : "", b, sizeof(b), err)) !=
				    VOUCH_OK)
					return rc;
				if (rename(a, b) != 0 && errno != ENOENT)
					return vouch_err_sys(err, VOUCH_EIO, "cannot rename '%s'", a);
			}
			snprintf(x->name, sizeof(x->name), "culprit");
			continue;
		}
		if ((rc = path_in(vr, x->name, ".log", a, sizeof(a), err)) != VOUCH_OK ||
		    (rc = path_in(vr, x->name, "", b, sizeof(b), err)) != VOUCH_OK)
			return rc;
		(void)unlink(a);
		if (access(b, F_OK) == 0 && (rc = vouch_unpack_remove_tree(b, err)) != VOUCH_OK)
			return rc;
	}
	return VOUCH_OK;
}

/* ---- the statement ----------------------------------------------------------- */

/* A JSON array of n strings get(arg, k). */
static cJSON *
string_array(size_t n, const char *(*get)(const void *, size_t), const void *arg,
             vouch_err *err)
{
	cJSON *a = cJSON_CreateArray();

	for (size_t k = 0; a != NULL && k < n; k++) {
		const char *v = get(arg, k);
		if (v != NULL && !cJSON_AddItemToArray(a, cJSON_CreateString(v))) {
			cJSON_Delete(a);
			a = NULL;
		}
	}
	if (a == NULL)
		vouch_err_set(err, VOUCH_ENOMEM, "out of memory");
	return a;
}

static const char *
name_in_set(const void *arg, size_t k)
{
	return (*(const unsigned *)arg & (1u << k)) ? vouch_vary_name(1u << k) : NULL;
}

static cJSON *
names_array(unsigned set, vouch_err *err)
{
	return string_array(VOUCH_VARY_COUNT, name_in_set, &set, err);
}

struct item_arg {
	const vouch_compare_report *rep;
	size_t i;
};

static const char *
item_name(const void *arg, size_t k)
{
	const struct item_arg *a = arg;

	return vouch_compare_report_item_name(a->rep, a->i, k);
}

static int
add(cJSON *obj, const char *key, cJSON *item, vouch_err *err)
{
	if (item == NULL || !cJSON_AddItemToObject(obj, key, item)) {
		cJSON_Delete(item);
		return vouch_err_set(err, VOUCH_ENOMEM, "out of memory");
	}
	return VOUCH_OK;
}

static int
add_variations(const struct vr *vr, cJSON *pred, unsigned culprit, vouch_err *err)
{
	cJSON *arr = cJSON_CreateArray();
	vouch_vary v;
	int rc;

	if ((rc = add(pred, "variations", arr, err)) != VOUCH_OK)
		return rc;
	if ((rc = vouch_vary_init(&v, vr->res->tried, vr->rootfs[0] ? vr->rootfs : NULL,
	    vr->r->workdir, err)) != VOUCH_OK)
		return rc;
	for (unsigned i = 0; rc == VOUCH_OK && i < VOUCH_VARY_COUNT; i++) {
		unsigned bit = 1u << i;
		char c[160], x[160];
		cJSON *o;

		if (!(vr->res->tried & bit))
			continue;
		if (vouch_vary_describe(&v, bit, c, sizeof(c), x, sizeof(x)) != 0 ||
		    (o = cJSON_CreateObject()) == NULL || !cJSON_AddItemToArray(arr, o) ||
		    vouch_json_add_string(o, "name", vouch_vary_name(bit), err) == NULL ||
		    vouch_json_add_string(o, "control", c, err) == NULL ||
		    vouch_json_add_string(o, "varied", x, err) == NULL ||
		    cJSON_AddBoolToObject(o, "changesOutput", (culprit & bit) != 0) == NULL)
			rc = vouch_err_set(err, VOUCH_ENOMEM, "out of memory");
	}
	vouch_vary_free(&v);
	return rc;
}

static int
add_builds(struct vr *vr, cJSON *pred, vouch_err *err)
{
	cJSON *arr = cJSON_CreateArray();
	int rc;

	if ((rc = add(pred, "builds", arr, err)) != VOUCH_OK)
		return rc;
	for (size_t i = 0; i < vr->n; i++) {
		struct vbuild *b = &vr->b[i];
		cJSON *o = cJSON_CreateObject();

		if (o == NULL || !cJSON_AddItemToArray(arr, o))
			return vouch_err_set(err, VOUCH_ENOMEM, "out of memory");
		if ((rc = add(o, "variations", names_array(b->set, err), err)) != VOUCH_OK)
			return rc;
		if (cJSON_AddBoolToObject(o, "differs", b->differs) == NULL)
			return vouch_err_set(err, VOUCH_ENOMEM, "out of memory");
		if (b->failed) {
			if (vouch_json_add_string(o, "failed", b->fail_msg, err) == NULL)
				return VOUCH_ENOMEM;
		} else if ((rc = add(o, "outputs", b->outputs, err)) != VOUCH_OK) {
			b->outputs = NULL;
			return rc;
		} else {
			b->outputs = NULL;
		}
	}
	return VOUCH_OK;
}

static int
add_differences(const vouch_compare_report *rep, cJSON *pred, vouch_err *err)
{
	cJSON *arr = cJSON_CreateArray();
	size_t n = rep != NULL ? vouch_compare_report_difference_count(rep) : 0;
	int rc;

	if ((rc = add(pred, "differences", arr, err)) != VOUCH_OK)
		return rc;
	for (size_t i = 0, kept = 0; i < n && kept < VR_MAX_DIFFS; i++) {
		unsigned hints = vouch_compare_report_difference_hints(rep, i);
		struct item_arg ia;
		cJSON *o, *h;

		if (vouch_compare_report_difference_excused(rep, i))
			continue;
		kept++;
		if ((o = cJSON_CreateObject()) == NULL || !cJSON_AddItemToArray(arr, o) ||
		    vouch_json_add_string(o, "path", vouch_compare_report_difference_path(rep, i),
		        err) == NULL ||
		    vouch_json_add_string(o, "kind", vouch_compare_report_difference_kind(rep, i),
		        err) == NULL ||
		    (h = vouch_json_add_array(o, "hints", err)) == NULL)
			return vouch_err_set(err, VOUCH_ENOMEM, "out of memory");
		if (vouch_compare_report_difference_summary(rep, i) != NULL &&
		    vouch_json_add_string(o, "summary", vouch_compare_report_difference_summary(rep,
		        i), err) == NULL)
			return VOUCH_ENOMEM;
		ia.rep = rep;
		ia.i = i;
		if ((rc = add(o, "items", string_array(vouch_compare_report_item_count(rep, i),
		    item_name, &ia, err), err)) != VOUCH_OK)
			return rc;
		for (unsigned k = 0; k < VOUCH_HINT_COUNT; k++)
			if ((hints & (1u << k)) &&
			    !cJSON_AddItemToArray(h, cJSON_CreateString(vouch_hint_name(1u << k))))
				return vouch_err_set(err, VOUCH_ENOMEM, "out of memory");
	}
	return VOUCH_OK;
}

/* "varying the build path changes bin/hello/.debug_str, ..." */
static int
make_summary(const struct vr *vr, unsigned culprit, const struct vbuild *cb,
             const vouch_compare_report *rep, vouch_buf *s, vouch_err *err)
{
	size_t n = rep != NULL ? vouch_compare_report_difference_count(rep) : 0, shown = 0;
	size_t k = 0, total = 0;
	char l[64];
	int rc;

	if (culprit == 0 && vr->res->nondeterministic) {
		if ((rc = vouch_buf_appendf(s, err, "not reproducible even without variations: "
		    "building twice as the recipe says changes ")) != VOUCH_OK)
			return rc;
	} else if (culprit == 0) {
		return vouch_buf_appendf(s, err, "reproducible: the outputs are identical under %s "
		    "(%zu builds)", vouch_vary_list(vr->res->tried, l, sizeof(l)) != NULL &&
		    vr->res->tried == VOUCH_VARY_ALL ? "every variation" : l, vr->n);
	}
	if (culprit != 0 && (rc = vouch_buf_appendf(s, err, "varying ")) != VOUCH_OK)
		return rc;
	for (unsigned i = 0; i < VOUCH_VARY_COUNT; i++)
		if (culprit & (1u << i))
			total++;
	for (unsigned i = 0; i < VOUCH_VARY_COUNT; i++) {
		if (!(culprit & (1u << i)))
			continue;
		k++;
		if ((rc = vouch_buf_appendf(s, err, "%s%s", k == 1 ? "" : k == total ? " and " : ", ",
		    vouch_vary_phrase(1u << i))) != VOUCH_OK)
			return rc;
	}
	if (total > 1 && (rc = vouch_buf_appendf(s, err, " together")) != VOUCH_OK)
		return rc;
	if (cb != NULL && cb->failed)
		return vouch_buf_appendf(s, err, " makes the build fail (%s)", cb->fail_msg);
	if (culprit != 0 && (rc = vouch_buf_appendf(s, err, " changes ")) != VOUCH_OK)
		return rc;
	for (size_t i = 0; i < n; i++) {
		if (vouch_compare_report_difference_excused(rep, i))
			continue;
		if (shown == VR_SUMMARY_PATHS) {
			shown++;
			continue;
		}
		if (shown > VR_SUMMARY_PATHS)
			continue;
		if ((rc = vouch_buf_appendf(s, err, "%s%s", shown ? ", " : "",
		    vouch_compare_report_difference_path(rep, i))) != VOUCH_OK)
			return rc;
		for (size_t j = 0, m = vouch_compare_report_item_count(rep, i); j < m; j++)
			if ((rc = vouch_buf_appendf(s, err, "%s%s%s", j ? ", " : " (",
			    vouch_compare_report_item_name(rep, i, j), j + 1 == m ? ")" : "")) !=
			    VOUCH_OK)
				return rc;
		shown++;
	}
	if (shown > VR_SUMMARY_PATHS)
		return vouch_buf_appendf(s, err, " and more (%zu differences)", n);
	return shown == 0 ? vouch_buf_appendf(s, err, "the outputs") : VOUCH_OK;
}

static int
make_statement(struct vr *vr, unsigned culprit, const vouch_compare_report *rep,
               const char *summary, vouch_err *err)
{
	vouch_statement *st = NULL;
	cJSON *pred = cJSON_CreateObject(), *rec, *s;
	char ts[VOUCH_RFC3339_LEN + 1], hex[65];
	vouch_buf b;
	int rc;

	vouch_buf_init(&b, 0);
	if (pred == NULL) {
		rc = vouch_err_set(err, VOUCH_ENOMEM, "out of memory");
		goto out;
	}
	if ((rc = vouch_time_rfc3339(time(NULL), ts, err)) != VOUCH_OK)
		goto out;
	if ((rec = vouch_json_add_object(pred, "recipe", err)) == NULL ||
	    vouch_json_add_string(rec, "name", vr->r->name, err) == NULL ||
	    vouch_json_add_string(rec, "version", vr->r->version, err) == NULL ||
	    (s = vouch_json_add_object(rec, "digest", err)) == NULL ||
	    vouch_json_add_string(s, "sha256", vouch_hex_encode(vr->r->digest, 32, hex),
	        err) == NULL ||
	    (s = vouch_json_add_object(pred, "verifier", err)) == NULL ||
	    vouch_json_add_string(s, "id", vr->o->rebuild.builder_id != NULL ?
	        vr->o->rebuild.builder_id : VOUCH_BUILDER_ID_DEFAULT, err) == NULL ||
	    (s = vouch_json_add_object(s, "version", err)) == NULL ||
	    vouch_json_add_string(s, "vouch", PACKAGE_VERSION, err) == NULL ||
	    vouch_json_add_string(pred, "timeVerified", ts, err) == NULL ||
	    vouch_json_add_string(pred, "result", culprit || vr->res->nondeterministic ?
	        "UNREPRODUCIBLE" : "REPRODUCIBLE", err) == NULL ||
	    cJSON_AddBoolToObject(pred, "deterministic", !vr->res->nondeterministic) == NULL ||
	    vouch_json_add_string(pred, "summary", summary, err) == NULL) {
		rc = VOUCH_ENOMEM;
		goto out;
	}
	if ((rc = add_variations(vr, pred, culprit, err)) != VOUCH_OK ||
	    (rc = add(pred, "skipped", names_array(vr->res->skipped, err), err)) != VOUCH_OK ||
	    (rc = add(pred, "culprit", names_array(culprit, err), err)) != VOUCH_OK ||
	    (rc = add_differences(rep, pred, err)) != VOUCH_OK ||
	    (rc = vouch_statement_new(VOUCH_PREDICATE_VARY, &st, err)) != VOUCH_OK)
		goto out;
	{
		const cJSON *subj;
		cJSON_ArrayForEach(subj, vr->b[0].outputs)
			if ((rc = vouch_statement_add_subject_json(st, subj, err)) != VOUCH_OK)
				goto out;
	}
	if ((rc = add_builds(vr, pred, err)) != VOUCH_OK)
		goto out;
	rc = vouch_statement_set_predicate(st, pred, err);
	pred = NULL;
	if (rc != VOUCH_OK || (rc = vouch_statement_serialize(st, &b, err)) != VOUCH_OK)
		goto out;
	vr->res->statement_len = b.len;
	if ((vr->res->statement = (char *)vouch_buf_detach(&b, NULL, err)) == NULL)
		rc = VOUCH_ENOMEM;
out:
	cJSON_Delete(pred);
	vouch_statement_free(st);
	vouch_buf_free(&b);
	return rc;
}

/* ---- the run ------------------------------------------------------------------- */

/* Compare control with the culprit's build, write report.txt, say it. */
static int
conclude(struct vr *vr, unsigned culprit, vouch_err *err)
{
	struct vbuild *cb = culprit ? find_build(vr, culprit)
	    : vr->res->nondeterministic ? &vr->b[2] : NULL;
	vouch_compare_report *rep = NULL;
	vouch_buf text, sum;
	char path[PATH_MAX];
	int rc = VOUCH_OK;

	vouch_buf_init(&text, 0);
	vouch_buf_init(&sum, 0);
	if (culprit != 0 && cb == NULL)
		return vouch_err_set(err, VOUCH_EINTERNAL, "no build of the culprit set");
	if (cb != NULL && (rc = tidy(vr, cb, err)) != VOUCH_OK)
		goto out;
	if (cb != NULL && !cb->failed &&
	    ((rc = compare_with_control(vr, cb->name, &rep, err)) != VOUCH_OK ||
	     (rc = vouch_compare_report_text(rep, &text, err)) != VOUCH_OK ||
	     (rc = path_in(vr, "report.txt", "", path, sizeof(path), err)) != VOUCH_OK ||
	     (rc = vouch_write_file_excl(path, text.data, text.len, 0644, err)) != VOUCH_OK))
		goto out;
	if ((rc = make_summary(vr, culprit, cb, rep, &sum, err)) != VOUCH_OK ||
	    (rc = make_statement(vr, culprit, rep, vouch_buf_cstr(&sum), err)) != VOUCH_OK)
		goto out;
	vr->res->summary = (char *)vouch_buf_detach(&sum, NULL, err);
	if (vr->res->summary == NULL)
		rc = VOUCH_ENOMEM;
out:
	vouch_compare_report_free(rep);
	vouch_buf_free(&text);
	vouch_buf_free(&sum);
	return rc;
}

int
vouch_varyrun(const vouch_recipe *r, const vouch_varyrun_opts *o, vouch_varyrun_result *res,
              vouch_err *err)
{
	struct vr *vr = calloc(1, sizeof(*vr));
	struct vbuild *b;
	vouch_vary probe;
	unsigned culprit = 0;
	double t0 = now_s();
	int rc;

	memset(res, 0, sizeof(*res));
	if (vr == NULL)
		return vouch_err_set(err, VOUCH_ENOMEM, "out of memory");
	vr->r = r;
	vr->o = o;
	vr->res = res;
	/* what can be varied here (and the clock's library, before any build) */
	if ((rc = vouch_vary_init(&probe, o->set, NULL, r->workdir, err)) != VOUCH_OK)
		goto out;
	res->tried = probe.set;
	res->skipped = probe.skipped;
	vouch_vary_free(&probe);
	if (res->tried == 0) {
		rc = vouch_err_set(err, VOUCH_EUSAGE, "none of the variations can be applied here");
		goto out;
	}
	if ((rc = o->rebuild.outdir == NULL ? vouch_err_set(err, VOUCH_EUSAGE,
	        "no output directory") : vouch_mkdir_empty(o->rebuild.outdir, err)) != VOUCH_OK ||
	    (rc = build(vr, 0, "control", &b, err)) != VOUCH_OK ||
	    (rc = build(vr, res->tried, "varied", &b, err)) != VOUCH_OK)
		goto out;
	/* as reprotest does: before blaming a variation, build the control
	 * again; a build that differs from itself has no culprit to find */
	if (b->differs && (rc = build(vr, 0, "control-again", &b, err)) != VOUCH_OK)
		goto out;
	res->nondeterministic = vr->n == 3 && b->differs;
	if (vr->n == 3 && !b->differs && (rc = bisect(vr, res->tried, &culprit, err)) != VOUCH_OK)
		goto out;
	res->culprit = culprit;
	if ((rc = conclude(vr, culprit, err)) == VOUCH_OK &&
	    (culprit != 0 || res->nondeterministic))
		rc = vouch_err_set(err, VOUCH_ENEGATIVE, "%s", res->summary);
out:
	for (size_t i = 0; i < vr->n; i++) {
		cJSON_Delete(vr->b[i].outputs);
		free(vr->b[i].fail_msg);
	}
	free(vr);
	res->total_seconds = now_s() - t0;
	return rc;
}

void
vouch_varyrun_result_free(vouch_varyrun_result *res)
{
	if (res == NULL)
		return;
	free(res->summary);
	free(res->statement);
	res->summary = res->statement = NULL;
}
