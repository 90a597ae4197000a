/*
 * scorer: one series through the detectors, the resolutions and the
 * alarm rules (tsp_scorer.h).
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <gsl/gsl_cdf.h>

#include "scorer_impl.h"

/* A bucket of one resolution being filled. */
struct bucket {
	tsp_time_t start;
	double sum, fsum, s2sum;	/* values, forecasts, sigma^2 */
	uint32_t n, nf;			/* values; forecasts with sigma */
	int open;
};

struct tsp_scorer {
	struct tsp_alarm alarm;
	tsp_time_t prev_t;
	int has_prev;
	/* per detector: the last combination (points where no resolution
	   completed a bucket keep it) */
	double last_score[TSP_SCORER_MAXDET];
	unsigned char last_level[TSP_SCORER_MAXDET];
	struct bucket *b;		/* nres */
	void **d;			/* ndet x max(1, nres) */
};

/* --- the detectors of tsp_detect.h ----------------------------------- */

static void *det_make(const struct tsp_scorer_config *c, size_t i,
		      struct tsp_error *err)
{
	return tsp_detect_new(&c->det[i], err);
}

static void det_free(void *d)
{
	tsp_detect_free(d);
}

static int det_push(void *d, const struct tsp_scorer_config *c, size_t i,
		    tsp_time_t t, const struct tsp_obs *o,
		    struct tsp_score *sc, struct tsp_error *err)
{
	(void)t;
	return tsp_detect_push(d, &c->det[i], o, sc, err);
}

static char *det_reason(const void *d, const struct tsp_scorer_config *c,
			size_t i, const struct tsp_obs *o,
			const struct tsp_score *sc, char *buf, size_t n)
{
	(void)d;
	return tsp_detect_reason(&c->det[i], o, sc, buf, n);
}

static int det_save(const void *d, const struct tsp_scorer_config *c,
		    size_t i, const char *prefix, struct tsp_params *p,
		    struct tsp_error *err)
{
	return tsp_detect_save(d, &c->det[i], prefix, p, err);
}

static void *det_load(const struct tsp_scorer_config *c, size_t i,
		      const char *prefix, const unsigned char *buf,
		      size_t len, struct tsp_error *err)
{
	return tsp_detect_load(&c->det[i], prefix, buf, len, err);
}

static const struct tsp_scorer_ops det_ops = {
	det_make, det_free, det_push, det_reason, det_save, det_load
};

static const struct tsp_scorer_ops *ops(const struct tsp_scorer_config *c,
					size_t i)
{
	return c->det[i].kind == TSP_DET_GMM ? &tsp_scorer_gmm_ops : &det_ops;
}

/* --- life cycle ------------------------------------------------------- */

void tsp_scorer_config_init(struct tsp_scorer_config *c)
{
	memset(c, 0, sizeof(*c));
	tsp_alarm_config_init(&c->alarm);
}

static size_t nlevels(const struct tsp_scorer_config *c)
{
	return c->nres ? c->nres : 1;
}

/* The state's memory, detectors not yet made. */
static struct tsp_scorer *alloc_state(const struct tsp_scorer_config *c,
				      struct tsp_error *err)
{
	size_t nd = c->ndet * nlevels(c);
	struct tsp_scorer *s = calloc(1, sizeof(*s) + c->nres *
				      sizeof(struct bucket) +
				      nd * sizeof(void *));

	if (!s) {
		tsp_error_set(err, TSP_ENOMEM, "out of memory");
		return NULL;
	}
	s->b = (struct bucket *)(s + 1);
	s->d = (void **)(s->b + c->nres);
	tsp_alarm_init(&s->alarm);
	for (size_t i = 0; i < c->ndet; i++) {
		s->last_score[i] = NAN;
		s->last_level[i] = TSP_LEVEL_WARMUP;
	}
	return s;
}

static void free_detectors(struct tsp_scorer *s,
			   const struct tsp_scorer_config *c)
{
	for (size_t i = 0; i < c->ndet; i++)
		for (size_t j = 0; j < nlevels(c); j++) {
			void *d = s->d[i * nlevels(c) + j];
			if (d && ops(c, i)->free)
				ops(c, i)->free(d);
		}
}

