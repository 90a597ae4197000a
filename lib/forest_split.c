/*
 * Growing one classification tree: the samples recoded per feature, and
 * the depth-first builder with its best-split search.  The search follows
 * scikit-learn's BestSplitter: features are drawn without replacement
 * until max_features have been looked at (constant ones count, but at
 * least one that is not constant is looked at), features found constant
 * in a node are remembered for its subtree, and a split is placed half
 * way between two neighbouring values.  What differs is how the classes
 * per value are counted: by a histogram over the feature's distinct
 * values when it has few compared with the node's samples, else by
 * sorting the node's value codes (a radix sort) — the same split either
 * way, found without comparing floating-point values.
 */
#include "forest_impl.h"

#include <float.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

/* ---- random stream ------------------------------------------------- */

static uint64_t splitmix64(uint64_t *x)
{
	uint64_t z = (*x += UINT64_C(0x9e3779b97f4a7c15));
	z = (z ^ (z >> 30)) * UINT64_C(0xbf58476d1ce4e5b9);
	z = (z ^ (z >> 27)) * UINT64_C(0x94d049bb133111eb);
	return z ^ (z >> 31);
}

void forest_rng_seed(struct forest_rng *r, uint64_t seed, uint64_t stream)
{
	uint64_t x = seed ^ splitmix64(&stream);

	for (int i = 0; i < 4; i++)
		r->s[i] = splitmix64(&x);
}

static uint64_t rotl(uint64_t x, int k)
{
	return (x << k) | (x >> (64 - k));
}

uint64_t forest_rng_next(struct forest_rng *r)
{
	uint64_t *s = r->s, res = rotl(s[1] * 5, 7) * 9, t = s[1] << 17;

	s[2] ^= s[0];
	s[3] ^= s[1];
	s[1] ^= s[2];
	s[0] ^= s[3];
	s[2] ^= t;
	s[3] = rotl(s[3], 45);
	return res;
}

uint64_t forest_rng_below(struct forest_rng *r, uint64_t n)
{
	/* Lemire: the high half of a 64x64 product, rejecting the few
	 * low halves that would bias it. */
	unsigned __int128 m = (unsigned __int128)forest_rng_next(r) * n;
	uint64_t lo = (uint64_t)m;

	if (lo < n) {
		uint64_t t = -n % n;
		while (lo < t) {
			m = (unsigned __int128)forest_rng_next(r) * n;
			lo = (uint64_t)m;
		}
	}
	return (uint64_t)(m >> 64);
}

/* ---- recoding ------------------------------------------------------ */

/* Doubles as unsigned keys in the same order (no NaN). */
static uint64_t dkey(double v)
{
	uint64_t u;

	if (v == 0)
		v = 0;		/* -0 sorts with 0 */
	memcpy(&u, &v, sizeof(u));
	return u >> 63 ? ~u : u | UINT64_C(1) << 63;
}

static double dval(uint64_t u)
{
	double v;

	u = u >> 63 ? u & ~(UINT64_C(1) << 63) : ~u;
	memcpy(&v, &u, sizeof(v));
	return v;
}

/* LSD radix sort of n keys, 8 bits a pass (skipping passes where every
 * key has the same byte). */
static void radix64(uint64_t *a, uint64_t *tmp, size_t n)
{
	for (int shift = 0; shift < 64; shift += 8) {
		size_t cnt[257] = {0};
		for (size_t i = 0; i < n; i++)
			cnt[((a[i] >> shift) & 0xff) + 1]++;
		if (n == 0 || cnt[((a[0] >> shift) & 0xff) + 1] == n)
			continue;
		for (int b = 0; b < 256; b++)
			cnt[b + 1] += cnt[b];
		for (size_t i = 0; i < n; i++)
			tmp[cnt[(a[i] >> shift) & 0xff]++] = a[i];
		memcpy(a, tmp, n * sizeof(*a));
	}
}

/* The index of key k in the sorted distinct keys u[0..m). */
static uint32_t lookup(const uint64_t *u, uint32_t m, uint64_t k)
{
	uint32_t lo = 0, hi = m;

	while (hi - lo > 1) {
		uint32_t mid = lo + (hi - lo) / 2;
		if (u[mid] <= k)
			lo = mid;
		else
			hi = mid;
	}
	return lo;
}

