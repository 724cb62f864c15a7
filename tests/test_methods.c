/* test_methods.c - finite-difference methods, estimates, modes (stub: filled in by the work on issue 3/4). */
#include "test_util.h"

int register_methods(void) { return bp_test_add_suite("methods", NULL, 0); }
