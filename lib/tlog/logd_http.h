/* logd_http.h - vouch-logd's HTTP front (internal): the routes (GET
 * /checkpoint, /tile/..., /lookup/sha256/..., POST /add), request parsing
 * and the answers, over the shared libmicrohttpd set-up (httpd_int.h) and
 * the sequencer (logd_seq.h).  A POST /add is suspended while its entry
 * waits for its batch and resumed by the sequencer: no thread waits. */
#ifndef VOUCH_LOGD_HTTP_H
#define VOUCH_LOGD_HTTP_H

#include <stddef.h>
#include <netinet/in.h>

#include "vouch/error.h"
#include "vouch/key.h"
#include "vouch/logd.h"
#include "logd_seq.h"

struct logd_http;

/* Listen on sa for o's log (o, seq and the submitter keys are borrowed;
 * nsubmitters 0: any well-formed entry is taken). */
int logd_http_start(const vouch_logd_opts *o, const struct sockaddr_in *sa,
                    struct logd_seq *seq, vouch_key *const *submitters, size_t nsubmitters,
                    struct logd_http **out, vouch_err *err);
/* The port listened on, 0 if unknown. */
unsigned logd_http_port(const struct logd_http *h);
/* Stop listening, finish the requests in progress, free.  NULL is
 * ignored.  Stop the sequencer first: it answers every suspended POST. */
void logd_http_stop(struct logd_http *h);

#endif
