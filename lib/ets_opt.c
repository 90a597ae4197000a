/*
 * The ETS objective and R's search over it.
 *
 * The objective is etscalc's: n log(sum e^2), plus 2 sum log|f| for
 * multiplicative errors (or the MSE of the one-step errors), infinite
 * outside R's "both" bounds.  The search is the one forecast::ets()
 * runs: the Nelder-Mead simplex of R's optim() (Nash, Compact Numerical
 * Methods, algorithm 19) over the raw parameters (alpha, beta, gamma,
 * phi as estimated, then the free initial states), from R's starting
 * values, stopped as R stops it (at most maxit evaluations).  The
 * simplex decides which fit R lands in, optimum or not, and the model
 * selection follows the fits: a search that went further than R's
 * would choose other models than ets() does.
 *
 * The rules, as optim() has them: reflection 1, contraction 0.5,
 * expansion 2; a first simplex of steps 0.1 max |par|; stop when the
 * values on the simplex differ by no more than sqrt(DBL_EPSILON)
 * relative to the first value, when a shrink does not reduce the
 * simplex, or after maxit evaluations.  Infinite values count as 1e35.
 */
#include <float.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "ets_impl.h"

/*
 * Built with -DTSP_ETS_COUNT (scripts/bench-ets-floor does), the search
 * counts its work and prints it to stderr at exit: the recursions run,
 * by class, the points valued without one (out of bounds), the
 * admissibility tests and the simplex steps (each a centroid over
 * np + 1 vertices).  Not in normal builds.
 */
#ifdef TSP_ETS_COUNT
#include <stdio.h>

static unsigned long long n_run[3][3][2], n_out, n_adm, n_step, n_step_np;

__attribute__((destructor)) static void count_print(void)
{
	fprintf(stderr, "ets-count admissible %llu\n", n_adm);
	fprintf(stderr, "ets-count out %llu\n", n_out);
	fprintf(stderr, "ets-count step %llu %llu\n", n_step, n_step_np);
	for (int t = 0; t < 3; t++)
		for (int s = 0; s < 3; s++)
			for (int e = 0; e < 2; e++)
				if (n_run[t][s][e])
					fprintf(stderr, "ets-count run %c%c%d %llu\n",
						"NAM"[t], "NAM"[s], e,
						n_run[t][s][e]);
}
#define COUNT(stmt) do { stmt; } while (0)
#else
#define COUNT(stmt) do { } while (0)
#endif

/*
 * One step of etscalc (its updates with the same operations in the same
 * order: the search's path depends on the last bits; only the sum of
 * log|f| is kept as a product, see below) on the states L, B and the
 * season ring RING at pos, with y = yi: the forecast's error into the
 * sums SSE (of e), SSY (of y - f), SLF and PF (log|f|, see below), then
 * the states updated.  A missing y advances the states without an
 * update.  A multiplicative trend with a negative growth sets DEAD:
 * the forecast, and R's likelihood, are undefined.  A macro, so that
 * two models' steps interleave in registers (lik_loop2).
 */
#define LIK_STEP(L, B, RING, SSE, SSY, SLF, PF, ALPHA, GAMMA, PHI, BPA,	\
		 PHI1, MULT, DEAD) do {					\
	double q_, phib_, f_, s_ = 0.0;					\
	if (DEAD)							\
		break;							\
	if (tr == TSP_ETS_N) {						\
		q_ = L;							\
		phib_ = 0.0;						\
	} else if (tr == TSP_ETS_A) {					\
		phib_ = PHI * B;					\
		q_ = L + phib_;						\
	} else {							\
		if (B < 0.0) {						\
			DEAD = 1;					\
			break;						\
		}							\
		phib_ = PHI1 ? B : pow(B, PHI);				\
		q_ = L * phib_;						\
	}								\
	if (se == TSP_ETS_N) {						\
		f_ = q_;						\
	} else {							\
		s_ = RING[pos];						\
		f_ = se == TSP_ETS_A ? q_ + s_ : q_ * s_;		\
	}								\
	if (yi != yi) {							\
		L = q_;							\
		B = phib_;						\
	} else {							\
		double d_ = yi - f_, e_ = MULT ? d_ / f_ : d_, pv_, ln_;\
		SSE += e_ * e_;						\
		SSY += d_ * d_;						\
		if (MULT) {						\
			/* one log per many steps: multiply, and	\
			   flush before the product can leave the	\
			   range of a double */				\
			double af_ = fabs(f_);				\
			if (af_ > 1e100 || af_ < 1e-100) {		\
				SLF += log(af_);			\
			} else {					\
				PF *= af_;				\
				if (PF > 1e150 || PF < 1e-150) {	\
					SLF += log(PF);			\
					PF = 1.0;			\
				}					\
			}						\
		}							\
		if (se == TSP_ETS_N)					\
			pv_ = yi;					\
		else if (se == TSP_ETS_A)				\
			pv_ = yi - s_;					\
		else							\
			pv_ = fabs(s_) < 1e-10 ? 1e9 : yi / s_;		\
		ln_ = q_ + ALPHA * (pv_ - q_);				\
		if (tr == TSP_ETS_A)					\
			B = phib_ + BPA * (ln_ - L - phib_);		\
		else if (tr == TSP_ETS_M)				\
			B = phib_ + BPA * ((fabs(L) < 1e-10 ? 1e9	\
					    : ln_ / L) - phib_);	\
		L = ln_;						\
		if (se == TSP_ETS_A)					\
			RING[pos] = s_ + GAMMA * (yi - q_ - s_);	\
		else if (se == TSP_ETS_M)				\
			RING[pos] = s_ + GAMMA * ((fabs(q_) < 1e-10	\
					? 1e9 : yi / q_) - s_);		\
	}								\
} while (0)

