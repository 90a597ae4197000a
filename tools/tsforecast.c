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
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "tool_io.h"
#include "tsp_forecast.h"
#include "tsp_grid.h"
#include "tsp_season.h"
#include "tsp_store.h"

enum {
	OPT_METHOD = 1000, OPT_MODEL, OPT_DAMPED, OPT_SEASONAL, OPT_PERIOD,
	OPT_HORIZON, OPT_LEVEL, OPT_NO_ECHO, OPT_ONLINE, OPT_WARMUP,
	OPT_SAVE, OPT_LOAD, OPT_REFIT, OPT_EVALUATE, OPT_HOLDOUT,
	OPT_REPORT, OPT_INTERVAL, OPT_NSIM, OPT_SEED, OPT_IC, OPT_STEP,
	OPT_PROGRESS
};

static const struct option longopts[] = {
	{"method", required_argument, NULL, 'm'},
	{"model", required_argument, NULL, OPT_MODEL},
	{"damped", required_argument, NULL, OPT_DAMPED},
	{"seasonal", required_argument, NULL, OPT_SEASONAL},
	{"period", required_argument, NULL, 'p'},
	{"horizon", required_argument, NULL, 'H'},
	{"level", required_argument, NULL, 'l'},
	{"no-echo", no_argument, NULL, OPT_NO_ECHO},
	{"online", no_argument, NULL, OPT_ONLINE},
	{"warmup", required_argument, NULL, OPT_WARMUP},
	{"save", required_argument, NULL, OPT_SAVE},
	{"load", required_argument, NULL, OPT_LOAD},
	{"refit", no_argument, NULL, OPT_REFIT},
	{"evaluate", no_argument, NULL, OPT_EVALUATE},
	{"holdout", required_argument, NULL, OPT_HOLDOUT},
	{"report", required_argument, NULL, OPT_REPORT},
	{"interval", required_argument, NULL, OPT_INTERVAL},
	{"nsim", required_argument, NULL, OPT_NSIM},
	{"seed", required_argument, NULL, OPT_SEED},
	{"ic", required_argument, NULL, OPT_IC},
	{"step", required_argument, NULL, OPT_STEP},
	{"progress", no_argument, NULL, OPT_PROGRESS},
	TSP_CLI_LONGOPTS,
	{NULL, 0, NULL, 0}
};

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
"                             stlf, naive, snaive, mean, drift, linear\n"
"      --model ETS            ets model as R writes it: ZZZ (default),\n"
"                             ANN, AAdN, MAM...; Z = choose\n"
"      --damped yes|no|auto   damped trend (ets: auto; holt, hw: no)\n"
"      --seasonal additive|multiplicative\n"
"                             hw's season (default additive)\n"
"      --ic aicc|aic|bic      ets model choice (default aicc)\n"
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

/* An amount given as a duration or as a number of steps. */
struct amount {
	long steps;		/* > 0 when given as a number */
	tsp_time_t dur;		/* > 0 when given as a duration */
};

enum interval_mode { IV_ANALYTIC, IV_SIMULATE, IV_EMPIRICAL };

struct config {
	struct tsp_fc_opts fc;
	int period_mode;	/* 0 grid, 1 given, 2 auto, 3 none */
	struct amount period[TSP_FC_MAXP];
	size_t nperiod;
	struct amount horizon, warmup, holdout;
	double level[TSP_FC_MAXLEVELS];
	size_t nlevel;
	enum interval_mode interval;
	size_t nsim;
	unsigned long seed;
	tsp_time_t step;
	const char *save, *load;
	const char *horizon_arg, *holdout_arg;	/* as given, for messages */
	int refit, online, evaluate, no_echo, table, progress;
	int horizon_given;
	char options[512];	/* for the store */
};

enum sstate { S_COLLECT, S_MODEL, S_FAILED };

struct series {
	struct tsp_grid g;
	double *y;		/* S_COLLECT: values per slot, NaN = missing */
	size_t n, cap;
	struct tsp_fc_model *model;	/* S_MODEL */
	struct tsp_fc_model *prior;	/* --load --refit: the saved kind */
	enum sstate state;
	int looked_up;
	struct tsp_recbuf last;	/* template of the forecast records */
	struct tsp_timefmt tfmt;
	long ti, vi;
	const char *input;
	long line;
	size_t m;		/* the MASE period (evaluation) */
	char label[80];
};

struct state {
	struct config cfg;
	struct tsp_cli *cli;
	struct tsp_input in;
	struct series *s;
	size_t ns;
	struct tsp_store *store;
	struct tsp_params params;
	struct tsp_row row;
	const char *f_kind, *f_fc, *f_lo, *f_hi, *f_sigma, *f_model;
	const char *f_lol[TSP_FC_MAXLEVELS], *f_hil[TSP_FC_MAXLEVELS];
	long fallback[5], failed, nostep;
	char fallback_key[5][80], nostep_key[80];
	/* evaluation totals */
	double log_mase, sum_mae, sum_rmse, sum_smape, cov[TSP_FC_MAXLEVELS];
	size_t nmase, neval, ncov;
};

static void die_nomem(void)
{
	struct tsp_error err;

	tsp_error_set(&err, TSP_ENOMEM, "out of memory");
	tsp_cli_die(&err);
}

static void *xrealloc(void *p, size_t n)
{
	void *q = realloc(p, n ? n : 1);
	if (!q)
		die_nomem();
	return q;
}

static struct series *series_at(struct state *st, size_t idx)
{
	if (idx >= st->ns) {
		size_t n = st->ns ? st->ns * 2 : 1024;
		while (n <= idx)
			n *= 2;
		st->s = xrealloc(st->s, n * sizeof(*st->s));
		memset(st->s + st->ns, 0, (n - st->ns) * sizeof(*st->s));
		for (size_t i = st->ns; i < n; i++)
			tsp_grid_init(&st->s[i].g, st->cfg.step);
		st->ns = n;
	}
	return &st->s[idx];
}

