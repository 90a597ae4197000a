#include "tsp_reader.h"

#include <csv.h>
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <zlib.h>

#include "tsp_json.h"

#define READ_CHUNK (256 * 1024)

/*
 * A field of the record being read: its text is in the arena at off, or,
 * for an unquoted field the fast path took, in the line buffer at p (made
 * NUL-terminated in place once the whole line is known good).
 */
struct field_off {
	const char *p;
	size_t off, len;
	int plain;
};

struct tsp_reader {
	gzFile gz;
	const char *name;	/* interned: records keep it after the reader */
	enum tsp_format fmt;
	int empty, failed, eof;

	/* Input buffer: [pos, end) not yet consumed. */
	char *buf;
	size_t cap, pos, end;
	long line;		/* physical lines consumed */

	/* CSV state */
	struct csv_parser csv;
	int csv_ready;
	const char **header;	/* interned names */
	size_t ncols;
	unsigned long schema;	/* this header's id, never reused */
	int in_record;		/* a record has started but not ended */
	long rec_line;
	char *arena;		/* current record's field text */
	size_t alen, acap;
	struct field_off *fo;
	size_t nfo, focap;
	int rec_done;
	int csv_nomem;
	int bare_cr;		/* libcsv ended a record inside a line */
	int no_fastpath;	/* testing: every line through libcsv */
	char *qbuf;		/* fast path: a quoted field's text */
	size_t qcap;
	char *rawbuf;		/* fast path: the line as read (rec.raw) */
	size_t rawcap, rawlen;
	int have_raw;
	int soft_error;		/* the last error left the reader usable */

	/* NDJSON state */
	struct tsp_json_parser json;

	struct tsp_field *fields;
	size_t fcap;
	struct tsp_record rec;
};

static int no_space(unsigned char c)
{
	(void)c;
	return 0;
}

static int fill(struct tsp_reader *r, struct tsp_error *err)
{
	int got;

	if (r->eof)
		return 0;
	if (r->pos > 0) {
		memmove(r->buf, r->buf + r->pos, r->end - r->pos);
		r->end -= r->pos;
		r->pos = 0;
		r->buf[r->end] = '\0';
	}
	if (r->cap - r->end < READ_CHUNK) {
		size_t ncap = r->cap * 2;
		char *nb = realloc(r->buf, ncap);
		if (!nb)
			return tsp_error_at(err, TSP_ENOMEM, r->name, r->line + 1,
					    "out of memory");
		r->buf = nb;
		r->cap = ncap;
	}
	got = gzread(r->gz, r->buf + r->end, (unsigned)(r->cap - r->end - 1));
	if (got < 0) {
		int zerr;
		const char *m = gzerror(r->gz, &zerr);
		/* the stream cannot be trusted past this point */
		r->eof = 1;
		r->failed = 1;
		if (zerr == Z_ERRNO)
			return tsp_error_at(err, TSP_ESYS, r->name, 0,
					    "read error: %s", strerror(errno));
		/* zlib prefixes "<fd:N>: " when reading a descriptor */
		if (m[0] == '<' && strstr(m, ">: "))
			m = strstr(m, ">: ") + 3;
		return tsp_error_at(err, TSP_EDATA, r->name, r->line + 1,
				    "corrupt gzip input (%s)", m);
	}
	if (got == 0) {
		int zerr;
		gzerror(r->gz, &zerr);
		r->eof = 1;
		if (zerr == Z_BUF_ERROR) {
			r->failed = 1;
			return tsp_error_at(err, TSP_EDATA, r->name, r->line + 1,
					    "truncated gzip input");
		}
		return 0;
	}
	r->end += (size_t)got;
	r->buf[r->end] = '\0';	/* a stop byte for csv_fast's scan */
	return 1;
}

/*
 * The next line (with its '\n' if any) as a contiguous span of the buffer.
 * Returns 1, 0 at end of input, -1 on error.
 */
static int next_line(struct tsp_reader *r, const char **s, size_t *len,
		     struct tsp_error *err)
{
	size_t scanned = 0;

