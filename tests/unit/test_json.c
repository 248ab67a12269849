/* test_json.c - the strict JSON reader. */
#include "config.h"

#include <string.h>

#include "harness.h"
#include "vouch/vouch.h"

static int
parse(const char *s, size_t len)
{
	cJSON *j = NULL;
	vouch_err e;
	int rc;

	vouch_err_clear(&e);
	rc = vouch_json_parse(s, len, &j, &e);
	CU_ASSERT_TRUE(rc == VOUCH_OK ? j != NULL : j == NULL);
	CU_ASSERT_TRUE(rc == VOUCH_OK || strlen(e.msg) > 0);
	cJSON_Delete(j);
	return rc;
}

#define OK(s) CU_ASSERT_EQUAL(parse(s, strlen(s)), VOUCH_OK)
#define BAD(s) CU_ASSERT_EQUAL(parse(s, strlen(s)), VOUCH_EINPUT)

static void
test_accepts(void)
{
	OK("{}");
	OK("[]");
	OK(" {\"a\": [1, -2.5e+3, 0, true, false, null, \"x\"]} \n");
	OK("\"\\u00e4\\ud83d\\ude00\\n\\/\"");
	OK("{\"a\":{\"a\":1}}"); /* same key at different levels */
	OK("[{\"k\":1},{\"k\":2}]");
	OK("\"caf\xc3\xa9\"");
	OK("0");
}

static void
test_rejects_grammar(void)
{
	BAD("");
	BAD("{");
	BAD("{\"a\":1,}");
	BAD("[1,]");
	BAD("+1");
	BAD("01");
	BAD(".5");
	BAD("1.");
	BAD("1e");
	BAD("'a'");
	BAD("{a:1}");
	BAD("{} {}");
	BAD("{}x");
	BAD("\"a\tb\"");
	BAD("\"\\x\"");
	BAD("tru");
	BAD("NaN");
	BAD("\xef\xbb\xbf{}");
}

static void
test_rejects_strings(void)
{
	BAD("\"\\u0000\"");
	BAD("\"\\ud800\"");
	BAD("\"\\ude00\"");
	BAD("\"\\ud800\\u0041\"");
	BAD("\"\xff\"");
	BAD("\"\xc0\xaf\"");          /* overlong */
	BAD("\"\xed\xa0\x80\"");      /* encoded surrogate */
	BAD("\"\xf4\x90\x80\x80\"");  /* past U+10FFFF */
	CU_ASSERT_EQUAL(parse("\"a\0b\"", 5), VOUCH_EINPUT);
}

static void
test_rejects_keys(void)
{
	cJSON *j = NULL;
	vouch_err e;
	const char *dup = "{\"subject\":1,\"subject\":2}";
	const char *ci = "{\"subject\":1,\"Subject\":2}";

	BAD(dup);
	BAD(ci);
	BAD("{\"a\":{\"x\":1,\"b\":2,\"X\":3}}");
	BAD("[{\"k\":1,\"k\":1}]");
	vouch_err_clear(&e);
	CU_ASSERT_EQUAL(vouch_json_parse(ci, strlen(ci), &j, &e), VOUCH_EINPUT);
	CU_ASSERT_PTR_NOT_NULL(strstr(e.msg, "differ only in case"));
	vouch_err_clear(&e);
	CU_ASSERT_EQUAL(vouch_json_parse(dup, strlen(dup), &j, &e), VOUCH_EINPUT);
	CU_ASSERT_PTR_NOT_NULL(strstr(e.msg, "duplicate key 'subject'"));
}

static void
test_depth(void)
{
	char deep[400];
	int n = VOUCH_JSON_MAX_DEPTH + 2;

	memset(deep, '[', (size_t)n);
	memset(deep + n, ']', (size_t)n);
	CU_ASSERT_EQUAL(parse(deep, 2 * (size_t)n), VOUCH_EINPUT);
	CU_ASSERT_EQUAL(parse(deep + 4, 2 * (size_t)n - 8), VOUCH_OK);
}

