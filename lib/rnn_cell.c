/*
 * The GRU and LSTM cells over a batch slice, forward and backward, and
 * the encoder-decoder passes built from them.
 */
#if defined(__GNUC__) && !defined(__clang__) && !defined(__OPTIMIZE_SIZE__)
/* The products below are loops over a slice's columns: -O2's
 * "very cheap" vectoriser leaves them scalar when the slice width is not
 * known at compile time; the dynamic cost model vectorises them (about
 * 2x here).  Results do not depend on it: no reassociation. */
#pragma GCC optimize("tree-vectorize", "vect-cost-model=dynamic")
#endif

#include <math.h>
#include <stdlib.h>
#include <stdint.h>
#include <string.h>

#include "rnn_impl.h"

/*
 * The three products.  Each is blocked in registers (4 rows x 8 columns)
 * and compiled twice, for AVX2 and for any x86-64 (or once elsewhere);
 * every output element is summed in the same order in all versions and
 * floating-point contraction is off (ISO C mode), so they give the same
 * bits.
 */
#if defined(__GNUC__) && !defined(__clang__) && defined(__x86_64__) && \
	defined(__linux__)
#define KERNEL __attribute__((target_clones("avx2", "default")))
#else
#define KERNEL
#endif

/* Four doubles: the accumulators of a block stay in registers.  The
 * helpers taking them are static and inlined, so the ABI note GCC gives
 * for passing AVX-sized vectors does not apply. */
typedef double v4d __attribute__((vector_size(32)));
#pragma GCC diagnostic ignored "-Wpsabi"

static inline __attribute__((always_inline)) v4d ld4(const double *p)
{
	v4d v;
	memcpy(&v, p, sizeof(v));
	return v;
}

static inline __attribute__((always_inline)) void st4(double *p, v4d v)
{
	memcpy(p, &v, sizeof(v));
}

static inline __attribute__((always_inline)) v4d bc4(double s)
{
	v4d v = { s, s, s, s };
	return v;
}

/* out[R][B] = bias[r] + W[R][C] x[C][B] */
KERNEL static void mm_bias(double *restrict out, const double *restrict W,
			   const double *restrict bias, size_t R, size_t C,
			   const double *restrict x, size_t B)
{
	size_t r = 0, b;

	for (; r + 4 <= R; r += 4) {
		const double *w0 = W + r * C, *w1 = w0 + C, *w2 = w1 + C,
			     *w3 = w2 + C;
		for (b = 0; b + 8 <= B; b += 8) {
			v4d a0 = bc4(bias[r]), a1 = bc4(bias[r + 1]),
			    a2 = bc4(bias[r + 2]), a3 = bc4(bias[r + 3]);
			v4d e0 = a0, e1 = a1, e2 = a2, e3 = a3;
			for (size_t c = 0; c < C; c++) {
				v4d xl = ld4(x + c * B + b),
				    xh = ld4(x + c * B + b + 4);
				v4d v0 = bc4(w0[c]), v1 = bc4(w1[c]),
				    v2 = bc4(w2[c]), v3 = bc4(w3[c]);
				a0 += v0 * xl; e0 += v0 * xh;
				a1 += v1 * xl; e1 += v1 * xh;
				a2 += v2 * xl; e2 += v2 * xh;
				a3 += v3 * xl; e3 += v3 * xh;
			}
			st4(out + r * B + b, a0); st4(out + r * B + b + 4, e0);
			st4(out + (r + 1) * B + b, a1);
			st4(out + (r + 1) * B + b + 4, e1);
			st4(out + (r + 2) * B + b, a2);
			st4(out + (r + 2) * B + b + 4, e2);
			st4(out + (r + 3) * B + b, a3);
			st4(out + (r + 3) * B + b + 4, e3);
		}
		for (size_t i = r; b < B && i < r + 4; i++)
			for (size_t bb = b; bb < B; bb++) {
				double a = bias[i];
				for (size_t c = 0; c < C; c++)
					a += W[i * C + c] * x[c * B + bb];
				out[i * B + bb] = a;
			}
	}
	for (; r < R; r++)
		for (b = 0; b < B; b++) {
			double a = bias[r];
			for (size_t c = 0; c < C; c++)
				a += W[r * C + c] * x[c * B + b];
			out[r * B + b] = a;
		}
}

