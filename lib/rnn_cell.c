/*
 * The cells and passes in double precision (lib/rnn_kern.h): forecasts,
 * the tests against PyTorch and finite differences, and training when
 * asked for; and the layout of the weights.
 */
#if defined(__GNUC__) && !defined(__clang__) && !defined(__OPTIMIZE_SIZE__)
/* The products are loops over a slice's columns: -O2's "very cheap"
 * vectoriser leaves them scalar when the slice width is not known at
 * compile time; the dynamic cost model vectorises them (about 2x here).
 * Results do not depend on it: no reassociation. */
#pragma GCC optimize("tree-vectorize", "vect-cost-model=dynamic")
#endif

#include "rnn_impl.h"

/* The products are compiled twice, for AVX2 and for any x86-64 (or once
 * elsewhere), and give the same bits (no fused multiply-add). */
#if defined(__GNUC__) && !defined(__clang__) && defined(__x86_64__) && \
	defined(__linux__)
#define KERNEL __attribute__((target_clones("avx2", "default")))
#else
#define KERNEL
#endif

#define real double
#define vint long long
#define VL 4
#define WS struct rnn_ws
#define FN(x) x
#define TN(x) x
#define VMADD(a, b, c) ((a) * (b) + (c))
#define RNN_SINGLE 0
#include "rnn_kern.h"

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
