/*
 * Gaussian mixtures (lib/gmm.c) against sklearn (tests/unit/ref_gmm.h,
 * from scripts/gen-gmm-fixtures), and the streaming gmm detector
 * (lib/gmmdet.c).
 */
#include <float.h>
#include <math.h>

#include <gsl/gsl_cdf.h>
#include <gsl/gsl_math.h>
#include <stdlib.h>
#include <string.h>

#include "t.h"
#include "ref_gmm.h"
#include "tsp_gmm.h"
#include "tsp_gmmdet.h"

/* |a - b| <= tol * max(|b|, floor) */
static int near(double a, double b, double tol, double floor)
{
	double s = fabs(b) > floor ? fabs(b) : floor;

	if (isinf(b))
		return a == b;
	return fabs(a - b) <= tol * s;
}

static double sample_sd(const double *x, size_t n)
{
	double s = 0, ss = 0;
	size_t m = 0;

	for (size_t i = 0; i < n; i++)
		if (isfinite(x[i])) {
			s += x[i];
			m++;
		}
	s /= (double)m;
	for (size_t i = 0; i < n; i++)
		if (isfinite(x[i]))
			ss += (x[i] - s) * (x[i] - s);
	ss = sqrt(ss / (double)m);
	return ss > 0 ? ss : fabs(s);
}

static void check_fit(const struct gmm_ref_case *c,
		      const struct gmm_ref_fit *f)
{
	struct tsp_gmm g, st;
	struct tsp_error err;
	double sd = sample_sd(c->x, c->n);
	int rc = tsp_gmm_fit_k(c->x, c->n, f->k, &g, &st, &err);
	size_t i, m;
	int bad;

	CHECK(rc == f->tried, "%s k=%d: tried %d, sklearn side %d", c->name,
	      f->k, rc, f->tried);
	if (rc != 1 || !f->tried)
		return;
	bad = 0;
	for (int j = 0; j < f->k; j++)
		bad += !near(st.w[j], f->w0[j], 1e-12, 1) +
		       !near(st.mu[j], f->mu0[j], 1e-12, sd) +
		       !near(st.var[j], f->var0[j], 1e-10, 0);
	CHECK(bad == 0, "%s k=%d: start differs (mu0 %.17g vs %.17g)",
	      c->name, f->k, st.mu[0], f->mu0[0]);
	CHECK(g.iter == f->iter && g.converged == f->converged,
	      "%s k=%d: %d rounds (converged %d), sklearn %d (%d)", c->name,
	      f->k, g.iter, g.converged, f->iter, f->converged);
	bad = 0;
	for (int j = 0; j < f->k; j++)
		bad += !near(g.w[j], f->w[j], 1e-6, 1) +
		       !near(g.mu[j], f->mu[j], 1e-6, sd) +
		       !near(g.var[j], f->var[j], 1e-6, 0);
	CHECK(bad == 0, "%s k=%d: parameters differ: w1 %.10g/%.10g mu1 "
	      "%.10g/%.10g var1 %.10g/%.10g", c->name, f->k, g.w[0], f->w[0],
	      g.mu[0], f->mu[0], g.var[0], f->var[0]);
	CHECK(near(g.loglik, f->loglik, 1e-6, 1),
	      "%s k=%d: loglik %.12g, sklearn %.12g", c->name, f->k,
	      g.loglik, f->loglik);
	CHECK(near(g.bic, f->bic, 1e-6, 1), "%s k=%d: bic %.12g, sklearn "
	      "%.12g", c->name, f->k, g.bic, f->bic);
	CHECK(near(g.lower_bound, f->lower_bound, 1e-6, 1),
	      "%s k=%d: lower bound %.12g, sklearn %.12g", c->name, f->k,
	      g.lower_bound, f->lower_bound);
	for (i = m = 0, bad = 0; i < c->n; i++) {
		if (!isfinite(c->x[i]))
			continue;
		if (!near(tsp_gmm_logpdf(&g, c->x[i]), f->ss[m], 1e-6, 1))
			bad++;
		m++;
	}
	CHECK(bad == 0 && m == g.n, "%s k=%d: %d of %zu score_samples "
	      "differ", c->name, f->k, bad, m);
	for (i = 0, bad = 0; i < c->nq; i++)
		if (!near(tsp_gmm_logpdf(&g, c->q[i]), f->qs[i], 1e-6, 1)) {
			bad++;
			printf("# %s k=%d q=%.17g: %.17g vs %.17g\n", c->name,
			       f->k, c->q[i], tsp_gmm_logpdf(&g, c->q[i]),
			       f->qs[i]);
		}
	CHECK(bad == 0, "%s k=%d: %d of %zu query log densities differ",
	      c->name, f->k, bad, c->nq);
}

static void test_reference(void)
{
	for (size_t c = 0; c < sizeof(gmm_cases) / sizeof(gmm_cases[0]);
	     c++) {
		const struct gmm_ref_case *rc = &gmm_cases[c];
		struct tsp_gmm g;
		struct tsp_error err;

		for (int k = 0; k < rc->kmax; k++)
			check_fit(rc, &rc->fit[k]);
		CHECK(tsp_gmm_fit(rc->x, rc->n, rc->kmax, &g, &err) == 0 &&
		      g.k == rc->best_k, "%s: chose k=%d, sklearn's BIC %d",
		      rc->name, g.k, rc->best_k);
	}
}

