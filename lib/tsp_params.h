/*
 * tsp_params: what a tool learned for one series, as named values
 * (numbers, arrays of numbers, strings), in a compact binary form that the
 * model store keeps and tsmodel shows as JSON.  Nothing in it is code:
 * loading is reading numbers and text.
 *
 * Encoding (little-endian), one item after another:
 *   u8 type (1 number, 2 numbers, 3 string), u8 name length, name,
 *   number: 8-byte IEEE double; numbers: u32 count, count doubles;
 *   string: u32 length, bytes.
 */
#ifndef TSP_PARAMS_H
#define TSP_PARAMS_H

#include <stddef.h>
#include <stdint.h>

#include "tsp_error.h"

enum tsp_param_type { TSP_PARAM_NUM = 1, TSP_PARAM_NUMS, TSP_PARAM_STR };

/* A growing buffer of encoded items.  _init allocates nothing. */
struct tsp_params {
	unsigned char *buf;
	size_t len, cap;
};

void tsp_params_init(struct tsp_params *p);
/* Empty the set, keeping its memory. */
void tsp_params_clear(struct tsp_params *p);
/* Free the buffer. */
void tsp_params_release(struct tsp_params *p);

/*
 * Append an item (names up to 255 bytes).  Return 0, or -1 with err set
 * (out of memory, name too long).
 */
int tsp_params_num(struct tsp_params *p, const char *name, double v,
		   struct tsp_error *err);
int tsp_params_nums(struct tsp_params *p, const char *name, const double *v,
		    size_t n, struct tsp_error *err);
int tsp_params_str(struct tsp_params *p, const char *name, const char *s,
		   struct tsp_error *err);

/* One decoded item, pointing into the encoded bytes (borrowed). */
struct tsp_param {
	const char *name;
	size_t namelen;
	enum tsp_param_type type;
	double num;			/* TSP_PARAM_NUM */
	const unsigned char *nums;	/* TSP_PARAM_NUMS: n doubles */
	size_t n;
	const char *str;		/* TSP_PARAM_STR: n bytes */
};

/*
 * Decode the item at *pos of buf[0..len) and advance *pos.  Returns 1, 0
 * at the end, or -1 if the bytes are not a valid encoding (a corrupt
 * entry: never reads outside buf).
 */
int tsp_params_next(const unsigned char *buf, size_t len, size_t *pos,
		    struct tsp_param *out);

/* Find item `name`: 1 found, 0 absent, -1 corrupt. */
int tsp_params_find(const unsigned char *buf, size_t len, const char *name,
		    struct tsp_param *out);

/* Element i of a TSP_PARAM_NUMS item. */
double tsp_param_at(const struct tsp_param *p, size_t i);

#endif
