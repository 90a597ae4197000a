#include "tsp_metrics.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "forest_impl.h"

struct scored {
	double p;
	unsigned char y;
};

/* Descending by score. */
static int cmp_desc(const void *a, const void *b)
{
	double x = ((const struct scored *)a)->p;
	double y = ((const struct scored *)b)->p;

	return (x < y) - (x > y);
}

/* The scored samples (NaN left out), sorted by decreasing p; NULL when
 * out of memory. */
static struct scored *sorted(const double *p, const unsigned char *y,
			     size_t n, size_t *m)
{
	struct scored *s = malloc((n ? n : 1) * sizeof(*s));
	size_t k = 0;

	if (!s)
		return NULL;
	for (size_t i = 0; i < n; i++)
		if (!isnan(p[i])) {
			s[k].p = p[i];
			s[k].y = y[i] ? 1 : 0;
			k++;
		}
	qsort(s, k, sizeof(*s), cmp_desc);
	*m = k;
	return s;
}

static double auc_sorted(const struct scored *s, size_t m)
{
	double pos = 0, neg = 0, area = 0;

	/* Walk groups of tied scores from the top: each negative in a
	 * group outranks the positives above it, ties count one half. */
	for (size_t i = 0; i < m;) {
		double gp = 0, gn = 0;
		size_t j = i;
		while (j < m && s[j].p == s[i].p) {
			if (s[j].y)
				gp++;
			else
				gn++;
			j++;
		}
		area += gn * (pos + gp / 2);
		pos += gp;
		neg += gn;
		i = j;
	}
	if (pos == 0 || neg == 0)
		return NAN;
	return area / (pos * neg);
}

double tsp_metrics_auc(const double *p, const unsigned char *y, size_t n)
{
	size_t m;
	struct scored *s = sorted(p, y, n, &m);
	double a;

	if (!s)
		return NAN;
	a = auc_sorted(s, m);
	free(s);
	return a;
}

int tsp_metrics_compute(const double *p, const unsigned char *y, size_t n,
			double threshold, struct tsp_metrics *m,
			struct tsp_error *err)
{
	double se = 0;

	memset(m, 0, sizeof(*m));
	m->threshold = threshold;
	for (size_t i = 0; i < n; i++) {
		int yi = y[i] ? 1 : 0, call;
		if (isnan(p[i]))
			continue;
		m->n++;
		m->pos += (size_t)yi;
		call = p[i] >= threshold;
		if (call && yi)
			m->tp++;
		else if (call)
			m->fp++;
		else if (yi)
			m->fn++;
		else
			m->tn++;
		se += (p[i] - yi) * (p[i] - yi);
	}
	if (m->n == 0) {
		m->accuracy = m->precision = m->recall = m->f1 = NAN;
		m->auc = m->brier = NAN;
		return 0;
	}
	m->accuracy = (double)(m->tp + m->tn) / (double)m->n;
	m->precision = m->tp + m->fp ? (double)m->tp / (double)(m->tp + m->fp)
				     : 0;
	m->recall = m->tp + m->fn ? (double)m->tp / (double)(m->tp + m->fn) : 0;
	m->f1 = m->precision + m->recall > 0
		? 2 * m->precision * m->recall / (m->precision + m->recall)
		: 0;
	m->brier = se / (double)m->n;
	m->auc = NAN;
	if (m->pos > 0 && m->pos < m->n) {
		size_t k;
		struct scored *s = sorted(p, y, n, &k);
		if (!s)
			return tsp_error_set(err, TSP_ENOMEM, "out of memory");
		m->auc = auc_sorted(s, k);
		free(s);
	}
	return 0;
}

double tsp_metrics_threshold(const double *p, const unsigned char *y,
			     size_t n, double min_precision,
			     double *precision, double *recall)
{
	size_t m, tp = 0, calls = 0, pos = 0;
	struct scored *s = sorted(p, y, n, &m);
	double best = NAN, bestprec = 0;

	*precision = *recall = NAN;
	if (!s)
		return NAN;
	for (size_t i = 0; i < m; i++)
		pos += s[i].y;
	for (size_t i = 0; i < m;) {
		size_t j = i;
		double prec;
		while (j < m && s[j].p == s[i].p) {
			tp += s[j].y;
			calls++;
			j++;
		}
		prec = (double)tp / (double)calls;
		if (prec >= min_precision) {
			best = s[i].p;
			*precision = prec;
			*recall = pos ? (double)tp / (double)pos : 0;
		}
		if (prec > bestprec)
			bestprec = prec;
		i = j;
	}
	if (isnan(best))
		*precision = bestprec;
	free(s);
	return best;
}

int tsp_folds_stratified(const unsigned char *y, size_t n, size_t k,
			 uint64_t seed, int *fold, struct tsp_error *err)
{
	size_t cnt[2] = {0, 0}, pos = 0;
	uint32_t *idx;
	struct forest_rng rng;

	if (k < 2)
		return tsp_error_set(err, TSP_EUSAGE, "at least 2 folds");
	for (size_t i = 0; i < n; i++)
		cnt[y[i] ? 1 : 0]++;
	for (int c = 0; c < 2; c++)
		if (cnt[c] < k)
			return tsp_error_set(err, TSP_EDATA,
					     "%zu fold%s, but only %zu "
					     "incident%s of class %s",
					     k, k == 1 ? "" : "s", cnt[c],
					     cnt[c] == 1 ? "" : "s",
					     c ? "true" : "false");
	idx = malloc((n ? n : 1) * sizeof(*idx));
	if (!idx)
		return tsp_error_set(err, TSP_ENOMEM, "out of memory");
	forest_rng_seed(&rng, seed, UINT64_C(0xf01d));
	/* Class 0 shuffled, then class 1 shuffled, dealt round-robin: each
	 * fold gets floor or ceil of each class's share. */
	for (int c = 0; c < 2; c++) {
		size_t start = pos;
		for (size_t i = 0; i < n; i++)
			if ((y[i] ? 1 : 0) == c)
				idx[pos++] = (uint32_t)i;
		for (size_t i = pos - start; i > 1; i--) {
			size_t j = (size_t)forest_rng_below(&rng, i);
			uint32_t t = idx[start + i - 1];
			idx[start + i - 1] = idx[start + j];
			idx[start + j] = t;
		}
	}
	for (size_t i = 0; i < n; i++)
		fold[idx[i]] = (int)(i % k);
	free(idx);
	return 0;
}

void tsp_folds_time(size_t n, size_t k, size_t s, size_t *test_start,
		    size_t *test_end)
{
	size_t size = n / (k + 1);

	*test_start = n - (k - s) * size;
	*test_end = *test_start + size;
}
