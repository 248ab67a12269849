/* vouch/logd.h - the vouch transparency-log HTTP server (libmicrohttpd).
 *
 * Read side: GET /checkpoint, /tile/... (straight from the log directory,
 * only what the current checkpoint commits to) and /lookup/sha256/<hex>.
 * Write side: POST /add takes one DSSE envelope; a sequencer thread commits
 * queued entries in batches (group commit: the next batch starts as soon as
 * the previous one is durable) and every submitter gets its index,
 * inclusion proof and checkpoint only once the entry is durable and covered
 * by a signed checkpoint.  The log directory is a vouch_logstore (see
 * logstore.h); create it first with vouch_logstore_create.
 *
 * Threads: vouch_logd_new starts the sequencer and the listening threads;
 * they inherit the caller's signal mask (block the signals you handle
 * before calling it).  The server never prints: warnings go to opts.log.
 */
#ifndef VOUCH_LOGD_H
#define VOUCH_LOGD_H

#include <stdint.h>
#include "error.h"
#include "key.h"
#include "note.h"
#include "logstore.h"

#ifdef __cplusplus
extern "C" {
#endif

#define VOUCH_LOGD_SUBMITTERS_MAX 256  /* public keys in a submitters file */

/* Receives one line (no newline) the server wants logged: a failed commit,
 * a log that could not be reopened.  Called from the server's threads. */
typedef void (*vouch_logd_log_fn)(void *arg, const char *msg);

typedef struct vouch_logd_opts {
	const char *dir;             /* the log directory (this or spec) */
	const vouch_logstore_spec *spec; /* issue 20: other storage (borrowed); the
	                                server then waits for the writer's lease
	                                before it listens (a standby) */
	const char *origin;          /* the log's origin, also its key name (required) */
	const vouch_key *key;        /* the log's Ed25519 private key (required;
	                                borrowed, must outlive the server) */
	const char *listen;          /* "IPV4:PORT"; port 0 picks a free port */
	const char *submitters_file; /* PEM public keys; NULL: /add takes any
	                                well-formed entry */
	int reindex;                 /* rebuild the lookup index at start */
	uint64_t max_batch;          /* entries per commit, 1..VOUCH_LOGSTORE_BATCH_MAX */
	uint64_t max_wait_ms;        /* longest an entry waits for its batch to fill */
	uint64_t max_pending;        /* queued entries before /add answers 503 (>= 1) */
	uint64_t max_body;           /* largest /add body, 1..VOUCH_ENTRY_MAX */
	uint64_t max_conn;           /* concurrent connections (>= 1) */
	uint64_t max_conn_per_ip;    /* of them from one IP address; 0: no limit
	                                (behind a proxy every client has its IP) */
	uint64_t timeout_s;          /* longest a request may take, seconds (>= 1) */
	vouch_logd_log_fn log;       /* may be NULL: messages are dropped */
	void *log_arg;
	/* Witnesses (C2SP tlog-witness).  With nwitnesses > 0 each new
	 * checkpoint is sent to them; GET /checkpoint serves the newest one
	 * cosigned by quorum of them (503 until there is one), also written
	 * to <dir>/checkpoint.cosigned; POST /add waits up to witness_wait_ms
	 * for such a checkpoint covering the entry and otherwise answers with
	 * the log-signed one.  Sequencing never waits for witnesses. */
	const char *const *witness_urls;       /* submission prefixes (borrowed) */
	vouch_note_verifier *const *witnesses; /* cosigner keys, type 0x04 (borrowed) */
	size_t nwitnesses;
	size_t quorum;               /* 1..nwitnesses */
	uint64_t witness_timeout_s;  /* per request to a witness */
	uint64_t witness_wait_ms;    /* of POST /add for a cosigned checkpoint */
} vouch_logd_opts;

typedef struct vouch_logd vouch_logd;

/* The defaults: listen 127.0.0.1:8080, max_batch 1024, max_wait_ms 500,
 * max_pending 8192, max_body VOUCH_ENTRY_MAX, max_conn 1024,
 * max_conn_per_ip 256 (a quarter of max_conn), timeout_s 10,
 * witness_timeout_s 5, witness_wait_ms 3000, everything else NULL or 0. */
void vouch_logd_opts_init(vouch_logd_opts *opts);

/* Load the submitter keys, open the store (VOUCH_EEXIST when another
 * process holds it), start the sequencer and listen.  opts is copied; the
 * strings and the key it points to are borrowed and must outlive *out.
 * On success the server answers requests until vouch_logd_free. */
int vouch_logd_new(const vouch_logd_opts *opts, vouch_logd **out, vouch_err *err);
/* The TCP port listened on (useful with port 0); 0 if it cannot be told. */
unsigned vouch_logd_port(const vouch_logd *srv);
/* Block until vouch_logd_stop, then stop listening (waiting for the
 * requests in progress) and the sequencer. */
int vouch_logd_run(vouch_logd *srv, vouch_err *err);
/* Make vouch_logd_run return.  Async-signal-safe; any thread. */
void vouch_logd_stop(vouch_logd *srv);
/* Stop (if still running) and free.  NULL is a no-op. */
void vouch_logd_free(vouch_logd *srv);

#ifdef __cplusplus
}
#endif

#endif
