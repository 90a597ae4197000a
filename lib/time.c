#include "tsp_time.h"

#include <stdio.h>
#include <string.h>

#include "tsp_num.h"

/* Howard Hinnant's days_from_civil / civil_from_days algorithms. */
int64_t tsp_days_from_civil(int64_t y, unsigned m, unsigned d)
{
	int64_t era;
	unsigned yoe, doy, doe;

	y -= m <= 2;
	era = (y >= 0 ? y : y - 399) / 400;
	yoe = (unsigned)(y - era * 400);
	doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
	doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + (int64_t)doe - 719468;
}

void tsp_civil_from_days(int64_t z, int64_t *y, unsigned *m, unsigned *d)
{
	int64_t era;
	unsigned doe, yoe, doy, mp;

	z += 719468;
	era = (z >= 0 ? z : z - 146096) / 146097;
	doe = (unsigned)(z - era * 146097);
	yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
	mp = (5 * doy + 2) / 153;
	*d = doy - (153 * mp + 2) / 5 + 1;
	*m = mp < 10 ? mp + 3 : mp - 9;
	*y = (int64_t)yoe + era * 400 + (*m <= 2);
}

static int digits(const char *s, size_t n, int *out)
{
	int v = 0;
	size_t i;

	for (i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '9')
			return -1;
		v = v * 10 + (s[i] - '0');
	}
	*out = v;
	return 0;
}

/* Fraction digits after a '.', scaled to `scale_digits` (9 = ns). */
static int fraction(const char *s, size_t len, size_t *used, int64_t *val,
		    int scale_digits, int *ndigits)
{
	size_t i = 0;
	int64_t v = 0;
	int n = 0;

	while (i < len && s[i] >= '0' && s[i] <= '9') {
		if (n < scale_digits) {
			v = v * 10 + (s[i] - '0');
			n++;
		}
		i++;
	}
	if (i == 0)
		return -1;
	*ndigits = (int)(i > 9 ? 9 : i);
	for (int k = n; k < scale_digits; k++)
		v *= 10;
	*used = i;
	*val = v;
	return 0;
}

static int parse_rfc3339(const char *s, size_t len, tsp_time_t *t,
			 struct tsp_timefmt *fmt)
{
	int y, mo, d, h, mi, sec, oh = 0, om = 0, nd = 0;
	int64_t frac = 0, days, secs;
	size_t i = 19;
	static const int mdays[] = {31, 29, 31, 30, 31, 30, 31, 31, 30, 31,
				    30, 31};

	if (len < 20 || s[4] != '-' || s[7] != '-' ||
	    !(s[10] == 'T' || s[10] == 't' || s[10] == ' ') ||
	    s[13] != ':' || s[16] != ':')
		return -1;
	if (digits(s, 4, &y) || digits(s + 5, 2, &mo) ||
	    digits(s + 8, 2, &d) || digits(s + 11, 2, &h) ||
	    digits(s + 14, 2, &mi) || digits(s + 17, 2, &sec))
		return -1;
	if (mo < 1 || mo > 12 || d < 1 || d > mdays[mo - 1] || h > 23 ||
	    mi > 59 || sec > 60)
		return -1;
	if (mo == 2 && d == 29 && !(y % 4 == 0 && (y % 100 != 0 || y % 400 == 0)))
		return -1;
	if (sec == 60)	/* a leap second is folded onto the next second */
		sec = 59, frac = -1;
	if (s[i] == '.') {
		size_t used;
		int64_t f;
		if (fraction(s + i + 1, len - i - 1, &used, &f, 9, &nd))
			return -1;
		if (frac == 0)
			frac = f;
		i += 1 + used;
	}
	if (frac < 0)
		frac = TSP_NS_PER_SEC - 1;
	if (i < len && (s[i] == 'Z' || s[i] == 'z') && i + 1 == len) {
		fmt->zulu = 1;
	} else if (i + 6 == len && (s[i] == '+' || s[i] == '-') &&
		   s[i + 3] == ':' && !digits(s + i + 1, 2, &oh) &&
		   !digits(s + i + 4, 2, &om) && oh <= 23 && om <= 59) {
		fmt->zulu = 0;
		if (s[i] == '-')
			oh = -oh, om = -om;
	} else {
		return -1;
	}
	days = tsp_days_from_civil(y, (unsigned)mo, (unsigned)d);
	secs = days * 86400 + h * 3600 + mi * 60 + sec - (oh * 3600 + om * 60);
	/* The representable range is about +-292 years around 1970. */
	if (secs > INT64_MAX / TSP_NS_PER_SEC - 1 ||
	    secs < INT64_MIN / TSP_NS_PER_SEC + 1)
		return -2;
	*t = secs * TSP_NS_PER_SEC + frac;
	fmt->kind = TSP_TIME_RFC3339;
	fmt->frac_digits = (uint8_t)nd;
	fmt->offset_min = (int16_t)(oh * 60 + om);
	return 0;
}

