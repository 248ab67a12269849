/* vouch-log - use a vouch transparency log: submit envelopes, fetch and
 * verify checkpoints, entries and proofs, verify proofs offline, monitor.
 */
#include "config.h"

#include <getopt.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cli.h"
#include "vouch/vouch.h"

static const char usage_text[] =
    "usage: vouch-log [options] submit [ENVELOPE|-]...\n"
    "       vouch-log [options] checkpoint\n"
    "       vouch-log [options] get INDEX\n"
    "       vouch-log [options] prove INDEX\n"
    "       vouch-log [options] consistency OLD NEW\n"
    "       vouch-log [options] lookup SHA256\n"
    "       vouch-log [options] bundle [-o FILE] SHA256|INDEX...\n"
    "       vouch-log [options] verify-proof PROOF [ENTRY]\n"
    "       vouch-log [options] verify-checkpoint CHECKPOINT\n"
    "       vouch-log [options] mirror --dir DIR [--once] [--poll-ms MS]\n"
    "       vouch-log [options] check-misbehaviour PROOF\n"
    "       vouch-log [options] monitor --state FILE [--once] [--interval S]\n"
    "                 [--subject SHA256]... [--signer PUBKEY]...\n"
    "  -l, --log URL            the log (or VOUCH_LOG_URL, or 'log URL' in --config)\n"
    "  -K, --verifier VKEY      the log's signed-note verifier key\n"
    "      --verifier-file FILE read the verifier key from FILE\n"
    "  -c, --config FILE        lines 'log URL', 'verifier VKEY', 'timeout S'\n"
    "      --origin ORIGIN      expected origin (default: the verifier key's name)\n"
    "  -t, --timeout SECONDS    per request (default 30)\n"
    "  -r, --retries N          retries of failed requests (default 3)\n"
    "  -o, --output FILE        bundle: write the offline evidence bundle here\n"
    "      --state FILE         monitor: the last verified checkpoint\n"
    "      --once               monitor: one round, then exit\n"
    "      --interval SECONDS   monitor: time between rounds (default 60)\n"
    "      --subject SHA256     monitor: print only entries with this subject\n"
    "      --signer PUBKEY      monitor: print only entries signed by this key\n"
    "      --witness VKEY       a witness's cosigner vkey (repeatable)\n"
    "      --witnesses FILE     the same, one per line\n"
    "      --dir DIR            mirror: the mirror directory (tlog-tiles layout)\n"
    "      --poll-ms MS         mirror: time between rounds (default 1000)\n"
    "      --cosign-key KEY     mirror: cosign what it stored with this Ed25519 key\n"
    "      --cosign-name NAME   mirror: ... under this cosigner name\n"
    "      --quorum K           checkpoints need cosignatures by K of the witnesses\n"
    "                           (default: all of them when witnesses are given)\n"
    "  -h, --help               show this help\n"
    "  -V, --version            show the version\n";

enum {
	OPT_VFILE = 256, OPT_ORIGIN, OPT_STATE, OPT_ONCE, OPT_INTERVAL, OPT_SUBJECT, OPT_SIGNER,
	OPT_WITNESS, OPT_WITNESSES, OPT_QUORUM, OPT_DIR, OPT_POLL_MS, OPT_COSIGN_KEY,
	OPT_COSIGN_NAME
};

static const struct option longopts[] = {
	{ "log", required_argument, NULL, 'l' },
	{ "verifier", required_argument, NULL, 'K' },
	{ "verifier-file", required_argument, NULL, OPT_VFILE },
	{ "config", required_argument, NULL, 'c' },
	{ "origin", required_argument, NULL, OPT_ORIGIN },
	{ "timeout", required_argument, NULL, 't' },
	{ "retries", required_argument, NULL, 'r' },
	{ "output", required_argument, NULL, 'o' },
	{ "state", required_argument, NULL, OPT_STATE },
	{ "once", no_argument, NULL, OPT_ONCE },
	{ "interval", required_argument, NULL, OPT_INTERVAL },
	{ "subject", required_argument, NULL, OPT_SUBJECT },
	{ "signer", required_argument, NULL, OPT_SIGNER },
	{ "witness", required_argument, NULL, OPT_WITNESS },
	{ "witnesses", required_argument, NULL, OPT_WITNESSES },
	{ "quorum", required_argument, NULL, OPT_QUORUM },
	{ "dir", required_argument, NULL, OPT_DIR },
	{ "poll-ms", required_argument, NULL, OPT_POLL_MS },
	{ "cosign-key", required_argument, NULL, OPT_COSIGN_KEY },
	{ "cosign-name", required_argument, NULL, OPT_COSIGN_NAME },
	{ "help", no_argument, NULL, 'h' },
	{ "version", no_argument, NULL, 'V' },
	{ NULL, 0, NULL, 0 }
};

