/* unpack_hash.c - reading the archive and hashing every byte once (on a
 * second thread for a regular file), and hashing file contents on a
 * worker thread (see unpack.c). */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>

#include "unpack_int.h"

/* A helper thread with every signal blocked, so that a signal the caller
 * catches (to cancel) interrupts the thread that reads the input. */
static int
start_thread(pthread_t *t, void *(*fn)(void *), void *arg)
{
	sigset_t all, old;
	int r;

	sigfillset(&all);
	pthread_sigmask(SIG_SETMASK, &all, &old);
	r = pthread_create(t, NULL, fn, arg);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	return r;
}

/* ---- reading the archive, hashing every byte once ---- */

la_ssize_t
src_read(struct archive *a, void *cd, const void **out)
{
	struct src *s = cd;
	ssize_t n;

	do
		n = pread(s->fd, s->buf, UNPACK_READ_BLOCK, s->pos);
	while (n < 0 && errno == EINTR);
	if (n < 0) {
		archive_set_error(a, errno, "read error");
		return -1;
	}
	s->pos += n;
	if (s->pos > s->maxpos)
		s->maxpos = s->pos;
	*out = s->buf;
	return n;
}

static void *
digest_thread(void *arg)
{
	struct src *s = arg;
	unsigned char *buf = vouch_chunk_alloc();
	int64_t off = 0;

	if (buf == NULL) {
		s->thr_rc = vouch_err_set(&s->thr_err, VOUCH_ENOMEM, "out of memory");
		return NULL;
	}
	while (!atomic_load(&s->stop)) {
		ssize_t n = pread(s->fd, buf, UNPACK_HASH_BLOCK, off);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			s->thr_rc = vouch_err_sys(&s->thr_err, VOUCH_EIO, "cannot read the archive");
			break;
		}
		if (n == 0)
			break;
		s->thr_rc = vouch_hasher_update(s->h, buf, (size_t)n, &s->thr_err);
		if (s->thr_rc != VOUCH_OK)
			break;
		off += n;
	}
	s->hashed = off;
	free(buf);
	return NULL;
}

int
digest_start(struct src *s, vouch_err *err)
{
	vouch_err_clear(&s->thr_err);
	if (start_thread(&s->thr, digest_thread, s) != 0)
		return vouch_err_set(err, VOUCH_EIO, "cannot start a thread");
	s->thr_started = 1;
	return VOUCH_OK;
}

/* Wait for the digest thread; with cancel, ask it to stop first. */
int
digest_join(struct src *s, int cancel, vouch_err *err)
{
	if (!s->thr_started)
		return VOUCH_OK;
	if (cancel)
		atomic_store(&s->stop, 1);
	pthread_join(s->thr, NULL);
	s->thr_started = 0;
	if (!cancel && s->thr_rc != VOUCH_OK)
		return vouch_err_set(err, s->thr_rc, "%s", s->thr_err.msg);
	if (!cancel)
		return vouch_file_unchanged(s->fd, &s->st0, (uint64_t)s->hashed, s->name, err);
	return VOUCH_OK;
}

la_int64_t
src_seek(struct archive *a, void *cd, la_int64_t off, int whence)
{
	struct src *s = cd;
	int64_t base = whence == SEEK_SET ? 0 : whence == SEEK_CUR ? s->pos : s->size;

	if (off < -base || base + off < 0) {
		archive_set_error(a, EINVAL, "seek before the start");
		return ARCHIVE_FATAL;
	}
	s->pos = base + off;
	return s->pos;
}

la_int64_t
src_skip(struct archive *a, void *cd, la_int64_t req)
{
	struct src *s = cd;

	(void)a;
	if (req <= 0)
		return 0;
	if (s->pos >= s->size)
		return 0;
	if (req > s->size - s->pos)
		req = s->size - s->pos;
	s->pos += req;
	return req;
}

/* A pipe or terminal is copied to an unlinked temporary file first (7z,
 * zip and iso9660 need to seek), hashing on the way. */
