/*
 * Missing-value filling (forecast::na.interp): the linear path and its
 * ends, the seasonal path against tsp_mstl()'s own fill, the fallback
 * to linear interpolation, errors.  The numbers against R are checked
 * through tsp_stl() and tsp_mstl() in test_stl.c.
 */
#include <math.h>
#include <stdlib.h>

#include "t.h"
#include "tsp_nainterp.h"
#include "tsp_stl.h"

#define NELEM(a) (sizeof(a) / sizeof((a)[0]))

static int same_bits(const double *a, const double *b, size_t n)
{
	return memcmp(a, b, n * sizeof(double)) == 0;
}

static int all_finite(const double *a, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (!isfinite(a[i]))
			return 0;
	return 1;
}

/* Non-seasonal: linear between values, the nearest value beyond them. */
static void check_linear(void)
{
	double y[] = {NAN, NAN, 1.0, NAN, NAN, 4.0, 5.0, NAN, 3.0, NAN};
	const double want[] = {1, 1, 1, 2, 3, 4, 5, 4, 3, 3};
	double full[] = {1.5, -2.0, 3.25}, copy[3];
	struct tsp_error err;
	size_t p = 4;

	tsp_error_clear(&err);
	CHECK(tsp_nainterp(y, NELEM(y), NULL, 0, &err) == 0, "%s", err.msg);
	CHECK(same_bits(y, want, NELEM(y)), "linear: %g %g %g %g %g %g %g %g %g %g",
	      y[0], y[1], y[2], y[3], y[4], y[5], y[6], y[7], y[8], y[9]);

	/* a period, but no more than 2 * period values: linear too */
	double z[] = {NAN, NAN, 1.0, NAN, NAN, 4.0, 5.0, NAN, 3.0, NAN};
	CHECK(tsp_nainterp(z, NELEM(z), &p, 1, &err) == 0, "%s", err.msg);
	CHECK(same_bits(z, want, NELEM(z)), "period 4, 4 values: not linear");

	/* two values are enough; nothing missing: untouched */
	double two[] = {NAN, 2.0, NAN, NAN, NAN, 6.0, NAN};
	const double two_want[] = {2, 2, 3, 4, 5, 6, 6};
	CHECK(tsp_nainterp(two, NELEM(two), NULL, 0, &err) == 0, "%s", err.msg);
	CHECK(same_bits(two, two_want, NELEM(two)), "two values");
	memcpy(copy, full, sizeof(full));
	CHECK(tsp_nainterp(full, 3, &p, 1, &err) == 0 &&
	      same_bits(full, copy, 3), "complete series changed");
}

/* A noisy sine of period p, plus a slower one of period q if q. */
static double *series(size_t n, size_t p, size_t q, unsigned seed)
{
	double *y = malloc(n * sizeof(double));

	srand(seed);
	for (size_t i = 0; i < n; i++)
		y[i] = 50.0 + 0.02 * (double)i +
		       8.0 * sin(6.283185307179586 * (double)i / (double)p) +
		       (q ? 5.0 * cos(6.283185307179586 * (double)i /
				      (double)q) : 0.0) +
		       ((double)rand() / RAND_MAX - 0.5);
	return y;
}

/*
 * Seasonal: the values tsp_mstl() decomposes (trend + seasonals +
 * remainder) are this fill; the known values are kept; the gap at a
 * peak of the sine is filled near the truth, where a line would not be.
 */
