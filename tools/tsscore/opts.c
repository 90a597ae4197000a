/*
 * tsscore/opts.c: tsscore's command line.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tsscore.h"
#include "tsp_num.h"
#include "tsp_tz.h"

enum {
	OPT_DETECTOR = 1000, OPT_WEAK, OPT_STRONG, OPT_TAIL, OPT_WARMUP,
	OPT_LEVEL, OPT_ABOVE, OPT_BELOW, OPT_STRONG_ABOVE, OPT_STRONG_BELOW,
	OPT_WINDOW, OPT_TARGET, OPT_SD, OPT_SLACK, OPT_ALPHA, OPT_BETA,
	OPT_REFERENCE, OPT_COMPONENTS, OPT_RESOLUTIONS, OPT_FOR, OPT_M_OF_N,
	OPT_COOLDOWN, OPT_MIN_VALUE, OPT_MIN_DELTA, OPT_HOURS, OPT_TZ,
	OPT_ONLY, OPT_FAIL_ON, OPT_SAVE, OPT_LOAD, OPT_EVALUATE, OPT_LABEL,
	OPT_REPORT
};

static const struct option longopts[] = {
	{"detector", required_argument, NULL, 'd'},
	{"weak", required_argument, NULL, OPT_WEAK},
	{"strong", required_argument, NULL, OPT_STRONG},
	{"tail", required_argument, NULL, OPT_TAIL},
	{"warmup", required_argument, NULL, OPT_WARMUP},
	{"level", required_argument, NULL, OPT_LEVEL},
	{"above", required_argument, NULL, OPT_ABOVE},
	{"below", required_argument, NULL, OPT_BELOW},
	{"strong-above", required_argument, NULL, OPT_STRONG_ABOVE},
	{"strong-below", required_argument, NULL, OPT_STRONG_BELOW},
	{"window", required_argument, NULL, OPT_WINDOW},
	{"target", required_argument, NULL, OPT_TARGET},
	{"sd", required_argument, NULL, OPT_SD},
	{"slack", required_argument, NULL, OPT_SLACK},
	{"alpha", required_argument, NULL, OPT_ALPHA},
	{"beta", required_argument, NULL, OPT_BETA},
	{"reference", required_argument, NULL, OPT_REFERENCE},
	{"components", required_argument, NULL, OPT_COMPONENTS},
	{"resolutions", required_argument, NULL, OPT_RESOLUTIONS},
	{"for", required_argument, NULL, OPT_FOR},
	{"m-of-n", required_argument, NULL, OPT_M_OF_N},
	{"cooldown", required_argument, NULL, OPT_COOLDOWN},
	{"min-value", required_argument, NULL, OPT_MIN_VALUE},
	{"min-delta", required_argument, NULL, OPT_MIN_DELTA},
	{"hours", required_argument, NULL, OPT_HOURS},
	{"tz", required_argument, NULL, OPT_TZ},
	{"only-anomalies", no_argument, NULL, OPT_ONLY},
	{"fail-on", required_argument, NULL, OPT_FAIL_ON},
	{"save", required_argument, NULL, OPT_SAVE},
	{"load", required_argument, NULL, OPT_LOAD},
	{"evaluate", no_argument, NULL, OPT_EVALUATE},
	{"label", required_argument, NULL, OPT_LABEL},
	{"report", required_argument, NULL, OPT_REPORT},
	TSP_CLI_LONGOPTS,
	{NULL, 0, NULL, 0}
};

static void usage(void)
{
	printf(
"Usage: tsscore [-d DETECTOR[,DETECTOR...]] [options] [file ...]\n"
"       tsscore --evaluate --label COL [options] [file ...]\n"
"Score every record: append score, anomaly (NORMAL, WEAK, STRONG, WARMUP,\n"
"UNKNOWN) and reason, then apply the alarm rules.\n"
"\n"
"Detectors (default: residual with a forecast field, else hampel):\n"
"  -d, --detector LIST        residual, threshold, hampel, cusum, ewma,\n"
"                             pewma, gmm (several: the most severe wins)\n"
"      --weak K, --strong K   score limits of WEAK and STRONG (3, 4;\n"
"                             cusum 4, 5)\n"
"      --tail upper|lower|both  which deviations count (both)\n"
"      --warmup N             values learned before scoring\n"
"      --level P              residual: lo/hi are a P%% interval (95)\n"
"      --above X, --below X   threshold: WEAK limits\n"
"      --strong-above X, --strong-below X  threshold: STRONG limits\n"
"      --window N             hampel: trailing window (31)\n"
"      --target X, --sd X     cusum: in-control mean and sd (warm-up's)\n"
"      --slack K              cusum: allowance in sds (0.5)\n"
"      --alpha A, --beta B    ewma/pewma: weight of the newest value (0.1),\n"
"                             pewma's damping of outliers (0.5)\n"
"      --reference DUR        gmm: window the mixture is fitted on (7d)\n"
"      --components N         gmm: most components tried by BIC (4)\n"
"      --resolutions LIST     STEP:WEIGHT,... e.g. 1m:1,15m:2,1h:4: score\n"
"                             each level's buckets, combine the weights\n"
"Alarm rules:\n"
"      --for N                only after N consecutive anomalous points\n"
"      --m-of-n M/N           STRONG when M of the last N are anomalous\n"
"      --cooldown DUR         one alarm per episode, at most one per DUR\n"
"      --min-value X          no alarm while value and expected are < X\n"
"      --min-delta X          no alarm while |value - expected| < X\n"
"      --hours A-B            alarms only from hour A to hour B (local)\n"
"      --tz ZONE              time zone of --hours (default UTC)\n"
"Output:\n"
"      --only-anomalies       write only the WEAK and STRONG records\n"
"      --fail-on WEAK|STRONG  exit 3 if such a level was written\n"
"      --save FILE            keep every series' state in FILE\n"
"      --load FILE            continue from the states in FILE\n"
"      --evaluate             compare with --label COL (0/1) and report\n"
"                             point and event precision, recall, F1, delay\n"
"      --label COL            the label field for --evaluate\n"
"      --report ndjson|table  evaluation output (default ndjson)\n"
"\n"
"%s"
"\n"
"Exit status: 0 ok, 1 data error, 2 usage, 3 --fail-on level seen.\n"
"See tsscore(1) and tspipe(7).\n",
	       tsp_cli_common_help);
}

static double num_arg(const char *opt, const char *arg, double lo, double hi)
{
	double v;

	if (tsp_num_parse(arg, strlen(arg), &v) != TSP_NUM_OK ||
	    !(v >= lo && v <= hi))
		tsp_cli_usage_error("bad %s '%s' (a number from %g to %g)", opt,
				    arg, lo, hi);
	return v;
}

static long count_arg(const char *opt, const char *arg, long lo, long hi)
{
	char *end;
	long v = strtol(arg, &end, 10);

	if (end == arg || *end || v < lo || v > hi)
		tsp_cli_usage_error("bad %s '%s' (a whole number from %ld to "
				    "%ld)", opt, arg, lo, hi);
	return v;
}

static void add_detectors(struct score_given *g, const char *arg)
{
	char buf[256];
	char *save = NULL, *tok;

	snprintf(buf, sizeof(buf), "%s", arg);
	for (tok = strtok_r(buf, ",", &save); tok;
	     tok = strtok_r(NULL, ",", &save)) {
		enum tsp_detector d;
		if (tsp_detector_parse(tok, &d) < 0)
			tsp_cli_usage_error("bad --detector '%s' (residual, "
					    "threshold, hampel, cusum, ewma, "
					    "pewma or gmm)", tok);
		for (size_t i = 0; i < g->nkinds; i++)
			if (g->kinds[i] == d)
				tsp_cli_usage_error("--detector %s given twice",
						    tok);
		if (g->nkinds == TSP_SCORER_MAXDET)
			tsp_cli_usage_error("at most %d detectors",
					    TSP_SCORER_MAXDET);
		g->kinds[g->nkinds++] = d;
	}
	if (!g->nkinds)
		tsp_cli_usage_error("bad --detector '%s'", arg);
}

static void parse_resolutions(struct tsp_scorer_config *sc, const char *arg)
{
	char buf[256];
	char *save = NULL, *tok;

	snprintf(buf, sizeof(buf), "%s", arg);
	for (tok = strtok_r(buf, ",", &save); tok;
	     tok = strtok_r(NULL, ",", &save)) {
		char *colon = strchr(tok, ':');
		tsp_time_t ns;
		double w = 1;

		if (colon) {
			*colon = 0;
			if (tsp_num_parse(colon + 1, strlen(colon + 1), &w) !=
			    TSP_NUM_OK || !(w > 0 && w <= 1e6))
				tsp_cli_usage_error("bad --resolutions weight "
						    "'%s' (a number > 0)",
						    colon + 1);
		}
		if (tsp_duration_parse(tok, &ns) < 0 || ns <= 0 ||
		    ns % TSP_NS_PER_SEC)
			tsp_cli_usage_error("bad --resolutions step '%s' (a "
					    "duration of whole seconds)", tok);
		for (size_t j = 0; j < sc->nres; j++)
			if (sc->res_step[j] == ns)
				tsp_cli_usage_error("--resolutions step '%s' "
						    "given twice", tok);
		if (sc->nres == TSP_SCORER_MAXRES)
			tsp_cli_usage_error("at most %d --resolutions",
					    TSP_SCORER_MAXRES);
		sc->res_step[sc->nres] = ns;
		sc->res_weight[sc->nres++] = w;
	}
	if (!sc->nres)
		tsp_cli_usage_error("bad --resolutions '%s'", arg);
}

static void parse_rule(struct tsp_alarm_config *a, int opt, const char *arg)
{
	char *end;
	long m, n, h1, h2;

	switch (opt) {
	case OPT_FOR:
		a->for_n = (unsigned)count_arg("--for", arg, 1, 100000);
		break;
	case OPT_M_OF_N:
		m = strtol(arg, &end, 10);
		if (end == arg || *end != '/' ||
		    (n = strtol(end + 1, &end, 10), *end) || m < 1 || n < m ||
		    n > 64)
			tsp_cli_usage_error("bad --m-of-n '%s' (M/N with 1 <= M "
					    "<= N <= 64)", arg);
		a->m = (unsigned)m;
		a->n = (unsigned)n;
		break;
	case OPT_COOLDOWN:
		a->cooldown = tsp_cli_duration("--cooldown", arg, 0);
		break;
	case OPT_MIN_VALUE:
		a->min_value = num_arg("--min-value", arg, 0, HUGE_VAL);
		break;
	case OPT_MIN_DELTA:
		a->min_delta = num_arg("--min-delta", arg, 0, HUGE_VAL);
		break;
	case OPT_HOURS:
		h1 = strtol(arg, &end, 10);
		if (end == arg || *end != '-' ||
		    (h2 = strtol(end + 1, &end, 10), *end) || h1 < 0 ||
		    h1 > 23 || h2 < 0 || h2 > 24 || h1 == h2)
			tsp_cli_usage_error("bad --hours '%s' (A-B, hours 0 to "
					    "24, e.g. 09-17 or 22-06)", arg);
		a->hour_from = (int)h1;
		a->hour_to = (int)(h2 == 24 ? 0 : h2);
		if (a->hour_from == a->hour_to)
			a->hour_from = a->hour_to = -1;	/* 0-24: all day */
		break;
	}
}

