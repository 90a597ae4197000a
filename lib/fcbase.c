/*
 * Simple forecasters.  Each method's state is a handful of running sums
 * updated by one step function, and tsp_fcb_fit() is that step repeated
 * over the series: so an online update is by construction the same
 * arithmetic as a refit (theta aside, whose parameters are estimated
 * first, in theta.c, and then held).
 */
#include "tsp_fcbase.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fcbase_impl.h"

static const char *const names[] = {
	"naive", "snaive", "mean", "drift", "linear", "theta"
};
#define NMETHODS (sizeof(names) / sizeof(names[0]))

/* Times and counts are kept exactly in doubles up to here. */
#define MAXSTEPS 9007199254740992.0	/* 2^53 */

static int is_lagwalk(enum tsp_fcb_method m)
{
	return m == TSP_FCB_NAIVE || m == TSP_FCB_SNAIVE || m == TSP_FCB_DRIFT;
}

const char *tsp_fcb_name(enum tsp_fcb_method method)
{
	return (unsigned)method < NMETHODS ? names[method] : NULL;
}

int tsp_fcb_parse(const char *name, enum tsp_fcb_method *out)
{
	for (size_t i = 0; i < NMETHODS; i++)
		if (strcmp(name, names[i]) == 0) {
			*out = (enum tsp_fcb_method)i;
			return 0;
		}
	return -1;
}

void tsp_fcb_init(struct tsp_fcb *f)
{
	memset(f, 0, sizeof(*f));
	f->val = NULL;
	f->at = NULL;
}

void tsp_fcb_release(struct tsp_fcb *f)
{
	free(f->val);
	free(f->at);
	tsp_fcb_init(f);
}

/* The state before any value: what fit and load start from. */
static int start(struct tsp_fcb *f, enum tsp_fcb_method method, size_t m,
		 struct tsp_error *err)
{
	tsp_fcb_release(f);
	f->method = method;
	f->m = m;
	f->tbar = f->ybar = 0.0;
	if (is_lagwalk(method)) {
		f->val = malloc(m * sizeof(double));
		f->at = malloc(m * sizeof(double));
		if (!f->val || !f->at) {
			tsp_fcb_release(f);
			return tsp_error_set(err, TSP_ENOMEM, "out of memory");
		}
		for (size_t i = 0; i < m; i++)
			f->val[i] = f->at[i] = NAN;
	}
	return 0;
}

/*
 * Learn from the value at time f->n (NaN: missing) and advance.
 * Running sums are updated in Welford's way, so that a long series does
 * not lose the variance to cancellation.
 */
static void step(struct tsp_fcb *f, double y)
{
	double t = (double)f->n;

	if (!isfinite(y)) {
		if (f->method == TSP_FCB_THETA)
			f->gap++;
		f->n++;
		return;
	}
	f->nobs++;
	switch (f->method) {
	case TSP_FCB_NAIVE:
	case TSP_FCB_SNAIVE:
	case TSP_FCB_DRIFT: {
		size_t s = f->n % f->m;

		if (!isnan(f->at[s])) {
			/* A difference across g seasons has g times the
			 * variance of a one-season difference. */
			double g = (t - f->at[s]) / (double)f->m;
			double d = y - f->val[s];

			f->nres++;
			if (f->method != TSP_FCB_DRIFT) {
				f->ssr += d * d / g;
			} else {
				/* Weighted mean of d/g with weights g: the
				 * total rise over the total span. */
				double r = d / g, delta = r - f->mean;

				f->span += g;
				f->mean += delta * g / f->span;
				f->m2 += g * delta * (r - f->mean);
			}
		}
		f->val[s] = y;
		f->at[s] = t;
		break;
	}
	case TSP_FCB_MEAN: {
		double delta = y - f->mean;

		f->mean += delta / (double)f->nobs;
		f->m2 += delta * (y - f->mean);
		break;
	}
	case TSP_FCB_LINEAR: {
		double k = (double)f->nobs, dt, dy;

		if (f->nobs >= 3) {
			/* Recursive least squares: the new residual sum is
			 * the old plus the prediction error scaled by its
			 * variance factor, a sum of positive terms (no
			 * cancellation). */
			double e = y - (f->ybar + f->sty / f->stt *
					(t - f->tbar));
			double fac = 1.0 + 1.0 / (k - 1.0) +
				(t - f->tbar) * (t - f->tbar) / f->stt;

			f->rss += e * e / fac;
		}
		dt = t - f->tbar;
		f->tbar += dt / k;
		dy = y - f->ybar;
		f->ybar += dy / k;
		f->stt += dt * (t - f->tbar);
		f->sty += dt * (y - f->ybar);
		break;
	}
	case TSP_FCB_THETA: {
		double s = f->m > 1 ? f->val[f->n % f->m] : 1.0;

		f->level += f->alpha * (y / s - f->level);
		f->gap = 0;
		break;
	}
	}
	f->n++;
}