static const char *key_of(const struct state *st, size_t i, char *q, size_t n)
{
	size_t len;
	const char *key = tsp_table_key(st->in.series, i, &len);

	return tsp_quote(q, n, key, len);
}

/* An amount in steps of s's grid (0 if it does not divide). */
static size_t steps_of(const struct series *s, const struct amount *a)
{
	if (a->steps > 0)
		return (size_t)a->steps;
	if (a->dur <= 0 || s->g.months || s->g.step <= 0 ||
	    a->dur % s->g.step != 0)
		return 0;
	return (size_t)(a->dur / s->g.step);
}

/* The options of one series: its seasonal periods from the grid, the
 * command line or detection, in steps, ascending. */
static int series_opts(const struct state *st, const struct series *s,
		       const double *y, size_t n, struct tsp_fc_opts *o)
{
	int dropped = 0;

	const struct config *c = &st->cfg;
	size_t p[TSP_FC_MAXP], np = 0;

	*o = c->fc;
	o->np = 0;
	if (c->period_mode == 1) {
		for (size_t k = 0; k < c->nperiod; k++) {
			size_t v = steps_of(s, &c->period[k]);
			if (v >= 2)
				p[np++] = v;
		}
	} else if (c->period_mode == 0) {
		np = tsp_grid_periods(&s->g, p, TSP_FC_MAXP);
	} else if (c->period_mode == 2 && y) {
		struct tsp_error err;
		long r;
		tsp_error_clear(&err);
		r = tsp_season_find(y, n, n / 2, p, NULL, 2, &err);
		np = r > 0 ? (size_t)r : 0;
	}
	/* ascending; periods the series does not cover twice are dropped
	 * (known at fit time only: online warm-up keeps them) */
	for (size_t i = 1; i < np; i++)
		for (size_t j = i; j > 0 && p[j] < p[j - 1]; j--) {
			size_t t = p[j];
			p[j] = p[j - 1];
			p[j - 1] = t;
		}
	for (size_t k = 0; k < np; k++)
		if (!y || n >= 2 * p[k] || (k == 0 && c->period_mode == 1))
			o->period[o->np++] = p[k];
		else
			dropped = 1;
	if (c->horizon.steps || c->horizon.dur)
		o->horizon = steps_of(s, &c->horizon);
	if (c->evaluate)
		o->horizon = steps_of(s, &c->holdout);
	return dropped;
}

/* What the series' prior (--load --refit) says to fit. */
static void prior_opts(const struct series *s, struct tsp_fc_opts *o)
{
	const struct tsp_fc_model *p = s->prior;

	if (!p)
		return;
	o->method = p->kind;
	if (p->kind == TSP_FC_ETS) {
		o->ets.error = p->ets.error;
		o->ets.trend = p->ets.trend;
		o->ets.season = p->ets.season;
		o->ets.damped = p->ets.damped;
	}
}

static void note_fallback(struct state *st, size_t idx,
			  const struct tsp_fc_model *m)
{
	if (m->fallback == TSP_FC_FB_NONE)
		return;
	if (st->fallback[m->fallback]++ == 0)
		key_of(st, idx, st->fallback_key[m->fallback],
		       sizeof(st->fallback_key[0]));
}

static int seasonal_method(enum tsp_fc_method m)
{
	return m == TSP_FC_AUTO || m == TSP_FC_ETS || m == TSP_FC_HW ||
	       m == TSP_FC_THETA || m == TSP_FC_STLF || m == TSP_FC_SNAIVE;
}

/* Fit series idx on its gathered values; a failure is reported against
 * its last record. */
static int fit_series(struct state *st, size_t idx, size_t n)
{
	struct series *s = &st->s[idx];
	struct tsp_fc_opts o;
	struct tsp_error err;
	char q[80], msg[sizeof(err.msg)];
	int dropped;

	dropped = series_opts(st, s, s->y, n, &o);
	prior_opts(s, &o);
	s->m = o.np ? o.period[0] : 1;
	s->model = calloc(1, sizeof(*s->model));
	if (!s->model)
		die_nomem();
	tsp_error_clear(&err);
	if (tsp_fc_fit(s->model, &o, s->y, n, &err) == 0 &&
	    (st->cfg.interval != IV_EMPIRICAL ||
	     tsp_fc_calibrate(s->model, &o, s->y, n,
			      st->cfg.online ? 1 : (o.horizon ? o.horizon : 1),
			      st->cfg.level, st->cfg.nlevel, &err) == 0)) {
		s->state = S_MODEL;
		if (dropped && seasonal_method(o.method) &&
		    s->model->fallback == TSP_FC_FB_NONE)
			s->model->fallback = TSP_FC_FB_SHORT;
		note_fallback(st, idx, s->model);
		tsp_fc_label(s->model, s->label, sizeof(s->label));
		return 0;
	}
	if (err.code != TSP_EDATA)
		tsp_cli_die(&err);
	memcpy(msg, err.msg, sizeof(msg));
	tsp_error_at(&err, TSP_EDATA, s->input, s->line, "series %s: %s",
		     key_of(st, idx, q, sizeof(q)), msg);
	tsp_cli_print_error(&err, st->cli->skip_errors ? " (no forecast)"
			    : "");
	st->failed++;
	tsp_fc_model_release(s->model);
	free(s->model);
	s->model = NULL;
	s->state = S_FAILED;
	return -1;
}

