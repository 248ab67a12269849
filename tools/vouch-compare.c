/* vouch-compare - compare a rebuilt artifact with the shipped one. */
#include "config.h"

#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "vouch/vouch.h"

static const char usage_text[] =
	"usage: vouch-compare [options] A B\n"
	"Compare A (rebuilt) with B (shipped): files, directories or archives.\n"
	"  --json              print the JSON report (every difference) instead of the summary\n"
	"  -v, --verbose       the summary also lists excused differences and every\n"
	"                      metadata-only one\n"
	"  --html FILE         also write a self-contained HTML report to FILE (- stdout),\n"
	"                      with objdump disassembly of changed functions if installed\n"
	"  --statement         print an unsigned in-toto Statement (SLSA VSA) instead\n"
	"  --provenance FILE   link the statement to this provenance (inputAttestations)\n"
	"  --provenance-uri U  the URI recorded for --provenance (default file:NAME)\n"
	"  --report FILE       also write the JSON report to FILE\n"
	"  --normalize LIST    excuse: mtime,order,owner,mode,gzip-header,compression,\n"
	"                      build-id,debug-link, or all (default: strict, bit for bit)\n"
	"  --max-depth N       nesting of directories and archives (default 16)\n"
	"  --max-members N     archive members and entries in total (default 1000000)\n"
	"  --max-size SIZE     decompressed bytes in total (default 16G)\n"
	"  --max-diff SIZE     diff text kept per difference (default 64K)\n"
	"  --max-text SIZE     larger files are not diffed as text (default 16M)\n"
	"  -q, --quiet         print nothing; the exit status says it\n"
	"  -h, --help          show this help\n"
	"  -V, --version       show the version\n"
	"Exit status: 0 identical or equivalent, 1 different, 2 trouble.\n";

struct state {
	struct vouch_compare_opts opts;
	int json, statement, quiet, verbose;
	const char *html, *report, *provenance, *provenance_uri;
	vouch_compare_report *r;
	vouch_buf out, rep;
};

static void
parse_args(struct state *s, int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "json", no_argument, NULL, 'j' }, { "html", required_argument, NULL, 'H' },
		{ "statement", no_argument, NULL, 's' },
		{ "provenance", required_argument, NULL, 'p' },
		{ "provenance-uri", required_argument, NULL, 'u' },
		{ "report", required_argument, NULL, 'r' },
		{ "normalize", required_argument, NULL, 'n' },
		{ "max-depth", required_argument, NULL, 'D' },
		{ "max-members", required_argument, NULL, 'M' },
		{ "max-size", required_argument, NULL, 'S' },
		{ "max-diff", required_argument, NULL, 'F' },
		{ "max-text", required_argument, NULL, 'T' },
		{ "quiet", no_argument, NULL, 'q' }, { "help", no_argument, NULL, 'h' },
		{ "verbose", no_argument, NULL, 'v' },
		{ "version", no_argument, NULL, 'V' }, { NULL, 0, NULL, 0 }
	};
	uint64_t v;
	vouch_err err;
	int c;

	while ((c = getopt_long(argc, argv, "qvhV", longopts, NULL)) != -1) {
		switch (c) {
		case 'j': s->json = 1; break;
		case 'H': s->html = optarg; break;
		case 's': s->statement = 1; break;
		case 'p': s->provenance = optarg; break;
		case 'u': s->provenance_uri = optarg; break;
		case 'r': s->report = optarg; break;
		case 'q': s->quiet = 1; break;
		case 'v': s->verbose = 1; break;
		case 'h': cli_help();
		case 'V': cli_version();
		case 'n':
			vouch_err_clear(&err);
			if (vouch_normalize_parse(optarg, &s->opts.normalize, &err) != VOUCH_OK)
				cli_usage_error("%s", vouch_err_msg(&err));
			break;
		case 'D':
			if (cli_parse_uint(optarg, 1, 1000, &v) != 0)
				cli_usage_error("bad --max-depth '%s'", optarg);
			s->opts.max_depth = (unsigned)v;
			break;
		case 'M':
			if (cli_parse_uint(optarg, 1, UINT64_MAX, &s->opts.max_members) != 0)
				cli_usage_error("bad --max-members '%s'", optarg);
			break;
		case 'S':
			if (cli_parse_size(optarg, &s->opts.max_size) != 0 || s->opts.max_size == 0)
				cli_usage_error("bad --max-size '%s'", optarg);
			break;
		case 'F':
		case 'T':
			if (cli_parse_size(optarg, &v) != 0 || v < 64 || v > ((uint64_t)1 << 30))
				cli_usage_error("bad --max-%s '%s'", c == 'F' ? "diff" : "text", optarg);
			*(c == 'F' ? &s->opts.max_diff : &s->opts.max_text) = (size_t)v;
			break;
		default: cli_bad_option();
		}
	}
	if (argc - optind != 2)
		cli_usage_error("expected two operands, A and B");
	if (s->json + s->statement + (s->html && strcmp(s->html, "-") == 0) > 1)
		cli_usage_error("only one of --json, --statement and --html - can write stdout");
	if (s->provenance && !s->statement)
		cli_usage_error("--provenance needs --statement");
	s->opts.disassemble = s->html != NULL;
}

