/*
 * tsscore: anomaly scores and levels (NORMAL, WEAK, STRONG) for every
 * record, from the forecasts tsforecast --online wrote or from the series
 * alone, then the alarm rules that decide what is worth a page.
 *
 * One streaming pass; memory holds one scorer state per series
 * (lib/scorer.c).  --save/--load keep those states in a model store so a
 * cron job continues where the previous run stopped.  --evaluate compares
 * the levels with a 0/1 label field instead of writing records.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "tsscore.h"
#include "tool_io.h"
#include "tsp_anomeval.h"
#include "tsp_store.h"

struct series {
	struct tsp_scorer *sc;
	struct tsp_anomeval_run *ev;	/* ndet + 1 runs, --evaluate */
};

struct state {
	struct score_config cfg;
	struct tsp_cli *cli;
	struct tsp_input in;
	struct series *s;
	size_t ns;
	struct tsp_store *store;
	struct tsp_params params;
	struct tsp_row row;
	const char *f_forecast, *f_sigma, *f_lo, *f_hi, *f_kind, *f_label;
	const char *f_score, *f_anomaly, *f_reason;
	struct tsp_anomeval ev[TSP_SCORER_MAXDET + 1];
	int worst;			/* most severe final level seen */
	char scorebuf[32];		/* the score of the row being written */
};

static struct series *series_at(struct state *st, size_t idx)
{
	st->s = tsp_grow_zeroed(st->s, &st->ns, idx, sizeof(*st->s));
	return &st->s[idx];
}

/*
 * The score as text, rounded to 4 decimals with trailing zeros dropped
 * ("12.5115", "3", "0.0002"): more digits would be noise to a reader, and
 * writing it is a few integer steps.  For 0 <= v < 1e9; returns buf.
 */
static const char *score_text(double v, char *buf)
{
	long long n = llround(v * 1e4);
	long long ip = n / 10000;
	int fp = (int)(n % 10000), len = 0;
	char digits[24];
	int nd = 0;

	/* snprintf("%lld") was an eighth of tsscore's time */
	do {
		digits[nd++] = (char)('0' + ip % 10);
		ip /= 10;
	} while (ip);
	while (nd)
		buf[len++] = digits[--nd];
	if (fp) {
		buf[len++] = '.';
		for (int d = 1000; d && fp; d /= 10) {
			buf[len++] = (char)('0' + fp / d);
			fp %= d;
		}
	}
	buf[len] = 0;
	return buf;
}

/* A number field of rec by name: NaN when absent or empty. */
static int num_field(const struct tsp_record *rec, const char *name,
		     double *v, struct tsp_error *err)
{
	long i = tsp_record_find(rec, name);

	*v = NAN;
	return i < 0 ? 0 : tsp_field_num(rec, i, v, err);
}

/* The scorer of series idx: from the store, or new. */
static int scorer_ready(struct state *st, struct series *s,
			const struct tsp_point *pt, struct tsp_error *err)
{
	char q[80], msg[sizeof(err->msg)];
	int rc = 0;

	if (s->sc)
		return 0;
	if (st->store) {
		rc = tsp_store_get(st->store, pt->key, pt->keylen, &st->params,
				   err);
		if (rc < 0)
			tsp_cli_die(err);	/* a corrupt store */
	}
	if (rc > 0) {
		s->sc = tsp_scorer_load(&st->cfg.sc, st->params.buf,
					st->params.len, err);
		if (!s->sc) {
			memcpy(msg, err->msg, sizeof(msg));
			tsp_error_at(err, TSP_EDATA, st->cfg.load, 0,
				     "series %s: %s",
				     tsp_quote(q, sizeof(q), pt->key,
					       pt->keylen), msg);
			tsp_cli_die(err);
		}
	} else if (!(s->sc = tsp_scorer_new(&st->cfg.sc, err))) {
		if (err->code == TSP_EUSAGE)
			tsp_cli_usage_error("%s", err->msg);
		tsp_cli_die(err);
	}
	if (st->cfg.evaluate &&
	    !(s->ev = calloc(st->cfg.sc.ndet + 1, sizeof(*s->ev))))
		tsp_die_nomem();
	return 0;
}

/* The label of an --evaluate record: 0, 1, or -1 when empty. */
static int label_of(struct state *st, const struct tsp_record *rec,
		    struct tsp_error *err)
{
	long i = tsp_record_find(rec, st->f_label);
	double v;

