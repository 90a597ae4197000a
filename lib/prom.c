#include "tsp_prom.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tsp_json.h"
#include "tsp_jsondoc.h"
#include "tsp_num.h"

#define MAX_CHUNKS 10000000

static int64_t floormod(int64_t a, int64_t b)
{
	return a - tsp_time_floordiv(a, b) * b;
}

int tsp_prom_plan(tsp_time_t start, tsp_time_t end, tsp_time_t step,
		  long max_points, tsp_time_t chunk,
		  struct tsp_prom_chunk **out, size_t *n,
		  struct tsp_error *err)
{
	struct tsp_prom_chunk *v = NULL;
	size_t cap = 0, nv = 0;
	int64_t span, npts, k = 0, blk = 0;

	if (max_points < 1)
		max_points = 1;
	if (__builtin_sub_overflow(end, start, &span) || span < 0 || step <= 0)
		return tsp_error_set(err, TSP_EUSAGE, "bad range");
	npts = span / step + 1;
	/* blk: chunk boundaries fall on its multiples (0: none) */
	if (step <= INT64_MAX / max_points)
		blk = (int64_t)max_points * step;
	if (chunk > 0 && (blk == 0 || chunk < blk))
		blk = chunk;
	while (k < npts) {
		tsp_time_t g = start + k * step;
		int64_t m = max_points;
		if (blk) {
			int64_t rest = blk - floormod(g, blk);	/* > 0 */
			m = (rest - 1) / step + 1;
			if (m > max_points)
				m = max_points;
		}
		if (m > npts - k)
			m = npts - k;
		if (nv == cap) {
			size_t nc = cap ? 2 * cap : 16;
			struct tsp_prom_chunk *nvp;
			if (nv >= MAX_CHUNKS) {
				free(v);
				return tsp_error_set(err, TSP_EUSAGE,
					"the range needs more than %d requests",
					MAX_CHUNKS);
			}
			if (!(nvp = realloc(v, nc * sizeof(*v)))) {
				free(v);
				return tsp_error_set(err, TSP_ENOMEM,
						     "out of memory");
			}
			v = nvp;
			cap = nc;
		}
		v[nv].start = g;
		v[nv].end = g + (m - 1) * step;
		v[nv].points = (long)m;
		nv++;
		k += m;
	}
	*out = v;
	*n = nv;
	return 0;
}

void tsp_prom_split(const struct tsp_prom_chunk *c, tsp_time_t step,
		    struct tsp_prom_chunk *a, struct tsp_prom_chunk *b)
{
	long half = c->points / 2;

	a->start = c->start;
	a->points = half;
	a->end = c->start + (half - 1) * step;
	b->start = a->end + step;
	b->points = c->points - half;
	b->end = c->end;
}

/* Append s percent-encoded (everything but unreserved characters). */
static size_t pct(char *o, const char *s)
{
	static const char hex[] = "0123456789ABCDEF";
	size_t n = 0;

	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;
		if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
		    (c >= '0' && c <= '9') || c == '-' || c == '.' ||
		    c == '_' || c == '~') {
			o[n++] = (char)c;
		} else {
			o[n++] = '%';
			o[n++] = hex[c >> 4];
			o[n++] = hex[c & 15];
		}
	}
	return n;
}

static size_t seconds(char *o, tsp_time_t t)
{
	static const struct tsp_timefmt epoch = { TSP_TIME_EPOCH, 0, 0, 0 };

	return tsp_time_format(t, &epoch, o);
}

char *tsp_prom_form(const char *query, const struct tsp_prom_chunk *c,
		    tsp_time_t step, tsp_time_t lookback)
{
	char *f = malloc(3 * strlen(query) + 4 * TSP_TIME_BUFSZ + 64);
	size_t n = 0;

	if (!f)
		return NULL;
	memcpy(f, "query=", 6);
	n = 6 + pct(f + 6, query);
	memcpy(f + n, "&start=", 7);
	n += 7 + seconds(f + n + 7, c->start);
	memcpy(f + n, "&end=", 5);
	n += 5 + seconds(f + n + 5, c->end);
	memcpy(f + n, "&step=", 6);
	n += 6 + seconds(f + n + 6, step);
	if (lookback > 0) {
		memcpy(f + n, "&lookback_delta=", 16);
		n += 16 + seconds(f + n + 16, lookback);
	}
	f[n] = '\0';
	return f;
}

