/* harness.c - the shared CUnit runner. */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <CUnit/Basic.h>

#include "harness.h"

int
test_run(const char *suite, const struct test_case *cases)
{
	CU_pSuite s;
	unsigned failed;

	if (CU_initialize_registry() != CUE_SUCCESS)
		return 2;
	s = CU_add_suite(suite, NULL, NULL);
	if (s == NULL)
		goto fail;
	for (const struct test_case *c = cases; c->name != NULL; c++)
		if (CU_add_test(s, c->name, c->fn) == NULL)
			goto fail;
	CU_basic_set_mode(CU_BRM_VERBOSE);
	if (CU_basic_run_tests() != CUE_SUCCESS)
		goto fail;
	failed = CU_get_number_of_failures() + CU_get_number_of_tests_failed();
	if (CU_get_number_of_tests_run() == 0)
		failed = 1; /* a suite that ran nothing proves nothing */
	CU_cleanup_registry();
	return failed != 0 ? 1 : 0;
fail:
	fprintf(stderr, "%s: CUnit error: %s\n", suite, CU_get_error_msg());
	CU_cleanup_registry();
	return 2;
}

const char *
test_vector_path(const char *name)
{
	static char path[4096];
	const char *dir = getenv("VOUCH_TESTVECTORS");
	int n;

	if (dir == NULL || *dir == '\0') {
		fprintf(stderr, "VOUCH_TESTVECTORS is not set (run through make check)\n");
		exit(2);
	}
	n = snprintf(path, sizeof(path), "%s/%s", dir, name);
	if (n < 0 || (size_t)n >= sizeof(path) || access(path, R_OK) != 0) {
		fprintf(stderr, "test vector '%s' not found in '%s'\n", name, dir);
		exit(2);
	}
	return path;
}

static char tmpdir_path[256];

static void
remove_tmpdir(void)
{
	char cmd[300];

	if (tmpdir_path[0] == '\0')
		return;
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", tmpdir_path);
	if (system(cmd) != 0)
		fprintf(stderr, "warning: could not remove %s\n", tmpdir_path);
}

const char *
test_tmpdir(void)
{
	if (tmpdir_path[0] != '\0')
		return tmpdir_path;
	snprintf(tmpdir_path, sizeof(tmpdir_path), "%s/vouch-test.XXXXXX",
	    getenv("TMPDIR") != NULL ? getenv("TMPDIR") : "/tmp");
	if (mkdtemp(tmpdir_path) == NULL) {
		perror("mkdtemp");
		exit(2);
	}
	atexit(remove_tmpdir);
	return tmpdir_path;
}

char *
test_slurp(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	char *buf = NULL;
	long n;

	if (f == NULL || fseek(f, 0, SEEK_END) != 0 || (n = ftell(f)) < 0 ||
	    fseek(f, 0, SEEK_SET) != 0 || (buf = malloc((size_t)n + 1)) == NULL ||
	    fread(buf, 1, (size_t)n, f) != (size_t)n) {
		fprintf(stderr, "cannot read %s\n", path);
		exit(2);
	}
	fclose(f);
	buf[n] = '\0';
	if (len != NULL)
		*len = (size_t)n;
	return buf;
}
