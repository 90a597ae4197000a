/*
 * The ETS objective (etscalc's likelihood) and the searches over it:
 * the smoothing parameters mapped to the real line, the initial states
 * of linear models profiled out by least squares, Gauss-Newton on the
 * states of the others, GSL's Nelder-Mead (nmsimplex2) throughout.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <gsl/gsl_errno.h>
#include <gsl/gsl_multimin.h>

#include "ets_impl.h"

/* ---- the objective -------------------------------------------------- */

double ets_logistic(double u)
{
	return 1.0 / (1.0 + exp(-u));
}

double ets_logit(double p)
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
void ets_decode_par(struct obj *o, const double *z, double *p)
{
	size_t k = 0;
	double a, hi;

	memcpy(p, o->par, 4 * sizeof(double));
	if (o->est[0]) {
		p[0] = o->lo[0] + (o->hi[0] - o->lo[0])
			* ets_logistic(o->u0[k] + z[k]);
		k++;
	}
	a = p[0];
	if (o->est[1]) {
		hi = fmin(o->hi[1], a);
		p[1] = o->lo[1] + (hi - o->lo[1]) * ets_logistic(o->u0[k] + z[k]);
		k++;
	}
	if (o->est[2]) {
		hi = fmin(o->hi[2], 1.0 - a);
		p[2] = o->lo[2] + (hi - o->lo[2]) * ets_logistic(o->u0[k] + z[k]);
		k++;
	}
	if (o->est[3]) {
		p[3] = o->lo[3] + (o->hi[3] - o->lo[3])
			* ets_logistic(o->u0[k] + z[k]);
		k++;
	}
}

/* The inverse of decode_par for a start point p. */
void ets_encode_par(struct obj *o, const double *p)
{
	size_t k = 0;
	double hi;

	if (o->est[0]) {
		o->u0[k++] = ets_logit((p[0] - o->lo[0]) / (o->hi[0] - o->lo[0]));
	}
	if (o->est[1]) {
		hi = fmin(o->hi[1], p[0]);
		o->u0[k++] = ets_logit((p[1] - o->lo[1]) / (hi - o->lo[1]));
	}
	if (o->est[2]) {
		hi = fmin(o->hi[2], 1.0 - p[0]);
		o->u0[k++] = ets_logit((p[2] - o->lo[2]) / (hi - o->lo[2]));
	}
	if (o->est[3])
		o->u0[k++] = ets_logit((p[3] - o->lo[3]) / (o->hi[3] - o->lo[3]));
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
int ets_full_state(const struct obj *o, const double *free_x, double *x)
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

double ets_objective(const gsl_vector *zv, void *ctx)
{
	struct obj *o = ctx;
	double z[MAXP], p[4], fx[MAXP], x[MAXP];

	o->nevals++;
	for (size_t i = 0; i < o->nsm + o->nst; i++)
		z[i] = gsl_vector_get(zv, i);
	ets_decode_par(o, z, p);
	if (o->season != TSP_ETS_N &&
	    !ets_admissible_seasonal(p[0], p[1], p[2], p[3], o->m))
		return BAD;
	for (size_t j = 0; j < o->nst; j++)
		fx[j] = o->x0[j] + o->sc[j] * z[o->nsm + j];
	if (ets_full_state(o, fx, x) < 0)
		return BAD;
	return run_lik(o, p, x, NULL);
}

double ets_objective_at(struct obj *o, const double *z, size_t dim)
{
	gsl_vector_const_view v = gsl_vector_const_view_array(z, dim);
	return ets_objective(&v.vector, o);
}

/*
 * Nelder-Mead from z (in/out, dimension dim) with initial steps `step`;
 * stops when the simplex has shrunk below tol or after maxit
 * iterations.  Returns the best value, or NAN on a GSL failure.
 */
double ets_nm_run(struct obj *o, double (*fun)(const gsl_vector *, void *),
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
	double *f0 = o->X + k * n, q[TSP_ETS_MAXM][TSP_ETS_MAXM];
	int lagged = 0;

	if (!o->has_na && o->season != TSP_ETS_N) {
		/* Without missing values the zero-data system is time
		   invariant, and a unit season at ring position q first
		   acts at time q: every seasonal column is a shifted copy
		   of the response to the season acting first (the implied
		   last one), less that response. */
		double *r0 = o->X + (k - 1) * n;
		size_t m = o->m;
		lin_run4(o, p, f0, o->X, ns > 1 ? o->X + n : NULL, r0);
		if (n > 2 * m) {
			/* q[d][j] = sum over t < n - j of r0[t] r0[t + d]
			   (d <= j < m): the seasonal block of the normal
			   equations from m lagged products, not m^2/2 */
			for (size_t d = 0; d < m; d++) {
				q[d][d] = dot(r0, r0 + d, n - d);
				for (size_t j = d; j + 1 < m; j++)
					q[d][j + 1] = q[d][j] - r0[n - 1 - j]
						* r0[n - 1 - j + d];
			}
			lagged = 1;
		}
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
		for (size_t v = 0; v <= u; v++) {
			double t;
			if (lagged && v >= ns) {
				/* column j: r0 shifted by m - 1 - (j - ns),
				   less r0 */
				size_t sa = o->m - 1 - (u - ns);
				size_t sb = o->m - 1 - (v - ns);
				size_t mx = sa > sb ? sa : sb;
				size_t d = sa > sb ? sa - sb : sb - sa;
				t = q[d][mx] - q[sa][sa] - q[sb][sb] + q[0][0];
			} else {
				t = dot(cu, o->X + v * n, n);
			}
			a[u * k + v] = a[v * k + u] = t;
		}
	}
	if (ets_solve_small(a, r, (int)k) < 0)
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
	ets_decode_par(o, z, p);
	if (o->season != TSP_ETS_N &&
	    !ets_admissible_seasonal(p[0], p[1], p[2], p[3], o->m))
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
	double z = hi > lo ? ets_logit((p - lo) / (hi - lo)) - u0 : 0.0;
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

	best = ets_nm_run(o, fun, zb, o->nsm, 1.0, 1e-3, 1e-8, 2000);
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
			v = ets_nm_run(o, fun, z, o->nsm, 0.5, 1e-3, 1e-8, 2000);
			if (isnan(v))
				return NAN;
			if (v < best) {
				best = v;
				memcpy(zb, z, o->nsm * sizeof(double));
			}
		}
	return ets_nm_run(o, fun, zb, o->nsm, 0.2, 1e-6, 1e-12, 5000);
}

