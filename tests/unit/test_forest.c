/* The random forest: trees equal to scikit-learn's node for node, the
 * forest's AUC next to sklearn's, determinism over threads, storing and
 * loading, explanations, importances, and bad input. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "forest_impl.h"
#include "ref_forest.h"
#include "t.h"
#include "tsp_forest.h"
#include "tsp_metrics.h"

static void exact_trees(void)
{
	for (size_t k = 0; k < sizeof(ref_trees) / sizeof(ref_trees[0]); k++) {
		const struct ref_tree_case *c = &ref_trees[k];
		struct tsp_forest_data d = { c->x, c->y, c->n, c->p };
		struct tsp_forest_opts o;
		struct tsp_forest f;
		struct tsp_error err;
		const struct tsp_tree *t;
		size_t bad = 0;

		tsp_forest_opts_default(&o);
		o.trees = 1;
		o.bootstrap = 0;
		o.max_features = TSP_MAXF_ALL;
		o.max_depth = c->max_depth;
		o.min_leaf = c->min_leaf;
		o.balance = c->balanced ? TSP_BALANCE_WEIGHTS : TSP_BALANCE_NONE;
		tsp_forest_init(&f);
		CHECK(tsp_forest_train(&f, &o, &d, NULL, &err) == 0, "%s: %s",
		      c->name, err.msg);
		t = &f.tree[0];
		CHECK(t->n == c->nodes, "%s: %zu nodes, sklearn %zu", c->name,
		      t->n, c->nodes);
		for (size_t i = 0; i < t->n && i < c->nodes; i++) {
			const struct tsp_forest_node *nd = &t->node[i];
			int leaf = tsp_forest_is_leaf(t->node, i);
			if ((leaf ? -1 : nd->feat) != c->feat[i] ||
			    (!leaf && nd->thr != c->thr[i]) ||
			    fabs(t->value[i] - c->value[i]) > 1e-12)
				bad++;
		}
		CHECK(bad == 0, "%s: %zu nodes differ from sklearn's", c->name,
		      bad);
		tsp_forest_release(&f);
	}
}

/* Breast cancer: the first BC_NTRAIN of bc_perm train, the rest test. */
static double *bc_rows(size_t from, size_t to, unsigned char *y)
{
	double *x = malloc((to - from) * BC_P * sizeof(*x));

	for (size_t i = from; i < to; i++) {
		memcpy(x + (i - from) * BC_P, bc_x + bc_perm[i] * BC_P,
		       BC_P * sizeof(*x));
		y[i - from] = bc_y[bc_perm[i]];
	}
	return x;
}

static void parity_breast_cancer(void)
{
	unsigned char ytr[BC_N], yte[BC_N];
	double *xtr = bc_rows(0, BC_NTRAIN, ytr);
	double *xte = bc_rows(BC_NTRAIN, BC_N, yte);
	size_t nte = BC_N - BC_NTRAIN;
	struct tsp_forest_data d = { xtr, ytr, BC_NTRAIN, BC_P };
	struct tsp_forest_opts o;
	struct tsp_forest_fit fit;
	struct tsp_forest f;
	struct tsp_error err;
	struct tsp_metrics m;
	double p[BC_N], sk = 0, skoob = 0, auc, perm[BC_P];

	for (int i = 0; i < 5; i++) {
		sk += bc_sklearn_auc[i] / 5;
		skoob += bc_sklearn_oob[i] / 5;
	}
	tsp_forest_opts_default(&o);
	tsp_forest_init(&f);
	tsp_forest_fit_init(&fit);
	CHECK(tsp_forest_train(&f, &o, &d, &fit, &err) == 0, "%s", err.msg);
	CHECK(tsp_forest_predict_many(&f, xte, nte, p, NULL, 2, &err) == 0, "%s",
	      err.msg);
	auc = tsp_metrics_auc(p, yte, nte);
	CHECK(fabs(auc - sk) <= 0.01, "breast cancer test AUC %.4f, sklearn "
	      "%.4f", auc, sk);
	tsp_metrics_compute(fit.oob, ytr, BC_NTRAIN, 0.5, &m, &err);
	CHECK(m.n == BC_NTRAIN, "every sample scored out of bag (%zu)", m.n);
	CHECK(fabs(m.accuracy - skoob) <= 0.02, "OOB accuracy %.4f, sklearn "
	      "%.4f", m.accuracy, skoob);
	/* The five most important features (impurity) carry most of it. */
	double s = 0;
	for (size_t j = 0; j < BC_P; j++)
		s += f.impurity[j];
	CHECK(fabs(s - 1) < 1e-12, "impurity importances sum to %g", s);
	CHECK(tsp_forest_permutation(&f, &d, &fit, 0, 1, 2, perm, &err) == 0,
	      "%s", err.msg);
	free(xtr);
	free(xte);
	tsp_forest_fit_release(&fit);
	tsp_forest_release(&f);
}

