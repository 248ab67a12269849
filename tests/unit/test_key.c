/* test_key.c - Ed25519 / ECDSA P-256 keys against tests/vectors
 * (dsse.json from python3-cryptography, tlog.json from Go's note package). */
#include "config.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/ec.h>
#include <openssl/evp.h>
#include <openssl/pem.h>

#include "harness.h"
#include "vouch/vouch.h"

static cJSON *dsse, *tlog;

static cJSON *
load_json(const char *name)
{
	cJSON *j = NULL;
	size_t len;
	char *data = test_slurp(test_vector_path(name), &len);

	if (vouch_json_parse(data, len, &j, NULL) != VOUCH_OK) {
		fprintf(stderr, "cannot parse %s\n", name);
		exit(2);
	}
	free(data);
	return j;
}

static const cJSON *
vkey(const char *name)
{
	if (dsse == NULL)
		dsse = load_json("dsse.json");
	return vouch_json_get_object(vouch_json_get_object(dsse, "keys"), name);
}

static const cJSON *
vcase(const char *name)
{
	const cJSON *it;

	vkey("A");
	cJSON_ArrayForEach(it, vouch_json_get_array(dsse, "cases")) {
		const char *n = vouch_json_get_string(it, "name");

		if (n != NULL && strcmp(n, name) == 0)
			return it;
	}
	fprintf(stderr, "dsse.json: no case '%s'\n", name);
	exit(2);
}

/* Load a PEM field of test key name ("A", "B", "E"). */
static vouch_key *
load_vkey(const char *name, const char *field)
{
	const char *pem = vouch_json_get_string(vkey(name), field);
	vouch_key *k = NULL;
	vouch_err e;

	vouch_err_clear(&e);
	CU_ASSERT_FATAL(pem != NULL);
	if (vouch_key_load_pem(pem, strlen(pem), NULL, 0, &k, &e) != VOUCH_OK) {
		fprintf(stderr, "key %s %s: %s\n", name, field, vouch_err_msg(&e));
		CU_FAIL_FATAL("load");
	}
	return k;
}

static void
b64(const char *s, vouch_buf *out)
{
	vouch_buf_init(out, 0);
	CU_ASSERT_FATAL(s != NULL);
	CU_ASSERT_FATAL(vouch_b64_decode(s, strlen(s), VOUCH_B64_ANY, out, NULL) == VOUCH_OK);
}

/* PAE of an envelope in a dsse.json case. */
static void
case_pae(const cJSON *c, vouch_buf *pae)
{
	const cJSON *env = vouch_json_get_object(c, "envelope");
	const char *type = vouch_json_get_string(env, "payloadType");
	vouch_buf body;

	b64(vouch_json_get_string(env, "payload"), &body);
	vouch_buf_init(pae, 0);
	CU_ASSERT_FATAL(type != NULL);
	CU_ASSERT_FATAL(vouch_buf_appendf(pae, NULL, "DSSEv1 %zu %s %zu ", strlen(type), type,
	                                  body.len) == VOUCH_OK);
	CU_ASSERT_FATAL(vouch_buf_append(pae, body.data, body.len, NULL) == VOUCH_OK);
	vouch_buf_free(&body);
}

static void
case_sig(const cJSON *c, vouch_buf *sig)
{
	const cJSON *sigs = vouch_json_get_array(vouch_json_get_object(c, "envelope"), "signatures");

	CU_ASSERT_FATAL(sigs != NULL);
	b64(vouch_json_get_string(cJSON_GetArrayItem(sigs, 0), "sig"), sig);
}

static void
test_keyids(void)
{
	static const char *names[] = { "A", "B", "E" };
	char id[VOUCH_KEYID_HEX_LEN + 1];

	for (size_t i = 0; i < 3; i++) {
		vouch_key *priv = load_vkey(names[i], "private_pem");
		vouch_key *pub = load_vkey(names[i], "public_pem");
		const char *want = vouch_json_get_string(vkey(names[i]), "spki_sha256");
		enum vouch_key_type t = i < 2 ? VOUCH_KEY_ED25519 : VOUCH_KEY_ECDSA_P256;

		CU_ASSERT_EQUAL(vouch_key_id(priv, id, NULL), VOUCH_OK);
		CU_ASSERT_STRING_EQUAL(id, want);
		CU_ASSERT_EQUAL(vouch_key_id(pub, id, NULL), VOUCH_OK);
		CU_ASSERT_STRING_EQUAL(id, want);
		CU_ASSERT_TRUE(vouch_key_same_public(priv, pub));
		CU_ASSERT_TRUE(vouch_key_has_private(priv));
		CU_ASSERT_FALSE(vouch_key_has_private(pub));
		CU_ASSERT_EQUAL(vouch_key_get_type(priv), t);
		CU_ASSERT_EQUAL(vouch_key_get_type(pub), t);
		vouch_key_free(priv);
		vouch_key_free(pub);
	}
	CU_ASSERT_STRING_EQUAL(vouch_key_type_name(VOUCH_KEY_ED25519), "ed25519");
	CU_ASSERT_STRING_EQUAL(vouch_key_type_name(VOUCH_KEY_ECDSA_P256), "ecdsa-p256");
}

