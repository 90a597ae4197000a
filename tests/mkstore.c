/*
 * mkstore: write a model store of N synthetic ETS-like entries, or time
 * one lookup.  A helper for tests/ and scripts/bench-store.
 *
 *   mkstore FILE N [TOOL]       entries "series-0" ... "series-(N-1)"
 *   mkstore --get FILE KEY      open, look KEY up, close; print the time
 *   mkstore --odd FILE          one entry with names and text that are
 *                               not UTF-8, and options that are not JSON
 *
 * Entry i holds what an ETS(A,Ad,A) fit of monthly data keeps: the model
 * name, alpha, beta, gamma, phi, sigma, AICc, level, trend and 12
 * seasonal states (values derived from i, so tests can check them).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "tsp_store.h"

static double val(long i, int k)
{
	/* Deterministic, fit-like numbers with full double precision. */
	return (double)((i * 7919 + k * 104729) % 1000003) / 1000003.0 *
	       (k + 1) - 0.5;
}

static int fill(struct tsp_params *p, long i, struct tsp_error *err)
{
	double season[12];

	for (int k = 0; k < 12; k++)
		season[k] = val(i, 20 + k);
	tsp_params_clear(p);
	return tsp_params_str(p, "model", "ETS(A,Ad,A)", err) ||
	       tsp_params_num(p, "alpha", val(i, 0), err) ||
	       tsp_params_num(p, "beta", val(i, 1), err) ||
	       tsp_params_num(p, "gamma", val(i, 2), err) ||
	       tsp_params_num(p, "phi", val(i, 3), err) ||
	       tsp_params_num(p, "sigma", val(i, 4), err) ||
	       tsp_params_num(p, "aicc", val(i, 5) * 1000, err) ||
	       tsp_params_num(p, "level", val(i, 6) * 100, err) ||
	       tsp_params_num(p, "trend", val(i, 7), err) ||
	       tsp_params_nums(p, "season", season, 12, err) ? -1 : 0;
}

int main(int argc, char **argv)
{
	struct tsp_error err;
	struct tsp_params p;
	char key[64];

	tsp_error_clear(&err);
	tsp_params_init(&p);
	if (argc == 4 && strcmp(argv[1], "--get") == 0) {
		struct timespec a, b;
		clock_gettime(CLOCK_MONOTONIC, &a);
		struct tsp_store *s = tsp_store_open(argv[2], NULL, &err);
		int rc = s ? tsp_store_get(s, argv[3], strlen(argv[3]), &p, &err)
			   : -1;
		tsp_store_close(s);
		clock_gettime(CLOCK_MONOTONIC, &b);
		if (rc != 1) {
			fprintf(stderr, "mkstore: %s\n", rc ? err.msg : "absent");
			tsp_params_release(&p);
			return 1;
		}
		printf("%.3f ms (%zu bytes of parameters)\n",
		       (double)(b.tv_sec - a.tv_sec) * 1e3 +
		       (double)(b.tv_nsec - a.tv_nsec) / 1e6, p.len);
		tsp_params_release(&p);
		return 0;
	}
	if (argc == 3 && strcmp(argv[1], "--odd") == 0) {
		/* names and text tsmodel must still turn into valid JSON */
		struct tsp_store_writer *w = tsp_store_create(argv[2], "tsscore",
			"not json, \"x", &err);
		if (!w || tsp_params_str(&p, "series", "clobber?", &err) ||
		    tsp_params_str(&p, "bad\xff utf8", "\xc3\x28 and \xe2\x82", &err) ||
		    tsp_params_num(&p, "tab\tname", 1e21, &err) ||
		    tsp_store_add(w, "key\xfe\"q\n", 7, &p, &err) ||
		    tsp_store_commit(w, &err))
			goto fail;
		tsp_params_release(&p);
		return 0;
	}
	if (argc < 3) {
		fprintf(stderr, "usage: mkstore FILE N [TOOL] | mkstore --get FILE KEY\n");
		return 2;
	}
	long n = atol(argv[2]);
	struct tsp_store_writer *w = tsp_store_create(argv[1],
		argc > 3 ? argv[3] : "tsforecast",
		"{\"method\":\"ets\",\"level\":[80,95]}", &err);
	if (!w)
		goto fail;
	for (long i = 0; i < n; i++) {
		int len = snprintf(key, sizeof(key), "series-%ld", i);
		if (fill(&p, i, &err) < 0 ||
		    tsp_store_add(w, key, (size_t)len, &p, &err) < 0) {
			tsp_store_abort(w);
			goto fail;
		}
	}
	if (tsp_store_commit(w, &err) < 0)
		goto fail;
	tsp_params_release(&p);
	return 0;
fail:
	fprintf(stderr, "mkstore: %s: %s\n", err.input, err.msg);
	return 1;
}
