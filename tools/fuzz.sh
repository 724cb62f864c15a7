#!/bin/sh
# fuzz.sh TARGET SECONDS - runs build/fuzz/TARGET (a libFuzzer binary) for SECONDS and prints one line: seconds,
# executions, corpus size, crashes. New inputs go to build/fuzz/corpus-TARGET; tests/fuzz/seeds/TARGET is only
# read. A crashing input is written as build/fuzz/TARGET-crash-<sha1> (or -leak-, -timeout-, -oom-), the whole
# log is build/fuzz/TARGET.log, and the exit status is 1.
t=$1
secs=$2
dir=build/fuzz
corpus=$dir/corpus-$t
log=$dir/$t.log
mkdir -p "$corpus"
dict=""
[ -f "tests/fuzz/$t.dict" ] && dict="-dict=tests/fuzz/$t.dict"
"$dir/$t" -max_total_time="$secs" -print_final_stats=1 -artifact_prefix="$dir/$t-" $dict \
  "$corpus" "tests/fuzz/seeds/$t" >"$log" 2>&1
rc=$?
execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -n 1)
ran=$(sed -n 's/^Done [0-9]* runs in \([0-9]*\) second.*/\1/p' "$log" | tail -n 1)
artifact=$(sed -n 's/.*Test unit written to \(.*\)$/\1/p' "$log" | tail -n 1)
if [ "$rc" = 0 ]; then
  echo "$t: ${ran:-?} s, ${execs:-?} executions, corpus $(ls "$corpus" | wc -l) inputs, 0 crashes"
  exit 0
fi
echo "$t: FINDING after ${execs:-?} executions: ${artifact:-see $log}" >&2
grep -E 'FINDING|ERROR: (AddressSanitizer|LeakSanitizer|libFuzzer)|runtime error' "$log" | head -n 5 >&2
exit 1
