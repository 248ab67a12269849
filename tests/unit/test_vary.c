/* test_vary.c - variation names and lists, the settings each gives, the
 * files and variables the sandbox sees, and the reversed directory order. */
#include "config.h"

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <dirent.h>
#include <unistd.h>
#include <sys/stat.h>

#include "harness.h"
#include "vouch/vouch.h"

static void
test_parse(void)
{
	vouch_err e;
	unsigned s = 0;
	char l[256];

	vouch_err_clear(&e);
	CU_ASSERT_EQUAL(vouch_vary_parse("all", &s, &e), VOUCH_OK);
	CU_ASSERT_EQUAL(s, VOUCH_VARY_ALL);
	CU_ASSERT_EQUAL(vouch_vary_parse("umask,build_path", &s, &e), VOUCH_OK);
	CU_ASSERT_EQUAL(s, VOUCH_VARY_UMASK | VOUCH_VARY_BUILD_PATH);
	CU_ASSERT_STRING_EQUAL(vouch_vary_list(s, l, sizeof(l)), "umask,build_path");
	CU_ASSERT_EQUAL(vouch_vary_parse("all,-kernel,-time", &s, &e), VOUCH_OK);
	CU_ASSERT_EQUAL(s, VOUCH_VARY_ALL & ~(VOUCH_VARY_KERNEL | VOUCH_VARY_TIME));
	CU_ASSERT_EQUAL(vouch_vary_parse("time,bogus", &s, &e), VOUCH_EUSAGE);
	CU_ASSERT_PTR_NOT_NULL(strstr(vouch_err_msg(&e), "'bogus'"));
	vouch_err_clear(&e);
	CU_ASSERT_EQUAL(vouch_vary_parse("umask,-umask", &s, &e), VOUCH_EUSAGE);
	vouch_err_clear(&e);
	CU_ASSERT_EQUAL(vouch_vary_parse("", &s, &e), VOUCH_EUSAGE);
	vouch_err_clear(&e);
	CU_ASSERT_EQUAL(vouch_vary_parse("kernel,", &s, &e), VOUCH_OK);
	CU_ASSERT_EQUAL(s, VOUCH_VARY_KERNEL);
	CU_ASSERT_STRING_EQUAL(vouch_vary_list(0, l, sizeof(l)), "none");
	for (unsigned i = 0; i < VOUCH_VARY_COUNT; i++) {
		CU_ASSERT_PTR_NOT_NULL(vouch_vary_name(1u << i));
		CU_ASSERT_PTR_NOT_NULL(vouch_vary_phrase(1u << i));
	}
	CU_ASSERT_PTR_NULL(vouch_vary_name(1u << VOUCH_VARY_COUNT));
}

static int
env_has(const vouch_vary *v, const char *e)
{
	for (size_t i = 0; i < v->n_env; i++)
		if (strcmp(v->env[i], e) == 0)
			return 1;
	return 0;
}

