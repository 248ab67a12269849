/* test_core.c - errors, buffers, hex, base64, file helpers. */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "harness.h"
#include "vouch/vouch.h"

static void
test_err_first_wins(void)
{
	vouch_err e;

	vouch_err_clear(&e);
	CU_ASSERT_STRING_EQUAL(vouch_err_msg(&e), "success");
	CU_ASSERT_EQUAL(vouch_err_set(&e, VOUCH_EINPUT, "first %d", 1), VOUCH_EINPUT);
	CU_ASSERT_EQUAL(vouch_err_set(&e, VOUCH_EIO, "second"), VOUCH_EIO);
	CU_ASSERT_EQUAL(e.code, VOUCH_EINPUT);
	CU_ASSERT_STRING_EQUAL(vouch_err_msg(&e), "first 1");
	vouch_err_prefix(&e, "'%s'", "x");
	CU_ASSERT_STRING_EQUAL(vouch_err_msg(&e), "'x': first 1");
	CU_ASSERT_EQUAL(vouch_exit_code(VOUCH_OK), 0);
	CU_ASSERT_EQUAL(vouch_exit_code(VOUCH_ENEGATIVE), 1);
	CU_ASSERT_EQUAL(vouch_exit_code(VOUCH_EIO), 2);
	CU_ASSERT_EQUAL(vouch_err_set(NULL, VOUCH_ELIMIT, "ignored"), VOUCH_ELIMIT);
}

static void
test_err_one_line(void)
{
	vouch_err e;

	vouch_err_clear(&e);
	vouch_err_set(&e, VOUCH_EINPUT, "name 'a\nb'");
	CU_ASSERT_PTR_NULL(strchr(e.msg, '\n'));
	vouch_err_clear(&e);
	errno = ENOENT;
	vouch_err_sys(&e, VOUCH_EIO, "cannot open '%s'", "f");
	CU_ASSERT_STRING_EQUAL(e.msg, "cannot open 'f': No such file or directory");
	CU_ASSERT_EQUAL(e.sys_errno, ENOENT);
}

static void
test_buf_bounds(void)
{
	vouch_buf b;
	vouch_err e;

	vouch_err_clear(&e);
	vouch_buf_init(&b, 10);
	CU_ASSERT_STRING_EQUAL(vouch_buf_cstr(&b), "");
	CU_ASSERT_EQUAL(vouch_buf_append_str(&b, "0123456789", &e), VOUCH_OK);
	CU_ASSERT_EQUAL(b.len, 10);
	CU_ASSERT_EQUAL(vouch_buf_append_byte(&b, 'x', &e), VOUCH_ELIMIT);
	CU_ASSERT_EQUAL(b.len, 10);
	CU_ASSERT_STRING_EQUAL(vouch_buf_cstr(&b), "0123456789");
	vouch_buf_reset(&b);
	vouch_err_clear(&e);
	CU_ASSERT_EQUAL(vouch_buf_appendf(&b, &e, "%d-%s", 42, "ab"), VOUCH_OK);
	CU_ASSERT_STRING_EQUAL(vouch_buf_cstr(&b), "42-ab");
	CU_ASSERT_EQUAL(vouch_buf_appendf(&b, &e, "%s", "too long!"), VOUCH_ELIMIT);
	vouch_buf_free(&b);
	CU_ASSERT_PTR_NULL(b.data);
}

static void
test_buf_grow_and_detach(void)
{
	vouch_buf b;
	size_t len;
	unsigned char *p;

	vouch_buf_init(&b, 0);
	for (int i = 0; i < 10000; i++)
		CU_ASSERT_EQUAL_FATAL(vouch_buf_append(&b, "abc", 3, NULL), VOUCH_OK);
	CU_ASSERT_EQUAL(b.len, 30000);
	p = vouch_buf_detach(&b, &len, NULL);
	CU_ASSERT_PTR_NOT_NULL_FATAL(p);
	CU_ASSERT_EQUAL(len, 30000);
	CU_ASSERT_EQUAL(p[len], '\0');
	CU_ASSERT_PTR_NULL(b.data);
	free(p);
	p = vouch_buf_detach(&b, &len, NULL);
	CU_ASSERT_PTR_NOT_NULL_FATAL(p);
	CU_ASSERT_EQUAL(len, 0);
	CU_ASSERT_EQUAL(p[0], '\0');
	free(p);
}

