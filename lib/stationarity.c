/*
 * The KPSS and ADF stationarity tests, replicating tseries 0.10's
 * kpss.test and adf.test, including their table interpolation (R's
 * approx(rule = 2)).
 */
#include "tsp_stationarity.h"

#include <math.h>
#include <stdlib.h>

/*
 * R's approx(x, y, v, rule = 2) on x ascending (approx1 in approx.c): the
 * end values outside, exact knots returned as such, else linear.
 */
static double approx2(const double *x, const double *y, size_t n, double v)
{
	size_t i = 0, j = n - 1;

	if (v < x[0])
		return y[0];
	if (v > x[n - 1])
		return y[n - 1];
	while (i < j - 1) {
		size_t ij = (i + j) / 2;
		if (v < x[ij])
			j = ij;
		else
			i = ij;
	}
	if (v == x[j])
		return y[j];
	if (v == x[i])
		return y[i];
	return y[i] + (y[j] - y[i]) * ((v - x[i]) / (x[j] - x[i]));
}

int tsp_kpss(const double *y, size_t n, int trend, double *stat,
	     double *pvalue, int *lag, struct tsp_error *err)
{
	/* kpss.test's tables, sorted by statistic as approx() sorts them */
	static const double lev[4] = {0.347, 0.463, 0.574, 0.739};
	static const double trd[4] = {0.119, 0.146, 0.176, 0.216};
	static const double pv[4] = {0.1, 0.05, 0.025, 0.01};
	size_t m = 0;
	double *e;

	for (size_t i = 0; i < n; i++)
		m += !isnan(y[i]);
	if (m < 3)
		return tsp_error_set(err, TSP_EDATA,
				     "the KPSS test needs at least 3 values, "
				     "got %zu", m);
	e = malloc(m * sizeof(*e));
	if (!e)
		return tsp_error_set(err, TSP_ENOMEM, "out of memory");
	m = 0;
	for (size_t i = 0; i < n; i++)
		if (!isnan(y[i]))
			e[m++] = y[i];

	/* residuals of lm(x ~ 1) or lm(x ~ t), t = 1..m, centred */
	long double xb = 0.0L, sxx = 0.0L;
	for (size_t i = 0; i < m; i++)
		xb += e[i];
	xb /= (long double)m;
	for (size_t i = 0; i < m; i++)
		sxx += ((long double)e[i] - xb) * ((long double)e[i] - xb);
	long double b = 0.0L, tb = ((long double)m + 1.0L) / 2.0L;
	if (trend) {
		long double stt = 0.0L, stx = 0.0L;
		for (size_t i = 0; i < m; i++) {
			long double dt = (long double)(i + 1) - tb;
			stt += dt * dt;
			stx += dt * ((long double)e[i] - xb);
		}
		b = stx / stt;
	}
	long double sse = 0.0L, ss2 = 0.0L;
	double cum = 0.0;
	for (size_t i = 0; i < m; i++) {
		e[i] = (double)((long double)e[i] - xb -
				b * ((long double)(i + 1) - tb));
		sse += (long double)e[i] * e[i];
		cum += e[i];
		ss2 += (long double)cum * cum;
	}
	if (!(sxx > 0.0L) || sse <= 1e-24L * sxx) {
		free(e);
		return tsp_error_set(err, TSP_EDATA,
				     "the KPSS test is undefined for %s series",
				     trend ? "an exactly linear" : "a constant");
	}

	/* s2 plus tseries_pp_sum: Bartlett-weighted autocovariances */
	int l = (int)trunc(4.0 * pow((double)m / 100.0, 0.25));
	double s2 = (double)(sse / (long double)m), t1 = 0.0;
	for (int i = 1; i <= l; i++) {
		double t2 = 0.0;
		for (size_t j = (size_t)i; j < m; j++)
			t2 += e[j] * e[j - (size_t)i];
		t2 *= 1.0 - (double)i / ((double)l + 1.0);
		t1 += t2;
	}
	t1 /= (double)m;
	t1 *= 2.0;
	s2 += t1;
	free(e);

	double eta = (double)ss2 / ((double)m * (double)m);
	*stat = eta / s2;
	*pvalue = approx2(trend ? trd : lev, pv, 4, *stat);
	*lag = l;
	return 0;
}

/*
 * Add row w[0..p] (p regressors, then the response) to the triangular
 * factor r ((p+1) x (p+1), row-major) by Givens rotations; returns the
 * part of the response no regressor explains (its square adds to the RSS).
 */
