/*
 * tsforecast --evaluate: each series' last --holdout points are held out,
 * the rest fitted and forecast; the accuracy of that forecast is reported
 * per series and over all (as NDJSON records or a table on stdout).
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "tsforecast.h"

struct tsp_writer *fc_eval_begin(struct fc_state *st)
{
	struct tsp_writer *ew;

	if (st->cfg.table) {
		printf("%-24s %-18s %5s %4s %10s %10s %8s %8s", "series",
		       "model", "n", "h", "MAE", "RMSE", "sMAPE", "MASE");
		for (size_t k = 0; k < st->cfg.nlevel; k++)
			printf("  cov%-3g", st->cfg.level[k]);
		printf("\n");
		return NULL;
	}
	ew = tsp_writer_new(STDOUT_FILENO, TSP_FMT_NDJSON);
	if (!ew)
		fc_die_nomem();
	tsp_cli_set_output(ew);
	return ew;
}

/* Start a report record: no input record under it. */
static void report_row(struct fc_state *st, const char *scope)
{
	st->row.src = NULL;
	st->row.n = 0;
	tsp_row_str(&st->row, tsp_intern("scope", 5), scope);
}

/* The coverage of each level: fields coverageL, or table columns. */
static void coverage(struct fc_state *st, const double *cov)
{
	char name[32];

	for (size_t k = 0; k < st->cfg.nlevel; k++) {
		if (st->cfg.table) {
			printf(" %6.3f", cov[k]);
			continue;
		}
		snprintf(name, sizeof(name), "coverage%g", st->cfg.level[k]);
		tsp_row_num(&st->row, tsp_intern(name, strlen(name)), cov[k]);
	}
}

/* The accuracy of series idx (n points fitted, h held out). */
static void report_series(struct fc_state *st, size_t idx, size_t n,
			  size_t h, const struct tsp_fc_accuracy *acc,
			  struct tsp_writer *w)
{
	const struct fc_series *s = &st->s[idx];
	size_t keylen;
	const char *key = tsp_table_key(st->in.series, idx, &keylen);
	char *k0;

	if (st->cfg.table) {
		printf("%-24.*s %-18s %5zu %4zu %10.4g %10.4g %8.3f %8.4f",
		       (int)(keylen > 24 ? 24 : keylen), key, s->label, n, h,
		       acc->mae, acc->rmse, acc->smape, acc->mase);
		coverage(st, acc->coverage);
		printf("\n");
		return;
	}
	/* the key's fields joined by commas */
	k0 = fc_xrealloc(NULL, keylen + 1);
	for (size_t j = 0; j < keylen; j++)
		k0[j] = key[j] == 0x1f ? ',' : key[j];
	k0[keylen] = '\0';
	report_row(st, "series");
	tsp_row_str(&st->row, tsp_intern("series", 6), k0);
	tsp_row_str(&st->row, tsp_intern("method", 6),
		    tsp_fc_method_name(st->cfg.fc.method));
	tsp_row_str(&st->row, tsp_intern("model", 5), s->label);
	tsp_row_num(&st->row, tsp_intern("n", 1), (double)n);
	tsp_row_num(&st->row, tsp_intern("h", 1), (double)h);
	tsp_row_num(&st->row, tsp_intern("mae", 3), acc->mae);
	tsp_row_num(&st->row, tsp_intern("rmse", 4), acc->rmse);
	tsp_row_num(&st->row, tsp_intern("smape", 5), acc->smape);
	tsp_row_num(&st->row, tsp_intern("mase", 4), acc->mase);
	coverage(st, acc->coverage);
	tsp_row_write(&st->row, w);
	free(k0);
}

void fc_evaluate(struct fc_state *st, size_t idx, struct tsp_writer *w)
{
	struct fc_series *s = &st->s[idx];
	size_t h = fc_steps(s, &st->cfg.holdout), nl = st->cfg.nlevel, n;
	struct tsp_fc_accuracy acc;
	struct tsp_error err;
	struct fc_path p;
	char q[80];

	if (!s->n || (s->state != S_COLLECT && !s->rnn))
		return;
	if (h == 0) {
		fc_off_step(st, idx, "--holdout", st->cfg.holdout_arg);
		return;
	}
	if (h >= s->n) {
		tsp_error_at(&err, TSP_EDATA, s->input, s->line, "series %s: "
			     "%zu points, too few to hold out %zu", fc_key(st,
			     idx, q, sizeof(q)), s->n, h);
		tsp_cli_print_error(&err, "");
		st->failed++;
		return;
	}
	n = s->n - h;
	if (s->rnn)	/* trained already, on the first n of each series */
		fc_rnn_path(st, s, n, h, &p);
	else if (fc_series_fit(st, idx, n) < 0)
		return;
	else
		fc_path_make(st, s, h, &p);
	tsp_fc_accuracy(s->y, n, s->m, s->y + n, p.mean, h, p.lo, p.hi, nl,
			&acc);
	report_series(st, idx, n, h, &acc, w);
	/* the totals: MASE as a geometric mean, coverage over all points */
	if (acc.mase > 0 && isfinite(acc.mase)) {
		st->log_mase += log(acc.mase);
		st->nmase++;
	}
	if (acc.n) {
		st->sum_mae += acc.mae;
		st->sum_rmse += acc.rmse;
		st->sum_smape += acc.smape;
		for (size_t k = 0; k < nl; k++)
			st->cov[k] += acc.coverage[k] * (double)acc.n;
		st->ncov += acc.n;
		st->neval++;
	}
	fc_path_release(&p);
}

/* The overall line. */
static void report_total(struct fc_state *st, struct tsp_writer *w)
{
	double gm = st->nmase ? exp(st->log_mase / (double)st->nmase) : NAN;
	double ne = st->neval ? (double)st->neval : NAN;
	double cov[TSP_FC_MAXLEVELS];

	for (size_t k = 0; k < st->cfg.nlevel; k++)
		cov[k] = st->ncov ? st->cov[k] / (double)st->ncov : NAN;
	if (st->cfg.table) {
		printf("%-24s %-18s %5s %4s %10.4g %10.4g %8.3f %8.4f", "(all: "
		       "mean; MASE geometric)", "", "", "", st->sum_mae / ne,
		       st->sum_rmse / ne, st->sum_smape / ne, gm);
		coverage(st, cov);
		printf("\n");
		return;
	}
	report_row(st, "all");
	tsp_row_str(&st->row, tsp_intern("method", 6),
		    tsp_fc_method_name(st->cfg.fc.method));
	tsp_row_num(&st->row, tsp_intern("count", 5), (double)st->neval);
	tsp_row_num(&st->row, tsp_intern("mae", 3), st->sum_mae / ne);
	tsp_row_num(&st->row, tsp_intern("rmse", 4), st->sum_rmse / ne);
	tsp_row_num(&st->row, tsp_intern("smape", 5), st->sum_smape / ne);
	tsp_row_num(&st->row, tsp_intern("mase_gmean", 10), gm);
	coverage(st, cov);
	tsp_row_write(&st->row, w);
}

void fc_eval_end(struct fc_state *st, struct tsp_writer *w)
{
	struct tsp_error err;

	report_total(st, w);
	tsp_error_clear(&err);
	if (w) {
		if (tsp_writer_flush(w, &err) < 0)
			tsp_cli_die(&err);
		tsp_writer_free(w);
		tsp_cli_set_output(NULL);
	} else if (fflush(stdout) == EOF) {
		tsp_error_set(&err, TSP_ESYS, "write error");
		tsp_cli_die(&err);
	}
}
