/* httpd_int.h - what the libmicrohttpd servers of libvouch share (not
 * installed): the listen address, answers, the hardened daemon set-up with
 * its slow-client guard (httpd_guard.h), and the stop pipe.  Used by
 * vouch-logd (logd_http.c) and vouch-witness (witness.c). */
#ifndef VOUCH_HTTPD_INT_H
#define VOUCH_HTTPD_INT_H

#include <stdint.h>
#include <netinet/in.h>

#include <microhttpd.h>

#include "vouch/buf.h"
#include "vouch/error.h"

/* "IPV4:PORT", the port a decimal number up to 65535; -1 when not. */
int vouch_httpd_parse_listen(const char *s, struct sockaddr_in *sa);

/* Queue an answer (copied); cache (may be NULL) is its Cache-Control. */
enum MHD_Result vouch_httpd_reply(struct MHD_Connection *c, unsigned status, const char *type,
                                  const void *data, size_t len, const char *cache);
/* A text/plain answer: msg and a newline. */
enum MHD_Result vouch_httpd_reply_error(struct MHD_Connection *c, unsigned status,
                                        const char *msg);

/* A request's body as it comes in. */
struct vouch_httpd_req {
	vouch_buf body;
	uint64_t start;    /* vouch_httpd_now_ms() of the first call */
	int too_big;
	void *app;         /* the server's own state, freed by app_free */
	void (*app_free)(void *app);
};
/* The first call of a request (*con_cls NULL): refuse a POST whose
 * Content-Length is above max (413 with too_big_msg) or set *con_cls to a
 * new request, answering on a later call (answering now would cost the
 * keep-alive).  What the access handler returns. */
enum MHD_Result vouch_httpd_begin(struct MHD_Connection *c, void **con_cls, const char *method,
                                  size_t max, const char *too_big_msg);
/* A later call: -1 when the request took longer than timeout_s (cut the
 * connection: return MHD_NO), 1 when upload data was taken in (kept when
 * keep and the body stays within max, else too_big is set; return
 * MHD_YES), 0 when the body is complete. */
int vouch_httpd_upload(struct vouch_httpd_req *rq, const char *upload, size_t *upload_size,
                       int keep, size_t max, uint64_t timeout_s);
/* The MHD_OPTION_NOTIFY_COMPLETED callback freeing it. */
void vouch_httpd_completed(void *cls, struct MHD_Connection *c, void **con_cls,
                           enum MHD_RequestTerminationCode code);

/* Limits every server applies against slow or greedy clients. */
struct vouch_httpd_limits {
	unsigned max_conn;         /* concurrent connections */
	unsigned max_conn_per_ip;  /* of them from one address; 0: no limit */
	unsigned timeout_s;        /* idle connection timeout, and the deadline
	                              for a request to arrive whole */
	unsigned threads;          /* 0: a thread per connection; n: n event
	                              loops (epoll), connections may be
	                              suspended (MHD_suspend_connection) */
};

/* A running server: libmicrohttpd's daemon and its guard. */
struct vouch_httpd;

/* A daemon on sa with the limits and the guard (httpd_guard.h): every
 * request must arrive whole within timeout_s from its start, and past
 * three quarters of max_conn a new connection evicts the request that has
 * waited longest.  handler and completed (may be NULL) are called as
 * libmicrohttpd would, the guard's bookkeeping around them.  NULL when it
 * cannot start. */
struct vouch_httpd *vouch_httpd_start(const struct sockaddr_in *sa,
                                      const struct vouch_httpd_limits *lim,
                                      MHD_AccessHandlerCallback handler, void *cls,
                                      MHD_RequestCompletedCallback completed, void *ccls);
/* Stop listening, wait for the requests in progress (resume any suspended
 * connection first), free it.  NULL is ignored. */
void vouch_httpd_stop(struct vouch_httpd *h);
/* The port a server listens on, 0 if unknown (or h NULL). */
unsigned vouch_httpd_port(const struct vouch_httpd *h);

/* A stop pipe: fds[1] written by stop (async-signal-safe, never blocks),
 * fds[0] read by wait. */
int vouch_httpd_stop_pipe_open(int fds[2], vouch_err *err);
void vouch_httpd_stop_pipe_signal(const int fds[2]);
int vouch_httpd_stop_pipe_wait(const int fds[2], vouch_err *err);
void vouch_httpd_stop_pipe_close(int fds[2]);

/* Format one message and hand it to fn (nothing when fn is NULL); a long
 * message is cut short. */
void vouch_httpd_log(void (*fn)(void *arg, const char *msg), void *arg, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* Milliseconds on the monotonic clock. */
uint64_t vouch_httpd_now_ms(void);

#endif
