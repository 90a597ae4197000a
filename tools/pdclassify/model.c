/*
 * pdclassify's model store and reports.  A model is the entries
 *   fields     how incidents were read (names tried per field, which the
 *              training data had: prediction requires them)
 *   features   the feature definition (tsp_features.h)
 *   history    the history state at the end of the training data
 *   forest     trees, features, threshold, importances, out-of-bag scores
 *   tree.NNNN  one per tree (tsp_forest_tree_save)
 * in a store written by "pdclassify" (tsmodel shows them).
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pdclassify.h"
#include "tsp_store.h"
#include "tsp_tz.h"

void pdc_model_init(struct pdc_model *m)
{
	memset(m, 0, sizeof(*m));
	tsp_featdef_init(&m->def);
	tsp_forest_init(&m->forest);
	tsp_history_init(&m->hist);
	tsp_incidents_init(&m->req);
	m->threshold = 0.5;
	m->min_precision = NAN;
}

void pdc_model_release(struct pdc_model *m)
{
	tsp_featdef_release(&m->def);
	tsp_forest_release(&m->forest);
	tsp_history_release(&m->hist);
	tsp_incidents_release(&m->req);
	free(m->perm);
}

static void add(struct tsp_store_writer *w, const char *key,
		struct tsp_params *p)
{
	struct tsp_error err;

	tsp_error_clear(&err);
	if (tsp_store_add(w, key, strlen(key), p, &err) < 0) {
		tsp_store_abort(w);
		tsp_cli_die(&err);
	}
	tsp_params_clear(p);
}

void pdc_model_save(const struct pdc_config *c, const struct pdc_model *m,
		    const struct tsp_incidents *s,
		    const struct tsp_metrics *oob)
{
	struct tsp_store_writer *w;
	struct tsp_params p;
	struct tsp_error err;
	const struct tsp_forest *f = &m->forest;
	char key[32];
	int rc;

	tsp_error_clear(&err);
	tsp_params_init(&p);
	w = tsp_store_create(c->save, "pdclassify", c->opts_json, &err);
	if (!w)
		tsp_cli_die(&err);
	if (tsp_incmap_save(&c->map, s, &p, &err) < 0)
		goto fail;
	add(w, "fields", &p);
	if (tsp_featdef_save(&m->def, &p, &err) < 0)
		goto fail;
	add(w, "features", &p);
	if (!m->def.matrix) {
		if (tsp_history_save((struct tsp_history *)&m->hist, &p,
				     &err) < 0)
			goto fail;
		add(w, "history", &p);
	}
	rc = tsp_params_num(&p, "trees", (double)f->ntrees, &err);
	if (!rc)
		rc = tsp_params_num(&p, "features", (double)f->nfeat, &err);
	if (!rc)
		rc = tsp_params_num(&p, "threshold", m->threshold, &err);
	if (!rc)
		rc = tsp_params_num(&p, "min_precision", m->min_precision,
				    &err);
	if (!rc)
		rc = tsp_params_nums(&p, "impurity", f->impurity, f->nfeat,
				     &err);
	if (!rc && m->perm)
		rc = tsp_params_nums(&p, "permutation", m->perm, f->nfeat,
				     &err);
	if (!rc && oob) {
		double v[] = { (double)oob->n, (double)oob->pos, oob->accuracy,
			       oob->precision, oob->recall, oob->f1, oob->auc,
			       oob->brier };
		rc = tsp_params_nums(&p, "oob_n_pos_acc_prec_rec_f1_auc_brier",
				     v, 8, &err);
	}
	if (rc)
		goto fail;
	add(w, "forest", &p);
	for (size_t t = 0; t < f->ntrees; t++) {
		if (tsp_forest_tree_save(f, t, &p, &err) < 0)
			goto fail;
		snprintf(key, sizeof(key), "tree.%04zu", t);
		add(w, key, &p);
	}
	tsp_params_release(&p);
	if (tsp_store_commit(w, &err) < 0)
		tsp_cli_die(&err);
	return;
fail:
	tsp_store_abort(w);
	tsp_params_release(&p);
	tsp_cli_die(&err);
}

/* err's message, after the model's name. */
static void name_model(struct tsp_error *err, const char *path)
{
	char msg[sizeof(err->msg)];

	memcpy(msg, err->msg, sizeof(msg));
	tsp_error_at(err, TSP_EDATA, path, 0, "%s", msg);
}

