#include "tsp_pagerduty.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "tsp_json.h"
#include "tsp_table.h"

/* Each record field and where it is in the incident object. */
static const struct {
	const char *name, *path;
} fields[TSP_PD_NFIELDS] = {
	{ "id", "id" },
	{ "incident_number", "incident_number" },
	{ "title", "title" },
	{ "description", "description" },
	{ "status", "status" },
	{ "urgency", "urgency" },
	{ "priority", "priority.summary" },
	{ "service", "service.summary" },
	{ "service_id", "service.id" },
	{ "escalation_policy", "escalation_policy.summary" },
	{ "assignee", "assignments.0.assignee.summary" },
	{ "created_at", "created_at" },
	{ "last_status_change_at", "last_status_change_at" },
	{ "last_status_change_by", "last_status_change_by.summary" },
	{ "last_status_change_by_type", "last_status_change_by.type" },
	{ "resolved_at", "resolved_at" },
	{ "acknowledged_at", "acknowledgements.0.at" },
	{ "alert_counts_all", "alert_counts.all" },
	{ "alert_counts_triggered", "alert_counts.triggered" },
	{ "alert_counts_resolved", "alert_counts.resolved" },
	{ "incident_key", "incident_key" },
	{ "html_url", "html_url" },
};

const char *tsp_pd_field_name(int i)
{
	return fields[i].name;
}

void tsp_pd_page_init(struct tsp_pd_page *pg)
{
	memset(pg, 0, sizeof(*pg));
	tsp_jdoc_init(&pg->doc);
}

void tsp_pd_page_release(struct tsp_pd_page *pg)
{
	tsp_jdoc_release(&pg->doc);
	free(pg->body);
	free(pg->inc);
	free(pg->arena);
	tsp_pd_page_init(pg);
}

int tsp_pd_page_parse(struct tsp_pd_page *pg, char *body, size_t len,
		      struct tsp_error *err)
{
	struct tsp_jdoc *d = &pg->doc;
	int arr, more, k;
	size_t ml;
	const char *m;

	tsp_pd_page_release(pg);
	pg->body = body;
	if (tsp_jdoc_parse(d, body, len, err) < 0)
		return -1;
	arr = tsp_jdoc_member(d, 0, "incidents");
	if (tsp_jdoc_type(d, arr) != TSP_J_ARRAY)
		return tsp_error_set(err, TSP_EDATA, "not a PagerDuty "
				     "incidents page (no incidents array)");
	more = tsp_jdoc_member(d, 0, "more");
	m = tsp_jdoc_raw(d, more, &ml);
	pg->more = ml == 4 && memcmp(m, "true", 4) == 0;
	pg->n = tsp_jdoc_size(d, arr);
	if (!(pg->inc = malloc((size_t)(pg->n + 1) * sizeof(int))) ||
	    !(pg->arena = malloc(len + 1)))
		return tsp_error_set(err, TSP_ENOMEM, "out of memory");
	k = arr + 1;
	for (int i = 0; i < pg->n; i++, k = tsp_jdoc_next(d, k))
		pg->inc[i] = k;
	return 0;
}

/* The token at a dotted path ("a.0.b") from token t, or -1. */
static int walk(const struct tsp_jdoc *d, int t, const char *path)
{
	char seg[64];

	while (t >= 0 && *path) {
		size_t n = strcspn(path, ".");
		if (n >= sizeof(seg))
			return -1;
		memcpy(seg, path, n);
		seg[n] = '\0';
		path += n + (path[n] == '.');
		if (tsp_jdoc_type(d, t) == TSP_J_ARRAY) {
			int i = atoi(seg), e = t + 1;
			if (i >= tsp_jdoc_size(d, t))
				return -1;
			while (i-- > 0)
				e = tsp_jdoc_next(d, e);
			t = e;
		} else {
			t = tsp_jdoc_member(d, t, seg);
		}
	}
	return t;
}

