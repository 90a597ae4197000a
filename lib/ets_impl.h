/*
 * Private to the ETS fitting files (ets_init.c, ets_opt.c, ets_fit.c):
 * R's initial states and admissibility, the objective and R's search
 * over it.  Not installed.
 */
#ifndef ETS_IMPL_H
#define ETS_IMPL_H

#include <stddef.h>

#include "tsp_ets.h"

#define LIK_FLOOR -1e10		/* R's cap: avoid perfect fits */
#define BAD 1e300		/* objective outside the feasible set */
#define MAXP (4 + 2 + TSP_ETS_MAXM)
#define RNM_MAXIT 2000		/* R's ets(maxit) */
#define NGROUP 4		/* searches run side by side */

/* One model being fitted. */
struct obj {
	const double *y;
	size_t n;		/* length, missing included */
	double nn;		/* non-missing */
	int error, trend, season, damped;
	size_t m;		/* 1 unless seasonal */
	int crit;
	int est[4];		/* alpha beta gamma phi estimated? */
	double par[4];		/* fixed values (and the start) */
	double lo[4], hi[4];	/* R's bounds, narrowed around fixed values */
	size_t nsm, nst;	/* estimated smoothing parameters, free states */
};

/* ets_init.c */
int ets_solve_small(double *a, double *b, int k);
int ets_initstate(const double *y, size_t n, int trend, int season,
		  size_t m, double *x, double *ysa);
int ets_admissible_seasonal(double alpha, double beta, double gamma,
			    double phi, size_t m);

/* ets_opt.c */
int ets_full_state(const struct obj *o, const double *free_x, double *x);
void ets_rnm_group(struct obj *const *o, double *const *par,
		   const size_t *np, size_t k, int maxit, double *val);

#endif
