/*
 * tsp_num: parsing and printing of the numbers in records.
 */
#ifndef TSP_NUM_H
#define TSP_NUM_H

#include <stddef.h>
#include <stdint.h>

/* Longest text tsp_num_format() writes, including the terminating NUL. */
#define TSP_NUM_BUFSZ 32

enum tsp_num_status {
	TSP_NUM_OK = 0,
	TSP_NUM_MISSING = 1,	/* empty (or blank) text: a missing value */
	TSP_NUM_BAD = -1	/* not a number */
};

/*
 * Parse a decimal number: [+-]digits[.digits][(e|E)[+-]digits], or NaN,
 * Inf, Infinity (any case, optional sign).  Surrounding blanks are allowed;
 * hexadecimal and other strtod extensions are not.  s need not be
 * NUL-terminated.  Returns TSP_NUM_OK and sets *out, TSP_NUM_MISSING for
 * empty text (*out untouched), or TSP_NUM_BAD.
 */
enum tsp_num_status tsp_num_parse(const char *s, size_t len, double *out);

/*
 * Write v in the shortest form that reads back (with strtod or
 * tsp_num_parse) as the same double: 0.1 -> "0.1", 1e21 -> "1e+21".
 * Precisely: integers below 1e15 as integers; otherwise what printf's
 * %.15g, %.16g or %.17g writes, the first of them that reads back
 * (subnormals: the first of %.1g to %.17g).  NaN, Inf and -Inf are
 * written as "NaN", "Inf", "-Inf", negative zero as "-0".  buf must hold
 * TSP_NUM_BUFSZ bytes.  Returns the length written (NUL not counted).
 */
size_t tsp_num_format(double v, char *buf);

/*
 * Write v as printf's "%+.2f" does (sign always, two decimals, the same
 * rounding), without printf in the usual case.  buf must hold
 * TSP_NUM_BUFSZ bytes; text longer than that (|v| >= 1e28) is cut.
 * Returns the length written (NUL not counted).
 */
size_t tsp_num_format_fixed2(double v, char *buf);

/*
 * Write the decimal digits of v (with '-' when negative) into buf, which
 * must hold 21 bytes; no NUL is written.  Returns the length.
 */
size_t tsp_num_format_int(int64_t v, char *buf);

/* 1 if s[0..len) is a JSON number literal, else 0. */
int tsp_num_is_json(const char *s, size_t len);

#endif
