#define _DEFAULT_SOURCE		/* tm_gmtoff */
#include "tsp_tz.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static int zone_set;
/* Offsets change at most every few months; transitions fall on a
 * quarter hour, so an offset holds for the whole quarter hour it was
 * asked for. */
static int64_t cached_q = INT64_MIN;
static long cached_off;

int tsp_tz_set(const char *zone, struct tsp_error *err)
{
	const char *dir = getenv("TZDIR");
	char path[4096];

	if (!*zone || strstr(zone, "..") || strlen(zone) > 200)
		return tsp_error_set(err, TSP_EUSAGE, "bad time zone '%s'",
				     zone);
	if (strcmp(zone, "UTC") != 0) {
		snprintf(path, sizeof(path), "%s/%s",
			 dir && *dir ? dir : "/usr/share/zoneinfo", zone);
		if (*zone == '/' || access(path, R_OK) != 0)
			return tsp_error_set(err, TSP_EUSAGE, "unknown time "
					     "zone '%s' (an IANA name such as "
					     "Europe/Paris; is tzdata "
					     "installed?)", zone);
	}
	if (setenv("TZ", zone, 1) != 0)
		return tsp_error_set(err, TSP_ENOMEM, "out of memory");
	tzset();
	zone_set = 1;
	cached_q = INT64_MIN;
	return 0;
}

long tsp_tz_offset(tsp_time_t t)
{
	int64_t q = tsp_time_floordiv(t, 900 * TSP_NS_PER_SEC);
	time_t secs;
	struct tm tm;

	if (!zone_set)
		return 0;
	if (q == cached_q)
		return cached_off;
	secs = (time_t)(q * 900);
	if (!localtime_r(&secs, &tm))
		return 0;
	cached_q = q;
	cached_off = tm.tm_gmtoff;
	return cached_off;
}
