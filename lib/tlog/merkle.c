/* merkle.c - RFC 6962 hashing, proofs and their RFC 9162 verification. */
#include "config.h"

#include <pthread.h>
#include <string.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>

#include "vouch/merkle.h"
#include "tlog_int.h"

/* issue 18: EVP_sha256() makes OpenSSL 3 look the implementation up at
 * every EVP_DigestInit_ex (EVP_MD_fetch was 5% of vouch-logd's samples
 * under load); fetched once here instead, and never freed. */
static EVP_MD *sha256_md;
static pthread_once_t sha256_once = PTHREAD_ONCE_INIT;

static void
sha256_fetch(void)
{
	sha256_md = EVP_MD_fetch(NULL, "SHA256", NULL);
}

const EVP_MD *
tlog_sha256(void)
{
	pthread_once(&sha256_once, sha256_fetch);
	return sha256_md != NULL ? sha256_md : EVP_sha256();
}

static int
sha256_parts(const uint8_t *a, size_t an, const uint8_t *b, size_t bn,
             const uint8_t *c, size_t cn, vouch_hash out, vouch_err *err)
{
	EVP_MD_CTX *ctx = EVP_MD_CTX_new();
	unsigned int len = 0;
	int ok;

	if (ctx == NULL)
		return vouch_err_crypto(err, "sha256 context");
	ok = EVP_DigestInit_ex(ctx, tlog_sha256(), NULL) == 1 &&
	     EVP_DigestUpdate(ctx, a, an) == 1 &&
	     (bn == 0 || EVP_DigestUpdate(ctx, b, bn) == 1) &&
	     (cn == 0 || EVP_DigestUpdate(ctx, c, cn) == 1) &&
	     EVP_DigestFinal_ex(ctx, out, &len) == 1 && len == VOUCH_HASH_LEN;
	EVP_MD_CTX_free(ctx);
	return ok ? VOUCH_OK : vouch_err_crypto(err, "sha256 failed");
}

int
vouch_merkle_leaf_hash(const void *entry, size_t n, vouch_hash out, vouch_err *err)
{
	static const uint8_t zero = 0;

	return sha256_parts(&zero, 1, entry, n, NULL, 0, out, err);
}

int
vouch_merkle_node_hash(const vouch_hash left, const vouch_hash right, vouch_hash out,
                       vouch_err *err)
{
	uint8_t in[1 + 2 * VOUCH_HASH_LEN];
	unsigned int len = 0;

	in[0] = 1;
	memcpy(in + 1, left, VOUCH_HASH_LEN);
	memcpy(in + 1 + VOUCH_HASH_LEN, right, VOUCH_HASH_LEN);
	if (EVP_Digest(in, sizeof in, out, &len, tlog_sha256(), NULL) != 1 ||
	    len != VOUCH_HASH_LEN)
		return vouch_err_crypto(err, "sha256 failed");
	return VOUCH_OK;
}

int
vouch_merkle_empty_root(vouch_hash out, vouch_err *err)
{
	unsigned int len = 0;

	if (EVP_Digest("", 0, out, &len, EVP_sha256(), NULL) != 1 || len != VOUCH_HASH_LEN)
		return vouch_err_crypto(err, "sha256 failed");
	return VOUCH_OK;
}

/* Largest power of two strictly below n (n >= 2). */
static uint64_t
split_point(uint64_t n)
{
	uint64_t k = 1;

	while (k < n - k)
		k <<= 1;
	return k;
}

static int
is_pow2(uint64_t n)
{
	return n != 0 && (n & (n - 1)) == 0;
}

static unsigned
log2_exact(uint64_t n)
{
	unsigned l = 0;

	while (n > 1) {
		n >>= 1;
		l++;
	}
	return l;
}

/* Root of the leaves [lo, lo + n), n >= 1, lo aligned as RFC 6962's
 * recursion guarantees. */
