/*
 * Fitting ETS models as forecast::ets() does: R's initial states
 * (initstate), R's starting parameters (initparam), the likelihood of
 * etscalc inside R's "both" bounds searched by R's own simplex
 * (ets_opt.c), and R's model search over the fits.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <gsl/gsl_errno.h>
#include <gsl/gsl_multimin.h>

#include "ets_impl.h"

static double logistic(double u)
{
	return 1.0 / (1.0 + exp(-u));
}

static double logit(double p)
{
	if (p < 1e-9)
		p = 1e-9;
	if (p > 1.0 - 1e-9)
		p = 1.0 - 1e-9;
	return log(p / (1.0 - p));
}

/* R's default bounds: alpha, beta, gamma, phi */
static const double lower0[4] = {1e-4, 1e-4, 1e-4, 0.8};
static const double upper0[4] = {0.9999, 0.9999, 0.9999, 0.98};

void tsp_ets_opts_default(struct tsp_ets_opts *o, size_t m)
{
	memset(o, 0, sizeof(*o));
	o->error = o->trend = o->season = o->damped = TSP_ETS_CHOOSE;
	o->m = m < 1 ? 1 : m;
	o->crit = TSP_ETS_CRIT_LIK;
	o->ic = TSP_ETS_AICC;
	o->alpha = o->beta = o->gamma = o->phi = NAN;
	o->allow_mult_trend = 0;
	o->maxit = RNM_MAXIT;
}

/* ---- one model (R's etsmodel) ---------------------------------------- */

struct cand {
	int error, trend, season, damped;
};

/* One model in the making: R's objective and the search's point. */
struct job {
	struct cand c;
	struct obj o;
	double par[MAXP];	/* raw smoothing parameters, free states */
	size_t np;
	double val;		/* the search's value, NAN if it failed */
	int ok;			/* prepared */
};

/*
 * Set up R's etsmodel for candidate c: bounds, R's starting values
 * (initparam) and initial states (initstate).  Returns 0, or -1 if it
 * cannot be fitted (too few data, no feasible start: R's try()
 * failing).
 */