#define CONFIG_MAX 65536

struct vlog {
	char *url, *vkey, *origin;
	const char *state;
	const char *output;  /* bundle */
	uint64_t timeout, retries, interval;
	int once;
	uint8_t subjects[VOUCH_LOGMONITOR_FILTER_MAX][32];
	size_t nsubjects;
	vouch_key *signers[VOUCH_LOGMONITOR_FILTER_MAX];
	size_t nsigners;
	vouch_note_verifier *ver;
	vouch_note_verifier *witnesses[VOUCH_VKEY_LIST_MAX]; /* cosigners */
	size_t nwitnesses;
	uint64_t quorum;
	int quorum_given;
	const char *dir;          /* mirror */
	uint64_t poll_ms;
	const char *cosign_keyfile, *cosign_name;
	vouch_key *cosign_key;
	vouch_logclient *lc;
	vouch_buf config;
};

static void
set_str(char **dst, const char *v)
{
	vouch_err err;

	free(*dst);
	vouch_err_clear(&err);
	if ((*dst = vouch_strdup(v, &err)) == NULL)
		cli_fail_err(&err);
}

/* Read "VALUE" from a file: the first line. */
static void
read_first_line(const char *path, char **dst)
{
	vouch_buf b;
	vouch_err err;
	char *nl;

	vouch_err_clear(&err);
	vouch_buf_init(&b, 4096);
	if (vouch_read_file(path, 4096, &b, &err) != VOUCH_OK)
		cli_fail_err(&err);
	nl = memchr(b.data, '\n', b.len);
	if (nl != NULL)
		*nl = '\0';
	set_str(dst, vouch_buf_cstr(&b));
	vouch_buf_free(&b);
}

/* A line we do not know, shown escaped: it may hold terminal controls. */
static void
unknown_line(const char *path, const char *line)
{
	char ql[48], qp[200];

	cli_usage_error("'%s': unknown line '%s'", vouch_quote(path, strlen(path), qp, sizeof(qp)),
	                vouch_quote(line, strlen(line), ql, sizeof(ql)));
}

static void
read_config(struct vlog *v, const char *path)
{
	vouch_err err;
	char *line, *save = NULL;

	vouch_err_clear(&err);
	vouch_buf_init(&v->config, CONFIG_MAX + 1);
	if (vouch_read_file(path, CONFIG_MAX, &v->config, &err) != VOUCH_OK)
		cli_fail_err(&err);
	for (line = strtok_r((char *)v->config.data, "\n", &save); line != NULL;
	     line = strtok_r(NULL, "\n", &save)) {
		if (line[0] == '#' || line[0] == '\0')
			continue;
		if (strncmp(line, "log ", 4) == 0 && v->url == NULL)
			set_str(&v->url, line + 4);
		else if (strncmp(line, "verifier ", 9) == 0 && v->vkey == NULL)
			set_str(&v->vkey, line + 9);
		else if (strncmp(line, "timeout ", 8) == 0)
			cli_parse_uint(line + 8, 1, 3600, &v->timeout);
		else
			unknown_line(path, line);
	}
}

