#include "tool_io.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

void tsp_die_nomem(void)
{
	struct tsp_error err;

	tsp_error_clear(&err);
	tsp_error_set(&err, TSP_ENOMEM, "out of memory");
	tsp_cli_die(&err);
}

void *tsp_grow_zeroed(void *arr, size_t *n, size_t idx, size_t sz)
{
	size_t m = *n ? *n * 2 : 1024;
	char *na;

	if (idx < *n)
		return arr;
	while (m <= idx)
		m *= 2;
	if (m > SIZE_MAX / sz || !(na = realloc(arr, m * sz)))
		tsp_die_nomem();
	memset(na + *n * sz, 0, (m - *n) * sz);
	*n = m;
	return na;
}

void tsp_row_init(struct tsp_row *r)
{
	memset(r, 0, sizeof(*r));
}

void tsp_row_release(struct tsp_row *r)
{
	free(r->f);
	free(r->buf);
	tsp_row_init(r);
}

static void row_reserve(struct tsp_row *r, size_t n)
{
	size_t cap;
	void *nf, *nb;

	if (n <= r->cap)
		return;
	cap = r->cap ? r->cap : 16;
	while (cap < n)
		cap *= 2;
	nf = realloc(r->f, cap * sizeof(*r->f));
	if (!nf)
		tsp_die_nomem();
	r->f = nf;
	/* Fields whose text we made point into buf: move them with it. */
	nb = malloc(cap * sizeof(*r->buf));
	if (!nb)
		tsp_die_nomem();
	if (r->buf) {
		memcpy(nb, r->buf, r->cap * sizeof(*r->buf));
		uintptr_t lo = (uintptr_t)r->buf;
		uintptr_t hi = lo + r->cap * sizeof(*r->buf);
		for (size_t i = 0; i < r->n; i++) {
			uintptr_t v = (uintptr_t)r->f[i].val;
			if (v >= lo && v < hi)
				r->f[i].val = (const char *)nb + (v - lo);
		}
		free(r->buf);
	}
	r->buf = nb;
	r->cap = cap;
}

void tsp_row_start(struct tsp_row *r, const struct tsp_record *src)
{
	row_reserve(r, src->n + 8);
	memcpy(r->f, src->f, src->n * sizeof(*r->f));
	r->n = src->n;
	r->src = src;
	r->dirty = 0;
	if (src->schema != r->hint_schema || !src->schema) {
		memset(r->hint, 0, sizeof(r->hint));
		r->hint_schema = src->schema;
	}
}

/*
 * The index of field name, appended when absent.  Rows of one CSV schema
 * set the same names in the same order, so a hint remembers where each
 * went: a name at its hinted index is there; a name hinted at the end is
 * in neither src (same schema) nor this row (the hint would say where),
 * so it is appended without a search.
 */
static size_t row_field(struct tsp_row *r, const char *name)
{
	size_t h = (size_t)(((uintptr_t)name * 0x9E3779B97F4A7C15ULL) >> 61), i;
	/* only rows started from a record of a known schema use hints */
	int hinted = r->src && r->src->schema && r->src->schema == r->hint_schema;

	if (hinted && r->hint[h].name == name) {
		i = r->hint[h].idx;
		if (i < r->n && r->f[i].name == name) {
			if (i < r->src->n)
				r->dirty = 1;
			return i;
		}
		if (i == r->n)
			goto append;
	}
	for (i = 0; i < r->n; i++)
		if (r->f[i].name == name)
			goto found;
append:
	if (r->n + 1 > r->cap)
		row_reserve(r, r->n + 1);
	r->f[r->n].name = name;
	i = r->n++;
found:
	if (r->src && i < r->src->n)
		r->dirty = 1;
	if (hinted) {
		r->hint[h].name = name;
		r->hint[h].idx = i;
	}
	return i;
}

