/*
 * tsforecast --method gru|lstm: recurrent seq2seq networks (tsp_rnn).
 *
 * A network needs windows of each series' history, so series gather all
 * their values (as for the other methods) and are trained after the
 * input: by default one network on the windows of every series (global),
 * with --per-series one each.  Values are scaled per series (mean and
 * standard deviation, kept in the series' entry of the store); inputs
 * also carry the time of day and day of week (sin/cos, --tz) and a
 * missing-value flag.  Intervals come from the quantiles of validation
 * residuals per horizon step, scaled back per series.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "tsforecast.h"
#include "tsp_tz.h"

#include <gsl/gsl_cdf.h>

#define NCOV 4

/* Calendar covariates of time t: time of day and day of week. */
static void calendar(const struct fc_state *st, tsp_time_t t, double *c)
{
	const double tau = 6.283185307179586;
	tsp_time_t l = st->cfg.rnn.tz ? tsp_tz_local(t) : t;
	int64_t sec = l / TSP_NS_PER_SEC, day = 86400;
	int64_t tod = ((sec % day) + day) % day;
	int64_t days = (sec - tod) / day, dow = ((days % 7) + 7) % 7;

	c[0] = sin(tau * (double)tod / 86400);
	c[1] = cos(tau * (double)tod / 86400);
	c[2] = sin(tau * (double)dow / 7);
	c[3] = cos(tau * (double)dow / 7);
}

/* Slot i of s's values (n of them, the last at slot n-1 being the series'
 * last time minus back slots). */
static tsp_time_t slot_time(const struct fc_series *s, size_t n, size_t back,
			    int64_t i)
{
	return tsp_grid_shift(&s->g, s->g.last,
			      i - (int64_t)(n - 1) - (int64_t)back);
}

/* The covariates of slots [from, from + k) counted as slot_time does,
 * ncov a slot: the calendar, then each seasonal lag's value (scaled; 0
 * when missing or not among s's first n values, and for lags the
 * network has but s lacks). */
static double *covariates(const struct fc_state *st, const struct fc_series *s,
			  size_t n, size_t back, int64_t from, size_t k,
			  size_t ncov)
{
	const struct fc_rnn_fit *r = s->rnn;
	double *c = fc_xrealloc(NULL, (k ? k : 1) * ncov * sizeof(double));

	for (size_t i = 0; i < k; i++) {
		int64_t slot = from + (int64_t)i;
		double *ci = c + i * ncov;
		calendar(st, slot_time(s, n, back, slot), ci);
		for (size_t j = NCOV; j < ncov; j++) {
			size_t l = j - NCOV;
			int64_t src = l < r->nlag ? slot - (int64_t)r->lag[l]
						  : -1;
			double v = src >= 0 && src < (int64_t)n ? s->y[src]
								 : NAN;
			ci[j] = isnan(v) ? 0 : (v - r->mu) / r->sd;
		}
	}
	return c;
}

/* The most values a window reads: the lookback and the longest lag. */
static size_t history_of(const struct fc_series *s)
{
	const struct fc_rnn_fit *r = s->rnn;

	return r->net->a.lookback + (r->nlag ? r->lag[r->nlag - 1] : 0);
}

/* The seasonal lags s's inputs carry: the shortest of its periods (as
 * --period finds them in its first n values) at least the horizon H
 * long, so that every step the decoder forecasts has its lag observed.
 * (A second, longer lag made forecasts worse on both data sets of
 * BENCHMARKS.md: it is missing from a whole period of windows.) */
static void lags_of(const struct fc_state *st, const struct fc_series *s,
		    size_t n, size_t H, struct fc_rnn_fit *r)
{
	struct tsp_fc_opts o;

	r->nlag = 0;
	if (st->cfg.rnn.no_lags)
		return;
	fc_series_opts(st, s, s->y, n, &o);
	for (size_t k = 0; k < o.np && r->nlag < FC_RNN_MAXLAG; k++)
		if (o.period[k] >= H)
			r->lag[r->nlag++] = o.period[k];
}

static size_t lookback_of(const struct fc_state *st, const struct fc_series *s)
{
	size_t l = fc_steps(s, &st->cfg.rnn.lookback);

	if (!st->cfg.rnn.lookback.steps && !st->cfg.rnn.lookback.dur)
		return 60;
	return l;
}

