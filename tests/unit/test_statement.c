/* test_statement.c - Statement v1 validation and matching; the SLSA
 * provenance and VSA builders. */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "harness.h"
#include "vouch/vouch.h"

#define H64 "a948904f2f0f479b8f8197694b30184b0d2ed1c1cd2a1ec0fb85d299a192a447"
#define PRE "{\"_type\":\"https://in-toto.io/Statement/v1\","
#define TAIL ",\"predicateType\":\"https://example.com/p\",\"predicate\":{}}"

static int
parse(const char *text)
{
	vouch_statement *st = NULL;
	vouch_err e;
	int rc;

	vouch_err_clear(&e);
	rc = vouch_statement_parse(text, strlen(text), &st, &e);
	CU_ASSERT_EQUAL(rc == VOUCH_OK, st != NULL);
	if (rc != VOUCH_OK)
		CU_ASSERT_NOT_EQUAL(e.msg[0], '\0');
	vouch_statement_free(st);
	return rc;
}

static void
test_valid(void)
{
	CU_ASSERT_EQUAL(parse(PRE "\"subject\":[{\"name\":\"hello\",\"digest\":{\"sha256\":\"" H64
	    "\"}}]" TAIL), VOUCH_OK);
	/* predicate is optional; sha512 alone meets the floor; unknown names tolerated */
	CU_ASSERT_EQUAL(parse(PRE "\"subject\":[{\"digest\":{\"sha512\":\"" H64 H64 "\","
	    "\"gitCommit\":\"abc\"}}],\"predicateType\":\"x:y\"}"), VOUCH_OK);
	/* sha1 may ride along, but does not count */
	CU_ASSERT_EQUAL(parse(PRE "\"subject\":[{\"digest\":{\"sha1\":\"0123456789012345678901234567"
	    "890123456789\",\"sha256\":\"" H64 "\"}}]" TAIL), VOUCH_OK);
}

static void
test_invalid(void)
{
	const char *bad[] = {
		/* empty subject */
		PRE "\"subject\":[]" TAIL,
		/* no subject */
		PRE "\"predicateType\":\"x\"}",
		/* uppercase hex */
		PRE "\"subject\":[{\"digest\":{\"sha256\":\"A948904F2F0F479B8F8197694B30184B0D2ED1C1CD2A"
		    "1EC0FB85D299A192A447\"}}]" TAIL,
		/* wrong length */
		PRE "\"subject\":[{\"digest\":{\"sha256\":\"a948904f\"}}]" TAIL,
		/* md5 refused even next to sha256 */
		PRE "\"subject\":[{\"digest\":{\"md5\":\"0123456789abcdef0123456789abcdef\","
		    "\"sha256\":\"" H64 "\"}}]" TAIL,
		/* only weak or unknown algorithms */
		PRE "\"subject\":[{\"digest\":{\"sha1\":\"0123456789012345678901234567890123456789\"}}]"
		    TAIL,
		PRE "\"subject\":[{\"digest\":{\"SHA256\":\"" H64 "\"}}]" TAIL,
		/* no digest */
		PRE "\"subject\":[{\"name\":\"x\"}]" TAIL,
		/* duplicate and case-variant keys */
		PRE "\"subject\":[{\"digest\":{\"sha256\":\"" H64 "\"}}],\"subject\":[{\"digest\":"
		    "{\"sha256\":\"" H64 "\"}}]" TAIL,
		PRE "\"subject\":[{\"digest\":{\"sha256\":\"" H64 "\"}}],\"Subject\":[]" TAIL,
		PRE "\"subject\":[{\"digest\":{\"sha256\":\"" H64 "\",\"sha256\":\"" H64 "\"}}]" TAIL,
		/* predicateType missing / not a string / empty */
		PRE "\"subject\":[{\"digest\":{\"sha256\":\"" H64 "\"}}]}",
		PRE "\"subject\":[{\"digest\":{\"sha256\":\"" H64 "\"}}],\"predicateType\":1}",
		PRE "\"subject\":[{\"digest\":{\"sha256\":\"" H64 "\"}}],\"predicateType\":\"\"}",
		/* predicate not an object */
		PRE "\"subject\":[{\"digest\":{\"sha256\":\"" H64 "\"}}],\"predicateType\":\"x\","
		    "\"predicate\":[]}",
		/* wrong _type */
		"{\"_type\":\"https://in-toto.io/Statement/v0.1\",\"subject\":[{\"digest\":"
		    "{\"sha256\":\"" H64 "\"}}]" TAIL,
		/* name not a string; digest value not a string */
		PRE "\"subject\":[{\"name\":1,\"digest\":{\"sha256\":\"" H64 "\"}}]" TAIL,
		PRE "\"subject\":[{\"digest\":{\"sha256\":1}}]" TAIL,
		"[]",
		NULL
	};

	for (int i = 0; bad[i] != NULL; i++) {
		int rc = parse(bad[i]);

		if (rc == VOUCH_OK)
			fprintf(stderr, "accepted bad statement %d: %s\n", i, bad[i]);
		CU_ASSERT_EQUAL(rc, VOUCH_EINPUT);
	}
}

