/*
 * ETS: fits, forecasts and variances against forecast::ets() (ref_ets.h,
 * written by scripts/gen-ets-fixtures), the filter and the variance
 * formulas on R's own parameters, R's admissibility test, simulation,
 * online updates, save/load, missing values and very short series.
 */
#include <math.h>
#include <stdlib.h>

#include <gsl/gsl_errno.h>

#include "t.h"
#include "ref_ets.h"
#include "tsp_ets.h"
#include "ets_impl.h"

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
	o->maxit = c->maxit;
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

/* The fits are R's: the search is R's own (its simplex from its start),
 * so the same model and the same criterion, to 1e-8 relative (R's
 * fixtures hold 17 digits); more than rounding apart means the search
 * went another way than R's. */
#define FIT_TOL 1e-8
static void check_fits(void)
{
	double worst = 0.0;

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
			worst = fmax(worst, rel(fit.mse, c->mse));
			CHECK(rel(fit.mse, c->mse) <= FIT_TOL,
			      "case %zu: mse %.10g, R's %.10g", k + 1,
			      fit.mse, c->mse);
		} else if (c->error < 0 || c->trend < 0 || c->season < 0 ||
			   c->damped < 0) {
			double ic = fit.aicc;
			printf("# %3zu %-13s %-12s R %-12s aicc %.10g R %.10g  mean %.1e\n",
			       k + 1, c->series, got, want, ic, c->aicc, dm);
			CHECK(strcmp(got, want) == 0,
			      "case %zu %s: chose %s (aicc %g), R %s (aicc %g)",
			      k + 1, c->series, got, ic, want, c->aicc);
			worst = fmax(worst, rel(ic, c->aicc));
			CHECK(rel(ic, c->aicc) <= FIT_TOL,
			      "case %zu: aicc %.10g, R's %.10g", k + 1,
			      ic, c->aicc);
		} else {
			double lik = -2 * fit.loglik, rlik = -2 * c->loglik;
			printf("# %3zu %-13s %-12s R %-12s -2loglik %.10g R %.10g  mean %.1e\n",
			       k + 1, c->series, got, want, lik, rlik, dm);
			CHECK(strcmp(got, want) == 0, "case %zu: %s, R %s", k + 1, got, want);
			worst = fmax(worst, rel(lik, rlik));
			CHECK(rel(lik, rlik) <= FIT_TOL,
			      "case %zu %s %s: -2loglik %.10g, R's %.10g",
			      k + 1, c->series, got, lik, rlik);
		}
next:
		free(mean);
		free(var);
	}
	printf("# fits: criterion within %.1e of R's (relative)\n", worst);
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
			/* with a multiplicative error R's variance is
			   (1 + sigma2) theta - mu^2, a difference of terms
			   of mu^2's size: rounded at that size */
			double sc = fabs(c->var[i]);
			if (c->r_error == TSP_ETS_M)
				sc = fmax(sc, 1e-4 * c->mean[i] * c->mean[i]);
			double dv = fabs(var[i] - c->var[i]) / fmax(sc, 1e-12);
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


static const struct ref_ets_series *fit_series(const char *name, const char *spec,
					       struct tsp_ets_model *m, double *fitted)
{
	const struct ref_ets_series *s = series_of(name);
	struct tsp_ets_opts o;
	struct tsp_error err;
	static const char ch[] = "NAM";

	tsp_ets_opts_default(&o, s->m);
	if (spec) {
		o.error = (int)(strchr(ch, spec[0]) - ch);
		o.trend = (int)(strchr(ch, spec[1]) - ch);
		o.damped = spec[2] == 'd';
		o.season = (int)(strchr(ch, spec[2 + o.damped]) - ch);
	}
	CHECK(tsp_ets_fit(s->y, s->n, &o, m, fitted, &err) == 0, "%s: %s", name, err.msg);
	return s;
}

