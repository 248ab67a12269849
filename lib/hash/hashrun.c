/* hashrun.c - the hashing run behind vouch-hash (see vouch/hashrun.h).
 *
 * The calling thread walks the inputs in their final order and queues one
 * job per file in a bounded ring; worker threads hash jobs in any order; the
 * calling thread assembles finished jobs strictly in queue order, so the
 * output is the same for every number of jobs.
 */
#include "config.h"

#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#include "vouch/buf.h"
#include "vouch/digest.h"
#include "vouch/error.h"
#include "vouch/file.h"
#include "vouch/hashrun.h"
#include "vouch/subject.h"
#include "vouch/tree.h"
#include "vouch/walk.h"

#define FD_RESERVE 300  /* descriptors kept for the walk (256 levels) and stdio */
#define FLUSH_AT ((size_t)64 * 1024)

enum job_kind { JOB_FILE, JOB_LINK, JOB_TREE, JOB_ERROR };
enum job_state { JOB_QUEUED, JOB_RUNNING, JOB_DONE };

struct job {
	int kind;
	int state;
	int fd;                       /* JOB_FILE: open file (STDIN_FILENO for "-") */
	int is_stdin;                 /* JOB_FILE: the operand "-" */
	vouch_buf name;               /* display name */
	vouch_buf link;               /* JOB_LINK: target */
	vouch_digests d;
	uint8_t tree[VOUCH_TREE_DIGEST_SIZE]; /* JOB_TREE */
	int failed;                   /* the file itself could not be hashed */
	vouch_err err;                /* first problem (also for member errors) */
	vouch_subject_list *members;  /* --members: sorted members, or NULL */
};

struct hash_state {
	/* options */
	const vouch_hashrun_opts *o;
	unsigned algs;
	int sums;
	int members;
	unsigned depth;
	int tree;
	unsigned jobs;
	/* queue: jobs [head, tail) in a ring of cap slots; [claim, tail) unclaimed */
	struct job *ring;
	size_t cap, head, tail, claim;
	int stop;
	pthread_mutex_t mu;
	pthread_cond_t work_cv, done_cv;
	pthread_t *threads;
	unsigned nthreads;
	/* output */
	vouch_buf *out;
	size_t listed;
	vouch_hashrun_result res;
};

/* ---- hashing (worker side) ---- */

/* Hash the file and, if it is an archive, its members (see
 * vouch_subject_list_add_archive).  Damage inside the archive is reported,
 * but the file itself still counts. */
static int
hash_with_members(struct job *j, unsigned algs, unsigned max_depth)
{
	vouch_err damage;
	int rc;

	vouch_err_clear(&damage);
	rc = vouch_subject_list_new(&j->members, &j->err);
	if (rc == VOUCH_OK)
		rc = vouch_subject_list_add_archive(j->members, j->fd, (const char *)j->name.data,
		    algs, max_depth, &j->d, &damage, &j->err);
	if (damage.code != VOUCH_OK && j->err.code == VOUCH_OK)
		j->err = damage;
	return rc;
}

static void
run_job(struct hash_state *st, struct job *j)
{
	int rc = VOUCH_OK;

	switch (j->kind) {
	case JOB_ERROR:
		return;
	case JOB_LINK:
		rc = vouch_digest_mem(j->link.data, j->link.len, st->algs, &j->d, &j->err);
		break;
	case JOB_TREE:
		rc = vouch_tree_digest_dir((const char *)j->name.data, j->tree, &j->err);
		break;
	case JOB_FILE:
		if (st->members)
			rc = hash_with_members(j, st->algs, st->depth);
		else
			rc = vouch_digest_fd(j->fd, j->is_stdin ? VOUCH_STDIN_NAME :
			    (const char *)j->name.data, st->algs, &j->d, &j->err);
		if (j->fd != STDIN_FILENO)
			close(j->fd);
		j->fd = -1;
		break;
	}
	if (rc != VOUCH_OK)
		j->failed = 1;
}

