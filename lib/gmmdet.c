/*
 * tsscore's gmm detector: a Gaussian mixture over a trailing window,
 * refitted periodically (see tsp_gmmdet.h).
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tsp_gmmdet.h"

struct pt {
	double t, v;
};

struct tsp_gmmdet {
	struct pt *ring;	/* the window, oldest at head */
	size_t cap, head, count;
	double first_t;		/* time of the first finite value, or NaN */
	double fit_t;		/* time of the last fit, NaN before */
	int have_model;
	struct tsp_gmm model;
	double lo, hi;		/* WEAK bounds around the main mode (both
				   sides, whatever the tail) */
};

void tsp_gmmdet_config_init(struct tsp_gmmdet_config *c)
{
	c->reference = 604800;
	c->refit = NAN;
	c->kmax = 4;
	c->weak = 3;
	c->strong = 4;
	c->tail = TSP_TAIL_BOTH;
	c->min_points = 30;
}

int tsp_gmmdet_config_check(const struct tsp_gmmdet_config *c,
			    struct tsp_error *err)
{
	if (!(c->reference > 0) || !isfinite(c->reference))
		return tsp_error_set(err, TSP_EUSAGE, "--reference must be "
				     "a positive duration");
	if (!isnan(c->refit) && (!(c->refit > 0) || !isfinite(c->refit)))
		return tsp_error_set(err, TSP_EUSAGE, "--refit must be a "
				     "positive duration");
	if (c->kmax < 1 || c->kmax > TSP_GMM_KMAX)
		return tsp_error_set(err, TSP_EUSAGE, "--kmax must be 1..%d",
				     TSP_GMM_KMAX);
	if (!(c->weak > 0) || !isfinite(c->weak) || !isfinite(c->strong))
		return tsp_error_set(err, TSP_EUSAGE, "--weak must be a "
				     "positive number");
	if (!(c->weak <= c->strong))
		return tsp_error_set(err, TSP_EUSAGE, "--weak must not exceed "
				     "--strong");
	if (c->min_points < 10)
		return tsp_error_set(err, TSP_EUSAGE, "--min-points must be "
				     "at least 10");
	return 0;
}

static struct tsp_gmmdet *alloc_state(struct tsp_error *err)
{
	struct tsp_gmmdet *d = calloc(1, sizeof(*d));

	if (!d) {
		tsp_error_set(err, TSP_ENOMEM, "out of memory");
		return NULL;
	}
	d->first_t = d->fit_t = d->lo = d->hi = NAN;
	return d;
}

struct tsp_gmmdet *tsp_gmmdet_new(const struct tsp_gmmdet_config *c,
				  struct tsp_error *err)
{
	(void)c;
	return alloc_state(err);
}

void tsp_gmmdet_free(struct tsp_gmmdet *d)
{
	if (!d)
		return;
	free(d->ring);
	free(d);
}

const struct tsp_gmm *tsp_gmmdet_model(const struct tsp_gmmdet *d)
{
	return d->have_model ? &d->model : NULL;
}

size_t tsp_gmmdet_bytes(const struct tsp_gmmdet *d)
{
	return sizeof(*d) + d->cap * sizeof(*d->ring);
}

static struct pt *at(const struct tsp_gmmdet *d, size_t i)
{
	return &d->ring[(d->head + i) % d->cap];
}

/* Move the ring, unrolled, to new memory of cap >= count points. */
static int resize(struct tsp_gmmdet *d, size_t cap)
{
	struct pt *r = malloc(cap * sizeof(*r));

	if (!r)
		return -1;
	for (size_t i = 0; i < d->count; i++)
		r[i] = *at(d, i);
	free(d->ring);
	d->ring = r;
	d->cap = cap;
	d->head = 0;
	return 0;
}

/* Room for `want` points. */
static int reserve(struct tsp_gmmdet *d, size_t want, struct tsp_error *err)
{
	size_t cap = d->cap ? d->cap : 64;

	if (want <= d->cap)
		return 0;
	while (cap < want)
		cap += cap / 2;
	if (resize(d, cap) < 0)
		return tsp_error_set(err, TSP_ENOMEM, "out of memory");
	return 0;
}

