/*
 * The feature definition: fitted on training incidents, saved with the
 * model, used to build the same rows at prediction; and the reasons
 * (tsp_features.h).
 */
#include "tsp_features.h"

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "tsp_num.h"
#include "tsp_time.h"

/* Reason groups: what a group of features shows. */
enum gkind { G_HOUR, G_WEEKDAY, G_WEEKEND, G_NUM, G_CAT, G_BUCKET, G_HIST,
	     G_COL };

static const char *const cat_names[TSP_INC_NCAT] = {
	"service", "policy", "urgency", "priority", "assignee"
};
static const char *const hist_names[TSP_FEAT_HISTORY] = {
	"svc_incidents_1h", "svc_incidents_24h", "svc_self_resolved",
	"title_gap_hours"
};

void tsp_featdef_init(struct tsp_featdef *d)
{
	memset(d, 0, sizeof(*d));
	d->levels = 10;
	d->min_count = 5;
	d->buckets = 16;
}

static void free_strs(char **v, size_t n)
{
	for (size_t i = 0; v && i < n; i++)
		free(v[i]);
	free(v);
}

static void free_names(struct tsp_featdef *d)
{
	free_strs(d->name, d->nfeat);
	free(d->group);
	d->name = NULL;
	d->group = NULL;
	d->nfeat = 0;
	d->ngroup = 0;
}

void tsp_featdef_release(struct tsp_featdef *d)
{
	for (int c = 0; c < TSP_INC_NCAT; c++)
		free_strs(d->level[c], d->nlevel[c]);
	for (size_t k = 0; k < d->nnum; k++)
		free(d->numname[k]);
	free_strs(d->bucketname, d->buckets);
	free_names(d);
	memset(d, 0, sizeof(*d));
}

static int oom(struct tsp_error *err)
{
	return tsp_error_set(err, TSP_ENOMEM, "out of memory");
}

/* ---- words --------------------------------------------------------- */

static int word_byte(unsigned char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c >= 0x80;
}

/* Words that say nothing about an alert.  (Compared as 4-byte
 * integers: this runs for every word of every title.) */
static int stop_word(const char *w, size_t n)
{
	static const char stop[][4] = {
		"an", "and", "are", "as", "at", "be", "by", "for", "from",
		"in", "is", "it", "of", "on", "or", "the", "to", "was", "with"
	};
	uint32_t x = 0;

	if (n > 4)
		return 0;
	memcpy(&x, w, n);
	for (size_t k = 0; k < sizeof(stop) / sizeof(stop[0]); k++) {
		uint32_t s;
		memcpy(&s, stop[k], sizeof(s));
		if (s == x)
			return 1;
	}
	return 0;
}

/*
 * Call fn(ctx, word, len) for each word of s: runs of letters (and
 * UTF-8 bytes), case folded, of two bytes or more but not a stop word,
 * at most 63 bytes.
 */
static int each_word(const char *s, int (*fn)(void *, const char *, size_t),
		     void *ctx)
{
	char w[64];

	while (*s) {
		size_t n = 0;
		while (*s && !word_byte((unsigned char)*s))
			s++;
		while (*s && word_byte((unsigned char)*s)) {
			unsigned char c = (unsigned char)*s++;
			if (n < sizeof(w) - 1)
				w[n++] = (char)(c >= 'A' && c <= 'Z' ? c + 32
								     : c);
		}
		if (n >= 2 && !stop_word(w, n) && fn(ctx, w, n) < 0)
			return -1;
	}
	return 0;
}

static uint32_t fnv1a(const char *s, size_t n)
{
	uint32_t h = 2166136261u;

	for (size_t i = 0; i < n; i++)
		h = (h ^ (unsigned char)s[i]) * 16777619u;
	return h;
}

/* ---- names --------------------------------------------------------- */

static int add_name(struct tsp_featdef *d, size_t *cap, int group,
		    struct tsp_error *err, const char *fmt, ...)
	__attribute__((format(printf, 5, 6)));

