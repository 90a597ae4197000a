/*
 * tsdecide: scaling decisions from forecasts.  Per series, each run of
 * forecast records (kind=forecast: one tsforecast --horizon run) is one
 * decision, made at the run's issue time (its last observed point) on
 * the highest load of the --lead window; lib/decide.c applies the policy.
 *
 * One streaming pass.  A decision is written as soon as its window is
 * complete (or its run ends); memory holds one state and one open run per
 * series.  --save/--load keep the states for the next cron run.
 */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tsdecide.h"
#include "tool_io.h"
#include "tsp_store.h"

struct series {
	struct tsp_decide_state st;
	unsigned looked:1;	/* --load consulted */
	unsigned decided:1;	/* a decision made in this run */
	unsigned any_fc:1;	/* a forecast record seen */
	unsigned has_obs:1;	/* obs_t: an observed record since the run */
	unsigned open:1;	/* a run of forecasts being read */
	unsigned done:1;	/* its window is complete, decided */
	unsigned known:1;	/* its issue time is known */
	unsigned has_issue:1;	/* last_issue is set */
	unsigned has_rb:1;	/* rb holds a record of the open run */
	tsp_time_t obs_t, last_issue;
	tsp_time_t issue, first, prev, peak_t;
	double peak, cur;	/* NaN = none */
	long ti;		/* the time field in rb */
	struct tsp_timefmt fmt;
	struct tsp_recbuf rb;	/* the peak's record (the first, till one) */
	const char *input;	/* the last record, for the end check */
	long line;
};

struct state {
	struct decide_options o;
	struct tsp_cli *cli;
	struct tsp_input in;
	struct series *s;
	size_t ns;
	struct tsp_store *store;
	struct tsp_params params;
	struct tsp_row row;
	const char *f_kind, *f_current, *f_action, *f_replicas, *f_reason;
	long short_runs;	/* runs ending before --lead */
	char short_first[80];
	tsp_time_t short_reach;
};

static struct series *series_at(struct state *st, size_t idx)
{
	st->s = tsp_grow_zeroed(st->s, &st->ns, idx, sizeof(*st->s));
	return &st->s[idx];
}

static const char *key_of(struct state *st, size_t idx, char *q, size_t n)
{
	size_t len;
	const char *key = tsp_table_key(st->in.series, idx, &len);

	return tsp_quote(q, n, key, len);
}

/* The series' saved state, the first time it is seen. */
static void state_ready(struct state *st, struct series *s, size_t idx)
{
	struct tsp_error err;
	char q[80], msg[sizeof(err.msg)];
	const char *key;
	size_t len;
	int rc;

	if (s->looked)
		return;
	s->looked = 1;
	tsp_decide_state_init(&s->st);
	if (!st->store)
		return;
	tsp_error_clear(&err);
	key = tsp_table_key(st->in.series, idx, &len);
	rc = tsp_store_get(st->store, key, len, &st->params, &err);
	if (rc > 0 && tsp_decide_load(&s->st, &st->o.pol, st->params.buf,
				      st->params.len, &err) < 0) {
		memcpy(msg, err.msg, sizeof(msg));
		tsp_error_at(&err, TSP_EDATA, st->o.load, 0, "series %s: %s",
			     tsp_quote(q, sizeof(q), key, len), msg);
		rc = -1;
	}
	if (rc < 0)
		tsp_cli_die(&err);
}

/* Which replicas run now, and who says so. */
static long current_of(struct state *st, struct series *s, const char **src)
{
	if (!isnan(s->cur)) {
		*src = "field 'current'";
		return (long)s->cur;
	}
	if (!s->decided && st->o.current >= 0) {
		*src = "--current";
		return st->o.current;
	}
	if (s->st.decided) {
		*src = "last decision";
		return s->st.replicas;
	}
	*src = "assumed: --min";
	return st->o.pol.min;
}

static void emit_kubectl(struct state *st, struct series *s, size_t idx,
			 long replicas)
{
	struct tsp_error err;
	char name[256];
	const char *key;
	size_t len;

	tsp_error_clear(&err);
	key = tsp_table_key(st->in.series, idx, &len);
	if (decide_deployment(st->o.deployment, &s->rb.rec, key, len, name,
			      sizeof(name), &err) < 0) {
		tsp_cli_record_error(st->cli, &err);
		return;
	}
	if (printf("kubectl scale deployment/%s --replicas=%ld\n", name,
		   replicas) < 0 || ferror(stdout)) {
		tsp_error_set(&err, errno == EPIPE ? TSP_EPIPE : TSP_ESYS,
			      "write error: %s", strerror(errno));
		tsp_cli_die(&err);
	}
}

