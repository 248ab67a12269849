/* vouch-witness - a C2SP tlog-witness server: option parsing and signal
 * handling around the witness in libvouch (vouch/witness.h). */
#include "config.h"

#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "vouch/vouch.h"
#include "vouch/witness.h"

static const char usage_text[] =
    "usage: vouch-witness --state DIR --key KEY --name NAME\n"
    "                     (--log VKEY | --logs FILE)... [--listen ADDR:PORT]\n"
    "                     [--port-file FILE] [--max-connections N]\n"
    "                     [--max-connections-per-ip N] [--timeout SECONDS]\n"
    "  -s, --state DIR         where the latest cosigned checkpoint of each log is kept\n"
    "  -k, --key KEY           the witness's Ed25519 private key (PKCS#8 PEM)\n"
    "  -n, --name NAME         the witness's cosigner name\n"
    "      --log VKEY          a log to witness: its verifier key (name = origin)\n"
    "      --logs FILE         the same, one per line\n"
    "  -l, --listen ADDR:PORT  where to listen (default 127.0.0.1:8081; port 0 picks\n"
    "                          a free port)\n"
    "      --port-file FILE    write the port listened on to FILE\n"
    "      --max-connections N concurrent connections (default 256)\n"
    "      --max-connections-per-ip N\n"
    "                          of them from one address (default 64; 0: no limit)\n"
    "      --timeout SECONDS   longest a request may take (default 10)\n"
    "  -h, --help              show this help\n"
    "  -V, --version           show the version\n";

enum { OPT_LOG = 256, OPT_LOGS, OPT_PORT_FILE, OPT_MAX_CONN, OPT_MAX_CONN_IP, OPT_TIMEOUT };

static const struct option longopts[] = {
	{ "state", required_argument, NULL, 's' },
	{ "key", required_argument, NULL, 'k' },
	{ "name", required_argument, NULL, 'n' },
	{ "log", required_argument, NULL, OPT_LOG },
	{ "logs", required_argument, NULL, OPT_LOGS },
	{ "listen", required_argument, NULL, 'l' },
	{ "port-file", required_argument, NULL, OPT_PORT_FILE },
	{ "max-connections", required_argument, NULL, OPT_MAX_CONN },
	{ "max-connections-per-ip", required_argument, NULL, OPT_MAX_CONN_IP },
	{ "timeout", required_argument, NULL, OPT_TIMEOUT },
	{ "help", no_argument, NULL, 'h' },
	{ "version", no_argument, NULL, 'V' },
	{ NULL, 0, NULL, 0 }
};

struct witness {
	vouch_witness_opts o;
	const char *keyfile, *port_file;
	const char *log_args[VOUCH_WITNESS_LOGS_MAX], *logs_files[16];
	size_t nlog_args, nlogs_files;
	vouch_note_verifier *logs[VOUCH_WITNESS_LOGS_MAX];
	size_t nlogs;
	vouch_key *key;
	vouch_witness *srv;
};

static void
log_line(void *arg, const char *msg)
{
	(void)arg;
	cli_warn("%s", msg);
}

static void
parse_args(struct witness *w, int argc, char **argv)
{
	uint64_t *num = NULL, v;
	int c;

	while ((c = getopt_long(argc, argv, "s:k:n:l:hV", longopts, NULL)) != -1) {
		switch (c) {
		case 's': w->o.state_dir = optarg; break;
		case 'k': w->keyfile = optarg; break;
		case 'n': w->o.name = optarg; break;
		case 'l': w->o.listen = optarg; break;
		case OPT_LOG:
			if (w->nlog_args == VOUCH_WITNESS_LOGS_MAX)
				cli_usage_error("too many --log options");
			w->log_args[w->nlog_args++] = optarg;
			break;
		case OPT_LOGS:
			if (w->nlogs_files == 16)
				cli_usage_error("too many --logs options");
			w->logs_files[w->nlogs_files++] = optarg;
			break;
		case OPT_PORT_FILE: w->port_file = optarg; break;
		case OPT_MAX_CONN: num = &w->o.max_conn; break;
		case OPT_MAX_CONN_IP: num = &w->o.max_conn_per_ip; break;
		case OPT_TIMEOUT: num = &w->o.timeout_s; break;
		case 'h': cli_help();
		case 'V': cli_version();
		default: cli_bad_option();
		}
		if (num != NULL) {
			if (cli_parse_uint(optarg, num == &w->o.max_conn_per_ip ? 0 : 1, 100000, &v) != 0)
				cli_usage_error("bad number '%s'", optarg);
			*num = v;
			num = NULL;
		}
	}
	if (optind != argc)
		cli_usage_error("unexpected argument '%s'", argv[optind]);
	if (w->o.state_dir == NULL || w->keyfile == NULL || w->o.name == NULL)
		cli_usage_error("--state, --key and --name are required");
	if (w->nlog_args + w->nlogs_files == 0)
		cli_usage_error("give the logs to witness with --log or --logs");
}

static int
load_logs(struct witness *w, vouch_err *err)
{
	size_t i;
	int rc = VOUCH_OK;

	for (i = 0; i < w->nlog_args && rc == VOUCH_OK; i++)
		rc = vouch_vkey_list_parse(w->log_args[i], strlen(w->log_args[i]), VOUCH_VKEY_ED25519,
		                           w->logs, VOUCH_WITNESS_LOGS_MAX, &w->nlogs, err);
	for (i = 0; i < w->nlogs_files && rc == VOUCH_OK; i++)
		rc = vouch_vkey_list_load(w->logs_files[i], VOUCH_VKEY_ED25519, w->logs,
		                          VOUCH_WITNESS_LOGS_MAX, &w->nlogs, err);
	w->o.logs = w->logs;
	w->o.nlogs = w->nlogs;
	return rc;
}

static int
w_start(void *arg, vouch_err *err)
{
	struct witness *w = arg;

	w->o.key = w->key;
	w->o.log = log_line;
	return vouch_witness_new(&w->o, &w->srv, err);
}

static unsigned
w_port(void *arg)
{
	return vouch_witness_port(((struct witness *)arg)->srv);
}

static void
w_stop(void *arg)
{
	vouch_witness_stop(((struct witness *)arg)->srv);
}

static int
w_run(void *arg, vouch_err *err)
{
	return vouch_witness_run(((struct witness *)arg)->srv, err);
}

int
main(int argc, char **argv)
{
	struct witness w;
	vouch_err err;
	size_t i;
	int rc;

	cli_init(argv, usage_text);
	memset(&w, 0, sizeof w);
	vouch_witness_opts_init(&w.o);
	w.o.listen = "127.0.0.1:8081";
	parse_args(&w, argc, argv);
	vouch_err_clear(&err);
	rc = vouch_key_load_file(w.keyfile, NULL, 0, &w.key, &err);
	if (rc == VOUCH_OK)
		rc = load_logs(&w, &err);
	if (rc == VOUCH_OK) {
		struct cli_server s = { w_start, w_port, w_stop, w_run, &w, w.port_file };

		rc = cli_serve(&s, &err);
	}
	if (rc != VOUCH_OK)
		cli_warn_err(&err);
	vouch_witness_free(w.srv);
	for (i = 0; i < w.nlogs; i++)
		vouch_note_verifier_free(w.logs[i]);
	vouch_key_free(w.key);
	return cli_finish(rc == VOUCH_OK ? 0 : 2);
}
