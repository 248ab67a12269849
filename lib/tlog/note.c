/* note.c - C2SP signed notes (Ed25519). */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "vouch/codec.h"
#include "vouch/json.h"
#include "vouch/note.h"

#define ED25519_SIG 64

static const char dash[] = "\xe2\x80\x94 "; /* U+2014 and a space */
#define DASH_LEN 4

struct vouch_note_verifier {
	char name[VOUCH_NOTE_NAME_MAX + 1];
	uint32_t id;
	uint8_t type;   /* vkey signature type: VOUCH_VKEY_* */
	vouch_key *key;
};

int
vouch_note_name_valid(const char *name, size_t len)
{
	size_t i;

	if (len == 0 || len > VOUCH_NOTE_NAME_MAX || !vouch_utf8_valid(name, len))
		return 0;
	for (i = 0; i < len; i++) {
		unsigned char c = (unsigned char)name[i];

		if (c <= 0x20 || c == 0x7f || c == '+')
			return 0;
	}
	return 1;
}

void
vouch_note_verifier_free(vouch_note_verifier *v)
{
	if (v == NULL)
		return;
	vouch_key_free(v->key);
	free(v);
}

const char *
vouch_note_verifier_name(const vouch_note_verifier *v)
{
	return v->name;
}

uint32_t
vouch_note_verifier_id(const vouch_note_verifier *v)
{
	return v->id;
}

uint8_t
vouch_note_verifier_type(const vouch_note_verifier *v)
{
	return v->type;
}

const vouch_key *
vouch_note_verifier_key(const vouch_note_verifier *v)
{
	return v->key;
}

static int
parse_hex32(const char *s, size_t len, uint32_t *out)
{
	uint8_t b[4];

	if (len != 8 || !vouch_is_lower_hex(s, len, 4) ||
	    vouch_hex_decode(s, len, b, sizeof b, VOUCH_HEX_LOWER, NULL) != VOUCH_OK)
		return -1;
	*out = (uint32_t)b[0] << 24 | (uint32_t)b[1] << 16 | (uint32_t)b[2] << 8 | b[3];
	return 0;
}

int
vouch_note_verifier_parse(const char *s, size_t len, vouch_note_verifier **out,
                          vouch_err *err)
{
	return vouch_note_verifier_parse_type(s, len, VOUCH_VKEY_ED25519, out, err);
}

int
vouch_note_verifier_parse_type(const char *s, size_t len, uint8_t type,
                               vouch_note_verifier **out, vouch_err *err)
{
	vouch_note_verifier *v = NULL;
	const char *p1, *p2;
	uint8_t raw[33];
	uint32_t want = 0;
	int rc;

	*out = NULL;
	p1 = len > 0 ? memchr(s, '+', len) : NULL;
	p2 = p1 != NULL ? memchr(p1 + 1, '+', len - (size_t)(p1 + 1 - s)) : NULL;
	if (p2 == NULL || !vouch_note_name_valid(s, (size_t)(p1 - s)) ||
	    parse_hex32(p1 + 1, (size_t)(p2 - p1 - 1), &want) != 0)
		return vouch_err_set(err, VOUCH_EINPUT, "'%.*s' is not a verifier key",
		                     (int)(len > 100 ? 100 : len), s);
	if (vouch_b64_decode_exact(p2 + 1, len - (size_t)(p2 + 1 - s), VOUCH_B64_STD, raw,
	                           sizeof raw, NULL) != VOUCH_OK ||
	    raw[0] != type)
		return vouch_err_set(err, VOUCH_EINPUT,
		                     "verifier key '%.*s' does not hold an Ed25519 key of type 0x%02x",
		                     (int)(p1 - s), s, type);
	if ((v = calloc(1, sizeof *v)) == NULL)
		return vouch_err_set(err, VOUCH_ENOMEM, "out of memory");
	memcpy(v->name, s, (size_t)(p1 - s));
	v->type = type;
	if ((rc = vouch_key_from_ed25519_public(raw + 1, &v->key, err)) != VOUCH_OK ||
	    (rc = vouch_key_vkey_id(v->key, v->name, type, &v->id, err)) != VOUCH_OK)
		goto out;
	if (v->id != want) {
		rc = vouch_err_set(err, VOUCH_EINPUT,
		                   "verifier key '%s': key ID %08x does not match the key",
		                   v->name, (unsigned)want);
		goto out;
	}
	*out = v;
	v = NULL;
out:
	vouch_note_verifier_free(v);
	return rc;
}

int
vouch_note_verifier_from_key(const vouch_key *key, const char *name,
                             vouch_note_verifier **out, vouch_err *err)
{
	return vouch_note_verifier_from_key_type(key, name, VOUCH_VKEY_ED25519, out, err);
}

