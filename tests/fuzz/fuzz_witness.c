/* fuzz_witness.c - libFuzzer harness for the tlog-witness add-checkpoint
 * request parser, the cosignature verifier, witness lists and proofs of
 * misbehaviour. */
#include "config.h"

#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "vouch/vouch.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static vouch_note_verifier *w, *log;
	static const char logkey[] =
		"example.com/vouch-test-log+fd9974d3+AddamAGCsQq31Uv+08lkBzoO4XLz2qYjJa8CGmj3B1Ea";
	vouch_note_verifier *lws[4];
	char *urls[4];
	size_t nl = 0, i;
	static const char key[] =
		"witness.example/w1+24b5d9fe+BP0XJDhaoMdbZPt4zWAvodmR/ev3axPFjtcC6sg16fYY";
	vouch_hash proof[VOUCH_WITNESS_PROOF_MAX], proof2[VOUCH_WITNESS_PROOF_MAX];
	size_t n = 0, n2 = 0, off = 0, off2 = 0, nd = 0;
	uint64_t old = 0, old2 = 0;
	const char *s = (const char *)data;

	if (w == NULL && (vouch_cosig_verifier_parse(key, sizeof key - 1, &w, NULL) != VOUCH_OK ||
	                  vouch_note_verifier_parse(logkey, sizeof logkey - 1, &log, NULL) !=
	                      VOUCH_OK))
		__builtin_trap();
	if (vouch_witness_parse_request(s, size, &old, proof, &n, &off, NULL) == VOUCH_OK) {
		vouch_buf b;

		/* what parsed formats into a request that parses the same */
		vouch_buf_init(&b, 0);
		if (off > size ||
		    vouch_witness_format_request(old, (const vouch_hash *)proof, n, s + off, size - off,
		                                 &b, NULL) != VOUCH_OK ||
		    vouch_witness_parse_request((const char *)b.data, b.len, &old2, proof2, &n2, &off2,
		                                NULL) != VOUCH_OK ||
		    old2 != old || n2 != n || memcmp(proof, proof2, n * sizeof proof[0]) != 0 ||
		    b.len - off2 != size - off || memcmp(b.data + off2, s + off, size - off) != 0)
			__builtin_trap();
		vouch_buf_free(&b);
		vouch_cosig_verify(s + off, size - off, &w, 1, &nd, NULL, NULL);
	}
	vouch_cosig_verify(s, size, &w, 1, &nd, NULL, NULL);
	vouch_witness_list_parse(s, size, lws, urls, 4, &nl, NULL);
	for (i = 0; i < nl; i++) {
		vouch_note_verifier_free(lws[i]);
		free(urls[i]);
	}
	vouch_misbehaviour_check(s, size, log, NULL, NULL, NULL);
	return 0;
}
