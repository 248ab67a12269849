/* checkpoint.c - C2SP checkpoints. */
#include "config.h"

#include <string.h>

#include "vouch/checkpoint.h"
#include "vouch/codec.h"

int
vouch_origin_valid(const char *s, size_t len)
{
	size_t i;

	if (len == 0 || len > VOUCH_ORIGIN_MAX)
		return 0;
	for (i = 0; i < len; i++)
		if (s[i] <= 0x20 || s[i] >= 0x7f || s[i] == '+')
			return 0;
	return 1;
}

/* Decimal without sign or leading zeros, fitting 64 bits. */
static int
parse_u64(const char *s, size_t len, uint64_t *out)
{
	uint64_t v = 0;
	size_t i;

	if (len == 0 || len > 20 || (len > 1 && s[0] == '0'))
		return -1;
	for (i = 0; i < len; i++) {
		unsigned d;

		if (s[i] < '0' || s[i] > '9')
			return -1;
		d = (unsigned)(s[i] - '0');
		if (v > (UINT64_MAX - d) / 10)
			return -1;
		v = v * 10 + d;
	}
	*out = v;
	return 0;
}

int
vouch_parse_decimal(const char *s, size_t len, uint64_t *out)
{
	return parse_u64(s, len, out);
}

/* The next line of text[*pos..len) without its \n; -1 when none is left. */
static int
next_line(const char *text, size_t len, size_t *pos, const char **l, size_t *n)
{
	const char *nl;

	if (*pos >= len)
		return -1;
	nl = memchr(text + *pos, '\n', len - *pos);
	if (nl == NULL)
		return -1;
	*l = text + *pos;
	*n = (size_t)(nl - *l);
	*pos = (size_t)(nl - text) + 1;
	return 0;
}

int
vouch_checkpoint_parse(const char *text, size_t len, vouch_checkpoint *cp, vouch_err *err)
{
	const char *l = NULL;
	size_t n = 0, pos = 0;

	memset(cp, 0, sizeof *cp);
	if (len == 0 || text[len - 1] != '\n')
		return vouch_err_set(err, VOUCH_EINPUT, "checkpoint text must end in a newline");
	if (next_line(text, len, &pos, &l, &n) != 0 || !vouch_origin_valid(l, n))
		return vouch_err_set(err, VOUCH_EINPUT, "checkpoint has no valid origin line");
	memcpy(cp->origin, l, n);
	cp->origin[n] = '\0';
	if (next_line(text, len, &pos, &l, &n) != 0 || parse_u64(l, n, &cp->size) != 0)
		return vouch_err_set(err, VOUCH_EINPUT, "checkpoint '%s' has no valid tree size",
		                     cp->origin);
	if (next_line(text, len, &pos, &l, &n) != 0 ||
	    vouch_b64_decode_exact(l, n, VOUCH_B64_STD, cp->root, VOUCH_HASH_LEN, NULL) !=
	        VOUCH_OK)
		return vouch_err_set(err, VOUCH_EINPUT, "checkpoint '%s' has no valid root hash",
		                     cp->origin);
	if (len - pos > VOUCH_CHECKPOINT_EXT_MAX)
		return vouch_err_set(err, VOUCH_ELIMIT, "checkpoint '%s' extension lines too long",
		                     cp->origin);
	cp->ext_len = len - pos;
	memcpy(cp->ext, text + pos, cp->ext_len);
	cp->ext[cp->ext_len] = '\0';
	while (next_line(text, len, &pos, &l, &n) == 0)
		if (n == 0)
			return vouch_err_set(err, VOUCH_EINPUT,
			                     "checkpoint '%s' has an empty extension line", cp->origin);
	return VOUCH_OK;
}

int
vouch_checkpoint_text(const vouch_checkpoint *cp, vouch_buf *out, vouch_err *err)
{
	int rc;

	if (!vouch_origin_valid(cp->origin, strlen(cp->origin)))
		return vouch_err_set(err, VOUCH_EUSAGE, "'%s' is not a valid log origin",
		                     cp->origin);
	if (cp->ext_len > VOUCH_CHECKPOINT_EXT_MAX ||
	    (cp->ext_len > 0 && cp->ext[cp->ext_len - 1] != '\n'))
		return vouch_err_set(err, VOUCH_EUSAGE, "bad checkpoint extension lines");
	if ((rc = vouch_buf_appendf(out, err, "%s\n%llu\n", cp->origin,
	                            (unsigned long long)cp->size)) != VOUCH_OK ||
	    (rc = vouch_b64_append(out, cp->root, VOUCH_HASH_LEN, VOUCH_B64_STD, err)) !=
	        VOUCH_OK ||
	    (rc = vouch_buf_append_byte(out, '\n', err)) != VOUCH_OK)
		return rc;
	return vouch_buf_append(out, cp->ext, cp->ext_len, err);
}

int
vouch_checkpoint_sign(const vouch_checkpoint *cp, const vouch_key *key, vouch_buf *out,
                      vouch_err *err)
{
	vouch_buf text;
	int rc;

	vouch_buf_init(&text, 4096);
	if ((rc = vouch_checkpoint_text(cp, &text, err)) == VOUCH_OK)
		rc = vouch_note_sign((const char *)text.data, text.len, cp->origin, key, out, err);
	vouch_buf_free(&text);
	return rc;
}

int
vouch_checkpoint_open(const char *note, size_t len, const char *origin,
                      vouch_note_verifier *const *vs, size_t nvs, vouch_checkpoint *cp,
                      vouch_err *err)
{
	size_t tl = 0;
	int rc;

	if ((rc = vouch_note_verify(note, len, vs, nvs, &tl, NULL, err)) != VOUCH_OK)
		return rc;
	if ((rc = vouch_checkpoint_parse(note, tl, cp, err)) != VOUCH_OK)
		return rc;
	if (origin != NULL && strcmp(origin, cp->origin) != 0)
		return vouch_err_set(err, VOUCH_ENEGATIVE,
		                     "checkpoint origin '%s' is not the expected '%s'", cp->origin,
		                     origin);
	return VOUCH_OK;
}
