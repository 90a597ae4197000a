/*
 * tsp_gmmdet: tsscore's gmm detector, a streaming one per series over a
 * Gaussian mixture (tsp_gmm.h) fitted to the values of a trailing
 * reference window.  It says what tsp_detect.h's detectors say (struct
 * tsp_score, the same levels and score scale).
 *
 * One series, one value after another at times t (epoch seconds):
 *   - A NaN value is UNKNOWN and leaves the state as it was.
 *   - Finite values are kept with their times; those older than
 *     t - reference are dropped.  Infinite values are scored (score Inf)
 *     but not kept.
 *   - WARMUP until a whole reference window has passed since the first
 *     finite value (t - first >= reference) and the window holds at least
 *     min_points values; then the mixture is fitted on the window's
 *     values (kmax components, lowest BIC) and refitted each time `refit`
 *     seconds have passed since the last fit.  A fit needs min_points
 *     values in the window: after a long gap the old model is kept.  The
 *     fit happens before the value at hand is scored and kept, so a value
 *     never scores against a model that saw it.
 *   - Without a forecast (o->forecast NaN): score = tsp_gmm_score of the
 *     value, z signed by value - expected, expected = the mean of the
 *     main component (the mixture's highest-density component mean).
 *   - With a forecast: score = max(0, S(value) - S(forecast)), S the
 *     tail-mass score tsp_gmm_score: how much more extreme the value is
 *     than the forecast, on the score's scale (PayPal's "likelihood gap"
 *     made consistent with it), expected = the forecast, z signed by
 *     value - forecast.  For one component this is |z_v| - |z_f|
 *     (z_x = (x - mu) / sd), not the former density gap
 *     sqrt(z_v^2 - z_f^2): the two agree only for a forecast at the mean
 *     and the new one is smaller otherwise (z_f = 2, z_v = 4: 2 against
 *     3.46), so only approximately the old behaviour.  A value on the
 *     other side of the mean from the forecast but no farther from it
 *     scores 0.
 *   - tail upper (lower) makes the score 0 for values below (above)
 *     expected.  Level WEAK at score >= weak, STRONG at >= strong.
 *   - lower, upper: the nearest values below and above expected whose
 *     score reaches weak (without a forecast S(x) = weak; with one
 *     S(x) = S(forecast) + weak), found by stepping outward from
 *     expected (steps of a quarter of the sd of the component most
 *     responsible there, growing by 1.25 each time) and Illinois false
 *     position on the first bracket; NaN if none within 200 steps, and
 *     on the side --tail ignores.
 * Time going backwards is not checked here (the tool does); it does no
 * harm beyond an odd window.
 */
#ifndef TSP_GMMDET_H
#define TSP_GMMDET_H

#include <stddef.h>

#include "tsp_detect.h"
#include "tsp_error.h"
#include "tsp_gmm.h"
#include "tsp_params.h"

struct tsp_gmmdet_config {
	double reference;	/* window, seconds (604800 = 7 days) */
	double refit;		/* seconds between fits; NaN = reference */
	int kmax;		/* 4 */
	double weak, strong;	/* 3, 4 */
	enum tsp_tail tail;	/* both */
	size_t min_points;	/* 30 */
};

/* The defaults above. */
void tsp_gmmdet_config_init(struct tsp_gmmdet_config *c);

/*
 * Check a configuration: reference > 0 and finite, refit NaN or > 0,
 * kmax 1..8, 0 < weak <= strong, min_points >= 10.  Returns 0, or -1
 * with err set to a TSP_EUSAGE message naming the option ("--weak must
 * not exceed --strong").
 */
int tsp_gmmdet_config_check(const struct tsp_gmmdet_config *c,
			    struct tsp_error *err);

/* One series' state. */
struct tsp_gmmdet;

/*
 * A new state (c is borrowed: pass it again to every call).  Returns it
 * (free with tsp_gmmdet_free) or NULL with err set (out of memory).
 */
struct tsp_gmmdet *tsp_gmmdet_new(const struct tsp_gmmdet_config *c,
				  struct tsp_error *err);

/* Free a state (NULL is allowed). */
void tsp_gmmdet_free(struct tsp_gmmdet *d);

/*
 * Score observation o at time t (o->value, and o->forecast if finite;
 * the other fields are not used), then keep the value.  Fills *out.
 * Returns 0, or -1 with err set (out of memory, or a TSP_EDATA window of
 * values too large to fit, ~1e154; the state is then as before the
 * call).
 */
int tsp_gmmdet_push(struct tsp_gmmdet *d, const struct tsp_gmmdet_config *c,
		    double t, const struct tsp_obs *o, struct tsp_score *out,
		    struct tsp_error *err);

/*
 * The reason text for score s of o, just pushed into d: e.g.
 * "gmm: 12.5 above 8.1 (k=2, loglik -9.32), score 4.2", with "forecast
 * 8.1" when a forecast was used; loglik is the log density of the value
 * under the model.  Writes at most n bytes (NUL included) to buf;
 * returns buf.
 */
char *tsp_gmmdet_reason(const struct tsp_gmmdet *d,
			const struct tsp_gmmdet_config *c,
			const struct tsp_obs *o, const struct tsp_score *s,
			char *buf, size_t n);

/* The model in use, or NULL before the first fit (borrowed from d). */
const struct tsp_gmm *tsp_gmmdet_model(const struct tsp_gmmdet *d);

/* Bytes of memory the state holds (struct and window buffer). */
size_t tsp_gmmdet_bytes(const struct tsp_gmmdet *d);

/*
 * Save the whole state (model, window values and times, first and last
 * fit times) as items whose names start with prefix, so that a run that
 * loads it continues exactly as if it had not stopped.  Returns 0 or -1
 * with err set (out of memory).
 */
int tsp_gmmdet_save(const struct tsp_gmmdet *d,
		    const struct tsp_gmmdet_config *c, const char *prefix,
		    struct tsp_params *p, struct tsp_error *err);

/*
 * A state from items saved under prefix in buf[0..len).  Missing or
 * inconsistent items are a TSP_EDATA error ("corrupt entry: ...").
 * Returns the state (free with tsp_gmmdet_free) or NULL with err set.
 */
struct tsp_gmmdet *tsp_gmmdet_load(const struct tsp_gmmdet_config *c,
				   const char *prefix,
				   const unsigned char *buf, size_t len,
				   struct tsp_error *err);

#endif
