/* test_link.c - OLPC canonical JSON and legacy in-toto v0.9 links.
 * Expected values computed with securesystemslib 0.26 (encode_canonical,
 * legacy ed25519 keyid). */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "harness.h"
#include "vouch/vouch.h"
#include "vouch/key.h"

/* RFC 8032 test key 1 (dsse.json key A). */
static const uint8_t seed_a[32] = {
	0x9d, 0x61, 0xb1, 0x9d, 0xef, 0xfd, 0x5a, 0x60, 0xba, 0x84, 0x4a, 0xf4, 0x92, 0xec,
	0x2c, 0xc4, 0x44, 0x49, 0xc5, 0x69, 0x7b, 0x32, 0x69, 0x19, 0x70, 0x3b, 0xac, 0x03,
	0x1c, 0xae, 0x7f, 0x60
};

static int
canon(const char *json, vouch_buf *out)
{
	cJSON *j = NULL;
	int rc;

	vouch_buf_reset(out);
	if (vouch_json_parse(json, strlen(json), &j, NULL) != VOUCH_OK)
		return -1;
	rc = vouch_canonjson_append(out, j, NULL);
	cJSON_Delete(j);
	return rc;
}

static void
test_canonical(void)
{
	vouch_buf b;

	vouch_buf_init(&b, 0);
	CU_ASSERT_EQUAL(canon("{\"b\": 1, \"a\": \"x\\\"\\\\y\\u00e9\\n\", \"c\": [true, null, "
	    "false, -5], \"Z\": {}}", &b), VOUCH_OK);
	CU_ASSERT_STRING_EQUAL(vouch_buf_cstr(&b),
	    "{\"Z\":{},\"a\":\"x\\\"\\\\y\xc3\xa9\n\",\"b\":1,\"c\":[true,null,false,-5]}");
	CU_ASSERT_EQUAL(canon("{\"x\": 1.5}", &b), VOUCH_EINPUT);
	CU_ASSERT_EQUAL(canon("[1e300]", &b), VOUCH_EINPUT);
	CU_ASSERT_EQUAL(canon("[10.0]", &b), VOUCH_OK);
	CU_ASSERT_STRING_EQUAL(vouch_buf_cstr(&b), "[10]");
	/* keys sort by bytes: "Z" < "a" < "\u00e9" */
	CU_ASSERT_EQUAL(canon("{\"\\u00e9\":0,\"a\":0,\"Z\":0}", &b), VOUCH_OK);
	CU_ASSERT_STRING_EQUAL(vouch_buf_cstr(&b), "{\"Z\":0,\"a\":0,\"\xc3\xa9\":0}");
	vouch_buf_free(&b);
}

static void
test_keyid_and_filename(void)
{
	vouch_key *k = NULL, *ec = NULL;
	char kid[65];
	vouch_buf name;

	vouch_buf_init(&name, 0);
	CU_ASSERT_EQUAL_FATAL(vouch_key_from_ed25519_seed(seed_a, &k, NULL), VOUCH_OK);
	CU_ASSERT_EQUAL(vouch_link_keyid(k, kid, NULL), VOUCH_OK);
	CU_ASSERT_STRING_EQUAL(kid, "01e8764eedab63b3593451765fc337b2cc6d2c66923845da255f448c19e2afc5");
	CU_ASSERT_EQUAL(vouch_link_filename("rebuild", kid, &name, NULL), VOUCH_OK);
	CU_ASSERT_STRING_EQUAL(vouch_buf_cstr(&name), "rebuild.01e8764e.link");
	CU_ASSERT_EQUAL(vouch_link_filename("a/b", kid, &name, NULL), VOUCH_EUSAGE);
	CU_ASSERT_EQUAL(vouch_key_generate(VOUCH_KEY_ECDSA_P256, &ec, NULL), VOUCH_OK);
	CU_ASSERT_EQUAL(vouch_link_keyid(ec, kid, NULL), VOUCH_EUSAGE);
	vouch_key_free(ec);
	vouch_key_free(k);
	vouch_buf_free(&name);
}

