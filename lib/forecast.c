#include "tsp_forecast.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <gsl/gsl_cdf.h>

#include "tsp_stl.h"

static const char *const names[TSP_FC_NMETHODS] = {
	"auto", "ets", "ses", "holt", "hw", "theta", "stlf", "naive",
	"snaive", "mean", "drift", "linear"
};

const char *tsp_fc_method_name(enum tsp_fc_method m)
{
	return (unsigned)m < TSP_FC_NMETHODS ? names[m] : "?";
}

int tsp_fc_method_parse(const char *name, enum tsp_fc_method *out)
{
	for (int i = 0; i < TSP_FC_NMETHODS; i++)
		if (strcmp(name, names[i]) == 0) {
			*out = (enum tsp_fc_method)i;
			return 0;
		}
	return -1;
}

void tsp_fc_opts_default(struct tsp_fc_opts *o)
{
	memset(o, 0, sizeof(*o));
	o->method = TSP_FC_AUTO;
	tsp_ets_opts_default(&o->ets, 1);
}

static int is_fcb(enum tsp_fc_method k)
{
	return k == TSP_FC_THETA || k == TSP_FC_NAIVE || k == TSP_FC_SNAIVE ||
	       k == TSP_FC_MEAN || k == TSP_FC_DRIFT || k == TSP_FC_LINEAR;
}

static enum tsp_fcb_method fcb_of(enum tsp_fc_method k)
{
	switch (k) {
	case TSP_FC_THETA: return TSP_FCB_THETA;
	case TSP_FC_SNAIVE: return TSP_FCB_SNAIVE;
	case TSP_FC_MEAN: return TSP_FCB_MEAN;
	case TSP_FC_DRIFT: return TSP_FCB_DRIFT;
	case TSP_FC_LINEAR: return TSP_FCB_LINEAR;
	default: return TSP_FCB_NAIVE;
	}
}

void tsp_fc_model_release(struct tsp_fc_model *m)
{
	tsp_fcb_release(&m->fcb);
	for (size_t k = 0; k < TSP_FC_MAXP; k++)
		free(m->seas[k]);
	memset(m, 0, sizeof(*m));
}

/* Observed points, and whether they are all equal. */
static size_t observed(const double *y, size_t n, int *constant)
{
	size_t c = 0;
	double first = NAN;

	*constant = 1;
	for (size_t i = 0; i < n; i++) {
		if (isnan(y[i]))
			continue;
		if (c++ == 0)
			first = y[i];
		else if (y[i] != first)
			*constant = 0;
	}
	return c;
}

/* The season the single-season methods use: the shortest period. */
static size_t short_period(const struct tsp_fc_opts *o)
{
	return o->np ? o->period[0] : 1;
}

/* snaive: the longest period the series covers at least once. */
static size_t snaive_period(const struct tsp_fc_opts *o, size_t n)
{
	for (size_t k = o->np; k-- > 0;)
		if (o->period[k] < n)
			return o->period[k];
	return 1;
}

static int fit_fcb(struct tsp_fc_model *m, enum tsp_fc_method k, size_t period,
		   const double *y, size_t n, struct tsp_error *err)
{
	m->kind = k;
	if (k == TSP_FC_SNAIVE && period < 2)
		m->kind = TSP_FC_NAIVE;
	return tsp_fcb_fit(&m->fcb, fcb_of(m->kind), y, n, period, NULL, err);
}

