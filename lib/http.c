#include "tsp_http.h"

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include <curl/curl.h>

struct req {
	struct req *next;	/* in the waiting or the running list */
	CURL *easy;
	char *url, *form;
	void *tag;
	tsp_time_t due;		/* monotonic time to start */
	char *body;
	size_t len, cap;
	int oom;
	tsp_time_t retry_after;
	char errbuf[CURL_ERROR_SIZE];
};

struct tsp_http {
	CURLM *multi;
	struct curl_slist *hdrs;	/* holds the auth header: a secret */
	tsp_time_t timeout;
	int insecure;
	char *cacert, *user, *password, *token;
	struct req *waiting, *running;
	size_t nwaiting, nrunning;
};

static tsp_time_t mono(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (tsp_time_t)ts.tv_sec * TSP_NS_PER_SEC + ts.tv_nsec;
}

static void wipe_free(char *s)
{
	if (s) {
		volatile char *p = s;
		while (*p)
			*p++ = 0;
	}
	free(s);
}

static int dup_opt(char **dst, const char *s)
{
	*dst = NULL;
	return s && !(*dst = strdup(s)) ? -1 : 0;
}

struct tsp_http *tsp_http_new(const struct tsp_http_opts *o,
			      struct tsp_error *err)
{
	static int started;
	struct tsp_http *h;
	struct curl_slist *l;

	if (!started && curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK) {
		tsp_error_set(err, TSP_ESYS, "cannot start libcurl");
		return NULL;
	}
	started = 1;
	if (!(h = calloc(1, sizeof(*h))))
		goto nomem;
	h->timeout = o->timeout;
	h->insecure = o->insecure;
	if (!(h->multi = curl_multi_init()))
		goto nomem;
	if (dup_opt(&h->cacert, o->cacert) < 0 ||
	    dup_opt(&h->user, o->user) < 0 ||
	    dup_opt(&h->password, o->password) < 0 ||
	    dup_opt(&h->token, o->token) < 0)
		goto nomem;
	for (size_t i = 0; i < o->nheaders; i++) {
		if (!(l = curl_slist_append(h->hdrs, o->headers[i])))
			goto nomem;
		h->hdrs = l;
	}
	if (o->token) {
		size_t n = strlen(o->auth_scheme) + strlen(o->token) + 32;
		char *a = malloc(n);
		if (!a)
			goto nomem;
		snprintf(a, n, "Authorization: %s%s", o->auth_scheme,
			 o->token);
		l = curl_slist_append(h->hdrs, a);
		wipe_free(a);
		if (!l)
			goto nomem;
		h->hdrs = l;
	}
	return h;
nomem:
	tsp_http_free(h);
	tsp_error_set(err, TSP_ENOMEM, "out of memory");
	return NULL;
}

static void req_free(struct req *q)
{
	if (!q)
		return;
	if (q->easy)
		curl_easy_cleanup(q->easy);
	free(q->url);
	free(q->form);
	free(q->body);
	free(q);
}

void tsp_http_free(struct tsp_http *h)
{
	if (!h)
		return;
	while (h->waiting) {
		struct req *q = h->waiting;
		h->waiting = q->next;
		req_free(q);
	}
	while (h->running) {
		struct req *q = h->running;
		h->running = q->next;
		curl_multi_remove_handle(h->multi, q->easy);
		req_free(q);
	}
	if (h->multi)
		curl_multi_cleanup(h->multi);
	/* the slist's strings hold the token: wipe them */
	for (struct curl_slist *l = h->hdrs; l; l = l->next)
		memset(l->data, 0, strlen(l->data));
	curl_slist_free_all(h->hdrs);
	wipe_free(h->password);
	wipe_free(h->token);
	free(h->cacert);
	free(h->user);
	free(h);
}

int tsp_http_submit(struct tsp_http *h, const char *url, const char *form,
		    tsp_time_t delay, void *tag, struct tsp_error *err)
{
	struct req *q = calloc(1, sizeof(*q));

	if (!q || !(q->url = strdup(url)) ||
	    (form && !(q->form = strdup(form)))) {
		req_free(q);
		return tsp_error_set(err, TSP_ENOMEM, "out of memory");
	}
	q->tag = tag;
	q->due = mono() + (delay > 0 ? delay : 0);
	q->next = h->waiting;
	h->waiting = q;
	h->nwaiting++;
	return 0;
}

