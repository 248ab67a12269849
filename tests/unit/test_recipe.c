/* test_recipe.c - recipe parsing and validation. */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "harness.h"
#include "vouch/vouch.h"

#define TREE "c0839657925ff3bb1cd59b10f4a930d08de8bc413c949d4ab13fd58d2bc020e9"
#define SHA "2228f229264db4b38468595e2cc1e5ae9d2c84bad4b3dcfcdb59a85d03b5947d"

/* A valid recipe with one member replaced: "@KEY@" markers in the template
 * below are substituted by the caller. */
static const char base_head[] = "{\"vouchRecipe\":1,\"name\":\"hello\",\"version\":\"1.0\",";
static const char base_source[] =
	"\"source\":{\"path\":\"hello.tar\",\"digest\":{\"sha256\":\"" SHA "\","
	"\"vouchTree256\":\"" TREE "\"}},";
static const char base_env[] = "\"environment\":\"host\",";
static const char base_rest[] =
	"\"sourceDateEpoch\":1700000000,\"workdir\":\"/build/hello-1.0\","
	"\"env\":{\"CFLAGS\":\"-O2\",\"A\":\"1\"},"
	"\"steps\":[[\"make\"],[\"make\",\"install\",\"PREFIX=/out\"]],"
	"\"outputs\":[\"bin/hello\",\"*.txt\"]";

static int
parse_str(const char *s, vouch_recipe **r, vouch_err *e)
{
	vouch_err_clear(e);
	*r = NULL;
	return vouch_recipe_parse(s, strlen(s), r, e);
}

static char *
compose(const char *source, const char *env, const char *rest, const char *extra)
{
	size_t n = strlen(base_head) + strlen(source) + strlen(env) + strlen(rest) +
	    strlen(extra) + 4;
	char *s = malloc(n);

	CU_ASSERT_PTR_NOT_NULL_FATAL(s);
	snprintf(s, n, "%s%s%s%s%s}", base_head, source, env, rest, extra);
	return s;
}

static int
try_recipe(const char *source, const char *env, const char *rest, const char *extra,
           char *msg, size_t msgcap)
{
	char *s = compose(source, env, rest, extra);
	vouch_recipe *r = NULL;
	vouch_err e;
	int rc = parse_str(s, &r, &e);

	CU_ASSERT_TRUE(rc == VOUCH_OK ? r != NULL : r == NULL);
	if (msg != NULL)
		snprintf(msg, msgcap, "%s", vouch_err_msg(&e));
	vouch_recipe_free(r);
	free(s);
	return rc;
}

static void
test_valid(void)
{
	char *s = compose(base_source, base_env, base_rest, "");
	vouch_recipe *r = NULL;
	vouch_err e;

	CU_ASSERT_EQUAL_FATAL(parse_str(s, &r, &e), VOUCH_OK);
	CU_ASSERT_STRING_EQUAL(r->name, "hello");
	CU_ASSERT_STRING_EQUAL(r->version, "1.0");
	CU_ASSERT_STRING_EQUAL(r->source_path, "hello.tar");
	CU_ASSERT_PTR_NULL(r->source_uri);
	CU_ASSERT_TRUE(r->has_source_sha256 && r->has_source_tree);
	CU_ASSERT_EQUAL(r->source_tree[0], 0xc0);
	CU_ASSERT_EQUAL(r->source_sha256[31], 0x7d);
	CU_ASSERT_TRUE(r->env_host);
	CU_ASSERT_EQUAL(r->source_date_epoch, 1700000000);
	CU_ASSERT_STRING_EQUAL(r->workdir, "/build/hello-1.0");
	CU_ASSERT_EQUAL(r->n_env, 2);
	CU_ASSERT_STRING_EQUAL(r->env[0], "A=1");          /* sorted */
	CU_ASSERT_STRING_EQUAL(r->env[1], "CFLAGS=-O2");
	CU_ASSERT_EQUAL(r->n_steps, 2);
	CU_ASSERT_EQUAL(r->steps[1].argc, 3);
	CU_ASSERT_STRING_EQUAL(r->steps[1].argv[2], "PREFIX=/out");
	CU_ASSERT_PTR_NULL(r->steps[1].argv[3]);
	CU_ASSERT_EQUAL(r->n_outputs, 2);
	CU_ASSERT_EQUAL(r->limits.timeout_seconds, 3600);  /* defaults */
	CU_ASSERT_EQUAL(r->limits.max_processes, 1024);
	{
		uint8_t d[32];
		CU_ASSERT_EQUAL(vouch_sha256(s, strlen(s), d, NULL), VOUCH_OK);
		CU_ASSERT_EQUAL(memcmp(d, r->digest, 32), 0);
	}
	vouch_recipe_free(r);
	free(s);
}

