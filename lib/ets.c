/*
 * ETS models once fitted: the filter over data, forecasts and their
 * variances (forecast.ets's class1/class2/class3), simulated intervals,
 * online updates, save/load and the label.  The fitting itself is in
 * ets_fit.c.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <gsl/gsl_randist.h>
#include <gsl/gsl_rng.h>

#include "tsp_ets.h"

/* R's etscalc guards: a near-zero divisor is replaced by a huge ratio */
#define ETS_TOL 1.0e-10
#define ETS_HUGE 1.0e9

/* The level part of the forecast k >= 1 steps ahead (phistar = sum of
 * phi^1..phi^k); NaN when a multiplicative trend has negative growth,
 * where R's etscalc gives up. */
static double level_part(int trend, double l, double b, double phistar)
{
	if (trend == TSP_ETS_N)
		return l;
	if (trend == TSP_ETS_A)
		return l + phistar * b;
	if (b < 0.0)
		return NAN;
	return l * pow(b, phistar);
}

/*
 * One step of the state recursion (R's etscalc update()), in place on
 * l, b and the ring slot *s that has just been used.  y NaN: the states
 * move on as the forecast does.  Returns the one-step forecast.
 */
static double step(const struct tsp_ets_model *m, double *l, double *b,
		   double *s, double y)
{
	double q, phib, f, p, a = m->alpha;

	if (m->trend == TSP_ETS_N) {
		q = *l;
		phib = 0.0;
	} else if (m->trend == TSP_ETS_A) {
		phib = m->phi * *b;
		q = *l + phib;
	} else {
		if (*b < 0.0)
			return NAN;
		phib = fabs(m->phi - 1.0) < ETS_TOL ? *b : pow(*b, m->phi);
		q = *l * phib;
	}
	if (m->season == TSP_ETS_N)
		f = q;
	else if (m->season == TSP_ETS_A)
		f = q + *s;
	else
		f = q * *s;
	if (isnan(y)) {
		*l = q;
		if (m->trend != TSP_ETS_N)
			*b = phib;
		return f;
	}
	if (m->season == TSP_ETS_N)
		p = y;
	else if (m->season == TSP_ETS_A)
		p = y - *s;
	else
		p = fabs(*s) < ETS_TOL ? ETS_HUGE : y / *s;
	{
		double lnew = q + a * (p - q);
		if (m->trend != TSP_ETS_N) {
			double r;
			if (m->trend == TSP_ETS_A)
				r = lnew - *l;
			else
				r = fabs(*l) < ETS_TOL ? ETS_HUGE : lnew / *l;
			*b = phib + (m->beta / a) * (r - phib);
		}
		*l = lnew;
	}
	if (m->season != TSP_ETS_N) {
		double t;
		if (m->season == TSP_ETS_A)
			t = y - q;
		else
			t = fabs(q) < ETS_TOL ? ETS_HUGE : y / q;
		*s = *s + m->gamma * (t - *s);
	}
	return f;
}

double tsp_ets_update(struct tsp_ets_model *m, double y)
{
	double dummy = 0.0;
	double *s = m->season != TSP_ETS_N ? &m->s[m->pos] : &dummy;
	double l = m->l, b = m->b, sv = *s;
	double f = step(m, &l, &b, &sv, y);

	if (isnan(f))
		return NAN;
	m->l = l;
	m->b = b;
	*s = sv;
	if (m->season != TSP_ETS_N)
		m->pos = (m->pos + 1) % m->m;
	return f;
}

size_t tsp_ets_get_state(const struct tsp_ets_model *m, int which, double *x)
{
	size_t k = 0;

	x[k++] = which ? m->l : m->l0;
	if (m->trend != TSP_ETS_N)
		x[k++] = which ? m->b : m->b0;
	if (m->season != TSP_ETS_N) {
		for (size_t j = 0; j < m->m; j++) {
			/* R's s1 is the most recent season: the slot used m
			   steps ahead, just before pos in the ring */
			x[k++] = which ? m->s[(m->pos + m->m - 1 - j) % m->m]
				       : m->s0[j];
		}
	}
	return k;
}

