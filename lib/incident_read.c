/*
 * Reading an incident export: CSV through tsp_reader, NDJSON line by
 * line with nested objects flattened (the REST API's incident objects
 * nest the service, the policy, the priority, the alert counts).  The
 * flat object is handed to the ordinary NDJSON parser, which checks the
 * literals and unescapes the strings as for any record.
 */
#include "tsp_incident.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <zlib.h>

#define JSMN_STATIC
#define JSMN_STRICT
#include <jsmn.h>

#include "tsp_json.h"

#define CHUNK (256 * 1024)

struct tsp_increader {
	struct tsp_reader *csv;		/* CSV: all of it */
	/* NDJSON */
	gzFile gz;
	const char *name;
	char *buf;
	size_t cap, pos, end;
	long line;
	int eof, empty;
	char *flat;
	size_t flatcap;
	struct tsp_json_parser json;
	struct tsp_record rec;
};

/* ---- flattening ------------------------------------------------------ */

struct flat {
	const char *s;
	const jsmntok_t *tok;
	size_t ntok;
	char *path;		/* the current name, raw JSON string text */
	size_t plen, pcap;
	char **out;
	size_t *cap, len;
	int first;
};

static int grow(char **p, size_t *cap, size_t need)
{
	size_t c = *cap ? *cap : 256;
	char *np;

	if (need <= *cap)
		return 0;
	while (c < need)
		c *= 2;
	np = realloc(*p, c);
	if (!np)
		return -1;
	*p = np;
	*cap = c;
	return 0;
}

static int put(struct flat *f, const char *s, size_t n)
{
	if (grow(f->out, f->cap, f->len + n + 1) < 0)
		return -1;
	memcpy(*f->out + f->len, s, n);
	f->len += n;
	return 0;
}

/* "path": value, where value is the raw text s[0..n) */
static int emit(struct flat *f, const char *v, size_t n)
{
	if ((!f->first && put(f, ",", 1) < 0) || put(f, "\"", 1) < 0 ||
	    put(f, f->path, f->plen) < 0 || put(f, "\":", 2) < 0 ||
	    put(f, v, n) < 0)
		return -1;
	f->first = 0;
	return 0;
}

/* Append ".name" (or "name" at the top) to the path. */
static int push_name(struct flat *f, const char *name, size_t n)
{
	size_t dot = f->plen ? 1 : 0;

	if (grow(&f->path, &f->pcap, f->plen + dot + n + 1) < 0)
		return -1;
	if (dot)
		f->path[f->plen] = '.';
	memcpy(f->path + f->plen + dot, name, n);
	f->plen += dot + n;
	return 0;
}

/*
 * Flatten the value at token i; returns the index after it, or -1 (out
 * of memory: a malformed text was refused by jsmn already).
 */
static long walk(struct flat *f, size_t i, int depth)
{
	const jsmntok_t *t = &f->tok[i];
	size_t keep = f->plen, j = i + 1;

	if (depth > 64)
		return -2;
	if (t->type == JSMN_STRING)
		return emit(f, f->s + t->start - 1,
			    (size_t)(t->end - t->start) + 2) < 0 ? -1
								 : (long)j;
	if (t->type == JSMN_PRIMITIVE)
		return emit(f, f->s + t->start,
			    (size_t)(t->end - t->start)) < 0 ? -1 : (long)j;
	if (t->size == 0)
		return emit(f, "null", 4) < 0 ? -1 : (long)j;
	for (int k = 0; k < t->size; k++) {
		char idx[24];
		long next;
		if (j >= f->ntok)
			return -2;
		if (t->type == JSMN_OBJECT) {
			/* jsmn takes {"a" "b"} for two keys: a key must
			   have its one value */
			const jsmntok_t *key = &f->tok[j];
			if (key->type != JSMN_STRING || key->size != 1)
				return -2;
			if (push_name(f, f->s + key->start,
				      (size_t)(key->end - key->start)) < 0)
				return -1;
			j++;
		} else {
			int n = snprintf(idx, sizeof(idx), "%d", k);
			if (push_name(f, idx, (size_t)n) < 0)
				return -1;
		}
		if (j >= f->ntok)
			return -2;
		next = walk(f, j, depth + 1);
		if (next < 0)
			return next;
		j = (size_t)next;
		f->plen = keep;
	}
	return (long)j;
}

