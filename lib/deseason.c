#include "tsp_deseason.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tsp_season.h"
#include "tsp_stationarity.h"

/* A series longer than this many slots (or this many times its points)
 * is not a grid but a mistake. */
#define MAX_SLOTS (1u << 30)

static int oom(struct tsp_error *err)
{
	return tsp_error_set(err, TSP_ENOMEM, "out of memory");
}

void tsp_ds_label(tsp_time_t dur, char *buf, size_t n)
{
	static const struct { const char *u; tsp_time_t ns; } units[] = {
		{ "w", 604800 * TSP_NS_PER_SEC }, { "d", 86400 * TSP_NS_PER_SEC },
		{ "h", 3600 * TSP_NS_PER_SEC }, { "m", 60 * TSP_NS_PER_SEC },
		{ "s", TSP_NS_PER_SEC }, { "ms", TSP_NS_PER_MS }, { "ns", 1 }
	};

	for (size_t i = 0; i < sizeof(units) / sizeof(units[0]); i++)
		if (dur % units[i].ns == 0) {
			snprintf(buf, n, "%lld%s",
				 (long long)(dur / units[i].ns), units[i].u);
			return;
		}
}

static void fmt_dur(tsp_time_t d, char *buf, size_t n)
{
	tsp_ds_label(d, buf, n);
}

/* floor(a mod d) for d > 0, also for negative a. */
static tsp_time_t mod_floor(tsp_time_t a, tsp_time_t d)
{
	tsp_time_t r = a % d;
	return r < 0 ? r + d : r;
}

/* Profile buckets need the step: set them up once it is known. */
static int profile_start(struct tsp_ds_series *s, const struct tsp_ds_opts *o,
			 struct tsp_error *err)
{
	char a[32], b[32];
	tsp_time_t longest = 0;

	for (size_t k = 0; k < o->np; k++) {
		tsp_time_t d = o->dur[k] ? o->dur[k]
					 : (tsp_time_t)o->steps[k] * s->step;
		if (d % s->step != 0) {
			fmt_dur(d, a, sizeof(a));
			fmt_dur(s->step, b, sizeof(b));
			return tsp_error_set(err, TSP_EDATA, "period %s is not a "
					     "whole number of steps of %s", a,
					     b);
		}
		if (d > longest)
			longest = d;
	}
	for (size_t k = 0; k < o->np; k++) {
		tsp_time_t d = o->dur[k] ? o->dur[k]
					 : (tsp_time_t)o->steps[k] * s->step;
		if (longest % d != 0) {
			fmt_dur(d, a, sizeof(a));
			fmt_dur(longest, b, sizeof(b));
			return tsp_error_set(err, TSP_EUSAGE, "the profile "
					     "method needs periods that divide "
					     "each other (%s does not divide "
					     "%s)", a, b);
		}
	}
	s->pdur = longest;
	s->pbuckets = (size_t)(longest / s->step);
	if (s->pbuckets > 10000000)
		return tsp_error_set(err, TSP_EDATA, "period too long: %zu "
				     "steps", s->pbuckets);
	if (!o->median) {
		s->psum = calloc(s->pbuckets, sizeof(*s->psum));
		s->pcnt = calloc(s->pbuckets, sizeof(*s->pcnt));
		if (!s->psum || !s->pcnt)
			return oom(err);
	}
	return 0;
}

static int profile_add(struct tsp_ds_series *s, tsp_time_t loc, double v,
		       struct tsp_error *err)
{
	size_t b = (size_t)(mod_floor(loc, s->pdur) / s->step);

	if (!isfinite(v))
		return 0;
	if (s->psum) {
		s->psum[b] += v;
		s->pcnt[b]++;
		return 0;
	}
	if (s->npval + 2 > s->pvcap) {
		size_t cap = s->pvcap ? s->pvcap * 2 : 256;
		double *nv = realloc(s->pval, cap * sizeof(*nv));
		if (!nv)
			return oom(err);
		s->pval = nv;
		s->pvcap = cap;
	}
	s->pval[s->npval++] = (double)b;
	s->pval[s->npval++] = v;
	return 0;
}

