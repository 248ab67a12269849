/* vouch-log - use a vouch transparency log: submit envelopes, fetch and
 * verify checkpoints, entries and proofs, verify proofs offline, monitor.
 */
#include "config.h"

#include <getopt.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "cli.h"
#include "vouch/vouch.h"
#include "vouch/checkpoint.h"
#include "vouch/dsse.h"
#include "vouch/logclient.h"
#include "vouch/logstore.h"
#include "vouch/tile.h"

static const char usage_text[] =
    "usage: vouch-log [options] submit [ENVELOPE|-]...\n"
    "       vouch-log [options] checkpoint\n"
    "       vouch-log [options] get INDEX\n"
    "       vouch-log [options] prove INDEX\n"
    "       vouch-log [options] consistency OLD NEW\n"
    "       vouch-log [options] lookup SHA256\n"
    "       vouch-log [options] bundle [-o FILE] SHA256|INDEX...\n"
    "       vouch-log [options] verify-proof PROOF [ENTRY]\n"
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
    "  -h, --help               show this help\n"
    "  -V, --version            show the version\n";

enum { OPT_VFILE = 256, OPT_ORIGIN, OPT_STATE, OPT_ONCE, OPT_INTERVAL, OPT_SUBJECT, OPT_SIGNER };

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
	{ "help", no_argument, NULL, 'h' },
	{ "version", no_argument, NULL, 'V' },
	{ NULL, 0, NULL, 0 }
};

#define FILTER_MAX 64
#define CONFIG_MAX 65536

struct vlog {
	char *url, *vkey, *origin;
	const char *state;
	const char *output;  /* bundle */
	uint64_t timeout, retries, interval;
	int once;
	uint8_t subjects[FILTER_MAX][32];
	size_t nsubjects;
	vouch_key *signers[FILTER_MAX];
	size_t nsigners;
	vouch_note_verifier *ver;
	vouch_logclient *lc;
	vouch_buf config;
};

static void
set_str(char **dst, const char *v)
{
	free(*dst);
	if ((*dst = strdup(v)) == NULL) {
		cli_warn("out of memory");
		exit(2);
	}
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
	if (vouch_read_file(path, 4096, &b, &err) != VOUCH_OK) {
		cli_warn_err(&err);
		exit(2);
	}
	nl = memchr(b.data, '\n', b.len);
	if (nl != NULL)
		*nl = '\0';
	set_str(dst, vouch_buf_cstr(&b));
	vouch_buf_free(&b);
}

static void
read_config(struct vlog *v, const char *path)
{
	vouch_err err;
	char *line, *save = NULL;

	vouch_err_clear(&err);
	vouch_buf_init(&v->config, CONFIG_MAX + 1);
	if (vouch_read_file(path, CONFIG_MAX, &v->config, &err) != VOUCH_OK) {
		cli_warn_err(&err);
		exit(2);
	}
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
			cli_usage_error("'%s': unknown line '%.40s'", path, line);
	}
}

static void
parse_args(struct vlog *v, int argc, char **argv)
{
	const char *config = NULL;
	vouch_err err;
	int c;

	opterr = 0;
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
			if (v->nsubjects == FILTER_MAX || !vouch_is_lower_hex(optarg, strlen(optarg), 32))
				cli_usage_error("bad --subject '%s'", optarg);
			vouch_hex_decode(optarg, 64, v->subjects[v->nsubjects++], 32, VOUCH_HEX_LOWER,
			                 NULL);
			break;
		case OPT_SIGNER:
			vouch_err_clear(&err);
			if (v->nsigners == FILTER_MAX ||
			    vouch_key_load_file(optarg, NULL, 0, &v->signers[v->nsigners], &err) !=
			        VOUCH_OK) {
				cli_warn_err(&err);
				exit(2);
			}
			v->nsigners++;
			break;
		case 'h': cli_help();
		case 'V': cli_version();
		default: cli_usage_error("unknown option '%s'", argv[optind - 1]);
		}
	}
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

/* ---- commands ---- */