	for (;;) {
		char *nl = memchr(r->buf + r->pos + scanned, '\n',
				  r->end - r->pos - scanned);
		if (nl) {
			*s = r->buf + r->pos;
			*len = (size_t)(nl - *s) + 1;
			r->pos += *len;
			r->line++;
			return 1;
		}
		scanned = r->end - r->pos;
		int rc = fill(r, err);
		if (rc < 0)
			return -1;
		if (rc == 0) {
			if (r->end == r->pos)
				return 0;
			*s = r->buf + r->pos;
			*len = r->end - r->pos;
			r->pos = r->end;
			r->line++;
			return 1;
		}
	}
}

struct tsp_reader *tsp_reader_open(const char *path, enum tsp_format fmt,
				   struct tsp_error *err)
{
	struct tsp_reader *r = calloc(1, sizeof(*r));
	int fd;

	if (!r) {
		tsp_error_set(err, TSP_ENOMEM, "out of memory");
		return NULL;
	}
	r->name = strcmp(path, "-") == 0 ? "(stdin)" : path;
	r->name = tsp_intern(r->name, strlen(r->name));
	if (!r->name) {
		tsp_error_set(err, TSP_ENOMEM, "out of memory");
		free(r);
		return NULL;
	}
	fd = strcmp(path, "-") == 0 ? dup(0) : open(path, O_RDONLY);
	if (fd < 0) {
		err->sys_errno = errno;
		tsp_error_at(err, TSP_ESYS, r->name, 0, "cannot open: %s",
			     strerror(errno));
		free(r);
		return NULL;
	}
	r->gz = gzdopen(fd, "rb");
	r->cap = 2 * READ_CHUNK;
	r->buf = malloc(r->cap);
	if (!r->gz || !r->buf) {
		if (!r->gz)
			close(fd);
		tsp_error_set(err, TSP_ENOMEM, "out of memory");
		tsp_reader_free(r);
		return NULL;
	}
	gzbuffer(r->gz, READ_CHUNK);

	/*
	 * Detect the format from the first non-blank byte (after a BOM).
	 * Only whole blank lines are consumed: blanks that start the header
	 * line belong to its first field.
	 */
	{
		size_t j;
		char first = 0;
		for (;;) {
			if (r->pos == 0 && r->end - r->pos >= 3 &&
			    memcmp(r->buf, "\xef\xbb\xbf", 3) == 0)
				r->pos = 3;
			for (j = r->pos; j < r->end; j++) {
				char c = r->buf[j];
				if (c == '\n') {
					r->line++;
					r->pos = j + 1;
				} else if (c != ' ' && c != '\t' && c != '\r') {
					first = c;
					break;
				}
			}
			if (j < r->end)
				break;
			int rc = fill(r, err);
			if (rc < 0) {
				tsp_reader_free(r);
				return NULL;
			}
			if (rc == 0)
				break;
		}
		r->empty = first == 0;
		if (fmt == TSP_FMT_AUTO)
			fmt = first == '{' ? TSP_FMT_NDJSON : TSP_FMT_CSV;
	}
	r->fmt = fmt;
	if (fmt == TSP_FMT_CSV) {
		if (csv_init(&r->csv, CSV_STRICT | CSV_STRICT_FINI) != 0) {
			tsp_error_set(err, TSP_ENOMEM, "out of memory");
			tsp_reader_free(r);
			return NULL;
		}
		csv_set_space_func(&r->csv, no_space);
		r->csv_ready = 1;
	}
	tsp_json_init(&r->json);
	return r;
}

enum tsp_format tsp_reader_format(const struct tsp_reader *r)
{
	return r->fmt;
}

int tsp_reader_failed(const struct tsp_reader *r)
{
	return r->failed;
}

int tsp_reader_empty(const struct tsp_reader *r)
{
	return r->empty;
}

const char *tsp_reader_name(const struct tsp_reader *r)
{
	return r->name;
}

const char *const *tsp_reader_header(const struct tsp_reader *r, size_t *n)
{
	*n = r->ncols;
	return r->header;
}

void tsp_reader_free(struct tsp_reader *r)
{
	if (!r)
		return;
	if (r->gz)
		gzclose(r->gz);
	if (r->csv_ready)
		csv_free(&r->csv);
	tsp_json_release(&r->json);
	free(r->header);
	free(r->buf);
	free(r->arena);
	free(r->fo);
	free(r->qbuf);
	free(r->rawbuf);
	free(r->fields);
	free(r);
}

