/*
 * The forest recoded for fast walks.  A feature's thresholds across the
 * whole forest are a short sorted list T; a value x is replaced by its
 * rank r(x) = #{t in T : t < x}, and x <= T[k] exactly when r(x) <= k.
 * So a node needs only the feature and k besides its right child (12
 * bytes, not 24), and a row a 32-bit rank per feature: trees and rows take
 * half the cache they took as doubles, and a step compares integers.  The
 * walk gives the same leaves as the doubles do.
 */
#include "forest_impl.h"

#include <stdlib.h>
#include <string.h>

struct fast_node {
	int32_t last;		/* go left when rank <= last (= k), right
				   when rank > last; -1 in a leaf, which
				   goes "right" to itself */
	uint32_t skip;		/* right child - this node - 1 (a leaf:
				   -1, so it stays) */
	uint32_t feat;
};

struct forest_fast {
	size_t nfeat, ntrees;
	size_t *tstart;			/* nfeat + 1: feature j's ranks */
	double *thr;			/* thr[tstart[j] .. tstart[j+1]) */
	struct fast_node **node;	/* per tree */
	struct fast_node *all;
	const double **value;		/* per tree (the forest's) */
};

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

/* The index of x in the sorted a[0..n), which holds it. */
static size_t find(const double *a, size_t n, double x)
{
	size_t lo = 0, hi = n;

	while (hi - lo > 1) {
		size_t mid = lo + (hi - lo) / 2;
		if (a[mid] <= x)
			lo = mid;
		else
			hi = mid;
	}
	return lo;
}

void forest_fast_free(struct forest_fast *ff)
{
	if (!ff)
		return;
	free(ff->tstart);
	free(ff->thr);
	free(ff->node);
	free(ff->all);
	free(ff->value);
	free(ff);
}

struct forest_fast *forest_fast_build(const struct tsp_forest *f)
{
	struct forest_fast *ff;
	size_t total = 0, nodes = 0, *cnt;
	double **lists;

	if (f->nfeat == 0 || f->nfeat > INT32_MAX)
		return NULL;
	ff = calloc(1, sizeof(*ff));
	cnt = calloc(f->nfeat, sizeof(*cnt));
	lists = calloc(f->nfeat, sizeof(*lists));
	if (!ff || !cnt || !lists)
		goto fail;
	ff->nfeat = f->nfeat;
	ff->ntrees = f->ntrees;
	for (size_t t = 0; t < f->ntrees; t++) {
		const struct tsp_tree *tr = &f->tree[t];
		nodes += tr->n;
		for (size_t i = 0; i < tr->n; i++)
			if (!tsp_forest_is_leaf(tr->node, i))
				cnt[tr->node[i].feat]++;
	}
	for (size_t j = 0; j < f->nfeat; j++)
		if (!(lists[j] = malloc((cnt[j] ? cnt[j] : 1) *
					sizeof(double))))
			goto fail;
	memset(cnt, 0, f->nfeat * sizeof(*cnt));
	for (size_t t = 0; t < f->ntrees; t++) {
		const struct tsp_tree *tr = &f->tree[t];
		for (size_t i = 0; i < tr->n; i++)
			if (!tsp_forest_is_leaf(tr->node, i)) {
				int32_t j = tr->node[i].feat;
				lists[j][cnt[j]++] = tr->node[i].thr;
			}
	}
	ff->tstart = malloc((f->nfeat + 1) * sizeof(*ff->tstart));
	if (!ff->tstart)
		goto fail;
	for (size_t j = 0; j < f->nfeat; j++) {
		size_t k = 0;
		qsort(lists[j], cnt[j], sizeof(double), cmp_double);
		for (size_t i = 0; i < cnt[j]; i++)
			if (i == 0 || lists[j][i] != lists[j][k - 1])
				lists[j][k++] = lists[j][i];
		if (k >= INT32_MAX)
			goto fail;	/* too many: the doubles will do */
		cnt[j] = k;
		ff->tstart[j] = total;
		total += k;
	}
	ff->tstart[f->nfeat] = total;
	ff->thr = malloc((total ? total : 1) * sizeof(*ff->thr));
	ff->node = malloc((f->ntrees ? f->ntrees : 1) * sizeof(*ff->node));
	ff->all = malloc((nodes ? nodes : 1) * sizeof(*ff->all));
	ff->value = malloc((f->ntrees ? f->ntrees : 1) * sizeof(*ff->value));
	if (!ff->thr || !ff->node || !ff->all || !ff->value)
		goto fail;
	for (size_t j = 0; j < f->nfeat; j++)
		memcpy(ff->thr + ff->tstart[j], lists[j], cnt[j] * sizeof(double));
	nodes = 0;
	for (size_t t = 0; t < f->ntrees; t++) {
		const struct tsp_tree *tr = &f->tree[t];
		struct fast_node *fn = ff->all + nodes;
		ff->node[t] = fn;
		ff->value[t] = tr->value;
		for (size_t i = 0; i < tr->n; i++) {
			const struct tsp_forest_node *nd = &tr->node[i];
			fn[i].skip = nd->right - (uint32_t)i - 1;
			if (tsp_forest_is_leaf(tr->node, i)) {
				fn[i].feat = 0;
				fn[i].last = -1;
				continue;
			}
			fn[i].feat = (uint32_t)nd->feat;
			fn[i].last = (int32_t)find(lists[nd->feat],
						   cnt[nd->feat], nd->thr);
		}
		nodes += tr->n;
	}
	for (size_t j = 0; j < f->nfeat; j++)
		free(lists[j]);
	free(lists);
	free(cnt);
	return ff;
fail:
	for (size_t j = 0; lists && j < f->nfeat; j++)
		free(lists[j]);
	free(lists);
	free(cnt);
	forest_fast_free(ff);
	return NULL;
}

