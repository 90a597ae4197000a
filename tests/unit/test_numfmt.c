/*
 * tsp_num_format() against the printf-based implementation it replaced,
 * and tsp_num_format_fixed2() against printf's "%+.2f": the text must be
 * byte-identical for every double.
 *
 * TSP_NUMFMT_COUNT sets the number of random rounds (about 6 values each;
 * default 80000, 5000 under a TSP_WRAP such as valgrind).
 */
#include <float.h>
#include <math.h>
#include <stdint.h>
#include <stdlib.h>

#include "t.h"
#include "tsp_num.h"

/* The old tsp_num_format(), verbatim but for the names. */
static size_t ref_format(double v, char *buf)
{
	int prec;

	if (isnan(v)) {
		memcpy(buf, "NaN", 4);
		return 3;
	}
	if (isinf(v)) {
		if (v < 0) {
			memcpy(buf, "-Inf", 5);
			return 4;
		}
		memcpy(buf, "Inf", 4);
		return 3;
	}
	if (v == 0 && signbit(v)) {
		memcpy(buf, "-0", 3);
		return 2;
	}
	if (fabs(v) < 1e15 && v == (double)(int64_t)v) {
		size_t n = tsp_num_format_int((int64_t)v, buf);
		buf[n] = '\0';
		return n;
	}
	for (prec = fabs(v) < DBL_MIN ? 1 : 15; prec < 17; prec++) {
		int n = snprintf(buf, TSP_NUM_BUFSZ, "%.*g", prec, v);
		if (strtod(buf, NULL) == v)
			return (size_t)n;
	}
	return (size_t)snprintf(buf, TSP_NUM_BUFSZ, "%.17g", v);
}

static uint64_t rng = 0x9e3779b97f4a7c15ULL;
static uint64_t xorshift(void)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return rng;
}

static double from_bits(uint64_t bits)
{
	double v;
	memcpy(&v, &bits, sizeof(v));
	return v;
}

/* Mismatches and values compared in the current group; all compared. */
static long bad, total, grand_total;

static void same(double v)
{
	char want[TSP_NUM_BUFSZ], got[TSP_NUM_BUFSZ + 8];
	size_t nw, ng;

	memset(got, 'x', sizeof(got));
	nw = ref_format(v, want);
	ng = tsp_num_format(v, got);
	total++;
	if (ng != nw || strcmp(got, want) != 0 || ng >= TSP_NUM_BUFSZ) {
		if (bad++ < 10)
			printf("# %a: got '%.*s' (%zu), want '%s' (%zu)\n", v,
			       TSP_NUM_BUFSZ, got, ng, want, nw);
	}
}

/* v, -v and their neighbours on both sides. */
static void around(double v)
{
	double w[] = { v, nextafter(v, -INFINITY), nextafter(v, INFINITY) };
	for (int i = 0; i < 3; i++) {
		same(w[i]);
		same(-w[i]);
	}
}

static void group_done(const char *what)
{
	CHECK(bad == 0, "%ld of %ld %s formatted differently", bad, total,
	      what);
	grand_total += total;
	bad = 0;
	total = 0;
}

/* A random decimal of 1 to 17 digits times 10^[lo, hi), via strtod. */
static double random_decimal(int lo, int hi)
{
	char s[64];
	int nd = 1 + (int)(xorshift() % 17);
	uint64_t d = xorshift() % 100000000000000000ULL;
	int e = lo + (int)(xorshift() % (uint64_t)(hi - lo));

	for (int i = nd; i < 17; i++)
		d /= 10;
	snprintf(s, sizeof(s), "%llue%d", (unsigned long long)d, e);
	return strtod(s, NULL);
}

/* tsp_num_format_fixed2 against printf's "%+.2f": random values of
 * every size, the halves (where the binary value decides), signs, zeros,
 * NaN and infinities. */
static void test_fixed2(long rounds)
{
	static const double v[] = {
		0, -0.0, 0.005, -0.005, 0.015, 0.025, 0.125, -0.125, 0.375,
		2.675, 1.005, 1.015, 1.025, 0.045, 0.0049999999999999999,
		0.00500000000000001, 0.994999999, 0.995, 0.9950000001,
		-0.994999999, -0.995, 9.995, 99.995, 1e-300, -1e-300,
		4999999.995, 9999999.995, 9999999.994, 1e7 - 0.001,
		1e9, 1e9 - 0.005, 1e9 + 0.005, 123456789.125, 1e15, -1e15,
		1e20, 1e27, -1e27, 1e28, 1e300, -1e300, NAN, -NAN, INFINITY,
		-INFINITY, DBL_MAX, DBL_MIN, 5e-324
	};
	char got[TSP_NUM_BUFSZ], want[TSP_NUM_BUFSZ];
	long differ = 0, n = 0;
	uint64_t s = 88172645463325252ULL;

	for (size_t i = 0; i < sizeof(v) / sizeof(v[0]); i++) {
		size_t len = tsp_num_format_fixed2(v[i], got);
		snprintf(want, sizeof(want), "%+.2f", v[i]);
		n++;
		if (strcmp(got, want) != 0 || len != strlen(got)) {
			if (differ++ < 5)
				printf("fixed2(%.17g): '%s', printf '%s'\n",
				       v[i], got, want);
		}
	}
	for (long r = 0; r < rounds * 4; r++) {
		double x;
		s ^= s << 13;
		s ^= s >> 7;
		s ^= s << 17;
		switch (r % 4) {
		case 0:	/* contributions: within +-1 */
			x = ((double)(s >> 11) / 9007199254740992.0) * 2 - 1;
			break;
		case 1:	/* exact halves and their neighbours */
			x = ((double)(s % 200000) + 0.5) / 100;
			x = (s >> 60 & 1) ? nextafter(x, 0) : (s >> 61 & 1)
				? nextafter(x, 1e9) : x;
			break;
		case 2:	/* any size */
			x = ldexp((double)(s >> 11) / 9007199254740992.0,
				  (int)(s % 80) - 40);
			break;
		default:	/* any bits */
			memcpy(&x, &s, sizeof(x));
		}
		if (s >> 63)
			x = -x;
		size_t len = tsp_num_format_fixed2(x, got);
		snprintf(want, sizeof(want), "%+.2f", x);
		n++;
		if (strcmp(got, want) != 0 || len != strlen(got)) {
			if (differ++ < 5)
				printf("fixed2(%.17g): '%s', printf '%s'\n", x,
				       got, want);
		}
	}
	CHECK(differ == 0, "fixed2 = printf %%+.2f on %ld values (%ld differ)",
	      n, differ);
}