/* The public PEM we write is byte-identical to the vector's. */
static void
test_public_pem_output(void)
{
	static const char *names[] = { "A", "E" };

	for (size_t i = 0; i < 2; i++) {
		vouch_key *k = load_vkey(names[i], "private_pem");
		vouch_buf b;

		vouch_buf_init(&b, 0);
		CU_ASSERT_EQUAL(vouch_key_public_pem(k, &b, NULL), VOUCH_OK);
		CU_ASSERT_STRING_EQUAL(vouch_buf_cstr(&b),
		                       vouch_json_get_string(vkey(names[i]), "public_pem"));
		vouch_buf_reset(&b);
		CU_ASSERT_EQUAL(vouch_key_spki_der(k, &b, NULL), VOUCH_OK);
		CU_ASSERT_EQUAL(b.len, i == 0 ? 44u : 91u);
		vouch_buf_free(&b);
		vouch_key_free(k);
	}
}

static void
test_ed25519_vector(void)
{
	const cJSON *c = vcase("ed25519-single");
	vouch_key *a = load_vkey("A", "private_pem"), *apub = load_vkey("A", "public_pem");
	vouch_key *bpub = load_vkey("B", "public_pem");
	vouch_buf pae, want, got;
	vouch_err e;

	case_pae(c, &pae);
	case_sig(c, &want);
	vouch_buf_init(&got, 0);
	CU_ASSERT_EQUAL(vouch_key_sign(a, pae.data, pae.len, &got, NULL), VOUCH_OK);
	CU_ASSERT_EQUAL(got.len, 64);
	CU_ASSERT_EQUAL(want.len, 64);
	CU_ASSERT(got.len == want.len && memcmp(got.data, want.data, got.len) == 0);
	/* the cached signing context gives the same bytes on later calls */
	for (int i = 0; i < 3; i++) {
		vouch_buf_reset(&got);
		CU_ASSERT_EQUAL(vouch_key_sign(a, "other", 5, &got, NULL), VOUCH_OK);
		vouch_buf_reset(&got);
		CU_ASSERT_EQUAL(vouch_key_sign(a, pae.data, pae.len, &got, NULL), VOUCH_OK);
		CU_ASSERT(got.len == 64 && memcmp(got.data, want.data, 64) == 0);
	}
	CU_ASSERT_EQUAL(vouch_key_verify(apub, pae.data, pae.len, want.data, want.len, NULL),
	                VOUCH_OK);
	CU_ASSERT_EQUAL(vouch_key_verify(a, pae.data, pae.len, want.data, want.len, NULL),
	                VOUCH_OK);
	/* wrong key */
	vouch_err_clear(&e);
	CU_ASSERT_EQUAL(vouch_key_verify(bpub, pae.data, pae.len, want.data, want.len, &e),
	                VOUCH_ENEGATIVE);
	CU_ASSERT_PTR_NOT_NULL(strstr(vouch_err_msg(&e), "does not verify"));
	/* flipped bit in the signature, then in the message */
	want.data[10] ^= 0x01;
	CU_ASSERT_EQUAL(vouch_key_verify(apub, pae.data, pae.len, want.data, want.len, NULL),
	                VOUCH_ENEGATIVE);
	want.data[10] ^= 0x01;
	pae.data[pae.len - 3] ^= 0x80;
	CU_ASSERT_EQUAL(vouch_key_verify(apub, pae.data, pae.len, want.data, want.len, NULL),
	                VOUCH_ENEGATIVE);
	pae.data[pae.len - 3] ^= 0x80;
	/* the cached context still verifies after failures */
	CU_ASSERT_EQUAL(vouch_key_verify(apub, pae.data, pae.len, want.data, want.len, NULL),
	                VOUCH_OK);
	/* wrong lengths */
	CU_ASSERT_EQUAL(vouch_key_verify(apub, pae.data, pae.len, want.data, 63, NULL),
	                VOUCH_ENEGATIVE);
	CU_ASSERT_EQUAL(vouch_key_verify(apub, pae.data, pae.len, want.data, 0, NULL),
	                VOUCH_ENEGATIVE);
	/* a public key cannot sign */
	vouch_err_clear(&e);
	CU_ASSERT_EQUAL(vouch_key_sign(apub, "x", 1, &got, &e), VOUCH_EUSAGE);
	vouch_buf_free(&pae);
	vouch_buf_free(&want);
	vouch_buf_free(&got);
	vouch_key_free(a);
	vouch_key_free(apub);
	vouch_key_free(bpub);
}

static void
test_ed25519_second_key(void)
{
	const cJSON *c = vcase("ed25519-two-keys");
	const cJSON *sigs = vouch_json_get_array(vouch_json_get_object(c, "envelope"), "signatures");
	vouch_key *b = load_vkey("B", "private_pem");
	vouch_buf pae, want, got;

	case_pae(c, &pae);
	b64(vouch_json_get_string(cJSON_GetArrayItem(sigs, 1), "sig"), &want);
	vouch_buf_init(&got, 0);
	CU_ASSERT_EQUAL(vouch_key_sign(b, pae.data, pae.len, &got, NULL), VOUCH_OK);
	CU_ASSERT(got.len == 64 && want.len == 64 && memcmp(got.data, want.data, 64) == 0);
	vouch_buf_free(&pae);
	vouch_buf_free(&want);
	vouch_buf_free(&got);
	vouch_key_free(b);
}

