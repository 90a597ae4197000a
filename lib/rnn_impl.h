/*
 * What lib/rnn*.c share: the per-thread workspace of a mini-batch and
 * the batched forward and backward passes.
 *
 * Activations are laid out unit by unit with the batch innermost
 * ([unit][column]), so the inner loops of the matrix products run over
 * the columns of a batch slice, contiguous and free to vectorise.
 * Training runs in single precision by default, everything else in
 * double (lib/rnn_kern.h is the one source of both).
 */
#ifndef RNN_IMPL_H
#define RNN_IMPL_H

#include "tsp_rnn.h"

/* Gates per cell: 3 (GRU r, z, n) or 4 (LSTM i, f, g, o). */
#define RNN_GATES(m) ((m)->a.cell == TSP_RNN_GRU ? 3u : 4u)

/* The single-precision passes have a version for AVX2. */
#if defined(__GNUC__) && !defined(__clang__) && defined(__x86_64__) && \
	defined(__linux__)
#define RNN_HAVE_FAVX 1
#else
#define RNN_HAVE_FAVX 0
#endif

/*
 * One thread's room for a slice of at most cap windows, in double
 * (struct rnn_ws) or float (struct rnn_wsf).  For each step t (encoder
 * then decoder) and layer l, a block of (G + 2) * H rows of columns: the
 * gate activations [G*H], then hn (GRU: Whn h + bhn) or c (LSTM) [H],
 * then h [H].
 */
#define RNN_WS_FIELDS(real) \
	size_t cap, T; \
	real *x;		/* T x nin x B: layer-0 inputs */ \
	real *st;		/* T x layers blocks */ \
	real *zero;		/* H x B zeros: the initial state */ \
	real *init;		/* NULL, or per layer h then c [H x B]: \
				   the initial state instead (owned) */ \
	real *pred, *tgt;	/* horizon x B; tgt NaN: not observed */ \
	real *dpred;		/* horizon x B */ \
	real *tmp, *da, *dah;	/* G*H x B */ \
	real *dh, *dc;		/* layers x H x B */ \
	real *dx;		/* max(nin, H) x B */ \
	real *grad;		/* nw: this slice's gradient */ \
	real *dall, *dallh;	/* T x layers x G*H x B: gate gradients \
				   (dallh: GRU's recurrent part) */ \
	const real *wt;		/* NULL, or the weights with each matrix \
				   transposed, for one column (borrowed) */

struct rnn_ws {
	RNN_WS_FIELDS(double)
};

struct rnn_wsf {
	RNN_WS_FIELDS(float)
};

/* Room for cap windows (grad allocated when with_grad).  Returns 0 or -1
 * (out of memory, err set); free with rnn_ws_release. */
int rnn_ws_init(struct rnn_ws *ws, const struct tsp_rnn *m, size_t cap,
		int with_grad, struct tsp_error *err);
void rnn_ws_release(struct rnn_ws *ws);

/* Free what tsp_rnn_forecast_one kept in m (its weights changed). */
void rnn_one_drop(struct tsp_rnn *m);

/*
 * Fill column b of ws's inputs from the window ending lookback points
 * after start of s (start may be negative: padded as missing), with the
 * decoder's covariates from fcov (NULL: from s itself, after the
 * window) and targets from s when tgt is set (else NaN).
 */
void rnn_ws_fill(const struct tsp_rnn *m, struct rnn_ws *ws, size_t B,
		 size_t b, const struct tsp_rnn_series *s, long start,
		 const double *fcov, int tgt);

/* Forward pass over B columns with weights w (m's layout): ws->pred. */
void rnn_forward(const struct tsp_rnn *m, const double *w, struct rnn_ws *ws,
		 size_t B);

/*
 * Squared error over the observed targets of ws (after rnn_forward) and
 * their count.
 */
double rnn_sq_error(const struct tsp_rnn *m, const struct rnn_ws *ws,
		    size_t B, size_t *count);

/* Backward pass (after rnn_forward with the same w): adds d(scale * sum
 * of squared errors)/dw to ws->grad. */
void rnn_backward(const struct tsp_rnn *m, const double *w,
		  struct rnn_ws *ws, size_t B, double scale);

/* The same in single precision (rnn_cell_f.c; the passes dispatch to
 * rnn_cell_favx.c when the CPU has AVX2). */
int rnn_ws_init_f(struct rnn_wsf *ws, const struct tsp_rnn *m, size_t cap,
		  int with_grad, struct tsp_error *err);
void rnn_ws_release_f(struct rnn_wsf *ws);
void rnn_ws_fill_f(const struct tsp_rnn *m, struct rnn_wsf *ws, size_t B,
		   size_t b, const struct tsp_rnn_series *s, long start,
		   const double *fcov, int tgt);
double rnn_sq_error_f(const struct tsp_rnn *m, const struct rnn_wsf *ws,
		      size_t B, size_t *count);
void rnn_forward_f(const struct tsp_rnn *m, const float *w,
		   struct rnn_wsf *ws, size_t B);
void rnn_backward_f(const struct tsp_rnn *m, const float *w,
		    struct rnn_wsf *ws, size_t B, double scale);
void rnn_forward_fgen(const struct tsp_rnn *m, const float *w,
		      struct rnn_wsf *ws, size_t B);
void rnn_backward_fgen(const struct tsp_rnn *m, const float *w,
		       struct rnn_wsf *ws, size_t B, double scale);
void rnn_forward_favx(const struct tsp_rnn *m, const float *w,
		      struct rnn_wsf *ws, size_t B);
void rnn_backward_favx(const struct tsp_rnn *m, const float *w,
		       struct rnn_wsf *ws, size_t B, double scale);

/* Offset of layer l's weights in the encoder (dec 0) or decoder (1),
 * the output layer (dec 2); and a layer's input width. */
size_t rnn_layer_off(const struct tsp_rnn *m, int dec, size_t l);
size_t rnn_layer_nin(const struct tsp_rnn *m, size_t l);

/*
 * Run fn(arg + i * size) for i in [0, n) on n threads (the first in the
 * calling thread).  Returns 0 or -1 with err set (TSP_ESYS).
 */
int rnn_parallel(void (*fn)(void *), void *arg, size_t size, size_t n,
		 struct tsp_error *err);

/*
 * Threads kept for a training run: rnn_pool_run runs fn(arg + i * size)
 * for i in [0, n) (n at most the pool's size; the first in the calling
 * thread) and returns when all are done.  Start returns NULL with err
 * set (TSP_ESYS, TSP_ENOMEM).
 */
struct rnn_pool;
struct rnn_pool *rnn_pool_start(size_t threads, struct tsp_error *err);
void rnn_pool_run(struct rnn_pool *p, void (*fn)(void *), void *arg,
		  size_t size, size_t n);
void rnn_pool_stop(struct rnn_pool *p);

#endif
