/*
 * Incidents from records: fields found by their lists of names, times
 * and numbers parsed, the label given or derived (tsp_incident.h).
 */
#include "tsp_incident.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <stdio.h>
#include <strings.h>

#include "tsp_num.h"
#include "tsp_params.h"

static const char *const field_names[TSP_INC_NFIELDS] = {
	"id", "created", "acknowledged", "resolved", "title", "description",
	"service", "policy", "urgency", "priority", "assignee", "alerts",
	"label"
};

/* Defaults: the REST API's (flattened) names, then the web UI CSV's. */
static const char *const defaults[TSP_INC_NFIELDS] = {
	"id,incident_id,incident_number",
	"created_at,created_on,created",
	"acknowledged_at,first_acknowledged_at,acknowledgements.0.at,"
	"acknowledged_on",
	"resolved_at,resolved_on",
	"title,summary",
	"description",
	"service.summary,service_name,service",
	"escalation_policy.summary,escalation_policy_name,escalation_policy",
	"urgency",
	"priority.summary,priority_name,priority",
	"assignments.0.assignee.summary,assignee,assigned_to",
	"alert_counts.all,alert_count,alerts",
	""
};

const char *tsp_inc_field_name(enum tsp_inc_field f)
{
	return field_names[f];
}

/* Intern name and its dotted prefixes. */
static int intern_name(const char *s, size_t len, const char **name,
		       const char **prefix, struct tsp_error *err)
{
	size_t np = 0;

	*name = tsp_intern(s, len);
	if (!*name)
		return tsp_error_set(err, TSP_ENOMEM, "out of memory");
	for (size_t i = 0; i < 4; i++)
		prefix[i] = NULL;
	for (size_t i = 0; i < len && np < 4; i++)
		if (s[i] == '.' && i > 0) {
			prefix[np] = tsp_intern(s, i);
			if (!prefix[np++])
				return tsp_error_set(err, TSP_ENOMEM,
						     "out of memory");
		}
	return 0;
}

int tsp_incmap_set(struct tsp_incmap *m, enum tsp_inc_field f,
		   const char *list, struct tsp_error *err)
{
	size_t n = 0;
	const char *p = list;

	m->schema = 0;
	while (*p) {
		const char *comma = strchr(p, ',');
		size_t len = comma ? (size_t)(comma - p) : strlen(p);
		if (len == 0)
			return tsp_error_set(err, TSP_EUSAGE, "empty column "
					     "name in '%s'", list);
		if (n == TSP_INC_MAXNAMES)
			return tsp_error_set(err, TSP_EUSAGE, "more than %d "
					     "column names in '%s'",
					     TSP_INC_MAXNAMES, list);
		if (intern_name(p, len, &m->names[f][n], m->prefix[f][n],
				err) < 0)
			return -1;
		n++;
		p += len + (comma != NULL);
		if (comma && !*p)
			return tsp_error_set(err, TSP_EUSAGE, "empty column "
					     "name in '%s'", list);
	}
	m->nnames[f] = n;
	return 0;
}

int tsp_incmap_set_numeric(struct tsp_incmap *m, const char *list,
			   struct tsp_error *err)
{
	const char *p = list;
	size_t n = 0;

	m->schema = 0;
	while (*p) {
		const char *comma = strchr(p, ',');
		size_t len = comma ? (size_t)(comma - p) : strlen(p);
		if (len == 0 || (comma && !comma[1]))
			return tsp_error_set(err, TSP_EUSAGE, "empty column "
					     "name in '%s'", list);
		if (n == TSP_INC_MAXNUM)
			return tsp_error_set(err, TSP_EUSAGE, "more than %d "
					     "numeric columns", TSP_INC_MAXNUM);
		if (intern_name(p, len, &m->num[n],
				m->prefix[TSP_INC_NFIELDS + n][0], err) < 0)
			return -1;
		n++;
		p += len + (comma != NULL);
	}
	m->nnum = n;
	return 0;
}

int tsp_incmap_default(struct tsp_incmap *m, struct tsp_error *err)
{
	memset(m, 0, sizeof(*m));
	for (int f = 0; f < TSP_INC_NFIELDS; f++)
		if (tsp_incmap_set(m, (enum tsp_inc_field)f, defaults[f],
				   err) < 0)
			return -1;
	return tsp_incmap_set_numeric(m, "", err);
}

/* ---- the set ------------------------------------------------------- */

struct tsp_inc_chunk {
	struct tsp_inc_chunk *next;
	size_t used, cap;
	char data[];
};

