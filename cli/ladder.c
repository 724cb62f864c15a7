/* ladder.c - `bpcheck ladder` (stub until the precision ladder lands). */
#include "cli.h"

int bp_cli_ladder(unsigned long seed, format fmt) {
  (void)seed, (void)fmt;
  return bp_cli_usage_error("%s", "the precision ladder is not built yet");
}
