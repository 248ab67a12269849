/* evbundle.c - offline evidence bundles: envelope lines (log entries, byte for
 * byte) and inclusion lines carrying c2sp.org/tlog-proof@v1 proofs.  See
 * vouch/evbundle.h and schemas/bundle.md. */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>

#include "vouch/evbundle.h"
#include "vouch/codec.h"
#include "vouch/digest.h"
#include "vouch/envelope.h"
#include "vouch/json.h"
#include "vouch/logentry.h"
#include "vouch/logstore.h"
#include "vouch/tile.h"
#include "vouch/tlogproof.h"

struct ev_proof {
	vouch_tlogproof p;
	int broken;
	char *why;              /* broken: the parse error */
	vouch_buf text;         /* as given, for writing back */
};

struct ev_entry {
	uint8_t *bytes;
	size_t len;
	uint8_t sha[32];
	char *where;
	struct ev_proof proofs[VOUCH_EVBUNDLE_MAX_PROOFS];
	size_t nproofs;
};

struct ev_orphan {
	uint8_t sha[32];
	struct ev_proof proof;
};

struct vouch_evbundle {
	struct ev_entry *entries;
	size_t n, cap;
	size_t *table;          /* open addressing over entries by sha; SIZE_MAX = empty */
	size_t tcap;
	struct ev_orphan *orphans;
	size_t norphans, orphan_cap;
	size_t skipped;
};

static void
proof_clear(struct ev_proof *p)
{
	vouch_tlogproof_clear(&p->p);
	vouch_buf_free(&p->text);
	free(p->why);
	p->why = NULL;
}

int
vouch_evbundle_new(vouch_evbundle **out, vouch_err *err)
{
	*out = calloc(1, sizeof(**out));
	return *out ? VOUCH_OK : vouch_err_set(err, VOUCH_ENOMEM, "out of memory");
}

void
vouch_evbundle_free(vouch_evbundle *b)
{
	if (b == NULL)
		return;
	for (size_t i = 0; i < b->n; i++) {
		for (size_t j = 0; j < b->entries[i].nproofs; j++)
			proof_clear(&b->entries[i].proofs[j]);
		free(b->entries[i].bytes);
		free(b->entries[i].where);
	}
	for (size_t i = 0; i < b->norphans; i++)
		proof_clear(&b->orphans[i].proof);
	free(b->orphans);
	free(b->entries);
	free(b->table);
	free(b);
}

/* ---- the digest index ---- */

static size_t
slot_of(const uint8_t sha[32], size_t tcap)
{
	uint64_t h = 0;

	for (int i = 0; i < 8; i++)
		h = h << 8 | sha[i];
	return (size_t)(h & (tcap - 1));
}

static long
find(const vouch_evbundle *b, const uint8_t sha[32])
{
	if (b->tcap == 0)
		return -1;
	for (size_t s = slot_of(sha, b->tcap);; s = (s + 1) & (b->tcap - 1)) {
		if (b->table[s] == SIZE_MAX)
			return -1;
		if (memcmp(b->entries[b->table[s]].sha, sha, 32) == 0)
			return (long)b->table[s];
	}
}

static int
rehash(vouch_evbundle *b, vouch_err *err)
{
	size_t tcap = b->tcap ? b->tcap * 2 : 64;
	size_t *t = malloc(tcap * sizeof(*t));

	if (t == NULL)
		return vouch_err_set(err, VOUCH_ENOMEM, "out of memory");
	for (size_t i = 0; i < tcap; i++)
		t[i] = SIZE_MAX;
	for (size_t i = 0; i < b->n; i++) {
		size_t s = slot_of(b->entries[i].sha, tcap);

		while (t[s] != SIZE_MAX)
			s = (s + 1) & (tcap - 1);
		t[s] = i;
	}
	free(b->table);
	b->table = t;
	b->tcap = tcap;
	return VOUCH_OK;
}

static int
index_last(vouch_evbundle *b, vouch_err *err)
{
	size_t s;
	int rc;

	if ((b->n + 1) * 2 > b->tcap && (rc = rehash(b, err)) != VOUCH_OK)
		return rc;
	s = slot_of(b->entries[b->n - 1].sha, b->tcap);
	while (b->table[s] != SIZE_MAX)
		s = (s + 1) & (b->tcap - 1);
	b->table[s] = b->n - 1;
	return VOUCH_OK;
}

/* ---- proofs ---- */

