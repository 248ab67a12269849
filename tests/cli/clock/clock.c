/* clock.c - prints what the three wall-clock calls return, one per line:
 * time(2), gettimeofday(2), clock_gettime(CLOCK_REALTIME).  Used by
 * tests/cli/rebuild-clock.sh inside the sandbox. */
#include <stdio.h>
#include <sys/time.h>
#include <time.h>

int
main(void)
{
	struct timeval tv;
	struct timespec ts;

	if (gettimeofday(&tv, NULL) != 0 || clock_gettime(CLOCK_REALTIME, &ts) != 0)
		return 1;
	printf("time %lld\n", (long long)time(NULL));
	printf("gettimeofday %lld\n", (long long)tv.tv_sec);
	printf("clock_gettime %lld\n", (long long)ts.tv_sec);
	return 0;
}
