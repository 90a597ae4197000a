/*
 * Forecasts per second of tsp_rnn_forecast (scripts/bench-rnn builds and
 * runs it): a network of the shape tsforecast uses (4 calendar
 * covariates), n windows forecast at once over 1 and 2 threads, and one
 * window per call as tsforecast makes them.
 *   bench-rnn-infer gru|lstm HIDDEN LOOKBACK HORIZON N
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "tsp_rnn.h"

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

int main(int argc, char **argv)
{
	struct tsp_rnn_arch a;
	struct tsp_rnn m;
	struct tsp_error err;
	struct tsp_rnn_window *w;
	double *y, *cov, *fcov, *mean, best;
	size_t n, L, H;

	if (argc != 6)
		return 2;
	a.cell = strcmp(argv[1], "lstm") ? TSP_RNN_GRU : TSP_RNN_LSTM;
	a.ncov = 4;
	a.hidden = (size_t)atoi(argv[2]);
	a.layers = 1;
	a.lookback = L = (size_t)atoi(argv[3]);
	a.horizon = H = (size_t)atoi(argv[4]);
	n = (size_t)atoi(argv[5]);
	tsp_error_clear(&err);
	if (tsp_rnn_init(&m, &a, 1, &err) < 0)
		return 1;
	y = malloc((n + L) * sizeof(*y));
	cov = malloc((n + L + H) * 4 * sizeof(*cov));
	fcov = cov;
	mean = malloc(n * H * sizeof(*mean));
	w = malloc(n * sizeof(*w));
	for (size_t i = 0; i < n + L; i++)
		y[i] = sin(0.01 * (double)i);
	for (size_t i = 0; i < (n + L + H) * 4; i++)
		cov[i] = cos(0.001 * (double)i);
	for (size_t i = 0; i < n; i++) {
		w[i].s.y = y + i;
		w[i].s.cov = cov + 4 * i;
		w[i].s.n = L;
		w[i].fcov = fcov + 4 * (i + L);
		w[i].mean = mean + i * H;
	}
	for (size_t th = 1; th <= 2; th++) {
		best = INFINITY;
		for (int rep = 0; rep < 3; rep++) {
			double t0 = now();
			if (tsp_rnn_forecast(&m, w, n, th, &err) < 0)
				return 1;
			best = fmin(best, now() - t0);
		}
		printf("batched %zu thread%s: %.0f forecasts/s (%zu windows, "
		       "best of 3)\n", th, th > 1 ? "s" : "", (double)n / best,
		       n);
	}
	best = INFINITY;
	for (int rep = 0; rep < 3; rep++) {
		double t0 = now();
		size_t k = n < 5000 ? n : 5000;
		for (size_t i = 0; i < k; i++)
			if (tsp_rnn_forecast(&m, w + i, 1, 1, &err) < 0)
				return 1;
		best = fmin(best, (now() - t0) / (double)k);
	}
	printf("one window a call: %.0f forecasts/s\n", 1 / best);
	/* as tsforecast --online makes them: kept workspace, all steps and
	 * the one step an online record needs */
	for (size_t steps = 1; steps <= m.a.horizon; steps += m.a.horizon - 1) {
		best = INFINITY;
		for (int rep = 0; rep < 3; rep++) {
			double t0 = now();
			size_t k = n < 5000 ? n : 5000;
			for (size_t i = 0; i < k; i++)
				if (tsp_rnn_forecast_one(&m, w + i, steps,
							 &err) < 0)
					return 1;
			best = fmin(best, (now() - t0) / (double)k);
		}
		printf("one window a call, workspace kept, %zu step%s: %.0f "
		       "forecasts/s\n", steps, steps > 1 ? "s" : "", 1 / best);
		if (m.a.horizon == 1)
			break;
	}
	free(y);
	free(cov);
	free(mean);
	free(w);
	tsp_rnn_release(&m);
	return 0;
}