static void check_seasonal(void)
{
	const size_t n = 600, p = 24, q = 168;
	const size_t gaps[] = {0, 1, 2, 100, 101, 102, 103, 104, 105, 106,
			       307, 450, 597, 598, 599};
	double *y = series(n, p, q, 11), *g = malloc(n * sizeof(double));
	double *h = malloc(n * sizeof(double)), *lin = malloc(n * sizeof(double));
	double *t = malloc(n * sizeof(double)), *r = malloc(n * sizeof(double));
	double *s = malloc(2 * n * sizeof(double));
	double dm = 0.0, dt = 0.0, dl = 0.0;
	size_t per[2] = {q, p}, rev[2] = {p, q};
	struct tsp_mstl_opts mo;
	struct tsp_error err;
	int kept = 1;

	memcpy(g, y, n * sizeof(double));
	for (size_t i = 0; i < NELEM(gaps); i++)
		g[gaps[i]] = NAN;
	memcpy(h, g, n * sizeof(double));
	memcpy(lin, g, n * sizeof(double));
	tsp_error_clear(&err);
	CHECK(tsp_nainterp(h, n, per, 2, &err) == 0, "%s", err.msg);
	CHECK(all_finite(h, n), "seasonal fill: non-finite");
	CHECK(tsp_nainterp(lin, n, NULL, 0, &err) == 0, "%s", err.msg);

	tsp_mstl_opts_default(&mo);
	mo.np = 2;
	mo.period[0] = q;
	mo.period[1] = p;
	CHECK(tsp_mstl(g, n, &mo, t, s, r, NULL, &err) == 0, "%s", err.msg);
	for (size_t i = 0; i < n; i++) {
		dm = fmax(dm, fabs(t[i] + s[i] + s[n + i] + r[i] - h[i]));
		if (!isnan(g[i]))
			kept &= h[i] == g[i];
	}
	for (size_t i = 0; i < NELEM(gaps); i++) {
		dt = fmax(dt, fabs(h[gaps[i]] - y[gaps[i]]));
		dl = fmax(dl, fabs(lin[gaps[i]] - y[gaps[i]]));
	}
	printf("# seasonal fill: %.2g from tsp_mstl's, %.2g from the truth (linear %.2g)\n",
	       dm, dt, dl);
	CHECK(dm < 1e-9, "seasonal fill: %g from tsp_mstl's", dm);
	CHECK(kept, "seasonal fill: a known value changed");
	CHECK(dt < 1.5 && dl > 3.0, "seasonal fill: %g off (linear %g)", dt, dl);

	/* the periods' order does not matter */
	memcpy(lin, g, n * sizeof(double));
	CHECK(tsp_nainterp(lin, n, rev, 2, &err) == 0, "%s", err.msg);
	CHECK(same_bits(lin, h, n), "periods' order changes the fill");

	/* a single period: as tsp_stl's fill */
	memcpy(h, g, n * sizeof(double));
	CHECK(tsp_nainterp(h, n, &p, 1, &err) == 0, "%s", err.msg);
	mo.np = 1;
	mo.period[0] = p;
	CHECK(tsp_mstl(g, n, &mo, t, s, r, NULL, &err) == 0, "%s", err.msg);
	dm = 0.0;
	for (size_t i = 0; i < n; i++)
		dm = fmax(dm, fabs(t[i] + s[i] + r[i] - h[i]));
	CHECK(dm < 1e-9, "single period: %g from tsp_mstl's", dm);
	free(y);
	free(g);
	free(h);
	free(lin);
	free(t);
	free(r);
	free(s);
}

/*
 * The seasonal fill of this series puts y[6] at 1.67, beyond the data's
 * range [0, 1] by more than half of it: linear interpolation instead.
 */
static void check_fallback(void)
{
	double y[] = {0, 1, 0, 1, 0, 1, NAN, 1, 0, 1, 0, 1, 0};
	size_t p = 5;
	struct tsp_error err;

	tsp_error_clear(&err);
	CHECK(tsp_nainterp(y, NELEM(y), &p, 1, &err) == 0, "%s", err.msg);
	CHECK(y[6] == 1.0, "fallback: y[6] = %.17g, not 1", y[6]);
}

static void expect_error(double *y, size_t n, const size_t *per, size_t np,
			 enum tsp_errcode code, const char *want)
{
	double *copy = malloc((n ? n : 1) * sizeof(double));
	struct tsp_error err;

	memcpy(copy, y, n * sizeof(double));
	tsp_error_clear(&err);
	CHECK(tsp_nainterp(y, n, per, np, &err) == -1 && err.code == code,
	      "want error '%s' (code %d), got code %d '%s'", want, code,
	      err.code, err.msg);
	CHECK_STR(err.msg, want);
	CHECK(same_bits(y, copy, n), "'%s': y changed", want);
	free(copy);
}

static void check_errors(void)
{
	double y[] = {NAN, 3.0, NAN, NAN, NAN, NAN};
	size_t per[TSP_MSTL_MAXP + 1] = {2, 3, 4, 5, 6, 7, 8, 9, 10};

	expect_error(y, NELEM(y), NULL, 0, TSP_EDATA,
		     "series has 1 non-missing value (needs at least 2)");
	y[1] = NAN;
	expect_error(y, NELEM(y), per, 1, TSP_EDATA,
		     "series has 0 non-missing values (needs at least 2)");
	expect_error(y, 0, NULL, 0, TSP_EDATA,
		     "series has 0 non-missing values (needs at least 2)");
	y[1] = 3.0;
	y[3] = 4.0;
	y[4] = -INFINITY;
	expect_error(y, NELEM(y), NULL, 0, TSP_EDATA,
		     "non-finite value -Inf at point 5");
	y[4] = INFINITY;
	expect_error(y, NELEM(y), NULL, 0, TSP_EDATA,
		     "non-finite value Inf at point 5");
	y[4] = 1.0;
	expect_error(y, NELEM(y), per, TSP_MSTL_MAXP + 1, TSP_EUSAGE,
		     "number of periods must be 0 to 8, not 9");
	per[1] = 1;
	expect_error(y, NELEM(y), per, 2, TSP_EUSAGE,
		     "period must be at least 2, not 1");
}

int main(void)
{
	check_linear();
	check_seasonal();
	check_fallback();
	check_errors();
	return t_done();
}
