/* cosig.c - c2sp.org/tlog-cosignature Ed25519 cosignature/v1 (see vouch/cosig.h). */
#include "config.h"

#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "vouch/codec.h"
#include "vouch/cosig.h"
#include "vouch/file.h"

#define ED25519_SIG 64
#define COSIG_BODY (8 + ED25519_SIG) /* timestamp, signature */

int
vouch_cosig_verifier_parse(const char *s, size_t len, vouch_note_verifier **out,
                           vouch_err *err)
{
	return vouch_note_verifier_parse_type(s, len, VOUCH_VKEY_COSIG_ED25519, out, err);
}

int
vouch_cosig_message(const char *text, size_t len, uint64_t ts, vouch_buf *out,
                    vouch_err *err)
{
	int rc;

	if ((rc = vouch_buf_appendf(out, err, "cosignature/v1\ntime %" PRIu64 "\n", ts)) !=
	    VOUCH_OK)
		return rc;
	return vouch_buf_append(out, text, len, err);
}

int
vouch_cosig_sign(const char *text, size_t len, const char *name, const vouch_key *key,
                 uint64_t ts, vouch_buf *out, vouch_err *err)
{
	vouch_buf msg, sig;
	uint8_t raw[4 + COSIG_BODY];
	uint32_t id = 0;
	int i, rc;

	vouch_buf_init(&msg, 0);
	vouch_buf_init(&sig, 256);
	if (ts > VOUCH_COSIG_TS_MAX)
		return vouch_err_set(err, VOUCH_EUSAGE, "cosignature time out of range");
	if (len == 0 || text[len - 1] != '\n' || !vouch_note_name_valid(name, strlen(name)))
		return vouch_err_set(err, VOUCH_EUSAGE, "cannot cosign this note as '%s'", name);
	if ((rc = vouch_key_vkey_id(key, name, VOUCH_VKEY_COSIG_ED25519, &id, err)) != VOUCH_OK ||
	    (rc = vouch_cosig_message(text, len, ts, &msg, err)) != VOUCH_OK ||
	    (rc = vouch_key_sign(key, msg.data, msg.len, &sig, err)) != VOUCH_OK)
		goto out;
	if (sig.len != ED25519_SIG) {
		rc = vouch_err_set(err, VOUCH_EUSAGE, "cosignatures need an Ed25519 key");
		goto out;
	}
	for (i = 0; i < 4; i++)
		raw[i] = (uint8_t)(id >> (24 - 8 * i));
	for (i = 0; i < 8; i++)
		raw[4 + i] = (uint8_t)(ts >> (56 - 8 * i));
	memcpy(raw + 12, sig.data, ED25519_SIG);
	if ((rc = vouch_buf_appendf(out, err, "\xe2\x80\x94 %s ", name)) == VOUCH_OK &&
	    (rc = vouch_b64_append(out, raw, sizeof raw, VOUCH_B64_STD, err)) == VOUCH_OK)
		rc = vouch_buf_append_byte(out, '\n', err);
out:
	vouch_buf_free(&msg);
	vouch_buf_free(&sig);
	return rc;
}

struct cosig_ctx {
	const char *note;
	size_t text_len;
	vouch_note_verifier *const *ws;
	size_t nws;
	uint64_t *ts;       /* nws entries */
	unsigned char *ok;  /* nws entries: cosigned */
};

static int
check_one(void *arg, const char *name, size_t name_len, uint32_t id, const uint8_t *sig,
          size_t sig_len, vouch_err *err)
{
	struct cosig_ctx *c = arg;
	vouch_buf msg;
	uint64_t ts = 0;
	int i, k, rc = VOUCH_OK;

	vouch_buf_init(&msg, 0);
	for (i = vouch_note_find_verifier(c->ws, c->nws, 0, VOUCH_VKEY_COSIG_ED25519, name,
	                                  name_len, id);
	     i >= 0 && rc == VOUCH_OK;
	     i = vouch_note_find_verifier(c->ws, c->nws, (size_t)i + 1, VOUCH_VKEY_COSIG_ED25519,
	                                  name, name_len, id)) {
		const char *wn = vouch_note_verifier_name(c->ws[i]);

		if (sig_len != COSIG_BODY)
			return vouch_err_set(err, VOUCH_ENEGATIVE,
			                     "cosignature by '%s' has the wrong length", wn);
		for (k = 0; k < 8; k++)
			ts = ts << 8 | sig[k];
		if (ts > VOUCH_COSIG_TS_MAX)
			return vouch_err_set(err, VOUCH_ENEGATIVE,
			                     "cosignature by '%s' has a timestamp out of range", wn);
		vouch_buf_reset(&msg);
		if ((rc = vouch_cosig_message(c->note, c->text_len, ts, &msg, err)) != VOUCH_OK)
			break;
		rc = vouch_key_verify(vouch_note_verifier_key(c->ws[i]), msg.data, msg.len, sig + 8,
		                      ED25519_SIG, NULL);
		if (rc == VOUCH_ENEGATIVE)
			rc = vouch_err_set(err, VOUCH_ENEGATIVE, "cosignature by '%s' does not verify",
			                   wn);
		else if (rc != VOUCH_OK)
			rc = vouch_err_set(err, rc, "cannot verify the cosignature by '%s'", wn);
		else {
			c->ts[i] = ts;
			c->ok[i] = 1;
		}
	}
	vouch_buf_free(&msg);
	return rc;
}

