/*
 * STL and MSTL.  The decomposition follows stl.f (netlib, as R's
 * stats::stl runs it) step by step, so that results agree with R;
 * positions are 0-based here where the Fortran's are 1-based, which
 * changes nothing as the loess fits use only differences of positions.
 */
#include "tsp_stl.h"

#include <limits.h>
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "tsp_nainterp.h"

/* Windows beyond this would overflow the index arithmetic below. */
#define MAX_WINDOW (LONG_MAX / 4)

/* One stl.f run, every default resolved. */
struct stl_par {
	long np;
	long ns, nt, nl;		/* odd, >= 3 */
	int isdeg, itdeg, ildeg;
	long nsjump, ntjump, nljump;	/* >= 1 */
	int ni, no;
	int periodic;
};

/* Workspace for n points and periods up to maxp: one allocation. */
struct work {
	double *w[5];	/* n + 2*maxp each: stl.f's work(,1..5) */
	double *rw;	/* n: robustness weights */
	double *kern;	/* 2n: a loess kernel */
	double *x;	/* n: the series with its missing values filled */
};

/* ---- loess (stl.f: stlest, stless) ------------------------------------ */

/* stlest's tricube weight at distance r for bandwidth h. */
static double tricube(double r, double h)
{
	double u = 1.0 - (r / h) * (r / h) * (r / h);

	return r > 0.999 * h ? 0.0 : r <= 0.001 * h ? 1.0 : u * u * u;
}

/*
 * The weights of a centred window of len (odd) points and their
 * moments: most fits of a smoothing pass have that window, and these
 * save computing the weights again at each.
 */
struct kernel {
	long half;		/* (len-1)/2 */
	double *w, *wd;		/* len each: weight, weight * offset */
	double s0, s1, s2;
};

static void kernel_init(struct kernel *k, long len, double *mem)
{
	k->half = (len - 1) / 2;
	k->w = mem;
	k->wd = mem + len;
	k->s0 = k->s1 = k->s2 = 0.0;
	for (long m = 0; m < len; m++) {
		double d = (double)(m - k->half);
		double w = tricube(fabs(d), (double)k->half);
		k->w[m] = w;
		k->wd[m] = w * d;
		k->s0 += w;
		k->s1 += w * d;
		k->s2 += w * d * d;
	}
}

/*
 * The loess fit at xs from y[nleft..nright] (window len in a series of
 * n), weighted by rw when not NULL, as stlest computes it; k (may be
 * NULL) is the kernel of len.  Returns 0 when every weight is zero.
 * The weights' moments are summed in one pass where stlest normalises
 * and sums in several: the same value up to rounding.
 */
static int est(const double *y, long n, long len, int deg, double xs,
	       long nleft, long nright, const double *rw,
	       const struct kernel *k, double *ys)
{
	double h = fmax(xs - (double)nleft, (double)nright - xs);
	double s0 = 0, s1 = 0, s2 = 0, sy = 0, s1y = 0;
	const double *kw = NULL;

	if (len > n)
		h += (double)((len - n) / 2);
	if (k && nleft + k->half == (long)xs && nright - k->half == (long)xs)
		kw = k->w;
	if (kw && !rw) {
		const double *kwd = k->wd;
		for (long j = nleft; j <= nright; j++) {
			sy += kw[j - nleft] * y[j];
			s1y += kwd[j - nleft] * y[j];
		}
		s0 = k->s0;
		s1 = k->s1;
		s2 = k->s2;
	} else {
		for (long j = nleft; j <= nright; j++) {
			double d = (double)j - xs;
			double w = kw ? kw[j - nleft] : tricube(fabs(d), h);
			if (rw)
				w *= rw[j];
			s0 += w;
			s1 += w * d;
			s2 += w * d * d;
			sy += w * y[j];
			s1y += w * d * y[j];
		}
	}
	if (s0 <= 0.0)
		return 0;
	*ys = sy / s0;
	if (h > 0.0 && deg > 0) {
		/* the offsets' weighted mean, and variance about it */
		double dbar = s1 / s0, c = s2 / s0 - dbar * dbar;

		if (c > 0.0 && sqrt(c) > 0.001 * ((double)n - 1.0))
			*ys -= dbar / c * (s1y / s0 - dbar * sy / s0);
	}
	return 1;
}

