/* test_plots.c - gnuplot figures (stub: filled in by the work on issue 3/4). */
#include "test_util.h"

int register_plots(void) { return bp_test_add_suite("plots", NULL, 0); }