/* Two informative features, one noise feature, a constant one. */
static void toy(size_t n, double *x, unsigned char *y, unsigned seed)
{
	srand(seed);
	for (size_t i = 0; i < n; i++) {
		double a = rand() / (double)RAND_MAX, b = rand() % 5;
		double noise = rand() / (double)RAND_MAX;
		x[i * 4] = a;
		x[i * 4 + 1] = b;
		x[i * 4 + 2] = noise;
		x[i * 4 + 3] = 7;
		y[i] = (a + 0.1 * b + 0.3 * (rand() / (double)RAND_MAX)) > 0.8;
	}
}

static int same_forest(const struct tsp_forest *a, const struct tsp_forest *b)
{
	if (a->ntrees != b->ntrees)
		return 0;
	for (size_t t = 0; t < a->ntrees; t++)
		if (a->tree[t].n != b->tree[t].n ||
		    memcmp(a->tree[t].node, b->tree[t].node,
			   a->tree[t].n * sizeof(struct tsp_forest_node)) ||
		    memcmp(a->tree[t].value, b->tree[t].value,
			   a->tree[t].n * sizeof(double)))
			return 0;
	return memcmp(a->impurity, b->impurity, a->nfeat * sizeof(double)) == 0;
}

static size_t depth_of(const struct tsp_tree *t, size_t i)
{
	size_t l, r;

	if (tsp_forest_is_leaf(t->node, i))
		return 0;
	l = depth_of(t, i + 1);
	r = depth_of(t, t->node[i].right);
	return 1 + (l > r ? l : r);
}

/* How far the ranked walk's contributions may be from
 * tsp_forest_explain's: half a fixed-point unit a step. */
static double contrib_tol(const struct tsp_forest *f)
{
	size_t dmax = 0;

	for (size_t t = 0; t < f->ntrees; t++) {
		size_t d = depth_of(&f->tree[t], 0);
		dmax = d > dmax ? d : dmax;
	}
	return (double)(dmax + 1) * 0.5 * forest_fast_unit(f->fast) + 1e-13;
}

