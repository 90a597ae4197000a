/*
 * jsmn.c - benchmark program for jsmn (libjsmn-dev, header-only jsmn.h).
 *
 * Build with -DJSMN_STRICT for strict mode (the recommended way to use it);
 * without it jsmn accepts any unquoted run of characters as a "primitive".
 *
 * jsmn only tokenises: it reports token boundaries and types and validates
 * very little (no commas/colons, no literal or number syntax, no UTF-8, and in
 * non-strict mode any unquoted run of bytes is a "primitive").  So this file
 * adds what a record reader needs:
 *   - the root must be one object spanning the line (only whitespace around);
 *   - every key must be a string token with exactly one value;
 *   - the bytes between tokens must be exactly whitespace + ',' / ':' where
 *     JSON requires them (catches {"a":1,} {,"a":1} {"a"::1} ...);
 *   - primitives must be exactly true/false/null or an RFC 8259 number;
 *   - all tokens must be consumed by the member walk;
 *   - strings are unescaped by json_unescape() below (jsmn has none), which
 *     also rejects raw control characters, lone/invalid surrogates and
 *     invalid UTF-8 (overlong, surrogate, > U+10FFFF, truncated sequences).
 * Values of nested objects/arrays are skipped unchecked (records are flat).
 *
 * jsmn needs a caller-supplied token array.  We start with 64 tokens and
 * double on JSMN_ERROR_NOMEM, re-parsing the line.  Token offsets are int,
 * so lines must be < 2 GiB.
 */
#include "jsmn.h"

#include "common.h"

#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#ifdef JSMN_STRICT
const char *const jp_parser_name = "jsmn (strict)";
#else
const char *const jp_parser_name = "jsmn (non-strict)";
#endif

static jsmntok_t *toks;
static unsigned int ntoks;
static char *scratch;       /* unescape output buffers: key and value */
static size_t scratch_cap;  /* each half is scratch_cap bytes */

int jp_parser_init(void)
{
    ntoks = 64;
    toks = malloc(ntoks * sizeof *toks);
    scratch_cap = 4096;
    scratch = malloc(2 * scratch_cap);
    return toks && scratch ? 0 : -1;
}

void jp_parser_fini(void)
{
    free(toks);
    free(scratch);
}

