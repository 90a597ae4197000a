/*
 * tsp_rnn: recurrent sequence-to-sequence forecasting (GRU or LSTM),
 * trained on the CPU with no framework.
 *
 * The network reads the last `lookback` points of a series with a
 * stacked encoder, hands its final states to a stacked decoder of the
 * same shape, and the decoder emits `horizon` forecasts one at a time,
 * each fed back as the next step's input (generative: one model gives
 * the whole horizon).  An input step is the (scaled) value, a missing-
 * value indicator (the value is then 0) and `ncov` covariates of the
 * step's time (the caller's calendar features); a decoder step sees the
 * previous forecast, indicator 0 and the covariates of the time it
 * forecasts.  The output is a linear map of the top decoder state.
 *
 * Cells follow PyTorch's nn.GRU and nn.LSTM exactly (gate order, weight
 * layout, two biases), so weights can be moved between the two:
 *   GRU  r,z,n:  r = s(Wir x + bir + Whr h + bhr), z likewise,
 *                n = tanh(Win x + bin + r * (Whn h + bhn)),
 *                h' = (1 - z) * n + z * h
 *   LSTM i,f,g,o: c' = f * c + i * g, h' = o * tanh(c')
 *   weight_ih [G*H x I], weight_hh [G*H x H], bias_ih, bias_hh [G*H]
 *
 * Training: backpropagation through time (through the fed-back
 * forecasts too), mean squared error over observed targets, Adam,
 * gradient clipping by global norm, mini-batches split across threads
 * (each slice's gradient summed in a fixed order: the same seed and
 * thread count give the same weights), early stopping on a time-ordered
 * validation split, whose residuals give the prediction intervals.
 *
 * Training runs in single precision by default (the weights and Adam's
 * state stay double; each mini-batch's forward and backward passes, the
 * validation and the interval residuals use a float copy); forecasts and
 * the gradient checks against finite differences are double.  Either way
 * the same seed and thread count give the same bits on any x86-64 (no
 * fused multiply-add, sums in a fixed order).  The library never
 * prints: progress goes through a callback.
 */
#ifndef TSP_RNN_H
#define TSP_RNN_H

#include <stddef.h>

#include "tsp_error.h"
#include "tsp_params.h"

#define TSP_RNN_MAXLEVELS 8

enum tsp_rnn_cell { TSP_RNN_GRU, TSP_RNN_LSTM };

struct tsp_rnn_arch {
	enum tsp_rnn_cell cell;
	size_t ncov;		/* covariates per step (inputs: 2 + ncov) */
	size_t hidden;		/* units per layer */
	size_t layers;		/* stacked layers, encoder and decoder each */
	size_t lookback;	/* encoder steps */
	size_t horizon;		/* decoder steps */
};

/* Which weight of a layer (tsp_rnn_weight). */
enum tsp_rnn_which { TSP_RNN_W_IH, TSP_RNN_W_HH, TSP_RNN_B_IH, TSP_RNN_B_HH };

struct tsp_rnn {
	struct tsp_rnn_arch a;
	size_t nin;		/* 2 + ncov */
	size_t nw;		/* parameters */
	double *w;		/* all of them (layout: tsp_rnn_weight) */
	/* prediction intervals: per horizon step, the standard deviation
	 * and the quantiles (levels) of validation residuals, in the units
	 * the network was trained in */
	size_t nlevel;
	double level[TSP_RNN_MAXLEVELS];
	double *rsd;		/* horizon */
	double *qlo, *qhi;	/* nlevel x horizon */
	/* NULL, or what tsp_rnn_forecast_one keeps between calls (freed
	 * by tsp_rnn_release, dropped by tsp_rnn_train) */
	struct rnn_one *one;
};

/*
 * A network of shape a with PyTorch's default initialisation (every
 * weight and bias uniform in +-1/sqrt(hidden); the output layer +-1/
 * sqrt(hidden)) from seed.  Returns 0, or -1 with err set (TSP_EUSAGE: a
 * size is 0 or too large; TSP_ENOMEM).  Release m with tsp_rnn_release,
 * also after a failure.
 */
int tsp_rnn_init(struct tsp_rnn *m, const struct tsp_rnn_arch *a,
		 unsigned long seed, struct tsp_error *err);

void tsp_rnn_release(struct tsp_rnn *m);

/*
 * A weight of layer `layer` of the encoder (dec 0) or decoder (dec 1), as
 * PyTorch lays it out; *len its element count.  dec 2 is the output
 * layer: which TSP_RNN_W_IH its weights [hidden], TSP_RNN_B_IH its bias.
 * Borrowed from m.
 */
double *tsp_rnn_weight(const struct tsp_rnn *m, int dec, size_t layer,
		       enum tsp_rnn_which which, size_t *len);

/*
 * Run the encoder (dec 0) or decoder (dec 1) stack alone over x[T][nin]
 * from initial states h0, c0 [layers][hidden] (NULL: zeros; c0 only for
 * LSTM), as nn.GRU / nn.LSTM with batch 1 would: out[T][hidden] the top
 * layer's outputs, hn, cn [layers][hidden] the final states (cn may be
 * NULL).  For tests against PyTorch.  Returns 0 or -1 (out of memory).
 */
