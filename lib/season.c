/*
 * Seasonal period detection.
 *
 * The period finder is described in tsp_season.h; the comments here say
 * why each step is the way it is.
 */
#include "tsp_season.h"

#include <gsl/gsl_cdf.h>
#include <gsl/gsl_errno.h>
#include <gsl/gsl_fft_halfcomplex.h>
#include <gsl/gsl_fft_real.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

/* ---- period finder: tunables ------------------------------------------ */

/* Candidates tested at most (each costs O(n), a few an FFT). */
#define MAX_CAND 24
/* Periods accepted at most: each candidate once per pass, in the second
 * pass also the first pass's periods. */
#define MAX_ACC (2 * MAX_CAND)
/* Half-width, in bins of the padded spectrum, of the running median that
 * estimates the background the cycles stand out from. */
#define BG_HALF 16
#define BG_STEP 4
/* Tests remembered. */
#define MEMO 4
/* Significance level of the F test of one candidate.  Low because up to
 * MAX_CAND candidates, each the best of many lags, are tested. */
#define ALPHA 1e-9
/* A divisor q of a period k is a cycle of its own if the k/q stretches
 * of k's profile correlate at least this much on average. */
#define MIN_REPEAT 0.4
/* Below this lag the autocorrelation of the residual is summed directly,
 * above it by FFT. */
#define DIRECT_ACF 64
/* Steps a candidate lag may move to the strongest profile. */
#define REFINE 4
/* Multiples of one candidate kept among the candidates. */
#define MAX_MULT 8
/*
 * Cycles the data must hold of a period: a multiple of a shorter period
 * found (a week over days), or any other.  The moving average takes one;
 * over fewer than four left, the wander of a random walk at the scale of
 * the period passes the F test too often, but a multiple also has to lift
 * the comb above its neighbouring multiples.
 */
#define NESTED_CYCLES 3
#define FREE_CYCLES 5

#define PI 3.14159265358979323846

/* The smallest 2^a 3^b 5^c >= n: a size GSL's mixed-radix FFT does fast
 * (its radix-2 code is twice as slow for a million points). */
static size_t nice_size(size_t n)
{
	size_t best = (size_t)-1;

	for (size_t p5 = 1; p5 < best / 5; p5 *= 5)
		for (size_t p3 = p5; p3 < best / 3; p3 *= 3) {
			size_t v = p3;
			while (v < n)
				v *= 2;
			if (v < best)
				best = v;
		}
	return best;
}

/*
 * The upper alpha quantile of F(d1, d2).  gsl_cdf_fdist_Qinv gives NaN
 * for the large degrees of freedom of long series, so bisect (on the log
 * scale) on gsl_cdf_fdist_Q, which stays accurate.  NaN if Q misbehaves.
 */
static double f_qinv(double alpha, double d1, double d2)
{
	double lo = 1.0, hi = 2.0, q;

	q = gsl_cdf_fdist_Q(lo, d1, d2);
	if (isnan(q))
		return NAN;
	while (q < alpha && lo > 1e-300) {
		hi = lo;
		lo /= 2.0;
		q = gsl_cdf_fdist_Q(lo, d1, d2);
	}
	for (;;) {
		q = gsl_cdf_fdist_Q(hi, d1, d2);
		if (isnan(q))
			return NAN;
		if (q < alpha)
			break;
		if (hi > 1e300)
			return NAN;
		lo = hi;
		hi *= 2.0;
	}
	for (int i = 0; i < 200 && hi - lo > 1e-12 * hi; i++) {
		double mid = sqrt(lo * hi);
		q = gsl_cdf_fdist_Q(mid, d1, d2);
		if (isnan(q))
			return NAN;
		if (q < alpha)
			hi = mid;
		else
			lo = mid;
	}
	return hi;
}

/* Median of a[0..n) by quickselect (a is reordered). */
static double median(double *a, size_t n)
{
	size_t lo = 0, hi = n - 1, k = n / 2;

	while (lo < hi) {
		double piv = a[(lo + hi) / 2];
		size_t i = lo, j = hi;
		while (i <= j) {
			while (a[i] < piv)
				i++;
			while (a[j] > piv)
				j--;
			if (i <= j) {
				double t = a[i];
				a[i] = a[j];
				a[j] = t;
				i++;
				if (j == 0)
					break;
				j--;
			}
		}
		if (k <= j)
			hi = j;
		else if (k >= i)
			lo = i;
		else
			break;
	}
	return a[k];
}

/* Power spectrum of x[0..len) zero-padded to nfft, in pw[0..nfft/2];
 * buf holds nfft doubles.  0 or a GSL status. */
static int power_spectrum(const double *x, size_t len, size_t nfft,
			  double *buf, double *pw)
{
	gsl_fft_real_wavetable *wt = gsl_fft_real_wavetable_alloc(nfft);
	gsl_fft_real_workspace *ws = gsl_fft_real_workspace_alloc(nfft);
	int st = GSL_ENOMEM;

	if (wt && ws) {
		memcpy(buf, x, len * sizeof(*buf));
		memset(buf + len, 0, (nfft - len) * sizeof(*buf));
		st = gsl_fft_real_transform(buf, 1, nfft, wt, ws);
	}
	gsl_fft_real_wavetable_free(wt);
	gsl_fft_real_workspace_free(ws);
	if (st)
		return st;
	/* half-complex: r0, (re, im) pairs, r[n/2] last when n is even */
	pw[0] = buf[0] * buf[0];
	for (size_t j = 1; 2 * j < nfft; j++)
		pw[j] = buf[2 * j - 1] * buf[2 * j - 1] +
			buf[2 * j] * buf[2 * j];
	if (nfft % 2 == 0)
		pw[nfft / 2] = buf[nfft - 1] * buf[nfft - 1];
	return 0;
}