static void
test_ecdsa_vectors(void)
{
	const cJSON *c = vcase("ecdsa-p256-der");
	const cJSON *raw = vcase("dsse-spec-ecdsa-raw-rs");
	vouch_key *e = load_vkey("E", "public_pem"), *a = load_vkey("A", "public_pem");
	vouch_buf pae, sig, der;

	case_pae(c, &pae);
	case_sig(c, &sig);
	CU_ASSERT_EQUAL(vouch_key_verify(e, pae.data, pae.len, sig.data, sig.len, NULL), VOUCH_OK);
	CU_ASSERT_EQUAL(vouch_key_verify(a, pae.data, pae.len, sig.data, sig.len, NULL),
	                VOUCH_ENEGATIVE);
	sig.data[sig.len - 1] ^= 0x04;
	CU_ASSERT_EQUAL(vouch_key_verify(e, pae.data, pae.len, sig.data, sig.len, NULL),
	                VOUCH_ENEGATIVE);
	vouch_buf_free(&pae);
	vouch_buf_free(&sig);

	/* raw r||s and its DER form over the spec's HelloWorld PAE */
	case_pae(raw, &pae);
	case_sig(raw, &sig);
	b64(vouch_json_get_string(raw, "sig_der_b64"), &der);
	CU_ASSERT_EQUAL(sig.len, 64);
	CU_ASSERT_EQUAL(vouch_key_verify(e, pae.data, pae.len, sig.data, sig.len, NULL), VOUCH_OK);
	CU_ASSERT_EQUAL(vouch_key_verify(e, pae.data, pae.len, der.data, der.len, NULL), VOUCH_OK);
	sig.data[40] ^= 0x10;
	CU_ASSERT_EQUAL(vouch_key_verify(e, pae.data, pae.len, sig.data, sig.len, NULL),
	                VOUCH_ENEGATIVE);
	/* garbage of DER length and truncated DER */
	CU_ASSERT_EQUAL(vouch_key_verify(e, pae.data, pae.len, sig.data, 70, NULL),
	                VOUCH_ENEGATIVE);
	CU_ASSERT_EQUAL(vouch_key_verify(e, pae.data, pae.len, der.data, der.len - 1, NULL),
	                VOUCH_ENEGATIVE);
	CU_ASSERT_EQUAL(vouch_key_verify(e, pae.data, pae.len, der.data, 100, NULL),
	                VOUCH_ENEGATIVE);
	vouch_buf_free(&pae);
	vouch_buf_free(&sig);
	vouch_buf_free(&der);
	vouch_key_free(e);
	vouch_key_free(a);
}

/* Our ECDSA signatures are DER; their raw r||s form verifies too. */
static void
test_ecdsa_sign_raw(void)
{
	vouch_key *k = load_vkey("E", "private_pem");
	vouch_buf sig;
	const unsigned char *p;
	ECDSA_SIG *s;
	uint8_t raw[64];

	vouch_buf_init(&sig, 0);
	for (int i = 0; i < 20; i++) {
		vouch_buf_reset(&sig);
		CU_ASSERT_EQUAL_FATAL(vouch_key_sign(k, "hello", 5, &sig, NULL), VOUCH_OK);
		CU_ASSERT(sig.len >= 8 && sig.len <= 72 && sig.data[0] == 0x30);
		CU_ASSERT_EQUAL(vouch_key_verify(k, "hello", 5, sig.data, sig.len, NULL), VOUCH_OK);
		CU_ASSERT_EQUAL(vouch_key_verify(k, "hellO", 5, sig.data, sig.len, NULL),
		                VOUCH_ENEGATIVE);
		p = sig.data;
		s = d2i_ECDSA_SIG(NULL, &p, (long)sig.len);
		CU_ASSERT_FATAL(s != NULL);
		CU_ASSERT_EQUAL(BN_bn2binpad(ECDSA_SIG_get0_r(s), raw, 32), 32);
		CU_ASSERT_EQUAL(BN_bn2binpad(ECDSA_SIG_get0_s(s), raw + 32, 32), 32);
		ECDSA_SIG_free(s);
		CU_ASSERT_EQUAL(vouch_key_verify(k, "hello", 5, raw, 64, NULL), VOUCH_OK);
		raw[63] ^= 1;
		CU_ASSERT_EQUAL(vouch_key_verify(k, "hello", 5, raw, 64, NULL), VOUCH_ENEGATIVE);
	}
	vouch_buf_free(&sig);
	vouch_key_free(k);
}