/* Spread what was given over each detector's defaults. */
static void make_detectors(struct score_config *c, const struct score_given *g)
{
	struct tsp_error err;

	c->sc.ndet = g->nkinds;
	for (size_t i = 0; i < g->nkinds; i++) {
		struct tsp_detect_config *d = &c->sc.det[i];
		tsp_detect_config_init(d, g->kinds[i]);
		if (!isnan(g->weak)) d->weak = g->weak;
		if (!isnan(g->strong)) d->strong = g->strong;
		if (g->tail >= 0) d->tail = (enum tsp_tail)g->tail;
		if (g->warmup >= 0) d->warmup = (size_t)g->warmup;
		if (!isnan(g->level)) d->level = g->level;
		d->above = g->above;
		d->below = g->below;
		d->strong_above = g->sabove;
		d->strong_below = g->sbelow;
		if (g->window > 0) {
			d->window = (size_t)g->window;
			if (g->warmup < 0 && d->kind == TSP_DET_HAMPEL)
				d->warmup = d->window / 2 + 1;
		}
		if (!isnan(g->target)) d->target = g->target;
		if (!isnan(g->sd)) d->sd = g->sd;
		if (!isnan(g->slack)) d->slack = g->slack;
		if (!isnan(g->alpha)) d->alpha = g->alpha;
		if (!isnan(g->beta)) d->beta = g->beta;
		/* cusum told its target and sd has nothing to learn first */
		if (d->kind == TSP_DET_CUSUM && g->warmup < 0 &&
		    !isnan(d->target) && !isnan(d->sd))
			d->warmup = 0;
		if (g->kinds[i] == TSP_DET_GMM) {
			struct tsp_gmmdet_config *m = &c->gmm;
			tsp_gmmdet_config_init(m);
			if (c->reference)
				m->reference = (double)c->reference / 1e9;
			if (c->components)
				m->kmax = c->components;
			if (!isnan(g->weak)) m->weak = g->weak;
			if (!isnan(g->strong)) m->strong = g->strong;
			if (g->tail >= 0) m->tail = (enum tsp_tail)g->tail;
			if (g->warmup >= 10) m->min_points = (size_t)g->warmup;
			d->weak = m->weak;
			d->strong = m->strong;
			d->tail = m->tail;
			c->sc.gmm = m;
			tsp_error_clear(&err);
			if (tsp_gmmdet_config_check(m, &err) < 0)
				tsp_cli_usage_error("%s", err.msg);
			continue;
		}
		tsp_error_clear(&err);
		if (tsp_detect_config_check(d, &err) < 0)
			tsp_cli_usage_error("%s", err.msg);
	}
}

