/* The model store: round trip, index, atomic writes, every kind of bad file. */
#include <fcntl.h>
#include <math.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include "t.h"
#include "tsp_store.h"

static char path[64];

static void entry(struct tsp_params *p, long i)
{
	struct tsp_error err;
	double arr[5] = {i * 0.1, -1.0 / (i + 3), NAN, INFINITY, 1e-300};

	tsp_params_clear(p);
	tsp_params_str(p, "model", i % 2 ? "ETS(A,N,N)" : "ETS(M,Ad,M)", &err);
	tsp_params_num(p, "alpha", 1.0 / (i + 7), &err);
	tsp_params_nums(p, "state", arr, (size_t)(i % 6), &err);
}

static int write_store(const char *file, long n, const char *tool)
{
	struct tsp_error err;
	struct tsp_params p;
	struct tsp_store_writer *w = tsp_store_create(file, tool,
						      "{\"k\":1}", &err);
	char key[40];

	tsp_params_init(&p);
	for (long i = 0; w && i < n; i++) {
		int len = snprintf(key, sizeof(key), "cpu{host=\"h%ld\"}", i);
		entry(&p, i);
		if (tsp_store_add(w, key, (size_t)len, &p, &err) < 0) {
			tsp_store_abort(w);
			w = NULL;
		}
	}
	tsp_params_release(&p);
	return w ? tsp_store_commit(w, &err) : -1;
}

static void flip(const char *file, long off)
{
	int fd = open(file, O_RDWR);
	unsigned char c;
	if (pread(fd, &c, 1, off) != 1)
		abort();
	c ^= 0x5a;
	if (pwrite(fd, &c, 1, off) != 1)
		abort();
	close(fd);
}

static void expect_open_error(const char *file, const char *tool,
			      const char *want)
{
	struct tsp_error err;
	struct tsp_store *s;

	tsp_error_clear(&err);
	s = tsp_store_open(file, tool, &err);
	CHECK(!s && strstr(err.msg, want) != NULL,
	      "open: want '%s', got '%s'", want, s ? "(opened)" : err.msg);
	tsp_store_close(s);
}

