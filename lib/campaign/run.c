/* run.c - the campaign coordinator: the journal (state/journal.jsonl, one
 * fsynced JSON line per event), the executors (local worker processes, or
 * a Slurm job array it submits, watches and collects), the summary and the
 * signed campaign statement. */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <cjson/cJSON.h>

#include "vouch/digest.h"
#include "vouch/envelope.h"
#include "vouch/file.h"
#include "vouch/json.h"
#include "vouch/key.h"
#include "campaign_int.h"

#define PREDICATE_CAMPAIGN "https://vouch.dev/attestation/campaign/v1"
#define SUMMARY_TYPE "https://vouch.dev/campaign-summary/v1"

struct slot {          /* one item's state in this run */
	int todo;          /* still to do in this run */
	int running;
	unsigned attempt;  /* of the last attempt started */
	char *result;      /* relative path of the latest result.json, any run */
	char *result_run;
	pid_t pid;
};

struct runner {
	const vouch_campaign *c;
	const vouch_campaign_opts *o;
	const char *outdir;
	int jfd;
	char run[64];
	struct slot *s;
	vouch_campaign_progress p;
	size_t executed;   /* finished by a worker in this run */
	double t0;
	cJSON *runs;       /* [{id, started, finished, executor}] */
	cJSON *history;    /* object: id -> [{run, verdict, finished}] */
};

static double
now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

static const char *
path_in(vouch_buf *b, const char *outdir, const char *rel)
{
	vouch_buf_reset(b);
	if (vouch_buf_appendf(b, NULL, "%s/%s", outdir, rel) != VOUCH_OK)
		return "/nonexistent";
	return vouch_buf_cstr(b);
}

/* Append one event to the journal and fsync it. */
static int
journal(struct runner *r, cJSON *ev, vouch_err *err)
{
	char *s = cJSON_PrintUnformatted(ev);
	vouch_buf b;
	int rc;

	cJSON_Delete(ev);
	if (s == NULL)
		return vouch_err_set(err, VOUCH_ENOMEM, "out of memory");
	vouch_buf_init(&b, 0);
	rc = vouch_buf_appendf(&b, err, "%s\n", s);
	free(s);
	if (rc == VOUCH_OK)
		rc = vouch_write_all(r->jfd, b.data, b.len, "state/journal.jsonl", err);
	if (rc == VOUCH_OK && fsync(r->jfd) != 0)
		rc = vouch_err_sys(err, VOUCH_EIO, "cannot sync the journal");
	vouch_buf_free(&b);
	return rc;
}

static cJSON *
event(const char *ev, const char *run)
{
	cJSON *j = cJSON_CreateObject();

	if (j && (!cJSON_AddStringToObject(j, "ev", ev) || !cJSON_AddStringToObject(j, "run", run))) {
		cJSON_Delete(j);
		return NULL;
	}
	return j;
}

static cJSON *
read_json(const char *path, vouch_err *err)
{
	vouch_buf b;
	cJSON *j = NULL;

	vouch_buf_init(&b, 1 << 24);
	if (vouch_read_file(path, 1 << 24, &b, err) == VOUCH_OK)
		(void)vouch_json_parse((const char *)b.data, b.len, &j, err);
	vouch_buf_free(&b);
	return j;
}

static int
set_str(char **dst, const char *s, vouch_err *err)
{
	free(*dst);
	return (*dst = vouch_strdup(s, err)) == NULL ? VOUCH_ENOMEM : VOUCH_OK;
}

/* Record an item's result (journal, history, progress). */
static int
item_done(struct runner *r, size_t i, const char *rel, vouch_err *err)
{
	struct slot *s = &r->s[i];
	vouch_buf b;
	cJSON *res, *ev, *h, *arr;
	const char *v;
	int rc;

	vouch_buf_init(&b, 0);
	res = read_json(path_in(&b, r->outdir, rel), err);
	vouch_buf_free(&b);
	if (res == NULL)
		return err && err->code ? err->code : vouch_err_set(err, VOUCH_EIO, "unreadable result '%s'", rel);
	v = vouch_json_get_string(res, "verdict");
	if (campaign_verdict_index(v) < 0) {
		cJSON_Delete(res);
		return vouch_err_set(err, VOUCH_EINPUT, "result '%s': no verdict", rel);
	}
	ev = event("done", r->run);
	if (ev == NULL || !cJSON_AddStringToObject(ev, "id", r->c->items[i].id) ||
	    !cJSON_AddNumberToObject(ev, "attempt", s->attempt) ||
	    !cJSON_AddStringToObject(ev, "result", rel) || !cJSON_AddStringToObject(ev, "verdict", v) ||
	    !cJSON_AddStringToObject(ev, "finished", vouch_json_get_string(res, "finished") ?
		vouch_json_get_string(res, "finished") : "1970-01-01T00:00:00Z")) {
		cJSON_Delete(ev);
		cJSON_Delete(res);
		return vouch_err_set(err, VOUCH_ENOMEM, "out of memory");
	}
	h = cJSON_Duplicate(ev, 1);
	if ((rc = journal(r, ev, err)) != VOUCH_OK) {
		cJSON_Delete(h);
		cJSON_Delete(res);
		return rc;
	}
	if ((arr = cJSON_GetObjectItemCaseSensitive(r->history, r->c->items[i].id)) == NULL)
		arr = cJSON_AddArrayToObject(r->history, r->c->items[i].id);
	if (h == NULL || arr == NULL || !cJSON_AddItemToArray(arr, h))
		rc = vouch_err_set(err, VOUCH_ENOMEM, "out of memory");
	s->todo = 0;
	s->running = 0;
	if (rc == VOUCH_OK && (rc = set_str(&s->result, rel, err)) == VOUCH_OK)
		rc = set_str(&s->result_run, r->run, err);
	r->p.done++;
	r->executed++;
	if (campaign_verdict_index(v) > V_EQUIVALENT)
		r->p.failures++;
	r->p.item = r->c->items[i].id;
	r->p.verdict = v;
	{
		size_t left = r->p.total - r->p.done;
		double el = now_s() - r->t0;

		r->p.eta_seconds = r->executed > 0 ? el / (double)r->executed * (double)left : -1;
	}
	if (r->o->progress)
		r->o->progress(r->o->ctx, &r->p);
	cJSON_Delete(res);
	return rc;
}

