/*
 * The GRU and LSTM cells over a batch slice, forward and backward, and
 * the encoder-decoder passes built from them: a template, included by
 * rnn_cell.c (double), rnn_cell_f.c (float, any x86-64 or other) and
 * rnn_cell_favx.c (float, AVX2).  The includer defines
 *   real, vint       element type and the signed integer of its width
 *   VL               lanes of a 32-byte vector of real
 *   WS               struct rnn_ws (double) or struct rnn_wsf (float)
 *   FN(x)            names of the forward and backward passes
 *   TN(x)            names of the workspace functions (defined unless
 *                    RNN_KERN_PASSES_ONLY)
 *   KERNEL           attribute of the products (may be empty)
 *   VMADD(a, b, c)   a * b + c over vectors
 *   RNN_SINGLE       1 for float (the exp below differs)
 *
 * Every output element is summed in the same order whatever the vector
 * width or instruction set, and floating-point contraction is off (ISO C
 * mode), so a type gives the same bits on every run and every CPU
 * (tests/unit/test_rnn.c compares the float versions).
 */
#include <math.h>
#include <stdlib.h>
#include <stdint.h>
#include <string.h>

#include "rnn_impl.h"

typedef real vreal __attribute__((vector_size(32)));
typedef vint vmask __attribute__((vector_size(32)));

#define K(x) ((real)(x))

static inline __attribute__((always_inline)) vreal ld(const real *p)
{
	vreal v;
	memcpy(&v, p, sizeof(v));
	return v;
}

static inline __attribute__((always_inline)) void st(real *p, vreal v)
{
	memcpy(p, &v, sizeof(v));
}

static inline __attribute__((always_inline)) vreal bc(real s)
{
	vreal v;
	for (int i = 0; i < VL; i++)
		v[i] = s;
	return v;
}

/* out[R][B] = bias[r] + W[R][C] x[C][B], in blocks of 4 rows x 2 vectors */
KERNEL static void mm_bias(real *restrict out, const real *restrict W,
			   const real *restrict bias, size_t R, size_t C,
			   const real *restrict x, size_t B)
{
	size_t r = 0, b;

	for (; r + 4 <= R; r += 4) {
		const real *w0 = W + r * C, *w1 = w0 + C, *w2 = w1 + C,
			   *w3 = w2 + C;
		for (b = 0; b + 2 * VL <= B; b += 2 * VL) {
			vreal a0 = bc(bias[r]), a1 = bc(bias[r + 1]),
			      a2 = bc(bias[r + 2]), a3 = bc(bias[r + 3]);
			vreal e0 = a0, e1 = a1, e2 = a2, e3 = a3;
			for (size_t c = 0; c < C; c++) {
				vreal xl = ld(x + c * B + b),
				      xh = ld(x + c * B + b + VL);
				vreal v0 = bc(w0[c]), v1 = bc(w1[c]),
				      v2 = bc(w2[c]), v3 = bc(w3[c]);
				a0 = VMADD(v0, xl, a0); e0 = VMADD(v0, xh, e0);
				a1 = VMADD(v1, xl, a1); e1 = VMADD(v1, xh, e1);
				a2 = VMADD(v2, xl, a2); e2 = VMADD(v2, xh, e2);
				a3 = VMADD(v3, xl, a3); e3 = VMADD(v3, xh, e3);
			}
			st(out + r * B + b, a0); st(out + r * B + b + VL, e0);
			st(out + (r + 1) * B + b, a1);
			st(out + (r + 1) * B + b + VL, e1);
			st(out + (r + 2) * B + b, a2);
			st(out + (r + 2) * B + b + VL, e2);
			st(out + (r + 3) * B + b, a3);
			st(out + (r + 3) * B + b + VL, e3);
		}
		for (size_t i = r; b < B && i < r + 4; i++)
			for (size_t bb = b; bb < B; bb++) {
				real a = bias[i];
				for (size_t c = 0; c < C; c++)
					a += W[i * C + c] * x[c * B + bb];
				out[i * B + bb] = a;
			}
	}
	for (; r < R; r++)
		for (b = 0; b < B; b++) {
			real a = bias[r];
			for (size_t c = 0; c < C; c++)
				a += W[r * C + c] * x[c * B + b];
			out[r * B + b] = a;
		}
}

/*
 * The same for one column, from W transposed (WT[C][R]): the rows in
 * vectors, each summed in the same order as mm_bias does, so a window
 * gets the same bits alone or in a batch.
 */
