#include "tsp_json.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#define JSMN_STATIC
#define JSMN_STRICT
#include <jsmn.h>

#include "tsp_num.h"

/* SWAR tests on 8 bytes: some byte equals c / is below n (n <= 128). */
/* (used by no_escapes) */
#define ONES 0x0101010101010101ULL
#define HIGHS 0x8080808080808080ULL
#define HAS_BYTE(w, c) ((((w) ^ (ONES * (c))) - ONES) & ~((w) ^ (ONES * (c))) & HIGHS)
#define HAS_LESS(w, n) (((w) - ONES * (n)) & ~(w) & HIGHS)

/* 1 if s[0..len) has no backslash and no control byte: nothing to do. */
static int no_escapes(const char *s, size_t len)
{
	size_t i = 0;

	for (; i + 8 <= len; i += 8) {
		uint64_t w;
		memcpy(&w, s + i, 8);
		if (HAS_BYTE(w, '\\') || HAS_LESS(w, 0x20))
			return 0;
	}
	for (; i < len; i++)
		if (s[i] == '\\' || (unsigned char)s[i] < 0x20)
			return 0;
	return 1;
}

void tsp_json_init(struct tsp_json_parser *p)
{
	memset(p, 0, sizeof(*p));
}

void tsp_json_release(struct tsp_json_parser *p)
{
	free(p->tok);
	free(p->arena);
	free(p->fields);
	tsp_json_init(p);
}

static int hex4(const char *s, unsigned *out)
{
	unsigned v = 0;

	for (int i = 0; i < 4; i++) {
		char c = s[i];
		v <<= 4;
		if (c >= '0' && c <= '9')
			v |= (unsigned)(c - '0');
		else if (c >= 'a' && c <= 'f')
			v |= (unsigned)(c - 'a' + 10);
		else if (c >= 'A' && c <= 'F')
			v |= (unsigned)(c - 'A' + 10);
		else
			return -1;
	}
	*out = v;
	return 0;
}

static size_t put_utf8(char *o, unsigned cp)
{
	if (cp < 0x80) {
		o[0] = (char)cp;
		return 1;
	}
	if (cp < 0x800) {
		o[0] = (char)(0xc0 | (cp >> 6));
		o[1] = (char)(0x80 | (cp & 0x3f));
		return 2;
	}
	if (cp < 0x10000) {
		o[0] = (char)(0xe0 | (cp >> 12));
		o[1] = (char)(0x80 | ((cp >> 6) & 0x3f));
		o[2] = (char)(0x80 | (cp & 0x3f));
		return 3;
	}
	o[0] = (char)(0xf0 | (cp >> 18));
	o[1] = (char)(0x80 | ((cp >> 12) & 0x3f));
	o[2] = (char)(0x80 | ((cp >> 6) & 0x3f));
	o[3] = (char)(0x80 | (cp & 0x3f));
	return 4;
}

/*
 * Unescape a JSON string body (between the quotes) into out, which has
 * room for len + 1 bytes (unescaping never grows text).  Returns the
 * length, or -1 on a bad escape or a raw control character.
 */
static long unescape(const char *s, size_t len, char *out)
{
	size_t o = 0;

	if (no_escapes(s, len)) {
		memcpy(out, s, len);
		out[len] = '\0';
		return (long)len;
	}

	for (size_t i = 0; i < len; i++) {
		unsigned char c = (unsigned char)s[i];
		unsigned cp, lo;

		if (c != '\\') {
			/* copy the run up to the next backslash */
			const char *bs = memchr(s + i, '\\', len - i);
			size_t run = bs ? (size_t)(bs - (s + i)) : len - i;
			for (size_t k = 0; k < run; k++)
				if ((unsigned char)s[i + k] < 0x20)
					return -1;
			memcpy(out + o, s + i, run);
			o += run;
			i += run - 1;
			continue;
		}
		if (++i >= len)
			return -1;
		switch (s[i]) {
		case '"': out[o++] = '"'; break;
		case '\\': out[o++] = '\\'; break;
		case '/': out[o++] = '/'; break;
		case 'b': out[o++] = '\b'; break;
		case 'f': out[o++] = '\f'; break;
		case 'n': out[o++] = '\n'; break;
		case 'r': out[o++] = '\r'; break;
		case 't': out[o++] = '\t'; break;
		case 'u':
			/* i is at 'u': need s[i+1..i+4]. */
			if (i + 4 >= len || hex4(s + i + 1, &cp))
				return -1;
			i += 4;
			if (cp >= 0xd800 && cp <= 0xdbff) {
				if (i + 6 >= len || s[i + 1] != '\\' ||
				    s[i + 2] != 'u' || hex4(s + i + 3, &lo) ||
				    lo < 0xdc00 || lo > 0xdfff)
					return -1;
				cp = 0x10000 + ((cp - 0xd800) << 10) +
				     (lo - 0xdc00);
				i += 6;
			} else if (cp >= 0xdc00 && cp <= 0xdfff) {
				return -1;
			}
			o += put_utf8(out + o, cp);
			break;
		default:
			return -1;
		}
	}
	out[o] = '\0';
	return (long)o;
}