static int parse_epoch(const char *s, size_t len, enum tsp_time_unit unit,
		       tsp_time_t *t, struct tsp_timefmt *fmt)
{
	size_t i = 0;
	int neg = 0, nd = 0;
	int64_t whole = 0, frac = 0;
	int64_t per = unit == TSP_UNIT_MS ? TSP_NS_PER_MS : TSP_NS_PER_SEC;
	int fdig = unit == TSP_UNIT_MS ? 6 : 9;

	if (len && (s[0] == '-' || s[0] == '+')) {
		neg = s[0] == '-';
		i++;
	}
	if (i == len || s[i] < '0' || s[i] > '9')
		return -1;
	{
		/* Count the digits first: up to 18 cannot overflow int64. */
		size_t start = i;
		while (i < len && (unsigned)(s[i] - '0') <= 9)
			i++;
		if (i - start > 18)
			return -2;
		for (size_t k = start; k < i; k++)
			whole = whole * 10 + (s[k] - '0');
	}
	if (i < len && s[i] == '.') {
		size_t used;
		if (fraction(s + i + 1, len - i - 1, &used, &frac, fdig, &nd))
			return -1;
		i += 1 + used;
	}
	if (i != len)
		return -1;
	if (whole > INT64_MAX / per - 1)
		return -2;
	*t = whole * per + frac;
	if (neg)
		*t = -*t;
	fmt->kind = unit == TSP_UNIT_MS ? TSP_TIME_EPOCH_MS : TSP_TIME_EPOCH;
	fmt->frac_digits = (uint8_t)nd;
	fmt->zulu = 0;
	fmt->offset_min = 0;
	return 0;
}

int tsp_time_parse(const char *s, size_t len, enum tsp_time_unit unit,
		   tsp_time_t *t, struct tsp_timefmt *fmt)
{
	struct tsp_timefmt dummy;

	if (!fmt)
		fmt = &dummy;
	while (len && (*s == ' ' || *s == '\t'))
		s++, len--;
	while (len && (s[len - 1] == ' ' || s[len - 1] == '\t'))
		len--;
	if (len >= 20 && s[4] == '-')
		return parse_rfc3339(s, len, t, fmt);
	return parse_epoch(s, len, unit, t, fmt);
}

/* Write a fraction of `scale` digits, trimmed to at least `min` digits. */
static size_t put_fraction(char *buf, int64_t frac, int scale, int min)
{
	char d[10];
	int n = scale;

	for (int i = scale - 1; i >= 0; i--) {
		d[i] = (char)('0' + frac % 10);
		frac /= 10;
	}
	while (n > min && d[n - 1] == '0')
		n--;
	if (n == 0)
		return 0;
	buf[0] = '.';
	memcpy(buf + 1, d, (size_t)n);
	return (size_t)n + 1;
}

