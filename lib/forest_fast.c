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
 * contribution.  The changes are kept in fixed point, as 32-bit integers
 * in units of 2^-s (s chosen per forest, usually 20 or more, so that no
 * row's sum over the trees can leave 32 bits): with 4-byte integer sums
 * the explaining walk took about a tenth less time than with doubles,
 * and the order of the additions no longer matters.  A contribution is
 * then within depth x 2^-(s+1) of the sum of doubles
 * tsp_forest_explain() makes.
 *
 * Rows go a block at a time through the trees, a tree at a time, so a
 * tree stays in cache while the block walks it; the next tree is fetched
 * meanwhile.  The block's rows walk in the order of the leaf they reach
 * in the first tree: rows that walk side by side then take much the same
 * paths (their lanes finish together, and share the nodes they load).
 * Each row still adds up its trees' leaf values in order: the
 * probabilities are the same bytes as one row at a time.
 */
#include "forest_impl.h"

#include <math.h>
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
	double scale;			/* 2^s: a change in share of 1 */
	/* Tree t at mem + start[t]: its n nodes and a spare one (packed
	 * uint64_t or fnode32), their class-1 shares (n doubles) and the
	 * changes in share from the parents (n uint32_t, two's complement,
	 * in units of 1/scale): one run of bytes to fetch ahead. */
	char *mem;
};

struct forest_fast_work {
	void *codes, *sorted;		/* SUB rows of ranks (stride) */
	uint32_t *contrib;		/* SUB rows of contributions (fixed
					   point, wrapping: see above) */
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

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return (x > y) - (x < y);
}