static int push_point(struct tsp_ds_series *s, tsp_time_t loc, double v,
		      struct tsp_error *err)
{
	if (s->n == s->cap) {
		size_t cap = s->cap ? s->cap * 2 : 256;
		tsp_time_t *nl = realloc(s->loc, cap * sizeof(*nl));
		double *nv;
		if (!nl)
			return oom(err);
		s->loc = nl;
		nv = realloc(s->v, cap * sizeof(*nv));
		if (!nv)
			return oom(err);
		s->v = nv;
		s->cap = cap;
	}
	s->loc[s->n] = loc;
	s->v[s->n++] = v;
	return 0;
}

int tsp_ds_add(struct tsp_ds_series *s, const struct tsp_ds_opts *o,
	       tsp_time_t t, tsp_time_t loc, double v, struct tsp_error *err)
{
	int profile = o->method == TSP_DS_PROFILE;
	char a[32], b[32];

	if (!s->step)
		s->step = o->step;
	if (s->seen > 0) {
		tsp_time_t d = t - s->last_t;
		if (d <= 0)
			return tsp_error_set(err, TSP_EDATA, d == 0 ?
					     "duplicate time in the series" :
					     "time goes backwards in the "
					     "series");
		if (!s->step) {
			s->step = d;
		} else if (d % s->step != 0) {
			if (s->step % d != 0 || o->step || s->pbuckets) {
				fmt_dur(d, a, sizeof(a));
				fmt_dur(s->step, b, sizeof(b));
				return tsp_error_set(err, TSP_EDATA, "not a "
					"regular grid: a spacing of %s, and "
					"the step is %s (put the series on a "
					"grid with tsinterp --step%s)", a, b,
					profile ? ", or give --step" : "");
			}
			s->step = d;	/* a finer grid: gaps before */
		}
	}
	s->last_t = t;
	s->seen++;
	if (!profile)
		return push_point(s, loc, v, err);
	if (!s->pbuckets && s->step) {
		if (profile_start(s, o, err) < 0)
			return -1;
		for (size_t i = 0; i < s->n; i++)
			if (profile_add(s, s->loc[i], s->v[i], err) < 0)
				return -1;
		s->n = 0;
	}
	if (!s->pbuckets)
		return push_point(s, loc, v, err);
	return profile_add(s, loc, v, err);
}

/* Period k of o for a series of step `step`: steps and duration. */
static int period_of(const struct tsp_ds_opts *o, size_t k, tsp_time_t step,
		     size_t *p, tsp_time_t *dur, struct tsp_error *err)
{
	char a[32], b[32];

	if (o->dur[k]) {
		if (o->dur[k] % step != 0) {
			fmt_dur(o->dur[k], a, sizeof(a));
			fmt_dur(step, b, sizeof(b));
			return tsp_error_set(err, TSP_EDATA, "period %s is not a "
					     "whole number of steps of %s", a,
					     b);
		}
		*p = (size_t)(o->dur[k] / step);
		*dur = o->dur[k];
	} else {
		*p = o->steps[k];
		*dur = (tsp_time_t)o->steps[k] * step;
	}
	if (*p < 2) {
		fmt_dur(*dur, a, sizeof(a));
		return tsp_error_set(err, TSP_EDATA, "period %s is shorter "
				     "than two steps", a);
	}
	return 0;
}

/* The points laid out on slots: y[nslot], NaN where none. */
static double *slots_build(struct tsp_ds_series *s, struct tsp_error *err)
{
	tsp_time_t lo = s->loc[0], hi = s->loc[0];
	long *cnt;
	double *y;

	for (size_t i = 1; i < s->n; i++) {
		if (s->loc[i] < lo)
			lo = s->loc[i];
		if (s->loc[i] > hi)
			hi = s->loc[i];
	}
	if ((hi - lo) / s->step >= (tsp_time_t)MAX_SLOTS ||
	    (size_t)((hi - lo) / s->step) > 100 * s->n + 1000) {
		tsp_error_set(err, TSP_EDATA, "the series has %zu points "
			      "spread over %lld steps: too sparse for a "
			      "grid", s->n, (long long)((hi - lo) / s->step));
		return NULL;
	}
	s->loc0 = lo;
	s->nslot = (size_t)((hi - lo) / s->step) + 1;
	y = malloc(s->nslot * sizeof(*y));
	cnt = calloc(s->nslot, sizeof(*cnt));
	if (!y || !cnt) {
		free(y);
		free(cnt);
		oom(err);
		return NULL;
	}
	for (size_t i = 0; i < s->nslot; i++)
		y[i] = 0;
	/* Two readings in one slot (a DST fall-back hour): their mean. */
	for (size_t i = 0; i < s->n; i++) {
		size_t j = (size_t)((s->loc[i] - lo) / s->step);
		if (isfinite(s->v[i])) {
			y[j] += s->v[i];
			cnt[j]++;
		}
	}
	for (size_t i = 0; i < s->nslot; i++)
		y[i] = cnt[i] ? y[i] / (double)cnt[i] : NAN;
	free(cnt);
	return y;
}

