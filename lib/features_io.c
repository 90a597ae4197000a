/*
 * The feature definition as model-store parameters: the options, each
 * categorical field's levels, the numeric fields and their medians, the
 * bucket names, and (matrix mode) the columns; loading rebuilds the
 * feature names and checks their number against the saved one.
 */
#include "tsp_features.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *const cat_names[TSP_INC_NCAT] = {
	"service", "policy", "urgency", "priority", "assignee"
};

int tsp_featdef_save(const struct tsp_featdef *d, struct tsp_params *p,
		     struct tsp_error *err)
{
	char name[64];
	double idx[TSP_INC_MAXNUM + 1];

	if (tsp_params_num(p, "matrix", d->matrix, err) < 0 ||
	    tsp_params_num(p, "features", (double)d->nfeat, err) < 0)
		return -1;
	if (d->matrix) {
		for (size_t f = 0; f < d->nfeat; f++) {
			snprintf(name, sizeof(name), "col.%zu", f);
			if (tsp_params_str(p, name, d->name[f], err) < 0)
				return -1;
		}
		return 0;
	}
	if (tsp_params_str(p, "tz", d->tz, err) < 0 ||
	    tsp_params_num(p, "levels", (double)d->levels, err) < 0 ||
	    tsp_params_num(p, "min_count", (double)d->min_count, err) < 0 ||
	    tsp_params_num(p, "buckets", (double)d->buckets, err) < 0 ||
	    tsp_params_num(p, "use_text", d->use_text, err) < 0)
		return -1;
	for (int c = 0; c < TSP_INC_NCAT; c++) {
		snprintf(name, sizeof(name), "%s", cat_names[c]);
		if (tsp_params_num(p, name, (double)d->nlevel[c], err) < 0)
			return -1;
		for (size_t l = 0; l < d->nlevel[c]; l++) {
			snprintf(name, sizeof(name), "%s.%zu", cat_names[c], l);
			if (tsp_params_str(p, name, d->level[c][l], err) < 0)
				return -1;
		}
	}
	for (size_t k = 0; k < d->nnum; k++) {
		snprintf(name, sizeof(name), "numeric.%zu", k);
		if (tsp_params_str(p, name, d->numname[k], err) < 0)
			return -1;
		idx[k] = (double)d->numidx[k];
	}
	if (tsp_params_nums(p, "numeric_index", idx, d->nnum, err) < 0 ||
	    tsp_params_nums(p, "median", d->median, d->nnum, err) < 0)
		return -1;
	for (size_t b = 0; b < d->buckets; b++) {
		snprintf(name, sizeof(name), "bucket.%zu", b);
		if (tsp_params_str(p, name, d->bucketname[b], err) < 0)
			return -1;
	}
	return 0;
}

static int bad(struct tsp_error *err, const char *what)
{
	return tsp_error_set(err, TSP_EDATA, "corrupt feature definition "
			     "(%s)", what);
}

static int get_num(const unsigned char *buf, size_t len, const char *name,
		   double lo, double hi, double *v, struct tsp_error *err)
{
	struct tsp_param it;

	if (tsp_params_find(buf, len, name, &it) != 1 ||
	    it.type != TSP_PARAM_NUM || !(it.num >= lo && it.num <= hi) ||
	    it.num != floor(it.num))
		return bad(err, name);
	*v = it.num;
	return 0;
}

static char *get_str(const unsigned char *buf, size_t len, const char *name,
		     struct tsp_error *err)
{
	struct tsp_param it;
	char *s;

	if (tsp_params_find(buf, len, name, &it) != 1 ||
	    it.type != TSP_PARAM_STR) {
		bad(err, name);
		return NULL;
	}
	s = malloc(it.n + 1);
	if (!s) {
		tsp_error_set(err, TSP_ENOMEM, "out of memory");
		return NULL;
	}
	memcpy(s, it.str, it.n);
	s[it.n] = '\0';
	return s;
}

