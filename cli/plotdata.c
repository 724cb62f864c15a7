/* plotdata.c - `bpcheck plotdata NAME` (stub until issue 4's figures land). */
#include "cli.h"

int bp_cli_plotdata(const char *name, unsigned long seed) {
  (void)seed;
  return bp_cli_usage_error("no plot data named '%s'", name);
}
