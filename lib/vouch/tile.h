/* vouch/tile.h - C2SP tlog-tiles: paths, hash tiles, entry bundles.
 *
 * A hash tile at level L, index N holds up to 256 hashes: the roots of the
 * complete subtrees of 256^L leaves numbered [256 N, 256 N + 256).  A tile
 * holding all 256 is full and never changes; a partial tile of width W holds
 * the first W.  Partial tiles are never hashed into the level above.
 * Entry bundles (level "entries") hold the entries themselves, each as a
 * big-endian uint16 length followed by the bytes.
 */
#ifndef VOUCH_TILE_H
#define VOUCH_TILE_H

#include <stddef.h>
#include <stdint.h>
#include "buf.h"
#include "error.h"
#include "merkle.h"

#ifdef __cplusplus
extern "C" {
#endif

#define VOUCH_TILE_WIDTH 256
#define VOUCH_TILE_BYTES (VOUCH_TILE_WIDTH * VOUCH_HASH_LEN)
#define VOUCH_TILE_LEVEL_MAX 7       /* 256^8 = 2^64 leaves */
#define VOUCH_TILE_ENTRIES (-1)      /* level value naming entry bundles */
#define VOUCH_TILE_PATH_MAX 64       /* "tile/entries/x018/.../615.p/255" fits */
#define VOUCH_ENTRY_MAX 65535

/* "tile/<L>/<N>[.p/<W>]" or, for level VOUCH_TILE_ENTRIES,
 * "tile/entries/<N>[.p/<W>]"; width 256 means full (no .p suffix).
 * out must hold VOUCH_TILE_PATH_MAX bytes. */
int vouch_tile_path(int level, uint64_t index, unsigned width, char *out, size_t outsz,
                    vouch_err *err);
/* Parse a path as vouch_tile_path writes it (without a leading '/'), in
 * canonical form only: no "x000" groups, no leading zeros, no "..", width
 * 1..255 for partial tiles.  VOUCH_EINPUT otherwise. */
int vouch_tile_path_parse(const char *path, size_t len, int *level, uint64_t *index,
                          unsigned *width, vouch_err *err);

/* The width of tile (level, index) in a tree of size leaves: 256 when it is
 * full, 1..255 when partial, 0 when it does not exist yet.  Level
 * VOUCH_TILE_ENTRIES counts entries like level 0. */
unsigned vouch_tile_width(int level, uint64_t index, uint64_t size);

/* Read hash tile (level, index) of the given width (1..256) into out
 * (width * 32 bytes).  Return VOUCH_EIO or VOUCH_EINPUT when missing/bad. */
typedef int (*vouch_tile_reader)(void *ctx, int level, uint64_t index, unsigned width,
                                 uint8_t *out, vouch_err *err);
/* Receive one tile to store: data is width * 32 bytes. */
typedef int (*vouch_tile_writer)(void *ctx, int level, uint64_t index, unsigned width,
                                 const uint8_t *data, vouch_err *err);

/* Grow a tree from old_size to new_size leaves: leaves holds the
 * new_size - old_size new leaf hashes.  Existing partial tiles of the old
 * tree are read through rd; every tile that changes is handed to wr, lowest
 * level first, in index order. */
int vouch_tiles_extend(uint64_t old_size, uint64_t new_size, const vouch_hash *leaves,
                       vouch_tile_reader rd, void *rdctx, vouch_tile_writer wr, void *wrctx,
                       vouch_err *err);

/* A vouch_merkle_reader over the hash tiles of a tree of a given size, with
 * a small cache of tiles.  Owns nothing but its cache. */
typedef struct vouch_tilehashes vouch_tilehashes;
int vouch_tilehashes_new(uint64_t size, vouch_tile_reader rd, void *rdctx,
                         vouch_tilehashes **out, vouch_err *err);
void vouch_tilehashes_free(vouch_tilehashes *th);
/* ctx is a vouch_tilehashes *. */
int vouch_tilehashes_read(void *ctx, unsigned level, uint64_t index, vouch_hash out,
                          vouch_err *err);

/* Entry bundles.  Append one entry (at most 65535 bytes). */
int vouch_tile_bundle_append(vouch_buf *b, const void *entry, size_t n, vouch_err *err);
struct vouch_span {
	size_t off;
	size_t len;
};
/* Split a bundle that must hold exactly count entries (1..256); spans
 * receive the offsets of each entry's bytes inside data. */
int vouch_tile_bundle_split(const uint8_t *data, size_t len, unsigned count,
                            struct vouch_span *spans, vouch_err *err);

#ifdef __cplusplus
}
#endif
#endif
