/* Reader and writer: CSV and NDJSON, gzip, line numbers, errors, quoting. */
#include <stdint.h>
#include <stdlib.h>
#include <unistd.h>
#include <zlib.h>

#include "t.h"
#include "tsp_reader.h"
#include "tsp_table.h"
#include "tsp_writer.h"

static char path[64];

static const char *put(const char *content, size_t len)
{
	int fd;
	strcpy(path, "/tmp/tsp_test_XXXXXX");
	fd = mkstemp(path);
	if (fd < 0 || write(fd, content, len) != (ssize_t)len)
		abort();
	close(fd);
	return path;
}

static const char *put_gz(const char *content, size_t len, size_t cut)
{
	gzFile gz;
	strcpy(path, "/tmp/tsp_test_XXXXXX");
	close(mkstemp(path));
	gz = gzopen(path, "wb");
	gzwrite(gz, content, (unsigned)len);
	gzclose(gz);
	if (cut) {	/* truncate the compressed file */
		if (truncate(path, cut) != 0)
			abort();
	}
	return path;
}

/* Read all records of text; returns them as "name=val|..." lines. */
static int slurp(const char *text, size_t len, enum tsp_format fmt,
		 char *out, size_t cap, struct tsp_error *err)
{
	struct tsp_reader *r = tsp_reader_open(put(text, len), fmt, err);
	struct tsp_record *rec;
	size_t o = 0;
	int rc;

	out[0] = '\0';
	if (!r)
		return -1;
	while ((rc = tsp_reader_next(r, &rec, err)) > 0) {
		o += (size_t)snprintf(out + o, cap - o, "%ld:", rec->line);
		for (size_t i = 0; i < rec->n; i++)
			o += (size_t)snprintf(out + o, cap - o, "%s%s=%s",
					      i ? "|" : "", rec->f[i].name,
					      rec->f[i].val);
		o += (size_t)snprintf(out + o, cap - o, "\n");
	}
	tsp_reader_free(r);
	unlink(path);
	return rc;
}

/* s[0..n) is a whole line of text[0..len), without its line end. */
static int is_line(const char *text, size_t len, const char *s, size_t n)
{
	for (size_t at = 0; at + n <= len; at++) {
		if ((at && text[at - 1] != '\n') || memcmp(text + at, s, n))
			continue;
		if (at + n == len || text[at + n] == '\n' ||
		    text[at + n] == '\r')
			return 1;
	}
	return 0;
}

/* As slurp, CSV, with the fast path on or off; stops at the first error. */
static int slurp_opts(const char *text, size_t len, int fast, char *out,
		      size_t cap, struct tsp_error *err)
{
	struct tsp_reader *r = tsp_reader_open(put(text, len), TSP_FMT_CSV, err);
	struct tsp_record *rec;
	size_t o = 0;
	int rc;

	out[0] = '\0';
	tsp_reader_set_fastpath(r, fast);
	while ((rc = tsp_reader_next(r, &rec, err)) > 0) {
		/* a record's raw text is one whole line of the input */
		if (rec->raw)
			CHECK(is_line(text, len, rec->raw, rec->rawlen),
			      "raw text of line %ld is not a line", rec->line);
		o += (size_t)snprintf(out + o, cap - o, "%ld:", rec->line);
		for (size_t i = 0; i < rec->n; i++)
			o += (size_t)snprintf(out + o, cap - o, "[%s]",
					      rec->f[i].val);
		o += (size_t)snprintf(out + o, cap - o, "\n");
	}
	tsp_reader_free(r);
	unlink(path);
	return rc;
}

#define SLURP(s, fmt) slurp((s), sizeof(s) - 1, (fmt), out, sizeof(out), &err)

