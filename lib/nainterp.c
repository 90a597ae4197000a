/*
 * forecast::na.interp(): the regression's first guess, a robust MSTL
 * for the seasonal component, linear interpolation of the rest.
 */
#include "tsp_nainterp.h"

#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

/*
 * out[t] = v[t] where mask[t] is not NaN, linear interpolation between
 * those points, the nearest one's value beyond them (R's approx(rule =
 * 2)).  out may be v.  mask has 2 non-NaN values or more.
 */
static void interp_gaps(const double *mask, const double *v, size_t n,
			double *out)
{
	size_t a = 0, b, t;

	while (isnan(mask[a]))
		a++;
	for (t = 0; t <= a; t++)
		out[t] = v[a];
	for (;;) {
		for (b = a + 1; b < n && isnan(mask[b]); b++)
			;
		if (b == n)
			break;
		for (t = a + 1; t < b; t++)
			out[t] = v[a] + (v[b] - v[a]) *
				 ((double)(t - a) / (double)(b - a));
		out[b] = v[b];
		a = b;
	}
	for (t = a + 1; t < n; t++)
		out[t] = v[a];
}

#define TWO_PI 6.283185307179586476925287
#define MAX_K 20	/* Fourier pairs per period, as na.interp */
#define MAX_DEG 6	/* degree of the polynomial in time */
#define MAX_COLS (1 + 2 * MAX_K * TSP_MSTL_MAXP + MAX_DEG)
/* A column whose part not explained by the ones before is below this
   (squared, relative) is left out, as lm() leaves out aliased ones. */
#define ALIAS_TOL 1e-12

/*
 * na.interp's regression: an intercept, forecast::fourier(x, K) (a
 * frequency met before is skipped, and so is the sine of frequency 1/2)
 * and poly(t, deg).  Column c is the cosine (freq[c] > 0) or sine (< 0)
 * of frequency |freq[c]|/per[c]; or, with per[c] 0, the polynomial of
 * degree freq[c] (Legendre's on [-1, 1], which span what poly() spans,
 * well conditioned).  Returns the number of columns.
 */
static int design(const size_t *per, size_t m, size_t n, long *freq,
		  size_t *cper)
{
	size_t kmax = m == 1 ? 5 : MAX_K;
	int nc = 0, deg = n < 20 ? 1 : n / 10 > MAX_DEG ? MAX_DEG : (int)(n / 10);

	freq[nc] = 0;
	cper[nc++] = 0;
	for (size_t i = 0; i < m; i++) {
		size_t K = per[i] / 2 < kmax ? per[i] / 2 : kmax;
		for (size_t k = 1; k <= K; k++) {
			int c = 0;
			while (c < nc && !(cper[c] && freq[c] > 0 &&
			       k * cper[c] == (size_t)freq[c] * per[i]))
				c++;
			if (c < nc)
				continue;
			if (2 * k != per[i]) {
				freq[nc] = -(long)k;
				cper[nc++] = per[i];
			}
			freq[nc] = (long)k;
			cper[nc++] = per[i];
		}
	}
	for (int k = 1; k <= deg; k++) {
		freq[nc] = k;
		cper[nc++] = 0;
	}
	return nc;
}

static void design_row(const long *freq, const size_t *cper, int nc,
		       size_t n, size_t t, double *row)
{
	double leg[MAX_DEG + 1], s = (2.0 * (double)t - (double)(n - 1)) /
				     (double)(n - 1);

	leg[0] = 1.0;
	leg[1] = s;
	for (int k = 1; k < MAX_DEG; k++)
		leg[k + 1] = ((2 * k + 1) * s * leg[k] - k * leg[k - 1]) /
			     (k + 1);
	for (int c = 0; c < nc; c++) {
		size_t P = cper[c], k = (size_t)labs(freq[c]);
		/* 2*pi*k*(t+1)/P, reduced exactly (R uses sinpi) */
		double a = P ? TWO_PI * (double)(k * ((t + 1) % P) % P) /
			       (double)P : 0.0;
		row[c] = !P ? leg[k] : freq[c] > 0 ? cos(a) : sin(a);
	}
}

/*
 * na.interp's first guess: x[t] for each missing y[t] from the least-
 * squares fit to the others, by sweeping the normal equations of unit-
 * scaled columns (nearly orthogonal): a quarter of a QR's work, and no
 * n-by-p matrix.  Returns 0, or -1 with err set.
 */