KERNEL static void mv_bias(real *restrict out, const real *restrict WT,
			   const real *restrict bias, size_t R, size_t C,
			   const real *restrict x)
{
	size_t r = 0;

	for (; r + 4 * VL <= R; r += 4 * VL) {
		vreal a0 = ld(bias + r), a1 = ld(bias + r + VL),
		      a2 = ld(bias + r + 2 * VL), a3 = ld(bias + r + 3 * VL);
		for (size_t c = 0; c < C; c++) {
			const real *wc = WT + c * R + r;
			vreal xv = bc(x[c]);
			a0 = VMADD(ld(wc), xv, a0);
			a1 = VMADD(ld(wc + VL), xv, a1);
			a2 = VMADD(ld(wc + 2 * VL), xv, a2);
			a3 = VMADD(ld(wc + 3 * VL), xv, a3);
		}
		st(out + r, a0);
		st(out + r + VL, a1);
		st(out + r + 2 * VL, a2);
		st(out + r + 3 * VL, a3);
	}
	for (; r + VL <= R; r += VL) {
		vreal a0 = ld(bias + r);
		for (size_t c = 0; c < C; c++)
			a0 = VMADD(ld(WT + c * R + r), bc(x[c]), a0);
		st(out + r, a0);
	}
	for (; r < R; r++) {
		real a = bias[r];
		for (size_t c = 0; c < C; c++)
			a += WT[c * R + r] * x[c];
		out[r] = a;
	}
}

/* out[C][B] += W[R][C]^T d[R][B], W's rows ldw apart (ldw >= C) */
KERNEL static void mm_t(real *restrict out, const real *restrict W,
			size_t ldw, size_t R, size_t C,
			const real *restrict d, size_t B)
{
	size_t c = 0, b;

	for (; c + 4 <= C; c += 4) {
		for (b = 0; b + 2 * VL <= B; b += 2 * VL) {
			real *o0 = out + c * B + b, *o1 = o0 + B,
			     *o2 = o1 + B, *o3 = o2 + B;
			vreal a0 = ld(o0), a1 = ld(o1), a2 = ld(o2),
			      a3 = ld(o3);
			vreal e0 = ld(o0 + VL), e1 = ld(o1 + VL),
			      e2 = ld(o2 + VL), e3 = ld(o3 + VL);
			for (size_t r = 0; r < R; r++) {
				const real *wr = W + r * ldw + c;
				vreal dl = ld(d + r * B + b),
				      dh = ld(d + r * B + b + VL);
				vreal v0 = bc(wr[0]), v1 = bc(wr[1]),
				      v2 = bc(wr[2]), v3 = bc(wr[3]);
				a0 = VMADD(v0, dl, a0); e0 = VMADD(v0, dh, e0);
				a1 = VMADD(v1, dl, a1); e1 = VMADD(v1, dh, e1);
				a2 = VMADD(v2, dl, a2); e2 = VMADD(v2, dh, e2);
				a3 = VMADD(v3, dl, a3); e3 = VMADD(v3, dh, e3);
			}
			st(o0, a0); st(o0 + VL, e0);
			st(o1, a1); st(o1 + VL, e1);
			st(o2, a2); st(o2 + VL, e2);
			st(o3, a3); st(o3 + VL, e3);
		}
		for (size_t i = c; b < B && i < c + 4; i++)
			for (size_t bb = b; bb < B; bb++) {
				real a = out[i * B + bb];
				for (size_t r = 0; r < R; r++)
					a += W[r * ldw + i] * d[r * B + bb];
				out[i * B + bb] = a;
			}
	}
	for (; c < C; c++)
		for (b = 0; b < B; b++) {
			real a = out[c * B + b];
			for (size_t r = 0; r < R; r++)
				a += W[r * ldw + c] * d[r * B + b];
			out[c * B + b] = a;
		}
}

/* The sum of the lanes of a, pairwise. */
static inline __attribute__((always_inline)) real hsum(vreal a)
{
#if VL == 8
	return ((a[0] + a[1]) + (a[2] + a[3])) +
	       ((a[4] + a[5]) + (a[6] + a[7]));
#else
	return (a[0] + a[1]) + (a[2] + a[3]);
#endif
}

/* G[R][C] += d[R][B] x[C][B]^T, gb[r] += sum_b d[r][b] (gb may be NULL);
 * each sum in VL lanes over the columns, then the lanes pairwise */