static void
parse_args(struct vlog *v, int argc, char **argv)
{
	const char *config = NULL;
	vouch_err err;
	int c;

	while ((c = getopt_long(argc, argv, "l:K:c:t:r:o:hV", longopts, NULL)) != -1) {
		switch (c) {
		case 'l': set_str(&v->url, optarg); break;
		case 'K': set_str(&v->vkey, optarg); break;
		case OPT_VFILE: read_first_line(optarg, &v->vkey); break;
		case 'c': config = optarg; break;
		case OPT_ORIGIN: set_str(&v->origin, optarg); break;
		case 't':
			if (cli_parse_uint(optarg, 1, 3600, &v->timeout) != 0)
				cli_usage_error("bad timeout '%s'", optarg);
			break;
		case 'r':
			if (cli_parse_uint(optarg, 0, 20, &v->retries) != 0)
				cli_usage_error("bad retry count '%s'", optarg);
			break;
		case OPT_STATE: v->state = optarg; break;
		case 'o': v->output = optarg; break;
		case OPT_ONCE: v->once = 1; break;
		case OPT_INTERVAL:
			if (cli_parse_uint(optarg, 1, 86400, &v->interval) != 0)
				cli_usage_error("bad interval '%s'", optarg);
			break;
		case OPT_SUBJECT:
			if (v->nsubjects == VOUCH_LOGMONITOR_FILTER_MAX ||
			    !vouch_is_lower_hex(optarg, strlen(optarg), 32))
				cli_usage_error("bad --subject '%s'", optarg);
			vouch_hex_decode(optarg, 64, v->subjects[v->nsubjects++], 32, VOUCH_HEX_LOWER,
			                 NULL);
			break;
		case OPT_SIGNER:
			vouch_err_clear(&err);
			if (v->nsigners == VOUCH_LOGMONITOR_FILTER_MAX ||
			    vouch_key_load_file(optarg, NULL, 0, &v->signers[v->nsigners], &err) !=
			        VOUCH_OK)
				cli_fail_err(&err);
			v->nsigners++;
			break;
		case OPT_WITNESS:
		case OPT_WITNESSES:
			vouch_err_clear(&err);
			if ((c == OPT_WITNESS
			         ? vouch_vkey_list_parse(optarg, strlen(optarg), VOUCH_VKEY_COSIG_ED25519,
			                                 v->witnesses, VOUCH_VKEY_LIST_MAX,
			                                 &v->nwitnesses, &err)
			         : vouch_vkey_list_load(optarg, VOUCH_VKEY_COSIG_ED25519, v->witnesses,
			                                VOUCH_VKEY_LIST_MAX, &v->nwitnesses, &err)) !=
			    VOUCH_OK)
				cli_fail_err(&err);
			break;
		case OPT_DIR: v->dir = optarg; break;
		case OPT_COSIGN_KEY: v->cosign_keyfile = optarg; break;
		case OPT_COSIGN_NAME: v->cosign_name = optarg; break;
		case OPT_POLL_MS:
			if (cli_parse_uint(optarg, 1, 86400000, &v->poll_ms) != 0)
				cli_usage_error("bad --poll-ms '%s'", optarg);
			break;
		case OPT_QUORUM:
			if (cli_parse_uint(optarg, 1, VOUCH_VKEY_LIST_MAX, &v->quorum) != 0)
				cli_usage_error("bad quorum '%s'", optarg);
			v->quorum_given = 1;
			break;
		case 'h': cli_help();
		case 'V': cli_version();
		default: cli_bad_option();
		}
	}
	if (!v->quorum_given)
		v->quorum = v->nwitnesses;
	if (v->quorum > v->nwitnesses)
		cli_usage_error("--quorum %llu needs at least that many witnesses",
		                (unsigned long long)v->quorum);
	if (config != NULL)
		read_config(v, config);
	if (v->url == NULL && getenv("VOUCH_LOG_URL") != NULL)
		set_str(&v->url, getenv("VOUCH_LOG_URL"));
	if (v->vkey == NULL && getenv("VOUCH_LOG_VERIFIER") != NULL)
		set_str(&v->vkey, getenv("VOUCH_LOG_VERIFIER"));
	if (optind >= argc)
		cli_usage_error("no command given");
}

static int
need_verifier(struct vlog *v, vouch_err *err)
{
	if (v->ver != NULL)
		return VOUCH_OK;
	if (v->vkey == NULL)
		return vouch_err_set(err, VOUCH_EUSAGE, "no verifier key (--verifier)");
	return vouch_note_verifier_parse(v->vkey, strlen(v->vkey), &v->ver, err);
}

