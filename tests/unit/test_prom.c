/*
 * tsp_prom: chunk plans (every grid time in exactly one chunk, sizes,
 * boundaries), request forms, time options, and responses: keys, labels,
 * special values, errors, warnings and every kind of bad answer.
 */
#include <stdlib.h>
#include <time.h>

#include "t.h"
#include "tsp_prom.h"

#define S TSP_NS_PER_SEC

static uint64_t rng = 88172645463325252ULL;

static uint64_t rnd(void)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return rng;
}

/* The plan of one range covers the grid once, in order, within limits. */
static void check_plan(tsp_time_t start, tsp_time_t end, tsp_time_t step,
		       long maxp, tsp_time_t chunk)
{
	struct tsp_prom_chunk *c;
	struct tsp_error err;
	size_t n;
	int64_t npts = (end - start) / step + 1, seen = 0;
	tsp_time_t blk = step > INT64_MAX / maxp ? INT64_MAX : maxp * step;
	tsp_time_t next = start;
	int ok = 1;

	if (chunk && chunk < blk)
		blk = chunk;
	if (tsp_prom_plan(start, end, step, maxp, chunk, &c, &n, &err) < 0) {
		CHECK(0, "plan failed: %s", err.msg);
		return;
	}
	for (size_t i = 0; i < n; i++) {
		/* contiguous: each chunk starts at the next grid time */
		ok &= c[i].start == next;
		ok &= c[i].end == c[i].start + (c[i].points - 1) * step;
		ok &= c[i].points >= 1 && c[i].points <= maxp;
		ok &= c[i].end - c[i].start < blk;
		/* no chunk crosses a multiple of blk */
		ok &= tsp_time_floordiv(c[i].start, blk) ==
		      tsp_time_floordiv(c[i].end, blk);
		/* and each but the last ends right before one */
		if (i + 1 < n)
			ok &= tsp_time_floordiv(c[i].end + step, blk) !=
			      tsp_time_floordiv(c[i].end, blk);
		seen += c[i].points;
		next = c[i].end + step;
	}
	CHECK(ok && seen == npts && c[n - 1].end <= end &&
	      c[n - 1].end + step > end,
	      "plan of [%lld, %lld] step %lld max %ld chunk %lld: %zu chunks, "
	      "%lld of %lld points", (long long)start, (long long)end,
	      (long long)step, maxp, (long long)chunk, n, (long long)seen,
	      (long long)npts);
	free(c);
}