KERNEL static void mm_grad(real *restrict G, real *restrict gb,
			   const real *restrict d, size_t R,
			   const real *restrict x, size_t C, size_t B)
{
	size_t BV = B - B % VL;

	for (size_t r = 0; r < R; r++) {
		const real *dr = d + r * B;
		real *gr = G + r * C;
		size_t c = 0;
		if (gb) {
			real s = 0;
			for (size_t b = 0; b < B; b++)
				s += dr[b];
			gb[r] += s;
		}
		for (; c + 4 <= C; c += 4) {
			vreal a0 = bc(0), a1 = a0, a2 = a0, a3 = a0;
			const real *x0 = x + c * B, *x1 = x0 + B,
				   *x2 = x1 + B, *x3 = x2 + B;
			for (size_t b = 0; b < BV; b += VL) {
				vreal dv = ld(dr + b);
				a0 = VMADD(dv, ld(x0 + b), a0);
				a1 = VMADD(dv, ld(x1 + b), a1);
				a2 = VMADD(dv, ld(x2 + b), a2);
				a3 = VMADD(dv, ld(x3 + b), a3);
			}
			{
				real s[4] = { hsum(a0), hsum(a1), hsum(a2),
					      hsum(a3) };
				for (size_t i = 0; i < 4; i++) {
					for (size_t b = BV; b < B; b++)
						s[i] += dr[b] *
							x[(c + i) * B + b];
					gr[c + i] += s[i];
				}
			}
		}
		for (; c < C; c++) {
			vreal a = bc(0);
			const real *xc = x + c * B;
			real s;
			for (size_t b = 0; b < BV; b += VL)
				a = VMADD(ld(dr + b), ld(xc + b), a);
			s = hsum(a);
			for (size_t b = BV; b < B; b++)
				s += dr[b] * xc[b];
			gr[c] += s;
		}
	}
}

/*
 * The weight gradient of a run of n steps at once:
 *   G[R][C] += sum_t d_t[R][B] x_t[C][B]^T,  gb[r] += sum_t,b d_t[r][b]
 * with d_t = d + t ds and x_t = x + t xs.  Blocks of 2 rows x 4 columns,
 * each sum in VL lanes over the steps and columns, then the lanes
 * pairwise; tails scalar after.
 */
KERNEL static void mm_grad_seq(real *restrict G, real *restrict gb,
			       const real *restrict d, size_t ds, size_t R,
			       const real *restrict x, size_t xs, size_t C,
			       size_t B, size_t n)
{
	size_t BV = B - B % VL, r = 0;

	for (r = 0; r < R; r++) {
		vreal a = bc(0);
		real s = 0;
		for (size_t t = 0; t < n; t++) {
			const real *dr = d + t * ds + r * B;
			for (size_t b = 0; b < BV; b += VL)
				a += ld(dr + b);
			for (size_t b = BV; b < B; b++)
				s += dr[b];
		}
		gb[r] += hsum(a) + s;
	}
	for (r = 0; r + 2 <= R; r += 2) {
		size_t c = 0;
		for (; c + 4 <= C; c += 4) {
			vreal a0 = bc(0), a1 = a0, a2 = a0, a3 = a0;
			vreal e0 = a0, e1 = a0, e2 = a0, e3 = a0;
			real s[8] = { 0 };
			for (size_t t = 0; t < n; t++) {
				const real *d0 = d + t * ds + r * B,
					   *d1 = d0 + B;
				const real *x0 = x + t * xs + c * B,
					   *x1 = x0 + B, *x2 = x1 + B,
					   *x3 = x2 + B;
				for (size_t b = 0; b < BV; b += VL) {
					vreal u = ld(d0 + b), v = ld(d1 + b);
					vreal y0 = ld(x0 + b), y1 = ld(x1 + b);
					vreal y2 = ld(x2 + b), y3 = ld(x3 + b);
					a0 = VMADD(u, y0, a0);
					a1 = VMADD(u, y1, a1);
					a2 = VMADD(u, y2, a2);
					a3 = VMADD(u, y3, a3);
					e0 = VMADD(v, y0, e0);
					e1 = VMADD(v, y1, e1);
					e2 = VMADD(v, y2, e2);
					e3 = VMADD(v, y3, e3);
				}
				for (size_t b = BV; b < B; b++)
					for (size_t i = 0; i < 4; i++) {
						s[i] += d0[b] * x0[i * B + b];
						s[4 + i] += d1[b] * x0[i * B + b];
					}
			}
			G[r * C + c] += hsum(a0) + s[0];
			G[r * C + c + 1] += hsum(a1) + s[1];
			G[r * C + c + 2] += hsum(a2) + s[2];
			G[r * C + c + 3] += hsum(a3) + s[3];
			G[(r + 1) * C + c] += hsum(e0) + s[4];
			G[(r + 1) * C + c + 1] += hsum(e1) + s[5];
			G[(r + 1) * C + c + 2] += hsum(e2) + s[6];
			G[(r + 1) * C + c + 3] += hsum(e3) + s[7];
		}
		for (; c < C; c++) {
			vreal a0 = bc(0), e0 = a0;
			real s0 = 0, s1 = 0;
			for (size_t t = 0; t < n; t++) {
				const real *d0 = d + t * ds + r * B,
					   *d1 = d0 + B, *x0 = x + t * xs + c * B;
				for (size_t b = 0; b < BV; b += VL) {
					vreal y0 = ld(x0 + b);
					a0 = VMADD(ld(d0 + b), y0, a0);
					e0 = VMADD(ld(d1 + b), y0, e0);
				}
				for (size_t b = BV; b < B; b++) {
					s0 += d0[b] * x0[b];
					s1 += d1[b] * x0[b];
				}
			}
			G[r * C + c] += hsum(a0) + s0;
			G[(r + 1) * C + c] += hsum(e0) + s1;
		}
	}
	for (; r < R; r++)
		for (size_t c = 0; c < C; c++) {
			vreal a0 = bc(0);
			real s0 = 0;
			for (size_t t = 0; t < n; t++) {
				const real *d0 = d + t * ds + r * B,
					   *x0 = x + t * xs + c * B;
				for (size_t b = 0; b < BV; b += VL)
					a0 = VMADD(ld(d0 + b), ld(x0 + b), a0);
				for (size_t b = BV; b < B; b++)
					s0 += d0[b] * x0[b];
			}
			G[r * C + c] += hsum(a0) + s0;
		}
}

