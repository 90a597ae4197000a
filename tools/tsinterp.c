/*
 * tsinterp: put each series on a regular time grid and repair it —
 * aggregate dense data, fill gaps, clean outliers, turn counters into
 * rates.  The work is done by lib/regrid.c; this file is options, the
 * read loop and how rows are written.
 */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "tool_io.h"
#include "tsp_num.h"
#include "tsp_regrid.h"
#include "tsp_table.h"
#include "tsp_time.h"

enum {
	OPT_STEP = 1000, OPT_OFFSET, OPT_FILL, OPT_MAX_GAP, OPT_DROP_MISSING,
	OPT_AGG, OPT_SORT, OPT_CLEAN, OPT_COUNTER, OPT_ALIGN, OPT_MAX_STEPS
};

static const struct option longopts[] = {
	{"step", required_argument, NULL, OPT_STEP},
	{"offset", required_argument, NULL, OPT_OFFSET},
	{"fill", required_argument, NULL, OPT_FILL},
	{"max-gap", required_argument, NULL, OPT_MAX_GAP},
	{"drop-missing", no_argument, NULL, OPT_DROP_MISSING},
	{"max-steps", required_argument, NULL, OPT_MAX_STEPS},
	{"agg", required_argument, NULL, OPT_AGG},
	{"sort", no_argument, NULL, OPT_SORT},
	{"clean", required_argument, NULL, OPT_CLEAN},
	{"counter", no_argument, NULL, OPT_COUNTER},
	{"align", required_argument, NULL, OPT_ALIGN},
	TSP_CLI_LONGOPTS,
	{NULL, 0, NULL, 0}
};

static void usage(void)
{
	printf(
"Usage: tsinterp [options] [file ...]\n"
"Put each series on a regular time grid: aggregate, fill gaps, clean.\n"
"Reads CSV or NDJSON records (files, or standard input), writes them.\n"
"\n"
"Grid:\n"
"      --step DUR             grid step (default: per series, the median\n"
"                             spacing of its first 1000 intervals)\n"
"      --offset DUR           shift the grid from multiples of the step\n"
"      --align start|center   a step holds [t, t+step) (start, the default) or\n"
"                             [t-step/2, t+step/2): the nearest grid point,\n"
"                             for jittered scrapes (center)\n"
"      --agg mean|sum|min|max|first|last|count|median|pNN\n"
"                             aggregate of the records in a step (default: mean)\n"
"      --fill linear|previous|next|zero|spline|akima|none\n"
"                             how to fill missing grid points (default: linear)\n"
"      --max-gap DUR          leave gaps longer than DUR missing\n"
"      --drop-missing         leave missing grid points out of the output\n"
"      --max-steps N          a gap of more than N grid points in a series is\n"
"                             an error: a bad time? (default 1000000; 0: none)\n"
"      --clean hampel[:W[,K]] replace values more than K scaled MADs from the\n"
"                             median of W steps either side (default 3,3)\n"
"      --counter              values are a counter: write per-second rates\n"
"      --sort                 accept records out of time order (holds each\n"
"                             series in memory)\n"
"\n"
"%s"
"\n"
"Adds the field 'filled': 1 for a value that was filled, aggregated or\n"
"cleaned, 0 for an input value.  Exit status: 0 ok, 1 data error, 2 usage.\n"
"See tsinterp(1) and tspipe(7).\n", tsp_cli_common_help);
}

/* Gaps of more grid points than this are taken for a bad time. */
#define DEFAULT_MAX_STEPS UINT64_C(1000000)

static uint64_t parse_max_steps(const char *arg)
{
	char *end;
	unsigned long long n;

	errno = 0;
	n = strtoull(arg, &end, 10);
	if (end == arg || *end || errno || arg[0] == '-')
		tsp_cli_usage_error("bad --max-steps '%s' (a count of grid "
				    "points, 0 for no limit)", arg);
	return (uint64_t)n;
}

struct output {
	struct tsp_cli *cli;
	struct tsp_input *in;		/* its writer is the output */
	int drop_missing;
	const char *filled_name;
	struct tsp_field *f;
	size_t fcap;
};

static void parse_agg(const char *arg, struct tsp_regrid_opts *o)
{
	static const char *const names[] = {
		"mean", "sum", "min", "max", "first", "last", "count", "median"
	};
	double q;

	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		if (strcmp(arg, names[i]) == 0) {
			o->agg = (enum tsp_agg)i;
			return;
		}
	if (arg[0] == 'p' &&
	    tsp_num_parse(arg + 1, strlen(arg + 1), &q) == TSP_NUM_OK &&
	    q >= 0 && q <= 100) {
		o->agg = TSP_AGG_QUANTILE;
		o->quantile = q / 100;
		return;
	}
	tsp_cli_usage_error("bad --agg '%s' (mean, sum, min, max, first, last, "
			    "count, median or pNN such as p95)", arg);
}