static void behaviour(void)
{
	enum { N = 600 };
	static double x[N * 4];
	static unsigned char y[N];
	struct tsp_forest_data d = { x, y, N, 4 };
	struct tsp_forest_opts o;
	struct tsp_forest f1, f2, f3;
	struct tsp_forest_fit fit;
	struct tsp_error err;
	double imp[4], contrib[4];

	toy(N, x, y, 3);
	tsp_forest_opts_default(&o);
	o.trees = 60;
	o.seed = 42;
	tsp_forest_init(&f1);
	tsp_forest_init(&f2);
	tsp_forest_init(&f3);
	tsp_forest_fit_init(&fit);
	o.threads = 1;
	tsp_forest_train(&f1, &o, &d, NULL, &err);
	o.threads = 2;
	tsp_forest_train(&f2, &o, &d, &fit, &err);
	o.threads = 5;
	tsp_forest_train(&f3, &o, &d, NULL, &err);
	CHECK(same_forest(&f1, &f2) && same_forest(&f1, &f3),
	      "the same forest on 1, 2 and 5 threads");
	o.seed = 43;
	tsp_forest_train(&f3, &o, &d, NULL, &err);
	CHECK(!same_forest(&f1, &f3), "another seed, another forest");

	/* The constant feature is never used; the noise one matters little. */
	CHECK(f1.impurity[3] == 0, "constant feature importance %g",
	      f1.impurity[3]);
	CHECK(f1.impurity[0] > f1.impurity[2], "informative %g > noise %g",
	      f1.impurity[0], f1.impurity[2]);
	CHECK(tsp_forest_permutation(&f2, &d, &fit, 300, 1, 2, imp, &err) == 0,
	      "%s", err.msg);
	CHECK(imp[0] > 0.05 && fabs(imp[2]) < 0.03 && imp[3] == 0,
	      "permutation importance %g %g %g %g", imp[0], imp[1], imp[2],
	      imp[3]);

	/* Contributions add up to the probability; many rows = one row. */
	double p[N], maxerr = 0, maxd = 0;
	tsp_forest_predict_many(&f1, x, N, p, NULL, 3, &err);
	for (size_t i = 0; i < N; i++) {
		double pe = tsp_forest_explain(&f1, x + i * 4, contrib), s = f1.bias;
		for (int j = 0; j < 4; j++)
			s += contrib[j];
		if (fabs(s - pe) > maxerr)
			maxerr = fabs(s - pe);
		if (fabs(p[i] - tsp_forest_predict(&f1, x + i * 4)) > maxd)
			maxd = fabs(p[i] - tsp_forest_predict(&f1, x + i * 4));
	}
	CHECK(maxerr < 1e-12, "bias + contributions = probability (%g)",
	      maxerr);
	CHECK(maxd < 1e-12, "predict_many = predict (%g)", maxd);
	/* Many rows with contributions (the ranked walk) = one at a time. */
	static double many[N * 4];
	double pm[N], worst = 0;
	tsp_forest_predict_many(&f1, x, N, pm, many, 2, &err);
	for (size_t i = 0; i < N; i++) {
		tsp_forest_explain(&f1, x + i * 4, contrib);
		for (int j = 0; j < 4; j++)
			if (fabs(many[i * 4 + j] - contrib[j]) > worst)
				worst = fabs(many[i * 4 + j] - contrib[j]);
		if (fabs(pm[i] - p[i]) > worst)
			worst = fabs(pm[i] - p[i]);
	}
	CHECK(f1.fast != NULL, "the ranked form was built");
	CHECK(worst <= contrib_tol(&f1) && contrib_tol(&f1) < 1e-5,
	      "contributions of many rows = of one (%g, within %g)", worst,
	      contrib_tol(&f1));

	/* max_depth and min_leaf hold (no bootstrap: count samples). */
	o.bootstrap = 0;
	o.max_depth = 3;
	o.min_leaf = 20;
	o.trees = 5;
	tsp_forest_train(&f3, &o, &d, NULL, &err);
	size_t worst_depth = 0, smallest = N;
	for (size_t t = 0; t < f3.ntrees; t++) {
		size_t dep = depth_of(&f3.tree[t], 0);
		size_t *cnt = calloc(f3.tree[t].n, sizeof(size_t));
		if (dep > worst_depth)
			worst_depth = dep;
		for (size_t i = 0; i < N; i++) {
			const struct tsp_forest_node *nd = f3.tree[t].node;
			size_t k = 0;
			while (!tsp_forest_is_leaf(nd, k))
				k = x[i * 4 + nd[k].feat] <= nd[k].thr ? k + 1
								       : nd[k].right;
			cnt[k]++;
		}
		for (size_t k = 0; k < f3.tree[t].n; k++)
			if (tsp_forest_is_leaf(f3.tree[t].node, k) &&
			    cnt[k] < smallest)
				smallest = cnt[k];
		free(cnt);
	}
	CHECK(worst_depth <= 3, "depth %zu with --max-depth 3", worst_depth);
	CHECK(smallest >= 20, "a leaf of %zu samples with --min-leaf 20",
	      smallest);

	/* downsample: each tree draws as many of each class. */
	size_t pos = 0;
	int small;
	for (size_t i = 0; i < N; i++)
		pos += y[i];
	small = pos < N / 2;
	if (!small)
		pos = N - pos;
	tsp_forest_opts_default(&o);
	o.trees = 20;
	o.balance = TSP_BALANCE_DOWNSAMPLE;
	CHECK(tsp_forest_train(&f3, &o, &d, &fit, &err) == 0, "%s", err.msg);
	size_t maxneg = 0, scored = 0;
	for (size_t t = 0; t < 20; t++) {
		size_t neg = 0;
		for (size_t i = 0; i < N; i++)
			neg += y[i] != small && (fit.inbag[t * fit.words + i / 64] >>
					 (i % 64) & 1);
		if (neg > maxneg)
			maxneg = neg;
	}
	for (size_t i = 0; i < N; i++)
		scored += !isnan(fit.oob[i]);
	CHECK(maxneg <= pos, "downsample: %zu of the larger "
	      "class drawn, the smaller has %zu", maxneg, pos);
	CHECK(scored == N, "downsample: %zu of %d scored out of bag", scored,
	      N);
	tsp_forest_fit_release(&fit);
	tsp_forest_release(&f1);
	tsp_forest_release(&f2);
	tsp_forest_release(&f3);
}

