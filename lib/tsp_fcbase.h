/*
 * tsp_fcbase: simple benchmark forecasters, as the R forecast package
 * (8.20) computes them, each with fit, forecast, an O(1) online update,
 * and save/load through struct tsp_params.
 *
 *   naive    forecast::naive(): the last observed value
 *   snaive   forecast::snaive(): the value one season (m steps) earlier
 *   mean     forecast::meanf(): the mean of the observed values
 *   drift    forecast::rwf(drift = TRUE): the last value plus a straight
 *            line from the first to the last observed value
 *   linear   forecast(tslm(y ~ trend)): the least-squares line on the
 *            time index (what Prometheus predict_linear() extrapolates)
 *   theta    forecast::thetaf(): simple exponential smoothing (ETS(A,N,N)
 *            fitted by least squares, alpha in [1e-4, 0.9999]) plus half
 *            the slope of the least-squares line, after a classical
 *            multiplicative decomposition when m > 1, n > 2m and the 90%
 *            test on the autocorrelation at lag m finds seasonality
 *
 * Forecasts come as a mean, a standard deviation and degrees of freedom
 * per step: the interval at level L is mean -/+ q * sd, q the (1+L)/2
 * quantile of the normal distribution (df 0) or of Student's t with df
 * degrees of freedom.  On a series without missing values these
 * reproduce R's point forecasts and 80/95% bounds (the tests check them,
 * tests/unit/test_fcbase.c).  For theta the bounds are R's: thetaf()
 * multiplies the mean, not the width, by the seasonal index, so sd is in
 * seasonally adjusted units, as R has it.
 *
 * Missing values (NaN in y) are steps where time advances and nothing is
 * learned; R mostly refuses them or fills them, so here they follow the
 * state-space idea instead:
 *   naive/snaive/drift  the last value observed at each position in the
 *            season carries over; a difference across g seasons (g steps
 *            for naive and drift) counts as g steps: it adds d^2/g to the
 *            residual sums, and the variance of a forecast grows with the
 *            number of steps since the value it repeats was observed;
 *            the drift is (last - first observed) / (steps between them)
 *   mean/linear  missing values are left out of the sums; the linear
 *            trend keeps each value's position in time.  meanf() counts
 *            missing values in n for its t quantile and sqrt(1 + 1/n);
 *            here n counts observed values only.
 *   theta    the smoothing error is 0 at a missing step (the level
 *            stays), the line is fitted to the observed points, and the
 *            forecast variance grows by alpha^2 sigma2 per step since the
 *            last observed one; the seasonality test uses the available
 *            pairs and a moving average that touches a missing value is
 *            missing (stats::decompose's filter does the same).
 * Inf in y is an error.
 *
 * Cost: every method fits in O(n) time and O(m) memory, updates in O(1);
 * theta's estimation takes O(n m) for the seasonality test and the
 * moving average (direct sums, as R's filter()) and about 500 O(n)
 * passes for alpha, with n doubles of workspace.
 *
 * Minimum data (n counts steps, missing ones included; below it fit
 * fails with TSP_EDATA, so a caller can fall back to another method):
 *   naive    1 observed value (with 1, sd is NaN: no residual)
 *   snaive   every position of the season observed at least once
 *            (n >= m); sd NaN until a value has been seen twice at the
 *            position the step repeats
 *   mean     1 observed value (sd NaN with 1)
 *   drift    2 observed values (sd NaN with 2)
 *   linear   2 observed values (sd NaN with 2)
 *   theta    2 observed values and n >= 2; seasonal only when n > 2m
 *            (and the test and decomposition succeed), otherwise the
 *            non-seasonal method.  For n <= 6, as R's ets() does, the
 *            initial level is the first value and alpha in [0, 1]
 *            minimises the sum of squared errors (R's HoltWinters path);
 *            for n = 2 the sum does not depend on alpha and alpha is
 *            0.2, the value R's optimiser is started from and stays at.
 *
 * Online update.  tsp_fcb_update() takes the next value, NaN = missing.
 * For naive, snaive, mean, drift and linear, fitting y[0..n) and then
 * updating with y[n..n+k) leaves the model exactly as fitting
 * y[0..n+k) does (the fit is the same step repeated).  For theta the
 * parameters (alpha, the drift term's slope, sigma2 and the seasonal
 * indices) stay as fitted; the level follows the smoothing recursion and
 * the step count n (which the drift term's (1 - (1-alpha)^n)/alpha uses)
 * advances: refitting would estimate them all again.
 */
#ifndef TSP_FCBASE_H
#define TSP_FCBASE_H

#include <stddef.h>

#include "tsp_error.h"
#include "tsp_params.h"

enum tsp_fcb_method {
	TSP_FCB_NAIVE,
	TSP_FCB_SNAIVE,
	TSP_FCB_MEAN,
	TSP_FCB_DRIFT,
	TSP_FCB_LINEAR,
	TSP_FCB_THETA
};

/* Longest season length accepted (fit and load). */
#define TSP_FCB_MAXM 1000000

