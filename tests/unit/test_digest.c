/* test_digest.c - multi-algorithm streaming digests. */
#include "config.h"

#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "harness.h"
#include "vouch/vouch.h"

static const char *abc256 = "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad";
static const char *abc384 = "cb00753f45a35e8bb5a03d699ac65007272c32ab0eded1631a8b605a43ff5bed"
                            "8086072ba1e7cc2358baeca134c825a7";
static const char *abc512 = "ddaf35a193617abacc417349ae20413112e6fa4e89a97ea20a9eeee64b55d39a"
                            "2192992a274fc1a836ba3c23a3feebbd454d4423643ce80e2a9ac94fa54ca49f";
static const char *abc512_256 = "53048e2681941ef99b2e29b76b4c7dabe4c2d0c634fc6d46e0e2f13107e7af23";
static const char *abc3_256 = "3a985da74fe225b2045c172d6bd390bd855f086e3e9d525b46bfe24511431532";

static void
check(const vouch_digests *d, unsigned alg, const char *want)
{
	char hex[2 * VOUCH_DIGEST_MAX + 1];
	const uint8_t *md = vouch_digests_get(d, alg);

	CU_ASSERT_PTR_NOT_NULL_FATAL(md);
	vouch_hex_encode(md, vouch_alg_size(alg), hex);
	CU_ASSERT_STRING_EQUAL(hex, want);
}

static void
test_known_answers(void)
{
	vouch_digests d;

	CU_ASSERT_EQUAL_FATAL(vouch_digest_mem("abc", 3, VOUCH_ALG_ALL, &d, NULL), VOUCH_OK);
	check(&d, VOUCH_ALG_SHA256, abc256);
	check(&d, VOUCH_ALG_SHA384, abc384);
	check(&d, VOUCH_ALG_SHA512, abc512);
	check(&d, VOUCH_ALG_SHA512_256, abc512_256);
	check(&d, VOUCH_ALG_SHA3_256, abc3_256);
	CU_ASSERT_EQUAL(d.length, 3);
}

static void
test_only_requested(void)
{
	vouch_digests d;
	uint8_t md[32];

	CU_ASSERT_EQUAL_FATAL(vouch_digest_mem("abc", 3, VOUCH_ALG_SHA256, &d, NULL), VOUCH_OK);
	CU_ASSERT_PTR_NULL(vouch_digests_get(&d, VOUCH_ALG_SHA512));
	check(&d, VOUCH_ALG_SHA256, abc256);
	CU_ASSERT_EQUAL(vouch_sha256("abc", 3, md, NULL), VOUCH_OK);
	CU_ASSERT_EQUAL(memcmp(md, vouch_digests_get(&d, VOUCH_ALG_SHA256), 32), 0);
	CU_ASSERT_EQUAL(vouch_digest_mem("abc", 3, 0, &d, NULL), VOUCH_EUSAGE);
	CU_ASSERT_EQUAL(vouch_digest_mem("abc", 3, 1u << 20, &d, NULL), VOUCH_EUSAGE);
}

static void
test_streaming_equals_oneshot(void)
{
	static unsigned char big[1 << 20];
	vouch_hasher *h = NULL;
	vouch_digests a, b;
	char path[512];
	int fd;

	for (size_t i = 0; i < sizeof(big); i++)
		big[i] = (unsigned char)(i * 7 + (i >> 9));
	CU_ASSERT_EQUAL_FATAL(vouch_hasher_new(VOUCH_ALG_SHA256 | VOUCH_ALG_SHA512, &h, NULL), VOUCH_OK);
	for (size_t off = 0; off < sizeof(big); off += 1000)
		vouch_hasher_update(h, big + off, sizeof(big) - off < 1000 ? sizeof(big) - off : 1000, NULL);
	CU_ASSERT_EQUAL(vouch_hasher_final(h, &a, NULL), VOUCH_OK);
	CU_ASSERT_EQUAL(vouch_digest_mem(big, sizeof(big), VOUCH_ALG_SHA256 | VOUCH_ALG_SHA512, &b, NULL), VOUCH_OK);
	CU_ASSERT_EQUAL(memcmp(&a, &b, sizeof(a)), 0);

	/* reuse after reset */
	CU_ASSERT_EQUAL(vouch_hasher_reset(h, NULL), VOUCH_OK);
	vouch_hasher_update(h, "abc", 3, NULL);
	vouch_hasher_final(h, &a, NULL);
	check(&a, VOUCH_ALG_SHA256, abc256);
	vouch_hasher_free(h);

	snprintf(path, sizeof(path), "%s/big", test_tmpdir());
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
	CU_ASSERT_FATAL(fd >= 0);
	CU_ASSERT_EQUAL(write(fd, big, sizeof(big)), (ssize_t)sizeof(big));
	close(fd);
	CU_ASSERT_EQUAL(vouch_digest_file(path, VOUCH_ALG_SHA256 | VOUCH_ALG_SHA512, &a, NULL), VOUCH_OK);
	CU_ASSERT_EQUAL(memcmp(&a, &b, sizeof(a)), 0);
	CU_ASSERT_EQUAL(vouch_digest_file(test_tmpdir(), VOUCH_ALG_SHA256, &a, NULL), VOUCH_EINPUT);
	CU_ASSERT_EQUAL(vouch_digest_file("/nonexistent", VOUCH_ALG_SHA256, &a, NULL), VOUCH_EIO);
}

static void
test_names(void)
{
	CU_ASSERT_EQUAL(vouch_alg_from_name("sha256"), VOUCH_ALG_SHA256);
	CU_ASSERT_EQUAL(vouch_alg_from_name("SHA-512"), VOUCH_ALG_SHA512);
	CU_ASSERT_EQUAL(vouch_alg_from_name("sha512_256"), VOUCH_ALG_SHA512_256);
	CU_ASSERT_EQUAL(vouch_alg_from_name("md5"), 0);
	CU_ASSERT_EQUAL(vouch_alg_from_name("sha1"), 0);
	CU_ASSERT_STRING_EQUAL(vouch_alg_name(VOUCH_ALG_SHA384), "sha384");
	CU_ASSERT_EQUAL(vouch_alg_size(VOUCH_ALG_SHA384), 48);
	CU_ASSERT_PTR_NULL(vouch_alg_name(3));
}

static const struct test_case cases[] = {
	{ "known answers for every algorithm", test_known_answers },
	{ "only requested algorithms", test_only_requested },
	{ "streaming equals one-shot", test_streaming_equals_oneshot },
	{ "algorithm names", test_names },
	{ NULL, NULL }
};

int
main(void)
{
	return test_run("digest", cases);
}
