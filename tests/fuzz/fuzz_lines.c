/* fuzz_lines.c - libFuzzer harness for the JSON Lines reader behind
 * vouch-attest -l.  The first input byte picks the line limit; the lines
 * handed out, rejoined with '\n', must give back the input (or its prefix
 * up to a line over the limit), and none may hold a '\n'.
 *
 * Run (clang, ASan+UBSan, 60 s):
 *   FUZZ_BUILD_DIR=/tmp/build-fuzz tests/fuzz/run.sh 60 lines */
#include "config.h"

#include <stdint.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "vouch/vouch.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *line;
	vouch_lines r;
	size_t max, len, at = 0;
	int fd, rc;

	if (size < 1)
		return 0;
	max = (size_t)data[0] * 600; /* up to 150 KiB: lines span read blocks */
	data++, size--;
	if ((fd = memfd_create("fuzz-lines", 0)) < 0)
		return 0;
	if (write(fd, data, size) != (ssize_t)size || lseek(fd, 0, SEEK_SET) != 0)
		__builtin_trap();
	vouch_lines_init(&r, fd, "fuzz", max);
	while ((rc = vouch_lines_next(&r, &line, &len, NULL)) == VOUCH_OK && line != NULL) {
		if (len > max || memchr(line, '\n', len) != NULL || at + len > size ||
		    memcmp(line, data + at, len) != 0)
			__builtin_trap();
		at += len;
		if (at < size && data[at++] != '\n')
			__builtin_trap();
	}
	if (rc == VOUCH_OK ? at != size : rc != VOUCH_ELIMIT)
		__builtin_trap();
	vouch_lines_free(&r);
	close(fd);
	return 0;
}
