#!/bin/sh
# test_coursework.sh B - the handout and the Gradescope autograder, from fresh copies (docs/coursework.md):
#   1. `make handout`, the tarball unpacked elsewhere: `make` builds it; `make test` grades the untouched files
#      (0 points, every exercise "not attempted", exit status non-zero) and then the instructor's solutions copied
#      in (full marks, exit 0);
#   2. `make gradescope-dir` laid out as Gradescope lays out /autograder (source/, submission/, results/) under a
#      temporary root ($BPCHECK_AUTOGRADER_ROOT): setup.sh builds the grader, run_autograder writes results.json
#      for a full-marks submission, one that does not compile (uploaded as a folder), an empty one, and with the
#      grader missing; each results.json parses (python3) with the fields Gradescope reads;
#   3. `make gradescope` zips it (when zip is installed);
#   4. `bpcheck grade --class` on a class of five: the solutions, the untouched handout, course/examples/mistakes,
#      one with a planted crash (and examples/mistakes' ex01), one that does not compile (named with a comma and
#      quotes); each gradebook row equals `bpcheck grade --format json` on that submission alone, -j 1 and -j 2 write
#      the same bytes, the report names the planted sign mistake as the most frequent diagnosis of eq. (9), the
#      figures are PNGs; bad input exits 2 and writes nothing.
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
# 4. A class.
cls=$work/class
mkdir -p "$cls/alice" "$cls/carol" "$cls/dave" "$cls/eve, \"the\" compiler" "$cls/.hidden"
cp course/ex0*.c "$cls/alice/"
"$B/bpcheck" handout "$cls/bob" >/dev/null && rm -f "$cls/bob/exercises.h" "$cls/bob/harness.c" || bad "bpcheck handout"
cp course/examples/mistakes/*.c "$cls/carol/"
cp course/ex0*.c "$cls/dave/"
cp course/examples/mistakes/ex01_logistic.c "$cls/dave/"
cat >"$cls/dave/ex05_stable.c" <<'EOF2'
#include <signal.h>
#include "exercises.h"
int ex_logistic_loss_stable(size_t n, const double *s, const double *t, double *E) {
  (void)n, (void)s, (void)t, (void)E;
  raise(SIGSEGV); /* the planted crash */
  return EX_SUCCESS;
}
int ex_softmax_loss_stable(size_t n, const double *s, const double *t, double *E) {
  (void)n, (void)s, (void)t, (void)E;
  return EX_NOT_ATTEMPTED;
}
EOF2
cp course/ex0*.c "$cls/eve, \"the\" compiler/"
echo 'int planted(void) { return 1 +; }' >>"$cls/eve, \"the\" compiler/ex03_softmax.c"
echo "not a submission" >"$cls/notes.txt"
t0=$(date +%s)
"$B/bpcheck" grade --class "$cls" --output "$work/out1" -j 1 >"$work/class1.out" 2>"$work/class1.err" ||
  { cat "$work/class1.err"; bad "grade --class -j 1 exits non-zero"; }
t1=$(date +%s)
"$B/bpcheck" grade --class "$cls" --output "$work/out2" -j 2 >"$work/class2.out" 2>"$work/class2.err" ||
  { cat "$work/class2.err"; bad "grade --class -j 2 exits non-zero"; }
t2=$(date +%s)
say "a class of 5 graded in $((t1 - t0)) s at -j 1, $((t2 - t1)) s at -j 2"
diff -r "$work/out1" "$work/out2" >/dev/null || bad "-j 1 and -j 2 write different outputs"
sed "s|$work/out1|OUT|g" "$work/class1.out" >"$work/class1.sum"
sed "s|$work/out2|OUT|g" "$work/class2.out" | cmp -s "$work/class1.sum" - || bad "-j 1 and -j 2 print different summaries"
[ "$(wc -l <"$work/class1.out")" -eq 6 ] || { cat "$work/class1.out"; bad "the summary is not one line per submission and a total"; }
grep -q 'ignored 2 entries .*\.hidden' "$work/class1.err" && grep -q 'notes.txt' "$work/class1.err" ||
  { cat "$work/class1.err"; bad "the file and the hidden directory are not ignored with a note"; }
for s in alice bob carol dave 'eve, "the" compiler'; do
  "$B/bpcheck" grade "$cls/$s" --format json >"$work/one-$s.json"
  [ $? -le 1 ] || bad "grade $s alone"
done
for f in outcomes reasons; do
  [ "$(od -An -c -N4 "$work/out1/$f.png" | tr -d ' ')" = "211PNG" ] || bad "$f.png is not a PNG"
done
for f in gradebook.csv report.md report.html submissions/carol.json submissions/carol.txt; do
  [ -s "$work/out1/$f" ] || bad "no $f"
done
if [ -n "$py" ]; then
  "$py" - "$work" <<'EOF2' || bad "the gradebook or the report"
import csv, json, os, sys
work = sys.argv[1]
rows = list(csv.reader(open(os.path.join(work, 'out1', 'gradebook.csv'), newline='')))
head, mx, body = rows[0], rows[1], rows[2:]
assert head[0] == 'submission' and head[-2:] == ['total', 'note'], head
assert mx[0] == '(max)', mx
names = [r[0] for r in body]
assert names == sorted(names) == ['alice', 'bob', 'carol', 'dave', 'eve, "the" compiler'], names
for r in body:
    one = json.load(open(os.path.join(work, 'one-' + r[0] + '.json')))
    ids = [e['id'] for e in one['exercises']]
    assert ids == head[1:-2], (ids, head)
    for e, cell in zip(one['exercises'], r[1:-2]):
        assert abs(float(cell) - e['score']) <= 1e-9 * max(1, e['score']), (r[0], e['id'], cell, e['score'])
    for e, cell in zip(one['exercises'], mx[1:-2]):
        assert float(cell) == e['max_score'], (e['id'], cell)
    assert abs(float(r[-2]) - one['score']) <= 1e-9 * max(1, one['score']), (r[0], r[-2], one['score'])
    assert r[-1] == '', r
