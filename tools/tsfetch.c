/*
 * tsfetch: the first stage of a pipeline.  A Prometheus range query of
 * any length (cut into requests the server accepts, fetched in parallel,
 * retried, cached) written as records series,timestamp,value; or
 * PagerDuty incidents as NDJSON records for pdclassify.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "cli.h"
#include "tsp_fetch.h"
#include "tsp_pagerduty.h"

enum {
	OPT_URL = 1000, OPT_QUERY, OPT_START, OPT_END, OPT_STEP, OPT_LOOKBACK,
	OPT_MAX_POINTS, OPT_CHUNK, OPT_PARALLEL, OPT_TIMEOUT, OPT_RETRIES,
	OPT_BACKOFF, OPT_CACHE, OPT_LABELS, OPT_FROM_JSON, OPT_TOKEN_FILE,
	OPT_USER, OPT_PASSWORD_FILE, OPT_CACERT, OPT_INSECURE, OPT_HEADER,
	OPT_PROGRESS, OPT_PAGERDUTY, OPT_SINCE, OPT_UNTIL
};

static const struct option longopts[] = {
	{"url", required_argument, NULL, OPT_URL},
	{"query", required_argument, NULL, OPT_QUERY},
	{"start", required_argument, NULL, OPT_START},
	{"end", required_argument, NULL, OPT_END},
	{"step", required_argument, NULL, OPT_STEP},
	{"lookback-delta", required_argument, NULL, OPT_LOOKBACK},
	{"max-points", required_argument, NULL, OPT_MAX_POINTS},
	{"chunk", required_argument, NULL, OPT_CHUNK},
	{"parallel", required_argument, NULL, OPT_PARALLEL},
	{"timeout", required_argument, NULL, OPT_TIMEOUT},
	{"retries", required_argument, NULL, OPT_RETRIES},
	{"backoff", required_argument, NULL, OPT_BACKOFF},
	{"cache", required_argument, NULL, OPT_CACHE},
	{"label-columns", required_argument, NULL, OPT_LABELS},
	{"from-json", required_argument, NULL, OPT_FROM_JSON},
	{"token-file", required_argument, NULL, OPT_TOKEN_FILE},
	{"user", required_argument, NULL, OPT_USER},
	{"password-file", required_argument, NULL, OPT_PASSWORD_FILE},
	{"cacert", required_argument, NULL, OPT_CACERT},
	{"insecure", no_argument, NULL, OPT_INSECURE},
	{"header", required_argument, NULL, OPT_HEADER},
	{"progress", no_argument, NULL, OPT_PROGRESS},
	{"pagerduty", no_argument, NULL, OPT_PAGERDUTY},
	{"since", required_argument, NULL, OPT_SINCE},
	{"until", required_argument, NULL, OPT_UNTIL},
	{"output-format", required_argument, NULL, 'O'},
	{"time-format", required_argument, NULL, TSP_OPT_TIME_FORMAT},
	{"help", no_argument, NULL, 'h'},
	{"version", no_argument, NULL, 'V'},
	{NULL, 0, NULL, 0}
};

static void usage(void)
{
	printf(
"Usage: tsfetch --query PROMQL --start TIME [--end TIME] --step DUR [options]\n"
"       tsfetch --from-json FILE [options]\n"
"       tsfetch --pagerduty --since TIME [--until TIME] [options]\n"
"Write a Prometheus range query's samples as records series,timestamp,value\n"
"(CSV), or PagerDuty incidents as records (NDJSON).\n"
"\n"
"Query:\n"
"      --url URL              the server (default: $TSFETCH_URL)\n"
"      --query PROMQL         the query\n"
"      --start TIME, --end TIME   the range (end default: now); TIME is RFC\n"
"                             3339, epoch seconds, now, now-DUR or -DUR\n"
"      --step DUR             evaluation step (e.g. 15s, 1m)\n"
"      --lookback-delta DUR   passed to the server (default: the server's)\n"
"      --label-columns L,...  also write these labels as fields\n"
"      --from-json FILE       convert a saved query_range response instead\n"
"Chunks and faults:\n"
"      --max-points N         grid points per series per request (11000)\n"
"      --chunk DUR            requests span at most DUR (e.g. 1h)\n"
"      --parallel N           requests in flight (default 2)\n"
"      --timeout DUR          per request (default 2m)\n"
"      --retries N            retries of a transient failure (default 4)\n"
"      --backoff DUR          first wait before a retry, doubled each time\n"
"                             (default 1s)\n"
"      --cache DIR            keep chunks that lie in the past in DIR\n"
"Authentication and transport (secrets never on the command line):\n"
"      --token-file FILE      bearer token (default: $TSFETCH_TOKEN)\n"
"      --user NAME            basic auth; password from --password-file or\n"
"      --password-file FILE   $TSFETCH_PASSWORD\n"
"      --cacert FILE          CA certificates to verify the server with\n"
"      --insecure             do not verify the server's certificate\n"
"      --header 'NAME: VALUE' an extra request header (repeatable)\n"
"PagerDuty:\n"
"      --pagerduty            incidents from the REST API v2 ($PAGERDUTY_TOKEN;\n"
"                             --url default $PAGERDUTY_URL, else\n"
"                             " TSP_PD_URL ")\n"
"      --since TIME, --until TIME   created in [since, until) (until: now);\n"
"                             --chunk DUR fetches DUR at a time\n"
"Output:\n"
"  -O, --output-format csv|ndjson  (default: csv; ndjson for --pagerduty)\n"
"      --time-format epoch|rfc3339 sample times (default: epoch)\n"
"      --progress             progress on stderr even when not a terminal\n"
"  -h, --help                 show this help and exit\n"
"  -V, --version              show the version and exit\n"
"\n"
"Exit status: 0 ok, 1 fetch failed (the message names the chunk), 2 usage.\n"
"See tsfetch(1) and tspipe(7).\n");
}

struct config {
	struct tsp_fetch_opts f;
	struct tsp_pd_opts pd;
	const char *start, *end, *from_json, *token_file, *password_file;
	const char **headers;
	size_t nheaders;
	char *labels;			/* owns the --label-columns copy */
	const char *label[64];
	size_t nlabels;
	int pagerduty, progress;
	int prom_only, pd_only;		/* options of one mode given */
	char *token, *password;
};

