/* fuzz_campaign.c - libFuzzer harness for the campaign file parser
 * (lib/campaign/campaign.c): any input is parsed, and a parsed campaign's
 * items are walked.  Run with: tests/fuzz/run.sh 60 campaign */
#include "config.h"

#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "vouch/vouch.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	vouch_campaign *c = NULL;
	vouch_err err;

	vouch_err_clear(&err);
	if (vouch_campaign_parse((const char *)data, size, "/nonexistent", &c, &err) == VOUCH_OK) {
		for (size_t i = 0; i < vouch_campaign_count(c); i++)
			if (vouch_campaign_find(c, vouch_campaign_item_id(c, i)) != (long)i)
				__builtin_trap();
		vouch_campaign_free(c);
	}
	return 0;
}
