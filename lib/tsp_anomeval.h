/*
 * tsp_anomeval: how well anomaly levels match a 0/1 label (tsscore
 * --evaluate), point-wise and event-wise, streaming per series.
 *
 * A point is flagged when its level is WEAK or STRONG.  Point-wise:
 * precision, recall and F1 over the points with a label whose level is
 * NORMAL, WEAK or STRONG (WARMUP and UNKNOWN points are not counted).
 * Event-wise: an event is a maximal run of label 1 within a series; it is
 * detected when any of its points is flagged, after a delay counted in
 * points and seconds from its first point to the first flagged one.  An
 * alarm is a maximal run of flagged points (WARMUP and UNKNOWN points
 * neither end nor extend it); it is true when one of its points has label
 * 1.  Event precision = true alarms / alarms, event recall = detected /
 * events, F1 their harmonic mean.
 */
#ifndef TSP_ANOMEVAL_H
#define TSP_ANOMEVAL_H

#include "tsp_detect.h"
#include "tsp_time.h"

/* Counts over every series, for one method (a detector, the rules). */
struct tsp_anomeval {
	long tp, fp, fn, tn;		/* points */
	long events, detected;
	long alarms, true_alarms;
	double delay_points, delay_seconds;	/* sums over detected */
};

/* One series' run state for one method. */
struct tsp_anomeval_run {
	tsp_time_t event_start;
	long event_points;		/* points of the event so far */
	unsigned char in_event, event_hit, in_alarm, alarm_true;
};

/* A point at time t with label (0 or 1) and level. */
void tsp_anomeval_point(struct tsp_anomeval *e, struct tsp_anomeval_run *r,
			tsp_time_t t, int label, enum tsp_level level);

/* The series ended: close the open event and alarm. */
void tsp_anomeval_end(struct tsp_anomeval *e, struct tsp_anomeval_run *r);

/* The figures: NaN where a denominator is 0. */
struct tsp_anomeval_figures {
	double precision, recall, f1;		/* points */
	double event_precision, event_recall, event_f1;
	double delay_points, delay_seconds;	/* mean over detected */
};
void tsp_anomeval_figures(const struct tsp_anomeval *e,
			  struct tsp_anomeval_figures *f);

#endif