static int grow(void **ptr, size_t *cap, size_t need, size_t elem)
{
	size_t ncap;
	void *np;

	if (need <= *cap)
		return 0;
	ncap = *cap ? *cap : 16;
	while (ncap < need)
		ncap *= 2;
	np = realloc(*ptr, ncap * elem);
	if (!np)
		return -1;
	*ptr = np;
	*cap = ncap;
	return 0;
}

/* A token's span in the text, quotes included for strings. */
static size_t span_start(const jsmntok_t *t)
{
	return (size_t)t->start - (t->type == JSMN_STRING);
}

static size_t span_end(const jsmntok_t *t)
{
	return (size_t)t->end + (t->type == JSMN_STRING);
}

/*
 * jsmn (even strict) does not check ':' and ',': text between tokens must
 * be blanks around exactly one `sep` (or only blanks when sep is 0).
 */
static int gap_ok(const char *s, size_t from, size_t to, char sep)
{
	int seen = 0;

	for (size_t i = from; i < to; i++) {
		char c = s[i];
		if (c == ' ' || c == '\t' || c == '\r' || c == '\n')
			continue;
		if (c != sep || seen)
			return 0;
		seen = 1;
	}
	return seen == (sep != 0);
}

static int separators_ok(const char *s, const jsmntok_t *tok, size_t nf)
{
	size_t pos = (size_t)tok[0].start + 1;	/* after '{' */

	for (size_t i = 0; i < nf; i++) {
		const jsmntok_t *k = &tok[1 + 2 * i], *v = &tok[2 + 2 * i];
		if (!gap_ok(s, pos, span_start(k), i ? ',' : 0) ||
		    !gap_ok(s, span_end(k), span_start(v), ':'))
			return 0;
		pos = span_end(v);
	}
	return gap_ok(s, pos, (size_t)tok[0].end - 1, 0);
}

static const char *jsmn_message(int rc)
{
	switch (rc) {
	case JSMN_ERROR_PART:
		return "truncated JSON object";
	default:
		return "malformed JSON";
	}
}

int tsp_json_parse_object(struct tsp_json_parser *p, const char *s,
			  size_t len, struct tsp_field **fields, size_t *n,
			  struct tsp_error *err)
{
	jsmn_parser jp;
	jsmntok_t *tok;
	int rc;
	size_t ntok, nf, off = 0;

