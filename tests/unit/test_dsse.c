/* test_dsse.c - DSSE PAE, envelopes and threshold verification against
 * tests/vectors/dsse.json (computed by python3-cryptography). */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "harness.h"
#include "vouch/vouch.h"
#include "vouch/key.h"

static cJSON *vectors;
static vouch_key *key_a, *key_b, *key_e;

static void
load_vectors(void)
{
	size_t len;
	char *text;
	const cJSON *keys;

	if (vectors != NULL)
		return;
	text = test_slurp(test_vector_path("dsse.json"), &len);
	if (vouch_json_parse(text, len, &vectors, NULL) != VOUCH_OK)
		abort();
	free(text);
	keys = vouch_json_get_object(vectors, "keys");
	const char *names[] = { "A", "B", "E" };
	vouch_key **slots[] = { &key_a, &key_b, &key_e };
	for (int i = 0; i < 3; i++) {
		const char *pem = vouch_json_get_string(vouch_json_get_object(keys, names[i]),
		    "private_pem");
		vouch_err e;

		vouch_err_clear(&e);
		if (vouch_key_load_pem(pem, strlen(pem), NULL, 0, slots[i], &e) != VOUCH_OK) {
			fprintf(stderr, "key %s: %s\n", names[i], vouch_err_msg(&e));
			abort();
		}
	}
}

static const cJSON *
vcase(const char *name)
{
	const cJSON *c;

	load_vectors();
	cJSON_ArrayForEach(c, vouch_json_get_array(vectors, "cases"))
		if (strcmp(vouch_json_get_string(c, "name"), name) == 0)
			return c;
	abort();
}

/* Parse the case's envelope from its JSON text. */
static vouch_envelope *
case_envelope(const char *name)
{
	vouch_envelope *env = NULL;
	char *text = cJSON_PrintUnformatted(vouch_json_get(vcase(name), "envelope"));
	vouch_err e;

	vouch_err_clear(&e);
	CU_ASSERT_EQUAL_FATAL(vouch_envelope_parse(text, strlen(text), 0, &env, &e), VOUCH_OK);
	cJSON_free(text);
	return env;
}

static int
verify_with(const vouch_envelope *env, const char *type, const vouch_key *const *keys,
            size_t n, size_t threshold, vouch_buf *payload, size_t *nvalid)
{
	struct vouch_dsse_verify opt = { type, keys, n, threshold };
	vouch_err e;

	vouch_err_clear(&e);
	return vouch_envelope_verify(env, &opt, payload, nvalid, NULL, &e);
}

static void
test_pae_vectors(void)
{
	const char *names[] = { "pae-spec-example", "pae-non-ascii-type", "pae-empty-body" };

	for (int i = 0; i < 3; i++) {
		const cJSON *c = vcase(names[i]);
		const char *type = vouch_json_get_string(c, "payloadType");
		const char *b64 = vouch_json_get_string(c, "payload_b64");
		vouch_buf body, pae, hex;

		vouch_buf_init(&body, 0);
		vouch_buf_init(&pae, 0);
		vouch_buf_init(&hex, 0);
		CU_ASSERT_EQUAL(vouch_b64_decode(b64, strlen(b64), VOUCH_B64_STD, &body, NULL), 0);
		CU_ASSERT_EQUAL(vouch_envelope_pae(type, strlen(type), body.data, body.len, &pae, NULL),
		                0);
		CU_ASSERT_EQUAL(vouch_hex_append(&hex, pae.data, pae.len, NULL), 0);
		CU_ASSERT_STRING_EQUAL(vouch_buf_cstr(&hex), vouch_json_get_string(c, "pae_hex"));
		vouch_buf_free(&body);
		vouch_buf_free(&pae);
		vouch_buf_free(&hex);
	}
}