/* Entry key of store st into p: 1, or 0 with err set naming the model. */
static int get_entry(struct tsp_store *st, const char *path, const char *key,
		     struct tsp_params *p, struct tsp_error *err)
{
	int rc = tsp_store_get(st, key, strlen(key), p, err);

	if (rc == 0)
		tsp_error_set(err, TSP_EDATA, "not a complete model: no "
			      "'%s' entry", key);
	if (rc <= 0) {
		name_model(err, path);
		return 0;
	}
	return 1;
}

/* Entry key of store st into p, or die naming the model. */
static void entry(struct tsp_store *st, const char *path, const char *key,
		  struct tsp_params *p)
{
	struct tsp_error err;

	tsp_error_clear(&err);
	if (!get_entry(st, path, key, p, &err))
		tsp_cli_die(&err);
}

static void corrupt(const char *path, const char *msg)
{
	struct tsp_error err;

	tsp_error_clear(&err);
	tsp_error_at(&err, TSP_EDATA, path, 0, "%s", msg);
	tsp_cli_die(&err);
}

/* The trees of l's model, and the forest made ready for walks; on a bad
 * entry, l->err says so (nothing here exits: this may run beside the
 * reading of the input). */
static void *load_trees(void *arg)
{
	struct pdc_loader *l = arg;
	struct tsp_forest *f = &l->m->forest;
	struct tsp_params p;
	char key[32];

	tsp_params_init(&p);
	for (size_t t = 0; t < f->ntrees; t++) {
		snprintf(key, sizeof(key), "tree.%04zu", t);
		if (!get_entry(l->st, l->path, key, &p, &l->err))
			goto fail;
		if (tsp_forest_tree_load(f, t, p.buf, p.len, &l->err) < 0) {
			name_model(&l->err, l->path);
			goto fail;
		}
	}
	tsp_forest_loaded(f);
	tsp_params_release(&p);
	return NULL;
fail:
	l->failed = 1;
	tsp_params_release(&p);
	return NULL;
}

void pdc_model_load_start(struct pdc_config *c, struct pdc_model *m,
			  struct pdc_loader *l)
{
	struct tsp_store *st;
	struct tsp_params p;
	struct tsp_param it, imp;
	struct tsp_error err;
	double ntrees;

	tsp_error_clear(&err);
	memset(l, 0, sizeof(*l));
	tsp_error_clear(&l->err);
	tsp_params_init(&p);
	st = tsp_store_open(c->load, "pdclassify", &err);
	if (!st)
		tsp_cli_die(&err);
	entry(st, c->load, "fields", &p);
	if (tsp_incmap_load(&c->map, &m->req, p.buf, p.len, &err) < 0)
		corrupt(c->load, err.msg);
	c->map.unit = c->cli->spec.unit;
	entry(st, c->load, "features", &p);
	if (tsp_featdef_load(&m->def, p.buf, p.len, &err) < 0)
		corrupt(c->load, err.msg);
	if (m->def.tz[0] && tsp_tz_set(m->def.tz, &err) < 0)
		corrupt(c->load, err.msg);
	if (!m->def.matrix) {
		entry(st, c->load, "history", &p);
		if (tsp_history_load(&m->hist, p.buf, p.len, &err) < 0)
			corrupt(c->load, err.msg);
	}
	entry(st, c->load, "forest", &p);
	if (tsp_params_find(p.buf, p.len, "trees", &it) != 1 ||
	    it.type != TSP_PARAM_NUM || !(it.num >= 1 && it.num <= 1e6) ||
	    it.num != floor(it.num))
		corrupt(c->load, "corrupt forest entry");
	ntrees = it.num;
	if (tsp_params_find(p.buf, p.len, "features", &it) != 1 ||
	    it.type != TSP_PARAM_NUM || it.num != (double)m->def.nfeat ||
	    tsp_params_find(p.buf, p.len, "threshold", &it) != 1 ||
	    it.type != TSP_PARAM_NUM || !(it.num >= 0 && it.num <= 1) ||
	    tsp_params_find(p.buf, p.len, "impurity", &imp) != 1 ||
	    imp.type != TSP_PARAM_NUMS || imp.n != m->def.nfeat)
		corrupt(c->load, "corrupt forest entry");
	m->threshold = isnan(c->threshold) ? it.num : c->threshold;
	if (tsp_params_find(p.buf, p.len, "min_precision", &it) == 1 &&
	    it.type == TSP_PARAM_NUM)
		m->min_precision = it.num;
	if (tsp_forest_alloc(&m->forest, m->def.nfeat, (size_t)ntrees,
			     &err) < 0)
		tsp_cli_die(&err);
	for (size_t j = 0; j < m->def.nfeat; j++)
		m->forest.impurity[j] = tsp_param_at(&imp, j);
	tsp_params_release(&p);
	l->st = st;
	l->m = m;
	l->path = c->load;
	l->threaded = pthread_create(&l->thread, NULL, load_trees, l) == 0;
	if (!l->threaded)
		load_trees(l);
}