static void
proof_parse(struct ev_proof *p, const char *text, size_t len)
{
	vouch_err why;

	vouch_err_clear(&why);
	vouch_tlogproof_init(&p->p);
	vouch_buf_init(&p->text, VOUCH_NOTE_MAX * 2);
	p->broken = 0;
	p->why = NULL;
	if (vouch_buf_append(&p->text, text, len, &why) != VOUCH_OK ||
	    vouch_tlogproof_parse(text, len, &p->p, &why) != VOUCH_OK) {
		p->broken = 1;
		p->why = strdup(vouch_err_msg(&why));
	}
}

static int
attach(vouch_evbundle *b, const uint8_t sha[32], struct ev_proof *pr, vouch_err *err)
{
	long i = find(b, sha);

	if (i >= 0) {
		struct ev_entry *e = &b->entries[i];

		for (size_t j = 0; j < e->nproofs; j++)
			if (e->proofs[j].text.len == pr->text.len &&
			    memcmp(e->proofs[j].text.data, pr->text.data, pr->text.len) == 0) {
				proof_clear(pr); /* the same proof twice */
				return VOUCH_OK;
			}
		if (e->nproofs == VOUCH_EVBUNDLE_MAX_PROOFS) {
			proof_clear(pr);
			return vouch_err_set(err, VOUCH_ELIMIT, "'%s': more than %d proofs for one entry",
			                     e->where, VOUCH_EVBUNDLE_MAX_PROOFS);
		}
		e->proofs[e->nproofs++] = *pr;
		return VOUCH_OK;
	}
	if (b->norphans >= VOUCH_EVBUNDLE_MAX_ENTRIES) {
		proof_clear(pr);
		return vouch_err_set(err, VOUCH_ELIMIT, "too many inclusion lines");
	}
	if (b->norphans == b->orphan_cap) {
		size_t nc = b->orphan_cap ? b->orphan_cap * 2 : 16;
		struct ev_orphan *o = realloc(b->orphans, nc * sizeof(*o));

		if (o == NULL) {
			proof_clear(pr);
			return vouch_err_set(err, VOUCH_ENOMEM, "out of memory");
		}
		b->orphans = o;
		b->orphan_cap = nc;
	}
	memcpy(b->orphans[b->norphans].sha, sha, 32);
	b->orphans[b->norphans++].proof = *pr;
	return VOUCH_OK;
}

/* Proofs that arrived before their entry. */
static int
adopt_orphans(vouch_evbundle *b, vouch_err *err)
{
	const uint8_t *sha = b->entries[b->n - 1].sha;
	size_t i = 0;
	int rc;

	while (i < b->norphans) {
		if (memcmp(b->orphans[i].sha, sha, 32) != 0) {
			i++;
			continue;
		}
		struct ev_proof pr = b->orphans[i].proof;

		b->orphans[i] = b->orphans[--b->norphans];
		if ((rc = attach(b, sha, &pr, err)) != VOUCH_OK)
			return rc;
	}
	return VOUCH_OK;
}

int
vouch_evbundle_add_proof(vouch_evbundle *b, const uint8_t *entry, size_t len,
                         const char *tlogproof, size_t plen, vouch_err *err)
{
	struct ev_proof pr;
	uint8_t sha[32];
	int rc;

	if ((rc = vouch_sha256(entry, len, sha, err)) != VOUCH_OK)
		return rc;
	proof_parse(&pr, tlogproof, plen);
	if (pr.broken && pr.why == NULL) {
		proof_clear(&pr);
		return vouch_err_set(err, VOUCH_ENOMEM, "out of memory");
	}
	return attach(b, sha, &pr, err);
}

/* ---- entries ---- */

int
vouch_evbundle_add_envelope(vouch_evbundle *b, const uint8_t *entry, size_t len,
                            const char *where, vouch_err *err)
{
	struct ev_entry *e;
	uint8_t sha[32];
	int rc;

	if ((rc = vouch_sha256(entry, len, sha, err)) != VOUCH_OK)
		return rc;
	if (find(b, sha) >= 0)
		return VOUCH_OK; /* the same envelope from two places */
	if (b->n >= VOUCH_EVBUNDLE_MAX_ENTRIES)
		return vouch_err_set(err, VOUCH_ELIMIT, "more than %d envelopes",
		                     VOUCH_EVBUNDLE_MAX_ENTRIES);
	if (b->n == b->cap) {
		size_t nc = b->cap ? b->cap * 2 : 64;
		struct ev_entry *ne = realloc(b->entries, nc * sizeof(*ne));

		if (ne == NULL)
			return vouch_err_set(err, VOUCH_ENOMEM, "out of memory");
		b->entries = ne;
		b->cap = nc;
	}
	e = &b->entries[b->n];
	memset(e, 0, sizeof(*e));
	memcpy(e->sha, sha, 32);
	e->bytes = malloc(len ? len : 1);
	e->where = strdup(where ? where : "-");
	if (e->bytes == NULL || e->where == NULL) {
		free(e->bytes);
		free(e->where);
		return vouch_err_set(err, VOUCH_ENOMEM, "out of memory");
	}
	memcpy(e->bytes, entry, len);
	e->len = len;
	b->n++;
	if ((rc = index_last(b, err)) != VOUCH_OK)
		return rc;
	return b->norphans ? adopt_orphans(b, err) : VOUCH_OK;
}