/* Decide on the run of series idx and write the decision. */
static void decide(struct state *st, struct series *s, size_t idx)
{
	struct tsp_decision d;
	struct tsp_error err;
	char when[TSP_TIME_BUFSZ], dur[32], reason[512];
	const char *src;
	long cur = current_of(st, s, &src);
	int cur_assumed = !strcmp(src, "assumed: --min");

	tsp_error_clear(&err);
	if (s->st.decided && s->issue <= s->st.last_t) {
		/* a --load'ed decision covers it: a rerun, nothing new */
		memset(&d, 0, sizeof(d));
		d.current = d.replicas = cur;
		tsp_time_format(s->st.last_t, &s->fmt, when);
		snprintf(reason, sizeof(reason), "decided before at %s (saved "
			 "state); current %ld (%s)", when, cur, src);
	} else {
		if (tsp_decide(&s->st, &st->o.pol, s->issue, s->peak, cur, &d,
			       &err) < 0)
			tsp_cli_die(&err);
		s->decided = 1;
		if (isnan(s->peak))
			snprintf(reason, sizeof(reason), "%s: %s; current %ld "
				 "(%s)", st->o.use, d.reason, cur, src);
		else
			snprintf(reason, sizeof(reason), "%s at +%s: %s; "
				 "current %ld (%s)", st->o.use,
				 tsp_decide_duration(s->peak_t - s->issue, dur,
						     sizeof(dur)),
				 d.reason, cur, src);
	}
	if (s->prev < s->issue + st->o.lead && st->o.lead &&
	    st->short_runs++ == 0) {
		key_of(st, idx, st->short_first, sizeof(st->short_first));
		st->short_reach = s->prev - s->issue;
	}
	if (st->o.kubectl) {
		/* Replicas only assumed: set them, it is harmless; trusting
		   the assumption is not (a deployment at 10 would stay). */
		if (d.action != TSP_ACTION_HOLD || cur_assumed)
			emit_kubectl(st, s, idx, d.replicas);
		return;
	}
	tsp_row_start(&st->row, &s->rb.rec);
	tsp_row_time_set(&st->row, st->cli, s->ti, s->issue, &s->fmt);
	tsp_row_str(&st->row, st->f_action, tsp_action_name(d.action));
	tsp_row_num(&st->row, st->f_replicas, (double)d.replicas);
	tsp_row_num(&st->row, st->f_current, (double)d.current);
	tsp_row_str(&st->row, st->f_reason, reason);
	tsp_row_write(&st->row, st->in.w);
}

static void rb_release(struct series *s)
{
	tsp_recbuf_release(&s->rb);
	s->has_rb = 0;
}

/* The run of series idx has ended: decide if its window did not. */
static void run_end(struct state *st, struct series *s, size_t idx)
{
	struct tsp_error err;
	char q[80];

	if (!s->open)
		return;
	s->open = 0;
	if (!s->has_rb) {
		/* done, or its records were bad (and reported) */
	} else if (!s->done && !s->known) {
		tsp_error_clear(&err);
		tsp_error_at(&err, TSP_EDATA, s->rb.rec.input, s->rb.rec.line,
			     "series %s: cannot tell when a lone forecast "
			     "record was made: keep tsforecast's echo of the "
			     "data, or forecast two steps or more",
			     key_of(st, idx, q, sizeof(q)));
		tsp_cli_record_error(st->cli, &err);
	} else if (!s->done) {
		decide(st, s, idx);
	}
	rb_release(s);
}

/* The issue time of the open run is known: it must follow the last. */
static int issue_known(struct state *st, struct series *s, size_t idx,
		       const struct tsp_record *rec, struct tsp_error *err)
{
	char a[TSP_TIME_BUFSZ], b[TSP_TIME_BUFSZ], q[80];

	s->known = 1;
	if (s->has_issue && s->issue <= s->last_issue) {
		tsp_time_format(s->issue, &s->fmt, a);
		tsp_time_format(s->last_issue, &s->fmt, b);
		s->done = 1;	/* the rest of the run is its */
		rb_release(s);
		return tsp_error_at(err, TSP_EDATA, rec->input, rec->line,
				    "time goes backwards in series %s: "
				    "forecasts made at %s after forecasts made "
				    "at %s (one forecast run after another)",
				    key_of(st, idx, q, sizeof(q)), a, b);
	}
	s->has_issue = 1;
	s->last_issue = s->issue;
	return 0;
}

/* A value of the run: the highest of the window is planned on. */
static int run_add(struct state *st, struct series *s,
		   const struct tsp_record *rec, const struct tsp_point *pt,
		   struct tsp_error *err)
{
	double v = pt->missing ? NAN : pt->v;

