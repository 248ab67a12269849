/* vouch-rebuild - rebuild a source release hermetically from a recipe and
 * print SLSA provenance for what was built. */
#include "config.h"

#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "vouch/vouch.h"

static const char usage_text[] =
	"usage: vouch-rebuild -r RECIPE [-s SOURCE] [-e ENV] -o OUTDIR [options]\n"
	"Run RECIPE's build steps in a namespace sandbox, copy the outputs to OUTDIR\n"
	"(with the build log as OUTDIR/build.log) and print an unsigned in-toto\n"
	"Statement with SLSA Provenance v1 on stdout.\n"
	"  -r, --recipe FILE        the build recipe (JSON)\n"
	"  -s, --source FILE        the source archive (default: the recipe's path)\n"
	"  -e, --environment PATH   rootfs tarball or directory (default: the recipe's)\n"
	"  -o, --outdir DIR         where outputs go; must be absent or empty\n"
	"  -b, --builder-id URI     runDetails.builder.id (default: vouch's)\n"
	"  -c, --cache DIR          rootfs cache (default: /var/cache/vouch for root,\n"
	"                           else $XDG_CACHE_HOME/vouch)\n"
	"      --verify-cache       recompute a cached rootfs's tree digest and refuse\n"
	"                           it if it no longer matches its stamp\n"
	"      --vary[=LIST]        build twice, the second time with the variations in\n"
	"                           LIST (default all; e.g. all,-kernel), compare, and\n"
	"                           bisect to the smallest set that changes the output;\n"
	"                           print a vouch vary statement instead of provenance\n"
	"      --clock-lib FILE     libfaketime for a recipe's fixed clock (default:\n"
	"                           $VOUCH_FAKETIME_LIB, else Debian's libfaketime)\n"
	"  -P, --progress           report steps on stderr even when it is not a terminal\n"
	"  -h, --help               show this help\n"
	"  -V, --version            show the version\n";

enum { OPT_VERIFY_CACHE = 256, OPT_VARY, OPT_CLOCK_LIB };

static const struct option longopts[] = {
	{ "recipe", required_argument, NULL, 'r' },
	{ "source", required_argument, NULL, 's' },
	{ "environment", required_argument, NULL, 'e' },
	{ "outdir", required_argument, NULL, 'o' },
	{ "builder-id", required_argument, NULL, 'b' },
	{ "cache", required_argument, NULL, 'c' },
	{ "progress", no_argument, NULL, 'P' },
	{ "verify-cache", no_argument, NULL, OPT_VERIFY_CACHE },
	{ "vary", optional_argument, NULL, OPT_VARY },
	{ "clock-lib", required_argument, NULL, OPT_CLOCK_LIB },
	{ "help", no_argument, NULL, 'h' },
	{ "version", no_argument, NULL, 'V' },
	{ NULL, 0, NULL, 0 }
};

static void
progress(void *arg, size_t step, size_t n, double elapsed)
{
	(void)arg;
	fprintf(stderr, "%s: step %zu/%zu (%.1f s)\n", cli_progname(), step + 1, n, elapsed);
}

static void print_tail(const char *tail);

static void
vary_progress(void *arg, size_t build, unsigned set, int differs)
{
	char l[256];

	(void)arg;
	if (differs < 0)
		fprintf(stderr, "%s: build %zu: varying %s\n", cli_progname(), build,
		    vouch_vary_list(set, l, sizeof(l)));
	else
		fprintf(stderr, "%s: build %zu: %s\n", cli_progname(), build,
		    set == 0 ? "done" : differs ? "the output differs" : "the same output");
}

/* --vary: two builds and bisection; the vary statement on stdout, the
 * finding on stderr. */
