#!/bin/sh
# test_examples.sh B - the programs of examples/ as a user meets them (make check runs this after building them in
# B/examples with the in-tree headers):
#   - each runs with the exit status and the lines its header comment promises;
#   - a planted bug is caught and named: student_backprop's own bug, a sign flipped in derivation's formula, and
#     student_backprop with its bug fixed passes (so the diagnosis is not of a gradient that is otherwise wrong);
#   - derivation compiled as C++ runs like the C build;
#   - man/bpcheck.1 describes every command `bpcheck --help` lists, and groff formats it without a warning;
#   - `make install DESTDIR=<tmp> PREFIX=/usr` installs the binary, the library, the headers under
#     include/bpcheck/, bpcheck.pc and the man page; an example compiled outside the tree with
#     `pkg-config --cflags --libs bpcheck` (PKG_CONFIG_SYSROOT_DIR=<tmp>) runs; every installed header compiles on
#     its own in C and in C++; `make uninstall` removes every file.
# Needs CC, CXX, CFLAGS, LDLIBS and MAKE from the Makefile. Prints one line per part; the exit status counts failures.
B=${1:-build}
CC=${CC:-cc}
MAKE=${MAKE:-make}
tmp=$(mktemp -d "${TMPDIR:-/tmp}/bpcheck-examples.XXXXXX") || exit 1
trap 'rm -rf "$tmp"' EXIT
failures=0

fail() {
  echo "test_examples: FAIL: $1" >&2
  [ -f "$tmp/out" ] && sed 's/^/    /' "$tmp/out" >&2
  failures=$((failures + 1))
}

# expect STATUS PATTERN... -- COMMAND...: runs COMMAND, wants exit STATUS and every PATTERN (grep -E) in its output.
expect() {
  want=$1; shift
  patterns=""
  while [ "$1" != "--" ]; do patterns="$patterns
$1"; shift; done
  shift
  "$@" >"$tmp/out" 2>&1
  got=$?
  [ "$got" = "$want" ] || { fail "$* exited $got, expected $want"; return; }
  echo "$patterns" | while IFS= read -r p; do
    [ -z "$p" ] && continue
    grep -Eq -- "$p" "$tmp/out" || { echo "missing: $p" >>"$tmp/missing"; }
  done
  if [ -s "$tmp/missing" ]; then fail "$* printed no line matching: $(cat "$tmp/missing")"; rm -f "$tmp/missing"; fi
}

# compile SOURCE OUTPUT CFLAGS...: the example as a user builds it, against the in-tree library.
compile() {
  src=$1; out=$2; shift 2
  $CC $CFLAGS "$@" -o "$out" "$src" $B/libbpcheck.a $LDLIBS >"$tmp/out" 2>&1 || { fail "cannot compile $src"; return 1; }
}

expect 1 '^FAIL: ' 'missing-activation-derivative' 'x\(1-x\)' -- $B/examples/student_backprop
sed 's|ds1\[i\] = dh; /\* BUG.*|ds1[i] = dh * h[i] * (1.0 - h[i]);|' examples/student_backprop.c >"$tmp/fixed.c"
grep -q '/\* BUG' "$tmp/fixed.c" && fail "the BUG line of student_backprop.c was not found to fix"
compile "$tmp/fixed.c" "$tmp/fixed" -I$B/include && expect 0 '^PASS: 0 of 33 entries fail' -- "$tmp/fixed"

expect 0 'eq\. \(26\) dE/ds = x - t: PASS' -- $B/examples/derivation
expect 0 'eq\. \(26\) dE/ds = x - t: PASS' -- $B/examples/derivation_cxx
sed 's|gsl_matrix_get(J, 0, i) - gsl_matrix_get(T, 0, i)|gsl_matrix_get(T, 0, i) - gsl_matrix_get(J, 0, i)|' \
  examples/derivation.c >"$tmp/sign.c"
cmp -s examples/derivation.c "$tmp/sign.c" && fail "the formula of derivation.c was not found to flip"
compile "$tmp/sign.c" "$tmp/sign" -I$B/include && expect 1 ': FAIL' 'diagnosis: .*sign' -- "$tmp/sign"

