/*
 * tsp_scale: per-series scaling and transforms (tsscale's engine, and
 * what a model uses to go to and from its own units).  Fitting gathers
 * running statistics one value at a time (the values themselves only for
 * the median/IQR and for Box-Cox's lambda); the fitted parameters go to
 * and from a tsp_params entry of the model store.
 *
 * Linear methods are y = (x - center) / scale + offset:
 *   zscore  center = mean, scale = sample sd
 *   minmax  center = min, scale = (max - min) / (B - A), offset = A
 *   robust  center = median, scale = IQR (R type 7 quantiles) or
 *           1.4826 * MAD
 * A constant series (or a single value) has no spread: it is centred but
 * not scaled (scale 1; minmax maps it to (A + B) / 2) and marked
 * constant.  Non-linear: log, log1p, boxcox (forecast::BoxCox).  diff is
 * y[t] = x[t] - x[t - lag]; the fit keeps the last lag values so that an
 * inverse can rebuild the values after them.  NaN and infinite values are
 * not used in fitting.
 */
#ifndef TSP_SCALE_H
#define TSP_SCALE_H

#include <stddef.h>

#include "tsp_error.h"
#include "tsp_params.h"

enum tsp_scale_method {
	TSP_SCALE_ZSCORE, TSP_SCALE_MINMAX, TSP_SCALE_ROBUST, TSP_SCALE_LOG,
	TSP_SCALE_LOG1P, TSP_SCALE_BOXCOX, TSP_SCALE_DIFF, TSP_SCALE_NMETHODS
};

struct tsp_scale_opts {
	enum tsp_scale_method method;
	double range_lo, range_hi;	/* minmax target range */
	int mad;		/* robust: scale by MAD, not IQR */
	double lambda;		/* boxcox: NaN = Guerrero per series */
	size_t period;		/* boxcox: Guerrero's seasonal period */
	long lag;		/* diff */
};

/* Name of a method ("zscore"), and the method of a name (-1 if none). */
const char *tsp_scale_method_name(enum tsp_scale_method m);
int tsp_scale_method_parse(const char *name);

/* zscore, minmax 0..1, robust by IQR, lambda NaN, period 1, lag 1. */
void tsp_scale_opts_default(struct tsp_scale_opts *o);

/* 1 if fitting needs all values before the first can be transformed. */
int tsp_scale_needs_fit(const struct tsp_scale_opts *o);

/* What fitting gathers for one series.  Zero it to start. */
struct tsp_scale_fit {
	long n;			/* values seen (diff: all; else finite) */
	double mean, m2, min, max;
	double *v;		/* robust, boxcox: the values */
	size_t nv, vcap;
	double *tail;		/* diff: ring of the last lag values */
	double tail_time;	/* diff: time of the last value (seconds) */
};

/* The fitted parameters of one series.  Zero it to start. */
struct tsp_scale {
	long n;			/* values fitted */
	double center, scale, offset, lambda;
	double max;		/* minmax: the largest value (min = center) */
	int constant;
	long lag;
	double *tail;		/* diff: last values fitted, oldest first */
	size_t ntail;
	double tail_time;
};

/* Add value x at time t (seconds).  Returns 0 or -1 (out of memory). */
int tsp_scale_fit_add(struct tsp_scale_fit *f, const struct tsp_scale_opts *o,
		      double x, double t, struct tsp_error *err);

/* Turn f into parameters *s and free f's contents.  Returns 0 or -1
 * (out of memory). */
int tsp_scale_fit_finish(struct tsp_scale_fit *f,
			 const struct tsp_scale_opts *o, struct tsp_scale *s,
			 struct tsp_error *err);

/* Free f's or s's contents. */
void tsp_scale_fit_release(struct tsp_scale_fit *f);
void tsp_scale_release(struct tsp_scale *s);

/* Parameters for methods that learn nothing (log, log1p, boxcox with a
 * given lambda, diff without a saved tail). */
void tsp_scale_plain(const struct tsp_scale_opts *o, struct tsp_scale *s);

/*
 * Transform x (not diff: that needs the previous values, see above).
 * Returns 0, or -1 if x is outside the method's domain; then
 * tsp_scale_domain() says what the domain is.
 */
int tsp_scale_forward(const struct tsp_scale_opts *o,
		      const struct tsp_scale *s, double x, double *y);
int tsp_scale_inverse(const struct tsp_scale_opts *o,
		      const struct tsp_scale *s, double y, double *x);
const char *tsp_scale_domain(const struct tsp_scale_opts *o,
			     const struct tsp_scale *s, int inverse);

/* Encode s as entry parameters (method, n, and the method's numbers). */
int tsp_scale_save(const struct tsp_scale_opts *o, const struct tsp_scale *s,
		   struct tsp_params *p, struct tsp_error *err);

/*
 * Decode an entry into *s.  o->method must be the store's; a different
 * method in the entry, a missing or impossible number is an error.
 * Returns 0 or -1 with err set.  Free s with tsp_scale_release.
 */
int tsp_scale_load(const struct tsp_scale_opts *o, const unsigned char *buf,
		   size_t len, struct tsp_scale *s, struct tsp_error *err);

#endif
