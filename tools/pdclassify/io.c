/*
 * pdclassify: reading the incidents of every input, and their feature
 * matrix.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pdclassify.h"

void pdc_die(const struct tsp_error *err)
{
	tsp_cli_die(err);
}

enum tsp_format pdc_read(struct pdc_config *c, struct tsp_incidents *s,
			 const struct tsp_incidents *req,
			 const char *const *cols, size_t ncols)
{
	enum tsp_format fmt = TSP_FMT_AUTO;
	int nin = c->argc - c->first;

	for (int k = 0; k < (nin ? nin : 1); k++) {
		const char *path = nin ? c->argv[c->first + k] : "-";
		struct tsp_increader *r;
		struct tsp_record *rec;
		struct tsp_error err;
		int rc;

		tsp_error_clear(&err);
		if (strcmp(path, "-") == 0)
			tsp_input_spool("-");
		r = tsp_increader_open(path, c->cli->in_fmt, &err);
		if (!r)
			tsp_cli_die(&err);
		if (fmt == TSP_FMT_AUTO)
			fmt = tsp_increader_format(r);
		while ((rc = tsp_increader_next(r, &rec, &err)) != 0) {
			if (rc > 0) {
				rc = c->map.matrix
				     ? tsp_incidents_add_row(s, &c->map, rec,
							     cols, ncols, &err)
				     : tsp_incidents_add(s, &c->map, rec, req,
							 &err);
				if (rc == 0)
					continue;
			}
			if (err.code != TSP_EDATA || tsp_increader_failed(r))
				tsp_cli_die(&err);
			tsp_cli_record_error(c->cli, &err);
		}
		if (tsp_increader_empty(r))
			tsp_cli_warn("%s: empty input", tsp_increader_name(r));
		tsp_increader_free(r);
	}
	return c->cli->out_fmt ? c->cli->out_fmt : fmt;
}

struct rowjob {
	const struct tsp_featdef *def;
	const struct tsp_incidents *s;
	const double *hist;
	const size_t *rows;
	double *x;
};

static void rows_of(void *arg, size_t lo, size_t hi)
{
	struct rowjob *j = arg;
	struct tsp_error err;

	/* (Building rows fails only when out of memory, and does not.) */
	tsp_features_rows(j->def, j->s, j->hist, j->rows + lo, hi - lo,
			  j->x + lo * j->def->nfeat, &err);
}

double *pdc_history(const struct tsp_featdef *def, struct tsp_history *h,
		    const struct tsp_incidents *s)
{
	struct tsp_error err;
	double *hist;

	if (def->matrix)
		return NULL;
	tsp_error_clear(&err);
	hist = malloc((s->n ? s->n : 1) * TSP_FEAT_HISTORY * sizeof(*hist));
	if (!hist) {
		tsp_error_set(&err, TSP_ENOMEM, "out of memory");
		tsp_cli_die(&err);
	}
	if (tsp_features_history(h, s, hist, &err) < 0)
		tsp_cli_die(&err);
	return hist;
}

void pdc_rows(const struct tsp_featdef *def, const struct tsp_incidents *s,
	      const double *hist, const size_t *rows, size_t n, double *x,
	      int threads)
{
	struct rowjob j = { def, s, hist, rows, x };

	tsp_forest_parallel(n, 4096, threads, rows_of, &j);
}

double *pdc_matrix(const struct tsp_featdef *def, struct tsp_history *h,
		   const struct tsp_incidents *s, const size_t *rows,
		   size_t n, int threads)
{
	struct tsp_error err;
	double *hist, *x;

	tsp_error_clear(&err);
	x = malloc((n ? n : 1) * def->nfeat * sizeof(*x));
	if (!x) {
		tsp_error_set(&err, TSP_ENOMEM, "out of memory");
		tsp_cli_die(&err);
	}
	hist = pdc_history(def, h, s);
	pdc_rows(def, s, hist, rows, n, x, threads);
	free(hist);
	return x;
}
