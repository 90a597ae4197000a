/*
 * R's initstate() and admissible() for the ETS fit.
 */
#include <math.h>
#include <stdint.h>
#include <string.h>

#include <gsl/gsl_math.h>	/* M_PI */

#include "ets_impl.h"

/* ---- R's initstate() -------------------------------------------------- */

/* Solve the k x k system a x = b (k <= 4) by Gaussian elimination with
 * partial pivoting; -1 if singular. */
int ets_solve_small(double *a, double *b, int k)
{
	for (int c = 0; c < k; c++) {
		int p = c;
		for (int r = c + 1; r < k; r++)
			if (fabs(a[r * k + c]) > fabs(a[p * k + c]))
				p = r;
		if (!(fabs(a[p * k + c]) > 0.0))
			return -1;
		if (p != c) {
			for (int j = 0; j < k; j++) {
				double t = a[c * k + j];
				a[c * k + j] = a[p * k + j];
				a[p * k + j] = t;
			}
			double t = b[c];
			b[c] = b[p];
			b[p] = t;
		}
		for (int r = c + 1; r < k; r++) {
			double f = a[r * k + c] / a[c * k + c];
			for (int j = c; j < k; j++)
				a[r * k + j] -= f * a[c * k + j];
			b[r] -= f * b[c];
		}
	}
	for (int c = k - 1; c >= 0; c--) {
		double s = b[c];
		for (int j = c + 1; j < k; j++)
			s -= a[c * k + j] * b[j];
		b[c] = s / a[c * k + c];
	}
	return 0;
}

/* Least squares of y[0..n) on (1, t[, sin, cos of 2 pi t/m]), t = 1..n,
 * over the non-missing points: coef[0..k).  -1 if not identified. */
static int trend_fit(const double *y, size_t n, size_t m, int fourier,
		     double *coef)
{
	double a[16] = {0}, b[4] = {0}, row[4];
	int k = fourier ? (m == 2 ? 3 : 4) : 2;
	size_t used = 0;

	for (size_t i = 0; i < n; i++) {
		if (isnan(y[i]))
			continue;
		double t = (double)(i + 1);
		int c = 0;
		row[c++] = 1.0;
		row[c++] = t;
		if (fourier) {
			/* 2 pi t / m reduced exactly first, as R's sinpi */
			double ph = (double)((2 * (i + 1)) % (2 * m)) / (double)m;
			if (m != 2)
				row[c++] = sin(M_PI * ph);
			row[c++] = cos(M_PI * ph);
		}
		for (int r = 0; r < k; r++) {
			for (int j = 0; j < k; j++)
				a[r * k + j] += row[r] * row[j];
			b[r] += row[r] * y[i];
		}
		used++;
	}
	if (used < (size_t)k || ets_solve_small(a, b, k) < 0)
		return -1;
	memcpy(coef, b, (size_t)k * sizeof(double));
	return 0;
}

/*
 * R's initstate(): x = l0, [b0], s1..s(m-1) (the last seasonal state is
 * implied).  Missing values are left out of every mean and regression.
 * Returns the count, or -1 (R fails: too few data).  ysa is scratch (n).
 */
