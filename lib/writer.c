#include "tsp_writer.h"

#include <errno.h>
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "tsp_json.h"
#include "tsp_num.h"

#define WBUF (256 * 1024)

/* NDJSON: the encoded "name": of recently written field names. */
#define NAMECACHE 64
struct name_enc {
	const char *name;	/* interned */
	char *enc;
	size_t len;
};

struct tsp_writer {
	struct name_enc names[NAMECACHE];
	int fd;
	enum tsp_format fmt;
	char *buf;
	size_t len, cap;
	const char **cols;	/* CSV header, interned */
	size_t ncols;
	int have_header;
	const struct tsp_field **map;	/* scratch: header order */
};

struct tsp_writer *tsp_writer_new(int fd, enum tsp_format fmt)
{
	struct tsp_writer *w = calloc(1, sizeof(*w));

	if (!w)
		return NULL;
	w->fd = fd;
	w->fmt = fmt == TSP_FMT_NDJSON ? TSP_FMT_NDJSON : TSP_FMT_CSV;
	w->cap = WBUF;
	w->buf = malloc(w->cap);
	if (!w->buf) {
		free(w);
		return NULL;
	}
	return w;
}

void tsp_writer_free(struct tsp_writer *w)
{
	if (!w)
		return;
	for (size_t i = 0; i < NAMECACHE; i++)
		free(w->names[i].enc);
	free(w->buf);
	free(w->cols);
	free(w->map);
	free(w);
}

int tsp_writer_flush(struct tsp_writer *w, struct tsp_error *err)
{
	size_t off = 0;

	while (off < w->len) {
		ssize_t n = write(w->fd, w->buf + off, w->len - off);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			w->len = 0;
			err->sys_errno = errno;
			if (errno == EPIPE)
				return tsp_error_set(err, TSP_EPIPE,
						     "broken pipe");
			return tsp_error_set(err, TSP_ESYS,
					     "write error: %s",
					     strerror(errno));
		}
		off += (size_t)n;
	}
	w->len = 0;
	return 0;
}

/* Make room for need more bytes; flushes, and grows for huge fields. */
static int reserve(struct tsp_writer *w, size_t need, struct tsp_error *err)
{
	if (w->cap - w->len >= need)
		return 0;
	if (tsp_writer_flush(w, err) < 0)
		return -1;
	if (w->cap < need) {
		char *nb = realloc(w->buf, need);
		if (!nb)
			return tsp_error_set(err, TSP_ENOMEM, "out of memory");
		w->buf = nb;
		w->cap = need;
	}
	return 0;
}

/* Bytes that make a CSV field need quotes (RFC 4180). */
static const unsigned char csv_special[256] = {
	['\n'] = 1, ['\r'] = 1, ['"'] = 1, [','] = 1,
};

/* Nonzero if some byte of w equals c (the classic SWAR zero-byte test). */
#define HAS_BYTE(w, c) \
	((((w) ^ (0x0101010101010101ULL * (c))) - 0x0101010101010101ULL) & \
	 ~((w) ^ (0x0101010101010101ULL * (c))) & 0x8080808080808080ULL)

static int needs_quotes(const char *s, size_t len)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t i = 0;

	/* Eight bytes at a time: field text is written for every row. */
	for (; i + 8 <= len; i += 8) {
		uint64_t w;
		memcpy(&w, p + i, 8);
		if (HAS_BYTE(w, ',') || HAS_BYTE(w, '"') ||
		    HAS_BYTE(w, '\n') || HAS_BYTE(w, '\r'))
			return 1;
	}
	for (; i < len; i++)
		if (csv_special[p[i]])
			return 1;
	return 0;
}

/*
 * Append one CSV field (with quoting as RFC 4180 requires); the caller has
 * reserved 2 * len + 3 bytes.
 */
static void put_csv_raw(struct tsp_writer *w, const char *s, size_t len)
{
	if (!needs_quotes(s, len)) {
		memcpy(w->buf + w->len, s, len);
		w->len += len;
		return;
	}
	w->buf[w->len++] = '"';
	while (len) {
		/* Copy up to and including the next quote, then double it. */
		const char *q = memchr(s, '"', len);
		size_t run = q ? (size_t)(q - s) + 1 : len;
		memcpy(w->buf + w->len, s, run);
		w->len += run;
		if (q)
			w->buf[w->len++] = '"';
		s += run;
		len -= run;
	}
	w->buf[w->len++] = '"';
}

