/*
 * Unit tests of lib/decide.c (the scaling policy) on hand-worked cases:
 * each rule, the gates, --max-step, the cooldown, HPA's scale-down
 * stabilisation, flapping load, missing load, save and load.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "t.h"
#include "tsp_decide.h"

#define MIN (60 * TSP_NS_PER_SEC)

static struct tsp_decide_config cap_config(double capacity, long min,
					   long max)
{
	struct tsp_decide_config c;

	tsp_decide_config_init(&c);
	c.capacity = capacity;
	c.min = min;
	c.max = max;
	c.down_window = 0;
	return c;
}

/* One decision on a fresh state. */
static struct tsp_decision once(const struct tsp_decide_config *c,
				double load, long current)
{
	struct tsp_decide_state s;
	struct tsp_decision d;
	struct tsp_error err;

	tsp_decide_state_init(&s);
	tsp_error_clear(&err);
	if (tsp_decide(&s, c, 0, load, current, &d, &err) < 0)
		d.replicas = -99;
	tsp_decide_state_release(&s);
	return d;
}

/*
 * Decisions every 5 minutes on loads[], each starting from the replicas
 * the previous one decided (start first); compare with want[].
 */
static void run(const char *name, const struct tsp_decide_config *c,
		long start, const double *loads, const long *want, int n,
		struct tsp_decide_state *keep)
{
	struct tsp_decide_state s;
	struct tsp_decision d;
	struct tsp_error err;
	long cur = start;

	tsp_decide_state_init(&s);
	tsp_error_clear(&err);
	for (int i = 0; i < n; i++) {
		int rc = tsp_decide(&s, c, i * 5 * MIN, loads[i], cur, &d,
				    &err);
		CHECK(rc == 0 && d.replicas == want[i],
		      "%s: decision %d: got %ld, want %ld (%s)", name, i,
		      d.replicas, want[i], d.reason);
		cur = d.replicas;
	}
	if (keep)
		*keep = s;
	else
		tsp_decide_state_release(&s);
}

static void test_config(void)
{
	struct tsp_decide_config c;
	struct tsp_error err;

	tsp_decide_config_init(&c);
	tsp_error_clear(&err);
	CHECK(tsp_decide_config_check(&c, &err) < 0 &&
	      err.code == TSP_EUSAGE, "no rule accepted");
	CHECK_STR(err.msg, "no policy: give --capacity X, or --up-above X "
		  "and/or --down-below X");
	c.up_above = 50;
	c.down_below = 2500;
	CHECK(tsp_decide_config_check(&c, &err) < 0, "down >= up accepted");
	CHECK_STR(err.msg, "--down-below 2500 must be below --up-above 50");
	c.down_below = 10;
	c.min = 16;
	c.max = 15;
	CHECK(tsp_decide_config_check(&c, &err) < 0, "min > max accepted");
	CHECK_STR(err.msg, "--min 16 is above --max 15");
	c.min = 3;
	tsp_error_clear(&err);
	CHECK(tsp_decide_config_check(&c, &err) == 0, "good config: %s",
	      err.msg);
}

static void test_capacity(void)
{
	struct tsp_decide_config c = cap_config(200, 1, 100);
	struct tsp_decision d;

	/* 2712.4 / 200 = 13.562: 14 replicas */
	d = once(&c, 2712.4, 10);
	CHECK(d.replicas == 14 && d.action == TSP_ACTION_UP &&
	      d.recommended == 14, "2712.4/200 from 10: %ld", d.replicas);
	CHECK_STR(d.reason, "2712.4 / 200 per replica = 13.56 -> 14");
	/* exactly 3 replicas' worth is 3, not 4 */
	d = once(&c, 600, 3);
	CHECK(d.replicas == 3 && d.action == TSP_ACTION_HOLD, "600/200: %ld",
	      d.replicas);
	/* 0.3 / 0.1 = 2.9999999999999996 and 0.7 / 0.1 = 6.999999999999999
	   in doubles: 3 and 7 */
	c.capacity = 0.1;
	CHECK(once(&c, 0.3, 1).replicas == 3, "0.3/0.1");
	CHECK(once(&c, 0.7, 1).replicas == 7, "0.7/0.1");
	/* 0.1 * 3 = 0.30000000000000004: still 3 */
	CHECK(once(&c, 0.1 * 3, 1).replicas == 3, "0.1*3/0.1");
	/* just over a whole number is the next */
	c.capacity = 100;
	CHECK(once(&c, 300.001, 1).replicas == 4, "300.001/100");
	/* down: 90 / 100 -> 1 */
	d = once(&c, 90, 5);
	CHECK(d.replicas == 1 && d.action == TSP_ACTION_DOWN, "90/100 from 5");
	CHECK_STR(tsp_action_name(d.action), "scale_down");
}

