/*
 * tsp_error: how libtspipe reports failure.
 *
 * Library functions never print and never exit.  A function that can fail
 * takes a caller-supplied struct tsp_error, fills it, and returns a failure
 * value (documented per function).  Tools turn the error into a message of
 * the form "tool: input:line: message" and an exit status.
 */
#ifndef TSP_ERROR_H
#define TSP_ERROR_H

#include <stddef.h>

enum tsp_errcode {
	TSP_OK = 0,
	TSP_EDATA,	/* bad input data: exit status 1 */
	TSP_ESYS,	/* system call failed (errno in sys_errno): exit 1 */
	TSP_ENOMEM,	/* out of memory: exit 1 */
	TSP_EUSAGE,	/* bad option value, caught in the library: exit 2 */
	TSP_EPIPE	/* output closed by the reader (| head): quiet exit 0 */
};

struct tsp_error {
	enum tsp_errcode code;
	int sys_errno;		/* errno for TSP_ESYS, else 0 */
	long line;		/* 1-based input line, 0 if not tied to a line */
	char input[256];	/* input name ("-" is shown as "(stdin)"), or "" */
	char msg[512];		/* lowercase, no trailing period */
};

/* Reset to "no error". */
void tsp_error_clear(struct tsp_error *err);

/*
 * Fill err with code and a printf-style message; input/line are left as
 * they were.  Returns -1 so callers can write "return tsp_error_set(...)".
 */
int tsp_error_set(struct tsp_error *err, enum tsp_errcode code,
		  const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* As tsp_error_set, and also records input name and line. Returns -1. */
int tsp_error_at(struct tsp_error *err, enum tsp_errcode code,
		 const char *input, long line, const char *fmt, ...)
	__attribute__((format(printf, 5, 6)));

/*
 * Quote a user-supplied value for a message: copies at most about 60 bytes
 * of s (len bytes) into buf (size n) between single quotes, replacing
 * control bytes with '?' and marking a cut with "...".  Returns buf.
 */
const char *tsp_quote(char *buf, size_t n, const char *s, size_t len);

#endif
