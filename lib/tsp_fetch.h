/*
 * tsp_fetch: a Prometheus range query of any length, as a sequence of
 * bounded requests (tsp_prom_plan), several in flight (tsp_http), retried
 * with backoff when the failure is transient, split when the server says
 * a chunk is too big, served from a cache when the chunk lies wholly in
 * the past, and handed to the caller in time order.
 *
 * The library prints nothing: the caller gets each chunk's result, notes
 * for the user (server warnings, retries, splits, cache trouble) and
 * progress through callbacks.
 */
#ifndef TSP_FETCH_H
#define TSP_FETCH_H

#include <stddef.h>

#include "tsp_error.h"
#include "tsp_http.h"
#include "tsp_prom.h"

/* Data this recent may still change: a chunk is cached only when it ends
 * at least this long, plus the lookback delta, before now. */
#define TSP_FETCH_SETTLE (10 * 60 * TSP_NS_PER_SEC)
#define TSP_FETCH_LOOKBACK (5 * 60 * TSP_NS_PER_SEC)	/* server default */

struct tsp_fetch_opts {
	const char *url;	/* the server, e.g. http://prom:9090 */
	const char *query;	/* PromQL */
	tsp_time_t start, end, step;
	tsp_time_t lookback;	/* lookback_delta to send; 0: the server's */
	long max_points;	/* per series per request */
	tsp_time_t chunk;	/* at most this long per request; 0: no limit */
	int parallel;		/* requests in flight, >= 1 */
	int retries;		/* tries after the first, for transient failures */
	tsp_time_t backoff;	/* wait before the first retry (then doubled) */
	const char *cache_dir;	/* NULL: no cache */
	tsp_time_t now;		/* wall clock: which chunks are in the past */
	struct tsp_http_opts http;
};

/* A chunk, as the callbacks see it. */
struct tsp_fetch_chunk {
	int id, of;		/* number (1-based) in the plan, chunks planned;
				   the parts of a split chunk keep its number */
	struct tsp_prom_chunk c;
	int cached;		/* read from the cache */
};

struct tsp_fetch_progress {
	size_t done, total;	/* chunks delivered, chunks now planned */
	size_t samples;		/* delivered */
	size_t requests, cache_hits;
};

struct tsp_fetch_events {
	void *ctx;
	/* Each chunk's result, in time order.  Return 0, or -1 with err
	 * set to stop the fetch (e.g. a failed write). */
	int (*chunk)(void *ctx, const struct tsp_fetch_chunk *ch,
		     const struct tsp_prom_result *r, struct tsp_error *err);
	/* A line for the user (no trailing newline). */
	void (*note)(void *ctx, const char *msg);
	/* After each delivered chunk; may be NULL. */
	void (*progress)(void *ctx, const struct tsp_fetch_progress *p);
};

/*
 * Check o and put its range on the grid before a run: times to whole
 * milliseconds (the API's resolution); a relative start or end (one that
 * moves with the clock: start_rel, end_rel) down to a multiple of the
 * step, so that runs share chunks and the cache serves them.  Returns 0,
 * or -1 with err->code TSP_EUSAGE and a message naming the option.
 */
int tsp_fetch_prepare(struct tsp_fetch_opts *o, int start_rel, int end_rel,
		      struct tsp_error *err);

/*
 * Run the fetch o describes.  Returns 0 when every chunk was delivered,
 * or -1 with err set: a message that names the chunk that failed and
 * why (the server's own message for a rejected query), TSP_EUSAGE for a
 * range with too many chunks, or the error a callback returned.  Chunks
 * before the failed one have been delivered; none after it.
 */
int tsp_fetch_run(const struct tsp_fetch_opts *o,
		  const struct tsp_fetch_events *ev, struct tsp_error *err);

/* "chunk 3/8 (2024-05-01T00:00:00Z to 2024-05-02T21:45:00Z)" into buf. */
void tsp_fetch_chunk_name(const struct tsp_fetch_chunk *ch, char *buf,
			  size_t n);

/* The cache key of chunk c of fetch o (a new string; caller frees), or
 * NULL when out of memory.  Credentials are not part of it. */
char *tsp_fetch_cache_key(const struct tsp_fetch_opts *o,
			  const struct tsp_prom_chunk *c);

#endif
