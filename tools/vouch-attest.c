/* vouch-attest - sign in-toto statements into DSSE envelopes (one JSON line
 * each; many files, or JSON Lines, in one run with the keys loaded once),
 * add a signature to an existing envelope, or write a legacy in-toto v0.9
 * link. */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli.h"
#include "vouch/vouch.h"
#include "vouch/key.h"

static const char usage_text[] =
    "usage: vouch-attest -k KEY [-k KEY]... [options] [-l] [STATEMENT|-]...\n"
    "       vouch-attest -k KEY [-k KEY]... --add-signature ENVELOPE|-\n"
    "       vouch-attest -f link -n STEP -k KEY [-m FILE]... [-o PATH] [STATEMENT|-]\n"
    "  -k, --key KEY              sign with this private key (PKCS#8 PEM); repeatable\n"
    "      --passphrase-fd N      read the passphrase of encrypted keys from fd N\n"
    "      --passphrase-file FILE read it from FILE\n"
    "  -l, --lines                each input holds one statement per line (JSON\n"
    "                             Lines): one envelope line out per line in\n"
    "  -t, --payload-type TYPE    sign a payload of this type without requiring an\n"
    "                             in-toto statement\n"
    "  -a, --add-signature ENV    add signatures to the envelope ENV ('-' = stdin);\n"
    "                             the payload is not changed\n"
    "  -f, --format FMT           dsse (default) or link (legacy in-toto v0.9)\n"
    "  -n, --name STEP            the link's step name (with -f link)\n"
    "  -m, --material FILE        record FILE as a link material; repeatable\n"
    "  -o, --output PATH          write to PATH instead of stdout (with -f link, a\n"
    "                             directory receives STEP.KEYID8.link)\n"
    "      --max-size SIZE        input (with -l: line) size limit (default 16M)\n"
    "  -h, --help                 show this help\n"
    "  -V, --version              show the version\n";

#define MAX_KEYS 64
#define MAX_MATERIALS 10000

enum { OPT_PASS_FD = 256, OPT_PASS_FILE, OPT_MAX_SIZE };

struct attest {
	const char *key_paths[MAX_KEYS];
	size_t nkeys;
	vouch_key *keys[MAX_KEYS];
	int pass_fd;
	const char *pass_file;
	vouch_buf pass;
	int have_pass;
	const char *payload_type;
	const char *add_sig;
	int link;
	const char *step;
	const char **materials;
	size_t nmaterials;
	const char *output;
	const char *input;
	char **inputs;  /* the statements to sign (argv) */
	size_t ninputs;
	int lines;
	size_t max_size;
	vouch_buf in;   /* the statement or envelope read */
	vouch_buf out;  /* what goes out */
	vouch_buf name; /* link file name */
};

static const struct option longopts[] = {
	{ "key", required_argument, NULL, 'k' },
	{ "passphrase-fd", required_argument, NULL, OPT_PASS_FD },
	{ "passphrase-file", required_argument, NULL, OPT_PASS_FILE },
	{ "lines", no_argument, NULL, 'l' },
	{ "payload-type", required_argument, NULL, 't' },
	{ "add-signature", required_argument, NULL, 'a' },
	{ "format", required_argument, NULL, 'f' },
	{ "name", required_argument, NULL, 'n' },
	{ "material", required_argument, NULL, 'm' },
	{ "output", required_argument, NULL, 'o' },
	{ "max-size", required_argument, NULL, OPT_MAX_SIZE },
	{ "help", no_argument, NULL, 'h' },
	{ "version", no_argument, NULL, 'V' },
	{ NULL, 0, NULL, 0 }
};

static char *stdin_input[] = { (char *)"-", NULL };

