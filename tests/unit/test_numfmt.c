/*
 * tsp_num_format() against the printf-based implementation it replaced:
 * the text must be byte-identical for every double.
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
	return t_done();
}
