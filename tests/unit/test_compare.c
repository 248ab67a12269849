/* test_compare.c - the difference engine on small generated inputs. */
#include "config.h"

#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include "harness.h"
#include "vouch/vouch.h"

static const char *
put(const char *name, const void *data, size_t n)
{
	static char paths[16][512];
	static unsigned next;
	char *p = paths[next++ % 16];

	snprintf(p, 512, "%s/%s", test_tmpdir(), name);
	remove(p);
	CU_ASSERT_FATAL(vouch_write_file_excl(p, data, n, 0600, NULL) == VOUCH_OK);
	return p;
}

static vouch_compare_report *
run(const char *a, const char *b, unsigned norm)
{
	struct vouch_compare_opts o;
	vouch_compare_report *r = NULL;

	vouch_compare_opts_init(&o);
	o.normalize = norm;
	CU_ASSERT_FATAL(vouch_compare(a, b, &o, &r, NULL) == VOUCH_OK);
	return r;
}

static void
test_normalize_parse(void)
{
	unsigned r;

	CU_ASSERT_EQUAL(vouch_normalize_parse("mtime,owner", &r, NULL), VOUCH_OK);
	CU_ASSERT_EQUAL(r, VOUCH_NORM_MTIME | VOUCH_NORM_OWNER);
	CU_ASSERT_EQUAL(vouch_normalize_parse("all", &r, NULL), VOUCH_OK);
	CU_ASSERT_EQUAL(r, VOUCH_NORM_ALL);
	CU_ASSERT_EQUAL(vouch_normalize_parse("mtime,nope", &r, NULL), VOUCH_EUSAGE);
	CU_ASSERT_STRING_EQUAL(vouch_normalize_name(VOUCH_NORM_GZIP_HEADER), "gzip-header");
	CU_ASSERT_STRING_EQUAL(vouch_hint_name(VOUCH_HINT_ELF_BUILD_ID), "elf-build-id-only");
}

static void
test_identical(void)
{
	const char *a = put("same-a", "hello\n", 6), *b = put("same-b", "hello\n", 6);
	vouch_compare_report *r = run(a, b, 0);

	CU_ASSERT_EQUAL(vouch_compare_report_verdict(r), VOUCH_CMP_IDENTICAL);
	CU_ASSERT_EQUAL(vouch_compare_report_status(r), VOUCH_OK);
	CU_ASSERT_EQUAL(vouch_compare_report_difference_count(r), 0);
	vouch_compare_report_free(r);
}

/* Two gzip files differing in the header's mtime only: the difference is
 * excused by, and needs, the gzip-header rule; strict, it is not excused. */
static void
test_excused_and_rules_needed(void)
{
	static const uint8_t gz[26] = { 0x1f, 0x8b, 0x08, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
		                            0x03, 0xcb, 0x48, 0xcd, 0xc9, 0xc9, 0xe7, 0x02, 0x00,
		                            0x20, 0x30, 0x3a, 0x36, 0x06, 0x00, 0x00, 0x00 };
	uint8_t gz2[26];
	const char *a, *b;
	vouch_compare_report *r;

	memcpy(gz2, gz, sizeof(gz2));
	gz2[4] = 1; /* mtime */
	a = put("gz-a.gz", gz, sizeof(gz));
	b = put("gz-b.gz", gz2, sizeof(gz2));
	r = run(a, b, VOUCH_NORM_ALL);
	CU_ASSERT_EQUAL(vouch_compare_report_verdict(r), VOUCH_CMP_EQUIVALENT);
	CU_ASSERT_EQUAL_FATAL(vouch_compare_report_difference_count(r), 1);
	CU_ASSERT(vouch_compare_report_difference_excused(r, 0));
	CU_ASSERT_EQUAL(vouch_compare_report_rules_needed(r), VOUCH_NORM_GZIP_HEADER);
	vouch_compare_report_free(r);
	r = run(a, b, 0);
	CU_ASSERT_EQUAL(vouch_compare_report_verdict(r), VOUCH_CMP_DIFFERENT);
	CU_ASSERT_EQUAL_FATAL(vouch_compare_report_difference_count(r), 1);
	CU_ASSERT(!vouch_compare_report_difference_excused(r, 0));
	CU_ASSERT_EQUAL(vouch_compare_report_rules_needed(r), 0);
	vouch_compare_report_free(r);
}

static void
test_binary(void)
{
	uint8_t x[300], y[300];
	const char *a, *b;
	vouch_compare_report *r;
	vouch_buf j;

	for (size_t i = 0; i < sizeof(x); i++)
		x[i] = y[i] = (uint8_t)(i * 7);
	x[0] = 0;
	y[0] = 0;
	y[200] ^= 1;
	y[250] ^= 2;
	a = put("bin-a", x, sizeof(x));
	b = put("bin-b", y, sizeof(y));
	r = run(a, b, VOUCH_NORM_ALL);
	CU_ASSERT_EQUAL(vouch_compare_report_verdict(r), VOUCH_CMP_DIFFERENT);
	CU_ASSERT_EQUAL_FATAL(vouch_compare_report_difference_count(r), 1);
	CU_ASSERT_STRING_EQUAL(vouch_compare_report_difference_kind(r, 0), "content");
	CU_ASSERT_STRING_EQUAL(vouch_compare_report_difference_path(r, 0), "bin-b");
	vouch_buf_init(&j, 0);
	CU_ASSERT_EQUAL(vouch_compare_report_json(r, &j, NULL), VOUCH_OK);
	CU_ASSERT_PTR_NOT_NULL(strstr(vouch_buf_cstr(&j), "\"offset\":200,\"differingBytes\":2"));
	vouch_buf_free(&j);
	vouch_compare_report_free(r);
}