int tsp_pd_page_record(struct tsp_pd_page *pg, int k,
		       const struct tsp_field **f, struct tsp_error *err)
{
	const struct tsp_jdoc *d = &pg->doc;
	char *a = pg->arena;
	int inc = pg->inc[k];

	if (tsp_jdoc_type(d, inc) != TSP_J_OBJECT)
		return tsp_error_set(err, TSP_EDATA, "incident %d of the page "
				     "is not an object", k + 1);
	for (int i = 0; i < TSP_PD_NFIELDS; i++) {
		struct tsp_field *out = &pg->f[i];
		int t = walk(d, inc, fields[i].path);
		size_t rl;
		const char *raw = tsp_jdoc_raw(d, t, &rl);
		long ul;

		if (!(out->name = tsp_intern(fields[i].name,
					     strlen(fields[i].name))))
			return tsp_error_set(err, TSP_ENOMEM, "out of memory");
		out->flags = 0;
		switch (t < 0 ? TSP_J_NONE : tsp_jdoc_type(d, t)) {
		case TSP_J_STRING:
			if ((ul = tsp_json_unescape(raw, rl, a)) < 0)
				return tsp_error_set(err, TSP_EDATA, "bad "
					"string escape in incident %d of the "
					"page", k + 1);
			out->type = TSP_T_STRING;
			out->val = a;
			out->len = (uint32_t)ul;
			a += ul + 1;
			break;
		case TSP_J_PRIMITIVE:
			if (!tsp_jdoc_null(d, t)) {
				out->type = raw[0] == 't' || raw[0] == 'f' ?
					    TSP_T_BOOL : TSP_T_JSONNUM;
				out->flags = TSP_FF_PLAIN;
				memcpy(a, raw, rl);
				a[rl] = '\0';
				out->val = a;
				out->len = (uint32_t)rl;
				a += rl + 1;
				break;
			}
			/* fall through */
		default:	/* absent, null, or not a scalar */
			out->type = TSP_T_NULL;
			out->val = "";
			out->len = 0;
		}
	}
	*f = pg->f;
	return 0;
}

/* ---- the fetch ------------------------------------------------------- */

struct window {
	struct window *next;
	tsp_time_t since, until;
};

struct pdrun {
	const struct tsp_pd_opts *o;
	const struct tsp_pd_events *ev;
	struct tsp_http *http;
	struct tsp_table seen;
	uint64_t rng;
	size_t pages, incidents;
	struct tsp_pd_page *held;	/* the pages of the current window */
	size_t nheld, capheld;
};

static void fmt_time(tsp_time_t t, char *buf)
{
	static const struct tsp_timefmt rfc = { TSP_TIME_RFC3339, 0, 1, 0 };

	tsp_time_format(t, &rfc, buf);
}

static void window_name(const struct window *w, char *buf, size_t n)
{
	char a[TSP_TIME_BUFSZ], b[TSP_TIME_BUFSZ];

	fmt_time(w->since, a);
	fmt_time(w->until, b);
	snprintf(buf, n, "incidents from %s to %s", a, b);
}

