/*
 * decide: the scaling policy (see tsp_decide.h for the steps).
 */
#include "tsp_decide.h"

#include <inttypes.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void tsp_decide_config_init(struct tsp_decide_config *c)
{
	c->capacity = c->up_above = c->down_below = NAN;
	c->min = 1;
	c->max = TSP_DECIDE_MAXREPLICAS;
	c->max_step = 0;
	c->cooldown = 0;
	c->down_window = 15 * 60 * TSP_NS_PER_SEC;
}

int tsp_decide_config_check(const struct tsp_decide_config *c,
			    struct tsp_error *err)
{
	if (isnan(c->capacity) && isnan(c->up_above) && isnan(c->down_below))
		return tsp_error_set(err, TSP_EUSAGE, "no policy: give "
				     "--capacity X, or --up-above X and/or "
				     "--down-below X");
	if (!isnan(c->capacity) && !(c->capacity > 0 && isfinite(c->capacity)))
		return tsp_error_set(err, TSP_EUSAGE, "--capacity must be a "
				     "number > 0");
	if (!isnan(c->up_above) && !isnan(c->down_below) &&
	    !(c->down_below < c->up_above))
		return tsp_error_set(err, TSP_EUSAGE, "--down-below %g must be "
				     "below --up-above %g", c->down_below,
				     c->up_above);
	if (c->min < 0 || c->max > TSP_DECIDE_MAXREPLICAS || c->max < 1)
		return tsp_error_set(err, TSP_EUSAGE, "--min and --max must "
				     "lie from 0 to %ld, --max at least 1",
				     TSP_DECIDE_MAXREPLICAS);
	if (c->min > c->max)
		return tsp_error_set(err, TSP_EUSAGE, "--min %ld is above "
				     "--max %ld", c->min, c->max);
	if (c->max_step < 0 || c->cooldown < 0 || c->down_window < 0)
		return tsp_error_set(err, TSP_EUSAGE, "negative --max-step, "
				     "--cooldown or --down-window");
	return 0;
}

void tsp_decide_state_init(struct tsp_decide_state *s)
{
	memset(s, 0, sizeof(*s));
}

void tsp_decide_state_release(struct tsp_decide_state *s)
{
	free(s->hist);
	tsp_decide_state_init(s);
}

const char *tsp_action_name(enum tsp_action a)
{
	return a == TSP_ACTION_UP ? "scale_up" :
	       a == TSP_ACTION_DOWN ? "scale_down" : "hold";
}

const char *tsp_decide_duration(tsp_time_t ns, char *buf, size_t n)
{
	static const struct { const char *u; int64_t s; } units[] = {
		{"w", 604800}, {"d", 86400}, {"h", 3600}, {"m", 60}, {"s", 1}
	};
	int64_t sec = ns / TSP_NS_PER_SEC, frac = ns % TSP_NS_PER_SEC;
	size_t len = 0;

	buf[0] = 0;
	if (ns < 0 && ns > INT64_MIN) {
		buf[0] = '-';
		tsp_decide_duration(-ns, buf + 1, n - 1);
		return buf;
	}
	for (size_t i = 0; i < sizeof(units) / sizeof(units[0]); i++) {
		int64_t k = sec / units[i].s;
		if (!k || (units[i].s == 1 && frac))
			continue;
		sec -= k * units[i].s;
		len += (size_t)snprintf(buf + len, len < n ? n - len : 0,
					"%" PRId64 "%s", k, units[i].u);
	}
	if (frac) {
		char f[16];
		int d = snprintf(f, sizeof(f), "%09" PRId64, frac);
		while (d > 1 && f[d - 1] == '0')
			f[--d] = 0;
		snprintf(buf + len, len < n ? n - len : 0, "%" PRId64 ".%ss",
			 sec, f);
	} else if (!len) {
		snprintf(buf, n, "0s");
	}
	return buf;
}

