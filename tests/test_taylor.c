/* test_taylor.c - Taylor-remainder test and precision ladder (stub: filled in by the work on issue 3/4). */
#include "test_util.h"

int register_taylor(void) { return bp_test_add_suite("taylor", NULL, 0); }
