/*
 * tsforecast's command line: the options and their values into a struct
 * fc_config, with the checks of how they go together.  A bad value or
 * combination is a usage error (exit 2).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tsforecast.h"
#include "tsp_tz.h"

enum {
	OPT_METHOD = 1000, OPT_MODEL, OPT_DAMPED, OPT_SEASONAL, OPT_PERIOD,
	OPT_HORIZON, OPT_LEVEL, OPT_NO_ECHO, OPT_ONLINE, OPT_WARMUP,
	OPT_SAVE, OPT_LOAD, OPT_REFIT, OPT_EVALUATE, OPT_HOLDOUT,
	OPT_REPORT, OPT_INTERVAL, OPT_NSIM, OPT_SEED, OPT_IC, OPT_STEP,
	OPT_PROGRESS, OPT_HIDDEN, OPT_LAYERS, OPT_LOOKBACK, OPT_EPOCHS,
	OPT_THREADS, OPT_PATIENCE, OPT_GLOBAL, OPT_PER_SERIES, OPT_TZ,
	OPT_LAGS, OPT_CELL, OPT_MAXIT
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
	{"maxit", required_argument, NULL, OPT_MAXIT},
	{"step", required_argument, NULL, OPT_STEP},
	{"progress", no_argument, NULL, OPT_PROGRESS},
	{"hidden", required_argument, NULL, OPT_HIDDEN},
	{"layers", required_argument, NULL, OPT_LAYERS},
	{"lookback", required_argument, NULL, OPT_LOOKBACK},
	{"epochs", required_argument, NULL, OPT_EPOCHS},
	{"threads", required_argument, NULL, OPT_THREADS},
	{"patience", required_argument, NULL, OPT_PATIENCE},
	{"global", no_argument, NULL, OPT_GLOBAL},
	{"per-series", no_argument, NULL, OPT_PER_SERIES},
	{"tz", required_argument, NULL, OPT_TZ},
	{"lags", required_argument, NULL, OPT_LAGS},
	{"cell", required_argument, NULL, OPT_CELL},
	TSP_CLI_LONGOPTS,
	{NULL, 0, NULL, 0}
};

static void parse_amount(const char *opt, const char *arg,
			 struct fc_amount *a)
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

static void parse_periods(const char *arg, struct fc_config *c)
{
	char buf[256], *p, *save = NULL;

	c->nperiod = 0;
	if (strcmp(arg, "auto") == 0 || strcmp(arg, "none") == 0) {
		c->period_mode = arg[0] == 'a' ? PERIOD_AUTO : PERIOD_NONE;
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
	c->period_mode = PERIOD_GIVEN;
}

static void parse_levels(const char *arg, struct fc_config *c)
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

/* What options say only together with --method (checked at the end). */
struct pending {
	int damped;		/* -2 not given, -1 auto, 0 no, 1 yes */
	int seasonal;		/* -1 not given; 1 multiplicative */
	int model;		/* --model given */
	const char *rnn_opt;	/* a gru/lstm option given */
	const char *cell;	/* --cell's */
	const char *net;	/* -m gru or lstm (not rnn) */
	int maxit;		/* --maxit given */
};

/* A whole number in [lo, hi] for opt, or exit 2. */
static size_t parse_count(const char *opt, const char *arg, long lo, long hi)
{
	char *end;
	long v = strtol(arg, &end, 10);

	if (end == arg || *end || v < lo || v > hi)
		tsp_cli_usage_error("bad %s '%s' (a whole number from %ld to "
				    "%ld)", opt, arg, lo, hi);
	return (size_t)v;
}

/* The options of --method gru|lstm; 0 if opt is none of them. */
static int set_rnn_option(struct fc_config *c, struct pending *pd, int opt,
			  const char *arg)
{
	struct fc_rnn_config *r = &c->rnn;
	struct tsp_error err;

	switch (opt) {
	case OPT_HIDDEN:
		r->hidden = parse_count("--hidden", arg, 1, 1024);
		pd->rnn_opt = "--hidden";
		break;
	case OPT_LAYERS:
		r->layers = parse_count("--layers", arg, 1, 8);
		pd->rnn_opt = "--layers";
		break;
	case OPT_LOOKBACK:
		parse_amount("--lookback", arg, &r->lookback);
		r->lookback_arg = arg;
		pd->rnn_opt = "--lookback";
		break;
	case OPT_EPOCHS:
		r->epochs = parse_count("--epochs", arg, 1, 100000);
		pd->rnn_opt = "--epochs";
		break;
	case OPT_THREADS:
		r->threads = parse_count("--threads", arg, 1, 64);
		pd->rnn_opt = "--threads";
		break;
	case OPT_PATIENCE:
		r->patience = parse_count("--patience", arg, 1, 100000);
		pd->rnn_opt = "--patience";
		break;
	case OPT_GLOBAL: r->per_series = 0; pd->rnn_opt = "--global"; break;
	case OPT_PER_SERIES:
		r->per_series = 1;
		pd->rnn_opt = "--per-series";
		break;
	case OPT_CELL:
		if (strcmp(arg, "gru") && strcmp(arg, "lstm"))
			tsp_cli_usage_error("bad --cell '%s' (gru or lstm)",
					    arg);
		pd->cell = arg;
		pd->rnn_opt = "--cell";
		break;
	case OPT_LAGS:
		if (strcmp(arg, "auto") && strcmp(arg, "none"))
			tsp_cli_usage_error("bad --lags '%s' (auto or none)",
					    arg);
		r->no_lags = arg[0] == 'n';
		pd->rnn_opt = "--lags";
		break;
	case OPT_TZ:
		tsp_error_clear(&err);
		if (tsp_tz_set(arg, &err) < 0)
			tsp_cli_usage_error("%s", err.msg);
		r->tz = arg;
		pd->rnn_opt = "--tz";
		break;
	default:
		return 0;
	}
	return 1;
}

