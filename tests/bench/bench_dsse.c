/* bench_dsse.c - sign and verify N DSSE envelopes in one process.
 *
 *   bench_dsse [N [ed25519|ecdsa-p256]]
 *
 * Signing: the batch signer (vouch-attest -l's loop without the I/O):
 * check the statement + PAE + sign + write one JSON line.  "sign_bare" is
 * the same without the statement check (vouch_envelope_new + sign +
 * serialise), the library's signing cost alone.  Verifying: parse the line
 * + PAE + verify (threshold 1) + copy the verified payload out.  Rates are
 * envelopes per second of process CPU time, the measure `openssl speed`
 * uses by default, and per second of wall-clock time as "<name>_wall". */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "vouch/vouch.h"
#include "vouch/key.h"

static const char statement[] =
    "{\"_type\":\"https://in-toto.io/Statement/v1\",\"subject\":[{\"name\":\"hello\","
    "\"digest\":{\"sha256\":\"a948904f2f0f479b8f8197694b30184b0d2ed1c1cd2a1ec0fb85d299a192a447\"}}],"
    "\"predicateType\":\"https://slsa.dev/provenance/v1\",\"predicate\":{\"buildDefinition\":"
    "{\"buildType\":\"https://vouch.dev/attestation/rebuild/v1\",\"externalParameters\":{}},"
    "\"runDetails\":{\"builder\":{\"id\":\"https://lab.example/a\"}}}}";

static double
now(clockid_t clk)
{
	struct timespec ts;

	clock_gettime(clk, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static int
sign_all(const vouch_key *key, size_t n, vouch_buf *lines, size_t *offs, vouch_err *err)
{
	const vouch_key *keys[1] = { key };
	vouch_envelope_signer *sg = NULL;
	int rc = vouch_envelope_signer_new(VOUCH_INTOTO_PAYLOAD_TYPE, keys, 1, &sg, err);

	for (size_t i = 0; rc == VOUCH_OK && i < n; i++) {
		offs[i] = lines->len;
		rc = vouch_envelope_signer_sign(sg, statement, sizeof(statement) - 1, lines, err);
	}
	offs[n] = lines->len;
	vouch_envelope_signer_free(sg);
	return rc;
}

static int
sign_bare(const vouch_key *key, size_t n, vouch_buf *lines, vouch_err *err)
{
	for (size_t i = 0; i < n; i++) {
		vouch_envelope *env = NULL;
		int rc = vouch_envelope_new(VOUCH_INTOTO_PAYLOAD_TYPE, statement, sizeof(statement) - 1,
		    &env, err);

		if (rc == VOUCH_OK)
			rc = vouch_envelope_sign(env, key, err);
		if (rc == VOUCH_OK)
			rc = vouch_envelope_serialize(env, lines, err);
		vouch_envelope_free(env);
		if (rc != VOUCH_OK)
			return rc;
		vouch_buf_reset(lines);
	}
	return VOUCH_OK;
}

static int
verify_all(const vouch_key *key, size_t n, const vouch_buf *lines, const size_t *offs,
           vouch_err *err)
{
	const vouch_key *keys[1] = { key };
	struct vouch_dsse_verify opt = { NULL, keys, 1, 1 };
	vouch_buf payload;
	int rc = VOUCH_OK;

	vouch_buf_init(&payload, 0);
	for (size_t i = 0; rc == VOUCH_OK && i < n; i++) {
		vouch_envelope *env = NULL;

		vouch_buf_reset(&payload);
		rc = vouch_envelope_parse((const char *)lines->data + offs[i], offs[i + 1] - offs[i], 0,
		    &env, err);
		if (rc == VOUCH_OK)
			rc = vouch_envelope_verify(env, &opt, &payload, NULL, NULL, err);
		if (rc == VOUCH_OK && payload.len != sizeof(statement) - 1)
			rc = vouch_err_set(err, VOUCH_EINTERNAL, "payload length changed");
		vouch_envelope_free(env);
	}
	vouch_buf_free(&payload);
	return rc;
}

int
main(int argc, char **argv)
{
	static const uint8_t seed[32] = { 42 };
	size_t n = argc > 1 ? strtoul(argv[1], NULL, 10) : 10000, *offs;
	const char *alg = argc > 2 ? argv[2] : "ed25519";
	vouch_key *key = NULL;
	vouch_buf lines, scratch;
	vouch_err err;
	double t0, t1, t2, t3, w0, w1, w2, w3;
	int rc;

	if (n == 0 || n > 10000000 || (offs = calloc(n + 1, sizeof(*offs))) == NULL)
		return 2;
	vouch_err_clear(&err);
	vouch_buf_init(&lines, (size_t)1 << 32);
	vouch_buf_init(&scratch, 0);
	if (strcmp(alg, "ed25519") == 0)
		rc = vouch_key_from_ed25519_seed(seed, &key, &err);
	else if (strcmp(alg, "ecdsa-p256") == 0)
		rc = vouch_key_generate(VOUCH_KEY_ECDSA_P256, &key, &err);
	else
		rc = vouch_err_set(&err, VOUCH_EUSAGE, "unknown algorithm '%s'", alg);
	w0 = now(CLOCK_MONOTONIC);
	t0 = now(CLOCK_PROCESS_CPUTIME_ID);
	if (rc == VOUCH_OK)
		rc = sign_all(key, n, &lines, offs, &err);
	t1 = now(CLOCK_PROCESS_CPUTIME_ID);
	w1 = now(CLOCK_MONOTONIC);
	if (rc == VOUCH_OK)
		rc = verify_all(key, n, &lines, offs, &err);
	t2 = now(CLOCK_PROCESS_CPUTIME_ID);
	w2 = now(CLOCK_MONOTONIC);
	if (rc == VOUCH_OK)
		rc = sign_bare(key, n, &scratch, &err);
	t3 = now(CLOCK_PROCESS_CPUTIME_ID);
	w3 = now(CLOCK_MONOTONIC);
	if (rc != VOUCH_OK) {
		fprintf(stderr, "bench_dsse: %s\n", vouch_err_msg(&err));
	} else {
		printf("envelopes %zu\n", n);
		printf("sign %.1f\n", (double)n / (t1 - t0));
		printf("verify %.1f\n", (double)n / (t2 - t1));
		printf("sign_bare %.1f\n", (double)n / (t3 - t2));
		printf("sign_wall %.1f\n", (double)n / (w1 - w0));
		printf("verify_wall %.1f\n", (double)n / (w2 - w1));
		printf("sign_bare_wall %.1f\n", (double)n / (w3 - w2));
	}
	vouch_key_free(key);
	vouch_buf_free(&lines);
	vouch_buf_free(&scratch);
	free(offs);
	return rc == VOUCH_OK ? 0 : 1;
}
