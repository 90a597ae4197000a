/*
 * What tsforecast writes besides evaluation reports: the forecast fields
 * of a record, prediction intervals, the forecast records after a series,
 * and the warnings at the end of a run.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tsforecast.h"

size_t fc_fields_init(struct fc_state *st, const char **extra)
{
	size_t nextra = 0;
	char name[32];

	extra[nextra++] = st->f_kind = tsp_intern("kind", 4);
	extra[nextra++] = st->f_fc = tsp_intern("forecast", 8);
	extra[nextra++] = st->f_lo = tsp_intern("lo", 2);
	extra[nextra++] = st->f_hi = tsp_intern("hi", 2);
	extra[nextra++] = st->f_sigma = tsp_intern("sigma", 5);
	extra[nextra++] = st->f_model = tsp_intern("model", 5);
	for (size_t k = 0; st->cfg.nlevel > 1 && k < st->cfg.nlevel; k++) {
		snprintf(name, sizeof(name), "lo%g", st->cfg.level[k]);
		extra[nextra++] = st->f_lol[k] = tsp_intern(name, strlen(name));
		snprintf(name, sizeof(name), "hi%g", st->cfg.level[k]);
		extra[nextra++] = st->f_hil[k] = tsp_intern(name, strlen(name));
	}
	return nextra;
}

void fc_put_forecast(struct fc_state *st, const struct fc_series *s,
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

void fc_intervals(struct fc_state *st, const struct tsp_fc_model *m,
		  size_t h, const double *mean, const double *sd, double df,
		  double *lo, double *hi)
{
	const struct fc_config *c = &st->cfg;
	struct tsp_error err;
	double *nan = NULL;
	int ets = m->kind == TSP_FC_ETS || m->kind == TSP_FC_SES ||
		  m->kind == TSP_FC_HOLT || m->kind == TSP_FC_HW ||
		  m->kind == TSP_FC_STLF;

	tsp_error_clear(&err);
	if (c->interval == IV_SIMULATE && ets && !m->ncal) {
		/* no sd: tsp_fc_interval simulates */
		nan = fc_xrealloc(NULL, h * sizeof(*nan));
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

void fc_path_make(struct fc_state *st, const struct fc_series *s,
		  size_t h, struct fc_path *p)
{
	size_t nl = st->cfg.nlevel;
	struct tsp_error err;

	if (s->rnn) {
		fc_rnn_path(st, s, s->n, h, p);
		return;
	}
	p->mean = fc_xrealloc(NULL, h * sizeof(*p->mean));
	p->sd = fc_xrealloc(NULL, h * sizeof(*p->sd));
	p->lo = fc_xrealloc(NULL, nl * h * sizeof(*p->lo));
	p->hi = fc_xrealloc(NULL, nl * h * sizeof(*p->hi));
	tsp_error_clear(&err);
	if (tsp_fc_forecast(s->model, h, p->mean, p->sd, &p->df, &err) < 0)
		tsp_cli_die(&err);
	fc_intervals(st, s->model, h, p->mean, p->sd, p->df, p->lo, p->hi);
}

void fc_path_release(struct fc_path *p)
{
	free(p->mean);
	free(p->sd);
	free(p->lo);
	free(p->hi);
}

void fc_off_step(struct fc_state *st, size_t idx, const char *opt,
		 const char *arg)
{
	struct fc_series *s = &st->s[idx];
	struct tsp_error err;
	char q[80], step[32];

	tsp_grid_label(&s->g, step, sizeof(step));
	tsp_error_clear(&err);
	tsp_error_at(&err, TSP_EDATA, s->input, s->line, "series %s: %s '%s' "
		     "is not a whole number of its steps (%s): give a number "
		     "of steps", fc_key(st, idx, q, sizeof(q)), opt, arg, step);
	tsp_cli_print_error(&err, "");
	st->failed++;
}

void fc_write_forecasts(struct fc_state *st, size_t idx, size_t h)
{
	struct fc_series *s = &st->s[idx];
	size_t nl = st->cfg.nlevel;
	double l1[TSP_FC_MAXLEVELS], h1[TSP_FC_MAXLEVELS];
	struct fc_path p;

	if (h == 0 || s->state != S_MODEL || !s->last.rec.n)
		return;
	if (s->g.step == 0 && s->g.months == 0) {
		/* one point and no --step: no time to put a forecast at */
		if (st->nostep++ == 0)
			fc_key(st, idx, st->nostep_key, sizeof(st->nostep_key));
		return;
	}
	fc_path_make(st, s, h, &p);
	for (size_t i = 0; i < h; i++) {
		for (size_t k = 0; k < nl; k++) {
			l1[k] = p.lo[k * h + i];
			h1[k] = p.hi[k * h + i];
		}
		tsp_row_start(&st->row, &s->last.rec);
		if (s->vi >= 0)
			tsp_row_num(&st->row, s->last.rec.f[s->vi].name, NAN);
		tsp_row_time_set(&st->row, st->cli, s->ti,
				 tsp_grid_shift(&s->g, s->g.last,
						(int64_t)i + 1), &s->tfmt);
		fc_put_forecast(st, s, "forecast", p.mean[i],
				isnan(p.sd[i]) ? NAN : p.sd[i], l1, h1);
		tsp_row_write(&st->row, st->in.w);
	}
	fc_path_release(&p);
}

void fc_report_fallbacks(const struct fc_state *st)
{
	static const char *const why[TSP_FC_FB_FAILED] = { "",
		"too short for their seasonal period: fitted without season",
		"with a period too long for ETS seasonality (over 24 steps): "
		"fitted without season; --method stlf or auto handle it",
		"constant: forecast as naive, with zero-width intervals",
		"with too few points for the method: forecast as naive" };

	if (st->nostep)
		tsp_cli_warn("%ld series with one point and no --step: no "
			     "forecast records (first: %s)", st->nostep,
			     st->nostep_key);
	for (int k = 1; k < TSP_FC_FB_FAILED; k++)
		if (st->fallback[k])
			tsp_cli_warn("%ld series %s (first: %s)",
				     st->fallback[k], why[k],
				     st->fallback_key[k]);
	if (st->fallback[TSP_FC_FB_FAILED])
		tsp_cli_warn("%ld series the method failed on: forecast as "
			     "naive (first: %s: %s)",
			     st->fallback[TSP_FC_FB_FAILED],
			     st->fallback_key[TSP_FC_FB_FAILED],
			     st->failed_why);
}