void pdc_model_load_finish(struct pdc_loader *l)
{
	if (l->threaded)
		pthread_join(l->thread, NULL);
	l->threaded = 0;
	tsp_store_close(l->st);
	l->st = NULL;
	if (l->failed)
		tsp_cli_die(&l->err);
}

void pdc_model_load(struct pdc_config *c, struct pdc_model *m)
{
	struct pdc_loader l;

	pdc_model_load_start(c, m, &l);
	pdc_model_load_finish(&l);
}

/* ---- reports ------------------------------------------------------- */

void pdc_report_init(struct pdc_report *r, int table)
{
	memset(r, 0, sizeof(*r));
	r->table = table;
	if (!table) {
		r->w = tsp_writer_new(1, TSP_FMT_NDJSON);
		if (!r->w) {
			struct tsp_error err;
			tsp_error_clear(&err);
			tsp_error_set(&err, TSP_ENOMEM, "out of memory");
			tsp_cli_die(&err);
		}
		tsp_cli_set_output(r->w);
	}
}

static const char *fmt3(double v, char *buf)
{
	if (isnan(v))
		return "-";
	snprintf(buf, 16, "%.3f", v);
	return buf;
}

void pdc_report_metrics(struct pdc_report *r, const char *scope, long fold,
			size_t train, const struct tsp_metrics *m)
{
	struct tsp_row row;
	struct tsp_record rec;
	struct tsp_field none;
	char b[8][16];

	if (r->table) {
		if (!r->header_done)
			printf("%-10s %6s %6s %6s %9s %9s %6s %6s %6s %6s %6s "
			       "%6s %6s %5s\n", "scope", "train", "test",
			       "thresh", "accuracy", "precision", "recall",
			       "F1", "AUC", "Brier", "TP", "FP", "TN", "FN");
		r->header_done = 1;
		char name[32];
		if (fold > 0)
			snprintf(name, sizeof(name), "%s %ld", scope, fold);
		else
			snprintf(name, sizeof(name), "%s", scope);
		char tr[24] = "-";
		if (train)
			snprintf(tr, sizeof(tr), "%zu", train);
		printf("%-10s %6s %6zu %6s %9s %9s %6s %6s %6s %6s %6zu %6zu "
		       "%6zu %5zu\n", name, tr, m->n, fmt3(m->threshold, b[0]),
		       fmt3(m->accuracy, b[1]), fmt3(m->precision, b[2]),
		       fmt3(m->recall, b[3]), fmt3(m->f1, b[4]),
		       fmt3(m->auc, b[5]), fmt3(m->brier, b[6]), m->tp, m->fp,
		       m->tn, m->fn);
		return;
	}
	memset(&rec, 0, sizeof(rec));
	rec.f = &none;		/* no fields (but a valid pointer) */
	tsp_row_init(&row);
	tsp_row_start(&row, &rec);
	tsp_row_str(&row, tsp_intern("scope", 5), scope);
	if (fold > 0)
		tsp_row_num(&row, tsp_intern("fold", 4), (double)fold);
	if (train)	/* (pooled folds have no one training set) */
		tsp_row_num(&row, tsp_intern("train", 5), (double)train);
	tsp_row_num(&row, tsp_intern("test", 4), (double)m->n);
	tsp_row_num(&row, tsp_intern("positives", 9), (double)m->pos);
	tsp_row_num(&row, tsp_intern("threshold", 9), m->threshold);
	tsp_row_num(&row, tsp_intern("accuracy", 8), m->accuracy);
	tsp_row_num(&row, tsp_intern("precision", 9), m->precision);
	tsp_row_num(&row, tsp_intern("recall", 6), m->recall);
	tsp_row_num(&row, tsp_intern("f1", 2), m->f1);
	tsp_row_num(&row, tsp_intern("auc", 3), m->auc);
	tsp_row_num(&row, tsp_intern("brier", 5), m->brier);
	tsp_row_num(&row, tsp_intern("tp", 2), (double)m->tp);
	tsp_row_num(&row, tsp_intern("fp", 2), (double)m->fp);
	tsp_row_num(&row, tsp_intern("tn", 2), (double)m->tn);
	tsp_row_num(&row, tsp_intern("fn", 2), (double)m->fn);
	tsp_row_write(&row, r->w);
	tsp_row_release(&row);
}

