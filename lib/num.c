#include "tsp_num.h"

#include <float.h>
#include <limits.h>
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

/*
 * The reference behaviour: %.*g with the first precision among 15, 16, 17
 * that reads back.  A normal double whose shortest form has at most 15
 * digits prints as that form with %.15g (15-digit decimals are further
 * apart than the double's precision), so 15, then 16, then 17 (which
 * always round-trips).  Subnormals have less precision: search from 1
 * digit.  format_fast() computes the same text without printf; this is
 * its fallback for subnormals and the cases it cannot decide.
 */
static size_t format_printf(double v, char *buf)
{
	int prec;

	for (prec = fabs(v) < DBL_MIN ? 1 : 15; prec < 17; prec++) {
		int n = snprintf(buf, TSP_NUM_BUFSZ, "%.*g", prec, v);
		if (strtod(buf, NULL) == v)
			return (size_t)n;
	}
	return (size_t)snprintf(buf, TSP_NUM_BUFSZ, "%.17g", v);
}

#ifdef __SIZEOF_INT128__
__extension__ typedef unsigned __int128 u128;

/*
 * 10^(28i - 308) for i = 0..22 as hi:lo * 2^e2, hi:lo a 128-bit integer
 * with its top bit set, rounded to nearest (exact from 1e0 to 1e28).
 * Other powers are one of these times 5^b * 2^b, b < 28: 5^27 < 2^63.
 */
static const struct {
	uint64_t hi, lo;
	int e2;
} pow10_coarse[] = {
	{ 0xe61acf033d1a45dfULL, 0x6fb92487298e33beULL, -1151 },	/* 1e-308 */
	{ 0xe858ad248f5c22c9ULL, 0xd1b3400f8f9cff69ULL, -1058 },	/* 1e-280 */
	{ 0xea9c227723ee8bcbULL, 0x465e15a979c1cadcULL, -965 },	/* 1e-252 */
	{ 0xece53cec4a314ebdULL, 0xa4f8bf5635246428ULL, -872 },	/* 1e-224 */
	{ 0xef340a98172aace4ULL, 0x86fb897116c87c35ULL, -779 },	/* 1e-196 */
	{ 0xf18899b1bc3f8ca1ULL, 0xdc44e6c3cb279ac2ULL, -686 },	/* 1e-168 */
	{ 0xf3e2f893dec3f126ULL, 0x5a89dba3c3efccfbULL, -593 },	/* 1e-140 */
	{ 0xf64335bcf065d37dULL, 0x4d4617b5ff4a16d6ULL, -500 },	/* 1e-112 */
	{ 0xf8a95fcf88747d94ULL, 0x75a44c6397ce912aULL, -407 },	/* 1e-84 */
	{ 0xfb158592be068d2eULL, 0xeed6e2f0f0d56713ULL, -314 },	/* 1e-56 */
	{ 0xfd87b5f28300ca0dULL, 0x8bca9d6e188853fcULL, -221 },	/* 1e-28 */
	{ 0x8000000000000000ULL, 0x0000000000000000ULL, -127 },	/* 1e0 */
	{ 0x813f3978f8940984ULL, 0x4000000000000000ULL, -34 },	/* 1e28 */
	{ 0x82818f1281ed449fULL, 0xbff8f10e7a8921a4ULL, 59 },	/* 1e56 */
	{ 0x83c7088e1aab65dbULL, 0x792667c6da79e0faULL, 152 },	/* 1e84 */
	{ 0x850fadc09923329eULL, 0x03e2cf6bc604ddb0ULL, 245 },	/* 1e112 */
	{ 0x865b86925b9bc5c2ULL, 0x0b8a2392ba45a9b2ULL, 338 },	/* 1e140 */
	{ 0x87aa9aff79042286ULL, 0x90fb44d2f05d0843ULL, 431 },	/* 1e168 */
	{ 0x88fcf317f22241e2ULL, 0x441fece3bdf81f03ULL, 524 },	/* 1e196 */
	{ 0x8a5296ffe33cc92fULL, 0x82bd6b70d99aaa70ULL, 617 },	/* 1e224 */
	{ 0x8bab8eefb6409c1aULL, 0x1ad089b6c2f7548eULL, 710 },	/* 1e252 */
	{ 0x8d07e33455637eb2ULL, 0xdb0b487b6423e1e8ULL, 803 },	/* 1e280 */
	{ 0x8e679c2f5e44ff8fULL, 0x570f09eaa7ea7648ULL, 896 },	/* 1e308 */
};

