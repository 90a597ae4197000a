/*
 * Box-Cox transform and Guerrero's lambda, replicating forecast 8.x.
 *
 * Agreement with R to rounding needs R's arithmetic where it differs from
 * the obvious: mean() and var() accumulate in long double with a second
 * correcting pass, `^` goes through R_pow (x^2 is x*x), and optimize()
 * is Brent's fmin with R's exact update order (a tie fu <= fx counts as
 * an improvement, so on a flat criterion the search walks to the upper
 * end).
 */
#include "tsp_boxcox.h"

#include <float.h>
#include <math.h>
#include <stdlib.h>

/* R's `^` (arithmetic.c R_POW / R_pow) for the finite cases we meet. */
static double r_pow(double x, double y)
{
	if (y == 2.0)
		return x * x;
	if (x == 1.0 || y == 0.0)
		return 1.0;
	if (x == 0.0) {
		if (y > 0.0)
			return 0.0;
		if (y < 0.0)
			return INFINITY;
		return y;
	}
	return pow(x, y);
}

/*
 * mean(x[0..n, step], na.rm = TRUE): R drops NA first, then sums in long
 * double and corrects with the mean residual (summary.c real_mean).
 */
static double r_mean(const double *x, size_t n)
{
	long double s = 0.0L;
	size_t m = 0;

	for (size_t i = 0; i < n; i++) {
		if (isnan(x[i]))
			continue;
		s += x[i];
		m++;
	}
	if (m == 0)
		return NAN;
	if (isfinite((double)s)) {
		s /= (long double)m;
	} else {
		/* perhaps only the sum overflowed: R sums x/n instead */
		long double t = 0.0L;
		for (size_t i = 0; i < n; i++)
			if (!isnan(x[i]))
				t += x[i] / (double)m;
		s = t;
	}
	if (isfinite((double)s)) {
		long double t = 0.0L;
		for (size_t i = 0; i < n; i++)
			if (!isnan(x[i]))
				t += (long double)x[i] - s;
		s += t / (long double)m;
	}
	return (double)s;
}

/*
 * sd(x, na.rm = TRUE) = sqrt(var(x, use = "na.or.complete")), as cov.c
 * computes it: a long double mean with a correcting pass, rounded to
 * double, then squared deviations from it in long double, over m - 1.
 */
static double r_sd(const double *x, size_t n)
{
	long double sum = 0.0L, mean;
	size_t m = 0;

	for (size_t i = 0; i < n; i++) {
		if (isnan(x[i]))
			continue;
		sum += x[i];
		m++;
	}
	if (m < 2)
		return NAN;
	mean = sum / (long double)m;
	if (isfinite((double)mean)) {
		sum = 0.0L;
		for (size_t i = 0; i < n; i++)
			if (!isnan(x[i]))
				sum += (long double)x[i] - mean;
		mean = mean + sum / (long double)m;
	}
	long double xm = (double)mean;
	sum = 0.0L;
	for (size_t i = 0; i < n; i++) {
		if (isnan(x[i]))
			continue;
		long double d = x[i] - xm;
		sum += d * d;
	}
	return sqrt((double)(sum / (long double)(m - 1)));
}

struct guer {
	const double *x;	/* the last ncol * p points of the series */
	size_t p, ncol;
	double *mean, *sd;	/* per column, computed once */
	double *rat;		/* scratch: the ratios for one lambda */
};

/*
 * forecast:::guer.cv.  The column means and sds do not depend on lambda,
 * so they are computed once; R recomputes them, with the same result.
 */
static double guer_cv(double lam, const struct guer *g)
{
	double e = 1.0 - lam;

	for (size_t j = 0; j < g->ncol; j++)
		g->rat[j] = g->sd[j] / r_pow(g->mean[j], e);
	return r_sd(g->rat, g->ncol) / r_mean(g->rat, g->ncol);
}

/* optimize()'s wrapper (optimize.c fcn1): NA and Inf become DBL_MAX. */
static double objective(double lam, const struct guer *g)
{
	double v = guer_cv(lam, g);
	return isfinite(v) ? v : DBL_MAX;
}

/*
 * Brent's fmin as in R (src/library/stats/src/optimize.c Brent_fmin):
 * golden section and parabolic steps over [ax, bx].  Kept statement for
 * statement in R's order, because any reordering (for instance of the
 * fu == fx tie, which updates both ends) changes the points visited and
 * so the answer beyond tol.
 */