/* A tree splitting on feature f at thresholds lo + 0.5 .. hi - 0.5 (and
 * on feature g at every third level), node values from *seed. */
static size_t grow(struct tsp_tree *t, int f, int g, int lo, int hi,
		   int depth, unsigned *seed)
{
	size_t i = t->n++;

	*seed = *seed * 1103515245u + 12345u;
	t->value[i] = (double)(*seed >> 8 & 0xffff) / 65536.0;
	if (lo >= hi) {
		t->node[i].thr = -INFINITY;
		t->node[i].feat = 0;
		t->node[i].right = (uint32_t)i;
		return i;
	}
	int mid = lo + (hi - lo) / 2;
	t->node[i].feat = depth % 3 == 2 ? g : f;
	t->node[i].thr = mid + 0.5;
	grow(t, f, g, lo, mid, depth + 1, seed);
	t->node[i].right = (uint32_t)grow(t, f, g, mid + 1, hi, depth + 1,
					  seed);
	return i;
}

/*
 * The ranked walks when a feature has 65,535 thresholds in the forest
 * (the most for 16-bit ranks) and when it has more (32-bit ranks): the same
 * probabilities and contributions, to the bit, as one row at a time over
 * the doubles; rows on a threshold go left.
 */
static void ranked_widths(void)
{
	enum { ROWS = 1500, NF = 3 };
	static double x[ROWS * NF], p[ROWS], c[ROWS * NF];

	for (int k = 0; k < 2; k++) {
		int nthr = k ? 70000 : 65535;
		struct tsp_forest f;
		struct tsp_error err;
		unsigned seed = 7;
		double worst = 0, cworst = 0, one[NF];

		tsp_forest_init(&f);
		CHECK(tsp_forest_alloc(&f, NF, 3, &err) == 0, "%s", err.msg);
		for (size_t t = 0; t < 3; t++) {
			/* trees 0 and 2 on feature 0, thresholds apart;
			 * tree 1 on features 2 and 1 */
			size_t cap = 2 * (size_t)nthr + 1;
			f.tree[t].node = malloc(cap * sizeof(*f.tree[t].node));
			f.tree[t].value = malloc(cap * sizeof(double));
			f.tree[t].n = 0;
			if (t == 1)
				grow(&f.tree[t], 2, 1, 0, 40, 0, &seed);
			else
				grow(&f.tree[t], 0, 0, t ? nthr / 2 : 0,
				     t ? nthr : nthr / 2, 0, &seed);
		}
		tsp_forest_loaded(&f);
		CHECK(f.fast != NULL, "ranked form of %d thresholds", nthr);
		for (size_t i = 0; i < ROWS; i++) {
			seed = seed * 1103515245u + 12345u;
			x[i * NF] = (double)((seed >> 4) % (unsigned)(nthr + 2))
				    - 1.0 + (i % 3 ? 0.5 : 0.0);
			x[i * NF + 1] = (double)(i % 50) / 2;
			x[i * NF + 2] = (double)(i % 43) - 0.5 * (i % 2);
		}
		CHECK(tsp_forest_predict_many(&f, x, ROWS, p, NULL, 2, &err) ==
		      0, "%s", err.msg);
		for (size_t i = 0; i < ROWS; i++)
			if (fabs(p[i] - tsp_forest_predict(&f, x + i * NF)) >
			    worst)
				worst = fabs(p[i] -
					     tsp_forest_predict(&f, x + i * NF));
		CHECK(tsp_forest_predict_many(&f, x, ROWS, p, c, 2, &err) == 0,
		      "%s", err.msg);
		for (size_t i = 0; i < ROWS; i++) {
			double pe = tsp_forest_explain(&f, x + i * NF, one);
			if (fabs(p[i] - pe) > worst)
				worst = fabs(p[i] - pe);
			for (int j = 0; j < NF; j++)
				if (fabs(c[i * NF + j] - one[j]) > cworst)
					cworst = fabs(c[i * NF + j] - one[j]);
		}
		CHECK(worst == 0, "%d thresholds: many rows = one at a time "
		      "(%g)", nthr, worst);
		CHECK(cworst <= contrib_tol(&f), "%d thresholds: contributions "
		      "of many rows = of one (%g, within %g)", nthr, cworst,
		      contrib_tol(&f));
		tsp_forest_release(&f);
	}
}

/*
 * Contributions summed in fixed point cannot overflow: 5,000 stumps on
 * feature 0 whose leaves are 0 and 1 (a change of 1/2 a tree, 2,500 in
 * all, past what 2^30 units could hold), and 2,000 more on feature 1.
 */