	if (p->ntok == 0) {
		size_t cap = 0;
		if (grow(&p->tok, &cap, 64, sizeof(jsmntok_t)) < 0)
			return tsp_error_set(err, TSP_ENOMEM, "out of memory");
		p->ntok = (unsigned)cap;
	}
	for (;;) {
		jsmn_init(&jp);
		rc = jsmn_parse(&jp, s, len, p->tok, p->ntok);
		if (rc != JSMN_ERROR_NOMEM)
			break;
		size_t cap = p->ntok;
		if (grow(&p->tok, &cap, cap * 2, sizeof(jsmntok_t)) < 0)
			return tsp_error_set(err, TSP_ENOMEM, "out of memory");
		p->ntok = (unsigned)cap;
	}
	if (rc < 0)
		return tsp_error_set(err, TSP_EDATA, "%s", jsmn_message(rc));
	tok = p->tok;
	ntok = (size_t)rc;
	if (ntok == 0 || tok[0].type != JSMN_OBJECT)
		return tsp_error_set(err, TSP_EDATA,
				     "expected a JSON object");
	/* Anything but blanks after the object is an error. */
	for (size_t i = (size_t)tok[0].end; i < len; i++)
		if (!(s[i] == ' ' || s[i] == '\t' || s[i] == '\r' ||
		      s[i] == '\n'))
			return tsp_error_set(err, TSP_EDATA,
					     "text after the JSON object");
	nf = (size_t)tok[0].size;
	if (ntok != 1 + 2 * nf) {
		for (size_t i = 1; i < ntok; i++)
			if (tok[i].type == JSMN_OBJECT ||
			    tok[i].type == JSMN_ARRAY)
				return tsp_error_set(err, TSP_EDATA,
					"nested value in a record (NDJSON "
					"records must be flat)");
		return tsp_error_set(err, TSP_EDATA, "malformed JSON");
	}
	if (!separators_ok(s, tok, nf))
		return tsp_error_set(err, TSP_EDATA,
				     "malformed JSON (expected ':' or ',')");
	if (grow((void **)&p->fields, &p->fcap, nf ? nf : 1,
		 sizeof(struct tsp_field)) < 0 ||
	    grow((void **)&p->arena, &p->acap, len + nf * 2 + 1, 1) < 0)
		return tsp_error_set(err, TSP_ENOMEM, "out of memory");

	for (size_t i = 0; i < nf; i++) {
		jsmntok_t *k = &tok[1 + 2 * i], *v = &tok[2 + 2 * i];
		struct tsp_field *f = &p->fields[i];
		const char *vs = s + v->start;
		size_t vl = (size_t)(v->end - v->start);
		long ul;

		if (k->type != JSMN_STRING)
			return tsp_error_set(err, TSP_EDATA,
					     "object key is not a string");
		if (v->type == JSMN_OBJECT || v->type == JSMN_ARRAY)
			return tsp_error_set(err, TSP_EDATA,
				"nested value in a record (NDJSON records "
				"must be flat)");
		/*
		 * Key.  Records repeat their keys: a key without escapes that
		 * equals the name seen at this place is taken as it is.
		 */
		const char *ks = s + k->start;
		size_t kl = (size_t)(k->end - k->start);
		if (i < TSP_JSON_NAMECACHE && p->names[i] &&
		    p->name_len[i] == kl &&
		    memcmp(p->names[i], ks, kl) == 0 &&
		    !memchr(ks, '\\', kl)) {
			f->name = p->names[i];
		} else {
			/* escapes in keys are rare but allowed */
			ul = unescape(ks, kl, p->arena + off);
			if (ul < 0)
				return tsp_error_set(err, TSP_EDATA,
					"bad escape in a JSON string");
			if (memchr(p->arena + off, '\0', (size_t)ul))
				return tsp_error_set(err, TSP_EDATA,
					"a NUL (\\u0000) in a JSON key");
			f->name = tsp_intern(p->arena + off, (size_t)ul);
			if (!f->name)
				return tsp_error_set(err, TSP_ENOMEM,
						     "out of memory");
			if (i < TSP_JSON_NAMECACHE) {
				p->names[i] = f->name;
				p->name_len[i] = (size_t)ul;
			}
		}
		if (v->type == JSMN_STRING) {
			ul = unescape(vs, vl, p->arena + off);
			if (ul < 0)
				return tsp_error_set(err, TSP_EDATA,
					"bad escape in a JSON string");
			f->type = TSP_T_STRING;
			f->flags = 0;
		} else {
			f->flags = TSP_FF_PLAIN;
			if (vl == 4 && memcmp(vs, "null", 4) == 0)
				f->type = TSP_T_NULL;
			else if ((vl == 4 && memcmp(vs, "true", 4) == 0) ||
				 (vl == 5 && memcmp(vs, "false", 5) == 0))
				f->type = TSP_T_BOOL;
			else if (tsp_num_is_json(vs, vl))
				f->type = TSP_T_JSONNUM;
			else
				return tsp_error_set(err, TSP_EDATA,
						     "malformed JSON value");
			memcpy(p->arena + off, vs, vl);
			p->arena[off + vl] = '\0';
			ul = (long)vl;
		}
		f->val = p->arena + off;
		f->len = (uint32_t)ul;
		off += (size_t)ul + 1;
	}
	*fields = p->fields;
	*n = nf;
	return 0;
}