static void *
worker(void *arg)
{
	struct hash_state *st = arg;

	pthread_mutex_lock(&st->mu);
	for (;;) {
		struct job *j;

		while (st->claim == st->tail && !st->stop)
			pthread_cond_wait(&st->work_cv, &st->mu);
		if (st->claim == st->tail)
			break;
		j = &st->ring[st->claim++ % st->cap];
		j->state = JOB_RUNNING;
		pthread_mutex_unlock(&st->mu);
		run_job(st, j);
		pthread_mutex_lock(&st->mu);
		j->state = JOB_DONE;
		pthread_cond_broadcast(&st->done_cv);
	}
	pthread_mutex_unlock(&st->mu);
	return NULL;
}

/* ---- output (main thread, queue order) ---- */

/* Hand full chunks to the caller's sink; without one, keep it all. */
static void
flush_out(struct hash_state *st)
{
	if (st->o->write == NULL || st->out->len < FLUSH_AT)
		return;
	if (st->o->write(st->o->ctx, st->out->data, st->out->len) != 0)
		st->res.out_failed = 1;
	vouch_buf_reset(st->out);
}

static void
warn(struct hash_state *st, const vouch_err *err)
{
	st->res.errors++;
	if (st->o->warn != NULL)
		st->o->warn(st->o->ctx, err);
}

static int
print_subject(struct hash_state *st, const vouch_subject *s, vouch_err *err)
{
	unsigned alg = st->algs;
	int rc;

	if (st->sums) {
		if (s->is_symlink) {
			st->res.links_skipped++;
			return VOUCH_OK;
		}
		return vouch_subject_append_sum(st->out, s, alg, err);
	}
	rc = vouch_buf_append_str(st->out, st->listed == 0 ? "[\n  " : ",\n  ", err);
	if (rc == VOUCH_OK)
		rc = vouch_subject_append_json(st->out, s, err);
	st->listed++;
	return rc;
}

static void
emit(struct hash_state *st, struct job *j)
{
	vouch_subject s;
	vouch_err err;
	int rc = VOUCH_OK;

	vouch_err_clear(&err);
	if (j->kind != JOB_ERROR && !j->failed) {
		memset(&s, 0, sizeof(s));
		s.name = (const char *)j->name.data;
		s.name_len = j->name.len;
		s.digests = j->d;
		s.is_symlink = j->kind == JOB_LINK;
		s.link_target = (const char *)j->link.data;
		s.link_len = j->link.len;
		if (j->kind == JOB_TREE) {
			s.digests.algs = 0;
			s.extra_key = VOUCH_TREE_DIGEST_KEY;
			s.extra_md = j->tree;
			s.extra_len = sizeof(j->tree);
		}
		rc = print_subject(st, &s, &err);
		for (size_t i = 0; rc == VOUCH_OK && j->members != NULL &&
		    i < vouch_subject_list_count(j->members); i++)
			rc = print_subject(st, vouch_subject_list_get(j->members, i), &err);
	}
	if (j->err.code != VOUCH_OK)
		warn(st, &j->err);
	if (rc != VOUCH_OK) {
		warn(st, &err);
		st->res.out_failed = 1;
	}
	flush_out(st);
}

static void
job_clear(struct job *j)
{
	if (j->fd >= 0 && j->fd != STDIN_FILENO)
		close(j->fd);
	vouch_buf_free(&j->name);
	vouch_buf_free(&j->link);
	vouch_subject_list_free(j->members);
	memset(j, 0, sizeof(*j));
	j->fd = -1;
}

/* Print and release finished jobs at the head of the queue; with wait,
 * block until at least one slot is free (or, with all, the queue is empty). */
static void
reap(struct hash_state *st, int all)
{
	pthread_mutex_lock(&st->mu);
	for (;;) {
		struct job *j;

		if (st->head == st->tail)
			break;
		j = &st->ring[st->head % st->cap];
		if (j->state != JOB_DONE) {
			if (!all && st->tail - st->head < st->cap)
				break;
			pthread_cond_wait(&st->done_cv, &st->mu);
			continue;
		}
		pthread_mutex_unlock(&st->mu);
		emit(st, j);
		job_clear(j);
		pthread_mutex_lock(&st->mu);
		st->head++;
	}
	pthread_mutex_unlock(&st->mu);
}