/* A vouch inclusion line: attach its proof (broken or not). */
static int
inclusion_line(vouch_evbundle *b, const cJSON *j, vouch_err *err)
{
	const char *hex = vouch_json_get_string(vouch_json_get_object(j, "entry"), "sha256");
	const char *text = vouch_json_get_string(j, "tlogProof");
	struct ev_proof pr;
	uint8_t sha[32];

	if (hex == NULL || !vouch_is_lower_hex(hex, strlen(hex), 32)) {
		b->skipped++; /* names no entry: nothing it could prove */
		return VOUCH_OK;
	}
	vouch_hex_decode(hex, 64, sha, 32, VOUCH_HEX_LOWER, NULL);
	if (text == NULL) {
		proof_parse(&pr, "", 0);
		free(pr.why);
		pr.why = strdup("inclusion line has no tlogProof");
		pr.broken = 1;
	} else {
		proof_parse(&pr, text, strlen(text));
	}
	if (pr.broken && pr.why == NULL) {
		proof_clear(&pr);
		return vouch_err_set(err, VOUCH_ENOMEM, "out of memory");
	}
	return attach(b, sha, &pr, err);
}

static int
one_line(vouch_evbundle *b, const char *line, size_t n, const char *where, vouch_err *err)
{
	vouch_envelope *env = NULL;
	cJSON *j = NULL;
	const char *type;
	int rc;

	if (n > VOUCH_EVBUNDLE_LINE_MAX || vouch_json_parse(line, n, &j, NULL) != VOUCH_OK ||
	    !cJSON_IsObject(j)) {
		cJSON_Delete(j);
		b->skipped++;
		return VOUCH_OK;
	}
	type = vouch_json_get_string(j, "_type");
	if (type != NULL && strcmp(type, VOUCH_EVBUNDLE_INCLUSION_TYPE) == 0) {
		rc = inclusion_line(b, j, err);
	} else if (vouch_json_get(j, "payload") != NULL &&
	           vouch_envelope_parse(line, n, 0, &env, NULL) == VOUCH_OK) {
		rc = vouch_evbundle_add_envelope(b, (const uint8_t *)line, n, where, err);
	} else {
		b->skipped++;
		rc = VOUCH_OK;
	}
	vouch_envelope_free(env);
	cJSON_Delete(j);
	return rc;
}

int
vouch_evbundle_add_jsonl(vouch_evbundle *b, const char *data, size_t len, const char *source,
                         vouch_err *err)
{
	vouch_buf where;
	size_t pos = 0, lineno = 0;
	int rc = VOUCH_OK;

	if (len > VOUCH_EVBUNDLE_MAX_BYTES)
		return vouch_err_set(err, VOUCH_ELIMIT, "'%s': bundle larger than %zu bytes", source,
		                     VOUCH_EVBUNDLE_MAX_BYTES);
	vouch_buf_init(&where, 0);
	while (rc == VOUCH_OK && pos < len) {
		const char *nl = memchr(data + pos, '\n', len - pos);
		size_t end = nl ? (size_t)(nl - data) : len, n = end - pos;

		lineno++;
		/* a CRLF file: the CR is not part of the entry */
		if (n > 0 && data[pos + n - 1] == '\r')
			n--;
		if (n > 0) {
			vouch_buf_reset(&where);
			rc = vouch_buf_appendf(&where, err, "%s:%zu", source ? source : "-", lineno);
			if (rc == VOUCH_OK)
				rc = one_line(b, data + pos, n, vouch_buf_cstr(&where), err);
		}
		pos = end + 1;
	}
	vouch_buf_free(&where);
	return rc;
}

/* ---- accessors ---- */

size_t
vouch_evbundle_entry_count(const vouch_evbundle *b)
{
	return b->n;
}

const uint8_t *
vouch_evbundle_entry(const vouch_evbundle *b, size_t i, size_t *len)
{
	if (i >= b->n)
		return NULL;
	*len = b->entries[i].len;
	return b->entries[i].bytes;
}

const char *
vouch_evbundle_entry_where(const vouch_evbundle *b, size_t i)
{
	return i < b->n ? b->entries[i].where : NULL;
}