static int fit_ets(struct tsp_fc_model *m, const struct tsp_fc_opts *o,
		   enum tsp_fc_method k, size_t period, const double *y,
		   size_t n, struct tsp_error *err)
{
	struct tsp_ets_opts eo = o->ets;

	eo.m = period;
	switch (k) {
	case TSP_FC_SES:
		eo.error = TSP_ETS_A; eo.trend = TSP_ETS_N;
		eo.season = TSP_ETS_N; eo.damped = 0;
		eo.crit = TSP_ETS_CRIT_MSE;
		break;
	case TSP_FC_HOLT:
		eo.error = TSP_ETS_A; eo.trend = TSP_ETS_A;
		eo.season = TSP_ETS_N; eo.damped = o->damped;
		eo.crit = TSP_ETS_CRIT_MSE;
		break;
	case TSP_FC_HW:
		eo.error = o->multiplicative ? TSP_ETS_M : TSP_ETS_A;
		eo.trend = TSP_ETS_A;
		eo.season = o->multiplicative ? TSP_ETS_M : TSP_ETS_A;
		eo.damped = o->damped;
		eo.crit = TSP_ETS_CRIT_MSE;
		break;
	default:
		break;
	}
	if (period < 2) {
		eo.season = TSP_ETS_N;
		eo.m = 1;
	} else if (eo.season != TSP_ETS_N &&
		   (period > 24 || n < 2 * period + 2)) {
		/* R's ets() refuses a period over 24 and needs two cycles */
		m->fallback = period > 24 ? TSP_FC_FB_LONGPERIOD
					  : TSP_FC_FB_SHORT;
		eo.season = TSP_ETS_N;
		eo.m = 1;
	}
	m->kind = k;
	return tsp_ets_fit(y, n, &eo, &m->ets, NULL, err);
}

/* forecast::stlf: MSTL, ETS on the adjusted series, seasonals by
 * repeating their last cycle. */
static int fit_stlf(struct tsp_fc_model *m, const struct tsp_fc_opts *o,
		    const double *y, size_t n, struct tsp_error *err)
{
	struct tsp_mstl_opts mo;
	struct tsp_fc_opts eo = *o;
	double *trend = NULL, *seas = NULL, *rem = NULL, *adj = NULL;
	int used[TSP_MSTL_MAXP], rc = -1;

	tsp_mstl_opts_default(&mo);
	for (size_t k = 0; k < o->np; k++)
		if (n > 2 * o->period[k])
			mo.period[mo.np++] = o->period[k];
	if (mo.np == 0) {
		m->fallback = TSP_FC_FB_SHORT;
		eo.np = 0;
		return fit_ets(m, &eo, TSP_FC_ETS, 1, y, n, err);
	}
	trend = malloc(n * sizeof(*trend));
	rem = malloc(n * sizeof(*rem));
	adj = malloc(n * sizeof(*adj));
	seas = malloc(mo.np * n * sizeof(*seas));
	if (!trend || !rem || !adj || !seas) {
		tsp_error_set(err, TSP_ENOMEM, "out of memory");
		goto out;
	}
	if (tsp_mstl(y, n, &mo, trend, seas, rem, used, err) < 0)
		goto out;
	m->np = 0;
	for (size_t k = 0; k < mo.np; k++) {
		size_t p = mo.period[k];
		if (!used[k])
			continue;
		m->period[m->np] = p;
		if (!(m->seas[m->np] = malloc(p * sizeof(double)))) {
			tsp_error_set(err, TSP_ENOMEM, "out of memory");
			goto out;
		}
		memcpy(m->seas[m->np], seas + k * n + (n - p),
		       p * sizeof(double));
		m->np++;
	}
	for (size_t i = 0; i < n; i++) {
		double s = 0;
		for (size_t k = 0; k < mo.np; k++)
			s += used[k] ? seas[k * n + i] : 0;
		adj[i] = isnan(y[i]) ? NAN : y[i] - s;
	}
	m->pos = 0;
	eo.ets.season = TSP_ETS_N;
	if (fit_ets(m, &eo, TSP_FC_ETS, 1, adj, n, err) < 0)
		goto out;
	m->kind = TSP_FC_STLF;
	rc = 0;
out:
	free(trend);
	free(seas);
	free(rem);
	free(adj);
	return rc;
}

static double stlf_season(const struct tsp_fc_model *m, uint64_t ahead)
{
	double s = 0;

	for (size_t k = 0; k < m->np; k++)
		s += m->seas[k][(m->pos + ahead) % m->period[k]];
	return s;
}

static int fit_one(struct tsp_fc_model *m, const struct tsp_fc_opts *o,
		   enum tsp_fc_method k, const double *y, size_t n,
		   struct tsp_error *err);

/* auto: at most this many rolling origins, and the level of the sign
 * test that lets another method replace the first candidate */