/*
 * exp over an array, in a form the compiler vectorises (libm's exp and
 * tanh were a third of the training time): x = k ln2 + r, |r| <= ln2/2,
 * e^r by its Taylor series (double: to r^13, relative error below
 * 1e-15; float: to r^7, below 1e-7), 2^k put into the exponent bits.  x
 * is clamped (double: to +-700, float: +-87); callers only form sigmoids
 * and tanh, which are saturated far before that.
 */

/* Lanes of a above hi become hi (NaN stays NaN), below lo become lo. */
static inline __attribute__((always_inline)) vreal clamp(vreal a, real lo,
							 real hi)
{
	vmask gt = a > bc(hi), lt = a < bc(lo);
	a = (vreal)((gt & (vmask)bc(hi)) | (~gt & (vmask)a));
	return (vreal)((lt & (vmask)bc(lo)) | (~lt & (vmask)a));
}

static inline __attribute__((always_inline)) vreal vexp(vreal v)
{
#if RNN_SINGLE
	const real shift = 0x1.8p23f, log2e = 1.44269504f;
	const real ln2hi = 0.693359375f, ln2lo = -2.12194440e-4f;
	vreal t, k, r, p;
	vmask u;

	v = clamp(v, -87, 87);
	t = v * log2e + shift;
	k = t - shift;
	r = (v - k * ln2hi) - k * ln2lo;
	p = bc(K(1.0 / 5040));
	p = p * r + K(1.0 / 720);
	p = p * r + K(1.0 / 120);
	p = p * r + K(1.0 / 24);
	p = p * r + K(1.0 / 6);
	p = p * r + K(0.5);
	p = p * r + K(1);
	p = p * r + K(1);
	u = ((vmask)t - 0x4B400000 + 127) << 23;
	return p * (vreal)u;
#else
	const real shift = 0x1.8p52, log2e = 1.4426950408889634;
	const real ln2hi = 6.93147180369123816490e-01;
	const real ln2lo = 1.90821492927058770002e-10;
	vreal t, k, r, p;
	vmask u;

	v = clamp(v, -700, 700);
	t = v * log2e + shift;
	k = t - shift;
	r = (v - k * ln2hi) - k * ln2lo;
	p = bc(1.0 / 6227020800);
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
	u = ((vmask)t - 0x4338000000000000LL + 1023) << 52;
	return p * (vreal)u;
#endif
}

KERNEL static void v_exp(real *x, size_t n)
{
	size_t i = 0;

	for (; i + VL <= n; i += VL)
		st(x + i, vexp(ld(x + i)));
	if (i < n) {
		/* the tail in one more vector: lanes are independent */
		real tail[VL] = { 0 };
		memcpy(tail, x + i, (n - i) * sizeof(real));
		st(tail, vexp(ld(tail)));
		memcpy(x + i, tail, (n - i) * sizeof(real));
	}
}

/* x[i] = 1 / (1 + e^-x[i]) */
KERNEL static void v_sigmoid(real *restrict x, real *restrict tmp, size_t n)
{
	for (size_t i = 0; i < n; i++)
		tmp[i] = -x[i];
	v_exp(tmp, n);
	for (size_t i = 0; i < n; i++)
		x[i] = 1 / (1 + tmp[i]);
}

/* y[i] = tanh(x[i]) = 1 - 2 / (e^2x + 1) (absolute error ~ epsilon) */
KERNEL static void v_tanh(real *y, const real *x, real *restrict tmp,
			  size_t n)
{
	for (size_t i = 0; i < n; i++)
		tmp[i] = 2 * x[i];
	v_exp(tmp, n);
	for (size_t i = 0; i < n; i++)
		y[i] = 1 - 2 / (tmp[i] + 1);
}