static int
cmd_checkpoint(struct vlog *v, vouch_err *err)
{
	vouch_checkpoint cp;
	vouch_buf note;
	int rc;

	vouch_buf_init(&note, 0);
	if ((rc = need_client(v, 1, err)) == VOUCH_OK &&
	    (rc = vouch_logclient_checkpoint(v->lc, &cp, &note, err)) == VOUCH_OK)
		fwrite(note.data, 1, note.len, stdout);
	vouch_buf_free(&note);
	return rc;
}

static int
cmd_get(struct vlog *v, const char *arg, vouch_err *err)
{
	vouch_checkpoint cp;
	vouch_buf e;
	uint64_t index;
	int rc;

	parse_index(arg, &index);
	vouch_buf_init(&e, 0);
	if ((rc = need_client(v, 1, err)) == VOUCH_OK &&
	    (rc = vouch_logclient_checkpoint(v->lc, &cp, NULL, err)) == VOUCH_OK &&
	    (rc = vouch_logclient_entry(v->lc, &cp, index, &e, NULL, NULL, err)) == VOUCH_OK) {
		fwrite(e.data, 1, e.len, stdout);
		if (e.len == 0 || e.data[e.len - 1] != '\n')
			fputc('\n', stdout);
	}
	vouch_buf_free(&e);
	return rc;
}

static int
cmd_prove(struct vlog *v, const char *arg, vouch_err *err)
{
	vouch_hash proof[VOUCH_PROOF_MAX];
	vouch_checkpoint cp;
	vouch_buf note, e, out;
	uint64_t index;
	size_t n = 0;
	int rc;

	parse_index(arg, &index);
	vouch_buf_init(&note, 0);
	vouch_buf_init(&e, 0);
	vouch_buf_init(&out, 0);
	if ((rc = need_client(v, 1, err)) == VOUCH_OK &&
	    (rc = vouch_logclient_checkpoint(v->lc, &cp, &note, err)) == VOUCH_OK &&
	    (rc = vouch_logclient_entry(v->lc, &cp, index, &e, proof, &n, err)) == VOUCH_OK &&
	    (rc = vouch_tlogproof_format(NULL, 0, index, (const vouch_hash *)proof, n,
	                                 (const char *)note.data, note.len, &out, err)) ==
	        VOUCH_OK)
		fwrite(out.data, 1, out.len, stdout);
	vouch_buf_free(&note);
	vouch_buf_free(&e);
	vouch_buf_free(&out);
	return rc;
}

static void
print_b64(const char *key, const uint8_t *h, int comma)
{
	vouch_buf b;

	vouch_buf_init(&b, 0);
	vouch_b64_append(&b, h, VOUCH_HASH_LEN, VOUCH_B64_STD, NULL);
	printf("\"%s\":\"%s\"%s", key, vouch_buf_cstr(&b), comma ? "," : "");
	vouch_buf_free(&b);
}