int main(void)
{
	struct tsp_error err;
	struct tsp_params p, want;
	struct tsp_store *s;
	const long n = 3000;
	char key[40];
	int bad = 0;

	strcpy(path, "/tmp/tsp_store_XXXXXX");
	close(mkstemp(path));
	tsp_params_init(&p);
	tsp_params_init(&want);
	tsp_error_clear(&err);

	CHECK(write_store(path, n, "tsscale") == 0, "write");
	s = tsp_store_open(path, "tsscale", &err);
	CHECK(s != NULL, "open: %s", err.msg);
	CHECK(tsp_store_count(s) == (uint64_t)n, "count");
	CHECK(strcmp(tsp_store_tool(s), "tsscale") == 0, "tool");
	{
		size_t ol;
		const char *o = tsp_store_options(s, &ol);
		CHECK(ol == 7 && memcmp(o, "{\"k\":1}", 7) == 0, "options");
	}
	/* Every entry comes back bit for bit, found through the index. */
	for (long i = n - 1; i >= 0; i--) {
		int len = snprintf(key, sizeof(key), "cpu{host=\"h%ld\"}", i);
		entry(&want, i);
		if (tsp_store_get(s, key, (size_t)len, &p, &err) != 1 ||
		    p.len != want.len || memcmp(p.buf, want.buf, p.len) != 0)
			bad++;
	}
	CHECK(bad == 0, "%d entries differ", bad);
	CHECK(tsp_store_get(s, "nope", 4, &p, &err) == 0, "absent key");
	CHECK(tsp_store_get(s, "cpu{host=\"h1\"", 13, &p, &err) == 0,
	      "prefix of a key is absent");
	{
		struct tsp_param it;
		entry(&want, 5);
		tsp_store_get(s, "cpu{host=\"h5\"}", 14, &p, &err);
		CHECK(tsp_params_find(p.buf, p.len, "alpha", &it) == 1 &&
		      it.num == 1.0 / 12, "alpha of h5");
		CHECK(tsp_params_find(p.buf, p.len, "state", &it) == 1 &&
		      it.n == 5 && isnan(tsp_param_at(&it, 2)) &&
		      isinf(tsp_param_at(&it, 3)) &&
		      tsp_param_at(&it, 4) == 1e-300, "state of h5");
		CHECK(tsp_params_find(p.buf, p.len, "beta", &it) == 0,
		      "absent parameter");
	}
	/* Iteration sees every entry once, in file order. */
	{
		struct tsp_store_iter cur = {0, 0};
		const char *k;
		size_t kl, bytes, total = 0;
		long seen = 0;
		size_t want_total = 0;
		while (tsp_store_next(s, &cur, &k, &kl, &bytes, &p, &err) > 0) {
			entry(&want, seen);
			want_total += want.len;
			if (bytes != p.len || p.len != want.len ||
			    memcmp(p.buf, want.buf, p.len) != 0)
				bad++;
			seen++;
			total += bytes;
		}
		CHECK(seen == n && bad == 0, "iterated %ld of %ld, %d differ",
		      seen, n, bad);
		CHECK(total == want_total, "parameter bytes %zu of %zu", total,
		      want_total);
	}
	tsp_store_close(s);

	/* Wrong kind, truncation, corruption, not a store, newer format. */
	expect_open_error(path, "tsforecast",
			  "model store written by tsscale, not tsforecast");
	{
		struct stat st;
		char cp[256];
		stat(path, &st);
		snprintf(cp, sizeof(cp), "cp %s %s.t && truncate -s %ld %s.t",
			 path, path, (long)st.st_size - 100, path);
		CHECK(system(cp) == 0, "copy");
		snprintf(cp, sizeof(cp), "%s.t", path);
		expect_open_error(cp, NULL, "truncated model store");
		truncate(cp, 50);
		expect_open_error(cp, NULL, "truncated model store (50 bytes)");
		truncate(cp, 0);
		expect_open_error(cp, NULL, "not a tspipe model store");
		unlink(cp);
	}
	{
		int fd = open("/tmp/tsp_store_plain", O_WRONLY | O_CREAT | O_TRUNC, 0644);
		if (write(fd, "series,timestamp,value\n", 23) != 23)
			abort();
		close(fd);
		expect_open_error("/tmp/tsp_store_plain", NULL,
				  "not a tspipe model store");
		unlink("/tmp/tsp_store_plain");
	}
	expect_open_error("/nonexistent/x.store", NULL, "cannot open");
	/* A flipped header byte: header checksum. */
	flip(path, 50);
	expect_open_error(path, NULL, "corrupt model store (header checksum)");
	flip(path, 50);
	/* A flipped byte in the options: options checksum. */
	flip(path, 97);
	expect_open_error(path, NULL, "corrupt model store (options checksum)");
	flip(path, 97);
	/* A newer format. */
	flip(path, 8);
	expect_open_error(path, NULL, "this program reads format 1");
	flip(path, 8);
	/* A flipped byte inside a block: its entries fail, clearly. */
	{
		struct stat st;
		int errs = 0, ok = 0;
		stat(path, &st);
		flip(path, st.st_size / 3);
		s = tsp_store_open(path, NULL, &err);
		CHECK(s != NULL, "opens with a bad entry: %s", err.msg);
		for (long i = 0; s && i < n; i++) {
			int len = snprintf(key, sizeof(key), "cpu{host=\"h%ld\"}", i);
			int rc = tsp_store_get(s, key, (size_t)len, &p, &err);
			if (rc < 0 && strstr(err.msg, "corrupt model store"))
				errs++;
			else if (rc == 1)
				ok++;
		}
		/* the entries of one block (at most 32) fail, the rest read */
		CHECK(errs >= 1 && errs <= 32 && errs + ok == n,
		      "one bad block: %d errors, %d fine", errs, ok);
		tsp_store_close(s);
	}

	/*
	 * A flipped byte in the index: lookups through that part are errors,
	 * never a silent "no entry".
	 */
	{
		unsigned char hdr[64];
		uint64_t index_off;
		int fd = open(path, O_RDONLY), errs = 0, absent = 0, ok = 0;
		if (pread(fd, hdr, 64, 0) != 64)
			abort();
		close(fd);
		memcpy(&index_off, hdr + 56, 8);
		flip(path, (long)index_off + 8 * 100 + 3);
		s = tsp_store_open(path, NULL, &err);
		for (long i = 0; s && i < n; i++) {
			int len = snprintf(key, sizeof(key), "cpu{host=\"h%ld\"}", i);
			int rc = tsp_store_get(s, key, (size_t)len, &p, &err);
			if (rc < 0 && strstr(err.msg, "index checksum"))
				errs++;
			else if (rc == 0)
				absent++;
			else
				ok++;
		}
		CHECK(errs >= 1 && absent == 0 && errs + ok == n,
		      "flipped index: %d errors, %d absent, %d fine", errs,
		      absent, ok);
		tsp_store_close(s);
		flip(path, (long)index_off + 8 * 100 + 3);
	}

	/* A replaced store keeps its file mode. */
	{
		struct stat st;
		chmod(path, 0640);
		CHECK(write_store(path, 5, "tsscale") == 0, "rewrite");
		stat(path, &st);
		CHECK((st.st_mode & 0777) == 0640, "mode %o", st.st_mode & 0777);
	}

	/* Atomic writes: abort leaves the old file as it was, no temp file. */
	{
		struct tsp_store_writer *w = tsp_store_create(path, "tsscale", "",
							      &err);
		entry(&p, 1);
		tsp_store_add(w, "x", 1, &p, &err);
		CHECK(tsp_store_add(w, "x", 1, &p, &err) < 0 &&
		      strstr(err.msg, "two model store entries") != NULL,
		      "duplicate key: %s", err.msg);
		tsp_store_abort(w);
		s = tsp_store_open(path, NULL, &err);
		CHECK(s && tsp_store_count(s) == 5, "old store intact");
		tsp_store_close(s);
		char cmd[100];
		snprintf(cmd, sizeof(cmd), "ls %s.tmp.* >/dev/null 2>&1", path);
		CHECK(system(cmd) != 0, "no temporary file left");
	}
	/* An empty store is valid. */
	CHECK(write_store(path, 0, "tsscale") == 0, "empty");
	s = tsp_store_open(path, NULL, &err);
	CHECK(s && tsp_store_count(s) == 0 &&
	      tsp_store_get(s, "a", 1, &p, &err) == 0, "empty store");
	tsp_store_close(s);

	/* Corrupt parameter bytes never read out of bounds. */
	{
		unsigned char junk[] = {2, 3, 'a', 'b', 'c', 0xff, 0xff, 0xff, 0x7f};
		size_t pos = 0;
		struct tsp_param it;
		CHECK(tsp_params_next(junk, sizeof(junk), &pos, &it) == -1,
		      "oversized array rejected");
		unsigned char junk2[] = {9, 0};
		pos = 0;
		CHECK(tsp_params_next(junk2, 2, &pos, &it) == -1, "bad type");
	}
	unlink(path);
	tsp_params_release(&p);
	tsp_params_release(&want);
	return t_done();
}