int ets_initstate(const double *y, size_t n, int trend, int season,
		  size_t m, double *x, double *ysa)
{
	size_t k = 0, maxn;

	if (season != TSP_ETS_N) {
		double *seas = ysa;	/* seasonal, then y.sa, in place */
		double fig[TSP_ETS_MAXM];
		if (n < 4)
			return -1;
		if (n < 3 * m) {
			double c[4];
			if (trend_fit(y, n, m, 1, c) < 0)
				return -1;
			for (size_t i = 0; i < n; i++) {
				double tr = c[0] + c[1] * (double)(i + 1);
				seas[i] = season == TSP_ETS_A ? y[i] - tr : y[i] / tr;
			}
		} else {
			/* decompose(): centred moving average, mean
			   detrended value per position, centred figure */
			size_t h = m / 2;
			double sum[TSP_ETS_MAXM] = {0}, mean = 0.0;
			size_t cnt[TSP_ETS_MAXM] = {0};
			for (size_t i = h; i + h < n; i++) {
				double tr = 0.0;
				if (m % 2 == 0) {
					tr = 0.5 * (y[i - h] + y[i + h]);
					for (size_t j = i - h + 1; j < i + h; j++)
						tr += y[j];
				} else {
					for (size_t j = i - h; j <= i + h; j++)
						tr += y[j];
				}
				tr /= (double)m;
				double d = season == TSP_ETS_A ? y[i] - tr : y[i] / tr;
				if (isnan(d))
					continue;
				sum[i % m] += d;
				cnt[i % m]++;
			}
			for (size_t j = 0; j < m; j++) {
				if (cnt[j] == 0)
					return -1;
				fig[j] = sum[j] / (double)cnt[j];
				mean += fig[j];
			}
			mean /= (double)m;
			for (size_t j = 0; j < m; j++)
				fig[j] = season == TSP_ETS_A ? fig[j] - mean
							     : fig[j] / mean;
			for (size_t i = 0; i < n; i++)
				seas[i] = fig[i % m];
		}
		/* s1..s(m-1) = seasonal[m-1], ..., seasonal[1] */
		for (size_t j = 0; j + 1 < m; j++) {
			double v = seas[m - 1 - j];
			if (isnan(v))
				v = season == TSP_ETS_A ? 0.0 : 1.0;
			x[1 + (trend != TSP_ETS_N) + j] = v;
		}
		if (season == TSP_ETS_M) {
			double s = 0.0, s2 = 0.0;
			double *is = x + 1 + (trend != TSP_ETS_N);
			for (size_t j = 0; j + 1 < m; j++) {
				is[j] = fmax(is[j], 0.01);
				s += is[j];
				s2 += is[j] + 0.01;
			}
			if (s > (double)m)
				for (size_t j = 0; j + 1 < m; j++)
					is[j] /= s2;
			for (size_t i = 0; i < n; i++)
				ysa[i] = y[i] / fmax(seas[i], 0.01);
		} else {
			for (size_t i = 0; i < n; i++)
				ysa[i] = y[i] - seas[i];
		}
	} else {
		m = 1;
		memcpy(ysa, y, n * sizeof(double));
	}
	maxn = 2 * m > 10 ? 2 * m : 10;
	if (maxn > n)
		maxn = n;
	if (trend == TSP_ETS_N) {
		double s = 0.0;
		size_t c = 0;
		for (size_t i = 0; i < maxn; i++)
			if (!isnan(ysa[i])) {
				s += ysa[i];
				c++;
			}
		if (c == 0)
			return -1;
		x[0] = s / (double)c;
		k = 1;
	} else {
		double c[2], l0, b0;
		if (trend_fit(ysa, maxn, 1, 0, c) < 0)
			return -1;
		if (trend == TSP_ETS_A) {
			l0 = c[0];
			b0 = c[1];
			if (fabs(l0 + b0) < 1e-8) {
				l0 *= 1.001;
				b0 *= 0.999;
			}
		} else {
			l0 = c[0] + c[1];
			if (fabs(l0) < 1e-8)
				l0 = 1e-7;
			b0 = (c[0] + 2.0 * c[1]) / l0;
			l0 = l0 / b0;
			if (fabs(b0) > 1e10)
				b0 = b0 > 0 ? 1e10 : -1e10;
			if (l0 < 1e-8 || b0 < 1e-8) {
				/* R takes y.sa[1], y.sa[2] as they are */
				l0 = fmax(ysa[0], 0.001);
				b0 = fmax(ysa[1] / ysa[0], 0.001);
			}
		}
		x[0] = l0;
		x[1] = b0;
		k = 2;
	}
	if (season != TSP_ETS_N)
		k += m - 1;
	return (int)k;
}

/* ---- admissibility ---------------------------------------------------- */

