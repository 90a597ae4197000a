/*
 * tsdeseason: remove seasonality from each series (STL, MSTL or a phase
 * profile), keep what was removed so that it can be put back on later
 * records (--save, --load --reseason), and profile series (--detect).
 *
 * A decomposition needs the whole series: the input is read twice (the
 * first pass gathers each series' points and decomposes them, the second
 * writes the records in their order; standard input is spooled to a
 * temporary file).  --load works in one streaming pass.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "tool_io.h"
#include "tsp_deseason.h"
#include "tsp_season.h"
#include "tsp_store.h"
#include "tsp_tz.h"

enum {
	OPT_METHOD = 1000, OPT_PERIOD, OPT_S_WINDOW, OPT_T_WINDOW, OPT_ROBUST,
	OPT_PROFILE_STAT, OPT_STEP, OPT_TZ, OPT_COMPONENTS, OPT_SAVE, OPT_LOAD,
	OPT_RESEASON, OPT_DETECT
};

static const struct option longopts[] = {
	{"method", required_argument, NULL, OPT_METHOD},
	{"period", required_argument, NULL, OPT_PERIOD},
	{"s-window", required_argument, NULL, OPT_S_WINDOW},
	{"t-window", required_argument, NULL, OPT_T_WINDOW},
	{"robust", no_argument, NULL, OPT_ROBUST},
	{"profile-stat", required_argument, NULL, OPT_PROFILE_STAT},
	{"step", required_argument, NULL, OPT_STEP},
	{"tz", required_argument, NULL, OPT_TZ},
	{"components", no_argument, NULL, OPT_COMPONENTS},
	{"save", required_argument, NULL, OPT_SAVE},
	{"load", required_argument, NULL, OPT_LOAD},
	{"reseason", no_argument, NULL, OPT_RESEASON},
	{"inverse", no_argument, NULL, OPT_RESEASON},
	{"detect", no_argument, NULL, OPT_DETECT},
	TSP_CLI_LONGOPTS,
	{NULL, 0, NULL, 0}
};

static void usage(void)
{
	printf(
"Usage: tsdeseason [options] [file ...]\n"
"       tsdeseason --load FILE [--reseason] [options] [file ...]\n"
"       tsdeseason --detect [options] [file ...]\n"
"Remove the seasonality of each series of a regular grid, or put it back.\n"
"\n"
"Decomposition:\n"
"      --method stl|mstl|profile\n"
"                             STL (one period), MSTL (several; the default)\n"
"                             or the mean by phase (streams, any length)\n"
"      --period P[,P...]|auto periods as durations (1d,1w) or numbers of\n"
"                             steps (288); auto (default) finds them\n"
"      --s-window N[,N...]|periodic\n"
"                             seasonal windows (stl default periodic; mstl\n"
"                             default 11, 15, ... as R's forecast::mstl)\n"
"      --t-window N           trend window (default as R's stl)\n"
"      --robust               robust fitting (outliers down-weighted)\n"
"      --profile-stat mean|median\n"
"                             profile by mean (default) or median\n"
"      --step DUR             the grid step (default: detected)\n"
"      --tz ZONE              phases follow local time in ZONE (DST)\n"
"Output:\n"
"      --components           add trend, seasonal_P for each period, and\n"
"                             remainder\n"
"      --detect               write one profile record per series instead:\n"
"                             step, periods, strengths, KPSS and ADF tests\n"
"Models:\n"
"      --save FILE            keep each series' seasonal pattern in FILE\n"
"      --load FILE            remove a saved pattern (one streaming pass)\n"
"      --reseason, --inverse  with --load: add it back to value, forecast,\n"
"                             lo and hi\n"
"\n"
"%s"
"\n"
"The value becomes the seasonally adjusted value; missing values stay\n"
"missing.  Exit status: 0 ok, 1 data error, 2 usage.\n"
"See tsdeseason(1) and tspipe(7).\n", tsp_cli_common_help);
}

struct config {
	struct tsp_ds_opts o;
	char labels[TSP_DS_MAXP][32];	/* periods as the user wrote them */
	const char *tz, *save, *load;
	int reseason, detect;
};

