/* key.c - Ed25519 and ECDSA P-256 keys over OpenSSL 3 EVP.
 *
 * A vouch_key keeps the parsed EVP_PKEY, its DER SubjectPublicKeyInfo and
 * keyid, so signing and verifying never re-parse anything.  Each key also
 * caches one initialised signing and one verifying context.  A call takes
 * the cached context with an atomic exchange (or makes a fresh one when
 * another thread holds it) and puts it back afterwards, so the steady state
 * in one thread costs no allocation or provider lookup, and several threads
 * may share one key safely.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/ec.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/objects.h>
#include <openssl/pem.h>
#include <openssl/pkcs12.h>
#include <openssl/rand.h>
#include <openssl/x509.h>

#include "vouch/codec.h"
#include "vouch/digest.h"
#include "vouch/file.h"
#include "vouch/json.h"
#include "vouch/key.h"

#define SPKI_MAX 128        /* Ed25519 SPKI is 44 bytes, P-256 91 */
#define PASS_MAX VOUCH_PASS_MAX
#define SCRYPT_N 16384      /* scrypt cost for encrypted PEM output: */
#define SCRYPT_R 8          /* 16 MiB, what `openssl pkcs8 -scrypt` uses */
#define SCRYPT_P 1
#define PBKDF2_ITER_MAX 10000000 /* a few seconds; OpenSSL writes 2048 */

struct ctx_cache {
	_Atomic(void *) sign;   /* EVP_MD_CTX (Ed25519) or EVP_PKEY_CTX (ECDSA) */
	_Atomic(void *) verify;
	_Atomic(EVP_MD_CTX *) md; /* ECDSA only: SHA-256 of the message */
};

struct vouch_key {
	enum vouch_key_type type;
	int has_private;
	EVP_PKEY *pkey;
	EVP_MD *sha256;         /* ECDSA only: fetched once */
	struct ctx_cache *cache;
	size_t spki_len;
	uint8_t spki[SPKI_MAX];
	char keyid[VOUCH_KEYID_HEX_LEN + 1];
};

const char *
vouch_key_type_name(enum vouch_key_type type)
{
	switch (type) {
	case VOUCH_KEY_ED25519: return "ed25519";
	case VOUCH_KEY_ECDSA_P256: return "ecdsa-p256";
	default: return "unknown";
	}
}

enum vouch_key_type
vouch_key_get_type(const vouch_key *key)
{
	return key->type;
}

int
vouch_key_has_private(const vouch_key *key)
{
	return key->has_private;
}

/* ---- contexts ---- */

static void
ctx_free(enum vouch_key_type type, void *ctx)
{
	if (ctx == NULL)
		return;
	if (type == VOUCH_KEY_ED25519)
		EVP_MD_CTX_free(ctx);
	else
		EVP_PKEY_CTX_free(ctx);
}

static void *
ctx_take(_Atomic(void *) *slot)
{
	return atomic_exchange_explicit(slot, NULL, memory_order_acquire);
}

/* Return ctx to the cache, or free it when another thread refilled it. */
static void
ctx_give(const vouch_key *key, _Atomic(void *) *slot, void *ctx)
{
	void *expected = NULL;

	if (!atomic_compare_exchange_strong_explicit(slot, &expected, ctx,
	    memory_order_release, memory_order_relaxed))
		ctx_free(key->type, ctx);
}

static void *
ctx_new(const vouch_key *key, int for_sign)
{
	if (key->type == VOUCH_KEY_ED25519) {
		EVP_MD_CTX *md = EVP_MD_CTX_new();
		int ok;

		if (md == NULL)
			return NULL;
		ok = for_sign ? EVP_DigestSignInit_ex(md, NULL, NULL, NULL, NULL, key->pkey, NULL)
		    : EVP_DigestVerifyInit_ex(md, NULL, NULL, NULL, NULL, key->pkey, NULL);
		if (ok != 1) {
			EVP_MD_CTX_free(md);
			return NULL;
		}
		return md;
	} else {
		EVP_PKEY_CTX *pc = EVP_PKEY_CTX_new_from_pkey(NULL, key->pkey, NULL);

		if (pc == NULL)
			return NULL;
		if ((for_sign ? EVP_PKEY_sign_init(pc) : EVP_PKEY_verify_init(pc)) != 1 ||
		    EVP_PKEY_CTX_set_signature_md(pc, key->sha256) != 1) {
			EVP_PKEY_CTX_free(pc);
			return NULL;
		}
		return pc;
	}
}

/* OpenSSL 3.0 and 3.1 let a one-shot EVP_DigestSign/Verify context be used
 * again as it is; from 3.2 on it must be re-initialised (cheaply, keeping
 * the key) after each use.  Decided by the library actually loaded. */
static int
oneshot_needs_reinit(void)
{
	return OpenSSL_version_num() >= 0x30200000UL;
}

static void *
ctx_get(const vouch_key *key, int for_sign)
{
	void *c = ctx_take(for_sign ? &key->cache->sign : &key->cache->verify);

	if (c != NULL && key->type == VOUCH_KEY_ED25519 && oneshot_needs_reinit()) {
		int ok = for_sign
		    ? EVP_DigestSignInit_ex(c, NULL, NULL, NULL, NULL, NULL, NULL)
		    : EVP_DigestVerifyInit_ex(c, NULL, NULL, NULL, NULL, NULL, NULL);

		if (ok != 1) {
			ERR_clear_error();
			EVP_MD_CTX_free(c);
			c = NULL;
		}
	}
	return c != NULL ? c : ctx_new(key, for_sign);
}

