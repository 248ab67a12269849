/* buildinfo.c - parse Debian .buildinfo files strictly (see
 * vouch/buildinfo.h). */
#include "config.h"

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "vouch/buf.h"
#include "vouch/buildinfo.h"
#include "vouch/codec.h"
#include "vouch/file.h"
#include "vouch/json.h"

#define PGP_BEGIN "-----BEGIN PGP SIGNED MESSAGE-----"
#define PGP_SIG "-----BEGIN PGP SIGNATURE-----"
#define PGP_END "-----END PGP SIGNATURE-----"

struct line {
	const char *p;
	size_t n;
};

struct field {
	char name[64];
	char *value;                /* first line, then "\n" + each continuation */
	size_t line;                /* index of its first line in parser.lines */
	size_t n_cont;              /* continuation lines after it */
};

struct parser {
	struct line *lines;
	size_t n_lines;
	struct field fields[VOUCH_BUILDINFO_MAX_FIELDS];
	size_t n_fields;
	char *unescaped;            /* dash-unescaped body storage */
};

/* ---- lines and the clear-signed envelope ------------------------------------ */

/* (a macro, so the format stays a literal the compiler checks) */
#define bad(err, fmt, arg) vouch_err_set((err), VOUCH_EINPUT, fmt, (arg))

static int
split_lines(const char *data, size_t len, struct line **out, size_t *n, vouch_err *err)
{
	size_t count = 0, i = 0;
	struct line *l;

	for (size_t k = 0; k < len; k++)
		if (data[k] == '\n')
			count++;
	count++;
	if ((l = calloc(count, sizeof(*l))) == NULL)
		return vouch_err_set(err, VOUCH_ENOMEM, "out of memory");
	for (const char *p = data, *end = data + len; p < end; i++) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		size_t ln = nl != NULL ? (size_t)(nl - p) : (size_t)(end - p);
		l[i].p = p;
		l[i].n = ln;
		p += ln + (nl != NULL);
	}
	*out = l;
	*n = i;
	return VOUCH_OK;
}

static int
is(const struct line *l, const char *s)
{
	return l->n == strlen(s) && memcmp(l->p, s, l->n) == 0;
}

static int
blank(const struct line *l)
{
	for (size_t i = 0; i < l->n; i++)
		if (l->p[i] != ' ' && l->p[i] != '\t')
			return 0;
	return 1;
}

/* Replace the lines by the signed body, dash-unescaped; check the armor. */
static int
unwrap_clearsigned(struct parser *ps, vouch_err *err)
{
	size_t i = 1, body, end;

	/* armor headers ("Hash: ...") up to a blank line */
	for (; i < ps->n_lines && !blank(&ps->lines[i]); i++)
		if (ps->lines[i].n < 6 || memcmp(ps->lines[i].p, "Hash: ", 6) != 0)
			return vouch_err_set(err, VOUCH_EINPUT, "buildinfo: unexpected armor "
			    "header in the signed message");
	if (i == ps->n_lines)
		return vouch_err_set(err, VOUCH_EINPUT, "buildinfo: signed message without a body");
	body = ++i;
	for (; i < ps->n_lines && !is(&ps->lines[i], PGP_SIG); i++) {
		struct line *l = &ps->lines[i];
		if (l->n > 0 && l->p[0] == '-') {
			if (l->n < 2 || l->p[1] != ' ')
				return vouch_err_set(err, VOUCH_EINPUT, "buildinfo: a line of the "
				    "signed text starts with '-' and is not dash-escaped");
			l->p += 2;
			l->n -= 2;
		}
	}
	if (i == ps->n_lines)
		return vouch_err_set(err, VOUCH_EINPUT, "buildinfo: signed message without a "
		    "signature");
	end = i;
	for (i++; i < ps->n_lines && !is(&ps->lines[i], PGP_END); i++)
		;
	if (i == ps->n_lines)
		return vouch_err_set(err, VOUCH_EINPUT, "buildinfo: signature block not closed");
	for (i++; i < ps->n_lines; i++)
		if (!blank(&ps->lines[i]))
			return vouch_err_set(err, VOUCH_EINPUT, "buildinfo: text after the signature");
	memmove(ps->lines, ps->lines + body, (end - body) * sizeof(*ps->lines));
	ps->n_lines = end - body;
	return VOUCH_OK;
}

/* ---- fields ----------------------------------------------------------------- */

static int
field_name_ok(const char *p, size_t n)
{
	if (n == 0 || n >= 64 || p[0] == '-' || p[0] == '#')
		return 0;
	for (size_t i = 0; i < n; i++)
		if (p[i] <= ' ' || p[i] > '~' || p[i] == ':')
			return 0;
	return 1;
}

