/* A series' grid in the model store: tsp_grid_save / tsp_grid_load. */
#include <math.h>
#include <string.h>

#include "t.h"
#include "tsp_grid.h"

#define SEC TSP_NS_PER_SEC
#define DAY (86400 * SEC)

static int same_grid(const struct tsp_grid *a, const struct tsp_grid *b)
{
	return a->step == b->step && a->months == b->months &&
	       a->fixed == b->fixed && a->slots == b->slots &&
	       a->first == b->first && a->last == b->last &&
	       a->points == b->points;
}

/* Learn a grid from n points t0, t0 + dt, ... */
static void learn(struct tsp_grid *g, tsp_time_t t0, tsp_time_t dt, int n)
{
	struct tsp_error err;
	int64_t refine;

	tsp_grid_init(g, 0);
	for (int i = 0; i < n; i++)
		tsp_grid_add(g, t0 + i * dt, &refine, &err);
}

/* g saved (after an unrelated item, as tsforecast's model comes first)
 * and loaded into *out; returns tsp_grid_load's status. */
static int round_trip(const struct tsp_grid *g, struct tsp_grid *out,
		      struct tsp_error *err)
{
	struct tsp_params p;
	int rc;

	tsp_params_init(&p);
	tsp_error_clear(err);
	CHECK(tsp_params_str(&p, "method", "naive", err) == 0, "str");
	CHECK(tsp_grid_save(g, &p, err) == 0, "save: %s", err->msg);
	rc = tsp_grid_load(out, p.buf, p.len, err);
	tsp_params_release(&p);
	return rc;
}

/* A load of params built by hand must fail as corrupt and leave g. */
static void check_corrupt(const struct tsp_params *p, const char *what)
{
	struct tsp_grid g, before;
	struct tsp_error err;

	memset(&g, 0x5a, sizeof(g));
	before = g;
	tsp_error_clear(&err);
	CHECK(tsp_grid_load(&g, p->buf, p->len, &err) == -1, "%s: loaded",
	      what);
	CHECK(err.code == TSP_EDATA, "%s: code %d", what, (int)err.code);
	CHECK_STR(err.msg, "corrupt model entry (grid)");
	CHECK(memcmp(&g, &before, sizeof(g)) == 0, "%s: g changed", what);
}

/* Items that are absent, or text where a number belongs. */
#define ABSENT (-1e300)
#define TEXT (-2e300)

/* The grid's items, written by hand (an ABSENT one left out). */
static void grid_params(struct tsp_params *p, const double v[4])
{
	static const char *const names[4] = { "grid_step", "grid_months",
					       "last_s", "last_ns" };
	struct tsp_error err;

	tsp_params_clear(p);
	for (int i = 0; i < 4; i++)
		if (v[i] == TEXT)
			tsp_params_str(p, names[i], "60", &err);
		else if (v[i] != ABSENT)
			tsp_params_num(p, names[i], v[i], &err);
}

/* Hand-made entries that are not a grid: step, months, last_s, last_ns. */
static const struct {
	const char *what;
	double v[4];
} corrupt[] = {
	{ "step and months", { 60e9, 1, 100, 5 } },
	{ "13 months", { 0, 13, 100, 5 } },
	{ "half a month", { 0, 0.5, 100, 5 } },
	{ "negative step", { -60e9, 0, 100, 5 } },
	{ "huge step", { 1e19, 0, 100, 5 } },
	{ "last_s out of range", { 60e9, 0, 1e10, 5 } },
	{ "last_ns a second", { 60e9, 0, 100, 1e9 } },
	{ "last_ns negative", { 60e9, 0, 100, -1 } },
	{ "last_ns NaN", { 60e9, 0, 100, NAN } },
	{ "no last_ns", { 60e9, 0, 100, ABSENT } },
	{ "no grid_months", { 60e9, ABSENT, 100, 0 } },
	{ "step as text", { TEXT, 0, 100, 0 } },
};

int main(void)
{
	struct tsp_grid g, h, want;
	struct tsp_error err;
	struct tsp_params p;
	int64_t refine;

	/* 5-minute steps ending before 1970 with a fraction of a second:
	 * the last point comes back to the nanosecond */
	learn(&g, -3 * DAY - 1500000001, 300 * SEC, 5);
	CHECK(round_trip(&g, &h, &err) == 0, "5m: %s", err.msg);
	tsp_grid_init(&want, 300 * SEC);
	want.first = want.last = g.last;
	want.points = 1;
	CHECK(same_grid(&h, &want), "5m: step %lld last %lld",
	      (long long)h.step, (long long)h.last);

	/* a recent time in ns is beyond a double's 53 bits */
	learn(&g, (tsp_time_t)1716800400 * SEC + 123456789, 60 * SEC, 3);
	CHECK(round_trip(&g, &h, &err) == 0, "1m: %s", err.msg);
	CHECK(h.last == g.last && h.step == 60 * SEC, "1m: last %lld",
	      (long long)h.last);

	/* calendar months: the step is a month, not seconds */
	tsp_grid_init(&g, 0);
	tsp_grid_add(&g, tsp_days_from_civil(2000, 1, 15) * DAY, &refine, &err);
	tsp_grid_add(&g, tsp_days_from_civil(2000, 2, 15) * DAY, &refine, &err);
	tsp_grid_add(&g, tsp_days_from_civil(2000, 3, 15) * DAY, &refine, &err);
	CHECK(g.months == 1, "learned months %d", g.months);
	CHECK(round_trip(&g, &h, &err) == 0, "months: %s", err.msg);
	CHECK(h.months == 1 && h.step == 0 && h.fixed && h.points == 1,
	      "months: %d step %lld", h.months, (long long)h.step);
	CHECK(tsp_grid_shift(&h, h.last, 1) ==
	      tsp_days_from_civil(2000, 4, 15) * DAY, "months: next");

	/* loaded grids are fixed: a finer spacing is off the grid, not a
	 * refinement; the next slot goes on */
	learn(&g, 0, 120 * SEC, 2);
	CHECK(round_trip(&g, &h, &err) == 0, "2m: %s", err.msg);
	CHECK(tsp_grid_add(&h, 180 * SEC, &refine, &err) == -1,
	      "loaded grid refined");
	CHECK(tsp_grid_add(&h, 360 * SEC, &refine, &err) == 2,
	      "loaded grid: two slots on");

	/* one point and no step: saved, but not loadable */
	learn(&g, 60 * SEC, 0, 1);
	CHECK(round_trip(&g, &h, &err) == -1, "no step loaded");

	tsp_params_init(&p);
	check_corrupt(&p, "empty");
	grid_params(&p, (const double[4]){ 60e9, 0, 100, 5 });
	tsp_error_clear(&err);
	CHECK(tsp_grid_load(&h, p.buf, p.len, &err) == 0, "by hand: %s",
	      err.msg);
	CHECK(h.step == 60 * SEC && h.last == 100 * SEC + 5, "by hand");
	for (size_t i = 0; i < sizeof(corrupt) / sizeof(corrupt[0]); i++) {
		grid_params(&p, corrupt[i].v);
		check_corrupt(&p, corrupt[i].what);
	}
	tsp_params_release(&p);
	return t_done();
}