static void
test_hex(void)
{
	uint8_t bin[4] = { 0x00, 0xab, 0x10, 0xff }, out[4];
	char hex[9];
	vouch_err e;

	CU_ASSERT_STRING_EQUAL(vouch_hex_encode(bin, 4, hex), "00ab10ff");
	CU_ASSERT_EQUAL(vouch_hex_decode("00ab10ff", 8, out, 4, VOUCH_HEX_LOWER, NULL), VOUCH_OK);
	CU_ASSERT_EQUAL(memcmp(out, bin, 4), 0);
	vouch_err_clear(&e);
	CU_ASSERT_EQUAL(vouch_hex_decode("00AB10FF", 8, out, 4, VOUCH_HEX_LOWER, &e), VOUCH_EINPUT);
	CU_ASSERT_EQUAL(vouch_hex_decode("00AB10FF", 8, out, 4, 0, NULL), VOUCH_OK);
	CU_ASSERT_EQUAL(vouch_hex_decode("abc", 3, out, 4, 0, NULL), VOUCH_EINPUT);
	CU_ASSERT_EQUAL(vouch_hex_decode("0011223344", 10, out, 4, 0, NULL), VOUCH_EINPUT);
	CU_ASSERT_EQUAL(vouch_hex_decode("zz", 2, out, 4, 0, NULL), VOUCH_EINPUT);
	CU_ASSERT_TRUE(vouch_is_lower_hex("00ab", 4, 2));
	CU_ASSERT_FALSE(vouch_is_lower_hex("00AB", 4, 2));
	CU_ASSERT_FALSE(vouch_is_lower_hex("00ab", 4, 3));
}

/* RFC 4648 section 10 vectors, both directions. */
static void
test_b64_rfc4648(void)
{
	static const char *plain[] = { "", "f", "fo", "foo", "foob", "fooba", "foobar" };
	static const char *enc[] = { "", "Zg==", "Zm8=", "Zm9v", "Zm9vYg==", "Zm9vYmE=", "Zm9vYmFy" };

	for (int i = 0; i < 7; i++) {
		vouch_buf b, d;

		vouch_buf_init(&b, 0);
		vouch_buf_init(&d, 0);
		CU_ASSERT_EQUAL(vouch_b64_append(&b, (const uint8_t *)plain[i], strlen(plain[i]),
		    VOUCH_B64_STD, NULL), VOUCH_OK);
		CU_ASSERT_STRING_EQUAL(vouch_buf_cstr(&b), enc[i]);
		CU_ASSERT_EQUAL(vouch_b64_encoded_len(strlen(plain[i])), strlen(enc[i]));
		CU_ASSERT_EQUAL(vouch_b64_decode(enc[i], strlen(enc[i]), VOUCH_B64_STD, &d, NULL), VOUCH_OK);
		CU_ASSERT_EQUAL(d.len, strlen(plain[i]));
		CU_ASSERT_STRING_EQUAL(vouch_buf_cstr(&d), plain[i]);
		vouch_buf_free(&b);
		vouch_buf_free(&d);
	}
}

static int
b64_ok(const char *s, enum vouch_b64_alphabet a)
{
	vouch_buf d;
	int rc;

	vouch_buf_init(&d, 0);
	rc = vouch_b64_decode(s, strlen(s), a, &d, NULL);
	vouch_buf_free(&d);
	return rc == VOUCH_OK;
}