/* out[C][B] += W[R][C]^T d[R][B] */
KERNEL static void mm_t(double *restrict out, const double *restrict W,
			size_t R, size_t C, const double *restrict d, size_t B)
{
	size_t c = 0, b;

	for (; c + 4 <= C; c += 4) {
		for (b = 0; b + 8 <= B; b += 8) {
			double *o0 = out + c * B + b, *o1 = o0 + B,
			       *o2 = o1 + B, *o3 = o2 + B;
			v4d a0 = ld4(o0), a1 = ld4(o1), a2 = ld4(o2),
			    a3 = ld4(o3);
			v4d e0 = ld4(o0 + 4), e1 = ld4(o1 + 4),
			    e2 = ld4(o2 + 4), e3 = ld4(o3 + 4);
			for (size_t r = 0; r < R; r++) {
				const double *wr = W + r * C + c;
				v4d dl = ld4(d + r * B + b),
				    dh = ld4(d + r * B + b + 4);
				v4d v0 = bc4(wr[0]), v1 = bc4(wr[1]),
				    v2 = bc4(wr[2]), v3 = bc4(wr[3]);
				a0 += v0 * dl; e0 += v0 * dh;
				a1 += v1 * dl; e1 += v1 * dh;
				a2 += v2 * dl; e2 += v2 * dh;
				a3 += v3 * dl; e3 += v3 * dh;
			}
			st4(o0, a0); st4(o0 + 4, e0);
			st4(o1, a1); st4(o1 + 4, e1);
			st4(o2, a2); st4(o2 + 4, e2);
			st4(o3, a3); st4(o3 + 4, e3);
		}
		for (size_t i = c; b < B && i < c + 4; i++)
			for (size_t bb = b; bb < B; bb++) {
				double a = out[i * B + bb];
				for (size_t r = 0; r < R; r++)
					a += W[r * C + i] * d[r * B + bb];
				out[i * B + bb] = a;
			}
	}
	for (; c < C; c++)
		for (b = 0; b < B; b++) {
			double a = out[c * B + b];
			for (size_t r = 0; r < R; r++)
				a += W[r * C + c] * d[r * B + b];
			out[c * B + b] = a;
		}
}

/* The sum of the lanes of a, pairwise. */
static inline __attribute__((always_inline)) double hsum4(v4d a)
{
	return (a[0] + a[1]) + (a[2] + a[3]);
}

/* G[R][C] += d[R][B] x[C][B]^T, gb[r] += sum_b d[r][b] (gb may be NULL);
 * each sum in 4 lanes over the columns, then the lanes pairwise */
KERNEL static void mm_grad(double *restrict G, double *restrict gb,
			   const double *restrict d, size_t R,
			   const double *restrict x, size_t C, size_t B)
{
	size_t B4 = B & ~(size_t)3;

	for (size_t r = 0; r < R; r++) {
		const double *dr = d + r * B;
		double *gr = G + r * C;
		size_t c = 0;
		if (gb) {
			double s = 0;
			for (size_t b = 0; b < B; b++)
				s += dr[b];
			gb[r] += s;
		}
		for (; c + 4 <= C; c += 4) {
			v4d a0 = bc4(0), a1 = a0, a2 = a0, a3 = a0;
			const double *x0 = x + c * B, *x1 = x0 + B,
				     *x2 = x1 + B, *x3 = x2 + B;
			for (size_t b = 0; b < B4; b += 4) {
				v4d dv = ld4(dr + b);
				a0 += dv * ld4(x0 + b);
				a1 += dv * ld4(x1 + b);
				a2 += dv * ld4(x2 + b);
				a3 += dv * ld4(x3 + b);
			}
			{
				double s[4] = { hsum4(a0), hsum4(a1),
						hsum4(a2), hsum4(a3) };
				for (size_t i = 0; i < 4; i++) {
					for (size_t b = B4; b < B; b++)
						s[i] += dr[b] *
							x[(c + i) * B + b];
					gr[c + i] += s[i];
				}
			}
		}
		for (; c < C; c++) {
			v4d a = bc4(0);
			const double *xc = x + c * B;
			double s;
			for (size_t b = 0; b < B4; b += 4)
				a += ld4(dr + b) * ld4(xc + b);
			s = hsum4(a);
			for (size_t b = B4; b < B; b++)
				s += dr[b] * xc[b];
			gr[c] += s;
		}
	}
}

