/*
 * Fitting ETS models as forecast::ets() does: R's initial states
 * (initstate), R's starting parameters (initparam), the likelihood of
 * etscalc inside R's "both" bounds, and R's model search.  The optimiser
 * is GSL's Nelder-Mead (nmsimplex2) with restarts, on the smoothing
 * parameters mapped to the real line (so R's usual bounds always hold and
 * only admissibility can reject a point) and the initial states.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <gsl/gsl_errno.h>
#include <gsl/gsl_multimin.h>

#include "tsp_ets.h"

#define LIK_FLOOR -1e10		/* R's cap: avoid perfect fits */
#define BAD 1e300
#ifndef POLISH_IT
#define POLISH_IT 500
#endif		/* objective outside the feasible set */
#define MAXP (4 + 2 + TSP_ETS_MAXM)

/* R's default bounds: alpha, beta, gamma, phi */
static const double lower0[4] = {1e-4, 1e-4, 1e-4, 0.8};
static const double upper0[4] = {0.9999, 0.9999, 0.9999, 0.98};

void tsp_ets_opts_default(struct tsp_ets_opts *o, size_t m)
{
	memset(o, 0, sizeof(*o));
	o->error = o->trend = o->season = o->damped = TSP_ETS_CHOOSE;
	o->m = m < 1 ? 1 : m;
	o->crit = TSP_ETS_CRIT_LIK;
	o->ic = TSP_ETS_AICC;
	o->alpha = o->beta = o->gamma = o->phi = NAN;
	o->allow_mult_trend = 0;
}

/* ---- R's initstate() -------------------------------------------------- */

/* Solve the k x k system a x = b (k <= 4) by Gaussian elimination with
 * partial pivoting; -1 if singular. */
static int solve_small(double *a, double *b, int k)
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
	if (used < (size_t)k || solve_small(a, b, k) < 0)
		return -1;
	memcpy(coef, b, (size_t)k * sizeof(double));
	return 0;
}

/*
 * R's initstate(): x = l0, [b0], s1..s(m-1) (the last seasonal state is
 * implied).  Missing values are left out of every mean and regression.
 * Returns the count, or -1 (R fails: too few data).  ysa is scratch (n).
 */
