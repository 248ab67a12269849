/* test_note.c - signed notes, checkpoints and tlog-proofs against
 * tests/vectors/tlog.json (Go's golang.org/x/mod/sumdb/note). */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "harness.h"
#include "vouch/vouch.h"
#include "vouch/checkpoint.h"
#include "vouch/key.h"
#include "vouch/merkle.h"
#include "vouch/note.h"

static cJSON *vec;
static const cJSON *sn;
static vouch_key *logkey;
static vouch_note_verifier *logver;

static void
load(void)
{
	char *data;
	size_t len;
	uint8_t seed[32];
	const char *hex;

	if (vec != NULL)
		return;
	data = test_slurp(test_vector_path("tlog.json"), &len);
	if (vouch_json_parse(data, len, &vec, NULL) != VOUCH_OK)
		exit(2);
	free(data);
	sn = vouch_json_get_object(vec, "signed_note");
	hex = vouch_json_get_string(sn, "ed25519_seed_hex");
	if (sn == NULL || hex == NULL ||
	    vouch_hex_decode(hex, 64, seed, 32, VOUCH_HEX_LOWER, NULL) != VOUCH_OK ||
	    vouch_key_from_ed25519_seed(seed, &logkey, NULL) != VOUCH_OK ||
	    vouch_note_verifier_from_key(logkey, vouch_json_get_string(sn, "key_name"), &logver,
	                                 NULL) != VOUCH_OK)
		exit(2);
}

static const char *
S(const char *key)
{
	return vouch_json_get_string(sn, key);
}

static void
test_verifier_key_string(void)
{
	vouch_buf b;
	vouch_note_verifier *v = NULL;
	vouch_err e;
	const char *want;
	char bad[200];

	load();
	want = S("verifier_key");
	vouch_buf_init(&b, 0);
	CU_ASSERT_EQUAL(vouch_key_note_verifier(logkey, S("key_name"), &b, NULL), VOUCH_OK);
	CU_ASSERT_STRING_EQUAL(vouch_buf_cstr(&b), want);
	vouch_buf_free(&b);
	CU_ASSERT_EQUAL(vouch_note_verifier_parse(want, strlen(want), &v, NULL), VOUCH_OK);
	CU_ASSERT_FATAL(v != NULL);
	CU_ASSERT_STRING_EQUAL(vouch_note_verifier_name(v), S("key_name"));
	CU_ASSERT_EQUAL(vouch_note_verifier_id(v), 0xfd9974d3u);
	CU_ASSERT_EQUAL(vouch_note_verifier_id(v), vouch_note_verifier_id(logver));
	vouch_note_verifier_free(v);
	/* wrong key ID, uppercase hex, bad type byte, missing parts, bad names */
	snprintf(bad, sizeof bad, "%s", want);
	strstr(bad, "+fd99")[1] = 'e';
	vouch_err_clear(&e);
	CU_ASSERT_EQUAL(vouch_note_verifier_parse(bad, strlen(bad), &v, &e), VOUCH_EINPUT);
	CU_ASSERT_PTR_NOT_NULL(strstr(e.msg, "does not match"));
	snprintf(bad, sizeof bad, "%s", want);
	strstr(bad, "+fd99")[1] = 'F';
	CU_ASSERT_EQUAL(vouch_note_verifier_parse(bad, strlen(bad), &v, NULL), VOUCH_EINPUT);
	CU_ASSERT_EQUAL(vouch_note_verifier_parse("a+fd9974d3", 10, &v, NULL), VOUCH_EINPUT);
	CU_ASSERT_EQUAL(vouch_note_verifier_parse("", 0, &v, NULL), VOUCH_EINPUT);
	CU_ASSERT_EQUAL(vouch_note_verifier_parse(
	                    "+fd9974d3+AddamAGCsQq31Uv+08lkBzoO4XLz2qYjJa8CGmj3B1Ea", 52, &v, NULL),
	                VOUCH_EINPUT);
	snprintf(bad, sizeof bad, "%s", want);
	strstr(bad, "+Ad")[1] = 'B'; /* type byte 0x05 */
	CU_ASSERT_EQUAL(vouch_note_verifier_parse(bad, strlen(bad), &v, NULL), VOUCH_EINPUT);
	CU_ASSERT_EQUAL(vouch_note_verifier_parse(want, strlen(want) - 1, &v, NULL), VOUCH_EINPUT);
	CU_ASSERT_PTR_NULL(v);
	CU_ASSERT(!vouch_note_name_valid("a b", 3));
	CU_ASSERT(!vouch_note_name_valid("a+b", 3));
	CU_ASSERT(!vouch_note_name_valid("a\nb", 3));
	CU_ASSERT(!vouch_note_name_valid("", 0));
	CU_ASSERT(vouch_note_name_valid("example.com/log", 15));
}

