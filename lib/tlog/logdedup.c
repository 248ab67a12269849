/* logdedup.c - one key for one envelope however it is spelled, so that a
 * log cannot be grown by re-posting a logged envelope with other
 * whitespace, key order or base64 (see vouch/logentry.h). */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>

#include "vouch/envelope.h"
#include "vouch/logentry.h"
#include "tlog_int.h"

#define DEDUP_DOMAIN "vouch-logentry-dedup-v1\n"

struct sigref {
	const uint8_t *p;
	size_t n;
};

static int
sig_cmp(const void *a, const void *b)
{
	const struct sigref *x = a, *y = b;

	if (x->n != y->n)
		return x->n < y->n ? -1 : 1;
	return memcmp(x->p, y->p, x->n);
}

static int
put_u64(EVP_MD_CTX *md, uint64_t v)
{
	uint8_t be[8];

	for (int i = 0; i < 8; i++)
		be[i] = (uint8_t)(v >> (56 - 8 * i));
	return EVP_DigestUpdate(md, be, 8) == 1;
}

/* u64be(n) then n bytes */
static int
put(EVP_MD_CTX *md, const void *p, size_t n)
{
	return put_u64(md, n) && (n == 0 || EVP_DigestUpdate(md, p, n) == 1);
}

int
tlog_dedup_key_env(const vouch_envelope *env, uint8_t key[32], vouch_err *err)
{
	struct sigref sigs[VOUCH_DSSE_MAX_SIGS];
	EVP_MD_CTX *md = NULL;
	const char *type;
	const uint8_t *payload;
	size_t plen = 0, n, distinct = 0;
	unsigned outlen = 0;
	int ok;

	type = vouch_envelope_payload_type(env);
	payload = vouch_envelope_payload(env, &plen);
	n = vouch_envelope_sig_count(env);
	for (size_t i = 0; i < n && i < VOUCH_DSSE_MAX_SIGS; i++)
		sigs[i].p = vouch_envelope_sig_bytes(env, i, &sigs[i].n);
	if (n > VOUCH_DSSE_MAX_SIGS)
		n = VOUCH_DSSE_MAX_SIGS;
	qsort(sigs, n, sizeof(sigs[0]), sig_cmp);
	for (size_t i = 0; i < n; i++)
		if (distinct == 0 || sig_cmp(&sigs[distinct - 1], &sigs[i]) != 0)
			sigs[distinct++] = sigs[i];
	ok = (md = EVP_MD_CTX_new()) != NULL && EVP_DigestInit_ex(md, tlog_sha256(), NULL) == 1 &&
	    EVP_DigestUpdate(md, DEDUP_DOMAIN, sizeof(DEDUP_DOMAIN) - 1) == 1 &&
	    put(md, type, strlen(type)) && put(md, payload, plen) && put_u64(md, distinct);
	for (size_t i = 0; ok && i < distinct; i++)
		ok = put(md, sigs[i].p, sigs[i].n);
	ok = ok && EVP_DigestFinal_ex(md, key, &outlen) == 1 && outlen == 32;
	EVP_MD_CTX_free(md);
	return ok ? VOUCH_OK : vouch_err_crypto(err, "sha256 failed");
}

int
vouch_logentry_dedup_key(const uint8_t *body, size_t len, uint8_t key[32], vouch_err *err)
{
	vouch_envelope *env = NULL;
	int rc;

	if ((rc = vouch_envelope_parse((const char *)body, len, 0, &env, err)) != VOUCH_OK)
		return rc;
	rc = tlog_dedup_key_env(env, key, err);
	vouch_envelope_free(env);
	return rc;
}

int
vouch_logentry_keyer(void *ctx, const uint8_t *entry, size_t len, uint8_t key[32])
{
	(void)ctx;
	return vouch_logentry_dedup_key(entry, len, key, NULL) == VOUCH_OK ? 0 : -1;
}