static void set_option(struct fc_config *c, struct pending *pd, int opt,
		       const char *arg)
{
	struct tsp_fc_opts *o = &c->fc;
	char *end;

	if (set_rnn_option(c, pd, opt, arg))
		return;
	switch (opt) {
	case 'm':
		/* rnn: a network of --cell's cells; gru, lstm: of theirs */
		c->rnn.on = !strcmp(arg, "gru") || !strcmp(arg, "lstm") ||
			    !strcmp(arg, "rnn");
		pd->net = c->rnn.on && arg[0] != 'r' ? arg : NULL;
		if (c->rnn.on)
			o->method = TSP_FC_AUTO;
		else if (tsp_fc_method_parse(arg, &o->method) < 0)
			tsp_cli_usage_error("bad --method '%s' (auto, "
				"ets, ses, holt, hw, theta, stlf, naive, "
				"snaive, mean, drift, linear, gru, lstm "
				"or rnn)",
				arg);
		break;
	case OPT_MODEL: parse_model(arg, &o->ets); pd->model = 1; break;
	case OPT_DAMPED:
		if (!strcmp(arg, "yes") || !strcmp(arg, "no") ||
		    !strcmp(arg, "auto"))
			pd->damped = arg[0] == 'y' ? 1 :
				     arg[0] == 'n' ? 0 : -1;
		else
			tsp_cli_usage_error("bad --damped '%s' (yes, no "
					    "or auto)", arg);
		break;
	case OPT_SEASONAL:
		if (strcmp(arg, "additive") &&
		    strcmp(arg, "multiplicative"))
			tsp_cli_usage_error("bad --seasonal '%s' "
				"(additive or multiplicative)", arg);
		pd->seasonal = arg[0] == 'm';
		break;
	case 'p': parse_periods(arg, c); break;
	case 'H':
		parse_amount("--horizon", arg, &c->horizon);
		c->horizon_arg = arg;
		c->horizon_given = 1;
		break;
	case 'l': parse_levels(arg, c); break;
	case OPT_NO_ECHO: c->no_echo = 1; break;
	case OPT_ONLINE: c->online = 1; break;
	case OPT_WARMUP: parse_amount("--warmup", arg, &c->warmup); break;
	case OPT_SAVE: c->save = arg; break;
	case OPT_LOAD: c->load = arg; break;
	case OPT_REFIT: c->refit = 1; break;
	case OPT_EVALUATE: c->evaluate = 1; break;
	case OPT_HOLDOUT:
		parse_amount("--holdout", arg, &c->holdout);
		c->holdout_arg = arg;
		break;
	case OPT_REPORT:
		if (strcmp(arg, "ndjson") && strcmp(arg, "table"))
			tsp_cli_usage_error("bad --report '%s' (ndjson "
					    "or table)", arg);
		c->table = arg[0] == 't';
		break;
	case OPT_INTERVAL:
		if (!strcmp(arg, "analytic"))
			c->interval = IV_ANALYTIC;
		else if (!strcmp(arg, "simulate"))
			c->interval = IV_SIMULATE;
		else if (!strcmp(arg, "empirical"))
			c->interval = IV_EMPIRICAL;
		else
			tsp_cli_usage_error("bad --interval '%s' (analytic,"
				" simulate or empirical)", arg);
		break;
	case OPT_NSIM:
		c->nsim = strtoul(arg, &end, 10);
		if (end == arg || *end || c->nsim < 100 ||
		    c->nsim > 10000000)
			tsp_cli_usage_error("bad --nsim '%s' (100 to "
					    "10000000)", arg);
		break;
	case OPT_SEED:
		c->seed = strtoul(arg, &end, 10);
		if (end == arg || *end)
			tsp_cli_usage_error("bad --seed '%s'", arg);
		break;
	case OPT_IC:
		if (!strcmp(arg, "aicc"))
			o->ets.ic = TSP_ETS_AICC;
		else if (!strcmp(arg, "aic"))
			o->ets.ic = TSP_ETS_AIC;
		else if (!strcmp(arg, "bic"))
			o->ets.ic = TSP_ETS_BIC;
		else
			tsp_cli_usage_error("bad --ic '%s' (aicc, aic or "
					    "bic)", arg);
		break;
	case OPT_MAXIT:
		o->ets.maxit = (int)parse_count("--maxit", arg, 1, 1000000);
		pd->maxit = 1;
		break;
	case OPT_STEP: c->step = tsp_cli_duration("--step", arg, 0); break;
	case OPT_PROGRESS: c->progress = 1; break;
	}
}

