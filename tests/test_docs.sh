#!/bin/sh
# The runnable-docs test: runs every documented command and checks its exit status and the output lines the docs
# promise. The convention (HACKING.md, "Runnable docs"):
#   - a ```sh block holds commands, one per line (a line ending in \, |, && or || continues), run in order from the
#     repository root by sh, one shell per block, standard input /dev/null; lines starting with # are comments;
#   - a command expected to exit non-zero ends with the comment `# exit N` (default 0);
#   - a ```text block right after a ```sh block (blank lines between allowed) lists patterns: each non-empty line
#     must be found, in order, in a line of the block's stdout+stderr, whitespace runs folded to one space;
#     `...` matches any text.
# A failure names FILE:LINE of the command or the pattern and shows the block's output.
#
# usage: sh tests/test_docs.sh [FILE.md...]   default: README.md HACKING.md docs/*.md plots/README.md tutorials/**/README.md
#        sh tests/test_docs.sh --self-test    runs the test on tests/docs/broken.md and checks it reports exactly
#                                              the planted wrong command and wrong pattern
# Exit status: 0 every block holds, 1 something failed, 2 usage.
set -u
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/.." && pwd)
cd "$root" || exit 2

if [ "${1:-}" = "--self-test" ]; then
  fixture=tests/docs/broken.md
  out=$(sh "$0" "$fixture" 2>&1)
  rc=$?
  bad_cmd=$(grep -n 'WRONG-COMMAND' "$fixture" | cut -d: -f1)
  bad_pat=$(grep -n 'WRONG-PATTERN' "$fixture" | cut -d: -f1)
  bad_any=$(grep -n 'WRONG-ANYWHERE' "$fixture" | cut -d: -f1)
  fail=0
  [ "$rc" -eq 1 ] || { echo "test_docs self-test: exit status $rc on $fixture, expected 1"; fail=1; }
  for line in $bad_cmd $bad_pat $bad_any; do
    printf '%s\n' "$out" | grep -q "^$fixture:$line: " ||
      { echo "test_docs self-test: no failure reported at $fixture:$line"; fail=1; }
  done
  n=$(printf '%s\n' "$out" | grep -c "^$fixture:[0-9]*: ")
  [ "$n" -eq 3 ] || { echo "test_docs self-test: $n failures reported on $fixture, expected 3"; fail=1; }
  if [ $fail -ne 0 ]; then
    printf '%s\n' "--- output of the test on $fixture:" "$out"
    exit 1
  fi
  echo "test_docs self-test: the planted wrong command and wrong patterns are reported, the right blocks pass"
  exit 0
fi

