/* KPSS and ADF against tseries. */
#include <math.h>
#include <stddef.h>

#include "ref_season.h"
#include "t.h"
#include "tsp_stationarity.h"

static int close_to(double got, double want, double rel)
{
	return fabs(got - want) <= rel * fmax(fabs(want), 1e-300);
}

static void stationarity_matches_r(void)
{
	size_t n = sizeof(ref_stats) / sizeof(ref_stats[0]);
	struct tsp_error err;

	for (size_t i = 0; i < n; i++) {
		const struct ref_stat *r = &ref_stats[i];
		double s = NAN, p = NAN;
		int lag = -2;

		CHECK(tsp_kpss(r->x, r->n, 0, &s, &p, &lag, &err) == 0 &&
		      close_to(s, r->kpss_level, 1e-8) &&
		      fabs(p - r->kpss_level_p) <= 1e-8 &&
		      lag == r->kpss_level_lag,
		      "%s: KPSS level %.17g p %.17g lag %d, R %.17g %.17g %d",
		      r->name, s, p, lag, r->kpss_level, r->kpss_level_p,
		      r->kpss_level_lag);
		CHECK(tsp_kpss(r->x, r->n, 1, &s, &p, &lag, &err) == 0 &&
		      close_to(s, r->kpss_trend, 1e-8) &&
		      fabs(p - r->kpss_trend_p) <= 1e-8 &&
		      lag == r->kpss_trend_lag,
		      "%s: KPSS trend %.17g p %.17g lag %d, R %.17g %.17g %d",
		      r->name, s, p, lag, r->kpss_trend, r->kpss_trend_p,
		      r->kpss_trend_lag);
		if (r->adf_lag < 0) {
			CHECK(tsp_adf(r->x, r->n, &s, &p, &lag, &err) < 0 &&
			      err.code == TSP_EDATA, "%s: ADF with NA",
			      r->name);
			continue;
		}
		CHECK(tsp_adf(r->x, r->n, &s, &p, &lag, &err) == 0 &&
		      close_to(s, r->adf, 1e-8) &&
		      fabs(p - r->adf_p) <= 1e-8 && lag == r->adf_lag,
		      "%s: ADF %.17g p %.17g lag %d, R %.17g %.17g %d",
		      r->name, s, p, lag, r->adf, r->adf_p, r->adf_lag);
	}
}

static void stationarity_errors(void)
{
	struct tsp_error err;
	double x[50], s, p;
	int lag;

	for (int i = 0; i < 50; i++)
		x[i] = 3.0;
	CHECK(tsp_kpss(x, 50, 0, &s, &p, &lag, &err) < 0 &&
	      err.code == TSP_EDATA, "KPSS of a constant");
	CHECK(tsp_adf(x, 50, &s, &p, &lag, &err) < 0 &&
	      err.code == TSP_EDATA, "ADF of a constant");
	for (int i = 0; i < 50; i++)
		x[i] = 0.5 * i - 2.0;
	CHECK(tsp_kpss(x, 50, 1, &s, &p, &lag, &err) < 0 &&
	      err.code == TSP_EDATA, "KPSS trend of a line");
	CHECK(tsp_kpss(x, 50, 0, &s, &p, &lag, &err) == 0 && p == 0.01,
	      "KPSS level of a line: p %g", p);
	CHECK(tsp_adf(x, 50, &s, &p, &lag, &err) < 0, "ADF of a line");
	double two[2] = {1.0, NAN}, three[3] = {1, 2, 4};
	CHECK(tsp_kpss(two, 2, 0, &s, &p, &lag, &err) < 0 &&
	      err.code == TSP_EDATA, "KPSS of one value");
	CHECK(tsp_kpss(three, 3, 0, &s, &p, &lag, &err) == 0 && lag == 1,
	      "KPSS of three values");
	CHECK(tsp_adf(three, 3, &s, &p, &lag, &err) < 0 &&
	      err.code == TSP_EDATA, "ADF of three values");
}

int main(void)
{
	stationarity_matches_r();
	stationarity_errors();
	return t_done();
}
