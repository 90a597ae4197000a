/*
 * pdclassify train and cv: the labelled incidents, their features, a
 * forest; the out-of-bag report, or a cross-validation.
 */
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pdclassify.h"

static void die_msg(enum tsp_errcode code, const char *fmt, ...)
	__attribute__((format(printf, 2, 3), noreturn));

static void die_msg(enum tsp_errcode code, const char *fmt, ...)
{
	struct tsp_error err;
	va_list ap;

	tsp_error_clear(&err);
	err.code = code;
	va_start(ap, fmt);
	vsnprintf(err.msg, sizeof(err.msg), fmt, ap);
	va_end(ap);
	tsp_cli_die(&err);
}

static void *xmalloc(size_t n)
{
	void *p = malloc(n ? n : 1);

	if (!p)
		die_msg(TSP_ENOMEM, "out of memory");
	return p;
}

/* The labelled incidents (input order) and their classes; dies when
 * there is nothing to learn from. */
static size_t labelled(const struct tsp_incidents *s, size_t **rows,
		       unsigned char **y)
{
	size_t n = 0, pos = 0;

	if (s->n == 0)
		die_msg(TSP_EDATA, "no incidents to learn from");
	*rows = xmalloc(s->n * sizeof(**rows));
	*y = xmalloc(s->n);
	for (size_t i = 0; i < s->n; i++)
		if (s->v[i].label >= 0) {
			(*rows)[n] = i;
			(*y)[n++] = (unsigned char)s->v[i].label;
			pos += (size_t)s->v[i].label;
		}
	if (n == 0)
		die_msg(TSP_EDATA, "no incident has a label yet (%zu read, "
			"none resolved or acknowledged)", s->n);
	if (pos == 0 || pos == n)
		die_msg(TSP_EDATA, "only one class among the %zu labelled "
			"incidents: %s", n, pos ? "all resolved themselves"
						: "none resolved itself");
	return n;
}

/* The threshold: by --min-precision on probabilities p (dies when none
 * reaches it), by --threshold, or 0.5. */
static double choose(const struct pdc_config *c, const double *p,
		     const unsigned char *y, size_t n, const char *what)
{
	double prec, rec, t;
	struct tsp_error err;

	if (isnan(c->min_precision))
		return isnan(c->threshold) ? 0.5 : c->threshold;
	t = tsp_metrics_threshold(p, y, n, c->min_precision, &prec, &rec);
	if (isnan(t)) {
		tsp_error_clear(&err);
		tsp_error_set(&err, TSP_EDATA, "no threshold reaches precision "
			      "%g %s (the best is %.3f)", c->min_precision,
			      what, prec);
		tsp_cli_die(&err);
	}
	return t;
}

static void forest_train(const struct pdc_config *c, struct tsp_forest *f,
			 const double *x, const unsigned char *y, size_t n,
			 size_t nfeat, struct tsp_forest_fit *fit)
{
	struct tsp_forest_data d = { x, y, n, nfeat };
	struct tsp_error err;

	tsp_error_clear(&err);
	if (tsp_forest_train(f, &c->forest, &d, fit, &err) < 0)
		tsp_cli_die(&err);
}

static void fit_def(struct pdc_config *c, struct tsp_featdef *def,
		    const struct tsp_incidents *s, const unsigned char *use)
{
	struct tsp_error err;

	tsp_error_clear(&err);
	*def = c->def;		/* the options */
	memset(def->level, 0, sizeof(def->level));
	memset(def->nlevel, 0, sizeof(def->nlevel));
	def->nnum = 0;
	def->bucketname = NULL;
	def->name = NULL;
	def->group = NULL;
	def->nfeat = 0;
	if ((c->map.matrix ? tsp_featdef_matrix(def, s, &err)
			   : tsp_featdef_fit(def, s, &c->map, use, &err)) < 0)
		tsp_cli_die(&err);
	if (def->nfeat == 0)
		die_msg(TSP_EDATA, "no feature columns");
}