static void contrib_range(void)
{
	enum { T = 7000, ROWS = 40 };
	static double x[ROWS * 2], p[ROWS], c[ROWS * 2];
	struct tsp_forest f;
	struct tsp_error err;
	double worst = 0, one[2];

	tsp_forest_init(&f);
	CHECK(tsp_forest_alloc(&f, 2, T, &err) == 0, "%s", err.msg);
	for (size_t t = 0; t < T; t++) {
		struct tsp_tree *tr = &f.tree[t];
		tr->node = calloc(3, sizeof(*tr->node));
		tr->value = malloc(3 * sizeof(double));
		tr->n = 3;
		tr->node[0].feat = t < 5000 ? 0 : 1;
		tr->node[0].thr = t < 5000 ? 0.5 : (double)(t % 7);
		tr->node[0].right = 2;
		for (uint32_t k = 1; k < 3; k++) {
			tr->node[k].thr = -INFINITY;
			tr->node[k].right = k;
		}
		tr->value[0] = 0.5;
		tr->value[1] = 0.0;
		tr->value[2] = 1.0;
	}
	tsp_forest_loaded(&f);
	CHECK(f.fast != NULL, "ranked form of %d stumps", T);
	for (size_t i = 0; i < ROWS; i++) {
		x[i * 2] = (double)(i % 2);
		x[i * 2 + 1] = (double)(i % 9);
	}
	CHECK(tsp_forest_predict_many(&f, x, ROWS, p, c, 2, &err) == 0, "%s",
	      err.msg);
	for (size_t i = 0; i < ROWS; i++) {
		tsp_forest_explain(&f, x + i * 2, one);
		for (int j = 0; j < 2; j++)
			if (fabs(c[i * 2 + j] - one[j]) > worst)
				worst = fabs(c[i * 2 + j] - one[j]);
	}
	CHECK(fabs(c[2] - 5000.0 * 0.5 / T) < 1e-9 &&
	      fabs(c[0] + 5000.0 * 0.5 / T) < 1e-9,
	      "feature 0's contribution +-%g (%g, %g)", 2500.0 / T, c[2], c[0]);
	CHECK(worst <= contrib_tol(&f), "7,000 stumps: contributions of many "
	      "rows = of one (%g, within %g)", worst, contrib_tol(&f));
	CHECK(forest_fast_unit(f.fast) <= 1.0 / 65536,
	      "the unit is still fine (%g)", forest_fast_unit(f.fast));
	tsp_forest_release(&f);
}

/*
 * Without the ranked form (a forest it cannot hold) the walk over the
 * doubles serves: its contributions are tsp_forest_explain's exactly,
 * block after block (rows past the first block).
 */
static void plain_walk(void)
{
	enum { N = 600, ROWS = 9000 };
	static double x[N * 4], xs[ROWS * 4], p[ROWS], c[ROWS * 4];
	static unsigned char y[N];
	struct tsp_forest_data d = { x, y, N, 4 };
	struct tsp_forest_opts o;
	struct tsp_forest f;
	struct tsp_error err;
	double worst = 0, one[4];

	toy(N, x, y, 5);
	tsp_forest_opts_default(&o);
	o.trees = 30;
	o.seed = 4;
	tsp_forest_init(&f);
	CHECK(tsp_forest_train(&f, &o, &d, NULL, &err) == 0, "%s", err.msg);
	forest_fast_free(f.fast);
	f.fast = NULL;
	for (size_t i = 0; i < ROWS * 4; i++)
		xs[i] = x[i % (N * 4)] + (double)(i / (N * 4)) * 0.01;
	CHECK(tsp_forest_predict_many(&f, xs, ROWS, p, c, 2, &err) == 0, "%s",
	      err.msg);
	for (size_t i = 0; i < ROWS; i++) {
		double pe = tsp_forest_explain(&f, xs + i * 4, one);
		if (fabs(p[i] - pe) > worst)
			worst = fabs(p[i] - pe);
		for (int j = 0; j < 4; j++)
			if (fabs(c[i * 4 + j] - one[j]) > worst)
				worst = fabs(c[i * 4 + j] - one[j]);
	}
	CHECK(worst == 0, "the walk over the doubles, many rows = one (%g)",
	      worst);
	tsp_forest_release(&f);
}

