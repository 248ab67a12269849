/* vouch-verify - verify DSSE envelopes (single files or .intoto.jsonl
 * bundles) against trusted public keys and print the verified in-toto
 * statements as JSON Lines; or, with --policy, decide whether an operator's
 * trust policy holds for artifacts, from evidence bundles and the
 * policy's logs.  vouch_verify_run() (lib/attest/verify.c) does the verifying,
 * vouch_policy_run() (lib/policy/policyrun.c) the deciding. */
#include "config.h"

#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "vouch/vouch.h"
#include "vouch/key.h"
#include "vouch/verify.h"
#include "vouch/policyrun.h"

static const char usage_text[] =
    "usage: vouch-verify -p PUBKEY [-p PUBKEY]... [options] [FILE|-]...\n"
    "       vouch-verify --policy POLICY [--bundle FILE]... [policy options] ARTIFACT...\n"
    "  -p, --key PUBKEY           trust this public key (SPKI PEM); repeatable\n"
    "  -t, --threshold K          distinct trusted keys that must sign (default 1)\n"
    "  -a, --artifact FILE        require FILE's digest among the subjects; repeatable\n"
    "  -T, --predicate-type URI   consider only statements of this predicateType\n"
    "      --max-size SIZE        envelope size limit (default 16M)\n"
    "  -v, --verbose              also report verified envelopes on stderr\n"
    "policy mode:\n"
    "  -P, --policy POLICY        decide by this trust policy (JSON)\n"
    "  -b, --bundle FILE          evidence bundle (.intoto.jsonl); repeatable\n"
    "      --online               also ask the policy's logs when bundles are given\n"
    "      --offline              never ask the policy's logs\n"
    "      --checkpoint FILE      a signed checkpoint you hold; forks against it are\n"
    "                             detected; repeatable\n"
    "      --save-bundle FILE     write all evidence gathered as one offline bundle\n"
    "      --at TIME              evaluate as of TIME (RFC 3339) instead of now\n"
    "  -j, --json                 one JSON object per artifact instead of a summary\n"
    "  -h, --help                 show this help\n"
    "  -V, --version              show the version\n";

#define MAX_BUNDLES 256

enum { OPT_MAX_SIZE = 256, OPT_ONLINE, OPT_OFFLINE, OPT_CHECKPOINT, OPT_SAVE, OPT_AT };

/* Policy mode settings. */
struct polmode {
	const char *policy;
	const char *bundles[MAX_BUNDLES];
	size_t nbundles;
	const char *checkpoints[VOUCH_POLICY_RUN_MAX_CHECKPOINTS];
	size_t ncheckpoints;
	const char *save;
	const char *at;
	int online, offline, json;
};

struct verify {
	const char *key_paths[VOUCH_VERIFY_MAX_KEYS];
	const char *artifacts[VOUCH_VERIFY_MAX_ARTIFACTS];
	vouch_verify_opts o;
	int verbose;
	struct polmode pm;
};

static const struct option longopts[] = {
	{ "key", required_argument, NULL, 'p' },
	{ "threshold", required_argument, NULL, 't' },
	{ "artifact", required_argument, NULL, 'a' },
	{ "predicate-type", required_argument, NULL, 'T' },
	{ "max-size", required_argument, NULL, OPT_MAX_SIZE },
	{ "verbose", no_argument, NULL, 'v' },
	{ "policy", required_argument, NULL, 'P' },
	{ "bundle", required_argument, NULL, 'b' },
	{ "online", no_argument, NULL, OPT_ONLINE },
	{ "offline", no_argument, NULL, OPT_OFFLINE },
	{ "checkpoint", required_argument, NULL, OPT_CHECKPOINT },
	{ "save-bundle", required_argument, NULL, OPT_SAVE },
	{ "at", required_argument, NULL, OPT_AT },
	{ "json", no_argument, NULL, 'j' },
	{ "help", no_argument, NULL, 'h' },
	{ "version", no_argument, NULL, 'V' },
	{ NULL, 0, NULL, 0 }
};

