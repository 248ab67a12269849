/* httpd_guard.c - request deadlines and eviction of the slowest requests
 * for the libmicrohttpd servers (see httpd_guard.h). */
#include "config.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <netinet/in.h>
#include <time.h>

#include "httpd_guard.h"

struct conn {
	struct httpd_guard *g;
	int fd;
	uint64_t start;            /* ms: when the current request began */
	int receiving;             /* the current request is not received yet */
	int cut;                   /* shut down already */
	int spared;                /* scratch for evict() */
	unsigned char addr[16];    /* the client's address (IPv4 or IPv6) */
	struct conn *prev, *next;
};

struct httpd_guard {
	pthread_mutex_t mu;
	pthread_cond_t cv;
	struct conn *head;
	unsigned n, soft_cap;
	uint64_t deadline_ms;
	int stop;
	pthread_t thr;
};

static uint64_t
now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

/* With g->mu held.  shutdown(2), not close: the socket stays libmicrohttpd's
 * (its connection thread sees the end and cleans up); the entry leaves the
 * list, under this mutex, before libmicrohttpd closes the socket. */
static void
cut(struct conn *k)
{
	if (!k->cut)
		(void)shutdown(k->fd, SHUT_RDWR);
	k->cut = 1;
}

static void *
watch(void *arg)
{
	struct httpd_guard *g = arg;

	pthread_mutex_lock(&g->mu);
	while (!g->stop) {
		struct timespec ts;
		uint64_t now = now_ms();

		for (struct conn *k = g->head; k != NULL; k = k->next)
			if (k->receiving && now - k->start > g->deadline_ms)
				cut(k);
		clock_gettime(CLOCK_REALTIME, &ts);
		ts.tv_nsec += 100 * 1000000L;
		if (ts.tv_nsec >= 1000000000L) {
			ts.tv_sec++;
			ts.tv_nsec -= 1000000000L;
		}
		pthread_cond_timedwait(&g->cv, &g->mu, &ts);
	}
	pthread_mutex_unlock(&g->mu);
	return NULL;
}

int
httpd_guard_new(struct httpd_guard **out, unsigned soft_cap, uint64_t deadline_ms)
{
	struct httpd_guard *g = calloc(1, sizeof(*g));

	*out = NULL;
	if (g == NULL)
		return -1;
	pthread_mutex_init(&g->mu, NULL);
	pthread_cond_init(&g->cv, NULL);
	g->soft_cap = soft_cap ? soft_cap : 1;
	g->deadline_ms = deadline_ms;
	if (pthread_create(&g->thr, NULL, watch, g) != 0) {
		pthread_cond_destroy(&g->cv);
		pthread_mutex_destroy(&g->mu);
		free(g);
		return -1;
	}
	*out = g;
	return 0;
}

void
httpd_guard_free(struct httpd_guard *g)
{
	if (g == NULL)
		return;
	pthread_mutex_lock(&g->mu);
	g->stop = 1;
	pthread_cond_signal(&g->cv);
	pthread_mutex_unlock(&g->mu);
	pthread_join(g->thr, NULL);
	while (g->head != NULL) {
		struct conn *k = g->head;

		g->head = k->next;
		free(k);
	}
	pthread_cond_destroy(&g->cv);
	pthread_mutex_destroy(&g->mu);
	free(g);
}

/* Open connections from k's address, up to 2. */
static unsigned
same_addr(const struct httpd_guard *g, const struct conn *k)
{
	unsigned n = 0;

	for (const struct conn *o = g->head; o != NULL && n < 2; o = o->next)
		n += !o->cut && memcmp(o->addr, k->addr, sizeof(k->addr)) == 0;
	return n;
}

/* Over the soft cap: cut the request that has waited longest among those
 * from addresses holding more than one connection (a client making one
 * request at a time is never the victim; slow clients reconnecting keep
 * their own connections young, so age alone would pick it). */