static struct field *
find(struct parser *ps, const char *name)
{
	for (size_t i = 0; i < ps->n_fields; i++)
		if (strcasecmp(ps->fields[i].name, name) == 0)
			return &ps->fields[i];
	return NULL;
}

/* Trim spaces and tabs at both ends. */
static void
trim(const char **p, size_t *n)
{
	while (*n > 0 && (**p == ' ' || **p == '\t')) {
		(*p)++;
		(*n)--;
	}
	while (*n > 0 && ((*p)[*n - 1] == ' ' || (*p)[*n - 1] == '\t'))
		(*n)--;
}

static int
append_line(vouch_buf *b, const char *p, size_t n, vouch_err *err)
{
	trim(&p, &n);
	return vouch_buf_append(b, p, n, err);
}

/* One field starting at line *i (continuation lines joined), into f. */
static int
read_field(struct parser *ps, size_t *i, vouch_buf *b, vouch_err *err)
{
	const struct line *l = &ps->lines[(*i)++];
	const char *colon = memchr(l->p, ':', l->n);
	struct field *f;
	int rc;

	if (l->p[0] == ' ' || l->p[0] == '\t')
		return vouch_err_set(err, VOUCH_EINPUT, "buildinfo: continuation line before any "
		    "field");
	if (colon == NULL || !field_name_ok(l->p, (size_t)(colon - l->p)))
		return vouch_err_set(err, VOUCH_EINPUT, "buildinfo: line %zu is not "
		    "'Field: value'", *i);
	if (ps->n_fields == VOUCH_BUILDINFO_MAX_FIELDS)
		return vouch_err_set(err, VOUCH_ELIMIT, "buildinfo: more than %d fields",
		    VOUCH_BUILDINFO_MAX_FIELDS);
	f = &ps->fields[ps->n_fields];
	f->line = *i - 1;
	f->n_cont = 0;
	memcpy(f->name, l->p, (size_t)(colon - l->p));
	f->name[colon - l->p] = '\0';
	if (find(ps, f->name) != NULL)
		return bad(err, "buildinfo: duplicate field '%s'", f->name);
	vouch_buf_reset(b);
	rc = append_line(b, colon + 1, (size_t)(l->p + l->n - colon - 1), err);
	while (rc == VOUCH_OK && *i < ps->n_lines && ps->lines[*i].n > 0 &&
	    (ps->lines[*i].p[0] == ' ' || ps->lines[*i].p[0] == '\t')) {
		if ((rc = vouch_buf_append_byte(b, '\n', err)) == VOUCH_OK)
			rc = append_line(b, ps->lines[*i].p, ps->lines[*i].n, err);
		(*i)++;
		f->n_cont++;
	}
	if (rc != VOUCH_OK)
		return rc;
	if ((f->value = strdup(vouch_buf_cstr(b))) == NULL)
		return vouch_err_set(err, VOUCH_ENOMEM, "out of memory");
	ps->n_fields++;
	return VOUCH_OK;
}

static int
read_fields(struct parser *ps, vouch_err *err)
{
	size_t i = 0;
	vouch_buf b;
	int rc = VOUCH_OK;

	while (i < ps->n_lines && blank(&ps->lines[i]))
		i++;
	if (i == ps->n_lines)
		return vouch_err_set(err, VOUCH_EINPUT, "buildinfo: empty");
	vouch_buf_init(&b, VOUCH_BUILDINFO_MAX_BYTES);
	while (rc == VOUCH_OK && i < ps->n_lines && !blank(&ps->lines[i]))
		rc = read_field(ps, &i, &b, err);
	vouch_buf_free(&b);
	if (rc != VOUCH_OK)
		return rc;
	for (; i < ps->n_lines; i++)
		if (!blank(&ps->lines[i]))
			return vouch_err_set(err, VOUCH_EINPUT, "buildinfo: more than one paragraph");
	return VOUCH_OK;
}

/* ---- values ----------------------------------------------------------------- */

static int
pkg_name_ok(const char *p, size_t n)
{
	if (n < 2 || n > VOUCH_BUILDINFO_MAX_NAME || !(islower((unsigned char)p[0]) ||
	    isdigit((unsigned char)p[0])))
		return 0;
	for (size_t i = 0; i < n; i++)
		if (!(islower((unsigned char)p[i]) || isdigit((unsigned char)p[i]) || p[i] == '+' ||
		      p[i] == '-' || p[i] == '.'))
			return 0;
	return 1;
}