static void test_plan(void)
{
	struct tsp_prom_chunk *c, a, b;
	struct tsp_error err;
	size_t n;

	/* 8 days at 15 s: 46080 points, boundaries at multiples of
	 * 11000 * 15 s from the epoch */
	tsp_time_t t0 = 1704067200 * S;
	CHECK(tsp_prom_plan(t0, t0 + (8 * 86400 - 15) * S, 15 * S, 11000, 0,
			    &c, &n, &err) == 0, "plan");
	CHECK(n == 5, "8 days: %zu chunks", n);
	/* 1704067200 = 10327 * 165000 + 112200: 3520 points to the first */
	CHECK(c[0].start == t0 && c[0].points == 3520 &&
	      c[1].start == t0 + 3520 * 15 * S &&
	      c[1].points == 11000, "first chunks: %ld %ld", c[0].points,
	      c[1].points);
	free(c);
	/* one point */
	CHECK(tsp_prom_plan(t0, t0, 15 * S, 11000, 0, &c, &n, &err) == 0 &&
	      n == 1 && c[0].points == 1 && c[0].end == t0, "one point");
	free(c);
	/* --chunk 1h at 15 s: 240 points an hour, on the hour */
	CHECK(tsp_prom_plan(t0 + 1800 * S, t0 + 3 * 3600 * S, 15 * S, 11000,
			    3600 * S, &c, &n, &err) == 0 && n == 4 &&
	      c[0].points == 120 && c[1].start == t0 + 3600 * S &&
	      c[1].points == 240 && c[3].points == 1, "1h chunks: %zu", n);
	free(c);
	/* a grid off the boundaries: the first grid time of each chunk */
	CHECK(tsp_prom_plan(7 * S, 100 * S, 10 * S, 3, 0, &c, &n, &err) == 0 &&
	      n == 4 && c[0].start == 7 * S && c[0].points == 3 &&
	      c[1].start == 37 * S && c[3].start == 97 * S &&
	      c[3].points == 1, "offset grid: %zu", n);
	free(c);
	/* negative times floor correctly */
	check_plan(-1000 * S, 1000 * S, 7 * S, 13, 0);
	/* a huge step does not overflow the boundary arithmetic */
	check_plan(0, 200LL * 365 * 86400 * S, 365LL * 86400 * S, 11000, 0);
	check_plan(0, 200LL * 365 * 86400 * S, 365LL * 86400 * S, 7, 0);
	/* too many chunks is an error, not an endless loop */
	CHECK(tsp_prom_plan(0, INT64_C(4000000000) * S, S, 1, 0, &c, &n,
			    &err) < 0 && err.code == TSP_EUSAGE,
	      "too many chunks");
	/* random ranges */
	for (int i = 0; i < 3000; i++) {
		tsp_time_t step = (tsp_time_t)(rnd() % 100 + 1) * S / 4;
		tsp_time_t start = (tsp_time_t)(rnd() % 2000000) * S / 1000 -
				   1000 * S;
		tsp_time_t end = start + (tsp_time_t)(rnd() % 5000) * step +
				 (tsp_time_t)(rnd() % (uint64_t)step);
		long maxp = (long)(rnd() % 300) + 1;
		tsp_time_t chunk = rnd() % 2 ? 0 :
				   step + (tsp_time_t)(rnd() % 500) * step / 3;
		check_plan(start, end, step, maxp, chunk);
	}
	/* split: halves that meet with no gap */
	struct tsp_prom_chunk whole = { 100 * S, 190 * S, 10 };
	tsp_prom_split(&whole, 10 * S, &a, &b);
	CHECK(a.start == 100 * S && a.points == 5 && a.end == 140 * S &&
	      b.start == 150 * S && b.points == 5 && b.end == 190 * S,
	      "split");
	struct tsp_prom_chunk three = { 0, 20 * S, 3 };
	tsp_prom_split(&three, 10 * S, &a, &b);
	CHECK(a.points == 1 && a.end == 0 && b.start == 10 * S &&
	      b.points == 2, "split 3");
}

static void test_form(void)
{
	struct tsp_prom_chunk c = { 1704067200 * S + 500 * TSP_NS_PER_MS,
				    1704067260 * S, 121 };
	char *f = tsp_prom_form("rate(x{a=\"b c\"}[5m]) + 1", &c,
				500 * TSP_NS_PER_MS, 0);

	CHECK_STR(f, "query=rate%28x%7Ba%3D%22b%20c%22%7D%5B5m%5D%29%20%2B%201"
		  "&start=1704067200.5&end=1704067260&step=0.5");
	free(f);
	f = tsp_prom_form("up", &c, 15 * S, 300 * S);
	CHECK_STR(f, "query=up&start=1704067200.5&end=1704067260&step=15"
		  "&lookback_delta=300");
	free(f);
}

static void test_time(void)
{
	tsp_time_t now = 1704067200 * S, t;
	int rel;

	CHECK(tsp_prom_time_parse("now", now, &t, &rel) == 0 && t == now &&
	      rel, "now");
	CHECK(tsp_prom_time_parse("-7d", now, &t, &rel) == 0 &&
	      t == now - 7 * 86400 * S && rel, "-7d");
	CHECK(tsp_prom_time_parse("now-90m", now, &t, &rel) == 0 &&
	      t == now - 5400 * S && rel, "now-90m");
	CHECK(tsp_prom_time_parse("-1h30m", now, &t, &rel) == 0 &&
	      t == now - 5400 * S, "-1h30m");
	CHECK(tsp_prom_time_parse("2024-01-01T01:00:00+01:00", now, &t,
				  &rel) == 0 && t == now && !rel, "rfc3339");
	CHECK(tsp_prom_time_parse("1704067200.25", now, &t, &rel) == 0 &&
	      t == now + S / 4 && !rel, "epoch");
	CHECK(tsp_prom_time_parse("-90", now, &t, &rel) == 0 &&
	      t == -90 * S && !rel, "negative epoch is not relative");
	CHECK(tsp_prom_time_parse("yesterday", now, &t, &rel) < 0, "bad");
	CHECK(tsp_prom_time_parse("-7x", now, &t, &rel) < 0, "bad unit");
	CHECK(tsp_prom_time_parse("now-", now, &t, &rel) < 0, "now-");
}

