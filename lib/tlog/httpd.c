/* httpd.c - what the libmicrohttpd servers of libvouch share (httpd_int.h). */
#include "config.h"

#include <errno.h>
#include <stdarg.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <arpa/inet.h>

#include "httpd_guard.h"
#include "httpd_int.h"

uint64_t
vouch_httpd_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

int
vouch_httpd_parse_listen(const char *s, struct sockaddr_in *sa)
{
	char host[64], *end;
	const char *colon = strrchr(s, ':');
	unsigned long long port;

	memset(sa, 0, sizeof *sa);
	if (colon == NULL || (size_t)(colon - s) >= sizeof host)
		return -1;
	memcpy(host, s, (size_t)(colon - s));
	host[colon - s] = '\0';
	if (colon[1] < '0' || colon[1] > '9')
		return -1;
	errno = 0;
	port = strtoull(colon + 1, &end, 10);
	if (errno != 0 || *end != '\0' || port > 65535 ||
	    inet_pton(AF_INET, host, &sa->sin_addr) != 1)
		return -1;
	sa->sin_family = AF_INET;
	sa->sin_port = htons((uint16_t)port);
	return 0;
}

enum MHD_Result
vouch_httpd_reply(struct MHD_Connection *c, unsigned status, const char *type,
                  const void *data, size_t len, const char *cache)
{
	struct MHD_Response *r;
	enum MHD_Result ret;

	r = MHD_create_response_from_buffer(len, (void *)data, MHD_RESPMEM_MUST_COPY);
	if (r == NULL)
		return MHD_NO;
	MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_TYPE, type);
	if (cache != NULL)
		MHD_add_response_header(r, MHD_HTTP_HEADER_CACHE_CONTROL, cache);
	if (status == MHD_HTTP_SERVICE_UNAVAILABLE)
		MHD_add_response_header(r, MHD_HTTP_HEADER_RETRY_AFTER, "1");
	ret = MHD_queue_response(c, status, r);
	MHD_destroy_response(r);
	return ret;
}

enum MHD_Result
vouch_httpd_reply_error(struct MHD_Connection *c, unsigned status, const char *msg)
{
	char text[VOUCH_ERR_MSG_MAX + 2];
	int n = snprintf(text, sizeof text, "%s\n", msg);

	if (n < 0)
		n = 0;
	if ((size_t)n >= sizeof text)
		n = (int)sizeof text - 1;
	return vouch_httpd_reply(c, status, "text/plain; charset=utf-8", text, (size_t)n,
	                         "no-store");
}

struct vouch_httpd {
	struct MHD_Daemon *mhd;
	struct httpd_guard *guard;
	MHD_AccessHandlerCallback handler;
	void *cls;
	MHD_RequestCompletedCallback completed;
	void *ccls;
};

/* The access handler: the request is received whole at the first call
 * after vouch_httpd_begin without upload data (headers and body in). */
static enum MHD_Result
guarded_handler(void *cls, struct MHD_Connection *c, const char *url, const char *method,
                const char *version, const char *upload, size_t *upload_size, void **con_cls)
{
	struct vouch_httpd *h = cls;

	if (*con_cls != NULL && *upload_size == 0)
		httpd_guard_received(c);
	return h->handler(h->cls, c, url, method, version, upload, upload_size, con_cls);
}

/* The response went out: the next request's clock starts. */
static void
guarded_completed(void *cls, struct MHD_Connection *c, void **con_cls,
                  enum MHD_RequestTerminationCode code)
{
	struct vouch_httpd *h = cls;

	httpd_guard_completed(c);
	if (h->completed != NULL)
		h->completed(h->ccls, c, con_cls, code);
}

struct vouch_httpd *
vouch_httpd_start(const struct sockaddr_in *sa, const struct vouch_httpd_limits *lim,
                  MHD_AccessHandlerCallback handler, void *cls,
                  MHD_RequestCompletedCallback completed, void *ccls)
{
	struct vouch_httpd *h = calloc(1, sizeof *h);
	unsigned flags = MHD_USE_INTERNAL_POLLING_THREAD;

	if (h == NULL)
		return NULL;
	h->handler = handler;
	h->cls = cls;
	h->completed = completed;
	h->ccls = ccls;
	/* three quarters of the slots for requests still arriving; past that a
	 * new connection evicts the one that has waited longest */
	if (httpd_guard_new(&h->guard, lim->max_conn - lim->max_conn / 4,
	                    (uint64_t)lim->timeout_s * 1000) != 0) {
		free(h);
		return NULL;
	}
	if (lim->threads == 0)
		flags |= MHD_USE_THREAD_PER_CONNECTION | MHD_USE_POLL;
	else
		flags |= MHD_USE_EPOLL | MHD_ALLOW_SUSPEND_RESUME;
	h->mhd = MHD_start_daemon(flags, 0, httpd_guard_accept, h->guard, guarded_handler, h,
	                          MHD_OPTION_SOCK_ADDR, (const struct sockaddr *)sa,
	                          MHD_OPTION_CONNECTION_LIMIT, lim->max_conn,
	                          /* one address cannot take every connection (clients
	                             that send a byte at a time reset the timeout) */
	                          MHD_OPTION_PER_IP_CONNECTION_LIMIT, lim->max_conn_per_ip,
	                          MHD_OPTION_CONNECTION_TIMEOUT, lim->timeout_s,
	                          MHD_OPTION_NOTIFY_COMPLETED, guarded_completed, h,
	                          /* a request must arrive whole within the timeout
	                             from its start (httpd_guard.c) */
	                          MHD_OPTION_NOTIFY_CONNECTION, httpd_guard_notify, h->guard,
	                          MHD_OPTION_LISTEN_BACKLOG_SIZE, 1024u,
	                          /* each connection's memory, cleared at every
	                             request (the 32 KiB default was 5% of
	                             vouch-logd's CPU, issue 18); bodies come in
	                             pieces, headers stay far below */
	                          MHD_OPTION_CONNECTION_MEMORY_LIMIT, (size_t)16384,
	                          MHD_OPTION_THREAD_POOL_SIZE,
	                          lim->threads > 1 ? lim->threads : 0u,
	                          MHD_OPTION_END);
	if (h->mhd == NULL) {
		httpd_guard_free(h->guard);
		free(h);
		return NULL;
	}
	return h;
}