static double givens_row(double *r, double *w, size_t p)
{
	size_t np = p + 1;

	for (size_t j = 0; j < p; j++) {
		double *rj = r + j * np;
		if (w[j] == 0.0)
			continue;
		double h = hypot(rj[j], w[j]);
		double c = rj[j] / h, s = w[j] / h;
		rj[j] = h;
		for (size_t k = j + 1; k <= p; k++) {
			double t = rj[k];
			rj[k] = c * t + s * w[k];
			w[k] = c * w[k] - s * t;
		}
	}
	return w[p];
}

int tsp_adf(const double *y, size_t n, double *stat, double *pvalue,
	    int *lag, struct tsp_error *err)
{
	/* adf.test's table: critical values (rows: sample size) */
	static const double tab[6][8] = {
		{4.38, 3.95, 3.60, 3.24, 1.14, 0.80, 0.50, 0.15},
		{4.15, 3.80, 3.50, 3.18, 1.19, 0.87, 0.58, 0.24},
		{4.04, 3.73, 3.45, 3.15, 1.22, 0.90, 0.62, 0.28},
		{3.99, 3.69, 3.43, 3.13, 1.23, 0.92, 0.64, 0.31},
		{3.98, 3.68, 3.42, 3.13, 1.24, 0.93, 0.65, 0.32},
		{3.96, 3.66, 3.41, 3.12, 1.25, 0.94, 0.66, 0.33},
	};
	static const double tabn[6] = {25, 50, 100, 250, 500, 100000};
	static const double tabp[8] = {0.01, 0.025, 0.05, 0.1,
				       0.9, 0.95, 0.975, 0.99};

	for (size_t i = 0; i < n; i++)
		if (!isfinite(y[i]))
			return tsp_error_set(err, TSP_EDATA,
					     "the ADF test needs a complete "
					     "series: value %zu is %s", i + 1,
					     isnan(y[i]) ? "missing" :
					     "infinite");
	if (n < 2)
		return tsp_error_set(err, TSP_EDATA,
				     "too short for the ADF test (%zu values)",
				     n);

	/* lm(yt ~ xt1 + 1 + tt + yt1): the rows t = k..ny of the differences */
	size_t K = (size_t)trunc(pow((double)(n - 1), 1.0 / 3.0));
	size_t ny = n - 1, k = K + 1, p = K + 3;
	if (ny < k || ny - k + 1 <= p)
		return tsp_error_set(err, TSP_EDATA,
				     "too short for the ADF test (%zu values)",
				     n);
	size_t rows = ny - k + 1, np = p + 1;
	double *r = calloc(np * np + np + p, sizeof(*r));
	if (!r)
		return tsp_error_set(err, TSP_ENOMEM, "out of memory");
	double *w = r + np * np, *norm = w + np;

	/*
	 * Columns: constant, trend, the K lagged differences, then the level
	 * x[t-1] last, so its t statistic is the last element of Q'y over
	 * the residual sd.  Trend and level are centred: the same fit and t
	 * statistic, better conditioned.
	 */
	long double xm = 0.0L;
	for (size_t i = 0; i < rows; i++)
		xm += y[k - 1 + i];
	xm /= (long double)rows;
	double tm = (double)(k + ny) / 2.0;
	double rss = 0.0;
	for (size_t i = 0; i < rows; i++) {
		size_t t = k - 1 + i;	/* 0-based index of the difference */
		w[0] = 1.0;
		w[1] = (double)(t + 1) - tm;
		for (size_t j = 1; j <= K; j++)
			w[1 + j] = y[t - j + 1] - y[t - j];
		w[p - 1] = (double)((long double)y[t] - xm);
		w[p] = y[t + 1] - y[t];
		for (size_t j = 0; j < p; j++)
			norm[j] += w[j] * w[j];
		double res = givens_row(r, w, p);
		rss += res * res;
	}
	/* a column (nearly) in the span of the others: R drops it */
	for (size_t j = 0; j < p; j++) {
		double rjj = r[j * np + j];
		if (!(rjj * rjj > 1e-14 * norm[j]) || !(rss > 0.0)) {
			free(r);
			return tsp_error_set(err, TSP_EDATA,
					     "the ADF regression is singular "
					     "(constant, exactly linear or "
					     "exactly periodic series)");
		}
	}
	double sigma = sqrt(rss / (double)(rows - p));
	*stat = r[(p - 1) * np + p] / sigma;
	free(r);

	double ipl[8];
	for (size_t c = 0; c < 8; c++) {
		double col[6];
		for (size_t i = 0; i < 6; i++)
			col[i] = -tab[i][c];
		ipl[c] = approx2(tabn, col, 6, (double)ny);
	}
	*pvalue = approx2(ipl, tabp, 8, *stat);
	*lag = (int)K;
	return 0;
}