/* One component: the score is |x - mu| / sd exactly. */
static void test_one_component(void)
{
	struct tsp_gmm g;
	struct tsp_error err;
	double x[50], sd;
	int bad = 0;

	for (int i = 0; i < 50; i++)
		x[i] = 10 + sin(i * 1.7) * 3 + 0.01 * i;
	CHECK(tsp_gmm_fit(x, 50, 1, &g, &err) == 0 && g.k == 1,
	      "k=1 fit");
	sd = sqrt(g.var[0]);
	for (double v = -5; v <= 25; v += 0.37) {
		double want = fabs(v - g.mu[0]) / sd;

		if (!(fabs(tsp_gmm_score(&g, v) - want) <= 1e-9 * (1 + want)))
			bad++;
		if (!(fabs(tsp_gmm_zscore(&g, v) - (v < g.mu[0] ? -want :
							     want)) <=
		      1e-9 * (1 + want)))
			bad++;
	}
	CHECK(bad == 0, "k=1 score is |x - mu| / sd (%d bad)", bad);
	CHECK(tsp_gmm_score(&g, g.mu[0]) == 0, "score 0 at the mean");
	CHECK(isinf(tsp_gmm_score(&g, INFINITY)) &&
	      tsp_gmm_zscore(&g, -INFINITY) == -INFINITY, "infinite values");
	CHECK(isnan(tsp_gmm_score(&g, NAN)) && isnan(tsp_gmm_logpdf(&g, NAN)),
	      "NaN");
	CHECK(tsp_gmm_logpdf(&g, INFINITY) == -INFINITY, "logpdf(Inf)");
}

/* Far from every component the mixture's log density is still finite
 * (log-sum-exp), and the score grows like a Gaussian's. */
static void test_far_values(void)
{
	const struct gmm_ref_case *c = &gmm_cases[0];	/* bimodal */
	struct tsp_gmm g;
	struct tsp_error err;
	double lp;

	CHECK(tsp_gmm_fit(c->x, c->n, 4, &g, &err) == 0 && g.k == 2,
	      "bimodal fit");
	lp = tsp_gmm_logpdf(&g, 1e6);
	CHECK(isfinite(lp) && lp < -1e9, "logpdf far away %g", lp);
	CHECK(tsp_gmm_score(&g, 1e6) > 1e5, "score far away");
	/* At the centre of a component of weight w: Q^-1(w / 2) at most. */
	CHECK(tsp_gmm_score(&g, g.mu[g.dom]) <=
	      gsl_cdf_ugaussian_Qinv(g.w[g.dom] / 2) + 1e-9,
	      "score at the main mode %g", tsp_gmm_score(&g, g.mu[g.dom]));
	CHECK(tsp_gmm_score(&g, g.mu[1 - g.dom]) < 3,
	      "the other mode is no anomaly (%g)",
	      tsp_gmm_score(&g, g.mu[1 - g.dom]));
	CHECK(tsp_gmm_zscore(&g, g.mu[g.dom] + 50) > 0 &&
	      tsp_gmm_zscore(&g, g.mu[g.dom] - 50) < 0, "signs");
}

static void test_errors(void)
{
	struct tsp_gmm g;
	struct tsp_error err;
	double x[20];

	for (int i = 0; i < 20; i++)
		x[i] = i < 9 ? i : NAN;
	tsp_error_clear(&err);
	CHECK(tsp_gmm_fit(x, 20, 4, &g, &err) == -1 &&
	      err.code == TSP_EDATA, "9 finite values: error");
	CHECK_STR(err.msg, "too few values to fit a mixture: 9 finite, 10 "
		  "needed");
	x[9] = 9;
	CHECK(tsp_gmm_fit(x, 20, 4, &g, &err) == 0 && g.k == 1 && g.n == 10,
	      "10 values: one component");
	CHECK(tsp_gmm_fit(x, 20, 0, &g, &err) == -1 &&
	      err.code == TSP_EUSAGE, "kmax 0");
	CHECK(tsp_gmm_fit(x, 20, 9, &g, &err) == -1 &&
	      err.code == TSP_EUSAGE, "kmax 9");
	CHECK(tsp_gmm_fit_k(x, 20, 2, &g, NULL, &err) == 0,
	      "k=2 not tried on 10 values");
	/* Duplicates: 30 values, two distinct: k=3 is not tried. */
	for (int i = 0; i < 20; i++)
		x[i] = i % 2;
	CHECK(tsp_gmm_fit_k(x, 20, 2, &g, NULL, &err) == 1 && g.k == 2 &&
	      g.var[0] > 0 && g.var[1] > 0, "two atoms");
	CHECK(tsp_gmm_fit_k(x, 20, 3, &g, NULL, &err) == 0,
	      "k=3 on two distinct values");
	for (int i = 0; i < 20; i++)
		x[i] = (i % 3) * 1e300;
	CHECK(tsp_gmm_fit(x, 20, 4, &g, &err) == -1 &&
	      err.code == TSP_EDATA, "overflow: %s", err.msg);
}

/* The variance floor: 1e-6 of the data's variance, or d^2 / 12 for
 * values recorded to resolution d. */
static void test_floor(void)
{
	struct tsp_gmm g;
	struct tsp_error err;
	double x[40];

	for (int i = 0; i < 40; i++)
		x[i] = 3;
	CHECK(tsp_gmm_fit(x, 40, 4, &g, &err) == 0 && g.k == 1 &&
	      g.mu[0] == 3 && fabs(g.var[0] - 1.0 / 12) < 1e-15,
	      "constant integers: var 1/12 (%.17g)", g.var[0]);
	for (int i = 0; i < 40; i++)
		x[i] = 3.5;
	CHECK(tsp_gmm_fit(x, 40, 4, &g, &err) == 0 &&
	      fabs(g.var[0] - 1e-2 / 12) < 1e-17,
	      "constant to 0.1: var 1e-2/12 (%.17g)", g.var[0]);
	for (int i = 0; i < 40; i++)
		x[i] = 3.25;
	CHECK(tsp_gmm_fit(x, 40, 4, &g, &err) == 0 &&
	      fabs(g.var[0] - 1e-6 * 3.25 * 3.25) < 1e-18,
	      "constant 3.25: var 1e-6 3.25^2 > 1e-4/12 (%.17g)", g.var[0]);
	for (int i = 0; i < 40; i++)
		x[i] = 3.14159265;
	CHECK(tsp_gmm_fit(x, 40, 4, &g, &err) == 0 &&
	      fabs(g.var[0] - 1e-6 * x[0] * x[0]) < 1e-18,
	      "constant pi: var 1e-6 pi^2 (%.17g)", g.var[0]);
	for (int i = 0; i < 40; i++)
		x[i] = 1e6 + (i % 2 ? 1 : -1) * 0.5;
	CHECK(tsp_gmm_fit_k(x, 40, 1, &g, NULL, &err) == 1 &&
	      fabs(g.var[0] - (0.25 + 0.01 / 12)) < 1e-9,
	      "+-0.5 to 0.1: var 0.25 + 0.01/12 (%.17g)", g.var[0]);
	for (int i = 0; i < 40; i++)
		x[i] = 1e6 + (i % 2 ? 1 : -1) * 0.5 * 1.4142135623730951;
	CHECK(tsp_gmm_fit_k(x, 40, 1, &g, NULL, &err) == 1 &&
	      fabs(g.var[0] - 0.5 * (1 + 1e-6)) < 1e-9,
	      "continuous: var (1 + 1e-6) 0.5 (%.17g)", g.var[0]);
}

