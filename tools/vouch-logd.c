/* vouch-logd - the vouch transparency-log server: option parsing, --init
 * and signal handling around the server in libvouch (vouch/logd.h).
 */
#include "config.h"

#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "vouch/vouch.h"

static const char usage_text[] =
    "usage: vouch-logd --dir DIR --key LOGKEY --origin ORIGIN --init\n"
    "       vouch-logd --dir DIR --key LOGKEY --origin ORIGIN [--listen ADDR:PORT]\n"
    "                  [--submitters FILE] [--max-batch N] [--max-wait MS]\n"
    "                  [--max-pending N] [--max-body BYTES] [--max-connections N]\n"
    "                  [--max-connections-per-ip N] [--timeout SECONDS]\n"
    "                  [--port-file FILE] [--reindex]\n"
    "  -d, --dir DIR           the log directory (checkpoint, tile/)\n"
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
    "  -h, --help              show this help\n"
    "  -V, --version           show the version\n";

enum {
	OPT_INIT = 256, OPT_PORT_FILE, OPT_SUBMITTERS, OPT_MAX_BATCH, OPT_MAX_WAIT,
	OPT_MAX_PENDING, OPT_MAX_BODY, OPT_MAX_CONN, OPT_MAX_CONN_IP, OPT_TIMEOUT, OPT_REINDEX
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
};

static vouch_logd *stop_srv; /* for the signal handler */

static void
on_signal(int sig)
{
	(void)sig;
	vouch_logd_stop(stop_srv);
}

static void
log_line(void *arg, const char *msg)
{
	(void)arg;
	fprintf(stderr, "%s: %s\n", cli_progname(), msg);
}

static void
parse_args(struct logd *d, int argc, char **argv)
{
	uint64_t *num = NULL, v;
	int c;

	opterr = 0;
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
		case 'h': cli_help();
		case 'V': cli_version();
		default: cli_usage_error("unknown option '%s'", argv[optind - 1]);
		}
		if (num != NULL) {
			if (cli_parse_uint(optarg, 0, 100000000, &v) != 0 ||
			    (v == 0 && num != &d->o.max_wait_ms && num != &d->o.max_conn_per_ip))
				cli_usage_error("bad number '%s'", optarg);
			*num = v;
			num = NULL;
		}
	}
	if (optind != argc)
		cli_usage_error("unexpected argument '%s'", argv[optind]);
	if (d->o.dir == NULL || d->keyfile == NULL || d->o.origin == NULL)
		cli_usage_error("--dir, --key and --origin are required");
	if (d->o.max_batch > VOUCH_LOGSTORE_BATCH_MAX)
		cli_usage_error("--max-batch is at most %d", VOUCH_LOGSTORE_BATCH_MAX);
	if (d->o.max_body > VOUCH_ENTRY_MAX)
		cli_usage_error("--max-body is at most %d", VOUCH_ENTRY_MAX);
}

static int
do_init(struct logd *d, vouch_err *err)
{
	vouch_buf v;
	int rc;

	vouch_buf_init(&v, 0);
	if ((rc = vouch_logstore_create(d->o.dir, d->o.origin, d->key, err)) == VOUCH_OK &&
	    (rc = vouch_key_note_verifier(d->key, d->o.origin, &v, err)) == VOUCH_OK)
		printf("%s\n", vouch_buf_cstr(&v));
	vouch_buf_free(&v);
	return rc;
}

static int
write_port(struct logd *d, vouch_err *err)
{
	char text[16];
	unsigned port;
	int n;

	if (d->port_file == NULL)
		return VOUCH_OK;
	if ((port = vouch_logd_port(d->srv)) == 0)
		return vouch_err_set(err, VOUCH_EIO, "cannot tell the port listened on");
	n = snprintf(text, sizeof text, "%u\n", port);
	return vouch_write_file_atomic(d->port_file, text, (size_t)n, 0644, err);
}

/* Serve until SIGINT or SIGTERM.  The server's threads start with those
 * signals blocked, so only this thread runs the handler. */
static int
serve(struct logd *d, vouch_err *err)
{
	struct sigaction sa;
	sigset_t set;
	int rc;

	sigemptyset(&set);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGTERM);
	pthread_sigmask(SIG_BLOCK, &set, NULL);
	signal(SIGPIPE, SIG_IGN);
	d->o.key = d->key;
	d->o.log = log_line;
	if ((rc = vouch_logd_new(&d->o, &d->srv, err)) != VOUCH_OK ||
	    (rc = write_port(d, err)) != VOUCH_OK)
		return rc;
	stop_srv = d->srv;
	memset(&sa, 0, sizeof sa);
	sa.sa_handler = on_signal;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	pthread_sigmask(SIG_UNBLOCK, &set, NULL);
	return vouch_logd_run(d->srv, err);
}

int
main(int argc, char **argv)
{
	struct logd d;
	vouch_err err;
	int rc;

	cli_init(argv[0], usage_text);
	memset(&d, 0, sizeof d);
	vouch_logd_opts_init(&d.o);
	parse_args(&d, argc, argv);
	vouch_err_clear(&err);
	rc = vouch_key_load_file(d.keyfile, NULL, 0, &d.key, &err);
	if (rc == VOUCH_OK)
		rc = d.init ? do_init(&d, &err) : serve(&d, &err);
	if (rc != VOUCH_OK)
		cli_warn_err(&err);
	vouch_logd_free(d.srv);
	vouch_key_free(d.key);
	return cli_finish(rc == VOUCH_OK ? 0 : 2);
}
