/* xent.h - cross-entropy errors of the notes, naive and stable, with their gradients.
 *
 * Every error is the SUM over the rows of the batch (B x n matrices, one example per row) of the per-example
 * error of eq. (1) or eq. (18). Targets T have the shape of the outputs.
 *
 * Naive forms take the activations X and follow the textbook formula literally; they overflow or hit log(0)
 * for large |s|. When their value is not finite they still write it but return GSL_ERANGE, so the failure is
 * reported, never hidden. Stable forms take the weighted sums S and are finite for every finite S (unless the true
 * value overflows: then +inf), within a few ulp for targets in [0, 1]. */
#ifndef BP_XENT_H
#define BP_XENT_H

#include <gsl/gsl_complex.h>
#include <gsl/gsl_matrix.h>
#include <gsl/gsl_matrix_complex_double.h>

#ifdef __cplusplus
extern "C" {
#endif

/* eq. (1): E = -sum_i (t_i log x_i + (1 - t_i) log(1 - x_i)), independent logistic outputs. */
int bp_xent_logistic_naive(const gsl_matrix *X, const gsl_matrix *T, double *E);
/* eq. (36): E = sum_i (-t_i s_i + log(1 + e^{s_i})), as max(s,0) - t s + log1p(e^{-|s|}). */
int bp_xent_logistic_stable(const gsl_matrix *S, const gsl_matrix *T, double *E);
/* eq. (5), eq. (6): dE/dx_i = (x_i - t_i) / (x_i (1 - x_i)). Writes dX. */
int bp_xent_logistic_dx(const gsl_matrix *X, const gsl_matrix *T, gsl_matrix *dX);
/* eq. (9): the fused output delta dE/ds_i = x_i - t_i. Writes dS (may be X). */
int bp_xent_logistic_delta(const gsl_matrix *X, const gsl_matrix *T, gsl_matrix *dS);
/* eq. (9) from the weighted sums: dS = logistic(S) - T without rounding x first, so it keeps its relative accuracy
 * where x rounds to 1 (t = 1, s > 37: x - t from the rounded x is 0). Writes dS (may be S). */
int bp_xent_logistic_delta_stable(const gsl_matrix *S, const gsl_matrix *T, gsl_matrix *dS);

/* eq. (18): E = -sum_i t_i log x_i, softmax outputs. */
int bp_xent_softmax_naive(const gsl_matrix *X, const gsl_matrix *T, double *E);
/* eq. (38): E = -sum_i t_i (s_i - log sum_j e^{s_j}), with the row maximum taken out of the log-sum-exp. */
int bp_xent_softmax_stable(const gsl_matrix *S, const gsl_matrix *T, double *E);
/* eq. (19): dE/dx_i = -t_i / x_i. Writes dX. */
int bp_xent_softmax_dx(const gsl_matrix *X, const gsl_matrix *T, gsl_matrix *dX);
/* eq. (26): the fused output delta dE/ds_i = x_i - t_i; exact only when each row of T sums to 1 (eq. 25 is
 * x_i sum_k t_k - t_i). Writes dS (may be X). */
int bp_xent_softmax_delta(const gsl_matrix *X, const gsl_matrix *T, gsl_matrix *dS);
/* eq. (26) from the weighted sums: dS = softmax(S) - T, accurate also where the winning x_k rounds to 1 and its
 * target is 1. Writes dS (may be S, not T). */
int bp_xent_softmax_delta_stable(const gsl_matrix *S, const gsl_matrix *T, gsl_matrix *dS);

/* ---- continued to complex weighted sums (or activations), real targets, for the complex step (fd.h) -------------
 * Same sums, same branches as the real forms, each branch decided by the REAL part (see activation.h), so that
 * Re E equals the real error to a few ulp and Im E(s + ih e_j) / h = dE/ds_j + O(h^2). The compensated sum is
 * applied to the real and imaginary parts alike (addition is linear, so this is still the complex sum). */

/* eq. (36) at complex s: max(s, 0) - t s + log1p(e^{-|s|}), with max(s, 0) and |s| = s or -s by the sign of Re s. */
int bp_xent_logistic_stable_complex(const gsl_matrix_complex *S, const gsl_matrix *T, gsl_complex *E);
/* eq. (38) at complex s: sum_i t_i (s_k - s_i) + t_i log1p(rest), s_k the entry of largest REAL part. */
int bp_xent_softmax_stable_complex(const gsl_matrix_complex *S, const gsl_matrix *T, gsl_complex *E);
/* eq. (1) and eq. (18) at complex activations X, literally (principal complex log, holomorphic off the negative
 * real axis, so near any x in (0, 1)); GSL_ERANGE when the value is not finite, as the real naive forms. */
int bp_xent_logistic_naive_complex(const gsl_matrix_complex *X, const gsl_matrix *T, gsl_complex *E);
int bp_xent_softmax_naive_complex(const gsl_matrix_complex *X, const gsl_matrix *T, gsl_complex *E);

#ifdef __cplusplus
}
#endif

#endif
