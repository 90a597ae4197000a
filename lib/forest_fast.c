/*
 * The forest recoded for fast walks.  A feature's thresholds across the
 * whole forest are a short sorted list T; a value x is replaced by its
 * rank r(x) = #{t in T : t < x}, and x <= T[k] exactly when r(x) <= k.
 * So a node needs only the feature and k besides its children, and a row
 * an integer rank per feature; a step compares integers.  The walk gives
 * the same leaves as the doubles do.
 *
 * A node's two children are side by side (left, then right), the pairs
 * in depth-first order.  When every feature has at most 65,535
 * thresholds (the usual case) a rank takes 16 bits and a node 8: feature
 * and k in 16 bits each and the left child in 32, packed in one integer.
 * Otherwise ranks, features and k take 32 bits (12-byte nodes).  Each
 * node also keeps its class-1 share and the change in share from its
 * parent, which the explaining walk adds to the split feature's
 * contribution: the same double the walk over the trees computes.
 *
 * Rows go a block at a time through the trees, a tree at a time, so a
 * tree stays in cache while the block walks it; the next tree is fetched
 * meanwhile.  The block's rows walk in the order of the leaf they reach
 * in the first tree: rows that walk side by side then take much the same
 * paths (their lanes finish together, and share the nodes they load).
 * Each row still adds up its trees in order: the results are the same
 * bytes as one row at a time.
 */
#include "forest_impl.h"

#include <stdlib.h>
#include <string.h>

#define SUB 4096	/* rows walking a tree before the next tree */

struct fnode32 {
	uint32_t feat, last;	/* go left when rank <= last */
	uint32_t left;		/* the left child; the right one is next */
};

struct forest_fast {
	size_t nfeat, ntrees;
	int wide;			/* 32-bit ranks and fnode32 */
	size_t *tstart;			/* nfeat + 1: feature j's ranks */
	double *thr;			/* thr[tstart[j] .. tstart[j+1]) */
	size_t *start;			/* ntrees + 1: tree t's bytes in mem */
	size_t *nnode;			/* ntrees: tree t's nodes */
	/* Tree t at mem + start[t]: its n nodes and a spare one (packed
	 * uint64_t or fnode32), their class-1 shares (n doubles) and the
	 * changes in share from the parents (n doubles): one run of bytes
	 * to fetch ahead. */
	char *mem;
};

struct forest_fast_work {
	void *codes, *sorted;		/* SUB rows of ranks (stride) */
	double *contrib;		/* SUB rows of contributions */
	double *val, *sum;		/* SUB leaf values, SUB sums */
	uint64_t *order;		/* SUB: (first leaf << 32) | row */
};

/* A narrow node packed: feature, k and left child. */
#define NFEAT(n) ((uint32_t)((n) & 0xffff))
#define NLAST(n) ((uint32_t)((n) >> 16 & 0xffff))
#define NLEFT(n) ((uint32_t)((n) >> 32))

/* The next tree, fetched two lines per group of rows walked. */
struct ahead {
	const char *p, *end;
};
#define AHEAD(a) do { \
	if ((a)->p < (a)->end) { \
		__builtin_prefetch((a)->p); \
		__builtin_prefetch((a)->p + 64); \
		(a)->p += 128; \
	} \
} while (0)

#define RANK uint16_t
#define NODE uint64_t
#define FEAT(n) NFEAT(n)
#define LAST(n) NLAST(n)
#define LEFT(n) NLEFT(n)
#define LEAF_LAST UINT32_C(0xffff)
#define FN(x) x##16
#include "forest_walk.h"
#undef RANK
#undef NODE
#undef FEAT
#undef LAST
#undef LEFT
#undef LEAF_LAST
#undef FN

#define RANK uint32_t
#define NODE struct fnode32
#define FEAT(n) ((n).feat)
#define LAST(n) ((n).last)
#define LEFT(n) ((n).left)
#define LEAF_LAST UINT32_C(0xffffffff)
#define FN(x) x##32
#include "forest_walk.h"
#undef RANK
#undef NODE
#undef FEAT
#undef LAST
#undef LEFT
#undef LEAF_LAST
#undef FN

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

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
	free(ff->start);
	free(ff->nnode);
	free(ff->mem);
	free(ff);
}

/* The bytes of n nodes and the spare one, in whole doubles. */
static size_t nodes_bytes(const struct forest_fast *ff, size_t n)
{
	size_t b = (n + 1) * (ff->wide ? sizeof(struct fnode32)
				       : sizeof(uint64_t));

	return (b + sizeof(double) - 1) / sizeof(double) * sizeof(double);
}

/*
 * Tree tr laid out at `at`: each node's children side by side, pairs in
 * depth-first order.  lists/cnt: each feature's sorted thresholds; pos,
 * stack: scratch of tr->n entries.
 */
