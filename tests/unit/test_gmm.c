/*
 * Gaussian mixtures (lib/gmm.c) against sklearn (tests/unit/ref_gmm.h,
 * from scripts/gen-gmm-fixtures), and the streaming gmm detector
 * (lib/gmmdet.c, below).
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "t.h"
#include "ref_gmm.h"
#include "tsp_gmm.h"

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
	CHECK(tsp_gmm_score(&g, g.mu[g.main]) == 0, "score 0 at main mode");
	CHECK(tsp_gmm_score(&g, g.mu[1 - g.main]) < 3,
	      "the other mode is no anomaly (%g)",
	      tsp_gmm_score(&g, g.mu[1 - g.main]));
	CHECK(tsp_gmm_zscore(&g, g.mu[g.main] + 50) > 0 &&
	      tsp_gmm_zscore(&g, g.mu[g.main] - 50) < 0, "signs");
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

int main(void)
{
	test_reference();
	test_one_component();
	test_far_values();
	test_errors();
	test_save_load();
	return t_done();
}