static int put_csv(struct tsp_writer *w, const char *s, size_t len,
		   struct tsp_error *err)
{
	if (reserve(w, 2 * len + 3, err) < 0)
		return -1;
	put_csv_raw(w, s, len);
	return 0;
}

static void put_csv_value(struct tsp_writer *w, const struct tsp_field *f)
{
	if (!f || f->type == TSP_T_NULL)
		return;
	if (f->flags & TSP_FF_PLAIN) {
		memcpy(w->buf + w->len, f->val, f->len);
		w->len += f->len;
		return;
	}
	put_csv_raw(w, f->val, f->len);
}

/* Room for a whole CSV record of these fields, quoted at worst. */
static int reserve_record(struct tsp_writer *w, const struct tsp_field *f,
			  size_t n, struct tsp_error *err)
{
	size_t need = n + 1;

	for (size_t i = 0; i < n; i++)
		need += 2 * (size_t)f[i].len + 2;
	return reserve(w, need, err);
}

int tsp_writer_header(struct tsp_writer *w, const char *const *names,
		      size_t n, struct tsp_error *err)
{
	if (w->fmt != TSP_FMT_CSV || w->have_header)
		return 0;
	w->cols = malloc((n ? n : 1) * sizeof(*w->cols));
	w->map = malloc((n ? n : 1) * sizeof(*w->map));
	if (!w->cols || !w->map)
		return tsp_error_set(err, TSP_ENOMEM, "out of memory");
	memcpy(w->cols, names, n * sizeof(*names));
	w->ncols = n;
	w->have_header = 1;
	for (size_t i = 0; i < n; i++) {
		if (i && reserve(w, 1, err) < 0)
			return -1;
		if (i)
			w->buf[w->len++] = ',';
		if (put_csv(w, names[i], strlen(names[i]), err) < 0)
			return -1;
	}
	if (reserve(w, 1, err) < 0)
		return -1;
	w->buf[w->len++] = '\n';
	return 0;
}

static int write_csv(struct tsp_writer *w, const struct tsp_field *f,
		     size_t n, struct tsp_error *err)
{
	size_t i;

	if (!w->have_header) {
		const char **names = calloc(n ? n : 1, sizeof(*names));
		int rc;
		if (!names)
			return tsp_error_set(err, TSP_ENOMEM, "out of memory");
		for (i = 0; i < n; i++)
			names[i] = f[i].name;
		rc = tsp_writer_header(w, names, n, err);
		free(names);
		if (rc < 0)
			return -1;
	}
	/* Fast path: the record has exactly the header's layout. */
	for (i = 0; i < n && n == w->ncols; i++)
		if (f[i].name != w->cols[i])
			break;
	if (i == w->ncols && n == w->ncols) {
		if (reserve_record(w, f, n, err) < 0)
			return -1;
		for (i = 0; i < n; i++) {
			if (i)
				w->buf[w->len++] = ',';
			put_csv_value(w, &f[i]);
		}
	} else {
		for (i = 0; i < w->ncols; i++)
			w->map[i] = NULL;
		for (size_t j = 0; j < n; j++) {
			for (i = 0; i < w->ncols; i++)
				if (w->cols[i] == f[j].name)
					break;
			if (i == w->ncols) {
				char q[80];
				return tsp_error_set(err, TSP_EDATA,
					"field %s is not in the CSV header "
					"(taken from the first record)",
					tsp_quote(q, sizeof(q), f[j].name,
						  strlen(f[j].name)));
			}
			w->map[i] = &f[j];
		}
		/* room for the mapped fields; those the record lacks are empty */
		size_t need = w->ncols + 1;
		for (i = 0; i < w->ncols; i++)
			if (w->map[i])
				need += 2 * (size_t)w->map[i]->len + 2;
		if (reserve(w, need, err) < 0)
			return -1;
		for (i = 0; i < w->ncols; i++) {
			if (i)
				w->buf[w->len++] = ',';
			put_csv_value(w, w->map[i]);
		}
	}
	w->buf[w->len++] = '\n';
	return 0;
}

static int put_json_string(struct tsp_writer *w, const char *s, size_t len,
			   struct tsp_error *err)
{
	if (reserve(w, 6 * len + 3, err) < 0)
		return -1;
	w->len += tsp_json_escape(s, len, w->buf + w->len);
	return 0;
}