void tsp_row_num(struct tsp_row *r, const char *name, double v)
{
	size_t i = row_field(r, name);
	struct tsp_field *f = &r->f[i];

	f->flags = TSP_FF_PLAIN;
	if (isnan(v)) {
		f->val = "";
		f->len = 0;
		f->type = TSP_T_NULL;
		return;
	}
	f->val = r->buf[i];
	f->len = (uint32_t)tsp_num_format(v, r->buf[i]);
	f->type = isfinite(v) ? TSP_T_JSONNUM : TSP_T_NUMBER;
}

void tsp_row_numtext(struct tsp_row *r, const char *name, const char *s)
{
	size_t i = row_field(r, name);
	struct tsp_field *f = &r->f[i];

	f->flags = TSP_FF_PLAIN;
	f->val = s;
	f->len = (uint32_t)strlen(s);
	f->type = TSP_T_JSONNUM;
}

void tsp_row_str(struct tsp_row *r, const char *name, const char *s)
{
	size_t i = row_field(r, name);
	struct tsp_field *f = &r->f[i];

	f->val = s;
	f->len = (uint32_t)strlen(s);
	f->type = TSP_T_STRING;
	f->flags = 0;
}

void tsp_row_time_set(struct tsp_row *r, const struct tsp_cli *c, long ti,
		      tsp_time_t t, const struct tsp_timefmt *fmt)
{
	struct tsp_timefmt out = *fmt;
	struct tsp_field *f;

	if (ti < 0 || (size_t)ti >= r->n)
		return;
	if (c->time_out == TSP_TIMEOUT_EPOCH) {
		out.kind = TSP_TIME_EPOCH;
		out.frac_digits = 0;
	} else if (c->time_out == TSP_TIMEOUT_RFC3339) {
		out.kind = TSP_TIME_RFC3339;
		out.zulu = 1;
		out.offset_min = 0;
		out.frac_digits = 0;
	}
	f = &r->f[ti];
	r->dirty = 1;
	f->val = r->buf[ti];
	f->len = (uint32_t)tsp_time_format(t, &out, r->buf[ti]);
	f->type = out.kind == TSP_TIME_RFC3339 ? TSP_T_STRING : TSP_T_JSONNUM;
	f->flags = TSP_FF_PLAIN;
}

void tsp_row_time(struct tsp_row *r, const struct tsp_cli *c, long ti,
		  tsp_time_t t, const struct tsp_timefmt *fmt)
{
	if (c->time_out != TSP_TIMEOUT_KEEP)
		tsp_row_time_set(r, c, ti, t, fmt);
}

void tsp_row_write(struct tsp_row *r, struct tsp_writer *w)
{
	struct tsp_error err;

	tsp_error_clear(&err);
	/* a record passed through unchanged but for new fields: its line */
	if (r->src && r->src->raw && !r->dirty && r->n >= r->src->n) {
		if (tsp_writer_write_raw(w, r->src->raw, r->src->rawlen, r->f,
					 r->src->n, r->n, &err) == 0)
			return;
	} else if (tsp_writer_write(w, r->f, r->n, &err) == 0)
		return;
	/* A later input with other columns: say which record. */
	if (err.code == TSP_EDATA && r->src) {
		char msg[sizeof(err.msg)];
		memcpy(msg, err.msg, sizeof(msg));
		tsp_error_at(&err, TSP_EDATA, r->src->input, r->src->line,
			     "%s", msg);
	}
	tsp_cli_die(&err);
}

void tsp_input_init(struct tsp_input *in, struct tsp_cli *cli,
		    struct tsp_table *series)
{
	memset(in, 0, sizeof(*in));
	in->cli = cli;
	in->series = series;
}

void tsp_input_release(struct tsp_input *in)
{
	free(in->last);
	free(in->lastfmt);
	tsp_writer_free(in->w);
	in->last = NULL;
	in->lastfmt = NULL;
	in->w = NULL;
}

