/* bench_policy.c - make the evidence for tests/bench/policy.sh: NLABS lab
 * keys, NVERDICTS signed PASSED verdicts for one artifact spread over the
 * labs, NFILLER envelopes about other artifacts, all appended to a log
 * directory (the same store vouch-logd serves), and an offline bundle of
 * the verdicts with their inclusion proofs.
 *
 *   bench_policy OUTDIR NVERDICTS NLABS NFILLER
 *
 * Writes OUTDIR/{artifact, lab-N.pub, log.key, log.verifier, log.d/,
 * bundle.intoto.jsonl}.  Not a test: no assertions beyond "it worked". */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "vouch/vouch.h"

#define ORIGIN "bench.vouch/log"

static void
check(int rc, const vouch_err *e, const char *what)
{
	if (rc != VOUCH_OK) {
		fprintf(stderr, "bench_policy: %s: %s\n", what, vouch_err_msg(e));
		exit(2);
	}
}

static char *
envelope(const vouch_key *k, const char *hex, unsigned n, vouch_err *e)
{
	char st[1024];
	vouch_envelope *env = NULL;
	vouch_buf out;
	char *line;

	snprintf(st, sizeof(st),
	         "{\"_type\":\"https://in-toto.io/Statement/v1\",\"subject\":[{\"name\":\"fw-%u\","
	         "\"digest\":{\"sha256\":\"%s\"}}],\"predicateType\":\"%s\",\"predicate\":{"
	         "\"verifier\":{\"id\":\"https://lab.example/\"},\"timeVerified\":\"2026-11-01T00:00:%02uZ\","
	         "\"verificationResult\":\"PASSED\",\"policy\":{\"uri\":\"%s\"},"
	         "\"vouch_comparison\":{\"result\":\"identical\",\"mode\":\"strict\",\"rulesNeeded\":[],"
	         "\"differences\":0}}}",
	         n, hex, VOUCH_PREDICATE_VSA, n % 60, VOUCH_POLICY_REPRODUCIBLE);
	vouch_buf_init(&out, 0);
	check(vouch_envelope_new(VOUCH_INTOTO_PAYLOAD_TYPE, st, strlen(st), &env, e), e, "envelope");
	check(vouch_envelope_sign(env, k, e), e, "sign");
	check(vouch_envelope_serialize(env, &out, e), e, "serialize");
	line = strdup(vouch_buf_cstr(&out));
	vouch_buf_free(&out);
	vouch_envelope_free(env);
	return line;
}

static void
write_file(const char *dir, const char *name, const void *data, size_t n, vouch_err *e)
{
	char path[4096];

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	check(vouch_write_file_atomic(path, data, n, 0600, e), e, path);
}

