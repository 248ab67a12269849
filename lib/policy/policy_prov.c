/* policy_prov.c - a verdict's linked provenance must describe the file that
 * was rebuilt: rebuilt file -> provenance -> verdict holds only when the
 * provenance the verdict points at (inputAttestations, when the evidence
 * carries it) names every rebuilt digest of the verdict and was signed by
 * a key that signed the verdict. */
#include "config.h"

#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <openssl/crypto.h>

#include "vouch/evbundle.h"
#include "vouch/codec.h"
#include "vouch/digest.h"
#include "vouch/envelope.h"
#include "vouch/json.h"
#include "vouch/statement.h"
#include "vouch/uri.h"
#include "policy_int.h"

/* sha256 of a descriptor's digest object, into out; 0 when absent/bad. */
static int
desc_sha256(const cJSON *desc, uint8_t out[32])
{
	const char *hex = vouch_json_get_string(vouch_json_get_object(desc, "digest"), "sha256");

	return hex != NULL && strlen(hex) == 64 &&
	    vouch_hex_decode(hex, 64, out, 32, VOUCH_HEX_LOWER, NULL) == VOUCH_OK;
}

/* The bundle entry whose bytes (or bytes and a newline, as a file written
 * by vouch-attest holds them) have this sha256; SIZE_MAX when none. */
static size_t
entry_by_digest(const vouch_evbundle *b, const uint8_t want[32])
{
	for (size_t i = 0; i < vouch_evbundle_entry_count(b); i++) {
		vouch_hasher *h = NULL;
		vouch_digests d;
		size_t len;
		const uint8_t *e = vouch_evbundle_entry(b, i, &len);
		int hit = 0;

		for (int nl = 0; nl < 2 && !hit; nl++) {
			if (vouch_hasher_new(VOUCH_ALG_SHA256, &h, NULL) != VOUCH_OK)
				return SIZE_MAX;
			if (vouch_hasher_update(h, e, len, NULL) == VOUCH_OK &&
			    (!nl || vouch_hasher_update(h, "\n", 1, NULL) == VOUCH_OK) &&
			    vouch_hasher_final(h, &d, NULL) == VOUCH_OK &&
			    CRYPTO_memcmp(vouch_digests_get(&d, VOUCH_ALG_SHA256), want, 32) == 0)
				hit = 1;
			vouch_hasher_free(h);
			h = NULL;
		}
		if (hit)
			return i;
	}
	return SIZE_MAX;
}

/* Signed by one of the keys that signed the verdict (key_ok)? */
static int
same_signer(const vouch_policy *p, const unsigned char *key_ok, const vouch_envelope *env)
{
	for (size_t k = 0; k < p->nallkeys; k++) {
		struct vouch_dsse_verify opt = { NULL, &p->allkeys[k], 1, 1 };

		if (key_ok[k] && vouch_envelope_verify(env, &opt, NULL, NULL, NULL, NULL) == VOUCH_OK)
			return 1;
	}
	return 0;
}

/* One linked provenance, found at entry e: NULL or why not. */
static const char *
check_one(const vouch_policy *p, const unsigned char *key_ok, const vouch_evbundle *b,
          size_t e, const char *uri, const cJSON *rebuilt, char *buf, size_t bufsz)
{
	vouch_envelope *env = NULL;
	vouch_statement *prov = NULL;
	const uint8_t *bytes, *pl;
	const cJSON *r;
	const char *why = NULL;
	size_t len, plen;

	bytes = vouch_evbundle_entry(b, e, &len);
	if (vouch_envelope_parse((const char *)bytes, len, 0, &env, NULL) != VOUCH_OK)
		return snprintf(buf, bufsz, "its provenance '%.200s' is not an envelope", uri), buf;
	pl = vouch_envelope_payload(env, &plen);
	if (!same_signer(p, key_ok, env))
		why = "was signed by another key than the verdict";
	else if (vouch_statement_parse(pl, plen, &prov, NULL) != VOUCH_OK)
		why = "is not a valid statement";
	cJSON_ArrayForEach(r, rebuilt) {
		vouch_digests d;

		if (why != NULL)
			break;
		memset(&d, 0, sizeof(d));
		d.algs = VOUCH_ALG_SHA256;
		if (!desc_sha256(r, d.md[vouch_alg_index(VOUCH_ALG_SHA256)]))
			continue;
		if (vouch_statement_match(prov, &d, NULL, NULL) != VOUCH_OK) {
			const char *name = vouch_json_get_string(r, "name");

			snprintf(buf, bufsz, "its provenance '%.200s' does not name the rebuilt "
			         "'%.200s'", uri, name ? name : "?");
			vouch_statement_free(prov);
			vouch_envelope_free(env);
			return buf;
		}
	}
	vouch_statement_free(prov);
	vouch_envelope_free(env);
	if (why != NULL)
		snprintf(buf, bufsz, "its provenance '%.200s' %s", uri, why);
	return why != NULL ? buf : NULL;
}

const char *
policy_check_provenance(const vouch_policy *p, const unsigned char *key_ok,
                        const vouch_evbundle *b, const vouch_statement *st, char *buf,
                        size_t bufsz)
{
	const cJSON *pred = vouch_statement_predicate(st), *in;
	const cJSON *rebuilt = vouch_json_get_array(
	    vouch_json_get_object(pred, VOUCH_EXT_PREFIX "comparison"), "rebuilt");

	cJSON_ArrayForEach(in, vouch_json_get_array(pred, "inputAttestations")) {
		uint8_t want[32];
		const char *uri = vouch_json_get_string(in, "uri");
		const char *why;
		size_t e;

		if (!desc_sha256(in, want) || (e = entry_by_digest(b, want)) == SIZE_MAX)
			continue;      /* not in the evidence: nothing to hold it to */
		why = check_one(p, key_ok, b, e, uri ? uri : "?", rebuilt, buf, bufsz);
		if (why != NULL)
			return why;
	}
	return NULL;
}