struct series {
	struct tsp_ds_series ds;
	struct tsp_ds_model *model;	/* --load; NULL = not looked up */
	long records;
	const char *input;		/* where its last record was */
	long line;
	int failed;
	int col[TSP_DS_MAXP];		/* output seasonal field of ds.dur[k] */
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
	const char *f_trend, *f_remainder, *f_forecast, *f_lo, *f_hi;
	const char *f_seasonal[TSP_DS_MAXP * 4];	/* union of the periods */
	tsp_time_t col_dur[TSP_DS_MAXP * 4];
	size_t ncol;
	long nonseasonal;
	/* Records pass 1 rejected (off the grid...): pass 2 meets them in the
	 * same order and leaves them out too. */
	struct skipped { const char *input; long line; } *skip;
	size_t nskip, skipcap, skipat;
};

static struct series *series_at(struct state *st, size_t idx)
{
	st->s = tsp_grow_zeroed(st->s, &st->ns, idx, sizeof(*st->s));
	return &st->s[idx];
}

static tsp_time_t local_time(const struct state *st, tsp_time_t t)
{
	return st->cfg.tz ? tsp_tz_local(t) : t;
}

static const char *key_of(const struct state *st, size_t i, char *q,
			  size_t n)
{
	size_t len;
	const char *key = tsp_table_key(st->in.series, i, &len);

	return tsp_quote(q, n, key, len);
}

/* Pass 1: gather the points of each series. */
static int gather_cb(void *ctx, const struct tsp_record *rec,
		     const struct tsp_point *pt, size_t idx,
		     struct tsp_error *err)
{
	struct state *st = ctx;
	struct series *s = series_at(st, idx);
	char q[80], msg[sizeof(err->msg)];

	if (tsp_ds_add(&s->ds, &st->cfg.o, pt->t, local_time(st, pt->t),
		       pt->missing ? NAN : pt->v, err) < 0) {
		if (err->code == TSP_EUSAGE)
			tsp_cli_usage_error("%s", err->msg);
		if (err->code != TSP_EDATA)
			tsp_cli_die(err);
		if (st->nskip == st->skipcap) {
			size_t cap = st->skipcap ? st->skipcap * 2 : 16;
			struct skipped *ns = realloc(st->skip,
						     cap * sizeof(*ns));
			if (!ns)
				tsp_die_nomem();
			st->skip = ns;
			st->skipcap = cap;
		}
		st->skip[st->nskip].input = rec->input;
		st->skip[st->nskip++].line = rec->line;
		memcpy(msg, err->msg, sizeof(msg));
		return tsp_error_at(err, TSP_EDATA, rec->input, rec->line,
				    "series %s: %s",
				    tsp_quote(q, sizeof(q), pt->key,
					      pt->keylen), msg);
	}
	s->records++;
	s->input = rec->input;
	s->line = rec->line;
	return 0;
}

/* The output column of a seasonal of duration dur (added if new). */
static int seasonal_col(struct state *st, size_t k, tsp_time_t dur)
{
	char name[48], label[32];

	for (size_t c = 0; c < st->ncol; c++)
		if (st->col_dur[c] == dur)
			return (int)c;
	if (st->ncol == sizeof(st->col_dur) / sizeof(st->col_dur[0]))
		return -1;
	if (st->cfg.o.auto_period)
		tsp_ds_label(dur, label, sizeof(label));
	else
		snprintf(label, sizeof(label), "%s", st->cfg.labels[k]);
	snprintf(name, sizeof(name), "seasonal_%s", label);
	st->f_seasonal[st->ncol] = tsp_intern(name, strlen(name));
	if (!st->f_seasonal[st->ncol])
		tsp_die_nomem();
	st->col_dur[st->ncol] = dur;
	return (int)st->ncol++;
}