static int regression_guess(const double *y, size_t n, const size_t *per,
			    size_t m, double *x, struct tsp_error *err)
{
	long freq[MAX_COLS];
	size_t cper[MAX_COLS], p = (size_t)design(per, m, n, freq, cper);
	size_t q = p + 1;	/* M = [X'X X'y] */
	double *M, *sc, *row;

	if (!(M = calloc(q * q + 2 * q, sizeof(double))))
		return tsp_error_set(err, TSP_ENOMEM, "out of memory");
	sc = M + q * q;
	row = sc + q;
	for (size_t t = 0; t < n; t++) {
		if (isnan(y[t]))
			continue;
		design_row(freq, cper, (int)p, n, t, row);
		row[p] = y[t];
		for (size_t i = 0; i < p; i++)
			for (size_t j = i; j < q; j++)
				M[i * q + j] += row[i] * row[j];
	}
	for (size_t i = 0; i < p; i++)
		sc[i] = M[i * q + i] > 0.0 ? 1.0 / sqrt(M[i * q + i]) : 0.0;
	for (size_t i = 0; i < p; i++)
		for (size_t j = i; j < q; j++) {
			M[i * q + j] *= sc[i] * (j < p ? sc[j] : 1.0);
			M[j * q + i] = M[i * q + j];
		}
	for (size_t k = 0; k < p; k++) {
		/* the pivot is what column k adds to the ones before */
		double d = M[k * q + k];
		if (d <= ALIAS_TOL) {
			sc[k] = 0.0;
			continue;
		}
		for (size_t j = 0; j < q; j++)
			M[k * q + j] /= d;
		for (size_t i = 0; i < q; i++) {
			double f = M[i * q + k];
			if (i == k || f == 0.0)
				continue;
			for (size_t j = 0; j < q; j++)
				M[i * q + j] -= f * M[k * q + j];
			M[i * q + k] = -f / d;
		}
		M[k * q + k] = 1.0 / d;
	}
	for (size_t t = 0; t < n; t++) {
		double v = 0.0;
		if (!isnan(y[t]))
			continue;
		design_row(freq, cper, (int)p, n, t, row);
		for (size_t j = 0; j < p; j++)
			v += M[j * q + p] * sc[j] * row[j];
		x[t] = v;
	}
	free(M);
	return 0;
}

/*
 * The seasonal fill of y (non-missing values in [lo, hi], more than
 * twice the largest period, so that tsp_mstl() keeps every period) for
 * periods per[0..m) (ascending), written to y only once it is known to
 * succeed.  tsp_mstl() calls tsp_nainterp() in turn, as R's mstl() calls
 * na.interp(), but on x, which has no gaps left.
 */
static int seasonal_fill(double *y, size_t n, double lo, double hi,
			 const size_t *per, size_t m, struct tsp_error *err)
{
	struct tsp_mstl_opts o;
	double *x, *trend, *sa, *seas, range = hi - lo;
	size_t t;

	if (n > SIZE_MAX / sizeof(double) / (3 + m) ||
	    !(x = malloc((3 + m) * n * sizeof(double))))
		return tsp_error_set(err, TSP_ENOMEM, "out of memory");
	trend = x + n;
	sa = trend + n;
	seas = sa + n;
	memcpy(x, y, n * sizeof(double));
	if (regression_guess(y, n, per, m, x, err) < 0)
		goto fail;
	/* mstl(x, robust = TRUE): default windows, with a single period a
	   ts to R (one iteration) */
	tsp_mstl_opts_default(&o);
	o.np = m;
	memcpy(o.period, per, m * sizeof(*per));
	o.robust = 1;
	if (tsp_mstl(x, n, &o, trend, seas, sa, NULL, err) < 0)
		goto fail;
	/* seasonally adjusted (as trend + remainder), interpolated across
	   the gaps, plus the seasonal */
	for (t = 0; t < n; t++)
		sa[t] = trend[t] + sa[t];
	interp_gaps(y, sa, n, sa);
	for (t = 0; t < n; t++) {
		if (!isnan(y[t]))
			continue;
		x[t] = sa[t];
		for (size_t i = 0; i < m; i++)
			x[t] += seas[i * n + t];
	}
	for (t = 0; t < n; t++)
		if (x[t] > hi + 0.5 * range || x[t] < lo - 0.5 * range)
			break;
	if (t < n)	/* gone astray: plain linear interpolation */
		interp_gaps(y, y, n, y);
	else
		memcpy(y, x, n * sizeof(double));
	free(x);
	return 0;
fail:
	free(x);
	return -1;
}

int tsp_nainterp(double *y, size_t n, const size_t *period, size_t np,
		 struct tsp_error *err)
{
	size_t per[TSP_MSTL_MAXP], nobs = 0, i, t;
	double lo = INFINITY, hi = -INFINITY;

	if (np > TSP_MSTL_MAXP)
		return tsp_error_set(err, TSP_EUSAGE,
				     "number of periods must be 0 to %d, not %zu",
				     TSP_MSTL_MAXP, np);
	for (i = 0; i < np; i++) {
		size_t j = i;
		if (period[i] < 2)
			return tsp_error_set(err, TSP_EUSAGE,
					     "period must be at least 2, not %zu",
					     period[i]);
		/* ascending, as msts() keeps the periods */
		for (; j > 0 && per[j - 1] > period[i]; j--)
			per[j] = per[j - 1];
		per[j] = period[i];
	}
	for (t = 0; t < n; t++) {
		if (isinf(y[t]))
			return tsp_error_set(err, TSP_EDATA,
					     "non-finite value %s at point %zu",
					     y[t] > 0 ? "Inf" : "-Inf", t + 1);
		if (!isnan(y[t])) {
			nobs++;
			lo = fmin(lo, y[t]);
			hi = fmax(hi, y[t]);
		}
	}
	if (nobs < 2)
		return tsp_error_set(err, TSP_EDATA,
				     "series has %zu non-missing value%s (needs at least 2)",
				     nobs, nobs == 1 ? "" : "s");
	if (nobs == n)
		return 0;
	/* too few values for more than a line (nobs <= 2 * max period) */
	if (np == 0 || (nobs + 1) / 2 <= per[np - 1]) {
		interp_gaps(y, y, n, y);
		return 0;
	}
	return seasonal_fill(y, n, lo, hi, per, np, err);
}
