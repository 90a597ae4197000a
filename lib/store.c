#include "tsp_store.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>

#include "tsp_table.h"

#define MAGIC "TSPSTORE"
#define HEADER 96
#define OFFSET_BITS 40
#define OFFSET_MASK ((UINT64_C(1) << OFFSET_BITS) - 1)
#define MAX_DICT 32768
/* The index is checked in chunks of 512 slots (4 KiB), each with a CRC. */
#define CHUNK_SLOTS 512

/* Largest uncompressed block: the writer refuses more, the reader too. */
#define MAX_BLOCK (UINT64_C(1) << 30)
/* deflate cannot expand data more than about 1032:1 */
#define MAX_RATIO 1032

static uint64_t index_chunks(uint64_t slots)
{
	return (slots + CHUNK_SLOTS - 1) / CHUNK_SLOTS;
}

/* ---- shared helpers ---------------------------------------------------- */

/* 64-bit FNV-1a: part of the file format, never to change. */
static uint64_t key_hash(const char *k, size_t len)
{
	uint64_t h = 14695981039346656037ULL;

	for (size_t i = 0; i < len; i++)
		h = (h ^ (unsigned char)k[i]) * 1099511628211ULL;
	return h;
}

static uint32_t get32(const unsigned char *p)
{
	uint32_t v;
	memcpy(&v, p, 4);
	return v;
}

static uint64_t get64(const unsigned char *p)
{
	uint64_t v;
	memcpy(&v, p, 8);
	return v;
}

static size_t put_varint(unsigned char *p, uint64_t v)
{
	size_t n = 0;

	while (v >= 0x80) {
		p[n++] = (unsigned char)(v | 0x80);
		v >>= 7;
	}
	p[n++] = (unsigned char)v;
	return n;
}

/* Read a varint from p[*i..end); -1 if it runs off the end or overflows. */
static int get_varint(const unsigned char *p, size_t end, size_t *i,
		      uint64_t *v)
{
	*v = 0;
	for (int shift = 0; shift < 64; shift += 7) {
		if (*i >= end)
			return -1;
		unsigned char b = p[(*i)++];
		if (shift == 63 && b > 1)
			return -1;	/* more than 64 bits */
		*v |= (uint64_t)(b & 0x7f) << shift;
		if (!(b & 0x80))
			return 0;
	}
	return -1;
}

/* ---- reading ----------------------------------------------------------- */

struct tsp_store {
	const unsigned char *map;
	size_t size;
	char path[256];
	char tool[17], program[17];
	uint64_t count, index_off, slots, entries_off;
	const unsigned char *options, *dict;
	size_t options_len, dict_len;
	z_stream z;
	int z_ready;
	unsigned char *chunk_ok;	/* index chunks whose CRC was checked */
	/* the last block decompressed */
	unsigned char *blk;
	size_t blk_len, blk_cap;
	uint64_t blk_off, blk_next;	/* its offset, and the next block's */
};

static int corrupt(struct tsp_error *err, const struct tsp_store *s,
		   const char *what)
{
	return tsp_error_at(err, TSP_EDATA, s->path, 0,
			    "corrupt model store (%s)", what);
}

static int check_header(struct tsp_store *s, const char *tool,
			struct tsp_error *err)
{
	const unsigned char *h = s->map;
	unsigned char copy[HEADER];
	uint32_t version, crc, meta_crc;
	uint64_t file_size;