int forest_code(struct forest_coded *c, const struct tsp_forest_data *d,
		struct tsp_error *err)
{
	uint64_t *key, *tmp;
	size_t n = d->n, p = d->nfeat;

	memset(c, 0, sizeof(*c));
	c->n = n;
	c->nfeat = p;
	c->y = d->y;
	if (n > UINT32_MAX / 2)
		return tsp_error_set(err, TSP_EDATA, "too many samples");
	c->col = calloc(p ? p : 1, sizeof(*c->col));
	c->width = calloc(p ? p : 1, sizeof(*c->width));
	c->vals = calloc(p ? p : 1, sizeof(*c->vals));
	c->nvals = calloc(p ? p : 1, sizeof(*c->nvals));
	key = malloc((n ? n : 1) * sizeof(*key));
	tmp = malloc((n ? n : 1) * sizeof(*tmp));
	if (!c->col || !c->width || !c->vals || !c->nvals || !key || !tmp)
		goto nomem;
	for (size_t j = 0; j < p; j++) {
		uint32_t k = 0;
		for (size_t i = 0; i < n; i++) {
			double v = d->x[i * p + j];
			if (isnan(v)) {
				free(key);
				free(tmp);
				forest_coded_release(c);
				return tsp_error_set(err, TSP_EDATA,
						     "missing value (NaN) in "
						     "feature %zu of sample %zu",
						     j + 1, i + 1);
			}
			key[i] = dkey(v);
		}
		radix64(key, tmp, n);
		for (size_t i = 0; i < n; i++)
			if (i == 0 || key[i] != key[i - 1])
				key[k++] = key[i];
		c->vals[j] = malloc((k ? k : 1) * sizeof(double));
		if (!c->vals[j])
			goto nomem;
		for (uint32_t i = 0; i < k; i++)
			c->vals[j][i] = dval(key[i]);
		/* As narrow as the feature allows: most have few values,
		 * and narrow columns stay in cache. */
		c->width[j] = k <= 256 ? 1 : k <= 65536 ? 2 : 4;
		c->col[j] = malloc((n ? n : 1) * c->width[j]);
		if (!c->col[j])
			goto nomem;
		for (size_t i = 0; i < n; i++) {
			uint32_t code = lookup(key, k, dkey(d->x[i * p + j]));
			if (c->width[j] == 1)
				((uint8_t *)c->col[j])[i] = (uint8_t)code;
			else if (c->width[j] == 2)
				((uint16_t *)c->col[j])[i] = (uint16_t)code;
			else
				((uint32_t *)c->col[j])[i] = code;
		}
		c->nvals[j] = k;
		if (k > c->maxvals)
			c->maxvals = k;
	}
	free(key);
	free(tmp);
	return 0;
nomem:
	free(key);
	free(tmp);
	forest_coded_release(c);
	return tsp_error_set(err, TSP_ENOMEM, "out of memory");
}

void forest_coded_release(struct forest_coded *c)
{
	for (size_t j = 0; j < c->nfeat; j++) {
		if (c->vals)
			free(c->vals[j]);
		if (c->col)
			free(c->col[j]);
	}
	free(c->vals);
	free(c->nvals);
	free(c->col);
	free(c->width);
	memset(c, 0, sizeof(*c));
}

/* ---- workspace ----------------------------------------------------- */

int forest_work_init(struct forest_work *wk, const struct forest_coded *c,
		     const struct tsp_forest_opts *o, struct tsp_error *err)
{
	size_t n = c->n ? c->n : 1, p = c->nfeat ? c->nfeat : 1;
	size_t m = c->maxvals > 128 ? c->maxvals : 128;

	memset(wk, 0, sizeof(*wk));
	wk->c = c;
	wk->o = o;
	wk->mtry = tsp_forest_mtry(o, c->nfeat);
	wk->w = malloc(n * sizeof(*wk->w));
	wk->sw0 = malloc(n * sizeof(*wk->sw0));
	wk->sw1 = malloc(n * sizeof(*wk->sw1));
	wk->samples = malloc(n * sizeof(*wk->samples));
	wk->features = malloc(p * sizeof(*wk->features));
	wk->constant = malloc(p * sizeof(*wk->constant));
	wk->h0 = malloc(m * sizeof(*wk->h0));
	wk->h1 = malloc(m * sizeof(*wk->h1));
	wk->hc = malloc(m * sizeof(*wk->hc));
	wk->sortbuf = malloc(n * sizeof(*wk->sortbuf));
	wk->gbuf = malloc(n * sizeof(*wk->gbuf));
	wk->sorttmp = malloc(n * sizeof(*wk->sorttmp));
	wk->imp = malloc(p * sizeof(*wk->imp));
	if (!wk->w || !wk->sw0 || !wk->sw1 || !wk->samples || !wk->features || !wk->constant ||
	    !wk->h0 || !wk->h1 || !wk->hc || !wk->sortbuf || !wk->sorttmp ||
	    !wk->gbuf ||
	    !wk->imp) {
		forest_work_release(wk);
		return tsp_error_set(err, TSP_ENOMEM, "out of memory");
	}
	return 0;
}

