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
#include <gsl/gsl_vector.h>

#define BP_VERSION "0.1.0"

/* Record a printf-style message; it replaces the previous one. */
void bp_error_set(const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 1, 2)))
#endif
    ;
const char *bp_error_message(void);

/* Record the message and return the status from the calling function. */
#define BP_ERROR(status, ...)                                                                                   \
  do {                                                                                                          \
    bp_error_set(__VA_ARGS__);                                                                                  \
    return (status);                                                                                            \
  } while (0)

/* Allocation that returns NULL (with a message) instead of invoking GSL's aborting error handler.
 * Sizes must be positive. */
gsl_vector *bp_vector_alloc(size_t n);
gsl_matrix *bp_matrix_alloc(size_t n1, size_t n2);

/* Status helpers for argument checks: GSL_EBADLEN when shapes differ. */
int bp_check_same_shape(const char *who, const gsl_matrix *a, const char *a_name, const gsl_matrix *b,
                        const char *b_name);

#endif
