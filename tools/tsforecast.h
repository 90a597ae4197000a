/*
 * tsforecast's own header: the run's configuration and state, and what
 * the tool's files give each other.
 *
 *   tsforecast.c         the story: help, the read loop, the end of run
 *   tsforecast/opts.c    the command line into a struct fc_config
 *   tsforecast/series.c  one series: its values, options, fitted model
 *   tsforecast/output.c  forecast records, intervals, end-of-run warnings
 *   tsforecast/eval.c    --evaluate: accuracy per series and overall
 *   tsforecast/store.c   --load and --save
 *   tsforecast/rnn.c     --method gru|lstm: training, forecasts, store
 *
 * These are tool code: they print and exit (through cli.h) where the
 * library would return an error.
 */
#ifndef TSFORECAST_H
#define TSFORECAST_H

#include "tool_io.h"
#include "tsp_forecast.h"
#include "tsp_grid.h"
#include "tsp_rnn.h"
#include "tsp_store.h"

/* An amount given as a duration or as a number of steps. */
struct fc_amount {
	long steps;		/* > 0 when given as a number */
	tsp_time_t dur;		/* > 0 when given as a duration */
};

/* Where a series' seasonal periods come from (--period). */
enum period_mode { PERIOD_GRID, PERIOD_GIVEN, PERIOD_AUTO, PERIOD_NONE };

enum interval_mode { IV_ANALYTIC, IV_SIMULATE, IV_EMPIRICAL };

/* --method gru|lstm and its options (tsforecast/rnn.c). */
struct fc_rnn_config {
	int on;
	enum tsp_rnn_cell cell;
	size_t hidden, layers, epochs, threads, batch, patience;
	struct fc_amount lookback;
	const char *lookback_arg;
	int per_series;
	int no_lags;		/* --lags none */
	const char *tz;
};

#define FC_RNN_MAXLAG 1

/* A series' network: its scaling, and the network (owned, or the one
 * all series share). */
struct fc_rnn_fit {
	struct tsp_rnn *net;
	int own;
	double mu, sd;
	size_t nlag, lag[FC_RNN_MAXLAG];	/* seasonal lag inputs */
};

struct fc_config {
	struct tsp_fc_opts fc;
	enum period_mode period_mode;
	struct fc_amount period[TSP_FC_MAXP];
	size_t nperiod;
	struct fc_amount horizon, warmup, holdout;
	double level[TSP_FC_MAXLEVELS];
	size_t nlevel;
	enum interval_mode interval;
	size_t nsim;
	unsigned long seed;
	tsp_time_t step;
	const char *save, *load;
	const char *horizon_arg, *holdout_arg;	/* as given: messages */
	int refit, online, evaluate, no_echo, table, progress;
	int horizon_given;
	struct fc_rnn_config rnn;
	char options[512];	/* for the store */
};

enum sstate { S_COLLECT, S_MODEL, S_FAILED };