	if (s->size < 8 || memcmp(h, MAGIC, 8) != 0)
		return tsp_error_at(err, TSP_EDATA, s->path, 0,
				    "not a tspipe model store");
	if (s->size < HEADER)
		return tsp_error_at(err, TSP_EDATA, s->path, 0,
				    "truncated model store (%zu bytes)",
				    s->size);
	version = get32(h + 8);
	if (version != TSP_STORE_FORMAT)
		return tsp_error_at(err, TSP_EDATA, s->path, 0,
				    "model store format %u; this program "
				    "reads format %d", version,
				    TSP_STORE_FORMAT);
	memcpy(copy, h, HEADER);
	memset(copy + 12, 0, 4);
	crc = (uint32_t)crc32(0, copy, HEADER);
	if (crc != get32(h + 12))
		return corrupt(err, s, "header checksum");
	memcpy(s->tool, h + 16, 16);
	memcpy(s->program, h + 32, 16);
	s->tool[16] = s->program[16] = '\0';
	s->count = get64(h + 48);
	s->index_off = get64(h + 56);
	s->slots = get64(h + 64);
	file_size = get64(h + 72);
	s->options_len = get32(h + 80);
	s->dict_len = get32(h + 84);
	meta_crc = get32(h + 88);
	if (file_size != s->size)
		return tsp_error_at(err, TSP_EDATA, s->path, 0,
				    "truncated model store (%zu of %llu "
				    "bytes)", s->size,
				    (unsigned long long)file_size);
	if (tool && strcmp(tool, s->tool) != 0)
		return tsp_error_at(err, TSP_EDATA, s->path, 0,
				    "model store written by %s, not %s",
				    s->tool, tool);
	s->entries_off = HEADER + (uint64_t)s->options_len + s->dict_len;
	if (s->index_off > s->size || s->dict_len > MAX_DICT ||
	    s->entries_off > s->index_off ||
	    s->slots == 0 || (s->slots & (s->slots - 1)) ||
	    s->slots > (s->size - s->index_off) / 8 ||
	    s->index_off + s->slots * 8 + index_chunks(s->slots) * 4 != s->size ||
	    s->count > s->slots)
		return corrupt(err, s, "layout");
	s->options = h + HEADER;
	s->dict = s->options + s->options_len;
	if ((uint32_t)crc32(0, s->options, (uInt)(s->options_len + s->dict_len))
	    != meta_crc)
		return corrupt(err, s, "options checksum");
	s->chunk_ok = calloc((size_t)index_chunks(s->slots), 1);
	if (!s->chunk_ok)
		return tsp_error_set(err, TSP_ENOMEM, "out of memory");
	return 0;
}

struct tsp_store *tsp_store_open(const char *path, const char *tool,
				 struct tsp_error *err)
{
	struct tsp_store *s = calloc(1, sizeof(*s));
	struct stat st;
	int fd;

	if (!s) {
		tsp_error_set(err, TSP_ENOMEM, "out of memory");
		return NULL;
	}
	snprintf(s->path, sizeof(s->path), "%s", path);
	fd = open(path, O_RDONLY);
	if (fd < 0 || fstat(fd, &st) < 0) {
		err->sys_errno = errno;
		tsp_error_at(err, TSP_ESYS, s->path, 0, "cannot open: %s",
			     strerror(errno));
		if (fd >= 0)
			close(fd);
		free(s);
		return NULL;
	}
	s->size = (size_t)st.st_size;
	if (s->size > 0) {
		void *m = mmap(NULL, s->size, PROT_READ, MAP_PRIVATE, fd, 0);
		if (m == MAP_FAILED) {
			tsp_error_at(err, TSP_ESYS, s->path, 0,
				     "cannot map: %s", strerror(errno));
			close(fd);
			free(s);
			return NULL;
		}
		s->map = m;
	}
	close(fd);
	if (check_header(s, tool, err) < 0) {
		tsp_store_close(s);
		return NULL;
	}
	return s;
}

void tsp_store_close(struct tsp_store *s)
{
	if (!s)
		return;
	if (s->z_ready)
		inflateEnd(&s->z);
	free(s->blk);
	free(s->chunk_ok);
	if (s->map)
		munmap((void *)s->map, s->size);
	free(s);
}

const char *tsp_store_tool(const struct tsp_store *s)
{
	return s->tool;
}

const char *tsp_store_program(const struct tsp_store *s)
{
	return s->program;
}

const char *tsp_store_options(const struct tsp_store *s, size_t *len)
{
	*len = s->options_len;
	return (const char *)s->options;
}

uint64_t tsp_store_count(const struct tsp_store *s)
{
	return s->count;
}

uint64_t tsp_store_size(const struct tsp_store *s)
{
	return s->size;
}