/* Set the forecast fields of the row; NaN mean: all missing. */
static void put_forecast(struct state *st, const struct series *s,
			 const char *kind, double mean, double sd,
			 const double *lo, const double *hi)
{
	tsp_row_str(&st->row, st->f_kind, kind);
	tsp_row_num(&st->row, st->f_fc, mean);
	tsp_row_num(&st->row, st->f_lo, lo ? lo[0] : NAN);
	tsp_row_num(&st->row, st->f_hi, hi ? hi[0] : NAN);
	tsp_row_num(&st->row, st->f_sigma, sd);
	if (s && s->state == S_MODEL && !isnan(mean))
		tsp_row_str(&st->row, st->f_model, s->label);
	else
		tsp_row_num(&st->row, st->f_model, NAN);
	for (size_t k = 0; st->cfg.nlevel > 1 && k < st->cfg.nlevel; k++) {
		tsp_row_num(&st->row, st->f_lol[k], lo ? lo[k] : NAN);
		tsp_row_num(&st->row, st->f_hil[k], hi ? hi[k] : NAN);
	}
}

/* Intervals of one forecast at every level: lo[k], hi[k]. */
static void intervals(struct state *st, const struct tsp_fc_model *m,
		      size_t h, const double *mean, const double *sd,
		      double df, double *lo, double *hi)
{
	struct tsp_error err;
	const struct config *c = &st->cfg;

	double *nan = NULL;
	int ets = m->kind == TSP_FC_ETS || m->kind == TSP_FC_SES ||
		  m->kind == TSP_FC_HOLT || m->kind == TSP_FC_HW ||
		  m->kind == TSP_FC_STLF;

	tsp_error_clear(&err);
	if (c->interval == IV_SIMULATE && ets && !m->ncal) {
		/* no sd: tsp_fc_interval simulates */
		nan = xrealloc(NULL, h * sizeof(*nan));
		for (size_t i = 0; i < h; i++)
			nan[i] = NAN;
		sd = nan;
	}
	for (size_t k = 0; k < c->nlevel; k++)
		if (tsp_fc_interval(m, h, c->level[k], mean, sd, df, c->nsim,
				    c->seed, lo + k * h, hi + k * h, &err) < 0)
			tsp_cli_die(&err);
	free(nan);
}

/* --load: the saved model of series idx (and its grid), once. */
static int lookup(struct state *st, size_t idx, const struct tsp_point *pt,
		  const struct tsp_record *rec, struct tsp_error *err)
{
	struct series *s = &st->s[idx];
	struct tsp_param it, ns;
	struct tsp_fc_model *m;
	char q[80], msg[sizeof(err->msg)];
	int rc;

	s->looked_up = 1;
	rc = tsp_store_get(st->store, pt->key, pt->keylen, &st->params, err);
	if (rc < 0)
		tsp_cli_die(err);
	if (rc == 0)
		return tsp_error_at(err, TSP_EDATA, rec->input, rec->line,
				    "no saved model for series %s in %s",
				    tsp_quote(q, sizeof(q), pt->key,
					      pt->keylen), st->cfg.load);
	if (!(m = calloc(1, sizeof(*m))))
		die_nomem();
	if (tsp_fc_load(m, st->params.buf, st->params.len, err) < 0)
		goto corrupt;
	if (tsp_params_find(st->params.buf, st->params.len, "grid_months",
			    &it) != 1 || it.type != TSP_PARAM_NUM ||
	    !(it.num >= 0 && it.num <= 12))
		goto bad;
	s->g.months = (int)it.num;
	if (tsp_params_find(st->params.buf, st->params.len, "grid_step",
			    &it) != 1 || it.type != TSP_PARAM_NUM ||
	    !(it.num >= 0 && it.num < 9e18) || (it.num == 0) == !s->g.months)
		goto bad;
	s->g.step = (tsp_time_t)it.num;
	s->g.fixed = 1;
	if (tsp_params_find(st->params.buf, st->params.len, "last_s", &it) != 1
	    || tsp_params_find(st->params.buf, st->params.len, "last_ns",
			       &ns) != 1 || it.type != TSP_PARAM_NUM ||
	    ns.type != TSP_PARAM_NUM || !(fabs(it.num) < 9e9) ||
	    !(ns.num >= 0 && ns.num < 1e9))
		goto bad;
	s->g.first = s->g.last = (tsp_time_t)it.num * TSP_NS_PER_SEC +
				 (tsp_time_t)ns.num;
	s->g.points = 1;
	if (tsp_params_find(st->params.buf, st->params.len, "mase_period",
			    &it) == 1 && it.type == TSP_PARAM_NUM &&
	    it.num >= 1 && it.num < 1e9)
		s->m = (size_t)it.num;
	if (st->cfg.refit) {
		/* learn the series afresh on the saved grid step */
		int months = s->g.months;
		tsp_grid_init(&s->g, s->g.step);
		s->g.months = months;
		s->prior = m;
		return 0;
	}
	s->model = m;
	s->state = S_MODEL;
	tsp_fc_label(m, s->label, sizeof(s->label));
	return 0;
bad:
	tsp_error_set(err, TSP_EDATA, "corrupt model entry (grid)");
corrupt:
	tsp_fc_model_release(m);
	free(m);
	memcpy(msg, err->msg, sizeof(msg));
	tsp_error_at(err, TSP_EDATA, st->cfg.load, 0, "series %s: %s",
		     tsp_quote(q, sizeof(q), pt->key, pt->keylen), msg);
	tsp_cli_die(err);
}

static void push_value(struct series *s, double v, int64_t gap,
		       int64_t refine)
{
	size_t need;

	if (refine > 1 && s->n) {
		/* a finer step: spread the values held over it */
		size_t n = (s->n - 1) * (size_t)refine + 1;
		double *y = xrealloc(NULL, (n + 16) * sizeof(*y));
		for (size_t i = 0; i < n; i++)
			y[i] = NAN;
		for (size_t i = 0; i < s->n; i++)
			y[i * (size_t)refine] = s->y[i];
		free(s->y);
		s->y = y;
		s->n = n;
		s->cap = n + 16;
	}
	need = s->n + (size_t)(gap > 0 ? gap : 1);
	if (need > s->cap) {
		s->cap = need * 2 > 64 ? need * 2 : 64;
		s->y = xrealloc(s->y, s->cap * sizeof(*s->y));
	}
	for (int64_t i = 1; i < gap; i++)
		s->y[s->n++] = NAN;
	s->y[s->n++] = v;
}