/* Simulated quantiles of a class-1 model against the analytic ones. */
static void check_simulate(void)
{
	struct tsp_ets_model m;
	struct tsp_error err;
	double probs[2] = {0.1, 0.9}, q[10 * 2], q2[10 * 2], mean[10], var[10];
	double worst = 0.0;

	fit_series("Nile", "AAN", &m, NULL);
	CHECK(tsp_ets_forecast(&m, 10, mean, var, &err) == 0, "%s", err.msg);
	CHECK(tsp_ets_simulate(&m, 10, 20000, 42, probs, 2, q, &err) == 0, "%s", err.msg);
	CHECK(tsp_ets_simulate(&m, 10, 20000, 42, probs, 2, q2, &err) == 0, "%s", err.msg);
	CHECK(memcmp(q, q2, sizeof(q)) == 0, "simulation not deterministic");
	for (size_t i = 0; i < 10; i++) {
		double sd = sqrt(var[i]);
		worst = fmax(worst, fabs(q[2 * i] - (mean[i] - 1.2815516 * sd)) / sd);
		worst = fmax(worst, fabs(q[2 * i + 1] - (mean[i] + 1.2815516 * sd)) / sd);
	}
	printf("# simulate: 10%%/90%% quantiles within %.3f sd of the analytic ones\n", worst);
	CHECK(worst < 0.05, "simulated quantiles off by %g sd", worst);
	probs[0] = 1.5;
	CHECK(tsp_ets_simulate(&m, 10, 100, 1, probs, 1, q, &err) < 0 &&
	      err.code == TSP_EUSAGE, "bad probability accepted");
	/* a multiplicative trend: no analytic variance, simulation works */
	{
		const struct ref_ets_series *s = series_of("AirPassengers");
		struct tsp_ets_opts o;
		tsp_ets_opts_default(&o, s->m);
		o.error = TSP_ETS_M;
		o.trend = TSP_ETS_M;
		o.season = TSP_ETS_M;
		o.damped = 0;
		CHECK(tsp_ets_fit(s->y, s->n, &o, &m, NULL, &err) == 0, "MMM: %s", err.msg);
		CHECK(tsp_ets_forecast(&m, 10, mean, var, &err) == 0 && isnan(var[0]),
		      "MMM variance should be NaN");
		probs[0] = 0.5;
		CHECK(tsp_ets_simulate(&m, 10, 2000, 7, probs, 1, q, &err) == 0 &&
		      rel(q[0], mean[0]) < 0.02, "MMM median %g mean %g", q[0], mean[0]);
	}
}

/* update() from the initial states reproduces the fitted values and the
 * final states; save/load round trip; corrupt items rejected. */