static void
check_options(struct attest *a, int argc, char **argv)
{
	size_t dashes = 0;

	if (optind < argc - 1 && (a->add_sig != NULL || a->link))
		cli_usage_error("unexpected argument '%s'", argv[optind + 1]);
	if (a->lines && (a->add_sig != NULL || a->link))
		cli_usage_error("-l signs statements into envelopes: not with -a or -f link");
	a->inputs = optind < argc ? argv + optind : stdin_input;
	a->ninputs = optind < argc ? (size_t)(argc - optind) : 1;
	for (size_t i = 0; i < a->ninputs; i++)
		dashes += strcmp(a->inputs[i], "-") == 0;
	if (dashes > 1)
		cli_usage_error("standard input ('-') can be read only once");
	a->input = dashes > 0 ? "-" : a->inputs[0];
	if (a->nkeys == 0)
		cli_usage_error("give at least one -k KEY");
	if (a->pass_fd >= 0 && a->pass_file != NULL)
		cli_usage_error("give at most one of --passphrase-fd and --passphrase-file");
	if (a->add_sig != NULL && (optind < argc || a->link))
		cli_usage_error("--add-signature takes no statement and cannot write a link");
	if (a->link && a->step == NULL)
		cli_usage_error("-f link needs -n STEP");
	if (!a->link && (a->step != NULL || a->nmaterials > 0))
		cli_usage_error("-n and -m need -f link");
	if (a->link && a->payload_type != NULL)
		cli_usage_error("-t makes no sense with -f link");
	if (a->add_sig != NULL)
		a->input = a->add_sig;
	if (strcmp(a->input, "-") == 0 &&
	    (a->pass_fd == 0 || (a->pass_file != NULL && strcmp(a->pass_file, "-") == 0)))
		cli_usage_error("the input and the passphrase cannot both come from stdin");
}

static void
parse_args(struct attest *a, int argc, char **argv)
{
	uint64_t v;
	int c;

	while ((c = getopt_long(argc, argv, "k:lt:a:f:n:m:o:hV", longopts, NULL)) != -1) {
		switch (c) {
		case 'k':
			if (a->nkeys >= MAX_KEYS)
				cli_usage_error("at most %d keys", MAX_KEYS);
			a->key_paths[a->nkeys++] = optarg;
			break;
		case OPT_PASS_FD:
			if (cli_parse_uint(optarg, 0, 1 << 20, &v) != 0)
				cli_usage_error("--passphrase-fd needs a file descriptor number");
			a->pass_fd = (int)v;
			break;
		case OPT_PASS_FILE: a->pass_file = optarg; break;
		case 'l': a->lines = 1; break;
		case 't': a->payload_type = optarg; break;
		case 'a': a->add_sig = optarg; break;
		case 'f':
			if (strcmp(optarg, "link") != 0 && strcmp(optarg, "dsse") != 0)
				cli_usage_error("unknown format '%s' (dsse or link)", optarg);
			a->link = strcmp(optarg, "link") == 0;
			break;
		case 'n': a->step = optarg; break;
		case 'm':
			if (a->nmaterials >= MAX_MATERIALS)
				cli_usage_error("at most %d materials", MAX_MATERIALS);
			a->materials[a->nmaterials++] = optarg;
			break;
		case 'o': a->output = optarg; break;
		case OPT_MAX_SIZE:
			if (cli_parse_size(optarg, &v) != 0 || v == 0 || v > VOUCH_BUF_DEFAULT_MAX)
				cli_usage_error("bad --max-size '%s'", optarg);
			a->max_size = (size_t)v;
			break;
		case 'h': cli_help();
		case 'V': cli_version();
		default: cli_bad_option();
		}
	}
	check_options(a, argc, argv);
}

static int
load_keys(struct attest *a, vouch_err *err)
{
	char name[32];
	const char *pass = NULL;
	int rc = VOUCH_OK;

	if (a->pass_file != NULL) {
		rc = vouch_key_passphrase_file(a->pass_file, &a->pass, err);
	} else if (a->pass_fd >= 0) {
		snprintf(name, sizeof(name), "fd %d", a->pass_fd);
		rc = vouch_key_passphrase_fd(a->pass_fd, name, &a->pass, err);
	}
	if (rc != VOUCH_OK) {
		vouch_err_prefix(err, "cannot read the passphrase");
		return rc;
	}
	if (a->pass_file != NULL || a->pass_fd >= 0)
		pass = (const char *)a->pass.data;
	for (size_t i = 0; i < a->nkeys; i++) {
		rc = vouch_key_load_file(a->key_paths[i], pass, pass ? a->pass.len : 0, &a->keys[i],
		    err);
		if (rc != VOUCH_OK)
			return rc;      /* the message names the file already */
		if (!vouch_key_has_private(a->keys[i]))
			rc = vouch_err_set(err, VOUCH_EUSAGE, "is a public key; signing needs a private key");
		for (size_t j = 0; rc == VOUCH_OK && j < i; j++)
			if (vouch_key_same_public(a->keys[i], a->keys[j]))
				rc = vouch_err_set(err, VOUCH_EUSAGE, "is the same key as '%s'",
				    a->key_paths[j]);
		if (rc != VOUCH_OK) {
			vouch_err_prefix(err, "'%s'", a->key_paths[i]);
			return rc;
		}
	}
	return VOUCH_OK;
}