/* The loops below are instantiated per model class: inlined with
 * constant classes, their tests on the class fold away. */
#if defined(__GNUC__)
#define ALWAYS_INLINE inline __attribute__((always_inline))
#else
#define ALWAYS_INLINE inline
#endif

/* The objective from the sums of a run. */
static double lik_end(const struct obj *o, double sse, double ssy,
		      double slf, double pf)
{
	double lik;

	if (o->crit == TSP_ETS_CRIT_MSE)
		return ssy / o->nn;
	lik = o->nn * log(sse) + 2.0 * (slf + log(pf));
	return isnan(lik) ? BAD : lik < LIK_FLOOR ? LIK_FLOOR : lik;
}

/*
 * etscalc's likelihood (or MSE) of the model of class (tr, se, mult)
 * for parameters p and full initial state x (l, b, s1..sm); BAD where
 * the forecast is undefined.  Called with constant tr, se and mult (see
 * run_lik), so that each class gets a loop of its own, without the
 * tests.
 */
static ALWAYS_INLINE double lik_loop(const struct obj *o, const double *p,
			      const double *x, int tr, int se, int mult)
{
	double alpha = p[0], gamma = p[2], phi = p[3], bpa = p[1] / p[0];
	double l = x[0], b = tr != TSP_ETS_N ? x[1] : 0.0, ring[TSP_ETS_MAXM];
	double sse = 0.0, ssy = 0.0, slf = 0.0, pf = 1.0;
	int phi1 = fabs(phi - 1.0) < 1e-10, dead = 0;
	size_t m = o->m, pos = 0, n = o->n;
	const double *y = o->y;

	if (se != TSP_ETS_N)
		for (size_t j = 0; j < m; j++)
			ring[m - 1 - j] = x[1 + (tr != TSP_ETS_N) + j];
	for (size_t i = 0; i < n && !dead; i++) {
		double yi = y[i];
		LIK_STEP(l, b, ring, sse, ssy, slf, pf, alpha, gamma, phi, bpa,
			 phi1, mult, dead);
		if (se != TSP_ETS_N && ++pos == m)
			pos = 0;
	}
	return dead ? BAD : lik_end(o, sse, ssy, slf, pf);
}