/*
 * 1/2^e for x = f 2^e, 1 <= |f| < 2: a power of two, so that scaling by
 * it is exact; made from x's exponent bits, without a division.  Meant
 * for normal numbers: a subnormal gets 2^1023, the largest exponent 0
 * and an infinity -inf, after which roots_inside's next test fails.
 */
static double inv_pow2(double x)
{
	uint64_t b;

	memcpy(&b, &x, sizeof(b));
	b = (UINT64_C(0x7fe) << 52) - (b & (UINT64_C(0x7ff) << 52));
	memcpy(&x, &b, sizeof(x));
	return x;
}

/*
 * Are all roots of a[0] + a[1] z + ... + a[d] z^d within |z| <= 1+1e-10
 * (R's test on polyroot())?  Schur-Cohn on the polynomial in z/(1+1e-10):
 * O(d^2), no root finding.  Each step needs |a[0]| < |a[d]| and goes on
 * with a[d] a[j+1] - a[0] a[d-1-j], j < d; the test does not depend on
 * the polynomial's scale, so a[0] and a[d] are first scaled by a power
 * of two (exactly) to keep the numbers in range: no division on the
 * chain from one step to the next.
 */
static int roots_inside(const double *a0, int d)
{
	double buf[2][TSP_ETS_MAXM + 2], *a = buf[0], *t = buf[1];
	double p1 = 0.0, sz = 0.0;

	/* A root at 1 (no trend, or beta 0, undamped: the level's unit
	   root) sits on the circle, where R's polyroot accepts it but
	   Schur-Cohn is at the mercy of rounding: divide it out first. */
	for (int k = 0; k <= d; k++) {
		p1 += a0[k];
		sz += fabs(a0[k]);
	}
	if (fabs(p1) <= 1e-13 * sz) {
		double c = a0[d];
		a[d - 1] = c;
		for (int k = d - 1; k >= 1; k--) {
			c = a0[k] + c;
			a[k - 1] = c;
		}
		d--;
	} else {
		memcpy(a, a0, (size_t)(d + 1) * sizeof(double));
	}
	/* (1 + 1e-10)^k is 1 + k 1e-10 to well within a rounding for
	   k <= 26: no chain of products */
	for (int k = 0; k <= d; k++)
		a[k] *= 1.0 + (double)k * 1e-10;
	/* the next step's a[d] and a[0] come from registers, not from
	   what was stored: the chain from step to step is a few
	   operations long */
	for (double lead = a[d], c0 = a[0]; d > 0; d--) {
		double sc, l, c, *w;
		if (!(fabs(c0) < fabs(lead)))
			return 0;
		sc = inv_pow2(lead);
		l = lead * sc;
		c = c0 * sc;
		for (int j = 0; j < d; j++)
			t[j] = l * a[j + 1] - c * a[d - 1 - j];
		lead = l * lead - c * c0;	/* t[d-1]: a[d] a[d] - a[0] a[0] */
		c0 = l * a[1] - c * a[d - 1];	/* t[0] */
		w = a;
		a = t;
		t = w;
	}
	return 1;
}

/* R's admissible() for a seasonal model (the non-seasonal conditions
 * always hold inside the usual bounds). */
int ets_admissible_seasonal(double alpha, double beta, double gamma,
			    double phi, size_t m)
{
	double p[TSP_ETS_MAXM + 2], d = 1.0 - 1.0 / phi - alpha;

	if (gamma < (d > 0 ? d : 0) || gamma > 1.0 + 1.0 / phi - alpha)
		return 0;
	if (alpha < 1.0 - 1.0 / phi - gamma * (1.0 - (double)m + phi
			+ phi * (double)m) / (2.0 * phi * (double)m))
		return 0;
	if (beta < -(1.0 - phi) * (gamma / (double)m + alpha))
		return 0;
	p[0] = phi * (1.0 - alpha - gamma);
	p[1] = alpha + beta - alpha * phi + gamma - 1.0;
	for (size_t k = 2; k < m; k++)
		p[k] = alpha + beta - alpha * phi;
	p[m] = alpha + beta - phi;
	p[m + 1] = 1.0;
	return roots_inside(p, (int)m + 1);
}