/* Inverse transform of the real, even spectrum pw[0..nfft/2] into
 * buf[0..nfft): the (circular) autocovariance sums. */
static int spectrum_to_acf(const double *pw, size_t nfft, double *buf)
{
	gsl_fft_halfcomplex_wavetable *wt =
		gsl_fft_halfcomplex_wavetable_alloc(nfft);
	gsl_fft_real_workspace *ws = gsl_fft_real_workspace_alloc(nfft);
	int st = GSL_ENOMEM;

	if (wt && ws) {
		buf[0] = pw[0];
		for (size_t j = 1; 2 * j < nfft; j++) {
			buf[2 * j - 1] = pw[j];
			buf[2 * j] = 0.0;
		}
		if (nfft % 2 == 0)
			buf[nfft - 1] = pw[nfft / 2];
		st = gsl_fft_halfcomplex_inverse(buf, 1, nfft, wt, ws);
	}
	gsl_fft_halfcomplex_wavetable_free(wt);
	gsl_fft_real_workspace_free(ws);
	return st;
}

/* Autocorrelations rho[1..maxlag] of x[0..len) (mean zero). */
static int acf(const double *x, size_t len, size_t maxlag, double *rho,
	       double *buf, double *pw)
{
	long double c0 = 0.0L;

	for (size_t t = 0; t < len; t++)
		c0 += (long double)x[t] * x[t];
	if (c0 <= 0.0L) {
		for (size_t j = 1; j <= maxlag; j++)
			rho[j] = 0.0;
		return 0;
	}
	if (maxlag <= DIRECT_ACF) {
		for (size_t j = 1; j <= maxlag; j++) {
			long double c = 0.0L;
			for (size_t t = j; t < len; t++)
				c += (long double)x[t] * x[t - j];
			rho[j] = (double)(c / c0);
		}
		return 0;
	}
	size_t nfft = nice_size(len + maxlag + 1);
	int st = power_spectrum(x, len, nfft, buf, pw);
	if (!st)
		st = spectrum_to_acf(pw, nfft, buf);
	if (st)
		return st;
	for (size_t j = 1; j <= maxlag; j++)
		rho[j] = buf[j] / buf[0];
	return 0;
}

/* ---- period finder: state --------------------------------------------- */

struct verdict {
	int ok;
	double strength;	/* share of variance the profile explains */
};

/* A test's answer, for the same lag against the same periods removed. */
struct memo {
	size_t k;		/* 0 = empty */
	size_t ex[MAX_ACC + 1], nex;
	int tested;		/* the F test done, not only the strength */
	struct verdict v;
};

struct finder {
	double *z;		/* the filled, detrended series, len */
	double *cs;		/* its running sums, cs[t] = z[0] + .. z[t-1] */
	size_t len;
	double *u;		/* whitened autocorrelation, lags 0..len/2 */
	double *comb;		/* comb average of u, lags 0..len/2 */
	size_t maxp;		/* the longest period tried: len / 3 */
	size_t maxfree;		/* ... that is not a multiple of another */
	size_t nfft;		/* FFT size: lags up to len/2 unwrapped */
	double *d;		/* detrended series of one test */
	double *sum;		/* per-phase sums, maxp */
	size_t *cnt;		/* per-phase counts, maxp */
	double *buf, *pw, *rho;	/* FFT work: nfft, nfft/2+1, maxp */
	struct memo memo[MEMO];	/* the last tests */
	size_t memo_next;
	size_t acc[MAX_ACC];	/* accepted periods, ascending */
	double str[MAX_ACC];
	size_t nacc;
};

/*
 * The mean profile of x[0..len) (x[i] is the point at time off + i) over
 * the cycles of period p, into f->sum (and the counts into f->cnt).
 * Returns the sum of squares the profile explains, sum of cnt * mean^2;
 * *ss gets that of x.
 */
static double profile(struct finder *f, const double *x, size_t len,
		      size_t off, size_t p, double *ss)
{
	size_t ph = off % p;
	double sx = 0.0, sm = 0.0;

	memset(f->sum, 0, p * sizeof(*f->sum));
	memset(f->cnt, 0, p * sizeof(*f->cnt));
	for (size_t i = 0; i < len; i++) {
		f->sum[ph] += x[i];
		f->cnt[ph]++;
		sx += x[i] * x[i];
		if (++ph == p)
			ph = 0;
	}
	for (ph = 0; ph < p; ph++) {
		if (!f->cnt[ph])
			continue;
		f->sum[ph] /= (double)f->cnt[ph];
		sm += (double)f->cnt[ph] * f->sum[ph] * f->sum[ph];
	}
	*ss = sx;
	return sm;
}

/* Subtract the profile in f->sum (period p) from x. */
static void subtract(struct finder *f, double *x, size_t len, size_t off,
		     size_t p)
{
	size_t ph = off % p;

	for (size_t i = 0; i < len; i++) {
		x[i] -= f->sum[ph];
		if (++ph == p)
			ph = 0;
	}
}

/* Subtract from x its mean profile over the cycles of period p. */
static void deseason(struct finder *f, double *x, size_t len, size_t off,
		     size_t p)
{
	double ss;

	profile(f, x, len, off, p, &ss);
	subtract(f, x, len, off, p);
}

