/*
 * tsforecast: forecasts per series, with prediction intervals.
 *
 * One pass over the records.  Each series' values are gathered on its
 * grid (tsp_grid) while its records are echoed; at the end each series
 * is fitted (tsp_forecast) and its forecast records follow.  --online
 * writes, on every record, the forecast made before seeing it: a series
 * is fitted once its first --warmup points are in (or comes fitted from
 * --load) and then only updated, so memory holds models, not data.
 * --evaluate holds out the end of each series and reports accuracy.
 *
 * This file is the story: options into a config, the read loop, the
 * end of the run.  tsforecast.h lists the files that do each part.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tsforecast.h"

static void usage(void)
{
	printf(
"Usage: tsforecast [-m METHOD] [-H DUR|N] [options] [file ...]\n"
"       tsforecast --online [options] [file ...]\n"
"       tsforecast --evaluate --holdout DUR|N [options] [file ...]\n"
"Forecast each series of a regular grid, with prediction intervals.\n"
"\n"
"Methods:\n"
"  -m, --method NAME          auto (default), ets, ses, holt, hw, theta,\n"
"                             stlf, naive, snaive, mean, drift, linear,\n"
"                             gru, lstm, rnn (recurrent networks, below)\n"
"      --model ETS            ets model as R writes it: ZZZ (default),\n"
"                             ANN, AAdN, MAM...; Z = choose\n"
"      --damped yes|no|auto   damped trend (ets: auto; holt, hw: no)\n"
"      --seasonal additive|multiplicative\n"
"                             hw's season (default additive)\n"
"      --ic aicc|aic|bic      ets model choice (default aicc)\n"
"      --maxit N              evaluations of each ETS model's search\n"
"                             (default 2000, R's; fewer is faster)\n"
"  -p, --period P[,P]|auto|none\n"
"                             seasonal periods as durations (1d,1w) or\n"
"                             steps (12); default: from the grid\n"
"      --step DUR             the grid step (default: detected; monthly,\n"
"                             quarterly and yearly dates are recognised)\n"
"Output:\n"
"  -H, --horizon DUR|N        forecast this far after each series\n"
"                             (default two periods, or 10 steps)\n"
"  -l, --level L[,L...]       interval levels in %% (default 95); with\n"
"                             several, lo80, hi80... are added\n"
"      --interval analytic|simulate|empirical\n"
"                             how intervals are made (default analytic)\n"
"      --nsim N               simulated paths (default 5000)\n"
"      --seed N               for simulation (default 1)\n"
"      --no-echo              write the forecast records only\n"
"      --online               on each record, the one-step forecast made\n"
"                             before it; then update the model\n"
"      --warmup DUR|N         --online: points fitted on before the first\n"
"                             forecast (default two periods + 2, or 10)\n"
"Recurrent networks (--method gru|lstm, or rnn with --cell):\n"
"      --cell gru|lstm        the cells of -m rnn (default gru)\n"
"      --lookback DUR|N       steps the encoder reads (default 60)\n"
"      --lags auto|none       inputs: the value a season back (default auto)\n"
"      --hidden N             units per layer (default 32)\n"
"      --layers N             stacked layers (default 1)\n"
"      --epochs N             at most (default 50; early stopping)\n"
"      --patience N           epochs without a better validation loss\n"
"                             before stopping (default 5)\n"
"      --threads N            training threads (default 1)\n"
"      --global               one network for all series (default)\n"
"      --per-series           one network per series\n"
"      --tz ZONE              time of day and weekday in ZONE\n"
"Models:\n"
"      --save FILE            keep each series' fitted model in FILE\n"
"      --load FILE            continue from saved models (no refit)\n"
"      --refit                with --load: refit the saved model kinds\n"
"Evaluation:\n"
"      --evaluate             fit on all but the last --holdout of each\n"
"                             series and report accuracy instead\n"
"      --holdout DUR|N        how much to hold out\n"
"      --report ndjson|table  evaluation output (default ndjson)\n"
"      --progress             show progress on stderr\n"
"\n"
"%s"
"\n"
"Adds kind, forecast, lo, hi, sigma and model.  Exit status: 0 ok,\n"
"1 data error, 2 usage.  See tsforecast(1) and tspipe(7).\n",
		tsp_cli_common_help);
}

/* Point pt into series idx: the model's update (its forecast of the
 * point made before it, in *f and *sd), or the values gathered, fitted
 * once --online's warm-up is in.  Returns 1 if a model loaded from the
 * store has seen the point already, 0, or -1 with err set. */