/* est, falling back on y[i] where no weight is left (stless's rule). */
static void fit(const double *y, long n, long len, int deg, long i,
		long nleft, long nright, const double *rw,
		const struct kernel *k, double *ys)
{
	if (!est(y, n, len, deg, (double)i, nleft, nright, rw, k, &ys[i]))
		ys[i] = y[i];
}

/*
 * Smooth y[0..n) into ys as stless: loess every njump points, linear
 * interpolation between them, and the last point always fitted (with
 * the window of the fit before it, as stl.f does).  kmem: 2n doubles.
 */
static void ess(const double *y, long n, long len, int deg, long njump,
		const double *rw, double *ys, double *kmem)
{
	long nleft = 0, nright = n - 1, nsh = (len + 1) / 2, nj, i, k;
	struct kernel kern, *kp = NULL;

	if (n < 2) {
		ys[0] = y[0];
		return;
	}
	nj = njump < n - 1 ? njump : n - 1;
	if (len >= n) {
		for (i = 0; i < n; i += nj)
			fit(y, n, len, deg, i, 0, n - 1, rw, NULL, ys);
	} else {
		kernel_init(&kern, len, kmem);
		kp = &kern;
		if (nj == 1)
			nright = len - 1;
		for (i = 0; i < n; i += nj) {
			if (nj == 1) {
				if (i + 1 > nsh && nright != n - 1) {
					nleft++;
					nright++;
				}
			} else if (i + 1 < nsh) {
				nleft = 0;
				nright = len - 1;
			} else if (i >= n - nsh) {
				nleft = n - len;
				nright = n - 1;
			} else {
				nleft = i - nsh + 1;
				nright = i + len - nsh;
			}
			fit(y, n, len, deg, i, nleft, nright, rw, kp, ys);
		}
	}
	if (nj == 1)
		return;
	for (i = 0; i + nj < n; i += nj) {
		double delta = (ys[i + nj] - ys[i]) / (double)nj;
		for (long j = i + 1; j < i + nj; j++)
			ys[j] = ys[i] + delta * (double)(j - i);
	}
	k = ((n - 1) / nj) * nj;
	if (k != n - 1) {
		fit(y, n, len, deg, n - 1, nleft, nright, rw, kp, ys);
		double delta = (ys[n - 1] - ys[k]) / (double)(n - 1 - k);
		for (long j = k + 1; j < n - 1; j++)
			ys[j] = ys[k] + delta * (double)(j - k);
	}
}

/* ---- the STL steps (stl.f: stlss, stlfts, stlma, stlstp, stlrwt) ---- */

/*
 * Smooth each cycle-subseries of y (n points), extended by one point
 * at each end: season gets n + 2*np values.  sub, sm, srw: scratch of
 * n/np + 3 points; kmem of 2n.
 */
static void cycle_smooth(const double *y, long n, const struct stl_par *p,
			 const double *rw, double *season, double *sub,
			 double *sm, double *srw, double *kmem)
{
	long np = p->np, ns = p->ns;

	if (!rw)
		srw = NULL;
	for (long j = 0; j < np; j++) {
		long k = (n - 1 - j) / np + 1, i;

		for (i = 0; i < k; i++) {
			sub[i] = y[i * np + j];
			if (rw)
				srw[i] = rw[i * np + j];
		}
		ess(sub, k, ns, p->isdeg, p->nsjump, srw, sm + 1, kmem);
		if (!est(sub, k, ns, p->isdeg, -1.0, 0, (ns < k ? ns : k) - 1,
			 srw, NULL, &sm[0]))
			sm[0] = sm[1];
		if (!est(sub, k, ns, p->isdeg, (double)k,
			 k - ns > 0 ? k - ns : 0, k - 1, srw, NULL, &sm[k + 1]))
			sm[k + 1] = sm[k];
		for (i = 0; i < k + 2; i++)
			season[i * np + j] = sm[i];
	}
}