static unsigned
retries_of(const struct runner *r, size_t i)
{
	return r->c->items[i].retries >= 0 ? (unsigned)r->c->items[i].retries : r->c->retries;
}

/* An attempt ended without a result: journal it, then retry it or give it
 * a build-error verdict.  Never anything better. */
static int
item_lost(struct runner *r, size_t i, const char *why, vouch_err *err)
{
	struct slot *s = &r->s[i];
	cJSON *ev = event("lost", r->run);
	char reason[512];
	vouch_buf rel;
	int rc;

	if (ev == NULL || !cJSON_AddStringToObject(ev, "id", r->c->items[i].id) ||
	    !cJSON_AddNumberToObject(ev, "attempt", s->attempt) || !cJSON_AddStringToObject(ev, "reason", why)) {
		cJSON_Delete(ev);
		return vouch_err_set(err, VOUCH_ENOMEM, "out of memory");
	}
	if ((rc = journal(r, ev, err)) != VOUCH_OK)
		return rc;
	s->running = 0;
	if (s->attempt <= retries_of(r, i)) {
		r->p.retries++;
		s->todo = 1;
		return VOUCH_OK;
	}
	snprintf(reason, sizeof reason, "attempt %u %s; not retried", s->attempt, why);
	vouch_buf_init(&rel, 0);
	if ((rc = campaign_attempt_dir(&r->c->items[i], r->run, s->attempt, &rel, err)) == VOUCH_OK &&
	    (rc = campaign_write_lost_result(r->c, r->outdir, i, r->run, s->attempt, reason, err)) == VOUCH_OK &&
	    (rc = vouch_buf_append_str(&rel, "/result.json", err)) == VOUCH_OK)
		rc = item_done(r, i, vouch_buf_cstr(&rel), err);
	vouch_buf_free(&rel);
	return rc;
}

static int
result_rel(struct runner *r, size_t i, vouch_buf *rel, vouch_err *err)
{
	int rc = campaign_attempt_dir(&r->c->items[i], r->run, r->s[i].attempt, rel, err);

	return rc == VOUCH_OK ? vouch_buf_append_str(rel, "/result.json", err) : rc;
}

static int
has_result(struct runner *r, size_t i, vouch_buf *rel, vouch_err *err)
{
	vouch_buf b;
	struct stat st;
	int ok;

	if (result_rel(r, i, rel, err) != VOUCH_OK)
		return 0;
	vouch_buf_init(&b, 0);
	ok = stat(path_in(&b, r->outdir, vouch_buf_cstr(rel)), &st) == 0;
	vouch_buf_free(&b);
	return ok;
}

static int
worker_argv(struct runner *r, size_t i, const char **argv, char *idx, size_t idxsz, char *att,
    size_t attsz)
{
	size_t n = 0;

	snprintf(idx, idxsz, "%zu", i);
	snprintf(att, attsz, "%u", r->s[i].attempt);
	argv[n++] = r->o->self;
	argv[n++] = "item";
	argv[n++] = "-o";
	argv[n++] = r->outdir;
	argv[n++] = "-r";
	argv[n++] = r->run;
	argv[n++] = "-a";
	argv[n++] = att;
	if (r->o->tooldir) {
		argv[n++] = "-T";
		argv[n++] = r->o->tooldir;
	}
	argv[n++] = r->c->path;
	argv[n++] = idx;
	argv[n] = NULL;
	return (int)n;
}

/* ---- local executor ---- */

static int
run_local(struct runner *r, unsigned workers, vouch_err *err)
{
	size_t n = r->c->nitems, running = 0;
	int rc = VOUCH_OK;

	for (;;) {
		for (size_t i = 0; i < n && running < workers && rc == VOUCH_OK; i++) {
			const char *argv[16];
			char idx[32], att[16];
			vouch_buf logp, b;

			if (!r->s[i].todo || r->s[i].running)
				continue;
			r->s[i].attempt++;
			worker_argv(r, i, argv, idx, sizeof idx, att, sizeof att);
			vouch_buf_init(&logp, 0);
			vouch_buf_init(&b, 0);
			if ((rc = campaign_attempt_dir(&r->c->items[i], r->run, r->s[i].attempt, &logp, err)) ==
			    VOUCH_OK && (rc = vouch_buf_append_str(&logp, ".log", err)) == VOUCH_OK) {
				vouch_buf d;

				vouch_buf_init(&d, 0);
				rc = campaign_mkdirs(path_in(&d, r->outdir, "items"), err);
				if (rc == VOUCH_OK) {
					vouch_buf_reset(&d);
					rc = vouch_buf_appendf(&d, err, "%s/items/%s", r->outdir, r->c->items[i].id);
				}
				if (rc == VOUCH_OK)
					rc = campaign_mkdirs(vouch_buf_cstr(&d), err);
				vouch_buf_free(&d);
			}
			if (rc == VOUCH_OK)
				rc = campaign_spawn(argv, NULL, path_in(&b, r->outdir, vouch_buf_cstr(&logp)),
				    &r->s[i].pid, err);
			vouch_buf_free(&logp);
			vouch_buf_free(&b);
			if (rc == VOUCH_OK) {
				r->s[i].running = 1;
				running++;
			}
		}
		if (running == 0 || rc != VOUCH_OK)
			break;
		{
			int st;
			pid_t pid = waitpid(-1, &st, 0);
			size_t i;

			if (pid < 0) {
				if (errno == EINTR)
					continue;
				rc = vouch_err_sys(err, VOUCH_EIO, "waiting for the workers");
				break;
			}
			for (i = 0; i < n && !(r->s[i].running && r->s[i].pid == pid); i++)
				;
			if (i == n)
				continue; /* not ours */
			running--;
			r->s[i].running = 0;
			{
				vouch_buf rel;
				char why[128];

				vouch_buf_init(&rel, 0);
				if (WIFEXITED(st) && WEXITSTATUS(st) == 0 && has_result(r, i, &rel, err))
					rc = item_done(r, i, vouch_buf_cstr(&rel), err);
				else {
					if (WIFSIGNALED(st))
						snprintf(why, sizeof why, "was killed by signal %d", WTERMSIG(st));
					else
						snprintf(why, sizeof why, "ended with status %d and no result",
						    WEXITSTATUS(st));
					rc = item_lost(r, i, why, err);
				}
				vouch_buf_free(&rel);
			}
		}
	}
	/* on trouble, stop the workers still running (their attempts stay
	 * unrecorded and are redone on resume) */
	for (size_t i = 0; i < n; i++)
		if (r->s[i].running) {
			kill(r->s[i].pid, SIGTERM);
			waitpid(r->s[i].pid, NULL, 0);
		}
	return rc;
}