static void
ctx_put(const vouch_key *key, int for_sign, void *ctx)
{
	ctx_give(key, for_sign ? &key->cache->sign : &key->cache->verify, ctx);
}

/* ---- construction ---- */

void
vouch_key_free(vouch_key *key)
{
	if (key == NULL)
		return;
	if (key->cache != NULL) {
		ctx_free(key->type, ctx_take(&key->cache->sign));
		ctx_free(key->type, ctx_take(&key->cache->verify));
		EVP_MD_CTX_free(atomic_exchange(&key->cache->md, NULL));
		free(key->cache);
	}
	EVP_PKEY_free(key->pkey);   /* wipes private material */
	EVP_MD_free(key->sha256);
	OPENSSL_cleanse(key, sizeof(*key));
	free(key);
}

/* The curve of an EC key must be P-256 under its name. */
static int
check_curve(EVP_PKEY *pkey, vouch_err *err)
{
	char group[64];
	size_t glen = 0;

	if (EVP_PKEY_get_utf8_string_param(pkey, OSSL_PKEY_PARAM_GROUP_NAME, group,
	    sizeof(group), &glen) != 1) {
		ERR_clear_error();
		return vouch_err_set(err, VOUCH_EINPUT,
		    "unsupported EC key: explicit or unknown curve parameters (vouch uses P-256)");
	}
	if (strcmp(group, SN_X9_62_prime256v1) != 0)
		return vouch_err_set(err, VOUCH_EINPUT,
		    "unsupported EC curve '%s' (vouch uses ECDSA on P-256)", group);
	/* Explicit parameters that merely resemble P-256 are refused: they
	 * are how forged generators slipped past other verifiers. */
	if (EVP_PKEY_get_utf8_string_param(pkey, OSSL_PKEY_PARAM_EC_ENCODING, group,
	    sizeof(group), &glen) != 1 || strcmp(group, OSSL_PKEY_EC_ENCODING_GROUP) != 0) {
		ERR_clear_error();
		return vouch_err_set(err, VOUCH_EINPUT,
		    "unsupported EC key: explicit curve parameters (vouch needs the named curve P-256)");
	}
	return VOUCH_OK;
}

/* Decide the vouch key type of pkey, refusing everything else. */
static int
classify(EVP_PKEY *pkey, enum vouch_key_type *type, vouch_err *err)
{
	if (EVP_PKEY_is_a(pkey, "ED25519")) {
		*type = VOUCH_KEY_ED25519;
		return VOUCH_OK;
	}
	if (EVP_PKEY_is_a(pkey, "EC")) {
		int rc = check_curve(pkey, err);

		*type = VOUCH_KEY_ECDSA_P256;
		return rc;
	}
	{
		const char *name = EVP_PKEY_get0_type_name(pkey);

		return vouch_err_set(err, VOUCH_EINPUT,
		    "unsupported key type '%s' (vouch uses Ed25519 and ECDSA P-256)",
		    name != NULL ? name : "unknown");
	}
}

/* A private key must match the public key it carries (a PKCS#8 file can
 * hold both); an EC public point must be a valid point of the group. */
static int
check_consistent(EVP_PKEY *pkey, int has_private, vouch_err *err)
{
	EVP_PKEY_CTX *ctx = EVP_PKEY_CTX_new_from_pkey(NULL, pkey, NULL);
	int ok;

	if (ctx == NULL)
		return vouch_err_crypto(err, "out of memory");
	if (has_private)
		ok = EVP_PKEY_pairwise_check(ctx);
	else
		ok = EVP_PKEY_is_a(pkey, "EC") ? EVP_PKEY_public_check(ctx) : 1;
	EVP_PKEY_CTX_free(ctx);
	if (ok != 1) {
		ERR_clear_error();
		return vouch_err_set(err, VOUCH_EINPUT, has_private
		    ? "private key does not match its public key"
		    : "invalid public key");
	}
	return VOUCH_OK;
}

/* Take ownership of pkey (freed on failure too) and build a vouch_key. */
static int
key_wrap(EVP_PKEY *pkey, int has_private, vouch_key **out, vouch_err *err)
{
	vouch_key *k = NULL;
	unsigned char *p;
	uint8_t md[32];
	int len, rc;

	*out = NULL;
	k = calloc(1, sizeof(*k));
	if (k == NULL) {
		EVP_PKEY_free(pkey);
		return vouch_err_set(err, VOUCH_ENOMEM, "out of memory");
	}
	k->pkey = pkey;
	k->has_private = has_private;
	k->cache = calloc(1, sizeof(*k->cache));
	if (k->cache == NULL) {
		rc = vouch_err_set(err, VOUCH_ENOMEM, "out of memory");
		goto out;
	}
	rc = classify(pkey, &k->type, err);
	if (rc == VOUCH_OK)
		rc = check_consistent(pkey, has_private, err);
	if (rc != VOUCH_OK)
		goto out;
	if (k->type == VOUCH_KEY_ECDSA_P256) {
		/* One canonical SPKI (uncompressed point) whatever the input used,
		 * so keyids and key comparison do not depend on the encoding. */
		if (EVP_PKEY_set_utf8_string_param(pkey, OSSL_PKEY_PARAM_EC_POINT_CONVERSION_FORMAT,
		    OSSL_PKEY_EC_POINT_CONVERSION_FORMAT_UNCOMPRESSED) != 1 ||
		    (k->sha256 = EVP_MD_fetch(NULL, "SHA256", NULL)) == NULL) {
			rc = vouch_err_crypto(err, "cannot prepare the ECDSA key");
			goto out;
		}
	}
	len = i2d_PUBKEY(pkey, NULL);
	if (len <= 0 || len > SPKI_MAX) {
		rc = vouch_err_crypto(err, "cannot encode the public key");
		goto out;
	}
	p = k->spki;
	if (i2d_PUBKEY(pkey, &p) != len) {
		rc = vouch_err_crypto(err, "cannot encode the public key");
		goto out;
	}
	k->spki_len = (size_t)len;
	rc = vouch_sha256(k->spki, k->spki_len, md, err);
	if (rc != VOUCH_OK)
		goto out;
	vouch_hex_encode(md, sizeof(md), k->keyid);
	*out = k;
	k = NULL;
out:
	vouch_key_free(k);
	return rc;
}