void tsp_ets_put_state(struct tsp_ets_model *m, int which, const double *x)
{
	size_t k = 0;

	if (which)
		m->l = x[k++];
	else
		m->l0 = x[k++];
	if (m->trend != TSP_ETS_N) {
		if (which)
			m->b = x[k++];
		else
			m->b0 = x[k++];
	}
	if (m->season != TSP_ETS_N) {
		for (size_t j = 0; j < m->m; j++) {
			if (which)
				m->s[m->m - 1 - j] = x[k++];
			else
				m->s0[j] = x[k++];
		}
		if (which)
			m->pos = 0;
	}
}

int tsp_ets_filter(struct tsp_ets_model *m, const double *y, size_t n,
		   double *fitted, struct tsp_error *err)
{
	double sse = 0.0, sse_y = 0.0, logf = 0.0;
	size_t nn = 0;

	m->l = m->l0;
	m->b = m->trend == TSP_ETS_N ? 0.0 : m->b0;
	for (size_t j = 0; j < m->m; j++)
		m->s[m->m - 1 - j] = m->s0[j];
	m->pos = 0;
	for (size_t i = 0; i < n; i++) {
		double f = tsp_ets_update(m, y[i]);
		if (isnan(f))
			return tsp_error_set(err, TSP_EDATA,
				"ets: forecast undefined at observation %zu "
				"(negative multiplicative trend)", i + 1);
		if (fitted)
			fitted[i] = f;
		if (isnan(y[i]))
			continue;
		double e = m->error == TSP_ETS_A ? y[i] - f : (y[i] - f) / f;
		sse += e * e;
		sse_y += (y[i] - f) * (y[i] - f);
		logf += log(fabs(f));
		nn++;
	}
	m->n = nn;
	m->nobs = n;
	if (nn == 0) {
		m->loglik = m->aic = m->aicc = m->bic = NAN;
		m->mse = m->sigma2 = NAN;
		return 0;
	}
	{
		double lik = (double)nn * log(sse);
		double np = (double)m->npar + 1.0, dn = (double)nn;
		if (m->error == TSP_ETS_M)
			lik += 2.0 * logf;
		m->loglik = -0.5 * lik;
		m->aic = lik + 2.0 * np;
		m->bic = lik + log(dn) * np;
		m->aicc = m->aic + 2.0 * np * (np + 1.0) / (dn - np - 1.0);
		m->mse = sse_y / dn;
		m->sigma2 = sse / (dn - (double)(m->npar + m->nfixed));
	}
	return 0;
}

/* ---- forecasts ---------------------------------------------------- */

/* Point forecasts from the current states (R's etsforecast). */
static int point_forecast(const struct tsp_ets_model *m, size_t h,
			  double *mean)
{
	double phistar = m->phi;

	for (size_t i = 0; i < h; i++) {
		double f = level_part(m->trend, m->l, m->b, phistar);
		if (isnan(f))
			return -1;
		if (m->season == TSP_ETS_A)
			f += m->s[(m->pos + i) % m->m];
		else if (m->season == TSP_ETS_M)
			f *= m->s[(m->pos + i) % m->m];
		mean[i] = f;
		/* phistar = phi + phi^2 + ... + phi^(i+2) next */
		phistar += fabs(m->phi - 1.0) < ETS_TOL ? 1.0
			: pow(m->phi, (double)(i + 2));
	}
	return 0;
}

/*
 * c[j-1], j = 1..h-1: how much a one-step error moves the forecast j
 * steps later in a linear (class 1) model: alpha into the level, beta
 * into the slope (damped), gamma into the season that comes back after
 * m steps.  (R's class1 builds these from H F^(j-1) G; for a season
 * without trend it puts gamma one slot off, so R's variances for ANA
 * and MNA differ from these at the steps where that season recurs.)
 */