#define AUTO_MAXORIG 5
#define AUTO_ALPHA 0.05
#define AUTO_MARGIN 1.2		/* and by this factor on average */

/* Mean absolute lag-p difference of y (the MASE scale). */
static double mase_scale(const double *y, size_t n, size_t p)
{
	double s = 0;
	size_t c = 0;

	if (p < 1 || p >= n)
		p = 1;
	for (size_t i = p; i < n; i++)
		if (!isnan(y[i]) && !isnan(y[i - p])) {
			s += fabs(y[i] - y[i - p]);
			c++;
		}
	return c ? s / (double)c : NAN;
}

/* P(X >= w) for X binomial(k, 1/2): the one-sided sign test. */
static double sign_tail(size_t w, size_t k)
{
	double c = 1.0, t = 0.0;

	for (size_t j = 0; j <= k; j++) {
		if (j >= w)
			t += c;
		c = c * (double)(k - j) / (double)(j + 1);
	}
	return t / pow(2.0, (double)k);
}

/*
 * auto: each candidate is fitted at up to AUTO_MAXORIG rolling origins,
 * each followed by a window of h steps, and scored per window by its
 * mean absolute error scaled by the training part's seasonal-naive
 * error.  The first candidate (ETS, or STL+ETS) is the default: another
 * replaces it only if it does better in so many windows that chance is
 * unlikely (a one-sided sign test at AUTO_ALPHA: with five windows,
 * all five) and by a margin on average (AUTO_MARGIN), and then the one
 * with the lowest mean score.  A few
 * windows are weak evidence, and a method picked on weak evidence
 * forecasts worse than the default about as often as better.  Too short
 * a series for five windows: the first candidate.
 */
static int fit_auto(struct tsp_fc_model *m, const struct tsp_fc_opts *o,
		    const double *y, size_t n, struct tsp_error *err)
{
	enum tsp_fc_method cand[5];
	size_t nc = 0, p = short_period(o), h = o->horizon, minfit, norig;
	double *mean = NULL, *sd = NULL, sc[5][AUTO_MAXORIG], best = INFINITY;
	int okc[5];
	enum tsp_fc_method pick;

	if (o->np > 1 || p > 24) {
		cand[nc++] = TSP_FC_STLF;
		cand[nc++] = TSP_FC_SNAIVE;
		cand[nc++] = TSP_FC_THETA;
	} else {
		cand[nc++] = TSP_FC_ETS;
		cand[nc++] = TSP_FC_THETA;
		if (p > 1) {
			cand[nc++] = TSP_FC_STLF;
			cand[nc++] = TSP_FC_SNAIVE;
		} else {
			cand[nc++] = TSP_FC_NAIVE;
			cand[nc++] = TSP_FC_DRIFT;
		}
	}
	pick = cand[0];
	if (h == 0)
		h = p > 6 ? p : 6;
	minfit = o->np ? 2 * o->period[o->np - 1] + 2 : 10;
	if (minfit < 10)
		minfit = 10;
	norig = n >= minfit + h ? (n - minfit) / h : 0;
	if (norig > AUTO_MAXORIG)
		norig = AUTO_MAXORIG;
	if (norig == 0 || sign_tail(norig, norig) > AUTO_ALPHA)
		return fit_one(m, o, cand[0], y, n, err);
	mean = malloc(h * sizeof(*mean));
	sd = malloc(h * sizeof(*sd));
	if (!mean || !sd) {
		free(mean);
		free(sd);
		return tsp_error_set(err, TSP_ENOMEM, "out of memory");
	}
	for (size_t c = 0; c < nc; c++) {
		okc[c] = 1;
		for (size_t j = 1; j <= norig && okc[c]; j++) {
			struct tsp_fc_model t;
			size_t origin = n - j * h, ne = 0;
			double scale = mase_scale(y, origin, p), e = 0, df;
			memset(&t, 0, sizeof(t));
			if (fit_one(&t, o, cand[c], y, origin, err) < 0 ||
			    tsp_fc_forecast(&t, h, mean, sd, &df, err) < 0) {
				tsp_fc_model_release(&t);
				if (err->code == TSP_ENOMEM) {
					free(mean);
					free(sd);
					return -1;
				}
				okc[c] = 0;	/* not a candidate here */
				break;
			}
			tsp_fc_model_release(&t);
			for (size_t i = 0; i < h; i++)
				if (!isnan(y[origin + i]) && isfinite(mean[i])) {
					e += fabs(y[origin + i] - mean[i]);
					ne++;
				}
			if (!(ne && scale > 0 && isfinite(scale)))
				okc[c] = 0;
			else
				sc[c][j - 1] = e / (double)ne / scale;
		}
	}
	free(mean);
	free(sd);
	if (okc[0]) {
		double tot0 = 0;
		for (size_t j = 0; j < norig; j++)
			tot0 += sc[0][j];
		for (size_t c = 1; c < nc; c++) {
			size_t wins = 0;
			double tot = 0;
			if (!okc[c])
				continue;
			for (size_t j = 0; j < norig; j++) {
				wins += sc[c][j] < sc[0][j];
				tot += sc[c][j];
			}
			if (sign_tail(wins, norig) <= AUTO_ALPHA &&
			    tot * AUTO_MARGIN < tot0 && tot < best) {
				best = tot;
				pick = cand[c];
			}
		}
	}
	return fit_one(m, o, pick, y, n, err);
}

