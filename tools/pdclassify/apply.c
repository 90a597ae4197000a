/*
 * pdclassify predict, features and noise: what a model (or the data)
 * says about each incident, and per service.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "pdclassify.h"
#include "tsp_noise.h"
#include "tsp_num.h"

#define CHUNK 32768	/* rows predicted (and explained) at a time */

static void *xmalloc(size_t n)
{
	void *p = malloc(n ? n : 1);

	if (!p) {
		struct tsp_error err;
		tsp_error_clear(&err);
		tsp_error_set(&err, TSP_ENOMEM, "out of memory");
		tsp_cli_die(&err);
	}
	return p;
}

static struct tsp_writer *writer(enum tsp_format fmt, const char *const *names,
				 size_t n)
{
	struct tsp_writer *w = tsp_writer_new(STDOUT_FILENO, fmt);
	struct tsp_error err;

	tsp_error_clear(&err);
	if (!w) {
		tsp_error_set(&err, TSP_ENOMEM, "out of memory");
		tsp_cli_die(&err);
	}
	tsp_cli_set_output(w);
	if (tsp_writer_header(w, names, n, &err) < 0)
		tsp_cli_die(&err);
	return w;
}

static void put(struct tsp_writer *w, const struct tsp_field *f, size_t n)
{
	struct tsp_error err;

	tsp_error_clear(&err);
	if (tsp_writer_write(w, f, n, &err) < 0)
		tsp_cli_die(&err);
}

static struct tsp_field text(const char *name, const char *v)
{
	struct tsp_field f = { name, v, (uint32_t)strlen(v), TSP_T_STRING, 0 };
	return f;
}

static struct tsp_field number(const char *name, double v, char *buf)
{
	struct tsp_field f = { name, "", 0, TSP_T_NULL, TSP_FF_PLAIN };

	if (!isnan(v)) {
		f.val = buf;
		f.len = (uint32_t)tsp_num_format(v, buf);
		f.type = isfinite(v) ? TSP_T_JSONNUM : TSP_T_NUMBER;
	}
	return f;
}

static struct tsp_field boolean(const char *name, int v)
{
	struct tsp_field f = { name, "", 0, TSP_T_NULL, TSP_FF_PLAIN };

	if (v >= 0) {
		f.val = v ? "true" : "false";
		f.len = v ? 4 : 5;
		f.type = TSP_T_BOOL;
	}
	return f;
}

static size_t *all_rows(size_t n)
{
	size_t *rows = xmalloc(n * sizeof(*rows));

	for (size_t i = 0; i < n; i++)
		rows[i] = i;
	return rows;
}

#define REASON_SZ 512

/* The reasons of one chunk of predictions, made block by block on the
 * threads that walk the trees. */
struct reasons {
	const struct pdc_model *m;
	const struct tsp_incidents *s;
	const double *x;	/* the chunk's feature rows */
	const double *p;
	size_t lo;		/* the chunk's first incident */
	size_t nreasons;
	char (*out)[REASON_SZ];
};

static void reasons_of(void *arg, size_t a, size_t b, const double *contrib)
{
	struct reasons *r = arg;
	size_t nf = r->m->def.nfeat;

	for (size_t k = a; k < b; k++) {
		size_t i = r->lo + k;
		tsp_features_reason(&r->m->def, r->s, i, r->x + k * nf,
				    contrib + (k - a) * nf,
				    r->p[i] >= r->m->threshold, r->nreasons,
				    r->out[k], REASON_SZ);
	}
}

int pdc_predict(struct pdc_config *c)
{
	struct pdc_model m;
	struct pdc_loader load;
	struct tsp_incidents s;
	struct tsp_writer *w;
	struct tsp_error err;
	const char *names[4];
	const char **cols = NULL;
	enum tsp_format fmt;
	size_t *rows, nf;
	double *x, *p, *hist;
	char num[TSP_NUM_BUFSZ], (*reason)[REASON_SZ] = NULL;

	pdc_model_init(&m);
	tsp_incidents_init(&s);
	tsp_error_clear(&err);
	/* the trees load while the input is read and its features built */
	pdc_model_load_start(c, &m, &load);
	nf = m.def.nfeat;
	if (m.def.matrix) {
		cols = xmalloc(nf * sizeof(*cols));
		for (size_t j = 0; j < nf; j++)
			cols[j] = tsp_intern(m.def.name[j],
					     strlen(m.def.name[j]));
	}
	fmt = pdc_read(c, &s, &m.req, cols, nf);
	names[0] = tsp_intern("incident", 8);
	names[1] = tsp_intern("prediction", 10);
	names[2] = tsp_intern("confidence", 10);
	names[3] = tsp_intern("reason", 6);
	rows = all_rows(s.n);
	/* the feature rows a chunk at a time, into one buffer: the first
	 * while the trees may still be loading */
	hist = pdc_history(&m.def, &m.hist, &s);
	x = xmalloc((s.n < CHUNK ? s.n : CHUNK) * nf * sizeof(*x));
	pdc_rows(&m.def, &s, hist, rows, s.n < CHUNK ? s.n : CHUNK, x,
		 c->forest.threads);
	pdc_model_load_finish(&load);
	w = writer(fmt, names, c->reasons ? 4 : 3);
	p = xmalloc(s.n * sizeof(*p));
	if (c->reasons)
		reason = xmalloc(CHUNK * sizeof(*reason));
	for (size_t lo = 0; lo < s.n; lo += CHUNK) {
		size_t k = s.n - lo < CHUNK ? s.n - lo : CHUNK;
		struct reasons r = { &m, &s, x, p, lo, c->reasons, reason };
		if (lo > 0)
			pdc_rows(&m.def, &s, hist, rows + lo, k, x,
				 c->forest.threads);
		if ((c->reasons
		     ? tsp_forest_predict_each(&m.forest, x, k, p + lo,
					       c->forest.threads, reasons_of,
					       &r, &err)
		     : tsp_forest_predict_many(&m.forest, x, k, p + lo, NULL,
					       c->forest.threads, &err)) < 0)
			tsp_cli_die(&err);
		for (size_t i = lo; i < lo + k; i++) {
			struct tsp_field f[4];
			f[0] = text(names[0], s.v[i].id);
			f[1] = boolean(names[1], p[i] >= m.threshold);
			f[2] = number(names[2], round(p[i] * 1e4) / 1e4, num);
			if (c->reasons)
				f[3] = text(names[3], reason[i - lo]);
			put(w, f, c->reasons ? 4 : 3);
		}
	}
	int status = tsp_cli_finish(c->cli, w);
	tsp_writer_free(w);
	free(cols);
	free(rows);
	free(hist);
	free(x);
	free(p);
	free(reason);
	pdc_model_release(&m);
	tsp_incidents_release(&s);
	return status;
}

