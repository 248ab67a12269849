/* unpack_json.c - the JSON report of an extraction (see unpack.c). */
#include "config.h"

#include <string.h>

#include "vouch/codec.h"
#include "vouch/json.h"
#include "vouch/tree.h"

#include "unpack_int.h"

/* ---- JSON ---- */

static int
json_num(cJSON *obj, const char *key, uint64_t v, vouch_err *err)
{
	if (cJSON_AddNumberToObject(obj, key, (double)v) == NULL)
		return vouch_err_set(err, VOUCH_ENOMEM, "out of memory building JSON");
	return VOUCH_OK;
}

static int
json_hex(cJSON *obj, const char *key, const uint8_t *md, size_t n, vouch_err *err)
{
	char hex[2 * VOUCH_DIGEST_MAX + 1];

	vouch_hex_encode(md, n, hex);
	return vouch_json_add_string(obj, key, hex, err) ? VOUCH_OK : VOUCH_ENOMEM;
}

/* {"sha256": ..., ...} for the archive, plus the tree digest when tree. */
static int
json_digests(cJSON *obj, const char *key, const vouch_unpack_result *r, int tree,
             vouch_err *err)
{
	cJSON *d = vouch_json_add_object(obj, key, err);
	int rc = d ? VOUCH_OK : VOUCH_ENOMEM;

	for (int i = 0; rc == VOUCH_OK && i < VOUCH_ALG_COUNT; i++) {
		unsigned alg = 1u << i;
		const uint8_t *md = vouch_digests_get(&r->archive, alg);

		if (md != NULL)
			rc = json_hex(d, vouch_alg_name(alg), md, vouch_alg_size(alg), err);
	}
	if (rc == VOUCH_OK && tree)
		rc = json_hex(d, VOUCH_TREE_DIGEST_KEY, r->tree, 32, err);
	return rc;
}

static int
json_archive(cJSON *root, const vouch_unpack_result *r, const char *name, vouch_err *err)
{
	cJSON *a = vouch_json_add_object(root, "archive", err), *f;
	char fl[sizeof(r->filters)], *save = NULL, *tok;
	int rc = a ? VOUCH_OK : VOUCH_ENOMEM;

	if (rc == VOUCH_OK && !vouch_json_add_string(a, "name", name, err))
		rc = VOUCH_ENOMEM;
	if (rc == VOUCH_OK)
		rc = json_num(a, "size", r->archive.length, err);
	if (rc == VOUCH_OK && !vouch_json_add_string(a, "format", r->format, err))
		rc = VOUCH_ENOMEM;
	f = rc == VOUCH_OK ? vouch_json_add_array(a, "filters", err) : NULL;
	if (f == NULL)
		return VOUCH_ENOMEM;
	snprintf(fl, sizeof(fl), "%s", r->filters);
	for (tok = strtok_r(fl, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
		cJSON *s = cJSON_CreateString(tok);

		if (s == NULL || !cJSON_AddItemToArray(f, s)) {
			cJSON_Delete(s);
			return vouch_err_set(err, VOUCH_ENOMEM, "out of memory building JSON");
		}
	}
	return json_digests(a, "digest", r, 0, err);
}

static int
json_tree(cJSON *root, const vouch_unpack_result *r, vouch_err *err)
{
	cJSON *t = vouch_json_add_object(root, "tree", err), *d;
	int rc;

	if (t == NULL || (d = vouch_json_add_object(t, "digest", err)) == NULL)
		return VOUCH_ENOMEM;
	rc = json_hex(d, VOUCH_TREE_DIGEST_KEY, r->tree, 32, err);
	if (rc == VOUCH_OK)
		rc = json_num(t, "files", r->files, err);
	if (rc == VOUCH_OK)
		rc = json_num(t, "dirs", r->dirs, err);
	if (rc == VOUCH_OK)
		rc = json_num(t, "symlinks", r->symlinks, err);
	if (rc == VOUCH_OK)
		rc = json_num(t, "hardlinks", r->hardlinks, err);
	if (rc == VOUCH_OK)
		rc = json_num(t, "executables", r->executables, err);
	if (rc == VOUCH_OK)
		rc = json_num(t, "totalSize", r->total_size, err);
	return rc;
}

static int
json_notes(cJSON *root, const vouch_unpack_result *r, vouch_err *err)
{
	cJSON *arr = vouch_json_add_array(root, "notable", err);

	if (arr == NULL)
		return VOUCH_ENOMEM;
	for (size_t i = 0; i < r->n_notes; i++) {
		const vouch_unpack_note *n = &r->notes[i];
		cJSON *o = cJSON_CreateObject();
		char mode[8];

		if (o == NULL || !cJSON_AddItemToArray(arr, o)) {
			cJSON_Delete(o);
			return vouch_err_set(err, VOUCH_ENOMEM, "out of memory building JSON");
		}
		if (!vouch_json_add_string(o, "kind", vouch_unpack_note_name(n->kind), err) ||
		    !vouch_json_add_string(o, "path", n->path, err))
			return VOUCH_ENOMEM;
		if (n->target != NULL && !vouch_json_add_string(o, "target", n->target, err))
			return VOUCH_ENOMEM;
		snprintf(mode, sizeof(mode), "%04o", n->mode & 07777);
		if (n->kind == VOUCH_NOTE_MODE_STRIPPED &&
		    !vouch_json_add_string(o, "mode", mode, err))
			return VOUCH_ENOMEM;
	}
	return VOUCH_OK;
}

int
vouch_unpack_result_json(const vouch_unpack_result *r, const char *archive_name,
                         vouch_buf *out, vouch_err *err)
{
	cJSON *root = cJSON_CreateObject();
	char safe[1024];
	const char *name = archive_name ? archive_name : "-";
	int rc = root ? VOUCH_OK : vouch_err_set(err, VOUCH_ENOMEM, "out of memory");

	if (!vouch_utf8_valid(name, strlen(name)))
		name = vouch_tree_quote(name, strlen(name), safe, sizeof(safe));
	if (rc == VOUCH_OK)
		rc = json_archive(root, r, name, err);
	if (rc == VOUCH_OK)
		rc = json_tree(root, r, err);
	if (rc == VOUCH_OK)
		rc = json_num(root, "entries", r->entries, err);
	if (rc == VOUCH_OK) {
		cJSON *s = vouch_json_add_object(root, "subject", err);

		rc = s && vouch_json_add_string(s, "name", name, err) ? VOUCH_OK : VOUCH_ENOMEM;
		if (rc == VOUCH_OK)
			rc = json_digests(s, "digest", r, 1, err);
	}
	if (rc == VOUCH_OK)
		rc = json_notes(root, r, err);
	if (rc == VOUCH_OK)
		rc = vouch_json_append(out, root, err);
	if (rc == VOUCH_OK)
		rc = vouch_buf_append_byte(out, '\n', err);
	cJSON_Delete(root);
	return rc;
}