static int
version_ok(const char *p, size_t n)
{
	if (n == 0 || n > VOUCH_BUILDINFO_MAX_NAME || !isdigit((unsigned char)p[0]))
		return 0;
	for (size_t i = 0; i < n; i++)
		if (!(isalnum((unsigned char)p[i]) || strchr(".+~:-", p[i]) != NULL) ||
		    p[i] == '\0')
			return 0;
	return 1;
}

static int
arch_ok(const char *p, size_t n)
{
	if (n == 0 || n > 64)
		return 0;
	for (size_t i = 0; i < n; i++)
		if (!(islower((unsigned char)p[i]) || isdigit((unsigned char)p[i]) || p[i] == '-'))
			return 0;
	return 1;
}

static int
file_name_ok(const char *p, size_t n)
{
	if (n == 0 || n > VOUCH_BUILDINFO_MAX_NAME || (n <= 2 && p[0] == '.' &&
	    (n == 1 || p[1] == '.')))
		return 0;
	for (size_t i = 0; i < n; i++)
		if (!(isalnum((unsigned char)p[i]) || strchr("._+~-", p[i]) != NULL) ||
		    p[i] == '\0')
			return 0;
	return 1;
}

static char *
dupn(const char *p, size_t n, vouch_err *err)
{
	char *s = malloc(n + 1);

	if (s == NULL) {
		vouch_err_set(err, VOUCH_ENOMEM, "out of memory");
		return NULL;
	}
	memcpy(s, p, n);
	s[n] = '\0';
	return s;
}

/* A one-line field: required or not, taken into *out. */
static int
take(struct parser *ps, const char *name, int required, char **out, vouch_err *err)
{
	struct field *f = find(ps, name);

	*out = NULL;
	if (f == NULL)
		return required ? bad(err, "buildinfo: missing field '%s'", name) : VOUCH_OK;
	if (strchr(f->value, '\n') != NULL || strlen(f->value) > VOUCH_BUILDINFO_MAX_VALUE)
		return bad(err, "buildinfo: field '%s' must be one line", name);
	if (f->value[0] == '\0')
		return bad(err, "buildinfo: field '%s' is empty", name);
	*out = f->value;
	f->value = NULL;
	return VOUCH_OK;
}

/* A multi-line field: the first line must be empty. */
static const char *
lines_of(struct parser *ps, const char *name, vouch_err *err, int *rc)
{
	struct field *f = find(ps, name);

	*rc = VOUCH_OK;
	if (f == NULL)
		return NULL;
	if (f->value[0] != '\n' && f->value[0] != '\0') {
		*rc = bad(err, "buildinfo: field '%s' must start on the next line", name);
		return NULL;
	}
	return f->value;
}

static int
parse_source(vouch_buildinfo *b, vouch_err *err)
{
	char *s = b->source, *sp = strchr(s, ' ');
	size_t vn;

	if (sp != NULL) {
		char *v = sp + 1;
		if (*v != '(' || (vn = strlen(v)) < 3 || v[vn - 1] != ')' ||
		    !version_ok(v + 1, vn - 2))
			return vouch_err_set(err, VOUCH_EINPUT, "buildinfo: bad 'Source' '%s'", s);
		if ((b->source_version = dupn(v + 1, vn - 2, err)) == NULL)
			return VOUCH_ENOMEM;
		*sp = '\0';
	}
	if (!pkg_name_ok(s, strlen(s)))
		return vouch_err_set(err, VOUCH_EINPUT, "buildinfo: bad 'Source' name '%s'", s);
	return VOUCH_OK;
}

/* A space-separated list of words each accepted by ok(). */
static int
words_ok(const char *s, int (*ok)(const char *, size_t))
{
	const char *p = s;

	while (*p != '\0') {
		size_t n = strcspn(p, " ");
		if (!ok(p, n))
			return 0;
		p += n;
		if (*p == ' ') {
			p++;
			if (*p == '\0' || *p == ' ')
				return 0;
		}
	}
	return 1;
}

static int
arch_word_ok(const char *p, size_t n)
{
	return arch_ok(p, n);
}

