/* vouch/compare.h - the recursive difference engine behind vouch-compare.
 *
 * vouch_compare() compares A (the rebuilt artifact) with B (the shipped
 * one): files, directories or archives.  Equal size and equal SHA-256, each
 * established in one streaming pass, mean identical.  Otherwise it recurses:
 * directories pair entries by relative path, archives (tar and its
 * compressions, zip, cpio, ar, iso9660, 7z) pair members by path and nested
 * archives are entered, compressed streams are compared by header and by
 * decompressed content, ELF files section by section, text files by a
 * bounded unified diff and other files by their first differing offset.
 *
 * Differences carry classification hints (probable causes, never proofs).
 * Under normalization rules some differences are excused; the report says
 * which rules were needed.  Every limit hit is recorded in the report.
 *
 * Member paths in a report are the outer path, "/", then the member path;
 * bytes that are not printable UTF-8 are shown as \xNN, bidirectional
 * formatting characters as \uNNNN, a backslash as \\.
 *
 * A raw compressed stream (file.gz) has one member named after the file
 * without its suffix (file.gz/file).  Statement subjects are the regular
 * files at the top of B (or B itself when it is a file).
 */
#ifndef VOUCH_COMPARE_H
#define VOUCH_COMPARE_H

#include <stddef.h>
#include <stdint.h>
#include "buf.h"
#include "error.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Normalization rules (bit set). */
enum vouch_norm {
	VOUCH_NORM_MTIME = 1u << 0,       /* archive member modification times */
	VOUCH_NORM_ORDER = 1u << 1,       /* archive member order */
	VOUCH_NORM_OWNER = 1u << 2,       /* uid, gid, user and group names */
	VOUCH_NORM_MODE = 1u << 3,        /* permission bits */
	VOUCH_NORM_GZIP_HEADER = 1u << 4, /* compression headers (gzip mtime/name/os, ...) */
	VOUCH_NORM_COMPRESSION = 1u << 5, /* compressed encoding when the content is equal */
	VOUCH_NORM_BUILD_ID = 1u << 6,    /* ELF files that differ only in their build id */
	VOUCH_NORM_DEBUG_LINK = 1u << 7   /* .gnu_debuglink: its CRC, and its name as far as
	                                   * the name spells the build id */
};
#define VOUCH_NORM_ALL ((1u << 8) - 1)
/* A checksum manifest (Debian md5sums, sha256sums-style lists) whose
 * differing lines are exactly files excused under some rules is excused
 * under those same rules, once each differing line's digest has been
 * recomputed from the file it names on its own side. */

/* Classification hints (bit set). */
enum vouch_hint {
	VOUCH_HINT_ARCHIVE_METADATA = 1u << 0,
	VOUCH_HINT_COMPRESSION_HEADER = 1u << 1,
	VOUCH_HINT_COMPRESSION_ENCODING = 1u << 2,
	VOUCH_HINT_TIMESTAMP = 1u << 3,
	VOUCH_HINT_BUILD_PATH = 1u << 4,
	VOUCH_HINT_ELF_BUILD_ID = 1u << 5,
	VOUCH_HINT_ELF_DEBUG = 1u << 6,
	VOUCH_HINT_MEMBER_ADDED = 1u << 7,
	VOUCH_HINT_MEMBER_REMOVED = 1u << 8,
	VOUCH_HINT_CONTENT = 1u << 9,
	VOUCH_HINT_SYMBOLS_REORDERED = 1u << 10, /* same symbols, in another order */
	VOUCH_HINT_MANIFEST_FOLLOWS = 1u << 11   /* checksum lines of excused files */
};
#define VOUCH_HINT_COUNT 12

enum vouch_compare_verdict {
	VOUCH_CMP_IDENTICAL = 0,  /* bit for bit */
	VOUCH_CMP_EQUIVALENT,     /* equal after the declared normalization */
	VOUCH_CMP_DIFFERENT,
	VOUCH_CMP_INCOMPLETE      /* no difference found, but a limit or error stopped us */
};

struct vouch_compare_opts {
	unsigned normalize;     /* enum vouch_norm bits; 0 = strict */
	unsigned max_depth;     /* nesting of directories and archives */
	uint64_t max_members;   /* archive members and directory entries, in total */
	uint64_t max_size;      /* decompressed bytes read from archives, in total */
	size_t max_diff;        /* bytes of diff text kept per difference */
	size_t max_text;        /* larger files are not diffed as text */
	int disassemble;        /* run objdump(1) on changed functions, when installed */
};

