/* taylor.h - the Taylor-remainder test: a step-free second opinion on a gradient (as pyadjoint's taylor_test).
 *
 * For a scalar f, a point x, a claimed gradient g and a direction v, Taylor's theorem gives
 *     r(eps) = |f(x + eps v) - f(x) - eps g.v| = O(eps^2)   when g is the gradient,
 *     r(eps) = |(grad f - g).v| eps + O(eps^2)               when it is not.
 * Halving eps divides r by 4 (rate log2(r_k / r_{k+1}) = 2) for a correct gradient and by 2 (rate 1) for a
 * wrong one. No step has to be tuned, and no entry is compared: one scalar per step, any size of x. A gradient
 * of the network (eq. (9)-(16), eq. (26)-(31)) is checked along a random direction drawn by bp_taylor_direction.
 *
 * The test only sees g.v: a gradient wrong only in directions orthogonal to v passes. Draw several directions,
 * or check entry by entry with fd.h, when that matters. */
#ifndef BP_TAYLOR_H
#define BP_TAYLOR_H

#include <gsl/gsl_rng.h>
#include <gsl/gsl_vector.h>

#include "gradcheck.h"

#ifdef __cplusplus
extern "C" {
#endif

/* eps_k = eps_0 / 2^k, k = 0..BP_TAYLOR_STEPS-1; eps_0 ||v|| = BP_TAYLOR_EPS0_REL max(||x||, 1): the first step
 * moves x by a hundredth of its own size, the last by 1/2048 of that, still far above round-off for a smooth f. */
#define BP_TAYLOR_STEPS 12
#define BP_TAYLOR_EPS0_REL 1e-2
/* The verdict is the median of the last BP_TAYLOR_LAST_RATES clean rates (the smallest eps, where the
 * asymptotic order shows): PASS at >= BP_TAYLOR_PASS_RATE. */
#define BP_TAYLOR_LAST_RATES 5
#define BP_TAYLOR_PASS_RATE 1.8

typedef struct {
  size_t n;                             /* steps taken: BP_TAYLOR_STEPS */
  double eps[BP_TAYLOR_STEPS];          /* eps_k = eps_0 / 2^k (exact halvings) */
  double residual[BP_TAYLOR_STEPS];     /* r_k = |f(x + eps_k v) - f(x) - eps_k g.v| */
  double floor[BP_TAYLOR_STEPS];        /* the round-off floor of r_k (taylor.c says how it is estimated) */
  unsigned char clean[BP_TAYLOR_STEPS]; /* 1 where r_k is clearly above its floor */
  double rate[BP_TAYLOR_STEPS - 1];     /* log2(r_k / r_{k+1}); NaN unless both residuals are clean */
  size_t n_rates;                       /* how many rates are not NaN */
  double observed_rate;                 /* median of the last clean rates (up to BP_TAYLOR_LAST_RATES); NaN if
                                          * there are none */
  double f0;                            /* f(x) */
  double gv;                            /* g.v, the claimed directional derivative */
  bp_verdict verdict;                   /* PASS (rate ~ 2), FAIL (rate ~ 1, or anything below 1.8), NO_SIGNAL
                                          * (too few residuals above the floor to measure a rate) */
  char reason[256];                     /* one line: why the verdict */
} bp_taylor_result;

/* Runs the test on f = p->f (y of length 1) at x with gradient g along v, all of one length. x is perturbed in
 * place (so a closure that reads the caller's vector, like bp_mlp_error_function on net->params, works) and
 * restored bit for bit, also on failure. A wrong gradient is a result (verdict FAIL), not an error. Errors:
 * GSL_EBADLEN for lengths that differ, GSL_EINVAL for a missing f, a zero or non-finite v or x, GSL_EDOM where
 * f or g.v is not finite, GSL_ENOMEM, or the status f returned. */
int bp_taylor_test(const bp_fd_problem *p, gsl_vector *x, const gsl_vector *g, const gsl_vector *v,
                   bp_taylor_result *r);

/* v = a random direction of unit 2-norm: independent Gaussian entries, normalised (uniform on the sphere).
 * GSL_EINVAL for an empty v. */
int bp_taylor_direction(gsl_rng *rng, gsl_vector *v);

#ifdef __cplusplus
}
#endif

#endif