	if (!isnan(v) && !isfinite(v))
		return tsp_error_at(err, TSP_EDATA, rec->input, rec->line,
				    "infinite value '%.*s' in field '%s'",
				    (int)rec->f[pt->vi].len,
				    rec->f[pt->vi].val, st->o.use);
	if (isnan(s->cur)) {
		long ci = tsp_record_find(rec, st->f_current);
		if (ci >= 0 && tsp_field_num(rec, ci, &s->cur, err) < 0)
			return -1;
		if (!isnan(s->cur) && !(s->cur >= 0 &&
					s->cur == floor(s->cur) &&
					s->cur <= TSP_DECIDE_MAXREPLICAS))
			return tsp_error_at(err, TSP_EDATA, rec->input,
					    rec->line, "bad current '%.*s' (a "
					    "whole number of replicas)",
					    (int)rec->f[ci].len,
					    rec->f[ci].val);
	}
	/* the window, and at least the first (good) forecast */
	if (s->has_rb && s->known && pt->t > s->issue + st->o.lead)
		return 0;
	if (!s->has_rb || (!isnan(v) && (isnan(s->peak) || v > s->peak))) {
		s->peak = v;
		s->peak_t = pt->t;
		s->ti = pt->ti;
		if (tsp_recbuf_copy(&s->rb, rec, err) < 0)
			return -1;
		s->has_rb = 1;
	}
	return 0;
}

static int forecast_record(struct state *st, struct series *s, size_t idx,
			   const struct tsp_record *rec,
			   const struct tsp_point *pt, struct tsp_error *err)
{
	char a[TSP_TIME_BUFSZ], b[TSP_TIME_BUFSZ], q[80];

	s->any_fc = 1;
	if (s->open && pt->t <= s->prev)
		run_end(st, s, idx);	/* the next tsforecast run */
	if (!s->open) {
		if (s->has_obs && pt->t <= s->obs_t) {
			tsp_time_format(pt->t, &pt->tfmt, a);
			tsp_time_format(s->obs_t, &pt->tfmt, b);
			return tsp_error_at(err, TSP_EDATA, rec->input,
					    rec->line, "series %s: forecast at "
					    "%s is not after the last observed "
					    "record (%s)",
					    key_of(st, idx, q, sizeof(q)), a,
					    b);
		}
		s->open = 1;
		s->done = s->known = 0;
		s->first = s->prev = pt->t;
		s->fmt = pt->tfmt;
		s->peak = s->cur = NAN;
		s->issue = s->obs_t;
		if (s->has_obs) {
			s->has_obs = 0;
			if (issue_known(st, s, idx, rec, err) < 0)
				return -1;
		}
	} else if (!s->known) {
		/* no echo of the data: one step before the first forecast */
		s->issue = s->first - (pt->t - s->first);
		if (issue_known(st, s, idx, rec, err) < 0)
			return -1;
	}
	if (s->done) {
		s->prev = pt->t;
		return 0;
	}
	if (run_add(st, s, rec, pt, err) < 0)
		return -1;
	s->prev = pt->t;
	if (s->known && s->has_rb && pt->t >= s->issue + st->o.lead) {
		decide(st, s, idx);
		s->done = 1;
		rb_release(s);
	}
	return 0;
}

static int record_cb(void *ctx, const struct tsp_record *rec,
		     const struct tsp_point *pt, size_t idx,
		     struct tsp_error *err)
{
	struct state *st = ctx;
	struct series *s = series_at(st, idx);
	long ki = tsp_record_find(rec, st->f_kind);
	char a[TSP_TIME_BUFSZ], b[TSP_TIME_BUFSZ], q[80];

	state_ready(st, s, idx);
	s->input = rec->input;
	s->line = rec->line;
	/* Without a kind field every record is a forecast. */
	if (ki < 0 || (rec->f[ki].len == 8 &&
		       memcmp(rec->f[ki].val, "forecast", 8) == 0))
		return forecast_record(st, s, idx, rec, pt, err);
	/* An observed record (online forecast or not): history. */
	run_end(st, s, idx);
	if (s->has_obs && pt->t < s->obs_t) {
		tsp_time_format(pt->t, &pt->tfmt, a);
		tsp_time_format(s->obs_t, &pt->tfmt, b);
		return tsp_error_at(err, TSP_EDATA, rec->input, rec->line,
				    "time goes backwards in series %s: %s "
				    "after %s (sort with tsinterp --sort)",
				    key_of(st, idx, q, sizeof(q)), a, b);
	}
	s->has_obs = 1;
	s->obs_t = pt->t;
	return 0;
}

