/* intoto_link.c - the static rebuilder layout apt-transport-in-toto reads. */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include "pubdir.h"
#include "vouch/codec.h"
#include "vouch/digest.h"
#include "vouch/intoto.h"
#include "vouch/link.h"

static int
span_ok(const char *s, size_t n, const char *first, const char *rest)
{
	if (n == 0 || strchr(first, s[0]) == NULL)
		return 0;
	for (size_t i = 1; i < n; i++)
		if (strchr(rest, s[i]) == NULL)
			return 0;
	return 1;
}

#define LOWER_DIGITS "abcdefghijklmnopqrstuvwxyz0123456789"
#define ALNUM LOWER_DIGITS "ABCDEFGHIJKLMNOPQRSTUVWXYZ"

int
vouch_apt_deb_split(const char *deb, char *name, char *version, size_t cap, vouch_err *err)
{
	size_t len = strlen(deb), n1, n2, n3;

	if (len < 4 || strcmp(deb + len - 4, ".deb") != 0)
		return vouch_err_set(err, VOUCH_EINPUT, "'%s' is not a .deb", deb);
	len -= 4;
	n1 = strcspn(deb, "_");
	n2 = n1 < len ? strcspn(deb + n1 + 1, "_") : 0;
	n3 = n1 + n2 + 2 <= len ? len - (n1 + n2 + 2) : 0;
	if (n1 >= len || n1 + 1 + n2 >= len || n1 >= cap || n2 >= cap ||
	    memchr(deb + n1 + n2 + 2, '_', n3) != NULL ||
	    !span_ok(deb, n1, LOWER_DIGITS, LOWER_DIGITS ".+-") ||
	    !span_ok(deb + n1 + 1, n2, ALNUM, ALNUM ".+~-") ||
	    !span_ok(deb + n1 + n2 + 2, n3, LOWER_DIGITS, LOWER_DIGITS "-"))
		return vouch_err_set(err, VOUCH_EINPUT,
		    "'%s' is not a Debian pool name NAME_VERSION_ARCH.deb (without an epoch)", deb);
	memcpy(name, deb, n1);
	name[n1] = '\0';
	memcpy(version, deb + n1 + 1, n2);
	version[n2] = '\0';
	return VOUCH_OK;
}

static int
is_deb(const char *name)
{
	size_t n = strlen(name);

	return n > 4 && strcmp(name + n - 4, ".deb") == 0;
}

/* The item's signed link, serialized into out. */
static int
item_link(const vouch_campsum_item *it, const vouch_key *key, const char *step, vouch_buf *out,
          vouch_err *err)
{
	vouch_link *l = NULL;
	vouch_digests d;
	int rc;

	if ((rc = vouch_link_new(step, &l, err)) != VOUCH_OK)
		return rc;
	for (size_t a = 0; a < it->n_artifacts && rc == VOUCH_OK; a++) {
		if (!is_deb(it->artifacts[a].name))
			continue;
		memset(&d, 0, sizeof(d));
		d.algs = VOUCH_ALG_SHA256;
		rc = vouch_hex_decode(it->artifacts[a].sha256, 64, d.md[vouch_alg_index(VOUCH_ALG_SHA256)],
		    VOUCH_DIGEST_MAX, VOUCH_HEX_LOWER, err);
		if (rc == VOUCH_OK)
			rc = vouch_link_add_product(l, it->artifacts[a].name, &d, err);
	}
	if (rc == VOUCH_OK)
		rc = vouch_link_sign(l, key, err);
	if (rc == VOUCH_OK)
		rc = vouch_link_serialize(l, out, err);
	vouch_link_free(l);
	return rc;
}

/* Write the link under every .deb's sources/NAME/VERSION/metadata. */
static int
publish_item(pubdir *d, const vouch_campsum_item *it, const vouch_buf *link, size_t *written,
             vouch_err *err)
{
	char name[256], version[256], path[600];
	int rc;

	for (size_t a = 0; a < it->n_artifacts; a++) {
		if (!is_deb(it->artifacts[a].name))
			continue;
		if ((rc = vouch_apt_deb_split(it->artifacts[a].name, name, version, sizeof(name),
		    err)) != VOUCH_OK)
			return rc;
		snprintf(path, sizeof(path), "sources/%s/%s/metadata", name, version);
		if ((rc = pubdir_write(d, path, link->data, link->len, err)) != VOUCH_OK) {
			if (rc == VOUCH_EEXIST)
				rc = vouch_err_set(err, VOUCH_EINPUT, "'%s' is named by two items",
				    it->artifacts[a].name);
			return rc;
		}
		(*written)++;
	}
	return VOUCH_OK;
}

static int
check_key(const vouch_campsum *s, const vouch_key *key, vouch_err *err)
{
	char kid[VOUCH_KEYID_HEX_LEN + 1];
	int rc;

	if (vouch_key_get_type(key) != VOUCH_KEY_ED25519 || !vouch_key_has_private(key))
		return vouch_err_set(err, VOUCH_EUSAGE, "in-toto links for apt need an Ed25519 private key");
	if ((rc = vouch_key_id(key, kid, err)) != VOUCH_OK)
		return rc;
	if (strcmp(kid, s->lab_keyid) != 0)
		return vouch_err_set(err, VOUCH_EUSAGE, "the key (keyid %s) is not the lab's key (%s)",
		    kid, s->lab_keyid);
	return VOUCH_OK;
}

static int
has_deb(const vouch_campsum_item *it)
{
	for (size_t a = 0; a < it->n_artifacts; a++)
		if (is_deb(it->artifacts[a].name))
			return 1;
	return 0;
}

int
vouch_apt_intoto_write(const vouch_campsum *s, const vouch_key *key, const char *step,
                       const char *outdir, size_t *written, size_t *skipped, vouch_err *err)
{
	vouch_buf link;
	pubdir d;
	int rc;

	*written = *skipped = 0;
	if (step == NULL)
		step = VOUCH_APT_STEP_DEFAULT;
	if ((rc = check_key(s, key, err)) != VOUCH_OK)
		return rc;
	vouch_buf_init(&link, 0);
	if ((rc = pubdir_begin(&d, outdir, err)) != VOUCH_OK)
		return rc;
	for (size_t i = 0; i < s->n_items; i++) {
		const vouch_campsum_item *it = &s->items[i];
		if (it->verdict != VOUCH_CS_REPRODUCED)
			continue;
		if (!has_deb(it)) {
			(*skipped)++;
			continue;
		}
		vouch_buf_reset(&link);
		if ((rc = item_link(it, key, step, &link, err)) != VOUCH_OK ||
		    (rc = publish_item(&d, it, &link, written, err)) != VOUCH_OK) {
			vouch_err_prefix(err, "item '%s'", it->id);
			goto fail;
		}
	}
	if ((rc = pubdir_commit(&d, err)) != VOUCH_OK)
		goto fail;
	vouch_buf_free(&link);
	return VOUCH_OK;
fail:
	pubdir_abort(&d);
	vouch_buf_free(&link);
	return rc;
}
