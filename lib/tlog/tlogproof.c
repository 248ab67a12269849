/* tlogproof.c - c2sp.org/tlog-proof@v1 text form. */
#include "config.h"

#include <string.h>

#include "vouch/checkpoint.h"
#include "vouch/codec.h"
#include "vouch/tlogproof.h"

static const char header[] = "c2sp.org/tlog-proof@v1\n";

void
vouch_tlogproof_init(vouch_tlogproof *p)
{
	memset(p, 0, sizeof *p);
	vouch_buf_init(&p->extra, VOUCH_TLOGPROOF_EXTRA_MAX + 1);
	vouch_buf_init(&p->checkpoint, VOUCH_NOTE_MAX + 1);
}

void
vouch_tlogproof_clear(vouch_tlogproof *p)
{
	vouch_buf_free(&p->extra);
	vouch_buf_free(&p->checkpoint);
	p->has_extra = 0;
	p->nproof = 0;
	p->index = 0;
}

static int
take_line(const char *s, size_t len, size_t *pos, const char **l, size_t *n)
{
	const char *nl;

	if (*pos >= len || (nl = memchr(s + *pos, '\n', len - *pos)) == NULL)
		return -1;
	*l = s + *pos;
	*n = (size_t)(nl - *l);
	*pos = (size_t)(nl - s) + 1;
	return 0;
}

static int
parse_index(const char *s, size_t n, uint64_t *out)
{
	uint64_t v = 0;
	size_t i;

	if (n == 0 || n > 20 || (n > 1 && s[0] == '0'))
		return -1;
	for (i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '9' || v > (UINT64_MAX - (uint64_t)(s[i] - '0')) / 10)
			return -1;
		v = v * 10 + (uint64_t)(s[i] - '0');
	}
	*out = v;
	return 0;
}

int
vouch_tlogproof_parse(const char *s, size_t len, vouch_tlogproof *p, vouch_err *err)
{
	const char *l = NULL;
	size_t n = 0, pos = sizeof header - 1;
	int rc;

	vouch_buf_reset(&p->extra);
	vouch_buf_reset(&p->checkpoint);
	p->has_extra = 0;
	p->nproof = 0;
	if (len < pos || memcmp(s, header, pos) != 0)
		return vouch_err_set(err, VOUCH_EINPUT, "not a c2sp.org/tlog-proof@v1 proof");
	if (take_line(s, len, &pos, &l, &n) != 0)
		goto bad;
	if (n >= 6 && memcmp(l, "extra ", 6) == 0) {
		if (vouch_b64_decode(l + 6, n - 6, VOUCH_B64_STD, &p->extra, NULL) != VOUCH_OK)
			return vouch_err_set(err, VOUCH_EINPUT, "tlog-proof extra data is bad base64");
		p->has_extra = 1;
		if (take_line(s, len, &pos, &l, &n) != 0)
			goto bad;
	}
	if (n < 6 || memcmp(l, "index ", 6) != 0 || parse_index(l + 6, n - 6, &p->index) != 0)
		return vouch_err_set(err, VOUCH_EINPUT, "tlog-proof has no valid index line");
	for (;;) {
		if (take_line(s, len, &pos, &l, &n) != 0)
			goto bad;
		if (n == 0)
			break;
		if (p->nproof >= VOUCH_PROOF_MAX)
			return vouch_err_set(err, VOUCH_ELIMIT, "tlog-proof has too many hashes");
		if (vouch_b64_decode_exact(l, n, VOUCH_B64_STD, p->proof[p->nproof],
		                           VOUCH_HASH_LEN, NULL) != VOUCH_OK)
			return vouch_err_set(err, VOUCH_EINPUT, "tlog-proof hash %zu is not valid",
			                     p->nproof + 1);
		p->nproof++;
	}
	if (pos >= len)
		goto bad;
	if ((rc = vouch_buf_append(&p->checkpoint, s + pos, len - pos, err)) != VOUCH_OK)
		return rc;
	return VOUCH_OK;
bad:
	return vouch_err_set(err, VOUCH_EINPUT, "tlog-proof is truncated");
}

int
vouch_tlogproof_format(const uint8_t *extra, size_t extra_len, uint64_t index,
                       const vouch_hash *proof, size_t nproof, const char *note,
                       size_t note_len, vouch_buf *out, vouch_err *err)
{
	size_t i;
	int rc;

	if ((rc = vouch_buf_append_str(out, header, err)) != VOUCH_OK)
		return rc;
	if (extra != NULL) {
		if ((rc = vouch_buf_append_str(out, "extra ", err)) != VOUCH_OK ||
		    (rc = vouch_b64_append(out, extra, extra_len, VOUCH_B64_STD, err)) != VOUCH_OK ||
		    (rc = vouch_buf_append_byte(out, '\n', err)) != VOUCH_OK)
			return rc;
	}
	if ((rc = vouch_buf_appendf(out, err, "index %llu\n", (unsigned long long)index)) !=
	    VOUCH_OK)
		return rc;
	for (i = 0; i < nproof; i++)
		if ((rc = vouch_b64_append(out, proof[i], VOUCH_HASH_LEN, VOUCH_B64_STD, err)) !=
		        VOUCH_OK ||
		    (rc = vouch_buf_append_byte(out, '\n', err)) != VOUCH_OK)
			return rc;
	if ((rc = vouch_buf_append_byte(out, '\n', err)) != VOUCH_OK)
		return rc;
	return vouch_buf_append(out, note, note_len, err);
}

int
vouch_tlogproof_verify(const vouch_tlogproof *p, const vouch_hash leaf, const char *origin,
                       vouch_note_verifier *const *vs, size_t nvs, vouch_checkpoint *cp,
                       vouch_err *err)
{
	vouch_checkpoint local;
	int rc;

	if (cp == NULL)
		cp = &local;
	if ((rc = vouch_checkpoint_open((const char *)p->checkpoint.data, p->checkpoint.len,
	                                origin, vs, nvs, cp, err)) != VOUCH_OK)
		return rc;
	return vouch_merkle_verify_inclusion(leaf, p->index, cp->size, cp->root,
	                                     (const vouch_hash *)p->proof, p->nproof, err);
}
