/*
 * History features: what the stream of earlier incidents says about a
 * new one.  Incidents come in creation order; an incident's label joins
 * its service's counts only once it is known (its resolution or
 * acknowledgement), through a heap of pending labels, so no feature ever
 * sees an outcome that lay in the incident's future.
 */
#include "tsp_features.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define HOUR (3600 * TSP_NS_PER_SEC)
#define DAY (24 * HOUR)
#define GAP_CAP_H 720.0		/* title_gap_hours: at most 30 days */

struct tsp_hist_svc {
	tsp_time_t *t;		/* creation times within the last day, */
	size_t head, n, cap;	/* a ring */
	double self, known;	/* labels known so far */
};

struct tsp_hist_pending {
	tsp_time_t known;
	uint32_t svc;
	int label;
};

void tsp_history_init(struct tsp_history *h)
{
	memset(h, 0, sizeof(*h));
	tsp_table_init(&h->svc);
	tsp_table_init(&h->title);
}

void tsp_history_release(struct tsp_history *h)
{
	for (size_t i = 0; h->s && i < tsp_table_count(&h->svc); i++)
		free(h->s[i].t);
	free(h->s);
	free(h->title_last);
	free(h->pend);
	tsp_table_release(&h->svc);
	tsp_table_release(&h->title);
	tsp_history_init(h);
}

static int oom(struct tsp_error *err)
{
	return tsp_error_set(err, TSP_ENOMEM, "out of memory");
}

/* The index of service key, adding it. */
static long service(struct tsp_history *h, const char *key, size_t len)
{
	int added;
	long i = tsp_table_get(&h->svc, key, len, &added);

	if (i < 0)
		return -1;
	if ((size_t)i >= h->scap) {
		size_t cap = h->scap ? h->scap * 2 : 64;
		struct tsp_hist_svc *ns = realloc(h->s, cap * sizeof(*ns));
		if (!ns)
			return -1;
		memset(ns + h->scap, 0, (cap - h->scap) * sizeof(*ns));
		h->s = ns;
		h->scap = cap;
	}
	return i;
}

static long title(struct tsp_history *h, const char *key, size_t len)
{
	int added;
	long i = tsp_table_get(&h->title, key, len, &added);

	if (i < 0)
		return -1;
	if ((size_t)i >= h->tcap) {
		size_t cap = h->tcap ? h->tcap * 2 : 256;
		double *nt = realloc(h->title_last, cap * sizeof(*nt));
		if (!nt)
			return -1;
		h->title_last = nt;
		h->tcap = cap;
	}
	if (added)
		h->title_last[i] = NAN;
	return i;
}

/* The heap of pending labels, ordered by known time. */
static int pend_push(struct tsp_history *h, tsp_time_t known, uint32_t svc,
		     int label)
{
	size_t i;

	if (h->npend == h->pcap) {
		size_t cap = h->pcap ? h->pcap * 2 : 256;
		struct tsp_hist_pending *np = realloc(h->pend,
						      cap * sizeof(*np));
		if (!np)
			return -1;
		h->pend = np;
		h->pcap = cap;
	}
	i = h->npend++;
	while (i > 0 && h->pend[(i - 1) / 2].known > known) {
		h->pend[i] = h->pend[(i - 1) / 2];
		i = (i - 1) / 2;
	}
	h->pend[i] = (struct tsp_hist_pending){ known, svc, label };
	return 0;
}

static void pend_pop(struct tsp_history *h)
{
	struct tsp_hist_pending last = h->pend[--h->npend];
	size_t i = 0;

	for (;;) {
		size_t c = 2 * i + 1;
		if (c >= h->npend)
			break;
		if (c + 1 < h->npend && h->pend[c + 1].known < h->pend[c].known)
			c++;
		if (h->pend[c].known >= last.known)
			break;
		h->pend[i] = h->pend[c];
		i = c;
	}
	if (h->npend > 0)
		h->pend[i] = last;
}

/* Labels known by time t join their service's counts. */
static void settle(struct tsp_history *h, tsp_time_t t)
{
	while (h->npend > 0 && h->pend[0].known <= t) {
		struct tsp_hist_svc *s = &h->s[h->pend[0].svc];
		s->known += 1;
		s->self += h->pend[0].label;
		pend_pop(h);
	}
}