static void
test_b64_strict(void)
{
	uint8_t bin[3] = { 0xfb, 0xff, 0xbf };
	vouch_buf b;

	vouch_buf_init(&b, 0);
	vouch_b64_append(&b, bin, 3, VOUCH_B64_URL, NULL);
	CU_ASSERT_STRING_EQUAL(vouch_buf_cstr(&b), "-_-_");
	vouch_buf_free(&b);
	CU_ASSERT_TRUE(b64_ok("-_-_", VOUCH_B64_URL));
	CU_ASSERT_TRUE(b64_ok("-_-_", VOUCH_B64_ANY));
	CU_ASSERT_TRUE(b64_ok("+/+/", VOUCH_B64_ANY));
	CU_ASSERT_FALSE(b64_ok("-_-_", VOUCH_B64_STD));
	CU_ASSERT_FALSE(b64_ok("+/+/", VOUCH_B64_URL));
	CU_ASSERT_FALSE(b64_ok("+_+_", VOUCH_B64_ANY)); /* mixed alphabets */
	CU_ASSERT_FALSE(b64_ok("Zg", VOUCH_B64_ANY));   /* missing padding */
	CU_ASSERT_FALSE(b64_ok("Zh==", VOUCH_B64_ANY)); /* non-zero trailing bits */
	CU_ASSERT_FALSE(b64_ok("Zm9=", VOUCH_B64_ANY));
	CU_ASSERT_FALSE(b64_ok("Zg==Zg==", VOUCH_B64_ANY)); /* padding inside */
	CU_ASSERT_FALSE(b64_ok("Z===", VOUCH_B64_ANY));
	CU_ASSERT_FALSE(b64_ok("Zm9v\n", VOUCH_B64_ANY));
	CU_ASSERT_FALSE(b64_ok("Zm 9", VOUCH_B64_ANY));
	CU_ASSERT_FALSE(b64_ok("====", VOUCH_B64_ANY));
}

static void
test_b64_exact(void)
{
	uint8_t out[3];

	CU_ASSERT_EQUAL(vouch_b64_decode_exact("Zm9v", 4, VOUCH_B64_STD, out, 3, NULL), VOUCH_OK);
	CU_ASSERT_EQUAL(memcmp(out, "foo", 3), 0);
	CU_ASSERT_EQUAL(vouch_b64_decode_exact("Zm8=", 4, VOUCH_B64_STD, out, 3, NULL), VOUCH_EINPUT);
}

static void
test_file_atomic_and_excl(void)
{
	char path[512], link[512];
	vouch_buf b;
	vouch_err e;
	struct stat st;
	int fd;

	snprintf(path, sizeof(path), "%s/f", test_tmpdir());
	snprintf(link, sizeof(link), "%s/l", test_tmpdir());
	CU_ASSERT_EQUAL(vouch_write_file_atomic(path, "one", 3, 0644, NULL), VOUCH_OK);
	CU_ASSERT_EQUAL(vouch_write_file_atomic(path, "second", 6, 0640, NULL), VOUCH_OK);
	vouch_buf_init(&b, 0);
	CU_ASSERT_EQUAL(vouch_read_file(path, 100, &b, NULL), VOUCH_OK);
	CU_ASSERT_STRING_EQUAL(vouch_buf_cstr(&b), "second");
	CU_ASSERT_EQUAL(stat(path, &st), 0);
	CU_ASSERT_EQUAL(st.st_mode & 07777, 0640);
	vouch_buf_reset(&b);
	vouch_err_clear(&e);
	CU_ASSERT_EQUAL(vouch_read_file(path, 5, &b, &e), VOUCH_ELIMIT);

	vouch_err_clear(&e);
	CU_ASSERT_EQUAL(vouch_write_file_excl(path, "x", 1, 0600, &e), VOUCH_EEXIST);
	vouch_buf_reset(&b);
	CU_ASSERT_EQUAL(vouch_read_file(path, 100, &b, NULL), VOUCH_OK);
	CU_ASSERT_STRING_EQUAL(vouch_buf_cstr(&b), "second"); /* untouched */

	CU_ASSERT_EQUAL(symlink(path, link), 0);
	vouch_err_clear(&e);
	CU_ASSERT_EQUAL(vouch_open_read_nofollow(link, &fd, &e), VOUCH_EINPUT);
	CU_ASSERT_PTR_NOT_NULL(strstr(vouch_err_msg(&e), "symbolic link"));
	CU_ASSERT_EQUAL(vouch_open_read_nofollow(path, &fd, NULL), VOUCH_OK);
	close(fd);
	/* A dangling symlink where a new key would go is never followed. */
	CU_ASSERT_EQUAL(unlink(path), 0);
	CU_ASSERT_NOT_EQUAL(vouch_write_file_excl(link, "k", 1, 0600, NULL), VOUCH_OK);
	CU_ASSERT_NOT_EQUAL(access(path, F_OK), 0);
	unlink(link);

	snprintf(path, sizeof(path), "%s/key", test_tmpdir());
	CU_ASSERT_EQUAL(vouch_write_file_excl(path, "secret", 6, 0600, NULL), VOUCH_OK);
	CU_ASSERT_EQUAL(stat(path, &st), 0);
	CU_ASSERT_EQUAL(st.st_mode & 07777, 0600);
	vouch_buf_free(&b);

	vouch_err_clear(&e);
	CU_ASSERT_EQUAL(vouch_read_file(test_tmpdir(), 100, &b, &e), VOUCH_EINPUT);
	vouch_err_clear(&e);
	CU_ASSERT_EQUAL(vouch_read_file("/nonexistent/x", 100, &b, &e), VOUCH_EIO);
	CU_ASSERT_PTR_NOT_NULL(strstr(vouch_err_msg(&e), "'/nonexistent/x'"));
	vouch_buf_free(&b);
}