static void
evict(struct httpd_guard *g)
{
	unsigned open = 0;

	for (struct conn *k = g->head; k != NULL; k = k->next)
		open += !k->cut;
	while (open > g->soft_cap) {
		struct conn *old = NULL;

		for (struct conn *k = g->head; k != NULL; k = k->next)
			if (k->receiving && !k->cut && !k->spared &&
			    (old == NULL || k->start < old->start))
				old = k;
		if (old == NULL)
			break;      /* every open connection is being answered */
		if (same_addr(g, old) < 2) {
			old->spared = 1;
			continue;
		}
		cut(old);
		open--;
	}
	for (struct conn *k = g->head; k != NULL; k = k->next)
		k->spared = 0;
}

/* The 16 address bytes of sa (IPv4 or IPv6), zero otherwise. */
static void
addr_of(const struct sockaddr *sa, unsigned char out[16])
{
	memset(out, 0, 16);
	if (sa != NULL && sa->sa_family == AF_INET)
		memcpy(out, &((const struct sockaddr_in *)sa)->sin_addr, 4);
	else if (sa != NULL && sa->sa_family == AF_INET6)
		memcpy(out, &((const struct sockaddr_in6 *)sa)->sin6_addr, 16);
}

enum MHD_Result
httpd_guard_accept(void *cls, const struct sockaddr *addr, socklen_t addrlen)
{
	struct httpd_guard *g = cls;
	struct conn probe;
	unsigned open = 0;
	int ok;

	(void)addrlen;
	addr_of(addr, probe.addr);
	pthread_mutex_lock(&g->mu);
	for (struct conn *k = g->head; k != NULL; k = k->next)
		open += !k->cut;
	/* past the soft cap, an address that already holds connections waits:
	 * it would only evict one of its own or another's */
	ok = open < g->soft_cap || same_addr(g, &probe) < 2;
	pthread_mutex_unlock(&g->mu);
	return ok ? MHD_YES : MHD_NO;
}

void
httpd_guard_notify(void *cls, struct MHD_Connection *c, void **socket_context,
                  enum MHD_ConnectionNotificationCode toe)
{
	struct httpd_guard *g = cls;
	struct conn *k = *socket_context;

	if (toe == MHD_CONNECTION_NOTIFY_STARTED) {
		const union MHD_ConnectionInfo *ci =
		    MHD_get_connection_info(c, MHD_CONNECTION_INFO_CONNECTION_FD);
		const union MHD_ConnectionInfo *ai =
		    MHD_get_connection_info(c, MHD_CONNECTION_INFO_CLIENT_ADDRESS);

		if (ci == NULL || (k = calloc(1, sizeof(*k))) == NULL)
			return;
		k->g = g;
		k->fd = ci->connect_fd;
		addr_of(ai != NULL ? ai->client_addr : NULL, k->addr);
		k->start = now_ms();
		k->receiving = 1;
		pthread_mutex_lock(&g->mu);
		k->next = g->head;
		if (g->head != NULL)
			g->head->prev = k;
		g->head = k;
		g->n++;
		evict(g);
		pthread_mutex_unlock(&g->mu);
		*socket_context = k;
	} else if (toe == MHD_CONNECTION_NOTIFY_CLOSED && k != NULL) {
		pthread_mutex_lock(&g->mu);
		if (k->prev != NULL)
			k->prev->next = k->next;
		else
			g->head = k->next;
		if (k->next != NULL)
			k->next->prev = k->prev;
		g->n--;
		pthread_mutex_unlock(&g->mu);
		free(k);
		*socket_context = NULL;
	}
}

static struct conn *
conn_of(struct MHD_Connection *c)
{
	const union MHD_ConnectionInfo *ci =
	    MHD_get_connection_info(c, MHD_CONNECTION_INFO_SOCKET_CONTEXT);

	return ci != NULL ? ci->socket_context : NULL;
}

void
httpd_guard_received(struct MHD_Connection *c)
{
	struct conn *k = conn_of(c);

	if (k == NULL)
		return;
	pthread_mutex_lock(&k->g->mu);
	k->receiving = 0;
	pthread_mutex_unlock(&k->g->mu);
}

void
httpd_guard_completed(struct MHD_Connection *c)
{
	struct conn *k = conn_of(c);

	if (k == NULL)
		return;
	pthread_mutex_lock(&k->g->mu);
	k->receiving = 1;
	k->start = now_ms();
	pthread_mutex_unlock(&k->g->mu);
}
