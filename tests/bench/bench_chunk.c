/* bench_chunk.c - hash one file with read(2) into a buffer of a given
 * size and alignment, as vouch_digest_fd does: the program behind
 * tests/bench/chunk.sh, the sweep that chose VOUCH_READ_CHUNK.
 *
 *   bench_chunk FILE SIZE_KIB OFFSET
 *
 * The buffer starts OFFSET bytes past a page boundary (16 is where
 * malloc puts a block it takes from mmap, 0 is vouch_chunk_alloc's).
 * Prints the SHA-256 in hex; time it from outside. */
#include "config.h"

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include <openssl/evp.h>

int
main(int argc, char **argv)
{
	unsigned char md[EVP_MAX_MD_SIZE], *mem = NULL;
	EVP_MD_CTX *ctx = EVP_MD_CTX_new();
	unsigned len = 0;
	long kib = argc == 4 ? atol(argv[2]) : 0, off = argc == 4 ? atol(argv[3]) : -1;
	ssize_t n;
	int fd;

	if (kib < 1 || kib > 65536 || off < 0 || off > 4096) {
		fprintf(stderr, "usage: bench_chunk FILE SIZE_KIB OFFSET (0-4096)\n");
		return 2;
	}
	if ((fd = open(argv[1], O_RDONLY | O_CLOEXEC)) < 0) {
		perror(argv[1]);
		return 2;
	}
	if (ctx == NULL || posix_memalign((void **)&mem, 4096, (size_t)kib * 1024 + 4096) != 0 ||
	    EVP_DigestInit_ex(ctx, EVP_sha256(), NULL) != 1)
		return 2;
	(void)posix_fadvise(fd, 0, 0, POSIX_FADV_SEQUENTIAL);
	while ((n = read(fd, mem + off, (size_t)kib * 1024)) > 0)
		if (EVP_DigestUpdate(ctx, mem + off, (size_t)n) != 1)
			return 2;
	if (n != 0 || EVP_DigestFinal_ex(ctx, md, &len) != 1)
		return 2;
	for (unsigned i = 0; i < len; i++)
		printf("%02x", md[i]);
	printf("\n");
	close(fd);
	free(mem);
	EVP_MD_CTX_free(ctx);
	return 0;
}