static int
range_root(vouch_merkle_reader rd, void *ctx, uint64_t lo, uint64_t n, vouch_hash out,
           vouch_err *err)
{
	vouch_hash l, r;
	uint64_t k;
	int rc;

	if (is_pow2(n) && lo % n == 0) {
		unsigned lv = log2_exact(n);

		return rd(ctx, lv, lo >> lv, out, err);
	}
	k = split_point(n);
	if ((rc = range_root(rd, ctx, lo, k, l, err)) != VOUCH_OK ||
	    (rc = range_root(rd, ctx, lo + k, n - k, r, err)) != VOUCH_OK)
		return rc;
	return vouch_merkle_node_hash(l, r, out, err);
}

int
vouch_merkle_tree_root(vouch_merkle_reader rd, void *ctx, uint64_t size, vouch_hash out,
                       vouch_err *err)
{
	if (size == 0)
		return vouch_merkle_empty_root(out, err);
	return range_root(rd, ctx, 0, size, out, err);
}

int
vouch_merkle_mem_reader(void *ctx, unsigned level, uint64_t index, vouch_hash out,
                        vouch_err *err)
{
	const struct vouch_merkle_mem *m = ctx;
	vouch_hash l, r;
	uint64_t half;
	int rc;

	if (level >= 64 || index > (m->n >> level) || ((index + 1) << level) > m->n ||
	    (index + 1) << level == 0)
		return vouch_err_set(err, VOUCH_EINTERNAL, "subtree %u/%llu outside the tree",
		                     level, (unsigned long long)index);
	if (level == 0) {
		memcpy(out, m->leaves[index], VOUCH_HASH_LEN);
		return VOUCH_OK;
	}
	half = index * 2;
	if ((rc = vouch_merkle_mem_reader(ctx, level - 1, half, l, err)) != VOUCH_OK ||
	    (rc = vouch_merkle_mem_reader(ctx, level - 1, half + 1, r, err)) != VOUCH_OK)
		return rc;
	return vouch_merkle_node_hash(l, r, out, err);
}

int
vouch_merkle_root_of(const vouch_hash *leaves, uint64_t n, vouch_hash out, vouch_err *err)
{
	/* Fold with a stack of complete subtree roots, one per set bit. */
	vouch_hash stack[64];
	unsigned depth = 0;
	uint64_t i;
	int rc;

	if (n == 0)
		return vouch_merkle_empty_root(out, err);
	for (i = 0; i < n; i++) {
		uint64_t j = i;

		memcpy(stack[depth++], leaves[i], VOUCH_HASH_LEN);
		while (j & 1) {
			depth--;
			if ((rc = vouch_merkle_node_hash(stack[depth - 1], stack[depth],
			                                 stack[depth - 1], err)) != VOUCH_OK)
				return rc;
			j >>= 1;
		}
	}
	while (depth > 1) {
		depth--;
		if ((rc = vouch_merkle_node_hash(stack[depth - 1], stack[depth], stack[depth - 1],
		                                 err)) != VOUCH_OK)
			return rc;
	}
	memcpy(out, stack[0], VOUCH_HASH_LEN);
	return VOUCH_OK;
}

/* PATH(m, D[lo, lo + n)), appended leaf first. */
static int
path(vouch_merkle_reader rd, void *ctx, uint64_t m, uint64_t lo, uint64_t n,
     vouch_hash *proof, size_t *len, vouch_err *err)
{
	uint64_t k;
	int rc;

	if (n <= 1)
		return VOUCH_OK;
	if (*len >= VOUCH_PROOF_MAX)
		return vouch_err_set(err, VOUCH_EINTERNAL, "proof too long");
	k = split_point(n);
	if (m < k) {
		if ((rc = path(rd, ctx, m, lo, k, proof, len, err)) != VOUCH_OK)
			return rc;
		rc = range_root(rd, ctx, lo + k, n - k, proof[*len], err);
	} else {
		if ((rc = path(rd, ctx, m - k, lo + k, n - k, proof, len, err)) != VOUCH_OK)
			return rc;
		rc = range_root(rd, ctx, lo, k, proof[*len], err);
	}
	if (rc == VOUCH_OK)
		(*len)++;
	return rc;
}

