#include "tsp_table.h"

#include <stdlib.h>
#include <string.h>

struct tsp_table_chunk {
	struct tsp_table_chunk *next;
	size_t used, cap;
	char data[];
};

void tsp_table_init(struct tsp_table *t)
{
	memset(t, 0, sizeof(*t));
}

void tsp_table_release(struct tsp_table *t)
{
	struct tsp_table_chunk *c = t->chunks;

	while (c) {
		struct tsp_table_chunk *next = c->next;
		free(c);
		c = next;
	}
	free(t->slot);
	free(t->ent);
	tsp_table_init(t);
}

/* A fast 64-bit hash reading 8 bytes at a time (multiply-xorshift). */
static uint64_t hash_key(const char *s, size_t len)
{
	const uint64_t m = 0x9e3779b97f4a7c15ULL;
	uint64_t h = len * m;
	size_t i = 0;

	for (; i + 8 <= len; i += 8) {
		uint64_t w;
		memcpy(&w, s + i, 8);
		h = (h ^ w) * m;
		h ^= h >> 29;
	}
	if (i < len) {
		uint64_t w = 0;
		memcpy(&w, s + i, len - i);
		h = (h ^ w) * m;
		h ^= h >> 29;
	}
	h *= 0xbf58476d1ce4e5b9ULL;
	return h ^ (h >> 31);
}

static int rehash(struct tsp_table *t)
{
	size_t ncap = t->cap ? t->cap * 2 : 1024;
	uint32_t *ns = calloc(ncap, sizeof(*ns));

	if (!ns)
		return -1;
	for (size_t i = 0; i < t->n; i++) {
		size_t j = t->ent[i].hash & (ncap - 1);
		while (ns[j])
			j = (j + 1) & (ncap - 1);
		ns[j] = (uint32_t)(i + 1);
	}
	free(t->slot);
	t->slot = ns;
	t->cap = ncap;
	return 0;
}

static const char *store_key(struct tsp_table *t, const char *key,
			     size_t len)
{
	struct tsp_table_chunk *c = t->chunks;
	char *p;

	if (!c || c->cap - c->used < len + 1) {
		size_t cap = len + 1 > 65536 ? len + 1 : 65536;
		c = malloc(sizeof(*c) + cap);
		if (!c)
			return NULL;
		c->next = t->chunks;
		c->used = 0;
		c->cap = cap;
		t->chunks = c;
	}
	p = c->data + c->used;
	memcpy(p, key, len);
	p[len] = '\0';
	c->used += len + 1;
	return p;
}

long tsp_table_get(struct tsp_table *t, const char *key, size_t len,
		   int *added)
{
	uint64_t h;
	size_t j;
	struct tsp_table_ent *e;

	*added = 0;
	/* Records of one series often come in runs. */
	if (t->n) {
		e = &t->ent[t->last];
		if (e->len == len && memcmp(e->key, key, len) == 0)
			return (long)t->last;
	}
	h = hash_key(key, len);
	if (t->cap) {
		for (j = h & (t->cap - 1); t->slot[j]; j = (j + 1) & (t->cap - 1)) {
			e = &t->ent[t->slot[j] - 1];
			if (e->hash == h && e->len == len &&
			    memcmp(e->key, key, len) == 0) {
				t->last = t->slot[j] - 1;
				return (long)t->last;
			}
		}
	}
	if (t->n >= UINT32_MAX - 1)
		return -1;
	if ((t->n + 1) * 2 > t->cap && rehash(t) < 0)
		return -1;
	if (t->n == t->ecap) {
		size_t ncap = t->ecap ? t->ecap * 2 : 1024;
		e = realloc(t->ent, ncap * sizeof(*e));
		if (!e)
			return -1;
		t->ent = e;
		t->ecap = ncap;
	}
	e = &t->ent[t->n];
	e->key = store_key(t, key, len);
	if (!e->key)
		return -1;
	e->hash = h;
	e->len = len;
	for (j = h & (t->cap - 1); t->slot[j]; j = (j + 1) & (t->cap - 1))
		;
	t->slot[j] = (uint32_t)(t->n + 1);
	t->last = t->n;
	*added = 1;
	return (long)t->n++;
}