/*
 * d = z minus its centred moving average over k points (2 x k for even k,
 * so the window is symmetric and covers exactly one period: a cycle of
 * period k is untouched, anything slower is removed).  The first and last
 * k/2 points have no average and are left out: d[i] is z[off + i].
 */
static size_t detrend_ma(struct finder *f, size_t k, size_t *off)
{
	size_t h = k / 2, len = f->len - 2 * h;
	const double *z = f->z, *cs = f->cs;
	double mean = 0.0, dk = (double)k;

	for (size_t i = 0; i < len; i++) {
		size_t t = i + h;
		double w = cs[t + h + 1] - cs[t - h];
		if (k % 2 == 0)
			w -= 0.5 * (z[t - h] + z[t + h]);
		f->d[i] = z[t] - w / dk;
		mean += f->d[i];
	}
	mean /= (double)len;
	for (size_t i = 0; i < len; i++)
		f->d[i] -= mean;
	*off = h;
	return len;
}

/*
 * Periods are tested net of the other periods found, except k itself and
 * its exact multiples (a week's profile contains the day's).
 */
static int nested(size_t k, size_t p)
{
	return p == k || (p > k && p % k == 0);
}

/* p is k or within 2% of a whole fraction k/m of it. */
static int near_divisor(size_t p, size_t k)
{
	if (p > k)
		return 0;
	size_t m = (k + p / 2) / p, dist = k > m * p ? k - m * p : m * p - k;
	return dist <= 2 || 50 * dist <= k;
}

/* Euler's phi: the harmonics of a cycle of p steps that have period
 * exactly p (frequencies a/p with a coprime to p). */
static size_t euler_phi(size_t p)
{
	size_t r = p;

	for (size_t i = 2; i * i <= p; i++) {
		if (p % i)
			continue;
		while (p % i == 0)
			p /= i;
		r -= r / i;
	}
	if (p > 1)
		r -= r / p;
	return r;
}

/*
 * Degrees of freedom: a mean profile of period p spans the frequencies
 * a/b (in lowest terms) for every divisor b of p, phi(b) of each.  This
 * counts those of p not already spanned by a period in ex[0..nex), i.e.
 * the divisors b of p that divide none of them.
 */
static size_t new_freqs(size_t p, const size_t *ex, size_t nex)
{
	size_t r = 0;

	for (size_t i = 1; i * i <= p; i++) {
		if (p % i)
			continue;
		for (int twice = 0; twice < 2; twice++) {
			size_t b = twice ? p / i : i, hit = 0;
			if (twice && b == i)
				break;
			for (size_t j = 0; j < nex && !hit; j++)
				hit = ex[j] % b == 0;
			if (!hit)
				r += euler_phi(b);
		}
	}
	return r;
}

static void remember(struct memo *mo, size_t k, const size_t *ex,
		     size_t nex, int tested, const struct verdict *v)
{
	mo->k = k;
	memcpy(mo->ex, ex, nex * sizeof(*ex));
	mo->nex = nex;
	mo->tested = tested;
	mo->v = *v;
}

/*
 * Test period k against the periods accepted (see the header and
 * nested()).  With test == 0 only the strength is computed.  Accepted
 * periods near a divisor of `skip` (if not 0) are left in, so that the
 * strengths of two lags near each other compare on the same footing.
 * 0 or a GSL status.
 */
