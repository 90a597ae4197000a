/*
 * tsp_rnn: gradients against central finite differences (double
 * precision), the cells and stacks against PyTorch's nn.GRU / nn.LSTM
 * and a seq2seq model in torch with the same weights (ref_rnn.h, from
 * scripts/gen-rnn-fixtures), training, determinism, the store.
 */
#include <math.h>
#include <stdint.h>
#include <stdlib.h>

#include "t.h"
#include "tsp_rnn.h"
#include "rnn_impl.h"
#include "ref_rnn.h"

/* A wavy series with a few missing points, and calendar-like covariates. */
static void make_series(double *y, double *cov, size_t n, size_t ncov,
			double phase)
{
	for (size_t i = 0; i < n; i++) {
		y[i] = sin(0.7 * (double)i + phase) + 0.3 * cos(0.23 * (double)i);
		if (i % 11 == 5)
			y[i] = NAN;
		for (size_t k = 0; k < ncov; k++)
			cov[i * ncov + k] = sin(0.1 * (double)(i * (k + 1)) + (double)k);
	}
}

/*
 * Relative difference, with a floor for tiny gradients: the central
 * difference's rounding error is about eps * loss / h = 1e-10 here, so
 * a gradient of 1e-6 cannot be checked to better than 1e-4 relative.
 */
static double rel(double a, double b)
{
	return fabs(a - b) / (fmax(fabs(a), fabs(b)) + 1e-4);
}

static void grad_check(enum tsp_rnn_cell cell, size_t layers)
{
	struct tsp_rnn_arch a = { cell, 2, 5, layers, 6, 4 };
	struct tsp_rnn m;
	struct tsp_error err;
	double y[2][40], cov[2][80], *g, worst = 0;
	size_t big = 0;
	struct tsp_rnn_series d[2];
	size_t which[3] = { 0, 1, 1 }, start[3] = { 0, 3, 17 }, worst_i = 0;
	const double h = 1e-6;

	tsp_error_clear(&err);
	CHECK(tsp_rnn_init(&m, &a, 7, &err) == 0, "init: %s", err.msg);
	for (size_t i = 0; i < 2; i++) {
		make_series(y[i], cov[i], 40, 2, (double)i);
		d[i].y = y[i];
		d[i].cov = cov[i];
		d[i].n = 40;
	}
	/* a missing target in a window, and larger weights to make the
	 * gates leave their linear range */
	for (size_t i = 0; i < m.nw; i++)
		m.w[i] *= 2.5;
	g = malloc(m.nw * sizeof(*g));
	tsp_rnn_loss_grad(&m, d, which, start, 3, 0, g, &err);
	for (size_t i = 0; i < m.nw; i++) {
		double keep = m.w[i], lp, lm, *scratch = malloc(m.nw * sizeof(double)), fd;
		m.w[i] = keep + h;
		lp = tsp_rnn_loss_grad(&m, d, which, start, 3, 0, scratch, &err);
		m.w[i] = keep - h;
		lm = tsp_rnn_loss_grad(&m, d, which, start, 3, 0, scratch, &err);
		m.w[i] = keep;
		free(scratch);
		fd = (lp - lm) / (2 * h);
		if (rel(fd, g[i]) > worst) {
			worst = rel(fd, g[i]);
			worst_i = i;
		}
	}
	/* the float passes training uses give the same gradient, to
	 * float's precision */
	{
		double *gf = malloc(m.nw * sizeof(*gf)), wf = 0;
		size_t wfi = 0;
		tsp_rnn_loss_grad(&m, d, which, start, 3, 1, gf, &err);
		for (size_t i = 0; i < m.nw; i++)
			if (rel(gf[i], g[i]) > wf) {
				wf = rel(gf[i], g[i]);
				wfi = i;
			}
		CHECK(wf < 1e-3 && wf > 0, "%s %zu layers: float gradient %zu off "
		      "by %g (relative)", cell == TSP_RNN_GRU ? "gru" : "lstm",
		      layers, wfi, wf);
		printf("# %s %zu layers: float gradient off by %.2g at most\n",
		       cell == TSP_RNN_GRU ? "gru" : "lstm", layers, wf);
		free(gf);
	}
	for (size_t i = 0; i < m.nw; i++)
		big += fabs(g[i]) > 1e-3;
	CHECK(big > m.nw / 2, "%zu of %zu gradients above 1e-3", big, m.nw);
	CHECK(worst < 1e-5, "%s %zu layers: gradient %zu off by %g (relative)",
	      cell == TSP_RNN_GRU ? "gru" : "lstm", layers, worst_i, worst);
	free(g);
	tsp_rnn_release(&m);
}

