/* fuzz_compare.c - libFuzzer harness for archive pairing and the compare
 * engine: the input is split into two files A and B (first byte picks the
 * split point), compared with small limits, and every rendering is made. */
#include "config.h"

#include <fcntl.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "vouch/vouch.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static char dir[] = "/tmp/vouch-fuzz-compare.XXXXXX";
static char fa[64], fb[64];

static int
put(const char *path, const uint8_t *p, size_t n)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600), rc;

	if (fd < 0)
		return VOUCH_EIO;
	rc = vouch_write_all(fd, p, n, path, NULL); /* no fsync: speed */
	close(fd);
	return rc;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct vouch_compare_opts o;
	vouch_compare_report *r = NULL;
	vouch_buf b;
	size_t split;

	if (fa[0] == '\0') {
		if (mkdtemp(dir) == NULL)
			abort();
		snprintf(fa, sizeof(fa), "%s/a", dir);
		snprintf(fb, sizeof(fb), "%s/b", dir);
	}
	if (size < 1)
		return 0;
	split = 1 + (size - 1) * data[0] / 255;
	if (put(fa, data + 1, split - 1) != VOUCH_OK || put(fb, data + split, size - split) != VOUCH_OK)
		return 0;
	vouch_compare_opts_init(&o);
	o.max_depth = 4;
	o.max_size = data[0] & 2 ? 4 << 20 : 96; /* tiny limits reach the limit paths */
	o.max_members = data[0] & 4 ? 256 : 3;
	o.max_diff = 4096;
	o.max_text = 1 << 16;
	o.normalize = data[0] & 1 ? VOUCH_NORM_ALL : 0;
	if (vouch_compare(fa, fb, &o, &r, NULL) != VOUCH_OK)
		return 0;
	vouch_buf_init(&b, 0);
	vouch_compare_report_text(r, &b, NULL);
	vouch_buf_reset(&b);
	vouch_compare_report_text_ex(r, VOUCH_CMP_TEXT_VERBOSE, &b, NULL);
	vouch_buf_reset(&b);
	if (vouch_compare_report_json(r, &b, NULL) == VOUCH_OK) {
		cJSON *j = NULL;

		/* the report must be strict JSON whatever the inputs held */
		if (vouch_json_parse((const char *)b.data, b.len - 1, &j, NULL) != VOUCH_OK)
			__builtin_trap();
		cJSON_Delete(j);
	}
	vouch_buf_reset(&b);
	vouch_compare_report_html(r, &b, NULL);
	vouch_buf_free(&b);
	vouch_compare_report_free(r);
	return 0;
}
