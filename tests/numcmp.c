/*
 * numcmp: compare two record files (CSV or NDJSON) field by field.  Fields
 * that both parse as numbers must agree within a relative tolerance;
 * others must be equal.  Used by tests/run for reference results.
 *
 *   numcmp [-r RELTOL] [-a ABSTOL] [-g FIELD] expected actual
 *
 * -g FIELD compares the records of each FIELD value (series) in order,
 * whatever the interleaving of different values.
 *
 * Exit 0 if equal, 1 with the first differences on stderr.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "tsp_num.h"
#include "tsp_reader.h"

static int same_number(const struct tsp_field *a, const struct tsp_field *b,
		       double rel, double abs_tol, int *numeric)
{
	double x, y;
	enum tsp_num_status sa = tsp_num_parse(a->val, a->len, &x);
	enum tsp_num_status sb = tsp_num_parse(b->val, b->len, &y);

	*numeric = sa == TSP_NUM_OK && sb == TSP_NUM_OK;
	if (!*numeric)
		return a->len == b->len && memcmp(a->val, b->val, a->len) == 0;
	if (isnan(x) || isnan(y))
		return isnan(x) && isnan(y);
	if (x == y)
		return 1;
	return fabs(x - y) <= abs_tol + rel * fmax(fabs(x), fabs(y));
}

struct table {
	struct tsp_recbuf *r;
	size_t n, cap;
};

static const char *group_name;

static int load(const char *path, struct table *t, struct tsp_error *err)
{
	struct tsp_reader *rd = tsp_reader_open(path, TSP_FMT_AUTO, err);
	struct tsp_record *rec;
	int rc;

	if (!rd)
		return -1;
	while ((rc = tsp_reader_next(rd, &rec, err)) > 0) {
		if (t->n == t->cap) {
			t->cap = t->cap ? t->cap * 2 : 256;
			t->r = realloc(t->r, t->cap * sizeof(*t->r));
			if (!t->r)
				return -1;
		}
		tsp_recbuf_init(&t->r[t->n]);
		if (tsp_recbuf_copy(&t->r[t->n++], rec, err) < 0)
			return -1;
	}
	tsp_reader_free(rd);
	return rc;
}

static const char *group_of(const struct tsp_recbuf *r)
{
	long i = tsp_record_find(&r->rec, group_name);
	return i < 0 ? "" : r->rec.f[i].val;
}

/* Stable: ties keep file order (line numbers). */
static int cmp_group(const void *a, const void *b)
{
	const struct tsp_recbuf *x = a, *y = b;
	int c = strcmp(group_of(x), group_of(y));
	if (c)
		return c;
	return (x->rec.line > y->rec.line) - (x->rec.line < y->rec.line);
}

int main(int argc, char **argv)
{
	double rel = 1e-12, abs_tol = 1e-12;
	int opt, diffs = 0;
	struct tsp_error err;
	struct table ta = {0}, tb = {0};

	while ((opt = getopt(argc, argv, "r:a:g:")) != -1) {
		if (opt == 'r')
			rel = atof(optarg);
		else if (opt == 'a')
			abs_tol = atof(optarg);
		else if (opt == 'g')
			group_name = tsp_intern(optarg, strlen(optarg));
		else
			return 2;
	}
	if (argc - optind != 2) {
		fprintf(stderr, "usage: numcmp [-r REL] [-a ABS] [-g FIELD] "
			"expected actual\n");
		return 2;
	}
	tsp_error_clear(&err);
	if (load(argv[optind], &ta, &err) < 0 ||
	    load(argv[optind + 1], &tb, &err) < 0) {
		fprintf(stderr, "numcmp: %s:%ld: %s\n", err.input, err.line,
			err.msg);
		return 2;
	}
	if (group_name) {
		qsort(ta.r, ta.n, sizeof(*ta.r), cmp_group);
		qsort(tb.r, tb.n, sizeof(*tb.r), cmp_group);
	}
	if (ta.n != tb.n) {
		fprintf(stderr, "numcmp: %zu records expected, %zu found\n",
			ta.n, tb.n);
		diffs++;
	}
	for (size_t k = 0; k < ta.n && k < tb.n; k++) {
		const struct tsp_record *a = &ta.r[k].rec, *b = &tb.r[k].rec;
		if (a->n != b->n) {
			fprintf(stderr, "numcmp: line %ld: %zu fields, expected "
				"%zu\n", b->line, b->n, a->n);
			diffs++;
		}
		for (size_t i = 0; i < a->n && i < b->n; i++) {
			int numeric;
			if (a->f[i].name != b->f[i].name ||
			    !same_number(&a->f[i], &b->f[i], rel, abs_tol,
					 &numeric)) {
				if (diffs < 10)
					fprintf(stderr, "numcmp: line %ld: %s: "
						"expected '%s', got '%s'\n",
						b->line, a->f[i].name,
						a->f[i].val, b->f[i].val);
				diffs++;
			}
		}
	}
	for (size_t k = 0; k < ta.n; k++)
		tsp_recbuf_release(&ta.r[k]);
	for (size_t k = 0; k < tb.n; k++)
		tsp_recbuf_release(&tb.r[k]);
	free(ta.r);
	free(tb.r);
	if (diffs)
		fprintf(stderr, "numcmp: %d difference%s\n", diffs,
			diffs == 1 ? "" : "s");
	return diffs ? 1 : 0;
}