static double maxdiff(const double *a, const double *b, size_t n)
{
	double w = 0;

	for (size_t i = 0; i < n; i++)
		w = fmax(w, fabs(a[i] - b[i]));
	return w;
}

/* A stack (encoder or decoder) against nn.GRU / nn.LSTM. */
static void stack_parity(enum tsp_rnn_cell cell, int dec, size_t I, size_t H,
			 size_t NL, size_t T, const double *w, size_t nw,
			 const double *x, const double *h0, const double *c0,
			 const double *out, const double *hn, const double *cn)
{
	struct tsp_rnn_arch a = { cell, I - 2, H, NL, T, 1 };
	struct tsp_rnn m;
	struct tsp_error err;
	double o[64], h[32], c[32];
	const char *name = cell == TSP_RNN_GRU ? "gru" : "lstm";
	size_t len, off;

	tsp_error_clear(&err);
	CHECK(tsp_rnn_init(&m, &a, 1, &err) == 0, "init: %s", err.msg);
	/* the stack's first weight, and its size up to the next stack */
	off = (size_t)(tsp_rnn_weight(&m, dec, 0, TSP_RNN_W_IH, &len) - m.w);
	CHECK(tsp_rnn_weight(&m, 1, 0, TSP_RNN_W_IH, &len) - m.w ==
	      (long)nw, "%s: stack size %zu, torch %zu", name,
	      (size_t)(tsp_rnn_weight(&m, 1, 0, TSP_RNN_W_IH, &len) - m.w), nw);
	memcpy(m.w + off, w, nw * sizeof(double));
	CHECK(tsp_rnn_stack_run(&m, dec, x, T, h0, c0, o, h, c, &err) == 0,
	      "run: %s", err.msg);
	CHECK(maxdiff(o, out, T * H) < 1e-6, "%s %s: outputs off by %g", name,
	      dec ? "decoder" : "encoder", maxdiff(o, out, T * H));
	CHECK(maxdiff(h, hn, NL * H) < 1e-6, "%s: h_n off by %g", name,
	      maxdiff(h, hn, NL * H));
	if (cn)
		CHECK(maxdiff(c, cn, NL * H) < 1e-6, "%s: c_n off by %g",
		      name, maxdiff(c, cn, NL * H));
	tsp_rnn_release(&m);
}

/* The whole seq2seq forecast against scripts/rnn_torch.py's model. */
static void s2s_parity(enum tsp_rnn_cell cell, size_t ncov, size_t H,
		       size_t NL, size_t L, size_t Hz, const double *w,
		       size_t nw, const double *y, const double *cov,
		       const double *fcov, const double *pred)
{
	struct tsp_rnn_arch a = { cell, ncov, H, NL, L, Hz };
	struct tsp_rnn m;
	struct tsp_error err;
	struct tsp_rnn_window win;
	double mean[16];

	tsp_error_clear(&err);
	CHECK(tsp_rnn_init(&m, &a, 1, &err) == 0, "init: %s", err.msg);
	CHECK(m.nw == nw, "seq2seq: %zu weights, torch %zu", m.nw, nw);
	memcpy(m.w, w, nw * sizeof(double));
	win.s.y = y;
	win.s.cov = cov;
	win.s.n = L;
	win.fcov = fcov;
	win.mean = mean;
	CHECK(tsp_rnn_forecast(&m, &win, 1, 1, &err) == 0, "%s", err.msg);
	CHECK(maxdiff(mean, pred, Hz) < 1e-6, "seq2seq %s: forecasts off by %g",
	      cell == TSP_RNN_GRU ? "gru" : "lstm", maxdiff(mean, pred, Hz));
	tsp_rnn_release(&m);
}

/* Training on a noisy sine: learns it, the same twice, survives the
 * store; threads change nothing but the summation order. */