static void
test_environment_forms(void)
{
	char msg[VOUCH_ERR_MSG_MAX];

	CU_ASSERT_EQUAL(try_recipe(base_source, "\"environment\":{\"rootfs\":\"d.tar\","
	    "\"digest\":{\"sha256\":\"" SHA "\"}},", base_rest, "", NULL, 0), VOUCH_OK);
	CU_ASSERT_EQUAL(try_recipe(base_source, "\"environment\":{\"rootfs\":\"/srv/root\","
	    "\"digest\":{\"vouchTree256\":\"" TREE "\"}},", base_rest, "", NULL, 0), VOUCH_OK);
	CU_ASSERT_EQUAL(try_recipe(base_source, "\"environment\":\"docker\",", base_rest, "",
	    msg, sizeof(msg)), VOUCH_EINPUT);
	CU_ASSERT_PTR_NOT_NULL(strstr(msg, "unknown environment 'docker'"));
	CU_ASSERT_EQUAL(try_recipe(base_source, "\"environment\":{\"rootfs\":\"d.tar\"},",
	    base_rest, "", msg, sizeof(msg)), VOUCH_EINPUT);
	CU_ASSERT_PTR_NOT_NULL(strstr(msg, "environment.digest"));
	CU_ASSERT_EQUAL(try_recipe(base_source, "\"environment\":{\"rootfs\":\"d.tar\","
	    "\"digest\":{\"sha256\":\"" SHA "\",\"vouchTree256\":\"" TREE "\"}},", base_rest, "",
	    NULL, 0), VOUCH_EINPUT);
	CU_ASSERT_EQUAL(try_recipe(base_source, "\"environment\":{\"rootfs\":\"d.tar\","
	    "\"digest\":{\"md5\":\"00\"}},", base_rest, "", NULL, 0), VOUCH_EINPUT);
}

static void
test_source_rules(void)
{
	char msg[VOUCH_ERR_MSG_MAX];

	CU_ASSERT_EQUAL(try_recipe("\"source\":{\"uri\":\"https://example.org/h.tar\","
	    "\"digest\":{\"sha256\":\"" SHA "\"}},", base_env, base_rest, "", NULL, 0), VOUCH_OK);
	CU_ASSERT_EQUAL(try_recipe("\"source\":{\"digest\":{\"sha256\":\"" SHA "\"}},", base_env,
	    base_rest, "", msg, sizeof(msg)), VOUCH_EINPUT);
	CU_ASSERT_PTR_NOT_NULL(strstr(msg, "'path' or a 'uri'"));
	CU_ASSERT_EQUAL(try_recipe("\"source\":{\"path\":\"x\"},", base_env, base_rest, "", msg,
	    sizeof(msg)), VOUCH_EINPUT);
	CU_ASSERT_PTR_NOT_NULL(strstr(msg, "source.digest"));
	CU_ASSERT_EQUAL(try_recipe("\"source\":{\"path\":\"x\",\"digest\":{}},", base_env,
	    base_rest, "", NULL, 0), VOUCH_EINPUT);
	/* uppercase hex is refused: digests compare as bytes, never as text */
	CU_ASSERT_EQUAL(try_recipe("\"source\":{\"path\":\"x\",\"digest\":{\"sha256\":"
	    "\"2228F229264DB4B38468595E2CC1E5AE9D2C84BAD4B3DCFCDB59A85D03B5947D\"}},", base_env,
	    base_rest, "", NULL, 0), VOUCH_EINPUT);
	CU_ASSERT_EQUAL(try_recipe("\"source\":{\"path\":\"x\",\"digest\":{\"sha256\":\"abc\"}},",
	    base_env, base_rest, "", NULL, 0), VOUCH_EINPUT);
	CU_ASSERT_EQUAL(try_recipe("\"source\":{\"path\":\"a\\nb\",\"digest\":{\"sha256\":\"" SHA
	    "\"}},", base_env, base_rest, "", NULL, 0), VOUCH_EINPUT);
}