static void parse_fill(const char *arg, struct tsp_regrid_opts *o)
{
	static const char *const names[] = {
		"linear", "previous", "next", "zero", "spline", "akima", "none"
	};

	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		if (strcmp(arg, names[i]) == 0) {
			o->fill = (enum tsp_fill)i;
			return;
		}
	tsp_cli_usage_error("bad --fill '%s' (linear, previous, next, zero, "
			    "spline, akima or none)", arg);
}

static void parse_clean(const char *arg, struct tsp_regrid_opts *o)
{
	long w = 3;
	double k = 3;
	char *end;

	o->hampel_window = 3;
	o->hampel_k = 3;
	if (strncmp(arg, "hampel", 6) != 0 || (arg[6] && arg[6] != ':'))
		tsp_cli_usage_error("bad --clean '%s' (hampel[:WINDOW[,K]])",
				    arg);
	if (!arg[6])
		return;
	w = strtol(arg + 7, &end, 10);
	if (end == arg + 7 || w < 1 || w > 100000 ||
	    (*end && *end != ','))
		tsp_cli_usage_error("bad Hampel window in --clean '%s' (a "
				    "number of steps, 1 or more)", arg);
	if (*end == ',' &&
	    (tsp_num_parse(end + 1, strlen(end + 1), &k) != TSP_NUM_OK ||
	     !(k > 0) || k > 1e6))
		tsp_cli_usage_error("bad Hampel threshold in --clean '%s' (a "
				    "positive number)", arg);
	o->hampel_window = (int)w;
	o->hampel_k = k;
}

/* Write one grid row: the source record with time, value and filled set. */
static int write_row(void *ctx, const struct tsp_regrid_row *row,
		     struct tsp_error *err)
{
	struct output *out = ctx;
	const struct tsp_record *src = &row->src->rb.rec;
	char tbuf[TSP_TIME_BUFSZ], vbuf[TSP_NUM_BUFSZ];
	size_t n = src->n;
	long fi;
	int filled = row->filled;

	if (out->drop_missing && row->missing)
		return 0;
	if (n + 1 > out->fcap) {
		struct tsp_field *nf = realloc(out->f, (n + 1) * sizeof(*nf));
		if (!nf)
			return tsp_error_set(err, TSP_ENOMEM, "out of memory");
		out->f = nf;
		out->fcap = n + 1;
	}
	memcpy(out->f, src->f, n * sizeof(*out->f));

	if (!row->time_exact || out->cli->time_out != TSP_TIMEOUT_KEEP) {
		struct tsp_timefmt fmt = row->src->tfmt;
		struct tsp_field *tf = &out->f[row->src->ti];
		if (out->cli->time_out == TSP_TIMEOUT_EPOCH) {
			fmt.kind = TSP_TIME_EPOCH;
			fmt.frac_digits = 0;
		} else if (out->cli->time_out == TSP_TIMEOUT_RFC3339) {
			fmt.kind = TSP_TIME_RFC3339;
			fmt.zulu = 1;
			fmt.offset_min = 0;
			fmt.frac_digits = 0;
		}
		tf->val = tbuf;
		tf->len = (uint32_t)tsp_time_format(row->t, &fmt, tbuf);
		tf->type = fmt.kind == TSP_TIME_RFC3339 ? TSP_T_STRING
							: TSP_T_JSONNUM;
		tf->flags = TSP_FF_PLAIN;	/* digits, '-', ':', '.', 'T' */
	}
	{
		struct tsp_field *vf = &out->f[row->src->vi];
		/* NDJSON writes the value as a number (NaN as null). */
		if (vf->type != TSP_T_JSONNUM)
			vf->type = TSP_T_NUMBER;
		if (row->value_exact) {
			;
		} else if (row->missing) {
			vf->val = "";
			vf->len = 0;
			vf->type = TSP_T_NULL;
			vf->flags = TSP_FF_PLAIN;
		} else {
			vf->val = vbuf;
			vf->len = (uint32_t)tsp_num_format(row->v, vbuf);
			vf->type = isfinite(row->v) ? TSP_T_JSONNUM
						    : TSP_T_NUMBER;
			vf->flags = TSP_FF_PLAIN;
		}
	}
	fi = tsp_record_find(src, out->filled_name);
	if (fi < 0) {
		fi = (long)n++;
	} else if (row->value_exact && !row->filled) {
		/* Re-run on our own output: a point filled before stays so. */
		const struct tsp_field *pf = &src->f[fi];
		filled = (pf->len == 1 && pf->val[0] == '1') ||
			 (pf->len == 4 && memcmp(pf->val, "true", 4) == 0);
	}
	out->f[fi].name = out->filled_name;
	out->f[fi].val = filled ? "1" : "0";
	out->f[fi].len = 1;
	out->f[fi].type = TSP_T_JSONNUM;
	out->f[fi].flags = TSP_FF_PLAIN;
	if (tsp_writer_write(out->in->w, out->f, n, err) < 0) {
		/*
		 * An output error is not the current input record's fault:
		 * it ends the run, even with --on-error skip.  For a later
		 * input with other columns, say which record.
		 */
		if (err->code == TSP_EDATA) {
			char msg[sizeof(err->msg)];
			memcpy(msg, err->msg, sizeof(msg));
			tsp_error_at(err, TSP_EDATA, src->input, src->line,
				     "%s", msg);
		}
		tsp_cli_die(err);
	}
	return 0;
}