static void pd_note(struct pdrun *r, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static void pd_note(struct pdrun *r, const char *fmt, ...)
{
	char msg[1024];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	tsp_http_redact(r->http, msg, sizeof(msg));
	r->ev->note(r->ev->ctx, msg);
}

/* PagerDuty's error object, or the start of the body. */
static void pd_describe(const struct tsp_http_resp *resp, char *buf, size_t n)
{
	struct tsp_jdoc d;
	struct tsp_error e;
	char *msg = NULL, *detail = NULL, q[80];
	size_t l = 0;

	tsp_jdoc_init(&d);
	if (tsp_jdoc_parse(&d, resp->body, resp->len, &e) == 0) {
		int eo = tsp_jdoc_member(&d, 0, "error");
		msg = tsp_jdoc_strdup(&d, walk(&d, eo, "message"), NULL);
		detail = tsp_jdoc_strdup(&d, walk(&d, eo, "errors.0"), NULL);
	}
	tsp_jdoc_release(&d);
	while (l < resp->len && resp->body[l] != '\n' && resp->body[l] != '\r')
		l++;
	if (msg)
		snprintf(buf, n, "HTTP %ld: %s%s%s", resp->status, msg,
			 detail ? ": " : "", detail ? detail : "");
	else if (l)
		snprintf(buf, n, "HTTP %ld: %s", resp->status,
			 tsp_quote(q, sizeof(q), resp->body, l));
	else
		snprintf(buf, n, "HTTP %ld", resp->status);
	free(msg);
	free(detail);
}

static char *page_url(const struct pdrun *r, const struct window *w,
		      long offset)
{
	char a[TSP_TIME_BUFSZ], b[TSP_TIME_BUFSZ];
	size_t ul = strlen(r->o->url), n = ul + 2 * TSP_TIME_BUFSZ + 200;
	char *u = malloc(n);

	while (ul && r->o->url[ul - 1] == '/')
		ul--;
	fmt_time(w->since, a);
	fmt_time(w->until, b);
	/* ':' in the times is allowed in a query string */
	if (u)
		snprintf(u, n, "%.*s/incidents?since=%s&until=%s&limit=%d"
			 "&offset=%ld&total=false&time_zone=UTC"
			 "&sort_by=created_at%%3Aasc", (int)ul, r->o->url, a, b,
			 TSP_PD_LIMIT, offset);
	return u;
}

/* One page, retried as needed: 0 and pg filled, or -1 with err set. */
static int get_page(struct pdrun *r, const struct window *w, long offset,
		    struct tsp_pd_page *pg, struct tsp_error *err)
{
	char *url = page_url(r, w, offset), name[160], what[512];
	struct tsp_http_resp resp;
	tsp_time_t delay = 0;
	int rc = -1;

	window_name(w, name, sizeof(name));
	if (!url)
		return tsp_error_set(err, TSP_ENOMEM, "out of memory");
	for (int attempt = 1;; attempt++) {
		if (tsp_http_submit(r->http, url, NULL, delay, NULL, err) < 0 ||
		    tsp_http_wait(r->http, &resp, err) < 0)
			goto out;
		if (resp.failed)
			snprintf(what, sizeof(what), "%s", resp.msg);
		else if (resp.status != 200)
			pd_describe(&resp, what, sizeof(what));
		if (!tsp_http_retry(&resp))
			break;
		free(resp.body);
		if (attempt > r->o->retries) {
			tsp_error_set(err, TSP_EDATA, "%s, offset %ld: %s (gave "
				      "up after %d attempts)", name, offset,
				      what, attempt);
			goto out;
		}
		pd_note(r, "%s, offset %ld: %s; retry %d of %d", name, offset,
			what, attempt, r->o->retries);
		delay = tsp_http_backoff(attempt, r->o->backoff,
					 resp.retry_after, &r->rng);
	}
	if (resp.failed || resp.status != 200) {
		free(resp.body);
		tsp_error_set(err, TSP_EDATA, "%s, offset %ld: %s", name,
			      offset, what);
		goto out;
	}
	if (tsp_pd_page_parse(pg, resp.body, resp.len, err) < 0) {
		snprintf(what, sizeof(what), "%s", err->msg);
		tsp_error_set(err, TSP_EDATA, "%s, offset %ld: %s", name,
			      offset, what);
		goto out;
	}
	r->pages++;
	rc = 0;
out:
	tsp_http_redact(r->http, err->msg, sizeof(err->msg));
	free(url);
	return rc;
}

static void drop_held(struct pdrun *r)
{
	for (size_t i = 0; i < r->nheld; i++)
		tsp_pd_page_release(&r->held[i]);
	r->nheld = 0;
}

/* Write the held pages' incidents, each id once. */
static int emit_held(struct pdrun *r, struct tsp_error *err)
{
	for (size_t i = 0; i < r->nheld; i++) {
		struct tsp_pd_page *pg = &r->held[i];
		for (int k = 0; k < pg->n; k++) {
			const struct tsp_field *f;
			int added;
			if (tsp_pd_page_record(pg, k, &f, err) < 0)
				return -1;
			if (tsp_table_get(&r->seen, f[0].val, f[0].len,
					  &added) < 0)
				return tsp_error_set(err, TSP_ENOMEM,
						     "out of memory");
			if (!added)
				continue;
			if (r->ev->incident(r->ev->ctx, f, TSP_PD_NFIELDS,
					    err) < 0)
				return -1;
			r->incidents++;
		}
	}
	drop_held(r);
	return 0;
}

/* Fetch window w's pages into r->held: 1 done, 0 when it must be split,
 * -1 on failure. */
static int fetch_window(struct pdrun *r, const struct window *w,
			struct tsp_error *err)
{
	long offset = 0;

	for (;;) {
		struct tsp_pd_page *pg;
		if (r->nheld == r->capheld) {
			size_t nc = r->capheld ? 2 * r->capheld : 16;
			void *np = realloc(r->held, nc * sizeof(*r->held));
			if (!np)
				return tsp_error_set(err, TSP_ENOMEM,
						     "out of memory");
			r->held = np;
			r->capheld = nc;
		}
		pg = &r->held[r->nheld];
		tsp_pd_page_init(pg);
		if (get_page(r, w, offset, pg, err) < 0) {
			tsp_pd_page_release(pg);
			return -1;
		}
		r->nheld++;
		if (r->ev->progress)
			r->ev->progress(r->ev->ctx, r->pages, r->incidents);
		if (!pg->more)
			return 1;
		if (pg->n == 0)
			return tsp_error_set(err, TSP_EDATA, "PagerDuty says "
					     "there are more incidents but sent "
					     "none at offset %ld", offset);
		offset += pg->n;
		if (offset >= TSP_PD_MAX_OFFSET)
			return 0;
	}
}

int tsp_pd_run(const struct tsp_pd_opts *o, const struct tsp_pd_events *ev,
	       struct tsp_error *err)
{
	struct pdrun r;
	struct window *head = NULL, **tail = &head;
	struct tsp_http_opts hopts = o->http;
	const char *hdrs[64];
	int rc = -1;

	memset(&r, 0, sizeof(r));
	r.o = o;
	r.ev = ev;
	r.rng = (uint64_t)time(NULL) ^ ((uint64_t)getpid() << 32) ^ 1;
	tsp_table_init(&r.seen);
	if (o->http.nheaders > 62) {
		tsp_error_set(err, TSP_EUSAGE, "too many headers");
		goto out;
	}
	/* the API version rides on the Accept header */
	hdrs[0] = "Accept: application/vnd.pagerduty+json;version=2";
	for (size_t i = 0; i < o->http.nheaders; i++)
		hdrs[i + 1] = o->http.headers[i];
	hopts.headers = hdrs;
	hopts.nheaders = o->http.nheaders + 1;
	if (!(r.http = tsp_http_new(&hopts, err)))
		goto out;
	for (tsp_time_t t = o->since; t < o->until;) {
		struct window *w = calloc(1, sizeof(*w));
		if (!w) {
			tsp_error_set(err, TSP_ENOMEM, "out of memory");
			goto out;
		}
		w->since = t;
		w->until = o->window > 0 && o->until - t > o->window ?
			   t + o->window : o->until;
		t = w->until;
		*tail = w;
		tail = &w->next;
	}
	while (head) {
		struct window *w = head, *b;
		char name[160];
		int got = fetch_window(&r, w, err);
		if (got < 0)
			goto out;
		if (got == 1) {
			if (emit_held(&r, err) < 0)
				goto out;
			head = w->next;
			free(w);
			continue;
		}
		/* Too many to page through: halves, to the second. */
		drop_held(&r);
		window_name(w, name, sizeof(name));
		if (w->until - w->since < 2 * TSP_NS_PER_SEC ||
		    !(b = calloc(1, sizeof(*b)))) {
			tsp_error_set(err, TSP_EDATA, "%s: more than %d "
				      "incidents, and the window cannot be "
				      "split", name, TSP_PD_MAX_OFFSET);
			goto out;
		}
		pd_note(&r, "%s: more than %d incidents; splitting the window",
			name, TSP_PD_MAX_OFFSET);
		b->since = w->since + (w->until - w->since) / 2 / TSP_NS_PER_SEC *
			   TSP_NS_PER_SEC;
		b->until = w->until;
		b->next = w->next;
		w->until = b->since;
		w->next = b;
	}
	rc = 0;
out:
	while (head) {
		struct window *w = head;
		head = w->next;
		free(w);
	}
	drop_held(&r);
	free(r.held);
	tsp_table_release(&r.seen);
	tsp_http_free(r.http);
	return rc;
}
