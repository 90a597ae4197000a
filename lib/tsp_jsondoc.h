/*
 * tsp_jsondoc: a whole JSON document (an HTTP API's response) as jsmn
 * tokens, and the walks an API client needs: an object's member by name,
 * the elements of an array, strings and numbers.  Built on the same
 * tokenizer as the NDJSON reader (lib/json.c; see BENCHMARKS.md).
 *
 * Tokens are numbered in document order; token 0 is the root.  An
 * object's members follow it as key, value, key, value...; an array's
 * elements follow it.  tsp_jdoc_next() steps over a whole value.
 */
#ifndef TSP_JSONDOC_H
#define TSP_JSONDOC_H

#include <stddef.h>

#include "tsp_error.h"

enum tsp_jtype {
	TSP_J_NONE = 0,		/* no such token */
	TSP_J_OBJECT,
	TSP_J_ARRAY,
	TSP_J_STRING,
	TSP_J_PRIMITIVE		/* number, true, false, null */
};

struct tsp_jdoc {
	const char *text;	/* borrowed: the parsed text */
	size_t len;
	void *tok;		/* jsmntok_t[] */
	int ntok;
	unsigned cap;
};

/* Zero a document; allocates nothing. */
void tsp_jdoc_init(struct tsp_jdoc *d);

/* Free the tokens. */
void tsp_jdoc_release(struct tsp_jdoc *d);

/*
 * Tokenize text (len bytes, borrowed until the next parse or release):
 * one JSON object or array, blanks around it.  Returns 0, or -1 with
 * err->code TSP_EDATA ("malformed JSON", "truncated JSON", ...) or
 * TSP_ENOMEM.
 */
int tsp_jdoc_parse(struct tsp_jdoc *d, const char *text, size_t len,
		   struct tsp_error *err);

/* Type of token i (TSP_J_NONE when i is out of range). */
enum tsp_jtype tsp_jdoc_type(const struct tsp_jdoc *d, int i);

/* Members of object i, or elements of array i. */
int tsp_jdoc_size(const struct tsp_jdoc *d, int i);

/* The token after the whole value at i (its members included). */
int tsp_jdoc_next(const struct tsp_jdoc *d, int i);

/* The value of member name of object obj, or -1 (also if obj is not an
 * object).  Keys are compared as written (escaped keys never match). */
int tsp_jdoc_member(const struct tsp_jdoc *d, int obj, const char *name);

/* Token i's text as written: a string without its quotes and still
 * escaped, a primitive as is.  Sets *len. */
const char *tsp_jdoc_raw(const struct tsp_jdoc *d, int i, size_t *len);

/* 1 if token i is a string equal to s (written without escapes). */
int tsp_jdoc_streq(const struct tsp_jdoc *d, int i, const char *s);

/* 1 if token i is the primitive null (or absent: i < 0). */
int tsp_jdoc_null(const struct tsp_jdoc *d, int i);

/*
 * String token i, unescaped, as a new NUL-terminated string (caller
 * frees); *len gets its length when len is not NULL.  NULL when i is not
 * a string, on a bad escape, or out of memory.
 */
char *tsp_jdoc_strdup(const struct tsp_jdoc *d, int i, size_t *len);

#endif
