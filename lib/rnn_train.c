/*
 * tsp_rnn training: windows of the series, mini-batches split across
 * threads, Adam with gradient clipping, early stopping on a time-ordered
 * validation split, and the interval quantiles from validation
 * residuals.
 */
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "rnn_impl.h"

#define MAX_THREADS 64
#define RES_MAX 20000		/* windows whose residuals make intervals */

void tsp_rnn_train_opts_default(struct tsp_rnn_train_opts *o)
{
	memset(o, 0, sizeof(*o));
	o->epochs = 50;
	o->patience = 5;
	o->batch = 64;
	o->threads = 1;
	o->stride = 1;
	o->lr = 0.003;
	o->clip = 1;
	o->val_frac = 0.2;
	o->seed = 1;
	o->single = 1;
}

struct win {
	size_t s, start;
};

/* One thread's share of a batch (or of an evaluation). */
struct job {
	const struct tsp_rnn *m;
	const struct tsp_rnn_series *d;
	const struct win *w;
	size_t n;
	double scale;		/* of the gradient; 0: forward only */
	double *res;		/* NULL, or horizon x n residuals */
	double sse;
	size_t cnt;
	int single;		/* float (wsf, wf) rather than double (ws) */
	const float *wf;	/* the weights in float */
	struct rnn_ws ws;
	struct rnn_wsf wsf;
};

static void job_run_d(struct job *j)
{
	const struct tsp_rnn *m = j->m;
	size_t Hz = m->a.horizon;

	if (j->scale)
		memset(j->ws.grad, 0, m->nw * sizeof(double));
	for (size_t i = 0; i < j->n; i += j->ws.cap) {
		size_t B = j->n - i < j->ws.cap ? j->n - i : j->ws.cap, c;
		for (size_t b = 0; b < B; b++) {
			const struct win *w = j->w + i + b;
			rnn_ws_fill(m, &j->ws, B, b, &j->d[w->s],
				    (long)w->start, NULL, 1);
		}
		rnn_forward(m, m->w, &j->ws, B);
		j->sse += rnn_sq_error(m, &j->ws, B, &c);
		j->cnt += c;
		if (j->scale)
			rnn_backward(m, m->w, &j->ws, B, j->scale);
		if (j->res)
			for (size_t k = 0; k < Hz; k++)
				for (size_t b = 0; b < B; b++)
					j->res[k * j->n + i + b] =
						j->ws.tgt[k * B + b] -
						j->ws.pred[k * B + b];
	}
}

static void job_run_f(struct job *j)
{
	const struct tsp_rnn *m = j->m;
	size_t Hz = m->a.horizon;

	if (j->scale)
		memset(j->wsf.grad, 0, m->nw * sizeof(float));
	for (size_t i = 0; i < j->n; i += j->wsf.cap) {
		size_t B = j->n - i < j->wsf.cap ? j->n - i : j->wsf.cap, c;
		for (size_t b = 0; b < B; b++) {
			const struct win *w = j->w + i + b;
			rnn_ws_fill_f(m, &j->wsf, B, b, &j->d[w->s],
				      (long)w->start, NULL, 1);
		}
		rnn_forward_f(m, j->wf, &j->wsf, B);
		j->sse += rnn_sq_error_f(m, &j->wsf, B, &c);
		j->cnt += c;
		if (j->scale)
			rnn_backward_f(m, j->wf, &j->wsf, B, j->scale);
		if (j->res)
			for (size_t k = 0; k < Hz; k++)
				for (size_t b = 0; b < B; b++)
					j->res[k * j->n + i + b] =
						(double)j->wsf.tgt[k * B + b] -
						(double)j->wsf.pred[k * B + b];
	}
}

static void job_run(void *p)
{
	struct job *j = p;

	j->sse = 0;
	j->cnt = 0;
	if (j->single)
		job_run_f(j);
	else
		job_run_d(j);
}

