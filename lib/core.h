/* core.h - errors and allocation shared by every bpcheck module.
 *
 * The library never prints, never exits and never calls GSL's error handler (whose default aborts the caller):
 * a function that fails records a message and returns a GSL status (GSL_EINVAL, GSL_EBADLEN, GSL_ENOMEM, ...).
 * bp_error_message() returns the message of the last failure in this thread. */
#ifndef BP_CORE_H
#define BP_CORE_H

#include <stddef.h>
#include <gsl/gsl_errno.h>
#include <gsl/gsl_matrix.h>
#include <gsl/gsl_matrix_complex_double.h>
#include <gsl/gsl_rng.h>
#include <gsl/gsl_vector.h>
#include <gsl/gsl_vector_complex_double.h>

#ifdef __cplusplus
extern "C" {
#endif

#define BP_VERSION "0.1.0"

/* Record a printf-style message; it replaces the previous one. */
void bp_error_set(const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 1, 2)))
#endif
    ;
const char *bp_error_message(void);

/* Record the message and return the status from the calling function. */
#define BP_ERROR(status, ...)  \
  do {                         \
    bp_error_set(__VA_ARGS__); \
    return (status);           \
  } while (0)

/* Every allocation of the library goes through these: NULL (with a message) on failure, never GSL's aborting
 * error handler. Vector and matrix sizes must be positive; the arrays are zeroed. */
void *bp_malloc(size_t size);
void *bp_calloc(size_t n, size_t size);
void *bp_realloc(void *p, size_t size);
gsl_vector *bp_vector_alloc(size_t n);
gsl_matrix *bp_matrix_alloc(size_t n1, size_t n2);
gsl_vector_uchar *bp_vector_uchar_alloc(size_t n);
/* The same for complex data (the complex step, fd.h): zeroed, 2 doubles per entry. */
gsl_vector_complex *bp_vector_complex_alloc(size_t n);
gsl_matrix_complex *bp_matrix_complex_alloc(size_t n1, size_t n2);
/* A Mersenne Twister (gsl_rng_mt19937) seeded with seed, which it reads modulo 2^32. */
gsl_rng *bp_rng_alloc(unsigned long seed);

/* Fault injection for tests (as SQLite does): after n more successful allocations, every allocation fails
 * until this is called with n < 0 (the default, off). Lets a test provoke each out-of-memory path. Per thread. */
void bp_fault_inject_alloc(long n);

/* Status helpers for argument checks: GSL_EBADLEN when shapes differ. */
int bp_core_check_shape(const char *who, const gsl_matrix *a, const char *a_name, const gsl_matrix *b,
                        const char *b_name);

#ifdef __cplusplus
}
#endif

#endif