int tsp_prom_time_parse(const char *s, tsp_time_t now, tsp_time_t *t,
			int *relative)
{
	const char *dur = NULL;
	tsp_time_t d;

	*relative = 0;
	if (strcmp(s, "now") == 0) {
		*relative = 1;
		*t = now;
		return 0;
	}
	if (strncmp(s, "now-", 4) == 0)
		dur = s + 4;
	else if (s[0] == '-' && strpbrk(s, "numshdw"))
		dur = s + 1;
	if (dur) {
		if (tsp_duration_parse(dur, &d) < 0 || d > now - INT64_MIN / 2)
			return -1;
		*relative = 1;
		*t = now - d;
		return 0;
	}
	return tsp_time_parse(s, strlen(s), TSP_UNIT_S, t, NULL) == 0 ? 0 : -1;
}

void tsp_prom_result_init(struct tsp_prom_result *r)
{
	memset(r, 0, sizeof(*r));
}

void tsp_prom_result_release(struct tsp_prom_result *r)
{
	for (size_t i = 0; i < r->nwarnings; i++)
		free(r->warnings[i]);
	free(r->warnings);
	free(r->error_type);
	free(r->error);
	free(r->series);
	free(r->body);
	free(r->sample_mem);
	free(r->label_mem);
	free(r->arena);
	tsp_prom_result_init(r);
}

static int oom(struct tsp_error *err)
{
	return tsp_error_set(err, TSP_ENOMEM, "out of memory");
}

/* Warnings and infos: arrays of strings, kept in order. */
static int take_notes(struct tsp_prom_result *r, const struct tsp_jdoc *d,
		      int arr, const char *prefix, struct tsp_error *err)
{
	int n = tsp_jdoc_size(d, arr), k = arr + 1;
	char **nw;

	if (tsp_jdoc_type(d, arr) != TSP_J_ARRAY || n == 0)
		return 0;
	nw = realloc(r->warnings, (r->nwarnings + (size_t)n) * sizeof(*nw));
	if (!nw)
		return oom(err);
	r->warnings = nw;
	for (int i = 0; i < n; i++, k = tsp_jdoc_next(d, k)) {
		size_t len, pl = strlen(prefix);
		char *s = tsp_jdoc_strdup(d, k, &len), *w;
		if (!s)
			return tsp_error_set(err, TSP_EDATA, "malformed "
					     "warning in the response");
		if (!(w = malloc(pl + len + 1))) {
			free(s);
			return oom(err);
		}
		memcpy(w, prefix, pl);
		memcpy(w + pl, s, len + 1);
		free(s);
		r->warnings[r->nwarnings++] = w;
	}
	return 0;
}

static int label_cmp(const void *a, const void *b)
{
	const struct tsp_prom_label *x = a, *y = b;

	return strcmp(x->name, y->name);
}

static int series_cmp(const void *a, const void *b)
{
	const struct tsp_prom_series *x = a, *y = b;
	size_t n = x->keylen < y->keylen ? x->keylen : y->keylen;
	int c = memcmp(x->key, y->key, n);

	if (c)
		return c;
	return (x->keylen > y->keylen) - (x->keylen < y->keylen);
}

/* Append a label value to a key with \\, \" and \n escaped. */
static size_t key_escape(char *o, const char *v)
{
	size_t n = 0;

	for (; *v; v++) {
		if (*v == '\\' || *v == '"') {
			o[n++] = '\\';
			o[n++] = *v;
		} else if (*v == '\n') {
			o[n++] = '\\';
			o[n++] = 'n';
		} else {
			o[n++] = *v;
		}
	}
	return n;
}

/*
 * Labels of the metric object m into s->labels (sorted) and the key, both
 * in the arena at *a (room: 4 times m's text and some).
 */