static int
parse_checksums(struct parser *ps, vouch_buildinfo *b, vouch_err *err)
{
	int rc;
	const char *v = lines_of(ps, "Checksums-Sha256", err, &rc), *p;

	if (rc != VOUCH_OK)
		return rc;
	if (v == NULL)
		return vouch_err_set(err, VOUCH_EINPUT, "buildinfo: missing field 'Checksums-Sha256'");
	for (p = v; *p == '\n'; p++)
		;
	while (*p != '\0') {
		size_t n = strcspn(p, "\n"), hl, sl;
		const char *sz, *name;
		vouch_buildinfo_file *f;
		char num[24], *end;

		if (b->n_files == VOUCH_BUILDINFO_MAX_FILES)
			return vouch_err_set(err, VOUCH_ELIMIT, "buildinfo: more than %d files",
			    VOUCH_BUILDINFO_MAX_FILES);
		hl = strcspn(p, " \n");
		sz = p + hl + 1;
		sl = hl < n ? strcspn(sz, " \n") : 0;
		name = sz + sl + 1;
		if (hl != 64 || !vouch_is_lower_hex(p, 64, 32) || hl >= n || sl == 0 || sl > 20 ||
		    (size_t)(name - p) > n || !file_name_ok(name, (size_t)(p + n - name)))
			return vouch_err_set(err, VOUCH_EINPUT, "buildinfo: bad 'Checksums-Sha256' "
			    "line %zu (want '<sha256> <size> <file name>')", b->n_files + 1);
		memcpy(num, sz, sl);
		num[sl] = '\0';
		errno = 0;
		f = &b->files[b->n_files];
		f->size = strtoull(num, &end, 10);
		if (errno != 0 || *end != '\0' || !isdigit((unsigned char)num[0]))
			return vouch_err_set(err, VOUCH_EINPUT, "buildinfo: bad size in "
			    "'Checksums-Sha256' line %zu", b->n_files + 1);
		if ((rc = vouch_hex_decode(p, 64, f->sha256, 32, VOUCH_HEX_LOWER, err)) != VOUCH_OK)
			return rc;
		if ((f->name = dupn(name, (size_t)(p + n - name), err)) == NULL)
			return VOUCH_ENOMEM;
		b->n_files++;
		for (size_t i = 0; i + 1 < b->n_files; i++)
			if (strcmp(b->files[i].name, f->name) == 0)
				return vouch_err_set(err, VOUCH_EINPUT, "buildinfo: file '%s' listed "
				    "twice in 'Checksums-Sha256'", f->name);
		p += n;
		if (*p == '\n')
			p++;
	}
	if (b->n_files == 0)
		return vouch_err_set(err, VOUCH_EINPUT, "buildinfo: 'Checksums-Sha256' lists "
		    "no file");
	return VOUCH_OK;
}

/* One "name[:arch] (= version)" of Installed-Build-Depends. */
static int
parse_dep(const char *p, size_t n, vouch_buildinfo_dep *d, vouch_err *err)
{
	const char *sp, *colon, *v;
	size_t nl, vl;

	trim(&p, &n);
	sp = memchr(p, ' ', n);
	if (sp == NULL || (size_t)(p + n - sp) < 6 || memcmp(sp, " (= ", 4) != 0 ||
	    p[n - 1] != ')')
		goto fail;
	nl = (size_t)(sp - p);
	v = sp + 4;
	vl = (size_t)(p + n - 1 - v);
	if (!version_ok(v, vl))
		goto fail;
	colon = memchr(p, ':', nl);
	if (colon != NULL) {
		if (!arch_ok(colon + 1, (size_t)(sp - colon - 1)))
			goto fail;
		if ((d->arch = dupn(colon + 1, (size_t)(sp - colon - 1), err)) == NULL)
			return VOUCH_ENOMEM;
		nl = (size_t)(colon - p);
	}
	if (!pkg_name_ok(p, nl))
		goto fail;
	if ((d->name = dupn(p, nl, err)) == NULL || (d->version = dupn(v, vl, err)) == NULL)
		return VOUCH_ENOMEM;
	return VOUCH_OK;
fail:
	return vouch_err_set(err, VOUCH_EINPUT, "buildinfo: bad 'Installed-Build-Depends' "
	    "entry '%.*s' (want 'name (= version)')", (int)(n > 80 ? 80 : n), p);
}

