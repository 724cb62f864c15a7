/* taylor.c - the Taylor-remainder test (see taylor.h). */
#include "taylor.h"

#include <float.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

#include <gsl/gsl_blas.h>
#include <gsl/gsl_nan.h>
#include <gsl/gsl_randist.h>

#include "core.h"

/* ---- the round-off floor ---------------------------------------------------------------------------------------
 * r_k = |(f(x + eps v) - f(x)) - eps g.v| is formed from three computed numbers. Each value of f carries its own
 * evaluation error (a loss summed over a batch: a few ulp of |f|), the subtraction and the product eps g.v one
 * rounding each. So r_k cannot be trusted below
 *     floor_k = FLOOR_ULPS * DBL_EPSILON * (|f(x)| + |f(x + eps_k v)| + |eps_k g.v|),
 * and a residual counts as CLEAN when it exceeds CLEAN_FACTOR floors: then the noise moves the rate
 * log2(r_k / r_{k+1}) by at most about 2 / (CLEAN_FACTOR ln 2) < 0.1. */
#define FLOOR_ULPS 4.0
#define CLEAN_FACTOR 32.0

/* The median of n values (n <= BP_TAYLOR_LAST_RATES), sorted in place. */
static double median(double *a, size_t n) {
  for (size_t i = 1; i < n; i++)
    for (size_t j = i; j > 0 && a[j - 1] > a[j]; j--) {
      double t = a[j];
      a[j] = a[j - 1];
      a[j - 1] = t;
    }
  return (n % 2) ? a[n / 2] : 0.5 * (a[n / 2 - 1] + a[n / 2]);
}

/* Sets observed_rate, verdict and reason from the residuals and rates. */
static void judge(bp_taylor_result *r) {
  size_t n_clean = 0, last_clean = 0;
  for (size_t k = 0; k < r->n; k++)
    if (r->clean[k]) n_clean++, last_clean = k;
  if (r->n_rates == 0) {
    r->verdict = BP_VERDICT_NO_SIGNAL;
    if (n_clean == 0)
      snprintf(r->reason, sizeof r->reason,
               "every residual is at the round-off floor (r_0 = %.3g, floor %.3g): f is linear along v to "
               "round-off and g.v matches it, so the remainder says nothing about g; try another direction",
               r->residual[0], r->floor[0]);
    else
      snprintf(r->reason, sizeof r->reason,
               "only %zu residual(s) above the round-off floor and no two in a row: no rate can be measured", n_clean);
    return;
  }
  /* The last clean rates: the smallest eps, where the leading order of the remainder shows. */
  double last[BP_TAYLOR_LAST_RATES];
  size_t m = 0;
  for (size_t k = r->n - 1; k-- > 0 && m < BP_TAYLOR_LAST_RATES;)
    if (!isnan(r->rate[k])) last[m++] = r->rate[k];
  r->observed_rate = median(last, m);
  /* At rate ~ 1, r_k / eps_k is |(grad f - g).v|, the size of the error along v. */
  double err_along_v = r->residual[last_clean] / r->eps[last_clean];
  if (r->observed_rate >= BP_TAYLOR_PASS_RATE) {
    r->verdict = BP_VERDICT_PASS;
    snprintf(r->reason, sizeof r->reason,
             "the remainder falls at rate %.2f (median of the last %zu clean rates): second order, as for a "
             "correct gradient",
             r->observed_rate, m);
  } else if (fabs(r->observed_rate - 1.0) <= 0.2) {
    r->verdict = BP_VERDICT_FAIL;
    snprintf(r->reason, sizeof r->reason,
             "the remainder falls at rate %.2f (median of the last %zu clean rates): first order, so g.v = %.6g "
             "is off the directional derivative by about %.3g",
             r->observed_rate, m, r->gv, err_along_v);
  } else {
    r->verdict = BP_VERDICT_FAIL;
    snprintf(r->reason, sizeof r->reason,
             "the remainder falls at rate %.2f (median of the last %zu clean rates), below %.1f: the first-order "
             "term does not cancel (a small error in g.v, or f is not smooth near x)",
             r->observed_rate, m, BP_TAYLOR_PASS_RATE);
  }
}

