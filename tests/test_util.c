/* test_util.c - assertion and data helpers shared by the suites. */
#include "test_util.h"

#include <math.h>
#include <stdio.h>

int bp_test_rel_close(double actual, double expected, double rtol, const char *what, const char *file, int line) {
  if (actual == expected) return 1;
  double scale = fmax(fabs(actual), fabs(expected));
  double rel = fabs(actual - expected) / scale;
  if (rel <= rtol) return 1;
  printf("\n  %s:%d: %s = %.17g, expected %.17g (relative error %.3g > %.3g)\n", file, line, what, actual, expected,
         rel, rtol);
  return 0;
}

void bp_test_fill_uniform(gsl_matrix *m, gsl_rng *rng, double lo, double hi) {
  for (size_t r = 0; r < m->size1; r++)
    for (size_t c = 0; c < m->size2; c++) gsl_matrix_set(m, r, c, lo + (hi - lo) * gsl_rng_uniform(rng));
}

void bp_test_fill_distribution(gsl_matrix *T, gsl_rng *rng) {
  for (size_t r = 0; r < T->size1; r++) {
    double sum = 0.0;
    for (size_t c = 0; c < T->size2; c++) {
      double v = 0.05 + gsl_rng_uniform(rng);
      gsl_matrix_set(T, r, c, v);
      sum += v;
    }
    for (size_t c = 0; c < T->size2; c++) gsl_matrix_set(T, r, c, gsl_matrix_get(T, r, c) / sum);
  }
}

gsl_rng *bp_test_rng(unsigned long seed) {
  gsl_rng *rng = gsl_rng_alloc(gsl_rng_mt19937);
  gsl_rng_set(rng, seed);
  return rng;
}

int bp_test_add_suite(const char *suite, const bp_test_case *cases, size_t n) {
  CU_pSuite s = CU_add_suite(suite, NULL, NULL);
  if (s == NULL) return 1;
  for (size_t k = 0; k < n; k++)
    if (CU_add_test(s, cases[k].name, cases[k].fn) == NULL) return 1;
  return 0;
}
