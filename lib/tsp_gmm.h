/*
 * tsp_gmm: one-dimensional Gaussian mixtures fitted by EM, as sklearn's
 * GaussianMixture (covariance_type "full", n_init 1, tol 1e-3, max_iter
 * 100) fits them, with a deterministic start; the model of tsscore's gmm
 * detector (the streaming detector itself is in tsp_gmmdet.h).
 *
 * Fitting, precisely:
 *   - NaN and infinite values are skipped; n is the number of the others.
 *   - The values are standardised (x - mean) / sd (population sd) and the
 *     variance floor sklearn adds to every component's variance
 *     (reg_covar 1e-6) is added in those units, so it is 1e-6 times the
 *     data's variance whatever their scale.  A constant sample is scaled
 *     by |value| (1 if 0) instead.
 *   - Values recorded to a resolution d (all of them multiples of 1, else
 *     of 0.1, 0.01 or 0.001) stand for anything within d/2: the floor is
 *     then at least d^2 / 12 (their variance, Sheppard's correction).
 *     Without it a component collapses onto one repeated value (counts:
 *     a third of a Poisson(3) series at 2) with sd 0.001 that of the data,
 *     and every other value scores as an anomaly.
 *   - Start for k components: means at the type-7 quantiles (i + 0.5) / k
 *     of the sorted values, refined by Lloyd's k-means (a value goes to
 *     the nearest mean, the lower one on a tie; a cluster left empty takes
 *     the value farthest from its own cluster's mean, the first such; at
 *     most 100 rounds).  Weights, means and variances (+ floor) are then
 *     the clusters' shares, means and population variances.  There is no
 *     randomness: the same values give the same model.
 *   - EM as sklearn's: E step, M step (component counts plus 10 machine
 *     epsilons), stop when the mean log-likelihood of the E step changed
 *     by less than 1e-3, at most 100 rounds (an unconverged fit is kept,
 *     marked converged = 0).
 *   - k runs from 1 to kmax; a k is tried only if there are at least 10 k
 *     values and k distinct ones (and k-means gives k clusters).  The
 *     model kept has the lowest BIC = -2 loglik + (3k - 1) ln n, loglik
 *     being the log-likelihood of the values under the final parameters
 *     (sklearn's bic()); on a tie the smaller k.
 * Components are kept in the order of their starting means.
 *
 * The score of a value x (tsp_gmm_score) is a tail mass made a z: with
 * p(x) = sum_j w_j 2 Q(|x - mu_j| / sd_j) (Q the standard normal upper
 * tail), the chance under the mixture of a deviation from its own
 * component's mean at least as large as x's, the score is Q^-1(p / 2),
 * the |z| of a Gaussian value with that two-sided tail: for one component
 * exactly |x - mu| / sd.  Unlike a density ratio, a very narrow component
 * (a spike of repeated values) does not make every other value look
 * extreme: a value in the middle of a component of weight w scores no
 * more than Q^-1(w / 2) (0.67 for half the weight).  Above every mean
 * (or below every mean) the score grows with |x| (p only falls).
 * Computed as: p summed as it is while p >= 1e-280 (z up to about 35.7),
 * then in log space (log-sum-exp of log w_j + log 2Q(z_j), log 2Q by
 * GSL's log erfc up to z = 40 and its asymptotic series beyond) and
 * inverted by Newton; the pieces agree to about 1e-13 where they meet.
 * Finite for every finite x: past 1e150 sd from every mean the score is
 * the smallest |x - mu_j| / sd_j (the rest is below a double's
 * precision), and DBL_MAX where even that exceeds a double.  Its sign
 * (tsp_gmm_zscore) is that of x - mu_d, mu_d the mean of the main
 * component (d = dom, the one of highest logpdf(mu_d)): a value between
 * two modes is "above" or "below" as seen from the main mode.
 */
#ifndef TSP_GMM_H
#define TSP_GMM_H

#include <stddef.h>

#include "tsp_error.h"
#include "tsp_params.h"

#define TSP_GMM_KMAX 8