/* One value per phase from the last full cycle of comp (nslot values). */
static int model_phase(struct tsp_ds_series *s, size_t k, const double *comp,
		       struct tsp_error *err)
{
	struct tsp_ds_model *m = &s->model;
	size_t p = (size_t)(m->dur[k] / m->step);

	m->phase[k] = malloc(p * sizeof(double));
	if (!m->phase[k])
		return oom(err);
	for (size_t i = s->nslot - p; i < s->nslot; i++) {
		tsp_time_t loc = s->loc0 + (tsp_time_t)i * s->step;
		size_t b = (size_t)(mod_floor(loc, m->dur[k]) / m->step);
		m->phase[k][b] = comp[i];
	}
	return 0;
}

static int decompose(struct tsp_ds_series *s, const struct tsp_ds_opts *o,
		     const double *y, size_t np, const size_t *per,
		     const tsp_time_t *dur, struct tsp_error *err)
{
	size_t n = s->nslot;
	double *trend = malloc(n * sizeof(double));
	double *comp = malloc((np ? np : 1) * n * sizeof(double));
	double *rem = NULL;
	int rc = -1;

	if (!trend || !comp) {
		oom(err);
		goto out;
	}
	if (np == 0) {
		/* No seasonality: all of it is trend. */
		memcpy(trend, y, n * sizeof(double));
	} else if (o->method == TSP_DS_STL) {
		struct tsp_stl_opts so;
		tsp_stl_opts_default(&so, per[0]);
		so.s_window = o->s_window[0] > 0 ? o->s_window[0]
						 : TSP_STL_PERIODIC;
		so.t_window = o->t_window;
		tsp_stl_set_robust(&so, o->robust);
		if (tsp_stl(y, n, &so, comp, trend, err) < 0)
			goto out;
		s->used[0] = 1;
	} else {
		struct tsp_mstl_opts mo;
		tsp_mstl_opts_default(&mo);
		mo.np = np;
		mo.robust = o->robust;
		for (size_t k = 0; k < np; k++) {
			mo.period[k] = per[k];
			mo.s_window[k] = o->auto_period ? 0 : o->s_window[k];
		}
		if (!(rem = malloc(n * sizeof(double)))) {
			oom(err);
			goto out;
		}
		if (tsp_mstl(y, n, &mo, trend, comp, rem, s->used, err) < 0)
			goto out;
	}
	s->seasonal = calloc(n, sizeof(double));
	if (!s->seasonal) {
		oom(err);
		goto out;
	}
	s->model.np = 0;
	for (size_t k = 0; k < np; k++) {
		if (!s->used[k])
			continue;
		for (size_t i = 0; i < n; i++)
			s->seasonal[i] += comp[k * n + i];
		s->model.dur[s->model.np] = dur[k];
		if (model_phase(s, s->model.np++, comp + k * n, err) < 0)
			goto out;
	}
	if (o->components) {
		s->trend = trend;
		s->comp = comp;
		trend = comp = NULL;
	}
	rc = 0;
out:
	free(trend);
	free(comp);
	free(rem);
	return rc;
}

static int cmp_pair(const void *a, const void *b)
{
	const double *x = a, *y = b;
	if (x[0] != y[0])
		return x[0] < y[0] ? -1 : 1;
	return (x[1] > y[1]) - (x[1] < y[1]);
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return (x > y) - (x < y);
}

/* The profile: per phase of the longest period, the mean (or median)
 * minus the overall one, split into the periods shortest first. */
