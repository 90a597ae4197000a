/*
 * tsp_ets: exponential smoothing state space models (ETS, Hyndman et al.
 * 2008) as R's forecast::ets() (forecast 8.20) fits them, with the
 * forecasts and forecast variances of forecast.ets().
 *
 * A model is ETS(error, trend, season): error A or M, trend N, A, Ad (or
 * M, Md when multiplicative trends are allowed), season N, A or M with
 * period m (2..TSP_ETS_MAXM).  The smoothing parameters and the initial
 * states are estimated together for the likelihood (or the MSE of the
 * one-step errors, as ses()/holt()/hw() ask for), inside R's "both"
 * bounds, by the search R runs: optim()'s Nelder-Mead from R's starting
 * values, at most 2000 evaluations.  Its fits are R's, also where it
 * stops short of the optimum (and R's model choice depends on where it
 * stops).  An automatic fit tries R's model space and keeps the model
 * with the smallest information criterion.
 *
 * Missing values (NaN in y) are stepped over: the states advance as a
 * forecast would, without an update, and the point counts neither in n
 * nor in the likelihood.  (R refuses them; with no missing values the
 * fits are R's.)
 *
 * A struct tsp_ets_model holds no pointers and owns no memory: copy it
 * with '=', drop it without a destructor.  The seasonal states are kept
 * in a ring, so tsp_ets_update() costs O(1) per observation.
 */
#ifndef TSP_ETS_H
#define TSP_ETS_H

#include <stddef.h>

#include "tsp_error.h"
#include "tsp_params.h"

#define TSP_ETS_MAXM 24		/* longest season, as R's ets() */

/* Component types; TSP_ETS_CHOOSE in options means "try them" (R's Z). */
enum { TSP_ETS_CHOOSE = -1, TSP_ETS_N = 0, TSP_ETS_A = 1, TSP_ETS_M = 2 };

enum tsp_ets_crit { TSP_ETS_CRIT_LIK, TSP_ETS_CRIT_MSE };
enum tsp_ets_ic { TSP_ETS_AICC, TSP_ETS_AIC, TSP_ETS_BIC };

struct tsp_ets_opts {
	int error, trend, season;	/* TSP_ETS_N/A/M or TSP_ETS_CHOOSE */
	int damped;			/* 0, 1 or TSP_ETS_CHOOSE (R's NULL) */
	size_t m;			/* the data's period, 1 = none */
	enum tsp_ets_crit crit;		/* what the parameters minimise */
	enum tsp_ets_ic ic;		/* what picks the model */
	double alpha, beta, gamma, phi;	/* fixed values; NaN = estimate */
	int allow_mult_trend;		/* also try trends M and Md */
	int maxit;			/* evaluations per model's search
					   (R's ets(maxit); default 2000) */
};

/*
 * R's ets(y) defaults for data of period m: every component chosen,
 * likelihood, AICc, nothing fixed, no multiplicative trend.
 */
void tsp_ets_opts_default(struct tsp_ets_opts *o, size_t m);

struct tsp_ets_model {
	int error, trend, season, damped;	/* what was fitted */
	size_t m;			/* seasonal period; 1 when season N */
	double alpha, beta, gamma, phi;	/* beta 0 without trend, gamma 0
					   without season, phi 1 undamped */
	/* initial states: level, slope (0 without trend; growth rate 1
	   for trend M), s0[0..m): s0[0] the most recent season (R's s1) */
	double l0, b0, s0[TSP_ETS_MAXM];
	/* current states: after the data, moved on by tsp_ets_update();
	   s[(pos + k) % m] is the season of the observation k+1 ahead */
	double l, b, s[TSP_ETS_MAXM];
	size_t pos;
	double sigma2;		/* R's: sum of squared residuals / (n - npar) */
	double loglik, aic, aicc, bic;	/* NaN for a fallback fit (below) */
	double mse;		/* mean squared one-step error (R's mse) */
	size_t n;		/* non-missing observations used */
	size_t nobs;		/* observations, missing included */
	size_t npar;		/* estimated smoothing parameters + free
				   initial states (R's etsmodel np; the
				   criteria count npar + 1) */
	size_t nfixed;		/* smoothing parameters given, not
				   estimated (R counts them in sigma2's
				   n - np, not in the criteria) */
	int season_dropped;	/* period > TSP_ETS_MAXM: fitted without */
	int fallback;		/* series too short for R's likelihood fit:
				   fitted as R's HoltWintersZZ (see fit) */
};

