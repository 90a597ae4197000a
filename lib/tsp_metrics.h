/*
 * tsp_metrics: how good a binary classifier's probabilities are —
 * accuracy, precision, recall, F1 and the confusion matrix at a
 * threshold, ROC AUC, Brier score — as scikit-learn's metrics compute
 * them; the threshold that reaches a target precision; and the folds of
 * a cross-validation (stratified, or by time).
 */
#ifndef TSP_METRICS_H
#define TSP_METRICS_H

#include <stddef.h>
#include <stdint.h>

#include "tsp_error.h"

struct tsp_metrics {
	size_t n, pos;		/* samples scored, of class 1 */
	double threshold;	/* class 1 predicted when p >= threshold */
	size_t tp, fp, tn, fn;
	double accuracy;
	double precision;	/* tp / (tp + fp); 0 without calls (sklearn) */
	double recall;		/* tp / (tp + fn); 0 without positives */
	double f1;		/* 0 when precision + recall is 0 */
	double auc;		/* NaN with one class only */
	double brier;		/* mean of (p - y)^2 */
};

/*
 * Metrics of probabilities p[0..n) against classes y (0 or 1) at
 * threshold; samples whose p is NaN are left out.  Returns 0, or -1 with
 * err set when out of memory (the AUC sorts a copy).
 */
int tsp_metrics_compute(const double *p, const unsigned char *y, size_t n,
			double threshold, struct tsp_metrics *m,
			struct tsp_error *err);

/*
 * ROC AUC (the Mann-Whitney statistic; tied scores count one half) of
 * p against y, NaN p left out.  NaN when only one class is scored, or
 * when out of memory.
 */
double tsp_metrics_auc(const double *p, const unsigned char *y, size_t n);

/*
 * The lowest threshold t among the scores p such that the samples with
 * p >= t are class 1 with precision at least min_precision: the most
 * calls at that precision.  *precision and *recall get what t gives.
 * Returns t, or NaN when no threshold reaches min_precision (then
 * *precision is the best any threshold gives) or when out of memory.
 */
double tsp_metrics_threshold(const double *p, const unsigned char *y,
			     size_t n, double min_precision,
			     double *precision, double *recall);

/*
 * Stratified k-fold: fold[i] in [0, k) for each of n samples, each fold
 * with as equal a share of each class as can be (shuffled with seed).
 * Returns 0, or -1 with err set (out of memory, k < 2, a class with
 * fewer than k samples).
 */
int tsp_folds_stratified(const unsigned char *y, size_t n, size_t k,
			 uint64_t seed, int *fold, struct tsp_error *err);

/*
 * Time-ordered split of n samples into k + 1 consecutive blocks, as
 * scikit-learn's TimeSeriesSplit: split s (0 <= s < k) tests on block
 * s + 1 and trains on everything before it.  The test block of split s
 * is positions [*test_start, *test_end) in time order.
 */
void tsp_folds_time(size_t n, size_t k, size_t s, size_t *test_start,
		    size_t *test_end);

#endif