/* Decompress the block at off into s->blk (kept: the next get may want it). */
static int load_block(struct tsp_store *s, uint64_t off, struct tsp_error *err)
{
	size_t i = (size_t)off, end = (size_t)s->index_off;
	uint64_t ulen, clen;
	uint32_t crc;
	int zr;

	if (off == s->blk_off && s->blk_off)
		return 0;
	s->blk_off = 0;
	if (off < s->entries_off || off >= s->index_off ||
	    get_varint(s->map, end, &i, &ulen) < 0 ||
	    get_varint(s->map, end, &i, &clen) < 0 || end - i < 4 ||
	    clen > end - i - 4 || ulen > MAX_BLOCK ||
	    ulen > clen * MAX_RATIO + 64)
		return tsp_error_at(err, TSP_EDATA, s->path, 0,
				    "corrupt model store (block at byte %llu)",
				    (unsigned long long)off);
	crc = get32(s->map + i);
	i += 4;
	if (!s->z_ready) {
		memset(&s->z, 0, sizeof(s->z));
		if (inflateInit2(&s->z, -15) != Z_OK)
			return tsp_error_set(err, TSP_ENOMEM, "out of memory");
		s->z_ready = 1;
	} else if (inflateReset(&s->z) != Z_OK) {
		return corrupt(err, s, "zlib state");
	}
	if (s->dict_len &&
	    inflateSetDictionary(&s->z, s->dict, (uInt)s->dict_len) != Z_OK)
		return corrupt(err, s, "dictionary");
	if (ulen > s->blk_cap) {
		unsigned char *nb = realloc(s->blk, (size_t)ulen);
		if (!nb)
			return tsp_error_set(err, TSP_ENOMEM, "out of memory");
		s->blk = nb;
		s->blk_cap = (size_t)ulen;
	}
	s->z.next_in = (Bytef *)(uintptr_t)(s->map + i);
	s->z.avail_in = (uInt)clen;
	s->z.next_out = s->blk;
	s->z.avail_out = (uInt)ulen;
	zr = inflate(&s->z, Z_FINISH);
	if (zr != Z_STREAM_END || s->z.avail_out != 0 || s->z.avail_in != 0 ||
	    (uint32_t)crc32(0, s->blk, (uInt)ulen) != crc)
		return tsp_error_at(err, TSP_EDATA, s->path, 0,
				    "corrupt model store (checksum of the block "
				    "at byte %llu)", (unsigned long long)off);
	s->blk_len = (size_t)ulen;
	s->blk_off = off;
	s->blk_next = i + clen;
	return 0;
}

/* The entry at *pos of the loaded block; advances *pos.  -1 if malformed. */
static int block_entry(const struct tsp_store *s, size_t *pos,
		       const char **key, size_t *keylen,
		       const unsigned char **p, size_t *plen)
{
	uint64_t kl, pl;

	if (get_varint(s->blk, s->blk_len, pos, &kl) < 0 ||
	    get_varint(s->blk, s->blk_len, pos, &pl) < 0 ||
	    kl > s->blk_len - *pos || pl > s->blk_len - *pos - kl)
		return -1;
	*key = (const char *)s->blk + *pos;
	*keylen = (size_t)kl;
	*p = s->blk + *pos + kl;
	*plen = (size_t)pl;
	*pos += (size_t)(kl + pl);
	return 0;
}

static int copy_params(struct tsp_params *out, const unsigned char *p,
		       size_t n, struct tsp_error *err)
{
	if (n > out->cap) {
		unsigned char *nb = realloc(out->buf, n);
		if (!nb)
			return tsp_error_set(err, TSP_ENOMEM, "out of memory");
		out->buf = nb;
		out->cap = n;
	}
	if (n)
		memcpy(out->buf, p, n);
	out->len = n;
	return 0;
}

/*
 * An index chunk is checked against its CRC before its first use: a
 * corrupt index must be an error, not a silent "no entry".  Checking it
 * all at open would cost ~10 ms for a million series; a chunk costs ~2 us.
 */
