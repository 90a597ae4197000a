/*
 * Simple forecasters: the forecasts R computes (ref_fcbase.h, written by
 * scripts/gen-fcbase-fixtures), online updates, missing values,
 * save/load, short series and errors.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "t.h"
#include "ref_fcbase.h"
#include "tsp_fcbase.h"

#define NREF(a) (sizeof(a) / sizeof((a)[0]))
#define TOL_EXACT 1e-9
/* Theta: R's Nelder-Mead stops short of the least-squares alpha; see
 * check_theta() for what the differences come to. */
#define TOL_THETA 5e-4
#define TOL_THETA_SSE 1e-12

static double scale_of(const double *y, size_t n)
{
	double s = 0.0;

	for (size_t i = 0; i < n; i++)
		s = fmax(s, fabs(y[i]));
	return s > 0.0 ? s : 1.0;
}

/* Largest |a - b| relative to max(|b|, scale); NaN where exactly one is. */
static double rel_diff(const double *a, const double *b, size_t n, double scale)
{
	double m = 0.0;

	for (size_t i = 0; i < n; i++) {
		if (isnan(a[i]) && isnan(b[i]))
			continue;
		if (isnan(a[i]) || isnan(b[i]))
			return NAN;
		m = fmax(m, fabs(a[i] - b[i]) / fmax(fabs(b[i]), scale));
	}
	return m;
}

static enum tsp_fcb_method method_of(const char *name)
{
	enum tsp_fcb_method me = TSP_FCB_NAIVE;

	if (tsp_fcb_parse(name, &me) < 0)
		abort();
	return me;
}

static const struct ref_theta *theta_ref(const char *series)
{
	for (size_t k = 0; k < NREF(ref_theta_cases); k++)
		if (strcmp(ref_theta_cases[k].series, series) == 0)
			return &ref_theta_cases[k];
	abort();
}

/* Our theta's sum of squared errors in seasonally adjusted units. */
static double theta_sse(const struct tsp_fcb *f, const double *y,
			const double *fitted, size_t n)
{
	double sse = 0.0;

	for (size_t t = 0; t < n; t++) {
		double s = f->m > 1 ? f->val[t % f->m] : 1.0;
		double e = y[t] / s - fitted[t] / s;

		sse += e * e;
	}
	return sse;
}

static void check_refs(void)
{
	double worst_theta = 0.0;

	for (size_t k = 0; k < NREF(ref_fc_cases); k++) {
		const struct ref_fc *c = &ref_fc_cases[k];
		enum tsp_fcb_method me = method_of(c->method);
		int theta = me == TSP_FCB_THETA;
		double tol = theta ? TOL_THETA : TOL_EXACT;
		double scale = scale_of(c->y, c->n) * 1e-3;
		size_t h = c->h, n = c->n;
		double *mu = malloc(h * sizeof(double));
		double *sd = malloc(h * sizeof(double));
		double *df = malloc(h * sizeof(double));
		double *b = malloc(4 * h * sizeof(double));
		double *fit = malloc(n * sizeof(double));
		double dm, db, dfit, want_df;
		struct tsp_fcb f;
		struct tsp_error err;
		int rc, df_ok = 1;

		tsp_fcb_init(&f);
		tsp_error_clear(&err);
		rc = tsp_fcb_fit(&f, me, c->y, n, c->m, fit, &err);
		CHECK(rc == 0, "%s %s: %s", c->method, c->series, err.msg);
		rc = tsp_fcb_forecast(&f, h, mu, sd, df, &err);
		CHECK(rc == 0, "%s %s: %s", c->method, c->series, err.msg);
		want_df = me == TSP_FCB_MEAN ? (double)n - 1 :
			me == TSP_FCB_LINEAR ? (double)n - 2 : 0.0;
		for (size_t j = 0; j < h; j++) {
			double q80 = c->q80, q95 = c->q95;

			df_ok &= df[j] == want_df;
			b[j] = mu[j] - q80 * sd[j];
			b[h + j] = mu[j] + q80 * sd[j];
			b[2 * h + j] = mu[j] - q95 * sd[j];
			b[3 * h + j] = mu[j] + q95 * sd[j];
		}
		dm = rel_diff(mu, c->mean, h, scale);
		db = fmax(fmax(rel_diff(b, c->lo80, h, scale),
			       rel_diff(b + h, c->hi80, h, scale)),
			  fmax(rel_diff(b + 2 * h, c->lo95, h, scale),
			       rel_diff(b + 3 * h, c->hi95, h, scale)));
		dfit = rel_diff(fit, c->fitted, n, scale);
		printf("# %-6s %-13s mean %.2g bounds %.2g fitted %.2g\n",
		       c->method, c->series, dm, db, dfit);
		CHECK(dm <= tol, "%s %s: mean differs from R by %g",
		      c->method, c->series, dm);
		CHECK(db <= tol, "%s %s: bounds differ from R by %g",
		      c->method, c->series, db);
		CHECK(dfit <= tol, "%s %s: fitted values differ from R by %g",
		      c->method, c->series, dfit);
		CHECK(df_ok, "%s %s: df", c->method, c->series);
		if (theta) {
			const struct ref_theta *r = theta_ref(c->series);
			double sse = theta_sse(&f, c->y, fit, n);

			worst_theta = fmax(worst_theta, fmax(dm, db));
			printf("#   alpha %.6f (R %.6f) drift %.6g (R %.6g) "
			       "sse %.10g (R %.10g)\n", f.alpha, r->alpha,
			       f.slope, r->drift, sse, r->sse);
			CHECK((f.m > 1) == r->seasonal, "theta %s: seasonal %d, R %d",
			      c->series, f.m > 1, r->seasonal);
			CHECK(sse <= r->sse * (1 + TOL_THETA_SSE),
			      "theta %s: sse %.17g above R's %.17g",
			      c->series, sse, r->sse);
			CHECK(fabs(f.alpha - r->alpha) <= 1e-3,
			      "theta %s: alpha %g, R %g", c->series, f.alpha,
			      r->alpha);
			CHECK(fabs(f.slope - r->drift) <= 1e-9 * fmax(1.0, fabs(r->drift)),
			      "theta %s: drift %.17g, R %.17g", c->series,
			      f.slope, r->drift);
			CHECK(fabs(f.sigma2 - r->sigma2) <= TOL_THETA * r->sigma2,
			      "theta %s: sigma2 %g, R %g", c->series, f.sigma2,
			      r->sigma2);
		}
		tsp_fcb_release(&f);
		free(mu);
		free(sd);
		free(df);
		free(b);
		free(fit);
	}
	printf("# theta: largest relative difference from R %.2g\n", worst_theta);
}

int main(void)
{
	check_refs();
	return t_done();
}