/* The warm-up of --online, in points (known once the step is). */
static size_t warmup_of(const struct state *st, const struct series *s)
{
	struct tsp_fc_opts o;
	size_t w;

	if (st->cfg.warmup.steps || st->cfg.warmup.dur) {
		w = steps_of(s, &st->cfg.warmup);
		return w ? w : 10;
	}
	series_opts(st, s, NULL, 0, &o);
	w = o.np ? 2 * o.period[o.np - 1] + 2 : 10;
	return w > 10 ? w : 10;
}

static int record_cb(void *ctx, const struct tsp_record *rec,
		     const struct tsp_point *pt, size_t idx,
		     struct tsp_error *err)
{
	struct state *st = ctx;
	struct series *s = series_at(st, idx);
	double v = pt->missing ? NAN : pt->v, f = NAN, sd = NAN;
	double lo[TSP_FC_MAXLEVELS], hi[TSP_FC_MAXLEVELS];
	int64_t gap, refine;
	char q[80], msg[sizeof(err->msg)];
	int seen = 0, have = 0;

	if (st->store && !s->looked_up && lookup(st, idx, pt, rec, err) < 0)
		return -1;
	if (isinf(v))
		return tsp_error_at(err, TSP_EDATA, rec->input, rec->line,
				    "infinite value in series %s",
				    tsp_quote(q, sizeof(q), pt->key,
					      pt->keylen));
	if (s->state == S_MODEL && s->g.points && pt->t <= s->g.last &&
	    st->store && !st->cfg.refit) {
		seen = 1;	/* the saved model has seen it */
	} else if ((gap = tsp_grid_add(&s->g, pt->t, &refine, err)) < 0) {
		memcpy(msg, err->msg, sizeof(msg));
		return tsp_error_at(err, TSP_EDATA, rec->input, rec->line,
				    "series %s: %s",
				    tsp_quote(q, sizeof(q), pt->key,
					      pt->keylen), msg);
	} else if (s->state == S_MODEL) {
		for (int64_t i = 1; i < gap; i++)
			tsp_fc_update(s->model, NAN, &sd);
		f = tsp_fc_update(s->model, v, &sd);
		have = st->cfg.online;
	} else if (s->state == S_COLLECT) {
		push_value(s, v, gap, refine);
		if (st->cfg.online && s->g.points >= 2 &&
		    s->n >= warmup_of(st, s)) {
			s->input = rec->input;
			s->line = rec->line;
			if (fit_series(st, idx, s->n) == 0) {
				free(s->y);
				s->y = NULL;
				s->n = s->cap = 0;
			}
		}
	}
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
	if (have && !isnan(f)) {
		double df = 0;
		/* the interval of a one-step forecast */
		intervals(st, s->model, 1, &f, &sd, df, lo, hi);
		put_forecast(st, s, "observed", f, sd, lo, hi);
	} else {
		put_forecast(st, NULL, "observed", NAN, NAN, NULL, NULL);
	}
	tsp_row_time(&st->row, st->cli, pt->ti, pt->t, &pt->tfmt);
	tsp_row_write(&st->row, st->in.w);
	return 0;
}

/* A --horizon or --holdout duration that is no whole number of the
 * series' steps: an error at its last record (the series gets nothing). */
static void off_step(struct state *st, size_t idx, const char *opt,
		     const char *arg)
{
	struct series *s = &st->s[idx];
	struct tsp_error err;
	char q[80], step[32];

	tsp_grid_label(&s->g, step, sizeof(step));
	tsp_error_clear(&err);
	tsp_error_at(&err, TSP_EDATA, s->input, s->line, "series %s: %s '%s' "
		     "is not a whole number of its steps (%s): give a number "
		     "of steps", key_of(st, idx, q, sizeof(q)), opt, arg, step);
	tsp_cli_print_error(&err, "");
	st->failed++;
}

/* The forecast records of series idx: h steps after its last point. */
static void write_forecasts(struct state *st, size_t idx, size_t h)
{
	struct series *s = &st->s[idx];
	size_t nl = st->cfg.nlevel;
	double *mean, *sd, *lo, *hi, df, l1[TSP_FC_MAXLEVELS],
	       h1[TSP_FC_MAXLEVELS];
	struct tsp_error err;

	if (h == 0 || s->state != S_MODEL || !s->last.rec.n)
		return;
	if (s->g.step == 0 && s->g.months == 0) {
		/* one point and no --step: no time to put a forecast at */
		if (st->nostep++ == 0)
			key_of(st, idx, st->nostep_key, sizeof(st->nostep_key));
		return;
	}
	mean = xrealloc(NULL, h * sizeof(*mean));
	sd = xrealloc(NULL, h * sizeof(*sd));
	lo = xrealloc(NULL, nl * h * sizeof(*lo));
	hi = xrealloc(NULL, nl * h * sizeof(*hi));
	tsp_error_clear(&err);
	if (tsp_fc_forecast(s->model, h, mean, sd, &df, &err) < 0)
		tsp_cli_die(&err);
	intervals(st, s->model, h, mean, sd, df, lo, hi);
	for (size_t i = 0; i < h; i++) {
		for (size_t k = 0; k < nl; k++) {
			l1[k] = lo[k * h + i];
			h1[k] = hi[k * h + i];
		}
		tsp_row_start(&st->row, &s->last.rec);
		if (s->vi >= 0)
			tsp_row_num(&st->row, s->last.rec.f[s->vi].name, NAN);
		tsp_row_time_set(&st->row, st->cli, s->ti,
				 tsp_grid_shift(&s->g, s->g.last,
						(int64_t)i + 1), &s->tfmt);
		put_forecast(st, s, "forecast", mean[i],
			     isnan(sd[i]) ? NAN : sd[i], l1, h1);
		tsp_row_write(&st->row, st->in.w);
	}
	free(mean);
	free(sd);
	free(lo);
	free(hi);
}