static int
cmd_consistency(struct vlog *v, const char *a, const char *b, vouch_err *err)
{
	vouch_hash proof[VOUCH_PROOF_MAX];
	vouch_checkpoint cp, old, mid;
	vouch_tilehashes *th = NULL;
	uint64_t o, nw;
	size_t n = 0, i;
	int rc;

	parse_index(a, &o);
	parse_index(b, &nw);
	if (o == 0 || o > nw)
		cli_usage_error("need 0 < OLD <= NEW");
	if ((rc = need_client(v, 1, err)) != VOUCH_OK ||
	    (rc = vouch_logclient_checkpoint(v->lc, &cp, NULL, err)) != VOUCH_OK)
		return rc;
	if (nw > cp.size)
		return vouch_err_set(err, VOUCH_EUSAGE, "the log has only %llu entries",
		                     (unsigned long long)cp.size);
	old = cp;
	mid = cp;
	old.size = o;
	mid.size = nw;
	/* the roots of OLD and NEW from the tiles, each proved consistent with
	 * the signed checkpoint, then the OLD..NEW proof */
	if ((rc = vouch_tilehashes_new(cp.size, vouch_logclient_read_tile, v->lc, &th, err)) !=
	        VOUCH_OK ||
	    (rc = vouch_merkle_tree_root(vouch_tilehashes_read, th, o, old.root, err)) !=
	        VOUCH_OK ||
	    (rc = vouch_merkle_tree_root(vouch_tilehashes_read, th, nw, mid.root, err)) !=
	        VOUCH_OK ||
	    (rc = vouch_logclient_consistency(v->lc, &old, &cp, proof, &n, err)) != VOUCH_OK ||
	    (rc = vouch_logclient_consistency(v->lc, &mid, &cp, proof, &n, err)) != VOUCH_OK)
		goto out;
	vouch_tilehashes_free(th);
	th = NULL;
	if ((rc = vouch_tilehashes_new(nw, vouch_logclient_read_tile, v->lc, &th, err)) !=
	        VOUCH_OK ||
	    (rc = vouch_merkle_prove_consistency(vouch_tilehashes_read, th, o, nw, proof, &n,
	                                         err)) != VOUCH_OK ||
	    (rc = vouch_merkle_verify_consistency(o, nw, old.root, mid.root,
	                                          (const vouch_hash *)proof, n, err)) != VOUCH_OK)
		goto out;
	printf("{\"old\":%llu,\"new\":%llu,", (unsigned long long)o, (unsigned long long)nw);
	print_b64("old_root", old.root, 1);
	print_b64("new_root", mid.root, 0);
	printf(",\"proof\":[");
	for (i = 0; i < n; i++) {
		vouch_buf b64;

		vouch_buf_init(&b64, 0);
		vouch_b64_append(&b64, proof[i], VOUCH_HASH_LEN, VOUCH_B64_STD, NULL);
		printf("%s\"%s\"", i ? "," : "", vouch_buf_cstr(&b64));
		vouch_buf_free(&b64);
	}
	printf("]}\n");
out:
	vouch_tilehashes_free(th);
	return rc;
}

/* One JSON line for an entry: index, leaf hash, subjects, the envelope. */
static int
print_entry(uint64_t index, const uint8_t *e, size_t len, vouch_err *err)
{
	vouch_buf subj, line;
	vouch_hash leaf;
	char hex[65];
	size_t i;
	int rc;

	vouch_buf_init(&subj, 0);
	vouch_buf_init(&line, 0);
	vouch_logentry_check(e, len, NULL, 0, &subj, NULL);
	vouch_merkle_leaf_hash(e, len, leaf, NULL);
	rc = vouch_buf_appendf(&line, err, "{\"index\":%llu,\"leaf_hash\":\"%s\",\"subjects\":[",
	                       (unsigned long long)index, vouch_hex_encode(leaf, 32, hex));
	for (i = 0; rc == VOUCH_OK && i + 32 <= subj.len; i += 32)
		rc = vouch_buf_appendf(&line, err, "%s\"%s\"", i ? "," : "",
		                       vouch_hex_encode(subj.data + i, 32, hex));
	if (rc == VOUCH_OK)
		rc = vouch_buf_append_str(&line, "],\"entry\":", err);
	/* the entry is strict JSON (checked at submission); print it as is when
	 * it still parses, else as a string */
	if (rc == VOUCH_OK) {
		cJSON *j = NULL;

		if (vouch_json_parse((const char *)e, len, &j, NULL) == VOUCH_OK) {
			rc = vouch_json_append(&line, j, err);
			cJSON_Delete(j);
		} else {
			rc = vouch_buf_append_str(&line, "null", err);
		}
	}
	if (rc == VOUCH_OK)
		rc = vouch_buf_append_str(&line, "}\n", err);
	if (rc == VOUCH_OK)
		fwrite(line.data, 1, line.len, stdout);
	vouch_buf_free(&subj);
	vouch_buf_free(&line);
	return rc;
}