static void
test_rejects(void)
{
	static const char *const bad_rest[] = {
		/* workdir outside /build, with dots, trailing slash */
		"\"sourceDateEpoch\":1,\"workdir\":\"/home/x\",\"steps\":[[\"true\"]],\"outputs\":[\"a\"]",
		"\"sourceDateEpoch\":1,\"workdir\":\"/build/../etc\",\"steps\":[[\"true\"]],\"outputs\":[\"a\"]",
		"\"sourceDateEpoch\":1,\"workdir\":\"/build/a/\",\"steps\":[[\"true\"]],\"outputs\":[\"a\"]",
		"\"sourceDateEpoch\":1,\"workdir\":\"/build\",\"steps\":[[\"true\"]],\"outputs\":[\"a\"]",
		/* epoch */
		"\"sourceDateEpoch\":-1,\"workdir\":\"/build/a\",\"steps\":[[\"true\"]],\"outputs\":[\"a\"]",
		"\"sourceDateEpoch\":1.5,\"workdir\":\"/build/a\",\"steps\":[[\"true\"]],\"outputs\":[\"a\"]",
		"\"sourceDateEpoch\":\"1\",\"workdir\":\"/build/a\",\"steps\":[[\"true\"]],\"outputs\":[\"a\"]",
		"\"workdir\":\"/build/a\",\"steps\":[[\"true\"]],\"outputs\":[\"a\"]",
		/* steps */
		"\"sourceDateEpoch\":1,\"workdir\":\"/build/a\",\"steps\":[],\"outputs\":[\"a\"]",
		"\"sourceDateEpoch\":1,\"workdir\":\"/build/a\",\"steps\":[[]],\"outputs\":[\"a\"]",
		"\"sourceDateEpoch\":1,\"workdir\":\"/build/a\",\"steps\":[[\"\"]],\"outputs\":[\"a\"]",
		"\"sourceDateEpoch\":1,\"workdir\":\"/build/a\",\"steps\":[\"make\"],\"outputs\":[\"a\"]",
		"\"sourceDateEpoch\":1,\"workdir\":\"/build/a\",\"steps\":[[\"make\",1]],\"outputs\":[\"a\"]",
		/* outputs */
		"\"sourceDateEpoch\":1,\"workdir\":\"/build/a\",\"steps\":[[\"true\"]],\"outputs\":[]",
		"\"sourceDateEpoch\":1,\"workdir\":\"/build/a\",\"steps\":[[\"true\"]],\"outputs\":[\"/etc/passwd\"]",
		"\"sourceDateEpoch\":1,\"workdir\":\"/build/a\",\"steps\":[[\"true\"]],\"outputs\":[\"../x\"]",
		"\"sourceDateEpoch\":1,\"workdir\":\"/build/a\",\"steps\":[[\"true\"]],\"outputs\":[\"a/./b\"]",
		"\"sourceDateEpoch\":1,\"workdir\":\"/build/a\",\"steps\":[[\"true\"]],\"outputs\":[\"a//b\"]",
		"\"sourceDateEpoch\":1,\"workdir\":\"/build/a\",\"steps\":[[\"true\"]],\"outputs\":[\"\"]",
		/* env */
		"\"sourceDateEpoch\":1,\"workdir\":\"/build/a\",\"env\":{\"TZ\":\"x\"},\"steps\":[[\"true\"]],\"outputs\":[\"a\"]",
		"\"sourceDateEpoch\":1,\"workdir\":\"/build/a\",\"env\":{\"SOURCE_DATE_EPOCH\":\"2\"},\"steps\":[[\"true\"]],\"outputs\":[\"a\"]",
		"\"sourceDateEpoch\":1,\"workdir\":\"/build/a\",\"env\":{\"A-B\":\"x\"},\"steps\":[[\"true\"]],\"outputs\":[\"a\"]",
		"\"sourceDateEpoch\":1,\"workdir\":\"/build/a\",\"env\":{\"A\":1},\"steps\":[[\"true\"]],\"outputs\":[\"a\"]",
		"\"sourceDateEpoch\":1,\"workdir\":\"/build/a\",\"env\":[\"A=1\"],\"steps\":[[\"true\"]],\"outputs\":[\"a\"]",
		/* limits */
		"\"sourceDateEpoch\":1,\"workdir\":\"/build/a\",\"steps\":[[\"true\"]],\"outputs\":[\"a\"],\"limits\":{\"timeoutSeconds\":0}",
		"\"sourceDateEpoch\":1,\"workdir\":\"/build/a\",\"steps\":[[\"true\"]],\"outputs\":[\"a\"],\"limits\":{\"memoryBytes\":1}",
		"\"sourceDateEpoch\":1,\"workdir\":\"/build/a\",\"steps\":[[\"true\"]],\"outputs\":[\"a\"],\"limits\":{\"cpus\":1}",
		"\"sourceDateEpoch\":1,\"workdir\":\"/build/a\",\"steps\":[[\"true\"]],\"outputs\":[\"a\"],\"limits\":{\"maxProcesses\":7}",
		/* unknown member, duplicate and case-variant keys */
		"\"sourceDateEpoch\":1,\"workdir\":\"/build/a\",\"steps\":[[\"true\"]],\"outputs\":[\"a\"],\"network\":true",
		"\"sourceDateEpoch\":1,\"workdir\":\"/build/a\",\"steps\":[[\"true\"]],\"outputs\":[\"a\"],\"outputs\":[\"b\"]",
		"\"sourceDateEpoch\":1,\"workdir\":\"/build/a\",\"steps\":[[\"true\"]],\"outputs\":[\"a\"],\"Steps\":[[\"x\"]]",
		NULL
	};

	for (size_t i = 0; bad_rest[i] != NULL; i++) {
		int rc = try_recipe(base_source, base_env, bad_rest[i], "", NULL, 0);
		if (rc == VOUCH_OK)
			fprintf(stderr, "accepted bad recipe %zu: %s\n", i, bad_rest[i]);
		CU_ASSERT_NOT_EQUAL(rc, VOUCH_OK);
	}
}