static int profile_finish(struct tsp_ds_series *s,
			  const struct tsp_ds_opts *o, struct tsp_error *err)
{
	struct tsp_ds_model *m = &s->model;
	size_t nb = s->pbuckets, order[TSP_DS_MAXP];
	double *prof = calloc(nb, sizeof(double)), total = 0;
	long count = 0;

	if (!prof)
		return oom(err);
	if (s->psum) {
		for (size_t b = 0; b < nb; b++) {
			total += s->psum[b];
			count += s->pcnt[b];
		}
		m->level = count ? total / (double)count : NAN;
		for (size_t b = 0; b < nb; b++)
			prof[b] = s->pcnt[b] ? s->psum[b] / (double)s->pcnt[b] -
					       m->level : 0;
	} else if (s->npval) {
		size_t nv = s->npval / 2, i = 0;
		double *all = malloc(nv * sizeof(double));
		if (!all) {
			free(prof);
			return oom(err);
		}
		for (size_t j = 0; j < nv; j++)
			all[j] = s->pval[2 * j + 1];
		qsort(all, nv, sizeof(double), cmp_double);
		m->level = nv % 2 ? all[nv / 2]
				  : (all[nv / 2 - 1] + all[nv / 2]) / 2;
		free(all);
		qsort(s->pval, nv, 2 * sizeof(double), cmp_pair);
		while (i < nv) {
			size_t j = i, b = (size_t)s->pval[2 * i], c;
			while (j < nv && (size_t)s->pval[2 * j] == b)
				j++;
			c = j - i;
			prof[b] = (c % 2 ? s->pval[2 * (i + c / 2) + 1]
				  : (s->pval[2 * (i + c / 2 - 1) + 1] +
				     s->pval[2 * (i + c / 2) + 1]) / 2) - m->level;
			i = j;
		}
	} else {
		m->level = NAN;
	}
	/* Periods shortest first: each takes its mean pattern out of what
	 * the shorter ones left. */
	for (size_t k = 0; k < o->np; k++)
		order[k] = k;
	for (size_t k = 1; k < o->np; k++)
		for (size_t j = k; j > 0 && m->dur[order[j]] <
				       m->dur[order[j - 1]]; j--) {
			size_t t = order[j];
			order[j] = order[j - 1];
			order[j - 1] = t;
		}
	for (size_t r = 0; r < o->np; r++) {
		size_t k = order[r], p = (size_t)(m->dur[k] / s->step);
		double *ph = calloc(p, sizeof(double));
		if (!ph) {
			free(prof);
			return oom(err);
		}
		for (size_t b = 0; b < nb; b++)
			ph[b % p] += prof[b] / (double)(nb / p);
		for (size_t b = 0; b < nb; b++)
			prof[b] -= ph[b % p];
		m->phase[k] = ph;
		s->used[k] = 1;
	}
	free(prof);
	return 0;
}

int tsp_ds_fit(struct tsp_ds_series *s, const struct tsp_ds_opts *o,
	       struct tsp_error *err)
{
	size_t np = 0, per[TSP_DS_MAXP];
	tsp_time_t dur[TSP_DS_MAXP];
	double *y = NULL, strength[TSP_DS_MAXP];
	long found;
	int rc = -1;

	memset(&s->model, 0, sizeof(s->model));
	s->model.method = o->method;
	if (s->seen < 2 || !s->step)
		return tsp_error_set(err, TSP_EDATA, "a single point: no "
				     "grid step, no seasonality");
	s->model.step = s->step;
	if (o->method == TSP_DS_PROFILE) {
		if (!s->pbuckets && profile_start(s, o, err) < 0)
			return -1;
		s->model.np = s->np = o->np;
		for (size_t k = 0; k < o->np; k++)
			if (period_of(o, k, s->step, &per[k],
				      &s->model.dur[k], err) < 0)
				return -1;
		memcpy(s->dur, s->model.dur, o->np * sizeof(*s->dur));
		rc = profile_finish(s, o, err);
		goto out;
	}
	if (!(y = slots_build(s, err)))
		goto out;
	if (o->auto_period) {
		found = tsp_season_find(y, s->nslot, 0, per, strength,
					o->method == TSP_DS_STL ? 1 : TSP_DS_MAXP,
					err);
		if (found < 0)
			goto out;
		np = (size_t)found;
		for (size_t k = 0; k < np; k++)
			dur[k] = (tsp_time_t)per[k] * s->step;
	} else {
		np = o->np;
		for (size_t k = 0; k < np; k++)
			if (period_of(o, k, s->step, &per[k], &dur[k], err) < 0)
				goto out;
	}
	s->np = np;
	memcpy(s->dur, dur, np * sizeof(*dur));
	rc = decompose(s, o, y, np, per, dur, err);
	if (rc == 0 && o->components) {
		s->y = y;
		y = NULL;
	}
out:
	free(y);
	free(s->loc);
	free(s->v);
	s->loc = NULL;
	s->v = NULL;
	s->n = s->cap = 0;
	free(s->psum);
	free(s->pcnt);
	free(s->pval);
	s->psum = s->pval = NULL;
	s->pcnt = NULL;
	return rc;
}