void tsp_incidents_init(struct tsp_incidents *s)
{
	memset(s, 0, sizeof(*s));
}

void tsp_incidents_release(struct tsp_incidents *s)
{
	struct tsp_inc_chunk *c = s->arena;

	while (c) {
		struct tsp_inc_chunk *next = c->next;
		free(c);
		c = next;
	}
	free(s->v);
	free(s->num);
	free(s->col);
	tsp_incidents_init(s);
}

static const char *save(struct tsp_incidents *s, const char *text,
			size_t len)
{
	struct tsp_inc_chunk *c = s->arena;
	char *p;

	if (len == 0)
		return "";
	if (!c || c->cap - c->used < len + 1) {
		size_t cap = len + 1 > 65536 ? len + 1 : 65536;
		c = malloc(sizeof(*c) + cap);
		if (!c)
			return NULL;
		c->next = s->arena;
		c->used = 0;
		c->cap = cap;
		s->arena = c;
	}
	p = c->data + c->used;
	memcpy(p, text, len);
	p[len] = '\0';
	c->used += len + 1;
	return p;
}

static int reserve(struct tsp_incidents *s, size_t nnum)
{
	if (s->n == s->cap) {
		size_t cap = s->cap ? s->cap * 2 : 1024;
		struct tsp_incident *nv = realloc(s->v, cap * sizeof(*nv));
		double *nn;
		if (!nv)
			return -1;
		s->v = nv;
		nn = realloc(s->num, cap * (nnum ? nnum : 1) * sizeof(*nn));
		if (!nn)
			return -1;
		s->num = nn;
		s->cap = cap;
	}
	return 0;
}

/* ---- fields of a record -------------------------------------------- */

enum { ABSENT = -1, NULLED = -2 };

/* Where the field called name is in rec: its index, NULLED when a
 * prefix of the name is a null field (an empty nested object or array),
 * else ABSENT. */
static long locate(const struct tsp_record *rec, const char *name,
		   const char *const *prefix)
{
	long i = tsp_record_find(rec, name);

	if (i >= 0)
		return i;
	for (int k = 0; k < 4 && prefix[k]; k++) {
		long j = tsp_record_find(rec, prefix[k]);
		if (j >= 0)
			return rec->f[j].type == TSP_T_NULL ? NULLED : ABSENT;
	}
	return ABSENT;
}

/* The first of slot's names present in rec. */
static long find_slot(struct tsp_incmap *m, size_t slot,
		      const struct tsp_record *rec)
{
	size_t n = slot < TSP_INC_NFIELDS ? m->nnames[slot] : 1;

	for (size_t k = 0; k < n; k++) {
		const char *name = slot < TSP_INC_NFIELDS
				   ? m->names[slot][k]
				   : m->num[slot - TSP_INC_NFIELDS];
		long i = locate(rec, name, m->prefix[slot][k]);
		if (i != ABSENT)
			return i;
	}
	return ABSENT;
}

/* Index of every slot in rec (cached per CSV header). */
static void resolve(struct tsp_incmap *m, const struct tsp_record *rec)
{
	if (rec->schema && rec->schema == m->schema)
		return;
	for (size_t s = 0; s < TSP_INC_NFIELDS + m->nnum; s++)
		m->idx[s] = find_slot(m, s, rec);
	m->schema = rec->schema;
}

static int missing(const struct tsp_field *f)
{
	return f->len == 0 || f->type == TSP_T_NULL;
}

static int get_time(const struct tsp_incmap *m, const struct tsp_record *rec,
		    enum tsp_inc_field fld, tsp_time_t *t,
		    struct tsp_error *err)
{
	long i = m->idx[fld];
	const struct tsp_field *f;
	char q[80];

	*t = TSP_TIME_NONE;
	if (i < 0)
		return 0;
	f = &rec->f[i];
	if (missing(f))
		return 0;
	if (tsp_time_parse(f->val, f->len, m->unit, t, NULL) == 0)
		return 0;
	return tsp_error_at(err, TSP_EDATA, rec->input, rec->line,
			    "bad time %s in field '%s'",
			    tsp_quote(q, sizeof(q), f->val, f->len), f->name);
}

/* Labels as people write them. */
static int parse_label(const char *s, size_t len)
{
	static const char *const yes[] = { "true", "1", "yes", "y", "t" };
	static const char *const no[] = { "false", "0", "no", "n", "f" };

	for (size_t k = 0; k < 5; k++) {
		if (strlen(yes[k]) == len && strncasecmp(s, yes[k], len) == 0)
			return 1;
		if (strlen(no[k]) == len && strncasecmp(s, no[k], len) == 0)
			return 0;
	}
	return -1;
}

