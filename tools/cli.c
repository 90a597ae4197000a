#include "cli.h"

#include <gsl/gsl_errno.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tsp_time.h"

static const char *progname = "tspipe";
static struct tsp_writer *output;	/* flushed before an error exit */

const char tsp_cli_common_help[] =
"Common options:\n"
"  -k, --key COL[,COL...]     series key field(s) (default: series, else metric)\n"
"  -t, --time COL             time field (default: timestamp)\n"
"  -v, --value COL            value field (default: value)\n"
"      --time-unit s|ms       unit of epoch times (default: s)\n"
"      --time-format keep|epoch|rfc3339\n"
"                             how to write times (default: keep the input's)\n"
"  -I, --input-format csv|ndjson   input encoding (default: detected)\n"
"  -O, --output-format csv|ndjson  output encoding (default: the input's)\n"
"      --on-error stop|skip   at a bad record: stop (default), or warn, skip\n"
"                             it and exit 1 at the end\n"
"  -h, --help                 show this help and exit\n"
"  -V, --version              show the version and exit\n";

const char *tsp_cli_name(void)
{
	return progname;
}

void tsp_cli_init(struct tsp_cli *c, const char *name, char **argv)
{
	progname = name;
	/* getopt's own messages use argv[0]: make them say the tool's name. */
	argv[0] = (char *)name;
	memset(c, 0, sizeof(*c));
	signal(SIGPIPE, SIG_IGN);
	gsl_set_error_handler_off();
}

void tsp_cli_release(struct tsp_cli *c)
{
	tsp_spec_release(&c->spec);
	free(c->keylist);
}

void tsp_cli_usage_error(const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "%s: ", progname);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fprintf(stderr, "\ntry '%s --help'\n", progname);
	exit(TSP_EXIT_USAGE);
}

void tsp_cli_warn(const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "%s: ", progname);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

void tsp_cli_print_error(const struct tsp_error *err, const char *suffix)
{
	fprintf(stderr, "%s: ", progname);
	if (err->input[0] && err->line > 0)
		fprintf(stderr, "%s:%ld: ", err->input, err->line);
	else if (err->input[0])
		fprintf(stderr, "%s: ", err->input);
	fprintf(stderr, "%s%s\n", err->msg, suffix ? suffix : "");
}

void tsp_cli_set_output(struct tsp_writer *w)
{
	output = w;
}

void tsp_cli_die(const struct tsp_error *err)
{
	struct tsp_error ignored;

	if (err->code == TSP_EPIPE)
		exit(TSP_EXIT_OK);
	/* What was written before the bad record is good: deliver it. */
	if (output)
		tsp_writer_flush(output, &ignored);
	tsp_cli_print_error(err, NULL);
	exit(err->code == TSP_EUSAGE ? TSP_EXIT_USAGE : TSP_EXIT_DATA);
}

int tsp_cli_record_error(struct tsp_cli *c, const struct tsp_error *err)
{
	if (!c->skip_errors || err->code != TSP_EDATA)
		tsp_cli_die(err);
	tsp_cli_print_error(err, " (skipped)");
	c->skipped++;
	return 0;
}

int tsp_cli_finish(struct tsp_cli *c, struct tsp_writer *w)
{
	struct tsp_error err;

	tsp_error_clear(&err);
	if (w && tsp_writer_flush(w, &err) < 0)
		tsp_cli_die(&err);
	if (c->skipped) {
		tsp_cli_warn("%ld bad record%s skipped", c->skipped,
			     c->skipped == 1 ? "" : "s");
		return TSP_EXIT_DATA;
	}
	return TSP_EXIT_OK;
}

long long tsp_cli_duration(const char *opt, const char *arg, int allow_zero)
{
	tsp_time_t ns;

	if (tsp_duration_parse(arg, &ns) < 0 || (!allow_zero && ns == 0))
		tsp_cli_usage_error("bad duration '%s' for %s (e.g. 30s, 5m, "
				    "1h, 1d, 1w)", arg, opt);
	return ns;
}

static enum tsp_format parse_format(const char *opt, const char *arg)
{
	if (strcmp(arg, "csv") == 0)
		return TSP_FMT_CSV;
	if (strcmp(arg, "ndjson") == 0 || strcmp(arg, "json") == 0)
		return TSP_FMT_NDJSON;
	tsp_cli_usage_error("bad format '%s' for %s (csv or ndjson)", arg, opt);
}

static void parse_keys(struct tsp_cli *c, const char *arg)
{
	char *p;

	free(c->keylist);
	c->keylist = strdup(arg);
	if (!c->keylist)
		tsp_cli_usage_error("out of memory");
	c->spec.nkey = 0;
	for (p = c->keylist;;) {
		char *comma = strchr(p, ',');
		if (comma)
			*comma = '\0';
		if (!*p)
			tsp_cli_usage_error("empty field name in --key '%s'",
					    arg);
		if (c->spec.nkey == TSP_SPEC_MAXKEY)
			tsp_cli_usage_error("too many --key fields (at most %d)",
					    TSP_SPEC_MAXKEY);
		c->spec.key[c->spec.nkey++] = p;
		if (!comma)
			break;
		p = comma + 1;
	}
}

int tsp_cli_option(struct tsp_cli *c, int opt, const char *arg,
		   void (*usage)(void))
{
	switch (opt) {
	case 'k':
		parse_keys(c, arg);
		return 1;
	case 't':
		if (!*arg)
			tsp_cli_usage_error("empty field name for --time");
		c->spec.time = arg;
		return 1;
	case 'v':
		if (!*arg)
			tsp_cli_usage_error("empty field name for --value");
		c->spec.value = arg;
		return 1;
	case 'I':
		c->in_fmt = parse_format("--input-format", arg);
		return 1;
	case 'O':
		c->out_fmt = parse_format("--output-format", arg);
		return 1;
	case TSP_OPT_TIME_UNIT:
		if (strcmp(arg, "s") == 0)
			c->spec.unit = TSP_UNIT_S;
		else if (strcmp(arg, "ms") == 0)
			c->spec.unit = TSP_UNIT_MS;
		else
			tsp_cli_usage_error("bad --time-unit '%s' (s or ms)",
					    arg);
		return 1;
	case TSP_OPT_TIME_FORMAT:
		if (strcmp(arg, "keep") == 0)
			c->time_out = TSP_TIMEOUT_KEEP;
		else if (strcmp(arg, "epoch") == 0)
			c->time_out = TSP_TIMEOUT_EPOCH;
		else if (strcmp(arg, "rfc3339") == 0)
			c->time_out = TSP_TIMEOUT_RFC3339;
		else
			tsp_cli_usage_error("bad --time-format '%s' (keep, "
					    "epoch or rfc3339)", arg);
		return 1;
	case TSP_OPT_ON_ERROR:
		if (strcmp(arg, "stop") == 0)
			c->skip_errors = 0;
		else if (strcmp(arg, "skip") == 0)
			c->skip_errors = 1;
		else
			tsp_cli_usage_error("bad --on-error '%s' (stop or "
					    "skip)", arg);
		return 1;
	case 'h':
		usage();
		exit(TSP_EXIT_OK);
	case 'V':
		printf("%s (tspipe) %s\n", progname, PACKAGE_VERSION);
		exit(TSP_EXIT_OK);
	case '?':
		fprintf(stderr, "try '%s --help'\n", progname);
		exit(TSP_EXIT_USAGE);
	default:
		return 0;
	}
}
