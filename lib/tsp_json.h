/*
 * tsp_json: one flat JSON object per line (NDJSON records), and the JSON
 * string escaping the writer needs.  Tokenising is done by jsmn (chosen
 * by measured throughput: see BENCHMARKS.md); validation of literals and
 * string escapes is done here, since jsmn does not do it.
 */
#ifndef TSP_JSON_H
#define TSP_JSON_H

#include <stddef.h>

#include "tsp_error.h"
#include "tsp_record.h"

#define TSP_JSON_NAMECACHE 16

struct tsp_json_parser {
	const char *names[TSP_JSON_NAMECACHE];	/* keys of the last record */
	size_t name_len[TSP_JSON_NAMECACHE];
	void *tok;		/* jsmntok_t[] */
	unsigned ntok;
	char *arena;		/* unescaped strings */
	size_t acap;
	struct tsp_field *fields;
	size_t fcap;
};

/* Zero a parser; allocates nothing. */
void tsp_json_init(struct tsp_json_parser *p);

/* Free the parser's buffers. */
void tsp_json_release(struct tsp_json_parser *p);

/*
 * Parse one line holding a flat JSON object.  On success returns 0 and
 * points *fields at n fields (names interned, strings unescaped), valid
 * until the next call.  On bad JSON, a non-object, or a nested value,
 * returns -1 with err->code TSP_EDATA and a message (input and line are
 * left for the caller to fill).
 */
int tsp_json_parse_object(struct tsp_json_parser *p, const char *s,
			  size_t len, struct tsp_field **fields, size_t *n,
			  struct tsp_error *err);

/*
 * Write s (len bytes) as a JSON string with quotes into out, which must
 * hold 6 * len + 3 bytes.  Returns the length written.
 */
size_t tsp_json_escape(const char *s, size_t len, char *out);

/*
 * 1 if s[0..len) is a JSON object or array whose literals and strings are
 * valid (jsmn-strict structure; for text a tool wrote, such as options).
 */
int tsp_json_valid(const char *s, size_t len);

/*
 * Unescape the body of a JSON string (the text between its quotes, len
 * bytes) into out, which must hold len + 1 bytes; NUL-terminates.
 * Returns the length, or -1 on a bad escape or a raw control byte.
 */
long tsp_json_unescape(const char *s, size_t len, char *out);

#endif
