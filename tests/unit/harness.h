/* harness.h - the shared CUnit runner for the unit test programs. */
#ifndef VOUCH_TEST_HARNESS_H
#define VOUCH_TEST_HARNESS_H

#include <stddef.h>
#include <CUnit/CUnit.h>

struct test_case {
	const char *name;
	void (*fn)(void);
};

/* Run the cases as one suite; returns the process exit status: 0 when every
 * assertion passed, 1 when any failed, 2 when CUnit itself failed. */
int test_run(const char *suite, const struct test_case *cases);

/* Path of a test vector file (VOUCH_TESTVECTORS/name); aborts the
 * test program (exit 2) when the directory is not configured or absent. */
const char *test_vector_path(const char *name);

/* A fresh temporary directory, removed (recursively) at exit. */
const char *test_tmpdir(void);

/* Read a whole file into a malloc'd NUL-terminated buffer; aborts on error. */
char *test_slurp(const char *path, size_t *len);

#endif