/*
 * The value beside e (direction dir) nearest to it where the score
 * (tsp_gmm_score) rises to target: stepping out by a quarter sd of the
 * component most responsible at e, growing 1.25 a step, then Illinois
 * false position on the first bracket.  NaN if none is found.
 */
static double bound(const struct tsp_gmm *g, double e, double target,
		    double dir)
{
	double best = -INFINITY, step = 0, a = e, b = e, fa, fb;
	int i;

	for (int j = 0; j < g->k; j++) {
		double dd = e - g->mu[j], lp = g->lc[j] - g->ih[j] * dd * dd;

		if (lp > best) {
			best = lp;
			step = 0.25 * sqrt(g->var[j]);
		}
	}
	fa = target - tsp_gmm_score(g, a);
	if (!(fa > 0))
		return fa == 0 ? e : NAN;
	for (i = 0; i < 200; i++, step *= 1.25) {
		b = a + dir * step;
		if (!isfinite(b))
			return NAN;
		fb = target - tsp_gmm_score(g, b);
		if (fb <= 0)
			break;
		a = b;
		fa = fb;
	}
	if (i == 200)
		return NAN;
	/* fa > 0 >= fb; a and b swap roles as the bracket shrinks. */
	for (i = 0; i < 100 && fb != 0; i++) {
		double c = b - fb * (b - a) / (fb - fa), fc;
		double lo = a < b ? a : b, hi = a < b ? b : a;

		if (!(c > lo && c < hi))
			c = lo + (hi - lo) / 2;
		if (c <= lo || c >= hi)
			break;		/* no double strictly between */
		fc = target - tsp_gmm_score(g, c);
		if ((fc > 0) != (fb > 0)) {
			a = b;
			fa = fb;
		} else {
			fa /= 2;
		}
		b = c;
		fb = fc;
		if (fabs(b - a) <= 1e-12 * (fabs(a) + fabs(b)) ||
		    fabs(fb) < 1e-13)
			break;
	}
	return b;
}

static void set_bounds(const struct tsp_gmm *g, double target,
		       enum tsp_tail tail, double e, double *lo, double *hi)
{
	*lo = tail == TSP_TAIL_UPPER ? NAN : bound(g, e, target, -1);
	*hi = tail == TSP_TAIL_LOWER ? NAN : bound(g, e, target, 1);
}

/* Fit the window's values from index skip on; 0, or -1 (out of memory:
 * the state is unchanged). */
static int refit(struct tsp_gmmdet *d, const struct tsp_gmmdet_config *c,
		 size_t skip, struct tsp_error *err)
{
	size_t n = d->count - skip;
	double *v = malloc(n * sizeof(*v));
	struct tsp_gmm g;
	int rc;

	if (!v)
		return tsp_error_set(err, TSP_ENOMEM, "out of memory");
	for (size_t i = 0; i < n; i++)
		v[i] = at(d, skip + i)->v;
	rc = tsp_gmm_fit(v, n, c->kmax, &g, err);
	free(v);
	if (rc < 0)
		return -1;
	d->model = g;
	d->have_model = 1;
	set_bounds(&d->model, c->weak, TSP_TAIL_BOTH, g.mu[g.dom], &d->lo,
		   &d->hi);
	return 0;
}

int tsp_gmmdet_push(struct tsp_gmmdet *d, const struct tsp_gmmdet_config *c,
		    double t, const struct tsp_obs *o, struct tsp_score *out,
		    struct tsp_error *err)
{
	double v = o->value, f = o->forecast, e, s, period, first;
	size_t skip = 0;
	int keep, fitted = 0;
	const struct tsp_gmm *g = &d->model;

