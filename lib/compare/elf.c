/* elf.c - bounds-checked ELF32/ELF64 section table reader. */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "vouch/elf.h"

struct vouch_elf {
	const uint8_t *data;
	size_t len;
	int cls;       /* 32 or 64 */
	int big;       /* big-endian */
	unsigned type, machine;
	uint64_t entry;
	size_t ehsize;
	uint64_t phoff, phsize;
	struct vouch_elf_section *sec;
	size_t nsec;
};

int
vouch_elf_is_elf(const void *data, size_t len)
{
	return len >= 4 && memcmp(data, "\177ELF", 4) == 0;
}

static uint64_t
rd(const vouch_elf *e, uint64_t off, unsigned n)
{
	uint64_t v = 0;

	/* callers check off + n <= len */
	for (unsigned i = 0; i < n; i++) {
		unsigned shift = e->big ? 8 * (n - 1 - i) : 8 * i;

		v |= (uint64_t)e->data[off + i] << shift;
	}
	return v;
}

/* True when [off, off+size) lies inside the buffer. */
static int
in_bounds(const vouch_elf *e, uint64_t off, uint64_t size)
{
	return off <= e->len && size <= e->len - off;
}

static int
parse_header(vouch_elf *e, uint64_t *shoff, unsigned *shentsize, uint64_t *shnum,
             unsigned *shstrndx, vouch_err *err)
{
	const uint8_t *d = e->data;
	unsigned phentsize, phnum;

	if (e->len < 16 || !vouch_elf_is_elf(d, e->len))
		return vouch_err_set(err, VOUCH_EINPUT, "not an ELF file");
	if (d[4] != 1 && d[4] != 2)
		return vouch_err_set(err, VOUCH_EINPUT, "bad ELF class %u", d[4]);
	if (d[5] != 1 && d[5] != 2)
		return vouch_err_set(err, VOUCH_EINPUT, "bad ELF data encoding %u", d[5]);
	e->cls = d[4] == 2 ? 64 : 32;
	e->big = d[5] == 2;
	e->ehsize = e->cls == 64 ? 64 : 52;
	if (e->len < e->ehsize)
		return vouch_err_set(err, VOUCH_EINPUT, "truncated ELF header");
	e->type = (unsigned)rd(e, 16, 2);
	e->machine = (unsigned)rd(e, 18, 2);
	if (e->cls == 64) {
		e->entry = rd(e, 24, 8);
		e->phoff = rd(e, 32, 8);
		*shoff = rd(e, 40, 8);
		phentsize = (unsigned)rd(e, 54, 2);
		phnum = (unsigned)rd(e, 56, 2);
		*shentsize = (unsigned)rd(e, 58, 2);
		*shnum = rd(e, 60, 2);
		*shstrndx = (unsigned)rd(e, 62, 2);
	} else {
		e->entry = rd(e, 24, 4);
		e->phoff = rd(e, 28, 4);
		*shoff = rd(e, 32, 4);
		phentsize = (unsigned)rd(e, 42, 2);
		phnum = (unsigned)rd(e, 44, 2);
		*shentsize = (unsigned)rd(e, 46, 2);
		*shnum = rd(e, 48, 2);
		*shstrndx = (unsigned)rd(e, 50, 2);
	}
	e->phsize = (uint64_t)phentsize * phnum;
	if (e->phoff == 0 || e->phsize == 0) {
		e->phoff = 0;
		e->phsize = 0;
	} else if (!in_bounds(e, e->phoff, e->phsize)) {
		return vouch_err_set(err, VOUCH_EINPUT, "program header table out of bounds");
	}
	return VOUCH_OK;
}

static void
printable_name(const vouch_elf *e, uint64_t tab_off, uint64_t tab_size, uint64_t name_off,
               char *out, size_t outsz)
{
	size_t o = 0;

	out[0] = '\0';
	if (name_off >= tab_size)
		return;
	for (uint64_t i = tab_off + name_off; i < tab_off + tab_size && o + 1 < outsz; i++) {
		uint8_t c = e->data[i];

		if (c == 0)
			break;
		out[o++] = (c >= 0x20 && c < 0x7f) ? (char)c : '?';
	}
	out[o] = '\0';
}