static size_t horizon_of(const struct fc_state *st, const struct fc_series *s,
			 int evaluate)
{
	const struct fc_config *c = &st->cfg;

	if (evaluate)
		return fc_steps(s, &c->holdout);
	if (c->horizon_given)
		return fc_steps(s, &c->horizon);
	return c->online ? 1 : 10;
}

/* The model label, and the MASE period (the grid's, as other methods). */
static void label(struct fc_state *st, struct fc_series *s)
{
	const struct tsp_rnn *m = s->rnn->net;
	struct tsp_fc_opts o;

	fc_series_opts(st, s, NULL, 0, &o);
	s->m = o.np ? o.period[0] : 1;
	snprintf(s->label, sizeof(s->label), "%s(%zux%zu,%zu>%zu)",
		 m->a.cell == TSP_RNN_GRU ? "GRU" : "LSTM", m->a.hidden,
		 m->a.layers, m->a.lookback, m->a.horizon);
}

/* Progress on stderr: one line per epoch, redrawn in place. */
struct prog {
	const char *what;
	int on;
};

static int progress(void *ctx, const struct tsp_rnn_progress *p)
{
	struct prog *pg = ctx;
	double eta = p->seconds / (double)p->epoch *
		     (double)(p->max_epochs - p->epoch);

	if (!pg->on)
		return 0;
	fprintf(stderr, "\rtsforecast: %s epoch %zu/%zu  train %.4g  val %.4g"
		"  best %zu  %.1fs (at most %.0fs more)   ", pg->what,
		p->epoch, p->max_epochs, p->train_loss, p->val_loss,
		p->best_epoch, p->seconds, eta);
	return 0;
}

static void train_opts(const struct fc_state *st, struct tsp_rnn_train_opts *o,
		       struct prog *pg)
{
	const struct fc_rnn_config *r = &st->cfg.rnn;

	tsp_rnn_train_opts_default(o);
	if (r->epochs)
		o->epochs = r->epochs;
	if (r->batch)
		o->batch = r->batch;
	if (r->patience)
		o->patience = r->patience;
	o->threads = r->threads ? r->threads : 1;
	o->seed = st->cfg.seed;
	o->nlevel = st->cfg.nlevel;
	memcpy(o->levels, st->cfg.level, st->cfg.nlevel * sizeof(double));
	pg->on = st->cfg.progress || isatty(STDERR_FILENO);
	o->progress = progress;
	o->ctx = pg;
}

/* The training data of series idx: its first n - hold values scaled;
 * its lags for a horizon of H.  The covariates come after (with_cov),
 * when the network's count of lags is known. */
struct prep {
	double *y, *cov;
	size_t n;
};

static void prepare(struct fc_state *st, struct fc_series *s, size_t hold,
		    size_t H, struct prep *p)
{
	p->n = s->n - hold;
	p->y = fc_xrealloc(NULL, (p->n ? p->n : 1) * sizeof(double));
	p->cov = NULL;
	if (!s->rnn)
		s->rnn = fc_xrealloc(NULL, sizeof(*s->rnn));
	memset(s->rnn, 0, sizeof(*s->rnn));
	tsp_rnn_scale_fit(s->y, p->n, &s->rnn->mu, &s->rnn->sd);
	for (size_t i = 0; i < p->n; i++)
		p->y[i] = (s->y[i] - s->rnn->mu) / s->rnn->sd;
	lags_of(st, s, p->n, H, s->rnn);
}

static void with_cov(struct fc_state *st, struct fc_series *s, size_t ncov,
		     struct prep *p)
{
	p->cov = covariates(st, s, p->n, s->n - p->n, 0, p->n, ncov);
}

static void too_short(struct fc_state *st, size_t idx, size_t n, size_t L,
		      size_t H)
{
	struct fc_series *s = &st->s[idx];
	struct tsp_error err;
	char q[80];

	tsp_error_clear(&err);
	tsp_error_at(&err, TSP_EDATA, s->input, s->line, "series %s: %zu "
		     "points, too few to train on: --lookback %zu + horizon "
		     "%zu needs %zu", fc_key(st, idx, q, sizeof(q)), n, L, H,
		     L + H);
	tsp_cli_print_error(&err, "");
	st->failed++;
	s->state = S_FAILED;
	free(s->rnn);
	s->rnn = NULL;
}