static void class1_c(const struct tsp_ets_model *m, size_t h, double *c)
{
	double damp = 0.0, pj = 1.0;

	for (size_t j = 1; j < h; j++) {
		double v = m->alpha;
		if (m->trend == TSP_ETS_A) {
			pj *= m->phi;
			damp += pj;
			v += m->beta * damp;
		}
		if (m->season == TSP_ETS_A && j % m->m == 0)
			v += m->gamma;
		c[j - 1] = v;
	}
}

/* Small dense matrices for class 3, row-major d x d. */
static void mm(size_t d, const double *a, const double *b, double *c)
{
	for (size_t i = 0; i < d; i++) {
		double *ci = c + i * d;
		for (size_t j = 0; j < d; j++)
			ci[j] = 0.0;
		for (size_t k = 0; k < d; k++) {
			double aik = a[i * d + k];
			if (aik == 0.0)
				continue;
			const double *bk = b + k * d;
			for (size_t j = 0; j < d; j++)
				ci[j] += aik * bk[j];
		}
	}
}

/* c = a b' */
static void mmt(size_t d, const double *a, const double *b, double *c)
{
	for (size_t i = 0; i < d; i++)
		for (size_t j = 0; j < d; j++) {
			double s = 0.0;
			for (size_t k = 0; k < d; k++)
				s += a[i * d + k] * b[j * d + k];
			c[i * d + j] = s;
		}
}

/* A (x) B for A ma x ma, B q x q into d = ma*q: index (i1*q+i2, j1*q+j2) */
static void kron(size_t ma, const double *a, size_t q, const double *b,
		 double *c)
{
	size_t d = ma * q;

	for (size_t i1 = 0; i1 < ma; i1++)
		for (size_t j1 = 0; j1 < ma; j1++)
			for (size_t i2 = 0; i2 < q; i2++)
				for (size_t j2 = 0; j2 < q; j2++)
					c[(i1 * q + i2) * d + j1 * q + j2] =
						a[i1 * ma + j1] * b[i2 * q + j2];
}

/*
 * R's class3: multiplicative error and season.  The level/slope and
 * the season multiply, so the moments of their product are carried in
 * Kronecker form (Hyndman et al. 2008, ch. 6); vec() is column-major,
 * which with the seasonal index outer is the Kronecker order.
 */