static double brent_fmin(double ax, double bx, const struct guer *g,
			 double tol)
{
	const double c = (3.0 - sqrt(5.0)) * 0.5;
	double a = ax, b = bx;
	double v = a + c * (b - a), w = v, x = v;
	double d = 0.0, e = 0.0;
	double fx = objective(x, g), fv = fx, fw = fx;
	double eps = sqrt(DBL_EPSILON), tol3 = tol / 3.0;

	for (;;) {
		double xm = (a + b) * 0.5;
		double tol1 = eps * fabs(x) + tol3;
		double t2 = tol1 * 2.0;
		double p = 0.0, q = 0.0, r = 0.0, u;

		if (fabs(x - xm) <= t2 - (b - a) * 0.5)
			break;
		if (fabs(e) > tol1) {
			r = (x - w) * (fx - fv);
			q = (x - v) * (fx - fw);
			p = (x - v) * q - (x - w) * r;
			q = (q - r) * 2.0;
			if (q > 0.0)
				p = -p;
			else
				q = -q;
			r = e;
			e = d;
		}
		if (fabs(p) >= fabs(q * 0.5 * r) || p <= q * (a - x) ||
		    p >= q * (b - x)) {
			e = x < xm ? b - x : a - x;
			d = c * e;
		} else {
			d = p / q;
			u = x + d;
			/* not too close to the ends */
			if (u - a < t2 || b - u < t2)
				d = x >= xm ? -tol1 : tol1;
		}
		/* not too close to x */
		if (fabs(d) >= tol1)
			u = x + d;
		else
			u = d > 0.0 ? x + tol1 : x - tol1;

		double fu = objective(u, g);
		if (fu <= fx) {
			if (u < x)
				b = x;
			else
				a = x;
			v = w;
			fv = fw;
			w = x;
			fw = fx;
			x = u;
			fx = fu;
		} else {
			if (u < x)
				a = u;
			else
				b = u;
			if (fu <= fw || w == x) {
				v = w;
				fv = fw;
				w = u;
				fw = fu;
			} else if (fu <= fv || v == x || v == w) {
				v = u;
				fv = fu;
			}
		}
	}
	return x;
}

/* The most columns guer_cv works with on the stack; more use the heap. */
#define STACK_COLS 512

double tsp_boxcox_lambda(const double *x, size_t n, size_t period,
			 double lower, double upper)
{
	size_t freq = period > 1 ? period : 1;
	size_t p = period > 2 ? period : 2;

	for (size_t i = 0; i < n; i++) {
		if (x[i] <= 0.0) {	/* false for NaN, as na.rm */
			if (lower < 0.0)
				lower = 0.0;
			break;
		}
	}
	if (n <= 2 * freq)
		return 1.0;
	if (!isfinite(lower) || !isfinite(upper) || !(lower < upper))
		return NAN;

	struct guer g;
	double stack[3 * STACK_COLS], *buf = stack, lam;

	g.p = p;
	g.ncol = n / p;
	g.x = x + (n - g.ncol * p);
	if (g.ncol > STACK_COLS) {
		buf = malloc(3 * g.ncol * sizeof(*buf));
		if (!buf)
			return NAN;
	}
	g.mean = buf;
	g.sd = buf + g.ncol;
	g.rat = buf + 2 * g.ncol;
	for (size_t j = 0; j < g.ncol; j++) {
		g.mean[j] = r_mean(g.x + j * p, p);
		g.sd[j] = r_sd(g.x + j * p, p);
	}
	lam = brent_fmin(lower, upper, &g, pow(DBL_EPSILON, 0.25));
	if (buf != stack)
		free(buf);
	return lam;
}

int tsp_boxcox(double x, double lambda, double *out)
{
	double v;

	if (!isfinite(x) || !isfinite(lambda))
		return -1;
	if (lambda <= 0.0 && !(x > 0.0))
		return -1;
	if (lambda == 0.0)
		v = log(x);
	else if (x < 0.0)
		v = (-r_pow(-x, lambda) - 1.0) / lambda;
	else
		v = (r_pow(x, lambda) - 1.0) / lambda;
	if (!isfinite(v))
		return -1;
	*out = v;
	return 0;
}

int tsp_boxcox_inv(double y, double lambda, double *out)
{
	double v;

	if (!isfinite(y) || !isfinite(lambda))
		return -1;
	if (lambda < 0.0 && !(y < -1.0 / lambda))
		return -1;
	if (lambda == 0.0) {
		v = exp(y);
	} else {
		double t = y * lambda + 1.0;
		if (t < 0.0)
			v = -r_pow(-t, 1.0 / lambda);
		else
			v = r_pow(t, 1.0 / lambda);
	}
	if (!isfinite(v))
		return -1;
	*out = v;
	return 0;
}
