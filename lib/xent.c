/* xent.c - cross-entropy eq. (1), eq. (18), their stable forms eq. (36), eq. (38), and gradients eq. (5), eq. (6),
 * eq. (9), eq. (19), eq. (26); eq. (1), eq. (18), eq. (36), eq. (38) also at complex arguments (the complex step). */
#include "xent.h"

#include <gsl/gsl_complex_math.h>

#include "activation.h"
#include "core.h"
#include "softmax_row.h"

/* <complex.h> after every GSL header: included first, it would turn gsl_complex into double _Complex here only */
#include <complex.h>

#include "cmplx.h"
#include <math.h>

static int same_shape3(const char *who, const gsl_matrix *A, const char *a, const gsl_matrix *T, const gsl_matrix *OUT,
                       const char *out) {
  int status = bp_core_check_shape(who, A, a, T, "T");
  if (!status && OUT) status = bp_core_check_shape(who, A, a, OUT, out);
  return status;
}

static int finite_or_erange(const char *who, const char *stable, double E) {
  if (isfinite(E)) return GSL_SUCCESS;
  BP_ERROR(GSL_ERANGE, "%s: the naive error is %g (log of 0 or of a rounded 1); use the stable form %s", who, E,
           stable);
}

/* The stable errors are sums of non-negative terms over classes and rows. A compensated (Neumaier) sum keeps the
 * total within about an ulp whatever the number of terms, where a plain sum can lose one rounding per term; once
 * the running sum overflows, the true sum of non-negative terms does too, and the result is +inf. */
typedef struct {
  double sum, comp;
} accumulator;

static void acc_add(accumulator *a, double v) {
  double next = a->sum + v;
  if (isfinite(next)) a->comp += (fabs(a->sum) >= fabs(v)) ? (a->sum - next) + v : (v - next) + a->sum;
  a->sum = next;
}

static double acc_total(const accumulator *a) { return isfinite(a->sum) ? a->sum + a->comp : a->sum; }

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
 * for s < 0 it is -t s + log1p(e^s): two non-negative terms for 0 <= t <= 1, no overflow before the true value
 * overflows, no cancellation. Both terms go to the compensated sum separately. */
int bp_xent_logistic_stable(const gsl_matrix *S, const gsl_matrix *T, double *E) {
  int status = same_shape3("bp_xent_logistic_stable", S, "S", T, NULL, NULL);
  if (status) return status;
  accumulator sum = {0.0, 0.0};
  for (size_t r = 0; r < S->size1; r++)
    for (size_t c = 0; c < S->size2; c++) {
      double s = gsl_matrix_get(S, r, c), t = gsl_matrix_get(T, r, c);
      acc_add(&sum, (s >= 0) ? (1.0 - t) * s : -t * s);
      acc_add(&sum, log1p(exp(-fabs(s))));
    }
  *E = acc_total(&sum);
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
    for (size_t c = 0; c < X->size2; c++) gsl_matrix_set(dS, r, c, gsl_matrix_get(X, r, c) - gsl_matrix_get(T, r, c));
  return GSL_SUCCESS;
}

/* eq. (9): (6) times (7) cancels x(1 - x). */
int bp_xent_logistic_delta(const gsl_matrix *X, const gsl_matrix *T, gsl_matrix *dS) {
  return delta("bp_xent_logistic_delta", X, T, dS);
}

/* eq. (9) from s, without the rounded x: x - t = (1/2 - t) + tanh(s/2) / 2 for |s| <= 1 (1/2 - t is exact for
 * t >= 1/4), (1 - t) - logistic(-s) for s > 1 (1 - x = logistic(-s) is exact in relative terms, so t = 1 gives
 * -e^{-s}/(1 + e^{-s}) to the last bits where x - 1 would be 0), logistic(s) - t for s < -1. */