void tsp_reader_set_fastpath(struct tsp_reader *r, int on)
{
	r->no_fastpath = !on;
}

static int ensure_fields(struct tsp_reader *r, size_t n)
{
	if (n <= r->fcap)
		return 0;
	size_t ncap = r->fcap ? r->fcap * 2 : 16;
	while (ncap < n)
		ncap *= 2;
	struct tsp_field *nf = realloc(r->fields, ncap * sizeof(*nf));
	if (!nf)
		return -1;
	r->fields = nf;
	r->fcap = ncap;
	return 0;
}

/* Append one field of the current record to the arena. */
/* Room for one more field offset; -1 (and csv_nomem) when out of memory. */
static int fo_reserve(struct tsp_reader *r)
{
	if (r->nfo == r->focap) {
		size_t ncap = r->focap ? r->focap * 2 : 16;
		struct field_off *n = realloc(r->fo, ncap * sizeof(*n));
		if (!n) {
			r->csv_nomem = 1;
			return -1;
		}
		r->fo = n;
		r->focap = ncap;
	}
	return 0;
}

static void add_field(struct tsp_reader *r, const char *s, size_t len,
		      int plain)
{
	if (fo_reserve(r) < 0)
		return;
	if (r->alen + len + 1 > r->acap) {
		size_t ncap = r->acap ? r->acap * 2 : 4096;
		while (ncap < r->alen + len + 1)
			ncap *= 2;
		char *n = realloc(r->arena, ncap);
		if (!n) {
			r->csv_nomem = 1;
			return;
		}
		r->arena = n;
		r->acap = ncap;
	}
	if (len)
		memcpy(r->arena + r->alen, s, len);
	r->arena[r->alen + len] = '\0';
	r->fo[r->nfo].p = NULL;
	r->fo[r->nfo].off = r->alen;
	r->fo[r->nfo].len = len;
	r->fo[r->nfo].plain = plain;
	r->nfo++;
	r->alen += len + 1;
}

/* An unquoted field left where it is in the line buffer (fast path). */
static void add_inplace(struct tsp_reader *r, const char *s, size_t len)
{
	if (fo_reserve(r) < 0)
		return;
	r->fo[r->nfo].p = s;
	r->fo[r->nfo].len = len;
	r->fo[r->nfo].plain = 1;
	r->nfo++;
}

/* The text of field i of the record being read. */
static const char *fo_text(const struct tsp_reader *r, size_t i)
{
	return r->fo[i].p ? r->fo[i].p : r->arena + r->fo[i].off;
}

/* libcsv callback: one field. */
static void csv_field(void *s, size_t len, void *data)
{
	struct tsp_reader *r = data;

	if (r->rec_done)	/* a second record in one line: a bare CR */
		r->bare_cr = 1;
	add_field(r, s, len, 0);
}

/* libcsv callback: end of record. */
static void csv_record_end(int c, void *data)
{
	struct tsp_reader *r = data;

	(void)c;
	if (r->rec_done)
		r->bare_cr = 1;
	r->rec_done = 1;
}

/* Bytes that end an unquoted field's scan on the fast path. */
static const unsigned char csv_stop[256] = {
	[','] = 1, ['"'] = 1, ['\r'] = 1, ['\n'] = 1, ['\0'] = 1,
};

/*
 * The fast path for the common line: a complete record on one line whose
 * quoted fields (if any) open and close on it, RFC 4180-correct.  It
 * gives the same fields libcsv would; anything else (a quoted line break,
 * a stray quote, a CR inside a field) returns 0 and goes to libcsv, which
 * also reports the errors.  Returns 1 when the record was taken, -1 when
 * out of memory.
 */
