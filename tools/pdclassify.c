/*
 * pdclassify: learn from past PagerDuty incidents which ones resolve
 * themselves before anyone acknowledges them, validate it, and say so
 * for new incidents, with a confidence and a reason.
 *
 *   train     features + random forest, out-of-bag report, --save MODEL
 *   cv        stratified k-fold or time-ordered cross-validation
 *   predict   --load MODEL: incident, prediction, confidence, reason
 *   features  the feature matrix, as train (or a model) builds it
 *   noise     per service: incidents, share self-resolved, flapping
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pdclassify.h"
#include "tsp_tz.h"

enum {
	OPT_ID = 1000, OPT_CREATED, OPT_ACKED, OPT_RESOLVED, OPT_TITLE,
	OPT_DESC, OPT_SERVICE, OPT_POLICY, OPT_URGENCY, OPT_PRIORITY,
	OPT_ASSIGNEE, OPT_ALERTS, OPT_LABEL, OPT_NUMERIC, OPT_WITHIN, OPT_MATRIX, OPT_TZ,
	OPT_LEVELS, OPT_MIN_COUNT, OPT_BUCKETS, OPT_TREES, OPT_MAXF,
	OPT_MAX_DEPTH, OPT_MIN_LEAF, OPT_BALANCE, OPT_SEED, OPT_THREADS,
	OPT_FOLDS, OPT_TIME_SPLIT, OPT_MIN_PREC, OPT_THRESHOLD, OPT_SAVE,
	OPT_LOAD, OPT_REPORT, OPT_REASONS, OPT_FLAP
};

static const struct option longopts[] = {
	{"id", required_argument, NULL, OPT_ID},
	{"created", required_argument, NULL, OPT_CREATED},
	{"acknowledged", required_argument, NULL, OPT_ACKED},
	{"resolved", required_argument, NULL, OPT_RESOLVED},
	{"title", required_argument, NULL, OPT_TITLE},
	{"description", required_argument, NULL, OPT_DESC},
	{"service", required_argument, NULL, OPT_SERVICE},
	{"policy", required_argument, NULL, OPT_POLICY},
	{"urgency", required_argument, NULL, OPT_URGENCY},
	{"priority", required_argument, NULL, OPT_PRIORITY},
	{"assignee", required_argument, NULL, OPT_ASSIGNEE},
	{"alerts", required_argument, NULL, OPT_ALERTS},
	{"label", required_argument, NULL, OPT_LABEL},
	{"numeric", required_argument, NULL, OPT_NUMERIC},
	{"within", required_argument, NULL, OPT_WITHIN},
	{"matrix", no_argument, NULL, OPT_MATRIX},
	{"tz", required_argument, NULL, OPT_TZ},
	{"levels", required_argument, NULL, OPT_LEVELS},
	{"min-count", required_argument, NULL, OPT_MIN_COUNT},
	{"hash-buckets", required_argument, NULL, OPT_BUCKETS},
	{"trees", required_argument, NULL, OPT_TREES},
	{"max-features", required_argument, NULL, OPT_MAXF},
	{"max-depth", required_argument, NULL, OPT_MAX_DEPTH},
	{"min-leaf", required_argument, NULL, OPT_MIN_LEAF},
	{"balance", required_argument, NULL, OPT_BALANCE},
	{"seed", required_argument, NULL, OPT_SEED},
	{"threads", required_argument, NULL, OPT_THREADS},
	{"folds", required_argument, NULL, OPT_FOLDS},
	{"time-split", no_argument, NULL, OPT_TIME_SPLIT},
	{"min-precision", required_argument, NULL, OPT_MIN_PREC},
	{"threshold", required_argument, NULL, OPT_THRESHOLD},
	{"save", required_argument, NULL, OPT_SAVE},
	{"load", required_argument, NULL, OPT_LOAD},
	{"report", required_argument, NULL, OPT_REPORT},
	{"reasons", required_argument, NULL, OPT_REASONS},
	{"flap", required_argument, NULL, OPT_FLAP},
	{"input-format", required_argument, NULL, 'I'},
	{"output-format", required_argument, NULL, 'O'},
	{"time-unit", required_argument, NULL, TSP_OPT_TIME_UNIT},
	{"on-error", required_argument, NULL, TSP_OPT_ON_ERROR},
	{"help", no_argument, NULL, 'h'},
	{"version", no_argument, NULL, 'V'},
	{NULL, 0, NULL, 0}
};

static void usage(void)
{
	printf(
"Usage: pdclassify train [--save MODEL] [options] [file ...]\n"
"       pdclassify cv [--folds K] [--time-split] [options] [file ...]\n"
"       pdclassify predict --load MODEL [options] [file ...]\n"
"       pdclassify features [--load MODEL] [options] [file ...]\n"
"       pdclassify noise [--flap DUR] [options] [file ...]\n"
"Learn from PagerDuty incidents (web UI CSV or REST API NDJSON) which\n"
"resolve themselves before anyone acknowledges them; predict it for new\n"
"ones with a confidence and a reason.\n"
"\n"
"Fields (COL: a column name, or names tried in order: a,b,c):\n"
"      --id COL --created COL --acknowledged COL --resolved COL\n"
"      --title COL --description COL --service COL --policy COL\n"
"      --urgency COL --priority COL --assignee COL --alerts COL\n"
"                             where each field is (defaults: pdclassify(1))\n"
"      --numeric COL[,COL...] more numeric features (default: none)\n"
"      --label COL            the label is given (true/false, yes/no, 1/0)\n"
"      --within DUR           derived label: resolved within DUR of creation,\n"
"                             never acknowledged (default: no limit)\n"
"      --matrix               records are feature rows (as 'features' writes)\n"
"Features:\n"
"      --tz ZONE              hour and weekday in ZONE (default UTC)\n"
"      --levels N             one-hot the N most frequent levels (default 10)\n"
"      --min-count N          ... that have N incidents or more (default 5)\n"
"      --hash-buckets N       title words hashed into N buckets (default 16)\n"
"Forest:\n"
"      --trees N              trees (default 500)\n"
"      --max-features sqrt|log2|all|N|F  features tried per split (sqrt)\n"
"      --max-depth N          deepest split (default: none)\n"
"      --min-leaf N           incidents in a leaf, at least (default 5)\n"
"      --balance downsample|weights|none  unequal classes (default none)\n"
"      --seed N               random seed (default 1)\n"
"      --threads N            training threads (default: all cores)\n"
"Validation and models:\n"
"      --folds K              cv folds (default 5)\n"
"      --time-split           cv: train on older incidents, test on newer\n"
"      --min-precision P      call 'true' only above the lowest threshold\n"
"                             whose calls were right P of the time\n"
"      --threshold P          call 'true' at confidence >= P (default 0.5)\n"
"      --save FILE            train: write the model to FILE\n"
"      --load FILE            predict, features: use the model in FILE\n"
"      --report ndjson|table  train, cv: report format (default ndjson)\n"
"      --reasons N            predict: features in the reason (default 3)\n"
"      --flap DUR             noise: re-trigger window (default 1h)\n"
"Input and output:\n"
"  -I, --input-format csv|ndjson   input encoding (default: detected)\n"
"  -O, --output-format csv|ndjson  output encoding (default: the input's)\n"
"      --time-unit s|ms       unit of epoch times (default: s)\n"
"      --on-error stop|skip   at a bad record: stop (default), or warn, skip\n"
"                             it and exit 1 at the end\n"
"  -h, --help                 show this help and exit\n"
"  -V, --version              show the version and exit\n"
"\n"
"Exit status: 0 ok, 1 data error, 2 usage.  See pdclassify(1).\n");
}

static unsigned long long parse_uint(const char *opt, const char *arg,
				     unsigned long long lo,
				     unsigned long long hi)
{
	char *end;
	unsigned long long v;

	if (arg[0] == '-' || arg[0] == '+')
		tsp_cli_usage_error("bad %s '%s' (a whole number from %llu to "
				    "%llu)", opt, arg, lo, hi);
	v = strtoull(arg, &end, 10);
	if (end == arg || *end || v < lo || v > hi)
		tsp_cli_usage_error("bad %s '%s' (a whole number from %llu to "
				    "%llu)", opt, arg, lo, hi);
	return v;
}

static double parse_prob(const char *opt, const char *arg)
{
	double v;

	if (tsp_num_parse(arg, strlen(arg), &v) != TSP_NUM_OK ||
	    !(v >= 0 && v <= 1))
		tsp_cli_usage_error("bad %s '%s' (a number from 0 to 1)", opt,
				    arg);
	return v;
}

static void parse_maxf(struct tsp_forest_opts *o, const char *arg)
{
	double v;

	if (strcmp(arg, "sqrt") == 0)
		o->max_features = TSP_MAXF_SQRT;
	else if (strcmp(arg, "log2") == 0)
		o->max_features = TSP_MAXF_LOG2;
	else if (strcmp(arg, "all") == 0)
		o->max_features = TSP_MAXF_ALL;
	else if (strchr(arg, '.') &&
		 tsp_num_parse(arg, strlen(arg), &v) == TSP_NUM_OK &&
		 v > 0 && v <= 1) {
		o->max_features = TSP_MAXF_FRACTION;
		o->max_features_arg = v;
	} else if (!strchr(arg, '.')) {
		o->max_features = TSP_MAXF_COUNT;
		o->max_features_arg = (double)parse_uint("--max-features", arg,
							 1, 1000000);
	} else {
		tsp_cli_usage_error("bad --max-features '%s' (sqrt, log2, all, "
				    "a count, or a fraction in (0, 1])", arg);
	}
}

static void set_field(struct pdc_config *c, enum tsp_inc_field f,
		      const char *arg)
{
	struct tsp_error err;

	tsp_error_clear(&err);
	if (tsp_incmap_set(&c->map, f, arg, &err) < 0)
		tsp_cli_usage_error("bad --%s '%s': %s", tsp_inc_field_name(f),
				    arg, err.msg);
}

static void option(struct pdc_config *c, int opt, const char *arg,
		   unsigned *given)
{
	struct tsp_error err;

	tsp_error_clear(&err);
	if (opt >= OPT_ID && opt <= OPT_LABEL) {
		set_field(c, (enum tsp_inc_field)(opt - OPT_ID), arg);
		given[0] |= 1u << (opt - OPT_ID);
		return;
	}
	switch (opt) {
	case OPT_NUMERIC:
		if (tsp_incmap_set_numeric(&c->map, arg, &err) < 0)
			tsp_cli_usage_error("bad --numeric '%s': %s", arg,
					    err.msg);
		break;
	case OPT_WITHIN:
		c->map.within = tsp_cli_duration("--within", arg, 0);
		break;
	case OPT_MATRIX: c->map.matrix = 1; break;
	case OPT_TZ:
		if (tsp_tz_set(arg, &err) < 0)
			tsp_cli_usage_error("%s", err.msg);
		snprintf(c->def.tz, sizeof(c->def.tz), "%s", arg);
		break;
	case OPT_LEVELS:
		c->def.levels = parse_uint("--levels", arg, 0, 10000);
		break;
	case OPT_MIN_COUNT:
		c->def.min_count = parse_uint("--min-count", arg, 1, 1000000000);
		break;
	case OPT_BUCKETS:
		c->def.buckets = parse_uint("--hash-buckets", arg, 1, 4096);
		break;
	case OPT_TREES:
		c->forest.trees = parse_uint("--trees", arg, 1, 100000);
		break;
	case OPT_MAXF: parse_maxf(&c->forest, arg); break;
	case OPT_MAX_DEPTH:
		c->forest.max_depth = parse_uint("--max-depth", arg, 1, 10000);
		break;
	case OPT_MIN_LEAF:
		c->forest.min_leaf = parse_uint("--min-leaf", arg, 1, 1000000);
		break;
	case OPT_BALANCE:
		if (strcmp(arg, "none") == 0)
			c->forest.balance = TSP_BALANCE_NONE;
		else if (strcmp(arg, "weights") == 0)
			c->forest.balance = TSP_BALANCE_WEIGHTS;
		else if (strcmp(arg, "downsample") == 0)
			c->forest.balance = TSP_BALANCE_DOWNSAMPLE;
		else
			tsp_cli_usage_error("bad --balance '%s' (downsample, "
					    "weights or none)", arg);
		break;
	case OPT_SEED:
		c->forest.seed = parse_uint("--seed", arg, 0, UINT64_MAX);
		break;
	case OPT_THREADS:
		c->forest.threads = (int)parse_uint("--threads", arg, 1, 256);
		break;
	case OPT_FOLDS: c->folds = parse_uint("--folds", arg, 2, 100); break;
	case OPT_TIME_SPLIT: c->time_split = 1; break;
	case OPT_MIN_PREC:
		c->min_precision = parse_prob("--min-precision", arg);
		break;
	case OPT_THRESHOLD:
		c->threshold = parse_prob("--threshold", arg);
		break;
	case OPT_SAVE: c->save = arg; break;
	case OPT_LOAD: c->load = arg; break;
	case OPT_REPORT:
		if (strcmp(arg, "table") && strcmp(arg, "ndjson"))
			tsp_cli_usage_error("bad --report '%s' (ndjson or "
					    "table)", arg);
		c->table = strcmp(arg, "table") == 0;
		break;
	case OPT_REASONS:
		c->reasons = parse_uint("--reasons", arg, 0, 20);
		break;
	case OPT_FLAP: c->flap = tsp_cli_duration("--flap", arg, 1); break;
	default:
		return;
	}
	if (opt >= OPT_ID && opt <= OPT_FLAP)
		given[(opt - OPT_ID) / 32] |= 1u << ((opt - OPT_ID) % 32);
}

static int was_given(const unsigned *given, int opt)
{
	return given[(opt - OPT_ID) / 32] >> ((opt - OPT_ID) % 32) & 1;
}

/* Which options go with which command. */
static void check_options(const struct pdc_config *c, const unsigned *given)
{
	static const struct { int opt; unsigned cmds; } only[] = {
		{ OPT_SAVE, 1u << PDC_TRAIN },
		{ OPT_LOAD, 1u << PDC_PREDICT | 1u << PDC_FEATURES },
		{ OPT_FOLDS, 1u << PDC_CV }, { OPT_TIME_SPLIT, 1u << PDC_CV },
		{ OPT_MIN_PREC, 1u << PDC_TRAIN | 1u << PDC_CV },
		{ OPT_THRESHOLD, 1u << PDC_TRAIN | 1u << PDC_PREDICT |
				 1u << PDC_CV },
		{ OPT_REPORT, 1u << PDC_TRAIN | 1u << PDC_CV },
		{ OPT_REASONS, 1u << PDC_PREDICT },
		{ OPT_FLAP, 1u << PDC_NOISE },
	};
	static const char *const cmdname[] = {
		"train", "cv", "predict", "features", "noise"
	};

	for (size_t k = 0; k < sizeof(only) / sizeof(only[0]); k++)
		if (was_given(given, only[k].opt) &&
		    !(only[k].cmds >> c->cmd & 1))
			tsp_cli_usage_error("--%s does not go with %s",
					    longopts[only[k].opt - OPT_ID].name,
					    cmdname[c->cmd]);
	if (c->cmd == PDC_PREDICT && !c->load)
		tsp_cli_usage_error("predict needs a model: --load FILE");
	if (c->load) {
		/* The model says how to read and build everything. */
		for (int o = OPT_ID; o <= OPT_BALANCE; o++)
			if (was_given(given, o))
				tsp_cli_usage_error("--%s does not go with "
						    "--load: the model says "
						    "how to read incidents",
						    longopts[o - OPT_ID].name);
	}
	if (c->map.matrix && c->cmd == PDC_NOISE)
		tsp_cli_usage_error("noise reads incidents, not --matrix rows");
	if (!isnan(c->min_precision) && !isnan(c->threshold))
		tsp_cli_usage_error("--min-precision chooses the threshold: "
				    "not with --threshold");
}

