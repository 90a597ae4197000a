/*
 * tsp_writer: records to a file descriptor as CSV or NDJSON.
 *
 * CSV output has one header, taken from the first record written (or set
 * with tsp_writer_header); later records are written under it by field
 * name: a missing field is written empty, a field the header lacks is an
 * error.  NDJSON writes each record's fields in order; NaN and missing
 * numbers become null, Inf and -Inf the strings "Inf" and "-Inf".
 *
 * Output is buffered; a failed write is reported by the call that flushes,
 * with code TSP_EPIPE when the reader has gone away (| head).
 */
#ifndef TSP_WRITER_H
#define TSP_WRITER_H

#include "tsp_error.h"
#include "tsp_reader.h"
#include "tsp_record.h"

struct tsp_writer;

/*
 * A writer to fd (not closed by the writer) in format fmt (CSV or NDJSON).
 * Returns NULL when out of memory.  Free with tsp_writer_free().
 */
struct tsp_writer *tsp_writer_new(int fd, enum tsp_format fmt);

/*
 * CSV: fix the header to names (interned, n of them) if none is fixed yet,
 * and write it.  NDJSON: no effect.  Returns 0 or -1 with err set.
 */
int tsp_writer_header(struct tsp_writer *w, const char *const *names,
		      size_t n, struct tsp_error *err);

/* Write one record of n fields.  Returns 0 or -1 with err set. */
int tsp_writer_write(struct tsp_writer *w, const struct tsp_field *f,
		     size_t n, struct tsp_error *err);

/*
 * Write one record of n fields of which the first nraw are unchanged from
 * an input record whose CSV text is raw (rawlen bytes, no line end): when
 * the output is CSV and f's names are exactly the header's, the text is
 * copied as it is and only f[nraw..n) are formatted; otherwise the same as
 * tsp_writer_write(w, f, n, err).  Returns 0 or -1 with err set.
 */
int tsp_writer_write_raw(struct tsp_writer *w, const char *raw,
			 size_t rawlen, const struct tsp_field *f, size_t nraw,
			 size_t n, struct tsp_error *err);

/* Write out what is buffered.  Returns 0 or -1 with err set. */
int tsp_writer_flush(struct tsp_writer *w, struct tsp_error *err);

/* Free the writer without flushing (NULL is allowed). */
void tsp_writer_free(struct tsp_writer *w);

#endif