/* The slice gradient of job j, element i. */
static double job_grad(const struct job *j, size_t i)
{
	return j->single ? (double)j->wsf.grad[i] : j->ws.grad[i];
}

/* Split w[0..n) over nt jobs (each with a workspace) and run them. */
static void run_jobs(struct rnn_pool *pool, struct job *job, size_t nt,
		     const struct win *w, size_t n, double scale)
{
	for (size_t i = 0; i < nt; i++) {
		size_t a = n * i / nt, b = n * (i + 1) / nt;
		job[i].w = w + a;
		job[i].n = b - a;
		job[i].scale = scale;
		job[i].res = NULL;
	}
	rnn_pool_run(pool, job_run, job, sizeof(job[0]), nt);
}

static size_t observed_targets(const struct tsp_rnn *m,
			       const struct tsp_rnn_series *d,
			       const struct win *w)
{
	size_t c = 0;
	const double *y = d[w->s].y + w->start + m->a.lookback;

	for (size_t k = 0; k < m->a.horizon; k++)
		c += !isnan(y[k]);
	return c;
}

/* The training and validation windows (time-ordered split per series). */
static int make_windows(const struct tsp_rnn *m,
			const struct tsp_rnn_series *d, size_t nd,
			const struct tsp_rnn_train_opts *o, struct win **tw,
			size_t *ntw, struct win **vw, size_t *nvw,
			struct tsp_error *err)
{
	size_t L = m->a.lookback, Hz = m->a.horizon, cap = 0;
	size_t stride = o->stride ? o->stride : 1;

	for (size_t i = 0; i < nd; i++)
		if (d[i].n >= L + Hz)
			cap += (d[i].n - L - Hz) / stride + 1;
	*tw = malloc((cap ? cap : 1) * sizeof(**tw));
	*vw = malloc((cap ? cap : 1) * sizeof(**vw));
	if (!*tw || !*vw)
		return tsp_error_set(err, TSP_ENOMEM, "out of memory");
	*ntw = *nvw = 0;
	for (size_t i = 0; i < nd; i++) {
		size_t n = d[i].n, cut, t0 = *ntw, v0 = *nvw;
		if (n < L + Hz)
			continue;
		cut = n - (size_t)floor(o->val_frac * (double)n + 0.5);
		for (size_t s = 0; s + L + Hz <= n; s += stride) {
			struct win w = { i, s };
			if (observed_targets(m, d, &w) == 0)
				continue;
			if (s + L + Hz <= cut)
				(*tw)[(*ntw)++] = w;
			else if (s + L >= cut)
				(*vw)[(*nvw)++] = w;
		}
		if (*ntw == t0 && *nvw > v0) {
			/* too short to split: all of it trains */
			*nvw = v0;
			for (size_t s = 0; s + L + Hz <= n; s += stride) {
				struct win w = { i, s };
				if (observed_targets(m, d, &w))
					(*tw)[(*ntw)++] = w;
			}
		}
	}
	if (*ntw == 0)
		return tsp_error_set(err, TSP_EDATA, "no series has %zu "
				     "points with an observed target (lookback "
				     "%zu + horizon %zu) to train on",
				     L + Hz, L, Hz);
	return 0;
}

struct adam {
	double *m, *v;
	size_t t;
};

static void adam_step(struct tsp_rnn *net, struct adam *a, const double *g,
		      double lr)
{
	const double b1 = 0.9, b2 = 0.999, eps = 1e-8;
	double bc1, bc2, step;

	a->t++;
	bc1 = 1 - pow(b1, (double)a->t);
	bc2 = sqrt(1 - pow(b2, (double)a->t));
	step = lr / bc1;
	for (size_t i = 0; i < net->nw; i++) {
		a->m[i] = b1 * a->m[i] + (1 - b1) * g[i];
		a->v[i] = b2 * a->v[i] + (1 - b2) * g[i] * g[i];
		net->w[i] -= step * a->m[i] / (sqrt(a->v[i]) / bc2 + eps);
	}
}

