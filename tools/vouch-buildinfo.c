/* vouch-buildinfo - read a Debian .buildinfo (checking its signature when
 * given a keyring) and print it as JSON, or check built files against its
 * Checksums-Sha256. */
#include "config.h"

#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "vouch/vouch.h"

static const char usage_text[] =
	"usage: vouch-buildinfo [-k KEYRING] [--check DIR] FILE.buildinfo\n"
	"       vouch-buildinfo [-k KEYRING] --recipe --rootfs DIR --rootfs-tree HEX\n"
	"                       [--clock WHICH] [--arch ARCH] FILE.buildinfo SOURCE-FILE...\n"
	"Parse a Debian .buildinfo strictly and print it as one JSON object\n"
	"(schemas/buildinfo.schema.json), or with --check compare the binary\n"
	"packages it lists with those in DIR.\n"
	"  -k, --keyring FILE   require a good OpenPGP signature by a key of FILE\n"
	"                       (checked with gpgv)\n"
	"  -c, --check DIR      print 'identical', 'differs' or 'missing' and the\n"
	"                       name for each .deb/.udeb/.ddeb listed; exit 1 unless\n"
	"                       all are identical\n"
	"      --deps           print the installed build dependencies, one\n"
	"                       'name[:arch]=version' a line (apt's form)\n"
	"      --source         print 'source=version' of the source package\n"
	"  -r, --recipe         print the vouch-rebuild recipe that rebuilds it from\n"
	"                       SOURCE-FILEs (one .dsc) in the root file system DIR\n"
	"      --rootfs DIR     the build environment (a directory)\n"
	"      --rootfs-tree HEX  its vouchTree256 digest\n"
	"      --clock WHICH    build-date (default), source-date-epoch or real\n"
	"      --arch ARCH      the architecture built for (default: Build-Architecture)\n"
	"  -h, --help           show this help\n"
	"  -V, --version        show the version\n";

enum { OPT_ROOTFS = 256, OPT_TREE, OPT_CLOCK, OPT_ARCH, OPT_DEPS, OPT_SOURCE };

static const struct option longopts[] = {
	{ "keyring", required_argument, NULL, 'k' },
	{ "recipe", no_argument, NULL, 'r' },
	{ "rootfs", required_argument, NULL, OPT_ROOTFS },
	{ "rootfs-tree", required_argument, NULL, OPT_TREE },
	{ "clock", required_argument, NULL, OPT_CLOCK },
	{ "arch", required_argument, NULL, OPT_ARCH },
	{ "deps", no_argument, NULL, OPT_DEPS },
	{ "source", no_argument, NULL, OPT_SOURCE },
	{ "check", required_argument, NULL, 'c' },
	{ "help", no_argument, NULL, 'h' },
	{ "version", no_argument, NULL, 'V' },
	{ NULL, 0, NULL, 0 }
};

static int
print_json(const vouch_buildinfo *b, vouch_err *err)
{
	cJSON *o = NULL;
	char *s;
	int rc;

	if ((rc = vouch_buildinfo_to_json(b, &o, err)) != VOUCH_OK)
		return rc;
	s = cJSON_PrintUnformatted(o);
	cJSON_Delete(o);
	if (s == NULL)
		return vouch_err_set(err, VOUCH_ENOMEM, "out of memory");
	printf("%s\n", s);
	free(s);
	return VOUCH_OK;
}

static int
print_check(const vouch_buildinfo *b, const char *dir, vouch_err *err)
{
	vouch_buildinfo_check *c = NULL;
	size_t n = 0;
	int rc, all = 1;

	if ((rc = vouch_buildinfo_check_dir(b, dir, &c, &n, err)) != VOUCH_OK)
		return rc;
	for (size_t i = 0; i < n; i++) {
		printf("%s %s\n", vouch_buildinfo_check_name(c[i].result), c[i].name);
		all &= c[i].result == VOUCH_BUILDINFO_IDENTICAL;
	}
	free(c);
	if (n == 0)
		return vouch_err_set(err, VOUCH_EINPUT, "the buildinfo lists no binary package");
	return all ? VOUCH_OK : VOUCH_ENEGATIVE;
}

static int
print_deps(const vouch_buildinfo *b)
{
	for (size_t i = 0; i < b->n_deps; i++)
		printf("%s%s%s=%s\n", b->deps[i].name, b->deps[i].arch != NULL ? ":" : "",
		    b->deps[i].arch != NULL ? b->deps[i].arch : "", b->deps[i].version);
	return VOUCH_OK;
}

