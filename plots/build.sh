#!/bin/sh
# build.sh BPCHECK OUTDIR [SEED] - every figure of plots/ as PNG and SVG, and OUTDIR/index.html, the report.
#
# 1. Data: `BPCHECK plotdata NAME`, `sweep`, `all`, `ladder` write TSV into OUTDIR/data/ (nothing here computes).
# 2. Figures: each plots/NAME.gp is run twice by gnuplot, with the variables
#      term='png' or 'svg'   out='OUTDIR/NAME.png' (.svg)   data='OUTDIR/data'   methods='central gsl ...'
#    (methods: the finite-difference methods whose data exists for that figure).
# 3. The report: the table of `bpcheck all --format tsv`, then every figure with its caption from plots/captions.
#
# Everything is written into a temporary directory beside OUTDIR and renamed to OUTDIR only when all of it
# succeeded: a failure leaves the previous OUTDIR as it was, never half a report. A gnuplot run that fails, says
# anything on stderr, or writes an empty file stops the build with exit status 1. A command or method that the
# bpcheck binary does not have (exit status 2 or 3) is skipped with a warning, here and in the report.
set -u
if [ $# -lt 2 ] || [ $# -gt 3 ]; then
  echo "usage: sh plots/build.sh BPCHECK OUTDIR [SEED]" >&2
  exit 2
fi
bpcheck=$1 out=${2%/} seed=${3:-1}
here=$(cd "$(dirname "$0")" && pwd) # the scripts, style.gp and captions
all_methods="forward central richardson complex gsl"
sweep_id=logistic-hidden-weights # eq. (15), (16)

die() {
  echo "plots: $*" >&2
  exit 1
}
warn() {
  echo "plots: warning: $*" >&2
  printf '%s\n' "$*" >>"$tmp/warnings"
}

command -v gnuplot >/dev/null 2>&1 || die "gnuplot is not installed (Debian: apt-get install gnuplot-nox)"
[ -x "$bpcheck" ] || die "no bpcheck binary at '$bpcheck'"
[ -f "$here/captions" ] || die "no captions file in $here"
mkdir -p "$(dirname "$out")" || die "cannot create the parent of $out"
tmp=$(mktemp -d "$out.tmp.XXXXXX") || die "cannot create a temporary directory beside $out"
tmp=$(cd "$tmp" && pwd) # absolute: gnuplot runs in plots/
chmod 755 "$tmp" # mktemp makes it private; the report is for reading
trap 'rm -rf "$tmp"' EXIT
trap 'exit 1' INT TERM HUP
mkdir "$tmp/data" || die "cannot create $tmp/data"
: >"$tmp/warnings"
fail_is_data=""

# fetch NAME ARGS...: runs `bpcheck ARGS` into data/NAME.tsv. Returns 0 when the data is there (exit status 0, or
# 1 while fail_is_data is set: `all` reports a FAIL in its table, which is data to draw); 1 when the binary lacks
# the command or the method, or cannot compute it (exit 2, 3): warned and skipped. Anything else stops the build.
fetch() {
  name=$1
  shift
  "$bpcheck" "$@" >"$tmp/data/$name.tsv" 2>"$tmp/stderr"
  rc=$?
  if [ $rc -eq 0 ] || { [ $rc -eq 1 ] && [ -n "$fail_is_data" ]; }; then
    [ $rc -eq 1 ] && warn "'bpcheck $*' reports a failing check (drawn in the figure)"
    [ -s "$tmp/data/$name.tsv" ] || die "'bpcheck $*' wrote nothing"
    return 0
  fi
  rm -f "$tmp/data/$name.tsv"
  case $rc in
    2 | 3)
      warn "skipped 'bpcheck $*' (exit status $rc: $(head -n 1 "$tmp/stderr"))"
      return 1 ;;
    *)
      cat "$tmp/stderr" >&2
      die "'bpcheck $*' failed with exit status $rc" ;;
  esac
}

# ---- 1. data ------------------------------------------------------------------------------------------------------
for name in logistic-losses softmax-scaling softmax-shift softmax-jacobian scatter-logistic scatter-softmax; do
  fetch "$name" plotdata "$name" --seed "$seed" || die "'bpcheck plotdata $name' is part of bpcheck itself and must work"