/* The payload must be a valid statement unless -t names another type. */
static int
check_payload(const char *type, const void *data, size_t len, vouch_err *err)
{
	vouch_statement *st = NULL;
	int rc;

	if (strcmp(type, VOUCH_INTOTO_PAYLOAD_TYPE) != 0)
		return VOUCH_OK;
	rc = vouch_statement_parse(data, len, &st, err);
	vouch_statement_free(st);
	if (rc != VOUCH_OK)
		vouch_err_prefix(err, "refusing to sign: not a valid in-toto statement (use -t TYPE "
		    "to sign another payload type)");
	return rc;
}

static int
sign_all(struct attest *a, vouch_envelope *env, vouch_err *err)
{
	for (size_t i = 0; i < a->nkeys; i++) {
		int rc = vouch_envelope_sign_once(env, a->keys[i], err);

		if (rc == VOUCH_EEXIST)
			vouch_err_prefix(err, "'%s'", a->key_paths[i]);
		if (rc != VOUCH_OK)
			return rc;
	}
	return VOUCH_OK;
}

/* --add-signature: countersign the envelope read into a->in. */
static int
add_signatures(struct attest *a, vouch_err *err)
{
	vouch_envelope *env = NULL;
	const char *type;
	const uint8_t *p;
	size_t n;
	int rc;

	rc = vouch_envelope_parse((const char *)a->in.data, a->in.len, a->max_size, &env, err);
	if (rc == VOUCH_OK && a->payload_type != NULL &&
	    strcmp(a->payload_type, vouch_envelope_payload_type(env)) != 0)
		rc = vouch_err_set(err, VOUCH_EINPUT, "the envelope's payloadType is '%s', not '%s'",
		    vouch_envelope_payload_type(env), a->payload_type);
	if (rc == VOUCH_OK) {
		p = vouch_envelope_payload(env, &n);
		type = vouch_envelope_payload_type(env);
		if (strcmp(type, VOUCH_INTOTO_PAYLOAD_TYPE) != 0 && a->payload_type == NULL)
			rc = vouch_err_set(err, VOUCH_EINPUT, "the envelope's payloadType is '%s'; "
			    "confirm it with -t to sign", type);
		else
			rc = check_payload(type, p, n, err);
	}
	if (rc == VOUCH_OK)
		rc = sign_all(a, env, err);
	if (rc == VOUCH_OK)
		rc = vouch_envelope_serialize(env, &a->out, err);
	if (rc == VOUCH_OK)
		rc = vouch_buf_append_byte(&a->out, '\n', err);
	vouch_envelope_free(env);
	return rc;
}

/* Products: the statement's subjects (named, with sha256). */
static int
add_products(vouch_link *l, const vouch_statement *st, vouch_err *err)
{
	for (size_t i = 0; i < vouch_statement_subject_count(st); i++) {
		const cJSON *s = vouch_statement_subject(st, i);
		const char *name = vouch_json_get_string(s, "name");
		const char *hex = vouch_json_get_string(vouch_json_get_object(s, "digest"), "sha256");
		vouch_digests d = { .algs = VOUCH_ALG_SHA256 };
		int rc;

		if (name == NULL || hex == NULL)
			return vouch_err_set(err, VOUCH_EINPUT,
			    "subject %zu needs a name and a sha256 digest to become a link product", i);
		rc = vouch_hex_decode(hex, strlen(hex), d.md[vouch_alg_index(VOUCH_ALG_SHA256)], 32,
		    VOUCH_HEX_LOWER, err);
		if (rc == VOUCH_OK)
			rc = vouch_link_add_product(l, name, &d, err);
		if (rc != VOUCH_OK)
			return rc;
	}
	return VOUCH_OK;
}