static int ring_push(struct tsp_hist_svc *s, tsp_time_t t)
{
	if (s->n == s->cap) {
		size_t cap = s->cap ? s->cap * 2 : 16;
		tsp_time_t *nt = malloc(cap * sizeof(*nt));
		if (!nt)
			return -1;
		for (size_t k = 0; k < s->n; k++)
			nt[k] = s->t[(s->head + k) % s->cap];
		free(s->t);
		s->t = nt;
		s->head = 0;
		s->cap = cap;
	}
	s->t[(s->head + s->n) % s->cap] = t;
	s->n++;
	return 0;
}

/* Incidents of s created in (t - w, t]. */
static double count_since(const struct tsp_hist_svc *s, tsp_time_t t,
			  tsp_time_t w)
{
	double c = 0;

	/* newest first; (head + k - 1) % cap without a division: head <
	   cap and k <= n <= cap */
	for (size_t k = s->n; k > 0; k--) {
		size_t at = s->head + k - 1;
		tsp_time_t u = s->t[at >= s->cap ? at - s->cap : at];
		if (u <= t - w)
			break;
		if (u <= t)
			c++;
	}
	return c;
}

int tsp_history_next(struct tsp_history *h, const struct tsp_incident *inc,
		     double *out, struct tsp_error *err)
{
	const char *svc = inc->cat[0];
	char key[512];
	size_t klen;
	long si, ti;
	struct tsp_hist_svc *s;

	settle(h, inc->created);
	si = service(h, svc, strlen(svc));
	if (si < 0)
		return oom(err);
	s = &h->s[si];
	/* Forget what fell out of the last day. */
	while (s->n > 0 && s->t[s->head] <= inc->created - DAY) {
		s->head = (s->head + 1) % s->cap;
		s->n--;
	}
	out[0] = count_since(s, inc->created, HOUR);
	out[1] = count_since(s, inc->created, DAY);
	out[2] = (s->self + 1) / (s->known + 2);
	klen = tsp_incident_title_key(*inc->title ? inc->title : inc->desc, key,
			  sizeof(key));
	ti = title(h, key, klen);
	if (ti < 0)
		return oom(err);
	out[3] = GAP_CAP_H;
	if (!isnan(h->title_last[ti])) {
		double gap = ((double)inc->created / 1e9 - h->title_last[ti]) /
			     3600.0;
		out[3] = gap < 0 ? 0 : gap > GAP_CAP_H ? GAP_CAP_H : gap;
	}
	h->title_last[ti] = (double)inc->created / 1e9;
	if (ring_push(s, inc->created) < 0)
		return oom(err);
	if (inc->label >= 0 && inc->known != TSP_TIME_NONE &&
	    pend_push(h, inc->known, (uint32_t)si, inc->label) < 0)
		return oom(err);
	return 0;
}

/* ---- saving -------------------------------------------------------- */

int tsp_history_save(struct tsp_history *h, struct tsp_params *p,
		     struct tsp_error *err)
{
	size_t ns = tsp_table_count(&h->svc), nt = tsp_table_count(&h->title);
	double latest = -INFINITY, *stats, *times = NULL, *tl;
	size_t ntimes = 0, *off;
	char name[64];
	int rc = 0;

	settle(h, INT64_MAX);
	for (size_t i = 0; i < ns; i++)
		for (size_t k = 0; k < h->s[i].n; k++) {
			double u = (double)h->s[i].t[(h->s[i].head + k) %
						      h->s[i].cap] / 1e9;
			if (u > latest)
				latest = u;
			ntimes++;
		}
	stats = malloc((3 * ns + 1) * sizeof(*stats));
	times = malloc((ntimes + 1) * sizeof(*times));
	tl = malloc((nt + 1) * sizeof(*tl));
	off = malloc((ns + 1) * sizeof(*off));
	if (!stats || !times || !tl || !off) {
		rc = oom(err);
		goto out;
	}
	/* Per service: name, then [self, known, recent times...]. */
	ntimes = 0;
	for (size_t i = 0; i < ns && rc == 0; i++) {
		size_t len;
		const char *key = tsp_table_key(&h->svc, i, &len);
		char *z = malloc(len + 1);
		if (!z) {
			rc = oom(err);
			break;
		}
		memcpy(z, key, len);
		z[len] = '\0';
		snprintf(name, sizeof(name), "svc.%zu", i);
		rc = tsp_params_str(p, name, z, err);
		free(z);
		stats[2 * i] = h->s[i].self;
		stats[2 * i + 1] = h->s[i].known;
		off[i] = ntimes;
		for (size_t k = 0; k < h->s[i].n; k++) {
			double u = (double)h->s[i].t[(h->s[i].head + k) %
						      h->s[i].cap] / 1e9;
			if (u > latest - 86400)
				times[ntimes++] = u;
		}
		stats[2 * ns + i] = (double)(ntimes - off[i]);
	}
	if (rc == 0)
		rc = tsp_params_nums(p, "svc_stats", stats, 3 * ns, err);
	if (rc == 0)
		rc = tsp_params_nums(p, "svc_times", times, ntimes, err);
	/* Titles seen in the last 30 days. */
	size_t kept = 0;
	for (size_t i = 0; i < nt && rc == 0; i++) {
		size_t len;
		const char *key = tsp_table_key(&h->title, i, &len);
		char *z;
		if (!(h->title_last[i] > latest - GAP_CAP_H * 3600))
			continue;
		z = malloc(len + 1);
		if (!z) {
			rc = oom(err);
			break;
		}
		memcpy(z, key, len);
		z[len] = '\0';
		snprintf(name, sizeof(name), "title.%zu", kept);
		rc = tsp_params_str(p, name, z, err);
		free(z);
		tl[kept++] = h->title_last[i];
	}
	if (rc == 0)
		rc = tsp_params_nums(p, "title_times", tl, kept, err);
out:
	free(stats);
	free(times);
	free(tl);
	free(off);
	return rc;
}

