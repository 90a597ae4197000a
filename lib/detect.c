/*
 * detect: names, configuration, the life of a state, the residual and
 * threshold detectors, and the reason texts (tsp_detect.h).  The learning
 * detectors are in detect_stat.c, the store in detect_save.c.
 */
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <gsl/gsl_cdf.h>

#include "detect_impl.h"

static const char *const level_names[] = {
	"NORMAL", "WEAK", "STRONG", "WARMUP", "UNKNOWN"
};

static const char *const det_names[] = {
	"residual", "threshold", "hampel", "cusum", "ewma", "pewma", "gmm"
};

#define NELEM(a) (sizeof(a) / sizeof((a)[0]))

const char *tsp_level_name(enum tsp_level l)
{
	return (size_t)l < NELEM(level_names) ? level_names[l] : "?";
}

int tsp_level_parse(const char *s, enum tsp_level *out)
{
	for (size_t i = 0; i < NELEM(level_names); i++)
		if (strcasecmp(s, level_names[i]) == 0) {
			*out = (enum tsp_level)i;
			return 0;
		}
	return -1;
}

const char *tsp_detector_name(enum tsp_detector d)
{
	return (size_t)d < NELEM(det_names) ? det_names[d] : "?";
}

int tsp_detector_parse(const char *s, enum tsp_detector *out)
{
	for (size_t i = 0; i < NELEM(det_names); i++)
		if (strcmp(s, det_names[i]) == 0) {
			*out = (enum tsp_detector)i;
			return 0;
		}
	return -1;
}

void tsp_detect_config_init(struct tsp_detect_config *c,
			    enum tsp_detector kind)
{
	memset(c, 0, sizeof(*c));
	c->kind = kind;
	c->tail = TSP_TAIL_BOTH;
	c->weak = kind == TSP_DET_CUSUM ? 4 : 3;
	c->strong = kind == TSP_DET_CUSUM ? 5 : 4;
	c->level = 95;
	c->above = c->below = c->strong_above = c->strong_below = NAN;
	c->window = 31;
	c->target = c->sd = NAN;
	c->slack = 0.5;
	c->alpha = 0.1;
	c->beta = 0.5;
	switch (kind) {
	case TSP_DET_HAMPEL:
		c->warmup = c->window / 2 + 1;
		break;
	case TSP_DET_CUSUM:
	case TSP_DET_EWMA:
	case TSP_DET_PEWMA:
		c->warmup = 30;
		break;
	default:
		c->warmup = 0;
		break;
	}
}

static int usage(struct tsp_error *err, const char *msg)
{
	return tsp_error_set(err, TSP_EUSAGE, "%s", msg);
}

/* A limit that is unset (NaN) or finite. */
static int unset_or_finite(double v)
{
	return isnan(v) || isfinite(v);
}

static int check_threshold(const struct tsp_detect_config *c,
			   struct tsp_error *err)
{
	int up = !isnan(c->above) || !isnan(c->strong_above);
	int down = !isnan(c->below) || !isnan(c->strong_below);
	double hi = isnan(c->above) ? c->strong_above : c->above;
	double lo = isnan(c->below) ? c->strong_below : c->below;

	if (!unset_or_finite(c->above) || !unset_or_finite(c->below) ||
	    !unset_or_finite(c->strong_above) ||
	    !unset_or_finite(c->strong_below))
		return usage(err, "threshold limits must be finite numbers");
	if (!up && !down)
		return usage(err, "the threshold detector needs --above, "
			     "--below, --strong-above or --strong-below");
	if (c->tail == TSP_TAIL_UPPER && !up)
		return usage(err, "--tail upper needs --above or "
			     "--strong-above");
	if (c->tail == TSP_TAIL_LOWER && !down)
		return usage(err, "--tail lower needs --below or "
			     "--strong-below");
	if (c->above > c->strong_above)
		return usage(err, "--above must not exceed --strong-above");
	if (c->below < c->strong_below)
		return usage(err, "--below must not be under --strong-below");
	if (up && down && !(lo < hi))
		return usage(err, "the lower limits must be under the upper "
			     "limits");
	return 0;
}

