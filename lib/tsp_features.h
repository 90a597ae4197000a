/*
 * tsp_features: the feature matrix of a set of incidents, and its
 * definition, kept in the model so that prediction rebuilds exactly the
 * same features.  Per incident, in this order:
 *
 *   hour_sin, hour_cos, dow_sin, dow_cos  the creation time's hour of day
 *                         and day of week on circles (local time in the
 *                         zone --tz sets), weekend (Saturday or Sunday);
 *   numeric fields        as they are (a missing value: the training
 *                         median);
 *   FIELD=LEVEL           for the service, policy, urgency, priority and
 *                         assignee: 1 for each of the field's most frequent
 *                         levels, FIELD=other for the rest;
 *   title~WORD/WORD       title and description words hashed into a fixed
 *                         number of buckets (the hashing trick): the count
 *                         of the incident's words in the bucket, named by
 *                         its two most frequent training words;
 *   svc_incidents_1h, svc_incidents_24h   earlier incidents of the same
 *                         service in the hour / day before;
 *   svc_self_resolved     the share of the service's earlier incidents
 *                         known to have resolved themselves at this
 *                         incident's creation, (k + 1) / (n + 2);
 *   title_gap_hours       hours since the last incident with the same
 *                         title (digits masked, case folded), at most 720.
 *
 * The history features use only incidents created before (and labels
 * known before) the incident's creation: no label leaks from the future.
 * In matrix mode the features are the input's numeric columns as given.
 */
#ifndef TSP_FEATURES_H
#define TSP_FEATURES_H

#include <stddef.h>

#include "tsp_error.h"
#include "tsp_incident.h"
#include "tsp_params.h"
#include "tsp_table.h"

#define TSP_FEAT_HISTORY 4
#define TSP_FEAT_TIME 5

struct tsp_featdef {
	int matrix;
	char tz[64];			/* "" = UTC */
	size_t levels, min_count, buckets;	/* the fitting options */
	/* categorical field c: its kept levels (0 = the field has no
	 * features) */
	char **level[TSP_INC_NCAT];
	size_t nlevel[TSP_INC_NCAT];
	/* numeric fields kept (present in the data) and their medians */
	size_t nnum;
	size_t numidx[TSP_INC_MAXNUM + 1];	/* index in the incident set */
	char *numname[TSP_INC_MAXNUM + 1];
	double median[TSP_INC_MAXNUM + 1];
	char **bucketname;		/* buckets: "disk/full" or "" */
	int use_text;			/* some incident had a title */
	/* the features */
	size_t nfeat;
	char **name;
	int *group;			/* feature -> reason group */
	size_t ngroup;
};

/* Zero; allocates nothing. */
void tsp_featdef_init(struct tsp_featdef *d);
void tsp_featdef_release(struct tsp_featdef *d);

/*
 * Fit the definition on the incidents s read through map (levels,
 * medians, bucket names; the options levels, min_count, buckets and tz
 * are set in d before).  Only the incidents whose use[i] is nonzero
 * count (use NULL: all).  Returns 0 or -1 with err set.
 */
int tsp_featdef_fit(struct tsp_featdef *d, const struct tsp_incidents *s,
		    const struct tsp_incmap *map, const unsigned char *use,
		    struct tsp_error *err);

/* After changing a fitted definition's parts by hand: its names again. */
int tsp_featdef_rebuild(struct tsp_featdef *d, struct tsp_error *err);

/* Matrix mode: the features are the set's columns.  Returns 0 or -1. */
int tsp_featdef_matrix(struct tsp_featdef *d, const struct tsp_incidents *s,
		       struct tsp_error *err);

/*
 * The history state: per service its recent incidents and known labels,
 * per title its last time, and the labels not known yet.
 */
struct tsp_history {
	struct tsp_table svc, title;
	struct tsp_hist_svc *s;
	size_t scap;
	double *title_last;
	size_t tcap;
	struct tsp_hist_pending *pend;	/* a min-heap by known time */
	size_t npend, pcap;
};

void tsp_history_init(struct tsp_history *h);
void tsp_history_release(struct tsp_history *h);

/*
 * The history features of inc (TSP_FEAT_HISTORY values into out), then
 * add inc to the history.  Incidents must come in creation order.
 * Returns 0 or -1 with err set (out of memory).
 */
int tsp_history_next(struct tsp_history *h, const struct tsp_incident *inc,
		     double *out, struct tsp_error *err);

/*
 * Save the state for prediction after the last incident (labels still
 * pending count as known; incidents older than the longest window
 * left out).  Returns 0 or -1 with err set.
 */
int tsp_history_save(struct tsp_history *h, struct tsp_params *p,
		     struct tsp_error *err);
int tsp_history_load(struct tsp_history *h, const unsigned char *buf,
		     size_t len, struct tsp_error *err);

/*
 * The feature rows of the incidents rows[0..m) (indices into s) into x
 * (m x d->nfeat), given each incident's history features (hist: s->n x
 * TSP_FEAT_HISTORY, by incident index).  Returns 0 or -1 with err set.
 */
int tsp_features_rows(const struct tsp_featdef *d,
		      const struct tsp_incidents *s, const double *hist,
		      const size_t *rows, size_t m, double *x,
		      struct tsp_error *err);

/*
 * The history features of every incident of s, in creation order,
 * continuing h (fresh, or loaded from a model) into hist (s->n x
 * TSP_FEAT_HISTORY).  Returns 0 or -1 with err set.
 */
int tsp_features_history(struct tsp_history *h, const struct tsp_incidents *s,
			 double *hist, struct tsp_error *err);

/*
 * Why: the n features (at most) whose contributions (contrib, d->nfeat)
 * pushed most toward the prediction (positive ones for a true prediction,
 * negative for false), grouped (hour_sin and hour_cos are "hour"; the
 * levels of a field are the field), as "service=db +0.21; hour=03
 * +0.05" for incident inc with feature row x.  Writes at most size
 * bytes to buf.
 */
void tsp_features_reason(const struct tsp_featdef *d,
			 const struct tsp_incidents *s, size_t inc,
			 const double *x, const double *contrib, int positive,
			 size_t n, char *buf, size_t size);

/* Save and load the definition as parameters.  Return 0 or -1. */
int tsp_featdef_save(const struct tsp_featdef *d, struct tsp_params *p,
		     struct tsp_error *err);
int tsp_featdef_load(struct tsp_featdef *d, const unsigned char *buf,
		     size_t len, struct tsp_error *err);

#endif
