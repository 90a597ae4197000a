/*
 * Using a forest: probabilities (one row, or many on threads), the split
 * of a probability into per-feature contributions along the paths,
 * out-of-bag probabilities, and permutation importance.
 *
 * Many rows go through the forest a tree at a time, a block of rows per
 * tree, so a tree's nodes stay in cache while the block walks it; eight
 * rows walk side by side with no branch on the data (a leaf is its own
 * right child), so their loads overlap instead of waiting on each other.
 * Each row still adds up its trees in order: the results are the same
 * bytes as one row at a time, whatever the blocks and threads.  Blocks
 * of many rows to predict walk the trees recoded as ranks instead
 * (forest_fast.c), the same way; the walks here serve out-of-bag scores,
 * permutation importance, and forests that could not be recoded.
 */
#include "forest_impl.h"

#include <math.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "tsp_metrics.h"

#define LANES 8		/* rows walking a tree side by side */
#define BLOCK 4096	/* rows per block: the x rows stay in L2 */

/* One step from node k for value xv: left, right, or stay (a leaf). */
static inline uint32_t step(const struct tsp_forest_node *nd, uint32_t k,
			    double xv)
{
	uint32_t go = xv > nd[k].thr;

	return (k + 1) + ((nd[k].right - k - 1) & (0u - go));
}

/* Leaf values of rows xr[0..m) in the tree: eight at a time, the lanes
 * spelled out so that their node indices stay in registers. */
#define STEP(r) do { \
	uint32_t nk_ = step(nd, k##r, x##r[nd[k##r].feat]); \
	moved |= nk_ ^ k##r; \
	k##r = nk_; \
} while (0)