/* Matrix mode: the columns are the names. */
static int load_matrix(struct tsp_featdef *d, const unsigned char *buf,
		       size_t len, size_t nfeat, struct tsp_error *err)
{
	char name[64];

	d->name = calloc(nfeat ? nfeat : 1, sizeof(*d->name));
	d->group = calloc(nfeat ? nfeat : 1, sizeof(*d->group));
	if (!d->name || !d->group)
		return tsp_error_set(err, TSP_ENOMEM, "out of memory");
	for (size_t f = 0; f < nfeat; f++) {
		snprintf(name, sizeof(name), "col.%zu", f);
		if (!(d->name[f] = get_str(buf, len, name, err)))
			return -1;
		d->nfeat = f + 1;
		d->group[f] = (int)f;
	}
	d->ngroup = nfeat;
	return 0;
}

int tsp_featdef_load(struct tsp_featdef *d, const unsigned char *buf,
		     size_t len, struct tsp_error *err)
{
	double v, nfeat;
	char name[64], *tz;
	struct tsp_param idx, med;

	tsp_featdef_release(d);
	tsp_featdef_init(d);
	if (get_num(buf, len, "matrix", 0, 1, &v, err) < 0 ||
	    get_num(buf, len, "features", 1, 1e6, &nfeat, err) < 0)
		return -1;
	d->matrix = (int)v;
	if (d->matrix)
		return load_matrix(d, buf, len, (size_t)nfeat, err);
	if (!(tz = get_str(buf, len, "tz", err)))
		return -1;
	snprintf(d->tz, sizeof(d->tz), "%s", tz);
	free(tz);
	if (get_num(buf, len, "levels", 0, 1e6, &v, err) < 0)
		return -1;
	d->levels = (size_t)v;
	if (get_num(buf, len, "min_count", 0, 1e12, &v, err) < 0)
		return -1;
	d->min_count = (size_t)v;
	if (get_num(buf, len, "buckets", 1, 4096, &v, err) < 0)
		return -1;
	d->buckets = (size_t)v;
	if (get_num(buf, len, "use_text", 0, 1, &v, err) < 0)
		return -1;
	d->use_text = (int)v;
	for (int c = 0; c < TSP_INC_NCAT; c++) {
		if (get_num(buf, len, cat_names[c], 0, (double)d->levels, &v,
			    err) < 0)
			return -1;
		d->level[c] = calloc(v ? (size_t)v : 1, sizeof(char *));
		if (!d->level[c])
			return tsp_error_set(err, TSP_ENOMEM, "out of memory");
		for (size_t l = 0; l < (size_t)v; l++) {
			snprintf(name, sizeof(name), "%s.%zu", cat_names[c], l);
			if (!(d->level[c][l] = get_str(buf, len, name, err)))
				return -1;
			d->nlevel[c] = l + 1;
		}
	}
	if (tsp_params_find(buf, len, "numeric_index", &idx) != 1 ||
	    idx.type != TSP_PARAM_NUMS || idx.n > TSP_INC_MAXNUM + 1 ||
	    tsp_params_find(buf, len, "median", &med) != 1 ||
	    med.type != TSP_PARAM_NUMS || med.n != idx.n)
		return bad(err, "numeric");
	for (size_t k = 0; k < idx.n; k++) {
		double i = tsp_param_at(&idx, k);
		if (!(i >= 0 && i <= TSP_INC_MAXNUM && i == floor(i)))
			return bad(err, "numeric_index");
		snprintf(name, sizeof(name), "numeric.%zu", k);
		if (!(d->numname[k] = get_str(buf, len, name, err)))
			return -1;
		d->numidx[k] = (size_t)i;
		d->median[k] = tsp_param_at(&med, k);
		d->nnum = k + 1;
	}
	d->bucketname = calloc(d->buckets, sizeof(char *));
	if (!d->bucketname)
		return tsp_error_set(err, TSP_ENOMEM, "out of memory");
	for (size_t b = 0; b < d->buckets; b++) {
		snprintf(name, sizeof(name), "bucket.%zu", b);
		if (!(d->bucketname[b] = get_str(buf, len, name, err)))
			return -1;
	}
	if (tsp_featdef_rebuild(d, err) < 0)
		return -1;
	if ((double)d->nfeat != nfeat)
		return bad(err, "number of features");
	return 0;
}