static int
has_subject(const uint8_t *e, size_t len, const uint8_t d[32])
{
	vouch_buf subj;
	size_t i;
	int found = 0;

	vouch_buf_init(&subj, 0);
	vouch_logentry_check(e, len, NULL, 0, &subj, NULL);
	for (i = 0; i + 32 <= subj.len && !found; i += 32)
		found = memcmp(subj.data + i, d, 32) == 0;
	vouch_buf_free(&subj);
	return found;
}

static int
cmd_lookup(struct vlog *v, const char *hex, vouch_err *err)
{
	char path[128];
	const cJSON *arr, *it;
	cJSON *j = NULL;
	vouch_checkpoint cp;
	uint8_t d[32];
	vouch_buf b, e;
	long st = 0;
	int rc, bad = 0;

	if (!vouch_is_lower_hex(hex, strlen(hex), 32))
		cli_usage_error("'%s' is not a lowercase hex sha256 digest", hex);
	vouch_hex_decode(hex, 64, d, 32, VOUCH_HEX_LOWER, NULL);
	snprintf(path, sizeof path, "lookup/sha256/%s", hex);
	vouch_buf_init(&e, 0);
	memset(&b, 0, sizeof b);
	if ((rc = need_client(v, 1, err)) != VOUCH_OK ||
	    (rc = vouch_logclient_checkpoint(v->lc, &cp, NULL, err)) != VOUCH_OK ||
	    (rc = vouch_logclient_get(v->lc, path, 1 << 20, &b, &st, err)) != VOUCH_OK ||
	    (rc = vouch_json_parse((const char *)b.data, b.len, &j, err)) != VOUCH_OK)
		goto out;
	if ((arr = vouch_json_get_array(j, "indices")) == NULL) {
		rc = vouch_err_set(err, VOUCH_EINPUT, "lookup answer has no indices");
		goto out;
	}
	cJSON_ArrayForEach(it, arr) {
		vouch_err one;
		uint64_t idx;

		if (!cJSON_IsNumber(it) || it->valuedouble < 0 || it->valuedouble >= (double)cp.size)
			continue; /* not (yet) covered by the verified checkpoint */
		idx = (uint64_t)it->valuedouble;
		vouch_err_clear(&one);
		vouch_buf_reset(&e);
		if (vouch_logclient_entry(v->lc, &cp, idx, &e, NULL, NULL, &one) != VOUCH_OK) {
			cli_warn_err(&one);
			bad = 1;
		} else if (!has_subject(e.data, e.len, d)) {
			cli_warn("entry %llu does not carry subject %s", (unsigned long long)idx, hex);
			bad = 1;
		} else if ((rc = print_entry(idx, e.data, e.len, err)) != VOUCH_OK) {
			goto out;
		}
	}
	if (bad)
		rc = vouch_err_set(err, VOUCH_EINPUT, "some lookup hits did not verify");
out:
	cJSON_Delete(j);
	vouch_buf_free(&b);
	vouch_buf_free(&e);
	return rc;
}