static int prepare(struct job *jb, const double *y, size_t n, size_t nn,
		   size_t period, const struct cand *c,
		   const struct tsp_ets_opts *op, double *scratch)
{
	struct obj o;
	double fixed[4] = {op->alpha, op->beta, op->gamma, op->phi};
	double start[4], xs[MAXP];
	size_t q = 0;
	int k;

	jb->val = NAN;
	memset(&o, 0, sizeof(o));
	o.y = y;
	o.n = n;
	o.nn = (double)nn;
	o.error = c->error;
	o.trend = c->trend;
	o.season = c->season;
	o.damped = c->damped;
	o.m = c->season != TSP_ETS_N ? period : 1;
	o.crit = op->crit;
	memcpy(o.lo, lower0, sizeof(o.lo));
	memcpy(o.hi, upper0, sizeof(o.hi));
	/* etsmodel narrows the bounds around fixed values */
	if (!isnan(fixed[0])) {
		o.hi[1] = fmin(fixed[0], o.hi[1]);
		o.hi[2] = fmin(1.0 - fixed[0], o.hi[2]);
	}
	if (!isnan(fixed[1]))
		o.lo[0] = fmax(fixed[1], o.lo[0]);
	if (!isnan(fixed[2]))
		o.hi[0] = fmin(1.0 - fixed[2], o.hi[0]);
	/* initparam */
	o.est[0] = isnan(fixed[0]);
	o.est[1] = c->trend != TSP_ETS_N && isnan(fixed[1]);
	o.est[2] = c->season != TSP_ETS_N && isnan(fixed[2]);
	o.est[3] = c->damped && isnan(fixed[3]);
	start[0] = o.est[0] ? o.lo[0] + 0.2 * (o.hi[0] - o.lo[0]) / (double)o.m
			    : fixed[0];
	if (start[0] > 1.0 || start[0] < 0.0)
		start[0] = o.lo[0] + 0.002;
	start[1] = c->trend == TSP_ETS_N ? 0.0 : fixed[1];
	if (o.est[1]) {
		double hi = fmin(o.hi[1], start[0]);
		start[1] = o.lo[1] + 0.1 * (hi - o.lo[1]);
		if (start[1] < 0.0 || start[1] > start[0])
			start[1] = start[0] - 0.001;
	}
	start[2] = c->season == TSP_ETS_N ? 0.0 : fixed[2];
	if (o.est[2]) {
		double hi = fmin(o.hi[2], 1.0 - start[0]);
		start[2] = o.lo[2] + 0.05 * (hi - o.lo[2]);
		if (start[2] < 0.0 || start[2] > 1.0 - start[0])
			start[2] = 1.0 - start[0] - 0.001;
	}
	start[3] = c->damped ? fixed[3] : 1.0;
	if (o.est[3]) {
		start[3] = o.lo[3] + 0.99 * (o.hi[3] - o.lo[3]);
		if (start[3] < 0.0 || start[3] > 1.0)
			start[3] = o.hi[3] - 0.001;
	}
	/* check.param on the start (fixed values included) */
	if (start[0] < o.lo[0] || start[0] > o.hi[0] ||
	    (c->trend != TSP_ETS_N && (start[1] < o.lo[1] || start[1] > start[0]
				       || start[1] > o.hi[1])) ||
	    (c->damped && (start[3] < o.lo[3] || start[3] > o.hi[3])) ||
	    (c->season != TSP_ETS_N && (start[2] < o.lo[2] ||
					start[2] > 1.0 - start[0] ||
					start[2] > o.hi[2])) ||
	    (c->season != TSP_ETS_N &&
	     !ets_admissible_seasonal(start[0], start[1], start[2], start[3], o.m)))
		return -1;
	memcpy(o.par, start, sizeof(o.par));
	for (int i = 0; i < 4; i++)
		o.nsm += (size_t)o.est[i];
	k = ets_initstate(y, n, c->trend, c->season, o.m, xs, scratch);
	if (k < 0)
		return -1;
	o.nst = (size_t)k;
	if (o.nsm + o.nst >= nn - 1)
		return -1;	/* etsmodel: np >= length(y) - 1 */
	/* R's search starts from the parameters estimated, then the free
	   initial states */
	for (int i = 0; i < 4; i++)
		if (o.est[i])
			jb->par[q++] = start[i];
	memcpy(jb->par + q, xs, o.nst * sizeof(double));
	jb->np = q + o.nst;
	jb->o = o;
	jb->c = *c;
	return 0;
}

/* The model of a finished search; -1 if it failed. */
static int finish(const struct job *jb, const struct tsp_ets_opts *op,
		  struct tsp_ets_model *out)
{
	const struct obj *o = &jb->o;
	const struct cand *c = &jb->c;
	double fixed[4] = {op->alpha, op->beta, op->gamma, op->phi};
	double p[4], x[MAXP];
	size_t q = 0;

	if (isnan(jb->val))
		return -1;	/* R: not finite at the start */
	memcpy(p, o->par, sizeof(p));
	for (int i = 0; i < 4; i++)
		if (o->est[i])
			p[i] = jb->par[q++];
	if (ets_full_state(o, jb->par + q, x) < 0)
		return -1;
	memset(out, 0, sizeof(*out));
	out->error = c->error;
	out->trend = c->trend;
	out->season = c->season;
	out->damped = c->damped;
	out->m = o->m;
	out->alpha = p[0];
	out->beta = c->trend != TSP_ETS_N ? p[1] : 0.0;
	out->gamma = c->season != TSP_ETS_N ? p[2] : 0.0;
	out->phi = c->damped ? p[3] : 1.0;
	out->l0 = x[0];
	out->b0 = c->trend != TSP_ETS_N ? x[1] : 0.0;
	if (c->season != TSP_ETS_N)
		memcpy(out->s0, x + 1 + (c->trend != TSP_ETS_N),
		       o->m * sizeof(double));
	out->npar = o->nsm + o->nst;
	out->nfixed = 0;
	for (int i = 0; i < 4; i++)
		if (!isnan(fixed[i]) &&
		    (i == 0 || (i == 1 && c->trend != TSP_ETS_N) ||
		     (i == 2 && c->season != TSP_ETS_N) ||
		     (i == 3 && c->damped)))
			out->nfixed++;
	return 0;
}

