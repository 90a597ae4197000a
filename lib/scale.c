#include "tsp_scale.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "tsp_boxcox.h"

static const char *const names[TSP_SCALE_NMETHODS] = {
	"zscore", "minmax", "robust", "log", "log1p", "boxcox", "diff"
};

const char *tsp_scale_method_name(enum tsp_scale_method m)
{
	return (unsigned)m < TSP_SCALE_NMETHODS ? names[m] : "?";
}

int tsp_scale_method_parse(const char *name)
{
	for (int i = 0; i < TSP_SCALE_NMETHODS; i++)
		if (strcmp(name, names[i]) == 0)
			return i;
	return -1;
}

void tsp_scale_opts_default(struct tsp_scale_opts *o)
{
	memset(o, 0, sizeof(*o));
	o->range_hi = 1;
	o->lambda = NAN;
	o->period = 1;
	o->lag = 1;
}

int tsp_scale_needs_fit(const struct tsp_scale_opts *o)
{
	return o->method == TSP_SCALE_ZSCORE || o->method == TSP_SCALE_MINMAX ||
	       o->method == TSP_SCALE_ROBUST ||
	       (o->method == TSP_SCALE_BOXCOX && isnan(o->lambda));
}

static int oom(struct tsp_error *err)
{
	return tsp_error_set(err, TSP_ENOMEM, "out of memory");
}

static int push_value(struct tsp_scale_fit *f, double x,
		      struct tsp_error *err)
{
	if (f->nv == f->vcap) {
		size_t cap = f->vcap ? f->vcap * 2 : 64;
		double *nv = realloc(f->v, cap * sizeof(*nv));
		if (!nv)
			return oom(err);
		f->v = nv;
		f->vcap = cap;
	}
	f->v[f->nv++] = x;
	return 0;
}

int tsp_scale_fit_add(struct tsp_scale_fit *f, const struct tsp_scale_opts *o,
		      double x, double t, struct tsp_error *err)
{
	double d;

	if (o->method == TSP_SCALE_DIFF) {
		if (!f->tail &&
		    !(f->tail = malloc((size_t)o->lag * sizeof(*f->tail))))
			return oom(err);
		f->tail[f->n % o->lag] = x;
		f->tail_time = t;
		f->n++;
		return 0;
	}
	/* Guerrero's lambda groups the series by season, gaps included
	 * (as R does, with na.rm): keep missing values there. */
	if (isnan(x) && o->method == TSP_SCALE_BOXCOX && isnan(o->lambda))
		return push_value(f, x, err);
	if (!isfinite(x))
		return 0;
	/* Welford: no cancellation for large values with small spread. */
	f->n++;
	d = x - f->mean;
	f->mean += d / (double)f->n;
	f->m2 += d * (x - f->mean);
	if (f->n == 1 || x < f->min)
		f->min = x;
	if (f->n == 1 || x > f->max)
		f->max = x;
	if (o->method == TSP_SCALE_ROBUST ||
	    (o->method == TSP_SCALE_BOXCOX && isnan(o->lambda)))
		return push_value(f, x, err);
	return 0;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return (x > y) - (x < y);
}

/* Quantile p of sorted v[0..n), R's type 7 (numpy's default). */
static double quantile(const double *v, size_t n, double p)
{
	double h = (double)(n - 1) * p;
	size_t lo = (size_t)h;

	if (lo + 1 >= n)
		return v[n - 1];
	return v[lo] + (h - (double)lo) * (v[lo + 1] - v[lo]);
}

void tsp_scale_plain(const struct tsp_scale_opts *o, struct tsp_scale *s)
{
	memset(s, 0, sizeof(*s));
	s->scale = 1;
	s->lambda = o->lambda;
	s->lag = o->lag;
}