struct tsp_scorer *tsp_scorer_new(const struct tsp_scorer_config *c,
				  struct tsp_error *err)
{
	struct tsp_scorer *s = alloc_state(c, err);

	if (!s)
		return NULL;
	for (size_t i = 0; i < c->ndet; i++)
		for (size_t j = 0; j < nlevels(c); j++) {
			void *d = ops(c, i)->make(c, i, err);
			if (!d) {
				free_detectors(s, c);
				free(s);
				return NULL;
			}
			s->d[i * nlevels(c) + j] = d;
		}
	return s;
}

void tsp_scorer_free(struct tsp_scorer *s,
		     const struct tsp_scorer_config *c)
{
	if (!s)
		return;
	free_detectors(s, c);
	free(s);
}

/* --- scoring ---------------------------------------------------------- */

static int severity(enum tsp_level l)
{
	switch (l) {
	case TSP_LEVEL_STRONG: return 4;
	case TSP_LEVEL_WEAK: return 3;
	case TSP_LEVEL_NORMAL: return 2;
	case TSP_LEVEL_UNKNOWN: return 1;
	default: return 0;	/* WARMUP */
	}
}

static enum tsp_level level_of(const struct tsp_detect_config *dc,
			       double score)
{
	if (score >= dc->strong)
		return TSP_LEVEL_STRONG;
	if (score >= dc->weak)
		return TSP_LEVEL_WEAK;
	return TSP_LEVEL_NORMAL;
}

/* Step as a duration word for reasons: "15m", "1h", "90s". */
static void step_name(tsp_time_t ns, char *buf, size_t n)
{
	static const struct { long long s; char u; } u[] = {
		{ 604800, 'w' }, { 86400, 'd' }, { 3600, 'h' }, { 60, 'm' },
		{ 1, 's' }
	};
	long long s = ns / TSP_NS_PER_SEC;

	for (size_t i = 0; i < sizeof(u) / sizeof(u[0]); i++)
		if (s >= u[i].s && s % u[i].s == 0) {
			snprintf(buf, n, "%lld%c", s / u[i].s, u[i].u);
			return;
		}
	snprintf(buf, n, "%gs", (double)ns / 1e9);
}

/* One detector state's verdict on o, with the residual detector's
 * "no forecast yet" (tsforecast --online's warm-up) as WARMUP. */
static int push_one(struct tsp_scorer *s, const struct tsp_scorer_config *c,
		    size_t i, size_t j, tsp_time_t t, const struct tsp_obs *o,
		    struct tsp_score *sc, struct tsp_error *err)
{
	if (c->det[i].kind == TSP_DET_RESIDUAL && isnan(o->forecast) &&
	    !isnan(o->value)) {
		memset(sc, 0, sizeof(*sc));
		sc->score = sc->z = sc->expected = NAN;
		sc->lower = sc->upper = NAN;
		sc->level = TSP_LEVEL_WARMUP;
		return 0;
	}
	if (isnan(o->value)) {
		/* A missing value leaves every state as it was. */
		memset(sc, 0, sizeof(*sc));
		sc->score = sc->z = sc->expected = NAN;
		sc->lower = sc->upper = NAN;
		sc->level = TSP_LEVEL_UNKNOWN;
		return 0;
	}
	return ops(c, i)->push(s->d[i * nlevels(c) + j], c, i, t, o, sc, err);
}

/* The observation a complete bucket stands for. */
static void bucket_obs(const struct bucket *b, struct tsp_obs *o)
{
	o->value = b->n ? b->sum / b->n : NAN;
	o->forecast = b->nf ? b->fsum / b->nf : NAN;
	o->sigma = b->nf ? sqrt(b->s2sum) / b->nf : NAN;
	o->lo = o->hi = NAN;
}

static void bucket_add(struct bucket *b, const struct tsp_obs *o,
		       double level)
{
	double sigma = o->sigma;

	if (isnan(o->value))
		return;
	b->sum += o->value;
	b->n++;
	/* An interval without a sigma: the sigma that interval implies. */
	if (!(sigma > 0) && !isnan(o->lo) && !isnan(o->hi) && o->hi > o->lo)
		sigma = (o->hi - o->lo) / (2 * level);
	if (!isnan(o->forecast) && sigma > 0) {
		b->fsum += o->forecast;
		b->s2sum += sigma * sigma;
		b->nf++;
	}
}

