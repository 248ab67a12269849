/* vouch-keygen - make an Ed25519 or ECDSA P-256 signing key pair, or show
 * the keyid (and C2SP note verifier key) of an existing key.
 *
 * Output on stdout, one item per line: the keyid, then the verifier key
 * string when --note-name is given, then the cosigner vkey (C2SP
 * tlog-cosignature, type 0x04) when --cosigner is given; or one JSON
 * object with --json.
 */
#include "config.h"

#include <getopt.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "vouch/vouch.h"

static const char usage_text[] =
    "usage: vouch-keygen [-t ed25519|ecdsa-p256] [-n NAME] [-c NAME] [--json]\n"
    "                    [--passphrase-fd N | --passphrase-file FILE] -o PREFIX\n"
    "       vouch-keygen --public KEY [-n NAME] [-c NAME] [--json]\n"
    "                    [--passphrase-fd N | --passphrase-file FILE]\n"
    "  -t, --type TYPE         ed25519 (default) or ecdsa-p256\n"
    "  -o, --output PREFIX     write PREFIX.key (private, 0600) and PREFIX.pub;\n"
    "                          never replaces an existing file\n"
    "      --public KEY        read KEY (private or public PEM, '-' = stdin) instead\n"
    "                          of making a new key\n"
    "  -n, --note-name NAME    also print the C2SP signed-note verifier key (Ed25519)\n"
    "  -c, --cosigner NAME     also print the witness cosigner vkey (Ed25519\n"
    "                          cosignature/v1, C2SP tlog-cosignature)\n"
    "      --json              print one JSON object instead of lines\n"
    "      --passphrase-fd N   encrypt (or decrypt) the private key with the passphrase\n"
    "                          read from file descriptor N\n"
    "      --passphrase-file FILE  same, read from FILE\n"
    "  -h, --help              show this help\n"
    "  -V, --version           show the version\n";

enum { OPT_PUBLIC = 256, OPT_JSON, OPT_PASS_FD, OPT_PASS_FILE };

static const struct option longopts[] = {
	{ "type", required_argument, NULL, 't' },
	{ "output", required_argument, NULL, 'o' },
	{ "public", required_argument, NULL, OPT_PUBLIC },
	{ "note-name", required_argument, NULL, 'n' },
	{ "cosigner", required_argument, NULL, 'c' },
	{ "json", no_argument, NULL, OPT_JSON },
	{ "passphrase-fd", required_argument, NULL, OPT_PASS_FD },
	{ "passphrase-file", required_argument, NULL, OPT_PASS_FILE },
	{ "help", no_argument, NULL, 'h' },
	{ "version", no_argument, NULL, 'V' },
	{ NULL, 0, NULL, 0 }
};

struct keygen {
	enum vouch_key_type type;
	int type_given;
	const char *prefix;       /* -o */
	const char *public;       /* --public */
	const char *note_name;
	const char *cosigner;     /* -c */
	int json;
	int pass_fd;              /* -1 when not given */
	const char *pass_file;
	vouch_buf pass;           /* secret */
	int have_pass;
	vouch_key *key;
	vouch_buf verifier;
	vouch_buf cosig_vkey;
	vouch_buf out;
};