static int get_label(const struct tsp_record *rec, long i, int *label,
		     struct tsp_error *err)
{
	const struct tsp_field *f = &rec->f[i];
	char q[80];

	*label = -1;
	if (missing(f))
		return 0;
	*label = parse_label(f->val, f->len);
	if (*label >= 0)
		return 0;
	return tsp_error_at(err, TSP_EDATA, rec->input, rec->line,
			    "unknown label value %s in field '%s' (true or "
			    "false, yes or no, 1 or 0)",
			    tsp_quote(q, sizeof(q), f->val, f->len), f->name);
}

/* The derived label and when it became known (tsp_incident.h). */
static void derive(const struct tsp_incmap *m, struct tsp_incident *inc)
{
	tsp_time_t deadline = m->within ? inc->created + m->within
					: TSP_TIME_NONE;

	inc->label = -1;
	inc->known = TSP_TIME_NONE;
	if (inc->acked != TSP_TIME_NONE) {
		inc->label = 0;
		inc->known = m->within && deadline < inc->acked ? deadline
								: inc->acked;
	} else if (inc->resolved != TSP_TIME_NONE) {
		if (!m->within || inc->resolved <= deadline) {
			inc->label = 1;
			inc->known = inc->resolved;
		} else {
			inc->label = 0;
			inc->known = deadline;
		}
	}
}

/* "no field a, b or c" + what (a model's field) or the option to use. */
static int field_error(const struct tsp_record *rec, const char *what,
		       const struct tsp_incmap *m, enum tsp_inc_field f,
		       struct tsp_error *err)
{
	char names[256];
	size_t o = 0;

	names[0] = '\0';
	for (size_t k = 0; k < m->nnames[f] && o < sizeof(names); k++)
		o += (size_t)snprintf(names + o, sizeof(names) - o, "%s%s",
				      k ? (k + 1 == m->nnames[f] ? " or " : ", ")
					: "", m->names[f][k]);
	if (!what)
		return tsp_error_at(err, TSP_EDATA, rec->input, rec->line,
				    "no %s field: no %s (name it with --%s)",
				    field_names[f], names, field_names[f]);
	return tsp_error_at(err, TSP_EDATA, rec->input, rec->line,
			    "no field %s (%s)", names, what);
}

int tsp_incidents_add(struct tsp_incidents *s, struct tsp_incmap *m,
		      const struct tsp_record *rec,
		      const struct tsp_incidents *required,
		      struct tsp_error *err)
{
	struct tsp_incident inc;
	double *num;
	char q[80];