int
src_spool(struct src *s, int dirfd, const char *tmpdir, uint64_t max, vouch_err *err)
{
	int fd = openat(dirfd, ".", O_TMPFILE | O_RDWR | O_CLOEXEC, 0600);
	int64_t total = 0;

	if (fd < 0) {   /* no O_TMPFILE here (older overlayfs): a name, unlinked */
		fd = openat(dirfd, ".vouch-spool", O_RDWR | O_CREAT | O_EXCL | O_NOFOLLOW |
		            O_CLOEXEC, 0600);
		if (fd >= 0 && unlinkat(dirfd, ".vouch-spool", 0) != 0) {
			close(fd);
			fd = -1;
		}
	}
	if (fd < 0)
		return vouch_err_sys(err, VOUCH_EIO, "cannot create a spool file in '%s'", tmpdir);
	for (;;) {
		ssize_t n = read(s->fd, s->buf, UNPACK_READ_BLOCK);

		if (s->cancel != NULL && *s->cancel) {
			close(fd);
			return vouch_err_set(err, VOUCH_EIO, "interrupted");
		}
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			close(fd);
			return vouch_err_sys(err, VOUCH_EIO, "cannot read the archive");
		}
		if (n == 0)
			break;
		total += n;
		if ((uint64_t)total > max) {
			close(fd);
			return vouch_err_set(err, VOUCH_ELIMIT, "archive larger than %llu bytes",
			                     (unsigned long long)max);
		}
		if (vouch_hasher_update(s->h, s->buf, (size_t)n, err) != VOUCH_OK ||
		    vouch_write_all(fd, s->buf, (size_t)n, "spool file", err) != VOUCH_OK) {
			close(fd);
			return err ? err->code : VOUCH_EIO;
		}
	}
	s->fd = fd;
	s->size = total;
	return VOUCH_OK;
}

/* ---- hashing file contents on a second thread ----
 *
 * The main thread copies each data block into a small ring and goes on
 * writing; a worker hashes.  File number seq gets res[seq], read only after
 * the worker was joined. */

static void
hq_store(struct hq *q, uint32_t seq)
{
	vouch_digests d;

	if (seq >= q->cap) {
		size_t ncap = q->cap ? q->cap * 2 : 4096;
		uint8_t (*nr)[32];

		while (ncap <= seq)
			ncap *= 2;
		nr = realloc(q->res, ncap * sizeof(*nr));
		if (nr == NULL) {
			q->failed = 1;
			return;
		}
		q->res = nr;
		q->cap = ncap;
	}
	if (vouch_hasher_final(q->h, &d, NULL) != VOUCH_OK)
		q->failed = 1;
	else
		memcpy(q->res[seq], vouch_digests_get(&d, VOUCH_ALG_SHA256), 32);
}

/* Hash the records of one slot. */
static void
hq_slot(struct hq *q, const unsigned char *p, size_t fill)
{
	size_t off = 0;

	while (off + HQ_REC <= fill && !q->failed) {
		struct hq_rec r;

		memcpy(&r.seq, p + off, 4);
		r.first = p[off + 4];
		r.last = p[off + 5];
		memcpy(&r.len, p + off + 8, 4);
		off += HQ_REC;
		if (r.first && vouch_hasher_reset(q->h, NULL) != VOUCH_OK)
			q->failed = 1;
		if (!q->failed && r.len &&
		    vouch_hasher_update(q->h, p + off, r.len, NULL) != VOUCH_OK)
			q->failed = 1;
		if (!q->failed && r.last)
			hq_store(q, r.seq);
		off += r.len;
	}
}

static void *
hq_worker(void *arg)
{
	struct hq *q = arg;

	for (;;) {
		size_t idx, fill;

		pthread_mutex_lock(&q->mu);
		while (q->count == 0 && !q->quit) {
			q->take_waits = 1;
			pthread_cond_wait(&q->can_take, &q->mu);
			q->take_waits = 0;
		}
		if (q->count == 0 || q->quit > 1) {
			pthread_mutex_unlock(&q->mu);
			break;
		}
		idx = q->head;
		fill = q->fill[idx];
		pthread_mutex_unlock(&q->mu);
		hq_slot(q, q->data + idx * HQ_SLOT, fill);
		pthread_mutex_lock(&q->mu);
		q->head = (q->head + 1) % HQ_SLOTS;
		q->count--;
		if (q->put_waits)
			pthread_cond_signal(&q->can_put);
		pthread_mutex_unlock(&q->mu);
	}
	return NULL;
}