/* Moving average of len over x[0..n): n - len + 1 values. */
static void moving_avg(const double *x, long n, long len, double *ave)
{
	double v = 0.0;

	for (long i = 0; i < len; i++)
		v += x[i];
	ave[0] = v / (double)len;
	for (long j = 1; j < n - len + 1; j++) {
		v = v - x[j - 1] + x[j + len - 1];
		ave[j] = v / (double)len;
	}
}

/* The inner loop, ni times (stlstp). */
static void stl_inner(const double *y, long n, const struct stl_par *p,
		      const double *rw, double *season, double *trend,
		      struct work *w)
{
	double *w1 = w->w[0], *w2 = w->w[1], *w3 = w->w[2];
	long np = p->np;

	for (int it = 0; it < p->ni; it++) {
		for (long i = 0; i < n; i++)
			w1[i] = y[i] - trend[i];
		cycle_smooth(w1, n, p, rw, w2, w3, w->w[3], w->w[4], w->kern);
		/* low-pass filter of the cycle-subseries: three moving
		   averages, then loess */
		moving_avg(w2, n + 2 * np, np, w3);
		moving_avg(w3, n + np + 1, np, w1);
		moving_avg(w1, n + 2, 3, w3);
		ess(w3, n, p->nl, p->ildeg, p->nljump, NULL, w1, w->kern);
		for (long i = 0; i < n; i++) {
			season[i] = w2[np + i] - w1[i];
			w1[i] = y[i] - season[i];
		}
		ess(w1, n, p->nt, p->itdeg, p->ntjump, rw, trend, w->kern);
	}
}

static void swap(double *a, double *b)
{
	double t = *a;
	*a = *b;
	*b = t;
}

/*
 * stl.f's psort: Singleton's quicksort (CACM algorithm 347), stopped
 * once the 1-based positions ind[0..ni) (meant to be ascending) of
 * a[0..n) hold their order statistics.  stl.f passes its two middle
 * positions in descending order, so for even n only the upper one is
 * sure to be placed: the steps are R's, so that the other gets the
 * value it gets in R.
 */
#define A(x) a[(x) - 1]
static void r_psort(double *a, long n, const long *ind, long ni)
{
	long il[64], iu[64], indl[64], indu[64];	/* depth <= log2(n) */
	long i = 1, j = n, jl = 1, ju = ni, m = 1, k, l, p, ij;
	double t, tt;

	if (n < 2 || ni == 0)
		return;
top:
	if (i < j)
		goto split;
pop:
	do {
		if (--m == 0)
			return;
		i = il[m];
		j = iu[m];
		jl = indl[m];
		ju = indu[m];
	} while (jl > ju);
next:
	if (j - i <= 10)
		goto small;
split:
	/* the median of a(i), a(ij), a(j) is the pivot t */
	k = i;
	l = j;
	ij = (i + j) / 2;
	if (A(i) > A(ij))
		swap(&A(i), &A(ij));
	if (A(j) < A(ij)) {
		swap(&A(ij), &A(j));
		if (A(i) > A(ij))
			swap(&A(i), &A(ij));
	}
	t = A(ij);
	for (;;) {
		if (A(--l) <= t) {
			tt = A(l);
			while (A(++k) < t)
				;
			if (k > l)
				break;
			A(l) = A(k);
			A(k) = tt;
		}
	}
	/* keep the larger part for later, go on with the other */
	indl[m] = jl;
	indu[m] = ju;
	p = m++;
	if (l - i <= j - k) {
		il[p] = k;
		iu[p] = j;
		j = l;
		while (jl <= ju && ind[ju - 1] > j)
			ju--;
		if (jl > ju)
			goto pop;
		indl[p] = ju + 1;
	} else {
		il[p] = i;
		iu[p] = l;
		i = k;
		while (jl <= ju && ind[jl - 1] < i)
			jl++;
		if (jl > ju)
			goto pop;
		indu[p] = jl - 1;
	}
	goto next;
small:
	if (i == 1)
		goto top;
	/* insertion sort of a(i..j); a(i-1) is no larger than any */
	for (; i < j; i++) {
		t = A(i + 1);
		for (k = i; k >= 1 && A(k) > t; k--)
			A(k + 1) = A(k);
		A(k + 1) = t;
	}
	goto pop;
}
#undef A

