/* vouch/merkle.h - RFC 6962 / RFC 9162 Merkle trees.
 *
 * Leaf hash SHA-256(0x00 || entry); node hash SHA-256(0x01 || left || right);
 * the empty tree's root is SHA-256("").  Proofs are lists of 32-byte hashes,
 * leaf to root, as in RFC 9162 sections 2.1.3 and 2.1.4.
 *
 * Proof generation reads hashes of complete subtrees through a callback, so
 * it works over anything that stores them (tiles on disk or on a server, an
 * array in memory).  Subtree (level, index) is the root of the leaves
 * [index << level, (index + 1) << level); level 0 is a leaf hash.
 */
#ifndef VOUCH_MERKLE_H
#define VOUCH_MERKLE_H

#include <stddef.h>
#include <stdint.h>
#include "error.h"

#ifdef __cplusplus
extern "C" {
#endif

#define VOUCH_HASH_LEN 32
/* No proof in a tree of at most 2^64 - 1 leaves is longer than this. */
#define VOUCH_PROOF_MAX 64

typedef uint8_t vouch_hash[VOUCH_HASH_LEN];

int vouch_merkle_leaf_hash(const void *entry, size_t n, vouch_hash out, vouch_err *err);
int vouch_merkle_node_hash(const vouch_hash left, const vouch_hash right, vouch_hash out,
                           vouch_err *err);
/* SHA-256 of the empty string. */
int vouch_merkle_empty_root(vouch_hash out, vouch_err *err);

/* Root of n leaf hashes held in memory (n may be 0). */
int vouch_merkle_root_of(const vouch_hash *leaves, uint64_t n, vouch_hash out,
                         vouch_err *err);

/* Hash of the complete subtree (level, index); the callback only ever asks
 * for subtrees that lie inside the tree the caller named. */
typedef int (*vouch_merkle_reader)(void *ctx, unsigned level, uint64_t index,
                                   vouch_hash out, vouch_err *err);

/* Root of the tree of the first size leaves (RFC 6962 MTH). */
int vouch_merkle_tree_root(vouch_merkle_reader rd, void *ctx, uint64_t size,
                           vouch_hash out, vouch_err *err);

/* Inclusion proof of leaf index in the tree of size leaves (RFC 6962 PATH).
 * proof must hold VOUCH_PROOF_MAX hashes; *n gets the count. */
int vouch_merkle_prove_inclusion(vouch_merkle_reader rd, void *ctx, uint64_t index,
                                 uint64_t size, vouch_hash *proof, size_t *n,
                                 vouch_err *err);

/* Consistency proof from old_size to new_size (RFC 6962 PROOF); requires
 * 0 < old_size <= new_size.  Equal sizes give an empty proof. */
int vouch_merkle_prove_consistency(vouch_merkle_reader rd, void *ctx, uint64_t old_size,
                                   uint64_t new_size, vouch_hash *proof, size_t *n,
                                   vouch_err *err);

/* RFC 9162 2.1.3.2.  VOUCH_OK when leaf is at index in the tree of size
 * leaves with the given root, VOUCH_ENEGATIVE when not (err says why). */
int vouch_merkle_verify_inclusion(const vouch_hash leaf, uint64_t index, uint64_t size,
                                  const vouch_hash root, const vouch_hash *proof, size_t n,
                                  vouch_err *err);

/* RFC 9162 2.1.4.2.  Old size 0 is always refused (there is nothing to
 * prove, and an empty proof "from 0" must not pass as a proof); equal sizes
 * need an empty proof and equal roots. */
int vouch_merkle_verify_consistency(uint64_t old_size, uint64_t new_size,
                                    const vouch_hash old_root, const vouch_hash new_root,
                                    const vouch_hash *proof, size_t n, vouch_err *err);

/* A reader over leaf hashes in memory (ctx is a struct vouch_merkle_mem).
 * Computes each subtree on demand, so it suits tests and small trees. */
struct vouch_merkle_mem {
	const vouch_hash *leaves;
	uint64_t n;
};
int vouch_merkle_mem_reader(void *ctx, unsigned level, uint64_t index, vouch_hash out,
                            vouch_err *err);

#ifdef __cplusplus
}
#endif
#endif