static int fit_one(struct tsp_fc_model *m, const struct tsp_fc_opts *o,
		   enum tsp_fc_method k, const double *y, size_t n,
		   struct tsp_error *err)
{
	size_t p = short_period(o);

	tsp_error_clear(err);
	switch (k) {
	case TSP_FC_AUTO:
		return fit_auto(m, o, y, n, err);
	case TSP_FC_STLF:
		return fit_stlf(m, o, y, n, err);
	case TSP_FC_ETS: case TSP_FC_SES: case TSP_FC_HOLT: case TSP_FC_HW:
		return fit_ets(m, o, k, p, y, n, err);
	case TSP_FC_SNAIVE:
		return fit_fcb(m, k, snaive_period(o, n), y, n, err);
	case TSP_FC_THETA:
		return fit_fcb(m, k, p, y, n, err);
	default:
		return fit_fcb(m, k, 1, y, n, err);
	}
}

int tsp_fc_fit(struct tsp_fc_model *m, const struct tsp_fc_opts *o,
	       const double *y, size_t n, struct tsp_error *err)
{
	size_t nobs;
	int constant, rc;

	memset(m, 0, sizeof(*m));
	for (size_t i = 0; i < n; i++)
		if (isinf(y[i]))
			return tsp_error_set(err, TSP_EDATA, "infinite value "
					     "at point %zu", i + 1);
	nobs = observed(y, n, &constant);
	if (nobs == 0)
		return tsp_error_set(err, TSP_EDATA, "no observed value");
	if ((constant && nobs > 1) || nobs < 3) {
		m->fallback = constant && nobs > 1 ? TSP_FC_FB_CONSTANT
						   : TSP_FC_FB_TOOFEW;
		return fit_fcb(m, TSP_FC_NAIVE, 1, y, n, err);
	}
	rc = fit_one(m, o, o->method, y, n, err);
	if (rc < 0 && err->code == TSP_EDATA) {
		/* whatever the method could not do, naive can */
		struct tsp_error e2;
		tsp_fc_model_release(m);
		tsp_error_clear(&e2);
		m->fallback = TSP_FC_FB_FAILED;
		rc = fit_fcb(m, TSP_FC_NAIVE, 1, y, n, &e2);
		if (rc < 0)
			*err = e2;
	}
	return rc;
}

