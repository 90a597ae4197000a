/*
 * The theta method's estimation, as forecast::thetaf() (8.20) does it:
 * a seasonality test on the autocorrelation at lag m, a classical
 * multiplicative decomposition (stats::decompose) when it passes, then
 * ses() on the seasonally adjusted series and half the slope of its
 * least-squares line as the drift.
 *
 * ses() is ets(x, "ANN", opt.crit = "mse"): alpha in [1e-4, 0.9999] and
 * the initial level l0 minimising the sum of squared one-step errors.
 * Given alpha every error is linear in l0 (the level is a weighted sum
 * of l0 and the data), so l0 has a closed form and only alpha needs a
 * search: a grid finds the basin, golden sections polish it.  R's
 * Nelder-Mead over (alpha, l0) stops near, not at, that optimum, so our
 * sum of squares is never above R's and the parameters differ slightly.
 * For n <= 6 ets() hands over to HoltWinters(): l0 is the first value,
 * alpha in [0, 1] minimises the same sum.
 */
#include <math.h>
#include <stdlib.h>

#include "fcbase_impl.h"

#define QNORM95 1.6448536269514722	/* qnorm(0.95) */
#define GRID 200

/* Where R's optimisers start alpha: used when the sum of squares does not
 * depend on alpha (initparam(): lower + 0.2 (upper - lower)). */
#define START(lo, hi) ((lo) + 0.2 * ((hi) - (lo)))

/* A series and how its initial level is chosen. */
struct ses_data {
	const double *x;	/* NaN = missing */
	size_t n;
	int fixed_l0;		/* HoltWinters: l0 = first observed value */
	double first;		/* that value */
};

/*
 * Sum of squared one-step errors for alpha, with l0 fixed or optimal
 * (returned in *l0).  The optimal l0: with the level written as
 * A_t + B_t l0, the errors are u_t - B_t l0, a least-squares fit in l0.
 * The sum itself is then taken from a second, plain pass rather than
 * from the normal equations, which cancel badly when the fit is good.
 */
static double ses_sse(const struct ses_data *d, double alpha, double *l0)
{
	double lev, sse = 0.0;

	if (d->fixed_l0) {
		*l0 = d->first;
	} else {
		double A = 0.0, B = 1.0, sub = 0.0, sbb = 0.0;

		for (size_t t = 0; t < d->n; t++) {
			double u;

			if (isnan(d->x[t]))
				continue;
			u = d->x[t] - A;
			sub += u * B;
			sbb += B * B;
			A += alpha * u;
			B *= 1.0 - alpha;
		}
		*l0 = sub / sbb;
	}
	lev = *l0;
	for (size_t t = 0; t < d->n; t++) {
		double e;

		if (isnan(d->x[t]))
			continue;
		e = d->x[t] - lev;
		sse += e * e;
		lev += alpha * e;
	}
	return sse;
}

/* alpha minimising ses_sse over [lo, hi]. */
static double ses_alpha(const struct ses_data *d, double lo, double hi)
{
	const double g = 0.5 * (sqrt(5.0) - 1.0);
	double best = INFINITY, worst = 0.0, l0, a, b, c, e, fc, fe;
	size_t ib = 0;

	for (size_t i = 0; i <= GRID; i++) {
		double v = ses_sse(d, lo + (hi - lo) * (double)i / GRID, &l0);

		if (v < best) {
			best = v;
			ib = i;
		}
		worst = fmax(worst, v);
	}
	if (!(worst - best > 1e-13 * worst))
		return START(lo, hi);
	a = lo + (hi - lo) * (double)(ib ? ib - 1 : 0) / GRID;
	b = lo + (hi - lo) * (double)(ib < GRID ? ib + 1 : GRID) / GRID;
	c = b - g * (b - a);
	e = a + g * (b - a);
	fc = ses_sse(d, c, &l0);
	fe = ses_sse(d, e, &l0);
	while (b - a > 1e-12) {
		if (fc <= fe) {
			b = e;
			e = c;
			fe = fc;
			c = b - g * (b - a);
			fc = ses_sse(d, c, &l0);
		} else {
			a = c;
			c = e;
			fc = fe;
			e = a + g * (b - a);
			fe = ses_sse(d, e, &l0);
		}
	}
	/* The grid point may beat the polished one at a bound. */
	a = 0.5 * (a + b);
	c = lo + (hi - lo) * (double)ib / GRID;
	return ses_sse(d, a, &l0) <= best ? a : c;
}

/*
 * thetaf's test: the autocorrelation at lag m against its standard
 * error under the hypothesis of no autocorrelation beyond lag m - 1
 * (Bartlett), one-sided at 90%.  Missing values: sums over the pairs
 * both observed, normalised by the observed variance.
 */
