/*
 * One-dimensional Gaussian mixtures by EM (see tsp_gmm.h for what is
 * computed; scripts/gen-gmm-fixtures checks it against sklearn).
 */
#include <float.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <gsl/gsl_cdf.h>
#include <gsl/gsl_math.h>	/* M_PI, M_SQRT2 */
#include <gsl/gsl_sf_erf.h>

#include "tsp_gmm.h"

#define MIN_PER_K 10		/* values per component tried */
#define REG_COVAR 1e-6		/* sklearn's default, in standardised units */
#define EM_TOL 1e-3
#define EM_MAX_ITER 100
#define KM_MAX_ITER 100
#define LOG_2PI 1.8378770664093454836

/* The finite values, standardised and sorted, shared by every k. */
struct work {
	double *z;
	size_t n, ndistinct;
	double m, s;		/* z = (x - m) / s */
	double reg;		/* variance floor, standardised units */
};

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

/*
 * The recording resolution of the values: the largest of 1, 0.1, 0.01,
 * 0.001 of which every value is a multiple, or 0.  Such a value stands
 * for anything within half a step, a spread of variance d^2 / 12.
 */
static double resolution(const double *z, size_t n)
{
	static const double steps[] = { 1, 0.1, 0.01, 0.001 };

	for (size_t k = 0; k < sizeof(steps) / sizeof(steps[0]); k++) {
		size_t i;

		for (i = 0; i < n; i++) {
			double v = z[i] / steps[k];

			if (!(fabs(v - nearbyint(v)) <= 1e-6 + 1e-12 * fabs(v)))
				break;
		}
		if (i == n)
			return steps[k];
	}
	return 0;
}

static int work_init(struct work *w, const double *x, size_t n,
		     struct tsp_error *err)
{
	size_t nf = 0, same;
	double sum = 0, ss = 0;

	memset(w, 0, sizeof(*w));
	for (size_t i = 0; i < n; i++)
		if (isfinite(x[i]))
			nf++;
	if (nf < MIN_PER_K)
		return tsp_error_set(err, TSP_EDATA, "too few values to fit a "
				     "mixture: %zu finite, %d needed", nf,
				     MIN_PER_K);
	w->z = malloc(nf * sizeof(*w->z));
	if (!w->z)
		return tsp_error_set(err, TSP_ENOMEM, "out of memory");
	for (size_t i = 0; i < n; i++)
		if (isfinite(x[i])) {
			w->z[w->n++] = x[i];
			sum += x[i];
		}
	w->m = sum / (double)nf;
	for (size_t i = 0; i < nf; i++)
		ss += (w->z[i] - w->m) * (w->z[i] - w->m);
	w->s = sqrt(ss / (double)nf);
	for (same = 1; same < nf && w->z[same] == w->z[0]; same++)
		;
	if (same == nf) {	/* constant: not the rounded sum's spread */
		w->m = w->z[0];
		w->s = w->m != 0 ? fabs(w->m) : 1;
	} else if (!isfinite(w->s) || !isfinite(w->m)) {
		free(w->z);
		return tsp_error_set(err, TSP_EDATA, "values too large to fit "
				     "a mixture (their variance overflows)");
	}
	w->reg = resolution(w->z, nf);
	w->reg = w->reg * w->reg / 12 / (w->s * w->s);
	if (!(w->reg > REG_COVAR))
		w->reg = REG_COVAR;
	for (size_t i = 0; i < nf; i++)
		w->z[i] = (w->z[i] - w->m) / w->s;
	qsort(w->z, nf, sizeof(*w->z), cmp_double);
	w->ndistinct = 1;
	for (size_t i = 1; i < nf; i++)
		if (w->z[i] != w->z[i - 1])
			w->ndistinct++;
	return 0;
}

/* Type-7 quantile of the sorted z. */
static double quantile(const double *z, size_t n, double p)
{
	double h = (double)(n - 1) * p;
	size_t lo = (size_t)floor(h);

	if (lo + 1 >= n)
		return z[n - 1];
	return z[lo] + (h - (double)lo) * (z[lo + 1] - z[lo]);
}