int
vouch_key_generate(enum vouch_key_type type, vouch_key **out, vouch_err *err)
{
	EVP_PKEY *pkey = NULL;

	*out = NULL;
	if (type == VOUCH_KEY_ED25519)
		pkey = EVP_PKEY_Q_keygen(NULL, NULL, "ED25519");
	else if (type == VOUCH_KEY_ECDSA_P256)
		pkey = EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-256");
	else
		return vouch_err_set(err, VOUCH_EUSAGE, "unknown key type %d", (int)type);
	if (pkey == NULL)
		return vouch_err_crypto(err, "cannot generate a %s key", vouch_key_type_name(type));
	return key_wrap(pkey, 1, out, err);
}

int
vouch_key_from_ed25519_seed(const uint8_t seed[32], vouch_key **out, vouch_err *err)
{
	EVP_PKEY *pkey = EVP_PKEY_new_raw_private_key(EVP_PKEY_ED25519, NULL, seed, 32);

	*out = NULL;
	if (pkey == NULL)
		return vouch_err_crypto(err, "cannot make an Ed25519 key from the seed");
	return key_wrap(pkey, 1, out, err);
}

int
vouch_key_from_ed25519_public(const uint8_t pub[32], vouch_key **out, vouch_err *err)
{
	EVP_PKEY *pkey = EVP_PKEY_new_raw_public_key(EVP_PKEY_ED25519, NULL, pub, 32);

	*out = NULL;
	if (pkey == NULL)
		return vouch_err_crypto(err, "cannot make an Ed25519 key from the public bytes");
	return key_wrap(pkey, 0, out, err);
}

/* ---- PEM input ---- */

/* A decoded PEM block; data may hold private key bytes and lives on the
 * secure heap, wiped on free. */
struct pem_block {
	char *name;
	char *header;
	unsigned char *data;
	long len;
};

static void
pem_block_free(struct pem_block *b)
{
	/* PEM_FLAG_SECURE: all three come from the secure allocator. */
	OPENSSL_secure_free(b->name);
	OPENSSL_secure_free(b->header);
	if (b->data != NULL)
		OPENSSL_secure_clear_free(b->data, (size_t)b->len);
	memset(b, 0, sizeof(*b));
}

static int
only_space(const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (s[i] != ' ' && s[i] != '\t' && s[i] != '\n' && s[i] != '\r')
			return 0;
	return 1;
}

/* Decode the one PEM block in pem[0..len); anything but white space after
 * it is refused, so a file cannot smuggle a second key. */
static int
pem_decode(const char *pem, size_t len, struct pem_block *b, vouch_err *err)
{
	BIO *bio = NULL;
	const char *rest;
	int rc = VOUCH_OK;
	long left;

	if (len > VOUCH_PEM_MAX)
		return vouch_err_set(err, VOUCH_ELIMIT, "PEM key larger than %d bytes", VOUCH_PEM_MAX);
	bio = BIO_new_mem_buf(pem, (int)len);
	if (bio == NULL)
		return vouch_err_crypto(err, "out of memory");
	if (PEM_read_bio_ex(bio, &b->name, &b->header, &b->data, &b->len,
	    PEM_FLAG_SECURE | PEM_FLAG_EAY_COMPATIBLE) != 1) {
		ERR_clear_error();
		rc = vouch_err_set(err, VOUCH_EINPUT, "no valid PEM block found");
		goto out;
	}
	left = BIO_get_mem_data(bio, &rest);
	if (left > 0 && !only_space(rest, (size_t)left)) {
		rc = vouch_err_set(err, VOUCH_EINPUT, "unexpected data after the PEM block");
		goto out;
	}
	if (b->header != NULL && b->header[0] != '\0') {
		/* "Proc-Type: 4,ENCRYPTED" and friends: legacy OpenSSL formats. */
		rc = vouch_err_set(err, VOUCH_EINPUT,
		    "PEM headers are not supported (legacy encrypted key?); use PKCS#8");
		goto out;
	}
out:
	BIO_free(bio);
	return rc;
}

static int
pkcs8_to_key(const PKCS8_PRIV_KEY_INFO *p8, vouch_key **out, vouch_err *err)
{
	EVP_PKEY *pkey = EVP_PKCS82PKEY(p8);

	if (pkey == NULL) {
		ERR_clear_error();
		return vouch_err_set(err, VOUCH_EINPUT,
		    "unsupported or malformed private key (vouch uses Ed25519 and ECDSA P-256)");
	}
	return key_wrap(pkey, 1, out, err);
}

static int
load_private(const struct pem_block *b, vouch_key **out, vouch_err *err)
{
	const unsigned char *p = b->data;
	PKCS8_PRIV_KEY_INFO *p8 = d2i_PKCS8_PRIV_KEY_INFO(NULL, &p, b->len);
	int rc;

	if (p8 == NULL || p != b->data + b->len) {
		ERR_clear_error();
		rc = vouch_err_set(err, VOUCH_EINPUT, "malformed PKCS#8 private key");
		goto out;
	}
	rc = pkcs8_to_key(p8, out, err);
out:
	PKCS8_PRIV_KEY_INFO_free(p8);   /* wipes the key bytes */
	return rc;
}

