/*
 * tsp_time: timestamps and durations.
 *
 * Times are kept as signed 64-bit nanoseconds since the Unix epoch (UTC),
 * which covers the years 1678 to 2261 exactly.  Each parsed time also
 * yields a struct tsp_timefmt describing how it was written, so output can
 * repeat the input's representation.
 */
#ifndef TSP_TIME_H
#define TSP_TIME_H

#include <stddef.h>
#include <stdint.h>

typedef int64_t tsp_time_t;

#define TSP_NS_PER_SEC INT64_C(1000000000)
#define TSP_NS_PER_MS INT64_C(1000000)
/* Longest text tsp_time_format() writes, including the NUL. */
#define TSP_TIME_BUFSZ 48

enum tsp_time_kind {
	TSP_TIME_EPOCH = 0,	/* seconds since the epoch */
	TSP_TIME_EPOCH_MS,	/* milliseconds since the epoch */
	TSP_TIME_RFC3339	/* 2024-05-01T12:00:00.5+02:00 */
};

struct tsp_timefmt {
	uint8_t kind;		/* enum tsp_time_kind */
	uint8_t frac_digits;	/* fraction digits the input had (0-9) */
	uint8_t zulu;		/* RFC 3339: 'Z' rather than a numeric offset */
	int16_t offset_min;	/* RFC 3339: UTC offset in minutes */
};

enum tsp_time_unit { TSP_UNIT_S = 0, TSP_UNIT_MS };

/*
 * Parse an epoch number (integer or decimal, may be negative; in seconds,
 * or in milliseconds when unit is TSP_UNIT_MS) or an RFC 3339 date-time
 * with 'Z' or a +hh:mm offset.  Fractions finer than a nanosecond are
 * truncated.  Returns 0 and fills *t and *fmt (fmt may be NULL), or -1 if
 * the text is not a time, -2 if it is outside the representable range.
 */
int tsp_time_parse(const char *s, size_t len, enum tsp_time_unit unit,
		   tsp_time_t *t, struct tsp_timefmt *fmt);

/*
 * Write t as fmt describes: epoch seconds/milliseconds with a fraction only
 * when needed, RFC 3339 in fmt's offset.  At least fmt->frac_digits
 * fraction digits are written, more when t needs them.  buf must hold
 * TSP_TIME_BUFSZ bytes.  Returns the length written.
 */
size_t tsp_time_format(tsp_time_t t, const struct tsp_timefmt *fmt, char *buf);

/*
 * Parse a duration: a plain number of seconds ("90", "1.5"), or one or more
 * number+unit terms with units ns us ms s m h d w ("500ms", "1h30m").
 * Returns 0 and sets *ns, or -1 for bad text, zero-length terms, negative
 * or overflowing durations.
 */
int tsp_duration_parse(const char *s, tsp_time_t *ns);

/* Floor division of a time by a step (step > 0), rounding to -infinity. */
static inline int64_t tsp_time_floordiv(tsp_time_t t, tsp_time_t step)
{
	int64_t q = t / step;
	return (t % step != 0 && t < 0) ? q - 1 : q;
}

/* Days since 1970-01-01 of a proleptic Gregorian date. */
int64_t tsp_days_from_civil(int64_t y, unsigned m, unsigned d);

/* The proleptic Gregorian date of day z since 1970-01-01. */
void tsp_civil_from_days(int64_t z, int64_t *y, unsigned *m, unsigned *d);

#endif
