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
#include <gsl/gsl_vector_complex.h>

/* y = f(x). Returns a GSL status; a failure stops the difference and is passed on, except GSL_EDOM and GSL_ERANGE,
 * which mark the point as outside f's domain: the rules that need it are skipped, as where x + h overflows. */
typedef int (*bp_fd_function)(const gsl_vector *x, gsl_vector *y, void *params);
/* w = f(z): the same function continued to complex arguments (holomorphic near the real axis), for the complex
 * step. Where the real code branches (|s|, max, a sign), the complex code takes the branch of the real part, so
 * that Re f(x + ih) = f(x) + O(h^2) and Im f(x + ih) / h = f'(x) + O(h^2). */
typedef int (*bp_fd_complex_function)(const gsl_vector_complex *z, gsl_vector_complex *w, void *params);

/* What a checker differentiates: f, optionally its complex continuation fz (BP_FD_COMPLEX needs it and fails
 * with GSL_EINVAL without it), and the parameters both receive. */
typedef struct {
  bp_fd_function f;
  bp_fd_complex_function fz;
  void *params;
} bp_fd_problem;

typedef enum {
  /* (f(x+h) - f(x)) / h, h = sqrt(eps) max(|x|, 1); the cheapest rule, first order (see fd.c). */
  BP_FD_FORWARD,
  /* (f(x+h) - f(x-h)) / 2h, h = cbrt(eps) max(|x|, 1); estimate from the same rule at 2h. Where x + h or x + 2h
   * overflows, or f is not finite there, the second-order backward rule (3 f(x) - 4 f(x-h) + f(x-2h)) / 2h with
   * its estimate from x, x-2h, x-4h; symmetrically the forward rule. An entry no rule can take (f is not finite
   * at x itself) is NaN with an infinite estimate: the verdict reports it as non-finite. Differences are formed
   * so that they cannot overflow while the derivative is finite. */
  BP_FD_CENTRAL,
  /* central differences at h, 2h, 4h, 8h extrapolated to order h^8 (Richardson), h = eps^(1/9) max(|x|, 1) */
  BP_FD_RICHARDSON,
  /* the complex step Im f(x + ih) / h with a tiny h: no subtraction, so no round-off from the difference */
  BP_FD_COMPLEX,
  /* gsl_deriv_central: 5-point rule, adaptive step, GSL's own error estimate; gsl_deriv_backward or _forward where
   * the central result is not finite (same cases as above) */
  BP_FD_GSL
} bp_fd_method;
#define BP_FD_N_METHODS 5

const char *bp_fd_method_name(bp_fd_method method);
/* GSL_EINVAL (with a message listing the methods) for an unknown name. */
int bp_fd_method_parse(const char *name, bp_fd_method *method);
/* The step the method starts from at coordinate value x: its relative step times max(|x|, 1) (see fd.c). */
double bp_fd_step(bp_fd_method method, double x);
/* The method's relative step: eps^(1/2), eps^(1/3), eps^(1/9), 2^-66, eps^(1/5) in the order of the enum. */
double bp_fd_relative_step(bp_fd_method method);

/* J = the numeric Jacobian of f at x, J_err its per-entry absolute error estimate (may be NULL).
 * J is m x n with m the length of y. x is restored bit for bit before returning, also on failure. The round-off
 * part of the estimate of J(r, j) allows each value of y_r 2 ulp, and at least 2 DBL_TRUE_MIN where the values are
 * subnormal: its scale is max |y_r| over the points the rule used, row r's own values only (a small output beside
 * a large one keeps its own noise floor). */
int bp_fd_jacobian(bp_fd_method method, const bp_fd_problem *p, gsl_vector *x, gsl_matrix *J, gsl_matrix *J_err);

/* What bp_fd_jacobian_with may change: a fixed relative step (h = step max(|x_j|, 1); 0 for the method's own rule,
 * as in a step sweep), and a subset of the coordinates (J then has one column per listed coordinate, in order). */
typedef struct {
  double step;
  const size_t *columns; /* NULL: every coordinate */
  size_t n_columns;
} bp_fd_options;
bp_fd_options bp_fd_options_default(void);
int bp_fd_jacobian_with(bp_fd_method method, const bp_fd_problem *p, gsl_vector *x, const bp_fd_options *opt,
                        gsl_matrix *J, gsl_matrix *J_err);

