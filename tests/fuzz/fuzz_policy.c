/* fuzz_policy.c - libFuzzer harness for the policy parser and the evidence
 * bundle reader.
 *
 * The input is split at the first NUL byte: the part before is parsed as a
 * policy (its key paths resolve under a directory that does not exist, so
 * only inline PEM keys can load), the part after is read as a bundle and,
 * when the policy parsed, evaluated for a fixed artifact and written back
 * out.  Run with: FUZZ_BUILD_DIR=/work/build-policy-fuzz tests/fuzz/run.sh 60 policy */
#include "config.h"

#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "vouch/vouch.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const uint8_t *nul = memchr(data, 0, size);
	size_t plen = nul ? (size_t)(nul - data) : size;
	struct vouch_policy_eval_opts o = { .now = 1800000000 };
	vouch_policy *p = NULL;
	vouch_evbundle *b = NULL;
	vouch_policy_result *r = NULL;
	vouch_digests d;
	vouch_buf out;

	vouch_buf_init(&out, 0);
	vouch_policy_parse((const char *)data, plen, "/nonexistent-fuzz-dir", &p, NULL);
	if (nul != NULL && vouch_evbundle_new(&b, NULL) == VOUCH_OK) {
		vouch_evbundle *again = NULL;

		vouch_evbundle_add_jsonl(b, (const char *)nul + 1, size - plen - 1, "fuzz", NULL);
		/* what we write reads back as the same envelopes */
		if (vouch_evbundle_write(b, &out, NULL) == VOUCH_OK &&
		    vouch_evbundle_new(&again, NULL) == VOUCH_OK &&
		    vouch_evbundle_add_jsonl(again, (const char *)out.data, out.len, "again", NULL) ==
		        VOUCH_OK &&
		    vouch_evbundle_entry_count(again) != vouch_evbundle_entry_count(b))
			__builtin_trap();
		vouch_evbundle_free(again);
		if (p != NULL && vouch_digest_mem("fuzz", 4, VOUCH_ALG_ALL, &d, NULL) == VOUCH_OK &&
		    vouch_policy_evaluate(p, &d, b, &o, &r, NULL) == VOUCH_OK) {
			vouch_buf_reset(&out);
			vouch_policy_result_text(r, "fuzz", &out, NULL);
			vouch_policy_result_json(r, "fuzz", &d, &out, NULL);
		}
	}
	vouch_policy_result_free(r);
	vouch_evbundle_free(b);
	vouch_policy_free(p);
	vouch_buf_free(&out);
	return 0;
}
