/*
 * tsp_scorer: everything tsscore does for one series, in order: each
 * detector (tsp_detect.h, tsp_gmm.h), optionally at several resolutions
 * (--resolutions), their levels combined, then the alarm rules
 * (tsp_alarm.h).  The configuration is shared by every series.
 *
 * Several detectors: the point's score is the largest of their scores,
 * its level the most severe of their levels (WARMUP only while every
 * detector warms up), the reason that of the most severe.
 *
 * Resolutions: a series is also aggregated (mean of the values; for the
 * residual detector also of the forecasts, with sigma^2 summed and divided
 * by n^2) into buckets of each step, aligned to the epoch; a bucket is
 * complete at the point whose next regular step (the gap since the
 * previous point) would reach its end, and is then scored by its own
 * detector state.  A point's score is the weighted mean of the scores of
 * the levels that completed a bucket at that point (on a regular grid the
 * finest level completes one at every point; at the end of an hour the
 * hourly level joins in), and its level is that score against the
 * detector's weak and strong limits.
 */
#ifndef TSP_SCORER_H
#define TSP_SCORER_H

#include <stddef.h>

#include "tsp_alarm.h"
#include "tsp_detect.h"
#include "tsp_error.h"
#include "tsp_params.h"
#include "tsp_time.h"

#define TSP_SCORER_MAXDET 8
#define TSP_SCORER_MAXRES 8
#define TSP_SCORER_REASON 256

struct tsp_gmmdet_config;

struct tsp_scorer_config {
	struct tsp_detect_config det[TSP_SCORER_MAXDET];
	/* for det[i].kind == TSP_DET_GMM (borrowed); det[i] then gives
	   only weak, strong and tail */
	const struct tsp_gmmdet_config *gmm;
	size_t ndet;
	tsp_time_t res_step[TSP_SCORER_MAXRES];	/* ns; nres 0 = none */
	double res_weight[TSP_SCORER_MAXRES];
	size_t nres;
	struct tsp_alarm_config alarm;
};

/* What one point comes out as. */
struct tsp_scorer_out {
	double score;			/* NaN for WARMUP/UNKNOWN */
	enum tsp_level raw;		/* before the alarm rules */
	enum tsp_level level;		/* after them */
	enum tsp_level det[TSP_SCORER_MAXDET];	/* each detector's */
	char reason[TSP_SCORER_REASON];	/* "" when NORMAL */
};

struct tsp_scorer;

/* Zero the configuration: no detectors, no resolutions, no rules. */
void tsp_scorer_config_init(struct tsp_scorer_config *c);

/* A new series state (free with tsp_scorer_free and the same c), or NULL
 * with err set. */
struct tsp_scorer *tsp_scorer_new(const struct tsp_scorer_config *c,
				  struct tsp_error *err);
void tsp_scorer_free(struct tsp_scorer *s,
		     const struct tsp_scorer_config *c);

/* Score the point at time t (times of a series must not go backwards).
 * Returns 0 or -1 with err set. */
int tsp_scorer_push(struct tsp_scorer *s, const struct tsp_scorer_config *c,
		    tsp_time_t t, const struct tsp_obs *o,
		    struct tsp_scorer_out *out, struct tsp_error *err);

/* The state as items of p / from an entry (see tsp_detect_save). */
int tsp_scorer_save(const struct tsp_scorer *s,
		    const struct tsp_scorer_config *c, struct tsp_params *p,
		    struct tsp_error *err);
struct tsp_scorer *tsp_scorer_load(const struct tsp_scorer_config *c,
				   const unsigned char *buf, size_t len,
				   struct tsp_error *err);

#endif