/* Defaults: depth 16, 1,000,000 members, 16 GiB, 64 KiB diff, 16 MiB text. */
void vouch_compare_opts_init(struct vouch_compare_opts *o);

/* Parse "mtime,order,..." (also "all").  Unknown names fail with VOUCH_EUSAGE. */
int vouch_normalize_parse(const char *list, unsigned *rules, vouch_err *err);
/* Name of one rule or hint bit ("mtime", "archive-metadata-only", ...). */
const char *vouch_normalize_name(unsigned rule);
const char *vouch_hint_name(unsigned hint);
const char *vouch_compare_verdict_name(int verdict); /* "identical", ... */

typedef struct vouch_compare_report vouch_compare_report;

/* Compare a (rebuilt) with b (shipped).  Returns VOUCH_OK whenever the
 * comparison ran, whatever it found (see vouch_compare_report_verdict); an
 * error only when a or b cannot be read at all.  *out is the caller's. */
int vouch_compare(const char *a, const char *b, const struct vouch_compare_opts *o,
                  vouch_compare_report **out, vouch_err *err);
void vouch_compare_report_free(vouch_compare_report *r);

int vouch_compare_report_verdict(const vouch_compare_report *r);
/* VOUCH_OK (identical or equivalent), VOUCH_ENEGATIVE (different) or
 * VOUCH_ELIMIT (incomplete). */
int vouch_compare_report_status(const vouch_compare_report *r);
/* Rules that were needed to excuse differences. */
unsigned vouch_compare_report_rules_needed(const vouch_compare_report *r);
size_t vouch_compare_report_difference_count(const vouch_compare_report *r);
/* Path, kind and hints of difference i (NULL / 0 past the end). */
const char *vouch_compare_report_difference_path(const vouch_compare_report *r, size_t i);
const char *vouch_compare_report_difference_kind(const vouch_compare_report *r, size_t i);
unsigned vouch_compare_report_difference_hints(const vouch_compare_report *r, size_t i);
/* The one-line summary of difference i, and the names of the fields,
 * sections or members it is made of ("[elf header]", ".debug_str"...). */
const char *vouch_compare_report_difference_summary(const vouch_compare_report *r, size_t i);
size_t vouch_compare_report_item_count(const vouch_compare_report *r, size_t i);
const char *vouch_compare_report_item_name(const vouch_compare_report *r, size_t i, size_t k);
/* Non-zero when difference i was excused by normalization. */
int vouch_compare_report_difference_excused(const vouch_compare_report *r, size_t i);

/* Renderings, appended to out. */
/* The summary: counts per classification, then the unexcused differences
 * (long runs of metadata-only ones cut short); excused ones are listed
 * only with VOUCH_CMP_TEXT_VERBOSE. */
#define VOUCH_CMP_TEXT_VERBOSE 1u
int vouch_compare_report_text(const vouch_compare_report *r, vouch_buf *out, vouch_err *err);
int vouch_compare_report_text_ex(const vouch_compare_report *r, unsigned flags, vouch_buf *out,
                                 vouch_err *err);
/* One JSON document (schemas/compare-report.schema.json), newline-terminated. */
int vouch_compare_report_json(const vouch_compare_report *r, vouch_buf *out, vouch_err *err);
/* A self-contained HTML page: no scripts, no external resources. */
int vouch_compare_report_html(const vouch_compare_report *r, vouch_buf *out, vouch_err *err);

/* An unsigned in-toto Statement (JSON, newline-terminated): subject = the
 * shipped artifact(s), predicate = SLSA Verification Summary v1 with
 * PASSED/FAILED, the rebuilt digests, the mode and the SHA-256 of
 * report_json.  provenance (may be NULL) is a file whose digest goes into
 * inputAttestations under the name provenance_uri (NULL: the file name). */
int vouch_compare_statement(const vouch_compare_report *r, const vouch_buf *report_json,
                            const char *provenance, const char *provenance_uri,
                            vouch_buf *out, vouch_err *err);

#ifdef __cplusplus
}
#endif
#endif
