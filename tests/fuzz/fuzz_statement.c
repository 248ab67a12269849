/* fuzz_statement.c - libFuzzer harness for the Statement v1 validator,
 * subject matching and canonical JSON.  A statement that validates must
 * serialise and validate again.
 *
 * Run (clang, ASan+UBSan, 60 s):
 *   FUZZ_BUILD_DIR=/tmp/build-fuzz tests/fuzz/run.sh 60 statement */
#include "config.h"

#include <stdint.h>
#include <string.h>

#include "vouch/vouch.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	vouch_statement *st = NULL, *back = NULL;
	vouch_digests d;
	vouch_buf j;

	if (vouch_statement_parse(data, size, &st, NULL) != VOUCH_OK)
		return 0;
	vouch_buf_init(&j, 0);
	if (vouch_statement_serialize(st, &j, NULL) != VOUCH_OK)
		__builtin_trap();
	if (vouch_statement_parse(j.data, j.len, &back, NULL) != VOUCH_OK)
		__builtin_trap();
	if (vouch_statement_subject_count(back) != vouch_statement_subject_count(st) ||
	    vouch_statement_subject_count(st) == 0)
		__builtin_trap();
	memset(&d, 0, sizeof(d));
	d.algs = VOUCH_ALG_ALL;
	if (size >= 1)
		memset(d.md, data[0], sizeof(d.md));
	(void)vouch_statement_match(st, &d, NULL, NULL);
	vouch_buf_reset(&j);
	(void)vouch_canonjson_append(&j, vouch_statement_json(st), NULL);
	vouch_buf_free(&j);
	vouch_statement_free(back);
	vouch_statement_free(st);
	return 0;
}