static void walk(const struct tsp_tree *tr, const double *const *xr,
		 size_t m, double *val)
{
	const struct tsp_forest_node *nd = tr->node;
	const double *v = tr->value;
	size_t i = 0;

	for (; i + 8 <= m; i += 8) {
		uint32_t k0 = 0, k1 = 0, k2 = 0, k3 = 0, k4 = 0, k5 = 0,
			 k6 = 0, k7 = 0, moved;
		const double *x0 = xr[i], *x1 = xr[i + 1], *x2 = xr[i + 2],
			     *x3 = xr[i + 3], *x4 = xr[i + 4], *x5 = xr[i + 5],
			     *x6 = xr[i + 6], *x7 = xr[i + 7];
		do {
			moved = 0;
			STEP(0); STEP(1); STEP(2); STEP(3);
			STEP(4); STEP(5); STEP(6); STEP(7);
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
		uint32_t k = 0;
		while (!tsp_forest_is_leaf(nd, k))
			k = step(nd, k, xr[i][nd[k].feat]);
		val[i] = v[k];
	}
}

/* As walk, also adding the change in class-1 share at each split to the
 * split feature's contribution cr[row][feat] (a leaf adds 0). */
static void walk_explain(const struct tsp_tree *tr,
			 const double *const *xr, double *const *cr, size_t m,
			 double *val)
{
	const struct tsp_forest_node *nd = tr->node;
	const double *v = tr->value;
	size_t i = 0;

	for (; i + LANES <= m; i += LANES) {
		uint32_t k[LANES] = {0};
		const double *const *x = xr + i;
		double *const *c = cr + i;
		for (;;) {
			uint32_t moved = 0;
			for (int r = 0; r < LANES; r++) {
				int32_t f = nd[k[r]].feat;
				uint32_t nk = step(nd, k[r], x[r][f]);
				c[r][f] += v[nk] - v[k[r]];
				moved |= nk ^ k[r];
				k[r] = nk;
			}
			if (!moved)
				break;
		}
		for (int r = 0; r < LANES; r++)
			val[i + r] = v[k[r]];
	}
	for (; i < m; i++) {
		uint32_t k = 0;
		while (!tsp_forest_is_leaf(nd, k)) {
			int32_t f = nd[k].feat;
			uint32_t nk = step(nd, k, xr[i][f]);
			cr[i][f] += v[nk] - v[k];
			k = nk;
		}
		val[i] = v[k];
	}
}

double tsp_forest_predict(const struct tsp_forest *f, const double *x)
{
	double s = 0;

	for (size_t t = 0; t < f->ntrees; t++)
		s += f->tree[t].value[forest_leaf(&f->tree[t], x)];
	return f->ntrees ? s / (double)f->ntrees : NAN;
}

double tsp_forest_explain(const struct tsp_forest *f, const double *x,
			  double *contrib)
{
	double s = 0;

	memset(contrib, 0, f->nfeat * sizeof(*contrib));
	for (size_t t = 0; t < f->ntrees; t++) {
		double v;
		walk_explain(&f->tree[t], &x, &contrib, 1, &v);
		s += v;
	}
	for (size_t j = 0; j < f->nfeat; j++)
		contrib[j] /= (double)f->ntrees;
	return f->ntrees ? s / (double)f->ntrees : NAN;
}

/* ---- many rows ----------------------------------------------------- */

struct pjob {
	const struct tsp_forest *f;
	const double *x;
	double *out, *contrib;
	void (*each)(void *, size_t, size_t, const double *);
	void *ctx;
	size_t n, next, block;	/* block <= BLOCK */
	int failed;
	pthread_mutex_t lock;
};

static void predict_block(const struct tsp_forest *f, const double *x,
			  size_t lo, size_t hi, double *out, double *contrib,
			  const double **xr, double **cr, double *val)
{
	size_t m = hi - lo, p = f->nfeat;

	for (size_t i = 0; i < m; i++) {
		xr[i] = x + (lo + i) * p;
		out[lo + i] = 0;
		if (contrib) {
			cr[i] = contrib + i * p;
			memset(cr[i], 0, p * sizeof(double));
		}
	}
	for (size_t t = 0; t < f->ntrees; t++) {
		if (contrib)
			walk_explain(&f->tree[t], xr, cr, m, val);
		else
			walk(&f->tree[t], xr, m, val);
		for (size_t i = 0; i < m; i++)
			out[lo + i] += val[i];
	}
	for (size_t i = 0; i < m; i++) {
		out[lo + i] /= (double)f->ntrees;
		for (size_t j = 0; contrib && j < p; j++)
			cr[i][j] /= (double)f->ntrees;
	}
}

static void *pworker(void *arg)
{
	struct pjob *j = arg;
	const struct tsp_forest *f = j->f;
	const double **xr = malloc(BLOCK * sizeof(*xr));
	double **cr = malloc(BLOCK * sizeof(*cr));
	double *val = malloc(BLOCK * sizeof(*val));
	double *cbuf = j->each ? malloc(BLOCK * f->nfeat * sizeof(*cbuf))
			       : NULL;
	struct forest_fast_work *fw = f->fast ? forest_fast_work_new(f->fast)
					      : NULL;

	for (;;) {
		size_t lo, hi;
		double *cb;
		pthread_mutex_lock(&j->lock);
		if (!xr || !cr || !val || (f->fast && !fw) ||
		    (j->each && !cbuf))
			j->failed = 1;
		lo = j->failed ? j->n : j->next;
		j->next += j->block;
		pthread_mutex_unlock(&j->lock);
		if (lo >= j->n)
			break;
		hi = lo + j->block < j->n ? lo + j->block : j->n;
		cb = j->each ? cbuf : j->contrib ? j->contrib + lo * f->nfeat
						 : NULL;
		if (f->fast)
			forest_fast_predict(f->fast, fw, j->x + lo * f->nfeat,
					    hi - lo, j->out + lo, cb);
		else
			predict_block(f, j->x, lo, hi, j->out, cb, xr, cr,
				      val);
		if (j->each)
			j->each(j->ctx, lo, hi, cbuf);
	}
	free(cbuf);
	free(xr);
	free(cr);
	free(val);
	forest_fast_work_free(fw);
	return NULL;
}

static int nthreads(int threads, size_t work)
{
	if (threads <= 0)
		threads = tsp_forest_cpus();
	if ((size_t)threads > work)
		threads = work ? (int)work : 1;
	return threads;
}

/* tsp_forest_predict_many (contrib) and _each (each, ctx) */
static int predict_job(const struct tsp_forest *f, const double *x,
		       size_t n, double *out, double *contrib,
		       void (*each)(void *, size_t, size_t, const double *),
		       void *ctx, int threads, struct tsp_error *err)
{
	struct pjob j;
	size_t nb;
	int nt;

	memset(&j, 0, sizeof(j));
	j.f = f;
	j.x = x;
	j.out = out;
	j.contrib = contrib;
	j.each = each;
	j.ctx = ctx;
	j.n = n;
	pthread_mutex_init(&j.lock, NULL);
	/* as many blocks for each thread (a last short block would leave
	 * the others idle while one thread walks it) */
	nt = nthreads(threads, (n + 255) / 256);
	nb = (n + BLOCK - 1) / BLOCK;
	nb = (nb + (size_t)nt - 1) / (size_t)nt * (size_t)nt;
	j.block = nb ? (n + nb - 1) / nb : BLOCK;
	if (j.block == 0)
		j.block = 1;
	forest_run(nt, pworker, &j);
	pthread_mutex_destroy(&j.lock);
	if (j.failed)
		return tsp_error_set(err, TSP_ENOMEM, "out of memory");
	return 0;
}

int tsp_forest_predict_many(const struct tsp_forest *f, const double *x,
			    size_t n, double *out, double *contrib,
			    int threads, struct tsp_error *err)
{
	return predict_job(f, x, n, out, contrib, NULL, NULL, threads, err);
}

int tsp_forest_predict_each(const struct tsp_forest *f, const double *x,
			    size_t n, double *out, int threads,
			    void (*each)(void *ctx, size_t lo, size_t hi,
					 const double *contrib),
			    void *ctx, struct tsp_error *err)
{
	return predict_job(f, x, n, out, NULL, each, ctx, threads, err);
}

/* ---- out of bag ---------------------------------------------------- */

struct oobjob {
	const struct tsp_forest *f;
	const struct tsp_forest_data *d;
	struct tsp_forest_fit *fit;
	size_t next;
	size_t *kmin;		/* per block: fewest trees of a sample */
	pthread_mutex_t lock;
	int failed;
};

static int is_inbag(const struct tsp_forest_fit *fit, size_t t, size_t i)
{
	return fit->inbag[t * fit->words + i / 64] >> (i % 64) & 1;
}

static void *oobworker(void *arg)
{
	struct oobjob *j = arg;
	const struct tsp_forest_data *d = j->d;
	const double **xr = malloc(BLOCK * sizeof(*xr));
	double *val = malloc(BLOCK * sizeof(*val));
	double *sum = malloc(BLOCK * sizeof(*sum));
	size_t *cnt = malloc(BLOCK * sizeof(*cnt));
	uint32_t *idx = malloc(BLOCK * sizeof(*idx));

	for (;;) {
		size_t lo, hi, kmin = SIZE_MAX;
		pthread_mutex_lock(&j->lock);
		if (!xr || !val || !sum || !cnt || !idx)
			j->failed = 1;
		lo = j->failed ? d->n : j->next;
		j->next += BLOCK;
		pthread_mutex_unlock(&j->lock);
		if (lo >= d->n)
			break;
		hi = lo + BLOCK < d->n ? lo + BLOCK : d->n;
		memset(sum, 0, BLOCK * sizeof(*sum));
		memset(cnt, 0, BLOCK * sizeof(*cnt));
		for (size_t t = 0; t < j->f->ntrees; t++) {
			size_t m = 0;
			for (size_t i = lo; i < hi; i++)
				if (!is_inbag(j->fit, t, i)) {
					idx[m] = (uint32_t)(i - lo);
					xr[m++] = d->x + i * d->nfeat;
				}
			walk(&j->f->tree[t], xr, m, val);
			for (size_t r = 0; r < m; r++) {
				sum[idx[r]] += val[r];
				cnt[idx[r]]++;
			}
		}
		for (size_t i = lo; i < hi; i++) {
			size_t k = cnt[i - lo];
			j->fit->oob[i] = k ? sum[i - lo] / (double)k : NAN;
			if (k && k < kmin)
				kmin = k;
		}
		j->kmin[lo / BLOCK] = kmin;
	}
	free(xr);
	free(val);
	free(sum);
	free(cnt);
	free(idx);
	return NULL;
}

void forest_oob(const struct tsp_forest *f, const struct tsp_forest_data *d,
		struct tsp_forest_fit *fit, int threads)
{
	struct oobjob j;
	size_t nb = (d->n + BLOCK - 1) / BLOCK;

	memset(&j, 0, sizeof(j));
	j.f = f;
	j.d = d;
	j.fit = fit;
	j.kmin = malloc((nb ? nb : 1) * sizeof(*j.kmin));
	fit->oob_trees_min = 0;
	if (!j.kmin) {
		for (size_t i = 0; i < d->n; i++)
			fit->oob[i] = NAN;
		return;
	}
	pthread_mutex_init(&j.lock, NULL);
	forest_run(nthreads(threads, nb), oobworker, &j);
	pthread_mutex_destroy(&j.lock);
	fit->oob_trees_min = SIZE_MAX;
	for (size_t b = 0; b < nb && !j.failed; b++)
		if (j.kmin[b] < fit->oob_trees_min)
			fit->oob_trees_min = j.kmin[b];
	if (fit->oob_trees_min == SIZE_MAX || j.failed)
		fit->oob_trees_min = 0;
	if (j.failed)
		for (size_t i = 0; i < d->n; i++)
			fit->oob[i] = NAN;
	free(j.kmin);
}

/* ---- permutation importance --------------------------------------- */

struct permjob {
	const struct tsp_forest *f;
	const struct tsp_forest_data *d;
	const uint32_t *rows;		/* the chosen samples */
	size_t m;
	const unsigned char *y;		/* m: their classes */
	const size_t *start;		/* ntrees + 1: per tree, its out-of- */
	const uint32_t *list;		/* bag positions in rows */
	const size_t *cnt;		/* m: out-of-bag trees of each */
	const double *bval;		/* per list entry: its leaf value */
	const uint64_t *bmask;		/* per list entry: features on its
					   path, bit j % 64 for feature j */
	const double *bsum;		/* m: out-of-bag sums */
	uint64_t seed;
	double base;
	double *out;
	size_t next;			/* next feature */
	int failed;
	pthread_mutex_t lock;
};

/* The leaf value of x in tree tr, and the features on its path. */
static double walk_mask(const struct tsp_tree *tr, const double *x,
			uint64_t *mask)
{
	const struct tsp_forest_node *nd = tr->node;
	uint32_t k = 0;
	uint64_t mk = 0;

	while (!tsp_forest_is_leaf(nd, k)) {
		mk |= UINT64_C(1) << (nd[k].feat % 64);
		k = step(nd, k, x[nd[k].feat]);
	}
	*mask = mk;
	return tr->value[k];
}

/*
 * Feature c shuffled: only a row whose path in a tree splits on c (by
 * its path mask) can land elsewhere; only those walk the tree again.
 */
static void *permworker(void *arg)
{
	struct permjob *j = arg;
	size_t nf = j->f->nfeat, m = j->m;
	double *xs = malloc((m ? m : 1) * nf * sizeof(*xs));
	double *sum = malloc((m ? m : 1) * sizeof(*sum));
	double *val = malloc((m ? m : 1) * sizeof(*val));
	const double **xr = malloc((m ? m : 1) * sizeof(*xr));
	uint32_t *which = malloc((m ? m : 1) * sizeof(*which));

	for (;;) {
		struct forest_rng rng;
		size_t c;

		pthread_mutex_lock(&j->lock);
		if (!xs || !sum || !val || !xr || !which)
			j->failed = 1;
		c = j->failed ? nf : j->next++;
		pthread_mutex_unlock(&j->lock);
		if (c >= nf)
			break;
		for (size_t r = 0; r < m; r++)
			memcpy(xs + r * nf, j->d->x + (size_t)j->rows[r] * nf,
			       nf * sizeof(*xs));
		forest_rng_seed(&rng, j->seed, UINT64_C(0x9e37) + c);
		for (size_t r = m; r > 1; r--) {
			size_t q = (size_t)forest_rng_below(&rng, r);
			double t = xs[(r - 1) * nf + c];
			xs[(r - 1) * nf + c] = xs[q * nf + c];
			xs[q * nf + c] = t;
		}
		memcpy(sum, j->bsum, m * sizeof(*sum));
		for (size_t t = 0; t < j->f->ntrees; t++) {
			const uint32_t *l = j->list + j->start[t];
			size_t k = j->start[t + 1] - j->start[t], q = 0;
			uint64_t bit = UINT64_C(1) << (c % 64);
			for (size_t r = 0; r < k; r++)
				if (j->bmask[j->start[t] + r] & bit) {
					which[q] = (uint32_t)r;
					xr[q++] = xs + (size_t)l[r] * nf;
				}
			walk(&j->f->tree[t], xr, q, val);
			for (size_t r = 0; r < q; r++)
				sum[l[which[r]]] += val[r] -
					j->bval[j->start[t] + which[r]];
		}
		for (size_t r = 0; r < m; r++)
			sum[r] /= (double)j->cnt[r];
		j->out[c] = j->base - tsp_metrics_auc(sum, j->y, m);
	}
	free(xs);
	free(sum);
	free(val);
	free(xr);
	free(which);
	return NULL;
}

/* The samples scored out of bag, at most max_rows of them (a random
 * choice), in their original order.  Returns how many. */
static size_t choose_rows(const struct tsp_forest_fit *fit, size_t n,
			  size_t max_rows, uint64_t seed, uint32_t *rows)
{
	struct forest_rng rng;
	size_t m = 0;

	for (size_t i = 0; i < n; i++)
		if (!isnan(fit->oob[i]))
			rows[m++] = (uint32_t)i;
	if (!max_rows || m <= max_rows)
		return m;
	forest_rng_seed(&rng, seed, UINT64_C(0x5e1ec7));
	for (size_t i = 0; i < max_rows; i++) {
		size_t q = i + (size_t)forest_rng_below(&rng, m - i);
		uint32_t t = rows[i];
		rows[i] = rows[q];
		rows[q] = t;
	}
	for (size_t i = 1; i < max_rows; i++) {
		uint32_t v = rows[i];
		size_t k = i;
		while (k > 0 && rows[k - 1] > v) {
			rows[k] = rows[k - 1];
			k--;
		}
		rows[k] = v;
	}
	return max_rows;
}

int tsp_forest_permutation(const struct tsp_forest *f,
			   const struct tsp_forest_data *d,
			   const struct tsp_forest_fit *fit, size_t max_rows,
			   uint64_t seed, int threads, double *out,
			   struct tsp_error *err)
{
	struct permjob j;
	size_t n1 = d->n ? d->n : 1, m, total = 0;
	uint32_t *rows = malloc(n1 * sizeof(*rows)), *list = NULL;
	unsigned char *y = malloc(n1);
	double *p = malloc(n1 * sizeof(*p));
	size_t *start = malloc((f->ntrees + 1) * sizeof(*start));
	size_t *cnt = calloc(n1, sizeof(*cnt));
	double *bval = NULL, *bsum = NULL;
	uint64_t *bmask = NULL;
	int rc = 0;

	memset(out, 0, f->nfeat * sizeof(*out));
	memset(&j, 0, sizeof(j));
	if (!rows || !y || !p || !start || !cnt)
		goto nomem;
	if (!fit->oob || !fit->inbag)
		goto done;
	m = choose_rows(fit, d->n, max_rows, seed, rows);
	for (size_t r = 0; r < m; r++) {
		y[r] = d->y[rows[r]];
		p[r] = fit->oob[rows[r]];
	}
	/* Each tree's out-of-bag rows, as positions in rows[]. */
	for (size_t t = 0; t < f->ntrees; t++)
		for (size_t r = 0; r < m; r++)
			total += !is_inbag(fit, t, rows[r]);
	list = malloc((total ? total : 1) * sizeof(*list));
	if (!list)
		goto nomem;
	total = 0;
	for (size_t t = 0; t < f->ntrees; t++) {
		start[t] = total;
		for (size_t r = 0; r < m; r++)
			if (!is_inbag(fit, t, rows[r])) {
				list[total++] = (uint32_t)r;
				cnt[r]++;
			}
	}
	start[f->ntrees] = total;
	bval = malloc((total ? total : 1) * sizeof(*bval));
	bmask = malloc((total ? total : 1) * sizeof(*bmask));
	bsum = calloc(m ? m : 1, sizeof(*bsum));
	if (!bval || !bmask || !bsum)
		goto nomem;
	for (size_t t = 0; t < f->ntrees; t++)
		for (size_t e = start[t]; e < start[t + 1]; e++) {
			size_t r = list[e];
			bval[e] = walk_mask(&f->tree[t],
					    d->x + (size_t)rows[r] * d->nfeat,
					    &bmask[e]);
			bsum[r] += bval[e];
		}
	j.f = f;
	j.d = d;
	j.rows = rows;
	j.m = m;
	j.y = y;
	j.start = start;
	j.list = list;
	j.cnt = cnt;
	j.bval = bval;
	j.bmask = bmask;
	j.bsum = bsum;
	j.seed = seed;
	j.out = out;
	j.base = tsp_metrics_auc(p, y, m);
	if (!isnan(j.base)) {
		pthread_mutex_init(&j.lock, NULL);
		forest_run(nthreads(threads, f->nfeat), permworker, &j);
		pthread_mutex_destroy(&j.lock);
	}
	if (j.failed)
		goto nomem;
	goto done;
nomem:
	memset(out, 0, f->nfeat * sizeof(*out));
	rc = tsp_error_set(err, TSP_ENOMEM, "out of memory");
done:
	free(rows);
	free(list);
	free(y);
	free(p);
	free(start);
	free(cnt);
	free(bval);
	free(bmask);
	free(bsum);
	return rc;
}