#define LIK_CLASS(TR, SE, MULT) \
	static double lik_##TR##SE##MULT(const struct obj *o, const double *p, \
					 const double *x) \
	{ \
		return lik_loop(o, p, x, TSP_ETS_##TR, TSP_ETS_##SE, MULT); \
	}
LIK_CLASS(N, N, 0) LIK_CLASS(N, A, 0) LIK_CLASS(N, M, 0)
LIK_CLASS(A, N, 0) LIK_CLASS(A, A, 0) LIK_CLASS(A, M, 0)
LIK_CLASS(M, N, 0) LIK_CLASS(M, A, 0) LIK_CLASS(M, M, 0)
LIK_CLASS(N, N, 1) LIK_CLASS(N, A, 1) LIK_CLASS(N, M, 1)
LIK_CLASS(A, N, 1) LIK_CLASS(A, A, 1) LIK_CLASS(A, M, 1)
LIK_CLASS(M, N, 1) LIK_CLASS(M, A, 1) LIK_CLASS(M, M, 1)

typedef double (*lik_fn)(const struct obj *, const double *, const double *);

static const lik_fn lik_of[2][3][3] = {
	{{lik_NN0, lik_NA0, lik_NM0}, {lik_AN0, lik_AA0, lik_AM0},
	 {lik_MN0, lik_MA0, lik_MM0}},
	{{lik_NN1, lik_NA1, lik_NM1}, {lik_AN1, lik_AA1, lik_AM1},
	 {lik_MN1, lik_MA1, lik_MM1}},
};

/*
 * Two models of one class (trend, season; the errors may differ) side
 * by side: the operations of lik_loop for each, interleaved, so that
 * each value is the one lik_loop gives.
 */
static ALWAYS_INLINE void lik_loop2(const struct obj *o1, const struct obj *o2,
			     const double *p1, const double *x1,
			     const double *p2, const double *x2, int tr,
			     int se, double *out)
{
	double a1 = p1[0], g1 = p1[2], h1 = p1[3], bpa1 = p1[1] / p1[0];
	double a2 = p2[0], g2 = p2[2], h2 = p2[3], bpa2 = p2[1] / p2[0];
	double l1 = x1[0], b1 = tr != TSP_ETS_N ? x1[1] : 0.0;
	double l2 = x2[0], b2 = tr != TSP_ETS_N ? x2[1] : 0.0;
	double r1[TSP_ETS_MAXM], r2[TSP_ETS_MAXM];
	double sse1 = 0.0, ssy1 = 0.0, slf1 = 0.0, pf1 = 1.0;
	double sse2 = 0.0, ssy2 = 0.0, slf2 = 0.0, pf2 = 1.0;
	int one1 = fabs(h1 - 1.0) < 1e-10, one2 = fabs(h2 - 1.0) < 1e-10;
	int mu1 = o1->error == TSP_ETS_M, mu2 = o2->error == TSP_ETS_M;
	int dead1 = 0, dead2 = 0;
	size_t m = o1->m, pos = 0, n = o1->n;
	const double *y = o1->y;

	if (se != TSP_ETS_N)
		for (size_t j = 0; j < m; j++) {
			r1[m - 1 - j] = x1[1 + (tr != TSP_ETS_N) + j];
			r2[m - 1 - j] = x2[1 + (tr != TSP_ETS_N) + j];
		}
	for (size_t i = 0; i < n; i++) {
		double yi = y[i];
		LIK_STEP(l1, b1, r1, sse1, ssy1, slf1, pf1, a1, g1, h1, bpa1,
			 one1, mu1, dead1);
		LIK_STEP(l2, b2, r2, sse2, ssy2, slf2, pf2, a2, g2, h2, bpa2,
			 one2, mu2, dead2);
		if (se != TSP_ETS_N && ++pos == m)
			pos = 0;
	}
	out[0] = dead1 ? BAD : lik_end(o1, sse1, ssy1, slf1, pf1);
	out[1] = dead2 ? BAD : lik_end(o2, sse2, ssy2, slf2, pf2);
}

/* Four models of one class side by side, as lik_loop2. */
static ALWAYS_INLINE void lik_loop4(const struct obj *const *o,
				    const double (*p)[4],
				    const double (*x)[MAXP], int tr, int se,
				    double *out)
{
	double a1 = p[0][0], g1 = p[0][2], h1 = p[0][3], bpa1 = p[0][1] / p[0][0];
	double a2 = p[1][0], g2 = p[1][2], h2 = p[1][3], bpa2 = p[1][1] / p[1][0];
	double a3 = p[2][0], g3 = p[2][2], h3 = p[2][3], bpa3 = p[2][1] / p[2][0];
	double a4 = p[3][0], g4 = p[3][2], h4 = p[3][3], bpa4 = p[3][1] / p[3][0];
	double l1 = x[0][0], b1 = tr != TSP_ETS_N ? x[0][1] : 0.0;
	double l2 = x[1][0], b2 = tr != TSP_ETS_N ? x[1][1] : 0.0;
	double l3 = x[2][0], b3 = tr != TSP_ETS_N ? x[2][1] : 0.0;
	double l4 = x[3][0], b4 = tr != TSP_ETS_N ? x[3][1] : 0.0;
	double r1[TSP_ETS_MAXM], r2[TSP_ETS_MAXM], r3[TSP_ETS_MAXM];
	double r4[TSP_ETS_MAXM];
	double sse1 = 0.0, ssy1 = 0.0, slf1 = 0.0, pf1 = 1.0;
	double sse2 = 0.0, ssy2 = 0.0, slf2 = 0.0, pf2 = 1.0;
	double sse3 = 0.0, ssy3 = 0.0, slf3 = 0.0, pf3 = 1.0;
	double sse4 = 0.0, ssy4 = 0.0, slf4 = 0.0, pf4 = 1.0;
	int one1 = fabs(h1 - 1.0) < 1e-10, one2 = fabs(h2 - 1.0) < 1e-10;
	int one3 = fabs(h3 - 1.0) < 1e-10, one4 = fabs(h4 - 1.0) < 1e-10;
	int mu1 = o[0]->error == TSP_ETS_M, mu2 = o[1]->error == TSP_ETS_M;
	int mu3 = o[2]->error == TSP_ETS_M, mu4 = o[3]->error == TSP_ETS_M;
	int dead1 = 0, dead2 = 0, dead3 = 0, dead4 = 0;
	size_t m = o[0]->m, pos = 0, n = o[0]->n, ns = 1 + (tr != TSP_ETS_N);
	const double *y = o[0]->y;

	if (se != TSP_ETS_N)
		for (size_t j = 0; j < m; j++) {
			r1[m - 1 - j] = x[0][ns + j];
			r2[m - 1 - j] = x[1][ns + j];
			r3[m - 1 - j] = x[2][ns + j];
			r4[m - 1 - j] = x[3][ns + j];
		}
	for (size_t i = 0; i < n; i++) {
		double yi = y[i];
		LIK_STEP(l1, b1, r1, sse1, ssy1, slf1, pf1, a1, g1, h1, bpa1,
			 one1, mu1, dead1);
		LIK_STEP(l2, b2, r2, sse2, ssy2, slf2, pf2, a2, g2, h2, bpa2,
			 one2, mu2, dead2);
		LIK_STEP(l3, b3, r3, sse3, ssy3, slf3, pf3, a3, g3, h3, bpa3,
			 one3, mu3, dead3);
		LIK_STEP(l4, b4, r4, sse4, ssy4, slf4, pf4, a4, g4, h4, bpa4,
			 one4, mu4, dead4);
		if (se != TSP_ETS_N && ++pos == m)
			pos = 0;
	}
	out[0] = dead1 ? BAD : lik_end(o[0], sse1, ssy1, slf1, pf1);
	out[1] = dead2 ? BAD : lik_end(o[1], sse2, ssy2, slf2, pf2);
	out[2] = dead3 ? BAD : lik_end(o[2], sse3, ssy3, slf3, pf3);
	out[3] = dead4 ? BAD : lik_end(o[3], sse4, ssy4, slf4, pf4);
}

#define LIK_CLASS4(TR, SE) \
	static void lik4_##TR##SE(const struct obj *const *o, \
				  const double (*p)[4], \
				  const double (*x)[MAXP], double *out) \
	{ \
		lik_loop4(o, p, x, TSP_ETS_##TR, TSP_ETS_##SE, out); \
	}
LIK_CLASS4(N, N) LIK_CLASS4(N, A) LIK_CLASS4(N, M)
LIK_CLASS4(A, N) LIK_CLASS4(A, A) LIK_CLASS4(A, M)
LIK_CLASS4(M, N) LIK_CLASS4(M, A) LIK_CLASS4(M, M)

typedef void (*lik4_fn)(const struct obj *const *, const double (*)[4],
			const double (*)[MAXP], double *);

static const lik4_fn lik4_of[3][3] = {
	{lik4_NN, lik4_NA, lik4_NM}, {lik4_AN, lik4_AA, lik4_AM},
	{lik4_MN, lik4_MA, lik4_MM},
};

#define LIK_CLASS2(TR, SE) \
	static void lik2_##TR##SE(const struct obj *o1, const struct obj *o2, \
				  const double *p1, const double *x1, \
				  const double *p2, const double *x2, \
				  double *out) \
	{ \
		lik_loop2(o1, o2, p1, x1, p2, x2, TSP_ETS_##TR, TSP_ETS_##SE, \
			  out); \
	}
