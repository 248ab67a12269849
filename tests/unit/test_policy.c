/* test_policy.c - trust policies: strict parsing, and evaluation over
 * evidence bundles for every case issue 8 lists (k-1 labs, one lab signing
 * twice, another digest, not logged, a forked log, expired, untrusted key,
 * truncated proof) plus conflicts, modes, predicate types and bundle round
 * trips.  Keys, statements, envelopes, a log and its proofs are all made
 * here with the library. */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "harness.h"
#include "vouch/vouch.h"

#define NOW ((time_t)1800000000) /* 2027-01-15T08:00:00Z */
#define NLAB 4                   /* a, b, c trusted; d untrusted */
#define ORIGIN "test.vouch/log"

static vouch_key *lab[NLAB], *lab_a2, *logkey;
static char *verifier;           /* the log's verifier key string */
static vouch_digests art, other;

static void
die(const char *what, const vouch_err *e)
{
	fprintf(stderr, "%s: %s\n", what, vouch_err_msg(e));
	abort();
}

static void
setup(void)
{
	vouch_err e;
	vouch_buf b;

	if (logkey != NULL)
		return;
	vouch_err_clear(&e);
	for (int i = 0; i < NLAB; i++)
		if (vouch_key_generate(VOUCH_KEY_ED25519, &lab[i], &e) != VOUCH_OK)
			die("keygen", &e);
	if (vouch_key_generate(VOUCH_KEY_ED25519, &lab_a2, &e) != VOUCH_OK ||
	    vouch_key_generate(VOUCH_KEY_ED25519, &logkey, &e) != VOUCH_OK)
		die("keygen", &e);
	vouch_buf_init(&b, 0);
	if (vouch_key_note_verifier(logkey, ORIGIN, &b, &e) != VOUCH_OK)
		die("verifier", &e);
	verifier = strdup(vouch_buf_cstr(&b));
	vouch_buf_free(&b);
	if (vouch_digest_mem("shipped firmware", 16, VOUCH_ALG_ALL, &art, &e) != VOUCH_OK ||
	    vouch_digest_mem("other firmware", 14, VOUCH_ALG_ALL, &other, &e) != VOUCH_OK)
		die("digest", &e);
}

/* ---- building evidence ---- */

struct verdict {
	const vouch_digests *d;
	const char *result;      /* "PASSED" / "FAILED" */
	const char *time;        /* timeVerified */
	const char *mode;        /* vouch_comparison.mode, NULL: no extension */
	const char *cmp_result;  /* vouch_comparison.result */
	const char *ptype;       /* NULL: VSA */
	const char *vpolicy;     /* NULL: reproducible */
	const char *cmp_extra;   /* more vouch_comparison members, ",\"k\":v" */
};

static char *
statement(const struct verdict *v)
{
	char hex[65], buf[4096];

	vouch_hex_encode(vouch_digests_get(v->d, VOUCH_ALG_SHA256), 32, hex);
	snprintf(buf, sizeof(buf),
	         "{\"_type\":\"https://in-toto.io/Statement/v1\","
	         "\"subject\":[{\"name\":\"fw.bin\",\"digest\":{\"sha256\":\"%s\"}}],"
	         "\"predicateType\":\"%s\",\"predicate\":{\"verifier\":{\"id\":\"https://lab.example/\"},"
	         "\"timeVerified\":\"%s\",\"verificationResult\":\"%s\","
	         "\"policy\":{\"uri\":\"%s\"}%s%s%s%s%s%s%s}}",
	         hex, v->ptype ? v->ptype : VOUCH_PREDICATE_VSA, v->time ? v->time : "2027-01-15T07:00:00Z",
	         v->result ? v->result : "PASSED", v->vpolicy ? v->vpolicy : VOUCH_POLICY_REPRODUCIBLE,
	         v->mode ? ",\"vouch_comparison\":{\"mode\":\"" : "", v->mode ? v->mode : "",
	         v->mode ? "\",\"result\":\"" : "",
	         v->mode ? (v->cmp_result ? v->cmp_result : "identical") : "",
	         v->mode ? "\",\"rulesNeeded\":[],\"differences\":" : "",
	         v->mode ? (v->cmp_extra ? "2" : "0") : "",
	         v->mode ? (v->cmp_extra ? v->cmp_extra : "}") : "");
	return strdup(buf);
}

/* A signed envelope line (malloc'd). */
static char *
envelope(const struct verdict *v, vouch_key *k1, vouch_key *k2)
{
	char *st = statement(v), *line;
	vouch_envelope *env = NULL;
	vouch_buf out;
	vouch_err e;

	vouch_err_clear(&e);
	vouch_buf_init(&out, 0);
	if (vouch_envelope_new(VOUCH_INTOTO_PAYLOAD_TYPE, st, strlen(st), &env, &e) != VOUCH_OK ||
	    vouch_envelope_sign(env, k1, &e) != VOUCH_OK ||
	    (k2 != NULL && vouch_envelope_sign(env, k2, &e) != VOUCH_OK) ||
	    vouch_envelope_serialize(env, &out, &e) != VOUCH_OK)
		die("envelope", &e);
	line = strdup(vouch_buf_cstr(&out));
	vouch_buf_free(&out);
	vouch_envelope_free(env);
	free(st);
	return line;
}

static const struct verdict PASS = { &art, "PASSED", NULL, "strict", NULL, NULL, NULL, NULL };

/* A log holding entries[0..n): tlog-proofs for each, against a checkpoint
 * signed by logkey (its root replaced by fake_root when non-NULL). */
