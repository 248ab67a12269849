/* campsummary.c - read and check a campaign summary (untrusted input). */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "vouch/campsummary.h"
#include "vouch/codec.h"
#include "vouch/file.h"
#include "vouch/json.h"
#include "vouch/rfc3339.h"

/* NULL-terminated: also the member list of "counts" */
static const char *const verdict_names[VOUCH_CS_NVERDICTS + 1] = {
	"reproduced", "equivalent", "failed", "build-error", "timeout", "missing-source",
	"bad-signature", NULL
};

const char *
vouch_campsum_verdict_name(int v)
{
	return v >= 0 && v < VOUCH_CS_NVERDICTS ? verdict_names[v] : NULL;
}

void
vouch_campsum_free(vouch_campsum *s)
{
	if (s == NULL)
		return;
	for (size_t i = 0; i < s->n_items; i++) {
		free(s->items[i].rules);
		free(s->items[i].artifacts);
		free(s->items[i].history);
	}
	free(s->items);
	free(s->runs);
	cJSON_Delete(s->priv_);
	free(s);
}

/* A string member: present (or NULL when nullable and JSON null), at most
 * VOUCH_CAMPSUM_MAX_STR bytes, no control bytes, non-empty unless
 * may_be_empty. */
enum { STR_NONEMPTY = 0, STR_MAY_BE_EMPTY = 1, STR_NULLABLE = 2 };

static int
get_str(const cJSON *obj, const char *key, const char *what, int flags, const char **out,
        vouch_err *err)
{
	const cJSON *it = vouch_json_get(obj, key);
	size_t n;

	*out = NULL;
	if (it != NULL && cJSON_IsNull(it) && (flags & STR_NULLABLE))
		return VOUCH_OK;
	if (it == NULL || !cJSON_IsString(it) || it->valuestring == NULL)
		return vouch_err_set(err, VOUCH_EINPUT, "%s: '%s' is missing or not a string%s",
		    what, key, (flags & STR_NULLABLE) ? " or null" : "");
	n = strlen(it->valuestring);
	if (n == 0 && !(flags & STR_MAY_BE_EMPTY))
		return vouch_err_set(err, VOUCH_EINPUT, "%s: '%s' is empty", what, key);
	if (n > VOUCH_CAMPSUM_MAX_STR)
		return vouch_err_set(err, VOUCH_ELIMIT, "%s: '%s' is longer than %d bytes", what,
		    key, VOUCH_CAMPSUM_MAX_STR);
	for (size_t i = 0; i < n; i++)
		if ((unsigned char)it->valuestring[i] < 0x20 || it->valuestring[i] == 0x7f)
			return vouch_err_set(err, VOUCH_EINPUT, "%s: '%s' holds a control character",
			    what, key);
	*out = it->valuestring;
	return VOUCH_OK;
}

static int
id_ok(const char *s)
{
	if (*s == '\0')
		return 0;
	for (; *s != '\0'; s++)
		if (!((*s >= 'A' && *s <= 'Z') || (*s >= 'a' && *s <= 'z') || (*s >= '0' && *s <= '9') ||
		    *s == '.' || *s == '_' || *s == '+' || *s == '-'))
			return 0;
	return 1;
}

static int
get_id(const cJSON *obj, const char *key, const char *what, const char **out, vouch_err *err)
{
	int rc = get_str(obj, key, what, STR_NONEMPTY, out, err);

	if (rc == VOUCH_OK && (strlen(*out) > 255 || !id_ok(*out)))
		rc = vouch_err_set(err, VOUCH_EINPUT, "%s: '%s' is not an id ([A-Za-z0-9._+-], at most 255)",
		    what, key);
	return rc;
}

/* The schema's time: YYYY-MM-DDThh:mm:ss[.fraction]Z, and a real date. */
static int
time_ok(const char *s)
{
	static const char shape[] = "dddd-dd-ddTdd:dd:dd";
	time_t t;
	size_t i;

	for (i = 0; shape[i] != '\0'; i++)
		if (shape[i] == 'd' ? !(s[i] >= '0' && s[i] <= '9') : s[i] != shape[i])
			return 0;
	if (s[i] == '.') {
		if (!(s[++i] >= '0' && s[i] <= '9'))
			return 0;
		while (s[i] >= '0' && s[i] <= '9')
			i++;
	}
	return s[i] == 'Z' && s[i + 1] == '\0' && vouch_time_parse_rfc3339(s, &t, NULL) == VOUCH_OK;
}

