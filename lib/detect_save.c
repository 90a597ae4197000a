/*
 * detect_save: a detector's state as items of the model store and back
 * (tsp_detect_save, tsp_detect_load).  Every double is stored as is, and
 * the hampel window oldest first, so a run split in two computes exactly
 * what one run does.
 *
 * Items, each name after the caller's prefix:
 *   kind    the detector's name (a state loads only into the same kind)
 *   n       values learned
 *   ready   ewma, pewma, cusum: 1 once the warm-up is over
 *   ewma    mean, and m2 (squared deviations) while warming up, var after
 *   pewma   mean, var
 *   cusum   mean, m2 while warming up; mean, sd, upper, lower (the sums)
 *           after (mean and sd are the learned ones, even where --target
 *           or --sd override them)
 *   hampel  window: the last values, oldest first
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "detect_impl.h"

/* 2^53: counts above it are not whole numbers in a double. */
#define MAXCOUNT 9007199254740992.0

struct enc {
	struct tsp_params *p;
	const char *prefix;
	struct tsp_error *err;
	int rc;
	char name[512];
};

static const char *full(char *buf, size_t n, const char *prefix,
			const char *name)
{
	snprintf(buf, n, "%s%s", prefix, name);
	return buf;
}

static void put_num(struct enc *e, const char *name, double v)
{
	if (e->rc == 0)
		e->rc = tsp_params_num(e->p, full(e->name, sizeof(e->name),
						  e->prefix, name), v, e->err);
}

/* The hampel ring oldest first: as it lies if it does not wrap, else
 * through a copy. */
static int save_window(const struct tsp_detect *d,
		       const struct tsp_detect_config *c, struct enc *e)
{
	size_t w = c->window, k = d->count, first = (d->next + w - k) % w;
	const char *name = full(e->name, sizeof(e->name), e->prefix, "window");
	double *a;
	int rc;

	if (first + k <= w)
		return tsp_params_nums(e->p, name, d->v + first, k, e->err);
	a = malloc(k * sizeof(double));
	if (!a)
		return tsp_error_set(e->err, TSP_ENOMEM, "out of memory");
	memcpy(a, d->v + first, (w - first) * sizeof(double));
	memcpy(a + (w - first), d->v, (k - (w - first)) * sizeof(double));
	rc = tsp_params_nums(e->p, name, a, k, e->err);
	free(a);
	return rc;
}

int tsp_detect_save(const struct tsp_detect *d,
		    const struct tsp_detect_config *c, const char *prefix,
		    struct tsp_params *p, struct tsp_error *err)
{
	struct enc e = { p, prefix, err, 0, "" };

	if (strlen(prefix) > 200)
		return tsp_error_set(err, TSP_EDATA, "detector prefix too long");
	e.rc = tsp_params_str(p, full(e.name, sizeof(e.name), prefix, "kind"),
			      tsp_detector_name(c->kind), err);
	put_num(&e, "n", (double)d->n);
	switch (c->kind) {
	case TSP_DET_EWMA:
	case TSP_DET_PEWMA:
		put_num(&e, "ready", d->ready);
		put_num(&e, "mean", d->v[M]);
		put_num(&e, c->kind == TSP_DET_EWMA && !d->ready ? "m2" : "var",
			d->v[V]);
		break;
	case TSP_DET_CUSUM:
		put_num(&e, "ready", d->ready);
		put_num(&e, "mean", d->v[M]);
		if (!d->ready) {
			put_num(&e, "m2", d->v[V]);
			break;
		}
		put_num(&e, "sd", d->v[V]);
		put_num(&e, "upper", d->v[SP]);
		put_num(&e, "lower", d->v[SM]);
		break;
	case TSP_DET_HAMPEL:
		if (e.rc == 0)
			e.rc = save_window(d, c, &e);
		break;
	default:
		break;
	}
	return e.rc;
}

/* Decoding: the entry, the prefix, and the first bad item met. */
struct dec {
	const unsigned char *buf;
	size_t len;
	const char *prefix;
	char name[512];
	char bad[512];
};

static void bad(struct dec *d, const char *name)
{
	if (!d->bad[0])
		full(d->bad, sizeof(d->bad), d->prefix, name);
}

/* Item `name`: 1 found, else 0 (d->bad set). */
static int find(struct dec *d, const char *name, enum tsp_param_type type,
		struct tsp_param *it)
{
	if (tsp_params_find(d->buf, d->len, full(d->name, sizeof(d->name),
						 d->prefix, name), it) == 1 &&
	    it->type == type)
		return 1;
	bad(d, name);
	return 0;
}