LIK_CLASS2(N, N) LIK_CLASS2(N, A) LIK_CLASS2(N, M)
LIK_CLASS2(A, N) LIK_CLASS2(A, A) LIK_CLASS2(A, M)
LIK_CLASS2(M, N) LIK_CLASS2(M, A) LIK_CLASS2(M, M)

typedef void (*lik2_fn)(const struct obj *, const struct obj *,
			const double *, const double *, const double *,
			const double *, double *);

static const lik2_fn lik2_of[3][3] = {
	{lik2_NN, lik2_NA, lik2_NM}, {lik2_AN, lik2_AA, lik2_AM},
	{lik2_MN, lik2_MA, lik2_MM},
};

/*
 * Two models without trend and with an additive season (either error)
 * beside one with a multiplicative season: the one class whose lone
 * search (MNM) would otherwise run a single chain of dependent steps.
 * Each lane's operations are lik_loop's for its own class.
 */
static void lik3_NAM(const struct obj *const *o, const double (*p)[4],
		     const double (*x)[MAXP], double *out)
{
	double a1 = p[0][0], g1 = p[0][2], h1 = p[0][3];
	double a2 = p[1][0], g2 = p[1][2], h2 = p[1][3];
	double a3 = p[2][0], g3 = p[2][2], h3 = p[2][3];
	double l1 = x[0][0], l2 = x[1][0], l3 = x[2][0];
	double b1 = 0.0, b2 = 0.0, b3 = 0.0;
	double r1[TSP_ETS_MAXM], r2[TSP_ETS_MAXM], r3[TSP_ETS_MAXM];
	double sse1 = 0.0, ssy1 = 0.0, slf1 = 0.0, pf1 = 1.0;
	double sse2 = 0.0, ssy2 = 0.0, slf2 = 0.0, pf2 = 1.0;
	double sse3 = 0.0, ssy3 = 0.0, slf3 = 0.0, pf3 = 1.0;
	int mu1 = o[0]->error == TSP_ETS_M, mu2 = o[1]->error == TSP_ETS_M;
	int mu3 = o[2]->error == TSP_ETS_M;
	int dead1 = 0, dead2 = 0, dead3 = 0;
	size_t m = o[0]->m, pos = 0, n = o[0]->n;
	const double *y = o[0]->y;

	for (size_t j = 0; j < m; j++) {
		r1[m - 1 - j] = x[0][1 + j];
		r2[m - 1 - j] = x[1][1 + j];
		r3[m - 1 - j] = x[2][1 + j];
	}
	for (size_t i = 0; i < n; i++) {
		double yi = y[i];
		{
			const int tr = TSP_ETS_N, se = TSP_ETS_A;
			LIK_STEP(l1, b1, r1, sse1, ssy1, slf1, pf1, a1, g1, h1,
				 0.0, 1, mu1, dead1);
			LIK_STEP(l2, b2, r2, sse2, ssy2, slf2, pf2, a2, g2, h2,
				 0.0, 1, mu2, dead2);
		}
		{
			const int tr = TSP_ETS_N, se = TSP_ETS_M;
			LIK_STEP(l3, b3, r3, sse3, ssy3, slf3, pf3, a3, g3, h3,
				 0.0, 1, mu3, dead3);
		}
		if (++pos == m)
			pos = 0;
	}
	out[0] = dead1 ? BAD : lik_end(o[0], sse1, ssy1, slf1, pf1);
	out[1] = dead2 ? BAD : lik_end(o[1], sse2, ssy2, slf2, pf2);
	out[2] = dead3 ? BAD : lik_end(o[2], sse3, ssy3, slf3, pf3);
}

