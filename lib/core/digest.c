/* digest.c - streaming multi-algorithm digests over OpenSSL EVP. */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/evp.h>

#include "vouch/digest.h"
#include "vouch/file.h"

static const struct alg_info {
	unsigned bit;
	const char *name;     /* in-toto DigestSet key */
	const char *alias;    /* accepted spelling on the command line */
	const char *evp;      /* OpenSSL name */
	size_t size;
} algs[VOUCH_ALG_COUNT] = {
	{ VOUCH_ALG_SHA256, "sha256", "sha-256", "SHA256", 32 },
	{ VOUCH_ALG_SHA384, "sha384", "sha-384", "SHA384", 48 },
	{ VOUCH_ALG_SHA512, "sha512", "sha-512", "SHA512", 64 },
	{ VOUCH_ALG_SHA512_256, "sha512_256", "sha-512/256", "SHA512-256", 32 },
	{ VOUCH_ALG_SHA3_256, "sha3_256", "sha3-256", "SHA3-256", 32 },
};

int
vouch_alg_index(unsigned alg)
{
	for (int i = 0; i < VOUCH_ALG_COUNT; i++)
		if (algs[i].bit == alg)
			return i;
	return -1;
}

const char *
vouch_alg_name(unsigned alg)
{
	int i = vouch_alg_index(alg);

	return i < 0 ? NULL : algs[i].name;
}

unsigned
vouch_alg_from_name(const char *name)
{
	for (int i = 0; i < VOUCH_ALG_COUNT; i++)
		if (strcasecmp(name, algs[i].name) == 0 || strcasecmp(name, algs[i].alias) == 0)
			return algs[i].bit;
	return 0;
}

size_t
vouch_alg_size(unsigned alg)
{
	int i = vouch_alg_index(alg);

	return i < 0 ? 0 : algs[i].size;
}

const uint8_t *
vouch_digests_get(const vouch_digests *d, unsigned alg)
{
	int i = vouch_alg_index(alg);

	if (i < 0 || (d->algs & alg) == 0)
		return NULL;
	return d->md[i];
}

struct vouch_hasher {
	unsigned algs;
	uint64_t length;
	EVP_MD *md[VOUCH_ALG_COUNT];
	EVP_MD_CTX *ctx[VOUCH_ALG_COUNT];
};

void
vouch_hasher_free(vouch_hasher *h)
{
	if (h == NULL)
		return;
	for (int i = 0; i < VOUCH_ALG_COUNT; i++) {
		EVP_MD_CTX_free(h->ctx[i]);
		EVP_MD_free(h->md[i]);
	}
	free(h);
}

int
vouch_hasher_reset(vouch_hasher *h, vouch_err *err)
{
	h->length = 0;
	for (int i = 0; i < VOUCH_ALG_COUNT; i++)
		if (h->ctx[i] != NULL && EVP_DigestInit_ex(h->ctx[i], h->md[i], NULL) != 1)
			return vouch_err_crypto(err, "cannot start %s", algs[i].name);
	return VOUCH_OK;
}

int
vouch_hasher_new(unsigned want, vouch_hasher **out, vouch_err *err)
{
	vouch_hasher *h;
	int rc;

	*out = NULL;
	if (want == 0 || (want & ~VOUCH_ALG_ALL) != 0)
		return vouch_err_set(err, VOUCH_EUSAGE, "no valid digest algorithm requested");
	h = calloc(1, sizeof(*h));
	if (h == NULL)
		return vouch_err_set(err, VOUCH_ENOMEM, "out of memory");
	h->algs = want;
	for (int i = 0; i < VOUCH_ALG_COUNT; i++) {
		if ((want & algs[i].bit) == 0)
			continue;
		/* Fetch once: implicit fetching on every init is measurably slower. */
		h->md[i] = EVP_MD_fetch(NULL, algs[i].evp, NULL);
		h->ctx[i] = EVP_MD_CTX_new();
		if (h->md[i] == NULL || h->ctx[i] == NULL) {
			vouch_hasher_free(h);
			return vouch_err_crypto(err, "digest %s is not available", algs[i].name);
		}
	}
	rc = vouch_hasher_reset(h, err);
	if (rc != VOUCH_OK) {
		vouch_hasher_free(h);
		return rc;
	}
	*out = h;
	return VOUCH_OK;
}

