/* pubdir.h - an output directory that appears whole or not at all
 * (internal to lib/campaign: the status page and the apt in-toto layout).
 *
 * pubdir_begin accepts a directory that does not exist or is empty (so
 * nothing already stored is lost), then builds the tree in a sibling
 * temporary directory; pubdir_commit renames it over the target, and
 * pubdir_abort removes it (and the target, when pubdir_begin made it).
 */
#ifndef VOUCH_CAMPAIGN_PUBDIR_H
#define VOUCH_CAMPAIGN_PUBDIR_H

#include <stddef.h>

#include "vouch/buf.h"
#include "vouch/error.h"

typedef struct pubdir {
	char *final;
	char *tmp;
	int dirfd;        /* open on tmp */
	int made_final;   /* pubdir_begin created final */
} pubdir;

int pubdir_begin(pubdir *d, const char *path, vouch_err *err);
/* Write rel (relative, '/'-separated, no "..": the caller builds it from
 * checked names) with mode 0644, creating its directories (0755). */
int pubdir_write(pubdir *d, const char *rel, const void *data, size_t n, vouch_err *err);
int pubdir_commit(pubdir *d, vouch_err *err);
void pubdir_abort(pubdir *d);

/* Read all of fd (at most max bytes) into out, then close fd. */
int pubdir_slurp(int fd, const char *name, size_t max, vouch_buf *out, vouch_err *err);

#endif