static void
test_link_sign(void)
{
	vouch_key *k = NULL;
	vouch_link *l = NULL;
	vouch_digests d;
	vouch_buf signed_bytes, out, sig;
	cJSON *j = NULL;
	const cJSON *s0;
	const char *hex;

	vouch_buf_init(&signed_bytes, 0);
	vouch_buf_init(&out, 0);
	vouch_buf_init(&sig, 0);
	CU_ASSERT_EQUAL_FATAL(vouch_key_from_ed25519_seed(seed_a, &k, NULL), VOUCH_OK);
	CU_ASSERT_EQUAL(vouch_digest_mem("hello\n", 6, VOUCH_ALG_SHA256, &d, NULL), VOUCH_OK);
	CU_ASSERT_EQUAL(vouch_link_new("bad/name", &l, NULL), VOUCH_EUSAGE);
	CU_ASSERT_EQUAL_FATAL(vouch_link_new("rebuild", &l, NULL), VOUCH_OK);
	CU_ASSERT_EQUAL(vouch_link_add_material(l, "src.tar", &d, NULL), VOUCH_OK);
	CU_ASSERT_EQUAL(vouch_link_add_product(l, "hello", &d, NULL), VOUCH_OK);
	CU_ASSERT_EQUAL(vouch_link_add_product(l, "hello", &d, NULL), VOUCH_EINPUT);
	CU_ASSERT_EQUAL(vouch_link_serialize(l, &out, NULL), VOUCH_EUSAGE); /* unsigned */
	CU_ASSERT_EQUAL(vouch_link_signed_bytes(l, &signed_bytes, NULL), VOUCH_OK);
	CU_ASSERT_STRING_EQUAL(vouch_buf_cstr(&signed_bytes),
	    "{\"_type\":\"link\",\"byproducts\":{},\"command\":[],\"environment\":{},"
	    "\"materials\":{\"src.tar\":{\"sha256\":\"5891b5b522d5df086d0ff0b110fbd9d21bb4fc7163af"
	    "34d08286a2e846f6be03\"}},\"name\":\"rebuild\",\"products\":{\"hello\":{\"sha256\":"
	    "\"5891b5b522d5df086d0ff0b110fbd9d21bb4fc7163af34d08286a2e846f6be03\"}}}");
	CU_ASSERT_EQUAL(vouch_link_sign(l, k, NULL), VOUCH_OK);
	CU_ASSERT_EQUAL(vouch_link_serialize(l, &out, NULL), VOUCH_OK);
	CU_ASSERT_EQUAL_FATAL(vouch_json_parse((char *)out.data, out.len, &j, NULL), VOUCH_OK);
	s0 = cJSON_GetArrayItem(vouch_json_get_array(j, "signatures"), 0);
	CU_ASSERT_STRING_EQUAL(vouch_json_get_string(s0, "keyid"),
	    "01e8764eedab63b3593451765fc337b2cc6d2c66923845da255f448c19e2afc5");
	hex = vouch_json_get_string(s0, "sig");
	CU_ASSERT_EQUAL_FATAL(strlen(hex), 128);
	uint8_t raw[64];
	CU_ASSERT_EQUAL(vouch_hex_decode(hex, 128, raw, 64, VOUCH_HEX_LOWER, NULL), VOUCH_OK);
	CU_ASSERT_EQUAL(vouch_key_verify(k, signed_bytes.data, signed_bytes.len, raw, 64, NULL),
	    VOUCH_OK);
	cJSON_Delete(j);
	vouch_link_free(l);
	vouch_key_free(k);
	vouch_buf_free(&signed_bytes);
	vouch_buf_free(&out);
	vouch_buf_free(&sig);
}

static const struct test_case cases[] = {
	{ "OLPC canonical JSON", test_canonical },
	{ "securesystemslib keyid and link file name", test_keyid_and_filename },
	{ "link: canonical signed bytes, signature", test_link_sign },
	{ NULL, NULL }
};

int
main(void)
{
	return test_run("link", cases);
}
