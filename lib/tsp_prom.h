/*
 * tsp_prom: the Prometheus HTTP API's range queries
 * (/api/v1/query_range): cutting a range into requests of bounded size,
 * the request form, the response turned into series with canonical
 * keys and samples, and those into records.  lib/fetch.c drives the
 * requests.
 *
 * A range query evaluates at start, start + step, ... up to end (the
 * "grid").  Chunks are cut at multiples of a chunk length counted from the
 * epoch, so each grid time falls in exactly one chunk, and the same range
 * fetched twice is cut the same way (which the cache relies on).
 */
#ifndef TSP_PROM_H
#define TSP_PROM_H

#include <stddef.h>
#include <stdint.h>

#include "tsp_error.h"
#include "tsp_record.h"
#include "tsp_time.h"
#include "tsp_writer.h"

/* Prometheus refuses more points per series per query than this. */
#define TSP_PROM_MAX_POINTS 11000

/* One request's part of the grid: start and end are grid times. */
struct tsp_prom_chunk {
	tsp_time_t start, end;
	long points;		/* grid times in [start, end] */
};

/*
 * Cut the grid of [start, end] by step into chunks of at most max_points
 * grid times each, and no longer than chunk (0: no limit but
 * max_points); boundaries at multiples of max_points * step (or of chunk
 * when it is smaller) since the epoch.  start <= end, step > 0; chunk is
 * 0 or >= step.  On success returns 0 and sets *out (caller frees) and
 * *n >= 1; -1 with err set (TSP_EUSAGE for a range of more than 10
 * million chunks, TSP_ENOMEM).
 */
int tsp_prom_plan(tsp_time_t start, tsp_time_t end, tsp_time_t step,
		  long max_points, tsp_time_t chunk,
		  struct tsp_prom_chunk **out, size_t *n,
		  struct tsp_error *err);

/* Split c (c->points >= 2) into two halves a and b: a's grid times, then
 * b's. */
void tsp_prom_split(const struct tsp_prom_chunk *c, tsp_time_t step,
		    struct tsp_prom_chunk *a, struct tsp_prom_chunk *b);

/*
 * The form of a query_range request (application/x-www-form-urlencoded):
 * query, start, end, step and, when lookback > 0, lookback_delta.  Times
 * in seconds with millisecond decimals.  Returns a new string (caller
 * frees) or NULL when out of memory.
 */
char *tsp_prom_form(const char *query, const struct tsp_prom_chunk *c,
		    tsp_time_t step, tsp_time_t lookback);

/*
 * Parse a time option: "now", "now-DUR" or "-DUR" (DUR as
 * tsp_duration_parse, with a unit: "-7d", "-90m"), epoch seconds, or RFC
 * 3339.  now is the current time.  Returns 0 and sets *t (and *relative
 * to 1 for now and relative forms, else 0), or -1.
 */
int tsp_prom_time_parse(const char *s, tsp_time_t now, tsp_time_t *t,
			int *relative);

/* A series' label (name and value unescaped, NUL-terminated). */
struct tsp_prom_label {
	const char *name, *value;
};

struct tsp_prom_sample {
	tsp_time_t t;
	const char *v;		/* the value as the server wrote it ("1.5",
				   "NaN", "+Inf"), in the response body */
	uint32_t vlen;
};

struct tsp_prom_series {
	const char *key;	/* canonical: name{a="x",b="y"} */
	size_t keylen;
	struct tsp_prom_label *labels;	/* sorted by name, __name__ too */
	size_t nlabels;
	struct tsp_prom_sample *samples;	/* times ascending */
	size_t nsamples;
};

/* A parsed response.  Everything points into memory the result owns. */
struct tsp_prom_result {
	int success;		/* "status":"success" */
	char *error_type;	/* when not: "bad_data", "execution", ... */
	char *error;		/* the server's message */
	char **warnings;	/* relayed to the user; also "infos" */
	size_t nwarnings;
	struct tsp_prom_series *series;	/* sorted by key */
	size_t nseries;
	size_t nsamples;	/* over all series */
	/* owned storage */
	char *body;
	struct tsp_prom_sample *sample_mem;
	struct tsp_prom_label *label_mem;
	char *arena;
};

/* Zero a result; allocates nothing. */
void tsp_prom_result_init(struct tsp_prom_result *r);

/* Free everything the result owns (the body too); r is zeroed. */
void tsp_prom_result_release(struct tsp_prom_result *r);

/*
 * Parse a query_range response.  The result takes body (len bytes,
 * malloc'd) whatever happens.  An error response ("status":"error") is a
 * successful parse with r->success 0.  For a success, checks that the
 * result is a matrix, that values are numbers and that each series'
 * times ascend within [c->start, c->end] (c may be NULL: no range check);
 * series are sorted by key.  Returns 0, or -1 with err set (TSP_EDATA for
 * a malformed response, TSP_ENOMEM).
 */
int tsp_prom_parse(struct tsp_prom_result *r, char *body, size_t len,
		   const struct tsp_prom_chunk *c, struct tsp_error *err);

/* 1 if an error response says the query would load too many samples or
 * points (Prometheus, Thanos, Mimir, VictoriaMetrics wordings): a
 * smaller range may succeed. */
int tsp_prom_too_big(const struct tsp_prom_result *r);

/* The value of label name in series s, or NULL. */
const char *tsp_prom_label(const struct tsp_prom_series *s,
			   const char *name);

/*
 * Read a whole saved response from path ("-": standard input) and parse
 * it as tsp_prom_parse does with no range.  Returns 0, or -1 with err set
 * (TSP_ESYS when it cannot be read).
 */
int tsp_prom_parse_file(struct tsp_prom_result *r, const char *path,
			struct tsp_error *err);

/*
 * Write r's samples as records: series (the key), timestamp (epoch
 * seconds, or RFC 3339 in UTC when rfc3339 is set), value (as the server
 * wrote it: NaN, +Inf, -Inf kept), then one field per name in labels
 * (interned; the label's value, missing when the series lacks it).
 * Series by series, each in time order.  Returns 0, or -1 with err set
 * by the writer.
 */
int tsp_prom_write(const struct tsp_prom_result *r, struct tsp_writer *w,
		   const char *const *labels, size_t nlabels, int rfc3339,
		   struct tsp_error *err);

#endif
