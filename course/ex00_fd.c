/* ex00_fd.c - tutorial 00: finite differences (tutorials/00-finite-differences). */
#include "exercises.h"

int ex_central_difference(ex_function f, void *ctx, double x, double h, double *dfdx) {
  /* ****************************************************************************************************** */
  /* TODO: the central difference of f at x:  dfdx = (f(x + h) - f(x - h)) / (2 h).                          */
  /*   f(x, ctx) evaluates the function; h > 0 is the step; write one double to *dfdx.                      */
  /* ****************************************************************************************************** */
  /* BEGIN SOLUTION */
  *dfdx = (f(x + h, ctx) - f(x - h, ctx)) / (2 * h);
  return EX_SUCCESS;
  /* END SOLUTION */
}
