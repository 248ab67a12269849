/* vouch/recipe.h - build recipes for vouch-rebuild.
 *
 * A recipe (schemas/recipe.schema.json) names what to rebuild and how:
 *
 *   {"vouchRecipe": 1, "name": "hello", "version": "1.0",
 *    "source": {"path": "hello-1.0.tar.gz",
 *               "digest": {"sha256": "<hex>", "vouchTree256": "<hex>"}},
 *    "environment": "host"  |  {"rootfs": "debian12.tar",
 *                               "digest": {"sha256": "<hex>"}},
 *    "sourceDateEpoch": 1700000000, "workdir": "/build/hello-1.0",
 *    "env": {"CFLAGS": "-O2"}, "steps": [["make"], ["make", "install"]],
 *    "outputs": ["bin/hello", "*.txt"],
 *    "limits": {"timeoutSeconds": 600, "memoryBytes": 2147483648, ...},
 *    "clock": "sourceDateEpoch"  |  {"startsAt": 1700000000}}
 *
 * A source release of several files (a Debian .dsc with its tarballs and
 * signature) is given as
 *
 *    "source": {"files": [{"path": "hello_2.10-3.dsc", "uri": "...",
 *                          "digest": {"sha256": "<hex>"}}, ...],
 *               "digest": {"vouchTree256": "<hex>"}}      (optional)
 *
 * Each file is pinned by its sha256 and copied, as it is, into the
 * working directory under its name (the last component of its path, or
 * of its uri, or "name"); nothing is unpacked.  The optional tree digest
 * pins the working directory so filled.
 *
 * "clock" fixes the wall clock the build's processes read (vouch/clock.h):
 * every process starts at that time and the clock then runs.  Without it
 * the build sees the real clock.
 *
 * Parsing is strict (vouch_json_parse) and the whole document is validated
 * before a recipe object exists: unknown keys, wrong types, out-of-range
 * numbers, bad names and paths are all refused with VOUCH_EINPUT and a
 * message that names the offending member.  Every list and string is
 * bounded (VOUCH_RECIPE_MAX_*).
 *
 * Ownership: a vouch_recipe owns all its strings; the structure is
 * read-only for callers and lives until vouch_recipe_free().
 */
#ifndef VOUCH_RECIPE_H
#define VOUCH_RECIPE_H

#include <stddef.h>
#include <stdint.h>
#include "error.h"

#ifdef __cplusplus
extern "C" {
#endif

#define VOUCH_RECIPE_MAX_BYTES ((size_t)1 << 20)  /* recipe file */
#define VOUCH_RECIPE_MAX_STEPS 256
#define VOUCH_RECIPE_MAX_ARGS 4096             /* per step */
#define VOUCH_RECIPE_MAX_ARG_LEN 65536
#define VOUCH_RECIPE_MAX_ENV 256
#define VOUCH_RECIPE_MAX_ENV_LEN 8192          /* one value */
#define VOUCH_RECIPE_MAX_OUTPUTS 1024
#define VOUCH_RECIPE_MAX_PATH 1024             /* workdir, outputs, locations */
#define VOUCH_RECIPE_MAX_NAME 64               /* name, version */
#define VOUCH_RECIPE_MAX_FILES 64              /* source files */
#define VOUCH_RECIPE_MAX_FILE_NAME 255

typedef struct vouch_recipe_file {
	char *name;                /* [A-Za-z0-9._+~-], not "." or "..", unique */
	char *path;                /* NULL when absent */
	char *uri;                 /* NULL when absent */
	uint8_t sha256[32];
} vouch_recipe_file;

typedef struct vouch_recipe_limits {
	uint64_t timeout_seconds;  /* wall clock of all steps; default 3600 */
	uint64_t memory_bytes;     /* whole sandbox; default 4 GiB */
	uint64_t max_processes;    /* whole sandbox; default 1024 */
	uint64_t output_bytes;     /* size of /out; default 1 GiB */
	uint64_t disk_bytes;       /* size of /build and of /tmp; default 4 GiB */
	uint64_t open_files;       /* RLIMIT_NOFILE per process; default 1024 */
} vouch_recipe_limits;

typedef struct vouch_recipe_step {
	char **argv;               /* NULL-terminated */
	size_t argc;
} vouch_recipe_step;

typedef struct vouch_recipe {
	char *name;
	char *version;
	/* source: a location (path and/or uri) and at least one digest */
	char *source_path;         /* NULL when absent */
	char *source_uri;          /* NULL when absent */
	int has_source_sha256;
	uint8_t source_sha256[32]; /* of the archive bytes */
	int has_source_tree;
	uint8_t source_tree[32];   /* vouch-tree-v1 digest of the unpacked tree */
	vouch_recipe_file *source_files; /* a multi-file source (then source_path,
	                              source_uri and the sha256 are unset) */
	size_t n_source_files;
	/* environment: host, or a rootfs tarball (sha256) or directory (tree) */
	int env_host;
	char *env_rootfs;          /* NULL for host */
	int has_env_sha256;
	uint8_t env_sha256[32];
	int has_env_tree;
	uint8_t env_tree[32];
	long long source_date_epoch;
	char *workdir;             /* absolute, below /build/ */
	char **env;                /* "NAME=value", sorted by name */
	size_t n_env;
	vouch_recipe_step *steps;
	size_t n_steps;
	char **outputs;            /* relative paths or fnmatch(3) globs */
	size_t n_outputs;
	vouch_recipe_limits limits;
	int has_clock;             /* "clock" given: the wall clock is fixed */
	long long clock_epoch;     /* where it starts (sourceDateEpoch resolved) */
	int clock_from_sde;        /* it was given as "sourceDateEpoch" */
	uint8_t digest[32];        /* SHA-256 of the recipe bytes as parsed */
} vouch_recipe;

/* Default limits (also what a recipe gets for members it leaves out). */
void vouch_recipe_limits_default(vouch_recipe_limits *l);

/* Parse and validate data[0..len). */
int vouch_recipe_parse(const char *data, size_t len, vouch_recipe **out, vouch_err *err);
/* Read (at most VOUCH_RECIPE_MAX_BYTES) and parse a file; "-" = stdin. */
int vouch_recipe_load(const char *path, vouch_recipe **out, vouch_err *err);
void vouch_recipe_free(vouch_recipe *r);

/* 0 when pattern is acceptable as an output: relative, no "." or ".."
 * components, no empty components, printable ASCII/UTF-8, bounded. */
int vouch_recipe_output_ok(const char *pattern);

#ifdef __cplusplus
}
#endif
#endif
