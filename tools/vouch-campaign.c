/* vouch-campaign - run a campaign: rebuild, compare, attest and log every
 * item of a release (lib/campaign).  This file parses options and prints
 * progress; "item" is the worker the executors start for one item. */
#include "config.h"

#include <getopt.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "vouch/vouch.h"
#include "vouch/campaign.h"

static const char usage_text[] =
    "usage: vouch-campaign run [-q] [-o DIR] [-j N] [-x local|slurm] [-T TOOLDIR] FILE\n"
    "       vouch-campaign check FILE\n"
    "       vouch-campaign item -o DIR -r RUN -a ATTEMPT [-T TOOLDIR] FILE INDEX\n"
    "  -o, --output DIR     the campaign's output folder (default: its 'output')\n"
    "  -j, --jobs N         local executor: N items at a time\n"
    "  -x, --executor NAME  local or slurm (default: the campaign's)\n"
    "  -T, --tools DIR      folder of the vouch-* tools (default: beside this program)\n"
    "  -q, --quiet          no progress, only the final counts line\n"
    "  -h, --help           show this help\n"
    "  -V, --version        show the version\n";

static int quiet;

static void
progress(void *ctx, const vouch_campaign_progress *p)
{
	(void)ctx;
	if (quiet || !cli_progress_wanted(0))
		return;
	if (p->eta_seconds >= 0) {
		fprintf(stderr, "\r[%zu/%zu] %zu failed, %zu skipped, ETA %ld:%02ld", p->done, p->total,
		    p->failures, p->skipped, (long)p->eta_seconds / 60, (long)p->eta_seconds % 60);
		if (p->item != NULL) {
			fputs("  ", stderr);
			cli_put_safe(stderr, p->item, strlen(p->item));
			fputs(": ", stderr);
		}
		fputs("   ", stderr);
	} else {
		fprintf(stderr, "\r[%zu/%zu] %zu failed, %zu skipped   ", p->done, p->total, p->failures,
		    p->skipped);
	}
	if (p->item && p->eta_seconds >= 0)
		fprintf(stderr, "%s   ", p->verdict);
	if (p->done == p->total)
		fputc('\n', stderr);
}

/* The folder of this program, where the other tools are built. */
static char *
self_dir(char *self, size_t n)
{
	ssize_t l = readlink("/proc/self/exe", self, n - 1);
	char *slash;

	if (l <= 0)
		return NULL;
	self[l] = '\0';
	if ((slash = strrchr(self, '/')) == NULL)
		return NULL;
	return slash;
}