/*
 * exp over an array, in a form the compiler vectorises (libm's exp and
 * tanh were a third of the training time): x = k ln2 + r, |r| <= ln2/2,
 * e^r by its Taylor series to r^13 (relative error below 1e-15), 2^k
 * put into the exponent bits.  x is clamped to [-700, 700]; callers
 * only form sigmoids and tanh, which are saturated far before that.
 */
typedef long long v4l __attribute__((vector_size(32)));

/* Lanes of a above hi become hi (NaN stays NaN), below lo become lo. */
static inline __attribute__((always_inline)) v4d clamp4(v4d a, double lo, double hi)
{
	v4l gt = a > bc4(hi), lt = a < bc4(lo);
	a = (v4d)((gt & (v4l)bc4(hi)) | (~gt & (v4l)a));
	return (v4d)((lt & (v4l)bc4(lo)) | (~lt & (v4l)a));
}

static inline __attribute__((always_inline)) v4d exp4(v4d v)
{
	const double shift = 0x1.8p52, log2e = 1.4426950408889634;
	const double ln2hi = 6.93147180369123816490e-01;
	const double ln2lo = 1.90821492927058770002e-10;
	v4d t, k, r, p;
	v4l u;

	v = clamp4(v, -700, 700);
	t = v * log2e + shift;
	k = t - shift;
	r = (v - k * ln2hi) - k * ln2lo;
	p = bc4(1.0 / 6227020800);
	p = p * r + 1.0 / 479001600;
	p = p * r + 1.0 / 39916800;
	p = p * r + 1.0 / 3628800;
	p = p * r + 1.0 / 362880;
	p = p * r + 1.0 / 40320;
	p = p * r + 1.0 / 5040;
	p = p * r + 1.0 / 720;
	p = p * r + 1.0 / 120;
	p = p * r + 1.0 / 24;
	p = p * r + 1.0 / 6;
	p = p * r + 0.5;
	p = p * r + 1;
	p = p * r + 1;
	u = ((v4l)t - 0x4338000000000000LL + 1023) << 52;
	return p * (v4d)u;
}

KERNEL static void v_exp(double *x, size_t n)
{
	size_t i = 0;

	for (; i + 4 <= n; i += 4)
		st4(x + i, exp4(ld4(x + i)));
	if (i < n) {
		/* the tail in one more vector: lanes are independent */
		double tail[4] = { 0, 0, 0, 0 };
		memcpy(tail, x + i, (n - i) * sizeof(double));
		st4(tail, exp4(ld4(tail)));
		memcpy(x + i, tail, (n - i) * sizeof(double));
	}
}

/* x[i] = 1 / (1 + e^-x[i]) */
KERNEL static void v_sigmoid(double *restrict x, double *restrict tmp,
			     size_t n)
{
	for (size_t i = 0; i < n; i++)
		tmp[i] = -x[i];
	v_exp(tmp, n);
	for (size_t i = 0; i < n; i++)
		x[i] = 1 / (1 + tmp[i]);
}

/* y[i] = tanh(x[i]) = 1 - 2 / (e^2x + 1) (absolute error ~1e-16) */
KERNEL static void v_tanh(double *y, const double *x, double *restrict tmp,
			  size_t n)
{
	for (size_t i = 0; i < n; i++)
		tmp[i] = 2 * x[i];
	v_exp(tmp, n);
	for (size_t i = 0; i < n; i++)
		y[i] = 1 - 2 / (tmp[i] + 1);
}

size_t rnn_layer_nin(const struct tsp_rnn *m, size_t l)
{
	return l == 0 ? m->nin : m->a.hidden;
}

static size_t layer_size(const struct tsp_rnn *m, size_t l)
{
	size_t G = RNN_GATES(m), H = m->a.hidden;

	return G * H * (rnn_layer_nin(m, l) + H + 2);
}