static int corrupt(struct tsp_error *err, const char *what)
{
	return tsp_error_set(err, TSP_EDATA, "corrupt history entry (%s)",
			     what);
}

int tsp_history_load(struct tsp_history *h, const unsigned char *buf,
		     size_t len, struct tsp_error *err)
{
	struct tsp_param stats, times, tl, it;
	size_t pos = 0, ns = 0, nt = 0, used = 0;
	int rc;

	if (tsp_params_find(buf, len, "svc_stats", &stats) != 1 ||
	    stats.type != TSP_PARAM_NUMS || stats.n % 3 ||
	    tsp_params_find(buf, len, "svc_times", &times) != 1 ||
	    times.type != TSP_PARAM_NUMS ||
	    tsp_params_find(buf, len, "title_times", &tl) != 1 ||
	    tl.type != TSP_PARAM_NUMS)
		return corrupt(err, "counts");
	while ((rc = tsp_params_next(buf, len, &pos, &it)) == 1) {
		if (it.type != TSP_PARAM_STR)
			continue;
		if (it.namelen > 4 && memcmp(it.name, "svc.", 4) == 0) {
			long i = service(h, it.str, it.n);
			double self, known, cnt;
			if (i < 0)
				return oom(err);
			if ((size_t)i != ns || ns >= stats.n / 3)
				return corrupt(err, "services");
			self = tsp_param_at(&stats, 2 * ns);
			known = tsp_param_at(&stats, 2 * ns + 1);
			cnt = tsp_param_at(&stats, 2 * (stats.n / 3) + ns);
			if (!(self >= 0 && known >= self && cnt >= 0 &&
			      cnt <= (double)(times.n - used)))
				return corrupt(err, "service counts");
			h->s[i].self = self;
			h->s[i].known = known;
			for (size_t k = 0; k < (size_t)cnt; k++) {
				double u = tsp_param_at(&times, used++);
				if (!(fabs(u) < 9e9) ||
				    ring_push(&h->s[i], (tsp_time_t)(u * 1e9)) < 0)
					return corrupt(err, "times");
			}
			ns++;
		} else if (it.namelen > 6 && memcmp(it.name, "title.", 6) == 0) {
			long i = title(h, it.str, it.n);
			if (i < 0)
				return oom(err);
			if (nt >= tl.n)
				return corrupt(err, "titles");
			h->title_last[i] = tsp_param_at(&tl, nt++);
		}
	}
	if (rc < 0 || ns != stats.n / 3 || nt != tl.n)
		return corrupt(err, "entries");
	return 0;
}

int tsp_features_history(struct tsp_history *h, const struct tsp_incidents *s,
			 double *hist, struct tsp_error *err)
{
	size_t *idx = malloc((s->n ? s->n : 1) * sizeof(*idx));

	if (!idx)
		return oom(err);
	tsp_incidents_by_time(s, idx);
	for (size_t k = 0; k < s->n; k++)
		if (tsp_history_next(h, &s->v[idx[k]],
				     hist + idx[k] * TSP_FEAT_HISTORY,
				     err) < 0) {
			free(idx);
			return -1;
		}
	free(idx);
	return 0;
}