static void
digests_of(const char *s, vouch_digests *d)
{
	CU_ASSERT_EQUAL_FATAL(vouch_digest_mem(s, strlen(s), VOUCH_ALG_ALL, d, NULL), VOUCH_OK);
}

static void
test_match(void)
{
	vouch_statement *st = NULL, *back = NULL;
	vouch_digests dh, dx;
	vouch_buf out;
	size_t which = 9;
	char text[1024];

	vouch_buf_init(&out, 0);
	digests_of("hello\n", &dh);
	digests_of("other\n", &dx);
	CU_ASSERT_EQUAL(vouch_statement_new("https://example.com/p", &st, NULL), VOUCH_OK);
	CU_ASSERT_EQUAL(vouch_statement_serialize(st, &out, NULL), VOUCH_EINPUT); /* no subject */
	CU_ASSERT_EQUAL(vouch_statement_add_subject(st, "x", &dx, NULL), VOUCH_OK);
	CU_ASSERT_EQUAL(vouch_statement_add_subject(st, "hello", &dh, NULL), VOUCH_OK);
	CU_ASSERT_EQUAL(vouch_statement_serialize(st, &out, NULL), VOUCH_OK);
	CU_ASSERT_EQUAL(vouch_statement_parse(out.data, out.len, &back, NULL), VOUCH_OK);
	CU_ASSERT_EQUAL(vouch_statement_match(back, &dh, &which, NULL), VOUCH_OK);
	CU_ASSERT_EQUAL(which, 1);
	CU_ASSERT_EQUAL(vouch_statement_subject_count(back), 2);
	CU_ASSERT_PTR_NULL(vouch_statement_subject(back, 2));
	vouch_statement_free(back);
	back = NULL;
	/* a subject whose sha256 matches but whose sha512 does not: no match */
	snprintf(text, sizeof(text), PRE "\"subject\":[{\"digest\":{\"sha256\":\"%s\","
	    "\"sha512\":\"%s\"}}]" TAIL,
	    "5891b5b522d5df086d0ff0b110fbd9d21bb4fc7163af34d08286a2e846f6be03", H64 H64);
	CU_ASSERT_EQUAL(vouch_statement_parse(text, strlen(text), &back, NULL), VOUCH_OK);
	CU_ASSERT_EQUAL(vouch_statement_match(back, &dh, NULL, NULL), VOUCH_ENEGATIVE);
	dh.algs = VOUCH_ALG_SHA256; /* only sha256 known: then it matches */
	CU_ASSERT_EQUAL(vouch_statement_match(back, &dh, NULL, NULL), VOUCH_OK);
	dh.algs = VOUCH_ALG_SHA3_256; /* nothing shared */
	CU_ASSERT_EQUAL(vouch_statement_match(back, &dh, NULL, NULL), VOUCH_ENEGATIVE);
	vouch_statement_free(back);
	vouch_statement_free(st);
	vouch_buf_free(&out);
}

static void
test_time(void)
{
	char ts[VOUCH_RFC3339_LEN + 1];

	CU_ASSERT_EQUAL(vouch_time_rfc3339(0, ts, NULL), VOUCH_OK);
	CU_ASSERT_STRING_EQUAL(ts, "1970-01-01T00:00:00Z");
	CU_ASSERT_EQUAL(vouch_time_rfc3339(1700000000, ts, NULL), VOUCH_OK);
	CU_ASSERT_STRING_EQUAL(ts, "2023-11-14T22:13:20Z");
}

