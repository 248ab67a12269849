/* fuzz_unpack.c - libFuzzer harness over the whole extraction path.
 *
 * Each input is an archive, extracted into a scratch directory with small
 * limits.  Beyond memory errors it traps when an invariant breaks:
 * - on success, the tree on disk has exactly the digest the extractor
 *   reported (walked independently by vouch_tree_digest_dir);
 * - on failure, nothing is left in the scratch directory (no target, no
 *   temporary directory);
 * - either way nothing appears next to the scratch directory.
 */
#include "config.h"

#include <dirent.h>
#include <fcntl.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "vouch/vouch.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerInitialize(int *argc, char ***argv);

/* libarchive's readers reserve buffers as large as a header claims (a cpio
 * name size of 4 GiB gives one malloc of 4 GiB, never touched because the
 * data is not there).  That is address space, not memory: raise libFuzzer's
 * per-malloc limit above it while -rss_limit_mb still catches real growth.
 * Nothing is changed when the caller set -malloc_limit_mb. */
int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	static char flag[] = "-malloc_limit_mb=8192";
	static char *args[256];
	int n = *argc;

	if (n < 1 || n > 250)
		return 0;
	for (int i = 1; i < n; i++)
		if (strncmp((*argv)[i], "-malloc_limit_mb=", 17) == 0)
			return 0;
	for (int i = 0; i < n; i++)
		args[i] = (*argv)[i];
	/* flags must come before the corpus directories */
	memmove(args + 2, args + 1, (size_t)(n - 1) * sizeof(*args));
	args[1] = flag;
	args[n + 1] = NULL;
	*argc = n + 1;
	*argv = args;
	return 0;
}

static char base[64];      /* <tmp>/vouch-fuzz-unpack.XXXXXX */
static char scratch[96];   /* base/s: the target's parent */
static char target[128];   /* scratch/t */

static int
entries_in(const char *dir)
{
	DIR *d = opendir(dir);
	struct dirent *de;
	int n = 0;

	if (d == NULL)
		return -1;
	while ((de = readdir(d)) != NULL)
		if (strcmp(de->d_name, ".") != 0 && strcmp(de->d_name, "..") != 0)
			n++;
	closedir(d);
	return n;
}

static void
setup(void)
{
	snprintf(base, sizeof(base), "/tmp/vouch-fuzz-unpack.XXXXXX");
	if (mkdtemp(base) == NULL)
		abort();
	snprintf(scratch, sizeof(scratch), "%s/s", base);
	snprintf(target, sizeof(target), "%s/t", scratch);
	if (mkdir(scratch, 0700) != 0)
		abort();
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	vouch_unpack_opts o;
	vouch_unpack_result r;
	uint8_t md[32];
	int fd, rc;

	if (base[0] == '\0')
		setup();
	fd = memfd_create("fuzz-archive", MFD_CLOEXEC);
	if (fd < 0 || (size > 0 && write(fd, data, size) != (ssize_t)size))
		abort();
	vouch_unpack_opts_default(&o);
	o.max_total_bytes = 8 << 20;
	o.max_entry_size = 4 << 20;
	o.max_entries = 2000;
	o.max_depth = 32;
	o.max_path_len = 1024;
	o.max_ratio = 100;
	o.ratio_grace = 1 << 20;
	o.portable = size > 0 && (data[0] & 1);
	o.allow_external_links = size > 0 && (data[0] & 2);
	memset(&r, 0, sizeof(r));
	rc = vouch_unpack_fd(fd, "fuzz", target, &o, &r, NULL);
	close(fd);
	if (rc == VOUCH_OK) {
		vouch_buf b;

		if (vouch_tree_digest_dir(target, md, NULL) != VOUCH_OK ||
		    memcmp(md, r.tree, 32) != 0)
			__builtin_trap();
		vouch_buf_init(&b, 0);
		if (vouch_unpack_result_json(&r, "fuzz", &b, NULL) != VOUCH_OK)
			__builtin_trap();
		vouch_buf_free(&b);
		vouch_unpack_result_free(&r);
		if (vouch_unpack_remove_tree(target, NULL) != VOUCH_OK)
			abort();
	} else if (entries_in(scratch) != 0) {
		__builtin_trap();
	}
	if (entries_in(base) != 1)
		__builtin_trap();
	return 0;
}
