/*
 * Training a forest: bootstrap samples, trees on threads, out-of-bag
 * probabilities, impurity importance.  Growing one tree is in
 * forest_split.c; prediction and permutation importance in
 * forest_predict.c; storing trees in forest_io.c.
 */
#include "forest_impl.h"

#include <math.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

void tsp_forest_opts_default(struct tsp_forest_opts *o)
{
	memset(o, 0, sizeof(*o));
	o->trees = 500;
	o->max_features = TSP_MAXF_SQRT;
	o->min_leaf = 1;	/* as sklearn */
	o->bootstrap = 1;
	o->seed = 1;
}

size_t tsp_forest_mtry(const struct tsp_forest_opts *o, size_t p)
{
	size_t m;

	switch (o->max_features) {
	case TSP_MAXF_SQRT:
		m = (size_t)floor(sqrt((double)p));
		break;
	case TSP_MAXF_LOG2:
		m = p ? (size_t)floor(log2((double)p)) : 0;
		break;
	case TSP_MAXF_COUNT:
		m = (size_t)o->max_features_arg;
		break;
	case TSP_MAXF_FRACTION:
		m = (size_t)floor(o->max_features_arg * (double)p);
		break;
	default:
		m = p;
	}
	if (m > p)
		m = p;
	return m ? m : 1;
}

int tsp_forest_cpus(void)
{
	long n = sysconf(_SC_NPROCESSORS_ONLN);

	return n < 1 ? 1 : n > 256 ? 256 : (int)n;
}

void tsp_forest_init(struct tsp_forest *f)
{
	memset(f, 0, sizeof(*f));
}

void tsp_forest_release(struct tsp_forest *f)
{
	if (f->tree)
		for (size_t t = 0; t < f->ntrees; t++) {
			free(f->tree[t].node);
			free(f->tree[t].value);
		}
	free(f->tree);
	free(f->impurity);
	forest_fast_free(f->fast);
	tsp_forest_init(f);
}

void tsp_forest_fit_init(struct tsp_forest_fit *fit)
{
	memset(fit, 0, sizeof(*fit));
}

void tsp_forest_fit_release(struct tsp_forest_fit *fit)
{
	free(fit->inbag);
	free(fit->oob);
	tsp_forest_fit_init(fit);
}

int tsp_forest_alloc(struct tsp_forest *f, size_t nfeat, size_t ntrees,
		     struct tsp_error *err)
{
	tsp_forest_release(f);
	f->tree = calloc(ntrees ? ntrees : 1, sizeof(*f->tree));
	f->impurity = calloc(nfeat ? nfeat : 1, sizeof(*f->impurity));
	if (!f->tree || !f->impurity) {
		tsp_forest_release(f);
		return tsp_error_set(err, TSP_ENOMEM, "out of memory");
	}
	f->nfeat = nfeat;
	f->ntrees = ntrees;
	return 0;
}

void tsp_forest_loaded(struct tsp_forest *f)
{
	double s = 0;

	for (size_t t = 0; t < f->ntrees; t++)
		s += f->tree[t].value[0];
	f->bias = f->ntrees ? s / (double)f->ntrees : 0;
	forest_fast_free(f->fast);
	f->fast = forest_fast_build(f);
}

/* What the training threads share. */
struct job {
	const struct tsp_forest_opts *o;
	const struct forest_coded *c;
	struct tsp_forest *f;
	struct tsp_forest_fit *fit;	/* may be NULL */
	double cw[2];			/* class weights */
	uint32_t *cls[2];		/* samples of each class */
	size_t ncls[2];
	double *imp;			/* ntrees x nfeat */
	pthread_mutex_t lock;
	size_t next;			/* next tree to grow */
	int failed;
	struct tsp_error err;
};

/* The samples tree t draws, as weights in wk->w; returns how many
 * distinct samples it drew (listed in wk->samples). */
static size_t draw(struct job *jb, struct forest_work *wk,
		   struct forest_rng *rng, uint64_t *inbag)
{
	size_t n = jb->c->n, k = 0;
	const unsigned char *y = jb->c->y;

