/*
 * Unit tests of lib/alarm.c (the alarm rules) and lib/anomeval.c (the
 * evaluation counts), on hand-worked sequences.
 */
#include <math.h>
#include <string.h>

#include "t.h"
#include "tsp_alarm.h"
#include "tsp_anomeval.h"

#define N_ TSP_LEVEL_NORMAL
#define W_ TSP_LEVEL_WEAK
#define S_ TSP_LEVEL_STRONG
#define U_ TSP_LEVEL_UNKNOWN
#define M_ TSP_LEVEL_WARMUP
#define MIN (60 * TSP_NS_PER_SEC)

/* Run levels in[] (one a minute) through the rules; compare with want[]. */
static void run(const char *name, const struct tsp_alarm_config *c,
		const enum tsp_level *in, const enum tsp_level *want, int n,
		const double *value, const double *expected)
{
	struct tsp_alarm a;
	enum tsp_alarm_why why;
	unsigned pending;

	tsp_alarm_init(&a);
	for (int i = 0; i < n; i++) {
		enum tsp_level got = tsp_alarm_apply(&a, c, i * MIN, in[i],
			value ? value[i] : 100, expected ? expected[i] : 0,
			&why, &pending);
		CHECK(got == want[i], "%s: point %d: got %s, want %s", name, i,
		      tsp_level_name(got), tsp_level_name(want[i]));
	}
}

static void test_rules(void)
{
	struct tsp_alarm_config c;

	tsp_alarm_config_init(&c);
	CHECK(!tsp_alarm_config_any(&c), "no rules");
	{
		enum tsp_level in[] = { N_, W_, S_, U_, M_, N_ };
		run("none", &c, in, in, 6, NULL, NULL);
	}
	/* --for 3: the third consecutive point raises; UNKNOWN and WARMUP
	   neither count nor reset. */
	c.for_n = 3;
	{
		enum tsp_level in[] = { W_, W_, N_, W_, U_, S_, W_, W_, N_ };
		enum tsp_level want[] = { N_, N_, N_, N_, U_, N_, W_, W_, N_ };
		run("for", &c, in, want, 9, NULL, NULL);
	}
	/* --m-of-n 3/5 promotes to STRONG. */
	tsp_alarm_config_init(&c);
	c.m = 3;
	c.n = 5;
	{
		enum tsp_level in[] = { W_, N_, W_, N_, W_, N_, N_, N_, W_ };
		enum tsp_level want[] = { W_, N_, W_, N_, S_, N_, N_, N_, W_ };
		run("m-of-n", &c, in, want, 9, NULL, NULL);
	}
	/* --cooldown 5m: one alarm per episode; a new episode within 5
	   minutes of the last alarm stays quiet; STRONG escalates a WEAK. */
	tsp_alarm_config_init(&c);
	c.cooldown = 5 * MIN;
	{
		enum tsp_level in[] = { W_, W_, N_, W_, S_, S_, N_, N_, N_, N_,
					N_, W_, U_, W_ };
		enum tsp_level want[] = { W_, N_, N_, N_, S_, N_, N_, N_, N_,
					  N_, N_, W_, U_, N_ };
		run("cooldown", &c, in, want, 14, NULL, NULL);
	}
	/* Floors. */
	tsp_alarm_config_init(&c);
	c.min_value = 10;
	{
		enum tsp_level in[] = { S_, S_, S_ };
		enum tsp_level want[] = { N_, S_, S_ };
		double v[] = { 6, 12, 4 }, e[] = { 4, 4, 40 };
		run("min-value", &c, in, want, 3, v, e);
	}
	tsp_alarm_config_init(&c);
	c.min_delta = 5;
	{
		enum tsp_level in[] = { S_, S_, W_ };
		enum tsp_level want[] = { N_, S_, W_ };
		double v[] = { 6, 12, 4 }, e[] = { 4, 4, -1 };
		run("min-delta", &c, in, want, 3, v, e);
	}
	/* Hours: 23:00-01:00 UTC wraps midnight. */
	tsp_alarm_config_init(&c);
	c.hour_from = 23;
	c.hour_to = 1;
	{
		struct tsp_alarm a;
		enum tsp_alarm_why why;
		unsigned p;
		tsp_time_t h = 3600 * TSP_NS_PER_SEC;
		int want[24] = { 0 };
		want[23] = want[0] = 1;
		tsp_alarm_init(&a);
		for (int i = 0; i < 24; i++) {
			enum tsp_level l = tsp_alarm_apply(&a, &c, i * h, S_, 1,
							   0, &why, &p);
			CHECK((l == S_) == want[i], "hours: hour %d", i);
			CHECK(want[i] || why == TSP_ALARM_HOURS, "why hours");
		}
	}
}