size_t rnn_layer_off(const struct tsp_rnn *m, int dec, size_t l)
{
	size_t off = 0, stack = 0;

	for (size_t k = 0; k < m->a.layers; k++)
		stack += layer_size(m, k);
	for (size_t k = 0; k < l && k < m->a.layers; k++)
		off += layer_size(m, k);
	return (size_t)(dec ? (dec == 2 ? 2 : 1) : 0) * stack +
	       (dec == 2 ? 0 : off);
}

/* A layer's weights (w) or their gradient (same layout). */
struct lw {
	const double *ih, *hh, *bih, *bhh;
	size_t nin;
};

static struct lw layer_w(const struct tsp_rnn *m, const double *w, int dec,
			 size_t l)
{
	size_t G = RNN_GATES(m), H = m->a.hidden;
	struct lw r;

	r.nin = rnn_layer_nin(m, l);
	r.ih = w + rnn_layer_off(m, dec, l);
	r.hh = r.ih + G * H * r.nin;
	r.bih = r.hh + G * H * H;
	r.bhh = r.bih + G * H;
	return r;
}

/* The block of step t, layer l: gates, then aux (hn or c), then h. */
static double *blk(const struct tsp_rnn *m, const struct rnn_ws *ws,
		   size_t B, size_t t, size_t l)
{
	size_t G = RNN_GATES(m), H = m->a.hidden;

	return ws->st + (t * m->a.layers + l) * (G + 2) * H * B;
}

/* tmp: room for 3 * H * B; scratch: 2 * H * B */
static void gru_fwd(const struct lw *w, size_t H, size_t B, const double *x,
		    const double *hp, double *gates, double *tmp,
		    double *scratch)
{
	double *hn = gates + 3 * H * B, *h = hn + H * B, *n = gates + 2 * H * B;
	size_t HB = H * B;

	mm_bias(gates, w->ih, w->bih, 3 * H, w->nin, x, B);
	mm_bias(tmp, w->hh, w->bhh, 3 * H, H, hp, B);
	for (size_t i = 0; i < 2 * HB; i++)
		gates[i] += tmp[i];
	v_sigmoid(gates, scratch, 2 * HB);
	for (size_t i = 0; i < HB; i++) {
		hn[i] = tmp[2 * HB + i];
		n[i] += gates[i] * hn[i];
	}
	v_tanh(n, n, scratch, HB);
	for (size_t i = 0; i < HB; i++) {
		double z = gates[HB + i];
		h[i] = (1 - z) * n[i] + z * hp[i];
	}
}

static void lstm_fwd(const struct lw *w, size_t H, size_t B, const double *x,
		     const double *hp, const double *cp, double *gates,
		     double *tmp, double *scratch)
{
	double *c = gates + 4 * H * B, *h = c + H * B;
	size_t HB = H * B;

	mm_bias(gates, w->ih, w->bih, 4 * H, w->nin, x, B);
	mm_bias(tmp, w->hh, w->bhh, 4 * H, H, hp, B);
	for (size_t i = 0; i < 4 * HB; i++)
		gates[i] += tmp[i];
	v_sigmoid(gates, scratch, 2 * HB);
	v_tanh(gates + 2 * HB, gates + 2 * HB, scratch, HB);
	v_sigmoid(gates + 3 * HB, scratch, HB);
	for (size_t i = 0; i < HB; i++)
		c[i] = gates[HB + i] * cp[i] + gates[i] * gates[2 * HB + i];
	v_tanh(tmp, c, scratch, HB);
	for (size_t i = 0; i < HB; i++)
		h[i] = gates[3 * HB + i] * tmp[i];
}

/*
 * Backward through one GRU step.  dh: in d/dh', out d/dh (recurrent
 * part); dx: out d/dx (overwritten).  Gradients into gw.
 */