static void
test_provenance(void)
{
	vouch_provenance *p = NULL;
	vouch_statement *st = NULL, *back = NULL;
	cJSON *pred = NULL;
	vouch_digests d;
	vouch_buf out;
	const cJSON *pr, *def, *run;

	vouch_buf_init(&out, 0);
	digests_of("src", &d);
	CU_ASSERT_EQUAL(vouch_provenance_new("not a uri", NULL, &p, NULL), VOUCH_EUSAGE);
	CU_ASSERT_EQUAL_FATAL(vouch_provenance_new(NULL, "https://lab.example/a", &p, NULL), 0);
	cJSON_AddStringToObject(vouch_provenance_external(p), "recipe", "hello.recipe");
	CU_ASSERT_EQUAL(vouch_provenance_add_dependency(p, "source", "file:src.tar", &d, NULL), 0);
	CU_ASSERT_EQUAL(vouch_provenance_set_builder_version(p, "vouch", "1.0", NULL), 0);
	CU_ASSERT_EQUAL(vouch_provenance_set_times(p, "run-1", 0, 60, NULL), 0);
	CU_ASSERT_EQUAL(vouch_provenance_set_extension(p, "sandbox", cJSON_CreateString("ns"),
	    NULL), 0);
	CU_ASSERT_EQUAL(vouch_provenance_set_extension(p, "bad-name", cJSON_CreateTrue(), NULL),
	    VOUCH_EUSAGE);
	CU_ASSERT_EQUAL(vouch_provenance_to_json(p, &pred, NULL), VOUCH_OK);
	CU_ASSERT_EQUAL(vouch_statement_new(VOUCH_PREDICATE_PROVENANCE, &st, NULL), 0);
	CU_ASSERT_EQUAL(vouch_statement_add_subject(st, "hello", &d, NULL), 0);
	CU_ASSERT_EQUAL(vouch_statement_set_predicate(st, pred, NULL), 0);
	CU_ASSERT_EQUAL(vouch_statement_serialize(st, &out, NULL), 0);
	CU_ASSERT_EQUAL_FATAL(vouch_statement_parse(out.data, out.len, &back, NULL), 0);
	pr = vouch_statement_predicate(back);
	def = vouch_json_get_object(pr, "buildDefinition");
	run = vouch_json_get_object(pr, "runDetails");
	CU_ASSERT_STRING_EQUAL(vouch_json_get_string(def, "buildType"),
	    "https://vouch.dev/attestation/rebuild/v1");
	CU_ASSERT_PTR_NULL(vouch_json_get(def, "internalParameters")); /* empty: left out */
	CU_ASSERT_EQUAL(cJSON_GetArraySize(vouch_json_get_array(def, "resolvedDependencies")), 1);
	CU_ASSERT_STRING_EQUAL(vouch_json_get_string(vouch_json_get_object(run, "metadata"),
	    "finishedOn"), "1970-01-01T00:01:00Z");
	CU_ASSERT_STRING_EQUAL(vouch_json_get_string(pr, "vouch_sandbox"), "ns");
	CU_ASSERT_STRING_EQUAL(vouch_json_get_string(vouch_json_get_object(run, "builder"), "id"),
	    "https://lab.example/a");
	vouch_statement_free(back);
	vouch_statement_free(st);
	vouch_provenance_free(p);
	vouch_buf_free(&out);
}