static int
need_client(struct vlog *v, int verify, vouch_err *err)
{
	int rc;

	if (verify && (rc = need_verifier(v, err)) != VOUCH_OK)
		return rc;
	if (v->url == NULL)
		return vouch_err_set(err, VOUCH_EUSAGE, "no log URL (--log)");
	return vouch_logclient_new(v->url, v->ver, v->origin, (long)v->timeout,
	                           (unsigned)v->retries, &v->lc, err);
}

static int
parse_index(const char *s, uint64_t *out)
{
	if (cli_parse_uint(s, 0, UINT64_MAX - 1, out) != 0)
		cli_usage_error("bad index '%s'", s);
	return VOUCH_OK;
}

/* ---- output ---- */

static void
put(const vouch_buf *b)
{
	if (b->len > 0)
		fwrite(b->data, 1, b->len, stdout);
}

static int
sink_line(void *ctx, const uint8_t *data, size_t len, vouch_err *err)
{
	(void)ctx;
	(void)err;
	fwrite(data, 1, len, stdout);
	return VOUCH_OK;
}

static void
sink_warn(void *ctx, const vouch_err *problem)
{
	(void)ctx;
	cli_warn_err(problem);
}

static int
sink_flush(void *ctx, vouch_err *err)
{
	(void)ctx;
	(void)err;
	fflush(stdout);
	return VOUCH_OK;
}

static const vouch_logclient_sink to_stdout = { sink_line, sink_warn, sink_flush, NULL };

/* ---- commands ---- */

static int
cmd_checkpoint(struct vlog *v, int argc, char **argv, vouch_err *err)
{
	vouch_checkpoint cp;
	vouch_buf note;
	int rc;

	(void)argc;
	(void)argv;
	vouch_buf_init(&note, 0);
	if ((rc = need_client(v, 1, err)) == VOUCH_OK &&
	    (rc = vouch_logclient_checkpoint(v->lc, &cp, &note, err)) == VOUCH_OK &&
	    (rc = vouch_cosig_quorum(vouch_buf_cstr(&note), note.len, v->witnesses, v->nwitnesses,
	                             (size_t)v->quorum, err)) == VOUCH_OK)
		put(&note);
	vouch_buf_free(&note);
	return rc;
}

static int
cmd_get(struct vlog *v, int argc, char **argv, vouch_err *err)
{
	vouch_buf e;
	uint64_t index;
	int rc;

	(void)argc;
	parse_index(argv[0], &index);
	vouch_buf_init(&e, 0);
	if ((rc = need_client(v, 1, err)) == VOUCH_OK &&
	    (rc = vouch_logclient_get_entry(v->lc, index, &e, err)) == VOUCH_OK)
		put(&e);
	vouch_buf_free(&e);
	return rc;
}

static int
cmd_prove(struct vlog *v, int argc, char **argv, vouch_err *err)
{
	vouch_buf out;
	uint64_t index;
	int rc;

	(void)argc;
	parse_index(argv[0], &index);
	vouch_buf_init(&out, 0);
	if ((rc = need_client(v, 1, err)) == VOUCH_OK &&
	    (rc = vouch_logclient_prove(v->lc, index, &out, err)) == VOUCH_OK)
		put(&out);
	vouch_buf_free(&out);
	return rc;
}

static int
cmd_consistency(struct vlog *v, int argc, char **argv, vouch_err *err)
{
	vouch_buf out;
	uint64_t o, nw;
	int rc;

	(void)argc;
	parse_index(argv[0], &o);
	parse_index(argv[1], &nw);
	if (o == 0 || o > nw)
		cli_usage_error("need 0 < OLD <= NEW");
	vouch_buf_init(&out, 0);
	if ((rc = need_client(v, 1, err)) == VOUCH_OK &&
	    (rc = vouch_logclient_prove_consistency(v->lc, o, nw, &out, err)) == VOUCH_OK)
		put(&out);
	vouch_buf_free(&out);
	return rc;
}

static int
cmd_lookup(struct vlog *v, int argc, char **argv, vouch_err *err)
{
	const char *hex = argv[0];
	uint8_t d[32];
	int rc;

	(void)argc;
	if (!vouch_is_lower_hex(hex, strlen(hex), 32))
		cli_usage_error("'%s' is not a lowercase hex sha256 digest", hex);
	vouch_hex_decode(hex, 64, d, 32, VOUCH_HEX_LOWER, NULL);
	if ((rc = need_client(v, 1, err)) != VOUCH_OK)
		return rc;
	return vouch_logclient_lookup(v->lc, d, &to_stdout, err);
}