/* ---- Slurm executor ---- */

/* 'str' for sh, into b. */
static int
shq(vouch_buf *b, const char *s, vouch_err *err)
{
	int rc = vouch_buf_append_byte(b, '\'', err);

	for (; *s && rc == VOUCH_OK; s++)
		rc = *s == '\'' ? vouch_buf_append_str(b, "'\\''", err) : vouch_buf_append_byte(b, (unsigned char)*s, err);
	return rc == VOUCH_OK ? vouch_buf_append_str(b, "' ", err) : rc;
}

static int
slurm_submit(struct runner *r, unsigned attempt, char *jobid, size_t jobidsz, vouch_err *err)
{
	const char *argv[96];
	char idx[] = "$SLURM_ARRAY_TASK_ID", att[16], dummy[32];
	vouch_buf script, sp, arr, outp, ans, errp, name;
	size_t n = 0, first = 1;
	int rc, st;

	vouch_buf_init(&script, 0); vouch_buf_init(&sp, 0); vouch_buf_init(&arr, 0);
	vouch_buf_init(&outp, 0); vouch_buf_init(&ans, 1 << 16); vouch_buf_init(&errp, 0);
	vouch_buf_init(&name, 0);
	/* the worker command, with the array index from Slurm */
	for (size_t i = 0; i < r->c->nitems; i++)
		if (r->s[i].todo && r->s[i].attempt == attempt) {
			worker_argv(r, i, argv, dummy, sizeof dummy, att, sizeof att);
			break;
		}
	rc = vouch_buf_append_str(&script, "#!/bin/sh\n# vouch-campaign: one item per array task\nexec ", err);
	for (size_t k = 0; argv[k + 1] != NULL && rc == VOUCH_OK; k++)
		rc = shq(&script, argv[k], err);
	if (rc == VOUCH_OK)
		rc = vouch_buf_appendf(&script, err, "\"%s\"\n", idx);
	for (size_t i = 0; i < r->c->nitems && rc == VOUCH_OK; i++)
		if (r->s[i].todo && r->s[i].attempt == attempt) {
			rc = vouch_buf_appendf(&arr, err, "%s%zu", first ? "" : ",", i);
			first = 0;
		}
	if (rc == VOUCH_OK && r->c->max_parallel > 0)
		rc = vouch_buf_appendf(&arr, err, "%%%u", r->c->max_parallel);
	if (rc == VOUCH_OK)
		rc = campaign_mkdirs(path_in(&sp, r->outdir, "state/slurm"), err);
	if (rc == VOUCH_OK) {
		char leaf[128];

		snprintf(leaf, sizeof leaf, "state/slurm/%s-a%u.sh", r->run, attempt);
		rc = vouch_write_file_atomic(path_in(&sp, r->outdir, leaf), script.data, script.len, 0755, err);
	}
	if (rc == VOUCH_OK)
		rc = vouch_buf_appendf(&outp, err, "%s/state/slurm/%%A_%%a.out", r->outdir);
	if (rc == VOUCH_OK)
		rc = vouch_buf_appendf(&name, err, "vouch-%s", r->c->name);
	if (rc == VOUCH_OK) {
		argv[n++] = "sbatch";
		argv[n++] = "--parsable";
		argv[n++] = "-J";
		argv[n++] = vouch_buf_cstr(&name);
		argv[n++] = "-o";
		argv[n++] = vouch_buf_cstr(&outp);
		argv[n++] = "--array";
		argv[n++] = vouch_buf_cstr(&arr);
		if (r->c->partition) {
			argv[n++] = "-p";
			argv[n++] = r->c->partition;
		}
		for (size_t k = 0; k < r->c->nsbatch && n < 90; k++)
			argv[n++] = r->c->sbatch_args[k];
		argv[n++] = vouch_buf_cstr(&sp);
		argv[n] = NULL;
		{
			vouch_buf ap;

			vouch_buf_init(&ap, 0);
			rc = campaign_run_wait(argv, path_in(&ap, r->outdir, "state/slurm/sbatch.out"),
			    path_in(&errp, r->outdir, "state/slurm/sbatch.err"), &st, err);
			if (rc == VOUCH_OK)
				rc = vouch_read_file(vouch_buf_cstr(&ap), 1 << 16, &ans, err);
			vouch_buf_free(&ap);
		}
		if (rc == VOUCH_OK && (st != 0 || ans.len == 0)) {
			vouch_buf e;

			vouch_buf_init(&e, 1 << 16);
			(void)vouch_read_file(vouch_buf_cstr(&errp), 1 << 16, &e, NULL);
			rc = vouch_err_set(err, VOUCH_EIO, "sbatch failed (status %d): %.*s", st,
			    (int)strcspn(e.data ? (const char *)e.data : "", "\n"), e.data ? (const char *)e.data : "");
			vouch_buf_free(&e);
		}
		if (rc == VOUCH_OK) {
			size_t l = strcspn((const char *)ans.data, ";\n");

			if (l == 0 || l >= jobidsz)
				rc = vouch_err_set(err, VOUCH_EIO, "sbatch gave no job id");
			else
				snprintf(jobid, jobidsz, "%.*s", (int)l, (const char *)ans.data);
			for (size_t k = 0; rc == VOUCH_OK && jobid[k]; k++)
				if (jobid[k] < '0' || jobid[k] > '9')
					rc = vouch_err_set(err, VOUCH_EIO, "sbatch gave a bad job id '%s'", jobid);
		}
	}
	vouch_buf_free(&script); vouch_buf_free(&sp); vouch_buf_free(&arr); vouch_buf_free(&outp);
	vouch_buf_free(&ans); vouch_buf_free(&errp); vouch_buf_free(&name);
	return rc;
}