static int
cmd_submit_one(struct vlog *v, const char *name, const uint8_t *data, size_t len,
               vouch_err *err)
{
	vouch_tlogproof p;
	vouch_buf resp;
	vouch_hash leaf;
	cJSON *j = NULL;
	const char *proof;
	long st = 0;
	int rc;

	vouch_tlogproof_init(&p);
	memset(&resp, 0, sizeof resp);
	if ((rc = vouch_logclient_post(v->lc, "add", data, len, 1 << 20, &resp, &st, err)) !=
	    VOUCH_OK)
		goto out;
	if (st != 200) {
		while (resp.len > 0 && resp.data[resp.len - 1] == '\n')
			resp.data[--resp.len] = '\0';
		rc = vouch_err_set(err, st == 400 || st == 403 || st == 413 ? VOUCH_EINPUT : VOUCH_EIO,
		                   "'%s': the log answered %ld: %.200s", name, st,
		                   vouch_buf_cstr(&resp));
		goto out;
	}
	if (v->ver != NULL) {
		/* the answer must prove this very entry into a signed checkpoint */
		if ((rc = vouch_json_parse((const char *)resp.data, resp.len, &j, err)) != VOUCH_OK)
			goto out;
		proof = vouch_json_get_string(j, "tlog_proof");
		if (proof == NULL) {
			rc = vouch_err_set(err, VOUCH_EINPUT, "'%s': the answer has no proof", name);
			goto out;
		}
		if ((rc = vouch_merkle_leaf_hash(data, len, leaf, err)) != VOUCH_OK ||
		    (rc = vouch_tlogproof_parse(proof, strlen(proof), &p, err)) != VOUCH_OK ||
		    (rc = vouch_tlogproof_verify(&p, leaf, v->origin ? v->origin
		                                                     : vouch_note_verifier_name(v->ver),
		                                 &v->ver, 1, NULL, err)) != VOUCH_OK) {
			vouch_err_prefix(err, "'%s': the log's answer does not verify", name);
			goto out;
		}
	}
	fwrite(resp.data, 1, resp.len, stdout);
out:
	cJSON_Delete(j);
	vouch_buf_free(&resp);
	vouch_tlogproof_clear(&p);
	return rc;
}

/* Each argument is a file holding one envelope or JSON Lines of them. */
static int
cmd_submit(struct vlog *v, int argc, char **argv, vouch_err *err)
{
	static char *stdin_only[] = { "-" };
	int i, rc, status = VOUCH_OK;

	if (v->vkey != NULL && (rc = need_verifier(v, err)) != VOUCH_OK)
		return rc;
	if ((rc = need_client(v, 0, err)) != VOUCH_OK)
		return rc;
	if (argc == 0) {
		argc = 1;
		argv = stdin_only;
	}
	for (i = 0; i < argc; i++) {
		vouch_buf b;
		size_t pos = 0;
		vouch_err one;

		vouch_err_clear(&one);
		vouch_buf_init(&b, 64 << 20);
		if (vouch_read_file(argv[i], 64 << 20, &b, &one) != VOUCH_OK) {
			cli_warn_err(&one);
			status = VOUCH_EIO;
			continue;
		}
		while (pos < b.len) {
			const uint8_t *nl = memchr(b.data + pos, '\n', b.len - pos);
			size_t end = nl ? (size_t)(nl - b.data) : b.len;

			if (end > pos) {
				vouch_err_clear(&one);
				if ((rc = cmd_submit_one(v, argv[i], b.data + pos, end - pos, &one)) !=
				    VOUCH_OK) {
					cli_warn_err(&one);
					status = rc;
				}
			}
			pos = end + 1;
		}
		vouch_buf_free(&b);
	}
	if (status != VOUCH_OK)
		return vouch_err_set(err, status, "some envelopes were not logged");
	return VOUCH_OK;
}

