/* vouch-unpack - extract an untrusted source archive safely and name the
 * resulting tree by its digest. */
#include "config.h"

#include <getopt.h>
#include <locale.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "vouch/vouch.h"

static const char usage[] =
	"usage: vouch-unpack [options] ARCHIVE TARGET\n"
	"Extract ARCHIVE ('-' = stdin) into TARGET (absent or an empty directory),\n"
	"refusing anything unsafe, and print a JSON summary with the tree digest.\n"
	"  -a, --algorithm ALG          archive digest (sha256, sha384, sha512,\n"
	"                               sha512_256, sha3_256); repeatable\n"
	"      --max-total SIZE         file content written in total (default 4G)\n"
	"      --max-entries N          archive entries (default 1000000)\n"
	"      --max-entry-size SIZE    one file's content (default 2G)\n"
	"      --max-archive SIZE       archive size (default 8G)\n"
	"      --max-path N             bytes in a path (default 4096)\n"
	"      --max-depth N            components in a path (default 128)\n"
	"      --max-ratio N            content / archive bytes read, 0 = off\n"
	"                               (default 200)\n"
	"      --ratio-grace SIZE       check the ratio after this much (default 8M)\n"
	"      --portable               refuse case-only variants and backslashes\n"
	"      --allow-external-links   keep symlinks that point outside the tree\n"
	"  -q, --quiet                  print no JSON\n"
	"  -h, --help                   show this help\n"
	"  -V, --version                show the version\n";

enum {
	OPT_MAX_TOTAL = 256, OPT_MAX_ENTRIES, OPT_MAX_ENTRY_SIZE, OPT_MAX_ARCHIVE,
	OPT_MAX_PATH, OPT_MAX_DEPTH, OPT_MAX_RATIO, OPT_RATIO_GRACE, OPT_PORTABLE,
	OPT_EXTERNAL
};

static const struct option longopts[] = {
	{ "algorithm", required_argument, NULL, 'a' },
	{ "max-total", required_argument, NULL, OPT_MAX_TOTAL },
	{ "max-entries", required_argument, NULL, OPT_MAX_ENTRIES },
	{ "max-entry-size", required_argument, NULL, OPT_MAX_ENTRY_SIZE },
	{ "max-archive", required_argument, NULL, OPT_MAX_ARCHIVE },
	{ "max-path", required_argument, NULL, OPT_MAX_PATH },
	{ "max-depth", required_argument, NULL, OPT_MAX_DEPTH },
	{ "max-ratio", required_argument, NULL, OPT_MAX_RATIO },
	{ "ratio-grace", required_argument, NULL, OPT_RATIO_GRACE },
	{ "portable", no_argument, NULL, OPT_PORTABLE },
	{ "allow-external-links", no_argument, NULL, OPT_EXTERNAL },
	{ "quiet", no_argument, NULL, 'q' },
	{ "help", no_argument, NULL, 'h' },
	{ "version", no_argument, NULL, 'V' },
	{ NULL, 0, NULL, 0 }
};

struct state {
	vouch_unpack_opts opts;
	vouch_unpack_result res;
	vouch_buf out;
	const char *archive;
	int quiet;
};

/* SIGINT, SIGTERM, SIGHUP: the library stops and removes its temporary
 * tree; then the signal is raised again, so the caller sees it. */
static volatile sig_atomic_t caught;

static void
on_signal(int sig)
{
	caught = sig;
}

static void
catch_signals(void)
{
	static const int sigs[] = { SIGINT, SIGTERM, SIGHUP };
	struct sigaction sa, old;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;     /* no SA_RESTART: a blocked read returns */
	sigemptyset(&sa.sa_mask);
	for (size_t i = 0; i < sizeof(sigs) / sizeof(sigs[0]); i++)
		if (sigaction(sigs[i], NULL, &old) == 0 && old.sa_handler != SIG_IGN)
			(void)sigaction(sigs[i], &sa, NULL);
}

static void
reraise(void)
{
	if (caught == 0)
		return;
	(void)fflush(stderr);
	signal(caught, SIG_DFL);
	raise(caught);
}

/* Before the tree is placed: print the summary and make sure it got out;
 * if it did not, nothing is placed (exit 2 means the target is as it was). */