/* Is the job still known to squeue with tasks pending or running? */
static int
slurm_active(struct runner *r, const char *jobid, int *active, vouch_err *err)
{
	const char *argv[] = { "squeue", "-h", "-j", jobid, "-o", "%i %T", NULL };
	vouch_buf out, ans;
	int rc, st;

	vouch_buf_init(&out, 0);
	vouch_buf_init(&ans, 1 << 22);
	rc = campaign_run_wait(argv, path_in(&out, r->outdir, "state/slurm/squeue.out"), NULL, &st, err);
	if (rc == VOUCH_OK)
		rc = vouch_read_file(vouch_buf_cstr(&out), 1 << 22, &ans, err);
	/* an unknown job (squeue exits non-zero once it has forgotten it) or
	 * an empty list: nothing left */
	*active = rc == VOUCH_OK && st == 0 && ans.len > 0;
	vouch_buf_free(&out);
	vouch_buf_free(&ans);
	return rc;
}

/* The final state of array task jobid_i as sacct, else scontrol, says. */
static void
slurm_task_state(struct runner *r, const char *jobid, size_t i, char *out, size_t outsz)
{
	char task[96];
	const char *a1[] = { "sacct", "-n", "-P", "-X", "-j", task, "-o", "State", NULL };
	const char *a2[] = { "scontrol", "-o", "show", "job", task, NULL };
	vouch_buf o, ans;
	int st;

	snprintf(out, outsz, "state unknown");
	snprintf(task, sizeof task, "%s_%zu", jobid, i);
	vouch_buf_init(&o, 0);
	vouch_buf_init(&ans, 1 << 16);
	if (campaign_run_wait(a1, path_in(&o, r->outdir, "state/slurm/sacct.out"), NULL, &st, NULL) == VOUCH_OK &&
	    st == 0 && vouch_read_file(vouch_buf_cstr(&o), 1 << 16, &ans, NULL) == VOUCH_OK && ans.len > 0 &&
	    ans.data[0] >= 'A' && ans.data[0] <= 'Z') {
		snprintf(out, outsz, "%.*s", (int)strcspn((const char *)ans.data, "\n "), (const char *)ans.data);
	} else if (campaign_run_wait(a2, path_in(&o, r->outdir, "state/slurm/scontrol.out"), NULL, &st, NULL) ==
	    VOUCH_OK && st == 0 && (vouch_buf_reset(&ans), vouch_read_file(vouch_buf_cstr(&o), 1 << 16, &ans, NULL)) ==
	    VOUCH_OK && vouch_buf_append_byte(&ans, 0, NULL) == VOUCH_OK) {
		const char *s = strstr((const char *)ans.data, "JobState=");

		if (s != NULL)
			snprintf(out, outsz, "%.*s", (int)strcspn(s + 9, " \n"), s + 9);
	}
	vouch_buf_free(&o);
	vouch_buf_free(&ans);
}

static int
run_slurm(struct runner *r, vouch_err *err)
{
	double poll = r->o->poll_seconds > 0 ? r->o->poll_seconds : 1.0;
	int rc = VOUCH_OK;

	for (;;) {
		unsigned attempt = 0;
		char jobid[64];
		int active = 1;

		/* one array per attempt number: items to do now */
		for (size_t i = 0; i < r->c->nitems; i++)
			if (r->s[i].todo && (attempt == 0 || r->s[i].attempt + 1 < attempt))
				attempt = r->s[i].attempt + 1;
		if (attempt == 0)
			break;
		for (size_t i = 0; i < r->c->nitems; i++)
			if (r->s[i].todo && r->s[i].attempt + 1 == attempt) {
				r->s[i].attempt = attempt;
				r->s[i].running = 1;
			}
		if ((rc = slurm_submit(r, attempt, jobid, sizeof jobid, err)) != VOUCH_OK)
			break;
		{
			cJSON *ev = event("slurm-job", r->run);

			if (ev == NULL || !cJSON_AddStringToObject(ev, "job", jobid) ||
			    !cJSON_AddNumberToObject(ev, "attempt", attempt)) {
				cJSON_Delete(ev);
				rc = vouch_err_set(err, VOUCH_ENOMEM, "out of memory");
				break;
			}
			if ((rc = journal(r, ev, err)) != VOUCH_OK)
				break;
		}
		while (rc == VOUCH_OK) {
			int was_active = active;

			if ((rc = slurm_active(r, jobid, &active, err)) != VOUCH_OK)
				break;
			/* collect what finished, as it appears in the shared folder */
			for (size_t i = 0; i < r->c->nitems && rc == VOUCH_OK; i++) {
				vouch_buf rel;

				if (!r->s[i].running || r->s[i].attempt != attempt)
					continue;
				vouch_buf_init(&rel, 0);
				if (has_result(r, i, &rel, err))
					rc = item_done(r, i, vouch_buf_cstr(&rel), err);
				vouch_buf_free(&rel);
			}
			if (!active && !was_active)
				break;
			if (active) {
				struct timespec ts = { (time_t)poll, (long)((poll - (double)(time_t)poll) * 1e9) };

				nanosleep(&ts, NULL);
			}
		}
		/* the job is gone: tasks without a result were lost */
		for (size_t i = 0; i < r->c->nitems && rc == VOUCH_OK; i++) {
			char state[64], why[256];

			if (!r->s[i].running || r->s[i].attempt != attempt)
				continue;
			slurm_task_state(r, jobid, i, state, sizeof state);
			snprintf(why, sizeof why, "(Slurm job %s_%zu) ended without a result: %s", jobid, i, state);
			rc = item_lost(r, i, why, err);
		}
		if (rc != VOUCH_OK)
			break;
	}
	return rc;
}