/* verify-proof: a tlog-proof, or the JSON /add answer. */
static int
cmd_verify_proof(struct vlog *v, const char *pfile, const char *efile, vouch_err *err)
{
	vouch_tlogproof p;
	vouch_checkpoint cp;
	vouch_buf b, e;
	vouch_hash leaf;
	cJSON *j = NULL;
	const char *text;
	size_t tlen;
	int rc;

	vouch_tlogproof_init(&p);
	vouch_buf_init(&b, 1 << 20);
	vouch_buf_init(&e, 1 << 20);
	if ((rc = need_verifier(v, err)) != VOUCH_OK ||
	    (rc = vouch_read_file(pfile, 1 << 20, &b, err)) != VOUCH_OK)
		goto out;
	text = (const char *)b.data;
	tlen = b.len;
	if (b.len > 0 && b.data[0] == '{') {
		const char *lh;

		if ((rc = vouch_json_parse(text, tlen, &j, err)) != VOUCH_OK)
			goto out;
		text = vouch_json_get_string(j, "tlog_proof");
		lh = vouch_json_get_string(j, "leaf_hash");
		if (text == NULL || lh == NULL ||
		    vouch_hex_decode(lh, strlen(lh), leaf, 32, VOUCH_HEX_LOWER, NULL) != VOUCH_OK) {
			rc = vouch_err_set(err, VOUCH_EINPUT, "'%s': not a vouch-logd answer", pfile);
			goto out;
		}
		tlen = strlen(text);
	} else if (efile == NULL) {
		cli_usage_error("a tlog-proof needs the ENTRY it proves");
	}
	if (efile != NULL) {
		vouch_hash mine;

		if ((rc = vouch_read_file(efile, 1 << 20, &e, err)) != VOUCH_OK)
			goto out;
		/* entries are single lines: the file's line end is not part of it */
		if (e.len > 0 && e.data[e.len - 1] == '\n')
			e.len--;
		if ((rc = vouch_merkle_leaf_hash(e.data, e.len, mine, err)) != VOUCH_OK)
			goto out;
		if (j != NULL && memcmp(mine, leaf, 32) != 0) {
			rc = vouch_err_set(err, VOUCH_ENEGATIVE, "'%s' is not the entry of '%s'", efile,
			                   pfile);
			goto out;
		}
		memcpy(leaf, mine, 32);
	}
	if ((rc = vouch_tlogproof_parse(text, tlen, &p, err)) != VOUCH_OK ||
	    (rc = vouch_tlogproof_verify(&p, leaf, v->origin ? v->origin
	                                                     : vouch_note_verifier_name(v->ver),
	                                 &v->ver, 1, &cp, err)) != VOUCH_OK)
		goto out;
	printf("verified: entry %llu of %s at tree size %llu\n", (unsigned long long)p.index,
	       cp.origin, (unsigned long long)cp.size);
out:
	cJSON_Delete(j);
	vouch_buf_free(&b);
	vouch_buf_free(&e);
	vouch_tlogproof_clear(&p);
	return rc;
}

/* ---- bundle ---- */

/* bundle: an offline evidence bundle (schemas/bundle.md) of the entries
 * whose subjects carry each SHA256 argument and of each INDEX argument,
 * every one proved against the log's verified checkpoint. */
static int
cmd_bundle(struct vlog *v, int argc, char **argv, vouch_err *err)
{
	vouch_evbundle *b = NULL;
	vouch_checkpoint cp;
	vouch_buf note, out;
	int rc;

	if (argc == 0)
		cli_usage_error("bundle takes SHA256 digests or entry indices");
	vouch_buf_init(&note, 0);
	vouch_buf_init(&out, 0);
	if ((rc = need_client(v, 1, err)) != VOUCH_OK ||
	    (rc = vouch_logclient_checkpoint(v->lc, &cp, &note, err)) != VOUCH_OK ||
	    (rc = vouch_evbundle_new(&b, err)) != VOUCH_OK)
		goto out;
	for (int i = 0; rc == VOUCH_OK && i < argc; i++) {
		uint8_t d[32];
		uint64_t index;

		if (vouch_is_lower_hex(argv[i], strlen(argv[i]), 32)) {
			vouch_hex_decode(argv[i], 64, d, 32, VOUCH_HEX_LOWER, NULL);
			rc = vouch_evbundle_from_log(b, v->lc, &cp, (const char *)note.data, note.len, d,
			                             NULL, err);
		} else if (cli_parse_uint(argv[i], 0, UINT64_MAX - 1, &index) == 0) {
			rc = vouch_evbundle_add_log_entry(b, v->lc, &cp, (const char *)note.data, note.len,
			                                  index, err);
		} else {
			cli_usage_error("'%s' is neither a lowercase hex sha256 digest nor an index",
			                argv[i]);
		}
	}
	if (rc == VOUCH_OK)
		rc = vouch_evbundle_write(b, &out, err);
	if (rc == VOUCH_OK && v->output != NULL && strcmp(v->output, "-") != 0)
		rc = vouch_write_file_atomic(v->output, out.data ? out.data : (const uint8_t *)"",
		                             out.len, 0644, err);
	else if (rc == VOUCH_OK)
		fwrite(out.data ? out.data : (const uint8_t *)"", 1, out.len, stdout);
out:
	vouch_evbundle_free(b);
	vouch_buf_free(&note);
	vouch_buf_free(&out);
	return rc;
}