int tsp_fc_forecast(const struct tsp_fc_model *m, size_t h, double *mean,
		    double *sd, double *df, struct tsp_error *err)
{
	*df = 0;
	if (is_fcb(m->kind)) {
		/* the t quantiles of mean and linear have one df per series */
		double *d = malloc(h * sizeof(*d));
		int rc;
		if (!d)
			return tsp_error_set(err, TSP_ENOMEM, "out of memory");
		rc = tsp_fcb_forecast(&m->fcb, h, mean, sd, d, err);
		*df = rc == 0 ? d[0] : 0;
		free(d);
		return rc;
	}
	if (tsp_ets_forecast(&m->ets, h, mean, sd, err) < 0)
		return -1;
	for (size_t i = 0; i < h; i++) {
		sd[i] = sd[i] >= 0 ? sqrt(sd[i]) : NAN;
		if (m->kind == TSP_FC_STLF)
			mean[i] += stlf_season(m, i);
	}
	return 0;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return (x > y) - (x < y);
}

int tsp_fc_interval(const struct tsp_fc_model *m, size_t h, double level,
		    const double *mean, const double *sd, double df,
		    size_t nsim, unsigned long seed, double *lo, double *hi,
		    struct tsp_error *err)
{
	double a = (1 - level / 100) / 2, qlo, qhi, q[2], *sim;
	size_t k, i;

	for (k = 0; k < m->ncal; k++)
		if (m->cal_level[k] == level)
			break;
	if (k < m->ncal) {
		qlo = m->cal_lo[k];
		qhi = m->cal_hi[k];
	} else {
		qhi = df > 0 ? gsl_cdf_tdist_Qinv(a, df) : gsl_cdf_ugaussian_Qinv(a);
		qlo = -qhi;
	}
	for (i = 0; i < h; i++)
		if (isnan(sd[i]) && !is_fcb(m->kind))
			break;
	if (i == h) {
		for (i = 0; i < h; i++) {
			lo[i] = mean[i] + qlo * sd[i];
			hi[i] = mean[i] + qhi * sd[i];
		}
		return 0;
	}
	/* no analytic variance: quantiles of simulated paths */
	if (!(sim = malloc(2 * h * sizeof(*sim))))
		return tsp_error_set(err, TSP_ENOMEM, "out of memory");
	q[0] = a;
	q[1] = 1 - a;
	if (tsp_ets_simulate(&m->ets, h, nsim, seed, q, 2, sim, err) < 0) {
		free(sim);
		return -1;
	}
	for (i = 0; i < h; i++) {
		double s = m->kind == TSP_FC_STLF ? stlf_season(m, i) : 0;
		lo[i] = sim[2 * i] + s;
		hi[i] = sim[2 * i + 1] + s;
	}
	free(sim);
	return 0;
}

double tsp_fc_update(struct tsp_fc_model *m, double y, double *sd)
{
	double mean, var, df, f;
	struct tsp_error err;

	tsp_error_clear(&err);
	if (is_fcb(m->kind)) {
		if (tsp_fcb_forecast(&m->fcb, 1, &mean, sd, &df, &err) < 0)
			*sd = NAN;
		return tsp_fcb_update(&m->fcb, y);
	}
	if (tsp_ets_forecast(&m->ets, 1, &mean, &var, &err) < 0)
		var = NAN;
	*sd = var >= 0 ? sqrt(var) : NAN;
	if (m->kind != TSP_FC_STLF)
		return tsp_ets_update(&m->ets, y);
	f = stlf_season(m, 0);
	mean = tsp_ets_update(&m->ets, isnan(y) ? NAN : y - f) + f;
	m->pos++;
	return mean;
}

int tsp_fc_calibrate(struct tsp_fc_model *m, const struct tsp_fc_opts *o,
		     const double *y, size_t n, size_t h,
		     const double *levels, size_t nlevels,
		     struct tsp_error *err)
{
	size_t norig = 30, minfit = o->np ? 2 * o->period[o->np - 1] + 2 : 10,
	       nz = 0;
	double *z, *mean, *sd, df;