int tsp_detect_config_check(const struct tsp_detect_config *c,
			    struct tsp_error *err)
{
	if ((unsigned)c->kind > (unsigned)TSP_DET_PEWMA)
		return usage(err, "no such detector here (gmm is tsp_gmm's)");
	if ((unsigned)c->tail > (unsigned)TSP_TAIL_LOWER)
		return usage(err, "--tail must be both, upper or lower");
	if (!(c->weak > 0) || !isfinite(c->weak))
		return usage(err, "--weak must be a positive number");
	if (!(c->strong > 0) || !isfinite(c->strong))
		return usage(err, "--strong must be a positive number");
	if (c->weak > c->strong)
		return usage(err, "--weak must not exceed --strong");
	switch (c->kind) {
	case TSP_DET_RESIDUAL:
		if (!(c->level > 0 && c->level < 100))
			return usage(err, "--level must be between 0 and 100");
		break;
	case TSP_DET_THRESHOLD:
		return check_threshold(c, err);
	case TSP_DET_HAMPEL:
		if (c->window < 3 || c->window > TSP_DETECT_MAXWINDOW)
			return usage(err, "--window must be 3 to 100000 values");
		if (c->warmup < 1)
			return usage(err, "--warmup must be at least 1 for "
				     "hampel");
		break;
	case TSP_DET_CUSUM:
		if (!(c->slack >= 0) || !isfinite(c->slack))
			return usage(err, "--slack must be a number >= 0");
		if (!unset_or_finite(c->target))
			return usage(err, "--target must be a finite number");
		if (!isnan(c->sd) && !(c->sd > 0 && isfinite(c->sd)))
			return usage(err, "--sd must be a positive number");
		if (isnan(c->sd) && c->warmup < 2)
			return usage(err, "--warmup must be at least 2 for "
				     "cusum without --sd");
		if (isnan(c->target) && c->warmup < 1)
			return usage(err, "--warmup must be at least 1 for "
				     "cusum without --target");
		break;
	case TSP_DET_EWMA:
	case TSP_DET_PEWMA:
		if (!(c->alpha > 0 && c->alpha <= 1))
			return usage(err, "--alpha must be in (0, 1]");
		if (c->kind == TSP_DET_PEWMA && !(c->beta >= 0 && c->beta <= 1))
			return usage(err, "--beta must be between 0 and 1");
		if (c->warmup < 2)
			return usage(err, c->kind == TSP_DET_EWMA ?
				     "--warmup must be at least 2 for ewma" :
				     "--warmup must be at least 2 for pewma");
		break;
	default:
		break;
	}
	return 0;
}

/* --- life cycle ------------------------------------------------------- */

size_t detect_nvals(const struct tsp_detect_config *c)
{
	switch (c->kind) {
	case TSP_DET_HAMPEL:
		return c->window;
	case TSP_DET_CUSUM:
		return 4;
	case TSP_DET_EWMA:
	case TSP_DET_PEWMA:
		return 2;
	default:
		return 0;
	}
}

struct tsp_detect *detect_alloc(const struct tsp_detect_config *c)
{
	return calloc(1, sizeof(struct tsp_detect) +
		      detect_nvals(c) * sizeof(double));
}

struct tsp_detect *tsp_detect_new(const struct tsp_detect_config *c,
				  struct tsp_error *err)
{
	struct tsp_detect *d;

	if (tsp_detect_config_check(c, err) < 0)
		return NULL;
	d = detect_alloc(c);
	if (!d)
		tsp_error_set(err, TSP_ENOMEM, "out of memory");
	return d;
}

void tsp_detect_free(struct tsp_detect *d)
{
	free(d);
}

/* --- residual and threshold ------------------------------------------- */

static int residual(const struct tsp_detect_config *c,
		    const struct tsp_obs *o, struct tsp_score *out,
		    struct tsp_error *err)
{
	double f = o->forecast, x = o->value, below, above;

	if (!isfinite(f))
		return 0;	/* no expectation: UNKNOWN */
	if (o->sigma > 0 && isfinite(o->sigma)) {
		below = above = o->sigma;
	} else {
		int hi_ok = isfinite(o->hi) && o->hi > f;
		int lo_ok = isfinite(o->lo) && o->lo < f;

		if (hi_ok || lo_ok) {
			double q = gsl_cdf_ugaussian_Pinv(0.5 + c->level / 200);

			above = hi_ok ? (o->hi - f) / q : (f - o->lo) / q;
			below = lo_ok ? (f - o->lo) / q : above;
		} else if (o->sigma == 0 || (o->lo == f && o->hi == f)) {
			below = above = 0;	/* zero-width: the floor */
		} else {
			return tsp_error_set(err, TSP_EDATA, "no sigma, lo or "
					     "hi for the residual detector");
		}
	}
	below = detect_floor(below, f);
	above = detect_floor(above, f);
	out->expected = f;
	out->z = x >= f ? (x - f) / above : (x - f) / below;
	detect_zscore(c, below, above, out);
	return 0;
}

static void threshold(const struct tsp_detect_config *c, double x,
		      struct tsp_score *out)
{
	int up = c->tail != TSP_TAIL_LOWER, down = c->tail != TSP_TAIL_UPPER;

	out->lower = down ? (isnan(c->below) ? c->strong_below : c->below) :
		NAN;
	out->upper = up ? (isnan(c->above) ? c->strong_above : c->above) :
		NAN;
	out->level = TSP_LEVEL_NORMAL;
	out->score = 0;
	out->side = 0;
	/* NaN limits compare false: an unset limit is never crossed */
	if (up && (x >= c->strong_above || x >= c->above))
		out->side = 1;
	else if (down && (x <= c->strong_below || x <= c->below))
		out->side = -1;
	if (out->side) {
		int strong = out->side > 0 ? x >= c->strong_above :
			x <= c->strong_below;

		out->level = strong ? TSP_LEVEL_STRONG : TSP_LEVEL_WEAK;
		out->score = strong ? c->strong : c->weak;
	}
}