static void run_lik2(const struct obj *o1, const struct obj *o2,
		     const double *p1, const double *x1, const double *p2,
		     const double *x2, double *out)
{
	lik2_of[o1->trend][o1->season](o1, o2, p1, x1, p2, x2, out);
}

/* The objective of o's model class at p, x. */
static double run_lik(const struct obj *o, const double *p, const double *x)
{
	return lik_of[o->error == TSP_ETS_M][o->trend][o->season](o, p, x);
}

/* Full initial state from the free states: the last seasonal state
 * makes the seasons sum to 0 (A) or m (M), as R does.  -1 if R would
 * reject it (a negative multiplicative season). */
int ets_full_state(const struct obj *o, const double *free_x, double *x)
{
	size_t ns = 1 + (o->trend != TSP_ETS_N);

	memcpy(x, free_x, o->nst * sizeof(double));
	if (o->season != TSP_ETS_N) {
		double s = 0.0, mn = 0.0;
		for (size_t j = ns; j < o->nst; j++) {
			s += x[j];
			mn = j == ns ? x[j] : fmin(mn, x[j]);
		}
		x[o->nst] = (o->season == TSP_ETS_M ? (double)o->m : 0.0) - s;
		if (o->season == TSP_ETS_M && fmin(mn, x[o->nst]) < 0.0)
			return -1;
	}
	return 0;
}