static void training(enum tsp_rnn_cell cell)
{
	struct tsp_rnn_arch a = { cell, 0, 8, 1, 20, 5 };
	struct tsp_rnn m1, m2, m3;
	struct tsp_rnn_train_opts o;
	struct tsp_rnn_report r1, r2, r3;
	struct tsp_rnn_series s;
	struct tsp_rnn_window w;
	struct tsp_params p;
	struct tsp_error err;
	double y[400], f1[5], f3[5];
	uint64_t st = 5;
	const char *name = cell == TSP_RNN_GRU ? "gru" : "lstm";

	for (size_t i = 0; i < 400; i++) {
		st = st * 6364136223846793005ULL + 1442695040888963407ULL;
		y[i] = sin(2 * 3.14159265358979324 * (double)i / 20) +
		       0.1 * ((double)(st >> 11) * 0x1.0p-53 - 0.5);
	}
	y[100] = NAN;
	s.y = y;
	s.cov = NULL;
	s.n = 400;
	tsp_rnn_train_opts_default(&o);
	o.epochs = 30;
	o.batch = 16;
	o.levels[0] = 80;
	o.levels[1] = 95;
	o.nlevel = 2;
	tsp_error_clear(&err);
	CHECK(tsp_rnn_init(&m1, &a, 3, &err) == 0 &&
	      tsp_rnn_train(&m1, &s, 1, &o, &r1, &err) == 0, "%s", err.msg);
	/* variance 0.5: the noise alone is 0.1^2 / 12 */
	CHECK(r1.val_loss < 0.02, "%s: validation loss %g", name, r1.val_loss);
	CHECK(r1.windows > 250 && r1.val_windows > 50, "%s: %zu + %zu windows",
	      name, r1.windows, r1.val_windows);
	CHECK(m1.qlo[0] < 0 && m1.qhi[0] > 0 && m1.qlo[5] <= m1.qlo[0] &&
	      m1.qhi[5] >= m1.qhi[0] && m1.rsd[0] > 0,
	      "%s: interval quantiles %g %g %g %g", name, m1.qlo[0],
	      m1.qhi[0], m1.qlo[5], m1.qhi[5]);
	CHECK(tsp_rnn_init(&m2, &a, 3, &err) == 0 &&
	      tsp_rnn_train(&m2, &s, 1, &o, &r2, &err) == 0, "%s", err.msg);
	CHECK(memcmp(m1.w, m2.w, m1.nw * sizeof(double)) == 0 &&
	      r1.epochs == r2.epochs, "%s: two runs differ", name);
	tsp_rnn_release(&m2);
	o.threads = 3;
	CHECK(tsp_rnn_init(&m2, &a, 3, &err) == 0 &&
	      tsp_rnn_train(&m2, &s, 1, &o, &r2, &err) == 0, "%s", err.msg);
	CHECK(r2.val_loss < 0.02, "%s: 3 threads: validation loss %g", name,
	      r2.val_loss);
	CHECK(tsp_rnn_init(&m3, &a, 3, &err) == 0 &&
	      tsp_rnn_train(&m3, &s, 1, &o, &r3, &err) == 0, "%s", err.msg);
	CHECK(memcmp(m2.w, m3.w, m2.nw * sizeof(double)) == 0 &&
	      r2.epochs == r3.epochs, "%s: two runs on 3 threads differ", name);
	tsp_rnn_release(&m3);
	tsp_rnn_release(&m2);
	/* the double passes train as well */
	o.threads = 2;
	o.single = 0;
	CHECK(tsp_rnn_init(&m2, &a, 3, &err) == 0 &&
	      tsp_rnn_train(&m2, &s, 1, &o, &r2, &err) == 0, "%s", err.msg);
	CHECK(r2.val_loss < 0.02 && fabs(r2.val_loss - r1.val_loss) <
	      0.5 * r1.val_loss, "%s: double: validation loss %g, float %g",
	      name, r2.val_loss, r1.val_loss);
	o.single = 1;
	tsp_rnn_release(&m2);
	/* the store */
	tsp_params_init(&p);
	CHECK(tsp_rnn_save(&m1, &p, &err) == 0, "%s", err.msg);
	CHECK(tsp_rnn_load(&m3, p.buf, p.len, &err) == 0, "%s", err.msg);
	CHECK(m3.nw == m1.nw && memcmp(m1.w, m3.w, m1.nw * 8) == 0 &&
	      m3.nlevel == 2 && m3.qhi[9] == m1.qhi[9] &&
	      m3.rsd[4] == m1.rsd[4], "%s: store round trip", name);
	w.s = s;
	w.fcov = NULL;
	w.mean = f1;
	tsp_rnn_forecast(&m1, &w, 1, 1, &err);
	w.mean = f3;
	tsp_rnn_forecast(&m3, &w, 1, 1, &err);
	CHECK(memcmp(f1, f3, sizeof(f1)) == 0, "%s: loaded forecast", name);
	/* a window alone (transposed weights) or in a batch: the same bits */
	{
		struct tsp_rnn_window ws[3];
		double fb[15];
		for (size_t i = 0; i < 3; i++) {
			ws[i].s = s;
			ws[i].s.n = 300 + 7 * i;
			ws[i].fcov = NULL;
			ws[i].mean = fb + 5 * i;
		}
		CHECK(tsp_rnn_forecast(&m1, ws, 3, 1, &err) == 0, "%s", err.msg);
		for (size_t i = 0; i < 3; i++) {
			ws[i].mean = f3;
			tsp_rnn_forecast(&m1, ws + i, 1, 1, &err);
			CHECK(memcmp(f3, fb + 5 * i, sizeof(f3)) == 0,
			      "%s: window %zu alone differs from batch", name, i);
		}
		/* one at a time, kept between calls, fewer steps: the
		 * same bits as the batch's first steps */
		for (size_t k = 0; k < 3; k++)
			for (size_t i = 0, steps = 5 - 2 * k; i < 3; i++) {
				memset(f3, 0, sizeof(f3));
				ws[i].mean = f3;
				CHECK(tsp_rnn_forecast_one(&m1, ws + i, steps,
							   &err) == 0 &&
				      m1.one != NULL, "%s", err.msg);
				CHECK(memcmp(f3, fb + 5 * i, steps *
					     sizeof(double)) == 0 &&
				      (steps == 5 || f3[steps] == 0),
				      "%s: window %zu, %zu steps, kept "
				      "workspace: differs from batch", name, i,
				      steps);
			}
		/* training drops what was kept: forecasts follow the new
		 * weights */
		tsp_rnn_forecast_one(&m3, ws, 5, &err);
		o.epochs = 1;
		CHECK(tsp_rnn_train(&m3, &s, 1, &o, &r3, &err) == 0 &&
		      m3.one == NULL, "%s: train keeps a stale forecaster",
		      name);
		o.epochs = 30;
		ws[0].mean = f3;
		tsp_rnn_forecast_one(&m3, ws, 5, &err);
		ws[0].mean = fb;
		tsp_rnn_forecast(&m3, ws, 1, 1, &err);
		CHECK(memcmp(f3, fb, sizeof(f3)) == 0, "%s: forecast after "
		      "training again", name);
	}
	/* a sine continues: the next 5 points */
	for (size_t k = 0; k < 5; k++)
		CHECK(fabs(f1[k] - sin(2 * 3.14159265358979324 * (double)(400 + k) / 20)) < 0.2,
		      "%s: forecast %zu %g", name, k, f1[k]);
	tsp_rnn_release(&m3);
	p.len = 20;	/* cut short: corrupt */
	CHECK(tsp_rnn_load(&m3, p.buf, p.len, &err) < 0 &&
	      strstr(err.msg, "corrupt"), "%s: cut entry: %s", name, err.msg);
	tsp_rnn_release(&m3);
	/* too short for a window */
	s.n = 24;
	tsp_rnn_release(&m2);
	CHECK(tsp_rnn_init(&m2, &a, 3, &err) == 0 &&
	      tsp_rnn_train(&m2, &s, 1, &o, &r3, &err) < 0 &&
	      err.code == TSP_EDATA, "%s: short series: %s", name, err.msg);
	tsp_rnn_release(&m2);
	tsp_params_release(&p);
	tsp_rnn_release(&m1);
}