static char **
log_proofs(char *const *entries, size_t n, const uint8_t *fake_root)
{
	vouch_hash *leaves = calloc(n, sizeof(*leaves)), proof[VOUCH_PROOF_MAX];
	struct vouch_merkle_mem mem = { (const vouch_hash *)leaves, n };
	char **out = calloc(n, sizeof(*out));
	vouch_checkpoint cp;
	vouch_buf note, text;
	vouch_err e;
	size_t np;

	vouch_err_clear(&e);
	memset(&cp, 0, sizeof(cp));
	snprintf(cp.origin, sizeof(cp.origin), ORIGIN);
	cp.size = n;
	for (size_t i = 0; i < n; i++)
		vouch_merkle_leaf_hash(entries[i], strlen(entries[i]), leaves[i], NULL);
	if (vouch_merkle_root_of((const vouch_hash *)leaves, n, cp.root, &e) != VOUCH_OK)
		die("root", &e);
	if (fake_root != NULL)
		memcpy(cp.root, fake_root, 32);
	vouch_buf_init(&note, 0);
	if (vouch_checkpoint_sign(&cp, logkey, &note, &e) != VOUCH_OK)
		die("checkpoint", &e);
	for (size_t i = 0; i < n; i++) {
		vouch_buf_init(&text, 0);
		if (vouch_merkle_prove_inclusion(vouch_merkle_mem_reader, &mem, i, n, proof, &np, &e) !=
		        VOUCH_OK ||
		    vouch_tlogproof_format(NULL, 0, i, (const vouch_hash *)proof, np,
		                           (const char *)note.data, note.len, &text, &e) != VOUCH_OK)
			die("proof", &e);
		out[i] = strdup(vouch_buf_cstr(&text));
		vouch_buf_free(&text);
	}
	vouch_buf_free(&note);
	free(leaves);
	return out;
}

static void
free_strs(char **v, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(v[i]);
	free(v);
}

/* ---- policies ---- */

static cJSON *
rebuilder(const char *name, const vouch_key *k)
{
	cJSON *o = cJSON_CreateObject();
	vouch_buf pem;

	vouch_buf_init(&pem, 0);
	vouch_key_public_pem(k, &pem, NULL);
	cJSON_AddStringToObject(o, "name", name);
	cJSON_AddStringToObject(o, "publicKeyPem", vouch_buf_cstr(&pem));
	vouch_buf_free(&pem);
	return o;
}

/* The base policy: labs a, b, c, threshold 2; extra members merged in. */
static vouch_policy *
policy_with(const char *extra_json, int log, int *rc_out, vouch_err *e)
{
	cJSON *root = cJSON_CreateObject(), *rbs = cJSON_AddArrayToObject(root, "rebuilders");
	vouch_policy *p = NULL;
	vouch_buf b;
	int rc;

	setup();
	cJSON_AddNumberToObject(root, "vouchPolicy", 1);
	cJSON_AddItemToArray(rbs, rebuilder("lab-a", lab[0]));
	cJSON_AddItemToArray(rbs, rebuilder("lab-b", lab[1]));
	cJSON_AddItemToArray(rbs, rebuilder("lab-c", lab[2]));
	cJSON_AddNumberToObject(root, "threshold", 2);
	if (log) {
		cJSON *logs = cJSON_AddArrayToObject(root, "logs"), *l = cJSON_CreateObject();

		cJSON_AddStringToObject(l, "origin", ORIGIN);
		cJSON_AddStringToObject(l, "verifierKey", verifier);
		cJSON_AddBoolToObject(l, "inclusionRequired", log > 1);
		cJSON_AddItemToArray(logs, l);
	}
	if (extra_json != NULL) {
		cJSON *x = cJSON_Parse(extra_json), *m;

		CU_ASSERT_PTR_NOT_NULL_FATAL(x);
		while ((m = x->child) != NULL) {
			cJSON_DetachItemViaPointer(x, m);
			cJSON_DeleteItemFromObject(root, m->string);
			cJSON_AddItemToObject(root, m->string, m);
		}
		cJSON_Delete(x);
	}
	vouch_buf_init(&b, 0);
	vouch_json_append(&b, root, NULL);
	cJSON_Delete(root);
	rc = vouch_policy_parse((const char *)b.data, b.len, NULL, &p, e);
	vouch_buf_free(&b);
	if (rc_out != NULL)
		*rc_out = rc;
	return p;
}

static vouch_policy *
policy(const char *extra_json, int log)
{
	vouch_err e;
	vouch_policy *p;

	vouch_err_clear(&e);
	p = policy_with(extra_json, log, NULL, &e);
	if (p == NULL)
		die("policy", &e);
	return p;
}

/* Evaluate lines (a bundle as text). */
static vouch_policy_result *
evaluate(const vouch_policy *p, const vouch_digests *d, const char *bundle)
{
	struct vouch_policy_eval_opts o = { .now = NOW };
	vouch_policy_result *r = NULL;
	vouch_evbundle *b = NULL;
	vouch_err e;

	vouch_err_clear(&e);
	if (vouch_evbundle_new(&b, &e) != VOUCH_OK ||
	    vouch_evbundle_add_jsonl(b, bundle, strlen(bundle), "t", &e) != VOUCH_OK ||
	    vouch_policy_evaluate(p, d, b, &o, &r, &e) != VOUCH_OK)
		die("evaluate", &e);
	vouch_evbundle_free(b);
	return r;
}

static char *
join(char *const *lines, size_t n)
{
	vouch_buf b;
	char *s;

	vouch_buf_init(&b, 0);
	for (size_t i = 0; i < n; i++)
		vouch_buf_appendf(&b, NULL, "%s\n", lines[i]);
	s = strdup(vouch_buf_cstr(&b));
	vouch_buf_free(&b);
	return s;
}

/* An inclusion line for entry with proof text. */
static char *
inclusion(const char *entry, const char *proof)
{
	cJSON *o = cJSON_CreateObject(), *ent;
	uint8_t sha[32];
	char hex[65], *s;

	vouch_sha256(entry, strlen(entry), sha, NULL);
	cJSON_AddStringToObject(o, "_type", VOUCH_EVBUNDLE_INCLUSION_TYPE);
	ent = cJSON_AddObjectToObject(o, "entry");
	cJSON_AddStringToObject(ent, "sha256", vouch_hex_encode(sha, 32, hex));
	cJSON_AddStringToObject(o, "tlogProof", proof);
	s = cJSON_PrintUnformatted(o);
	cJSON_Delete(o);
	return s;
}

static size_t
count_disp(const vouch_policy_result *r, enum vouch_policy_disposition d)
{
	size_t n = 0;

	for (size_t i = 0; i < r->nitems; i++)
		n += r->items[i].disp == d;
	return n;
}

static const struct vouch_policy_item *
item_of(const vouch_policy_result *r, enum vouch_policy_disposition d)
{
	for (size_t i = 0; i < r->nitems; i++)
		if (r->items[i].disp == d)
			return &r->items[i];
	return NULL;
}