struct fc_series {
	struct tsp_grid g;
	double *y;		/* S_COLLECT: values by slot, NaN missing */
	size_t n, cap;
	struct tsp_fc_model *model;	/* S_MODEL */
	struct tsp_fc_model *prior;	/* --load --refit: the saved kind */
	struct fc_rnn_fit *rnn;		/* S_MODEL of --method gru|lstm */
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

struct fc_state {
	struct fc_config cfg;
	struct tsp_cli *cli;
	struct tsp_input in;
	struct fc_series *s;
	size_t ns;
	struct tsp_store *store;
	struct tsp_params params;
	struct tsp_row row;
	const char *f_kind, *f_fc, *f_lo, *f_hi, *f_sigma, *f_model;
	const char *f_lol[TSP_FC_MAXLEVELS], *f_hil[TSP_FC_MAXLEVELS];
	long fallback[TSP_FC_FB_FAILED + 1], failed, nostep;
	char fallback_key[TSP_FC_FB_FAILED + 1][80], nostep_key[80];
	char failed_why[160];	/* the first TSP_FC_FB_FAILED's error */
	/* evaluation totals */
	double log_mase, sum_mae, sum_rmse, sum_smape, cov[TSP_FC_MAXLEVELS];
	size_t nmase, neval, ncov;
	struct tsp_rnn *net;	/* the network all series share */
	int net_looked_up;
};

/* tsforecast/opts.c */

/*
 * Parse the command line into c (common options into cli), check how
 * the options go together; exits 2 on a usage error, 0 after --help
 * (usage prints it) or --version.
 */
void fc_options_parse(int argc, char **argv, struct tsp_cli *cli,
		      struct fc_config *c, void (*usage)(void));

/* tsforecast/series.c */

/* Exit 1 with "out of memory". */
void fc_die_nomem(void) __attribute__((noreturn));

/* realloc, exiting 1 when out of memory. */
void *fc_xrealloc(void *p, size_t n);

/* Series idx, the table grown to hold it. */
struct fc_series *fc_series_at(struct fc_state *st, size_t idx);

/* The key of series i, quoted for a message, in q[n]. */
const char *fc_key(const struct fc_state *st, size_t i, char *q, size_t n);

/* An amount in steps of s's grid (0 if it does not divide). */
size_t fc_steps(const struct fc_series *s, const struct fc_amount *a);

/*
 * The fit options of s: its seasonal periods (from the grid, the command
 * line or detection on y[0..n); y NULL: not fitting yet) and horizon.
 * Returns 1 if a period was dropped as too long for the data.
 */
int fc_series_opts(const struct fc_state *st, const struct fc_series *s,
		   const double *y, size_t n, struct tsp_fc_opts *o);

/* Fit series idx on its first n values; a failure is reported against
 * its last record.  Returns 0, or -1 (the series is S_FAILED). */
int fc_series_fit(struct fc_state *st, size_t idx, size_t n);

/* Append v to s's values, gap slots after the last (NaN in between),
 * after spreading them over a grid refine times finer. */
void fc_series_push(struct fc_series *s, double v, int64_t gap,
		    int64_t refine);

/* The warm-up of --online, in points (known once the step is). */
size_t fc_warmup(const struct fc_state *st, const struct fc_series *s);

/* Free the series, the store and the output row of st. */
void fc_state_release(struct fc_state *st);

/* tsforecast/output.c */

/* Intern the output fields into st and list them in extra (room for
 * 6 + 2 * TSP_FC_MAXLEVELS); returns how many. */
size_t fc_fields_init(struct fc_state *st, const char **extra);

/* Set the forecast fields of st->row; NaN mean: all missing. */
void fc_put_forecast(struct fc_state *st, const struct fc_series *s,
		     const char *kind, double mean, double sd,
		     const double *lo, const double *hi);

/* Intervals of one forecast at every level: lo[k * h + i], hi[...]. */
void fc_intervals(struct fc_state *st, const struct tsp_fc_model *m,
		  size_t h, const double *mean, const double *sd, double df,
		  double *lo, double *hi);

/* The forecasts 1..h steps after a series' data, with intervals. */
struct fc_path {
	double *mean, *sd, *lo, *hi;	/* lo, hi: nlevel x h */
	double df;
};

/* Forecast s's model h steps into p; fc_path_release frees it. */
void fc_path_make(struct fc_state *st, const struct fc_series *s,
		  size_t h, struct fc_path *p);
void fc_path_release(struct fc_path *p);

/* A --horizon or --holdout duration that is no whole number of series
 * idx's steps: an error at its last record (the series gets nothing). */
void fc_off_step(struct fc_state *st, size_t idx, const char *opt,
		 const char *arg);

/* The forecast records of series idx: h steps after its last point. */
void fc_write_forecasts(struct fc_state *st, size_t idx, size_t h);

/* Warn of series forecast more simply than asked, or not at all. */
void fc_report_fallbacks(const struct fc_state *st);

/* tsforecast/eval.c */

/* Start the report: the table's header line, or the NDJSON writer
 * (returned; NULL with --report table). */
struct tsp_writer *fc_eval_begin(struct fc_state *st);

/* Hold out the end of series idx, fit the rest, report its accuracy. */
void fc_evaluate(struct fc_state *st, size_t idx, struct tsp_writer *w);

/* The overall line, then flush and free w. */
void fc_eval_end(struct fc_state *st, struct tsp_writer *w);

/* tsforecast/rnn.c */

/* --method gru|lstm: train the networks of every series still gathering
 * (the last `hold` points of each left out: --evaluate), once for all
 * (global) or one per series; a series too short fails with a message. */
void fc_rnn_train_all(struct fc_state *st, int evaluate);

/* --online: fit series idx alone on its values so far (the warm-up). */
int fc_rnn_fit_one(struct fc_state *st, size_t idx);

/* Forecast s h steps after its last value n (<= s->n) into p. */
void fc_rnn_path(struct fc_state *st, const struct fc_series *s, size_t n,
		 size_t h, struct fc_path *p);

/* --online: the one-step forecast made before v, then take v; v falls
 * `ahead` slots before the grid's last time (0: at it). */
double fc_rnn_update(struct fc_state *st, struct fc_series *s, double v,
		     int64_t ahead, double *sd);

/* Intervals of forecasts mean[h] at every level, as fc_intervals. */
void fc_rnn_intervals(struct fc_state *st, const struct fc_series *s,
		      size_t h, const double *mean, double *lo, double *hi);

/* Store: the series' entry parameters (and, once, the shared network);
 * and reading them back.  Returns 0 or -1 with err set. */
int fc_rnn_save(struct fc_state *st, const struct fc_series *s,
		struct tsp_params *p, struct tsp_error *err);
int fc_rnn_load(struct fc_state *st, struct fc_series *s,
		const unsigned char *buf, size_t len, struct tsp_error *err);
int fc_rnn_save_shared(struct fc_state *st, struct tsp_store_writer *w,
		       struct tsp_error *err);

/* The reserved key of the shared network's entry. */
#define FC_RNN_NET_KEY "\x1enetwork"

void fc_rnn_release(struct fc_series *s);

/* tsforecast/store.c */

/*
 * --load: the saved model of series idx and its grid, once per series.
 * Returns 0, or -1 with err set (no entry for the series); exits on a
 * corrupt entry or a read error.
 */
int fc_store_lookup(struct fc_state *st, size_t idx,
		    const struct tsp_point *pt, const struct tsp_record *rec,
		    struct tsp_error *err);

/* --save: every fitted series' model and grid, in one new store. */
void fc_store_save(struct fc_state *st);

#endif
