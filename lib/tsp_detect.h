/*
 * tsp_detect: streaming anomaly detectors for one series at a time
 * (tsscore's residual, threshold, hampel, cusum, ewma and pewma; the
 * Gaussian mixture lives in tsp_gmm.h).  A detector is a small state per
 * series that takes one observation after another and returns a score and
 * a level for each; the configuration is shared by every series.
 *
 * The score scale (documented in tsscore(1)): a non-negative number, higher
 * is more anomalous, in "sigma" units -- how many scale units the value
 * lies from what the detector expected, on the side(s) --tail asks for.
 * For a Gaussian series under the detector's assumptions a score of 3 is a
 * 3-sigma event, whichever detector produced it; the level is WEAK when the
 * score reaches `weak` and STRONG when it reaches `strong`.  cusum scores
 * its cumulative sum (in sigmas) and threshold scores 0, weak or strong.
 *
 * A missing value (NaN) is UNKNOWN and leaves the state unchanged.  Until a
 * detector has seen `warmup` values it says WARMUP (score NaN) and learns.
 */
#ifndef TSP_DETECT_H
#define TSP_DETECT_H

#include <stddef.h>

#include "tsp_error.h"
#include "tsp_params.h"

enum tsp_level {
	TSP_LEVEL_NORMAL = 0,
	TSP_LEVEL_WEAK,
	TSP_LEVEL_STRONG,
	TSP_LEVEL_WARMUP,
	TSP_LEVEL_UNKNOWN
};

/* "NORMAL", "WEAK", ... */
const char *tsp_level_name(enum tsp_level l);

/* Parse a level name (case-insensitive).  Returns 0 or -1. */
int tsp_level_parse(const char *s, enum tsp_level *out);

enum tsp_detector {
	TSP_DET_RESIDUAL = 0,
	TSP_DET_THRESHOLD,
	TSP_DET_HAMPEL,
	TSP_DET_CUSUM,
	TSP_DET_EWMA,
	TSP_DET_PEWMA,
	TSP_DET_GMM		/* not handled here: see tsp_gmm.h */
};

/* "residual", "threshold", ... */
const char *tsp_detector_name(enum tsp_detector d);

/* Parse a detector name.  Returns 0 or -1. */
int tsp_detector_parse(const char *s, enum tsp_detector *out);

enum tsp_tail { TSP_TAIL_BOTH = 0, TSP_TAIL_UPPER, TSP_TAIL_LOWER };

/*
 * What every series' detector of one kind shares.  tsp_detect_config_init
 * fills the defaults; a tool then overrides what its options say.  NaN in
 * a double means "not set" where the comment says so.
 */
struct tsp_detect_config {
	enum tsp_detector kind;
	enum tsp_tail tail;		/* both */
	double weak, strong;		/* score limits (3, 4; cusum 4, 5) */
	size_t warmup;			/* values learned before scoring:
					   residual 0, threshold 0, hampel
					   window/2+1, cusum 30, ewma and
					   pewma 30 */
	/* residual: sigma from the `sigma` field, else from lo/hi taken as
	   a central interval of `level` percent (95); asymmetric lo/hi give
	   different scales above and below the forecast */
	double level;
	/* threshold: weak limits above/below, strong limits; NaN = unset
	   (at least one must be set) */
	double above, below, strong_above, strong_below;
	/* hampel: trailing window of the last `window` values (31), not
	   counting the current one; scale 1.4826 * MAD */
	size_t window;
	/* cusum: two-sided Page CUSUM on z = (x - target) / sd with slack
	   k (0.5); target and sd NaN = the mean and standard deviation of
	   the warm-up values; both sums restart at 0 after a STRONG */
	double target, sd, slack;
	/* ewma: mean and variance smoothed with weight alpha (0.1) given to
	   the newest value; pewma (Carter & Streilein 2012): alpha_t =
	   alpha * (1 - beta * p_t), p_t the standard normal density of the
	   value's z, beta 0.5 */
	double alpha, beta;
};

/* Defaults for detector kind. */
void tsp_detect_config_init(struct tsp_detect_config *c,
			    enum tsp_detector kind);

/*
 * Check a configuration (weak <= strong, 0 < alpha <= 1, a threshold
 * limit set, window >= 3, ...).  Returns 0, or -1 with err set to a
 * TSP_EUSAGE message naming the option ("--weak must not exceed
 * --strong").
 */
int tsp_detect_config_check(const struct tsp_detect_config *c,
			    struct tsp_error *err);

/* One observation; NaN = absent (forecast, sigma, lo, hi are for
   residual; value NaN is a missing value). */
struct tsp_obs {
	double value, forecast, sigma, lo, hi;
};

/* What a detector says of one observation. */
struct tsp_score {
	double score;		/* >= 0, NaN for WARMUP/UNKNOWN */
	double z;		/* signed deviation in scale units (value
				   above expected > 0), NaN if none */
	double expected;	/* what the detector expected, NaN if none */
	double lower, upper;	/* the values that would have been WEAK
				   on each side (NaN where not defined) */
	enum tsp_level level;
};

/* One series' state. */
struct tsp_detect;

/*
 * A new state for a series under configuration c (borrowed: must outlive
 * the state and be passed again to every call).  Returns it (free with
 * tsp_detect_free) or NULL with err set (out of memory).
 */
struct tsp_detect *tsp_detect_new(const struct tsp_detect_config *c,
				  struct tsp_error *err);

/* Free a state (NULL is allowed). */
void tsp_detect_free(struct tsp_detect *d);

/*
 * Score observation o, then learn from it.  Fills *out.  Returns 0, or -1
 * with err set (a residual observation with a forecast but no sigma and
 * no usable lo/hi: "no sigma, lo or hi for the residual detector").
 */
int tsp_detect_push(struct tsp_detect *d, const struct tsp_detect_config *c,
		    const struct tsp_obs *o, struct tsp_score *out,
		    struct tsp_error *err);

/*
 * The reason text for a non-NORMAL score, e.g. "ewma: 12.5 above expected
 * 8.1 (normal 6.2..10), z=4.2".  Writes at most n bytes (NUL included)
 * to buf; returns buf.
 */
char *tsp_detect_reason(const struct tsp_detect_config *c,
			const struct tsp_obs *o, const struct tsp_score *s,
			char *buf, size_t n);

/*
 * Save the state as items whose names start with prefix (e.g. "d0.") in p,
 * so a run that loads it continues exactly where this one stopped.
 * Returns 0 or -1 with err set.
 */
int tsp_detect_save(const struct tsp_detect *d,
		    const struct tsp_detect_config *c, const char *prefix,
		    struct tsp_params *p, struct tsp_error *err);

/*
 * A state from items saved under prefix in buf[0..len) (an entry of the
 * model store).  Missing or inconsistent items are a TSP_EDATA error
 * ("corrupt entry: ...").  Returns the state or NULL with err set.
 */
struct tsp_detect *tsp_detect_load(const struct tsp_detect_config *c,
				   const char *prefix,
				   const unsigned char *buf, size_t len,
				   struct tsp_error *err);

#endif
