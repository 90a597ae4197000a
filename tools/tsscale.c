/*
 * tsscale: scale and transform each series — z-score, min-max, robust,
 * log, log1p, Box-Cox, differencing — fitted per series, saved to a model
 * store, applied later in one streaming pass, and inverted exactly.
 *
 * Fitting needs a pass over the data before applying (a mean, a median,
 * a Box-Cox lambda); when both happen in one run the input is read twice
 * (standard input is spooled to a temporary file), so memory holds
 * per-series statistics, not records.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tool_io.h"
#include "tsp_scale.h"
#include "tsp_store.h"

enum {
	OPT_METHOD = 1000, OPT_RANGE, OPT_ROBUST_SCALE, OPT_LAMBDA, OPT_PERIOD,
	OPT_LAG, OPT_SAVE, OPT_LOAD, OPT_FIT_UNTIL, OPT_INVERSE
};

static const struct option longopts[] = {
	{"method", required_argument, NULL, OPT_METHOD},
	{"range", required_argument, NULL, OPT_RANGE},
	{"robust-scale", required_argument, NULL, OPT_ROBUST_SCALE},
	{"lambda", required_argument, NULL, OPT_LAMBDA},
	{"period", required_argument, NULL, OPT_PERIOD},
	{"lag", required_argument, NULL, OPT_LAG},
	{"save", required_argument, NULL, OPT_SAVE},
	{"load", required_argument, NULL, OPT_LOAD},
	{"fit-until", required_argument, NULL, OPT_FIT_UNTIL},
	{"inverse", no_argument, NULL, OPT_INVERSE},
	TSP_CLI_LONGOPTS,
	{NULL, 0, NULL, 0}
};

static void usage(void)
{
	printf(
"Usage: tsscale --method METHOD [options] [file ...]\n"
"       tsscale --load FILE [--inverse] [options] [file ...]\n"
"Scale or transform the value of each series, fitted per series.\n"
"\n"
"Method:\n"
"      --method zscore|minmax|robust|log|log1p|boxcox|diff\n"
"      --range A,B            minmax target range (default 0,1)\n"
"      --robust-scale iqr|mad robust: divide by the IQR (default) or the\n"
"                             scaled MAD, after subtracting the median\n"
"      --lambda L             boxcox: use L (default: per series, Guerrero's\n"
"                             method as R's forecast::BoxCox.lambda)\n"
"      --period N             boxcox: seasonal period for Guerrero (default 1)\n"
"      --lag N                diff: difference at lag N (default 1)\n"
"Fitting:\n"
"      --save FILE            also write the fitted parameters to FILE\n"
"      --load FILE            apply parameters saved before (one pass)\n"
"      --fit-until TIME       fit on the records before TIME, apply to all\n"
"      --inverse              with --load: map value, forecast, lo and hi\n"
"                             back to the original units\n"
"\n"
"%s"
"\n"
"Without --load, the input is read twice (fit, then apply).\n"
"Exit status: 0 ok, 1 data error, 2 usage.  See tsscale(1) and tspipe(7).\n",
	       tsp_cli_common_help);
}

struct config {
	struct tsp_scale_opts o;
	int method_given;
	const char *save, *load;
	int has_until;
	tsp_time_t until;
	int inverse;
};

/* Per series: what fitting gathers, the parameters, and for diff the
 * last lag values of this run. */
struct series {
	struct tsp_scale_fit fit;
	struct tsp_scale p;
	int ready;		/* p is known */
	double *ring;
	long ringn;
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
	const char *f_forecast, *f_lo, *f_hi, *f_sigma;
	long constants;
};

static int oom(struct tsp_error *err)
{
	return tsp_error_set(err, TSP_ENOMEM, "out of memory");
}

static struct series *series_at(struct state *st, size_t idx)
{
	st->s = tsp_grow_zeroed(st->s, &st->ns, idx, sizeof(*st->s));
	return &st->s[idx];
}

static const char *series_name(char *q, size_t n, const struct tsp_point *pt)
{
	return tsp_quote(q, n, pt->key, pt->keylen);
}

