/* vouch/subject.h - in-toto subject lists and sha256sum-style lines.
 *
 * JSON: an in-toto subject list, one ResourceDescriptor per line:
 *
 *   [
 *     {"name":"dir/a","digest":{"sha256":"<hex>"}},
 *     {"name":"dir/l","digest":{"sha256":"<hex>"},"annotations":{"vouch_type":"symlink","vouch_link_target":"a"}}
 *   ]
 *
 * - Digests appear for every algorithm in the set, in the fixed order
 *   sha256, sha384, sha512, sha512_256, sha3_256.
 * - Names (and link targets) are byte strings; JSON strings are Unicode.
 *   Valid UTF-8 is written as is, with '"', '\' and every control character
 *   (U+0000-U+001F, U+007F-U+009F) and U+2028/U+2029 escaped, which is
 *   exact and reversible.  When a name is not valid UTF-8, "name" carries a
 *   readable form in which each byte of an invalid sequence became U+FFFD,
 *   and "annotations" gains "vouch_path_b64": the exact bytes in standard
 *   padded base64 (for a link target: "vouch_link_target_b64").  A consumer
 *   that wants the exact name uses vouch_path_b64 when present, else name
 *   (vouch_subject_name_from_json does that).
 * - A symbolic link is recorded, never followed: its digest is the digest
 *   of the link target's bytes (as git hashes a link), and annotations say
 *   "vouch_type":"symlink" and give "vouch_link_target".
 *
 * Sum lines (the format sha256sum, sha384sum and sha512sum print and check
 * with -c): "<hex>  <name>\n".  As GNU coreutils does, a name holding a
 * backslash, newline or carriage return is written with '\' as "\\", LF as
 * "\n" and CR as "\r", and the line starts with a backslash.  Other bytes
 * are written raw.  A symlink has no sum line (sha256sum -c would follow
 * it); vouch_subject_append_sum refuses it with VOUCH_EUSAGE.
 */
#ifndef VOUCH_SUBJECT_H
#define VOUCH_SUBJECT_H

#include <stddef.h>
#include <cjson/cJSON.h>
#include "buf.h"
#include "digest.h"
#include "error.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct vouch_subject {
	const char *name;         /* raw bytes (may hold anything but NUL) */
	size_t name_len;
	vouch_digests digests;
	int is_symlink;
	const char *link_target;  /* symlinks only */
	size_t link_len;
	/* Optional extra DigestSet entry after the standard algorithms, e.g.
	 * VOUCH_TREE_DIGEST_KEY (digest.h) with a tree digest; digests.algs may
	 * then be 0.  extra_md is written as lowercase hex. */
	const char *extra_key;
	const uint8_t *extra_md;
	size_t extra_len;
} vouch_subject;

/* Append one subject as a compact JSON object (no separator or newline). */
int vouch_subject_append_json(vouch_buf *out, const vouch_subject *s, vouch_err *err);
/* Append a whole list: "[\n  {...},\n  {...}\n]\n" ("[]\n" when n is 0). */
int vouch_subjects_append_json(vouch_buf *out, const vouch_subject *s, size_t n,
                               vouch_err *err);
/* Append one sum line for algorithm alg (which s must have). */
int vouch_subject_append_sum(vouch_buf *out, const vouch_subject *s, unsigned alg,
                             vouch_err *err);
/* Append the JSON string literal (with quotes) for bytes; *lossy is set to 1
 * when they were not valid UTF-8 (U+FFFD substituted), else 0. */
int vouch_json_append_bytes(vouch_buf *out, const char *s, size_t len, int *lossy,
                            vouch_err *err);

/* The exact name bytes of a subject object read back from JSON (the
 * vouch_path_b64 annotation when present, else "name"); appended to out. */
int vouch_subject_name_from_json(const cJSON *subject, vouch_buf *out, vouch_err *err);

/* A growable list of subjects that owns its names (for collecting archive
 * members or a whole tree before printing). */
typedef struct vouch_subject_list vouch_subject_list;

int vouch_subject_list_new(vouch_subject_list **out, vouch_err *err);
void vouch_subject_list_free(vouch_subject_list *l);
/* Copy s (and its name and link target, but not extra_md, which must
 * outlive the list) into the list. */
int vouch_subject_list_add(vouch_subject_list *l, const vouch_subject *s, vouch_err *err);
/* Stable sort by the byte order of the names. */
void vouch_subject_list_sort(vouch_subject_list *l);
size_t vouch_subject_list_count(const vouch_subject_list *l);
/* The i-th subject (owned by the list; valid until the next add). */
const vouch_subject *vouch_subject_list_get(const vouch_subject_list *l, size_t i);
/* The first subject named name, or NULL (hashed lookup). */
const vouch_subject *vouch_subject_list_find(const vouch_subject_list *l, const char *name,
                                             size_t len);
/* Its index, or VOUCH_SUBJECT_NONE. */
#define VOUCH_SUBJECT_NONE ((size_t)-1)
size_t vouch_subject_list_find_index(const vouch_subject_list *l, const char *name,
                                     size_t len);
/* Replace the digests of the i-th subject (for hard links whose content
 * turns up later in an archive). */
void vouch_subject_list_set_digests(vouch_subject_list *l, size_t i, const vouch_digests *d);

/* Walk the directory dir (see walk.h) and add every regular file and
 * symlink, named prefix + "/" + relative path (no "/" is added when prefix
 * ends in one; prefix NULL or "": the relative path alone), hashed with
 * algs, in path order.  Stops at the first error. */
int vouch_subject_list_add_tree(vouch_subject_list *l, const char *dir, const char *prefix,
                                unsigned algs, vouch_err *err);

/* Hash the file open on fd (named name) into *file and, if it holds an
 * archive (see walk.h for the formats), add each member to l as
 * "name!member", and with max_depth > 1 the members of archives inside it
 * ("name!inner!member") down to max_depth levels; then sort the whole list.
 * Members stored as hard links get their link group's digest (tar keeps the
 * data on the first name, cpio on the last).  A regular file at offset 0 is
 * hashed, then read again with seeks; anything else is read once, the
 * archive reader's input feeding the file's hasher.  Not an archive: no
 * members.  Returns VOUCH_OK when the file itself could be hashed; the
 * first damage found inside an archive is left in *damage (may be NULL; its
 * code is VOUCH_OK when there was none), the members read before it staying
 * in l. */
int vouch_subject_list_add_archive(vouch_subject_list *l, int fd, const char *name,
                                   unsigned algs, unsigned max_depth, vouch_digests *file,
                                   vouch_err *damage, vouch_err *err);

#ifdef __cplusplus
}
#endif
#endif
