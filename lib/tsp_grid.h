/*
 * tsp_grid: the regular time grid of one series, as a forecaster sees it.
 *
 * A step is either a fixed duration (5 minutes, an hour, a day) or a
 * number of calendar months (monthly, quarterly and yearly data: months
 * differ in length, so their seconds do not make a fixed step).  The grid
 * is learned from the points as they come: the first spacing sets the
 * step; a later spacing must be a whole number of steps (the points in
 * between are missing), and a shorter one that divides the step refines
 * it (the caller is told, to re-lay what it holds).  Calendar steps are
 * recognised when the first spacing is 28-31 days (a month), 89-92 (a
 * quarter) or 365-366 (a year) and both points share the day of the month
 * and the time of day; every later point must then lie a whole number of
 * steps later on the same day and time.
 */
#ifndef TSP_GRID_H
#define TSP_GRID_H

#include <stdint.h>

#include "tsp_error.h"
#include "tsp_params.h"
#include "tsp_time.h"

struct tsp_grid {
	tsp_time_t step;	/* fixed step (ns); 0 with months or unknown */
	int months;		/* calendar step in months, or 0 */
	int fixed;		/* step given, not learned: never refined */
	int64_t slots;		/* slots since the first point, to the last */
	tsp_time_t first, last;	/* times of the first and last points */
	long points;		/* points added */
};

/* An empty grid; step > 0 fixes the step (a --step option). */
void tsp_grid_init(struct tsp_grid *g, tsp_time_t step);

/*
 * Add the point at t (after the last one).  Returns the number of slots
 * from the last point to t (1 = the next slot, 2 = one missing between;
 * 0 for the first point), or -1 with err set (TSP_EDATA: t not after the
 * last point, or not on the grid; the message names the spacing).  When
 * a shorter spacing refines the step, *refine is set to the factor by
 * which every earlier slot count grows (the caller spreads what it holds
 * over the finer grid: slot i becomes slot i * factor), else to 1.
 */
int64_t tsp_grid_add(struct tsp_grid *g, tsp_time_t t, int64_t *refine,
		     struct tsp_error *err);

/* The time k slots after t (k may be negative). */
tsp_time_t tsp_grid_shift(const struct tsp_grid *g, tsp_time_t t, int64_t k);

/*
 * Slots from a to b on g's grid (b after a), or -1 if b is not on the
 * grid through a.
 */
int64_t tsp_grid_slots(const struct tsp_grid *g, tsp_time_t a, tsp_time_t b);

/* The step as text: "5m", "1h", "1mo", "3mo", "12mo"; "?" if unknown. */
void tsp_grid_label(const struct tsp_grid *g, char *buf, size_t n);

/*
 * The seasonal periods, in slots, the grid suggests: a day and a week
 * for steps that divide a day (e.g. 5m: 288, 2016; 1h: 24, 168; 1d: 7),
 * a year for calendar steps that divide it (monthly 12, quarterly 4).
 * Fills up to max periods (ascending, each >= 2) and returns how many.
 */
size_t tsp_grid_periods(const struct tsp_grid *g, size_t *out, size_t max);

/*
 * Append g's step and last point to p as entry parameters of the model
 * store (grid_step, grid_months, last_s, last_ns), so that a later run
 * can go on from that point.  Returns 0, or -1 with err set (out of
 * memory).
 */
int tsp_grid_save(const struct tsp_grid *g, struct tsp_params *p,
		  struct tsp_error *err);

/*
 * Read back what tsp_grid_save wrote, from the encoded parameters
 * buf[0..len) (other items are ignored): g becomes a grid with that step,
 * fixed (never refined), holding one point, the saved last one.  Returns
 * 0, or -1 with err set (TSP_EDATA "corrupt model entry (grid)": an item
 * absent, of the wrong type or out of range, or no step, as a grid of one
 * point with no step given saves); g is then left as it was.
 */
int tsp_grid_load(struct tsp_grid *g, const unsigned char *buf, size_t len,
		  struct tsp_error *err);

#endif
