/* fuzz_zipcheck.c - libFuzzer harness for the zip central directory and
 * local header consistency check. */
#include "config.h"

#include <stddef.h>
#include <stdint.h>

#include "vouch/vouch.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	vouch_err err;
	int rc;

	vouch_err_clear(&err);
	rc = vouch_zip_check_mem(data, size, "fuzz.zip", &err);
	/* a refusal always says why */
	if (rc != VOUCH_OK && err.msg[0] == '\0')
		__builtin_trap();
	return 0;
}