/*
 * The forecast j >= 1 steps after the last step seen.  R's formulas
 * (forecast.lagwalk, meanf, predict.lm, thetaf) with the steps since
 * the last observation where R has h.
 */
static void point(const struct tsp_fcb *f, size_t j, double *mu, double *sd,
		  double *df)
{
	double T = (double)f->n - 1.0 + (double)j;

	*df = 0.0;
	switch (f->method) {
	case TSP_FCB_NAIVE:
	case TSP_FCB_SNAIVE:
	case TSP_FCB_DRIFT: {
		size_t s = (f->n - 1 + j) % f->m;
		double steps = (T - f->at[s]) / (double)f->m;

		if (f->method != TSP_FCB_DRIFT) {
			*mu = f->val[s];
			*sd = f->nres ? sqrt(f->ssr / (double)f->nres * steps)
				: NAN;
		} else {
			double b = f->mean, k = (double)f->nres;

			*mu = f->val[0] + steps * b;
			*sd = NAN;
			if (f->nres >= 2) {
				/* R divides the residual sum by k - 1 for the
				 * drift's standard error (lm's sigma) but by
				 * k when the drift is exactly 0 for the step
				 * variance. */
				double mse = f->m2 / (k - (b != 0.0 ? 1.0 : 0.0));
				double bvar = f->m2 / (k - 1.0) / f->span;

				*sd = sqrt(mse * steps + steps * steps * bvar);
			}
		}
		break;
	}
	case TSP_FCB_MEAN: {
		double k = (double)f->nobs;

		*mu = f->mean;
		*sd = f->nobs >= 2 ?
			sqrt(f->m2 / (k - 1.0)) * sqrt(1.0 + 1.0 / k) : NAN;
		*df = f->nobs >= 2 ? k - 1.0 : 0.0;
		break;
	}
	case TSP_FCB_LINEAR: {
		double k = (double)f->nobs, dt = T - f->tbar;

		*mu = f->ybar + f->sty / f->stt * dt;
		*sd = f->nobs >= 3 ? sqrt(f->rss / (k - 2.0) *
			(1.0 + 1.0 / k + dt * dt / f->stt)) : NAN;
		*df = f->nobs >= 3 ? k - 2.0 : 0.0;
		break;
	}
	case TSP_FCB_THETA: {
		double a = f->alpha, s = 1.0;
		double w = (double)(j - 1) + (1.0 - pow(1.0 - a, (double)f->n)) / a;

		if (f->m > 1)
			s = f->val[(f->n - 1 + j) % f->m];
		*mu = (f->level + f->slope * w) * s;
		*sd = sqrt(f->sigma2) *
			sqrt((double)(f->gap + j - 1) * a * a + 1.0);
		break;
	}
	}
}

static size_t min_obs(enum tsp_fcb_method method)
{
	return method == TSP_FCB_DRIFT || method == TSP_FCB_LINEAR ||
		method == TSP_FCB_THETA ? 2 : 1;
}

/* R's fitted values for the methods whose fit is a function of the end
 * state (drift, mean, linear): a second pass. */
static void fill_fitted(const struct tsp_fcb *f, const double *y, size_t n,
			double *fitted)
{
	double last = NAN, tlast = 0.0;

	for (size_t t = 0; t < n; t++) {
		switch (f->method) {
		case TSP_FCB_DRIFT:
			fitted[t] = isnan(last) ? NAN :
				last + ((double)t - tlast) * f->mean;
			if (isfinite(y[t])) {
				last = y[t];
				tlast = (double)t;
			}
			break;
		case TSP_FCB_MEAN:
			fitted[t] = f->mean;
			break;
		case TSP_FCB_LINEAR:
			fitted[t] = f->ybar + f->sty / f->stt *
				((double)t - f->tbar);
			break;
		default:
			break;
		}
	}
}

int tsp_fcb_fit(struct tsp_fcb *f, enum tsp_fcb_method method,
		const double *y, size_t n, size_t m, double *fitted,
		struct tsp_error *err)
{
	size_t nobs = 0;