static void
test_ed25519_single_and_identical_signature(void)
{
	vouch_envelope *env = case_envelope("ed25519-single"), *mine = NULL;
	const vouch_key *ka[] = { key_a }, *kb[] = { key_b };
	const char *stmt = vouch_json_get_string(vectors, "statement_payload");
	vouch_buf payload, out;

	vouch_buf_init(&payload, 0);
	vouch_buf_init(&out, 0);
	CU_ASSERT_EQUAL(verify_with(env, NULL, ka, 1, 1, &payload, NULL), VOUCH_OK);
	CU_ASSERT_EQUAL(payload.len, strlen(stmt));
	CU_ASSERT_EQUAL(memcmp(payload.data, stmt, payload.len), 0);
	/* wrong key */
	CU_ASSERT_EQUAL(verify_with(env, NULL, kb, 1, 1, NULL, NULL), VOUCH_ENEGATIVE);
	/* our own signature is byte-identical (Ed25519 is deterministic) */
	CU_ASSERT_EQUAL(vouch_envelope_new(VOUCH_INTOTO_PAYLOAD_TYPE, stmt, strlen(stmt), &mine,
	    NULL), VOUCH_OK);
	CU_ASSERT_EQUAL(vouch_envelope_sign(mine, key_a, NULL), VOUCH_OK);
	CU_ASSERT_EQUAL(vouch_envelope_serialize(mine, &out, NULL), VOUCH_OK);
	CU_ASSERT_PTR_NOT_NULL(strstr(vouch_buf_cstr(&out), "\"sig\":\"gBl+LHgRLYlYBO81oDMG1y3yWVI5"
	    "tvqzrrpv2FqP35i0M6y5uDavc5Q2GjjbBXUMSPrWsH8kaITUO414rJXZBA==\""));
	CU_ASSERT_PTR_NOT_NULL(strstr(vouch_buf_cstr(&out), "\"keyid\":\"06e3fd8fda29bb60ab59557de6"
	    "1edb0aecdb231134be30e75b455f8e1b792fa9\""));
	CU_ASSERT_PTR_NULL(strchr(vouch_buf_cstr(&out), '\n'));
	vouch_envelope_free(mine);
	vouch_envelope_free(env);
	vouch_buf_free(&payload);
	vouch_buf_free(&out);
}

static void
test_threshold_distinct_keys(void)
{
	vouch_envelope *two = case_envelope("ed25519-two-keys");
	vouch_envelope *twice = case_envelope("ed25519-one-key-twice");
	const vouch_key *ab[] = { key_a, key_b }, *aa[] = { key_a, key_a };
	unsigned char ok[2];
	size_t n = 99;
	struct vouch_dsse_verify opt = { NULL, ab, 2, 2 };
	vouch_err e;

	CU_ASSERT_EQUAL(verify_with(two, NULL, ab, 2, 2, NULL, &n), VOUCH_OK);
	CU_ASSERT_EQUAL(n, 2);
	CU_ASSERT_EQUAL(verify_with(twice, NULL, ab, 2, 2, NULL, &n), VOUCH_ENEGATIVE);
	CU_ASSERT_EQUAL(n, 1);
	vouch_err_clear(&e);
	CU_ASSERT_EQUAL(vouch_envelope_verify(twice, &opt, NULL, NULL, ok, &e), VOUCH_ENEGATIVE);
	CU_ASSERT_EQUAL(ok[0], 1);
	CU_ASSERT_EQUAL(ok[1], 0);
	CU_ASSERT_PTR_NOT_NULL(strstr(vouch_err_msg(&e), "only 1 of the 2"));
	CU_ASSERT_EQUAL(verify_with(twice, NULL, ab, 2, 1, NULL, NULL), VOUCH_OK);
	/* the same key listed twice by the caller is one key */
	CU_ASSERT_EQUAL(verify_with(twice, NULL, aa, 2, 2, NULL, NULL), VOUCH_EUSAGE);
	CU_ASSERT_EQUAL(verify_with(two, NULL, ab, 2, 3, NULL, NULL), VOUCH_EUSAGE);
	vouch_envelope_free(two);
	vouch_envelope_free(twice);
}

