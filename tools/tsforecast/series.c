/*
 * One series in tsforecast: the table of series, a series' values as
 * they are gathered on its grid, the fit options it gets (its seasonal
 * periods in steps), and the fit itself.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tsforecast.h"
#include "tsp_season.h"

void fc_die_nomem(void)
{
	struct tsp_error err;

	tsp_error_set(&err, TSP_ENOMEM, "out of memory");
	tsp_cli_die(&err);
}

void *fc_xrealloc(void *p, size_t n)
{
	void *q = realloc(p, n ? n : 1);
	if (!q)
		fc_die_nomem();
	return q;
}

struct fc_series *fc_series_at(struct fc_state *st, size_t idx)
{
	if (idx >= st->ns) {
		size_t n = st->ns ? st->ns * 2 : 1024;
		while (n <= idx)
			n *= 2;
		st->s = fc_xrealloc(st->s, n * sizeof(*st->s));
		memset(st->s + st->ns, 0, (n - st->ns) * sizeof(*st->s));
		for (size_t i = st->ns; i < n; i++)
			tsp_grid_init(&st->s[i].g, st->cfg.step);
		st->ns = n;
	}
	return &st->s[idx];
}

const char *fc_key(const struct fc_state *st, size_t i, char *q, size_t n)
{
	size_t len;
	const char *key = tsp_table_key(st->in.series, i, &len);

	return tsp_quote(q, n, key, len);
}

size_t fc_steps(const struct fc_series *s, const struct fc_amount *a)
{
	if (a->steps > 0)
		return (size_t)a->steps;
	if (a->dur <= 0 || s->g.months || s->g.step <= 0 ||
	    a->dur % s->g.step != 0)
		return 0;
	return (size_t)(a->dur / s->g.step);
}

int fc_series_opts(const struct fc_state *st, const struct fc_series *s,
		   const double *y, size_t n, struct tsp_fc_opts *o)
{
	const struct fc_config *c = &st->cfg;
	size_t p[TSP_FC_MAXP], np = 0;
	int dropped = 0;

	*o = c->fc;
	o->np = 0;
	if (c->period_mode == PERIOD_GIVEN) {
		for (size_t k = 0; k < c->nperiod; k++) {
			size_t v = fc_steps(s, &c->period[k]);
			if (v >= 2)
				p[np++] = v;
		}
	} else if (c->period_mode == PERIOD_GRID) {
		np = tsp_grid_periods(&s->g, p, TSP_FC_MAXP);
	} else if (c->period_mode == PERIOD_AUTO && y) {
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
		if (!y || n >= 2 * p[k] ||
		    (k == 0 && c->period_mode == PERIOD_GIVEN))
			o->period[o->np++] = p[k];
		else
			dropped = 1;
	if (c->horizon.steps || c->horizon.dur)
		o->horizon = fc_steps(s, &c->horizon);
	if (c->evaluate)
		o->horizon = fc_steps(s, &c->holdout);
	return dropped;
}

/* What the series' prior (--load --refit) says to fit. */
static void prior_opts(const struct fc_series *s, struct tsp_fc_opts *o)
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

/* why: the method's error, for TSP_FC_FB_FAILED */
static void note_fallback(struct fc_state *st, size_t idx,
			  const struct tsp_fc_model *m, const char *why)
{
	if (m->fallback == TSP_FC_FB_NONE)
		return;
	if (st->fallback[m->fallback]++ == 0) {
		fc_key(st, idx, st->fallback_key[m->fallback],
		       sizeof(st->fallback_key[0]));
		if (m->fallback == TSP_FC_FB_FAILED)
			snprintf(st->failed_why, sizeof(st->failed_why),
				 "%.150s", why);
	}
}

static int seasonal_method(enum tsp_fc_method m)
{
	return m == TSP_FC_AUTO || m == TSP_FC_ETS || m == TSP_FC_HW ||
	       m == TSP_FC_THETA || m == TSP_FC_STLF || m == TSP_FC_SNAIVE;
}

int fc_series_fit(struct fc_state *st, size_t idx, size_t n)
{
	struct fc_series *s = &st->s[idx];
	struct tsp_fc_opts o;
	struct tsp_error err;
	char q[80], msg[sizeof(err.msg)];
	int dropped;

	dropped = fc_series_opts(st, s, s->y, n, &o);
	prior_opts(s, &o);
	s->m = o.np ? o.period[0] : 1;
	s->model = calloc(1, sizeof(*s->model));
	if (!s->model)
		fc_die_nomem();
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
		note_fallback(st, idx, s->model, err.msg);
		tsp_fc_label(s->model, s->label, sizeof(s->label));
		return 0;
	}
	if (err.code != TSP_EDATA)
		tsp_cli_die(&err);
	memcpy(msg, err.msg, sizeof(msg));
	tsp_error_at(&err, TSP_EDATA, s->input, s->line, "series %s: %s",
		     fc_key(st, idx, q, sizeof(q)), msg);
	tsp_cli_print_error(&err, st->cli->skip_errors ? " (no forecast)"
			    : "");
	st->failed++;
	tsp_fc_model_release(s->model);
	free(s->model);
	s->model = NULL;
	s->state = S_FAILED;
	return -1;
}

void fc_series_push(struct fc_series *s, double v, int64_t gap,
		    int64_t refine)
{
	size_t need;

	if (refine > 1 && s->n) {
		/* a finer step: spread the values held over it */
		size_t n = (s->n - 1) * (size_t)refine + 1;
		double *y = fc_xrealloc(NULL, (n + 16) * sizeof(*y));
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
		s->y = fc_xrealloc(s->y, s->cap * sizeof(*s->y));
	}
	for (int64_t i = 1; i < gap; i++)
		s->y[s->n++] = NAN;
	s->y[s->n++] = v;
}

size_t fc_warmup(const struct fc_state *st, const struct fc_series *s)
{
	struct tsp_fc_opts o;
	size_t w;

	if (st->cfg.rnn.on && !(st->cfg.warmup.steps || st->cfg.warmup.dur)) {
		/* a few hundred windows (lookback 60 steps by default) */
		w = fc_steps(s, &st->cfg.rnn.lookback);
		return (w ? w : 60) * 5 + 1;
	}
	if (st->cfg.warmup.steps || st->cfg.warmup.dur) {
		w = fc_steps(s, &st->cfg.warmup);
		return w ? w : 10;
	}
	fc_series_opts(st, s, NULL, 0, &o);
	w = o.np ? 2 * o.period[o.np - 1] + 2 : 10;
	return w > 10 ? w : 10;
}

void fc_state_release(struct fc_state *st)
{
	for (size_t i = 0; i < st->ns; i++) {
		struct fc_series *s = &st->s[i];
		free(s->y);
		tsp_recbuf_release(&s->last);
		if (s->model)
			tsp_fc_model_release(s->model);
		if (s->prior)
			tsp_fc_model_release(s->prior);
		free(s->model);
		free(s->prior);
		fc_rnn_release(s);
	}
	if (st->net) {
		tsp_rnn_release(st->net);
		free(st->net);
	}
	free(st->s);
	tsp_store_close(st->store);
	tsp_params_release(&st->params);
	tsp_row_release(&st->row);
}
