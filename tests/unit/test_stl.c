/*
 * STL and MSTL: the decompositions R computes (ref_stl.h, written by
 * scripts/gen-stl-fixtures), missing values, errors, edge cases.
 */
#include <limits.h>
#include <math.h>
#include <stdlib.h>

#include "t.h"
#include "ref_stl.h"
#include "tsp_stl.h"

#define TOL 1e-6
#define NREF(a) (sizeof(a) / sizeof((a)[0]))

static double max_diff(const double *a, const double *b, size_t n)
{
	double m = 0.0;

	for (size_t i = 0; i < n; i++) {
		double d = fabs(a[i] - b[i]);
		if (isnan(d))
			return NAN;
		m = fmax(m, d);
	}
	return m;
}

static int all_finite(const double *a, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (!isfinite(a[i]))
			return 0;
	return 1;
}

static void stl_opts_of(const struct ref_stl_case *c, struct tsp_stl_opts *o)
{
	tsp_stl_opts_default(o, c->period);
	tsp_stl_set_robust(o, c->robust);
	o->s_window = c->s_window;
	o->s_degree = c->s_degree;
	o->t_window = c->t_window;
	o->t_degree = c->t_degree;
	o->l_window = c->l_window;
	o->l_degree = c->l_degree;
	o->s_jump = c->s_jump;
	o->t_jump = c->t_jump;
	o->l_jump = c->l_jump;
	if (c->inner) {
		o->inner = c->inner;
		o->outer = c->outer;
	}
}

static void check_stl_refs(void)
{
	for (size_t k = 0; k < NREF(ref_stl_cases); k++) {
		const struct ref_stl_case *c = &ref_stl_cases[k];
		struct tsp_stl_opts o;
		struct tsp_error err;
		double *s = malloc(c->n * sizeof(double));
		double *t = malloc(c->n * sizeof(double));
		double ds, dt;
		int rc;

		stl_opts_of(c, &o);
		tsp_error_clear(&err);
		rc = tsp_stl(c->y, c->n, &o, s, t, &err);
		CHECK(rc == 0, "stl %s: %s", c->name, err.msg);
		ds = max_diff(s, c->seasonal, c->n);
		dt = max_diff(t, c->trend, c->n);
		printf("# stl %-22s seasonal %.2g trend %.2g\n", c->name, ds, dt);
		CHECK(ds < TOL, "stl %s: seasonal differs from R by %g", c->name, ds);
		CHECK(dt < TOL, "stl %s: trend differs from R by %g", c->name, dt);
		free(s);
		free(t);
	}
}

static void mstl_opts_of(const struct ref_mstl_case *c,
			 struct tsp_mstl_opts *o)
{
	tsp_mstl_opts_default(o);
	o->np = c->np;
	for (size_t i = 0; i < c->np; i++) {
		o->period[i] = c->period[i];
		o->s_window[i] = c->s_window[i];
	}
	o->iterate = c->iterate;
	o->robust = c->robust;
}

static void check_mstl_refs(void)
{
	for (size_t k = 0; k < NREF(ref_mstl_cases); k++) {
		const struct ref_mstl_case *c = &ref_mstl_cases[k];
		struct tsp_mstl_opts o;
		struct tsp_error err;
		size_t n = c->n;
		double *t = malloc(n * sizeof(double));
		double *r = malloc(n * sizeof(double));
		double *s = malloc(c->np * n * sizeof(double));
		double dt, sum = 0.0;
		int used[TSP_MSTL_MAXP], rc;

		mstl_opts_of(c, &o);
		tsp_error_clear(&err);
		rc = tsp_mstl(c->y, n, &o, t, s, r, used, &err);
		CHECK(rc == 0, "mstl %s: %s", c->name, err.msg);
		dt = max_diff(t, c->trend, n);
		printf("# mstl %-21s trend %.2g", c->name, dt);
		CHECK(dt < TOL, "mstl %s: trend differs from R by %g", c->name, dt);
		for (size_t i = 0; i < c->np; i++) {
			double ds = max_diff(s + i * n, c->seasonal[i], n);
			printf(" seasonal%zu %.2g", c->period[i], ds);
			CHECK(ds < TOL, "mstl %s: seasonal %zu differs from R by %g",
			      c->name, c->period[i], ds);
			CHECK(used[i] == c->used[i], "mstl %s: used[%zu] %d",
			      c->name, i, used[i]);
		}
		printf("\n");
		/* the parts add up to the (filled) series */
		for (size_t j = 0; j < n; j++) {
			double v = t[j] + r[j];
			for (size_t i = 0; i < c->np; i++)
				v += s[i * n + j];
			if (!isnan(c->y[j]))
				sum = fmax(sum, fabs(v - c->y[j]));
		}
		CHECK(sum < 1e-9, "mstl %s: parts add up to y +- %g", c->name, sum);
		CHECK(all_finite(t, n) && all_finite(r, n) &&
		      all_finite(s, c->np * n), "mstl %s: non-finite output",
		      c->name);
		free(t);
		free(r);
		free(s);
	}
}