/* First index of sorted z[0..n) greater than v. */
static size_t upper_bound(const double *z, size_t n, double v)
{
	size_t lo = 0, hi = n;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (z[mid] > v)
			hi = mid;
		else
			lo = mid + 1;
	}
	return lo;
}

/* Cluster j of sorted means is z[st[j]..st[j+1]); returns an empty j or
 * -1. */
static int assign(const double *z, size_t n, const double *m, int k,
		  size_t *st)
{
	int empty = -1;

	st[0] = 0;
	st[k] = n;
	for (int j = 1; j < k; j++)
		st[j] = upper_bound(z, n, (m[j - 1] + m[j]) / 2);
	for (int j = k - 1; j >= 0; j--)
		if (st[j] == st[j + 1])
			empty = j;
	return empty;
}

static double range_mean(const double *z, size_t a, size_t b)
{
	double s = 0;

	for (size_t i = a; i < b; i++)
		s += z[i];
	return s / (double)(b - a);
}

/*
 * Lloyd's k-means from the quantile means; the start of EM in w, mu, var.
 * Returns 0 if a cluster stays empty.
 */
static int kmeans_start(const struct work *wk, int k, double *w, double *mu,
			double *var)
{
	const double *z = wk->z;
	size_t n = wk->n, st[TSP_GMM_KMAX + 1], prev[TSP_GMM_KMAX + 1];
	double m[TSP_GMM_KMAX];
	int have_prev = 0, empty;

	for (int j = 0; j < k; j++)
		m[j] = quantile(z, n, (j + 0.5) / k);
	for (int round = 0; round < KM_MAX_ITER; round++) {
		empty = assign(z, n, m, k, st);
		if (empty >= 0) {
			/* Move the empty cluster's mean to the value farthest
			   from its own cluster's mean, and keep means sorted. */
			double far = -1, v = 0;

			for (int j = 0; j < k; j++)
				for (size_t i = st[j]; i < st[j + 1]; i++)
					if (fabs(z[i] - m[j]) > far) {
						far = fabs(z[i] - m[j]);
						v = z[i];
					}
			m[empty] = v;
			for (int j = 1; j < k; j++)
				for (int i = j; i > 0 && m[i - 1] > m[i]; i--) {
					double t = m[i];

					m[i] = m[i - 1];
					m[i - 1] = t;
				}
			have_prev = 0;
			continue;
		}
		if (have_prev && memcmp(st, prev, sizeof(st)) == 0)
			break;
		for (int j = 0; j < k; j++)
			m[j] = range_mean(z, st[j], st[j + 1]);
		memcpy(prev, st, sizeof(st));
		have_prev = 1;
	}
	if (assign(z, n, m, k, st) >= 0)
		return 0;
	for (int j = 0; j < k; j++) {
		size_t c = st[j + 1] - st[j];
		double ss = 0;

		mu[j] = range_mean(z, st[j], st[j + 1]);
		for (size_t i = st[j]; i < st[j + 1]; i++)
			ss += (z[i] - mu[j]) * (z[i] - mu[j]);
		w[j] = (double)c / (double)n;
		var[j] = ss / (double)c + wk->reg;
	}
	return 1;
}

/*
 * One pass over z: the summed log-likelihood, and (if s0 is not NULL)
 * the responsibility sums S0, S1 = sum r d, S2 = sum r d^2 with
 * d = z - mu[j] (sums about the current mean lose no precision).
 */
