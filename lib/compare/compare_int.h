/* compare_int.h - internals shared by the compare*.c files (not installed). */
#ifndef VOUCH_COMPARE_INT_H
#define VOUCH_COMPARE_INT_H

#include <stddef.h>
#include <pthread.h>
#include <stdint.h>

#include "vouch/buf.h"
#include "vouch/compare.h"
#include "vouch/digest.h"

struct stat;

enum cmp_kind {
	CMP_CONTENT,      /* bytes differ (binary detail) */
	CMP_TEXT,         /* text lines differ */
	CMP_ELF,          /* ELF sections differ */
	CMP_ADDED,        /* only in B */
	CMP_REMOVED,      /* only in A */
	CMP_METADATA,     /* archive or file metadata */
	CMP_ORDER,        /* archive member order */
	CMP_COMP_HEADER,  /* compression header */
	CMP_COMP_ENCODING,/* compressed bytes differ, content equal */
	CMP_CONTAINER,    /* archive bytes differ, members equal */
	CMP_TYPE,         /* different kinds of object */
	CMP_LIMIT,        /* a limit stopped the comparison here */
	CMP_ERROR,        /* could not read */
	CMP_RENAME        /* the one top directory has another name */
};

struct cmp_item {         /* one field, section, ... of a difference */
	char *name;
	char *a;
	char *b;
	char *note;
	unsigned rule;        /* normalization rule that excuses it, 0 if none */
};

enum cmp_fstatus { FUNC_CHANGED, FUNC_ADDED, FUNC_REMOVED };

struct cmp_func {         /* a changed function (code inside an executable section) */
	char *name;           /* printable symbol name, or "(no symbol)" */
	char *section;
	const char *symtab;   /* ".symtab", ".dynsym" or NULL */
	uint64_t addr;        /* in A (in B when added) */
	uint64_t addr_b;      /* in B */
	uint64_t size, size_b;
	uint64_t differing;   /* bytes */
	int status;           /* enum cmp_fstatus */
	char *diff;           /* disassembly diff or hex dump, for the first few */
};

#define CMP_MAX_FUNCS 256     /* kept per ELF difference (all are counted) */
#define CMP_MAX_DETAIL 8      /* functions given a disassembly or hex detail */

enum cmp_detail { DETAIL_NONE, DETAIL_HEX, DETAIL_DISASM };

struct cmp_mline {        /* a differing line of a checksum manifest */
	char *path;           /* as written in the manifest */
	char *da, *db;        /* hex digests */
};

struct cmp_side {
	int present;
	uint64_t size;
	uint8_t sha256[32];
};

struct cmp_diff {
	char *path;
	enum cmp_kind kind;
	unsigned hints;
	unsigned excused;     /* rules that excused it; 0 = not excused */
	char *summary;        /* one line */
	struct cmp_side a, b;
	int has_offset;
	uint64_t offset;      /* first differing byte */
	uint64_t count;       /* differing bytes in the common length */
	char *diff;           /* unified diff or hex dump, or NULL */
	int truncated;
	struct cmp_item *items;
	size_t nitems;
	char *cls;            /* classification (set when the verdict is settled) */
	struct cmp_func *funcs;
	size_t nfuncs, funcs_total;
	int detail;           /* enum cmp_detail */
	int has_md5;          /* md5a/md5b hold the MD5 of both sides (ELF files) */
	uint8_t md5a[16], md5b[16];
	int manifest;         /* a parsed checksum manifest: mlines are its differing lines */
	struct cmp_mline *mlines;
	size_t nmlines;
};

enum cmp_mstatus { MEM_SAME, MEM_DIFFERENT, MEM_EQUIVALENT, MEM_ADDED, MEM_REMOVED };

struct cmp_member {
	char *path;
	int status;
};

struct cmp_artifact {     /* a top-level file (the statement's subjects) */
	char *name;
	struct cmp_side a, b;
};

struct vouch_compare_report {
	struct vouch_compare_opts opts;
	char *a_path, *b_path;
	struct cmp_side a, b;
	int is_dir;
	int verdict;
	unsigned rules_needed;
	struct cmp_diff *diffs;
	size_t ndiffs, capdiffs;
	struct cmp_member *members;
	size_t nmembers, capmembers;
	struct cmp_artifact *arts;
	size_t narts, caparts;
	char **notes;
	size_t nnotes;
	int incomplete;
};