static void
test_settings(void)
{
	vouch_vary v;
	vouch_err e;
	char buf[512], c[160], x[160];

	vouch_err_clear(&e);
	/* the control's view: no variation, as the sandbox always was */
	CU_ASSERT_EQUAL(vouch_vary_etc(NULL, "hosts", buf, sizeof(buf)), 0);
	CU_ASSERT_STRING_EQUAL(buf, "127.0.0.1\tlocalhost\n::1\tlocalhost\n127.0.1.1\tvouch\n");
	CU_ASSERT_EQUAL(vouch_vary_etc(NULL, "passwd", buf, sizeof(buf)), 0);
	CU_ASSERT_PTR_NOT_NULL(strstr(buf, "\nbuilder:x:1000:1000:"));
	CU_ASSERT_EQUAL(vouch_vary_uid(NULL), 1000u);
	CU_ASSERT_EQUAL(vouch_vary_umask(NULL), 022);
	CU_ASSERT_EQUAL(vouch_vary_etc(NULL, "shadow", buf, sizeof(buf)), -1);
	/* an environment's own groups and users stay (base-passwd's staff),
	 * but not one that is the build user's by name or id */
	{
		static const char g[] = "root:x:0:\nstaff:x:50:\nbuilder:x:7:\nuser:x:1000:\n"
		    "\nnogroup:x:65534:";
		static const char pw[] = "root:x:0:0:root:/root:/bin/bash\n"
		    "u:x:1000:1000::/home/u:/bin/sh\nbin:x:2:2:bin:/bin:/usr/sbin/nologin\n";

		CU_ASSERT_EQUAL(vouch_vary_etc_merge(NULL, "group", g, sizeof(g) - 1, buf,
		    sizeof(buf)), 0);
		CU_ASSERT_STRING_EQUAL(buf, "root:x:0:\nstaff:x:50:\nnogroup:x:65534:\n"
		    "builder:x:1000:\n");
		CU_ASSERT_EQUAL(vouch_vary_etc_merge(NULL, "passwd", pw, sizeof(pw) - 1, buf,
		    sizeof(buf)), 0);
		CU_ASSERT_STRING_EQUAL(buf, "root:x:0:0:root:/root:/bin/bash\n"
		    "bin:x:2:2:bin:/bin:/usr/sbin/nologin\n"
		    "builder:x:1000:1000:vouch builder:/tmp:/bin/sh\n");
		CU_ASSERT_EQUAL(vouch_vary_etc_merge(NULL, "group", g, sizeof(g) - 1, buf, 40), -1);
		CU_ASSERT_EQUAL(vouch_vary_etc_merge(NULL, "group", "a\0b", 3, buf, sizeof(buf)), -1);
		CU_ASSERT_EQUAL(vouch_vary_etc_merge(NULL, "hosts", g, sizeof(g) - 1, buf,
		    sizeof(buf)), 0);
		CU_ASSERT_PTR_NOT_NULL(strstr(buf, "localhost"));
	}

	setenv("VOUCH_FAKETIME_LIB", "/etc/hostname", 1); /* any file will do here */
	CU_ASSERT_EQUAL_FATAL(vouch_vary_init(&v, VOUCH_VARY_ALL, NULL, "/build/p-1.0", &e),
	    VOUCH_OK);
	CU_ASSERT_STRING_EQUAL(v.workdir, "/build/varied-build-path/p-1.0");
	CU_ASSERT_EQUAL(v.uid, VOUCH_VARY_UID);
	CU_ASSERT_EQUAL(v.umask, 002);
	CU_ASSERT_TRUE(env_has(&v, "TZ=<+14>-14"));
	CU_ASSERT_TRUE(env_has(&v, "HOME=/nonexistent/vouch-varied-home"));
	CU_ASSERT_TRUE(env_has(&v, "FAKETIME=+12y"));
	CU_ASSERT_TRUE(env_has(&v, "LD_PRELOAD=" VOUCH_VARY_PRELOAD));
	CU_ASSERT_TRUE(env_has(&v, "USER=vouchvary"));
	CU_ASSERT_TRUE(env_has(&v, "BUILD_TAG=vouch-varied-build"));
	CU_ASSERT_EQUAL(vouch_vary_etc(&v, "hosts", buf, sizeof(buf)), 0);
	CU_ASSERT_PTR_NOT_NULL(strstr(buf, "vouch-varied-host.varied.invalid vouch-varied-host\n"));
	CU_ASSERT_EQUAL(vouch_vary_etc(&v, "group", buf, sizeof(buf)), 0);
	CU_ASSERT_STRING_EQUAL(buf, "root:x:0:\nvouchvary:x:2000:\nnogroup:x:65534:\n");
	for (unsigned i = 0; i < VOUCH_VARY_COUNT; i++)
		CU_ASSERT_EQUAL(vouch_vary_describe(&v, 1u << i, c, sizeof(c), x, sizeof(x)), 0);
	CU_ASSERT_EQUAL(vouch_vary_describe(&v, 1u << VOUCH_VARY_COUNT, c, sizeof(c), x,
	    sizeof(x)), -1);

	/* the variables replace the sandbox's and join a recipe's LD_PRELOAD */
	{
		char *envp[32] = { strdup("TZ=UTC"), strdup("LD_PRELOAD=/x.so"), strdup("A=1"),
			NULL };
		size_t n = 3;

		CU_ASSERT_EQUAL(vouch_vary_env(&v, envp, &n, 32, &e), VOUCH_OK);
		CU_ASSERT_STRING_EQUAL(envp[0], "TZ=<+14>-14");
		CU_ASSERT_STRING_EQUAL(envp[1], "LD_PRELOAD=" VOUCH_VARY_PRELOAD ":/x.so");
		CU_ASSERT_STRING_EQUAL(envp[2], "A=1");
		CU_ASSERT_EQUAL(n, 3 + v.n_env - 2);
		CU_ASSERT_PTR_NULL(envp[n]);
		for (size_t i = 0; i < n; i++)
			free(envp[i]);
	}
	vouch_vary_free(&v);

	/* without libfaketime the clock cannot vary: refused before any build */
	setenv("VOUCH_FAKETIME_LIB", "/nonexistent/libfaketime.so.1", 1);
	vouch_err_clear(&e);
	CU_ASSERT_EQUAL(vouch_vary_init(&v, VOUCH_VARY_TIME, NULL, "/build/p", &e), VOUCH_EINPUT);
	vouch_err_clear(&e);
	CU_ASSERT_EQUAL(vouch_vary_init(&v, VOUCH_VARY_UMASK, NULL, "/build/p", &e), VOUCH_OK);
	CU_ASSERT_PTR_NULL(v.preload_src);
	vouch_vary_free(&v);
	vouch_err_clear(&e);
	CU_ASSERT_EQUAL(vouch_vary_init(&v, VOUCH_VARY_BUILD_PATH, NULL, "/tmp/p", &e),
	    VOUCH_EUSAGE);
	unsetenv("VOUCH_FAKETIME_LIB");
}

