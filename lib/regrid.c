/*
 * The input side of the regrid engine: holding records back (sort, step
 * estimation), counter rates, and bucket aggregation.  gapfill.c takes
 * the finished buckets from there.
 */
#include "regrid_impl.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

struct tsp_regrid *tsp_regrid_new(const struct tsp_regrid_opts *o,
				  tsp_regrid_emit_fn emit, void *ctx)
{
	struct tsp_regrid *rg = calloc(1, sizeof(*rg));
	size_t h = 1;

	if (!rg)
		return NULL;
	rg->o = *o;
	rg->emit = emit;
	rg->ctx = ctx;
	if (o->hampel_window > 0 && (size_t)o->hampel_window > h)
		h = (size_t)o->hampel_window;
	if ((o->fill == TSP_FILL_SPLINE || o->fill == TSP_FILL_AKIMA) &&
	    h < TSP_REGRID_KNOTS)
		h = TSP_REGRID_KNOTS;
	rg->nhist_cap = h;
	return rg;
}

/* Append r to the list head..tail. */
static void list_append(struct tsp_rg_rec **head, struct tsp_rg_rec **tail,
			struct tsp_rg_rec *r)
{
	r->next = NULL;
	if (*tail)
		(*tail)->next = r;
	else
		*head = r;
	*tail = r;
}

static void rec_list_free(struct tsp_rg_rec *r)
{
	while (r) {
		struct tsp_rg_rec *next = r->next;
		tsp_recbuf_release(&r->rb);
		free(r);
		r = next;
	}
}

static void series_release(struct tsp_regrid *rg, struct rg_series *s)
{
	rec_list_free(s->held);
	rec_list_free(s->est);
	if (s->brec)
		rg_rec_put(rg, s->brec);
	if (s->last)
		rg_rec_put(rg, s->last);
	for (size_t i = s->qhead; i < s->qtail; i++)
		if (s->q[i].rec)
			rg_rec_put(rg, s->q[i].rec);
	free(s->q);
	free(s->qv);
	free(s->hist);
	memset(s, 0, sizeof(*s));
}

void tsp_regrid_free(struct tsp_regrid *rg)
{
	if (!rg)
		return;
	for (size_t i = 0; i < rg->ns; i++)
		series_release(rg, &rg->s[i]);
	rec_list_free(rg->free_recs);
	free(rg->s);
	free(rg->scratch);
	free(rg);
}

tsp_time_t tsp_regrid_step(const struct tsp_regrid *rg, size_t series)
{
	return series < rg->ns ? rg->s[series].step : 0;
}

void rg_rec_put(struct tsp_regrid *rg, struct tsp_rg_rec *r)
{
	r->next = rg->free_recs;
	rg->free_recs = r;
}

static struct tsp_rg_rec *rec_get(struct tsp_regrid *rg)
{
	struct tsp_rg_rec *r = rg->free_recs;

	if (r) {
		rg->free_recs = r->next;
		r->next = NULL;
		return r;
	}
	r = calloc(1, sizeof(*r));
	if (r)
		tsp_recbuf_init(&r->rb);
	return r;
}

int rg_scratch(struct tsp_regrid *rg, size_t n, struct tsp_error *err)
{
	if (n <= rg->scratch_cap)
		return 0;
	double *p = realloc(rg->scratch, n * 2 * sizeof(*p));
	if (!p)
		return tsp_error_set(err, TSP_ENOMEM, "out of memory");
	rg->scratch = p;
	rg->scratch_cap = n * 2;
	return 0;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return (x > y) - (x < y);
}

/* Close the open bucket: queue it (after a gap item if buckets were skipped). */
static int close_bucket(struct tsp_regrid *rg, size_t idx,
			struct tsp_error *err)
{
	struct rg_series *s = &rg->s[idx];
	struct rg_item it;
	const struct tsp_regrid_opts *o = &rg->o;