static int csv_fast(struct tsp_reader *r, const char *s, size_t len)
{
	size_t i = 0;

	if (len && s[len - 1] == '\n')
		len--;
	if (len && s[len - 1] == '\r')
		len--;
	for (;;) {
		if (i < len && s[i] == '"') {
			size_t q = 0;
			i++;
			for (;;) {
				const char *e = memchr(s + i, '"', len - i);
				size_t run;
				if (!e)
					return 0;	/* opens a multi-line field */
				run = (size_t)(e - (s + i));
				if (q + run + 1 > r->qcap) {
					size_t ncap = (q + run + 1) * 2;
					char *nb = realloc(r->qbuf, ncap);
					if (!nb)
						return -1;
					r->qbuf = nb;
					r->qcap = ncap;
				}
				memcpy(r->qbuf + q, s + i, run);
				q += run;
				i += run + 1;
				if (i < len && s[i] == '"') {	/* "" inside */
					r->qbuf[q++] = '"';
					i++;
					continue;
				}
				break;
			}
			if (i < len && s[i] != ',')
				return 0;	/* text after the closing quote */
			add_field(r, q ? r->qbuf : "", q, 0);
		} else {
			size_t j = i;
			/*
			 * To the next comma.  The byte after the line is a
			 * stop byte too (its LF or CR, or the NUL fill()
			 * keeps after the data), so the loop needs no bound;
			 * a NUL inside the line is text and the scan goes on.
			 */
			for (;;) {
				while (!csv_stop[(unsigned char)s[j]])
					j++;
				if (j >= len || s[j] == ',')
					break;
				if (s[j] != '\0')
					return 0;	/* quote, CR or LF */
				j++;
			}
			add_inplace(r, s + i, j - i);
			i = j;
		}
		if (r->csv_nomem)
			return -1;
		if (i >= len)
			break;
		i++;	/* the comma */
	}
	/*
	 * Keep the line as read for writers that copy it (rec.raw); then,
	 * the line being good, end each in-place field with a NUL over the
	 * comma, CR or LF after it (the buffer is ours and keeps a spare byte
	 * after its data, for a last line without LF).  Copying every field
	 * to the arena was a tenth of a simple filter's time.
	 */
	if (len + 1 > r->rawcap) {
		char *nb = realloc(r->rawbuf, 2 * len + 64);
		if (!nb)
			return -1;
		r->rawbuf = nb;
		r->rawcap = 2 * len + 64;
	}
	memcpy(r->rawbuf, s, len);
	r->rawlen = len;
	r->have_raw = 1;
	for (size_t k = 0; k < r->nfo; k++)
		if (r->fo[k].p)
			((char *)r->fo[k].p)[r->fo[k].len] = '\0';
	r->rec_done = 1;
	return 1;
}

static int is_blank_line(const char *s, size_t len)
{
	return (len == 1 && s[0] == '\n') ||
	       (len == 2 && s[0] == '\r' && s[1] == '\n') || len == 0;
}

static int csv_take_header(struct tsp_reader *r, struct tsp_error *err)
{
	static unsigned long next_schema;

	r->schema = ++next_schema;
	r->header = malloc(r->nfo * sizeof(*r->header));
	if (!r->header)
		return tsp_error_set(err, TSP_ENOMEM, "out of memory");
	r->ncols = r->nfo;
	for (size_t i = 0; i < r->nfo; i++) {
		const char *nm = tsp_intern(fo_text(r, i), r->fo[i].len);
		if (!nm)
			return tsp_error_set(err, TSP_ENOMEM, "out of memory");
		for (size_t j = 0; j < i; j++) {
			char q[80];
			if (r->header[j] == nm)
				return tsp_error_at(err, TSP_EDATA, r->name,
					r->rec_line,
					"duplicate column %s in the header",
					tsp_quote(q, sizeof(q), nm,
						  strlen(nm)));
		}
		r->header[i] = nm;
	}
	return 0;
}

static int csv_next(struct tsp_reader *r, struct tsp_record **rec,
		    struct tsp_error *err)
{
	const char *s;
	size_t len;