static int check_chunk(struct tsp_store *s, uint64_t c, struct tsp_error *err)
{
	const unsigned char *index = s->map + s->index_off;
	uint64_t first = c * CHUNK_SLOTS;
	uint64_t n = s->slots - first < CHUNK_SLOTS ? s->slots - first
						    : CHUNK_SLOTS;
	const unsigned char *crcs = index + s->slots * 8;

	if (s->chunk_ok[c])
		return 0;
	if ((uint32_t)crc32(0, index + first * 8, (uInt)(n * 8)) !=
	    get32(crcs + 4 * c))
		return corrupt(err, s, "index checksum");
	s->chunk_ok[c] = 1;
	return 0;
}

int tsp_store_get(struct tsp_store *s, const char *key, size_t keylen,
		  struct tsp_params *out, struct tsp_error *err)
{
	uint64_t h = key_hash(key, keylen), tag = h >> OFFSET_BITS;
	const unsigned char *index = s->map + s->index_off;

	for (uint64_t n = 0, j = h & (s->slots - 1); n < s->slots;
	     n++, j = (j + 1) & (s->slots - 1)) {
		uint64_t v;
		if (check_chunk(s, j / CHUNK_SLOTS, err) < 0)
			return -1;
		v = get64(index + 8 * j);
		if (v == 0)
			return 0;
		if (v >> OFFSET_BITS != tag)
			continue;
		if (load_block(s, v & OFFSET_MASK, err) < 0)
			return -1;
		for (size_t pos = 0; pos < s->blk_len;) {
			const char *k;
			const unsigned char *p;
			size_t kl, pl;
			if (block_entry(s, &pos, &k, &kl, &p, &pl) < 0)
				return corrupt(err, s, "block contents");
			if (kl == keylen && memcmp(k, key, keylen) == 0)
				return copy_params(out, p, pl, err) < 0 ? -1 : 1;
		}
	}
	return 0;
}

int tsp_store_next(struct tsp_store *s, struct tsp_store_iter *it,
		   const char **key, size_t *keylen, size_t *bytes,
		   struct tsp_params *out, struct tsp_error *err)
{
	const unsigned char *p;
	size_t pl;

	if (it->block == 0) {
		it->block = s->entries_off;
		it->pos = 0;
	}
	for (;;) {
		if (it->block == s->index_off)
			return 0;
		if (load_block(s, it->block, err) < 0)
			return -1;
		if (it->pos < s->blk_len)
			break;
		it->block = s->blk_next;	/* this block is done */
		it->pos = 0;
	}
	if (block_entry(s, &it->pos, key, keylen, &p, &pl) < 0)
		return corrupt(err, s, "block contents");
	*bytes = pl;
	return out ? (copy_params(out, p, pl, err) < 0 ? -1 : 1) : 1;
}

/* ---- writing ----------------------------------------------------------- */

struct tsp_store_writer {
	char *path, *tmp;
	FILE *f;
	char tool[16];
	char *options;
	unsigned char *dict;
	size_t dict_len;
	int started;		/* options and dictionary written */
	uint64_t off;		/* current file offset */
	struct tsp_table keys;	/* duplicate check */
	uint64_t *ent;		/* (hash, block offset) pairs */
	size_t n, cap;
	unsigned char *blk;	/* the block being filled, uncompressed */
	size_t blk_len, blk_cap, blk_first;	/* its entries: ent[blk_first..n) */
	z_stream z;
	int z_ready;
	unsigned char *cbuf;
	size_t ccap;
};

static int wsys(struct tsp_store_writer *w, struct tsp_error *err,
		const char *what)
{
	err->sys_errno = errno;
	return tsp_error_at(err, TSP_ESYS, w->tmp, 0, "%s: %s", what,
			    strerror(errno));
}

static int wput(struct tsp_store_writer *w, const void *p, size_t n,
		struct tsp_error *err)
{
	if (n && fwrite(p, 1, n, w->f) != n)
		return wsys(w, err, "write error");
	w->off += n;
	return 0;
}

struct tsp_store_writer *tsp_store_create(const char *path, const char *tool,
					  const char *options,
					  struct tsp_error *err)
{
	struct tsp_store_writer *w = calloc(1, sizeof(*w));
	size_t pl = strlen(path);
	int fd;