static void test_gates(void)
{
	struct tsp_decide_config c = cap_config(200, 3, 15);
	struct tsp_decision d;

	d = once(&c, 5000, 10);		/* 25 -> 15 */
	CHECK(d.replicas == 15, "5000: %ld", d.replicas);
	CHECK_STR(d.reason, "5000 / 200 per replica = 25 -> 25; capped at "
		  "--max 15");
	d = once(&c, 10, 5);		/* 1 -> 3 */
	CHECK(d.replicas == 3, "10: %ld", d.replicas);
	CHECK_STR(d.reason, "10 / 200 per replica = 0.05 -> 1; raised to "
		  "--min 3");
	d = once(&c, -40, 5);		/* a negative forecast: 0 -> 3 */
	CHECK(d.replicas == 3, "-40: %ld", d.replicas);
	/* a current outside the gates is corrected, even on a hold */
	d = once(&c, NAN, 20);
	CHECK(d.replicas == 15 && d.action == TSP_ACTION_DOWN,
	      "missing load, 20 running: %ld", d.replicas);
	CHECK_STR(d.reason, "missing; capped at --max 15");
	d = once(&c, NAN, 7);
	CHECK(d.replicas == 7 && d.action == TSP_ACTION_HOLD &&
	      d.recommended == -1, "missing load");
	/* a recommendation raised to --min, a current above --max held by
	   the cooldown: both gates speak */
	{
		struct tsp_decide_state s;
		struct tsp_error err;
		struct tsp_decide_config cc = c;
		cc.cooldown = 10 * MIN;
		tsp_decide_state_init(&s);
		tsp_error_clear(&err);
		tsp_decide(&s, &cc, 0, 4000, 20, &d, &err);	/* 20 -> 15 */
		tsp_decide(&s, &cc, 5 * MIN, 100, 20, &d, &err);
		CHECK(d.replicas == 15 && d.action == TSP_ACTION_DOWN,
		      "cooldown vs gates: %ld", d.replicas);
		CHECK_STR(d.reason, "100 / 200 per replica = 0.5 -> 1; raised "
			  "to --min 3; cooldown 10m: last change 5m ago; "
			  "capped at --max 15");
		tsp_decide_state_release(&s);
	}
	/* --max-step does not keep it outside */
	c.max_step = 2;
	d = once(&c, 1000, 20);		/* 5: -2 -> 18, gates -> 15 */
	CHECK(d.replicas == 15, "max-step vs gates: %ld (%s)", d.replicas,
	      d.reason);
}

static void test_thresholds(void)
{
	struct tsp_decide_config c;
	struct tsp_decision d;

	tsp_decide_config_init(&c);
	c.up_above = 2500;
	c.down_below = 50;
	c.min = 3;
	c.max = 15;
	c.down_window = 0;
	d = once(&c, 2600, 5);
	CHECK(d.replicas == 6 && d.action == TSP_ACTION_UP, "2600: %ld",
	      d.replicas);
	CHECK_STR(d.reason, "2600 > 2500: +1 -> 6");
	d = once(&c, 40, 5);
	CHECK(d.replicas == 4 && d.action == TSP_ACTION_DOWN, "40: %ld",
	      d.replicas);
	CHECK_STR(d.reason, "40 < 50: -1 -> 4");
	d = once(&c, 300, 5);
	CHECK(d.replicas == 5 && d.action == TSP_ACTION_HOLD, "300");
	CHECK_STR(d.reason, "300 within 50..2500 -> 5");
	d = once(&c, 2500, 5);		/* "above" is strict */
	CHECK(d.replicas == 5, "2500 is not above 2500");
	d = once(&c, 40, 3);		/* at --min already */
	CHECK(d.replicas == 3 && d.action == TSP_ACTION_HOLD, "40 at min");
	CHECK_STR(d.reason, "40 < 50: -1 -> 2; raised to --min 3");
	/* --max-step is the step */
	c.max_step = 3;
	d = once(&c, 9000, 5);
	CHECK(d.replicas == 8, "step 3: %ld", d.replicas);
	CHECK_STR(d.reason, "9000 > 2500: +3 -> 8");
	/* one rule alone */
	c.max_step = 0;
	c.down_below = NAN;
	d = once(&c, 1, 5);
	CHECK(d.replicas == 5, "no down rule");
	CHECK_STR(d.reason, "1 not above 2500 -> 5");
}