struct tsp_gmm {
	int k;				/* components, 1..TSP_GMM_KMAX */
	double w[TSP_GMM_KMAX];		/* weights (sum 1) */
	double mu[TSP_GMM_KMAX];	/* means */
	double var[TSP_GMM_KMAX];	/* variances (> 0) */
	double loglik;			/* log-likelihood of the fitted values */
	double bic;			/* -2 loglik + (3k - 1) ln n */
	double lower_bound;		/* mean log-likelihood at the last E
					   step (sklearn's lower_bound_) */
	size_t n;			/* finite values fitted */
	int iter, converged;		/* EM rounds; 1 if tol was reached */
	/* Derived by tsp_gmm_prepare (fit and load call it): */
	double lc[TSP_GMM_KMAX];	/* log w - log(2 pi var) / 2 */
	double ih[TSP_GMM_KMAX];	/* 1 / (2 var) */
	double lw[TSP_GMM_KMAX];	/* log w */
	double sd[TSP_GMM_KMAX];	/* sqrt var */
	double ref;			/* max_j logpdf(mu_j) */
	int dom;			/* that j, the main component */
};

/*
 * Fit mixtures of 1..kmax components (kmax 1..TSP_GMM_KMAX; the detector
 * uses 4) to the finite values of x[0..n) and keep the one of lowest BIC
 * in *out.  Returns 0, or -1 with err set: TSP_EUSAGE for a kmax out of
 * range, TSP_EDATA for fewer than 10 finite values ("too few values to
 * fit a mixture: N finite, 10 needed") or values so large (~1e154) that
 * their variance overflows, TSP_ENOMEM.  Allocates only
 * scratch memory (freed before it returns).
 */
int tsp_gmm_fit(const double *x, size_t n, int kmax, struct tsp_gmm *out,
		struct tsp_error *err);

/*
 * Fit exactly k components.  Returns 1 and fills *out, 0 if k is not
 * tried (see above: too few values, fewer than k distinct ones, an empty
 * cluster), or -1 with err set as tsp_gmm_fit.  If start is not NULL it
 * receives the starting parameters (k, w, mu, var; the rest zero).
 */
int tsp_gmm_fit_k(const double *x, size_t n, int k, struct tsp_gmm *out,
		  struct tsp_gmm *start, struct tsp_error *err);

/*
 * Fill the derived fields (lc, ih, ref, dom) from k, w, mu, var, which
 * must be valid (tsp_gmm_check).  Needed after filling a model by hand.
 */
void tsp_gmm_prepare(struct tsp_gmm *g);

/*
 * 0 if k is in 1..TSP_GMM_KMAX, the weights positive and summing to 1
 * within 1e-9, the means finite and the variances positive and finite;
 * else -1 with err set to a TSP_EDATA message saying which.
 */
int tsp_gmm_check(const struct tsp_gmm *g, struct tsp_error *err);

/* Log density of the mixture at x (-Inf far away or at +-Inf; NaN for
 * NaN), by log-sum-exp. */
double tsp_gmm_logpdf(const struct tsp_gmm *g, double x);

/* The score of x, >= 0 (see above): finite for finite x, Inf at +-Inf,
 * NaN for NaN.  About k erfc evaluations and one inverse: cheap. */
double tsp_gmm_score(const struct tsp_gmm *g, double x);

/* log p(x), the log of the tail mass above (<= 0; 0 only where the
 * rounded mass is 1); -Inf at +-Inf or where it is below -DBL_MAX (some
 * 1e154 sd from every mean), NaN for NaN. */
double tsp_gmm_logtail(const struct tsp_gmm *g, double x);

/* The score with the sign of x - mu[dom]. */
double tsp_gmm_zscore(const struct tsp_gmm *g, double x);

/*
 * Save the model as items whose names start with prefix ("d0.gmm.k",
 * ".w", ".mu", ".var", ".n", ".loglik", ".bic").  Returns 0 or -1 with
 * err set (out of memory).
 */
int tsp_gmm_save(const struct tsp_gmm *g, const char *prefix,
		 struct tsp_params *p, struct tsp_error *err);

/*
 * Load a model saved under prefix from buf[0..len) into *g (prepared).
 * A missing item or an invalid model (tsp_gmm_check) is a TSP_EDATA error
 * "corrupt entry: ..."; the bytes are never trusted.  Returns 0 or -1.
 */
int tsp_gmm_load(const char *prefix, const unsigned char *buf, size_t len,
		 struct tsp_gmm *g, struct tsp_error *err);

#endif