static int hexval(int c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

static long read_hex4(const char *p)
{
    long v = 0;
    for (int i = 0; i < 4; i++) {
        int h = hexval((unsigned char)p[i]);
        if (h < 0)
            return -1;
        v = v << 4 | h;
    }
    return v;
}

/* Length of the valid UTF-8 sequence at p (1..4), or 0 if invalid. */
static int utf8_seq(const unsigned char *p, const unsigned char *e)
{
    unsigned c = p[0];
    if (c < 0x80)
        return 1;
    if (c < 0xC2) /* stray continuation byte or overlong 2-byte form */
        return 0;
    if (c < 0xE0)
        return e - p >= 2 && (p[1] & 0xC0) == 0x80 ? 2 : 0;
    if (c < 0xF0) {
        if (e - p < 3 || (p[1] & 0xC0) != 0x80 || (p[2] & 0xC0) != 0x80)
            return 0;
        if ((c == 0xE0 && p[1] < 0xA0) || (c == 0xED && p[1] >= 0xA0))
            return 0; /* overlong, or an encoded UTF-16 surrogate */
        return 3;
    }
    if (c < 0xF5) {
        if (e - p < 4 || (p[1] & 0xC0) != 0x80 || (p[2] & 0xC0) != 0x80 ||
            (p[3] & 0xC0) != 0x80)
            return 0;
        if ((c == 0xF0 && p[1] < 0x90) || (c == 0xF4 && p[1] >= 0x90))
            return 0; /* overlong, or above U+10FFFF */
        return 4;
    }
    return 0;
}

/*
 * Unescape the body of a JSON string (without the quotes) into out, which
 * must hold at least n bytes (unescaping never grows the text: \uXXXX is
 * 6 bytes -> at most 3, a surrogate pair 12 -> 4).  Returns the output
 * length, or -1 for a bad escape, a lone/mismatched surrogate, a raw
 * control character (< 0x20) or invalid UTF-8, all of which RFC 8259
 * forbids.  \u0000 is
 * decoded to a NUL byte; callers use the length, not strlen.
 */
static long json_unescape(const char *s, size_t n, char *out)
{
    const char *end = s + n;
    char *o = out;
    while (s < end) {
        unsigned char c = (unsigned char)*s++;
        if (c != '\\') {
            if (c < 0x20)
                return -1;
            if (c >= 0x80) {
                int l = utf8_seq((const unsigned char *)s - 1, (const unsigned char *)end);
                if (l == 0)
                    return -1;
                memcpy(o, s - 1, (size_t)l);
                o += l;
                s += l - 1;
                continue;
            }
            *o++ = (char)c;
            continue;
        }
        if (s >= end)
            return -1;
        switch (*s++) {
        case '"': *o++ = '"'; break;
        case '\\': *o++ = '\\'; break;
        case '/': *o++ = '/'; break;
        case 'b': *o++ = '\b'; break;
        case 'f': *o++ = '\f'; break;
        case 'n': *o++ = '\n'; break;
        case 'r': *o++ = '\r'; break;
        case 't': *o++ = '\t'; break;
        case 'u': {
            if (end - s < 4)
                return -1;
            long cp = read_hex4(s);
            if (cp < 0)
                return -1;
            s += 4;
            if (cp >= 0xD800 && cp <= 0xDBFF) { /* high surrogate: need low */
                if (end - s < 6 || s[0] != '\\' || s[1] != 'u')
                    return -1;
                long lo = read_hex4(s + 2);
                if (lo < 0xDC00 || lo > 0xDFFF)
                    return -1;
                s += 6;
                cp = 0x10000 + ((cp - 0xD800) << 10) + (lo - 0xDC00);
            } else if (cp >= 0xDC00 && cp <= 0xDFFF) { /* lone low surrogate */
                return -1;
            }
            if (cp < 0x80) {
                *o++ = (char)cp;
            } else if (cp < 0x800) {
                *o++ = (char)(0xC0 | (cp >> 6));
                *o++ = (char)(0x80 | (cp & 0x3F));
            } else if (cp < 0x10000) {
                *o++ = (char)(0xE0 | (cp >> 12));
                *o++ = (char)(0x80 | ((cp >> 6) & 0x3F));
                *o++ = (char)(0x80 | (cp & 0x3F));
            } else {
                *o++ = (char)(0xF0 | (cp >> 18));
                *o++ = (char)(0x80 | ((cp >> 12) & 0x3F));
                *o++ = (char)(0x80 | ((cp >> 6) & 0x3F));
                *o++ = (char)(0x80 | (cp & 0x3F));
            }
            break;
        }
        default:
            return -1;
        }
    }
    return (long)(o - out);
}

/* Resolve a string token to (ptr,len): zero-copy when it has no escapes.
 * Validates UTF-8 and control characters on the way. */
static int string_of(const char *js, const jsmntok_t *t, char *buf,
                     const char **out, size_t *outlen)
{
    const char *s = js + t->start;
    size_t n = (size_t)(t->end - t->start);
    const unsigned char *u = (const unsigned char *)s, *e = u + n;
    for (size_t i = 0; i < n;) {
        unsigned char c = u[i];
        if (c < 0x80) {
            if (c == '\\' || c < 0x20) {
                long r = json_unescape(s, n, buf);
                if (r < 0)
                    return -1;
                *out = buf;
                *outlen = (size_t)r;
                return 0;
            }
            i++;
        } else {
            int l = utf8_seq(u + i, e);
            if (l == 0)
                return -1;
            i += (size_t)l;
        }
    }
    *out = s;
    *outlen = n;
    return 0;
}

/* Byte range of a token in the line, including a string's quotes. */
static int raw_start(const jsmntok_t *t)
{
    return t->type == JSMN_STRING ? t->start - 1 : t->start;
}

static int raw_end(const jsmntok_t *t)
{
    return t->type == JSMN_STRING ? t->end + 1 : t->end;
}

/* line[a..b) must be whitespace with exactly one `sep` in it (sep != 0),
 * or only whitespace (sep == 0). */
static int gap_ok(const char *line, int a, int b, char sep)
{
    int seen = 0;
    for (int i = a; i < b; i++) {
        char c = line[i];
        if (c == ' ' || c == '\t' || c == '\r' || c == '\n')
            continue;
        if (c == sep && !seen && sep) {
            seen = 1;
            continue;
        }
        return 0;
    }
    return sep ? seen : 1;
}

/* RFC 8259 number: -?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)? */
static int is_json_number(const char *p, size_t n)
{
    const char *e = p + n;
    if (p < e && *p == '-')
        p++;
    if (p == e)
        return 0;
    if (*p == '0') {
        p++;
    } else if (*p >= '1' && *p <= '9') {
        while (p < e && *p >= '0' && *p <= '9')
            p++;
    } else {
        return 0;
    }
    if (p < e && *p == '.') {
        p++;
        if (p == e || *p < '0' || *p > '9')
            return 0;
        while (p < e && *p >= '0' && *p <= '9')
            p++;
    }
    if (p < e && (*p == 'e' || *p == 'E')) {
        p++;
        if (p < e && (*p == '+' || *p == '-'))
            p++;
        if (p == e || *p < '0' || *p > '9')
            return 0;
        while (p < e && *p >= '0' && *p <= '9')
            p++;
    }
    return p == e;
}

enum jp_result jp_parser_parse_line(char *line, size_t len, const char **err)
{
    if (len > INT_MAX) {
        *err = "line too long for jsmn (int offsets)";
        return JP_ERR_CHECK;
    }
    if (len > scratch_cap) { /* unescaped strings are never longer than the line */
        free(scratch);
        scratch_cap = len;
        scratch = malloc(2 * scratch_cap);
        if (!scratch) {
            perror("malloc");
            exit(2);
        }
    }
    jsmn_parser p;
    int r;
    for (;;) {
        jsmn_init(&p);
        r = jsmn_parse(&p, line, len, toks, ntoks);
        if (r != JSMN_ERROR_NOMEM)
            break;
        if (ntoks > UINT_MAX / 4) {
            *err = "too many tokens";
            return JP_ERR_CHECK;
        }
        ntoks *= 2;
        jsmntok_t *nt = realloc(toks, ntoks * sizeof *toks);
        if (!nt) {
            perror("realloc");
            exit(2);
        }
        toks = nt;
    }
    if (r < 0) {
        *err = r == JSMN_ERROR_PART ? "JSMN_ERROR_PART (incomplete JSON)"
                                    : "JSMN_ERROR_INVAL (invalid character)";
        return JP_ERR_PARSE;
    }
    if (r == 0) {
        *err = "no JSON value";
        return JP_ERR_PARSE;
    }
    const jsmntok_t *root = &toks[0];
    if (root->type != JSMN_OBJECT) {
        *err = "top-level value is not an object";
        return JP_ERR_ROOT;
    }
    /* jsmn silently skips stray ',' and ':' outside tokens, so check both
     * ends: only whitespace may surround the object. */
    if (!gap_ok(line, 0, root->start, 0) || !gap_ok(line, root->end, (int)len, 0)) {
        *err = "data before or after the object";
        return JP_ERR_CHECK;
    }

    char *kbuf = scratch, *vbuf = scratch + scratch_cap;
    int i = 1;
    int pos = root->start + 1; /* end of the previous token's raw bytes */
    for (int m = 0; m < root->size; m++) {
        if (i + 1 >= r) {
            *err = "member without value";
            return JP_ERR_CHECK;
        }
        const jsmntok_t *k = &toks[i], *v = &toks[i + 1];
        if (k->type != JSMN_STRING) {
            *err = "object key is not a string";
            return JP_ERR_CHECK;
        }
        if (k->size != 1) {
            *err = "malformed member (missing ':' / ',' or value)";
            return JP_ERR_CHECK;
        }
        if (!gap_ok(line, pos, raw_start(k), m ? ',' : 0)) {
            *err = "expected exactly one ',' between members";
            return JP_ERR_CHECK;
        }
        if (!gap_ok(line, raw_end(k), raw_start(v), ':')) {
            *err = "expected exactly one ':' after key";
            return JP_ERR_CHECK;
        }
        pos = raw_end(v);
        const char *name;
        size_t nlen;
        if (string_of(line, k, kbuf, &name, &nlen) != 0) {
            *err = "bad string in key";
            return JP_ERR_STRING;
        }
        i += 2;
        switch (v->type) {
        case JSMN_STRING: {
            if (v->size != 0) {
                *err = "malformed member (string used as key)";
                return JP_ERR_CHECK;
            }
            const char *s;
            size_t slen;
            if (string_of(line, v, vbuf, &s, &slen) != 0) {
                *err = "bad string in value";
                return JP_ERR_STRING;
            }
            jp_member_string(name, nlen, s, slen);
            break;
        }
        case JSMN_PRIMITIVE: {
            const char *t = line + v->start;
            size_t tl = (size_t)(v->end - v->start);
            if (v->size != 0) {
                *err = "malformed member (primitive used as key)";
                return JP_ERR_CHECK;
            }
            if (tl == 4 && memcmp(t, "true", 4) == 0)
                jp_member_bool(name, nlen, 1);
            else if (tl == 5 && memcmp(t, "false", 5) == 0)
                jp_member_bool(name, nlen, 0);
            else if (tl == 4 && memcmp(t, "null", 4) == 0)
                jp_member_null(name, nlen);
            else if (is_json_number(t, tl))
                jp_member_number_text(name, nlen, t, tl);
            else {
                *err = "invalid literal/number";
                return JP_ERR_CHECK;
            }
            break;
        }
        case JSMN_OBJECT:
        case JSMN_ARRAY:
            /* Skip the nested subtree: all tokens that start inside it. */
            while (i < r && toks[i].start < v->end)
                i++;
            jp_member_nested(name, nlen);
            break;
        default:
            *err = "unexpected token";
            return JP_ERR_CHECK;
        }
    }
    if (i != r) {
        *err = "stray tokens in object";
        return JP_ERR_CHECK;
    }
    if (!gap_ok(line, pos, root->end - 1, 0)) {
        *err = "trailing ',' or junk before '}'";
        return JP_ERR_CHECK;
    }
    return JP_OK;
}