/* Lines across the 64 KiB read blocks, an empty line, a last line without
 * '\n', and a line over the limit refused with its number. */
static void
test_lines(void)
{
	char path[] = "/tmp/vouch-test-lines-XXXXXX";
	size_t lens[] = { 10, 65530, 0, 70000, 1, 3 }, n = sizeof(lens) / sizeof(lens[0]);
	const char *line;
	vouch_lines r;
	vouch_err e;
	size_t len, i;
	int fd = mkstemp(path);

	CU_ASSERT_FATAL(fd >= 0);
	unlink(path);
	for (i = 0; i < n; i++) {
		char *b = malloc(lens[i] + 1);

		CU_ASSERT_FATAL(b != NULL);
		memset(b, 'a' + (int)i, lens[i]);
		b[lens[i]] = '\n';
		CU_ASSERT(write(fd, b, lens[i] + (i + 1 < n)) == (ssize_t)(lens[i] + (i + 1 < n)));
		free(b);
	}
	CU_ASSERT(lseek(fd, 0, SEEK_SET) == 0);
	vouch_lines_init(&r, fd, "t", 70000);
	for (i = 0; i < n; i++) {
		CU_ASSERT_EQUAL_FATAL(vouch_lines_next(&r, &line, &len, NULL), VOUCH_OK);
		CU_ASSERT_PTR_NOT_NULL_FATAL(line);
		CU_ASSERT_EQUAL(len, lens[i]);
		CU_ASSERT(len == 0 || (line[0] == 'a' + (int)i && line[len - 1] == 'a' + (int)i));
		CU_ASSERT_EQUAL(r.lineno, i + 1);
	}
	CU_ASSERT_EQUAL(vouch_lines_next(&r, &line, &len, NULL), VOUCH_OK);
	CU_ASSERT_PTR_NULL(line);
	vouch_lines_free(&r);
	/* one byte less: line 4 is too long */
	CU_ASSERT(lseek(fd, 0, SEEK_SET) == 0);
	vouch_lines_init(&r, fd, "t", 69999);
	for (i = 0; i < 3; i++)
		CU_ASSERT_EQUAL(vouch_lines_next(&r, &line, &len, NULL), VOUCH_OK);
	vouch_err_clear(&e);
	CU_ASSERT_EQUAL(vouch_lines_next(&r, &line, &len, &e), VOUCH_ELIMIT);
	CU_ASSERT_STRING_EQUAL(vouch_err_msg(&e), "line 4 of 't': longer than the limit of 69999 bytes");
	vouch_lines_free(&r);
	close(fd);
}

