#include "tsp_grid.h"

#include <math.h>
#include <stdio.h>

#include "tsp_deseason.h"

#define DAY (86400 * TSP_NS_PER_SEC)

/* A time as (months since 1970-01, day of month, ns into the day). */
struct cal {
	int64_t month;
	unsigned mday;
	tsp_time_t tod;
};

static struct cal cal_of(tsp_time_t t)
{
	struct cal c;
	int64_t days = tsp_time_floordiv(t, DAY), y;
	unsigned m, d;

	tsp_civil_from_days(days, &y, &m, &d);
	c.month = (y - 1970) * 12 + (int64_t)m - 1;
	c.mday = d;
	c.tod = t - days * DAY;
	return c;
}

static unsigned month_days(int64_t month)
{
	int64_t y = 1970 + (month >= 0 ? month / 12 : (month - 11) / 12);
	unsigned m = (unsigned)(month - (y - 1970) * 12) + 1;
	int64_t a = tsp_days_from_civil(y, m, 1);
	int64_t b = m == 12 ? tsp_days_from_civil(y + 1, 1, 1)
			    : tsp_days_from_civil(y, m + 1, 1);
	return (unsigned)(b - a);
}

void tsp_grid_init(struct tsp_grid *g, tsp_time_t step)
{
	g->step = step > 0 ? step : 0;
	g->fixed = step > 0;
	g->months = 0;
	g->slots = 0;
	g->first = g->last = 0;
	g->points = 0;
}

tsp_time_t tsp_grid_shift(const struct tsp_grid *g, tsp_time_t t, int64_t k)
{
	struct cal c;
	int64_t month, y;
	unsigned m, d;

	if (!g->months)
		return t + k * g->step;
	c = cal_of(t);
	month = c.month + k * g->months;
	y = 1970 + (month >= 0 ? month / 12 : (month - 11) / 12);
	m = (unsigned)(month - (y - 1970) * 12) + 1;
	/* the 31st of a shorter month is its last day */
	d = c.mday;
	if (d > month_days(month))
		d = month_days(month);
	return tsp_days_from_civil(y, m, d) * DAY + c.tod;
}

int64_t tsp_grid_slots(const struct tsp_grid *g, tsp_time_t a, tsp_time_t b)
{
	if (g->months) {
		struct cal ca = cal_of(a), cb = cal_of(b);
		int64_t dm = cb.month - ca.month, k;
		if (dm <= 0 || dm % g->months != 0)
			return -1;
		k = dm / g->months;
		return tsp_grid_shift(g, a, k) == b ? k : -1;
	}
	if (g->step <= 0 || b <= a || (b - a) % g->step != 0)
		return -1;
	return (b - a) / g->step;
}

/* A first spacing that is a month, a quarter or a year of the calendar. */
static int calendar_months(tsp_time_t a, tsp_time_t b)
{
	struct cal ca = cal_of(a), cb = cal_of(b);
	tsp_time_t d = b - a;
	int m;

	if (ca.mday != cb.mday || ca.tod != cb.tod || ca.mday > 28)
		return 0;
	if (d >= 28 * DAY && d <= 31 * DAY)
		m = 1;
	else if (d >= 89 * DAY && d <= 92 * DAY)
		m = 3;
	else if (d >= 365 * DAY && d <= 366 * DAY)
		m = 12;
	else
		return 0;
	return cb.month - ca.month == m ? m : 0;
}

int64_t tsp_grid_add(struct tsp_grid *g, tsp_time_t t, int64_t *refine,
		     struct tsp_error *err)
{
	char a[32], b[32];
	int64_t k;