/* Decompose every series; a failure is that series' records' error. */
static void fit_all(struct state *st)
{
	struct tsp_error err;
	char q[80], msg[sizeof(err.msg)];

	for (size_t i = 0; i < tsp_table_count(st->in.series); i++) {
		struct series *s = &st->s[i];

		tsp_error_clear(&err);
		if (s->records == 0 || tsp_ds_fit(&s->ds, &st->cfg.o, &err) < 0) {
			if (s->records == 0)
				continue;
			if (err.code == TSP_EUSAGE)
				tsp_cli_usage_error("%s", err.msg);
			if (err.code != TSP_EDATA)
				tsp_cli_die(&err);
			/* Named where the series' last record is. */
			memcpy(msg, err.msg, sizeof(msg));
			tsp_error_at(&err, TSP_EDATA, s->input, s->line,
				     "series %s: %s", key_of(st, i, q,
							      sizeof(q)), msg);
			if (!st->cli->skip_errors)
				tsp_cli_die(&err);
			snprintf(msg, sizeof(msg), " (%ld record%s skipped)",
				 s->records, s->records == 1 ? "" : "s");
			tsp_cli_print_error(&err, msg);
			st->cli->skipped += s->records;
			s->failed = 1;
			continue;
		}
		if (s->ds.np == 0 || s->ds.model.np == 0)
			st->nonseasonal++;
		for (size_t k = 0; k < s->ds.np; k++)
			s->col[k] = seasonal_col(st, k, s->ds.dur[k]);
	}
	if (st->nonseasonal && !st->cfg.detect)
		tsp_cli_warn("%ld series without a seasonal period: passed "
			     "through unchanged", st->nonseasonal);
}

/* Pass 2: each record with its series' decomposition. */
static int write_cb(void *ctx, const struct tsp_record *rec,
		    const struct tsp_point *pt, size_t idx,
		    struct tsp_error *err)
{
	struct state *st = ctx;
	struct series *s = series_at(st, idx);
	double each[TSP_DS_MAXP], trend = NAN, seas, x;

	(void)err;
	if (st->skipat < st->nskip && st->skip[st->skipat].line == rec->line &&
	    st->skip[st->skipat].input == rec->input) {
		st->skipat++;
		return 0;	/* reported and counted in pass 1 */
	}
	if (s->failed)
		return 0;	/* reported and counted after pass 1 */
	x = pt->missing ? NAN : pt->v;
	seas = tsp_ds_at(&s->ds, &st->cfg.o, local_time(st, pt->t), each,
			 &trend);
	tsp_row_start(&st->row, rec);
	if (!isnan(x))
		tsp_row_num(&st->row, rec->f[pt->vi].name, x - seas);
	if (st->cfg.o.components) {
		tsp_row_num(&st->row, st->f_trend, trend);
		for (size_t c = 0; c < st->ncol; c++)
			tsp_row_num(&st->row, st->f_seasonal[c], 0);
		for (size_t k = 0; k < s->ds.np; k++)
			if (s->col[k] >= 0)
				tsp_row_num(&st->row,
					    st->f_seasonal[s->col[k]],
					    s->ds.used[k] ? each[k] : 0);
		tsp_row_num(&st->row, st->f_remainder, x - trend - seas);
	}
	tsp_row_time(&st->row, st->cli, pt->ti, pt->t, &pt->tfmt);
	tsp_row_write(&st->row, st->in.w);
	return 0;
}

static const char *const method_names[] = { "stl", "mstl", "profile" };

