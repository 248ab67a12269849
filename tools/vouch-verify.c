/* vouch-verify - verify DSSE envelopes (single files or .intoto.jsonl
 * bundles) against trusted public keys and print the verified in-toto
 * statements as JSON Lines; or, with --policy, decide whether an operator's
 * trust policy holds for artifacts, from evidence bundles and the
 * policy's logs (lib/policy*.c does the deciding). */
#include "config.h"

#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "vouch/vouch.h"
#include "vouch/key.h"

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

#define MAX_KEYS 64
#define MAX_ARTIFACTS 1024
#define INPUT_MAX ((size_t)1 << 30) /* one input file or bundle */

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

struct artifact {
	const char *path;
	vouch_digests d;
	int covered;
};

struct verify {
	const char *key_paths[MAX_KEYS];
	vouch_key *keys[MAX_KEYS];
	size_t nkeys;
	size_t threshold;
	struct artifact *artifacts;
	size_t nartifacts;
	const char *predicate_type;
	size_t max_size;
	int verbose;
	/* counts */
	size_t envelopes;  /* parsed (or recognisably meant as) envelopes */
	size_t failed;     /* envelopes that did not verify */
	size_t accepted;   /* statements written to stdout */
	int trouble;       /* an input could not be read */
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
	uint64_t n;
	int c;

