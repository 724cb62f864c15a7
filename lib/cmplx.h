/* cmplx.h - one helper for the complex-step code: a double complex from its two parts. C11's CMPLX is missing
 * where the compiler lacks __builtin_complex (clang with glibc), and re + I * im turns an infinite im into a NaN
 * real part; C11 6.2.5 guarantees a complex is laid out as an array of its real and imaginary parts. */
#ifndef BP_CMPLX_H
#define BP_CMPLX_H

#include <complex.h>

#ifdef __cplusplus
extern "C" {
#endif

static inline double complex bp_cmplx(double re, double im) {
  double complex z;
  double *part = (double *)&z;
  part[0] = re, part[1] = im;
  return z;
}

#ifdef __cplusplus
}
#endif

#endif