int pdc_train(struct pdc_config *c)
{
	struct tsp_incidents s;
	struct pdc_model m;
	struct tsp_forest_fit fit;
	struct tsp_metrics oob;
	struct pdc_report rep;
	struct tsp_error err;
	size_t *rows, n;
	unsigned char *y;
	double *x;

	tsp_incidents_init(&s);
	pdc_model_init(&m);
	tsp_forest_fit_init(&fit);
	tsp_error_clear(&err);
	pdc_read(c, &s, NULL, NULL, 0);
	n = labelled(&s, &rows, &y);
	fit_def(c, &m.def, &s, NULL);
	x = pdc_matrix(&m.def, &m.hist, &s, rows, n, c->forest.threads);
	forest_train(c, &m.forest, x, y, n, m.def.nfeat, &fit);
	m.threshold = choose(c, fit.oob, y, n, "out of bag");
	m.min_precision = c->min_precision;
	if (tsp_metrics_compute(fit.oob, y, n, m.threshold, &oob, &err) < 0)
		tsp_cli_die(&err);
	m.perm = xmalloc(m.def.nfeat * sizeof(*m.perm));
	{
		struct tsp_forest_data d = { x, y, n, m.def.nfeat };
		if (tsp_forest_permutation(&m.forest, &d, &fit, c->perm_rows,
					   c->forest.seed, c->forest.threads,
					   m.perm, &err) < 0)
			tsp_cli_die(&err);
	}
	if (c->save)
		pdc_model_save(c, &m, &s, &oob);
	pdc_report_init(&rep, c->table);
	pdc_report_metrics(&rep, "oob", 0, n, &oob);
	pdc_report_importance(&rep, &m.def, &m.forest, m.perm);
	int status = pdc_report_finish(&rep, c->cli);
	free(x);
	free(rows);
	free(y);
	tsp_forest_fit_release(&fit);
	pdc_model_release(&m);
	tsp_incidents_release(&s);
	return status;
}

/* ---- cross-validation ---------------------------------------------- */

/* Totals over folds: confusion counts, and all test probabilities. */
struct pooled {
	struct tsp_metrics m;
	double *p;
	unsigned char *y;
	size_t n;
};

static void pool(struct pooled *pl, const struct tsp_metrics *m,
		 const double *p, const unsigned char *y, size_t n)
{
	pl->m.tp += m->tp;
	pl->m.fp += m->fp;
	pl->m.tn += m->tn;
	pl->m.fn += m->fn;
	memcpy(pl->p + pl->n, p, n * sizeof(*p));
	memcpy(pl->y + pl->n, y, n);
	pl->n += n;
}

static void pooled_metrics(struct pooled *pl, double threshold)
{
	struct tsp_metrics m = pl->m, auc;
	struct tsp_error err;

	tsp_error_clear(&err);
	if (tsp_metrics_compute(pl->p, pl->y, pl->n, 0.5, &auc, &err) < 0)
		tsp_cli_die(&err);
	m.n = auc.n;
	m.pos = auc.pos;
	m.auc = auc.auc;
	m.brier = auc.brier;
	m.threshold = threshold;
	m.accuracy = m.n ? (double)(m.tp + m.tn) / (double)m.n : NAN;
	m.precision = m.tp + m.fp ? (double)m.tp / (double)(m.tp + m.fp) : 0;
	m.recall = m.tp + m.fn ? (double)m.tp / (double)(m.tp + m.fn) : 0;
	m.f1 = m.precision + m.recall > 0 ? 2 * m.precision * m.recall /
					    (m.precision + m.recall) : 0;
	pl->m = m;
}