static int
get_time(const cJSON *obj, const char *key, const char *what, int nullable, const char **out,
         vouch_err *err)
{
	int rc = get_str(obj, key, what, nullable ? STR_NULLABLE : STR_NONEMPTY, out, err);

	if (rc == VOUCH_OK && *out != NULL && !time_ok(*out))
		rc = vouch_err_set(err, VOUCH_EINPUT, "%s: '%s' is not an RFC 3339 UTC time", what, key);
	return rc;
}

static int
get_verdict(const cJSON *obj, const char *what, int *out, vouch_err *err)
{
	const char *v;
	int rc = get_str(obj, "verdict", what, STR_NONEMPTY, &v, err);

	if (rc != VOUCH_OK)
		return rc;
	for (int i = 0; i < VOUCH_CS_NVERDICTS; i++)
		if (strcmp(v, verdict_names[i]) == 0) {
			*out = i;
			return VOUCH_OK;
		}
	return vouch_err_set(err, VOUCH_EINPUT, "%s: unknown verdict '%s'", what, v);
}

int
vouch_campsum_relpath_ok(const char *rel)
{
	const char *p = rel;

	if (rel == NULL || *rel == '\0' || *rel == '/' || strlen(rel) > VOUCH_CAMPSUM_MAX_STR)
		return 0;
	while (*p != '\0') {
		size_t n = strcspn(p, "/");
		if (n == 0 || (n == 1 && p[0] == '.') || (n == 2 && p[0] == '.' && p[1] == '.') ||
		    memchr(p, '\\', n) != NULL)
			return 0;
		p += n;
		if (*p == '/' && *++p == '\0')
			return 0; /* a trailing '/' */
	}
	return 1;
}

static int
get_relpath(const cJSON *obj, const char *key, const char *what, const char **out,
            vouch_err *err)
{
	int rc = get_str(obj, key, what, STR_NULLABLE, out, err);

	if (rc == VOUCH_OK && *out != NULL && !vouch_campsum_relpath_ok(*out))
		rc = vouch_err_set(err, VOUCH_EINPUT, "%s: '%s' is not a relative path beneath the summary ('%s')",
		    what, key, *out);
	return rc;
}

/* An array member with at most max entries (*n); NULL arr when empty. */
static int
get_list(const cJSON *obj, const char *key, const char *what, size_t max, const cJSON **arr,
         size_t *n, vouch_err *err)
{
	int size;

	*arr = vouch_json_get_array(obj, key);
	if (*arr == NULL)
		return vouch_err_set(err, VOUCH_EINPUT, "%s: '%s' is missing or not an array", what, key);
	size = cJSON_GetArraySize(*arr);
	if (size < 0 || (size_t)size > max)
		return vouch_err_set(err, VOUCH_ELIMIT, "%s: '%s' has more than %zu entries", what,
		    key, max);
	*n = (size_t)size;
	return VOUCH_OK;
}

static void *
alloc_n(size_t n, size_t size, vouch_err *err)
{
	void *p = calloc(n > 0 ? n : 1, size);

	if (p == NULL)
		vouch_err_set(err, VOUCH_ENOMEM, "out of memory reading the summary");
	return p;
}

static int
parse_artifacts(const cJSON *item, vouch_campsum_item *it, vouch_err *err)
{
	static const char *const members[] = { "name", "sha256", NULL };
	const cJSON *arr, *a;
	size_t i = 0;
	int rc;

	if ((rc = get_list(item, "artifacts", "item", VOUCH_CAMPSUM_MAX_LIST, &arr,
	    &it->n_artifacts, err)) != VOUCH_OK)
		return rc;
	if ((it->artifacts = alloc_n(it->n_artifacts, sizeof(*it->artifacts), err)) == NULL)
		return VOUCH_ENOMEM;
	cJSON_ArrayForEach(a, arr) {
		vouch_campsum_artifact *art = &it->artifacts[i++];
		if (!cJSON_IsObject(a))
			return vouch_err_set(err, VOUCH_EINPUT, "artifact: not an object");
		if ((rc = vouch_json_only_members(a, "artifact", members, err)) != VOUCH_OK ||
		    (rc = get_str(a, "name", "artifact", STR_NONEMPTY, &art->name, err)) != VOUCH_OK ||
		    (rc = get_str(a, "sha256", "artifact", STR_NONEMPTY, &art->sha256, err)) != VOUCH_OK)
			return rc;
		if (strchr(art->name, '/') != NULL || strcmp(art->name, ".") == 0 ||
		    strcmp(art->name, "..") == 0)
			return vouch_err_set(err, VOUCH_EINPUT, "artifact: name '%s' is not a file name",
			    art->name);
		if (!vouch_is_lower_hex(art->sha256, strlen(art->sha256), 32))
			return vouch_err_set(err, VOUCH_EINPUT, "artifact '%s': sha256 is not 64 lowercase hex",
			    art->name);
	}
	return VOUCH_OK;
}

