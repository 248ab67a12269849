/* vouch-logd - the vouch transparency-log server: option parsing, --init
 * and signal handling around the server in libvouch (vouch/logd.h).
 */
#include "config.h"

#include <getopt.h>
#include <signal.h>
#include <unistd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "vouch/vouch.h"

static const char usage_text[] =
    "usage: vouch-logd --dir DIR --key LOGKEY --origin ORIGIN --init\n"
    "       vouch-logd --storage STORAGE [--endpoint URL --db CONNINFO] --key LOGKEY\n"
    "                  --origin ORIGIN [--init | --copy-to STORAGE | server options]\n"
    "       vouch-logd --dir DIR --key LOGKEY --origin ORIGIN [--listen ADDR:PORT]\n"
    "                  [--submitters FILE] [--max-batch N] [--max-wait MS]\n"
    "                  [--max-pending N] [--max-body BYTES] [--max-connections N]\n"
    "                  [--max-connections-per-ip N] [--timeout SECONDS]\n"
    "                  [--port-file FILE] [--reindex]\n"
    "                  [--witness 'VKEY URL' | --witnesses FILE]... [--quorum K]\n"
    "                  [--witness-timeout SECONDS] [--witness-wait MS]\n"
    "  -d, --dir DIR           the log directory (checkpoint, tile/)\n"
    "      --storage STORAGE   posix:DIR (as --dir) or s3://BUCKET[/PREFIX]: objects\n"
    "                          in an S3-compatible bucket, state and index in\n"
    "                          PostgreSQL; the server waits as a standby while\n"
    "                          another holds the log\n"
    "      --endpoint URL      the S3 server (http(s)://HOST[:PORT]); credentials\n"
    "                          from AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY or\n"
    "                          --s3-credentials FILE (one line KEY:SECRET)\n"
    "      --db CONNINFO       PostgreSQL connection string or URI, without a\n"
    "                          password (PGPASSWORD, PGPASSFILE)\n"
    "      --copy-to STORAGE   copy the log into STORAGE (which holds none) and exit\n"
    "      --s3-timeout MS     per S3 request, retried 5 times on 5xx and timeouts\n"
    "                          with backoff (default 10000)\n"
    "  -k, --key LOGKEY        the log's Ed25519 private key (PKCS#8 PEM)\n"
    "  -o, --origin ORIGIN     the log's origin, also its key name\n"
    "      --init              create an empty log in DIR, print its verifier key\n"
    "  -l, --listen ADDR:PORT  where to listen (default 127.0.0.1:8080; port 0 picks\n"
    "                          a free port)\n"
    "      --port-file FILE    write the port listened on to FILE\n"
    "      --submitters FILE   PEM public keys; /add then needs a signature by one\n"
    "      --max-batch N       entries per commit (default 1024)\n"
    "      --max-wait MS       longest an entry waits for its batch to fill\n"
    "                          (default 500)\n"
    "      --max-pending N     queued entries before /add answers 503 (default 8192)\n"
    "      --max-body BYTES    largest /add body (default 65535)\n"
    "      --max-connections N concurrent connections (default 1024)\n"
    "      --max-connections-per-ip N\n"
    "                          of them from one address (default 256; 0: no limit)\n"
    "      --timeout SECONDS   longest a request may take (default 10)\n"
    "      --reindex           rebuild the lookup index from the tiles first\n"
    "      --witness 'VKEY URL'  a witness: its cosigner vkey and submission prefix\n"
    "      --witnesses FILE    the same, one per line\n"
    "      --quorum K          publish checkpoints cosigned by K witnesses (default:\n"
    "                          all)\n"
    "      --witness-timeout SECONDS  per request to a witness (default 5)\n"
    "      --witness-wait MS   how long /add waits for a cosigned checkpoint\n"
    "                          (default 3000)\n"
    "  -h, --help              show this help\n"
    "  -V, --version           show the version\n";

enum {
	OPT_INIT = 256, OPT_PORT_FILE, OPT_SUBMITTERS, OPT_MAX_BATCH, OPT_MAX_WAIT,
	OPT_MAX_PENDING, OPT_MAX_BODY, OPT_MAX_CONN, OPT_MAX_CONN_IP, OPT_TIMEOUT, OPT_REINDEX,
	OPT_WITNESS, OPT_WITNESSES, OPT_QUORUM, OPT_WITNESS_TIMEOUT, OPT_WITNESS_WAIT,
	OPT_STORAGE, OPT_ENDPOINT, OPT_DB, OPT_S3_CREDS, OPT_COPY_TO, OPT_S3_TIMEOUT
};