static int seasonal_test(const double *y, size_t n, size_t m, size_t nobs)
{
	double mean = 0.0, c0 = 0.0, rm = 0.0, s2 = 0.0, first = NAN;
	size_t k = 0;
	int constant = 1;

	for (size_t t = 0; t < n; t++)
		if (!isnan(y[t])) {
			k++;
			mean += (y[t] - mean) / (double)k;
			if (isnan(first))
				first = y[t];
			else if (y[t] != first)
				constant = 0;
		}
	if (constant)
		return 0;
	for (size_t t = 0; t < n; t++)
		if (!isnan(y[t]))
			c0 += (y[t] - mean) * (y[t] - mean);
	for (size_t lag = 1; lag <= m; lag++) {
		double c = 0.0;

		for (size_t t = 0; t + lag < n; t++)
			if (!isnan(y[t]) && !isnan(y[t + lag]))
				c += (y[t] - mean) * (y[t + lag] - mean);
		if (lag < m)
			s2 += (c / c0) * (c / c0);
		else
			rm = c / c0;
	}
	return fabs(rm) / sqrt((1.0 + 2.0 * s2) / (double)nobs) > QNORM95;
}

/*
 * stats::decompose(type = "multiplicative")'s seasonal figure into
 * fig[m]: the centred moving average of m (2 x m when m is even) as the
 * trend, the mean of y / trend at each position of the season (missing
 * ones left out), scaled to average 1.  Returns 0, or -1 when a position
 * has no ratio or the figure is not finite or near zero: thetaf then
 * uses the non-seasonal method.
 */
static int decompose(const double *y, size_t n, size_t m, double *fig)
{
	size_t half = m / 2, len = 2 * half + 1;
	double w = 1.0 / (double)m, tot = 0.0;
	size_t *cnt = calloc(m, sizeof(size_t));

	if (!cnt)
		return -2;
	for (size_t s = 0; s < m; s++)
		fig[s] = 0.0;
	for (size_t t = half; t + half < n; t++) {
		double tr = 0.0, r;

		/* R's filter(): the weights against y[t+half] down to
		 * y[t-half], ends halved when m is even. */
		for (size_t j = 0; j < len; j++) {
			double wj = (m % 2 == 0 && (j == 0 || j == len - 1)) ?
				0.5 * w : w;
			tr += wj * y[t + half - j];
		}
		r = y[t] / tr;
		if (isnan(r))
			continue;
		cnt[t % m]++;
		fig[t % m] += (r - fig[t % m]) / (double)cnt[t % m];
	}
	for (size_t s = 0; s < m; s++) {
		if (!cnt[s]) {
			free(cnt);
			return -1;
		}
		tot += fig[s];
	}
	free(cnt);
	tot /= (double)m;
	for (size_t s = 0; s < m; s++) {
		fig[s] /= tot;
		if (!isfinite(fig[s]) || fabs(fig[s]) < 1e-4)
			return -1;
	}
	return 0;
}

int tsp_fcb_theta_estimate(struct tsp_fcb *f, const double *y, size_t n,
			   size_t m, struct tsp_error *err)
{
	struct ses_data d;
	double *x, tbar = 0.0, xbar = 0.0, stt = 0.0, stx = 0.0, l0, sse;
	size_t nobs = 0, k = 0;

	for (size_t t = 0; t < n; t++)
		nobs += !isnan(y[t]);
	f->m = 1;
	f->val = NULL;
	if (m > 1 && n > 2 * m && seasonal_test(y, n, m, nobs)) {
		double *fig = malloc(m * sizeof(double));
		int rc;

		if (!fig)
			return tsp_error_set(err, TSP_ENOMEM, "out of memory");
		rc = decompose(y, n, m, fig);
		if (rc == -2) {
			free(fig);
			return tsp_error_set(err, TSP_ENOMEM, "out of memory");
		}
		if (rc == 0) {
			f->m = m;
			f->val = fig;
		} else {
			free(fig);
		}
	}
	x = malloc((n ? n : 1) * sizeof(double));
	if (!x)
		return tsp_error_set(err, TSP_ENOMEM, "out of memory");
	for (size_t t = 0; t < n; t++)
		x[t] = f->m > 1 ? y[t] / f->val[t % f->m] : y[t];

	d.x = x;
	d.n = n;
	d.fixed_l0 = n <= 6;
	d.first = NAN;
	for (size_t t = 0; t < n && isnan(d.first); t++)
		d.first = x[t];
	f->alpha = d.fixed_l0 ? ses_alpha(&d, 0.0, 1.0) :
		ses_alpha(&d, 1e-4, 0.9999);
	sse = ses_sse(&d, f->alpha, &l0);
	f->level = l0;
	/* ets() divides by n minus its 2 parameters (alpha, l0);
	 * HoltWinters() takes the mean, its first error being 0. */
	f->sigma2 = d.fixed_l0 ? sse / (double)nobs :
		sse / ((double)nobs - 2.0);
	if (nobs <= 2 && !d.fixed_l0)
		f->sigma2 = NAN;
	f->alpha = fmax(f->alpha, 1e-10);

	for (size_t t = 0; t < n; t++)
		if (!isnan(x[t])) {
			double dt;

			k++;
			dt = (double)t - tbar;
			tbar += dt / (double)k;
			xbar += (x[t] - xbar) / (double)k;
			stt += dt * ((double)t - tbar);
			stx += dt * (x[t] - xbar);
		}
	f->slope = stx / stt / 2.0;
	free(x);
	return 0;
}