int
hq_start(struct hq *q, vouch_err *err)
{
	int rc = vouch_hasher_new(VOUCH_ALG_SHA256, &q->h, err);

	if (rc != VOUCH_OK)
		return rc;
	q->data = malloc((size_t)HQ_SLOTS * HQ_SLOT);
	if (q->data == NULL)
		return vouch_err_set(err, VOUCH_ENOMEM, "out of memory");
	if (pthread_mutex_init(&q->mu, NULL) != 0)
		return vouch_err_set(err, VOUCH_EIO, "cannot create a mutex");
	if (pthread_cond_init(&q->can_put, NULL) != 0 ||
	    pthread_cond_init(&q->can_take, NULL) != 0 ||
	    start_thread(&q->thr, hq_worker, q) != 0) {
		pthread_mutex_destroy(&q->mu);
		return vouch_err_set(err, VOUCH_EIO, "cannot start a thread");
	}
	q->started = 1;
	return VOUCH_OK;
}

static void
hq_publish(struct hq *q)
{
	pthread_mutex_lock(&q->mu);
	q->fill[q->pidx] = q->pfill;
	q->count++;
	if (q->take_waits)
		pthread_cond_signal(&q->can_take);
	pthread_mutex_unlock(&q->mu);
	q->have = 0;
}

static void
hq_acquire(struct hq *q)
{
	pthread_mutex_lock(&q->mu);
	while (q->count == HQ_SLOTS) {
		q->put_waits = 1;
		pthread_cond_wait(&q->can_put, &q->mu);
		q->put_waits = 0;
	}
	q->pidx = (q->head + q->count) % HQ_SLOTS;
	pthread_mutex_unlock(&q->mu);
	q->pfill = 0;
	q->have = 1;
}

/* Queue len bytes of file seq: packed records in slots handed over whole,
 * so the threads meet once per slot, not once per file. */
void
hq_feed(struct hq *q, uint32_t seq, const void *data, size_t len, int first, int last)
{
	do {
		unsigned char *p;
		size_t room, k;
		uint32_t k32;

		if (!q->have)
			hq_acquire(q);
		room = HQ_SLOT - q->pfill;
		if (room < HQ_REC + (len ? 1 : 0)) {
			hq_publish(q);
			continue;
		}
		k = len < room - HQ_REC ? len : room - HQ_REC;
		k32 = (uint32_t)k;
		p = q->data + q->pidx * HQ_SLOT + q->pfill;
		memcpy(p, &seq, 4);
		p[4] = (uint8_t)first;
		p[5] = (uint8_t)(last && k == len);
		p[6] = p[7] = 0;
		memcpy(p + 8, &k32, 4);
		if (k) {
			memcpy(p + HQ_REC, data, k);
			data = (const unsigned char *)data + k;
		}
		q->pfill += HQ_REC + k;
		len -= k;
		first = 0;
		if (len == 0)
			break;
	} while (1);
}

/* Finish (drain) or abandon (cancel) the worker. */
int
hq_join(struct hq *q, int cancel, vouch_err *err)
{
	if (!q->started)
		return VOUCH_OK;
	if (!cancel && q->have && q->pfill > 0)
		hq_publish(q);
	pthread_mutex_lock(&q->mu);
	q->quit = cancel ? 2 : 1;
	pthread_cond_signal(&q->can_take);
	pthread_mutex_unlock(&q->mu);
	pthread_join(q->thr, NULL);
	pthread_cond_destroy(&q->can_put);
	pthread_cond_destroy(&q->can_take);
	pthread_mutex_destroy(&q->mu);
	q->started = 0;
	if (!cancel && q->failed)
		return vouch_err_set(err, VOUCH_ECRYPTO, "hashing file contents failed");
	return VOUCH_OK;
}

void
hq_free(struct hq *q)
{
	(void)hq_join(q, 1, NULL);
	vouch_hasher_free(q->h);
	free(q->data);
	free(q->res);
}