	memset(&inc, 0, sizeof(inc));
	s->nnum = 1 + m->nnum;
	if (reserve(s, s->nnum) < 0)
		return tsp_error_set(err, TSP_ENOMEM, "out of memory");
	resolve(m, rec);
	if (required) {
		for (int f = 0; f < TSP_INC_NFIELDS; f++)
			if (required->present[f] && f != TSP_INC_ACKED &&
			    f != TSP_INC_RESOLVED && f != TSP_INC_LABEL &&
			    m->idx[f] == ABSENT)
				return field_error(rec, "the model was trained "
						   "with it", m,
						   (enum tsp_inc_field)f, err);
		for (size_t k = 0; k < m->nnum; k++)
			if (required->num_present[1 + k] &&
			    m->idx[TSP_INC_NFIELDS + k] == ABSENT)
				return tsp_error_at(err, TSP_EDATA, rec->input,
						    rec->line, "no field '%s' "
						    "(the model was trained "
						    "with it)", m->num[k]);
	}
	if (m->idx[TSP_INC_CREATED] == ABSENT)
		return field_error(rec, NULL, m, TSP_INC_CREATED, err);
	if (get_time(m, rec, TSP_INC_CREATED, &inc.created, err) < 0 ||
	    get_time(m, rec, TSP_INC_ACKED, &inc.acked, err) < 0 ||
	    get_time(m, rec, TSP_INC_RESOLVED, &inc.resolved, err) < 0)
		return -1;
	if (inc.created == TSP_TIME_NONE)
		return tsp_error_at(err, TSP_EDATA, rec->input, rec->line,
				    "empty creation time in field '%s'",
				    rec->f[m->idx[TSP_INC_CREATED]].name);
	if (inc.acked != TSP_TIME_NONE && inc.acked < inc.created)
		return tsp_error_at(err, TSP_EDATA, rec->input, rec->line,
				    "acknowledged before it was created");
	if (inc.resolved != TSP_TIME_NONE && inc.resolved < inc.created)
		return tsp_error_at(err, TSP_EDATA, rec->input, rec->line,
				    "resolved before it was created");
	/* The alert count, then the numeric columns. */
	num = s->num + s->n * s->nnum;
	for (size_t k = 0; k < s->nnum; k++) {
		long i = m->idx[k ? TSP_INC_NFIELDS + k - 1 : TSP_INC_ALERTS];
		num[k] = NAN;
		if (i == ABSENT)
			continue;
		s->num_present[k] = 1;
		if (i < 0 || missing(&rec->f[i]))
			continue;
		if (tsp_num_parse(rec->f[i].val, rec->f[i].len, &num[k]) !=
		    TSP_NUM_OK)
			return tsp_error_at(err, TSP_EDATA, rec->input,
					    rec->line, "non-numeric value %s "
					    "in field '%s'",
					    tsp_quote(q, sizeof(q),
						      rec->f[i].val,
						      rec->f[i].len),
					    rec->f[i].name);
	}
	if (m->idx[TSP_INC_LABEL] >= 0) {
		if (get_label(rec, m->idx[TSP_INC_LABEL], &inc.label, err) < 0)
			return -1;
		/* Known when it was resolved (or acknowledged); a label
		 * with neither time never feeds the history. */
		inc.known = inc.resolved != TSP_TIME_NONE ? inc.resolved
							  : inc.acked;
	} else if (m->nnames[TSP_INC_LABEL]) {
		inc.label = -1;
		inc.known = TSP_TIME_NONE;
	} else {
		derive(m, &inc);
	}
	/* Text fields: "" when absent or empty. */
	const char **txt[TSP_INC_NFIELDS] = { NULL };
	txt[TSP_INC_ID] = &inc.id;
	txt[TSP_INC_TITLE] = &inc.title;
	txt[TSP_INC_DESC] = &inc.desc;
	for (int c = 0; c < TSP_INC_NCAT; c++)
		txt[TSP_INC_CAT0 + c] = &inc.cat[c];
	for (int f = 0; f < TSP_INC_NFIELDS; f++) {
		long i = m->idx[f];
		if (i != ABSENT)
			s->present[f] = 1;
		if (!txt[f])
			continue;
		*txt[f] = "";
		if (i < 0 || missing(&rec->f[i]))
			continue;
		*txt[f] = save(s, rec->f[i].val, rec->f[i].len);
		if (!*txt[f])
			return tsp_error_set(err, TSP_ENOMEM, "out of memory");
	}
	if (!*inc.id) {
		/* No id: the line number stands in for one. */
		char buf[32];
		int len = snprintf(buf, sizeof(buf), "line%ld", rec->line);
		inc.id = save(s, buf, (size_t)len);
		if (!inc.id)
			return tsp_error_set(err, TSP_ENOMEM, "out of memory");
	}
	inc.input = rec->input;
	inc.line = rec->line;
	inc.order = s->n;
	s->v[s->n++] = inc;
	return 0;
}

int tsp_incidents_add_row(struct tsp_incidents *s, struct tsp_incmap *m,
			  const struct tsp_record *rec,
			  const char *const *cols, size_t ncols,
			  struct tsp_error *err)
{
	struct tsp_incident inc;
	const char *skip[3] = { NULL, NULL, NULL };
	char q[80];