static void
test_rejections(void)
{
	vouch_envelope *env;
	const vouch_key *ka[] = { key_a };
	size_t n = 99;

	env = case_envelope("ed25519-url-safe-base64");
	CU_ASSERT_EQUAL(verify_with(env, NULL, ka, 1, 1, NULL, NULL), VOUCH_OK);
	CU_ASSERT_STRING_EQUAL(vouch_envelope_sig_keyid(env, 0), "");
	vouch_envelope_free(env);
	env = case_envelope("ed25519-tampered-payload");
	CU_ASSERT_EQUAL(verify_with(env, NULL, ka, 1, 1, NULL, &n), VOUCH_ENEGATIVE);
	CU_ASSERT_EQUAL(n, 0);
	vouch_envelope_free(env);
	env = case_envelope("ed25519-payload-type-swapped");
	CU_ASSERT_EQUAL(verify_with(env, NULL, ka, 1, 1, NULL, NULL), VOUCH_ENEGATIVE);
	CU_ASSERT_EQUAL(verify_with(env, "application/vnd.in-toto.other+json", ka, 1, 1, NULL,
	    NULL), VOUCH_ENEGATIVE);
	vouch_envelope_free(env);
}

static void
test_payload_type_checked(void)
{
	vouch_envelope *env = NULL;
	const vouch_key *ka[] = { key_a };
	vouch_buf p;
	vouch_err e;

	vouch_buf_init(&p, 0);
	CU_ASSERT_EQUAL(vouch_envelope_new("text/plain", "hi", 2, &env, NULL), VOUCH_OK);
	CU_ASSERT_EQUAL(vouch_envelope_sign(env, key_a, NULL), VOUCH_OK);
	vouch_err_clear(&e);
	struct vouch_dsse_verify opt = { NULL, ka, 1, 1 };
	CU_ASSERT_EQUAL(vouch_envelope_verify(env, &opt, &p, NULL, NULL, &e), VOUCH_ENEGATIVE);
	CU_ASSERT_PTR_NOT_NULL(strstr(vouch_err_msg(&e), "payloadType 'text/plain'"));
	CU_ASSERT_EQUAL(p.len, 0);
	CU_ASSERT_EQUAL(verify_with(env, "text/plain", ka, 1, 1, &p, NULL), VOUCH_OK);
	CU_ASSERT_EQUAL(p.len, 2);
	vouch_envelope_free(env);
	vouch_buf_free(&p);
}

static void
test_ecdsa(void)
{
	vouch_envelope *env = case_envelope("ecdsa-p256-der"), *raw, *der = NULL;
	const vouch_key *ke[] = { key_e }, *ka[] = { key_a };
	const cJSON *c = vcase("dsse-spec-ecdsa-raw-rs");
	cJSON *copy;
	char *text;

	CU_ASSERT_EQUAL(verify_with(env, NULL, ke, 1, 1, NULL, NULL), VOUCH_OK);
	CU_ASSERT_EQUAL(verify_with(env, NULL, ka, 1, 1, NULL, NULL), VOUCH_ENEGATIVE);
	vouch_envelope_free(env);
	raw = case_envelope("dsse-spec-ecdsa-raw-rs");
	CU_ASSERT_EQUAL(verify_with(raw, "http://example.com/HelloWorld", ke, 1, 1, NULL, NULL),
	    VOUCH_OK);
	vouch_envelope_free(raw);
	/* the DER form of the same signature */
	copy = cJSON_Duplicate(vouch_json_get(c, "envelope"), 1);
	cJSON *sig0 = cJSON_GetArrayItem(cJSON_GetObjectItem(copy, "signatures"), 0);
	cJSON_ReplaceItemInObject(sig0, "sig",
	    cJSON_CreateString(vouch_json_get_string(c, "sig_der_b64")));
	text = cJSON_PrintUnformatted(copy);
	CU_ASSERT_EQUAL(vouch_envelope_parse(text, strlen(text), 0, &der, NULL), VOUCH_OK);
	CU_ASSERT_EQUAL(verify_with(der, "http://example.com/HelloWorld", ke, 1, 1, NULL, NULL),
	    VOUCH_OK);
	vouch_envelope_free(der);
	cJSON_free(text);
	cJSON_Delete(copy);
	/* ECDSA signatures we make verify too */
	CU_ASSERT_EQUAL(vouch_envelope_new(VOUCH_INTOTO_PAYLOAD_TYPE, "{}", 2, &der, NULL), 0);
	CU_ASSERT_EQUAL(vouch_envelope_sign(der, key_e, NULL), VOUCH_OK);
	CU_ASSERT_EQUAL(verify_with(der, NULL, ke, 1, 1, NULL, NULL), VOUCH_OK);
	vouch_envelope_free(der);
}