#define RNM_BIG 1.0e35

/* The parameters and full initial state of par (raw smoothing
 * parameters, then free states) into p and x; 0, or -1 where R's
 * objective is infinite: outside the bounds ("usual" for what is
 * estimated, then "admissible"), a negative multiplicative season. */
static int r_point(const struct obj *o, const double *par, double *p,
		   double *x)
{
	size_t k = 0;

	memcpy(p, o->par, 4 * sizeof(double));
	for (int i = 0; i < 4; i++)
		if (o->est[i])
			p[i] = par[k++];
	if (o->est[0] && (p[0] < o->lo[0] || p[0] > o->hi[0]))
		return -1;
	if (o->est[1] && (p[1] < o->lo[1] || p[1] > p[0] || p[1] > o->hi[1]))
		return -1;
	if (o->est[3] && (p[3] < o->lo[3] || p[3] > o->hi[3]))
		return -1;
	if (o->est[2] && (p[2] < o->lo[2] || p[2] > 1.0 - p[0] ||
			  p[2] > o->hi[2]))
		return -1;
	/* without a season the admissible region holds the usual one */
	if (o->season != TSP_ETS_N)
		COUNT(n_adm++);
	if (o->season != TSP_ETS_N &&
	    !ets_admissible_seasonal(p[0], p[1], p[2], p[3], o->m))
		return -1;
	return ets_full_state(o, par + k, x);
}

/* R's simplex as a state machine: rnm_want() gives the next point to
 * value (NULL when done), rnm_tell() takes its value.  The machines of
 * several models run side by side (ets_rnm_group). */
enum { RNM_FIRST, RNM_VERTICES, RNM_REFLECT, RNM_EXPAND, RNM_CONTRACT,
       RNM_DONE };

struct rnm {
	int state, count, maxit, failed;
	size_t np, nv, lo, hi, j;
	double tol, oldsize, vl, vh, fr;
	double *par;			/* start, then the result */
	double v[(MAXP + 1) * MAXP];	/* vertex j: v[j * np + i] */
	double fv[MAXP + 1], cen[MAXP], tr[MAXP], cp[MAXP], ex[MAXP];
};

static void rnm_start(struct rnm *s, double *par, size_t np, int maxit)
{
	s->state = RNM_FIRST;
	s->par = par;
	s->np = np;
	s->nv = np + 1;
	s->maxit = maxit;
	s->failed = 0;
	s->lo = s->hi = s->j = 0;
}

/* The next vertex to value after a shrink (or the first simplex), or
 * on to the next step when all are valued. */
static void rnm_next_vertex(struct rnm *s)
{
	while (s->j < s->nv && s->j == s->lo)
		s->j++;
	if (s->j < s->nv) {
		s->state = RNM_VERTICES;
		return;
	}
	/* a step: the lowest and the highest vertex, the tolerance
	   test, the centroid of all but the highest (summed as R does)
	   and the reflection through it */
	{
		size_t np = s->np, nv = s->nv, lo = s->lo, hi;
		double vl = s->fv[lo], vh = vl, *v = s->v;
		hi = lo;
		for (size_t j = 0; j < nv; j++) {
			if (j == lo)
				continue;
			if (s->fv[j] < vl) {
				lo = j;
				vl = s->fv[j];
			}
			if (s->fv[j] > vh) {
				hi = j;
				vh = s->fv[j];
			}
		}
		s->lo = lo;
		s->hi = hi;
		s->vl = vl;
		s->vh = vh;
		if (vh <= vl + s->tol) {
			s->state = RNM_DONE;
			return;
		}
		COUNT((n_step++, n_step_np += np));
		/* each coordinate's sum vertex by vertex, in R's order;
		   four coordinates at a time, in registers, so that
		   their chains of additions overlap */
		{
			size_t i = 0;
			for (; i + 4 <= np; i += 4) {
				const double *vi = v + i, *vx = v + hi * np + i;
				double c0 = -vx[0], c1 = -vx[1], c2 = -vx[2];
				double c3 = -vx[3];
				for (size_t j = 0; j < nv; j++, vi += np) {
					c0 += vi[0];
					c1 += vi[1];
					c2 += vi[2];
					c3 += vi[3];
				}
				s->cen[i] = c0 / (double)np;
				s->cen[i + 1] = c1 / (double)np;
				s->cen[i + 2] = c2 / (double)np;
				s->cen[i + 3] = c3 / (double)np;
			}
			for (; i < np; i++) {
				double c = -v[hi * np + i];
				for (size_t j = 0; j < nv; j++)
					c += v[j * np + i];
				s->cen[i] = c / (double)np;
			}
		}
		for (size_t i = 0; i < np; i++)
			s->tr[i] = 2.0 * s->cen[i] - v[hi * np + i];
		s->state = RNM_REFLECT;
	}
}

