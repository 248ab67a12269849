/* fuzz_storage.c - libFuzzer harness for the storage location and S3
 * endpoint parsers (issue 20).  The first byte picks the parser; what a
 * parser accepts must keep the promises of vouch/logstore.h. */
#include "config.h"

#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "vouch/vouch.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void
check_loc(const vouch_logstore_loc *l, const char *s)
{
	size_t n, i;

	if (l->kind == VOUCH_LOGSTORE_POSIX) {
		if (l->dir == NULL || *l->dir == '\0' || l->dir < s || l->dir > s + strlen(s))
			__builtin_trap();
		return;
	}
	if (l->kind != VOUCH_LOGSTORE_S3)
		__builtin_trap();
	n = strlen(l->bucket);
	if (n < 3 || n > VOUCH_LOGSTORE_BUCKET_MAX)
		__builtin_trap();
	for (i = 0; i < n; i++)
		if (!((l->bucket[i] >= 'a' && l->bucket[i] <= 'z') ||
		      (l->bucket[i] >= '0' && l->bucket[i] <= '9') || l->bucket[i] == '.' ||
		      l->bucket[i] == '-'))
			__builtin_trap();
	n = strlen(l->prefix);
	if (n > 0 && (l->prefix[n - 1] != '/' || l->prefix[0] == '/' ||
	              strstr(l->prefix, "//") != NULL || strstr(l->prefix, "../") == l->prefix ||
	              strstr(l->prefix, "/../") != NULL || strstr(l->prefix, "/./") != NULL ||
	              strncmp(l->prefix, "./", 2) == 0))
		__builtin_trap();
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	vouch_logstore_loc loc;
	char *s;

	if (size < 1 || size > 4096)
		return 0;
	if ((s = malloc(size)) == NULL)
		return 0;
	memcpy(s, data + 1, size - 1);
	s[size - 1] = '\0';
	if (data[0] & 1) {
		if (vouch_logstore_endpoint_check(s, NULL) == VOUCH_OK &&
		    strncmp(s, "http://", 7) != 0 && strncmp(s, "https://", 8) != 0)
			__builtin_trap();
	} else if (vouch_logstore_loc_parse(s, &loc, NULL) == VOUCH_OK) {
		check_loc(&loc, s);
	}
	free(s);
	return 0;
}