static int
parse_text(const char *text, size_t max)
{
	vouch_envelope *env = NULL;
	vouch_err e;
	int rc;

	vouch_err_clear(&e);
	rc = vouch_envelope_parse(text, strlen(text), max, &env, &e);
	CU_ASSERT_EQUAL(rc == VOUCH_OK, env != NULL);
	if (rc != VOUCH_OK)
		CU_ASSERT_NOT_EQUAL(e.msg[0], '\0');
	vouch_envelope_free(env);
	return rc;
}

static void
test_parse_strict(void)
{
	const char *good = "{\"payload\":\"e30=\",\"payloadType\":\"t\",\"signatures\":"
	    "[{\"sig\":\"AAAA\"}],\"extra\":1}";

	CU_ASSERT_EQUAL(parse_text(good, 0), VOUCH_OK);
	CU_ASSERT_EQUAL(parse_text(good, 20), VOUCH_ELIMIT);
	CU_ASSERT_EQUAL(parse_text("{\"payload\":\"e30\",\"payloadType\":\"t\",\"signatures\":"
	    "[{\"sig\":\"AAAA\"}]}", 0), VOUCH_EINPUT); /* missing padding */
	CU_ASSERT_EQUAL(parse_text("{\"payload\":\"!!!!\",\"payloadType\":\"t\",\"signatures\":"
	    "[{\"sig\":\"AAAA\"}]}", 0), VOUCH_EINPUT);
	CU_ASSERT_EQUAL(parse_text("{\"payload\":\"e30=\",\"payloadType\":\"t\",\"signatures\":"
	    "[{\"sig\":\"A-A/\"}]}", 0), VOUCH_EINPUT); /* mixed alphabets */
	CU_ASSERT_EQUAL(parse_text("{\"payload\":\"e30=\",\"payloadType\":\"t\",\"signatures\":[]}",
	    0), VOUCH_EINPUT);
	CU_ASSERT_EQUAL(parse_text("{\"payload\":\"e30=\",\"payloadType\":\"t\",\"signatures\":"
	    "[{\"sig\":\"\"}]}", 0), VOUCH_EINPUT);
	CU_ASSERT_EQUAL(parse_text("{\"payload\":\"e30=\",\"payloadType\":\"t\",\"payloadType\":\"u\","
	    "\"signatures\":[{\"sig\":\"AAAA\"}]}", 0), VOUCH_EINPUT);
	CU_ASSERT_EQUAL(parse_text("{\"payload\":\"e30=\",\"PayloadType\":\"t\",\"payloadType\":\"u\","
	    "\"signatures\":[{\"sig\":\"AAAA\"}]}", 0), VOUCH_EINPUT);
	CU_ASSERT_EQUAL(parse_text("{\"payload\":\"e30=\",\"payloadType\":\"t\",\"signatures\":"
	    "[{\"sig\":\"AAAA\",\"keyid\":5}]}", 0), VOUCH_EINPUT);
	CU_ASSERT_EQUAL(parse_text("[]", 0), VOUCH_EINPUT);
	CU_ASSERT_EQUAL(parse_text("{\"payload\":\"e30=\",\"payloadType\":\"t\",\"signatures\":"
	    "[{\"sig\":\"AAAA\"}]} x", 0), VOUCH_EINPUT);
}

