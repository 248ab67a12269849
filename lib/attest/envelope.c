/* envelope.c - DSSE v1 envelopes.
 *
 * The envelope keeps the decoded payload; PAE is always rebuilt from those
 * bytes and exactly those bytes are handed on after verification, so the
 * bytes checked and the bytes used can never differ. */
#include "config.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "vouch/codec.h"
#include "vouch/envelope.h"
#include "vouch/json.h"
#include "vouch/statement.h"
#include "vouch/uri.h"

#define DSSE_SIG_MAX 1024 /* bytes of one decoded signature (RSA-8192) */

struct dsse_sig {
	char *keyid;
	uint8_t *sig;
	size_t len;
};

struct vouch_envelope {
	char *type;
	size_t typelen;
	uint8_t *payload;
	size_t len;
	struct dsse_sig sigs[VOUCH_DSSE_MAX_SIGS];
	size_t nsigs;
};

/* Decimal digits of v at the end of buf (which has room for 20). */
static size_t
decimal(size_t v, char *end)
{
	size_t n = 0;

	do {
		*--end = (char)('0' + v % 10);
		n++;
	} while ((v /= 10) > 0);
	return n;
}

int
vouch_envelope_pae(const char *type, size_t typelen, const void *body, size_t bodylen,
                   vouch_buf *out, vouch_err *err)
{
	char t[24], b[24];
	size_t tn, bn;
	unsigned char *o;
	int rc;

	if (type == NULL || (body == NULL && bodylen > 0))
		return vouch_err_set(err, VOUCH_EUSAGE, "PAE: missing type or body");
	tn = decimal(typelen, t + sizeof(t));
	bn = decimal(bodylen, b + sizeof(b));
	if (typelen > SIZE_MAX / 2 || bodylen > SIZE_MAX / 2)
		return vouch_err_set(err, VOUCH_ELIMIT, "PAE: too large");
	if ((rc = vouch_buf_reserve(out, 10 + tn + bn + typelen + bodylen, err)) != VOUCH_OK)
		return rc;
	o = out->data + out->len;
	memcpy(o, "DSSEv1 ", 7), o += 7;
	memcpy(o, t + sizeof(t) - tn, tn), o += tn;
	*o++ = ' ';
	memcpy(o, type, typelen), o += typelen;
	*o++ = ' ';
	memcpy(o, b + sizeof(b) - bn, bn), o += bn;
	*o++ = ' ';
	if (bodylen > 0)
		memcpy(o, body, bodylen), o += bodylen;
	out->len = (size_t)(o - out->data);
	out->data[out->len] = '\0';
	return VOUCH_OK;
}

static int
set_type(vouch_envelope *env, const char *type, size_t n, vouch_err *err)
{
	if (n == 0)
		return vouch_err_set(err, VOUCH_EINPUT, "envelope: empty payloadType");
	if (n > VOUCH_DSSE_MAX_TYPE)
		return vouch_err_set(err, VOUCH_ELIMIT, "envelope: payloadType longer than %d bytes",
		    VOUCH_DSSE_MAX_TYPE);
	if (memchr(type, '\0', n) != NULL || !vouch_utf8_valid(type, n))
		return vouch_err_set(err, VOUCH_EINPUT, "envelope: payloadType is not valid UTF-8");
	if ((env->type = malloc(n + 1)) == NULL)
		return vouch_err_set(err, VOUCH_ENOMEM, "out of memory");
	memcpy(env->type, type, n);
	env->type[n] = '\0';
	env->typelen = n;
	return VOUCH_OK;
}

int
vouch_envelope_new(const char *payload_type, const void *payload, size_t len,
                   vouch_envelope **out, vouch_err *err)
{
	vouch_envelope *env = NULL;
	int rc;

	*out = NULL;
	if (payload_type == NULL || (payload == NULL && len > 0))
		return vouch_err_set(err, VOUCH_EUSAGE, "envelope: missing payload or type");
	if ((env = calloc(1, sizeof(*env))) == NULL)
		return vouch_err_set(err, VOUCH_ENOMEM, "out of memory");
	rc = set_type(env, payload_type, strlen(payload_type), err);
	if (rc == VOUCH_OK && (env->payload = malloc(len + 1)) == NULL)
		rc = vouch_err_set(err, VOUCH_ENOMEM, "out of memory");
	if (rc != VOUCH_OK) {
		vouch_envelope_free(env);
		return rc;
	}
	if (len > 0)
		memcpy(env->payload, payload, len);
	env->len = len;
	*out = env;
	return VOUCH_OK;
}