static int
print_recipe(const vouch_buildinfo *b, vouch_buildinfo_recipe_opts *o, const char *tree,
             vouch_err *err)
{
	uint8_t t[32];
	char *json = NULL;
	int rc;

	if (o->rootfs == NULL || tree == NULL)
		cli_usage_error("--recipe needs --rootfs and --rootfs-tree");
	if (!vouch_is_lower_hex(tree, strlen(tree), 32) ||
	    vouch_hex_decode(tree, 64, t, 32, VOUCH_HEX_LOWER, NULL) != VOUCH_OK)
		return vouch_err_set(err, VOUCH_EUSAGE, "bad --rootfs-tree '%s' (64 lowercase hex "
		    "digits)", tree);
	o->rootfs_tree = t;
	if (o->host_arch == NULL)
		o->host_arch = b->build_architecture != NULL ? b->build_architecture : "amd64";
	if ((rc = vouch_buildinfo_recipe(b, o, &json, err)) != VOUCH_OK)
		return rc;
	printf("%s\n", json);
	free(json);
	return VOUCH_OK;
}

int
main(int argc, char **argv)
{
	vouch_buildinfo *b = NULL;
	vouch_buildinfo_recipe_opts ro;
	const char *keyring = NULL, *check = NULL, *tree = NULL;
	vouch_err err;
	int c, rc, recipe = 0, mode = 0;

	cli_init(argv, usage_text);
	vouch_err_clear(&err);
	memset(&ro, 0, sizeof(ro));
	while ((c = getopt_long(argc, argv, "k:c:rhV", longopts, NULL)) != -1) {
		switch (c) {
		case 'k': keyring = optarg; break;
		case 'c': check = optarg; break;
		case 'r': recipe = 1; break;
		case OPT_ROOTFS: ro.rootfs = optarg; break;
		case OPT_TREE: tree = optarg; break;
		case OPT_ARCH: ro.host_arch = optarg; break;
		case OPT_DEPS: mode = OPT_DEPS; break;
		case OPT_SOURCE: mode = OPT_SOURCE; break;
		case OPT_CLOCK:
			if (strcmp(optarg, "build-date") == 0)
				ro.clock = VOUCH_BUILDINFO_CLOCK_BUILD_DATE;
			else if (strcmp(optarg, "source-date-epoch") == 0)
				ro.clock = VOUCH_BUILDINFO_CLOCK_SDE;
			else if (strcmp(optarg, "real") == 0)
				ro.clock = VOUCH_BUILDINFO_CLOCK_REAL;
			else
				cli_usage_error("unknown clock '%s'", optarg);
			break;
		case 'h': cli_help();
		case 'V': cli_version();
		default: cli_bad_option();
		}
	}
	if (recipe + (check != NULL) + (mode != 0) > 1)
		cli_usage_error("--recipe, --check, --deps and --source exclude each other");
	if (recipe ? optind + 2 > argc : optind + 1 != argc)
		cli_usage_error(recipe ? "a .buildinfo file and the source files are required"
		    : "one .buildinfo file is required");
	ro.files = (const char *const *)argv + optind + 1;
	ro.n_files = (size_t)(argc - optind - 1);
	rc = vouch_buildinfo_load(argv[optind], &b, &err);
	if (rc == VOUCH_OK && keyring != NULL) {
		if (!b->clearsigned)
			rc = vouch_err_set(&err, VOUCH_EINPUT, "'%s' is not signed", argv[optind]);
		else
			rc = vouch_buildinfo_verify(argv[optind], keyring, &err);
	}
	if (rc == VOUCH_OK)
		rc = recipe ? print_recipe(b, &ro, tree, &err) : check != NULL ?
		    print_check(b, check, &err) : mode == OPT_DEPS ? print_deps(b) :
		    mode == OPT_SOURCE ? (printf("%s=%s\n", b->source, b->source_version != NULL ?
		    b->source_version : b->version), VOUCH_OK) : print_json(b, &err);
	if (rc != VOUCH_OK && rc != VOUCH_ENEGATIVE)
		cli_warn_err(&err);
	vouch_buildinfo_free(b);
	return cli_finish(vouch_exit_code(rc));
}