	if (i < 0)
		return tsp_error_at(err, TSP_EDATA, rec->input, rec->line,
				    "no label field '%s'", st->f_label), -2;
	if (tsp_field_num(rec, i, &v, err) < 0)
		return -2;
	if (isnan(v))
		return -1;
	if (v != 0 && v != 1)
		return tsp_error_at(err, TSP_EDATA, rec->input, rec->line,
				    "label '%s' is %g, not 0 or 1",
				    st->f_label, v), -2;
	return (int)v;
}

static void evaluate_point(struct state *st, struct series *s,
			   const struct tsp_point *pt, int label,
			   const struct tsp_scorer_out *out)
{
	size_t nd = st->cfg.sc.ndet;

	if (label < 0)
		return;
	for (size_t i = 0; i < nd; i++)
		tsp_anomeval_point(&st->ev[i], &s->ev[i], pt->t, label,
				   out->det[i]);
	tsp_anomeval_point(&st->ev[nd], &s->ev[nd], pt->t, label, out->level);
}

static void load_open(struct state *st);

static int score_cb(void *ctx, const struct tsp_record *rec,
		    const struct tsp_point *pt, size_t idx,
		    struct tsp_error *err)
{
	struct state *st = ctx;
	struct series *s = series_at(st, idx);
	struct tsp_scorer_out out;
	struct tsp_obs o;
	long ki = tsp_record_find(rec, st->f_kind);
	int label = 0;

	if (!st->cfg.resolved) {
		score_config_resolve(&st->cfg,
				     tsp_record_find(rec, st->f_forecast) >= 0);
		if (st->cfg.load)
			load_open(st);
	}

	tsp_row_start(&st->row, rec);
	tsp_row_time(&st->row, st->cli, pt->ti, pt->t, &pt->tfmt);
	/* tsforecast --horizon's forecast rows lie in the future: nothing
	   to score, nothing missing. */
	if (ki >= 0 && rec->f[ki].len == 8 &&
	    memcmp(rec->f[ki].val, "forecast", 8) == 0) {
		if (st->cfg.evaluate)
			return 0;
		tsp_row_str(&st->row, st->f_score, "");
		tsp_row_str(&st->row, st->f_anomaly, "");
		tsp_row_str(&st->row, st->f_reason, "");
		if (!st->cfg.only_anomalies)
			tsp_row_write(&st->row, st->in.w);
		return 0;
	}
	o.value = pt->missing ? NAN : pt->v;
	if (pt->missing)	/* null in NDJSON, whatever the input said */
		tsp_row_num(&st->row, rec->f[pt->vi].name, NAN);
	o.forecast = o.sigma = o.lo = o.hi = NAN;
	/* lo and hi matter only where sigma does not say it */
	if (st->cfg.uses_forecast &&
	    (num_field(rec, st->f_forecast, &o.forecast, err) < 0 ||
	     num_field(rec, st->f_sigma, &o.sigma, err) < 0 ||
	     (!(o.sigma > 0) &&
	      (num_field(rec, st->f_lo, &o.lo, err) < 0 ||
	       num_field(rec, st->f_hi, &o.hi, err) < 0))))
		return -1;
	if (st->cfg.evaluate && (label = label_of(st, rec, err)) < -1)
		return -1;
	if (scorer_ready(st, s, pt, err) < 0)
		return -1;
	if (tsp_scorer_push(s->sc, &st->cfg.sc, pt->t, &o, &out, err) < 0) {
		struct tsp_error e2 = *err;
		return tsp_error_at(err, e2.code, rec->input, rec->line, "%s",
				    e2.msg);
	}
	if (out.level == TSP_LEVEL_WEAK || out.level == TSP_LEVEL_STRONG)
		if ((int)out.level > st->worst)
			st->worst = (int)out.level;
	if (st->cfg.evaluate) {
		evaluate_point(st, s, pt, label, &out);
		return 0;
	}
	if (st->cfg.only_anomalies && out.level != TSP_LEVEL_WEAK &&
	    out.level != TSP_LEVEL_STRONG)
		return 0;
	if (out.score >= 0 && out.score < 1e9)
		tsp_row_numtext(&st->row, st->f_score,
				score_text(out.score, st->scorebuf));
	else
		tsp_row_num(&st->row, st->f_score, out.score);
	tsp_row_str(&st->row, st->f_anomaly, tsp_level_name(out.level));
	tsp_row_str(&st->row, st->f_reason, out.reason);
	tsp_row_write(&st->row, st->in.w);
	return 0;
}

