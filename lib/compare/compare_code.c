/* compare_code.c - which function changed: ELF code differences by symbol.
 *
 * For every executable section whose bytes differ, the function symbols
 * (STT_FUNC with a size, from .symtab, else .dynsym) of both sides are
 * paired by name and occurrence and their bytes compared; bytes covered by
 * no symbol are compared by position and reported as "(no symbol)".  The
 * first CMP_MAX_DETAIL changed functions get a detail: a unified diff of
 * their disassembly by objdump(1) when asked for and installed, else a hex
 * dump of their first differing bytes.  Also: symbol tables that hold the
 * same symbols in another order.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "compare_int.h"
#include "vouch/elf.h"

#define DISASM_MAX ((size_t)1 << 20)   /* objdump output kept per function and side */
#define DETAIL_DIFF_MAX ((size_t)16 << 10)
#define CMP_MAX_FUNCS_SCAN 65536       /* collected before the largest are kept */

extern char **environ;

struct fsym {                  /* a function symbol */
	char *name;                /* printable */
	uint64_t value, size;
	size_t occ;                /* occurrence of this name (0 = first) */
	int paired;
};

struct side {
	const vouch_elf *e;
	const uint8_t *data;
	size_t len;
	const char *file;
	struct fsym *f;
	size_t n;
	struct fsym **byname;      /* f sorted by name and occurrence */
};

static void
fsyms_free(struct side *s)
{
	for (size_t i = 0; i < s->n; i++)
		free(s->f[i].name);
	free(s->f);
	free(s->byname);
	s->f = NULL;
	s->byname = NULL;
	s->n = 0;
}

static int
by_value(const void *x, const void *y)
{
	const struct fsym *a = x, *b = y;

	if (a->value != b->value)
		return a->value < b->value ? -1 : 1;
	return strcmp(a->name, b->name);
}

static int
by_name_occ(const void *x, const void *y)
{
	const struct fsym *a = *(const struct fsym *const *)x, *b = *(const struct fsym *const *)y;
	int k = strcmp(a->name, b->name);

	return k ? k : (a->occ < b->occ ? -1 : a->occ > b->occ);
}

/* Function symbols of section sec (by index), one per address, sorted by
 * address; the occurrence numbers pair duplicates of a (local) name. */
static int
load_funcs(struct side *s, const char *table, const struct vouch_elf_section *sec)
{
	struct vouch_elf_symbol *v = NULL;
	size_t n = 0, k = 0;
	struct fsym **byname;

	s->f = NULL;
	s->n = 0;
	if (vouch_elf_symbols(s->e, table, &v, &n, NULL) != VOUCH_OK)
		return 0; /* a malformed table: no symbols, bytes still compared */
	s->f = calloc(n + 1, sizeof(*s->f));
	if (s->f == NULL) {
		free(v);
		return -1;
	}
	for (size_t i = 0; i < n; i++) {
		if ((v[i].info & 0xf) != VOUCH_ELF_STT_FUNC || v[i].size == 0 ||
		    v[i].shndx != sec->index || v[i].value < sec->addr ||
		    v[i].value - sec->addr > sec->size || v[i].size > sec->addr + sec->size - v[i].value)
			continue;
		s->f[k].name = cmp_printable((const char *)v[i].name, v[i].name_len);
		s->f[k].value = v[i].value;
		s->f[k].size = v[i].size;
		if (s->f[k].name == NULL) {
			free(v);
			return -1;
		}
		k++;
	}
	free(v);
	s->n = k;
	qsort(s->f, s->n, sizeof(*s->f), by_value);
	/* aliases (same address): keep the first name */
	k = 0;
	for (size_t i = 0; i < s->n; i++) {
		if (k > 0 && s->f[k - 1].value == s->f[i].value) {
			free(s->f[i].name);
			continue;
		}
		s->f[k++] = s->f[i];
	}
	s->n = k;
	byname = calloc(s->n + 1, sizeof(*byname));
	if (byname == NULL)
		return -1;
	for (size_t i = 0; i < s->n; i++)
		byname[i] = &s->f[i];
	qsort(byname, s->n, sizeof(*byname), by_name_occ);
	for (size_t i = 1; i < s->n; i++)
		if (strcmp(byname[i]->name, byname[i - 1]->name) == 0)
			byname[i]->occ = byname[i - 1]->occ + 1;
	s->byname = byname;
	return 0;
}

