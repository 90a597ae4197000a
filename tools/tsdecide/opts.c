/*
 * tsdecide/opts.c: tsdecide's command line.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tsdecide.h"
#include "tsp_num.h"

enum {
	OPT_CAPACITY = 1000, OPT_UP_ABOVE, OPT_DOWN_BELOW, OPT_MIN, OPT_MAX,
	OPT_USE, OPT_LEAD, OPT_MAX_STEP, OPT_COOLDOWN, OPT_DOWN_WINDOW,
	OPT_CURRENT, OPT_FORMAT, OPT_DEPLOYMENT, OPT_SAVE, OPT_LOAD
};

static const struct option longopts[] = {
	{"capacity", required_argument, NULL, OPT_CAPACITY},
	{"up-above", required_argument, NULL, OPT_UP_ABOVE},
	{"down-below", required_argument, NULL, OPT_DOWN_BELOW},
	{"min", required_argument, NULL, OPT_MIN},
	{"max", required_argument, NULL, OPT_MAX},
	{"use", required_argument, NULL, OPT_USE},
	{"lead", required_argument, NULL, OPT_LEAD},
	{"max-step", required_argument, NULL, OPT_MAX_STEP},
	{"cooldown", required_argument, NULL, OPT_COOLDOWN},
	{"down-window", required_argument, NULL, OPT_DOWN_WINDOW},
	{"current", required_argument, NULL, OPT_CURRENT},
	{"format", required_argument, NULL, OPT_FORMAT},
	{"deployment", required_argument, NULL, OPT_DEPLOYMENT},
	{"save", required_argument, NULL, OPT_SAVE},
	{"load", required_argument, NULL, OPT_LOAD},
	TSP_CLI_LONGOPTS,
	{NULL, 0, NULL, 0}
};

static void usage(void)
{
	printf(
"Usage: tsdecide --max N (--capacity X | --up-above X | --down-below X)\n"
"                [options] [file ...]\n"
"Turn tsforecast's forecasts into scaling decisions: per series and\n"
"forecast run, a record with action (scale_up, scale_down, hold),\n"
"replicas, current and reason.\n"
"\n"
"Policy:\n"
"      --capacity X           load one replica handles: ceil(load / X)\n"
"      --up-above X           one replica more (--max-step) above X\n"
"      --down-below X         one fewer below X (with --capacity: only\n"
"                             rise above, fall below: a dead band)\n"
"      --min N, --max N       never fewer, never more replicas (1; --max\n"
"                             is required)\n"
"      --use COL              plan on this field: forecast (default), hi\n"
"                             (the interval's upper bound), hi99...\n"
"      --lead DUR             plan on the highest load in the next DUR\n"
"                             (how long pods take to start; default: the\n"
"                             first forecast)\n"
"      --max-step N           at most N replicas more or fewer a decision\n"
"      --cooldown DUR         no change until DUR after the last change\n"
"      --down-window DUR      scale down only to the highest\n"
"                             recommendation of the last DUR (15m)\n"
"      --current N            replicas running at the start, unless the\n"
"                             field current says (default: the saved last\n"
"                             decision, else --min)\n"
"Output:\n"
"      --format records|kubectl  decision records (default), or a line\n"
"                             'kubectl scale deployment/NAME --replicas=N'\n"
"                             per change\n"
"      --deployment NAME      kubectl: the deployment; {COL} is a field or\n"
"                             a label of the series key ({deployment})\n"
"      --save FILE            keep each series' last decision in FILE\n"
"      --load FILE            continue from the decisions in FILE\n"
"\n"
"%s"
"  (-v, --value is --use)\n"
"\n"
"Exit status: 0 ok, 1 data error, 2 usage.\n"
"See tsdecide(1) and tspipe(7).\n",
	       tsp_cli_common_help);
}

static double num_arg(const char *opt, const char *arg)
{
	double v;

	if (tsp_num_parse(arg, strlen(arg), &v) != TSP_NUM_OK || !isfinite(v))
		tsp_cli_usage_error("bad %s '%s' (a number)", opt, arg);
	return v;
}

static long count_arg(const char *opt, const char *arg, long lo)
{
	char *end;
	long v = strtol(arg, &end, 10);

	if (end == arg || *end || v < lo || v > TSP_DECIDE_MAXREPLICAS)
		tsp_cli_usage_error("bad %s '%s' (a whole number from %ld to "
				    "%ld)", opt, arg, lo,
				    TSP_DECIDE_MAXREPLICAS);
	return v;
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

/* The policy a saved state was decided under, as JSON. */
static void policy_text(struct decide_options *o)
{
	const struct tsp_decide_config *p = &o->pol;
	char b[3][32];
	int n;

	n = snprintf(o->text, sizeof(o->text),
		     "{\"capacity\":%s,\"up_above\":%s,\"down_below\":%s,"
		     "\"min\":%ld,\"max\":%ld,\"max_step\":%ld,"
		     "\"cooldown\":%.9g,\"down_window\":%.9g,\"use\":\"%s\","
		     "\"lead\":%.9g}",
		     jnum(b[0], 32, p->capacity), jnum(b[1], 32, p->up_above),
		     jnum(b[2], 32, p->down_below), p->min, p->max,
		     p->max_step, (double)p->cooldown / 1e9,
		     (double)p->down_window / 1e9, o->use,
		     (double)o->lead / 1e9);
	if (n < 0 || (size_t)n >= sizeof(o->text) || strchr(o->use, '"') ||
	    strchr(o->use, '\\'))
		tsp_cli_usage_error("bad --use '%s'", o->use);
}