/* ---- parsing ---- */

static void
expect_refused(const char *extra, const char *msg)
{
	vouch_err e;
	int rc = 0;
	vouch_policy *p;

	vouch_err_clear(&e);
	p = policy_with(extra, 0, &rc, &e);
	CU_ASSERT_PTR_NULL(p);
	CU_ASSERT_NOT_EQUAL(rc, VOUCH_OK);
	if (strstr(vouch_err_msg(&e), msg) == NULL) {
		fprintf(stderr, "want '%s', got '%s'\n", msg, vouch_err_msg(&e));
		CU_FAIL("error message");
	}
	vouch_policy_free(p);
}

static void
test_parse_good(void)
{
	vouch_policy *p = policy("{\"name\":\"ops\",\"modes\":[\"strict\",\"normalize\"],"
	                         "\"onFailed\":\"report\",\"maxAgeSeconds\":86400}", 2);

	CU_ASSERT_STRING_EQUAL(vouch_policy_name(p), "ops");
	CU_ASSERT_EQUAL(vouch_policy_threshold(p), 2);
	CU_ASSERT_EQUAL(vouch_policy_rebuilder_count(p), 3);
	CU_ASSERT_STRING_EQUAL(vouch_policy_rebuilder_name(p, 1), "lab-b");
	CU_ASSERT_EQUAL(vouch_policy_log_count(p), 1);
	CU_ASSERT_STRING_EQUAL(vouch_policy_log_origin(p, 0), ORIGIN);
	CU_ASSERT_PTR_NULL(vouch_policy_log_url(p, 0));
	CU_ASSERT_TRUE(vouch_policy_log_required(p, 0));
	vouch_policy_free(p);
}

static void
test_parse_refused(void)
{
	expect_refused("{\"bogus\":1}", "unknown member 'bogus'");
	expect_refused("{\"Threshold\":1}", "");   /* case variant of a key */
	expect_refused("{\"vouchPolicy\":2}", "'vouchPolicy' must be 1");
	expect_refused("{\"threshold\":0}", "'threshold' must be an integer from 1");
	expect_refused("{\"threshold\":4}", "'threshold' must be an integer from 1");
	expect_refused("{\"threshold\":1.5}", "'threshold'");
	expect_refused("{\"modes\":[\"loose\"]}", "'modes'");
	expect_refused("{\"modes\":[\"strict\",\"strict\"]}", "'modes'");
	expect_refused("{\"modes\":[]}", "'modes'");
	expect_refused("{\"onFailed\":\"ignore\"}", "'onFailed'");
	expect_refused("{\"maxAgeSeconds\":-1}", "'maxAgeSeconds'");
	expect_refused("{\"predicateTypes\":[\"not a uri\"]}", "not an absolute URI");
	expect_refused("{\"rebuilders\":[]}", "non-empty array");
	expect_refused("{\"rebuilders\":[{\"name\":\"x\"}]}", "needs publicKey");
	expect_refused("{\"rebuilders\":[{\"name\":\"x\",\"publicKeyPem\":\"junk\"}]}", "rebuilder 'x'");
	expect_refused("{\"rebuilders\":[{\"name\":\"\",\"publicKeyPem\":\"junk\"}]}", "'name'");
	expect_refused("{\"logs\":[{\"origin\":\"a b\",\"verifierKey\":\"x\"}]}", "'origin'");
	expect_refused("{\"logs\":[{\"origin\":\"o\",\"verifierKey\":\"o+00000000+AAAA\"}]}",
	               "verifierKey");
	expect_refused("{\"logs\":[{\"origin\":\"o\"}]}", "'verifierKey' is required");
}

static void
test_parse_keys(void)
{
	cJSON *root = cJSON_CreateObject(), *rbs = cJSON_AddArrayToObject(root, "rebuilders");
	vouch_policy *p = NULL;
	vouch_buf pem, js;
	char path[4096];
	vouch_err e;
	FILE *f;

	setup();
	vouch_err_clear(&e);
	/* a keys file with two keys of one lab */
	snprintf(path, sizeof(path), "%s/lab-a.keys", test_tmpdir());
	f = fopen(path, "w");
	vouch_buf_init(&pem, 0);
	vouch_key_public_pem(lab[0], &pem, NULL);
	vouch_buf_append_str(&pem, "# the next key\n", NULL);
	vouch_key_public_pem(lab_a2, &pem, NULL);
	fwrite(pem.data, 1, pem.len, f);
	fclose(f);
	cJSON_AddNumberToObject(root, "vouchPolicy", 1);
	cJSON_AddNumberToObject(root, "threshold", 1);
	cJSON *a = cJSON_CreateObject();
	cJSON_AddStringToObject(a, "name", "lab-a");
	cJSON_AddStringToObject(a, "keysFile", "lab-a.keys");
	cJSON_AddItemToArray(rbs, a);
	vouch_buf_init(&js, 0);
	vouch_json_append(&js, root, NULL);
	CU_ASSERT_EQUAL(vouch_policy_parse((const char *)js.data, js.len, test_tmpdir(), &p, &e),
	                VOUCH_OK);
	vouch_policy_free(p);
	p = NULL;
	/* the same key under a second rebuilder is refused */
	cJSON_AddItemToArray(rbs, rebuilder("lab-b", lab_a2));
	vouch_buf_reset(&js);
	vouch_json_append(&js, root, NULL);
	vouch_err_clear(&e);
	CU_ASSERT_EQUAL(vouch_policy_parse((const char *)js.data, js.len, test_tmpdir(), &p, &e),
	                VOUCH_EINPUT);
	CU_ASSERT_PTR_NOT_NULL(strstr(vouch_err_msg(&e), "already the key of 'lab-a'"));
	/* a private key is not a trust anchor */
	cJSON_DeleteItemFromArray(rbs, 1);
	vouch_buf_reset(&pem);
	vouch_key_private_pem(lab[1], NULL, 0, &pem, NULL);
	cJSON *b = cJSON_CreateObject();
	cJSON_AddStringToObject(b, "name", "lab-b");
	cJSON_AddStringToObject(b, "publicKeyPem", vouch_buf_cstr(&pem));
	cJSON_AddItemToArray(rbs, b);
	vouch_buf_reset(&js);
	vouch_json_append(&js, root, NULL);
	vouch_err_clear(&e);
	CU_ASSERT_EQUAL(vouch_policy_parse((const char *)js.data, js.len, test_tmpdir(), &p, &e),
	                VOUCH_EINPUT);
	CU_ASSERT_PTR_NOT_NULL(strstr(vouch_err_msg(&e), "private key"));
	vouch_buf_free_secret(&pem);
	vouch_buf_free(&js);
	cJSON_Delete(root);
}