static int parse(struct tsp_prom_result *r, const char *json,
		 const struct tsp_prom_chunk *c, struct tsp_error *err)
{
	char *b = strdup(json);
	return tsp_prom_parse(r, b, strlen(json), c, err);
}

static void test_parse(void)
{
	struct tsp_prom_result r;
	struct tsp_error err;
	struct tsp_prom_chunk c = { 10 * S, 40 * S, 4 };

	tsp_prom_result_init(&r);
	CHECK(parse(&r, "{\"status\":\"success\",\"warnings\":[\"w1\"],"
		    "\"infos\":[\"i\\\"1\"],\"data\":{\"resultType\":\"matrix\","
		    "\"result\":[{\"metric\":{\"job\":\"a\\\"b\\\\c,d\\ne\","
		    "\"__name__\":\"m\",\"a\":\"x\"},\"values\":[[10,\"1\"],"
		    "[20.5,\"NaN\"],[30,\"+Inf\"],[40,\"-Inf\"]]},"
		    "{\"metric\":{},\"values\":[[10,\"1e-3\"]]},"
		    "{\"metric\":{\"__name__\":\"up\"},\"values\":[]}]}}", &c,
		    &err) == 0, "parse: %s", err.msg);
	CHECK(r.success && r.nseries == 3 && r.nsamples == 5, "counts");
	CHECK(r.nwarnings == 2 && !strcmp(r.warnings[0], "w1") &&
	      !strcmp(r.warnings[1], "info: i\"1"), "warnings");
	/* sorted by key: m{...} < up < {} */
	CHECK_STR(r.series[0].key, "m{a=\"x\",job=\"a\\\"b\\\\c,d\\ne\"}");
	CHECK_STR(r.series[1].key, "up");
	CHECK_STR(r.series[2].key, "{}");
	CHECK(r.series[0].nsamples == 4 && r.series[0].samples[1].t ==
	      20 * S + S / 2, "times");
	CHECK(r.series[0].samples[2].vlen == 4 &&
	      !memcmp(r.series[0].samples[2].v, "+Inf", 4), "+Inf kept");
	CHECK_STR(tsp_prom_label(&r.series[0], "job"), "a\"b\\c,d\ne");
	CHECK_STR(tsp_prom_label(&r.series[0], "__name__"), "m");
	CHECK(tsp_prom_label(&r.series[0], "nope") == NULL, "no label");
	CHECK(!tsp_prom_too_big(&r), "not too big");

	CHECK(parse(&r, "{\"status\":\"error\",\"errorType\":\"execution\","
		    "\"error\":\"query processing would load too many samples "
		    "into memory in query execution\"}", &c, &err) == 0 &&
	      !r.success && tsp_prom_too_big(&r) &&
	      !strcmp(r.error_type, "execution"), "too many samples");
	CHECK(parse(&r, "{\"status\":\"error\",\"errorType\":\"bad_data\","
		    "\"error\":\"1:4: parse error\"}", &c, &err) == 0 &&
	      !r.success && !tsp_prom_too_big(&r) &&
	      !strcmp(r.error, "1:4: parse error"), "bad_data");

	static const struct {
		const char *json, *msg;
	} bad[] = {
		{ "{\"status\":\"success\",\"data\":{\"resultType\":\"matrix\","
		  "\"result\":[{\"metric\":{},\"values\":[[10,\"1\"],[1",
		  "truncated JSON" },
		{ "<html></html>", "malformed JSON" },
		{ "{\"status\":\"success\"} {}", "malformed JSON (text after "
		  "the document)" },
		{ "{\"data\":{}}", "not a Prometheus API response (no status)" },
		{ "{\"status\":\"success\",\"data\":{\"resultType\":\"vector\","
		  "\"result\":[]}}", "expected a matrix result, got 'vector'" },
		{ "{\"status\":\"success\",\"data\":{\"resultType\":\"matrix\","
		  "\"result\":[{\"metric\":{},\"values\":[[10,\"x\"]]}]}}",
		  "bad value 'x' in series '{}'" },
		{ "{\"status\":\"success\",\"data\":{\"resultType\":\"matrix\","
		  "\"result\":[{\"metric\":{},\"values\":[[\"10\",\"1\"]]}]}}",
		  "malformed sample in series '{}'" },
		{ "{\"status\":\"success\",\"data\":{\"resultType\":\"matrix\","
		  "\"result\":[{\"metric\":{},\"values\":[[20,\"1\"],"
		  "[20,\"2\"]]}]}}",
		  "series '{}': sample at '20' not after the one before" },
		{ "{\"status\":\"success\",\"data\":{\"resultType\":\"matrix\","
		  "\"result\":[{\"metric\":{},\"values\":[[50,\"1\"]]}]}}",
		  "series '{}': sample at '50' outside the requested range "
		  "(does the server align times to the step?)" },
		{ "{\"status\":\"success\",\"data\":{\"resultType\":\"matrix\","
		  "\"result\":[{\"metric\":{\"a\":\"1\"},\"values\":[]},"
		  "{\"metric\":{\"a\":\"1\"},\"values\":[]}]}}",
		  "series '{a=\"1\"}' appears twice in the response" },
		{ "{\"status\":\"success\",\"data\":{\"resultType\":\"matrix\","
		  "\"result\":[{\"metric\":{},\"histograms\":[[10,{}]]}]}}",
		  "native histogram samples are not supported" },
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		tsp_error_clear(&err);
		CHECK(parse(&r, bad[i].json, &c, &err) < 0 &&
		      err.code == TSP_EDATA && !strcmp(err.msg, bad[i].msg),
		      "bad %zu: got '%s', want '%s'", i, err.msg, bad[i].msg);
	}
	/* no range given: no range check */
	CHECK(parse(&r, "{\"status\":\"success\",\"data\":{\"resultType\":"
		    "\"matrix\",\"result\":[{\"metric\":{},\"values\":"
		    "[[50,\"1\"]]}]}}", NULL, &err) == 0, "no range");
	tsp_prom_result_release(&r);
}