static int
commit(const vouch_unpack_result *r, void *ctx, vouch_err *err)
{
	struct state *st = ctx;
	int rc;

	if (st->quiet)
		return VOUCH_OK;
	rc = vouch_unpack_result_json(r, st->archive, &st->out, err);
	if (rc == VOUCH_OK && (fwrite(st->out.data, 1, st->out.len, stdout) != st->out.len ||
	    fflush(stdout) != 0 || ferror(stdout)))
		rc = vouch_err_sys(err, VOUCH_EIO, "error writing to standard output");
	return rc;
}

static uint64_t
size_arg(const char *s, const char *opt)
{
	uint64_t v;

	if (cli_parse_size(s, &v) != 0)
		cli_usage_error("%s: bad size '%s'", opt, s);
	return v;
}

static uint64_t
num_arg(const char *s, const char *opt, uint64_t min, uint64_t max)
{
	uint64_t v;

	if (cli_parse_uint(s, min, max, &v) != 0)
		cli_usage_error("%s: '%s' is not a number in [%llu, %llu]", opt, s,
		                (unsigned long long)min, (unsigned long long)max);
	return v;
}

static void
parse_limit(struct state *st, int c, const char *arg)
{
	vouch_unpack_opts *o = &st->opts;

	switch (c) {
	case OPT_MAX_TOTAL: o->max_total_bytes = size_arg(arg, "--max-total"); break;
	case OPT_MAX_ENTRIES:
		o->max_entries = num_arg(arg, "--max-entries", 1, UINT32_MAX - 2);
		break;
	case OPT_MAX_ENTRY_SIZE: o->max_entry_size = size_arg(arg, "--max-entry-size"); break;
	case OPT_MAX_ARCHIVE: o->max_archive_bytes = size_arg(arg, "--max-archive"); break;
	case OPT_MAX_PATH:
		o->max_path_len = (uint32_t)num_arg(arg, "--max-path", 1, 1u << 20);
		break;
	case OPT_MAX_DEPTH:
		o->max_depth = (uint32_t)num_arg(arg, "--max-depth", 1, 1024);
		break;
	case OPT_MAX_RATIO:
		o->max_ratio = (uint32_t)num_arg(arg, "--max-ratio", 0, UINT32_MAX);
		break;
	case OPT_RATIO_GRACE: o->ratio_grace = size_arg(arg, "--ratio-grace"); break;
	default: break;
	}
}

static void
parse_args(struct state *st, int argc, char **argv)
{
	unsigned algs = 0;
	int c;

	while ((c = getopt_long(argc, argv, "a:qhV", longopts, NULL)) != -1) {
		switch (c) {
		case 'a': {
			unsigned a = vouch_alg_from_name(optarg);

			if (a == 0)
				cli_usage_error("unknown algorithm '%s'", optarg);
			algs |= a;
			break;
		}
		case OPT_PORTABLE: st->opts.portable = 1; break;
		case OPT_EXTERNAL: st->opts.allow_external_links = 1; break;
		case 'q': st->quiet = 1; break;
		case 'h': cli_help();
		case 'V': cli_version();
		case '?': cli_bad_option();
		default: parse_limit(st, c, optarg); break;
		}
	}
	if (algs)
		st->opts.archive_algs = algs;
	if (argc - optind != 2)
		cli_usage_error("expected ARCHIVE and TARGET");
}

int
main(int argc, char **argv)
{
	struct state st;
	vouch_err err;
	int rc;

	memset(&st, 0, sizeof(st));
	vouch_err_clear(&err);
	cli_init(argv, usage);
	/* Names in zip and pax headers are UTF-8; let libarchive hand them over
	 * as such whatever the caller's locale. */
	if (setlocale(LC_CTYPE, "C.UTF-8") == NULL)
		(void)setlocale(LC_CTYPE, "");
	vouch_unpack_opts_default(&st.opts);
	parse_args(&st, argc, argv);
	vouch_buf_init(&st.out, 0);
	st.archive = argv[optind];
	st.opts.cancel = &caught;
	st.opts.commit = commit;
	st.opts.commit_ctx = &st;
	catch_signals();
	rc = vouch_unpack_file(argv[optind], argv[optind + 1], &st.opts, &st.res, &err);
	if (rc != VOUCH_OK)
		cli_warn_err(&err);
	reraise();
	vouch_buf_free(&st.out);
	vouch_unpack_result_free(&st.res);
	return cli_finish(vouch_exit_code(rc));
}