/*
 * Fit y[0..n) (NaN = missing) as forecast::ets() does, filling *out and,
 * if fitted is not NULL, fitted[0..n) with the one-step forecasts.
 *
 * Components asked for but impossible are errors (TSP_EUSAGE), as in R:
 * a season with m = 1, a multiplicative component with data not
 * strictly positive (TSP_EDATA), R's forbidden combinations (additive
 * error with a multiplicative component, M,M,A).  A season that is to be
 * chosen with m > TSP_ETS_MAXM is left out and season_dropped set (R
 * warns and does the same); asked for explicitly, it is an error.
 *
 * Short series: models with more parameters than the data allow are
 * skipped as R skips them.  When n <= (R's parameter count) + 4, R (and
 * this function) fits the simpler HoltWintersZZ instead: parameters
 * minimising the sum of squared errors, simple initial states, sigma2 the
 * mean squared residual, loglik/aic/aicc/bic NaN and fallback set.  A
 * series with 1 non-missing value gives ANN with alpha 0.99999 and no
 * variance (sigma2 0); no non-missing value is TSP_EDATA.  A constant
 * series gives R's answer for it, ANN with alpha 0.99999.
 *
 * Returns 0, or -1 with err set (TSP_EUSAGE, TSP_EDATA: Inf in y, no
 * model could be fitted; TSP_ENOMEM) and *out unspecified.
 */
int tsp_ets_fit(const double *y, size_t n, const struct tsp_ets_opts *o,
		struct tsp_ets_model *out, double *fitted,
		struct tsp_error *err);

/*
 * Run model m from its initial states over y[0..n) with its parameters
 * as they are (R's ets(y, model = fit, use.initial.values = TRUE)):
 * sets the current states, n, nobs, loglik, aic, aicc, bic (with npar as
 * it is), mse and sigma2; fitted (may be NULL) gets the one-step
 * forecasts.  Returns 0, or -1 with err set (TSP_EDATA: the forecast is
 * undefined, a negative growth in a multiplicative trend).
 */
int tsp_ets_filter(struct tsp_ets_model *m, const double *y, size_t n,
		   double *fitted, struct tsp_error *err);

/*
 * Point forecasts mean[0..h) from the current states and, if var is not
 * NULL, the forecast variances var[0..h) of forecast.ets(): analytic for
 * R's classes 1 (additive error, trend N/A/Ad, season N/A), 2
 * (multiplicative error, same trends and seasons) and 3 (multiplicative
 * error and season, trend N/A/Ad); NaN otherwise (multiplicative trend,
 * or a fallback fit of an unclassed kind): use tsp_ets_simulate() then.
 * Returns 0, or -1 with err set (TSP_EUSAGE: h 0; TSP_EDATA: forecast
 * undefined, see tsp_ets_filter; TSP_ENOMEM).
 */
int tsp_ets_forecast(const struct tsp_ets_model *m, size_t h, double *mean,
		     double *var, struct tsp_error *err);

/*
 * Simulate nsim sample paths h steps ahead from the current states with
 * normal errors of variance sigma2 (multiplicative errors cut at -1, as
 * R does), from a generator seeded with seed (deterministic: the same
 * arguments give the same numbers), and write the probs[j] quantiles
 * (R's quantile type 8, as forecast.ets) of step i to
 * quantiles[i*nprobs + j].  Returns 0, or -1 with err set (TSP_EUSAGE:
 * h or nsim 0, a probability outside [0, 1]; TSP_ENOMEM).
 */
int tsp_ets_simulate(const struct tsp_ets_model *m, size_t h, size_t nsim,
		     unsigned long seed, const double *probs, size_t nprobs,
		     double *quantiles, struct tsp_error *err);

/*
 * Online step: returns the one-step forecast made before seeing y, then
 * updates the current states with y (NaN: advance without an update).
 * O(1) whatever m.  NaN is returned (and the states are left as they
 * were) when the forecast is undefined.
 */
double tsp_ets_update(struct tsp_ets_model *m, double y);

/*
 * Current states (which = 1) or initial states (which = 0) in R's
 * layout of fit$states: level, slope if there is a trend, then s1..sm
 * (s1 the most recent) if there is a season.  get writes to x (room for
 * 2 + TSP_ETS_MAXM) and returns the count; put reads the same layout
 * (for put with which = 1, the ring restarts at pos 0).
 */
size_t tsp_ets_get_state(const struct tsp_ets_model *m, int which, double *x);
void tsp_ets_put_state(struct tsp_ets_model *m, int which, const double *x);

/*
 * Append the model to p as named items ("ets_spec" and the rest), for the
 * model store.  Returns 0, or -1 with err set (TSP_ENOMEM; TSP_EUSAGE for a
 * struct that is not a model: period or ring position out of range).
 */
int tsp_ets_save(const struct tsp_ets_model *m, struct tsp_params *p,
		 struct tsp_error *err);

/*
 * Decode a model saved by tsp_ets_save from buf[0..len) (borrowed),
 * checking every item: a missing, malformed or inconsistent item
 * (unknown component, period out of range, parameter out of its
 * range, non-finite state) is TSP_EDATA.  Returns 0, or -1 with err set
 * and *m unspecified.
 */
int tsp_ets_load(struct tsp_ets_model *m, const unsigned char *buf,
		 size_t len, struct tsp_error *err);

/* "ETS(M,Ad,M)" as R prints the method, into buf (size n, truncated). */
void tsp_ets_label(const struct tsp_ets_model *m, char *buf, size_t n);

#endif
