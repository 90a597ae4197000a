/* Period detection on synthetic series. */
#include <gsl/gsl_errno.h>
#include <math.h>
#include <stdint.h>
#include <stdlib.h>

#include "t.h"
#include "tsp_season.h"

#define PI 3.14159265358979323846

/* ---- a fixed-seed generator -------------------------------------------- */

static uint64_t rng;

static double unif(void)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return ((double)(rng >> 11) + 0.5) / 9007199254740992.0;
}

static double gauss(void)
{
	double u = unif(), v = unif();
	return sqrt(-2.0 * log(u)) * cos(2.0 * PI * v);
}

/* a day's shape: one broad peak and a smaller second harmonic */
static double day(size_t t, size_t p)
{
	double ph = (double)(t % p) / (double)p;
	return sin(2.0 * PI * ph) + 0.5 * sin(4.0 * PI * ph + 1.0);
}

/* days p steps long; days 5 and 6 of each week are a quieter weekend */
static void daily_weekly(double *y, size_t n, size_t p, double noise)
{
	for (size_t t = 0; t < n; t++) {
		int weekend = (t / p) % 7 >= 5;
		y[t] = 10.0 + day(t, p) * (weekend ? 0.4 : 1.0) -
		       0.8 * weekend + noise * gauss();
	}
}

/* ---- period finder ------------------------------------------------------ */

static double y[16128];

/* The periods found, ascending, as "288,2016" ("" for none). */
static const char *find(const double *x, size_t n, size_t maxperiod,
			size_t max)
{
	static char buf[128];
	size_t per[8];
	double str[8];
	struct tsp_error err;
	long k = tsp_season_find(x, n, maxperiod, per, str, max, &err);

	buf[0] = '\0';
	if (k < 0)
		return "error";
	for (long i = 0; i < k; i++) {
		CHECK(str[i] > 0.0 && str[i] <= 1.0, "strength %g", str[i]);
		if (i > 0)
			CHECK(str[i] <= str[i - 1], "not strongest first");
	}
	for (long i = 1; i < k; i++)
		for (long j = i; j > 0 && per[j - 1] > per[j]; j--) {
			size_t t = per[j];
			per[j] = per[j - 1];
			per[j - 1] = t;
		}
	for (long i = 0; i < k; i++)
		snprintf(buf + strlen(buf), sizeof(buf) - strlen(buf), "%s%zu",
			 i ? "," : "", per[i]);
	return buf;
}

static void five_minute(void)
{
	size_t n = 8 * 2016;

	rng = 88172645463325252ULL;
	daily_weekly(y, n, 288, 1.0);
	CHECK_STR(find(y, n, 0, 8), "288,2016");
	/* both strongest first; the day by itself if asked for one */
	CHECK_STR(find(y, n, 0, 1), "288");
	/* a period beyond maxperiod is not looked for */
	CHECK_STR(find(y, n, 1000, 8), "288");

	/* 10% missing, at random */
	for (size_t t = 0; t < n; t++)
		if (unif() < 0.1)
			y[t] = NAN;
	CHECK_STR(find(y, n, 0, 8), "288,2016");

	/* a day without a weekly pattern: not its multiples */
	for (size_t t = 0; t < n; t++)
		y[t] = 10.0 + day(t, 288) + gauss();
	CHECK_STR(find(y, n, 0, 8), "288");
	/* ... nor with a trend, noise twice the cycle, a wandering level */
	for (size_t t = 0; t < n; t++)
		y[t] = 10.0 + (double)t / 1000.0 + day(t, 288) + 2.0 * gauss();
	CHECK_STR(find(y, n, 0, 8), "288");
	double w = 0.0;
	for (size_t t = 0; t < n; t++) {
		w += 0.05 * gauss();
		y[t] = 10.0 + w + day(t, 288) + gauss();
	}
	CHECK_STR(find(y, n, 0, 8), "288");
	/* ... nor spikes and a level shift, nor a length not whole days */
	for (size_t t = 0; t < n; t++)
		y[t] = 10.0 + day(t, 288) + gauss() +
		       (unif() < 0.01 ? 30.0 : 0.0) + (t > 9000 ? 5.0 : 0.0);
	CHECK_STR(find(y, n, 0, 8), "288");
	for (size_t t = 0; t < 16000; t++)
		y[t] = 10.0 + 2.0 * sin(2.0 * PI * t / 288.0) +
		       sin(4.0 * PI * t / 288.0) + gauss();
	CHECK_STR(find(y, 16000, 0, 8), "288");
	/* multiplicative, growing */
	for (size_t t = 0; t < n; t++)
		y[t] = exp(0.5 * day(t, 288) + 0.3 * gauss()) *
		       (1.0 + (double)t / 5000.0);
	CHECK_STR(find(y, n, 0, 8), "288");
}

