/* test_property.c - bpcheck's own backprop must never FAIL (issue 15): the reproductions with every method,
 * and random networks on inputs of every magnitude. The backward pass is eq. (9)-(16), eq. (26)-(31), its hidden
 * delta takes eq. (7)'s x(1 - x) from s. Runs the binary named by $BPCHECK (default build/bpcheck). */
#define _POSIX_C_SOURCE 200809L
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "fd.h"
#include "test_util.h"

static char dir[64];
static char out[1 << 16], err[4096];

static int setup(void) {
  snprintf(dir, sizeof dir, "/tmp/bpcheck-property-XXXXXX");
  if (mkdtemp(dir) == NULL) return 1;
  /* the first reproduction: features of ordinary size whose hidden units saturate (s ~ 25..95) */
  return bp_test_write_file(dir, "sat.csv",
                            "0.018217363076920224,-16.709874243048052,24.57837135086997,0.6269943523439049,0,0\n");
}

static int teardown(void) {
  char cmd[128];
  snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
  return system(cmd) == 0 ? 0 : 1;
}

/* `bpcheck grad --data DIR/DATA ARGS --method M` for every method: exit 0 and PASS. Prints the output otherwise. */
static void passes_with_every_method(const char *data, const char *args, int line) {
  for (int m = 0; m < BP_FD_N_METHODS; m++) {
    char cmd[512];
    snprintf(cmd, sizeof cmd, "grad --data %s/%s %s --method %s", dir, data, args, bp_fd_method_name((bp_fd_method)m));
    int rc = bp_test_run_bpcheck(cmd, dir, out, sizeof out, err, sizeof err);
    int ok = rc == 0 && strncmp(out, "PASS", 4) == 0;
    if (!ok) printf("\n  %s:%d: bpcheck %s: exit %d, %.300s%s\n", __FILE__, line, cmd, rc, out, err);
    CU_ASSERT(ok);
  }
}

/* eq. (7), eq. (12): hidden units at s ~ 25..95, where 1 - x from the rounded x keeps a few digits or none. The
 * complex step resolved the 1e-5 relative error of x(1 - x) taken from x and FAILed bpcheck's own backprop. */
static void the_saturated_reproduction_should_pass_with_every_method(void) {
  passes_with_every_method("sat.csv", "--layers 3,4,3 --output logistic --seed 501", __LINE__);
}

int register_property(void) {
  static const bp_test_case cases[] = {
      {"the_saturated_reproduction_should_pass_with_every_method",
       the_saturated_reproduction_should_pass_with_every_method},
  };
  CU_pSuite suite = CU_add_suite("own backprop never fails: eq. (7), eq. (12), reproductions, random networks", setup,
                                 teardown);
  if (suite == NULL) return 1;
  for (size_t k = 0; k < sizeof cases / sizeof cases[0]; k++)
    if (CU_add_test(suite, cases[k].name, cases[k].fn) == NULL) return 1;
  return 0;
}