static int
parse_rules(const cJSON *item, vouch_campsum_item *it, vouch_err *err)
{
	const cJSON *arr, *r;
	size_t i = 0;
	int rc;

	if ((rc = get_list(item, "rules", "item", VOUCH_CAMPSUM_MAX_LIST, &arr, &it->n_rules,
	    err)) != VOUCH_OK)
		return rc;
	if ((it->rules = alloc_n(it->n_rules, sizeof(*it->rules), err)) == NULL)
		return VOUCH_ENOMEM;
	cJSON_ArrayForEach(r, arr) {
		if (!cJSON_IsString(r) || r->valuestring == NULL || r->valuestring[0] == '\0' ||
		    strlen(r->valuestring) > 255 || !id_ok(r->valuestring))
			return vouch_err_set(err, VOUCH_EINPUT, "item '%s': a rule is not a rule name",
			    it->id);
		it->rules[i++] = r->valuestring;
	}
	return VOUCH_OK;
}

static int
parse_history(const cJSON *item, vouch_campsum_item *it, vouch_err *err)
{
	static const char *const members[] = { "run", "verdict", "finished", NULL };
	const cJSON *arr, *h;
	size_t i = 0;
	int rc;

	if ((rc = get_list(item, "history", "item", VOUCH_CAMPSUM_MAX_LIST, &arr, &it->n_history,
	    err)) != VOUCH_OK)
		return rc;
	if ((it->history = alloc_n(it->n_history, sizeof(*it->history), err)) == NULL)
		return VOUCH_ENOMEM;
	cJSON_ArrayForEach(h, arr) {
		vouch_campsum_history *e = &it->history[i++];
		if (!cJSON_IsObject(h))
			return vouch_err_set(err, VOUCH_EINPUT, "history: not an object");
		if ((rc = vouch_json_only_members(h, "history", members, err)) != VOUCH_OK ||
		    (rc = get_id(h, "run", "history", &e->run, err)) != VOUCH_OK ||
		    (rc = get_verdict(h, "history", &e->verdict, err)) != VOUCH_OK ||
		    (rc = get_time(h, "finished", "history", 0, &e->finished, err)) != VOUCH_OK)
			return rc;
	}
	return VOUCH_OK;
}

static int
parse_log_entry(const cJSON *item, vouch_campsum_item *it, vouch_err *err)
{
	static const char *const members[] = { "index", "proof", NULL };
	const cJSON *le = vouch_json_get(item, "log_entry");
	int rc;

	if (le != NULL && cJSON_IsNull(le))
		return VOUCH_OK;
	if (le == NULL || !cJSON_IsObject(le))
		return vouch_err_set(err, VOUCH_EINPUT, "item '%s': 'log_entry' is missing or not an object or null",
		    it->id);
	if ((rc = vouch_json_only_members(le, "log_entry", members, err)) != VOUCH_OK ||
	    (rc = vouch_json_get_int(le, "index", 0, (1LL << 53), &it->log_index, err)) != VOUCH_OK ||
	    (rc = get_relpath(le, "proof", "log_entry", &it->log_proof, err)) != VOUCH_OK)
		return rc;
	if (it->log_proof == NULL)
		return vouch_err_set(err, VOUCH_EINPUT, "item '%s': log_entry has no proof", it->id);
	it->has_log_entry = 1;
	return VOUCH_OK;
}