struct out {
	struct tsp_cli *cli;
	struct tsp_writer *w;
	const struct config *cfg;
	const char *labels[64];		/* interned --label-columns */
	tsp_time_t t0;			/* monotonic start, for the rate */
	tsp_time_t shown;		/* last progress line */
	int progress, tty, dirty;	/* dirty: a line to end */
};

static tsp_time_t mono(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (tsp_time_t)ts.tv_sec * TSP_NS_PER_SEC + ts.tv_nsec;
}

static long count(const char *opt, const char *arg, long lo, long hi)
{
	char *end;
	long v;

	errno = 0;
	v = strtol(arg, &end, 10);
	if (end == arg || *end || errno || v < lo || v > hi)
		tsp_cli_usage_error("bad %s '%s' (a whole number from %ld to "
				    "%ld)", opt, arg, lo, hi);
	return v;
}

/* A secret: from the file (if given), else the environment variable. */
static char *secret(const char *file, const char *env)
{
	struct tsp_error err;
	const char *v = getenv(env);
	char *s;

	tsp_error_clear(&err);
	if (file) {
		if (!(s = tsp_http_secret_file(file, &err)))
			tsp_cli_die(&err);
		return s;
	}
	if (!v || !*v)
		return NULL;
	if (!(s = strdup(v)))
		tsp_cli_usage_error("out of memory");
	return s;
}

static void parse_labels(struct config *c, const char *arg)
{
	free(c->labels);
	if (!(c->labels = strdup(arg)))
		tsp_cli_usage_error("out of memory");
	c->nlabels = 0;
	for (char *p = c->labels;;) {
		char *comma = strchr(p, ',');
		if (comma)
			*comma = '\0';
		if (!*p || !strcmp(p, "series") || !strcmp(p, "timestamp") ||
		    !strcmp(p, "value"))
			tsp_cli_usage_error("bad label '%s' in --label-columns "
					    "(a label name other than series, "
					    "timestamp, value)", p);
		if (c->nlabels == 64)
			tsp_cli_usage_error("too many --label-columns (at most "
					    "64)");
		c->label[c->nlabels++] = p;
		if (!comma)
			break;
		p = comma + 1;
	}
}

#define DUR(opt) tsp_cli_duration(opt, optarg, 0)