	out->score = out->z = out->expected = NAN;
	out->lower = out->upper = NAN;
	out->level = TSP_LEVEL_UNKNOWN;
	if (isnan(v))
		return 0;
	keep = isfinite(v) && isfinite(t);
	first = keep && isnan(d->first_t) ? t : d->first_t;
	while (skip < d->count && at(d, skip)->t < t - c->reference)
		skip++;
	if (keep && reserve(d, d->count + 1, err) < 0)
		return -1;
	period = isnan(c->refit) ? c->reference : c->refit;
	if ((d->have_model ? t - d->fit_t >= period :
			     t - first >= c->reference) &&
	    d->count - skip >= c->min_points) {
		if (refit(d, c, skip, err) < 0)
			return -1;
		d->fit_t = t;
		fitted = 1;
	}
	d->first_t = first;
	d->head = d->count ? (d->head + skip) % d->cap : 0;
	d->count -= skip;
	if (keep) {
		*at(d, d->count) = (struct pt){ t, v };
		d->count++;
	}
	/* A window is about as long as the last: trim the growth slack
	   (failing to is harmless). */
	if (fitted && d->cap > d->count + d->count / 8 + 64)
		resize(d, d->count + d->count / 16 + 64);
	if (!d->have_model) {
		out->level = TSP_LEVEL_WARMUP;
		return 0;
	}
	if (isfinite(f)) {
		/* PayPal's rule on the score's scale: how much more extreme
		   the value is than the forecast. */
		double s0 = tsp_gmm_score(g, f);

		e = f;
		s = tsp_gmm_score(g, v) - s0;
		if (!(s > 0))
			s = 0;		/* also NaN: both infinite */
		set_bounds(g, s0 + c->weak, c->tail, e, &out->lower,
			   &out->upper);
	} else {
		e = g->mu[g->dom];
		s = tsp_gmm_score(g, v);
		out->lower = c->tail == TSP_TAIL_UPPER ? NAN : d->lo;
		out->upper = c->tail == TSP_TAIL_LOWER ? NAN : d->hi;
	}
	out->expected = e;
	out->z = v < e ? -s : s;
	if ((c->tail == TSP_TAIL_UPPER && v < e) ||
	    (c->tail == TSP_TAIL_LOWER && v > e))
		s = 0;
	out->score = s;
	out->level = s >= c->strong ? TSP_LEVEL_STRONG :
		     s >= c->weak ? TSP_LEVEL_WEAK : TSP_LEVEL_NORMAL;
	return 0;
}

char *tsp_gmmdet_reason(const struct tsp_gmmdet *d,
			const struct tsp_gmmdet_config *c,
			const struct tsp_obs *o, const struct tsp_score *s,
			char *buf, size_t n)
{
	const struct tsp_gmm *g = &d->model;
	const char *side;

	(void)c;
	if (!n)
		return buf;
	if (s->level == TSP_LEVEL_UNKNOWN) {
		snprintf(buf, n, "gmm: missing value");
		return buf;
	}
	if (s->level == TSP_LEVEL_WARMUP || !d->have_model) {
		snprintf(buf, n, "gmm: warming up (%zu values in the window)",
			 d->count);
		return buf;
	}
	side = o->value > s->expected ? "above" :
	       o->value < s->expected ? "below" : "at";
	if (isfinite(o->forecast))
		snprintf(buf, n, "gmm: %.6g %s forecast %.6g (k=%d, loglik "
			 "%.3g vs %.3g), score %.3g", o->value, side,
			 s->expected, g->k, tsp_gmm_logpdf(g, o->value),
			 tsp_gmm_logpdf(g, o->forecast), s->score);
	else
		snprintf(buf, n, "gmm: %.6g %s %.6g (k=%d, loglik %.3g), "
			 "score %.3g", o->value, side, s->expected, g->k,
			 tsp_gmm_logpdf(g, o->value), s->score);
	return buf;
}

static const char *item(char *buf, size_t n, const char *prefix,
			const char *name)
{
	snprintf(buf, n, "%s%s", prefix, name);
	return buf;
}

