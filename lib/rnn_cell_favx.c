/*
 * The single-precision passes (lib/rnn_kern.h) for CPUs with AVX2
 * (rnn_cell_f.c chooses them at run time).  No fused multiply-add: it
 * was 8% faster, but a network would then train to other bits on a CPU
 * without it.
 */
#include "rnn_impl.h"

#if RNN_HAVE_FAVX
#pragma GCC optimize("tree-vectorize", "vect-cost-model=dynamic")
#pragma GCC target("avx2")

#define KERNEL
#define real float
#define vint int
#define VL 8
#define WS struct rnn_wsf
#define FN(x) x##_favx
#define RNN_KERN_PASSES_ONLY
#define VMADD(a, b, c) ((a) * (b) + (c))
#define RNN_SINGLE 1
#include "rnn_kern.h"
#else
/* ISO C wants something in a translation unit */
typedef int rnn_cell_favx_empty;
#endif