static double em_pass(const double *z, size_t n, int k, const double *w,
		      const double *mu, const double *var, double *s0,
		      double *s1, double *s2)
{
	double lc[TSP_GMM_KMAX], ih[TSP_GMM_KMAX], lp[TSP_GMM_KMAX];
	double d[TSP_GMM_KMAX], ll = 0;

	for (int j = 0; j < k; j++) {
		lc[j] = log(w[j]) - 0.5 * (LOG_2PI + log(var[j]));
		ih[j] = 0.5 / var[j];
		if (s0)
			s0[j] = s1[j] = s2[j] = 0;
	}
	if (k == 1 && !s0) {
		for (size_t i = 0; i < n; i++) {
			double e = z[i] - mu[0];

			ll += lc[0] - ih[0] * e * e;
		}
		return ll;
	}
	for (size_t i = 0; i < n; i++) {
		double mx = -INFINITY, sum = 0, x = z[i];

		for (int j = 0; j < k; j++) {
			d[j] = x - mu[j];
			lp[j] = lc[j] - ih[j] * d[j] * d[j];
			if (lp[j] > mx)
				mx = lp[j];
		}
		for (int j = 0; j < k; j++) {
			lp[j] = exp(lp[j] - mx);
			sum += lp[j];
		}
		ll += mx + log(sum);
		if (!s0)
			continue;
		for (int j = 0; j < k; j++) {
			double r = lp[j] / sum, rd = r * d[j];

			s0[j] += r;
			s1[j] += rd;
			s2[j] += rd * d[j];
		}
	}
	return ll;
}

int tsp_gmm_check(const struct tsp_gmm *g, struct tsp_error *err)
{
	double sum = 0;

	if (g->k < 1 || g->k > TSP_GMM_KMAX)
		return tsp_error_set(err, TSP_EDATA, "mixture of %d "
				     "components (1..%d)", g->k, TSP_GMM_KMAX);
	for (int j = 0; j < g->k; j++) {
		if (!(g->w[j] > 0) || !isfinite(g->w[j]))
			return tsp_error_set(err, TSP_EDATA, "mixture weight "
					     "%d is not positive", j + 1);
		if (!isfinite(g->mu[j]))
			return tsp_error_set(err, TSP_EDATA, "mixture mean "
					     "%d is not finite", j + 1);
		if (!(g->var[j] > 0) || !isfinite(g->var[j]))
			return tsp_error_set(err, TSP_EDATA, "mixture "
					     "variance %d is not positive",
					     j + 1);
		sum += g->w[j];
	}
	if (!(fabs(sum - 1) <= 1e-9))
		return tsp_error_set(err, TSP_EDATA, "mixture weights sum "
				     "to %.17g, not 1", sum);
	return 0;
}

void tsp_gmm_prepare(struct tsp_gmm *g)
{
	g->ref = -INFINITY;
	g->dom = 0;
	for (int j = 0; j < g->k; j++) {
		g->lc[j] = log(g->w[j]) - 0.5 * (LOG_2PI + log(g->var[j]));
		g->ih[j] = 0.5 / g->var[j];
		g->lw[j] = log(g->w[j]);
		g->sd[j] = sqrt(g->var[j]);
	}
	for (int j = 0; j < g->k; j++) {
		double lp = tsp_gmm_logpdf(g, g->mu[j]);

		if (lp > g->ref) {
			g->ref = lp;
			g->dom = j;
		}
	}
}

static int fit_k(const struct work *wk, int k, struct tsp_gmm *out,
		 struct tsp_gmm *start)
{
	double w[TSP_GMM_KMAX], mu[TSP_GMM_KMAX], var[TSP_GMM_KMAX];
	double s0[TSP_GMM_KMAX], s1[TSP_GMM_KMAX], s2[TSP_GMM_KMAX];
	double lb = -INFINITY, nd = (double)wk->n, ll, ls = log(wk->s);
	int it, converged = 0;

