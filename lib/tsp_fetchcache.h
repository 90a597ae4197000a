/*
 * tsp_fetchcache: a directory of fetched responses, so that fetching the
 * same past data again reads disk instead of the server.
 *
 * An entry is found by a key text (everything that decides the answer:
 * server, query, range, step...), stored under a hash of it, and holds
 * the key itself (a hash collision is a miss, never a wrong answer), the
 * data zlib-compressed, and checksums.  Entries are written to a
 * temporary file and renamed into place, so a reader never sees half an
 * entry; a damaged one is reported as such and removed.
 */
#ifndef TSP_FETCHCACHE_H
#define TSP_FETCHCACHE_H

#include <stddef.h>

#include "tsp_error.h"

enum tsp_fcache_status {
	TSP_FCACHE_MISS = 0,
	TSP_FCACHE_HIT = 1,
	TSP_FCACHE_CORRUPT = 2	/* removed; err->msg says what was wrong */
};

struct tsp_fcache {
	char *dir;
};

/*
 * Use directory dir (created, with its parent, if missing).  Returns 0,
 * or -1 with err set (TSP_ESYS).  tsp_fcache_release() frees.
 */
int tsp_fcache_open(struct tsp_fcache *c, const char *dir,
		    struct tsp_error *err);

void tsp_fcache_release(struct tsp_fcache *c);

/*
 * Look key (keylen bytes) up.  On a hit, *data is a new buffer (caller
 * frees) of *len bytes plus a NUL.  Returns a status, or -1 with err set
 * when the entry exists but cannot be read (TSP_ESYS) or memory runs out.
 */
int tsp_fcache_get(const struct tsp_fcache *c, const char *key,
		   size_t keylen, char **data, size_t *len,
		   struct tsp_error *err);

/* Store data (len bytes) under key, replacing an older entry atomically.
 * Returns 0, or -1 with err set (nothing is left behind). */
int tsp_fcache_put(const struct tsp_fcache *c, const char *key,
		   size_t keylen, const char *data, size_t len,
		   struct tsp_error *err);

/* The file that holds key's entry (a new string, caller frees), or NULL
 * when out of memory. */
char *tsp_fcache_path(const struct tsp_fcache *c, const char *key,
		      size_t keylen);

#endif