/* A seasonal series with noise, n points, period p. */
static double *series(size_t n, size_t p, unsigned seed)
{
	double *y = malloc(n * sizeof(double));

	srand(seed);
	for (size_t i = 0; i < n; i++)
		y[i] = 50.0 + 0.02 * (double)i +
		       8.0 * sin(6.283185307179586 * (double)i / (double)p) +
		       ((double)rand() / RAND_MAX - 0.5);
	return y;
}

/* Gaps: results stay finite and near those of the complete series. */
static void check_missing(void)
{
	const size_t n = 600, p = 24;
	double *y = series(n, p, 7), *g = malloc(n * sizeof(double));
	double *s0 = malloc(n * sizeof(double)), *t0 = malloc(n * sizeof(double));
	double *s1 = malloc(n * sizeof(double)), *t1 = malloc(n * sizeof(double));
	double *r = malloc(n * sizeof(double));
	const size_t gaps[] = {0, 1, 40, 41, 42, 43, 44, 45, 46, 300, 301, 450,
			       598, 599};
	struct tsp_stl_opts o;
	struct tsp_mstl_opts mo;
	struct tsp_error err;
	double ds, dt;

	memcpy(g, y, n * sizeof(double));
	for (size_t i = 0; i < NREF(gaps); i++)
		g[gaps[i]] = NAN;
	tsp_stl_opts_default(&o, p);
	o.s_window = 13;
	CHECK(tsp_stl(y, n, &o, s0, t0, &err) == 0, "%s", err.msg);
	CHECK(tsp_stl(g, n, &o, s1, t1, &err) == 0, "%s", err.msg);
	CHECK(all_finite(s1, n) && all_finite(t1, n), "stl gaps: non-finite");
	ds = max_diff(s0, s1, n);
	dt = max_diff(t0, t1, n);
	CHECK(ds < 0.5 && dt < 0.5, "stl gaps: seasonal %g trend %g apart",
	      ds, dt);

	tsp_mstl_opts_default(&mo);
	mo.np = 1;
	mo.period[0] = p;
	CHECK(tsp_mstl(y, n, &mo, t0, s0, r, NULL, &err) == 0, "%s", err.msg);
	CHECK(tsp_mstl(g, n, &mo, t1, s1, r, NULL, &err) == 0, "%s", err.msg);
	CHECK(all_finite(s1, n) && all_finite(t1, n) && all_finite(r, n),
	      "mstl gaps: non-finite");
	ds = max_diff(s0, s1, n);
	dt = max_diff(t0, t1, n);
	CHECK(ds < 0.5 && dt < 0.5, "mstl gaps: seasonal %g trend %g apart",
	      ds, dt);
	/* the filled values (the parts' sum) are near the ones taken out */
	ds = 0.0;
	for (size_t i = 0; i < NREF(gaps); i++) {
		size_t j = gaps[i];
		ds = fmax(ds, fabs(t1[j] + s1[j] + r[j] - y[j]));
	}
	CHECK(ds < 1.5, "mstl gaps: filled values %g off", ds);

	/* two points are enough (linear), one is not */
	for (size_t i = 0; i < n; i++)
		g[i] = i == 3 || i == 500 ? y[i] : NAN;
	CHECK(tsp_stl(g, n, &o, s1, t1, &err) == 0, "%s", err.msg);
	CHECK(all_finite(s1, n) && all_finite(t1, n), "two points: non-finite");
	g[3] = NAN;
	tsp_error_clear(&err);
	CHECK(tsp_stl(g, n, &o, s1, t1, &err) == -1 && err.code == TSP_EDATA,
	      "one point accepted");
	CHECK_STR(err.msg, "series has 1 non-missing value (needs at least 2)");
	g[500] = NAN;
	CHECK(tsp_mstl(g, n, &mo, t1, s1, r, NULL, &err) == -1, "all missing");
	CHECK_STR(err.msg, "series has 0 non-missing values (needs at least 2)");

	memcpy(g, y, n * sizeof(double));
	g[77] = -INFINITY;
	CHECK(tsp_stl(g, n, &o, s1, t1, &err) == -1 && err.code == TSP_EDATA,
	      "-Inf accepted");
	CHECK_STR(err.msg, "non-finite value -Inf at point 78");
	free(y);
	free(g);
	free(s0);
	free(t0);
	free(s1);
	free(t1);
	free(r);
}

