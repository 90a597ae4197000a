/*
 * cli: what every tspipe tool does the same way (DESIGN.md §5): the
 * common options, messages, exit statuses, and the output stream.
 */
#ifndef TSP_CLI_H
#define TSP_CLI_H

#include <getopt.h>

#include "tsp_error.h"
#include "tsp_reader.h"
#include "tsp_record.h"
#include "tsp_spec.h"
#include "tsp_writer.h"

enum { TSP_EXIT_OK = 0, TSP_EXIT_DATA = 1, TSP_EXIT_USAGE = 2 };

enum tsp_timeout { TSP_TIMEOUT_KEEP = 0, TSP_TIMEOUT_EPOCH, TSP_TIMEOUT_RFC3339 };

/* Long-option codes of the common options (tools start theirs at 1000). */
enum {
	TSP_OPT_TIME_UNIT = 256, TSP_OPT_TIME_FORMAT, TSP_OPT_ON_ERROR
};

#define TSP_CLI_SHORTOPTS "k:t:v:I:O:hV"
#define TSP_CLI_LONGOPTS \
	{"key", required_argument, NULL, 'k'}, \
	{"time", required_argument, NULL, 't'}, \
	{"value", required_argument, NULL, 'v'}, \
	{"input-format", required_argument, NULL, 'I'}, \
	{"output-format", required_argument, NULL, 'O'}, \
	{"time-unit", required_argument, NULL, TSP_OPT_TIME_UNIT}, \
	{"time-format", required_argument, NULL, TSP_OPT_TIME_FORMAT}, \
	{"on-error", required_argument, NULL, TSP_OPT_ON_ERROR}, \
	{"help", no_argument, NULL, 'h'}, \
	{"version", no_argument, NULL, 'V'}

/* The common options' help text, for each tool's --help. */
extern const char tsp_cli_common_help[];

struct tsp_cli {
	struct tsp_spec spec;
	enum tsp_format in_fmt, out_fmt;
	enum tsp_timeout time_out;
	int skip_errors;	/* --on-error skip */
	long skipped;
	char *keylist;		/* owns the -k argument's copy */
};

/*
 * Start-up: remember the tool's name (also as argv[0], for getopt's
 * messages), ignore SIGPIPE (a closed pipe is then seen as EPIPE and ends
 * the tool quietly), switch GSL's abort-on-error handler off.
 */
void tsp_cli_init(struct tsp_cli *c, const char *name, char **argv);

/* Free what the options allocated. */
void tsp_cli_release(struct tsp_cli *c);

/*
 * Handle option opt if it is a common one.  Returns 1 if handled, 0 if not
 * a common option.  Exits 0 after --help/--version (usage() prints the
 * help) and 2 after a bad value.
 */
int tsp_cli_option(struct tsp_cli *c, int opt, const char *arg,
		   void (*usage)(void));

/* Print "tool: message" and "try 'tool --help'", exit 2. */
void tsp_cli_usage_error(const char *fmt, ...)
	__attribute__((format(printf, 1, 2), noreturn));

/* Print err as "tool: input:line: message" (no exit). */
void tsp_cli_print_error(const struct tsp_error *err, const char *suffix);

/* The output to flush before exiting on an error (records already written
 * stand; the exit status says the run failed). */
void tsp_cli_set_output(struct tsp_writer *w);

/* Print err and exit with its status (0, quietly, for a closed pipe). */
void tsp_cli_die(const struct tsp_error *err) __attribute__((noreturn));

/* Print "tool: message" on stderr. */
void tsp_cli_warn(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/*
 * A record-level data error: with --on-error skip, warn, count and return
 * 0 (go on); otherwise die.
 */
int tsp_cli_record_error(struct tsp_cli *c, const struct tsp_error *err);

/*
 * End of run: flush w, report skipped records; returns the exit status
 * (exits directly on a write error).
 */
int tsp_cli_finish(struct tsp_cli *c, struct tsp_writer *w);

/* Parse a duration option value or exit 2 naming the option. */
long long tsp_cli_duration(const char *opt, const char *arg, int allow_zero);

/* The tool's name. */
const char *tsp_cli_name(void);

#endif