int pdc_cv(struct pdc_config *c)
{
	struct tsp_incidents s;
	struct tsp_history h;
	struct tsp_error err;
	struct pdc_report rep;
	struct pooled pl;
	size_t *rows, n, k = c->folds, *order;
	unsigned char *y, *use;
	int *fold;
	double *hist = NULL, last_t = NAN;
	int same_t = 1;

	tsp_incidents_init(&s);
	tsp_history_init(&h);
	tsp_error_clear(&err);
	pdc_read(c, &s, NULL, NULL, 0);
	n = labelled(&s, &rows, &y);
	fold = xmalloc(n * sizeof(*fold));
	order = xmalloc(s.n * sizeof(*order));
	use = xmalloc(s.n);
	if (c->time_split) {
		/* Labelled incidents by creation: block b is fold b - 1. */
		size_t *pos = xmalloc(s.n * sizeof(*pos)), q = 0;
		if (n < k + 1)
			die_msg(TSP_EDATA, "%zu labelled incidents: too few "
				"for %zu time splits", n, k);
		tsp_incidents_by_time(&s, order);
		for (size_t i = 0; i < n; i++)
			pos[rows[i]] = i;
		for (size_t i = 0; i < s.n; i++)
			if (s.v[order[i]].label >= 0)
				fold[pos[order[i]]] = (int)q++;	/* rank */
		free(pos);
	} else if (tsp_folds_stratified(y, n, k, c->forest.seed, fold,
					&err) < 0) {
		tsp_cli_die(&err);
	}
	if (!c->map.matrix) {
		hist = xmalloc(s.n * TSP_FEAT_HISTORY * sizeof(*hist));
		if (tsp_features_history(&h, &s, hist, &err) < 0)
			tsp_cli_die(&err);
	}
	memset(&pl, 0, sizeof(pl));
	pl.p = xmalloc(n * sizeof(double));
	pl.y = xmalloc(n);
	pdc_report_init(&rep, c->table);
	for (size_t f = 0; f < k; f++) {
		size_t ntr = 0, nte = 0, a = 0, b = 0;
		size_t *tr = xmalloc(n * sizeof(*tr)), *te = xmalloc(n * sizeof(*te));
		unsigned char *ytr = xmalloc(n), *yte = xmalloc(n);
		struct tsp_featdef def;
		struct tsp_forest forest;
		struct tsp_forest_fit fit;
		struct tsp_metrics m;
		double *xtr, *xte, *p, t;

		if (c->time_split)
			tsp_folds_time(n, k, f, &a, &b);
		memset(use, 0, s.n);
		for (size_t i = 0; i < n; i++) {
			int train = c->time_split ? (size_t)fold[i] < a
						  : (size_t)fold[i] != f;
			int test = c->time_split ? (size_t)fold[i] >= a &&
						   (size_t)fold[i] < b
						 : (size_t)fold[i] == f;
			if (train) {
				use[rows[i]] = 1;
				ytr[ntr] = y[i];
				tr[ntr++] = rows[i];
			} else if (test) {
				yte[nte] = y[i];
				te[nte++] = rows[i];
			}
		}
		if (ntr == 0 || nte == 0)
			die_msg(TSP_EDATA, "fold %zu has no %s incidents",
				f + 1, ntr ? "test" : "training");
		fit_def(c, &def, &s, use);
		xtr = xmalloc(ntr * def.nfeat * sizeof(double));
		xte = xmalloc(nte * def.nfeat * sizeof(double));
		p = xmalloc(nte * sizeof(double));
		if (tsp_features_rows(&def, &s, hist, tr, ntr, xtr, &err) < 0 ||
		    tsp_features_rows(&def, &s, hist, te, nte, xte, &err) < 0)
			tsp_cli_die(&err);
		tsp_forest_init(&forest);
		tsp_forest_fit_init(&fit);
		forest_train(c, &forest, xtr, ytr, ntr, def.nfeat, &fit);
		t = choose(c, fit.oob, ytr, ntr, "out of bag in a training fold");
		if (tsp_forest_predict_many(&forest, xte, nte, p, NULL,
					    c->forest.threads, &err) < 0 ||
		    tsp_metrics_compute(p, yte, nte, t, &m, &err) < 0)
			tsp_cli_die(&err);
		pdc_report_metrics(&rep, "fold", (long)f + 1, ntr, &m);
		pool(&pl, &m, p, yte, nte);
		if (f > 0 && t != last_t)
			same_t = 0;
		last_t = t;
		free(xtr);
		free(xte);
		free(p);
		free(tr);
		free(te);
		free(ytr);
		free(yte);
		tsp_forest_fit_release(&fit);
		tsp_forest_release(&forest);
		tsp_featdef_release(&def);
	}
	pooled_metrics(&pl, same_t ? last_t : NAN);
	pdc_report_metrics(&rep, "all", 0, 0, &pl.m);
	int status = pdc_report_finish(&rep, c->cli);
	free(pl.p);
	free(pl.y);
	free(hist);
	free(fold);
	free(order);
	free(use);
	free(rows);
	free(y);
	tsp_history_release(&h);
	tsp_incidents_release(&s);
	return status;
}
