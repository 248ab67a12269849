/* fuzz_vary.c - libFuzzer harness for the --vary list parser. */
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
	char *s = malloc(size + 1), l[256];
	unsigned set = 0, again = 0;
	vouch_err err;

	if (s == NULL)
		return 0;
	memcpy(s, data, size);
	s[size] = '\0';
	vouch_err_clear(&err);
	if (vouch_vary_parse(s, &set, &err) == VOUCH_OK) {
		/* a set that is accepted is non-empty, known, and its list parses back */
		if (set == 0 || (set & ~VOUCH_VARY_ALL) != 0)
			__builtin_trap();
		vouch_vary_list(set, l, sizeof(l));
		if (vouch_vary_parse(l, &again, &err) != VOUCH_OK || again != set)
			__builtin_trap();
	} else if (err.code == VOUCH_OK) {
		__builtin_trap();
	}
	free(s);
	return 0;
}