	if (wk->n < (size_t)MIN_PER_K * (size_t)k || wk->ndistinct < (size_t)k)
		return 0;
	if (!kmeans_start(wk, k, w, mu, var))
		return 0;
	if (start) {
		memset(start, 0, sizeof(*start));
		start->k = k;
		for (int j = 0; j < k; j++) {
			start->w[j] = w[j];
			start->mu[j] = wk->m + wk->s * mu[j];
			start->var[j] = wk->s * wk->s * var[j];
		}
	}
	for (it = 1; it <= EM_MAX_ITER; it++) {
		double lbn, tot = 0;

		lbn = em_pass(wk->z, wk->n, k, w, mu, var, s0, s1, s2) / nd;
		for (int j = 0; j < k; j++) {
			double nk = s0[j] + 10 * DBL_EPSILON;
			double mnew = (s1[j] + mu[j] * s0[j]) / nk;
			double dl = mnew - mu[j];
			double ss = s2[j] - 2 * dl * s1[j] + dl * dl * s0[j];

			mu[j] = mnew;
			var[j] = (ss > 0 ? ss : 0) / nk + wk->reg;
			w[j] = nk;
			tot += nk;
		}
		for (int j = 0; j < k; j++)
			w[j] /= tot;
		if (fabs(lbn - lb) < EM_TOL) {
			lb = lbn;
			converged = 1;
			break;
		}
		lb = lbn;
	}
	ll = em_pass(wk->z, wk->n, k, w, mu, var, NULL, NULL, NULL);
	memset(out, 0, sizeof(*out));
	out->k = k;
	for (int j = 0; j < k; j++) {
		out->w[j] = w[j];
		out->mu[j] = wk->m + wk->s * mu[j];
		out->var[j] = wk->s * wk->s * var[j];
	}
	out->n = wk->n;
	out->loglik = ll - nd * ls;
	out->bic = -2 * out->loglik + (3.0 * k - 1) * log(nd);
	out->lower_bound = lb - ls;
	out->iter = converged ? it : EM_MAX_ITER;
	out->converged = converged;
	tsp_gmm_prepare(out);
	return 1;
}

int tsp_gmm_fit_k(const double *x, size_t n, int k, struct tsp_gmm *out,
		  struct tsp_gmm *start, struct tsp_error *err)
{
	struct work wk;
	int rc;

	if (k < 1 || k > TSP_GMM_KMAX)
		return tsp_error_set(err, TSP_EUSAGE, "mixture components "
				     "must be 1..%d", TSP_GMM_KMAX);
	if (work_init(&wk, x, n, err) < 0)
		return -1;
	rc = fit_k(&wk, k, out, start);
	free(wk.z);
	return rc;
}

int tsp_gmm_fit(const double *x, size_t n, int kmax, struct tsp_gmm *out,
		struct tsp_error *err)
{
	struct work wk;
	struct tsp_gmm g;

	if (kmax < 1 || kmax > TSP_GMM_KMAX)
		return tsp_error_set(err, TSP_EUSAGE, "mixture components "
				     "must be 1..%d", TSP_GMM_KMAX);
	if (work_init(&wk, x, n, err) < 0)
		return -1;
	fit_k(&wk, 1, out, NULL);	/* always tried: n >= MIN_PER_K */
	for (int k = 2; k <= kmax; k++)
		if (fit_k(&wk, k, &g, NULL) && g.bic < out->bic)
			*out = g;
	free(wk.z);
	return 0;
}

double tsp_gmm_logpdf(const struct tsp_gmm *g, double x)
{
	double lp[TSP_GMM_KMAX], mx = -INFINITY, sum = 0;

	if (isnan(x))
		return NAN;
	for (int j = 0; j < g->k; j++) {
		double d = x - g->mu[j];

		lp[j] = g->lc[j] - g->ih[j] * d * d;
		if (lp[j] > mx)
			mx = lp[j];
	}
	if (g->k == 1 || mx == -INFINITY)
		return mx;
	for (int j = 0; j < g->k; j++)
		sum += exp(lp[j] - mx);
	return mx + log(sum);
}

/*
 * log(2 Q(z)) = log erfc(z / sqrt 2), for z >= 0.  Beyond z = 40 (and
 * where GSL's gives NaN, z ~ 1e150) the asymptotic series
 * 2 Q(z) ~ sqrt(2 / pi) e^(-z^2 / 2) / z (1 - 1/z^2 + 3/z^4 - 15/z^6 +
 * 105/z^8), whose next term, 945/z^10, is below 1e-13 there: the two
 * agree to about 1e-13 at the switch.
 */