static void
test_sign_vector(void)
{
	vouch_buf b;
	vouch_checkpoint cp;
	const char *text, *want;

	load();
	text = S("checkpoint_text");
	want = S("signed_checkpoint");
	vouch_buf_init(&b, 0);
	CU_ASSERT_EQUAL(vouch_note_sign(text, strlen(text), S("key_name"), logkey, &b, NULL),
	                VOUCH_OK);
	CU_ASSERT_STRING_EQUAL(vouch_buf_cstr(&b), want);
	vouch_buf_reset(&b);
	/* the same through the checkpoint API */
	CU_ASSERT_EQUAL(vouch_checkpoint_parse(text, strlen(text), &cp, NULL), VOUCH_OK);
	CU_ASSERT_STRING_EQUAL(cp.origin, "example.com/vouch-test-log");
	CU_ASSERT_EQUAL(cp.size, 70000);
	CU_ASSERT_EQUAL(cp.ext_len, 0);
	CU_ASSERT_EQUAL(vouch_checkpoint_sign(&cp, logkey, &b, NULL), VOUCH_OK);
	CU_ASSERT_STRING_EQUAL(vouch_buf_cstr(&b), want);
	vouch_buf_free(&b);
	/* the root in it is the vector's root of 70000 entries */
	{
		vouch_hash r;

		vouch_hex_decode(vouch_json_get_string(vouch_json_get_object(vec, "tree_roots"),
		                                       "70000"),
		                 64, r, 32, VOUCH_HEX_LOWER, NULL);
		CU_ASSERT(memcmp(r, cp.root, 32) == 0);
	}
}

static void
test_verify_vector(void)
{
	const char *note;
	size_t tl = 0, nv = 0, len, i;
	vouch_checkpoint cp;
	char *copy;
	vouch_err e;

	load();
	note = S("signed_checkpoint");
	len = strlen(note);
	CU_ASSERT_EQUAL(vouch_note_verify(note, len, &logver, 1, &tl, &nv, NULL), VOUCH_OK);
	CU_ASSERT_EQUAL(tl, strlen(S("checkpoint_text")));
	CU_ASSERT_EQUAL(nv, 1);
	CU_ASSERT_EQUAL(vouch_checkpoint_open(note, len, "example.com/vouch-test-log", &logver,
	                                      1, &cp, NULL),
	                VOUCH_OK);
	vouch_err_clear(&e);
	CU_ASSERT_EQUAL(vouch_checkpoint_open(note, len, "example.com/other", &logver, 1, &cp,
	                                      &e),
	                VOUCH_ENEGATIVE);
	CU_ASSERT_PTR_NOT_NULL(strstr(e.msg, "origin"));
	/* no verifiers at all */
	CU_ASSERT_EQUAL(vouch_note_verify(note, len, NULL, 0, &tl, &nv, NULL), VOUCH_ENEGATIVE);
	/* every single bit flip anywhere in the note is rejected */
	copy = malloc(len + 1);
	memcpy(copy, note, len + 1);
	for (i = 0; i < len * 8; i++) {
		int rc;

		copy[i / 8] ^= (char)(1u << (i % 8));
		rc = vouch_note_verify(copy, len, &logver, 1, &tl, &nv, NULL);
		CU_ASSERT_NOT_EQUAL(rc, VOUCH_OK);
		if (rc == VOUCH_OK)
			fprintf(stderr, "bit %zu flip accepted\n", i);
		copy[i / 8] ^= (char)(1u << (i % 8));
	}
	free(copy);
}