static void
test_note_verifier(void)
{
	const cJSON *sn;
	const char *name, *cp, *signed_cp, *line;
	uint8_t seed[32], pub[32];
	vouch_key *k = NULL, *a = load_vkey("A", "public_pem"), *p = NULL, *e = NULL;
	vouch_buf out, sig;
	uint32_t id = 0;
	vouch_err err;

	if (tlog == NULL)
		tlog = load_json("tlog.json");
	sn = vouch_json_get_object(tlog, "signed_note");
	name = vouch_json_get_string(sn, "key_name");
	CU_ASSERT_FATAL(name != NULL);
	CU_ASSERT_FATAL(vouch_hex_decode(vouch_json_get_string(sn, "ed25519_seed_hex"), 64, seed,
	                                 32, VOUCH_HEX_LOWER, NULL) == VOUCH_OK);
	CU_ASSERT_FATAL(vouch_key_from_ed25519_seed(seed, &k, NULL) == VOUCH_OK);
	vouch_buf_init(&out, 0);
	CU_ASSERT_EQUAL(vouch_key_note_verifier(k, name, &out, NULL), VOUCH_OK);
	CU_ASSERT_STRING_EQUAL(vouch_buf_cstr(&out), vouch_json_get_string(sn, "verifier_key"));
	CU_ASSERT_EQUAL(vouch_key_note_id(k, name, &id, NULL), VOUCH_OK);
	CU_ASSERT_EQUAL(id, 0xfd9974d3u);
	/* the seed is RFC 8032 key 1, the same as dsse.json's key A */
	CU_ASSERT_TRUE(vouch_key_same_public(k, a));
	CU_ASSERT_EQUAL(vouch_key_ed25519_public(k, pub, NULL), VOUCH_OK);
	CU_ASSERT_FATAL(vouch_key_from_ed25519_public(pub, &p, NULL) == VOUCH_OK);
	CU_ASSERT_TRUE(vouch_key_same_public(p, a));
	CU_ASSERT_FALSE(vouch_key_has_private(p));

	/* the signed checkpoint: key ID then signature over the note text */
	cp = vouch_json_get_string(sn, "checkpoint_text");
	signed_cp = vouch_json_get_string(sn, "signed_checkpoint");
	CU_ASSERT_FATAL(cp != NULL && signed_cp != NULL);
	line = strstr(signed_cp, "\xe2\x80\x94 ");
	CU_ASSERT_FATAL(line != NULL);
	line += 4 + strlen(name) + 1;
	vouch_buf_init(&sig, 0);
	CU_ASSERT_FATAL(vouch_b64_decode(line, strlen(line) - 1, VOUCH_B64_STD, &sig, NULL) ==
	                VOUCH_OK);
	CU_ASSERT_FATAL(sig.len == 68);
	CU_ASSERT_EQUAL((uint32_t)sig.data[0] << 24 | (uint32_t)sig.data[1] << 16 |
	                (uint32_t)sig.data[2] << 8 | sig.data[3], id);
	CU_ASSERT_EQUAL(vouch_key_verify(p, cp, strlen(cp), sig.data + 4, 64, NULL), VOUCH_OK);
	vouch_buf_reset(&out);
	CU_ASSERT_EQUAL(vouch_key_sign(k, cp, strlen(cp), &out, NULL), VOUCH_OK);
	CU_ASSERT(out.len == 64 && memcmp(out.data, sig.data + 4, 64) == 0);

	/* bad names; not Ed25519 */
	vouch_buf_reset(&out);
	vouch_err_clear(&err);
	CU_ASSERT_EQUAL(vouch_key_note_verifier(k, "a+b", &out, &err), VOUCH_EUSAGE);
	CU_ASSERT_EQUAL(vouch_key_note_verifier(k, "", &out, NULL), VOUCH_EUSAGE);
	CU_ASSERT_EQUAL(vouch_key_note_verifier(k, "a b", &out, NULL), VOUCH_EUSAGE);
	CU_ASSERT_EQUAL(vouch_key_note_verifier(k, "a\nb", &out, NULL), VOUCH_EUSAGE);
	CU_ASSERT_EQUAL(vouch_key_note_verifier(k, "a\xff", &out, NULL), VOUCH_EUSAGE);
	CU_ASSERT_EQUAL(out.len, 0);
	e = load_vkey("E", "public_pem");
	CU_ASSERT_EQUAL(vouch_key_note_id(e, "x", &id, NULL), VOUCH_EUSAGE);
	CU_ASSERT_EQUAL(vouch_key_ed25519_public(e, pub, NULL), VOUCH_EUSAGE);
	vouch_buf_free(&out);
	vouch_buf_free(&sig);
	vouch_key_free(k);
	vouch_key_free(a);
	vouch_key_free(p);
	vouch_key_free(e);
}

/* PEM text of a key OpenSSL makes: private PKCS#8 or SPKI public. */
static char *
openssl_pem(EVP_PKEY *pk, int public)
{
	BIO *bio = BIO_new(BIO_s_mem());
	char *data, *s;
	long n;

	CU_ASSERT_FATAL(bio != NULL);
	if (public) {
		CU_ASSERT_FATAL(PEM_write_bio_PUBKEY(bio, pk) == 1);
	} else {
		CU_ASSERT_FATAL(PEM_write_bio_PrivateKey(bio, pk, NULL, NULL, 0, NULL, NULL) == 1);
	}
	n = BIO_get_mem_data(bio, &data);
	s = strndup(data, (size_t)n);
	BIO_free(bio);
	return s;
}

static void
expect_refused(EVP_PKEY *pk, const char *what)
{
	for (int pub = 0; pub < 2; pub++) {
		char *pem = openssl_pem(pk, pub);
		vouch_key *k = NULL;
		vouch_err e;

		vouch_err_clear(&e);
		CU_ASSERT_EQUAL(vouch_key_load_pem(pem, strlen(pem), NULL, 0, &k, &e), VOUCH_EINPUT);
		CU_ASSERT_PTR_NULL(k);
		if (strstr(vouch_err_msg(&e), what) == NULL) {
			fprintf(stderr, "message '%s' lacks '%s'\n", vouch_err_msg(&e), what);
			CU_FAIL("message");
		}
		free(pem);
	}
}

