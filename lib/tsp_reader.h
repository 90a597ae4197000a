/*
 * tsp_reader: records from one input (a file or standard input).
 *
 * The encoding is detected from the first non-blank byte ('{' = NDJSON,
 * otherwise CSV with a header row) unless forced; gzip-compressed input is
 * decompressed transparently.  Line numbers in records and errors are
 * physical lines of the (decompressed) input.
 */
#ifndef TSP_READER_H
#define TSP_READER_H

#include "tsp_error.h"
#include "tsp_record.h"

enum tsp_format { TSP_FMT_AUTO = 0, TSP_FMT_CSV, TSP_FMT_NDJSON };

struct tsp_reader;

/*
 * Open path ("-" = standard input) for reading records in format fmt
 * (TSP_FMT_AUTO to detect).  Returns a reader to be freed with
 * tsp_reader_free(), or NULL with err set (TSP_ESYS if the file cannot be
 * opened).  Empty input is not an error: tsp_reader_next() returns 0.
 */
struct tsp_reader *tsp_reader_open(const char *path, enum tsp_format fmt,
				   struct tsp_error *err);

/*
 * Read the next record.  Returns 1 and points *rec at it (valid until the
 * next call), 0 at the end of the input, or -1 with err set (input name
 * and line filled).  After a bad NDJSON line or a CSV row with the wrong
 * number of fields, the next call goes on with the following record;
 * after a CSV syntax error (stray quote) the reader stays failed.
 */
int tsp_reader_next(struct tsp_reader *r, struct tsp_record **rec,
		    struct tsp_error *err);

/* The format in use: known after open (detected from the first bytes). */
enum tsp_format tsp_reader_format(const struct tsp_reader *r);

/* 1 after an error the reader cannot go on from (a CSV syntax error). */
int tsp_reader_failed(const struct tsp_reader *r);

/* 1 if the input held no bytes but blanks. */
int tsp_reader_empty(const struct tsp_reader *r);

/*
 * CSV only: the header's field names (interned) once the header has been
 * read (after the first tsp_reader_next call), else NULL.
 */
const char *const *tsp_reader_header(const struct tsp_reader *r, size_t *n);

/* The input's name as used in messages ("(stdin)" for "-"). */
const char *tsp_reader_name(const struct tsp_reader *r);

/*
 * CSV lines whose quoting opens and closes on the line are split by a fast
 * path that gives the same fields as libcsv; everything else is parsed by
 * libcsv.  Off (0) sends every line through libcsv: for testing that the
 * two agree.  On by default.
 */
void tsp_reader_set_fastpath(struct tsp_reader *r, int on);

/* Close the input and free the reader (NULL is allowed). */
void tsp_reader_free(struct tsp_reader *r);

#endif