/* ---- the verdict ---------------------------------------------------------------------------------------------
 * Entry i, with analytic a, numeric n and the numeric derivative's error estimate e, is measured by its TRUE
 * relative error
 *     rel_err = |a - n| / max(|a|, |n|)          (0 when both are 0),
 * and passes when
 *     rel_err <= rtol   or   |a - n| <= est_factor * e,
 * that is, when it agrees to rtol relatively, or when |a - n| is within what the difference itself cannot
 * resolve. The entry is RESOLVED when max(|a|, |n|) * rtol > est_factor * e: there the difference can tell a
 * relative error of rtol, and the verdict is rel_err <= rtol. Below that resolution (tiny entries, entries of a
 * large loss whose round-off is large, entries that are exactly 0 on both sides) the entry is judged by
 * |a - n| <= est_factor * e alone, and its rel_err, still the true one, may well exceed rtol although it passes.
 * Such entries are counted in n_unresolved and left out of max_rel_err, never out of the verdict: a tiny entry
 * whose error exceeds est_factor estimates fails. The products are compared without overflow (an estimate near
 * DBL_MAX does not make every entry pass). A non-finite a, n or e fails; it is neither resolved nor counted as
 * unresolved, and it makes max_rel_err and norm_rel_err infinite. The whole check is NO_SIGNAL when every entry
 * passes but every analytic entry is zero: a gradient that is zero everywhere tells a right implementation from
 * a wrong one nowhere (a zero gradient against a non-zero numeric one is an ordinary FAIL). bp_gradcheck_jacobian
 * probes every failing entry for a kink of f within two steps of x (fd.c, probe_kink): when EVERY failing entry
 * sits at one, the verdict is NOT_SMOOTH -- no difference rule can judge a derivative there -- instead of FAIL. */
typedef enum { BP_VERDICT_PASS, BP_VERDICT_FAIL, BP_VERDICT_NO_SIGNAL, BP_VERDICT_NOT_SMOOTH } bp_verdict;
const char *bp_verdict_name(bp_verdict v);

typedef struct {
  double rtol;       /* relative tolerance */
  double est_factor; /* how many error estimates of slack a tiny entry gets */
} bp_tolerance;

/* The bands students are taught for relative error: > 1e-2 wrong, 1e-2..1e-4 suspicious, 1e-4..1e-7 fine only
 * at kinks, < 1e-7 good. Finite-difference checks ask for "good". */
#define BP_RTOL_GOOD 1e-7
/* The band a relative error falls in: "wrong", "suspicious", "fine only at kinks" or "good". */
const char *bp_rel_err_band(double rel_err);
/* Comparing two closed forms of one quantity (an identity) at the moderate points where identities are checked,
 * |s| <= 4: the naive forms compute 1 - x with x up to 0.982, which loses log2(1 / 0.018) < 6 bits, so 2^6 ulp.
 * Measured over 200 seeds: at most 8.8 ulp. */
#define BP_RTOL_IDENTITY (64 * GSL_DBL_EPSILON)
#define BP_EST_FACTOR 4.0
bp_tolerance bp_tolerance_default(void);  /* BP_RTOL_GOOD, BP_EST_FACTOR */
bp_tolerance bp_tolerance_identity(void); /* BP_RTOL_IDENTITY, no estimate */

typedef struct {
  size_t size;                             /* entries compared */
  gsl_vector *analytic, *numeric, *estimate; /* inputs: filled by the caller or by bp_gradcheck_jacobian */
  gsl_vector *abs_err;                     /* |a - n| (+inf only where a - n exceeds DBL_MAX) */
  gsl_vector *rel_err;                     /* the true relative error |a - n| / max(|a|, |n|); inf if non-finite */
  gsl_vector_uchar *passed;                /* 1 where the entry passes */
  gsl_vector_uchar *resolved;              /* 1 where max(|a|, |n|) rtol > est_factor e (finite entries only) */
  gsl_vector_uchar *nonsmooth;             /* 1 where a failing entry sits at a kink of f (bp_gradcheck_jacobian) */
  size_t worst;                            /* the entry that decides the verdict: the first non-finite one, else
                                            * the largest failure margin |a - n| / max(rtol max(|a|, |n|),
                                            * est_factor e) (> 1 exactly when the entry fails) */
  double max_abs_err;                      /* over the finite entries */
  double max_rel_err;                      /* the largest rel_err over the RESOLVED entries (0 if none is); inf
                                            * if some entry is non-finite */
  double norm_rel_err;                     /* ||a - n||_2 / ||n||_2 over all entries */
  size_t n_failed, n_nonfinite;
  size_t n_unresolved;                     /* finite entries below the difference's resolution */
  size_t n_nonsmooth;                      /* failing entries at a kink of f */
  bp_verdict verdict;
  bp_tolerance tol;
} bp_gradcheck;

bp_gradcheck *bp_gradcheck_alloc(size_t size);
void bp_gradcheck_free(bp_gradcheck *gc);
/* Measures every entry from analytic, numeric and estimate and sets the summary and verdict. GSL_EINVAL unless
 * rtol is positive and est_factor non-negative, both finite. */
int bp_gradcheck_compare(bp_gradcheck *gc, const bp_tolerance *tol);
/* Numeric Jacobian of f at x by `method`, compared with J_analytic (m x n, entries taken row by row: entry
 * r * n + j is dy_r/dx_j). gc->size must be m * n. */
int bp_gradcheck_jacobian(bp_gradcheck *gc, bp_fd_method method, const bp_fd_problem *p, gsl_vector *x,
                          const gsl_matrix *J_analytic, const bp_tolerance *tol);
/* The same with a fixed step or a subset of coordinates (bp_fd_options): J_analytic then has one column per listed
 * coordinate. */
int bp_gradcheck_jacobian_with(bp_gradcheck *gc, bp_fd_method method, const bp_fd_problem *p, gsl_vector *x,
                               const bp_fd_options *opt, const gsl_matrix *J_analytic, const bp_tolerance *tol);

#endif
