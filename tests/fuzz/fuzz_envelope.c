/* fuzz_envelope.c - libFuzzer harness for the DSSE envelope parser and
 * verifier.  Whatever parses must serialise, parse again to the same
 * payload and type, and go through verification without crashing.
 *
 * Run (clang, ASan+UBSan, 60 s):
 *   FUZZ_BUILD_DIR=/tmp/build-fuzz tests/fuzz/run.sh 60 envelope */
#include "config.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "vouch/vouch.h"
#include "vouch/key.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static vouch_key *
fuzz_key(void)
{
	static vouch_key *key;
	static const uint8_t seed[32] = { 1, 2, 3, 4, 5, 6, 7, 8 };

	if (key == NULL && vouch_key_from_ed25519_seed(seed, &key, NULL) != VOUCH_OK)
		abort();
	return key;
}

static void
roundtrip(const vouch_envelope *env)
{
	vouch_envelope *back = NULL;
	vouch_buf j;
	const uint8_t *p1, *p2;
	size_t n1, n2;

	vouch_buf_init(&j, 0);
	if (vouch_envelope_serialize(env, &j, NULL) != VOUCH_OK)
		__builtin_trap();
	if (vouch_envelope_parse((const char *)j.data, j.len, 64u << 20, &back, NULL) != VOUCH_OK)
		__builtin_trap();
	p1 = vouch_envelope_payload(env, &n1);
	p2 = vouch_envelope_payload(back, &n2);
	if (n1 != n2 || (n1 > 0 && memcmp(p1, p2, n1) != 0) ||
	    strcmp(vouch_envelope_payload_type(env), vouch_envelope_payload_type(back)) != 0 ||
	    vouch_envelope_sig_count(env) != vouch_envelope_sig_count(back))
		__builtin_trap();
	vouch_envelope_free(back);
	vouch_buf_free(&j);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	vouch_envelope *env = NULL;
	const vouch_key *keys[2];
	struct vouch_dsse_verify opt = { NULL, keys, 2, 1 };
	vouch_buf payload;

	keys[0] = fuzz_key();
	keys[1] = fuzz_key(); /* the same key twice: one distinct key */
	if (vouch_envelope_parse((const char *)data, size, 1u << 20, &env, NULL) != VOUCH_OK)
		return 0;
	roundtrip(env);
	vouch_buf_init(&payload, 0);
	/* a fuzzed envelope can never carry a valid signature by this key */
	if (vouch_envelope_verify(env, &opt, &payload, NULL, NULL, NULL) == VOUCH_OK)
		__builtin_trap();
	if (payload.len != 0)
		__builtin_trap();
	vouch_buf_free(&payload);
	vouch_envelope_free(env);
	return 0;
}