/* Before any key derivation: only PBES2 with PBKDF2 (bounded iterations) or
 * scrypt (OpenSSL bounds its memory at 32 MiB), so a hostile key file
 * cannot ask for hours of work, and no weak PKCS#5 v1 / PKCS#12 schemes. */
static int
check_pbe(const X509_SIG *sig, vouch_err *err)
{
	const X509_ALGOR *alg = NULL;
	PBE2PARAM *pbe2 = NULL;
	PBKDF2PARAM *kdf = NULL;
	long iter;
	int rc = VOUCH_OK, nid;

	X509_SIG_get0(sig, &alg, NULL);
	if (OBJ_obj2nid(alg->algorithm) != NID_pbes2) {
		rc = vouch_err_set(err, VOUCH_EINPUT,
		    "unsupported key encryption (only PKCS#5 v2 / PBES2 is accepted)");
		goto out;
	}
	pbe2 = ASN1_TYPE_unpack_sequence(ASN1_ITEM_rptr(PBE2PARAM), alg->parameter);
	if (pbe2 == NULL) {
		rc = vouch_err_set(err, VOUCH_EINPUT, "malformed key encryption parameters");
		goto out;
	}
	nid = OBJ_obj2nid(pbe2->keyfunc->algorithm);
	if (nid == NID_id_scrypt)
		goto out;
	if (nid != NID_id_pbkdf2) {
		rc = vouch_err_set(err, VOUCH_EINPUT,
		    "unsupported key derivation (only PBKDF2 and scrypt are accepted)");
		goto out;
	}
	kdf = ASN1_TYPE_unpack_sequence(ASN1_ITEM_rptr(PBKDF2PARAM), pbe2->keyfunc->parameter);
	iter = kdf != NULL ? ASN1_INTEGER_get(kdf->iter) : -1;
	if (iter <= 0 || iter > PBKDF2_ITER_MAX)
		rc = vouch_err_set(err, VOUCH_ELIMIT,
		    "key encryption asks for %ld PBKDF2 iterations (1 to %d accepted)", iter,
		    PBKDF2_ITER_MAX);
out:
	ERR_clear_error();
	PBKDF2PARAM_free(kdf);
	PBE2PARAM_free(pbe2);
	return rc;
}

static int
load_encrypted(const struct pem_block *b, const char *pass, size_t passlen,
               vouch_key **out, vouch_err *err)
{
	const unsigned char *p = b->data;
	X509_SIG *sig = NULL;
	PKCS8_PRIV_KEY_INFO *p8 = NULL;
	int rc;

	if (pass == NULL) {
		rc = vouch_err_set(err, VOUCH_EUSAGE, "the private key is encrypted; a passphrase is needed");
		goto out;
	}
	if (passlen == 0 || passlen > PASS_MAX) {
		rc = vouch_err_set(err, VOUCH_EUSAGE, "passphrase must be 1 to %d bytes", PASS_MAX);
		goto out;
	}
	sig = d2i_X509_SIG(NULL, &p, b->len);
	if (sig == NULL || p != b->data + b->len) {
		ERR_clear_error();
		rc = vouch_err_set(err, VOUCH_EINPUT, "malformed encrypted PKCS#8 private key");
		goto out;
	}
	rc = check_pbe(sig, err);
	if (rc != VOUCH_OK)
		goto out;
	p8 = PKCS8_decrypt(sig, pass, (int)passlen);
	if (p8 == NULL) {
		ERR_clear_error();
		rc = vouch_err_set(err, VOUCH_EINPUT,
		    "cannot decrypt the private key: wrong passphrase or damaged key");
		goto out;
	}
	rc = pkcs8_to_key(p8, out, err);
out:
	PKCS8_PRIV_KEY_INFO_free(p8);
	X509_SIG_free(sig);
	return rc;
}

static int
load_public(const struct pem_block *b, vouch_key **out, vouch_err *err)
{
	const unsigned char *p = b->data;
	EVP_PKEY *pkey = d2i_PUBKEY(NULL, &p, b->len);

	if (pkey == NULL || p != b->data + b->len) {
		EVP_PKEY_free(pkey);
		ERR_clear_error();
		return vouch_err_set(err, VOUCH_EINPUT,
		    "unsupported or malformed public key (vouch uses Ed25519 and ECDSA P-256)");
	}
	return key_wrap(pkey, 0, out, err);
}

int
vouch_key_load_pem(const char *pem, size_t len, const char *pass, size_t passlen,
                   vouch_key **out, vouch_err *err)
{
	struct pem_block b = { NULL, NULL, NULL, 0 };
	int rc;

	*out = NULL;
	rc = pem_decode(pem, len, &b, err);
	if (rc != VOUCH_OK)
		goto out;
	if (strcmp(b.name, PEM_STRING_PKCS8INF) == 0)
		rc = load_private(&b, out, err);
	else if (strcmp(b.name, PEM_STRING_PKCS8) == 0)
		rc = load_encrypted(&b, pass, passlen, out, err);
	else if (strcmp(b.name, PEM_STRING_PUBLIC) == 0)
		rc = load_public(&b, out, err);
	else
		rc = vouch_err_set(err, VOUCH_EINPUT,
		    "unsupported PEM type '%.40s' (expected 'PRIVATE KEY', "
		    "'ENCRYPTED PRIVATE KEY' or 'PUBLIC KEY')", b.name);
out:
	pem_block_free(&b);
	return rc;
}