static void
test_add_signature_keeps_payload(void)
{
	vouch_envelope *env = NULL, *back = NULL;
	const vouch_key *ab[] = { key_a, key_b };
	const uint8_t *p1, *p2;
	size_t n1, n2;
	vouch_buf j1, j2;

	vouch_buf_init(&j1, 0);
	vouch_buf_init(&j2, 0);
	CU_ASSERT_EQUAL(vouch_envelope_new(VOUCH_INTOTO_PAYLOAD_TYPE, "", 0, &env, NULL), 0);
	CU_ASSERT_EQUAL(vouch_envelope_serialize(env, &j1, NULL), VOUCH_EUSAGE); /* unsigned */
	CU_ASSERT_EQUAL(vouch_envelope_sign(env, key_a, NULL), VOUCH_OK);
	CU_ASSERT_EQUAL(vouch_envelope_serialize(env, &j1, NULL), VOUCH_OK);
	CU_ASSERT_EQUAL(vouch_envelope_parse((char *)j1.data, j1.len, 0, &back, NULL), VOUCH_OK);
	CU_ASSERT_EQUAL(vouch_envelope_sign(back, key_b, NULL), VOUCH_OK);
	CU_ASSERT_EQUAL(vouch_envelope_serialize(back, &j2, NULL), VOUCH_OK);
	CU_ASSERT_EQUAL(vouch_envelope_sig_count(back), 2);
	p1 = vouch_envelope_payload(env, &n1);
	p2 = vouch_envelope_payload(back, &n2);
	CU_ASSERT_EQUAL(n1, n2);
	CU_ASSERT(n1 == 0 || memcmp(p1, p2, n1) == 0);
	CU_ASSERT_EQUAL(memcmp(j1.data, j2.data, j1.len - 3), 0); /* same prefix up to "}]}" */
	CU_ASSERT_EQUAL(verify_with(back, NULL, ab, 2, 2, NULL, NULL), VOUCH_OK);
	vouch_envelope_free(env);
	vouch_envelope_free(back);
	vouch_buf_free(&j1);
	vouch_buf_free(&j2);
}

static void
test_keyid_is_only_a_hint(void)
{
	/* signed by A but labelled with B's keyid: B must not verify, A must */
	vouch_envelope *env = NULL;
	const vouch_key *ka[] = { key_a }, *kb[] = { key_b };
	vouch_buf j;
	char *text, *pos;
	const char *bid = "deb2ded39dc26fce0e6085b6fc34bf6b5941913bbfe2ea614113cff9e004c170";

	vouch_buf_init(&j, 0);
	CU_ASSERT_EQUAL(vouch_envelope_new(VOUCH_INTOTO_PAYLOAD_TYPE, "x", 1, &env, NULL), 0);
	CU_ASSERT_EQUAL(vouch_envelope_sign(env, key_a, NULL), VOUCH_OK);
	CU_ASSERT_EQUAL(vouch_envelope_serialize(env, &j, NULL), VOUCH_OK);
	vouch_envelope_free(env);
	text = (char *)j.data;
	pos = strstr(text, "06e3fd8f");
	CU_ASSERT_PTR_NOT_NULL_FATAL(pos);
	memcpy(pos, bid, 64);
	CU_ASSERT_EQUAL(vouch_envelope_parse(text, j.len, 0, &env, NULL), VOUCH_OK);
	CU_ASSERT_EQUAL(verify_with(env, NULL, kb, 1, 1, NULL, NULL), VOUCH_ENEGATIVE);
	CU_ASSERT_EQUAL(verify_with(env, NULL, ka, 1, 1, NULL, NULL), VOUCH_OK);
	vouch_envelope_free(env);
	vouch_buf_free(&j);
}