	for (;;) {
		r->nfo = 0;
		r->alen = 0;
		r->rec_done = 0;
		r->in_record = 0;
		r->have_raw = 0;
		while (!r->rec_done) {
			int rc = next_line(r, &s, &len, err);
			if (rc < 0)
				return -1;
			if (rc == 0) {
				if (csv_fini(&r->csv, csv_field,
					     csv_record_end, r) != 0)
					return tsp_error_at(err, TSP_EDATA,
						r->name, r->rec_line,
						"unterminated quoted field");
				if (!r->rec_done)
					return 0;
				break;
			}
			if (!r->in_record) {
				if (is_blank_line(s, len))
					continue;
				r->in_record = 1;
				r->rec_line = r->line;
				if (!r->no_fastpath) {
					int fr = csv_fast(r, s, len);
					if (fr < 0)
						return tsp_error_at(err, TSP_ENOMEM,
							r->name, r->line,
							"out of memory");
					if (fr > 0)
						break;
					/* not simple: libcsv from scratch */
					r->nfo = 0;
					r->alen = 0;
				}
			}
			if (csv_parse(&r->csv, s, len, csv_field,
				      csv_record_end, r) != len) {
				if (csv_error(&r->csv) == CSV_EPARSE)
					return tsp_error_at(err, TSP_EDATA,
						r->name, r->line,
						"malformed CSV (stray quote "
						"in a field)");
				return tsp_error_at(err, TSP_ENOMEM, r->name,
						    r->line, "out of memory");
			}
			if (r->csv_nomem)
				return tsp_error_at(err, TSP_ENOMEM, r->name,
						    r->line, "out of memory");
			/*
			 * libcsv ends records at a bare CR too; lines are
			 * split at LF, so such a file would be misread.  A
			 * second record begun in the same line (its state not
			 * back to "row not begun", 0) gives it away.
			 */
			if (r->bare_cr || (r->rec_done && r->csv.pstate != 0))
				return tsp_error_at(err, TSP_EDATA, r->name,
					r->line, "CR line ends (use LF or "
					"CRLF)");
		}
		if (!r->header) {
			if (csv_take_header(r, err) < 0)
				return -1;
			continue;
		}
		break;
	}
	if (r->nfo != r->ncols) {
		r->soft_error = 1;
		return tsp_error_at(err, TSP_EDATA, r->name, r->rec_line,
				    "expected %zu fields as in the header, "
				    "found %zu", r->ncols, r->nfo);
	}
	if (ensure_fields(r, r->nfo) < 0)
		return tsp_error_set(err, TSP_ENOMEM, "out of memory");
	for (size_t i = 0; i < r->nfo; i++) {
		struct tsp_field *f = &r->fields[i];
		f->name = r->header[i];
		f->val = fo_text(r, i);
		f->len = (uint32_t)r->fo[i].len;
		f->type = TSP_T_TEXT;
		f->flags = r->fo[i].plain ? TSP_FF_PLAIN : 0;
	}
	r->rec.f = r->fields;
	r->rec.n = r->nfo;
	r->rec.schema = r->schema;
	r->rec.input = r->name;
	r->rec.line = r->rec_line;
	r->rec.raw = r->have_raw ? r->rawbuf : NULL;
	r->rec.rawlen = r->have_raw ? r->rawlen : 0;
	*rec = &r->rec;
	return 1;
}

static int ndjson_next(struct tsp_reader *r, struct tsp_record **rec,
		       struct tsp_error *err)
{
	const char *s;
	size_t len, i;
	struct tsp_field *f;

	for (;;) {
		int rc = next_line(r, &s, &len, err);
		if (rc <= 0)
			return rc;
		for (i = 0; i < len && strchr(" \t\r\n", s[i]) && s[i]; i++)
			;
		if (i == len)
			continue;
		if (tsp_json_parse_object(&r->json, s, len, &f, &r->rec.n,
					  err) < 0) {
			err->line = r->line;
			snprintf(err->input, sizeof(err->input), "%s", r->name);
			return -1;
		}
		break;
	}
	r->rec.f = f;
	r->rec.schema = 0;
	r->rec.input = r->name;
	r->rec.line = r->line;
	r->rec.raw = NULL;
	*rec = &r->rec;
	return 1;
}

int tsp_reader_next(struct tsp_reader *r, struct tsp_record **rec,
		    struct tsp_error *err)
{
	int rc;

	if (r->failed)
		return tsp_error_at(err, TSP_EDATA, r->name, r->line,
				    "input unreadable after an earlier error");
	if (r->fmt == TSP_FMT_NDJSON)
		return ndjson_next(r, rec, err);
	r->soft_error = 0;
	rc = csv_next(r, rec, err);
	if (rc < 0 && !r->soft_error)
		r->failed = 1;
	return rc;
}