static int
parse_deps(struct parser *ps, vouch_buildinfo *b, vouch_err *err)
{
	int rc;
	const char *v = lines_of(ps, "Installed-Build-Depends", err, &rc), *p;

	if (rc != VOUCH_OK)
		return rc;
	if (v == NULL)
		return vouch_err_set(err, VOUCH_EINPUT, "buildinfo: missing field "
		    "'Installed-Build-Depends'");
	for (p = v; *p != '\0';) {
		size_t n = strcspn(p, ",");
		const char *q = p;
		size_t m = n;

		while (m > 0 && (*q == '\n' || *q == ' ')) {
			q++;
			m--;
		}
		while (m > 0 && (q[m - 1] == '\n' || q[m - 1] == ' '))
			m--;
		if (m == 0) {
			if (p[n] == ',' || b->n_deps == 0)
				return vouch_err_set(err, VOUCH_EINPUT, "buildinfo: empty entry in "
				    "'Installed-Build-Depends'");
		} else {
			if (memchr(q, '\n', m) != NULL)
				return vouch_err_set(err, VOUCH_EINPUT, "buildinfo: "
				    "'Installed-Build-Depends' entries must be separated by ','");
			if (b->n_deps == VOUCH_BUILDINFO_MAX_DEPS)
				return vouch_err_set(err, VOUCH_ELIMIT, "buildinfo: more than %d "
				    "installed build dependencies", VOUCH_BUILDINFO_MAX_DEPS);
			if ((rc = parse_dep(q, m, &b->deps[b->n_deps++], err)) != VOUCH_OK)
				return rc;
		}
		p += n;
		if (*p == ',')
			p++;
	}
	return VOUCH_OK;
}

static int
env_name_ok(const char *p, size_t n)
{
	if (n == 0 || n > VOUCH_BUILDINFO_MAX_NAME || isdigit((unsigned char)p[0]))
		return 0;
	for (size_t i = 0; i < n; i++)
		if (!(isalnum((unsigned char)p[i]) || p[i] == '_'))
			return 0;
	return 1;
}

/* NAME="value" with \" and \\ escapes. */
static int
parse_var(const char *p, size_t n, vouch_buildinfo_var *var, vouch_err *err)
{
	const char *eq = memchr(p, '=', n);
	char *out;
	size_t o = 0, i;

	if (eq == NULL || !env_name_ok(p, (size_t)(eq - p)) || (size_t)(eq - p) + 3 > n ||
	    eq[1] != '"' || p[n - 1] != '"')
		goto fail;
	if ((var->name = dupn(p, (size_t)(eq - p), err)) == NULL ||
	    (out = malloc(n)) == NULL)
		return vouch_err_set(err, VOUCH_ENOMEM, "out of memory");
	var->value = out;
	for (i = (size_t)(eq - p) + 2; i < n - 1; i++) {
		if (p[i] == '"')
			goto fail;
		if (p[i] == '\\') {
			if (i + 1 >= n - 1 || (p[i + 1] != '"' && p[i + 1] != '\\'))
				goto fail;
			i++;
		}
		out[o++] = p[i];
	}
	out[o] = '\0';
	return VOUCH_OK;
fail:
	return vouch_err_set(err, VOUCH_EINPUT, "buildinfo: bad 'Environment' line '%.*s' "
	    "(want NAME=\"value\")", (int)(n > 80 ? 80 : n), p);
}

static int
parse_env(struct parser *ps, vouch_buildinfo *b, vouch_err *err)
{
	int rc;
	const char *v = lines_of(ps, "Environment", err, &rc), *p;

	if (v == NULL)
		return rc;
	for (p = v; *p == '\n'; p++)
		;
	while (*p != '\0') {
		size_t n = strcspn(p, "\n");

		if (b->n_env == VOUCH_BUILDINFO_MAX_ENV)
			return vouch_err_set(err, VOUCH_ELIMIT, "buildinfo: more than %d variables",
			    VOUCH_BUILDINFO_MAX_ENV);
		if ((rc = parse_var(p, n, &b->env[b->n_env++], err)) != VOUCH_OK)
			return rc;
		for (size_t i = 0; i + 1 < b->n_env; i++)
			if (strcmp(b->env[i].name, b->env[b->n_env - 1].name) == 0)
				return bad(err, "buildinfo: variable '%s' set twice in 'Environment'",
				    b->env[i].name);
		p += n;
		if (*p == '\n')
			p++;
	}
	return VOUCH_OK;
}

static int
digits(const char *p, size_t n, int *out)
{
	int v = 0;

	for (size_t i = 0; i < n; i++) {
		if (!isdigit((unsigned char)p[i]))
			return 0;
		v = v * 10 + (p[i] - '0');
	}
	*out = v;
	return 1;
}