static int take_metric(struct tsp_prom_series *s, const struct tsp_jdoc *d,
		       int m, char **a, struct tsp_error *err)
{
	int n = tsp_jdoc_size(d, m), k = m + 1;
	const char *name = NULL;
	char *key;
	size_t kl = 0, nl = 0;

	if (tsp_jdoc_type(d, m) != TSP_J_OBJECT)
		return tsp_error_set(err, TSP_EDATA, "malformed response "
				     "(a series' metric is not an object)");
	for (int i = 0; i < n; i++, k = tsp_jdoc_next(d, k + 1)) {
		struct tsp_prom_label *l = &s->labels[i];
		size_t rl;
		const char *raw = tsp_jdoc_raw(d, k, &rl);
		long ul;

		if (tsp_jdoc_type(d, k + 1) != TSP_J_STRING ||
		    (ul = tsp_json_unescape(raw, rl, *a)) < 0)
			return tsp_error_set(err, TSP_EDATA, "malformed "
					     "label in the response");
		l->name = *a;
		*a += ul + 1;
		raw = tsp_jdoc_raw(d, k + 1, &rl);
		if ((ul = tsp_json_unescape(raw, rl, *a)) < 0)
			return tsp_error_set(err, TSP_EDATA, "malformed "
					     "label in the response");
		l->value = *a;
		*a += ul + 1;
	}
	s->nlabels = (size_t)n;
	qsort(s->labels, s->nlabels, sizeof(*s->labels), label_cmp);
	key = *a;
	for (size_t i = 0; i < s->nlabels; i++)
		if (strcmp(s->labels[i].name, "__name__") == 0)
			name = s->labels[i].value;
	if (name) {
		size_t l = strlen(name);
		memcpy(key, name, l);
		kl = l;
	}
	for (size_t i = 0; i < s->nlabels; i++) {
		const struct tsp_prom_label *l = &s->labels[i];
		size_t ln = strlen(l->name);
		if (strcmp(l->name, "__name__") == 0)
			continue;
		key[kl++] = nl++ ? ',' : '{';
		memcpy(key + kl, l->name, ln);
		kl += ln;
		key[kl++] = '=';
		key[kl++] = '"';
		kl += key_escape(key + kl, l->value);
		key[kl++] = '"';
	}
	if (nl)
		key[kl++] = '}';
	else if (!name) {
		key[kl++] = '{';
		key[kl++] = '}';
	}
	key[kl] = '\0';
	s->key = key;
	s->keylen = kl;
	*a += kl + 1;
	return 0;
}

/* The samples of values array v into s (memory at *next). */
static int take_values(struct tsp_prom_series *s, const struct tsp_jdoc *d,
		       int v, const struct tsp_prom_chunk *c,
		       struct tsp_prom_sample **next, struct tsp_error *err)
{
	int n = tsp_jdoc_size(d, v), k = v + 1;
	struct tsp_prom_sample *out = *next;
	tsp_time_t last = INT64_MIN;
	char q[80], tb[TSP_TIME_BUFSZ];

	s->samples = out;
	for (int i = 0; i < n; i++, k += 3) {
		size_t tl, vl;
		const char *tr, *vr;
		double x;
		if (tsp_jdoc_type(d, k) != TSP_J_ARRAY ||
		    tsp_jdoc_size(d, k) != 2 ||
		    tsp_jdoc_type(d, k + 1) != TSP_J_PRIMITIVE ||
		    tsp_jdoc_type(d, k + 2) != TSP_J_STRING)
			return tsp_error_set(err, TSP_EDATA, "malformed sample "
					     "in series %s", tsp_quote(q,
					     sizeof(q), s->key, s->keylen));
		tr = tsp_jdoc_raw(d, k + 1, &tl);
		vr = tsp_jdoc_raw(d, k + 2, &vl);
		if (tsp_time_parse(tr, tl, TSP_UNIT_S, &out->t, NULL) < 0)
			return tsp_error_set(err, TSP_EDATA, "bad time %s in "
					     "series %s", tsp_quote(tb,
					     sizeof(tb), tr, tl), tsp_quote(q,
					     sizeof(q), s->key, s->keylen));
		if (tsp_num_parse(vr, vl, &x) != TSP_NUM_OK)
			return tsp_error_set(err, TSP_EDATA, "bad value %s in "
					     "series %s", tsp_quote(tb,
					     sizeof(tb), vr, vl), tsp_quote(q,
					     sizeof(q), s->key, s->keylen));
		if (out->t <= last || (c && (out->t < c->start ||
					     out->t > c->end))) {
			tsp_quote(tb, sizeof(tb), tr, tl);
			return tsp_error_set(err, TSP_EDATA, "series %s: sample "
				"at %s %s", tsp_quote(q, sizeof(q), s->key,
				s->keylen), tb, out->t <= last ?
				"not after the one before" :
				"outside the requested range (does the "
				"server align times to the step?)");
		}
		last = out->t;
		out->v = vr;
		out->vlen = (uint32_t)vl;
		out++;
	}
	s->nsamples = (size_t)n;
	*next = out;
	return 0;
}

static int parse_error(struct tsp_prom_result *r, const struct tsp_jdoc *d,
		       struct tsp_error *err)
{
	int t = tsp_jdoc_member(d, 0, "errorType");
	int e = tsp_jdoc_member(d, 0, "error");

	r->error_type = t >= 0 ? tsp_jdoc_strdup(d, t, NULL) : strdup("");
	r->error = e >= 0 ? tsp_jdoc_strdup(d, e, NULL) : strdup("");
	if (!r->error_type || !r->error)
		return tsp_error_set(err, TSP_EDATA, "malformed error "
				     "response");
	return 0;
}