done
fetch table all --format tsv --seed "$seed" || die "'bpcheck all --format tsv' must work"

sweep_methods="" checks_methods=""
for m in $all_methods; do
  fetch "sweep-$m" sweep "$sweep_id" --method "$m" --format tsv --seed "$seed" && sweep_methods="$sweep_methods $m"
  fail_is_data=yes
  fetch "all-$m" all --method "$m" --format tsv --seed "$seed" && checks_methods="$checks_methods $m"
  fail_is_data=""
done
sweep_methods=${sweep_methods# } checks_methods=${checks_methods# }
ladder=""
fetch ladder ladder --format tsv --seed "$seed" && ladder=yes

# Training (docs/training.md): the spiral, a 2-100-3 network trained on 80% of it with a check every 20 epochs
# (train.tsv), and the trained network's class over a 121 x 121 grid of the plane (regions.tsv, from `bpcheck
# predict` on grid points whose dummy targets are ignored) beside the points with their classes (points.tsv).
train=""
if fetch spiral-csv data spiral --seed "$seed" &&
  fetch train train --layers 2,100,3 --output softmax --data "$tmp/data/spiral-csv.tsv" --epochs 400 --batch 30 \
    --lr 1 --split 0.2 --sample 50 --check-every 20 --seed "$seed" --format tsv --save "$tmp/data/spiral-params.tsv"; then
  awk 'BEGIN { print "x1,x2,t1,t2,t3"; for (i = 0; i <= 120; i++) for (j = 0; j <= 120; j++)
               printf "%.4f,%.4f,1,0,0\n", -1.2 + 0.02 * j, -1.2 + 0.02 * i }' >"$tmp/data/grid.csv"
  if fetch grid-outputs predict --layers 2,100,3 --output softmax --data "$tmp/data/grid.csv" \
    --params "$tmp/data/spiral-params.tsv"; then
    # the clock's column differs from run to run; the figures do not use it, and the same seed gives the same bytes
    awk -F '\t' 'NR == 1 { for (c = 1; c <= NF; c++) if ($c == "seconds") skip = c }
                 { out = ""; for (c = 1; c <= NF; c++) if (c != skip) out = out (out == "" ? "" : "\t") $c; print out }' \
      "$tmp/data/train.tsv" >"$tmp/data/train.tmp" && mv "$tmp/data/train.tmp" "$tmp/data/train.tsv"

    awk -F '\t' 'NR == FNR { if (FNR > 1) { split($0, cell, ","); x[FNR - 1] = cell[1]; y[FNR - 1] = cell[2] }; next }
                 FNR == 1 { print "x1\tx2\tclass"; next }
                 /^#/ { next }
                 { k = 1; for (j = 2; j <= NF; j++) if ($j > $k) k = j; printf "%s\t%s\t%d\n", x[FNR - 1], y[FNR - 1], k - 1 }' \
      FS=',' "$tmp/data/grid.csv" FS='\t' "$tmp/data/grid-outputs.tsv" >"$tmp/data/regions.tsv" &&
      awk -F ',' '/^#/ || /^x1/ { next } { printf "%s\t%s\t%d\n", $1, $2, ($4 == 1) ? 1 : ($5 == 1) ? 2 : 0 }' \
        "$tmp/data/spiral-csv.tsv" | { printf 'x1\tx2\tclass\n'; cat; } >"$tmp/data/points.tsv" &&
      train=yes
    rm -f "$tmp/data/grid.csv" "$tmp/data/grid-outputs.tsv"
  fi
fi

# The checks of every method in one file, columns chosen by their header names (never by position, so a column
# added to `bpcheck all` changes nothing here): n (the check's place in the table), id, method, max_rel_err,
# norm_rel_err (nan where bpcheck does not write it), erratum_rel_err, verdict.
for m in $checks_methods; do
  awk -F '\t' -v m="$m" '
    NR == 1 { for (c = 1; c <= NF; c++) col[$c] = c
              split("id max_rel_err erratum_rel_err verdict", need, " ")
              for (k in need) if (!(need[k] in col)) { print "no column " need[k] > "/dev/stderr"; exit 1 }
              next }
    /^#/ { next }   # a failing check adds "# FAIL id: reproduce: ..." after the rows
    { printf "%d\t%s\t%s\t%s\t%s\t%s\t%s\n", NR - 1, $col["id"], m, $col["max_rel_err"],
             ("norm_rel_err" in col) ? $col["norm_rel_err"] : "nan", $col["erratum_rel_err"], $col["verdict"] }
  ' "$tmp/data/all-$m.tsv" >>"$tmp/data/checks.body" || die "cannot read the columns of 'bpcheck all --method $m'"