size_t tsp_http_pending(const struct tsp_http *h)
{
	return h->nwaiting + h->nrunning;
}

static size_t on_body(char *p, size_t size, size_t n, void *ud)
{
	struct req *q = ud;
	size_t len = size * n;

	if (q->len + len + 1 > q->cap) {
		size_t nc = q->cap ? q->cap : 65536;
		char *nb;
		while (nc < q->len + len + 1)
			nc *= 2;
		if (!(nb = realloc(q->body, nc))) {
			q->oom = 1;
			return 0;	/* makes libcurl fail the transfer */
		}
		q->body = nb;
		q->cap = nc;
	}
	memcpy(q->body + q->len, p, len);
	q->len += len;
	return len;
}

static size_t on_header(char *p, size_t size, size_t n, void *ud)
{
	struct req *q = ud;
	size_t len = size * n;
	static const char name[] = "retry-after:";

	if (len > sizeof(name) && strncasecmp(p, name, sizeof(name) - 1) == 0) {
		char buf[32], *end;
		size_t bl = len - (sizeof(name) - 1);
		long v;
		if (bl >= sizeof(buf))
			bl = sizeof(buf) - 1;
		memcpy(buf, p + sizeof(name) - 1, bl);
		buf[bl] = '\0';
		v = strtol(buf, &end, 10);
		while (*end == ' ' || *end == '\r' || *end == '\n')
			end++;
		/* seconds only; an HTTP date is ignored */
		if (end != buf && !*end && v >= 0 && v < 86400)
			q->retry_after = v * TSP_NS_PER_SEC;
	}
	return len;
}