void
vouch_envelope_free(vouch_envelope *env)
{
	if (env == NULL)
		return;
	for (size_t i = 0; i < env->nsigs; i++) {
		free(env->sigs[i].keyid);
		free(env->sigs[i].sig);
	}
	free(env->type);
	free(env->payload);
	free(env);
}

/* Decode base64 (either alphabet) of a JSON string member into a fresh
 * allocation of at most max bytes. */
static int
b64_member(const char *s, size_t max, const char *what, uint8_t **out, size_t *outlen,
           vouch_err *err)
{
	vouch_buf b;
	size_t n = strlen(s);
	int rc;

	vouch_buf_init(&b, max + 4);
	rc = vouch_b64_decode(s, n, VOUCH_B64_ANY, &b, err);
	if (rc == VOUCH_OK && b.len > max)
		rc = vouch_err_set(err, VOUCH_ELIMIT, "envelope: %s longer than %zu bytes", what, max);
	if (rc == VOUCH_OK)
		*out = vouch_buf_detach(&b, outlen, err);
	if (rc == VOUCH_OK && *out == NULL)
		rc = VOUCH_ENOMEM;
	if (rc != VOUCH_OK)
		vouch_err_prefix(err, "envelope %s", what);
	vouch_buf_free(&b);
	return rc;
}

static int
parse_sig(vouch_envelope *env, const cJSON *js, size_t i, vouch_err *err)
{
	struct dsse_sig *s = &env->sigs[env->nsigs];
	const cJSON *kid = vouch_json_get(js, "keyid");
	const char *sig = vouch_json_get_string(js, "sig");
	size_t klen;
	int rc;

	if (!cJSON_IsObject(js))
		return vouch_err_set(err, VOUCH_EINPUT, "envelope: signature %zu is not an object", i);
	if (sig == NULL)
		return vouch_err_set(err, VOUCH_EINPUT, "envelope: signature %zu has no 'sig' string", i);
	if (kid != NULL && !cJSON_IsString(kid))
		return vouch_err_set(err, VOUCH_EINPUT, "envelope: signature %zu 'keyid' is not a string", i);
	klen = kid != NULL ? strlen(kid->valuestring) : 0;
	if (klen > VOUCH_DSSE_MAX_KEYID)
		return vouch_err_set(err, VOUCH_ELIMIT, "envelope: signature %zu keyid too long", i);
	rc = b64_member(sig, DSSE_SIG_MAX, "signature", &s->sig, &s->len, err);
	if (rc == VOUCH_OK && s->len == 0)
		rc = vouch_err_set(err, VOUCH_EINPUT, "envelope: signature %zu is empty", i);
	if (rc == VOUCH_OK && (s->keyid = strdup(kid != NULL ? kid->valuestring : "")) == NULL)
		rc = vouch_err_set(err, VOUCH_ENOMEM, "out of memory");
	env->nsigs++; /* counted even on failure, so free() releases it */
	return rc;
}

static int
parse_tree(vouch_envelope *env, const cJSON *root, size_t max, vouch_err *err)
{
	const char *payload, *type;
	const cJSON *sigs, *js;
	size_t i = 0;
	int rc;

	if (!cJSON_IsObject(root))
		return vouch_err_set(err, VOUCH_EINPUT, "envelope is not a JSON object");
	payload = vouch_json_get_string(root, "payload");
	type = vouch_json_get_string(root, "payloadType");
	sigs = vouch_json_get_array(root, "signatures");
	if (payload == NULL || type == NULL || sigs == NULL)
		return vouch_err_set(err, VOUCH_EINPUT, "envelope: missing or mistyped '%s'",
		    payload == NULL ? "payload" : type == NULL ? "payloadType" : "signatures");
	rc = set_type(env, type, strlen(type), err);
	if (rc == VOUCH_OK)
		rc = b64_member(payload, max, "payload", &env->payload, &env->len, err);
	if (rc != VOUCH_OK)
		return rc;
	if (cJSON_GetArraySize(sigs) == 0)
		return vouch_err_set(err, VOUCH_EINPUT, "envelope has no signatures");
	cJSON_ArrayForEach(js, sigs) {
		if (i >= VOUCH_DSSE_MAX_SIGS)
			return vouch_err_set(err, VOUCH_ELIMIT, "envelope has more than %d signatures",
			    VOUCH_DSSE_MAX_SIGS);
		if ((rc = parse_sig(env, js, i++, err)) != VOUCH_OK)
			return rc;
	}
	return VOUCH_OK;
}

