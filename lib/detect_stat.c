/*
 * detect_stat: the detectors that learn the series' level and spread --
 * hampel (rolling median and MAD), cusum (Page's two-sided CUSUM), ewma
 * and pewma (Carter & Streilein 2012).  Each scores a value against the
 * state as it was before the value, then learns from it.
 */
#include <math.h>
#include <stdlib.h>

#include "detect_impl.h"

/* Windows up to this many values are sorted out on the stack. */
#define STACKN 512

/*
 * The k-th smallest of a[0..n) (Wirth's selection).  Leaves a partitioned:
 * a[0..k) <= a[k] <= a[k+1..n).  Stopping on equal values keeps it fast on
 * the many repeats of integer counters.
 */
static double select_k(double *a, size_t n, size_t k)
{
	long l = 0, r = (long)n - 1, kk = (long)k;

	while (l < r) {
		double p = a[kk];
		long i = l, j = r;

		do {
			while (a[i] < p)
				i++;
			while (p < a[j])
				j--;
			if (i <= j) {
				double t = a[i];

				a[i++] = a[j];
				a[j--] = t;
			}
		} while (i <= j);
		if (j < kk)
			l = i;
		if (kk < i)
			r = j;
	}
	return a[kk];
}

/* The median of a[0..n), n > 0 (reorders a); the mean of the middle two
 * for even n, as numpy and R compute it. */
static double median(double *a, size_t n)
{
	size_t k = n / 2;
	double hi = select_k(a, n, k), lo;

	if (n % 2)
		return hi;
	lo = a[0];
	for (size_t i = 1; i < k; i++)
		if (a[i] > lo)
			lo = a[i];
	return 0.5 * lo + 0.5 * hi;
}

/*
 * The window's median and robust scale.  The MAD is 0 when over half the
 * window repeats one value (a counter mostly at 0); the mean absolute
 * deviation from the median, times sqrt(pi/2) to estimate a normal sd
 * (the fallback of Iglewicz and Hoaglin's modified z-score), still sees
 * the rarer values; if that is 0 too the floor applies.  Sums run oldest
 * first so a reloaded state rounds exactly as the running one did.
 */
static int hampel_scale(const struct tsp_detect *d, size_t w, double *med,
			double *scale, struct tsp_error *err)
{
	size_t k = d->count, first = (d->next + w - k) % w, i, j;
	double stack[STACKN], *a = stack, m, mad;

	if (k > STACKN && !(a = malloc(k * sizeof(double))))
		return tsp_error_set(err, TSP_ENOMEM, "out of memory");
	for (i = 0, j = first; i < k; i++, j = j + 1 == w ? 0 : j + 1)
		a[i] = d->v[j];
	m = median(a, k);
	for (i = 0, j = first; i < k; i++, j = j + 1 == w ? 0 : j + 1)
		a[i] = fabs(d->v[j] - m);
	mad = median(a, k);
	if (mad > 0) {
		*scale = 1.4826 * mad;
	} else {
		double sum = 0;

		for (i = 0, j = first; i < k; i++, j = j + 1 == w ? 0 : j + 1)
			sum += fabs(d->v[j] - m);
		*scale = 1.2533141373155003 * (sum / (double)k);
	}
	if (a != stack)
		free(a);
	*med = m;
	*scale = detect_floor(*scale, m);
	return 0;
}

int detect_hampel(struct tsp_detect *d, const struct tsp_detect_config *c,
		  double x, struct tsp_score *out, struct tsp_error *err)
{
	size_t w = c->window;

	if (d->n >= c->warmup && d->count > 0) {
		double m, s;

		if (hampel_scale(d, w, &m, &s, err) < 0)
			return -1;
		out->expected = m;
		out->z = (x - m) / s;
		detect_zscore(c, s, s, out);
	} else {
		out->level = TSP_LEVEL_WARMUP;
	}
	if (isfinite(x)) {
		d->v[d->next] = x;
		d->next = d->next + 1 == w ? 0 : d->next + 1;
		if (d->count < w)
			d->count++;
		d->n++;
	}
	return 0;
}

/* Welford's running mean v[M] and sum of squared deviations v[V]. */
static void welford(struct tsp_detect *d, double x)
{
	double dx = x - d->v[M], m, m2;

	if (!isfinite(x))
		return;
	m = d->v[M] + dx / (double)(d->n + 1);
	m2 = d->v[V] + dx * (x - m);
	if (isfinite(m) && isfinite(m2)) {
		d->v[M] = m;
		d->v[V] = m2;
		d->n++;
	}
}

/* The (n-1) variance of the warm-up values, 0 if fewer than two. */
static double warm_var(const struct tsp_detect *d)
{
	return d->n >= 2 ? d->v[V] / (double)(d->n - 1) : 0.0;
}

/*
 * The end of the warm-up, as soon as the last warm-up value is learned
 * (and at the next value of a state loaded under a shorter warm-up).
 */
