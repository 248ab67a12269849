/* fuzz_note.c - libFuzzer harness for the signed-note, checkpoint and
 * verifier-key parsers.  The first byte picks what the rest is fed to. */
#include "config.h"

#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "vouch/vouch.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static vouch_note_verifier *
test_verifier(void)
{
	static vouch_note_verifier *v;
	static const char key[] =
		"example.com/vouch-test-log+fd9974d3+AddamAGCsQq31Uv+08lkBzoO4XLz2qYjJa8CGmj3B1Ea";

	if (v == NULL && vouch_note_verifier_parse(key, sizeof key - 1, &v, NULL) != VOUCH_OK)
		__builtin_trap();
	return v;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	vouch_note_verifier *v = test_verifier(), *pv = NULL;
	const char *s = (const char *)data + 1;
	vouch_checkpoint cp;
	size_t n = size - 1, tl = 0, nv = 0;
	vouch_buf b;

	if (size == 0)
		return 0;
	switch (data[0] % 4) {
	case 0:
		if (vouch_note_verify(s, n, &v, 1, &tl, &nv, NULL) == VOUCH_OK &&
		    (tl > n || nv != 1))
			__builtin_trap();
		break;
	case 1:
		vouch_checkpoint_open(s, n, NULL, &v, 1, &cp, NULL);
		break;
	case 2:
		if (vouch_checkpoint_parse(s, n, &cp, NULL) == VOUCH_OK) {
			/* what parses must print back to the same bytes */
			vouch_buf_init(&b, 0);
			if (vouch_checkpoint_text(&cp, &b, NULL) != VOUCH_OK || b.len != n ||
			    memcmp(b.data, s, n) != 0)
				__builtin_trap();
			vouch_buf_free(&b);
		}
		break;
	default:
		if (vouch_note_verifier_parse(s, n, &pv, NULL) == VOUCH_OK &&
		    strlen(vouch_note_verifier_name(pv)) == 0)
			__builtin_trap();
		vouch_note_verifier_free(pv);
		break;
	}
	return 0;
}
