#include "tsp_fetch.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "tsp_fetchcache.h"

enum state { PENDING, RUNNING, DONE, FAILED };

struct node {
	struct node *next;
	struct tsp_fetch_chunk ch;
	enum state state;
	int attempts;		/* requests made */
	int cache_tried;
	struct tsp_prom_result res;
	struct tsp_error err;	/* FAILED: why */
};

struct run {
	const struct tsp_fetch_opts *o;
	const struct tsp_fetch_events *ev;
	struct tsp_http *http;
	struct tsp_fcache cache;
	int use_cache;
	char *endpoint;
	struct node *head;
	size_t running;
	struct tsp_fetch_progress p;
	uint64_t rng;
	char **seen;		/* warnings already relayed */
	size_t nseen;
};

void tsp_fetch_chunk_name(const struct tsp_fetch_chunk *ch, char *buf,
			  size_t n)
{
	static const struct tsp_timefmt rfc = { TSP_TIME_RFC3339, 0, 1, 0 };
	char a[TSP_TIME_BUFSZ], b[TSP_TIME_BUFSZ];

	tsp_time_format(ch->c.start, &rfc, a);
	tsp_time_format(ch->c.end, &rfc, b);
	snprintf(buf, n, "chunk %d/%d (%s to %s)", ch->id, ch->of, a, b);
}

char *tsp_fetch_cache_key(const struct tsp_fetch_opts *o,
			  const struct tsp_prom_chunk *c)
{
	size_t n = strlen(o->url) + strlen(o->query) + 200;
	char *k, *p;
	int w;

	for (size_t i = 0; i < o->http.nheaders; i++)
		n += strlen(o->http.headers[i]) + 8;
	if (o->http.user)
		n += strlen(o->http.user) + 8;
	if (!(k = malloc(n)))
		return NULL;
	w = snprintf(k, n, "tsfetch query_range 1\nurl %s\nquery %s\n"
		     "start %lld\nend %lld\nstep %lld\nlookback %lld\n",
		     o->url, o->query, (long long)c->start, (long long)c->end,
		     (long long)o->step, (long long)o->lookback);
	p = k + w;
	for (size_t i = 0; i < o->http.nheaders; i++)
		p += sprintf(p, "header %s\n", o->http.headers[i]);
	if (o->http.user)
		sprintf(p, "user %s\n", o->http.user);
	return k;
}

