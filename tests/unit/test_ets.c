/*
 * ETS: fits, forecasts and variances against forecast::ets() (ref_ets.h,
 * written by scripts/gen-ets-fixtures), the filter and the variance
 * formulas on R's own parameters, simulation, online updates, save/load,
 * missing values and very short series.
 */
#include <math.h>
#include <stdlib.h>

#include <gsl/gsl_errno.h>

#include "t.h"
#include "ref_ets.h"
#include "tsp_ets.h"

#define NREF(a) (sizeof(a) / sizeof((a)[0]))

static const struct ref_ets_series *series_of(const char *name)
{
	for (size_t i = 0; i < NREF(ref_ets_series); i++)
		if (strcmp(ref_ets_series[i].name, name) == 0)
			return &ref_ets_series[i];
	return NULL;
}

static double rel(double a, double b)
{
	return fabs(a - b) / fmax(fabs(b), 1e-12);
}

static void opts_of(const struct ref_ets_case *c, size_t m,
		    struct tsp_ets_opts *o)
{
	tsp_ets_opts_default(o, m);
	o->error = c->error;
	o->trend = c->trend;
	o->season = c->season;
	o->damped = c->damped;
	o->crit = c->crit_mse ? TSP_ETS_CRIT_MSE : TSP_ETS_CRIT_LIK;
	o->alpha = c->alpha;
	o->beta = c->beta;
	o->gamma = c->gamma;
	o->phi = c->phi;
}

static void label_of(int e, int t, int s, int d, char *buf, size_t n)
{
	struct tsp_ets_model m;

	memset(&m, 0, sizeof(m));
	m.error = e;
	m.trend = t;
	m.season = s;
	m.damped = d;
	tsp_ets_label(&m, buf, n);
}

/* R's (quirky) class-1 seasonal shock position for trend N: see
 * class1_c() in lib/ets.c.  Steps whose variance R gets differently. */
static int r_quirk_step(const struct ref_ets_case *c, size_t m, size_t i)
{
	if (c->r_trend != TSP_ETS_N || c->r_season != TSP_ETS_A)
		return 0;
	if (c->r_error == TSP_ETS_A)
		return (i + 1) % m == 0;
	return i + 1 >= m;	/* class 2 carries it on */
}

/* The fits: our criterion no worse than R's, same or better model. */
static void check_fits(void)
{
	for (size_t k = 0; k < NREF(ref_ets_cases); k++) {
		const struct ref_ets_case *c = &ref_ets_cases[k];
		const struct ref_ets_series *s = series_of(c->series);
		struct tsp_ets_opts o;
		struct tsp_ets_model fit;
		struct tsp_error err;
		char got[32], want[32];
		double *mean = malloc(c->h * sizeof(double));
		double *var = malloc(c->h * sizeof(double));
		double dm = 0.0;
		int rc;

		opts_of(c, s->m, &o);
		tsp_error_clear(&err);
		rc = tsp_ets_fit(s->y, s->n, &o, &fit, NULL, &err);
		CHECK(rc == 0, "case %zu %s: %s", k + 1, c->series, err.msg);
		if (rc != 0)
			goto next;
		tsp_ets_label(&fit, got, sizeof(got));
		label_of(c->r_error, c->r_trend, c->r_season, c->r_damped,
			 want, sizeof(want));
		rc = tsp_ets_forecast(&fit, c->h, mean, var, &err);
		CHECK(rc == 0, "case %zu: forecast: %s", k + 1, err.msg);
		for (size_t i = 0; i < c->h; i++)
			dm = fmax(dm, rel(mean[i], c->mean[i]));
		if (c->holtwinters) {
			printf("# %3zu %-13s %-12s R %-12s fallback sigma2 %.6g R %.6g\n",
			       k + 1, c->series, got, want, fit.sigma2, c->sigma2);
			CHECK(fit.fallback, "case %zu: not a fallback fit", k + 1);
			CHECK(strcmp(got, want) == 0 || fit.sigma2 <= c->sigma2 * (1 + 1e-6),
			      "case %zu: %s, R %s", k + 1, got, want);
			CHECK(fit.sigma2 <= c->sigma2 * (1 + 1e-6) + 1e-12,
			      "case %zu: sigma2 %g, R %g", k + 1, fit.sigma2, c->sigma2);
			goto next;
		}
		if (c->crit_mse) {
			printf("# %3zu %-13s %-12s R %-12s mse %.10g R %.10g  mean %.1e\n",
			       k + 1, c->series, got, want, fit.mse, c->mse, dm);
			CHECK(strcmp(got, want) == 0, "case %zu: %s, R %s", k + 1, got, want);
			CHECK(fit.mse <= c->mse * (1 + 1e-6),
			      "case %zu: mse %.10g worse than R's %.10g", k + 1,
			      fit.mse, c->mse);
		} else if (c->error < 0 || c->trend < 0 || c->season < 0 ||
			   c->damped < 0) {
			double ic = fit.aicc;
			printf("# %3zu %-13s %-12s R %-12s aicc %.10g R %.10g  mean %.1e\n",
			       k + 1, c->series, got, want, ic, c->aicc, dm);
			CHECK(strcmp(got, want) == 0 || ic <= c->aicc + 1e-6 * fabs(c->aicc),
			      "case %zu %s: chose %s (aicc %g), R %s (aicc %g)",
			      k + 1, c->series, got, ic, want, c->aicc);
			CHECK(ic <= c->aicc + 1e-6 * fabs(c->aicc),
			      "case %zu: aicc %.10g worse than R's %.10g", k + 1,
			      ic, c->aicc);
		} else {
			double lik = -2 * fit.loglik, rlik = -2 * c->loglik;
			printf("# %3zu %-13s %-12s R %-12s -2loglik %.10g R %.10g  mean %.1e\n",
			       k + 1, c->series, got, want, lik, rlik, dm);
			CHECK(strcmp(got, want) == 0, "case %zu: %s, R %s", k + 1, got, want);
			CHECK(lik <= rlik + 1e-6 * fabs(rlik),
			      "case %zu %s %s: -2loglik %.10g worse than R's %.10g",
			      k + 1, c->series, got, lik, rlik);
		}
next:
		free(mean);
		free(var);
	}
}