static void parse_options(int argc, char **argv, struct tsp_cli *cli,
			  struct config *c)
{
	struct tsp_fetch_opts *f = &c->f;
	int opt;

	while ((opt = getopt_long(argc, argv, "O:hV", longopts, NULL)) != -1) {
		if (tsp_cli_option(cli, opt, optarg, usage))
			continue;
		switch (opt) {
		case OPT_URL: f->url = optarg; break;
		case OPT_QUERY: f->query = optarg; break;
		case OPT_START: c->start = optarg; c->prom_only++; break;
		case OPT_END: c->end = optarg; c->prom_only++; break;
		case OPT_SINCE: c->start = optarg; c->pd_only++; break;
		case OPT_UNTIL: c->end = optarg; c->pd_only++; break;
		case OPT_STEP: f->step = DUR("--step"); break;
		case OPT_LOOKBACK: f->lookback = DUR("--lookback-delta"); break;
		case OPT_MAX_POINTS:
			f->max_points = count("--max-points", optarg, 1,
					      1000000);
			break;
		case OPT_CHUNK: f->chunk = DUR("--chunk"); break;
		case OPT_PARALLEL:
			f->parallel = (int)count("--parallel", optarg, 1, 64);
			break;
		case OPT_TIMEOUT: f->http.timeout = DUR("--timeout"); break;
		case OPT_RETRIES:
			f->retries = (int)count("--retries", optarg, 0, 100);
			break;
		case OPT_BACKOFF: f->backoff = DUR("--backoff"); break;
		case OPT_CACHE: f->cache_dir = optarg; break;
		case OPT_LABELS: parse_labels(c, optarg); break;
		case OPT_FROM_JSON: c->from_json = optarg; break;
		case OPT_TOKEN_FILE: c->token_file = optarg; break;
		case OPT_USER: f->http.user = optarg; break;
		case OPT_PASSWORD_FILE: c->password_file = optarg; break;
		case OPT_CACERT: f->http.cacert = optarg; break;
		case OPT_INSECURE: f->http.insecure = 1; break;
		case OPT_HEADER:
			if (!strchr(optarg, ':') || optarg[0] == ':')
				tsp_cli_usage_error("bad --header '%s' (NAME: "
						    "VALUE)", optarg);
			c->headers = realloc(c->headers, (c->nheaders + 1) *
					     sizeof(*c->headers));
			if (!c->headers)
				tsp_cli_usage_error("out of memory");
			c->headers[c->nheaders++] = optarg;
			break;
		case OPT_PROGRESS: c->progress = 1; break;
		case OPT_PAGERDUTY: c->pagerduty = 1; break;
		}
	}
	if (optind < argc)
		tsp_cli_usage_error("unexpected operand '%s'", argv[optind]);
	if (f->query || f->step || f->lookback || c->nlabels)
		c->prom_only++;
	if (c->pagerduty && c->prom_only)
		tsp_cli_usage_error("--pagerduty takes --since and --until, not "
				    "--query, --start, --end, --step, "
				    "--lookback-delta or --label-columns");
	if (!c->pagerduty && c->pd_only)
		tsp_cli_usage_error("--since and --until go with --pagerduty "
				    "(a query takes --start and --end)");
}

static void when(const char *arg, const char *opt, tsp_time_t now,
		 tsp_time_t *t, int *rel)
{
	if (tsp_prom_time_parse(arg, now, t, rel) < 0)
		tsp_cli_usage_error("bad time '%s' for %s (RFC 3339, epoch "
				    "seconds, now, now-DUR or -DUR)", arg, opt);
}

