#include "tsp_spec.h"

#include <stdlib.h>
#include <string.h>

#include "tsp_num.h"

static int intern(const char **name, struct tsp_error *err)
{
	*name = tsp_intern(*name, strlen(*name));
	return *name ? 0 : tsp_error_set(err, TSP_ENOMEM, "out of memory");
}

int tsp_spec_init(struct tsp_spec *s, struct tsp_error *err)
{
	s->time_named = s->time != NULL;
	s->value_named = s->value != NULL;
	if (!s->time)
		s->time = "timestamp";
	if (!s->value)
		s->value = "value";
	s->dflt_key = "series";
	s->alt_key = "metric";
	if (intern(&s->time, err) || intern(&s->value, err) ||
	    intern(&s->dflt_key, err) || intern(&s->alt_key, err))
		return -1;
	for (size_t i = 0; i < s->nkey; i++)
		if (intern(&s->key[i], err))
			return -1;
	s->schema = 0;
	return 0;
}

void tsp_spec_release(struct tsp_spec *s)
{
	free(s->keybuf);
	s->keybuf = NULL;
	s->keycap = 0;
}

static int missing_field(const struct tsp_record *rec, const char *name,
			 const char *opt, struct tsp_error *err)
{
	char q[80];

	/* One column whose name holds ';' or a tab: another separator. */
	if (rec->n == 1 && rec->schema && strpbrk(rec->f[0].name, ";\t"))
		return tsp_error_at(err, TSP_EDATA, rec->input, rec->line,
				    "no field %s: the header is one column "
				    "(fields must be separated by commas)",
				    tsp_quote(q, sizeof(q), name, strlen(name)));
	return tsp_error_at(err, TSP_EDATA, rec->input, rec->line,
			    "no field %s (%s)",
			    tsp_quote(q, sizeof(q), name, strlen(name)), opt);
}

/* Locate the special fields; cached while the schema stays the same. */
static int locate(struct tsp_spec *s, const struct tsp_record *rec,
		  struct tsp_error *err)
{
	if (rec->schema && rec->schema == s->schema)
		return 0;
	s->ti = tsp_record_find(rec, s->time);
	if (s->ti < 0)
		return missing_field(rec, s->time, s->time_named ?
				     "named by -t" :
				     "name the time field with -t", err);
	s->vi = tsp_record_find(rec, s->value);
	if (s->vi < 0)
		return missing_field(rec, s->value, s->value_named ?
				     "named by -v" :
				     "name the value field with -v", err);
	if (s->nkey) {
		for (size_t i = 0; i < s->nkey; i++) {
			s->ki[i] = tsp_record_find(rec, s->key[i]);
			if (s->ki[i] < 0)
				return missing_field(rec, s->key[i],
						     "named by -k", err);
		}
	} else {
		s->ki[0] = tsp_record_find(rec, s->dflt_key);
		if (s->ki[0] < 0)
			s->ki[0] = tsp_record_find(rec, s->alt_key);
	}
	s->schema = rec->schema;
	return 0;
}

static int build_key(struct tsp_spec *s, const struct tsp_record *rec,
		     struct tsp_point *pt, struct tsp_error *err)
{
	size_t n = s->nkey ? s->nkey : 1, need = 0, off = 0;

	if (n == 1) {
		if (s->ki[0] < 0) {
			pt->key = "";
			pt->keylen = 0;
		} else {
			pt->key = rec->f[s->ki[0]].val;
			pt->keylen = rec->f[s->ki[0]].len;
		}
		return 0;
	}
	for (size_t i = 0; i < n; i++)
		need += rec->f[s->ki[i]].len + 1;
	if (need > s->keycap) {
		char *nb = realloc(s->keybuf, need * 2);
		if (!nb)
			return tsp_error_set(err, TSP_ENOMEM, "out of memory");
		s->keybuf = nb;
		s->keycap = need * 2;
	}
	for (size_t i = 0; i < n; i++) {
		const struct tsp_field *f = &rec->f[s->ki[i]];
		if (i)
			s->keybuf[off++] = '\x1f';
		memcpy(s->keybuf + off, f->val, f->len);
		off += f->len;
	}
	pt->key = s->keybuf;
	pt->keylen = off;
	return 0;
}

int tsp_spec_resolve(struct tsp_spec *s, const struct tsp_record *rec,
		     struct tsp_point *pt, struct tsp_error *err)
{
	const struct tsp_field *tf, *vf;
	char q[80], q2[80];
	int rc;

	if (locate(s, rec, err) < 0)
		return -1;
	if (build_key(s, rec, pt, err) < 0)
		return -1;
	tf = &rec->f[s->ti];
	vf = &rec->f[s->vi];
	pt->ti = s->ti;
	pt->vi = s->vi;

	if (tf->type == TSP_T_NULL || tf->type == TSP_T_BOOL || tf->len == 0)
		return tsp_error_at(err, TSP_EDATA, rec->input, rec->line,
				    "missing time in field %s",
				    tsp_quote(q, sizeof(q), s->time,
					      strlen(s->time)));
	rc = tsp_time_parse(tf->val, tf->len, s->unit, &pt->t, &pt->tfmt);
	if (rc == -2)
		return tsp_error_at(err, TSP_EDATA, rec->input, rec->line,
				    "time %s out of range (years 1678-2261)%s",
				    tsp_quote(q, sizeof(q), tf->val, tf->len),
				    s->unit == TSP_UNIT_S && tf->len >= 13 &&
				    tf->len <= 16 &&
				    strspn(tf->val, "0123456789") == tf->len ?
				    "; milliseconds? use --time-unit ms" : "");
	if (rc < 0)
		return tsp_error_at(err, TSP_EDATA, rec->input, rec->line,
				    "bad time %s in field %s (expected epoch "
				    "seconds or RFC 3339)",
				    tsp_quote(q, sizeof(q), tf->val, tf->len),
				    tsp_quote(q2, sizeof(q2), s->time,
					      strlen(s->time)));

	pt->missing = 0;
	if (vf->type == TSP_T_NULL) {
		pt->missing = 1;
		return 0;
	}
	if (vf->type != TSP_T_BOOL) {
		enum tsp_num_status st = tsp_num_parse(vf->val, vf->len, &pt->v);
		if (st == TSP_NUM_MISSING) {
			pt->missing = 1;
			return 0;
		}
		if (st == TSP_NUM_OK)
			return 0;
	}
	return tsp_error_at(err, TSP_EDATA, rec->input, rec->line,
			    "non-numeric value %s in field %s",
			    tsp_quote(q, sizeof(q), vf->val, vf->len),
			    tsp_quote(q2, sizeof(q2), s->value,
				      strlen(s->value)));
}