/* A layer's weights (w) or their gradient (same layout). */
struct lw {
	const real *ih, *hh, *bih, *bhh;
	size_t nin;
};

static inline struct lw layer_w(const struct tsp_rnn *m, const real *w,
				int dec, size_t l)
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
static inline real *blk(const struct tsp_rnn *m, const WS *ws, size_t B,
			size_t t, size_t l)
{
	size_t G = RNN_GATES(m), H = m->a.hidden;

	return ws->st + (t * m->a.layers + l) * (G + 2) * H * B;
}

/* W x + bias over B columns; with one column, from wt (W transposed)
 * when there is one */
static inline void prod(real *out, const real *W, const real *WT,
			const real *bias, size_t R, size_t C, const real *x,
			size_t B)
{
	if (B == 1 && WT)
		mv_bias(out, WT, bias, R, C, x);
	else
		mm_bias(out, W, bias, R, C, x, B);
}

/* tmp: room for 3 * H * B; scratch: 2 * H * B; wt: NULL or transposed */
static void gru_fwd(const struct lw *w, const struct lw *wt, size_t H,
		    size_t B, const real *x, const real *hp, real *gates,
		    real *tmp, real *scratch)
{
	real *hn = gates + 3 * H * B, *h = hn + H * B, *n = gates + 2 * H * B;
	size_t HB = H * B;

	prod(gates, w->ih, wt ? wt->ih : NULL, w->bih, 3 * H, w->nin, x, B);
	prod(tmp, w->hh, wt ? wt->hh : NULL, w->bhh, 3 * H, H, hp, B);
	for (size_t i = 0; i < 2 * HB; i++)
		gates[i] += tmp[i];
	v_sigmoid(gates, scratch, 2 * HB);
	for (size_t i = 0; i < HB; i++) {
		hn[i] = tmp[2 * HB + i];
		n[i] += gates[i] * hn[i];
	}
	v_tanh(n, n, scratch, HB);
	for (size_t i = 0; i < HB; i++) {
		real z = gates[HB + i];
		h[i] = (1 - z) * n[i] + z * hp[i];
	}
}

static void lstm_fwd(const struct lw *w, const struct lw *wt, size_t H,
		     size_t B, const real *x, const real *hp, const real *cp,
		     real *gates, real *tmp, real *scratch)
{
	real *c = gates + 4 * H * B, *h = c + H * B;
	size_t HB = H * B;

	prod(gates, w->ih, wt ? wt->ih : NULL, w->bih, 4 * H, w->nin, x, B);
	prod(tmp, w->hh, wt ? wt->hh : NULL, w->bhh, 4 * H, H, hp, B);
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
 * part); dx: out d/dx, its first nx rows (overwritten); da, dah: out the
 * gradients of the gates' input and recurrent parts, which make the
 * weights' gradient (rnn_backward, for all steps at once).
 */
static void gru_bwd(const struct lw *w, size_t H, size_t B,
		    const real *hp, const real *gates, real *dh, real *dx,
		    size_t nx, real *da, real *dah)
{
	const real *hn = gates + 3 * H * B;

	for (size_t j = 0; j < H; j++) {
		const real *r = gates + j * B, *z = gates + (H + j) * B,
			   *n = gates + (2 * H + j) * B, *hnj = hn + j * B,
			   *hpj = hp + j * B;
		real *dhj = dh + j * B;
		real *dar = da + j * B, *daz = da + (H + j) * B,
		     *dan = da + (2 * H + j) * B;
		size_t b = 0;
		/* the same operations in vectors, then one at a time */
		for (; b + VL <= B; b += VL) {
			vreal g = ld(dhj + b), vz = ld(z + b), vn = ld(n + b);
			vreal vr = ld(r + b), one = bc(1);
			vreal an = g * (one - vz) * (one - vn * vn);
			vreal ar = an * ld(hnj + b) * vr * (one - vr);
			vreal az = g * (ld(hpj + b) - vn) * vz * (one - vz);
			st(dar + b, ar);
			st(daz + b, az);
			st(dan + b, an);
			st(dhj + b, g * vz);
			st(dah + j * B + b, ar);
			st(dah + (H + j) * B + b, az);
			st(dah + (2 * H + j) * B + b, an * vr);
		}
		for (; b < B; b++) {
			real g = dhj[b];
			real an = g * (1 - z[b]) * (1 - n[b] * n[b]);
			dar[b] = an * hnj[b] * r[b] * (1 - r[b]);
			daz[b] = g * (hpj[b] - n[b]) * z[b] * (1 - z[b]);
			dan[b] = an;
			dhj[b] = g * z[b];
			dah[j * B + b] = dar[b];
			dah[(H + j) * B + b] = daz[b];
			dah[(2 * H + j) * B + b] = an * r[b];
		}
	}
	memset(dx, 0, nx * B * sizeof(*dx));
	mm_t(dx, w->ih, w->nin, 3 * H, nx, da, B);
	mm_t(dh, w->hh, H, 3 * H, H, dah, B);
}