int
vouch_key_load_file(const char *path, const char *pass, size_t passlen,
                    vouch_key **out, vouch_err *err)
{
	vouch_buf b;
	int rc;

	*out = NULL;
	vouch_buf_init(&b, VOUCH_PEM_MAX + 1);
	rc = vouch_read_file(path, VOUCH_PEM_MAX, &b, err);
	if (rc == VOUCH_OK) {
		rc = vouch_key_load_pem((const char *)b.data, b.len, pass, passlen, out, err);
		if (rc != VOUCH_OK)
			vouch_err_prefix(err, "'%s'", path);
	}
	vouch_buf_free_secret(&b);
	return rc;
}

/* ---- output ---- */

/* Move everything in bio to out, reserving first so the (possibly secret)
 * bytes are written once and never left behind by a reallocation. */
static int
bio_drain(BIO *bio, vouch_buf *out, vouch_err *err)
{
	char *data = NULL;
	long n = BIO_get_mem_data(bio, &data);
	int rc;

	if (n <= 0)
		return vouch_err_crypto(err, "cannot encode the key");
	rc = vouch_buf_reserve(out, (size_t)n, err);
	if (rc == VOUCH_OK)
		rc = vouch_buf_append(out, data, (size_t)n, err);
	return rc;
}

static int
write_encrypted(BIO *bio, PKCS8_PRIV_KEY_INFO *p8, const char *pass, size_t passlen,
                vouch_err *err)
{
	unsigned char salt[16];
	X509_ALGOR *pbe = NULL;
	X509_SIG *sig = NULL;
	int rc = VOUCH_OK;

	if (RAND_bytes(salt, sizeof(salt)) != 1)
		return vouch_err_crypto(err, "cannot get random bytes");
	pbe = PKCS5_pbe2_set_scrypt(EVP_aes_256_cbc(), salt, sizeof(salt), NULL,
	    SCRYPT_N, SCRYPT_R, SCRYPT_P);
	if (pbe == NULL) {
		rc = vouch_err_crypto(err, "cannot set up key encryption");
		goto out;
	}
	sig = PKCS8_set0_pbe(pass, (int)passlen, p8, pbe);
	if (sig == NULL) {
		rc = vouch_err_crypto(err, "cannot encrypt the private key");
		goto out;
	}
	pbe = NULL; /* owned by sig now */
	if (PEM_write_bio_PKCS8(bio, sig) != 1)
		rc = vouch_err_crypto(err, "cannot encode the encrypted private key");
out:
	X509_ALGOR_free(pbe);
	X509_SIG_free(sig);
	return rc;
}

int
vouch_key_private_pem(const vouch_key *key, const char *pass, size_t passlen,
                      vouch_buf *out, vouch_err *err)
{
	PKCS8_PRIV_KEY_INFO *p8 = NULL;
	BIO *bio = NULL;
	int rc = VOUCH_OK;

	if (!key->has_private)
		return vouch_err_set(err, VOUCH_EUSAGE, "not a private key");
	if (pass != NULL && (passlen == 0 || passlen > PASS_MAX))
		return vouch_err_set(err, VOUCH_EUSAGE, "passphrase must be 1 to %d bytes", PASS_MAX);
	bio = BIO_new(BIO_s_secmem()); /* wiped on free */
	p8 = EVP_PKEY2PKCS8(key->pkey);
	if (bio == NULL || p8 == NULL) {
		rc = vouch_err_crypto(err, "cannot encode the private key");
		goto out;
	}
	if (pass != NULL)
		rc = write_encrypted(bio, p8, pass, passlen, err);
	else if (PEM_write_bio_PKCS8_PRIV_KEY_INFO(bio, p8) != 1)
		rc = vouch_err_crypto(err, "cannot encode the private key");
	if (rc == VOUCH_OK)
		rc = bio_drain(bio, out, err);
out:
	PKCS8_PRIV_KEY_INFO_free(p8);
	BIO_free(bio);
	return rc;
}

int
vouch_key_public_pem(const vouch_key *key, vouch_buf *out, vouch_err *err)
{
	BIO *bio = BIO_new(BIO_s_mem());
	int rc;

	if (bio == NULL)
		return vouch_err_crypto(err, "out of memory");
	if (PEM_write_bio(bio, PEM_STRING_PUBLIC, "", key->spki, (long)key->spki_len) <= 0)
		rc = vouch_err_crypto(err, "cannot encode the public key");
	else
		rc = bio_drain(bio, out, err);
	BIO_free(bio);
	return rc;
}

int
vouch_key_spki_der(const vouch_key *key, vouch_buf *out, vouch_err *err)
{
	return vouch_buf_append(out, key->spki, key->spki_len, err);
}

int
vouch_key_id(const vouch_key *key, char out[VOUCH_KEYID_HEX_LEN + 1], vouch_err *err)
{
	(void)err;
	memcpy(out, key->keyid, sizeof(key->keyid));
	return VOUCH_OK;
}

int
vouch_key_ed25519_public(const vouch_key *key, uint8_t out[32], vouch_err *err)
{
	size_t len = 32;

	if (key->type != VOUCH_KEY_ED25519)
		return vouch_err_set(err, VOUCH_EUSAGE, "not an Ed25519 key");
	if (EVP_PKEY_get_raw_public_key(key->pkey, out, &len) != 1 || len != 32)
		return vouch_err_crypto(err, "cannot read the Ed25519 public key");
	return VOUCH_OK;
}