static void
test_rfc3339(void)
{
	time_t t;

	CU_ASSERT_EQUAL(vouch_time_parse_rfc3339("1970-01-01T00:00:00Z", &t, NULL), VOUCH_OK);
	CU_ASSERT_EQUAL(t, 0);
	CU_ASSERT_EQUAL(vouch_time_parse_rfc3339("2027-01-15T08:00:00Z", &t, NULL), VOUCH_OK);
	CU_ASSERT_EQUAL(t, NOW);
	CU_ASSERT_EQUAL(vouch_time_parse_rfc3339("2027-01-15T09:00:00.123+01:00", &t, NULL), VOUCH_OK);
	CU_ASSERT_EQUAL(t, NOW);
	CU_ASSERT_EQUAL(vouch_time_parse_rfc3339("2024-02-29T00:00:00Z", &t, NULL), VOUCH_OK);
	CU_ASSERT_NOT_EQUAL(vouch_time_parse_rfc3339("2023-02-29T00:00:00Z", &t, NULL), VOUCH_OK);
	CU_ASSERT_NOT_EQUAL(vouch_time_parse_rfc3339("2027-01-15 08:00:00Z", &t, NULL), VOUCH_OK);
	CU_ASSERT_NOT_EQUAL(vouch_time_parse_rfc3339("2027-01-15T08:00:00", &t, NULL), VOUCH_OK);
	CU_ASSERT_NOT_EQUAL(vouch_time_parse_rfc3339("2027-13-15T08:00:00Z", &t, NULL), VOUCH_OK);
	CU_ASSERT_NOT_EQUAL(vouch_time_parse_rfc3339("2027-01-15T08:00:00Zjunk", &t, NULL), VOUCH_OK);
	CU_ASSERT_NOT_EQUAL(vouch_time_parse_rfc3339("", &t, NULL), VOUCH_OK);
}

/* ---- evaluation ---- */

static void
test_threshold_met_and_k_minus_1(void)
{
	vouch_policy *p = policy(NULL, 0);
	char *l[3] = { envelope(&PASS, lab[0], NULL), envelope(&PASS, lab[1], NULL), NULL };
	char *two = join(l, 2), *one = join(l, 1);
	vouch_policy_result *r = evaluate(p, &art, two);
	vouch_buf txt;

	CU_ASSERT_TRUE(r->met);
	CU_ASSERT_EQUAL(r->counted, 2);
	CU_ASSERT_EQUAL(count_disp(r, VOUCH_EV_COUNTED), 2);
	CU_ASSERT_STRING_EQUAL(r->items[0].rebuilder, "lab-a");
	CU_ASSERT_STRING_EQUAL(r->items[0].mode, "strict");
	CU_ASSERT_STRING_EQUAL(r->items[0].time, "2027-01-15T07:00:00Z");
	vouch_buf_init(&txt, 0);
	CU_ASSERT_EQUAL(vouch_policy_result_text(r, "fw.bin", &txt, NULL), VOUCH_OK);
	CU_ASSERT_PTR_NOT_NULL(strstr(vouch_buf_cstr(&txt), "fw.bin: policy MET"));
	vouch_buf_reset(&txt);
	CU_ASSERT_EQUAL(vouch_policy_result_json(r, "fw.bin", &art, &txt, NULL), VOUCH_OK);
	CU_ASSERT_PTR_NOT_NULL(strstr(vouch_buf_cstr(&txt), "\"met\":true"));
	vouch_buf_free(&txt);
	vouch_policy_result_free(r);
	r = evaluate(p, &art, one);
	CU_ASSERT_FALSE(r->met);
	CU_ASSERT_EQUAL(r->counted, 1);
	CU_ASSERT_PTR_NOT_NULL(strstr(r->reason, "only 1 of the 2 required"));
	vouch_policy_result_free(r);
	free(two);
	free(one);
	free(l[0]);
	free(l[1]);
	vouch_policy_free(p);
}

static void
test_one_lab_twice(void)
{
	vouch_policy *p = policy(NULL, 0);
	struct verdict later = PASS;
	char *l[3], *all;
	vouch_policy_result *r;

	later.time = "2027-01-15T07:30:00Z";
	l[0] = envelope(&PASS, lab[0], NULL);
	l[1] = envelope(&later, lab[0], NULL);
	l[2] = envelope(&PASS, lab[0], lab[0]); /* one key signing twice in one envelope */
	all = join(l, 3);
	r = evaluate(p, &art, all);
	CU_ASSERT_FALSE(r->met);
	CU_ASSERT_EQUAL(r->counted, 1);
	CU_ASSERT_EQUAL(count_disp(r, VOUCH_EV_DUPLICATE), 2);
	vouch_policy_result_free(r);
	free(all);
	for (int i = 0; i < 3; i++)
		free(l[i]);
	vouch_policy_free(p);
}

static void
test_other_digest_and_untrusted(void)
{
	vouch_policy *p = policy(NULL, 0);
	struct verdict o = PASS;
	char *l[4], *all;
	vouch_policy_result *r;

	o.d = &other;
	l[0] = envelope(&o, lab[0], NULL);        /* PASSED, but for another digest */
	l[1] = envelope(&o, lab[1], NULL);
	l[2] = envelope(&PASS, lab[3], NULL);     /* untrusted key */
	l[3] = envelope(&PASS, lab[1], NULL);
	all = join(l, 4);
	r = evaluate(p, &art, all);
	CU_ASSERT_FALSE(r->met);
	CU_ASSERT_EQUAL(r->counted, 1);
	CU_ASSERT_EQUAL(r->unrelated, 2);
	CU_ASSERT_EQUAL(r->ignored, 1);
	CU_ASSERT_PTR_NULL(item_of(r, VOUCH_EV_IGNORED)->rebuilder);
	CU_ASSERT_PTR_NOT_NULL(strstr(item_of(r, VOUCH_EV_IGNORED)->reason, "no valid signature"));
	vouch_policy_result_free(r);
	/* the same evidence does meet the policy for the other artifact */
	r = evaluate(p, &other, all);
	CU_ASSERT_TRUE(r->met);
	vouch_policy_result_free(r);
	free(all);
	for (int i = 0; i < 4; i++)
		free(l[i]);
	vouch_policy_free(p);
}