/* Tukey's biweight of |y - fit| / (6 * median |y - fit|) (stlrwt). */
static void robust_weights(const double *y, long n, const double *fitted,
			   double *rw, double *scratch)
{
	long mid[2] = {n / 2 + 1, n - n / 2};
	double cmad;

	for (long i = 0; i < n; i++) {
		scratch[i] = fabs(y[i] - fitted[i]);
		/* a NaN (values so large the fit overflowed) would walk
		   the partial sort off the array: count it as the worst */
		if (isnan(scratch[i]))
			scratch[i] = INFINITY;
	}
	r_psort(scratch, n, mid, 2);
	cmad = 3.0 * (scratch[mid[0] - 1] + scratch[mid[1] - 1]);
	for (long i = 0; i < n; i++) {
		double r = fabs(y[i] - fitted[i]), u = r / cmad;
		rw[i] = r <= 0.001 * cmad ? 1.0 :
			r <= 0.999 * cmad ? (1.0 - u * u) * (1.0 - u * u) : 0.0;
	}
}

/* stl.f's stl, then R's averaging of a periodic seasonal component. */
static void stl_run(const double *y, long n, const struct stl_par *p,
		    double *season, double *trend, struct work *w)
{
	const double *rw = NULL;

	memset(trend, 0, (size_t)n * sizeof(double));
	for (int k = 0;; k++) {
		stl_inner(y, n, p, rw, season, trend, w);
		if (k >= p->no)
			break;
		for (long i = 0; i < n; i++)
			w->w[0][i] = trend[i] + season[i];
		robust_weights(y, n, w->w[0], w->rw, w->w[1]);
		rw = w->rw;
	}
	if (p->periodic) {
		double *mean = w->w[0];
		for (long j = 0; j < p->np; j++) {
			double s = 0.0;
			long c = 0;
			for (long i = j; i < n; i += p->np, c++)
				s += season[i];
			mean[j] = s / (double)c;
		}
		for (long i = 0; i < n; i++)
			season[i] = mean[i % p->np];
	}
}

/* ---- options ----------------------------------------------------------- */

void tsp_stl_opts_default(struct tsp_stl_opts *o, size_t period)
{
	memset(o, 0, sizeof(*o));
	o->period = period;
	o->s_window = TSP_STL_PERIODIC;
	o->t_degree = 1;
	o->l_degree = 1;
	tsp_stl_set_robust(o, 0);
}

void tsp_stl_set_robust(struct tsp_stl_opts *o, int robust)
{
	o->robust = robust != 0;
	o->inner = robust ? 1 : 2;
	o->outer = robust ? 15 : 0;
}

void tsp_mstl_opts_default(struct tsp_mstl_opts *o)
{
	memset(o, 0, sizeof(*o));
	o->iterate = 2;
}

/* R's nextodd(): round, then up to odd. */
static long next_odd(double x)
{
	long v = lround(x);
	return v % 2 == 0 ? v + 1 : v;
}

/* stl.f's spans: at least 3, and odd. */
static long span(long w)
{
	return w < 3 ? 3 : w % 2 == 0 ? w + 1 : w;
}

static int check_window(long w, const char *what, struct tsp_error *err)
{
	if (w != 0 && w < 3)
		return tsp_error_set(err, TSP_EUSAGE,
				     "%s window must be at least 3, not %ld",
				     what, w);
	if (w > MAX_WINDOW)
		return tsp_error_set(err, TSP_EUSAGE,
				     "%s window %ld is too large", what, w);
	return 0;
}

static int check_degree(int d, const char *what, struct tsp_error *err)
{
	if (d != 0 && d != 1)
		return tsp_error_set(err, TSP_EUSAGE,
				     "%s degree must be 0 or 1, not %d",
				     what, d);
	return 0;
}

/*
 * Check o and resolve it into p for n points as R's stl() does: the
 * defaults of t.window and the jumps come from the windows as given
 * (s.window 10n+1 when periodic), before stl.f makes them odd.
 */