int tsp_json_flatten(const char *s, size_t len, char **out, size_t *outlen,
		     size_t *cap, struct tsp_error *err)
{
	jsmn_parser p;
	jsmntok_t *tok;
	int n;
	long rc;
	struct flat f;

	jsmn_init(&p);
	n = jsmn_parse(&p, s, len, NULL, 0);
	if (n < 0)
		return tsp_error_set(err, TSP_EDATA, "%s",
				     n == JSMN_ERROR_PART ? "truncated JSON "
				     "object" : "malformed JSON");
	tok = malloc((size_t)(n ? n : 1) * sizeof(*tok));
	if (!tok)
		return tsp_error_set(err, TSP_ENOMEM, "out of memory");
	jsmn_init(&p);
	n = jsmn_parse(&p, s, len, tok, (unsigned)(n ? n : 1));
	if (n < 0) {
		free(tok);
		return tsp_error_set(err, TSP_EDATA, "%s",
				     n == JSMN_ERROR_PART ? "truncated JSON "
				     "object" : "malformed JSON");
	}
	if (n == 0 || tok[0].type != JSMN_OBJECT) {
		free(tok);
		return tsp_error_set(err, TSP_EDATA, "expected a JSON object");
	}
	memset(&f, 0, sizeof(f));
	f.s = s;
	f.tok = tok;
	f.ntok = (size_t)n;
	f.out = out;
	f.cap = cap;
	f.first = 1;
	rc = put(&f, "{", 1);
	if (rc == 0 && tok[0].size > 0)
		rc = walk(&f, 0, 0);
	if (rc >= 0 && (size_t)rc < f.ntok && tok[0].size > 0)
		rc = -2;	/* a second value after the object */
	if (rc >= 0)
		rc = put(&f, "}", 1);
	free(f.path);
	free(tok);
	if (rc == -1)
		return tsp_error_set(err, TSP_ENOMEM, "out of memory");
	if (rc < 0)
		return tsp_error_set(err, TSP_EDATA, "malformed JSON");
	(*out)[f.len] = '\0';
	*outlen = f.len;
	return 0;
}

/* ---- the reader ---------------------------------------------------- */

/* The first non-blank byte of the input (0 if none), without moving. */
static int peek(const char *path, char *first, struct tsp_error *err,
		const char *name)
{
	int fd = strcmp(path, "-") == 0 ? dup(0) : open(path, O_RDONLY);
	off_t at = 0;
	gzFile gz;
	char buf[4096];
	int got;

	*first = 0;
	if (fd < 0)
		return tsp_error_at(err, TSP_ESYS, name, 0, "cannot open: %s",
				    strerror(errno));
	if (strcmp(path, "-") == 0 && (at = lseek(fd, 0, SEEK_CUR)) < 0) {
		close(fd);
		return tsp_error_at(err, TSP_ESYS, name, 0, "cannot read the "
				    "standard input twice: %s",
				    strerror(errno));
	}
	gz = gzdopen(fd, "rb");
	if (!gz) {
		close(fd);
		return tsp_error_set(err, TSP_ENOMEM, "out of memory");
	}
	while ((got = gzread(gz, buf, sizeof(buf))) > 0) {
		int i = 0;
		if ((unsigned char)buf[0] == 0xef && got >= 3 &&
		    memcmp(buf, "\xef\xbb\xbf", 3) == 0 && *first == 0)
			i = 3;
		for (; i < got; i++)
			if (!strchr(" \t\r\n", buf[i])) {
				*first = buf[i];
				break;
			}
		if (*first)
			break;
	}
	if (got < 0) {
		gzclose(gz);
		return tsp_error_at(err, TSP_ESYS, name, 0, "read error");
	}
	/* gzclose closes the duplicate; standard input goes back. */
	gzclose(gz);
	if (strcmp(path, "-") == 0 && lseek(0, at, SEEK_SET) < 0)
		return tsp_error_at(err, TSP_ESYS, name, 0, "cannot read the "
				    "standard input twice: %s",
				    strerror(errno));
	return 0;
}

struct tsp_increader *tsp_increader_open(const char *path,
					 enum tsp_format fmt,
					 struct tsp_error *err)
{
	struct tsp_increader *r = calloc(1, sizeof(*r));
	const char *name = strcmp(path, "-") == 0 ? "(stdin)" : path;
	char first = 0;
	int fd;