/* Standard normal quantile of a central interval of pct percent. */
static double central_q(double pct)
{
	return gsl_cdf_ugaussian_Pinv(0.5 + pct / 200);
}

struct verdict {
	double score;
	enum tsp_level level;
	struct tsp_score sc;	/* of the level that spoke loudest */
	struct tsp_obs o;
	size_t j;		/* that level's resolution */
	int fresh;		/* some level completed a bucket here */
};

/* Detector i over the resolutions at point t. */
static int push_levels(struct tsp_scorer *s, const struct tsp_scorer_config *c,
		       size_t i, tsp_time_t t, const struct tsp_obs *o,
		       struct verdict *v, struct tsp_error *err)
{
	double wsum = 0, ssum = 0, q = central_q(c->det[i].level);
	int warm = 0;

	memset(v, 0, sizeof(*v));
	v->score = NAN;
	v->level = TSP_LEVEL_WARMUP;
	v->sc.level = TSP_LEVEL_WARMUP;
	for (size_t j = 0; j < c->nres; j++) {
		struct bucket *b = &s->b[j];
		tsp_time_t step = c->res_step[j];
		tsp_time_t start = tsp_time_floordiv(t, step) * step;
		tsp_time_t dt = s->has_prev ? t - s->prev_t : 0;
		struct tsp_obs bo;
		struct tsp_score sc;
		int done = 0;

		for (int pass = 0; pass < 2; pass++) {
			if (pass == 0 && !(b->open && b->start != start))
				continue;	/* the previous bucket is done */
			if (pass == 1) {
				if (!b->open) {
					memset(b, 0, sizeof(*b));
					b->start = start;
					b->open = 1;
				}
				bucket_add(b, o, q);
				if (!(dt > 0 && t + dt >= start + step))
					continue;
			}
			bucket_obs(b, &bo);
			if (push_one(s, c, i, j, b->start, &bo, &sc, err) < 0)
				return -1;
			b->open = 0;
			done = 1;
			if (sc.level == TSP_LEVEL_WARMUP)
				warm = 1;
			if (isnan(sc.score))
				continue;
			ssum += c->res_weight[j] * sc.score;
			wsum += c->res_weight[j];
			if (isnan(v->sc.score) || sc.score >= v->sc.score ||
			    v->sc.level == TSP_LEVEL_WARMUP) {
				v->sc = sc;
				v->o = bo;
				v->j = j;
			}
		}
		v->fresh |= done;
	}
	if (wsum > 0) {
		v->score = ssum / wsum;
		v->level = level_of(&c->det[i], v->score);
	} else if (isnan(o->value)) {
		v->level = TSP_LEVEL_UNKNOWN;
	} else if (!v->fresh) {
		v->score = s->last_score[i];
		v->level = (enum tsp_level)s->last_level[i];
	} else {
		v->level = warm ? TSP_LEVEL_WARMUP : TSP_LEVEL_NORMAL;
	}
	return 0;
}

/* Build the reason of the point into out->reason. */
static void make_reason(const struct tsp_scorer *s,
			const struct tsp_scorer_config *c, size_t i,
			const struct verdict *v, enum tsp_alarm_why why,
			unsigned pending, struct tsp_scorer_out *out)
{
	char det[TSP_SCORER_REASON / 2], res[56] = "";
	const char *d = det;

	if (out->raw == TSP_LEVEL_UNKNOWN) {
		snprintf(out->reason, sizeof(out->reason), "missing value");
		return;
	}
	if (out->raw == TSP_LEVEL_WARMUP) {
		snprintf(out->reason, sizeof(out->reason), "%s: warm-up",
			 tsp_detector_name(c->det[i].kind));
		return;
	}
	if (out->raw == TSP_LEVEL_NORMAL) {
		out->reason[0] = 0;
		return;
	}
	ops(c, i)->reason(s->d[i * nlevels(c) + v->j], c, i, &v->o, &v->sc,
			  det, sizeof(det));
	if (c->nres) {
		char st[24];
		step_name(c->res_step[v->j], st, sizeof(st));
		snprintf(res, sizeof(res), " at %s, combined %.4g", st,
			 v->score);
	}
	switch (why) {
	case TSP_ALARM_KEPT:
		snprintf(out->reason, sizeof(out->reason), "%s%s", d, res);
		break;
	case TSP_ALARM_M_OF_N:
		snprintf(out->reason, sizeof(out->reason), "m-of-n %u/%u: %s%s",
			 c->alarm.m, c->alarm.n, d, res);
		break;
	case TSP_ALARM_FOR:
		snprintf(out->reason, sizeof(out->reason), "pending %u/%u: %s%s",
			 pending, c->alarm.for_n, d, res);
		break;
	default:
		snprintf(out->reason, sizeof(out->reason),
			 "%s suppressed by %s: %s%s", tsp_level_name(out->raw),
			 tsp_alarm_why_name(why), d, res);
		break;
	}
}