struct cmp_ctx {
	const struct vouch_compare_opts *o;
	struct vouch_compare_report *r;
	char tmpdir[4096];
	unsigned tmpseq;
	uint64_t members;     /* seen so far (limit) */
	uint64_t unpacked;    /* decompressed bytes so far (limit) */
	int members_limited;
	int size_limited;
	unsigned disasm_runs; /* objdump processes started (CMP_MAX_DISASM_RUNS) */
	pthread_mutex_t lock; /* tmpdir, tmpseq, members, unpacked, *_limited: the
	                         two sides of an archive are listed in two threads */
	vouch_err refused;    /* hostile or changing input: the whole run is exit 2 */
	struct cmp_mem *mem;  /* members held in memory (cmp_mem_add), under lock */
	size_t nmem, capmem;
	uint64_t held;        /* their bytes (CMP_HOLD_MAX) */
	unsigned memseq;
};

/* Archive members read into memory by the listing pass (compare_archive.c,
 * KEEP_MAX) are passed to the inner comparison as they are, instead of
 * being written to a temporary file and read back: writing the libssl3
 * pair's members (12 MB) to /tmp and reading them again was ~12% of its
 * CPU time, all of it after both sides were decompressed, on the one
 * thread left.  A held member goes by a name that is no path (it starts
 * with CMP_MEM_MARK); the readers below take either.  At most CMP_HOLD_MAX
 * bytes are held at once per comparison (nested archives hold a level
 * each); members beyond it go through temporary files as before.  objdump
 * (--html) gets a temporary file of a held ELF file only when it runs. */
#define CMP_MEM_MARK '\001'
#define CMP_HOLD_MAX ((uint64_t)32 << 20)

struct cmp_mem {
	char *name;
	vouch_buf buf;
};

struct cmp_in {           /* an open input: a file or a held member */
	int fd;
	const uint8_t *mem;
	size_t len;
};

#define CMP_MAX_DISASM_RUNS 64

/* Internal to libvouch: not exported from the shared library. */
#define CMP_INTERNAL __attribute__((visibility("hidden")))

/* compare.c */
CMP_INTERNAL struct cmp_diff *cmp_add_diff(struct cmp_ctx *c, const char *path,
                                           enum cmp_kind kind);
CMP_INTERNAL int cmp_add_item(struct cmp_diff *d, const char *name, const char *a,
                              const char *b, const char *note, unsigned rule);