/* The options a model was trained with, as JSON for the store. */
static void options_json(struct pdc_config *c)
{
	static const char *const bal[] = { "none", "weights", "downsample" };
	static const char *const mf[] = { "sqrt", "log2", "all" };
	const struct tsp_forest_opts *o = &c->forest;
	char maxf[32];
	size_t n = 1024;

	if (o->max_features <= TSP_MAXF_ALL)
		snprintf(maxf, sizeof(maxf), "\"%s\"", mf[o->max_features]);
	else
		snprintf(maxf, sizeof(maxf), "%.17g", o->max_features_arg);
	c->opts_json = malloc(n);
	if (!c->opts_json)
		tsp_cli_usage_error("out of memory");
	snprintf(c->opts_json, n, "{\"trees\":%zu,\"max_features\":%s,"
		 "\"max_depth\":%zu,\"min_leaf\":%zu,\"balance\":\"%s\","
		 "\"seed\":%llu,\"levels\":%zu,\"min_count\":%zu,"
		 "\"hash_buckets\":%zu,\"matrix\":%s}", o->trees, maxf,
		 o->max_depth, o->min_leaf, bal[o->balance],
		 (unsigned long long)o->seed, c->def.levels, c->def.min_count,
		 c->def.buckets, c->map.matrix ? "true" : "false");
}