/* The end of the input: open runs are decided, in order of series. */
static void input_end(struct state *st)
{
	struct tsp_error err;
	char q[80], dur[32], lead[32];

	for (size_t i = 0; i < tsp_table_count(st->in.series); i++) {
		struct series *s = series_at(st, i);
		run_end(st, s, i);
		if (s->any_fc)
			continue;
		tsp_error_clear(&err);
		tsp_error_at(&err, TSP_EDATA, s->input, s->line, "series %s: "
			     "no forecast records (kind=forecast) to decide "
			     "on: give tsforecast -H (online forecasts look "
			     "one step back)", key_of(st, i, q, sizeof(q)));
		tsp_cli_record_error(st->cli, &err);
	}
	if (st->short_runs)
		tsp_cli_warn("%ld decision%s planned on forecasts short of "
			     "--lead %s (the first: series %s, to +%s)",
			     st->short_runs, st->short_runs == 1 ? "" : "s",
			     tsp_decide_duration(st->o.lead, lead,
						 sizeof(lead)),
			     st->short_first,
			     tsp_decide_duration(st->short_reach, dur,
						 sizeof(dur)));
}

static void load_open(struct state *st)
{
	struct tsp_error err;
	const char *opts;
	size_t len;

	tsp_error_clear(&err);
	st->store = tsp_store_open(st->o.load, "tsdecide", &err);
	if (!st->store)
		tsp_cli_die(&err);
	opts = tsp_store_options(st->store, &len);
	if (len != strlen(st->o.text) || memcmp(opts, st->o.text, len) != 0)
		tsp_cli_usage_error("%s was saved under another policy (%.*s): "
				    "give the same, or start afresh without "
				    "--load", st->o.load, (int)len, opts);
}

/* Every series of this run, then those of --load it did not see. */
static void save_store(struct state *st)
{
	struct tsp_store_writer *w;
	struct tsp_store_iter it = { 0, 0 };
	struct tsp_error err;
	const char *key;
	size_t keylen, bytes;
	int rc, added;

	tsp_error_clear(&err);
	w = tsp_store_create(st->o.save, "tsdecide", st->o.text, &err);
	if (!w)
		tsp_cli_die(&err);
	for (size_t i = 0; i < tsp_table_count(st->in.series); i++) {
		struct series *s = series_at(st, i);
		if (!s->st.decided)
			continue;
		key = tsp_table_key(st->in.series, i, &keylen);
		tsp_params_clear(&st->params);
		if (tsp_decide_save(&s->st, &st->params, &err) < 0 ||
		    tsp_store_add(w, key, keylen, &st->params, &err) < 0)
			goto fail;
	}
	while (st->store && (rc = tsp_store_next(st->store, &it, &key, &keylen,
						 &bytes, &st->params,
						 &err)) != 0) {
		if (rc < 0)
			goto fail;
		/* Adding the key is harmless here: the input is over. */
		if (tsp_table_get(st->in.series, key, keylen, &added) < 0) {
			tsp_error_set(&err, TSP_ENOMEM, "out of memory");
			goto fail;
		}
		if (added && tsp_store_add(w, key, keylen, &st->params,
					   &err) < 0)
			goto fail;
	}
	if (tsp_store_commit(w, &err) < 0)
		tsp_cli_die(&err);
	return;
fail:
	tsp_store_abort(w);
	tsp_cli_die(&err);
}

int main(int argc, char **argv)
{
	struct tsp_cli cli;
	struct tsp_table series;
	struct tsp_error err;
	struct state st;
	int status;

	tsp_cli_init(&cli, "tsdecide", argv);
	memset(&st, 0, sizeof(st));
	decide_parse_options(argc, argv, &cli, &st.o);
	tsp_error_clear(&err);
	if (tsp_spec_init(&cli.spec, &err) < 0)
		tsp_cli_die(&err);
	st.cli = &cli;
	st.f_kind = tsp_intern("kind", 4);
	st.f_current = tsp_intern("current", 7);
	st.f_action = tsp_intern("action", 6);
	st.f_replicas = tsp_intern("replicas", 8);
	st.f_reason = tsp_intern("reason", 6);
	tsp_table_init(&series);
	tsp_input_init(&st.in, &cli, &series);
	st.in.no_output = st.o.kubectl;
	st.in.extra = (const char *const[]){ st.f_action, st.f_replicas,
					     st.f_current, st.f_reason };
	st.in.nextra = 4;
	tsp_row_init(&st.row);
	tsp_params_init(&st.params);
	if (st.o.load)
		load_open(&st);
	tsp_input_each(&st.in, argc, argv, optind, record_cb, &st);
	input_end(&st);
	if (st.o.save)
		save_store(&st);
	if (st.o.kubectl && fflush(stdout) == EOF) {
		tsp_error_set(&err, errno == EPIPE ? TSP_EPIPE : TSP_ESYS,
			      "write error: %s", strerror(errno));
		tsp_cli_die(&err);
	}
	status = tsp_cli_finish(&cli, st.in.w);

	for (size_t i = 0; i < st.ns; i++) {
		tsp_decide_state_release(&st.s[i].st);
		tsp_recbuf_release(&st.s[i].rb);
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