static void
test_head_rules(void)
{
	static const char *const bad[] = {
		"[]", "{}", "",
		"{\"vouchRecipe\":2,\"name\":\"a\",\"version\":\"1\"}",
		"{\"vouchRecipe\":1,\"name\":\"-a\",\"version\":\"1\"}",
		"{\"vouchRecipe\":1,\"name\":\"a b\",\"version\":\"1\"}",
		"{\"vouchRecipe\":1,\"name\":\"a\",\"version\":\"\"}",
		NULL
	};
	vouch_recipe *r;
	vouch_err e;

	for (size_t i = 0; bad[i] != NULL; i++) {
		CU_ASSERT_NOT_EQUAL(parse_str(bad[i], &r, &e), VOUCH_OK);
		CU_ASSERT_PTR_NULL(r);
		CU_ASSERT_TRUE(strlen(vouch_err_msg(&e)) > 0);
	}
	CU_ASSERT_EQUAL(vouch_recipe_output_ok("bin/hello"), 0);
	CU_ASSERT_EQUAL(vouch_recipe_output_ok("*.deb"), 0);
	CU_ASSERT_EQUAL(vouch_recipe_output_ok(".hidden"), 0);
	CU_ASSERT_NOT_EQUAL(vouch_recipe_output_ok("a/.."), 0);
	CU_ASSERT_NOT_EQUAL(vouch_recipe_output_ok("a/"), 0);
}

static void
test_bounds(void)
{
	/* more steps than allowed */
	size_t n = VOUCH_RECIPE_MAX_STEPS + 1, cap = 64 + n * 12;
	char *rest = malloc(cap + 256);
	size_t len;

	CU_ASSERT_PTR_NOT_NULL_FATAL(rest);
	len = (size_t)snprintf(rest, cap, "\"sourceDateEpoch\":1,\"workdir\":\"/build/a\","
	    "\"steps\":[");
	for (size_t i = 0; i < n; i++)
		len += (size_t)snprintf(rest + len, cap - len, "%s[\"true\"]", i ? "," : "");
	snprintf(rest + len, cap + 256 - len, "],\"outputs\":[\"a\"]");
	CU_ASSERT_EQUAL(try_recipe(base_source, base_env, rest, "", NULL, 0), VOUCH_ELIMIT);
	free(rest);
}

static void
test_load_file(void)
{
	char path[4096];
	char *s = compose(base_source, base_env, base_rest, "");
	vouch_recipe *r = NULL;
	vouch_err e;
	FILE *f;

	snprintf(path, sizeof(path), "%s/r.json", test_tmpdir());
	f = fopen(path, "w");
	CU_ASSERT_PTR_NOT_NULL_FATAL(f);
	fputs(s, f);
	fclose(f);
	vouch_err_clear(&e);
	CU_ASSERT_EQUAL(vouch_recipe_load(path, &r, &e), VOUCH_OK);
	vouch_recipe_free(r);
	r = NULL;
	snprintf(path, sizeof(path), "%s/missing.json", test_tmpdir());
	CU_ASSERT_NOT_EQUAL(vouch_recipe_load(path, &r, &e), VOUCH_OK);
	CU_ASSERT_PTR_NULL(r);
	free(s);
}