int tsp_detect_push(struct tsp_detect *d, const struct tsp_detect_config *c,
		    const struct tsp_obs *o, struct tsp_score *out,
		    struct tsp_error *err)
{
	double x = o->value;

	out->score = out->z = out->expected = NAN;
	out->lower = out->upper = NAN;
	out->level = TSP_LEVEL_UNKNOWN;
	out->side = 0;
	if (isnan(x))
		return 0;
	switch (c->kind) {
	case TSP_DET_HAMPEL:
		return detect_hampel(d, c, x, out, err);
	case TSP_DET_CUSUM:
		detect_cusum(d, c, x, out);
		return 0;
	case TSP_DET_EWMA:
		detect_ewma(d, c, x, out);
		return 0;
	case TSP_DET_PEWMA:
		detect_pewma(d, c, x, out);
		return 0;
	case TSP_DET_RESIDUAL:
	case TSP_DET_THRESHOLD:
		break;
	default:
		return tsp_error_set(err, TSP_EUSAGE, "no such detector here");
	}
	/* these two learn nothing but how many values they have seen */
	if (d->n < c->warmup) {
		if (isfinite(x))
			d->n++;
		out->level = TSP_LEVEL_WARMUP;
		return 0;
	}
	if (isfinite(x))
		d->n++;
	if (c->kind == TSP_DET_THRESHOLD) {
		threshold(c, x, out);
		return 0;
	}
	return residual(c, o, out, err);
}

/* --- reasons ---------------------------------------------------------- */

/* printf at buf + *k and advance *k (output cut at n bytes). */
static void put(char *buf, size_t n, size_t *k, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

static void put(char *buf, size_t n, size_t *k, const char *fmt, ...)
{
	va_list ap;
	int r;

	if (*k >= n)
		return;
	va_start(ap, fmt);
	r = vsnprintf(buf + *k, n - *k, fmt, ap);
	va_end(ap);
	if (r > 0)
		*k += (size_t)r;
}

/* " (normal A..B)", or a one-sided form. */
static void put_band(char *buf, size_t n, size_t *k,
		     const struct tsp_score *s)
{
	if (!isnan(s->lower) && !isnan(s->upper))
		put(buf, n, k, " (normal %.4g..%.4g)", s->lower, s->upper);
	else if (!isnan(s->upper))
		put(buf, n, k, " (normal up to %.4g)", s->upper);
	else if (!isnan(s->lower))
		put(buf, n, k, " (normal from %.4g)", s->lower);
}

char *tsp_detect_reason(const struct tsp_detect_config *c,
			const struct tsp_obs *o, const struct tsp_score *s,
			char *buf, size_t n)
{
	static const char *const what[] = {
		"forecast", "limit", "median", "target", "expected", "expected"
	};
	const char *name = tsp_detector_name(c->kind);
	const char *dir = s->side > 0 ? "above" : s->side < 0 ? "below" : "at";
	size_t k = 0;

	if (n == 0)
		return buf;
	buf[0] = '\0';
	if (s->level == TSP_LEVEL_WARMUP) {
		put(buf, n, &k, "%s: warming up", name);
		return buf;
	}
	if (s->level == TSP_LEVEL_UNKNOWN || (unsigned)c->kind >
	    (unsigned)TSP_DET_PEWMA) {
		put(buf, n, &k, "%s: %s", name, isnan(o->value) ? "no value" :
		    c->kind == TSP_DET_RESIDUAL ? "no forecast" : "no score");
		return buf;
	}
	switch (c->kind) {
	case TSP_DET_THRESHOLD:
		if (s->side == 0) {
			put(buf, n, &k, "threshold: %.4g within limits",
			    o->value);
		} else {
			int strong = s->level == TSP_LEVEL_STRONG;
			double lim = s->side > 0 ?
				(strong ? c->strong_above : c->above) :
				(strong ? c->strong_below : c->below);

			put(buf, n, &k, "threshold: %.4g %s %slimit %.4g",
			    o->value, dir, strong ? "strong " : "", lim);
		}
		put_band(buf, n, &k, s);
		break;
	case TSP_DET_CUSUM:
		put(buf, n, &k, "cusum: %.4g%s%s target %.4g", o->value,
		    s->side ? " drifting " : " at", s->side ? dir : "",
		    s->expected);
		put_band(buf, n, &k, s);
		put(buf, n, &k, ", sum=%.4g", s->score);
		break;
	default:
		put(buf, n, &k, "%s: %.4g %s %s %.4g", name, o->value, dir,
		    what[c->kind], s->expected);
		put_band(buf, n, &k, s);
		put(buf, n, &k, ", z=%.4g", s->z);
		break;
	}
	return buf;
}
