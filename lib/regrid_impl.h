/*
 * Private to regrid.c and gapfill.c: per-series state of the engine.
 */
#ifndef TSP_REGRID_IMPL_H
#define TSP_REGRID_IMPL_H

#include "tsp_regrid.h"

enum rg_kind { RG_KNOWN, RG_UNKNOWN, RG_GAP };

/* A finished bucket (or a run of empty ones), waiting to be emitted. */
struct rg_item {
	int64_t k, k_end;	/* grid indices; k_end > k only for RG_GAP */
	double v;		/* value (after cleaning) */
	double orig;		/* value before cleaning */
	struct tsp_rg_rec *rec;	/* owned; NULL for RG_GAP */
	uint8_t kind;
	uint8_t cleaned;	/* Hampel has looked at it */
	uint8_t filled;
	uint8_t value_exact, time_exact;
};

/* An emitted known point, kept for Hampel windows and spline knots. */
struct rg_hist {
	int64_t k;
	double v, orig;
};

struct rg_series {
	int started;
	tsp_time_t last_t;		/* for the time-order check */
	struct tsp_timefmt last_fmt;
	tsp_time_t step;		/* 0 until known */

	/* records held back: for --sort, and until the step is estimated */
	struct tsp_rg_rec *held, *held_tail;
	size_t nheld;
	struct tsp_rg_rec *est, *est_tail;
	size_t nest, nintervals;

	/* counter */
	int have_ctr;
	tsp_time_t ctr_t;
	double ctr_v;

	/* the open bucket */
	int open;
	int64_t bk;
	size_t bn, bvals;
	double bsum, bmin, bmax, bfirst, blast;
	int bnan;
	struct tsp_rg_rec *brec;
	double *qv;
	size_t qcap;

	int64_t last_k;			/* last bucket queued */
	int any_k;

	/* items waiting: q[qhead, qtail) */
	struct rg_item *q;
	size_t qhead, qtail, qcap_items;

	struct rg_hist *hist;		/* ring of the last nhist_cap */
	size_t nhist, hhead;

	struct tsp_rg_rec *last;	/* last emitted record */
};

struct tsp_regrid {
	struct tsp_regrid_opts o;
	tsp_regrid_emit_fn emit;
	void *ctx;
	struct rg_series *s;
	size_t ns, scap;
	struct tsp_rg_rec *free_recs;
	size_t nhist_cap;
	double *scratch;		/* Hampel / spline work space */
	size_t scratch_cap;
};

/* gapfill.c */
int rg_queue_push(struct tsp_regrid *rg, size_t idx, const struct rg_item *it,
		  struct tsp_error *err);
int rg_queue_process(struct tsp_regrid *rg, size_t idx, int final,
		     struct tsp_error *err);

/* regrid.c */
void rg_rec_put(struct tsp_regrid *rg, struct tsp_rg_rec *r);
int rg_scratch(struct tsp_regrid *rg, size_t n, struct tsp_error *err);

#endif