void forest_work_release(struct forest_work *wk)
{
	free(wk->w);
	free(wk->sw0);
	free(wk->sw1);
	free(wk->samples);
	free(wk->features);
	free(wk->constant);
	free(wk->h0);
	free(wk->h1);
	free(wk->hc);
	free(wk->sortbuf);
	free(wk->gbuf);
	free(wk->sorttmp);
	free(wk->stack);
	free(wk->imp);
	free(wk->node);
	free(wk->value);
	memset(wk, 0, sizeof(*wk));
}

/* ---- split search -------------------------------------------------- */

static inline uint32_t code_at(const struct forest_coded *c, uint32_t j,
			       uint32_t i)
{
	return c->width[j] == 1 ? ((const uint8_t *)c->col[j])[i]
	     : c->width[j] == 2 ? ((const uint16_t *)c->col[j])[i]
				: ((const uint32_t *)c->col[j])[i];
}

struct split {
	int found;
	uint32_t feat;
	uint32_t code;		/* left: codes <= code */
	double thr;
	double proxy;
	double l0, l1;		/* left class weights */
	size_t nleft;
};

/* Sort keys (code << 32 | sample) by code: insertion sort when short,
 * else LSD radix on the code's bytes. */
static void sort_codes(uint64_t *a, uint64_t *tmp, size_t n, uint32_t maxcode)
{
	if (n < 48) {
		for (size_t i = 1; i < n; i++) {
			uint64_t v = a[i];
			size_t j = i;
			while (j > 0 && (a[j - 1] >> 32) > (v >> 32)) {
				a[j] = a[j - 1];
				j--;
			}
			a[j] = v;
		}
		return;
	}
	for (int shift = 32; shift < 64 && (maxcode >> (shift - 32)) != 0;
	     shift += 8) {
		size_t cnt[257] = {0};
		for (size_t i = 0; i < n; i++)
			cnt[((a[i] >> shift) & 0xff) + 1]++;
		for (int b = 0; b < 256; b++)
			cnt[b + 1] += cnt[b];
		for (size_t i = 0; i < n; i++)
			tmp[cnt[(a[i] >> shift) & 0xff]++] = a[i];
		memcpy(a, tmp, n * sizeof(*a));
	}
}

/*
 * Consider the boundary after the run of values ending with code `prev`
 * (left: everything up to it) before the run starting with code `next`.
 */
static inline void consider(struct split *best, const struct forest_work *wk,
			    uint32_t feat, uint32_t prev, uint32_t next,
			    double l0, double l1, size_t nl, double t0,
			    double t1, size_t nt)
{
	size_t minleaf = wk->o->min_leaf;
	double r0 = t0 - l0, r1 = t1 - l1, wl = l0 + l1, wr = r0 + r1, proxy;

	if (nl < minleaf || nt - nl < minleaf)
		return;
	proxy = (l0 * l0 + l1 * l1) / wl + (r0 * r0 + r1 * r1) / wr;
	if (!best->found || proxy > best->proxy) {
		const double *v = wk->c->vals[feat];
		double thr = v[prev] / 2.0 + v[next] / 2.0;
		if (thr == v[next] || isinf(thr) || isnan(thr))
			thr = v[prev];
		best->found = 1;
		best->proxy = proxy;
		best->feat = feat;
		best->code = prev;
		best->thr = thr;
		best->l0 = l0;
		best->l1 = l1;
		best->nleft = nl;
	}
}

/*
 * Search feature j over samples[start, end).  Returns 0 if the feature
 * is constant in the node, 1 after looking at its boundaries.
 */