static const struct option longopts[] = {
	{ "dir", required_argument, NULL, 'd' },
	{ "key", required_argument, NULL, 'k' },
	{ "origin", required_argument, NULL, 'o' },
	{ "listen", required_argument, NULL, 'l' },
	{ "init", no_argument, NULL, OPT_INIT },
	{ "port-file", required_argument, NULL, OPT_PORT_FILE },
	{ "submitters", required_argument, NULL, OPT_SUBMITTERS },
	{ "max-batch", required_argument, NULL, OPT_MAX_BATCH },
	{ "max-wait", required_argument, NULL, OPT_MAX_WAIT },
	{ "max-pending", required_argument, NULL, OPT_MAX_PENDING },
	{ "max-body", required_argument, NULL, OPT_MAX_BODY },
	{ "max-connections", required_argument, NULL, OPT_MAX_CONN },
	{ "max-connections-per-ip", required_argument, NULL, OPT_MAX_CONN_IP },
	{ "timeout", required_argument, NULL, OPT_TIMEOUT },
	{ "reindex", no_argument, NULL, OPT_REINDEX },
	{ "witness", required_argument, NULL, OPT_WITNESS },
	{ "witnesses", required_argument, NULL, OPT_WITNESSES },
	{ "quorum", required_argument, NULL, OPT_QUORUM },
	{ "witness-timeout", required_argument, NULL, OPT_WITNESS_TIMEOUT },
	{ "witness-wait", required_argument, NULL, OPT_WITNESS_WAIT },
	{ "storage", required_argument, NULL, OPT_STORAGE },
	{ "endpoint", required_argument, NULL, OPT_ENDPOINT },
	{ "db", required_argument, NULL, OPT_DB },
	{ "s3-credentials", required_argument, NULL, OPT_S3_CREDS },
	{ "copy-to", required_argument, NULL, OPT_COPY_TO },
	{ "s3-timeout", required_argument, NULL, OPT_S3_TIMEOUT },
	{ "help", no_argument, NULL, 'h' },
	{ "version", no_argument, NULL, 'V' },
	{ NULL, 0, NULL, 0 }
};

struct logd {
	vouch_logd_opts o;
	const char *keyfile, *port_file;
	int init;
	vouch_key *key;
	vouch_logd *srv;
	vouch_note_verifier *witnesses[VOUCH_VKEY_LIST_MAX];
	char *witness_urls[VOUCH_VKEY_LIST_MAX];
	size_t nwitnesses;
	uint64_t quorum, s3_timeout;
	vouch_logstore_spec spec;     /* issue 20 */
	const char *creds_file, *copy_to;
	char *creds;
};

static void
log_line(void *arg, const char *msg)
{
	(void)arg;
	cli_warn("%s", msg);
}

/* --witness 'VKEY URL' or --witnesses FILE */
static void
add_witnesses(struct logd *d, int file, const char *arg)
{
	vouch_err err;

	vouch_err_clear(&err);
	if ((file ? vouch_witness_list_load(arg, d->witnesses, d->witness_urls,
	                                    VOUCH_VKEY_LIST_MAX, &d->nwitnesses, &err)
	          : vouch_witness_list_parse(arg, strlen(arg), d->witnesses, d->witness_urls,
	                                     VOUCH_VKEY_LIST_MAX, &d->nwitnesses, &err)) !=
	    VOUCH_OK)
		cli_fail_err(&err);
}

/* issue 20: --storage; posix:DIR is --dir DIR */
static void
set_storage(struct logd *d)
{
	vouch_logstore_loc loc;
	vouch_err err;

	vouch_err_clear(&err);
	if (d->o.dir != NULL)
		cli_usage_error("--dir and --storage exclude each other");
	if (vouch_logstore_loc_parse(d->spec.storage, &loc, &err) != VOUCH_OK)
		cli_fail_err(&err);
	if (loc.kind == VOUCH_LOGSTORE_POSIX && d->copy_to == NULL) {
		d->o.dir = loc.dir;
		return;
	}
	d->o.spec = &d->spec;
}