static int test_period_skip(struct finder *f, size_t k, int test,
			    size_t skip, struct verdict *v)
{
	size_t off, len;
	double *d = f->d, ss_d, ss_m, ss_e;
	struct memo *mo;

	v->ok = 0;
	v->strength = 0.0;
	if (k < 2 || k > f->maxp || f->len - 2 * (k / 2) < 2 * k)
		return 0;
	/*
	 * ex: the mean (period 1) and the periods removed first; dof: what
	 * k's profile adds to them; fit: all the parameters fitted, which the
	 * remainder's variance must be corrected for (the week's profile net
	 * of the day has 2016 - 288 of its own).
	 */
	size_t ex[MAX_ACC + 1], nex = 1, fit = 1;
	ex[0] = 1;
	for (size_t a = 0; a < f->nacc; a++)
		if (!nested(k, f->acc[a]) &&
		    !(skip && near_divisor(f->acc[a], skip)))
			ex[nex++] = f->acc[a];
	/* the same question asked again (placing, then testing)? */
	for (size_t i = 0; i < MEMO; i++) {
		mo = &f->memo[i];
		if (mo->k == k && mo->nex == nex && mo->tested >= test &&
		    !memcmp(mo->ex, ex, nex * sizeof(*ex))) {
			*v = mo->v;
			return 0;
		}
	}
	mo = &f->memo[f->memo_next++ % MEMO];
	mo->k = 0;
	len = detrend_ma(f, k, &off);
	for (size_t a = 1; a < nex; a++) {
		deseason(f, d, len, off, ex[a]);
		fit += new_freqs(ex[a], ex, a);
	}
	size_t dof = new_freqs(k, ex, nex);
	fit += dof;
	ss_m = profile(f, d, len, off, k, &ss_d);
	ss_e = ss_d - ss_m;	/* the profile is a projection */
	if (!(ss_d > 0.0 && ss_e > 1e-12 * ss_d) || len <= fit + dof ||
	    dof == 0)
		return 0;
	v->strength = ss_m / ss_d;

	/*
	 * Under "no cycle of period k" each phase mean is the mean of a few
	 * values of the remainder, and T is an F statistic with dof and
	 * len - fit degrees of freedom - if the remainder is white.  The
	 * neighbouring phases of an autocorrelated remainder (a random
	 * walk's wander) move together: both counts shrink by the factor
	 * 1 + 2 sum rho_j^2 (j < k), the variance inflation of a quadratic
	 * form in correlated values.  First a cheap check with the white
	 * counts, the most lenient threshold.
	 */
	double s2e = ss_e / (double)(len - fit);
	double T = ss_m / (double)dof / s2e;
	if (!test) {
		remember(mo, k, ex, nex, 0, v);
		return 0;
	}
	double d2 = (double)(len - fit);
	double thr = f_qinv(ALPHA, (double)dof, d2);
	if (!(T > thr)) {
		remember(mo, k, ex, nex, 1, v);
		return 0;
	}
	/*
	 * 64 cycles estimate the autocorrelations well enough.  The first
	 * DIRECT_ACF lags, summed directly, bound the inflation from below:
	 * often that is enough to reject, before an FFT for the rest.
	 */
	subtract(f, d, len, off, k);		/* d is now the remainder */
	size_t seg = len < 64 * k ? len : 64 * k;
	size_t few = k - 1 < DIRECT_ACF ? k - 1 : DIRECT_ACF;
	int st = acf(d, seg, few, f->rho, f->buf, f->pw);
	if (st)
		return st;
	double infl = 1.0;
	for (size_t j = 1; j <= few; j++)
		infl += 2.0 * f->rho[j] * f->rho[j];
	if (few < k - 1) {
		thr = f_qinv(ALPHA, (double)dof / infl, fmax(d2 / infl, 1.0));
		if (!(T > thr)) {
			remember(mo, k, ex, nex, 1, v);
			return 0;
		}
		st = acf(d, seg, k - 1, f->rho, f->buf, f->pw);
		if (st)
			return st;
		infl = 1.0;
		for (size_t j = 1; j < k; j++)
			infl += 2.0 * f->rho[j] * f->rho[j];
	}
	thr = f_qinv(ALPHA, (double)dof / infl, fmax(d2 / infl, 1.0));
	v->ok = T > thr;
	remember(mo, k, ex, nex, 1, v);

	return 0;
}

static int test_period(struct finder *f, size_t k, int test,
		       struct verdict *v)
{
	return test_period_skip(f, k, test, 0, v);
}

/*
 * Is q, a divisor of k, a cycle of its own or only a harmonic of k?  Take
 * k's profile net of the accepted periods unrelated to q and cut it into
 * its m = k/q stretches of length q.  The share of the profile's variance
 * their average explains is (1 + (m - 1) r) / m, r the mean correlation
 * between two stretches; return r.  The days of a week correlate (0.6 to
 * 0.9 in tests, 0.25 about the common mean under a weekend step 1.5
 * times the day, hence the stretch levels below); a harmonic does not
 * (144 in a day with two unequal bumps: -0.6; 84, half a week whose
 * weekend differs: 0).  Both variances are corrected for the noise of
 * means of `per` values.  Uses f->rho.
 */
static double repeat(struct finder *f, size_t q, size_t k)
{
	size_t off, len = detrend_ma(f, k, &off), mq = k / q;
	double *d = f->d, ss;

	for (size_t b = 0; b < f->nacc; b++) {
		size_t p = f->acc[b];
		if (p != k && p % q != 0 && q % p != 0)
			deseason(f, d, len, off, p);
	}
	double ss_m = profile(f, d, len, off, k, &ss);	/* f->sum */
	double per = (double)len / (double)k;
	double s2e = (ss - ss_m) / (double)(len - k);
	double mp = 0.0, vp = 0.0, vb = 0.0, vq = 0.0;	/* profile, levels, q */
	double *cum = f->rho;		/* free here, > maxp long */
	for (size_t ph = 0; ph < k; ph++)
		mp += f->sum[ph];
	mp /= (double)k;
	cum[0] = 0.0;
	for (size_t ph = 0; ph < k; ph++) {
		vp += (f->sum[ph] - mp) * (f->sum[ph] - mp);
		cum[ph + 1] = cum[ph] + f->sum[ph] - mp;
	}
	/*
	 * Stretches at different levels (weekdays above the weekend) are k's
	 * own pattern and say nothing of whether their shapes repeat.  When
	 * the levels carry most of k's profile, a strong day would pass for
	 * a harmonic of a week with a large weekend step, so then each
	 * stretch is taken about its own mean (as in a correlation), the
	 * stretches starting where their levels differ most (midnight, for
	 * data that starts at noon).  Not over two stretches: their levels
	 * are then most of k's slowest harmonic, which is what makes a
	 * harmonic (144 in a day with two unequal bumps); nor when the
	 * levels carry little (84 in a week) or what is left within the
	 * stretches is mostly noise: left of a harmonic's stretches (28 in
	 * a week) there can be little more, and r is then a ratio of noise.
	 */
	for (size_t sh = 0; sh < q && mq > 2; sh++) {
		double b = 0.0;
		for (size_t j = 0; j < mq; j++) {
			size_t a = sh + j * q, e = a + q;
			double ms = e <= k ? cum[e] - cum[a] :
				cum[k] - cum[a] + cum[e - k];
			b += ms * ms / (double)q;
		}
		if (b > vb)
			vb = b;
	}
	double noise = (double)(k - mq) * s2e / per;	/* in vp - vb */
	int centre = vb > vp - vb && vp - vb > 2.0 * noise;
	for (size_t ph = 0; ph < q; ph++) {
		double sq = 0.0;
		for (size_t j = 0; j < mq; j++)
			sq += f->sum[ph + j * q];
		sq = sq / (double)mq - mp;
		vq += (double)mq * sq * sq;
	}
	if (centre) {
		vp -= vb + noise;
		vq -= (double)(q - 1) * s2e / per;
	} else {
		vp -= (double)k * s2e / per;
		vq -= (double)q * s2e / per;
	}
	if (!(vp > 0.0))
		return 0.0;
	return ((double)mq * vq / vp - 1.0) / (double)(mq - 1);
}

