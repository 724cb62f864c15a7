/* core.c - the last error message, and allocation that never aborts. */
#include "core.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>

static _Thread_local char bp_last_error[512];

void bp_error_set(const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(bp_last_error, sizeof bp_last_error, fmt, ap);
  va_end(ap);
}

const char *bp_error_message(void) { return bp_last_error; }

static _Thread_local long bp_alloc_budget = -1; /* successful allocations left; < 0: no fault injection */

void bp_fault_inject_alloc(long n) { bp_alloc_budget = n; }

/* 1 when fault injection says this allocation fails (and records the message). */
static int injected_failure(size_t bytes) {
  if (bp_alloc_budget < 0) return 0;
  if (bp_alloc_budget > 0) {
    bp_alloc_budget--;
    return 0;
  }
  bp_error_set("out of memory allocating %zu bytes (injected failure)", bytes);
  return 1;
}

void *bp_malloc(size_t size) {
  if (injected_failure(size)) return NULL;
  void *p = malloc(size);
  if (p == NULL) bp_error_set("out of memory allocating %zu bytes", size);
  return p;
}

void *bp_calloc(size_t n, size_t size) {
  if (injected_failure(n * size)) return NULL;
  void *p = calloc(n, size);
  if (p == NULL) bp_error_set("out of memory allocating %zu x %zu bytes", n, size);
  return p;
}

void *bp_realloc(void *old, size_t size) {
  if (injected_failure(size)) return NULL;
  void *p = realloc(old, size);
  if (p == NULL) bp_error_set("out of memory growing a buffer to %zu bytes", size);
  return p;
}

/* GSL's allocators report failure through gsl_error(), which aborts by default; switch the handler off for the
 * call so a failed allocation becomes a NULL return here. */
gsl_vector *bp_vector_alloc(size_t n) {
  if (n == 0) {
    bp_error_set("cannot allocate a vector of length 0");
    return NULL;
  }
  if (injected_failure(n * sizeof(double))) return NULL;
  gsl_error_handler_t *saved = gsl_set_error_handler_off();
  gsl_vector *v = gsl_vector_calloc(n);
  gsl_set_error_handler(saved);
  if (v == NULL) bp_error_set("out of memory allocating a vector of length %zu", n);
  return v;
}

gsl_vector_uchar *bp_vector_uchar_alloc(size_t n) {
  if (n == 0) {
    bp_error_set("cannot allocate a vector of length 0");
    return NULL;
  }
  if (injected_failure(n)) return NULL;
  gsl_error_handler_t *saved = gsl_set_error_handler_off();
  gsl_vector_uchar *v = gsl_vector_uchar_calloc(n);
  gsl_set_error_handler(saved);
  if (v == NULL) bp_error_set("out of memory allocating a vector of length %zu", n);
  return v;
}

gsl_matrix *bp_matrix_alloc(size_t n1, size_t n2) {
  if (n1 == 0 || n2 == 0) {
    bp_error_set("cannot allocate a %zu x %zu matrix", n1, n2);
    return NULL;
  }
  if (injected_failure(n1 * n2 * sizeof(double))) return NULL;
  gsl_error_handler_t *saved = gsl_set_error_handler_off();
  gsl_matrix *m = gsl_matrix_calloc(n1, n2);
  gsl_set_error_handler(saved);
  if (m == NULL) bp_error_set("out of memory allocating a %zu x %zu matrix", n1, n2);
  return m;
}

gsl_vector_complex *bp_vector_complex_alloc(size_t n) {
  if (n == 0) {
    bp_error_set("cannot allocate a complex vector of length 0");
    return NULL;
  }
  if (injected_failure(2 * n * sizeof(double))) return NULL;
  gsl_error_handler_t *saved = gsl_set_error_handler_off();
  gsl_vector_complex *v = gsl_vector_complex_calloc(n);
  gsl_set_error_handler(saved);
  if (v == NULL) bp_error_set("out of memory allocating a complex vector of length %zu", n);
  return v;
}

gsl_matrix_complex *bp_matrix_complex_alloc(size_t n1, size_t n2) {
  if (n1 == 0 || n2 == 0) {
    bp_error_set("cannot allocate a %zu x %zu complex matrix", n1, n2);
    return NULL;
  }
  if (injected_failure(2 * n1 * n2 * sizeof(double))) return NULL;
  gsl_error_handler_t *saved = gsl_set_error_handler_off();
  gsl_matrix_complex *m = gsl_matrix_complex_calloc(n1, n2);
  gsl_set_error_handler(saved);
  if (m == NULL) bp_error_set("out of memory allocating a %zu x %zu complex matrix", n1, n2);
  return m;
}

gsl_rng *bp_rng_alloc(unsigned long seed) {
  if (injected_failure(sizeof(gsl_rng))) return NULL;
  gsl_error_handler_t *saved = gsl_set_error_handler_off();
  gsl_rng *rng = gsl_rng_alloc(gsl_rng_mt19937);
  gsl_set_error_handler(saved);
  if (rng == NULL) {
    bp_error_set("out of memory allocating a random number generator");
    return NULL;
  }
  gsl_rng_set(rng, seed);
  return rng;
}

int bp_core_check_shape(const char *who, const gsl_matrix *a, const char *a_name, const gsl_matrix *b,
                        const char *b_name) {
  if (a->size1 != b->size1 || a->size2 != b->size2)
    BP_ERROR(GSL_EBADLEN, "%s: %s is %zu x %zu but %s is %zu x %zu", who, a_name, a->size1, a->size2, b_name, b->size1,
             b->size2);
  return GSL_SUCCESS;
}