total = {r[0]: float(r[-2]) for r in body}
assert total['alice'] == float(mx[-2]) and total['bob'] == 0, total
assert 0 < total['carol'] < total['dave'] < total['alice'], total
out = {e['id']: e for e in json.load(open(os.path.join(work, 'one-dave.json')))['exercises']}
assert out['logistic_loss_stable']['outcome'] == 'crashed', out['logistic_loss_stable']
report = open(os.path.join(work, 'out1', 'report.md')).read()
line = [l for l in report.splitlines() if l.startswith('- **ex logistic_output_delta ')][0]
assert '3 of 5 students lose points; most frequent diagnosis: sign (eq. (9)), 2 of the 3' in line, line
line = [l for l in report.splitlines() if l.startswith('- **ex logistic_loss_stable ')][0]
assert 'crashed 1' in line or 'reason: crashed' in line, line
line = [l for l in report.splitlines() if l.startswith('- **ex softmax_jacobian ')][0]
assert 'compile error' in line, line
EOF2
fi
[ $fail -eq 0 ] && say "grade --class: gradebook rows equal to grading alone, -j 1 == -j 2, the planted sign named, PNG figures"

# Bad input: exit 2, a message, nothing on stdout, nothing written.
mkdir "$work/empty-class" && echo x >"$work/empty-class/file"
bad_class() { # expected words, then the arguments
  want=$1
  shift
  "$B/bpcheck" grade "$@" >"$work/bad.out" 2>"$work/bad.err"
  rc=$?
  [ $rc -eq 2 ] && [ ! -s "$work/bad.out" ] && grep -q -- "$want" "$work/bad.err" ||
    { cat "$work/bad.err"; bad "grade $* exits $rc, not 2 with '$want'"; }
}
bad_class "no-such" --class "$work/no-such" --output "$work/bad"
bad_class "holds no submission" --class "$work/empty-class" --output "$work/bad"
bad_class "-j needs" --class "$cls" --output "$work/bad" -j 0
bad_class "-j needs" --class "$cls" --output "$work/bad" -j abc
bad_class "does not exist" --class "$cls" --output "$work/no-dir/out"
bad_class "not a class report" --class "$cls" --output "$cls"
bad_class "needs --output" --class "$cls"
[ -e "$work/bad" ] && bad "a refused class wrote $work/bad"
ls "$work" | grep -q '\.tmp\.' && bad "a temporary directory was left in $work"
ls "$cls" | grep -q '\.tmp\.' && bad "a temporary directory was left in $cls"
[ $fail -eq 0 ] && say "grade --class refuses a missing or empty class, -j 0, -j abc, an unwritable or foreign output"

# ---- tutorial 06's exercise (trainfin): the spiral trained with the exercise's backward pass --------------------
# The handout's `make train` links the student's ex_softmax_network_backward (here the instructor's, copied in
# above) as the steps' gradient: it learns (>= 97%, the tutorial's figure) with every check along training passing.
# The same program on a copy with eq. (12)'s x(1-x) left out FAILs every check and names the mistake; on the
# untouched handout it says the exercise is not written yet.
(cd "$h" && make -s train >"$work/train.log" 2>&1) || { cat "$work/train.log"; bad "make train with the solutions"; }
acc=$(sed -n 's/^training accuracy \([0-9.]*\)%.*/\1/p' "$work/train.log")
awk -v a="${acc:-0}" 'BEGIN { exit !(a >= 97) }' || bad "make train: training accuracy '$acc', not >= 97%"
grep -q '^21 of 21 gradient checks pass$' "$work/train.log" || { cat "$work/train.log"; bad "make train: a check failed"; }
mkdir "$work/mine"
cp course/ex0*.c "$work/mine/"
sed 's/below\[b \* nj + j\] = sum \* x \* (1 - x);/below[b * nj + j] = sum;/' course/ex02_hidden.c >"$work/mine/ex02_hidden.c"
cmp -s course/ex02_hidden.c "$work/mine/ex02_hidden.c" && bad "the planted mistake did not change ex02_hidden.c"
make --no-print-directory -s B="$B" train-mine MINE="$work/mine" >"$work/mine.log" 2>&1 &&
  bad "make train-mine with x(1-x) left out exits 0"
grep -q '^0 of 21 gradient checks pass$' "$work/mine.log" && grep -q '^diagnosis of the first failure (epoch 0.*x(1-x)' "$work/mine.log" ||
  { cat "$work/mine.log"; bad "make train-mine with x(1-x) left out: the checks do not fail, or do not name it"; }
make --no-print-directory -s B="$B" train-mine MINE="$B/handout/bpcheck-handout" >"$work/none.log" 2>&1 &&
  bad "make train-mine on the untouched handout exits 0"
grep -q 'returns EX_NOT_ATTEMPTED: write it first' "$work/none.log" || { cat "$work/none.log"; bad "train-mine: not attempted"; }
[ $fail -eq 0 ] && say "make train: the solution learns the spiral ($acc%) with every check passing; x(1-x) left out fails them all, named"

[ $fail -eq 0 ] && say "every check passed"
exit $fail