static int initstate(const double *y, size_t n, int trend, int season,
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
 * Are all roots of a[0] + a[1] z + ... + a[d] z^d within |z| <= 1+1e-10
 * (R's test on polyroot())?  Schur-Cohn on the polynomial in z/(1+1e-10):
 * O(d^2), no root finding.
 */
static int roots_inside(const double *a0, int d)
{
	double a[TSP_ETS_MAXM + 2], r = 1.0 + 1e-10, rk = 1.0, p1 = 0.0, sz = 0.0;

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
	for (int k = 0; k <= d; k++) {
		a[k] *= rk;
		rk *= r;
	}
	while (d > 0) {
		double lead = a[d], c0 = a[0];
		if (!(fabs(c0) < fabs(lead)))
			return 0;
		double t[TSP_ETS_MAXM + 2];
		for (int j = 0; j < d; j++)
			t[j] = lead * a[j + 1] - c0 * a[d - 1 - j];
		d--;
		for (int j = 0; j <= d; j++)
			a[j] = t[j] / t[d];
	}
	return 1;
}

/* R's admissible() for a seasonal model (the non-seasonal conditions
 * always hold inside the usual bounds). */
static int admissible_seasonal(double alpha, double beta, double gamma,
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

/* ---- the objective -------------------------------------------------- */

/* The profiled search depends on the trend, damping and whether there
 * is a season, not on the error type: the models of one automatic fit
 * share it. */
struct prof_cache {
	int ok[8];
	double z[8][4];
	double xs[8][MAXP];
};

struct obj {
	const double *y;
	size_t n;		/* length, missing included */
	double nn;		/* non-missing */
	int error, trend, season, damped;
	size_t m;		/* 1 unless seasonal */
	int crit;
	int est[4];		/* alpha beta gamma phi estimated? */
	double par[4];		/* fixed values / decoded estimates */
	double lo[4], hi[4];
	size_t nsm, nst;	/* estimated smoothing parameters, states */
	double u0[4];		/* start in logit space */
	double x0[MAXP], sc[MAXP];	/* states: x0 + sc * z */
	long nevals;
	double *X;		/* n x (nst + 1) scratch for the profile */
	double xs[MAXP];	/* free states of the last profile */
	int has_na;		/* y has missing values */
	struct prof_cache *pc;	/* profiles already searched, or NULL */
};

static double logistic(double u)
{
	return 1.0 / (1.0 + exp(-u));
}

static double logit(double p)
{
	if (p < 1e-9)
		p = 1e-9;
	if (p > 1.0 - 1e-9)
		p = 1.0 - 1e-9;
	return log(p / (1.0 - p));
}

/* Map z's first nsm coordinates to alpha, beta, gamma, phi within R's
 * bounds (beta <= alpha, gamma <= 1 - alpha, and the bounds a fixed
 * value implies, as etsmodel sets them). */
static void decode_par(struct obj *o, const double *z, double *p)
{
	size_t k = 0;
	double a, hi;

	memcpy(p, o->par, 4 * sizeof(double));
	if (o->est[0]) {
		p[0] = o->lo[0] + (o->hi[0] - o->lo[0])
			* logistic(o->u0[k] + z[k]);
		k++;
	}
	a = p[0];
	if (o->est[1]) {
		hi = fmin(o->hi[1], a);
		p[1] = o->lo[1] + (hi - o->lo[1]) * logistic(o->u0[k] + z[k]);
		k++;
	}
	if (o->est[2]) {
		hi = fmin(o->hi[2], 1.0 - a);
		p[2] = o->lo[2] + (hi - o->lo[2]) * logistic(o->u0[k] + z[k]);
		k++;
	}
	if (o->est[3]) {
		p[3] = o->lo[3] + (o->hi[3] - o->lo[3])
			* logistic(o->u0[k] + z[k]);
		k++;
	}
}

/* The inverse of decode_par for a start point p. */
static void encode_par(struct obj *o, const double *p)
{
	size_t k = 0;
	double hi;

	if (o->est[0]) {
		o->u0[k++] = logit((p[0] - o->lo[0]) / (o->hi[0] - o->lo[0]));
	}
	if (o->est[1]) {
		hi = fmin(o->hi[1], p[0]);
		o->u0[k++] = logit((p[1] - o->lo[1]) / (hi - o->lo[1]));
	}
	if (o->est[2]) {
		hi = fmin(o->hi[2], 1.0 - p[0]);
		o->u0[k++] = logit((p[2] - o->lo[2]) / (hi - o->lo[2]));
	}
	if (o->est[3])
		o->u0[k++] = logit((p[3] - o->lo[3]) / (o->hi[3] - o->lo[3]));
}

/*
 * R's etscalc likelihood (n log sum e^2, plus 2 sum log|f| for
 * multiplicative errors) or MSE, for parameters p and the full initial
 * state x (l, b, s1..sm).  Missing values advance the states without an
 * update.  Returns BAD when the forecast is undefined.
 */
static double run_lik(const struct obj *o, const double *p, const double *x,
		      double *res)
{
	double alpha = p[0], beta = p[1], gamma = p[2], phi = p[3];
	double l = x[0], b = 0.0, ring[TSP_ETS_MAXM];
	double sse = 0.0, ssy = 0.0, slf = 0.0, pf = 1.0, bpa = beta / alpha;
	size_t m = o->m, pos = 0;
	int tr = o->trend, se = o->season, mult = o->error == TSP_ETS_M;
	int phi1 = fabs(phi - 1.0) < 1e-10;
	const double *y = o->y;

	if (tr != TSP_ETS_N)
		b = x[1];
	if (se != TSP_ETS_N)
		for (size_t j = 0; j < m; j++)
			ring[m - 1 - j] = x[1 + (tr != TSP_ETS_N) + j];
	for (size_t i = 0; i < o->n; i++) {
		double q, phib, f, s = 0.0, yi = y[i];
		if (tr == TSP_ETS_N) {
			q = l;
			phib = 0.0;
		} else if (tr == TSP_ETS_A) {
			phib = phi * b;
			q = l + phib;
		} else {
			if (b < 0.0)
				return BAD;
			phib = phi1 ? b : pow(b, phi);
			q = l * phib;
		}
		if (se == TSP_ETS_N) {
			f = q;
		} else {
			s = ring[pos];
			f = se == TSP_ETS_A ? q + s : q * s;
		}
		if (yi != yi) {		/* missing: no update */
			l = q;
			b = phib;
			if (res)
				res[i] = 0.0;
		} else {
			double d = yi - f, e = mult ? d / f : d, pv, lnew;
			if (res)
				res[i] = e;
			sse += e * e;
			ssy += d * d;
			if (mult) {
				/* one log per many steps: multiply, and
				   flush before the product can leave the
				   range of a double */
				double af = fabs(f);
				if (af > 1e100 || af < 1e-100) {
					slf += log(af);
				} else {
					pf *= af;
					if (pf > 1e150 || pf < 1e-150) {
						slf += log(pf);
						pf = 1.0;
					}
				}
			}
			if (se == TSP_ETS_N)
				pv = yi;
			else if (se == TSP_ETS_A)
				pv = yi - s;
			else
				pv = fabs(s) < 1e-10 ? 1e9 : yi / s;
			lnew = q + alpha * (pv - q);
			if (tr == TSP_ETS_A)
				b = phib + bpa * (lnew - l - phib);
			else if (tr == TSP_ETS_M)
				b = phib + bpa * ((fabs(l) < 1e-10 ? 1e9 : lnew / l)
						  - phib);
			l = lnew;
			if (se == TSP_ETS_A)
				ring[pos] = s + gamma * (yi - q - s);
			else if (se == TSP_ETS_M)
				ring[pos] = s + gamma * ((fabs(q) < 1e-10 ? 1e9
							   : yi / q) - s);
		}
		if (se != TSP_ETS_N && ++pos == m)
			pos = 0;
	}
	if (o->crit == TSP_ETS_CRIT_MSE)
		return ssy / o->nn;
	{
		double lik = o->nn * log(sse) + 2.0 * (slf + log(pf));
		if (isnan(lik))
			return BAD;
		return lik < LIK_FLOOR ? LIK_FLOOR : lik;
	}
}

/* Full initial state from the free states: the last seasonal state
 * makes the seasons sum to 0 (A) or m (M), as R does.  -1 if R would
 * reject it (a negative multiplicative season). */
static int full_state(const struct obj *o, const double *free_x, double *x)
{
	size_t ns = 1 + (o->trend != TSP_ETS_N);

	memcpy(x, free_x, o->nst * sizeof(double));
	if (o->season != TSP_ETS_N) {
		double s = 0.0, mn = 0.0;
		for (size_t j = ns; j < o->nst; j++) {
			s += x[j];
			mn = j == ns ? x[j] : fmin(mn, x[j]);
		}
		x[o->nst] = (o->season == TSP_ETS_M ? (double)o->m : 0.0) - s;
		if (o->season == TSP_ETS_M && fmin(mn, x[o->nst]) < 0.0)
			return -1;
	}
	return 0;
}

static double objective(const gsl_vector *zv, void *ctx)
{
	struct obj *o = ctx;
	double z[MAXP], p[4], fx[MAXP], x[MAXP];

	o->nevals++;
	for (size_t i = 0; i < o->nsm + o->nst; i++)
		z[i] = gsl_vector_get(zv, i);
	decode_par(o, z, p);
	if (o->season != TSP_ETS_N &&
	    !admissible_seasonal(p[0], p[1], p[2], p[3], o->m))
		return BAD;
	for (size_t j = 0; j < o->nst; j++)
		fx[j] = o->x0[j] + o->sc[j] * z[o->nsm + j];
	if (full_state(o, fx, x) < 0)
		return BAD;
	return run_lik(o, p, x, NULL);
}

static double objective_at(struct obj *o, const double *z, size_t dim)
{
	gsl_vector_const_view v = gsl_vector_const_view_array(z, dim);
	return objective(&v.vector, o);
}

/*
 * Nelder-Mead from z (in/out, dimension dim) with initial steps `step`;
 * stops when the simplex has shrunk below tol or after maxit
 * iterations.  Returns the best value, or NAN on a GSL failure.
 */
static double nm_run(struct obj *o, double (*fun)(const gsl_vector *, void *),
		     double *z, size_t dim, double step, double tol,
		     double ftol, int maxit)
{
	const gsl_multimin_fminimizer_type *T = gsl_multimin_fminimizer_nmsimplex2;
	gsl_multimin_fminimizer *s = gsl_multimin_fminimizer_alloc(T, dim);
	gsl_vector *x = gsl_vector_alloc(dim), *ss = gsl_vector_alloc(dim);
	gsl_multimin_function fn = {fun, dim, o};
	double best = NAN;

	if (!s || !x || !ss)
		goto out;
	for (size_t i = 0; i < dim; i++)
		gsl_vector_set(x, i, z[i]);
	gsl_vector_set_all(ss, step);
	if (gsl_multimin_fminimizer_set(s, &fn, x, ss) != GSL_SUCCESS)
		goto out;
	/* Stop on a small simplex, or when the best value has stopped
	   moving (R's nmmin watches the spread of the values; with a
	   bound in the logit space the simplex may never shrink). */
	{
		size_t win = 4 * dim + 8, it;
		double *hist = malloc(win * sizeof(double));
		if (!hist)
			goto out;
		for (it = 0; it < (size_t)maxit; it++) {
			int st = gsl_multimin_fminimizer_iterate(s);
			double fb = gsl_multimin_fminimizer_minimum(s);
			if (st != GSL_SUCCESS)
				break;
			if (gsl_multimin_fminimizer_size(s) < tol)
				break;
			if (it >= win && hist[it % win] - fb <=
			    ftol * (fabs(fb) + ftol))
				break;
			hist[it % win] = fb;
		}
		free(hist);
	}
	best = gsl_multimin_fminimizer_minimum(s);
	for (size_t i = 0; i < dim; i++)
		z[i] = gsl_vector_get(gsl_multimin_fminimizer_x(s), i);
out:
	if (s)
		gsl_multimin_fminimizer_free(s);
	if (x)
		gsl_vector_free(x);
	if (ss)
		gsl_vector_free(ss);
	return best;
}


/* ---- initial states profiled out (linear models) --------------------- */

/*
 * With trend N/A/Ad and season N/A the one-step forecasts are affine in
 * the initial states for given smoothing parameters (whatever the error
 * type): f = f0 + X x, f0 from the data with zero states, column j of X
 * the forecasts from unit state j with zero data.  The states that
 * minimise the sum of squared errors then come from least squares, and
 * the optimiser only searches the smoothing parameters.
 */
static void lin_run(const struct obj *o, const double *p, const double *x,
		    int zero, double *f)
{
	double alpha = p[0], beta = p[1], gamma = p[2], phi = p[3];
	double l = x[0], b = 0.0, ring[TSP_ETS_MAXM];
	size_t m = o->m, pos = 0;
	int tr = o->trend != TSP_ETS_N, se = o->season != TSP_ETS_N;

	if (tr)
		b = x[1];
	if (se)
		for (size_t j = 0; j < m; j++)
			ring[m - 1 - j] = x[1 + tr + j];
	for (size_t i = 0; i < o->n; i++) {
		double yi = o->y[i], phib = tr ? phi * b : 0.0, q = l + phib;
		double s = se ? ring[pos] : 0.0;
		f[i] = q + s;
		if (yi != yi) {
			l = q;
			b = phib;
		} else {
			double e = (zero ? 0.0 : yi) - q - s;
			l = q + alpha * e;
			b = phib + beta * e;
			if (se)
				ring[pos] = s + gamma * e;
		}
		if (se && ++pos == m)
			pos = 0;
	}
}

/* Four partial sums: independent chains the compiler may keep in
 * flight without reassociating. */
static double dot(const double *a, const double *b, size_t n)
{
	double s0 = 0.0, s1 = 0.0, s2 = 0.0, s3 = 0.0;
	size_t i = 0;

	for (; i + 4 <= n; i += 4) {
		s0 += a[i] * b[i];
		s1 += a[i + 1] * b[i + 1];
		s2 += a[i + 2] * b[i + 2];
		s3 += a[i + 3] * b[i + 3];
	}
	for (; i < n; i++)
		s0 += a[i] * b[i];
	return (s0 + s1) + (s2 + s3);
}

/*
 * lin_run of a seasonal model without missing values for four systems
 * at once (independent chains run faster side by side): the data from
 * zero states into f0, and with zero data a unit level into cl, a unit
 * slope into cb (NULL without a trend) and a unit season at ring
 * position 0 into cs.
 */
static void lin_run4(const struct obj *o, const double *p, double *f0,
		     double *cl, double *cb, double *cs)
{
	double alpha = p[0], beta = p[1], gamma = p[2], phi = p[3];
	double l[4] = {0, 1, 0, 0}, b[4] = {0, 0, 1, 0};
	double ring[TSP_ETS_MAXM][4];
	size_t m = o->m, pos = 0;
	int tr = o->trend != TSP_ETS_N;

	memset(ring, 0, sizeof(ring));
	ring[0][3] = 1.0;
	if (!tr) {
		b[2] = 0.0;
		phi = 0.0;
		beta = 0.0;
	}
	for (size_t i = 0; i < o->n; i++) {
		double yv[4] = {o->y[i], 0, 0, 0}, f[4];
		double *rs = ring[pos];
		for (int s = 0; s < 4; s++) {
			double phib = phi * b[s], q = l[s] + phib;
			double e;
			f[s] = q + rs[s];
			e = yv[s] - f[s];
			l[s] = q + alpha * e;
			b[s] = phib + beta * e;
			rs[s] += gamma * e;
		}
		f0[i] = f[0];
		cl[i] = f[1];
		if (cb)
			cb[i] = f[2];
		cs[i] = f[3];
		if (++pos == m)
			pos = 0;
	}
}

/* SSE at the least-squares initial states (left in o->xs); BAD if the
 * system is singular. */
static double profile_sse(struct obj *o, const double *p)
{
	size_t n = o->n, k = o->nst, ns = 1 + (o->trend != TSP_ETS_N);
	double x[MAXP], a[MAXP * MAXP], r[MAXP], sse = 0.0;
	double *f0 = o->X + k * n;

	if (!o->has_na && o->season != TSP_ETS_N) {
		/* Without missing values the zero-data system is time
		   invariant, and a unit season at ring position q first
		   acts at time q: every seasonal column is a shifted copy
		   of the response to the season acting first (the implied
		   last one), less that response. */
		double *r0 = o->X + (k - 1) * n;
		size_t m = o->m;
		lin_run4(o, p, f0, o->X, ns > 1 ? o->X + n : NULL, r0);
		for (size_t j = k - 1; j-- > ns;) {
			size_t sh = m - 1 - (j - ns);
			double *c = o->X + j * n;
			for (size_t i = 0; i < n; i++)
				c[i] = (i >= sh ? r0[i - sh] : 0.0) - r0[i];
		}
		/* the last free season sits at ring position 1 */
		for (size_t i = n; i-- > 0;)
			r0[i] = (i >= 1 ? r0[i - 1] : 0.0) - r0[i];
	} else for (size_t j = 0; j < k; j++) {
		if (j == 0) {
			memset(x, 0, sizeof(x));
			lin_run(o, p, x, 0, f0);
		}
		memset(x, 0, sizeof(x));
		x[j] = 1.0;
		if (o->season != TSP_ETS_N && j >= ns)
			x[k] = -1.0;	/* the implied last season */
		lin_run(o, p, x, 1, o->X + j * n);
	}
	/* f0 becomes the data less the zero-state forecasts; missing
	   observations drop out as zero rows */
	for (size_t i = 0; i < n; i++) {
		if (isnan(o->y[i])) {
			f0[i] = 0.0;
			for (size_t u = 0; u < k; u++)
				o->X[u * n + i] = 0.0;
		} else {
			f0[i] = o->y[i] - f0[i];
		}
	}
	for (size_t u = 0; u < k; u++) {
		const double *cu = o->X + u * n;
		r[u] = dot(cu, f0, n);
		for (size_t v = 0; v <= u; v++)
			a[u * k + v] = a[v * k + u] = dot(cu, o->X + v * n, n);
	}
	if (solve_small(a, r, (int)k) < 0)
		return BAD;
	for (size_t u = 0; u < k; u++) {
		const double *cu = o->X + u * n;
		for (size_t i = 0; i < n; i++)
			f0[i] -= cu[i] * r[u];
	}
	for (size_t i = 0; i < n; i++)
		sse += f0[i] * f0[i];
	memcpy(o->xs, r, k * sizeof(double));
	return sse;
}

static double objective_profile(const gsl_vector *zv, void *ctx)
{
	struct obj *o = ctx;
	double z[4] = {0, 0, 0, 0}, p[4], sse;

	o->nevals++;
	for (size_t i = 0; i < o->nsm; i++)
		z[i] = gsl_vector_get(zv, i);
	decode_par(o, z, p);
	if (o->season != TSP_ETS_N &&
	    !admissible_seasonal(p[0], p[1], p[2], p[3], o->m))
		return BAD;
	sse = profile_sse(o, p);
	if (!(sse < BAD))
		return BAD;
	if (o->crit == TSP_ETS_CRIT_MSE)
		return sse / o->nn;
	sse = o->nn * log(sse);
	return sse < LIK_FLOOR ? LIK_FLOOR : sse;
}

static double z_one(double p, double lo, double hi, double u0)
{
	double z = hi > lo ? logit((p - lo) / (hi - lo)) - u0 : 0.0;
	return isfinite(z) ? z : 0.0;
}

/* z offsets (from o->u0) that decode to the smoothing parameters p. */
static void z_of_par(const struct obj *o, const double *p, double *z)
{
	size_t k = 0;

	if (o->est[0]) {
		z[k] = z_one(p[0], o->lo[0], o->hi[0], o->u0[k]);
		k++;
	}
	if (o->est[1]) {
		z[k] = z_one(p[1], o->lo[1], fmin(o->hi[1], p[0]), o->u0[k]);
		k++;
	}
	if (o->est[2]) {
		z[k] = z_one(p[2], o->lo[2], fmin(o->hi[2], 1.0 - p[0]),
			     o->u0[k]);
		k++;
	}
	if (o->est[3]) {
		z[k] = z_one(p[3], o->lo[3], o->hi[3], o->u0[k]);
		k++;
	}
}

/*
 * Search the smoothing parameters with the states profiled out: a short
 * simplex from R's start and from a few spread-out starts (the profile
 * has local minima), then a fine one from the best.  zp (dimension
 * nsm) in/out; leaves the states in o->xs.  Returns the best value, or
 * NAN on a GSL failure.
 */
static double multi_start(struct obj *o,
			  double (*fun)(const gsl_vector *, void *), double *zb)
{
	static const double sa[] = {0.2, 0.8};
	static const double sf[] = {0.05};
	double best, z[4], p[4];

	best = nm_run(o, fun, zb, o->nsm, 1.0, 1e-3, 1e-8, 2000);
	if (isnan(best))
		return NAN;
	for (size_t i = 0; i < sizeof(sa) / sizeof(sa[0]); i++)
		for (size_t j = 0; j < sizeof(sf) / sizeof(sf[0]); j++) {
			double v;
			p[0] = o->est[0] ? sa[i] : o->par[0];
			p[1] = o->est[1] ? sf[j] * p[0] : o->par[1];
			p[2] = o->est[2] ? sf[j] * (1.0 - p[0]) : o->par[2];
			p[3] = o->est[3] ? 0.9 : o->par[3];
			if (!o->est[0] && j > 0)
				continue;
			memset(z, 0, sizeof(z));
			z_of_par(o, p, z);
			v = nm_run(o, fun, z, o->nsm, 0.5, 1e-3, 1e-8, 2000);
			if (isnan(v))
				return NAN;
			if (v < best) {
				best = v;
				memcpy(zb, z, o->nsm * sizeof(double));
			}
		}
	return nm_run(o, fun, zb, o->nsm, 0.2, 1e-6, 1e-12, 5000);
}

static double profile_search(struct obj *o, double *zp)
{
	double best, zb[4], p[4];
	size_t key = (size_t)(o->trend * 4 + o->damped * 2
			      + (o->season != TSP_ETS_N));

	if (o->pc && key < 8 && o->pc->ok[key]) {
		memcpy(zp, o->pc->z[key], o->nsm * sizeof(double));
		memcpy(o->xs, o->pc->xs[key], o->nst * sizeof(double));
		return 0.0;
	}
	memcpy(zb, zp, sizeof(zb));
	best = multi_start(o, objective_profile, zb);
	if (isnan(best))
		return NAN;
	decode_par(o, zb, p);
	profile_sse(o, p);
	memcpy(zp, zb, o->nsm * sizeof(double));
	if (o->pc && key < 8) {
		o->pc->ok[key] = 1;
		memcpy(o->pc->z[key], zb, o->nsm * sizeof(double));
		memcpy(o->pc->xs[key], o->xs, o->nst * sizeof(double));
	}
	return best;
}

/* The objective over the smoothing parameters alone, the states held
 * at o->x0. */
static double objective_sm(const gsl_vector *zv, void *ctx)
{
	struct obj *o = ctx;
	double z[MAXP];

	memset(z, 0, sizeof(z));
	for (size_t i = 0; i < o->nsm; i++)
		z[i] = gsl_vector_get(zv, i);
	return objective_at(o, z, o->nsm + o->nst);
}

static double lik_states(struct obj *o, const double *p, const double *fx,
			 double *res)
{
	double x[MAXP];

	if (full_state(o, fx, x) < 0)
		return BAD;
	return run_lik(o, p, x, res);
}

/*
 * Gauss-Newton steps on the free initial states o->x0 for the smoothing
 * parameters p: least squares on the residuals of the likelihood, with
 * a forward-difference Jacobian, each step halved until the likelihood
 * improves.  o->X is scratch ((nst + 1) * n).  Returns the likelihood
 * at the final states.
 */
static double gn_states(struct obj *o, const double *p, int iters)
{
	size_t n = o->n, k = o->nst;
	double *r0 = o->X + k * n, f0, fx[MAXP];

	f0 = lik_states(o, p, o->x0, r0);
	for (int it = 0; it < iters && f0 < BAD; it++) {
		double a[MAXP * MAXP], g[MAXP], f1 = BAD;
		for (size_t j = 0; j < k; j++) {
			double h = 1e-6 * fmax(fabs(o->x0[j]), o->sc[j]);
			memcpy(fx, o->x0, k * sizeof(double));
			fx[j] += h;
			if (!(lik_states(o, p, fx, o->X + j * n) < BAD))
				return f0;
			for (size_t i = 0; i < n; i++)
				o->X[j * n + i] = (o->X[j * n + i] - r0[i]) / h;
		}
		for (size_t u = 0; u < k; u++) {
			const double *cu = o->X + u * n;
			g[u] = -dot(cu, r0, n);
			for (size_t v = 0; v <= u; v++)
				a[u * k + v] = a[v * k + u]
					= dot(cu, o->X + v * n, n);
		}
		for (size_t u = 0; u < k; u++)
			a[u * k + u] *= 1.0 + 1e-9;
		if (solve_small(a, g, (int)k) < 0)
			return f0;
		for (double t = 1.0; t > 1e-3; t *= 0.5) {
			for (size_t j = 0; j < k; j++)
				fx[j] = o->x0[j] + t * g[j];
			f1 = lik_states(o, p, fx, NULL);
			if (f1 < f0)
				break;
		}
		if (!(f1 < f0))
			return f0;
		memcpy(o->x0, fx, k * sizeof(double));
		f0 = lik_states(o, p, o->x0, r0);
		if (f0 > f1 - 1e-9 * fabs(f1))
			break;
	}
	return f0;
}

/*
 * From the states o->x0 and smoothing offsets z (the state offsets in z
 * zero): alternate the simplex over the smoothing parameters (several
 * starts the first time if multi) with Gauss-Newton over the states
 * until neither moves the likelihood, then a short joint simplex.
 * Returns the best value, NAN on failure (out of memory, GSL).
 */
static double alternate(struct obj *o, double *z, size_t n, int multi)
{
	double prev = BAD, best = BAD, p[4];

	o->X = malloc((o->nst + 1) * n * sizeof(double));
	if (!o->X)
		return NAN;
	for (int r = 0; r < 8; r++) {
		best = r || !multi
			? nm_run(o, objective_sm, z, o->nsm, r ? 0.2 : 0.5,
				 1e-4, 1e-9, 2000)
			: multi_start(o, objective_sm, z);
		if (isnan(best))
			break;
		decode_par(o, z, p);
		best = gn_states(o, p, 4);
		if (!(best < prev - 1e-7 * fabs(prev)))
			break;
		prev = best;
	}
	free(o->X);
	o->X = NULL;
	if (isnan(best))
		return NAN;
	return nm_run(o, objective, z, o->nsm + o->nst, 0.1, 1e-4, 1e-10,
		      POLISH_IT);
}

/*
 * A start for a multiplicative-season model with a linear trend: the
 * additive-season model's profiled least-squares fit, its seasons
 * turned into ratios to the mean of the data.  Sets o->x0 (so the state
 * offsets in z are 0) and the smoothing offsets in z.  0 on success, -1
 * if no such start (use R's), -2 out of memory.
 */
static int mult_start(struct obj *o, const double *y, size_t n, double *z)
{
	struct obj a = *o;
	double zp[4] = {0, 0, 0, 0}, p[4], mean = 0.0, cnt = 0.0, sum = 0.0;
	size_t ns = 1 + (o->trend != TSP_ETS_N);

	for (size_t i = 0; i < n; i++)
		if (!isnan(y[i])) {
			mean += y[i];
			cnt++;
		}
	mean /= cnt;
	if (!(mean > 0.0))
		return -1;
	a.season = TSP_ETS_A;
	a.error = TSP_ETS_A;
	a.crit = TSP_ETS_CRIT_LIK;
	a.X = malloc((a.nst + 1) * n * sizeof(double));
	if (!a.X)
		return -2;
	if (isnan(profile_search(&a, zp))) {
		free(a.X);
		return -2;
	}
	free(a.X);
	decode_par(&a, zp, p);
	if (!admissible_seasonal(p[0], p[1], p[2], p[3], o->m))
		return -1;
	for (size_t j = ns; j < o->nst; j++) {
		double r = 1.0 + a.xs[j] / mean;
		sum += a.xs[j];
		if (!(r > 0.0))
			return -1;
		o->x0[j] = r;
	}
	if (!(1.0 - sum / mean > 0.0))
		return -1;	/* the implied last season */
	for (size_t j = 0; j < ns; j++)
		o->x0[j] = a.xs[j];
	memset(z, 0, (o->nsm + o->nst) * sizeof(double));
	z_of_par(o, p, z);
	return 0;
}

/* ---- one model (R's etsmodel) ---------------------------------------- */

struct cand {
	int error, trend, season, damped;
};

static double data_scale(const double *y, size_t n)
{
	double s = 0.0, s2 = 0.0, c = 0.0;

	for (size_t i = 0; i < n; i++)
		if (!isnan(y[i])) {
			s += y[i];
			s2 += y[i] * y[i];
			c++;
		}
	if (c < 2)
		return fabs(s) > 0 ? fabs(s) : 1.0;
	double var = (s2 - s * s / c) / (c - 1.0);
	double sd = var > 0 ? sqrt(var) : 0.0;
	return sd > 0 ? sd : (fabs(s / c) > 0 ? fabs(s / c) : 1.0);
}

/*
 * Fit one model; on success fill *out (parameters, initial states,
 * npar/nfixed) and return 0; -1 if it cannot be fitted (too few data,
 * no feasible start: R's try() failing), -2 out of memory.
 */
static int fit_one(const double *y, size_t n, size_t nn, size_t period,
		   const struct cand *c, const struct tsp_ets_opts *op,
		   double *scratch, struct prof_cache *pc,
		   struct tsp_ets_model *out)
{
	struct obj o;
	double fixed[4] = {op->alpha, op->beta, op->gamma, op->phi};
	double start[4], xs[MAXP], z[MAXP], best, sd;
	int k, profiled_exact = 0, polished = 0;
	size_t dim;

	memset(&o, 0, sizeof(o));
	o.pc = pc;
	o.y = y;
	o.n = n;
	o.nn = (double)nn;
	o.error = c->error;
	o.trend = c->trend;
	o.season = c->season;
	o.damped = c->damped;
	o.m = c->season != TSP_ETS_N ? period : 1;
	o.crit = op->crit;
	for (size_t i = 0; i < n; i++)
		o.has_na |= isnan(y[i]);
	memcpy(o.lo, lower0, sizeof(o.lo));
	memcpy(o.hi, upper0, sizeof(o.hi));
	/* etsmodel narrows the bounds around fixed values */
	if (!isnan(fixed[0])) {
		o.hi[1] = fmin(fixed[0], o.hi[1]);
		o.hi[2] = fmin(1.0 - fixed[0], o.hi[2]);
	}
	if (!isnan(fixed[1]))
		o.lo[0] = fmax(fixed[1], o.lo[0]);
	if (!isnan(fixed[2]))
		o.hi[0] = fmin(1.0 - fixed[2], o.hi[0]);
	/* initparam */
	o.est[0] = isnan(fixed[0]);
	o.est[1] = c->trend != TSP_ETS_N && isnan(fixed[1]);
	o.est[2] = c->season != TSP_ETS_N && isnan(fixed[2]);
	o.est[3] = c->damped && isnan(fixed[3]);
	start[0] = o.est[0] ? o.lo[0] + 0.2 * (o.hi[0] - o.lo[0]) / (double)o.m
			    : fixed[0];
	if (start[0] > 1.0 || start[0] < 0.0)
		start[0] = o.lo[0] + 0.002;
	start[1] = c->trend == TSP_ETS_N ? 0.0 : fixed[1];
	if (o.est[1]) {
		double hi = fmin(o.hi[1], start[0]);
		start[1] = o.lo[1] + 0.1 * (hi - o.lo[1]);
		if (start[1] < 0.0 || start[1] > start[0])
			start[1] = start[0] - 0.001;
	}
	start[2] = c->season == TSP_ETS_N ? 0.0 : fixed[2];
	if (o.est[2]) {
		double hi = fmin(o.hi[2], 1.0 - start[0]);
		start[2] = o.lo[2] + 0.05 * (hi - o.lo[2]);
		if (start[2] < 0.0 || start[2] > 1.0 - start[0])
			start[2] = 1.0 - start[0] - 0.001;
	}
	start[3] = c->damped ? fixed[3] : 1.0;
	if (o.est[3]) {
		start[3] = o.lo[3] + 0.99 * (o.hi[3] - o.lo[3]);
		if (start[3] < 0.0 || start[3] > 1.0)
			start[3] = o.hi[3] - 0.001;
	}
	/* check.param on the start (fixed values included) */
	if (start[0] < o.lo[0] || start[0] > o.hi[0] ||
	    (c->trend != TSP_ETS_N && (start[1] < o.lo[1] || start[1] > start[0]
				       || start[1] > o.hi[1])) ||
	    (c->damped && (start[3] < o.lo[3] || start[3] > o.hi[3])) ||
	    (c->season != TSP_ETS_N && (start[2] < o.lo[2] ||
					start[2] > 1.0 - start[0] ||
					start[2] > o.hi[2])) ||
	    (c->season != TSP_ETS_N &&
	     !admissible_seasonal(start[0], start[1], start[2], start[3], o.m)))
		return -1;
	memcpy(o.par, start, sizeof(o.par));
	for (int i = 0; i < 4; i++)
		o.nsm += (size_t)o.est[i];
	encode_par(&o, start);
	k = initstate(y, n, c->trend, c->season, o.m, xs, scratch);
	if (k < 0)
		return -1;
	o.nst = (size_t)k;
	if (o.nsm + o.nst >= nn - 1)
		return -1;	/* etsmodel: np >= length(y) - 1 */
	sd = data_scale(y, n);
	{
		size_t j = 0;
		o.x0[j] = xs[j];
		o.sc[j] = 0.2 * sd;
		j++;
		if (c->trend != TSP_ETS_N) {
			o.x0[j] = xs[j];
			o.sc[j] = c->trend == TSP_ETS_A ? 0.02 * sd : 0.01;
			j++;
		}
		for (; j < o.nst; j++) {
			o.x0[j] = xs[j];
			o.sc[j] = c->season == TSP_ETS_A ? 0.2 * sd : 0.05;
		}
	}
	dim = o.nsm + o.nst;
	memset(z, 0, sizeof(z));
	if (c->trend != TSP_ETS_M && c->season != TSP_ETS_M && o.nsm > 0) {
		/* search the smoothing parameters with the states profiled
		   out; exact for additive errors, a start for the others */
		double zp[4] = {0, 0, 0, 0}, p[4];
		o.X = malloc((o.nst + 1) * n * sizeof(double));
		if (!o.X)
			return -2;
		(void)p;
		best = profile_search(&o, zp);
		free(o.X);
		o.X = NULL;
		if (isnan(best))
			return -2;
		memcpy(z, zp, o.nsm * sizeof(double));
		profiled_exact = c->error == TSP_ETS_A;
		if (profiled_exact) {
			for (size_t j = 0; j < o.nst; j++)
				z[o.nsm + j] = (o.xs[j] - o.x0[j]) / o.sc[j];
			best = objective_at(&o, z, dim);
		} else {
			/* the least-squares states as the base point */
			memcpy(o.x0, o.xs, o.nst * sizeof(double));
			best = alternate(&o, z, n, 0);
			polished = 1;
		}
	} else if (c->season == TSP_ETS_M && c->trend != TSP_ETS_M &&
		   o.nsm > 0 && (k = mult_start(&o, y, n, z)) != -1) {
		if (k < 0)
			return k;
		best = alternate(&o, z, n, 1);
		polished = 1;
	} else {
		best = nm_run(&o, objective, z, dim, 1.0, 1e-4, 1e-10, 20000);
	}
	if (isnan(best))
		return -2;
	/* restart from the best point until it stops improving (the
	   profiled fit of a linear additive-error model is already exact) */
	for (int r = 0; r < 4 && !profiled_exact; r++) {
		double v = nm_run(&o, objective, z, dim, 0.3, 1e-5, 1e-10,
				  polished ? POLISH_IT : 20000);
		if (isnan(v))
			return -2;
		int better = v < best - 1e-7 * (fabs(best) + 1e-7);
		best = fmin(best, v);
		if (!better)
			break;
	}
	if (!(best < BAD))
		return -1;
	{
		double p[4], fx[MAXP], x[MAXP];
		decode_par(&o, z, p);
		for (size_t j = 0; j < o.nst; j++)
			fx[j] = o.x0[j] + o.sc[j] * z[o.nsm + j];
		if (full_state(&o, fx, x) < 0)
			return -1;
		memset(out, 0, sizeof(*out));
		out->error = c->error;
		out->trend = c->trend;
		out->season = c->season;
		out->damped = c->damped;
		out->m = o.m;
		out->alpha = p[0];
		out->beta = c->trend != TSP_ETS_N ? p[1] : 0.0;
		out->gamma = c->season != TSP_ETS_N ? p[2] : 0.0;
		out->phi = c->damped ? p[3] : 1.0;
		out->l0 = x[0];
		out->b0 = c->trend != TSP_ETS_N ? x[1] : 0.0;
		if (c->season != TSP_ETS_N)
			memcpy(out->s0, x + 1 + (c->trend != TSP_ETS_N),
			       o.m * sizeof(double));
		out->npar = o.nsm + o.nst;
		out->nfixed = 0;
		for (int i = 0; i < 4; i++)
			if (!isnan(fixed[i]) &&
			    (i == 0 || (i == 1 && c->trend != TSP_ETS_N) ||
			     (i == 2 && c->season != TSP_ETS_N) ||
			     (i == 3 && c->damped)))
				out->nfixed++;
	}
	return 0;
}

/* ---- R's HoltWintersZZ for very short series ------------------------ */

struct hw {
	const double *y;
	size_t n;
	int trend;		/* 0 none, 1 additive */
	int est[2];
	double fix[2];
	double l0, b0;
};

/* SSE of Holt's recursion (zzhw), non-seasonal, phi 1; fills the final
 * level/slope. */
static double hw_sse(const struct hw *h, double alpha, double beta,
		     double *lf, double *bf)
{
	double l = h->l0, b = h->trend ? h->b0 : 0.0, sse = 0.0;

	for (size_t i = 0; i < h->n; i++) {
		double f = l + b, ln;
		if (isnan(h->y[i])) {
			l = f;
			continue;
		}
		sse += (h->y[i] - f) * (h->y[i] - f);
		ln = alpha * h->y[i] + (1.0 - alpha) * f;
		if (h->trend)
			b = beta * (ln - l) + (1.0 - beta) * b;
		l = ln;
	}
	if (lf)
		*lf = l;
	if (bf)
		*bf = b;
	return sse;
}

static void hw_decode(const struct hw *h, const double *z, double *a,
		      double *b)
{
	size_t k = 0;

	*a = h->est[0] ? logistic(z[k++]) : h->fix[0];
	*b = h->trend ? (h->est[1] ? logistic(z[k++]) : h->fix[1]) : 0.0;
}

static double hw_obj(const gsl_vector *zv, void *ctx)
{
	const struct hw *h = ctx;
	double z[2] = {0, 0}, a, b;

	for (size_t i = 0; i < zv->size; i++)
		z[i] = gsl_vector_get(zv, i);
	hw_decode(h, z, &a, &b);
	return hw_sse(h, a, b, NULL, NULL);
}

/*
 * HoltWintersZZ(y, beta = trend ? NULL : FALSE, gamma = FALSE): l0 =
 * first value, b0 = second - first; parameters in [0, 1] minimising the
 * SSE from initparam's start (R's L-BFGS-B; here Nelder-Mead on the
 * logit).  Returns 0, or -1 if it cannot be fitted.
 */
static int fit_hw(const double *y, size_t n, int trend,
		  const struct tsp_ets_opts *op, struct tsp_ets_model *out,
		  double *sigma2)
{
	struct hw h = {y, n, trend, {0, 0}, {op->alpha, op->beta}, 0, 0};
	double z[2] = {0, 0}, a, b, lf, bf, sse;
	size_t dim = 0, first = n, nn = 0;

	for (size_t i = 0; i < n; i++)
		if (!isnan(y[i])) {
			if (first == n)
				first = i;
			nn++;
		}
	if (first == n || (trend && (first + 1 >= n || isnan(y[first + 1]))))
		return -1;
	/* the states run from the first value on */
	h.y = y + first;
	h.n = n - first;
	h.l0 = y[first];
	h.b0 = trend ? y[first + 1] - y[first] : 0.0;
	h.est[0] = isnan(op->alpha);
	h.est[1] = trend && isnan(op->beta);
	if ((!h.est[0] && !(op->alpha > 0 && op->alpha <= 1)) ||
	    (trend && !h.est[1] && !(op->beta >= 0 && op->beta <= 1)))
		return -1;
	if (h.est[0])
		z[dim++] = logit(0.2);		/* initparam's start */
	if (h.est[1])
		z[dim++] = logit(0.1 * 0.2);
	if (dim > 0) {
		const gsl_multimin_fminimizer_type *T =
			gsl_multimin_fminimizer_nmsimplex2;
		gsl_multimin_fminimizer *s = gsl_multimin_fminimizer_alloc(T, dim);
		gsl_vector *x = gsl_vector_alloc(dim), *ss = gsl_vector_alloc(dim);
		gsl_multimin_function fn = {hw_obj, dim, &h};
		int ok = s && x && ss;
		if (ok) {
			for (size_t i = 0; i < dim; i++)
				gsl_vector_set(x, i, z[i]);
			gsl_vector_set_all(ss, 1.0);
			ok = gsl_multimin_fminimizer_set(s, &fn, x, ss) == GSL_SUCCESS;
		}
		for (int it = 0; ok && it < 2000; it++) {
			if (gsl_multimin_fminimizer_iterate(s) != GSL_SUCCESS ||
			    gsl_multimin_fminimizer_size(s) < 1e-8)
				break;
		}
		if (ok)
			for (size_t i = 0; i < dim; i++)
				z[i] = gsl_vector_get(gsl_multimin_fminimizer_x(s), i);
		if (s)
			gsl_multimin_fminimizer_free(s);
		if (x)
			gsl_vector_free(x);
		if (ss)
			gsl_vector_free(ss);
		if (!ok)
			return -2;
	}
	hw_decode(&h, z, &a, &b);
	sse = hw_sse(&h, a, b, &lf, &bf);
	memset(out, 0, sizeof(*out));
	out->error = TSP_ETS_A;
	out->trend = trend ? TSP_ETS_A : TSP_ETS_N;
	out->season = TSP_ETS_N;
	out->m = 1;
	out->alpha = a;
	/* zzhw's beta acts on the slope as beta/alpha does in etscalc */
	out->beta = trend ? a * b : 0.0;
	out->phi = 1.0;
	out->l0 = h.l0;
	out->b0 = h.b0;
	out->l = lf;
	out->b = bf;
	out->fallback = 1;
	*sigma2 = sse / (double)nn;
	return 0;
}

/* ---- R's ets() ------------------------------------------------------- */

static double ic_of(const struct tsp_ets_model *m, enum tsp_ets_ic ic)
{
	return ic == TSP_ETS_AIC ? m->aic : ic == TSP_ETS_BIC ? m->bic : m->aicc;
}

/* Finish a fallback fit: states over the data, sigma2 as R's
 * HoltWintersZZ (mean squared residual), no likelihood. */
static void finish_fallback(struct tsp_ets_model *out, const double *y,
			    size_t n, double *fitted, double sigma2)
{
	struct tsp_error e;

	out->npar = 0;
	tsp_ets_filter(out, y, n, fitted, &e);
	out->sigma2 = sigma2;
	out->loglik = out->aic = out->aicc = out->bic = NAN;
}

int tsp_ets_fit(const double *y, size_t n, const struct tsp_ets_opts *op,
		struct tsp_ets_model *out, double *fitted,
		struct tsp_error *err)
{
	size_t nn = 0, m = op->m < 1 ? 1 : op->m;
	double ymin = INFINITY, first = NAN;
	int constant = 1, dropped = 0;
	int errs[2], trs[3], sns[3], dms[2], ne = 0, nt = 0, ns = 0, nd = 0;
	int etype = op->error, ttype = op->trend, stype = op->season;
	double *scratch;
	struct prof_cache pc;
	struct tsp_ets_model best, cur;
	double best_ic = INFINITY;
	int found = 0;

	for (size_t i = 0; i < n; i++) {
		if (isnan(y[i]))
			continue;
		if (isinf(y[i]))
			return tsp_error_set(err, TSP_EDATA,
				"ets: infinite value at observation %zu", i + 1);
		if (isnan(first))
			first = y[i];
		else if (y[i] != first)
			constant = 0;
		ymin = fmin(ymin, y[i]);
		nn++;
	}
	if (nn == 0)
		return tsp_error_set(err, TSP_EDATA, "ets: no data");
	if ((etype < -1 || etype == TSP_ETS_N || etype > 2) || ttype < -1 ||
	    ttype > 2 || stype < -1 || stype > 2 || op->damped < -1 ||
	    op->damped > 1)
		return tsp_error_set(err, TSP_EUSAGE, "ets: bad model component");
	if ((!isnan(op->alpha) && !(op->alpha > 0 && op->alpha < 1)) ||
	    (!isnan(op->beta) && !(op->beta > 0 && op->beta < 1)) ||
	    (!isnan(op->gamma) && !(op->gamma > 0 && op->gamma < 1)) ||
	    (!isnan(op->phi) && !(op->phi > 0 && op->phi <= 1)))
		return tsp_error_set(err, TSP_EUSAGE,
				     "ets: fixed parameter out of range");
	/* R: ets(y) on a constant series is ses(y, alpha = 0.99999,
	   initial = "simple") */
	if (constant && etype < 0 && ttype < 0 && stype < 0) {
		struct tsp_ets_opts o1 = *op;
		double s2;
		o1.alpha = 0.99999;
		if (fit_hw(y, n, 0, &o1, out, &s2) < 0)
			return tsp_error_set(err, TSP_EDATA, "ets: no data");
		finish_fallback(out, y, n, fitted, s2);
		return 0;
	}
	if (m < 2 || nn <= m) {
		if (m < 2 && stype > 0)
			return tsp_error_set(err, TSP_EUSAGE,
					     "ets: seasonal model for non-seasonal data");
		if (stype != TSP_ETS_N)
			stype = TSP_ETS_N;
	}
	if (m > TSP_ETS_MAXM) {
		if (stype > 0)
			return tsp_error_set(err, TSP_EUSAGE,
				"ets: seasonal period %zu too long (at most %d)",
				m, TSP_ETS_MAXM);
		if (stype == TSP_ETS_CHOOSE)
			dropped = 1;
		stype = TSP_ETS_N;
	}
	if ((etype == TSP_ETS_A && (ttype == TSP_ETS_M || stype == TSP_ETS_M)) ||
	    (etype == TSP_ETS_M && ttype == TSP_ETS_M && stype == TSP_ETS_A))
		return tsp_error_set(err, TSP_EUSAGE,
				     "ets: forbidden model combination");
	if (!(ymin > 0) && (etype == TSP_ETS_M || ttype == TSP_ETS_M ||
			    stype == TSP_ETS_M))
		return tsp_error_set(err, TSP_EDATA, "ets: multiplicative model "
				     "for data with zero or negative values");
	if (op->damped == 1 && ttype == TSP_ETS_N)
		return tsp_error_set(err, TSP_EUSAGE,
				     "ets: damped model without trend");

	/* R's short-series path: HoltWintersZZ */
	{
		size_t npars = 2;
		if (ttype > 0)
			npars += 2;
		if (stype > 0)
			npars += m;
		if (op->damped == 1)
			npars++;
		if (nn <= npars + 4) {
			struct tsp_ets_model f1, f2;
			double s1 = INFINITY, s2 = INFINITY;
			int r1 = -1, r2 = -1;
			if (ttype != TSP_ETS_N && ttype != TSP_ETS_M)
				r1 = fit_hw(y, n, 1, op, &f1, &s1);
			if (ttype <= 0 || r1 < 0)
				r2 = fit_hw(y, n, 0, op, &f2, &s2);
			if (r1 == -2 || r2 == -2)
				return tsp_error_set(err, TSP_ENOMEM, "out of memory");
			if (r1 < 0 && r2 < 0)
				return tsp_error_set(err, TSP_EDATA,
					"ets: unable to estimate a model");
			if (r1 == 0 && (ttype > 0 || r2 < 0 || s1 < s2)) {
				*out = f1;
				finish_fallback(out, y, n, fitted, s1);
			} else {
				*out = f2;
				finish_fallback(out, y, n, fitted, s2);
			}
			out->season_dropped = dropped;
			return 0;
		}
	}

	if (etype == TSP_ETS_CHOOSE) {
		errs[ne++] = TSP_ETS_A;
		errs[ne++] = TSP_ETS_M;
	} else {
		errs[ne++] = etype;
	}
	if (ttype == TSP_ETS_CHOOSE) {
		trs[nt++] = TSP_ETS_N;
		trs[nt++] = TSP_ETS_A;
		if (op->allow_mult_trend)
			trs[nt++] = TSP_ETS_M;
	} else {
		trs[nt++] = ttype;
	}
	if (stype == TSP_ETS_CHOOSE) {
		sns[ns++] = TSP_ETS_N;
		sns[ns++] = TSP_ETS_A;
		sns[ns++] = TSP_ETS_M;
	} else {
		sns[ns++] = stype;
	}
	if (op->damped == TSP_ETS_CHOOSE) {
		dms[nd++] = 1;
		dms[nd++] = 0;
	} else {
		dms[nd++] = op->damped;
	}
	memset(&pc, 0, sizeof(pc));
	scratch = malloc(n * sizeof(double));
	if (!scratch)
		return tsp_error_set(err, TSP_ENOMEM, "out of memory");
	for (int i = 0; i < ne; i++)
	for (int j = 0; j < nt; j++)
	for (int k = 0; k < ns; k++)
	for (int l = 0; l < nd; l++) {
		struct cand c = {errs[i], trs[j], sns[k], dms[l]};
		struct tsp_error e2;
		int rc;
		if (c.trend == TSP_ETS_N && c.damped)
			continue;
		if (c.error == TSP_ETS_A &&
		    (c.trend == TSP_ETS_M || c.season == TSP_ETS_M))
			continue;
		if (c.error == TSP_ETS_M && c.trend == TSP_ETS_M &&
		    c.season == TSP_ETS_A)
			continue;
		if (!(ymin > 0) && (c.error == TSP_ETS_M ||
				    c.trend == TSP_ETS_M || c.season == TSP_ETS_M))
			continue;
		rc = fit_one(y, n, nn, m, &c, op, scratch, &pc, &cur);
		if (rc == -2) {
			free(scratch);
			return tsp_error_set(err, TSP_ENOMEM, "out of memory");
		}
		if (rc < 0 || tsp_ets_filter(&cur, y, n, NULL, &e2) < 0)
			continue;
		double v = ic_of(&cur, op->ic);
		if (!isnan(v) && v < best_ic) {
			best = cur;
			best_ic = v;
			found = 1;
		}
	}
	free(scratch);
	if (!found)
		return tsp_error_set(err, TSP_EDATA, "ets: no model could be fitted");
	*out = best;
	if (tsp_ets_filter(out, y, n, fitted, err) < 0)
		return -1;
	out->season_dropped = dropped;
	return 0;
}