/* How the options go together; then the options the store records. */
static void check_options(struct fc_config *c, const struct pending *pd)
{
	struct tsp_fc_opts *o = &c->fc;

	if (pd->model && o->method != TSP_FC_ETS && o->method != TSP_FC_STLF)
		tsp_cli_usage_error("--model is for --method ets or stlf");
	if (pd->maxit && (o->method == TSP_FC_THETA ||
			  o->method >= TSP_FC_NAIVE || c->rnn.on))
		tsp_cli_usage_error("--maxit is for --method auto, ets, ses, "
				    "holt, hw or stlf");
	if (pd->seasonal >= 0 && o->method != TSP_FC_HW)
		tsp_cli_usage_error("--seasonal is for --method hw");
	o->multiplicative = pd->seasonal == 1;
	if (pd->damped != -2) {
		if (o->method == TSP_FC_HOLT || o->method == TSP_FC_HW)
			o->damped = pd->damped == 1;
		else if (o->method == TSP_FC_ETS || o->method == TSP_FC_STLF)
			o->ets.damped = pd->damped;
		else
			tsp_cli_usage_error("--damped is for --method ets, "
					    "stlf, holt or hw");
		if (pd->damped == -1 && (o->method == TSP_FC_HOLT ||
					 o->method == TSP_FC_HW))
			tsp_cli_usage_error("--damped auto is for ets; holt "
					    "and hw take yes or no");
	}
	if (pd->cell && pd->net && strcmp(pd->cell, pd->net))
		tsp_cli_usage_error("--cell %s contradicts --method %s",
				    pd->cell, pd->net);
	if (pd->cell || pd->net)
		c->rnn.cell = (pd->cell ? pd->cell : pd->net)[0] == 'l' ?
			      TSP_RNN_LSTM : TSP_RNN_GRU;
	if (pd->rnn_opt && !c->rnn.on)
		tsp_cli_usage_error("%s goes with --method gru, lstm or rnn",
				    pd->rnn_opt);
	if (c->rnn.on && c->interval != IV_ANALYTIC)
		tsp_cli_usage_error("--interval is not for gru and lstm: their "
				    "intervals are quantiles of validation "
				    "errors");
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
	/* --load and --save may name one file: it is replaced atomically */
	if ((c->warmup.steps || c->warmup.dur) && !c->online)
		tsp_cli_usage_error("--warmup goes with --online");
	if (c->no_echo && c->online && !c->horizon_given)
		tsp_cli_usage_error("--no-echo with --online leaves nothing "
				    "to write");
	if (!c->rnn.on) {
		snprintf(c->options, sizeof(c->options),
			 "{\"method\":\"%s\",\"levels\":%zu,"
			 "\"interval\":\"%s\"}",
			 tsp_fc_method_name(o->method), c->nlevel,
			 c->interval == IV_ANALYTIC ? "analytic" :
			 c->interval == IV_SIMULATE ? "simulate" : "empirical");
		return;
	}
	snprintf(c->options, sizeof(c->options),
		 "{\"method\":\"%s\",\"levels\":%zu,\"hidden\":%zu,"
		 "\"layers\":%zu,\"training\":\"%s\",\"tz\":\"%s\","
		 "\"seed\":%lu}", c->rnn.cell == TSP_RNN_GRU ? "gru" : "lstm",
		 c->nlevel, c->rnn.hidden ? c->rnn.hidden : 32,
		 c->rnn.layers ? c->rnn.layers : 1,
		 c->rnn.per_series ? "per-series" : "global",
		 c->rnn.tz ? c->rnn.tz : "UTC", c->seed);
}

void fc_options_parse(int argc, char **argv, struct tsp_cli *cli,
		      struct fc_config *c, void (*usage)(void))
{
	struct pending pd = { -2, -1, 0, NULL, NULL, NULL, 0 };
	int opt;

	memset(c, 0, sizeof(*c));
	tsp_fc_opts_default(&c->fc);
	c->level[0] = 95;
	c->nlevel = 1;
	c->nsim = 5000;
	c->seed = 1;
	while ((opt = getopt_long(argc, argv, "m:p:H:l:" TSP_CLI_SHORTOPTS,
				  longopts, NULL)) != -1)
		if (!tsp_cli_option(cli, opt, optarg, usage))
			set_option(c, &pd, opt, optarg);
	check_options(c, &pd);
}
