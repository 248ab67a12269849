/* tlog-load.c - a small HTTP/1.1 load generator for tests/bench/tlog.sh.
 *
 *   tlog-load PORT post|get CONNECTIONS SECONDS FILE [THREADS]
 *
 * post: each request POSTs the next line of FILE to /add (every line once);
 * get: requests cycle through the paths listed in FILE.  CONNECTIONS
 * keep-alive connections, each with one request in flight, spread over
 * THREADS (default 2) epoll loops: the generator costs a few system calls
 * per request, no thread or process per client, so that on a 2-core
 * machine most of the CPU is left to the server.  Reconnects when the
 * server closes.  Prints
 *   "requests N ok M seconds S rate R p50 A p99 B cpu C us/req U"
 * (latencies in ms; C the generator's own CPU seconds, user + system, and
 * U its CPU microseconds per answered request).
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <time.h>
#include <unistd.h>

#define RBUF (1 << 16)

static int port, post;
static double seconds;
static char **lines;
static size_t *lens;
static size_t nlines;
static atomic_size_t next;
static atomic_size_t total, good;
static double t0;

struct lat {
	double *v;
	size_t n, cap;
};

struct conn {
	int fd;
	size_t line;        /* the request's line */
	char hdr[256];
	size_t hdr_len, sent; /* bytes of header + body sent */
	char *rbuf;
	size_t have, need, body_hdr;
	int status, closing;
	double start;
};

static double
now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static int
connect_server(void)
{
	struct sockaddr_in sa;
	int fd = socket(AF_INET, SOCK_STREAM, 0), one = 1;

	memset(&sa, 0, sizeof sa);
	sa.sin_family = AF_INET;
	sa.sin_port = htons((unsigned short)port);
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (fd < 0 || connect(fd, (struct sockaddr *)&sa, sizeof sa) != 0) {
		if (fd >= 0)
			close(fd);
		return -1;
	}
	setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
	return fd;
}

/* Start k's next request; -1 when there is none (all lines posted). */
static int
next_request(struct conn *k)
{
	size_t i = atomic_fetch_add(&next, 1);
	int n;

	if (post && i >= nlines)
		return -1;
	k->line = post ? i : i % nlines;
	if (post)
		n = snprintf(k->hdr, sizeof k->hdr,
		             "POST /add HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: "
		             "application/json\r\nContent-Length: %zu\r\n\r\n",
		             lens[k->line]);
	else
		n = snprintf(k->hdr, sizeof k->hdr, "GET /%s HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n",
		             lines[k->line]);
	if (n < 0 || (size_t)n >= sizeof k->hdr)
		return -1;
	k->hdr_len = (size_t)n;
	k->sent = 0;
	k->have = k->need = k->body_hdr = 0;
	k->status = 0;
	k->start = now();
	return 0;
}

/* Send what is left of k's request: 1 when all is sent, 0 to wait, -1 on
 * error. */