static void save_store(struct state *st)
{
	struct tsp_store_writer *w;
	struct tsp_error err;
	char opts[512], periods[300] = "";
	const struct config *c = &st->cfg;

	tsp_error_clear(&err);
	for (size_t k = 0; k < c->o.np; k++)
		snprintf(periods + strlen(periods),
			 sizeof(periods) - strlen(periods), "%s%s",
			 k ? "," : "", c->labels[k]);
	snprintf(opts, sizeof(opts), "{\"method\":\"%s\",\"periods\":\"%s\","
		 "\"tz\":\"%s\",\"robust\":%s}", method_names[c->o.method],
		 c->o.auto_period ? "auto" : periods, c->tz ? c->tz : "UTC",
		 c->o.robust ? "true" : "false");
	w = tsp_store_create(c->save, "tsdeseason", opts, &err);
	if (!w)
		tsp_cli_die(&err);
	for (size_t i = 0; i < tsp_table_count(st->in.series); i++) {
		struct series *s = &st->s[i];
		const char *key;
		size_t keylen;

		if (s->failed || s->records == 0)
			continue;
		key = tsp_table_key(st->in.series, i, &keylen);
		if (tsp_ds_model_save(&s->ds.model, &st->params, &err) < 0 ||
		    tsp_store_add(w, key, keylen, &st->params, &err) < 0) {
			tsp_store_abort(w);
			tsp_cli_die(&err);
		}
	}
	if (tsp_store_commit(w, &err) < 0)
		tsp_cli_die(&err);
}

static void load_open(struct state *st)
{
	struct tsp_error err;
	const char *opts, *tz;
	char zone[128];
	size_t len, n;

	tsp_error_clear(&err);
	st->store = tsp_store_open(st->cfg.load, "tsdeseason", &err);
	if (!st->store)
		tsp_cli_die(&err);
	/* Phases must be read in the zone they were learned in. */
	opts = tsp_store_options(st->store, &len);
	tz = opts ? strstr(opts, "\"tz\":\"") : NULL;
	if (!tz)
		return;
	tz += 6;
	n = strcspn(tz, "\"");
	if (n >= sizeof(zone))
		return;
	memcpy(zone, tz, n);
	zone[n] = '\0';
	if (st->cfg.tz && strcmp(st->cfg.tz, zone) != 0)
		tsp_cli_usage_error("%s was fitted with --tz %s, not %s",
				    st->cfg.load, zone, st->cfg.tz);
	if (!st->cfg.tz && strcmp(zone, "UTC") != 0) {
		if (tsp_tz_set(zone, &err) < 0)
			tsp_cli_die(&err);
		st->cfg.tz = "";	/* local times from here on */
	}
}

/* --load: remove (or with --reseason add) the saved pattern by phase. */
static int load_cb(void *ctx, const struct tsp_record *rec,
		   const struct tsp_point *pt, size_t idx,
		   struct tsp_error *err)
{
	struct state *st = ctx;
	struct series *s = series_at(st, idx);
	const char *names[3] = { st->f_forecast, st->f_lo, st->f_hi };
	double seas, v;
	char q[80];
	int rc;

	if (!s->model) {
		rc = tsp_store_get(st->store, pt->key, pt->keylen, &st->params,
				   err);
		if (rc < 0)
			tsp_cli_die(err);
		if (rc == 0)
			return tsp_error_at(err, TSP_EDATA, rec->input,
					    rec->line, "no saved seasonality "
					    "for series %s in %s",
					    tsp_quote(q, sizeof(q), pt->key,
						      pt->keylen),
					    st->cfg.load);
		if (!(s->model = calloc(1, sizeof(*s->model))))
			tsp_die_nomem();
		if (tsp_ds_model_load(s->model, st->params.buf, st->params.len,
				      err) < 0) {
			char msg[sizeof(err->msg)];
			memcpy(msg, err->msg, sizeof(msg));
			tsp_error_at(err, TSP_EDATA, st->cfg.load, 0,
				     "series %s: %s",
				     tsp_quote(q, sizeof(q), pt->key,
					       pt->keylen), msg);
			tsp_cli_die(err);
		}
	}
	seas = tsp_ds_model_at(s->model, local_time(st, pt->t), NULL);
	if (!st->cfg.reseason)
		seas = -seas;
	tsp_row_start(&st->row, rec);
	if (!pt->missing && !isnan(pt->v))
		tsp_row_num(&st->row, rec->f[pt->vi].name, pt->v + seas);
	for (int k = 0; st->cfg.reseason && k < 3; k++) {
		long i = tsp_record_find(rec, names[k]);
		if (i < 0)
			continue;
		if (tsp_field_num(rec, i, &v, err) < 0)
			return -1;
		if (!isnan(v))
			tsp_row_num(&st->row, names[k], v + seas);
	}
	tsp_row_time(&st->row, st->cli, pt->ti, pt->t, &pt->tfmt);
	tsp_row_write(&st->row, st->in.w);
	return 0;
}

