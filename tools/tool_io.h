/*
 * tool_io: the read loop and the output row that record-at-a-time tools
 * (tsscale, tsdeseason, ...) share.  A tool hands tsp_input_read() a
 * callback that gets each good record with its series index; the callback
 * builds its output with tsp_row_*: the input's fields, some overwritten
 * in place, new ones appended (DESIGN.md §2, pass-through).
 */
#ifndef TSP_TOOL_IO_H
#define TSP_TOOL_IO_H

#include "cli.h"
#include "tsp_num.h"
#include "tsp_table.h"
#include "tsp_time.h"

/* Room for a number or a time as text. */
#define TSP_ROW_BUFSZ (TSP_TIME_BUFSZ > TSP_NUM_BUFSZ ? TSP_TIME_BUFSZ \
						       : TSP_NUM_BUFSZ)

/* One output record under construction. */
struct tsp_row {
	struct tsp_field *f;
	size_t n, cap;
	char (*buf)[TSP_ROW_BUFSZ];	/* text of field i, when we made it */
	const struct tsp_record *src;
	int dirty;		/* a field of src was changed */
	/* where each of the last few names set went, for src's schema */
	struct { const char *name; size_t idx; } hint[8];
	unsigned long hint_schema;
};

/* Exit 1 with "TOOL: out of memory". */
void tsp_die_nomem(void);

/*
 * Make index idx of the array arr (*n elements of size sz, zero-filled)
 * exist: it grows by doubling (to 1024 at first), the new elements zeroed.
 * Returns the array (moved, maybe); exits 1 when out of memory.  For the
 * tools' per-series state, indexed by the series table.
 */
void *tsp_grow_zeroed(void *arr, size_t *n, size_t idx, size_t sz);

/* Zero a row; allocates nothing.  tsp_row_release frees it. */
void tsp_row_init(struct tsp_row *r);
void tsp_row_release(struct tsp_row *r);

/* Start a row as a copy of src's fields (borrowed: src must live until
 * the row is written).  Exits 1 when out of memory. */
void tsp_row_start(struct tsp_row *r, const struct tsp_record *src);

/* Set field name (interned) to v, in place if the row has it, else
 * appended.  NaN writes a missing value (empty in CSV, null in NDJSON). */
void tsp_row_num(struct tsp_row *r, const char *name, double v);

/* Set field name (interned) to a finite number already written as the
 * text s (borrowed until the row is written): a JSON number. */
void tsp_row_numtext(struct tsp_row *r, const char *name, const char *s);

/* Set field name (interned) to the text s (a CSV field / JSON string). */
void tsp_row_str(struct tsp_row *r, const char *name, const char *s);

/* Rewrite field ti (the time) as --time-format asks; a no-op for keep. */
void tsp_row_time(struct tsp_row *r, const struct tsp_cli *c, long ti,
		  tsp_time_t t, const struct tsp_timefmt *fmt);

/* Set field ti to the time t, written as fmt describes or as
 * --time-format asks (for a row the tool makes, e.g. a forecast). */
void tsp_row_time_set(struct tsp_row *r, const struct tsp_cli *c, long ti,
		      tsp_time_t t, const struct tsp_timefmt *fmt);

/* Write the row.  A failed write ends the run (even with --on-error
 * skip: it is not the record's fault). */
void tsp_row_write(struct tsp_row *r, struct tsp_writer *w);

/*
 * The callback: rec is the record, pt its key/time/value, idx its series'
 * index in the table.  Return 0, or -1 with err set for a bad record
 * (skipped with --on-error skip, else the end of the run).
 */
typedef int (*tsp_input_fn)(void *ctx, const struct tsp_record *rec,
			    const struct tsp_point *pt, size_t idx,
			    struct tsp_error *err);

struct tsp_input {
	struct tsp_cli *cli;
	struct tsp_table *series;
	struct tsp_writer *w;	/* made at the first input, in its format
				   (or -O); NULL = the tool writes nothing */
	int no_output;		/* set: don't make a writer (fit-only runs) */
	int quiet;		/* set: a second pass over the same input,
				   whose bad records (unreadable, no key,
				   time, or value, time order) were reported
				   by the first: skip them silently */
	int check_order;	/* set: time going backwards in a series is
				   a data error */
	const char *const *extra; /* fields the tool appends, for the */
	size_t nextra;		  /* header of a CSV input with no records */
	enum tsp_format fmt;	/* the first input's format (or -O) */
	long records;		/* good records seen */
	tsp_time_t *last;	/* per series: last time (check_order) */
	struct tsp_timefmt *lastfmt;
	size_t lastcap;
};

/* Zero in; cli and series are borrowed. */
void tsp_input_init(struct tsp_input *in, struct tsp_cli *cli,
		    struct tsp_table *series);

/* Free the order-check state and the writer (not flushed). */
void tsp_input_release(struct tsp_input *in);

/* Read every record of path ("-" = standard input) through fn.  Errors
 * that are not a bad record end the run. */
void tsp_input_read(struct tsp_input *in, const char *path, tsp_input_fn fn,
		    void *ctx);

/* Read the file operands argv[first..argc) through fn, or standard input
 * when there are none. */
void tsp_input_each(struct tsp_input *in, int argc, char **argv, int first,
		    tsp_input_fn fn, void *ctx);

/*
 * Two passes over the operands (standard input when none): spool what
 * must be (see tsp_input_spool) and read them once through fn without
 * writing; tsp_input_second() then rewinds and readies the second pass
 * (same order checks, bad records already reported stay quiet).
 */
void tsp_input_first(struct tsp_input *in, int argc, char **argv, int first,
		     tsp_input_fn fn, void *ctx);
void tsp_input_second(struct tsp_input *in);

/* The number in field i of rec: NaN when empty or null, else it must
 * parse (a data error naming the record).  Returns 0 or -1. */
int tsp_field_num(const struct tsp_record *rec, long i, double *v,
		  struct tsp_error *err);

/*
 * For a second pass over the same input: if path is standard input and
 * it is not a regular file, copy it to a temporary file (unlinked at
 * once) and make that the standard input.  Call before the first pass;
 * tsp_input_rewind() then goes back to its start before the next pass.
 */
void tsp_input_spool(const char *path);
void tsp_input_rewind(void);

#endif