/* --evaluate: one line (or record) per detector and one for the rules. */
static void report(struct state *st)
{
	size_t nd = st->cfg.sc.ndet;
	struct tsp_writer *w = NULL;
	struct tsp_error err;

	tsp_error_clear(&err);
	if (!st->cfg.table) {
		if (!(w = tsp_writer_new(STDOUT_FILENO, TSP_FMT_NDJSON)))
			tsp_die_nomem();
		tsp_cli_set_output(w);
	} else {
		printf("%-12s %7s %7s %7s %6s %6s %6s %7s %7s %7s %9s %10s\n",
		       "method", "events", "found", "alarms", "P", "R", "F1",
		       "ev_P", "ev_R", "ev_F1", "delay_pts", "delay_s");
	}
	for (size_t i = 0; i <= nd; i++) {
		struct tsp_anomeval_figures f;
		const char *name = i < nd ?
			tsp_detector_name(st->cfg.sc.det[i].kind) : "all";

		tsp_anomeval_figures(&st->ev[i], &f);
		if (st->cfg.table) {
			printf("%-12s %7ld %7ld %7ld %6.3f %6.3f %6.3f %7.3f "
			       "%7.3f %7.3f %9.2f %10.1f\n", name,
			       st->ev[i].events, st->ev[i].detected,
			       st->ev[i].alarms, f.precision, f.recall, f.f1,
			       f.event_precision, f.event_recall, f.event_f1,
			       f.delay_points, f.delay_seconds);
			continue;
		}
		st->row.src = NULL;
		st->row.n = 0;
		tsp_row_str(&st->row, tsp_intern("method", 6), name);
		tsp_row_num(&st->row, tsp_intern("events", 6),
			    (double)st->ev[i].events);
		tsp_row_num(&st->row, tsp_intern("detected", 8),
			    (double)st->ev[i].detected);
		tsp_row_num(&st->row, tsp_intern("alarms", 6),
			    (double)st->ev[i].alarms);
		tsp_row_num(&st->row, tsp_intern("true_alarms", 11),
			    (double)st->ev[i].true_alarms);
		tsp_row_num(&st->row, tsp_intern("precision", 9), f.precision);
		tsp_row_num(&st->row, tsp_intern("recall", 6), f.recall);
		tsp_row_num(&st->row, tsp_intern("f1", 2), f.f1);
		tsp_row_num(&st->row, tsp_intern("event_precision", 15),
			    f.event_precision);
		tsp_row_num(&st->row, tsp_intern("event_recall", 12),
			    f.event_recall);
		tsp_row_num(&st->row, tsp_intern("event_f1", 8), f.event_f1);
		tsp_row_num(&st->row, tsp_intern("delay_points", 12),
			    f.delay_points);
		tsp_row_num(&st->row, tsp_intern("delay_seconds", 13),
			    f.delay_seconds);
		tsp_row_write(&st->row, w);
	}
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

static void load_open(struct state *st)
{
	struct tsp_error err;
	const char *opts;
	size_t len;

	tsp_error_clear(&err);
	st->store = tsp_store_open(st->cfg.load, "tsscore", &err);
	if (!st->store)
		tsp_cli_die(&err);
	opts = tsp_store_options(st->store, &len);
	if (len != strlen(st->cfg.options) ||
	    memcmp(opts, st->cfg.options, len) != 0)
		tsp_cli_usage_error("%s was saved with other detector options "
				    "(%.*s): give the same detectors, limits "
				    "and resolutions", st->cfg.load, (int)len,
				    opts);
}

/* Every series of this run, then those of --load this run did not see
 * (a cron run over some series keeps the others' state). */
static void save_store(struct state *st)
{
	struct tsp_store_writer *w;
	struct tsp_store_iter it = { 0, 0 };
	struct tsp_error err;
	const char *key;
	size_t keylen, bytes;
	int rc;

	tsp_error_clear(&err);
	w = tsp_store_create(st->cfg.save, "tsscore", st->cfg.options, &err);
	if (!w)
		tsp_cli_die(&err);
	for (size_t i = 0; i < tsp_table_count(st->in.series); i++) {
		struct series *s = series_at(st, i);
		if (!s->sc)
			continue;
		key = tsp_table_key(st->in.series, i, &keylen);
		tsp_params_clear(&st->params);
		if (tsp_scorer_save(s->sc, &st->cfg.sc, &st->params, &err) < 0 ||
		    tsp_store_add(w, key, keylen, &st->params, &err) < 0)
			goto fail;
	}
	while (st->store && (rc = tsp_store_next(st->store, &it, &key, &keylen,
						 &bytes, &st->params,
						 &err)) != 0) {
		if (rc < 0)
			goto fail;
		int added;
		/* Adding the key is harmless here: the input is over. */
		if (tsp_table_get(st->in.series, key, keylen, &added) < 0) {
			tsp_error_set(&err, TSP_ENOMEM, "out of memory");
			goto fail;
		}
		if (!added)
			continue;
		if (tsp_store_add(w, key, keylen, &st->params, &err) < 0)
			goto fail;
	}
	if (tsp_store_commit(w, &err) < 0)
		tsp_cli_die(&err);
	return;
fail:
	tsp_store_abort(w);
	tsp_cli_die(&err);
}

/* The input had no records: the options stand as given; a store loaded
 * is kept as it was. */
static void no_records(struct state *st)
{
	struct tsp_error err;
	size_t len;
	const char *opts;

	score_config_resolve(&st->cfg, 0);
	if (!st->cfg.load)
		return;
	tsp_error_clear(&err);
	if (!(st->store = tsp_store_open(st->cfg.load, "tsscore", &err)))
		tsp_cli_die(&err);
	opts = tsp_store_options(st->store, &len);
	if (len < sizeof(st->cfg.options)) {
		memcpy(st->cfg.options, opts, len);
		st->cfg.options[len] = 0;
	}
}

int main(int argc, char **argv)
{
	struct tsp_cli cli;
	struct tsp_table series;
	struct tsp_error err;
	struct state st;
	int status;

	tsp_cli_init(&cli, "tsscore", argv);
	memset(&st, 0, sizeof(st));
	score_parse_options(argc, argv, &cli, &st.cfg);
	tsp_error_clear(&err);
	if (tsp_spec_init(&cli.spec, &err) < 0)
		tsp_cli_die(&err);
	st.cli = &cli;
	st.f_forecast = tsp_intern("forecast", 8);
	st.f_sigma = tsp_intern("sigma", 5);
	st.f_lo = tsp_intern("lo", 2);
	st.f_hi = tsp_intern("hi", 2);
	st.f_kind = tsp_intern("kind", 4);
	st.f_score = tsp_intern("score", 5);
	st.f_anomaly = tsp_intern("anomaly", 7);
	st.f_reason = tsp_intern("reason", 6);
	st.f_label = st.cfg.label ? tsp_intern(st.cfg.label,
					       strlen(st.cfg.label)) : NULL;
	tsp_table_init(&series);
	tsp_input_init(&st.in, &cli, &series);
	st.in.check_order = 1;
	st.in.no_output = st.cfg.evaluate;
	st.in.extra = (const char *const[]){ st.f_score, st.f_anomaly,
					     st.f_reason };
	st.in.nextra = 3;
	tsp_row_init(&st.row);
	tsp_params_init(&st.params);
	tsp_input_each(&st.in, argc, argv, optind, score_cb, &st);
	if (!st.cfg.resolved)
		no_records(&st);
	if (st.cfg.evaluate) {
		for (size_t i = 0; i < tsp_table_count(&series); i++)
			for (size_t k = 0; st.s[i].ev && k <= st.cfg.sc.ndet;
			     k++)
				tsp_anomeval_end(&st.ev[k], &st.s[i].ev[k]);
		report(&st);
	}
	if (st.cfg.save)
		save_store(&st);
	status = tsp_cli_finish(&cli, st.in.w);
	if (status == 0 && st.cfg.fail_on && st.worst >= st.cfg.fail_on)
		status = 3;

	for (size_t i = 0; i < st.ns; i++) {
		tsp_scorer_free(st.s[i].sc, &st.cfg.sc);
		free(st.s[i].ev);
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
