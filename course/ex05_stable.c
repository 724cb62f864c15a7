/* ex05_stable.c - tutorial 05: numerically stable losses, eq. (32)-(40) (tutorials/05-stable-losses). */
#include <math.h>

#include "exercises.h"

int ex_logistic_loss_stable(size_t n, const double *s, const double *t, double *E) {
  /* ****************************************************************************************************** */
  /* TODO: eq. (36), E = sum_i -t_i s_i + log(1 + e^{s_i}), finite for every finite s:                      */
  /*   log(1 + e^s) = max(s, 0) + log1p(e^{-|s|}).   s, t: n entries;  E: one double, written.               */
  /* ****************************************************************************************************** */
  /* BEGIN SOLUTION */
  double sum = 0;
  for (size_t i = 0; i < n; i++) sum += -t[i] * s[i] + fmax(s[i], 0) + log1p(exp(-fabs(s[i])));
  *E = sum;
  return EX_SUCCESS;
  /* END SOLUTION */
}

int ex_softmax_loss_stable(size_t n, const double *s, const double *t, double *E) {
  /* ****************************************************************************************************** */
  /* TODO: eq. (38), E = -sum_i t_i (s_i - log sum_j e^{s_j}), finite for every finite s: subtract          */
  /*   m = max_j s_j inside the log-sum-exp (the remark after eq. (40)): log sum_j e^{s_j} = m + log sum_j   */
  /*   e^{s_j - m}.   s, t: n entries;  E: one double, written.                                              */
  /* ****************************************************************************************************** */
  /* BEGIN SOLUTION */
  double m = s[0], sum = 0, t_sum = 0, E_sum = 0;
  for (size_t j = 1; j < n; j++) m = fmax(m, s[j]);
  for (size_t j = 0; j < n; j++) sum += exp(s[j] - m);
  /* -t_i (s_i - m - log sum) = t_i (m - s_i) + t_i log sum: no large m added and subtracted again */
  for (size_t i = 0; i < n; i++) {
    E_sum += t[i] * (m - s[i]);
    t_sum += t[i];
  }
  E_sum += t_sum * log(sum);
  *E = E_sum;
  return EX_SUCCESS;
  /* END SOLUTION */
}