	if (!w || !(w->path = strdup(path)) || !(w->tmp = malloc(pl + 16)) ||
	    !(w->options = strdup(options ? options : ""))) {
		tsp_error_set(err, TSP_ENOMEM, "out of memory");
		tsp_store_abort(w);
		return NULL;
	}
	if (strlen(tool) > 15) {
		tsp_error_set(err, TSP_EUSAGE, "tool name too long");
		tsp_store_abort(w);
		return NULL;
	}
	strncpy(w->tool, tool, sizeof(w->tool));
	tsp_table_init(&w->keys);
	/* Beside the target, so the final rename stays on one file system. */
	snprintf(w->tmp, pl + 16, "%s.tmp.XXXXXX", path);
	fd = mkstemp(w->tmp);
	if (fd < 0) {
		err->sys_errno = errno;
		tsp_error_at(err, TSP_ESYS, path, 0, "cannot create: %s",
			     strerror(errno));
		w->tmp[0] = '\0';
		tsp_store_abort(w);
		return NULL;
	}
	w->f = fdopen(fd, "wb");
	if (!w->f) {
		close(fd);
		wsys(w, err, "cannot open");
		tsp_store_abort(w);
		return NULL;
	}
	{
		unsigned char zero[HEADER] = {0};
		if (wput(w, zero, HEADER, err) < 0) {
			tsp_store_abort(w);
			return NULL;
		}
	}
	return w;
}

/* Options and the dictionary go right after the header, before entries. */
static int start(struct tsp_store_writer *w, const struct tsp_params *first,
		 struct tsp_error *err)
{
	w->dict_len = first->len < MAX_DICT ? first->len : MAX_DICT;
	w->dict = malloc(w->dict_len ? w->dict_len : 1);
	if (!w->dict)
		return tsp_error_set(err, TSP_ENOMEM, "out of memory");
	if (w->dict_len)
		memcpy(w->dict, first->buf, w->dict_len);
	if (deflateInit2(&w->z, 6, Z_DEFLATED, -15, 8, Z_DEFAULT_STRATEGY)
	    != Z_OK)
		return tsp_error_set(err, TSP_ENOMEM, "out of memory");
	w->z_ready = 1;
	w->started = 1;
	return wput(w, w->options, strlen(w->options), err) < 0 ? -1 :
	       wput(w, w->dict, w->dict_len, err);
}

#define BLOCK_ENTRIES 32
#define BLOCK_BYTES 16384

/* Compress and write the block being filled; its entries get its offset. */
static int flush_block(struct tsp_store_writer *w, struct tsp_error *err)
{
	unsigned char head[24];
	size_t hn = 0, need;
	uint32_t crc;

	if (w->blk_first == w->n)
		return 0;
	if (w->off > OFFSET_MASK)
		return tsp_error_at(err, TSP_EDATA, w->path, 0,
				    "model store larger than 1 TiB");
	need = deflateBound(&w->z, (uLong)w->blk_len) + 16;
	if (need > w->ccap) {
		unsigned char *nb = realloc(w->cbuf, need);
		if (!nb)
			return tsp_error_set(err, TSP_ENOMEM, "out of memory");
		w->cbuf = nb;
		w->ccap = need;
	}
	if (deflateReset(&w->z) != Z_OK ||
	    (w->dict_len && deflateSetDictionary(&w->z, w->dict,
						 (uInt)w->dict_len) != Z_OK))
		return tsp_error_set(err, TSP_ENOMEM, "zlib failed");
	w->z.next_in = w->blk;
	w->z.avail_in = (uInt)w->blk_len;
	w->z.next_out = w->cbuf;
	w->z.avail_out = (uInt)w->ccap;
	if (deflate(&w->z, Z_FINISH) != Z_STREAM_END)
		return tsp_error_set(err, TSP_ENOMEM, "zlib failed");
	crc = (uint32_t)crc32(0, w->blk, (uInt)w->blk_len);
	for (size_t i = w->blk_first; i < w->n; i++)
		w->ent[2 * i + 1] = w->off;
	hn += put_varint(head + hn, w->blk_len);
	hn += put_varint(head + hn, w->z.total_out);
	memcpy(head + hn, &crc, 4);
	hn += 4;
	if (wput(w, head, hn, err) < 0 ||
	    wput(w, w->cbuf, w->z.total_out, err) < 0)
		return -1;
	w->blk_len = 0;
	w->blk_first = w->n;
	return 0;
}