static int search_feature(struct forest_work *wk, uint32_t j, size_t start,
			  size_t end, double t0, double t1, struct split *best)
{
	const struct forest_coded *c = wk->c;
	const uint32_t *s = wk->samples + start;
	const double *sw0 = wk->sw0 + start, *sw1 = wk->sw1 + start;
	size_t nt = end - start;
	uint32_t *g = wk->gbuf, lo = UINT32_MAX, hi = 0;

	uint32_t nv = c->nvals[j];

	if (nv < 2)
		return 0;
	if (nv == 2) {
		/* Two values (one-hot levels, flags): one boundary; sums in
		 * registers, no histogram to go through memory. */
		const uint8_t *col = c->col[j];
		double l0 = 0, l1 = 0;
		size_t nl = 0;
		for (size_t k = 0; k < nt; k++) {
			int left = col[s[k]] == 0;
			l0 += left ? sw0[k] : 0;
			l1 += left ? sw1[k] : 0;
			nl += (size_t)left;
		}
		if (nl == 0 || nl == nt)
			return 0;
		consider(best, wk, j, 0, 1, l0, l1, nl, t0, t1, nt);
		return 1;
	}
	if (nv <= 64 && nv <= nt) {
		/* Few values: two histograms (even and odd samples), so
		 * that runs of one value do not wait on each other. */
		const uint8_t *col = c->col[j];
		double *h0 = wk->h0, *h1 = wk->h1, *e0 = h0 + 64, *e1 = h1 + 64;
		uint32_t *hc = wk->hc, *ec = hc + 64;
		size_t k;
		memset(h0, 0, 128 * sizeof(*h0));
		memset(h1, 0, 128 * sizeof(*h1));
		memset(hc, 0, 128 * sizeof(*hc));
		for (k = 0; k + 2 <= nt; k += 2) {
			uint32_t a = col[s[k]], b = col[s[k + 1]];
			h0[a] += sw0[k];
			h1[a] += sw1[k];
			hc[a]++;
			e0[b] += sw0[k + 1];
			e1[b] += sw1[k + 1];
			ec[b]++;
		}
		if (k < nt) {
			uint32_t a = col[s[k]];
			h0[a] += sw0[k];
			h1[a] += sw1[k];
			hc[a]++;
		}
		double l0 = 0, l1 = 0;
		size_t nl = 0;
		uint32_t prev = UINT32_MAX;
		for (uint32_t v = 0; v < nv; v++) {
			if (!(hc[v] + ec[v]))
				continue;
			if (prev != UINT32_MAX)
				consider(best, wk, j, prev, v, l0, l1, nl, t0,
					 t1, nt);
			l0 += h0[v] + e0[v];
			l1 += h1[v] + e1[v];
			nl += hc[v] + ec[v];
			prev = v;
		}
		return nl != (size_t)(hc[prev] + ec[prev]);
	}
	/* The node's codes, gathered (the one random access). */
	if (c->width[j] == 1) {
		const uint8_t *col = c->col[j];
		for (size_t k = 0; k < nt; k++)
			g[k] = col[s[k]];
	} else if (c->width[j] == 2) {
		const uint16_t *col = c->col[j];
		for (size_t k = 0; k < nt; k++)
			g[k] = col[s[k]];
	} else {
		const uint32_t *col = c->col[j];
		for (size_t k = 0; k < nt; k++)
			g[k] = col[s[k]];
	}
	{
		/* Four minima and maxima: no chain through one register. */
		uint32_t l[4] = { UINT32_MAX, UINT32_MAX, UINT32_MAX,
				  UINT32_MAX }, h[4] = { 0, 0, 0, 0 };
		size_t k;
		for (k = 0; k + 4 <= nt; k += 4)
			for (int q = 0; q < 4; q++) {
				l[q] = g[k + q] < l[q] ? g[k + q] : l[q];
				h[q] = g[k + q] > h[q] ? g[k + q] : h[q];
			}
		for (; k < nt; k++) {
			l[0] = g[k] < l[0] ? g[k] : l[0];
			h[0] = g[k] > h[0] ? g[k] : h[0];
		}
		for (int q = 0; q < 4; q++) {
			lo = l[q] < lo ? l[q] : lo;
			hi = h[q] > hi ? h[q] : hi;
		}
	}
	if (lo == hi)
		return 0;
	if ((size_t)(hi - lo) <= 2 * nt + 16) {
		/* Few values for the samples: count them per value. */
		double *h0 = wk->h0, *h1 = wk->h1;
		uint32_t *hc = wk->hc;
		memset(h0 + lo, 0, (hi - lo + 1) * sizeof(*h0));
		memset(h1 + lo, 0, (hi - lo + 1) * sizeof(*h1));
		memset(hc + lo, 0, (hi - lo + 1) * sizeof(*hc));
		for (size_t k = 0; k < nt; k++) {
			h0[g[k]] += sw0[k];
			h1[g[k]] += sw1[k];
			hc[g[k]]++;
		}
		double l0 = h0[lo], l1 = h1[lo];
		size_t nl = hc[lo];
		uint32_t prev = lo;
		for (uint32_t b = lo + 1; b <= hi; b++) {
			if (!hc[b])
				continue;
			consider(best, wk, j, prev, b, l0, l1, nl, t0, t1, nt);
			l0 += h0[b];
			l1 += h1[b];
			nl += hc[b];
			prev = b;
		}
		return 1;
	}
	/* Many: sort the node's codes (relative to the lowest) with their
	 * positions in the node. */
	uint64_t *a = wk->sortbuf;
	for (size_t k = 0; k < nt; k++)
		a[k] = (uint64_t)(g[k] - lo) << 32 | k;
	sort_codes(a, wk->sorttmp, nt, hi - lo);
	double l0 = 0, l1 = 0;
	size_t k = 0;
	while (k < nt) {
		uint32_t b = (uint32_t)(a[k] >> 32);
		while (k < nt && (uint32_t)(a[k] >> 32) == b) {
			uint32_t q = (uint32_t)a[k];
			l0 += sw0[q];
			l1 += sw1[q];
			k++;
		}
		if (k < nt)
			consider(best, wk, j, lo + b,
				 lo + (uint32_t)(a[k] >> 32), l0, l1, k, t0,
				 t1, nt);
	}
	return 1;
}

