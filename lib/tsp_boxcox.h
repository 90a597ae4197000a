/*
 * tsp_boxcox: the Box-Cox transform as the R forecast package defines it
 * (BoxCox, InvBoxCox), and Guerrero's choice of its parameter lambda
 * (BoxCox.lambda, method "guerrero").  tsscale and tsforecast use them so
 * that their numbers agree with forecast 8.x.
 */
#ifndef TSP_BOXCOX_H
#define TSP_BOXCOX_H

#include <stddef.h>

/*
 * forecast::BoxCox.lambda(x, method = "guerrero", lower, upper) for x[0..n)
 * of frequency period (period <= 1: a non-seasonal series, whose
 * "subseries" are pairs of points, as forecast's nonseasonal.length = 2).
 * NaN is a missing value; it counts in n, as R's length(x) does, and is
 * left out of the subseries' means and standard deviations (na.rm).
 *
 * Replicates R step by step:
 *   - if any non-missing x <= 0, lower = max(lower, 0);
 *   - if n <= 2 * max(period, 1), the answer is 1 (no search);
 *   - otherwise the last floor(n/p)*p points (p = max(period, 2)) are cut
 *     into columns of p; per column the ratio sd / mean^(1 - lambda);
 *     the criterion is the coefficient of variation of those ratios,
 *     minimised over [lower, upper] by Brent's fmin exactly as R's
 *     optimize() does (tol = DBL_EPSILON^0.25, the same steps in the same
 *     order), so the result agrees with R to rounding, not merely to tol.
 * Where the criterion is undefined (NaN or Inf: fewer than two columns
 * with two non-missing points, a zero mean, ...) optimize() replaces it by
 * DBL_MAX, and so does this function; when that happens for every lambda
 * (a series too short or too sparse to judge) R, and this function,
 * return the point Brent's search ends at on a constant function: just
 * below upper (upper - 7.6e-5 for [-1, 2]), not a fitted value.
 * Callers that want "no evidence" instead should check the data first
 * (at least two columns with two non-missing points each).
 *
 * Returns lambda; NaN if lower >= upper after the adjustment above (R
 * stops with "'xmin' not less than 'xmax'"), if a bound is not finite, or
 * if memory runs out (only a series of more than 512 columns allocates:
 * 24 bytes per column, freed before returning).
 */
double tsp_boxcox_lambda(const double *x, size_t n, size_t period,
			 double lower, double upper);

/*
 * forecast::BoxCox for one value: lambda == 0: log(x); otherwise
 * (sign(x) * |x|^lambda - 1) / lambda.  The domain, where R would give
 * NA, NaN or an infinity:
 *   lambda <  0: x > 0 (R sets x < 0 to NA; x = 0 would give NaN)
 *   lambda == 0: x > 0
 *   lambda >  0: any x (negative x keep their sign, as in R)
 * and x, lambda and the result must be finite.  Returns 0 with *out set,
 * or -1 (x outside the domain, *out untouched): never a silent NaN.
 */
int tsp_boxcox(double x, double lambda, double *out);

/*
 * forecast::InvBoxCox (biasadj = FALSE) for one value: lambda == 0:
 * exp(y); otherwise with t = y * lambda + 1, sign(t) * |t|^(1/lambda).
 * The domain:
 *   lambda <  0: y < -1/lambda (R sets larger y to NA; y = -1/lambda
 *                would be an infinity)
 *   lambda == 0: any y
 *   lambda >  0: any y
 * and y, lambda and the result must be finite (exp(800) is refused).
 * Returns 0 with *out set, or -1 (*out untouched).
 */
int tsp_boxcox_inv(double y, double lambda, double *out);

#endif
