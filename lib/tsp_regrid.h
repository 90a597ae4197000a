/*
 * tsp_regrid: put many interleaved series on a regular time grid, series
 * by series, streaming (the engine behind tsinterp).
 *
 * For each series: (--sort: buffer and order by time) -> (--counter:
 * values become per-second rates) -> (no step given: buffer until the
 * step is estimated) -> buckets [k*step+offset, (k+1)*step+offset) are
 * aggregated -> (Hampel cleaning) -> holes filled -> rows emitted in time
 * order through a callback (with `center`, bucket k is
 * [k*step+offset - step/2, k*step+offset + step/2): the nearest grid
 * point).  Memory per series is bounded by the
 * look-ahead the options need, except with --sort.
 */
#ifndef TSP_REGRID_H
#define TSP_REGRID_H

#include "tsp_error.h"
#include "tsp_record.h"
#include "tsp_spec.h"
#include "tsp_time.h"

enum tsp_agg {
	TSP_AGG_MEAN = 0, TSP_AGG_SUM, TSP_AGG_MIN, TSP_AGG_MAX,
	TSP_AGG_FIRST, TSP_AGG_LAST, TSP_AGG_COUNT, TSP_AGG_MEDIAN,
	TSP_AGG_QUANTILE
};

enum tsp_fill {
	TSP_FILL_LINEAR = 0, TSP_FILL_PREVIOUS, TSP_FILL_NEXT, TSP_FILL_ZERO,
	TSP_FILL_SPLINE, TSP_FILL_AKIMA, TSP_FILL_NONE
};

/* Intervals looked at to estimate a series' step when none is given. */
#define TSP_REGRID_ESTIMATE 1000
/* Known points each side of a hole used to fit spline/akima. */
#define TSP_REGRID_KNOTS 40

struct tsp_regrid_opts {
	tsp_time_t step;	/* 0: per series, the median spacing */
	tsp_time_t offset;	/* grid = multiples of step, plus offset */
	int center;		/* buckets [t-step/2, t+step/2), not [t, t+step) */
	enum tsp_agg agg;
	double quantile;	/* for TSP_AGG_QUANTILE, in [0, 1] */
	enum tsp_fill fill;
	tsp_time_t max_gap;	/* 0: no limit */
	uint64_t max_steps;	/* the most grid points a gap may add; a
				   longer jump in time is an error (0: no
				   limit) */
	int hampel_window;	/* half-width in steps; 0: no cleaning */
	double hampel_k;
	int counter;
	int sort;
};

/* A record the engine keeps, with its parsed point. */
struct tsp_rg_rec {
	struct tsp_recbuf rb;
	long ti, vi;		/* fields holding time and value */
	struct tsp_timefmt tfmt;
	tsp_time_t t;
	double v;
	int missing;
	struct tsp_rg_rec *next;	/* list link (engine-private) */
};

/* One output row. */
struct tsp_regrid_row {
	size_t series;		/* index given to tsp_regrid_push */
	tsp_time_t t;
	double v;
	int missing;
	int filled;
	const struct tsp_rg_rec *src;	/* pass-through fields (borrowed) */
	int time_exact;		/* src's time text already says t */
	int value_exact;	/* src's value text already says v */
};

typedef int (*tsp_regrid_emit_fn)(void *ctx, const struct tsp_regrid_row *row,
				  struct tsp_error *err);

struct tsp_regrid;

/*
 * A new engine with options o (copied); rows go to emit(ctx, ...), which
 * returns 0 or -1 with err set to stop the run.  Returns NULL when out of
 * memory.  Free with tsp_regrid_free().
 */
struct tsp_regrid *tsp_regrid_new(const struct tsp_regrid_opts *o,
				  tsp_regrid_emit_fn emit, void *ctx);

/*
 * Feed one record of series `series` (a dense index, e.g. from
 * tsp_table_get; key is used in messages).  Rows that become final are
 * emitted before it returns.  Time going backwards within a series is a
 * data error unless sorting.  Returns 0 or -1 with err set.
 */
int tsp_regrid_push(struct tsp_regrid *rg, size_t series,
		    const struct tsp_point *pt, const struct tsp_record *rec,
		    struct tsp_error *err);

/* The input has ended: emit every series' remaining rows, in index order. */
int tsp_regrid_finish(struct tsp_regrid *rg, struct tsp_error *err);

/* The step in use for a series (0 while not yet known). */
tsp_time_t tsp_regrid_step(const struct tsp_regrid *rg, size_t series);

/* Free the engine and everything it holds (NULL is allowed). */
void tsp_regrid_free(struct tsp_regrid *rg);

#endif