static int take_point(struct fc_state *st, size_t idx,
		      const struct tsp_record *rec, const struct tsp_point *pt,
		      double *f, double *sd, struct tsp_error *err)
{
	struct fc_series *s = &st->s[idx];
	double v = pt->missing ? NAN : pt->v;
	int64_t gap, refine;
	char q[80], msg[sizeof(err->msg)];

	if (s->state == S_MODEL && s->g.points && pt->t <= s->g.last &&
	    st->store && !st->cfg.refit)
		return 1;
	if ((gap = tsp_grid_add(&s->g, pt->t, &refine, err)) < 0) {
		memcpy(msg, err->msg, sizeof(msg));
		return tsp_error_at(err, TSP_EDATA, rec->input, rec->line,
				    "series %s: %s",
				    tsp_quote(q, sizeof(q), pt->key,
					      pt->keylen), msg);
	}
	if (s->state == S_MODEL && s->rnn) {
		for (int64_t i = 1; i < gap; i++)
			fc_rnn_update(st, s, NAN, gap - i, sd);
		*f = fc_rnn_update(st, s, v, 0, sd);
	} else if (s->state == S_MODEL) {
		for (int64_t i = 1; i < gap; i++)
			tsp_fc_update(s->model, NAN, sd);
		*f = tsp_fc_update(s->model, v, sd);
	} else if (s->state == S_COLLECT) {
		fc_series_push(s, v, gap, refine);
		if (st->cfg.online && s->g.points >= 2 &&
		    s->n >= fc_warmup(st, s)) {
			s->input = rec->input;
			s->line = rec->line;
			if (st->cfg.rnn.on)
				fc_rnn_fit_one(st, idx);  /* keeps its values */
			else if (fc_series_fit(st, idx, s->n) == 0) {
				free(s->y);
				s->y = NULL;
				s->n = s->cap = 0;
			}
		}
	}
	return 0;
}

static int record_cb(void *ctx, const struct tsp_record *rec,
		     const struct tsp_point *pt, size_t idx,
		     struct tsp_error *err)
{
	struct fc_state *st = ctx;
	struct fc_series *s = fc_series_at(st, idx);
	double f = NAN, sd = NAN;
	double lo[TSP_FC_MAXLEVELS], hi[TSP_FC_MAXLEVELS];
	char q[80];
	int seen;

	if (st->store && !s->looked_up &&
	    fc_store_lookup(st, idx, pt, rec, err) < 0)
		return -1;
	if (!pt->missing && isinf(pt->v))
		return tsp_error_at(err, TSP_EDATA, rec->input, rec->line,
				    "infinite value in series %s",
				    tsp_quote(q, sizeof(q), pt->key,
					      pt->keylen));
	if ((seen = take_point(st, idx, rec, pt, &f, &sd, err)) < 0)
		return -1;
	/* the last record is the template of the forecast records */
	if (!seen && tsp_recbuf_copy(&s->last, rec, err) < 0)
		tsp_cli_die(err);
	s->tfmt = pt->tfmt;
	s->ti = pt->ti;
	s->vi = pt->vi;
	s->input = rec->input;
	s->line = rec->line;
	if (st->cfg.no_echo || st->cfg.evaluate)
		return 0;
	tsp_row_start(&st->row, rec);
	if (st->cfg.online && !isnan(f)) {
		/* the interval of a one-step forecast */
		if (s->rnn)
			fc_rnn_intervals(st, s, 1, &f, lo, hi);
		else
			fc_intervals(st, s->model, 1, &f, &sd, 0, lo, hi);
		fc_put_forecast(st, s, "observed", f, sd, lo, hi);
	} else {
		fc_put_forecast(st, NULL, "observed", NAN, NAN, NULL, NULL);
	}
	tsp_row_time(&st->row, st->cli, pt->ti, pt->t, &pt->tfmt);
	tsp_row_write(&st->row, st->in.w);
	return 0;
}