/* ---- R's HoltWintersZZ for very short series ------------------------ */

struct hw {
	const double *y;
	size_t n;
	int trend;		/* 0 none, 1 additive */
	int est[2];
	double fix[2];
	double l0, b0;
};

/* SSE of Holt's recursion (zzhw), non-seasonal, phi 1; fills the final
 * level/slope. */
static double hw_sse(const struct hw *h, double alpha, double beta,
		     double *lf, double *bf)
{
	double l = h->l0, b = h->trend ? h->b0 : 0.0, sse = 0.0;

	for (size_t i = 0; i < h->n; i++) {
		double f = l + b, ln;
		if (isnan(h->y[i])) {
			l = f;
			continue;
		}
		sse += (h->y[i] - f) * (h->y[i] - f);
		ln = alpha * h->y[i] + (1.0 - alpha) * f;
		if (h->trend)
			b = beta * (ln - l) + (1.0 - beta) * b;
		l = ln;
	}
	if (lf)
		*lf = l;
	if (bf)
		*bf = b;
	return sse;
}

static void hw_decode(const struct hw *h, const double *z, double *a,
		      double *b)
{
	size_t k = 0;

	*a = h->est[0] ? logistic(z[k++]) : h->fix[0];
	*b = h->trend ? (h->est[1] ? logistic(z[k++]) : h->fix[1]) : 0.0;
}

static double hw_obj(const gsl_vector *zv, void *ctx)
{
	const struct hw *h = ctx;
	double z[2] = {0, 0}, a, b;

	for (size_t i = 0; i < zv->size; i++)
		z[i] = gsl_vector_get(zv, i);
	hw_decode(h, z, &a, &b);
	return hw_sse(h, a, b, NULL, NULL);
}

/*
 * HoltWintersZZ(y, beta = trend ? NULL : FALSE, gamma = FALSE): l0 =
 * first value, b0 = second - first; parameters in [0, 1] minimising the
 * SSE from initparam's start (R's L-BFGS-B; here Nelder-Mead on the
 * logit).  Returns 0, or -1 if it cannot be fitted.
 */
static int fit_hw(const double *y, size_t n, int trend,
		  const struct tsp_ets_opts *op, struct tsp_ets_model *out,
		  double *sigma2)
{
	struct hw h = {y, n, trend, {0, 0}, {op->alpha, op->beta}, 0, 0};
	double z[2] = {0, 0}, a, b, lf, bf, sse;
	size_t dim = 0, first = n, nn = 0;

	for (size_t i = 0; i < n; i++)
		if (!isnan(y[i])) {
			if (first == n)
				first = i;
			nn++;
		}
	if (first == n || (trend && (first + 1 >= n || isnan(y[first + 1]))))
		return -1;
	/* the states run from the first value on */
	h.y = y + first;
	h.n = n - first;
	h.l0 = y[first];
	h.b0 = trend ? y[first + 1] - y[first] : 0.0;
	h.est[0] = isnan(op->alpha);
	h.est[1] = trend && isnan(op->beta);
	if ((!h.est[0] && !(op->alpha > 0 && op->alpha <= 1)) ||
	    (trend && !h.est[1] && !(op->beta >= 0 && op->beta <= 1)))
		return -1;
	if (h.est[0])
		z[dim++] = logit(0.2);		/* initparam's start */
	if (h.est[1])
		z[dim++] = logit(0.1 * 0.2);
	if (dim > 0) {
		const gsl_multimin_fminimizer_type *T =
			gsl_multimin_fminimizer_nmsimplex2;
		gsl_multimin_fminimizer *s = gsl_multimin_fminimizer_alloc(T, dim);
		gsl_vector *x = gsl_vector_alloc(dim), *ss = gsl_vector_alloc(dim);
		gsl_multimin_function fn = {hw_obj, dim, &h};
		int ok = s && x && ss;
		if (ok) {
			for (size_t i = 0; i < dim; i++)
				gsl_vector_set(x, i, z[i]);
			gsl_vector_set_all(ss, 1.0);
			ok = gsl_multimin_fminimizer_set(s, &fn, x, ss) == GSL_SUCCESS;
		}
		for (int it = 0; ok && it < 2000; it++) {
			if (gsl_multimin_fminimizer_iterate(s) != GSL_SUCCESS ||
			    gsl_multimin_fminimizer_size(s) < 1e-8)
				break;
		}
		if (ok)
			for (size_t i = 0; i < dim; i++)
				z[i] = gsl_vector_get(gsl_multimin_fminimizer_x(s), i);
		if (s)
			gsl_multimin_fminimizer_free(s);
		if (x)
			gsl_vector_free(x);
		if (ss)
			gsl_vector_free(ss);
		if (!ok)
			return -2;
	}
	hw_decode(&h, z, &a, &b);
	sse = hw_sse(&h, a, b, &lf, &bf);
	memset(out, 0, sizeof(*out));
	out->error = TSP_ETS_A;
	out->trend = trend ? TSP_ETS_A : TSP_ETS_N;
	out->season = TSP_ETS_N;
	out->m = 1;
	out->alpha = a;
	/* zzhw's beta acts on the slope as beta/alpha does in etscalc */
	out->beta = trend ? a * b : 0.0;
	out->phi = 1.0;
	out->l0 = h.l0;
	out->b0 = h.b0;
	out->l = lf;
	out->b = bf;
	out->fallback = 1;
	*sigma2 = sse / (double)nn;
	return 0;
}