/*
 * The float passes for AVX2 and for any CPU give the same bits (no fused
 * multiply-add, the same order of every sum): a network trains the same
 * on every x86-64.
 */
static void same_bits(enum tsp_rnn_cell cell, size_t layers, size_t B)
{
	struct tsp_rnn_arch a = { cell, 2, 13, layers, 9, 4 };
	struct tsp_rnn m;
	struct tsp_error err;
	struct rnn_wsf ws;
	double y[60], cov[120];
	float *wf, *g[2], *p[2];
	struct tsp_rnn_series s = { y, cov, 60 };

#if RNN_HAVE_FAVX
	if (!__builtin_cpu_supports("avx2"))
		return;
#else
	return;
#endif
	tsp_error_clear(&err);
	make_series(y, cov, 60, 2, 0.3);
	CHECK(tsp_rnn_init(&m, &a, 11, &err) == 0, "%s", err.msg);
	wf = malloc(m.nw * sizeof(*wf));
	for (size_t i = 0; i < m.nw; i++)
		wf[i] = (float)(2 * m.w[i]);
	CHECK(rnn_ws_init_f(&ws, &m, B, 1, &err) == 0, "%s", err.msg);
	for (int k = 0; k < 2; k++) {
		g[k] = malloc(m.nw * sizeof(float));
		p[k] = malloc(4 * B * sizeof(float));
		for (size_t b = 0; b < B; b++)
			rnn_ws_fill_f(&m, &ws, B, b, &s, (long)(3 * b), NULL, 1);
		memset(ws.grad, 0, m.nw * sizeof(float));
		if (k == 0) {
			rnn_forward_fgen(&m, wf, &ws, B);
			rnn_backward_fgen(&m, wf, &ws, B, 0.01);
		} else {
			rnn_forward_favx(&m, wf, &ws, B);
			rnn_backward_favx(&m, wf, &ws, B, 0.01);
		}
		memcpy(g[k], ws.grad, m.nw * sizeof(float));
		memcpy(p[k], ws.pred, 4 * B * sizeof(float));
	}
	CHECK(memcmp(p[0], p[1], 4 * B * sizeof(float)) == 0 &&
	      memcmp(g[0], g[1], m.nw * sizeof(float)) == 0,
	      "%s %zu layers, %zu windows: AVX2 and generic float passes "
	      "differ", cell == TSP_RNN_GRU ? "gru" : "lstm", layers, B);
	for (int k = 0; k < 2; k++) {
		free(g[k]);
		free(p[k]);
	}
	free(wf);
	rnn_ws_release_f(&ws);
	tsp_rnn_release(&m);
}

