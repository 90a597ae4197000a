/*
 * tsp_store: the model store (DESIGN.md §4).  One file holds the entries
 * one tool learned, one per series, plus the tool's name, the format and
 * program versions and the options used to fit.  An entry is found through
 * an on-disk hash index without reading the others, so a store of a
 * million series opens (mmap) and answers in well under a millisecond.
 * Entries are deflate-compressed against a dictionary shared by the file
 * (the parameter names cost nothing per entry) and checksummed (CRC-32).
 * Writing goes to a temporary file renamed into place: a killed run never
 * leaves a half-written store.  Loading only reads numbers and text.
 *
 * File format 1 (little-endian):
 *   header, 96 bytes: "TSPSTORE", u32 format (1), u32 CRC-32 of the
 *     header (this field zero), char tool[16], char program[16],
 *     u64 entries, u64 index offset, u64 index slots (a power of two),
 *     u64 file size, u32 options length, u32 dictionary length,
 *     u32 CRC-32 of options + dictionary, u32 zero
 *   options (text, JSON by convention), dictionary
 *   blocks of up to 32 entries (16 KiB): varint length, varint compressed
 *     length, u32 CRC-32 of the uncompressed bytes, raw-deflate bytes;
 *     uncompressed, entries one after another: varint key length, varint
 *     length, key, parameters (a tsp_params encoding).  Compressing a
 *     block at a time, not an entry, makes writing about 20 times faster
 *     (zlib builds Huffman trees per deflate call) and files smaller.
 *   index: slots x u64; 0 = empty, else (hash >> 40) << 40 | offset of
 *     the entry's block, hash = 64-bit FNV-1a of the key, linear probing
 *     from hash & (slots-1); then a u32 CRC-32 of each 512 slots (the
 *     last chunk may be shorter), checked as lookups first touch them
 * A block holds at most 1 GiB uncompressed; one entry larger is refused.
 */
#ifndef TSP_STORE_H
#define TSP_STORE_H

#include <stddef.h>
#include <stdint.h>

#include "tsp_error.h"
#include "tsp_params.h"

#define TSP_STORE_FORMAT 1

struct tsp_store;

/*
 * Open a store for reading.  With tool non-NULL, a store written by
 * another tool is an error ("written by tsforecast, not tsscale").  A
 * missing, truncated, corrupt or newer-format file is a clear error.
 * Returns the store (free with tsp_store_close) or NULL with err set.
 */
struct tsp_store *tsp_store_open(const char *path, const char *tool,
				 struct tsp_error *err);

/* What the header says (borrowed, valid until close). */
const char *tsp_store_tool(const struct tsp_store *s);
const char *tsp_store_program(const struct tsp_store *s);
const char *tsp_store_options(const struct tsp_store *s, size_t *len);
uint64_t tsp_store_count(const struct tsp_store *s);
uint64_t tsp_store_size(const struct tsp_store *s);

/*
 * The entry of series key: 1 and *out filled (its buffer reused), 0 if
 * there is none, -1 with err set if the entry is corrupt.
 */
int tsp_store_get(struct tsp_store *s, const char *key, size_t keylen,
		  struct tsp_params *out, struct tsp_error *err);

/* Where an iteration over a store's entries stands. */
struct tsp_store_iter {
	uint64_t block;		/* offset of the current block, 0 = start */
	size_t pos;		/* position in the block, uncompressed */
};

/*
 * Entries in file order: start with a zeroed iterator.  Returns 1 with
 * *key, *keylen (borrowed until the next call), *bytes (the parameters'
 * size) and *out (may be NULL), 0 after the last, -1 with err set on
 * corruption.
 */
int tsp_store_next(struct tsp_store *s, struct tsp_store_iter *it,
		   const char **key, size_t *keylen, size_t *bytes,
		   struct tsp_params *out, struct tsp_error *err);

/* Close (NULL is allowed). */
void tsp_store_close(struct tsp_store *s);

struct tsp_store_writer;

/*
 * Start writing a store to path (a temporary file beside it until
 * commit).  options is the fit options as text (JSON), may be "".
 * Returns the writer or NULL with err set.
 */
struct tsp_store_writer *tsp_store_create(const char *path, const char *tool,
					  const char *options,
					  struct tsp_error *err);

/* Add the entry of series key; a key added twice is an error. */
int tsp_store_add(struct tsp_store_writer *w, const char *key, size_t keylen,
		  const struct tsp_params *p, struct tsp_error *err);

/*
 * Write the index, sync, and rename the file into place.  Frees w, also
 * on failure (then nothing replaces path).  Returns 0 or -1 with err set.
 */
int tsp_store_commit(struct tsp_store_writer *w, struct tsp_error *err);

/* Give up: remove the temporary file, free w (NULL is allowed). */
void tsp_store_abort(struct tsp_store_writer *w);

#endif