size_t
vouch_evbundle_proof_count(const vouch_evbundle *b, size_t i)
{
	return i < b->n ? b->entries[i].nproofs : 0;
}

const vouch_tlogproof *
vouch_evbundle_proof(const vouch_evbundle *b, size_t i, size_t j, const char **why)
{
	const struct ev_proof *p;

	if (i >= b->n || j >= b->entries[i].nproofs)
		return NULL;
	p = &b->entries[i].proofs[j];
	if (why != NULL)
		*why = p->broken ? p->why : NULL;
	return p->broken ? NULL : &p->p;
}

size_t
vouch_evbundle_skipped(const vouch_evbundle *b)
{
	return b->skipped;
}

size_t
vouch_evbundle_orphans(const vouch_evbundle *b)
{
	return b->norphans;
}

/* ---- writing ---- */

static int
write_inclusion(const struct ev_entry *e, const struct ev_proof *p, vouch_buf *out,
                vouch_err *err)
{
	cJSON *j = cJSON_CreateObject(), *ent;
	char hex[65];
	int rc;

	if (j == NULL || vouch_json_add_string(j, "_type", VOUCH_EVBUNDLE_INCLUSION_TYPE, err) ==
	        NULL ||
	    (ent = vouch_json_add_object(j, "entry", err)) == NULL ||
	    vouch_json_add_string(ent, "sha256", vouch_hex_encode(e->sha, 32, hex), err) == NULL ||
	    vouch_json_add_string(j, "tlogProof", vouch_buf_cstr(&p->text), err) == NULL) {
		cJSON_Delete(j);
		return vouch_err_set(err, VOUCH_ENOMEM, "out of memory");
	}
	rc = vouch_json_append(out, j, err);
	if (rc == VOUCH_OK)
		rc = vouch_buf_append_byte(out, '\n', err);
	cJSON_Delete(j);
	return rc;
}

int
vouch_evbundle_write(const vouch_evbundle *b, vouch_buf *out, vouch_err *err)
{
	int rc = VOUCH_OK;

	for (size_t i = 0; rc == VOUCH_OK && i < b->n; i++) {
		const struct ev_entry *e = &b->entries[i];

		rc = vouch_buf_append(out, e->bytes, e->len, err);
		if (rc == VOUCH_OK)
			rc = vouch_buf_append_byte(out, '\n', err);
		for (size_t j = 0; rc == VOUCH_OK && j < e->nproofs; j++)
			if (!e->proofs[j].broken)
				rc = write_inclusion(e, &e->proofs[j], out, err);
	}
	return rc;
}

/* ---- from a log ---- */

static int
carries(const uint8_t *e, size_t len, const uint8_t d[32])
{
	vouch_buf subj;
	int found = 0;

	vouch_buf_init(&subj, 0);
	vouch_logentry_check(e, len, NULL, 0, &subj, NULL);
	for (size_t i = 0; i + 32 <= subj.len && !found; i += 32)
		found = CRYPTO_memcmp(subj.data + i, d, 32) == 0;
	vouch_buf_free(&subj);
	return found;
}

static int
lookup_indices(vouch_logclient *lc, const uint8_t sha256[32], cJSON **out, vouch_err *err)
{
	char path[128], hex[65];
	vouch_buf b;
	long st = 0;
	int rc;

	memset(&b, 0, sizeof(b));
	snprintf(path, sizeof(path), "lookup/sha256/%s", vouch_hex_encode(sha256, 32, hex));
	rc = vouch_logclient_get(lc, path, (size_t)16 << 20, &b, &st, err);
	if (rc == VOUCH_ENEGATIVE && st == 404) {
		/* nothing known under this digest */
		vouch_err_clear(err);
		*out = cJSON_CreateObject();
		rc = *out ? VOUCH_OK : vouch_err_set(err, VOUCH_ENOMEM, "out of memory");
	} else if (rc == VOUCH_OK) {
		rc = vouch_json_parse((const char *)b.data, b.len, out, err);
	}
	vouch_buf_free(&b);
	return rc;
}