/* S3 credentials: --s3-credentials FILE (KEY:SECRET) or the environment */
static void
load_creds(struct logd *d)
{
	vouch_err err;
	vouch_buf b;
	char *colon;

	vouch_err_clear(&err);
	d->spec.region = getenv("AWS_REGION");
	if (d->creds_file == NULL) {
		d->spec.access_key = getenv("AWS_ACCESS_KEY_ID");
		d->spec.secret_key = getenv("AWS_SECRET_ACCESS_KEY");
		return;
	}
	vouch_buf_init(&b, 4096);
	if (vouch_read_file(d->creds_file, 4096, &b, &err) != VOUCH_OK)
		cli_fail_err(&err);
	d->creds = strdup(vouch_buf_cstr(&b));
	vouch_buf_free(&b);
	if (d->creds == NULL)
		cli_usage_error("out of memory");
	d->creds[strcspn(d->creds, "\r\n")] = '\0';
	if ((colon = strchr(d->creds, ':')) == NULL || colon == d->creds || colon[1] == '\0')
		cli_usage_error("'%s' does not hold one line KEY:SECRET", d->creds_file);
	*colon = '\0';
	d->spec.access_key = d->creds;
	d->spec.secret_key = colon + 1;
}

static void
parse_args(struct logd *d, int argc, char **argv)
{
	uint64_t *num = NULL, v;
	int c;

	while ((c = getopt_long(argc, argv, "d:k:o:l:hV", longopts, NULL)) != -1) {
		switch (c) {
		case 'd': d->o.dir = optarg; break;
		case 'k': d->keyfile = optarg; break;
		case 'o': d->o.origin = optarg; break;
		case 'l': d->o.listen = optarg; break;
		case OPT_INIT: d->init = 1; break;
		case OPT_REINDEX: d->o.reindex = 1; break;
		case OPT_PORT_FILE: d->port_file = optarg; break;
		case OPT_SUBMITTERS: d->o.submitters_file = optarg; break;
		case OPT_MAX_BATCH: num = &d->o.max_batch; break;
		case OPT_MAX_WAIT: num = &d->o.max_wait_ms; break;
		case OPT_MAX_PENDING: num = &d->o.max_pending; break;
		case OPT_MAX_BODY: num = &d->o.max_body; break;
		case OPT_MAX_CONN: num = &d->o.max_conn; break;
		case OPT_MAX_CONN_IP: num = &d->o.max_conn_per_ip; break;
		case OPT_TIMEOUT: num = &d->o.timeout_s; break;
		case OPT_WITNESS:
		case OPT_WITNESSES: add_witnesses(d, c == OPT_WITNESSES, optarg); break;
		case OPT_QUORUM: num = &d->quorum; break;
		case OPT_WITNESS_TIMEOUT: num = &d->o.witness_timeout_s; break;
		case OPT_WITNESS_WAIT: num = &d->o.witness_wait_ms; break;
		case OPT_STORAGE: d->spec.storage = optarg; break;
		case OPT_ENDPOINT: d->spec.endpoint = optarg; break;
		case OPT_DB: d->spec.db = optarg; break;
		case OPT_S3_CREDS: d->creds_file = optarg; break;
		case OPT_COPY_TO: d->copy_to = optarg; break;
		case OPT_S3_TIMEOUT: num = &d->s3_timeout; break;
		case 'h': cli_help();
		case 'V': cli_version();
		default: cli_bad_option();
		}
		if (num != NULL) {
			if (cli_parse_uint(optarg, 0, 100000000, &v) != 0 ||
			    (v == 0 && num != &d->o.max_wait_ms && num != &d->o.max_conn_per_ip &&
			     num != &d->o.witness_wait_ms))
				cli_usage_error("bad number '%s'", optarg);
			*num = v;
			num = NULL;
		}
	}
	if (optind != argc)
		cli_usage_error("unexpected argument '%s'", argv[optind]);
	if (d->spec.storage != NULL)
		set_storage(d);
	if ((d->o.dir == NULL && d->o.spec == NULL) || d->keyfile == NULL || d->o.origin == NULL)
		cli_usage_error("--dir, --key and --origin are required");
	if (d->o.max_batch > VOUCH_LOGSTORE_BATCH_MAX)
		cli_usage_error("--max-batch is at most %d", VOUCH_LOGSTORE_BATCH_MAX);
	if (d->o.max_body > VOUCH_ENTRY_MAX)
		cli_usage_error("--max-body is at most %d", VOUCH_ENTRY_MAX);
	if (d->quorum > d->nwitnesses)
		cli_usage_error("--quorum %llu needs at least that many witnesses",
		                (unsigned long long)d->quorum);
	d->spec.timeout_ms = (long)d->s3_timeout;
	d->o.witnesses = d->witnesses;
	d->o.witness_urls = (const char *const *)d->witness_urls;
	d->o.nwitnesses = d->nwitnesses;
	d->o.quorum = d->quorum > 0 ? (size_t)d->quorum : d->nwitnesses;
}