	if (!jb->o->bootstrap) {
		for (size_t i = 0; i < n; i++)
			wk->w[i] = jb->cw[y[i]];
	} else {
		memset(wk->w, 0, n * sizeof(*wk->w));
		if (jb->o->balance == TSP_BALANCE_DOWNSAMPLE) {
			size_t m = jb->ncls[0] < jb->ncls[1] ? jb->ncls[0]
							     : jb->ncls[1];
			for (int cl = 0; cl < 2; cl++)
				for (size_t d = 0; d < m; d++)
					wk->w[jb->cls[cl][forest_rng_below(
						rng, jb->ncls[cl])]] += 1;
		} else {
			for (size_t d = 0; d < n; d++)
				wk->w[forest_rng_below(rng, n)] += 1;
			for (size_t i = 0; i < n; i++)
				wk->w[i] *= jb->cw[y[i]];
		}
	}
	for (size_t i = 0; i < n; i++)
		if (wk->w[i] > 0) {
			wk->sw0[k] = y[i] ? 0 : wk->w[i];
			wk->sw1[k] = y[i] ? wk->w[i] : 0;
			wk->samples[k++] = (uint32_t)i;
			if (inbag)
				inbag[i / 64] |= UINT64_C(1) << (i % 64);
		}
	return k;
}

static void *worker(void *arg)
{
	struct job *jb = arg;
	struct forest_work wk;
	struct tsp_error err;

	tsp_error_clear(&err);
	if (forest_work_init(&wk, jb->c, jb->o, &err) < 0) {
		pthread_mutex_lock(&jb->lock);
		jb->failed = 1;
		jb->err = err;
		pthread_mutex_unlock(&jb->lock);
		return NULL;
	}
	for (;;) {
		struct forest_rng rng;
		struct tsp_tree *tr;
		uint64_t *inbag = NULL;
		size_t t, ns;

		pthread_mutex_lock(&jb->lock);
		t = jb->failed ? jb->o->trees : jb->next++;
		pthread_mutex_unlock(&jb->lock);
		if (t >= jb->o->trees)
			break;
		forest_rng_seed(&rng, jb->o->seed, t);
		if (jb->fit && jb->fit->inbag)
			inbag = jb->fit->inbag + t * jb->fit->words;
		ns = draw(jb, &wk, &rng, inbag);
		tr = &jb->f->tree[t];
		if (forest_grow(&wk, ns, &rng) < 0 ||
		    !(tr->node = malloc(wk.nnode * sizeof(*tr->node))) ||
		    !(tr->value = malloc(wk.nnode * sizeof(*tr->value)))) {
			pthread_mutex_lock(&jb->lock);
			jb->failed = 1;
			tsp_error_set(&jb->err, TSP_ENOMEM, "out of memory");
			pthread_mutex_unlock(&jb->lock);
			break;
		}
		memcpy(tr->node, wk.node, wk.nnode * sizeof(*tr->node));
		memcpy(tr->value, wk.value, wk.nnode * sizeof(*tr->value));
		tr->n = wk.nnode;
		memcpy(jb->imp + t * jb->c->nfeat, wk.imp,
		       jb->c->nfeat * sizeof(double));
	}
	forest_work_release(&wk);
	return NULL;
}

void forest_run(int nthreads, void *(*fn)(void *), void *arg)
{
	pthread_t th[256];
	int started = 0;

	if (nthreads > 256)
		nthreads = 256;
	/* A thread that cannot start leaves its share to the others. */
	for (int i = 1; i < nthreads; i++)
		if (pthread_create(&th[started], NULL, fn, arg) == 0)
			started++;
	fn(arg);
	for (int i = 0; i < started; i++)
		pthread_join(th[i], NULL);
}

struct par {
	size_t n, chunk, next;
	void (*fn)(void *, size_t, size_t);
	void *ctx;
	pthread_mutex_t lock;
};

static void *par_worker(void *arg)
{
	struct par *p = arg;

	for (;;) {
		size_t lo;
		pthread_mutex_lock(&p->lock);
		lo = p->next;
		p->next += p->chunk;
		pthread_mutex_unlock(&p->lock);
		if (lo >= p->n)
			break;
		p->fn(p->ctx, lo, lo + p->chunk < p->n ? lo + p->chunk : p->n);
	}
	return NULL;
}

void tsp_forest_parallel(size_t n, size_t chunk, int threads,
			 void (*fn)(void *ctx, size_t lo, size_t hi),
			 void *ctx)
{
	struct par p = { n, chunk ? chunk : 1, 0, fn, ctx,
			 PTHREAD_MUTEX_INITIALIZER };
	size_t pieces = (n + p.chunk - 1) / p.chunk;

	if (threads <= 0)
		threads = tsp_forest_cpus();
	if ((size_t)threads > pieces)
		threads = pieces ? (int)pieces : 1;
	forest_run(threads, par_worker, &p);
	pthread_mutex_destroy(&p.lock);
}

static int setup_classes(struct job *jb, const struct tsp_forest_data *d,
			 struct tsp_error *err)
{
	size_t n = d->n;