/* ---- the journal, read back ---- */

static int
load_journal(struct runner *r, int *resume, vouch_err *err)
{
	vouch_buf path;
	vouch_lines ln;
	const char *line;
	size_t len;
	int fd, rc = VOUCH_OK;
	char last_started[64] = "";
	int open_run = 0;

	*resume = 0;
	vouch_buf_init(&path, 0);
	fd = open(path_in(&path, r->outdir, "state/journal.jsonl"), O_RDONLY | O_CLOEXEC);
	vouch_buf_free(&path);
	if (fd < 0)
		return errno == ENOENT ? VOUCH_OK : vouch_err_sys(err, VOUCH_EIO, "cannot read the journal");
	vouch_lines_init(&ln, fd, "state/journal.jsonl", 1 << 20);
	while ((rc = vouch_lines_next(&ln, &line, &len, err)) == VOUCH_OK && line != NULL) {
		cJSON *j = NULL;
		const char *ev, *run, *id;

		/* a line cut by a crash is not an event */
		if (vouch_json_parse(line, len, &j, NULL) != VOUCH_OK)
			continue;
		ev = vouch_json_get_string(j, "ev");
		run = vouch_json_get_string(j, "run");
		id = vouch_json_get_string(j, "id");
		if (ev && run && strcmp(ev, "start") == 0) {
			cJSON *x = cJSON_CreateObject();

			if (x) {
				cJSON_AddStringToObject(x, "id", run);
				cJSON_AddStringToObject(x, "started", vouch_json_get_string(j, "time") ?
				    vouch_json_get_string(j, "time") : "1970-01-01T00:00:00Z");
				cJSON_AddNullToObject(x, "finished");
				cJSON_AddStringToObject(x, "executor", vouch_json_get_string(j, "executor") ?
				    vouch_json_get_string(j, "executor") : "local");
				cJSON_AddItemToArray(r->runs, x);
			}
			snprintf(last_started, sizeof last_started, "%s", run);
			open_run = 1;
		} else if (ev && run && strcmp(ev, "end") == 0) {
			cJSON *x;

			cJSON_ArrayForEach(x, r->runs)
				if (strcmp(vouch_json_get_string(x, "id"), run) == 0 && vouch_json_get_string(j, "time"))
					cJSON_ReplaceItemInObject(x, "finished",
					    cJSON_CreateString(vouch_json_get_string(j, "time")));
			if (strcmp(run, last_started) == 0)
				open_run = 0;
		} else if (ev && run && id && strcmp(ev, "done") == 0) {
			long i = vouch_campaign_find(r->c, id);
			const char *res = vouch_json_get_string(j, "result");
			cJSON *arr;

			if (i >= 0 && res != NULL && (rc = set_str(&r->s[i].result, res, err)) == VOUCH_OK)
				rc = set_str(&r->s[i].result_run, run, err);
			if ((arr = cJSON_GetObjectItemCaseSensitive(r->history, id)) == NULL)
				arr = cJSON_AddArrayToObject(r->history, id);
			if (arr)
				cJSON_AddItemToArray(arr, cJSON_Duplicate(j, 1));
			if (i >= 0 && strcmp(run, last_started) == 0 && open_run) {
				long long a = 0;

				(void)vouch_json_get_int(j, "attempt", 0, 1000, &a, NULL);
				r->s[i].attempt = (unsigned)a;
			}
		} else if (ev && run && id && strcmp(ev, "lost") == 0 && strcmp(run, last_started) == 0) {
			long i = vouch_campaign_find(r->c, id);
			long long a = 0;

			if (i >= 0 && vouch_json_get_int(j, "attempt", 0, 1000, &a, NULL) == VOUCH_OK &&
			    (unsigned)a > r->s[i].attempt)
				r->s[i].attempt = (unsigned)a;
		}
		cJSON_Delete(j);
		if (rc != VOUCH_OK)
			break;
	}
	vouch_lines_free(&ln);
	close(fd);
	if (rc == VOUCH_OK && open_run) {
		*resume = 1;
		snprintf(r->run, sizeof r->run, "%s", last_started);
	}
	return rc;
}

/* Was the item's latest result logged for these very inputs? */
static int
already_logged(struct runner *r, size_t i, const char *inputs)
{
	vouch_buf b;
	cJSON *res;
	const char *d, *env;
	int yes = 0;

	if (r->s[i].result == NULL)
		return 0;
	vouch_buf_init(&b, 0);
	res = read_json(path_in(&b, r->outdir, r->s[i].result), NULL);
	d = vouch_json_get_string(res, "inputs_digest");
	env = vouch_json_get_string(res, "envelope");
	if (d && strcmp(d, inputs) == 0 && env != NULL && cJSON_IsObject(vouch_json_get(res, "log_entry"))) {
		struct stat st;

		yes = stat(path_in(&b, r->outdir, env), &st) == 0;
	}
	cJSON_Delete(res);
	vouch_buf_free(&b);
	return yes;
}

/* ---- summary and statement ---- */

