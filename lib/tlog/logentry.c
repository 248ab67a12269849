/* logentry.c - what a vouch log accepts: a DSSE envelope carrying an in-toto
 * statement, optionally signed by one of a set of submitter keys. */
#include "config.h"

#include <string.h>

#include "vouch/buf.h"
#include "vouch/codec.h"
#include "vouch/envelope.h"
#include "vouch/json.h"
#include "vouch/logentry.h"
#include "vouch/logstore.h"
#include "vouch/merkle.h"
#include "vouch/statement.h"
#include "vouch/tile.h"
#include "tlog_int.h"

#define INTOTO_TYPE "application/vnd.in-toto+json"

static int
collect_subjects(const vouch_statement *st, vouch_buf *out, vouch_err *err)
{
	size_t i, n = vouch_statement_subject_count(st), taken = 0;
	int rc;

	for (i = 0; i < n && taken < VOUCH_LOGSTORE_SUBJECTS_MAX; i++) {
		const cJSON *digest = vouch_json_get_object(vouch_statement_subject(st, i), "digest");
		const char *hex = digest != NULL ? vouch_json_get_string(digest, "sha256") : NULL;
		uint8_t d[32];

		if (hex == NULL || !vouch_is_lower_hex(hex, strlen(hex), 32) ||
		    vouch_hex_decode(hex, 64, d, sizeof d, VOUCH_HEX_LOWER, NULL) != VOUCH_OK)
			continue;
		if ((rc = vouch_buf_append(out, d, sizeof d, err)) != VOUCH_OK)
			return rc;
		taken++;
	}
	return VOUCH_OK;
}

int
vouch_logentry_check(const uint8_t *body, size_t len, const vouch_key *const *keys,
                     size_t nkeys, vouch_buf *subjects, vouch_err *err)
{
	return vouch_logentry_check_keyed(body, len, keys, nkeys, subjects, NULL, err);
}

int
vouch_logentry_check_keyed(const uint8_t *body, size_t len, const vouch_key *const *keys,
                           size_t nkeys, vouch_buf *subjects, uint8_t key[32],
                           vouch_err *err)
{
	vouch_envelope *env = NULL;
	vouch_statement *st = NULL;
	vouch_buf verified;
	const uint8_t *payload;
	size_t plen = 0;
	int rc;

	vouch_buf_init(&verified, VOUCH_ENTRY_MAX + 1);
	if (len > VOUCH_ENTRY_MAX) {
		rc = vouch_err_set(err, VOUCH_ELIMIT, "envelope of %zu bytes exceeds %u", len,
		                   (unsigned)VOUCH_ENTRY_MAX);
		goto out;
	}
	if ((rc = vouch_envelope_parse((const char *)body, len, VOUCH_ENTRY_MAX, &env, err)) !=
	    VOUCH_OK) {
		rc = rc == VOUCH_ENOMEM ? rc : VOUCH_EINPUT;
		goto out;
	}
	if (strcmp(vouch_envelope_payload_type(env), INTOTO_TYPE) != 0) {
		rc = vouch_err_set(err, VOUCH_EINPUT, "payloadType '%.100s' is not in-toto",
		                   vouch_envelope_payload_type(env));
		goto out;
	}
	if (nkeys > 0) {
		struct vouch_dsse_verify opt = { INTOTO_TYPE, keys, nkeys, 1 };

		rc = vouch_envelope_verify(env, &opt, &verified, NULL, NULL, err);
		if (rc != VOUCH_OK)
			goto out;
		payload = verified.data;
		plen = verified.len;
	} else {
		payload = vouch_envelope_payload(env, &plen);
	}
	if ((rc = vouch_statement_parse(payload, plen, &st, err)) != VOUCH_OK) {
		rc = rc == VOUCH_ENOMEM ? rc : VOUCH_EINPUT;
		goto out;
	}
	if (subjects != NULL && (rc = collect_subjects(st, subjects, err)) != VOUCH_OK)
		goto out;
	if (key != NULL)
		rc = tlog_dedup_key_env(env, key, err);
out:
	vouch_statement_free(st);
	vouch_envelope_free(env);
	vouch_buf_free(&verified);
	return rc;
}

void
vouch_logentry_indexer(void *ctx, const uint8_t *entry, size_t len, vouch_buf *out)
{
	(void)ctx;
	if (vouch_logentry_check(entry, len, NULL, 0, out, NULL) != VOUCH_OK)
		vouch_buf_reset(out);
}

/* ---- entries as JSON lines ---- */

/* The entry is strict JSON (checked at submission): appended as is when it
 * still parses, else as null. */
static int
append_entry(vouch_buf *out, const uint8_t *e, size_t len, vouch_err *err)
{
	cJSON *j = NULL;
	int rc;

	if (vouch_json_parse((const char *)e, len, &j, NULL) != VOUCH_OK)
		return vouch_buf_append_str(out, "null", err);
	rc = vouch_json_append(out, j, err);
	cJSON_Delete(j);
	return rc;
}

int
vouch_logentry_json_line(uint64_t index, const uint8_t *e, size_t len, vouch_buf *out,
                         vouch_err *err)
{
	vouch_buf subj;
	vouch_hash leaf;
	char hex[65];
	size_t i;
	int rc;

	vouch_buf_init(&subj, 0);
	vouch_logentry_check(e, len, NULL, 0, &subj, NULL);
	vouch_merkle_leaf_hash(e, len, leaf, NULL);
	rc = vouch_buf_appendf(out, err, "{\"index\":%llu,\"leaf_hash\":\"%s\",\"subjects\":[",
	                       (unsigned long long)index, vouch_hex_encode(leaf, 32, hex));
	for (i = 0; rc == VOUCH_OK && i + 32 <= subj.len; i += 32)
		rc = vouch_buf_appendf(out, err, "%s\"%s\"", i ? "," : "",
		                       vouch_hex_encode(subj.data + i, 32, hex));
	if (rc == VOUCH_OK)
		rc = vouch_buf_append_str(out, "],\"entry\":", err);
	if (rc == VOUCH_OK)
		rc = append_entry(out, e, len, err);
	if (rc == VOUCH_OK)
		rc = vouch_buf_append_str(out, "}\n", err);
	vouch_buf_free(&subj);
	return rc;
}

int
vouch_logentry_has_subject(const uint8_t *e, size_t len, const uint8_t d[32])
{
	vouch_buf subj;
	size_t i;
	int found = 0;

	vouch_buf_init(&subj, 0);
	vouch_logentry_check(e, len, NULL, 0, &subj, NULL);
	for (i = 0; i + 32 <= subj.len && !found; i += 32)
		found = memcmp(subj.data + i, d, 32) == 0;
	vouch_buf_free(&subj);
	return found;
}