/* Times, defaults and the rules between options. */
static void check_options(struct config *c)
{
	struct tsp_fetch_opts *f = &c->f;
	const char *what = c->pagerduty ? "--since" : "--start";
	struct tsp_error err;
	int rel_s = 0, rel_e = 1;

	f->now = (tsp_time_t)time(NULL) * TSP_NS_PER_SEC;
	if (!f->url)
		f->url = getenv(c->pagerduty ? "PAGERDUTY_URL" : "TSFETCH_URL");
	if (!f->url || !*f->url)
		f->url = c->pagerduty ? TSP_PD_URL : NULL;
	if (!f->url && !c->from_json)
		tsp_cli_usage_error("say which server: --url URL (or "
				    "TSFETCH_URL)");
	tsp_error_clear(&err);
	if (f->url && tsp_http_url_check(f->url, &err) < 0)
		tsp_cli_usage_error("%s", err.msg);
	if (c->from_json)
		return;
	if (!c->pagerduty && !f->query)
		tsp_cli_usage_error("say what to fetch: --query PROMQL");
	if (!c->start)
		tsp_cli_usage_error("say where the range starts: %s TIME",
				    what);
	if (!c->pagerduty && f->step <= 0)
		tsp_cli_usage_error("say the evaluation step: --step DUR");
	when(c->start, what, f->now, &f->start, &rel_s);
	f->end = f->now;
	if (c->end)
		when(c->end, c->pagerduty ? "--until" : "--end", f->now,
		     &f->end, &rel_e);
	if (c->pagerduty) {
		if (!(f->start < f->end))
			tsp_cli_usage_error("--since must be before --until");
		return;
	}
	tsp_error_clear(&err);
	if (tsp_fetch_prepare(f, rel_s, rel_e, &err) < 0)
		tsp_cli_usage_error("%s", err.msg);
}

/* Credentials from the environment or files, never argv. */
static void secrets(struct config *c)
{
	struct tsp_http_opts *h = &c->f.http;

	c->token = secret(c->token_file, c->pagerduty ? "PAGERDUTY_TOKEN" :
			  "TSFETCH_TOKEN");
	if (c->pagerduty && !c->token)
		tsp_cli_usage_error("no PagerDuty token: set PAGERDUTY_TOKEN "
				    "or give --token-file");
	h->auth_scheme = c->pagerduty ? "Token token=" : "Bearer ";
	h->token = c->token;
	if (h->user && !(h->password = c->password =
			 secret(c->password_file, "TSFETCH_PASSWORD")))
		tsp_cli_usage_error("--user needs a password: set "
				    "TSFETCH_PASSWORD or give --password-file");
	else if (!h->user && c->password_file)
		tsp_cli_usage_error("--password-file goes with --user NAME");
	h->headers = c->headers;
	h->nheaders = c->nheaders;
}

static void clear_progress(struct out *o)
{
	if (o->dirty) {
		fputc('\n', stderr);
		o->dirty = 0;
	}
}

static void on_note(void *ctx, const char *msg)
{
	clear_progress(ctx);
	tsp_cli_warn("%s", msg);
}

/* A progress line: redrawn in place on a terminal (5 times a second),
 * else a line a second; the last one always. */
static void progress(struct out *o, int last, const char *fmt, ...)
{
	tsp_time_t now = mono();
	va_list ap;

	if (!o->progress || (!last && now - o->shown < (o->tty ?
			     TSP_NS_PER_SEC / 5 : TSP_NS_PER_SEC)))
		return;
	o->shown = now;
	fprintf(stderr, "%s%s: ", o->tty ? "\r" : "", tsp_cli_name());
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputs(o->tty ? "\033[K" : "\n", stderr);
	o->dirty = o->tty;
	if (last)
		clear_progress(o);
}

static void on_progress(void *ctx, const struct tsp_fetch_progress *p)
{
	struct out *o = ctx;
	double secs = (double)(mono() - o->t0) / 1e9;

	progress(o, p->done == p->total, "%zu/%zu chunks, %zu samples, %.0f "
		 "samples/s", p->done, p->total, p->samples,
		 secs > 0 ? (double)p->samples / secs : 0.0);
}

static void on_pd_progress(void *ctx, size_t pages, size_t incidents)
{
	progress(ctx, 0, "%zu pages, %zu incidents", pages, incidents);
}

/* One chunk's records. */
static int on_chunk(void *ctx, const struct tsp_fetch_chunk *ch,
		    const struct tsp_prom_result *r, struct tsp_error *err)
{
	struct out *o = ctx;

	(void)ch;
	return tsp_prom_write(r, o->w, o->labels, o->cfg->nlabels,
			      o->cli->time_out == TSP_TIMEOUT_RFC3339, err);
}

static int on_incident(void *ctx, const struct tsp_field *f, size_t n,
		       struct tsp_error *err)
{
	struct out *o = ctx;

	return tsp_writer_write(o->w, f, n, err);
}

