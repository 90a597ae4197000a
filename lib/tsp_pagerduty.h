/*
 * tsp_pagerduty: incidents from the PagerDuty REST API v2 (GET
 * /incidents), page by page, as flat records (one per incident) that
 * NDJSON and CSV can carry and pdclassify reads.
 *
 * The range [since, until) is fetched in windows (all at once by
 * default), each paged with offset and limit in creation order.
 * PagerDuty pages no further than offset 10,000: a window that holds more
 * is split in two and fetched again, so no incident is lost.  An incident
 * seen in two windows is written once.  Transient failures (429, 5xx, no
 * answer) are retried with backoff as in tsp_fetch.
 */
#ifndef TSP_PAGERDUTY_H
#define TSP_PAGERDUTY_H

#include <stddef.h>

#include "tsp_error.h"
#include "tsp_http.h"
#include "tsp_jsondoc.h"
#include "tsp_record.h"

#define TSP_PD_URL "https://api.pagerduty.com"
#define TSP_PD_MAX_OFFSET 10000	/* PagerDuty's paging limit */
#define TSP_PD_LIMIT 100	/* incidents per page (PagerDuty's most) */

/* The fields of an incident record, in order: */
/* id incident_number title description status urgency priority service
 * service_id escalation_policy assignee created_at last_status_change_at
 * last_status_change_by last_status_change_by_type resolved_at
 * acknowledged_at alert_counts_all alert_counts_triggered
 * alert_counts_resolved incident_key html_url */
#define TSP_PD_NFIELDS 22

struct tsp_pd_opts {
	const char *url;	/* API base (TSP_PD_URL) */
	tsp_time_t since, until;
	tsp_time_t window;	/* fetch at most this much at a time; 0: all */
	int retries;
	tsp_time_t backoff;
	struct tsp_http_opts http;	/* token, "Token token=" scheme */
};

struct tsp_pd_events {
	void *ctx;
	/* Each incident once, as TSP_PD_NFIELDS fields valid during the
	 * call.  Return 0, or -1 with err set to stop. */
	int (*incident)(void *ctx, const struct tsp_field *f, size_t n,
			struct tsp_error *err);
	void (*note)(void *ctx, const char *msg);
	void (*progress)(void *ctx, size_t pages, size_t incidents);
};

/*
 * Fetch the incidents o describes.  Returns 0, or -1 with err set (the
 * message names the window and the page that failed, with PagerDuty's own
 * message).  Incidents of windows before the failed one were delivered.
 */
int tsp_pd_run(const struct tsp_pd_opts *o, const struct tsp_pd_events *ev,
	       struct tsp_error *err);

/* The name of record field i (0 <= i < TSP_PD_NFIELDS). */
const char *tsp_pd_field_name(int i);

/* One page of the /incidents answer. */
struct tsp_pd_page {
	char *body;		/* owned */
	struct tsp_jdoc doc;
	int *inc;		/* token of each incident */
	int n;			/* incidents on the page */
	int more;		/* PagerDuty says there are more */
	char *arena;		/* unescaped strings of one record */
	struct tsp_field f[TSP_PD_NFIELDS];
};

/* Zero a page; allocates nothing. */
void tsp_pd_page_init(struct tsp_pd_page *pg);

/* Free what the page holds (the body too). */
void tsp_pd_page_release(struct tsp_pd_page *pg);

/*
 * Parse a page; the page takes body (malloc'd, len bytes) whatever
 * happens.  Returns 0, or -1 with err set (TSP_EDATA: not an incidents
 * page).
 */
int tsp_pd_page_parse(struct tsp_pd_page *pg, char *body, size_t len,
		      struct tsp_error *err);

/*
 * Incident k of the page as a record: points *f at TSP_PD_NFIELDS fields
 * (valid until the next call).  Returns 0, or -1 with err set (an
 * incident that is not an object, a bad string escape, out of memory).
 */
int tsp_pd_page_record(struct tsp_pd_page *pg, int k,
		       const struct tsp_field **f, struct tsp_error *err);

#endif
