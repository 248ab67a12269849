/* vouch/rfc3339.h - RFC 3339 timestamps, both ways. */
#ifndef VOUCH_RFC3339_H
#define VOUCH_RFC3339_H

#include <time.h>
#include "error.h"

#ifdef __cplusplus
extern "C" {
#endif

#define VOUCH_RFC3339_LEN 20 /* "2026-01-02T03:04:05Z" */

/* RFC 3339 UTC with 'Z' ("2026-01-02T03:04:05Z"); out holds
 * VOUCH_RFC3339_LEN + 1 bytes. */
int vouch_time_rfc3339(time_t t, char out[VOUCH_RFC3339_LEN + 1], vouch_err *err);
/* Parse an RFC 3339 timestamp ("2026-01-02T03:04:05Z", optional fraction,
 * "Z" or a numeric offset) into seconds since the epoch. */
int vouch_time_parse_rfc3339(const char *s, time_t *out, vouch_err *err);

#ifdef __cplusplus
}
#endif
#endif
