/*
 * tsp_stl: seasonal-trend decomposition by loess (STL, Cleveland et al.
 * 1990) as R's stats::stl() computes it, and its multi-seasonal
 * extension MSTL as forecast::mstl() (forecast 8.20) computes it.
 *
 * The steps are R's (stl.f), including the loess fitted every `jump`
 * points and linearly interpolated in between, and the estimate of the
 * median absolute residual for the robustness weights, which for an
 * even number of points is not always the exact median (stl.f's
 * partial sort is asked for its two middle positions in the wrong
 * order): results agree with R 4.2 to about 1e-13 of the series' scale.
 * Cost is linear in the length of the series.
 *
 * Missing values (NaN in y).  R's stl() refuses them; forecast::mstl()
 * first fills them with forecast::na.interp().  Both functions here fill
 * them with tsp_nainterp() (tsp_nainterp.h), for the periods used (for
 * tsp_stl, the one period), then decompose the filled series, so every
 * output is defined at every position (what to show for points that were
 * missing is the caller's business).  Fewer than 2 non-missing points is
 * an error, and so is Inf.
 */
#ifndef TSP_STL_H
#define TSP_STL_H

#include <stddef.h>

#include "tsp_error.h"

#define TSP_STL_PERIODIC 0	/* s_window value meaning "periodic" */

/*
 * STL options, named as in R's stl().  A window of 0 (and a jump of 0)
 * means R's default; a window given must be at least 3, and an even one
 * is rounded up to the next odd number, as stl.f does (defaults derived
 * from it use the value given, as R does).
 */
struct tsp_stl_opts {
	size_t period;		/* >= 2 */
	long s_window;		/* odd >= 3, or TSP_STL_PERIODIC */
	int s_degree;		/* 0 or 1 (periodic forces 0, as R does) */
	long t_window;		/* 0 = nextodd(ceiling(1.5*period/(1-1.5/s_window))),
				   with s_window = 10n+1 when periodic */
	int t_degree;		/* 0 or 1 */
	long l_window;		/* 0 = nextodd(period) */
	int l_degree;		/* 0 or 1 */
	long s_jump, t_jump, l_jump;	/* 0 = ceil(window/10) */
	int robust;		/* as set by tsp_stl_set_robust(); only
				   inner and outer change the fit */
	int inner, outer;	/* numbers of loops: inner >= 1, outer >= 0 */
};

/*
 * R stats::stl() defaults for period: s_window periodic, s_degree 0,
 * t_degree 1, l_degree = t_degree, windows and jumps 0 (derived), robust
 * 0, inner 2, outer 0.
 */
void tsp_stl_opts_default(struct tsp_stl_opts *o, size_t period);

/*
 * Set robust and the loop counts R uses for it: inner 1, outer 15
 * (robust) or inner 2, outer 0.
 */
void tsp_stl_set_robust(struct tsp_stl_opts *o, int robust);

/*
 * Decompose y[0..n) into seasonal[] and trend[] (caller-allocated, n
 * each); the remainder is y - seasonal - trend.  n must exceed 2*period.
 * NaN in y is a missing value, filled as described above.  With
 * s_window periodic, the seasonal component is averaged per position in
 * the cycle after the fit, as R does.  Returns 0, or -1 with err set
 * (TSP_EUSAGE: a bad option; TSP_EDATA: series too short, fewer than 2
 * non-missing values, Inf; TSP_ENOMEM) and the outputs unspecified.
 */
int tsp_stl(const double *y, size_t n, const struct tsp_stl_opts *o,
	    double *seasonal, double *trend, struct tsp_error *err);

#define TSP_MSTL_MAXP 8

/* MSTL options, as forecast::mstl()'s arguments. */
struct tsp_mstl_opts {
	size_t np;			/* number of periods, 1..TSP_MSTL_MAXP */
	size_t period[TSP_MSTL_MAXP];	/* each >= 2, any order */
	long s_window[TSP_MSTL_MAXP];	/* per period (same order), odd >= 3;
					   0 = forecast::mstl's default 7+4*i
					   for the i-th smallest period (i=1,2...) */
	int iterate;			/* >= 1; forecast::mstl's default is 2 */
	int robust;			/* robust stl() fits */
};

/* np 0, iterate 2, windows 0 (default), robust 0. */
void tsp_mstl_opts_default(struct tsp_mstl_opts *o);

/*
 * forecast::mstl(msts(y, seasonal.periods = periods)): fills trend[n],
 * remainder[n] and seasonal[i*n .. i*n+n) for o->period[i], in the
 * caller's order (all caller-allocated).  trend + remainder + the
 * seasonals add up to y (y with its missing values filled).
 * Periods with period >= n/2 are dropped, as R does: their seasonal is
 * all zero and used[i] is 0, else 1 (used may be NULL).  As in R, a
 * single period is fitted once whatever iterate says, and the periods
 * are fitted in ascending order in each iteration.
 * Returns 0, or -1 with err set (TSP_EUSAGE: a bad option; TSP_EDATA:
 * the series is too short for every period (there is no fallback to
 * R's supsmu trend), fewer than 2 non-missing values, Inf; TSP_ENOMEM)
 * and the outputs unspecified.  With more than 6 periods, the default
 * windows go on as 7+4*i (R's default has 6 values only).
 */
int tsp_mstl(const double *y, size_t n, const struct tsp_mstl_opts *o,
	     double *trend, double *seasonal, double *remainder, int *used,
	     struct tsp_error *err);

#endif