int
vouch_key_same_public(const vouch_key *a, const vouch_key *b)
{
	return a->type == b->type && a->spki_len == b->spki_len &&
	    CRYPTO_memcmp(a->spki, b->spki, a->spki_len) == 0;
}

/* ---- signing ---- */

static int
sign_ed25519(const vouch_key *key, const void *msg, size_t n, uint8_t *sig,
             size_t *siglen, vouch_err *err)
{
	EVP_MD_CTX *ctx = ctx_get(key, 1);

	if (ctx == NULL)
		return vouch_err_crypto(err, "cannot set up Ed25519 signing");
	if (EVP_DigestSign(ctx, sig, siglen, msg, n) != 1) {
		EVP_MD_CTX_free(ctx);
		return vouch_err_crypto(err, "Ed25519 signing failed");
	}
	ctx_put(key, 1, ctx);
	return VOUCH_OK;
}

/* SHA-256 with the key's cached digest context: EVP_Digest would make and
 * free a context (two allocations and a provider lookup) per message. */
static int
sha256_msg(const vouch_key *key, const void *msg, size_t n, uint8_t md[32], vouch_err *err)
{
	EVP_MD_CTX *c = atomic_exchange_explicit(&key->cache->md, NULL, memory_order_acquire);
	EVP_MD_CTX *expected = NULL;
	unsigned int len = 0;

	if (c == NULL && (c = EVP_MD_CTX_new()) == NULL)
		return vouch_err_crypto(err, "out of memory");
	if (EVP_DigestInit_ex2(c, key->sha256, NULL) != 1 || EVP_DigestUpdate(c, msg, n) != 1 ||
	    EVP_DigestFinal_ex(c, md, &len) != 1 || len != 32) {
		EVP_MD_CTX_free(c);
		return vouch_err_crypto(err, "sha256 failed");
	}
	if (!atomic_compare_exchange_strong_explicit(&key->cache->md, &expected, c,
	    memory_order_release, memory_order_relaxed))
		EVP_MD_CTX_free(c);
	return VOUCH_OK;
}

static int
sign_ecdsa(const vouch_key *key, const void *msg, size_t n, uint8_t *sig,
           size_t *siglen, vouch_err *err)
{
	EVP_PKEY_CTX *ctx = NULL;
	uint8_t md[32];
	int rc;

	rc = sha256_msg(key, msg, n, md, err);
	if (rc != VOUCH_OK)
		return rc;
	ctx = ctx_get(key, 1);
	if (ctx == NULL)
		return vouch_err_crypto(err, "cannot set up ECDSA signing");
	if (EVP_PKEY_sign(ctx, sig, siglen, md, sizeof(md)) != 1) {
		EVP_PKEY_CTX_free(ctx);
		return vouch_err_crypto(err, "ECDSA signing failed");
	}
	ctx_put(key, 1, ctx);
	return VOUCH_OK;
}

int
vouch_key_sign(const vouch_key *key, const void *msg, size_t n, vouch_buf *sig,
               vouch_err *err)
{
	size_t siglen = VOUCH_SIG_MAX;
	int rc;

	if (!key->has_private)
		return vouch_err_set(err, VOUCH_EUSAGE, "cannot sign with a public key");
	rc = vouch_buf_reserve(sig, VOUCH_SIG_MAX, err);
	if (rc != VOUCH_OK)
		return rc;
	if (key->type == VOUCH_KEY_ED25519)
		rc = sign_ed25519(key, msg, n, sig->data + sig->len, &siglen, err);
	else
		rc = sign_ecdsa(key, msg, n, sig->data + sig->len, &siglen, err);
	if (rc != VOUCH_OK)
		return rc;
	if (siglen > VOUCH_SIG_MAX)
		return vouch_err_set(err, VOUCH_EINTERNAL, "signature longer than expected");
	sig->len += siglen;
	sig->data[sig->len] = '\0';
	return VOUCH_OK;
}

/* ---- verification ---- */

static int
verify_ed25519(const vouch_key *key, const void *msg, size_t n, const uint8_t *sig,
               size_t siglen, vouch_err *err)
{
	EVP_MD_CTX *ctx;
	int ok;

	if (siglen != 64)
		return vouch_err_set(err, VOUCH_ENEGATIVE,
		    "Ed25519 signature has %zu bytes, expected 64", siglen);
	ctx = ctx_get(key, 0);
	if (ctx == NULL)
		return vouch_err_crypto(err, "cannot set up Ed25519 verification");
	ok = EVP_DigestVerify(ctx, sig, siglen, msg, n);
	if (ok < 0) {
		EVP_MD_CTX_free(ctx);
		return vouch_err_crypto(err, "Ed25519 verification failed to run");
	}
	ctx_put(key, 0, ctx);
	if (ok != 1) {
		ERR_clear_error();
		return vouch_err_set(err, VOUCH_ENEGATIVE, "Ed25519 signature does not verify");
	}
	return VOUCH_OK;
}

/* DER-encode a raw 64-byte r||s into der (at most VOUCH_SIG_MAX bytes). */
static int
raw_to_der(const uint8_t raw[64], uint8_t der[VOUCH_SIG_MAX], size_t *derlen, vouch_err *err)
{
	ECDSA_SIG *s = ECDSA_SIG_new();
	BIGNUM *r = BN_bin2bn(raw, 32, NULL), *sv = BN_bin2bn(raw + 32, 32, NULL);
	unsigned char *p = der;
	int rc = VOUCH_OK, len;

	if (s == NULL || r == NULL || sv == NULL || ECDSA_SIG_set0(s, r, sv) != 1) {
		BN_free(r);
		BN_free(sv);
		rc = vouch_err_crypto(err, "out of memory");
		goto out;
	}
	len = i2d_ECDSA_SIG(s, NULL);
	if (len <= 0 || len > VOUCH_SIG_MAX || i2d_ECDSA_SIG(s, &p) != len) {
		rc = vouch_err_crypto(err, "cannot encode the ECDSA signature");
		goto out;
	}
	*derlen = (size_t)len;
out:
	ECDSA_SIG_free(s);
	return rc;
}

