/* fuzz_tlogproof.c - libFuzzer harness for the c2sp.org/tlog-proof@v1 parser
 * and verifier. */
#include "config.h"

#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "vouch/vouch.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static vouch_note_verifier *v;
	static const char key[] =
		"example.com/vouch-test-log+fd9974d3+AddamAGCsQq31Uv+08lkBzoO4XLz2qYjJa8CGmj3B1Ea";
	vouch_tlogproof p;
	vouch_hash leaf;

	if (v == NULL && vouch_note_verifier_parse(key, sizeof key - 1, &v, NULL) != VOUCH_OK)
		__builtin_trap();
	vouch_tlogproof_init(&p);
	if (vouch_tlogproof_parse((const char *)data, size, &p, NULL) == VOUCH_OK) {
		vouch_buf b;

		/* re-emitting what parsed gives the same bytes */
		vouch_buf_init(&b, 0);
		if (vouch_tlogproof_format(p.has_extra ? (p.extra.data != NULL ? p.extra.data : (const uint8_t *)"") : NULL, p.extra.len, p.index,
		                           (const vouch_hash *)p.proof, p.nproof,
		                           (const char *)p.checkpoint.data, p.checkpoint.len, &b,
		                           NULL) != VOUCH_OK ||
		    b.len != size || memcmp(b.data, data, size) != 0)
			__builtin_trap();
		vouch_buf_free(&b);
		memset(leaf, 0, sizeof leaf);
		vouch_tlogproof_verify(&p, leaf, NULL, &v, 1, NULL, NULL);
	}
	vouch_tlogproof_clear(&p);
	return 0;
}
