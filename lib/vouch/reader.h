/* vouch/reader.h - the one archive reader: which archive formats and
 * compression filters vouch reads, for vouch-unpack, vouch-hash and
 * vouch-compare alike.
 *
 * Formats: tar (ustar, pax, GNU, v7), cpio (all its dialects), zip, 7-Zip,
 * ar (and so .deb), ISO 9660.  Filters: gzip, bzip2, xz, lzma, lzip, zstd,
 * lz4, compress (.Z).  Every filter is libarchive's built-in decoder: a
 * libarchive that would start an external program for one is refused, as
 * is any failure to register a format.  No mtree (it names host files to
 * read), no formats or filters outside the list.
 */
#ifndef VOUCH_READER_H
#define VOUCH_READER_H

#include "vouch/error.h"

#ifdef __cplusplus
extern "C" {
#endif

struct archive;

/* Also read what is not an archive: a lone (possibly compressed) file
 * becomes one member named "data" (libarchive's raw format). */
#define VOUCH_READER_RAW 1u
/* Also read an empty input, as an archive with no members. */
#define VOUCH_READER_EMPTY 2u

/* A new libarchive reader for the formats and filters above, plus those
 * flags asks for; the caller sets its callbacks, opens and frees it.
 * VOUCH_ENOMEM, or VOUCH_EINTERNAL when libarchive lacks one of them. */
int vouch_reader_new(unsigned flags, struct archive **out, vouch_err *err);

#ifdef __cplusplus
}
#endif
#endif