int bp_xent_logistic_delta_stable(const gsl_matrix *S, const gsl_matrix *T, gsl_matrix *dS) {
  int status = same_shape3("bp_xent_logistic_delta_stable", S, "S", T, dS, "dS");
  if (status) return status;
  for (size_t r = 0; r < S->size1; r++)
    for (size_t c = 0; c < S->size2; c++) {
      double s = gsl_matrix_get(S, r, c), t = gsl_matrix_get(T, r, c), d;
      if (fabs(s) <= 1.0)
        d = (0.5 - t) + 0.5 * tanh(0.5 * s);
      else {
        double e = exp(-fabs(s)), tail = e / (1.0 + e); /* logistic(-|s|) */
        d = (s > 0) ? (1.0 - t) - tail : tail - t;
      }
      gsl_matrix_set(dS, r, c, d);
    }
  return GSL_SUCCESS;
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

/* eq. (38): E = sum_i t_i (LSE(s) - s_i), LSE(s) = m + log sum_j e^{s_j - m}, m = max_j s_j. Each term is
 * t_i (m - s_i) + t_i log1p(rest) with rest = sum_{j != argmax} e^{s_j - m}: non-negative, and log1p keeps a tiny
 * log sum accurate. Where m - s_i overflows (logits ~1e308 apart) t_i (m - s_i) may still be finite: it is then
 * t_i m - t_i s_i, two non-negative terms. A zero target contributes nothing (0 log 0 = 0). */
int bp_xent_softmax_stable(const gsl_matrix *S, const gsl_matrix *T, double *E) {
  int status = same_shape3("bp_xent_softmax_stable", S, "S", T, NULL, NULL);
  if (status) return status;
  accumulator sum = {0.0, 0.0};
  for (size_t r = 0; r < S->size1; r++) {
    size_t k;
    double m;
    double log_z = log1p(bp_softmax_row_exp(S, r, NULL, &k, &m));
    for (size_t c = 0; c < S->size2; c++) {
      double t = gsl_matrix_get(T, r, c), s = gsl_matrix_get(S, r, c);
      if (t == 0.0) continue;
      double gap = m - s;
      if (isfinite(gap))
        acc_add(&sum, t * gap);
      else {
        acc_add(&sum, t * m);
        acc_add(&sum, -t * s);
      }
      acc_add(&sum, t * log_z);
    }
  }
  *E = acc_total(&sum);
  return GSL_SUCCESS;
}

/* eq. (19). */
int bp_xent_softmax_dx(const gsl_matrix *X, const gsl_matrix *T, gsl_matrix *dX) {
  int status = same_shape3("bp_xent_softmax_dx", X, "X", T, dX, "dX");
  if (status) return status;
  for (size_t r = 0; r < X->size1; r++)
    for (size_t c = 0; c < X->size2; c++) gsl_matrix_set(dX, r, c, -gsl_matrix_get(T, r, c) / gsl_matrix_get(X, r, c));
  return GSL_SUCCESS;
}

/* eq. (26): (19) through the Jacobian (21) gives eq. (25), -t_i + x_i sum_k t_k, which is x_i - t_i when the
 * targets sum to one. */
int bp_xent_softmax_delta(const gsl_matrix *X, const gsl_matrix *T, gsl_matrix *dS) {
  return delta("bp_xent_softmax_delta", X, T, dS);
}

/* eq. (26) from s, without the rounded x: x_i - t_i with x_i = e_i / (1 + rest). For the row's largest x_k and
 * t_k >= 1/2, (1 - t_k) - rest / (1 + rest) instead, 1 - t_k exact: a one-hot target on the winning class gives
 * -(1 - x_k) to the last bits where x_k - 1 would be 0. */
int bp_xent_softmax_delta_stable(const gsl_matrix *S, const gsl_matrix *T, gsl_matrix *dS) {
  int status = same_shape3("bp_xent_softmax_delta_stable", S, "S", T, dS, "dS");
  if (status) return status;
  for (size_t r = 0; r < S->size1; r++) {
    size_t k;
    double m;
    double rest = bp_softmax_row_exp(S, r, dS, &k, &m), z = 1.0 + rest;
    for (size_t c = 0; c < S->size2; c++) {
      double t = gsl_matrix_get(T, r, c);
      double d = (c == k && t >= 0.5) ? (1.0 - t) - rest / z : gsl_matrix_get(dS, r, c) / z - t;
      gsl_matrix_set(dS, r, c, d);
    }
  }
  return GSL_SUCCESS;
}

/* ---- complex continuations -------------------------------------------------------------------------------------- */

static double complex get_z(const gsl_matrix_complex *M, size_t r, size_t c) {
  gsl_complex z = gsl_matrix_complex_get(M, r, c);
  return bp_cmplx(GSL_REAL(z), GSL_IMAG(z));
}

static int check_targets_complex(const char *who, const gsl_matrix_complex *A, const char *a, const gsl_matrix *T) {
  if (A->size1 != T->size1 || A->size2 != T->size2)
    BP_ERROR(GSL_EBADLEN, "%s: %s is %zu x %zu but T is %zu x %zu", who, a, A->size1, A->size2, T->size1, T->size2);
  return GSL_SUCCESS;
}

/* The accumulator above, on the real and the imaginary part. */
typedef struct {
  accumulator re, im;
} accumulator_complex;

static void acc_add_z(accumulator_complex *a, double complex v) {
  acc_add(&a->re, creal(v));
  acc_add(&a->im, cimag(v));
}

static gsl_complex acc_total_z(const accumulator_complex *a) {
  return gsl_complex_rect(acc_total(&a->re), acc_total(&a->im));
}

/* log(1 + w), the principal branch, for Re(1 + w) > 0 (every use here: w = e^z with Re z <= 0 and a tiny
 * imaginary part, or a sum of such). With 1 + w = (1 + u)(1 + i q), q = v / (1 + u):
 *     log(1 + w) = log1p(u) + log(1 + i q) = log1p(u) + log1p(q^2) / 2 + i atan(q).
 * C99 has no clog1p, and clog(1 + w) would round u away when it is tiny; this keeps log1p's accuracy in the real
 * part (q^2 ~ h^2 is far below an ulp of it) and gives the imaginary part v / (1 + u) to an ulp. */
static double complex clog1p(double complex w) {
  double u = creal(w), v = cimag(w);
  if (!(1.0 + u > 0.0)) return clog(1.0 + w);
  double q = v / (1.0 + u);
  return bp_cmplx(log1p(u) + 0.5 * log1p(q * q), atan2(v, 1.0 + u));
}

/* eq. (36) at complex s: the two forms (1 - t) s + log1p(e^{-s}) and -t s + log1p(e^s) of bp_xent_logistic_stable
 * are one analytic function; the sign of Re s picks the form whose exponential has modulus <= 1, as the sign of s
 * does on the real axis. (|s| itself, cabs(s), is not holomorphic: it would drop the imaginary part of the log
 * term and with it logistic(-|s|) from the derivative.) */
int bp_xent_logistic_stable_complex(const gsl_matrix_complex *S, const gsl_matrix *T, gsl_complex *E) {
  int status = check_targets_complex("bp_xent_logistic_stable_complex", S, "S", T);
  if (status) return status;
  accumulator_complex sum = {{0.0, 0.0}, {0.0, 0.0}};
  for (size_t r = 0; r < S->size1; r++)
    for (size_t c = 0; c < S->size2; c++) {
      double complex s = get_z(S, r, c);
      double t = gsl_matrix_get(T, r, c);
      int positive = creal(s) >= 0;
      acc_add_z(&sum, positive ? (1.0 - t) * s : -t * s);
      acc_add_z(&sum, clog1p(cexp(positive ? -s : s)));
    }
  *E = acc_total_z(&sum);
  return GSL_SUCCESS;
}

/* eq. (38) at complex s: E = sum_i t_i (LSE(s) - s_i) with LSE(s) = s_k + log(1 + rest), rest = sum_{j != k}
 * e^{s_j - s_k} and k the column of largest Re s (bp_softmax_row_exp_complex: the shift invariance after eq. 38
 * makes the shift by s_k exact). Each term is t_i (s_k - s_i) + t_i log1p(rest), whose real part is the real
 * code's t_i (m - s_i) + t_i log1p(rest). Where Re(s_k - s_i) overflows, t_i s_k - t_i s_i, as there. */
int bp_xent_softmax_stable_complex(const gsl_matrix_complex *S, const gsl_matrix *T, gsl_complex *E) {
  int status = check_targets_complex("bp_xent_softmax_stable_complex", S, "S", T);
  if (status) return status;
  accumulator_complex sum = {{0.0, 0.0}, {0.0, 0.0}};
  for (size_t r = 0; r < S->size1; r++) {
    size_t k;
    gsl_complex rest = bp_softmax_row_exp_complex(S, r, NULL, &k);
    double complex log_z = clog1p(bp_cmplx(GSL_REAL(rest), GSL_IMAG(rest)));
    double complex s_k = get_z(S, r, k);
    for (size_t c = 0; c < S->size2; c++) {
      double t = gsl_matrix_get(T, r, c);
      if (t == 0.0) continue;
      double complex s = get_z(S, r, c), gap = s_k - s;
      if (isfinite(creal(gap)))
        acc_add_z(&sum, t * gap);
      else {
        acc_add_z(&sum, t * s_k);
        acc_add_z(&sum, -t * s);
      }
      acc_add_z(&sum, t * log_z);
    }
  }
  *E = acc_total_z(&sum);
  return GSL_SUCCESS;
}

static int finite_or_erange_z(const char *who, const char *stable, gsl_complex E) {
  if (isfinite(GSL_REAL(E)) && isfinite(GSL_IMAG(E))) return GSL_SUCCESS;
  BP_ERROR(GSL_ERANGE, "%s: the naive error is %g%+gi (log of 0 or of a rounded 1); use the stable form %s", who,
           GSL_REAL(E), GSL_IMAG(E), stable);
}

/* eq. (1), literally, at complex x. */
int bp_xent_logistic_naive_complex(const gsl_matrix_complex *X, const gsl_matrix *T, gsl_complex *E) {
  int status = check_targets_complex("bp_xent_logistic_naive_complex", X, "X", T);
  if (status) return status;
  double complex sum = 0.0;
  for (size_t r = 0; r < X->size1; r++)
    for (size_t c = 0; c < X->size2; c++) {
      double complex x = get_z(X, r, c);
      double t = gsl_matrix_get(T, r, c);
      sum -= t * clog(x) + (1.0 - t) * clog(1.0 - x);
    }
  *E = gsl_complex_rect(creal(sum), cimag(sum));
  return finite_or_erange_z("bp_xent_logistic_naive_complex", "of eq. (36)", *E);
}

/* eq. (18), literally, at complex x; a zero target contributes nothing. */
int bp_xent_softmax_naive_complex(const gsl_matrix_complex *X, const gsl_matrix *T, gsl_complex *E) {
  int status = check_targets_complex("bp_xent_softmax_naive_complex", X, "X", T);
  if (status) return status;
  double complex sum = 0.0;
  for (size_t r = 0; r < X->size1; r++)
    for (size_t c = 0; c < X->size2; c++) {
      double t = gsl_matrix_get(T, r, c);
      if (t != 0.0) sum -= t * clog(get_z(X, r, c));
    }
  *E = gsl_complex_rect(creal(sum), cimag(sum));
  return finite_or_erange_z("bp_xent_softmax_naive_complex", "of eq. (38)", *E);
}
