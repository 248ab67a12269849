/* vouch/zipcheck.h - does a zip archive's central directory agree with its
 * local headers?
 *
 * libarchive extracts a zip by its central directory but takes each name
 * from the local header, and it accepts several central entries that point
 * at one local header.  unzip reads the central name and refuses
 * overlapping entries, so such an archive means one thing to vouch and
 * another to the people who check it: a smuggling and zip-bomb shape.
 * Every reader (unpack, hash, compare) runs this check on a zip before
 * trusting its members.
 */
#ifndef VOUCH_ZIPCHECK_H
#define VOUCH_ZIPCHECK_H

#include <stddef.h>
#include <stdint.h>
#include "error.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Most central directory entries looked at; more is VOUCH_ELIMIT. */
#define VOUCH_ZIP_MAX_ENTRIES (1u << 22)
/* Largest central directory read, in bytes. */
#define VOUCH_ZIP_MAX_CDIR (1u << 30)

/* Check the zip in the first size bytes of fd (read with pread) or in
 * data[0..n).  VOUCH_OK when the input has no end-of-central-directory
 * record (not a zip: the caller's reader decides) or when every central
 * entry points at its own local header, with the same name, and no two
 * entries' headers and data overlap.  Otherwise VOUCH_EINPUT naming the
 * entry ("'NAME': zip entry 'x': ..."). */
int vouch_zip_check_fd(int fd, uint64_t size, const char *name, vouch_err *err);
int vouch_zip_check_mem(const void *data, size_t n, const char *name, vouch_err *err);

#ifdef __cplusplus
}
#endif
#endif