static void layout(const struct forest_fast *ff, const struct tsp_tree *tr,
		   char *at, double *const *lists, const size_t *cnt,
		   uint32_t *pos, uint32_t *stack)
{
	const struct tsp_forest_node *nd = tr->node;
	const double *v = tr->value;
	uint64_t *n16 = (uint64_t *)at;
	struct fnode32 *n32 = (struct fnode32 *)at;
	double *value = (double *)(at + nodes_bytes(ff, tr->n));
	double *delta = value + tr->n;
	uint32_t next = 1, top = 0;

	/* the spare node: a leaf's sibling, loaded but never taken */
	if (ff->wide)
		memset(&n32[tr->n], 0, sizeof(*n32));
	else
		n16[tr->n] = 0;
	pos[0] = 0;
	delta[0] = 0;
	stack[top++] = 0;
	while (top) {
		uint32_t u = stack[--top], p = pos[u], left, last, feat;
		value[p] = v[u];
		if (tsp_forest_is_leaf(nd, u)) {
			feat = (uint32_t)ff->nfeat;
			last = ff->wide ? UINT32_MAX : 0xffff;
			left = p;
		} else {
			uint32_t l = u + 1, r = nd[u].right;
			feat = (uint32_t)nd[u].feat;
			last = (uint32_t)find(lists[feat], cnt[feat], nd[u].thr);
			left = next;
			pos[l] = next;
			pos[r] = next + 1;
			delta[next] = v[l] - v[u];
			delta[next + 1] = v[r] - v[u];
			next += 2;
			stack[top++] = r;
			stack[top++] = l;
		}
		if (ff->wide) {
			n32[p].feat = feat;
			n32[p].last = last;
			n32[p].left = left;
		} else {
			n16[p] = (uint64_t)left << 32 | (uint64_t)last << 16 |
				 feat;
		}
	}
}

struct forest_fast *forest_fast_build(const struct tsp_forest *f)
{
	struct forest_fast *ff;
	size_t total = 0, nodes = 0, maxn = 1, *cnt;
	double **lists;
	uint32_t *pos = NULL, *stack = NULL;

	if (f->nfeat == 0 || f->nfeat >= INT32_MAX)
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
		if (tr->n >= UINT32_MAX - 1)
			goto fail;
		if (tr->n > maxn)
			maxn = tr->n;
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
	/* the leaves' feature (nfeat) and k (the largest rank) must fit */
	ff->wide = f->nfeat > 0xffff;
	for (size_t j = 0; j < f->nfeat; j++) {
		size_t k = 0;
		qsort(lists[j], cnt[j], sizeof(double), cmp_double);
		for (size_t i = 0; i < cnt[j]; i++)
			if (i == 0 || lists[j][i] != lists[j][k - 1])
				lists[j][k++] = lists[j][i];
		if (k >= INT32_MAX)
			goto fail;	/* too many: the doubles will do */
		if (k > 0xffff)
			ff->wide = 1;
		cnt[j] = k;
		ff->tstart[j] = total;
		total += k;
	}
	ff->tstart[f->nfeat] = total;
	ff->thr = malloc((total ? total : 1) * sizeof(*ff->thr));
	ff->start = malloc((f->ntrees + 1) * sizeof(*ff->start));
	ff->nnode = malloc((f->ntrees ? f->ntrees : 1) * sizeof(*ff->nnode));
	pos = malloc(maxn * sizeof(*pos));
	stack = malloc(maxn * sizeof(*stack));
	if (!ff->thr || !ff->start || !ff->nnode || !pos || !stack)
		goto fail;
	for (size_t j = 0; j < f->nfeat; j++)
		memcpy(ff->thr + ff->tstart[j], lists[j], cnt[j] * sizeof(double));
	for (size_t t = 0; t < f->ntrees; t++) {
		ff->start[t] = nodes;
		ff->nnode[t] = f->tree[t].n;
		nodes += nodes_bytes(ff, f->tree[t].n) +
			 2 * f->tree[t].n * sizeof(double);
	}
	ff->start[f->ntrees] = nodes;
	if (!(ff->mem = malloc(nodes ? nodes : 1)))
		goto fail;
	for (size_t t = 0; t < f->ntrees; t++)
		if (f->tree[t].n)
			layout(ff, &f->tree[t], ff->mem + ff->start[t], lists,
			       cnt, pos, stack);
	for (size_t j = 0; j < f->nfeat; j++)
		free(lists[j]);
	free(lists);
	free(cnt);
	free(pos);
	free(stack);
	return ff;
fail:
	for (size_t j = 0; lists && j < f->nfeat; j++)
		free(lists[j]);
	free(lists);
	free(cnt);
	free(pos);
	free(stack);
	forest_fast_free(ff);
	return NULL;
}

struct forest_fast_work *forest_fast_work_new(const struct forest_fast *ff)
{
	struct forest_fast_work *w = calloc(1, sizeof(*w));
	size_t row = (ff->nfeat + 1) * (ff->wide ? sizeof(uint32_t)
						  : sizeof(uint16_t));