/* every limit has a name for messages, and the names are distinct */
static void
test_limit_names(void)
{
	static const int limits[] = { VOUCH_LIMIT_TIMEOUT, VOUCH_LIMIT_MEMORY,
		VOUCH_LIMIT_PROCESSES, VOUCH_LIMIT_OUTPUT, VOUCH_LIMIT_DISK, VOUCH_LIMIT_LOG,
		VOUCH_LIMIT_OPEN_FILES };
	size_t n = sizeof(limits) / sizeof(limits[0]);

	CU_ASSERT_STRING_EQUAL(vouch_sandbox_limit_name(VOUCH_LIMIT_NONE), "none");
	CU_ASSERT_STRING_EQUAL(vouch_sandbox_limit_name(VOUCH_LIMIT_OPEN_FILES), "open files");
	CU_ASSERT_STRING_EQUAL(vouch_sandbox_limit_name(VOUCH_LIMIT_PROCESSES), "processes");
	for (size_t i = 0; i < n; i++) {
		CU_ASSERT_STRING_NOT_EQUAL(vouch_sandbox_limit_name(limits[i]), "none");
		for (size_t j = i + 1; j < n; j++)
			CU_ASSERT_STRING_NOT_EQUAL(vouch_sandbox_limit_name(limits[i]),
			    vouch_sandbox_limit_name(limits[j]));
	}
}

static void
test_clock(void)
{
	static const char *const bad[] = {
		",\"clock\":\"now\"", ",\"clock\":1700000000", ",\"clock\":{}",
		",\"clock\":{\"startsAt\":-1}", ",\"clock\":{\"startsAt\":\"1\"}",
		",\"clock\":{\"startsAt\":1,\"rate\":2}", ",\"clock\":{\"startsAt\":1.5}",
		",\"clock\":{\"startsAt\":253402300800}", NULL
	};
	vouch_recipe *r = NULL;
	vouch_err e;
	char *s;
	char msg[VOUCH_ERR_MSG_MAX];

	s = compose(base_source, base_env, base_rest, ",\"clock\":\"sourceDateEpoch\"");
	CU_ASSERT_EQUAL_FATAL(parse_str(s, &r, &e), VOUCH_OK);
	CU_ASSERT_TRUE(r->has_clock && r->clock_from_sde);
	CU_ASSERT_EQUAL(r->clock_epoch, 1700000000);
	vouch_recipe_free(r);
	free(s);
	s = compose(base_source, base_env, base_rest, ",\"clock\":{\"startsAt\":946684800}");
	CU_ASSERT_EQUAL_FATAL(parse_str(s, &r, &e), VOUCH_OK);
	CU_ASSERT_TRUE(r->has_clock && !r->clock_from_sde);
	CU_ASSERT_EQUAL(r->clock_epoch, 946684800);
	vouch_recipe_free(r);
	free(s);
	s = compose(base_source, base_env, base_rest, "");
	CU_ASSERT_EQUAL_FATAL(parse_str(s, &r, &e), VOUCH_OK);
	CU_ASSERT_FALSE(r->has_clock);
	vouch_recipe_free(r);
	free(s);
	for (size_t i = 0; bad[i] != NULL; i++)
		CU_ASSERT_EQUAL(try_recipe(base_source, base_env, base_rest, bad[i], NULL, 0),
		    VOUCH_EINPUT);
	/* the clock's variables belong to it */
	CU_ASSERT_EQUAL(try_recipe(base_source, base_env,
	    "\"sourceDateEpoch\":1,\"workdir\":\"/build/a\",\"env\":{\"FAKETIME\":\"-1d\"},"
	    "\"steps\":[[\"true\"]],\"outputs\":[\"a\"]", ",\"clock\":\"sourceDateEpoch\"",
	    msg, sizeof(msg)), VOUCH_EINPUT);
	CU_ASSERT_PTR_NOT_NULL(strstr(msg, "'env.FAKETIME' is set by the fixed clock"));
	/* without a clock they are the recipe's to set */
	CU_ASSERT_EQUAL(try_recipe(base_source, base_env,
	    "\"sourceDateEpoch\":1,\"workdir\":\"/build/a\",\"env\":{\"FAKETIME\":\"-1d\"},"
	    "\"steps\":[[\"true\"]],\"outputs\":[\"a\"]", "", NULL, 0), VOUCH_OK);
}