static void test_save(void)
{
	struct tsp_alarm_config c;
	struct tsp_alarm a, b;
	struct tsp_params p;
	struct tsp_error err;
	enum tsp_alarm_why why;
	unsigned pend;

	tsp_alarm_config_init(&c);
	c.cooldown = 5 * MIN;
	c.m = 2;
	c.n = 40;
	tsp_alarm_init(&a);
	for (int i = 0; i < 50; i++)
		tsp_alarm_apply(&a, &c, (tsp_time_t)1700000000 *
				TSP_NS_PER_SEC + i * MIN + 123,
				i % 7 ? N_ : W_, 1, 0, &why, &pend);
	tsp_params_init(&p);
	tsp_error_clear(&err);
	CHECK(tsp_alarm_save(&a, "x.", &p, &err) == 0, "save");
	CHECK(tsp_alarm_load(&b, "x.", p.buf, p.len, &err) == 0, "load: %s",
	      err.msg);
	CHECK(memcmp(&a, &b, sizeof(a)) == 0, "state round trip");
	CHECK(tsp_alarm_load(&b, "y.", p.buf, p.len, &err) < 0 &&
	      strstr(err.msg, "corrupt entry"), "missing item");
	tsp_params_clear(&p);
	{
		double bad[7] = { 0, 0, 0, 0, 0, 7, 0 };
		tsp_params_nums(&p, "alarm", bad, 7, &err);
		CHECK(tsp_alarm_load(&b, "", p.buf, p.len, &err) < 0,
		      "bad flag");
	}
	tsp_params_release(&p);
}

static void test_eval(void)
{
	/* Labels  0 1 1 1 0 0 1 1 0 0 0 0
	   levels  N N W N N W N N U N W W  (U = missing)
	   events: [1..3] found after 1 point, [6..7] missed
	   alarms: {2} true, {5} false, {10,11} false
	   points: tp 1, fp 3, fn 4, tn 3 (the UNKNOWN not counted) */
	int lab[] = { 0, 1, 1, 1, 0, 0, 1, 1, 0, 0, 0, 0 };
	enum tsp_level lv[] = { N_, N_, W_, N_, N_, W_, N_, N_, U_, N_, W_,
				S_ };
	struct tsp_anomeval e;
	struct tsp_anomeval_run r;
	struct tsp_anomeval_figures f;

	memset(&e, 0, sizeof(e));
	memset(&r, 0, sizeof(r));
	for (int i = 0; i < 12; i++)
		tsp_anomeval_point(&e, &r, i * MIN, lab[i], lv[i]);
	tsp_anomeval_end(&e, &r);
	CHECK(e.tp == 1 && e.fp == 3 && e.fn == 4 && e.tn == 3,
	      "points %ld %ld %ld %ld", e.tp, e.fp, e.fn, e.tn);
	CHECK(e.events == 2 && e.detected == 1, "events");
	CHECK(e.alarms == 3 && e.true_alarms == 1, "alarms %ld %ld", e.alarms,
	      e.true_alarms);
	tsp_anomeval_figures(&e, &f);
	CHECK(fabs(f.precision - 0.25) < 1e-15, "P");
	CHECK(fabs(f.recall - 0.2) < 1e-15, "R");
	CHECK(fabs(f.f1 - 2 * 0.25 * 0.2 / 0.45) < 1e-15, "F1");
	CHECK(fabs(f.event_precision - 1.0 / 3) < 1e-15, "event P");
	CHECK(fabs(f.event_recall - 0.5) < 1e-15, "event R");
	CHECK(fabs(f.delay_points - 1) < 1e-15 && fabs(f.delay_seconds - 60)
	      < 1e-9, "delay");
}

int main(void)
{
	test_rules();
	test_save();
	test_eval();
	return t_done();
}