/* VOUCH_OK, VOUCH_ENEGATIVE (no err message) or an error. */
static int
ecdsa_check(const vouch_key *key, const uint8_t md[32], const uint8_t *der, size_t derlen,
            vouch_err *err)
{
	EVP_PKEY_CTX *ctx = ctx_get(key, 0);
	int ok;

	if (ctx == NULL)
		return vouch_err_crypto(err, "cannot set up ECDSA verification");
	ok = EVP_PKEY_verify(ctx, der, derlen, md, 32);
	if (ok < 0) {
		/* Malformed DER is reported as an error by some providers:
		 * to the caller it is simply a signature that does not verify. */
		ERR_clear_error();
		EVP_PKEY_CTX_free(ctx);
		return VOUCH_ENEGATIVE;
	}
	ctx_put(key, 0, ctx);
	if (ok != 1) {
		ERR_clear_error();
		return VOUCH_ENEGATIVE;
	}
	return VOUCH_OK;
}

static int
verify_ecdsa(const vouch_key *key, const void *msg, size_t n, const uint8_t *sig,
             size_t siglen, vouch_err *err)
{
	uint8_t md[32], der[VOUCH_SIG_MAX];
	size_t derlen = 0;
	int rc;

	if (siglen < 8 || siglen > 72)
		return vouch_err_set(err, VOUCH_ENEGATIVE,
		    "ECDSA signature has %zu bytes, expected DER (8 to 72) or raw r||s (64)", siglen);
	rc = sha256_msg(key, msg, n, md, err);
	if (rc != VOUCH_OK)
		return rc;
	if (siglen == 64) {
		/* Raw r||s; a DER signature can also be 64 bytes long, so
		 * fall back to reading it as DER. */
		rc = raw_to_der(sig, der, &derlen, err);
		if (rc == VOUCH_OK)
			rc = ecdsa_check(key, md, der, derlen, err);
		if (rc == VOUCH_ENEGATIVE && sig[0] == 0x30)
			rc = ecdsa_check(key, md, sig, siglen, err);
	} else {
		rc = ecdsa_check(key, md, sig, siglen, err);
	}
	if (rc == VOUCH_ENEGATIVE)
		return vouch_err_set(err, VOUCH_ENEGATIVE, "ECDSA signature does not verify");
	return rc;
}

int
vouch_key_verify(const vouch_key *key, const void *msg, size_t n, const uint8_t *sig,
                 size_t siglen, vouch_err *err)
{
	if (key->type == VOUCH_KEY_ED25519)
		return verify_ed25519(key, msg, n, sig, siglen, err);
	return verify_ecdsa(key, msg, n, sig, siglen, err);
}

/* ---- C2SP signed-note keys ---- */

/* Key names: non-empty UTF-8, no '+', no ASCII white space or control bytes. */
static int
note_name_ok(const char *name, vouch_err *err)
{
	size_t len = strlen(name);

	if (len == 0)
		return vouch_err_set(err, VOUCH_EUSAGE, "note key name is empty");
	if (len > 1024)
		return vouch_err_set(err, VOUCH_EUSAGE, "note key name is longer than 1024 bytes");
	for (size_t i = 0; i < len; i++) {
		unsigned char c = (unsigned char)name[i];

		if (c <= 0x20 || c == 0x7f || c == '+')
			return vouch_err_set(err, VOUCH_EUSAGE,
			    "note key name '%s' holds '+', white space or a control byte", name);
	}
	if (!vouch_utf8_valid(name, len))
		return vouch_err_set(err, VOUCH_EUSAGE, "note key name is not valid UTF-8");
	return VOUCH_OK;
}

int
vouch_key_vkey_id(const vouch_key *key, const char *name, uint8_t type, uint32_t *id,
                  vouch_err *err)
{
	uint8_t pub[32], md[32];
	EVP_MD_CTX *ctx = NULL;
	const uint8_t sep[2] = { 0x0a, type };
	int rc;

	rc = note_name_ok(name, err);
	if (rc == VOUCH_OK)
		rc = vouch_key_ed25519_public(key, pub, err);
	if (rc != VOUCH_OK)
		return rc;
	ctx = EVP_MD_CTX_new();
	if (ctx == NULL || EVP_DigestInit_ex(ctx, EVP_sha256(), NULL) != 1 ||
	    EVP_DigestUpdate(ctx, name, strlen(name)) != 1 ||
	    EVP_DigestUpdate(ctx, sep, sizeof(sep)) != 1 ||
	    EVP_DigestUpdate(ctx, pub, sizeof(pub)) != 1 ||
	    EVP_DigestFinal_ex(ctx, md, NULL) != 1) {
		rc = vouch_err_crypto(err, "sha256 failed");
		goto out;
	}
	*id = (uint32_t)md[0] << 24 | (uint32_t)md[1] << 16 | (uint32_t)md[2] << 8 | md[3];
out:
	EVP_MD_CTX_free(ctx);
	return rc;
}