static void gru_bwd(const struct lw *w, const struct lw *gw, size_t H,
		    size_t B, const double *x, const double *hp,
		    const double *gates, double *dh, double *dx, double *da,
		    double *dah)
{
	const double *hn = gates + 3 * H * B;

	for (size_t j = 0; j < H; j++) {
		const double *r = gates + j * B, *z = gates + (H + j) * B,
			     *n = gates + (2 * H + j) * B, *hnj = hn + j * B,
			     *hpj = hp + j * B;
		double *dhj = dh + j * B;
		double *dar = da + j * B, *daz = da + (H + j) * B,
		       *dan = da + (2 * H + j) * B;
		for (size_t b = 0; b < B; b++) {
			double g = dhj[b];
			double an = g * (1 - z[b]) * (1 - n[b] * n[b]);
			dar[b] = an * hnj[b] * r[b] * (1 - r[b]);
			daz[b] = g * (hpj[b] - n[b]) * z[b] * (1 - z[b]);
			dan[b] = an;
			dhj[b] = g * z[b];
			dah[j * B + b] = dar[b];
			dah[(H + j) * B + b] = daz[b];
			dah[(2 * H + j) * B + b] = an * r[b];
		}
	}
	mm_grad((double *)gw->ih, (double *)gw->bih, da, 3 * H, x, w->nin, B);
	mm_grad((double *)gw->hh, (double *)gw->bhh, dah, 3 * H, hp, H, B);
	memset(dx, 0, w->nin * B * sizeof(*dx));
	mm_t(dx, w->ih, 3 * H, w->nin, da, B);
	mm_t(dh, w->hh, 3 * H, H, dah, B);
}

/* Backward through one LSTM step; dc: in d/dc', out d/dc. */
static void lstm_bwd(const struct lw *w, const struct lw *gw, size_t H,
		     size_t B, const double *x, const double *hp,
		     const double *cp, const double *gates, double *dh,
		     double *dc, double *dx, double *da, double *tmp)
{
	const double *c = gates + 4 * H * B;

	v_tanh(tmp, c, tmp + H * B, H * B);

	for (size_t j = 0; j < H; j++) {
		const double *gi = gates + j * B, *gf = gates + (H + j) * B,
			     *gg = gates + (2 * H + j) * B,
			     *go = gates + (3 * H + j) * B,
			     *cpj = cp + j * B;
		double *dhj = dh + j * B, *dcj = dc + j * B;
		double *di = da + j * B, *df = da + (H + j) * B,
		       *dg = da + (2 * H + j) * B, *dO = da + (3 * H + j) * B;
		for (size_t b = 0; b < B; b++) {
			double tc = tmp[j * B + b], g = dhj[b];
			double dcv = dcj[b] + g * go[b] * (1 - tc * tc);
			dO[b] = g * tc * go[b] * (1 - go[b]);
			di[b] = dcv * gg[b] * gi[b] * (1 - gi[b]);
			df[b] = dcv * cpj[b] * gf[b] * (1 - gf[b]);
			dg[b] = dcv * gi[b] * (1 - gg[b] * gg[b]);
			dcj[b] = dcv * gf[b];
			dhj[b] = 0;
		}
	}
	mm_grad((double *)gw->ih, (double *)gw->bih, da, 4 * H, x, w->nin, B);
	mm_grad((double *)gw->hh, (double *)gw->bhh, da, 4 * H, hp, H, B);
	memset(dx, 0, w->nin * B * sizeof(*dx));
	mm_t(dx, w->ih, 4 * H, w->nin, da, B);
	mm_t(dh, w->hh, 4 * H, H, da, B);
}