static void cusum_ready(struct tsp_detect *d, const struct tsp_detect_config *c)
{
	if (d->ready || d->n < c->warmup)
		return;
	d->v[V] = sqrt(warm_var(d));
	d->v[SP] = d->v[SM] = 0;
	d->ready = 1;
}

void detect_cusum(struct tsp_detect *d, const struct tsp_detect_config *c,
		  double x, struct tsp_score *out)
{
	double t, sd, z, k = c->slack, sp, sm, band;

	cusum_ready(d, c);
	if (!d->ready) {
		welford(d, x);
		cusum_ready(d, c);
		out->level = TSP_LEVEL_WARMUP;
		return;
	}
	t = isnan(c->target) ? d->v[M] : c->target;
	sd = isnan(c->sd) ? detect_floor(d->v[V], t) : c->sd;
	z = (x - t) / sd;
	sp = d->v[SP] + z - k;
	sm = d->v[SM] - z - k;
	sp = sp > 0 ? sp : 0.0;
	sm = sm > 0 ? sm : 0.0;
	out->z = z;
	out->expected = t;
	band = (k + c->weak) * sd;
	out->lower = c->tail == TSP_TAIL_UPPER ? NAN : t - band;
	out->upper = c->tail == TSP_TAIL_LOWER ? NAN : t + band;
	if (c->tail == TSP_TAIL_UPPER || (c->tail == TSP_TAIL_BOTH && sp > sm)) {
		out->score = sp;
		out->side = sp > 0;
	} else if (c->tail == TSP_TAIL_LOWER || sm > sp) {
		out->score = sm;
		out->side = sm > 0 ? -1 : 0;
	} else {		/* both tails, equal sums */
		out->score = sp;
		out->side = sp > 0 ? (z > 0 ? 1 : -1) : 0;
	}
	out->level = detect_level(c, out->score);
	if (!isfinite(x))
		return;
	if (out->level == TSP_LEVEL_STRONG)
		sp = sm = 0;
	d->v[SP] = sp;
	d->v[SM] = sm;
	d->n++;
}

static void ewma_ready(struct tsp_detect *d, const struct tsp_detect_config *c)
{
	if (d->ready || d->n < c->warmup)
		return;
	d->v[V] = warm_var(d);
	d->ready = 1;
}

void detect_ewma(struct tsp_detect *d, const struct tsp_detect_config *c,
		 double x, struct tsp_score *out)
{
	double m, v, sd, a = c->alpha, dx, m1, v1;

	ewma_ready(d, c);
	if (!d->ready) {
		welford(d, x);
		ewma_ready(d, c);
		out->level = TSP_LEVEL_WARMUP;
		return;
	}
	m = d->v[M];
	v = d->v[V];
	sd = detect_floor(sqrt(v), m);
	out->expected = m;
	out->z = (x - m) / sd;
	detect_zscore(c, sd, sd, out);
	dx = x - m;
	m1 = m + a * dx;
	v1 = (1 - a) * (v + a * dx * dx);
	if (isfinite(m1) && isfinite(v1)) {
		d->v[M] = m1;
		d->v[V] = v1;
		d->n++;
	}
}

/*
 * The paper's update s1 = a s1 + (1-a) x, s2 = a s2 + (1-a) x^2 with
 * sd = sqrt(s2 - s1^2), in the algebraically equal centred form
 * m += w (x - m), v = a (v + w (x - m)^2), w = 1 - a, which does not lose
 * the variance of a large level to cancellation.
 */
static void pewma_learn(struct tsp_detect *d, double x, double a)
{
	double w = 1 - a, dx = x - d->v[M];
	double m = d->v[M] + w * dx, v = a * (d->v[V] + w * dx * dx);

	if (isfinite(m) && isfinite(v)) {
		d->v[M] = m;
		d->v[V] = v;
		d->n++;
	}
}

void detect_pewma(struct tsp_detect *d, const struct tsp_detect_config *c,
		  double x, struct tsp_score *out)
{
	double m, sd, p;

	if (!d->ready && d->n >= c->warmup)
		d->ready = 1;
	if (!d->ready) {
		/* the paper's training: a_t = 1 - 1/t, the running mean
		   and (population) variance */
		if (isfinite(x))
			pewma_learn(d, x, 1 - 1 / (double)(d->n + 1));
		d->ready = d->n >= c->warmup;
		out->level = TSP_LEVEL_WARMUP;
		return;
	}
	m = d->v[M];
	sd = detect_floor(sqrt(d->v[V]), m);
	out->expected = m;
	out->z = (x - m) / sd;
	detect_zscore(c, sd, sd, out);
	if (!isfinite(x))
		return;
	p = 0.39894228040143268 * exp(-0.5 * out->z * out->z);
	pewma_learn(d, x, (1 - c->alpha) * (1 - c->beta * p));
}