static void test_csv(void)
{
	char out[4096];
	struct tsp_error err;

	tsp_error_clear(&err);
	CHECK(SLURP("a,b\n1,2\n3,4\n", TSP_FMT_AUTO) == 0, "%s", err.msg);
	CHECK_STR(out, "2:a=1|b=2\n3:a=3|b=4\n");

	/* Quotes, embedded comma/newline/quote; the line is where it starts. */
	CHECK(SLURP("k,v\n\"x,\"\"y\"\"\n2\",5\nz,6\n", TSP_FMT_CSV) == 0,
	      "%s", err.msg);
	CHECK_STR(out, "2:k=x,\"y\"\n2|v=5\n4:k=z|v=6\n");

	/* CRLF, blank lines, BOM, no final newline, spaces kept. */
	CHECK(SLURP("\xef\xbb\xbf" "a,b\r\n\r\n 1 ,2\r\n\n3,4", TSP_FMT_AUTO)
	      == 0, "%s", err.msg);
	CHECK_STR(out, "3:a= 1 |b=2\n5:a=3|b=4\n");

	/* Wrong field count: an error naming the line; the reader goes on. */
	{
		const char *p = put("a,b\n1,2\n3\n5,6\n", 14);
		struct tsp_reader *r = tsp_reader_open(p, TSP_FMT_AUTO, &err);
		struct tsp_record *rec;
		CHECK(tsp_reader_next(r, &rec, &err) == 1, "first record");
		CHECK(tsp_reader_next(r, &rec, &err) == -1, "short record");
		CHECK(err.line == 3, "line %ld", err.line);
		CHECK_STR(err.msg, "expected 2 fields as in the header, found 1");
		CHECK(!tsp_reader_failed(r), "recoverable");
		CHECK(tsp_reader_next(r, &rec, &err) == 1 && rec->line == 4,
		      "goes on after a short record");
		tsp_reader_free(r);
		unlink(p);
	}
	/* Stray quote: a syntax error that stops the reader. */
	CHECK(SLURP("a,b\n1,2\n3,4\"x\n", TSP_FMT_AUTO) == -1, "stray quote");
	CHECK(err.line == 3, "stray quote line %ld", err.line);
	CHECK(strstr(err.msg, "malformed CSV") != NULL, "%s", err.msg);
	CHECK(SLURP("a,b\n1,\"2\n", TSP_FMT_AUTO) == -1, "unterminated");
	CHECK_STR(err.msg, "unterminated quoted field");
	CHECK(SLURP("a,a\n1,2\n", TSP_FMT_AUTO) == -1, "duplicate column");
	CHECK_STR(err.msg, "duplicate column 'a' in the header");

	/* Header only, and empty input. */
	CHECK(SLURP("a,b\n", TSP_FMT_AUTO) == 0 && out[0] == '\0', "header");
	CHECK(SLURP("", TSP_FMT_AUTO) == 0 && out[0] == '\0', "empty");

	/* A 1 MB field passes through whole. */
	{
		size_t n = 1 << 20;
		char *big = malloc(n + 16);
		struct tsp_reader *r;
		struct tsp_record *rec;
		memcpy(big, "a,b\n1,", 6);
		memset(big + 6, 'x', n);
		memcpy(big + 6 + n, "\n", 1);
		r = tsp_reader_open(put(big, n + 7), TSP_FMT_AUTO, &err);
		CHECK(tsp_reader_next(r, &rec, &err) == 1 &&
		      rec->f[1].len == n, "1 MB field");
		tsp_reader_free(r);
		unlink(path);
		free(big);
	}
}