/* Each argument is a file holding one envelope or JSON Lines of them. */
static int
cmd_submit(struct vlog *v, int argc, char **argv, vouch_err *err)
{
	static const char *const stdin_only[] = { "-" };
	int rc;

	if (v->vkey != NULL && (rc = need_verifier(v, err)) != VOUCH_OK)
		return rc;
	if ((rc = need_client(v, 0, err)) != VOUCH_OK)
		return rc;
	if (argc == 0)
		return vouch_logclient_submit_files(v->lc, stdin_only, 1, &to_stdout, err);
	return vouch_logclient_submit_files(v->lc, (const char *const *)argv, (size_t)argc,
	                                    &to_stdout, err);
}

/* verify-proof: a tlog-proof, or the JSON /add answer. */
static int
cmd_verify_proof(struct vlog *v, int argc, char **argv, vouch_err *err)
{
	const char *pfile = argv[0], *efile = argc == 2 ? argv[1] : NULL;
	vouch_checkpoint cp;
	uint64_t index = 0;
	int rc, need_entry = 0;

	if ((rc = need_verifier(v, err)) != VOUCH_OK)
		return rc;
	rc = vouch_logproof_verify_files(v->ver, v->origin, pfile, efile, &index, &cp, &need_entry,
	                                 err);
	if (need_entry)
		cli_usage_error("%s", vouch_err_msg(err));
	if (rc == VOUCH_OK)
		printf("verified: entry %llu of %s at tree size %llu\n", (unsigned long long)index,
		       cp.origin, (unsigned long long)cp.size);
	return rc;
}

/* verify-checkpoint: a signed checkpoint in a file, offline: the log's
 * signature and the witnesses' quorum. */
static int
cmd_verify_checkpoint(struct vlog *v, int argc, char **argv, vouch_err *err)
{
	const char *path = argv[0];
	vouch_checkpoint cp;
	vouch_buf note;
	int rc;

	(void)argc;
	vouch_buf_init(&note, VOUCH_NOTE_MAX);
	if ((rc = need_verifier(v, err)) == VOUCH_OK &&
	    (rc = vouch_read_file(path, VOUCH_NOTE_MAX, &note, err)) == VOUCH_OK &&
	    (rc = vouch_checkpoint_open_cosigned(vouch_buf_cstr(&note), note.len, v->origin, v->ver,
	                                         v->witnesses, v->nwitnesses, (size_t)v->quorum,
	                                         &cp, err)) == VOUCH_OK)
		printf("verified: %s at tree size %llu, cosigned by at least %llu of %zu witnesses\n",
		       cp.origin, (unsigned long long)cp.size, (unsigned long long)v->quorum,
		       v->nwitnesses);
	else if (rc != VOUCH_ENEGATIVE && rc != VOUCH_EUSAGE)
		vouch_err_prefix(err, "'%s'", path);
	vouch_buf_free(&note);
	return rc;
}

