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
 * A value of +-Inf is never learned: during the warm-up it is WARMUP,
 * afterwards its z is +-Inf (score +Inf, STRONG, on the side it lies; 0
 * and NORMAL on a side --tail ignores).  A finite value whose update would
 * overflow the state is scored but not learned either.
 *
 * Where a scale would be 0 (a flat series) the detectors use the floor
 * 1e-9 * max(|expected|, 1), so exact repeats score 0 and any jump off a
 * flat line scores very high.
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
	   counting the current one (3..TSP_DETECT_MAXWINDOW); scale 1.4826 *
	   MAD, or 1.2533 * the mean absolute deviation from the median when
	   the MAD is 0; every finite value joins the window after it is
	   scored, anomalous or not.  A tool that changes window must set
	   warmup (window/2+1) itself */
	size_t window;
	/* cusum: two-sided Page CUSUM on z = (x - target) / sd with slack
	   k (0.5); target and sd NaN = the mean and (n-1) standard
	   deviation of the warm-up values; both sums restart at 0 after a
	   STRONG.  Its lower/upper are the indicative band target -+
	   (k + weak) * sd (where one point from sums at 0 turns WEAK) */
	double target, sd, slack;
	/* ewma: mean and variance smoothed with weight alpha (0.1) given to
	   the newest value (m += alpha*(x-m), v = (1-alpha)*(v +
	   alpha*(x-m)^2)), started from the warm-up values' mean and (n-1)
	   variance.  pewma (Carter & Streilein 2012): the paper's weight
	   of the past, alpha_t = a * (1 - beta * p_t) with p_t the standard
	   normal density of the value's z, here with a = 1 - alpha so that
	   alpha keeps its ewma meaning (the newest value's weight when p_t
	   = 0, i.e. for an outlier); beta 0.5; during the warm-up the
	   paper's alpha_t = 1 - 1/t */
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
	int side;		/* the direction the score measures: +1
				   above expected, -1 below, 0 neither
				   (z 0, WARMUP, UNKNOWN); for cusum the
				   sum that gave the score, for threshold
				   the limit crossed */
};

/* The largest hampel window. */
#define TSP_DETECT_MAXWINDOW 100000

/* One series' state. */
struct tsp_detect;

/*
 * A new state for a series under configuration c (borrowed: must outlive
 * the state and be passed again to every call).  Returns it (free with
 * tsp_detect_free) or NULL with err set (out of memory, or a configuration
 * tsp_detect_config_check rejects).
 */
struct tsp_detect *tsp_detect_new(const struct tsp_detect_config *c,
				  struct tsp_error *err);

/* Free a state (NULL is allowed). */
void tsp_detect_free(struct tsp_detect *d);

/*
 * Score observation o, then learn from it.  Fills *out.  Returns 0, or -1
 * with err set (a residual observation with a forecast but no sigma and
 * no usable lo/hi: "no sigma, lo or hi for the residual detector"; out of
 * memory for a hampel window of over 512 values).
 *
 * residual: a value without a (finite) forecast has no expectation:
 * score NaN, UNKNOWN.  sigma is used when finite and > 0; otherwise lo
 * and hi (a side is usable when finite and strictly beyond the forecast;
 * a lone usable side serves both).  sigma 0 or lo = hi = forecast is a
 * zero-width forecast and gets the floor scale.
 * threshold: a value at or beyond a limit crosses it; lower/upper are the
 * limits where the level first leaves NORMAL (the weak ones, else the
 * strong ones), on the sides --tail scores.
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
 * so a run that loads it continues exactly where this one stopped.  The
 * items are appended (p is not cleared); detect_save.c lists them.
 * Returns 0 or -1 with err set (out of memory, prefix over 200 bytes).
 */
int tsp_detect_save(const struct tsp_detect *d,
		    const struct tsp_detect_config *c, const char *prefix,
		    struct tsp_params *p, struct tsp_error *err);

/*
 * A state from items saved under prefix in buf[0..len) (an entry of the
 * model store).  Missing or inconsistent items are a TSP_EDATA error
 * ("corrupt entry: bad or missing 'd0.mean'"); so is a state of another
 * detector ("corrupt entry: 'd0.kind' is 'ewma', not 'hampel'").  Other
 * settings may differ from the saving run's: a hampel window keeps its
 * newest values that fit, a warm-up already over stays over.  Returns
 * the state (free with tsp_detect_free) or NULL with err set (also
 * TSP_EUSAGE for a configuration tsp_detect_config_check rejects).
 */
struct tsp_detect *tsp_detect_load(const struct tsp_detect_config *c,
				   const char *prefix,
				   const unsigned char *buf, size_t len,
				   struct tsp_error *err);

#endif
