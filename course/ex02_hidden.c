/* ex02_hidden.c - tutorial 02: hidden layers and the recursion, eq. (11)-(16) (tutorials/02-hidden-layers). */
#include <stdlib.h>
#include <string.h>

#include "exercises.h"

int ex_hidden_delta(size_t nj, size_t ni, const double *W, const double *x_j, const double *dE_ds_i, double *dE_ds_j) {
  /* ****************************************************************************************************** */
  /* TODO: eq. (12), dE/ds_j = sum_i dE/ds_i w_ji x_j (1 - x_j).                                            */
  /*   W: nj x ni, w_ji at W[j * ni + i];  x_j: nj;  dE_ds_i: ni;  dE_ds_j: nj, written.                    */
  /* ****************************************************************************************************** */
  /* BEGIN SOLUTION */
  for (size_t j = 0; j < nj; j++) {
    double sum = 0;
    for (size_t i = 0; i < ni; i++) sum += dE_ds_i[i] * W[j * ni + i];
    dE_ds_j[j] = sum * x_j[j] * (1 - x_j[j]);
  }
  return EX_SUCCESS;
  /* END SOLUTION */
}

/* BEGIN SOLUTION */
/* The recursion shared by both network exercises, from the output deltas dS_L (batch x sizes[L]) down:
 *   dW_l = X_{l-1}^T dS_l, db_l = 1^T dS_l                eq. (10), eq. (15), eq. (16)
 *   dS_{l-1} = (dS_l W_l^T) * x(1 - x)                     eq. (12) */
int ex_solution_backward_from(const ex_network *net, const double *dS_L, double *grad);
int ex_solution_backward_from(const ex_network *net, const double *dS_L, double *grad) {
  size_t L = net->n_layers, B = net->batch, offset[65], widest = 0;
  if (L < 1 || L > 64) return -1;
  size_t o = 0;
  for (size_t l = 1; l <= L; l++) {
    offset[l] = o;
    o += net->sizes[l - 1] * net->sizes[l] + net->sizes[l];
  }
  for (size_t l = 0; l <= L; l++)
    if (net->sizes[l] > widest) widest = net->sizes[l];
  double *dS = malloc(B * widest * sizeof *dS), *below = malloc(B * widest * sizeof *below);
  if (dS == NULL || below == NULL) {
    free(dS);
    free(below);
    return -1;
  }
  memcpy(dS, dS_L, B * net->sizes[L] * sizeof *dS);
  for (size_t l = L; l >= 1; l--) {
    size_t nj = net->sizes[l - 1], ni = net->sizes[l];
    const double *W = net->params + offset[l], *X = net->X[l - 1];
    double *dW = grad + offset[l], *db = dW + nj * ni;
    for (size_t b = 0; b < B; b++)
      for (size_t i = 0; i < ni; i++) {
        db[i] += dS[b * ni + i];
        for (size_t j = 0; j < nj; j++) dW[j * ni + i] += X[b * nj + j] * dS[b * ni + i];
      }
    if (l == 1) break;
    for (size_t b = 0; b < B; b++)
      for (size_t j = 0; j < nj; j++) {
        double sum = 0, x = X[b * nj + j];
        for (size_t i = 0; i < ni; i++) sum += dS[b * ni + i] * W[j * ni + i];
        below[b * nj + j] = sum * x * (1 - x);
      }
    memcpy(dS, below, B * nj * sizeof *dS);
  }
  free(dS);
  free(below);
  return EX_SUCCESS;
}
/* END SOLUTION */

int ex_network_backward(const ex_network *net, double *grad) {
  /* ****************************************************************************************************** */
  /* TODO: eq. (9)-(16), the backward pass of a logistic network of any depth over a batch.                   */
  /*   Output deltas, eq. (9): dS_L = X_L - T (batch x sizes[L]).                                             */
  /*   Then for l = L .. 1:  dW_l = X_{l-1}^T dS_l (eq. (10), (16)),  db_l = sum over the batch of dS_l,      */
  /*   and below it dS_{l-1} = (dS_l W_l^T) * x_{l-1}(1 - x_{l-1}) (eq. (12)).                              */
  /*   grad: the layout of net->params (W1, b1, W2, b2, ...), zero-filled; write every entry.                 */
  /* ****************************************************************************************************** */
  /* BEGIN SOLUTION */
  size_t L = net->n_layers, n = net->batch * net->sizes[L];
  double *dS = malloc(n * sizeof *dS);
  if (dS == NULL) return -1;
  for (size_t k = 0; k < n; k++) dS[k] = net->X[L][k] - net->T[k];
  int status = ex_solution_backward_from(net, dS, grad);
  free(dS);
  return status;
  /* END SOLUTION */
}
