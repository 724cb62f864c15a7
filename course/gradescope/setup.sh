#!/bin/sh
# Gradescope runs this once when it builds the autograder image: installs the compiler and GSL, then builds the
# grader from the sources in /autograder/source (the zip's contents).
set -eu
root=${BPCHECK_AUTOGRADER_ROOT:-/autograder}
if [ ! -f /usr/include/gsl/gsl_blas.h ] && command -v apt-get >/dev/null 2>&1; then
  apt-get update
  DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends gcc make libc6-dev libgsl-dev python3
fi
make -C "$root/source" grader/bpcheck