static void
parse_args(struct keygen *g, int argc, char **argv)
{
	uint64_t v;
	int c;

	while ((c = getopt_long(argc, argv, "t:o:n:c:hV", longopts, NULL)) != -1) {
		switch (c) {
		case 't':
			if (strcmp(optarg, "ed25519") == 0)
				g->type = VOUCH_KEY_ED25519;
			else if (strcmp(optarg, "ecdsa-p256") == 0)
				g->type = VOUCH_KEY_ECDSA_P256;
			else
				cli_usage_error("unknown key type '%s'", optarg);
			g->type_given = 1;
			break;
		case 'o': g->prefix = optarg; break;
		case OPT_PUBLIC: g->public = optarg; break;
		case 'n': g->note_name = optarg; break;
		case 'c': g->cosigner = optarg; break;
		case OPT_JSON: g->json = 1; break;
		case OPT_PASS_FD:
			if (cli_parse_uint(optarg, 0, INT_MAX, &v) != 0)
				cli_usage_error("bad file descriptor '%s'", optarg);
			g->pass_fd = (int)v;
			break;
		case OPT_PASS_FILE: g->pass_file = optarg; break;
		case 'h': cli_help();
		case 'V': cli_version();
		default: cli_bad_option();
		}
	}
	if (optind != argc)
		cli_usage_error("unexpected argument '%s'", argv[optind]);
	if ((g->prefix == NULL) == (g->public == NULL))
		cli_usage_error("give exactly one of -o PREFIX and --public KEY");
	if (g->prefix != NULL && (g->prefix[0] == '\0' || strcmp(g->prefix, "-") == 0))
		cli_usage_error("-o needs a file name prefix");
	if (g->public != NULL && g->type_given)
		cli_usage_error("-t makes no sense with --public");
	if (g->pass_fd >= 0 && g->pass_file != NULL)
		cli_usage_error("give at most one of --passphrase-fd and --passphrase-file");
	if (g->note_name != NULL && g->prefix != NULL && g->type != VOUCH_KEY_ED25519)
		cli_usage_error("--note-name needs an Ed25519 key");
	if (g->cosigner != NULL && g->prefix != NULL && g->type != VOUCH_KEY_ED25519)
		cli_usage_error("--cosigner needs an Ed25519 key");
	if (g->public != NULL && strcmp(g->public, "-") == 0 &&
	    (g->pass_fd == 0 || (g->pass_file != NULL && strcmp(g->pass_file, "-") == 0)))
		cli_usage_error("the key and the passphrase cannot both come from stdin");
}

static int
read_pass(struct keygen *g, vouch_err *err)
{
	char name[32];
	int rc;

	if (g->pass_fd < 0 && g->pass_file == NULL)
		return VOUCH_OK;
	if (g->pass_file != NULL) {
		rc = vouch_key_passphrase_file(g->pass_file, &g->pass, err);
	} else {
		snprintf(name, sizeof(name), "fd %d", g->pass_fd);
		rc = vouch_key_passphrase_fd(g->pass_fd, name, &g->pass, err);
	}
	if (rc == VOUCH_OK)
		g->have_pass = 1;
	else
		vouch_err_prefix(err, "cannot read the passphrase");
	return rc;
}

/* Add "name": "<prefix><suffix>" to j. */
static int
add_path(cJSON *j, const char *name, const char *prefix, const char *suffix, vouch_err *err)
{
	vouch_buf b;
	int rc;

	vouch_buf_init(&b, PATH_MAX);
	rc = vouch_buf_appendf(&b, err, "%s%s", prefix, suffix);
	if (rc == VOUCH_OK && vouch_json_add_string(j, name, vouch_buf_cstr(&b), err) == NULL)
		rc = VOUCH_ENOMEM;
	vouch_buf_free(&b);
	return rc;
}

/* {"type", "keyid", "private", ["note_verifier_key"], ["cosigner_vkey"],
 *  ["private_key", "public_key"]} */
static int
format_json(struct keygen *g, const char *id, vouch_err *err)
{
	cJSON *j = cJSON_CreateObject();
	int rc = VOUCH_ENOMEM;

	if (j == NULL)
		return vouch_err_set(err, VOUCH_ENOMEM, "out of memory");
	if (vouch_json_add_string(j, "type", vouch_key_type_name(vouch_key_get_type(g->key)), err) &&
	    vouch_json_add_string(j, "keyid", id, err) &&
	    cJSON_AddBoolToObject(j, "private", vouch_key_has_private(g->key)) != NULL)
		rc = VOUCH_OK;
	if (rc == VOUCH_OK && g->note_name != NULL &&
	    vouch_json_add_string(j, "note_verifier_key", vouch_buf_cstr(&g->verifier), err) == NULL)
		rc = VOUCH_ENOMEM;
	if (rc == VOUCH_OK && g->cosigner != NULL &&
	    vouch_json_add_string(j, "cosigner_vkey", vouch_buf_cstr(&g->cosig_vkey), err) == NULL)
		rc = VOUCH_ENOMEM;
	if (rc == VOUCH_OK && g->prefix != NULL)
		rc = add_path(j, "private_key", g->prefix, ".key", err);
	if (rc == VOUCH_OK && g->prefix != NULL)
		rc = add_path(j, "public_key", g->prefix, ".pub", err);
	if (rc == VOUCH_OK)
		rc = vouch_json_append(&g->out, j, err);
	if (rc == VOUCH_OK)
		rc = vouch_buf_append_byte(&g->out, '\n', err);
	if (rc == VOUCH_ENOMEM)
		vouch_err_set(err, rc, "out of memory");
	cJSON_Delete(j);
	return rc;
}