/* ---- period finder: candidates ---------------------------------------- */

/*
 * Whitened autocorrelation u[0..len/2].  The raw autocorrelation of a
 * series with a wandering level is a smooth slope with the cycles as
 * ripples on it, their maxima pushed off the true lag.  Dividing the
 * periodogram by a running median of a Hann-tapered periodogram (the
 * taper keeps a strong line's leakage out of the median) flattens that
 * background and keeps the lines, which stand out of it.  Frequencies
 * too low to be a harmonic of any allowed period are dropped.
 */
static int whitened_acf(struct finder *f)
{
	size_t len = f->len, nfft = f->nfft, nb = nfft / 2 + 1;
	double *buf = f->buf, *pw = f->pw, *bg = f->rho;
	double win[2 * BG_HALF + 1];
	int st;

	/* the Hann-tapered spectrum first, into bg (f->rho has nb room) */
	for (size_t t = 0; t < len; t++)
		f->d[t] = f->z[t] * (0.5 - 0.5 * cos(2.0 * PI * (double)t /
						      (double)(len - 1)));
	st = power_spectrum(f->d, len, nfft, buf, pw);
	if (st)
		return st;
	/* the background is smooth: a median every BG_STEP bins will do */
	for (size_t j = 0; j < nb; j += BG_STEP) {
		size_t lo = j > BG_HALF ? j - BG_HALF : 0;
		size_t hi = j + BG_HALF < nb ? j + BG_HALF : nb - 1;
		memcpy(win, pw + lo, (hi - lo + 1) * sizeof(*win));
		bg[j] = median(win, hi - lo + 1);
	}
	for (size_t j = 0; j < nb; j++) {
		size_t j0 = j - j % BG_STEP, j1 = j0 + BG_STEP;
		if (j == j0)
			continue;
		if (j1 >= nb)
			bg[j] = bg[j0];
		else
			bg[j] = bg[j0] + (bg[j1] - bg[j0]) *
				(double)(j - j0) / BG_STEP;
	}
	st = power_spectrum(f->z, len, nfft, buf, pw);
	if (st)
		return st;
	double top = 0.0;
	for (size_t j = 0; j < nb; j++)
		if (bg[j] > top)
			top = bg[j];
	double jmin = 0.8 * (double)nfft / (double)f->maxp;
	for (size_t j = 0; j < nb; j++) {
		double b = bg[j] > top * 1e-12 ? bg[j] : top * 1e-12;
		pw[j] = (double)j < jmin || b <= 0.0 ? 0.0 : pw[j] / b;
	}
	st = spectrum_to_acf(pw, nfft, buf);
	if (st)
		return st;
	for (size_t k = 0; k <= len / 2; k++)
		f->u[k] = buf[0] > 0.0 ? buf[k] / buf[0] *
			(double)len / (double)(len - k) : 0.0;
	return 0;
}

/*
 * comb[k]: the average of u over the multiples of k up to len/2, weighted
 * by the pairs behind each.  At a true period every multiple is a peak; a
 * noise peak's multiples are not, nor are a period's fractions (half of
 * their multiples are troughs), and a lag off by one drifts further off
 * at each multiple - so the comb's maxima are sharp and exact.
 */
static void comb_acf(struct finder *f)
{
	size_t half = f->len / 2;

	f->comb[0] = 1.0;
	for (size_t k = 1; k <= half; k++) {
		double s = 0.0, w = 0.0;
		for (size_t j = k; j <= half; j += k) {
			double wt = (double)(f->len - j);
			s += wt * f->u[j];
			w += wt;
		}
		f->comb[k] = w > 0.0 ? s / w : 0.0;
	}
}

/* Sort idx[0..n) by key[idx[i]] descending (heapsort: no recursion, no
 * qsort context). */
static void sort_desc(size_t *idx, size_t n, const double *key)
{
	for (size_t end = n, start = n / 2;;) {
		size_t root;
		if (start > 0) {
			root = --start;
		} else {
			if (end <= 1)
				break;
			size_t t = idx[--end];
			idx[end] = idx[0];
			idx[0] = t;
			root = 0;
		}
		/* sift down (a min-heap, so the smallest go to the end) */
		for (;;) {
			size_t c = 2 * root + 1;
			if (c >= end)
				break;
			if (c + 1 < end && key[idx[c + 1]] < key[idx[c]])
				c++;
			if (!(key[idx[c]] < key[idx[root]]))
				break;
			size_t t = idx[c];
			idx[c] = idx[root];
			idx[root] = t;
			root = c;
		}
	}
}

/*
 * Candidates: local maxima of the comb, best first by comb x (1 - k/len)
 * (the share of the data a lag leaves: of two lags that fit equally, the
 * shorter is better supported), none within 5% of one already taken, and
 * at most MAX_MULT near multiples of any one taken (a period's multiples
 * fit as well as it does and would crowd out everything else on a long
 * series; a week is among the day's first few).  Returned ascending.
 */
