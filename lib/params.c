#include "tsp_params.h"

#include <stdlib.h>
#include <string.h>

/* The encoding is little-endian; so is every machine tspipe builds on. */
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ != __ORDER_LITTLE_ENDIAN__
#error "tsp_params assumes a little-endian host"
#endif

void tsp_params_init(struct tsp_params *p)
{
	memset(p, 0, sizeof(*p));
}

void tsp_params_clear(struct tsp_params *p)
{
	p->len = 0;
}

void tsp_params_release(struct tsp_params *p)
{
	free(p->buf);
	tsp_params_init(p);
}

static int put(struct tsp_params *p, const void *data, size_t n,
	       struct tsp_error *err)
{
	if (p->len + n > p->cap) {
		size_t ncap = p->cap ? p->cap * 2 : 256;
		while (ncap < p->len + n)
			ncap *= 2;
		unsigned char *nb = realloc(p->buf, ncap);
		if (!nb)
			return tsp_error_set(err, TSP_ENOMEM, "out of memory");
		p->buf = nb;
		p->cap = ncap;
	}
	memcpy(p->buf + p->len, data, n);
	p->len += n;
	return 0;
}

static int put_head(struct tsp_params *p, enum tsp_param_type type,
		    const char *name, struct tsp_error *err)
{
	size_t nl = strlen(name);
	unsigned char h[2];

	if (nl > 255)
		return tsp_error_set(err, TSP_EDATA,
				     "parameter name longer than 255 bytes");
	h[0] = (unsigned char)type;
	h[1] = (unsigned char)nl;
	return put(p, h, 2, err) < 0 ? -1 : put(p, name, nl, err);
}

int tsp_params_num(struct tsp_params *p, const char *name, double v,
		   struct tsp_error *err)
{
	if (put_head(p, TSP_PARAM_NUM, name, err) < 0)
		return -1;
	return put(p, &v, 8, err);
}

int tsp_params_nums(struct tsp_params *p, const char *name, const double *v,
		    size_t n, struct tsp_error *err)
{
	uint32_t c = (uint32_t)n;

	if (n > UINT32_MAX / 8)
		return tsp_error_set(err, TSP_EDATA, "parameter array too long");
	if (put_head(p, TSP_PARAM_NUMS, name, err) < 0 || put(p, &c, 4, err) < 0)
		return -1;
	return put(p, v, n * 8, err);
}

int tsp_params_str(struct tsp_params *p, const char *name, const char *s,
		   struct tsp_error *err)
{
	size_t n = strlen(s);
	uint32_t c = (uint32_t)n;

	if (n > UINT32_MAX)
		return tsp_error_set(err, TSP_EDATA, "parameter text too long");
	if (put_head(p, TSP_PARAM_STR, name, err) < 0 || put(p, &c, 4, err) < 0)
		return -1;
	return put(p, s, n, err);
}

int tsp_params_next(const unsigned char *buf, size_t len, size_t *pos,
		    struct tsp_param *out)
{
	size_t i = *pos;
	uint32_t c;

	if (i == len)
		return 0;
	if (len - i < 2 || len - i - 2 < buf[i + 1])
		return -1;
	out->type = (enum tsp_param_type)buf[i];
	out->namelen = buf[i + 1];
	out->name = (const char *)buf + i + 2;
	i += 2 + out->namelen;
	switch (out->type) {
	case TSP_PARAM_NUM:
		if (len - i < 8)
			return -1;
		memcpy(&out->num, buf + i, 8);
		i += 8;
		break;
	case TSP_PARAM_NUMS:
	case TSP_PARAM_STR:
		if (len - i < 4)
			return -1;
		memcpy(&c, buf + i, 4);
		i += 4;
		if ((out->type == TSP_PARAM_NUMS && (len - i) / 8 < c) ||
		    (out->type == TSP_PARAM_STR && len - i < c))
			return -1;
		out->n = c;
		out->nums = buf + i;
		out->str = (const char *)buf + i;
		i += out->type == TSP_PARAM_NUMS ? (size_t)c * 8 : c;
		break;
	default:
		return -1;
	}
	*pos = i;
	return 1;
}

int tsp_params_find(const unsigned char *buf, size_t len, const char *name,
		    struct tsp_param *out)
{
	size_t pos = 0, nl = strlen(name);
	int rc;

	while ((rc = tsp_params_next(buf, len, &pos, out)) > 0)
		if (out->namelen == nl && memcmp(out->name, name, nl) == 0)
			return 1;
	return rc;
}

double tsp_param_at(const struct tsp_param *p, size_t i)
{
	double v;

	memcpy(&v, p->nums + 8 * i, 8);
	return v;
}