/* A long series: the tokenizer must not go quadratic (jsmn without
 * parent links would), and every sample must come back. */
static void test_long(void)
{
	size_t n = 200000, cap = n * 32 + 200, len;
	char *b = malloc(cap);
	struct tsp_prom_result r;
	struct tsp_error err;
	int ok = 1;

	len = (size_t)sprintf(b, "{\"status\":\"success\",\"data\":{"
			      "\"resultType\":\"matrix\",\"result\":[{\"metric\":"
			      "{\"__name__\":\"x\"},\"values\":[");
	for (size_t i = 0; i < n; i++)
		len += (size_t)sprintf(b + len, "%s[%zu,\"%zu\"]", i ? "," : "",
				       i + 1, i);
	len += (size_t)sprintf(b + len, "]}]}}");
	tsp_prom_result_init(&r);
	clock_t c0 = clock();
	CHECK(tsp_prom_parse(&r, b, len, NULL, &err) == 0, "long: %s", err.msg);
	/* linear: about 0.03 s (1 s under valgrind); quadratic: 30 s */
	CHECK((double)(clock() - c0) / CLOCKS_PER_SEC < 10, "long: %.1f s of "
	      "CPU: quadratic?", (double)(clock() - c0) / CLOCKS_PER_SEC);
	CHECK(r.nsamples == n, "long: %zu samples", r.nsamples);
	for (size_t i = 0; i < r.nsamples && ok; i++)
		ok = r.series[0].samples[i].t == (tsp_time_t)(i + 1) * S;
	CHECK(ok, "long: times");
	tsp_prom_result_release(&r);
}

int main(void)
{
	test_plan();
	test_form();
	test_time();
	test_parse();
	test_long();
	return t_done();
}
