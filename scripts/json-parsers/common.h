/*
 * common.h - shared driver for the tspipe JSON parser benchmark.
 *
 * Each parser file (jsmn.c, yajl.c, jsonc.c, cjson.c, jansson.c) implements
 * the three jp_parser_* functions below.  common.c owns main(): it reads the
 * NDJSON input with one 1 MiB buffered fread loop, hands each line to
 * jp_parser_parse_line(), times the whole run and prints the checksum.  So the
 * only thing that differs between the benchmark programs is the parser.
 *
 * While parsing a line, the parser reports every top-level member through the
 * jp_member_* functions.  They accumulate into a per-line staging area that
 * common.c folds into the totals only when the parser accepts the whole line,
 * so a line rejected half-way leaves no trace in the checksum.
 */
#ifndef TSPIPE_JSON_BENCH_COMMON_H
#define TSPIPE_JSON_BENCH_COMMON_H

#include <stddef.h>

/* Result of jp_parser_parse_line(); the class says WHO rejected the line. */
enum jp_result {
    JP_OK = 0,
    JP_ERR_PARSE,  /* the library itself reported a syntax error            */
    JP_ERR_ROOT,   /* valid JSON, but the top-level value is not an object  */
    JP_ERR_CHECK,  /* our own extra check (trailing data, jsmn structure...) */
    JP_ERR_STRING  /* our own string unescaper rejected it (jsmn only)      */
};

/* Implemented by each parser file. */
extern const char *const jp_parser_name;
int  jp_parser_init(void);   /* 0 on success */
void jp_parser_fini(void);
/* line[len] == '\0' is guaranteed; the buffer may be modified in place.
 * On failure set *err to a short static or thread-local message. */
enum jp_result jp_parser_parse_line(char *line, size_t len, const char **err);

/* Member sinks.  name/str are unescaped UTF-8 with explicit lengths (they may
 * contain NUL bytes); the pointers need only be valid during the call. */
void jp_member_string(const char *name, size_t nlen, const char *s, size_t slen);
/* Number given as its literal JSON text (not NUL-terminated). */
void jp_member_number_text(const char *name, size_t nlen, const char *txt, size_t tlen);
/* Number only available as the library's converted double (cJSON, jansson,
 * json-c): no literal text exists. */
void jp_member_number_double(const char *name, size_t nlen, double d);
void jp_member_bool(const char *name, size_t nlen, int value);
void jp_member_null(const char *name, size_t nlen);
/* Nested object/array member: counted, contents ignored (records are flat). */
void jp_member_nested(const char *name, size_t nlen);

#endif