static void hourly(void)
{
	size_t n = 8 * 168;

	rng = 0x9E3779B97F4A7C15ULL;
	for (size_t t = 0; t < n; t++) {
		int weekend = (t / 24) % 7 >= 5;
		y[t] = 50.0 + 10.0 * day(t, 24) * (weekend ? 0.5 : 1.0) -
		       5.0 * weekend + 5.0 * gauss();
	}
	CHECK_STR(find(y, n, 0, 8), "24,168");
	for (size_t t = 0; t < n; t++)
		y[t] = 50.0 + 10.0 * day(t, 24) + 5.0 * gauss();
	CHECK_STR(find(y, n, 0, 8), "24");
	/* two weeks are enough for a day */
	CHECK_STR(find(y, 336, 0, 8), "24");

	/*
	 * A day under a weekend step half again as large: the week's
	 * profile is mostly the step, yet the day is no harmonic of it.
	 * Over 8 weeks and 4 (the week then passes as a multiple of the
	 * day), and with the data starting at 13:00.
	 */
	for (size_t t = 0; t < n; t++) {
		double step = (t / 24) % 7 >= 5 ? -1.0 : 0.4;
		y[t] = 30.0 + 0.02 * (double)t + 4.0 * sin(2.0 * PI * t / 24.0) +
		       6.0 * step + 0.67 * gauss();
	}
	CHECK_STR(find(y, n, 0, 8), "24,168");
	CHECK_STR(find(y, n / 2, 0, 8), "24,168");
	for (size_t t = 0; t < n; t++) {
		size_t h = t + 13;
		double step = (h / 24) % 7 >= 5 ? -1.0 : 0.4;
		y[t] = 30.0 + 4.0 * sin(2.0 * PI * h / 24.0) + 6.0 * step +
		       0.67 * gauss();
	}
	CHECK_STR(find(y, n, 0, 8), "24,168");
}

static void nothing(void)
{
	size_t n = 16128;
	double w = 0.0;

	rng = 12345;
	for (size_t t = 0; t < n; t++)
		y[t] = gauss();
	CHECK_STR(find(y, n, 0, 8), "");
	for (size_t t = 0; t < n; t++) {
		w += gauss();
		y[t] = w;
	}
	CHECK_STR(find(y, n, 0, 8), "");
	CHECK_STR(find(y, 1344, 0, 8), "");
	for (size_t t = 0; t < n; t++)
		y[t] = 1.0 + 0.01 * (double)t;
	CHECK_STR(find(y, n, 0, 8), "");
	for (size_t t = 0; t < n; t++)
		y[t] = 1.0 + 0.001 * (double)t + gauss();
	CHECK_STR(find(y, n, 0, 8), "");
	w = 0.0;
	for (size_t t = 0; t < n; t++) {
		w = 0.99 * w + gauss();
		y[t] = w;
	}
	CHECK_STR(find(y, n, 0, 8), "");
	for (size_t t = 0; t < n; t++)
		y[t] = 7.0;
	CHECK_STR(find(y, n, 0, 8), "");
	for (size_t t = 0; t < 100; t++)
		y[t] = NAN;
	CHECK_STR(find(y, 100, 0, 8), "");
	CHECK_STR(find(y, 0, 0, 8), "");
	/* too short for five cycles of anything but tiny periods */
	for (size_t t = 0; t < 9; t++)
		y[t] = (double)(t % 2);
	CHECK_STR(find(y, 9, 0, 8), "");
	/* no room asked for */
	daily_weekly(y, n, 288, 1.0);
	CHECK_STR(find(y, n, 0, 0), "");
	/* strength may be NULL */
	size_t per[2];
	struct tsp_error err;
	CHECK(tsp_season_find(y, n, 0, per, NULL, 2, &err) == 2,
	      "without strengths");
}

int main(void)
{
	gsl_set_error_handler_off();
	five_minute();
	hourly();
	nothing();
	return t_done();
}