void forest_fast_codes(const struct forest_fast *ff, const double *x,
		       forest_rank *out)
{
	for (size_t j = 0; j < ff->nfeat; j++) {
		const double *t = ff->thr + ff->tstart[j];
		size_t lo = 0, hi = ff->tstart[j + 1] - ff->tstart[j];
		/* the number of thresholds below x */
		while (lo < hi) {
			size_t mid = lo + (hi - lo) / 2;
			if (t[mid] < x[j])
				lo = mid + 1;
			else
				hi = mid;
		}
		out[j] = (forest_rank)lo;
	}
}

static inline uint32_t fstep(const struct fast_node *nd, uint32_t k,
			     uint32_t r)
{
	uint32_t go = (int32_t)r > nd[k].last;

	return k + 1 + (nd[k].skip & (0u - go));
}

#define FSTEP(r) do { \
	uint32_t nk_ = fstep(nd, k##r, x##r[nd[k##r].feat]); \
	moved |= nk_ ^ k##r; \
	k##r = nk_; \
} while (0)
#define FSTEP2(r) (k##r = fstep(nd, k##r, x##r[nd[k##r].feat]))

void forest_fast_walk(const struct forest_fast *ff, size_t t,
		      const forest_rank *const *xr, size_t m, double *val)
{
	const struct fast_node *nd = ff->node[t];
	const double *v = ff->value[t];
	size_t i = 0;

	for (; i + 8 <= m; i += 8) {
		uint32_t k0 = 0, k1 = 0, k2 = 0, k3 = 0, k4 = 0, k5 = 0,
			 k6 = 0, k7 = 0, moved;
		const forest_rank *x0 = xr[i], *x1 = xr[i + 1], *x2 = xr[i + 2],
			       *x3 = xr[i + 3], *x4 = xr[i + 4],
			       *x5 = xr[i + 5], *x6 = xr[i + 6],
			       *x7 = xr[i + 7];
		do {
			/* two steps, the second one watched: a lane at a
			 * leaf stays there */
			moved = 0;
			FSTEP2(0); FSTEP2(1); FSTEP2(2); FSTEP2(3);
			FSTEP2(4); FSTEP2(5); FSTEP2(6); FSTEP2(7);
			FSTEP(0); FSTEP(1); FSTEP(2); FSTEP(3);
			FSTEP(4); FSTEP(5); FSTEP(6); FSTEP(7);
		} while (moved);
		val[i] = v[k0];
		val[i + 1] = v[k1];
		val[i + 2] = v[k2];
		val[i + 3] = v[k3];
		val[i + 4] = v[k4];
		val[i + 5] = v[k5];
		val[i + 6] = v[k6];
		val[i + 7] = v[k7];
	}
	for (; i < m; i++) {
		uint32_t k = 0, nk;
		while ((nk = fstep(nd, k, xr[i][nd[k].feat])) != k)
			k = nk;
		val[i] = v[k];
	}
}

#define ESTEP(r) do { \
	uint32_t f_ = nd[k##r].feat; \
	uint32_t nk_ = fstep(nd, k##r, x##r[f_]); \
	double vn_ = v[nk_]; \
	c##r[f_] += vn_ - vk##r; \
	vk##r = vn_; \
	moved |= nk_ ^ k##r; \
	k##r = nk_; \
} while (0)

void forest_fast_explain(const struct forest_fast *ff, size_t t,
			 const forest_rank *const *xr, double *const *cr,
			 size_t m, double *val)
{
	const struct fast_node *nd = ff->node[t];
	const double *v = ff->value[t];
	size_t i = 0;

	/* four lanes, not eight: with a contributions row per lane, eight
	 * do not fit the registers and each step spills */
	for (; i + 4 <= m; i += 4) {
		uint32_t k0 = 0, k1 = 0, k2 = 0, k3 = 0, moved;
		const forest_rank *x0 = xr[i], *x1 = xr[i + 1], *x2 = xr[i + 2],
			       *x3 = xr[i + 3];
		double *c0 = cr[i], *c1 = cr[i + 1], *c2 = cr[i + 2],
		       *c3 = cr[i + 3];
		/* each lane's node value, carried from step to step */
		double vk0 = v[0], vk1 = v[0], vk2 = v[0], vk3 = v[0];
		do {
			moved = 0;
			ESTEP(0); ESTEP(1); ESTEP(2); ESTEP(3);
		} while (moved);
		val[i] = vk0;
		val[i + 1] = vk1;
		val[i + 2] = vk2;
		val[i + 3] = vk3;
	}
	for (; i < m; i++) {
		uint32_t k = 0, nk;
		for (;;) {
			uint32_t f = nd[k].feat;
			nk = fstep(nd, k, xr[i][f]);
			if (nk == k)
				break;
			cr[i][f] += v[nk] - v[k];
			k = nk;
		}
		val[i] = v[k];
	}
}
