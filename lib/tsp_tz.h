/*
 * tsp_tz: local wall-clock time in a named time zone (--tz), for the
 * calendar phase of a time: daily seasonality that follows the clock
 * through DST changes (days of 23 and 25 hours).  Uses the C library's
 * zone database (tzdata); one zone per process.
 */
#ifndef TSP_TZ_H
#define TSP_TZ_H

#include "tsp_error.h"
#include "tsp_time.h"

/*
 * Use zone (an IANA name such as "Europe/Paris", or "UTC") for
 * tsp_tz_offset().  An unknown zone is an error (the C library would
 * silently use UTC).  Returns 0 or -1 with err set (TSP_EUSAGE).
 */
int tsp_tz_set(const char *zone, struct tsp_error *err);

/* Seconds east of UTC at time t in the zone set (0 before any). */
long tsp_tz_offset(tsp_time_t t);

/* t as local wall-clock time: t plus the offset, in nanoseconds. */
static inline tsp_time_t tsp_tz_local(tsp_time_t t)
{
	return t + (tsp_time_t)tsp_tz_offset(t) * TSP_NS_PER_SEC;
}

#endif