double tsp_ds_at(const struct tsp_ds_series *s, const struct tsp_ds_opts *o,
		 tsp_time_t loc, double *each, double *trend)
{
	tsp_time_t d = loc - s->loc0;
	size_t i;

	if (o->method == TSP_DS_PROFILE) {
		if (trend)
			*trend = s->model.level;
		return tsp_ds_model_at(&s->model, loc, each);
	}
	if (!s->seasonal || d < 0 || d / s->step >= (tsp_time_t)s->nslot)
		return NAN;
	i = (size_t)(d / s->step);
	if (trend && s->trend)
		*trend = s->trend[i];
	for (size_t k = 0; each && s->comp && k < s->np; k++)
		each[k] = s->comp[k * s->nslot + i];
	return s->seasonal[i];
}

void tsp_ds_series_release(struct tsp_ds_series *s)
{
	free(s->loc);
	free(s->v);
	free(s->psum);
	free(s->pcnt);
	free(s->pval);
	free(s->y);
	free(s->seasonal);
	free(s->trend);
	free(s->comp);
	tsp_ds_model_release(&s->model);
	memset(s, 0, sizeof(*s));
}

double tsp_ds_model_at(const struct tsp_ds_model *m, tsp_time_t loc,
		       double *each)
{
	double sum = 0;

	for (size_t k = 0; k < m->np; k++) {
		size_t b = (size_t)(mod_floor(loc, m->dur[k]) / m->step);
		double v = m->phase[k][b];
		if (each)
			each[k] = v;
		sum += v;
	}
	return sum;
}

void tsp_ds_model_release(struct tsp_ds_model *m)
{
	for (size_t k = 0; k < TSP_DS_MAXP; k++) {
		free(m->phase[k]);
		m->phase[k] = NULL;
	}
	m->np = 0;
}

static const char *const method_names[] = { "stl", "mstl", "profile" };

int tsp_ds_model_save(const struct tsp_ds_model *m, struct tsp_params *p,
		      struct tsp_error *err)
{
	double durs[TSP_DS_MAXP];
	size_t total = 0;
	double *all;
	int rc = 0;

	for (size_t k = 0; k < m->np; k++) {
		durs[k] = (double)m->dur[k] / 1e9;
		total += (size_t)(m->dur[k] / m->step);
	}
	all = malloc((total ? total : 1) * sizeof(double));
	if (!all)
		return oom(err);
	total = 0;
	for (size_t k = 0; k < m->np; k++) {
		size_t n = (size_t)(m->dur[k] / m->step);
		memcpy(all + total, m->phase[k], n * sizeof(double));
		total += n;
	}
	tsp_params_clear(p);
	rc |= tsp_params_str(p, "method", method_names[m->method], err);
	rc |= tsp_params_num(p, "step", (double)m->step / 1e9, err);
	rc |= tsp_params_nums(p, "periods", durs, m->np, err);
	if (m->method == TSP_DS_PROFILE)
		rc |= tsp_params_num(p, "level", m->level, err);
	rc |= tsp_params_nums(p, "phases", all, total, err);
	free(all);
	return rc ? -1 : 0;
}