static int
build_summary(struct runner *r, const char *keyid, cJSON **summary, cJSON **pred, vouch_err *err)
{
	cJSON *s = cJSON_CreateObject(), *lab, *log, *counts, *items, *pitems, *p;
	size_t cnt[CAMPAIGN_NVERDICTS] = { 0 };
	char now[32];

	campaign_now(now);
	p = cJSON_CreateObject();
	if (s == NULL || p == NULL)
		goto nomem;
	cJSON_AddStringToObject(s, "_type", SUMMARY_TYPE);
	cJSON_AddStringToObject(s, "campaign", r->c->name);
	cJSON_AddStringToObject(s, "generated", now);
	lab = cJSON_AddObjectToObject(s, "lab");
	log = cJSON_AddObjectToObject(s, "log");
	if (lab == NULL || log == NULL)
		goto nomem;
	cJSON_AddStringToObject(lab, "name", r->c->lab_name);
	cJSON_AddStringToObject(lab, "keyid", keyid);
	cJSON_AddStringToObject(log, "url", r->c->log_url);
	cJSON_AddStringToObject(s, "statement", "campaign.intoto.jsonl");
	cJSON_AddItemToObject(s, "runs", cJSON_Duplicate(r->runs, 1));
	counts = cJSON_AddObjectToObject(s, "counts");
	items = cJSON_AddArrayToObject(s, "items");
	cJSON_AddStringToObject(p, "campaign", r->c->name);
	cJSON_AddItemToObject(p, "lab", cJSON_Duplicate(lab, 1));
	cJSON_AddItemToObject(p, "log", cJSON_Duplicate(log, 1));
	cJSON_AddStringToObject(p, "run", r->run);
	cJSON_AddStringToObject(p, "generated", now);
	pitems = cJSON_AddArrayToObject(p, "items");
	if (counts == NULL || items == NULL || pitems == NULL)
		goto nomem;
	for (size_t i = 0; i < r->c->nitems; i++) {
		vouch_buf b;
		cJSON *res, *h, *x, *pi;
		int v;

		if (r->s[i].result == NULL)
			continue; /* not done yet (a run stopped by trouble) */
		vouch_buf_init(&b, 0);
		res = read_json(path_in(&b, r->outdir, r->s[i].result), NULL);
		vouch_buf_free(&b);
		if (res == NULL || (v = campaign_verdict_index(vouch_json_get_string(res, "verdict"))) < 0) {
			cJSON_Delete(res);
			continue;
		}
		cnt[v]++;
		cJSON_DeleteItemFromObject(res, "attempt");
		cJSON_DeleteItemFromObject(res, "finished");
		h = cJSON_AddArrayToObject(res, "history");
		cJSON_ArrayForEach(x, cJSON_GetObjectItemCaseSensitive(r->history, r->c->items[i].id)) {
			cJSON *e = cJSON_CreateObject();

			if (e == NULL || h == NULL)
				break;
			cJSON_AddStringToObject(e, "run", vouch_json_get_string(x, "run"));
			cJSON_AddStringToObject(e, "verdict", vouch_json_get_string(x, "verdict"));
			cJSON_AddStringToObject(e, "finished", vouch_json_get_string(x, "finished") ?
			    vouch_json_get_string(x, "finished") : now);
			cJSON_AddItemToArray(h, e);
		}
		pi = cJSON_CreateObject();
		if (pi) {
			const cJSON *le = vouch_json_get(res, "log_entry");
			const cJSON *idx = cJSON_IsObject(le) ? vouch_json_get(le, "index") : NULL;

			cJSON_AddStringToObject(pi, "id", r->c->items[i].id);
			cJSON_AddStringToObject(pi, "verdict", vouch_campaign_verdict_name((unsigned)v));
			cJSON_AddStringToObject(pi, "inputs_digest", vouch_json_get_string(res, "inputs_digest"));
			cJSON_AddItemToObject(pi, "artifacts", cJSON_Duplicate(vouch_json_get(res, "artifacts"), 1));
			if (cJSON_IsNumber(idx))
				cJSON_AddNumberToObject(pi, "log_index", idx->valuedouble);
			else
				cJSON_AddNullToObject(pi, "log_index");
			if (vouch_json_get_string(res, "envelope")) {
				char hex[65];
				vouch_buf e;

				vouch_buf_init(&e, 0);
				if (campaign_file_sha256(path_in(&e, r->outdir, vouch_json_get_string(res, "envelope")),
					hex, NULL) == VOUCH_OK)
					cJSON_AddStringToObject(pi, "envelope_sha256", hex);
				vouch_buf_free(&e);
			}
			cJSON_AddItemToArray(pitems, pi);
		}
		cJSON_AddItemToArray(items, res);
	}
	for (unsigned v = 0; v < CAMPAIGN_NVERDICTS; v++)
		cJSON_AddNumberToObject(counts, vouch_campaign_verdict_name(v), (double)cnt[v]);
	cJSON_AddItemToObject(p, "counts", cJSON_Duplicate(counts, 1));
	*summary = s;
	*pred = p;
	return VOUCH_OK;
nomem:
	cJSON_Delete(s);
	cJSON_Delete(p);
	return vouch_err_set(err, VOUCH_ENOMEM, "out of memory");
}

/* The in-toto statement: subjects are the shipped artifacts (and the
 * summary), the predicate lists items, verdicts, log entries. */
