/* attest_emit.c - print one provenance and one VSA statement made by the
 * library builders (fully filled), one per line, for tests/cli/attest.sh
 * to sign, verify and validate against schemas/. */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include "vouch/vouch.h"

static int
provenance(const vouch_digests *d, vouch_buf *out, vouch_err *err)
{
	vouch_provenance *p = NULL;
	vouch_statement *st = NULL;
	cJSON *pred = NULL;
	int rc;

	if ((rc = vouch_provenance_new(NULL, "https://lab.example/rebuilder", &p, err)) != 0)
		return rc;
	cJSON_AddStringToObject(vouch_provenance_external(p), "recipe", "hello.recipe");
	cJSON_AddStringToObject(vouch_provenance_internal(p), "sandbox", "userns");
	if ((rc = vouch_provenance_add_dependency(p, "source", "file:hello.tar", d, err)) == 0 &&
	    (rc = vouch_provenance_add_byproduct(p, "log", NULL, d, err)) == 0 &&
	    (rc = vouch_provenance_add_builder_dependency(p, "image", "oci:env", d, err)) == 0 &&
	    (rc = vouch_provenance_set_builder_version(p, "vouch", "1.0", err)) == 0 &&
	    (rc = vouch_provenance_set_times(p, "run-1", 1700000000, 1700000060, err)) == 0 &&
	    (rc = vouch_provenance_set_extension(p, "sourceTree", cJSON_CreateString("x"), err)) == 0 &&
	    (rc = vouch_provenance_to_json(p, &pred, err)) == 0 &&
	    (rc = vouch_statement_new(VOUCH_PREDICATE_PROVENANCE, &st, err)) == 0 &&
	    (rc = vouch_statement_add_subject(st, "hello", d, err)) == 0 &&
	    (rc = vouch_statement_set_predicate(st, pred, err)) == 0)
		rc = vouch_statement_serialize(st, out, err);
	vouch_statement_free(st);
	vouch_provenance_free(p);
	return rc;
}

static int
vsa(const vouch_digests *d, vouch_buf *out, vouch_err *err)
{
	vouch_vsa *v = NULL;
	vouch_statement *st = NULL;
	cJSON *pred = NULL;
	int rc;

	if ((rc = vouch_vsa_new("https://lab.example/verifier", 1, 1700000000, &v, err)) != 0)
		return rc;
	if ((rc = vouch_vsa_set_verifier_version(v, "vouch", "1.0", err)) == 0 &&
	    (rc = vouch_vsa_set_resource_uri(v, "file:hello", err)) == 0 &&
	    (rc = vouch_vsa_set_policy(v, VOUCH_POLICY_REPRODUCIBLE, d, err)) == 0 &&
	    (rc = vouch_vsa_add_input(v, "file:prov.intoto.jsonl", d, err)) == 0 &&
	    (rc = vouch_vsa_add_level(v, "SLSA_BUILD_LEVEL_1", err)) == 0 &&
	    (rc = vouch_vsa_set_dependency_level(v, "SLSA_BUILD_LEVEL_1", 2, err)) == 0 &&
	    (rc = vouch_vsa_set_extension(v, "differences", cJSON_CreateNumber(0), err)) == 0 &&
	    (rc = vouch_vsa_to_json(v, &pred, err)) == 0 &&
	    (rc = vouch_statement_new(VOUCH_PREDICATE_VSA, &st, err)) == 0 &&
	    (rc = vouch_statement_add_subject(st, "hello", d, err)) == 0 &&
	    (rc = vouch_statement_set_predicate(st, pred, err)) == 0)
		rc = vouch_statement_serialize(st, out, err);
	vouch_statement_free(st);
	vouch_vsa_free(v);
	return rc;
}

int
main(void)
{
	vouch_digests d;
	vouch_buf out;
	vouch_err err;
	int rc;

	vouch_err_clear(&err);
	vouch_buf_init(&out, 0);
	rc = vouch_digest_mem("hello\n", 6, VOUCH_ALG_SHA256 | VOUCH_ALG_SHA512, &d, &err);
	if (rc == 0)
		rc = provenance(&d, &out, &err);
	if (rc == 0)
		rc = vouch_buf_append_byte(&out, '\n', &err);
	if (rc == 0)
		rc = vsa(&d, &out, &err);
	if (rc == 0)
		rc = vouch_buf_append_byte(&out, '\n', &err);
	if (rc == 0)
		fwrite(out.data, 1, out.len, stdout);
	else
		fprintf(stderr, "attest_emit: %s\n", vouch_err_msg(&err));
	vouch_buf_free(&out);
	return rc == 0 && fflush(stdout) == 0 ? 0 : 1;
}