expect 0 '^central +PASS' '^complex +PASS' -- $B/examples/complex_step
echo "test_examples: student_backprop (its bug named, fixed it passes), derivation (C, C++, a flipped sign named), complex_step"

# The manual page describes every command `bpcheck --help` lists, and groff (when installed) formats it cleanly.
for cmd in $($B/bpcheck --help 2>&1 | sed -n '/^commands:/,/^$/s/^  \([a-z][a-z]*\) .*/\1/p'); do
  grep -Eq "^\.BI? $cmd( |\$)" man/bpcheck.1 ||
    fail "man/bpcheck.1 does not describe the command '$cmd' that bpcheck --help lists (add a .TP entry)"
done
if command -v groff >/dev/null 2>&1; then
  LC_ALL=C.UTF-8 groff -man -Tutf8 -ww -z man/bpcheck.1 >"$tmp/out" 2>&1 && [ ! -s "$tmp/out" ] ||
    fail "groff warns about man/bpcheck.1"
fi

# make install into a staging tree, then an outside build through pkg-config.
root="$tmp/root"
if $MAKE --no-print-directory install B=$B DESTDIR="$root" PREFIX=/usr >"$tmp/out" 2>&1; then
  for f in usr/bin/bpcheck usr/lib/libbpcheck.a usr/include/bpcheck/core.h usr/include/bpcheck/fd.h \
    usr/include/bpcheck/gradcheck.h usr/include/bpcheck/data.h usr/lib/pkgconfig/bpcheck.pc \
    usr/share/man/man1/bpcheck.1; do
    [ -f "$root/$f" ] || fail "make install did not install /$f"
  done
  grep -q '^prefix=/usr$' "$root/usr/lib/pkgconfig/bpcheck.pc" || fail "bpcheck.pc does not say prefix=/usr"
  flags=$(PKG_CONFIG_SYSROOT_DIR="$root" PKG_CONFIG_PATH="$root/usr/lib/pkgconfig" PKG_CONFIG_LIBDIR= \
    pkg-config --cflags --libs bpcheck) || fail "pkg-config --cflags --libs bpcheck failed"
  # outside the tree: a copy of the example, no -Ilib, no path into the source
  cp examples/student_backprop.c "$tmp/outside.c"
  (cd "$tmp" && $CC $CFLAGS -o outside outside.c $flags) >"$tmp/out" 2>&1 ||
    fail "cannot compile an example with pkg-config's flags: $flags"
  [ -x "$tmp/outside" ] && expect 1 'missing-activation-derivative' -- "$tmp/outside" examples/data/three-class.csv
  # every installed header on its own, as C and as C++ (its extern "C" guards)
  for h in "$root"/usr/include/bpcheck/*.h; do
    printf '#include <bpcheck/%s>\nint main(void) { return 0; }\n' "$(basename "$h")" >"$tmp/one.c"
    $CC -std=c11 -Wall -Wextra -Wpedantic -Werror -fsyntax-only $flags "$tmp/one.c" >"$tmp/out" 2>&1 ||
      fail "the installed $(basename "$h") does not compile on its own in C"
    ${CXX:-g++} -x c++ -std=c++11 -Wall -Wextra -Wpedantic -Werror -fsyntax-only $flags "$tmp/one.c" >"$tmp/out" 2>&1 ||
      fail "the installed $(basename "$h") does not compile on its own in C++"
  done
  "$root/usr/bin/bpcheck" --version >"$tmp/out" 2>&1 || fail "the installed bpcheck does not run"
  $MAKE --no-print-directory uninstall B=$B DESTDIR="$root" PREFIX=/usr >"$tmp/out" 2>&1 || fail "make uninstall failed"
  left=$(find "$root" -type f | sed "s|^$root||")
  [ -z "$left" ] || fail "make uninstall left: $left"
  echo "test_examples: make install DESTDIR=... PREFIX=/usr, an outside build with pkg-config --cflags --libs bpcheck, make uninstall"
else
  fail "make install DESTDIR=$root PREFIX=/usr failed"
fi
exit $failures