static const double *rnm_want(const struct rnm *s)
{
	switch (s->state) {
	case RNM_FIRST:
		return s->par;
	case RNM_VERTICES:
		return s->v + s->j * s->np;
	case RNM_REFLECT:
		return s->tr;
	case RNM_EXPAND:
		return s->ex;
	case RNM_CONTRACT:
		return s->cp;
	default:
		return NULL;
	}
}

/* The end of a step: R stops after maxit values. */
static void rnm_step_done(struct rnm *s)
{
	if (s->count > s->maxit)
		s->state = RNM_DONE;
	else
		rnm_next_vertex(s);
}

static void rnm_tell(struct rnm *s, double f)
{
	size_t np = s->np, hi = s->hi;
	double *v = s->v, *vh = v + hi * np;

	switch (s->state) {
	case RNM_FIRST: {
		double step = 0.0, size = 0.0;
		if (!(f < RNM_BIG) || np == 0) {
			s->failed = !(f < RNM_BIG);
			s->fv[0] = f;
			s->lo = 0;
			memcpy(v, s->par, np * sizeof(double));
			s->state = RNM_DONE;
			return;
		}
		s->count = 1;
		s->tol = sqrt(DBL_EPSILON) * (fabs(f) + sqrt(DBL_EPSILON));
		for (size_t i = 0; i < np; i++)
			step = fmax(step, 0.1 * fabs(s->par[i]));
		if (step == 0.0)
			step = 0.1;
		memcpy(v, s->par, np * sizeof(double));
		s->fv[0] = f;
		for (size_t j = 1; j < s->nv; j++) {
			double *vj = v + j * np, t = step;
			memcpy(vj, s->par, np * sizeof(double));
			/* a step too small to change the coordinate grows
			   tenfold */
			while (vj[j - 1] == s->par[j - 1]) {
				vj[j - 1] = s->par[j - 1] + t;
				t *= 10.0;
			}
			size += t;
		}
		s->oldsize = size;
		s->lo = 0;
		s->j = 0;
		rnm_next_vertex(s);
		return;
	}
	case RNM_VERTICES:
		s->fv[s->j++] = f;
		s->count++;
		rnm_next_vertex(s);
		return;
	case RNM_REFLECT:
		s->count++;
		s->fr = f;
		if (f < s->vl) {
			for (size_t i = 0; i < np; i++)
				s->ex[i] = 2.0 * s->tr[i] - s->cen[i];
			s->state = RNM_EXPAND;
			return;
		}
		/* contract towards the centroid from the better of the
		   highest and the reflection */
		if (f < s->vh) {
			memcpy(vh, s->tr, np * sizeof(double));
			s->fv[hi] = f;
		}
		for (size_t i = 0; i < np; i++)
			s->cp[i] = 0.5 * vh[i] + 0.5 * s->cen[i];
		s->state = RNM_CONTRACT;
		return;
	case RNM_EXPAND:
		s->count++;
		if (f < s->fr) {
			memcpy(vh, s->ex, np * sizeof(double));
			s->fv[hi] = f;
		} else {
			memcpy(vh, s->tr, np * sizeof(double));
			s->fv[hi] = s->fr;
		}
		rnm_step_done(s);
		return;
	case RNM_CONTRACT:
		s->count++;
		if (f < s->fv[hi]) {
			memcpy(vh, s->cp, np * sizeof(double));
			s->fv[hi] = f;
		} else if (s->fr >= s->vh) {
			/* shrink towards the lowest; then value the others
			   again */
			const double *vlo = v + s->lo * np;
			double size = 0.0;
			for (size_t j = 0; j < s->nv; j++) {
				double *vj = v + j * np;
				if (j == s->lo)
					continue;
				for (size_t i = 0; i < np; i++) {
					vj[i] = 0.5 * (vj[i] - vlo[i]) + vlo[i];
					size += fabs(vj[i] - vlo[i]);
				}
			}
			if (!(size < s->oldsize)) {
				s->state = RNM_DONE;
				return;
			}
			s->oldsize = size;
			if (s->count > s->maxit) {
				s->state = RNM_DONE;
				return;
			}
			s->j = 0;
			rnm_next_vertex(s);
			return;
		}
		rnm_step_done(s);
		return;
	default:
		return;
	}
}