size_t tsp_time_format(tsp_time_t t, const struct tsp_timefmt *fmt, char *buf)
{
	int64_t per, whole, frac;
	int scale;
	size_t n;

	if (fmt->kind == TSP_TIME_RFC3339) {
		int64_t secs, days, sod, y;
		unsigned mo, d;
		int off = fmt->offset_min;

		secs = tsp_time_floordiv(t, TSP_NS_PER_SEC);
		frac = t - secs * TSP_NS_PER_SEC;
		secs += (int64_t)off * 60;
		days = tsp_time_floordiv(secs, 86400);
		sod = secs - days * 86400;
		tsp_civil_from_days(days, &y, &mo, &d);
		n = (size_t)snprintf(buf, TSP_TIME_BUFSZ,
				     "%04lld-%02u-%02uT%02d:%02d:%02d",
				     (long long)y, mo, d, (int)(sod / 3600),
				     (int)(sod / 60 % 60), (int)(sod % 60));
		n += put_fraction(buf + n, frac, 9, fmt->frac_digits);
		if (fmt->zulu) {
			buf[n++] = 'Z';
		} else {
			int a = off < 0 ? -off : off;
			n += (size_t)snprintf(buf + n, TSP_TIME_BUFSZ - n,
					      "%c%02d:%02d", off < 0 ? '-' : '+',
					      a / 60, a % 60);
		}
		buf[n] = '\0';
		return n;
	}
	per = fmt->kind == TSP_TIME_EPOCH_MS ? TSP_NS_PER_MS : TSP_NS_PER_SEC;
	scale = fmt->kind == TSP_TIME_EPOCH_MS ? 6 : 9;
	/* Truncate toward zero so that "-1.5" prints as written. */
	whole = t / per;
	frac = t % per;
	if (frac < 0)
		frac = -frac;
	/* "-0.5": the sign is lost in a zero whole part, so write it here. */
	n = 0;
	if (t < 0 && whole == 0)
		buf[n++] = '-';
	n += tsp_num_format_int(whole, buf + n);
	n += put_fraction(buf + n, frac, scale, fmt->frac_digits);
	buf[n] = '\0';
	return n;
}

int tsp_duration_parse(const char *s, tsp_time_t *ns)
{
	static const struct {
		const char *name;
		int64_t ns;
	} units[] = {
		{"ns", 1}, {"us", 1000}, {"ms", TSP_NS_PER_MS},
		{"s", TSP_NS_PER_SEC}, {"m", 60 * TSP_NS_PER_SEC},
		{"h", 3600 * TSP_NS_PER_SEC}, {"d", 86400 * TSP_NS_PER_SEC},
		{"w", 7 * 86400 * TSP_NS_PER_SEC},
	};
	double total = 0;
	int terms = 0;

	if (!s || !*s)
		return -1;
	while (*s) {
		int64_t whole = 0, frac = 0, scale = 1, unit = 0;
		size_t ul = 0;
		const char *p = s;

		while (*p >= '0' && *p <= '9') {
			if (whole > (INT64_MAX - 9) / 10)
				return -1;
			whole = whole * 10 + (*p++ - '0');
		}
		if (*p == '.') {
			p++;
			while (*p >= '0' && *p <= '9') {
				if (scale < INT64_C(1000000000000000000) / 10) {
					frac = frac * 10 + (*p - '0');
					scale *= 10;
				}
				p++;
			}
		}
		if (p == s || (p == s + 1 && *s == '.'))
			return -1;
		while (p[ul] >= 'a' && p[ul] <= 'z')
			ul++;
		if (ul == 0) {
			if (*p != '\0' || terms > 0)
				return -1;
			unit = TSP_NS_PER_SEC;
		} else {
			for (size_t i = 0; i < sizeof(units) / sizeof(units[0]); i++)
				if (strlen(units[i].name) == ul &&
				    memcmp(units[i].name, p, ul) == 0)
					unit = units[i].ns;
			if (!unit)
				return -1;
		}
		total += (double)whole * (double)unit +
			 (double)frac * (double)unit / (double)scale;
		terms++;
		s = p + ul;
	}
	if (total > 9.2e18)
		return -1;
	*ns = (tsp_time_t)(total + 0.5);
	return 0;
}
