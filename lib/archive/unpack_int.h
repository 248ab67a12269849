/* unpack_int.h - what the parts of the extractor share: the path table
 * and directory stack (unpack_paths.c), reading and hashing
 * (unpack_hash.c), writing one entry (unpack_entry.c), the driver
 * (unpack.c) and the JSON report (unpack_json.c).  Internal to lib/archive/.
 */
#ifndef VOUCH_UNPACK_INT_H
#define VOUCH_UNPACK_INT_H

#include <archive.h>
#include <archive_entry.h>
#include <locale.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdint.h>
#include <sys/stat.h>

#include "vouch/digest.h"
#include "vouch/error.h"
#include "vouch/file.h"
#include "vouch/unpack.h"

#define UNPACK_READ_BLOCK VOUCH_READ_CHUNK
#define UNPACK_HASH_BLOCK VOUCH_READ_CHUNK
#define UNPACK_LINK_MAX 4096u
#define UNPACK_LINK_HOPS 40
#define UNPACK_QUOTE 200
#define UNPACK_RESOLVE_BUDGET ((uint64_t)256 << 20) /* path bytes looked up */

struct node {
	char *path;            /* owned; for symlinks the target follows the NUL */
	size_t len;
	size_t tlen;           /* symlink target length */
	uint64_t size;
	uint32_t group;        /* hard links: index of the first file + 1, else 0 */
	uint32_t seq1;         /* content hash number + 1 when it wrote data */
	uint16_t stripped;     /* archive mode when setuid/setgid/sticky were cut */
	uint8_t type;          /* enum vouch_tree_type */
	uint8_t implicit;      /* directory made for a deeper entry */
	uint8_t children;
	uint8_t hardlink;      /* this name was made by a hard-link entry */
	uint8_t external;      /* symlink resolving outside (allowed) */
	uint8_t sha256[32];
	char *fkey;            /* --portable: the case-folded path (owned) */
	size_t flen;
};

struct table {                 /* open addressing over node indexes + 1 */
	uint32_t *slot;
	size_t cap;            /* power of two */
	int folded;            /* keyed by the nodes' fkey, not their path */
};

struct src {                   /* the archive bytes */
	int fd;
	unsigned char *buf;
	int64_t pos;
	int64_t size;
	int64_t maxpos;        /* furthest byte read: the compressed size so far */
	vouch_hasher *h;       /* archive digests */
	vouch_err *err;
	/* A regular file is digested by a second thread reading the page cache
	 * while the main thread extracts. */
	pthread_t thr;
	int thr_started;
	atomic_int stop;
	int thr_rc;
	vouch_err thr_err;
	struct stat st0;       /* a regular file as opened */
	const char *name;
	int64_t hashed;        /* bytes the digest thread read */
	volatile sig_atomic_t *cancel;
};

#define HQ_SLOTS 8u
#define HQ_SLOT (512u * 1024u)
#define HQ_REC 12u             /* record header: seq, first, last, pad, len */

struct hq_rec {
	uint32_t seq;
	uint8_t first, last;
	uint32_t len;
};

struct hq {
	pthread_t thr;
	int started;
	pthread_mutex_t mu;
	pthread_cond_t can_put, can_take;
	size_t fill[HQ_SLOTS];  /* bytes of records in each published slot */
	unsigned char *data;   /* HQ_SLOTS * HQ_SLOT */
	size_t head, count;    /* published slots */
	int quit;
	int put_waits, take_waits;
	int failed;            /* worker: out of memory or a hashing error */
	vouch_hasher *h;       /* worker */
	uint8_t (*res)[32];    /* worker until joined */
	size_t cap;
	uint32_t next_seq;     /* main */
	int have;              /* main: holds slot pidx, pfill bytes used */
	size_t pidx, pfill;
};

struct ux {
	const vouch_unpack_opts *o;
	const char *name;      /* archive name for messages */
	struct archive *a;
	struct src src;
	struct node *nodes;
	size_t n, cap;
	struct table tab, fold;
	locale_t loc;          /* --portable: C.UTF-8 for case folding, or 0 */
	char *fbuf;            /* --portable: a folded query */
	size_t fcap;
	struct hq hq;          /* file contents */
	unsigned char *zero;   /* for sparse holes */
	int root;              /* fd of the temporary directory */
	int *fds;              /* fds[i]: directory of the first i components */
	size_t *ends;          /* ends[i]: length of cur for i components */
	char *cur;
	uint32_t depth;
	uint64_t entries;
	uint64_t written;
	uint64_t key[2];       /* path hash key */
	uint64_t budget;       /* symlink resolution steps left */
	int is_ar;
};

/* unpack_paths.c */
int entry_err(struct ux *u, int code, const char *path, size_t len, const char *fmt, ...)
	__attribute__((format(printf, 5, 6)));
int entry_sys(struct ux *u, const char *path, size_t len, const char *what);
int cancelled(const struct ux *u, vouch_err *err);
size_t tab_find(const struct ux *u, const struct table *t, const char *p, size_t len);
size_t fold_find(struct ux *u, const char *p, size_t len, int *rc);
int node_add(struct ux *u, const char *p, size_t len, int type, const char *target, size_t tlen, struct node **out);
int normalise(struct ux *u, const char *raw, char *out, size_t cap, size_t *len, uint32_t *depth);
void stack_pop_to(struct ux *u, uint32_t keep);
int stack_goto(struct ux *u, const char *path, size_t plen, const char *full, size_t flen, int *dfd);

/* unpack_hash.c */
la_ssize_t src_read(struct archive *a, void *cd, const void **out);
la_int64_t src_seek(struct archive *a, void *cd, la_int64_t off, int whence);
la_int64_t src_skip(struct archive *a, void *cd, la_int64_t req);
int src_spool(struct src *s, int dirfd, const char *tmpdir, uint64_t max, vouch_err *err);
int digest_start(struct src *s, vouch_err *err);
int digest_join(struct src *s, int cancel, vouch_err *err);
int hq_start(struct hq *q, vouch_err *err);
void hq_feed(struct hq *q, uint32_t seq, const void *data, size_t len, int first, int last);
int hq_join(struct hq *q, int cancel, vouch_err *err);
void hq_free(struct hq *q);

/* unpack_entry.c */
int do_entry(struct ux *u, struct archive_entry *e, char *pbuf, char *sbuf, size_t cap);
int check_links(struct ux *u, char *buf, size_t cap);

#endif /* VOUCH_UNPACK_INT_H */