/* Train net on the prepared series (idx[i] of st) of shape a. */
static int train(struct fc_state *st, struct tsp_rnn *net,
		 const struct tsp_rnn_arch *a, struct prep *p, size_t np,
		 const char *what, struct tsp_error *err)
{
	struct tsp_rnn_series *d = fc_xrealloc(NULL, (np ? np : 1) * sizeof(*d));
	struct tsp_rnn_train_opts o;
	struct tsp_rnn_report rep;
	struct prog pg = { what, 0 };
	int rc;

	for (size_t i = 0; i < np; i++) {
		d[i].y = p[i].y;
		d[i].cov = p[i].cov;
		d[i].n = p[i].n;
	}
	train_opts(st, &o, &pg);
	rc = tsp_rnn_init(net, a, st->cfg.seed, err);
	if (rc == 0)
		rc = tsp_rnn_train(net, d, np, &o, &rep, err);
	if (pg.on)
		fprintf(stderr, "\n");
	free(d);
	return rc;
}

static void arch_of(const struct fc_state *st, size_t L, size_t H,
		    size_t nlag, struct tsp_rnn_arch *a)
{
	const struct fc_rnn_config *r = &st->cfg.rnn;

	a->cell = r->cell;
	a->ncov = NCOV + nlag;
	a->hidden = r->hidden ? r->hidden : 32;
	a->layers = r->layers ? r->layers : 1;
	a->lookback = L;
	a->horizon = H;
}

static void die_train(struct fc_state *st, size_t idx, struct tsp_error *err)
{
	char q[80], msg[sizeof(err->msg)];

	if (err->code != TSP_EDATA)
		tsp_cli_die(err);
	memcpy(msg, err->msg, sizeof(msg));
	tsp_error_at(err, TSP_EDATA, st->s[idx].input, st->s[idx].line,
		     "series %s: %s", fc_key(st, idx, q, sizeof(q)), msg);
	tsp_cli_print_error(err, "");
	st->failed++;
}

/* One series' own network on its first n - hold values. */
static int fit_own(struct fc_state *st, size_t idx, size_t hold)
{
	struct fc_series *s = &st->s[idx];
	struct tsp_rnn_arch a;
	struct tsp_error err;
	struct prep p;
	size_t L = lookback_of(st, s), H = horizon_of(st, s, hold > 0);
	char q[80], what[100];

	if (L == 0 || H == 0) {
		fc_off_step(st, idx, L ? "--horizon" : "--lookback",
			    L ? st->cfg.horizon_arg : st->cfg.rnn.lookback_arg);
		s->state = S_FAILED;
		return -1;
	}
	if (s->n - hold < L + H) {
		too_short(st, idx, s->n - hold, L, H);
		return -1;
	}
	prepare(st, s, hold, H, &p);
	with_cov(st, s, NCOV + s->rnn->nlag, &p);
	arch_of(st, L, H, s->rnn->nlag, &a);
	s->rnn->net = fc_xrealloc(NULL, sizeof(*s->rnn->net));
	memset(s->rnn->net, 0, sizeof(*s->rnn->net));
	s->rnn->own = 1;
	snprintf(what, sizeof(what), "series %s", fc_key(st, idx, q, sizeof(q)));
	tsp_error_clear(&err);
	if (train(st, s->rnn->net, &a, &p, 1, what, &err) < 0) {
		free(p.y);
		free(p.cov);
		die_train(st, idx, &err);
		fc_rnn_release(s);
		s->state = S_FAILED;
		return -1;
	}
	free(p.y);
	free(p.cov);
	s->state = S_MODEL;
	label(st, s);
	return 0;
}

int fc_rnn_fit_one(struct fc_state *st, size_t idx)
{
	return fit_own(st, idx, 0);
}