static double round4(double v)
{
	return isfinite(v) ? round(v * 1e4) / 1e4 : v;
}

/* --detect: one record per series. */
static void write_profile(struct state *st, size_t i, struct tsp_writer *w)
{
	const struct tsp_ds_series *d = &st->s[i].ds;
	struct tsp_ds_stats ps;
	struct tsp_error err;
	char periods[300] = "", strengths[300] = "", label[32], *key;
	size_t keylen;
	const char *k0 = tsp_table_key(st->in.series, i, &keylen);

	tsp_error_clear(&err);
	if (tsp_ds_stats(d, &ps, &err) < 0)
		tsp_cli_die(&err);
	if (!(key = malloc(keylen + 1)))
		tsp_die_nomem();
	for (size_t j = 0; j < keylen; j++)	/* -k a,b joins with 0x1f */
		key[j] = k0[j] == 0x1f ? ',' : k0[j];
	key[keylen] = '\0';
	for (size_t k = 0; k < d->np; k++) {
		if (!d->used[k])
			continue;
		tsp_ds_label(d->dur[k], label, sizeof(label));
		snprintf(periods + strlen(periods),
			 sizeof(periods) - strlen(periods), "%s%s",
			 *periods ? "," : "", label);
		snprintf(strengths + strlen(strengths),
			 sizeof(strengths) - strlen(strengths), "%s%.4g",
			 *strengths ? "," : "", round4(ps.seasonal_strength[k]));
	}
	st->row.src = NULL;
	st->row.n = 0;
	tsp_row_str(&st->row, tsp_intern("series", 6), key);
	tsp_row_num(&st->row, tsp_intern("step", 4), (double)d->step / 1e9);
	tsp_row_num(&st->row, tsp_intern("points", 6), (double)d->nslot);
	tsp_row_num(&st->row, tsp_intern("missing", 7), round4(ps.missing));
	tsp_row_str(&st->row, tsp_intern("periods", 7), periods);
	tsp_row_str(&st->row, tsp_intern("seasonal_strength", 17), strengths);
	tsp_row_num(&st->row, tsp_intern("trend_strength", 14),
		    round4(ps.trend_strength));
	tsp_row_num(&st->row, tsp_intern("kpss", 4), round4(ps.kpss));
	tsp_row_num(&st->row, tsp_intern("kpss_p", 6), round4(ps.kpss_p));
	tsp_row_num(&st->row, tsp_intern("adf", 3), round4(ps.adf));
	tsp_row_num(&st->row, tsp_intern("adf_p", 5), round4(ps.adf_p));
	tsp_row_write(&st->row, w);
	free(key);
}

static void parse_periods(const char *arg, struct config *c)
{
	char buf[512], *p, *save = NULL;
	struct tsp_ds_opts *o = &c->o;

	o->np = 0;
	o->auto_period = 0;
	if (strcmp(arg, "auto") == 0) {
		o->auto_period = 1;
		return;
	}
	if (strlen(arg) >= sizeof(buf))
		tsp_cli_usage_error("--period too long");
	strcpy(buf, arg);
	for (p = strtok_r(buf, ",", &save); p; p = strtok_r(NULL, ",", &save)) {
		char *end;
		long n = strtol(p, &end, 10);
		if (o->np == TSP_DS_MAXP)
			tsp_cli_usage_error("too many periods in --period '%s' "
					    "(at most %d)", arg, TSP_DS_MAXP);
		if (end != p && !*end) {
			if (n < 2 || n > 10000000)
				tsp_cli_usage_error("bad period '%s' in --period "
						    "(2 steps or more)", p);
			o->steps[o->np] = (size_t)n;
			o->dur[o->np] = 0;
		} else {
			o->dur[o->np] = tsp_cli_duration("--period", p, 0);
		}
		for (size_t k = 0; k < o->np; k++)
			if ((o->dur[k] && o->dur[k] == o->dur[o->np]) ||
			    (!o->dur[k] && o->steps[k] == o->steps[o->np]))
				tsp_cli_usage_error("period '%s' given twice",
						    p);
		snprintf(c->labels[o->np], sizeof(c->labels[0]), "%s", p);
		o->np++;
	}
	if (o->np == 0)
		tsp_cli_usage_error("bad --period '%s'", arg);
}

