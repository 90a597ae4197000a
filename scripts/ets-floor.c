/*
 * A floor under R's ETS search on this machine: what the work of
 * forecast::ets()'s Nelder-Mead search costs at best, per unit, when
 * it is spread over many series at once in AVX2 lanes (4 doubles a
 * vector, W vectors in flight), with nothing else in the way: no
 * simplex logic, no bounds checks, no lanes idle, no loads of
 * parameters.  scripts/bench-ets-floor builds and runs it, and
 * multiplies these unit costs by the work tsforecast counts.
 *
 * Units (best of 7 timed runs each):
 *   run CLASS NS    one step of the likelihood recursion of a model
 *                   class (trend N/A, season N/A/M, error 0 additive or
 *                   1 multiplicative), per series: etscalc's operations
 *                   in its order, as bitwise agreement with R needs
 *                   (no fused multiply-add).  A lower bound: the
 *                   product of |f| of a multiplicative error is
 *                   checked for range every 8 steps, where real code
 *                   must check each step.
 *   admissible NS   R's admissibility test for m = 12: the Schur-Cohn
 *                   recursion on the degree-13 polynomial, per
 *                   polynomial, all steps (a vector lane cannot stop
 *                   alone; nearly all tests pass, so run to the end).
 *   step NS         one simplex step's centroid and reflection over 16
 *                   vertices of 15 coordinates, summed in R's order.
 *
 *   ets-floor       (no arguments)
 */
#include <stdio.h>
#include <time.h>

typedef double v4 __attribute__((vector_size(32)));
typedef long long v4i __attribute__((vector_size(32)));

#define N 120			/* steps of a monthly series of 10 years */
#define M 12			/* its period */
#define REPS 20000

static v4 y[N];

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static v4 splat(double x)
{
	return (v4){x, x, x, x};
}

/* |x| by clearing the sign bit */
static v4 absv(v4 x)
{
	return (v4)((v4i)x & ~(v4i)splat(-0.0));
}

/* c ? a : b, lane by lane */
static v4 select4(v4i c, v4 a, v4 b)
{
	return (v4)((c & (v4i)a) | (~c & (v4i)b));
}

/*
 * REPS runs over N steps of 4 W series at once, for the class TR (0 no
 * trend, 1 additive), SE (0 none, 1 additive, 2 multiplicative), MULT
 * (multiplicative error): LIK_STEP of lib/ets_opt.c, written for
 * vectors.  Returns a value that depends on every run, so that none is
 * optimised away.
 */
#define KERNEL(NAME, W, TR, SE, MULT)					\
__attribute__((noinline)) static double NAME(const v4 *p)		\
{									\
	double sink = 0.0;						\
	for (int r = 0; r < REPS; r++) {				\
		v4 l[W], b[W], ring[M][W], sse[W], ssy[W], pf[W];	\
		v4 alpha = p[0], bpa = p[1], gamma = p[2], phi = p[3];	\
		int pos = 0;						\
		for (int w = 0; w < W; w++) {				\
			l[w] = p[4] + (double)(r & 3);			\
			b[w] = p[5];					\
			sse[w] = ssy[w] = splat(0.0);			\
			pf[w] = splat(1.0);				\
			for (int j = 0; j < M; j++)			\
				ring[j][w] = p[6] + (double)j * 0.01;	\
		}							\
		for (int i = 0; i < N; i++) {				\
			v4 yi = y[i];					\
			for (int w = 0; w < W; w++) {			\
				v4 phib = TR ? phi * b[w] : splat(0.0);	\
				v4 q = TR ? l[w] + phib : l[w];		\
				v4 s = SE ? ring[pos][w] : splat(0.0);	\
				v4 f = SE == 0 ? q : SE == 1 ? q + s : q * s; \
				v4 d = yi - f, e = MULT ? d / f : d, pv, ln; \
				sse[w] += e * e;			\
				ssy[w] += d * d;			\
				if (MULT)				\
					pf[w] *= absv(f);		\
				pv = SE == 0 ? yi : SE == 1 ? yi - s :	\
				     select4(absv(s) < 1e-10, splat(1e9), yi / s); \
				ln = q + alpha * (pv - q);		\
				if (TR)					\
					b[w] = phib + bpa * (ln - l[w] - phib); \
				l[w] = ln;				\
				if (SE == 1)				\
					ring[pos][w] = s + gamma * (yi - q - s); \
				else if (SE == 2)			\
					ring[pos][w] = s + gamma *	\
						(select4(absv(q) < 1e-10, \
							 splat(1e9), yi / q) - s); \
			}						\
			if (MULT && (i & 7) == 7)			\
				for (int w = 0; w < W; w++) {		\
					v4i big = pf[w] > 1e150;	\
					if (big[0] | big[1] | big[2] | big[3]) \
						pf[w] = splat(1.0);	\
				}					\
			if (SE && ++pos == M)				\
				pos = 0;				\
		}							\
		for (int w = 0; w < W; w++) {				\
			v4 t = sse[w] + ssy[w] + pf[w] + l[w];		\
			sink += t[0] + t[1] + t[2] + t[3];		\
		}							\
	}								\
	return sink;							\
}

