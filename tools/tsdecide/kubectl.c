/*
 * tsdecide/kubectl.c: the deployment name a kubectl line scales.  The
 * line is meant to be run by a shell, so the name is checked to be a
 * Kubernetes name, never quoted into one.
 */
#include <string.h>

#include "tsdecide.h"

/* The value of label name in a key metric{a="x",b="y"}: 1 with out
 * filled (unescaped), 0 when absent or the key has no labels. */
static int key_label(const char *key, size_t len, const char *name,
		     size_t nlen, char *out, size_t n)
{
	const char *p = memchr(key, '{', len), *end = key + len;

	if (!p)
		return 0;
	for (p++; p < end && *p != '}';) {
		const char *lname = p;
		size_t o = 0;
		int match;

		while (p < end && *p != '=' && *p != '}' && *p != ',')
			p++;
		if (p + 1 >= end || *p != '=' || p[1] != '"')
			return 0;
		match = (size_t)(p - lname) == nlen &&
			memcmp(lname, name, nlen) == 0;
		for (p += 2; p < end && *p != '"'; p++) {
			char c = *p;
			if (c == '\\' && p + 1 < end)
				c = *++p == 'n' ? '\n' : *p;
			if (match && o + 1 < n)
				out[o++] = c;
		}
		if (p >= end)
			return 0;
		if (match) {
			out[o] = 0;
			return 1;
		}
		p++;
		if (p < end && *p == ',')
			p++;
	}
	return 0;
}

static int alnum(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9');
}

/* A DNS-1123 subdomain: what a Deployment may be called. */
static int k8s_name(const char *s)
{
	size_t len = strlen(s);

	if (!len || len > 253 || !alnum(s[0]) || !alnum(s[len - 1]))
		return 0;
	for (size_t i = 0; i < len; i++) {
		if (alnum(s[i]) || (s[i] == '-' && s[i - 1] != '.'))
			continue;
		if (s[i] != '.' || !alnum(s[i - 1]))
			return 0;
	}
	return 1;
}

int decide_deployment(const char *tmpl, const struct tsp_record *rec,
		      const char *key, size_t keylen, char *buf, size_t n,
		      struct tsp_error *err)
{
	char q[80], val[256];
	size_t o = 0;
	int cut = 0;	/* longer than buf: not a name either */

	for (const char *p = tmpl; *p; p++) {
		const char *close = *p == '{' ? strchr(p, '}') : NULL;
		const char *v = NULL;
		size_t nlen, vlen;

		if (!close) {
			if (o + 1 < n)
				buf[o++] = *p;
			else
				cut = 1;
			continue;
		}
		nlen = (size_t)(close - p - 1);
		for (size_t i = 0; i < rec->n && !v; i++)
			if (strlen(rec->f[i].name) == nlen &&
			    memcmp(rec->f[i].name, p + 1, nlen) == 0 &&
			    rec->f[i].len)
				v = rec->f[i].val;
		if (!v && key_label(key, keylen, p + 1, nlen, val, sizeof(val)))
			v = val;
		if (!v)
			return tsp_error_at(err, TSP_EDATA, rec->input,
					    rec->line, "series %s: no field or "
					    "label '%.*s' for the deployment "
					    "name (give --deployment)",
					    tsp_quote(q, sizeof(q), key,
						      keylen),
					    (int)nlen, p + 1);
		vlen = strlen(v);
		if (o + vlen < n) {
			memcpy(buf + o, v, vlen);
			o += vlen;
		} else {
			cut = 1;
		}
		p = close;
	}
	buf[o < n ? o : n - 1] = 0;
	if (cut || !k8s_name(buf))
		return tsp_error_at(err, TSP_EDATA, rec->input, rec->line,
				    "series %s: deployment name %s is not a "
				    "Kubernetes name (lowercase letters, "
				    "digits, '-', '.')",
				    tsp_quote(q, sizeof(q), key, keylen),
				    tsp_quote(val, sizeof(val), buf,
					      strlen(buf)));
	return 0;
}