static void
test_expired_and_future(void)
{
	vouch_policy *p = policy("{\"maxAgeSeconds\":86400}", 0);
	struct verdict old = PASS, fut = PASS;
	char *l[3], *all;
	vouch_policy_result *r;

	old.time = "2027-01-13T08:00:00Z";
	fut.time = "2027-01-15T09:00:00Z";
	l[0] = envelope(&old, lab[0], NULL);
	l[1] = envelope(&fut, lab[1], NULL);
	l[2] = envelope(&PASS, lab[2], NULL);
	all = join(l, 3);
	r = evaluate(p, &art, all);
	CU_ASSERT_FALSE(r->met);
	CU_ASSERT_EQUAL(r->counted, 1);
	CU_ASSERT_EQUAL(r->rejected, 2);
	CU_ASSERT_PTR_NOT_NULL(strstr(r->items[0].reason, "expired"));
	CU_ASSERT_PTR_NOT_NULL(strstr(r->items[1].reason, "future"));
	vouch_policy_result_free(r);
	free(all);
	for (int i = 0; i < 3; i++)
		free(l[i]);
	vouch_policy_free(p);
}

static void
test_conflict(void)
{
	vouch_policy *fail = policy(NULL, 0), *report = policy("{\"onFailed\":\"report\"}", 0);
	struct verdict f = PASS;
	char *l[3], *all;
	vouch_policy_result *r;

	f.result = "FAILED";
	f.cmp_result = "different";
	f.cmp_extra = ",\"differingPaths\":[\"hello [elf] .rodata\",\"hello [elf] .text\"]}";
	l[0] = envelope(&PASS, lab[0], NULL);
	l[1] = envelope(&PASS, lab[1], NULL);
	l[2] = envelope(&f, lab[2], NULL);
	all = join(l, 3);
	r = evaluate(fail, &art, all);
	CU_ASSERT_FALSE(r->met);
	CU_ASSERT_EQUAL(r->counted, 2);
	CU_ASSERT_EQUAL(r->conflicts, 1);
	CU_ASSERT_PTR_NOT_NULL(strstr(r->reason, "'lab-c' reports FAILED"));
	CU_ASSERT_PTR_NOT_NULL(strstr(r->reason, "2 differences: hello [elf] .rodata, hello [elf] .text"));
	vouch_policy_result_free(r);
	r = evaluate(report, &art, all);
	CU_ASSERT_TRUE(r->met);
	CU_ASSERT_EQUAL(r->conflicts, 1);
	vouch_policy_result_free(r);
	free(all);
	for (int i = 0; i < 3; i++)
		free(l[i]);
	vouch_policy_free(fail);
	vouch_policy_free(report);
}

static void
test_modes_and_types(void)
{
	vouch_policy *strict = policy(NULL, 0);
	vouch_policy *norm = policy("{\"modes\":[\"strict\",\"normalize\"]}", 0);
	struct verdict n = PASS, ni = PASS, nomode = PASS, pt = PASS, vp = PASS;
	char *l[5], *all;
	vouch_policy_result *r;

	n.mode = "normalize";
	n.cmp_result = "equivalent";
	ni.mode = "normalize";          /* allowed to normalize, but identical */
	nomode.mode = NULL;
	pt.ptype = "https://slsa.dev/provenance/v1";
	vp.vpolicy = "https://example.com/some-other-policy";
	l[0] = envelope(&n, lab[0], NULL);
	l[1] = envelope(&ni, lab[1], NULL);
	l[2] = envelope(&nomode, lab[2], NULL);
	l[3] = envelope(&pt, lab[2], NULL);
	l[4] = envelope(&vp, lab[2], NULL);
	all = join(l, 5);
	r = evaluate(strict, &art, all);
	CU_ASSERT_FALSE(r->met);
	CU_ASSERT_EQUAL(r->counted, 1);
	CU_ASSERT_STRING_EQUAL(r->items[1].rebuilder, "lab-b");
	CU_ASSERT_EQUAL(r->items[1].disp, VOUCH_EV_COUNTED);
	CU_ASSERT_PTR_NOT_NULL(strstr(r->items[0].reason, "'normalize' is not accepted"));
	CU_ASSERT_PTR_NOT_NULL(strstr(r->items[2].reason, "no comparison mode"));
	/* the provenance-typed statement is not a verdict: unrelated, not listed */
	CU_ASSERT_EQUAL(r->unrelated, 1);
	CU_ASSERT_EQUAL(r->nitems, 4);
	CU_ASSERT_PTR_NOT_NULL(strstr(r->items[3].reason, "verification policy"));
	vouch_policy_result_free(r);
	r = evaluate(norm, &art, all);
	CU_ASSERT_TRUE(r->met);
	CU_ASSERT_EQUAL(r->counted, 2);
	CU_ASSERT_STRING_EQUAL(r->items[0].mode, "normalize");
	vouch_policy_result_free(r);
	free(all);
	for (int i = 0; i < 5; i++)
		free(l[i]);
	vouch_policy_free(strict);
	vouch_policy_free(norm);
}

static void
test_tampered(void)
{
	vouch_policy *p = policy(NULL, 0);
	char *l = envelope(&PASS, lab[0], NULL), *q;
	vouch_policy_result *r;

	/* flip one character inside the signature's base64 */
	q = strstr(l, "\"sig\":\"") + 8;
	*q = *q == 'A' ? 'B' : 'A';
	r = evaluate(p, &art, l);
	CU_ASSERT_EQUAL(r->counted, 0);
	CU_ASSERT_EQUAL(r->ignored, 1);
	vouch_policy_result_free(r);
	free(l);
	vouch_policy_free(p);
}

/* ---- logs ---- */