/*
 * A fitted model.  The fields are the module's business; they are here
 * so that a caller can keep one in an array or on the stack.  Times are
 * 0-based step indices since the first value fitted.
 */
struct tsp_fcb {
	enum tsp_fcb_method method;
	size_t m;		/* season length: snaive's lag; theta's
				   period if it decomposed, else 1 */
	size_t n;		/* steps seen, missing included */
	size_t nobs;		/* observed values seen */
	double *val;		/* m: naive/snaive/drift: last value observed
				   at each position of the season; theta:
				   seasonal indices (NULL when m is 1) */
	double *at;		/* m: naive/snaive/drift: the time of val[],
				   NaN if none yet */
	size_t nres;		/* naive/snaive/drift: residuals counted */
	double ssr;		/* naive/snaive: sum of d^2/g */
	double span;		/* drift: steps from first to last observed */
	double mean, m2;	/* mean: mean, sum of squared deviations;
				   drift: drift per step, weighted sum of
				   squared deviations of d/g (weights g) */
	double tbar, ybar, stt, sty, rss;	/* linear: running moments
						   and residual sum */
	double level, alpha, slope, sigma2;	/* theta: SES level and
						   alpha, half the line's
						   slope, residual variance */
	size_t gap;		/* theta: steps since the last observed one */
};

/* An empty model (allocates nothing): for tsp_fcb_fit/load/release. */
void tsp_fcb_init(struct tsp_fcb *f);

/* Free what f holds and make it empty again. */
void tsp_fcb_release(struct tsp_fcb *f);

/*
 * Fit `method` to y[0..n) (NaN = missing), m the season length (snaive:
 * its lag, >= 1; theta: the period to test, 1 = non-seasonal; ignored by
 * the others).  f must be empty or hold a model (its memory is released
 * first); f owns what it allocates: free with tsp_fcb_release().  If
 * fitted is not NULL it receives n in-sample fitted values as R defines
 * them (naive/snaive/drift: the one-step forecast; mean and linear: the
 * fitted mean or line; theta: the smoothed level, reseasonalised, without
 * the drift term), NaN where there is none.  Returns 0, or -1 with err
 * set (TSP_EUSAGE: bad method or m; TSP_EDATA: Inf, or fewer values than
 * the method's minimum; TSP_ENOMEM) and f empty.
 */
int tsp_fcb_fit(struct tsp_fcb *f, enum tsp_fcb_method method,
		const double *y, size_t n, size_t m, double *fitted,
		struct tsp_error *err);

/*
 * Forecast h >= 1 steps ahead from the end of what f has seen: mean[h],
 * and when not NULL sd[h] and df[h] (0 = normal quantiles, else
 * Student's t with df degrees of freedom), all caller-allocated.  sd is
 * NaN where there is no estimate of the variance.  Returns 0, or -1 with
 * err set (TSP_EUSAGE: h is 0 or f holds no model).
 */
int tsp_fcb_forecast(const struct tsp_fcb *f, size_t h, double *mean,
		     double *sd, double *df, struct tsp_error *err);

/*
 * The residual variance the intervals are built on, as R reports it:
 * naive/snaive/drift the lagwalk's sigma2 (for drift lm's, over k - 1),
 * mean the variance (sd^2), linear lm's sigma^2, theta ets's sigma2.
 * NaN when there are too few residuals, or f holds no model.
 */
double tsp_fcb_sigma2(const struct tsp_fcb *f);

/*
 * Take the next value y (NaN or +-Inf = missing: time advances without
 * an update), in O(1).  Returns the one-step forecast f made before
 * seeing y (NaN if f holds no model).
 */
double tsp_fcb_update(struct tsp_fcb *f, double y);

/*
 * Append f's state to p (tsp_params.h), enough for tsp_fcb_load() to
 * rebuild it exactly.  Returns 0, or -1 with err set (TSP_ENOMEM,
 * TSP_EUSAGE if f holds no model).
 */
int tsp_fcb_save(const struct tsp_fcb *f, struct tsp_params *p,
		 struct tsp_error *err);

/*
 * Rebuild in f (empty or holding a model, released first) a model saved
 * by tsp_fcb_save() from the encoded items buf[0..len) (borrowed).
 * Every item is checked: a missing, malformed or inconsistent one is an
 * error.  Returns 0, or -1 with err set (TSP_EDATA, TSP_ENOMEM) and f
 * empty.
 */
int tsp_fcb_load(struct tsp_fcb *f, const unsigned char *buf, size_t len,
		 struct tsp_error *err);

/*
 * A short description of f in buf (size n, always NUL-terminated when
 * n > 0): "naive", "snaive(12)", "mean", "drift", "linear", "theta",
 * "theta(12, multiplicative)"; "none" for an empty model.
 */
void tsp_fcb_label(const struct tsp_fcb *f, char *buf, size_t n);

/* The method's name ("naive" ...), or NULL for a value out of range. */
const char *tsp_fcb_name(enum tsp_fcb_method method);

/* The method named name (as tsp_fcb_name spells it): 0, or -1 if none. */
int tsp_fcb_parse(const char *name, enum tsp_fcb_method *out);

#endif