int tsp_scale_fit_finish(struct tsp_scale_fit *f,
			 const struct tsp_scale_opts *o, struct tsp_scale *s,
			 struct tsp_error *err)
{
	tsp_scale_plain(o, s);
	s->n = f->n;
	switch (o->method) {
	case TSP_SCALE_ZSCORE:
		s->center = f->mean;
		if (f->n > 1 && f->m2 > 0)
			s->scale = sqrt(f->m2 / (double)(f->n - 1));
		else
			s->constant = 1;
		break;
	case TSP_SCALE_MINMAX:
		s->center = f->min;
		s->max = f->max;
		if (f->max > f->min) {
			s->scale = (f->max - f->min) / (o->range_hi - o->range_lo);
			s->offset = o->range_lo;
		} else {
			s->constant = 1;
			s->offset = (o->range_lo + o->range_hi) / 2;
		}
		break;
	case TSP_SCALE_ROBUST:
		if (f->nv == 0)
			break;
		qsort(f->v, f->nv, sizeof(*f->v), cmp_double);
		s->center = quantile(f->v, f->nv, 0.5);
		if (o->mad) {
			for (size_t i = 0; i < f->nv; i++)
				f->v[i] = fabs(f->v[i] - s->center);
			qsort(f->v, f->nv, sizeof(*f->v), cmp_double);
			s->scale = 1.4826 * quantile(f->v, f->nv, 0.5);
		} else {
			s->scale = quantile(f->v, f->nv, 0.75) -
				   quantile(f->v, f->nv, 0.25);
		}
		if (!(s->scale > 0)) {
			s->scale = 1;
			s->constant = 1;
		}
		break;
	case TSP_SCALE_BOXCOX:
		if (isnan(o->lambda))
			s->lambda = tsp_boxcox_lambda(f->v, f->nv, o->period,
						      -1, 2);
		break;
	case TSP_SCALE_DIFF:
		s->ntail = (size_t)(f->n < o->lag ? f->n : o->lag);
		s->tail_time = f->tail_time;
		if (s->ntail) {
			s->tail = malloc(s->ntail * sizeof(*s->tail));
			if (!s->tail)
				return oom(err);
		}
		for (size_t i = 0; i < s->ntail; i++)
			s->tail[i] = f->tail[(size_t)(f->n - (long)s->ntail +
						      (long)i) % (size_t)o->lag];
		break;
	default:
		break;
	}
	tsp_scale_fit_release(f);
	return 0;
}

void tsp_scale_fit_release(struct tsp_scale_fit *f)
{
	free(f->v);
	free(f->tail);
	memset(f, 0, sizeof(*f));
}

void tsp_scale_release(struct tsp_scale *s)
{
	free(s->tail);
	s->tail = NULL;
	s->ntail = 0;
}

int tsp_scale_forward(const struct tsp_scale_opts *o,
		      const struct tsp_scale *s, double x, double *y)
{
	switch (o->method) {
	case TSP_SCALE_LOG:
		*y = log(x);
		return x > 0 ? 0 : -1;
	case TSP_SCALE_LOG1P:
		*y = log1p(x);
		return x > -1 ? 0 : -1;
	case TSP_SCALE_BOXCOX:
		return tsp_boxcox(x, s->lambda, y);
	case TSP_SCALE_DIFF:
		*y = NAN;
		return -1;
	default:
		*y = (x - s->center) / s->scale + s->offset;
		return 0;
	}
}

int tsp_scale_inverse(const struct tsp_scale_opts *o,
		      const struct tsp_scale *s, double y, double *x)
{
	switch (o->method) {
	case TSP_SCALE_LOG:
		*x = exp(y);
		return 0;
	case TSP_SCALE_LOG1P:
		*x = expm1(y);
		return 0;
	case TSP_SCALE_BOXCOX:
		return tsp_boxcox_inv(y, s->lambda, x);
	case TSP_SCALE_DIFF:
		*x = NAN;
		return -1;
	default:
		*x = (y - s->offset) * s->scale + s->center;
		return 0;
	}
}

const char *tsp_scale_domain(const struct tsp_scale_opts *o,
			     const struct tsp_scale *s, int inverse)
{
	switch (o->method) {
	case TSP_SCALE_LOG:
		return "log needs values > 0; log1p takes values > -1";
	case TSP_SCALE_LOG1P:
		return "log1p needs values > -1";
	case TSP_SCALE_BOXCOX:
		if (inverse)
			return "the inverse Box-Cox transform with lambda < 0 "
			       "needs values < -1/lambda";
		return s->lambda < 0 ? "Box-Cox with lambda < 0 needs values > 0"
				     : "Box-Cox with lambda 0 needs values > 0";
	default:
		return "none";
	}
}

int tsp_scale_save(const struct tsp_scale_opts *o, const struct tsp_scale *s,
		   struct tsp_params *p, struct tsp_error *err)
{
	int rc = 0;