int tsp_scorer_push(struct tsp_scorer *s, const struct tsp_scorer_config *c,
		    tsp_time_t t, const struct tsp_obs *o,
		    struct tsp_scorer_out *out, struct tsp_error *err)
{
	struct verdict v, best;
	size_t bi = 0;
	enum tsp_alarm_why why;
	unsigned pending;

	memset(&best, 0, sizeof(best));
	best.level = TSP_LEVEL_WARMUP;
	best.score = NAN;
	for (size_t i = 0; i < c->ndet; i++) {
		if (c->nres) {
			if (push_levels(s, c, i, t, o, &v, err) < 0)
				return -1;
		} else {
			memset(&v, 0, sizeof(v));
			if (push_one(s, c, i, 0, t, o, &v.sc, err) < 0)
				return -1;
			v.o = *o;
			v.score = v.sc.score;
			v.level = v.sc.level;
		}
		s->last_score[i] = v.score;
		s->last_level[i] = (unsigned char)v.level;
		out->det[i] = v.level;
		if (i == 0 || severity(v.level) > severity(best.level) ||
		    (v.level == best.level && v.score > best.score)) {
			best = v;
			bi = i;
		}
	}
	s->prev_t = t;
	s->has_prev = 1;
	out->raw = best.level;
	out->score = best.score;
	out->level = tsp_alarm_apply(&s->alarm, &c->alarm, t, best.level,
				     o->value, best.sc.expected, &why,
				     &pending);
	make_reason(s, c, bi, &best, why, pending, out);
	return 0;
}

/* --- state ------------------------------------------------------------ */

static void prefix_of(char *buf, size_t n, size_t i, size_t j)
{
	/* i < TSP_SCORER_MAXDET, j < TSP_SCORER_MAXRES: one digit each */
	snprintf(buf, n, "d%u.r%u.", (unsigned)(i % 10), (unsigned)(j % 10));
}

int tsp_scorer_save(const struct tsp_scorer *s,
		    const struct tsp_scorer_config *c, struct tsp_params *p,
		    struct tsp_error *err)
{
	char pre[32];
	double v[3 + 2 * TSP_SCORER_MAXDET];
	size_t n = 0;

	v[n++] = s->has_prev;
	v[n++] = (double)tsp_time_floordiv(s->prev_t, TSP_NS_PER_SEC);
	v[n++] = (double)(s->prev_t - (tsp_time_t)v[1] * TSP_NS_PER_SEC);
	for (size_t i = 0; i < c->ndet; i++) {
		v[n++] = s->last_score[i];
		v[n++] = s->last_level[i];
	}
	if (tsp_params_nums(p, "scorer", v, n, err) < 0 ||
	    tsp_alarm_save(&s->alarm, "", p, err) < 0)
		return -1;
	for (size_t j = 0; j < c->nres; j++) {
		const struct bucket *b = &s->b[j];
		double bv[8];
		bv[0] = b->open;
		bv[1] = (double)tsp_time_floordiv(b->start, TSP_NS_PER_SEC);
		bv[2] = (double)(b->start - (tsp_time_t)bv[1] * TSP_NS_PER_SEC);
		bv[3] = b->sum;
		bv[4] = b->fsum;
		bv[5] = b->s2sum;
		bv[6] = b->n;
		bv[7] = b->nf;
		snprintf(pre, sizeof(pre), "bucket%u", (unsigned)(j % 10));
		if (tsp_params_nums(p, pre, bv, 8, err) < 0)
			return -1;
	}
	for (size_t i = 0; i < c->ndet; i++)
		for (size_t j = 0; j < nlevels(c); j++) {
			prefix_of(pre, sizeof(pre), i, j);
			if (ops(c, i)->save(s->d[i * nlevels(c) + j], c, i, pre,
					    p, err) < 0)
				return -1;
		}
	return 0;
}