/* The CSV header, written even when no record follows. */
static void header(struct out *o, int pagerduty)
{
	const char *names[TSP_PD_NFIELDS > 67 ? TSP_PD_NFIELDS : 67];
	size_t n = 0;
	struct tsp_error err;

	if (pagerduty) {
		for (int i = 0; i < TSP_PD_NFIELDS; i++)
			names[n++] = tsp_pd_field_name(i);
	} else {
		names[n++] = "series";
		names[n++] = "timestamp";
		names[n++] = "value";
		for (size_t i = 0; i < o->cfg->nlabels; i++)
			names[n++] = o->cfg->label[i];
	}
	for (size_t i = 0; i < n; i++)
		if (!(names[i] = tsp_intern(names[i], strlen(names[i]))))
			tsp_cli_usage_error("out of memory");
	if (!pagerduty)
		memcpy(o->labels, names + 3, o->cfg->nlabels * sizeof(*names));
	tsp_error_clear(&err);
	if (tsp_writer_header(o->w, names, n, &err) < 0)
		tsp_cli_die(&err);
}

/* --from-json: a saved response, converted as one chunk. */
static void from_json(struct out *o, const char *path)
{
	struct tsp_prom_result r;
	struct tsp_error err;

	tsp_error_clear(&err);
	tsp_prom_result_init(&r);
	if (tsp_prom_parse_file(&r, path, &err) < 0 ||
	    (!r.success && tsp_error_set(&err, TSP_EDATA, "%s: %s",
					 r.error_type, r.error)) ||
	    on_chunk(o, NULL, &r, &err) < 0) {
		if (err.code != TSP_EPIPE)
			snprintf(err.input, sizeof(err.input), "%s",
				 strcmp(path, "-") ? path : "(stdin)");
		tsp_cli_die(&err);
	}
	for (size_t i = 0; i < r.nwarnings; i++)
		tsp_cli_warn("%s: warning in the response: %s",
			     strcmp(path, "-") ? path : "(stdin)",
			     r.warnings[i]);
	tsp_prom_result_release(&r);
}

int main(int argc, char **argv)
{
	struct tsp_cli cli;
	struct config c;
	struct out o;
	struct tsp_error err;
	int status;

	tsp_cli_init(&cli, "tsfetch", argv);
	memset(&c, 0, sizeof(c));
	memset(&o, 0, sizeof(o));
	c.f.max_points = TSP_PROM_MAX_POINTS;
	c.f.parallel = 2;
	c.f.retries = 4;
	c.f.backoff = TSP_NS_PER_SEC;
	c.f.http.timeout = 120 * TSP_NS_PER_SEC;
	parse_options(argc, argv, &cli, &c);
	check_options(&c);
	secrets(&c);

	o.cli = &cli;
	o.cfg = &c;
	o.tty = isatty(2);
	o.progress = c.progress || o.tty;
	o.t0 = mono();
	o.w = tsp_writer_new(1, cli.out_fmt ? cli.out_fmt : c.pagerduty ?
			     TSP_FMT_NDJSON : TSP_FMT_CSV);
	if (!o.w)
		tsp_cli_usage_error("out of memory");
	tsp_cli_set_output(o.w);
	header(&o, c.pagerduty);
	tsp_error_clear(&err);
	if (c.from_json) {
		from_json(&o, c.from_json);
	} else if (c.pagerduty) {
		struct tsp_pd_events ev = { &o, on_incident, on_note,
					    on_pd_progress };
		c.pd.url = c.f.url;
		c.pd.since = c.f.start;
		c.pd.until = c.f.end;
		c.pd.window = c.f.chunk;
		c.pd.retries = c.f.retries;
		c.pd.backoff = c.f.backoff;
		c.pd.http = c.f.http;
		if (tsp_pd_run(&c.pd, &ev, &err) < 0) {
			clear_progress(&o);
			tsp_cli_die(&err);
		}
		clear_progress(&o);
	} else {
		struct tsp_fetch_events ev = { &o, on_chunk, on_note,
					       on_progress };
		if (tsp_fetch_run(&c.f, &ev, &err) < 0) {
			clear_progress(&o);
			tsp_cli_die(&err);
		}
	}
	status = tsp_cli_finish(&cli, o.w);
	tsp_writer_free(o.w);
	free(c.headers);
	free(c.labels);
	free(c.token);
	free(c.password);
	tsp_cli_release(&cli);
	return status;
}
