/* test_cosig.c - c2sp.org/tlog-cosignature Ed25519 cosignature/v1: sign,
 * verify, key IDs and vkeys, quorum counting by distinct key.  The
 * interop with an independent implementation is in tests/cli/witness.sh. */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "harness.h"
#include "vouch/vouch.h"
#include "vouch/cosig.h"

static const char cp_text[] = "example.com/behind-the-sofa\n20852163\n"
                              "CsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I=\n";

static vouch_key *
seed_key(uint8_t b)
{
	uint8_t seed[32];
	vouch_key *k = NULL;

	memset(seed, b, sizeof seed);
	CU_ASSERT_FATAL(vouch_key_from_ed25519_seed(seed, &k, NULL) == VOUCH_OK);
	return k;
}

/* The log's signed checkpoint with cosignatures by the given keys appended. */
static void
cosigned(vouch_key *logk, vouch_key **ws, const char **names, size_t n, uint64_t ts,
         vouch_buf *out)
{
	size_t i;

	CU_ASSERT_FATAL(vouch_note_sign(cp_text, strlen(cp_text), "example.com/behind-the-sofa",
	                                logk, out, NULL) == VOUCH_OK);
	for (i = 0; i < n; i++)
		CU_ASSERT_FATAL(vouch_cosig_sign(cp_text, strlen(cp_text), names[i], ws[i], ts, out,
		                                 NULL) == VOUCH_OK);
}

static void
test_vkey(void)
{
	vouch_key *k = seed_key(7);
	vouch_note_verifier *v = NULL;
	vouch_buf b, n;
	uint32_t id4 = 0, id1 = 0;
	vouch_err e;

	vouch_buf_init(&b, 0);
	vouch_buf_init(&n, 0);
	CU_ASSERT_EQUAL(vouch_key_vkey(k, "w.example/1", VOUCH_VKEY_COSIG_ED25519, &b, NULL),
	                VOUCH_OK);
	CU_ASSERT_EQUAL(vouch_key_vkey_id(k, "w.example/1", VOUCH_VKEY_COSIG_ED25519, &id4, NULL),
	                VOUCH_OK);
	CU_ASSERT_EQUAL(vouch_key_note_id(k, "w.example/1", &id1, NULL), VOUCH_OK);
	CU_ASSERT_NOT_EQUAL(id1, id4); /* the type byte is in the key ID */
	/* base64(0x04 || pub) starts with "B" */
	CU_ASSERT_PTR_NOT_NULL(strstr(vouch_buf_cstr(&b), "+B"));
	CU_ASSERT_EQUAL(vouch_cosig_verifier_parse(vouch_buf_cstr(&b), b.len, &v, NULL), VOUCH_OK);
	CU_ASSERT_FATAL(v != NULL);
	CU_ASSERT_EQUAL(vouch_note_verifier_id(v), id4);
	CU_ASSERT_EQUAL(vouch_note_verifier_type(v), VOUCH_VKEY_COSIG_ED25519);
	vouch_note_verifier_free(v);
	v = NULL;
	/* a cosigner vkey is not a note verifier key and the other way round */
	vouch_err_clear(&e);
	CU_ASSERT_EQUAL(vouch_note_verifier_parse(vouch_buf_cstr(&b), b.len, &v, &e), VOUCH_EINPUT);
	CU_ASSERT_PTR_NOT_NULL(strstr(e.msg, "type 0x01"));
	CU_ASSERT_EQUAL(vouch_key_note_verifier(k, "w.example/1", &n, NULL), VOUCH_OK);
	CU_ASSERT_EQUAL(vouch_cosig_verifier_parse(vouch_buf_cstr(&n), n.len, &v, NULL),
	                VOUCH_EINPUT);
	CU_ASSERT_PTR_NULL(v);
	vouch_buf_free(&b);
	vouch_buf_free(&n);
	vouch_key_free(k);
}