static int put_json_raw(struct tsp_writer *w, const char *s, size_t len,
			struct tsp_error *err)
{
	if (reserve(w, len, err) < 0)
		return -1;
	memcpy(w->buf + w->len, s, len);
	w->len += len;
	return 0;
}

static int put_json_value(struct tsp_writer *w, const struct tsp_field *f,
			  struct tsp_error *err)
{
	switch (f->type) {
	case TSP_T_NULL:
		return put_json_raw(w, "null", 4, err);
	case TSP_T_BOOL:
	case TSP_T_JSONNUM:
		return put_json_raw(w, f->val, f->len, err);
	case TSP_T_NUMBER:
		if (tsp_num_is_json(f->val, f->len))
			return put_json_raw(w, f->val, f->len, err);
		{
			/* NaN -> null; infinities as strings; "+1" -> 1. */
			double v;
			char buf[TSP_NUM_BUFSZ];
			size_t n;
			if (tsp_num_parse(f->val, f->len, &v) != TSP_NUM_OK ||
			    v != v)
				return put_json_raw(w, "null", 4, err);
			n = tsp_num_format(v, buf);
			if (isinf(v))
				return put_json_string(w, buf, n, err);
			return put_json_raw(w, buf, n, err);
		}
	case TSP_T_TEXT:
		if (tsp_num_is_json(f->val, f->len))
			return put_json_raw(w, f->val, f->len, err);
		return put_json_string(w, f->val, f->len, err);
	default:
		return put_json_string(w, f->val, f->len, err);
	}
}

/*
 * Write "name": for an interned name.  Records repeat their names, so the
 * encoded form is kept in a small cache indexed by the name's address.
 */
static int put_json_name(struct tsp_writer *w, const char *name,
			 struct tsp_error *err)
{
	struct name_enc *e = &w->names[((uintptr_t)name >> 4) % NAMECACHE];

	if (e->name != name) {
		size_t len = strlen(name);
		char *enc = malloc(6 * len + 4);
		if (!enc)
			return tsp_error_set(err, TSP_ENOMEM, "out of memory");
		free(e->enc);
		e->enc = enc;
		e->len = tsp_json_escape(name, len, enc);
		e->enc[e->len++] = ':';
		e->name = name;
	}
	return put_json_raw(w, e->enc, e->len, err);
}

static int write_ndjson(struct tsp_writer *w, const struct tsp_field *f,
			size_t n, struct tsp_error *err)
{
	if (reserve(w, 1, err) < 0)
		return -1;
	w->buf[w->len++] = '{';
	for (size_t i = 0; i < n; i++) {
		if (i && put_json_raw(w, ",", 1, err) < 0)
			return -1;
		if (put_json_name(w, f[i].name, err) < 0 ||
		    put_json_value(w, &f[i], err) < 0)
			return -1;
	}
	return put_json_raw(w, "}\n", 2, err);
}

int tsp_writer_write_raw(struct tsp_writer *w, const char *raw,
			 size_t rawlen, const struct tsp_field *f, size_t nraw,
			 size_t n, struct tsp_error *err)
{
	size_t i, need;

	if (w->fmt != TSP_FMT_CSV || !w->have_header || n != w->ncols ||
	    nraw > n)
		return tsp_writer_write(w, f, n, err);
	for (i = 0; i < n; i++)
		if (f[i].name != w->cols[i])
			return tsp_writer_write(w, f, n, err);
	need = rawlen + 1;
	for (i = nraw; i < n; i++)
		need += 2 * (size_t)f[i].len + 3;
	if (reserve(w, need, err) < 0)
		return -1;
	memcpy(w->buf + w->len, raw, rawlen);
	w->len += rawlen;
	for (i = nraw; i < n; i++) {
		if (i)
			w->buf[w->len++] = ',';
		put_csv_value(w, &f[i]);
	}
	w->buf[w->len++] = '\n';
	return 0;
}

int tsp_writer_write(struct tsp_writer *w, const struct tsp_field *f,
		     size_t n, struct tsp_error *err)
{
	if (w->fmt == TSP_FMT_NDJSON)
		return write_ndjson(w, f, n, err);
	return write_csv(w, f, n, err);
}
