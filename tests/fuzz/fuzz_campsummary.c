/* fuzz_campsummary.c - libFuzzer harness for the campaign summary reader. */
#include "config.h"

#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "vouch/vouch.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* What is accepted holds the invariants vouch-publish relies on. */
static void
check(const vouch_campsum *s)
{
	long long seen[VOUCH_CS_NVERDICTS] = { 0 };

	if (strncmp(s->log_url, "http", 4) != 0 || strlen(s->lab_keyid) != 64)
		__builtin_trap();
	for (size_t i = 0; i < s->n_items; i++) {
		const vouch_campsum_item *it = &s->items[i];
		if (vouch_campsum_verdict_name(it->verdict) == NULL || it->id[0] == '\0' ||
		    strpbrk(it->id, "/<>&\"' ") != NULL || strchr(it->reason, '\n') != NULL)
			__builtin_trap();
		if ((it->report_html != NULL && !vouch_campsum_relpath_ok(it->report_html)) ||
		    (it->envelope != NULL && !vouch_campsum_relpath_ok(it->envelope)) ||
		    (it->has_log_entry && !vouch_campsum_relpath_ok(it->log_proof)))
			__builtin_trap();
		if ((it->report_html != NULL && strstr(it->report_html, "..") != NULL &&
		    (strcmp(it->report_html, "..") == 0 || strncmp(it->report_html, "../", 3) == 0 ||
		    strstr(it->report_html, "/../") != NULL)))
			__builtin_trap();
		for (size_t a = 0; a < it->n_artifacts; a++)
			if (strchr(it->artifacts[a].name, '/') != NULL || strlen(it->artifacts[a].sha256) != 64)
				__builtin_trap();
		seen[it->verdict]++;
	}
	for (int v = 0; v < VOUCH_CS_NVERDICTS; v++)
		if (seen[v] != s->counts[v])
			__builtin_trap();
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	vouch_campsum *s = NULL;
	vouch_err err;

	vouch_err_clear(&err);
	if (vouch_campsum_parse((const char *)data, size, &s, &err) == VOUCH_OK) {
		if (s == NULL)
			__builtin_trap();
		check(s);
		vouch_campsum_free(s);
	} else if (s != NULL || err.code == VOUCH_OK) {
		__builtin_trap();
	}
	return 0;
}