static void test_save_load(void)
{
	const struct gmm_ref_case *c = &gmm_cases[1];	/* trimodal */
	struct tsp_gmm g, h, bad;
	struct tsp_params p;
	struct tsp_error err;
	static const char *const msgs[] = {
		"corrupt entry: mixture weights sum to",
		"corrupt entry: mixture variance 2 is not positive",
		"corrupt entry: mixture weight 1 is not positive",
		"corrupt entry: mixture mean 3 is not finite",
	};
	int same = 1;

	tsp_params_init(&p);
	CHECK(tsp_gmm_fit(c->x, c->n, 4, &g, &err) == 0, "trimodal fit");
	CHECK(tsp_gmm_save(&g, "m.", &p, &err) == 0, "save");
	CHECK(tsp_gmm_load("m.", p.buf, p.len, &h, &err) == 0, "load: %s",
	      err.msg);
	for (double v = -10; v < 10; v += 0.1)
		same &= tsp_gmm_logpdf(&g, v) == tsp_gmm_logpdf(&h, v) &&
			tsp_gmm_zscore(&g, v) == tsp_gmm_zscore(&h, v);
	CHECK(same && h.k == g.k && h.n == g.n && h.bic == g.bic,
	      "loaded model scores the same");
	CHECK(tsp_gmm_load("x.", p.buf, p.len, &h, &err) == -1 &&
	      err.code == TSP_EDATA, "other prefix: %s", err.msg);
	CHECK_STR(err.msg, "corrupt entry: missing or impossible x.k");
	for (size_t cut = 0; cut < p.len; cut += 7)
		CHECK(tsp_gmm_load("m.", p.buf, cut, &h, &err) == -1 &&
		      err.code == TSP_EDATA, "truncated at %zu", cut);
	for (int t = 0; t < 4; t++) {
		bad = g;
		if (t == 0)
			bad.w[0] += 1e-8;
		else if (t == 1)
			bad.var[1] = -1;
		else if (t == 2)
			bad.w[0] = 0;
		else
			bad.mu[2] = NAN;
		tsp_params_clear(&p);
		tsp_gmm_save(&bad, "m.", &p, &err);
		CHECK(tsp_gmm_load("m.", p.buf, p.len, &h, &err) == -1 &&
		      err.code == TSP_EDATA &&
		      strncmp(err.msg, msgs[t], strlen(msgs[t])) == 0,
		      "invalid model %d: %s", t, err.msg);
	}
	tsp_params_clear(&p);
	tsp_params_num(&p, "m.k", 9, &err);
	CHECK(tsp_gmm_load("m.", p.buf, p.len, &h, &err) == -1, "k=9");
	tsp_params_clear(&p);
	tsp_params_num(&p, "m.k", 2, &err);
	tsp_params_nums(&p, "m.w", g.w, 3, &err);
	CHECK(tsp_gmm_load("m.", p.buf, p.len, &h, &err) == -1,
	      "3 weights for k=2");
	tsp_params_release(&p);
}

/* ---- the streaming detector ------------------------------------------ */

static unsigned long long rng_state;

static double uniform(void)
{
	rng_state ^= rng_state << 13;
	rng_state ^= rng_state >> 7;
	rng_state ^= rng_state << 17;
	return ((double)(rng_state >> 11) + 0.5) / 9007199254740992.0;
}

static double gauss(void)
{
	return sqrt(-2 * log(uniform())) * cos(6.283185307179586 * uniform());
}

/* Bimodal test series: mostly N(10, 1), a third N(20, 2). */
static double bimodal(void)
{
	return uniform() < 0.33 ? 20 + 2 * gauss() : 10 + gauss();
}

static struct tsp_obs obs(double v, double f)
{
	struct tsp_obs o = { v, f, NAN, NAN, NAN };

	return o;
}

static void det_config(struct tsp_gmmdet_config *c, double ref, int kmax)
{
	tsp_gmmdet_config_init(c);
	c->reference = ref;
	c->kmax = kmax;
}

static void test_det_config(void)
{
	struct tsp_gmmdet_config c;
	struct tsp_error err;

	tsp_gmmdet_config_init(&c);
	CHECK(c.reference == 604800 && isnan(c.refit) && c.kmax == 4 &&
	      c.weak == 3 && c.strong == 4 && c.tail == TSP_TAIL_BOTH &&
	      c.min_points == 30, "defaults");
	CHECK(tsp_gmmdet_config_check(&c, &err) == 0, "defaults are valid");
	c.weak = 5;
	CHECK(tsp_gmmdet_config_check(&c, &err) == -1 &&
	      err.code == TSP_EUSAGE, "weak > strong");
	CHECK_STR(err.msg, "--weak must not exceed --strong");
	tsp_gmmdet_config_init(&c);
	c.kmax = 9;
	CHECK(tsp_gmmdet_config_check(&c, &err) == -1, "kmax 9");
	CHECK_STR(err.msg, "--kmax must be 1..8");
	tsp_gmmdet_config_init(&c);
	c.min_points = 9;
	CHECK(tsp_gmmdet_config_check(&c, &err) == -1, "min_points 9");
	tsp_gmmdet_config_init(&c);
	c.reference = 0;
	CHECK(tsp_gmmdet_config_check(&c, &err) == -1, "reference 0");
	tsp_gmmdet_config_init(&c);
	c.refit = -1;
	CHECK(tsp_gmmdet_config_check(&c, &err) == -1, "refit -1");
}