static void
test_text_and_hints(void)
{
	const char *ta = "a\nb\nbuilt 2024-01-02 10:11:12\nd\ne\n";
	const char *tb = "a\nb\nbuilt 2025-03-04 01:02:03\nd\ne\n";
	const char *a = put("t-a", ta, strlen(ta)), *b = put("t-b", tb, strlen(tb));
	vouch_compare_report *r = run(a, b, 0);
	vouch_buf out;

	CU_ASSERT_EQUAL_FATAL(vouch_compare_report_difference_count(r), 1);
	CU_ASSERT_STRING_EQUAL(vouch_compare_report_difference_kind(r, 0), "text");
	CU_ASSERT(vouch_compare_report_difference_hints(r, 0) & VOUCH_HINT_TIMESTAMP);
	vouch_buf_init(&out, 0);
	CU_ASSERT_EQUAL(vouch_compare_report_text(r, &out, NULL), VOUCH_OK);
	CU_ASSERT_PTR_NOT_NULL(strstr(vouch_buf_cstr(&out), "-built 2024-01-02 10:11:12"));
	CU_ASSERT_PTR_NOT_NULL(strstr(vouch_buf_cstr(&out), "+built 2025-03-04 01:02:03"));
	vouch_buf_free(&out);
	vouch_compare_report_free(r);

	ta = "cc -o x /build/abc123/src/x.c\n";
	tb = "cc -o x /build/zzz999/src/x.c\n";
	a = put("p-a", ta, strlen(ta));
	b = put("p-b", tb, strlen(tb));
	r = run(a, b, 0);
	CU_ASSERT(vouch_compare_report_difference_hints(r, 0) & VOUCH_HINT_BUILD_PATH);
	vouch_compare_report_free(r);
}

static void
test_dirs_and_html(void)
{
	char da[512], db[512], p[600];
	vouch_compare_report *r;
	vouch_buf h;

	snprintf(da, sizeof(da), "%s/da", test_tmpdir());
	snprintf(db, sizeof(db), "%s/db", test_tmpdir());
	CU_ASSERT_FATAL(mkdir(da, 0700) == 0 && mkdir(db, 0700) == 0);
	snprintf(p, sizeof(p), "%s/<b>&.txt", db);
	CU_ASSERT_FATAL(vouch_write_file_excl(p, "x", 1, 0600, NULL) == VOUCH_OK);
	/* control bytes, invalid UTF-8 and a right-to-left override in a name */
	snprintf(p, sizeof(p), "%s/z\x01\xff\xe2\x80\xaetxt.exe", db);
	CU_ASSERT_FATAL(vouch_write_file_excl(p, "y", 1, 0600, NULL) == VOUCH_OK);
	r = run(da, db, 0);
	CU_ASSERT_EQUAL_FATAL(vouch_compare_report_difference_count(r), 2);
	CU_ASSERT_STRING_EQUAL(vouch_compare_report_difference_path(r, 1),
	                       "z\\x01\\xff\\u202etxt.exe");
	vouch_compare_report_free(r);
	r = run(da, db, 0);
	CU_ASSERT_EQUAL(vouch_compare_report_verdict(r), VOUCH_CMP_DIFFERENT);
	CU_ASSERT_STRING_EQUAL(vouch_compare_report_difference_kind(r, 0), "added");
	CU_ASSERT_STRING_EQUAL(vouch_compare_report_difference_path(r, 0), "<b>&.txt");
	CU_ASSERT(vouch_compare_report_difference_hints(r, 0) & VOUCH_HINT_MEMBER_ADDED);
	vouch_buf_init(&h, 0);
	CU_ASSERT_EQUAL(vouch_compare_report_html(r, &h, NULL), VOUCH_OK);
	CU_ASSERT_PTR_NULL(strstr(vouch_buf_cstr(&h), "<b>&"));
	CU_ASSERT_PTR_NOT_NULL(strstr(vouch_buf_cstr(&h), "&lt;b&gt;&amp;.txt"));
	vouch_buf_free(&h);
	vouch_compare_report_free(r);
}

int
main(void)
{
	static const struct test_case cases[] = {
		{ "normalize parse", test_normalize_parse },
		{ "excused differences and the rules they need", test_excused_and_rules_needed },
		{ "identical", test_identical },
		{ "binary", test_binary },
		{ "text and hints", test_text_and_hints },
		{ "directories and html escaping", test_dirs_and_html },
		{ NULL, NULL }
	};

	return test_run("compare", cases);
}
