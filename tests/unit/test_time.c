/* Times: parsing, formatting in the input's representation, durations. */
#include "t.h"
#include "tsp_time.h"

static tsp_time_t parse_ok(const char *s, enum tsp_time_unit u,
			   struct tsp_timefmt *fmt)
{
	tsp_time_t t = 0;
	int rc = tsp_time_parse(s, strlen(s), u, &t, fmt);
	CHECK(rc == 0, "'%s' should parse (rc %d)", s, rc);
	return t;
}

/* Parsing s then formatting in its own representation gives s back. */
static void roundtrip(const char *s, enum tsp_time_unit u)
{
	struct tsp_timefmt fmt;
	char buf[TSP_TIME_BUFSZ];
	tsp_time_t t = parse_ok(s, u, &fmt);
	tsp_time_format(t, &fmt, buf);
	CHECK_STR(buf, s);
}

static void time_is(const char *s, enum tsp_time_unit u, tsp_time_t want)
{
	struct tsp_timefmt fmt;
	tsp_time_t t = parse_ok(s, u, &fmt);
	CHECK(t == want, "'%s' = %lld, want %lld", s, (long long)t,
	      (long long)want);
}

static void bad_time(const char *s)
{
	tsp_time_t t;
	CHECK(tsp_time_parse(s, strlen(s), TSP_UNIT_S, &t, NULL) < 0,
	      "'%s' should not parse", s);
}

static void dur_is(const char *s, tsp_time_t want)
{
	tsp_time_t ns = -1;
	CHECK(tsp_duration_parse(s, &ns) == 0 && ns == want,
	      "duration '%s' = %lld, want %lld", s, (long long)ns,
	      (long long)want);
}

int main(void)
{
	const tsp_time_t S = TSP_NS_PER_SEC;
	struct tsp_timefmt fmt;
	char buf[TSP_TIME_BUFSZ];

	time_is("1700000000", TSP_UNIT_S, 1700000000 * S);
	time_is("1700000000.5", TSP_UNIT_S, 1700000000 * S + S / 2);
	time_is("-1.25", TSP_UNIT_S, -S - S / 4);
	time_is("-86400", TSP_UNIT_S, -86400 * S);
	time_is("1700000000123", TSP_UNIT_MS, 1700000000123 * TSP_NS_PER_MS);
	time_is("1970-01-01T00:00:00Z", TSP_UNIT_S, 0);
	time_is("2024-05-01T12:00:00Z", TSP_UNIT_S, 1714564800 * S);
	time_is("2024-05-01T14:00:00+02:00", TSP_UNIT_S, 1714564800 * S);
	time_is("2024-05-01T07:30:00-04:30", TSP_UNIT_S, 1714564800 * S);
	time_is("2024-02-29T00:00:00Z", TSP_UNIT_S, 1709164800 * S);
	time_is("1969-12-31T23:59:59.999999999Z", TSP_UNIT_S, -1);
	time_is("2024-05-01 12:00:00Z", TSP_UNIT_S, 1714564800 * S);
	time_is("2016-12-31T23:59:60Z", TSP_UNIT_S, 1483228800 * S - 1);

	roundtrip("1700000000", TSP_UNIT_S);
	roundtrip("1700000000.5", TSP_UNIT_S);
	roundtrip("1700000000.500", TSP_UNIT_S);
	roundtrip("-1.25", TSP_UNIT_S);
	roundtrip("-0.5", TSP_UNIT_S);
	roundtrip("0", TSP_UNIT_S);
	roundtrip("1700000000123", TSP_UNIT_MS);
	roundtrip("1700000000123.5", TSP_UNIT_MS);
	roundtrip("2024-05-01T12:00:00Z", TSP_UNIT_S);
	roundtrip("2024-05-01T12:00:00.250Z", TSP_UNIT_S);
	roundtrip("2024-05-01T14:00:00+02:00", TSP_UNIT_S);
	roundtrip("1900-03-01T00:00:00-05:00", TSP_UNIT_S);
	roundtrip("2024-05-01T12:00:00.123456789Z", TSP_UNIT_S);

	/* New times are written like the input: an offset stays. */
	parse_ok("2024-05-01T14:00:00+02:00", TSP_UNIT_S, &fmt);
	tsp_time_format(1714564800 * S + 3600 * S, &fmt, buf);
	CHECK_STR(buf, "2024-05-01T15:00:00+02:00");
	/* A fraction appears only when needed. */
	parse_ok("100", TSP_UNIT_S, &fmt);
	tsp_time_format(100 * S + S / 4, &fmt, buf);
	CHECK_STR(buf, "100.25");

	bad_time("");
	bad_time("yesterday");
	bad_time("2024-02-30T00:00:00Z");
	bad_time("2023-02-29T00:00:00Z");
	bad_time("2024-13-01T00:00:00Z");
	bad_time("2024-05-01T12:00:00");	/* no zone */
	bad_time("2024-05-01T24:00:00Z");
	bad_time("2024-05-01T12:00:00+2:00");
	bad_time("1.7e9");
	bad_time("12abc");
	{
		tsp_time_t t;
		CHECK(tsp_time_parse("99999999999999999999", 20, TSP_UNIT_S,
				     &t, NULL) == -2, "overflow is -2");
		CHECK(tsp_time_parse("2300-01-01T00:00:00Z", 20, TSP_UNIT_S,
				     &t, NULL) == -2, "year 2300 is -2");
	}

	dur_is("30s", 30 * S);
	dur_is("5m", 300 * S);
	dur_is("1h", 3600 * S);
	dur_is("1d", 86400 * S);
	dur_is("1w", 604800 * S);
	dur_is("500ms", S / 2);
	dur_is("90", 90 * S);
	dur_is("1.5", S + S / 2);
	dur_is("1h30m", 5400 * S);
	dur_is("1.5h", 5400 * S);
	{
		tsp_time_t ns;
		CHECK(tsp_duration_parse("", &ns) < 0, "empty duration");
		CHECK(tsp_duration_parse("5x", &ns) < 0, "unit x");
		CHECK(tsp_duration_parse("-5m", &ns) < 0, "negative");
		CHECK(tsp_duration_parse("m", &ns) < 0, "no number");
		CHECK(tsp_duration_parse("5m3", &ns) < 0, "trailing number");
	}
	CHECK(tsp_time_floordiv(-1, 60) == -1, "floor(-1/60) = -1");
	CHECK(tsp_time_floordiv(-60, 60) == -1, "floor(-60/60) = -1");
	CHECK(tsp_time_floordiv(59, 60) == 0, "floor(59/60) = 0");
	return t_done();
}
