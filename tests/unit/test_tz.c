/* Unit tests of lib/tz.c: offsets through DST changes, unknown zones. */
#include <stdlib.h>
#include <string.h>

#include "t.h"
#include "tsp_tz.h"

#define S TSP_NS_PER_SEC

int main(void)
{
	struct tsp_error err;

	CHECK(tsp_tz_offset(0) == 0, "no zone set: UTC");
	tsp_error_clear(&err);
	CHECK(tsp_tz_set("Mars/Olympus", &err) == -1 &&
	      err.code == TSP_EUSAGE, "unknown zone refused");
	CHECK(strstr(err.msg, "unknown time zone 'Mars/Olympus'") != NULL,
	      "message: %s", err.msg);
	CHECK(tsp_tz_set("../../etc/passwd", &err) == -1, "path refused");
	CHECK(tsp_tz_set("", &err) == -1, "empty refused");

	CHECK(tsp_tz_set("Europe/Paris", &err) == 0, "Europe/Paris: %s",
	      err.msg);
	/* 2024-03-31 01:00 UTC: clocks go from 02:00 CET to 03:00 CEST. */
	CHECK(tsp_tz_offset(INT64_C(1711846800) * S - 1) == 3600,
	      "CET just before");
	CHECK(tsp_tz_offset(INT64_C(1711846800) * S) == 7200, "CEST at");
	/* 2024-10-27 01:00 UTC: back to CET. */
	CHECK(tsp_tz_offset(INT64_C(1729990800) * S - 1) == 7200,
	      "CEST just before");
	CHECK(tsp_tz_offset(INT64_C(1729990800) * S) == 3600, "CET at");
	/* The fall-back hour: two UTC times, one local time. */
	CHECK(tsp_tz_local(INT64_C(1729989000) * S) ==
	      tsp_tz_local(INT64_C(1729992600) * S), "02:30 twice");
	/* Before 1970 and far ahead. */
	CHECK(tsp_tz_offset(INT64_C(-300000000) * S) == 3600, "1960 winter");
	CHECK(tsp_tz_set("America/New_York", &err) == 0, "New York");
	CHECK(tsp_tz_offset(INT64_C(1718000000) * S) == -4 * 3600, "EDT");
	CHECK(tsp_tz_offset(INT64_C(1704067200) * S) == -5 * 3600, "EST");
	CHECK(tsp_tz_set("Asia/Kolkata", &err) == 0, "Kolkata");
	CHECK(tsp_tz_offset(0) == 19800, "+05:30");
	CHECK(tsp_tz_set("UTC", &err) == 0, "UTC");
	CHECK(tsp_tz_offset(INT64_C(1718000000) * S) == 0, "UTC offset");
	return t_done();
}
