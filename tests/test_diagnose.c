/* test_diagnose.c - diagnosis of wrong gradients (stub: filled in by the work on issue 3/4). */
#include "test_util.h"

int register_diagnose(void) { return bp_test_add_suite("diagnose", NULL, 0); }