void fc_rnn_train_all(struct fc_state *st, int evaluate)
{
	size_t ns = tsp_table_count(st->in.series), np = 0, L = 0, H = 0;
	size_t nlag = 0;
	struct prep *p;
	size_t *idx, *hold;
	struct tsp_rnn_arch a;
	struct tsp_error err;

	if (st->cfg.rnn.per_series) {
		for (size_t i = 0; i < ns; i++) {
			struct fc_series *s = &st->s[i];
			size_t hs = evaluate ? fc_steps(s, &st->cfg.holdout) : 0;
			if (s->state != S_COLLECT || !s->n)
				continue;
			if (evaluate && (hs == 0 || hs >= s->n))
				continue;	/* fc_evaluate says why */
			fit_own(st, i, hs);
		}
		return;
	}
	/* one network: the longest lookback and horizon any series asks */
	p = fc_xrealloc(NULL, (ns ? ns : 1) * sizeof(*p));
	idx = fc_xrealloc(NULL, (ns ? ns : 1) * sizeof(*idx));
	hold = fc_xrealloc(NULL, (ns ? ns : 1) * sizeof(*hold));
	for (size_t i = 0; i < ns; i++) {
		struct fc_series *s = &st->s[i];
		size_t hold_i = evaluate ? fc_steps(s, &st->cfg.holdout) : 0;
		size_t l = lookback_of(st, s), h = horizon_of(st, s, evaluate);
		if (s->state != S_COLLECT || !s->n)
			continue;
		if (evaluate && (hold_i == 0 || hold_i >= s->n))
			continue;
		if (l == 0 || h == 0) {
			fc_off_step(st, i, l ? (evaluate ? "--holdout" :
				    "--horizon") : "--lookback",
				    l ? (evaluate ? st->cfg.holdout_arg :
					 st->cfg.horizon_arg)
				      : st->cfg.rnn.lookback_arg);
			s->state = S_FAILED;
			continue;
		}
		L = l > L ? l : L;
		H = h > H ? h : H;
		idx[np] = i;
		hold[np++] = hold_i;
	}
	/* the lags of the horizon all share, then inputs as wide as the
	 * most lags a series has */
	for (size_t k = 0; k < np; k++) {
		prepare(st, &st->s[idx[k]], hold[k], H, &p[k]);
		nlag = st->s[idx[k]].rnn->nlag > nlag ?
		       st->s[idx[k]].rnn->nlag : nlag;
	}
	for (size_t k = 0; k < np; k++)
		with_cov(st, &st->s[idx[k]], NCOV + nlag, &p[k]);
	if (np) {
		size_t longest = 0;
		for (size_t k = 0; k < np; k++)
			longest = p[k].n > longest ? p[k].n : longest;
		arch_of(st, L, H, nlag, &a);
		st->net = fc_xrealloc(NULL, sizeof(*st->net));
		memset(st->net, 0, sizeof(*st->net));
		tsp_error_clear(&err);
		if (longest < L + H ||
		    train(st, st->net, &a, p, np, "all series", &err) < 0) {
			if (longest >= L + H && err.code != TSP_EDATA)
				tsp_cli_die(&err);
			for (size_t k = 0; k < np; k++)
				too_short(st, idx[k], p[k].n, L, H);
			tsp_rnn_release(st->net);
			free(st->net);
			st->net = NULL;
		} else {
			for (size_t k = 0; k < np; k++) {
				struct fc_series *s = &st->s[idx[k]];
				s->rnn->net = st->net;
				s->state = S_MODEL;
				label(st, s);
			}
		}
	}
	for (size_t k = 0; k < np; k++) {
		free(p[k].y);
		free(p[k].cov);
	}
	free(p);
	free(idx);
	free(hold);
}

/* Forecast from s's first n values, h steps, scaled back; value n - 1 is
 * back slots before the grid's last time. */
static void forecast(struct fc_state *st, const struct fc_series *s, size_t n,
		     size_t back, size_t h, double *mean)
{
	struct tsp_rnn *net = s->rnn->net;
	size_t L = net->a.lookback, H = net->a.horizon, from = n > L ? n - L : 0;
	size_t k = h < H ? h : H;
	double *y = fc_xrealloc(NULL, (L ? L : 1) * sizeof(*y)), *fm;
	double *cov, *fcov;
	struct tsp_rnn_window w;
	struct tsp_error err;

	/* an online series keeps only its latest values */
	for (size_t i = from; i < n; i++)
		y[i - from] = (s->y[i] - s->rnn->mu) / s->rnn->sd;
	cov = covariates(st, s, n, back, (int64_t)from, n - from,
			 net->a.ncov);
	fcov = covariates(st, s, n, back, (int64_t)n, k, net->a.ncov);
	fm = fc_xrealloc(NULL, k * sizeof(*fm));
	w.s.y = y;
	w.s.cov = cov;
	w.s.n = n - from;
	w.fcov = fcov;
	w.mean = fm;
	tsp_error_clear(&err);
	if (tsp_rnn_forecast_one(net, &w, k, &err) < 0)
		tsp_cli_die(&err);
	for (size_t i = 0; i < h; i++)
		mean[i] = i < k ? fm[i] * s->rnn->sd + s->rnn->mu : NAN;
	free(y);
	free(cov);
	free(fcov);
	free(fm);
}