/* The text or JSON that goes to stdout. */
static int
format_output(struct keygen *g, vouch_err *err)
{
	char id[VOUCH_KEYID_HEX_LEN + 1];
	int rc;

	rc = vouch_key_id(g->key, id, err);
	if (rc != VOUCH_OK)
		return rc;
	if (g->json)
		return format_json(g, id, err);
	rc = vouch_buf_appendf(&g->out, err, "%s\n", id);
	if (rc == VOUCH_OK && g->note_name != NULL)
		rc = vouch_buf_appendf(&g->out, err, "%s\n", vouch_buf_cstr(&g->verifier));
	if (rc == VOUCH_OK && g->cosigner != NULL)
		rc = vouch_buf_appendf(&g->out, err, "%s\n", vouch_buf_cstr(&g->cosig_vkey));
	return rc;
}

static int
run(struct keygen *g, vouch_err *err)
{
	const char *pass;
	int rc;

	rc = read_pass(g, err);
	if (rc != VOUCH_OK)
		return rc;
	pass = g->have_pass ? (const char *)g->pass.data : NULL;
	if (g->public != NULL)
		rc = vouch_key_load_file(g->public, pass, g->pass.len, &g->key, err);
	else
		rc = vouch_key_generate(g->type, &g->key, err);
	if (rc != VOUCH_OK)
		return rc;
	if (g->note_name != NULL) {
		if (vouch_key_get_type(g->key) != VOUCH_KEY_ED25519)
			return vouch_err_set(err, VOUCH_EUSAGE, "--note-name needs an Ed25519 key");
		rc = vouch_key_note_verifier(g->key, g->note_name, &g->verifier, err);
		if (rc != VOUCH_OK)
			return rc;
	}
	if (g->cosigner != NULL) {
		if (vouch_key_get_type(g->key) != VOUCH_KEY_ED25519)
			return vouch_err_set(err, VOUCH_EUSAGE, "--cosigner needs an Ed25519 key");
		rc = vouch_key_vkey(g->key, g->cosigner, VOUCH_VKEY_COSIG_ED25519, &g->cosig_vkey,
		                    err);
		if (rc != VOUCH_OK)
			return rc;
	}
	/* Everything that can be refused is checked before a file is written. */
	rc = format_output(g, err);
	if (rc == VOUCH_OK && g->prefix != NULL)
		rc = vouch_key_write_files(g->key, g->prefix, pass, g->pass.len, err);
	if (rc == VOUCH_OK && fwrite(g->out.data, 1, g->out.len, stdout) != g->out.len)
		rc = vouch_err_sys(err, VOUCH_EIO, "cannot write to standard output");
	return rc;
}

int
main(int argc, char **argv)
{
	struct keygen g;
	vouch_err err;
	int rc;

	memset(&g, 0, sizeof(g));
	g.type = VOUCH_KEY_ED25519;
	g.pass_fd = -1;
	vouch_buf_init(&g.pass, VOUCH_PASS_MAX + 2);
	vouch_buf_init(&g.verifier, 0);
	vouch_buf_init(&g.cosig_vkey, 0);
	vouch_buf_init(&g.out, 0);
	vouch_err_clear(&err);
	cli_init(argv, usage_text);
	parse_args(&g, argc, argv);
	rc = run(&g, &err);
	if (rc != VOUCH_OK)
		cli_warn_err(&err);
	vouch_key_free(g.key);
	vouch_buf_free_secret(&g.pass);
	vouch_buf_free(&g.verifier);
	vouch_buf_free(&g.cosig_vkey);
	vouch_buf_free(&g.out);
	return cli_finish(vouch_exit_code(rc));
}