/* A number as JSON (NaN, i.e. not set, as null) in buf. */
static const char *jnum(char *buf, size_t n, double v)
{
	if (isnan(v))
		snprintf(buf, n, "null");
	else
		snprintf(buf, n, "%.17g", v);
	return buf;
}

/* The options that make a saved state what it is, as JSON. */
static void options_text(struct score_config *c)
{
	size_t n = 0, cap = sizeof(c->options);

#define PUT(...) (n += (size_t)snprintf(c->options + n, n < cap ? cap - n : 0, \
					__VA_ARGS__))
	PUT("{\"detectors\":[");
	for (size_t i = 0; i < c->sc.ndet; i++) {
		const struct tsp_detect_config *d = &c->sc.det[i];
		char b[8][32];
		PUT("%s{\"kind\":\"%s\",\"tail\":%d,\"weak\":%s,"
		    "\"strong\":%s,\"warmup\":%zu,\"level\":%s,"
		    "\"window\":%zu,\"target\":%s,\"sd\":%s,"
		    "\"slack\":%s,\"alpha\":%s,\"beta\":%s}",
		    i ? "," : "", tsp_detector_name(d->kind), (int)d->tail,
		    jnum(b[0], 32, d->weak), jnum(b[1], 32, d->strong),
		    d->warmup, jnum(b[2], 32, d->level), d->window,
		    jnum(b[3], 32, d->target), jnum(b[4], 32, d->sd),
		    jnum(b[5], 32, d->slack), jnum(b[6], 32, d->alpha),
		    jnum(b[7], 32, d->beta));
	}
	PUT("]");
	if (c->sc.gmm)
		PUT(",\"gmm\":{\"reference\":%.17g,\"kmax\":%d,"
		    "\"min_points\":%zu}", c->gmm.reference, c->gmm.kmax,
		    c->gmm.min_points);
	PUT(",\"resolutions\":[");
	for (size_t j = 0; j < c->sc.nres; j++)
		PUT("%s[%lld,%.17g]", j ? "," : "",
		    (long long)(c->sc.res_step[j] / TSP_NS_PER_SEC),
		    c->sc.res_weight[j]);
	PUT("]}");