/* --evaluate: hold out the end of series idx, fit the rest, report. */
static void evaluate(struct state *st, size_t idx, struct tsp_writer *w)
{
	struct series *s = &st->s[idx];
	size_t h = steps_of(s, &st->cfg.holdout), nl = st->cfg.nlevel, n;
	double *mean, *sd, *lo, *hi, df;
	struct tsp_fc_accuracy acc;
	struct tsp_error err;
	char q[80], name[32];
	const char *key;
	size_t keylen;

	if (s->state != S_COLLECT || !s->n)
		return;
	if (h == 0) {
		off_step(st, idx, "--holdout", st->cfg.holdout_arg);
		return;
	}
	if (h >= s->n) {
		tsp_error_at(&err, TSP_EDATA, s->input, s->line, "series %s: "
			     "%zu points, too few to hold out %zu", key_of(st,
			     idx, q, sizeof(q)), s->n, h);
		tsp_cli_print_error(&err, "");
		st->failed++;
		return;
	}
	n = s->n - h;
	if (fit_series(st, idx, n) < 0)
		return;
	mean = xrealloc(NULL, h * sizeof(*mean));
	sd = xrealloc(NULL, h * sizeof(*sd));
	lo = xrealloc(NULL, nl * h * sizeof(*lo));
	hi = xrealloc(NULL, nl * h * sizeof(*hi));
	tsp_error_clear(&err);
	if (tsp_fc_forecast(s->model, h, mean, sd, &df, &err) < 0)
		tsp_cli_die(&err);
	intervals(st, s->model, h, mean, sd, df, lo, hi);
	tsp_fc_accuracy(s->y, n, s->m, s->y + n, mean, h, lo, hi, nl, &acc);
	key = tsp_table_key(st->in.series, idx, &keylen);
	if (st->cfg.table) {
		printf("%-24.*s %-18s %5zu %4zu %10.4g %10.4g %8.3f %8.4f",
		       (int)(keylen > 24 ? 24 : keylen), key, s->label, n, h,
		       acc.mae, acc.rmse, acc.smape, acc.mase);
		for (size_t k = 0; k < nl; k++)
			printf(" %6.3f", acc.coverage[k]);
		printf("\n");
	} else {
		char *k0 = xrealloc(NULL, keylen + 1);
		for (size_t j = 0; j < keylen; j++)
			k0[j] = key[j] == 0x1f ? ',' : key[j];
		k0[keylen] = '\0';
		st->row.src = NULL;
		st->row.n = 0;
		tsp_row_str(&st->row, tsp_intern("scope", 5), "series");
		tsp_row_str(&st->row, tsp_intern("series", 6), k0);
		tsp_row_str(&st->row, tsp_intern("method", 6),
			    tsp_fc_method_name(st->cfg.fc.method));
		tsp_row_str(&st->row, tsp_intern("model", 5), s->label);
		tsp_row_num(&st->row, tsp_intern("n", 1), (double)n);
		tsp_row_num(&st->row, tsp_intern("h", 1), (double)h);
		tsp_row_num(&st->row, tsp_intern("mae", 3), acc.mae);
		tsp_row_num(&st->row, tsp_intern("rmse", 4), acc.rmse);
		tsp_row_num(&st->row, tsp_intern("smape", 5), acc.smape);
		tsp_row_num(&st->row, tsp_intern("mase", 4), acc.mase);
		for (size_t k = 0; k < nl; k++) {
			snprintf(name, sizeof(name), "coverage%g",
				 st->cfg.level[k]);
			tsp_row_num(&st->row, tsp_intern(name, strlen(name)),
				    acc.coverage[k]);
		}
		tsp_row_write(&st->row, w);
		free(k0);
	}
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
	free(mean);
	free(sd);
	free(lo);
	free(hi);
}

static void evaluate_total(struct state *st, struct tsp_writer *w)
{
	double gm = st->nmase ? exp(st->log_mase / (double)st->nmase) : NAN;
	double ne = st->neval ? (double)st->neval : NAN;
	char name[32];

	if (st->cfg.table) {
		printf("%-24s %-18s %5s %4s %10.4g %10.4g %8.3f %8.4f", "(all: "
		       "mean; MASE geometric)", "", "", "", st->sum_mae / ne,
		       st->sum_rmse / ne, st->sum_smape / ne, gm);
		for (size_t k = 0; k < st->cfg.nlevel; k++)
			printf(" %6.3f", st->ncov ? st->cov[k] /
			       (double)st->ncov : NAN);
		printf("\n");
		return;
	}
	st->row.src = NULL;
	st->row.n = 0;
	tsp_row_str(&st->row, tsp_intern("scope", 5), "all");
	tsp_row_str(&st->row, tsp_intern("method", 6),
		    tsp_fc_method_name(st->cfg.fc.method));
	tsp_row_num(&st->row, tsp_intern("count", 5), (double)st->neval);
	tsp_row_num(&st->row, tsp_intern("mae", 3), st->sum_mae / ne);
	tsp_row_num(&st->row, tsp_intern("rmse", 4), st->sum_rmse / ne);
	tsp_row_num(&st->row, tsp_intern("smape", 5), st->sum_smape / ne);
	tsp_row_num(&st->row, tsp_intern("mase_gmean", 10), gm);
	for (size_t k = 0; k < st->cfg.nlevel; k++) {
		snprintf(name, sizeof(name), "coverage%g", st->cfg.level[k]);
		tsp_row_num(&st->row, tsp_intern(name, strlen(name)),
			    st->ncov ? st->cov[k] / (double)st->ncov : NAN);
	}
	tsp_row_write(&st->row, w);
}