/* The model equals a direct fit of the values at times [from, to). */
static int fitted_on(const struct tsp_gmmdet *d, const double *v, int from,
		     int to, int kmax)
{
	const struct tsp_gmm *m = tsp_gmmdet_model(d);
	struct tsp_gmm g;
	struct tsp_error err;

	if (!m || tsp_gmm_fit(v + from, (size_t)(to - from), kmax, &g,
			      &err) < 0)
		return 0;
	return m->k == g.k && m->n == g.n && m->bic == g.bic &&
	       memcmp(m->mu, g.mu, sizeof(g.mu)) == 0;
}

static void test_det_warmup_refit(void)
{
	struct tsp_gmmdet_config c;
	struct tsp_gmmdet *d;
	struct tsp_error err;
	struct tsp_score s;
	struct tsp_obs o;
	double v[400];
	int bad = 0;

	rng_state = 7;
	for (int i = 0; i < 400; i++)
		v[i] = bimodal();
	det_config(&c, 100, 4);
	c.refit = 50;
	d = tsp_gmmdet_new(&c, &err);
	for (int i = 0; i < 100; i++) {
		o = obs(v[i], NAN);
		tsp_gmmdet_push(d, &c, i, &o, &s, &err);
		bad += s.level != TSP_LEVEL_WARMUP || !isnan(s.score);
	}
	CHECK(bad == 0 && !tsp_gmmdet_model(d), "WARMUP for 100 s");
	o = obs(v[100], NAN);
	tsp_gmmdet_push(d, &c, 100, &o, &s, &err);
	CHECK(s.level != TSP_LEVEL_WARMUP && isfinite(s.score),
	      "scored once the window is complete");
	CHECK(fitted_on(d, v, 0, 100, 4), "first fit on times 0..99");
	for (int i = 101; i < 150; i++) {
		o = obs(v[i], NAN);
		tsp_gmmdet_push(d, &c, i, &o, &s, &err);
	}
	CHECK(fitted_on(d, v, 0, 100, 4), "no refit before 50 s");
	o = obs(v[150], NAN);
	tsp_gmmdet_push(d, &c, 150, &o, &s, &err);
	CHECK(fitted_on(d, v, 50, 150, 4), "refit at 150 on times 50..149");
	CHECK(tsp_gmmdet_model(d)->k == 2, "two components (k=%d)",
	      tsp_gmmdet_model(d)->k);
	tsp_gmmdet_free(d);

	/* Too few values in the window: WARMUP until min_points. */
	det_config(&c, 100, 4);
	d = tsp_gmmdet_new(&c, &err);
	for (int i = 0; i < 40; i++) {
		o = obs(v[i], NAN);
		tsp_gmmdet_push(d, &c, 10.0 * i, &o, &s, &err);
	}
	CHECK(s.level == TSP_LEVEL_WARMUP, "10 values a window: WARMUP");
	tsp_gmmdet_free(d);
	c.min_points = 10;
	d = tsp_gmmdet_new(&c, &err);
	for (int i = 0; i <= 10; i++) {
		o = obs(v[i], NAN);
		tsp_gmmdet_push(d, &c, 10.0 * i, &o, &s, &err);
	}
	CHECK(s.level != TSP_LEVEL_WARMUP && fitted_on(d, v, 0, 10, 4),
	      "min_points 10: fitted at t=100 on 10 values");
	tsp_gmmdet_free(d);
}