/* After the input, series idx: fitted if it is not yet, then its
 * forecast records. */
static void forecast_series(struct fc_state *st, size_t idx)
{
	struct fc_series *s = &st->s[idx];
	struct tsp_fc_opts o;
	size_t h;

	if (s->state == S_COLLECT && s->n && !st->cfg.rnn.on)
		fc_series_fit(st, idx, s->n);
	if (st->cfg.online && !st->cfg.horizon_given)
		return;		/* the one-step forecasts were all */
	fc_series_opts(st, s, NULL, 0, &o);
	h = fc_steps(s, &st->cfg.horizon);
	if (!st->cfg.horizon_given)
		h = st->cfg.rnn.on || s->rnn ? (s->rnn ? s->rnn->net->a.horizon
					     : 10)
		    : o.np ? 2 * o.period[0] : 10;
	else if (h == 0 && s->state == S_MODEL &&
		 (s->g.step || s->g.months)) {
		fc_off_step(st, idx, "--horizon", st->cfg.horizon_arg);
		return;
	}
	fc_write_forecasts(st, idx, h);
}

/* After the input: forecast or evaluate each series in the order first
 * seen, warn of what was forecast more simply than asked, save. */
static void finish(struct fc_state *st)
{
	size_t ns = tsp_table_count(st->in.series);
	struct tsp_writer *ew = NULL;
	int progress = st->cfg.progress && ns > 1;

	if (st->cfg.rnn.on && !st->cfg.online)
		fc_rnn_train_all(st, st->cfg.evaluate);
	if (st->cfg.evaluate)
		ew = fc_eval_begin(st);
	for (size_t i = 0; i < ns; i++) {
		if (progress && i % 1000 == 0)
			fprintf(stderr, "\rtsforecast: %zu/%zu series", i, ns);
		if (st->cfg.evaluate)
			fc_evaluate(st, i, ew);
		else
			forecast_series(st, i);
	}
	if (progress)
		fprintf(stderr, "\rtsforecast: %zu/%zu series\n", ns, ns);
	if (st->cfg.evaluate)
		fc_eval_end(st, ew);
	fc_report_fallbacks(st);
	if (st->cfg.save)
		fc_store_save(st);
}

int main(int argc, char **argv)
{
	struct tsp_cli cli;
	struct tsp_table series;
	struct tsp_error err;
	struct fc_state st;
	static const char *extra[6 + 2 * TSP_FC_MAXLEVELS];
	size_t nextra;
	int status;

	tsp_cli_init(&cli, "tsforecast", argv);
	memset(&st, 0, sizeof(st));
	fc_options_parse(argc, argv, &cli, &st.cfg, usage);
	tsp_error_clear(&err);
	if (tsp_spec_init(&cli.spec, &err) < 0)
		tsp_cli_die(&err);
	st.cli = &cli;
	nextra = fc_fields_init(&st, extra);
	tsp_table_init(&series);
	tsp_input_init(&st.in, &cli, &series);
	st.in.check_order = 1;
	st.in.extra = extra;
	st.in.nextra = nextra;
	st.in.no_output = st.cfg.evaluate;
	tsp_row_init(&st.row);
	tsp_params_init(&st.params);
	if (st.cfg.load) {
		st.store = tsp_store_open(st.cfg.load, "tsforecast", &err);
		if (!st.store)
			tsp_cli_die(&err);
	}

	tsp_input_each(&st.in, argc, argv, optind, record_cb, &st);
	finish(&st);

	status = tsp_cli_finish(&cli, st.in.w);
	if (status == 0 && st.failed)
		status = TSP_EXIT_DATA;
	fc_state_release(&st);
	tsp_input_release(&st.in);
	tsp_table_release(&series);
	tsp_cli_release(&cli);
	return status;
}