int bp_taylor_test(const bp_fd_problem *p, gsl_vector *x, const gsl_vector *g, const gsl_vector *v,
                   bp_taylor_result *r) {
  if (p == NULL || p->f == NULL || x == NULL || g == NULL || v == NULL || r == NULL)
    BP_ERROR(GSL_EINVAL, "bp_taylor_test: the problem, its function, x, g, v and the result must all be given");
  if (g->size != x->size || v->size != x->size)
    BP_ERROR(GSL_EBADLEN, "bp_taylor_test: x has %zu entries but g has %zu and v %zu", x->size, g->size, v->size);
  double x_norm = gsl_blas_dnrm2(x), v_norm = gsl_blas_dnrm2(v), gv = 0.0;
  if (!isfinite(x_norm)) BP_ERROR(GSL_EINVAL, "bp_taylor_test: x is not finite");
  if (!(v_norm > 0.0) || !isfinite(v_norm))
    BP_ERROR(GSL_EINVAL, "bp_taylor_test: the direction v must be non-zero and finite (||v|| = %g)", v_norm);
  gsl_blas_ddot(g, v, &gv);
  if (!isfinite(gv)) BP_ERROR(GSL_EDOM, "bp_taylor_test: g.v is not finite (%g)", gv);

  memset(r, 0, sizeof *r);
  r->n = BP_TAYLOR_STEPS;
  r->gv = gv;
  r->observed_rate = GSL_NAN;
  for (size_t k = 0; k + 1 < BP_TAYLOR_STEPS; k++) r->rate[k] = GSL_NAN;

  gsl_vector *x0 = bp_vector_alloc(x->size), *y = bp_vector_alloc(1);
  int status = (x0 && y) ? GSL_SUCCESS : GSL_ENOMEM;
  if (status) goto out;
  gsl_vector_memcpy(x0, x);
  status = p->f(x, y, p->params);
  if (status) goto out;
  r->f0 = gsl_vector_get(y, 0);
  if (!isfinite(r->f0)) {
    bp_error_set("bp_taylor_test: f(x) is not finite (%g)", r->f0);
    status = GSL_EDOM;
    goto out;
  }
  /* eps_0 ||v|| = EPS0_REL max(||x||, 1): the first step is small against x itself; halvings are exact. */
  double eps0 = BP_TAYLOR_EPS0_REL * fmax(x_norm, 1.0) / v_norm;
  for (size_t k = 0; k < BP_TAYLOR_STEPS; k++) {
    double eps = ldexp(eps0, -(int)k);
    for (size_t i = 0; i < x->size; i++) gsl_vector_set(x, i, gsl_vector_get(x0, i) + eps * gsl_vector_get(v, i));
    status = p->f(x, y, p->params);
    gsl_vector_memcpy(x, x0); /* restored at once, bit for bit, whatever f returned */
    if (status) goto out;
    double f1 = gsl_vector_get(y, 0);
    if (!isfinite(f1)) {
      bp_error_set("bp_taylor_test: f(x + eps v) is not finite (%g) at eps = %g", f1, eps);
      status = GSL_EDOM;
      goto out;
    }
    r->eps[k] = eps;
    /* f(x + eps v) - f(x) first: the two are close, so the difference is exact (Sterbenz) up to their own
     * errors, and the remainder is not lost beside f itself. */
    r->residual[k] = fabs((f1 - r->f0) - eps * gv);
    r->floor[k] = FLOOR_ULPS * DBL_EPSILON * (fabs(r->f0) + fabs(f1) + fabs(eps * gv));
    r->clean[k] = r->residual[k] > CLEAN_FACTOR * r->floor[k];
  }
  for (size_t k = 0; k + 1 < BP_TAYLOR_STEPS; k++)
    if (r->clean[k] && r->clean[k + 1]) {
      r->rate[k] = log2(r->residual[k] / r->residual[k + 1]);
      r->n_rates++;
    }
  judge(r);
out:
  if (x0) gsl_vector_free(x0);
  if (y) gsl_vector_free(y);
  return status;
}

int bp_taylor_direction(gsl_rng *rng, gsl_vector *v) {
  if (rng == NULL || v == NULL || v->size == 0)
    BP_ERROR(GSL_EINVAL, "bp_taylor_direction: needs a generator and a non-empty vector");
  /* A standard Gaussian vector divided by its norm is uniform on the unit sphere: every direction, with both
   * signs, equally likely. A zero draw has probability zero; it is drawn again. */
  double norm = 0.0;
  while (!(norm > 0.0)) {
    for (size_t i = 0; i < v->size; i++) gsl_vector_set(v, i, gsl_ran_gaussian(rng, 1.0));
    norm = gsl_blas_dnrm2(v);
  }
  gsl_vector_scale(v, 1.0 / norm);
  return GSL_SUCCESS;
}