void
vouch_httpd_stop(struct vouch_httpd *h)
{
	if (h == NULL)
		return;
	MHD_stop_daemon(h->mhd);
	httpd_guard_free(h->guard); /* after the daemon: its callbacks use it */
	free(h);
}

unsigned
vouch_httpd_port(const struct vouch_httpd *h)
{
	const union MHD_DaemonInfo *info;

	if (h == NULL)
		return 0;
	info = MHD_get_daemon_info(h->mhd, MHD_DAEMON_INFO_BIND_PORT);
	return info != NULL ? info->port : 0;
}

int
vouch_httpd_stop_pipe_open(int fds[2], vouch_err *err)
{
	int fl;

	if (pipe2(fds, O_CLOEXEC) != 0) {
		fds[0] = fds[1] = -1;
		return vouch_err_sys(err, VOUCH_EIO, "cannot create a pipe");
	}
	if ((fl = fcntl(fds[1], F_GETFL)) == -1 || fcntl(fds[1], F_SETFL, fl | O_NONBLOCK) == -1)
		return vouch_err_sys(err, VOUCH_EIO, "cannot set up a pipe");
	return VOUCH_OK;
}

void
vouch_httpd_stop_pipe_signal(const int fds[2])
{
	int saved = errno;
	char c = 1;
	ssize_t n;

	if (fds[1] < 0)
		return;
	n = write(fds[1], &c, 1); /* a full pipe is already a request */
	(void)n;
	errno = saved;
}

int
vouch_httpd_stop_pipe_wait(const int fds[2], vouch_err *err)
{
	char c;
	ssize_t n;

	for (;;) {
		n = read(fds[0], &c, 1);
		if (n == 1)
			return VOUCH_OK;
		if (n < 0 && errno == EINTR)
			continue;
		return vouch_err_sys(err, VOUCH_EIO, "cannot wait for a stop request");
	}
}

void
vouch_httpd_stop_pipe_close(int fds[2])
{
	if (fds[0] >= 0)
		close(fds[0]);
	if (fds[1] >= 0)
		close(fds[1]);
	fds[0] = fds[1] = -1;
}

void
vouch_httpd_log(void (*fn)(void *arg, const char *msg), void *arg, const char *fmt, ...)
{
	char msg[VOUCH_ERR_MSG_MAX + 128];
	va_list ap;

	if (fn == NULL)
		return;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap); /* a long message is cut short */
	va_end(ap);
	fn(arg, msg);
}

enum MHD_Result
vouch_httpd_begin(struct MHD_Connection *c, void **con_cls, const char *method, size_t max,
                  const char *too_big_msg)
{
	const char *cl = MHD_lookup_connection_value(c, MHD_HEADER_KIND,
	                                             MHD_HTTP_HEADER_CONTENT_LENGTH);
	struct vouch_httpd_req *rq;

	if (strcmp(method, "POST") == 0 && cl != NULL && strtoull(cl, NULL, 10) > max)
		return vouch_httpd_reply_error(c, MHD_HTTP_CONTENT_TOO_LARGE, too_big_msg);
	if ((rq = calloc(1, sizeof *rq)) == NULL)
		return MHD_NO;
	vouch_buf_init(&rq->body, max + 1);
	rq->start = vouch_httpd_now_ms();
	*con_cls = rq;
	return MHD_YES;
}

int
vouch_httpd_upload(struct vouch_httpd_req *rq, const char *upload, size_t *upload_size,
                   int keep, size_t max, uint64_t timeout_s)
{
	if (vouch_httpd_now_ms() - rq->start > timeout_s * 1000)
		return -1; /* too slow */
	if (*upload_size == 0)
		return 0;
	if (keep && !rq->too_big && rq->body.len + *upload_size <= max)
		vouch_buf_append(&rq->body, upload, *upload_size, NULL);
	else
		rq->too_big = 1;
	*upload_size = 0;
	return 1;
}

void
vouch_httpd_completed(void *cls, struct MHD_Connection *c, void **con_cls,
                      enum MHD_RequestTerminationCode code)
{
	struct vouch_httpd_req *rq = *con_cls;

	(void)cls;
	(void)c;
	(void)code;
	if (rq != NULL) {
		if (rq->app_free != NULL)
			rq->app_free(rq->app);
		vouch_buf_free(&rq->body);
		free(rq);
		*con_cls = NULL;
	}
}