/* ---- monitor ---- */

struct monctx {
	struct vlog *v;
	size_t printed;
};

static int
signed_by(struct vlog *v, const uint8_t *e, size_t len)
{
	vouch_envelope *env = NULL;
	struct vouch_dsse_verify opt;
	int ok;

	if (vouch_envelope_parse((const char *)e, len, VOUCH_ENTRY_MAX, &env, NULL) != VOUCH_OK)
		return 0;
	opt.payload_type = NULL;
	opt.keys = (const vouch_key *const *)v->signers;
	opt.nkeys = v->nsigners;
	opt.threshold = 1;
	ok = vouch_envelope_verify(env, &opt, NULL, NULL, NULL, NULL) == VOUCH_OK;
	vouch_envelope_free(env);
	return ok;
}

static int
on_entry(void *ctx, uint64_t index, const uint8_t *e, size_t len, vouch_err *err)
{
	struct monctx *m = ctx;
	size_t i;
	int match = m->v->nsubjects == 0;

	for (i = 0; i < m->v->nsubjects && !match; i++)
		match = has_subject(e, len, m->v->subjects[i]);
	if (match && m->v->nsigners > 0)
		match = signed_by(m->v, e, len);
	if (!match)
		return VOUCH_OK;
	m->printed++;
	return print_entry(index, e, len, err);
}

static void
print_evidence(const vouch_buf *old, const vouch_buf *cur, const char *why)
{
	cJSON *j = cJSON_CreateObject();
	vouch_buf out;

	vouch_buf_init(&out, 0);
	if (j != NULL && vouch_json_add_string(j, "inconsistent", why, NULL) != NULL &&
	    vouch_json_add_string(j, "old_checkpoint", vouch_buf_cstr(old), NULL) != NULL &&
	    vouch_json_add_string(j, "new_checkpoint", vouch_buf_cstr(cur), NULL) != NULL &&
	    vouch_json_append(&out, j, NULL) == VOUCH_OK) {
		fwrite(out.data, 1, out.len, stdout);
		fputc('\n', stdout);
	}
	vouch_buf_free(&out);
	cJSON_Delete(j);
}

static int
monitor_round(struct vlog *v, vouch_err *err)
{
	vouch_checkpoint old, cur;
	vouch_hash proof[VOUCH_PROOF_MAX];
	vouch_buf oldnote, note;
	struct monctx m = { v, 0 };
	size_t n = 0;
	int rc, have_old = 0;

	vouch_buf_init(&oldnote, VOUCH_NOTE_MAX + 1);
	vouch_buf_init(&note, VOUCH_NOTE_MAX + 1);
	memset(&old, 0, sizeof old);
	if (access(v->state, F_OK) == 0) {
		if ((rc = vouch_read_file(v->state, VOUCH_NOTE_MAX, &oldnote, err)) != VOUCH_OK ||
		    (rc = vouch_checkpoint_open((const char *)oldnote.data, oldnote.len,
		                                v->origin ? v->origin
		                                          : vouch_note_verifier_name(v->ver),
		                                &v->ver, 1, &old, err)) != VOUCH_OK) {
			vouch_err_prefix(err, "state '%s'", v->state);
			goto out;
		}
		have_old = 1;
	}
	if ((rc = vouch_logclient_checkpoint(v->lc, &cur, &note, err)) != VOUCH_OK)
		goto out;
	if (have_old) {
		vouch_err why;

		vouch_err_clear(&why);
		rc = vouch_logclient_consistency(v->lc, &old, &cur, proof, &n, &why);
		if (rc == VOUCH_ENEGATIVE) {
			print_evidence(&oldnote, &note, vouch_err_msg(&why));
			rc = vouch_err_set(err, VOUCH_ENEGATIVE, "the log is inconsistent: %s",
			                   vouch_err_msg(&why));
			goto out;
		}
		if (rc != VOUCH_OK) {
			rc = vouch_err_set(err, rc, "%s", vouch_err_msg(&why));
			goto out;
		}
	}
	if ((rc = vouch_logclient_entries(v->lc, &cur, have_old ? old.size : 0, on_entry, &m,
	                                  err)) != VOUCH_OK) {
		if (rc == VOUCH_ENEGATIVE)
			print_evidence(&oldnote, &note, vouch_err_msg(err));
		goto out;
	}
	fflush(stdout);
	if (!have_old || cur.size != old.size)
		rc = vouch_write_file_atomic(v->state, note.data, note.len, 0644, err);
out:
	vouch_buf_free(&oldnote);
	vouch_buf_free(&note);
	return rc;
}