int
vouch_merkle_prove_inclusion(vouch_merkle_reader rd, void *ctx, uint64_t index,
                             uint64_t size, vouch_hash *proof, size_t *n, vouch_err *err)
{
	*n = 0;
	if (index >= size)
		return vouch_err_set(err, VOUCH_EUSAGE, "index %llu not in a tree of size %llu",
		                     (unsigned long long)index, (unsigned long long)size);
	return path(rd, ctx, index, 0, size, proof, n, err);
}

/* SUBPROOF(m, D[lo, lo + n), b). */
static int
subproof(vouch_merkle_reader rd, void *ctx, uint64_t m, uint64_t lo, uint64_t n, int b,
         vouch_hash *proof, size_t *len, vouch_err *err)
{
	uint64_t k;
	int rc;

	if (*len >= VOUCH_PROOF_MAX)
		return vouch_err_set(err, VOUCH_EINTERNAL, "proof too long");
	if (m == n) {
		if (b)
			return VOUCH_OK;
		rc = range_root(rd, ctx, lo, n, proof[*len], err);
	} else {
		k = split_point(n);
		if (m <= k) {
			if ((rc = subproof(rd, ctx, m, lo, k, b, proof, len, err)) != VOUCH_OK)
				return rc;
			if (*len >= VOUCH_PROOF_MAX)
				return vouch_err_set(err, VOUCH_EINTERNAL, "proof too long");
			rc = range_root(rd, ctx, lo + k, n - k, proof[*len], err);
		} else {
			if ((rc = subproof(rd, ctx, m - k, lo + k, n - k, 0, proof, len, err)) !=
			    VOUCH_OK)
				return rc;
			if (*len >= VOUCH_PROOF_MAX)
				return vouch_err_set(err, VOUCH_EINTERNAL, "proof too long");
			rc = range_root(rd, ctx, lo, k, proof[*len], err);
		}
	}
	if (rc == VOUCH_OK)
		(*len)++;
	return rc;
}

int
vouch_merkle_prove_consistency(vouch_merkle_reader rd, void *ctx, uint64_t old_size,
                               uint64_t new_size, vouch_hash *proof, size_t *n,
                               vouch_err *err)
{
	*n = 0;
	if (old_size == 0 || old_size > new_size)
		return vouch_err_set(err, VOUCH_EUSAGE,
		                     "no consistency proof from size %llu to %llu",
		                     (unsigned long long)old_size, (unsigned long long)new_size);
	if (old_size == new_size)
		return VOUCH_OK;
	return subproof(rd, ctx, old_size, 0, new_size, 1, proof, n, err);
}

static int
same_hash(const vouch_hash a, const vouch_hash b)
{
	return CRYPTO_memcmp(a, b, VOUCH_HASH_LEN) == 0;
}

int
vouch_merkle_verify_inclusion(const vouch_hash leaf, uint64_t index, uint64_t size,
                              const vouch_hash root, const vouch_hash *proof, size_t n,
                              vouch_err *err)
{
	uint64_t fn = index, sn;
	vouch_hash r;
	size_t i;
	int rc;

	if (index >= size)
		return vouch_err_set(err, VOUCH_ENEGATIVE,
		                     "index %llu is not below tree size %llu",
		                     (unsigned long long)index, (unsigned long long)size);
	if (n > VOUCH_PROOF_MAX)
		return vouch_err_set(err, VOUCH_ENEGATIVE, "inclusion proof too long");
	sn = size - 1;
	memcpy(r, leaf, VOUCH_HASH_LEN);
	for (i = 0; i < n; i++) {
		if (sn == 0)
			return vouch_err_set(err, VOUCH_ENEGATIVE, "inclusion proof too long");
		if ((fn & 1) || fn == sn) {
			rc = vouch_merkle_node_hash(proof[i], r, r, err);
			if ((fn & 1) == 0)
				while (fn != 0 && (fn & 1) == 0) {
					fn >>= 1;
					sn >>= 1;
				}
		} else {
			rc = vouch_merkle_node_hash(r, proof[i], r, err);
		}
		if (rc != VOUCH_OK)
			return rc;
		fn >>= 1;
		sn >>= 1;
	}
	if (sn != 0)
		return vouch_err_set(err, VOUCH_ENEGATIVE, "inclusion proof too short");
	if (!same_hash(r, root))
		return vouch_err_set(err, VOUCH_ENEGATIVE,
		                     "inclusion proof does not lead to the root");
	return VOUCH_OK;
}

