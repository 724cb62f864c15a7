/* ex01_logistic.c - tutorial 01: the logistic output layer, eq. (1)-(10) (tutorials/01-logistic-output). */
#include "exercises.h"

int ex_logistic_dE_dx(size_t n, const double *x, const double *t, double *dE_dx) {
  /* ****************************************************************************************************** */
  /* TODO: eq. (6), dE/dx_i = (x_i - t_i) / (x_i (1 - x_i)) for the cross-entropy of eq. (1).                */
  /*   x, t: n entries (0 < x_i < 1, 0 <= t_i <= 1);  dE_dx: n entries, written.                            */
  /* ****************************************************************************************************** */
  for (size_t i = 0; i < n; i++) dE_dx[i] = (x[i] - t[i]) / (x[i] * (1 - x[i]));
  return EX_SUCCESS;
}

int ex_logistic_dx_ds(size_t n, const double *x, double *dx_ds) {
  /* ****************************************************************************************************** */
  /* TODO: eq. (7), the derivative of the logistic unit x = 1 / (1 + e^{-s}) written with its output:        */
  /*   dx_i/ds_i = x_i (1 - x_i).   x: n entries;  dx_ds: n entries, written.                               */
  /* ****************************************************************************************************** */
  for (size_t i = 0; i < n; i++) dx_ds[i] = x[i] * (1 - x[i]);
  return EX_SUCCESS;
}

int ex_logistic_output_delta(size_t n, const double *x, const double *t, double *dE_ds) {
  /* ****************************************************************************************************** */
  /* TODO: eq. (9), the output delta dE/ds_i: eq. (6) times eq. (7), simplified.                            */
  /*   x, t: n entries;  dE_ds: n entries, written.                                                          */
  /* ****************************************************************************************************** */
  for (size_t i = 0; i < n; i++) dE_ds[i] = t[i] - x[i]; /* the classic sign error of eq. (9) */
  return EX_SUCCESS;
}

int ex_output_weight_grad(size_t nj, size_t ni, const double *x_j, const double *dE_ds_i, double *dE_dW) {
  /* ****************************************************************************************************** */
  /* TODO: eq. (10), dE/dw_ji = dE/ds_i x_j (eq. (8): ds_i/dw_ji = x_j).                                     */
  /*   x_j: nj activations below;  dE_ds_i: ni deltas;  dE_dW: nj x ni, w_ji at dE_dW[j * ni + i], written.  */
  /* ****************************************************************************************************** */
  for (size_t j = 0; j < nj; j++)
    for (size_t i = 0; i < ni; i++) dE_dW[i * nj + j] = dE_ds_i[i] * x_j[j]; /* the transposed layout of eq. (10) */
  return EX_SUCCESS;
}