static void
test_refused_types(void)
{
	EVP_PKEY *rsa = EVP_PKEY_Q_keygen(NULL, NULL, "RSA", (size_t)1024);
	EVP_PKEY *p384 = EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-384");
	EVP_PKEY *x25519 = EVP_PKEY_Q_keygen(NULL, NULL, "X25519");
	EVP_PKEY *ed448 = EVP_PKEY_Q_keygen(NULL, NULL, "ED448");
	EVP_PKEY *expl = EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-256");

	CU_ASSERT_FATAL(rsa != NULL && p384 != NULL && x25519 != NULL && ed448 != NULL &&
	                expl != NULL);
	/* P-256, but written with explicit curve parameters */
	CU_ASSERT_FATAL(EVP_PKEY_set_utf8_string_param(expl, OSSL_PKEY_PARAM_EC_ENCODING,
	                                               OSSL_PKEY_EC_ENCODING_EXPLICIT) == 1);
	expect_refused(expl, "explicit curve parameters");
	EVP_PKEY_free(expl);
	expect_refused(rsa, "unsupported");
	expect_refused(p384, "secp384r1");
	expect_refused(x25519, "unsupported");
	expect_refused(ed448, "unsupported");
	EVP_PKEY_free(rsa);
	EVP_PKEY_free(p384);
	EVP_PKEY_free(x25519);
	EVP_PKEY_free(ed448);
}

/* Key material from `openssl genpkey` loads: same OpenSSL encoder, here
 * through the API, plus SEC1 and junk that must not. */
static void
test_pem_shapes(void)
{
	static const char sec1[] =
	    "-----BEGIN EC PRIVATE KEY-----\n"
	    "MHcCAQEEINc+xDf9Y0bjYZxev9//D2kWgElVrTKsmsSSsO3h9v+3oAoGCCqGSM49\n"
	    "AwEHoUQDQgAEZ805D3eqNZywjCI19lInBJOp7YMrCrzAH3CVTAOQ0jgMeCvVTiaR\n"
	    "JaRPRDOv8UMs6U4SvKc6pnrIDOoSYI3fdA==\n"
	    "-----END EC PRIVATE KEY-----\n";
	const char *apem = vouch_json_get_string(vkey("A"), "public_pem");
	EVP_PKEY *gen = EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-256");
	char *pem = openssl_pem(gen, 0), *two, *big;
	vouch_key *k = NULL;
	vouch_err e;
	size_t n;

	CU_ASSERT_EQUAL(vouch_key_load_pem(pem, strlen(pem), NULL, 0, &k, NULL), VOUCH_OK);
	CU_ASSERT_EQUAL(vouch_key_get_type(k), VOUCH_KEY_ECDSA_P256);
	vouch_key_free(k);
	free(pem);
	EVP_PKEY_free(gen);

	vouch_err_clear(&e);
	CU_ASSERT_EQUAL(vouch_key_load_pem(sec1, strlen(sec1), NULL, 0, &k, &e), VOUCH_EINPUT);
	CU_ASSERT_PTR_NOT_NULL(strstr(vouch_err_msg(&e), "'EC PRIVATE KEY'"));
	CU_ASSERT_EQUAL(vouch_key_load_pem("", 0, NULL, 0, &k, NULL), VOUCH_EINPUT);
	CU_ASSERT_EQUAL(vouch_key_load_pem("hello", 5, NULL, 0, &k, NULL), VOUCH_EINPUT);
	/* without the trailing newline it still loads; not with a second block */
	CU_ASSERT_EQUAL(vouch_key_load_pem(apem, strlen(apem) - 1, NULL, 0, &k, NULL), VOUCH_OK);
	vouch_key_free(k);
	n = strlen(apem);
	two = malloc(2 * n + 1);
	CU_ASSERT_FATAL(two != NULL);
	memcpy(two, apem, n);
	memcpy(two + n, apem, n + 1);
	vouch_err_clear(&e);
	CU_ASSERT_EQUAL(vouch_key_load_pem(two, 2 * n, NULL, 0, &k, &e), VOUCH_EINPUT);
	CU_ASSERT_PTR_NOT_NULL(strstr(vouch_err_msg(&e), "after the PEM block"));
	free(two);
	/* the size bound holds before anything is parsed */
	big = calloc(1, VOUCH_PEM_MAX + 2);
	CU_ASSERT_FATAL(big != NULL);
	memcpy(big, apem, n);
	memset(big + n, '\n', VOUCH_PEM_MAX + 1 - n);
	CU_ASSERT_EQUAL(vouch_key_load_pem(big, VOUCH_PEM_MAX + 1, NULL, 0, &k, NULL), VOUCH_ELIMIT);
	CU_ASSERT_EQUAL(vouch_key_load_pem(big, VOUCH_PEM_MAX, NULL, 0, &k, NULL), VOUCH_OK);
	vouch_key_free(k);
	free(big);
	/* a PKCS#8 EC key whose private scalar does not match the public key
	 * it carries (found by fuzz_pem): its keyid would name a key that
	 * never verifies its signatures */
	two = strdup(vouch_json_get_string(vkey("E"), "private_pem"));
	CU_ASSERT_FATAL(two != NULL && strstr(two, "BAQQg1z7EN") != NULL);
	strstr(two, "BAQQg1z7EN")[5] = '2';
	vouch_err_clear(&e);
	CU_ASSERT_EQUAL(vouch_key_load_pem(two, strlen(two), NULL, 0, &k, &e), VOUCH_EINPUT);
	CU_ASSERT_PTR_NOT_NULL(strstr(vouch_err_msg(&e), "does not match"));
	CU_ASSERT_PTR_NULL(k);
	free(two);
	/* a corrupted body */
	two = strdup(apem);
	two[40] = two[40] == 'A' ? 'B' : 'A';
	CU_ASSERT_NOT_EQUAL(vouch_key_load_pem(two, n, NULL, 0, &k, NULL), VOUCH_OK);
	CU_ASSERT_PTR_NULL(k);
	free(two);
}