#undef PUT
	if (n >= cap)
		tsp_cli_usage_error("too many options to record");
}

void score_parse_options(int argc, char **argv, struct tsp_cli *cli,
			 struct score_config *c)
{
	struct score_given g = {
		.weak = NAN, .strong = NAN, .level = NAN, .above = NAN,
		.below = NAN, .sabove = NAN, .sbelow = NAN, .target = NAN,
		.sd = NAN, .slack = NAN, .alpha = NAN, .beta = NAN,
		.warmup = -1, .window = -1, .tail = -1
	};
	struct tsp_error err;
	int opt;

	memset(c, 0, sizeof(*c));
	tsp_scorer_config_init(&c->sc);
	while ((opt = getopt_long(argc, argv, "d:" TSP_CLI_SHORTOPTS,
				  longopts, NULL)) != -1) {
		if (tsp_cli_option(cli, opt, optarg, usage))
			continue;
		switch (opt) {
		case 'd': add_detectors(&g, optarg); break;
		case OPT_WEAK: g.weak = num_arg("--weak", optarg, 0, 1e6); break;
		case OPT_STRONG:
			g.strong = num_arg("--strong", optarg, 0, 1e6);
			break;
		case OPT_TAIL:
			if (!strcmp(optarg, "both")) g.tail = TSP_TAIL_BOTH;
			else if (!strcmp(optarg, "upper")) g.tail = TSP_TAIL_UPPER;
			else if (!strcmp(optarg, "lower")) g.tail = TSP_TAIL_LOWER;
			else tsp_cli_usage_error("bad --tail '%s' (upper, lower "
						 "or both)", optarg);
			break;
		case OPT_WARMUP:
			g.warmup = count_arg("--warmup", optarg, 0, 10000000);
			break;
		case OPT_LEVEL:
			g.level = num_arg("--level", optarg, 1, 99.99);
			break;
		case OPT_ABOVE: g.above = num_arg("--above", optarg, -HUGE_VAL,
						  HUGE_VAL); break;
		case OPT_BELOW: g.below = num_arg("--below", optarg, -HUGE_VAL,
						  HUGE_VAL); break;
		case OPT_STRONG_ABOVE:
			g.sabove = num_arg("--strong-above", optarg, -HUGE_VAL,
					   HUGE_VAL);
			break;
		case OPT_STRONG_BELOW:
			g.sbelow = num_arg("--strong-below", optarg, -HUGE_VAL,
					   HUGE_VAL);
			break;
		case OPT_WINDOW:
			g.window = count_arg("--window", optarg, 3, 100000);
			break;
		case OPT_TARGET: g.target = num_arg("--target", optarg,
						    -HUGE_VAL, HUGE_VAL); break;
		case OPT_SD: g.sd = num_arg("--sd", optarg, 1e-300, HUGE_VAL);
			break;
		case OPT_SLACK: g.slack = num_arg("--slack", optarg, 0, 100);
			break;
		case OPT_ALPHA: g.alpha = num_arg("--alpha", optarg, 1e-6, 1);
			break;
		case OPT_BETA: g.beta = num_arg("--beta", optarg, 0, 1); break;
		case OPT_REFERENCE:
			c->reference = tsp_cli_duration("--reference", optarg, 0);
			break;
		case OPT_COMPONENTS:
			c->components = (int)count_arg("--components", optarg, 1,
						       8);
			break;
		case OPT_RESOLUTIONS: parse_resolutions(&c->sc, optarg); break;
		case OPT_TZ:
			tsp_error_clear(&err);
			if (tsp_tz_set(optarg, &err) < 0)
				tsp_cli_usage_error("%s", err.msg);
			c->sc.alarm.use_tz = 1;
			break;
		case OPT_ONLY: c->only_anomalies = 1; break;
		case OPT_FAIL_ON:
			if (!strcmp(optarg, "WEAK") || !strcmp(optarg, "weak"))
				c->fail_on = TSP_LEVEL_WEAK;
			else if (!strcmp(optarg, "STRONG") ||
				 !strcmp(optarg, "strong"))
				c->fail_on = TSP_LEVEL_STRONG;
			else
				tsp_cli_usage_error("bad --fail-on '%s' (WEAK or "
						    "STRONG)", optarg);
			break;
		case OPT_SAVE: c->save = optarg; break;
		case OPT_LOAD: c->load = optarg; break;
		case OPT_EVALUATE: c->evaluate = 1; break;
		case OPT_LABEL: c->label = optarg; break;
		case OPT_REPORT:
			if (strcmp(optarg, "ndjson") && strcmp(optarg, "table"))
				tsp_cli_usage_error("bad --report '%s' (ndjson "
						    "or table)", optarg);
			c->table = !strcmp(optarg, "table");
			break;
		default:
			parse_rule(&c->sc.alarm, opt, optarg);
			break;
		}
	}
	if (c->evaluate != !!c->label)
		tsp_cli_usage_error("--evaluate and --label COL go together");
	if (c->table && !c->evaluate)
		tsp_cli_usage_error("--report goes with --evaluate");
	if (c->evaluate && (c->only_anomalies || c->fail_on))
		tsp_cli_usage_error("--evaluate writes a report, not records: "
				    "no --only-anomalies or --fail-on");
	c->given = g;
	/* Catch bad limits now, not at the first record: try the detectors
	   given, or both defaults. */
	{
		struct score_config probe = *c;
		if (g.nkinds) {
			make_detectors(&probe, &g);
		} else {
			g.kinds[0] = TSP_DET_RESIDUAL;
			g.kinds[1] = TSP_DET_HAMPEL;
			g.nkinds = 2;
			make_detectors(&probe, &g);
		}
	}
}

void score_config_resolve(struct score_config *c, int has_forecast)
{
	struct score_given *g = &c->given;

	if (!g->nkinds)
		g->kinds[g->nkinds++] = has_forecast ? TSP_DET_RESIDUAL
						     : TSP_DET_HAMPEL;
	make_detectors(c, g);
	options_text(c);
	for (size_t i = 0; i < c->sc.ndet; i++)
		if (c->sc.det[i].kind == TSP_DET_RESIDUAL ||
		    c->sc.det[i].kind == TSP_DET_GMM)
			c->uses_forecast = 1;
	c->resolved = 1;
}