static int add_name(struct tsp_featdef *d, size_t *cap, int group,
		    struct tsp_error *err, const char *fmt, ...)
{
	char buf[512];
	va_list ap;

	if (d->nfeat == *cap) {
		size_t nc = *cap ? *cap * 2 : 64;
		char **nn = realloc(d->name, nc * sizeof(*nn));
		int *ng;
		if (!nn)
			return oom(err);
		d->name = nn;
		ng = realloc(d->group, nc * sizeof(*ng));
		if (!ng)
			return oom(err);
		d->group = ng;
		*cap = nc;
	}
	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	d->name[d->nfeat] = strdup(buf);
	if (!d->name[d->nfeat])
		return oom(err);
	d->group[d->nfeat++] = group;
	return 0;
}

/*
 * Groups are numbered: 0 hour, 1 weekday, 2 weekend, then one per
 * numeric field, categorical field, bucket and history feature.  The
 * kind and argument of group g come from gkind().
 */
static enum gkind gkind(const struct tsp_featdef *d, int g, size_t *arg)
{
	size_t k = (size_t)g;

	if (d->matrix) {
		*arg = k;
		return G_COL;
	}
	if (k < 3) {
		*arg = 0;
		return k == 0 ? G_HOUR : k == 1 ? G_WEEKDAY : G_WEEKEND;
	}
	k -= 3;
	if (k < d->nnum) {
		*arg = k;
		return G_NUM;
	}
	k -= d->nnum;
	if (k < TSP_INC_NCAT) {
		*arg = k;
		return G_CAT;
	}
	k -= TSP_INC_NCAT;
	if (k < d->buckets) {
		*arg = k;
		return G_BUCKET;
	}
	*arg = k - d->buckets;
	return G_HIST;
}

static int build_names(struct tsp_featdef *d, struct tsp_error *err)
{
	size_t cap = 0;
	int g = 3;

	free_names(d);
	if (add_name(d, &cap, 0, err, "hour_sin") < 0 ||
	    add_name(d, &cap, 0, err, "hour_cos") < 0 ||
	    add_name(d, &cap, 1, err, "dow_sin") < 0 ||
	    add_name(d, &cap, 1, err, "dow_cos") < 0 ||
	    add_name(d, &cap, 2, err, "weekend") < 0)
		return -1;
	for (size_t k = 0; k < d->nnum; k++, g++)
		if (add_name(d, &cap, g, err, "%s", d->numname[k]) < 0)
			return -1;
	for (int c = 0; c < TSP_INC_NCAT; c++, g++) {
		for (size_t l = 0; l < d->nlevel[c]; l++)
			if (add_name(d, &cap, g, err, "%s=%s", cat_names[c],
				     d->level[c][l][0] ? d->level[c][l]
						       : "(none)") < 0)
				return -1;
		if (d->nlevel[c] &&
		    add_name(d, &cap, g, err, "%s=other", cat_names[c]) < 0)
			return -1;
	}
	for (size_t b = 0; d->use_text && b < d->buckets; b++, g++)
		if (add_name(d, &cap, g, err, "title~%s",
			     d->bucketname[b][0] ? d->bucketname[b]
						 : "#") < 0)
			return -1;
	if (!d->use_text)
		g += (int)d->buckets;
	for (int h = 0; h < TSP_FEAT_HISTORY; h++, g++)
		if (add_name(d, &cap, g, err, "%s", hist_names[h]) < 0)
			return -1;
	d->ngroup = (size_t)g;
	return 0;
}

/* ---- fitting ------------------------------------------------------- */

struct level {
	const char *s;
	size_t len;
	size_t count;
};

static int cmp_level(const void *a, const void *b)
{
	const struct level *x = a, *y = b;
	int c;

	if (x->count != y->count)
		return x->count > y->count ? -1 : 1;
	c = memcmp(x->s, y->s, x->len < y->len ? x->len : y->len);
	return c ? c : (x->len > y->len) - (x->len < y->len);
}