static int
parse_item(const cJSON *item, vouch_campsum_item *it, vouch_err *err)
{
	static const char *const members[] = {
		"id", "name", "version", "verdict", "reason", "rules", "run", "artifacts", "envelope",
		"report_html", "log_entry", "history", "inputs_digest", NULL
	};
	const char *inputs;
	int rc;

	if (!cJSON_IsObject(item))
		return vouch_err_set(err, VOUCH_EINPUT, "item: not an object");
	if ((rc = vouch_json_only_members(item, "item", members, err)) != VOUCH_OK ||
	    (rc = get_id(item, "id", "item", &it->id, err)) != VOUCH_OK)
		return rc;
	if ((rc = get_str(item, "name", "item", STR_NONEMPTY, &it->name, err)) != VOUCH_OK ||
	    (rc = get_str(item, "version", "item", STR_MAY_BE_EMPTY, &it->version, err)) != VOUCH_OK ||
	    (rc = get_verdict(item, "item", &it->verdict, err)) != VOUCH_OK ||
	    (rc = get_str(item, "reason", "item", STR_MAY_BE_EMPTY, &it->reason, err)) != VOUCH_OK ||
	    (rc = get_id(item, "run", "item", &it->run, err)) != VOUCH_OK ||
	    (rc = get_relpath(item, "envelope", "item", &it->envelope, err)) != VOUCH_OK ||
	    (rc = get_relpath(item, "report_html", "item", &it->report_html, err)) != VOUCH_OK ||
	    (rc = parse_rules(item, it, err)) != VOUCH_OK ||
	    (rc = parse_artifacts(item, it, err)) != VOUCH_OK ||
	    (rc = parse_log_entry(item, it, err)) != VOUCH_OK ||
	    (rc = parse_history(item, it, err)) != VOUCH_OK) {
		vouch_err_prefix(err, "item '%s'", it->id);
		return rc;
	}
	if (vouch_json_get(item, "inputs_digest") != NULL &&
	    ((rc = get_str(item, "inputs_digest", "item", STR_NONEMPTY, &inputs, err)) != VOUCH_OK ||
	    !vouch_is_lower_hex(inputs, strlen(inputs), 32)))
		return vouch_err_set(err, VOUCH_EINPUT, "item '%s': 'inputs_digest' is not 64 lowercase hex",
		    it->id);
	return VOUCH_OK;
}

static int
parse_runs(const cJSON *root, vouch_campsum *s, vouch_err *err)
{
	static const char *const members[] = { "id", "started", "finished", "executor", NULL };
	const char *executor;
	const cJSON *arr, *r;
	size_t i = 0;
	int rc;

	if ((rc = get_list(root, "runs", "summary", VOUCH_CAMPSUM_MAX_RUNS, &arr, &s->n_runs,
	    err)) != VOUCH_OK)
		return rc;
	if ((s->runs = alloc_n(s->n_runs, sizeof(*s->runs), err)) == NULL)
		return VOUCH_ENOMEM;
	cJSON_ArrayForEach(r, arr) {
		vouch_campsum_run *run = &s->runs[i++];
		if (!cJSON_IsObject(r))
			return vouch_err_set(err, VOUCH_EINPUT, "run: not an object");
		if ((rc = vouch_json_only_members(r, "run", members, err)) != VOUCH_OK ||
		    (rc = get_id(r, "id", "run", &run->id, err)) != VOUCH_OK ||
		    (rc = get_time(r, "started", "run", 0, &run->started, err)) != VOUCH_OK ||
		    (rc = get_time(r, "finished", "run", 1, &run->finished, err)) != VOUCH_OK)
			return rc;
		if (vouch_json_get(r, "executor") != NULL &&
		    (rc = get_str(r, "executor", "run", STR_MAY_BE_EMPTY, &executor, err)) != VOUCH_OK)
			return rc;
	}
	return VOUCH_OK;
}

static int
parse_counts(const cJSON *root, vouch_campsum *s, vouch_err *err)
{
	const cJSON *c = vouch_json_get_object(root, "counts");
	int rc;

	if (c == NULL)
		return vouch_err_set(err, VOUCH_EINPUT, "summary: 'counts' is missing or not an object");
	if ((rc = vouch_json_only_members(c, "counts", verdict_names, err)) != VOUCH_OK)
		return rc;
	for (int v = 0; v < VOUCH_CS_NVERDICTS; v++)
		if ((rc = vouch_json_get_int(c, verdict_names[v], 0, VOUCH_CAMPSUM_MAX_ITEMS,
		    &s->counts[v], err)) != VOUCH_OK) {
			vouch_err_prefix(err, "counts");
			return rc;
		}
	return VOUCH_OK;
}