static int whole(double x, double lo, double hi)
{
	return x == floor(x) && x >= lo && x <= hi;
}

/* Fetch the numbers item name with exactly n elements into v. */
static int get_nums(const unsigned char *buf, size_t len, const char *name,
		    double *v, size_t n, struct tsp_error *err)
{
	struct tsp_param it;

	if (tsp_params_find(buf, len, name, &it) <= 0 ||
	    it.type != TSP_PARAM_NUMS || it.n != n)
		return tsp_error_set(err, TSP_EDATA, "corrupt entry: no valid "
				     "'%s'", name);
	for (size_t k = 0; k < n; k++)
		v[k] = tsp_param_at(&it, k);
	return 0;
}

struct tsp_scorer *tsp_scorer_load(const struct tsp_scorer_config *c,
				   const unsigned char *buf, size_t len,
				   struct tsp_error *err)
{
	struct tsp_scorer *s = alloc_state(c, err);
	double v[3 + 2 * TSP_SCORER_MAXDET];
	char pre[32];

	if (!s)
		return NULL;
	if (get_nums(buf, len, "scorer", v, 3 + 2 * c->ndet, err) < 0)
		goto fail;
	if (!whole(v[0], 0, 1) || !whole(v[1], -9e9, 9e9) ||
	    !whole(v[2], 0, 999999999)) {
		tsp_error_set(err, TSP_EDATA, "corrupt entry: bad 'scorer'");
		goto fail;
	}
	s->has_prev = (int)v[0];
	s->prev_t = (tsp_time_t)v[1] * TSP_NS_PER_SEC + (tsp_time_t)v[2];
	for (size_t i = 0; i < c->ndet; i++) {
		s->last_score[i] = v[3 + 2 * i];
		if (!whole(v[4 + 2 * i], 0, TSP_LEVEL_UNKNOWN)) {
			tsp_error_set(err, TSP_EDATA, "corrupt entry: bad "
				      "'scorer'");
			goto fail;
		}
		s->last_level[i] = (unsigned char)v[4 + 2 * i];
	}
	if (tsp_alarm_load(&s->alarm, "", buf, len, err) < 0)
		goto fail;
	for (size_t j = 0; j < c->nres; j++) {
		struct bucket *b = &s->b[j];
		double bv[8];
		snprintf(pre, sizeof(pre), "bucket%u", (unsigned)(j % 10));
		if (get_nums(buf, len, pre, bv, 8, err) < 0)
			goto fail;
		if (!whole(bv[0], 0, 1) || !whole(bv[1], -9e9, 9e9) ||
		    !whole(bv[2], 0, 999999999) || !whole(bv[6], 0, 4e9) ||
		    !whole(bv[7], 0, bv[6]) || !isfinite(bv[3]) ||
		    !isfinite(bv[4]) || !(bv[5] >= 0)) {
			tsp_error_set(err, TSP_EDATA, "corrupt entry: bad "
				      "'%s'", pre);
			goto fail;
		}
		b->open = (int)bv[0];
		b->start = (tsp_time_t)bv[1] * TSP_NS_PER_SEC +
			   (tsp_time_t)bv[2];
		b->sum = bv[3];
		b->fsum = bv[4];
		b->s2sum = bv[5];
		b->n = (uint32_t)bv[6];
		b->nf = (uint32_t)bv[7];
	}
	for (size_t i = 0; i < c->ndet; i++)
		for (size_t j = 0; j < nlevels(c); j++) {
			void *d;
			prefix_of(pre, sizeof(pre), i, j);
			d = ops(c, i)->load(c, i, pre, buf, len, err);
			if (!d)
				goto fail;
			s->d[i * nlevels(c) + j] = d;
		}
	return s;
fail:
	tsp_scorer_free(s, c);
	return NULL;
}
