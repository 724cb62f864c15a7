/* fd.h - the finite-difference engine: numeric derivatives of f by five methods, each with an error estimate.
 *
 * A function under test maps x (length n) to y (length m). Its Jacobian J is m x n, J(r, j) = dy_r/dx_j; a
 * gradient is the case m = 1. The engine perturbs x in place one coordinate at a time and always restores it.
 * The comparison of an analytic gradient against these differences, and its verdict, is gradcheck.h. */
#ifndef BP_FD_H
#define BP_FD_H

#include <gsl/gsl_machine.h>
#include <gsl/gsl_matrix.h>
#include <gsl/gsl_vector.h>
#include <gsl/gsl_vector_complex.h>

#ifdef __cplusplus
extern "C" {
#endif

/* y = f(x). Returns a GSL status; a failure stops the difference and is passed on, except GSL_EDOM and GSL_ERANGE,
 * which mark the point as outside f's domain: the rules that need it are skipped, as where x + h overflows. */
typedef int (*bp_fd_function)(const gsl_vector *x, gsl_vector *y, void *params);
/* w = f(z): the same function continued to complex arguments (holomorphic near the real axis), for the complex
 * step. Where the real code branches (|s|, max, a sign), the complex code takes the branch of the real part, so
 * that Re f(x + ih) = f(x) + O(h^2) and Im f(x + ih) / h = f'(x) + O(h^2). */
typedef int (*bp_fd_complex_function)(const gsl_vector_complex *z, gsl_vector_complex *w, void *params);

/* ---- moves: f at a point one coordinate away, computed by f's owner --------------------------------------------
 * A gradient check evaluates f at x + t e_j for every j and a few t. A function whose owner knows its structure can
 * do that far faster than from scratch: a network keeps its activations at x, and moving one weight changes one
 * column of one layer's weighted sums (mlpfd.h). `moved` returns y = f(x + t e_j) and `moved_complex` w =
 * f(x + i t e_j), both without touching x; `prepare` is called with x on every workspace before any column and
 * stores what they need. They must compute the same function as f (and fz) to rounding: the engine uses them for
 * every point of a column instead of perturbing x. work[k] is one workspace per thread: with n_work >= 2, the
 * columns are split over min(n_work, bp_fd_options.n_threads) threads, each with its own workspace; x and params
 * are then only read. Either function may be NULL (the engine then perturbs x and calls f or fz, on one thread). */
#define BP_FD_MAX_THREADS 64
typedef struct {
  int (*prepare)(const gsl_vector *x, void *work);
  int (*moved)(const gsl_vector *x, size_t j, double t, gsl_vector *y, void *work);
  int (*moved_complex)(const gsl_vector *x, size_t j, double t, gsl_vector_complex *w, void *work);
  void **work;
  size_t n_work;
} bp_fd_moves;

/* What a checker differentiates: f, optionally its complex continuation fz (BP_FD_COMPLEX needs it and fails
 * with GSL_EINVAL without it), the parameters both receive, and optionally the moves above (NULL: none). */
typedef struct {
  bp_fd_function f;
  bp_fd_complex_function fz;
  void *params;
  const bp_fd_moves *moves;
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
 * as in a step sweep), a subset of the coordinates (J then has one column per listed coordinate, in order), a
 * progress callback, a rule that ends the automatic step search early, and threads. */
/* Called after each column with how many are done out of how many, and the caller's context: a front end can
 * show progress (the library itself never prints). With threads, it is called from the calling thread only, with
 * a count that never decreases, and once more with done == total at the end. */
typedef void (*bp_progress_fn)(size_t done, size_t total, void *context);
/* Whether entry (r, c) of J is settled by the value d and estimate err at the method's own step, so that the
 * automatic step's other trial steps cannot change its verdict. best_err is the smallest estimate any trial step
 * could reach, judged from this one (see fd.c). For the complex step, err is 16 times its first estimate (points h
 * and 3h), best_err 0, and a settled column skips the points 5h and 2h. A gradient check knows the analytic value
 * and can tell; the engine alone cannot, and searches every step. Called from worker threads: it must only read
 * shared state. */
typedef int (*bp_fd_settled_fn)(size_t r, size_t c, double d, double err, double best_err, void *context);
typedef struct {
  double step;
  const size_t *columns; /* NULL: every coordinate */
  size_t n_columns;
  bp_progress_fn progress; /* NULL: none */
  void *progress_context;
  bp_fd_settled_fn settled; /* NULL: every trial step, every complex point */
  void *settled_context;
  size_t n_threads;    /* 0 or 1: one; more only with a problem's moves (above) */
  size_t *evaluations; /* if not NULL, set to the evaluations of f (or fz) made, the kink probe's excluded */
} bp_fd_options;
bp_fd_options bp_fd_options_default(void);
int bp_fd_jacobian_with(bp_fd_method method, const bp_fd_problem *p, gsl_vector *x, const bp_fd_options *opt,
                        gsl_matrix *J, gsl_matrix *J_err);

/* Whether f_r has a kink (|s| at 0, a ReLU's corner) within two central steps of x_j: *kink = 1 if so (fd.c says how
 * it is told from a smooth curve). y (length m) is scratch; x is restored. */
int bp_fd_probe_kink(const bp_fd_problem *p, gsl_vector *x, size_t j, size_t r, gsl_vector *y, int *kink);

#ifdef __cplusplus
}
#endif

#endif
