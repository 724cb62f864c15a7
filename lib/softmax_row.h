/* softmax_row.h - internal to lib/ (not part of the API): the max-shifted exponentials of one softmax row,
 * shared by the forward pass eq. (17) and the stable error eq. (38). */
#ifndef BP_SOFTMAX_ROW_H
#define BP_SOFTMAX_ROW_H

#include <stddef.h>
#include <gsl/gsl_matrix.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Row r of S: m = max_j s_j, first reached at column *argmax. Writes e_j = e^{s_j - m} to row r of E (E may be S,
 * or NULL to write nothing) and returns rest = sum_{j != argmax} e_j, so sum_j e_j = 1 + rest with the 1 exact:
 * log1p(rest) keeps log sum_j e^{s_j - m} accurate when it is tiny. */
double bp_softmax_row_exp(const gsl_matrix *S, size_t r, gsl_matrix *E, size_t *argmax, double *max);

#ifdef __cplusplus
}
#endif

#endif