int pdc_features(struct pdc_config *c)
{
	struct pdc_model m;
	struct tsp_incidents s;
	struct tsp_featdef *def = &m.def;
	struct tsp_writer *w;
	struct tsp_error err;
	struct tsp_field *f;
	const char **names, **cols = NULL;
	enum tsp_format fmt;
	size_t *rows, nf;
	double *x;
	char (*buf)[TSP_NUM_BUFSZ], when[TSP_TIME_BUFSZ];
	struct tsp_timefmt tf = { TSP_TIME_RFC3339, 0, 1, 0 };

	pdc_model_init(&m);
	tsp_incidents_init(&s);
	tsp_error_clear(&err);
	if (c->load) {
		pdc_model_load(c, &m);
		if (m.def.matrix) {
			cols = xmalloc(m.def.nfeat * sizeof(*cols));
			for (size_t j = 0; j < m.def.nfeat; j++)
				cols[j] = tsp_intern(m.def.name[j],
						     strlen(m.def.name[j]));
		}
		fmt = pdc_read(c, &s, &m.req, cols, m.def.nfeat);
	} else {
		fmt = pdc_read(c, &s, NULL, NULL, 0);
		tsp_featdef_release(def);
		*def = c->def;
		memset(&c->def, 0, sizeof(c->def));
		if ((c->map.matrix ? tsp_featdef_matrix(def, &s, &err)
				   : tsp_featdef_fit(def, &s, &c->map, NULL,
						     &err)) < 0)
			tsp_cli_die(&err);
	}
	nf = def->nfeat;
	names = xmalloc((nf + 3) * sizeof(*names));
	names[0] = tsp_intern("incident", 8);
	names[1] = tsp_intern("created", 7);
	names[2] = tsp_intern("label", 5);
	for (size_t j = 0; j < nf; j++)
		names[3 + j] = tsp_intern(def->name[j], strlen(def->name[j]));
	w = writer(fmt, names, nf + 3);
	rows = all_rows(s.n);
	x = pdc_matrix(def, &m.hist, &s, rows, s.n, c->forest.threads);
	f = xmalloc((nf + 3) * sizeof(*f));
	buf = xmalloc(nf * sizeof(*buf));
	for (size_t i = 0; i < s.n; i++) {
		f[0] = text(names[0], s.v[i].id);
		f[1] = text(names[1], "");
		if (s.v[i].created != TSP_TIME_NONE) {
			tsp_time_format(s.v[i].created, &tf, when);
			f[1] = text(names[1], when);
		}
		f[2] = boolean(names[2], s.v[i].label);
		for (size_t j = 0; j < nf; j++)
			f[3 + j] = number(names[3 + j], x[i * nf + j], buf[j]);
		put(w, f, nf + 3);
	}
	int status = tsp_cli_finish(c->cli, w);
	tsp_writer_free(w);
	free(names);
	free(cols);
	free(rows);
	free(x);
	free(f);
	free(buf);
	pdc_model_release(&m);
	tsp_incidents_release(&s);
	return status;
}

int pdc_noise(struct pdc_config *c)
{
	static const char *const fields[7] = {
		"service", "incidents", "labelled", "self_resolved",
		"self_resolved_share", "median_resolve_s", "flapping"
	};
	struct tsp_incidents s;
	struct tsp_noise_row *r;
	struct tsp_writer *w;
	struct tsp_error err;
	const char *names[7];
	enum tsp_format fmt;
	size_t n;
	char b[6][TSP_NUM_BUFSZ];

	tsp_incidents_init(&s);
	tsp_error_clear(&err);
	fmt = pdc_read(c, &s, NULL, NULL, 0);
	for (int k = 0; k < 7; k++)
		names[k] = tsp_intern(fields[k], strlen(fields[k]));
	w = writer(fmt, names, 7);
	if (tsp_noise_compute(&s, c->flap, &r, &n, &err) < 0)
		tsp_cli_die(&err);
	for (size_t i = 0; i < n; i++) {
		struct tsp_field f[7];
		f[0] = text(names[0], r[i].service);
		f[1] = number(names[1], (double)r[i].incidents, b[0]);
		f[2] = number(names[2], (double)r[i].labelled, b[1]);
		f[3] = number(names[3], (double)r[i].self_resolved, b[2]);
		f[4] = number(names[4], round(r[i].share * 1e4) / 1e4, b[3]);
		f[5] = number(names[5], r[i].median_resolve, b[4]);
		f[6] = number(names[6], (double)r[i].flapping, b[5]);
		put(w, f, 7);
	}
	int status = tsp_cli_finish(c->cli, w);
	tsp_writer_free(w);
	free(r);
	tsp_incidents_release(&s);
	return status;
}