	if (!s->open)
		return 0;
	s->open = 0;
	if (s->any_k && s->bk > s->last_k + 1) {
		memset(&it, 0, sizeof(it));
		it.kind = RG_GAP;
		it.k = s->last_k + 1;
		it.k_end = s->bk - 1;
		it.filled = 1;
		if (rg_queue_push(rg, idx, &it, err) < 0)
			return -1;
	}
	memset(&it, 0, sizeof(it));
	it.k = it.k_end = s->bk;
	it.rec = s->brec;
	s->brec = NULL;
	it.kind = RG_KNOWN;
	if (o->agg == TSP_AGG_COUNT) {
		it.v = (double)s->bvals;
	} else if (s->bvals == 0) {
		it.kind = RG_UNKNOWN;
		it.v = NAN;
	} else {
		switch (o->agg) {
		case TSP_AGG_MEAN: it.v = s->bsum / (double)s->bvals; break;
		case TSP_AGG_SUM: it.v = s->bsum; break;
		case TSP_AGG_MIN: it.v = s->bnan ? NAN : s->bmin; break;
		case TSP_AGG_MAX: it.v = s->bnan ? NAN : s->bmax; break;
		case TSP_AGG_FIRST: it.v = s->bfirst; break;
		case TSP_AGG_LAST: it.v = s->blast; break;
		default: {
			/* median and quantiles: type 7 (R default, numpy linear) */
			double q = o->agg == TSP_AGG_MEDIAN ? 0.5 : o->quantile;
			double h;
			size_t lo;
			if (s->bnan) {
				it.v = NAN;
				break;
			}
			qsort(s->qv, s->bvals, sizeof(double), cmp_double);
			h = (double)(s->bvals - 1) * q;
			lo = (size_t)floor(h);
			it.v = s->qv[lo];
			if (lo + 1 < s->bvals)
				it.v += (h - (double)lo) *
					(s->qv[lo + 1] - s->qv[lo]);
		}
		}
	}
	it.orig = it.v;
	it.filled = s->bvals != 1;
	it.value_exact = s->bn == 1 && s->bvals == 1 &&
			 o->agg != TSP_AGG_COUNT && !o->counter;
	it.time_exact = s->bn == 1 &&
			it.rec->t == s->bk * s->step + o->offset;
	s->last_k = s->bk;
	s->any_k = 1;
	return rg_queue_push(rg, idx, &it, err);
}

/*
 * The bucket index of time t: floor((t - offset) / step), or of
 * t - offset + step/2 for centred buckets.  Returns -1 if that bucket's
 * grid time, or the next one's, would not be a representable time.
 */
static int grid_index(const struct tsp_regrid_opts *o, tsp_time_t step,
		      tsp_time_t t, int64_t *k)
{
	tsp_time_t d, g;

	if (__builtin_sub_overflow(t, o->offset, &d) ||
	    __builtin_add_overflow(d, o->center ? step / 2 : 0, &d))
		return -1;
	*k = tsp_time_floordiv(d, step);
	if (__builtin_mul_overflow(*k, step, &g) ||
	    __builtin_add_overflow(g, o->offset, &g) ||
	    __builtin_add_overflow(g, step, &g))
		return -1;
	return 0;
}

/*
 * Record r, in bucket k after the open one, would put more than
 * max_steps grid points in the gap between them: an error (-1), most
 * likely a bad time (a 0, a year mistyped, milliseconds read as seconds)
 * that would otherwise fill millions of rows.
 */
static int jump_too_long(const struct tsp_regrid *rg,
			 const struct rg_series *s, const struct tsp_rg_rec *r,
			 int64_t k, struct tsp_error *err)
{
	char from[TSP_TIME_BUFSZ], to[TSP_TIME_BUFSZ];
	int64_t gap;

	if (!rg->o.max_steps)
		return 0;
	if (__builtin_sub_overflow(k, s->bk, &gap))
		gap = INT64_MAX;
	if (gap <= 0 || (uint64_t)gap - 1 <= rg->o.max_steps)
		return 0;
	tsp_time_format(s->brec->t, &s->brec->tfmt, from);
	tsp_time_format(r->t, &r->tfmt, to);
	return tsp_error_at(err, TSP_EDATA, r->rb.rec.input, r->rb.rec.line,
			    "time jumps from %s to %s: a gap of more than %llu "
			    "grid steps (a bad time? --max-steps)", from, to,
			    (unsigned long long)rg->o.max_steps);
}

/* Add a record (owned by the engine from here) to the series' buckets. */
static int bucket_add(struct tsp_regrid *rg, size_t idx, struct tsp_rg_rec *r,
		      struct tsp_error *err)
{
	struct rg_series *s = &rg->s[idx];
	const struct tsp_regrid_opts *o = &rg->o;
	int64_t k;