static void
test_limits_and_edges(void)
{
	vouch_envelope *env = NULL;
	vouch_buf j, pae;
	vouch_err e;
	int rc;

	vouch_buf_init(&j, 0);
	vouch_buf_init(&pae, 0);
	/* PAE counts bytes, and a body may hold NUL bytes */
	CU_ASSERT_EQUAL(vouch_envelope_pae("t", 1, "a\0b", 3, &pae, NULL), VOUCH_OK);
	CU_ASSERT_EQUAL(pae.len, 16);
	CU_ASSERT_EQUAL(memcmp(pae.data, "DSSEv1 1 t 3 a\0b", 16), 0);
	CU_ASSERT_EQUAL(vouch_envelope_new("", "x", 1, &env, NULL), VOUCH_EINPUT);
	/* at most VOUCH_DSSE_MAX_SIGS signatures, when signing and parsing */
	CU_ASSERT_EQUAL_FATAL(vouch_envelope_new("t", "x", 1, &env, NULL), VOUCH_OK);
	for (int i = 0; i < VOUCH_DSSE_MAX_SIGS; i++)
		CU_ASSERT_EQUAL(vouch_envelope_sign(env, key_a, NULL), VOUCH_OK);
	CU_ASSERT_EQUAL(vouch_envelope_sign(env, key_a, NULL), VOUCH_ELIMIT);
	CU_ASSERT_EQUAL(vouch_envelope_serialize(env, &j, NULL), VOUCH_OK);
	vouch_envelope_free(env);
	env = NULL;
	/* splice one more signature in: 65 signatures are refused */
	j.len -= 2; /* drop "]}" */
	CU_ASSERT_EQUAL(vouch_buf_append_str(&j, ",{\"sig\":\"AAAA\"}]}", NULL), VOUCH_OK);
	vouch_err_clear(&e);
	rc = vouch_envelope_parse((char *)j.data, j.len, 0, &env, &e);
	CU_ASSERT_EQUAL(rc, VOUCH_ELIMIT);
	CU_ASSERT_PTR_NOT_NULL(strstr(vouch_err_msg(&e), "more than 64 signatures"));
	vouch_envelope_free(env);
	vouch_buf_free(&j);
	vouch_buf_free(&pae);
}

/* The serialiser writes JSON directly: it must give the bytes cJSON gives
 * for the same members, escapes included. */
static void
test_serialize_matches_cjson(void)
{
	static const char type[] = "t\"\\\x01\x1f\b\f\n\r\t/\x7f\xc3\xa9";
	static const char json[] = "{\"payload\":\"eA==\",\"payloadType\":\"t\","
	    "\"signatures\":[{\"keyid\":\"k\\\"\\u0002\xc3\xa9\",\"sig\":\"AAAA\"},{\"sig\":\"AQID\"}]}";
	vouch_envelope *env = NULL;
	cJSON *ref = cJSON_CreateObject(), *arr, *s;
	vouch_buf j;
	char *want;

	vouch_buf_init(&j, 0);
	CU_ASSERT_EQUAL_FATAL(vouch_envelope_new(type, "xyz", 3, &env, NULL), VOUCH_OK);
	CU_ASSERT_EQUAL(vouch_envelope_sign(env, key_a, NULL), VOUCH_OK);
	CU_ASSERT_EQUAL(vouch_envelope_serialize(env, &j, NULL), VOUCH_OK);
	cJSON_AddStringToObject(ref, "payload", "eHl6");
	cJSON_AddStringToObject(ref, "payloadType", type);
	arr = cJSON_AddArrayToObject(ref, "signatures");
	s = cJSON_CreateObject();
	cJSON_AddItemToArray(arr, s);
	cJSON_AddStringToObject(s, "keyid", vouch_envelope_sig_keyid(env, 0));
	want = cJSON_PrintUnformatted(ref);
	CU_ASSERT_PTR_NOT_NULL_FATAL(want);
	/* same up to the signature value, which cJSON did not see */
	CU_ASSERT_EQUAL(memcmp(j.data, want, strlen(want) - 3), 0);
	CU_ASSERT_PTR_NOT_NULL(strstr((char *)j.data, "\\\"\\\\\\u0001\\u001f\\b\\f\\n\\r\\t/\x7f\xc3\xa9\""));
	cJSON_free(want);
	cJSON_Delete(ref);
	vouch_envelope_free(env);
	/* a parsed envelope (keyid with escapes, a missing keyid) round-trips */
	vouch_buf_reset(&j);
	CU_ASSERT_EQUAL_FATAL(vouch_envelope_parse(json, strlen(json), 0, &env, NULL), VOUCH_OK);
	CU_ASSERT_EQUAL(vouch_envelope_serialize(env, &j, NULL), VOUCH_OK);
	CU_ASSERT_STRING_EQUAL((char *)j.data,
	    "{\"payload\":\"eA==\",\"payloadType\":\"t\",\"signatures\":[{\"keyid\":\"k\\\"\\u0002\xc3\xa9\","
	    "\"sig\":\"AAAA\"},{\"keyid\":\"\",\"sig\":\"AQID\"}]}");
	vouch_envelope_free(env);
	vouch_buf_free(&j);
}