	*refine = 1;
	if (g->points == 0) {
		g->first = g->last = t;
		g->points = 1;
		return 0;
	}
	if (t <= g->last)
		return tsp_error_set(err, TSP_EDATA, "time does not advance");
	if (g->step == 0 && g->months == 0) {
		g->months = g->fixed ? 0 : calendar_months(g->last, t);
		if (!g->months)
			g->step = t - g->last;
	}
	k = tsp_grid_slots(g, g->last, t);
	if (k < 0 && !g->months && !g->fixed && g->step % (t - g->last) == 0) {
		*refine = g->step / (t - g->last);
		g->slots *= *refine;
		g->step = t - g->last;
		k = 1;
	}
	if (k < 0) {
		tsp_ds_label(t - g->last, a, sizeof(a));
		tsp_grid_label(g, b, sizeof(b));
		return tsp_error_set(err, TSP_EDATA, "spacing %s is off the "
				     "grid of step %s (regularise the series "
				     "with tsinterp first)", a, b);
	}
	g->slots += k;
	g->last = t;
	g->points++;
	return k;
}

void tsp_grid_label(const struct tsp_grid *g, char *buf, size_t n)
{
	if (g->months)
		snprintf(buf, n, "%dmo", g->months);
	else if (g->step > 0)
		tsp_ds_label(g->step, buf, n);
	else
		snprintf(buf, n, "?");
}

size_t tsp_grid_periods(const struct tsp_grid *g, size_t *out, size_t max)
{
	size_t n = 0;

	if (g->months) {
		if (12 % g->months == 0 && g->months < 12 && max > 0)
			out[n++] = (size_t)(12 / g->months);
		return n;
	}
	if (g->step <= 0)
		return 0;
	if (DAY % g->step == 0 && DAY / g->step >= 2 && n < max)
		out[n++] = (size_t)(DAY / g->step);
	if ((7 * DAY) % g->step == 0 && 7 * DAY / g->step >= 2 && n < max)
		out[n++] = (size_t)(7 * DAY / g->step);
	return n;
}

int tsp_grid_save(const struct tsp_grid *g, struct tsp_params *p,
		  struct tsp_error *err)
{
	int64_t sec = tsp_time_floordiv(g->last, TSP_NS_PER_SEC);

	/* seconds and nanoseconds apart: a time in nanoseconds needs more
	 * than a double's 53 bits, each part fits */
	if (tsp_params_num(p, "grid_step", (double)g->step, err) < 0 ||
	    tsp_params_num(p, "grid_months", g->months, err) < 0 ||
	    tsp_params_num(p, "last_s", (double)sec, err) < 0 ||
	    tsp_params_num(p, "last_ns", (double)(g->last -
						  sec * TSP_NS_PER_SEC),
			   err) < 0)
		return -1;
	return 0;
}

/* Item name of buf as a number, or NaN when absent or not a number. */
static double param_num(const unsigned char *buf, size_t len,
			const char *name)
{
	struct tsp_param it;

	if (tsp_params_find(buf, len, name, &it) != 1 ||
	    it.type != TSP_PARAM_NUM)
		return NAN;
	return it.num;
}

int tsp_grid_load(struct tsp_grid *g, const unsigned char *buf, size_t len,
		  struct tsp_error *err)
{
	double months = param_num(buf, len, "grid_months");
	double step = param_num(buf, len, "grid_step");
	double sec = param_num(buf, len, "last_s");
	double ns = param_num(buf, len, "last_ns");

	/* a step of months or a fixed one, not both, not neither */
	if (!(months >= 0 && months <= 12) || !(step >= 0 && step < 9e18) ||
	    (step == 0) == ((int)months == 0) || !(fabs(sec) < 9e9) ||
	    !(ns >= 0 && ns < 1e9))
		return tsp_error_set(err, TSP_EDATA,
				     "corrupt model entry (grid)");
	tsp_grid_init(g, 0);
	g->months = (int)months;
	g->step = (tsp_time_t)step;
	g->fixed = 1;
	g->first = g->last = (tsp_time_t)sec * TSP_NS_PER_SEC +
			     (tsp_time_t)ns;
	g->points = 1;
	return 0;
}