/*
 * R's search for k <= NGROUP models o[g] from par[g][0..np[g])
 * (in/out), each at most maxit evaluations as R counts them.  val[g]
 * gets the value at par[g], NAN if the start is infeasible (R's
 * "function cannot be evaluated at initial parameters").  The models
 * are of one class (trend and season): their recursions run side by
 * side.
 */
void ets_rnm_group(struct obj *const *o, double *const *par,
		   const size_t *np, size_t k, int maxit, double *val)
{
	struct rnm s[NGROUP];

	for (size_t g = 0; g < k; g++)
		rnm_start(&s[g], par[g], np[g], maxit);
	for (;;) {
		double p[4][4], x[4][MAXP], f[4];
		size_t who[NGROUP], c = 0;
		for (size_t g = 0; g < k; g++) {
			const double *w;
			/* points out of bounds are valued without a run */
			while ((w = rnm_want(&s[g])) != NULL &&
			       r_point(o[g], w, p[c], x[c]) < 0) {
				COUNT(n_out++);
				rnm_tell(&s[g], RNM_BIG);
			}
			if (w)
				who[c++] = g;
		}
		if (c == 0)
			break;
		/* the group is of one class, or of no trend with seasons
		   A and M (see ets_rnm_group's caller) */
		size_t nm = 0;
		for (size_t t = 0; t < c; t++)
			nm += o[who[t]]->season == TSP_ETS_M;
		if (nm > 0 && nm < c && (nm > 1 || c > 3)) {
			for (size_t t = 0; t < c; t++)
				f[t] = run_lik(o[who[t]], p[t], x[t]);
		} else if (nm > 0 && nm < c) {
			/* the M lane last, the A lanes padded to two */
			const struct obj *og[3];
			double p3[3][4], x3[3][MAXP];
			size_t am = 0, ord[3];
			for (size_t t = 0; t < c; t++)
				if (o[who[t]]->season != TSP_ETS_M)
					ord[am++] = t;
			for (size_t t = 0; t < c; t++)
				if (o[who[t]]->season == TSP_ETS_M)
					ord[2] = t;
			if (am == 1)
				ord[1] = ord[0];
			for (size_t t = 0; t < 3; t++) {
				og[t] = o[who[ord[t]]];
				memcpy(p3[t], p[ord[t]], sizeof(p3[t]));
				memcpy(x3[t], x[ord[t]], sizeof(x3[t]));
			}
			lik3_NAM(og, (const double (*)[4])p3,
				 (const double (*)[MAXP])x3, f);
			{
				double fm = f[2], fa = f[0], fb = f[1];
				for (size_t t = 0; t < c; t++)
					f[t] = o[who[t]]->season == TSP_ETS_M ? fm
					       : t == ord[0] ? fa : fb;
			}
		} else if (c >= 3) {
			const struct obj *og[4];
			for (size_t t = 0; t < 4; t++) {
				size_t u = t < c ? t : c - 1;
				og[t] = o[who[u]];
				if (t >= c) {
					memcpy(p[t], p[u], sizeof(p[t]));
					memcpy(x[t], x[u], sizeof(x[t]));
				}
			}
			lik4_of[og[0]->trend][og[0]->season](og,
				(const double (*)[4])p,
				(const double (*)[MAXP])x, f);
		} else if (c == 2) {
			run_lik2(o[who[0]], o[who[1]], p[0], x[0], p[1], x[1], f);
		} else {
			f[0] = run_lik(o[who[0]], p[0], x[0]);
		}
		for (size_t t = 0; t < c; t++) {
			COUNT(n_run[o[who[t]]->trend][o[who[t]]->season]
				   [o[who[t]]->error == TSP_ETS_M]++);
			rnm_tell(&s[who[t]], f[t] < BAD ? f[t] : RNM_BIG);
		}
	}
	for (size_t g = 0; g < k; g++) {
		struct rnm *r = &s[g];
		memcpy(par[g], r->v + r->lo * r->np, r->np * sizeof(double));
		val[g] = r->failed ? NAN : r->fv[r->lo];
	}
}