static void store_roundtrip(void)
{
	enum { N = 300 };
	static double x[N * 4];
	static unsigned char y[N];
	struct tsp_forest_data d = { x, y, N, 4 };
	struct tsp_forest_opts o;
	struct tsp_forest f, g;
	struct tsp_params p;
	struct tsp_error err;
	int ok = 1;

	toy(N, x, y, 5);
	tsp_forest_opts_default(&o);
	o.trees = 10;
	tsp_forest_init(&f);
	tsp_forest_init(&g);
	tsp_params_init(&p);
	tsp_forest_train(&f, &o, &d, NULL, &err);
	CHECK(tsp_forest_alloc(&g, 4, 10, &err) == 0, "alloc");
	for (size_t t = 0; t < 10; t++) {
		tsp_forest_tree_save(&f, t, &p, &err);
		if (tsp_forest_tree_load(&g, t, p.buf, p.len, &err) < 0)
			ok = 0;
	}
	tsp_forest_loaded(&g);
	memcpy(g.impurity, f.impurity, 4 * sizeof(double));
	CHECK(ok && same_forest(&f, &g) && g.bias == f.bias,
	      "trees saved and loaded");

	/* Damaged trees are refused. */
	struct tsp_params q;
	double feat[3] = {0, -1, -1}, thr[3] = {0.5, 0, 0};
	double val[3] = {0.5, 0, 1}, right[3] = {2, 0, 0};
	struct { int k; double v; const char *what; } bad[] = {
		{0, 4, "feature out of range"}, {3, 3, "right child outside"},
		{3, 1, "right child = left"}, {2, 1.5, "share above 1"},
		{1, NAN, "NaN threshold"}, {0, 0.5, "fractional feature"},
	};
	tsp_params_init(&q);
	for (size_t b = 0; b < sizeof(bad) / sizeof(bad[0]); b++) {
		double *arrs[4] = {feat, thr, val, right};
		double keep = arrs[bad[b].k][bad[b].k == 2 ? 2 : 0];
		arrs[bad[b].k][bad[b].k == 2 ? 2 : 0] = bad[b].v;
		tsp_params_clear(&q);
		tsp_params_nums(&q, "feat", feat, 3, &err);
		tsp_params_nums(&q, "thr", thr, 3, &err);
		tsp_params_nums(&q, "value", val, 3, &err);
		tsp_params_nums(&q, "right", right, 3, &err);
		CHECK(tsp_forest_tree_load(&g, 0, q.buf, q.len, &err) < 0,
		      "a tree with a %s is refused", bad[b].what);
		arrs[bad[b].k][bad[b].k == 2 ? 2 : 0] = keep;
	}
	tsp_params_clear(&q);
	tsp_params_nums(&q, "feat", feat, 3, &err);
	tsp_params_nums(&q, "thr", thr, 3, &err);
	tsp_params_nums(&q, "value", val, 3, &err);
	tsp_params_nums(&q, "right", right, 3, &err);
	CHECK(tsp_forest_tree_load(&g, 0, q.buf, q.len, &err) == 0,
	      "the undamaged tree loads: %s", err.msg);
	CHECK(tsp_forest_tree_load(&g, 0, q.buf, 30, &err) < 0,
	      "a cut entry is refused");
	tsp_params_release(&q);
	tsp_params_release(&p);
	tsp_forest_release(&f);
	tsp_forest_release(&g);
}

static void bad_input(void)
{
	double x[6] = {1, 2, 3, 4, 5, 6};
	unsigned char y[6] = {1, 1, 1, 1, 1, 1};
	struct tsp_forest_data d = { x, y, 6, 1 };
	struct tsp_forest_opts o;
	struct tsp_forest f;
	struct tsp_error err;

	tsp_forest_opts_default(&o);
	o.trees = 3;
	tsp_forest_init(&f);
	CHECK(tsp_forest_train(&f, &o, &d, NULL, &err) < 0 &&
	      err.code == TSP_EDATA, "one class is an error");
	CHECK_STR(err.msg, "only one class in the training data (6 samples "
		  "of class 1)");
	y[2] = 0;
	x[4] = NAN;
	CHECK(tsp_forest_train(&f, &o, &d, NULL, &err) < 0 &&
	      strstr(err.msg, "NaN"), "NaN is an error: %s", err.msg);
	x[4] = 5;
	CHECK(tsp_forest_train(&f, &o, &d, NULL, &err) == 0, "%s", err.msg);
	tsp_forest_release(&f);
}

int main(void)
{
	exact_trees();
	parity_breast_cancer();
	behaviour();
	ranked_widths();
	contrib_range();
	plain_walk();
	store_roundtrip();
	bad_input();
	return t_done();
}