/* CSV input with no records: still write its header, with our fields. */
static void write_empty_header(struct tsp_input *in, struct tsp_reader *r)
{
	size_t n;
	const char *const *h = tsp_reader_header(r, &n);
	const char **names;
	struct tsp_error err;

	if (!h || !in->w)
		return;
	names = malloc((n + in->nextra + 1) * sizeof(*names));
	if (!names)
		tsp_die_nomem();
	memcpy(names, h, n * sizeof(*names));
	for (size_t j = 0; j < in->nextra; j++) {
		size_t i;
		for (i = 0; i < n && names[i] != in->extra[j]; i++)
			;
		if (i == n)
			names[n++] = in->extra[j];
	}
	tsp_error_clear(&err);
	if (tsp_writer_header(in->w, names, n, &err) < 0)
		tsp_cli_die(&err);
	free(names);
}

static int check_order(struct tsp_input *in, const struct tsp_record *rec,
		       const struct tsp_point *pt, size_t idx,
		       struct tsp_error *err)
{
	if (idx >= in->lastcap) {
		size_t cap = in->lastcap ? in->lastcap * 2 : 1024;
		tsp_time_t *nl;
		struct tsp_timefmt *nf;
		while (cap <= idx)
			cap *= 2;
		nl = realloc(in->last, cap * sizeof(*nl));
		if (!nl)
			tsp_die_nomem();
		in->last = nl;
		nf = realloc(in->lastfmt, cap * sizeof(*nf));
		if (!nf)
			tsp_die_nomem();
		in->lastfmt = nf;
		for (size_t i = in->lastcap; i < cap; i++)
			in->last[i] = INT64_MIN;
		in->lastcap = cap;
	}
	if (pt->t < in->last[idx]) {
		char now[TSP_TIME_BUFSZ], before[TSP_TIME_BUFSZ], q[80];
		tsp_time_format(pt->t, &pt->tfmt, now);
		tsp_time_format(in->last[idx], &in->lastfmt[idx], before);
		return tsp_error_at(err, TSP_EDATA, rec->input, rec->line,
				    "time goes backwards in series %s: %s "
				    "after %s (sort with tsinterp --sort)",
				    tsp_quote(q, sizeof(q), pt->key,
					      pt->keylen), now, before);
	}
	in->last[idx] = pt->t;
	in->lastfmt[idx] = pt->tfmt;
	return 0;
}

static void bad_record(struct tsp_input *in, const struct tsp_error *err)
{
	if (in->quiet && err->code == TSP_EDATA && in->cli->skip_errors)
		return;
	tsp_cli_record_error(in->cli, err);
}

void tsp_input_read(struct tsp_input *in, const char *path, tsp_input_fn fn,
		    void *ctx)
{
	struct tsp_error err;
	struct tsp_reader *r;
	struct tsp_record *rec;
	struct tsp_point pt;
	int rc;

	tsp_error_clear(&err);
	r = tsp_reader_open(path, in->cli->in_fmt, &err);
	if (!r)
		tsp_cli_die(&err);
	if (!in->fmt)
		in->fmt = in->cli->out_fmt ? in->cli->out_fmt
					   : tsp_reader_format(r);
	if (!in->w && !in->no_output) {
		in->w = tsp_writer_new(STDOUT_FILENO, in->fmt);
		if (!in->w)
			tsp_die_nomem();
		tsp_cli_set_output(in->w);
	}
	if (tsp_reader_empty(r) && !in->quiet)
		tsp_cli_warn("%s: empty input", tsp_reader_name(r));
	while ((rc = tsp_reader_next(r, &rec, &err)) != 0) {
		long idx;
		int added;

		if (rc < 0) {
			if (tsp_reader_failed(r))
				tsp_cli_die(&err);
			bad_record(in, &err);
			continue;
		}
		if (tsp_spec_resolve(&in->cli->spec, rec, &pt, &err) < 0) {
			bad_record(in, &err);
			continue;
		}
		idx = tsp_table_get(in->series, pt.key, pt.keylen, &added);
		if (idx < 0)
			tsp_die_nomem();
		if (in->check_order &&
		    check_order(in, rec, &pt, (size_t)idx, &err) < 0) {
			bad_record(in, &err);
			continue;
		}
		if (fn(ctx, rec, &pt, (size_t)idx, &err) < 0) {
			/* The tool's own finding: new on every pass. */
			tsp_cli_record_error(in->cli, &err);
			continue;
		}
		in->records++;
	}
	/* No record at all so far: a CSV header still says what the
	 * columns are. */
	if (in->records == 0 && !in->no_output)
		write_empty_header(in, r);
	tsp_reader_free(r);
}

