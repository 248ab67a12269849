/* fuzz_logentry.c - libFuzzer harness for what vouch-logd's POST /add
 * accepts: a DSSE envelope carrying an in-toto statement, checked with and
 * without a submitter key. */
#include "config.h"

#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "vouch/vouch.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static vouch_key *key;
	static const uint8_t seed[32] = { 1, 2, 3 };
	const vouch_key *keys[1];
	vouch_buf subjects;
	int rc;

	if (key == NULL && vouch_key_from_ed25519_seed(seed, &key, NULL) != VOUCH_OK)
		__builtin_trap();
	keys[0] = key;
	vouch_buf_init(&subjects, 0);
	rc = vouch_logentry_check(data, size, NULL, 0, &subjects, NULL);
	if (rc == VOUCH_OK && subjects.len % 32 != 0)
		__builtin_trap();
	/* with a key nothing random can verify, and nothing may crash */
	if (vouch_logentry_check(data, size, keys, 1, NULL, NULL) == VOUCH_OK)
		__builtin_trap();
	vouch_buf_free(&subjects);
	return 0;
}