/* ---- R's ets() ------------------------------------------------------- */

static double ic_of(const struct tsp_ets_model *m, enum tsp_ets_ic ic)
{
	return ic == TSP_ETS_AIC ? m->aic : ic == TSP_ETS_BIC ? m->bic : m->aicc;
}

/* Finish a fallback fit: states over the data, sigma2 as R's
 * HoltWintersZZ (mean squared residual), no likelihood. */
static void finish_fallback(struct tsp_ets_model *out, const double *y,
			    size_t n, double *fitted, double sigma2)
{
	struct tsp_error e;

	out->npar = 0;
	tsp_ets_filter(out, y, n, fitted, &e);
	out->sigma2 = sigma2;
	out->loglik = out->aic = out->aicc = out->bic = NAN;
}

int tsp_ets_fit(const double *y, size_t n, const struct tsp_ets_opts *op,
		struct tsp_ets_model *out, double *fitted,
		struct tsp_error *err)
{
	size_t nn = 0, m = op->m < 1 ? 1 : op->m, nfit = n;
	double ymin = INFINITY, first = NAN;
	int constant = 1, dropped = 0;
	int errs[2], trs[3], sns[3], dms[2], ne = 0, nt = 0, ns = 0, nd = 0;
	int etype = op->error, ttype = op->trend, stype = op->season;
	double *scratch;
	struct job jobs[2 * 3 * 3 * 2];
	size_t nj = 0;
	struct tsp_ets_model best, cur;
	double best_ic = INFINITY;
	int found = 0;