static int resolve(const struct tsp_stl_opts *o, size_t n,
		   struct stl_par *p, struct tsp_error *err)
{
	double sw;

	if (o->period < 2)
		return tsp_error_set(err, TSP_EUSAGE,
				     "period must be at least 2, not %zu",
				     o->period);
	if (check_window(o->s_window, "seasonal", err) < 0 ||
	    check_window(o->t_window, "trend", err) < 0 ||
	    check_window(o->l_window, "low-pass", err) < 0 ||
	    check_degree(o->s_degree, "seasonal", err) < 0 ||
	    check_degree(o->t_degree, "trend", err) < 0 ||
	    check_degree(o->l_degree, "low-pass", err) < 0)
		return -1;
	if (o->s_jump < 0 || o->t_jump < 0 || o->l_jump < 0)
		return tsp_error_set(err, TSP_EUSAGE,
				     "jumps must not be negative");
	if (o->inner < 1)
		return tsp_error_set(err, TSP_EUSAGE,
				     "number of inner loops must be at least 1, not %d",
				     o->inner);
	if (o->outer < 0)
		return tsp_error_set(err, TSP_EUSAGE,
				     "number of outer loops must not be negative, not %d",
				     o->outer);
	if (n == 0 || o->period > (n - 1) / 2)
		return tsp_error_set(err, TSP_EDATA,
				     "series of %zu points is too short for period %zu (needs more than %zu)",
				     n, o->period, 2 * o->period);
	p->np = (long)o->period;
	p->periodic = o->s_window == TSP_STL_PERIODIC;
	sw = p->periodic ? 10.0 * (double)n + 1.0 : (double)o->s_window;
	p->isdeg = p->periodic ? 0 : o->s_degree;
	p->itdeg = o->t_degree;
	p->ildeg = o->l_degree;
	p->ns = span((long)sw);
	p->nt = o->t_window ? o->t_window :
		next_odd(ceil(1.5 * (double)o->period / (1.0 - 1.5 / sw)));
	p->nl = o->l_window ? o->l_window : next_odd((double)o->period);
	p->nsjump = o->s_jump ? o->s_jump : (long)ceil(sw / 10.0);
	p->ntjump = o->t_jump ? o->t_jump : (long)ceil((double)p->nt / 10.0);
	p->nljump = o->l_jump ? o->l_jump : (long)ceil((double)p->nl / 10.0);
	p->nt = span(p->nt);
	p->nl = span(p->nl);
	p->ni = o->inner;
	p->no = o->outer;
	return 0;
}

/* The stl() forecast::mstl() runs: R's defaults but s.window, robust. */
static void mstl_par(size_t period, long s_window, int robust, size_t n,
		     struct stl_par *p)
{
	struct tsp_stl_opts o;
	struct tsp_error ignored;

	tsp_stl_opts_default(&o, period);
	tsp_stl_set_robust(&o, robust);
	o.s_window = s_window;
	resolve(&o, n, p, &ignored);	/* the caller checked all that */
}

/*
 * forecast::mstl's loop over periods par[0..m) (ascending): seas[i]
 * gets the i-th seasonal, trend the last fit's, deseas x minus the
 * seasonals.
 */
static void mstl_run(const double *x, long n, const struct stl_par *par,
		     size_t m, int iterate, double *const *seas,
		     double *trend, double *deseas, struct work *w)
{
	memcpy(deseas, x, (size_t)n * sizeof(double));
	for (size_t i = 0; i < m; i++)
		memset(seas[i], 0, (size_t)n * sizeof(double));
	for (int j = 0; j < iterate; j++) {
		for (size_t i = 0; i < m; i++) {
			for (long t = 0; t < n; t++)
				deseas[t] += seas[i][t];
			stl_run(deseas, n, &par[i], seas[i], trend, w);
			for (long t = 0; t < n; t++)
				deseas[t] -= seas[i][t];
		}
	}
}

/*
 * Allocate w for periods per[0..m) (ascending, each < n/2) and fill
 * y's missing values as forecast::mstl() does: *x (w->x) is the series
 * to decompose.  Returns 0 (free w->w[0] then), or -1 with err set and
 * nothing allocated.
 */