int main(void)
{
	same_bits(TSP_RNN_GRU, 1, 21);
	same_bits(TSP_RNN_GRU, 2, 32);
	same_bits(TSP_RNN_LSTM, 1, 32);
	same_bits(TSP_RNN_LSTM, 2, 19);
	training(TSP_RNN_GRU);
	training(TSP_RNN_LSTM);
	stack_parity(TSP_RNN_GRU, 0, REF_GRU_I, REF_GRU_H, REF_GRU_L,
		     REF_GRU_T, ref_gru_w, sizeof(ref_gru_w) / 8, ref_gru_x,
		     ref_gru_h0, NULL, ref_gru_out, ref_gru_hn, NULL);
	stack_parity(TSP_RNN_GRU, 1, REF_GRU_I, REF_GRU_H, REF_GRU_L,
		     REF_GRU_T, ref_gru_w, sizeof(ref_gru_w) / 8, ref_gru_x,
		     ref_gru_h0, NULL, ref_gru_out, ref_gru_hn, NULL);
	stack_parity(TSP_RNN_LSTM, 0, REF_LSTM_I, REF_LSTM_H, REF_LSTM_L,
		     REF_LSTM_T, ref_lstm_w, sizeof(ref_lstm_w) / 8,
		     ref_lstm_x, ref_lstm_h0, ref_lstm_c0, ref_lstm_out,
		     ref_lstm_hn, ref_lstm_cn);
	stack_parity(TSP_RNN_LSTM, 1, REF_LSTM_I, REF_LSTM_H, REF_LSTM_L,
		     REF_LSTM_T, ref_lstm_w, sizeof(ref_lstm_w) / 8,
		     ref_lstm_x, ref_lstm_h0, ref_lstm_c0, ref_lstm_out,
		     ref_lstm_hn, ref_lstm_cn);
	s2s_parity(TSP_RNN_GRU, REF_S2S_GRU_NCOV, REF_S2S_GRU_H,
		   REF_S2S_GRU_LAYERS, REF_S2S_GRU_LOOKBACK,
		   REF_S2S_GRU_HORIZON, ref_s2s_gru_w,
		   sizeof(ref_s2s_gru_w) / 8, ref_s2s_gru_y, ref_s2s_gru_cov,
		   ref_s2s_gru_fcov, ref_s2s_gru_pred);
	s2s_parity(TSP_RNN_LSTM, REF_S2S_LSTM_NCOV, REF_S2S_LSTM_H,
		   REF_S2S_LSTM_LAYERS, REF_S2S_LSTM_LOOKBACK,
		   REF_S2S_LSTM_HORIZON, ref_s2s_lstm_w,
		   sizeof(ref_s2s_lstm_w) / 8, ref_s2s_lstm_y,
		   ref_s2s_lstm_cov, ref_s2s_lstm_fcov, ref_s2s_lstm_pred);
	grad_check(TSP_RNN_GRU, 1);
	grad_check(TSP_RNN_GRU, 2);
	grad_check(TSP_RNN_LSTM, 1);
	grad_check(TSP_RNN_LSTM, 2);
	return t_done();
}
