/*
 * tsp_nainterp: filling the missing values of a series as
 * forecast::na.interp() (forecast 8.20) does, with no Box-Cox lambda.
 * tsp_stl() and tsp_mstl() use it on series with gaps, as
 * forecast::mstl() does; the seasonal fill in turn runs tsp_mstl() on
 * a complete series, as na.interp() runs mstl().
 *
 * For seasonal periods P (any order; sorted ascending first, as msts()
 * keeps them):
 *   - no periods, or no more than 2 * max(P) non-missing points: linear
 *     interpolation between the nearest non-missing points; points
 *     before the first or after the last take its value (R's
 *     approx(rule = 2));
 *   - otherwise: a least-squares fit of Fourier terms (K = min(P/2, 5)
 *     pairs for a single period, as for a ts; min(P/2, 20) per period
 *     for several, as for an msts) and a polynomial in time (degree
 *     min(max(n/10, 1), 6)) to the non-missing points gives a first
 *     guess at the missing ones; a robust MSTL of that series (default
 *     seasonal windows; one iteration for a single period) gives the
 *     seasonal component; the seasonally adjusted series is linearly
 *     interpolated across the gaps and the seasonal component added
 *     back.  If any value then lies more than half the data's range
 *     beyond the data's range, linear interpolation is used instead.
 * Results agree with R to about 1e-12 of the series' scale (the
 * regression is solved in a different but equivalent way).
 */
#ifndef TSP_NAINTERP_H
#define TSP_NAINTERP_H

#include <stddef.h>

#include "tsp_error.h"
#include "tsp_stl.h"	/* TSP_MSTL_MAXP */

/*
 * forecast::na.interp(): fill the NaNs of y[0..n) in place, as above,
 * for a series with seasonal periods period[0..np) (np 0 to
 * TSP_MSTL_MAXP, each period >= 2; np 0 is a non-seasonal series).
 * A series with no NaN is left as it is.  Returns 0, or -1 with err set
 * and y unchanged (TSP_EUSAGE: a bad np or period; TSP_EDATA: fewer than
 * 2 non-missing values, Inf; TSP_ENOMEM).
 */
int tsp_nainterp(double *y, size_t n, const size_t *period, size_t np,
		 struct tsp_error *err);

#endif
