/*
 * mstlbench: time tsp_mstl() alone (no I/O) on the series
 * scripts/bench-deseason generates, for comparison with peers timed the
 * same way.  Usage: mstlbench WEEKS SERIES; prints seconds per series.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "tsp_stl.h"

int main(int argc, char **argv)
{
	long weeks = argc > 1 ? atol(argv[1]) : 8;
	long ns = argc > 2 ? atol(argv[2]) : 1;
	size_t n = (size_t)(weeks * 2016);
	double *y = malloc(n * sizeof(double));
	double *trend = malloc(n * sizeof(double));
	double *seas = malloc(2 * n * sizeof(double));
	double *rem = malloc(n * sizeof(double));
	struct tsp_mstl_opts o;
	struct tsp_error err;
	struct timespec a, b;
	long seed = 42;
	double total = 0;

	if (!y || !trend || !seas || !rem || weeks < 1 || ns < 1)
		return 2;
	tsp_mstl_opts_default(&o);
	o.np = 2;
	o.period[0] = 288;
	o.period[1] = 2016;
	for (long s = 0; s < ns; s++) {
		/* The same values as the benchmark's awk generator. */
		for (size_t i = 0; i < n; i++) {
			double u, d, w;
			seed = (16807 * seed) % 2147483647;
			u = (double)seed / 2147483647;
			d = sin(6.283185307 * (double)(i % 288) / 288);
			w = (i / 288) % 7 >= 5 ? -0.3 : 0.1;
			y[i] = 100 + (double)(s % 10) + (double)i / 2000 +
			       20 * d + 30 * w + 4 * (u - 0.5);
		}
		clock_gettime(CLOCK_MONOTONIC, &a);
		if (tsp_mstl(y, n, &o, trend, seas, rem, NULL, &err) < 0) {
			fprintf(stderr, "mstlbench: %s\n", err.msg);
			return 1;
		}
		clock_gettime(CLOCK_MONOTONIC, &b);
		total += (double)(b.tv_sec - a.tv_sec) +
			 (double)(b.tv_nsec - a.tv_nsec) / 1e9;
	}
	printf("%.6f\n", total / (double)ns);
	free(y);
	free(trend);
	free(seas);
	free(rem);
	return 0;
}
