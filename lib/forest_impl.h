/*
 * forest_impl: what lib/forest*.c share: the random stream, the training
 * samples recoded per feature, and growing one tree.
 */
#ifndef TSP_FOREST_IMPL_H
#define TSP_FOREST_IMPL_H

#include <stddef.h>
#include <stdint.h>

#include "tsp_forest.h"

/* xoshiro256** seeded through splitmix64: small, fast, good enough. */
struct forest_rng {
	uint64_t s[4];
};

void forest_rng_seed(struct forest_rng *r, uint64_t seed, uint64_t stream);
uint64_t forest_rng_next(struct forest_rng *r);

/* Uniform in [0, n), n > 0 (Lemire's multiply-shift, unbiased). */
uint64_t forest_rng_below(struct forest_rng *r, uint64_t n);

/*
 * The training samples as the splitter sees them: for each feature its
 * distinct values in increasing order, and each sample's value as an
 * index into them (column-major), so a node's split search can count
 * classes per value (a histogram) instead of sorting values.
 */
struct forest_coded {
	size_t n, nfeat;
	void **col;		/* per feature, n codes of width[j] bytes */
	unsigned char *width;	/* 1, 2 or 4 */
	double **vals;		/* nfeat arrays of distinct values */
	uint32_t *nvals;	/* nfeat */
	uint32_t maxvals;
	const unsigned char *y;
};

int forest_code(struct forest_coded *c, const struct tsp_forest_data *d,
		struct tsp_error *err);
void forest_coded_release(struct forest_coded *c);

/* One thread's scratch space for growing trees. */
struct forest_work {
	const struct forest_coded *c;
	const struct tsp_forest_opts *o;
	size_t mtry;
	double *w;		/* n: sample weight (0 = not drawn) */
	uint32_t *samples;	/* n: the drawn samples, partitioned */
	double *sw0, *sw1;	/* n: the weight of samples[k] if it is of
				   class 0 (else 0), of class 1 */
	uint32_t *features;	/* nfeat: sklearn's feature order */
	uint32_t *constant;	/* nfeat: features known constant */
	double *h0, *h1;	/* maxvals: class weights per value */
	uint32_t *hc;		/* maxvals: samples per value */
	uint64_t *sortbuf;	/* n: (code << 32 | sample) */
	uint64_t *sorttmp;	/* n */
	uint32_t *gbuf;		/* n: a node's codes of one feature */
	struct forest_stack {
		size_t start, end, depth, parent, nconst;
		double impurity;
		int is_left;
	} *stack;
	size_t stackcap;
	double *imp;		/* nfeat: this tree's impurity decrease */
	struct tsp_forest_node *node;	/* the tree being grown */
	double *value;
	size_t nnode, nodecap;
};

int forest_work_init(struct forest_work *wk, const struct forest_coded *c,
		     const struct tsp_forest_opts *o, struct tsp_error *err);
void forest_work_release(struct forest_work *wk);

/*
 * Grow one tree on the nsamples samples in wk->samples, weighted by
 * wk->sw0 and wk->sw1; the nodes go to wk->node[0..wk->nnode), the impurity decrease
 * per feature to wk->imp (normalised to sum to 1).  Returns 0, or -1
 * when out of memory.
 */
int forest_grow(struct forest_work *wk, size_t nsamples,
		struct forest_rng *rng);

/* The leaf row x reaches in tree t. */
static inline size_t forest_leaf(const struct tsp_tree *t, const double *x)
{
	const struct tsp_forest_node *nd = t->node;
	size_t i = 0;

	while (!tsp_forest_is_leaf(nd, i))
		i = x[nd[i].feat] <= nd[i].thr ? i + 1 : nd[i].right;
	return i;
}

/*
 * Out-of-bag probabilities of the samples fit says, into fit->oob, on
 * threads threads (each sample's sum runs over the trees in order, so
 * the result does not depend on them).
 */
void forest_oob(const struct tsp_forest *f, const struct tsp_forest_data *d,
		struct tsp_forest_fit *fit, int threads);

/*
 * The forest recoded for walks (forest_fast.c): NULL when out of memory
 * or when a feature has too many thresholds (the doubles serve then).
 */
struct forest_fast *forest_fast_build(const struct tsp_forest *f);
void forest_fast_free(struct forest_fast *ff);

/* A worker's scratch space for forest_fast_predict: NULL when out of
 * memory; freed by forest_fast_work_free. */
struct forest_fast_work;
struct forest_fast_work *forest_fast_work_new(const struct forest_fast *ff);
void forest_fast_work_free(struct forest_fast_work *w);

/*
 * Probabilities of rows x[0..m) (nfeat values each) into out, and with
 * contrib non-NULL their per-feature contributions (m x nfeat): the
 * probabilities are the same bytes as tsp_forest_predict gives, the
 * contributions within forest_fast_unit() of tsp_forest_explain's.
 */
void forest_fast_predict(const struct forest_fast *ff,
			 struct forest_fast_work *w, const double *x,
			 size_t m, double *out, double *contrib);

/* The fixed-point unit of the contributions' sums (see forest_fast.c): a
 * contribution is within depth x unit / 2 of tsp_forest_explain's. */
double forest_fast_unit(const struct forest_fast *ff);

/* Run fn(arg) on nthreads threads, the caller's among them. */
void forest_run(int nthreads, void *(*fn)(void *), void *arg);

#endif