/* "[Day, ]DD Mon YYYY HH:MM:SS +ZZZZ" (RFC 2822, as dpkg writes it). */
static int
parse_date(const char *s, long long *out)
{
	static const char months[] = "JanFebMarAprMayJunJulAugSepOctNovDec";
	int day, year, hh, mm, ss, zh, zm, mon = -1;
	const char *p = s;
	struct tm tm;
	time_t t;
	size_t dl;

	if (strlen(s) > 64)
		return 0;
	if (isalpha((unsigned char)p[0])) {
		if (strlen(p) < 5 || p[3] != ',' || p[4] != ' ')
			return 0;
		p += 5;
	}
	dl = strcspn(p, " ");
	if (dl < 1 || dl > 2 || !digits(p, dl, &day) || p[dl] != ' ')
		return 0;
	p += dl + 1;
	for (int i = 0; i < 12; i++)
		if (strncmp(p, months + 3 * i, 3) == 0)
			mon = i + 1;
	if (mon < 0 || p[3] != ' ' || !digits(p + 4, 4, &year) || p[8] != ' ' ||
	    !digits(p + 9, 2, &hh) || p[11] != ':' || !digits(p + 12, 2, &mm) || p[14] != ':' ||
	    !digits(p + 15, 2, &ss) || p[17] != ' ' || (p[18] != '+' && p[18] != '-') ||
	    !digits(p + 19, 2, &zh) || !digits(p + 21, 2, &zm) || p[23] != '\0')
		return 0;
	if (day < 1 || day > 31 || hh > 23 || mm > 59 || ss > 60 || zh > 23 || zm > 59 ||
	    year < 1970)
		return 0;
	memset(&tm, 0, sizeof(tm));
	tm.tm_year = year - 1900;
	tm.tm_mon = mon - 1;
	tm.tm_mday = day;
	tm.tm_hour = hh;
	tm.tm_min = mm;
	tm.tm_sec = ss;
	if ((t = timegm(&tm)) == (time_t)-1)
		return 0;
	*out = (long long)t - (p[18] == '-' ? -1 : 1) * (zh * 3600 + zm * 60);
	return 1;
}

static int
path_ok(const char *s)
{
	size_t n = strlen(s);
	const char *p;

	if (n == 0 || n > 1024 || s[0] != '/')
		return 0;
	for (size_t i = 0; i < n; i++)
		if (!(isalnum((unsigned char)s[i]) || strchr("/._+~-", s[i]) != NULL))
			return 0;
	for (p = s + 1; *p != '\0';) {
		size_t len = strcspn(p, "/");
		if (len == 0 || (len == 1 && p[0] == '.') || (len == 2 && p[0] == '.' && p[1] == '.'))
			return 0;
		p += len;
		if (*p == '/')
			p++;
	}
	return 1;
}

/* Binary-Only-Changes (a binNMU): the changelog entry the builder added,
 * decoded as dpkg does (each continuation line loses its first character,
 * a line of dots one dot: " ." is an empty line), from the raw lines, so
 * the entry's indentation survives.  It must be a whole entry for this
 * source and version: "SOURCE (VERSION) ...binary-only=yes" first, a
 * " -- " trailer last. */
static int
parse_binnmu(struct parser *ps, vouch_buildinfo *b, vouch_err *err)
{
	struct field *f = find(ps, "Binary-Only-Changes");
	const char *text, *nl, *last;
	char head[2 * VOUCH_BUILDINFO_MAX_NAME + 8];
	size_t first_len;
	vouch_buf out;
	int rc = VOUCH_OK, hn;

	if (f == NULL)
		return VOUCH_OK;
	if (f->n_cont == 0)
		return bad(err, "buildinfo: field '%s' is empty", "Binary-Only-Changes");
	if (f->value[0] != '\n')
		return bad(err, "buildinfo: field '%s' must start on the next line",
		    "Binary-Only-Changes");
	vouch_buf_init(&out, VOUCH_BUILDINFO_MAX_CHANGES);
	for (size_t k = 1; rc == VOUCH_OK && k <= f->n_cont; k++) {
		const struct line *l = &ps->lines[f->line + k];
		const char *p = l->p + 1;
		size_t n = l->n - 1, dots = 0;

		while (dots < n && p[dots] == '.')
			dots++;
		if (n > 0 && dots == n) {
			p++;
			n--;
		}
		if (k > 1)
			rc = vouch_buf_append_byte(&out, '\n', err);
		if (rc == VOUCH_OK)
			rc = vouch_buf_append(&out, p, n, err);
	}
	if (rc == VOUCH_ELIMIT) {
		vouch_err_clear(err);
		rc = vouch_err_set(err, VOUCH_ELIMIT, "buildinfo: 'Binary-Only-Changes' is longer "
		    "than %d bytes", VOUCH_BUILDINFO_MAX_CHANGES);
	}
	if (rc != VOUCH_OK) {
		vouch_buf_free(&out);
		return rc;
	}
	if ((b->binary_only_changes = strdup(vouch_buf_cstr(&out))) == NULL) {
		vouch_buf_free(&out);
		return vouch_err_set(err, VOUCH_ENOMEM, "out of memory");
	}
	vouch_buf_free(&out);
	text = b->binary_only_changes;
	nl = strchr(text, '\n');
	first_len = nl != NULL ? (size_t)(nl - text) : strlen(text);
	last = strrchr(text, '\n');
	/* Source and Version are checked names of at most MAX_NAME bytes */
	hn = snprintf(head, sizeof head, "%s (%s) ", b->source, b->version);
	if (nl == NULL || strncmp(text, head, (size_t)hn) != 0)
		return vouch_err_set(err, VOUCH_EINPUT, "buildinfo: 'Binary-Only-Changes' must "
		    "begin with '%s'", head);
	if (memmem(text, first_len, "binary-only=yes", 15) == NULL)
		return vouch_err_set(err, VOUCH_EINPUT, "buildinfo: 'Binary-Only-Changes' is not a "
		    "binary-only entry (no 'binary-only=yes' in '%.*s')",
		    (int)(first_len < 200 ? first_len : 200), text);
	if (strncmp(last + 1, " -- ", 4) != 0)
		return vouch_err_set(err, VOUCH_EINPUT, "buildinfo: 'Binary-Only-Changes' must end "
		    "with its ' -- ' trailer line");
	return VOUCH_OK;
}