static void
test_unknown_and_bad_signatures(void)
{
	vouch_key *other = NULL;
	vouch_note_verifier *ov = NULL, *both[2];
	vouch_buf b, c;
	const char *text = "hello\nworld\n";
	size_t tl = 0, nv = 0, sigstart;
	vouch_err e;

	load();
	CU_ASSERT_FATAL(vouch_key_generate(VOUCH_KEY_ED25519, &other, NULL) == VOUCH_OK);
	CU_ASSERT_FATAL(vouch_note_verifier_from_key(other, "witness.example", &ov, NULL) ==
	                VOUCH_OK);
	vouch_buf_init(&b, 0);
	vouch_buf_init(&c, 0);
	CU_ASSERT_EQUAL(vouch_note_sign(text, strlen(text), "example.com/vouch-test-log", logkey,
	                                &b, NULL),
	                VOUCH_OK);
	/* a cosignature by another key: appended signature line */
	CU_ASSERT_EQUAL(vouch_note_sign(text, strlen(text), "witness.example", other, &c, NULL),
	                VOUCH_OK);
	sigstart = strlen(text) + 1;
	CU_ASSERT_EQUAL(vouch_buf_append(&b, c.data + sigstart, c.len - sigstart, NULL),
	                VOUCH_OK);
	/* the log verifier alone ignores the unknown witness line */
	CU_ASSERT_EQUAL(vouch_note_verify((char *)b.data, b.len, &logver, 1, &tl, &nv, NULL),
	                VOUCH_OK);
	CU_ASSERT_EQUAL(nv, 1);
	both[0] = logver;
	both[1] = ov;
	CU_ASSERT_EQUAL(vouch_note_verify((char *)b.data, b.len, both, 2, &tl, &nv, NULL),
	                VOUCH_OK);
	CU_ASSERT_EQUAL(nv, 2);
	/* only the witness is known */
	CU_ASSERT_EQUAL(vouch_note_verify((char *)b.data, b.len, &ov, 1, &tl, &nv, NULL),
	                VOUCH_OK);
	/* a known key whose signature is wrong rejects the note: take the
	 * witness's line but rename it to the log */
	vouch_buf_reset(&c);
	vouch_buf_append_str(&c, text, NULL);
	vouch_buf_append_str(&c, "\n\xe2\x80\x94 example.com/vouch-test-log ", NULL);
	{
		const char *p = strstr((char *)b.data, "witness.example ") + 16;
		vouch_buf raw;

		/* the log's key ID with the witness's signature bytes */
		vouch_buf_init(&raw, 0);
		CU_ASSERT_EQUAL(vouch_b64_decode(p, strlen(p) - 1, VOUCH_B64_STD, &raw, NULL),
		                VOUCH_OK);
		CU_ASSERT_EQUAL_FATAL(raw.len, 68);
		memcpy(raw.data, "\xfd\x99\x74\xd3", 4);
		vouch_b64_append(&c, raw.data, raw.len, VOUCH_B64_STD, NULL);
		vouch_buf_append_str(&c, "\n", NULL);
		vouch_buf_free(&raw);
	}
	vouch_err_clear(&e);
	CU_ASSERT_EQUAL(vouch_note_verify((char *)c.data, c.len, &logver, 1, &tl, &nv, &e),
	                VOUCH_ENEGATIVE);
	/* only an unknown signature */
	vouch_buf_reset(&c);
	vouch_note_sign(text, strlen(text), "witness.example", other, &c, NULL);
	vouch_err_clear(&e);
	CU_ASSERT_EQUAL(vouch_note_verify((char *)c.data, c.len, &logver, 1, &tl, &nv, &e),
	                VOUCH_ENEGATIVE);
	CU_ASSERT_PTR_NOT_NULL(strstr(e.msg, "no signature by a known key"));
	vouch_buf_free(&b);
	vouch_buf_free(&c);
	vouch_note_verifier_free(ov);
	vouch_key_free(other);
}

static void
expect_note(const char *note, int want)
{
	size_t tl, nv;
	int rc = vouch_note_verify(note, strlen(note), &logver, 1, &tl, &nv, NULL);

	CU_ASSERT_EQUAL(rc, want);
	if (rc != want)
		fprintf(stderr, "note %s: got %d want %d\n", note, rc, want);
}

