/*
 * tsp_spec: the three special fields of every ts* tool (DESIGN.md §2):
 * series key, time and value, found by name in each record.
 */
#ifndef TSP_SPEC_H
#define TSP_SPEC_H

#include "tsp_error.h"
#include "tsp_record.h"
#include "tsp_time.h"

#define TSP_SPEC_MAXKEY 16

struct tsp_spec {
	/* Set by the tool (names need not be interned; tsp_spec_init does). */
	const char *key[TSP_SPEC_MAXKEY];
	size_t nkey;		/* 0 = "series", falling back to "metric" */
	const char *time;	/* "timestamp" when NULL */
	const char *value;	/* "value" when NULL */
	enum tsp_time_unit unit;

	/* Private: interned names and the per-schema lookup cache. */
	int time_named, value_named;	/* given by the tool, not defaults */
	const char *dflt_key, *alt_key;
	unsigned long schema;
	long ki[TSP_SPEC_MAXKEY], ti, vi;
	char *keybuf;
	size_t keycap;
};

/* What tsp_spec_resolve finds in one record. */
struct tsp_point {
	const char *key;	/* series key (borrowed until the next call) */
	size_t keylen;
	tsp_time_t t;
	struct tsp_timefmt tfmt;
	double v;
	int missing;		/* value empty or null */
	long ti, vi;		/* field indices of time and value */
};

/* Intern the configured names.  Returns 0, or -1 with err set. */
int tsp_spec_init(struct tsp_spec *s, struct tsp_error *err);

/* Free the key buffer. */
void tsp_spec_release(struct tsp_spec *s);

/*
 * Find key, time and value in rec.  Several key fields are joined with
 * a 0x1f byte between them (so "a,b"+"c" and "a"+"b,c" differ).  A record lacking a named field, a bad time or a
 * non-numeric value is a data error (err filled with rec's input and
 * line).  Returns 0 or -1.
 */
int tsp_spec_resolve(struct tsp_spec *s, const struct tsp_record *rec,
		     struct tsp_point *pt, struct tsp_error *err);

#endif