static int
consistency_fold(uint64_t fn, uint64_t sn, const vouch_hash *path_, size_t n,
                 vouch_hash fr, vouch_hash sr, vouch_err *err)
{
	size_t i;
	int rc = VOUCH_OK;

	memcpy(fr, path_[0], VOUCH_HASH_LEN);
	memcpy(sr, path_[0], VOUCH_HASH_LEN);
	for (i = 1; i < n; i++) {
		if (sn == 0)
			return vouch_err_set(err, VOUCH_ENEGATIVE, "consistency proof too long");
		if ((fn & 1) || fn == sn) {
			if ((rc = vouch_merkle_node_hash(path_[i], fr, fr, err)) != VOUCH_OK ||
			    (rc = vouch_merkle_node_hash(path_[i], sr, sr, err)) != VOUCH_OK)
				return rc;
			if ((fn & 1) == 0)
				while (fn != 0 && (fn & 1) == 0) {
					fn >>= 1;
					sn >>= 1;
				}
		} else if ((rc = vouch_merkle_node_hash(sr, path_[i], sr, err)) != VOUCH_OK) {
			return rc;
		}
		fn >>= 1;
		sn >>= 1;
	}
	if (sn != 0)
		return vouch_err_set(err, VOUCH_ENEGATIVE, "consistency proof too short");
	return VOUCH_OK;
}

int
vouch_merkle_verify_consistency(uint64_t old_size, uint64_t new_size,
                                const vouch_hash old_root, const vouch_hash new_root,
                                const vouch_hash *proof, size_t n, vouch_err *err)
{
	vouch_hash path_[VOUCH_PROOF_MAX + 1], fr, sr;
	uint64_t fn, sn;
	size_t len = 0;
	int rc;

	if (old_size == 0)
		return vouch_err_set(err, VOUCH_ENEGATIVE,
		                     "no consistency proof can start at size 0");
	if (old_size > new_size)
		return vouch_err_set(err, VOUCH_ENEGATIVE, "tree shrank from %llu to %llu",
		                     (unsigned long long)old_size, (unsigned long long)new_size);
	if (old_size == new_size) {
		if (n != 0)
			return vouch_err_set(err, VOUCH_ENEGATIVE,
			                     "consistency proof between equal sizes must be empty");
		if (!same_hash(old_root, new_root))
			return vouch_err_set(err, VOUCH_ENEGATIVE,
			                     "two different roots for tree size %llu",
			                     (unsigned long long)old_size);
		return VOUCH_OK;
	}
	if (n == 0)
		return vouch_err_set(err, VOUCH_ENEGATIVE, "consistency proof is empty");
	if (n > VOUCH_PROOF_MAX)
		return vouch_err_set(err, VOUCH_ENEGATIVE, "consistency proof too long");
	if (is_pow2(old_size))
		memcpy(path_[len++], old_root, VOUCH_HASH_LEN);
	memcpy(path_ + len, proof, n * VOUCH_HASH_LEN);
	len += n;
	fn = old_size - 1;
	sn = new_size - 1;
	while (fn & 1) {
		fn >>= 1;
		sn >>= 1;
	}
	if ((rc = consistency_fold(fn, sn, (const vouch_hash *)path_, len, fr, sr, err)) !=
	    VOUCH_OK)
		return rc;
	if (!same_hash(fr, old_root))
		return vouch_err_set(err, VOUCH_ENEGATIVE,
		                     "consistency proof does not lead to the old root");
	if (!same_hash(sr, new_root))
		return vouch_err_set(err, VOUCH_ENEGATIVE,
		                     "consistency proof does not lead to the new root");
	return VOUCH_OK;
}
