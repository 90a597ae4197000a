/*
 * tsp_table: the per-series table.  Maps a series key (bytes) to a dense
 * index 0, 1, 2, ... in order of first appearance, so a tool keeps its
 * per-series state in a plain array indexed by it.  Holds millions of
 * keys: about 40 bytes per series plus the key text.
 */
#ifndef TSP_TABLE_H
#define TSP_TABLE_H

#include <stddef.h>
#include <stdint.h>

struct tsp_table {
	uint32_t *slot;		/* index + 1, 0 = empty */
	size_t cap;		/* power of two */
	struct tsp_table_ent {
		uint64_t hash;
		const char *key;
		size_t len;
	} *ent;
	size_t n, ecap;
	struct tsp_table_chunk *chunks;	/* key storage; keys never move */
	size_t last;		/* last index returned: a cheap cache */
};

/* Zero a table; allocates nothing. */
void tsp_table_init(struct tsp_table *t);

/* Free everything the table holds. */
void tsp_table_release(struct tsp_table *t);

/*
 * Find key, adding it if absent (*added set to 1 then, else 0).  Returns
 * the series index, or -1 when out of memory.
 */
long tsp_table_get(struct tsp_table *t, const char *key, size_t len,
		   int *added);

/* The key of series idx (borrowed; lives as long as the table). */
static inline const char *tsp_table_key(const struct tsp_table *t,
					size_t idx, size_t *len)
{
	*len = t->ent[idx].len;
	return t->ent[idx].key;
}

/* Number of series. */
static inline size_t tsp_table_count(const struct tsp_table *t)
{
	return t->n;
}

#endif