int
vouch_hasher_update(vouch_hasher *h, const void *data, size_t n, vouch_err *err)
{
	for (int i = 0; i < VOUCH_ALG_COUNT; i++)
		if (h->ctx[i] != NULL && EVP_DigestUpdate(h->ctx[i], data, n) != 1)
			return vouch_err_crypto(err, "%s update failed", algs[i].name);
	h->length += n;
	return VOUCH_OK;
}

int
vouch_hasher_final(vouch_hasher *h, vouch_digests *out, vouch_err *err)
{
	memset(out, 0, sizeof(*out));
	for (int i = 0; i < VOUCH_ALG_COUNT; i++) {
		unsigned int len = 0;

		if (h->ctx[i] == NULL)
			continue;
		if (EVP_DigestFinal_ex(h->ctx[i], out->md[i], &len) != 1 || len != algs[i].size)
			return vouch_err_crypto(err, "%s final failed", algs[i].name);
	}
	out->algs = h->algs;
	out->length = h->length;
	return VOUCH_OK;
}


int
vouch_digest_fd(int fd, const char *name, unsigned want, vouch_digests *out, vouch_err *err)
{
	vouch_hasher *h = NULL;
	unsigned char *chunk = NULL;
	struct stat before;
	off_t start = lseek(fd, 0, SEEK_CUR);
	uint64_t total = start > 0 ? (uint64_t)start : 0;
	int rc;

	if (fstat(fd, &before) != 0)
		return vouch_err_sys(err, VOUCH_EIO, "cannot stat '%s'", name);
	rc = vouch_hasher_new(want, &h, err);
	if (rc != VOUCH_OK)
		return rc;
	chunk = vouch_chunk_alloc();
	if (chunk == NULL) {
		rc = vouch_err_set(err, VOUCH_ENOMEM, "out of memory");
		goto out;
	}
	(void)posix_fadvise(fd, 0, 0, POSIX_FADV_SEQUENTIAL);
	for (;;) {
		ssize_t n = read(fd, chunk, VOUCH_READ_CHUNK);

		if (n < 0) {
			if (errno == EINTR)
				continue;
			rc = vouch_err_sys(err, VOUCH_EIO, "cannot read '%s'", name);
			goto out;
		}
		if (n == 0)
			break;
		total += (uint64_t)n;
		rc = vouch_hasher_update(h, chunk, (size_t)n, err);
		if (rc != VOUCH_OK)
			goto out;
	}
	rc = vouch_file_unchanged(fd, &before, total, name, err);
	if (rc == VOUCH_OK)
		rc = vouch_hasher_final(h, out, err);
out:
	free(chunk);
	vouch_hasher_free(h);
	return rc;
}

int
vouch_digest_file(const char *path, unsigned want, vouch_digests *out, vouch_err *err)
{
	vouch_input in;
	int rc;

	if ((rc = vouch_input_open(&in, path, VOUCH_INPUT_STDIN, NULL, err)) != VOUCH_OK)
		return rc;
	rc = vouch_digest_fd(in.fd, in.label, want, out, err);
	vouch_input_close(&in);
	return rc;
}

int
vouch_digest_mem(const void *data, size_t n, unsigned want, vouch_digests *out, vouch_err *err)
{
	vouch_hasher *h = NULL;
	int rc = vouch_hasher_new(want, &h, err);

	if (rc == VOUCH_OK)
		rc = vouch_hasher_update(h, data, n, err);
	if (rc == VOUCH_OK)
		rc = vouch_hasher_final(h, out, err);
	vouch_hasher_free(h);
	return rc;
}

int
vouch_sha256(const void *data, size_t n, uint8_t out[32], vouch_err *err)
{
	unsigned int len = 0;

	if (EVP_Digest(data, n, out, &len, EVP_sha256(), NULL) != 1 || len != 32)
		return vouch_err_crypto(err, "sha256 failed");
	return VOUCH_OK;
}
