/* vouch/srcfiles.h - a source release of several files (recipe.h
 * "source": {"files": [...]}), checked before a rebuild and placed, as they
 * are, into its working directory inside the sandbox.
 *
 * vouch_srcfiles_open() finds each file (in dir when given, by its name;
 * else at its path, relative to base unless absolute), requires a regular
 * file, hashes it and compares the sha256 with the recipe's pin; the files
 * stay open.  vouch_srcfiles_place() copies each open file into
 * workdir/<name> (creating workdir), checking that the bytes copied are the
 * bytes hashed before.  Ownership: the set owns its descriptors and
 * strings until vouch_srcfiles_free().
 */
#ifndef VOUCH_SRCFILES_H
#define VOUCH_SRCFILES_H

#include <limits.h>
#include <stddef.h>
#include "digest.h"
#include "error.h"
#include "recipe.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct vouch_srcfile {
	const vouch_recipe_file *pin;  /* borrowed from the recipe */
	char path[PATH_MAX];           /* where it was read */
	int fd;
	vouch_digests d;               /* sha256 */
} vouch_srcfile;

typedef struct vouch_srcfiles {
	vouch_srcfile *f;
	size_t n;
} vouch_srcfiles;

/* VOUCH_EINPUT names a missing file or a digest mismatch. */
int vouch_srcfiles_open(const vouch_recipe *r, const char *base, const char *dir,
                        vouch_srcfiles *out, vouch_err *err);
int vouch_srcfiles_place(const vouch_srcfiles *s, const char *workdir, vouch_err *err);
void vouch_srcfiles_free(vouch_srcfiles *s);

#ifdef __cplusplus
}
#endif
#endif
