#!/bin/sh
# test_coursework.sh B - the handout and the Gradescope autograder, from fresh copies (docs/coursework.md):
#   1. `make handout`, the tarball unpacked elsewhere: `make` builds it; `make test` grades the untouched files
#      (0 points, every exercise "not attempted", exit status non-zero) and then the instructor's solutions copied
#      in (full marks, exit 0);
#   2. `make gradescope-dir` laid out as Gradescope lays out /autograder (source/, submission/, results/) under a
#      temporary root ($BPCHECK_AUTOGRADER_ROOT): setup.sh builds the grader, run_autograder writes results.json
#      for a full-marks submission, one that does not compile (uploaded as a folder), an empty one, and with the
#      grader missing; each results.json parses (python3) with the fields Gradescope reads;
#   3. `make gradescope` zips it (when zip is installed).
# The grader copies are built at -O0 to keep the suite quick.
set -u
B=${1:-build}
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root" || exit 2
work=$(mktemp -d "${TMPDIR:-/tmp}/bpcheck-coursework.XXXXXX") || exit 2
trap 'rm -rf "$work"' EXIT
fail=0
say() { echo "test_coursework: $*"; }
bad() { say "FAIL: $*"; fail=1; }
export CFLAGS="-std=c11 -O0"

make --no-print-directory -s B="$B" handout >"$work/make-handout.log" 2>&1 || { cat "$work/make-handout.log"; bad "make handout"; exit 1; }
mkdir "$work/student"
tar -xzf "$B/handout/bpcheck-handout.tar.gz" -C "$work/student" || bad "the tarball does not unpack"
h=$work/student/bpcheck-handout
grep -q 'BEGIN SOLUTION' "$h"/ex0*.c "$h"/grader/course/* && bad "the handout holds a solution region"
(cd "$h" && make -s >"$work/make.log" 2>&1) || { cat "$work/make.log"; bad "make in the handout"; }
(cd "$h" && make -s test >"$work/test0.log" 2>&1) && bad "make test on the untouched handout exits 0"
grep -q '^total 0 / ' "$work/test0.log" && grep -q 'exercises not attempted yet' "$work/test0.log" ||
  { cat "$work/test0.log"; bad "the untouched handout does not score 0 as not attempted"; }
cp course/ex0*.c "$h/"
(cd "$h" && make -s test >"$work/test1.log" 2>&1) || { cat "$work/test1.log"; bad "make test with the solutions"; }
total=$(sed -n 's/^total \([0-9.]*\) \/ \([0-9.]*\)$/\1 \2/p' "$work/test1.log")
set -- $total
[ $# -eq 2 ] && [ "$1" = "$2" ] || bad "the solutions in the handout score '$total', not full marks"
[ $fail -eq 0 ] && say "make handout, then make and make test in a fresh copy: 0 untouched, full marks solved"

# Gradescope: /autograder/{source,submission,results} under a temporary root.
make --no-print-directory -s B="$B" gradescope-dir >"$work/make-gs.log" 2>&1 || { cat "$work/make-gs.log"; bad "make gradescope-dir"; exit 1; }
gs=$work/autograder
mkdir -p "$gs/source" "$gs/submission"
cp -R "$B/autograder/." "$gs/source/"
export BPCHECK_AUTOGRADER_ROOT="$gs"
sh "$gs/source/setup.sh" >"$work/setup.log" 2>&1 || { cat "$work/setup.log"; bad "setup.sh"; }
py=""
for p in python3 /usr/bin/python3; do command -v "$p" >/dev/null 2>&1 && { py=$p; break; }; done

# run_autograder on the submission laid out by $1 (a function), then checks results.json with the python $2.
grade_as_gradescope() {
  rm -rf "$gs/submission" "$gs/results"
  mkdir -p "$gs/submission"
  "$1"
  sh "$gs/source/run_autograder" || bad "$1: run_autograder exits non-zero"
  [ -s "$gs/results/results.json" ] || { bad "$1: no results.json"; return; }
  if [ -n "$py" ]; then
    "$py" -c "
import json, sys
d = json.load(open(sys.argv[1]))
assert isinstance(d['score'], (int, float)), 'score'
for t in d['tests']:
    assert set(t) >= {'name', 'score', 'max_score', 'status', 'output', 'output_format'}, t
    assert t['output_format'] == 'md' and t['status'] in ('passed', 'failed'), t
$2" "$gs/results/results.json" || { cat "$gs/results/results.json"; bad "$1: results.json"; }
  else
    say "python3 not found: results.json only checked to exist"
  fi
}
full() { cp course/ex0*.c "$gs/submission/"; }
broken_folder() {
  mkdir "$gs/submission/my work"
  cp course/ex0*.c "$gs/submission/my work/"
  printf '#include "exercises.h"\nint ex_logistic_dE_dx(size_t n) { return n +; }\n' >"$gs/submission/my work/ex01_logistic.c"
}
empty() { :; }
grade_as_gradescope full "
assert d['score'] == sum(t['max_score'] for t in d['tests']) > 0, d['score']
assert all(t['status'] == 'passed' for t in d['tests'])"
grade_as_gradescope broken_folder "
t = {x['name'].split(',')[0]: x for x in d['tests']}
assert t['logistic_dE_dx']['score'] == 0 and 'does not compile' in t['logistic_dE_dx']['output'], t['logistic_dE_dx']
assert 'ex01_logistic.c:2' in t['logistic_dE_dx']['output'], 'the compiler message'
assert t['hidden_delta']['score'] == t['hidden_delta']['max_score']
assert 0 < d['score'] < sum(x['max_score'] for x in d['tests'])"
grade_as_gradescope empty "
assert d['score'] == 0 and len(d['tests']) >= 12"
mv "$gs/source/grader/bpcheck" "$gs/source/grader/bpcheck.away"
grade_as_gradescope empty "
assert d['score'] == 0 and 'could not run' in d['output'], d"
mv "$gs/source/grader/bpcheck.away" "$gs/source/grader/bpcheck"
[ $fail -eq 0 ] && say "run_autograder under a Gradescope layout: results.json for full marks, a compile error, an empty submission and a missing grader"

if command -v zip >/dev/null 2>&1 && command -v unzip >/dev/null 2>&1; then
  make --no-print-directory -s B="$B" gradescope >/dev/null 2>&1 || bad "make gradescope"
  unzip -l "$B/autograder.zip" | grep -q ' setup.sh$' && unzip -l "$B/autograder.zip" | grep -q ' run_autograder$' ||
    bad "autograder.zip lacks setup.sh or run_autograder"
else
  say "zip or unzip not installed: autograder.zip not built (make gradescope installs zip as root)"
fi
[ $fail -eq 0 ] && say "every check passed"
exit $fail
