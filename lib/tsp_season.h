/*
 * tsp_season: how seasonal a series is.  Period detection (`--period
 * auto`) on a series on a regular grid; NaN marks a missing value.  The
 * KPSS and ADF stationarity tests are in tsp_stationarity.h.
 */
#ifndef TSP_SEASON_H
#define TSP_SEASON_H

#include <stddef.h>

#include "tsp_error.h"

/*
 * The seasonal periods (in steps) present in y[0..n), strongest first, at
 * most max of them, each between 2 and maxperiod (0: no limit but the
 * data's).  Missing values (NaN, also +-Inf) are filled by linear
 * interpolation; missing ends are dropped.  A period needs at least five
 * full cycles in the data, or three if it is a multiple of a shorter
 * period found (a week over days): over fewer, a random walk's wander
 * passes for a cycle too often.  Periods longer than maxperiod are
 * searched for all the same, only not reported, because a weekly cycle
 * explains away its half-week harmonic.
 *
 * How (season.c says why, step by step):
 *  1. Remove the least-squares line.  Take the autocorrelation, by FFT,
 *     of the series whitened by a running median of its (Hann-tapered)
 *     spectrum, so that a wandering level or a trend neither buries nor
 *     shifts the cycles; average it over the multiples of each lag (a
 *     comb: sharp at a true period, low at its fractions).  Candidates:
 *     the 24 best local maxima, none within 5% of another, at most 8
 *     near multiples of any one.
 *  2. Shortest first, place each candidate: on the multiple or whole
 *     fraction of an accepted period it is within 2% of (a week is
 *     exactly 7 days), else on the lag within 4 steps whose profile is
 *     strongest.  A multiple of an accepted period must lift the comb 5%
 *     above the neighbouring multiples (a weekend unlike weekdays does;
 *     a plain daily cycle does not).
 *  3. Test it: subtract a centred moving average of one period (trend,
 *     wander), subtract the mean profiles of the accepted periods other
 *     than its multiples, and F-test the variance its own mean profile
 *     explains against what is left within phases, the degrees of
 *     freedom corrected for the autocorrelation of what is left, at
 *     p < 1e-9.
 *  4. Harmonics: a divisor q of a period k is kept only if k's profile
 *     is made of k/q stretches that correlate (r >= 0.4: the days of a
 *     week do; 144 in a day with two unequal bumps does not), each
 *     stretch about its own mean when their levels are most of k's
 *     profile (a weekend step larger than the day).  After
 *     each acceptance, periods no longer significant net of the others
 *     are dropped (336 = 2016/6, taken from a weekly pattern before the
 *     week was seen).  A second pass redoes 2-4 with the periods of the
 *     first placed first.
 * The lags are exact integers (288, not 287) as long as there are tens
 * of cycles or a shorter period pins them down; a period seen over a few
 * cycles only and in heavy noise can be a step off.
 *
 * strength[i] (strength may be NULL) is in 0..1: the share of the
 * variance of the series, after removing the one-period moving average
 * and the other periods found (except the period's multiples), that the
 * period's mean profile explains.  The periods are ordered by it.
 *
 * Cost: O(n log n): three FFTs of 1.5 n points, one more for each
 * candidate that nearly passes, a few dozen O(n) passes; about 10 n
 * doubles of memory.  16,128 points (8 weeks of 5-minute data)
 * take 20 to 40 ms, a million 0.4 to 1.2 s (2 GHz-class core).
 * Returns the number of periods written (0 = no seasonality, also for a
 * constant, exactly linear or too short series), or -1 with err set (out
 * of memory, or a GSL failure).
 */
long tsp_season_find(const double *y, size_t n, size_t maxperiod,
		     size_t *periods, double *strength, size_t max,
		     struct tsp_error *err);

#endif