static struct fsym *
find_func(const struct side *s, const char *name, size_t occ)
{
	struct fsym key, *kp = &key, **hit;

	key.name = (char *)name;
	key.occ = occ;
	hit = s->n ? bsearch(&kp, s->byname, s->n, sizeof(*s->byname), by_name_occ) : NULL;
	return hit ? *hit : NULL;
}

static uint64_t
count_diff(const uint8_t *a, const uint8_t *b, size_t n)
{
	uint64_t k = 0;

	for (size_t i = 0; i < n; i++)
		k += a[i] != b[i];
	return k;
}

static int
add_func(struct cmp_diff *d, const char *name, const char *section, const char *table,
         uint64_t addr, uint64_t addr_b, uint64_t size, uint64_t size_b, uint64_t differing,
         int status)
{
	struct cmp_func *f;

	d->funcs_total++;
	if (d->nfuncs >= CMP_MAX_FUNCS_SCAN)
		return 0;
	f = realloc(d->funcs, (d->nfuncs + 1) * sizeof(*d->funcs));
	if (f == NULL)
		return -1;
	d->funcs = f;
	f = &d->funcs[d->nfuncs++];
	memset(f, 0, sizeof(*f));
	f->name = strdup(name);
	f->section = strdup(section);
	f->symtab = table;
	f->addr = addr;
	f->addr_b = addr_b;
	f->size = size;
	f->size_b = size_b;
	f->differing = differing;
	f->status = status;
	return f->name && f->section ? 0 : -1;
}

/* Mark [value, value+size) of the section as covered. */
static void
cover(uint8_t *map, const struct vouch_elf_section *sec, const struct fsym *f)
{
	memset(map + (f->value - sec->addr), 1, (size_t)f->size);
}

static int
section_funcs(struct cmp_diff *d, struct side *a, struct side *b, const char *table,
              const struct vouch_elf_section *sa, const struct vouch_elf_section *sb)
{
	const uint8_t *pa, *pb;
	size_t na, nb;
	uint8_t *ca = NULL;
	int rc = -1;

	vouch_elf_section_data(a->e, sa, &pa, &na);
	vouch_elf_section_data(b->e, sb, &pb, &nb);
	if (na != sa->size || nb != sb->size)
		return 0; /* NOBITS or out of bounds: nothing to map */
	if (load_funcs(a, table, sa) != 0 || load_funcs(b, table, sb) != 0)
		goto out;
	ca = calloc(na + 1, 1);
	if (ca == NULL)
		goto out;
	for (size_t i = 0; i < a->n; i++) {
		struct fsym *fa = &a->f[i], *fb = find_func(b, fa->name, fa->occ);
		const uint8_t *xa = pa + (fa->value - sa->addr);
		uint64_t k;

		cover(ca, sa, fa);
		if (fb == NULL) {
			if (add_func(d, fa->name, sa->name, table, fa->value, 0, fa->size, 0, fa->size,
			             FUNC_REMOVED) != 0)
				goto out;
			continue;
		}
		fb->paired = 1;
		k = count_diff(xa, pb + (fb->value - sb->addr), (size_t)(fa->size < fb->size ? fa->size
		                                                                      : fb->size));
		k += fa->size > fb->size ? fa->size - fb->size : fb->size - fa->size;
		if (k > 0 && add_func(d, fa->name, sa->name, table, fa->value, fb->value, fa->size,
		                      fb->size, k, FUNC_CHANGED) != 0)
			goto out;
	}
	for (size_t i = 0; i < b->n; i++)
		if (!b->f[i].paired && add_func(d, b->f[i].name, sb->name, table, b->f[i].value,
		                                b->f[i].value, 0, b->f[i].size, b->f[i].size,
		                                FUNC_ADDED) != 0)
			goto out;
	{
		/* bytes no symbol covers, compared by position */
		uint64_t k = 0, first = UINT64_MAX;

		for (size_t i = 0; i < na; i++) {
			if (ca[i] || (i < nb && pa[i] == pb[i]))
				continue;
			k++;
			if (first == UINT64_MAX)
				first = i;
		}
		if (k > 0 && add_func(d, "(no symbol)", sa->name, NULL, sa->addr + first,
		                      sb->addr + first, na, nb, k, FUNC_CHANGED) != 0)
			goto out;
	}
	rc = 0;
out:
	free(ca);
	fsyms_free(a);
	fsyms_free(b);
	return rc;
}