	if (minfit < 10)
		minfit = 10;
	m->ncal = 0;
	if (n < minfit + h + 1)
		return 0;
	if (n - minfit - h + 1 < norig)
		norig = n - minfit - h + 1;
	z = malloc(norig * h * sizeof(*z));
	mean = malloc(h * sizeof(*mean));
	sd = malloc(h * sizeof(*sd));
	if (!z || !mean || !sd) {
		free(z);
		free(mean);
		free(sd);
		return tsp_error_set(err, TSP_ENOMEM, "out of memory");
	}
	for (size_t j = 0; j < norig; j++) {
		struct tsp_fc_model t;
		size_t origin = n - h - j;
		memset(&t, 0, sizeof(t));
		if (fit_one(&t, o, o->method, y, origin, err) == 0 &&
		    tsp_fc_forecast(&t, h, mean, sd, &df, err) == 0)
			for (size_t i = 0; i < h; i++)
				if (!isnan(y[origin + i]) && sd[i] > 0)
					z[nz++] = (y[origin + i] - mean[i]) /
						  sd[i];
		tsp_fc_model_release(&t);
		if (err->code == TSP_ENOMEM)
			break;
		tsp_error_clear(err);
	}
	if (nz >= 20 && err->code == TSP_OK) {
		qsort(z, nz, sizeof(*z), cmp_double);
		for (size_t k = 0; k < nlevels && k < TSP_FC_MAXLEVELS; k++) {
			double a = (1 - levels[k] / 100) / 2;
			double pl = a * (double)(nz - 1), ph = (1 - a) * (double)(nz - 1);
			size_t il = (size_t)pl, ih = (size_t)ph;
			m->cal_level[k] = levels[k];
			m->cal_lo[k] = z[il] + (pl - (double)il) *
				(il + 1 < nz ? z[il + 1] - z[il] : 0);
			m->cal_hi[k] = z[ih] + (ph - (double)ih) *
				(ih + 1 < nz ? z[ih + 1] - z[ih] : 0);
			m->ncal = k + 1;
		}
	}
	free(z);
	free(mean);
	free(sd);
	return err->code == TSP_ENOMEM ? -1 : 0;
}

void tsp_fc_label(const struct tsp_fc_model *m, char *buf, size_t n)
{
	char inner[64];

	if (is_fcb(m->kind)) {
		tsp_fcb_label(&m->fcb, buf, n);
		return;
	}
	tsp_ets_label(&m->ets, inner, sizeof(inner));
	if (m->kind == TSP_FC_STLF)
		snprintf(buf, n, "STL+%s", inner);
	else
		snprintf(buf, n, "%s", inner);
}

int tsp_fc_save(const struct tsp_fc_model *m, struct tsp_params *p,
		struct tsp_error *err)
{
	char name[48];

	if (tsp_params_str(p, "method", names[m->kind], err) < 0 ||
	    tsp_params_num(p, "fallback", m->fallback, err) < 0)
		return -1;
	if (m->ncal && (tsp_params_nums(p, "cal_level", m->cal_level, m->ncal, err) < 0 ||
			tsp_params_nums(p, "cal_lo", m->cal_lo, m->ncal, err) < 0 ||
			tsp_params_nums(p, "cal_hi", m->cal_hi, m->ncal, err) < 0))
		return -1;
	if (is_fcb(m->kind))
		return tsp_fcb_save(&m->fcb, p, err);
	if (m->kind == TSP_FC_STLF) {
		if (tsp_params_num(p, "stl_pos", (double)m->pos, err) < 0)
			return -1;
		for (size_t k = 0; k < m->np; k++) {
			snprintf(name, sizeof(name), "stl_seasonal_%zu", k);
			if (tsp_params_nums(p, name, m->seas[k], m->period[k],
					    err) < 0)
				return -1;
		}
	}
	return tsp_ets_save(&m->ets, p, err);
}

static int corrupt(struct tsp_error *err, const char *what)
{
	return tsp_error_set(err, TSP_EDATA, "corrupt model entry (%s)", what);
}

int tsp_fc_load(struct tsp_fc_model *m, const unsigned char *buf, size_t len,
		struct tsp_error *err)
{
	struct tsp_param it, lo, hi;
	enum tsp_fc_method k;
	char name[48], meth[16];

