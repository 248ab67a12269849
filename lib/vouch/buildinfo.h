/* vouch/buildinfo.h - Debian .buildinfo files (deb-buildinfo(5)).
 *
 * A .buildinfo is one deb822 paragraph, optionally inside an OpenPGP
 * clear-signed message.  vouch_buildinfo_parse() reads it strictly: one
 * paragraph, no duplicate fields (names compared case-insensitively), no
 * text outside the signed block, no control characters, and every field
 * vouch uses checked for its syntax:
 *
 *   Format            "1.0"
 *   Source            name, optionally "name (version)"
 *   Version           a Debian version
 *   Architecture      space-separated: "source", "all", architectures
 *   Binary            space-separated package names (optional)
 *   Checksums-Sha256  lines "<sha256> <size> <file name>"
 *   Build-Architecture, Build-Origin, Build-Kernel-Version (optional)
 *   Build-Date        RFC 2822 date (optional), also as Unix time
 *   Build-Path        absolute, no "." or ".." components (optional)
 *   Installed-Build-Depends   "name[:arch] (= version)", comma-separated
 *   Environment       lines NAME="value" (\" and \\ escapes)
 *   Binary-Only-Changes  a binNMU's changelog entry (optional), decoded
 *                     as dpkg does; it must begin "SOURCE (VERSION) " with
 *                     "binary-only=yes" in that line and end with the
 *                     " -- " trailer
 *
 * Unknown fields are kept in neither form and are not an error (the
 * format grows).  A bad field is VOUCH_EINPUT naming it.  Every list and
 * string is bounded (VOUCH_BUILDINFO_MAX_*).
 *
 * vouch_buildinfo_verify() checks a clear-signed file's signature against
 * an OpenPGP keyring with gpgv(1) (Debian package gpgv); the parser refuses
 * text outside the signed part, so what is parsed is what was signed.
 *
 * Ownership: the structure owns every string until vouch_buildinfo_free().
 */
#ifndef VOUCH_BUILDINFO_H
#define VOUCH_BUILDINFO_H

#include <stddef.h>
#include <stdint.h>
#include <cjson/cJSON.h>
#include "error.h"

#ifdef __cplusplus
extern "C" {
#endif

#define VOUCH_BUILDINFO_MAX_BYTES ((size_t)4 << 20)
#define VOUCH_BUILDINFO_MAX_DEPS 16384
#define VOUCH_BUILDINFO_MAX_FILES 4096
#define VOUCH_BUILDINFO_MAX_ENV 512
#define VOUCH_BUILDINFO_MAX_FIELDS 256
#define VOUCH_BUILDINFO_MAX_NAME 255          /* package, file, variable */
#define VOUCH_BUILDINFO_MAX_VALUE 8192        /* a one-line value */
#define VOUCH_BUILDINFO_MAX_CHANGES 32768     /* Binary-Only-Changes */

typedef struct vouch_buildinfo_dep {
	char *name;
	char *arch;                 /* NULL when not qualified */
	char *version;
} vouch_buildinfo_dep;

typedef struct vouch_buildinfo_file {
	char *name;
	uint64_t size;
	uint8_t sha256[32];
} vouch_buildinfo_file;

typedef struct vouch_buildinfo_var {
	char *name;
	char *value;
} vouch_buildinfo_var;

typedef struct vouch_buildinfo {
	int clearsigned;
	char *format;
	char *source;
	char *source_version;       /* from "Source: name (version)", else NULL */
	char *version;
	char *architecture;         /* as written (space-separated) */
	char *binary;               /* NULL when absent */
	char *build_architecture;   /* NULL when absent */
	char *build_origin;
	char *build_kernel_version;
	char *build_date;
	int has_build_date;
	long long build_date_epoch;
	char *build_path;
	char *binary_only_changes;  /* a binNMU's changelog entry, else NULL */
	vouch_buildinfo_file *files;
	size_t n_files;
	vouch_buildinfo_dep *deps;
	size_t n_deps;
	vouch_buildinfo_var *env;
	size_t n_env;
} vouch_buildinfo;

int vouch_buildinfo_parse(const char *data, size_t len, vouch_buildinfo **out,
                          vouch_err *err);
/* Read (at most VOUCH_BUILDINFO_MAX_BYTES) and parse; "-" = stdin. */
int vouch_buildinfo_load(const char *path, vouch_buildinfo **out, vouch_err *err);
void vouch_buildinfo_free(vouch_buildinfo *b);

/* The value of variable name in Environment, or NULL. */
const char *vouch_buildinfo_getenv(const vouch_buildinfo *b, const char *name);

/* 1 when arch (e.g. "all", "amd64") is in the Architecture field. */
int vouch_buildinfo_has_arch(const vouch_buildinfo *b, const char *arch);

/* A JSON object (schemas/buildinfo.schema.json); the caller frees it. */
int vouch_buildinfo_to_json(const vouch_buildinfo *b, cJSON **out, vouch_err *err);

/* Compare the binary packages (.deb, .udeb, .ddeb) of Checksums-Sha256
 * with the files of the same names in dir.  *out (caller frees) gets one
 * entry per listed package, in the buildinfo's order. */
enum vouch_buildinfo_result {
	VOUCH_BUILDINFO_IDENTICAL = 0,
	VOUCH_BUILDINFO_DIFFERS,
	VOUCH_BUILDINFO_MISSING
};
typedef struct vouch_buildinfo_check {
	const char *name;           /* borrowed from b */
	int result;                 /* enum vouch_buildinfo_result */
	uint8_t sha256[32];         /* of the file in dir, when present */
} vouch_buildinfo_check;
int vouch_buildinfo_check_dir(const vouch_buildinfo *b, const char *dir,
                              vouch_buildinfo_check **out, size_t *n, vouch_err *err);
/* "identical", "differs", "missing". */
const char *vouch_buildinfo_check_name(int result);

/* The vouch-rebuild recipe (recipe.h) that rebuilds what b describes:
 * the source files (one .dsc among them, each pinned by its sha256) in the
 * root file system rootfs (pinned by its tree digest); the working
 * directory is Build-Path's parent when Build-Path is below /build/;
 * sourceDateEpoch from Environment; steps "dpkg-source --no-check -x",
 * then dpkg-buildpackage --no-sign with the build type of Architecture and
 * the recorded Environment, then the packages, .buildinfo and .changes
 * copied to /out; the clock fixed to Build-Date, to SOURCE_DATE_EPOCH or
 * left real.  *json (caller frees) has been checked by the recipe
 * parser. */
enum {
	VOUCH_BUILDINFO_CLOCK_BUILD_DATE = 0,
	VOUCH_BUILDINFO_CLOCK_SDE,
	VOUCH_BUILDINFO_CLOCK_REAL
};
typedef struct vouch_buildinfo_recipe_opts {
	const char *rootfs;
	const uint8_t *rootfs_tree;     /* 32 bytes */
	const char *const *files;       /* source files */
	size_t n_files;
	int clock;
	const char *host_arch;          /* "amd64" */
} vouch_buildinfo_recipe_opts;
int vouch_buildinfo_recipe(const vouch_buildinfo *b, const vouch_buildinfo_recipe_opts *o,
                           char **json, vouch_err *err);

/* Check the clear-signed file at path with gpgv against keyring.
 * VOUCH_OK when a good signature by a key of the keyring covers it;
 * VOUCH_EINPUT when the file is not signed or the signature is bad or by
 * an unknown key; VOUCH_EIO when gpgv cannot run. */
int vouch_buildinfo_verify(const char *path, const char *keyring, vouch_err *err);

#ifdef __cplusplus
}
#endif
#endif