static void test_ndjson(void)
{
	char out[4096];
	struct tsp_error err;

	tsp_error_clear(&err);
	CHECK(SLURP("{}\n{ \"k\" : \"v\" , \"n\" : 2 }\n", TSP_FMT_AUTO) == 0,
	      "%s", err.msg);
	CHECK_STR(out, "1:\n2:k=v|n=2\n");
	CHECK(SLURP("\n{\"a\":1,\"b\":\"x\\\"y\\u00e9\\ud83d\\ude00\",\"c\":null,"
		    "\"d\":true}\n  \n{\"a\":-2.5e3}\n", TSP_FMT_AUTO) == 0,
	      "%s", err.msg);
	CHECK_STR(out, "2:a=1|b=x\"y\xc3\xa9\xf0\x9f\x98\x80|c=null|d=true\n"
		       "4:a=-2.5e3\n");

	static const struct { const char *in, *msg; } bad[] = {
		{"{\"a\":1\n", "truncated JSON object"},
		{"{\"a\":1} x\n", "malformed JSON"},
		{"{\"a\":1}{\"b\":2}\n", "text after the JSON object"},
		{"{a:1}\n", "malformed JSON"},
		{"{\"a\":\"\\x\"}\n", "malformed JSON"},
		{"{\"a\":\"\\ud800\"}\n", "bad escape in a JSON string"},
		{"{\"a\":[1,2]}\n", "nested value in a record (NDJSON records must be flat)"},
		{"{\"a\":{\"b\":1}}\n", "nested value in a record (NDJSON records must be flat)"},
		{"{\"a\":01}\n", "malformed JSON value"},
		{"{\"a\":tru}\n", "malformed JSON value"},
		{"[1,2]\n", "expected a JSON object"},
		{"{\"a\" 1}\n", "malformed JSON"},
		{"{\"a\"::1}\n", "malformed JSON (expected ':' or ',')"},
		{"{\"a\":1 \"b\":2}\n", "malformed JSON"},
		{"{\"a\":\"x\" \"b\":\"y\"}\n", "malformed JSON"},
		{"{\"a\":1,}\n", "malformed JSON (expected ':' or ',')"},
		{"{,\"a\":1}\n", "malformed JSON (expected ':' or ',')"},
		{"{\"a\":1,,\"b\":2}\n", "malformed JSON (expected ':' or ',')"},
		{"{\"a\":\"x\ty\"}\n", "bad escape in a JSON string"},
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		int rc = slurp(bad[i].in, strlen(bad[i].in), TSP_FMT_NDJSON,
			       out, sizeof(out), &err);
		CHECK(rc == -1 && strcmp(err.msg, bad[i].msg) == 0 &&
		      err.line == 1, "'%s': rc %d line %ld msg '%s'",
		      bad[i].in, rc, err.line, err.msg);
	}
	/* Keys at the same place change, grow, shrink and carry escapes. */
	CHECK(SLURP("{\"a\":1}\n{\"abcdefgh\":2}\n{\"a\":3}\n{\"\\u0061\":4}\n"
		    "{\"a\\\"b\":5}\n{\"a\":6,\"a\\\"b\":7}\n", TSP_FMT_AUTO) == 0,
	      "%s", err.msg);
	CHECK_STR(out, "1:a=1\n2:abcdefgh=2\n3:a=3\n4:a=4\n5:a\"b=5\n"
		       "6:a=6|a\"b=7\n");

	/* A bad line does not stop the reader. */
	{
		const char *t = "{\"a\":1}\n{oops\n{\"a\":3}\n";
		struct tsp_reader *r = tsp_reader_open(put(t, strlen(t)),
						       TSP_FMT_AUTO, &err);
		struct tsp_record *rec;
		CHECK(tsp_reader_next(r, &rec, &err) == 1, "line 1");
		CHECK(tsp_reader_next(r, &rec, &err) == -1 && err.line == 2,
		      "line 2 bad");
		CHECK(tsp_reader_next(r, &rec, &err) == 1 && rec->line == 3,
		      "line 3 read");
		tsp_reader_free(r);
		unlink(path);
	}
}

static void test_gzip(void)
{
	const char *t = "a,b\n1,2\n3,4\n";
	struct tsp_error err;
	struct tsp_reader *r;
	struct tsp_record *rec;
	int n = 0, rc;

	tsp_error_clear(&err);
	r = tsp_reader_open(put_gz(t, strlen(t), 0), TSP_FMT_AUTO, &err);
	CHECK(r && tsp_reader_format(r) == TSP_FMT_CSV, "gzip csv detected");
	while ((rc = tsp_reader_next(r, &rec, &err)) > 0)
		n++;
	CHECK(rc == 0 && n == 2, "gzip records %d rc %d", n, rc);
	tsp_reader_free(r);
	unlink(path);

	/* A truncated gzip file is an error, not a short success. */
	{
		char big[20000];
		size_t o = 0;
		o += (size_t)sprintf(big, "a,b\n");
		for (int i = 0; o < sizeof(big) - 40; i++)
			o += (size_t)sprintf(big + o, "%d,%d\n", i, i * 7919 % 1000);
		r = tsp_reader_open(put_gz(big, o, 200), TSP_FMT_AUTO, &err);
		while (r && (rc = tsp_reader_next(r, &rec, &err)) > 0)
			;
		CHECK(r && rc == -1 && strstr(err.msg, "gzip") != NULL,
		      "truncated gzip: rc %d '%s'", rc, err.msg);
		tsp_reader_free(r);
		unlink(path);
	}
	r = tsp_reader_open("/nonexistent/x.csv", TSP_FMT_AUTO, &err);
	CHECK(!r && err.code == TSP_ESYS &&
	      strcmp(err.msg, "cannot open: No such file or directory") == 0,
	      "missing file: %s", err.msg);
}

/* Write fields with a writer into a temp file and read the text back. */
static void written(enum tsp_format fmt, const struct tsp_field *f, size_t n,
		    int times, char *out, size_t cap)
{
	int fd;
	struct tsp_writer *w;
	struct tsp_error err;
	ssize_t got;

	strcpy(path, "/tmp/tsp_test_XXXXXX");
	fd = mkstemp(path);
	w = tsp_writer_new(fd, fmt);
	tsp_error_clear(&err);
	for (int i = 0; i < times; i++)
		tsp_writer_write(w, f, n, &err);
	tsp_writer_flush(w, &err);
	tsp_writer_free(w);
	lseek(fd, 0, SEEK_SET);
	got = read(fd, out, cap - 1);
	out[got > 0 ? got : 0] = '\0';
	close(fd);
	unlink(path);
}