static void
round_trip(enum vouch_key_type type)
{
	static const char pass[] = "correct horse battery staple";
	vouch_key *k = NULL, *k2 = NULL, *k3 = NULL;
	vouch_buf enc, plain, sig;
	vouch_err e;

	vouch_buf_init(&enc, 0);
	vouch_buf_init(&plain, 0);
	vouch_buf_init(&sig, 0);
	CU_ASSERT_FATAL(vouch_key_generate(type, &k, NULL) == VOUCH_OK);
	CU_ASSERT_EQUAL(vouch_key_get_type(k), type);
	CU_ASSERT_EQUAL(vouch_key_private_pem(k, pass, strlen(pass), &enc, NULL), VOUCH_OK);
	CU_ASSERT_PTR_NOT_NULL(strstr(vouch_buf_cstr(&enc), "-----BEGIN ENCRYPTED PRIVATE KEY-----\n"));
	CU_ASSERT_EQUAL(vouch_key_private_pem(k, NULL, 0, &plain, NULL), VOUCH_OK);
	CU_ASSERT_EQUAL(strncmp(vouch_buf_cstr(&plain), "-----BEGIN PRIVATE KEY-----\n", 28), 0);

	CU_ASSERT_EQUAL(vouch_key_load_pem((char *)enc.data, enc.len, pass, strlen(pass), &k2,
	                                   NULL), VOUCH_OK);
	CU_ASSERT_FATAL(k2 != NULL);
	CU_ASSERT_TRUE(vouch_key_same_public(k, k2));
	CU_ASSERT_TRUE(vouch_key_has_private(k2));
	CU_ASSERT_EQUAL(vouch_key_sign(k2, "m", 1, &sig, NULL), VOUCH_OK);
	CU_ASSERT_EQUAL(vouch_key_verify(k, "m", 1, sig.data, sig.len, NULL), VOUCH_OK);

	vouch_err_clear(&e);
	CU_ASSERT_EQUAL(vouch_key_load_pem((char *)enc.data, enc.len, "wrong", 5, &k3, &e),
	                VOUCH_EINPUT);
	CU_ASSERT_PTR_NOT_NULL(strstr(vouch_err_msg(&e), "wrong passphrase"));
	CU_ASSERT_PTR_NULL(k3);
	vouch_err_clear(&e);
	CU_ASSERT_EQUAL(vouch_key_load_pem((char *)enc.data, enc.len, NULL, 0, &k3, &e),
	                VOUCH_EUSAGE);
	CU_ASSERT_PTR_NOT_NULL(strstr(vouch_err_msg(&e), "encrypted"));
	CU_ASSERT_EQUAL(vouch_key_private_pem(k, "", 0, &enc, NULL), VOUCH_EUSAGE);
	CU_ASSERT_EQUAL(vouch_key_load_pem((char *)plain.data, plain.len, NULL, 0, &k3, NULL),
	                VOUCH_OK);
	CU_ASSERT_TRUE(vouch_key_same_public(k, k3));
	vouch_buf_free_secret(&enc);
	vouch_buf_free_secret(&plain);
	vouch_buf_free(&sig);
	vouch_key_free(k);
	vouch_key_free(k2);
	vouch_key_free(k3);
}

static void
test_round_trip(void)
{
	round_trip(VOUCH_KEY_ED25519);
	round_trip(VOUCH_KEY_ECDSA_P256);
}

/* Keys OpenSSL encrypted: PBES2/PBKDF2 loads, legacy PBES1 is refused
 * before any key derivation. */
static void
test_openssl_encrypted(void)
{
	EVP_PKEY *pk = EVP_PKEY_Q_keygen(NULL, NULL, "ED25519");
	BIO *b1 = BIO_new(BIO_s_mem()), *b2 = BIO_new(BIO_s_mem());
	char *d1, *d2;
	long n1, n2;
	vouch_key *k = NULL;
	vouch_err e;

	CU_ASSERT_FATAL(pk != NULL && b1 != NULL && b2 != NULL);
	CU_ASSERT_FATAL(PEM_write_bio_PKCS8PrivateKey(b1, pk, EVP_aes_256_cbc(), NULL, 0, NULL,
	                                              (void *)"pw") == 1);
	CU_ASSERT_FATAL(PEM_write_bio_PKCS8PrivateKey_nid(b2, pk, NID_pbe_WithSHA1And3_Key_TripleDES_CBC,
	                                                  NULL, 0, NULL, (void *)"pw") == 1);
	n1 = BIO_get_mem_data(b1, &d1);
	n2 = BIO_get_mem_data(b2, &d2);
	CU_ASSERT_EQUAL(vouch_key_load_pem(d1, (size_t)n1, "pw", 2, &k, NULL), VOUCH_OK);
	CU_ASSERT_PTR_NOT_NULL(k);
	vouch_key_free(k);
	vouch_err_clear(&e);
	CU_ASSERT_EQUAL(vouch_key_load_pem(d2, (size_t)n2, "pw", 2, &k, &e), VOUCH_EINPUT);
	CU_ASSERT_PTR_NOT_NULL(strstr(vouch_err_msg(&e), "PBES2"));
	BIO_free(b1);
	BIO_free(b2);
	EVP_PKEY_free(pk);
}

