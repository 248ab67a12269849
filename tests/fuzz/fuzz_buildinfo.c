/* fuzz_buildinfo.c - libFuzzer harness for the .buildinfo parser. */
#include "config.h"

#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "vouch/vouch.h"
#include "fuzz_paths.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	vouch_buildinfo *b = NULL;
	vouch_err err;
	cJSON *j = NULL;

	vouch_err_clear(&err);
	if (vouch_buildinfo_parse((const char *)data, size, &b, &err) == VOUCH_OK) {
		/* What is accepted holds what vouch-debrebuild relies on. */
		if (b == NULL || b->n_files == 0 || b->source == NULL || b->version == NULL ||
		    strcmp(b->format, "1.0") != 0 ||
		    (b->build_path != NULL && (b->build_path[0] != '/' ||
		     has_dot_component(b->build_path))))
			__builtin_trap();
		for (size_t i = 0; i < b->n_files; i++)
			if (strchr(b->files[i].name, '/') != NULL || b->files[i].name[0] == '\0')
				__builtin_trap();
		for (size_t i = 0; i < b->n_deps; i++)
			if (strchr(b->deps[i].name, ' ') != NULL || b->deps[i].version[0] == '\0')
				__builtin_trap();
		if (vouch_buildinfo_to_json(b, &j, &err) != VOUCH_OK)
			__builtin_trap();
		cJSON_Delete(j);
		vouch_buildinfo_free(b);
	} else if (b != NULL || err.code == VOUCH_OK) {
		__builtin_trap();
	}
	return 0;
}