/* R's parameters and initial states through our filter and forecast:
 * the likelihood, the final states, the means and the variances. */
static void check_exact(void)
{
	double worst_l = 0, worst_s = 0, worst_m = 0, worst_v = 0;

	for (size_t k = 0; k < NREF(ref_ets_cases); k++) {
		const struct ref_ets_case *c = &ref_ets_cases[k];
		const struct ref_ets_series *s = series_of(c->series);
		struct tsp_ets_model m;
		struct tsp_error err;
		double x[2 + TSP_ETS_MAXM];
		double *mean = malloc(c->h * sizeof(double));
		double *var = malloc(c->h * sizeof(double));
		size_t nx;
		int rc;

		memset(&m, 0, sizeof(m));
		m.error = c->r_error;
		m.trend = c->r_trend;
		m.season = c->r_season;
		m.damped = c->r_damped;
		m.m = c->r_season ? s->m : 1;
		m.alpha = c->r_alpha;
		m.beta = c->r_trend ? c->r_beta : 0.0;
		m.gamma = c->r_season ? c->r_gamma : 0.0;
		m.phi = c->r_damped ? c->r_phi : 1.0;
		if (c->holtwinters) {
			/* R's HoltWintersZZ beta is ours over alpha */
			m.beta *= m.alpha;
		}
		tsp_ets_put_state(&m, 0, c->init);
		m.npar = 1;
		rc = tsp_ets_filter(&m, s->y, s->n, NULL, &err);
		CHECK(rc == 0, "case %zu: filter: %s", k + 1, err.msg);
		nx = tsp_ets_get_state(&m, 1, x);
		CHECK(nx == c->nstate, "case %zu: %zu states, R %zu", k + 1, nx,
		      c->nstate);
		for (size_t i = 0; i < nx && i < c->nstate; i++) {
			double d = fabs(x[i] - c->final[i]) / (fabs(c->final[0]) + 1e-300);
			worst_s = fmax(worst_s, d);
			CHECK(d < 1e-9, "case %zu: final state %zu: %.17g, R %.17g",
			      k + 1, i, x[i], c->final[i]);
		}
		if (!c->holtwinters) {
			double d = rel(m.loglik, c->loglik);
			worst_l = fmax(worst_l, d);
			CHECK(d < 1e-10, "case %zu: loglik %.17g, R %.17g", k + 1,
			      m.loglik, c->loglik);
		}
		/* the forecasts from R's final states */
		tsp_ets_put_state(&m, 1, c->final);
		m.sigma2 = c->sigma2;
		rc = tsp_ets_forecast(&m, c->h, mean, var, &err);
		CHECK(rc == 0, "case %zu: forecast: %s", k + 1, err.msg);
		for (size_t i = 0; i < c->h; i++) {
			double dm = rel(mean[i], c->mean[i]);
			worst_m = fmax(worst_m, dm);
			CHECK(dm < 1e-12, "case %zu: mean[%zu] %.17g, R %.17g",
			      k + 1, i, mean[i], c->mean[i]);
			if (isnan(c->var[i]) || c->holtwinters)
				continue;
			if (r_quirk_step(c, m.m, i))
				continue;
			double dv = rel(var[i], c->var[i]);
			worst_v = fmax(worst_v, dv);
			CHECK(dv < 1e-10, "case %zu: var[%zu] %.17g, R %.17g",
			      k + 1, i, var[i], c->var[i]);
		}
		free(mean);
		free(var);
	}
	printf("# on R's parameters: loglik %.1e, states %.1e, means %.1e, "
	       "variances %.1e (relative)\n", worst_l, worst_s, worst_m, worst_v);
}

int main(void)
{
	gsl_set_error_handler_off();
	check_exact();
	check_fits();
	return t_done();
}
