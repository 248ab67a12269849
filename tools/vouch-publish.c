/* vouch-publish - publish a campaign summary: a static HTML status site
 * (vouch_statuspage_write, lib/campaign/statuspage.c) and the static
 * rebuilder tree apt-transport-in-toto reads (vouch_apt_intoto_write,
 * lib/campaign/intoto_link.c).  This file parses options and reports.
 */
#include "config.h"

#include <fcntl.h>
#include <getopt.h>
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "vouch/campsummary.h"
#include "vouch/intoto.h"
#include "vouch/key.h"
#include "vouch/statuspage.h"

static const char usage_text[] =
    "usage: vouch-publish [-q] [--html DIR] [--apt-intoto DIR --key KEY] SUMMARY.json\n"
    "      --html DIR             write the status site into DIR (new or empty)\n"
    "      --apt-intoto DIR       write sources/NAME/VERSION/metadata in-toto links\n"
    "                             for apt-transport-in-toto into DIR (new or empty)\n"
    "  -k, --key KEY              the lab's Ed25519 private key (PEM) for --apt-intoto\n"
    "      --passphrase-file FILE the key's passphrase, when it is encrypted\n"
    "      --step NAME            the links' step name (default: rebuild)\n"
    "  -q, --quiet                no summary line on stderr\n"
    "  -h, --help                 show this help\n"
    "  -V, --version              show the version\n";

struct publish_state {
	const char *html, *apt, *key_path, *pass_file, *step, *summary;
	int quiet;
	vouch_campsum *sum;
	vouch_key *key;
	vouch_buf pass;
	int srcdir;
};

enum { OPT_HTML = 256, OPT_APT, OPT_PASS_FILE, OPT_STEP };

static void
parse_options(struct publish_state *st, int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "html", required_argument, NULL, OPT_HTML },
		{ "apt-intoto", required_argument, NULL, OPT_APT },
		{ "key", required_argument, NULL, 'k' },
		{ "passphrase-file", required_argument, NULL, OPT_PASS_FILE },
		{ "step", required_argument, NULL, OPT_STEP },
		{ "quiet", no_argument, NULL, 'q' },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ NULL, 0, NULL, 0 }
	};
	int c;

	while ((c = getopt_long(argc, argv, "k:qhV", longopts, NULL)) != -1) {
		switch (c) {
		case OPT_HTML: st->html = optarg; break;
		case OPT_APT: st->apt = optarg; break;
		case 'k': st->key_path = optarg; break;
		case OPT_PASS_FILE: st->pass_file = optarg; break;
		case OPT_STEP: st->step = optarg; break;
		case 'q': st->quiet = 1; break;
		case 'h': cli_help();
		case 'V': cli_version();
		default: cli_bad_option();
		}
	}
	if (st->html == NULL && st->apt == NULL)
		cli_usage_error("nothing to do: give --html DIR, --apt-intoto DIR or both");
	if (st->apt != NULL && st->key_path == NULL)
		cli_usage_error("--apt-intoto needs the lab's key (--key)");
	if (st->apt == NULL && (st->key_path != NULL || st->step != NULL))
		cli_usage_error("--key and --step are for --apt-intoto");
	if (optind + 1 != argc)
		cli_usage_error("give exactly one summary file");
	st->summary = argv[optind];
	if (strcmp(st->summary, "-") == 0 && st->pass_file != NULL && strcmp(st->pass_file, "-") == 0)
		cli_usage_error("the summary and the passphrase cannot both come from stdin");
}

/* The summary and the directory its relative paths start from. */
static int
load(struct publish_state *st, vouch_err *err)
{
	char *copy;
	int rc;

	if ((rc = vouch_campsum_load(st->summary, &st->sum, err)) != VOUCH_OK)
		return rc;
	if ((copy = strdup(strcmp(st->summary, "-") == 0 ? "./-" : st->summary)) == NULL)
		return vouch_err_set(err, VOUCH_ENOMEM, "out of memory");
	st->srcdir = open(dirname(copy), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	free(copy);
	if (st->srcdir < 0)
		return vouch_err_sys(err, VOUCH_EIO, "cannot open the directory of '%s'", st->summary);
	if (st->key_path == NULL)
		return VOUCH_OK;
	if (st->pass_file != NULL &&
	    (rc = vouch_key_passphrase_file(st->pass_file, &st->pass, err)) != VOUCH_OK)
		return rc;
	rc = vouch_key_load_file(st->key_path, st->pass_file != NULL ? vouch_buf_cstr(&st->pass) : NULL,
	    st->pass.len, &st->key, err);
	if (rc != VOUCH_OK)
		vouch_err_prefix(err, "key '%s'", st->key_path);
	return rc;
}

static int
run(struct publish_state *st, vouch_err *err)
{
	size_t written, skipped;
	int rc;

	if ((rc = load(st, err)) != VOUCH_OK)
		return rc;
	if (st->html != NULL) {
		if ((rc = vouch_statuspage_write(st->sum, st->srcdir, st->html, err)) != VOUCH_OK)
			return rc;
		if (!st->quiet)
			cli_warn("'%s': status site of %zu items", st->html, st->sum->n_items);
	}
	if (st->apt != NULL) {
		if ((rc = vouch_apt_intoto_write(st->sum, st->key, st->step, st->apt, &written,
		    &skipped, err)) != VOUCH_OK)
			return rc;
		if (!st->quiet)
			cli_warn("'%s': %zu in-toto link%s for apt (%zu reproduced item%s without a .deb)",
			    st->apt, written, written == 1 ? "" : "s", skipped, skipped == 1 ? "" : "s");
	}
	return VOUCH_OK;
}

int
main(int argc, char **argv)
{
	struct publish_state st;
	vouch_err err;
	int rc;

	memset(&st, 0, sizeof(st));
	st.srcdir = -1;
	cli_init(argv, usage_text);
	parse_options(&st, argc, argv);
	vouch_err_clear(&err);
	rc = run(&st, &err);
	if (rc != VOUCH_OK)
		cli_warn_err(&err);
	if (st.srcdir >= 0)
		close(st.srcdir);
	vouch_key_free(st.key);
	vouch_buf_free_secret(&st.pass);
	vouch_campsum_free(st.sum);
	return cli_finish(rc == VOUCH_OK ? CLI_EXIT_OK : CLI_EXIT_TROUBLE);
}