/* kmax 1: score |v - mu| / sd, bounds mu -+ weak sd, tails. */
static void test_det_one_component(void)
{
	struct tsp_gmmdet_config c;
	struct tsp_gmmdet *d;
	struct tsp_error err;
	struct tsp_score s;
	struct tsp_obs o;
	const struct tsp_gmm *g;
	double mu, sd;
	char buf[200];
	int bad = 0;

	det_config(&c, 60, 1);
	d = tsp_gmmdet_new(&c, &err);
	for (int i = 0; i < 60; i++) {
		o = obs(i % 2 ? 11 : 9, NAN);
		tsp_gmmdet_push(d, &c, i, &o, &s, &err);
	}
	o = obs(14, NAN);
	tsp_gmmdet_push(d, &c, 60, &o, &s, &err);
	g = tsp_gmmdet_model(d);
	CHECK(g && g->k == 1 && g->mu[0] == 10 &&
	      fabs(g->var[0] - (1 + 1.0 / 12)) < 1e-12,
	      "mean 10, var 1 + 1/12 (integers: the resolution floor)");
	if (!g)
		return;
	mu = g->mu[0];
	sd = sqrt(g->var[0]);
	CHECK(fabs(s.score - 4 / sd) < 1e-12 && s.z == s.score &&
	      s.expected == 10 && s.level == TSP_LEVEL_WEAK,
	      "14: score %.17g, level %s", s.score, s.level ==
	      TSP_LEVEL_WEAK ? "WEAK" : "not WEAK");
	CHECK(fabs(s.lower - (mu - 3 * sd)) < 1e-9 &&
	      fabs(s.upper - (mu + 3 * sd)) < 1e-9,
	      "bounds %.17g %.17g", s.lower, s.upper);
	CHECK_STR(tsp_gmmdet_reason(d, &c, &o, &s, buf, sizeof(buf)),
		  "gmm: 14 above 10 (k=1, loglik -8.34), score 3.84");
	for (double x = 0; x < 20; x += 0.25) {
		o = obs(x, NAN);
		tsp_gmmdet_push(d, &c, 61, &o, &s, &err);
		bad += fabs(s.score - fabs(x - mu) / sd) > 1e-9 ||
		       s.level != (s.score >= 4 ? TSP_LEVEL_STRONG :
				   s.score >= 3 ? TSP_LEVEL_WEAK :
				   TSP_LEVEL_NORMAL);
	}
	CHECK(bad == 0, "scores |x - mu| / sd (%d bad)", bad);
	o = obs(4, NAN);
	tsp_gmmdet_push(d, &c, 62, &o, &s, &err);
	CHECK(s.level == TSP_LEVEL_STRONG && fabs(s.z + 6 / sd) < 1e-9,
	      "4 is 6 / sd below");
	CHECK_STR(tsp_gmmdet_reason(d, &c, &o, &s, buf, sizeof(buf)),
		  "gmm: 4 below 10 (k=1, loglik -17.6), score 5.76");
	c.tail = TSP_TAIL_UPPER;
	tsp_gmmdet_push(d, &c, 63, &o, &s, &err);
	CHECK(s.level == TSP_LEVEL_NORMAL && s.score == 0 && s.z < -5,
	      "tail upper: a low value scores 0");
	CHECK(isnan(s.lower) && isfinite(s.upper), "upper: no lower bound");
	c.tail = TSP_TAIL_LOWER;
	o = obs(16, NAN);
	tsp_gmmdet_push(d, &c, 64, &o, &s, &err);
	CHECK(s.level == TSP_LEVEL_NORMAL && s.score == 0 && s.z > 5,
	      "tail lower: a high value scores 0");
	o = obs(3, NAN);
	tsp_gmmdet_push(d, &c, 65, &o, &s, &err);
	CHECK(s.level == TSP_LEVEL_STRONG, "tail lower: a low value");
	c.tail = TSP_TAIL_BOTH;

	/* Forecast: the likelihood gap, around the forecast. */
	o = obs(12, 11);
	tsp_gmmdet_push(d, &c, 66, &o, &s, &err);
	/* One component: the scores are |z|, the gap their difference. */
	CHECK(s.expected == 11 &&
	      fabs(s.score - (fabs(12 - mu) - fabs(11 - mu)) / sd) < 1e-9,
	      "forecast gap %.17g", s.score);
	/* |x - mu| / sd = |11 - mu| / sd + 3 */
	CHECK(fabs(s.upper - (mu + fabs(11 - mu) + 3 * sd)) < 1e-9 &&
	      fabs(s.lower - (mu - fabs(11 - mu) - 3 * sd)) < 1e-9,
	      "bounds around a forecast: %.17g %.17g", s.lower, s.upper);
	o = obs(8.5, 11.5);
	tsp_gmmdet_push(d, &c, 67, &o, &s, &err);
	CHECK(s.score == 0 && s.z == 0 && s.level == TSP_LEVEL_NORMAL,
	      "less surprising than the forecast: 0");
	o = obs(16, 11);
	tsp_gmmdet_push(d, &c, 68, &o, &s, &err);
	CHECK_STR(tsp_gmmdet_reason(d, &c, &o, &s, buf, sizeof(buf)),
		  "gmm: 16 above forecast 11 (k=1, loglik -17.6 vs -1.42), "
		  "score 4.8");
	tsp_gmmdet_free(d);
}

/* Missing and infinite values, time going backwards. */
static void test_det_odd_values(void)
{
	struct tsp_gmmdet_config c;
	struct tsp_gmmdet *d;
	struct tsp_error err;
	struct tsp_score s;
	struct tsp_obs o;
	struct tsp_params p, q;
	char buf[200];
	int bad = 0;

	rng_state = 11;
	det_config(&c, 60, 4);
	d = tsp_gmmdet_new(&c, &err);
	o = obs(NAN, NAN);
	tsp_gmmdet_push(d, &c, 0, &o, &s, &err);
	CHECK(s.level == TSP_LEVEL_UNKNOWN && isnan(s.score), "NaN first");
	CHECK_STR(tsp_gmmdet_reason(d, &c, &o, &s, buf, sizeof(buf)),
		  "gmm: missing value");
	for (int i = 1; i <= 60; i++) {
		o = obs(bimodal(), NAN);
		tsp_gmmdet_push(d, &c, i, &o, &s, &err);
	}
	CHECK(s.level == TSP_LEVEL_WARMUP, "first finite value at t=1");
	CHECK_STR(tsp_gmmdet_reason(d, &c, &o, &s, buf, sizeof(buf)),
		  "gmm: warming up (60 values in the window)");
	o = obs(10, NAN);
	tsp_gmmdet_push(d, &c, 61, &o, &s, &err);
	CHECK(s.level != TSP_LEVEL_WARMUP, "scored at t=61");
	tsp_params_init(&p);
	tsp_params_init(&q);
	tsp_gmmdet_save(d, &c, "s.", &p, &err);
	/* (at the same time: a later one could drop old values) */
	o = obs(NAN, 10);
	tsp_gmmdet_push(d, &c, 62, &o, &s, &err);
	CHECK(s.level == TSP_LEVEL_UNKNOWN, "NaN: UNKNOWN");
	o = obs(INFINITY, NAN);
	tsp_gmmdet_push(d, &c, 61, &o, &s, &err);
	CHECK(s.level == TSP_LEVEL_STRONG && isinf(s.score) && s.z > 0,
	      "Inf: STRONG");
	o = obs(-INFINITY, 10);
	tsp_gmmdet_push(d, &c, 61, &o, &s, &err);
	CHECK(s.level == TSP_LEVEL_STRONG && isinf(s.score) && s.z < 0,
	      "-Inf with a forecast: STRONG");
	tsp_gmmdet_save(d, &c, "s.", &q, &err);
	CHECK(p.len == q.len && memcmp(p.buf, q.buf, p.len) == 0,
	      "NaN and Inf leave the state unchanged");
	for (int i = 0; i < 300; i++) {
		o = obs(bimodal(), i % 3 ? NAN : 12);
		bad += tsp_gmmdet_push(d, &c, 1000 - 3.5 * i, &o, &s, &err)
		       != 0 || (s.level != TSP_LEVEL_UNKNOWN &&
				!(s.score >= 0));
	}
	CHECK(bad == 0, "time going backwards: scores, no crash");
	tsp_params_release(&p);
	tsp_params_release(&q);
	tsp_gmmdet_free(d);
}