/* Capacity with thresholds: the count moves only outside the band. */
static void test_dead_band(void)
{
	struct tsp_decide_config c = cap_config(200, 1, 50);
	struct tsp_decision d;

	c.up_above = 2500;
	c.down_below = 500;
	d = once(&c, 1000, 3);		/* 5 wanted, not above 2500 */
	CHECK(d.replicas == 3, "band up: %ld", d.replicas);
	CHECK_STR(d.reason, "1000 / 200 per replica = 5 -> 5; not above "
		  "2500: no rise");
	d = once(&c, 1000, 8);		/* 5 wanted, not below 500 */
	CHECK(d.replicas == 8, "band down: %ld", d.replicas);
	d = once(&c, 3000, 3);		/* above: the capacity's 15 */
	CHECK(d.replicas == 15, "above band: %ld", d.replicas);
	d = once(&c, 300, 8);		/* below: 2 */
	CHECK(d.replicas == 2, "below band: %ld", d.replicas);
}

static void test_max_step(void)
{
	struct tsp_decide_config c = cap_config(100, 1, 100);
	struct tsp_decision d;

	c.max_step = 2;
	d = once(&c, 1400, 5);		/* 14, +2 -> 7 */
	CHECK(d.replicas == 7, "up by 2: %ld", d.replicas);
	CHECK_STR(d.reason, "1400 / 100 per replica = 14 -> 14; at most +2 "
		  "a decision -> 7");
	d = once(&c, 100, 5);		/* 1, -2 -> 3 */
	CHECK(d.replicas == 3, "down by 2: %ld", d.replicas);
	/* five decisions climb 5 -> 7 -> 9 -> 11 -> 13 -> 14 */
	{
		double l[] = { 1400, 1400, 1400, 1400, 1400 };
		long w[] = { 7, 9, 11, 13, 14 };
		run("max-step climb", &c, 5, l, w, 5, NULL);
	}
}

static void test_cooldown(void)
{
	struct tsp_decide_config c = cap_config(100, 1, 100);
	/* every 5m; cooldown 12m: after the change at 0m, 5m and 10m
	   hold, 15m may change; then 20m, 25m hold (since 15m), 30m */
	double l[] = { 500, 900, 900, 900, 300, 300, 300 };
	long w[] = { 5, 5, 5, 9, 9, 9, 3 };
	struct tsp_decide_state s;
	struct tsp_decision d;
	struct tsp_error err;

	c.cooldown = 12 * MIN;
	run("cooldown", &c, 2, l, w, 7, NULL);
	/* the reason says how long ago */
	tsp_decide_state_init(&s);
	tsp_error_clear(&err);
	tsp_decide(&s, &c, 0, 500, 2, &d, &err);
	tsp_decide(&s, &c, 5 * MIN, 900, 5, &d, &err);
	CHECK_STR(d.reason, "900 / 100 per replica = 9 -> 9; cooldown 12m: "
		  "last change 5m ago");
	CHECK(d.action == TSP_ACTION_HOLD, "held");
	/* a hold does not restart the cooldown; a time not after is refused */
	CHECK(tsp_decide(&s, &c, 5 * MIN, 900, 5, &d, &err) < 0 &&
	      err.code == TSP_EDATA, "same time twice");
	tsp_decide_state_release(&s);
}