static int
read_shdr(const vouch_elf *e, uint64_t at, struct vouch_elf_section *s, uint64_t *name_off,
          uint32_t *link)
{
	if (e->cls == 64) {
		*name_off = rd(e, at, 4);
		s->type = (uint32_t)rd(e, at + 4, 4);
		s->flags = rd(e, at + 8, 8);
		s->addr = rd(e, at + 16, 8);
		s->offset = rd(e, at + 24, 8);
		s->size = rd(e, at + 32, 8);
		*link = (uint32_t)rd(e, at + 40, 4);
	} else {
		*name_off = rd(e, at, 4);
		s->type = (uint32_t)rd(e, at + 4, 4);
		s->flags = rd(e, at + 8, 4);
		s->addr = rd(e, at + 12, 4);
		s->offset = rd(e, at + 16, 4);
		s->size = rd(e, at + 20, 4);
		*link = (uint32_t)rd(e, at + 24, 4);
	}
	if (s->type != VOUCH_ELF_SHT_NOBITS && s->type != 0 && !in_bounds(e, s->offset, s->size))
		return -1;
	return 0;
}

/* Resolve extended numbering: e_shnum == 0 or e_shstrndx == SHN_XINDEX
 * put the real values in section 0. */
static int
resolve_counts(vouch_elf *e, uint64_t shoff, unsigned shentsize, uint64_t *shnum,
               unsigned *shstrndx, vouch_err *err)
{
	struct vouch_elf_section s0;
	uint64_t name_off;
	uint32_t link;

	if (shoff == 0) {
		*shnum = 0;
		return VOUCH_OK;
	}
	if (shentsize != (e->cls == 64 ? 64u : 40u))
		return vouch_err_set(err, VOUCH_EINPUT, "bad section header size %u", shentsize);
	if (!in_bounds(e, shoff, shentsize))
		return vouch_err_set(err, VOUCH_EINPUT, "section header table out of bounds");
	memset(&s0, 0, sizeof(s0));
	if (read_shdr(e, shoff, &s0, &name_off, &link) != 0)
		s0.size = 0;
	if (*shnum == 0)
		*shnum = s0.size;
	if (*shstrndx == 0xffff)
		*shstrndx = link;
	if (*shnum > VOUCH_ELF_MAX_SECTIONS)
		return vouch_err_set(err, VOUCH_ELIMIT, "too many sections (%llu)",
		                     (unsigned long long)*shnum);
	if (!in_bounds(e, shoff, *shnum * shentsize))
		return vouch_err_set(err, VOUCH_EINPUT, "section header table out of bounds");
	return VOUCH_OK;
}

static int
parse_sections(vouch_elf *e, uint64_t shoff, unsigned shentsize, uint64_t shnum,
               unsigned shstrndx, vouch_err *err)
{
	uint64_t *names = NULL, str_off = 0, str_size = 0;
	char buf[VOUCH_ELF_NAME_MAX];
	int rc = VOUCH_OK;

	if (shnum == 0)
		return VOUCH_OK;
	e->sec = calloc((size_t)shnum, sizeof(*e->sec));
	names = calloc((size_t)shnum, sizeof(*names));
	if (e->sec == NULL || names == NULL) {
		rc = vouch_err_set(err, VOUCH_ENOMEM, "out of memory");
		goto out;
	}
	for (uint64_t i = 0; i < shnum; i++) {
		uint32_t link;

		e->sec[i].index = (size_t)i;
		if (read_shdr(e, shoff + i * shentsize, &e->sec[i], &names[i], &link) != 0) {
			rc = vouch_err_set(err, VOUCH_EINPUT, "section %llu out of bounds",
			                   (unsigned long long)i);
			goto out;
		}
		e->sec[i].link = link;
		e->nsec = (size_t)i + 1;
	}
	if (shstrndx < shnum && e->sec[shstrndx].type != VOUCH_ELF_SHT_NOBITS &&
	    in_bounds(e, e->sec[shstrndx].offset, e->sec[shstrndx].size)) {
		str_off = e->sec[shstrndx].offset;
		str_size = e->sec[shstrndx].size;
	}
	for (size_t i = 0; i < e->nsec; i++) {
		printable_name(e, str_off, str_size, names[i], buf, sizeof(buf));
		e->sec[i].name = strdup(buf);
		if (e->sec[i].name == NULL) {
			rc = vouch_err_set(err, VOUCH_ENOMEM, "out of memory");
			goto out;
		}
	}
out:
	free(names);
	return rc;
}