int tsp_rnn_stack_run(const struct tsp_rnn *m, int dec, const double *x,
		      size_t T, const double *h0, const double *c0,
		      double *out, double *hn, double *cn,
		      struct tsp_error *err);

/* One series of scaled values (NaN missing) and its covariates. */
struct tsp_rnn_series {
	const double *y;	/* n values */
	const double *cov;	/* n x ncov, row-major (may be NULL if 0) */
	size_t n;
};

/*
 * Forecast from a window: the horizon steps after y[0..n) of s (the last
 * lookback of them are read; fewer are padded as missing), covariates of
 * the forecast times fcov[horizon x ncov], into mean[horizon].
 */
struct tsp_rnn_window {
	struct tsp_rnn_series s;
	const double *fcov;
	double *mean;
};

/*
 * Forecast each of w[0..nw), in batches spread over threads (1 or
 * more).  Returns 0 or -1 with err set (out of memory, thread failure).
 */
int tsp_rnn_forecast(const struct tsp_rnn *m, struct tsp_rnn_window *w,
		     size_t nw, size_t threads, struct tsp_error *err);

/*
 * One window, as online serving asks for them one record at a time: the
 * first steps (1 to horizon) of what tsp_rnn_forecast gives, to the same
 * bits, into w->mean[0..steps); w->fcov needs only those steps.  The
 * workspace and the transposed weights are made on the first call and
 * kept in m for the next ones (so m's weights must not change between
 * calls but through tsp_rnn_train).  Returns 0 or -1 with err set (out of
 * memory).
 */
int tsp_rnn_forecast_one(struct tsp_rnn *m, struct tsp_rnn_window *w,
			 size_t steps, struct tsp_error *err);

/* Training progress, once per epoch. */
struct tsp_rnn_progress {
	size_t epoch, max_epochs;
	double train_loss, val_loss;	/* mean squared error (scaled) */
	double best_val;
	size_t best_epoch;
	double seconds;			/* since training started */
	size_t windows, val_windows;
};

struct tsp_rnn_train_opts {
	size_t epochs;		/* at most (default 50) */
	size_t patience;	/* epochs without a better validation loss
				   before stopping (default 5) */
	size_t batch;		/* windows per mini-batch (default 64) */
	size_t threads;		/* default 1 */
	size_t stride;		/* a window starts every stride steps (1) */
	double lr;		/* Adam's step (default 0.003) */
	double clip;		/* global gradient norm (default 1; 0 off) */
	double val_frac;	/* the last part of each series validates
				   (default 0.2; 0: no early stopping) */
	unsigned long seed;	/* initialisation and shuffling */
	int single;		/* passes in float (default 1) or double */
	double levels[TSP_RNN_MAXLEVELS];	/* interval levels (%) */
	size_t nlevel;
	/* called after every epoch; returning nonzero stops training */
	int (*progress)(void *ctx, const struct tsp_rnn_progress *p);
	void *ctx;
};

void tsp_rnn_train_opts_default(struct tsp_rnn_train_opts *o);

/* What a training run did. */
struct tsp_rnn_report {
	size_t epochs, best_epoch, windows, val_windows;
	double train_loss, val_loss;	/* at the best epoch */
};

/*
 * Train m (initialised, see tsp_rnn_init) on windows of lookback +
 * horizon points of the series d[0..nd): the windows whose targets lie
 * in the last val_frac of their series validate, the others train.
 * Keeps the weights of the epoch with the best validation loss (the last
 * epoch without validation windows), then sets the interval quantiles
 * from that epoch's validation residuals (training residuals without).
 * Returns 0, or -1 with err set (TSP_EDATA: no series is long enough for
 * one window; TSP_ENOMEM; TSP_ESYS: a thread could not start).
 */
int tsp_rnn_train(struct tsp_rnn *m, const struct tsp_rnn_series *d,
		  size_t nd, const struct tsp_rnn_train_opts *o,
		  struct tsp_rnn_report *rep, struct tsp_error *err);

/*
 * Loss and gradient of one mini-batch, for gradient checks: windows
 * starting at start[0..nb) of series d[which[i]], in double or (single)
 * float as training does; grad[nw] is overwritten with d(loss)/dw.
 * Returns the loss (mean squared error over observed targets), NaN on
 * failure (err set).
 */
double tsp_rnn_loss_grad(const struct tsp_rnn *m,
			 const struct tsp_rnn_series *d, const size_t *which,
			 const size_t *start, size_t nb, int single,
			 double *grad, struct tsp_error *err);

/* Mean and standard deviation of the observed values of y[0..n) (sd 1
 * when it is 0 or undefined): the per-series scaling. */
void tsp_rnn_scale_fit(const double *y, size_t n, double *mu, double *sd);

/*
 * Save the network (shape, weights, intervals) as entry parameters with
 * names prefixed by "rnn_", and read it back from encoded parameters.
 * Load returns 0, or -1 with err set (TSP_EDATA "corrupt model entry
 * (rnn ...)", TSP_ENOMEM); release m after a failure too.
 */
int tsp_rnn_save(const struct tsp_rnn *m, struct tsp_params *p,
		 struct tsp_error *err);
int tsp_rnn_load(struct tsp_rnn *m, const unsigned char *buf, size_t len,
		 struct tsp_error *err);

#endif