	tsp_fcb_release(f);
	if ((unsigned)method >= NMETHODS)
		return tsp_error_set(err, TSP_EUSAGE, "unknown forecast method");
	if (method != TSP_FCB_SNAIVE && method != TSP_FCB_THETA)
		m = 1;
	if (m < 1 || m > TSP_FCB_MAXM)
		return tsp_error_set(err, TSP_EUSAGE,
				     "%s: season length %zu out of range 1..%d",
				     names[method], m, TSP_FCB_MAXM);
	if ((double)n >= MAXSTEPS)
		return tsp_error_set(err, TSP_EDATA, "series too long");
	for (size_t t = 0; t < n; t++) {
		if (isinf(y[t]))
			return tsp_error_set(err, TSP_EDATA,
					     "%s: infinite value at step %zu",
					     names[method], t + 1);
		nobs += !isnan(y[t]);
	}
	if (nobs < min_obs(method))
		return tsp_error_set(err, TSP_EDATA,
				     "%s needs at least %zu observed values, got %zu",
				     names[method], min_obs(method), nobs);
	if (start(f, method, m, err) < 0)
		return -1;
	if (method == TSP_FCB_THETA &&
	    tsp_fcb_theta_estimate(f, y, n, m, err) < 0) {
		tsp_fcb_release(f);
		return -1;
	}
	for (size_t t = 0; t < n; t++) {
		if (fitted) {
			if (is_lagwalk(method)) {
				size_t s = t % m;
				fitted[t] = isnan(f->at[s]) ? NAN : f->val[s];
			} else if (method == TSP_FCB_THETA) {
				fitted[t] = f->level *
					(f->m > 1 ? f->val[t % f->m] : 1.0);
			}
		}
		step(f, y[t]);
	}
	if (method == TSP_FCB_SNAIVE) {
		for (size_t s = 0; s < m; s++)
			if (isnan(f->at[s])) {
				tsp_fcb_release(f);
				return tsp_error_set(err, TSP_EDATA,
					"snaive(%zu): no observed value at position %zu of the season",
					m, s + 1);
			}
	}
	if (fitted)
		fill_fitted(f, y, n, fitted);
	return 0;
}

int tsp_fcb_forecast(const struct tsp_fcb *f, size_t h, double *mean,
		     double *sd, double *df, struct tsp_error *err)
{
	if (h == 0)
		return tsp_error_set(err, TSP_EUSAGE, "forecast horizon is 0");
	if (f->n == 0)
		return tsp_error_set(err, TSP_EUSAGE, "no fitted model");
	for (size_t j = 1; j <= h; j++) {
		double mu, s, d;

		point(f, j, &mu, &s, &d);
		mean[j - 1] = mu;
		if (sd)
			sd[j - 1] = s;
		if (df)
			df[j - 1] = d;
	}
	return 0;
}

double tsp_fcb_sigma2(const struct tsp_fcb *f)
{
	double k;

	if (f->n == 0)
		return NAN;
	switch (f->method) {
	case TSP_FCB_NAIVE:
	case TSP_FCB_SNAIVE:
		return f->nres ? f->ssr / (double)f->nres : NAN;
	case TSP_FCB_DRIFT:
		return f->nres >= 2 ? f->m2 / ((double)f->nres - 1.0) : NAN;
	case TSP_FCB_MEAN:
		return f->nobs >= 2 ? f->m2 / ((double)f->nobs - 1.0) : NAN;
	case TSP_FCB_LINEAR:
		k = (double)f->nobs;
		return f->nobs >= 3 ? f->rss / (k - 2.0) : NAN;
	case TSP_FCB_THETA:
		return f->sigma2;
	}
	return NAN;
}

double tsp_fcb_update(struct tsp_fcb *f, double y)
{
	double mu, sd, df;

	if (f->n == 0 || (double)f->n >= MAXSTEPS)
		return NAN;
	point(f, 1, &mu, &sd, &df);
	step(f, isfinite(y) ? y : NAN);
	return mu;
}

void tsp_fcb_label(const struct tsp_fcb *f, char *buf, size_t n)
{
	if (n == 0)
		return;
	if (f->n == 0)
		snprintf(buf, n, "none");
	else if (f->method == TSP_FCB_SNAIVE)
		snprintf(buf, n, "snaive(%zu)", f->m);
	else if (f->method == TSP_FCB_THETA && f->m > 1)
		snprintf(buf, n, "theta(%zu, multiplicative)", f->m);
	else
		snprintf(buf, n, "%s", names[f->method]);
}

/* ---- save / load -------------------------------------------------- */