static void
test_accessors(void)
{
	const char *s = "{\"s\":\"v\",\"n\":42,\"f\":1.5,\"big\":1e300,\"o\":{},\"a\":[]}";
	cJSON *j = NULL;
	long long v = 0;

	CU_ASSERT_EQUAL_FATAL(vouch_json_parse(s, strlen(s), &j, NULL), VOUCH_OK);
	CU_ASSERT_STRING_EQUAL(vouch_json_get_string(j, "s"), "v");
	CU_ASSERT_PTR_NULL(vouch_json_get_string(j, "n"));
	CU_ASSERT_PTR_NULL(vouch_json_get_string(j, "S"));
	CU_ASSERT_PTR_NOT_NULL(vouch_json_get_object(j, "o"));
	CU_ASSERT_PTR_NULL(vouch_json_get_object(j, "a"));
	CU_ASSERT_PTR_NOT_NULL(vouch_json_get_array(j, "a"));
	CU_ASSERT_EQUAL(vouch_json_get_int(j, "n", 0, 100, &v, NULL), VOUCH_OK);
	CU_ASSERT_EQUAL(v, 42);
	CU_ASSERT_EQUAL(vouch_json_get_int(j, "n", 0, 10, &v, NULL), VOUCH_EINPUT);
	CU_ASSERT_EQUAL(vouch_json_get_int(j, "f", 0, 10, &v, NULL), VOUCH_EINPUT);
	CU_ASSERT_EQUAL(vouch_json_get_int(j, "big", 0, 10, &v, NULL), VOUCH_EINPUT);
	CU_ASSERT_EQUAL(vouch_json_get_int(j, "missing", 0, 10, &v, NULL), VOUCH_EINPUT);
	cJSON_Delete(j);
}

static void
test_utf8(void)
{
	CU_ASSERT_TRUE(vouch_utf8_valid("", 0));
	CU_ASSERT_TRUE(vouch_utf8_valid("\xf0\x9f\x98\x80", 4));
	CU_ASSERT_FALSE(vouch_utf8_valid("\xf0\x9f\x98", 3));
	CU_ASSERT_FALSE(vouch_utf8_valid("\xe0\x80\x80", 3));
	CU_ASSERT_FALSE(vouch_utf8_valid("\x80", 1));
}

static void
test_only_members(void)
{
	static const char *const allowed[] = { "a", "b", NULL };
	const char *good = "{\"a\":1,\"b\":2}", *bad = "{\"a\":1,\"B\":2}";
	cJSON *j = NULL;
	vouch_err e;

	CU_ASSERT_EQUAL_FATAL(vouch_json_parse(good, strlen(good), &j, NULL), VOUCH_OK);
	CU_ASSERT_EQUAL(vouch_json_only_members(j, "thing", allowed, NULL), VOUCH_OK);
	cJSON_Delete(j);
	CU_ASSERT_EQUAL_FATAL(vouch_json_parse(bad, strlen(bad), &j, NULL), VOUCH_OK);
	vouch_err_clear(&e);
	CU_ASSERT_EQUAL(vouch_json_only_members(j, "thing", allowed, &e), VOUCH_EINPUT);
	CU_ASSERT_STRING_EQUAL(e.msg, "thing: unknown member 'B'");
	cJSON_Delete(j);
}

/* vouch_json_append_string writes what cJSON prints, byte for byte */
static void
test_append_string(void)
{
	static const char *const cases[] = {
		"", "plain", "quote \" backslash \\ slash /", "\b\f\n\r\t",
		"\x01\x1f\x7f control", "caf\xc3\xa9 \xe2\x80\x94 utf-8",
		"log.example/x\n42\nAAAA=\n\n\xe2\x80\x94 log.example/x sig==\n",
	};
	size_t i;

	for (i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		cJSON *j = cJSON_CreateString(cases[i]);
		char *want = cJSON_PrintUnformatted(j);
		vouch_buf b;

		vouch_buf_init(&b, 0);
		CU_ASSERT_EQUAL(vouch_json_append_string(&b, cases[i], strlen(cases[i]), NULL),
		                VOUCH_OK);
		CU_ASSERT_STRING_EQUAL(vouch_buf_cstr(&b), want);
		vouch_buf_free(&b);
		cJSON_free(want);
		cJSON_Delete(j);
	}
}

static const struct test_case cases[] = {
	{ "strings written as cJSON prints them", test_append_string },
	{ "accepts valid documents", test_accepts },
	{ "rejects grammar errors", test_rejects_grammar },
	{ "rejects bad strings", test_rejects_strings },
	{ "rejects duplicate and case-variant keys", test_rejects_keys },
	{ "bounds nesting depth", test_depth },
	{ "typed accessors", test_accessors },
	{ "utf-8 validation", test_utf8 },
	{ "only the listed members", test_only_members },
	{ NULL, NULL }
};

int
main(void)
{
	return test_run("json", cases);
}