int tsp_ds_model_load(struct tsp_ds_model *m, const unsigned char *buf,
		      size_t len, struct tsp_error *err)
{
	struct tsp_param it, per, ph;
	size_t total = 0, at = 0;

	memset(m, 0, sizeof(*m));
	if (tsp_params_find(buf, len, "method", &it) != 1 ||
	    it.type != TSP_PARAM_STR)
		goto bad;
	for (m->method = TSP_DS_STL; m->method <= TSP_DS_PROFILE; m->method++)
		if (it.n == strlen(method_names[m->method]) &&
		    memcmp(it.str, method_names[m->method], it.n) == 0)
			break;
	if (m->method > TSP_DS_PROFILE ||
	    tsp_params_find(buf, len, "step", &it) != 1 ||
	    it.type != TSP_PARAM_NUM || !(it.num > 0 && it.num < 1e9) ||
	    tsp_params_find(buf, len, "periods", &per) != 1 ||
	    per.type != TSP_PARAM_NUMS || per.n > TSP_DS_MAXP ||
	    tsp_params_find(buf, len, "phases", &ph) != 1 ||
	    ph.type != TSP_PARAM_NUMS)
		goto bad;
	m->step = (tsp_time_t)llround(it.num * 1e9);
	m->level = 0;
	if (tsp_params_find(buf, len, "level", &it) == 1 &&
	    it.type == TSP_PARAM_NUM)
		m->level = it.num;
	for (size_t k = 0; k < per.n; k++) {
		double d = tsp_param_at(&per, k);
		if (!(d > 0 && d < 1e9))
			goto bad;
		m->dur[k] = (tsp_time_t)llround(d * 1e9);
		if (m->dur[k] % m->step || m->dur[k] / m->step > 10000000)
			goto bad;
		total += (size_t)(m->dur[k] / m->step);
	}
	if (total != ph.n)
		goto bad;
	for (size_t k = 0; k < per.n; k++) {
		size_t n = (size_t)(m->dur[k] / m->step);
		if (!(m->phase[k] = malloc(n * sizeof(double)))) {
			tsp_ds_model_release(m);
			return oom(err);
		}
		m->np = k + 1;
		for (size_t i = 0; i < n; i++)
			m->phase[k][i] = tsp_param_at(&ph, at++);
	}
	m->np = per.n;
	return 0;
bad:
	tsp_ds_model_release(m);
	return tsp_error_set(err, TSP_EDATA, "entry has missing or impossible "
			     "seasonal parameters");
}

/* max(0, 1 - var(r) / var(x + r)) over the slots with a value. */
static double strength(const double *x, const double *r, const double *y,
		       size_t n)
{
	double m1 = 0, m2 = 0, s1 = 0, s2 = 0;
	size_t c = 0;

	for (size_t i = 0; i < n; i++)
		if (!isnan(y[i])) {
			m1 += r[i];
			m2 += x[i] + r[i];
			c++;
		}
	if (c < 2)
		return NAN;
	m1 /= (double)c;
	m2 /= (double)c;
	for (size_t i = 0; i < n; i++)
		if (!isnan(y[i])) {
			s1 += (r[i] - m1) * (r[i] - m1);
			s2 += (x[i] + r[i] - m2) * (x[i] + r[i] - m2);
		}
	return s2 > 0 ? fmax(0, 1 - s1 / s2) : 0;
}

int tsp_ds_stats(const struct tsp_ds_series *s, struct tsp_ds_stats *out,
		 struct tsp_error *err)
{
	size_t n = s->nslot, nadj = 0, miss = 0;
	double *r, *adj;
	int lag;

	for (size_t k = 0; k < TSP_DS_MAXP; k++)
		out->seasonal_strength[k] = NAN;
	out->missing = out->trend_strength = NAN;
	out->kpss = out->kpss_p = out->adf = out->adf_p = NAN;
	if (!s->y || !s->trend || n == 0)
		return 0;
	r = malloc(n * sizeof(double));
	adj = malloc(n * sizeof(double));
	if (!r || !adj) {
		free(r);
		free(adj);
		return oom(err);
	}
	for (size_t j = 0; j < n; j++) {
		r[j] = s->y[j] - s->trend[j] - s->seasonal[j];
		if (isnan(s->y[j]))
			miss++;
		else
			adj[nadj++] = s->y[j] - s->seasonal[j];
	}
	out->missing = (double)miss / (double)n;
	for (size_t k = 0; k < s->np; k++)
		if (s->used[k] && s->comp)
			out->seasonal_strength[k] =
				strength(s->comp + k * n, r, s->y, n);
	/* Without a seasonal period nothing was decomposed: the "trend" is
	 * the series itself, and its strength would say nothing. */
	if (s->np > 0)
		out->trend_strength = strength(s->trend, r, s->y, n);
	/* Too short for a test is not an error: the numbers stay NaN. */
	if (tsp_kpss(adj, nadj, 0, &out->kpss, &out->kpss_p, &lag, err) < 0)
		out->kpss = out->kpss_p = NAN;
	if (tsp_adf(adj, nadj, &out->adf, &out->adf_p, &lag, err) < 0)
		out->adf = out->adf_p = NAN;
	tsp_error_clear(err);
	free(r);
	free(adj);
	return 0;
}
