/* fuzz_etc.c - libFuzzer harness for vouch_vary_etc_merge, which takes an
 * environment's /etc/passwd or group into the sandbox. */
#include "config.h"

#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "vouch/vouch.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static char out[8192];
	static const char *const names[] = { "passwd", "group" };

	for (size_t i = 0; i < 2; i++) {
		const char *p, *last;
		size_t n;

		if (vouch_vary_etc_merge(NULL, names[i], (const char *)data, size, out,
		    sizeof(out)) != 0)
			continue;
		/* the output ends with the build user's line and has no other
		 * line of that user; every line ends with a newline */
		n = strlen(out);
		if (n == 0 || out[n - 1] != '\n')
			__builtin_trap();
		out[n - 1] = '\0';
		last = strrchr(out, '\n');
		last = last != NULL ? last + 1 : out;
		if (strncmp(last, "builder:x:1000:", 15) != 0)
			__builtin_trap();
		for (p = out; p < last; p = strchr(p, '\n') + 1)
			if (strncmp(p, "builder:", 8) == 0)
				__builtin_trap();
	}
	return 0;
}