static void test_stabilisation(void)
{
	struct tsp_decide_config c = cap_config(100, 1, 100);
	struct tsp_decide_state s;

	/* window 10m, decisions every 5m: (t - 10m, t] holds this and the
	   previous recommendation */
	c.down_window = 10 * MIN;
	{
		/* recs: 10 4 6 6 2 3: at 5m the 10 of 0m keeps 10; at 10m
		   the window is (0m,10m]: 4, 6 -> 6; at 15m 6, 6 -> 6;
		   at 20m 6, 2 -> 6; at 25m 2, 3 -> 3 */
		double l[] = { 1000, 400, 600, 600, 200, 300 };
		long w[] = { 10, 10, 6, 6, 6, 3 };
		run("stabilisation", &c, 5, l, w, 6, &s);
		/* kept: the history holds 3 (25m) only */
		CHECK(s.nhist == 1 && s.hist[0].replicas == 3,
		      "history %zu", s.nhist);
		tsp_decide_state_release(&s);
	}
	{
		/* a rise is never held back */
		double l[] = { 1000, 200, 1500 };
		long w[] = { 10, 10, 15 };
		run("rise", &c, 5, l, w, 3, NULL);
	}
	{
		struct tsp_decision d;
		struct tsp_error err;
		tsp_decide_state_init(&s);
		tsp_error_clear(&err);
		tsp_decide(&s, &c, 0, 1000, 5, &d, &err);
		tsp_decide(&s, &c, 5 * MIN, 400, 10, &d, &err);
		CHECK_STR(d.reason, "400 / 100 per replica = 4 -> 4; kept 10: "
			  "highest in the last 10m");
		tsp_decide_state_release(&s);
	}
}

/* A load flapping between two levels every decision. */
static void test_flapping(void)
{
	struct tsp_decide_config c = cap_config(100, 1, 100);
	double l[12];
	long w[12], actions = 0, cur = 2;
	struct tsp_decide_state s;
	struct tsp_decision d;
	struct tsp_error err;

	for (int i = 0; i < 12; i++)
		l[i] = i % 2 ? 300 : 800;
	/* without stabilisation the replicas follow: 8 3 8 3 ... */
	for (int i = 0; i < 12; i++)
		w[i] = i % 2 ? 3 : 8;
	run("flapping, no window", &c, 2, l, w, 12, NULL);
	/* a 15m window: up once to 8, then hold */
	c.down_window = 15 * MIN;
	for (int i = 0; i < 12; i++)
		w[i] = 8;
	run("flapping, 15m window", &c, 2, l, w, 12, NULL);
	/* and when it settles low, down once the highs leave the window */
	tsp_decide_state_init(&s);
	tsp_error_clear(&err);
	for (int i = 0; i < 16; i++) {
		double load = i < 12 ? l[i] : 300;
		tsp_decide(&s, &c, i * 5 * MIN, load, cur, &d, &err);
		actions += d.action != TSP_ACTION_HOLD;
		cur = d.replicas;
	}
	/* the last high at 50m; (t - 15m, t] leaves it out from 65m */
	CHECK(actions == 2 && cur == 3, "settled: %ld actions, %ld", actions,
	      cur);
	tsp_decide_state_release(&s);
}