static void
test_malformed_notes(void)
{
	vouch_buf b;
	size_t i, tl, nv;

	load();
	expect_note("", VOUCH_EINPUT);
	expect_note("hello\n", VOUCH_EINPUT);
	expect_note("hello\n\n", VOUCH_EINPUT);
	expect_note("hello\n\n\xe2\x80\x94 a AAAA\n", VOUCH_EINPUT);         /* < 5 bytes */
	expect_note("hello\n\n\xe2\x80\x94 a AAAAAAAA\n", VOUCH_ENEGATIVE);  /* unknown */
	expect_note("hello\n\n- a AAAAAAAA\n", VOUCH_EINPUT);
	expect_note("hello\n\n\xe2\x80\x94 a AAAAAAAA", VOUCH_EINPUT);       /* no \n */
	expect_note("hel\tlo\n\n\xe2\x80\x94 a AAAAAAAA\n", VOUCH_EINPUT);
	expect_note("hel\xffo\n\n\xe2\x80\x94 a AAAAAAAA\n", VOUCH_EINPUT);
	expect_note("hello\n\n\xe2\x80\x94 a+b AAAAAAAA\n", VOUCH_EINPUT);
	expect_note("hello\n\n\xe2\x80\x94 a AAAAAAAA\n\n", VOUCH_EINPUT);
	expect_note("hello\n\n\xe2\x80\x94  AAAAAAAA\n", VOUCH_EINPUT);
	expect_note("hello\n\n\xe2\x80\x94 a AAAA AAAA\n", VOUCH_EINPUT);
	/* too many signature lines */
	vouch_buf_init(&b, 0);
	vouch_buf_append_str(&b, "hello\n\n", NULL);
	for (i = 0; i <= VOUCH_NOTE_SIGS_MAX; i++)
		vouch_buf_append_str(&b, "\xe2\x80\x94 a AAAAAAAA\n", NULL);
	CU_ASSERT_EQUAL(vouch_note_verify((char *)b.data, b.len, &logver, 1, &tl, &nv, NULL),
	                VOUCH_ELIMIT);
	/* too many text lines, too large */
	vouch_buf_reset(&b);
	for (i = 0; i <= VOUCH_NOTE_LINES_MAX; i++)
		vouch_buf_append_str(&b, "x\n", NULL);
	vouch_buf_append_str(&b, "\n\xe2\x80\x94 a AAAAAAAA\n", NULL);
	CU_ASSERT_EQUAL(vouch_note_verify((char *)b.data, b.len, &logver, 1, &tl, &nv, NULL),
	                VOUCH_ELIMIT);
	vouch_buf_reset(&b);
	for (i = 0; i < VOUCH_NOTE_MAX / 8 + 1; i++)
		vouch_buf_append_str(&b, "xxxxxxx ", NULL);
	CU_ASSERT_EQUAL(vouch_note_verify((char *)b.data, b.len, &logver, 1, &tl, &nv, NULL),
	                VOUCH_ELIMIT);
	/* signing refuses bad text and names */
	vouch_buf_reset(&b);
	CU_ASSERT_NOT_EQUAL(vouch_note_sign("no newline", 10, "a", logkey, &b, NULL), VOUCH_OK);
	CU_ASSERT_NOT_EQUAL(vouch_note_sign("a\tb\n", 4, "a", logkey, &b, NULL), VOUCH_OK);
	CU_ASSERT_NOT_EQUAL(vouch_note_sign("ab\n", 3, "a b", logkey, &b, NULL), VOUCH_OK);
	CU_ASSERT_EQUAL(b.len, 0);
	vouch_buf_free(&b);
}

static void
expect_cp(const char *text, int want)
{
	vouch_checkpoint cp;
	int rc = vouch_checkpoint_parse(text, strlen(text), &cp, NULL);

	CU_ASSERT_EQUAL(rc, want);
	if (rc != want)
		fprintf(stderr, "checkpoint %s: got %d want %d\n", text, rc, want);
}

#define ROOT "Wt81M38Ng5cwv06saN5z+WeDyysTQag/dlBodzfufKE="