static int
do_init(struct logd *d, vouch_err *err)
{
	vouch_buf v;
	int rc;

	vouch_buf_init(&v, 0);
	if ((rc = d->o.spec != NULL
	              ? vouch_logstore_create_spec(d->o.spec, d->o.origin, d->key, err)
	              : vouch_logstore_create(d->o.dir, d->o.origin, d->key, err)) == VOUCH_OK &&
	    (rc = vouch_key_note_verifier(d->key, d->o.origin, &v, err)) == VOUCH_OK)
		printf("%s\n", vouch_buf_cstr(&v));
	vouch_buf_free(&v);
	return rc;
}

/* issue 20: --copy-to, the migration between storages */
static int
do_copy(struct logd *d, vouch_err *err)
{
	vouch_logstore_spec to = d->spec, from = d->spec;
	vouch_buf dir;
	int rc;

	vouch_buf_init(&dir, 0);
	if (d->o.spec == NULL) {
		vouch_buf_append_str(&dir, "posix:", NULL);
		vouch_buf_append_str(&dir, d->o.dir, NULL);
		from.storage = vouch_buf_cstr(&dir);
	}
	to.storage = d->copy_to;
	rc = vouch_logstore_copy(&from, &to, d->o.origin, d->key, vouch_logentry_indexer,
	                         vouch_logentry_keyer, err);
	vouch_buf_free(&dir);
	return rc;
}

/* issue 20: a standby waiting for the log holds nothing: SIGINT or
 * SIGTERM end it at once (cli_serve blocks them while the server starts) */
static void
standby_exit(int sig)
{
	(void)sig;
	_exit(0);
}

static int
l_start(void *arg, vouch_err *err)
{
	struct logd *d = arg;
	struct sigaction sa, old_int, old_term;
	sigset_t set;
	int rc;

	d->o.key = d->key;
	d->o.log = log_line;
	if (d->o.spec == NULL)
		return vouch_logd_new(&d->o, &d->srv, err);
	memset(&sa, 0, sizeof sa);
	sa.sa_handler = standby_exit;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, &old_int);
	sigaction(SIGTERM, &sa, &old_term);
	sigemptyset(&set);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGTERM);
	pthread_sigmask(SIG_UNBLOCK, &set, NULL);
	rc = vouch_logd_new(&d->o, &d->srv, err);
	pthread_sigmask(SIG_BLOCK, &set, NULL);
	sigaction(SIGINT, &old_int, NULL);
	sigaction(SIGTERM, &old_term, NULL);
	return rc;
}

static unsigned
l_port(void *arg)
{
	return vouch_logd_port(((struct logd *)arg)->srv);
}

static void
l_stop(void *arg)
{
	vouch_logd_stop(((struct logd *)arg)->srv);
}

static int
l_run(void *arg, vouch_err *err)
{
	return vouch_logd_run(((struct logd *)arg)->srv, err);
}

static int
serve(struct logd *d, vouch_err *err)
{
	struct cli_server s = { l_start, l_port, l_stop, l_run, d, d->port_file };

	return cli_serve(&s, err);
}

int
main(int argc, char **argv)
{
	struct logd d;
	vouch_err err;
	int rc;

	cli_init(argv, usage_text);
	memset(&d, 0, sizeof d);
	vouch_logd_opts_init(&d.o);
	parse_args(&d, argc, argv);
	load_creds(&d);
	vouch_err_clear(&err);
	rc = vouch_key_load_file(d.keyfile, NULL, 0, &d.key, &err);
	if (rc == VOUCH_OK)
		rc = d.init ? do_init(&d, &err) : d.copy_to != NULL ? do_copy(&d, &err)
		                                                    : serve(&d, &err);
	if (rc != VOUCH_OK)
		cli_warn_err(&err);
	vouch_logd_free(d.srv);
	vouch_key_free(d.key);
	free(d.creds);
	for (size_t i = 0; i < d.nwitnesses; i++) {
		vouch_note_verifier_free(d.witnesses[i]);
		free(d.witness_urls[i]);
	}
	return cli_finish(rc == VOUCH_OK ? 0 : 2);
}
