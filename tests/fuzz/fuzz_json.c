/* fuzz_json.c - libFuzzer harness for the strict JSON reader. */
#include "config.h"

#include <stddef.h>
#include <stdint.h>

#include "vouch/vouch.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	cJSON *j = NULL;
	vouch_err err;

	vouch_err_clear(&err);
	if (vouch_json_parse((const char *)data, size, &j, &err) == VOUCH_OK) {
		vouch_buf b;

		/* What we accept must serialise and parse again. */
		vouch_buf_init(&b, 0);
		if (vouch_json_append(&b, j, NULL) == VOUCH_OK) {
			cJSON *k = NULL;

			if (vouch_json_parse((const char *)b.data, b.len, &k, NULL) != VOUCH_OK)
				__builtin_trap();
			cJSON_Delete(k);
		}
		vouch_buf_free(&b);
		cJSON_Delete(j);
	}
	return 0;
}
