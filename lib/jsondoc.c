#include "tsp_jsondoc.h"

#include <stdlib.h>
#include <string.h>

#define JSMN_STATIC
#define JSMN_STRICT
/* Without parent links, jsmn finds the enclosing array at each ']' by
 * walking back over its earlier elements: quadratic in a long array. */
#define JSMN_PARENT_LINKS
#include <jsmn.h>

#include "tsp_json.h"

void tsp_jdoc_init(struct tsp_jdoc *d)
{
	memset(d, 0, sizeof(*d));
}

void tsp_jdoc_release(struct tsp_jdoc *d)
{
	free(d->tok);
	tsp_jdoc_init(d);
}

static int is_blank(char c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

int tsp_jdoc_parse(struct tsp_jdoc *d, const char *text, size_t len,
		   struct tsp_error *err)
{
	jsmn_parser p;
	jsmntok_t *tok;
	int rc;

	d->text = text;
	d->len = len;
	d->ntok = 0;
	if (d->cap == 0) {
		/* A Prometheus sample [1714521600,"0.5"], is 20-25 bytes,
		 * 3 tokens: one allocation is enough for such answers. */
		size_t guess = len / 6 + 64;
		if (guess > 1u << 26)
			guess = 1u << 26;
		if (!(d->tok = malloc(guess * sizeof(jsmntok_t))))
			return tsp_error_set(err, TSP_ENOMEM, "out of memory");
		d->cap = (unsigned)guess;
	}
	jsmn_init(&p);
	/* jsmn keeps its place when it runs out of tokens: grow, go on. */
	while ((rc = jsmn_parse(&p, text, len, d->tok, d->cap)) ==
	       JSMN_ERROR_NOMEM) {
		void *nt;
		if (d->cap > (1u << 30) ||
		    !(nt = realloc(d->tok, 2 * (size_t)d->cap *
				   sizeof(jsmntok_t))))
			return tsp_error_set(err, TSP_ENOMEM, "out of memory");
		d->tok = nt;
		d->cap *= 2;
	}
	if (rc == JSMN_ERROR_PART)
		return tsp_error_set(err, TSP_EDATA, "truncated JSON");
	if (rc < 0)
		return tsp_error_set(err, TSP_EDATA, "malformed JSON");
	tok = d->tok;
	if (rc == 0 || (tok[0].type != JSMN_OBJECT && tok[0].type != JSMN_ARRAY))
		return tsp_error_set(err, TSP_EDATA,
				     "malformed JSON (not an object)");
	for (size_t i = (size_t)tok[0].end; i < len; i++)
		if (!is_blank(text[i]))
			return tsp_error_set(err, TSP_EDATA,
					     "malformed JSON (text after the "
					     "document)");
	d->ntok = rc;
	return 0;
}

enum tsp_jtype tsp_jdoc_type(const struct tsp_jdoc *d, int i)
{
	const jsmntok_t *t = d->tok;

	if (i < 0 || i >= d->ntok)
		return TSP_J_NONE;
	switch (t[i].type) {
	case JSMN_OBJECT: return TSP_J_OBJECT;
	case JSMN_ARRAY: return TSP_J_ARRAY;
	case JSMN_STRING: return TSP_J_STRING;
	case JSMN_PRIMITIVE: return TSP_J_PRIMITIVE;
	default: return TSP_J_NONE;
	}
}

int tsp_jdoc_size(const struct tsp_jdoc *d, int i)
{
	const jsmntok_t *t = d->tok;

	if (i < 0 || i >= d->ntok)
		return 0;
	return t[i].type == JSMN_OBJECT || t[i].type == JSMN_ARRAY ?
	       t[i].size : 0;
}

int tsp_jdoc_next(const struct tsp_jdoc *d, int i)
{
	const jsmntok_t *t = d->tok;
	int todo = 1;

	/* Each token owes its children (a key owes its value). */
	while (todo > 0 && i < d->ntok) {
		todo += t[i].size - 1;
		i++;
	}
	return i;
}

const char *tsp_jdoc_raw(const struct tsp_jdoc *d, int i, size_t *len)
{
	const jsmntok_t *t = d->tok;

	if (i < 0 || i >= d->ntok) {
		*len = 0;
		return "";
	}
	*len = (size_t)(t[i].end - t[i].start);
	return d->text + t[i].start;
}

int tsp_jdoc_streq(const struct tsp_jdoc *d, int i, const char *s)
{
	size_t len, n = strlen(s);
	const char *r;

	if (tsp_jdoc_type(d, i) != TSP_J_STRING)
		return 0;
	r = tsp_jdoc_raw(d, i, &len);
	return len == n && memcmp(r, s, n) == 0;
}

int tsp_jdoc_null(const struct tsp_jdoc *d, int i)
{
	size_t len;
	const char *r;

	if (i < 0)
		return 1;
	if (tsp_jdoc_type(d, i) != TSP_J_PRIMITIVE)
		return 0;
	r = tsp_jdoc_raw(d, i, &len);
	return len == 4 && memcmp(r, "null", 4) == 0;
}

int tsp_jdoc_member(const struct tsp_jdoc *d, int obj, const char *name)
{
	int n, k;

	if (tsp_jdoc_type(d, obj) != TSP_J_OBJECT)
		return -1;
	n = tsp_jdoc_size(d, obj);
	k = obj + 1;
	for (int m = 0; m < n && k < d->ntok; m++) {
		if (tsp_jdoc_streq(d, k, name))
			return k + 1;
		k = tsp_jdoc_next(d, k + 1);
	}
	return -1;
}

char *tsp_jdoc_strdup(const struct tsp_jdoc *d, int i, size_t *len)
{
	size_t rl;
	const char *r;
	char *s;
	long n;

	if (tsp_jdoc_type(d, i) != TSP_J_STRING)
		return NULL;
	r = tsp_jdoc_raw(d, i, &rl);
	if (!(s = malloc(rl + 1)))
		return NULL;
	if ((n = tsp_json_unescape(r, rl, s)) < 0) {
		free(s);
		return NULL;
	}
	if (len)
		*len = (size_t)n;
	return s;
}
