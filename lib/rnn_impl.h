/*
 * What lib/rnn*.c share: the per-thread workspace of a mini-batch and
 * the batched forward and backward passes.
 *
 * Activations are laid out unit by unit with the batch innermost
 * ([unit][column]), so the inner loops of the matrix products run over
 * the columns of a batch slice, contiguous and free to vectorise.
 */
#ifndef RNN_IMPL_H
#define RNN_IMPL_H

#include "tsp_rnn.h"

/* Gates per cell: 3 (GRU r, z, n) or 4 (LSTM i, f, g, o). */
#define RNN_GATES(m) ((m)->a.cell == TSP_RNN_GRU ? 3u : 4u)

/*
 * One thread's room for a slice of at most cap windows.  For each step
 * t (encoder then decoder) and layer l, a block of (G + 2) * H rows of
 * columns: the gate activations [G*H], then hn (GRU: Whn h + bhn) or c
 * (LSTM) [H], then h [H].
 */
struct rnn_ws {
	size_t cap, T;
	double *x;		/* T x nin x B: layer-0 inputs */
	double *st;		/* T x layers blocks */
	double *zero;		/* H x B zeros: the initial state */
	double *init;		/* NULL, or per layer h then c [H x B]:
				   the initial state instead (owned) */
	double *pred, *tgt;	/* horizon x B; tgt NaN: not observed */
	double *dpred;		/* horizon x B */
	double *tmp, *da, *dah;	/* G*H x B */
	double *dh, *dc;	/* layers x H x B */
	double *dx;		/* max(nin, H) x B */
	double *grad;		/* nw: this slice's gradient */
};

/* Room for cap windows (grad allocated when with_grad).  Returns 0 or -1
 * (out of memory, err set); free with rnn_ws_release. */
int rnn_ws_init(struct rnn_ws *ws, const struct tsp_rnn *m, size_t cap,
		int with_grad, struct tsp_error *err);
void rnn_ws_release(struct rnn_ws *ws);

/*
 * Fill column b of ws's inputs from the window ending lookback points
 * after start of s (start may be negative: padded as missing), with the
 * decoder's covariates from fcov (NULL: from s itself, after the
 * window) and targets from s when tgt is set (else NaN).
 */
void rnn_ws_fill(const struct tsp_rnn *m, struct rnn_ws *ws, size_t B,
		 size_t b, const struct tsp_rnn_series *s, long start,
		 const double *fcov, int tgt);

/* Forward pass over B columns: ws->pred. */
void rnn_forward(const struct tsp_rnn *m, struct rnn_ws *ws, size_t B);

/*
 * Squared error over the observed targets of ws (after rnn_forward) and
 * their count.
 */
double rnn_sq_error(const struct tsp_rnn *m, const struct rnn_ws *ws,
		    size_t B, size_t *count);

/* Backward pass (after rnn_forward): adds d(scale * sum of squared
 * errors)/dw to ws->grad. */
void rnn_backward(const struct tsp_rnn *m, struct rnn_ws *ws, size_t B,
		  double scale);

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

#endif