/* Bytes a JSON string must escape (we also escape DEL). */
static const unsigned char json_special[256] = {
	[0x00] = 1, [0x01] = 1, [0x02] = 1, [0x03] = 1, [0x04] = 1, [0x05] = 1,
	[0x06] = 1, [0x07] = 1, [0x08] = 1, [0x09] = 1, [0x0a] = 1, [0x0b] = 1,
	[0x0c] = 1, [0x0d] = 1, [0x0e] = 1, [0x0f] = 1, [0x10] = 1, [0x11] = 1,
	[0x12] = 1, [0x13] = 1, [0x14] = 1, [0x15] = 1, [0x16] = 1, [0x17] = 1,
	[0x18] = 1, [0x19] = 1, [0x1a] = 1, [0x1b] = 1, [0x1c] = 1, [0x1d] = 1,
	[0x1e] = 1, [0x1f] = 1, ['"'] = 1, ['\\'] = 1, [0x7f] = 1,
};

size_t tsp_json_escape(const char *s, size_t len, char *out)
{
	static const char hexd[] = "0123456789abcdef";
	size_t o = 0;

	out[o++] = '"';
	for (size_t i = 0; i < len; i++) {
		unsigned char c = (unsigned char)s[i];
		if (!json_special[c]) {
			/* copy the run of plain bytes */
			size_t j = i + 1;
			while (j < len && !json_special[(unsigned char)s[j]])
				j++;
			memcpy(out + o, s + i, j - i);
			o += j - i;
			i = j - 1;
			continue;
		}
		switch (c) {
		case '"': out[o++] = '\\'; out[o++] = '"'; break;
		case '\\': out[o++] = '\\'; out[o++] = '\\'; break;
		case '\n': out[o++] = '\\'; out[o++] = 'n'; break;
		case '\r': out[o++] = '\\'; out[o++] = 'r'; break;
		case '\t': out[o++] = '\\'; out[o++] = 't'; break;
		default:
			if (c < 0x20 || c == 0x7f) {
				memcpy(out + o, "\\u00", 4);
				out[o + 4] = hexd[c >> 4];
				out[o + 5] = hexd[c & 15];
				o += 6;
			} else {
				out[o++] = (char)c;
			}
		}
	}
	out[o++] = '"';
	return o;
}

int tsp_json_valid(const char *s, size_t len)
{
	jsmn_parser jp;
	jsmntok_t *tok;
	int n, ok = 1;

	while (len && strchr(" \t\r\n", s[len - 1]) && s[len - 1])
		len--;
	jsmn_init(&jp);
	n = jsmn_parse(&jp, s, len, NULL, 0);
	if (n <= 0)
		return 0;
	tok = malloc((size_t)n * sizeof(*tok));
	if (!tok)
		return 0;
	jsmn_init(&jp);
	if (jsmn_parse(&jp, s, len, tok, (unsigned)n) != n ||
	    (tok[0].type != JSMN_OBJECT && tok[0].type != JSMN_ARRAY) ||
	    (size_t)tok[0].end != len) {
		free(tok);
		return 0;
	}
	for (int i = 0; i < n && ok; i++) {
		const char *v = s + tok[i].start;
		size_t vl = (size_t)(tok[i].end - tok[i].start);
		if (tok[i].type == JSMN_PRIMITIVE)
			ok = (vl == 4 && (!memcmp(v, "null", 4) ||
					  !memcmp(v, "true", 4))) ||
			     (vl == 5 && !memcmp(v, "false", 5)) ||
			     tsp_num_is_json(v, vl);
		else if (tok[i].type == JSMN_STRING) {
			char *tmp = malloc(vl + 1);
			ok = tmp && unescape(v, vl, tmp) >= 0;
			free(tmp);
		}
	}
	free(tok);
	return ok;
}

long tsp_json_unescape(const char *s, size_t len, char *out)
{
	return unescape(s, len, out);
}