static void clip_norm(double *g, size_t n, double max)
{
	double s = 0, coef;

	for (size_t i = 0; i < n; i++)
		s += g[i] * g[i];
	coef = max / (sqrt(s) + 1e-6);
	if (max > 0 && coef < 1)
		for (size_t i = 0; i < n; i++)
			g[i] *= coef;
}

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return (x > y) - (x < y);
}

/* Quantile q of sorted x[0..n) (linear interpolation, R's type 7). */
static double quantile(const double *x, size_t n, double q)
{
	double p = q * (double)(n - 1);
	size_t i = (size_t)p;

	if (i + 1 >= n)
		return x[n - 1];
	return x[i] + (p - (double)i) * (x[i + 1] - x[i]);
}

/* The interval quantiles from the residuals of windows w[0..n). */
static int set_intervals(struct rnn_pool *pool, struct tsp_rnn *m,
			 struct job *job, size_t nt,
			 const struct win *w, size_t n,
			 const struct tsp_rnn_train_opts *o,
			 struct tsp_error *err)
{
	size_t Hz = m->a.horizon, nl = o->nlevel;
	double *res, *col;
	int rc = -1;

	if (n > RES_MAX) {
		w += n - RES_MAX;	/* the latest */
		n = RES_MAX;
	}
	res = malloc(Hz * n * sizeof(*res));
	col = malloc(n * sizeof(*col));
	free(m->qlo);	/* a network trained again */
	free(m->qhi);
	m->qlo = nl ? malloc(nl * Hz * sizeof(double)) : NULL;
	m->qhi = nl ? malloc(nl * Hz * sizeof(double)) : NULL;
	if (!res || !col || (nl && (!m->qlo || !m->qhi))) {
		tsp_error_set(err, TSP_ENOMEM, "out of memory");
		goto out;
	}
	/* one job at a time writes its own columns of res (in the
	 * training's precision: float's rounding is far below the errors) */
	for (size_t i = 0; i < nt; i++) {
		size_t a = n * i / nt, b = n * (i + 1) / nt;
		job[i].w = w + a;
		job[i].n = b - a;
		job[i].scale = 0;
		job[i].res = malloc((Hz * (b - a) + 1) * sizeof(double));
		if (!job[i].res) {
			for (size_t k = 0; k < i; k++)
				free(job[k].res);
			tsp_error_set(err, TSP_ENOMEM, "out of memory");
			goto out;
		}
	}
	rnn_pool_run(pool, job_run, job, sizeof(job[0]), nt);
	for (size_t i = 0; i < nt; i++) {
		size_t a = n * i / nt;
		for (size_t k = 0; k < Hz; k++)
			memcpy(res + k * n + a, job[i].res + k * job[i].n,
			       job[i].n * sizeof(double));
		free(job[i].res);
		job[i].res = NULL;
	}
	m->nlevel = nl;
	memcpy(m->level, o->levels, nl * sizeof(double));
	for (size_t k = 0; k < Hz; k++) {
		size_t c = 0;
		double ss = 0;
		for (size_t i = 0; i < n; i++)
			if (!isnan(res[k * n + i])) {
				col[c++] = res[k * n + i];
				ss += res[k * n + i] * res[k * n + i];
			}
		m->rsd[k] = c ? sqrt(ss / (double)c) : NAN;
		qsort(col, c, sizeof(*col), cmp_double);
		for (size_t l = 0; l < nl; l++) {
			double a = (1 - o->levels[l] / 100) / 2;
			m->qlo[l * Hz + k] = c ? quantile(col, c, a) : NAN;
			m->qhi[l * Hz + k] = c ? quantile(col, c, 1 - a) : NAN;
		}
	}
	rc = 0;
out:
	free(res);
	free(col);
	return rc;
}