	if (!w)
		return NULL;
	w->codes = malloc(SUB * row);
	w->sorted = malloc(SUB * row);
	w->contrib = malloc(SUB * (ff->nfeat + 1) * sizeof(*w->contrib));
	w->val = malloc(SUB * sizeof(*w->val));
	w->sum = malloc(SUB * sizeof(*w->sum));
	w->order = malloc(SUB * sizeof(*w->order));
	if (!w->codes || !w->sorted || !w->contrib || !w->val || !w->sum ||
	    !w->order) {
		forest_fast_work_free(w);
		return NULL;
	}
	return w;
}

void forest_fast_work_free(struct forest_fast_work *w)
{
	if (!w)
		return;
	free(w->codes);
	free(w->sorted);
	free(w->contrib);
	free(w->val);
	free(w->sum);
	free(w->order);
	free(w);
}

/* Rank rows x[0..m) into w->sorted, in the order of their leaves in the
 * first tree (w->order says which row each is). */
static void rank_rows(const struct forest_fast *ff,
		      struct forest_fast_work *w, const double *x, size_t m)
{
	size_t stride = ff->nfeat + 1;
	size_t rsz = ff->wide ? sizeof(uint32_t) : sizeof(uint16_t);
	const char *codes = w->codes;

	if (ff->wide)
		codes32(ff, x, m, w->codes);
	else
		codes16(ff, x, m, w->codes);
	for (size_t i = 0; i < m; i++) {
		uint64_t leaf = 0;
		if (ff->ntrees && ff->wide)
			leaf = leaf32((const struct fnode32 *)ff->mem,
				      (const uint32_t *)codes + i * stride);
		else if (ff->ntrees)
			leaf = leaf16((const uint64_t *)ff->mem,
				      (const uint16_t *)codes + i * stride);
		w->order[i] = leaf << 32 | i;
	}
	qsort(w->order, m, sizeof(*w->order), cmp_u64);
	for (size_t q = 0; q < m; q++)
		memcpy((char *)w->sorted + q * stride * rsz,
		       codes + (uint32_t)w->order[q] * stride * rsz,
		       stride * rsz);
}

/* Rows x[0..m), m <= SUB, as forest_fast_predict does them. */
static void predict_sub(const struct forest_fast *ff,
			struct forest_fast_work *w, const double *x, size_t m,
			double *out, double *contrib)
{
	size_t nf = ff->nfeat, stride = nf + 1;
	double *cb = w->contrib, *val = w->val, *sum = w->sum;

	rank_rows(ff, w, x, m);
	memset(sum, 0, m * sizeof(*sum));
	if (contrib)
		memset(cb, 0, m * stride * sizeof(*cb));
	for (size_t t = 0; t < ff->ntrees; t++) {
		const char *at = ff->mem + ff->start[t];
		const double *v = (const double *)(at +
					nodes_bytes(ff, ff->nnode[t]));
		const double *d = v + ff->nnode[t];
		/* the next tree: its nodes and shares, and the changes in
		 * share when explaining */
		struct ahead pf = { ff->mem + ff->start[t + 1],
				    ff->mem + ff->start[t + 1] };
		if (t + 1 < ff->ntrees)
			pf.end = contrib ? ff->mem + ff->start[t + 2]
				 : pf.p + nodes_bytes(ff, ff->nnode[t + 1]) +
				   ff->nnode[t + 1] * sizeof(double);
		if (ff->wide && contrib)
			explain32((const struct fnode32 *)at, d, v, w->sorted,
				  cb, stride, m, val, &pf);
		else if (ff->wide)
			walk32((const struct fnode32 *)at, v, w->sorted,
			       stride, m, val, &pf);
		else if (contrib)
			explain16((const uint64_t *)at, d, v, w->sorted, cb,
				  stride, m, val, &pf);
		else
			walk16((const uint64_t *)at, v, w->sorted, stride, m,
			       val, &pf);
		for (size_t q = 0; q < m; q++)
			sum[q] += val[q];
	}
	for (size_t q = 0; q < m; q++) {
		size_t i = (uint32_t)w->order[q];
		out[i] = sum[q] / (double)ff->ntrees;
		for (size_t j = 0; contrib && j < nf; j++)
			contrib[i * nf + j] = cb[q * stride + j] /
					      (double)ff->ntrees;
	}
}

void forest_fast_predict(const struct forest_fast *ff,
			 struct forest_fast_work *w, const double *x,
			 size_t m, double *out, double *contrib)
{
	size_t nf = ff->nfeat;

	for (size_t lo = 0; lo < m; lo += SUB)
		predict_sub(ff, w, x + lo * nf, m - lo < SUB ? m - lo : SUB,
			    out + lo, contrib ? contrib + lo * nf : NULL);
}