static void parse_options(int argc, char **argv, struct pdc_config *c)
{
	static const char *const cmds[] = {
		"train", "cv", "predict", "features", "noise"
	};
	unsigned given[2] = { 0, 0 };
	struct tsp_error err;
	int opt, k;

	if (argc < 2 || argv[1][0] == '-') {
		/* pdclassify --help, --version, or a mistake */
		while ((opt = getopt_long(argc, argv, "I:O:hV", longopts,
					  NULL)) != -1)
			tsp_cli_option(c->cli, opt, optarg, usage);
		tsp_cli_usage_error("say what to do: train, cv, predict, "
				    "features or noise");
	}
	for (k = 0; k < 5 && strcmp(argv[1], cmds[k]); k++)
		;
	if (k == 5)
		tsp_cli_usage_error("unknown command '%s' (train, cv, "
				    "predict, features or noise)", argv[1]);
	c->cmd = (enum pdc_cmd)k;
	tsp_error_clear(&err);
	if (tsp_incmap_default(&c->map, &err) < 0)
		tsp_cli_die(&err);
	argv[1] = argv[0];	/* getopt's messages name the tool */
	argc--;
	argv++;
	while ((opt = getopt_long(argc, argv, "I:O:hV", longopts, NULL)) != -1)
		if (!tsp_cli_option(c->cli, opt, optarg, usage))
			option(c, opt, optarg, given);
	check_options(c, given);
	c->map.unit = c->cli->spec.unit;
	if (c->map.matrix) {
		if (!was_given(given, OPT_LABEL))
			set_field(c, TSP_INC_LABEL, "label");
		if (!was_given(given, OPT_ID))
			set_field(c, TSP_INC_ID, "incident,id");
		if (!was_given(given, OPT_CREATED))
			set_field(c, TSP_INC_CREATED, "created");
	}
	c->argc = argc;
	c->argv = argv;
	c->first = optind;
	options_json(c);
}