static void
test_passphrase_read(void)
{
	char path[4096];
	vouch_buf b;
	vouch_err e;
	int fds[2];

	vouch_buf_init(&b, 0);
	snprintf(path, sizeof(path), "%s/pass1", test_tmpdir());
	CU_ASSERT_FATAL(vouch_write_file_excl(path, "abc\n\n", 5, 0600, NULL) == VOUCH_OK);
	CU_ASSERT_EQUAL(vouch_key_passphrase_file(path, &b, NULL), VOUCH_OK);
	CU_ASSERT(b.len == 4 && memcmp(b.data, "abc\n", 4) == 0); /* one newline only */
	vouch_buf_free_secret(&b);
	snprintf(path, sizeof(path), "%s/pass2", test_tmpdir());
	CU_ASSERT_FATAL(vouch_write_file_excl(path, "\n", 1, 0600, NULL) == VOUCH_OK);
	vouch_err_clear(&e);
	CU_ASSERT_EQUAL(vouch_key_passphrase_file(path, &b, &e), VOUCH_EINPUT);
	CU_ASSERT_PTR_NOT_NULL(strstr(vouch_err_msg(&e), "empty passphrase"));
	CU_ASSERT_EQUAL(b.len, 0);
	CU_ASSERT_EQUAL(vouch_key_passphrase_fd(-1, "fd -1", &b, NULL), VOUCH_EIO);
	/* through a pipe, no newline; then one byte too long */
	CU_ASSERT_FATAL(pipe(fds) == 0);
	CU_ASSERT_FATAL(write(fds[1], "pw", 2) == 2);
	close(fds[1]);
	CU_ASSERT_EQUAL(vouch_key_passphrase_fd(fds[0], "pipe", &b, NULL), VOUCH_OK);
	CU_ASSERT(b.len == 2 && memcmp(b.data, "pw", 2) == 0);
	close(fds[0]);
	vouch_buf_free_secret(&b);
	{
		static char big[VOUCH_PASS_MAX + 2];

		memset(big, 'x', sizeof(big));
		big[VOUCH_PASS_MAX] = '\n';
		snprintf(path, sizeof(path), "%s/pass3", test_tmpdir());
		CU_ASSERT_FATAL(vouch_write_file_excl(path, big, VOUCH_PASS_MAX + 1, 0600, NULL) ==
		                VOUCH_OK);
		CU_ASSERT_EQUAL(vouch_key_passphrase_file(path, &b, NULL), VOUCH_OK);
		CU_ASSERT_EQUAL(b.len, VOUCH_PASS_MAX);
		vouch_buf_free_secret(&b);
		snprintf(path, sizeof(path), "%s/pass4", test_tmpdir());
		CU_ASSERT_FATAL(vouch_write_file_excl(path, big, VOUCH_PASS_MAX + 2, 0600, NULL) ==
		                VOUCH_OK);
		CU_ASSERT_EQUAL(vouch_key_passphrase_file(path, &b, NULL), VOUCH_ELIMIT);
		CU_ASSERT_EQUAL(b.len, 0);
	}
	vouch_buf_free_secret(&b);
}

static void
test_write_files(void)
{
	char prefix[2048], path[2100];
	vouch_key *k = NULL, *k2 = NULL;
	struct stat st;
	vouch_err e;

	CU_ASSERT_FATAL(vouch_key_generate(VOUCH_KEY_ED25519, &k, NULL) == VOUCH_OK);
	snprintf(prefix, sizeof(prefix), "%s/w", test_tmpdir());
	CU_ASSERT_EQUAL(vouch_key_write_files(k, prefix, "pw", 2, NULL), VOUCH_OK);
	snprintf(path, sizeof(path), "%s.key", prefix);
	CU_ASSERT_EQUAL(stat(path, &st), 0);
	CU_ASSERT_EQUAL(st.st_mode & 07777, 0600);
	CU_ASSERT_EQUAL(vouch_key_load_file(path, "pw", 2, &k2, NULL), VOUCH_OK);
	CU_ASSERT_TRUE(k2 != NULL && vouch_key_same_public(k, k2));
	vouch_key_free(k2);
	snprintf(path, sizeof(path), "%s.pub", prefix);
	CU_ASSERT_EQUAL(vouch_key_load_file(path, NULL, 0, &k2, NULL), VOUCH_OK);
	CU_ASSERT_TRUE(k2 != NULL && vouch_key_same_public(k, k2));
	CU_ASSERT_FALSE(vouch_key_has_private(k2));
	vouch_err_clear(&e);
	CU_ASSERT_EQUAL(vouch_key_write_files(k, prefix, NULL, 0, &e), VOUCH_EEXIST);
	/* only the .pub exists: nothing written */
	snprintf(prefix, sizeof(prefix), "%s/v", test_tmpdir());
	snprintf(path, sizeof(path), "%s.pub", prefix);
	CU_ASSERT_FATAL(vouch_write_file_excl(path, "x", 1, 0644, NULL) == VOUCH_OK);
	CU_ASSERT_EQUAL(vouch_key_write_files(k, prefix, NULL, 0, NULL), VOUCH_EEXIST);
	snprintf(path, sizeof(path), "%s.key", prefix);
	CU_ASSERT_NOT_EQUAL(lstat(path, &st), 0);
	/* a public key cannot be written as a pair */
	snprintf(prefix, sizeof(prefix), "%s/u", test_tmpdir());
	CU_ASSERT_EQUAL(vouch_key_write_files(k2, prefix, NULL, 0, NULL), VOUCH_EUSAGE);
	vouch_key_free(k);
	vouch_key_free(k2);
}