int tsp_store_add(struct tsp_store_writer *w, const char *key, size_t keylen,
		  const struct tsp_params *p, struct tsp_error *err)
{
	size_t need = keylen + p->len + 20;
	int added;

	if (tsp_table_get(&w->keys, key, keylen, &added) < 0)
		return tsp_error_set(err, TSP_ENOMEM, "out of memory");
	if (!added)
		return tsp_error_at(err, TSP_EDATA, w->path, 0,
				    "two model store entries for series "
				    "'%.*s'", (int)(keylen > 60 ? 60 : keylen),
				    key);
	if (!w->started && start(w, p, err) < 0)
		return -1;
	if (need > MAX_BLOCK)
		return tsp_error_at(err, TSP_EDATA, w->path, 0,
				    "entry for series '%.*s' larger than 1 GiB",
				    (int)(keylen > 60 ? 60 : keylen), key);
	/* keep every block readable: never past MAX_BLOCK */
	if (w->blk_len + need > MAX_BLOCK && flush_block(w, err) < 0)
		return -1;
	if (w->blk_len + need > w->blk_cap) {
		size_t ncap = w->blk_cap ? w->blk_cap : BLOCK_BYTES * 2;
		while (ncap < w->blk_len + need)
			ncap *= 2;
		unsigned char *nb = realloc(w->blk, ncap);
		if (!nb)
			return tsp_error_set(err, TSP_ENOMEM, "out of memory");
		w->blk = nb;
		w->blk_cap = ncap;
	}
	if (w->n == w->cap) {
		size_t ncap = w->cap ? w->cap * 2 : 1024;
		uint64_t *ne = realloc(w->ent, ncap * 2 * sizeof(*ne));
		if (!ne)
			return tsp_error_set(err, TSP_ENOMEM, "out of memory");
		w->ent = ne;
		w->cap = ncap;
	}
	w->ent[2 * w->n] = key_hash(key, keylen);
	w->ent[2 * w->n + 1] = 0;
	w->n++;
	w->blk_len += put_varint(w->blk + w->blk_len, keylen);
	w->blk_len += put_varint(w->blk + w->blk_len, p->len);
	memcpy(w->blk + w->blk_len, key, keylen);
	w->blk_len += keylen;
	if (p->len)
		memcpy(w->blk + w->blk_len, p->buf, p->len);
	w->blk_len += p->len;
	if (w->n - w->blk_first >= BLOCK_ENTRIES || w->blk_len >= BLOCK_BYTES)
		return flush_block(w, err);
	return 0;
}

static void writer_free(struct tsp_store_writer *w)
{
	if (!w)
		return;
	if (w->f)
		fclose(w->f);
	if (w->z_ready)
		deflateEnd(&w->z);
	tsp_table_release(&w->keys);
	free(w->path);
	free(w->tmp);
	free(w->options);
	free(w->dict);
	free(w->ent);
	free(w->cbuf);
	free(w->blk);
	free(w);
}

void tsp_store_abort(struct tsp_store_writer *w)
{
	if (w && w->tmp && w->tmp[0])
		unlink(w->tmp);
	writer_free(w);
}

