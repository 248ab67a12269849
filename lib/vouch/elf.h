/* vouch/elf.h - a small, bounds-checked ELF32/ELF64 section reader.
 *
 * Only what comparing two builds needs: the file header, the extents of the
 * program header table and the section table with names.  Both byte orders
 * and both classes are read.  Every offset and size taken from the file is
 * checked against the buffer before use; a malformed file fails with
 * VOUCH_EINPUT and never reads out of bounds.
 *
 * vouch_elf_parse() does not copy the data: the buffer must outlive the
 * vouch_elf object.  Section names are copied (and made printable).
 */
#ifndef VOUCH_ELF_H
#define VOUCH_ELF_H

#include <stddef.h>
#include <stdint.h>
#include "error.h"

#ifdef __cplusplus
extern "C" {
#endif

#define VOUCH_ELF_MAX_SECTIONS 65536
#define VOUCH_ELF_NAME_MAX 256

#define VOUCH_ELF_SHT_NOBITS 8
#define VOUCH_ELF_SHT_NOTE 7

struct vouch_elf_section {
	size_t index;       /* position in the section table */
	const char *name;   /* printable copy; "" when the section has none */
	uint32_t type;      /* sh_type */
	uint64_t flags;     /* sh_flags */
	uint64_t addr;      /* sh_addr */
	uint64_t offset;    /* sh_offset (checked: within the file unless NOBITS) */
	uint64_t size;      /* sh_size */
	uint32_t link;      /* sh_link (for symbol tables: their string table) */
};

#define VOUCH_ELF_SHT_SYMTAB 2
#define VOUCH_ELF_SHT_DYNSYM 11
#define VOUCH_ELF_SHF_EXECINSTR 4
#define VOUCH_ELF_STT_FUNC 2
#define VOUCH_ELF_MAX_SYMBOLS (1u << 22)

struct vouch_elf_symbol {
	const uint8_t *name;  /* raw bytes inside the buffer, not NUL-terminated */
	size_t name_len;      /* bounded by the string table and VOUCH_ELF_NAME_MAX */
	uint64_t value;       /* st_value */
	uint64_t size;        /* st_size */
	unsigned shndx;       /* st_shndx */
	unsigned char info;   /* st_info: type in the low 4 bits */
	unsigned char other;  /* st_other */
};

typedef struct vouch_elf vouch_elf;

/* True when data starts with the ELF magic. */
int vouch_elf_is_elf(const void *data, size_t len);

/* Parse data[0..len).  On success *out is a new object (vouch_elf_free). */
int vouch_elf_parse(const void *data, size_t len, vouch_elf **out, vouch_err *err);
void vouch_elf_free(vouch_elf *e);

/* 32 or 64. */
int vouch_elf_class(const vouch_elf *e);
/* e_machine, e_type, e_entry. */
unsigned vouch_elf_machine(const vouch_elf *e);
unsigned vouch_elf_type(const vouch_elf *e);
uint64_t vouch_elf_entry(const vouch_elf *e);
/* Size of the file header (e_ehsize, checked). */
size_t vouch_elf_header_size(const vouch_elf *e);
/* Program header table extent (0, 0 when absent). */
void vouch_elf_phdrs(const vouch_elf *e, uint64_t *offset, uint64_t *size);

size_t vouch_elf_section_count(const vouch_elf *e);
/* Section i (0 <= i < count), or NULL.  Owned by e. */
const struct vouch_elf_section *vouch_elf_section(const vouch_elf *e, size_t i);
/* First section with that name, or NULL. */
const struct vouch_elf_section *vouch_elf_find(const vouch_elf *e, const char *name);
/* The bytes of a section inside the buffer (*n is 0 for SHT_NOBITS). */
void vouch_elf_section_data(const vouch_elf *e, const struct vouch_elf_section *s,
                            const uint8_t **p, size_t *n);
/* The GNU build ID (descriptor of the NT_GNU_BUILD_ID note in
 * .note.gnu.build-id); VOUCH_EINPUT when absent or malformed. */
int vouch_elf_build_id(const vouch_elf *e, const uint8_t **id, size_t *n, vouch_err *err);
/* The symbols of the first section called table (".symtab", ".dynsym"),
 * with names from the string table it links to.  *out is the caller's
 * (free()); *n is 0 and *out NULL when there is no such table.  A table or
 * string table out of bounds fails with VOUCH_EINPUT. */
int vouch_elf_symbols(const vouch_elf *e, const char *table, struct vouch_elf_symbol **out,
                      size_t *n, vouch_err *err);
/* True for sections that only carry debugging information (.debug_*,
 * .zdebug_*, .gnu_debuglink, .gnu_debugaltlink, .stab*). */
int vouch_elf_is_debug_section(const char *name);

#ifdef __cplusplus
}
#endif
#endif