/*
 * sklearn's feature loop (BestSplitter.node_split): features[0, nconst)
 * are known constant in this node; *nconst is updated for the children.
 */
static void best_split(struct forest_work *wk, size_t start, size_t end,
		       double t0, double t1, size_t *nconst,
		       struct forest_rng *rng, struct split *best)
{
	uint32_t *features = wk->features;
	size_t f_i = wk->c->nfeat, visited = 0, found_const = 0;
	size_t drawn_const = 0, known_const = *nconst;
	size_t total_const = known_const;

	best->found = 0;
	best->proxy = 0;
	while (f_i > total_const &&
	       (visited < wk->mtry || visited <= found_const + drawn_const)) {
		size_t f_j, range;
		uint32_t tmp;

		visited++;
		range = f_i - found_const - drawn_const;
		f_j = drawn_const + (size_t)forest_rng_below(rng, range);
		if (f_j < known_const) {
			tmp = features[drawn_const];
			features[drawn_const] = features[f_j];
			features[f_j] = tmp;
			drawn_const++;
			continue;
		}
		f_j += found_const;
		if (!search_feature(wk, features[f_j], start, end, t0, t1,
				    best)) {
			tmp = features[f_j];
			features[f_j] = features[total_const];
			features[total_const] = tmp;
			found_const++;
			total_const++;
			continue;
		}
		f_i--;
		tmp = features[f_i];
		features[f_i] = features[f_j];
		features[f_j] = tmp;
	}
	memcpy(features, wk->constant, known_const * sizeof(*features));
	memcpy(wk->constant + known_const, features + known_const,
	       found_const * sizeof(*features));
	*nconst = total_const;
}

/* ---- the builder --------------------------------------------------- */

static int push(struct forest_work *wk, size_t *top, size_t start,
		size_t end, size_t depth, size_t parent, int is_left,
		size_t nconst)
{
	if (*top == wk->stackcap) {
		size_t cap = wk->stackcap ? wk->stackcap * 2 : 64;
		struct forest_stack *ns = realloc(wk->stack,
						  cap * sizeof(*ns));
		if (!ns)
			return -1;
		wk->stack = ns;
		wk->stackcap = cap;
	}
	wk->stack[*top] = (struct forest_stack){ start, end, depth, parent,
						 nconst, 0, is_left };
	(*top)++;
	return 0;
}

