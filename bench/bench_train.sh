#!/bin/sh
# bench_train.sh BENCH_TRAIN OUTDIR - an epoch of digits in bpcheck's C (bench_train) and in NumPy (bench_train.py),
# and their ratio (make bench). NumPy comes from an interpreter that has it (Debian's /usr/bin/python3 first); without
# one, the NumPy half is skipped with a message. Both print "ms_per_epoch N" last.
set -u
bin=$1 out=$2 epochs=${3:-20}
mkdir -p "$out" || exit 1
c_out=$("$bin" "$out/digits-bench.csv" "$epochs") || exit 1
printf '%s\n' "$c_out" | sed '$d'
c_ms=$(printf '%s\n' "$c_out" | awk '$1 == "ms_per_epoch" { print $2 }')
echo "bpcheck (C): $c_ms ms per epoch"
py=""
for p in /usr/bin/python3 python3; do
  if command -v "$p" >/dev/null 2>&1 && "$p" -c 'import numpy' >/dev/null 2>&1; then py=$p; break; fi
done
if [ -z "$py" ]; then
  echo "NumPy: skipped, no python3 with numpy (Debian: apt-get install python3-numpy)"
  exit 0
fi
np_out=$("$py" "$(dirname "$0")/bench_train.py" "$out/digits-bench.csv" "$epochs") || exit 1
printf '%s\n' "$np_out" | sed '$d'
np_ms=$(printf '%s\n' "$np_out" | awk '$1 == "ms_per_epoch" { print $2 }')
echo "NumPy ($py): $np_ms ms per epoch"
awk -v c="$c_ms" -v n="$np_ms" 'BEGIN { printf "ratio NumPy / bpcheck: %.2f (above 1: bpcheck is faster; the goal is >= 1)\n", n / c }'