static void expect_stl_error(const struct tsp_stl_opts *o, size_t n,
			     enum tsp_errcode code, const char *want)
{
	double *y = series(n ? n : 1, 12, 3), *s = malloc(n * 8 + 8),
	       *t = malloc(n * 8 + 8);
	struct tsp_error err;

	tsp_error_clear(&err);
	CHECK(tsp_stl(y, n, o, s, t, &err) == -1 && err.code == code,
	      "want error '%s' (code %d), got code %d '%s'", want, code,
	      err.code, err.msg);
	CHECK_STR(err.msg, want);
	free(y);
	free(s);
	free(t);
}

static void check_errors(void)
{
	struct tsp_stl_opts o, b;
	struct tsp_mstl_opts mo;
	struct tsp_error err;
	double *y = series(300, 24, 1), t[300], s[3 * 300], r[300];
	int used[3] = {9, 9, 9};
	char msg[100];

	tsp_stl_opts_default(&o, 12);
	CHECK(tsp_stl(y, 25, &o, s, t, &err) == 0, "n = 2p+1: %s", err.msg);
	expect_stl_error(&o, 24, TSP_EDATA,
			 "series of 24 points is too short for period 12 (needs more than 24)");
	expect_stl_error(&o, 0, TSP_EDATA,
			 "series of 0 points is too short for period 12 (needs more than 24)");
	b = o, b.period = 1;
	expect_stl_error(&b, 100, TSP_EUSAGE, "period must be at least 2, not 1");
	b = o, b.s_window = 1;
	expect_stl_error(&b, 100, TSP_EUSAGE,
			 "seasonal window must be at least 3, not 1");
	b = o, b.s_window = -7;
	expect_stl_error(&b, 100, TSP_EUSAGE,
			 "seasonal window must be at least 3, not -7");
	b = o, b.t_window = 2;
	expect_stl_error(&b, 100, TSP_EUSAGE,
			 "trend window must be at least 3, not 2");
	b = o, b.l_window = LONG_MAX;
	snprintf(msg, sizeof(msg), "low-pass window %ld is too large", LONG_MAX);
	expect_stl_error(&b, 100, TSP_EUSAGE, msg);
	b = o, b.s_degree = 2;
	expect_stl_error(&b, 100, TSP_EUSAGE,
			 "seasonal degree must be 0 or 1, not 2");
	b = o, b.l_degree = -1;
	expect_stl_error(&b, 100, TSP_EUSAGE,
			 "low-pass degree must be 0 or 1, not -1");
	b = o, b.t_jump = -1;
	expect_stl_error(&b, 100, TSP_EUSAGE, "jumps must not be negative");
	b = o, b.inner = 0;
	expect_stl_error(&b, 100, TSP_EUSAGE,
			 "number of inner loops must be at least 1, not 0");
	b = o, b.outer = -1;
	expect_stl_error(&b, 100, TSP_EUSAGE,
			 "number of outer loops must not be negative, not -1");

	tsp_mstl_opts_default(&mo);
	CHECK(tsp_mstl(y, 300, &mo, t, s, r, NULL, &err) == -1 &&
	      err.code == TSP_EUSAGE, "np 0 accepted");
	CHECK_STR(err.msg, "number of periods must be 1 to 8, not 0");
	mo.np = 2;
	mo.period[0] = 24;
	mo.period[1] = 1;
	CHECK(tsp_mstl(y, 300, &mo, t, s, r, NULL, &err) == -1, "period 1");
	CHECK_STR(err.msg, "period must be at least 2, not 1");
	mo.period[1] = 12;
	mo.s_window[1] = 2;
	CHECK(tsp_mstl(y, 300, &mo, t, s, r, NULL, &err) == -1, "window 2");
	CHECK_STR(err.msg, "seasonal window must be at least 3, not 2");
	mo.s_window[1] = 0;
	mo.iterate = 0;
	CHECK(tsp_mstl(y, 300, &mo, t, s, r, NULL, &err) == -1, "iterate 0");
	CHECK_STR(err.msg, "iterate must be at least 1, not 0");
	mo.iterate = 2;
	y[299] = INFINITY;
	CHECK(tsp_mstl(y, 300, &mo, t, s, r, NULL, &err) == -1 &&
	      err.code == TSP_EDATA, "Inf accepted");
	CHECK_STR(err.msg, "non-finite value Inf at point 300");
	y[299] = 50.0;

	/* every period dropped; then all but one */
	mo.np = 3;
	mo.period[0] = 168;
	mo.period[1] = 150;
	mo.period[2] = 200;
	CHECK(tsp_mstl(y, 300, &mo, t, s, r, used, &err) == -1 &&
	      err.code == TSP_EDATA, "all periods dropped");
	CHECK_STR(err.msg, "series of 300 points is too short for any of the periods (needs more than 300)");
	mo.period[1] = 24;
	for (size_t i = 0; i < 900; i++)
		s[i] = NAN;
	CHECK(tsp_mstl(y, 300, &mo, t, s, r, used, &err) == 0, "%s", err.msg);
	CHECK(used[0] == 0 && used[1] == 1 && used[2] == 0,
	      "used %d %d %d", used[0], used[1], used[2]);
	CHECK(max_diff(s, s + 600, 300) == 0.0 && s[0] == 0.0 &&
	      all_finite(s + 300, 300), "dropped seasonal not zero");
	free(y);
}