static const uint64_t pow10_u64[] = {
	1ULL, 10ULL, 100ULL, 1000ULL, 10000ULL, 100000ULL, 1000000ULL,
	10000000ULL, 100000000ULL, 1000000000ULL, 10000000000ULL,
	100000000000ULL, 1000000000000ULL, 10000000000000ULL,
	100000000000000ULL, 1000000000000000ULL, 10000000000000000ULL,
	100000000000000000ULL, 1000000000000000000ULL
};

/* 5^0 .. 5^27; 5^27 < 2^63. */
static const uint64_t pow5_u64[] = {
	1ULL, 5ULL, 25ULL, 125ULL, 625ULL, 3125ULL, 15625ULL, 78125ULL,
	390625ULL, 1953125ULL, 9765625ULL, 48828125ULL, 244140625ULL,
	1220703125ULL, 6103515625ULL, 30517578125ULL, 152587890625ULL,
	762939453125ULL, 3814697265625ULL, 19073486328125ULL,
	95367431640625ULL, 476837158203125ULL, 2384185791015625ULL,
	11920928955078125ULL, 59604644775390625ULL, 298023223876953125ULL,
	1490116119384765625ULL, 7450580596923828125ULL
};

/*
 * The scaled values below are off by at most a few units of their last
 * bit; a decision closer than this to a tie or to a half-gap is settled
 * exactly, or else by format_printf().
 */
#define FMT_SLACK 64

/* a * (hi:lo) as three 64-bit limbs, most significant first. */
static void mul_64x128(uint64_t a, uint64_t hi, uint64_t lo, uint64_t out[3])
{
	u128 pl = (u128)a * lo, ph = (u128)a * hi;
	u128 mid = (pl >> 64) + (uint64_t)ph;

	out[2] = (uint64_t)pl;
	out[1] = (uint64_t)mid;
	out[0] = (uint64_t)(ph >> 64) + (uint64_t)(mid >> 64);
}

/* 10^k ~ *c * 2^*e2, *c with its top bit set, relative error < 2^-126. */
static void pow10_approx(int k, u128 *c, int *e2)
{
	int i = (k + 308) / 28, b = (k + 308) % 28;
	uint64_t hi = pow10_coarse[i].hi, lo = pow10_coarse[i].lo, p[3];
	int z;

	*e2 = pow10_coarse[i].e2;
	if (b == 0) {
		*c = (u128)hi << 64 | lo;
		return;
	}
	mul_64x128(pow5_u64[b], hi, lo, p);
	z = __builtin_clzll(p[0]);	/* p[0] >= 2, < 2^63: z in 1..62 */
	*c = (u128)(p[0] << z | p[1] >> (64 - z)) << 64 |
	     (p[1] << z | p[2] >> (64 - z));
	*e2 += b + 64 - z;
}

/*
 * For an odd a: a * 2^e * 10^k is an odd number times 2^result, or, when
 * it is not a dyadic rational at all (5^-k does not divide a), INT_MIN.
 * So it is an integer when the result is >= 0, an odd one when it is 0.
 * Used only where the scaled values cannot tell: exact ties and exact
 * half-gaps.
 */
static int dyadic_scaled(uint64_t a, int e, int k)
{
	if (k < 0 && (k < -24 || a % pow5_u64[-k]))
		return INT_MIN;
	return e + k;
}

/* i / 10^j for j <= 3, by constants the compiler turns into multiplies. */
static uint64_t div_pow10(uint64_t i, int j)
{
	switch (j) {
	case 0:
		return i;
	case 1:
		return i / 10;
	case 2:
		return i / 100;
	default:
		return i / 1000;
	}
}

