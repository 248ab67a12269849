/* vouch/canonjson.h - OLPC canonical JSON (as securesystemslib writes it).
 *
 * No whitespace; object keys sorted by their UTF-8 bytes; numbers must be
 * integers (anything else is refused); strings are written raw with only
 * '\\' and '"' escaped.  Used for the signed part of legacy in-toto links
 * and for the securesystemslib legacy keyid.
 */
#ifndef VOUCH_CANONJSON_H
#define VOUCH_CANONJSON_H

#include <cjson/cJSON.h>
#include "buf.h"
#include "error.h"

#ifdef __cplusplus
extern "C" {
#endif

#define VOUCH_CANONJSON_MAX_DEPTH 64

/* Append the canonical form of item to out.  Fails (VOUCH_EINPUT) on
 * non-integer numbers, numbers beyond +-2^53, or duplicate keys. */
int vouch_canonjson_append(vouch_buf *out, const cJSON *item, vouch_err *err);

#ifdef __cplusplus
}
#endif
#endif
