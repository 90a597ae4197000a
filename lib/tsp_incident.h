/*
 * tsp_incident: PagerDuty incidents read from an export — the web UI's
 * incident CSV or the REST API's incident objects, one per line (NDJSON,
 * nested objects allowed: {"service":{"summary":"db"}} is read as the
 * field service.summary) — with their fields found by name, times
 * parsed, and the label (did it resolve itself?) given or derived.
 *
 * Each field the classifier uses is looked for under a list of column
 * names, the first present winning (the defaults cover both exports;
 * tsp_incmap_set replaces a list).  A field no record has is simply
 * absent.  The derived label: an incident resolved itself when it was
 * resolved and never acknowledged (with a within limit, resolved no later
 * than that after its creation).  It is known from the moment of its
 * resolution (or acknowledgement, or the limit): history features use an
 * earlier incident's label only from then on.
 */
#ifndef TSP_INCIDENT_H
#define TSP_INCIDENT_H

#include <stddef.h>
#include <stdint.h>

#include "tsp_error.h"
#include "tsp_reader.h"
#include "tsp_record.h"
#include "tsp_time.h"

/* The fields of an incident the classifier reads. */
enum tsp_inc_field {
	TSP_INC_ID = 0,
	TSP_INC_CREATED,
	TSP_INC_ACKED,
	TSP_INC_RESOLVED,
	TSP_INC_TITLE,
	TSP_INC_DESC,
	TSP_INC_SERVICE,	/* the categorical fields, in this order */
	TSP_INC_POLICY,
	TSP_INC_URGENCY,
	TSP_INC_PRIORITY,
	TSP_INC_ASSIGNEE,
	TSP_INC_ALERTS,		/* the alert count: a number */
	TSP_INC_LABEL,
	TSP_INC_NFIELDS
};

#define TSP_INC_CAT0 TSP_INC_SERVICE
#define TSP_INC_NCAT 5
#define TSP_INC_MAXNAMES 8	/* column names tried per field */
#define TSP_INC_MAXNUM 32	/* numeric fields */

/* A time that is not there (no acknowledgement, not resolved). */
#define TSP_TIME_NONE INT64_MIN

/* The option-style name of a field ("created", "service", ...). */
const char *tsp_inc_field_name(enum tsp_inc_field f);

/* How fields are found.  _default fills the default names. */
struct tsp_incmap {
	const char *names[TSP_INC_NFIELDS][TSP_INC_MAXNAMES];	/* interned */
	size_t nnames[TSP_INC_NFIELDS];
	const char *num[TSP_INC_MAXNUM];	/* numeric columns, interned */
	size_t nnum;
	tsp_time_t within;		/* 0: no limit */
	enum tsp_time_unit unit;	/* epoch times in s or ms */
	int matrix;			/* records are feature rows */
	/* private: per field, the prefixes of each name ("a.b.c": "a",
	 * "a.b"), a null one of which makes the field present but empty;
	 * and the column indices of the last CSV schema */
	const char *prefix[TSP_INC_NFIELDS + TSP_INC_MAXNUM]
			  [TSP_INC_MAXNAMES][4];
	unsigned long schema;
	long idx[TSP_INC_NFIELDS + TSP_INC_MAXNUM];
};

/* The defaults (see pdclassify(1)).  Returns 0 or -1 (out of memory). */
int tsp_incmap_default(struct tsp_incmap *m, struct tsp_error *err);

/*
 * Replace field f's names with the comma-separated list, "" for none
 * (the field is then never read).  Returns 0, or -1 with err set (too
 * many names, an empty name, out of memory).
 */
int tsp_incmap_set(struct tsp_incmap *m, enum tsp_inc_field f,
		   const char *list, struct tsp_error *err);

/* Replace the numeric columns with a comma-separated list ("" = none). */
int tsp_incmap_set_numeric(struct tsp_incmap *m, const char *list,
			   struct tsp_error *err);

struct tsp_params;
struct tsp_incidents;

/*
 * Save the names of every field, the numeric columns, within, the time
 * unit and which fields the incidents s had (for tsp_incmap_load).
 * Returns 0 or -1 with err set.
 */
int tsp_incmap_save(const struct tsp_incmap *m, const struct tsp_incidents *s,
		    struct tsp_params *p, struct tsp_error *err);

/*
 * Load what tsp_incmap_save saved into m, and into req the fields the
 * training data had (req->present, req->num_present: what prediction
 * requires).  Returns 0 or -1 with err set.
 */