/* Backward through one LSTM step; dc: in d/dc', out d/dc; da serves
 * both parts of the weights. */
static void lstm_bwd(const struct lw *w, size_t H, size_t B, const real *cp,
		     const real *gates, real *dh, real *dc, real *dx,
		     size_t nx, real *da, real *tmp)
{
	const real *c = gates + 4 * H * B;

	v_tanh(tmp, c, tmp + H * B, H * B);

	for (size_t j = 0; j < H; j++) {
		const real *gi = gates + j * B, *gf = gates + (H + j) * B,
			   *gg = gates + (2 * H + j) * B,
			   *go = gates + (3 * H + j) * B, *cpj = cp + j * B;
		real *dhj = dh + j * B, *dcj = dc + j * B;
		real *di = da + j * B, *df = da + (H + j) * B,
		     *dg = da + (2 * H + j) * B, *dO = da + (3 * H + j) * B;
		size_t b = 0;
		for (; b + VL <= B; b += VL) {
			vreal tc = ld(tmp + j * B + b), g = ld(dhj + b);
			vreal vo = ld(go + b), vi = ld(gi + b), vf = ld(gf + b);
			vreal vg = ld(gg + b), one = bc(1);
			vreal dcv = ld(dcj + b) + g * vo * (one - tc * tc);
			st(dO + b, g * tc * vo * (one - vo));
			st(di + b, dcv * vg * vi * (one - vi));
			st(df + b, dcv * ld(cpj + b) * vf * (one - vf));
			st(dg + b, dcv * vi * (one - vg * vg));
			st(dcj + b, dcv * vf);
			st(dhj + b, bc(0));
		}
		for (; b < B; b++) {
			real tc = tmp[j * B + b], g = dhj[b];
			real dcv = dcj[b] + g * go[b] * (1 - tc * tc);
			dO[b] = g * tc * go[b] * (1 - go[b]);
			di[b] = dcv * gg[b] * gi[b] * (1 - gi[b]);
			df[b] = dcv * cpj[b] * gf[b] * (1 - gf[b]);
			dg[b] = dcv * gi[b] * (1 - gg[b] * gg[b]);
			dcj[b] = dcv * gf[b];
			dhj[b] = 0;
		}
	}
	memset(dx, 0, nx * B * sizeof(*dx));
	mm_t(dx, w->ih, w->nin, 4 * H, nx, da, B);
	mm_t(dh, w->hh, H, 4 * H, H, da, B);
}

/* The state before step 0 of layer l: h, then c (H x B further on). */
static inline const real *init_h(const WS *ws, size_t H, size_t B, size_t l)
{
	return ws->init ? ws->init + 2 * l * H * B : ws->zero;
}

#ifndef RNN_KERN_PASSES_ONLY
int TN(rnn_ws_init)(WS *ws, const struct tsp_rnn *m, size_t cap,
		    int with_grad, struct tsp_error *err)
{
	size_t G = RNN_GATES(m), H = m->a.hidden, L = m->a.layers;
	size_t T = m->a.lookback + m->a.horizon, Hz = m->a.horizon;
	size_t wide = m->nin > H ? m->nin : H;

	memset(ws, 0, sizeof(*ws));
	ws->cap = cap;
	ws->T = T;
	ws->x = malloc(T * m->nin * cap * sizeof(real));
	ws->st = malloc(T * L * (G + 2) * H * cap * sizeof(real));
	ws->zero = calloc(H * cap, sizeof(real));
	ws->pred = malloc(Hz * cap * sizeof(real));
	ws->tgt = malloc(Hz * cap * sizeof(real));
	ws->dpred = malloc(Hz * cap * sizeof(real));
	ws->tmp = malloc(G * H * cap * sizeof(real));
	ws->da = malloc(G * H * cap * sizeof(real));
	ws->dah = malloc(G * H * cap * sizeof(real));
	ws->dh = malloc(L * H * cap * sizeof(real));
	ws->dc = malloc(L * H * cap * sizeof(real));
	ws->dx = malloc(wide * cap * sizeof(real));
	if (with_grad) {
		ws->grad = malloc(m->nw * sizeof(real));
		ws->dall = malloc(T * L * G * H * cap * sizeof(real));
		ws->dallh = m->a.cell == TSP_RNN_GRU ?
			    malloc(T * L * G * H * cap * sizeof(real)) : NULL;
	}
	if (!ws->x || !ws->st || !ws->zero || !ws->pred || !ws->tgt ||
	    !ws->dpred || !ws->tmp || !ws->da || !ws->dah || !ws->dh ||
	    !ws->dc || !ws->dx || (with_grad && (!ws->grad || !ws->dall ||
	    (m->a.cell == TSP_RNN_GRU && !ws->dallh)))) {
		TN(rnn_ws_release)(ws);
		return tsp_error_set(err, TSP_ENOMEM, "out of memory");
	}
	return 0;
}