	for (size_t i = 0; i < n; i++) {
		if (isnan(y[i]))
			continue;
		if (isinf(y[i]))
			return tsp_error_set(err, TSP_EDATA,
				"ets: infinite value at observation %zu", i + 1);
		if (isnan(first))
			first = y[i];
		else if (y[i] != first)
			constant = 0;
		ymin = fmin(ymin, y[i]);
		nn++;
	}
	if (nn == 0)
		return tsp_error_set(err, TSP_EDATA, "ets: no data");
	if ((etype < -1 || etype == TSP_ETS_N || etype > 2) || ttype < -1 ||
	    ttype > 2 || stype < -1 || stype > 2 || op->damped < -1 ||
	    op->damped > 1)
		return tsp_error_set(err, TSP_EUSAGE, "ets: bad model component");
	if ((!isnan(op->alpha) && !(op->alpha > 0 && op->alpha < 1)) ||
	    (!isnan(op->beta) && !(op->beta > 0 && op->beta < 1)) ||
	    (!isnan(op->gamma) && !(op->gamma > 0 && op->gamma < 1)) ||
	    (!isnan(op->phi) && !(op->phi > 0 && op->phi <= 1)))
		return tsp_error_set(err, TSP_EUSAGE,
				     "ets: fixed parameter out of range");
	/* R: ets(y) on a constant series is ses(y, alpha = 0.99999,
	   initial = "simple") */
	if (constant && etype < 0 && ttype < 0 && stype < 0) {
		struct tsp_ets_opts o1 = *op;
		double s2;
		o1.alpha = 0.99999;
		if (fit_hw(y, n, 0, &o1, out, &s2) < 0)
			return tsp_error_set(err, TSP_EDATA, "ets: no data");
		finish_fallback(out, y, n, fitted, s2);
		return 0;
	}
	if (m < 2 || nn <= m) {
		if (m < 2 && stype > 0)
			return tsp_error_set(err, TSP_EUSAGE,
					     "ets: seasonal model for non-seasonal data");
		if (stype != TSP_ETS_N)
			stype = TSP_ETS_N;
	}
	if (m > TSP_ETS_MAXM) {
		if (stype > 0)
			return tsp_error_set(err, TSP_EUSAGE,
				"ets: seasonal period %zu too long (at most %d)",
				m, TSP_ETS_MAXM);
		if (stype == TSP_ETS_CHOOSE)
			dropped = 1;
		stype = TSP_ETS_N;
	}
	if ((etype == TSP_ETS_A && (ttype == TSP_ETS_M || stype == TSP_ETS_M)) ||
	    (etype == TSP_ETS_M && ttype == TSP_ETS_M && stype == TSP_ETS_A))
		return tsp_error_set(err, TSP_EUSAGE,
				     "ets: forbidden model combination");
	if (!(ymin > 0) && (etype == TSP_ETS_M || ttype == TSP_ETS_M ||
			    stype == TSP_ETS_M))
		return tsp_error_set(err, TSP_EDATA, "ets: multiplicative model "
				     "for data with zero or negative values");
	if (op->damped == 1 && ttype == TSP_ETS_N)
		return tsp_error_set(err, TSP_EUSAGE,
				     "ets: damped model without trend");

	/* R's short-series path: HoltWintersZZ */
	{
		size_t npars = 2;
		if (ttype > 0)
			npars += 2;
		if (stype > 0)
			npars += m;
		if (op->damped == 1)
			npars++;
		if (nn <= npars + 4) {
			struct tsp_ets_model f1, f2;
			double s1 = INFINITY, s2 = INFINITY;
			int r1 = -1, r2 = -1;
			if (ttype != TSP_ETS_N && ttype != TSP_ETS_M)
				r1 = fit_hw(y, n, 1, op, &f1, &s1);
			if (ttype <= 0 || r1 < 0)
				r2 = fit_hw(y, n, 0, op, &f2, &s2);
			if (r1 == -2 || r2 == -2)
				return tsp_error_set(err, TSP_ENOMEM, "out of memory");
			if (r1 < 0 && r2 < 0)
				return tsp_error_set(err, TSP_EDATA,
					"ets: unable to estimate a model");
			if (r1 == 0 && (ttype > 0 || r2 < 0 || s1 < s2)) {
				*out = f1;
				finish_fallback(out, y, n, fitted, s1);
			} else {
				*out = f2;
				finish_fallback(out, y, n, fitted, s2);
			}
			out->season_dropped = dropped;
			return 0;
		}
	}

