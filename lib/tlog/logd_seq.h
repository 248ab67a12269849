/* logd_seq.h - vouch-logd's sequencer (internal; the HTTP front is
 * logd_http.c, the set-up logd.c).
 *
 * Owns the log store and the current signed checkpoint.  Submitted entries
 * are queued; a sequencer thread commits them in batches (group commit: the
 * next batch starts as soon as the previous one is durable), signs the new
 * checkpoint, computes the batch's inclusion proofs and hands the checkpoint
 * to the witnesses; an index thread then writes the batch's rows of the
 * lookup index (issue 18: off the sequencer's path; until then the batch
 * stays where submitters of the same entry and lookups find it).  Entries
 * arrive already read: their dedup key and subjects come with them.  A
 * submitter does not block: it leaves a logd_wait whose
 * done callback is called, from a sequencer thread, once the entry is
 * durable and covered by a signed checkpoint (and, with witnesses, once a
 * cosigned checkpoint covers it or witness_wait_ms has passed: a hand-off
 * thread holds the answers that long).  Knows nothing of HTTP.
 */
#ifndef VOUCH_LOGD_SEQ_H
#define VOUCH_LOGD_SEQ_H

#include <stddef.h>
#include <stdint.h>

#include "vouch/buf.h"
#include "vouch/error.h"
#include "vouch/logd.h"
#include "vouch/logstore.h"
#include "vouch/merkle.h"
#include "logwitness_int.h"

struct logd_seq;
struct logd_item;

/* A submitter waiting; its memory is the caller's until done is called. */
struct logd_wait {
	void (*done)(void *arg);  /* called once, from a sequencer thread */
	void *arg;
	struct logd_item *item;   /* joined (a reference: logd_item_release) */
	uint64_t need;            /* hand-off: the cosigned size awaited */
	uint64_t deadline;        /* hand-off: vouch_httpd_now_ms() limit */
	struct logd_wait *next;
};

/* Where an entry stands. */
struct logd_result {
	uint64_t index;
	uint64_t size;            /* of the checkpoint note */
	vouch_hash leaf;
	const char *note;         /* the log-signed checkpoint that covers it */
	size_t note_len;
	const vouch_hash *proof;  /* computed by the sequencer; NULL: compute it */
	size_t nproof;
};

/* Open the store (reindexing when o->reindex), start the witnesses (if
 * any) and the threads.  o and what it points to are borrowed. */
int logd_seq_new(const vouch_logd_opts *o, struct logd_seq **out, vouch_err *err);
/* Refuse new entries, commit the queued ones, answer every waiter, end
 * the threads.  Idempotent. */
void logd_seq_stop(struct logd_seq *s);
void logd_seq_free(struct logd_seq *s);

/* The witnesses, NULL without. */
vouch_logwit *logd_seq_witnesses(struct logd_seq *s);
vouch_logstore *logd_seq_reader(struct logd_seq *s); /* tiles and bundles, for reads */
/* Append the current checkpoint note to out (NULL: do not) and give its
 * tree size. */
int logd_seq_checkpoint(struct logd_seq *s, vouch_buf *out, uint64_t *size, vouch_err *err);
/* vouch_logstore_lookup on the store. */
int logd_seq_lookup(struct logd_seq *s, const uint8_t digest[32], uint64_t *hits, size_t max,
                    size_t *n, vouch_err *err);

/* What the HTTP front found in a submission (it reads each once). */
struct logd_entry {
	vouch_hash leaf;
	vouch_hash key;           /* vouch_logentry_dedup_key */
	const uint8_t *subjects;  /* the index's subject digests, 32 bytes each */
	size_t nsubjects;
};

enum { LOGD_QUEUED = -1, LOGD_STORED = -2, LOGD_FULL = -3 }; /* beside VOUCH_E* (> 0) */
/* Submit an entry (data taken over when queued: *data set to NULL; freed by
 * the sequencer) with its leaf hash, dedup key and subjects (copied).  LOGD_QUEUED: w->item
 * is set and w->done will be called.  LOGD_STORED: the same entry is
 * already in the log, *stored describes it (its note in note_buf); call
 * logd_seq_await_cosigned.  LOGD_FULL: the queue is full or the log is
 * stopping (err set).  A VOUCH_E* status on failure. */
int logd_seq_submit(struct logd_seq *s, uint8_t **data, size_t len,
                    const struct logd_entry *en, struct logd_wait *w,
                    struct logd_result *stored, vouch_buf *note_buf, vouch_err *err);
/* With witnesses and size not yet cosigned: 1, and w->done will be called
 * once a cosigned checkpoint of size leaves is published or
 * witness_wait_ms has passed.  Otherwise 0 (go on now). */
int logd_seq_await_cosigned(struct logd_seq *s, uint64_t size, struct logd_wait *w);

/* After done: the committed item's result (VOUCH_OK), or VOUCH_EIO when
 * it could not be committed. */
int logd_item_result(const struct logd_item *it, struct logd_result *r);
void logd_item_release(struct logd_item *it);

#endif