/* Number `name`, NaN (and d->bad set) if absent or not a number. */
static double get(struct dec *d, const char *name)
{
	struct tsp_param it;

	return find(d, name, TSP_PARAM_NUM, &it) ? it.num : NAN;
}

/* Require cond of item name. */
static void need(struct dec *d, int cond, const char *name)
{
	if (!cond)
		bad(d, name);
}

static int whole(double v, double lo, double hi)
{
	return v >= lo && v <= hi && v == floor(v);
}

static int nonneg(double v)
{
	return v >= 0 && isfinite(v);
}

/* The hampel window: the newest values that fit c's window (it may have
 * changed since the save), into slots 0.. of the ring. */
static void load_window(struct dec *d, const struct tsp_detect_config *c,
			struct tsp_detect *s)
{
	struct tsp_param it;
	size_t k, skip;

	if (!find(d, "window", TSP_PARAM_NUMS, &it))
		return;
	need(d, it.n <= TSP_DETECT_MAXWINDOW && it.n <= s->n &&
	     (it.n == 0) == (s->n == 0), "window");
	for (size_t i = 0; i < it.n && !d->bad[0]; i++)
		need(d, isfinite(tsp_param_at(&it, i)), "window");
	if (d->bad[0])
		return;
	k = it.n < c->window ? it.n : c->window;
	skip = it.n - k;
	for (size_t i = 0; i < k; i++)
		s->v[i] = tsp_param_at(&it, skip + i);
	s->count = (uint32_t)k;
	s->next = (uint32_t)(k % c->window);
}

static void load_moments(struct dec *d, const struct tsp_detect_config *c,
			 struct tsp_detect *s)
{
	double ready = get(d, "ready");

	need(d, ready == 0 || ready == 1, "ready");
	s->ready = ready == 1;
	s->v[M] = get(d, "mean");
	need(d, isfinite(s->v[M]), "mean");
	if (c->kind == TSP_DET_PEWMA || (c->kind == TSP_DET_EWMA && s->ready)) {
		s->v[V] = get(d, "var");
		need(d, nonneg(s->v[V]), "var");
	} else if (!s->ready) {
		s->v[V] = get(d, "m2");
		need(d, nonneg(s->v[V]), "m2");
	} else {
		s->v[V] = get(d, "sd");
		s->v[SP] = get(d, "upper");
		s->v[SM] = get(d, "lower");
		need(d, nonneg(s->v[V]), "sd");
		need(d, nonneg(s->v[SP]), "upper");
		need(d, nonneg(s->v[SM]), "lower");
	}
}

struct tsp_detect *tsp_detect_load(const struct tsp_detect_config *c,
				   const char *prefix,
				   const unsigned char *buf, size_t len,
				   struct tsp_error *err)
{
	struct dec d = { buf, len, prefix, "", "" };
	const char *want = tsp_detector_name(c->kind);
	struct tsp_detect *s;
	struct tsp_param it;
	char q[80];
	double n;

	if (tsp_detect_config_check(c, err) < 0)
		return NULL;
	if (!find(&d, "kind", TSP_PARAM_STR, &it)) {
		tsp_error_set(err, TSP_EDATA, "corrupt entry: bad or missing "
			      "'%s'", d.bad);
		return NULL;
	}
	if (it.n != strlen(want) || memcmp(it.str, want, it.n) != 0) {
		tsp_error_set(err, TSP_EDATA, "corrupt entry: '%s' is %s, "
			      "not '%s'", d.name, tsp_quote(q, sizeof(q),
							    it.str, it.n),
			      want);
		return NULL;
	}
	if (!(s = detect_alloc(c))) {
		tsp_error_set(err, TSP_ENOMEM, "out of memory");
		return NULL;
	}
	n = get(&d, "n");
	need(&d, whole(n, 0, MAXCOUNT), "n");
	if (!d.bad[0])
		s->n = (uint64_t)n;
	switch (c->kind) {
	case TSP_DET_HAMPEL:
		if (!d.bad[0])
			load_window(&d, c, s);
		break;
	case TSP_DET_EWMA:
	case TSP_DET_PEWMA:
	case TSP_DET_CUSUM:
		load_moments(&d, c, s);
		break;
	default:
		break;
	}
	if (d.bad[0]) {
		tsp_error_set(err, TSP_EDATA, "corrupt entry: bad or missing "
			      "'%s'", d.bad);
		tsp_detect_free(s);
		return NULL;
	}
	return s;
}