static void save_store(struct state *st)
{
	struct tsp_store_writer *w;
	struct tsp_error err;

	tsp_error_clear(&err);
	w = tsp_store_create(st->cfg.save, "tsforecast", st->cfg.options, &err);
	if (!w)
		tsp_cli_die(&err);
	for (size_t i = 0; i < tsp_table_count(st->in.series); i++) {
		struct series *s = &st->s[i];
		const char *key;
		size_t keylen;
		tsp_time_t l = s->g.last;
		int64_t sec = tsp_time_floordiv(l, TSP_NS_PER_SEC);

		if (s->state != S_MODEL)
			continue;
		key = tsp_table_key(st->in.series, i, &keylen);
		tsp_params_clear(&st->params);
		if (tsp_fc_save(s->model, &st->params, &err) < 0 ||
		    tsp_params_num(&st->params, "grid_step", (double)s->g.step,
				   &err) < 0 ||
		    tsp_params_num(&st->params, "grid_months", s->g.months,
				   &err) < 0 ||
		    tsp_params_num(&st->params, "last_s", (double)sec, &err) < 0 ||
		    tsp_params_num(&st->params, "last_ns",
				   (double)(l - sec * TSP_NS_PER_SEC), &err) < 0 ||
		    tsp_params_num(&st->params, "mase_period", (double)s->m,
				   &err) < 0 ||
		    tsp_store_add(w, key, keylen, &st->params, &err) < 0) {
			tsp_store_abort(w);
			tsp_cli_die(&err);
		}
	}
	if (tsp_store_commit(w, &err) < 0)
		tsp_cli_die(&err);
}

static void report_fallbacks(const struct state *st)
{
	static const char *const why[5] = { "",
		"too short for their seasonal period: fitted without season",
		"with a period too long for ETS seasonality (over 24 steps): "
		"fitted without season; --method stlf or auto handle it",
		"constant: forecast as naive, with zero-width intervals",
		"with too few points for the method: forecast as naive" };

	if (st->nostep)
		tsp_cli_warn("%ld series with one point and no --step: no "
			     "forecast records (first: %s)", st->nostep,
			     st->nostep_key);
	for (int k = 1; k < 5; k++)
		if (st->fallback[k])
			tsp_cli_warn("%ld series %s (first: %s)",
				     st->fallback[k], why[k],
				     st->fallback_key[k]);
}

/* After the input: fit what is not fitted yet, then forecast or
 * evaluate each series in the order first seen. */
static void finish(struct state *st)
{
	size_t ns = tsp_table_count(st->in.series);
	struct tsp_writer *ew = NULL;
	int tty = st->cfg.progress || isatty(STDERR_FILENO);

	if (st->cfg.evaluate) {
		ew = st->cfg.table ? NULL : tsp_writer_new(STDOUT_FILENO,
							   TSP_FMT_NDJSON);
		if (!st->cfg.table && !ew)
			die_nomem();
		if (ew)
			tsp_cli_set_output(ew);
		if (st->cfg.table) {
			printf("%-24s %-18s %5s %4s %10s %10s %8s %8s", "series",
			       "model", "n", "h", "MAE", "RMSE", "sMAPE",
			       "MASE");
			for (size_t k = 0; k < st->cfg.nlevel; k++)
				printf("  cov%-3g", st->cfg.level[k]);
			printf("\n");
		}
	}
	for (size_t i = 0; i < ns; i++) {
		struct series *s = &st->s[i];
		if (tty && st->cfg.progress && ns > 1 && i % 1000 == 0)
			fprintf(stderr, "\rtsforecast: %zu/%zu series", i, ns);
		if (st->cfg.evaluate) {
			evaluate(st, i, ew);
			continue;
		}
		if (s->state == S_COLLECT && s->n)
			fit_series(st, i, s->n);
		if (!st->cfg.online || st->cfg.horizon_given) {
			struct tsp_fc_opts o;
			size_t h;
			series_opts(st, s, NULL, 0, &o);
			h = steps_of(s, &st->cfg.horizon);
			if (!st->cfg.horizon_given)
				h = o.np ? 2 * o.period[0] : 10;
			else if (h == 0 && s->state == S_MODEL &&
				 (s->g.step || s->g.months)) {
				off_step(st, i, "--horizon", st->cfg.horizon_arg);
				continue;
			}
			write_forecasts(st, i, h);
		}
	}
	if (tty && st->cfg.progress && ns > 1)
		fprintf(stderr, "\rtsforecast: %zu/%zu series\n", ns, ns);
	if (st->cfg.evaluate) {
		evaluate_total(st, ew);
		if (ew) {
			struct tsp_error err;
			tsp_error_clear(&err);
			if (tsp_writer_flush(ew, &err) < 0)
				tsp_cli_die(&err);
			tsp_writer_free(ew);
			tsp_cli_set_output(NULL);
		} else if (fflush(stdout) == EOF) {
			struct tsp_error err;
			tsp_error_set(&err, TSP_ESYS, "write error");
			tsp_cli_die(&err);
		}
	}
	report_fallbacks(st);
	if (st->cfg.save)
		save_store(st);
}

static void parse_amount(const char *opt, const char *arg, struct amount *a)
{
	char *end;
	long n = strtol(arg, &end, 10);

	memset(a, 0, sizeof(*a));
	if (end != arg && !*end) {
		if (n < 1 || n > 100000000)
			tsp_cli_usage_error("bad %s '%s' (a number of steps, "
					    "1 or more, or a duration)", opt,
					    arg);
		a->steps = n;
	} else {
		a->dur = tsp_cli_duration(opt, arg, 0);
	}
}