static int
write_outputs(struct state *s, vouch_err *err)
{
	int rc = vouch_compare_report_json(s->r, &s->rep, err);

	if (rc == VOUCH_OK && s->report)
		rc = vouch_write_file_atomic(s->report, s->rep.data, s->rep.len, 0644, err);
	if (rc == VOUCH_OK && s->html && strcmp(s->html, "-") != 0) {
		vouch_buf h;

		vouch_buf_init(&h, (size_t)1 << 30);
		rc = vouch_compare_report_html(s->r, &h, err);
		if (rc == VOUCH_OK)
			rc = vouch_write_file_atomic(s->html, h.data, h.len, 0644, err);
		vouch_buf_free(&h);
	}
	if (rc != VOUCH_OK || s->quiet)
		return rc;
	if (s->html && strcmp(s->html, "-") == 0)
		rc = vouch_compare_report_html(s->r, &s->out, err);
	else if (s->statement)
		rc = vouch_compare_statement(s->r, &s->rep, s->provenance, s->provenance_uri, &s->out,
		                             err);
	else if (s->json)
		rc = vouch_buf_append(&s->out, s->rep.data, s->rep.len, err);
	else
		rc = vouch_compare_report_text_ex(s->r, s->verbose ? VOUCH_CMP_TEXT_VERBOSE : 0, &s->out,
		                                  err);
	if (rc == VOUCH_OK && s->out.len > 0 && fwrite(s->out.data, 1, s->out.len, stdout) != s->out.len)
		rc = vouch_err_sys(err, VOUCH_EIO, "writing standard output");
	return rc;
}

int
main(int argc, char **argv)
{
	struct state s;
	vouch_err err;
	int rc;

	memset(&s, 0, sizeof(s));
	cli_init(argv, usage_text);
	vouch_compare_opts_init(&s.opts);
	vouch_buf_init(&s.out, (size_t)1 << 30);
	vouch_buf_init(&s.rep, (size_t)1 << 30);
	parse_args(&s, argc, argv);
	vouch_err_clear(&err);
	rc = vouch_compare(argv[optind], argv[optind + 1], &s.opts, &s.r, &err);
	if (rc == VOUCH_OK)
		rc = write_outputs(&s, &err);
	if (rc != VOUCH_OK) {
		cli_warn_err(&err);
		rc = CLI_EXIT_TROUBLE;
	} else {
		rc = vouch_exit_code(vouch_compare_report_status(s.r));
	}
	vouch_compare_report_free(s.r);
	vouch_buf_free(&s.out);
	vouch_buf_free(&s.rep);
	return cli_finish(rc);
}
