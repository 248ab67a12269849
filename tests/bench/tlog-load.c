/* tlog-load.c - a small HTTP/1.1 load generator for tests/bench/tlog.sh.
 *
 *   tlog-load PORT post|get CONNECTIONS SECONDS FILE
 *
 * post: each request POSTs the next line of FILE to /add (every line once);
 * get: requests cycle through the paths listed in FILE.  One thread per
 * connection, keep-alive, reconnecting when the server closes.  Prints
 * "requests N ok M seconds S rate R p50 A p99 B" (latencies in ms).
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

static int port, post;
static double seconds;
static char **lines;
static size_t nlines;
static atomic_size_t next;
static atomic_size_t total, good;
static double t0;

struct lat {
	double *v;
	size_t n, cap;
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

static int
send_all(int fd, const char *p, size_t n)
{
	while (n > 0) {
		ssize_t w = send(fd, p, n, MSG_NOSIGNAL);

		if (w <= 0)
			return -1;
		p += w;
		n -= (size_t)w;
	}
	return 0;
}

/* Read one response; returns the status, sets *closed. */
static int
read_response(int fd, char *buf, size_t cap, int *closed)
{
	size_t have = 0, need = 0, hdr = 0;
	int status = 0;

	*closed = 0;
	for (;;) {
		ssize_t r;
		char *end;

		if (hdr == 0 && have > 0) {
			buf[have] = '\0';
			if ((end = strstr(buf, "\r\n\r\n")) != NULL) {
				char *cl = strcasestr(buf, "\r\nContent-Length:");

				hdr = (size_t)(end - buf) + 4;
				status = atoi(buf + 9);
				need = hdr + (cl != NULL ? strtoul(cl + 17, NULL, 10) : 0);
				if (strcasestr(buf, "\r\nConnection: close") != NULL)
					*closed = 1;
			}
		}
		if (hdr != 0 && have >= need)
			return status;
		if (have >= cap - 1) {
			/* body larger than the buffer: keep the header, drop body bytes */
			if (hdr == 0)
				return -1;
			need -= have - hdr;
			have = hdr;
		}
		r = recv(fd, buf + have, cap - 1 - have, 0);
		if (r <= 0)
			return -1;
		have += (size_t)r;
	}
}

static void *
client(void *arg)
{
	struct lat *l = arg;
	static __thread char buf[1 << 17];
	char req[1024];
	int fd = -1;

	while (now() - t0 < seconds) {
		size_t i = post ? atomic_fetch_add(&next, 1) : atomic_fetch_add(&next, 1) % nlines;
		double s;
		int n, st, closed = 0;

		if (i >= nlines)
			break;
		if (fd < 0 && (fd = connect_server()) < 0) {
			usleep(10000);
			continue;
		}
		if (post)
			n = snprintf(req, sizeof req,
			             "POST /add HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: "
			             "application/json\r\nContent-Length: %zu\r\n\r\n",
			             strlen(lines[i]));
		else
			n = snprintf(req, sizeof req, "GET /%s HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n",
			             lines[i]);
		s = now();
		if (send_all(fd, req, (size_t)n) != 0 ||
		    (post && send_all(fd, lines[i], strlen(lines[i])) != 0) ||
		    (st = read_response(fd, buf, sizeof buf, &closed)) < 0) {
			close(fd);
			fd = -1;
			continue;
		}
		atomic_fetch_add(&total, 1);
		if (st == 200) {
			atomic_fetch_add(&good, 1);
			if (l->n == l->cap) {
				l->cap = l->cap ? l->cap * 2 : 1024;
				l->v = realloc(l->v, l->cap * sizeof *l->v);
			}
			l->v[l->n++] = (now() - s) * 1000;
		}
		if (closed) {
			close(fd);
			fd = -1;
		}
	}
	if (fd >= 0)
		close(fd);
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
	pthread_t *th;
	struct lat *l;
	double *all, el;
	size_t n = 0, i, cap = 0;
	int conns, k;
	FILE *f;

	if (argc != 6) {
		fprintf(stderr, "usage: tlog-load PORT post|get CONNECTIONS SECONDS FILE\n");
		return 2;
	}
	port = atoi(argv[1]);
	post = strcmp(argv[2], "post") == 0;
	conns = atoi(argv[3]);
	seconds = atof(argv[4]);
	if ((f = fopen(argv[5], "r")) == NULL)
		return 2;
	while (fgets(line, sizeof line, f) != NULL) {
		line[strcspn(line, "\n")] = '\0';
		if (nlines == cap) {
			cap = cap ? cap * 2 : 1024;
			lines = realloc(lines, cap * sizeof *lines);
		}
		lines[nlines++] = strdup(line);
	}
	fclose(f);
	if (nlines == 0 || conns < 1)
		return 2;
	th = calloc((size_t)conns, sizeof *th);
	l = calloc((size_t)conns, sizeof *l);
	t0 = now();
	for (k = 0; k < conns; k++)
		pthread_create(&th[k], NULL, client, &l[k]);
	for (k = 0; k < conns; k++)
		pthread_join(th[k], NULL);
	el = now() - t0;
	for (k = 0; k < conns; k++)
		n += l[k].n;
	all = malloc((n + 1) * sizeof *all);
	for (n = 0, k = 0; k < conns; k++)
		for (i = 0; i < l[k].n; i++)
			all[n++] = l[k].v[i];
	qsort(all, n, sizeof *all, cmp);
	printf("requests %zu ok %zu seconds %.2f rate %.0f p50 %.2f p99 %.2f\n",
	       (size_t)total, (size_t)good, el, (double)good / el,
	       n ? all[n / 2] : 0.0, n ? all[(size_t)((double)n * 0.99)] : 0.0);
	return 0;
}