static void parse_periods(const char *arg, struct config *c)
{
	char buf[256], *p, *save = NULL;

	c->nperiod = 0;
	if (strcmp(arg, "auto") == 0 || strcmp(arg, "none") == 0) {
		c->period_mode = arg[0] == 'a' ? 2 : 3;
		return;
	}
	if (strlen(arg) >= sizeof(buf))
		tsp_cli_usage_error("--period too long");
	strcpy(buf, arg);
	for (p = strtok_r(buf, ",", &save); p; p = strtok_r(NULL, ",", &save)) {
		if (c->nperiod == TSP_FC_MAXP)
			tsp_cli_usage_error("too many periods in --period '%s' "
					    "(at most %d)", arg, TSP_FC_MAXP);
		parse_amount("--period", p, &c->period[c->nperiod]);
		if (c->period[c->nperiod].steps == 1)
			tsp_cli_usage_error("bad period '1' in --period (2 "
					    "steps or more; 'none' for no "
					    "season)");
		c->nperiod++;
	}
	if (c->nperiod == 0)
		tsp_cli_usage_error("bad --period '%s'", arg);
	c->period_mode = 1;
}

static void parse_levels(const char *arg, struct config *c)
{
	char buf[256], *p, *save = NULL, *end;

	c->nlevel = 0;
	if (strlen(arg) >= sizeof(buf))
		tsp_cli_usage_error("--level too long");
	strcpy(buf, arg);
	for (p = strtok_r(buf, ",", &save); p; p = strtok_r(NULL, ",", &save)) {
		double v = strtod(p, &end);
		if (end == p || *end || !(v > 0 && v < 100))
			tsp_cli_usage_error("bad --level '%s' (a percentage "
					    "between 0 and 100, e.g. 95)", p);
		if (c->nlevel == TSP_FC_MAXLEVELS)
			tsp_cli_usage_error("too many levels (at most %d)",
					    TSP_FC_MAXLEVELS);
		c->level[c->nlevel++] = v;
	}
	if (c->nlevel == 0)
		tsp_cli_usage_error("bad --level '%s'", arg);
}

/* An ETS model as R writes it: error, trend (+d), season; Z = choose. */
static void parse_model(const char *arg, struct tsp_ets_opts *e)
{
	const char *p = arg;
	int v[3], damped = 0;

	for (int k = 0; k < 3; k++) {
		switch (*p) {
		case 'Z': v[k] = -1; break;
		case 'N': v[k] = TSP_ETS_N; break;
		case 'A': v[k] = TSP_ETS_A; break;
		case 'M': v[k] = TSP_ETS_M; break;
		default: goto bad;
		}
		p++;
		if (k == 1 && *p == 'd') {
			damped = 1;
			p++;
		}
	}
	if (*p || v[0] == TSP_ETS_N || (damped && v[1] == TSP_ETS_N))
		goto bad;
	e->error = v[0];
	e->trend = v[1];
	e->season = v[2];
	e->damped = damped ? 1 : v[1] == -1 ? -1 : 0;
	return;
bad:
	tsp_cli_usage_error("bad --model '%s' (three letters as R's ets: "
			    "error A, M or Z; trend N, A, Ad, M, Md or Z; "
			    "season N, A, M or Z; e.g. ZZZ, AAdN, MAM)", arg);
}

static void parse_options(int argc, char **argv, struct tsp_cli *cli,
			  struct config *c)
{
	struct tsp_fc_opts *o = &c->fc;
	char *end;
	int opt, damped = -2, seasonal = -1, model = 0;

