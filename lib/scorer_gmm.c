/*
 * scorer_gmm: the Gaussian mixture detector under the scorer (placeholder
 * until lib/gmm.c lands: every call fails with a clear message).
 */
#include "scorer_impl.h"

static void *gmm_make(const struct tsp_scorer_config *c, size_t i,
		      struct tsp_error *err)
{
	(void)c;
	(void)i;
	tsp_error_set(err, TSP_EUSAGE, "the gmm detector is not built in");
	return NULL;
}

static void *gmm_load(const struct tsp_scorer_config *c, size_t i,
		      const char *prefix, const unsigned char *buf,
		      size_t len, struct tsp_error *err)
{
	(void)prefix;
	(void)buf;
	(void)len;
	return gmm_make(c, i, err);
}

const struct tsp_scorer_ops tsp_scorer_gmm_ops = {
	gmm_make, NULL, NULL, NULL, NULL, gmm_load
};