static const double *sort_by;

static int cmp_imp(const void *a, const void *b)
{
	size_t x = *(const size_t *)a, y = *(const size_t *)b;

	if (sort_by[x] != sort_by[y])
		return sort_by[x] > sort_by[y] ? -1 : 1;
	return (x > y) - (x < y);
}

void pdc_report_importance(struct pdc_report *r,
			   const struct tsp_featdef *def,
			   const struct tsp_forest *f, const double *perm)
{
	size_t *idx = malloc(f->nfeat * sizeof(*idx));
	struct tsp_row row;
	struct tsp_record rec;
	struct tsp_field none;

	if (!idx)
		return;
	for (size_t j = 0; j < f->nfeat; j++)
		idx[j] = j;
	sort_by = perm ? perm : f->impurity;
	qsort(idx, f->nfeat, sizeof(*idx), cmp_imp);
	if (r->table)
		printf("\n%-40s %9s %11s\n", "feature", "impurity",
		       "permutation");
	memset(&rec, 0, sizeof(rec));
	rec.f = &none;
	tsp_row_init(&row);
	for (size_t k = 0; k < f->nfeat; k++) {
		size_t j = idx[k];
		if (r->table) {
			printf("%-40.40s %9.4f %11.4f\n", def->name[j],
			       f->impurity[j], perm ? perm[j] : NAN);
			continue;
		}
		tsp_row_start(&row, &rec);
		tsp_row_str(&row, tsp_intern("scope", 5), "importance");
		tsp_row_str(&row, tsp_intern("feature", 7), def->name[j]);
		tsp_row_num(&row, tsp_intern("impurity", 8), f->impurity[j]);
		tsp_row_num(&row, tsp_intern("permutation", 11),
			    perm ? perm[j] : NAN);
		tsp_row_write(&row, r->w);
	}
	tsp_row_release(&row);
	free(idx);
}

int pdc_report_finish(struct pdc_report *r, struct tsp_cli *cli)
{
	int status;

	if (r->table && (fflush(stdout) != 0 || ferror(stdout))) {
		struct tsp_error err;
		tsp_error_clear(&err);
		tsp_error_set(&err, TSP_EPIPE, "write error");
		tsp_cli_die(&err);
	}
	status = tsp_cli_finish(cli, r->w);
	tsp_writer_free(r->w);
	r->w = NULL;
	return status;
}