	memset(c, 0, sizeof(*c));
	tsp_fc_opts_default(o);
	c->level[0] = 95;
	c->nlevel = 1;
	c->nsim = 5000;
	c->seed = 1;
	while ((opt = getopt_long(argc, argv, "m:p:H:l:" TSP_CLI_SHORTOPTS,
				  longopts, NULL)) != -1) {
		if (tsp_cli_option(cli, opt, optarg, usage))
			continue;
		switch (opt) {
		case 'm':
			if (tsp_fc_method_parse(optarg, &o->method) < 0)
				tsp_cli_usage_error("bad --method '%s' (auto, "
					"ets, ses, holt, hw, theta, stlf, naive, "
					"snaive, mean, drift or linear)", optarg);
			break;
		case OPT_MODEL: parse_model(optarg, &o->ets); model = 1; break;
		case OPT_DAMPED:
			if (!strcmp(optarg, "yes") || !strcmp(optarg, "no") ||
			    !strcmp(optarg, "auto"))
				damped = optarg[0] == 'y' ? 1 :
					 optarg[0] == 'n' ? 0 : -1;
			else
				tsp_cli_usage_error("bad --damped '%s' (yes, no "
						    "or auto)", optarg);
			break;
		case OPT_SEASONAL:
			if (strcmp(optarg, "additive") &&
			    strcmp(optarg, "multiplicative"))
				tsp_cli_usage_error("bad --seasonal '%s' "
					"(additive or multiplicative)", optarg);
			seasonal = optarg[0] == 'm';
			break;
		case 'p': parse_periods(optarg, c); break;
		case 'H':
			parse_amount("--horizon", optarg, &c->horizon);
			c->horizon_arg = optarg;
			c->horizon_given = 1;
			break;
		case 'l': parse_levels(optarg, c); break;
		case OPT_NO_ECHO: c->no_echo = 1; break;
		case OPT_ONLINE: c->online = 1; break;
		case OPT_WARMUP: parse_amount("--warmup", optarg, &c->warmup); break;
		case OPT_SAVE: c->save = optarg; break;
		case OPT_LOAD: c->load = optarg; break;
		case OPT_REFIT: c->refit = 1; break;
		case OPT_EVALUATE: c->evaluate = 1; break;
		case OPT_HOLDOUT:
			parse_amount("--holdout", optarg, &c->holdout);
			c->holdout_arg = optarg;
			break;
		case OPT_REPORT:
			if (strcmp(optarg, "ndjson") && strcmp(optarg, "table"))
				tsp_cli_usage_error("bad --report '%s' (ndjson "
						    "or table)", optarg);
			c->table = optarg[0] == 't';
			break;
		case OPT_INTERVAL:
			if (!strcmp(optarg, "analytic"))
				c->interval = IV_ANALYTIC;
			else if (!strcmp(optarg, "simulate"))
				c->interval = IV_SIMULATE;
			else if (!strcmp(optarg, "empirical"))
				c->interval = IV_EMPIRICAL;
			else
				tsp_cli_usage_error("bad --interval '%s' (analytic,"
					" simulate or empirical)", optarg);
			break;
		case OPT_NSIM:
			c->nsim = strtoul(optarg, &end, 10);
			if (end == optarg || *end || c->nsim < 100 ||
			    c->nsim > 10000000)
				tsp_cli_usage_error("bad --nsim '%s' (100 to "
						    "10000000)", optarg);
			break;
		case OPT_SEED:
			c->seed = strtoul(optarg, &end, 10);
			if (end == optarg || *end)
				tsp_cli_usage_error("bad --seed '%s'", optarg);
			break;
		case OPT_IC:
			if (!strcmp(optarg, "aicc"))
				o->ets.ic = TSP_ETS_AICC;
			else if (!strcmp(optarg, "aic"))
				o->ets.ic = TSP_ETS_AIC;
			else if (!strcmp(optarg, "bic"))
				o->ets.ic = TSP_ETS_BIC;
			else
				tsp_cli_usage_error("bad --ic '%s' (aicc, aic or "
						    "bic)", optarg);
			break;
		case OPT_STEP: c->step = tsp_cli_duration("--step", optarg, 0); break;
		case OPT_PROGRESS: c->progress = 1; break;
		}
	}
	if (model && o->method != TSP_FC_ETS && o->method != TSP_FC_STLF)
		tsp_cli_usage_error("--model is for --method ets or stlf");
	if (seasonal >= 0 && o->method != TSP_FC_HW)
		tsp_cli_usage_error("--seasonal is for --method hw");
	o->multiplicative = seasonal == 1;
	if (damped != -2) {
		if (o->method == TSP_FC_HOLT || o->method == TSP_FC_HW)
			o->damped = damped == 1;
		else if (o->method == TSP_FC_ETS || o->method == TSP_FC_STLF)
			o->ets.damped = damped;
		else
			tsp_cli_usage_error("--damped is for --method ets, "
					    "stlf, holt or hw");
		if (damped == -1 && (o->method == TSP_FC_HOLT ||
				     o->method == TSP_FC_HW))
			tsp_cli_usage_error("--damped auto is for ets; holt "
					    "and hw take yes or no");
	}
	if (c->evaluate && !(c->holdout.steps || c->holdout.dur))
		tsp_cli_usage_error("--evaluate needs --holdout DUR|N");
	if (!c->evaluate && (c->holdout.steps || c->holdout.dur || c->table))
		tsp_cli_usage_error("--holdout and --report go with "
				    "--evaluate");
	if (c->evaluate && (c->online || c->load || c->save))
		tsp_cli_usage_error("--evaluate fits and scores on its own: "
				    "drop --online, --load and --save");
	if (c->refit && !c->load)
		tsp_cli_usage_error("--refit refits saved models: it needs "
				    "--load FILE");
	if (c->load && c->save && strcmp(c->load, c->save) == 0)
		(void)0;	/* allowed: the store is replaced atomically */
	if ((c->warmup.steps || c->warmup.dur) && !c->online)
		tsp_cli_usage_error("--warmup goes with --online");
	if (c->no_echo && c->online && !c->horizon_given)
		tsp_cli_usage_error("--no-echo with --online leaves nothing "
				    "to write");
	snprintf(c->options, sizeof(c->options),
		 "{\"method\":\"%s\",\"levels\":%zu,\"interval\":\"%s\"}",
		 tsp_fc_method_name(o->method), c->nlevel,
		 c->interval == IV_ANALYTIC ? "analytic" :
		 c->interval == IV_SIMULATE ? "simulate" : "empirical");
}

int main(int argc, char **argv)
{
	struct tsp_cli cli;
	struct tsp_table series;
	struct tsp_error err;
	struct state st;
	static const char *extra[6 + 2 * TSP_FC_MAXLEVELS];
	size_t nextra = 0;
	char name[32];
	int status;

	tsp_cli_init(&cli, "tsforecast", argv);
	memset(&st, 0, sizeof(st));
	parse_options(argc, argv, &cli, &st.cfg);
	tsp_error_clear(&err);
	if (tsp_spec_init(&cli.spec, &err) < 0)
		tsp_cli_die(&err);
	st.cli = &cli;
	extra[nextra++] = st.f_kind = tsp_intern("kind", 4);
	extra[nextra++] = st.f_fc = tsp_intern("forecast", 8);
	extra[nextra++] = st.f_lo = tsp_intern("lo", 2);
	extra[nextra++] = st.f_hi = tsp_intern("hi", 2);
	extra[nextra++] = st.f_sigma = tsp_intern("sigma", 5);
	extra[nextra++] = st.f_model = tsp_intern("model", 5);
	for (size_t k = 0; st.cfg.nlevel > 1 && k < st.cfg.nlevel; k++) {
		snprintf(name, sizeof(name), "lo%g", st.cfg.level[k]);
		extra[nextra++] = st.f_lol[k] = tsp_intern(name, strlen(name));
		snprintf(name, sizeof(name), "hi%g", st.cfg.level[k]);
		extra[nextra++] = st.f_hil[k] = tsp_intern(name, strlen(name));
	}
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
	for (size_t i = 0; i < st.ns; i++) {
		struct series *s = &st.s[i];
		free(s->y);
		tsp_recbuf_release(&s->last);
		if (s->model)
			tsp_fc_model_release(s->model);
		if (s->prior)
			tsp_fc_model_release(s->prior);
		free(s->model);
		free(s->prior);
	}
	free(st.s);
	tsp_store_close(st.store);
	tsp_params_release(&st.params);
	tsp_row_release(&st.row);
	tsp_input_release(&st.in);
	tsp_table_release(&series);
	tsp_cli_release(&cli);
	return status;
}