static void save_store(struct state *st)
{
	const struct tsp_scale_opts *o = &st->cfg.o;
	struct tsp_store_writer *w;
	struct tsp_error err;
	char opts[256];

	tsp_error_clear(&err);
	if (o->method == TSP_SCALE_MINMAX)
		snprintf(opts, sizeof(opts), "{\"method\":\"minmax\","
			 "\"range\":[%.17g,%.17g]}", o->range_lo, o->range_hi);
	else if (o->method == TSP_SCALE_DIFF)
		snprintf(opts, sizeof(opts), "{\"method\":\"diff\","
			 "\"lag\":%ld}", o->lag);
	else if (o->method == TSP_SCALE_BOXCOX && !isnan(o->lambda))
		snprintf(opts, sizeof(opts), "{\"method\":\"boxcox\","
			 "\"lambda\":%.17g}", o->lambda);
	else
		snprintf(opts, sizeof(opts), "{\"method\":\"%s\"}",
			 tsp_scale_method_name(o->method));
	w = tsp_store_create(st->cfg.save, "tsscale", opts, &err);
	if (!w)
		tsp_cli_die(&err);
	for (size_t i = 0; i < tsp_table_count(st->in.series); i++) {
		struct series *s = series_at(st, i);
		const char *key;
		size_t keylen;

		if (!s->ready)
			continue;	/* no values: nothing learned */
		key = tsp_table_key(st->in.series, i, &keylen);
		if (tsp_scale_save(o, &s->p, &st->params, &err) < 0 ||
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
	const char *opts, *m;
	size_t len;
	int method = -1;

	tsp_error_clear(&err);
	st->store = tsp_store_open(st->cfg.load, "tsscale", &err);
	if (!st->store)
		tsp_cli_die(&err);
	/* Our own options text: {"method":"NAME"...}. */
	opts = tsp_store_options(st->store, &len);
	m = opts ? strstr(opts, "\"method\":\"") : NULL;
	for (int i = 0; m && i < TSP_SCALE_NMETHODS; i++) {
		const char *name = tsp_scale_method_name(i);
		size_t l = strlen(name);
		if (strncmp(m + 10, name, l) == 0 && m[10 + l] == '"')
			method = i;
	}
	if (method < 0) {
		tsp_error_set(&err, TSP_EDATA, "%s: no method in the store's "
			      "options", st->cfg.load);
		tsp_cli_die(&err);
	}
	if (st->cfg.method_given && (int)st->cfg.o.method != method)
		tsp_cli_usage_error("%s holds %s parameters, not %s",
				    st->cfg.load, tsp_scale_method_name(method),
				    tsp_scale_method_name(st->cfg.o.method));
	st->cfg.o.method = (enum tsp_scale_method)method;
}

/* The parameters of series s from the store. */
static int load_series(struct state *st, struct series *s,
		       const struct tsp_record *rec, const struct tsp_point *pt,
		       struct tsp_error *err)
{
	const struct tsp_scale_opts *o = &st->cfg.o;
	char q[80], msg[sizeof(err->msg)];
	int rc = tsp_store_get(st->store, pt->key, pt->keylen, &st->params,
			       err);

	if (rc < 0)
		tsp_cli_die(err);	/* a corrupt store is not one record */
	if (rc == 0 && (o->method == TSP_SCALE_LOG ||
			o->method == TSP_SCALE_LOG1P)) {
		tsp_scale_plain(o, &s->p);	/* nothing to learn */
		s->ready = 1;
		return 0;
	}
	if (rc == 0)
		return tsp_error_at(err, TSP_EDATA, rec->input, rec->line,
				    "no saved parameters for series %s in %s",
				    series_name(q, sizeof(q), pt), st->cfg.load);
	if (tsp_scale_load(o, st->params.buf, st->params.len, &s->p,
			   err) < 0) {
		memcpy(msg, err->msg, sizeof(msg));
		tsp_error_at(err, TSP_EDATA, st->cfg.load, 0, "series %s: %s",
			     series_name(q, sizeof(q), pt), msg);
		tsp_cli_die(err);
	}
	s->ready = 1;
	return 0;
}
static int domain_error(const struct state *st, const struct series *s,
			const struct tsp_record *rec, const char *field,
			double v, struct tsp_error *err)
{
	char num[TSP_NUM_BUFSZ];

	tsp_num_format(v, num);
	return tsp_error_at(err, TSP_EDATA, rec->input, rec->line,
			    "%s %s is outside the domain (%s)", field, num,
			    tsp_scale_domain(&st->cfg.o, &s->p,
					     st->cfg.inverse));
}

/* diff: y = x - x[lag back]; inverse x = y + x[lag back], starting from
 * the saved last values. */
static int apply_diff(struct state *st, struct series *s,
		      const struct tsp_record *rec, const struct tsp_point *pt,
		      struct tsp_error *err)
{
	const char *names[3] = { st->f_forecast, st->f_lo, st->f_hi };
	double x = pt->missing ? NAN : pt->v, base, v;
	long lag = s->p.lag;
	char q[80];

	if (!s->ring) {
		if (!(s->ring = malloc((size_t)lag * sizeof(*s->ring))))
			return oom(err);
		if (st->cfg.inverse) {
			memcpy(s->ring, s->p.tail, s->p.ntail * sizeof(double));
			s->ringn = (long)s->p.ntail;
		}
	}
	base = s->ringn >= lag ? s->ring[s->ringn % lag] : NAN;
	if (!st->cfg.inverse) {
		s->ring[s->ringn++ % lag] = x;
		tsp_row_num(&st->row, rec->f[pt->vi].name, x - base);
		return 0;
	}
	if ((double)pt->t / 1e9 <= s->p.tail_time)
		return tsp_error_at(err, TSP_EDATA, rec->input, rec->line,
				    "diff --inverse rebuilds the values after "
				    "the fitted ones, and series %s was fitted "
				    "up to time %.17g",
				    series_name(q, sizeof(q), pt),
				    s->p.tail_time);
	for (int k = 0; k < 3; k++) {
		long i = tsp_record_find(rec, names[k]);
		if (i < 0)
			continue;
		if (tsp_field_num(rec, i, &v, err) < 0)
			return -1;
		tsp_row_num(&st->row, names[k], v + base);
		/* Without a value, the levels follow the point forecast. */
		if (k == 0 && pt->missing)
			x = v;
	}
	if (!pt->missing)
		tsp_row_num(&st->row, rec->f[pt->vi].name, x + base);
	s->ring[s->ringn++ % lag] = x + base;
	return 0;
}

static int apply_inverse(struct state *st, struct series *s,
			 const struct tsp_record *rec,
			 const struct tsp_point *pt, struct tsp_error *err)
{
	const char *names[3] = { st->f_forecast, st->f_lo, st->f_hi };
	double x, v;
	long i;

	if (!pt->missing && !isnan(pt->v)) {
		if (tsp_scale_inverse(&st->cfg.o, &s->p, pt->v, &x) < 0)
			return domain_error(st, s, rec, "value", pt->v, err);
		tsp_row_num(&st->row, rec->f[pt->vi].name, x);
	}
	for (int k = 0; k < 3; k++) {
		i = tsp_record_find(rec, names[k]);
		if (i < 0)
			continue;
		if (tsp_field_num(rec, i, &v, err) < 0)
			return -1;
		if (isnan(v))
			continue;
		if (tsp_scale_inverse(&st->cfg.o, &s->p, v, &x) < 0)
			return domain_error(st, s, rec, names[k], v, err);
		tsp_row_num(&st->row, names[k], x);
	}
	/* A standard deviation scales with a linear map; through a
	 * non-linear one it means nothing any more: make it missing. */
	i = tsp_record_find(rec, st->f_sigma);
	if (i >= 0) {
		if (tsp_field_num(rec, i, &v, err) < 0)
			return -1;
		tsp_row_num(&st->row, st->f_sigma,
			    st->cfg.o.method <= TSP_SCALE_ROBUST ?
			    v * s->p.scale : NAN);
	}
	return 0;
}

static int fitting(const struct state *st, const struct tsp_point *pt)
{
	return !st->cfg.load && (!st->cfg.has_until || pt->t < st->cfg.until);
}

/* Pass 1 of a two-pass fit. */
static int fit_cb(void *ctx, const struct tsp_record *rec,
		  const struct tsp_point *pt, size_t idx, struct tsp_error *err)
{
	struct state *st = ctx;

	(void)rec;
	if (!fitting(st, pt))
		return 0;
	return tsp_scale_fit_add(&series_at(st, idx)->fit, &st->cfg.o,
				 pt->missing ? NAN : pt->v,
				 (double)pt->t / 1e9, err);
}

/* Make sure s has parameters before its first value is transformed. */
static int series_ready(struct state *st, struct series *s,
			const struct tsp_record *rec,
			const struct tsp_point *pt, struct tsp_error *err)
{
	char q[80];

	if (s->ready)
		return 0;
	if (st->cfg.load)
		return load_series(st, s, rec, pt, err);
	if (!tsp_scale_needs_fit(&st->cfg.o)) {
		tsp_scale_plain(&st->cfg.o, &s->p);
		s->ready = 1;
		return 0;
	}
	if (pt->missing || isnan(pt->v))
		return 0;	/* stays missing: needs no parameters */
	return tsp_error_at(err, TSP_EDATA, rec->input, rec->line,
			    "no values to fit series %s%s",
			    series_name(q, sizeof(q), pt),
			    st->cfg.has_until ? " before --fit-until" : "");
}

/* Apply one record (and fit it, for the one-pass methods). */
static int apply_cb(void *ctx, const struct tsp_record *rec,
		    const struct tsp_point *pt, size_t idx,
		    struct tsp_error *err)
{
	struct state *st = ctx;
	struct series *s = series_at(st, idx);
	double y;

	if (st->cfg.save && !tsp_scale_needs_fit(&st->cfg.o) &&
	    fitting(st, pt) &&
	    tsp_scale_fit_add(&s->fit, &st->cfg.o, pt->missing ? NAN : pt->v,
			      (double)pt->t / 1e9, err) < 0)
		return -1;
	if (series_ready(st, s, rec, pt, err) < 0)
		return -1;
	tsp_row_start(&st->row, rec);
	if (st->cfg.o.method == TSP_SCALE_DIFF) {
		if (apply_diff(st, s, rec, pt, err) < 0)
			return -1;
	} else if (st->cfg.inverse) {
		if (apply_inverse(st, s, rec, pt, err) < 0)
			return -1;
	} else if (!pt->missing && !isnan(pt->v)) {
		if (tsp_scale_forward(&st->cfg.o, &s->p, pt->v, &y) < 0)
			return domain_error(st, s, rec, "value", pt->v, err);
		tsp_row_num(&st->row, rec->f[pt->vi].name, y);
	}
	tsp_row_time(&st->row, st->cli, pt->ti, pt->t, &pt->tfmt);
	tsp_row_write(&st->row, st->in.w);
	return 0;
}

static long parse_count(const char *opt, const char *arg)
{
	char *end;
	long v = strtol(arg, &end, 10);

	if (end == arg || *end || v < 1 || v > 1000000)
		tsp_cli_usage_error("bad %s '%s' (a whole number from 1 to "
				    "1000000)", opt, arg);
	return v;
}

static void parse_options(int argc, char **argv, struct tsp_cli *cli,
			  struct config *c)
{
	struct tsp_scale_opts *o = &c->o;
	struct tsp_timefmt fmt;
	char *end;
	int opt, m;

	memset(c, 0, sizeof(*c));
	tsp_scale_opts_default(o);
	while ((opt = getopt_long(argc, argv, TSP_CLI_SHORTOPTS, longopts,
				  NULL)) != -1) {
		if (tsp_cli_option(cli, opt, optarg, usage))
			continue;
		switch (opt) {
		case OPT_METHOD:
			if ((m = tsp_scale_method_parse(optarg)) < 0)
				tsp_cli_usage_error("bad --method '%s' (zscore, "
						    "minmax, robust, log, log1p, "
						    "boxcox or diff)", optarg);
			o->method = (enum tsp_scale_method)m;
			c->method_given = 1;
			break;
		case OPT_RANGE:
			o->range_lo = strtod(optarg, &end);
			if (end == optarg || *end != ',' ||
			    (o->range_hi = strtod(end + 1, &end), *end) ||
			    !(o->range_lo < o->range_hi) ||
			    !isfinite(o->range_hi - o->range_lo))
				tsp_cli_usage_error("bad --range '%s' (A,B with "
						    "A < B)", optarg);
			break;
		case OPT_ROBUST_SCALE:
			if (strcmp(optarg, "iqr") && strcmp(optarg, "mad"))
				tsp_cli_usage_error("bad --robust-scale '%s' "
						    "(iqr or mad)", optarg);
			o->mad = strcmp(optarg, "mad") == 0;
			break;
		case OPT_LAMBDA:
			if (tsp_num_parse(optarg, strlen(optarg), &o->lambda) !=
			    TSP_NUM_OK || !(fabs(o->lambda) <= 10))
				tsp_cli_usage_error("bad --lambda '%s' (a number "
						    "from -10 to 10)", optarg);
			break;
		case OPT_PERIOD:
			o->period = (size_t)parse_count("--period", optarg);
			break;
		case OPT_LAG: o->lag = parse_count("--lag", optarg); break;
		case OPT_SAVE: c->save = optarg; break;
		case OPT_LOAD: c->load = optarg; break;
		case OPT_FIT_UNTIL:
			if (tsp_time_parse(optarg, strlen(optarg),
					   cli->spec.unit, &c->until, &fmt) < 0)
				tsp_cli_usage_error("bad --fit-until '%s' (epoch "
						    "seconds or RFC 3339)",
						    optarg);
			c->has_until = 1;
			break;
		case OPT_INVERSE: c->inverse = 1; break;
		}
	}
	if (c->load && (c->save || c->has_until))
		tsp_cli_usage_error("--load applies saved parameters: it does "
				    "not go with --save or --fit-until");
	if (c->inverse && !c->load)
		tsp_cli_usage_error("--inverse needs the parameters of the "
				    "forward transform: --load FILE");
	if (!c->load && !c->method_given)
		tsp_cli_usage_error("say which transform: --method METHOD (or "
				    "--load FILE)");
}
/* Pass 1: fit every series; save; then rewind for pass 2. */
static void fit_pass(struct state *st, int argc, char **argv)
{
	struct tsp_error err;

	tsp_input_first(&st->in, argc, argv, optind, fit_cb, st);
	tsp_error_clear(&err);
	for (size_t i = 0; i < tsp_table_count(st->in.series); i++) {
		struct series *s = &st->s[i];
		if (s->fit.n == 0)
			continue;
		if (tsp_scale_fit_finish(&s->fit, &st->cfg.o, &s->p, &err) < 0)
			tsp_cli_die(&err);
		s->ready = 1;
		st->constants += s->p.constant;
	}
	if (st->constants)
		tsp_cli_warn("%ld constant series: centred, not scaled",
			     st->constants);
	if (st->cfg.save)
		save_store(st);
	tsp_input_second(&st->in);
}

/* One-pass methods with --save: what the fit gathered alongside. */
static void save_one_pass(struct state *st)
{
	struct tsp_error err;

	tsp_error_clear(&err);
	for (size_t i = 0; i < tsp_table_count(st->in.series); i++) {
		struct series *s = &st->s[i];
		if (!s->ready)
			continue;
		tsp_scale_release(&s->p);
		if (tsp_scale_fit_finish(&s->fit, &st->cfg.o, &s->p, &err) < 0)
			tsp_cli_die(&err);
	}
	save_store(st);
}

int main(int argc, char **argv)
{
	struct tsp_cli cli;
	struct tsp_table series;
	struct tsp_error err;
	struct state st;
	int status;

	tsp_cli_init(&cli, "tsscale", argv);
	memset(&st, 0, sizeof(st));
	parse_options(argc, argv, &cli, &st.cfg);
	tsp_error_clear(&err);
	if (tsp_spec_init(&cli.spec, &err) < 0)
		tsp_cli_die(&err);
	st.cli = &cli;
	st.f_forecast = tsp_intern("forecast", 8);
	st.f_lo = tsp_intern("lo", 2);
	st.f_hi = tsp_intern("hi", 2);
	st.f_sigma = tsp_intern("sigma", 5);
	tsp_table_init(&series);
	tsp_input_init(&st.in, &cli, &series);
	st.in.check_order = 1;
	tsp_row_init(&st.row);
	tsp_params_init(&st.params);

	if (st.cfg.load)
		load_open(&st);
	else if (tsp_scale_needs_fit(&st.cfg.o))
		fit_pass(&st, argc, argv);
	tsp_input_each(&st.in, argc, argv, optind, apply_cb, &st);
	if (st.cfg.save && !tsp_scale_needs_fit(&st.cfg.o))
		save_one_pass(&st);

	status = tsp_cli_finish(&cli, st.in.w);
	for (size_t i = 0; i < st.ns; i++) {
		tsp_scale_fit_release(&st.s[i].fit);
		tsp_scale_release(&st.s[i].p);
		free(st.s[i].ring);
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