	resolve(m, rec);
	for (int k = 0, f = TSP_INC_ID; f <= TSP_INC_LABEL; f++)
		if ((f == TSP_INC_ID || f == TSP_INC_CREATED ||
		     f == TSP_INC_LABEL) && m->idx[f] >= 0)
			skip[k++] = rec->f[m->idx[f]].name;
	if (!s->col) {
		/* The columns: the model's, or this record's. */
		s->col = malloc((cols ? ncols : rec->n) * sizeof(*s->col) + 1);
		if (!s->col)
			return tsp_error_set(err, TSP_ENOMEM, "out of memory");
		if (cols) {
			memcpy(s->col, cols, ncols * sizeof(*s->col));
			s->ncol = ncols;
		} else {
			for (size_t i = 0; i < rec->n; i++)
				if (rec->f[i].name != skip[0] &&
				    rec->f[i].name != skip[1] &&
				    rec->f[i].name != skip[2])
					s->col[s->ncol++] = rec->f[i].name;
		}
	}
	s->nnum = s->ncol;
	if (reserve(s, s->ncol) < 0)
		return tsp_error_set(err, TSP_ENOMEM, "out of memory");
	memset(&inc, 0, sizeof(inc));
	inc.created = inc.acked = inc.resolved = TSP_TIME_NONE;
	inc.known = TSP_TIME_NONE;
	inc.label = -1;
	if (m->idx[TSP_INC_CREATED] >= 0 &&
	    get_time(m, rec, TSP_INC_CREATED, &inc.created, err) < 0)
		return -1;
	if (m->idx[TSP_INC_LABEL] >= 0 &&
	    get_label(rec, m->idx[TSP_INC_LABEL], &inc.label, err) < 0)
		return -1;
	double *x = s->num + s->n * s->ncol;
	for (size_t k = 0; k < s->ncol; k++) {
		long i = tsp_record_find(rec, s->col[k]);
		if (i < 0)
			return tsp_error_at(err, TSP_EDATA, rec->input,
					    rec->line, "no feature column '%s'",
					    s->col[k]);
		if (missing(&rec->f[i]))
			return tsp_error_at(err, TSP_EDATA, rec->input,
					    rec->line, "empty value in feature "
					    "column '%s'", s->col[k]);
		if (tsp_num_parse(rec->f[i].val, rec->f[i].len, &x[k]) !=
		    TSP_NUM_OK || !isfinite(x[k]))
			return tsp_error_at(err, TSP_EDATA, rec->input,
					    rec->line, "non-numeric value %s "
					    "in feature column '%s'",
					    tsp_quote(q, sizeof(q),
						      rec->f[i].val,
						      rec->f[i].len),
					    s->col[k]);
	}
	if (m->idx[TSP_INC_ID] >= 0 && !missing(&rec->f[m->idx[TSP_INC_ID]]))
		inc.id = save(s, rec->f[m->idx[TSP_INC_ID]].val,
			      rec->f[m->idx[TSP_INC_ID]].len);
	else {
		char buf[32];
		int len = snprintf(buf, sizeof(buf), "line%ld", rec->line);
		inc.id = save(s, buf, (size_t)len);
	}
	if (!inc.id)
		return tsp_error_set(err, TSP_ENOMEM, "out of memory");
	for (int c = 0; c < TSP_INC_NCAT; c++)
		inc.cat[c] = "";
	inc.title = inc.desc = "";
	inc.input = rec->input;
	inc.line = rec->line;
	inc.order = s->n;
	if (m->idx[TSP_INC_LABEL] >= 0)
		s->present[TSP_INC_LABEL] = 1;
	s->v[s->n++] = inc;
	return 0;
}

/* ---- time order ---------------------------------------------------- */

static const struct tsp_incident *sort_base;

static int cmp_time(const void *a, const void *b)
{
	const struct tsp_incident *x = &sort_base[*(const size_t *)a];
	const struct tsp_incident *y = &sort_base[*(const size_t *)b];

	if (x->created != y->created)
		return x->created < y->created ? -1 : 1;
	return (x->order > y->order) - (x->order < y->order);
}

void tsp_incidents_by_time(const struct tsp_incidents *s, size_t *idx)
{
	for (size_t i = 0; i < s->n; i++)
		idx[i] = i;
	/* qsort has no context argument in C11; not reentrant. */
	sort_base = s->v;
	qsort(idx, s->n, sizeof(*idx), cmp_time);
}

/* ---- saving the map ------------------------------------------------ */


/* names joined with commas into buf (size 8 * 256). */
static void join(const char *const *names, size_t n, char *buf, size_t size)
{
	size_t o = 0;

	buf[0] = '\0';
	for (size_t k = 0; k < n && o < size; k++)
		o += (size_t)snprintf(buf + o, size - o, "%s%s", k ? "," : "",
				      names[k]);
}

int tsp_incmap_save(const struct tsp_incmap *m, const struct tsp_incidents *s,
		    struct tsp_params *p, struct tsp_error *err)
{
	char buf[TSP_INC_MAXNUM * 260], name[64];
	double present[TSP_INC_NFIELDS], npresent[TSP_INC_MAXNUM];

