/* test_util.h - shared helpers for the CUnit suites. One suite per equation group; test names read as
 * sentences. Every suite file defines one `int register_<name>(void)` listed in test_main.c. */
#ifndef BP_TEST_UTIL_H
#define BP_TEST_UTIL_H

#include <CUnit/CUnit.h>
#include <gsl/gsl_matrix.h>
#include <gsl/gsl_rng.h>
#include <gsl/gsl_vector.h>

#include "gradcheck.h"
#include "mlp.h"

/* |actual - expected| <= rtol * max(|actual|, |expected|), or both exactly equal (also both zero).
 * On failure prints both values with %.17g and the relative error. CUnit's own DOUBLE_EQUAL is absolute only. */
int bp_test_rel_close(double actual, double expected, double rtol, const char *what, const char *file, int line);
#define ASSERT_REL_CLOSE(actual, expected, rtol) \
  CU_ASSERT(bp_test_rel_close((actual), (expected), (rtol), #actual, __FILE__, __LINE__))

/* Fills with uniform values in [lo, hi) from rng; irregular values, never round ones. */
void bp_test_fill_uniform(gsl_matrix *m, gsl_rng *rng, double lo, double hi);
/* Each row of T becomes a random probability distribution (positive, sums to 1). */
void bp_test_fill_distribution(gsl_matrix *T, gsl_rng *rng);
/* A fresh generator with a fixed seed so every run sees the same points. */
gsl_rng *bp_test_rng(unsigned long seed);

/* Adds the tests of a table to a new suite; returns 0 on success. */
typedef struct {
  const char *name;
  void (*fn)(void);
} bp_test_case;
int bp_test_add_suite(const char *suite, const bp_test_case *cases, size_t n);

/* One per suite file, in equation order; test_main.c runs them all. */
int register_logistic(void);     /* eq. (1)-(16) */
int register_softmax(void);      /* eq. (17)-(31) */
int register_stable(void);       /* eq. (32)-(40) */
int register_mlp(void);          /* the network: eq. (3), eq. (9)-(16), (26)-(31) on batches */
int register_gradcheck(void);    /* the finite-difference engine and its verdicts, planted bugs */
int register_data(void);         /* CSV, parameter TSV and --layers readers */
int register_complex(void);      /* complex-step forward passes of eq. (2), (17), (36), (38) and the network */
int register_methods(void);      /* the five finite-difference methods, their estimates, modes and reports */
int register_taylor(void);       /* the Taylor-remainder test and the precision ladder */
int register_modes(void);        /* sampled entries and random directions: how often each misses a planted bug */
int register_estimates(void);    /* how often each method's error estimate bounds its actual error */
int register_diagnose(void);     /* why a gradient is wrong: one planted bug per diagnosis */
int register_netcheck(void);     /* the network check as one library call, eq. (9)-(16), eq. (26)-(31) */
int register_grad_student(void); /* grad --gradient, --plant, --trace, --labels: eq. (9)-(16), eq. (26)-(31) */
int register_mistakes(void);     /* the classic backprop mistakes, planted: eq. (7), eq. (9)-(16), eq. (21)-(31) */
int register_plots(void);        /* every gnuplot script writes a valid PNG and SVG */
int register_checks(void);       /* the derivation checks of checks/ */
int register_cli(void);          /* the bpcheck command */
int register_faults(void);       /* out-of-memory paths, by fault injection */
int register_extremes(void);  /* extremes: eq. (2), eq. (17), eq. (36), eq. (38) to 4 ulp; the checker near overflow */
int register_bad_input(void); /* every kind of bad input to the command: exit 2, a message, no output */
int register_numpy(void);     /* a gradient from NumPy (examples/python/gradient_tsv.py) read back and checked */
int register_property(void);  /* bpcheck's own backprop never FAILs: reproductions, random networks */
int register_grade(void);     /* the coursework grader: solutions, handout, planted mistakes, crashes, formats */
int register_train(void); /* training, its checks along the way, and its data sets (eq. (3), eq. (26)-(31), eq. (38)) */
int register_speed(void); /* the fast full check: evaluations the verdict needs, the network's moves, threads */

/* |actual - expected| <= abs_tol. For quantities that may be (or cancel to) zero, where a relative comparison
 * means nothing; abs_tol should come from an error bound (e.g. 1e-14 times the sum of the magnitudes that were
 * added up). Prints both values with %.17g on failure. */
int bp_test_abs_close(double actual, double expected, double abs_tol, const char *what, const char *file, int line);
#define ASSERT_ABS_CLOSE(actual, expected, abs_tol) \
  CU_ASSERT(bp_test_abs_close((actual), (expected), (abs_tol), #actual, __FILE__, __LINE__))

/* The last error message (bp_error_message) contains `needle`; prints the message otherwise. Clear it with
 * bp_test_clear_message() before the call under test so a stale message cannot pass. */
int bp_test_message_contains(const char *needle, const char *file, int line);
#define ASSERT_MESSAGE_CONTAINS(needle) CU_ASSERT(bp_test_message_contains((needle), __FILE__, __LINE__))
/* Empties the last error message (bp_error_set("%s", "")). */
void bp_test_clear_message(void);
/* An error path: clears the message, then asserts that `call` returns `status` and that the message it leaves
 * contains `needle` (two assertions: CU_ASSERT_EQUAL and ASSERT_MESSAGE_CONTAINS). */
#define ASSERT_FAILS_WITH_MESSAGE(call, status, needle) \
  do {                                                  \
    bp_test_clear_message();                            \
    CU_ASSERT_EQUAL((call), (status));                  \
    ASSERT_MESSAGE_CONTAINS(needle);                    \
  } while (0)

/* A network with random parameters and one batch of inputs and targets, for gradient checks. Logistic
 * targets are uniform in (0.05, 0.95), softmax targets a distribution per row. NULL if allocation fails. */
typedef struct {
  bp_mlp *net;
  bp_mlp_workspace *ws;
  gsl_matrix *X0, *T;
} bp_test_problem;
bp_test_problem *bp_test_problem_alloc(size_t n_layers, const size_t *sizes, bp_output output, size_t batch,
                                       unsigned long seed);
void bp_test_problem_free(bp_test_problem *p);
/* The numeric gradient of the loss by `method` at the current parameters, with its error estimate (may be
 * NULL); both have n_params entries. The parameters are left exactly as they were. */
int bp_test_problem_numeric_gradient(bp_test_problem *p, bp_fd_method method, gsl_vector *numeric,
                                     gsl_vector *estimate);

/* The analytic Jacobian J (m x n, J(r, j) = dy_r/dx_j) of f at x against central differences, judged by
 * bp_gradcheck_compare with the default tolerance (rtol 1e-7 per entry, or |a - n| within 4 error estimates):
 * passes when the status is success, the verdict PASS and ||a - n|| / ||n|| < BP_TEST_NORM_RTOL. Prints the
 * worst entry otherwise. x is perturbed in place and restored. */
#define BP_TEST_NORM_RTOL 1e-8
int bp_test_jacobian_passes(bp_fd_function f, void *params, gsl_vector *x, const gsl_matrix *J, const char *what,
                            const char *file, int line);
#define ASSERT_JACOBIAN_MATCHES_FD(f, params, x, J) \
  CU_ASSERT(bp_test_jacobian_passes((f), (params), (x), (J), #J, __FILE__, __LINE__))

/* ---- one layer's functions as closures for finite differences ------------------------------------------------- */

/* A cross-entropy of xent.h: eq. (1), eq. (18) (naive, of the activations) or eq. (36), eq. (38) (stable, of s). */
typedef int (*bp_test_error_fn)(const gsl_matrix *A, const gsl_matrix *T, double *E);
typedef struct {
  bp_test_error_fn error;
  const gsl_matrix *T;
} bp_test_error_closure;
/* A bp_fd_function (closure: a bp_test_error_closure): y[0] = error(A, T) with A = x reshaped like T. */
int bp_test_error_of(const gsl_vector *x, gsl_vector *y, void *closure);

/* An activation of activation.h: eq. (2) (logistic) or eq. (17) (softmax). */
typedef struct {
  int (*forward)(const gsl_matrix *S, gsl_matrix *X);
} bp_test_map_closure;
/* A bp_fd_function (closure: a bp_test_map_closure): y = forward(x), x and y seen as 1 x n rows (one example). */
int bp_test_map_of(const gsl_vector *x, gsl_vector *y, void *closure);

/* A new vector with M's entries, row by row (the x of a finite difference). */
gsl_vector *bp_test_flatten(const gsl_matrix *M);
/* A new rows x cols matrix with the entries of v (rows * cols values, row by row). */
gsl_matrix *bp_test_matrix_of(const double *v, size_t rows, size_t cols);

/* The gradient G = dE/dA (the shape of A and T) of E = error(A, T) against central differences in A, judged as by
 * bp_test_jacobian_passes (G is the 1 x n Jacobian of the flattened A). */
int bp_test_error_gradient_passes(bp_test_error_fn error, const gsl_matrix *A, const gsl_matrix *T, const gsl_matrix *G,
                                  const char *what, const char *file, int line);
#define ASSERT_ERROR_GRADIENT_MATCHES_FD(error, A, T, G) \
  CU_ASSERT(bp_test_error_gradient_passes((error), (A), (T), (G), #G, __FILE__, __LINE__))

/* Every entry of A equals the same entry of B exactly (A and B of one shape): one assertion per entry, reported
 * at the caller's line. For "may be computed in place" checks against the out-of-place result. */
void bp_test_assert_matrix_equal(const gsl_matrix *A, const gsl_matrix *B, const char *what, const char *file,
                                 int line);
#define ASSERT_MATRIX_EQUAL(A, B) bp_test_assert_matrix_equal((A), (B), #A " == " #B, __FILE__, __LINE__)

/* Runs the bpcheck binary ($BPCHECK, default build/bpcheck) with args (shell syntax) and captures stdout and
 * stderr, each up to its length; stderr goes through a private temporary file (bp_test_mkstemp), removed afterwards,
 * so two users never share a path. dir is the caller's fixture directory; the command does not use it. Returns the
 * exit status, -1 if it died or could not be started (out and err are then empty strings). */
int bp_test_run_bpcheck(const char *args, const char *dir, char *out, size_t out_len, char *err, size_t err_len);
/* A new private directory ${TMPDIR:-/tmp}/bpcheck-NAME-XXXXXX (mkdtemp) in dir (len bytes); 0 on success, 1 when
 * it fails or the path does not fit (the suites keep 64 bytes: a TMPDIR of up to about 40 characters). The
 * caller removes it. */
int bp_test_mkdtemp(char *dir, size_t len, const char *name);
/* The start of the line after the one p points into, or NULL when p is NULL or its line is the last (no newline
 * follows): walks a command's output without ever reading past its end, however the output ends. */
const char *bp_test_next_line(const char *p);
/* Writes text to dir/name; 0 on success. Usable in a suite's setup (it asserts nothing). */
int bp_test_write_file(const char *dir, const char *name, const char *text);
/* 1 when text is one well-formed JSON value (RFC 8259: objects, arrays, strings with their escapes, numbers,
 * true, false, null) followed by nothing but white space; the command's JSON is checked with it. */
int bp_test_json_valid(const char *text);

#endif