int rnn_ws_init(struct rnn_ws *ws, const struct tsp_rnn *m, size_t cap,
		int with_grad, struct tsp_error *err)
{
	size_t G = RNN_GATES(m), H = m->a.hidden, L = m->a.layers;
	size_t T = m->a.lookback + m->a.horizon, Hz = m->a.horizon;
	size_t wide = m->nin > H ? m->nin : H;

	memset(ws, 0, sizeof(*ws));
	ws->cap = cap;
	ws->T = T;
	ws->x = malloc(T * m->nin * cap * sizeof(double));
	ws->st = malloc(T * L * (G + 2) * H * cap * sizeof(double));
	ws->zero = calloc(H * cap, sizeof(double));
	ws->pred = malloc(Hz * cap * sizeof(double));
	ws->tgt = malloc(Hz * cap * sizeof(double));
	ws->dpred = malloc(Hz * cap * sizeof(double));
	ws->tmp = malloc(G * H * cap * sizeof(double));
	ws->da = malloc(G * H * cap * sizeof(double));
	ws->dah = malloc(G * H * cap * sizeof(double));
	ws->dh = malloc(L * H * cap * sizeof(double));
	ws->dc = malloc(L * H * cap * sizeof(double));
	ws->dx = malloc(wide * cap * sizeof(double));
	if (with_grad)
		ws->grad = malloc(m->nw * sizeof(double));
	if (!ws->x || !ws->st || !ws->zero || !ws->pred || !ws->tgt ||
	    !ws->dpred || !ws->tmp || !ws->da || !ws->dah || !ws->dh ||
	    !ws->dc || !ws->dx || (with_grad && !ws->grad)) {
		rnn_ws_release(ws);
		return tsp_error_set(err, TSP_ENOMEM, "out of memory");
	}
	return 0;
}

void rnn_ws_release(struct rnn_ws *ws)
{
	free(ws->x);
	free(ws->st);
	free(ws->zero);
	free(ws->pred);
	free(ws->tgt);
	free(ws->dpred);
	free(ws->tmp);
	free(ws->da);
	free(ws->dah);
	free(ws->dh);
	free(ws->dc);
	free(ws->dx);
	free(ws->grad);
	free(ws->init);
	memset(ws, 0, sizeof(*ws));
}

void rnn_ws_fill(const struct tsp_rnn *m, struct rnn_ws *ws, size_t B,
		 size_t b, const struct tsp_rnn_series *s, long start,
		 const double *fcov, int tgt)
{
	size_t nin = m->nin, nc = m->a.ncov, L = m->a.lookback;

	for (size_t t = 0; t < ws->T; t++) {
		long i = start + (long)t;
		double *x = ws->x + t * nin * B + b;
		const double *cv = NULL;
		if (t >= L && fcov)
			cv = fcov + (t - L) * nc;
		else if (i >= 0 && (size_t)i < s->n && s->cov)
			cv = s->cov + (size_t)i * nc;
		for (size_t k = 0; k < nc; k++)
			x[(2 + k) * B] = cv ? cv[k] : 0;
		if (t < L) {
			double v = i >= 0 && (size_t)i < s->n ? s->y[i] : NAN;
			x[0] = isnan(v) ? 0 : v;
			x[B] = isnan(v);
		} else {
			double v = NAN;
			if (tgt && i >= 0 && (size_t)i < s->n)
				v = s->y[i];
			ws->tgt[(t - L) * B + b] = v;
		}
	}
}

/* The state before step 0 of layer l: h, then c (H x B further on). */
static const double *init_h(const struct rnn_ws *ws, size_t H, size_t B,
			    size_t l)
{
	return ws->init ? ws->init + 2 * l * H * B : ws->zero;
}

void rnn_forward(const struct tsp_rnn *m, struct rnn_ws *ws, size_t B)
{
	size_t G = RNN_GATES(m), H = m->a.hidden, NL = m->a.layers;
	size_t L = m->a.lookback, nin = m->nin;
	const double *wout = m->w + rnn_layer_off(m, 2, 0), *bout = wout + H;

	for (size_t t = 0; t < ws->T; t++) {
		int dec = t >= L;
		double *x = ws->x + t * nin * B;
		if (dec) {
			size_t k = t - L;
			const double *last = ws->x + (L - 1) * nin * B;
			for (size_t b = 0; b < B; b++) {
				x[b] = k ? ws->pred[(k - 1) * B + b] : last[b];
				x[B + b] = k ? 0 : last[B + b];
			}
		}
		for (size_t l = 0; l < NL; l++) {
			struct lw w = layer_w(m, m->w, dec, l);
			const double *in = l ? blk(m, ws, B, t, l - 1) +
					       (G + 1) * H * B : x;
			const double *prev = t ? blk(m, ws, B, t - 1, l) : NULL;
			const double *hp = prev ? prev + (G + 1) * H * B
					   : init_h(ws, H, B, l);
			const double *cp = prev ? prev + G * H * B
					   : init_h(ws, H, B, l) + (ws->init ? H * B : 0);
			double *g = blk(m, ws, B, t, l);
			if (m->a.cell == TSP_RNN_GRU)
				gru_fwd(&w, H, B, in, hp, g, ws->tmp, ws->da);
			else
				lstm_fwd(&w, H, B, in, hp, cp, g, ws->tmp,
					 ws->da);
		}
		if (dec) {
			const double *ht = blk(m, ws, B, t, NL - 1) +
					   (G + 1) * H * B;
			double *p = ws->pred + (t - L) * B;
			for (size_t b = 0; b < B; b++)
				p[b] = bout[0];
			for (size_t j = 0; j < H; j++)
				for (size_t b = 0; b < B; b++)
					p[b] += wout[j] * ht[j * B + b];
		}
	}
}