void TN(rnn_ws_release)(WS *ws)
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
	free(ws->dall);
	free(ws->dallh);
	free(ws->init);
	memset(ws, 0, sizeof(*ws));
}

void TN(rnn_ws_fill)(const struct tsp_rnn *m, WS *ws, size_t B, size_t b,
		     const struct tsp_rnn_series *s, long start,
		     const double *fcov, int tgt)
{
	size_t nin = m->nin, nc = m->a.ncov, L = m->a.lookback;

	for (size_t t = 0; t < ws->T; t++) {
		long i = start + (long)t;
		real *x = ws->x + t * nin * B + b;
		const double *cv = NULL;
		if (t >= L && fcov)
			cv = fcov + (t - L) * nc;
		else if (i >= 0 && (size_t)i < s->n && s->cov)
			cv = s->cov + (size_t)i * nc;
		for (size_t k = 0; k < nc; k++)
			x[(2 + k) * B] = cv ? (real)cv[k] : 0;
		if (t < L) {
			double v = i >= 0 && (size_t)i < s->n ? s->y[i] : NAN;
			x[0] = isnan(v) ? 0 : (real)v;
			x[B] = isnan(v);
		} else {
			double v = NAN;
			if (tgt && i >= 0 && (size_t)i < s->n)
				v = s->y[i];
			ws->tgt[(t - L) * B + b] = (real)v;
		}
	}
}

double TN(rnn_sq_error)(const struct tsp_rnn *m, const WS *ws, size_t B,
			size_t *count)
{
	double s = 0;
	size_t c = 0;

	for (size_t i = 0; i < m->a.horizon * B; i++)
		if (!isnan(ws->tgt[i])) {
			double e = (double)ws->pred[i] - (double)ws->tgt[i];
			s += e * e;
			c++;
		}
	*count = c;
	return s;
}
#endif

void FN(rnn_forward)(const struct tsp_rnn *m, const real *wts, WS *ws,
		     size_t B)
{
	size_t G = RNN_GATES(m), H = m->a.hidden, NL = m->a.layers;
	size_t L = m->a.lookback, nin = m->nin;
	const real *wout = wts + rnn_layer_off(m, 2, 0), *bout = wout + H;

	for (size_t t = 0; t < ws->T; t++) {
		int dec = t >= L;
		real *x = ws->x + t * nin * B;
		if (dec) {
			size_t k = t - L;
			const real *last = ws->x + (L - 1) * nin * B;
			for (size_t b = 0; b < B; b++) {
				x[b] = k ? ws->pred[(k - 1) * B + b] : last[b];
				x[B + b] = k ? 0 : last[B + b];
			}
		}
		for (size_t l = 0; l < NL; l++) {
			struct lw w = layer_w(m, wts, dec, l), wt;
			const real *in = l ? blk(m, ws, B, t, l - 1) +
					     (G + 1) * H * B : x;
			const real *prev = t ? blk(m, ws, B, t - 1, l) : NULL;
			const real *hp = prev ? prev + (G + 1) * H * B
					 : init_h(ws, H, B, l);
			const real *cp = prev ? prev + G * H * B
					 : init_h(ws, H, B, l) +
					   (ws->init ? H * B : 0);
			real *g = blk(m, ws, B, t, l);
			if (ws->wt)
				wt = layer_w(m, ws->wt, dec, l);
			if (m->a.cell == TSP_RNN_GRU)
				gru_fwd(&w, ws->wt ? &wt : NULL, H, B, in, hp,
					g, ws->tmp, ws->da);
			else
				lstm_fwd(&w, ws->wt ? &wt : NULL, H, B, in, hp,
					 cp, g, ws->tmp, ws->da);
		}
		if (dec) {
			const real *ht = blk(m, ws, B, t, NL - 1) +
					 (G + 1) * H * B;
			real *p = ws->pred + (t - L) * B;
			for (size_t b = 0; b < B; b++)
				p[b] = bout[0];
			for (size_t j = 0; j < H; j++)
				for (size_t b = 0; b < B; b++)
					p[b] += wout[j] * ht[j * B + b];
		}
	}
}

/* The weights' gradient of layer l of the encoder (dec 0, steps
 * [0, L)) or decoder (dec 1, [L, T)) from the gate gradients of all its
 * steps (after the backward pass through time). */
