/* xent.c - cross-entropy eq. (1)/(18), their stable forms eq. (36)/(38) and gradients eq. (5)/(6)/(9)/(19)/(26). */
#include "xent.h"

#include <math.h>

#include "core.h"

static int same_shape3(const char *who, const gsl_matrix *A, const char *a, const gsl_matrix *T,
                       const gsl_matrix *OUT, const char *out) {
  int status = bp_check_same_shape(who, A, a, T, "T");
  if (!status && OUT) status = bp_check_same_shape(who, A, a, OUT, out);
  return status;
}

static int finite_or_erange(const char *who, const char *stable, double E) {
  if (isfinite(E)) return GSL_SUCCESS;
  BP_ERROR(GSL_ERANGE, "%s: the naive error is %g (log of 0 or of a rounded 1); use the stable form %s", who, E,
           stable);
}

/* eq. (1), literally: log(x) and log(1 - x) of the rounded activations. */
int bp_xent_logistic_naive(const gsl_matrix *X, const gsl_matrix *T, double *E) {
  int status = same_shape3("bp_xent_logistic_naive", X, "X", T, NULL, NULL);
  if (status) return status;
  double sum = 0.0;
  for (size_t r = 0; r < X->size1; r++)
    for (size_t c = 0; c < X->size2; c++) {
      double x = gsl_matrix_get(X, r, c), t = gsl_matrix_get(T, r, c);
      sum -= t * log(x) + (1.0 - t) * log(1.0 - x);
    }
  *E = sum;
  return finite_or_erange("bp_xent_logistic_naive", "of eq. (36)", sum);
}

/* eq. (36): -t s + log(1 + e^s) = max(s, 0) - t s + log1p(e^{-|s|}). For s >= 0 it is (1 - t) s + log1p(e^{-s}),
 * for s < 0 it is -t s + log1p(e^s): one product, no overflow, no cancellation between large terms. */
int bp_xent_logistic_stable(const gsl_matrix *S, const gsl_matrix *T, double *E) {
  int status = same_shape3("bp_xent_logistic_stable", S, "S", T, NULL, NULL);
  if (status) return status;
  double sum = 0.0;
  for (size_t r = 0; r < S->size1; r++)
    for (size_t c = 0; c < S->size2; c++) {
      double s = gsl_matrix_get(S, r, c), t = gsl_matrix_get(T, r, c);
      sum += (s >= 0) ? (1.0 - t) * s + log1p(exp(-s)) : -t * s + log1p(exp(s));
    }
  *E = sum;
  return GSL_SUCCESS;
}

/* eq. (6), the simplified form of eq. (5). */
int bp_xent_logistic_dx(const gsl_matrix *X, const gsl_matrix *T, gsl_matrix *dX) {
  int status = same_shape3("bp_xent_logistic_dx", X, "X", T, dX, "dX");
  if (status) return status;
  for (size_t r = 0; r < X->size1; r++)
    for (size_t c = 0; c < X->size2; c++) {
      double x = gsl_matrix_get(X, r, c), t = gsl_matrix_get(T, r, c);
      gsl_matrix_set(dX, r, c, (x - t) / (x * (1.0 - x)));
    }
  return GSL_SUCCESS;
}

/* eq. (9) and eq. (26) share the formula x - t. */
static int delta(const char *who, const gsl_matrix *X, const gsl_matrix *T, gsl_matrix *dS) {
  int status = same_shape3(who, X, "X", T, dS, "dS");
  if (status) return status;
  for (size_t r = 0; r < X->size1; r++)
    for (size_t c = 0; c < X->size2; c++)
      gsl_matrix_set(dS, r, c, gsl_matrix_get(X, r, c) - gsl_matrix_get(T, r, c));
  return GSL_SUCCESS;
}

/* eq. (9): (6) times (7) cancels x(1 - x). */
int bp_xent_logistic_delta(const gsl_matrix *X, const gsl_matrix *T, gsl_matrix *dS) {
  return delta("bp_xent_logistic_delta", X, T, dS);
}

/* eq. (18), literally. A zero target contributes nothing even where x underflowed to 0 (t log x -> 0). */
int bp_xent_softmax_naive(const gsl_matrix *X, const gsl_matrix *T, double *E) {
  int status = same_shape3("bp_xent_softmax_naive", X, "X", T, NULL, NULL);
  if (status) return status;
  double sum = 0.0;
  for (size_t r = 0; r < X->size1; r++)
    for (size_t c = 0; c < X->size2; c++) {
      double t = gsl_matrix_get(T, r, c);
      if (t != 0.0) sum -= t * log(gsl_matrix_get(X, r, c));
    }
  *E = sum;
  return finite_or_erange("bp_xent_softmax_naive", "of eq. (38)", sum);
}

/* eq. (38): E = sum_i t_i (LSE(s) - s_i), LSE(s) = m + log sum_j e^{s_j - m}, m = max_j s_j. Written as
 * t_i ((m - s_i) + log sum_j e^{s_j - m}) so that every term is >= 0 and nothing overflows before the true
 * value does. A zero target contributes nothing (0 log 0 = 0). */
int bp_xent_softmax_stable(const gsl_matrix *S, const gsl_matrix *T, double *E) {
  int status = same_shape3("bp_xent_softmax_stable", S, "S", T, NULL, NULL);
  if (status) return status;
  double sum = 0.0;
  for (size_t r = 0; r < S->size1; r++) {
    double m = gsl_matrix_get(S, r, 0);
    for (size_t c = 1; c < S->size2; c++) m = fmax(m, gsl_matrix_get(S, r, c));
    double z = 0.0;
    for (size_t c = 0; c < S->size2; c++) z += exp(gsl_matrix_get(S, r, c) - m);
    double log_z = log(z);
    for (size_t c = 0; c < S->size2; c++) {
      double t = gsl_matrix_get(T, r, c);
      if (t != 0.0) sum += t * ((m - gsl_matrix_get(S, r, c)) + log_z);
    }
  }
  *E = sum;
  return GSL_SUCCESS;
}

/* eq. (19). */
int bp_xent_softmax_dx(const gsl_matrix *X, const gsl_matrix *T, gsl_matrix *dX) {
  int status = same_shape3("bp_xent_softmax_dx", X, "X", T, dX, "dX");
  if (status) return status;
  for (size_t r = 0; r < X->size1; r++)
    for (size_t c = 0; c < X->size2; c++)
      gsl_matrix_set(dX, r, c, -gsl_matrix_get(T, r, c) / gsl_matrix_get(X, r, c));
  return GSL_SUCCESS;
}

/* eq. (26): (19) through the Jacobian (21) gives eq. (25), -t_i + x_i sum_k t_k, which is x_i - t_i when the
 * targets sum to one. */
int bp_xent_softmax_delta(const gsl_matrix *X, const gsl_matrix *T, gsl_matrix *dS) {
  return delta("bp_xent_softmax_delta", X, T, dS);
}
