/*
 * tsp_noise: where a team's pager noise comes from — per service, the
 * incidents, the share that resolved themselves, the median time to
 * resolve, and how many were flapping: the same alert (title with digits
 * masked) of the same service triggering again within a given time of
 * the previous one's end (its resolution, or its creation while open).
 */
#ifndef TSP_NOISE_H
#define TSP_NOISE_H

#include <stddef.h>

#include "tsp_error.h"
#include "tsp_incident.h"

struct tsp_noise_row {
	const char *service;	/* borrowed from the incidents */
	size_t incidents;
	size_t labelled;	/* with a known label */
	size_t self_resolved;
	double share;		/* self_resolved / labelled; NaN if none */
	double median_resolve;	/* seconds, over resolved ones; NaN if none */
	size_t flapping;
};

/*
 * The rows of the incidents s (flap: nanoseconds), most self-resolved
 * first (ties: by service).  *rows is the caller's to free.  Returns 0
 * or -1 with err set (out of memory).
 */
int tsp_noise_compute(const struct tsp_incidents *s, tsp_time_t flap,
		      struct tsp_noise_row **rows, size_t *n,
		      struct tsp_error *err);

#endif