static void check_update_save(void)
{
	const char *specs[] = {"MAdM", "AAA", "ANN", "MNA", "AAdN"};

	for (size_t k = 0; k < NREF(specs); k++) {
		struct tsp_ets_model m, w, l;
		struct tsp_params p;
		struct tsp_error err;
		const struct ref_ets_series *s;
		double fitted[200], d = 0.0, x1[30], x2[30], f1[24], f2[24], v1[24], v2[24];
		int bad = 0;

		s = fit_series("USAccDeaths", specs[k], &m, fitted);
		w = m;
		tsp_ets_put_state(&w, 1, (double[30]){0});
		{
			double x0[30];
			tsp_ets_get_state(&m, 0, x0);
			tsp_ets_put_state(&w, 1, x0);
		}
		for (size_t i = 0; i < s->n; i++)
			d = fmax(d, rel(tsp_ets_update(&w, s->y[i]), fitted[i]));
		CHECK(d < 1e-12, "%s: update differs from fitted by %g", specs[k], d);
		size_t nx = tsp_ets_get_state(&m, 1, x1);
		tsp_ets_get_state(&w, 1, x2);
		d = 0.0;
		for (size_t i = 0; i < nx; i++)
			d = fmax(d, rel(x2[i], x1[i]));
		CHECK(d < 1e-12, "%s: update final state differs by %g", specs[k], d);

		tsp_params_init(&p);
		CHECK(tsp_ets_save(&m, &p, &err) == 0, "save: %s", err.msg);
		CHECK(tsp_ets_load(&l, p.buf, p.len, &err) == 0, "load: %s", err.msg);
		CHECK(memcmp(&l, &m, sizeof(m)) == 0 ||
		      (tsp_ets_forecast(&l, 24, f1, v1, &err) == 0 &&
		       tsp_ets_forecast(&m, 24, f2, v2, &err) == 0 &&
		       memcmp(f1, f2, sizeof(f1)) == 0 && memcmp(v1, v2, sizeof(v1)) == 0),
		      "%s: round trip not exact", specs[k]);
		CHECK(memcmp(&l.l, &m.l, sizeof(double) * (2 + TSP_ETS_MAXM)) == 0 &&
		      l.alpha == m.alpha && l.sigma2 == m.sigma2 && l.pos == m.pos,
		      "%s: round trip not bit-exact", specs[k]);
		/* every truncation and every flipped byte: an error or a
		   valid model, never a crash */
		for (size_t cut = 0; cut < p.len; cut++)
			if (tsp_ets_load(&l, p.buf, cut, &err) == 0)
				bad++;
		CHECK(bad == 0, "%s: %d truncations accepted", specs[k], bad);
		for (size_t i = 0; i < p.len; i++) {
			unsigned char *c = malloc(p.len);
			memcpy(c, p.buf, p.len);
			c[i] ^= 0x5a;
			(void)tsp_ets_load(&l, c, p.len, &err);
			free(c);
		}
		tsp_params_release(&p);
	}
	/* inconsistent values */
	{
		struct tsp_ets_model m, l;
		struct tsp_params p;
		struct tsp_error err;
		fit_series("Nile", "ANN", &m, NULL);
		m.m = 30;
		tsp_params_init(&p);
		CHECK(tsp_ets_save(&m, &p, &err) < 0, "m 30 saved");
		m.m = 1;
		tsp_ets_save(&m, &p, &err);
		{
			/* the same items again with a bad spec first: found first */
			struct tsp_params q;
			double spec[5] = {1, 0, 1, 0, 30};
			tsp_params_init(&q);
			tsp_params_nums(&q, "ets_spec", spec, 5, &err);
			tsp_params_nums(&q, "ets_x", spec, 5, &err);
			CHECK(tsp_ets_load(&l, q.buf, q.len, &err) < 0, "m 30 accepted");
			tsp_params_release(&q);
		}
		tsp_params_clear(&p);
		m.alpha = 1.5;
		tsp_params_clear(&p);
		tsp_ets_save(&m, &p, &err);
		CHECK(tsp_ets_load(&l, p.buf, p.len, &err) < 0, "alpha 1.5 accepted");
		m.alpha = 0.5;
		m.l = NAN;
		tsp_params_clear(&p);
		tsp_ets_save(&m, &p, &err);
		CHECK(tsp_ets_load(&l, p.buf, p.len, &err) < 0, "NaN level accepted");
		tsp_params_release(&p);
	}
}

/* Missing values: at the end, the fit of the shorter series; inside,
 * finite results. */
static void check_missing(void)
{
	const struct ref_ets_series *s = series_of("USAccDeaths");
	struct tsp_ets_opts o;
	struct tsp_ets_model a, b;
	struct tsp_error err;
	double y[100];

	tsp_ets_opts_default(&o, s->m);
	memcpy(y, s->y, s->n * sizeof(double));
	for (size_t i = s->n; i < s->n + 5; i++)
		y[i] = NAN;
	CHECK(tsp_ets_fit(s->y, s->n, &o, &a, NULL, &err) == 0, "%s", err.msg);
	CHECK(tsp_ets_fit(y, s->n + 5, &o, &b, NULL, &err) == 0, "%s", err.msg);
	CHECK(a.loglik == b.loglik && a.alpha == b.alpha && a.gamma == b.gamma &&
	      a.n == b.n && b.nobs == s->n + 5,
	      "trailing NaN: loglik %.17g vs %.17g", b.loglik, a.loglik);
	memcpy(y, s->y, s->n * sizeof(double));
	y[10] = y[11] = y[40] = NAN;
	CHECK(tsp_ets_fit(y, s->n, &o, &b, NULL, &err) == 0, "%s", err.msg);
	CHECK(isfinite(b.loglik) && isfinite(b.sigma2) && isfinite(b.l) && b.n == s->n - 3,
	      "NaN inside: loglik %g", b.loglik);
	{
		double mean[24], var[24];
		CHECK(tsp_ets_forecast(&b, 24, mean, var, &err) == 0 &&
		      isfinite(mean[23]) && isfinite(var[23]), "NaN inside: forecast");
	}
	y[5] = INFINITY;
	CHECK(tsp_ets_fit(y, s->n, &o, &b, NULL, &err) < 0 && err.code == TSP_EDATA,
	      "Inf accepted");
}