static int prepare(const double *y, size_t n, const size_t *per, size_t m,
		   struct work *w, const double **x, struct tsp_error *err)
{
	size_t len = n + 2 * per[m - 1];	/* per < n/2 */
	double *mem = NULL;

	if (len < SIZE_MAX / sizeof(double) / 10)
		mem = malloc((5 * len + 4 * n) * sizeof(double));
	if (!mem)
		return tsp_error_set(err, TSP_ENOMEM, "out of memory");
	for (int i = 0; i < 5; i++)
		w->w[i] = mem + (size_t)i * len;
	w->rw = mem + 5 * len;
	w->kern = w->rw + n;
	w->x = w->kern + 2 * n;
	memcpy(w->x, y, n * sizeof(double));
	if (tsp_nainterp(w->x, n, per, m, err) < 0) {
		free(mem);
		return -1;
	}
	*x = w->x;
	return 0;
}

/* ---- public ------------------------------------------------------------ */

int tsp_stl(const double *y, size_t n, const struct tsp_stl_opts *o,
	    double *seasonal, double *trend, struct tsp_error *err)
{
	struct stl_par par;
	struct work w;
	const double *x;

	if (resolve(o, n, &par, err) < 0 ||
	    prepare(y, n, &o->period, 1, &w, &x, err) < 0)
		return -1;
	stl_run(x, (long)n, &par, seasonal, trend, &w);
	free(w.w[0]);
	return 0;
}

int tsp_mstl(const double *y, size_t n, const struct tsp_mstl_opts *o,
	     double *trend, double *seasonal, double *remainder, int *used,
	     struct tsp_error *err)
{
	struct stl_par par[TSP_MSTL_MAXP];
	size_t idx[TSP_MSTL_MAXP], per[TSP_MSTL_MAXP], m = 0, i;
	double *seas[TSP_MSTL_MAXP];
	struct work w;
	const double *x;

	if (o->np < 1 || o->np > TSP_MSTL_MAXP)
		return tsp_error_set(err, TSP_EUSAGE,
				     "number of periods must be 1 to %d, not %zu",
				     TSP_MSTL_MAXP, o->np);
	if (o->iterate < 1)
		return tsp_error_set(err, TSP_EUSAGE,
				     "iterate must be at least 1, not %d",
				     o->iterate);
	for (i = 0; i < o->np; i++) {
		size_t j = i;
		if (o->period[i] < 2)
			return tsp_error_set(err, TSP_EUSAGE,
					     "period must be at least 2, not %zu",
					     o->period[i]);
		if (check_window(o->s_window[i], "seasonal", err) < 0)
			return -1;
		/* ascending order, as msts() keeps the periods */
		for (; j > 0 && o->period[idx[j - 1]] > o->period[i]; j--)
			idx[j] = idx[j - 1];
		idx[j] = i;
	}
	for (i = 0; i < o->np; i++) {
		int keep = n > 0 && o->period[idx[i]] <= (n - 1) / 2;
		if (used)
			used[idx[i]] = keep;
		if (keep) {
			long sw = o->s_window[idx[i]];
			per[m] = o->period[idx[i]];
			seas[m] = seasonal + idx[i] * n;
			mstl_par(per[m], sw ? sw : 7 + 4 * (long)(m + 1),
				 o->robust, n, &par[m]);
			m++;
		} else {
			memset(seasonal + idx[i] * n, 0, n * sizeof(double));
		}
	}
	if (m == 0)
		return tsp_error_set(err, TSP_EDATA,
				     "series of %zu points is too short for any of the periods (needs more than %zu)",
				     n, 2 * o->period[idx[0]]);
	if (prepare(y, n, per, m, &w, &x, err) < 0)
		return -1;
	/* one period is a plain ts to R: one iteration */
	mstl_run(x, (long)n, par, m, o->np == 1 ? 1 : o->iterate, seas, trend,
		 remainder, &w);
	for (i = 0; i < n; i++)
		remainder[i] -= trend[i];
	free(w.w[0]);
	return 0;
}
