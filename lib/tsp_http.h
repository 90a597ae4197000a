/*
 * tsp_http: HTTP requests through libcurl's multi interface: several in
 * flight at once, each possibly delayed (a retry's backoff), answers
 * handed back as they complete.  Plus the retry policy the fetchers
 * share: which failures are worth retrying, and how long to wait.
 *
 * Secrets (a bearer token, a password) are kept inside the client, sent
 * only as headers or by libcurl's basic auth, never put in a message; a
 * message that might carry server text is passed through
 * tsp_http_redact() by the caller.
 */
#ifndef TSP_HTTP_H
#define TSP_HTTP_H

#include <stddef.h>
#include <stdint.h>

#include "tsp_error.h"
#include "tsp_time.h"

struct tsp_http_opts {
	tsp_time_t timeout;		/* whole request; 0 = none */
	const char *cacert;		/* CA bundle file, or NULL */
	int insecure;			/* skip TLS verification */
	const char *const *headers;	/* "Name: value" each */
	size_t nheaders;
	const char *token;		/* sent as "Authorization:
					   <auth_scheme><token>", or NULL;
					   a secret */
	const char *auth_scheme;	/* "Bearer ", "Token token=" */
	const char *user, *password;	/* basic auth (password a secret) */
};

/* One finished request. */
struct tsp_http_resp {
	void *tag;		/* as given to tsp_http_submit */
	int failed;		/* no HTTP answer: see msg */
	int transient;		/* worth retrying (see tsp_http_retry) */
	long status;		/* HTTP status, 0 when failed */
	char *body;		/* NUL-terminated; caller frees */
	size_t len;
	tsp_time_t retry_after;	/* the server's Retry-After, or -1 */
	char msg[256];		/* when failed: what went wrong */
};

struct tsp_http;

/*
 * A client with the options o (copied, secrets included).  Returns NULL
 * with err set when libcurl cannot start.  Free with tsp_http_free().
 */
struct tsp_http *tsp_http_new(const struct tsp_http_opts *o,
			      struct tsp_error *err);

/* Abort what is in flight, wipe the secrets, free (NULL allowed). */
void tsp_http_free(struct tsp_http *h);

/*
 * Queue a request to url (copied): a POST of form (copied; an
 * application/x-www-form-urlencoded body), or a GET when form is NULL.
 * It starts after delay.  Returns 0, or -1 with err set.
 */
int tsp_http_submit(struct tsp_http *h, const char *url, const char *form,
		    tsp_time_t delay, void *tag, struct tsp_error *err);

/*
 * Run requests until one finishes: returns 1 and fills r (body owned by
 * the caller), 0 when nothing is queued, -1 with err set on a libcurl
 * failure.
 */
int tsp_http_wait(struct tsp_http *h, struct tsp_http_resp *r,
		  struct tsp_error *err);

/* Requests queued or in flight. */
size_t tsp_http_pending(const struct tsp_http *h);

/* 1 if r is worth retrying: no answer for a transient reason
 * (connection refused or dropped, timeout, DNS), 429, or 5xx. */
int tsp_http_retry(const struct tsp_http_resp *r);

/*
 * The wait before retry number attempt (1, 2, ...): base doubled each
 * time, at most 64 * base and 5 minutes, times a random factor in
 * [0.5, 1) ("jitter", from *rng); at least the server's retry_after
 * (when >= 0) but never more than 5 minutes.
 */
tsp_time_t tsp_http_backoff(int attempt, tsp_time_t base,
			    tsp_time_t retry_after, uint64_t *rng);

/*
 * Check a server URL: http:// or https://, and no user:password@ (a
 * secret on a command line).  Returns 0, or -1 with err->code TSP_EUSAGE
 * (the message does not repeat the URL).
 */
int tsp_http_url_check(const char *url, struct tsp_error *err);

/*
 * A secret kept in a file: its first line without the line end, as a new
 * string (caller frees).  NULL with err set (TSP_ESYS: cannot read;
 * TSP_EDATA: empty); the message names the file, never its contents.
 */
char *tsp_http_secret_file(const char *path, struct tsp_error *err);

/* Replace each occurrence of the client's secrets (of 4 bytes or more)
 * in msg (a string in a buffer of size bytes) by "***". */
void tsp_http_redact(const struct tsp_http *h, char *msg, size_t size);

#endif