/* ---- producing jobs (main thread) ---- */

/* A fresh job in the next ring slot (waiting for room). */
static struct job *
new_job(struct hash_state *st, const char *prefix, const char *rel, size_t rel_len)
{
	struct job *j;
	size_t plen = strlen(prefix);

	reap(st, 0);
	j = &st->ring[st->tail % st->cap];
	job_clear(j);
	vouch_buf_init(&j->name, 0);
	vouch_buf_init(&j->link, 0);
	vouch_err_clear(&j->err);
	if (vouch_buf_append(&j->name, prefix, plen, &j->err) == VOUCH_OK && rel != NULL &&
	    (plen == 0 || prefix[plen - 1] == '/' ||
	    vouch_buf_append_byte(&j->name, '/', &j->err) == VOUCH_OK))
		vouch_buf_append(&j->name, rel, rel_len, &j->err);
	if (j->err.code != VOUCH_OK)
		j->kind = JOB_ERROR;
	return j;
}

static void
submit(struct hash_state *st, struct job *j)
{
	if (j->err.code != VOUCH_OK)
		j->kind = JOB_ERROR;
	if (st->nthreads == 0) {
		run_job(st, j);
		j->state = JOB_DONE;
		st->tail++;
		reap(st, 0);
		return;
	}
	pthread_mutex_lock(&st->mu);
	j->state = JOB_QUEUED;
	st->tail++;
	pthread_cond_signal(&st->work_cv);
	pthread_mutex_unlock(&st->mu);
}

static void
error_job(struct hash_state *st, const vouch_err *err)
{
	struct job *j = new_job(st, "", NULL, 0);

	j->err = *err;
	submit(st, j);
}

static void
queue_dir(struct hash_state *st, const char *dir)
{
	const vouch_walk_entry *e = NULL;
	vouch_walk *w = NULL;
	vouch_err err;
	int rc;

	vouch_err_clear(&err);
	rc = vouch_walk_new(dir, NULL, &w, &err);
	if (rc != VOUCH_OK) {
		error_job(st, &err);
		return;
	}
	for (;;) {
		struct job *j;

		vouch_err_clear(&err);
		rc = vouch_walk_next(w, &e, &err);
		if (rc != VOUCH_OK) {
			error_job(st, &err);
			continue;
		}
		if (e == NULL)
			break;
		j = new_job(st, dir, e->path, e->path_len);
		if (e->kind == VOUCH_WALK_FILE) {
			j->kind = JOB_FILE;
			vouch_walk_open(e, &j->fd, &j->err);
		} else if (e->kind == VOUCH_WALK_SYMLINK) {
			j->kind = JOB_LINK;
			vouch_walk_readlink(e, &j->link, &j->err);
		} else {
			vouch_walk_open(e, &j->fd, &j->err); /* fails, naming the entry */
		}
		submit(st, j);
	}
	vouch_walk_free(w);
}

static void
queue_arg(struct hash_state *st, const char *arg)
{
	vouch_input in;
	vouch_err e;
	struct job *j;
	int rc;

	vouch_err_clear(&e);
	rc = vouch_input_open(&in, arg, VOUCH_INPUT_DIR | VOUCH_INPUT_STDIN, NULL, &e);
	if (rc == VOUCH_OK && in.kind == VOUCH_INPUT_DIR) {
		vouch_input_close(&in);
		if (!st->tree) {
			queue_dir(st, arg);
			return;
		}
		j = new_job(st, arg, NULL, 0);
		j->kind = JOB_TREE;
		submit(st, j);
		return;
	}
	j = new_job(st, arg, NULL, 0);
	j->kind = JOB_FILE;
	j->fd = in.fd;
	j->is_stdin = in.kind == VOUCH_INPUT_STDIN;
	if (rc != VOUCH_OK && j->err.code == VOUCH_OK)
		j->err = e;
	submit(st, j);
}

/* ---- setup and teardown ---- */