static int parse_matrix(struct tsp_prom_result *r, const struct tsp_jdoc *d,
			const struct tsp_prom_chunk *c, struct tsp_error *err)
{
	int data = tsp_jdoc_member(d, 0, "data");
	int rt = tsp_jdoc_member(d, data, "resultType");
	int res = tsp_jdoc_member(d, data, "result");
	int ns, k;
	size_t nsamp = 0, nlab = 0, arena = 0;
	struct tsp_prom_sample *next;
	struct tsp_prom_label *lnext;
	char *a, q[80];

	if (rt < 0 || tsp_jdoc_type(d, res) != TSP_J_ARRAY)
		return tsp_error_set(err, TSP_EDATA, "malformed response "
				     "(no data.result)");
	if (!tsp_jdoc_streq(d, rt, "matrix")) {
		size_t len;
		const char *s = tsp_jdoc_raw(d, rt, &len);
		return tsp_error_set(err, TSP_EDATA, "expected a matrix "
				     "result, got %s", tsp_quote(q, sizeof(q),
				     s, len));
	}
	ns = tsp_jdoc_size(d, res);
	/* Sizes first, then one allocation of each kind. */
	k = res + 1;
	for (int i = 0; i < ns; i++, k = tsp_jdoc_next(d, k)) {
		int m = tsp_jdoc_member(d, k, "metric");
		int v = tsp_jdoc_member(d, k, "values");
		int h = tsp_jdoc_member(d, k, "histograms");
		size_t ml;
		if (h >= 0 && tsp_jdoc_size(d, h) > 0)
			return tsp_error_set(err, TSP_EDATA, "native histogram "
					     "samples are not supported");
		if (m < 0 || (v >= 0 && tsp_jdoc_type(d, v) != TSP_J_ARRAY))
			return tsp_error_set(err, TSP_EDATA, "malformed "
					     "response (a series without "
					     "metric or values)");
		nsamp += (size_t)tsp_jdoc_size(d, v);
		nlab += (size_t)tsp_jdoc_size(d, m);
		tsp_jdoc_raw(d, m, &ml);
		arena += 4 * ml + 16;
	}
	r->series = calloc(ns > 0 ? (size_t)ns : 1, sizeof(*r->series));
	r->sample_mem = malloc((nsamp ? nsamp : 1) * sizeof(*r->sample_mem));
	r->label_mem = malloc((nlab ? nlab : 1) * sizeof(*r->label_mem));
	r->arena = malloc(arena + 1);
	if (!r->series || !r->sample_mem || !r->label_mem || !r->arena)
		return oom(err);
	next = r->sample_mem;
	lnext = r->label_mem;
	a = r->arena;
	k = res + 1;
	for (int i = 0; i < ns; i++, k = tsp_jdoc_next(d, k)) {
		struct tsp_prom_series *s = &r->series[i];
		int v = tsp_jdoc_member(d, k, "values");
		s->labels = lnext;
		if (take_metric(s, d, tsp_jdoc_member(d, k, "metric"), &a,
				err) < 0)
			return -1;
		lnext += s->nlabels;
		if (v >= 0 && take_values(s, d, v, c, &next, err) < 0)
			return -1;
		r->nsamples += s->nsamples;
	}
	r->nseries = (size_t)ns;
	qsort(r->series, r->nseries, sizeof(*r->series), series_cmp);
	for (size_t i = 1; i < r->nseries; i++)
		if (series_cmp(&r->series[i - 1], &r->series[i]) == 0)
			return tsp_error_set(err, TSP_EDATA, "series %s appears "
					     "twice in the response",
					     tsp_quote(q, sizeof(q),
						       r->series[i].key,
						       r->series[i].keylen));
	return 0;
}

int tsp_prom_parse(struct tsp_prom_result *r, char *body, size_t len,
		   const struct tsp_prom_chunk *c, struct tsp_error *err)
{
	struct tsp_jdoc d;
	int st, rc = -1;

	tsp_prom_result_release(r);
	r->body = body;
	tsp_jdoc_init(&d);
	if (tsp_jdoc_parse(&d, body, len, err) < 0)
		goto out;
	st = tsp_jdoc_member(&d, 0, "status");
	if (take_notes(r, &d, tsp_jdoc_member(&d, 0, "warnings"), "", err) < 0 ||
	    take_notes(r, &d, tsp_jdoc_member(&d, 0, "infos"), "info: ",
		       err) < 0)
		goto out;
	if (tsp_jdoc_streq(&d, st, "error")) {
		rc = parse_error(r, &d, err);
	} else if (tsp_jdoc_streq(&d, st, "success")) {
		r->success = 1;
		rc = parse_matrix(r, &d, c, err);
	} else {
		tsp_error_set(err, TSP_EDATA, "not a Prometheus API response "
			      "(no status)");
	}
out:
	tsp_jdoc_release(&d);
	return rc;
}