static int class3(const struct tsp_ets_model *m, size_t h, double *mean,
		  double *var)
{
	size_t q = m->trend == TSP_ETS_N ? 1 : 2, ms = m->m, d = q * ms;
	double F1[4] = {1, 0, 0, 0}, G1[4] = {0};
	double *F2 = calloc(ms * ms, sizeof(double));
	double *G2 = calloc(ms * ms, sizeof(double));
	double *w = malloc(9 * d * d * sizeof(double));
	double sig = m->sigma2;
	double Mh[2 * TSP_ETS_MAXM], Mn[2 * TSP_ETS_MAXM], xs[TSP_ETS_MAXM];

	if (!F2 || !G2 || !w) {
		free(F2);
		free(G2);
		free(w);
		return -1;
	}
	double *F21 = w, *G21 = w + d * d, *K = w + 2 * d * d;
	double *V = w + 3 * d * d, *T1 = w + 4 * d * d, *T2 = w + 5 * d * d;
	double *Vn = w + 6 * d * d, *A = w + 7 * d * d, *B = w + 8 * d * d;

	if (q == 1) {
		G1[0] = m->alpha;
	} else {
		F1[1] = 1.0;
		F1[3] = m->damped ? m->phi : 1.0;
		G1[0] = G1[1] = m->alpha;
		G1[2] = G1[3] = m->beta;
	}
	F2[ms - 1] = 1.0;
	for (size_t i = 1; i < ms; i++)
		F2[i * ms + i - 1] = 1.0;
	G2[ms - 1] = m->gamma;
	{
		double x[2 + TSP_ETS_MAXM];
		tsp_ets_get_state(m, 1, x);
		for (size_t j = 0; j < ms; j++)
			xs[j] = x[q + j];
		/* Mh (q x ms), stored column-major as vec(Mh) */
		for (size_t j = 0; j < ms; j++)
			for (size_t i = 0; i < q; i++)
				Mh[j * q + i] = x[i] * xs[j];
	}
	kron(ms, F2, q, F1, F21);
	kron(ms, G2, q, G1, G21);
	kron(ms, G2, q, F1, T1);
	kron(ms, F2, q, G1, T2);
	for (size_t i = 0; i < d * d; i++) {
		K[i] = T1[i] + T2[i];
		V[i] = 0.0;
	}
	for (size_t t = 0; t < h; t++) {
		/* H1 Mh H2': sum over the level/slope rows of the last
		   seasonal column; H21 V H21' likewise on V */
		double mu = 0.0, hvh = 0.0;
		for (size_t i = 0; i < q; i++)
			mu += Mh[(ms - 1) * q + i];
		for (size_t i = 0; i < q; i++)
			for (size_t j = 0; j < q; j++)
				hvh += V[((ms - 1) * q + i) * d + (ms - 1) * q + j];
		mean[t] = mu;
		var[t] = (1.0 + sig) * hvh + sig * mu * mu;
		if (t + 1 == h)
			break;
		/* Vn = F V F' + sig (F V G' + G V F' + K (V + vv') K'
		 *      + sig G (3V + 2vv') G') */
		mm(d, F21, V, T1);
		mmt(d, T1, F21, Vn);
		mmt(d, T1, G21, T2);
		for (size_t i = 0; i < d * d; i++)
			Vn[i] += sig * T2[i];
		mm(d, G21, V, T1);
		mmt(d, T1, F21, T2);
		for (size_t i = 0; i < d * d; i++)
			Vn[i] += sig * T2[i];
		for (size_t i = 0; i < d; i++)
			for (size_t j = 0; j < d; j++) {
				A[i * d + j] = V[i * d + j] + Mh[i] * Mh[j];
				B[i * d + j] = 3.0 * V[i * d + j]
					+ 2.0 * Mh[i] * Mh[j];
			}
		mm(d, K, A, T1);
		mmt(d, T1, K, T2);
		for (size_t i = 0; i < d * d; i++)
			Vn[i] += sig * T2[i];
		mm(d, G21, B, T1);
		mmt(d, T1, G21, T2);
		for (size_t i = 0; i < d * d; i++)
			Vn[i] += sig * sig * T2[i];
		memcpy(V, Vn, d * d * sizeof(double));
		/* Mh = F1 Mh F2' + sig G1 Mh G2' */
		for (size_t j = 0; j < ms; j++)
			for (size_t i = 0; i < q; i++) {
				double s1 = 0.0, s2 = 0.0;
				for (size_t k = 0; k < ms; k++) {
					double f2 = F2[j * ms + k], g2 = G2[j * ms + k];
					if (f2 == 0.0 && g2 == 0.0)
						continue;
					double fm = 0.0, gm = 0.0;
					for (size_t r = 0; r < q; r++) {
						fm += F1[i * 2 + r] * Mh[k * q + r];
						gm += G1[i * 2 + r] * Mh[k * q + r];
					}
					s1 += fm * f2;
					s2 += gm * g2;
				}
				Mn[j * q + i] = s1 + sig * s2;
			}
		memcpy(Mh, Mn, d * sizeof(double));
	}
	free(F2);
	free(G2);
	free(w);
	return 0;
}

