/*
 * Private to fcbase.c and theta.c: the theta method's estimation.
 */
#ifndef TSP_FCBASE_IMPL_H
#define TSP_FCBASE_IMPL_H

#include "tsp_fcbase.h"

/*
 * Estimate thetaf()'s parameters from y[0..n) (NaN = missing, at least
 * two observed values, no Inf; m >= 1): sets f->m (m if the series was
 * decomposed, else 1), f->val (the m seasonal indices, allocated, or
 * NULL), f->alpha, f->slope, f->sigma2, and f->level to the initial
 * level, from which the caller runs the smoothing over y.  Returns 0, or
 * -1 with err set (TSP_ENOMEM).
 */
int tsp_fcb_theta_estimate(struct tsp_fcb *f, const double *y, size_t n,
			   size_t m, struct tsp_error *err);

#endif
