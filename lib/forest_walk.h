/*
 * The ranked walks of lib/forest_fast.c: a template, included there once
 * per rank width.  The includer defines
 *   RANK        the rank type (uint16_t or uint32_t)
 *   NODE        the node type
 *   FEAT(n), LAST(n), LEFT(n)
 *               a node's split feature, k (go left when rank <= k) and
 *               left child (the right one is next), as uint32_t
 *   LEAF_LAST   LAST of a leaf: the largest RANK
 *   FN(x)       the names of the functions
 * and struct forest_fast, struct ahead and AHEAD() (fetching the next
 * tree while walking this one).
 *
 * A block's rows are ranked into RANK rows of stride = nfeat + 1: the
 * slot past the features is the one a leaf "splits" on, which sends the
 * row to the leaf itself (k is the largest rank, the left child the leaf)
 * and takes the explaining walk's additions there (its contribution slot
 * is scratch).  Rows walk a tree side by side, with no branch on the
 * data, until none of them moved.
 */

/*
 * Rows x[0..m) (nfeat doubles each) as ranks into out (stride): a rank
 * is the number of the feature's thresholds below the value.  A feature
 * at a time, so that its thresholds stay in cache, and four rows at a
 * time, side by side: the search has no branch on the data, the same
 * steps for every value, so the four overlap.
 */
#define RSTEP(r) (b##r = b##r[half] < x##r ? b##r + half : b##r)
#define RDONE(r, i) (out[(i) * stride + j] = \
	(RANK)((size_t)(b##r - t) + (*b##r < x##r)))

static void FN(codes)(const struct forest_fast *ff, const double *x,
		      size_t m, RANK *out)
{
	size_t nf = ff->nfeat, stride = nf + 1;

	for (size_t i = 0; i < m; i++)
		out[i * stride + nf] = 0;
	for (size_t j = 0; j < nf; j++) {
		const double *t = ff->thr + ff->tstart[j];
		size_t n = ff->tstart[j + 1] - ff->tstart[j], i = 0;
		if (n == 0) {
			for (; i < m; i++)
				out[i * stride + j] = 0;
			continue;
		}
		for (; i < m; i += 4) {
			/* (past the end: the last row again) */
			size_t i1 = i + 1 < m ? i + 1 : i;
			size_t i2 = i + 2 < m ? i + 2 : i1;
			size_t i3 = i + 3 < m ? i + 3 : i2;
			double x0 = x[i * nf + j], x1 = x[i1 * nf + j];
			double x2 = x[i2 * nf + j], x3 = x[i3 * nf + j];
			const double *b0 = t, *b1 = t, *b2 = t, *b3 = t;
			for (size_t len = n; len > 1;) {
				size_t half = len / 2;
				RSTEP(0);
				RSTEP(1);
				RSTEP(2);
				RSTEP(3);
				len -= half;
			}
			RDONE(0, i);
			RDONE(1, i1);
			RDONE(2, i2);
			RDONE(3, i3);
		}
	}
}

/* The leaf the ranked row x reaches. */
static uint32_t FN(leaf)(const NODE *nd, const RANK *x)
{
	uint32_t k = 0;

	while (LAST(nd[k]) != LEAF_LAST)
		k = LEFT(nd[k]) + (x[FEAT(nd[k])] > LAST(nd[k]));
	return k;
}

/* One step of row r from node k: to the left child or the one after
 * it; a leaf stays. */
#define WNEXT(r) (LEFT(nd[k##r]) + (x##r[FEAT(nd[k##r])] > LAST(nd[k##r])))
#define WSTEP(r) (k##r = WNEXT(r))
#define WSTEPM(r) do { \
	uint32_t nk_ = WNEXT(r); \
	moved |= nk_ ^ k##r; \
	k##r = nk_; \
} while (0)

/* Leaf values of the ranked rows x[0..m) (stride) in one tree. */
static void FN(walk)(const NODE *nd, const double *v, const RANK *x,
		     size_t stride, size_t m, double *val, struct ahead *pf)
{
	size_t i = 0;

	for (; i + 8 <= m; i += 8) {
		uint32_t k0 = 0, k1 = 0, k2 = 0, k3 = 0, k4 = 0, k5 = 0,
			 k6 = 0, k7 = 0, moved;
		const RANK *x0 = x + i * stride, *x1 = x0 + stride,
			   *x2 = x1 + stride, *x3 = x2 + stride,
			   *x4 = x3 + stride, *x5 = x4 + stride,
			   *x6 = x5 + stride, *x7 = x6 + stride;
		AHEAD(pf);
		do {
			/* two steps, the second one watched */
			moved = 0;
			WSTEP(0); WSTEP(1); WSTEP(2); WSTEP(3);
			WSTEP(4); WSTEP(5); WSTEP(6); WSTEP(7);
			WSTEPM(0); WSTEPM(1); WSTEPM(2); WSTEPM(3);
			WSTEPM(4); WSTEPM(5); WSTEPM(6); WSTEPM(7);
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
	for (; i < m; i++)
		val[i] = v[FN(leaf)(nd, x + i * stride)];
}

/*
 * As walk, adding each step's change in class-1 share, d[child] (fixed
 * point, see lib/forest_fast.c), to the split feature's slot of the row's
 * contributions c (x and c have the same stride, so a lane keeps one
 * offset for both; unsigned, so that a leaf's additions to its scratch
 * slot may wrap).  A lane carries its
 * node, not its index, and loads both children as soon as it has it:
 * that load no longer waits for the comparison, which picks one of the
 * two.  A node's sibling is past the last node of a tree only when the
 * node is a leaf; the includer leaves a spare node there.
 */
#define ESTEP(r) do { \
	uint32_t f_ = FEAT(n##r), l_ = LEFT(n##r), t_ = LAST(n##r); \
	NODE nl_ = nd[l_], nr_ = nd[l_ + 1]; \
	uint32_t go_ = x[o##r + f_] > t_; \
	c[o##r + f_] += d[l_ + go_]; \
	n##r = go_ ? nr_ : nl_; \
	more |= t_ ^ LEAF_LAST; \
} while (0)

static void FN(explain)(const NODE *nd, const uint32_t *d, const double *v,
			const RANK *x, uint32_t *c, size_t stride, size_t m,
			double *val, struct ahead *pf)
{
	size_t i = 0;

	for (; i + 4 <= m; i += 4) {
		NODE n0 = nd[0], n1 = nd[0], n2 = nd[0], n3 = nd[0];
		size_t o0 = i * stride, o1 = o0 + stride, o2 = o1 + stride,
		       o3 = o2 + stride;
		uint32_t more = 0;
		AHEAD(pf);
		do {
			/* two steps, the second one watched: a lane at an
			 * inner node before it moves on */
			ESTEP(0); ESTEP(1); ESTEP(2); ESTEP(3);
			more = 0;
			ESTEP(0); ESTEP(1); ESTEP(2); ESTEP(3);
		} while (more);
		val[i] = v[LEFT(n0)];
		val[i + 1] = v[LEFT(n1)];
		val[i + 2] = v[LEFT(n2)];
		val[i + 3] = v[LEFT(n3)];
	}
	for (; i < m; i++) {
		NODE n0 = nd[0];
		size_t o0 = i * stride;
		uint32_t more;
		do {
			more = 0;
			ESTEP(0);
		} while (more);
		val[i] = v[LEFT(n0)];
	}
}

#undef RSTEP
#undef RDONE
#undef WNEXT
#undef WSTEP
#undef WSTEPM
#undef ESTEP
