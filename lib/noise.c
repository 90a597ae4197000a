#include "tsp_noise.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "tsp_table.h"

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

static int cmp_row(const void *a, const void *b)
{
	const struct tsp_noise_row *x = a, *y = b;

	if (x->self_resolved != y->self_resolved)
		return x->self_resolved > y->self_resolved ? -1 : 1;
	return strcmp(x->service, y->service);
}

int tsp_noise_compute(const struct tsp_incidents *s, tsp_time_t flap,
		      struct tsp_noise_row **rows, size_t *n,
		      struct tsp_error *err)
{
	struct tsp_table svc, alert;
	struct tsp_noise_row *r = NULL;
	tsp_time_t *end = NULL;
	size_t *idx = malloc((s->n ? s->n : 1) * sizeof(*idx)), ns, rcap = 0;
	size_t ecap = 0;
	double *dur = malloc((s->n ? s->n : 1) * sizeof(*dur));
	long *svcof = malloc((s->n ? s->n : 1) * sizeof(*svcof));
	char key[600];
	int rc = 0;

	*rows = NULL;
	*n = 0;
	tsp_table_init(&svc);
	tsp_table_init(&alert);
	if (!idx || !dur || !svcof)
		goto nomem;
	tsp_incidents_by_time(s, idx);
	for (size_t k = 0; k < s->n; k++) {
		const struct tsp_incident *inc = &s->v[idx[k]];
		const char *name = inc->cat[0];
		size_t len = strlen(name), kl;
		int added;
		long i = tsp_table_get(&svc, name, len, &added), a;

		if (i < 0)
			goto nomem;
		if ((size_t)i >= rcap) {
			size_t nc = rcap ? rcap * 2 : 32;
			struct tsp_noise_row *nr = realloc(r, nc * sizeof(*nr));
			if (!nr)
				goto nomem;
			r = nr;
			rcap = nc;
		}
		if (added)
			memset(&r[i], 0, sizeof(r[i]));
		r[i].service = name;
		r[i].incidents++;
		svcof[idx[k]] = i;
		if (inc->label >= 0) {
			r[i].labelled++;
			r[i].self_resolved += (size_t)inc->label;
		}
		/* The alert: service and masked title. */
		memcpy(key, name, len < 80 ? len : 80);
		kl = len < 80 ? len : 80;
		key[kl++] = '\x1f';
		tsp_incident_title_key(*inc->title ? inc->title : inc->desc,
				       key + kl, sizeof(key) - kl);
		kl += strlen(key + kl);
		a = tsp_table_get(&alert, key, kl, &added);
		if (a < 0)
			goto nomem;
		if ((size_t)a >= ecap) {
			size_t nc = ecap ? ecap * 2 : 256;
			tsp_time_t *ne = realloc(end, nc * sizeof(*ne));
			if (!ne)
				goto nomem;
			end = ne;
			ecap = nc;
		}
		if (!added && inc->created - end[a] <= flap)
			r[i].flapping++;
		end[a] = inc->resolved != TSP_TIME_NONE ? inc->resolved
							: inc->created;
	}
	ns = tsp_table_count(&svc);
	for (size_t i = 0; i < ns; i++) {
		size_t m = 0;
		for (size_t k = 0; k < s->n; k++)
			if ((size_t)svcof[k] == i &&
			    s->v[k].resolved != TSP_TIME_NONE)
				dur[m++] = (double)(s->v[k].resolved -
						    s->v[k].created) / 1e9;
		qsort(dur, m, sizeof(*dur), cmp_double);
		r[i].median_resolve = m == 0 ? NAN : m % 2 ? dur[m / 2]
				      : dur[m / 2 - 1] / 2 + dur[m / 2] / 2;
		r[i].share = r[i].labelled ? (double)r[i].self_resolved /
					     (double)r[i].labelled : NAN;
	}
	if (ns > 0)
		qsort(r, ns, sizeof(*r), cmp_row);
	*rows = r;
	*n = ns;
	r = NULL;
	goto out;
nomem:
	rc = tsp_error_set(err, TSP_ENOMEM, "out of memory");
out:
	free(r);
	free(end);
	free(idx);
	free(dur);
	free(svcof);
	tsp_table_release(&svc);
	tsp_table_release(&alert);
	return rc;
}
