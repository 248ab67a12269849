/* test_elf.c - the bounds-checked ELF section reader. */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "harness.h"
#include "vouch/vouch.h"

/* A minimal ELF64 LE: header, .note.gnu.build-id, .shstrtab, section table. */
static size_t
make_elf64(uint8_t *b, size_t cap, uint8_t id_byte)
{
	static const char strtab[] = "\0.note.gnu.build-id\0.shstrtab\0.debug_info\0";
	size_t note = 64, str = note + 24, dbg = str + sizeof(strtab), sh = dbg + 8;
	uint8_t *s;

	CU_ASSERT_FATAL(sh + 5 * 64 <= cap);
	memset(b, 0, sh + 5 * 64);
	memcpy(b, "\177ELF\2\1\1", 7);
	b[16] = 2;            /* ET_EXEC */
	b[18] = 62;           /* x86-64 */
	b[40] = (uint8_t)sh;  /* e_shoff (small) */
	b[52] = 64;           /* e_ehsize */
	b[58] = 64;           /* e_shentsize */
	b[60] = 4;            /* e_shnum */
	b[62] = 2;            /* e_shstrndx */
	/* note: namesz 4, descsz 8, type 3, "GNU\0", 8 bytes of id */
	b[note] = 4;
	b[note + 4] = 8;
	b[note + 8] = 3;
	memcpy(b + note + 12, "GNU", 4);
	memset(b + note + 16, id_byte, 8);
	memcpy(b + str, strtab, sizeof(strtab));
	memset(b + dbg, 0xdb, 8);
	s = b + sh + 64; /* section 1: the note */
	s[0] = 1;
	s[4] = 7;
	s[24] = (uint8_t)note;
	s[32] = 24;
	s += 64;         /* section 2: .shstrtab */
	s[0] = 20;
	s[4] = 3;
	s[24] = (uint8_t)str;
	s[32] = sizeof(strtab);
	s += 64;         /* section 3: .debug_info */
	s[0] = 30;
	s[4] = 1;
	s[24] = (uint8_t)dbg;
	s[32] = 8;
	return sh + 4 * 64;
}

static void
test_parse(void)
{
	uint8_t b[1024];
	size_t n = make_elf64(b, sizeof(b), 0xab);
	vouch_elf *e = NULL;
	const uint8_t *id;
	size_t idn;

	CU_ASSERT_FATAL(vouch_elf_parse(b, n, &e, NULL) == VOUCH_OK);
	CU_ASSERT_EQUAL(vouch_elf_class(e), 64);
	CU_ASSERT_EQUAL(vouch_elf_machine(e), 62);
	CU_ASSERT_EQUAL(vouch_elf_section_count(e), 4);
	CU_ASSERT_STRING_EQUAL(vouch_elf_section(e, 1)->name, ".note.gnu.build-id");
	CU_ASSERT_STRING_EQUAL(vouch_elf_section(e, 3)->name, ".debug_info");
	CU_ASSERT_PTR_NOT_NULL(vouch_elf_find(e, ".shstrtab"));
	CU_ASSERT_PTR_NULL(vouch_elf_section(e, 4));
	CU_ASSERT_FATAL(vouch_elf_build_id(e, &id, &idn, NULL) == VOUCH_OK);
	CU_ASSERT_EQUAL(idn, 8);
	CU_ASSERT_EQUAL(id[0], 0xab);
	CU_ASSERT(vouch_elf_is_debug_section(".debug_info"));
	CU_ASSERT(!vouch_elf_is_debug_section(".text"));
	vouch_elf_free(e);
}

static void
test_hostile(void)
{
	uint8_t b[1024];
	size_t n = make_elf64(b, sizeof(b), 1);
	vouch_elf *e = NULL;

	/* truncated anywhere: never succeeds past the section table */
	for (size_t cut = 0; cut < n; cut++) {
		if (vouch_elf_parse(b, cut, &e, NULL) == VOUCH_OK) {
			CU_ASSERT(cut >= 64);
			vouch_elf_free(e);
			e = NULL;
		}
	}
	/* a section pointing past the end */
	b[(size_t)b[40] + 64 + 32] = 0xff;
	b[(size_t)b[40] + 64 + 33] = 0xff;
	CU_ASSERT_EQUAL(vouch_elf_parse(b, n, &e, NULL), VOUCH_EINPUT);
	/* bad class, bad magic */
	n = make_elf64(b, sizeof(b), 1);
	b[4] = 9;
	CU_ASSERT_EQUAL(vouch_elf_parse(b, n, &e, NULL), VOUCH_EINPUT);
	CU_ASSERT_EQUAL(vouch_elf_parse("\177ELX", 4, &e, NULL), VOUCH_EINPUT);
	/* a name offset outside the string table gives an empty name, not a read */
	n = make_elf64(b, sizeof(b), 1);
	b[(size_t)b[40] + 64 * 3] = 0xf0;
	CU_ASSERT_FATAL(vouch_elf_parse(b, n, &e, NULL) == VOUCH_OK);
	CU_ASSERT_STRING_EQUAL(vouch_elf_section(e, 3)->name, "");
	vouch_elf_free(e);
}