CMP_INTERNAL int cmp_add_member(struct cmp_ctx *c, const char *path, int status);
CMP_INTERNAL void cmp_note(struct cmp_ctx *c, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
/* Refuse the comparison (the first reason wins): vouch_compare fails with
 * it instead of reporting a verdict. */
CMP_INTERNAL void cmp_refuse(struct cmp_ctx *c, const vouch_err *why);
/* compare_prov.c: VOUCH_OK when the provenance at path (a statement or an
 * envelope holding one) names every rebuilt (A) artifact's sha256 among its
 * subjects; VOUCH_EINPUT saying which it does not name. */
CMP_INTERNAL int cmp_provenance_names(const vouch_compare_report *r, const char *path,
                                      vouch_err *err);
CMP_INTERNAL char *cmp_join(const char *parent, const char *name);
CMP_INTERNAL char *cmp_printable(const char *s, size_t n);
CMP_INTERNAL char *cmp_printable_text(const char *s, size_t n);
CMP_INTERNAL int cmp_tmpfile(struct cmp_ctx *c, char *path, size_t pathsz);
/* Hold *buf (taken over: *buf is left empty) and return its name, or NULL
 * when over CMP_HOLD_MAX (*buf untouched). */
CMP_INTERNAL char *cmp_mem_add(struct cmp_ctx *c, vouch_buf *buf);
/* Drop a held member, or remove a temporary file. */
CMP_INTERNAL void cmp_mem_release(struct cmp_ctx *c, const char *name);
CMP_INTERNAL void cmp_mem_free_all(struct cmp_ctx *c);
/* 1 and *p, *n when file names a held member, else 0. */
CMP_INTERNAL int cmp_mem_find(struct cmp_ctx *c, const char *file, const uint8_t **p,
                              size_t *n);
/* Open (0) or not (-1), following no symlink; pread; close. */
CMP_INTERNAL int cmp_in_open(struct cmp_ctx *c, const char *file, struct cmp_in *in);
CMP_INTERNAL size_t cmp_in_pread(const struct cmp_in *in, void *buf, size_t n, uint64_t off);
CMP_INTERNAL void cmp_in_close(struct cmp_in *in);
/* The whole input into b (at most max bytes): VOUCH_OK or an error code. */
CMP_INTERNAL int cmp_in_load(struct cmp_ctx *c, const char *file, size_t max, vouch_buf *b);
/* The whole input, without a copy when held (*p stays valid until it is
 * released), else loaded into b: VOUCH_OK or an error code. */
CMP_INTERNAL int cmp_in_view(struct cmp_ctx *c, const char *file, size_t max, vouch_buf *b,
                             const uint8_t **p, size_t *n);
/* A held member written to a new temporary file (objdump reads files):
 * 0 and its name in path, or -1. */
CMP_INTERNAL int cmp_mem_to_file(struct cmp_ctx *c, const char *name, char *path,
                                 size_t pathsz);
/* stat(2), or a regular file of the held member's size: 0 or -1. */
CMP_INTERNAL int cmp_in_stat(struct cmp_ctx *c, const char *file, struct stat *st);
CMP_INTERNAL int cmp_files(struct cmp_ctx *c, const char *path, const char *fa,
                           const char *fb, unsigned depth);
/* cmp_files when both sides were hashed already (archive members). */
CMP_INTERNAL int cmp_files_hashed(struct cmp_ctx *c, const char *path, const char *fa,
                                  const char *fb, unsigned depth, const struct cmp_side *sa,
                                  const struct cmp_side *sb);
CMP_INTERNAL int cmp_hash_file(const char *file, struct cmp_side *s, vouch_err *err);
CMP_INTERNAL char *cmp_strdupf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* compare_archive.c: 1 handled, 0 not an archive, <0 error (recorded) */
CMP_INTERNAL int cmp_is_archive_magic(struct cmp_ctx *c, const char *file);
CMP_INTERNAL int cmp_archives(struct cmp_ctx *c, const char *path, const char *fa,
                              const char *fb, unsigned depth);

/* compare_diff.c, compare_elf.c */
CMP_INTERNAL int cmp_is_text(struct cmp_ctx *c, const char *file, uint64_t size, size_t max);
CMP_INTERNAL int cmp_text(struct cmp_ctx *c, struct cmp_diff *d, const char *fa,
                          const char *fb);
CMP_INTERNAL int cmp_binary(struct cmp_ctx *c, struct cmp_diff *d, const char *fa,
                            const char *fb);
CMP_INTERNAL int cmp_elf(struct cmp_ctx *c, const char *path, const char *fa, const char *fb,
                         const struct cmp_side *sa, const struct cmp_side *sb);
/* Every differing byte of two same-length windows lies in a 16-bit
 * little-endian year (1970-2099) a few years apart: a year compiled in. */
CMP_INTERNAL int cmp_year_change(const uint8_t *a, size_t na, const uint8_t *b, size_t nb);
CMP_INTERNAL unsigned cmp_window_hints(const uint8_t *a, size_t na, const uint8_t *b,
                                       size_t nb);
CMP_INTERNAL int cmp_hexdump(char **out, uint64_t base, const uint8_t *a, size_t na,
                             const uint8_t *b, size_t nb);
/* Unified diff of two texts into *out (at most max bytes); 0 or -1. */
CMP_INTERNAL int cmp_udiff(const char *a, size_t na, const char *b, size_t nb, size_t max,
                           char **out);

/* compare_code.c: code-level detail of an ELF difference */
struct vouch_elf;
CMP_INTERNAL int cmp_elf_functions(struct cmp_ctx *c, struct cmp_diff *d,
                                   const struct vouch_elf *ea, const uint8_t *da, size_t la,
                                   const struct vouch_elf *eb, const uint8_t *db, size_t lb,
                                   const char *fa, const char *fb);
/* 1 when symbol table `table` holds the same symbols on both sides in
 * another order, 0 otherwise. */
CMP_INTERNAL int cmp_symbols_reordered(const struct vouch_elf *ea, const struct vouch_elf *eb,
                                       const char *table);

/* compare_manifest.c: checksum manifests (md5sums, sha256sums, ...) */
CMP_INTERNAL int cmp_is_manifest_name(const char *path);
/* Parse both texts; on success d->manifest is set and d->mlines lists the
 * lines whose digest differs.  Returns 0 (also when not a manifest). */
CMP_INTERNAL int cmp_manifest_lines(struct cmp_diff *d, const char *a, size_t na,
                                    const char *b, size_t nb);
/* After the walk: excuse manifests whose differing lines name excused files. */
CMP_INTERNAL void cmp_settle_manifests(struct cmp_ctx *c);
/* Member statuses under path prefixes, after a late excuse. */
CMP_INTERNAL void cmp_resettle_members(struct cmp_ctx *c, const char *path);

/* compare_class.c: classifications and the grouped summary */
struct cmp_group {
	const char *cls;
	size_t count, excused;
};
CMP_INTERNAL int cmp_classify_all(struct vouch_compare_report *r);
/* The classifications in order of first appearance; *out is the caller's. */
CMP_INTERNAL int cmp_groups(const struct vouch_compare_report *r, struct cmp_group **out,
                            size_t *n);
extern CMP_INTERNAL const char *const cmp_kind_names[];

#endif
