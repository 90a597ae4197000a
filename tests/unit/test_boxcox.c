/* Box-Cox: Guerrero's lambda against forecast 8.20, transform round trips,
 * the domain of each direction. */
#include <float.h>
#include <gsl/gsl_errno.h>
#include <math.h>

#include "ref_season.h"
#include "t.h"
#include "tsp_boxcox.h"

static void lambdas_match_r(void)
{
	size_t n = sizeof(ref_lambdas) / sizeof(ref_lambdas[0]);

	for (size_t i = 0; i < n; i++) {
		const struct ref_lambda *r = &ref_lambdas[i];
		double got = tsp_boxcox_lambda(r->x, r->n, r->period,
					       r->lower, r->upper);
		CHECK(fabs(got - r->lambda) <= 1e-8, "%s: lambda %.17g, R %.17g",
		      r->name, got, r->lambda);
	}
}

static void lambda_edges(void)
{
	double x[30];

	for (int i = 0; i < 30; i++)
		x[i] = 1.0 + (i % 5) + 0.1 * i;
	/* n <= 2 * period: no search */
	CHECK(tsp_boxcox_lambda(x, 24, 12, -1, 2) == 1.0, "short series");
	CHECK(tsp_boxcox_lambda(x, 2, 0, -1, 2) == 1.0, "two points");
	/* bounds */
	CHECK(isnan(tsp_boxcox_lambda(x, 30, 5, 1, 1)), "empty interval");
	CHECK(isnan(tsp_boxcox_lambda(x, 30, 5, 2, -1)), "reversed");
	CHECK(isnan(tsp_boxcox_lambda(x, 30, 5, -INFINITY, 2)), "infinite");
	/* a value <= 0 moves lower to 0 */
	x[7] = 0.0;
	double l = tsp_boxcox_lambda(x, 30, 5, -1, 2);
	CHECK(l >= 0.0 && l <= 2.0, "non-positive data: lambda %g", l);
	x[7] = -3.0;
	CHECK(isnan(tsp_boxcox_lambda(x, 30, 5, -1, -0.5)),
	      "non-positive data and upper < 0");
	/* period 0 and 1 are the same non-seasonal series */
	x[7] = 2.5;
	CHECK(tsp_boxcox_lambda(x, 30, 0, -1, 2) ==
	      tsp_boxcox_lambda(x, 30, 1, -1, 2), "period 0 = period 1");
	/* a long series takes the allocating path */
	static double big[5000];
	for (int i = 0; i < 5000; i++)
		big[i] = exp(0.001 * i) * (2.0 + sin(i * 0.7));
	l = tsp_boxcox_lambda(big, 5000, 2, -1, 2);
	CHECK(l >= -1.0 && l <= 2.0, "2500 columns: lambda %g", l);
}

static void round_trips(void)
{
	static const double lam[] = {-1.0, -0.5, -0.1, -1e-3, 0.0, 1e-3, 0.3,
				     0.5, 1.0, 1.7, 2.0};
	static const double pos[] = {1e-3, 0.5, 1.0, 3.7, 100.0, 1234.5};
	static const double neg[] = {-0.01, -2.5, -300.0, 0.0};

	for (size_t i = 0; i < sizeof(lam) / sizeof(lam[0]); i++) {
		for (size_t j = 0; j < sizeof(pos) / sizeof(pos[0]); j++) {
			double y = NAN, back = NAN, x = pos[j];
			/* x^lambda - 1 with x^lambda < 1e-3 drops x's digits */
			if (lam[i] > 0.0 && pow(x, lam[i]) < 1e-3)
				continue;
			int a = tsp_boxcox(x, lam[i], &y);
			int b = a ? -1 : tsp_boxcox_inv(y, lam[i], &back);
			CHECK(a == 0 && b == 0 &&
			      fabs(back - x) <= 1e-12 * fabs(x),
			      "lambda %g x %g: y %.17g back %.17g", lam[i], x,
			      y, back);
		}
		if (lam[i] <= 0.0)
			continue;
		for (size_t j = 0; j < sizeof(neg) / sizeof(neg[0]); j++) {
			double y = NAN, back = NAN, x = neg[j];
			int a = tsp_boxcox(x, lam[i], &y);
			int b = a ? -1 : tsp_boxcox_inv(y, lam[i], &back);
			CHECK(a == 0 && b == 0 &&
			      fabs(back - x) <= 1e-12 * fmax(fabs(x), 1e-300),
			      "lambda %g x %g: y %.17g back %.17g", lam[i], x,
			      y, back);
		}
	}
}

static void values(void)
{
	double y;

	CHECK(tsp_boxcox(2.0, 0.0, &y) == 0 && y == log(2.0), "log");
	CHECK(tsp_boxcox(2.0, 0.5, &y) == 0 && y == (sqrt(2.0) - 1.0) / 0.5,
	      "sqrt: %.17g", y);
	CHECK(tsp_boxcox(-4.0, 0.5, &y) == 0 && y == (-2.0 - 1.0) / 0.5,
	      "sign kept: %.17g", y);
	CHECK(tsp_boxcox(3.0, 2.0, &y) == 0 && y == 4.0, "square: %.17g", y);
	CHECK(tsp_boxcox(0.0, 1.0, &y) == 0 && y == -1.0, "zero, lambda 1");
	CHECK(tsp_boxcox_inv(1.0, 0.0, &y) == 0 && y == exp(1.0), "exp");
	CHECK(tsp_boxcox_inv(-5.0, 1.0, &y) == 0 && y == -4.0,
	      "negative t: %.17g", y);
}

static void domains(void)
{
	double y = 42.0;

	/* forward */
	CHECK(tsp_boxcox(0.0, 0.0, &y) < 0, "log 0");
	CHECK(tsp_boxcox(-1.0, 0.0, &y) < 0, "log of negative");
	CHECK(tsp_boxcox(0.0, -0.5, &y) < 0, "0 with lambda < 0");
	CHECK(tsp_boxcox(-2.0, -0.5, &y) < 0, "negative with lambda < 0");
	CHECK(tsp_boxcox(NAN, 1.0, &y) < 0, "NaN");
	CHECK(tsp_boxcox(INFINITY, 0.5, &y) < 0, "Inf");
	CHECK(tsp_boxcox(2.0, NAN, &y) < 0, "NaN lambda");
	CHECK(tsp_boxcox(1e300, 2.0, &y) < 0, "overflow");
	CHECK(tsp_boxcox(1e-300, -2.0, &y) < 0, "overflow, lambda < 0");
	/* inverse: lambda < 0 needs y < -1/lambda */
	CHECK(tsp_boxcox_inv(2.0, -0.5, &y) < 0, "y = -1/lambda");
	CHECK(tsp_boxcox_inv(3.0, -0.5, &y) < 0, "y > -1/lambda");
	CHECK(tsp_boxcox_inv(800.0, 0.0, &y) < 0, "exp overflow");
	CHECK(tsp_boxcox_inv(NAN, 1.0, &y) < 0, "NaN");
	CHECK(tsp_boxcox_inv(-INFINITY, 0.0, &y) < 0, "-Inf");
	CHECK(y == 42.0, "out untouched on failure");
	CHECK(tsp_boxcox_inv(1.999, -0.5, &y) == 0 && y > 1e5,
	      "just inside: %g", y);
	CHECK(tsp_boxcox_inv(-700.0, 0.0, &y) == 0 && y > 0.0, "exp(-700)");
}

int main(void)
{
	gsl_set_error_handler_off();
	lambdas_match_r();
	lambda_edges();
	round_trips();
	values();
	domains();
	return t_done();
}