static const char good_statement[] =
    "{\"_type\":\"https://in-toto.io/Statement/v1\",\"subject\":[{\"name\":\"a\",\"digest\":"
    "{\"sha256\":\"a948904f2f0f479b8f8197694b30184b0d2ed1c1cd2a1ec0fb85d299a192a447\"}}],"
    "\"predicateType\":\"https://example.com/p\"}";

/* The batch signer writes what new + sign + serialize write, one line per
 * payload; a payload it refuses leaves the output as it was. */
static void
test_signer(void)
{
	const vouch_key *ab[] = { key_a, key_b }, *ae[] = { key_a, key_e };
	vouch_envelope_signer *sg = NULL;
	vouch_envelope *env = NULL;
	vouch_buf out, want, payload;
	vouch_err e;
	size_t before;

	vouch_buf_init(&out, 0);
	vouch_buf_init(&want, 0);
	vouch_buf_init(&payload, 0);
	CU_ASSERT_EQUAL(vouch_envelope_new(VOUCH_INTOTO_PAYLOAD_TYPE, good_statement,
	    strlen(good_statement), &env, NULL), VOUCH_OK);
	CU_ASSERT_EQUAL(vouch_envelope_sign(env, key_a, NULL), VOUCH_OK);
	CU_ASSERT_EQUAL(vouch_envelope_sign(env, key_b, NULL), VOUCH_OK);
	CU_ASSERT_EQUAL(vouch_envelope_serialize(env, &want, NULL), VOUCH_OK);
	CU_ASSERT_EQUAL(vouch_buf_append_byte(&want, '\n', NULL), VOUCH_OK);
	vouch_envelope_free(env);
	env = NULL;
	CU_ASSERT_EQUAL_FATAL(vouch_envelope_signer_new(VOUCH_INTOTO_PAYLOAD_TYPE, ab, 2, &sg, NULL),
	    VOUCH_OK);
	for (int i = 0; i < 3; i++)
		CU_ASSERT_EQUAL(vouch_envelope_signer_sign(sg, good_statement, strlen(good_statement),
		    &out, NULL), VOUCH_OK);
	CU_ASSERT_EQUAL(out.len, 3 * want.len);
	for (int i = 0; i < 3; i++)
		CU_ASSERT_EQUAL(memcmp(out.data + (size_t)i * want.len, want.data, want.len), 0);
	/* not a statement: refused, with the reason, output unchanged */
	before = out.len;
	vouch_err_clear(&e);
	CU_ASSERT_EQUAL(vouch_envelope_signer_sign(sg, "{}", 2, &out, &e), VOUCH_EINPUT);
	CU_ASSERT_PTR_NOT_NULL(strstr(vouch_err_msg(&e), "not a valid in-toto statement"));
	CU_ASSERT_EQUAL(out.len, before);
	vouch_envelope_signer_free(sg);
	/* another type signs anything; ECDSA signatures verify */
	CU_ASSERT_EQUAL_FATAL(vouch_envelope_signer_new("x/y", ae, 2, &sg, NULL), VOUCH_OK);
	vouch_buf_reset(&out);
	CU_ASSERT_EQUAL(vouch_envelope_signer_sign(sg, "{}", 2, &out, NULL), VOUCH_OK);
	CU_ASSERT_EQUAL(out.data[out.len - 1], '\n');
	CU_ASSERT_EQUAL_FATAL(vouch_envelope_parse((char *)out.data, out.len - 1, 0, &env, NULL),
	    VOUCH_OK);
	CU_ASSERT_EQUAL(verify_with(env, "x/y", ae, 2, 2, &payload, NULL), VOUCH_OK);
	CU_ASSERT_EQUAL(payload.len, 2);
	vouch_envelope_free(env);
	vouch_envelope_signer_free(sg);
	/* keys must be private, and there must be some */
	CU_ASSERT_EQUAL(vouch_envelope_signer_new("x/y", ab, 0, &sg, NULL), VOUCH_EUSAGE);
	CU_ASSERT_EQUAL(vouch_envelope_signer_new("", ab, 2, &sg, NULL), VOUCH_EINPUT);
	CU_ASSERT_PTR_NULL(sg);
	vouch_buf_free(&out);
	vouch_buf_free(&want);
	vouch_buf_free(&payload);
}