static int
run_vary(const vouch_recipe *r, const vouch_rebuild_opts *ro, const char *list, vouch_err *err)
{
	vouch_varyrun_opts vo;
	vouch_varyrun_result res;
	char l[256];
	int rc;

	memset(&vo, 0, sizeof(vo));
	vo.rebuild = *ro;
	if ((rc = vouch_vary_parse(list != NULL ? list : "all", &vo.set, err)) != VOUCH_OK) {
		cli_warn_err(err);
		return rc;
	}
	if (ro->progress != NULL) {
		vo.progress = vary_progress;
		vo.rebuild.progress = NULL;
	}
	rc = vouch_varyrun(r, &vo, &res, err);
	if (res.skipped != 0)
		fprintf(stderr, "%s: not varied here: %s\n", cli_progname(),
		    vouch_vary_list(res.skipped, l, sizeof(l)));
	if (res.statement != NULL) {
		fwrite(res.statement, 1, res.statement_len, stdout);
		fputc('\n', stdout);
	}
	if (res.summary != NULL)
		fprintf(stderr, "%s: %s\n", cli_progname(), res.summary);
	if (res.builds > 0 && (ro->progress != NULL || res.culprit != 0))
		fprintf(stderr, "%s: %zu builds, %.4f s building, %.4f s in all\n", cli_progname(),
		    res.builds, res.build_seconds, res.total_seconds);
	if (rc != VOUCH_OK && res.summary == NULL) {
		cli_warn_err(err);
		print_tail(res.tail);
	}
	vouch_varyrun_result_free(&res);
	return rc;
}

/* The last 20 lines of the log, each prefixed, on stderr. */
static void
print_tail(const char *tail)
{
	const char *end = tail + strlen(tail), *p = end, *nl;
	size_t lines = 0;

	if (p > tail && p[-1] == '\n')
		p--;
	while (p > tail && !(p[-1] == '\n' && ++lines == 20))
		p--;
	if (p == end)
		return;
	fprintf(stderr, "%s: end of the build log:\n", cli_progname());
	for (; p < end; p = nl + 1) {
		nl = p + strcspn(p, "\n");
		fputs("  | ", stderr);
		cli_put_safe(stderr, p, (size_t)(nl - p));
		fputc('\n', stderr);
		if (*nl == '\0')
			break;
	}
}

int
main(int argc, char **argv)
{
	vouch_rebuild_opts o;
	vouch_rebuild_result res;
	vouch_recipe *r = NULL;
	vouch_err err;
	const char *recipe = NULL;
	const char *vary_list = NULL;
	int c, force_progress = 0, vary = 0, rc;

	cli_init(argv, usage_text);
	memset(&o, 0, sizeof(o));
	memset(&res, 0, sizeof(res));
	vouch_err_clear(&err);
	while ((c = getopt_long(argc, argv, "r:s:e:o:b:c:PhV", longopts, NULL)) != -1) {
		switch (c) {
		case 'r': recipe = optarg; break;
		case 's': o.source = optarg; break;
		case 'e': o.environment = optarg; break;
		case 'o': o.outdir = optarg; break;
		case 'b': o.builder_id = optarg; break;
		case 'c': o.cache_dir = optarg; break;
		case 'P': force_progress = 1; break;
		case OPT_VERIFY_CACHE: o.verify_cache = 1; break;
		case OPT_VARY: vary = 1; vary_list = optarg; break;
		case OPT_CLOCK_LIB: o.clock_lib = optarg; break;
		case 'h': cli_help();
		case 'V': cli_version();
		default: cli_bad_option();
		}
	}
	if (optind != argc)
		cli_usage_error("unexpected argument '%s'", argv[optind]);
	if (recipe == NULL || o.outdir == NULL)
		cli_usage_error("-r RECIPE and -o OUTDIR are required");
	o.recipe_path = recipe;
	if (cli_progress_wanted(force_progress))
		o.progress = progress;
	if ((rc = vouch_recipe_load(recipe, &r, &err)) == VOUCH_OK && vary) {
		rc = run_vary(r, &o, vary_list, &err);
		vouch_recipe_free(r);
		return cli_finish(vouch_exit_code(rc));
	}
	if (rc == VOUCH_OK)
		rc = vouch_rebuild_run(r, &o, &res, &err);
	if (o.progress != NULL && res.elapsed > 0)
		fprintf(stderr, "%s: sandbox ran %.3f s (limits: %s)\n", cli_progname(),
		    res.elapsed, res.enforcement);
	if (rc == VOUCH_OK) {
		fwrite(res.statement, 1, res.statement_len, stdout);
		fputc('\n', stdout);
	} else {
		cli_warn_err(&err);
		if (rc == VOUCH_ENEGATIVE)
			print_tail(res.tail);
	}
	vouch_rebuild_result_free(&res);
	vouch_recipe_free(r);
	return cli_finish(vouch_exit_code(rc));
}
