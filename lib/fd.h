/* fd.h - finite-difference derivatives with error estimates, and the comparison of an analytic gradient or
 * Jacobian against them, returned as a struct (bp_gradcheck) that tests, the command and plots all read.
 *
 * A function under test maps x (length n) to y (length m). Its Jacobian J is m x n, J(r, j) = dy_r/dx_j; a
 * gradient is the case m = 1. The engine perturbs x in place one coordinate at a time and always restores it. */
#ifndef BP_FD_H
#define BP_FD_H

#include <gsl/gsl_machine.h>
#include <gsl/gsl_matrix.h>
#include <gsl/gsl_vector.h>

/* y = f(x). Returns a GSL status; a failure stops the difference and is passed on. */
typedef int (*bp_fd_function)(const gsl_vector *x, gsl_vector *y, void *params);

typedef enum {
  /* (f(x+h) - f(x-h)) / 2h, h = cbrt(eps) max(|x|, 1); estimate from the same rule at 2h. Where x + h or x + 2h
   * overflows, or f is not finite there, the second-order backward rule (3 f(x) - 4 f(x-h) + f(x-2h)) / 2h with
   * its estimate from x, x-2h, x-4h; symmetrically the forward rule. An entry no rule can take (f is not finite
   * at x itself) is NaN with an infinite estimate: the verdict reports it as non-finite. Differences are formed
   * so that they cannot overflow while the derivative is finite. */
  BP_FD_CENTRAL,
  /* gsl_deriv_central: 5-point rule, adaptive step, GSL's own error estimate; gsl_deriv_backward or _forward where
   * the central result is not finite (same cases as above) */
  BP_FD_GSL
} bp_fd_method;
#define BP_FD_N_METHODS 2

const char *bp_fd_method_name(bp_fd_method method);
/* GSL_EINVAL (with a message listing the methods) for an unknown name. */
int bp_fd_method_parse(const char *name, bp_fd_method *method);
/* The step the method starts from at coordinate value x (see each method above). */
double bp_fd_step(bp_fd_method method, double x);

/* J = the numeric Jacobian of f at x, J_err its per-entry absolute error estimate (may be NULL).
 * J is m x n with m the length of y. x is restored bit for bit before returning, also on failure. The round-off
 * part of an estimate allows each value of f 2 ulp, and at least 2 DBL_TRUE_MIN where the values are subnormal. */
int bp_fd_jacobian(bp_fd_method method, bp_fd_function f, void *params, gsl_vector *x, gsl_matrix *J,
                   gsl_matrix *J_err);

/* ---- the verdict ---------------------------------------------------------------------------------------------
 * Entry i, with analytic a, numeric n and the numeric derivative's error estimate e, is measured by
 *     rel_err = |a - n| / max(|a|, |n|, floor),   floor = est_factor * e / rtol,
 * and passes when rel_err <= rtol. So an entry passes when it agrees to rtol relatively, or when |a - n| is
 * within est_factor times what the difference itself cannot resolve: tiny entries are judged against the
 * difference's own noise, not against their own size. Both sides zero gives rel_err = 0. A non-finite side
 * fails. The whole check is NO_SIGNAL when every entry passes but every analytic entry is zero: a gradient
 * that is zero everywhere tells a right implementation from a wrong one nowhere (a zero gradient against a
 * non-zero numeric one is an ordinary FAIL). */
typedef enum { BP_VERDICT_PASS, BP_VERDICT_FAIL, BP_VERDICT_NO_SIGNAL } bp_verdict;
const char *bp_verdict_name(bp_verdict v);

typedef struct {
  double rtol;       /* relative tolerance */
  double est_factor; /* how many error estimates of slack a tiny entry gets */
} bp_tolerance;

/* The bands students are taught for relative error: > 1e-2 wrong, 1e-2..1e-4 suspicious, 1e-4..1e-7 fine only
 * at kinks, < 1e-7 good. Finite-difference checks ask for "good". */
#define BP_RTOL_GOOD 1e-7
/* Comparing two closed forms of one quantity (an identity): a few thousand ulp leaves room for the
 * cancellation in the naive forms (1 - x for x near 1) at the moderate points where identities are checked. */
#define BP_RTOL_IDENTITY (4096 * GSL_DBL_EPSILON)
#define BP_EST_FACTOR 4.0
bp_tolerance bp_tolerance_default(void);  /* BP_RTOL_GOOD, BP_EST_FACTOR */
bp_tolerance bp_tolerance_identity(void); /* BP_RTOL_IDENTITY, no estimate */

typedef struct {
  size_t size;                             /* entries compared */
  gsl_vector *analytic, *numeric, *estimate; /* inputs: filled by the caller or by bp_gradcheck_jacobian */
  gsl_vector *abs_err, *rel_err;           /* outputs of bp_gradcheck_compare */
  gsl_vector_uchar *passed;                /* 1 where the entry passes */
  size_t worst;                            /* the entry with the largest rel_err (a non-finite one first) */
  double max_abs_err, max_rel_err;
  double norm_rel_err;                     /* ||a - n||_2 / ||n||_2 over all entries */
  size_t n_failed, n_nonfinite;
  bp_verdict verdict;
  bp_tolerance tol;
} bp_gradcheck;

bp_gradcheck *bp_gradcheck_alloc(size_t size);
void bp_gradcheck_free(bp_gradcheck *gc);
/* Measures every entry from analytic, numeric and estimate and sets the summary and verdict. */
int bp_gradcheck_compare(bp_gradcheck *gc, const bp_tolerance *tol);
/* Numeric Jacobian of f at x by `method`, compared with J_analytic (m x n, entries taken row by row: entry
 * r * n + j is dy_r/dx_j). gc->size must be m * n. */
int bp_gradcheck_jacobian(bp_gradcheck *gc, bp_fd_method method, bp_fd_function f, void *params, gsl_vector *x,
                          const gsl_matrix *J_analytic, const bp_tolerance *tol);

#endif
