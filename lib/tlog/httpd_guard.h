/* httpd_guard.h - the libmicrohttpd servers' defence against slow clients
 * (internal; vouch_httpd_start in httpd.c installs it for vouch-logd and
 * vouch-witness alike).
 *
 * libmicrohttpd's connection timeout counts idle time only, so a client
 * sending one byte every few seconds keeps a connection forever.  The
 * guard gives every request a deadline from its start (the connection's
 * accept, or the end of the previous response on a kept-alive connection)
 * until it has been received whole (headers and body), and shuts down the
 * socket of a request that misses it.  When more than soft_cap connections
 * are open, a new one first evicts the request that has waited longest
 * among addresses holding several connections, so many slow clients from
 * many addresses cannot take every slot from complete requests.  Time
 * spent answering (a commit, a cosignature) is not counted. */
#ifndef VOUCH_HTTPD_GUARD_H
#define VOUCH_HTTPD_GUARD_H

#include <stdint.h>
#include <microhttpd.h>

struct httpd_guard;

/* 0 or -1 (out of memory, no thread). */
int httpd_guard_new(struct httpd_guard **out, unsigned soft_cap, uint64_t deadline_ms);
/* Stops the watcher; call after MHD_stop_daemon. */
void httpd_guard_free(struct httpd_guard *g);
/* MHD accept policy callback; cls is the guard.  Past the soft cap, refuses
 * addresses that already hold two or more connections. */
enum MHD_Result httpd_guard_accept(void *cls, const struct sockaddr *addr, socklen_t addrlen);
/* MHD_OPTION_NOTIFY_CONNECTION callback; cls is the guard. */
void httpd_guard_notify(void *cls, struct MHD_Connection *c, void **socket_context,
                       enum MHD_ConnectionNotificationCode toe);
/* The current request of c has been received whole. */
void httpd_guard_received(struct MHD_Connection *c);
/* The response to c's request is done: the next request's clock starts. */
void httpd_guard_completed(struct MHD_Connection *c);

#endif