	while ((c = getopt_long(argc, argv, "p:t:a:T:vP:b:jhV", longopts, NULL)) != -1) {
		switch (c) {
		case 'p':
			if (v->nkeys >= MAX_KEYS)
				cli_usage_error("at most %d keys", MAX_KEYS);
			v->key_paths[v->nkeys++] = optarg;
			break;
		case 't':
			if (cli_parse_uint(optarg, 1, MAX_KEYS, &n) != 0)
				cli_usage_error("--threshold needs a number from 1 to %d", MAX_KEYS);
			v->threshold = (size_t)n;
			break;
		case 'a':
			if (v->nartifacts >= MAX_ARTIFACTS)
				cli_usage_error("at most %d artifacts", MAX_ARTIFACTS);
			v->artifacts[v->nartifacts++].path = optarg;
			break;
		case 'T': v->predicate_type = optarg; break;
		case OPT_MAX_SIZE:
			if (cli_parse_size(optarg, &n) != 0 || n == 0 || n > VOUCH_BUF_DEFAULT_MAX)
				cli_usage_error("bad --max-size '%s'", optarg);
			v->max_size = (size_t)n;
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
		if (v->nkeys > 0 || v->nartifacts > 0 || v->predicate_type != NULL || v->threshold > 1)
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
	if (v->nkeys == 0)
		cli_usage_error("give at least one -p PUBKEY");
	if (v->threshold > v->nkeys)
		cli_usage_error("--threshold %zu exceeds the %zu keys given", v->threshold, v->nkeys);
}

static int
load_inputs(struct verify *v, vouch_err *err)
{
	int rc;

	for (size_t i = 0; i < v->nkeys; i++) {
		rc = vouch_key_load_file(v->key_paths[i], NULL, 0, &v->keys[i], err);
		if (rc != VOUCH_OK) {
			vouch_err_prefix(err, "'%s'", v->key_paths[i]);
			return rc;
		}
	}
	for (size_t i = 0, distinct = 0; i < v->nkeys; i++) {
		size_t j = 0;

		while (j < i && !vouch_key_same_public(v->keys[i], v->keys[j]))
			j++;
		distinct += j == i;
		if (i + 1 == v->nkeys && v->threshold > distinct)
			return vouch_err_set(err, VOUCH_EUSAGE,
			    "--threshold %zu exceeds the %zu distinct keys given", v->threshold, distinct);
	}
	for (size_t i = 0; i < v->nartifacts; i++) {
		rc = vouch_digest_file(v->artifacts[i].path, VOUCH_ALG_ALL, &v->artifacts[i].d, err);
		if (rc != VOUCH_OK)
			return rc;
	}
	return VOUCH_OK;
}

/* Write the statement as one JSON line: the verified bytes themselves when
 * they already are one line, else their compact serialisation. */
static int
emit(const vouch_statement *st, const vouch_buf *payload, vouch_err *err)
{
	size_t n = payload->len;
	vouch_buf tmp;
	int rc = VOUCH_OK;

	while (n > 0 && (payload->data[n - 1] == '\n' || payload->data[n - 1] == '\r' ||
	    payload->data[n - 1] == ' ' || payload->data[n - 1] == '\t'))
		n--;
	if (memchr(payload->data, '\n', n) == NULL && memchr(payload->data, '\r', n) == NULL) {
		fwrite(payload->data, 1, n, stdout);
		putchar('\n');
		return VOUCH_OK;
	}
	vouch_buf_init(&tmp, 0);
	rc = vouch_json_append(&tmp, vouch_statement_json(st), err);
	if (rc == VOUCH_OK)
		printf("%s\n", vouch_buf_cstr(&tmp));
	vouch_buf_free(&tmp);
	return rc;
}

/* Does the statement cover the artifacts?  Marks those it covers; with
 * artifacts given it must cover at least one. */
static int
covers(struct verify *v, const vouch_statement *st)
{
	int any = 0;

	for (size_t i = 0; i < v->nartifacts; i++)
		if (vouch_statement_match(st, &v->artifacts[i].d, NULL, NULL) == VOUCH_OK) {
			v->artifacts[i].covered = 1;
			any = 1;
		}
	return v->nartifacts == 0 || any;
}

/* A verified statement: filter it and hand it on (the place for --policy). */
static int
accept_statement(struct verify *v, const char *where, const vouch_statement *st,
                 const vouch_buf *payload, vouch_err *err)
{
	const char *pt = vouch_statement_predicate_type(st);

	if (v->predicate_type != NULL && strcmp(pt, v->predicate_type) != 0) {
		if (v->verbose)
			cli_warn("%s: verified, but predicateType '%s' is not the one asked for", where, pt);
		return VOUCH_OK;
	}
	if (!covers(v, st)) {
		if (v->verbose)
			cli_warn("%s: verified, but no subject is a given artifact", where);
		return VOUCH_OK;
	}
	if (v->verbose)
		cli_warn("%s: verified statement, predicateType '%s'", where, pt);
	v->accepted++;
	return emit(st, payload, err);
}

static int
check_envelope(struct verify *v, const char *where, const vouch_envelope *env, vouch_err *err)
{
	struct vouch_dsse_verify opt = { NULL, (const vouch_key *const *)v->keys, v->nkeys,
					 v->threshold };
	vouch_statement *st = NULL;
	vouch_buf payload;
	vouch_err why;
	int rc;

	vouch_buf_init(&payload, 0);
	vouch_err_clear(&why);
	rc = vouch_envelope_verify(env, &opt, &payload, NULL, NULL, &why);
	if (rc == VOUCH_OK) {
		rc = vouch_statement_parse(payload.data, payload.len, &st, &why);
		if (rc != VOUCH_OK) {
			vouch_err_prefix(&why, "signed payload is not a valid statement");
			rc = VOUCH_ENEGATIVE;
		}
	}
	if (rc == VOUCH_OK) {
		rc = accept_statement(v, where, st, &payload, err);
	} else if (rc == VOUCH_ENEGATIVE || rc == VOUCH_EINPUT) {
		cli_warn("%s: not verified: %s", where, vouch_err_msg(&why));
		v->failed++;
		rc = VOUCH_OK;
	} else {
		vouch_err_set(err, rc, "%s: %s", where, vouch_err_msg(&why));
	}
	vouch_statement_free(st);
	vouch_buf_free(&payload);
	return rc;
}

/* Is text a JSON object that means to be an envelope? */
static int
looks_like_envelope(const char *text, size_t len)
{
	cJSON *j = NULL;
	int yes;

	if (vouch_json_parse(text, len, &j, NULL) != VOUCH_OK)
		return 0;
	yes = cJSON_IsObject(j) && vouch_json_get(j, "payload") != NULL &&
	    vouch_json_get(j, "signatures") != NULL;
	cJSON_Delete(j);
	return yes;
}

static int
one_document(struct verify *v, const char *where, const char *text, size_t len, vouch_err *err)
{
	vouch_envelope *env = NULL;
	vouch_err why;
	int rc;

	vouch_err_clear(&why);
	rc = vouch_envelope_parse(text, len, v->max_size, &env, &why);
	if (rc == VOUCH_OK) {
		v->envelopes++;
		rc = check_envelope(v, where, env, err);
		vouch_envelope_free(env);
		return rc;
	}
	if (rc == VOUCH_ENOMEM)
		return vouch_err_set(err, rc, "%s: %s", where, vouch_err_msg(&why));
	if (rc == VOUCH_ELIMIT || looks_like_envelope(text, len)) {
		v->envelopes++;
		v->failed++;
		cli_warn("%s: not verified: %s", where, vouch_err_msg(&why));
	} else {
		cli_warn("%s: skipped, not an envelope: %s", where, vouch_err_msg(&why));
	}
	return VOUCH_OK;
}

static int
blank(const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (s[i] != ' ' && s[i] != '\t' && s[i] != '\r' && s[i] != '\n')
			return 0;
	return 1;
}

/* One JSON document spread over several lines (a pretty-printed
 * envelope)?  JSON Lines with two or more documents never parse as one. */
static int
single_document(const struct verify *v, const vouch_buf *in)
{
	const char *nl = memchr(in->data, '\n', in->len);
	cJSON *j = NULL;

	if (in->len > v->max_size || nl == NULL || blank(nl, in->len - (size_t)((const unsigned char *)nl - in->data)))
		return 0;
	if (vouch_json_parse((const char *)in->data, in->len, &j, NULL) != VOUCH_OK)
		return 0;
	cJSON_Delete(j);
	return 1;
}

static int
one_input(struct verify *v, const char *path, vouch_err *err)
{
	const char *name = strcmp(path, "-") == 0 ? "(stdin)" : path;
	vouch_buf in, where;
	size_t start = 0, lineno = 0;
	int rc;

	vouch_buf_init(&in, INPUT_MAX + 1);
	vouch_buf_init(&where, 0);
	rc = vouch_read_file(path, INPUT_MAX, &in, err);
	if (rc == VOUCH_OK && single_document(v, &in)) {
		rc = one_document(v, name, (const char *)in.data, in.len, err);
		goto out;
	}
	while (rc == VOUCH_OK && start < in.len) {
		const char *line = (const char *)in.data + start;
		const char *nl = memchr(line, '\n', in.len - start);
		size_t n = nl != NULL ? (size_t)(nl - line) : in.len - start;

		lineno++;
		start += n + 1;
		if (blank(line, n))
			continue;
		vouch_buf_reset(&where);
		rc = vouch_buf_appendf(&where, err, "%s:%zu", name, lineno);
		if (rc == VOUCH_OK)
			rc = one_document(v, vouch_buf_cstr(&where), line, n, err);
	}
out:
	vouch_buf_free(&in);
	vouch_buf_free(&where);
	return rc;
}

/* The answer: see EXIT STATUS in vouch-verify.1. */
static int
verdict(struct verify *v)
{
	int yes;

	if (v->nartifacts > 0) {
		yes = 1;
		for (size_t i = 0; i < v->nartifacts; i++)
			if (!v->artifacts[i].covered) {
				cli_warn("'%s': no verified statement covers this artifact",
				    v->artifacts[i].path);
				yes = 0;
			}
	} else {
		yes = v->failed == 0 && v->accepted > 0;
		if (v->envelopes == 0)
			cli_warn("no envelope found");
		else if (v->failed > 0)
			cli_warn("%zu of %zu envelopes not verified", v->failed, v->envelopes);
		else if (v->accepted == 0)
			cli_warn("no verified statement has predicateType '%s'", v->predicate_type);
	}
	return yes ? CLI_EXIT_OK : CLI_EXIT_NEGATIVE;
}

static int
run(struct verify *v, int nfiles, char **files)
{
	vouch_err err;
	int rc;

	vouch_err_clear(&err);
	if ((rc = load_inputs(v, &err)) != VOUCH_OK) {
		cli_warn_err(&err);
		return CLI_EXIT_TROUBLE;
	}
	for (int i = 0; i < (nfiles > 0 ? nfiles : 1); i++) {
		vouch_err_clear(&err);
		rc = one_input(v, nfiles > 0 ? files[i] : "-", &err);
		if (rc == VOUCH_ENOMEM || rc == VOUCH_EINTERNAL) {
			cli_warn_err(&err);
			return CLI_EXIT_TROUBLE;
		}
		if (rc != VOUCH_OK) {
			cli_warn_err(&err);
			v->trouble = 1; /* keep going with the other inputs */
		}
	}
	rc = verdict(v);
	return v->trouble ? CLI_EXIT_TROUBLE : rc;
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
	v.threshold = 1;
	v.max_size = VOUCH_DSSE_MAX_DEFAULT;
	cli_init(argv[0], usage_text);
	if ((v.artifacts = calloc(MAX_ARTIFACTS, sizeof(*v.artifacts))) == NULL) {
		cli_warn("out of memory");
		return cli_finish(CLI_EXIT_TROUBLE);
	}
	parse_args(&v, argc, argv);
	if (v.pm.policy != NULL)
		rc = run_policy(&v.pm, argc - optind, argv + optind);
	else
		rc = run(&v, argc - optind, argv + optind);
	for (size_t i = 0; i < v.nkeys; i++)
		vouch_key_free(v.keys[i]);
	free(v.artifacts);
	return cli_finish(rc);
}