static void note(struct run *r, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static void note(struct run *r, const char *fmt, ...)
{
	char msg[1024];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	tsp_http_redact(r->http, msg, sizeof(msg));
	r->ev->note(r->ev->ctx, msg);
}

/*
 * Chunk n failed for good: n->err gets "chunk ...: " and the reason.  The
 * run ends when n reaches the head of the list, so the chunks before it
 * are still delivered.  Returns 0.
 */
static int fail(struct run *r, struct node *n, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static int fail(struct run *r, struct node *n, const char *fmt, ...)
{
	char name[128], why[sizeof(n->err.msg)];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(why, sizeof(why), fmt, ap);
	va_end(ap);
	tsp_fetch_chunk_name(&n->ch, name, sizeof(name));
	tsp_error_set(&n->err, TSP_EDATA, "%s: %s", name, why);
	tsp_http_redact(r->http, n->err.msg, sizeof(n->err.msg));
	n->state = FAILED;
	return 0;
}

static int cacheable(const struct run *r, const struct node *n)
{
	const struct tsp_fetch_opts *o = r->o;
	tsp_time_t lb = o->lookback > 0 ? o->lookback : TSP_FETCH_LOOKBACK;

	return r->use_cache && n->ch.c.end <= o->now - lb - TSP_FETCH_SETTLE;
}

/* Relay the warnings of a result, each text once per run. */
static void relay_warnings(struct run *r, const struct node *n)
{
	char name[128];

	tsp_fetch_chunk_name(&n->ch, name, sizeof(name));
	for (size_t i = 0; i < n->res.nwarnings; i++) {
		const char *w = n->res.warnings[i];
		size_t k;
		char **ns;
		for (k = 0; k < r->nseen && strcmp(r->seen[k], w); k++)
			;
		if (k < r->nseen)
			continue;
		note(r, "%s: warning from the server: %s", name, w);
		if ((ns = realloc(r->seen, (r->nseen + 1) * sizeof(*ns))) &&
		    (ns[r->nseen] = strdup(w))) {
			r->seen = ns;
			r->nseen++;
		} else if (ns) {
			r->seen = ns;
		}
	}
}

/* Try the cache for n: 1 if n is now done from it, 0 if not (a miss,
 * or an entry that is damaged or unusable: noted), -1 out of memory. */
static int from_cache(struct run *r, struct node *n, struct tsp_error *err)
{
	char *key, *data = NULL;
	size_t len;
	int rc;
	struct tsp_error e;

	n->cache_tried = 1;
	if (!cacheable(r, n))
		return 0;
	if (!(key = tsp_fetch_cache_key(r->o, &n->ch.c)))
		return tsp_error_set(err, TSP_ENOMEM, "out of memory");
	tsp_error_clear(&e);
	rc = tsp_fcache_get(&r->cache, key, strlen(key), &data, &len, &e);
	free(key);
	if (rc == TSP_FCACHE_CORRUPT || rc < 0) {
		note(r, "%s; fetching it again", e.msg);
		return 0;
	}
	if (rc != TSP_FCACHE_HIT)
		return 0;
	if (tsp_prom_parse(&n->res, data, len, &n->ch.c, &e) < 0 ||
	    !n->res.success) {
		note(r, "unusable cache entry for chunk %d/%d; fetching it "
		     "again", n->ch.id, n->ch.of);
		tsp_prom_result_release(&n->res);
		return 0;
	}
	n->ch.cached = 1;
	n->state = DONE;
	r->p.cache_hits++;
	return 1;
}

static int submit(struct run *r, struct node *n, tsp_time_t delay,
		  struct tsp_error *err)
{
	char *form = tsp_prom_form(r->o->query, &n->ch.c, r->o->step,
				   r->o->lookback);
	int rc;

	if (!form)
		return tsp_error_set(err, TSP_ENOMEM, "out of memory");
	rc = tsp_http_submit(r->http, r->endpoint, form, delay, n, err);
	free(form);
	if (rc < 0)
		return -1;
	n->state = RUNNING;
	n->attempts++;
	r->running++;
	r->p.requests++;
	return 0;
}

/* What an HTTP error answer says, for a message: the API's error, or the
 * start of the body. */
static void describe(const struct tsp_http_resp *resp, char *buf, size_t n)
{
	struct tsp_prom_result pr;
	struct tsp_error e;
	char *copy = malloc(resp->len + 1);
	char q[80];
	size_t l = 0;

	tsp_prom_result_init(&pr);
	if (copy) {
		memcpy(copy, resp->body, resp->len + 1);
		if (tsp_prom_parse(&pr, copy, resp->len, NULL, &e) == 0 &&
		    !pr.success) {
			snprintf(buf, n, "HTTP %ld: %s: %s", resp->status,
				 pr.error_type, pr.error);
			tsp_prom_result_release(&pr);
			return;
		}
		tsp_prom_result_release(&pr);
	}
	while (l < resp->len && resp->body[l] != '\n' && resp->body[l] != '\r')
		l++;
	if (l)
		snprintf(buf, n, "HTTP %ld: %s", resp->status,
			 tsp_quote(q, sizeof(q), resp->body, l));
	else
		snprintf(buf, n, "HTTP %ld", resp->status);
}

/* Split n in two pending nodes (n becomes the first half). */
static int split(struct run *r, struct node *n, struct tsp_error *err)
{
	struct node *b = calloc(1, sizeof(*b));
	struct tsp_prom_chunk ca, cb;

	if (!b)
		return tsp_error_set(err, TSP_ENOMEM, "out of memory");
	tsp_prom_split(&n->ch.c, r->o->step, &ca, &cb);
	b->ch = n->ch;
	b->ch.c = cb;
	b->next = n->next;
	n->next = b;
	n->ch.c = ca;
	n->state = PENDING;
	n->attempts = 0;
	n->cache_tried = 0;
	tsp_prom_result_release(&n->res);
	r->p.total++;
	return 0;
}

static int handle(struct run *r, struct node *n, struct tsp_http_resp *resp,
		  struct tsp_error *err)
{
	struct tsp_error e;
	char what[512], name[128];

	r->running--;
	tsp_fetch_chunk_name(&n->ch, name, sizeof(name));
	if (tsp_http_retry(resp)) {
		if (resp->failed)
			snprintf(what, sizeof(what), "%s", resp->msg);
		else
			describe(resp, what, sizeof(what));
		free(resp->body);
		if (n->attempts > r->o->retries)
			return fail(r, n, "%s (gave up after %d attempt%s)",
				    what, n->attempts, n->attempts > 1 ? "s" : "");
		note(r, "%s: %s; retry %d of %d", name, what, n->attempts,
		     r->o->retries);
		return submit(r, n, tsp_http_backoff(n->attempts,
			      r->o->backoff, resp->retry_after, &r->rng), err);
	}
	if (resp->failed) {
		free(resp->body);
		return fail(r, n, "%s", resp->msg);
	}
	if (resp->status != 200)
		describe(resp, what, sizeof(what));
	if (tsp_prom_parse(&n->res, resp->body, resp->len, &n->ch.c, &e) < 0) {
		const char *b = n->res.body;
		size_t l = strspn(b, " \t\r\n");
		if (resp->status != 200)
			return fail(r, n, "%s", what);
		if (b[l] != '{' && b[l] != '[') {
			/* a login page, a proxy's message: show its start */
			char q[80];
			size_t k = strcspn(b + l, "\r\n");
			return fail(r, n, "the answer is not JSON: %s",
				    tsp_quote(q, sizeof(q), b + l, k));
		}
		return fail(r, n, "%s", e.msg);
	}
	if (!n->res.success) {
		if (tsp_prom_too_big(&n->res) && n->ch.c.points > 1) {
			note(r, "%s: %s; splitting it in two", name,
			     n->res.error);
			return split(r, n, err);
		}
		return fail(r, n, "%s: %s", n->res.error_type,
			    n->res.error);
	}
	if (resp->status != 200)
		return fail(r, n, "HTTP %ld with a success response",
			    resp->status);
	relay_warnings(r, n);
	if (cacheable(r, n) && n->res.nwarnings == 0) {
		char *key = tsp_fetch_cache_key(r->o, &n->ch.c);
		tsp_error_clear(&e);
		if (!key)
			return tsp_error_set(err, TSP_ENOMEM, "out of memory");
		if (tsp_fcache_put(&r->cache, key, strlen(key), n->res.body,
				   resp->len, &e) < 0)
			note(r, "%s", e.msg);
		free(key);
	}
	n->state = DONE;
	return 0;
}

/* Deliver the done chunks at the head of the list. */
static int deliver(struct run *r, struct tsp_error *err)
{
	while (r->head && r->head->state != PENDING &&
	       r->head->state != RUNNING) {
		struct node *n = r->head;
		if (n->state == FAILED) {
			*err = n->err;
			return -1;
		}
		if (r->ev->chunk(r->ev->ctx, &n->ch, &n->res, err) < 0)
			return -1;
		r->p.done++;
		r->p.samples += n->res.nsamples;
		if (r->ev->progress)
			r->ev->progress(r->ev->ctx, &r->p);
		r->head = n->next;
		tsp_prom_result_release(&n->res);
		free(n);
	}
	return 0;
}

/* Start what may start: the first 2 * parallel chunks are eligible, so
 * finished ones wait in memory for at most that many. */
static int start_more(struct run *r, struct tsp_error *err)
{
	int window = 2 * r->o->parallel;
	struct node *n = r->head;

	for (int i = 0; n && i < window; n = n->next, i++) {
		if (n->state == FAILED)
			break;	/* nothing after it will be written */
		if (n->state != PENDING)
			continue;
		if (!n->cache_tried && r->use_cache) {
			int rc = from_cache(r, n, err);
			if (rc < 0)
				return -1;
			if (rc > 0)
				continue;
		}
		if (r->running < (size_t)r->o->parallel &&
		    submit(r, n, 0, err) < 0)
			return -1;
	}
	return 0;
}

static int plan(struct run *r, struct tsp_error *err)
{
	const struct tsp_fetch_opts *o = r->o;
	struct tsp_prom_chunk *cs;
	size_t nc;
	struct node **tail = &r->head;

	if (tsp_prom_plan(o->start, o->end, o->step, o->max_points, o->chunk,
			  &cs, &nc, err) < 0)
		return -1;
	for (size_t i = 0; i < nc; i++) {
		struct node *n = calloc(1, sizeof(*n));
		if (!n) {
			free(cs);
			return tsp_error_set(err, TSP_ENOMEM, "out of memory");
		}
		n->ch.id = (int)(i + 1);
		n->ch.of = (int)nc;
		n->ch.c = cs[i];
		*tail = n;
		tail = &n->next;
	}
	r->p.total = nc;
	free(cs);
	return 0;
}

static void cleanup(struct run *r)
{
	while (r->head) {
		struct node *n = r->head;
		r->head = n->next;
		tsp_prom_result_release(&n->res);
		free(n);
	}
	for (size_t i = 0; i < r->nseen; i++)
		free(r->seen[i]);
	free(r->seen);
	free(r->endpoint);
	tsp_http_free(r->http);
	if (r->use_cache)
		tsp_fcache_release(&r->cache);
}

int tsp_fetch_prepare(struct tsp_fetch_opts *o, int start_rel, int end_rel,
		      struct tsp_error *err)
{
	const tsp_time_t ms = TSP_NS_PER_MS;

	if (o->step <= 0 || o->step % ms)
		return tsp_error_set(err, TSP_EUSAGE, "--step must be a "
				     "positive whole number of milliseconds");
	if (start_rel)
		o->start = tsp_time_floordiv(o->start, o->step) * o->step;
	if (end_rel)
		o->end = tsp_time_floordiv(o->end, o->step) * o->step;
	o->start = tsp_time_floordiv(o->start, ms) * ms;
	o->end = tsp_time_floordiv(o->end, ms) * ms;
	if (o->start > o->end)
		return tsp_error_set(err, TSP_EUSAGE, "--start is after --end");
	if (o->chunk && o->chunk < o->step)
		return tsp_error_set(err, TSP_EUSAGE, "--chunk must be at "
				     "least --step");
	if (o->lookback % ms)
		return tsp_error_set(err, TSP_EUSAGE, "--lookback-delta must "
				     "be a whole number of milliseconds");
	return 0;
}

int tsp_fetch_run(const struct tsp_fetch_opts *o,
		  const struct tsp_fetch_events *ev, struct tsp_error *err)
{
	struct run r;
	size_t ul = strlen(o->url);
	int rc = -1;

	memset(&r, 0, sizeof(r));
	r.o = o;
	r.ev = ev;
	r.rng = (uint64_t)o->now ^ ((uint64_t)getpid() << 32) ^ 0x9e3779b97f4a7c15ULL;
	if (!(r.endpoint = malloc(ul + 32)))
		return tsp_error_set(err, TSP_ENOMEM, "out of memory");
	while (ul && o->url[ul - 1] == '/')
		ul--;
	snprintf(r.endpoint, ul + 32, "%.*s/api/v1/query_range", (int)ul,
		 o->url);
	if (!(r.http = tsp_http_new(&o->http, err)))
		goto out;
	if (o->cache_dir) {
		if (tsp_fcache_open(&r.cache, o->cache_dir, err) < 0)
			goto out;
		r.use_cache = 1;
	}
	if (plan(&r, err) < 0)
		goto out;
	for (;;) {
		struct tsp_http_resp resp;
		int got;

		if (deliver(&r, err) < 0)
			goto out;
		if (!r.head)
			break;
		if (start_more(&r, err) < 0)
			goto out;
		if (r.head->state == DONE)
			continue;
		if ((got = tsp_http_wait(r.http, &resp, err)) < 0)
			goto out;
		if (got == 0)
			continue;	/* only cache hits were pending */
		if (handle(&r, resp.tag, &resp, err) < 0)
			goto out;
	}
	rc = 0;
out:
	cleanup(&r);
	return rc;
}