int tsp_ets_forecast(const struct tsp_ets_model *m, size_t h, double *mean,
		     double *var, struct tsp_error *err)
{
	if (h == 0)
		return tsp_error_set(err, TSP_EUSAGE, "ets: forecast horizon 0");
	if (point_forecast(m, h, mean) < 0)
		return tsp_error_set(err, TSP_EDATA, "ets: forecast undefined "
				     "(negative multiplicative trend)");
	if (!var)
		return 0;
	if (m->trend == TSP_ETS_M) {
		for (size_t i = 0; i < h; i++)
			var[i] = NAN;
		return 0;
	}
	if (m->season != TSP_ETS_M) {
		double *c = malloc(h * sizeof(double));
		if (!c)
			return tsp_error_set(err, TSP_ENOMEM, "out of memory");
		class1_c(m, h, c);
		if (m->error == TSP_ETS_A) {
			double cum = 0.0;
			var[0] = m->sigma2;
			for (size_t j = 1; j < h; j++) {
				cum += c[j - 1] * c[j - 1];
				var[j] = m->sigma2 * (1.0 + cum);
			}
		} else {
			/* class 2: theta_j = mu_j^2 + sigma2 sum_i c_i^2
			   theta_(j-i), var = (1 + sigma2) theta - mu^2 */
			for (size_t j = 0; j < h; j++) {
				double th = mean[j] * mean[j];
				for (size_t i = 1; i <= j; i++)
					th += m->sigma2 * c[i - 1] * c[i - 1]
						* var[j - i];
				var[j] = th;	/* theta for now */
			}
			for (size_t j = 0; j < h; j++)
				var[j] = (1.0 + m->sigma2) * var[j]
					- mean[j] * mean[j];
		}
		free(c);
		return 0;
	}
	if (m->error == TSP_ETS_A) {
		for (size_t i = 0; i < h; i++)
			var[i] = NAN;
		return 0;
	}
	if (class3(m, h, mean, var) < 0)
		return tsp_error_set(err, TSP_ENOMEM, "out of memory");
	return 0;
}

/* ---- simulation ----------------------------------------------------- */

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return (x > y) - (x < y);
}

/* R's quantile(type = 8) of sorted x[0..n) */
static double quantile8(const double *x, size_t n, double p)
{
	double nppm = 1.0 / 3.0 + p * ((double)n + 1.0 / 3.0);
	double j = floor(nppm + 4.0 * 2.220446e-16);
	double g = nppm - j;
	long lo = (long)j, hi = lo + 1;

	if (fabs(g) < 4.0 * 2.220446e-16)
		g = 0.0;
	if (lo < 1)
		lo = 1;
	if (lo > (long)n)
		lo = (long)n;
	if (hi < 1)
		hi = 1;
	if (hi > (long)n)
		hi = (long)n;
	return (1.0 - g) * x[lo - 1] + g * x[hi - 1];
}

int tsp_ets_simulate(const struct tsp_ets_model *m, size_t h, size_t nsim,
		     unsigned long seed, const double *probs, size_t nprobs,
		     double *quantiles, struct tsp_error *err)
{
	double sd = sqrt(m->sigma2);
	double *paths;
	size_t *cnt;
	gsl_rng *rng;

	if (h == 0 || nsim == 0)
		return tsp_error_set(err, TSP_EUSAGE,
				     "ets: simulation needs h and nsim > 0");
	for (size_t j = 0; j < nprobs; j++)
		if (!(probs[j] >= 0.0 && probs[j] <= 1.0))
			return tsp_error_set(err, TSP_EUSAGE,
				"ets: probability %g outside [0, 1]", probs[j]);
	if (nsim > ((size_t)-1) / sizeof(double) / h)
		return tsp_error_set(err, TSP_ENOMEM, "out of memory");
	paths = malloc(h * nsim * sizeof(double));
	cnt = calloc(h, sizeof(size_t));
	rng = gsl_rng_alloc(gsl_rng_mt19937);
	if (!paths || !cnt || !rng) {
		free(paths);
		free(cnt);
		if (rng)
			gsl_rng_free(rng);
		return tsp_error_set(err, TSP_ENOMEM, "out of memory");
	}
	gsl_rng_set(rng, seed);
	/* step i's values are stored together, so each can be sorted */
	for (size_t k = 0; k < nsim; k++) {
		struct tsp_ets_model w = *m;
		int dead = 0;
		for (size_t i = 0; i < h; i++) {
			double e = gsl_ran_gaussian_ziggurat(rng, sd), f, yv;
			if (dead) {
				continue;
			}
			if (m->error == TSP_ETS_M && e < -1.0)
				e = -1.0;
			{
				struct tsp_ets_model v = w;
				f = tsp_ets_update(&v, NAN);
			}
			if (isnan(f)) {
				dead = 1;
				continue;
			}
			yv = m->error == TSP_ETS_A ? f + e : f * (1.0 + e);
			tsp_ets_update(&w, yv);
			paths[i * nsim + cnt[i]++] = yv;
		}
	}
	for (size_t i = 0; i < h; i++) {
		double *x = paths + i * nsim;
		qsort(x, cnt[i], sizeof(double), cmp_double);
		for (size_t j = 0; j < nprobs; j++)
			quantiles[i * nprobs + j] = cnt[i] ?
				quantile8(x, cnt[i], probs[j]) : NAN;
	}
	gsl_rng_free(rng);
	free(paths);
	free(cnt);
	return 0;
}