int
vouch_envelope_parse(const char *json, size_t len, size_t max, vouch_envelope **out,
                     vouch_err *err)
{
	vouch_envelope *env = NULL;
	cJSON *root = NULL;
	int rc;

	*out = NULL;
	if (max == 0)
		max = VOUCH_DSSE_MAX_DEFAULT;
	if (len > max)
		return vouch_err_set(err, VOUCH_ELIMIT,
		    "envelope is %zu bytes, over the limit of %zu", len, max);
	if ((rc = vouch_json_parse(json, len, &root, err)) != VOUCH_OK)
		goto out;
	if ((env = calloc(1, sizeof(*env))) == NULL) {
		rc = vouch_err_set(err, VOUCH_ENOMEM, "out of memory");
		goto out;
	}
	if ((rc = parse_tree(env, root, max, err)) != VOUCH_OK)
		goto out;
	*out = env;
	env = NULL;
out:
	vouch_envelope_free(env);
	cJSON_Delete(root);
	return rc;
}

const char *
vouch_envelope_payload_type(const vouch_envelope *env)
{
	return env->type;
}

const uint8_t *
vouch_envelope_payload(const vouch_envelope *env, size_t *len)
{
	*len = env->len;
	return env->payload;
}

size_t
vouch_envelope_sig_count(const vouch_envelope *env)
{
	return env->nsigs;
}

const char *
vouch_envelope_sig_keyid(const vouch_envelope *env, size_t i)
{
	return i < env->nsigs ? env->sigs[i].keyid : NULL;
}

const uint8_t *
vouch_envelope_sig_bytes(const vouch_envelope *env, size_t i, size_t *len)
{
	if (i >= env->nsigs)
		return NULL;
	*len = env->sigs[i].len;
	return env->sigs[i].sig;
}

int
vouch_envelope_sign(vouch_envelope *env, const vouch_key *key, vouch_err *err)
{
	struct dsse_sig *s;
	vouch_buf pae, sig;
	char kid[VOUCH_KEYID_HEX_LEN + 1];
	int rc;

	if (env->nsigs >= VOUCH_DSSE_MAX_SIGS)
		return vouch_err_set(err, VOUCH_ELIMIT, "envelope already has %d signatures",
		    VOUCH_DSSE_MAX_SIGS);
	if (!vouch_key_has_private(key))
		return vouch_err_set(err, VOUCH_EUSAGE, "cannot sign with a public key");
	vouch_buf_init(&pae, 0);
	vouch_buf_init(&sig, DSSE_SIG_MAX);
	s = &env->sigs[env->nsigs];
	rc = vouch_key_id(key, kid, err);
	if (rc == VOUCH_OK)
		rc = vouch_envelope_pae(env->type, env->typelen, env->payload, env->len, &pae, err);
	if (rc == VOUCH_OK)
		rc = vouch_key_sign(key, pae.data, pae.len, &sig, err);
	if (rc == VOUCH_OK && (s->keyid = strdup(kid)) == NULL)
		rc = vouch_err_set(err, VOUCH_ENOMEM, "out of memory");
	if (rc == VOUCH_OK && (s->sig = vouch_buf_detach(&sig, &s->len, err)) == NULL)
		rc = VOUCH_ENOMEM;
	if (rc == VOUCH_OK)
		env->nsigs++;
	else
		free(s->keyid), s->keyid = NULL;
	vouch_buf_free(&pae);
	vouch_buf_free(&sig);
	return rc;
}

