/* activation.h - the logistic and softmax units of the notes, as forward/backward pairs on batches.
 *
 * Shapes: a batch is a gsl_matrix with one example per row, B x n. S holds the weighted sums s (eq. 3),
 * X the activations x. Backward functions take the upstream gradient dX = dE/dx and WRITE dS = dE/ds;
 * dS may be the same matrix as dX. */
#ifndef BP_ACTIVATION_H
#define BP_ACTIVATION_H

#include <gsl/gsl_complex.h>
#include <gsl/gsl_matrix.h>
#include <gsl/gsl_matrix_complex_double.h>
#include <gsl/gsl_vector.h>

#ifdef __cplusplus
extern "C" {
#endif

/* eq. (2): x = 1 / (1 + e^{-s}), evaluated without overflow for any s (e^{-|s|} only). */
double bp_logistic(double s);

/* eq. (2) elementwise: X = logistic(S). X may be S. */
int bp_logistic_forward(const gsl_matrix *S, gsl_matrix *X);
/* eq. (2) with its complement: X = logistic(S) and Q = logistic(-S) = 1 - X, both from one e^{-|s|} per entry
 * (x = 1 / (1 + e), q = e / (1 + e) for s >= 0, and the other way round), so that q keeps its relative accuracy
 * where 1 - x would cancel. X has bp_logistic's bits. X and Q may not alias S or each other. */
int bp_logistic_forward_pair(const gsl_matrix *S, gsl_matrix *X, gsl_matrix *Q);
/* eq. (7) in the chain rule: dE/ds = dE/dx * x(1 - x), elementwise (the Jacobian is diagonal). */
int bp_logistic_backward(const gsl_matrix *X, const gsl_matrix *dX, gsl_matrix *dS);
/* eq. (7): D = dx/ds = x(1 - x), elementwise. D may be X. */
int bp_logistic_deriv(const gsl_matrix *X, gsl_matrix *D);
/* eq. (7) from s: dx/ds = x(1 - x) = sigma(s) sigma(-s) = e^{-|s|} / (1 + e^{-|s|})^2, within 3 ulp for every s
 * (subnormal results: within 3 ulp of their absolute spacing). From x it loses the digits 1 - x cancels: at
 * s = 30, x rounds to 1 - 9.4e-14 and x(1 - x) errs by ~1e-3 relative. */
double bp_logistic_slope(double s);
/* The same chain rule as bp_logistic_backward with dx/ds taken from S, not X: dS = dX * sigma(s) sigma(-s),
 * elementwise, accurate where the unit saturates. Writes dS (may be dX). */
int bp_logistic_backward_from_s(const gsl_matrix *S, const gsl_matrix *dX, gsl_matrix *dS);
/* The same with x(1 - x) as x q from bp_logistic_forward_pair (no exponential): dS = dX * X * Q, each factor
 * accurate in relative terms, within 4 ulp; where q or x is below DBL_MIN (|s| > 708) it falls back to the form from
 * s above. Writes dS (may be dX). */
int bp_logistic_backward_from_pair(const gsl_matrix *S, const gsl_matrix *X, const gsl_matrix *Q, const gsl_matrix *dX,
                                   gsl_matrix *dS);

/* eq. (17): x_i = e^{s_i} / sum_c e^{s_c} for each row, computed as e^{s_i - m} / sum_c e^{s_c - m} with m the
 * row maximum: the shift changes nothing (the remark after eq. 40) and keeps every exponent <= 0. X may be S. */
int bp_softmax_forward(const gsl_matrix *S, gsl_matrix *X);
/* eq. (22) with the Jacobian of eq. (21): dE/ds_i = sum_k dE/dx_k dx_k/ds_i = x_i (dE/dx_i - sum_k dE/dx_k x_k),
 * per row, without forming the n x n Jacobian. */
int bp_softmax_backward(const gsl_matrix *X, const gsl_matrix *dX, gsl_matrix *dS);
/* eq. (21): J[i][k] = dx_i/ds_k = x_i (delta_ik - x_k) for one example x (length n); J is n x n. */
int bp_softmax_jacobian(const gsl_vector *x, gsl_matrix *J);

/* ---- continued to complex arguments, for the complex step (fd.h) ------------------------------------------------
 * Each is the same analytic function as its real twin, evaluated so that it is holomorphic near the real axis.
 * Wherever the real code branches (the sign of s, the row maximum), the complex code takes the branch that the
 * REAL part decides: the branches are formulas for one analytic function, and choosing as the real code does runs
 * the real code's operations on the real part (the same value to a few ulp) and keeps every exponential <= 1 in
 * modulus. What must never enter a value is a non-analytic operation: |s| as cabs(s), conj, or Re s used as a
 * number is real where the true function is not, and drops the imaginary part that carries the derivative
 * (tests/test_complex.c plants exactly that bug). |s| becomes s or -s by the sign of Re s. */

/* eq. (2) at complex s: 1 / (1 + e^{-s}) for Re s >= 0, e^s / (1 + e^s) otherwise. */
int bp_logistic_forward_complex(const gsl_matrix_complex *S, gsl_matrix_complex *X);
/* eq. (17) at complex s, per row: x_i = e^{s_i - s_k} / sum_c e^{s_c - s_k}, k the column of the largest REAL part.
 * X may be S. */
int bp_softmax_forward_complex(const gsl_matrix_complex *S, gsl_matrix_complex *X);
/* Shared with eq. (38) (xent.c): row r of S, k = the first column of largest Re s. Writes e_c = e^{s_c - s_k} to
 * row r of E (E may be S, or NULL), e_k = 1 exactly, sets *argmax = k and returns
 * rest = sum_{c != k} e_c, so that sum_c e_c = 1 + rest with the 1 exact, as in the real softmax_row.h. */
gsl_complex bp_softmax_row_exp_complex(const gsl_matrix_complex *S, size_t r, gsl_matrix_complex *E, size_t *argmax);

#ifdef __cplusplus
}
#endif

#endif