	if (!r) {
		tsp_error_set(err, TSP_ENOMEM, "out of memory");
		return NULL;
	}
	r->name = tsp_intern(name, strlen(name));
	if (!r->name) {
		free(r);
		tsp_error_set(err, TSP_ENOMEM, "out of memory");
		return NULL;
	}
	if (fmt == TSP_FMT_AUTO) {
		if (peek(path, &first, err, r->name) < 0) {
			free(r);
			return NULL;
		}
		fmt = first == '{' ? TSP_FMT_NDJSON : TSP_FMT_CSV;
	}
	if (fmt == TSP_FMT_CSV) {
		r->csv = tsp_reader_open(path, TSP_FMT_CSV, err);
		if (!r->csv) {
			free(r);
			return NULL;
		}
		return r;
	}
	fd = strcmp(path, "-") == 0 ? dup(0) : open(path, O_RDONLY);
	if (fd < 0) {
		tsp_error_at(err, TSP_ESYS, r->name, 0, "cannot open: %s",
			     strerror(errno));
		free(r);
		return NULL;
	}
	r->gz = gzdopen(fd, "rb");
	r->cap = 2 * CHUNK;
	r->buf = malloc(r->cap);
	if (!r->gz || !r->buf) {
		if (!r->gz)
			close(fd);
		tsp_increader_free(r);
		tsp_error_set(err, TSP_ENOMEM, "out of memory");
		return NULL;
	}
	r->empty = 1;
	tsp_json_init(&r->json);
	return r;
}

/* The next line (without its newline) of an NDJSON input: 1, 0 at the
 * end, -1 on a read error. */
static int next_line(struct tsp_increader *r, const char **s, size_t *len,
		     struct tsp_error *err)
{
	for (;;) {
		char *nl = memchr(r->buf + r->pos, '\n', r->end - r->pos);
		if (nl || (r->eof && r->pos < r->end)) {
			size_t e = nl ? (size_t)(nl - r->buf) : r->end;
			*s = r->buf + r->pos;
			*len = e - r->pos;
			r->pos = nl ? e + 1 : e;
			r->line++;
			return 1;
		}
		if (r->eof)
			return 0;
		/* Keep the partial line, make room, read more. */
		memmove(r->buf, r->buf + r->pos, r->end - r->pos);
		r->end -= r->pos;
		r->pos = 0;
		if (r->cap - r->end < CHUNK) {
			char *nb = realloc(r->buf, r->cap * 2);
			if (!nb)
				return tsp_error_set(err, TSP_ENOMEM,
						     "out of memory");
			r->buf = nb;
			r->cap *= 2;
		}
		int got = gzread(r->gz, r->buf + r->end, CHUNK);
		if (got < 0)
			return tsp_error_at(err, TSP_ESYS, r->name, r->line + 1,
					    "read error");
		if (got == 0)
			r->eof = 1;
		r->end += (size_t)got;
	}
}

int tsp_increader_next(struct tsp_increader *r, struct tsp_record **rec,
		       struct tsp_error *err)
{
	const char *s = NULL;
	size_t len = 0, flen, i;
	struct tsp_field *f;
	int rc;

	if (r->csv)
		return tsp_reader_next(r->csv, rec, err);
	for (;;) {
		rc = next_line(r, &s, &len, err);
		if (rc <= 0)
			return rc;
		i = 0;
		if (r->line == 1 && len >= 3 && memcmp(s, "\xef\xbb\xbf", 3) == 0)
			i = 3;
		for (; i < len && strchr(" \t\r", s[i]); i++)
			;
		if (i < len)
			break;
	}
	r->empty = 0;
	if (tsp_json_flatten(s, len, &r->flat, &flen, &r->flatcap, err) < 0 ||
	    tsp_json_parse_object(&r->json, r->flat, flen, &f, &r->rec.n,
				  err) < 0) {
		err->line = r->line;
		snprintf(err->input, sizeof(err->input), "%s", r->name);
		return -1;
	}
	r->rec.f = f;
	r->rec.schema = 0;
	r->rec.input = r->name;
	r->rec.line = r->line;
	*rec = &r->rec;
	return 1;
}

enum tsp_format tsp_increader_format(const struct tsp_increader *r)
{
	return r->csv ? TSP_FMT_CSV : TSP_FMT_NDJSON;
}

int tsp_increader_failed(const struct tsp_increader *r)
{
	return r->csv ? tsp_reader_failed(r->csv) : 0;
}

int tsp_increader_empty(const struct tsp_increader *r)
{
	return r->csv ? tsp_reader_empty(r->csv) : r->empty;
}

const char *tsp_increader_name(const struct tsp_increader *r)
{
	return r->name;
}

void tsp_increader_free(struct tsp_increader *r)
{
	if (!r)
		return;
	tsp_reader_free(r->csv);
	if (r->gz)
		gzclose(r->gz);
	free(r->buf);
	free(r->flat);
	tsp_json_release(&r->json);
	free(r);
}
