/* vouch/digest.h - streaming multi-algorithm digests over OpenSSL EVP.
 *
 * One pass over the data feeds every requested algorithm.  Algorithms are a
 * bit set so callers can ask for several at once.
 */
#ifndef VOUCH_DIGEST_H
#define VOUCH_DIGEST_H

#include <stddef.h>
#include <stdint.h>
#include "error.h"

#ifdef __cplusplus
extern "C" {
#endif

enum vouch_alg {
	VOUCH_ALG_SHA256 = 1u << 0,
	VOUCH_ALG_SHA384 = 1u << 1,
	VOUCH_ALG_SHA512 = 1u << 2,
	VOUCH_ALG_SHA512_256 = 1u << 3,
	VOUCH_ALG_SHA3_256 = 1u << 4
};
#define VOUCH_ALG_COUNT 5
#define VOUCH_ALG_ALL ((1u << VOUCH_ALG_COUNT) - 1)
#define VOUCH_DIGEST_MAX 64

/* The in-toto DigestSet key for a source-tree digest (value: 64 lowercase
 * hex); the digest itself is computed by the archive layer (tree.h). */
#define VOUCH_TREE_DIGEST_KEY "vouchTree256"

/* in-toto DigestSet name ("sha256", "sha512_256", ...) */
const char *vouch_alg_name(unsigned alg);
/* Single algorithm for a name, or 0.  Accepts the in-toto names and
 * "sha-256" style spellings. */
unsigned vouch_alg_from_name(const char *name);
size_t vouch_alg_size(unsigned alg);
/* Index 0..VOUCH_ALG_COUNT-1 of a single algorithm bit. */
int vouch_alg_index(unsigned alg);

typedef struct vouch_digests {
	unsigned algs;                                /* which are filled */
	uint8_t md[VOUCH_ALG_COUNT][VOUCH_DIGEST_MAX];
	uint64_t length;                              /* bytes hashed */
} vouch_digests;

/* The digest for one algorithm, or NULL if it was not computed. */
const uint8_t *vouch_digests_get(const vouch_digests *d, unsigned alg);

typedef struct vouch_hasher vouch_hasher;

int vouch_hasher_new(unsigned algs, vouch_hasher **out, vouch_err *err);
int vouch_hasher_update(vouch_hasher *h, const void *data, size_t n, vouch_err *err);
/* Finish into out; the hasher can be reused after vouch_hasher_reset. */
int vouch_hasher_final(vouch_hasher *h, vouch_digests *out, vouch_err *err);
int vouch_hasher_reset(vouch_hasher *h, vouch_err *err);
void vouch_hasher_free(vouch_hasher *h);

/* Hash everything readable from fd (streams; memory does not grow with the
 * input).  name is for messages. */
int vouch_digest_fd(int fd, const char *name, unsigned algs, vouch_digests *out,
                    vouch_err *err);
/* Hash a file by path ("-" = stdin). */
int vouch_digest_file(const char *path, unsigned algs, vouch_digests *out, vouch_err *err);
/* Hash a memory block. */
int vouch_digest_mem(const void *data, size_t n, unsigned algs, vouch_digests *out,
                     vouch_err *err);
/* One-shot SHA-256. */
int vouch_sha256(const void *data, size_t n, uint8_t out[32], vouch_err *err);

#ifdef __cplusplus
}
#endif
#endif