int
vouch_envelope_sign_once(vouch_envelope *env, const vouch_key *key, vouch_err *err)
{
	char kid[VOUCH_KEYID_HEX_LEN + 1];
	int rc = vouch_key_id(key, kid, err);

	for (size_t s = 0; rc == VOUCH_OK && s < env->nsigs; s++)
		if (strcmp(env->sigs[s].keyid, kid) == 0)
			rc = vouch_err_set(err, VOUCH_EEXIST,
			    "the envelope already carries a signature by this key");
	return rc == VOUCH_OK ? vouch_envelope_sign(env, key, err) : rc;
}

/* The envelope as compact JSON, byte for byte what cJSON_PrintUnformatted
 * made of it before (members in this order, standard padded base64), but
 * written straight into out: no tree, no intermediate strings.  On failure
 * out is as it was. */
static int
write_envelope(vouch_buf *out, const char *type, const uint8_t *payload, size_t len,
               const struct dsse_sig *sigs, size_t nsigs, vouch_err *err)
{
	size_t start = out->len;
	int rc;

	rc = vouch_buf_append_str(out, "{\"payload\":\"", err);
	if (rc == VOUCH_OK)
		rc = vouch_b64_append(out, payload, len, VOUCH_B64_STD, err);
	if (rc == VOUCH_OK)
		rc = vouch_buf_append_str(out, "\",\"payloadType\":", err);
	if (rc == VOUCH_OK)
		rc = vouch_json_append_string(out, type, strlen(type), err);
	if (rc == VOUCH_OK)
		rc = vouch_buf_append_str(out, ",\"signatures\":[", err);
	for (size_t i = 0; rc == VOUCH_OK && i < nsigs; i++) {
		rc = vouch_buf_append_str(out, i == 0 ? "{\"keyid\":" : ",{\"keyid\":", err);
		if (rc == VOUCH_OK)
			rc = vouch_json_append_string(out, sigs[i].keyid, strlen(sigs[i].keyid), err);
		if (rc == VOUCH_OK)
			rc = vouch_buf_append_str(out, ",\"sig\":\"", err);
		if (rc == VOUCH_OK)
			rc = vouch_b64_append(out, sigs[i].sig, sigs[i].len, VOUCH_B64_STD, err);
		if (rc == VOUCH_OK)
			rc = vouch_buf_append_str(out, "\"}", err);
	}
	if (rc == VOUCH_OK)
		rc = vouch_buf_append_str(out, "]}", err);
	if (rc != VOUCH_OK && out->data != NULL) {
		out->len = start;
		out->data[start] = '\0';
	}
	return rc;
}

int
vouch_envelope_serialize(const vouch_envelope *env, vouch_buf *out, vouch_err *err)
{
	if (env->nsigs == 0)
		return vouch_err_set(err, VOUCH_EUSAGE, "envelope has no signatures");
	return write_envelope(out, env->type, env->payload, env->len, env->sigs, env->nsigs, err);
}

/* Does some signature of env verify under key?  Signatures whose keyid
 * hint names the key are tried first; the hint decides nothing. */
static int
key_signed(const vouch_envelope *env, const vouch_key *key, const vouch_buf *pae, int *ok,
           vouch_err *err)
{
	char kid[VOUCH_KEYID_HEX_LEN + 1];
	int rc;

	*ok = 0;
	if ((rc = vouch_key_id(key, kid, err)) != VOUCH_OK)
		return rc;
	for (int pass = 0; pass < 2; pass++) {
		for (size_t i = 0; i < env->nsigs; i++) {
			const struct dsse_sig *s = &env->sigs[i];
			vouch_err scratch;

			if ((strcmp(s->keyid, kid) == 0) != (pass == 0))
				continue;
			vouch_err_clear(&scratch);
			rc = vouch_key_verify(key, pae->data, pae->len, s->sig, s->len, &scratch);
			if (rc == VOUCH_OK) {
				*ok = 1;
				return VOUCH_OK;
			}
			if (rc == VOUCH_ENOMEM || rc == VOUCH_EINTERNAL)
				return vouch_err_set(err, rc, "%s", vouch_err_msg(&scratch));
		}
	}
	return VOUCH_OK;
}

