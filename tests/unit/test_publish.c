/* test_publish.c - the campaign summary's path and name checks (lib/campaign). */
#include "config.h"

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "harness.h"
#include "vouch/vouch.h"

static void
test_relpath(void)
{
	static const char *const good[] = { "a", "a/b", "reports/x.html", ".hidden", "a..b", "a/.b",
		"..a", NULL };
	static const char *const bad[] = { "", "/a", "..", "../a", "a/..", "a/../b", ".", "./a",
		"a/./b", "a//b", "a/", "a\\b", NULL };

	for (int i = 0; good[i] != NULL; i++)
		CU_ASSERT_TRUE(vouch_campsum_relpath_ok(good[i]));
	for (int i = 0; bad[i] != NULL; i++)
		CU_ASSERT_FALSE(vouch_campsum_relpath_ok(bad[i]));
	CU_ASSERT_FALSE(vouch_campsum_relpath_ok(NULL));
}

static void
test_deb_split(void)
{
	char name[256], version[256];

	CU_ASSERT_EQUAL(vouch_apt_deb_split("hello_2.10-3_amd64.deb", name, version, sizeof(name),
	    NULL), VOUCH_OK);
	CU_ASSERT_STRING_EQUAL(name, "hello");
	CU_ASSERT_STRING_EQUAL(version, "2.10-3");
	CU_ASSERT_EQUAL(vouch_apt_deb_split("libc6-dev_2.36-9+deb12u4~x_all.deb", name, version,
	    sizeof(name), NULL), VOUCH_OK);
	CU_ASSERT_STRING_EQUAL(name, "libc6-dev");
	CU_ASSERT_STRING_EQUAL(version, "2.36-9+deb12u4~x");
	static const char *const bad[] = { "hello.deb", "hello_2.10-3.deb", "hello_2.10-3_amd64",
		"hello_1:2.10-3_amd64.deb", "hello_1%3a2.10-3_amd64.deb", "Hello_1_amd64.deb",
		"hello_1_amd64_x.deb", "_1_amd64.deb", "hello__amd64.deb", "hello_1_.deb",
		"../x_1_amd64.deb", "hello_../1_amd64.deb", "hello_.._amd64.deb", ".deb", NULL };
	for (int i = 0; bad[i] != NULL; i++)
		CU_ASSERT_EQUAL(vouch_apt_deb_split(bad[i], name, version, sizeof(name), NULL),
		    VOUCH_EINPUT);
}

/* Opening beneath a directory: a symbolic link anywhere is refused. */
static void
test_open_beneath(void)
{
	char dir[] = "/tmp/vouch-test-publish.XXXXXX", path[512];
	int dfd, fd = -1;
	vouch_err err;

	CU_ASSERT_PTR_NOT_NULL_FATAL(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/sub", dir);
	CU_ASSERT_EQUAL(mkdir(path, 0755), 0);
	snprintf(path, sizeof(path), "%s/sub/f", dir);
	CU_ASSERT_EQUAL(vouch_write_file_excl(path, "x", 1, 0644, NULL), VOUCH_OK);
	snprintf(path, sizeof(path), "%s/ln", dir);
	CU_ASSERT_EQUAL(symlink("sub", path), 0);
	snprintf(path, sizeof(path), "%s/sub/lf", dir);
	CU_ASSERT_EQUAL(symlink("f", path), 0);
	dfd = open(dir, O_RDONLY | O_DIRECTORY);
	CU_ASSERT_TRUE_FATAL(dfd >= 0);
	CU_ASSERT_EQUAL(vouch_campsum_open(dfd, "sub/f", &fd, NULL), VOUCH_OK);
	CU_ASSERT_TRUE(fd >= 0);
	if (fd >= 0)
		close(fd);
	vouch_err_clear(&err);
	CU_ASSERT_EQUAL(vouch_campsum_open(dfd, "ln/f", &fd, &err), VOUCH_EINPUT);
	CU_ASSERT_PTR_NOT_NULL(strstr(err.msg, "symbolic link"));
	CU_ASSERT_EQUAL(vouch_campsum_open(dfd, "sub/lf", &fd, NULL), VOUCH_EINPUT);
	CU_ASSERT_EQUAL(vouch_campsum_open(dfd, "sub", &fd, NULL), VOUCH_EINPUT);
	CU_ASSERT_EQUAL(vouch_campsum_open(dfd, "sub/nothere", &fd, NULL), VOUCH_EINPUT);
	CU_ASSERT_EQUAL(vouch_campsum_open(dfd, "../etc/passwd", &fd, NULL), VOUCH_EINPUT);
	CU_ASSERT_EQUAL(fd, -1);
	close(dfd);
	snprintf(path, sizeof(path), "rm -rf '%s'", dir);
	CU_ASSERT_EQUAL(system(path), 0);
}

static const struct test_case cases[] = {
	{ "summary relative paths", test_relpath },
	{ "Debian pool names", test_deb_split },
	{ "opening beneath the summary's directory", test_open_beneath },
	{ NULL, NULL }
};

int
main(void)
{
	return test_run("publish", cases);
}
