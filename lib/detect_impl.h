/*
 * detect_impl.h: what the files of the streaming detectors share
 * (detect.c: names, configuration, residual, threshold, reasons;
 * detect_stat.c: hampel, cusum, ewma, pewma; detect_save.c: the store).
 * Not installed; not for tools.
 */
#ifndef TSP_DETECT_IMPL_H
#define TSP_DETECT_IMPL_H

#include <math.h>
#include <stdint.h>

#include "tsp_detect.h"

/*
 * One series' state.  tsscore keeps a million of them, so it is a fixed
 * head and only the doubles its kind needs (see detect_nvals):
 *   ewma   v[M] mean; v[V] sum of squared deviations (Welford) during
 *          the warm-up, then the smoothed variance
 *   pewma  v[M] mean; v[V] variance (the paper's s2 - s1^2, kept
 *          centred for accuracy)
 *   cusum  v[M] mean; v[V] squared deviations, after the warm-up the
 *          learned sd; v[SP], v[SM] the upper and lower sums
 *   hampel v[0..window) the ring of the last values; next is the slot the
 *          next value goes to, count how many the ring holds
 */
struct tsp_detect {
	uint64_t n;		/* finite values learned */
	union {
		uint32_t ready;	/* ewma, pewma, cusum: warm-up over */
		uint32_t next;	/* hampel */
	};
	uint32_t count;		/* hampel */
	double v[];
};

enum { M = 0, V = 1, SP = 2, SM = 3 };

/* The number of doubles a state of configuration c holds. */
size_t detect_nvals(const struct tsp_detect_config *c);

/* A zeroed state with room for the doubles of c, or NULL. */
struct tsp_detect *detect_alloc(const struct tsp_detect_config *c);

/* Kind-specific scoring of a non-missing value x; out is preset to
 * UNKNOWN with NaNs.  Return 0 or -1 with err set. */
int detect_hampel(struct tsp_detect *d, const struct tsp_detect_config *c,
		  double x, struct tsp_score *out, struct tsp_error *err);
void detect_cusum(struct tsp_detect *d, const struct tsp_detect_config *c,
		  double x, struct tsp_score *out);
void detect_ewma(struct tsp_detect *d, const struct tsp_detect_config *c,
		 double x, struct tsp_score *out);
void detect_pewma(struct tsp_detect *d, const struct tsp_detect_config *c,
		  double x, struct tsp_score *out);

/* The scale used instead of one that is 0 or tiny (see tsp_detect.h). */
static inline double detect_floor(double scale, double center)
{
	double f = 1e-9 * fmax(fabs(center), 1.0);

	return scale > f ? scale : f;
}

/* The level of a score (not NaN). */
static inline enum tsp_level detect_level(const struct tsp_detect_config *c,
					  double score)
{
	if (score >= c->strong)
		return TSP_LEVEL_STRONG;
	if (score >= c->weak)
		return TSP_LEVEL_WEAK;
	return TSP_LEVEL_NORMAL;
}

/*
 * Fill score, side and level from out->z under --tail, and lower/upper
 * as expected -+ weak * the scale below/above (NaN on an ignored side).
 */
static inline void detect_zscore(const struct tsp_detect_config *c,
				 double below, double above,
				 struct tsp_score *out)
{
	double z = out->z;

	out->side = z > 0 ? 1 : z < 0 ? -1 : 0;
	if (c->tail == TSP_TAIL_UPPER)
		out->score = z > 0 ? z : 0.0;
	else if (c->tail == TSP_TAIL_LOWER)
		out->score = z < 0 ? -z : 0.0;
	else
		out->score = fabs(z);
	out->lower = c->tail == TSP_TAIL_UPPER ? NAN :
		out->expected - c->weak * below;
	out->upper = c->tail == TSP_TAIL_LOWER ? NAN :
		out->expected + c->weak * above;
	out->level = detect_level(c, out->score);
}

#endif