static int add_node(struct forest_work *wk)
{
	if (wk->nnode == wk->nodecap) {
		size_t cap = wk->nodecap ? wk->nodecap * 2 : 256;
		struct tsp_forest_node *nn;
		double *nv;
		if (cap > UINT32_MAX)
			return -1;
		nn = realloc(wk->node, cap * sizeof(*nn));
		if (!nn)
			return -1;
		wk->node = nn;
		nv = realloc(wk->value, cap * sizeof(*nv));
		if (!nv)
			return -1;
		wk->value = nv;
		wk->nodecap = cap;
	}
	wk->nnode++;
	return 0;
}

static double gini(double w0, double w1)
{
	double t = w0 + w1;

	if (t <= 0)
		return 0;
	return 1.0 - (w0 / t) * (w0 / t) - (w1 / t) * (w1 / t);
}

int forest_grow(struct forest_work *wk, size_t nsamples,
		struct forest_rng *rng)
{
	const struct forest_coded *c = wk->c;
	size_t top = 0, maxdepth = wk->o->max_depth, minleaf = wk->o->min_leaf;
	double wroot = 0, sum = 0;

	for (size_t j = 0; j < c->nfeat; j++) {
		wk->features[j] = (uint32_t)j;
		wk->imp[j] = 0;
	}
	wk->nnode = 0;
	if (push(wk, &top, 0, nsamples, 0, SIZE_MAX, 0, 0) < 0)
		return -1;
	while (top > 0) {
		struct forest_stack e = wk->stack[--top];
		size_t nt = e.end - e.start, id = wk->nnode, nconst = e.nconst;
		double t0 = 0, t1 = 0, imp;
		struct split sp;
		int leaf;

		for (size_t k = e.start; k < e.end; k++) {
			t0 += wk->sw0[k];
			t1 += wk->sw1[k];
		}
		if (id == 0)
			wroot = t0 + t1;
		imp = gini(t0, t1);
		leaf = (maxdepth && e.depth >= maxdepth) || nt < 2 ||
		       nt < 2 * minleaf || imp <= DBL_EPSILON;
		if (!leaf) {
			best_split(wk, e.start, e.end, t0, t1, &nconst, rng,
				   &sp);
			leaf = !sp.found;
		}
		if (add_node(wk) < 0)
			return -1;
		if (e.parent != SIZE_MAX && !e.is_left)
			wk->node[e.parent].right = (uint32_t)id;
		wk->value[id] = t1 / (t0 + t1);
		wk->node[id].feat = 0;
		wk->node[id].thr = -INFINITY;
		wk->node[id].right = (uint32_t)id;
		if (leaf)
			continue;

		/* Partition: codes <= sp.code go left (their weights
		 * with them). */
		uint32_t *s = wk->samples;
		double *w0 = wk->sw0, *w1 = wk->sw1;
		size_t a = e.start, b = e.end;
		while (a < b) {
			if (code_at(c, sp.feat, s[a]) <= sp.code) {
				a++;
			} else {
				uint32_t tmp = s[a];
				double d0 = w0[a], d1 = w1[a];
				b--;
				s[a] = s[b];
				s[b] = tmp;
				w0[a] = w0[b];
				w0[b] = d0;
				w1[a] = w1[b];
				w1[b] = d1;
			}
		}
		wk->node[id].feat = (int32_t)sp.feat;
		wk->node[id].thr = sp.thr;
		double r0 = t0 - sp.l0, r1 = t1 - sp.l1;
		wk->imp[sp.feat] += (t0 + t1) * imp -
				    (sp.l0 + sp.l1) * gini(sp.l0, sp.l1) -
				    (r0 + r1) * gini(r0, r1);
		if (push(wk, &top, a, e.end, e.depth + 1, id, 0, nconst) < 0 ||
		    push(wk, &top, e.start, a, e.depth + 1, id, 1, nconst) < 0)
			return -1;
	}
	for (size_t j = 0; j < c->nfeat; j++) {
		wk->imp[j] /= wroot;
		sum += wk->imp[j];
	}
	if (sum > 0)
		for (size_t j = 0; j < c->nfeat; j++)
			wk->imp[j] /= sum;
	return 0;
}
