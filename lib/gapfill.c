/*
 * The output side of the regrid engine: finished buckets wait in a queue
 * per series until everything their cleaning and filling depends on has
 * arrived (Hampel needs hampel_window steps ahead, linear/next the next
 * known point, spline/akima TSP_REGRID_KNOTS known points ahead), then
 * are emitted in time order.
 */
#include "regrid_impl.h"

#include <gsl/gsl_errno.h>
#include <gsl/gsl_interp.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

int rg_queue_push(struct tsp_regrid *rg, size_t idx, const struct rg_item *it,
		  struct tsp_error *err)
{
	struct rg_series *s = &rg->s[idx];

	if (s->qhead == s->qtail)
		s->qhead = s->qtail = 0;
	if (s->qtail == s->qcap_items) {
		if (s->qhead > s->qcap_items / 2) {
			memmove(s->q, s->q + s->qhead,
				(s->qtail - s->qhead) * sizeof(*s->q));
			s->qtail -= s->qhead;
			s->qhead = 0;
		} else {
			size_t ncap = s->qcap_items ? s->qcap_items * 2 : 2;
			struct rg_item *nq = realloc(s->q, ncap * sizeof(*nq));
			if (!nq)
				return tsp_error_set(err, TSP_ENOMEM,
						     "out of memory");
			s->q = nq;
			s->qcap_items = ncap;
		}
	}
	s->q[s->qtail++] = *it;
	return 0;
}

static int hist_add(struct tsp_regrid *rg, struct rg_series *s, int64_t k,
		    double v, double orig, struct tsp_error *err)
{
	size_t pos;

	if (!s->hist) {
		s->hist = malloc(rg->nhist_cap * sizeof(*s->hist));
		if (!s->hist)
			return tsp_error_set(err, TSP_ENOMEM, "out of memory");
	}
	pos = (s->hhead + s->nhist) % rg->nhist_cap;
	if (s->nhist == rg->nhist_cap) {
		pos = s->hhead;
		s->hhead = (s->hhead + 1) % rg->nhist_cap;
	} else {
		s->nhist++;
	}
	s->hist[pos].k = k;
	s->hist[pos].v = v;
	s->hist[pos].orig = orig;
	return 0;
}

/* j-th newest emitted known point (0 = the newest). */
static const struct rg_hist *hist_back(const struct tsp_regrid *rg,
				       const struct rg_series *s, size_t j)
{
	return &s->hist[(s->hhead + s->nhist - 1 - j) % rg->nhist_cap];
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return (x > y) - (x < y);
}

static double median_of(double *a, size_t n)
{
	qsort(a, n, sizeof(*a), cmp_double);
	return n % 2 ? a[n / 2] : 0.5 * (a[n / 2 - 1] + a[n / 2]);
}

static int hampel_ready(const struct tsp_regrid *rg, const struct rg_series *s,
			size_t i, int final)
{
	return final ||
	       s->q[s->qtail - 1].k_end >= s->q[i].k + rg->o.hampel_window;
}

/*
 * Hampel filter: the median m and scaled MAD of the original known values
 * within hampel_window steps either side; a value further than k MADs
 * from m is replaced by m.
 */
static int hampel_apply(struct tsp_regrid *rg, struct rg_series *s, size_t i,
			struct tsp_error *err)
{
	struct rg_item *it = &s->q[i];
	int64_t w = rg->o.hampel_window;
	size_t n = 0;
	double *a, m, mad;

	if (rg_scratch(rg, 2 * (size_t)w + 1, err) < 0)
		return -1;
	a = rg->scratch;
	for (size_t j = 0; j < s->nhist; j++) {
		const struct rg_hist *h = hist_back(rg, s, j);
		if (h->k < it->k - w)
			break;
		if (!isnan(h->orig))
			a[n++] = h->orig;
	}
	for (size_t j = s->qhead; j < s->qtail; j++) {
		const struct rg_item *o = &s->q[j];
		if (o->k > it->k + w)
			break;
		/* Spline look-ahead cleans items far past the queue head. */
		if (o->k < it->k - w)
			continue;
		if (o->kind == RG_KNOWN && !isnan(o->orig))
			a[n++] = o->orig;
	}
	it->cleaned = 1;
	if (n == 0 || isnan(it->orig))
		return 0;
	m = median_of(a, n);
	for (size_t j = 0; j < n; j++)
		a[j] = fabs(a[j] - m);
	mad = 1.4826 * median_of(a, n);
	if (fabs(it->orig - m) > rg->o.hampel_k * mad) {
		it->v = m;
		it->filled = 1;
		it->value_exact = 0;
	}
	return 0;
}