/* sign_once: a second signature by the same key is refused, another key's
 * is added, and a parsed envelope remembers who signed it. */
static void
test_sign_once(void)
{
	vouch_envelope *env = NULL, *back = NULL;
	vouch_buf j;
	vouch_err e;

	vouch_buf_init(&j, 0);
	vouch_err_clear(&e);
	CU_ASSERT_EQUAL(vouch_envelope_new(VOUCH_INTOTO_PAYLOAD_TYPE, "{}", 2, &env, NULL), 0);
	CU_ASSERT_EQUAL(vouch_envelope_sign_once(env, key_a, NULL), VOUCH_OK);
	CU_ASSERT_EQUAL(vouch_envelope_sign_once(env, key_a, &e), VOUCH_EEXIST);
	CU_ASSERT_STRING_EQUAL(vouch_err_msg(&e), "the envelope already carries a signature by this key");
	CU_ASSERT_EQUAL(vouch_envelope_sig_count(env), 1);
	CU_ASSERT_EQUAL(vouch_envelope_sign_once(env, key_b, NULL), VOUCH_OK);
	CU_ASSERT_EQUAL(vouch_envelope_sig_count(env), 2);
	CU_ASSERT_EQUAL(vouch_envelope_serialize(env, &j, NULL), VOUCH_OK);
	CU_ASSERT_EQUAL(vouch_envelope_parse((char *)j.data, j.len, 0, &back, NULL), VOUCH_OK);
	CU_ASSERT_EQUAL(vouch_envelope_sign_once(back, key_b, NULL), VOUCH_EEXIST);
	CU_ASSERT_EQUAL(vouch_envelope_sig_count(back), 2);
	vouch_envelope_free(env);
	vouch_envelope_free(back);
	vouch_buf_free(&j);
}

static void
cleanup(void)
{
	vouch_key_free(key_a);
	vouch_key_free(key_b);
	vouch_key_free(key_e);
	cJSON_Delete(vectors);
}

static const struct test_case cases[] = {
	{ "pae: dsse.json vectors", test_pae_vectors },
	{ "ed25519: vector verifies, our signature byte-identical", test_ed25519_single_and_identical_signature },
	{ "threshold counts distinct keys", test_threshold_distinct_keys },
	{ "url-safe accepted; tampered, type-swapped refused", test_rejections },
	{ "payloadType is checked", test_payload_type_checked },
	{ "ecdsa p-256: DER and raw r||s", test_ecdsa },
	{ "parse: strict JSON, base64, limits", test_parse_strict },
	{ "add a signature without touching the payload", test_add_signature_keeps_payload },
	{ "keyid is only a hint", test_keyid_is_only_a_hint },
	{ "sign_once refuses a second signature by a key", test_sign_once },
	{ "limits and edges", test_limits_and_edges },
	{ "serialise: the bytes cJSON writes", test_serialize_matches_cjson },
	{ "batch signer: same lines, refusals leave output whole", test_signer },
	{ NULL, NULL }
};

int
main(void)
{
	int rc;

	load_vectors();
	rc = test_run("dsse", cases);
	cleanup();
	return rc;
}