/* ---- detail: objdump or hex ---- */

/* Start objdump on one address range, its output on *fd.  0 ok, 1 objdump
 * not runnable. */
static int
objdump_start(const char *file, uint64_t lo, uint64_t hi, pid_t *pid, int *fd)
{
	char start[40], stop[40];
	char *argv[] = { (char *)"objdump", (char *)"-d", (char *)"-w", (char *)"--no-show-raw-insn",
		         (char *)"--no-addresses", start, stop, (char *)file, NULL };
	posix_spawn_file_actions_t fa;
	int pipefd[2], rc = 0;

	snprintf(start, sizeof(start), "--start-address=0x%" PRIx64, lo);
	snprintf(stop, sizeof(stop), "--stop-address=0x%" PRIx64, hi);
	if (pipe2(pipefd, O_CLOEXEC) != 0)
		return 1;
	posix_spawn_file_actions_init(&fa);
	posix_spawn_file_actions_adddup2(&fa, pipefd[1], 1);
	posix_spawn_file_actions_addopen(&fa, 2, "/dev/null", O_WRONLY, 0);
	if (posix_spawnp(pid, "objdump", &fa, NULL, argv, environ) != 0) {
		close(pipefd[0]);
		rc = 1;
	}
	posix_spawn_file_actions_destroy(&fa);
	close(pipefd[1]);
	*fd = pipefd[0];
	return rc;
}

/* Read a started objdump's output into *out and reap it.  0 ok, 1 failed. */
static int
objdump_finish(pid_t pid, int fd, vouch_buf *out)
{
	int status = -1, rc = 1;
	char buf[8192];
	ssize_t got;

	while ((got = read(fd, buf, sizeof(buf))) != 0) {
		if (got < 0) {
			if (errno == EINTR)
				continue;
			break;
		}
		if (out->len + (size_t)got <= DISASM_MAX)
			vouch_buf_append(out, buf, (size_t)got, NULL);
	}
	close(fd);
	while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
		;
	if (WIFEXITED(status) && WEXITSTATUS(status) == 0 && out->len > 0)
		rc = 0;
	return rc;
}

/* Drop objdump's header (the file name differs between sides): keep from
 * the first "<symbol>:" line on. */
static void
strip_header(vouch_buf *b, const char **p, size_t *n)
{
	const char *s = (const char *)b->data, *hit;

	*p = s ? s : "";
	*n = b->len;
	if (s == NULL)
		return;
	hit = strstr(s, ">:\n");
	if (hit != NULL) {
		while (hit > s && hit[-1] != '\n')
			hit--;
		*n -= (size_t)(hit - s);
		*p = hit;
	}
}