static int
sign_statement(struct runner *r, const vouch_key *key, cJSON *pred, const char *summary_sha,
    vouch_err *err)
{
	cJSON *st = cJSON_CreateObject(), *subj, *x, *a;
	vouch_envelope *env = NULL;
	vouch_buf out, path;
	char *payload = NULL;
	int rc = VOUCH_OK;

	vouch_buf_init(&out, 0);
	vouch_buf_init(&path, 0);
	if (st == NULL || (subj = cJSON_AddArrayToObject(st, "subject")) == NULL) {
		cJSON_Delete(st);
		cJSON_Delete(pred);
		return vouch_err_set(err, VOUCH_ENOMEM, "out of memory");
	}
	cJSON_AddStringToObject(st, "_type", "https://in-toto.io/Statement/v1");
	{
		cJSON *s = cJSON_CreateObject(), *d;

		cJSON_AddStringToObject(s, "name", "summary.json");
		d = cJSON_AddObjectToObject(s, "digest");
		cJSON_AddStringToObject(d, "sha256", summary_sha);
		cJSON_AddItemToArray(subj, s);
	}
	cJSON_ArrayForEach(x, vouch_json_get(pred, "items"))
		cJSON_ArrayForEach(a, vouch_json_get(x, "artifacts")) {
			cJSON *s = cJSON_CreateObject(), *d;

			cJSON_AddStringToObject(s, "name", vouch_json_get_string(a, "name"));
			d = cJSON_AddObjectToObject(s, "digest");
			cJSON_AddStringToObject(d, "sha256", vouch_json_get_string(a, "sha256"));
			cJSON_AddItemToArray(subj, s);
		}
	cJSON_AddStringToObject(st, "predicateType", PREDICATE_CAMPAIGN);
	cJSON_AddItemToObject(st, "predicate", pred);
	if ((payload = cJSON_PrintUnformatted(st)) == NULL)
		rc = vouch_err_set(err, VOUCH_ENOMEM, "out of memory");
	if (rc == VOUCH_OK)
		rc = vouch_envelope_new("application/vnd.in-toto+json", payload, strlen(payload), &env, err);
	if (rc == VOUCH_OK)
		rc = vouch_envelope_sign(env, key, err);
	if (rc == VOUCH_OK)
		rc = vouch_envelope_serialize(env, &out, err);
	if (rc == VOUCH_OK)
		rc = vouch_buf_append_byte(&out, '\n', err);
	if (rc == VOUCH_OK)
		rc = vouch_write_file_atomic(path_in(&path, r->outdir, "campaign.intoto.jsonl"), out.data, out.len,
		    0644, err);
	vouch_envelope_free(env);
	free(payload);
	cJSON_Delete(st);
	vouch_buf_free(&out);
	vouch_buf_free(&path);
	return rc;
}

/* Log the campaign statement too: the regulator finds it in the log. */
static int
submit_statement(struct runner *r, vouch_err *err)
{
	const char *argv[10];
	vouch_buf t, a, b, e;
	size_t n = 0;
	int rc, st;

	vouch_buf_init(&t, 0); vouch_buf_init(&a, 0); vouch_buf_init(&b, 0); vouch_buf_init(&e, 0);
	rc = campaign_tool(r->o, "log", &t, err);
	argv[n++] = vouch_buf_cstr(&t);
	argv[n++] = "-l";
	argv[n++] = r->c->log_url;
	if (r->c->log_verifier) {
		argv[n++] = "-K";
		argv[n++] = r->c->log_verifier;
	}
	argv[n++] = "submit";
	argv[n++] = path_in(&a, r->outdir, "campaign.intoto.jsonl");
	argv[n] = NULL;
	if (rc == VOUCH_OK)
		rc = campaign_run_wait(argv, path_in(&b, r->outdir, "campaign.proof.json"),
		    path_in(&e, r->outdir, "state/statement-submit.err"), &st, err);
	if (rc == VOUCH_OK && st != 0)
		rc = vouch_err_set(err, VOUCH_EIO, "vouch-log could not submit the campaign statement (state/statement-submit.err)");
	vouch_buf_free(&t); vouch_buf_free(&a); vouch_buf_free(&b); vouch_buf_free(&e);
	return rc;
}

static int
finish(struct runner *r, const vouch_key *key, const char *keyid, vouch_campaign_result *res,
    vouch_err *err)
{
	cJSON *summary = NULL, *pred = NULL;
	vouch_buf path, out;
	char *s = NULL, hex[65];
	int rc;

	vouch_buf_init(&path, 0);
	vouch_buf_init(&out, 0);
	if ((rc = build_summary(r, keyid, &summary, &pred, err)) != VOUCH_OK)
		return rc;
	{
		const cJSON *counts = vouch_json_get(summary, "counts");

		for (unsigned v = 0; v < CAMPAIGN_NVERDICTS; v++)
			res->counts[v] = (size_t)cJSON_GetObjectItemCaseSensitive(counts,
			    vouch_campaign_verdict_name(v))->valuedouble;
	}
	if ((s = cJSON_Print(summary)) == NULL)
		rc = vouch_err_set(err, VOUCH_ENOMEM, "out of memory");
	if (rc == VOUCH_OK && (rc = vouch_buf_appendf(&out, err, "%s\n", s)) == VOUCH_OK)
		rc = vouch_write_file_atomic(path_in(&path, r->outdir, "summary.json"), out.data, out.len, 0644, err);
	if (rc == VOUCH_OK)
		snprintf(res->summary, sizeof res->summary, "%s", vouch_buf_cstr(&path));
	if (rc == VOUCH_OK)
		rc = vouch_sha256(out.data, out.len, (uint8_t *)hex, err);
	if (rc == VOUCH_OK) {
		uint8_t md[32];
		memcpy(md, hex, 32);
		for (int k = 0; k < 32; k++)
			snprintf(hex + 2 * k, 3, "%02x", md[k]);
		rc = sign_statement(r, key, pred, hex, err);
		pred = NULL;
	}
	if (rc == VOUCH_OK)
		rc = submit_statement(r, err);
	cJSON_Delete(pred);
	cJSON_Delete(summary);
	free(s);
	vouch_buf_free(&path);
	vouch_buf_free(&out);
	return rc;
}

static int
new_run_id(struct runner *r)
{
	char stamp[32];
	time_t t = time(NULL);
	struct tm tm;

	gmtime_r(&t, &tm);
	strftime(stamp, sizeof stamp, "%Y%m%dT%H%M%SZ", &tm);
	snprintf(r->run, sizeof r->run, "r%d-%s", cJSON_GetArraySize(r->runs) + 1, stamp);
	return VOUCH_OK;
}