static void weight_grad(const struct tsp_rnn *m, WS *ws, size_t B, int dec,
			size_t l)
{
	size_t G = RNN_GATES(m), H = m->a.hidden, NL = m->a.layers;
	size_t L = m->a.lookback, t0 = dec ? L : 0, n = dec ? ws->T - L : L;
	size_t bs = NL * (G + 2) * H * B, ds = NL * G * H * B;
	struct lw gw = layer_w(m, ws->grad, dec, l);
	const real *da = ws->dall + (t0 * NL + l) * G * H * B;
	const real *dah = ws->dallh ? ws->dallh + (t0 * NL + l) * G * H * B
				    : da;
	const real *x, *hp;
	size_t xs;

	if (l) {
		x = blk(m, ws, B, t0, l - 1) + (G + 1) * H * B;
		xs = bs;
	} else {
		x = ws->x + t0 * m->nin * B;
		xs = m->nin * B;
	}
	mm_grad_seq((real *)gw.ih, (real *)gw.bih, da, ds, G * H, x, xs,
		    gw.nin, B, n);
	if (t0 == 0) {
		/* the initial state, then the states of steps 0.. */
		mm_grad_seq((real *)gw.hh, (real *)gw.bhh, dah, ds, G * H,
			    init_h(ws, H, B, l), 0, H, B, 1);
		dah += ds;
		t0++;
		n--;
	}
	hp = blk(m, ws, B, t0 - 1, l) + (G + 1) * H * B;
	mm_grad_seq((real *)gw.hh, (real *)gw.bhh, dah, ds, G * H, hp, bs, H,
		    B, n);
}

void FN(rnn_backward)(const struct tsp_rnn *m, const real *wts, WS *ws,
		      size_t B, double scale)
{
	size_t G = RNN_GATES(m), H = m->a.hidden, NL = m->a.layers;
	size_t L = m->a.lookback, Hz = m->a.horizon;
	const real *wout = wts + rnn_layer_off(m, 2, 0);
	real *gout = ws->grad + rnn_layer_off(m, 2, 0), *gbout = gout + H;

	for (size_t i = 0; i < Hz * B; i++)
		ws->dpred[i] = isnan(ws->tgt[i]) ? 0 :
			       (real)(2 * scale) * (ws->pred[i] - ws->tgt[i]);
	memset(ws->dh, 0, NL * H * B * sizeof(real));
	memset(ws->dc, 0, NL * H * B * sizeof(real));
	for (size_t t = ws->T; t-- > 0;) {
		int dec = t >= L;
		if (dec) {
			const real *dp = ws->dpred + (t - L) * B;
			const real *ht = blk(m, ws, B, t, NL - 1) +
					 (G + 1) * H * B;
			real *dh = ws->dh + (NL - 1) * H * B;
			for (size_t b = 0; b < B; b++)
				gbout[0] += dp[b];
			mm_grad(gout, NULL, dp, 1, ht, H, B);
			for (size_t j = 0; j < H; j++)
				for (size_t b = 0; b < B; b++)
					dh[j * B + b] += wout[j] * dp[b];
		}
		for (size_t l = NL; l-- > 0;) {
			struct lw w = layer_w(m, wts, dec, l);
			/* d/dx: the layer below, or the fed-back forecast */
			size_t nx = l ? H : dec && t > L ? 1 : 0;
			real *da = ws->dall + (t * NL + l) * G * H * B;
			const real *prev = t ? blk(m, ws, B, t - 1, l) : NULL;
			const real *hp = prev ? prev + (G + 1) * H * B
					 : init_h(ws, H, B, l);
			const real *cp = prev ? prev + G * H * B
					 : init_h(ws, H, B, l) +
					   (ws->init ? H * B : 0);
			const real *g = blk(m, ws, B, t, l);
			real *dh = ws->dh + l * H * B, *dc = ws->dc + l * H * B;
			if (m->a.cell == TSP_RNN_GRU)
				gru_bwd(&w, H, B, hp, g, dh, ws->dx, nx, da,
					ws->dallh + (t * NL + l) * G * H * B);
			else
				lstm_bwd(&w, H, B, cp, g, dh, dc, ws->dx, nx,
					 da, ws->tmp);
			if (l) {
				real *below = ws->dh + (l - 1) * H * B;
				for (size_t i = 0; i < H * B; i++)
					below[i] += ws->dx[i];
			} else if (dec && t > L) {
				/* the fed-back forecast of the step before */
				real *dp = ws->dpred + (t - L - 1) * B;
				for (size_t b = 0; b < B; b++)
					dp[b] += ws->dx[b];
			}
		}
	}
	for (size_t l = 0; l < NL; l++) {
		weight_grad(m, ws, B, 0, l);
		weight_grad(m, ws, B, 1, l);
	}
}