	for (int f = 0; f < TSP_INC_NFIELDS; f++) {
		join(m->names[f], m->nnames[f], buf, sizeof(buf));
		snprintf(name, sizeof(name), "field.%s", field_names[f]);
		if (tsp_params_str(p, name, buf, err) < 0)
			return -1;
		present[f] = s->present[f];
	}
	for (size_t k = 0; k < m->nnum; k++)
		npresent[k] = s->num_present[1 + k];
	join(m->num, m->nnum, buf, sizeof(buf));
	if (tsp_params_str(p, "field.numeric", buf, err) < 0 ||
	    tsp_params_nums(p, "present", present, TSP_INC_NFIELDS, err) < 0 ||
	    tsp_params_nums(p, "numeric_present", npresent, m->nnum, err) < 0 ||
	    tsp_params_num(p, "within", (double)m->within / 1e9, err) < 0 ||
	    tsp_params_num(p, "time_unit_ms", m->unit == TSP_UNIT_MS, err) < 0 ||
	    tsp_params_num(p, "matrix", m->matrix, err) < 0)
		return -1;
	return 0;
}

static int load_str(const unsigned char *buf, size_t len, const char *name,
		    char *out, size_t size, struct tsp_error *err)
{
	struct tsp_param it;

	if (tsp_params_find(buf, len, name, &it) != 1 ||
	    it.type != TSP_PARAM_STR || it.n >= size)
		return tsp_error_set(err, TSP_EDATA, "corrupt field entry "
				     "(%s)", name);
	memcpy(out, it.str, it.n);
	out[it.n] = '\0';
	return 0;
}

int tsp_incmap_load(struct tsp_incmap *m, struct tsp_incidents *req,
		    const unsigned char *buf, size_t len,
		    struct tsp_error *err)
{
	char list[TSP_INC_MAXNUM * 260], name[64];
	struct tsp_param pr, np, w, u, mx;

	memset(m, 0, sizeof(*m));
	for (int f = 0; f < TSP_INC_NFIELDS; f++) {
		snprintf(name, sizeof(name), "field.%s", field_names[f]);
		if (load_str(buf, len, name, list, sizeof(list), err) < 0 ||
		    tsp_incmap_set(m, (enum tsp_inc_field)f, list, err) < 0)
			return -1;
	}
	if (load_str(buf, len, "field.numeric", list, sizeof(list), err) < 0 ||
	    tsp_incmap_set_numeric(m, list, err) < 0)
		return -1;
	if (tsp_params_find(buf, len, "present", &pr) != 1 ||
	    pr.type != TSP_PARAM_NUMS || pr.n != TSP_INC_NFIELDS ||
	    tsp_params_find(buf, len, "numeric_present", &np) != 1 ||
	    np.type != TSP_PARAM_NUMS || np.n != m->nnum ||
	    tsp_params_find(buf, len, "within", &w) != 1 ||
	    w.type != TSP_PARAM_NUM || !(w.num >= 0 && w.num < 1e10) ||
	    tsp_params_find(buf, len, "time_unit_ms", &u) != 1 ||
	    u.type != TSP_PARAM_NUM ||
	    tsp_params_find(buf, len, "matrix", &mx) != 1 ||
	    mx.type != TSP_PARAM_NUM)
		return tsp_error_set(err, TSP_EDATA, "corrupt field entry");
	for (int f = 0; f < TSP_INC_NFIELDS; f++)
		req->present[f] = tsp_param_at(&pr, (size_t)f) != 0;
	for (size_t k = 0; k < m->nnum; k++)
		req->num_present[1 + k] = tsp_param_at(&np, k) != 0;
	req->num_present[0] = req->present[TSP_INC_ALERTS];
	m->within = (tsp_time_t)(w.num * 1e9);
	m->unit = u.num != 0 ? TSP_UNIT_MS : TSP_UNIT_S;
	m->matrix = mx.num != 0;
	return 0;
}

size_t tsp_incident_title_key(const char *s, char *out, size_t size)
{
	size_t o = 0;
	int digit = 0, blank = 1;

	for (; *s && o + 1 < size; s++) {
		unsigned char c = (unsigned char)*s;
		if (c >= '0' && c <= '9') {
			if (!digit)
				out[o++] = '#';
			digit = 1;
			blank = 0;
			continue;
		}
		digit = 0;
		if (c == ' ' || c == '\t' || c == '\n' || c == '\r') {
			if (!blank)
				out[o++] = ' ';
			blank = 1;
			continue;
		}
		blank = 0;
		out[o++] = (char)(c >= 'A' && c <= 'Z' ? c + 32 : c);
	}
	while (o > 0 && out[o - 1] == ' ')
		o--;
	out[o] = '\0';
	return o;
}