int
vouch_elf_parse(const void *data, size_t len, vouch_elf **out, vouch_err *err)
{
	vouch_elf *e = NULL;
	uint64_t shoff = 0, shnum = 0;
	unsigned shentsize = 0, shstrndx = 0;
	int rc;

	*out = NULL;
	e = calloc(1, sizeof(*e));
	if (e == NULL)
		return vouch_err_set(err, VOUCH_ENOMEM, "out of memory");
	e->data = data;
	e->len = len;
	rc = parse_header(e, &shoff, &shentsize, &shnum, &shstrndx, err);
	if (rc == VOUCH_OK)
		rc = resolve_counts(e, shoff, shentsize, &shnum, &shstrndx, err);
	if (rc == VOUCH_OK)
		rc = parse_sections(e, shoff, shentsize, shnum, shstrndx, err);
	if (rc != VOUCH_OK) {
		vouch_elf_free(e);
		return rc;
	}
	*out = e;
	return VOUCH_OK;
}

void
vouch_elf_free(vouch_elf *e)
{
	if (e == NULL)
		return;
	for (size_t i = 0; i < e->nsec; i++)
		free((char *)e->sec[i].name);
	free(e->sec);
	free(e);
}

int vouch_elf_class(const vouch_elf *e) { return e->cls; }
unsigned vouch_elf_machine(const vouch_elf *e) { return e->machine; }
unsigned vouch_elf_type(const vouch_elf *e) { return e->type; }
uint64_t vouch_elf_entry(const vouch_elf *e) { return e->entry; }
size_t vouch_elf_header_size(const vouch_elf *e) { return e->ehsize; }
size_t vouch_elf_section_count(const vouch_elf *e) { return e->nsec; }

void
vouch_elf_phdrs(const vouch_elf *e, uint64_t *offset, uint64_t *size)
{
	*offset = e->phoff;
	*size = e->phsize;
}

const struct vouch_elf_section *
vouch_elf_section(const vouch_elf *e, size_t i)
{
	return i < e->nsec ? &e->sec[i] : NULL;
}

const struct vouch_elf_section *
vouch_elf_find(const vouch_elf *e, const char *name)
{
	for (size_t i = 0; i < e->nsec; i++)
		if (strcmp(e->sec[i].name, name) == 0)
			return &e->sec[i];
	return NULL;
}

void
vouch_elf_section_data(const vouch_elf *e, const struct vouch_elf_section *s,
                       const uint8_t **p, size_t *n)
{
	if (s->type == VOUCH_ELF_SHT_NOBITS || s->type == 0 || !in_bounds(e, s->offset, s->size)) {
		*p = e->data;
		*n = 0;
		return;
	}
	*p = e->data + s->offset;
	*n = (size_t)s->size;
}