/* Append to the reason (cut at its size: it is for people). */
static void say(struct tsp_decision *d, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static void say(struct tsp_decision *d, const char *fmt, ...)
{
	size_t len = strlen(d->reason);
	va_list ap;

	if (len + 1 >= sizeof(d->reason))
		return;
	va_start(ap, fmt);
	vsnprintf(d->reason + len, sizeof(d->reason) - len, fmt, ap);
	va_end(ap);
}

static long clamp(double r, long lo, long hi)
{
	return r <= (double)lo ? lo : r >= (double)hi ? hi : (long)r;
}

/* ceil(load / capacity), forgiving rounding errors of a whole quotient. */
static double replicas_for(double load, double capacity)
{
	double q = load / capacity, r = nearbyint(q);

	if (fabs(q - r) <= 1e-9 * fmax(1, fabs(q)))
		return r;
	return ceil(q);
}

/* Step 1: the rule's recommendation, before the gates, told in d. */
static double recommend(const struct tsp_decide_config *c, double load,
			long cur, struct tsp_decision *d)
{
	int has_up = !isnan(c->up_above), has_down = !isnan(c->down_below);
	long step = c->max_step ? c->max_step : 1;
	double raw;

	if (!isnan(c->capacity)) {
		raw = replicas_for(load, c->capacity);
		say(d, "%g / %g per replica = %.4g -> %.15g", load,
		    c->capacity, load / c->capacity, raw > 0 ? raw : 0.0);
		if (raw > cur && has_up && !(load > c->up_above)) {
			say(d, "; not above %g: no rise", c->up_above);
			raw = cur;
		} else if (raw < cur && has_down && !(load < c->down_below)) {
			say(d, "; not below %g: no fall", c->down_below);
			raw = cur;
		}
	} else if (has_up && load > c->up_above) {
		raw = (double)cur + (double)step;
		say(d, "%g > %g: +%ld -> %.15g", load, c->up_above, step, raw);
	} else if (has_down && load < c->down_below) {
		raw = (double)cur - (double)step;
		say(d, "%g < %g: -%ld -> %.15g", load, c->down_below, step,
		    raw > 0 ? raw : 0.0);
	} else {
		raw = cur;
		if (has_up && has_down)
			say(d, "%g within %g..%g -> %ld", load, c->down_below,
			    c->up_above, cur);
		else if (has_up)
			say(d, "%g not above %g -> %ld", load, c->up_above,
			    cur);
		else
			say(d, "%g not below %g -> %ld", load, c->down_below,
			    cur);
	}
	return raw;
}

/* Remember recommendation r at t; return the highest of the window. */
static int window_max(struct tsp_decide_state *s,
		      const struct tsp_decide_config *c, tsp_time_t t, long r,
		      long *max, struct tsp_error *err)
{
	size_t n = s->nhist;

	/* An older recommendation no higher than r can never be the
	   highest again: r outlives it. */
	while (n && s->hist[n - 1].replicas <= r)
		n--;
	if (n == s->cap) {
		size_t cap = s->cap ? s->cap * 2 : 4;
		struct tsp_decide_rec *h = realloc(s->hist, cap * sizeof(*h));
		if (!h)
			return tsp_error_set(err, TSP_ENOMEM, "out of memory");
		s->hist = h;
		s->cap = cap;
	}
	s->hist[n].t = t;
	s->hist[n].replicas = r;
	s->nhist = n + 1;
	/* the window is (t - down_window, t] */
	n = 0;
	while (n + 1 < s->nhist && s->hist[n].t <= t - c->down_window)
		n++;
	if (n) {
		memmove(s->hist, s->hist + n,
			(s->nhist - n) * sizeof(*s->hist));
		s->nhist -= n;
	}
	*max = s->hist[0].replicas;
	return 0;
}

int tsp_decide(struct tsp_decide_state *s, const struct tsp_decide_config *c,
	       tsp_time_t t, double load, long current,
	       struct tsp_decision *out, struct tsp_error *err)
{
	char b1[32], b2[32];
	long r, gated, wmax = 0;
	int noted = 0;		/* the gate said: 1 --max, -1 --min */

	if (s->decided && t <= s->last_t)
		return tsp_error_set(err, TSP_EDATA, "decision time not after "
				     "the last decision");
	memset(out, 0, sizeof(*out));
	out->current = current;
	out->recommended = -1;
	r = current;
	if (isnan(load)) {
		say(out, "missing");
	} else {
		double raw = recommend(c, load, current, out);
		r = clamp(raw, c->min, c->max);
		/* the gates, said once (step 5 applies them again) */
		if (r != raw) {
			noted = r < raw ? 1 : -1;
			say(out, noted > 0 ? "; capped at --max %ld" :
				 "; raised to --min %ld", r);
		}
		out->recommended = r;
		if (window_max(s, c, t, r, &wmax, err) < 0)
			return -1;
		if (r < current && wmax > r) {
			r = wmax < current ? wmax : current;
			say(out, "; kept %ld: highest in the last %s", r,
			    tsp_decide_duration(c->down_window, b1,
						sizeof(b1)));
		}
		if (c->max_step && r > current && r - current > c->max_step) {
			r = current + c->max_step;
			say(out, "; at most +%ld a decision -> %ld",
			    c->max_step, r);
		} else if (c->max_step && r < current &&
			   current - r > c->max_step) {
			r = current - c->max_step;
			say(out, "; at most -%ld a decision -> %ld",
			    c->max_step, r);
		}
		if (r != current && s->acted &&
		    t - s->last_action < c->cooldown) {
			say(out, "; cooldown %s: last change %s ago",
			    tsp_decide_duration(c->cooldown, b2, sizeof(b2)),
			    tsp_decide_duration(t - s->last_action, b1,
						sizeof(b1)));
			r = current;
		}
	}
	gated = clamp((double)r, c->min, c->max);
	if (gated != r && noted != (gated > r ? -1 : 1))
		say(out, gated > r ? "; raised to --min %ld" :
			 "; capped at --max %ld", gated);
	r = gated;
	out->replicas = r;
	out->action = r > current ? TSP_ACTION_UP :
		      r < current ? TSP_ACTION_DOWN : TSP_ACTION_HOLD;
	if (out->action != TSP_ACTION_HOLD) {
		s->acted = 1;
		s->last_action = t;
	}
	s->decided = 1;
	s->last_t = t;
	s->replicas = r;
	return 0;
}

/* A time as two whole numbers, seconds and nanoseconds: a double holds
   neither a nanosecond count nor every epoch in it exactly. */
static void put_time(double *v, tsp_time_t t)
{
	int64_t sec = t / TSP_NS_PER_SEC, ns = t % TSP_NS_PER_SEC;

	if (ns < 0) {
		sec--;
		ns += TSP_NS_PER_SEC;
	}
	v[0] = (double)sec;
	v[1] = (double)ns;
}

static int whole(double x, double lo, double hi)
{
	return x == floor(x) && x >= lo && x <= hi;
}

static int get_time(const double *v, tsp_time_t *t)
{
	/* the years 1678-2261 */
	if (!whole(v[0], -9.2e9, 9.2e9) || !whole(v[1], 0, 999999999))
		return -1;
	*t = (tsp_time_t)v[0] * TSP_NS_PER_SEC + (tsp_time_t)v[1];
	return 0;
}

int tsp_decide_save(const struct tsp_decide_state *s, struct tsp_params *p,
		    struct tsp_error *err)
{
	double v[2], *h;
	int rc;

	if (s->decided) {
		put_time(v, s->last_t);
		if (tsp_params_nums(p, "decided", v, 2, err) < 0 ||
		    tsp_params_num(p, "replicas", (double)s->replicas, err) < 0)
			return -1;
	}
	if (s->acted) {
		put_time(v, s->last_action);
		if (tsp_params_nums(p, "changed", v, 2, err) < 0)
			return -1;
	}
	h = malloc((s->nhist ? s->nhist : 1) * 3 * sizeof(*h));
	if (!h)
		return tsp_error_set(err, TSP_ENOMEM, "out of memory");
	for (size_t i = 0; i < s->nhist; i++) {
		put_time(h + 3 * i, s->hist[i].t);
		h[3 * i + 2] = (double)s->hist[i].replicas;
	}
	rc = tsp_params_nums(p, "history", h, 3 * s->nhist, err);
	free(h);
	return rc;
}

/* An optional time item: 1 found (*t set), 0 absent, -1 corrupt. */
static int find_time(const unsigned char *buf, size_t len, const char *name,
		     tsp_time_t *t, struct tsp_error *err)
{
	struct tsp_param it;
	double v[2];
	int rc = tsp_params_find(buf, len, name, &it);

	if (rc == 0)
		return 0;
	if (rc < 0 || it.type != TSP_PARAM_NUMS || it.n != 2)
		return tsp_error_set(err, TSP_EDATA, "corrupt entry: bad '%s'",
				     name);
	v[0] = tsp_param_at(&it, 0);
	v[1] = tsp_param_at(&it, 1);
	if (get_time(v, t) < 0)
		return tsp_error_set(err, TSP_EDATA, "corrupt entry: bad '%s'",
				     name);
	return 1;
}

int tsp_decide_load(struct tsp_decide_state *s,
		    const struct tsp_decide_config *c, const unsigned char *buf,
		    size_t len, struct tsp_error *err)
{
	struct tsp_param it;
	int rc;
	size_t n;

	if ((rc = find_time(buf, len, "decided", &s->last_t, err)) < 0)
		return -1;
	s->decided = rc;
	if (s->decided) {
		if (tsp_params_find(buf, len, "replicas", &it) <= 0 ||
		    it.type != TSP_PARAM_NUM ||
		    !whole(it.num, 0, (double)TSP_DECIDE_MAXREPLICAS))
			return tsp_error_set(err, TSP_EDATA, "corrupt entry: "
					     "bad 'replicas'");
		s->replicas = (long)it.num;
	}
	if ((rc = find_time(buf, len, "changed", &s->last_action, err)) < 0)
		return -1;
	s->acted = rc;
	if (s->acted && (!s->decided || s->last_action > s->last_t))
		return tsp_error_set(err, TSP_EDATA, "corrupt entry: bad "
				     "'changed'");
	if (tsp_params_find(buf, len, "history", &it) <= 0 ||
	    it.type != TSP_PARAM_NUMS || it.n % 3)
		return tsp_error_set(err, TSP_EDATA, "corrupt entry: no valid "
				     "'history'");
	n = it.n / 3;
	if (n > (size_t)(c->max - c->min) + 1 || (n && !s->decided))
		return tsp_error_set(err, TSP_EDATA, "corrupt entry: bad "
				     "'history'");
	if (n && !(s->hist = malloc(n * sizeof(*s->hist))))
		return tsp_error_set(err, TSP_ENOMEM, "out of memory");
	s->cap = s->nhist = n;
	for (size_t i = 0; i < n; i++) {
		double hv[3];
		for (size_t k = 0; k < 3; k++)
			hv[k] = tsp_param_at(&it, 3 * i + k);
		/* times ascending, replicas descending, within the gates,
		   none after the last decision */
		if (get_time(hv, &s->hist[i].t) < 0 ||
		    !whole(hv[2], (double)c->min, (double)c->max) ||
		    s->hist[i].t > s->last_t ||
		    (i && (s->hist[i].t <= s->hist[i - 1].t ||
			   hv[2] >= (double)s->hist[i - 1].replicas)))
			return tsp_error_set(err, TSP_EDATA, "corrupt entry: "
					     "bad 'history'");
		s->hist[i].replicas = (long)hv[2];
	}
	return 0;
}
