/* vouch-hash - hash files, directory trees and archive members into an
 * in-toto subject list or sha256sum-style lines.  The hashing run, with its
 * worker pool and output in a fixed order for every -j, is
 * vouch_hashrun() (lib/hash/hashrun.c); this file parses options and writes.
 */
#include "config.h"

#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "vouch/vouch.h"
#include "vouch/hashrun.h"

static const char usage_text[] =
    "usage: vouch-hash [-mt] [-a ALG]... [-d N] [-f json|sha256sum] [-j N] [-o FILE]\n"
    "                  [FILE|DIR|-]...\n"
    "  -a, --algorithm ALG  sha256 (default), sha384, sha512, sha512_256, sha3_256;\n"
    "                       repeat for several\n"
    "  -f, --format FMT     json (in-toto subject list, default) or sha256sum\n"
    "                       (lines for sha256sum/sha384sum/sha512sum -c; one algorithm)\n"
    "  -m, --members        also list every file inside archives as ARCHIVE!MEMBER\n"
    "  -d, --depth N        -m, opening archives inside archives N levels deep\n"
    "                       (default 1: members of the operands only; at most 4)\n"
    "  -t, --tree           list each DIR as one subject with its tree digest\n"
    "                       (vouchTree256, as vouch-unpack computes it)\n"
    "  -j, --jobs N         hash N files at a time (default: online CPUs)\n"
    "  -o, --output FILE    write the list to FILE atomically ('-' = stdout)\n"
    "  -h, --help           show this help\n"
    "  -V, --version        show the version\n";

struct hash_state {
	vouch_hashrun_opts o;
	const char *output;
};

/* Sinks for the library's hashing run. */
static int
put_output(void *ctx, const void *data, size_t len)
{
	(void)ctx;
	return fwrite(data, 1, len, stdout) != len;
}

static void
put_warning(void *ctx, const vouch_err *err)
{
	(void)ctx;
	cli_warn_err(err);
}

static int
to_file(const struct hash_state *st)
{
	return st->output != NULL && strcmp(st->output, "-") != 0;
}

/* Note skipped links, then write the rest of the output (all of it
 * atomically to -o FILE). */
static int
finish_output(struct hash_state *st, const vouch_hashrun_result *res, vouch_buf *out)
{
	vouch_err err;

	vouch_err_clear(&err);
	if (res->links_skipped > 0)
		cli_warn("note: %zu symbolic link%s not listed (the sha256sum format cannot record links)",
		    res->links_skipped, res->links_skipped == 1 ? "" : "s");
	if (to_file(st) && !res->out_failed) {
		if (vouch_write_file_atomic(st->output, out->data, out->len, 0644, &err) != VOUCH_OK) {
			cli_warn_err(&err);
			return CLI_EXIT_TROUBLE;
		}
	}
	if (!to_file(st) && out->len > 0 && put_output(st, out->data, out->len) != 0)
		return CLI_EXIT_TROUBLE;
	return res->errors > 0 || res->out_failed ? CLI_EXIT_TROUBLE : CLI_EXIT_OK;
}

static void
parse_options(struct hash_state *st, int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "algorithm", required_argument, NULL, 'a' },
		{ "format", required_argument, NULL, 'f' },
		{ "members", no_argument, NULL, 'm' },
		{ "depth", required_argument, NULL, 'd' },
		{ "tree", no_argument, NULL, 't' },
		{ "jobs", required_argument, NULL, 'j' },
		{ "output", required_argument, NULL, 'o' },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ NULL, 0, NULL, 0 }
	};
	uint64_t n;
	int c;

	while ((c = getopt_long(argc, argv, "a:d:f:mtj:o:hV", longopts, NULL)) != -1) {
		switch (c) {
		case 'a':
			if (vouch_alg_from_name(optarg) == 0)
				cli_usage_error("unknown or refused algorithm '%s'", optarg);
			st->o.algs |= vouch_alg_from_name(optarg);
			break;
		case 'f':
			if (strcmp(optarg, "json") != 0 && strcmp(optarg, "sha256sum") != 0)
				cli_usage_error("unknown format '%s' (json or sha256sum)", optarg);
			st->o.sums = strcmp(optarg, "sha256sum") == 0;
			break;
		case 'm': st->o.members = 1; break;
		case 'd':
			if (cli_parse_uint(optarg, 1, VOUCH_HASHRUN_MAX_DEPTH, &n) != 0)
				cli_usage_error("bad depth '%s' (1 to %d)", optarg, VOUCH_HASHRUN_MAX_DEPTH);
			st->o.depth = (unsigned)n;
			st->o.members = 1;
			break;
		case 't': st->o.tree = 1; break;
		case 'j':
			if (cli_parse_uint(optarg, 1, VOUCH_HASHRUN_MAX_JOBS, &n) != 0)
				cli_usage_error("bad job count '%s' (1 to %d)", optarg, VOUCH_HASHRUN_MAX_JOBS);
			st->o.jobs = (unsigned)n;
			break;
		case 'o': st->output = optarg; break;
		case 'h': cli_help();
		case 'V': cli_version();
		default: cli_bad_option();
		}
	}
	if (st->o.algs == 0)
		st->o.algs = VOUCH_ALG_SHA256;
	if (st->o.sums && st->o.algs != VOUCH_ALG_SHA256 && st->o.algs != VOUCH_ALG_SHA384 &&
	    st->o.algs != VOUCH_ALG_SHA512)
		cli_usage_error("--format sha256sum takes exactly one of sha256, sha384, sha512");
	if (st->o.sums && st->o.tree)
		cli_usage_error("--tree needs the json format (tree digests are not file digests)");
	if (optind >= argc)
		cli_usage_error("no input given (use '-' for standard input)");
}

int
main(int argc, char **argv)
{
	struct hash_state st;
	vouch_hashrun_result res;
	vouch_buf out;
	vouch_err err;
	int status;

	memset(&st, 0, sizeof(st));
	cli_init(argv, usage_text);
	st.o.depth = 1;
	parse_options(&st, argc, argv);
	st.o.write = to_file(&st) ? NULL : put_output;
	st.o.warn = put_warning;
	st.o.ctx = &st;
	vouch_err_clear(&err);
	if (vouch_hashrun(&st.o, (const char *const *)argv + optind, (size_t)(argc - optind), &out,
	                  &res, &err) != VOUCH_OK) {
		cli_warn_err(&err);
		status = CLI_EXIT_TROUBLE;
	} else {
		status = finish_output(&st, &res, &out);
	}
	vouch_buf_free(&out);
	return cli_finish(status);
}
