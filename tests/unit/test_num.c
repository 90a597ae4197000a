/* Number parsing and shortest round-trip formatting. */
#include <math.h>
#include <stdint.h>
#include <stdlib.h>

#include "t.h"
#include "tsp_num.h"

static void fmt_is(double v, const char *want)
{
	char buf[TSP_NUM_BUFSZ];
	tsp_num_format(v, buf);
	CHECK_STR(buf, want);
}

static void parse_is(const char *s, double want)
{
	double v = -12345;
	enum tsp_num_status st = tsp_num_parse(s, strlen(s), &v);
	CHECK(st == TSP_NUM_OK && (v == want || (isnan(v) && isnan(want))),
	      "parse '%s' gave status %d value %.17g, want %.17g", s, st, v,
	      want);
}

static void parse_bad(const char *s)
{
	double v;
	CHECK(tsp_num_parse(s, strlen(s), &v) == TSP_NUM_BAD,
	      "'%s' should not parse", s);
}

static uint64_t rng = 88172645463325252ULL;
static uint64_t xorshift(void)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return rng;
}

int main(void)
{
	fmt_is(0.1, "0.1");
	fmt_is(0.3, "0.3");
	fmt_is(0.1 + 0.2, "0.30000000000000004");
	fmt_is(1.0 / 3, "0.3333333333333333");
	fmt_is(12.5, "12.5");
	fmt_is(100, "100");
	fmt_is(-7, "-7");
	fmt_is(-0.0, "-0");
	fmt_is(0.0, "0");
	fmt_is(1e21, "1e+21");
	fmt_is(1e15, "1e+15");
	fmt_is(123456789012345.0, "123456789012345");
	fmt_is(5e-324, "5e-324");
	fmt_is(2.5e-320, "2.5e-320");
	fmt_is(1.7976931348623157e308, "1.7976931348623157e+308");
	fmt_is(NAN, "NaN");
	fmt_is(INFINITY, "Inf");
	fmt_is(-INFINITY, "-Inf");
	fmt_is(1e-5, "1e-05");
	fmt_is(123.456e-10, "1.23456e-08");
	fmt_is(2.5e-7, "2.5e-07");

	parse_is("12.5", 12.5);
	parse_is("  12.5\t", 12.5);
	parse_is("-0.001", -0.001);
	parse_is("+3", 3);
	parse_is(".5", 0.5);
	parse_is("5.", 5);
	parse_is("1e3", 1000);
	parse_is("1.5E-3", 0.0015);
	parse_is("0.1", 0.1);
	parse_is("123456789012345678901234567890", 1.2345678901234568e29);
	parse_is("0.30000000000000004", 0.30000000000000004);
	parse_is("NaN", NAN);
	parse_is("nan", NAN);
	parse_is("Inf", INFINITY);
	parse_is("+Inf", INFINITY);
	parse_is("-Inf", -INFINITY);
	parse_is("-infinity", -INFINITY);
	parse_bad("n/a");
	parse_bad("0x10");
	parse_bad("1e");
	parse_bad("1.2.3");
	parse_bad("12abc");
	parse_bad("-");
	parse_bad(".");
	parse_bad("1 2");
	parse_bad("nan(0x1)");
	{
		double v;
		CHECK(tsp_num_parse("", 0, &v) == TSP_NUM_MISSING, "empty");
		CHECK(tsp_num_parse("  ", 2, &v) == TSP_NUM_MISSING, "blank");
	}

	/* Every double survives format -> parse bit for bit. */
	{
		int bad = 0;
		for (int i = 0; i < 200000; i++) {
			uint64_t bits = xorshift();
			double v, back;
			char buf[TSP_NUM_BUFSZ];
			size_t n;
			memcpy(&v, &bits, sizeof(v));
			if (i % 2)	/* also metric-like values */
				v = (double)(bits % 1000000) / 1000.0;
			if (isnan(v))
				continue;
			n = tsp_num_format(v, buf);
			if (tsp_num_parse(buf, n, &back) != TSP_NUM_OK ||
			    memcmp(&back, &v, sizeof(v)) != 0)
				bad++;
		}
		CHECK(bad == 0, "%d doubles did not round-trip", bad);
	}
	/* Shortest: a 17-digit form is used only when 16 do not do. */
	{
		char buf[TSP_NUM_BUFSZ];
		tsp_num_format(0.1 + 0.7, buf);
		CHECK_STR(buf, "0.7999999999999999");
	}

	CHECK(tsp_num_is_json("-0.5e+3", 7), "json number");
	CHECK(!tsp_num_is_json("01", 2), "leading zero is not JSON");
	CHECK(!tsp_num_is_json("+1", 2), "plus sign is not JSON");
	CHECK(!tsp_num_is_json("1.", 2), "1. is not JSON");
	CHECK(!tsp_num_is_json("NaN", 3), "NaN is not JSON");
	return t_done();
}