double ets_profile_search(struct obj *o, double *zp)
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
	ets_decode_par(o, zb, p);
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
	return ets_objective_at(o, z, o->nsm + o->nst);
}

static double lik_states(struct obj *o, const double *p, const double *fx,
			 double *res)
{
	double x[MAXP];

	if (ets_full_state(o, fx, x) < 0)
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
		if (ets_solve_small(a, g, (int)k) < 0)
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
double ets_alternate(struct obj *o, double *z, size_t n, int multi)
{
	double prev = BAD, best = BAD, p[4];

	o->X = malloc((o->nst + 1) * n * sizeof(double));
	if (!o->X)
		return NAN;
	for (int r = 0; r < 8; r++) {
		best = r || !multi
			? ets_nm_run(o, objective_sm, z, o->nsm, r ? 0.2 : 0.5,
				 1e-4, 1e-9, 2000)
			: multi_start(o, objective_sm, z);
		if (isnan(best))
			break;
		ets_decode_par(o, z, p);
		best = gn_states(o, p, 4);
		if (!(best < prev - 1e-7 * fabs(prev)))
			break;
		prev = best;
	}
	free(o->X);
	o->X = NULL;
	if (isnan(best))
		return NAN;
	return ets_nm_run(o, ets_objective, z, o->nsm + o->nst, 0.1, 1e-4, 1e-10,
		      POLISH_IT);
}

/*
 * A start for a multiplicative-season model with a linear trend: the
 * additive-season model's profiled least-squares fit, its seasons
 * turned into ratios to the mean of the data.  Sets o->x0 (so the state
 * offsets in z are 0) and the smoothing offsets in z.  0 on success, -1
 * if no such start (use R's), -2 out of memory.
 */
int ets_mult_start(struct obj *o, const double *y, size_t n, double *z)
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
	if (isnan(ets_profile_search(&a, zp))) {
		free(a.X);
		return -2;
	}
	free(a.X);
	ets_decode_par(&a, zp, p);
	if (!ets_admissible_seasonal(p[0], p[1], p[2], p[3], o->m))
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

