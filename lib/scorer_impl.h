/*
 * scorer_impl: how the scorer drives a detector of either library
 * (tsp_detect.h or tsp_gmm.h) the same way.  Private to lib/scorer*.c.
 */
#ifndef TSP_SCORER_IMPL_H
#define TSP_SCORER_IMPL_H

#include "tsp_scorer.h"

/* Detector i of configuration c; `d` is its state. */
struct tsp_scorer_ops {
	void *(*make)(const struct tsp_scorer_config *c, size_t i,
		      struct tsp_error *err);
	void (*free)(void *d);
	int (*push)(void *d, const struct tsp_scorer_config *c, size_t i,
		    tsp_time_t t, const struct tsp_obs *o,
		    struct tsp_score *sc, struct tsp_error *err);
	char *(*reason)(const void *d, const struct tsp_scorer_config *c,
			size_t i,
			const struct tsp_obs *o, const struct tsp_score *sc,
			char *buf, size_t n);
	int (*save)(const void *d, const struct tsp_scorer_config *c,
		    size_t i, const char *prefix, struct tsp_params *p,
		    struct tsp_error *err);
	void *(*load)(const struct tsp_scorer_config *c, size_t i,
		      const char *prefix, const unsigned char *buf,
		      size_t len, struct tsp_error *err);
};

/* The Gaussian mixture's (lib/scorer_gmm.c). */
extern const struct tsp_scorer_ops tsp_scorer_gmm_ops;

#endif