static void
parse_args(struct verify *v, int argc, char **argv)
{
	vouch_verify_opts *o = &v->o;
	uint64_t n;
	int c;

	while ((c = getopt_long(argc, argv, "p:t:a:T:vP:b:jhV", longopts, NULL)) != -1) {
		switch (c) {
		case 'p':
			if (o->nkeys >= VOUCH_VERIFY_MAX_KEYS)
				cli_usage_error("at most %d keys", VOUCH_VERIFY_MAX_KEYS);
			v->key_paths[o->nkeys++] = optarg;
			break;
		case 't':
			if (cli_parse_uint(optarg, 1, VOUCH_VERIFY_MAX_KEYS, &n) != 0)
				cli_usage_error("--threshold needs a number from 1 to %d",
				    VOUCH_VERIFY_MAX_KEYS);
			o->threshold = (size_t)n;
			break;
		case 'a':
			if (o->nartifacts >= VOUCH_VERIFY_MAX_ARTIFACTS)
				cli_usage_error("at most %d artifacts", VOUCH_VERIFY_MAX_ARTIFACTS);
			v->artifacts[o->nartifacts++] = optarg;
			break;
		case 'T': o->predicate_type = optarg; break;
		case OPT_MAX_SIZE:
			if (cli_parse_size(optarg, &n) != 0 || n == 0 || n > VOUCH_BUF_DEFAULT_MAX)
				cli_usage_error("bad --max-size '%s'", optarg);
			o->max_size = (size_t)n;
			break;
		case 'v': v->verbose = 1; break;
		case 'P': v->pm.policy = optarg; break;
		case 'b':
			if (v->pm.nbundles >= MAX_BUNDLES)
				cli_usage_error("at most %d bundles", MAX_BUNDLES);
			v->pm.bundles[v->pm.nbundles++] = optarg;
			break;
		case OPT_ONLINE: v->pm.online = 1; break;
		case OPT_OFFLINE: v->pm.offline = 1; break;
		case OPT_CHECKPOINT:
			if (v->pm.ncheckpoints >= VOUCH_POLICY_RUN_MAX_CHECKPOINTS)
				cli_usage_error("at most %d checkpoints", VOUCH_POLICY_RUN_MAX_CHECKPOINTS);
			v->pm.checkpoints[v->pm.ncheckpoints++] = optarg;
			break;
		case OPT_SAVE: v->pm.save = optarg; break;
		case OPT_AT: v->pm.at = optarg; break;
		case 'j': v->pm.json = 1; break;
		case 'h': cli_help();
		case 'V': cli_version();
		default: cli_bad_option();
		}
	}
	if (v->pm.policy != NULL) {
		if (o->nkeys > 0 || o->nartifacts > 0 || o->predicate_type != NULL || o->threshold > 1)
			cli_usage_error("--policy decides by the policy: -p, -t, -a and -T do not apply");
		if (v->pm.online && v->pm.offline)
			cli_usage_error("--online and --offline exclude each other");
		if (optind >= argc)
			cli_usage_error("--policy needs at least one ARTIFACT");
		return;
	}
	if (v->pm.nbundles || v->pm.online || v->pm.offline || v->pm.ncheckpoints || v->pm.save ||
	    v->pm.at || v->pm.json)
		cli_usage_error("--bundle, --online, --offline, --checkpoint, --save-bundle, --at and --json need --policy");
	if (o->nkeys == 0)
		cli_usage_error("give at least one -p PUBKEY");
	if (o->threshold > o->nkeys)
		cli_usage_error("--threshold %zu exceeds the %zu keys given", o->threshold, o->nkeys);
}

/* Sinks for the library's verification run. */
static int
put_statement(void *ctx, const char *line, size_t len)
{
	(void)ctx;
	fwrite(line, 1, len, stdout);
	putchar('\n');
	return 0;
}

static void
put_report(void *ctx, int level, const char *msg)
{
	const struct verify *v = ctx;

	if (level != VOUCH_VERIFY_INFO || v->verbose)
		cli_warn("%s", msg);
}

static int
run(struct verify *v, int nfiles, char **files)
{
	vouch_verify_result res;
	vouch_err err;

	vouch_err_clear(&err);
	v->o.key_paths = v->key_paths;
	v->o.artifacts = v->artifacts;
	v->o.statement = put_statement;
	v->o.report = put_report;
	v->o.ctx = v;
	if (vouch_verify_run(&v->o, (const char *const *)files, (size_t)nfiles, &res, &err) !=
	    VOUCH_OK) {
		cli_warn_err(&err);
		return CLI_EXIT_TROUBLE;
	}
	if (res.trouble)
		return CLI_EXIT_TROUBLE;
	return res.verdict == VOUCH_OK ? CLI_EXIT_OK : CLI_EXIT_NEGATIVE;
}

/* ---- policy mode: vouch_policy_run() (lib/policy/policyrun.c) ---- */

static int
put_result(void *ctx, const uint8_t *data, size_t len, vouch_err *err)
{
	(void)ctx;
	(void)err;
	fwrite(data, 1, len, stdout);
	return VOUCH_OK;
}

static int
run_policy(struct polmode *pm, int nart, char **arts)
{
	vouch_policy_run_opts o = { pm->policy, pm->bundles, pm->nbundles, pm->checkpoints,
		                        pm->ncheckpoints, pm->save, pm->at, pm->online, pm->offline,
		                        pm->json, put_result, NULL };
	vouch_err err;
	int all_met;

	vouch_err_clear(&err);
	if (vouch_policy_run(&o, (const char *const *)arts, (size_t)nart, &all_met, &err) !=
	    VOUCH_OK) {
		cli_warn_err(&err);
		return CLI_EXIT_TROUBLE;
	}
	return all_met ? CLI_EXIT_OK : CLI_EXIT_NEGATIVE;
}

int
main(int argc, char **argv)
{
	struct verify v;
	int rc;

	memset(&v, 0, sizeof(v));
	v.o.threshold = 1;
	v.o.max_size = VOUCH_DSSE_MAX_DEFAULT;
	cli_init(argv, usage_text);
	parse_args(&v, argc, argv);
	if (v.pm.policy != NULL)
		rc = run_policy(&v.pm, argc - optind, argv + optind);
	else
		rc = run(&v, argc - optind, argv + optind);
	return cli_finish(rc);
}
