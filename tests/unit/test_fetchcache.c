/*
 * tsp_fetchcache: round trip, misses, every kind of damaged entry
 * (detected, reported, removed), a key with another key's file; and the
 * retry policy of tsp_http (backoff bounds, redaction of secrets).
 */
#include <fcntl.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include "t.h"
#include "tsp_fetchcache.h"
#include "tsp_http.h"

static char dir[64];

static void damage(const char *path, long off, int truncate_to)
{
	int fd = open(path, O_RDWR);
	unsigned char c;

	if (truncate_to >= 0) {
		CHECK(ftruncate(fd, truncate_to) == 0, "truncate");
	} else {
		pread(fd, &c, 1, off);
		c ^= 0x5a;
		pwrite(fd, &c, 1, off);
	}
	close(fd);
}

static void test_cache(void)
{
	struct tsp_fcache c;
	struct tsp_error err;
	char sub[128], *data, *p, *q, big[100000];
	size_t len;
	const char *key = "url http://x\nquery up\n";
	struct stat st;

	snprintf(sub, sizeof(sub), "%s/a/b", dir);
	CHECK(tsp_fcache_open(&c, sub, &err) == 0, "open: %s", err.msg);
	CHECK(tsp_fcache_get(&c, key, strlen(key), &data, &len, &err) ==
	      TSP_FCACHE_MISS, "miss");
	for (size_t i = 0; i < sizeof(big); i++)
		big[i] = (char)("{\"status\":\"success\"} 0123456789"[i % 30]);
	CHECK(tsp_fcache_put(&c, key, strlen(key), big, sizeof(big), &err) ==
	      0, "put: %s", err.msg);
	CHECK(tsp_fcache_get(&c, key, strlen(key), &data, &len, &err) ==
	      TSP_FCACHE_HIT && len == sizeof(big) &&
	      memcmp(data, big, len) == 0 && data[len] == '\0', "hit");
	free(data);
	p = tsp_fcache_path(&c, key, strlen(key));
	CHECK(stat(p, &st) == 0 && st.st_size < 2000, "compressed: %ld",
	      (long)st.st_size);

	/* damage: each detected, reported, removed; then a miss */
	static const struct {
		long off;
		int trunc;
		const char *why;
	} dmg[] = {
		{ 0, -1, "not a cache entry" },
		{ 13, -1, "header checksum" },
		{ 0, 30, "not a cache entry" },
		{ 0, 50, "header checksum" },	/* in the key */
		{ 0, 100, "truncated" },
		{ 40, -1, "header checksum" },
		{ 36 + 30, -1, "data checksum" },
		{ -5, -1, "data checksum" },
	};
	for (size_t i = 0; i < sizeof(dmg) / sizeof(dmg[0]); i++) {
		char want[256];
		tsp_fcache_put(&c, key, strlen(key), big, sizeof(big), &err);
		stat(p, &st);
		damage(p, dmg[i].off < 0 ? st.st_size + dmg[i].off : dmg[i].off,
		       dmg[i].trunc);
		tsp_error_clear(&err);
		snprintf(want, sizeof(want), "corrupt cache entry %s (%s)", p,
			 dmg[i].why);
		CHECK(tsp_fcache_get(&c, key, strlen(key), &data, &len,
				     &err) == TSP_FCACHE_CORRUPT &&
		      !strcmp(err.msg, want), "damage %zu: %s", i, err.msg);
		CHECK(stat(p, &st) < 0, "damaged entry %zu removed", i);
		CHECK(tsp_fcache_get(&c, key, strlen(key), &data, &len,
				     &err) == TSP_FCACHE_MISS, "then a miss");
	}

	/* a file holding another key is a miss, never the other's data */
	tsp_fcache_put(&c, "other", 5, "x", 1, &err);
	q = tsp_fcache_path(&c, "other", 5);
	CHECK(rename(q, p) == 0, "rename");
	CHECK(tsp_fcache_get(&c, key, strlen(key), &data, &len, &err) ==
	      TSP_FCACHE_MISS, "other key: miss");
	/* empty data */
	CHECK(tsp_fcache_put(&c, "e", 1, "", 0, &err) == 0 &&
	      tsp_fcache_get(&c, "e", 1, &data, &len, &err) == TSP_FCACHE_HIT &&
	      len == 0, "empty");
	free(data);
	free(p);
	free(q);
	tsp_fcache_release(&c);

	/* a file where the directory should be */
	snprintf(sub, sizeof(sub), "%s/file", dir);
	close(open(sub, O_CREAT | O_WRONLY, 0644));
	CHECK(tsp_fcache_open(&c, sub, &err) < 0 && err.code == TSP_ESYS,
	      "not a directory");
}

static void test_backoff(void)
{
	uint64_t rng = 42;
	const tsp_time_t s = TSP_NS_PER_SEC;
	int ok = 1;

	for (int a = 1; a <= 20; a++) {
		tsp_time_t w = tsp_http_backoff(a, s, -1, &rng);
		tsp_time_t full = a > 7 ? 64 * s : (s << (a - 1));
		/* jitter: half to all of the doubled wait */
		ok &= w >= full / 2 && w <= full;
	}
	CHECK(ok, "backoff doubles with jitter");
	CHECK(tsp_http_backoff(1, s, 30 * s, &rng) == 30 * s, "retry-after");
	CHECK(tsp_http_backoff(1, s, 3600 * s, &rng) == 300 * s,
	      "retry-after capped");
	CHECK(tsp_http_backoff(30, 60 * s, -1, &rng) <= 300 * s, "capped");
}

static void test_redact(void)
{
	struct tsp_http_opts o = { 0 };
	struct tsp_error err;
	struct tsp_http *h;
	char msg[64];

	o.token = "s3cr3t-token";
	o.auth_scheme = "Bearer ";
	o.user = "me";
	o.password = "pw12";
	h = tsp_http_new(&o, &err);
	CHECK(h != NULL, "client");
	snprintf(msg, sizeof(msg), "bad token s3cr3t-token, pw12 again pw12 pw");
	tsp_http_redact(h, msg, sizeof(msg));
	CHECK_STR(msg, "bad token ***, *** again *** pw");
	snprintf(msg, sizeof(msg), "%059dpw12", 0);
	tsp_http_redact(h, msg, sizeof(msg));
	CHECK(strlen(msg) == 62 && strstr(msg, "pw12") == NULL,
	      "redact at the end: '%s'", msg);
	tsp_http_free(h);
}

int main(void)
{
	snprintf(dir, sizeof(dir), "/tmp/tsp-fcache-%ld", (long)getpid());
	test_cache();
	test_backoff();
	test_redact();
	{
		char cmd[128];
		snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
		if (system(cmd) != 0)
			printf("could not remove %s\n", dir);
	}
	return t_done();
}