static void parse_s_window(const char *arg, struct tsp_ds_opts *o)
{
	char buf[256], *p, *save = NULL;
	size_t k = 0;

	if (strlen(arg) >= sizeof(buf))
		tsp_cli_usage_error("--s-window too long");
	strcpy(buf, arg);
	for (p = strtok_r(buf, ",", &save); p; p = strtok_r(NULL, ",", &save)) {
		char *end;
		long n = strtol(p, &end, 10);
		if (k == TSP_DS_MAXP)
			tsp_cli_usage_error("too many --s-window values");
		if (strcmp(p, "periodic") == 0)
			n = -1;
		else if (end == p || *end || n < 3 || n > 100000000)
			tsp_cli_usage_error("bad --s-window '%s' (an odd number "
					    "of cycles, 7 or more is usual, or "
					    "periodic)", p);
		o->s_window[k++] = n;
	}
	for (; k > 0 && k < TSP_DS_MAXP; k++)	/* one value: for all */
		o->s_window[k] = o->s_window[k - 1];
}

static void parse_options(int argc, char **argv, struct tsp_cli *cli,
			  struct config *c)
{
	struct tsp_ds_opts *o = &c->o;
	struct tsp_error err;
	char *end;
	int opt;

	memset(c, 0, sizeof(*c));
	o->method = TSP_DS_MSTL;
	o->auto_period = 1;
	while ((opt = getopt_long(argc, argv, TSP_CLI_SHORTOPTS, longopts,
				  NULL)) != -1) {
		if (tsp_cli_option(cli, opt, optarg, usage))
			continue;
		switch (opt) {
		case OPT_METHOD:
			if (strcmp(optarg, "stl") == 0)
				o->method = TSP_DS_STL;
			else if (strcmp(optarg, "mstl") == 0)
				o->method = TSP_DS_MSTL;
			else if (strcmp(optarg, "profile") == 0)
				o->method = TSP_DS_PROFILE;
			else
				tsp_cli_usage_error("bad --method '%s' (stl, mstl "
						    "or profile)", optarg);
			break;
		case OPT_PERIOD: parse_periods(optarg, c); break;
		case OPT_S_WINDOW: parse_s_window(optarg, o); break;
		case OPT_T_WINDOW:
			o->t_window = strtol(optarg, &end, 10);
			if (end == optarg || *end || o->t_window < 3 ||
			    o->t_window > 100000000)
				tsp_cli_usage_error("bad --t-window '%s' (an odd "
						    "number of steps, 3 or more)",
						    optarg);
			break;
		case OPT_ROBUST: o->robust = 1; break;
		case OPT_PROFILE_STAT:
			if (strcmp(optarg, "mean") && strcmp(optarg, "median"))
				tsp_cli_usage_error("bad --profile-stat '%s' "
						    "(mean or median)", optarg);
			o->median = strcmp(optarg, "median") == 0;
			break;
		case OPT_STEP: o->step = tsp_cli_duration("--step", optarg, 0); break;
		case OPT_TZ:
			tsp_error_clear(&err);
			if (tsp_tz_set(optarg, &err) < 0)
				tsp_cli_usage_error("%s", err.msg);
			c->tz = optarg;
			break;
		case OPT_COMPONENTS: o->components = 1; break;
		case OPT_SAVE: c->save = optarg; break;
		case OPT_LOAD: c->load = optarg; break;
		case OPT_RESEASON: c->reseason = 1; break;
		case OPT_DETECT: c->detect = 1; break;
		}
	}
	if (c->reseason && !c->load)
		tsp_cli_usage_error("--reseason puts back a saved pattern: it "
				    "needs --load FILE");
	if (c->load && (c->save || c->detect || o->components))
		tsp_cli_usage_error("--load applies a saved pattern: it does "
				    "not go with --save, --detect or "
				    "--components");
	if (c->detect && c->save)
		tsp_cli_usage_error("--detect writes profiles, not a model: "
				    "drop --save");
	if (o->method == TSP_DS_STL && o->np > 1)
		tsp_cli_usage_error("--method stl takes one period; use mstl "
				    "for several");
	if (o->method == TSP_DS_PROFILE && o->auto_period && !c->load)
		tsp_cli_usage_error("--method profile needs the periods: "
				    "--period 1d,1w for example");
	if (o->method == TSP_DS_MSTL)
		for (size_t k = 0; k < TSP_DS_MAXP; k++)
			if (o->s_window[k] < 0)
				tsp_cli_usage_error("--s-window periodic is for "
						    "--method stl");
	if (c->detect)
		o->components = 1;
}

