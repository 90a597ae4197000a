/*
 * scorer_gmm: the Gaussian mixture detector (tsp_gmmdet.h) under the
 * scorer.  Its configuration is c->gmm; c->det[i] carries only the kind.
 */
#include "scorer_impl.h"
#include "tsp_gmmdet.h"

static void *gmm_make(const struct tsp_scorer_config *c, size_t i,
		      struct tsp_error *err)
{
	(void)i;
	return tsp_gmmdet_new(c->gmm, err);
}

static void gmm_free(void *d)
{
	tsp_gmmdet_free(d);
}

static int gmm_push(void *d, const struct tsp_scorer_config *c, size_t i,
		    tsp_time_t t, const struct tsp_obs *o,
		    struct tsp_score *sc, struct tsp_error *err)
{
	(void)i;
	return tsp_gmmdet_push(d, c->gmm, (double)t / 1e9, o, sc, err);
}

static char *gmm_reason(const void *d, const struct tsp_scorer_config *c,
			size_t i, const struct tsp_obs *o,
			const struct tsp_score *sc, char *buf, size_t n)
{
	(void)i;
	return tsp_gmmdet_reason(d, c->gmm, o, sc, buf, n);
}

static int gmm_save(const void *d, const struct tsp_scorer_config *c,
		    size_t i, const char *prefix, struct tsp_params *p,
		    struct tsp_error *err)
{
	(void)i;
	return tsp_gmmdet_save(d, c->gmm, prefix, p, err);
}

static void *gmm_load(const struct tsp_scorer_config *c, size_t i,
		      const char *prefix, const unsigned char *buf,
		      size_t len, struct tsp_error *err)
{
	(void)i;
	return tsp_gmmdet_load(c->gmm, prefix, buf, len, err);
}

const struct tsp_scorer_ops tsp_scorer_gmm_ops = {
	gmm_make, gmm_free, gmm_push, gmm_reason, gmm_save, gmm_load
};