static void
test_checkpoint_parse(void)
{
	vouch_checkpoint cp;
	vouch_buf b;
	const char *t = "example.com/log\n5\n" ROOT "\next one\next two\n";

	expect_cp("example.com/log\n0\n" ROOT "\n", VOUCH_OK);
	expect_cp("example.com/log\n18446744073709551615\n" ROOT "\n", VOUCH_OK);
	expect_cp("example.com/log\n18446744073709551616\n" ROOT "\n", VOUCH_EINPUT);
	expect_cp("example.com/log\n05\n" ROOT "\n", VOUCH_EINPUT);
	expect_cp("example.com/log\n+5\n" ROOT "\n", VOUCH_EINPUT);
	expect_cp("example.com/log\n-1\n" ROOT "\n", VOUCH_EINPUT);
	expect_cp("example.com/log\n\n" ROOT "\n", VOUCH_EINPUT);
	expect_cp("example.com/log\n5\n" ROOT, VOUCH_EINPUT);
	expect_cp("example.com/log\n5\nWt81M38Ng5cwv06saN5z-WeDyysTQag_dlBodzfufKE=\n",
	          VOUCH_EINPUT);
	expect_cp("example.com/log\n5\nWt81M38Ng5cwv06saN5z+WeDyysTQag/dlBodzfufKE\n",
	          VOUCH_EINPUT);
	expect_cp("example.com/log\n5\nAAAA\n", VOUCH_EINPUT);
	expect_cp("example.com/log+x\n5\n" ROOT "\n", VOUCH_EINPUT);
	expect_cp("example.com log\n5\n" ROOT "\n", VOUCH_EINPUT);
	expect_cp("\n5\n" ROOT "\n", VOUCH_EINPUT);
	expect_cp("example.com/log\n5\n" ROOT "\n\n", VOUCH_EINPUT);
	expect_cp("example.com/log\n5\n" ROOT "\next\n\n", VOUCH_EINPUT);
	expect_cp("example.com/log\n5\n", VOUCH_EINPUT);
	expect_cp("", VOUCH_EINPUT);
	CU_ASSERT_EQUAL(vouch_checkpoint_parse(t, strlen(t), &cp, NULL), VOUCH_OK);
	CU_ASSERT_EQUAL(cp.size, 5);
	CU_ASSERT_STRING_EQUAL(cp.ext, "ext one\next two\n");
	vouch_buf_init(&b, 0);
	CU_ASSERT_EQUAL(vouch_checkpoint_text(&cp, &b, NULL), VOUCH_OK);
	CU_ASSERT_STRING_EQUAL(vouch_buf_cstr(&b), t);
	vouch_buf_free(&b);
	CU_ASSERT(vouch_origin_valid("example.com/log", 15));
	CU_ASSERT(!vouch_origin_valid("https://x y", 11));
	CU_ASSERT(!vouch_origin_valid("a\xc3\xa9", 3));
}