done
if [ -n "$checks_methods" ]; then
  { printf 'n\tid\tmethod\tmax_rel_err\tnorm_rel_err\terratum_rel_err\tverdict\n'; cat "$tmp/data/checks.body"; } >"$tmp/data/checks.tsv"
fi
rm -f "$tmp/data/checks.body" "$tmp/stderr"

# ---- 2. figures -----------------------------------------------------------------------------------------------------
figures=$(awk '$1 == "figure" { print $2 }' "$here/captions")
for script in "$here"/*.gp; do
  name=$(basename "$script" .gp)
  [ "$name" = style ] && continue
  printf '%s\n' "$figures" | grep -qx "$name" || die "$name.gp has no caption in $here/captions"
done

: >"$tmp/figures"
for name in $figures; do
  [ -f "$here/$name.gp" ] || die "captions names a figure '$name' but there is no $name.gp"
  methods="" missing=""
  case $name in
    error-vs-step) methods=$sweep_methods; [ -n "$methods" ] || missing="no method has 'bpcheck sweep' data" ;;
    checks) methods=$checks_methods; [ -n "$methods" ] || missing="no method has 'bpcheck all' data" ;;
    ladder) [ -n "$ladder" ] || missing="'bpcheck ladder' is not available" ;;
    train-curves | decision-regions | train-checks) [ -n "$train" ] || missing="'bpcheck train' is not available" ;;
  esac
  if [ -n "$missing" ]; then
    warn "figure $name not drawn: $missing"
    printf '%s\t%s\n' "$name" "$missing" >>"$tmp/figures"
    continue
  fi
  for term in png svg; do
    file="$tmp/$name.$term"
    (cd "$here" && gnuplot -e "term='$term'; out='$file'; data='$tmp/data'; methods='$methods'" "$name.gp") \
      >"$tmp/gnuplot.out" 2>&1
    rc=$?
    if [ $rc -ne 0 ] || [ -s "$tmp/gnuplot.out" ]; then
      cat "$tmp/gnuplot.out" >&2
      die "gnuplot failed on $name.gp for $term (exit status $rc; any message counts as a failure)"
    fi
    [ -s "$file" ] || die "gnuplot wrote an empty $name.$term"
  done
  printf '%s\t\n' "$name" >>"$tmp/figures"
done
rm -f "$tmp/gnuplot.out"

# ---- 3. the report ------------------------------------------------------------------------------------------------
version=$("$bpcheck" --version 2>/dev/null | head -n 1)
awk -F '\t' -v version="$version" -v seed="$seed" -v figlist="$tmp/figures" -v warnings="$tmp/warnings" '
  function esc(s) { gsub(/&/, "\\&amp;", s); gsub(/</, "\\&lt;", s); gsub(/>/, "\\&gt;", s); return s }
  # Markdown code spans of the captions, `like this`, as <code> (after esc: the text inside is already escaped)
  function code(s,    out) {
    out = ""
    while (match(s, /`[^`]*`/)) {
      out = out substr(s, 1, RSTART - 1) "<code>" substr(s, RSTART + 1, RLENGTH - 2) "</code>"
      s = substr(s, RSTART + RLENGTH)
    }
    return out s
  }
  FNR == 1 { file++ }
  file == 1 {                     # the table of checks
    row[++rows] = $0
    next
  }
  file == 2 {                     # captions: "figure NAME", "title TEXT", text lines, a blank line
    if ($0 ~ /^#/) next
    if ($0 ~ /^figure /) { cur = substr($0, 8); order[++nfig] = cur; next }
    if ($0 ~ /^title /) { title[cur] = substr($0, 7); next }
    if ($0 != "") text[cur] = text[cur] (text[cur] == "" ? "" : " ") $0
    next
  }
  END {
    print "<!DOCTYPE html>"
    print "<html lang=\"en\"><head><meta charset=\"utf-8\">"
    print "<title>bpcheck: the Notes on Backpropagation, checked and drawn</title>"
    print "<style>body{font-family:sans-serif;max-width:1000px;margin:2em auto;padding:0 1em;line-height:1.45}"
    print "table{border-collapse:collapse;font-size:90%}td,th{border:1px solid #ccc;padding:2px 6px;text-align:left}"
    print "td.n{text-align:right;font-family:monospace}.PASS{color:#009E73}.FAIL{color:#D55E00;font-weight:bold}"
    print ".ERRATUM{color:#0072B2;font-weight:bold}figure{margin:2em 0}img{max-width:100%;border:1px solid #eee}"
    print "figcaption{margin-top:.5em}.missing{color:#D55E00}</style></head><body>"
    print "<h1>bpcheck: the derivations of the Notes on Backpropagation, checked and drawn</h1>"
    printf "<p>%s, seed %s. Rebuild with <code>make plots</code>; each figure links to its SVG, and its data is in " \
           "<code>data/</code>.</p>\n", esc(version), esc(seed)
    nw = 0
    while ((getline w < warnings) > 0) warn[++nw] = w
    if (nw) {
      print "<h2>Warnings</h2><ul>"
      for (k = 1; k <= nw; k++) printf "<li class=\"missing\">%s</li>\n", esc(warn[k])
      print "</ul>"
    }
    print "<h2>The checks</h2>"
    print "<p>From <code>bpcheck all --format tsv</code>: each derivation of the notes against finite differences.</p>"
    print "<table>"
    for (r = 1; r <= rows; r++) {
      n = split(row[r], cell, "\t")
      printf "<tr>"
      for (c = 1; c <= n; c++) {
        if (r == 1) printf "<th>%s</th>", esc(cell[c])
        else if (cell[c] ~ /^(PASS|FAIL|ERRATUM)$/) printf "<td class=\"%s\">%s</td>", cell[c], cell[c]
        else if (cell[c] ~ /^[-+0-9.e]+$/) printf "<td class=\"n\">%s</td>", esc(cell[c])
        else printf "<td>%s</td>", esc(cell[c])
      }
      print "</tr>"
    }
    print "</table>"
    print "<p><span class=\"PASS\">PASS</span>: every claim of the check holds, to rel err 1e-7 against finite " \
          "differences (or within 4 times the difference&#39;s error estimate for an entry below its resolution), " \
          "or to 1.4e-14 between the two sides of an identity. <span class=\"ERRATUM\">ERRATUM</span>: the " \
          "formula as the notes print it fails, and the corrected form beside it holds. " \
          "<span class=\"FAIL\">FAIL</span>: a formula that must hold does not, or a form that must fail holds. " \
          "<code>max_rel_err</code> is over the resolved entries, <code>norm_rel_err</code> is " \
          "&#8214;a &minus; n&#8214; / &#8214;n&#8214;, as <code>bpcheck all</code> prints them.</p>"
    print "<h2>The figures</h2>"
    while ((getline line < figlist) > 0) { split(line, f, "\t"); why[f[1]] = f[2] }
    for (k = 1; k <= nfig; k++) {
      name = order[k]
      if (why[name] != "") {
        printf "<p class=\"missing\"><b>Figure %d. %s.</b> Not drawn: %s.</p>\n", k, code(esc(title[name])), esc(why[name])
        continue
      }
      printf "<figure id=\"%s\"><a href=\"%s.svg\"><img src=\"%s.png\" alt=\"%s\"></a>\n", name, name, name, esc(title[name])
      printf "<figcaption><b>Figure %d. %s.</b> %s</figcaption></figure>\n", k, code(esc(title[name])), code(esc(text[name]))
    }
    print "</body></html>"
  }
' "$tmp/data/table.tsv" "$here/captions" >"$tmp/index.html" || die "cannot write index.html"
rm -f "$tmp/figures" "$tmp/warnings"

rm -rf "$out" && mv "$tmp" "$out" || die "cannot move the report to $out"
echo "plots: $(ls "$out"/*.png | wc -l) figures in $out"
