/*
 * alarm: the rules between a detector's level and a page (tsp_alarm.h).
 */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "tsp_alarm.h"
#include "tsp_tz.h"

void tsp_alarm_config_init(struct tsp_alarm_config *c)
{
	memset(c, 0, sizeof(*c));
	c->min_value = NAN;
	c->min_delta = NAN;
	c->hour_from = -1;
	c->hour_to = -1;
}

int tsp_alarm_config_any(const struct tsp_alarm_config *c)
{
	return !isnan(c->min_value) || !isnan(c->min_delta) ||
	       c->hour_from >= 0 || c->for_n > 1 || c->n > 0 ||
	       c->cooldown > 0;
}

void tsp_alarm_init(struct tsp_alarm *a)
{
	memset(a, 0, sizeof(*a));
}

const char *tsp_alarm_why_name(enum tsp_alarm_why w)
{
	static const char *const names[] = {
		"", "min-value", "min-delta", "hours", "for", "m-of-n",
		"cooldown"
	};
	return (unsigned)w < sizeof(names) / sizeof(names[0]) ? names[w] : "";
}

static int anomalous(enum tsp_level l)
{
	return l == TSP_LEVEL_WEAK || l == TSP_LEVEL_STRONG;
}

/* Floors and hours: is this point outside what may page at all? */
static enum tsp_alarm_why filtered(const struct tsp_alarm_config *c,
				   tsp_time_t t, double value,
				   double expected)
{
	if (!isnan(c->min_value) && fabs(value) < c->min_value &&
	    (isnan(expected) || fabs(expected) < c->min_value))
		return TSP_ALARM_MIN_VALUE;
	if (!isnan(c->min_delta) && !isnan(expected) &&
	    fabs(value - expected) < c->min_delta)
		return TSP_ALARM_MIN_DELTA;
	if (c->hour_from >= 0) {
		tsp_time_t lt = c->use_tz ? tsp_tz_local(t) : t;
		int64_t h = tsp_time_floordiv(lt, 3600 * TSP_NS_PER_SEC) % 24;
		int in;

		if (h < 0)
			h += 24;
		if (c->hour_from <= c->hour_to)
			in = h >= c->hour_from && h < c->hour_to;
		else	/* wraps midnight: 22-06 */
			in = h >= c->hour_from || h < c->hour_to;
		if (!in)
			return TSP_ALARM_HOURS;
	}
	return TSP_ALARM_KEPT;
}

static unsigned popcount64(uint64_t x)
{
	unsigned n = 0;

	for (; x; x &= x - 1)
		n++;
	return n;
}

enum tsp_level tsp_alarm_apply(struct tsp_alarm *a,
			       const struct tsp_alarm_config *c, tsp_time_t t,
			       enum tsp_level level, double value,
			       double expected, enum tsp_alarm_why *why,
			       unsigned *pending)
{
	int bad;

	*why = TSP_ALARM_KEPT;
	*pending = 0;
	if (level != TSP_LEVEL_NORMAL && !anomalous(level))
		return level;	/* WARMUP, UNKNOWN: no count, no reset */
	if (anomalous(level) &&
	    (*why = filtered(c, t, value, expected)) != TSP_ALARM_KEPT)
		level = TSP_LEVEL_NORMAL;
	bad = anomalous(level);
	a->recent = a->recent << 1 | (uint64_t)bad;
	a->run = bad ? (a->run < UINT32_MAX ? a->run + 1 : a->run) : 0;
	if (!bad) {
		a->in_episode = 0;
		return level;
	}
	if (c->n > 0) {
		uint64_t mask = c->n >= 64 ? ~(uint64_t)0
					   : ((uint64_t)1 << c->n) - 1;
		if (popcount64(a->recent & mask) >= c->m &&
		    level != TSP_LEVEL_STRONG) {
			level = TSP_LEVEL_STRONG;
			*why = TSP_ALARM_M_OF_N;
		}
	}
	if (c->for_n > 1 && a->run < c->for_n) {
		*why = TSP_ALARM_FOR;
		*pending = a->run;
		return TSP_LEVEL_NORMAL;
	}
	if (c->cooldown > 0 && a->has_alarm &&
	    (a->in_episode || t - a->last_alarm < c->cooldown) &&
	    !(level == TSP_LEVEL_STRONG &&
	      a->alarm_level == TSP_LEVEL_WEAK)) {
		a->in_episode = 1;
		*why = TSP_ALARM_COOLDOWN;
		return TSP_LEVEL_NORMAL;
	}
	a->has_alarm = 1;
	a->last_alarm = t;
	a->alarm_level = (uint8_t)level;
	a->in_episode = 1;
	return level;
}

/* Times and the 64-bit window do not fit a double's 53 bits: halves. */
int tsp_alarm_save(const struct tsp_alarm *a, const char *prefix,
		   struct tsp_params *p, struct tsp_error *err)
{
	char name[64];
	double v[7];

	v[0] = (double)(uint32_t)(a->recent >> 32);
	v[1] = (double)(uint32_t)a->recent;
	v[2] = (double)tsp_time_floordiv(a->last_alarm, TSP_NS_PER_SEC);
	v[3] = (double)(a->last_alarm - (tsp_time_t)v[2] * TSP_NS_PER_SEC);
	v[4] = a->run;
	v[5] = a->has_alarm;
	v[6] = (double)(a->alarm_level | a->in_episode << 4);
	snprintf(name, sizeof(name), "%salarm", prefix);
	return tsp_params_nums(p, name, v, 7, err);
}

int tsp_alarm_load(struct tsp_alarm *a, const char *prefix,
		   const unsigned char *buf, size_t len,
		   struct tsp_error *err)
{
	struct tsp_param it;
	char name[64];
	double v[7];
	int rc;

	snprintf(name, sizeof(name), "%salarm", prefix);
	rc = tsp_params_find(buf, len, name, &it);
	if (rc <= 0 || it.type != TSP_PARAM_NUMS || it.n != 7)
		return tsp_error_set(err, TSP_EDATA, "corrupt entry: no valid "
				     "'%s'", name);
	for (int i = 0; i < 7; i++) {
		v[i] = tsp_param_at(&it, (size_t)i);
		if (!(v[i] == floor(v[i])) || fabs(v[i]) > 9.2e18 ||
		    (i != 2 && i != 3 && v[i] < 0))
			return tsp_error_set(err, TSP_EDATA, "corrupt entry: "
					     "bad '%s'", name);
	}
	if (v[0] > UINT32_MAX || v[1] > UINT32_MAX || v[3] < 0 ||
	    v[3] >= TSP_NS_PER_SEC || fabs(v[2]) > 9e9 || v[4] > UINT32_MAX ||
	    v[5] > 1 || ((int)v[6] & 15) > TSP_LEVEL_STRONG || v[6] > 31)
		return tsp_error_set(err, TSP_EDATA, "corrupt entry: bad '%s'",
				     name);
	a->recent = (uint64_t)v[0] << 32 | (uint64_t)v[1];
	a->last_alarm = (tsp_time_t)v[2] * TSP_NS_PER_SEC + (tsp_time_t)v[3];
	a->run = (uint32_t)v[4];
	a->has_alarm = (uint8_t)v[5];
	a->alarm_level = (uint8_t)((int)v[6] & 15);
	a->in_episode = (uint8_t)((int)v[6] >> 4);
	return 0;
}
