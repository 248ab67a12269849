/* fuzz_paths.h - a path check the harnesses' invariants share. */
#ifndef VOUCH_FUZZ_PATHS_H
#define VOUCH_FUZZ_PATHS_H

#include <string.h>

/* 1 when some '/'-separated component of p is "." or ".." ("..x" is a
 * name like any other). */
static inline int
has_dot_component(const char *p)
{
	while (*p != '\0') {
		size_t n = strcspn(p, "/");

		if ((n == 1 && p[0] == '.') || (n == 2 && p[0] == '.' && p[1] == '.'))
			return 1;
		p += n;
		if (*p == '/')
			p++;
	}
	return 0;
}

#endif