static void test_writer(void)
{
	char out[1024];
	const char *a = tsp_intern("a", 1), *b = tsp_intern("b", 1),
		   *c = tsp_intern("c", 1), *d = tsp_intern("d", 1);
	struct tsp_field f[] = {
		{a, "x,\"y\"", 5, TSP_T_TEXT, 0},
		{b, "12.5", 4, TSP_T_TEXT, TSP_FF_PLAIN},
		{c, "", 0, TSP_T_NULL, 0},
		{d, "line\nbreak\t\x01", 12, TSP_T_STRING, 0},
	};
	written(TSP_FMT_CSV, f, 4, 2, out, sizeof(out));
	CHECK_STR(out, "a,b,c,d\n\"x,\"\"y\"\"\",12.5,,\"line\nbreak\t\x01\"\n"
		       "\"x,\"\"y\"\"\",12.5,,\"line\nbreak\t\x01\"\n");
	written(TSP_FMT_NDJSON, f, 4, 1, out, sizeof(out));
	CHECK_STR(out, "{\"a\":\"x,\\\"y\\\"\",\"b\":12.5,\"c\":null,"
		       "\"d\":\"line\\nbreak\\t\\u0001\"}\n");
	{
		struct tsp_field g[] = {
			{a, "NaN", 3, TSP_T_NUMBER, 0}, {b, "-Inf", 4, TSP_T_NUMBER, 0},
			{c, "+1", 2, TSP_T_NUMBER, 0}, {d, "true", 4, TSP_T_BOOL, 0},
		};
		written(TSP_FMT_NDJSON, g, 4, 1, out, sizeof(out));
		CHECK_STR(out, "{\"a\":null,\"b\":\"-Inf\",\"c\":1,\"d\":true}\n");
	}
}

/*
 * Records laid out unlike the header go through the writer's mapping
 * path.  With a wide header (3,000 columns) and short records holding one
 * long value, it once reserved too little and overran its buffer (caught
 * by the ASan build, check-sanitize).  Write 400 such records of varying
 * size, read them back.
 */
static void test_writer_mapping(void)
{
	enum { NCOL = 3000, NREC = 400 };
	const char **hdr = malloc(NCOL * sizeof(*hdr));
	char *val = malloc(4000), name[16];
	struct tsp_error err;
	struct tsp_writer *w;
	struct tsp_reader *r;
	struct tsp_record *rec;
	int fd, n = 0, good = 0, failed = 0;

	for (int i = 0; i < NCOL; i++) {
		int len = snprintf(name, sizeof(name), "c%d", i);
		hdr[i] = tsp_intern(name, (size_t)len);
	}
	memset(val, 'v', 4000);
	strcpy(path, "/tmp/tsp_test_XXXXXX");
	fd = mkstemp(path);
	w = tsp_writer_new(fd, TSP_FMT_CSV);
	tsp_error_clear(&err);
	tsp_writer_header(w, hdr, NCOL, &err);
	for (int i = 0; i < NREC; i++) {
		struct tsp_field f[] = {
			{hdr[7], "x,y", 3, TSP_T_TEXT, 0},
			{hdr[0], val, (uint32_t)(1000 + 37 * i % 1500), TSP_T_TEXT,
			 TSP_FF_PLAIN},
		};
		if (tsp_writer_write(w, f, 2, &err) < 0)
			failed++;
	}
	CHECK(failed == 0 && tsp_writer_flush(w, &err) == 0,
	      "%d writes failed: %s", failed, err.msg);
	tsp_writer_free(w);
	close(fd);
	r = tsp_reader_open(path, TSP_FMT_CSV, &err);
	while (r && tsp_reader_next(r, &rec, &err) > 0) {
		int i = n++;
		if (rec->n == NCOL && strcmp(rec->f[7].val, "x,y") == 0 &&
		    rec->f[0].len == (uint32_t)(1000 + 37 * i % 1500) &&
		    rec->f[1].len == 0)
			good++;
	}
	CHECK(n == NREC && good == NREC, "read back %d records, %d intact",
	      n, good);
	tsp_reader_free(r);
	unlink(path);
	free(val);
	free(hdr);
}

