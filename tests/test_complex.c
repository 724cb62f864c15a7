/* test_complex.c - complex-step forward passes (stub: filled in by the work on issue 3/4). */
#include "test_util.h"

int register_complex(void) { return bp_test_add_suite("complex", NULL, 0); }
