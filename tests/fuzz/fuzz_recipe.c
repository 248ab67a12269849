/* fuzz_recipe.c - libFuzzer harness for the recipe parser. */
#include "config.h"

#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "vouch/vouch.h"
#include "fuzz_paths.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	vouch_recipe *r = NULL;
	vouch_err err;

	vouch_err_clear(&err);
	if (vouch_recipe_parse((const char *)data, size, &r, &err) == VOUCH_OK) {
		/* What is accepted holds the invariants the sandbox relies on. */
		if (r == NULL || r->n_steps == 0 || r->n_outputs == 0 ||
		    strncmp(r->workdir, "/build/", 7) != 0 || has_dot_component(r->workdir) ||
		    (!r->env_host && r->env_rootfs == NULL) ||
		    (!r->has_source_sha256 && !r->has_source_tree && r->n_source_files == 0))
			__builtin_trap();
		for (size_t i = 0; i < r->n_steps; i++)
			if (r->steps[i].argc == 0 || r->steps[i].argv[r->steps[i].argc] != NULL ||
			    r->steps[i].argv[0][0] == '\0')
				__builtin_trap();
		for (size_t i = 0; i < r->n_outputs; i++)
			if (vouch_recipe_output_ok(r->outputs[i]) != 0)
				__builtin_trap();
		vouch_recipe_free(r);
	} else if (r != NULL || err.code == VOUCH_OK) {
		__builtin_trap();
	}
	return 0;
}