static uint64_t splitmix(uint64_t *s)
{
	uint64_t z = (*s += 0x9e3779b97f4a7c15ULL);
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

/* Mean squared error of windows w[0..n) (forward only). */
static double evaluate(struct rnn_pool *pool, struct job *job, size_t nt,
		       const struct win *w, size_t n)
{
	double sse = 0;
	size_t cnt = 0;

	run_jobs(pool, job, nt, w, n, 0);
	for (size_t i = 0; i < nt; i++) {
		sse += job[i].sse;
		cnt += job[i].cnt;
	}
	return cnt ? sse / (double)cnt : NAN;
}

int tsp_rnn_train(struct tsp_rnn *m, const struct tsp_rnn_series *d,
		  size_t nd, const struct tsp_rnn_train_opts *o,
		  struct tsp_rnn_report *rep, struct tsp_error *err)
{
	struct job job[MAX_THREADS];
	struct win *tw = NULL, *vw = NULL;
	size_t ntw = 0, nvw = 0, nt = o->threads ? o->threads : 1, started = 0;
	size_t batch = o->batch ? o->batch : 64, bad = 0;
	struct adam ad = { NULL, NULL, 0 };
	double *best = NULL, *g = NULL, t0 = now(), best_val = INFINITY;
	float *wf = NULL;
	struct rnn_pool *pool = NULL;
	uint64_t rs = (uint64_t)o->seed * 0x9e3779b97f4a7c15ULL + 7;
	int rc = -1;

	memset(rep, 0, sizeof(*rep));
	memset(job, 0, sizeof(job));
	rnn_one_drop(m);	/* the weights change */
	if (nt > MAX_THREADS)
		nt = MAX_THREADS;
	if (nt > batch)
		nt = batch;
	if (make_windows(m, d, nd, o, &tw, &ntw, &vw, &nvw, err) < 0)
		goto out;
	rep->windows = ntw;
	rep->val_windows = nvw;
	ad.m = calloc(m->nw, sizeof(double));
	ad.v = calloc(m->nw, sizeof(double));
	best = malloc(m->nw * sizeof(double));
	g = malloc(m->nw * sizeof(double));
	wf = malloc(m->nw * sizeof(float));
	if (!ad.m || !ad.v || !best || !g || !wf) {
		tsp_error_set(err, TSP_ENOMEM, "out of memory");
		goto out;
	}
	for (; started < nt; started++) {
		job[started].m = m;
		job[started].d = d;
		job[started].wf = wf;
		if (o->single ?
		    rnn_ws_init_f(&job[started].wsf, m, (batch + nt - 1) / nt,
				  1, err) < 0 :
		    rnn_ws_init(&job[started].ws, m, (batch + nt - 1) / nt, 1,
				err) < 0)
			goto out;
	}
	for (size_t i = 0; i < nt; i++)
		job[i].single = o->single != 0;
	if (!(pool = rnn_pool_start(nt, err)))
		goto out;
	for (size_t i = 0; i < m->nw; i++)
		wf[i] = (float)m->w[i];
	memcpy(best, m->w, m->nw * sizeof(double));
	for (size_t ep = 1; ep <= o->epochs; ep++) {
		struct tsp_rnn_progress pr;
		double sse = 0, val;
		size_t cnt = 0;
		/* a fresh order of the training windows */
		for (size_t i = ntw; i > 1; i--) {
			size_t j = (size_t)(splitmix(&rs) % i);
			struct win t = tw[i - 1];
			tw[i - 1] = tw[j];
			tw[j] = t;
		}
		for (size_t b0 = 0; b0 < ntw; b0 += batch) {
			size_t nb = ntw - b0 < batch ? ntw - b0 : batch, c = 0;
			for (size_t i = 0; i < nb; i++)
				c += observed_targets(m, d, tw + b0 + i);
			run_jobs(pool, job, nt < nb ? nt : nb, tw + b0, nb,
				 1 / (double)c);
			memset(g, 0, m->nw * sizeof(double));
			for (size_t k = 0; k < nt && k < nb; k++) {
				for (size_t i = 0; i < m->nw; i++)
					g[i] += job_grad(&job[k], i);
				sse += job[k].sse;
				cnt += job[k].cnt;
			}
			clip_norm(g, m->nw, o->clip);
			adam_step(m, &ad, g, o->lr);
			for (size_t i = 0; i < m->nw; i++)
				wf[i] = (float)m->w[i];
		}
		val = nvw ? evaluate(pool, job, nt, vw, nvw) : NAN;
		rep->epochs = ep;
		if (!nvw || val < best_val) {
			best_val = nvw ? val : INFINITY;
			memcpy(best, m->w, m->nw * sizeof(double));
			rep->best_epoch = ep;
			rep->train_loss = sse / (double)cnt;
			rep->val_loss = val;
			bad = 0;
		} else {
			bad++;
		}
		pr.epoch = ep;
		pr.max_epochs = o->epochs;
		pr.train_loss = sse / (double)cnt;
		pr.val_loss = val;
		pr.best_val = rep->val_loss;
		pr.best_epoch = rep->best_epoch;
		pr.seconds = now() - t0;
		pr.windows = ntw;
		pr.val_windows = nvw;
		if (o->progress && o->progress(o->ctx, &pr))
			break;
		if (nvw && o->patience && bad >= o->patience)
			break;
	}
	memcpy(m->w, best, m->nw * sizeof(double));
	for (size_t i = 0; i < m->nw; i++)
		wf[i] = (float)m->w[i];
	if (set_intervals(pool, m, job, nt, nvw ? vw : tw, nvw ? nvw : ntw, o,
			  err) < 0)
		goto out;
	rc = 0;
out:
	rnn_pool_stop(pool);
	for (size_t i = 0; i < started; i++) {
		rnn_ws_release(&job[i].ws);
		rnn_ws_release_f(&job[i].wsf);
	}
	free(wf);
	free(tw);
	free(vw);
	free(ad.m);
	free(ad.v);
	free(best);
	free(g);
	return rc;
}

double tsp_rnn_loss_grad(const struct tsp_rnn *m,
			 const struct tsp_rnn_series *d, const size_t *which,
			 const size_t *start, size_t nb, int single,
			 double *grad, struct tsp_error *err)
{
	struct job j;
	float *wf = NULL;
	struct win *w = malloc((nb ? nb : 1) * sizeof(*w));
	size_t cnt = 0;
	double sse = NAN;
	int rc;

	memset(&j, 0, sizeof(j));
	if (!w || (single && !(wf = malloc(m->nw * sizeof(float))))) {
		tsp_error_set(err, TSP_ENOMEM, "out of memory");
		goto out;
	}
	for (size_t b = 0; b < nb; b++) {
		w[b].s = which[b];
		w[b].start = start[b];
		cnt += observed_targets(m, d, &w[b]);
	}
	for (size_t i = 0; single && i < m->nw; i++)
		wf[i] = (float)m->w[i];
	rc = single ? rnn_ws_init_f(&j.wsf, m, nb ? nb : 1, 1, err)
		    : rnn_ws_init(&j.ws, m, nb ? nb : 1, 1, err);
	if (rc < 0)
		goto out;
	j.m = m;
	j.d = d;
	j.w = w;
	j.n = nb;
	j.single = single;
	j.wf = wf;
	j.scale = cnt ? 1 / (double)cnt : 0;
	job_run(&j);
	for (size_t i = 0; i < m->nw; i++)
		grad[i] = cnt ? job_grad(&j, i) : 0;
	sse = cnt ? j.sse / (double)cnt : 0;
out:
	rnn_ws_release(&j.ws);
	rnn_ws_release_f(&j.wsf);
	free(wf);
	free(w);
	return sse;
}