int
vouch_elf_build_id(const vouch_elf *e, const uint8_t **id, size_t *n, vouch_err *err)
{
	const struct vouch_elf_section *s = vouch_elf_find(e, ".note.gnu.build-id");
	uint64_t namesz, descsz, type, off, end;

	if (s == NULL || s->type != VOUCH_ELF_SHT_NOTE)
		return vouch_err_set(err, VOUCH_EINPUT, "no build id note");
	off = s->offset;
	end = s->offset + s->size; /* in bounds: checked when parsed */
	while (end - off >= 12) {
		uint64_t name_pad, desc_pad;

		namesz = rd(e, off, 4);
		descsz = rd(e, off + 4, 4);
		type = rd(e, off + 8, 4);
		off += 12;
		name_pad = (namesz + 3) & ~(uint64_t)3;
		desc_pad = (descsz + 3) & ~(uint64_t)3;
		if (name_pad > end - off || desc_pad > end - off - name_pad)
			break;
		if (type == 3 && namesz == 4 && memcmp(e->data + off, "GNU", 4) == 0) {
			*id = e->data + off + name_pad;
			*n = (size_t)descsz;
			return VOUCH_OK;
		}
		off += name_pad + desc_pad;
	}
	return vouch_err_set(err, VOUCH_EINPUT, "no build id note");
}

int
vouch_elf_symbols(const vouch_elf *e, const char *table, struct vouch_elf_symbol **out,
                  size_t *n, vouch_err *err)
{
	const struct vouch_elf_section *s = vouch_elf_find(e, table), *str;
	uint64_t ent = e->cls == 64 ? 24 : 16, count;
	struct vouch_elf_symbol *v;

	*out = NULL;
	*n = 0;
	if (s == NULL || (s->type != VOUCH_ELF_SHT_SYMTAB && s->type != VOUCH_ELF_SHT_DYNSYM))
		return VOUCH_OK;
	if (!in_bounds(e, s->offset, s->size) || s->link >= e->nsec)
		return vouch_err_set(err, VOUCH_EINPUT, "symbol table '%s' out of bounds", table);
	str = &e->sec[s->link];
	if (str->type == VOUCH_ELF_SHT_NOBITS || !in_bounds(e, str->offset, str->size))
		return vouch_err_set(err, VOUCH_EINPUT, "string table of '%s' out of bounds", table);
	count = s->size / ent;
	if (count > VOUCH_ELF_MAX_SYMBOLS)
		return vouch_err_set(err, VOUCH_ELIMIT, "too many symbols in '%s'", table);
	if (count == 0)
		return VOUCH_OK;
	v = calloc((size_t)count, sizeof(*v));
	if (v == NULL)
		return vouch_err_set(err, VOUCH_ENOMEM, "out of memory");
	for (uint64_t i = 0; i < count; i++) {
		uint64_t at = s->offset + i * ent, name;
		struct vouch_elf_symbol *y = &v[i];

		name = rd(e, at, 4);
		if (e->cls == 64) {
			y->info = e->data[at + 4];
			y->other = e->data[at + 5];
			y->shndx = (unsigned)rd(e, at + 6, 2);
			y->value = rd(e, at + 8, 8);
			y->size = rd(e, at + 16, 8);
		} else {
			y->value = rd(e, at + 4, 4);
			y->size = rd(e, at + 8, 4);
			y->info = e->data[at + 12];
			y->other = e->data[at + 13];
			y->shndx = (unsigned)rd(e, at + 14, 2);
		}
		if (name < str->size) {
			const uint8_t *p = e->data + str->offset + name;
			size_t max = (size_t)(str->size - name), k = 0;

			if (max > VOUCH_ELF_NAME_MAX)
				max = VOUCH_ELF_NAME_MAX;
			while (k < max && p[k] != 0)
				k++;
			y->name = p;
			y->name_len = k;
		} else {
			y->name = e->data;
			y->name_len = 0;
		}
	}
	*out = v;
	*n = (size_t)count;
	return VOUCH_OK;
}

int
vouch_elf_is_debug_section(const char *name)
{
	static const char *const prefixes[] = { ".debug", ".zdebug", ".gnu_debuglink",
	                                        ".gnu_debugaltlink", ".stab", ".gnu.debuglto_" };

	for (size_t i = 0; i < sizeof(prefixes) / sizeof(prefixes[0]); i++)
		if (strncmp(name, prefixes[i], strlen(prefixes[i])) == 0)
			return 1;
	return 0;
}
