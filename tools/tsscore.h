/*
 * tsscore.h: tsscore's options (tools/tsscore/opts.c): parsed first, then
 * resolved into the scorer's configuration once the first record shows
 * whether the input carries forecasts (the default detector depends on it).
 */
#ifndef TSP_TSSCORE_H
#define TSP_TSSCORE_H

#include "cli.h"
#include "tsp_gmmdet.h"
#include "tsp_scorer.h"

/* What the command line said, before it is spread over the detectors
 * (NaN / -1 = not given). */
struct score_given {
	enum tsp_detector kinds[TSP_SCORER_MAXDET];
	size_t nkinds;
	double weak, strong, level, above, below, sabove, sbelow;
	double target, sd, slack, alpha, beta;
	long warmup, window;
	int tail;
};

struct score_config {
	struct tsp_scorer_config sc;
	struct score_given given;
	struct tsp_gmmdet_config gmm;
	long long reference;	/* gmm --reference, ns (0 = default) */
	int components;		/* gmm --components (0 = default) */
	const char *save, *load, *label;
	int evaluate, table, only_anomalies;
	int fail_on;		/* 0, or the level that exits 3 */
	int resolved;		/* score_config_resolve() was called */
	int uses_forecast;	/* a detector reads forecast/sigma/lo/hi */
	char options[2048];	/* what --save records, --load compares */
};

/* Parse argv into c; exits 2 on a usage error, 0 after --help. */
void score_parse_options(int argc, char **argv, struct tsp_cli *cli,
			 struct score_config *c);

/*
 * Make the detectors' configurations: those given, or by default residual
 * when the input has a forecast field (has_forecast), else hampel.  Exits
 * 2 on a bad combination of options.
 */
void score_config_resolve(struct score_config *c, int has_forecast);

#endif