#define CLASS(TR, SE, MULT, T, S)					\
	KERNEL(k4_##T##S##MULT, 4, TR, SE, MULT)			\
	KERNEL(k8_##T##S##MULT, 8, TR, SE, MULT)
CLASS(0, 0, 0, N, N) CLASS(0, 0, 1, N, N)
CLASS(0, 1, 0, N, A) CLASS(0, 1, 1, N, A) CLASS(0, 2, 1, N, M)
CLASS(1, 0, 0, A, N) CLASS(1, 0, 1, A, N)
CLASS(1, 1, 0, A, A) CLASS(1, 1, 1, A, A) CLASS(1, 2, 1, A, M)

/* The Schur-Cohn recursion of lib/ets_init.c's roots_inside() on 4 W
 * polynomials of degree D, every step. */
#define D (M + 1)
#define WA 4
__attribute__((noinline)) static double schur(const v4 *a0, int reps)
{
	double sink = 0.0;

	for (int r = 0; r < reps; r++) {
		v4 a[WA][D + 1];
		v4i ok[WA];
		for (int w = 0; w < WA; w++) {
			for (int k = 0; k <= D; k++)
				a[w][k] = a0[k] * (1.0 + (double)k * 1e-10) +
					  (double)(r & 1) * 1e-12;
			ok[w] = (v4i){-1, -1, -1, -1};
		}
		for (int d = D; d > 0; d--)
			for (int w = 0; w < WA; w++) {
				v4 lead = a[w][d], c0 = a[w][0], t[D];
				v4 inv = 1.0 / (lead * a[w][d] - c0 * a[w][0]);
				ok[w] &= absv(c0) < absv(lead);
				for (int j = 0; j < d - 1; j++)
					t[j] = lead * a[w][j + 1] -
					       c0 * a[w][d - 1 - j];
				for (int j = 0; j < d - 1; j++)
					a[w][j] = t[j] * inv;
				a[w][d - 1] = splat(1.0);
			}
		for (int w = 0; w < WA; w++)
			sink += (double)(ok[w][0] + ok[w][1] + ok[w][2] +
					 ok[w][3]) + a[w][0][0];
	}
	return sink;
}

/* A simplex step of 4 simplexes (series) a lane: the centroid of all
 * vertices but the highest, each coordinate summed vertex by vertex as
 * R does, and the reflection through it. */
#define NP 15
__attribute__((noinline)) static double step(v4 (*v)[NP], int reps)
{
	double sink = 0.0;

	for (int r = 0; r < reps; r++) {
		v4 cen[NP], tr[NP];
		int hi = r % (NP + 1);
		for (int i = 0; i < NP; i++) {
			v4 c = -v[hi][i];
			for (int j = 0; j <= NP; j++)
				c += v[j][i];
			cen[i] = c / (double)NP;
			tr[i] = 2.0 * cen[i] - v[hi][i];
		}
		sink += tr[r % NP][r & 3];
	}
	return sink;
}

/* Best of 7 runs of f, in seconds. */
#define BEST(SECONDS, CALL) do {					\
	double t0_, t_;							\
	SECONDS = 1e300;						\
	for (int k_ = 0; k_ < 7; k_++) {				\
		t0_ = now();						\
		sink += (CALL);						\
		t_ = now() - t0_;					\
		if (t_ < SECONDS)					\
			SECONDS = t_;					\
	}								\
} while (0)

int main(void)
{
	static const double coef[D + 1] = {
		0.6, -0.7, 0.05, 0.05, 0.05, 0.05, 0.05, 0.05, 0.05, 0.05,
		0.05, 0.05, -0.6, 1.0};
	static const struct {
		const char *name;
		double (*k4)(const v4 *), (*k8)(const v4 *);
	} ks[] = {
		{"NN0", k4_NN0, k8_NN0}, {"NN1", k4_NN1, k8_NN1},
		{"NA0", k4_NA0, k8_NA0}, {"NA1", k4_NA1, k8_NA1},
		{"NM1", k4_NM1, k8_NM1},
		{"AN0", k4_AN0, k8_AN0}, {"AN1", k4_AN1, k8_AN1},
		{"AA0", k4_AA0, k8_AA0}, {"AA1", k4_AA1, k8_AA1},
		{"AM1", k4_AM1, k8_AM1},
	};
	static v4 vert[NP + 1][NP];
	v4 p[7], a0[D + 1];
	double sink = 0.0, t4, t8, t;

	/* four monthly series with level, trend and season */
	for (int i = 0; i < N; i++)
		for (int k = 0; k < 4; k++)
			y[i][k] = 100.0 + 0.3 * i +
				  10.0 * ((i * 7 + k) % M) / (double)M;
	for (int k = 0; k < 4; k++) {
		p[0][k] = 0.3 + 0.01 * k;	/* alpha */
		p[1][k] = 0.1;			/* beta / alpha */
		p[2][k] = 0.1;			/* gamma */
		p[3][k] = 0.98;			/* phi */
		p[4][k] = 100.0;		/* l0 */
		p[5][k] = 0.3;			/* b0 */
		p[6][k] = 1.0;			/* seasons */
	}
	for (size_t c = 0; c < sizeof ks / sizeof ks[0]; c++) {
		BEST(t4, ks[c].k4(p));
		BEST(t8, ks[c].k8(p));
		t = t4 / 4.0 < t8 / 8.0 ? t4 / 4.0 : t8 / 8.0;
		printf("run %s %.4f\n", ks[c].name,
		       t * 1e9 / ((double)REPS * N * 4));
	}
	for (int k = 0; k <= D; k++)
		for (int l = 0; l < 4; l++)
			a0[k][l] = coef[k] * (1.0 + 0.001 * l);
	BEST(t, schur(a0, REPS * 10));
	printf("admissible %.4f\n", t * 1e9 / (REPS * 10.0 * WA * 4));
	for (int j = 0; j <= NP; j++)
		for (int i = 0; i < NP; i++)
			for (int l = 0; l < 4; l++)
				vert[j][i][l] = 1.0 + 0.01 * (i + j + l);
	BEST(t, step(vert, REPS * 50));
	printf("step %.4f %d\n", t * 1e9 / (REPS * 50.0 * 4), NP);
	fprintf(stderr, "(sink %g)\n", sink);
	return 0;
}