int tsp_incmap_load(struct tsp_incmap *m, struct tsp_incidents *req,
		    const unsigned char *buf, size_t len,
		    struct tsp_error *err);

/* One incident; strings live in the set's arena. */
struct tsp_incident {
	const char *id;
	const char *input;	/* interned */
	long line;
	tsp_time_t created, acked, resolved;	/* TSP_TIME_NONE if none */
	const char *cat[TSP_INC_NCAT];	/* "" when missing */
	const char *title, *desc;	/* "" when missing */
	int label;		/* 1 resolved itself, 0 not, -1 unknown */
	tsp_time_t known;	/* when the label became known */
	size_t order;		/* position in input order */
};

/* Incidents read so far, and what was found of each field. */
struct tsp_incidents {
	struct tsp_incident *v;
	size_t n, cap;
	double *num;		/* n x nnum (NaN = missing): the alert
				   count, then the map's numeric columns;
				   in matrix mode n x ncol feature values */
	size_t nnum;
	int present[TSP_INC_NFIELDS];	/* some record had the field */
	int num_present[TSP_INC_MAXNUM + 1];
	/* matrix mode: the feature columns, from the first record */
	const char **col;	/* interned */
	size_t ncol;
	struct tsp_inc_chunk *arena;
};

/* Zero a set; allocates nothing.  _release frees what it holds. */
void tsp_incidents_init(struct tsp_incidents *s);
void tsp_incidents_release(struct tsp_incidents *s);

/*
 * Read rec as an incident and append it.  A record without a creation
 * time, with a time, number or label that does not parse, or resolved
 * or acknowledged before it was created is a data error naming rec's
 * input and line (nothing is appended).  With required non-NULL
 * (prediction: what the model was trained on), a record lacking a
 * required field or numeric column is an error too.  Returns 0 or -1
 * with err set.
 */
int tsp_incidents_add(struct tsp_incidents *s, struct tsp_incmap *m,
		      const struct tsp_record *rec,
		      const struct tsp_incidents *required,
		      struct tsp_error *err);

/*
 * Matrix mode: rec holds a label (field TSP_INC_LABEL, optional when
 * predicting), an id (TSP_INC_ID, optional), a time (TSP_INC_CREATED,
 * optional, not a feature) and numeric feature columns; the first
 * record fixes the columns (or cols, when given: a trained model's).
 * A missing or non-numeric feature value is an error.  Returns 0 or -1
 * with err set.
 */
int tsp_incidents_add_row(struct tsp_incidents *s, struct tsp_incmap *m,
			  const struct tsp_record *rec,
			  const char *const *cols, size_t ncols,
			  struct tsp_error *err);

/*
 * The order of the incidents by creation time (ties in input order):
 * fills idx[0..n).
 */
void tsp_incidents_by_time(const struct tsp_incidents *s, size_t *idx);

/*
 * The key under which titles count as the same: case folded, each run
 * of digits masked as '#', blanks squeezed ("Disk 91% on db-7" and
 * "disk 97% on db-12" are the same alert).  Writes at most size bytes
 * (NUL included) to out; returns the length.
 */
size_t tsp_incident_title_key(const char *title, char *out, size_t size);

/* ---- reading an export ---------------------------------------------- */

struct tsp_increader;

/*
 * Open path ("-" = standard input, which must be seekable: spool a pipe
 * first) for incident records.  The format is fmt, or detected from the
 * first byte ('{': NDJSON); gzip is read transparently.  CSV goes through
 * tsp_reader; NDJSON objects may nest (flattened with '.' between names
 * and array indices; an empty object or array, or null, is a null
 * field).  Returns the reader (tsp_increader_free) or NULL with err set.
 */
struct tsp_increader *tsp_increader_open(const char *path,
					 enum tsp_format fmt,
					 struct tsp_error *err);

/* As tsp_reader_next. */
int tsp_increader_next(struct tsp_increader *r, struct tsp_record **rec,
		       struct tsp_error *err);
enum tsp_format tsp_increader_format(const struct tsp_increader *r);
int tsp_increader_failed(const struct tsp_increader *r);
int tsp_increader_empty(const struct tsp_increader *r);
const char *tsp_increader_name(const struct tsp_increader *r);
void tsp_increader_free(struct tsp_increader *r);

/*
 * Flatten the JSON object s[0..len) into a flat one, written to *out
 * (grown as needed; *cap its size), *outlen bytes.  Returns 0, or -1
 * with err set (malformed JSON, not an object, out of memory).
 */
int tsp_json_flatten(const char *s, size_t len, char **out, size_t *outlen,
		     size_t *cap, struct tsp_error *err);

#endif