static int
cmp_id(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* Item ids unique; counts match the items' verdicts. */
static int
check_items(const vouch_campsum *s, vouch_err *err)
{
	long long seen[VOUCH_CS_NVERDICTS] = { 0 };
	const char **ids;
	int rc = VOUCH_OK;

	if ((ids = alloc_n(s->n_items, sizeof(*ids), err)) == NULL)
		return VOUCH_ENOMEM;
	for (size_t i = 0; i < s->n_items; i++) {
		ids[i] = s->items[i].id;
		seen[s->items[i].verdict]++;
	}
	qsort(ids, s->n_items, sizeof(*ids), cmp_id);
	for (size_t i = 1; i < s->n_items && rc == VOUCH_OK; i++)
		if (strcmp(ids[i - 1], ids[i]) == 0)
			rc = vouch_err_set(err, VOUCH_EINPUT, "summary: item id '%s' appears twice", ids[i]);
	free(ids);
	for (int v = 0; v < VOUCH_CS_NVERDICTS && rc == VOUCH_OK; v++)
		if (seen[v] != s->counts[v])
			rc = vouch_err_set(err, VOUCH_EINPUT,
			    "summary: counts say %lld %s, the items %lld", s->counts[v], verdict_names[v],
			    seen[v]);
	return rc;
}

static int
parse_head(const cJSON *root, vouch_campsum *s, vouch_err *err)
{
	static const char *const members[] = {
		"_type", "campaign", "generated", "lab", "log", "statement", "runs", "counts", "items",
		NULL
	};
	static const char *const lab_members[] = { "name", "keyid", NULL };
	static const char *const log_members[] = { "url", "origin", NULL };
	const cJSON *lab, *log;
	const char *type, *opt;
	int rc;

	if (!cJSON_IsObject(root))
		return vouch_err_set(err, VOUCH_EINPUT, "summary: not a JSON object");
	if ((rc = vouch_json_only_members(root, "summary", members, err)) != VOUCH_OK ||
	    (rc = get_str(root, "_type", "summary", STR_NONEMPTY, &type, err)) != VOUCH_OK)
		return rc;
	if (strcmp(type, VOUCH_CAMPSUM_TYPE) != 0)
		return vouch_err_set(err, VOUCH_EINPUT, "summary: '_type' is not '%s'", VOUCH_CAMPSUM_TYPE);
	if ((rc = get_str(root, "campaign", "summary", STR_NONEMPTY, &s->campaign, err)) != VOUCH_OK ||
	    (rc = get_time(root, "generated", "summary", 0, &s->generated, err)) != VOUCH_OK ||
	    (vouch_json_get(root, "statement") != NULL &&
	    (rc = get_relpath(root, "statement", "summary", &s->statement, err)) != VOUCH_OK))
		return rc;
	if ((lab = vouch_json_get_object(root, "lab")) == NULL ||
	    (log = vouch_json_get_object(root, "log")) == NULL)
		return vouch_err_set(err, VOUCH_EINPUT, "summary: 'lab' or 'log' is missing or not an object");
	if ((rc = vouch_json_only_members(lab, "lab", lab_members, err)) != VOUCH_OK ||
	    (rc = vouch_json_only_members(log, "log", log_members, err)) != VOUCH_OK ||
	    (rc = get_str(lab, "name", "lab", STR_NONEMPTY, &s->lab_name, err)) != VOUCH_OK ||
	    (rc = get_str(lab, "keyid", "lab", STR_NONEMPTY, &s->lab_keyid, err)) != VOUCH_OK ||
	    (rc = get_str(log, "url", "log", STR_NONEMPTY, &s->log_url, err)) != VOUCH_OK ||
	    (vouch_json_get(log, "origin") != NULL &&
	    (rc = get_str(log, "origin", "log", STR_MAY_BE_EMPTY, &opt, err)) != VOUCH_OK))
		return rc;
	if (!vouch_is_lower_hex(s->lab_keyid, strlen(s->lab_keyid), 32))
		return vouch_err_set(err, VOUCH_EINPUT, "lab: 'keyid' is not 64 lowercase hex");
	if (strncmp(s->log_url, "http://", 7) != 0 && strncmp(s->log_url, "https://", 8) != 0)
		return vouch_err_set(err, VOUCH_EINPUT, "log: url '%s' is not http:// or https://",
		    s->log_url);
	return VOUCH_OK;
}

int
vouch_campsum_parse(const char *data, size_t len, vouch_campsum **out, vouch_err *err)
{
	vouch_campsum *s = NULL;
	const cJSON *items, *it;
	cJSON *root = NULL;
	size_t i = 0;
	int rc;

	*out = NULL;
	if (len > VOUCH_CAMPSUM_MAX_BYTES)
		return vouch_err_set(err, VOUCH_ELIMIT, "summary is larger than %zu bytes",
		    VOUCH_CAMPSUM_MAX_BYTES);
	if ((rc = vouch_json_parse(data, len, &root, err)) != VOUCH_OK) {
		vouch_err_prefix(err, "summary");
		return rc;
	}
	if ((s = alloc_n(1, sizeof(*s), err)) == NULL) {
		cJSON_Delete(root);
		return VOUCH_ENOMEM;
	}
	s->priv_ = root;
	if ((rc = parse_head(root, s, err)) != VOUCH_OK || (rc = parse_runs(root, s, err)) != VOUCH_OK ||
	    (rc = parse_counts(root, s, err)) != VOUCH_OK ||
	    (rc = get_list(root, "items", "summary", VOUCH_CAMPSUM_MAX_ITEMS, &items, &s->n_items,
	    err)) != VOUCH_OK)
		goto fail;
	if ((s->items = alloc_n(s->n_items, sizeof(*s->items), err)) == NULL) {
		rc = VOUCH_ENOMEM;
		goto fail;
	}
	cJSON_ArrayForEach(it, items) {
		if ((rc = parse_item(it, &s->items[i++], err)) != VOUCH_OK)
			goto fail;
	}
	if ((rc = check_items(s, err)) != VOUCH_OK)
		goto fail;
	*out = s;
	return VOUCH_OK;
fail:
	vouch_campsum_free(s);
	return rc;
}

int
vouch_campsum_load(const char *path, vouch_campsum **out, vouch_err *err)
{
	vouch_buf b;
	int rc;

	*out = NULL;
	vouch_buf_init(&b, VOUCH_CAMPSUM_MAX_BYTES + 1);
	rc = vouch_read_file(path, VOUCH_CAMPSUM_MAX_BYTES, &b, err);
	if (rc == VOUCH_OK &&
	    (rc = vouch_campsum_parse((const char *)b.data, b.len, out, err)) != VOUCH_OK) {
		char q[200];

		vouch_err_prefix(err, "'%s'", vouch_quote(path, strlen(path), q, sizeof(q)));
	}
	vouch_buf_free(&b);
	return rc;
}

int
vouch_campsum_open(int dirfd, const char *rel, int *fd, vouch_err *err)
{
	char comp[256];
	const char *p = rel;
	struct stat st;
	int cur = dirfd, next;

	*fd = -1;
	if (!vouch_campsum_relpath_ok(rel))
		return vouch_err_set(err, VOUCH_EINPUT, "'%s' is not a relative path beneath the summary", rel);
	for (;;) {
		size_t n = strcspn(p, "/");
		int last = p[n] == '\0';
		if (n >= sizeof(comp)) {
			if (cur != dirfd)
				close(cur);
			return vouch_err_set(err, VOUCH_EINPUT, "'%s': a path component is too long", rel);
		}
		memcpy(comp, p, n);
		comp[n] = '\0';
		next = openat(cur, comp, O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NONBLOCK |
		    (last ? 0 : O_DIRECTORY));
		if (next < 0) {
			/* O_NOFOLLOW fails with ELOOP, with O_DIRECTORY ENOTDIR */
			int e = errno, is_link = fstatat(cur, comp, &st, AT_SYMLINK_NOFOLLOW) == 0 &&
			    S_ISLNK(st.st_mode);
			if (cur != dirfd)
				close(cur);
			if (is_link)
				return vouch_err_set(err, VOUCH_EINPUT, "'%s' goes through a symbolic link", rel);
			errno = e;
			return vouch_err_sys(err, e == ENOENT || e == ENOTDIR ? VOUCH_EINPUT : VOUCH_EIO,
			    "'%s'", rel);
		}
		if (cur != dirfd)
			close(cur);
		if (last)
			break;
		cur = next;
		p += n + 1;
	}
	if (fstat(next, &st) != 0 || !S_ISREG(st.st_mode)) {
		close(next);
		return vouch_err_set(err, VOUCH_EINPUT, "'%s' is not a regular file", rel);
	}
	*fd = next;
	return VOUCH_OK;
}