static int emit(struct tsp_regrid *rg, size_t idx, int64_t k, double v,
		int missing, int filled, const struct tsp_rg_rec *src,
		int time_exact, int value_exact, struct tsp_error *err)
{
	struct tsp_regrid_row row;

	row.series = idx;
	row.t = k * rg->s[idx].step + rg->o.offset;
	row.v = v;
	row.missing = missing;
	row.filled = filled;
	row.src = src;
	row.time_exact = time_exact;
	row.value_exact = value_exact;
	return rg->emit(rg->ctx, &row, err);
}

/* The record becomes the series' latest pass-through source. */
static void set_last(struct tsp_regrid *rg, struct rg_series *s,
		     struct tsp_rg_rec *r)
{
	if (s->last)
		rg_rec_put(rg, s->last);
	s->last = r;
}

/*
 * Akima (1970) slopes at the knots, as scipy's Akima1DInterpolator: two
 * extrapolated slopes at each end, weights |m[i+1]-m[i]|, and the plain
 * mean of the neighbouring slopes where both weights are (nearly) zero.
 * (GSL's akima differs there, leaving a kink where a flat run meets a
 * ramp.)  x, y, t have n >= 3 entries; mm has room for n + 3.
 */
static void akima_slopes(const double *x, const double *y, size_t n,
			 double *mm, double *t)
{
	double maxf = 0;

	for (size_t i = 0; i + 1 < n; i++)
		mm[i + 2] = (y[i + 1] - y[i]) / (x[i + 1] - x[i]);
	mm[1] = 2 * mm[2] - mm[3];
	mm[0] = 2 * mm[1] - mm[2];
	mm[n + 1] = 2 * mm[n] - mm[n - 1];
	mm[n + 2] = 2 * mm[n + 1] - mm[n];
	for (size_t i = 0; i < n; i++) {
		double f12 = fabs(mm[i + 3] - mm[i + 2]) +
			     fabs(mm[i + 1] - mm[i]);
		if (f12 > maxf)
			maxf = f12;
	}
	for (size_t i = 0; i < n; i++) {
		double f1 = fabs(mm[i + 3] - mm[i + 2]);
		double f2 = fabs(mm[i + 1] - mm[i]);
		if (f1 + f2 > 1e-9 * maxf)
			t[i] = (f1 * mm[i + 1] + f2 * mm[i + 2]) / (f1 + f2);
		else
			t[i] = 0.5 * (mm[i + 3] + mm[i]);
	}
}

static double akima_eval(const double *x, const double *y, const double *t,
			 size_t n, double xi)
{
	size_t i = 0;
	double h, m, d, c;

	while (i + 2 < n && xi > x[i + 1])
		i++;
	h = x[i + 1] - x[i];
	m = (y[i + 1] - y[i]) / h;
	c = (3 * m - 2 * t[i] - t[i + 1]) / h;
	d = (t[i] + t[i + 1] - 2 * m) / (h * h);
	xi -= x[i];
	return ((d * xi + c) * xi + t[i]) * xi + y[i];
}

struct fit {
	size_t n;
	double *x, *y, *t, *mm;
	gsl_interp *gi;
	gsl_interp_accel *acc;
	int64_t k0;
};

/*
 * Fit spline/akima through up to TSP_REGRID_KNOTS known points each side
 * of the hole run q[qhead..j).  Falls back to linear (n = 0) with fewer
 * than 3 knots.
 */
static int fit_knots(struct tsp_regrid *rg, struct rg_series *s, size_t j,
		     struct fit *f, struct tsp_error *err)
{
	size_t nl = s->nhist < TSP_REGRID_KNOTS ? s->nhist : TSP_REGRID_KNOTS;
	size_t cap = nl + TSP_REGRID_KNOTS, n = 0;