	for (size_t i = 0; i < n; i++) {
		if (d->y[i] > 1)
			return tsp_error_set(err, TSP_EDATA, "class of sample "
					     "%zu is not 0 or 1", i + 1);
		jb->ncls[d->y[i]]++;
	}
	if (!jb->ncls[0] || !jb->ncls[1])
		return tsp_error_set(err, TSP_EDATA, "only one class in the "
				     "training data (%zu samples of class "
				     "%d)", n, jb->ncls[1] ? 1 : 0);
	jb->cw[0] = jb->cw[1] = 1;
	if (jb->o->balance == TSP_BALANCE_WEIGHTS) {
		jb->cw[0] = (double)n / (2.0 * (double)jb->ncls[0]);
		jb->cw[1] = (double)n / (2.0 * (double)jb->ncls[1]);
	}
	if (jb->o->balance == TSP_BALANCE_DOWNSAMPLE) {
		size_t k[2] = {0, 0};
		jb->cls[0] = malloc(jb->ncls[0] * sizeof(uint32_t));
		jb->cls[1] = malloc(jb->ncls[1] * sizeof(uint32_t));
		if (!jb->cls[0] || !jb->cls[1])
			return tsp_error_set(err, TSP_ENOMEM, "out of memory");
		for (size_t i = 0; i < n; i++)
			jb->cls[d->y[i]][k[d->y[i]]++] = (uint32_t)i;
	}
	return 0;
}

int tsp_forest_train(struct tsp_forest *f, const struct tsp_forest_opts *o,
		     const struct tsp_forest_data *d,
		     struct tsp_forest_fit *fit, struct tsp_error *err)
{
	struct forest_coded c;
	struct job jb;
	int nthreads = o->threads > 0 ? o->threads : tsp_forest_cpus();
	size_t used = 0;

	tsp_forest_release(f);
	if (fit)
		tsp_forest_fit_release(fit);
	if (d->n == 0 || d->nfeat == 0)
		return tsp_error_set(err, TSP_EDATA, "no %s to learn from",
				     d->n ? "features" : "samples");
	if (o->trees == 0 || o->min_leaf == 0)
		return tsp_error_set(err, TSP_EUSAGE, "trees and min_leaf "
				     "must be at least 1");
	if (d->nfeat > INT32_MAX)
		return tsp_error_set(err, TSP_EDATA, "too many features");
	memset(&jb, 0, sizeof(jb));
	jb.o = o;
	jb.f = f;
	if (setup_classes(&jb, d, err) < 0)
		goto fail_classes;
	if (forest_code(&c, d, err) < 0)
		goto fail_classes;
	jb.c = &c;
	if (tsp_forest_alloc(f, d->nfeat, o->trees, err) < 0)
		goto fail_code;
	jb.imp = calloc(o->trees * d->nfeat, sizeof(double));
	if (!jb.imp)
		goto nomem;
	if (fit && o->bootstrap) {
		fit->n = d->n;
		fit->ntrees = o->trees;
		fit->words = (d->n + 63) / 64;
		fit->inbag = calloc(o->trees * fit->words, sizeof(uint64_t));
		fit->oob = malloc(d->n * sizeof(double));
		if (!fit->inbag || !fit->oob)
			goto nomem;
	}
	jb.fit = fit;
	pthread_mutex_init(&jb.lock, NULL);
	tsp_error_clear(&jb.err);
	if ((size_t)nthreads > o->trees)
		nthreads = (int)o->trees;
	forest_run(nthreads, worker, &jb);
	pthread_mutex_destroy(&jb.lock);
	if (jb.failed) {
		*err = jb.err;
		goto fail;
	}
	/* sklearn: the mean over trees that split at all, renormalised. */
	for (size_t t = 0; t < o->trees; t++) {
		if (f->tree[t].n < 2)
			continue;
		used++;
		for (size_t j = 0; j < d->nfeat; j++)
			f->impurity[j] += jb.imp[t * d->nfeat + j];
	}
	double s = 0;
	for (size_t j = 0; j < d->nfeat; j++)
		s += f->impurity[j];
	for (size_t j = 0; used && s > 0 && j < d->nfeat; j++)
		f->impurity[j] /= s;
	tsp_forest_loaded(f);
	if (fit && o->bootstrap)
		forest_oob(f, d, fit, o->threads);
	free(jb.imp);
	free(jb.cls[0]);
	free(jb.cls[1]);
	forest_coded_release(&c);
	return 0;
nomem:
	tsp_error_set(err, TSP_ENOMEM, "out of memory");
fail:
	free(jb.imp);
	tsp_forest_release(f);
	if (fit)
		tsp_forest_fit_release(fit);
fail_code:
	forest_coded_release(&c);
fail_classes:
	free(jb.cls[0]);
	free(jb.cls[1]);
	return -1;
}