static void
test_files(void)
{
	static const char *const bad[] = {
		"\"source\":{\"files\":[]},",
		"\"source\":{\"files\":{}},",
		"\"source\":{\"files\":[{\"digest\":{\"sha256\":\"" SHA "\"}}]},",
		"\"source\":{\"files\":[{\"path\":\"a\"}]},",
		"\"source\":{\"files\":[{\"path\":\"a\",\"digest\":{}}]},",
		"\"source\":{\"files\":[{\"path\":\"a/\",\"digest\":{\"sha256\":\"" SHA "\"}}]},",
		"\"source\":{\"files\":[{\"path\":\"..\",\"digest\":{\"sha256\":\"" SHA "\"}}]},",
		"\"source\":{\"files\":[{\"path\":\"a\",\"name\":\"x/y\",\"digest\":{\"sha256\":\"" SHA "\"}}]},",
		"\"source\":{\"files\":[{\"path\":\"a\",\"digest\":{\"sha256\":\"" SHA "\"},\"mode\":1}]},",
		"\"source\":{\"files\":[{\"path\":\"a\",\"digest\":{\"sha256\":\"" SHA "\"}}],\"path\":\"b\"},",
		"\"source\":{\"files\":[{\"path\":\"a\",\"digest\":{\"sha256\":\"" SHA "\"}}],"
		"\"digest\":{\"sha256\":\"" SHA "\"}},",
		"\"source\":{\"files\":[{\"path\":\"d/a\",\"digest\":{\"sha256\":\"" SHA "\"}},"
		"{\"uri\":\"https://x/a?y\",\"digest\":{\"sha256\":\"" SHA "\"}}]},",
		NULL
	};
	const char *good = "\"source\":{\"files\":[{\"path\":\"d/x_1.0-1.dsc\",\"digest\":"
	    "{\"sha256\":\"" SHA "\"}},{\"uri\":\"https://h/p/x_1.0~rc1.orig.tar.gz?dl=1\","
	    "\"digest\":{\"sha256\":\"" SHA "\"}},{\"path\":\"y\",\"name\":\"renamed\","
	    "\"digest\":{\"sha256\":\"" SHA "\"}}],\"digest\":{\"vouchTree256\":\"" TREE "\"}},";
	vouch_recipe *r = NULL;
	vouch_err e;
	char *s = compose(good, base_env, base_rest, "");

	CU_ASSERT_EQUAL_FATAL(parse_str(s, &r, &e), VOUCH_OK);
	CU_ASSERT_EQUAL_FATAL(r->n_source_files, 3);
	CU_ASSERT_STRING_EQUAL(r->source_files[0].name, "x_1.0-1.dsc");
	CU_ASSERT_STRING_EQUAL(r->source_files[0].path, "d/x_1.0-1.dsc");
	CU_ASSERT_PTR_NULL(r->source_files[0].uri);
	CU_ASSERT_STRING_EQUAL(r->source_files[1].name, "x_1.0~rc1.orig.tar.gz");
	CU_ASSERT_PTR_NULL(r->source_files[1].path);
	CU_ASSERT_STRING_EQUAL(r->source_files[2].name, "renamed");
	CU_ASSERT_TRUE(r->has_source_tree && !r->has_source_sha256);
	CU_ASSERT_PTR_NULL(r->source_path);
	vouch_recipe_free(r);
	free(s);
	for (size_t i = 0; bad[i] != NULL; i++) {
		int rc = try_recipe(bad[i], base_env, base_rest, "", NULL, 0);
		if (rc == VOUCH_OK)
			fprintf(stderr, "accepted bad files %zu: %s\n", i, bad[i]);
		CU_ASSERT_NOT_EQUAL(rc, VOUCH_OK);
	}
}

static const struct test_case cases[] = {
	{ "recipe: a valid recipe", test_valid },
	{ "recipe: environment forms", test_environment_forms },
	{ "recipe: source rules", test_source_rules },
	{ "recipe: rejects bad members", test_rejects },
	{ "recipe: head and output rules", test_head_rules },
	{ "recipe: bounds", test_bounds },
	{ "recipe: clock", test_clock },
	{ "recipe: source files", test_files },
	{ "recipe: load from a file", test_load_file },
	{ "sandbox: limit names", test_limit_names },
	{ NULL, NULL }
};

int
main(void)
{
	return test_run("recipe", cases);
}
