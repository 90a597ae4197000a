/* Unit tests of lib/deseason.c and lib/scale.c: models to and from the
 * store's parameters, phases, labels, corrupt entries. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "t.h"
#include "tsp_deseason.h"
#include "tsp_scale.h"

#define S TSP_NS_PER_SEC

static void test_labels(void)
{
	char b[32];

	tsp_ds_label(86400 * S, b, sizeof(b));
	CHECK_STR(b, "1d");
	tsp_ds_label(7 * 86400 * S, b, sizeof(b));
	CHECK_STR(b, "1w");
	tsp_ds_label(90 * 60 * S, b, sizeof(b));
	CHECK_STR(b, "90m");
	tsp_ds_label(1500 * TSP_NS_PER_MS, b, sizeof(b));
	CHECK_STR(b, "1500ms");
}

static void test_model(void)
{
	struct tsp_ds_model m, back;
	struct tsp_params p;
	struct tsp_error err;
	double each[2];

	memset(&m, 0, sizeof(m));
	m.method = TSP_DS_MSTL;
	m.step = 3600 * S;
	m.np = 2;
	m.dur[0] = 86400 * S;
	m.dur[1] = 7 * 86400 * S;
	m.phase[0] = calloc(24, sizeof(double));
	m.phase[1] = calloc(168, sizeof(double));
	for (int i = 0; i < 24; i++)
		m.phase[0][i] = i;
	for (int i = 0; i < 168; i++)
		m.phase[1][i] = 1000 * i;
	/* 1970-01-01 was a Thursday: phase 0 of the week is then. */
	CHECK(tsp_ds_model_at(&m, 5 * 3600 * S, each) == 5 + 5000,
	      "phase at 05:00");
	CHECK(each[0] == 5 && each[1] == 5000, "each");
	/* Before the epoch: phases count down from the end. */
	CHECK(tsp_ds_model_at(&m, -3600 * S, each) == 23 + 167000,
	      "phase before 1970");
	/* Inside a step: the step's phase. */
	CHECK(tsp_ds_model_at(&m, 5 * 3600 * S + 59 * 60 * S, NULL) == 5005,
	      "inside a step");

	tsp_params_init(&p);
	tsp_error_clear(&err);
	CHECK(tsp_ds_model_save(&m, &p, &err) == 0, "save");
	CHECK(tsp_ds_model_load(&back, p.buf, p.len, &err) == 0, "load: %s",
	      err.msg);
	CHECK(back.np == 2 && back.step == m.step && back.dur[1] == m.dur[1],
	      "shape kept");
	CHECK(tsp_ds_model_at(&back, 123456 * S, NULL) ==
	      tsp_ds_model_at(&m, 123456 * S, NULL), "same pattern");
	tsp_ds_model_release(&back);

	/* A corrupt entry: phases missing, a period not a whole number of
	 * steps, wrong types. */
	{
		struct tsp_params q;
		double per[1] = { 5400 }, ph[3] = { 1, 2, 3 };
		tsp_params_init(&q);
		tsp_params_str(&q, "method", "stl", &err);
		tsp_params_num(&q, "step", 3600, &err);
		tsp_params_nums(&q, "periods", per, 1, &err);
		tsp_params_nums(&q, "phases", ph, 3, &err);
		CHECK(tsp_ds_model_load(&back, q.buf, q.len, &err) == -1 &&
		      err.code == TSP_EDATA, "90m period on 1h steps refused");
		tsp_params_clear(&q);
		per[0] = 10800;
		tsp_params_str(&q, "method", "stl", &err);
		tsp_params_num(&q, "step", 3600, &err);
		tsp_params_nums(&q, "periods", per, 1, &err);
		tsp_params_nums(&q, "phases", ph, 2, &err);
		CHECK(tsp_ds_model_load(&back, q.buf, q.len, &err) == -1,
		      "phase count mismatch refused");
		tsp_params_clear(&q);
		tsp_params_str(&q, "method", "x11", &err);
		CHECK(tsp_ds_model_load(&back, q.buf, q.len, &err) == -1,
		      "unknown method refused");
		CHECK(tsp_ds_model_load(&back, (const unsigned char *)"\x07",
					1, &err) == -1, "garbage refused");
		tsp_params_release(&q);
	}
	tsp_params_release(&p);
	tsp_ds_model_release(&m);
}

static void test_scale(void)
{
	struct tsp_scale_opts o;
	struct tsp_scale_fit f;
	struct tsp_scale s, back;
	struct tsp_params p;
	struct tsp_error err;
	double y, x;

	tsp_scale_opts_default(&o);
	o.method = TSP_SCALE_DIFF;
	o.lag = 3;
	memset(&f, 0, sizeof(f));
	for (int i = 1; i <= 7; i++)
		tsp_scale_fit_add(&f, &o, i * 10, i * 60, &err);
	CHECK(tsp_scale_fit_finish(&f, &o, &s, &err) == 0, "diff fit");
	CHECK(s.ntail == 3 && s.tail[0] == 50 && s.tail[2] == 70 &&
	      s.tail_time == 420, "tail oldest first");
	tsp_params_init(&p);
	CHECK(tsp_scale_save(&o, &s, &p, &err) == 0, "save");
	CHECK(tsp_scale_load(&o, p.buf, p.len, &back, &err) == 0, "load");
	CHECK(back.ntail == 3 && back.tail[1] == 60 && back.lag == 3, "tail back");
	tsp_scale_release(&back);
	/* The entry of another method is refused. */
	o.method = TSP_SCALE_ZSCORE;
	CHECK(tsp_scale_load(&o, p.buf, p.len, &back, &err) == -1 &&
	      strstr(err.msg, "not zscore") != NULL, "wrong method: %s",
	      err.msg);
	tsp_scale_release(&s);

	/* A constant series: centred, scale 1, and an impossible scale in a
	 * store is refused rather than divided by. */
	memset(&f, 0, sizeof(f));
	for (int i = 0; i < 4; i++)
		tsp_scale_fit_add(&f, &o, 5, i, &err);
	tsp_scale_fit_finish(&f, &o, &s, &err);
	CHECK(s.constant && s.scale == 1 && s.center == 5, "constant");
	CHECK(tsp_scale_forward(&o, &s, 7, &y) == 0 && y == 2, "centred");
	tsp_params_clear(&p);
	tsp_params_str(&p, "method", "zscore", &err);
	tsp_params_num(&p, "n", 4, &err);
	tsp_params_num(&p, "mean", 1, &err);
	tsp_params_num(&p, "sd", 0, &err);
	CHECK(tsp_scale_load(&o, p.buf, p.len, &back, &err) == -1,
	      "sd 0 refused");
	/* Box-Cox domain and exact inverse. */
	o.method = TSP_SCALE_BOXCOX;
	s.lambda = -0.5;
	CHECK(tsp_scale_forward(&o, &s, -1, &y) == -1, "lambda < 0, x < 0");
	CHECK(tsp_scale_forward(&o, &s, 3, &y) == 0 &&
	      tsp_scale_inverse(&o, &s, y, &x) == 0 &&
	      fabs(x - 3) < 1e-14, "round trip");
	CHECK(tsp_scale_inverse(&o, &s, 2.5, &x) == -1, "inverse range");
	tsp_params_release(&p);
}

int main(void)
{
	test_labels();
	test_model();
	test_scale();
	return t_done();
}
