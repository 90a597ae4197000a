/*
 * A tiny unit-test harness: CHECK counts and reports; t_done() prints the
 * closing "N passed, N failed" line that tests/run reads.
 */
#ifndef TSP_T_H
#define TSP_T_H

#include <stdio.h>
#include <string.h>

static int t_pass, t_fail;

#define CHECK(cond, ...) do { \
	if (cond) { \
		t_pass++; \
	} else { \
		t_fail++; \
		printf("not ok %s:%d: ", __FILE__, __LINE__); \
		printf(__VA_ARGS__); \
		printf("\n"); \
	} \
} while (0)

#define CHECK_STR(got, want) CHECK(strcmp((got), (want)) == 0, \
	"got '%s', want '%s'", (got), (want))

static inline int t_done(void)
{
	printf("%d passed, %d failed\n", t_pass, t_fail);
	return t_fail ? 1 : 0;
}

#endif
