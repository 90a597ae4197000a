/*
 * The cells and passes in single precision (lib/rnn_kern.h), the fast
 * path of training: this file for any CPU, rnn_cell_favx.c with AVX2,
 * chosen at run time; both give the same bits.
 */
#if defined(__GNUC__) && !defined(__clang__) && !defined(__OPTIMIZE_SIZE__)
#pragma GCC optimize("tree-vectorize", "vect-cost-model=dynamic")
#endif

#include "rnn_impl.h"

#define KERNEL
#define real float
#define vint int
#define VL 8
#define WS struct rnn_wsf
#define FN(x) x##_fgen
#define TN(x) x##_f
#define VMADD(a, b, c) ((a) * (b) + (c))
#define RNN_SINGLE 1
#include "rnn_kern.h"

#if RNN_HAVE_FAVX
static int use_avx(void)
{
	static int have = -1;

	if (have < 0)
		have = __builtin_cpu_supports("avx2") != 0;
	return have;
}
#endif

void rnn_forward_f(const struct tsp_rnn *m, const float *w,
		   struct rnn_wsf *ws, size_t B)
{
#if RNN_HAVE_FAVX
	if (use_avx()) {
		rnn_forward_favx(m, w, ws, B);
		return;
	}
#endif
	rnn_forward_fgen(m, w, ws, B);
}

void rnn_backward_f(const struct tsp_rnn *m, const float *w,
		    struct rnn_wsf *ws, size_t B, double scale)
{
#if RNN_HAVE_FAVX
	if (use_avx()) {
		rnn_backward_favx(m, w, ws, B, scale);
		return;
	}
#endif
	rnn_backward_fgen(m, w, ws, B, scale);
}