static void
test_sign_verify(void)
{
	vouch_key *logk = seed_key(1), *w[3] = { seed_key(2), seed_key(3), seed_key(4) };
	const char *names[3] = { "w.example/a", "w.example/b", "w.example/c" };
	vouch_note_verifier *wv[3], *lv = NULL;
	vouch_checkpoint cp;
	vouch_buf note, msg;
	uint64_t ts[3];
	size_t n = 99, i;
	vouch_err e;
	char *bad;

	vouch_buf_init(&note, 0);
	vouch_buf_init(&msg, 0);
	for (i = 0; i < 3; i++)
		CU_ASSERT_FATAL(vouch_note_verifier_from_key_type(w[i], names[i],
		                                                  VOUCH_VKEY_COSIG_ED25519, &wv[i],
		                                                  NULL) == VOUCH_OK);
	CU_ASSERT_FATAL(vouch_note_verifier_from_key(logk, "example.com/behind-the-sofa", &lv,
	                                             NULL) == VOUCH_OK);
	cosigned(logk, w, names, 2, 1679315147, &note);
	/* the message is exactly the spec's example layout */
	CU_ASSERT_EQUAL(vouch_cosig_message(cp_text, strlen(cp_text), 1679315147, &msg, NULL),
	                VOUCH_OK);
	CU_ASSERT_STRING_EQUAL(vouch_buf_cstr(&msg), "cosignature/v1\ntime 1679315147\n"
	                                             "example.com/behind-the-sofa\n20852163\n"
	                                             "CsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I=\n");
	/* the log's signature still verifies; cosignature lines are ignored by it */
	CU_ASSERT_EQUAL(vouch_checkpoint_open(vouch_buf_cstr(&note), note.len, NULL, &lv, 1, &cp, NULL),
	                VOUCH_OK);
	/* a cosigner key never verifies a plain note signature */
	CU_ASSERT_EQUAL(vouch_checkpoint_open(vouch_buf_cstr(&note), note.len, NULL, wv, 3, &cp, NULL),
	                VOUCH_ENEGATIVE);
	CU_ASSERT_EQUAL(vouch_cosig_verify(vouch_buf_cstr(&note), note.len, wv, 3, &n, ts, NULL), VOUCH_OK);
	CU_ASSERT_EQUAL(n, 2);
	CU_ASSERT_EQUAL(ts[0], 1679315147);
	CU_ASSERT_EQUAL(ts[2], 0);
	CU_ASSERT_EQUAL(vouch_cosig_quorum(vouch_buf_cstr(&note), note.len, wv, 3, 2, NULL), VOUCH_OK);
	vouch_err_clear(&e);
	CU_ASSERT_EQUAL(vouch_cosig_quorum(vouch_buf_cstr(&note), note.len, wv, 3, 3, &e), VOUCH_ENEGATIVE);
	CU_ASSERT_STRING_EQUAL(e.msg, "checkpoint cosigned by 2 of the 3 witnesses, 3 required");
	/* the log key is not a cosigner */
	CU_ASSERT_EQUAL(vouch_cosig_verify(vouch_buf_cstr(&note), note.len, &lv, 1, &n, NULL, NULL), VOUCH_OK);
	CU_ASSERT_EQUAL(n, 0);
	/* a flipped bit in a known cosignature rejects the note */
	bad = strdup(vouch_buf_cstr(&note));
	CU_ASSERT_FATAL(bad != NULL);
	bad[strlen(bad) - 10] ^= 1;
	vouch_err_clear(&e);
	CU_ASSERT_EQUAL(vouch_cosig_verify(bad, strlen(bad), wv, 3, &n, NULL, &e), VOUCH_ENEGATIVE);
	CU_ASSERT_PTR_NOT_NULL(strstr(e.msg, "w.example/b"));
	free(bad);
	/* a different tree: the cosignature is over the text */
	bad = strdup(vouch_buf_cstr(&note));
	bad[strlen("example.com/behind-the-sofa\n2085216")] = '4';
	CU_ASSERT_EQUAL(vouch_cosig_verify(bad, strlen(bad), wv, 3, &n, NULL, NULL),
	                VOUCH_ENEGATIVE);
	free(bad);
	/* the same key twice under two names counts once */
	vouch_buf_reset(&note);
	{
		vouch_key *same[2] = { w[0], w[0] };
		const char *nn[2] = { "w.example/a", "w.example/a2" };
		vouch_note_verifier *sv[2];

		cosigned(logk, same, nn, 2, 5, &note);
		for (i = 0; i < 2; i++)
			CU_ASSERT_FATAL(vouch_note_verifier_from_key_type(same[i], nn[i],
			                                                  VOUCH_VKEY_COSIG_ED25519,
			                                                  &sv[i], NULL) == VOUCH_OK);
		CU_ASSERT_EQUAL(vouch_cosig_verify(vouch_buf_cstr(&note), note.len, sv, 2, &n, NULL, NULL),
		                VOUCH_OK);
		CU_ASSERT_EQUAL(n, 1);
		CU_ASSERT_EQUAL(vouch_cosig_quorum(vouch_buf_cstr(&note), note.len, sv, 2, 2, NULL),
		                VOUCH_ENEGATIVE);
		for (i = 0; i < 2; i++)
			vouch_note_verifier_free(sv[i]);
	}
	/* timestamps above 2^63 - 1 are refused when signing */
	CU_ASSERT_EQUAL(vouch_cosig_sign(cp_text, strlen(cp_text), names[0], w[0],
	                                 (uint64_t)1 << 63, &msg, NULL),
	                VOUCH_EUSAGE);
	for (i = 0; i < 3; i++) {
		vouch_note_verifier_free(wv[i]);
		vouch_key_free(w[i]);
	}
	vouch_note_verifier_free(lv);
	vouch_key_free(logk);
	vouch_buf_free(&note);
	vouch_buf_free(&msg);
}

int
main(void)
{
	static const struct test_case cases[] = {
		{ "cosigner vkeys and key IDs", test_vkey },
		{ "cosign and verify, quorum by distinct key", test_sign_verify },
		{ NULL, NULL }
	};

	return test_run("cosig", cases);
}