int
vouch_cosig_verify(const char *note, size_t len, vouch_note_verifier *const *ws,
                   size_t nws, size_t *ndistinct, uint64_t *ts, vouch_err *err)
{
	struct cosig_ctx c;
	size_t i, j, n = 0;
	int rc;

	memset(&c, 0, sizeof c);
	c.note = note;
	c.ws = ws;
	c.nws = nws;
	c.ts = calloc(nws + 1, sizeof *c.ts);
	c.ok = calloc(nws + 1, 1);
	if (c.ts == NULL || c.ok == NULL) {
		rc = vouch_err_set(err, VOUCH_ENOMEM, "out of memory");
		goto out;
	}
	if ((rc = vouch_note_each_sig(note, len, &c.text_len, check_one, &c, err)) != VOUCH_OK)
		goto out;
	for (i = 0; i < nws; i++) {
		if (!c.ok[i])
			continue;
		for (j = 0; j < i; j++)
			if (c.ok[j] &&
			    vouch_key_same_public(vouch_note_verifier_key(ws[i]),
			                          vouch_note_verifier_key(ws[j])))
				break;
		if (j == i)
			n++;
	}
	if (ndistinct != NULL)
		*ndistinct = n;
	if (ts != NULL)
		memcpy(ts, c.ts, nws * sizeof *ts);
out:
	free(c.ts);
	free(c.ok);
	return rc;
}

int
vouch_cosig_quorum(const char *note, size_t len, vouch_note_verifier *const *ws,
                   size_t nws, size_t k, vouch_err *err)
{
	size_t n = 0;
	int rc;

	if ((rc = vouch_cosig_verify(note, len, ws, nws, &n, NULL, err)) != VOUCH_OK)
		return rc;
	if (n < k)
		return vouch_err_set(err, VOUCH_ENEGATIVE,
		                     "checkpoint cosigned by %zu of the %zu witnesses, %zu required", n,
		                     nws, k);
	return VOUCH_OK;
}

/* ---- lists of vkeys ---- */

int
vouch_config_lines(const char *text, size_t len, vouch_line_fn fn, void *ctx, vouch_err *err)
{
	size_t pos = 0, line = 0;
	int rc;

	while (pos < len) {
		const char *nl = memchr(text + pos, '\n', len - pos);
		size_t end = nl != NULL ? (size_t)(nl - text) : len, l = end;

		line++;
		while (l > pos && (text[l - 1] == ' ' || text[l - 1] == '\t' || text[l - 1] == '\r'))
			l--;
		if (l > pos && text[pos] != '#' && (rc = fn(ctx, text + pos, l - pos, err)) != VOUCH_OK) {
			vouch_err_prefix(err, "line %zu", line);
			return rc;
		}
		pos = end + 1;
	}
	return VOUCH_OK;
}

struct vkey_list {
	uint8_t type;
	vouch_note_verifier **vs;
	size_t max, *n;
};

static int
vkey_line(void *arg, const char *l, size_t len, vouch_err *err)
{
	struct vkey_list *c = arg;
	int rc;

	if (*c->n >= c->max)
		return vouch_err_set(err, VOUCH_ELIMIT, "more than %zu keys", c->max);
	if ((rc = vouch_note_verifier_parse_type(l, len, c->type, &c->vs[*c->n], err)) == VOUCH_OK)
		(*c->n)++;
	return rc;
}

int
vouch_vkey_list_parse(const char *text, size_t len, uint8_t type, vouch_note_verifier **vs,
                      size_t max, size_t *n, vouch_err *err)
{
	struct vkey_list c = { type, vs, max, n };

	return vouch_config_lines(text, len, vkey_line, &c, err);
}

int
vouch_config_file(const char *path, vouch_line_fn fn, void *ctx, vouch_err *err)
{
	vouch_buf b;
	int rc;

	vouch_buf_init(&b, 1 << 20);
	rc = vouch_read_file(path, 1 << 20, &b, err);
	if (rc == VOUCH_OK &&
	    (rc = vouch_config_lines(vouch_buf_cstr(&b), b.len, fn, ctx, err)) != VOUCH_OK)
		vouch_err_prefix(err, "'%s'", path);
	vouch_buf_free(&b);
	return rc;
}

int
vouch_vkey_list_load(const char *path, uint8_t type, vouch_note_verifier **vs, size_t max,
                     size_t *n, vouch_err *err)
{
	struct vkey_list c = { type, vs, max, n };

	return vouch_config_file(path, vkey_line, &c, err);
}

int
vouch_checkpoint_open_cosigned(const char *note, size_t len, const char *origin,
                               vouch_note_verifier *logver, vouch_note_verifier *const *ws,
                               size_t nws, size_t k, vouch_checkpoint *cp, vouch_err *err)
{
	vouch_checkpoint tmp;
	int rc;

	if ((rc = vouch_checkpoint_open(note, len, origin, &logver, 1, cp != NULL ? cp : &tmp,
	                                err)) != VOUCH_OK)
		return rc;
	return vouch_cosig_quorum(note, len, ws, nws, k, err);
}