int main(void)
{
	const char *env = getenv("TSP_NUMFMT_COUNT");
	const char *wrap = getenv("TSP_WRAP");
	long rounds = env ? atol(env) : wrap && *wrap ? 5000 : 80000;

	/* The examples of the header and the edges of %g's two forms. */
	{
		static const double v[] = {
			0.1, 0.2, 0.3, 0.1 + 0.2, 0.1 + 0.7, 1.0 / 3, 2.0 / 3,
			12.5, 123.456, 1e21, 1e22, 1e23, 1e15, 1e16, 1e17,
			5e-324, 1e-323, DBL_MIN, DBL_MAX, DBL_EPSILON,
			1e-5, 1e-4, 1e-3, 0.00012345, 0.000012345, 9.5e-5,
			9.99999999999999e-5, 0.00009999999999999999,
			999999999999999.9, 999999999999999.5, 9999999999999998,
			1234567890123456.8, 123456789012345.67, 1e15 + 0.5,
			4503599627370495.5, 4503599627370496.0, 9007199254740993.0,
			18014398509481988.0, 2.98023223876953125e-08,
			1.7976931348623157e308, 2.2250738585072014e-308,
			2.2250738585072009e-308, 4.9406564584124654e-324,
			0.5, 0.25, 0.125, 1.5, 2.5, 1e100, 1e-100, 3.141592653589793, 2.718281828459045,
		};
		for (size_t i = 0; i < sizeof(v) / sizeof(v[0]); i++)
			around(v[i]);
		group_done("chosen values");
	}

	/* Every power of ten and of two, with neighbours. */
	{
		char s[16];
		for (int e = -324; e <= 308; e++) {
			snprintf(s, sizeof(s), "1e%d", e);
			around(strtod(s, NULL));
			snprintf(s, sizeof(s), "5e%d", e);
			around(strtod(s, NULL));
		}
		for (int e = -1074; e <= 1023; e++)
			around(ldexp(1, e));
		group_done("powers of 10 and 2");
	}

	/* Both ends and a random mantissa of every binary exponent. */
	{
		for (uint64_t be = 0; be < 2047; be++) {
			uint64_t ms[] = { 0, 1, 2, (1ULL << 52) - 1,
					  (1ULL << 52) - 2,
					  xorshift() >> 12 };
			for (int j = 0; j < 6; j++) {
				same(from_bits(be << 52 | ms[j]));
				same(-from_bits(be << 52 | ms[j]));
			}
		}
		group_done("exponent edges");
	}

	/* Integers and halves near 1e15, 2^53 and beyond. */
	{
		static const double base[] = { 1e15, 9007199254740992.0,
					       1e16, 1e17, 1e18, 1e19 };
		for (int b = 0; b < 6; b++)
			for (int d = -300; d <= 300; d++) {
				same(base[b] + d);
				same(base[b] + d + 0.5);
				same(base[b] + d * 0.25);
				same(-(base[b] + d));
			}
		group_done("integers near 1e15 and 2^53");
	}

	/* Random ones: bit patterns, computed values, short decimals. */
	for (long r = 0; r < rounds; r++) {
		uint64_t bits = xorshift();
		double v;

		if (!isnan(from_bits(bits)))
			same(from_bits(bits));
		same((double)(xorshift() >> 11) * 0x1p-53 * 1000);
		same((double)(xorshift() % 1000000) / 100.0);
		same(random_decimal(-330, 310));
		v = random_decimal(-20, 20);
		same(v);
		same(nextafter(v, 0));
		same(-nextafter(v, INFINITY));
		/* exact ties at 15 or 16 digits: n + 1/2, n + 1/4 */
		same((double)(xorshift() % 10000000000000000ULL) + 0.5);
		same(ldexp((double)(xorshift() >> 11), -(int)(xorshift() % 60)));
	}
	group_done("random values");
	printf("# %ld values compared (%ld random rounds)\n", grand_total,
	       rounds);
	test_fixed2(rounds);
	return t_done();
}