int tsp_store_commit(struct tsp_store_writer *w, struct tsp_error *err)
{
	unsigned char h[HEADER];
	uint64_t slots = 1, index_off, *index, v;
	size_t olen = strlen(w->options);
	uint32_t crc;
	int fd;

	if (!w->started) {	/* no entries: still a valid, empty store */
		struct tsp_params none;
		tsp_params_init(&none);
		if (start(w, &none, err) < 0)
			goto fail;
	}
	if (flush_block(w, err) < 0)
		goto fail;
	/* Load factor at most 0.7: short probes, 11 bytes a series. */
	while ((double)slots * 0.7 < (double)w->n || slots < 8)
		slots *= 2;
	index = calloc(slots, sizeof(*index));
	if (!index) {
		tsp_error_set(err, TSP_ENOMEM, "out of memory");
		goto fail;
	}
	for (size_t i = 0; i < w->n; i++) {
		uint64_t hsh = w->ent[2 * i], j = hsh & (slots - 1);
		while (index[j])
			j = (j + 1) & (slots - 1);
		index[j] = (hsh >> OFFSET_BITS) << OFFSET_BITS | w->ent[2 * i + 1];
	}
	index_off = w->off;
	if (wput(w, index, slots * 8, err) < 0) {
		free(index);
		goto fail;
	}
	for (uint64_t c = 0; c < index_chunks(slots); c++) {
		uint64_t first = c * CHUNK_SLOTS;
		uint64_t n = slots - first < CHUNK_SLOTS ? slots - first
							 : CHUNK_SLOTS;
		crc = (uint32_t)crc32(0, (const Bytef *)(index + first),
				      (uInt)(n * 8));
		if (wput(w, &crc, 4, err) < 0) {
			free(index);
			goto fail;
		}
	}
	free(index);

	memset(h, 0, sizeof(h));
	memcpy(h, MAGIC, 8);
	v = TSP_STORE_FORMAT;
	memcpy(h + 8, &v, 4);
	memcpy(h + 16, w->tool, 16);
	strncpy((char *)h + 32, PACKAGE_VERSION, 16);
	v = w->n;
	memcpy(h + 48, &v, 8);
	memcpy(h + 56, &index_off, 8);
	memcpy(h + 64, &slots, 8);
	memcpy(h + 72, &w->off, 8);
	crc = (uint32_t)olen;
	memcpy(h + 80, &crc, 4);
	crc = (uint32_t)w->dict_len;
	memcpy(h + 84, &crc, 4);
	crc = (uint32_t)crc32(crc32(0, (const Bytef *)w->options, (uInt)olen),
			      w->dict, (uInt)w->dict_len);
	memcpy(h + 88, &crc, 4);
	crc = (uint32_t)crc32(0, h, HEADER);
	memcpy(h + 12, &crc, 4);
	if (fseek(w->f, 0, SEEK_SET) != 0 || fwrite(h, 1, HEADER, w->f) != HEADER ||
	    fflush(w->f) != 0) {
		wsys(w, err, "write error");
		goto fail;
	}
	fd = fileno(w->f);
	if (fsync(fd) != 0) {
		wsys(w, err, "cannot sync");
		goto fail;
	}
	if (fclose(w->f) != 0) {
		w->f = NULL;
		wsys(w, err, "write error");
		goto fail;
	}
	w->f = NULL;
	/* A store replaced keeps its mode; a new one gets what the umask
	 * leaves of 0666, as a plain create would. */
	{
		struct stat st;
		mode_t mode;
		if (stat(w->path, &st) == 0) {
			mode = st.st_mode & 07777;
		} else {
			mode_t um = umask(0);
			umask(um);
			mode = 0666 & ~um;
		}
		if (chmod(w->tmp, mode) != 0) {
			wsys(w, err, "cannot set permissions");
			goto fail;
		}
	}
	if (rename(w->tmp, w->path) != 0) {
		err->sys_errno = errno;
		tsp_error_at(err, TSP_ESYS, w->path, 0, "cannot rename %s: %s",
			     w->tmp, strerror(errno));
		goto fail;
	}
	w->tmp[0] = '\0';
	/* The rename itself must survive a power loss: sync the directory. */
	{
		char *dir = strdup(w->path), *slash;
		int dfd;
		if (!dir) {
			tsp_error_set(err, TSP_ENOMEM, "out of memory");
			goto fail;
		}
		slash = strrchr(dir, '/');
		if (!slash)
			strcpy(dir, ".");
		else if (slash == dir)
			dir[1] = '\0';
		else
			*slash = '\0';
		dfd = open(dir, O_RDONLY);
		free(dir);
		if (dfd >= 0) {
			fsync(dfd);
			close(dfd);
		}
	}
	writer_free(w);
	return 0;
fail:
	tsp_store_abort(w);
	return -1;
}