int
vouch_campaign_run(const vouch_campaign *c, const vouch_campaign_opts *o, vouch_campaign_result *res,
    vouch_err *err)
{
	struct runner r;
	vouch_key *key = NULL;
	char keyid[VOUCH_KEYID_HEX_LEN + 1], now[32];
	const char *executor = o->executor ? o->executor : c->executor;
	vouch_buf path;
	int lockfd = -1, resume = 0, rc;

	memset(res, 0, sizeof *res);
	memset(&r, 0, sizeof r);
	r.c = c;
	r.o = o;
	r.jfd = -1;
	r.outdir = campaign_outdir(c, o);
	vouch_buf_init(&path, 0);
	if (r.outdir == NULL)
		return vouch_err_set(err, VOUCH_EUSAGE, "campaign: no output folder ('output' or -o)");
	if (c->path == NULL || o->self == NULL)
		return vouch_err_set(err, VOUCH_EUSAGE, "campaign: the workers need the campaign file and the program");
	if (strcmp(executor, "local") != 0 && strcmp(executor, "slurm") != 0)
		return vouch_err_set(err, VOUCH_EUSAGE, "unknown executor '%s' (local or slurm)", executor);
	if ((rc = vouch_key_load_file(c->lab_key, NULL, 0, &key, err)) != VOUCH_OK ||
	    (rc = vouch_key_id(key, keyid, err)) != VOUCH_OK) {
		vouch_key_free(key);
		return rc;
	}
	r.s = calloc(c->nitems, sizeof *r.s);
	r.runs = cJSON_CreateArray();
	r.history = cJSON_CreateObject();
	if (r.s == NULL || r.runs == NULL || r.history == NULL) {
		rc = vouch_err_set(err, VOUCH_ENOMEM, "out of memory");
		goto out;
	}
	if ((rc = campaign_mkdirs(path_in(&path, r.outdir, "state"), err)) != VOUCH_OK)
		goto out;
	/* one coordinator per output folder */
	if ((lockfd = open(path_in(&path, r.outdir, "state/lock"), O_RDWR | O_CREAT | O_CLOEXEC, 0644)) < 0 ||
	    flock(lockfd, LOCK_EX | LOCK_NB) != 0) {
		rc = vouch_err_sys(err, VOUCH_EEXIST, "another vouch-campaign runs in '%s'", r.outdir);
		goto out;
	}
	if ((rc = load_journal(&r, &resume, err)) != VOUCH_OK)
		goto out;
	if ((r.jfd = open(path_in(&path, r.outdir, "state/journal.jsonl"),
		 O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644)) < 0) {
		rc = vouch_err_sys(err, VOUCH_EIO, "cannot open the journal");
		goto out;
	}
	if (!resume) {
		cJSON *ev, *x;

		new_run_id(&r);
		campaign_now(now);
		ev = event("start", r.run);
		if (ev == NULL || !cJSON_AddStringToObject(ev, "time", now) ||
		    !cJSON_AddStringToObject(ev, "executor", executor)) {
			cJSON_Delete(ev);
			rc = vouch_err_set(err, VOUCH_ENOMEM, "out of memory");
			goto out;
		}
		if ((rc = journal(&r, ev, err)) != VOUCH_OK)
			goto out;
		if ((x = cJSON_CreateObject()) != NULL) {
			cJSON_AddStringToObject(x, "id", r.run);
			cJSON_AddStringToObject(x, "started", now);
			cJSON_AddNullToObject(x, "finished");
			cJSON_AddStringToObject(x, "executor", executor);
			cJSON_AddItemToArray(r.runs, x);
		}
	}
	/* what to do: not done in this run, and not already logged for the
	 * same inputs */
	r.p.total = c->nitems;
	for (size_t i = 0; i < c->nitems; i++) {
		char inputs[65];

		if (r.s[i].result_run != NULL && strcmp(r.s[i].result_run, r.run) == 0) {
			r.p.done++; /* done before the run was interrupted */
			continue;
		}
		if ((rc = campaign_inputs_digest(c, i, inputs, err)) != VOUCH_OK)
			goto out;
		if (already_logged(&r, i, inputs)) {
			r.p.done++;
			r.p.skipped++;
			continue;
		}
		r.s[i].todo = 1;
	}
	res->resumed = resume;
	snprintf(res->run, sizeof res->run, "%s", r.run);
	r.t0 = now_s();
	if (o->progress)
		o->progress(o->ctx, &r.p);
	if (strcmp(executor, "slurm") == 0)
		rc = run_slurm(&r, err);
	else
		rc = run_local(&r, o->workers ? o->workers : c->workers, err);
	if (rc == VOUCH_OK) {
		cJSON *ev, *x;

		campaign_now(now);
		ev = event("end", r.run);
		if (ev == NULL || !cJSON_AddStringToObject(ev, "time", now)) {
			cJSON_Delete(ev);
			rc = vouch_err_set(err, VOUCH_ENOMEM, "out of memory");
			goto out;
		}
		cJSON_ArrayForEach(x, r.runs)
			if (strcmp(vouch_json_get_string(x, "id"), r.run) == 0)
				cJSON_ReplaceItemInObject(x, "finished", cJSON_CreateString(now));
		if ((rc = journal(&r, ev, err)) == VOUCH_OK)
			rc = finish(&r, key, keyid, res, err);
	}
	res->done = r.p.done;
	res->skipped = r.p.skipped;
	res->lost = r.p.retries;
out:
	for (size_t i = 0; r.s && i < c->nitems; i++) {
		free(r.s[i].result);
		free(r.s[i].result_run);
	}
	free(r.s);
	cJSON_Delete(r.runs);
	cJSON_Delete(r.history);
	if (r.jfd >= 0)
		close(r.jfd);
	if (lockfd >= 0)
		close(lockfd);
	vouch_key_free(key);
	vouch_buf_free(&path);
	return rc;
}