/* Standard input is one of the inputs: rewind it between passes. */
static int stdin_read;

void tsp_input_spool(const char *path)
{
	struct stat st;
	char buf[65536];
	FILE *tmp;
	ssize_t got;
	struct tsp_error err;

	if (strcmp(path, "-") != 0)
		return;
	stdin_read = 1;
	if (fstat(0, &st) == 0 && S_ISREG(st.st_mode) &&
	    lseek(0, 0, SEEK_CUR) >= 0)
		return;
	tsp_error_clear(&err);
	tmp = tmpfile();
	if (!tmp) {
		tsp_error_set(&err, TSP_ESYS, "cannot make a temporary file "
			      "for the standard input: %s", strerror(errno));
		tsp_cli_die(&err);
	}
	while ((got = read(0, buf, sizeof(buf))) != 0) {
		if (got < 0) {
			if (errno == EINTR)
				continue;
			tsp_error_set(&err, TSP_ESYS, "(stdin): read error: "
				      "%s", strerror(errno));
			tsp_cli_die(&err);
		}
		if (fwrite(buf, 1, (size_t)got, tmp) != (size_t)got) {
			tsp_error_set(&err, TSP_ESYS, "cannot spool the "
				      "standard input to a temporary file: %s",
				      strerror(errno));
			tsp_cli_die(&err);
		}
	}
	if (fflush(tmp) != 0 || dup2(fileno(tmp), 0) < 0) {
		tsp_error_set(&err, TSP_ESYS, "cannot spool the standard "
			      "input: %s", strerror(errno));
		tsp_cli_die(&err);
	}
	/* fd 0 now refers to the temporary file; tmp's own fd stays open. */
	tsp_input_rewind();
}

void tsp_input_rewind(void)
{
	struct tsp_error err;

	if (!stdin_read)
		return;		/* not ours to move */
	if (lseek(0, 0, SEEK_SET) < 0) {
		tsp_error_clear(&err);
		tsp_error_set(&err, TSP_ESYS, "(stdin): cannot read it a "
			      "second time: %s", strerror(errno));
		tsp_cli_die(&err);
	}
}

void tsp_input_each(struct tsp_input *in, int argc, char **argv, int first,
		    tsp_input_fn fn, void *ctx)
{
	if (first == argc)
		tsp_input_read(in, "-", fn, ctx);
	for (int i = first; i < argc; i++)
		tsp_input_read(in, argv[i], fn, ctx);
}

void tsp_input_first(struct tsp_input *in, int argc, char **argv, int first,
		     tsp_input_fn fn, void *ctx)
{
	if (first == argc)
		tsp_input_spool("-");
	for (int i = first; i < argc; i++)
		tsp_input_spool(argv[i]);
	in->no_output = 1;
	tsp_input_each(in, argc, argv, first, fn, ctx);
}

void tsp_input_second(struct tsp_input *in)
{
	tsp_input_rewind();
	free(in->last);
	in->last = NULL;
	in->lastcap = 0;
	in->no_output = 0;
	in->quiet = 1;
}

int tsp_field_num(const struct tsp_record *rec, long i, double *v,
		  struct tsp_error *err)
{
	const struct tsp_field *f = &rec->f[i];
	char q[80];

	if (f->len == 0 || f->type == TSP_T_NULL) {
		*v = NAN;
		return 0;
	}
	if (tsp_num_parse(f->val, f->len, v) == TSP_NUM_OK)
		return 0;
	return tsp_error_at(err, TSP_EDATA, rec->input, rec->line,
			    "non-numeric value %s in field '%s'",
			    tsp_quote(q, sizeof(q), f->val, f->len), f->name);
}