static void detect(struct state *st)
{
	struct tsp_writer *w = tsp_writer_new(STDOUT_FILENO, st->in.fmt ?
					      st->in.fmt : TSP_FMT_CSV);

	if (!w)
		tsp_die_nomem();
	tsp_cli_set_output(w);
	st->in.w = w;
	for (size_t i = 0; i < tsp_table_count(st->in.series); i++)
		if (!st->s[i].failed && st->s[i].records)
			write_profile(st, i, w);
}

int main(int argc, char **argv)
{
	struct tsp_cli cli;
	struct tsp_table series;
	struct tsp_error err;
	struct state st;
	int status;

	tsp_cli_init(&cli, "tsdeseason", argv);
	memset(&st, 0, sizeof(st));
	parse_options(argc, argv, &cli, &st.cfg);
	tsp_error_clear(&err);
	if (tsp_spec_init(&cli.spec, &err) < 0)
		tsp_cli_die(&err);
	st.cli = &cli;
	st.f_trend = tsp_intern("trend", 5);
	st.f_remainder = tsp_intern("remainder", 9);
	st.f_forecast = tsp_intern("forecast", 8);
	st.f_lo = tsp_intern("lo", 2);
	st.f_hi = tsp_intern("hi", 2);
	tsp_table_init(&series);
	tsp_input_init(&st.in, &cli, &series);
	st.in.check_order = 1;
	tsp_row_init(&st.row);
	tsp_params_init(&st.params);

	if (st.cfg.load) {
		load_open(&st);
		tsp_input_each(&st.in, argc, argv, optind, load_cb, &st);
	} else {
		if (st.cfg.detect) {	/* one pass */
			st.in.no_output = 1;
			tsp_input_each(&st.in, argc, argv, optind, gather_cb,
				       &st);
		} else {
			tsp_input_first(&st.in, argc, argv, optind, gather_cb,
					&st);
		}
		fit_all(&st);
		if (st.cfg.save)
			save_store(&st);
		if (st.cfg.detect) {
			detect(&st);
		} else {
			tsp_input_second(&st.in);
			if (st.cfg.o.components) {
				static const char *extra[2];
				extra[0] = st.f_trend;
				extra[1] = st.f_remainder;
				st.in.extra = extra;
				st.in.nextra = 2;
			}
			tsp_input_each(&st.in, argc, argv, optind, write_cb,
				       &st);
		}
	}

	status = tsp_cli_finish(&cli, st.in.w);
	for (size_t i = 0; i < st.ns; i++) {
		tsp_ds_series_release(&st.s[i].ds);
		if (st.s[i].model) {
			tsp_ds_model_release(st.s[i].model);
			free(st.s[i].model);
		}
	}
	free(st.s);
	free(st.skip);
	tsp_store_close(st.store);
	tsp_params_release(&st.params);
	tsp_row_release(&st.row);
	tsp_input_release(&st.in);
	tsp_table_release(&series);
	tsp_cli_release(&cli);
	return status;
}
