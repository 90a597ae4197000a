/*
 * tsp_forest: a random forest of binary classification trees, grown as
 * Breiman's forests and scikit-learn's RandomForestClassifier grow them:
 * each tree on a bootstrap sample, each split the best Gini split over a
 * random subset of the features (the threshold half-way between two
 * neighbouring values), nodes split until pure or until --max-depth or
 * --min-leaf stop them; the forest's probability is the mean of the
 * trees' leaf class shares.
 *
 * Training runs trees on several threads.  Each tree draws from its own
 * random stream, seeded from (seed, tree number), so a forest is the
 * same bytes whatever the number of threads.
 *
 * A tree is kept in preorder: a node's left child is the next node, its
 * right child is named by index.  A leaf is its own right child, with
 * threshold -Inf, so that a walk down the tree can step on past a leaf
 * without testing for it (many rows then walk a tree in lockstep).  Every
 * node keeps the class-1 share of its training samples, so a prediction
 * can be split into per-feature contributions along its paths
 * (tsp_forest_explain).
 */
#ifndef TSP_FOREST_H
#define TSP_FOREST_H

#include <stddef.h>
#include <stdint.h>

#include "tsp_error.h"
#include "tsp_params.h"

/* How unequal classes are handled. */
enum tsp_balance {
	TSP_BALANCE_NONE = 0,	/* as they come */
	TSP_BALANCE_WEIGHTS,	/* class weights n / (2 n_c), as sklearn's
				   class_weight="balanced" */
	TSP_BALANCE_DOWNSAMPLE	/* each tree's bootstrap draws as many of
				   each class as the smaller class has */
};

/* The number of features tried at each split. */
enum tsp_maxfeat {
	TSP_MAXF_SQRT = 0,	/* max(1, floor(sqrt(p))) */
	TSP_MAXF_LOG2,		/* max(1, floor(log2(p))) */
	TSP_MAXF_ALL,		/* p */
	TSP_MAXF_COUNT,		/* min(p, arg) */
	TSP_MAXF_FRACTION	/* max(1, floor(arg * p)), 0 < arg <= 1 */
};

struct tsp_forest_opts {
	size_t trees;			/* default 500 */
	enum tsp_maxfeat max_features;	/* default sqrt */
	double max_features_arg;
	size_t max_depth;		/* 0 = unlimited (default) */
	size_t min_leaf;		/* samples in a leaf, at least (1) */
	enum tsp_balance balance;	/* default none */
	int bootstrap;			/* 1 (default): bootstrap samples;
					   0: every tree sees all samples */
	uint64_t seed;			/* default 1 */
	int threads;			/* 0 = one per online CPU */
};

/* Defaults as above. */
void tsp_forest_opts_default(struct tsp_forest_opts *o);

/* The number of features tried at a split, for p features. */
size_t tsp_forest_mtry(const struct tsp_forest_opts *o, size_t p);

struct tsp_forest_node {
	double thr;		/* go left when x <= thr (-Inf in a leaf) */
	int32_t feat;		/* split feature (0 in a leaf) */
	uint32_t right;		/* right child (the left child is next); a
				   leaf's is its own index */
};

/* Node i of a tree is a leaf. */
static inline int tsp_forest_is_leaf(const struct tsp_forest_node *nd,
				     size_t i)
{
	return nd[i].right == i;
}

/* The nodes (16 bytes each: a walk touches only them) and apart, the
 * weighted share of class 1 in each node. */
struct tsp_tree {
	struct tsp_forest_node *node;
	double *value;
	size_t n;
};

struct forest_fast;

struct tsp_forest {
	size_t nfeat, ntrees;
	struct tsp_tree *tree;
	struct forest_fast *fast;	/* private: the trees recoded for
					   walks (see lib/forest_fast.c) */
	double bias;		/* mean over trees of the root's value */
	double *impurity;	/* nfeat: mean decrease in Gini impurity,
				   normalised per tree and overall to sum
				   to 1 (sklearn's feature_importances_) */
};

/* Training samples: x row-major, n rows of nfeat values; y 0 or 1. */
struct tsp_forest_data {
	const double *x;
	const unsigned char *y;
	size_t n, nfeat;
};

/*
 * What training learns besides the forest: per tree, which samples it
 * drew (for out-of-bag estimates), and each sample's out-of-bag
 * probability (NaN when every tree drew it).  Freed by
 * tsp_forest_fit_release.
 */
struct tsp_forest_fit {
	size_t n, ntrees;
	uint64_t *inbag;	/* ntrees x words bits: sample drawn */
	size_t words;		/* 64-bit words per tree */
	double *oob;		/* n */
	size_t oob_trees_min;	/* fewest trees any scored sample had */
};

