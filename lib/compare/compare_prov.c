/* compare_prov.c - the provenance a verdict links to must describe the
 * rebuilt artifacts: every A side's SHA-256 among its subjects. */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include "compare_int.h"
#include "vouch/codec.h"
#include "vouch/envelope.h"
#include "vouch/file.h"
#include "vouch/statement.h"

#define PROV_MAX (16u << 20)

/* The statement in a provenance file: an unsigned statement (as
 * vouch-rebuild prints it) or one DSSE envelope (as vouch-attest signs it). */
static int
load_statement(const vouch_buf *b, vouch_statement **st, vouch_err *err)
{
	vouch_envelope *env = NULL;
	const uint8_t *pl;
	size_t plen;
	int rc;

	if (vouch_envelope_parse((const char *)b->data, b->len, 0, &env, NULL) == VOUCH_OK) {
		pl = vouch_envelope_payload(env, &plen);
		rc = vouch_statement_parse(pl, plen, st, err);
		vouch_envelope_free(env);
		return rc;
	}
	return vouch_statement_parse(b->data, b->len, st, err);
}

int
cmp_provenance_names(const vouch_compare_report *r, const char *path, vouch_err *err)
{
	vouch_statement *st = NULL;
	vouch_buf b;
	char q[200];
	int rc;

	vouch_quote(path, strlen(path), q, sizeof(q));
	vouch_buf_init(&b, PROV_MAX + 1);
	rc = vouch_read_file(path, PROV_MAX, &b, err);
	if (rc == VOUCH_OK && load_statement(&b, &st, NULL) != VOUCH_OK)
		rc = vouch_err_set(err, VOUCH_EINPUT, "provenance '%s': not an in-toto statement "
		                   "or an envelope holding one", q);
	for (size_t i = 0; rc == VOUCH_OK && i < r->narts; i++) {
		vouch_digests d;
		char hex[17];

		if (!r->arts[i].a.present)
			continue;
		memset(&d, 0, sizeof(d));
		d.algs = VOUCH_ALG_SHA256;
		memcpy(d.md[vouch_alg_index(VOUCH_ALG_SHA256)], r->arts[i].a.sha256, 32);
		if (vouch_statement_match(st, &d, NULL, NULL) != VOUCH_OK)
			rc = vouch_err_set(err, VOUCH_EINPUT, "provenance '%s' does not name the "
			                   "rebuilt '%s' (sha256 %s...)", q, r->arts[i].name,
			                   vouch_hex_encode(r->arts[i].a.sha256, 8, hex));
	}
	vouch_statement_free(st);
	vouch_buf_free(&b);
	return rc;
}
