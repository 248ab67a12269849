/* reader.c - the one list of archive formats and filters (vouch/reader.h). */
#include "config.h"

#include <stddef.h>

#include <archive.h>

#include "vouch/reader.h"

typedef int (*support_fn)(struct archive *);

static const support_fn filters[] = {
	archive_read_support_filter_gzip, archive_read_support_filter_bzip2,
	archive_read_support_filter_xz, archive_read_support_filter_lzma,
	archive_read_support_filter_lzip, archive_read_support_filter_zstd,
	archive_read_support_filter_lz4, archive_read_support_filter_compress,
};

static const support_fn formats[] = {
	archive_read_support_format_tar, archive_read_support_format_gnutar,
	archive_read_support_format_cpio, archive_read_support_format_zip,
	archive_read_support_format_7zip, archive_read_support_format_ar,
	archive_read_support_format_iso9660,
};

#define COUNT(a) (sizeof(a) / sizeof((a)[0]))

static int
configure(struct archive *a, unsigned flags, vouch_err *err)
{
	/* ARCHIVE_WARN from a filter: it would run an external program. */
	for (size_t i = 0; i < COUNT(filters); i++)
		if (filters[i](a) != ARCHIVE_OK)
			return vouch_err_set(err, VOUCH_EINTERNAL,
			    "libarchive lacks built-in support for a compression format");
	for (size_t i = 0; i < COUNT(formats); i++)
		if (formats[i](a) != ARCHIVE_OK)
			return vouch_err_set(err, VOUCH_EINTERNAL, "libarchive lacks an archive format");
	if ((flags & VOUCH_READER_RAW) && archive_read_support_format_raw(a) != ARCHIVE_OK)
		return vouch_err_set(err, VOUCH_EINTERNAL, "libarchive lacks an archive format");
	if ((flags & VOUCH_READER_EMPTY) && archive_read_support_format_empty(a) != ARCHIVE_OK)
		return vouch_err_set(err, VOUCH_EINTERNAL, "libarchive lacks an archive format");
	return VOUCH_OK;
}

int
vouch_reader_new(unsigned flags, struct archive **out, vouch_err *err)
{
	struct archive *a = archive_read_new();
	int rc;

	*out = NULL;
	if (a == NULL)
		return vouch_err_set(err, VOUCH_ENOMEM, "out of memory");
	if ((rc = configure(a, flags, err)) != VOUCH_OK) {
		archive_read_free(a);
		return rc;
	}
	*out = a;
	return VOUCH_OK;
}