	memset(f, 0, sizeof(*f));
	if (rg_scratch(rg, 4 * cap + 3, err) < 0)
		return -1;
	f->x = rg->scratch;
	f->y = f->x + cap;
	f->t = f->y + cap;
	f->mm = f->t + cap;
	f->k0 = hist_back(rg, s, nl - 1)->k;
	/* NaN values are not knots: one would make the whole fit NaN. */
	for (size_t i = nl; i-- > 0;) {
		const struct rg_hist *h = hist_back(rg, s, i);
		if (isnan(h->v))
			continue;
		f->x[n] = (double)(h->k - f->k0);
		f->y[n++] = h->v;
	}
	for (size_t m = j; m < s->qtail && n < cap; m++) {
		if (s->q[m].kind != RG_KNOWN || isnan(s->q[m].v))
			continue;
		f->x[n] = (double)(s->q[m].k - f->k0);
		f->y[n++] = s->q[m].v;
	}
	if (n < 3)
		return 0;
	f->n = n;
	if (rg->o.fill == TSP_FILL_AKIMA) {
		akima_slopes(f->x, f->y, n, f->mm, f->t);
		return 0;
	}
	f->gi = gsl_interp_alloc(gsl_interp_cspline, n);
	f->acc = gsl_interp_accel_alloc();
	if (!f->gi || !f->acc) {
		gsl_interp_free(f->gi);
		gsl_interp_accel_free(f->acc);
		return tsp_error_set(err, TSP_ENOMEM, "out of memory");
	}
	int st = gsl_interp_init(f->gi, f->x, f->y, n);
	if (st != GSL_SUCCESS) {
		gsl_interp_free(f->gi);
		gsl_interp_accel_free(f->acc);
		return tsp_error_set(err, TSP_EDATA, "spline fit failed: %s",
				     gsl_strerror(st));
	}
	return 0;
}

static double fit_eval(const struct fit *f, int64_t g)
{
	double xi = (double)(g - f->k0), yi = NAN;

	if (f->gi)
		gsl_interp_eval_e(f->gi, f->x, f->y, xi, f->acc, &yi);
	else
		yi = akima_eval(f->x, f->y, f->t, f->n, xi);
	return yi;
}

static void fit_free(struct fit *f)
{
	if (f->gi)
		gsl_interp_free(f->gi);
	if (f->acc)
		gsl_interp_accel_free(f->acc);
}

static int gap_fits(const struct tsp_regrid_opts *o, const struct rg_series *s,
		    int64_t steps)
{
	return !o->max_gap || steps <= o->max_gap / s->step;
}

/* Fill and emit the hole run q[qhead..j); q[j] (if j < qtail) is known. */
static int fill_run(struct tsp_regrid *rg, size_t idx, size_t j,
		    struct tsp_error *err)
{
	struct rg_series *s = &rg->s[idx];
	const struct tsp_regrid_opts *o = &rg->o;
	int has_l = s->nhist > 0, has_r = j < s->qtail, ok = 0;
	int64_t kl = 0, kr = 0, kfirst = s->q[s->qhead].k;
	int64_t klast = s->q[j - 1].k_end;
	double vl = NAN, vr = NAN;
	enum tsp_fill method = o->fill;
	struct fit f;
	int rc = 0;

	if (has_l) {
		kl = hist_back(rg, s, 0)->k;
		vl = hist_back(rg, s, 0)->v;
	}
	if (has_r) {
		kr = s->q[j].k;
		vr = s->q[j].v;
	}
	/*
	 * A gap is the time between the known points around the holes; at
	 * an end of the series, as if a known point followed (or preceded)
	 * the last (first) hole.  Longer than --max-gap: left missing.
	 */
	if (method == TSP_FILL_NONE)
		ok = 0;
	else if (has_l && has_r)
		ok = gap_fits(o, s, kr - kl);
	else if (has_l)
		ok = (method == TSP_FILL_PREVIOUS || method == TSP_FILL_ZERO) &&
		     gap_fits(o, s, klast + 1 - kl);
	else if (has_r)
		ok = (method == TSP_FILL_NEXT || method == TSP_FILL_ZERO) &&
		     gap_fits(o, s, kr - (kfirst - 1));
	else
		ok = method == TSP_FILL_ZERO;