if [ $# -gt 0 ]; then
  files="$*"
else
  files=$(ls README.md HACKING.md docs/*.md plots/README.md 2>/dev/null; find tutorials -name README.md 2>/dev/null | sort)
fi

work=$(mktemp -d "${TMPDIR:-/tmp}/bpcheck-docs.XXXXXX") || exit 2
trap 'rm -rf "$work"' EXIT
trap 'exit 2' INT TERM
if command -v timeout >/dev/null 2>&1; then limit="timeout 120"; else limit=""; fi

# Folds whitespace and matches the patterns of $1 ("LINE<TAB>pattern" lines) in order against the output $2.
# Prints "LINE" for every pattern not found.
match_patterns() {
  awk -F'\t' -v out="$2" '
    function fold(s) { gsub(/[ \t\r]+/, " ", s); sub(/^ /, "", s); sub(/ $/, "", s); return s }
    function found(line, pat,    n, piece, k, at, pos) {
      n = split(pat, piece, /\.\.\./)
      pos = 1
      for (k = 1; k <= n; k++) {
        sub(/^ /, "", piece[k]); sub(/ $/, "", piece[k]) # the space beside `...` belongs to the elided text
        if (piece[k] == "") continue
        at = index(substr(line, pos), piece[k])
        if (at == 0) return 0
        pos += at - 1 + length(piece[k])
      }
      return 1
    }
    BEGIN { while ((getline l < out) > 0) text[++n_text] = fold(l); cur = 0 }
    {
      pat = fold(substr($0, index($0, "\t") + 1))
      if (pat == "") next
      for (i = cur + 1; i <= n_text; i++) if (found(text[i], pat)) break
      if (i <= n_text) cur = i; else print $1
    }' "$1"
}

total_blocks=0
total_fail=0
for f in $files; do
  [ -f "$f" ] || { echo "$f: no such file"; total_fail=$((total_fail + 1)); continue; }
  rm -f "$work"/b*
  # Each ```sh block k becomes $work/bK.sh (the commands, each followed by a check of its exit status, which
  # writes "LINE STATUS EXPECTED" to fd 3) and $work/bK.pat (the patterns of the ```text block after it).
  awk -v dir="$work" '
    function flush_cmd() {
      if (cmd == "") return
      print cmd > script
      printf "__bp_rc=$?; [ \"$__bp_rc\" -eq %d ] || echo \"%d $__bp_rc %d\" >&3\n", want, cmd_line, want > script
      cmd = ""
    }
    function strip(s) { return substr(s, 1, indent) ~ /^ *$/ ? substr(s, indent + 1) : s }
    {
      line = $0
      sub(/\r$/, "", line)
    }
    state == "sh" {
      if (line ~ /^[ \t]*```[ \t]*$/) { flush_cmd(); close(script); state = "after"; next }
      s = strip(line)
      if (cmd == "") {
        if (s ~ /^[ \t]*(#|$)/) next
        cmd_line = NR
        want = 0
      }
      if (match(s, /#[ \t]*exit[ \t]+[0-9]+[ \t]*$/)) { e = substr(s, RSTART); gsub(/[^0-9]/, "", e); want = e + 0 }
      cmd = cmd == "" ? s : cmd "\n" s
      if (s ~ /(\\|\||&&)[ \t]*$/) next
      flush_cmd()
      next
    }
    state == "text" {
      if (line ~ /^[ \t]*```[ \t]*$/) { close(pat); state = ""; next }
      print NR "\t" strip(line) > pat
      next
    }
    state == "after" {
      if (line ~ /^[ \t]*$/) next
      if (line ~ /^[ \t]*```text[ \t]*$/) { state = "text"; next }
      state = ""
    }
    state == "other" { if (line ~ /^[ \t]*```/) state = ""; next }
    /^[ \t]*```sh[ \t]*$/ {
      k++
      match(line, /^ */); indent = RLENGTH
      script = dir "/b" k ".sh"; pat = dir "/b" k ".pat"
      printf "" > pat; close(pat)
      print "# from line " NR > script
      state = "sh"; cmd = ""
      next
    }
    /^[ \t]*```/ { state = "other"; next }
  ' "$f"
  k=1
  while [ -f "$work/b$k.sh" ]; do
    block_line=$(sed -n '1s/^# from line //p' "$work/b$k.sh")
    : >"$work/b$k.rc"
    (cd "$root" && $limit sh "$work/b$k.sh" 3>"$work/b$k.rc" </dev/null >"$work/b$k.out" 2>&1)
    block_rc=$?
    failed=0
    while read -r cline got want; do
      printf '%s\n' "$f:$cline: exit status $got, expected $want: $(sed -n "${cline}p" "$f" | sed 's/^ *//')"
      failed=1
    done <"$work/b$k.rc"
    if [ "$block_rc" -eq 124 ] && [ -n "$limit" ]; then
      echo "$f:$block_line: the block took more than 120 s"
      failed=1
    fi
    for pline in $(match_patterns "$work/b$k.pat" "$work/b$k.out"); do
      printf '%s\n' "$f:$pline: no line of the output matches: $(sed -n "${pline}p" "$f" | sed 's/^ *//')"
      failed=1
    done
    if [ $failed -ne 0 ]; then
      echo "--- output of the block at $f:$block_line (first 200 lines):"
      head -n 200 "$work/b$k.out"
      echo "---"
      total_fail=$((total_fail + 1))
    fi
    total_blocks=$((total_blocks + 1))
    k=$((k + 1))
  done
done

if [ $total_fail -ne 0 ]; then
  echo "test_docs: $total_fail of $total_blocks documented blocks failed"
  exit 1
fi
echo "test_docs: every command of $total_blocks documented blocks ran as written"
exit 0