static int
disasm_detail(struct side *a, struct side *b, struct cmp_func *f, uint64_t addr_b)
{
	vouch_buf oa, ob;
	const char *pa, *pb;
	size_t na, nb;
	pid_t pa_pid, pb_pid;
	int rc, fda, fdb;

	vouch_buf_init(&oa, DISASM_MAX + 1);
	vouch_buf_init(&ob, DISASM_MAX + 1);
	/* both sides at once: each run is mostly objdump reading the symbols */
	rc = objdump_start(a->file, f->addr, f->addr + f->size, &pa_pid, &fda);
	if (rc == 0) {
		rc = objdump_start(b->file, addr_b, addr_b + f->size_b, &pb_pid, &fdb);
		rc = objdump_finish(pa_pid, fda, &oa) | rc;
		if (rc == 0)
			rc = objdump_finish(pb_pid, fdb, &ob);
	}
	if (rc == 0) {
		vouch_buf_append_byte(&oa, 0, NULL);
		vouch_buf_append_byte(&ob, 0, NULL);
		oa.len--;
		ob.len--;
		strip_header(&oa, &pa, &na);
		strip_header(&ob, &pb, &nb);
		rc = cmp_udiff(pa, na, pb, nb, DETAIL_DIFF_MAX, &f->diff);
	}
	vouch_buf_free(&oa);
	vouch_buf_free(&ob);
	return rc;
}

/* The function's bytes in the file, or NULL when it has none there. */
static const uint8_t *
func_bytes(const struct side *s, const char *section, uint64_t addr, uint64_t size)
{
	const struct vouch_elf_section *sec = vouch_elf_find(s->e, section);
	const uint8_t *p;
	size_t n;

	if (sec == NULL || addr < sec->addr || addr - sec->addr > sec->size ||
	    size > sec->addr + sec->size - addr)
		return NULL;
	vouch_elf_section_data(s->e, sec, &p, &n);
	if (n != sec->size)
		return NULL;
	return p + (addr - sec->addr);
}

static int
hex_detail(struct side *a, struct side *b, struct cmp_func *f, uint64_t addr_b)
{
	const uint8_t *xa = func_bytes(a, f->section, f->addr, f->size);
	const uint8_t *xb = func_bytes(b, f->section, addr_b, f->size_b);
	size_t n = (size_t)(f->size < f->size_b ? f->size : f->size_b), first = 0;
	uint64_t start;
	size_t la, lb;

	if (xa == NULL || xb == NULL)
		return 0;
	while (first < n && xa[first] == xb[first])
		first++;
	start = first >= 32 ? (first - 32) & ~(size_t)15 : 0;
	la = f->size > start ? (size_t)(f->size - start) : 0;
	lb = f->size_b > start ? (size_t)(f->size_b - start) : 0;
	return cmp_hexdump(&f->diff, f->addr + start, xa + start, la > 256 ? 256 : la,
	                   xb + start, lb > 256 ? 256 : lb);
}

static int
by_differing(const void *x, const void *y)
{
	const struct cmp_func *a = x, *b = y;

	if (a->differing != b->differing)
		return a->differing > b->differing ? -1 : 1;
	return strcmp(a->name, b->name);
}

static int
details(struct cmp_ctx *c, struct cmp_diff *d, struct side *a, struct side *b)
{
	/* a budget of objdump runs per comparison, spent whole per ELF file */
	int disasm = c->o->disassemble && c->disasm_runs + 2 * CMP_MAX_DETAIL <= CMP_MAX_DISASM_RUNS;

	qsort(d->funcs, d->nfuncs, sizeof(*d->funcs), by_differing);
	while (d->nfuncs > CMP_MAX_FUNCS) { /* keep the largest changes */
		struct cmp_func *f = &d->funcs[--d->nfuncs];

		free(f->name);
		free(f->section);
		free(f->diff);
	}
	d->detail = DETAIL_HEX;
	for (size_t i = 0, done = 0; i < d->nfuncs && done < CMP_MAX_DETAIL; i++) {
		struct cmp_func *f = &d->funcs[i];
		uint64_t addr_b = f->addr_b;
		int rc = 1;

		if (f->status != FUNC_CHANGED)
			continue;
		if (disasm && f->symtab != NULL) {
			c->disasm_runs += 2;
			rc = disasm_detail(a, b, f, addr_b);
			if (rc == 0)
				d->detail = DETAIL_DISASM;
			else
				disasm = 0; /* objdump missing or failing: hex from here on */
		}
		if (rc != 0 && f->diff == NULL && hex_detail(a, b, f, addr_b) != 0)
			return -1;
		done++;
	}
	return 0;
}