/* mirror: follow the log into --dir until it misbehaves. */
static int
cmd_mirror(struct vlog *v, int argc, char **argv, vouch_err *err)
{
	vouch_mirror_opts o;
	struct timespec ts;
	vouch_buf proof;
	uint64_t size = 0;
	int rc, grew = 0;

	(void)argc;
	(void)argv;
	if (v->dir == NULL)
		cli_usage_error("mirror needs --dir DIR");
	if ((v->cosign_keyfile == NULL) != (v->cosign_name == NULL))
		cli_usage_error("--cosign-key and --cosign-name go together");
	if ((rc = need_client(v, 1, err)) != VOUCH_OK)
		return rc;
	if (v->cosign_keyfile != NULL &&
	    (rc = vouch_key_load_file(v->cosign_keyfile, NULL, 0, &v->cosign_key, err)) != VOUCH_OK)
		return rc;
	if (v->cosign_name != NULL && !vouch_note_name_valid(v->cosign_name, strlen(v->cosign_name)))
		cli_usage_error("'%s' is not a valid cosigner name", v->cosign_name);
	memset(&o, 0, sizeof o);
	o.dir = v->dir;
	o.lc = v->lc;
	o.logver = v->ver;
	o.origin = v->origin;
	o.ws = v->witnesses;
	o.nws = v->nwitnesses;
	o.quorum = (size_t)v->quorum;
	o.cosign_key = v->cosign_key;
	o.cosign_name = v->cosign_name;
	vouch_buf_init(&proof, 0);
	for (;;) {
		vouch_err_clear(err);
		rc = vouch_mirror_round(&o, &size, &grew, &proof, err);
		if (rc == VOUCH_OK && grew) {
			printf("mirrored %s at tree size %llu\n", vouch_note_verifier_name(v->ver),
			       (unsigned long long)size);
			fflush(stdout);
		}
		if (rc == VOUCH_ENEGATIVE) {
			put(&proof);
			break;
		}
		if (v->once)
			break;
		if (rc != VOUCH_OK)
			cli_warn_err(err); /* transient: report, keep following */
		ts.tv_sec = (time_t)(v->poll_ms / 1000);
		ts.tv_nsec = (long)(v->poll_ms % 1000) * 1000000;
		nanosleep(&ts, NULL);
	}
	vouch_buf_free(&proof);
	return rc;
}

/* check-misbehaviour: does a proof (vouch-log mirror) prove it? */
static int
cmd_check_misbehaviour(struct vlog *v, int argc, char **argv, vouch_err *err)
{
	const char *path = argv[0];
	vouch_buf b, why;
	int rc;

	(void)argc;
	vouch_buf_init(&b, 1 << 20);
	vouch_buf_init(&why, 0);
	if ((rc = need_verifier(v, err)) == VOUCH_OK &&
	    (rc = vouch_read_file(path, 1 << 20, &b, err)) == VOUCH_OK &&
	    (rc = vouch_misbehaviour_check(vouch_buf_cstr(&b), b.len, v->ver, v->origin, &why,
	                                   err)) == VOUCH_OK)
		printf("proved: %s\n", vouch_buf_cstr(&why));
	else if (rc != VOUCH_ENEGATIVE && rc != VOUCH_EUSAGE)
		vouch_err_prefix(err, "'%s'", path);
	vouch_buf_free(&b);
	vouch_buf_free(&why);
	return rc;
}

/* bundle: an offline evidence bundle (schemas/bundle.md) of the entries
 * whose subjects carry each SHA256 argument and of each INDEX argument. */
static int
cmd_bundle(struct vlog *v, int argc, char **argv, vouch_err *err)
{
	vouch_evbundle_item *items = NULL;
	vouch_buf out;
	int i, rc;

	if (argc == 0)
		cli_usage_error("bundle takes SHA256 digests or entry indices");
	vouch_buf_init(&out, 0);
	if ((rc = need_client(v, 1, err)) != VOUCH_OK)
		goto out;
	if ((items = calloc((size_t)argc, sizeof *items)) == NULL) {
		rc = vouch_err_set(err, VOUCH_ENOMEM, "out of memory");
		goto out;
	}
	for (i = 0; i < argc; i++) {
		if (vouch_is_lower_hex(argv[i], strlen(argv[i]), 32)) {
			items[i].is_digest = 1;
			vouch_hex_decode(argv[i], 64, items[i].sha256, 32, VOUCH_HEX_LOWER, NULL);
		} else if (cli_parse_uint(argv[i], 0, UINT64_MAX - 1, &items[i].index) != 0) {
			cli_usage_error("'%s' is neither a lowercase hex sha256 digest nor an index",
			                argv[i]);
		}
	}
	if ((rc = vouch_evbundle_fetch(v->lc, items, (size_t)argc, &out, err)) != VOUCH_OK)
		goto out;
	if (v->output != NULL && strcmp(v->output, "-") != 0)
		rc = vouch_write_file_atomic(v->output, out.data ? out.data : (const uint8_t *)"",
		                             out.len, 0644, err);
	else
		put(&out);
out:
	free(items);
	vouch_buf_free(&out);
	return rc;
}

