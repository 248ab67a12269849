/* hello.c - the program examples/hello rebuilds: small, but it links libc
 * and embeds SOURCE_DATE_EPOCH, so a rebuild that leaks the host's clock,
 * paths or tools shows up as a different binary. */
#include <stdio.h>

#ifndef BUILD_EPOCH
#define BUILD_EPOCH "unknown"
#endif

int
main(void)
{
	printf("hello, world (built at epoch %s)\n", BUILD_EPOCH);
	return 0;
}