static int
make_link(struct attest *a, vouch_err *err)
{
	vouch_statement *st = NULL;
	vouch_link *l = NULL;
	char kid[65];
	int rc;

	rc = vouch_statement_parse(a->in.data, a->in.len, &st, err);
	if (rc != VOUCH_OK)
		vouch_err_prefix(err, "not a valid in-toto statement");
	if (rc == VOUCH_OK)
		rc = vouch_link_new(a->step, &l, err);
	for (size_t i = 0; rc == VOUCH_OK && i < a->nmaterials; i++) {
		vouch_digests d;

		rc = vouch_digest_file(a->materials[i], VOUCH_ALG_SHA256, &d, err);
		if (rc == VOUCH_OK)
			rc = vouch_link_add_material(l, a->materials[i], &d, err);
	}
	if (rc == VOUCH_OK)
		rc = add_products(l, st, err);
	for (size_t i = 0; rc == VOUCH_OK && i < a->nkeys; i++)
		if ((rc = vouch_link_sign(l, a->keys[i], err)) != VOUCH_OK)
			vouch_err_prefix(err, "'%s'", a->key_paths[i]);
	if (rc == VOUCH_OK)
		rc = vouch_link_serialize(l, &a->out, err);
	if (rc == VOUCH_OK)
		rc = vouch_buf_append_byte(&a->out, '\n', err);
	if (rc == VOUCH_OK)
		rc = vouch_link_keyid(a->keys[0], kid, err);
	if (rc == VOUCH_OK)
		rc = vouch_link_filename(a->step, kid, &a->name, err);
	vouch_link_free(l);
	vouch_statement_free(st);
	return rc;
}

static int
write_output(struct attest *a, vouch_err *err)
{
	struct stat sb;
	vouch_buf path;
	int rc;

	if (a->output == NULL || strcmp(a->output, "-") == 0) {
		if (fwrite(a->out.data, 1, a->out.len, stdout) != a->out.len)
			return vouch_err_sys(err, VOUCH_EIO, "error writing to standard output");
		return VOUCH_OK;
	}
	if (!a->link || stat(a->output, &sb) != 0 || !S_ISDIR(sb.st_mode))
		return vouch_write_file_atomic(a->output, a->out.data, a->out.len, 0644, err);
	vouch_buf_init(&path, 0);
	rc = vouch_buf_appendf(&path, err, "%s/%s", a->output, vouch_buf_cstr(&a->name));
	if (rc == VOUCH_OK)
		rc = vouch_write_file_atomic(vouch_buf_cstr(&path), a->out.data, a->out.len, 0644, err);
	vouch_buf_free(&path);
	return rc;
}

static int
read_input(struct attest *a, const char *path, vouch_err *err)
{
	int rc;

	vouch_buf_reset(&a->in);
	rc = vouch_read_file(path, a->max_size, &a->in, err);
	if (rc == VOUCH_ELIMIT)
		vouch_err_prefix(err, "'%s' is over the size limit", path);
	return rc;
}

static int
to_stdout(const struct attest *a)
{
	return a->output == NULL || strcmp(a->output, "-") == 0;
}

/* Pass the complete envelope lines made so far to stdout once there are
 * OUT_FLUSH bytes of them (or now, with force).  With -o they stay in
 * a->out: the file is replaced whole at the end, or not at all. */
#define OUT_FLUSH 65536

static int
flush_lines(struct attest *a, int force, vouch_err *err)
{
	if (!to_stdout(a) || a->out.len == 0 || (!force && a->out.len < OUT_FLUSH))
		return VOUCH_OK;
	if (fwrite(a->out.data, 1, a->out.len, stdout) != a->out.len)
		return vouch_err_sys(err, VOUCH_EIO, "error writing to standard output");
	vouch_buf_reset(&a->out);
	return VOUCH_OK;
}

static const char *
display_name(const char *path)
{
	return strcmp(path, "-") == 0 ? VOUCH_STDIN_NAME : path;
}

