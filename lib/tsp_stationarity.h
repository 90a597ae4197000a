/*
 * tsp_stationarity: how stationary a series is.  The KPSS and ADF tests
 * as R's tseries package computes them, on a series on a regular grid;
 * NaN marks a missing value.
 */
#ifndef TSP_STATIONARITY_H
#define TSP_STATIONARITY_H

#include <stddef.h>

#include "tsp_error.h"

/*
 * tseries::kpss.test(y, null = trend ? "Trend" : "Level", lshort = TRUE):
 * the statistic, the truncation lag trunc(4 (n/100)^(1/4)) and the p-value
 * interpolated in the KPSS table and clipped to [0.01, 0.1] as tseries
 * does.  Missing values (NaN) are removed first, so this is
 * kpss.test(na.omit(y)); R's kpss.test on a series with NA mixes the full
 * length with the shortened residuals and gives a different number.
 * Returns 0, or -1 with err set (TSP_EDATA): fewer than 3 non-missing
 * values, or a constant (Level) / exactly linear (Trend) series, whose
 * statistic is 0/0.
 */
int tsp_kpss(const double *y, size_t n, int trend, double *stat,
	     double *pvalue, int *lag, struct tsp_error *err);

/*
 * tseries::adf.test(y) with its default lag k = trunc((n-1)^(1/3)) and the
 * regression on a constant, a linear trend and k lagged differences: the
 * Dickey-Fuller t statistic, the lag k, and the p-value interpolated in
 * the Banerjee et al. table and clipped to [0.01, 0.99] as tseries does.
 * Like R, a missing value is an error.  Cost O(n k^2) time, O(k^2)
 * memory.  Returns 0, or -1 with err set (TSP_EDATA: a missing value, a
 * series too short for k lags, or a singular regression, as for a
 * constant, exactly linear or exactly periodic series, where R drops
 * columns or gives NA; TSP_ENOMEM).
 */
int tsp_adf(const double *y, size_t n, double *stat, double *pvalue,
	    int *lag, struct tsp_error *err);

#endif