int
main(int argc, char **argv)
{
	unsigned nverd, nlabs, nfill, total;
	vouch_key **labs, *logkey = NULL;
	vouch_logstore *ls = NULL;
	vouch_evbundle *b = NULL;
	char **lines, hex[65], other[65], name[64], logdir[4096];
	uint8_t d[32];
	vouch_buf buf;
	vouch_err e;

	if (argc != 5) {
		fprintf(stderr, "usage: bench_policy OUTDIR NVERDICTS NLABS NFILLER\n");
		return 2;
	}
	nverd = (unsigned)atoi(argv[2]);
	nlabs = (unsigned)atoi(argv[3]);
	nfill = (unsigned)atoi(argv[4]);
	total = nverd + nfill;
	if (nverd == 0 || nlabs == 0 || nlabs > 256 || total > 10000000)
		return 2;
	vouch_err_clear(&e);
	vouch_buf_init(&buf, 0);
	mkdir(argv[1], 0755);
	write_file(argv[1], "artifact", "the shipped firmware\n", 21, &e);
	check(vouch_sha256("the shipped firmware\n", 21, d, &e), &e, "hash");
	vouch_hex_encode(d, 32, hex);
	labs = calloc(nlabs, sizeof(*labs));
	for (unsigned i = 0; i < nlabs; i++) {
		check(vouch_key_generate(VOUCH_KEY_ED25519, &labs[i], &e), &e, "keygen");
		vouch_buf_reset(&buf);
		check(vouch_key_public_pem(labs[i], &buf, &e), &e, "pem");
		snprintf(name, sizeof(name), "lab-%u.pub", i);
		write_file(argv[1], name, buf.data, buf.len, &e);
	}
	check(vouch_key_generate(VOUCH_KEY_ED25519, &logkey, &e), &e, "keygen");
	vouch_buf_reset(&buf);
	check(vouch_key_private_pem(logkey, NULL, 0, &buf, &e), &e, "pem");
	write_file(argv[1], "log.key", buf.data, buf.len, &e);
	vouch_buf_reset(&buf);
	check(vouch_key_note_verifier(logkey, ORIGIN, &buf, &e), &e, "verifier");
	write_file(argv[1], "log.verifier", buf.data, buf.len, &e);
	/* verdicts first (indices 0..nverd-1), then the filler */
	lines = calloc(total, sizeof(*lines));
	for (unsigned i = 0; i < total; i++) {
		if (i < nverd) {
			lines[i] = envelope(labs[i % nlabs], hex, i, &e);
		} else {
			uint8_t od[32];

			vouch_sha256(&i, sizeof(i), od, NULL);
			lines[i] = envelope(labs[i % nlabs], vouch_hex_encode(od, 32, other), i, &e);
		}
	}
	snprintf(logdir, sizeof(logdir), "%s/log.d", argv[1]);
	check(vouch_logstore_create(logdir, ORIGIN, logkey, &e), &e, "log create");
	check(vouch_logstore_open(logdir, ORIGIN, logkey, 0, vouch_logentry_indexer, NULL, &ls, &e),
	      &e, "log open");
	for (unsigned i = 0; i < total; i += VOUCH_LOGSTORE_BATCH_MAX) {
		unsigned n = total - i < VOUCH_LOGSTORE_BATCH_MAX ? total - i : VOUCH_LOGSTORE_BATCH_MAX;
		size_t *lens = calloc(n, sizeof(*lens));

		for (unsigned j = 0; j < n; j++)
			lens[j] = strlen(lines[i + j]);
		check(vouch_logstore_append(ls, (const uint8_t *const *)(lines + i), lens, n, NULL, &e),
		      &e, "log append");
		free(lens);
	}
	/* the offline bundle: every verdict with its proof at the final size */
	check(vouch_evbundle_new(&b, &e), &e, "bundle");
	for (unsigned i = 0; i < nverd; i++) {
		vouch_hash proof[VOUCH_PROOF_MAX];
		size_t np = 0, nlen;
		const char *note = vouch_logstore_checkpoint_note(ls, &nlen);

		vouch_buf_reset(&buf);
		check(vouch_logstore_prove(ls, i, proof, &np, &e), &e, "prove");
		check(vouch_tlogproof_format(NULL, 0, i, (const vouch_hash *)proof, np, note, nlen, &buf,
		                             &e), &e, "tlog-proof");
		check(vouch_evbundle_add_envelope(b, (const uint8_t *)lines[i], strlen(lines[i]), "gen",
		                                  &e), &e, "bundle add");
		check(vouch_evbundle_add_proof(b, (const uint8_t *)lines[i], strlen(lines[i]),
		                               (const char *)buf.data, buf.len, &e), &e, "bundle proof");
	}
	vouch_buf_reset(&buf);
	check(vouch_evbundle_write(b, &buf, &e), &e, "bundle write");
	write_file(argv[1], "bundle.intoto.jsonl", buf.data, buf.len, &e);
	printf("entries %u verdicts %u labs %u\n", total, nverd, nlabs);
	for (unsigned i = 0; i < total; i++)
		free(lines[i]);
	free(lines);
	for (unsigned i = 0; i < nlabs; i++)
		vouch_key_free(labs[i]);
	free(labs);
	vouch_key_free(logkey);
	vouch_logstore_free(ls);
	vouch_evbundle_free(b);
	vouch_buf_free(&buf);
	return 0;
}