static void test_save_load(void)
{
	struct tsp_decide_config c = cap_config(100, 1, 100);
	double l[] = { 1000, 400, 900, 300, 200, 800, 100, 100, 100, 100 };
	struct tsp_decide_state a, b;
	struct tsp_decision da, db;
	struct tsp_params p;
	struct tsp_error err;
	long ca = 2, cb = 2;
	int same = 1;

	c.down_window = 12 * MIN;
	c.cooldown = 7 * MIN;
	c.max_step = 4;
	tsp_decide_state_init(&a);
	tsp_decide_state_init(&b);
	tsp_params_init(&p);
	tsp_error_clear(&err);
	/* a decides all ten; b saves and reloads before each */
	for (int i = 0; i < 10; i++) {
		struct tsp_decide_state nb;
		tsp_params_clear(&p);
		CHECK(tsp_decide_save(&b, &p, &err) == 0, "save: %s", err.msg);
		tsp_decide_state_init(&nb);
		CHECK(tsp_decide_load(&nb, &c, p.buf, p.len, &err) == 0,
		      "load: %s", err.msg);
		tsp_decide_state_release(&b);
		b = nb;
		tsp_decide(&a, &c, i * 5 * MIN, l[i], ca, &da, &err);
		tsp_decide(&b, &c, i * 5 * MIN, l[i], cb, &db, &err);
		same &= da.replicas == db.replicas &&
			!strcmp(da.reason, db.reason);
		ca = da.replicas;
		cb = db.replicas;
	}
	CHECK(same, "save/load changes decisions");
	/* corrupt entries are refused */
	{
		struct tsp_decide_state x;
		double t[2] = { 600, 2e9 };		/* 2e9 ns */
		double hist[6] = { 0, 0, 5, 60, 0, 7 };	/* ascending r */
		tsp_params_clear(&p);
		tsp_params_nums(&p, "decided", t, 2, &err);
		tsp_params_num(&p, "replicas", 5, &err);
		tsp_params_nums(&p, "history", hist, 0, &err);
		tsp_decide_state_init(&x);
		CHECK(tsp_decide_load(&x, &c, p.buf, p.len, &err) < 0,
		      "nanoseconds 2e9 accepted");
		CHECK_STR(err.msg, "corrupt entry: bad 'decided'");
		tsp_decide_state_release(&x);
		t[1] = 0;
		tsp_params_clear(&p);
		tsp_params_nums(&p, "decided", t, 2, &err);
		tsp_params_num(&p, "replicas", 5, &err);
		tsp_params_nums(&p, "history", hist, 6, &err);
		tsp_decide_state_init(&x);
		CHECK(tsp_decide_load(&x, &c, p.buf, p.len, &err) < 0,
		      "ascending history accepted");
		CHECK_STR(err.msg, "corrupt entry: bad 'history'");
		tsp_decide_state_release(&x);
		tsp_params_clear(&p);
		tsp_params_nums(&p, "decided", t, 2, &err);
		tsp_params_num(&p, "replicas", 2.5, &err);
		tsp_params_nums(&p, "history", hist, 3, &err);
		tsp_decide_state_init(&x);
		CHECK(tsp_decide_load(&x, &c, p.buf, p.len, &err) < 0,
		      "2.5 replicas accepted");
		CHECK_STR(err.msg, "corrupt entry: bad 'replicas'");
		tsp_decide_state_release(&x);
		t[0] = 900;
		tsp_params_clear(&p);
		tsp_params_nums(&p, "changed", t, 2, &err);
		tsp_params_nums(&p, "history", hist, 0, &err);
		tsp_decide_state_init(&x);
		CHECK(tsp_decide_load(&x, &c, p.buf, p.len, &err) < 0,
		      "a change without a decision accepted");
		CHECK_STR(err.msg, "corrupt entry: bad 'changed'");
		tsp_decide_state_release(&x);
		tsp_params_clear(&p);
		tsp_decide_state_init(&x);
		CHECK(tsp_decide_load(&x, &c, p.buf, p.len, &err) < 0,
		      "empty entry accepted");
		CHECK_STR(err.msg, "corrupt entry: no valid 'history'");
		tsp_decide_state_release(&x);
	}
	tsp_params_release(&p);
	tsp_decide_state_release(&a);
	tsp_decide_state_release(&b);
}

static void test_duration(void)
{
	char b[32];

	CHECK_STR(tsp_decide_duration(45 * MIN, b, sizeof(b)), "45m");
	CHECK_STR(tsp_decide_duration(90 * MIN, b, sizeof(b)), "1h30m");
	CHECK_STR(tsp_decide_duration(0, b, sizeof(b)), "0s");
	CHECK_STR(tsp_decide_duration(90 * TSP_NS_PER_SEC, b, sizeof(b)),
		  "1m30s");
	CHECK_STR(tsp_decide_duration(1500 * TSP_NS_PER_MS, b, sizeof(b)),
		  "1.5s");
	CHECK_STR(tsp_decide_duration(8 * 86400 * TSP_NS_PER_SEC, b,
				      sizeof(b)), "1w1d");
	CHECK_STR(tsp_decide_duration(-300 * TSP_NS_PER_SEC, b, sizeof(b)),
		  "-5m");
}

int main(void)
{
	test_config();
	test_capacity();
	test_gates();
	test_thresholds();
	test_dead_band();
	test_max_step();
	test_cooldown();
	test_stabilisation();
	test_flapping();
	test_save_load();
	test_duration();
	return t_done();
}
