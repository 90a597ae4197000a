/*
 * tsp_record: a record is an ordered list of named fields.
 *
 * Field names are interned (tsp_intern), so two fields have the same name
 * exactly when their name pointers are equal.  Values are NUL-terminated
 * text plus a type that says how the value was written in the input and
 * how a writer must write it back.
 */
#ifndef TSP_RECORD_H
#define TSP_RECORD_H

#include <stddef.h>
#include <stdint.h>

#include "tsp_error.h"

enum tsp_ftype {
	TSP_T_TEXT = 0,	/* untyped text (a CSV field) */
	TSP_T_STRING,	/* a JSON string (already unescaped) */
	TSP_T_NUMBER,	/* a number literal; may be NaN, Inf, -Inf, "+1" */
	TSP_T_JSONNUM,	/* a number literal known to be valid JSON */
	TSP_T_BOOL,	/* true / false */
	TSP_T_NULL	/* JSON null, or a missing number */
};

/* Field flags. */
enum {
	TSP_FF_PLAIN = 1	/* holds no comma, quote, CR or LF: no CSV quotes */
};

struct tsp_field {
	const char *name;	/* interned */
	const char *val;	/* NUL-terminated, len bytes */
	uint32_t len;
	uint8_t type;		/* enum tsp_ftype */
	uint8_t flags;		/* TSP_FF_*, 0 when not known */
};

struct tsp_record {
	struct tsp_field *f;
	size_t n;
	/*
	 * Identifies the field layout: records with the same nonzero schema
	 * have the same names in the same order (one CSV file's header; ids
	 * are never reused).  0 when each record may differ (NDJSON).
	 */
	unsigned long schema;
	const char *input;	/* input name for messages (interned) */
	long line;		/* line where the record starts */
	/*
	 * The record's CSV text as read (one line, without its line end;
	 * valid as long as the fields are), or NULL.  A writer may copy it
	 * in place of fields it has not changed.
	 */
	const char *raw;
	size_t rawlen;
};

/*
 * Intern a field name: returns a pointer that stays valid until the
 * process ends and is equal for equal names, or NULL when out of memory.
 * The pool is process-wide and not thread-safe.
 */
const char *tsp_intern(const char *s, size_t len);

/* Index of the field called name (interned) in rec, or -1. */
static inline long tsp_record_find(const struct tsp_record *rec,
				   const char *name)
{
	for (size_t i = 0; i < rec->n; i++)
		if (rec->f[i].name == name)
			return (long)i;
	return -1;
}

/*
 * An owned copy of a record, for tools that must keep records beyond the
 * reader's next call.  Lifecycle: tsp_recbuf_copy() (re)fills a buffer;
 * tsp_recbuf_release() frees its contents.
 */
struct tsp_recbuf {
	struct tsp_record rec;	/* fields point into blob */
	struct tsp_field *fields;
	size_t fcap;
	char *blob;
	size_t bcap;
};

/* Zero a recbuf; allocates nothing. */
void tsp_recbuf_init(struct tsp_recbuf *rb);

/*
 * Make rb a deep copy of src (the input name is shared: readers intern it,
 * so it lives as long as the process).  Returns 0, or -1 with err set when out of memory.
 */
int tsp_recbuf_copy(struct tsp_recbuf *rb, const struct tsp_record *src,
		    struct tsp_error *err);

/* Free rb's contents; rb may be reused after tsp_recbuf_init(). */
void tsp_recbuf_release(struct tsp_recbuf *rb);

#endif