int tsp_prom_too_big(const struct tsp_prom_result *r)
{
	static const char *const says[] = {
		"too many samples",		/* Prometheus, Thanos */
		"maximum resolution",		/* > 11,000 points */
		"maxSamplesPerQuery",		/* VictoriaMetrics */
		"maxPointsPerTimeseries",	/* VictoriaMetrics */
		"max-fetched-samples-per-query",	/* Mimir */
	};

	if (r->success || !r->error)
		return 0;
	for (size_t i = 0; i < sizeof(says) / sizeof(says[0]); i++)
		if (strstr(r->error, says[i]))
			return 1;
	return 0;
}

const char *tsp_prom_label(const struct tsp_prom_series *s, const char *name)
{
	size_t lo = 0, hi = s->nlabels;

	while (lo < hi) {
		size_t mid = (lo + hi) / 2;
		int c = strcmp(s->labels[mid].name, name);
		if (c == 0)
			return s->labels[mid].value;
		if (c < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return NULL;
}

int tsp_prom_parse_file(struct tsp_prom_result *r, const char *path,
			struct tsp_error *err)
{
	FILE *fp = strcmp(path, "-") ? fopen(path, "rb") : stdin;
	char *body = NULL, *nb;
	size_t len = 0, cap = 0, got;
	int e;

	if (!fp) {
		err->sys_errno = errno;
		return tsp_error_set(err, TSP_ESYS, "cannot open: %s",
				     strerror(errno));
	}
	do {
		if (len + 65536 + 1 > cap) {
			cap = cap ? 2 * cap : 1 << 20;
			if (!(nb = realloc(body, cap))) {
				free(body);
				if (fp != stdin)
					fclose(fp);
				return oom(err);
			}
			body = nb;
		}
		got = fread(body + len, 1, cap - len - 1, fp);
		len += got;
	} while (got > 0);
	e = ferror(fp) ? errno : 0;
	if (fp != stdin)
		fclose(fp);
	if (e) {
		free(body);
		errno = e;
		goto syserr;
	}
	return tsp_prom_parse(r, body, len, NULL, err);
syserr:
	err->sys_errno = errno;
	return tsp_error_set(err, TSP_ESYS, "cannot read: %s",
			     strerror(errno));
}

int tsp_prom_write(const struct tsp_prom_result *r, struct tsp_writer *w,
		   const char *const *labels, size_t nlabels, int rfc3339,
		   struct tsp_error *err)
{
	static const struct tsp_timefmt epoch = { TSP_TIME_EPOCH, 0, 0, 0 };
	static const struct tsp_timefmt rfc = { TSP_TIME_RFC3339, 0, 1, 0 };
	struct tsp_field *f = calloc(3 + nlabels, sizeof(*f));
	char tb[TSP_TIME_BUFSZ];
	int rc = 0;

	if (!f || !(f[0].name = tsp_intern("series", 6)) ||
	    !(f[1].name = tsp_intern("timestamp", 9)) ||
	    !(f[2].name = tsp_intern("value", 5))) {
		free(f);
		return oom(err);
	}
	f[0].type = TSP_T_STRING;
	f[1].val = tb;
	f[1].type = rfc3339 ? TSP_T_STRING : TSP_T_JSONNUM;
	f[1].flags = TSP_FF_PLAIN;
	f[2].type = TSP_T_NUMBER;
	f[2].flags = TSP_FF_PLAIN;
	for (size_t i = 0; i < r->nseries && rc == 0; i++) {
		const struct tsp_prom_series *s = &r->series[i];
		f[0].val = s->key;
		f[0].len = (uint32_t)s->keylen;
		for (size_t k = 0; k < nlabels; k++) {
			const char *v = tsp_prom_label(s, labels[k]);
			f[3 + k].name = labels[k];
			f[3 + k].val = v ? v : "";
			f[3 + k].len = (uint32_t)strlen(f[3 + k].val);
			f[3 + k].type = v ? TSP_T_STRING : TSP_T_NULL;
		}
		for (size_t j = 0; j < s->nsamples && rc == 0; j++) {
			f[1].len = (uint32_t)tsp_time_format(s->samples[j].t,
				rfc3339 ? &rfc : &epoch, tb);
			f[2].val = s->samples[j].v;
			f[2].len = s->samples[j].vlen;
			rc = tsp_writer_write(w, f, 3 + nlabels, err);
		}
	}
	free(f);
	return rc;
}