int tsp_gmmdet_save(const struct tsp_gmmdet *d,
		    const struct tsp_gmmdet_config *c, const char *prefix,
		    struct tsp_params *p, struct tsp_error *err)
{
	char nm[512];
	double *t, *v;
	size_t n = d->count ? d->count : 1;
	int rc;

	(void)c;
	t = malloc(n * sizeof(*t));
	v = malloc(n * sizeof(*v));
	if (!t || !v) {
		free(t);
		free(v);
		return tsp_error_set(err, TSP_ENOMEM, "out of memory");
	}
	for (size_t i = 0; i < d->count; i++) {
		t[i] = at(d, i)->t;
		v[i] = at(d, i)->v;
	}
	rc = tsp_params_num(p, item(nm, sizeof(nm), prefix, "first_t"),
			    d->first_t, err) ||
	     tsp_params_num(p, item(nm, sizeof(nm), prefix, "fit_t"),
			    d->fit_t, err) ||
	     tsp_params_nums(p, item(nm, sizeof(nm), prefix, "t"), t,
			     d->count, err) ||
	     tsp_params_nums(p, item(nm, sizeof(nm), prefix, "v"), v,
			     d->count, err);
	free(t);
	free(v);
	if (rc)
		return -1;
	if (d->have_model)
		return tsp_gmm_save(&d->model, item(nm, sizeof(nm), prefix,
						    "gmm."), p, err);
	return 0;
}

static struct tsp_gmmdet *corrupt(struct tsp_gmmdet *d, struct tsp_error *err,
				  const char *what, const char *prefix)
{
	tsp_gmmdet_free(d);
	tsp_error_set(err, TSP_EDATA, "corrupt entry: %s under '%s'", what,
		      prefix);
	return NULL;
}

struct tsp_gmmdet *tsp_gmmdet_load(const struct tsp_gmmdet_config *c,
				   const char *prefix,
				   const unsigned char *buf, size_t len,
				   struct tsp_error *err)
{
	struct tsp_gmmdet *d = alloc_state(err);
	struct tsp_param it, tt, vv;
	char nm[512];

	if (!d)
		return NULL;
	if (tsp_params_find(buf, len, item(nm, sizeof(nm), prefix,
					   "first_t"), &it) != 1 ||
	    it.type != TSP_PARAM_NUM || isinf(it.num))
		return corrupt(d, err, "no first time", prefix);
	d->first_t = it.num;
	if (tsp_params_find(buf, len, item(nm, sizeof(nm), prefix, "fit_t"),
			    &it) != 1 || it.type != TSP_PARAM_NUM ||
	    isinf(it.num))
		return corrupt(d, err, "no fit time", prefix);
	d->fit_t = it.num;
	if (tsp_params_find(buf, len, item(nm, sizeof(nm), prefix, "t"),
			    &tt) != 1 || tt.type != TSP_PARAM_NUMS ||
	    tsp_params_find(buf, len, item(nm, sizeof(nm), prefix, "v"),
			    &vv) != 1 || vv.type != TSP_PARAM_NUMS ||
	    tt.n != vv.n)
		return corrupt(d, err, "no window", prefix);
	if (tt.n && isnan(d->first_t))
		return corrupt(d, err, "values without a first time", prefix);
	if (reserve(d, tt.n, err) < 0) {
		tsp_gmmdet_free(d);
		return NULL;
	}
	for (size_t i = 0; i < tt.n; i++) {
		struct pt p = { tsp_param_at(&tt, i), tsp_param_at(&vv, i) };

		if (!isfinite(p.t) || !isfinite(p.v))
			return corrupt(d, err, "non-finite window value",
				       prefix);
		d->ring[d->count++] = p;
	}
	if (!isnan(d->fit_t)) {
		if (tsp_gmm_load(item(nm, sizeof(nm), prefix, "gmm."), buf,
				 len, &d->model, err) < 0) {
			tsp_gmmdet_free(d);
			return NULL;
		}
		d->have_model = 1;
		set_bounds(&d->model, c->weak, TSP_TAIL_BOTH,
			   d->model.mu[d->model.dom], &d->lo, &d->hi);
	}
	return d;
}