static int
start(struct hash_state *st)
{
	struct rlimit rl;
	int e;

	pthread_mutex_init(&st->mu, NULL);
	pthread_cond_init(&st->work_cv, NULL);
	pthread_cond_init(&st->done_cv, NULL);
	/* The ring bounds open descriptors: a few jobs in hand per worker, and
	 * room left for a deep walk's directories under the descriptor limit. */
	st->cap = 2 * (size_t)st->jobs + 8;
	if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur != RLIM_INFINITY &&
	    rl.rlim_cur < st->cap + FD_RESERVE + 8)
		st->cap = rl.rlim_cur > FD_RESERVE + 8 ? (size_t)rl.rlim_cur - FD_RESERVE : 8;
	st->ring = calloc(st->cap, sizeof(*st->ring));
	if (st->ring == NULL)
		return -1;
	for (size_t i = 0; i < st->cap; i++)
		st->ring[i].fd = -1;
	if (st->jobs < 2)
		return 0;
	st->threads = calloc(st->jobs, sizeof(*st->threads));
	if (st->threads == NULL)
		return -1;
	for (; st->nthreads < st->jobs; st->nthreads++)
		if ((e = pthread_create(&st->threads[st->nthreads], NULL, worker, st)) != 0) {
			errno = e;
			return st->nthreads > 0 ? 0 : -1;
		}
	return 0;
}

static void
stop(struct hash_state *st)
{
	reap(st, 1);
	pthread_mutex_lock(&st->mu);
	st->stop = 1;
	pthread_cond_broadcast(&st->work_cv);
	pthread_mutex_unlock(&st->mu);
	for (unsigned i = 0; i < st->nthreads; i++)
		pthread_join(st->threads[i], NULL);
	free(st->threads);
	for (size_t i = 0; st->ring != NULL && i < st->cap; i++)
		job_clear(&st->ring[i]);
	free(st->ring);
	pthread_mutex_destroy(&st->mu);
	pthread_cond_destroy(&st->work_cv);
	pthread_cond_destroy(&st->done_cv);
}

static unsigned
default_jobs(void)
{
	long n = sysconf(_SC_NPROCESSORS_ONLN);

	return n < 1 ? 1 : n > VOUCH_HASHRUN_MAX_JOBS ? VOUCH_HASHRUN_MAX_JOBS : (unsigned)n;
}

static int
set_options(struct hash_state *st, const vouch_hashrun_opts *o, vouch_err *err)
{
	st->o = o;
	st->algs = o->algs != 0 ? o->algs : VOUCH_ALG_SHA256;
	st->sums = o->sums;
	st->members = o->members;
	st->depth = o->depth != 0 ? o->depth : 1;
	st->tree = o->tree;
	st->jobs = o->jobs != 0 ? o->jobs : default_jobs();
	if (st->depth > VOUCH_HASHRUN_MAX_DEPTH || st->jobs > VOUCH_HASHRUN_MAX_JOBS)
		return vouch_err_set(err, VOUCH_EUSAGE, "depth or job count out of range");
	if (st->sums && st->tree)
		return vouch_err_set(err, VOUCH_EUSAGE, "tree digests need the json format");
	return VOUCH_OK;
}

int
vouch_hashrun(const vouch_hashrun_opts *o, const char *const *inputs, size_t n,
              vouch_buf *out, vouch_hashrun_result *res, vouch_err *err)
{
	struct hash_state st;
	int rc;

	memset(&st, 0, sizeof(st));
	vouch_buf_init(out, VOUCH_HASHRUN_OUT_MAX);
	st.out = out;
	if ((rc = set_options(&st, o, err)) != VOUCH_OK)
		goto out;
	if (start(&st) != 0) {
		rc = vouch_err_sys(err, VOUCH_EIO, "cannot start");
		stop(&st);
		goto out;
	}
	for (size_t i = 0; i < n; i++)
		queue_arg(&st, inputs[i]);
	stop(&st);
	/* Close the JSON list. */
	if (!st.sums)
		rc = vouch_buf_append_str(out, st.listed ? "\n]\n" : "[]\n", err);
out:
	if (res != NULL)
		*res = st.res;
	return rc;
}