	memset(&f, 0, sizeof(f));
	if (ok && (method == TSP_FILL_SPLINE || method == TSP_FILL_AKIMA)) {
		if (fit_knots(rg, s, j, &f, err) < 0)
			return -1;
		if (f.n == 0)
			method = TSP_FILL_LINEAR;
	}

	for (size_t i = s->qhead; i < j && rc == 0; i++) {
		struct rg_item *it = &s->q[i];
		for (int64_t g = it->k; g <= it->k_end && rc == 0; g++) {
			double v = NAN;
			if (ok) {
				switch (method) {
				case TSP_FILL_LINEAR:
					v = vl + (vr - vl) * (double)(g - kl) /
						 (double)(kr - kl);
					break;
				case TSP_FILL_PREVIOUS: v = vl; break;
				case TSP_FILL_NEXT: v = vr; break;
				case TSP_FILL_ZERO: v = 0; break;
				default: v = fit_eval(&f, g); break;
				}
			}
			if (it->kind == RG_UNKNOWN)
				rc = emit(rg, idx, g, v, !ok, ok, it->rec,
					  it->time_exact, 0, err);
			else
				rc = emit(rg, idx, g, v, !ok, 1, s->last, 0,
					  0, err);
		}
		if (it->kind == RG_UNKNOWN) {
			set_last(rg, s, it->rec);
			it->rec = NULL;
		}
	}
	fit_free(&f);
	return rc;
}

/* Are the known points a fill of the run ending at j depends on ready? */
static int run_ready(struct tsp_regrid *rg, struct rg_series *s, size_t j,
		     int final, struct tsp_error *err)
{
	size_t need = (rg->o.fill == TSP_FILL_SPLINE ||
		       rg->o.fill == TSP_FILL_AKIMA) ? TSP_REGRID_KNOTS : 1;
	size_t have = 0;

	if (j == s->qtail)
		return final;
	for (size_t m = j; m < s->qtail && have < need; m++) {
		if (s->q[m].kind != RG_KNOWN)
			continue;
		if (rg->o.hampel_window && !s->q[m].cleaned) {
			if (!hampel_ready(rg, s, m, final))
				return 0;
			if (hampel_apply(rg, s, m, err) < 0)
				return -1;
		}
		have++;
	}
	return have >= need || final;
}

int rg_queue_process(struct tsp_regrid *rg, size_t idx, int final,
		     struct tsp_error *err)
{
	struct rg_series *s = &rg->s[idx];

	while (s->qhead < s->qtail) {
		struct rg_item *it = &s->q[s->qhead];
		size_t j;
		int rc;

		if (it->kind == RG_KNOWN) {
			if (rg->o.hampel_window && !it->cleaned) {
				if (!hampel_ready(rg, s, s->qhead, final))
					return 0;
				if (hampel_apply(rg, s, s->qhead, err) < 0)
					return -1;
			}
			if (emit(rg, idx, it->k, it->v, 0, it->filled, it->rec,
				 it->time_exact, it->value_exact, err) < 0)
				return -1;
			set_last(rg, s, it->rec);
			it->rec = NULL;
			if (hist_add(rg, s, it->k, it->v, it->orig, err) < 0)
				return -1;
			s->qhead++;
			continue;
		}
		if (it->kind == RG_GAP && rg->o.agg == TSP_AGG_COUNT) {
			/* No records in these buckets: the count is 0. */
			for (int64_t g = it->k; g <= it->k_end; g++)
				if (emit(rg, idx, g, 0, 0, 1, s->last, 0, 0,
					 err) < 0)
					return -1;
			s->qhead++;
			continue;
		}
		for (j = s->qhead; j < s->qtail && s->q[j].kind != RG_KNOWN; j++)
			;
		rc = run_ready(rg, s, j, final, err);
		if (rc <= 0)
			return rc;
		if (fill_run(rg, idx, j, err) < 0)
			return -1;
		s->qhead = j;
	}
	return 0;
}
