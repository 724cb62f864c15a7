#!/bin/sh
# peer.sh OUTDIR [BENCH_CHECK] - NumPy and PyTorch beside bench_check's numbers (make bench): bench/peer.py with an
# interpreter that
# imports numpy and torch (Debian's /usr/bin/python3 first), skipped with a message otherwise; then the figure of the
# full check's time against the number of parameters (bench/check-time.gp) when gnuplot is there; last, the summary
# of issue 13's goals that bench_check and peer.py wrote to OUTDIR/goals.tsv.
set -u
out=$1
py=""
for p in /usr/bin/python3 python3; do
  if command -v "$p" >/dev/null 2>&1 && "$p" -c 'import numpy, torch' >/dev/null 2>&1; then py=$p; break; fi
done
if [ -z "$py" ]; then
  echo "NumPy and PyTorch: skipped, no python3 with numpy and torch (Debian: apt-get install python3-numpy python3-torch)"
  printf 'the goals against NumPy and PyTorch\tnot measured\tno python3 with numpy and torch\n' >>"$out/goals.tsv"
else
  BENCH_CHECK=${2:-} "$py" "$(dirname "$0")/peer.py" "$out" || exit 1
fi
if command -v gnuplot >/dev/null 2>&1; then
  gnuplot -e "tsv='$out/check-time.tsv'; png='$out/check-time.png'" "$(dirname "$0")/check-time.gp" &&
    echo "figure: $out/check-time.png"
fi
echo "== issue 13's goals (1 thread unless stated; CPU times; load average now: $(cut -d' ' -f1 /proc/loadavg 2>/dev/null))"
awk -F'\t' '{ printf "  %-7s %s: %s\n", $2, $1, $3 }' "$out/goals.tsv"