int
vouch_key_vkey(const vouch_key *key, const char *name, uint8_t type, vouch_buf *out,
               vouch_err *err)
{
	uint8_t raw[33];
	uint32_t id = 0;
	int rc;

	rc = vouch_key_vkey_id(key, name, type, &id, err);
	if (rc != VOUCH_OK)
		return rc;
	raw[0] = type;
	rc = vouch_key_ed25519_public(key, raw + 1, err);
	if (rc == VOUCH_OK)
		rc = vouch_buf_appendf(out, err, "%s+%08x+", name, (unsigned)id);
	if (rc == VOUCH_OK)
		rc = vouch_b64_append(out, raw, sizeof(raw), VOUCH_B64_STD, err);
	return rc;
}

int
vouch_key_note_id(const vouch_key *key, const char *name, uint32_t *id, vouch_err *err)
{
	return vouch_key_vkey_id(key, name, VOUCH_VKEY_ED25519, id, err);
}

int
vouch_key_note_verifier(const vouch_key *key, const char *name, vouch_buf *out,
                        vouch_err *err)
{
	return vouch_key_vkey(key, name, VOUCH_VKEY_ED25519, out, err);
}

/* ---- key files and passphrases ---- */

static int
path_free(const char *path, vouch_err *err)
{
	struct stat st;

	if (lstat(path, &st) == 0)
		return vouch_err_set(err, VOUCH_EEXIST, "'%s' already exists, refusing to overwrite it",
		    path);
	if (errno != ENOENT)
		return vouch_err_sys(err, VOUCH_EIO, "cannot check '%s'", path);
	return VOUCH_OK;
}

static int
join(char *out, size_t cap, const char *prefix, const char *suffix, vouch_err *err)
{
	int n = snprintf(out, cap, "%s%s", prefix, suffix);

	if (n < 0 || (size_t)n >= cap)
		return vouch_err_set(err, VOUCH_EUSAGE, "key file prefix too long: '%s'", prefix);
	return VOUCH_OK;
}

int
vouch_key_write_files(const vouch_key *key, const char *prefix, const char *pass,
                      size_t passlen, vouch_err *err)
{
	char kpath[PATH_MAX], ppath[PATH_MAX];
	vouch_buf priv, pub;
	int rc;

	vouch_buf_init(&priv, VOUCH_PEM_MAX);
	vouch_buf_init(&pub, VOUCH_PEM_MAX);
	if (prefix == NULL || prefix[0] == '\0') {
		rc = vouch_err_set(err, VOUCH_EUSAGE, "empty key file prefix");
		goto out;
	}
	rc = join(kpath, sizeof(kpath), prefix, ".key", err);
	if (rc == VOUCH_OK)
		rc = join(ppath, sizeof(ppath), prefix, ".pub", err);
	if (rc == VOUCH_OK)
		rc = path_free(kpath, err);
	if (rc == VOUCH_OK)
		rc = path_free(ppath, err);
	if (rc == VOUCH_OK)
		rc = vouch_key_private_pem(key, pass, passlen, &priv, err);
	if (rc == VOUCH_OK)
		rc = vouch_key_public_pem(key, &pub, err);
	if (rc != VOUCH_OK)
		goto out;
	rc = vouch_write_file_excl(kpath, priv.data, priv.len, 0600, err);
	if (rc != VOUCH_OK)
		goto out;
	rc = vouch_write_file_excl(ppath, pub.data, pub.len, 0644, err);
	if (rc != VOUCH_OK)
		unlink(kpath); /* ours: created with O_EXCL just above */
out:
	vouch_buf_free_secret(&priv);
	vouch_buf_free(&pub);
	return rc;
}

/* Strip one trailing newline from what was read at out->data + start and
 * check the length. */
static int
pass_finish(vouch_buf *out, size_t start, const char *name, vouch_err *err)
{
	if (out->len > start && out->data[out->len - 1] == '\n')
		out->data[--out->len] = '\0';
	if (out->len == start)
		return vouch_err_set(err, VOUCH_EINPUT, "'%s': empty passphrase", name);
	if (out->len - start > PASS_MAX)
		return vouch_err_set(err, VOUCH_ELIMIT, "'%s': passphrase longer than %d bytes",
		    name, PASS_MAX);
	return VOUCH_OK;
}

int
vouch_key_passphrase_fd(int fd, const char *name, vouch_buf *out, vouch_err *err)
{
	size_t start = out->len;
	vouch_err rerr;
	int rc;

	/* Room for the longest passphrase and its newline, reserved up front
	 * so the secret is never left behind by a reallocation. */
	rc = vouch_buf_reserve(out, PASS_MAX + 2, err);
	if (rc != VOUCH_OK)
		return rc;
	vouch_err_clear(&rerr);
	rc = vouch_read_fd(fd, name, PASS_MAX + 1, out, &rerr);
	if (rc == VOUCH_ELIMIT)
		rc = vouch_err_set(err, VOUCH_ELIMIT, "'%s': passphrase longer than %d bytes",
		    name, PASS_MAX);
	else if (rc != VOUCH_OK)
		rc = vouch_err_set(err, rc, "%s", rerr.msg);
	if (rc == VOUCH_OK)
		rc = pass_finish(out, start, name, err);
	if (rc != VOUCH_OK) {
		OPENSSL_cleanse(out->data + start, out->cap - start);
		out->len = start;
	}
	return rc;
}

int
vouch_key_passphrase_file(const char *path, vouch_buf *out, vouch_err *err)
{
	vouch_input in;
	int rc;

	if ((rc = vouch_input_open(&in, path, VOUCH_INPUT_STDIN, NULL, err)) != VOUCH_OK)
		return rc;
	rc = vouch_key_passphrase_fd(in.fd, in.label, out, err);
	vouch_input_close(&in);
	return rc;
}
