/*
 * Private to the ETS fitting files (ets_init.c, ets_opt.c, ets_fit.c):
 * R's initial states and admissibility, the objective and the
 * optimisers over it.  Not installed.
 */
#ifndef ETS_IMPL_H
#define ETS_IMPL_H

#include <stddef.h>

#include <gsl/gsl_vector.h>

#include "tsp_ets.h"

#define LIK_FLOOR -1e10		/* R's cap: avoid perfect fits */
#define BAD 1e300		/* objective outside the feasible set */
#define MAXP (4 + 2 + TSP_ETS_MAXM)
#define POLISH_IT 500		/* joint simplex after the alternation */

/* The profiled search depends on the trend, damping and whether there
 * is a season, not on the error type: the models of one automatic fit
 * share it. */
struct prof_cache {
	int ok[8];
	double z[8][4];
	double xs[8][MAXP];
};

struct obj {
	const double *y;
	size_t n;		/* length, missing included */
	double nn;		/* non-missing */
	int error, trend, season, damped;
	size_t m;		/* 1 unless seasonal */
	int crit;
	int est[4];		/* alpha beta gamma phi estimated? */
	double par[4];		/* fixed values / decoded estimates */
	double lo[4], hi[4];
	size_t nsm, nst;	/* estimated smoothing parameters, states */
	double u0[4];		/* start in logit space */
	double x0[MAXP], sc[MAXP];	/* states: x0 + sc * z */
	long nevals;
	double *X;		/* n x (nst + 1) scratch for the profile */
	double xs[MAXP];	/* free states of the last profile */
	int has_na;		/* y has missing values */
	struct prof_cache *pc;	/* profiles already searched, or NULL */
};

/* ets_init.c */
int ets_solve_small(double *a, double *b, int k);
int ets_initstate(const double *y, size_t n, int trend, int season,
		  size_t m, double *x, double *ysa);
int ets_admissible_seasonal(double alpha, double beta, double gamma,
			    double phi, size_t m);

/* ets_opt.c */
double ets_alternate(struct obj *o, double *z, size_t n, int multi);
void ets_decode_par(struct obj *o, const double *z, double *p);
void ets_encode_par(struct obj *o, const double *p);
int ets_full_state(const struct obj *o, const double *free_x, double *x);
int ets_mult_start(struct obj *o, const double *y, size_t n, double *z);
double ets_nm_run(struct obj *o, double (*fun)(const gsl_vector *, void *),
		  double *z, size_t dim, double step, double tol,
		  double ftol, int maxit);
double ets_objective(const gsl_vector *zv, void *ctx);
double ets_objective_at(struct obj *o, const double *z, size_t dim);
double ets_profile_search(struct obj *o, double *zp);
double ets_logistic(double u);
double ets_logit(double p);

#endif