double rnn_sq_error(const struct tsp_rnn *m, const struct rnn_ws *ws,
		    size_t B, size_t *count)
{
	double s = 0;
	size_t c = 0;

	for (size_t i = 0; i < m->a.horizon * B; i++)
		if (!isnan(ws->tgt[i])) {
			double e = ws->pred[i] - ws->tgt[i];
			s += e * e;
			c++;
		}
	*count = c;
	return s;
}

void rnn_backward(const struct tsp_rnn *m, struct rnn_ws *ws, size_t B,
		  double scale)
{
	size_t G = RNN_GATES(m), H = m->a.hidden, NL = m->a.layers;
	size_t L = m->a.lookback, nin = m->nin, Hz = m->a.horizon;
	const double *wout = m->w + rnn_layer_off(m, 2, 0);
	double *gout = ws->grad + rnn_layer_off(m, 2, 0), *gbout = gout + H;

	for (size_t i = 0; i < Hz * B; i++)
		ws->dpred[i] = isnan(ws->tgt[i]) ? 0 :
			       2 * scale * (ws->pred[i] - ws->tgt[i]);
	memset(ws->dh, 0, NL * H * B * sizeof(double));
	memset(ws->dc, 0, NL * H * B * sizeof(double));
	for (size_t t = ws->T; t-- > 0;) {
		int dec = t >= L;
		if (dec) {
			const double *dp = ws->dpred + (t - L) * B;
			const double *ht = blk(m, ws, B, t, NL - 1) +
					   (G + 1) * H * B;
			double *dh = ws->dh + (NL - 1) * H * B;
			for (size_t b = 0; b < B; b++)
				gbout[0] += dp[b];
			mm_grad(gout, NULL, dp, 1, ht, H, B);
			for (size_t j = 0; j < H; j++)
				for (size_t b = 0; b < B; b++)
					dh[j * B + b] += wout[j] * dp[b];
		}
		for (size_t l = NL; l-- > 0;) {
			struct lw w = layer_w(m, m->w, dec, l);
			struct lw gw = layer_w(m, ws->grad, dec, l);
			const double *in = l ? blk(m, ws, B, t, l - 1) +
					       (G + 1) * H * B
					     : ws->x + t * nin * B;
			const double *prev = t ? blk(m, ws, B, t - 1, l) : NULL;
			const double *hp = prev ? prev + (G + 1) * H * B
					   : init_h(ws, H, B, l);
			const double *cp = prev ? prev + G * H * B
					   : init_h(ws, H, B, l) + (ws->init ? H * B : 0);
			const double *g = blk(m, ws, B, t, l);
			double *dh = ws->dh + l * H * B, *dc = ws->dc + l * H * B;
			if (m->a.cell == TSP_RNN_GRU)
				gru_bwd(&w, &gw, H, B, in, hp, g, dh, ws->dx,
					ws->da, ws->dah);
			else
				lstm_bwd(&w, &gw, H, B, in, hp, cp, g, dh, dc,
					 ws->dx, ws->da, ws->tmp);
			if (l) {
				double *below = ws->dh + (l - 1) * H * B;
				for (size_t i = 0; i < H * B; i++)
					below[i] += ws->dx[i];
			} else if (dec && t > L) {
				/* the fed-back forecast of the step before */
				double *dp = ws->dpred + (t - L - 1) * B;
				for (size_t b = 0; b < B; b++)
					dp[b] += ws->dx[b];
			}
		}
	}
}