static int
parse_values(struct parser *ps, vouch_buildinfo *b, vouch_err *err)
{
	int rc;

	if ((rc = take(ps, "Format", 1, &b->format, err)) != VOUCH_OK ||
	    (rc = take(ps, "Source", 1, &b->source, err)) != VOUCH_OK ||
	    (rc = take(ps, "Version", 1, &b->version, err)) != VOUCH_OK ||
	    (rc = take(ps, "Architecture", 1, &b->architecture, err)) != VOUCH_OK ||
	    (rc = take(ps, "Binary", 0, &b->binary, err)) != VOUCH_OK ||
	    (rc = take(ps, "Build-Architecture", 0, &b->build_architecture, err)) != VOUCH_OK ||
	    (rc = take(ps, "Build-Origin", 0, &b->build_origin, err)) != VOUCH_OK ||
	    (rc = take(ps, "Build-Kernel-Version", 0, &b->build_kernel_version,
	        err)) != VOUCH_OK ||
	    (rc = take(ps, "Build-Date", 0, &b->build_date, err)) != VOUCH_OK ||
	    (rc = take(ps, "Build-Path", 0, &b->build_path, err)) != VOUCH_OK)
		return rc;
	if (strcmp(b->format, "1.0") != 0)
		return bad(err, "buildinfo: unsupported 'Format' '%s' (this vouch reads 1.0)",
		    b->format);
	if ((rc = parse_source(b, err)) != VOUCH_OK)
		return rc;
	if (!version_ok(b->version, strlen(b->version)))
		return bad(err, "buildinfo: bad 'Version' '%s'", b->version);
	if (!words_ok(b->architecture, arch_word_ok))
		return bad(err, "buildinfo: bad 'Architecture' '%s'", b->architecture);
	if (b->binary != NULL && !words_ok(b->binary, pkg_name_ok))
		return bad(err, "buildinfo: bad 'Binary' '%s'", b->binary);
	if (b->build_architecture != NULL &&
	    !arch_ok(b->build_architecture, strlen(b->build_architecture)))
		return bad(err, "buildinfo: bad 'Build-Architecture' '%s'", b->build_architecture);
	if (b->build_date != NULL) {
		if (!parse_date(b->build_date, &b->build_date_epoch))
			return bad(err, "buildinfo: bad 'Build-Date' '%s' (want RFC 2822)",
			    b->build_date);
		b->has_build_date = 1;
	}
	if (b->build_path != NULL && !path_ok(b->build_path))
		return bad(err, "buildinfo: bad 'Build-Path' '%s' (absolute, [A-Za-z0-9/._+~-], "
		    "no '.' or '..')", b->build_path);
	if ((b->files = calloc(VOUCH_BUILDINFO_MAX_FILES, sizeof(*b->files))) == NULL ||
	    (b->deps = calloc(VOUCH_BUILDINFO_MAX_DEPS, sizeof(*b->deps))) == NULL ||
	    (b->env = calloc(VOUCH_BUILDINFO_MAX_ENV, sizeof(*b->env))) == NULL)
		return vouch_err_set(err, VOUCH_ENOMEM, "out of memory");
	if ((rc = parse_checksums(ps, b, err)) != VOUCH_OK ||
	    (rc = parse_deps(ps, b, err)) != VOUCH_OK ||
	    (rc = parse_env(ps, b, err)) != VOUCH_OK ||
	    (rc = parse_binnmu(ps, b, err)) != VOUCH_OK)
		return rc;
	return VOUCH_OK;
}