/* Constant series: no seasonal, a flat trend, also when robust. */
static void check_constant(void)
{
	const size_t n = 100;
	double y[100], s[3 * 100], t[100], r[100], zero[3 * 100] = {0};
	struct tsp_stl_opts o;
	struct tsp_mstl_opts mo;
	struct tsp_error err;

	for (size_t i = 0; i < n; i++)
		y[i] = 42.5;
	for (int robust = 0; robust < 2; robust++) {
		for (long sw = 0; sw <= 7; sw += 7) {
			tsp_stl_opts_default(&o, 7);
			tsp_stl_set_robust(&o, robust);
			o.s_window = sw;
			CHECK(tsp_stl(y, n, &o, s, t, &err) == 0, "%s", err.msg);
			CHECK(max_diff(s, zero, n) < 1e-10 &&
			      max_diff(t, y, n) < 1e-10,
			      "constant stl (robust %d, s_window %ld)", robust, sw);
		}
		tsp_mstl_opts_default(&mo);
		mo.np = 2;
		mo.period[0] = 12;
		mo.period[1] = 5;
		mo.robust = robust;
		CHECK(tsp_mstl(y, n, &mo, t, s, r, NULL, &err) == 0, "%s", err.msg);
		CHECK(max_diff(s, zero, 2 * n) < 1e-10 &&
		      max_diff(t, y, n) < 1e-10 && max_diff(r, zero, n) < 1e-10,
		      "constant mstl (robust %d)", robust);
	}
}

/* The same input gives the same bits; the input is not touched. */
static void check_determinism(void)
{
	const struct ref_mstl_case *c = &ref_mstl_cases[0];
	size_t n = c->n;
	double *a = malloc(4 * n * sizeof(double));
	double *b = malloc(4 * n * sizeof(double));
	double *y = malloc(n * sizeof(double));
	struct tsp_mstl_opts o;
	struct tsp_stl_opts so;
	struct tsp_error err;

	memcpy(y, c->y, n * sizeof(double));
	y[10] = NAN;
	mstl_opts_of(c, &o);
	o.robust = 1;
	CHECK(tsp_mstl(y, n, &o, a, a + n, a + 3 * n, NULL, &err) == 0,
	      "%s", err.msg);
	CHECK(tsp_mstl(y, n, &o, b, b + n, b + 3 * n, NULL, &err) == 0,
	      "%s", err.msg);
	CHECK(memcmp(a, b, 4 * n * sizeof(double)) == 0,
	      "mstl not deterministic");
	tsp_stl_opts_default(&so, 24);
	tsp_stl_set_robust(&so, 1);
	CHECK(tsp_stl(y, n, &so, a, a + n, &err) == 0, "%s", err.msg);
	CHECK(tsp_stl(y, n, &so, b, b + n, &err) == 0, "%s", err.msg);
	CHECK(memcmp(a, b, 2 * n * sizeof(double)) == 0, "stl not deterministic");
	CHECK(isnan(y[10]) && memcmp(y, c->y, 10 * sizeof(double)) == 0 &&
	      memcmp(y + 11, c->y + 11, (n - 11) * sizeof(double)) == 0,
	      "input modified");
	free(a);
	free(b);
	free(y);
}

int main(void)
{
	check_stl_refs();
	check_mstl_refs();
	check_missing();
	check_errors();
	check_constant();
	check_determinism();
	return t_done();
}