static void
test_inclusion_required(void)
{
	vouch_policy *p = policy(NULL, 2);
	char *e[3] = { envelope(&PASS, lab[0], NULL), envelope(&PASS, lab[1], NULL),
		           envelope(&PASS, lab[2], NULL) };
	char **pr = log_proofs(e, 2, NULL);   /* only a and b are in the log */
	char *l[5], *all;
	vouch_policy_result *r;

	/* proof lines first: order in a bundle carries no meaning */
	l[0] = inclusion(e[0], pr[0]);
	l[1] = inclusion(e[1], pr[1]);
	l[2] = strdup(e[0]);
	l[3] = strdup(e[1]);
	l[4] = strdup(e[2]);
	all = join(l, 5);
	r = evaluate(p, &art, all);
	CU_ASSERT_TRUE(r->met);
	CU_ASSERT_EQUAL(r->counted, 2);
	CU_ASSERT_TRUE(r->items[0].logged);
	CU_ASSERT_EQUAL(r->items[1].log_index, 1);
	CU_ASSERT_STRING_EQUAL(r->items[1].log_origin, ORIGIN);
	CU_ASSERT_EQUAL(r->items[2].disp, VOUCH_EV_REJECTED);
	CU_ASSERT_PTR_NOT_NULL(strstr(r->items[2].reason, "no inclusion proof for log"));
	vouch_policy_result_free(r);
	free(all);
	/* without a's proof: valid verdict, not in the log */
	all = join(l + 1, 4);
	r = evaluate(p, &art, all);
	CU_ASSERT_FALSE(r->met);
	CU_ASSERT_EQUAL(r->counted, 1);
	vouch_policy_result_free(r);
	free(all);
	/* the proof of b presented for a does not verify */
	free(l[0]);
	l[0] = inclusion(e[0], pr[1]);
	all = join(l, 5);
	r = evaluate(p, &art, all);
	CU_ASSERT_EQUAL(r->counted, 1);
	CU_ASSERT_PTR_NOT_NULL(strstr(r->items[0].reason, "does not verify"));
	vouch_policy_result_free(r);
	free(all);
	for (int i = 0; i < 5; i++)
		free(l[i]);
	for (int i = 0; i < 3; i++)
		free(e[i]);
	free_strs(pr, 2);
	vouch_policy_free(p);
}

static void
test_truncated_proof(void)
{
	vouch_policy *p = policy(NULL, 2);
	char *e[4] = { envelope(&PASS, lab[0], NULL), envelope(&PASS, lab[1], NULL),
		           envelope(&PASS, lab[2], NULL), envelope(&PASS, lab[3], NULL) };
	char **pr = log_proofs(e, 4, NULL);
	char *l[4], *all, *cut, *nl;
	vouch_policy_result *r;

	/* a's proof loses its last hash line; b's is cut in the middle */
	cut = strdup(pr[0]);
	nl = strstr(cut, "\n\n");
	*nl = '\0';
	nl = strrchr(cut, '\n');
	memmove(nl, nl + strlen(nl), strlen(pr[0]) - (size_t)(nl + strlen(nl) - cut) + 1);
	strcat(cut, strstr(pr[0], "\n\n"));
	l[0] = strdup(e[0]);
	l[1] = inclusion(e[0], cut);
	l[2] = strdup(e[1]);
	pr[1][strlen(pr[1]) / 3] = '\0';
	l[3] = inclusion(e[1], pr[1]);
	all = join(l, 4);
	r = evaluate(p, &art, all);
	CU_ASSERT_FALSE(r->met);
	CU_ASSERT_EQUAL(r->counted, 0);
	CU_ASSERT_EQUAL(r->rejected, 2);
	CU_ASSERT_PTR_NOT_NULL(strstr(r->items[0].reason, "does not verify"));
	CU_ASSERT_PTR_NOT_NULL(strstr(r->items[1].reason, "unreadable"));
	vouch_policy_result_free(r);
	free(all);
	free(cut);
	for (int i = 0; i < 4; i++) {
		free(l[i]);
		free(e[i]);
	}
	free_strs(pr, 4);
	vouch_policy_free(p);
}

static void
test_fork(void)
{
	vouch_policy *p = policy(NULL, 2);
	char *e[2] = { envelope(&PASS, lab[0], NULL), envelope(&PASS, lab[1], NULL) };
	char *e2[2] = { e[0], envelope(&PASS, lab[2], NULL) };
	char **pa = log_proofs(e, 2, NULL), **pb = log_proofs(e2, 2, NULL);
	char *l[5], *all;
	vouch_policy_result *r;
	vouch_buf js;

	/* two histories of one log, both signed, both of size 2 */
	l[0] = strdup(e[0]);
	l[1] = inclusion(e[0], pa[0]);
	l[2] = strdup(e[1]);
	l[3] = inclusion(e[1], pa[1]);
	l[4] = inclusion(e2[0], pb[0]);
	all = join(l, 5);
	r = evaluate(p, &art, all);
	CU_ASSERT_FALSE(r->met);
	CU_ASSERT_EQUAL(r->counted, 2);
	CU_ASSERT_EQUAL(r->nforks, 1);
	CU_ASSERT_PTR_NOT_NULL(strstr(r->reason, "rewrote history"));
	vouch_buf_init(&js, 0);
	vouch_policy_result_json(r, "fw", &art, &js, NULL);
	CU_ASSERT_PTR_NOT_NULL(strstr(vouch_buf_cstr(&js), "\"checkpointA\""));
	vouch_buf_free(&js);
	vouch_policy_result_free(r);
	free(all);
	/* a fork against a checkpoint the caller holds */
	{
		struct vouch_policy_eval_opts o = { .now = NOW, .ncheckpoints = 1 };
		vouch_tlogproof tp;
		vouch_evbundle *b = NULL;
		const char *note;
		size_t nlen;

		vouch_tlogproof_init(&tp);
		CU_ASSERT_EQUAL(vouch_tlogproof_parse(pb[1], strlen(pb[1]), &tp, NULL), VOUCH_OK);
		note = (const char *)tp.checkpoint.data;
		nlen = tp.checkpoint.len;
		o.checkpoints = &note;
		o.checkpoint_lens = &nlen;
		all = join(l, 4);
		vouch_evbundle_new(&b, NULL);
		vouch_evbundle_add_jsonl(b, all, strlen(all), "t", NULL);
		r = NULL;
		CU_ASSERT_EQUAL(vouch_policy_evaluate(p, &art, b, &o, &r, NULL), VOUCH_OK);
		CU_ASSERT_EQUAL(r->nforks, 1);
		CU_ASSERT_FALSE(r->met);
		vouch_policy_result_free(r);
		vouch_evbundle_free(b);
		vouch_tlogproof_clear(&tp);
		free(all);
	}
	for (int i = 0; i < 5; i++)
		free(l[i]);
	free(e[0]);
	free(e[1]);
	free(e2[1]);
	free_strs(pa, 2);
	free_strs(pb, 2);
	vouch_policy_free(p);
}