/* Index of an earlier key with the same public key as keys[i], or i. */
static size_t
first_alias(const struct vouch_dsse_verify *opt, size_t i)
{
	for (size_t j = 0; j < i; j++)
		if (vouch_key_same_public(opt->keys[j], opt->keys[i]))
			return j;
	return i;
}

static int
check_opts(const struct vouch_dsse_verify *opt, size_t *threshold, size_t *distinct,
           vouch_err *err)
{
	size_t n = 0;

	if (opt == NULL || opt->keys == NULL || opt->nkeys == 0)
		return vouch_err_set(err, VOUCH_EUSAGE, "no trusted keys to verify with");
	for (size_t i = 0; i < opt->nkeys; i++) {
		if (opt->keys[i] == NULL)
			return vouch_err_set(err, VOUCH_EUSAGE, "trusted key %zu is missing", i);
		if (first_alias(opt, i) == i)
			n++;
	}
	*threshold = opt->threshold == 0 ? 1 : opt->threshold;
	*distinct = n;
	if (*threshold > n)
		return vouch_err_set(err, VOUCH_EUSAGE,
		    "threshold %zu exceeds the %zu distinct trusted keys", *threshold, n);
	return VOUCH_OK;
}

int
vouch_envelope_verify(const vouch_envelope *env, const struct vouch_dsse_verify *opt,
                      vouch_buf *payload, size_t *nvalid, unsigned char *key_ok,
                      vouch_err *err)
{
	const char *want;
	unsigned char *ok = NULL;
	vouch_buf pae;
	size_t threshold = 0, distinct = 0, valid = 0;
	int rc;

	vouch_buf_init(&pae, 0);
	if (nvalid != NULL)
		*nvalid = 0;
	if ((rc = check_opts(opt, &threshold, &distinct, err)) != VOUCH_OK)
		goto out;
	if ((ok = calloc(opt->nkeys, 1)) == NULL) {
		rc = vouch_err_set(err, VOUCH_ENOMEM, "out of memory");
		goto out;
	}
	rc = vouch_envelope_pae(env->type, env->typelen, env->payload, env->len, &pae, err);
	for (size_t i = 0; rc == VOUCH_OK && i < opt->nkeys; i++) {
		size_t j = first_alias(opt, i);
		int good = 0;

		if (j != i) {
			ok[i] = ok[j];
			continue;
		}
		rc = key_signed(env, opt->keys[i], &pae, &good, err);
		ok[i] = (unsigned char)good;
		valid += (size_t)good;
	}
	if (rc != VOUCH_OK)
		goto out;
	if (nvalid != NULL)
		*nvalid = valid;
	if (key_ok != NULL)
		memcpy(key_ok, ok, opt->nkeys);
	want = opt->payload_type != NULL ? opt->payload_type : VOUCH_INTOTO_PAYLOAD_TYPE;
	if (valid < threshold) {
		rc = valid == 0 ?
		    vouch_err_set(err, VOUCH_ENEGATIVE, "no valid signature by a trusted key") :
		    vouch_err_set(err, VOUCH_ENEGATIVE,
			"only %zu of the %zu required distinct trusted keys signed", valid, threshold);
		goto out;
	}
	if (strcmp(env->type, want) != 0) {
		rc = vouch_err_set(err, VOUCH_ENEGATIVE, "payloadType '%s' is not the expected '%s'",
		    env->type, want);
		goto out;
	}
	if (payload != NULL)
		rc = vouch_buf_append(payload, env->payload, env->len, err);
out:
	free(ok);
	vouch_buf_free(&pae);
	return rc;
}

/* ---- batch signing ---- */

struct vouch_envelope_signer {
	char *type;
	size_t typelen;
	int intoto;                     /* payloads must be valid statements */
	const vouch_key *keys[VOUCH_DSSE_MAX_SIGS];
	struct dsse_sig sigs[VOUCH_DSSE_MAX_SIGS];
	size_t nkeys;
	vouch_buf pae, sig;             /* reused from one payload to the next */
};

void
vouch_envelope_signer_free(vouch_envelope_signer *s)
{
	if (s == NULL)
		return;
	for (size_t i = 0; i < s->nkeys; i++) {
		free(s->sigs[i].keyid);
		free(s->sigs[i].sig);
	}
	free(s->type);
	vouch_buf_free(&s->pae);
	vouch_buf_free(&s->sig);
	free(s);
}