void decide_parse_options(int argc, char **argv, struct tsp_cli *cli,
			  struct decide_options *o)
{
	struct tsp_error err;
	int opt, has_max = 0;

	memset(o, 0, sizeof(*o));
	tsp_decide_config_init(&o->pol);
	o->current = -1;
	while ((opt = getopt_long(argc, argv, TSP_CLI_SHORTOPTS, longopts,
				  NULL)) != -1) {
		if (opt == 'v')
			opt = OPT_USE;
		if (tsp_cli_option(cli, opt, optarg, usage))
			continue;
		switch (opt) {
		case OPT_CAPACITY:
			o->pol.capacity = num_arg("--capacity", optarg);
			if (!(o->pol.capacity > 0))
				tsp_cli_usage_error("bad --capacity '%s' (a "
						    "number > 0)", optarg);
			break;
		case OPT_UP_ABOVE:
			o->pol.up_above = num_arg("--up-above", optarg);
			break;
		case OPT_DOWN_BELOW:
			o->pol.down_below = num_arg("--down-below", optarg);
			break;
		case OPT_MIN: o->pol.min = count_arg("--min", optarg, 0); break;
		case OPT_MAX:
			o->pol.max = count_arg("--max", optarg, 1);
			has_max = 1;
			break;
		case OPT_USE:
			if (!*optarg)
				tsp_cli_usage_error("empty field name for "
						    "--use");
			o->use = optarg;
			break;
		case OPT_LEAD:
			o->lead = tsp_cli_duration("--lead", optarg, 1);
			break;
		case OPT_MAX_STEP:
			o->pol.max_step = count_arg("--max-step", optarg, 1);
			break;
		case OPT_COOLDOWN:
			o->pol.cooldown = tsp_cli_duration("--cooldown",
							   optarg, 1);
			break;
		case OPT_DOWN_WINDOW:
			o->pol.down_window = tsp_cli_duration("--down-window",
							      optarg, 1);
			break;
		case OPT_CURRENT:
			o->current = count_arg("--current", optarg, 0);
			break;
		case OPT_FORMAT:
			if (strcmp(optarg, "records") &&
			    strcmp(optarg, "kubectl"))
				tsp_cli_usage_error("bad --format '%s' "
						    "(records or kubectl)",
						    optarg);
			o->kubectl = !strcmp(optarg, "kubectl");
			break;
		case OPT_DEPLOYMENT: o->deployment = optarg; break;
		case OPT_SAVE: o->save = optarg; break;
		case OPT_LOAD: o->load = optarg; break;
		default:
			tsp_cli_usage_error("unknown option");
		}
	}
	tsp_error_clear(&err);
	if (tsp_decide_config_check(&o->pol, &err) < 0)
		tsp_cli_usage_error("%s", err.msg);
	if (!has_max)
		tsp_cli_usage_error("give --max N, the most replicas to run");
	if (o->deployment && !o->kubectl)
		tsp_cli_usage_error("--deployment goes with --format kubectl");
	if (o->kubectl && cli->out_fmt)
		tsp_cli_usage_error("--format kubectl writes commands: no -O");
	if (!o->deployment)
		o->deployment = "{deployment}";
	if (!o->use)
		o->use = "forecast";
	cli->spec.value = o->use;
	policy_text(o);
}