int
cmp_elf_functions(struct cmp_ctx *c, struct cmp_diff *d, const struct vouch_elf *ea,
                  const uint8_t *da, size_t la, const struct vouch_elf *eb, const uint8_t *db,
                  size_t lb, const char *fa, const char *fb)
{
	struct side a = { ea, da, la, fa, NULL, 0, NULL }, b = { eb, db, lb, fb, NULL, 0, NULL };
	const char *table = vouch_elf_find(ea, ".symtab") && vouch_elf_find(eb, ".symtab")
	                    ? ".symtab" : ".dynsym";
	char ta[4200] = "", tb[4200] = "";
	int rc;

	for (size_t i = 0; i < vouch_elf_section_count(ea); i++) {
		const struct vouch_elf_section *sa = vouch_elf_section(ea, i), *sb;
		const uint8_t *pa, *pb;
		size_t na, nb;

		if (!(sa->flags & VOUCH_ELF_SHF_EXECINSTR) || sa->type == VOUCH_ELF_SHT_NOBITS)
			continue;
		sb = vouch_elf_find(eb, sa->name);
		if (sb == NULL || !(sb->flags & VOUCH_ELF_SHF_EXECINSTR))
			continue;
		vouch_elf_section_data(ea, sa, &pa, &na);
		vouch_elf_section_data(eb, sb, &pb, &nb);
		if (na == nb && memcmp(pa, pb, na) == 0)
			continue;
		if (section_funcs(d, &a, &b, table, sa, sb) != 0)
			return -1;
	}
	if (d->nfuncs == 0)
		return 0;
	if (c->o->disassemble) { /* objdump reads files, not held members */
		if (fa[0] == CMP_MEM_MARK && cmp_mem_to_file(c, fa, ta, sizeof(ta)) == 0)
			a.file = ta;
		if (fb[0] == CMP_MEM_MARK && cmp_mem_to_file(c, fb, tb, sizeof(tb)) == 0)
			b.file = tb;
	}
	rc = details(c, d, &a, &b);
	if (ta[0] != '\0')
		unlink(ta);
	if (tb[0] != '\0')
		unlink(tb);
	return rc;
}

/* ---- symbol order ---- */

static int
symkey_cmp(const void *x, const void *y)
{
	const struct vouch_elf_symbol *a = x, *b = y;
	size_t n = a->name_len < b->name_len ? a->name_len : b->name_len;
	int k = memcmp(a->name, b->name, n);

	if (k != 0)
		return k;
	if (a->name_len != b->name_len)
		return a->name_len < b->name_len ? -1 : 1;
	if (a->value != b->value)
		return a->value < b->value ? -1 : 1;
	if (a->size != b->size)
		return a->size < b->size ? -1 : 1;
	if (a->shndx != b->shndx)
		return a->shndx < b->shndx ? -1 : 1;
	if (a->info != b->info)
		return a->info < b->info ? -1 : 1;
	return a->other < b->other ? -1 : a->other > b->other;
}

int
cmp_symbols_reordered(const struct vouch_elf *ea, const struct vouch_elf *eb, const char *table)
{
	struct vouch_elf_symbol *va = NULL, *vb = NULL;
	size_t na = 0, nb = 0;
	int same = 0, moved = 0;

	if (vouch_elf_symbols(ea, table, &va, &na, NULL) != VOUCH_OK ||
	    vouch_elf_symbols(eb, table, &vb, &nb, NULL) != VOUCH_OK || na != nb || na == 0)
		goto out;
	for (size_t i = 0; i < na && !moved; i++)
		moved = symkey_cmp(&va[i], &vb[i]) != 0;
	qsort(va, na, sizeof(*va), symkey_cmp);
	qsort(vb, nb, sizeof(*vb), symkey_cmp);
	same = 1;
	for (size_t i = 0; i < na && same; i++)
		same = symkey_cmp(&va[i], &vb[i]) == 0;
out:
	free(va);
	free(vb);
	return same && moved;
}
