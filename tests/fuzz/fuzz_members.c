/* fuzz_members.c - libFuzzer harness for archive member iteration.  The
 * input bytes are read as an archive (every format and filter vouch-hash
 * reads) three ways: from memory with seeks, reading each member as an archive
 * in turn, and sequentially from a file descriptor with a tap hasher; then
 * as vouch-hash -d 3 lists a regular file.  Every member is hashed, its
 * JSON must parse, its sum line must be one line, and the file digest (tap
 * or not) must be exactly the input's. */
#include "config.h"

#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "vouch/vouch.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void
check_subject(const vouch_member *mb, const vouch_digests *d)
{
	vouch_subject s;
	vouch_buf b;
	cJSON *j = NULL;

	memset(&s, 0, sizeof(s));
	s.name = mb->name;
	s.name_len = mb->name_len;
	s.digests = *d;
	s.is_symlink = mb->kind == VOUCH_WALK_SYMLINK;
	s.link_target = mb->link_target;
	s.link_len = mb->link_len;
	vouch_buf_init(&b, 0);
	if (vouch_subjects_append_json(&b, &s, 1, NULL) == VOUCH_OK) {
		/* Whatever the member name, the list is strict JSON. */
		if (vouch_json_parse((const char *)b.data, b.len, &j, NULL) != VOUCH_OK)
			__builtin_trap();
		cJSON_Delete(j);
	}
	vouch_buf_reset(&b);
	if (!s.is_symlink && vouch_subject_append_sum(&b, &s, VOUCH_ALG_SHA256, NULL) == VOUCH_OK &&
	    memchr(b.data, '\n', b.len) != b.data + b.len - 1)
		__builtin_trap(); /* a sum line is one line */
	vouch_buf_free(&b);
}

static void walk_members(vouch_members *m, int opened, int nest);

/* Read the current member as an archive in its own right (as vouch-hash -d
 * does): its tap digest must cover exactly the member's data. */
static int
nested(vouch_members *m, const vouch_member *mb, vouch_digests *d)
{
	vouch_members *child = NULL;
	vouch_hasher *tap = NULL;
	int rc = VOUCH_ENOMEM;

	if (vouch_members_new(&child, NULL) == VOUCH_OK &&
	    vouch_hasher_new(VOUCH_ALG_SHA256, &tap, NULL) == VOUCH_OK) {
		vouch_members_set_max(child, 100);
		walk_members(child, vouch_members_open_member(child, m, "inner", tap, NULL) == VOUCH_OK, 0);
		rc = vouch_members_drain(child, NULL);
		if (rc == VOUCH_OK)
			rc = vouch_hasher_final(tap, d, NULL);
		if (rc == VOUCH_OK && mb->size >= 0 && mb->hardlink == NULL &&
		    d->length != (uint64_t)mb->size)
			rc = VOUCH_EINPUT; /* a short member: libarchive says so elsewhere */
	}
	vouch_members_free(child);
	vouch_hasher_free(tap);
	return rc;
}

/* Hash every member; the reader is already open (or failed to open).  With
 * nest, members are read as archives themselves. */
static void
walk_members(vouch_members *m, int opened, int nest)
{
	const vouch_member *mb = NULL;
	vouch_digests d;

	while (opened && vouch_members_next(m, &mb, NULL) == VOUCH_OK && mb != NULL) {
		memset(&d, 0, sizeof(d));
		if (mb->kind == VOUCH_WALK_FILE && nest) {
			if (nested(m, mb, &d) != VOUCH_OK)
				break;
		} else if (mb->kind == VOUCH_WALK_FILE) {
			if (vouch_members_digest(m, VOUCH_ALG_SHA256, &d, NULL) != VOUCH_OK)
				break;
		} else if (vouch_digest_mem(mb->link_target, mb->link_len, VOUCH_ALG_SHA256,
		    &d, NULL) != VOUCH_OK) {
			break;
		}
		check_subject(mb, &d);
	}
}

static void list_mode(int fd, const uint8_t *data, size_t size);

/* Sequential mode with a tap: whatever happens inside the archive, after
 * the drain the tap must have seen exactly the input. */
static void
tap_mode(const uint8_t *data, size_t size)
{
	vouch_members *m = NULL;
	vouch_hasher *tap = NULL;
	vouch_digests got, want;
	int fd = memfd_create("fuzz", MFD_CLOEXEC);

	if (fd < 0 || (size > 0 && write(fd, data, size) != (ssize_t)size) ||
	    lseek(fd, 0, SEEK_SET) != 0 || vouch_members_new(&m, NULL) != VOUCH_OK ||
	    vouch_hasher_new(VOUCH_ALG_SHA256, &tap, NULL) != VOUCH_OK)
		goto out;
	vouch_members_set_max(m, 1000);
	walk_members(m, vouch_members_open_fd(m, fd, "fuzz", tap, NULL) == VOUCH_OK, 0);
	if (vouch_members_drain(m, NULL) != VOUCH_OK ||
	    vouch_hasher_final(tap, &got, NULL) != VOUCH_OK ||
	    vouch_digest_mem(data, size, VOUCH_ALG_SHA256, &want, NULL) != VOUCH_OK ||
	    got.length != size || memcmp(got.md, want.md, sizeof(got.md)) != 0)
		__builtin_trap();
	list_mode(fd, data, size);
out:
	vouch_members_free(m);
	vouch_hasher_free(tap);
	if (fd >= 0)
		close(fd);
}

/* What vouch-hash -d 3 does with a regular file: the file's digest must be
 * the input's, and the whole subject list must be strict JSON. */
static void
list_mode(int fd, const uint8_t *data, size_t size)
{
	vouch_subject_list *l = NULL;
	vouch_digests file, want;
	vouch_err damage;
	vouch_buf b;
	cJSON *j = NULL;
	size_t n;

	vouch_buf_init(&b, 0);
	if (lseek(fd, 0, SEEK_SET) != 0 || vouch_subject_list_new(&l, NULL) != VOUCH_OK)
		goto out;
	if (vouch_subject_list_add_archive(l, fd, "f\xff", VOUCH_ALG_SHA256, 3, &file, &damage,
	    NULL) != VOUCH_OK ||
	    vouch_digest_mem(data, size, VOUCH_ALG_SHA256, &want, NULL) != VOUCH_OK ||
	    file.length != size || memcmp(file.md, want.md, sizeof(file.md)) != 0)
		__builtin_trap();
	n = vouch_subject_list_count(l);
	for (size_t i = 0; i < n; i++) {
		vouch_buf_reset(&b);
		if (vouch_subjects_append_json(&b, vouch_subject_list_get(l, i), 1, NULL) != VOUCH_OK)
			break;
		if (vouch_json_parse((const char *)b.data, b.len, &j, NULL) != VOUCH_OK)
			__builtin_trap();
		cJSON_Delete(j);
		j = NULL;
	}
out:
	vouch_buf_free(&b);
	vouch_subject_list_free(l);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	vouch_members *m = NULL;

	if (vouch_members_new(&m, NULL) != VOUCH_OK)
		return 0;
	vouch_members_set_max(m, 1000);
	walk_members(m, vouch_members_open_mem(m, data, size, "fuzz", NULL) == VOUCH_OK, 1);
	vouch_members_free(m);
	tap_mode(data, size);
	return 0;
}