	memset(m, 0, sizeof(*m));
	if (tsp_params_find(buf, len, "method", &it) != 1 ||
	    it.type != TSP_PARAM_STR || it.n >= sizeof(meth))
		return corrupt(err, "method");
	memcpy(meth, it.str, it.n);
	meth[it.n] = '\0';
	if (tsp_fc_method_parse(meth, &k) < 0 || k == TSP_FC_AUTO)
		return corrupt(err, "method");
	m->kind = k;
	if (tsp_params_find(buf, len, "fallback", &it) == 1 &&
	    it.type == TSP_PARAM_NUM && it.num >= 0 &&
	    it.num <= TSP_FC_FB_FAILED)
		m->fallback = (enum tsp_fc_fallback)it.num;
	if (tsp_params_find(buf, len, "cal_level", &it) == 1) {
		if (it.type != TSP_PARAM_NUMS || it.n > TSP_FC_MAXLEVELS ||
		    tsp_params_find(buf, len, "cal_lo", &lo) != 1 ||
		    tsp_params_find(buf, len, "cal_hi", &hi) != 1 ||
		    lo.type != TSP_PARAM_NUMS || hi.type != TSP_PARAM_NUMS ||
		    lo.n != it.n || hi.n != it.n)
			return corrupt(err, "calibration");
		m->ncal = it.n;
		for (size_t i = 0; i < it.n; i++) {
			m->cal_level[i] = tsp_param_at(&it, i);
			m->cal_lo[i] = tsp_param_at(&lo, i);
			m->cal_hi[i] = tsp_param_at(&hi, i);
		}
	}
	if (is_fcb(k))
		return tsp_fcb_load(&m->fcb, buf, len, err);
	if (k == TSP_FC_STLF) {
		if (tsp_params_find(buf, len, "stl_pos", &it) != 1 ||
		    it.type != TSP_PARAM_NUM || !(it.num >= 0) || it.num > 1e18)
			return corrupt(err, "stl_pos");
		m->pos = (uint64_t)it.num;
		for (size_t j = 0; j < TSP_FC_MAXP; j++) {
			snprintf(name, sizeof(name), "stl_seasonal_%zu", j);
			if (tsp_params_find(buf, len, name, &it) != 1)
				break;
			if (it.type != TSP_PARAM_NUMS || it.n < 2)
				return corrupt(err, "seasonal");
			if (!(m->seas[j] = malloc(it.n * sizeof(double))))
				return tsp_error_set(err, TSP_ENOMEM,
						     "out of memory");
			for (size_t i = 0; i < it.n; i++)
				m->seas[j][i] = tsp_param_at(&it, i);
			m->period[j] = it.n;
			m->np = j + 1;
		}
		if (m->np == 0)
			return corrupt(err, "seasonal");
	}
	return tsp_ets_load(&m->ets, buf, len, err);
}

void tsp_fc_accuracy(const double *y, size_t ny, size_t m, const double *x,
		     const double *f, size_t h, const double *lo,
		     const double *hi, size_t nlevels,
		     struct tsp_fc_accuracy *out)
{
	double ae = 0, se = 0, sm = 0, scale = mase_scale(y, ny, m);
	size_t c = 0, in[TSP_FC_MAXLEVELS] = { 0 };

	memset(out, 0, sizeof(*out));
	for (size_t i = 0; i < h; i++) {
		double e;
		if (isnan(x[i]) || isnan(f[i]))
			continue;
		e = x[i] - f[i];
		ae += fabs(e);
		se += e * e;
		if (fabs(x[i]) + fabs(f[i]) > 0)
			sm += 200 * fabs(e) / (fabs(x[i]) + fabs(f[i]));
		for (size_t k = 0; lo && hi && k < nlevels &&
				   k < TSP_FC_MAXLEVELS; k++)
			in[k] += x[i] >= lo[k * h + i] && x[i] <= hi[k * h + i];
		c++;
	}
	out->n = c;
	out->mae = c ? ae / (double)c : NAN;
	out->rmse = c ? sqrt(se / (double)c) : NAN;
	out->smape = c ? sm / (double)c : NAN;
	out->mase = c && scale > 0 ? out->mae / scale : NAN;
	for (size_t k = 0; k < nlevels && k < TSP_FC_MAXLEVELS; k++)
		out->coverage[k] = c ? (double)in[k] / (double)c : NAN;
}
