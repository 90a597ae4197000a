/* Classification metrics against scikit-learn's, thresholds by target
 * precision, and cross-validation folds. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "ref_forest.h"
#include "t.h"
#include "tsp_metrics.h"

#define NMET (sizeof(met_y) / sizeof(met_y[0]))

static void against_sklearn(void)
{
	for (size_t k = 0; k < sizeof(ref_met) / sizeof(ref_met[0]); k++) {
		const struct ref_metrics *r = &ref_met[k];
		struct tsp_metrics m;
		struct tsp_error err;

		CHECK(tsp_metrics_compute(met_p, met_y, NMET, r->threshold, &m,
					  &err) == 0, "compute");
		CHECK(m.tn == r->tn && m.fp == r->fp && m.fn == r->fn &&
		      m.tp == r->tp, "threshold %g: confusion %zu %zu %zu %zu, "
		      "sklearn %zu %zu %zu %zu", r->threshold, m.tn, m.fp, m.fn,
		      m.tp, r->tn, r->fp, r->fn, r->tp);
		CHECK(fabs(m.accuracy - r->accuracy) < 1e-12 &&
		      fabs(m.precision - r->precision) < 1e-12 &&
		      fabs(m.recall - r->recall) < 1e-12 &&
		      fabs(m.f1 - r->f1) < 1e-12, "threshold %g: acc %g prec %g "
		      "rec %g f1 %g, sklearn %g %g %g %g", r->threshold,
		      m.accuracy, m.precision, m.recall, m.f1, r->accuracy,
		      r->precision, r->recall, r->f1);
		CHECK(fabs(m.auc - r->auc) < 1e-12, "AUC %.17g, sklearn %.17g",
		      m.auc, r->auc);
		CHECK(fabs(m.brier - r->brier) < 1e-12, "Brier %.17g, sklearn "
		      "%.17g", m.brier, r->brier);
	}
}

static void edge_cases(void)
{
	double p[6] = {0.9, 0.8, 0.8, 0.3, NAN, 0.1};
	unsigned char y[6] = {1, 1, 0, 0, 1, 1};
	unsigned char one[3] = {1, 1, 1};
	struct tsp_metrics m;
	struct tsp_error err;
	double prec, rec, t;

	tsp_metrics_compute(p, y, 6, 0.5, &m, &err);
	CHECK(m.n == 5 && m.pos == 3, "NaN scores are left out (%zu, %zu)",
	      m.n, m.pos);
	/* pairs (pos, neg): 0.9>0.8 0.9>0.3 0.8=0.8 (half) 0.8>0.3
	 * 0.1<0.8 0.1<0.3: 3.5 of 6 */
	CHECK(fabs(m.auc - 3.5 / 6) < 1e-15, "AUC with a tie %g", m.auc);
	CHECK(isnan(tsp_metrics_auc(p, one, 3)), "AUC of one class is NaN");

	/* Threshold: the lowest score whose calls reach the precision. */
	t = tsp_metrics_threshold(p, y, 6, 1.0, &prec, &rec);
	CHECK(t == 0.9 && prec == 1 && fabs(rec - 1.0 / 3) < 1e-15,
	      "precision 1: t %g prec %g rec %g", t, prec, rec);
	t = tsp_metrics_threshold(p, y, 6, 0.6, &prec, &rec);
	CHECK(t == 0.1 && fabs(prec - 0.6) < 1e-15 && rec == 1,
	      "precision 0.6: t %g prec %g rec %g", t, prec, rec);
	/* Calls at 0.8 are 2 of 3 right, at 0.3 2 of 4: 0.7 needs 0.9. */
	t = tsp_metrics_threshold(p, y, 6, 0.65, &prec, &rec);
	CHECK(t == 0.8 && fabs(prec - 2.0 / 3) < 1e-15 &&
	      fabs(rec - 2.0 / 3) < 1e-15,
	      "precision 0.65: t %g prec %g rec %g", t, prec, rec);
	t = tsp_metrics_threshold(p, y, 6, 0.7, &prec, &rec);
	CHECK(t == 0.9, "precision 0.7: t %g", t);
	unsigned char none[4] = {0, 0, 0, 1};
	double q[4] = {0.9, 0.8, 0.7, 0.1};
	t = tsp_metrics_threshold(q, none, 4, 0.5, &prec, &rec);
	CHECK(isnan(t) && fabs(prec - 0.25) < 1e-15, "unreachable: t %g, "
	      "best precision %g", t, prec);
}

static void folds(void)
{
	enum { N = 103 };
	unsigned char y[N];
	int fold[N], again[N];
	size_t cnt[5][2];
	struct tsp_error err;
	int ok = 1;

	for (int i = 0; i < N; i++)
		y[i] = i % 4 == 0;	/* 26 of class 1 */
	CHECK(tsp_folds_stratified(y, N, 5, 9, fold, &err) == 0, "%s",
	      err.msg);
	memset(cnt, 0, sizeof(cnt));
	for (int i = 0; i < N; i++)
		cnt[fold[i]][y[i]]++;
	for (int k = 0; k < 5; k++)
		if (cnt[k][1] < 5 || cnt[k][1] > 6 || cnt[k][0] < 15 ||
		    cnt[k][0] > 16)
			ok = 0;
	CHECK(ok, "each fold holds 5-6 of class 1, 15-16 of class 0");
	tsp_folds_stratified(y, N, 5, 9, again, &err);
	CHECK(memcmp(fold, again, sizeof(fold)) == 0, "same seed, same folds");
	CHECK(tsp_folds_stratified(y, N, 30, 9, fold, &err) < 0,
	      "more folds than a class has samples is an error");
	CHECK_STR(err.msg, "30 folds, but only 26 incidents of class true");

	/* TimeSeriesSplit(n_splits=3) of 10: test [1,3) [4,7)...: size
	 * 10 // 4 = 2, tests start at 10 - 3*2 = 4: [4,6) [6,8) [8,10). */
	size_t a, b;
	tsp_folds_time(10, 3, 0, &a, &b);
	CHECK(a == 4 && b == 6, "time split 0: [%zu, %zu)", a, b);
	tsp_folds_time(10, 3, 2, &a, &b);
	CHECK(a == 8 && b == 10, "time split 2: [%zu, %zu)", a, b);
}

int main(void)
{
	against_sklearn();
	edge_cases();
	folds();
	return t_done();
}