static void
test_load_file(void)
{
	const char *pem = vouch_json_get_string(vkey("E"), "private_pem");
	char path[4096];
	vouch_key *k = NULL;
	vouch_err e;

	snprintf(path, sizeof(path), "%s/e.key", test_tmpdir());
	CU_ASSERT_FATAL(vouch_write_file_excl(path, pem, strlen(pem), 0600, NULL) == VOUCH_OK);
	CU_ASSERT_EQUAL(vouch_key_load_file(path, NULL, 0, &k, NULL), VOUCH_OK);
	CU_ASSERT_PTR_NOT_NULL(k);
	vouch_key_free(k);
	vouch_err_clear(&e);
	CU_ASSERT_EQUAL(vouch_key_load_file("/nonexistent/k", NULL, 0, &k, &e), VOUCH_EIO);
	CU_ASSERT_PTR_NOT_NULL(strstr(vouch_err_msg(&e), "'/nonexistent/k'"));
	snprintf(path, sizeof(path), "%s/junk.key", test_tmpdir());
	CU_ASSERT_FATAL(vouch_write_file_excl(path, "junk\n", 5, 0600, NULL) == VOUCH_OK);
	vouch_err_clear(&e);
	CU_ASSERT_EQUAL(vouch_key_load_file(path, NULL, 0, &k, &e), VOUCH_EINPUT);
	CU_ASSERT_PTR_NOT_NULL(strstr(vouch_err_msg(&e), "junk.key'"));
}

/* One key verifying from several threads at once (the header promises it). */
struct thread_arg {
	const vouch_key *key;
	const vouch_buf *sig;
	int bad;
};

static void *
verify_thread(void *p)
{
	struct thread_arg *t = p;

	for (int i = 0; i < 200; i++) {
		if (vouch_key_verify(t->key, "msg", 3, t->sig->data, t->sig->len, NULL) != VOUCH_OK)
			t->bad++;
		if (vouch_key_verify(t->key, "msG", 3, t->sig->data, t->sig->len, NULL) !=
		    VOUCH_ENEGATIVE)
			t->bad++;
	}
	return NULL;
}

static void
test_threads(void)
{
	static const char *names[] = { "A", "E" };

	for (size_t n = 0; n < 2; n++) {
		vouch_key *k = load_vkey(names[n], "private_pem");
		struct thread_arg args[4];
		pthread_t th[4];
		vouch_buf sig;

		vouch_buf_init(&sig, 0);
		CU_ASSERT_FATAL(vouch_key_sign(k, "msg", 3, &sig, NULL) == VOUCH_OK);
		for (int i = 0; i < 4; i++) {
			args[i].key = k;
			args[i].sig = &sig;
			args[i].bad = 0;
			CU_ASSERT_FATAL(pthread_create(&th[i], NULL, verify_thread, &args[i]) == 0);
		}
		for (int i = 0; i < 4; i++) {
			pthread_join(th[i], NULL);
			CU_ASSERT_EQUAL(args[i].bad, 0);
		}
		vouch_buf_free(&sig);
		vouch_key_free(k);
	}
}

static const struct test_case cases[] = {
	{ "keyids of the dsse.json keys", test_keyids },
	{ "public PEM and SPKI output", test_public_pem_output },
	{ "Ed25519 signature byte-identical, rejections", test_ed25519_vector },
	{ "Ed25519 second key", test_ed25519_second_key },
	{ "ECDSA DER and raw r||s vectors", test_ecdsa_vectors },
	{ "ECDSA sign: DER, raw form verifies", test_ecdsa_sign_raw },
	{ "C2SP note verifier key and checkpoint", test_note_verifier },
	{ "RSA, P-384, X25519, Ed448, explicit P-256 refused", test_refused_types },
	{ "PEM shapes: SEC1, junk, two blocks, size", test_pem_shapes },
	{ "encrypted PEM round trip, wrong passphrase", test_round_trip },
	{ "OpenSSL-encrypted keys: PBES2 yes, PBES1 no", test_openssl_encrypted },
	{ "passphrase from fd and file", test_passphrase_read },
	{ "write PREFIX.key and PREFIX.pub", test_write_files },
	{ "load from file", test_load_file },
	{ "verify from several threads", test_threads },
	{ NULL, NULL }
};

int
main(void)
{
	int rc = test_run("key", cases);

	cJSON_Delete(dsse);
	cJSON_Delete(tlog);
	return rc;
}
