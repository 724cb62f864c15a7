/* property/main.c - `make property`: the property test of eq. (9)-(16), eq. (26)-(31) at length (property.h).
 * Usage: property [CASES [SEED]] (default 10000 cases per method from seed 1). Prints a line per method and every
 * false verdict with the command that reproduces it; exits 1 if there was one. */
#include <stdio.h>
#include <stdlib.h>

#include <gsl/gsl_errno.h>

#include "core.h"
#include "../property.h"

int main(int argc, char **argv) {
  gsl_set_error_handler_off();
  size_t n = argc > 1 ? strtoul(argv[1], NULL, 10) : 10000;
  unsigned long seed = argc > 2 ? strtoul(argv[2], NULL, 10) : 1;
  int bad = 0;
  printf("property: %zu random networks per method from seed %lu (case k has seed %lu + k)\n", n, seed, seed);
  for (int m = 0; m < BP_FD_N_METHODS; m++) {
    bp_property_tally t;
    if (bp_property_run(seed, n, (bp_fd_method)m, stdout, 20, &t)) {
      fprintf(stderr, "property: %s\n", bp_error_message());
      return 2;
    }
    printf("%-10s %zu cases: %zu PASS, %zu NO SIGNAL, %zu FAIL, %zu NOT SMOOTH, %zu skipped (loss not finite); "
           "%zu diagnosed; %zu entries judged by the floor\n",
           bp_fd_method_name((bp_fd_method)m), t.cases, t.verdicts[BP_VERDICT_PASS], t.verdicts[BP_VERDICT_NO_SIGNAL],
           t.verdicts[BP_VERDICT_FAIL], t.verdicts[BP_VERDICT_NOT_SMOOTH], t.skipped, t.diagnosed, t.floor_judged);
    fflush(stdout);
    bad |= t.failed > 0;
  }
  return bad;
}