static void
test_elf32_be(void)
{
	uint8_t b[256];
	vouch_elf *e = NULL;

	memset(b, 0, sizeof(b));
	memcpy(b, "\177ELF\1\2\1", 7);
	b[17] = 2;  /* ET_EXEC, big-endian */
	b[19] = 8;  /* MIPS */
	b[41] = 52; /* e_ehsize */
	b[25] = 0x40, b[26] = 0x01, b[27] = 0x20; /* e_entry 0x400120 */
	CU_ASSERT_FATAL(vouch_elf_parse(b, 52, &e, NULL) == VOUCH_OK);
	CU_ASSERT_EQUAL(vouch_elf_class(e), 32);
	CU_ASSERT_EQUAL(vouch_elf_machine(e), 8);
	CU_ASSERT_EQUAL(vouch_elf_type(e), 2);
	CU_ASSERT_EQUAL(vouch_elf_entry(e), 0x400120);
	CU_ASSERT_EQUAL(vouch_elf_section_count(e), 0);
	vouch_elf_free(e);
}

/* ELF64 LE with .symtab (null, "scale" FUNC, name offset 200) and .strtab
 * whose last name runs to its end unterminated. */
static size_t
make_symtab(uint8_t *b, size_t cap, uint32_t link)
{
	static const char shstr[] = "\0.symtab\0.strtab\0.shstrtab\0";
	static const char str[] = "\0scale\0ke"; /* "ke" unterminated: sizeof - 1 */
	size_t sym = 64, strs = sym + 3 * 24, shs = strs + sizeof(str) - 1, sh = (shs + 40) & ~7u;
	uint8_t *s;

	CU_ASSERT_FATAL(sh + 4 * 64 <= cap);
	memset(b, 0, sh + 4 * 64);
	memcpy(b, "\177ELF\2\1\1", 7);
	b[16] = 2;
	b[18] = 62;
	b[40] = (uint8_t)sh;
	b[41] = (uint8_t)(sh >> 8);
	b[52] = 64;
	b[58] = 64;
	b[60] = 4;
	b[62] = 3;
	/* symbol 1: "scale", STT_FUNC|STB_GLOBAL, shndx 1, value 0x1000, size 42 */
	b[sym + 24] = 1;
	b[sym + 24 + 4] = 0x12;
	b[sym + 24 + 6] = 1;
	b[sym + 24 + 9] = 0x10;
	b[sym + 24 + 16] = 42;
	/* symbol 2: name offset 7 ("ke", unterminated), symbol 3 would be out */
	b[sym + 48] = 7;
	memcpy(b + strs, str, sizeof(str) - 1);
	memcpy(b + shs, shstr, sizeof(shstr));
	s = b + sh + 64; /* 1: .symtab */
	s[0] = 1;
	s[4] = 2;
	s[24] = (uint8_t)sym;
	s[32] = 3 * 24;
	s[40] = (uint8_t)link;
	s += 64;         /* 2: .strtab */
	s[0] = 9;
	s[4] = 3;
	s[24] = (uint8_t)strs;
	s[32] = sizeof(str) - 1;
	s += 64;         /* 3: .shstrtab */
	s[0] = 17;
	s[4] = 3;
	s[24] = (uint8_t)shs;
	s[32] = sizeof(shstr);
	return sh + 4 * 64;
}

static void
test_symbols(void)
{
	uint8_t b[1024];
	size_t n = make_symtab(b, sizeof(b), 2), nv = 9;
	struct vouch_elf_symbol *v = NULL;
	vouch_elf *e = NULL;

	CU_ASSERT_FATAL(vouch_elf_parse(b, n, &e, NULL) == VOUCH_OK);
	CU_ASSERT_FATAL(vouch_elf_symbols(e, ".symtab", &v, &nv, NULL) == VOUCH_OK);
	CU_ASSERT_FATAL(nv == 3);
	CU_ASSERT_EQUAL(v[0].name_len, 0);
	CU_ASSERT(v[1].name_len == 5 && memcmp(v[1].name, "scale", 5) == 0);
	CU_ASSERT_EQUAL(v[1].info & 0xf, VOUCH_ELF_STT_FUNC);
	CU_ASSERT_EQUAL(v[1].value, 0x1000);
	CU_ASSERT_EQUAL(v[1].size, 42);
	CU_ASSERT_EQUAL(v[1].shndx, 1);
	/* the unterminated last name stops at the end of .strtab */
	CU_ASSERT(v[2].name_len == 2 && memcmp(v[2].name, "ke", 2) == 0);
	free(v);
	/* no such table: none, and no error */
	CU_ASSERT(vouch_elf_symbols(e, ".dynsym", &v, &nv, NULL) == VOUCH_OK && nv == 0 && v == NULL);
	vouch_elf_free(e);
	/* a string table link out of range fails */
	n = make_symtab(b, sizeof(b), 9);
	CU_ASSERT_FATAL(vouch_elf_parse(b, n, &e, NULL) == VOUCH_OK);
	CU_ASSERT_EQUAL(vouch_elf_symbols(e, ".symtab", &v, &nv, NULL), VOUCH_EINPUT);
	CU_ASSERT_PTR_NULL(v);
	vouch_elf_free(e);
}

int
main(void)
{
	static const struct test_case cases[] = {
		{ "parse", test_parse },
		{ "hostile", test_hostile },
		{ "elf32 big-endian", test_elf32_be },
		{ "symbols", test_symbols },
		{ NULL, NULL }
	};

	return test_run("elf", cases);
}