static void
test_vsa(void)
{
	vouch_vsa *v = NULL;
	cJSON *pred = NULL;
	vouch_digests d;

	digests_of("env", &d);
	CU_ASSERT_EQUAL_FATAL(vouch_vsa_new(NULL, 0, 1700000000, &v, NULL), VOUCH_OK);
	CU_ASSERT_EQUAL(vouch_vsa_to_json(v, &pred, NULL), VOUCH_EUSAGE); /* no resourceUri */
	CU_ASSERT_EQUAL(vouch_vsa_set_resource_uri(v, "file:fw.bin", NULL), VOUCH_OK);
	CU_ASSERT_EQUAL(vouch_vsa_add_input(v, "file:prov.intoto.jsonl", &d, NULL), VOUCH_OK);
	CU_ASSERT_EQUAL(vouch_vsa_add_input(v, "file:x", NULL, NULL), VOUCH_EUSAGE);
	CU_ASSERT_EQUAL(vouch_vsa_add_level(v, "SLSA_BUILD_LEVEL_1", NULL), VOUCH_OK);
	CU_ASSERT_EQUAL(vouch_vsa_add_level(v, "bad level", NULL), VOUCH_EUSAGE);
	CU_ASSERT_EQUAL(vouch_vsa_set_dependency_level(v, "SLSA_BUILD_LEVEL_1", 3, NULL), 0);
	CU_ASSERT_EQUAL(vouch_vsa_set_extension(v, "differences", cJSON_CreateNumber(2), NULL), 0);
	CU_ASSERT_EQUAL_FATAL(vouch_vsa_to_json(v, &pred, NULL), VOUCH_OK);
	CU_ASSERT_STRING_EQUAL(vouch_json_get_string(pred, "verificationResult"), "FAILED");
	CU_ASSERT_STRING_EQUAL(vouch_json_get_string(pred, "timeVerified"), "2023-11-14T22:13:20Z");
	CU_ASSERT_STRING_EQUAL(vouch_json_get_string(vouch_json_get_object(pred, "policy"), "uri"),
	    "https://vouch.dev/attestation/policy/reproducible/v1");
	CU_ASSERT_STRING_EQUAL(vouch_json_get_string(vouch_json_get_object(pred, "verifier"), "id"),
	    "https://vouch.dev/attestation/verifier/v1");
	CU_ASSERT_STRING_EQUAL(vouch_json_get_string(pred, "slsaVersion"), "1.0");
	CU_ASSERT_PTR_NOT_NULL(vouch_json_get(pred, "vouch_differences"));
	cJSON_Delete(pred);
	vouch_vsa_free(v);
}

/* A subject given as a ResourceDescriptor is copied and validated like a
 * parsed one; the names that count toward the sha256 floor. */
static void
test_subject_json(void)
{
	static const char ok[] = "{\"name\":\"a\",\"digest\":{\"sha256\":"
	    "\"5891b5b522d5df086d0ff0b110fbd9d21bb4fc7163af34d08286a2e846f6be03\"}}";
	static const char weak[] = "{\"name\":\"b\",\"digest\":{\"sha1\":"
	    "\"f572d396fae9206628714fb2ce00f72e94f2258f\"}}";
	vouch_statement *st = NULL;
	cJSON *a = cJSON_Parse(ok), *b = cJSON_Parse(weak);
	vouch_digests d;
	size_t which = 9;

	CU_ASSERT_PTR_NOT_NULL_FATAL(a);
	CU_ASSERT_PTR_NOT_NULL_FATAL(b);
	CU_ASSERT_EQUAL_FATAL(vouch_statement_new("https://example.com/p", &st, NULL), VOUCH_OK);
	CU_ASSERT_EQUAL(vouch_statement_add_subject_json(st, a, NULL), VOUCH_OK);
	cJSON_Delete(a); /* copied */
	CU_ASSERT_EQUAL(vouch_statement_add_subject_json(st, b, NULL), VOUCH_EINPUT);
	CU_ASSERT_EQUAL(vouch_statement_subject_count(st), 1);
	CU_ASSERT_STRING_EQUAL(vouch_json_get_string(vouch_statement_subject(st, 0), "name"), "a");
	digests_of("hello\n", &d);
	CU_ASSERT_EQUAL(vouch_statement_match(st, &d, &which, NULL), VOUCH_OK);
	CU_ASSERT_EQUAL(which, 0);
	cJSON_Delete(b);
	vouch_statement_free(st);

	CU_ASSERT(vouch_digest_name_accepted("sha256"));
	CU_ASSERT(vouch_digest_name_accepted("sha3_256"));
	CU_ASSERT(!vouch_digest_name_accepted("sha1"));
	CU_ASSERT(!vouch_digest_name_accepted("md5"));
	CU_ASSERT(!vouch_digest_name_accepted("gitCommit"));
}

static const struct test_case cases[] = {
	{ "valid statements", test_valid },
	{ "invalid statements refused", test_invalid },
	{ "build, serialise, match by digest", test_match },
	{ "subjects as ResourceDescriptors; accepted digest names", test_subject_json },
	{ "RFC 3339 UTC timestamps", test_time },
	{ "SLSA provenance builder", test_provenance },
	{ "SLSA VSA builder", test_vsa },
	{ NULL, NULL }
};

int
main(void)
{
	return test_run("statement", cases);
}