static void test_table(void)
{
	struct tsp_table t;
	char key[32];
	int added, bad = 0;
	const long n = 300000;

	tsp_table_init(&t);
	for (long i = 0; i < n; i++) {
		int len = snprintf(key, sizeof(key), "host%ld{cpu=%ld}", i, i % 7);
		if (tsp_table_get(&t, key, (size_t)len, &added) != i || !added)
			bad++;
	}
	for (long i = n - 1; i >= 0; i--) {
		int len = snprintf(key, sizeof(key), "host%ld{cpu=%ld}", i, i % 7);
		if (tsp_table_get(&t, key, (size_t)len, &added) != i || added)
			bad++;
	}
	CHECK(bad == 0 && tsp_table_count(&t) == (size_t)n,
	      "table: %d bad lookups", bad);
	{
		size_t len;
		const char *k = tsp_table_key(&t, 12345, &len);
		CHECK(len == 16 && memcmp(k, "host12345{cpu=4}", len) == 0,
		      "key 12345 is '%.*s'", (int)len, k);
	}
	/* The empty key is a key like any other. */
	CHECK(tsp_table_get(&t, "", 0, &added) == n && added, "empty key");
	tsp_table_release(&t);
}

/*
 * The CSV fast path must give exactly what libcsv gives: random records
 * built from tricky pieces (quotes, commas, CR, LF, blanks, stray quotes)
 * read with and without the fast path.
 */
static void test_csv_fastpath(void)
{
	static const char *const piece[] = {
		"a", "", " b ", "\"q\"", "\"x,y\"", "\"he said \"\"hi\"\"\"",
		"\"multi\nline\"", "\"cr\r\"", "12.5", "c\"d", "\"e\"f",
		"\"\"", "t\tab", "\"unterminated",
	};
	const size_t np = sizeof(piece) / sizeof(piece[0]);
	uint64_t seed = 12345;
	int mismatches = 0, cases = 0;

	for (int round = 0; round < 400; round++) {
		char text[4096], a[8192], b[8192];
		size_t o = 0;
		struct tsp_error ea, eb;
		int ra, rb;

		o += (size_t)sprintf(text, "x,y,z\n");
		for (int row = 0; row < 6; row++) {
			for (int f = 0; f < 3; f++) {
				seed = seed * 6364136223846793005ULL + 1;
				const char *pc = piece[(seed >> 33) % np];
				/* malformed pieces only now and then */
				if (((seed >> 20) & 7) && (strchr(pc, '"') &&
				    (pc[0] != '"' || !strcmp(pc, "\"unterminated") ||
				     !strcmp(pc, "\"e\"f"))))
					pc = "ok";
				o += (size_t)sprintf(text + o, "%s%s", f ? "," : "", pc);
			}
			o += (size_t)sprintf(text + o, (seed >> 40) & 1 ? "\r\n" : "\n");
		}
		/* now and then no line end after the last line */
		if ((seed >> 45) & 1)
			while (o && (text[o - 1] == '\n' || text[o - 1] == '\r'))
				o--;
		tsp_error_clear(&ea);
		tsp_error_clear(&eb);
		ra = slurp_opts(text, o, 1, a, sizeof(a), &ea);
		rb = slurp_opts(text, o, 0, b, sizeof(b), &eb);
		cases++;
		if (ra != rb || strcmp(a, b) != 0 || ea.line != eb.line ||
		    strcmp(ea.msg, eb.msg) != 0) {
			if (mismatches++ < 3)
				printf("fast path differs on:\n%s\n--- fast rc %d line %ld '%s'\n%s"
				       "--- libcsv rc %d line %ld '%s'\n%s\n",
				       text, ra, ea.line, ea.msg, a, rb, eb.line,
				       eb.msg, b);
		}
	}
	CHECK(mismatches == 0, "%d of %d random inputs differ", mismatches,
	      cases);
}

/* Interning: one copy per name; a name holding a NUL is never taken for
 * the shorter name before it. */
static void test_intern(void)
{
	const char *v = tsp_intern("value", 5);

	CHECK(v && tsp_intern("value", 5) == v, "same name, same copy");
	CHECK(tsp_intern("valuex", 5) == v, "length counts, not the NUL");
	const char *z = tsp_intern("value\0x", 7);
	CHECK(z && z != v, "a name with a NUL is a name of its own");
	CHECK(tsp_intern("val", 3) != v, "a prefix is another name");
}

int main(void)
{
	test_intern();
	test_csv();
	test_csv_fastpath();
	test_ndjson();
	test_gzip();
	test_writer();
	test_writer_mapping();
	test_table();
	return t_done();
}