static const char digit_pairs[] =
	"0001020304050607080910111213141516171819"
	"2021222324252627282930313233343536373839"
	"4041424344454647484950515253545556575859"
	"6061626364656667686970717273747576777879"
	"8081828384858687888990919293949596979899";

/* The 8 decimal digits of x < 10^8, with leading zeros. */
static void put8(uint32_t x, char *out)
{
	uint32_t hi = x / 10000, lo = x % 10000;

	memcpy(out, digit_pairs + 2 * (hi / 100), 2);
	memcpy(out + 2, digit_pairs + 2 * (hi % 100), 2);
	memcpy(out + 4, digit_pairs + 2 * (lo / 100), 2);
	memcpy(out + 6, digit_pairs + 2 * (lo % 100), 2);
}

/*
 * What %.*g prints for a value whose prec digits (trailing zeros
 * included) are d, with the first digit in the 10^x10 place.
 */
static size_t emit_g(int neg, uint64_t d, int prec, int x10, char *buf)
{
	char all[24], *dig = all + 24 - prec;
	size_t o = 0;
	int nd = prec;

	/* d < 10^17: three independent 8-digit chunks. */
	put8((uint32_t)(d / 10000000000000000ULL), all);
	put8((uint32_t)(d / 100000000 % 100000000), all + 8);
	put8((uint32_t)(d % 100000000), all + 16);
	while (nd > 1 && dig[nd - 1] == '0')
		nd--;
	if (neg)
		buf[o++] = '-';
	if (x10 < -4 || x10 >= prec) {
		unsigned ax = (unsigned)(x10 < 0 ? -x10 : x10);
		buf[o++] = dig[0];
		if (nd > 1) {
			buf[o++] = '.';
			memcpy(buf + o, dig + 1, (size_t)nd - 1);
			o += (size_t)nd - 1;
		}
		buf[o++] = 'e';
		buf[o++] = x10 < 0 ? '-' : '+';
		if (ax >= 100)
			buf[o++] = (char)('0' + ax / 100);
		buf[o++] = (char)('0' + ax / 10 % 10);
		buf[o++] = (char)('0' + ax % 10);
	} else if (x10 >= 0) {
		memcpy(buf + o, dig, (size_t)x10 + 1);
		o += (size_t)x10 + 1;
		if (nd > x10 + 1) {
			buf[o++] = '.';
			memcpy(buf + o, dig + x10 + 1, (size_t)(nd - x10 - 1));
			o += (size_t)(nd - x10 - 1);
		}
	} else {
		buf[o++] = '0';
		buf[o++] = '.';
		for (int i = -1; i > x10; i--)
			buf[o++] = '0';
		memcpy(buf + o, dig, (size_t)nd);
		o += (size_t)nd;
	}
	buf[o] = '\0';
	return o;
}

/*
 * format_printf() without printf or strtod, for normal doubles.  With
 * v = m * 2^q, S = v * 10^k lies in [1e16, 1e18) and x = S * 2^64 is
 * known to within a few units, as are the half-gaps to v's neighbours.
 * Rounding S to 15, 16 or 17 digits gives what %.*g prints, and such a
 * candidate reads back as v when it lies inside those half-gaps.  Exact
 * ties (printf rounds them to even) and candidates exactly on a half-gap
 * (strtod rounds them to the even mantissa) are recognised with exact
 * arithmetic on m and q.  Returns 0, with nothing written, when neither
 * can decide: a vanishingly rare case for normal doubles.
 */