/* Zero a forest; allocates nothing. */
void tsp_forest_init(struct tsp_forest *f);

/* Free what a forest holds; it may be trained or loaded again. */
void tsp_forest_release(struct tsp_forest *f);

void tsp_forest_fit_init(struct tsp_forest_fit *fit);
void tsp_forest_fit_release(struct tsp_forest_fit *fit);

/*
 * Grow a forest on d with options o into f (released first).  With fit
 * non-NULL (and bootstrap on), fill it with the in-bag sets and the
 * out-of-bag probabilities.  Values must be finite (NaN is an error);
 * both classes must be present.  Returns 0, or -1 with err set (bad
 * data, out of memory, a thread that could not start).
 */
int tsp_forest_train(struct tsp_forest *f, const struct tsp_forest_opts *o,
		     const struct tsp_forest_data *d,
		     struct tsp_forest_fit *fit, struct tsp_error *err);

/* The forest's probability of class 1 for one row of nfeat values. */
double tsp_forest_predict(const struct tsp_forest *f, const double *x);

/*
 * Probabilities for n rows (row-major) into out (the same bytes as
 * tsp_forest_predict); with contrib non-NULL also each row's
 * contributions (n x nfeat, as tsp_forest_explain, but summed in fixed
 * point: within half a unit of 2^-20 or so per split on the path, see
 * lib/forest_fast.c).  Runs on up to threads threads (0 = one per CPU).
 * Returns 0, or -1 with err set.
 */
int tsp_forest_predict_many(const struct tsp_forest *f, const double *x,
			    size_t n, double *out, double *contrib,
			    int threads, struct tsp_error *err);

/*
 * As tsp_forest_predict_many with contributions, but each block of rows
 * [lo, hi) is handed with its contributions ((hi - lo) x nfeat) to
 * each(ctx, lo, hi, contrib), on the thread that walked it, while they
 * are in cache.  Blocks come in no set order, on several threads at
 * once; out[lo..hi) is written before the call.
 */
int tsp_forest_predict_each(const struct tsp_forest *f, const double *x,
			    size_t n, double *out, int threads,
			    void (*each)(void *ctx, size_t lo, size_t hi,
					 const double *contrib),
			    void *ctx, struct tsp_error *err);

/*
 * The probability of one row split along its paths: contrib[j] (nfeat
 * values) is the mean over trees of the change in class-1 share at the
 * splits on feature j; the probability is f->bias plus their sum.
 * Returns the probability.
 */
double tsp_forest_explain(const struct tsp_forest *f, const double *x,
			  double *contrib);

/*
 * Permutation importance on out-of-bag samples: for each feature, the
 * out-of-bag ROC AUC of (at most max_rows, chosen with seed) samples
 * minus the AUC after the feature's values are shuffled among them.
 * d and fit are the training data and what tsp_forest_train filled.
 * Writes nfeat values to out (all 0 when the chosen samples hold one
 * class only).  Returns 0, or -1 with err set.
 */
int tsp_forest_permutation(const struct tsp_forest *f,
			   const struct tsp_forest_data *d,
			   const struct tsp_forest_fit *fit, size_t max_rows,
			   uint64_t seed, int threads, double *out,
			   struct tsp_error *err);

/*
 * Store tree t as parameters (clearing p): arrays feat (-1 for a leaf),
 * thr, value, right (0 for a leaf).  Returns 0 or -1 with err set.
 */
int tsp_forest_tree_save(const struct tsp_forest *f, size_t t,
			 struct tsp_params *p, struct tsp_error *err);

/*
 * Read tree t of a forest of nfeat features from the parameters in
 * buf[0..len) into f (f->tree must have room: see tsp_forest_alloc).
 * A tree whose indices or features are out of range is an error, never
 * a crash.  Returns 0 or -1 with err set.
 */
int tsp_forest_tree_load(struct tsp_forest *f, size_t t,
			 const unsigned char *buf, size_t len,
			 struct tsp_error *err);

/*
 * Make f an empty forest of ntrees trees over nfeat features (for
 * loading).  Returns 0 or -1 with err set.
 */
int tsp_forest_alloc(struct tsp_forest *f, size_t nfeat, size_t ntrees,
		     struct tsp_error *err);

/* After loading every tree: compute f->bias, prepare fast walks.  */
void tsp_forest_loaded(struct tsp_forest *f);

/*
 * Call fn(ctx, lo, hi) on ranges of at most chunk covering [0, n), on up
 * to threads threads (0 = one per CPU): for work any number of threads
 * may do at once.
 */
void tsp_forest_parallel(size_t n, size_t chunk, int threads,
			 void (*fn)(void *ctx, size_t lo, size_t hi),
			 void *ctx);

/* The number of online CPUs (at least 1). */
int tsp_forest_cpus(void);

#endif
