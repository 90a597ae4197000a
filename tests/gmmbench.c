/*
 * gmmbench: time the gmm detector alone (no I/O) on one-minute series
 * with a 7-day reference window, refits included.  Built and run by
 * scripts/bench-gmm (not by make check).  Usage: gmmbench WEEKS SERIES
 * [forecast]; prints the points per second scored after the first
 * (warm-up) week, refits included, and the bytes one series' state
 * holds.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "tsp_gmmdet.h"

static unsigned long long rng = 88172645463325252ULL;

static double uniform(void)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return ((double)(rng >> 11) + 0.5) / 9007199254740992.0;
}

static double gauss(void)
{
	return sqrt(-2 * log(uniform())) * cos(6.283185307179586 * uniform());
}

int main(int argc, char **argv)
{
	long weeks = argc > 1 ? atol(argv[1]) : 5;
	long ns = argc > 2 ? atol(argv[2]) : 10;
	int with_fc = argc > 3 && strcmp(argv[3], "forecast") == 0;
	size_t n = (size_t)(weeks * 10080), total = 0, levels[5] = { 0 };
	double *v = malloc(n * sizeof(*v)), secs = 0;
	struct tsp_gmmdet_config c;
	struct tsp_error err;
	struct timespec a, b;
	size_t bytes = 0;

	if (!v || weeks < 2 || ns < 1)
		return 2;
	tsp_gmmdet_config_init(&c);
	for (long s = 0; s < ns; s++) {
		struct tsp_gmmdet *d = tsp_gmmdet_new(&c, &err);
		struct tsp_score sc;
		struct tsp_obs o = { NAN, NAN, NAN, NAN, NAN };

		/* A daily cycle, noise, a weekend dip, rare spikes. */
		for (size_t i = 0; i < n; i++) {
			double day = (double)(i % 1440) / 1440;
			int weekend = (i / 1440) % 7 >= 5;

			v[i] = 100 + 30 * sin(6.283185307179586 * day) -
			       20 * weekend + 5 * gauss() + s;
			if (uniform() < 1e-4)
				v[i] += 80;
		}
		for (size_t i = 0; i < n; i++) {
			if (i == 10080)	/* the first week is warm-up */
				clock_gettime(CLOCK_MONOTONIC, &a);
			o.value = v[i];
			if (with_fc)
				o.forecast = v[i] + 3 * gauss();
			if (tsp_gmmdet_push(d, &c, 1.7e9 + 60.0 * (double)i,
					    &o, &sc, &err) < 0)
				return 1;
			levels[sc.level]++;
		}
		clock_gettime(CLOCK_MONOTONIC, &b);
		secs += (double)(b.tv_sec - a.tv_sec) +
			(double)(b.tv_nsec - a.tv_nsec) * 1e-9;
		total += n - 10080;
		bytes = tsp_gmmdet_bytes(d);
		if (s == 0)
			printf("series 0: k=%d\n", tsp_gmmdet_model(d)->k);
		tsp_gmmdet_free(d);
	}
	printf("%zu points scored after the warm-up week in %.3f s: "
	       "%.0f points/s (%s forecast)\n", total,
	       secs, (double)total / secs, with_fc ? "with" : "no");
	printf("levels: normal %zu weak %zu strong %zu warmup %zu\n",
	       levels[0], levels[1], levels[2], levels[3]);
	printf("bytes per series (7-day window of 1-minute values): %zu\n",
	       bytes);
	free(v);
	return 0;
}
