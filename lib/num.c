#include "tsp_num.h"

#include <float.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

/* Exact powers of ten: every one up to 1e22 is representable in a double. */
static const double pow10_exact[] = {
	1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11,
	1e12, 1e13, 1e14, 1e15, 1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22
};

static int is_blank(char c)
{
	return c == ' ' || c == '\t';
}

static enum tsp_num_status parse_special(const char *s, size_t len,
					 double *out)
{
	int neg = 0;

	if (len && (*s == '+' || *s == '-')) {
		neg = *s == '-';
		s++;
		len--;
	}
	if (len == 3 && strncasecmp(s, "nan", 3) == 0) {
		*out = neg ? -NAN : NAN;
		return TSP_NUM_OK;
	}
	if ((len == 3 && strncasecmp(s, "inf", 3) == 0) ||
	    (len == 8 && strncasecmp(s, "infinity", 8) == 0)) {
		*out = neg ? -INFINITY : INFINITY;
		return TSP_NUM_OK;
	}
	return TSP_NUM_BAD;
}

enum tsp_num_status tsp_num_parse(const char *s, size_t len, double *out)
{
	const char *p, *end;
	uint64_t mant = 0;
	int ndig = 0, frac = 0, neg = 0, has_exp = 0, seen_dot = 0;
	char tmp[128];
	char *buf, *stop;

	while (len && is_blank(*s)) {
		s++;
		len--;
	}
	while (len && is_blank(s[len - 1]))
		len--;
	if (len == 0)
		return TSP_NUM_MISSING;

	p = s;
	end = s + len;
	if (*p == '+' || *p == '-') {
		neg = *p == '-';
		p++;
	}
	if (p == end)
		return TSP_NUM_BAD;
	if (!(*p >= '0' && *p <= '9') && *p != '.')
		return parse_special(s, len, out);

	/* Validate the grammar while collecting up to 19 significant digits. */
	{
		int int_digits = 0, frac_digits = 0;
		for (; p < end; p++) {
			if (*p >= '0' && *p <= '9') {
				if (seen_dot)
					frac_digits++;
				else
					int_digits++;
				if (ndig < 19) {
					mant = mant * 10 + (uint64_t)(*p - '0');
					if (mant)
						ndig++;
					if (seen_dot)
						frac++;
				} else if (!seen_dot) {
					ndig = 99; /* too long for the fast path */
				}
			} else if (*p == '.' && !seen_dot) {
				seen_dot = 1;
			} else {
				break;
			}
		}
		if (int_digits + frac_digits == 0)
			return TSP_NUM_BAD;
		if (p < end && (*p == 'e' || *p == 'E')) {
			const char *q = p + 1;
			has_exp = 1;
			if (q < end && (*q == '+' || *q == '-'))
				q++;
			if (q == end || !(*q >= '0' && *q <= '9'))
				return TSP_NUM_BAD;
			while (q < end && *q >= '0' && *q <= '9')
				q++;
			p = q;
		}
		if (p != end)
			return TSP_NUM_BAD;
	}

	/*
	 * Clinger's fast path: an integer below 2^53 divided by an exact
	 * power of ten is correctly rounded by one IEEE division.
	 */
	if (!has_exp && ndig <= 15 && frac <= 22 && mant < (1ULL << 53)) {
		double v = (double)mant;
		if (frac)
			v /= pow10_exact[frac];
		*out = neg ? -v : v;
		return TSP_NUM_OK;
	}

	buf = len < sizeof(tmp) ? tmp : malloc(len + 1);
	if (!buf)
		return TSP_NUM_BAD;
	memcpy(buf, s, len);
	buf[len] = '\0';
	*out = strtod(buf, &stop);
	if (buf != tmp)
		free(buf);
	return TSP_NUM_OK;
}

size_t tsp_num_format_int(int64_t v, char *buf)
{
	char tmp[24];
	size_t n = 0, o = 0;
	uint64_t u = v < 0 ? (uint64_t)(-(v + 1)) + 1 : (uint64_t)v;

	if (v < 0)
		buf[o++] = '-';
	do {
		tmp[n++] = (char)('0' + u % 10);
		u /= 10;
	} while (u);
	while (n)
		buf[o++] = tmp[--n];
	return o;
}

size_t tsp_num_format(double v, char *buf)
{
	int prec;

	if (isnan(v)) {
		memcpy(buf, "NaN", 4);
		return 3;
	}
	if (isinf(v)) {
		if (v < 0) {
			memcpy(buf, "-Inf", 5);
			return 4;
		}
		memcpy(buf, "Inf", 4);
		return 3;
	}
	if (v == 0 && signbit(v)) {
		memcpy(buf, "-0", 3);
		return 2;
	}
	if (v == (double)(int64_t)v && fabs(v) < 1e15) {
		size_t n = tsp_num_format_int((int64_t)v, buf);
		buf[n] = '\0';
		return n;
	}

	/*
	 * The shortest digit string that reads back.  A normal double whose
	 * shortest form has at most 15 digits prints as that form with %.15g
	 * (15-digit decimals are further apart than the double's precision),
	 * so try 15, then 16, then 17 (which always round-trips).
	 * Subnormals have less precision: search from 1 digit.
	 */
	for (prec = fabs(v) < DBL_MIN ? 1 : 15; prec < 17; prec++) {
		int n = snprintf(buf, TSP_NUM_BUFSZ, "%.*g", prec, v);
		if (strtod(buf, NULL) == v)
			return (size_t)n;
	}
	return (size_t)snprintf(buf, TSP_NUM_BUFSZ, "%.17g", v);
}

int tsp_num_is_json(const char *s, size_t len)
{
	size_t i = 0;

	if (i < len && s[i] == '-')
		i++;
	if (i == len)
		return 0;
	if (s[i] == '0') {
		i++;
	} else if (s[i] >= '1' && s[i] <= '9') {
		while (i < len && s[i] >= '0' && s[i] <= '9')
			i++;
	} else {
		return 0;
	}
	if (i < len && s[i] == '.') {
		size_t d = ++i;
		while (i < len && s[i] >= '0' && s[i] <= '9')
			i++;
		if (i == d)
			return 0;
	}
	if (i < len && (s[i] == 'e' || s[i] == 'E')) {
		size_t d;
		i++;
		if (i < len && (s[i] == '+' || s[i] == '-'))
			i++;
		d = i;
		while (i < len && s[i] >= '0' && s[i] <= '9')
			i++;
		if (i == d)
			return 0;
	}
	return i == len;
}