static double log_2q(double z)
{
	double r;

	if (z <= 40)
		return gsl_sf_log_erfc(z / M_SQRT2);
	r = 1 / (z * z);
	return -z * z / 2 - log(z) - 0.5 * log(M_PI / 2) +
	       log1p(r * (-1 + r * (3 + r * (-15 + r * 105))));
}

/*
 * The z >= 0 with log(2 Q(z)) = lp (lp <= 0), for lp below a double's
 * range (lp < log(TAIL_LINEAR)): Newton from the leading term, with
 * d/dz log erfc(z / sqrt 2) = -sqrt(2 / pi) / (erfc(z / sqrt 2)
 * e^(z^2 / 2)), whose logarithm stays in range.
 */
static double inv_log_2q(double lp)
{
	double z = sqrt(-2 * lp);

	for (int i = 0; i < 50; i++) {
		double l2q = log_2q(z), f = l2q - lp;
		double d = -exp(0.5 * log(2 / M_PI) - z * z / 2 - l2q);
		double step = f / d;

		z -= step;
		if (fabs(step) <= 1e-15 * z)
			break;
	}
	return z;
}

/* Tail masses at least this large are summed as they are (every erfc
 * that underflows is then below 1e-27 of the sum); smaller ones in log
 * space. */
#define TAIL_LINEAR 1e-280
/* Past this many sd from every mean the score is the smallest distance
 * in sd: the rest (log w, log z) is below 1e-290 of it, and z^2 would
 * overflow. */
#define Z_HUGE 1e150

/*
 * The tail mass of finite x: returns 1 with *p = p(x) if that is at
 * least TAIL_LINEAR, else 0 with *lp = log p(x) (-Inf if below -DBL_MAX)
 * and *zmin the smallest |x - mu_j| / sd_j.
 */
static int tail(const struct tsp_gmm *g, double x, double *p, double *lp,
		double *zmin)
{
	double z[TSP_GMM_KMAX], lt[TSP_GMM_KMAX], m = -INFINITY, sum = 0;

	*p = 0;
	*zmin = INFINITY;
	for (int j = 0; j < g->k; j++) {
		z[j] = fabs(x - g->mu[j]) / g->sd[j];
		if (z[j] < *zmin)
			*zmin = z[j];
		*p += g->w[j] * erfc(z[j] / M_SQRT2);
	}
	if (*p >= TAIL_LINEAR)
		return 1;
	for (int j = 0; j < g->k; j++) {
		lt[j] = g->lw[j] + log_2q(z[j]);
		if (lt[j] > m)
			m = lt[j];
	}
	if (m == -INFINITY) {
		*lp = m;
		return 0;
	}
	for (int j = 0; j < g->k; j++)
		sum += exp(lt[j] - m);
	*lp = m + log(sum);
	return 0;
}

double tsp_gmm_logtail(const struct tsp_gmm *g, double x)
{
	double p, lp, zmin;

	if (isnan(x))
		return NAN;
	if (isinf(x))
		return -INFINITY;
	return tail(g, x, &p, &lp, &zmin) ? log(p) : lp;
}

double tsp_gmm_score(const struct tsp_gmm *g, double x)
{
	double p, lp, zmin;

	if (isnan(x))
		return NAN;
	if (isinf(x))
		return INFINITY;
	if (g->k == 1) {	/* exactly |z| */
		zmin = fabs(x - g->mu[0]) / g->sd[0];
		return zmin <= DBL_MAX ? zmin : DBL_MAX;
	}
	if (tail(g, x, &p, &lp, &zmin))
		return p >= 1 ? 0 : gsl_cdf_ugaussian_Qinv(p / 2);
	if (zmin > Z_HUGE)
		return zmin <= DBL_MAX ? zmin : DBL_MAX;
	return inv_log_2q(lp);
}

