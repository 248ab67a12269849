/* tlog_int.h - shared internals of lib/tlog's hot paths (issue 18). */
#ifndef VOUCH_TLOG_INT_H
#define VOUCH_TLOG_INT_H

#include <stdint.h>

#include <openssl/evp.h>

#include "vouch/envelope.h"
#include "vouch/error.h"

/* SHA-256 (leaf and node hashes, dedup keys): the OpenSSL implementation
 * fetched once (merkle.c). */
const EVP_MD *tlog_sha256(void);

/* vouch_logentry_dedup_key of an envelope already parsed (logdedup.c). */
int tlog_dedup_key_env(const vouch_envelope *env, uint8_t key[32], vouch_err *err);

#endif