static int
cmd_monitor(struct vlog *v, vouch_err *err)
{
	int rc;

	if (v->state == NULL)
		cli_usage_error("monitor needs --state FILE");
	if ((rc = need_client(v, 1, err)) != VOUCH_OK)
		return rc;
	for (;;) {
		rc = monitor_round(v, err);
		if (rc == VOUCH_ENEGATIVE || v->once)
			return rc;
		if (rc != VOUCH_OK) {
			/* transient trouble: report, keep watching */
			cli_warn_err(err);
			vouch_err_clear(err);
		}
		sleep((unsigned)v->interval);
	}
}

static int
dispatch(struct vlog *v, int argc, char **argv, vouch_err *err)
{
	const char *cmd = argv[0];

#define NARGS(k)                                                                   \
	do {                                                                           \
		if (argc != (k) + 1)                                                       \
			cli_usage_error("%s takes %d argument%s", cmd, (k), (k) == 1 ? "" : "s"); \
	} while (0)
	if (strcmp(cmd, "submit") == 0)
		return cmd_submit(v, argc - 1, argv + 1, err);
	if (strcmp(cmd, "checkpoint") == 0) {
		NARGS(0);
		return cmd_checkpoint(v, err);
	}
	if (strcmp(cmd, "get") == 0) {
		NARGS(1);
		return cmd_get(v, argv[1], err);
	}
	if (strcmp(cmd, "prove") == 0) {
		NARGS(1);
		return cmd_prove(v, argv[1], err);
	}
	if (strcmp(cmd, "consistency") == 0) {
		NARGS(2);
		return cmd_consistency(v, argv[1], argv[2], err);
	}
	if (strcmp(cmd, "lookup") == 0) {
		NARGS(1);
		return cmd_lookup(v, argv[1], err);
	}
	if (strcmp(cmd, "verify-proof") == 0) {
		if (argc != 2 && argc != 3)
			cli_usage_error("verify-proof takes PROOF [ENTRY]");
		return cmd_verify_proof(v, argv[1], argc == 3 ? argv[2] : NULL, err);
	}
	if (strcmp(cmd, "bundle") == 0)
		return cmd_bundle(v, argc - 1, argv + 1, err);
	if (strcmp(cmd, "monitor") == 0) {
		NARGS(0);
		return cmd_monitor(v, err);
	}
#undef NARGS
	cli_usage_error("unknown command '%s'", cmd);
}

int
main(int argc, char **argv)
{
	struct vlog v;
	vouch_err err;
	size_t i;
	int rc;

	cli_init(argv[0], usage_text);
	memset(&v, 0, sizeof v);
	v.timeout = 30;
	v.retries = 3;
	v.interval = 60;
	parse_args(&v, argc, argv);
	vouch_err_clear(&err);
	rc = dispatch(&v, argc - optind, argv + optind, &err);
	if (rc != VOUCH_OK)
		cli_warn_err(&err);
	vouch_logclient_free(v.lc);
	vouch_note_verifier_free(v.ver);
	for (i = 0; i < v.nsigners; i++)
		vouch_key_free(v.signers[i]);
	vouch_buf_free(&v.config);
	free(v.url);
	free(v.vkey);
	free(v.origin);
	return cli_finish(vouch_exit_code(rc));
}