static int
from_log_one(vouch_evbundle *b, vouch_logclient *lc, const vouch_checkpoint *cp,
             const char *note, size_t note_len, uint64_t idx, const uint8_t *sha256,
             vouch_err *err)
{
	vouch_hash proof[VOUCH_PROOF_MAX];
	vouch_buf e, text, where;
	size_t n = 0;
	int rc;

	vouch_buf_init(&e, 0);
	vouch_buf_init(&text, 0);
	vouch_buf_init(&where, 0);
	rc = vouch_logclient_entry(lc, cp, idx, &e, proof, &n, err);
	if (rc == VOUCH_OK && sha256 != NULL && !carries(e.data, e.len, sha256))
		rc = vouch_err_set(err, VOUCH_ENEGATIVE,
		                   "log entry %llu does not carry the digest it was looked up by",
		                   (unsigned long long)idx);
	if (rc == VOUCH_OK)
		rc = vouch_tlogproof_format(NULL, 0, idx, (const vouch_hash *)proof, n, note, note_len,
		                            &text, err);
	if (rc == VOUCH_OK)
		rc = vouch_buf_appendf(&where, err, "%s#%llu", cp->origin, (unsigned long long)idx);
	if (rc == VOUCH_OK)
		rc = vouch_evbundle_add_envelope(b, e.data, e.len, vouch_buf_cstr(&where), err);
	if (rc == VOUCH_OK)
		rc = vouch_evbundle_add_proof(b, e.data, e.len, (const char *)text.data, text.len, err);
	vouch_buf_free(&e);
	vouch_buf_free(&text);
	vouch_buf_free(&where);
	return rc;
}

int
vouch_evbundle_from_log(vouch_evbundle *b, vouch_logclient *lc, const vouch_checkpoint *cp,
                        const char *note, size_t note_len, const uint8_t sha256[32],
                        size_t *found, vouch_err *err)
{
	const cJSON *arr, *it;
	cJSON *j = NULL;
	size_t count = 0;
	int rc;

	if (found != NULL)
		*found = 0;
	if ((rc = lookup_indices(lc, sha256, &j, err)) != VOUCH_OK)
		return rc;
	arr = vouch_json_get_array(j, "indices");
	if (arr == NULL && vouch_json_get(j, "indices") != NULL) {
		cJSON_Delete(j);
		return vouch_err_set(err, VOUCH_EINPUT, "the log's lookup answer is malformed");
	}
	cJSON_ArrayForEach(it, arr) {
		double v = it->valuedouble;

		if (!cJSON_IsNumber(it) || v < 0 || v != (double)(uint64_t)v) {
			rc = vouch_err_set(err, VOUCH_EINPUT, "the log's lookup answer is malformed");
			break;
		}
		if ((uint64_t)v >= cp->size)
			continue; /* not yet covered by the checkpoint we verified */
		if (++count > VOUCH_EVBUNDLE_MAX_ENTRIES) {
			rc = vouch_err_set(err, VOUCH_ELIMIT, "more than %d entries for one digest",
			                   VOUCH_EVBUNDLE_MAX_ENTRIES);
			break;
		}
		if ((rc = from_log_one(b, lc, cp, note, note_len, (uint64_t)v, sha256, err)) !=
		    VOUCH_OK)
			break;
	}
	cJSON_Delete(j);
	if (rc == VOUCH_OK && found != NULL)
		*found = count;
	return rc;
}

int
vouch_evbundle_add_log_entry(vouch_evbundle *b, vouch_logclient *lc, const vouch_checkpoint *cp,
                             const char *note, size_t note_len, uint64_t index, vouch_err *err)
{
	if (index >= cp->size)
		return vouch_err_set(err, VOUCH_EUSAGE, "entry %llu is not in the log of size %llu",
		                     (unsigned long long)index, (unsigned long long)cp->size);
	return from_log_one(b, lc, cp, note, note_len, index, NULL, err);
}

int
vouch_evbundle_fetch(vouch_logclient *lc, const vouch_evbundle_item *items, size_t n,
                     vouch_buf *out, vouch_err *err)
{
	vouch_evbundle *b = NULL;
	vouch_checkpoint cp;
	vouch_buf note;
	size_t i;
	int rc;

	vouch_buf_init(&note, 0);
	vouch_buf_init(out, 0);
	if ((rc = vouch_logclient_checkpoint(lc, &cp, &note, err)) != VOUCH_OK ||
	    (rc = vouch_evbundle_new(&b, err)) != VOUCH_OK)
		goto out;
	for (i = 0; rc == VOUCH_OK && i < n; i++) {
		if (items[i].is_digest)
			rc = vouch_evbundle_from_log(b, lc, &cp, (const char *)note.data, note.len,
			                             items[i].sha256, NULL, err);
		else
			rc = vouch_evbundle_add_log_entry(b, lc, &cp, (const char *)note.data, note.len,
			                                  items[i].index, err);
	}
	if (rc == VOUCH_OK)
		rc = vouch_evbundle_write(b, out, err);
out:
	vouch_evbundle_free(b);
	vouch_buf_free(&note);
	return rc;
}