int
main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "output", required_argument, NULL, 'o' }, { "jobs", required_argument, NULL, 'j' },
		{ "executor", required_argument, NULL, 'x' }, { "tools", required_argument, NULL, 'T' },
		{ "run", required_argument, NULL, 'r' }, { "attempt", required_argument, NULL, 'a' },
		{ "quiet", no_argument, NULL, 'q' }, { "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' }, { NULL, 0, NULL, 0 }
	};
	vouch_campaign_opts o = { 0 };
	vouch_campaign_result res;
	vouch_campaign *c = NULL;
	const char *cmd, *run = NULL;
	char self[PATH_MAX], tools[PATH_MAX], *slash;
	uint64_t n, attempt = 0;
	vouch_err err;
	int ch, rc;

	cli_init(argv, usage_text);
	vouch_err_clear(&err);
	if (argc < 2)
		cli_usage_error("a command is needed (run, check or item)");
	cmd = argv[1];
	if (strcmp(cmd, "-h") == 0 || strcmp(cmd, "--help") == 0)
		cli_help();
	if (strcmp(cmd, "-V") == 0 || strcmp(cmd, "--version") == 0)
		cli_version();
	if (strcmp(cmd, "run") != 0 && strcmp(cmd, "check") != 0 && strcmp(cmd, "item") != 0)
		cli_usage_error("unknown command '%s' (run, check or item)", cmd);
	optind = 2;
	while ((ch = getopt_long(argc, argv, "o:j:x:T:r:a:qhV", longopts, NULL)) != -1) {
		switch (ch) {
		case 'o': o.outdir = optarg; break;
		case 'j':
			if (cli_parse_uint(optarg, 1, VOUCH_CAMPAIGN_MAX_WORKERS, &n) != 0)
				cli_usage_error("bad number of jobs '%s' (1 to %u)", optarg, VOUCH_CAMPAIGN_MAX_WORKERS);
			o.workers = (unsigned)n;
			break;
		case 'x':
			if (strcmp(optarg, "local") != 0 && strcmp(optarg, "slurm") != 0)
				cli_usage_error("unknown executor '%s' (local or slurm)", optarg);
			o.executor = optarg;
			break;
		case 'T': o.tooldir = optarg; break;
		case 'r': run = optarg; break;
		case 'a':
			if (cli_parse_uint(optarg, 1, 1000, &attempt) != 0)
				cli_usage_error("bad attempt '%s'", optarg);
			break;
		case 'q': quiet = 1; break;
		case 'h': cli_help();
		case 'V': cli_version();
		default: cli_bad_option();
		}
	}
	if (argc - optind != (strcmp(cmd, "item") == 0 ? 2 : 1))
		cli_usage_error("%s takes %s", cmd, strcmp(cmd, "item") == 0 ? "FILE INDEX" : "one FILE");
	if ((slash = self_dir(self, sizeof self)) == NULL) {
		vouch_err_set(&err, VOUCH_EIO, "cannot find this program's path");
		cli_fail_err(&err);
	}
	o.self = self;
	if (o.tooldir == NULL) {
		snprintf(tools, sizeof tools, "%.*s", (int)(slash - self), self);
		o.tooldir = tools;
	}
	if ((rc = vouch_campaign_load(argv[optind], &c, &err)) != VOUCH_OK) {
		cli_warn_err(&err);
		return cli_finish(CLI_EXIT_TROUBLE);
	}
	if (strcmp(cmd, "check") == 0) {
		printf("%s: %zu items\n", vouch_campaign_name(c), vouch_campaign_count(c));
		vouch_campaign_free(c);
		return cli_finish(CLI_EXIT_OK);
	}
	if (strcmp(cmd, "item") == 0) {
		if (o.outdir == NULL || run == NULL || attempt == 0)
			cli_usage_error("item needs -o DIR, -r RUN and -a ATTEMPT");
		if (cli_parse_uint(argv[optind + 1], 0, vouch_campaign_count(c) - 1, &n) != 0)
			cli_usage_error("no item '%s'", argv[optind + 1]);
		rc = vouch_campaign_item(c, &o, (size_t)n, run, (unsigned)attempt, &err);
		if (rc != VOUCH_OK)
			cli_warn_err(&err);
		vouch_campaign_free(c);
		return cli_finish(rc == VOUCH_OK ? CLI_EXIT_OK : CLI_EXIT_TROUBLE);
	}
	o.progress = progress;
	rc = vouch_campaign_run(c, &o, &res, &err);
	n = vouch_campaign_count(c);
	vouch_campaign_free(c);
	if (rc != VOUCH_OK) {
		cli_warn_err(&err);
		return cli_finish(CLI_EXIT_TROUBLE);
	}
	printf("run %s%s: %zu reproduced, %zu equivalent, %zu failed, %zu build-error, %zu timeout, "
	       "%zu missing-source, %zu bad-signature (%zu skipped, %zu attempts retried); %s\n",
	    res.run, res.resumed ? " (resumed)" : "", res.counts[0], res.counts[1], res.counts[2],
	    res.counts[3], res.counts[4], res.counts[5], res.counts[6], res.skipped, res.lost, res.summary);
	/* exit 1 when anything was not verified, as diff(1) */
	return cli_finish(res.counts[0] + res.counts[1] == n ? CLI_EXIT_OK
									      : CLI_EXIT_NEGATIVE);
}