static int start(struct tsp_http *h, struct req *q, struct tsp_error *err)
{
	CURL *e = curl_easy_init();

	if (!e)
		return tsp_error_set(err, TSP_ENOMEM, "out of memory");
	q->easy = e;
	q->retry_after = -1;
	curl_easy_setopt(e, CURLOPT_URL, q->url);
	curl_easy_setopt(e, CURLOPT_PRIVATE, q);
	curl_easy_setopt(e, CURLOPT_PROTOCOLS_STR, "http,https");
	curl_easy_setopt(e, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(e, CURLOPT_WRITEFUNCTION, on_body);
	curl_easy_setopt(e, CURLOPT_WRITEDATA, q);
	curl_easy_setopt(e, CURLOPT_HEADERFUNCTION, on_header);
	curl_easy_setopt(e, CURLOPT_HEADERDATA, q);
	curl_easy_setopt(e, CURLOPT_ERRORBUFFER, q->errbuf);
	curl_easy_setopt(e, CURLOPT_ACCEPT_ENCODING, "");
	curl_easy_setopt(e, CURLOPT_USERAGENT, "tspipe/" PACKAGE_VERSION);
	if (h->timeout > 0)
		curl_easy_setopt(e, CURLOPT_TIMEOUT_MS,
				 (long)(h->timeout / TSP_NS_PER_MS));
	if (h->hdrs)
		curl_easy_setopt(e, CURLOPT_HTTPHEADER, h->hdrs);
	if (q->form) {
		curl_easy_setopt(e, CURLOPT_POSTFIELDS, q->form);
		curl_easy_setopt(e, CURLOPT_POSTFIELDSIZE,
				 (long)strlen(q->form));
	}
	if (h->cacert)
		curl_easy_setopt(e, CURLOPT_CAINFO, h->cacert);
	if (h->insecure) {
		curl_easy_setopt(e, CURLOPT_SSL_VERIFYPEER, 0L);
		curl_easy_setopt(e, CURLOPT_SSL_VERIFYHOST, 0L);
	}
	if (h->user) {
		curl_easy_setopt(e, CURLOPT_HTTPAUTH, (long)CURLAUTH_BASIC);
		curl_easy_setopt(e, CURLOPT_USERNAME, h->user);
		curl_easy_setopt(e, CURLOPT_PASSWORD,
				 h->password ? h->password : "");
	}
	if (curl_multi_add_handle(h->multi, e) != CURLM_OK)
		return tsp_error_set(err, TSP_ENOMEM, "cannot start a request");
	return 0;
}

/* Failures with no HTTP answer that another try may cure. */
static int transient(CURLcode c)
{
	switch (c) {
	case CURLE_COULDNT_RESOLVE_PROXY:
	case CURLE_COULDNT_RESOLVE_HOST:
	case CURLE_COULDNT_CONNECT:
	case CURLE_OPERATION_TIMEDOUT:
	case CURLE_PARTIAL_FILE:
	case CURLE_GOT_NOTHING:
	case CURLE_SEND_ERROR:
	case CURLE_RECV_ERROR:
	case CURLE_HTTP2:
	case CURLE_HTTP2_STREAM:
	case CURLE_SSL_CONNECT_ERROR:
		return 1;
	default:
		return 0;
	}
}

static void finish(struct tsp_http *h, struct req *q, CURLcode rc,
		   struct tsp_http_resp *r)
{
	memset(r, 0, sizeof(*r));
	r->tag = q->tag;
	r->retry_after = q->retry_after;
	if (rc == CURLE_OK) {
		curl_easy_getinfo(q->easy, CURLINFO_RESPONSE_CODE, &r->status);
		if (!q->body && !(q->body = malloc(1)))
			q->oom = 1;
	}
	if (q->oom) {
		r->failed = 1;
		snprintf(r->msg, sizeof(r->msg), "out of memory");
	} else if (rc == CURLE_OPERATION_TIMEDOUT) {
		tsp_time_t t = h->timeout;
		r->failed = r->transient = 1;
		if (t % TSP_NS_PER_SEC == 0)
			snprintf(r->msg, sizeof(r->msg), "timed out after %llds",
				 (long long)(t / TSP_NS_PER_SEC));
		else
			snprintf(r->msg, sizeof(r->msg), "timed out after "
				 "%lldms", (long long)(t / TSP_NS_PER_MS));
	} else if (rc == CURLE_PARTIAL_FILE) {
		r->failed = r->transient = 1;
		snprintf(r->msg, sizeof(r->msg), "connection closed in the "
			 "middle of the answer");
	} else if (rc == CURLE_GOT_NOTHING) {
		r->failed = r->transient = 1;
		snprintf(r->msg, sizeof(r->msg), "connection closed without "
			 "an answer");
	} else if (rc != CURLE_OK) {
		/* curl's own text for the transient ones: the detailed one
		 * says "after 3 ms", which would make messages vary */
		r->failed = 1;
		r->transient = transient(rc);
		snprintf(r->msg, sizeof(r->msg), "%s", r->transient ||
			 !q->errbuf[0] ? curl_easy_strerror(rc) : q->errbuf);
		/* lowercase, but not an acronym ("SSL certificate ...") */
		if (!isupper((unsigned char)r->msg[1]))
			r->msg[0] = (char)tolower((unsigned char)r->msg[0]);
	}
	if (q->body)
		q->body[q->len] = '\0';
	r->body = q->body;
	r->len = q->len;
	q->body = NULL;
	for (struct req **pp = &h->running; *pp; pp = &(*pp)->next)
		if (*pp == q) {
			*pp = q->next;
			break;
		}
	curl_multi_remove_handle(h->multi, q->easy);
	req_free(q);
	h->nrunning--;
}

int tsp_http_wait(struct tsp_http *h, struct tsp_http_resp *r,
		  struct tsp_error *err)
{
	for (;;) {
		tsp_time_t now = mono(), wake = now + TSP_NS_PER_SEC;
		struct req **pp = &h->waiting;
		CURLMsg *m;
		int left, running;

		if (h->nwaiting + h->nrunning == 0)
			return 0;
		while (*pp) {
			struct req *q = *pp;
			if (q->due > now) {
				if (q->due < wake)
					wake = q->due;
				pp = &q->next;
				continue;
			}
			*pp = q->next;
			h->nwaiting--;
			if (start(h, q, err) < 0) {
				req_free(q);
				return -1;
			}
			q->next = h->running;
			h->running = q;
			h->nrunning++;
		}
		if (curl_multi_perform(h->multi, &running) != CURLM_OK)
			return tsp_error_set(err, TSP_ESYS, "libcurl failed");
		while ((m = curl_multi_info_read(h->multi, &left))) {
			struct req *q = NULL;
			if (m->msg != CURLMSG_DONE)
				continue;
			curl_easy_getinfo(m->easy_handle, CURLINFO_PRIVATE, &q);
			finish(h, q, m->data.result, r);
			return 1;
		}
		if (h->nrunning == 0 && h->nwaiting == 0)
			continue;
		now = mono();
		long ms = wake > now ? (long)((wake - now) / TSP_NS_PER_MS) + 1 : 0;
		if (curl_multi_poll(h->multi, NULL, 0, (int)ms, NULL) !=
		    CURLM_OK)
			return tsp_error_set(err, TSP_ESYS, "libcurl failed");
	}
}

int tsp_http_retry(const struct tsp_http_resp *r)
{
	if (r->failed)
		return r->transient;
	return r->status == 429 || (r->status >= 500 && r->status <= 599);
}

tsp_time_t tsp_http_backoff(int attempt, tsp_time_t base,
			    tsp_time_t retry_after, uint64_t *rng)
{
	const tsp_time_t cap = 300 * TSP_NS_PER_SEC;
	tsp_time_t w = base;
	double f;

	for (int i = 1; i < attempt && i <= 6 && w < cap; i++)
		w *= 2;
	if (w > cap)
		w = cap;
	/* xorshift64*: jitter only, nothing the output depends on */
	*rng ^= *rng >> 12;
	*rng ^= *rng << 25;
	*rng ^= *rng >> 27;
	f = 0.5 + 0.5 * (double)((*rng * 2685821657736338717ULL) >> 11) /
		  9007199254740992.0;
	w = (tsp_time_t)((double)w * f);
	if (retry_after > w)
		w = retry_after < cap ? retry_after : cap;
	return w;
}

static void redact1(char *msg, size_t size, const char *secret)
{
	size_t sl = secret ? strlen(secret) : 0;
	char *p;

	/* a secret of a few letters would blank out words, and hides
	 * nothing worth hiding */
	if (sl < 4 || size == 0)
		return;
	for (p = strstr(msg, secret); p; p = strstr(p + 3, secret)) {
		/* "***" and what followed the secret, cut to the buffer */
		size_t room = size - 1 - (size_t)(p - msg);
		size_t stars = room < 3 ? room : 3;
		size_t rest = strlen(p + sl);
		if (stars + rest > room)
			rest = room - stars;
		memmove(p + stars, p + sl, rest);
		memset(p, '*', stars);
		p[stars + rest] = '\0';
		if (stars < 3)
			break;
	}
}

void tsp_http_redact(const struct tsp_http *h, char *msg, size_t size)
{
	redact1(msg, size, h->token);
	redact1(msg, size, h->password);
}

char *tsp_http_secret_file(const char *path, struct tsp_error *err)
{
	FILE *fp = fopen(path, "r");
	char *line = NULL;
	size_t cap = 0;
	ssize_t n;

	if (!fp) {
		err->sys_errno = errno;
		tsp_error_set(err, TSP_ESYS, "%s: cannot open: %s", path,
			      strerror(errno));
		return NULL;
	}
	n = getline(&line, &cap, fp);
	fclose(fp);
	while (n > 0 && line[n - 1] && strchr("\r\n \t", line[n - 1]))
		line[--n] = '\0';
	if (n <= 0) {
		free(line);
		tsp_error_set(err, TSP_EDATA, "%s: empty (the secret goes on "
			      "its first line)", path);
		return NULL;
	}
	return line;
}

int tsp_http_url_check(const char *url, struct tsp_error *err)
{
	size_t host;
	const char *at;

	if (strncmp(url, "http://", 7) && strncmp(url, "https://", 8))
		return tsp_error_set(err, TSP_EUSAGE, "bad --url (http:// or "
				     "https://)");
	host = url[4] == 's' ? 8 : 7;
	at = memchr(url + host, '@', strcspn(url + host, "/?#"));
	if (at)
		return tsp_error_set(err, TSP_EUSAGE, "credentials in --url "
				     "are not allowed: use --user with "
				     "TSFETCH_PASSWORD or --password-file");
	return 0;
}
