/* ex03_softmax.c - tutorial 03: softmax, eq. (17)-(26) (tutorials/03-softmax). */
#include "exercises.h"

int ex_softmax_jacobian(size_t n, const double *x, double *J) {
  /* ****************************************************************************************************** */
  /* TODO: eq. (21), J[i * n + k] = dx_i/ds_k = x_i (1 - x_i) for i = k, -x_i x_k for i != k.               */
  /*   x: n softmax outputs of one example;  J: n x n, written.                                               */
  /* ****************************************************************************************************** */
  for (size_t i = 0; i < n; i++)
    for (size_t k = 0; k < n; k++) J[i * n + k] = x[i] * ((i == k) - x[k]);
  return EX_SUCCESS;
}

int ex_softmax_ds_split(size_t n, const double *x, const double *dE_dx, double *dE_ds) {
  /* ****************************************************************************************************** */
  /* TODO: eq. (23) as it holds (not as printed): eq. (22) split into the term k = i and the terms k != i,    */
  /*   dE/ds_i = dE/dx_i dx_i/ds_i + sum_{k != i} dE/dx_k dx_k/ds_i, with dx_k/ds_i from eq. (21).           */
  /*   x, dE_dx: n entries (dE_dx is any upstream gradient, not only eq. (19));  dE_ds: n entries, written.  */
  /* ****************************************************************************************************** */
  for (size_t i = 0; i < n; i++) {
    double sum = 0;
    for (size_t k = 0; k < n; k++)
      if (k != i) sum -= dE_dx[k] * (-x[k] * x[i]); /* eq. (23) as printed */
    dE_ds[i] = dE_dx[i] * x[i] * (1 - x[i]) + sum;
  }
  return EX_SUCCESS;
}

int ex_softmax_ds_expanded(size_t n, const double *x, const double *t, double *dE_ds) {
  /* ****************************************************************************************************** */
  /* TODO: eq. (24) as it holds: eq. (23) with eq. (19) and eq. (21) substituted,                            */
  /*   dE/ds_i = -t_i (1 - x_i) + sum_{k != i} t_k x_i.  Do not assume that the targets sum to one.          */
  /*   x, t: n entries;  dE_ds: n entries, written.                                                          */
  /* ****************************************************************************************************** */
  for (size_t i = 0; i < n; i++) {
    double sum = 0;
    for (size_t k = 0; k < n; k++)
      if (k != i) sum += t[k];
    dE_ds[i] = -t[i] * (1 - x[i]) + sum * x[i];
  }
  return EX_SUCCESS;
}