/* A view of the log that disagrees with every checkpoint below size 9. */
static const char *view_note;
static int
disagree(void *ctx, size_t log, const vouch_checkpoint *cp, const char **view, vouch_err *err)
{
	(void)ctx;
	CU_ASSERT_EQUAL(log, 0);
	*view = view_note;
	if (cp->size >= 9)
		return VOUCH_OK;
	return vouch_err_set(err, VOUCH_ENEGATIVE, "consistency proof does not verify");
}

static void
test_inconsistent_sizes(void)
{
	vouch_policy *p = policy(NULL, 2);
	char *e[2] = { envelope(&PASS, lab[0], NULL), envelope(&PASS, lab[1], NULL) };
	char **pr = log_proofs(e, 2, NULL);
	struct vouch_policy_eval_opts o = { .now = NOW, .consistent = disagree };
	char *l[4], *all;
	vouch_policy_result *r = NULL;
	vouch_evbundle *b = NULL;

	view_note = "the view\n";
	l[0] = strdup(e[0]);
	l[1] = inclusion(e[0], pr[0]);
	l[2] = strdup(e[1]);
	l[3] = inclusion(e[1], pr[1]);
	all = join(l, 4);
	vouch_evbundle_new(&b, NULL);
	vouch_evbundle_add_jsonl(b, all, strlen(all), "t", NULL);
	CU_ASSERT_EQUAL(vouch_policy_evaluate(p, &art, b, &o, &r, NULL), VOUCH_OK);
	CU_ASSERT_FALSE(r->met);
	CU_ASSERT_EQUAL(r->counted, 2);
	CU_ASSERT_EQUAL(r->nforks, 1);   /* one distinct checkpoint, asked once */
	CU_ASSERT_EQUAL(r->forks[0].size, 2);
	CU_ASSERT_STRING_EQUAL(r->forks[0].note_b, "the view\n");
	CU_ASSERT_PTR_NOT_NULL(strstr(r->reason, "is not consistent"));
	vouch_policy_result_free(r);
	vouch_evbundle_free(b);
	free(all);
	for (int i = 0; i < 4; i++)
		free(l[i]);
	free(e[0]);
	free(e[1]);
	free_strs(pr, 2);
	vouch_policy_free(p);
}

static void
test_bad_checkpoint_signature(void)
{
	vouch_policy *p = policy(NULL, 2);
	char *e[2] = { envelope(&PASS, lab[0], NULL), envelope(&PASS, lab[1], NULL) };
	char **pr = log_proofs(e, 2, NULL);
	char *l[4], *all, *sig;
	vouch_policy_result *r;

	sig = strrchr(pr[1], ' ') + 10;   /* inside the signature's base64 */
	*sig = *sig == 'A' ? 'B' : 'A';
	l[0] = strdup(e[0]);
	l[1] = inclusion(e[0], pr[0]);
	l[2] = strdup(e[1]);
	l[3] = inclusion(e[1], pr[1]);
	all = join(l, 4);
	r = evaluate(p, &art, all);
	CU_ASSERT_EQUAL(r->counted, 1);
	CU_ASSERT_PTR_NOT_NULL(strstr(r->items[1].reason, "checkpoint"));
	vouch_policy_result_free(r);
	free(all);
	for (int i = 0; i < 4; i++)
		free(l[i]);
	free(e[0]);
	free(e[1]);
	free_strs(pr, 2);
	vouch_policy_free(p);
}

static void
test_bundle_round_trip(void)
{
	char *e[2] = { envelope(&PASS, lab[0], NULL), envelope(&PASS, lab[1], NULL) };
	char **pr = log_proofs(e, 2, NULL);
	vouch_evbundle *b = NULL, *c = NULL;
	vouch_buf out, out2;
	vouch_err er;
	size_t len;

	setup();
	vouch_err_clear(&er);
	vouch_buf_init(&out, 0);
	vouch_buf_init(&out2, 0);
	CU_ASSERT_EQUAL(vouch_evbundle_new(&b, &er), VOUCH_OK);
	CU_ASSERT_EQUAL(vouch_evbundle_add_proof(b, (const uint8_t *)e[1], strlen(e[1]), pr[1],
	                                         strlen(pr[1]), &er), VOUCH_OK);
	CU_ASSERT_EQUAL(vouch_evbundle_orphans(b), 1);
	for (int i = 0; i < 2; i++)
		CU_ASSERT_EQUAL(vouch_evbundle_add_envelope(b, (const uint8_t *)e[i], strlen(e[i]), "x", &er),
		                VOUCH_OK);
	CU_ASSERT_EQUAL(vouch_evbundle_orphans(b), 0);
	CU_ASSERT_EQUAL(vouch_evbundle_add_proof(b, (const uint8_t *)e[0], strlen(e[0]), pr[0],
	                                         strlen(pr[0]), &er), VOUCH_OK);
	/* the same proof again is kept once; the same envelope again too */
	vouch_evbundle_add_proof(b, (const uint8_t *)e[0], strlen(e[0]), pr[0], strlen(pr[0]), &er);
	vouch_evbundle_add_envelope(b, (const uint8_t *)e[0], strlen(e[0]), "y", &er);
	CU_ASSERT_EQUAL(vouch_evbundle_entry_count(b), 2);
	CU_ASSERT_EQUAL(vouch_evbundle_proof_count(b, 0), 1);
	CU_ASSERT_EQUAL(vouch_evbundle_write(b, &out, &er), VOUCH_OK);
	/* a foreign line and a CRLF line end are fine */
	vouch_buf_append_str(&out, "{\"some\":\"other record\"}\r\nnot json\n", NULL);
	CU_ASSERT_EQUAL(vouch_evbundle_new(&c, &er), VOUCH_OK);
	CU_ASSERT_EQUAL(vouch_evbundle_add_jsonl(c, (const char *)out.data, out.len, "b", &er),
	                VOUCH_OK);
	CU_ASSERT_EQUAL(vouch_evbundle_entry_count(c), 2);
	CU_ASSERT_EQUAL(vouch_evbundle_skipped(c), 2);
	CU_ASSERT_EQUAL(vouch_evbundle_proof_count(c, 1), 1);
	CU_ASSERT_PTR_NOT_NULL(vouch_evbundle_proof(c, 1, 0, NULL));
	CU_ASSERT_EQUAL(memcmp(vouch_evbundle_entry(c, 0, &len), e[0], strlen(e[0])), 0);
	CU_ASSERT_STRING_EQUAL(vouch_evbundle_entry_where(c, 1), "b:3");
	CU_ASSERT_EQUAL(vouch_evbundle_write(c, &out2, &er), VOUCH_OK);
	CU_ASSERT_EQUAL(out2.len + strlen("{\"some\":\"other record\"}\r\nnot json\n"), out.len);
	CU_ASSERT_EQUAL(memcmp(out.data, out2.data, out2.len), 0);
	vouch_buf_free(&out);
	vouch_buf_free(&out2);
	vouch_evbundle_free(b);
	vouch_evbundle_free(c);
	free(e[0]);
	free(e[1]);
	free_strs(pr, 2);
}