static int
send_more(struct conn *k)
{
	size_t body = post ? lens[k->line] : 0;

	while (k->sent < k->hdr_len + body) {
		struct iovec iov[2];
		int n = 0;
		ssize_t w;

		if (k->sent < k->hdr_len) {
			iov[n].iov_base = k->hdr + k->sent;
			iov[n++].iov_len = k->hdr_len - k->sent;
			iov[n].iov_base = lines[k->line];
			iov[n++].iov_len = body;
		} else {
			iov[n].iov_base = lines[k->line] + (k->sent - k->hdr_len);
			iov[n++].iov_len = body - (k->sent - k->hdr_len);
		}
		w = writev(k->fd, iov, n);
		if (w < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
			return 0;
		if (w <= 0)
			return -1;
		k->sent += (size_t)w;
	}
	return 1;
}

/* Read what is there: 1 when the response is complete, 0 to wait, -1 on
 * error or close. */
static int
recv_more(struct conn *k)
{
	for (;;) {
		ssize_t r;

		if (k->body_hdr == 0 && k->have > 0) {
			char *end;

			k->rbuf[k->have] = '\0';
			if ((end = strstr(k->rbuf, "\r\n\r\n")) != NULL) {
				char *cl = strcasestr(k->rbuf, "\r\nContent-Length:");

				k->body_hdr = (size_t)(end - k->rbuf) + 4;
				k->status = atoi(k->rbuf + 9);
				k->need = k->body_hdr + (cl != NULL ? strtoul(cl + 17, NULL, 10) : 0);
				k->closing = strcasestr(k->rbuf, "\r\nConnection: close") != NULL;
			}
		}
		if (k->body_hdr != 0 && k->have >= k->need)
			return 1;
		if (k->have >= RBUF - 1) {
			/* a body larger than the buffer: keep the header, drop body bytes */
			if (k->body_hdr == 0)
				return -1;
			k->need -= k->have - k->body_hdr;
			k->have = k->body_hdr;
		}
		r = recv(k->fd, k->rbuf + k->have, RBUF - 1 - k->have, 0);
		if (r < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
			return 0;
		if (r <= 0)
			return -1;
		k->have += (size_t)r;
	}
}

static void
reconnect(int ep, struct conn *k)
{
	struct epoll_event ev;

	if (k->fd >= 0)
		close(k->fd);
	while ((k->fd = connect_server()) < 0 && now() - t0 < seconds)
		usleep(10000);
	if (k->fd < 0)
		return;
	fcntl(k->fd, F_SETFL, fcntl(k->fd, F_GETFL) | O_NONBLOCK);
	ev.events = EPOLLIN | EPOLLOUT | EPOLLET;
	ev.data.ptr = k;
	epoll_ctl(ep, EPOLL_CTL_ADD, k->fd, &ev);
}

struct worker {
	struct conn *conns;
	int n;
	struct lat lat;
};

static void
record(struct lat *l, double ms)
{
	if (l->n == l->cap) {
		l->cap = l->cap ? l->cap * 2 : 4096;
		l->v = realloc(l->v, l->cap * sizeof *l->v);
	}
	l->v[l->n++] = ms;
}

static void *
worker(void *arg)
{
	struct worker *w = arg;
	struct epoll_event evs[256];
	int ep = epoll_create1(0), live = 0;

	for (int i = 0; i < w->n; i++) {
		struct conn *k = &w->conns[i];

		k->fd = -1;
		k->rbuf = malloc(RBUF);
		if (next_request(k) != 0)
			continue;
		reconnect(ep, k);
		if (k->fd >= 0)
			live++;
	}
	while (live > 0 && now() - t0 < seconds) {
		int n = epoll_wait(ep, evs, 256, 100);

		for (int e = 0; e < n; e++) {
			struct conn *k = evs[e].data.ptr;
			int rc;

			if (k->fd < 0)
				continue;
			for (;;) {
				if ((rc = send_more(k)) == 1)
					rc = recv_more(k);
				if (rc == 0)
					break;
				if (rc < 0) { /* closed: send the request again */
					epoll_ctl(ep, EPOLL_CTL_DEL, k->fd, NULL);
					k->sent = k->have = k->need = k->body_hdr = 0;
					reconnect(ep, k);
					if (k->fd < 0) {
						live--;
						break;
					}
					continue;
				}
				atomic_fetch_add(&total, 1);
				if (k->status == 200) {
					atomic_fetch_add(&good, 1);
					record(&w->lat, (now() - k->start) * 1000);
				}
				if (k->closing) {
					epoll_ctl(ep, EPOLL_CTL_DEL, k->fd, NULL);
					reconnect(ep, k);
				}
				if (k->fd < 0 || next_request(k) != 0 || now() - t0 >= seconds) {
					if (k->fd >= 0) {
						epoll_ctl(ep, EPOLL_CTL_DEL, k->fd, NULL);
						close(k->fd);
						k->fd = -1;
					}
					live--;
					break;
				}
			}
		}
	}
	for (int i = 0; i < w->n; i++) {
		if (w->conns[i].fd >= 0)
			close(w->conns[i].fd);
		free(w->conns[i].rbuf);
	}
	close(ep);
	return NULL;
}

static int
cmp(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

int
main(int argc, char **argv)
{
	static char line[1 << 17];
	struct worker *ws;
	pthread_t *th;
	struct rusage ru;
	double *all, el, cpu;
	size_t n = 0, i, cap = 0;
	int conns, threads = 2, k;
	FILE *f;

	if (argc != 6 && argc != 7) {
		fprintf(stderr, "usage: tlog-load PORT post|get CONNECTIONS SECONDS FILE [THREADS]\n");
		return 2;
	}
	port = atoi(argv[1]);
	post = strcmp(argv[2], "post") == 0;
	conns = atoi(argv[3]);
	seconds = atof(argv[4]);
	if (argc == 7)
		threads = atoi(argv[6]);
	if ((f = fopen(argv[5], "r")) == NULL)
		return 2;
	while (fgets(line, sizeof line, f) != NULL) {
		line[strcspn(line, "\n")] = '\0';
		if (nlines == cap) {
			cap = cap ? cap * 2 : 1024;
			lines = realloc(lines, cap * sizeof *lines);
			lens = realloc(lens, cap * sizeof *lens);
		}
		lens[nlines] = strlen(line);
		lines[nlines++] = strdup(line);
	}
	fclose(f);
	if (nlines == 0 || conns < 1 || threads < 1)
		return 2;
	if (threads > conns)
		threads = conns;
	th = calloc((size_t)threads, sizeof *th);
	ws = calloc((size_t)threads, sizeof *ws);
	t0 = now();
	for (k = 0; k < threads; k++) {
		int from = conns * k / threads, to = conns * (k + 1) / threads;

		ws[k].n = to - from;
		ws[k].conns = calloc((size_t)ws[k].n, sizeof *ws[k].conns);
		pthread_create(&th[k], NULL, worker, &ws[k]);
	}
	for (k = 0; k < threads; k++)
		pthread_join(th[k], NULL);
	el = now() - t0;
	getrusage(RUSAGE_SELF, &ru);
	cpu = (double)ru.ru_utime.tv_sec + (double)ru.ru_utime.tv_usec / 1e6 +
	      (double)ru.ru_stime.tv_sec + (double)ru.ru_stime.tv_usec / 1e6;
	for (k = 0; k < threads; k++)
		n += ws[k].lat.n;
	all = malloc((n + 1) * sizeof *all);
	for (n = 0, k = 0; k < threads; k++)
		for (i = 0; i < ws[k].lat.n; i++)
			all[n++] = ws[k].lat.v[i];
	qsort(all, n, sizeof *all, cmp);
	printf("requests %zu ok %zu seconds %.2f rate %.0f p50 %.2f p99 %.2f cpu %.2f us/req %.0f\n",
	       (size_t)total, (size_t)good, el, (double)good / el,
	       n ? all[n / 2] : 0.0, n ? all[(size_t)((double)n * 0.99)] : 0.0, cpu,
	       good ? cpu * 1e6 / (double)good : 0.0);
	return 0;
}