void fc_rnn_intervals(struct fc_state *st, const struct fc_series *s,
		      size_t h, const double *mean, double *lo, double *hi)
{
	const struct tsp_rnn *net = s->rnn->net;
	size_t H = net->a.horizon;

	for (size_t k = 0; k < st->cfg.nlevel; k++) {
		double lv = st->cfg.level[k];
		size_t j;
		for (j = 0; j < net->nlevel; j++)
			if (net->level[j] == lv)
				break;
		for (size_t i = 0; i < h; i++) {
			double sd = s->rnn->sd, z;
			if (i >= H || isnan(mean[i])) {
				lo[k * h + i] = hi[k * h + i] = NAN;
			} else if (j < net->nlevel) {
				lo[k * h + i] = mean[i] + net->qlo[j * H + i] * sd;
				hi[k * h + i] = mean[i] + net->qhi[j * H + i] * sd;
			} else {
				/* a level not trained for: normal */
				z = gsl_cdf_ugaussian_Pinv(0.5 + lv / 200);
				lo[k * h + i] = mean[i] - z * net->rsd[i] * sd;
				hi[k * h + i] = mean[i] + z * net->rsd[i] * sd;
			}
		}
	}
}

void fc_rnn_path(struct fc_state *st, const struct fc_series *s, size_t n,
		 size_t h, struct fc_path *p)
{
	size_t nl = st->cfg.nlevel, H = s->rnn->net->a.horizon;

	p->mean = fc_xrealloc(NULL, h * sizeof(*p->mean));
	p->sd = fc_xrealloc(NULL, h * sizeof(*p->sd));
	p->lo = fc_xrealloc(NULL, nl * h * sizeof(*p->lo));
	p->hi = fc_xrealloc(NULL, nl * h * sizeof(*p->hi));
	p->df = 0;
	forecast(st, s, n, s->n - n, h, p->mean);
	for (size_t i = 0; i < h; i++)
		p->sd[i] = i < H ? s->rnn->net->rsd[i] * s->rnn->sd : NAN;
	fc_rnn_intervals(st, s, h, p->mean, p->lo, p->hi);
}

double fc_rnn_update(struct fc_state *st, struct fc_series *s, double v,
		     int64_t ahead, double *sd)
{
	size_t L = history_of(s);
	double f = NAN;

	if (s->n)
		forecast(st, s, s->n, (size_t)ahead + 1, 1, &f);
	*sd = s->rnn->net->rsd[0] * s->rnn->sd;
	/* keep the values a window reads: drop the older half at 2L */
	if (s->n >= 2 * L + 16) {
		memmove(s->y, s->y + s->n - L, L * sizeof(*s->y));
		s->n = L;
	}
	fc_series_push(s, v, 1, 1);
	return f;
}

int fc_rnn_save(struct fc_state *st, const struct fc_series *s,
		struct tsp_params *p, struct tsp_error *err)
{
	const struct tsp_rnn *m = s->rnn->net;
	size_t keep = history_of(s);
	double lag[FC_RNN_MAXLAG];

	(void)st;
	for (size_t k = 0; k < s->rnn->nlag; k++)
		lag[k] = (double)s->rnn->lag[k];
	if (tsp_params_str(p, "method", m->a.cell == TSP_RNN_GRU ? "gru" :
			   "lstm", err) < 0 ||
	    tsp_params_num(p, "scale_mu", s->rnn->mu, err) < 0 ||
	    tsp_params_num(p, "scale_sd", s->rnn->sd, err) < 0 ||
	    tsp_params_num(p, "rnn_shared", s->rnn->own ? 0 : 1, err) < 0)
		return -1;
	if (s->rnn->nlag &&
	    tsp_params_nums(p, "rnn_lags", lag, s->rnn->nlag, err) < 0)
		return -1;
	/* the values the next forecast reads */
	if (tsp_params_nums(p, "rnn_last", s->y + (s->n > keep ? s->n - keep :
			    0), s->n > keep ? keep : s->n, err) < 0)
		return -1;
	return s->rnn->own ? tsp_rnn_save(m, p, err) : 0;
}

int fc_rnn_save_shared(struct fc_state *st, struct tsp_store_writer *w,
		       struct tsp_error *err)
{
	if (!st->net)
		return 0;
	tsp_params_clear(&st->params);
	if (tsp_rnn_save(st->net, &st->params, err) < 0)
		return -1;
	return tsp_store_add(w, FC_RNN_NET_KEY, strlen(FC_RNN_NET_KEY),
			     &st->params, err);
}

/* The entry's seasonal lags (none in stores before them), as many as
 * r's network has room for, each at least its horizon. */