int tsp_fcb_save(const struct tsp_fcb *f, struct tsp_params *p,
		 struct tsp_error *err)
{
	if (f->n == 0 || (unsigned)f->method >= NMETHODS)
		return tsp_error_set(err, TSP_EUSAGE, "no fitted model");
	/* || keeps the items in this order: the bytes are deterministic. */
	if (tsp_params_str(p, "method", names[f->method], err) < 0 ||
	    tsp_params_num(p, "m", (double)f->m, err) < 0 ||
	    tsp_params_num(p, "n", (double)f->n, err) < 0 ||
	    tsp_params_num(p, "nobs", (double)f->nobs, err) < 0)
		return -1;
	switch (f->method) {
	case TSP_FCB_NAIVE:
	case TSP_FCB_SNAIVE:
	case TSP_FCB_DRIFT:
		if (tsp_params_nums(p, "value", f->val, f->m, err) < 0 ||
		    tsp_params_nums(p, "time", f->at, f->m, err) < 0 ||
		    tsp_params_num(p, "nres", (double)f->nres, err) < 0)
			return -1;
		if (f->method == TSP_FCB_DRIFT)
			return tsp_params_num(p, "span", f->span, err) < 0 ||
				tsp_params_num(p, "drift", f->mean, err) < 0 ||
				tsp_params_num(p, "m2", f->m2, err) < 0 ? -1 : 0;
		return tsp_params_num(p, "ssr", f->ssr, err);
	case TSP_FCB_MEAN:
		return tsp_params_num(p, "mean", f->mean, err) < 0 ||
			tsp_params_num(p, "m2", f->m2, err) < 0 ? -1 : 0;
	case TSP_FCB_LINEAR:
		return tsp_params_num(p, "tbar", f->tbar, err) < 0 ||
			tsp_params_num(p, "ybar", f->ybar, err) < 0 ||
			tsp_params_num(p, "stt", f->stt, err) < 0 ||
			tsp_params_num(p, "sty", f->sty, err) < 0 ||
			tsp_params_num(p, "rss", f->rss, err) < 0 ? -1 : 0;
	case TSP_FCB_THETA:
		if (tsp_params_num(p, "alpha", f->alpha, err) < 0 ||
		    tsp_params_num(p, "slope", f->slope, err) < 0 ||
		    tsp_params_num(p, "sigma2", f->sigma2, err) < 0 ||
		    tsp_params_num(p, "level", f->level, err) < 0 ||
		    tsp_params_num(p, "gap", (double)f->gap, err) < 0)
			return -1;
		if (f->m > 1)
			return tsp_params_nums(p, "season", f->val, f->m, err);
		return 0;
	}
	return 0;
}

/* Decoding context: the bytes and the first problem met. */
struct dec {
	const unsigned char *buf;
	size_t len;
	const char *bad;	/* name of the first bad item, or NULL */
};

/* Number `name`, NaN (and d->bad set) if absent or not a number. */
static double get(struct dec *d, const char *name)
{
	struct tsp_param it;

	if (tsp_params_find(d->buf, d->len, name, &it) == 1 &&
	    it.type == TSP_PARAM_NUM)
		return it.num;
	if (!d->bad)
		d->bad = name;
	return NAN;
}

/* Require cond about item name. */
static void need(struct dec *d, int cond, const char *name)
{
	if (!cond && !d->bad)
		d->bad = name;
}

/* A whole number in [lo, hi]. */
static int whole(double v, double lo, double hi)
{
	return v >= lo && v <= hi && v == floor(v);
}

static double *get_array(struct dec *d, const char *name, size_t m)
{
	struct tsp_param it;
	double *a;

	if (d->bad)
		return NULL;
	if (tsp_params_find(d->buf, d->len, name, &it) != 1 ||
	    it.type != TSP_PARAM_NUMS || it.n != m) {
		d->bad = name;
		return NULL;
	}
	a = malloc(m * sizeof(double));
	if (a)
		for (size_t i = 0; i < m; i++)
			a[i] = tsp_param_at(&it, i);
	return a;
}

static void load_lagwalk(struct tsp_fcb *f, struct dec *d)
{
	double nres = get(d, "nres");

	/* Each observed value either is the first at its position in the
	 * season or makes one residual, and fit leaves no position empty. */
	need(d, f->nobs >= f->m && nres == (double)(f->nobs - f->m), "nres");
	for (size_t s = 0; s < f->m; s++) {
		double t = f->at[s];

		need(d, whole(t, 0, (double)f->n - 1.0) &&
		     (size_t)t % f->m == s, "time");
		need(d, isfinite(f->val[s]), "value");
	}
	if (f->method == TSP_FCB_DRIFT) {
		f->span = get(d, "span");
		f->mean = get(d, "drift");
		f->m2 = get(d, "m2");
		need(d, whole(f->span, nres, f->at[0]), "span");
		need(d, isfinite(f->mean), "drift");
		need(d, f->m2 >= 0.0 && isfinite(f->m2), "m2");
	} else {
		f->ssr = get(d, "ssr");
		need(d, f->ssr >= 0.0 && isfinite(f->ssr), "ssr");
	}
	if (!d->bad)
		f->nres = (size_t)nres;
}