/* ---- entry points ------------------------------------------------------------ */

void
vouch_buildinfo_free(vouch_buildinfo *b)
{
	if (b == NULL)
		return;
	free(b->format);
	free(b->source);
	free(b->source_version);
	free(b->binary_only_changes);
	free(b->version);
	free(b->architecture);
	free(b->binary);
	free(b->build_architecture);
	free(b->build_origin);
	free(b->build_kernel_version);
	free(b->build_date);
	free(b->build_path);
	for (size_t i = 0; b->files != NULL && i < b->n_files; i++)
		free(b->files[i].name);
	for (size_t i = 0; b->deps != NULL && i < b->n_deps; i++) {
		free(b->deps[i].name);
		free(b->deps[i].arch);
		free(b->deps[i].version);
	}
	for (size_t i = 0; b->env != NULL && i < b->n_env; i++) {
		free(b->env[i].name);
		free(b->env[i].value);
	}
	free(b->files);
	free(b->deps);
	free(b->env);
	free(b);
}

static int
check_bytes(const char *data, size_t len, vouch_err *err)
{
	for (size_t i = 0; i < len; i++) {
		unsigned char c = (unsigned char)data[i];
		if ((c < 0x20 && c != '\n' && c != '\t') || c == 0x7f)
			return vouch_err_set(err, VOUCH_EINPUT, "buildinfo: control character "
			    "0x%02x at byte %zu", c, i);
	}
	if (!vouch_utf8_valid(data, len))
		return vouch_err_set(err, VOUCH_EINPUT, "buildinfo: not UTF-8");
	return VOUCH_OK;
}

int
vouch_buildinfo_parse(const char *data, size_t len, vouch_buildinfo **out, vouch_err *err)
{
	struct parser ps;
	vouch_buildinfo *b = NULL;
	void *mem;
	int rc;

	*out = NULL;
	memset(&ps, 0, sizeof(ps));
	if ((rc = vouch_doc_begin("buildinfo", len, VOUCH_BUILDINFO_MAX_BYTES, sizeof(*b), &mem,
	    err)) != VOUCH_OK)
		return rc;
	b = mem;
	if ((rc = check_bytes(data, len, err)) != VOUCH_OK ||
	    (rc = split_lines(data, len, &ps.lines, &ps.n_lines, err)) != VOUCH_OK)
		goto out;
	if (ps.n_lines > 0 && is(&ps.lines[0], PGP_BEGIN)) {
		b->clearsigned = 1;
		if ((rc = unwrap_clearsigned(&ps, err)) != VOUCH_OK)
			goto out;
	}
	for (size_t i = 0; i < ps.n_lines; i++)
		if (ps.lines[i].n >= 5 && memcmp(ps.lines[i].p, "-----", 5) == 0) {
			rc = vouch_err_set(err, VOUCH_EINPUT, "buildinfo: stray OpenPGP armor line "
			    "%zu", i + 1);
			goto out;
		}
	if ((rc = read_fields(&ps, err)) != VOUCH_OK || (rc = parse_values(&ps, b, err)) != VOUCH_OK)
		goto out;
	*out = b;
	b = NULL;
out:
	for (size_t i = 0; i < ps.n_fields; i++)
		free(ps.fields[i].value);
	free(ps.lines);
	vouch_buildinfo_free(b);
	return rc;
}

static int
load_parse(const char *data, size_t len, void *out, vouch_err *err)
{
	return vouch_buildinfo_parse(data, len, out, err);
}

int
vouch_buildinfo_load(const char *path, vouch_buildinfo **out, vouch_err *err)
{
	*out = NULL;
	return vouch_doc_load(path, VOUCH_BUILDINFO_MAX_BYTES, "", load_parse, out, err);
}

const char *
vouch_buildinfo_getenv(const vouch_buildinfo *b, const char *name)
{
	for (size_t i = 0; i < b->n_env; i++)
		if (strcmp(b->env[i].name, name) == 0)
			return b->env[i].value;
	return NULL;
}

int
vouch_buildinfo_has_arch(const vouch_buildinfo *b, const char *arch)
{
	size_t al = strlen(arch);

	for (const char *p = b->architecture; *p != '\0';) {
		size_t n = strcspn(p, " ");
		if (n == al && memcmp(p, arch, n) == 0)
			return 1;
		p += n;
		while (*p == ' ')
			p++;
	}
	return 0;
}