/* ---- label, save, load ---------------------------------------------- */

static const char comp_ch[] = "NAM";

void tsp_ets_label(const struct tsp_ets_model *m, char *buf, size_t n)
{
	if (n == 0)
		return;
	snprintf(buf, n, "ETS(%c,%c%s,%c)", comp_ch[m->error % 3],
		 comp_ch[m->trend % 3], m->damped ? "d" : "",
		 comp_ch[m->season % 3]);
}

int tsp_ets_save(const struct tsp_ets_model *m, struct tsp_params *p,
		 struct tsp_error *err)
{
	char label[32];
	double spec[5] = {m->error, m->trend, m->season, m->damped,
			  (double)m->m};
	double par[4] = {m->alpha, m->beta, m->gamma, m->phi};
	double init[2 + TSP_ETS_MAXM], state[3 + TSP_ETS_MAXM];
	double fit[11] = {m->sigma2, m->loglik, m->aic, m->aicc, m->bic,
			  m->mse, (double)m->n, (double)m->nobs,
			  (double)m->npar, (double)m->nfixed,
			  (double)(m->season_dropped | m->fallback << 1)};
	size_t ni = 2 + m->m;

	if (m->m < 1 || m->m > TSP_ETS_MAXM || m->pos >= m->m)
		return tsp_error_set(err, TSP_EUSAGE, "ets: invalid model");
	init[0] = m->l0;
	init[1] = m->b0;
	memcpy(init + 2, m->s0, m->m * sizeof(double));
	state[0] = m->l;
	state[1] = m->b;
	state[2] = (double)m->pos;
	memcpy(state + 3, m->s, m->m * sizeof(double));
	tsp_ets_label(m, label, sizeof(label));
	if (tsp_params_str(p, "ets_model", label, err) < 0 ||
	    tsp_params_nums(p, "ets_spec", spec, 5, err) < 0 ||
	    tsp_params_nums(p, "ets_par", par, 4, err) < 0 ||
	    tsp_params_nums(p, "ets_init", init, ni, err) < 0 ||
	    tsp_params_nums(p, "ets_state", state, ni + 1, err) < 0 ||
	    tsp_params_nums(p, "ets_fit", fit, 11, err) < 0)
		return -1;
	return 0;
}

/* Find item name as an array of exactly n numbers (n 0: any count up
 * to max, returned in *got). */
static int load_nums(const unsigned char *buf, size_t len, const char *name,
		     size_t n, size_t max, double *out, size_t *got,
		     struct tsp_error *err)
{
	struct tsp_param it;
	int rc = tsp_params_find(buf, len, name, &it);

	if (rc < 0)
		return tsp_error_set(err, TSP_EDATA, "ets: corrupt parameters");
	if (rc == 0)
		return tsp_error_set(err, TSP_EDATA, "ets: no '%s' item", name);
	if (it.type != TSP_PARAM_NUMS || (n && it.n != n) || it.n > max)
		return tsp_error_set(err, TSP_EDATA, "ets: bad '%s' item", name);
	for (size_t i = 0; i < it.n; i++)
		out[i] = tsp_param_at(&it, i);
	if (got)
		*got = it.n;
	return 0;
}

static int is_count(double v, double max)
{
	return v >= 0.0 && v <= max && v == floor(v);
}