int tsp_fcb_load(struct tsp_fcb *f, const unsigned char *buf, size_t len,
		 struct tsp_error *err)
{
	struct dec d = { buf, len, NULL };
	struct tsp_param it;
	enum tsp_fcb_method method = TSP_FCB_NAIVE;
	char name[16];
	double m, n, nobs;

	tsp_fcb_release(f);
	if (tsp_params_find(buf, len, "method", &it) != 1 ||
	    it.type != TSP_PARAM_STR || it.n >= sizeof(name))
		return tsp_error_set(err, TSP_EDATA,
				     "forecast model: bad or missing 'method'");
	memcpy(name, it.str, it.n);
	name[it.n] = '\0';
	if (tsp_fcb_parse(name, &method) < 0)
		return tsp_error_set(err, TSP_EDATA,
				     "forecast model: unknown method");
	m = get(&d, "m");
	n = get(&d, "n");
	nobs = get(&d, "nobs");
	need(&d, whole(m, 1, TSP_FCB_MAXM), "m");
	need(&d, whole(n, 1, MAXSTEPS - 1), "n");
	need(&d, whole(nobs, (double)min_obs(method), n), "nobs");
	need(&d, m == 1 || method == TSP_FCB_SNAIVE ||
	     method == TSP_FCB_THETA, "m");
	if (d.bad)
		goto bad;
	f->method = method;
	f->m = (size_t)m;
	f->n = (size_t)n;
	f->nobs = (size_t)nobs;
	switch (method) {
	case TSP_FCB_NAIVE:
	case TSP_FCB_SNAIVE:
	case TSP_FCB_DRIFT:
		f->val = get_array(&d, "value", f->m);
		f->at = get_array(&d, "time", f->m);
		if (!d.bad && (!f->val || !f->at))
			goto nomem;
		if (!d.bad)
			load_lagwalk(f, &d);
		break;
	case TSP_FCB_MEAN:
		f->mean = get(&d, "mean");
		f->m2 = get(&d, "m2");
		need(&d, isfinite(f->mean), "mean");
		need(&d, f->m2 >= 0.0 && isfinite(f->m2), "m2");
		break;
	case TSP_FCB_LINEAR:
		f->tbar = get(&d, "tbar");
		f->ybar = get(&d, "ybar");
		f->stt = get(&d, "stt");
		f->sty = get(&d, "sty");
		f->rss = get(&d, "rss");
		need(&d, f->tbar >= 0.0 && f->tbar <= n - 1.0, "tbar");
		need(&d, isfinite(f->ybar), "ybar");
		need(&d, f->stt > 0.0 && isfinite(f->stt), "stt");
		need(&d, isfinite(f->sty), "sty");
		need(&d, f->rss >= 0.0 && isfinite(f->rss), "rss");
		break;
	case TSP_FCB_THETA: {
		double gap;

		f->alpha = get(&d, "alpha");
		f->slope = get(&d, "slope");
		f->sigma2 = get(&d, "sigma2");
		f->level = get(&d, "level");
		gap = get(&d, "gap");
		need(&d, f->alpha >= 1e-10 && f->alpha <= 1.0, "alpha");
		need(&d, isfinite(f->slope), "slope");
		need(&d, isnan(f->sigma2) ||
		     (f->sigma2 >= 0.0 && isfinite(f->sigma2)), "sigma2");
		need(&d, isfinite(f->level), "level");
		need(&d, whole(gap, 0, n - nobs), "gap");
		if (d.bad)
			break;
		f->gap = (size_t)gap;
		if (f->m > 1) {
			f->val = get_array(&d, "season", f->m);
			if (!d.bad && !f->val)
				goto nomem;
			for (size_t s = 0; !d.bad && s < f->m; s++)
				need(&d, isfinite(f->val[s]) &&
				     fabs(f->val[s]) >= 1e-4, "season");
		}
		break;
	}
	}
	if (d.bad)
		goto bad;
	return 0;
bad:
	tsp_fcb_release(f);
	return tsp_error_set(err, TSP_EDATA,
			     "forecast model (%s): bad or missing '%s'",
			     name, d.bad);
nomem:
	tsp_fcb_release(f);
	return tsp_error_set(err, TSP_ENOMEM, "out of memory");
}
