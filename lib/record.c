#include "tsp_record.h"

#include <stdlib.h>
#include <string.h>

/*
 * The intern pool: open addressing over string pointers.  Field names are
 * few (tens to thousands), so a simple table that never shrinks is enough.
 */
static struct {
	char **slot;
	size_t cap, n;
} pool;

static uint64_t hash_bytes(const char *s, size_t len)
{
	uint64_t h = 1469598103934665603ULL;

	for (size_t i = 0; i < len; i++)
		h = (h ^ (unsigned char)s[i]) * 1099511628211ULL;
	return h;
}

static int pool_grow(void)
{
	size_t ncap = pool.cap ? pool.cap * 2 : 256;
	char **ns = calloc(ncap, sizeof(*ns));

	if (!ns)
		return -1;
	for (size_t i = 0; i < pool.cap; i++) {
		char *s = pool.slot[i];
		size_t j;
		if (!s)
			continue;
		j = hash_bytes(s, strlen(s)) & (ncap - 1);
		while (ns[j])
			j = (j + 1) & (ncap - 1);
		ns[j] = s;
	}
	free(pool.slot);
	pool.slot = ns;
	pool.cap = ncap;
	return 0;
}

const char *tsp_intern(const char *s, size_t len)
{
	size_t j;
	char *copy;

	if (pool.n * 2 >= pool.cap && pool_grow() < 0)
		return NULL;
	j = hash_bytes(s, len) & (pool.cap - 1);
	while (pool.slot[j]) {
		const char *c = pool.slot[j];
		/* no NUL in s first: with one, strncmp could match a
		   shorter c, and c[len] lie past it */
		if (memchr(s, '\0', len) == NULL &&
		    strncmp(c, s, len) == 0 && c[len] == '\0')
			return c;
		j = (j + 1) & (pool.cap - 1);
	}
	copy = malloc(len + 1);
	if (!copy)
		return NULL;
	memcpy(copy, s, len);
	copy[len] = '\0';
	pool.slot[j] = copy;
	pool.n++;
	return copy;
}

void tsp_recbuf_init(struct tsp_recbuf *rb)
{
	memset(rb, 0, sizeof(*rb));
}

int tsp_recbuf_copy(struct tsp_recbuf *rb, const struct tsp_record *src,
		    struct tsp_error *err)
{
	size_t need = 0, off = 0;

	for (size_t i = 0; i < src->n; i++)
		need += src->f[i].len + 1;
	if (src->n > rb->fcap) {
		struct tsp_field *nf = realloc(rb->fields,
					       src->n * sizeof(*nf));
		if (!nf)
			return tsp_error_set(err, TSP_ENOMEM, "out of memory");
		rb->fields = nf;
		rb->fcap = src->n;
	}
	if (need > rb->bcap) {
		char *nb = realloc(rb->blob, need);
		if (!nb)
			return tsp_error_set(err, TSP_ENOMEM, "out of memory");
		rb->blob = nb;
		rb->bcap = need;
	}
	for (size_t i = 0; i < src->n; i++) {
		const struct tsp_field *f = &src->f[i];
		memcpy(rb->blob + off, f->val, f->len + 1);
		rb->fields[i] = *f;
		rb->fields[i].val = rb->blob + off;
		off += f->len + 1;
	}
	rb->rec = *src;
	rb->rec.f = rb->fields;
	rb->rec.raw = NULL;	/* the copy does not keep the line */
	return 0;
}

void tsp_recbuf_release(struct tsp_recbuf *rb)
{
	free(rb->fields);
	free(rb->blob);
	tsp_recbuf_init(rb);
}
