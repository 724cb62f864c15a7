/* test_util.h - shared helpers for the CUnit suites. One suite per equation group; test names read as
 * sentences. Every suite file defines one `int register_<name>(void)` listed in test_main.c. */
#ifndef BP_TEST_UTIL_H
#define BP_TEST_UTIL_H

#include <CUnit/CUnit.h>
#include <gsl/gsl_matrix.h>
#include <gsl/gsl_rng.h>
#include <gsl/gsl_vector.h>

/* |actual - expected| <= rtol * max(|actual|, |expected|), or both exactly equal (also both zero).
 * On failure prints both values with %.17g and the relative error. CUnit's own DOUBLE_EQUAL is absolute only. */
int bp_test_rel_close(double actual, double expected, double rtol, const char *what, const char *file, int line);
#define ASSERT_REL_CLOSE(actual, expected, rtol)                                                                \
  CU_ASSERT(bp_test_rel_close((actual), (expected), (rtol), #actual, __FILE__, __LINE__))

/* Fills with uniform values in [lo, hi) from rng; irregular values, never round ones. */
void bp_test_fill_uniform(gsl_matrix *m, gsl_rng *rng, double lo, double hi);
/* Each row of T becomes a random probability distribution (positive, sums to 1). */
void bp_test_fill_distribution(gsl_matrix *T, gsl_rng *rng);
/* A fresh generator with a fixed seed so every run sees the same points. */
gsl_rng *bp_test_rng(unsigned long seed);

/* Adds the tests of a table to a new suite; returns 0 on success. */
typedef struct {
  const char *name;
  void (*fn)(void);
} bp_test_case;
int bp_test_add_suite(const char *suite, const bp_test_case *cases, size_t n);

#endif