double forest_fast_unit(const struct forest_fast *ff)
{
	return 1.0 / ff->scale;
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

/* Bytes rounded up to whole doubles. */
static size_t whole_doubles(size_t b)
{
	return (b + sizeof(double) - 1) / sizeof(double) * sizeof(double);
}

/* The bytes of n nodes and the spare one, in whole doubles. */
static size_t nodes_bytes(const struct forest_fast *ff, size_t n)
{
	return whole_doubles((n + 1) * (ff->wide ? sizeof(struct fnode32)
					     : sizeof(uint64_t)));
}

/* The bytes of a tree of n nodes: nodes, shares and changes. */
static size_t tree_bytes(const struct forest_fast *ff, size_t n)
{
	return nodes_bytes(ff, n) + n * sizeof(double) +
	       whole_doubles(n * sizeof(uint32_t));
}

/*
 * The scale of the fixed-point changes in share: the largest 2^s
 * (s <= 30) for which no sum of them can leave an int32_t.  A feature's
 * sum over a row's path in tree t is at most P_t, the largest sum of
 * |change| over the tree's paths, and its rounding at most half a unit
 * a step.  0 if no s >= -30 will do (a forest of billions of levels).
 * path, depth: scratch of the largest tree's size.
 */
static double choose_scale(const struct tsp_forest *f, double *path,
			   uint32_t *depth)
{
	double sp = 0.0, sd = 0.0;

	for (size_t t = 0; t < f->ntrees; t++) {
		const struct tsp_tree *tr = &f->tree[t];
		double pmax = 0.0;
		uint32_t dmax = 0;
		if (tr->n == 0)
			continue;
		path[0] = 0.0;
		depth[0] = 0;
		/* preorder: a node's parent comes before it */
		for (size_t u = 0; u < tr->n; u++) {
			if (tsp_forest_is_leaf(tr->node, u)) {
				pmax = path[u] > pmax ? path[u] : pmax;
				dmax = depth[u] > dmax ? depth[u] : dmax;
				continue;
			}
			size_t c[2] = { u + 1, tr->node[u].right };
			for (int k = 0; k < 2; k++) {
				path[c[k]] = path[u] + fabs(tr->value[c[k]] -
							    tr->value[u]);
				depth[c[k]] = depth[u] + 1;
			}
		}
		sp += pmax;
		sd += dmax;
	}
	for (int s = 30; s >= -30; s--)
		if (ldexp(sp, s) + 0.5 * sd + 1.0 < (double)INT32_MAX)
			return ldexp(1.0, s);
	return 0.0;
}

/* A change in share in fixed point (choose_scale keeps it in range). */
static uint32_t fixed(const struct forest_fast *ff, double d)
{
	return (uint32_t)(int32_t)lrint(d * ff->scale);
}

/*
 * Tree tr laid out at `at`: each node's children side by side, pairs in
 * depth-first order.  rank: each internal node's k (its threshold's
 * rank among its feature's); pos, stack: scratch of tr->n entries.
 */
static void layout(const struct forest_fast *ff, const struct tsp_tree *tr,
		   char *at, const uint32_t *rank, uint32_t *pos,
		   uint32_t *stack)
{
	const struct tsp_forest_node *nd = tr->node;
	const double *v = tr->value;
	uint64_t *n16 = (uint64_t *)at;
	struct fnode32 *n32 = (struct fnode32 *)at;
	double *value = (double *)(at + nodes_bytes(ff, tr->n));
	uint32_t *delta = (uint32_t *)(value + tr->n), next = 1, top = 0;

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
			last = rank[u];
			left = next;
			pos[l] = next;
			pos[r] = next + 1;
			delta[next] = fixed(ff, v[l] - v[u]);
			delta[next + 1] = fixed(ff, v[r] - v[u]);
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

/* A threshold as an integer of the same order (for a radix sort) and the
 * node (numbered across the forest) that splits on it. */
struct kv {
	uint64_t key;
	uint32_t id;
};

static uint64_t order_key(double x)
{
	uint64_t u;

	memcpy(&u, &x, sizeof(u));
	return u >> 63 ? ~u : u | UINT64_C(1) << 63;
}

/* a[0..n) by key (stable), tmp: n more. */
static void sort_kv(struct kv *a, struct kv *tmp, size_t n)
{
	size_t hist[8][256];
	struct kv *from = a, *to = tmp;

	if (n < 64) {
		for (size_t i = 1; i < n; i++) {
			struct kv e = a[i];
			size_t j = i;
			for (; j > 0 && a[j - 1].key > e.key; j--)
				a[j] = a[j - 1];
			a[j] = e;
		}
		return;
	}
	memset(hist, 0, sizeof(hist));
	for (size_t i = 0; i < n; i++)
		for (int b = 0; b < 8; b++)
			hist[b][a[i].key >> 8 * b & 0xff]++;
	for (int b = 0; b < 8; b++) {
		size_t sum = 0, *h = hist[b];
		if (h[a[0].key >> 8 * b & 0xff] == n)
			continue;	/* one digit for all: nothing to do */
		for (int d = 0; d < 256; d++) {
			size_t c = h[d];
			h[d] = sum;
			sum += c;
		}
		for (size_t i = 0; i < n; i++)
			to[h[from[i].key >> 8 * b & 0xff]++] = from[i];
		struct kv *t = from;
		from = to;
		to = t;
	}
	if (from != a)
		memcpy(a, from, n * sizeof(*a));
}

/*
 * Each feature's distinct thresholds, sorted, into ff->thr and
 * ff->tstart, and the rank of each internal node's threshold among its
 * feature's into rank[base[t] + u]; sets ff->wide.  -1 when out of
 * memory or when a feature has too many thresholds (the doubles serve).
 */
static int rank_thresholds(struct forest_fast *ff, const struct tsp_forest *f,
			   const size_t *base, uint32_t *rank)
{
	size_t nf = f->nfeat, ninner = 0, total = 0, *off;
	struct kv *kv = NULL, *tmp = NULL;
	int rc = -1;

	off = calloc(nf + 1, sizeof(*off));
	ff->tstart = malloc((nf + 1) * sizeof(*ff->tstart));
	if (!off || !ff->tstart)
		goto out;
	for (size_t t = 0; t < f->ntrees; t++)
		for (size_t u = 0; u < f->tree[t].n; u++)
			if (!tsp_forest_is_leaf(f->tree[t].node, u)) {
				off[f->tree[t].node[u].feat + 1]++;
				ninner++;
			}
	for (size_t j = 0; j < nf; j++)
		off[j + 1] += off[j];
	kv = malloc((ninner ? ninner : 1) * sizeof(*kv));
	tmp = malloc((ninner ? ninner : 1) * sizeof(*tmp));
	ff->thr = malloc((ninner ? ninner : 1) * sizeof(*ff->thr));
	if (!kv || !tmp || !ff->thr)
		goto out;
	for (size_t t = 0; t < f->ntrees; t++) {
		const struct tsp_tree *tr = &f->tree[t];
		for (size_t u = 0; u < tr->n; u++)
			if (!tsp_forest_is_leaf(tr->node, u)) {
				struct kv *e = &kv[off[tr->node[u].feat]++];
				e->key = order_key(tr->node[u].thr);
				e->id = (uint32_t)(base[t] + u);
			}
	}
	/* (off[j] is now where feature j + 1 starts) */
	/* the leaves' feature (nfeat) and k (the largest rank) must fit */
	ff->wide = nf > 0xffff;
	for (size_t j = 0, lo = 0; j < nf; lo = off[j++]) {
		size_t k = 0;
		double last = 0.0;
		sort_kv(kv + lo, tmp, off[j] - lo);
		ff->tstart[j] = total;
		for (size_t i = lo; i < off[j]; i++) {
			double x;
			uint64_t u = kv[i].key;
			u = u >> 63 ? u & ~(UINT64_C(1) << 63) : ~u;
			memcpy(&x, &u, sizeof(x));
			/* (-0 and +0, side by side, are one threshold) */
			if (k == 0 || x != last)
				ff->thr[total + k++] = last = x;
			rank[kv[i].id] = (uint32_t)(k - 1);
		}
		if (k >= INT32_MAX)
			goto out;	/* too many: the doubles will do */
		if (k > 0xffff)
			ff->wide = 1;
		total += k;
	}
	ff->tstart[nf] = total;
	rc = 0;
out:
	free(off);
	free(kv);
	free(tmp);
	return rc;
}

struct forest_fast *forest_fast_build(const struct tsp_forest *f)
{
	struct forest_fast *ff;
	size_t nodes = 0, maxn = 1, all = 0, *base = NULL;
	uint32_t *pos = NULL, *stack = NULL, *rank = NULL;

	if (f->nfeat == 0 || f->nfeat >= INT32_MAX)
		return NULL;
	ff = calloc(1, sizeof(*ff));
	base = malloc((f->ntrees + 1) * sizeof(*base));
	if (!ff || !base)
		goto fail;
	ff->nfeat = f->nfeat;
	ff->ntrees = f->ntrees;
	for (size_t t = 0; t < f->ntrees; t++) {
		const struct tsp_tree *tr = &f->tree[t];
		if (tr->n >= UINT32_MAX - 1 || all + tr->n >= UINT32_MAX)
			goto fail;
		if (tr->n > maxn)
			maxn = tr->n;
		base[t] = all;
		all += tr->n;
	}
	rank = malloc((all ? all : 1) * sizeof(*rank));
	if (!rank || rank_thresholds(ff, f, base, rank) < 0)
		goto fail;
	ff->start = malloc((f->ntrees + 1) * sizeof(*ff->start));
	ff->nnode = malloc((f->ntrees ? f->ntrees : 1) * sizeof(*ff->nnode));
	pos = malloc(maxn * sizeof(*pos));
	stack = malloc(maxn * sizeof(*stack));
	if (!ff->start || !ff->nnode || !pos || !stack)
		goto fail;
	for (size_t t = 0; t < f->ntrees; t++) {
		ff->start[t] = nodes;
		ff->nnode[t] = f->tree[t].n;
		nodes += tree_bytes(ff, f->tree[t].n);
	}
	ff->start[f->ntrees] = nodes;
	if (!(ff->mem = malloc(nodes ? nodes : 1)))
		goto fail;
	/* (the nodes' memory serves as scratch first) */
	ff->scale = choose_scale(f, (double *)ff->mem, pos);
	if (ff->scale == 0.0)
		goto fail;
	for (size_t t = 0; t < f->ntrees; t++)
		if (f->tree[t].n)
			layout(ff, &f->tree[t], ff->mem + ff->start[t],
			       rank + base[t], pos, stack);
	free(base);
	free(rank);
	free(pos);
	free(stack);
	return ff;
fail:
	free(base);
	free(rank);
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
	uint32_t *cb = w->contrib;
	double *val = w->val, *sum = w->sum;
	/* a unit of a sum, in the mean over the trees */
	double unit = 1.0 / (ff->scale * (double)ff->ntrees);

	rank_rows(ff, w, x, m);
	memset(sum, 0, m * sizeof(*sum));
	if (contrib)
		memset(cb, 0, m * stride * sizeof(*cb));
	for (size_t t = 0; t < ff->ntrees; t++) {
		const char *at = ff->mem + ff->start[t];
		const double *v = (const double *)(at +
					nodes_bytes(ff, ff->nnode[t]));
		const uint32_t *d = (const uint32_t *)(v + ff->nnode[t]);
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
		for (size_t j = 0; contrib && j < nf; j++) {
			uint32_t u = cb[q * stride + j];
			/* the int32_t the bits hold (choose_scale keeps a
			   feature's sum in range) */
			double c = u >= UINT32_C(0x80000000)
				   ? (double)u - 4294967296.0 : (double)u;
			contrib[i * nf + j] = c * unit;
		}
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