int main(int argc, char **argv)
{
	struct tsp_cli cli;
	struct pdc_config c;
	int status = 0;

	tsp_cli_init(&cli, "pdclassify", argv);
	memset(&c, 0, sizeof(c));
	c.cli = &cli;
	tsp_featdef_init(&c.def);
	tsp_forest_opts_default(&c.forest);
	/* Leaves of one incident learn the label noise: five give better
	 * calibrated probabilities (Brier), as good an AUC, and trees with
	 * a third of the nodes (pdclassify(1), BENCHMARKS.md). */
	c.forest.min_leaf = 5;
	c.folds = 5;
	c.min_precision = c.threshold = NAN;
	c.reasons = 3;
	c.flap = 3600 * TSP_NS_PER_SEC;
	c.perm_rows = 2000;
	parse_options(argc, argv, &c);
	switch (c.cmd) {
	case PDC_TRAIN: status = pdc_train(&c); break;
	case PDC_CV: status = pdc_cv(&c); break;
	case PDC_PREDICT: status = pdc_predict(&c); break;
	case PDC_FEATURES: status = pdc_features(&c); break;
	case PDC_NOISE: status = pdc_noise(&c); break;
	}
	tsp_featdef_release(&c.def);
	free(c.opts_json);
	tsp_cli_release(&cli);
	return status;
}