static char *dupn(const char *s, size_t n)
{
	char *z = malloc(n + 1);

	if (z) {
		memcpy(z, s, n);
		z[n] = '\0';
	}
	return z;
}

/* The kept levels of categorical field c. */
static int fit_cat(struct tsp_featdef *d, const struct tsp_incidents *s,
		   const unsigned char *use, int c, struct tsp_error *err)
{
	struct tsp_table t;
	size_t *cnt = NULL, cap = 0, n;
	struct level *lv;
	int rc = 0;

	tsp_table_init(&t);
	for (size_t i = 0; i < s->n; i++) {
		int added;
		long k;
		if (use && !use[i])
			continue;
		k = tsp_table_get(&t, s->v[i].cat[c], strlen(s->v[i].cat[c]),
				  &added);
		if (k < 0)
			goto nomem;
		if ((size_t)k >= cap) {
			size_t nc = cap ? cap * 2 : 64;
			size_t *ncnt = realloc(cnt, nc * sizeof(*ncnt));
			if (!ncnt)
				goto nomem;
			memset(ncnt + cap, 0, (nc - cap) * sizeof(*ncnt));
			cnt = ncnt;
			cap = nc;
		}
		cnt[k]++;
	}
	n = tsp_table_count(&t);
	lv = malloc((n ? n : 1) * sizeof(*lv));
	if (!lv)
		goto nomem;
	for (size_t k = 0; k < n; k++) {
		lv[k].s = tsp_table_key(&t, k, &lv[k].len);
		lv[k].count = cnt[k];
	}
	qsort(lv, n, sizeof(*lv), cmp_level);
	d->level[c] = malloc((d->levels ? d->levels : 1) * sizeof(char *));
	if (!d->level[c]) {
		free(lv);
		goto nomem;
	}
	for (size_t k = 0; k < n && d->nlevel[c] < d->levels; k++) {
		if (lv[k].count < d->min_count)
			break;
		if (!(d->level[c][d->nlevel[c]] = dupn(lv[k].s, lv[k].len))) {
			free(lv);
			goto nomem;
		}
		d->nlevel[c]++;
	}
	free(lv);
	goto out;
nomem:
	rc = oom(err);
out:
	free(cnt);
	tsp_table_release(&t);
	return rc;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

/* Word counts, for naming the buckets. */
struct wordcount {
	struct tsp_table t;
	size_t *cnt, cap;
};

static int count_word(void *ctx, const char *w, size_t n)
{
	struct wordcount *wc = ctx;
	int added;
	long k = tsp_table_get(&wc->t, w, n, &added);

	if (k < 0)
		return -1;
	if ((size_t)k >= wc->cap) {
		size_t nc = wc->cap ? wc->cap * 2 : 256;
		size_t *ncnt = realloc(wc->cnt, nc * sizeof(*ncnt));
		if (!ncnt)
			return -1;
		memset(ncnt + wc->cap, 0, (nc - wc->cap) * sizeof(*ncnt));
		wc->cnt = ncnt;
		wc->cap = nc;
	}
	wc->cnt[k]++;
	return 0;
}

static int fit_buckets(struct tsp_featdef *d, const struct tsp_incidents *s,
		       const unsigned char *use, struct tsp_error *err)
{
	struct wordcount wc;
	size_t n, (*top)[2];
	int rc = 0;

	memset(&wc, 0, sizeof(wc));
	tsp_table_init(&wc.t);
	d->bucketname = calloc(d->buckets, sizeof(char *));
	top = malloc(d->buckets * sizeof(*top));
	if (!d->bucketname || !top)
		goto nomem;
	for (size_t i = 0; i < s->n; i++) {
		if (use && !use[i])
			continue;
		if (each_word(s->v[i].title, count_word, &wc) < 0 ||
		    each_word(s->v[i].desc, count_word, &wc) < 0)
			goto nomem;
	}
	n = tsp_table_count(&wc.t);
	for (size_t b = 0; b < d->buckets; b++)
		top[b][0] = top[b][1] = SIZE_MAX;
	/* The two most frequent words of each bucket (ties: the first
	 * in alphabetical order). */
	for (size_t k = 0; k < n; k++) {
		size_t len, len2;
		const char *w = tsp_table_key(&wc.t, k, &len);
		size_t b = fnv1a(w, len) % d->buckets;
		for (int r = 0; r < 2; r++) {
			size_t o = top[b][r];
			const char *w2;
			int better;
			if (o == SIZE_MAX) {
				better = 1;
			} else {
				w2 = tsp_table_key(&wc.t, o, &len2);
				int c = memcmp(w, w2, len < len2 ? len : len2);
				better = wc.cnt[k] > wc.cnt[o] ||
					 (wc.cnt[k] == wc.cnt[o] &&
					  (c < 0 || (c == 0 && len < len2)));
			}
			if (better) {
				if (r == 0)
					top[b][1] = top[b][0];
				top[b][r] = k;
				break;
			}
		}
	}
	for (size_t b = 0; b < d->buckets; b++) {
		char name[160] = "";
		for (int r = 0; r < 2 && top[b][r] != SIZE_MAX; r++) {
			size_t len;
			const char *w = tsp_table_key(&wc.t, top[b][r], &len);
			snprintf(name + strlen(name), sizeof(name) - strlen(name),
				 "%s%.*s", r ? "/" : "", (int)len, w);
		}
		if (!(d->bucketname[b] = strdup(name)))
			goto nomem;
	}
	goto out;
nomem:
	rc = oom(err);
out:
	free(top);
	free(wc.cnt);
	tsp_table_release(&wc.t);
	return rc;
}

int tsp_featdef_fit(struct tsp_featdef *d, const struct tsp_incidents *s,
		    const struct tsp_incmap *map, const unsigned char *use,
		    struct tsp_error *err)
{
	double *v;

	if (d->buckets == 0 || d->buckets > 4096)
		return tsp_error_set(err, TSP_EUSAGE, "buckets: 1 to 4096");
	for (int c = 0; c < TSP_INC_NCAT; c++)
		if (s->present[TSP_INC_CAT0 + c] &&
		    fit_cat(d, s, use, c, err) < 0)
			return -1;
	v = malloc((s->n ? s->n : 1) * sizeof(*v));
	if (!v)
		return oom(err);
	for (size_t k = 0; k < s->nnum; k++) {
		size_t m = 0;
		if (!s->num_present[k])
			continue;
		for (size_t i = 0; i < s->n; i++)
			if ((!use || use[i]) && !isnan(s->num[i * s->nnum + k]))
				v[m++] = s->num[i * s->nnum + k];
		qsort(v, m, sizeof(*v), cmp_double);
		d->numidx[d->nnum] = k;
		d->median[d->nnum] = m == 0 ? 0 : m % 2 ? v[m / 2]
				   : v[m / 2 - 1] / 2 + v[m / 2] / 2;
		d->numname[d->nnum] = strdup(k ? map->num[k - 1] : "alerts");
		if (!d->numname[d->nnum++]) {
			free(v);
			return oom(err);
		}
	}
	free(v);
	d->use_text = s->present[TSP_INC_TITLE] || s->present[TSP_INC_DESC];
	if (fit_buckets(d, s, use, err) < 0)
		return -1;
	return build_names(d, err);
}

int tsp_featdef_rebuild(struct tsp_featdef *d, struct tsp_error *err)
{
	return build_names(d, err);
}

int tsp_featdef_matrix(struct tsp_featdef *d, const struct tsp_incidents *s,
		       struct tsp_error *err)
{
	size_t cap = 0;

	d->matrix = 1;
	free_names(d);
	for (size_t k = 0; k < s->ncol; k++)
		if (add_name(d, &cap, (int)k, err, "%s", s->col[k]) < 0)
			return -1;
	d->ngroup = s->ncol;
	return 0;
}

/* ---- rows ---------------------------------------------------------- */

struct bucketing {
	const struct tsp_featdef *d;
	double *x;
};

static int bucket_word(void *ctx, const char *w, size_t n)
{
	struct bucketing *b = ctx;

	b->x[fnv1a(w, n) % b->d->buckets] += 1;
	return 0;
}

/* Local hour and weekday (Monday 0) of t.  In a zone (set by
 * tsp_tz_set) through localtime_r, which many threads may call. */
static void calendar(const struct tsp_featdef *d, tsp_time_t t, int *hour,
		     int *wday)
{
	int64_t sec = tsp_time_floordiv(t, TSP_NS_PER_SEC);
	time_t secs = (time_t)sec;
	struct tm tm;

	if (d->tz[0] && localtime_r(&secs, &tm)) {
		*hour = tm.tm_hour;
		*wday = (tm.tm_wday + 6) % 7;
		return;
	}
	int64_t day = sec >= 0 ? sec / 86400 : -((-sec + 86399) / 86400);
	int64_t sod = sec - day * 86400;

	*hour = (int)(sod / 3600);
	/* 1970-01-01 was a Thursday (3 when Monday is 0). */
	*wday = (int)(((day + 3) % 7 + 7) % 7);
}

/* A point on the circle, 15 decimals: cos(pi/2) is 0, not 6e-17. */
static double circle(double v)
{
	return round(v * 1e15) / 1e15;
}

int tsp_features_rows(const struct tsp_featdef *d,
		      const struct tsp_incidents *s, const double *hist,
		      const size_t *rows, size_t m, double *x,
		      struct tsp_error *err)
{
	const double two_pi = 6.283185307179586;

	(void)err;
	for (size_t r = 0; r < m; r++) {
		size_t i = rows[r], f = 0;
		const struct tsp_incident *inc = &s->v[i];
		double *row = x + r * d->nfeat;
		int hour, wday;

		if (d->matrix) {
			memcpy(row, s->num + i * s->nnum,
			       d->nfeat * sizeof(*row));
			continue;
		}
		calendar(d, inc->created, &hour, &wday);
		row[f++] = circle(sin(two_pi * hour / 24));
		row[f++] = circle(cos(two_pi * hour / 24));
		row[f++] = circle(sin(two_pi * wday / 7));
		row[f++] = circle(cos(two_pi * wday / 7));
		row[f++] = wday >= 5;
		for (size_t k = 0; k < d->nnum; k++) {
			double v = s->num[i * s->nnum + d->numidx[k]];
			row[f++] = isnan(v) ? d->median[k] : v;
		}
		for (int c = 0; c < TSP_INC_NCAT; c++) {
			size_t l, nl = d->nlevel[c];
			if (!nl)
				continue;
			for (l = 0; l <= nl; l++)
				row[f + l] = 0;
			for (l = 0; l < nl; l++)
				if (strcmp(inc->cat[c], d->level[c][l]) == 0)
					break;
			row[f + l] = 1;		/* l == nl: other */
			f += nl + 1;
		}
		if (d->use_text) {
			struct bucketing b = { d, row + f };
			for (size_t k = 0; k < d->buckets; k++)
				row[f + k] = 0;
			each_word(inc->title, bucket_word, &b);
			each_word(inc->desc, bucket_word, &b);
			f += d->buckets;
		}
		memcpy(row + f, hist + i * TSP_FEAT_HISTORY,
		       TSP_FEAT_HISTORY * sizeof(*row));
	}
	return 0;
}

/* ---- reasons ------------------------------------------------------- */

/* Text t appended to buf (size bytes) at o, cut and terminated as
 * snprintf cuts; the offset past all of t, as snprintf counts. */
static size_t append(char *buf, size_t size, size_t o, const char *t)
{
	size_t n = strlen(t);

	if (o + 1 < size) {
		size_t k = n < size - 1 - o ? n : size - 1 - o;
		memcpy(buf + o, t, k);
		buf[o + k] = '\0';
	}
	return o + n;
}

/* What group g of incident i (feature row x) looks like: "hour=03".
 * (Strings put together by hand: this runs for every reason given, and
 * snprintf took most of the time.) */
static void show_group(const struct tsp_featdef *d,
		       const struct tsp_incidents *s, size_t i,
		       const double *x, int g, char *buf, size_t size)
{
	static const char *const days[7] = {
		"Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"
	};
	const struct tsp_incident *inc = &s->v[i];
	char num[TSP_NUM_BUFSZ];
	size_t arg, f, o;
	int hour, wday;

	for (f = 0; f < d->nfeat && d->group[f] != g; f++)
		;
	switch (gkind(d, g, &arg)) {
	case G_HOUR:
	case G_WEEKDAY:
	case G_WEEKEND:
		calendar(d, inc->created, &hour, &wday);
		if (g == 0) {
			char hh[3] = { (char)('0' + hour / 10 % 10),
				       (char)('0' + hour % 10), '\0' };
			o = append(buf, size, 0, "hour=");
			append(buf, size, o, hh);
		} else if (g == 1) {
			o = append(buf, size, 0, "weekday=");
			append(buf, size, o, days[wday]);
		} else {
			o = append(buf, size, 0, "weekend=");
			append(buf, size, o, wday >= 5 ? "yes" : "no");
		}
		return;
	case G_CAT:
		o = append(buf, size, 0, cat_names[arg]);
		o = append(buf, size, o, "=");
		append(buf, size, o, *inc->cat[arg] ? inc->cat[arg] : "(none)");
		return;
	default:
		/* One feature: its name and value. */
		tsp_num_format(round(x[f] * 1000) / 1000, num);
		o = append(buf, size, 0, d->name[f]);
		o = append(buf, size, o, "=");
		append(buf, size, o, num);
	}
}

void tsp_features_reason(const struct tsp_featdef *d,
			 const struct tsp_incidents *s, size_t inc,
			 const double *x, const double *contrib, int positive,
			 size_t n, char *buf, size_t size)
{
	double gc[512];
	size_t o = 0, ng = d->ngroup < 512 ? d->ngroup : 512, top[512], nt = 0;
	size_t want = n < ng ? n : ng;

	buf[0] = '\0';
	for (size_t g = 0; g < ng; g++)
		gc[g] = 0;
	/* a group's features are side by side: each run is summed in a
	   register (the same additions in the same order), not through
	   memory */
	for (size_t f = 0; f < d->nfeat;) {
		int g = d->group[f];
		double sum = 0;
		for (; f < d->nfeat && d->group[f] == g; f++)
			sum += contrib[f];
		if ((size_t)g < ng)
			gc[g] += sum;
	}
	/* the n groups that push most, largest first (the earlier of two
	   equal ones first), in one pass */
	for (size_t g = 0; g < ng; g++) {
		double v = positive ? gc[g] : -gc[g];
		size_t at;
		if (!(v > 0.005) || want == 0 ||
		    (nt == want && !(v > (positive ? gc[top[nt - 1]]
						   : -gc[top[nt - 1]]))))
			continue;
		at = nt < want ? nt++ : want - 1;
		for (; at > 0 && (positive ? gc[top[at - 1]]
					   : -gc[top[at - 1]]) < v; at--)
			top[at] = top[at - 1];
		top[at] = g;
	}
	for (size_t k = 0; k < nt && o < size; k++) {
		size_t best = top[k], lw, ln;
		char what[200], num[TSP_NUM_BUFSZ];
		show_group(d, s, inc, x, (int)best, what, sizeof(what));
		/* "; " what " " %+.2f, cut to the size as snprintf does */
		lw = strlen(what);
		ln = tsp_num_format_fixed2(gc[best], num);
		if (o + (k ? 2 : 0) + lw + 1 + ln < size) {
			if (k) {
				buf[o++] = ';';
				buf[o++] = ' ';
			}
			memcpy(buf + o, what, lw);
			o += lw;
			buf[o++] = ' ';
			memcpy(buf + o, num, ln + 1);
			o += ln;
		} else {
			o += (size_t)snprintf(buf + o, size - o, "%s%s %s",
					      k ? "; " : "", what, num);
		}
	}
}