static size_t candidates(struct finder *f, size_t *cand)
{
	const double *c = f->comb;
	double *score = f->rho;		/* free at this stage, > maxp long */
	size_t *peak = f->cnt, np = 0, nc = 0, nmult[MAX_CAND] = {0};

	for (size_t k = 2; k <= f->maxp; k++) {
		if (!(c[k] >= c[k - 1] && c[k] > c[k + 1] && c[k] > 0.0))
			continue;
		score[k] = c[k] * (1.0 - (double)k / (double)f->len);
		peak[np++] = k;
	}
	sort_desc(peak, np, score);
	for (size_t i = 0; i < np && nc < MAX_CAND; i++) {
		size_t k = peak[i], hit[MAX_CAND], nh = 0;
		int bad = 0;
		for (size_t j = 0; j < nc && !bad; j++) {
			size_t a = cand[j], hi = a > k ? a : k;
			size_t dist = a > k ? a - k : k - a;
			size_t mult = (k + a / 2) / a;
			size_t md = k > mult * a ? k - mult * a : mult * a - k;
			bad = dist <= 2 || (double)dist <= 0.05 * hi;
			if (mult >= 2 && (md <= 2 || 20 * md <= a)) {
				bad |= nmult[j] >= MAX_MULT;
				hit[nh++] = j;
			}
		}
		if (bad)
			continue;
		for (size_t j = 0; j < nh; j++)
			nmult[hit[j]]++;
		cand[nc++] = k;
	}
	for (size_t i = 1; i < nc; i++)
		for (size_t j = i; j > 0 && cand[j - 1] > cand[j]; j--) {
			size_t t = cand[j];
			cand[j] = cand[j - 1];
			cand[j - 1] = t;
		}
	return nc;
}

static void accept(struct finder *f, size_t k)
{
	size_t i = f->nacc++;

	while (i > 0 && f->acc[i - 1] > k) {
		f->acc[i] = f->acc[i - 1];
		i--;
	}
	f->acc[i] = k;
}

static void drop(struct finder *f, size_t a)
{
	memmove(f->acc + a, f->acc + a + 1,
		(f->nacc - a - 1) * sizeof(*f->acc));
	f->nacc--;
}

/*
 * If a candidate k is within 2% of a multiple or a whole fraction of an
 * accepted period, that lag (a week is exactly 7 days, a day exactly a
 * seventh of a week); else 0.  Of several, the one from the shortest
 * period: over the most cycles, its lag is the most exact.
 */
static size_t snap(const struct finder *f, size_t k)
{
	size_t tol = k / 50 > 2 ? k / 50 : 2;

	for (size_t a = 0; a < f->nacc; a++) {
		size_t p = f->acc[a], m, to;
		if (p < k) {
			m = (k + p / 2) / p;
			to = m * p;
		} else {
			m = (p + k / 2) / k;
			to = p % m == 0 ? p / m : 0;
		}
		if (m >= 2 && to && to <= f->maxp &&
		    (to > k ? to - k : k - to) <= tol)
			return to;
	}
	return 0;
}

/*
 * A multiple k of an accepted period p is a candidate only if the comb at
 * k exceeds that at k - p and k + p by 5% of its value: a weekly cycle on
 * a daily one lifts the 7th multiple above the 6th and 8th; on a daily
 * cycle alone they are level.  (The F test decides; this spares it most
 * multiples, and with them the chance of a by-product of the noise.)
 */
static int above_neighbours(const struct finder *f, size_t k)
{
	for (size_t a = 0; a < f->nacc; a++) {
		size_t p = f->acc[a];
		if (p >= k || k % p != 0)
			continue;
		double lo = f->comb[k - p], hi = f->comb[k + p];
		double nb = lo > hi ? lo : hi;
		if (!(f->comb[k] - nb > 0.05 * f->comb[k]))
			return 0;
	}
	return 1;
}

/*
 * The comb's maximum can be a step off when the noise is heavy-tailed,
 * and a profile over many cycles of a lag one step off is smeared flat.
 * Climb the strength a few steps either way.  (Over few cycles a step
 * smears little, and a period nothing shorter pins down, such as a
 * weekly step pattern seen for 8 weeks, can end a step off.)
 */
static int refine(struct finder *f, size_t *k)
{
	struct verdict v;
	size_t best = *k;
	double bs;
	int st = test_period_skip(f, best, 1, *k, &v);

	/*
	 * Only a lag that passes is refined.  A lag a step off still passes
	 * over tens of cycles; over hundreds, where a step would smear the
	 * profile flat, the comb averages as many multiples and is exact.
	 */
	if (st || !v.ok)
		return st;
	bs = v.strength;
	for (int dir = -1; dir <= 1; dir += 2) {
		for (size_t step = 1; step <= REFINE; step++) {
			size_t k2 = dir < 0 ? *k - step : *k + step;
			if (k2 < 2 || k2 > f->maxp)
				break;
			st = test_period_skip(f, k2, 0, *k, &v);
			if (st)
				return st;
			if (!(v.strength > bs))
				break;
			best = k2;
			bs = v.strength;
		}
		if (best != *k)
			break;
	}
	*k = best;
	return 0;
}

/*
 * Where to test candidate c: the multiple (fraction) of an accepted period
 * it is near, else its lag refined.  A snap of more than 2 steps must not
 * weaken the profile: the period snapped to may be a by-product that is
 * pruned later (2007 = 9 x 223 when the week is 2016).
 */