/* Bounds of a two-component model: the score reaches weak there, and
 * not before. */
static void test_det_bounds(void)
{
	struct tsp_gmmdet_config c;
	struct tsp_gmmdet *d;
	struct tsp_error err;
	struct tsp_score s, t;
	struct tsp_obs o;
	const struct tsp_gmm *g;
	int bad = 0;

	rng_state = 3;
	det_config(&c, 500, 4);
	d = tsp_gmmdet_new(&c, &err);
	for (int i = 0; i <= 500; i++) {
		o = obs(bimodal(), NAN);
		tsp_gmmdet_push(d, &c, i, &o, &s, &err);
	}
	g = tsp_gmmdet_model(d);
	CHECK(g && g->k == 2, "bimodal: k=2");
	if (!g)
		return;
	CHECK(s.expected == g->mu[g->dom] && fabs(s.expected - 10) < 0.5,
	      "expected = main mode %g", s.expected);
	CHECK(s.lower < s.expected && s.upper > s.expected,
	      "bounds %g %g", s.lower, s.upper);
	CHECK(fabs(tsp_gmm_score(g, s.lower) - 3) < 1e-9 &&
	      fabs(tsp_gmm_score(g, s.upper) - 3) < 1e-9,
	      "score at bounds %.17g %.17g", tsp_gmm_score(g, s.lower),
	      tsp_gmm_score(g, s.upper));
	for (double x = s.lower + 0.01; x < s.upper; x += 0.01)
		bad += tsp_gmm_score(g, x) >= 3;
	CHECK(bad == 0, "no weak score between the bounds");
	for (double f = 5; f < 30; f += 0.7) {
		double s0 = tsp_gmm_score(g, f);

		o = obs(f, f);
		tsp_gmmdet_push(d, &c, 501, &o, &t, &err);
		if (isnan(t.upper) || isnan(t.lower) ||
		    fabs(tsp_gmm_score(g, t.upper) - s0 - 3) > 1e-9 ||
		    fabs(tsp_gmm_score(g, t.lower) - s0 - 3) > 1e-9 ||
		    t.score != 0)
			bad++;
	}
	CHECK(bad == 0, "bounds around forecasts (%d bad)", bad);
	tsp_gmmdet_free(d);
}

/* A run saved and loaded half way scores exactly as one run. */
static void test_det_split(void)
{
	enum { N = 3000 };
	static struct tsp_score a[N], b[N];
	struct tsp_gmmdet_config c;
	struct tsp_gmmdet *d;
	struct tsp_error err;
	struct tsp_obs o[N];
	double t[N];
	static const int cuts[] = { 5, 150, 400, 1234, 2999 };

	rng_state = 5;
	for (int i = 0; i < N; i++) {
		t[i] = i * 1.5 + (i % 7 == 0) * 0.25;
		o[i] = obs(i % 97 == 0 ? NAN : bimodal(),
			   i % 5 == 0 ? 14 : NAN);
		if (i % 501 == 0)
			o[i].value = 60;
	}
	det_config(&c, 400, 4);
	c.refit = 200;
	c.tail = TSP_TAIL_UPPER;
	memset(a, 0, sizeof(a));
	d = tsp_gmmdet_new(&c, &err);
	for (int i = 0; i < N; i++)
		tsp_gmmdet_push(d, &c, t[i], &o[i], &a[i], &err);
	tsp_gmmdet_free(d);
	for (size_t k = 0; k < sizeof(cuts) / sizeof(cuts[0]); k++) {
		struct tsp_params p;
		int rc = 0;

		memset(b, 0, sizeof(b));
		tsp_params_init(&p);
		d = tsp_gmmdet_new(&c, &err);
		for (int i = 0; i < cuts[k]; i++)
			tsp_gmmdet_push(d, &c, t[i], &o[i], &b[i], &err);
		tsp_params_str(&p, "other", "item", &err);
		rc |= tsp_gmmdet_save(d, &c, "d0.", &p, &err);
		tsp_gmmdet_free(d);
		d = tsp_gmmdet_load(&c, "d0.", p.buf, p.len, &err);
		CHECK(d != NULL, "load at %d: %s", cuts[k], err.msg);
		if (!d)
			continue;
		for (int i = cuts[k]; i < N; i++)
			rc |= tsp_gmmdet_push(d, &c, t[i], &o[i], &b[i], &err);
		CHECK(rc == 0 && memcmp(a, b, sizeof(a)) == 0,
		      "split at %d scores as one run", cuts[k]);
		tsp_gmmdet_free(d);
		tsp_params_release(&p);
	}
	{
		int nw = 0, ns = 0;

		for (int i = 0; i < N; i++) {
			nw += a[i].level == TSP_LEVEL_WEAK;
			ns += a[i].level == TSP_LEVEL_STRONG;
		}
		CHECK(ns >= 5 && nw + ns < 60, "%d WEAK, %d STRONG", nw, ns);
	}
}