double tsp_gmm_zscore(const struct tsp_gmm *g, double x)
{
	double s = tsp_gmm_score(g, x);

	return x < g->mu[g->dom] ? -s : s;
}

static const char *item(char *buf, size_t n, const char *prefix,
			const char *name)
{
	snprintf(buf, n, "%s%s", prefix, name);
	return buf;
}

int tsp_gmm_save(const struct tsp_gmm *g, const char *prefix,
		 struct tsp_params *p, struct tsp_error *err)
{
	char nm[512];

	if (tsp_params_num(p, item(nm, sizeof(nm), prefix, "k"), g->k, err) ||
	    tsp_params_nums(p, item(nm, sizeof(nm), prefix, "w"), g->w,
			    (size_t)g->k, err) ||
	    tsp_params_nums(p, item(nm, sizeof(nm), prefix, "mu"), g->mu,
			    (size_t)g->k, err) ||
	    tsp_params_nums(p, item(nm, sizeof(nm), prefix, "var"), g->var,
			    (size_t)g->k, err) ||
	    tsp_params_num(p, item(nm, sizeof(nm), prefix, "n"),
			   (double)g->n, err) ||
	    tsp_params_num(p, item(nm, sizeof(nm), prefix, "loglik"),
			   g->loglik, err) ||
	    tsp_params_num(p, item(nm, sizeof(nm), prefix, "bic"), g->bic,
			   err))
		return -1;
	return 0;
}

/* Item prefix+name as a number; 0, or -1 if absent or not a number. */
static int get_num(const unsigned char *buf, size_t len, const char *prefix,
		   const char *name, double *v)
{
	struct tsp_param it;
	char nm[512];

	if (tsp_params_find(buf, len, item(nm, sizeof(nm), prefix, name),
			    &it) != 1 || it.type != TSP_PARAM_NUM)
		return -1;
	*v = it.num;
	return 0;
}

/* Item prefix+name as exactly k numbers. */
static int get_nums(const unsigned char *buf, size_t len, const char *prefix,
		    const char *name, int k, double *v)
{
	struct tsp_param it;
	char nm[512];

	if (tsp_params_find(buf, len, item(nm, sizeof(nm), prefix, name),
			    &it) != 1 || it.type != TSP_PARAM_NUMS ||
	    it.n != (size_t)k)
		return -1;
	for (int j = 0; j < k; j++)
		v[j] = tsp_param_at(&it, (size_t)j);
	return 0;
}

int tsp_gmm_load(const char *prefix, const unsigned char *buf, size_t len,
		 struct tsp_gmm *g, struct tsp_error *err)
{
	double k, n;
	struct tsp_error e;

	memset(g, 0, sizeof(*g));
	if (get_num(buf, len, prefix, "k", &k) < 0 ||
	    !(k >= 1 && k <= TSP_GMM_KMAX) || k != floor(k))
		return tsp_error_set(err, TSP_EDATA, "corrupt entry: missing "
				     "or impossible %sk", prefix);
	g->k = (int)k;
	if (get_nums(buf, len, prefix, "w", g->k, g->w) < 0 ||
	    get_nums(buf, len, prefix, "mu", g->k, g->mu) < 0 ||
	    get_nums(buf, len, prefix, "var", g->k, g->var) < 0 ||
	    get_num(buf, len, prefix, "n", &n) < 0 ||
	    get_num(buf, len, prefix, "loglik", &g->loglik) < 0 ||
	    get_num(buf, len, prefix, "bic", &g->bic) < 0 ||
	    !(n >= 0 && n <= 1e15) || n != floor(n))
		return tsp_error_set(err, TSP_EDATA, "corrupt entry: missing "
				     "or impossible mixture items under '%s'",
				     prefix);
	if (tsp_gmm_check(g, &e) < 0)
		return tsp_error_set(err, TSP_EDATA, "corrupt entry: %s",
				     e.msg);
	g->n = (size_t)n;
	g->lower_bound = NAN;
	g->converged = 1;
	tsp_gmm_prepare(g);
	return 0;
}