static int load_lags(struct fc_rnn_fit *r, const unsigned char *buf,
		     size_t len, struct tsp_error *err)
{
	const struct tsp_rnn *m = r->net;
	struct tsp_param lags;
	int rc = tsp_params_find(buf, len, "rnn_lags", &lags);

	r->nlag = 0;
	if (m->a.ncov < NCOV)
		return tsp_error_set(err, TSP_EDATA, "corrupt model entry "
				     "(rnn inputs)");
	if (rc != 1)
		return m->a.ncov == NCOV ? 0 :
		       tsp_error_set(err, TSP_EDATA, "corrupt model entry "
				     "(rnn lags missing)");
	if (lags.type != TSP_PARAM_NUMS || lags.n > FC_RNN_MAXLAG ||
	    NCOV + lags.n > m->a.ncov || (r->own && NCOV + lags.n != m->a.ncov))
		return tsp_error_set(err, TSP_EDATA, "corrupt model entry "
				     "(rnn lags)");
	for (size_t k = 0; k < lags.n; k++) {
		double v = tsp_param_at(&lags, k);
		if (!(v >= (double)m->a.horizon && v <= 1e7) || v != floor(v) ||
		    (k && v <= (double)r->lag[k - 1]))
			return tsp_error_set(err, TSP_EDATA, "corrupt model "
					     "entry (rnn lags)");
		r->lag[r->nlag++] = (size_t)v;
	}
	return 0;
}

int fc_rnn_load(struct fc_state *st, struct fc_series *s,
		const unsigned char *buf, size_t len, struct tsp_error *err)
{
	struct tsp_param mu, sd, sh, last;

	if (tsp_params_find(buf, len, "scale_mu", &mu) != 1 ||
	    tsp_params_find(buf, len, "scale_sd", &sd) != 1 ||
	    tsp_params_find(buf, len, "rnn_shared", &sh) != 1 ||
	    tsp_params_find(buf, len, "rnn_last", &last) != 1 ||
	    mu.type != TSP_PARAM_NUM || sd.type != TSP_PARAM_NUM ||
	    sh.type != TSP_PARAM_NUM || last.type != TSP_PARAM_NUMS ||
	    !isfinite(mu.num) || !(sd.num > 0) || !isfinite(sd.num))
		return tsp_error_set(err, TSP_EDATA, "corrupt model entry "
				     "(rnn scaling)");
	s->rnn = fc_xrealloc(NULL, sizeof(*s->rnn));
	memset(s->rnn, 0, sizeof(*s->rnn));
	s->rnn->mu = mu.num;
	s->rnn->sd = sd.num;
	if (sh.num) {
		if (!st->net_looked_up) {
			struct tsp_params np;
			int rc;
			st->net_looked_up = 1;
			tsp_params_init(&np);
			rc = tsp_store_get(st->store, FC_RNN_NET_KEY,
					   strlen(FC_RNN_NET_KEY), &np, err);
			if (rc == 1) {
				st->net = fc_xrealloc(NULL, sizeof(*st->net));
				memset(st->net, 0, sizeof(*st->net));
				rc = tsp_rnn_load(st->net, np.buf, np.len,
						  err) < 0 ? -1 : 1;
				if (rc < 0) {
					tsp_rnn_release(st->net);
					free(st->net);
					st->net = NULL;
				}
			} else if (rc == 0) {
				tsp_error_set(err, TSP_EDATA, "no shared "
					      "network in the store");
			}
			tsp_params_release(&np);
			if (rc != 1)
				return -1;
		}
		if (!st->net)
			return tsp_error_set(err, TSP_EDATA, "no shared "
					     "network in the store");
		s->rnn->net = st->net;
	} else {
		s->rnn->net = fc_xrealloc(NULL, sizeof(*s->rnn->net));
		memset(s->rnn->net, 0, sizeof(*s->rnn->net));
		s->rnn->own = 1;
		if (tsp_rnn_load(s->rnn->net, buf, len, err) < 0)
			return -1;
	}
	if (load_lags(s->rnn, buf, len, err) < 0)
		return -1;
	s->n = 0;
	for (size_t i = 0; i < last.n; i++)
		fc_series_push(s, tsp_param_at(&last, i), 1, 1);
	label(st, s);
	return 0;
}

void fc_rnn_release(struct fc_series *s)
{
	if (!s->rnn)
		return;
	if (s->rnn->own && s->rnn->net) {
		tsp_rnn_release(s->rnn->net);
		free(s->rnn->net);
	}
	free(s->rnn);
	s->rnn = NULL;
}