static int place(struct finder *f, size_t c, size_t *k)
{
	struct verdict v;
	size_t ks = snap(f, c);
	int st;

	*k = c;
	if (ks && (ks > c ? ks - c : c - ks) > 2) {
		size_t big = ks > c ? ks : c;
		st = test_period_skip(f, c, 0, big, &v);
		if (st)
			return st;
		double sc = v.strength;
		st = test_period_skip(f, ks, 0, big, &v);
		if (st)
			return st;
		if (sc > 1.01 * v.strength)
			ks = 0;
	}
	if (ks) {
		*k = ks;
		return 0;
	}
	return refine(f, k);
}

/* Is an accepted period a divisor of k? */
static int has_divisor(const struct finder *f, size_t k)
{
	for (size_t a = 0; a < f->nacc; a++)
		if (f->acc[a] < k && k % f->acc[a] == 0)
			return 1;
	return 0;
}

/*
 * A period accepted early was tested net of the shorter periods only; one
 * that is really a by-product of a longer one found later (336 = 2016/6
 * picks up part of a weekly pattern) is not significant net of it.  Drop
 * such periods at once, longest first, before they distort later tests.
 */
static int prune(struct finder *f)
{
	struct verdict v;

	for (size_t a = f->nacc; a-- > 0;) {
		int st = test_period(f, f->acc[a], 1, &v);
		if (st)
			return st;
		if (!v.ok || (f->acc[a] > f->maxfree &&
			      !has_divisor(f, f->acc[a])))
			drop(f, a);
	}
	return 0;
}

/* One pass over the candidates, in the order given, into f->acc. */
static int pass(struct finder *f, const size_t *cand, size_t nc)
{
	struct verdict v;
	int st;

	f->nacc = 0;
	for (size_t c = 0; c < nc; c++) {
		size_t k;
		int dup = 0;
		st = place(f, cand[c], &k);
		if (st)
			return st;
		for (size_t a = 0; a < f->nacc; a++)
			dup |= f->acc[a] == k;
		if (dup || k > f->maxp || !above_neighbours(f, k) ||
		    (k > f->maxfree && !has_divisor(f, k)))
			continue;
		/* k a harmonic of a longer accepted period? */
		int harmonic = 0;
		for (size_t a = 0; a < f->nacc && !harmonic; a++)
			harmonic = f->acc[a] > k && f->acc[a] % k == 0 &&
				   repeat(f, k, f->acc[a]) < MIN_REPEAT;
		if (harmonic)
			continue;
		/*
		 * Accepted divisors that are only harmonics of k go, before k
		 * is tested: removed first, they would take part of k's
		 * pattern with them.  They come back if k fails.
		 */
		size_t keep[MAX_ACC], nkeep = f->nacc;
		memcpy(keep, f->acc, nkeep * sizeof(*keep));
		for (size_t a = f->nacc; a-- > 0;)
			if (f->acc[a] < k && k % f->acc[a] == 0 &&
			    repeat(f, f->acc[a], k) < MIN_REPEAT)
				drop(f, a);
		st = test_period(f, k, 1, &v);
		if (st)
			return st;
		if (!v.ok) {
			memcpy(f->acc, keep, nkeep * sizeof(*keep));
			f->nacc = nkeep;
			continue;
		}
		accept(f, k);
		st = prune(f);
		if (st)
			return st;
		/*
		 * k itself pruned (a week over fewer than five cycles, with
		 * the day it needs just dropped as its harmonic): as if k had
		 * failed, the divisors come back.
		 */
		int kept = 0;
		for (size_t a = 0; a < f->nacc; a++)
			kept |= f->acc[a] == k;
		if (!kept) {
			memcpy(f->acc, keep, nkeep * sizeof(*keep));
			f->nacc = nkeep;
		}
	}
	return 0;
}

static int search(struct finder *f)
{
	size_t cand[MAX_CAND], order[MAX_ACC], nc, no = 0;
	struct verdict v;
	int st;

	st = whitened_acf(f);
	if (st)
		return st;
	comb_acf(f);
	nc = candidates(f, cand);
	/*
	 * Shortest first, a long cycle's harmonics (336 = 2016/6 on a weekly
	 * pattern) can pass before the cycle itself is known; pruned later,
	 * they still skew the placing and testing of others meanwhile.  So
	 * a second pass, with the periods the first found tested first.
	 */
	st = pass(f, cand, nc);
	if (st || f->nacc == 0)
		return st;
	for (size_t a = 0; a < f->nacc; a++)
		order[no++] = f->acc[a];
	for (size_t c = 0; c < nc; c++) {
		int seen = 0;
		for (size_t a = 0; a < f->nacc; a++)
			seen |= f->acc[a] == cand[c];
		if (!seen)
			order[no++] = cand[c];
	}
	st = pass(f, order, no);
	if (st)
		return st;
	/*
	 * Lags refined while periods since dropped were in the set: once
	 * more, net of the final set (snapped multiples stay as they are).
	 */
	size_t fin[MAX_ACC], nfin = f->nacc;
	memcpy(fin, f->acc, nfin * sizeof(*fin));
	for (size_t i = 0; i < nfin; i++) {
		size_t k = fin[i], a = 0, dup = 0, multiple = 0;
		for (size_t b = 0; b < nfin; b++)
			multiple |= fin[b] < k && k % fin[b] == 0;
		if (multiple)
			continue;
		while (f->acc[a] != fin[i])
			a++;
		drop(f, a);
		st = refine(f, &k);
		if (st)
			return st;
		for (size_t b = 0; b < f->nacc; b++)
			dup |= f->acc[b] == k;
		accept(f, dup ? fin[i] : k);
	}
	for (size_t a = 0; a < f->nacc; a++) {
		st = test_period(f, f->acc[a], 0, &v);
		if (st)
			return st;
		f->str[a] = v.strength;
	}
	return 0;
}

