/*
 * tsdecide.h: tsdecide's options (tools/tsdecide/opts.c) and the
 * deployment names of --format kubectl (tools/tsdecide/kubectl.c).
 */
#ifndef TSP_TSDECIDE_H
#define TSP_TSDECIDE_H

#include "cli.h"
#include "tsp_decide.h"

struct decide_options {
	struct tsp_decide_config pol;
	const char *use;	/* the field planned on (the value field) */
	tsp_time_t lead;	/* ns */
	long current;		/* --current, -1 = not given */
	int kubectl;		/* --format kubectl */
	const char *deployment;	/* the name template of --format kubectl */
	const char *save, *load;
	char text[512];		/* the policy, as --save records it */
};

/* Parse argv into o (and cli's common options); exits 2 on a usage
 * error, 0 after --help. */
void decide_parse_options(int argc, char **argv, struct tsp_cli *cli,
			  struct decide_options *o);

/*
 * The deployment name of template tmpl ("{deployment}", "web-{service}")
 * for a decision: each {NAME} is the field NAME of rec, else the label
 * NAME of the series key key (Prometheus style: metric{NAME="v",...}).
 * The name must be a Kubernetes object name (lowercase letters, digits,
 * '-' and '.'): it is written into a shell command.  Returns 0 with buf
 * (size n) filled, or -1 with err set at rec's line.
 */
int decide_deployment(const char *tmpl, const struct tsp_record *rec,
		      const char *key, size_t keylen, char *buf, size_t n,
		      struct tsp_error *err);

#endif