static int
cmd_monitor(struct vlog *v, int argc, char **argv, vouch_err *err)
{
	vouch_logmonitor *m = NULL;
	size_t i;
	int rc;

	(void)argc;
	(void)argv;
	if (v->state == NULL)
		cli_usage_error("monitor needs --state FILE");
	if ((rc = need_client(v, 1, err)) != VOUCH_OK ||
	    (rc = vouch_logmonitor_new(v->lc, v->ver, v->origin, v->state, &m, err)) != VOUCH_OK)
		goto out;
	vouch_logmonitor_set_witnesses(m, v->witnesses, v->nwitnesses, (size_t)v->quorum);
	for (i = 0; rc == VOUCH_OK && i < v->nsubjects; i++)
		rc = vouch_logmonitor_add_subject(m, v->subjects[i], err);
	for (i = 0; rc == VOUCH_OK && i < v->nsigners; i++)
		rc = vouch_logmonitor_add_signer(m, v->signers[i], err);
	if (rc == VOUCH_OK)
		rc = vouch_logmonitor_run(m, v->once, (unsigned)v->interval, &to_stdout, err);
out:
	vouch_logmonitor_free(m);
	return rc;
}

/* The commands, like git's builtins: a name, how many arguments it takes
 * (max -1: any number; the command checks them) and the function. */
struct command {
	const char *name;
	int min, max;
	const char *args; /* the usage message for a wrong count, when not "takes N arguments" */
	int (*run)(struct vlog *v, int argc, char **argv, vouch_err *err);
};

static const struct command commands[] = {
	{ "submit", 0, -1, NULL, cmd_submit },
	{ "checkpoint", 0, 0, NULL, cmd_checkpoint },
	{ "get", 1, 1, NULL, cmd_get },
	{ "prove", 1, 1, NULL, cmd_prove },
	{ "consistency", 2, 2, NULL, cmd_consistency },
	{ "lookup", 1, 1, NULL, cmd_lookup },
	{ "verify-proof", 1, 2, "verify-proof takes PROOF [ENTRY]", cmd_verify_proof },
	{ "bundle", 0, -1, NULL, cmd_bundle },
	{ "mirror", 0, 0, NULL, cmd_mirror },
	{ "check-misbehaviour", 1, 1, NULL, cmd_check_misbehaviour },
	{ "verify-checkpoint", 1, 1, NULL, cmd_verify_checkpoint },
	{ "monitor", 0, 0, NULL, cmd_monitor },
};

static int
dispatch(struct vlog *v, int argc, char **argv, vouch_err *err)
{
	const char *name = argv[0];
	int nargs = argc - 1;

	for (size_t i = 0; i < sizeof commands / sizeof commands[0]; i++) {
		const struct command *c = &commands[i];

		if (strcmp(name, c->name) != 0)
			continue;
		if (nargs < c->min || (c->max >= 0 && nargs > c->max)) {
			if (c->args != NULL)
				cli_usage_error("%s", c->args);
			cli_usage_error("%s takes %d argument%s", name, c->min, c->min == 1 ? "" : "s");
		}
		return c->run(v, nargs, argv + 1, err);
	}
	cli_usage_error("unknown command '%s'", name);
}

int
main(int argc, char **argv)
{
	struct vlog v;
	vouch_err err;
	size_t i;
	int rc;

	cli_init(argv, usage_text);
	memset(&v, 0, sizeof v);
	v.timeout = 30;
	v.retries = 3;
	v.interval = 60;
	v.poll_ms = 1000;
	parse_args(&v, argc, argv);
	vouch_err_clear(&err);
	rc = dispatch(&v, argc - optind, argv + optind, &err);
	if (rc != VOUCH_OK)
		cli_warn_err(&err);
	vouch_logclient_free(v.lc);
	vouch_note_verifier_free(v.ver);
	vouch_key_free(v.cosign_key);
	for (i = 0; i < v.nwitnesses; i++)
		vouch_note_verifier_free(v.witnesses[i]);
	for (i = 0; i < v.nsigners; i++)
		vouch_key_free(v.signers[i]);
	vouch_buf_free(&v.config);
	free(v.url);
	free(v.vkey);
	free(v.origin);
	return cli_finish(vouch_exit_code(rc));
}