/* vouch_policy_run: the whole offline workflow over files, output through
 * the sink in artifact order, errors before any output. */
struct run_sink {
	vouch_buf out;
	int calls;
};

static int
run_put(void *ctx, const uint8_t *data, size_t len, vouch_err *err)
{
	struct run_sink *k = ctx;

	k->calls++;
	return vouch_buf_append(&k->out, data, len, err);
}

static void
test_policy_run(void)
{
	const char *src = getenv("VOUCH_SRCDIR");
	char policy[4096], art1[4096], art2[4096];
	const char *arts[2] = { art1, art2 };
	struct run_sink k = { { 0 }, 0 };
	vouch_policy_run_opts o = { policy, NULL, 0, NULL, 0, NULL, "2027-01-01T00:00:00Z", 0, 1,
		                        0, run_put, &k };
	vouch_err er;
	int met = -1;

	CU_ASSERT_PTR_NOT_NULL_FATAL(src);
	snprintf(policy, sizeof policy, "%s/examples/policy.json", src);
	snprintf(art1, sizeof art1, "%s/examples/hello/hello.c", src);
	snprintf(art2, sizeof art2, "%s/examples/hello/Makefile", src);
	vouch_buf_init(&k.out, 0);
	vouch_err_clear(&er);
	CU_ASSERT_EQUAL(vouch_policy_run(&o, arts, 2, &met, &er), VOUCH_OK);
	CU_ASSERT_EQUAL(met, 0); /* no evidence: not met */
	CU_ASSERT_EQUAL(k.calls, 2);
	vouch_buf_append_byte(&k.out, 0, NULL);
	CU_ASSERT_PTR_NOT_NULL(strstr((char *)k.out.data, "hello.c"));
	CU_ASSERT_PTR_NOT_NULL(strstr((char *)k.out.data, "Makefile"));
	CU_ASSERT(strstr((char *)k.out.data, "hello.c") < strstr((char *)k.out.data, "Makefile"));

	k.calls = 0;
	o.json = 1;
	vouch_buf_reset(&k.out);
	CU_ASSERT_EQUAL(vouch_policy_run(&o, arts, 1, &met, &er), VOUCH_OK);
	CU_ASSERT_EQUAL(k.calls, 1);
	CU_ASSERT(k.out.len > 0 && k.out.data[0] == '{' && k.out.data[k.out.len - 1] == '\n');

	k.calls = 0;
	o.at = "yesterday";
	CU_ASSERT_EQUAL(vouch_policy_run(&o, arts, 1, &met, &er), VOUCH_EUSAGE);
	CU_ASSERT_EQUAL(strncmp(vouch_err_msg(&er), "--at: ", 6), 0);
	CU_ASSERT_EQUAL(k.calls, 0);

	vouch_err_clear(&er);
	o.at = NULL;
	art2[0] = '\0'; /* an artifact that cannot be read: nothing is decided */
	CU_ASSERT_NOT_EQUAL(vouch_policy_run(&o, arts, 2, &met, &er), VOUCH_OK);
	CU_ASSERT_EQUAL(k.calls, 0);

	vouch_err_clear(&er);
	o.put = NULL;
	CU_ASSERT_EQUAL(vouch_policy_run(&o, arts, 1, &met, &er), VOUCH_EUSAGE);
	vouch_buf_free(&k.out);
}

static const struct test_case cases[] = {
	{ "parse a good policy", test_parse_good },
	{ "parse refuses bad policies", test_parse_refused },
	{ "keys files, shared keys, private keys", test_parse_keys },
	{ "RFC 3339 timestamps", test_rfc3339 },
	{ "threshold met; k-1 labs only", test_threshold_met_and_k_minus_1 },
	{ "one lab signing twice counts once", test_one_lab_twice },
	{ "another digest; untrusted key", test_other_digest_and_untrusted },
	{ "expired and future verdicts", test_expired_and_future },
	{ "trusted FAILED verdicts", test_conflict },
	{ "modes, predicate types, VSA policies", test_modes_and_types },
	{ "tampered signature", test_tampered },
	{ "inclusion required", test_inclusion_required },
	{ "truncated proofs", test_truncated_proof },
	{ "forked checkpoints", test_fork },
	{ "checkpoints inconsistent with the log", test_inconsistent_sizes },
	{ "checkpoint with a bad signature", test_bad_checkpoint_signature },
	{ "bundle round trip", test_bundle_round_trip },
	{ "vouch_policy_run: offline workflow over files", test_policy_run },
	{ NULL, NULL }
};

int
main(void)
{
	int rc = test_run("policy", cases);

	for (int i = 0; i < NLAB; i++)
		vouch_key_free(lab[i]);
	vouch_key_free(lab_a2);
	vouch_key_free(logkey);
	free(verifier);
	return rc;
}