static void
test_tlogproof(void)
{
	vouch_hash leaves[300], proof[VOUCH_PROOF_MAX], leaf;
	struct vouch_merkle_mem m;
	vouch_checkpoint cp;
	vouch_buf note, txt;
	vouch_tlogproof p;
	size_t n = 0, i;
	int rejected = 0;
	vouch_err e;

	load();
	for (i = 0; i < 300; i++) {
		char s[32];
		int k = snprintf(s, sizeof s, "entry-%zu\n", i);

		vouch_merkle_leaf_hash(s, (size_t)k, leaves[i], NULL);
	}
	memset(&cp, 0, sizeof cp);
	strcpy(cp.origin, "example.com/vouch-test-log");
	cp.size = 300;
	vouch_merkle_root_of((const vouch_hash *)leaves, 300, cp.root, NULL);
	vouch_buf_init(&note, 0);
	vouch_buf_init(&txt, 0);
	CU_ASSERT_EQUAL_FATAL(vouch_checkpoint_sign(&cp, logkey, &note, NULL), VOUCH_OK);
	m.leaves = (const vouch_hash *)leaves;
	m.n = 300;
	CU_ASSERT_EQUAL(vouch_merkle_prove_inclusion(vouch_merkle_mem_reader, &m, 257, 300,
	                                             proof, &n, NULL),
	                VOUCH_OK);
	CU_ASSERT_EQUAL(vouch_tlogproof_format((const uint8_t *)"xtra", 4, 257,
	                                       (const vouch_hash *)proof, n,
	                                       (const char *)note.data, note.len, &txt, NULL),
	                VOUCH_OK);
	CU_ASSERT(strncmp((char *)txt.data, "c2sp.org/tlog-proof@v1\nextra eHRyYQ==\nindex 257\n",
	                  48) == 0);
	vouch_tlogproof_init(&p);
	CU_ASSERT_EQUAL(vouch_tlogproof_parse((char *)txt.data, txt.len, &p, NULL), VOUCH_OK);
	CU_ASSERT_EQUAL(p.index, 257);
	CU_ASSERT_EQUAL(p.nproof, n);
	CU_ASSERT(p.has_extra && p.extra.len == 4 && memcmp(p.extra.data, "xtra", 4) == 0);
	CU_ASSERT(p.checkpoint.len == note.len &&
	          memcmp(p.checkpoint.data, note.data, note.len) == 0);
	vouch_err_clear(&e);
	CU_ASSERT_EQUAL(vouch_tlogproof_verify(&p, leaves[257], "example.com/vouch-test-log",
	                                       &logver, 1, &cp, &e),
	                VOUCH_OK);
	CU_ASSERT_EQUAL(vouch_tlogproof_verify(&p, leaves[256], NULL, &logver, 1, NULL, NULL),
	                VOUCH_ENEGATIVE);
	/* every bit flip of the whole text form fails to parse or to verify */
	memcpy(leaf, leaves[257], 32);
	for (i = 0; i < txt.len * 8; i++) {
		int rc;

		txt.data[i / 8] ^= (uint8_t)(1u << (i % 8));
		rc = vouch_tlogproof_parse((char *)txt.data, txt.len, &p, NULL);
		if (rc == VOUCH_OK)
			rc = vouch_tlogproof_verify(&p, leaf, "example.com/vouch-test-log", &logver, 1,
			                            NULL, NULL);
		/* a flip inside the opaque extra data is not covered by anything */
		if (i / 8 >= 29 && i / 8 < 37) {
			CU_ASSERT(rc == VOUCH_OK || rc == VOUCH_EINPUT);
		} else if (rc != VOUCH_OK)
			rejected++;
		else
			fprintf(stderr, "tlog-proof bit %zu flip accepted\n", i);
		txt.data[i / 8] ^= (uint8_t)(1u << (i % 8));
	}
	CU_ASSERT_EQUAL((size_t)rejected, (txt.len - 8) * 8);
	/* malformed */
	CU_ASSERT_EQUAL(vouch_tlogproof_parse("c2sp.org/tlog-proof@v1\nindex 01\n\nx", 35, &p,
	                                      NULL),
	                VOUCH_EINPUT);
	CU_ASSERT_EQUAL(vouch_tlogproof_parse("c2sp.org/tlog-proof@v1\nindex 1\n", 31, &p, NULL),
	                VOUCH_EINPUT);
	CU_ASSERT_EQUAL(vouch_tlogproof_parse("c2sp.org/tlog-proof@v2\nindex 1\n\nx", 33, &p,
	                                      NULL),
	                VOUCH_EINPUT);
	CU_ASSERT_EQUAL(vouch_tlogproof_parse("c2sp.org/tlog-proof@v1\nindex 1\nAAAA\n\nx", 38,
	                                      &p, NULL),
	                VOUCH_EINPUT);
	vouch_tlogproof_clear(&p);
	vouch_buf_free(&note);
	vouch_buf_free(&txt);
}

static const struct test_case cases[] = {
	{ "verifier key string", test_verifier_key_string },
	{ "sign the vector checkpoint byte-exact", test_sign_vector },
	{ "verify the vector checkpoint, every bit flip rejected", test_verify_vector },
	{ "unknown and bad signatures", test_unknown_and_bad_signatures },
	{ "malformed notes and bounds", test_malformed_notes },
	{ "checkpoint parsing", test_checkpoint_parse },
	{ "tlog-proof format, parse, verify, bit flips", test_tlogproof },
	{ NULL, NULL },
};

int
main(void)
{
	int rc = test_run("note", cases);

	vouch_note_verifier_free(logver);
	vouch_key_free(logkey);
	cJSON_Delete(vec);
	return rc;
}
