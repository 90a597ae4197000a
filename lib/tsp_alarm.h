/*
 * tsp_alarm: the alarm rules tsscore applies after scoring, per series,
 * turning a detector's level into the level that is worth a page.
 *
 * In order, for each point with a level NORMAL, WEAK or STRONG:
 *   1. floors: --min-value X keeps the point NORMAL while both the value
 *      and what was expected are below X in absolute value (low volume);
 *      --min-delta X keeps it NORMAL while |value - expected| < X;
 *   2. hours: outside --hours A-B (local time of --tz) the point is NORMAL;
 *   3. --for N: a non-NORMAL point becomes an alarm only once N
 *      consecutive points have been non-NORMAL;
 *   4. --m-of-n M/N: a point is STRONG when M of the last N points were
 *      non-NORMAL (after 1-2) and it is non-NORMAL itself;
 *   5. --cooldown D: once an alarm has been raised, further non-NORMAL
 *      points are NORMAL (reason "cooldown") until D has passed since it
 *      and the episode has ended (a NORMAL point); a STRONG point during
 *      the cooldown of a WEAK alarm is raised (escalation).
 * WARMUP and UNKNOWN points pass unchanged and neither count nor reset
 * (a gap in the data does not end an episode).
 */
#ifndef TSP_ALARM_H
#define TSP_ALARM_H

#include <stdint.h>

#include "tsp_detect.h"
#include "tsp_error.h"
#include "tsp_params.h"
#include "tsp_time.h"

struct tsp_alarm_config {
	double min_value, min_delta;	/* NaN = no floor */
	int hour_from, hour_to;		/* local hours [from, to); -1 = all */
	int use_tz;			/* hours in --tz local time */
	unsigned for_n;			/* 0 or 1 = no --for */
	unsigned m, n;			/* --m-of-n, n <= 64; 0 = off */
	tsp_time_t cooldown;		/* ns, 0 = none */
};

/* No rules at all. */
void tsp_alarm_config_init(struct tsp_alarm_config *c);

/* Whether any rule is set (else tsp_alarm_apply changes nothing). */
int tsp_alarm_config_any(const struct tsp_alarm_config *c);

/* One series' rule state: 32 bytes. */
struct tsp_alarm {
	uint64_t recent;	/* bit i: the point i back was non-NORMAL */
	tsp_time_t last_alarm;	/* time of the last alarm raised */
	uint32_t run;		/* consecutive non-NORMAL points */
	uint8_t has_alarm;	/* last_alarm is set */
	uint8_t alarm_level;	/* level of the last alarm raised */
	uint8_t in_episode;	/* no NORMAL point since the last alarm */
	uint8_t pad;
};

/* A fresh state. */
void tsp_alarm_init(struct tsp_alarm *a);

/* Why a rule changed a level: the rule's name, for the reason text. */
enum tsp_alarm_why {
	TSP_ALARM_KEPT = 0,	/* level unchanged */
	TSP_ALARM_MIN_VALUE,
	TSP_ALARM_MIN_DELTA,
	TSP_ALARM_HOURS,
	TSP_ALARM_FOR,		/* still pending: *pending = run so far */
	TSP_ALARM_M_OF_N,	/* promoted to STRONG */
	TSP_ALARM_COOLDOWN
};

/*
 * Apply the rules to the level of the point at time t with value and
 * expected (NaN when the detector has none).  Returns the level after the
 * rules and sets *why (and *pending for TSP_ALARM_FOR).
 */
enum tsp_level tsp_alarm_apply(struct tsp_alarm *a,
			       const struct tsp_alarm_config *c, tsp_time_t t,
			       enum tsp_level level, double value,
			       double expected, enum tsp_alarm_why *why,
			       unsigned *pending);

/* "min-value", "cooldown", ... ("" for TSP_ALARM_KEPT). */
const char *tsp_alarm_why_name(enum tsp_alarm_why w);

/* Save/load the state as items under prefix (see tsp_detect_save). */
int tsp_alarm_save(const struct tsp_alarm *a, const char *prefix,
		   struct tsp_params *p, struct tsp_error *err);
int tsp_alarm_load(struct tsp_alarm *a, const char *prefix,
		   const unsigned char *buf, size_t len,
		   struct tsp_error *err);

#endif