int
vouch_note_verifier_from_key_type(const vouch_key *key, const char *name, uint8_t type,
                                  vouch_note_verifier **out, vouch_err *err)
{
	vouch_note_verifier *v = NULL;
	uint8_t pub[32];
	int rc;

	*out = NULL;
	if (!vouch_note_name_valid(name, strlen(name)))
		return vouch_err_set(err, VOUCH_EUSAGE, "'%s' is not a valid note key name", name);
	if ((rc = vouch_key_ed25519_public(key, pub, err)) != VOUCH_OK)
		return rc;
	if ((v = calloc(1, sizeof *v)) == NULL)
		return vouch_err_set(err, VOUCH_ENOMEM, "out of memory");
	memcpy(v->name, name, strlen(name));
	v->type = type;
	if ((rc = vouch_key_from_ed25519_public(pub, &v->key, err)) != VOUCH_OK ||
	    (rc = vouch_key_vkey_id(v->key, v->name, type, &v->id, err)) != VOUCH_OK)
		goto out;
	*out = v;
	v = NULL;
out:
	vouch_note_verifier_free(v);
	return rc;
}

/* Note text: non-empty, valid UTF-8, only \n as control, ends in \n,
 * at most VOUCH_NOTE_LINES_MAX lines. */
static int
check_text(const char *t, size_t len, vouch_err *err)
{
	size_t i, lines = 0;

	if (len == 0 || t[len - 1] != '\n')
		return vouch_err_set(err, VOUCH_EINPUT, "note text must end in a newline");
	if (!vouch_utf8_valid(t, len))
		return vouch_err_set(err, VOUCH_EINPUT, "note is not valid UTF-8");
	for (i = 0; i < len; i++) {
		unsigned char c = (unsigned char)t[i];

		if (c == '\n') {
			if (++lines > VOUCH_NOTE_LINES_MAX)
				return vouch_err_set(err, VOUCH_ELIMIT, "note has more than %d lines",
				                     VOUCH_NOTE_LINES_MAX);
		} else if (c < 0x20 || c == 0x7f) {
			return vouch_err_set(err, VOUCH_EINPUT,
			                     "note holds control character 0x%02x", c);
		}
	}
	return VOUCH_OK;
}

int
vouch_note_sign(const char *text, size_t len, const char *name, const vouch_key *key,
                vouch_buf *out, vouch_err *err)
{
	vouch_buf sig;
	uint8_t raw[4 + ED25519_SIG];
	uint32_t id = 0;
	int rc;

	vouch_buf_init(&sig, 256);
	if (!vouch_note_name_valid(name, strlen(name)))
		return vouch_err_set(err, VOUCH_EUSAGE, "'%s' is not a valid note key name", name);
	if (len > VOUCH_NOTE_MAX / 2 || (rc = check_text(text, len, err)) != VOUCH_OK)
		return vouch_err_set(err, VOUCH_EUSAGE, "cannot sign this note text");
	if (vouch_key_get_type(key) != VOUCH_KEY_ED25519)
		return vouch_err_set(err, VOUCH_EUSAGE, "notes are signed with Ed25519 keys only");
	if ((rc = vouch_key_note_id(key, name, &id, err)) != VOUCH_OK ||
	    (rc = vouch_key_sign(key, text, len, &sig, err)) != VOUCH_OK)
		goto out;
	if (sig.len != ED25519_SIG) {
		rc = vouch_err_set(err, VOUCH_EINTERNAL, "unexpected signature length %zu",
		                   sig.len);
		goto out;
	}
	raw[0] = (uint8_t)(id >> 24);
	raw[1] = (uint8_t)(id >> 16);
	raw[2] = (uint8_t)(id >> 8);
	raw[3] = (uint8_t)id;
	memcpy(raw + 4, sig.data, ED25519_SIG);
	if ((rc = vouch_buf_append(out, text, len, err)) != VOUCH_OK ||
	    (rc = vouch_buf_appendf(out, err, "\n%s%s ", dash, name)) != VOUCH_OK ||
	    (rc = vouch_b64_append(out, raw, sizeof raw, VOUCH_B64_STD, err)) != VOUCH_OK ||
	    (rc = vouch_buf_append_byte(out, '\n', err)) != VOUCH_OK)
		goto out;
out:
	vouch_buf_free(&sig);
	return rc;
}

/* Find the last "\n\n" that separates the text from the signatures. */
static int
split_note(const char *note, size_t len, size_t *text_len)
{
	size_t i;

	for (i = len; i >= 2; i--)
		if (note[i - 1] == '\n' && note[i - 2] == '\n') {
			*text_len = i - 1;
			return 0;
		}
	return -1;
}

/* One signature line: "— <name> <base64(id || sig)>". */
static int
parse_sigline(const char *l, size_t len, vouch_note_sig_fn fn, void *ctx, vouch_err *err)
{
	const char *sp, *name;
	size_t name_len;
	uint32_t id;
	vouch_buf raw;
	int rc;

	vouch_buf_init(&raw, VOUCH_NOTE_MAX);
	if (len < DASH_LEN || memcmp(l, dash, DASH_LEN) != 0)
		return vouch_err_set(err, VOUCH_EINPUT, "note signature line must start with '— '");
	l += DASH_LEN;
	len -= DASH_LEN;
	sp = memchr(l, ' ', len);
	if (sp == NULL || !vouch_note_name_valid(l, (size_t)(sp - l)))
		return vouch_err_set(err, VOUCH_EINPUT, "malformed note signature line");
	name = l;
	name_len = (size_t)(sp - l);
	if (vouch_b64_decode(sp + 1, len - (size_t)(sp + 1 - l), VOUCH_B64_STD, &raw, NULL) !=
	        VOUCH_OK ||
	    raw.len < 5) {
		rc = vouch_err_set(err, VOUCH_EINPUT, "malformed signature by '%.*s'",
		                   (int)name_len, name);
		goto out;
	}
	id = (uint32_t)raw.data[0] << 24 | (uint32_t)raw.data[1] << 16 |
	     (uint32_t)raw.data[2] << 8 | raw.data[3];
	rc = fn(ctx, name, name_len, id, raw.data + 4, raw.len - 4, err);
out:
	vouch_buf_free(&raw);
	return rc;
}