	if (etype == TSP_ETS_CHOOSE) {
		errs[ne++] = TSP_ETS_A;
		errs[ne++] = TSP_ETS_M;
	} else {
		errs[ne++] = etype;
	}
	if (ttype == TSP_ETS_CHOOSE) {
		trs[nt++] = TSP_ETS_N;
		trs[nt++] = TSP_ETS_A;
		if (op->allow_mult_trend)
			trs[nt++] = TSP_ETS_M;
	} else {
		trs[nt++] = ttype;
	}
	if (stype == TSP_ETS_CHOOSE) {
		sns[ns++] = TSP_ETS_N;
		sns[ns++] = TSP_ETS_A;
		sns[ns++] = TSP_ETS_M;
	} else {
		sns[ns++] = stype;
	}
	if (op->damped == TSP_ETS_CHOOSE) {
		dms[nd++] = 1;
		dms[nd++] = 0;
	} else {
		dms[nd++] = op->damped;
	}
	/* missing values at the end tell nothing: the fit ends at the
	   last observation (the states run on through them after) */
	while (nfit > 0 && isnan(y[nfit - 1]))
		nfit--;
	scratch = malloc(n * sizeof(double));
	if (!scratch)
		return tsp_error_set(err, TSP_ENOMEM, "out of memory");
	for (int i = 0; i < ne; i++)
	for (int j = 0; j < nt; j++)
	for (int k = 0; k < ns; k++)
	for (int l = 0; l < nd; l++) {
		struct cand c = {errs[i], trs[j], sns[k], dms[l]};
		if (c.trend == TSP_ETS_N && c.damped)
			continue;
		if (c.error == TSP_ETS_A &&
		    (c.trend == TSP_ETS_M || c.season == TSP_ETS_M))
			continue;
		if (c.error == TSP_ETS_M && c.trend == TSP_ETS_M &&
		    c.season == TSP_ETS_A)
			continue;
		if (!(ymin > 0) && (c.error == TSP_ETS_M ||
				    c.trend == TSP_ETS_M || c.season == TSP_ETS_M))
			continue;
		jobs[nj].ok = prepare(&jobs[nj], y, nfit, nn, m, &c, op,
				      scratch) == 0;
		nj++;
	}
	free(scratch);
	/* The searches of models of one class (trend, season: damped or
	   not, either error) run side by side, up to NGROUP: their
	   recursions interleave; each search is the one it would be
	   alone.  Without a trend, seasons A and M go together: MNM
	   alone would be one chain of dependent steps. */
	for (size_t a = 0; a < nj; a++) {
		struct obj *og[NGROUP];
		double *pg[NGROUP], vg[NGROUP];
		size_t ng = 0, npg[NGROUP], ix[NGROUP];
		if (!jobs[a].ok || jobs[a].val == jobs[a].val)
			continue;
		ix[ng++] = a;
		for (size_t b = a + 1; b < nj && ng < NGROUP; b++)
			if (jobs[b].ok && jobs[b].val != jobs[b].val &&
			    jobs[b].c.trend == jobs[a].c.trend &&
			    (jobs[b].c.season == jobs[a].c.season ||
			     (jobs[a].c.trend == TSP_ETS_N &&
			      jobs[a].c.season != TSP_ETS_N &&
			      jobs[b].c.season != TSP_ETS_N)))
				ix[ng++] = b;
		for (size_t g = 0; g < ng; g++) {
			og[g] = &jobs[ix[g]].o;
			pg[g] = jobs[ix[g]].par;
			npg[g] = jobs[ix[g]].np;
		}
		ets_rnm_group(og, pg, npg, ng,
			      op->maxit > 0 ? op->maxit : RNM_MAXIT, vg);
		for (size_t g = 0; g < ng; g++)
			jobs[ix[g]].val = isnan(vg[g]) ? BAD : vg[g];
	}
	/* R's choice: the smallest criterion, the first of equals */
	for (size_t a = 0; a < nj; a++) {
		struct tsp_error e2;
		double v;
		if (!jobs[a].ok || !(jobs[a].val < BAD) ||
		    finish(&jobs[a], op, &cur) < 0 ||
		    tsp_ets_filter(&cur, y, n, NULL, &e2) < 0)
			continue;
		v = ic_of(&cur, op->ic);
		if (!isnan(v) && v < best_ic) {
			best = cur;
			best_ic = v;
			found = 1;
		}
	}
	if (!found)
		return tsp_error_set(err, TSP_EDATA, "ets: no model could be fitted");
	*out = best;
	if (tsp_ets_filter(out, y, n, fitted, err) < 0)
		return -1;
	out->season_dropped = dropped;
	return 0;
}