	if (grid_index(o, s->step, r->t, &k) < 0) {
		char tb[TSP_TIME_BUFSZ], q[80];
		size_t n = tsp_time_format(r->t, &r->tfmt, tb);
		long line = r->rb.rec.line;
		const char *input = r->rb.rec.input;
		rg_rec_put(rg, r);
		return tsp_error_at(err, TSP_EDATA, input, line,
				    "time %s too near the end of the time "
				    "range for this grid",
				    tsp_quote(q, sizeof(q), tb, n));
	}
	if (s->open && k != s->bk && jump_too_long(rg, s, r, k, err) < 0) {
		rg_rec_put(rg, r);
		return -1;
	}
	if (s->open && k != s->bk) {
		if (close_bucket(rg, idx, err) < 0) {
			rg_rec_put(rg, r);
			return -1;
		}
		if (rg_queue_process(rg, idx, 0, err) < 0) {
			rg_rec_put(rg, r);
			return -1;
		}
	}
	if (!s->open) {
		s->open = 1;
		s->bk = k;
		s->bn = s->bvals = 0;
		s->bsum = 0;
		s->bnan = 0;
	}
	s->bn++;
	if (s->brec)
		rg_rec_put(rg, s->brec);
	s->brec = r;
	if (r->missing)
		return 0;
	if (isnan(r->v))
		s->bnan = 1;
	if (s->bvals == 0) {
		s->bmin = s->bmax = s->bfirst = r->v;
	} else {
		if (r->v < s->bmin)
			s->bmin = r->v;
		if (r->v > s->bmax)
			s->bmax = r->v;
	}
	s->blast = r->v;
	s->bsum += r->v;
	if (o->agg == TSP_AGG_MEDIAN || o->agg == TSP_AGG_QUANTILE) {
		if (s->bvals == s->qcap) {
			size_t ncap = s->qcap ? s->qcap * 2 : 8;
			double *nq = realloc(s->qv, ncap * sizeof(*nq));
			if (!nq)
				return tsp_error_set(err, TSP_ENOMEM,
						     "out of memory");
			s->qv = nq;
			s->qcap = ncap;
		}
		s->qv[s->bvals] = r->v;
	}
	s->bvals++;
	return 0;
}

/* Counter: the value becomes the per-second rate since the previous one. */
static void counter_rate(struct rg_series *s, struct tsp_rg_rec *r)
{
	if (r->missing)
		return;
	/* NaN or Inf: no rate here, and no base for the next one. */
	if (!isfinite(r->v)) {
		r->v = NAN;
		return;
	}
	if (!s->have_ctr || r->t == s->ctr_t) {
		if (!s->have_ctr) {
			s->have_ctr = 1;
			s->ctr_t = r->t;
			s->ctr_v = r->v;
		}
		r->missing = 1;
		return;
	}
	double v = r->v;
	/* A drop is a reset to zero, as Prometheus' rate() assumes. */
	double delta = v >= s->ctr_v ? v - s->ctr_v : v;
	r->v = delta / ((double)(r->t - s->ctr_t) / TSP_NS_PER_SEC);
	s->ctr_t = r->t;
	s->ctr_v = v;
}

static int cmp_interval(const void *a, const void *b)
{
	int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
	return (x > y) - (x < y);
}

/* The median positive spacing of the held records (lower median). */
static int estimate_step(struct rg_series *s, tsp_time_t *step,
			 struct tsp_error *err)
{
	int64_t *iv = malloc((s->nest ? s->nest : 1) * sizeof(*iv));
	size_t n = 0;

	if (!iv)
		return tsp_error_set(err, TSP_ENOMEM, "out of memory");
	for (struct tsp_rg_rec *r = s->est; r && r->next; r = r->next)
		if (r->next->t > r->t)
			iv[n++] = r->next->t - r->t;
	if (n == 0) {
		/* One distinct time: a 1 ns grid keeps it exactly. */
		*step = 1;
	} else {
		qsort(iv, n, sizeof(*iv), cmp_interval);
		*step = iv[(n - 1) / 2];
	}
	free(iv);
	return 0;
}

/* The step is known now: put the records held for the estimate in buckets. */
static int start_grid(struct tsp_regrid *rg, size_t idx, struct tsp_error *err)
{
	struct rg_series *s = &rg->s[idx];
	struct tsp_rg_rec *r;

	if (estimate_step(s, &s->step, err) < 0)
		return -1;
	r = s->est;
	s->est = s->est_tail = NULL;
	s->nest = 0;
	while (r) {
		struct tsp_rg_rec *next = r->next;
		r->next = NULL;
		if (bucket_add(rg, idx, r, err) < 0) {
			rec_list_free(next);
			return -1;
		}
		r = next;
	}
	return 0;
}

/* A record in time order: counter, then the step estimate, then buckets. */
static int feed(struct tsp_regrid *rg, size_t idx, struct tsp_rg_rec *r,
		struct tsp_error *err)
{
	struct rg_series *s = &rg->s[idx];

	if (rg->o.counter)
		counter_rate(s, r);
	if (s->step)
		return bucket_add(rg, idx, r, err);
	if (s->est_tail && r->t > s->est_tail->t)
		s->nintervals++;
	list_append(&s->est, &s->est_tail, r);
	s->nest++;
	if (s->nintervals >= TSP_REGRID_ESTIMATE)
		return start_grid(rg, idx, err);
	return 0;
}

static int grow_series(struct tsp_regrid *rg, size_t idx,
		       struct tsp_error *err)
{
	size_t ncap;
	struct rg_series *ns;