/* Very short and odd series: a result or a documented error. */
static void check_short(void)
{
	double y[6] = {3, 4, 3.5, 5, 4.5, 6}, nan2[2] = {NAN, NAN}, mean[5], var[5];
	struct tsp_ets_opts o;
	struct tsp_ets_model m;
	struct tsp_error err;

	tsp_ets_opts_default(&o, 1);
	for (size_t n = 1; n <= 6; n++) {
		int rc = tsp_ets_fit(y, n, &o, &m, NULL, &err);
		CHECK(rc == 0, "n %zu: %s", n, err.msg);
		CHECK(rc == 0 && tsp_ets_forecast(&m, 5, mean, var, &err) == 0 &&
		      isfinite(mean[4]) && !(var[4] < 0), "n %zu: forecast", n);
	}
	CHECK(tsp_ets_fit(nan2, 2, &o, &m, NULL, &err) < 0 && err.code == TSP_EDATA,
	      "all missing accepted");
	o.season = TSP_ETS_A;
	CHECK(tsp_ets_fit(y, 6, &o, &m, NULL, &err) < 0 && err.code == TSP_EUSAGE,
	      "season with m 1 accepted");
	tsp_ets_opts_default(&o, 52);
	{
		double z[200];
		for (int i = 0; i < 200; i++)
			z[i] = 10 + sin(i * 0.12) + 0.01 * i;
		CHECK(tsp_ets_fit(z, 200, &o, &m, NULL, &err) == 0 && m.season_dropped &&
		      m.season == TSP_ETS_N, "m 52: %s", err.msg);
	}
	{
		char buf[32];
		m.error = TSP_ETS_M;
		m.trend = TSP_ETS_A;
		m.damped = 1;
		m.season = TSP_ETS_M;
		tsp_ets_label(&m, buf, sizeof(buf));
		CHECK_STR(buf, "ETS(M,Ad,M)");
	}
}

/* R's admissibility test, which every point of the search must pass:
 * the same verdict as R's on 2,100 random parameter sets (ref_ets.h),
 * except where R's largest root is within 1e-12 of its threshold
 * 1 + 1e-10, where polyroot's own rounding decides. */
static void check_admissible(void)
{
	size_t agree = 0, yes = 0, close = 0, unit = 0;

	for (size_t k = 0; k < NREF(ref_ets_adm); k++) {
		const struct ref_ets_adm *r = &ref_ets_adm[k];
		int got = ets_admissible_seasonal(r->alpha, r->beta, r->gamma,
						  r->phi, r->m);
		if (!isnan(r->maxroot) &&
		    fabs(r->maxroot - (1.0 + 1e-10)) < 1e-12) {
			close++;
			continue;
		}
		CHECK(got == r->ok, "admissible(%.17g, %.17g, %.17g, %.17g, "
		      "m %zu): %d, R %d (max |root| %.17g)", r->alpha,
		      r->beta, r->gamma, r->phi, r->m, got, r->ok, r->maxroot);
		agree += got == r->ok;
		yes += r->ok;
		unit += r->ok && fabs(r->maxroot - 1.0) < 1e-9;
	}
	printf("# admissibility: %zu of %zu as R (%zu admissible, %zu of them "
	       "with a root on the circle), %zu too close to call\n", agree,
	       NREF(ref_ets_adm) - close, yes, unit, close);
}

int main(void)
{
	gsl_set_error_handler_off();
	check_exact();
	check_admissible();
	check_fits();
	check_simulate();
	check_update_save();
	check_missing();
	check_short();
	return t_done();
}
