/* test_main.c - runs every suite with CUnit's basic runner. The exit status is the number of failed assertions
 * plus the suites whose setup or teardown failed (capped at 255 by the shell), read before the registry is cleaned
 * up. CUnit's "Elapsed time" is the processor time of this process alone (clock()), without the commands the
 * suites run; the line after it gives the wall time of the whole run. */
#define _POSIX_C_SOURCE 200809L
#include <stdio.h>
#include <time.h>

#include <CUnit/Basic.h>
#include <gsl/gsl_errno.h>

#include "test_util.h"

int main(void) {
  /* The library never calls GSL's handler; this catches any GSL routine that would, instead of aborting. */
  gsl_set_error_handler_off();
  if (CU_initialize_registry() != CUE_SUCCESS) return 1;
  int (*const suites[])(void) = {register_grade,     register_logistic,     register_softmax,  register_stable,
                                 register_mlp,       register_gradcheck,    register_data,     register_complex,
                                 register_methods,   register_taylor,       register_modes,    register_estimates,
                                 register_mistakes,  register_netcheck,     register_diagnose, register_checks,
                                 register_cli,       register_grad_student, register_faults,   register_extremes,
                                 register_bad_input, register_plots,        register_property, register_train,
                                 register_speed,     register_numpy};
  for (size_t k = 0; k < sizeof suites / sizeof suites[0]; k++)
    if (suites[k]()) {
      fprintf(stderr, "test_bpcheck: cannot register suite %zu: %s\n", k, CU_get_error_msg());
      CU_cleanup_registry();
      return 1;
    }
  CU_basic_set_mode(CU_BRM_VERBOSE);
  struct timespec t0, t1;
  clock_gettime(CLOCK_MONOTONIC, &t0);
  CU_basic_run_tests();
  clock_gettime(CLOCK_MONOTONIC, &t1);
  printf("Wall time    = %8.3f seconds (CUnit's Elapsed time above is this process's processor time only, without\n"
         "                                the bpcheck, sh and gnuplot commands the suites run)\n",
         (double)(t1.tv_sec - t0.tv_sec) + 1e-9 * (double)(t1.tv_nsec - t0.tv_nsec));
  unsigned failures = CU_get_number_of_failures() + CU_get_number_of_suites_failed();
  CU_cleanup_registry();
  return failures > 255 ? 255 : (int)failures;
}
