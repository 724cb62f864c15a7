/* ex04_softmax_net.c - tutorial 04: the softmax network, eq. (26)-(31) (tutorials/04-softmax-network). */
#include <stdlib.h>

#include "exercises.h"

int ex_softmax_output_delta(size_t n, const double *x, const double *t, double *dE_ds) {
  /* ****************************************************************************************************** */
  /* TODO: eq. (26), the output delta of a softmax layer with the cross-entropy of eq. (18), for targets     */
  /*   that sum to one.   x, t: n entries;  dE_ds: n entries, written.                                      */
  /* ****************************************************************************************************** */
  /* BEGIN SOLUTION */
  for (size_t i = 0; i < n; i++) dE_ds[i] = x[i] - t[i];
  return EX_SUCCESS;
  /* END SOLUTION */
}

/* BEGIN SOLUTION */
int ex_solution_backward_from(const ex_network *net, const double *dS_L, double *grad); /* ex02_hidden.c */
/* END SOLUTION */

int ex_softmax_network_backward(const ex_network *net, double *grad) {
  /* ****************************************************************************************************** */
  /* TODO: eq. (26)-(31), the backward pass of a network with a softmax output layer over a batch.          */
  /*   Output deltas, eq. (26): dS_L = X_L - T.  The output weights, eq. (29): dW_L = X_{L-1}^T dS_L (one   */
  /*   term per weight: see the erratum of eq. (28)).  The hidden deltas, eq. (31), as in eq. (12).          */
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
