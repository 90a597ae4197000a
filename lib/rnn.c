/*
 * tsp_rnn: the network itself — its shape and weights, forecasting with
 * it, running a stack alone (for tests against PyTorch), threads, and
 * the model store's encoding.  Training is in rnn_train.c, the cells in
 * rnn_cell.c.
 */
#include <math.h>
#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <errno.h>

#include "rnn_impl.h"

/* Sizes beyond these are refused: a model is meant to train in seconds
 * to minutes, and the products stay far from size_t overflow. */
#define MAX_HIDDEN 4096
#define MAX_LAYERS 16
#define MAX_STEPS 100000
#define MAX_COV 64

static uint64_t splitmix(uint64_t *s)
{
	uint64_t z = (*s += 0x9e3779b97f4a7c15ULL);
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

static int check_arch(const struct tsp_rnn_arch *a, struct tsp_error *err)
{
	if (a->hidden < 1 || a->hidden > MAX_HIDDEN)
		return tsp_error_set(err, TSP_EUSAGE, "hidden units %zu out of "
				     "range (1 to %d)", a->hidden, MAX_HIDDEN);
	if (a->layers < 1 || a->layers > MAX_LAYERS)
		return tsp_error_set(err, TSP_EUSAGE, "layers %zu out of range "
				     "(1 to %d)", a->layers, MAX_LAYERS);
	if (a->lookback < 1 || a->lookback > MAX_STEPS ||
	    a->horizon < 1 || a->horizon > MAX_STEPS)
		return tsp_error_set(err, TSP_EUSAGE, "lookback and horizon "
				     "must be 1 to %d steps", MAX_STEPS);
	if (a->ncov > MAX_COV)
		return tsp_error_set(err, TSP_EUSAGE, "too many covariates");
	if (a->cell != TSP_RNN_GRU && a->cell != TSP_RNN_LSTM)
		return tsp_error_set(err, TSP_EUSAGE, "unknown cell");
	return 0;
}

/* Allocate m for shape a (weights uninitialised). */
static int rnn_alloc(struct tsp_rnn *m, const struct tsp_rnn_arch *a,
		     struct tsp_error *err)
{
	memset(m, 0, sizeof(*m));
	if (check_arch(a, err) < 0)
		return -1;
	m->a = *a;
	m->nin = 2 + a->ncov;
	m->nw = rnn_layer_off(m, 2, 0) + a->hidden + 1;
	m->w = malloc(m->nw * sizeof(double));
	m->rsd = malloc(a->horizon * sizeof(double));
	if (!m->w || !m->rsd)
		return tsp_error_set(err, TSP_ENOMEM, "out of memory");
	for (size_t i = 0; i < a->horizon; i++)
		m->rsd[i] = NAN;
	return 0;
}

int tsp_rnn_init(struct tsp_rnn *m, const struct tsp_rnn_arch *a,
		 unsigned long seed, struct tsp_error *err)
{
	uint64_t s = (uint64_t)seed * 0x2545f4914f6cdd1dULL + 1;
	double k;

	if (rnn_alloc(m, a, err) < 0)
		return -1;
	k = 1 / sqrt((double)a->hidden);
	for (size_t i = 0; i < m->nw; i++) {
		double u = (double)(splitmix(&s) >> 11) * 0x1.0p-53;
		m->w[i] = (2 * u - 1) * k;
	}
	return 0;
}

void tsp_rnn_release(struct tsp_rnn *m)
{
	rnn_one_drop(m);
	free(m->w);
	free(m->rsd);
	free(m->qlo);
	free(m->qhi);
	memset(m, 0, sizeof(*m));
}

double *tsp_rnn_weight(const struct tsp_rnn *m, int dec, size_t layer,
		       enum tsp_rnn_which which, size_t *len)
{
	size_t G = RNN_GATES(m), H = m->a.hidden, nin, off;

	if (dec == 2) {
		off = rnn_layer_off(m, 2, 0);
		*len = which == TSP_RNN_W_IH ? H : 1;
		return m->w + off + (which == TSP_RNN_W_IH ? 0 : H);
	}
	nin = rnn_layer_nin(m, layer);
	off = rnn_layer_off(m, dec, layer);
	switch (which) {
	case TSP_RNN_W_IH: *len = G * H * nin; return m->w + off;
	case TSP_RNN_W_HH: *len = G * H * H; return m->w + off + G * H * nin;
	case TSP_RNN_B_IH: *len = G * H;
		return m->w + off + G * H * (nin + H);
	default: *len = G * H;
		return m->w + off + G * H * (nin + H + 1);
	}
}

/*
 * The stack alone: the encoder of a copy of m with lookback T (and the
 * weights of the stack asked for) runs x.
 */
int tsp_rnn_stack_run(const struct tsp_rnn *m, int dec, const double *x,
		      size_t T, const double *h0, const double *c0,
		      double *out, double *hn, double *cn,
		      struct tsp_error *err)
{
	struct tsp_rnn c;
	struct tsp_rnn_arch a = m->a;
	struct rnn_ws ws;
	size_t G = RNN_GATES(m), H = a.hidden, NL = a.layers, nin = m->nin;
	size_t stack = rnn_layer_off(m, 1, 0);
	int rc = -1;

	a.lookback = T;
	a.horizon = 1;
	if (rnn_alloc(&c, &a, err) < 0)
		goto out;
	memcpy(c.w, m->w + (dec ? stack : 0), stack * sizeof(double));
	if (rnn_ws_init(&ws, &c, 1, 0, err) < 0)
		goto out;
	if (h0 || c0) {
		if (!(ws.init = calloc(2 * NL * H, sizeof(double)))) {
			rnn_ws_release(&ws);
			tsp_error_set(err, TSP_ENOMEM, "out of memory");
			goto out;
		}
		for (size_t l = 0; l < NL; l++) {
			if (h0)
				memcpy(ws.init + 2 * l * H, h0 + l * H,
				       H * sizeof(double));
			if (c0 && a.cell == TSP_RNN_LSTM)
				memcpy(ws.init + (2 * l + 1) * H, c0 + l * H,
				       H * sizeof(double));
		}
	}
	for (size_t t = 0; t < T; t++) {
		double *xt = ws.x + t * nin;
		memcpy(xt, x + t * nin, nin * sizeof(double));
	}
	rnn_forward(&c, c.w, &ws, 1);
	for (size_t t = 0; t < T; t++) {
		const double *b = ws.st + (t * NL + NL - 1) * (G + 2) * H;
		memcpy(out + t * H, b + (G + 1) * H, H * sizeof(double));
	}
	for (size_t l = 0; l < NL; l++) {
		const double *b = ws.st + ((T - 1) * NL + l) * (G + 2) * H;
		memcpy(hn + l * H, b + (G + 1) * H, H * sizeof(double));
		if (cn && a.cell == TSP_RNN_LSTM)
			memcpy(cn + l * H, b + G * H, H * sizeof(double));
	}
	rnn_ws_release(&ws);
	rc = 0;
out:
	tsp_rnn_release(&c);
	return rc;
}

/* Threads */

struct par_job {
	void (*fn)(void *);
	void *arg;
};

static void *par_main(void *p)
{
	struct par_job *j = p;
	j->fn(j->arg);
	return NULL;
}

int rnn_parallel(void (*fn)(void *), void *arg, size_t size, size_t n,
		 struct tsp_error *err)
{
	pthread_t tid[64];
	struct par_job job[64];
	size_t started = 1;
	int rc = 0, e;

	if (n > 64)
		n = 64;
	for (size_t i = 1; i < n; i++) {
		job[i].fn = fn;
		job[i].arg = (char *)arg + i * size;
		if ((e = pthread_create(&tid[i], NULL, par_main, &job[i]))) {
			rc = -1;
			errno = e;
			break;
		}
		started++;
	}
	fn(arg);
	for (size_t i = 1; i < started; i++)
		pthread_join(tid[i], NULL);
	if (rc < 0) {
		tsp_error_set(err, TSP_ESYS, "cannot start a thread");
		err->sys_errno = errno;
	}
	return rc;
}

/*
 * A pool of threads that stay while a network trains.  A mini-batch is
 * about a millisecond of work: starting threads for each one cost more
 * than they saved (a sleeping CPU of a VM takes that long to wake), so
 * the threads spin a little on the counters below before they sleep on
 * a condition variable (a CPU shared with other work is given back).
 */
#define POOL_SPINS 4000

struct rnn_pool {
	pthread_t tid[64];
	size_t n;			/* threads, the caller's included */
	_Atomic unsigned long gen;	/* bumped for each run */
	_Atomic size_t done;		/* workers finished with this run */
	_Atomic int quit;
	pthread_mutex_t mu;
	pthread_cond_t go, fin;
	void (*fn)(void *);
	char *arg;
	size_t size;
	size_t used;			/* threads taking part in this run */
};

struct pool_arg {
	struct rnn_pool *p;
	size_t i;
};

static void cpu_relax(void)
{
#if defined(__GNUC__) && (defined(__x86_64__) || defined(__i386__))
	__builtin_ia32_pause();
#endif
}

static void *pool_main(void *q)
{
	struct pool_arg *pa = q;
	struct rnn_pool *p = pa->p;
	size_t i = pa->i;
	unsigned long seen = 0;

	free(pa);
	for (;;) {
		size_t spins = 0;
		while (atomic_load_explicit(&p->gen, memory_order_acquire) ==
		       seen && !atomic_load(&p->quit) && ++spins < POOL_SPINS)
			cpu_relax();
		if (atomic_load(&p->gen) == seen && !atomic_load(&p->quit)) {
			pthread_mutex_lock(&p->mu);
			while (atomic_load(&p->gen) == seen &&
			       !atomic_load(&p->quit))
				pthread_cond_wait(&p->go, &p->mu);
			pthread_mutex_unlock(&p->mu);
		}
		if (atomic_load(&p->quit))
			break;
		seen = atomic_load(&p->gen);
		if (i < p->used)
			p->fn(p->arg + i * p->size);
		if (atomic_fetch_add(&p->done, 1) + 1 == p->n - 1) {
			pthread_mutex_lock(&p->mu);
			pthread_cond_signal(&p->fin);
			pthread_mutex_unlock(&p->mu);
		}
	}
	return NULL;
}

struct rnn_pool *rnn_pool_start(size_t n, struct tsp_error *err)
{
	struct rnn_pool *p = calloc(1, sizeof(*p));
	int e = 0;

	if (!p) {
		tsp_error_set(err, TSP_ENOMEM, "out of memory");
		return NULL;
	}
	n = n < 1 ? 1 : n > 64 ? 64 : n;
	atomic_init(&p->gen, 0);
	atomic_init(&p->done, 0);
	atomic_init(&p->quit, 0);
	pthread_mutex_init(&p->mu, NULL);
	pthread_cond_init(&p->go, NULL);
	pthread_cond_init(&p->fin, NULL);
	p->n = 1;
	for (size_t i = 1; i < n; i++) {
		struct pool_arg *pa = malloc(sizeof(*pa));
		if (!pa) {
			e = ENOMEM;
			break;
		}
		pa->p = p;
		pa->i = i;
		if ((e = pthread_create(&p->tid[i], NULL, pool_main, pa))) {
			free(pa);
			break;
		}
		p->n++;
	}
	if (e) {
		rnn_pool_stop(p);
		tsp_error_set(err, e == ENOMEM ? TSP_ENOMEM : TSP_ESYS,
			      e == ENOMEM ? "out of memory" :
			      "cannot start a thread");
		if (e != ENOMEM)
			err->sys_errno = e;
		return NULL;
	}
	return p;
}

void rnn_pool_run(struct rnn_pool *p, void (*fn)(void *), void *arg,
		  size_t size, size_t n)
{
	size_t spins = 0;

	if (n > p->n)
		n = p->n;
	if (p->n == 1) {
		if (n)
			fn(arg);
		return;
	}
	p->fn = fn;
	p->arg = arg;
	p->size = size;
	p->used = n;
	atomic_store(&p->done, 0);
	pthread_mutex_lock(&p->mu);
	atomic_fetch_add(&p->gen, 1);
	pthread_cond_broadcast(&p->go);
	pthread_mutex_unlock(&p->mu);
	if (n)
		fn(arg);
	while (atomic_load(&p->done) < p->n - 1 && ++spins < POOL_SPINS)
		cpu_relax();
	if (atomic_load(&p->done) < p->n - 1) {
		pthread_mutex_lock(&p->mu);
		while (atomic_load(&p->done) < p->n - 1)
			pthread_cond_wait(&p->fin, &p->mu);
		pthread_mutex_unlock(&p->mu);
	}
}

void rnn_pool_stop(struct rnn_pool *p)
{
	if (!p)
		return;
	pthread_mutex_lock(&p->mu);
	atomic_store(&p->quit, 1);
	pthread_cond_broadcast(&p->go);
	pthread_mutex_unlock(&p->mu);
	for (size_t i = 1; i < p->n; i++)
		pthread_join(p->tid[i], NULL);
	pthread_mutex_destroy(&p->mu);
	pthread_cond_destroy(&p->go);
	pthread_cond_destroy(&p->fin);
	free(p);
}

/* Forecasting */

#define FC_BATCH 64

struct fc_job {
	const struct tsp_rnn *m;
	struct tsp_rnn_window *w;
	size_t first, count;
	struct rnn_ws ws;
};

static void fc_slice(void *p)
{
	struct fc_job *j = p;
	const struct tsp_rnn *m = j->m;
	size_t L = m->a.lookback, Hz = m->a.horizon;

	for (size_t i = 0; i < j->count; i += FC_BATCH) {
		size_t B = j->count - i < FC_BATCH ? j->count - i : FC_BATCH;
		for (size_t b = 0; b < B; b++) {
			struct tsp_rnn_window *w = j->w + j->first + i + b;
			rnn_ws_fill(m, &j->ws, B, b, &w->s,
				    (long)w->s.n - (long)L, w->fcov, 0);
		}
		rnn_forward(m, m->w, &j->ws, B);
		for (size_t b = 0; b < B; b++) {
			struct tsp_rnn_window *w = j->w + j->first + i + b;
			for (size_t k = 0; k < Hz; k++)
				w->mean[k] = j->ws.pred[k * B + b];
		}
	}
}

/* m's weights with each matrix transposed (the layout of the one-column
 * product), or NULL (out of memory). */
static double *transposed(const struct tsp_rnn *m)
{
	double *t = malloc(m->nw * sizeof(double));
	enum tsp_rnn_which mat[2] = { TSP_RNN_W_IH, TSP_RNN_W_HH };

	if (!t)
		return NULL;
	memcpy(t, m->w, m->nw * sizeof(double));
	for (int dec = 0; dec < 2; dec++)
		for (size_t l = 0; l < m->a.layers; l++)
			for (int k = 0; k < 2; k++) {
				size_t len, R = RNN_GATES(m) * m->a.hidden, C;
				const double *W = tsp_rnn_weight(m, dec, l,
								 mat[k], &len);
				double *WT = t + (W - m->w);
				C = len / R;
				for (size_t r = 0; r < R; r++)
					for (size_t c = 0; c < C; c++)
						WT[c * R + r] = W[r * C + c];
			}
	return t;
}

int tsp_rnn_forecast(const struct tsp_rnn *m, struct tsp_rnn_window *w,
		     size_t nw, size_t threads, struct tsp_error *err)
{
	struct fc_job job[64];
	size_t nt = threads < 1 ? 1 : threads > 64 ? 64 : threads, done = 0;
	double *wt = NULL;
	int rc = 0;

	if (nt > (nw + FC_BATCH - 1) / FC_BATCH)
		nt = (nw + FC_BATCH - 1) / FC_BATCH;
	if (nt == 0)
		return 0;
	memset(job, 0, sizeof(job));
	for (size_t i = 0; i < nt; i++) {
		job[i].m = m;
		job[i].w = w;
		job[i].first = nw * i / nt;
		job[i].count = nw * (i + 1) / nt - job[i].first;
		if (rnn_ws_init(&job[i].ws, m, job[i].count < FC_BATCH ?
				 job[i].count : FC_BATCH, 0, err) < 0) {
			rc = -1;
			break;
		}
		done++;
		/* a batch of one runs faster on the transposed weights */
		if (job[i].count % FC_BATCH == 1 && !wt &&
		    !(wt = transposed(m))) {
			rc = tsp_error_set(err, TSP_ENOMEM, "out of memory");
			break;
		}
		job[i].ws.wt = wt;
	}
	if (rc == 0)
		rc = rnn_parallel(fc_slice, job, sizeof(job[0]), nt, err);
	for (size_t i = 0; i < done; i++)
		rnn_ws_release(&job[i].ws);
	free(wt);
	return rc;
}

struct rnn_one {
	struct rnn_ws ws;
	double *wt;
};

void rnn_one_drop(struct tsp_rnn *m)
{
	if (!m->one)
		return;
	rnn_ws_release(&m->one->ws);
	free(m->one->wt);
	free(m->one);
	m->one = NULL;
}

int tsp_rnn_forecast_one(struct tsp_rnn *m, struct tsp_rnn_window *w,
			 size_t steps, struct tsp_error *err)
{
	size_t L = m->a.lookback;
	struct rnn_one *o = m->one;

	if (steps == 0 || steps > m->a.horizon)
		steps = m->a.horizon;
	if (!o) {
		o = calloc(1, sizeof(*o));
		if (!o)
			return tsp_error_set(err, TSP_ENOMEM, "out of memory");
		m->one = o;
		if (rnn_ws_init(&o->ws, m, 1, 0, err) < 0) {
			rnn_one_drop(m);
			return -1;
		}
		if (!(o->wt = transposed(m))) {
			rnn_one_drop(m);
			return tsp_error_set(err, TSP_ENOMEM, "out of memory");
		}
		o->ws.wt = o->wt;
	}
	/* the decoder's step k depends on steps before it only: running
	 * fewer steps leaves the first ones as they were */
	o->ws.T = L + steps;
	rnn_ws_fill(m, &o->ws, 1, 0, &w->s, (long)w->s.n - (long)L, w->fcov,
		    0);
	rnn_forward(m, m->w, &o->ws, 1);
	memcpy(w->mean, o->ws.pred, steps * sizeof(double));
	return 0;
}

void tsp_rnn_scale_fit(const double *y, size_t n, double *mu, double *sd)
{
	double s = 0, ss = 0;
	size_t c = 0;

	for (size_t i = 0; i < n; i++)
		if (!isnan(y[i])) {
			s += y[i];
			c++;
		}
	*mu = c ? s / (double)c : 0;
	for (size_t i = 0; i < n; i++)
		if (!isnan(y[i]))
			ss += (y[i] - *mu) * (y[i] - *mu);
	*sd = c > 1 ? sqrt(ss / (double)(c - 1)) : 0;
	if (!(*sd > 0) || !isfinite(*sd))
		*sd = 1;
}

/* The store */

int tsp_rnn_save(const struct tsp_rnn *m, struct tsp_params *p,
		 struct tsp_error *err)
{
	double shape[6] = { m->a.cell == TSP_RNN_GRU ? 0 : 1,
		(double)m->a.ncov, (double)m->a.hidden, (double)m->a.layers,
		(double)m->a.lookback, (double)m->a.horizon };

	if (tsp_params_nums(p, "rnn_shape", shape, 6, err) < 0 ||
	    tsp_params_nums(p, "rnn_weights", m->w, m->nw, err) < 0 ||
	    tsp_params_nums(p, "rnn_sd", m->rsd, m->a.horizon, err) < 0)
		return -1;
	if (m->nlevel &&
	    (tsp_params_nums(p, "rnn_levels", m->level, m->nlevel, err) < 0 ||
	     tsp_params_nums(p, "rnn_qlo", m->qlo, m->nlevel * m->a.horizon,
			     err) < 0 ||
	     tsp_params_nums(p, "rnn_qhi", m->qhi, m->nlevel * m->a.horizon,
			     err) < 0))
		return -1;
	return 0;
}

static int corrupt(struct tsp_error *err, const char *what)
{
	return tsp_error_set(err, TSP_EDATA, "corrupt model entry (rnn %s)",
			     what);
}

/* Item name of buf as n numbers into out (allocated when *out is NULL). */
static int get_nums(const unsigned char *buf, size_t len, const char *name,
		    size_t n, double **out, struct tsp_error *err)
{
	struct tsp_param it;

	if (tsp_params_find(buf, len, name, &it) != 1 ||
	    it.type != TSP_PARAM_NUMS || it.n != n)
		return corrupt(err, name + 4);
	if (!*out && !(*out = malloc((n ? n : 1) * sizeof(double))))
		return tsp_error_set(err, TSP_ENOMEM, "out of memory");
	for (size_t i = 0; i < n; i++)
		(*out)[i] = tsp_param_at(&it, i);
	return 0;
}

int tsp_rnn_load(struct tsp_rnn *m, const unsigned char *buf, size_t len,
		 struct tsp_error *err)
{
	struct tsp_rnn_arch a;
	struct tsp_param it;
	double v[6];
	size_t nl, H;

	memset(m, 0, sizeof(*m));
	if (tsp_params_find(buf, len, "rnn_shape", &it) != 1 ||
	    it.type != TSP_PARAM_NUMS || it.n != 6)
		return corrupt(err, "shape");
	for (size_t i = 0; i < 6; i++) {
		v[i] = tsp_param_at(&it, i);
		if (!(v[i] >= 0 && v[i] <= MAX_STEPS) || v[i] != floor(v[i]))
			return corrupt(err, "shape");
	}
	a.cell = v[0] == 0 ? TSP_RNN_GRU : TSP_RNN_LSTM;
	a.ncov = (size_t)v[1];
	a.hidden = (size_t)v[2];
	a.layers = (size_t)v[3];
	a.lookback = (size_t)v[4];
	a.horizon = (size_t)v[5];
	if (v[0] > 1 || rnn_alloc(m, &a, err) < 0)
		return err->code == TSP_ENOMEM ? -1 : corrupt(err, "shape");
	H = a.horizon;
	if (get_nums(buf, len, "rnn_weights", m->nw, &m->w, err) < 0 ||
	    get_nums(buf, len, "rnn_sd", H, &m->rsd, err) < 0)
		return -1;
	if (tsp_params_find(buf, len, "rnn_levels", &it) == 1) {
		if (it.type != TSP_PARAM_NUMS || it.n > TSP_RNN_MAXLEVELS ||
		    it.n == 0)
			return corrupt(err, "levels");
		nl = it.n;
		for (size_t i = 0; i < nl; i++)
			m->level[i] = tsp_param_at(&it, i);
		if (get_nums(buf, len, "rnn_qlo", nl * H, &m->qlo, err) < 0 ||
		    get_nums(buf, len, "rnn_qhi", nl * H, &m->qhi, err) < 0)
			return -1;
		m->nlevel = nl;
	}
	for (size_t i = 0; i < m->nw; i++)
		if (!isfinite(m->w[i]))
			return corrupt(err, "weights");
	return 0;
}
