/* vouch-verify - verify DSSE envelopes (single files or .intoto.jsonl
 * bundles) against trusted public keys and print the verified in-toto
 * statements as JSON Lines; or, with --policy, decide whether an operator's
 * trust policy holds for artifacts, from evidence bundles and the
 * policy's logs.  vouch_verify_run() (lib/attest/verify.c) does the verifying,
 * lib/policy/ the deciding. */
#include "config.h"

#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "vouch/vouch.h"
#include "vouch/key.h"
#include "vouch/verify.h"

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
#define MAX_CHECKPOINTS 16

enum { OPT_MAX_SIZE = 256, OPT_ONLINE, OPT_OFFLINE, OPT_CHECKPOINT, OPT_SAVE, OPT_AT };

/* Policy mode settings. */
struct polmode {
	const char *policy;
	const char *bundles[MAX_BUNDLES];
	size_t nbundles;
	const char *checkpoints[MAX_CHECKPOINTS];
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
			if (v->pm.ncheckpoints >= MAX_CHECKPOINTS)
				cli_usage_error("at most %d checkpoints", MAX_CHECKPOINTS);
			v->pm.checkpoints[v->pm.ncheckpoints++] = optarg;
			break;
		case OPT_SAVE: v->pm.save = optarg; break;
		case OPT_AT: v->pm.at = optarg; break;
		case 'j': v->pm.json = 1; break;
		case 'h': cli_help();
		case 'V': cli_version();
		default: cli_usage_error("unknown option");
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

/* ---- policy mode ---- */

struct polrun {
	struct polmode *pm;
	vouch_policy *pol;
	vouch_evbundle *ev;
	vouch_buf notes[MAX_CHECKPOINTS + VOUCH_POLICY_MAX_LOGS];
	const char *note_ptr[MAX_CHECKPOINTS + VOUCH_POLICY_MAX_LOGS];
	size_t note_len[MAX_CHECKPOINTS + VOUCH_POLICY_MAX_LOGS];
	size_t nnotes;
	vouch_logclient *lc[VOUCH_POLICY_MAX_LOGS];
	vouch_checkpoint cp[VOUCH_POLICY_MAX_LOGS];
	size_t cp_note[VOUCH_POLICY_MAX_LOGS];
	time_t now;
	int online;
};

static int
pol_inputs(struct polrun *r, vouch_err *err)
{
	struct polmode *pm = r->pm;
	vouch_buf b;
	int rc;

	if ((rc = vouch_policy_load(pm->policy, &r->pol, err)) != VOUCH_OK ||
	    (rc = vouch_evbundle_new(&r->ev, err)) != VOUCH_OK)
		return rc;
	if (pm->at != NULL && (rc = vouch_time_parse_rfc3339(pm->at, &r->now, err)) != VOUCH_OK) {
		vouch_err_prefix(err, "--at");
		return VOUCH_EUSAGE;
	}
	for (size_t i = 0; i < pm->nbundles; i++) {
		vouch_buf_init(&b, VOUCH_EVBUNDLE_MAX_BYTES + 1);
		rc = vouch_read_file(pm->bundles[i], VOUCH_EVBUNDLE_MAX_BYTES, &b, err);
		if (rc == VOUCH_OK)
			rc = vouch_evbundle_add_jsonl(r->ev, b.data ? (const char *)b.data : "", b.len,
			                              pm->bundles[i], err);
		vouch_buf_free(&b);
		if (rc != VOUCH_OK)
			return rc;
	}
	for (size_t i = 0; i < pm->ncheckpoints; i++) {
		vouch_buf *n = &r->notes[r->nnotes++];

		vouch_buf_init(n, VOUCH_NOTE_MAX + 1);
		if ((rc = vouch_read_file(pm->checkpoints[i], VOUCH_NOTE_MAX, n, err)) != VOUCH_OK)
			return rc;
		r->note_ptr[r->nnotes - 1] = n->data ? (const char *)n->data : "";
		r->note_len[r->nnotes - 1] = n->len;
	}
	return VOUCH_OK;
}

/* Connect to every policy log with a URL and fetch its verified checkpoint,
 * which also joins the fork check. */
static int
pol_connect(struct polrun *r, vouch_err *err)
{
	for (size_t l = 0; l < vouch_policy_log_count(r->pol); l++) {
		const char *url = vouch_policy_log_url(r->pol, l);
		vouch_buf *n = &r->notes[r->nnotes];
		int rc;

		if (url == NULL)
			continue;
		vouch_buf_init(n, VOUCH_NOTE_MAX + 1);
		r->cp_note[l] = r->nnotes++;
		if ((rc = vouch_logclient_new(url, vouch_policy_log_verifier(r->pol, l),
		                              vouch_policy_log_origin(r->pol, l), 30, 2, &r->lc[l],
		                              err)) != VOUCH_OK ||
		    (rc = vouch_logclient_checkpoint(r->lc[l], &r->cp[l], n, err)) != VOUCH_OK) {
			vouch_err_prefix(err, "log '%s'", vouch_policy_log_origin(r->pol, l));
			return rc;
		}
		r->note_ptr[r->cp_note[l]] = (const char *)n->data;
		r->note_len[r->cp_note[l]] = n->len;
	}
	return VOUCH_OK;
}

static int
pol_lookup(struct polrun *r, const vouch_digests *d, const char *path, vouch_err *err)
{
	const uint8_t *sha = vouch_digests_get(d, VOUCH_ALG_SHA256);

	for (size_t l = 0; l < vouch_policy_log_count(r->pol); l++) {
		int rc;

		if (r->lc[l] == NULL)
			continue;
		rc = vouch_evbundle_from_log(r->ev, r->lc[l], &r->cp[l], r->note_ptr[r->cp_note[l]],
		                             r->note_len[r->cp_note[l]], sha, NULL, err);
		if (rc != VOUCH_OK) {
			vouch_err_prefix(err, "'%s': log '%s'", path, vouch_policy_log_origin(r->pol, l));
			return rc;
		}
	}
	return VOUCH_OK;
}

/* A checkpoint from the evidence must be a prefix of the live log: proved
 * from the log's tiles (equal sizes are the library's own fork check). */
static int
pol_consistent(void *ctx, size_t log, const vouch_checkpoint *cp, const char **view,
               vouch_err *err)
{
	struct polrun *r = ctx;
	vouch_hash proof[VOUCH_PROOF_MAX];
	size_t n = 0;

	if (log >= VOUCH_POLICY_MAX_LOGS || r->lc[log] == NULL || cp->size == 0 ||
	    cp->size >= r->cp[log].size)
		return VOUCH_OK;
	*view = r->note_ptr[r->cp_note[log]];
	return vouch_logclient_consistency(r->lc[log], cp, &r->cp[log], proof, &n, err);
}

static int
pol_one(struct polrun *r, const char *path, const vouch_digests *d, int *met, vouch_err *err)
{
	struct vouch_policy_eval_opts o = { r->now, r->note_ptr, r->note_len, r->nnotes,
		                                r->online ? pol_consistent : NULL, r };
	vouch_policy_result *res = NULL;
	vouch_buf out;
	int rc;

	vouch_buf_init(&out, 0);
	rc = vouch_policy_evaluate(r->pol, d, r->ev, &o, &res, err);
	if (rc == VOUCH_OK)
		rc = r->pm->json ? vouch_policy_result_json(res, path, d, &out, err)
		                 : vouch_policy_result_text(res, path, &out, err);
	if (rc == VOUCH_OK) {
		fwrite(out.data, 1, out.len, stdout);
		*met = res->met;
	}
	vouch_policy_result_free(res);
	vouch_buf_free(&out);
	return rc;
}

static int
pol_save(struct polrun *r, vouch_err *err)
{
	vouch_buf out;
	int rc;

	vouch_buf_init(&out, VOUCH_EVBUNDLE_MAX_BYTES);
	rc = vouch_evbundle_write(r->ev, &out, err);
	if (rc == VOUCH_OK)
		rc = vouch_write_file_atomic(r->pm->save, out.data ? out.data : (const uint8_t *)"",
		                             out.len, 0644, err);
	vouch_buf_free(&out);
	return rc;
}

/* VOUCH_OK when every artifact was decided (*all_met says how); any
 * other status, a negative one from the log layer too, is trouble. */
static int
pol_run(struct polrun *r, int nart, char **arts, vouch_digests *d, int *all_met,
        vouch_err *err)
{
	int rc, online;

	online = r->online = !r->pm->offline && (r->pm->online || r->pm->nbundles == 0);
	if ((rc = pol_inputs(r, err)) != VOUCH_OK || (online && (rc = pol_connect(r, err)) != VOUCH_OK))
		return rc;
	for (int i = 0; i < nart; i++) {
		if ((rc = vouch_digest_file(arts[i], VOUCH_ALG_ALL, &d[i], err)) != VOUCH_OK ||
		    (online && (rc = pol_lookup(r, &d[i], arts[i], err)) != VOUCH_OK))
			return rc;
	}
	if (r->pm->save != NULL && (rc = pol_save(r, err)) != VOUCH_OK)
		return rc;
	for (int i = 0; i < nart; i++) {
		int met = 0;

		if ((rc = pol_one(r, arts[i], &d[i], &met, err)) != VOUCH_OK)
			return rc;
		*all_met &= met;
	}
	return VOUCH_OK;
}

static int
run_policy(struct polmode *pm, int nart, char **arts)
{
	struct polrun r;
	vouch_digests *d = calloc((size_t)nart, sizeof(*d));
	vouch_err err;
	int rc, all_met = 1;

	memset(&r, 0, sizeof(r));
	r.pm = pm;
	r.now = (time_t)-1;
	vouch_err_clear(&err);
	rc = d == NULL ? vouch_err_set(&err, VOUCH_ENOMEM, "out of memory")
	               : pol_run(&r, nart, arts, d, &all_met, &err);
	if (rc != VOUCH_OK)
		cli_warn_err(&err);
	for (size_t l = 0; l < VOUCH_POLICY_MAX_LOGS; l++)
		vouch_logclient_free(r.lc[l]);
	for (size_t i = 0; i < r.nnotes; i++)
		vouch_buf_free(&r.notes[i]);
	vouch_evbundle_free(r.ev);
	vouch_policy_free(r.pol);
	free(d);
	if (rc != VOUCH_OK)
		return CLI_EXIT_TROUBLE;
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
	cli_init(argv[0], usage_text);
	parse_args(&v, argc, argv);
	if (v.pm.policy != NULL)
		rc = run_policy(&v.pm, argc - optind, argv + optind);
	else
		rc = run(&v, argc - optind, argv + optind);
	return cli_finish(rc);
}