/*
 * Fill z (length *len) from y: trim missing ends, interpolate gaps,
 * remove the least-squares line.  *flat is set when nothing but rounding
 * error is left (a constant or exactly linear series, whose rounding
 * residue can look periodic).  Returns the number of known points.
 */
static size_t prepare(const double *y, size_t n, double *z, size_t *len,
		      int *flat)
{
	size_t first = 0, last = n, known = 0;

	while (first < n && !isfinite(y[first]))
		first++;
	while (last > first && !isfinite(y[last - 1]))
		last--;
	*len = last - first;
	for (size_t i = first, prev = first; i < last; i++) {
		if (!isfinite(y[i]))
			continue;
		z[i - first] = y[i];
		for (size_t j = prev + 1; j < i; j++)
			z[j - first] = y[prev] + (y[i] - y[prev]) *
				(double)(j - prev) / (double)(i - prev);
		prev = i;
		known++;
	}
	long double tb = ((long double)*len - 1.0L) / 2.0L, zb = 0.0L;
	long double stt = 0.0L, stz = 0.0L;
	for (size_t t = 0; t < *len; t++)
		zb += z[t];
	zb /= (long double)(*len ? *len : 1);
	for (size_t t = 0; t < *len; t++) {
		stt += ((long double)t - tb) * ((long double)t - tb);
		stz += ((long double)t - tb) * ((long double)z[t] - zb);
	}
	long double b = stt > 0.0L ? stz / stt : 0.0L, szz = 0.0L, sr = 0.0L;
	for (size_t t = 0; t < *len; t++) {
		szz += ((long double)z[t] - zb) * ((long double)z[t] - zb);
		z[t] = (double)((long double)z[t] - zb - b * ((long double)t - tb));
		sr += (long double)z[t] * z[t];
	}
	*flat = !(sr > 1e-20L * szz);
	return known;
}

long tsp_season_find(const double *y, size_t n, size_t maxperiod,
		     size_t *periods, double *strength, size_t max,
		     struct tsp_error *err)
{
	struct finder f;
	size_t known, nfft;
	long found = 0;
	int flat;
	int st;

	memset(&f, 0, sizeof(f));
	f.z = malloc((n ? n : 1) * sizeof(*f.z));
	if (!f.z)
		return tsp_error_set(err, TSP_ENOMEM, "out of memory");
	known = prepare(y, n, f.z, &f.len, &flat);
	/*
	 * Longer periods than maxperiod are searched for all the same (only
	 * not reported): a weekly cycle explains away its half-week
	 * harmonic, which would pass for a period when the week is not seen.
	 */
	f.maxp = f.len / NESTED_CYCLES;
	f.maxfree = f.len / FREE_CYCLES;
	if (known < 8 || flat || f.maxp < 2 || max == 0) {
		free(f.z);
		return 0;
	}
	nfft = f.nfft = nice_size(f.len + f.len / 2 + 1);
	f.u = malloc((f.len / 2 + 1) * sizeof(*f.u));
	f.comb = malloc((f.len / 2 + 1) * sizeof(*f.comb));
	f.d = malloc(f.len * sizeof(*f.d));
	f.sum = malloc(f.maxp * sizeof(*f.sum));
	f.cnt = malloc(f.maxp * sizeof(*f.cnt));
	f.buf = malloc(nfft * sizeof(*f.buf));
	f.pw = malloc((nfft / 2 + 1) * sizeof(*f.pw));
	f.rho = malloc((nfft / 2 + 1) * sizeof(*f.rho));
	f.cs = malloc((f.len + 1) * sizeof(*f.cs));
	if (!f.u || !f.comb || !f.d || !f.sum || !f.cnt || !f.buf ||
	    !f.pw || !f.rho || !f.cs) {
		found = tsp_error_set(err, TSP_ENOMEM, "out of memory");
		goto out;
	}
	f.cs[0] = 0.0;
	for (size_t t = 0; t < f.len; t++)
		f.cs[t + 1] = f.cs[t] + f.z[t];
	st = search(&f);
	if (st) {
		found = st == GSL_ENOMEM ?
			tsp_error_set(err, TSP_ENOMEM, "out of memory") :
			tsp_error_set(err, TSP_EDATA, "period search: %s",
				      gsl_strerror(st));
		goto out;
	}
	/* strongest first */
	for (size_t i = 0; i < f.nacc; i++) {
		size_t best = i;
		for (size_t j = i + 1; j < f.nacc; j++)
			if (f.str[j] > f.str[best])
				best = j;
		size_t tp = f.acc[i];
		double ts = f.str[i];
		f.acc[i] = f.acc[best];
		f.str[i] = f.str[best];
		f.acc[best] = tp;
		f.str[best] = ts;
		if ((size_t)found < max &&
		    (maxperiod == 0 || f.acc[i] <= maxperiod)) {
			periods[found] = f.acc[i];
			if (strength)
				strength[found] = f.str[i];
			found++;
		}
	}
out:
	free(f.z);
	free(f.u);
	free(f.comb);
	free(f.d);
	free(f.sum);
	free(f.cnt);
	free(f.buf);
	free(f.pw);
	free(f.rho);
	free(f.cs);
	return found;
}
