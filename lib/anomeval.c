/*
 * anomeval: point-wise and event-wise agreement of levels with labels
 * (tsp_anomeval.h).
 */
#include <math.h>

#include "tsp_anomeval.h"

static void end_event(struct tsp_anomeval *e, struct tsp_anomeval_run *r)
{
	if (r->in_event) {
		e->events++;
		e->detected += r->event_hit;
	}
	r->in_event = r->event_hit = 0;
}

static void end_alarm(struct tsp_anomeval *e, struct tsp_anomeval_run *r)
{
	if (r->in_alarm) {
		e->alarms++;
		e->true_alarms += r->alarm_true;
	}
	r->in_alarm = r->alarm_true = 0;
}

void tsp_anomeval_point(struct tsp_anomeval *e, struct tsp_anomeval_run *r,
			tsp_time_t t, int label, enum tsp_level level)
{
	int flagged = level == TSP_LEVEL_WEAK || level == TSP_LEVEL_STRONG;
	int counted = flagged || level == TSP_LEVEL_NORMAL;

	if (label && !r->in_event) {
		r->in_event = 1;
		r->event_hit = 0;
		r->event_start = t;
		r->event_points = 0;
	} else if (!label) {
		end_event(e, r);
	}
	if (label) {
		if (flagged && !r->event_hit) {
			r->event_hit = 1;
			e->delay_points += (double)r->event_points;
			e->delay_seconds += (double)(t - r->event_start) / 1e9;
		}
		r->event_points++;
	}
	if (flagged) {
		r->in_alarm = 1;
		r->alarm_true |= label != 0;
	} else if (level == TSP_LEVEL_NORMAL) {
		end_alarm(e, r);
	}
	if (!counted)
		return;
	if (flagged)
		label ? e->tp++ : e->fp++;
	else
		label ? e->fn++ : e->tn++;
}

void tsp_anomeval_end(struct tsp_anomeval *e, struct tsp_anomeval_run *r)
{
	end_event(e, r);
	end_alarm(e, r);
}

static double ratio(double a, double b)
{
	return b > 0 ? a / b : NAN;
}

static double f1(double p, double r)
{
	return p + r > 0 ? 2 * p * r / (p + r) : (p == 0 && r == 0 ? 0 : NAN);
}

void tsp_anomeval_figures(const struct tsp_anomeval *e,
			  struct tsp_anomeval_figures *f)
{
	f->precision = ratio((double)e->tp, (double)(e->tp + e->fp));
	f->recall = ratio((double)e->tp, (double)(e->tp + e->fn));
	f->f1 = f1(f->precision, f->recall);
	f->event_precision = ratio((double)e->true_alarms, (double)e->alarms);
	f->event_recall = ratio((double)e->detected, (double)e->events);
	f->event_f1 = f1(f->event_precision, f->event_recall);
	f->delay_points = ratio(e->delay_points, (double)e->detected);
	f->delay_seconds = ratio(e->delay_seconds, (double)e->detected);
}