/* readdir order of dir, names joined by ' ' */
static void
order(const char *dir, char *out, size_t cap)
{
	DIR *d = opendir(dir);
	struct dirent *e;

	out[0] = '\0';
	CU_ASSERT_PTR_NOT_NULL_FATAL(d);
	while ((e = readdir(d)) != NULL) {
		if (e->d_name[0] == '.')
			continue;
		strncat(out, e->d_name, cap - strlen(out) - 2);
		strncat(out, " ", cap - strlen(out) - 1);
	}
	closedir(d);
}

static void
reverse(const char *s, char *out, size_t cap)
{
	char tmp[256], *w[32];
	size_t n = 0;

	snprintf(tmp, sizeof(tmp), "%s", s);
	for (char *t = strtok(tmp, " "); t != NULL && n < 32; t = strtok(NULL, " "))
		w[n++] = t;
	out[0] = '\0';
	while (n > 0) {
		strncat(out, w[--n], cap - strlen(out) - 2);
		strncat(out, " ", cap - strlen(out) - 1);
	}
}

static void
test_reorder(void)
{
	static const char *const names[] = { "m", "b", "zz", "a", "sub", NULL };
	char dir[512], p[600], before[256], sbefore[256], after[256], want[256];
	vouch_err e;

	/* on tmpfs when /dev/shm is one (what the sandbox's /build is) */
	snprintf(dir, sizeof(dir), "%s/r", access("/dev/shm", W_OK) == 0 ? "/dev/shm" :
	    test_tmpdir());
	snprintf(dir + strlen(dir), sizeof(dir) - strlen(dir), "-%ld", (long)getpid());
	CU_ASSERT_EQUAL_FATAL(mkdir(dir, 0755), 0);
	for (size_t i = 0; names[i] != NULL; i++) {
		snprintf(p, sizeof(p), "%s/%s", dir, names[i]);
		if (strcmp(names[i], "sub") == 0) {
			CU_ASSERT_EQUAL(mkdir(p, 0755), 0);
		} else {
			close(open(p, O_WRONLY | O_CREAT, 0644));
		}
	}
	for (int i = 0; i < 3; i++) {
		snprintf(p, sizeof(p), "%s/sub/%d", dir, i);
		close(open(p, O_WRONLY | O_CREAT, 0644));
	}
	order(dir, before, sizeof(before));
	snprintf(p, sizeof(p), "%s/sub", dir);
	order(p, sbefore, sizeof(sbefore));
	vouch_err_clear(&e);
	CU_ASSERT_EQUAL(vouch_vary_reorder(dir, &e), VOUCH_OK);
	order(dir, after, sizeof(after));
	reverse(before, want, sizeof(want));
	CU_ASSERT_STRING_EQUAL(after, want);
	order(p, after, sizeof(after));
	reverse(sbefore, want, sizeof(want));
	CU_ASSERT_STRING_EQUAL(after, want);
	/* twice is the original order */
	CU_ASSERT_EQUAL(vouch_vary_reorder(dir, &e), VOUCH_OK);
	order(dir, after, sizeof(after));
	CU_ASSERT_STRING_EQUAL(after, before);
	CU_ASSERT_EQUAL(vouch_vary_reorder("/nonexistent-vouch-dir", &e), VOUCH_EIO);
	{
		char cmd[700];
		snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
		CU_ASSERT_EQUAL(system(cmd), 0);
	}
}

int
main(void)
{
	static const struct test_case cases[] = {
		{ "parse and list", test_parse },
		{ "settings, /etc and variables", test_settings },
		{ "reversed directory order", test_reorder },
		{ NULL, NULL }
	};
	return test_run("vary", cases);
}