/* Corrupt entries are errors, never crashes. */
static void test_det_corrupt(void)
{
	struct tsp_gmmdet_config c;
	struct tsp_gmmdet *d;
	struct tsp_error err;
	struct tsp_score s;
	struct tsp_obs o;
	struct tsp_params p;
	unsigned char *copy;
	double tt[3] = { 1, 2, 3 }, vv[2] = { 1, 2 };
	int bad = 0, loaded = 0;

	rng_state = 9;
	det_config(&c, 100, 4);
	d = tsp_gmmdet_new(&c, &err);
	for (int i = 0; i < 150; i++) {
		o = obs(bimodal(), NAN);
		tsp_gmmdet_push(d, &c, i, &o, &s, &err);
	}
	tsp_params_init(&p);
	tsp_gmmdet_save(d, &c, "x.", &p, &err);
	tsp_gmmdet_free(d);
	for (size_t cut = 0; cut < p.len; cut += 13) {
		d = tsp_gmmdet_load(&c, "x.", p.buf, cut, &err);
		bad += d != NULL || err.code != TSP_EDATA;
		tsp_gmmdet_free(d);
	}
	CHECK(bad == 0, "truncated entries are TSP_EDATA");
	copy = malloc(p.len);
	for (size_t i = 0; i < p.len; i++)
		for (int bit = 0; bit < 8; bit += 3) {
			memcpy(copy, p.buf, p.len);
			copy[i] ^= (unsigned char)(1 << bit);
			d = tsp_gmmdet_load(&c, "x.", copy, p.len, &err);
			if (d) {
				/* A flip that still makes sense must work. */
				o = obs(12, NAN);
				bad += tsp_gmmdet_push(d, &c, 150, &o, &s,
						       &err) != 0;
				loaded++;
			} else {
				bad += err.code != TSP_EDATA;
			}
			tsp_gmmdet_free(d);
		}
	CHECK(bad == 0 && loaded > 0, "bit flips: %d loaded, %d bad", loaded,
	      bad);
	free(copy);
	tsp_params_clear(&p);
	tsp_params_num(&p, "first_t", 0, &err);
	tsp_params_num(&p, "fit_t", NAN, &err);
	tsp_params_nums(&p, "t", tt, 3, &err);
	tsp_params_nums(&p, "v", vv, 2, &err);
	d = tsp_gmmdet_load(&c, "", p.buf, p.len, &err);
	CHECK(!d && err.code == TSP_EDATA, "3 times, 2 values");
	CHECK_STR(err.msg, "corrupt entry: no window under ''");
	tsp_params_release(&p);
}

/* The window holds one reference length of values. */
static void test_det_memory(void)
{
	struct tsp_gmmdet_config c;
	struct tsp_gmmdet *d;
	struct tsp_error err;
	struct tsp_score s;
	struct tsp_obs o;
	struct tsp_params p;
	struct tsp_param it;
	size_t b1;

	rng_state = 13;
	det_config(&c, 1000, 4);
	d = tsp_gmmdet_new(&c, &err);
	for (int i = 0; i < 3000; i++) {
		o = obs(bimodal(), NAN);
		tsp_gmmdet_push(d, &c, i, &o, &s, &err);
	}
	b1 = tsp_gmmdet_bytes(d);
	for (int i = 3000; i < 9000; i++) {
		o = obs(bimodal(), NAN);
		tsp_gmmdet_push(d, &c, i, &o, &s, &err);
	}
	CHECK(tsp_gmmdet_bytes(d) == b1 && b1 < 1001 * 16 * 3 / 2 + 400,
	      "memory stays at %zu bytes", b1);
	tsp_params_init(&p);
	tsp_gmmdet_save(d, &c, "", &p, &err);
	CHECK(tsp_params_find(p.buf, p.len, "v", &it) == 1 && it.n == 1001,
	      "window of 1001 values (%zu)", it.n);
	tsp_params_release(&p);
	tsp_gmmdet_free(d);
}

/* 80% exact zeros and 20% N(5, 1): the zeros fit a very narrow
 * component, which must not make ordinary values of the other look
 * extreme (a density-ratio score flagged about all of them). */
static void test_zero_inflated(void)
{
	enum { N = 5000 };
	static double x[N];
	unsigned long long r = 88172645463325252ULL;
	struct tsp_gmm g;
	struct tsp_error err;
	int flagged = 0, nonzero = 0;

	for (int i = 0; i < N; i++) {
		double u1, u2;
		r ^= r << 13; r ^= r >> 7; r ^= r << 17;
		u1 = ((r >> 11) + 0.5) / 9007199254740992.0;
		r ^= r << 13; r ^= r >> 7; r ^= r << 17;
		u2 = ((r >> 11) + 0.5) / 9007199254740992.0;
		x[i] = i % 5 ? 0 : 5 + sqrt(-2 * log(u1)) * cos(2 * M_PI * u2);
	}
	tsp_error_clear(&err);
	CHECK(tsp_gmm_fit(x, N, 4, &g, &err) == 0, "zero-inflated fit: %s",
	      err.msg);
	for (int i = 0; i < N; i++) {
		if (x[i] == 0)
			continue;
		nonzero++;
		flagged += tsp_gmm_score(&g, x[i]) >= 3;
	}
	/* A Gaussian flags 0.27% of its values (score >= 3).  Here the
	   zeros sit at their component's mean and never score; a non-zero
	   value has p = 0.2 * 2 Q(z) (the zeros' component adds nothing),
	   which reaches 2 Q(3) = 0.0027 at 2 Q(z) = 0.0135, z = 2.47: 1.35%
	   of the non-zero values, 0.27% of all, a Gaussian's share (the
	   density-ratio score flagged about every non-zero value). */
	printf("# zero-inflated: %d of %d values (%d non-zero) score >= 3\n",
	       flagged, N, nonzero);
	CHECK(flagged > N * 0.001 && flagged < N * 0.005,
	      "zero-inflated: %d of %d flagged", flagged, N);
	CHECK(tsp_gmm_score(&g, 0) < 1 && tsp_gmm_score(&g, 5) < 1.5 &&
	      tsp_gmm_score(&g, 12) > 5, "zero-inflated: 0 %g, 5 %g, 12 %g",
	      tsp_gmm_score(&g, 0), tsp_gmm_score(&g, 5),
	      tsp_gmm_score(&g, 12));
}

/* A one-dimensional model from parameters. */
static void model(struct tsp_gmm *g, int k, const double *w,
		  const double *mu, const double *var)
{
	memset(g, 0, sizeof(*g));
	g->k = k;
	for (int j = 0; j < k; j++) {
		g->w[j] = w[j];
		g->mu[j] = mu[j];
		g->var[j] = var[j];
	}
	tsp_gmm_prepare(g);
}

/* One component: exactly |z|, growing with |x - mu|; two identical
 * components go through the general path (the sum of tail masses, its
 * log, the inverse) and must give |z| too, to 1e-12, in the far tail as
 * well (through the switches to log space at z ~ 35.7 and to the
 * asymptotic series at 40). */