	if (idx < rg->ns)
		return 0;
	if (idx >= rg->scap) {
		ncap = rg->scap ? rg->scap * 2 : 64;
		while (ncap <= idx)
			ncap *= 2;
		ns = realloc(rg->s, ncap * sizeof(*ns));
		if (!ns)
			return tsp_error_set(err, TSP_ENOMEM, "out of memory");
		rg->s = ns;
		rg->scap = ncap;
	}
	memset(rg->s + rg->ns, 0, (idx + 1 - rg->ns) * sizeof(*rg->s));
	for (size_t i = rg->ns; i <= idx; i++)
		rg->s[i].step = rg->o.step;
	rg->ns = idx + 1;
	return 0;
}

int tsp_regrid_push(struct tsp_regrid *rg, size_t idx,
		    const struct tsp_point *pt, const struct tsp_record *rec,
		    struct tsp_error *err)
{
	struct rg_series *s;
	struct tsp_rg_rec *r;

	if (grow_series(rg, idx, err) < 0)
		return -1;
	s = &rg->s[idx];
	if (!rg->o.sort && s->started && pt->t < s->last_t) {
		char now[TSP_TIME_BUFSZ], before[TSP_TIME_BUFSZ], q[80];
		tsp_time_format(pt->t, &pt->tfmt, now);
		tsp_time_format(s->last_t, &s->last_fmt, before);
		return tsp_error_at(err, TSP_EDATA, rec->input, rec->line,
				    "time goes backwards in series %s: %s "
				    "after %s (use --sort)",
				    tsp_quote(q, sizeof(q), pt->key,
					      pt->keylen), now, before);
	}
	r = rec_get(rg);
	if (!r)
		return tsp_error_set(err, TSP_ENOMEM, "out of memory");
	if (tsp_recbuf_copy(&r->rb, rec, err) < 0) {
		rg_rec_put(rg, r);
		return -1;
	}
	r->ti = pt->ti;
	r->vi = pt->vi;
	r->tfmt = pt->tfmt;
	r->t = pt->t;
	r->v = pt->v;
	r->missing = pt->missing;
	r->next = NULL;
	if (!rg->o.sort && feed(rg, idx, r, err) < 0)
		return -1;	/* a record refused (and skipped) moves no time */
	s->started = 1;
	s->last_t = pt->t;
	s->last_fmt = pt->tfmt;
	if (rg->o.sort) {
		list_append(&s->held, &s->held_tail, r);
		s->nheld++;
	}
	return 0;
}

static int cmp_rec_time(const void *a, const void *b)
{
	const struct tsp_rg_rec *x = *(struct tsp_rg_rec *const *)a;
	const struct tsp_rg_rec *y = *(struct tsp_rg_rec *const *)b;

	if (x->t != y->t)
		return x->t < y->t ? -1 : 1;
	/* equal times keep their input order: list order is in ->next */
	return (x->next > y->next) - (x->next < y->next);
}

/* --sort: order the held records by time (stably) and feed them. */
static int release_sorted(struct tsp_regrid *rg, size_t idx,
			  struct tsp_error *err)
{
	struct rg_series *s = &rg->s[idx];
	struct tsp_rg_rec **v, *r;
	size_t n = 0;

	if (!s->held)
		return 0;
	v = malloc(s->nheld * sizeof(*v));
	if (!v)
		return tsp_error_set(err, TSP_ENOMEM, "out of memory");
	/* Stash the arrival rank in ->next for a stable sort. */
	for (r = s->held; r; ) {
		struct tsp_rg_rec *next = r->next;
		v[n] = r;
		r->next = (struct tsp_rg_rec *)(uintptr_t)(n + 1);
		n++;
		r = next;
	}
	s->held = s->held_tail = NULL;
	s->nheld = 0;
	qsort(v, n, sizeof(*v), cmp_rec_time);
	for (size_t i = 0; i < n; i++) {
		v[i]->next = NULL;
		if (feed(rg, idx, v[i], err) < 0) {
			for (size_t j = i + 1; j < n; j++) {
				v[j]->next = NULL;
				rg_rec_put(rg, v[j]);
			}
			free(v);
			return -1;
		}
	}
	free(v);
	return 0;
}

int tsp_regrid_finish(struct tsp_regrid *rg, struct tsp_error *err)
{
	for (size_t i = 0; i < rg->ns; i++) {
		struct rg_series *s = &rg->s[i];
		if (release_sorted(rg, i, err) < 0)
			return -1;
		if (!s->step && s->est && start_grid(rg, i, err) < 0)
			return -1;
		if (close_bucket(rg, i, err) < 0 ||
		    rg_queue_process(rg, i, 1, err) < 0)
			return -1;
	}
	return 0;
}
