/* fuzz_manifest.c - libFuzzer harness for the checksum manifest parser of
 * the compare engine (md5sums, sha256sums): the input is A, a NUL byte,
 * then B; the differing lines it finds must be copies of lines of A and B. */
#include "config.h"

#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "compare/compare_int.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *a = (const char *)data, *z = memchr(data, 0, size);
	size_t na = z ? (size_t)(z - a) : size;
	const char *b = z ? z + 1 : "";
	size_t nb = z ? size - na - 1 : 0;
	struct cmp_diff d;

	memset(&d, 0, sizeof(d));
	d.path = (char *)"pkg.deb/control.tar.xz/md5sums";
	if (!cmp_is_manifest_name(d.path))
		__builtin_trap();
	cmp_manifest_lines(&d, a, na, b, nb);
	if (d.manifest && d.nmlines == 0)
		__builtin_trap();
	for (size_t i = 0; i < d.nmlines; i++) {
		if (strlen(d.mlines[i].da) != strlen(d.mlines[i].db) ||
		    strcmp(d.mlines[i].da, d.mlines[i].db) == 0)
			__builtin_trap();
		free(d.mlines[i].path);
		free(d.mlines[i].da);
		free(d.mlines[i].db);
	}
	free(d.mlines);
	return 0;
}