int tsp_ets_load(struct tsp_ets_model *m, const unsigned char *buf,
		 size_t len, struct tsp_error *err)
{
	double spec[5], par[4], init[2 + TSP_ETS_MAXM], state[3 + TSP_ETS_MAXM];
	double fit[11];
	size_t ms;

	memset(m, 0, sizeof(*m));
	if (load_nums(buf, len, "ets_spec", 5, 5, spec, NULL, err) < 0 ||
	    load_nums(buf, len, "ets_par", 4, 4, par, NULL, err) < 0 ||
	    load_nums(buf, len, "ets_fit", 11, 11, fit, NULL, err) < 0)
		return -1;
	if (!is_count(spec[0], 2) || spec[0] < 1 || !is_count(spec[1], 2) ||
	    !is_count(spec[2], 2) || !is_count(spec[3], 1) ||
	    !is_count(spec[4], TSP_ETS_MAXM) || spec[4] < 1 ||
	    (spec[3] == 1 && spec[1] == 0) ||
	    (spec[2] != 0) != (spec[4] >= 2))
		return tsp_error_set(err, TSP_EDATA, "ets: bad model spec");
	m->error = (int)spec[0];
	m->trend = (int)spec[1];
	m->season = (int)spec[2];
	m->damped = (int)spec[3];
	m->m = ms = (size_t)spec[4];
	m->alpha = par[0];
	m->beta = par[1];
	m->gamma = par[2];
	m->phi = par[3];
	if (!(m->alpha > 0.0 && m->alpha <= 1.0) ||
	    !(m->beta >= 0.0 && m->beta <= 1.0) ||
	    !(m->gamma >= 0.0 && m->gamma <= 1.0) ||
	    !(m->phi > 0.0 && m->phi <= 1.0) ||
	    (m->trend == TSP_ETS_N && m->beta != 0.0) ||
	    (m->season == TSP_ETS_N && m->gamma != 0.0) ||
	    (!m->damped && m->phi != 1.0))
		return tsp_error_set(err, TSP_EDATA, "ets: bad smoothing parameters");
	if (load_nums(buf, len, "ets_init", 2 + ms, 2 + ms, init, NULL, err) < 0 ||
	    load_nums(buf, len, "ets_state", 3 + ms, 3 + ms, state, NULL, err) < 0)
		return -1;
	for (size_t i = 0; i < 2 + ms; i++)
		if (!isfinite(init[i]) || !isfinite(state[i == 2 ? 0 : i]))
			return tsp_error_set(err, TSP_EDATA, "ets: non-finite state");
	if (!isfinite(state[ms + 2]) || !is_count(state[2], (double)ms - 1))
		return tsp_error_set(err, TSP_EDATA, "ets: bad state");
	m->l0 = init[0];
	m->b0 = init[1];
	memcpy(m->s0, init + 2, ms * sizeof(double));
	m->l = state[0];
	m->b = state[1];
	m->pos = (size_t)state[2];
	memcpy(m->s, state + 3, ms * sizeof(double));
	if ((m->trend == TSP_ETS_N && (m->b != 0.0 || m->b0 != 0.0)))
		return tsp_error_set(err, TSP_EDATA, "ets: bad state");
	m->sigma2 = fit[0];
	m->loglik = fit[1];
	m->aic = fit[2];
	m->aicc = fit[3];
	m->bic = fit[4];
	m->mse = fit[5];
	if (!(m->sigma2 >= 0.0) || !isfinite(m->sigma2) ||
	    !is_count(fit[6], 1e15) || !is_count(fit[7], 1e15) ||
	    fit[6] > fit[7] || !is_count(fit[8], 100) || !is_count(fit[9], 4) ||
	    !is_count(fit[10], 3))
		return tsp_error_set(err, TSP_EDATA, "ets: bad fit summary");
	m->n = (size_t)fit[6];
	m->nobs = (size_t)fit[7];
	m->npar = (size_t)fit[8];
	m->nfixed = (size_t)fit[9];
	m->season_dropped = (int)fit[10] & 1;
	m->fallback = (int)fit[10] >> 1;
	return 0;
}