int
vouch_envelope_signer_new(const char *payload_type, const vouch_key *const *keys, size_t nkeys,
                      vouch_envelope_signer **out, vouch_err *err)
{
	vouch_envelope_signer *s;
	vouch_envelope tmp = { 0 };
	int rc;

	*out = NULL;
	if (payload_type == NULL || keys == NULL || nkeys == 0)
		return vouch_err_set(err, VOUCH_EUSAGE, "signer: missing payload type or keys");
	if (nkeys > VOUCH_DSSE_MAX_SIGS)
		return vouch_err_set(err, VOUCH_ELIMIT, "signer: more than %d keys", VOUCH_DSSE_MAX_SIGS);
	if ((s = calloc(1, sizeof(*s))) == NULL)
		return vouch_err_set(err, VOUCH_ENOMEM, "out of memory");
	vouch_buf_init(&s->pae, 0);
	vouch_buf_init(&s->sig, VOUCH_SIG_MAX + 1);
	rc = set_type(&tmp, payload_type, strlen(payload_type), err);
	s->type = tmp.type;
	s->typelen = tmp.typelen;
	s->intoto = rc == VOUCH_OK && strcmp(payload_type, VOUCH_INTOTO_PAYLOAD_TYPE) == 0;
	for (size_t i = 0; rc == VOUCH_OK && i < nkeys; i++) {
		char kid[VOUCH_KEYID_HEX_LEN + 1];

		if (keys[i] == NULL || !vouch_key_has_private(keys[i]))
			rc = vouch_err_set(err, VOUCH_EUSAGE, "signer: key %zu cannot sign", i);
		if (rc == VOUCH_OK)
			rc = vouch_key_id(keys[i], kid, err);
		s->keys[i] = keys[i];
		s->nkeys = i + 1;
		if (rc == VOUCH_OK && ((s->sigs[i].keyid = strdup(kid)) == NULL ||
		    (s->sigs[i].sig = malloc(VOUCH_SIG_MAX)) == NULL))
			rc = vouch_err_set(err, VOUCH_ENOMEM, "out of memory");
	}
	if (rc != VOUCH_OK) {
		vouch_envelope_signer_free(s);
		return rc;
	}
	*out = s;
	return VOUCH_OK;
}

int
vouch_envelope_signer_sign(vouch_envelope_signer *s, const void *payload, size_t len, vouch_buf *out,
                       vouch_err *err)
{
	size_t start = out->len;
	int rc = VOUCH_OK;

	if (payload == NULL && len > 0)
		return vouch_err_set(err, VOUCH_EUSAGE, "signer: missing payload");
	if (s->intoto) {
		vouch_statement *st = NULL;

		rc = vouch_statement_parse(payload, len, &st, err);
		vouch_statement_free(st);
		if (rc != VOUCH_OK) {
			vouch_err_prefix(err, "not a valid in-toto statement");
			return rc;
		}
	}
	vouch_buf_reset(&s->pae);
	rc = vouch_envelope_pae(s->type, s->typelen, payload, len, &s->pae, err);
	for (size_t i = 0; rc == VOUCH_OK && i < s->nkeys; i++) {
		vouch_buf_reset(&s->sig);
		rc = vouch_key_sign(s->keys[i], s->pae.data, s->pae.len, &s->sig, err);
		if (rc == VOUCH_OK && s->sig.len > VOUCH_SIG_MAX)
			rc = vouch_err_set(err, VOUCH_EINTERNAL, "signature longer than expected");
		if (rc == VOUCH_OK) {
			memcpy(s->sigs[i].sig, s->sig.data, s->sig.len);
			s->sigs[i].len = s->sig.len;
		}
	}
	if (rc == VOUCH_OK)
		rc = write_envelope(out, s->type, payload, len, s->sigs, s->nkeys, err);
	if (rc == VOUCH_OK && (rc = vouch_buf_append_byte(out, '\n', err)) != VOUCH_OK) {
		out->len = start; /* keep out whole lines only */
		out->data[start] = '\0';
	}
	return rc;
}