static void test_far_tail(void)
{
	static const double w1[] = { 1 }, w2[] = { 0.5, 0.5 };
	static const double mu[] = { 3, 3 }, var[] = { 4, 4 };
	struct tsp_gmm g, h;
	double prev = -1, prevh = -1, worst = 0;
	int bad = 0, badh = 0, mono = 0;

	model(&g, 1, w1, mu, var);
	model(&h, 2, w2, mu, var);
	for (double z = 0; z < 300; z += z < 34 || z > 42 ? 0.37 : 0.0137) {
		for (int side = -1; side <= 1; side += 2) {
			double x = 3 + side * 2 * z, zz = fabs(x - 3) / 2;
			double s = tsp_gmm_score(&g, x), t = tsp_gmm_score(&h, x);

			bad += s != zz;
			if (fabs(t - zz) > worst)
				worst = fabs(t - zz);
			badh += !(fabs(t - zz) <= 1e-12);
			if (side == 1) {
				mono += s < prev || t < prevh;
				prev = s;
				prevh = t;
			}
		}
	}
	CHECK(bad == 0, "one component, z 0..300: %d not |z|", bad);
	CHECK(badh == 0, "two equal components, z 0..300: %d off by more "
	      "than 1e-12 (worst %g)", badh, worst);
	CHECK(mono == 0, "score not monotonic in |x - mu|: %d", mono);
	CHECK(tsp_gmm_score(&g, 1e100) == (1e100 - 3) / 2 &&
	      fabs(tsp_gmm_score(&h, 1e100) / 5e99 - 1) < 1e-15 &&
	      fabs(tsp_gmm_score(&h, -1e200) / 5e199 - 1) < 1e-15,
	      "far away %.17g", tsp_gmm_score(&h, 1e100));
	/* Finite for every finite value, Inf only for infinite ones. */
	CHECK(tsp_gmm_score(&h, DBL_MAX) == DBL_MAX / 2 &&
	      tsp_gmm_score(&h, -DBL_MAX) == DBL_MAX / 2 &&
	      isinf(tsp_gmm_score(&h, INFINITY)) &&
	      isnan(tsp_gmm_score(&h, NAN)), "extremes");
	h.var[0] = h.var[1] = 1e-10;
	tsp_gmm_prepare(&h);
	CHECK(tsp_gmm_score(&h, DBL_MAX) == DBL_MAX &&
	      tsp_gmm_score(&h, -DBL_MAX) == DBL_MAX &&
	      tsp_gmm_logtail(&h, DBL_MAX) == -INFINITY,
	      "beyond a double: %g", tsp_gmm_score(&h, DBL_MAX));
}

/* log p(x) and the score against scipy (tests/unit/ref_gmm.h), from the
 * centre of each component out to 80 sd. */
static void test_tail_reference(void)
{
	for (size_t c = 0; c < sizeof(gmm_tails) / sizeof(gmm_tails[0]);
	     c++) {
		const struct gmm_ref_tail *r = &gmm_tails[c];
		struct tsp_gmm g;
		double wl = 0, ws = 0;
		int bad = 0;

		model(&g, r->k, r->w, r->mu, r->var);
		for (size_t i = 0; i < r->n; i++) {
			double lp = tsp_gmm_logtail(&g, r->x[i]);
			double s = tsp_gmm_score(&g, r->x[i]);
			double el = fabs(lp - r->lp[i]) /
				    (1 + fabs(r->lp[i]));
			double es = fabs(s - r->score[i]) /
				    (1 + r->score[i]);

			if (el > wl)
				wl = el;
			if (es > ws)
				ws = es;
			bad += !(el <= 1e-12 && es <= 1e-12);
		}
		CHECK(bad == 0, "tail %s: %d of %zu off (worst log p %g, "
		      "score %g)", r->name, bad, r->n, wl, ws);
	}
}

/* The score of a real mixture at both sides of its switches: where p
 * falls below 1e-280 (log space from there) and where the main term's
 * z passes 40 (the asymptotic series); above every mean it only grows. */
static void test_tail_switch(void)
{
	static const double w[] = { 0.5, 0.3, 0.2 }, mu[] = { -5, 0, 4 };
	static const double var[] = { 1, 0.09, 4 };
	struct tsp_gmm g;
	double lo = 4, hi = 4 + 2 * 45, x, a, b, prev = 0;
	int mono = 0;

	model(&g, 3, w, mu, var);
	for (int i = 0; i < 200; i++) {	/* log p(x) = log 1e-280 */
		x = lo + (hi - lo) / 2;
		if (x <= lo || x >= hi)
			break;
		if (tsp_gmm_logtail(&g, x) > log(1e-280))
			lo = x;
		else
			hi = x;
	}
	a = tsp_gmm_score(&g, lo);
	b = tsp_gmm_score(&g, hi);
	CHECK(hi == nextafter(lo, INFINITY) && b >= a && b - a < 1e-12,
	      "switch to log space at %.17g: %.17g, %.17g", lo, a, b);
	x = 4 + 2 * 40;
	a = tsp_gmm_score(&g, nextafter(x, 0));
	b = tsp_gmm_score(&g, nextafter(x, INFINITY));
	CHECK(b >= a && b - a < 1e-12, "switch to the series at z = 40: "
	      "%.17g, %.17g", a, b);
	for (x = 4; x < 4 + 2 * 60; x += 0.0013) {
		double s = tsp_gmm_score(&g, x);

		mono += s < prev;
		prev = s;
	}
	CHECK(mono == 0, "not growing above every mean: %d", mono);
}

int main(void)
{
	test_zero_inflated();
	test_far_tail();
	test_tail_reference();
	test_tail_switch();
	test_reference();
	test_one_component();
	test_far_values();
	test_errors();
	test_floor();
	test_save_load();
	test_det_config();
	test_det_warmup_refit();
	test_det_one_component();
	test_det_odd_values();
	test_det_bounds();
	test_det_split();
	test_det_corrupt();
	test_det_memory();
	return t_done();
}