/* -l: one envelope per line of path. */
static int
sign_lines(struct attest *a, vouch_envelope_signer *sg, const char *path, vouch_err *err)
{
	const char *name = display_name(path), *line;
	vouch_input in;
	vouch_lines r;
	size_t len;
	int rc;

	if ((rc = vouch_input_open(&in, path, VOUCH_INPUT_STDIN, NULL, err)) != VOUCH_OK)
		return rc;
	vouch_lines_init(&r, in.fd, name, a->max_size);
	while ((rc = vouch_lines_next(&r, &line, &len, err)) == VOUCH_OK && line != NULL) {
		if ((rc = vouch_envelope_signer_sign(sg, line, len, &a->out, err)) != VOUCH_OK) {
			vouch_err_prefix(err, "line %zu of '%s'", r.lineno, name);
			break;
		}
		if ((rc = flush_lines(a, 0, err)) != VOUCH_OK)
			break;
	}
	vouch_lines_free(&r);
	vouch_input_close(&in);
	return rc;
}

/* Sign every input into a->out, flushing complete lines as they come;
 * after a failure the lines made before it are still handed out. */
static int
sign_inputs(struct attest *a, vouch_err *err)
{
	const char *type = a->payload_type != NULL ? a->payload_type : VOUCH_INTOTO_PAYLOAD_TYPE;
	vouch_envelope_signer *sg = NULL;
	vouch_err ignored;
	int rc;

	rc = vouch_envelope_signer_new(type, (const vouch_key *const *)a->keys, a->nkeys, &sg, err);
	for (size_t i = 0; rc == VOUCH_OK && i < a->ninputs; i++) {
		const char *path = a->inputs[i];

		if (a->lines) {
			rc = sign_lines(a, sg, path, err);
			continue;
		}
		rc = read_input(a, path, err);
		if (rc == VOUCH_OK &&
		    (rc = vouch_envelope_signer_sign(sg, a->in.data, a->in.len, &a->out, err)) != VOUCH_OK)
			vouch_err_prefix(err, "'%s'", display_name(path));
		if (rc == VOUCH_OK)
			rc = flush_lines(a, 0, err);
	}
	vouch_envelope_signer_free(sg);
	if (rc != VOUCH_OK) {
		vouch_err_clear(&ignored);
		flush_lines(a, 1, &ignored);
		return rc;
	}
	return to_stdout(a) ? flush_lines(a, 1, err) : write_output(a, err);
}

static int
run(struct attest *a, vouch_err *err)
{
	int rc = load_keys(a, err);

	if (rc != VOUCH_OK)
		return rc;
	if (!a->link && a->add_sig == NULL)
		return sign_inputs(a, err);
	rc = read_input(a, a->input, err);
	if (rc == VOUCH_OK)
		rc = a->link ? make_link(a, err) : add_signatures(a, err);
	if (rc == VOUCH_OK)
		rc = write_output(a, err);
	return rc;
}

int
main(int argc, char **argv)
{
	struct attest a;
	vouch_err err;
	int rc;

	memset(&a, 0, sizeof(a));
	a.pass_fd = -1;
	a.max_size = VOUCH_DSSE_MAX_DEFAULT;
	cli_init(argv, usage_text);
	if ((a.materials = calloc(MAX_MATERIALS, sizeof(*a.materials))) == NULL) {
		cli_warn("out of memory");
		return cli_finish(CLI_EXIT_TROUBLE);
	}
	vouch_buf_init(&a.pass, VOUCH_PASS_MAX + 2);
	vouch_buf_init(&a.in, 0);
	vouch_buf_init(&a.out, SIZE_MAX / 2); /* -o keeps every envelope until the end */
	vouch_buf_init(&a.name, 0);
	parse_args(&a, argc, argv);
	vouch_err_clear(&err);
	rc = run(&a, &err);
	if (rc != VOUCH_OK)
		cli_warn_err(&err);
	for (size_t i = 0; i < a.nkeys; i++)
		vouch_key_free(a.keys[i]);
	vouch_buf_free_secret(&a.pass);
	vouch_buf_free(&a.in);
	vouch_buf_free(&a.out);
	vouch_buf_free(&a.name);
	free(a.materials);
	return cli_finish(rc == VOUCH_OK ? CLI_EXIT_OK : CLI_EXIT_TROUBLE);
}