/* Each good record goes to the regrid engine, which writes rows as they
 * become final. */
static int push_cb(void *ctx, const struct tsp_record *rec,
		   const struct tsp_point *pt, size_t idx, struct tsp_error *err)
{
	return tsp_regrid_push(ctx, idx, pt, rec, err);
}

int main(int argc, char **argv)
{
	struct tsp_cli cli;
	struct tsp_regrid_opts o;
	struct output out;
	struct tsp_table series;
	struct tsp_input in;
	struct tsp_regrid *rg;
	struct tsp_error err;
	const char *extra[1];
	int opt, status;
	uint64_t max_steps = DEFAULT_MAX_STEPS;

	tsp_cli_init(&cli, "tsinterp", argv);
	memset(&o, 0, sizeof(o));
	memset(&out, 0, sizeof(out));
	while ((opt = getopt_long(argc, argv, TSP_CLI_SHORTOPTS, longopts,
				  NULL)) != -1) {
		if (tsp_cli_option(&cli, opt, optarg, usage))
			continue;
		switch (opt) {
		case OPT_STEP: o.step = tsp_cli_duration("--step", optarg, 0); break;
		case OPT_OFFSET: o.offset = tsp_cli_duration("--offset", optarg, 1); break;
		case OPT_FILL: parse_fill(optarg, &o); break;
		case OPT_MAX_GAP: o.max_gap = tsp_cli_duration("--max-gap", optarg, 0); break;
		case OPT_DROP_MISSING: out.drop_missing = 1; break;
		case OPT_MAX_STEPS: max_steps = parse_max_steps(optarg); break;
		case OPT_AGG: parse_agg(optarg, &o); break;
		case OPT_SORT: o.sort = 1; break;
		case OPT_CLEAN: parse_clean(optarg, &o); break;
		case OPT_COUNTER: o.counter = 1; break;
		case OPT_ALIGN:
			if (strcmp(optarg, "start") == 0)
				o.center = 0;
			else if (strcmp(optarg, "center") == 0)
				o.center = 1;
			else
				tsp_cli_usage_error("bad --align '%s' (start or "
						    "center)", optarg);
			break;
		}
	}
	/* a long gap left missing and dropped writes nothing */
	if (!(out.drop_missing && (o.max_gap || o.fill == TSP_FILL_NONE)))
		o.max_steps = max_steps;
	tsp_error_clear(&err);
	if (tsp_spec_init(&cli.spec, &err) < 0)
		tsp_cli_die(&err);
	out.cli = &cli;
	out.in = &in;
	out.filled_name = tsp_intern("filled", 6);
	tsp_table_init(&series);
	tsp_input_init(&in, &cli, &series);
	extra[0] = out.filled_name;
	in.extra = extra;		/* an input without records: header */
	in.nextra = 1;
	rg = tsp_regrid_new(&o, write_row, &out);
	if (!rg || !out.filled_name) {
		tsp_error_set(&err, TSP_ENOMEM, "out of memory");
		tsp_cli_die(&err);
	}

	tsp_input_each(&in, argc, argv, optind, push_cb, rg);
	if (tsp_regrid_finish(rg, &err) < 0)
		tsp_cli_die(&err);

	status = tsp_cli_finish(&cli, in.w);
	tsp_regrid_free(rg);
	tsp_input_release(&in);
	tsp_table_release(&series);
	free(out.f);
	tsp_cli_release(&cli);
	return status;
}