int
vouch_note_each_sig(const char *note, size_t len, size_t *text_len, vouch_note_sig_fn fn,
                    void *ctx, vouch_err *err)
{
	size_t tl = 0, pos, nsig = 0;
	int rc;

	if (len > VOUCH_NOTE_MAX)
		return vouch_err_set(err, VOUCH_ELIMIT, "note larger than %d bytes",
		                     VOUCH_NOTE_MAX);
	if ((rc = check_text(note, len, err)) != VOUCH_OK)
		return rc;
	if (split_note(note, len, &tl) != 0 || tl + 1 >= len)
		return vouch_err_set(err, VOUCH_EINPUT, "note has no signatures");
	*text_len = tl;
	for (pos = tl + 1; pos < len;) {
		const char *nl = memchr(note + pos, '\n', len - pos);

		if (++nsig > VOUCH_NOTE_SIGS_MAX)
			return vouch_err_set(err, VOUCH_ELIMIT, "note has more than %d signatures",
			                     VOUCH_NOTE_SIGS_MAX);
		if ((rc = parse_sigline(note + pos, (size_t)(nl - note - pos), fn, ctx, err)) !=
		    VOUCH_OK)
			return rc;
		pos = (size_t)(nl - note) + 1;
	}
	return VOUCH_OK;
}

int
vouch_note_find_verifier(vouch_note_verifier *const *vs, size_t nvs, size_t from,
                         uint8_t type, const char *name, size_t name_len, uint32_t id)
{
	size_t i;

	for (i = from; i < nvs; i++) {
		const vouch_note_verifier *v = vs[i];

		if (v->type == type && v->id == id && strlen(v->name) == name_len &&
		    memcmp(v->name, name, name_len) == 0)
			return (int)i;
	}
	return -1;
}

struct verify_ctx {
	const char *note;
	vouch_note_verifier *const *vs;
	size_t nvs;
	unsigned char *seen;
	size_t text_len;   /* set by vouch_note_each_sig before the first line */
};

static int
check_sig(void *arg, const char *name, size_t name_len, uint32_t id, const uint8_t *sig,
          size_t sig_len, vouch_err *err)
{
	struct verify_ctx *c = arg;
	int i, rc;

	for (i = vouch_note_find_verifier(c->vs, c->nvs, 0, VOUCH_VKEY_ED25519, name, name_len, id);
	     i >= 0;
	     i = vouch_note_find_verifier(c->vs, c->nvs, (size_t)i + 1, VOUCH_VKEY_ED25519, name,
	                                  name_len, id)) {
		const vouch_note_verifier *v = c->vs[i];

		if (sig_len != ED25519_SIG)
			return vouch_err_set(err, VOUCH_ENEGATIVE,
			                     "signature by '%s' has the wrong length", v->name);
		rc = vouch_key_verify(v->key, c->note, c->text_len, sig, ED25519_SIG, NULL);
		if (rc == VOUCH_ENEGATIVE)
			return vouch_err_set(err, VOUCH_ENEGATIVE,
			                     "signature by '%s' does not verify", v->name);
		if (rc != VOUCH_OK)
			return vouch_err_set(err, rc, "cannot verify the signature by '%s'", v->name);
		c->seen[i] = 1;
	}
	return VOUCH_OK;
}

int
vouch_note_verify(const char *note, size_t len, vouch_note_verifier *const *vs,
                  size_t nvs, size_t *text_len, size_t *nverified, vouch_err *err)
{
	struct verify_ctx c;
	size_t i, count = 0;
	int rc;

	memset(&c, 0, sizeof c);
	c.note = note;
	c.vs = vs;
	c.nvs = nvs;
	if ((c.seen = calloc(nvs + 1, 1)) == NULL)
		return vouch_err_set(err, VOUCH_ENOMEM, "out of memory");
	if ((rc = vouch_note_each_sig(note, len, &c.text_len, check_sig, &c, err)) != VOUCH_OK)
		goto out;
	for (i = 0; i < nvs; i++)
		count += c.seen[i];
	if (count == 0) {
		rc = vouch_err_set(err, VOUCH_ENEGATIVE, "note carries no signature by a known key");
		goto out;
	}
	*text_len = c.text_len;
	if (nverified != NULL)
		*nverified = count;
out:
	free(c.seen);
	return rc;
}