	tsp_params_clear(p);
	rc |= tsp_params_str(p, "method", names[o->method], err);
	rc |= tsp_params_num(p, "n", (double)s->n, err);
	switch (o->method) {
	case TSP_SCALE_ZSCORE:
		rc |= tsp_params_num(p, "mean", s->center, err);
		rc |= tsp_params_num(p, "sd", s->scale, err);
		break;
	case TSP_SCALE_MINMAX:
		rc |= tsp_params_num(p, "min", s->center, err);
		rc |= tsp_params_num(p, "max", s->max, err);
		rc |= tsp_params_num(p, "lo", o->range_lo, err);
		rc |= tsp_params_num(p, "hi", o->range_hi, err);
		break;
	case TSP_SCALE_ROBUST:
		rc |= tsp_params_num(p, "median", s->center, err);
		rc |= tsp_params_num(p, o->mad ? "mad" : "iqr", s->scale, err);
		break;
	case TSP_SCALE_BOXCOX:
		rc |= tsp_params_num(p, "lambda", s->lambda, err);
		break;
	case TSP_SCALE_DIFF:
		rc |= tsp_params_num(p, "lag", (double)o->lag, err);
		rc |= tsp_params_nums(p, "tail", s->tail, s->ntail, err);
		rc |= tsp_params_num(p, "tail_time", s->tail_time, err);
		break;
	default:
		break;
	}
	if (s->constant)
		rc |= tsp_params_num(p, "constant", 1, err);
	return rc ? -1 : 0;
}

static int get(const unsigned char *buf, size_t len, const char *name,
	       double *v)
{
	struct tsp_param it;

	if (tsp_params_find(buf, len, name, &it) != 1 ||
	    it.type != TSP_PARAM_NUM || !isfinite(it.num))
		return -1;
	*v = it.num;
	return 0;
}

int tsp_scale_load(const struct tsp_scale_opts *o, const unsigned char *buf,
		   size_t len, struct tsp_scale *s, struct tsp_error *err)
{
	struct tsp_param it;
	double a = 0, b = 0, lo = 0, hi = 1, lag = 0, n = 0;
	int rc = 0;

	tsp_scale_plain(o, s);
	if (tsp_params_find(buf, len, "method", &it) != 1 ||
	    it.type != TSP_PARAM_STR || it.n != strlen(names[o->method]) ||
	    memcmp(it.str, names[o->method], it.n) != 0)
		return tsp_error_set(err, TSP_EDATA, "entry is not %s "
				     "parameters", names[o->method]);
	rc |= get(buf, len, "n", &n);
	s->n = (long)n;
	s->constant = tsp_params_find(buf, len, "constant", &it) == 1;
	switch (o->method) {
	case TSP_SCALE_ZSCORE:
		rc |= get(buf, len, "mean", &s->center);
		rc |= get(buf, len, "sd", &s->scale);
		break;
	case TSP_SCALE_MINMAX:
		rc |= get(buf, len, "min", &a) | get(buf, len, "max", &b) |
		      get(buf, len, "lo", &lo) | get(buf, len, "hi", &hi);
		s->center = a;
		s->max = b;
		if (!(lo < hi) || b < a)
			rc = -1;
		else if (b > a) {
			s->scale = (b - a) / (hi - lo);
			s->offset = lo;
		} else {
			s->offset = (lo + hi) / 2;
		}
		break;
	case TSP_SCALE_ROBUST:
		rc |= get(buf, len, "median", &s->center);
		if (get(buf, len, "iqr", &s->scale) < 0)
			rc |= get(buf, len, "mad", &s->scale);
		break;
	case TSP_SCALE_BOXCOX:
		rc |= get(buf, len, "lambda", &s->lambda);
		break;
	case TSP_SCALE_DIFF:
		rc |= get(buf, len, "lag", &lag) |
		      get(buf, len, "tail_time", &s->tail_time);
		if (rc || !(lag >= 1 && lag <= 1e6) ||
		    tsp_params_find(buf, len, "tail", &it) != 1 ||
		    it.type != TSP_PARAM_NUMS || it.n > (size_t)lag) {
			rc = -1;
			break;
		}
		s->lag = (long)lag;
		s->ntail = it.n;
		if (it.n && !(s->tail = malloc(it.n * sizeof(*s->tail))))
			return oom(err);
		for (size_t i = 0; i < it.n; i++)
			s->tail[i] = tsp_param_at(&it, i);
		break;
	default:
		break;
	}
	if (rc || !(s->scale > 0) || !isfinite(s->scale)) {
		tsp_scale_release(s);
		return tsp_error_set(err, TSP_EDATA, "entry has missing or "
				     "impossible %s parameters",
				     names[o->method]);
	}
	return 0;
}