static size_t format_fast(double v, char *buf)
{
	uint64_t bits, m, i;
	int be, q, e10, k, s, e2, prec, neg, big;
	u128 c, x, u, ulo;

	memcpy(&bits, &v, sizeof(bits));
	neg = (int)(bits >> 63);
	be = (int)(bits >> 52 & 0x7ff);
	if (be == 0 || be == 0x7ff)
		return 0;
	m = (bits & ((1ULL << 52) - 1)) | 1ULL << 52;
	q = be - 1075;

	/* floor((q + 52) * log10(2)), or one less: v >= 2^(q+52). */
	e10 = (int)((((int64_t)(q + 52) * 78913) + ((int64_t)1 << 40)) >> 18)
	      - (1 << 22);
	k = 16 - e10;
	pow10_approx(k, &c, &e2);
	s = -(e2 + q + 64);
	if (s < 54 || s > 63)
		return 0;	/* not reached */
	{
		uint64_t p[3];
		mul_64x128(m, (uint64_t)(c >> 64), (uint64_t)c, p);
		x = (u128)p[0] << (128 - s) | (u128)p[1] << (64 - s) |
		    p[2] >> s;
	}
	/* The half-gaps; below a power of two the gap is half as wide. */
	u = c >> (s + 1);
	ulo = m == 1ULL << 52 && be > 1 ? u >> 1 : u;

	i = (uint64_t)(x >> 64);
	if (i < pow10_u64[16] || i >= pow10_u64[18])
		return 0;	/* not reached */
	big = i >= pow10_u64[17];
	e10 += big;

	for (prec = 15; prec <= 17; prec++) {
		/* Candidates are multiples of div in S, of 10^-kp in v. */
		int j = 17 - prec + big, kp = k - j, up;
		uint64_t div = pow10_u64[j], d = div_pow10(i, j);
		u128 r = (u128)(i - d * div) << 64 | (uint64_t)x;
		u128 half = (u128)div << 63, dist, gap;

		if ((r > half ? r - half : half - r) <= FMT_SLACK) {
			int z = __builtin_ctzll(m);
			if (dyadic_scaled(m >> z, q + z + 1, kp) != 0)
				return 0;
			up = (int)(d & 1);
			dist = half;
		} else {
			up = r > half;
			dist = up ? ((u128)div << 64) - r : r;
		}
		d += (uint64_t)up;
		if (prec < 17) {
			gap = up ? u : ulo;
			if ((dist > gap ? dist - gap : gap - dist) <= FMT_SLACK) {
				/* Exactly on the half-gap? */
				int h = up ? dyadic_scaled(2 * m + 1, q - 1, kp)
				    : ulo != u ? dyadic_scaled(4 * m - 1, q - 2, kp)
				    : dyadic_scaled(2 * m - 1, q - 1, kp);
				if (h < 0)
					return 0;
				if (m & 1)
					continue;
			} else if (dist > gap) {
				continue;
			}
		}
		if (d == pow10_u64[prec])
			return emit_g(neg, pow10_u64[prec - 1], prec, e10 + 1,
				      buf);
		return emit_g(neg, d, prec, e10, buf);
	}
	return 0;	/* not reached */
}
#endif

size_t tsp_num_format(double v, char *buf)
{
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
	if (fabs(v) < 1e15 && v == (double)(int64_t)v) {
		size_t n = tsp_num_format_int((int64_t)v, buf);
		buf[n] = '\0';
		return n;
	}
#ifdef __SIZEOF_INT128__
	{
		size_t n = format_fast(v, buf);
		if (n)
			return n;
	}
#endif
	return format_printf(v, buf);
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

size_t tsp_num_format_fixed2(double v, char *buf)
{
	double a = fabs(v) * 100, r = floor(a), frac = a - r;
	char tmp[24];
	size_t n = 0, k = 0;
	uint64_t h;

	/* Below 1e9 the product is within 1e-7 of the exact v * 100: the
	 * digits are right unless that is within 1e-6 of a half, when
	 * printf's rounding of the exact binary value decides. */
	if (!(a < 1e9) || fabs(frac - 0.5) < 1e-6) {
		int len = snprintf(buf, TSP_NUM_BUFSZ, "%+.2f", v);
		return len < TSP_NUM_BUFSZ ? (size_t)len : TSP_NUM_BUFSZ - 1;
	}
	h = (uint64_t)r + (frac > 0.5);
	buf[n++] = signbit(v) ? '-' : '+';
	do {
		tmp[k++] = (char)('0' + h % 10);
		h /= 10;
	} while (h || k < 3);
	while (k > 2)
		buf[n++] = tmp[--k];
	buf[n++] = '.';
	buf[n++] = tmp[1];
	buf[n++] = tmp[0];
	buf[n] = '\0';
	return n;
}
