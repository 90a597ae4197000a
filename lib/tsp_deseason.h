/*
 * tsp_deseason: tsdeseason's engine, for any tool that removes or puts
 * back seasonality.  A series is read point by point (checking that it
 * lies on a regular grid), then decomposed as a whole — STL, MSTL, or a
 * cheap profile (the mean or median by phase of each period) — and what
 * is needed to put the seasonality back later is a model: per period,
 * one value per phase of the period.
 *
 * Times are "local": UTC plus the offset of the zone in use (tsp_tz), or
 * UTC.  A phase is (local time mod period) / step, so the daily phase of
 * a reading follows the wall clock through DST changes, and a model
 * applies to any later time.  For STL and MSTL the series is laid out
 * on local-time slots: on a DST spring-forward day an hour of slots has
 * no reading (filled for the fit), on the fall-back day two readings
 * share a slot (the fit sees their mean; each keeps its own value).
 */
#ifndef TSP_DESEASON_H
#define TSP_DESEASON_H

#include <stddef.h>

#include "tsp_error.h"
#include "tsp_params.h"
#include "tsp_stl.h"
#include "tsp_time.h"

#define TSP_DS_MAXP TSP_MSTL_MAXP

enum tsp_ds_method { TSP_DS_STL, TSP_DS_MSTL, TSP_DS_PROFILE };

struct tsp_ds_opts {
	enum tsp_ds_method method;
	size_t np;			/* periods given (0 with auto) */
	tsp_time_t dur[TSP_DS_MAXP];	/* a period as a duration, or 0 */
	size_t steps[TSP_DS_MAXP];	/* ... as a number of steps */
	int auto_period;		/* find the periods (tsp_season) */
	long s_window[TSP_DS_MAXP];	/* 0 = default, -1 = periodic */
	long t_window;			/* 0 = R's default */
	int robust;
	int median;			/* profile by median, not mean */
	int components;			/* keep trend and each seasonal */
	tsp_time_t step;		/* the grid step; 0 = detected */
};

/* What a series needs to have its seasonality put back, by phase. */
struct tsp_ds_model {
	enum tsp_ds_method method;
	tsp_time_t step;
	size_t np;
	tsp_time_t dur[TSP_DS_MAXP];	/* each a multiple of step */
	double *phase[TSP_DS_MAXP];	/* dur/step values each */
	double level;			/* profile: the mean removed */
};

/* One series: its points as read, then its decomposition. */
struct tsp_ds_series {
	tsp_time_t step, last_t;	/* grid check (UTC) */
	long seen;			/* points added */
	size_t n, cap;			/* points read (STL, MSTL) */
	tsp_time_t *loc;		/* their local times */
	double *v;
	/* profile: sums (or values) by phase of the longest period */
	double *psum;
	long *pcnt;
	double *pval;			/* median: phase, value pairs */
	size_t npval, pvcap;
	size_t pbuckets;
	tsp_time_t pdur;
	/* after tsp_ds_fit */
	tsp_time_t loc0;		/* local time of slot 0 */
	size_t nslot;
	double *y;			/* components: the values per slot */
	double *seasonal;		/* sum of the seasonals, per slot */
	double *trend;			/* components: per slot */
	double *comp;			/* components: np x nslot */
	size_t np;			/* periods decomposed (found or */
	tsp_time_t dur[TSP_DS_MAXP];	/*   given, in the options' order) */
	int used[TSP_DS_MAXP];		/* period kept (long enough) */
	struct tsp_ds_model model;
};

/*
 * Add a point: t is UTC, loc local (see above), v NaN when missing.
 * Each spacing must be a positive multiple of the step (the smallest
 * spacing yet, or o->step); a spacing that is not is an error naming the
 * spacing (TSP_EDATA, no line: the caller adds it).  Returns 0 or -1.
 */
int tsp_ds_add(struct tsp_ds_series *s, const struct tsp_ds_opts *o,
	       tsp_time_t t, tsp_time_t loc, double v, struct tsp_error *err);

/*
 * Decompose s (STL, MSTL) or finish its profile, filling seasonal (and
 * trend and comp with o->components) and s->model; frees the points.
 * With o->auto_period the periods are found first; none found leaves a
 * model of no period and a zero seasonal.  Returns 0, or -1 with err set
 * (TSP_EDATA: too short for the periods, a period not a whole number of
 * steps; TSP_ENOMEM).
 */
int tsp_ds_fit(struct tsp_ds_series *s, const struct tsp_ds_opts *o,
	       struct tsp_error *err);

/*
 * The decomposition of a fitted series at local time loc (a time it was
 * fitted on): returns the sum of the seasonals; with components, each[k]
 * is the seasonal of period k of s->dur (0 for a period dropped) and
 * *trend the trend (the level for a profile).  NaN outside the series.
 */
double tsp_ds_at(const struct tsp_ds_series *s, const struct tsp_ds_opts *o,
		 tsp_time_t loc, double *each, double *trend);

/* A fitted series' profile (tsdeseason --detect). */
struct tsp_ds_stats {
	double missing;			/* share of slots without a value */
	double seasonal_strength[TSP_DS_MAXP];	/* by s->dur; NaN if dropped */
	double trend_strength;
	double kpss, kpss_p;		/* level stationarity (tseries) */
	double adf, adf_p;		/* augmented Dickey-Fuller */
};

/*
 * The profile of s, fitted with components: strengths as Wang, Smith and
 * Hyndman (2006), max(0, 1 - var(R) / var(X + R)) over the slots with a
 * value (the trend's NaN for a series without a period: nothing was
 * decomposed); KPSS and ADF on the seasonally adjusted values (missing
 * ones left out; NaN when too few).  Returns 0 or -1 (out of memory).
 */
int tsp_ds_stats(const struct tsp_ds_series *s, struct tsp_ds_stats *out,
		 struct tsp_error *err);

/* Free everything s holds. */
void tsp_ds_series_release(struct tsp_ds_series *s);

/*
 * The seasonal part at local time loc: the sum over periods, and each
 * period's in each[] (may be NULL).
 */
double tsp_ds_model_at(const struct tsp_ds_model *m, tsp_time_t loc,
		       double *each);

/* Encode m as entry parameters / decode one (-1 with err if corrupt). */
int tsp_ds_model_save(const struct tsp_ds_model *m, struct tsp_params *p,
		      struct tsp_error *err);
int tsp_ds_model_load(struct tsp_ds_model *m, const unsigned char *buf,
		      size_t len, struct tsp_error *err);
void tsp_ds_model_release(struct tsp_ds_model *m);

/* "1d", "2h", "90s": the shortest exact name of a duration. */
void tsp_ds_label(tsp_time_t dur, char *buf, size_t n);

#endif