/* The parsers' prologue and loader: the cap, a zeroed result, the parse
 * error named with the file, a read error named once. */
static int
doc_parse(const char *data, size_t len, void *ctx, vouch_err *err)
{
	*(size_t *)ctx = len;
	if (strcmp(data, "bad") == 0)
		return vouch_err_set(err, VOUCH_EINPUT, "bad document");
	return VOUCH_OK;
}

static void
test_doc(void)
{
	char path[4096];
	size_t got = 0;
	void *mem = NULL;
	vouch_err e;

	vouch_err_clear(&e);
	CU_ASSERT_EQUAL(vouch_doc_begin("recipe", 11, 10, 8, &mem, &e), VOUCH_ELIMIT);
	CU_ASSERT_STRING_EQUAL(vouch_err_msg(&e), "recipe: larger than 10 bytes");
	CU_ASSERT_PTR_NULL(mem);
	CU_ASSERT_EQUAL(vouch_doc_begin("recipe", 10, 10, 8, &mem, NULL), VOUCH_OK);
	CU_ASSERT_FATAL(mem != NULL);
	CU_ASSERT_EQUAL(memcmp(mem, "\0\0\0\0\0\0\0\0", 8), 0);
	free(mem);

	snprintf(path, sizeof(path), "%s/doc", test_tmpdir());
	CU_ASSERT_EQUAL(vouch_write_file_atomic(path, "good", 4, 0644, NULL), VOUCH_OK);
	CU_ASSERT_EQUAL(vouch_doc_load(path, 10, "policy", doc_parse, &got, NULL), VOUCH_OK);
	CU_ASSERT_EQUAL(got, 4);
	CU_ASSERT_EQUAL(vouch_write_file_atomic(path, "bad", 3, 0644, NULL), VOUCH_OK);
	vouch_err_clear(&e);
	CU_ASSERT_EQUAL(vouch_doc_load(path, 10, "policy", doc_parse, &got, &e), VOUCH_EINPUT);
	CU_ASSERT_PTR_NOT_NULL(strstr(vouch_err_msg(&e), "policy '"));
	CU_ASSERT_PTR_NOT_NULL(strstr(vouch_err_msg(&e), "/doc': bad document"));
	vouch_err_clear(&e);
	CU_ASSERT_EQUAL(vouch_doc_load(path, 10, "", doc_parse, &got, &e), VOUCH_EINPUT);
	CU_ASSERT_EQUAL(vouch_err_msg(&e)[0], '\'');
	vouch_err_clear(&e);
	CU_ASSERT_EQUAL(vouch_doc_load(path, 2, "policy", doc_parse, &got, &e), VOUCH_ELIMIT);
	CU_ASSERT_PTR_NULL(strstr(vouch_err_msg(&e), "policy '"));
	vouch_err_clear(&e);
	CU_ASSERT_EQUAL(vouch_doc_load("/nonexistent/x", 10, "", doc_parse, &got, &e), VOUCH_EIO);
	CU_ASSERT_STRING_EQUAL(vouch_err_msg(&e),
	    "cannot open '/nonexistent/x': No such file or directory");
}

static const struct test_case cases[] = {
	{ "error: first error wins", test_err_first_wins },
	{ "error: messages stay on one line", test_err_one_line },
	{ "buf: bounded", test_buf_bounds },
	{ "buf: growth and detach", test_buf_grow_and_detach },
	{ "hex", test_hex },
	{ "base64: RFC 4648 vectors", test_b64_rfc4648 },
	{ "base64: strict decoding", test_b64_strict },
	{ "base64: exact length", test_b64_exact },
	{ "file: atomic, exclusive, nofollow", test_file_atomic_and_excl },
	{ "file: lines in blocks, bounded", test_lines },
	{ "file: documents, capped and named", test_doc },
	{ NULL, NULL }
};

int
main(void)
{
	return test_run("core", cases);
}
