/*
 * tsp_forecast: tsforecast's engine.  One interface over every method —
 * the baselines and Theta (tsp_fcbase), exponential smoothing
 * (tsp_ets), and STL/MSTL decomposition + ETS for long or several
 * seasonal periods (as forecast::stlf) — and "auto", which picks one per
 * series by rolling-origin validation.
 *
 * A series is an array of values on a regular grid, NaN where a point is
 * missing; the state of every model advances through a missing point
 * without an update.  A fitted model forecasts any horizon from the end
 * of the data, and follows new observations one at a time (online use),
 * keeping its parameters.
 */
#ifndef TSP_FORECAST_H
#define TSP_FORECAST_H

#include <stddef.h>
#include <stdint.h>

#include "tsp_error.h"
#include "tsp_ets.h"
#include "tsp_fcbase.h"
#include "tsp_params.h"

#define TSP_FC_MAXP 4		/* seasonal periods per series */
#define TSP_FC_MAXLEVELS 8

enum tsp_fc_method {
	TSP_FC_AUTO, TSP_FC_ETS, TSP_FC_SES, TSP_FC_HOLT, TSP_FC_HW,
	TSP_FC_THETA, TSP_FC_STLF, TSP_FC_NAIVE, TSP_FC_SNAIVE, TSP_FC_MEAN,
	TSP_FC_DRIFT, TSP_FC_LINEAR, TSP_FC_NMETHODS
};

/* "auto", "ets", ... ; and back (-1 if unknown). */
const char *tsp_fc_method_name(enum tsp_fc_method m);
int tsp_fc_method_parse(const char *name, enum tsp_fc_method *out);

struct tsp_fc_opts {
	enum tsp_fc_method method;
	struct tsp_ets_opts ets;	/* model, damped, ic for ets and stlf;
					   m is set per series from period */
	int damped;			/* holt, hw: 1 damped, 0 not */
	int multiplicative;		/* hw: multiplicative season */
	size_t np;			/* seasonal periods in steps, */
	size_t period[TSP_FC_MAXP];	/*   ascending, each >= 2 */
	size_t horizon;			/* auto: validation window (0: a
					   period, at least 6 steps) */
};

/* Defaults: auto, no period, R's ets() options. */
void tsp_fc_opts_default(struct tsp_fc_opts *o);

/* Why a model is simpler than asked (also reported, not an error). */
enum tsp_fc_fallback {
	TSP_FC_FB_NONE = 0,
	TSP_FC_FB_SHORT,	/* too short for the seasonal period */
	TSP_FC_FB_LONGPERIOD,	/* period too long for ETS seasonality */
	TSP_FC_FB_CONSTANT,	/* constant series: naive, zero variance */
	TSP_FC_FB_TOOFEW,	/* too few points for the method: naive */
	TSP_FC_FB_FAILED	/* the method failed on the values (e.g.
				   too large for its arithmetic): naive */
};

struct tsp_fc_model {
	enum tsp_fc_method kind;	/* what was fitted (never AUTO) */
	enum tsp_fc_fallback fallback;
	struct tsp_ets_model ets;	/* ETS, SES, HOLT, HW, STLF */
	struct tsp_fcb fcb;		/* the others */
	/* STLF: the last cycle of each seasonal, and where the next step
	 * falls in it */
	size_t np;
	size_t period[TSP_FC_MAXP];
	double *seas[TSP_FC_MAXP];
	uint64_t pos;
	/* --interval empirical: quantiles of standardised rolling-origin
	 * errors per level (0 when not calibrated) */
	size_t ncal;
	double cal_level[TSP_FC_MAXLEVELS];
	double cal_lo[TSP_FC_MAXLEVELS], cal_hi[TSP_FC_MAXLEVELS];
};

/*
 * Fit y[0..n) (NaN = missing) as o says.  A series too short for what
 * was asked gets a simpler model and m->fallback says why.  Returns 0,
 * or -1 with err set (TSP_EDATA: no observed value, Inf; TSP_ENOMEM).
 * Release m with tsp_fc_model_release, also after a failure.
 */
int tsp_fc_fit(struct tsp_fc_model *m, const struct tsp_fc_opts *o,
	       const double *y, size_t n, struct tsp_error *err);

/*
 * Forecasts 1..h steps after the data: mean[h] and the standard
 * deviation sd[h] of the forecast distribution, df the degrees of
 * freedom of its quantiles (0: normal).  sd is NaN where the model has
 * no analytic variance (see tsp_fc_interval).  Returns 0 or -1.
 */
int tsp_fc_forecast(const struct tsp_fc_model *m, size_t h, double *mean,
		    double *sd, double *df, struct tsp_error *err);

/*
 * Prediction intervals at level (e.g. 95): lo[h], hi[h] around the
 * forecasts mean[h] with sd[h], df as tsp_fc_forecast gave.  Calibrated
 * quantiles are used when m has them for this level; NaN sd makes the
 * bounds come from nsim simulated paths (seed).  Returns 0 or -1.
 */
int tsp_fc_interval(const struct tsp_fc_model *m, size_t h, double level,
		    const double *mean, const double *sd, double df,
		    size_t nsim, unsigned long seed, double *lo, double *hi,
		    struct tsp_error *err);

/*
 * Online: the forecast of the next step made before seeing y (and its
 * sd in *sd), then update the state with y (NaN = missing: advance
 * without an update).
 */
double tsp_fc_update(struct tsp_fc_model *m, double y, double *sd);

/*
 * --interval empirical: refit the way o says at rolling origins over the
 * last part of y, forecast h steps from each, and keep the quantiles of
 * the errors divided by their predicted sd, for each level.  Leaves m
 * uncalibrated (and returns 0) when y is too short for enough origins.
 */
int tsp_fc_calibrate(struct tsp_fc_model *m, const struct tsp_fc_opts *o,
		     const double *y, size_t n, size_t h,
		     const double *levels, size_t nlevels,
		     struct tsp_error *err);

/* "ETS(M,Ad,M)", "STL+ETS(A,N,N)", "theta", "snaive(12)"... */
void tsp_fc_label(const struct tsp_fc_model *m, char *buf, size_t n);

/* Encode / decode a fitted model (entry parameters of the store). */
int tsp_fc_save(const struct tsp_fc_model *m, struct tsp_params *p,
		struct tsp_error *err);
int tsp_fc_load(struct tsp_fc_model *m, const unsigned char *buf, size_t len,
		struct tsp_error *err);

void tsp_fc_model_release(struct tsp_fc_model *m);

/* Accuracy of forecasts f[h] against actual x[h] (NaN skipped). */
struct tsp_fc_accuracy {
	double mae, rmse, smape, mase;
	size_t n;			/* points compared */
	double coverage[TSP_FC_MAXLEVELS];
};

/*
 * Errors of f against x, MASE scaled by the mean absolute lag-m
 * difference of the training data y[0..ny) (lag 1 when m < 2), and the
 * share of x inside [lo[k], hi[k]] per level (lo, hi: nlevels x h, may
 * be NULL).
 */
void tsp_fc_accuracy(const double *y, size_t ny, size_t m, const double *x,
		     const double *f, size_t h, const double *lo,
		     const double *hi, size_t nlevels,
		     struct tsp_fc_accuracy *out);

#endif
