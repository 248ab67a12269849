/* fuzz_elf.c - libFuzzer harness for the ELF section reader. */
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
	vouch_elf *e = NULL;
	const uint8_t *p;
	size_t n, sum = 0;
	uint64_t off, len;

	if (vouch_elf_parse(data, size, &e, NULL) != VOUCH_OK)
		return 0;
	for (size_t i = 0; i < vouch_elf_section_count(e); i++) {
		const struct vouch_elf_section *s = vouch_elf_section(e, i);

		vouch_elf_section_data(e, s, &p, &n);
		/* every byte handed out must lie inside the input */
		if (n > 0 && (p < data || p + n > data + size))
			__builtin_trap();
		for (size_t k = 0; k < n; k += 4096)
			sum += p[k];
		sum += strlen(s->name) + (size_t)vouch_elf_is_debug_section(s->name);
	}
	vouch_elf_phdrs(e, &off, &len);
	if (len > 0 && (off > size || len > size - off))
		__builtin_trap();
	if (vouch_elf_build_id(e, &p, &n, NULL) == VOUCH_OK && (p < data || p + n > data + size))
		__builtin_trap();
	for (int t = 0; t < 2; t++) {
		struct vouch_elf_symbol *v = NULL;
		size_t nv = 0;

		if (vouch_elf_symbols(e, t ? ".dynsym" : ".symtab", &v, &nv, NULL) != VOUCH_OK)
			continue;
		for (size_t k = 0; k < nv; k++) {
			/* every name handed out lies inside the input */
			if (v[k].name < data || v[k].name + v[k].name_len > data + size ||
			    v[k].name_len > VOUCH_ELF_NAME_MAX)
				__builtin_trap();
			sum += v[k].name_len ? v[k].name[0] : 0;
		}
		free(v);
	}
	(void)sum;
	vouch_elf_free(e);
	return 0;
}
