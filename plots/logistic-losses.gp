# logistic-losses.gp - eq. (32) against eq. (36): the cross-entropy of one logistic output, naive and stable.
# Data: bpcheck plotdata logistic-losses (s, t, naive, stable, reference, *_rel_err, naive_finite).
width = 960; height = 760
load "style.gp"
file = data."/logistic-losses.tsv"
finite(v) = column("naive_finite") != 0 ? v : NaN
broken(y) = column("naive_finite") == 0 ? y : NaN

# a symmetric-log s axis: linear near 0, logarithmic beyond |s| = 1
set nonlinear x via asinh(x) inverse sinh(x)
set xrange [-1000:1000]
set xtics ("-1000" -1000, "-100" -100, "-10" -10, "-1" -1, "0" 0, "1" 1, "10" 10, "100" 100, "1000" 1000)
set multiplot layout 2,1 title "Cross-entropy of a logistic output, t = 0.3: naive eq. (32) against stable eq. (36)" font ",14"

set logscale y
set format y log_format
set yrange [0.1:1e5]
set ylabel "E"
set format x ""
set key at graph 0.5, 0.78 center top width -4
set label 1 "× naive not finite (inf or NaN)" at 60, 1e4 center tc rgb oi_vermillion front
plot file using "s":"reference" with lines ls 21 lw 3 title "reference (long double)", \
     file using "s":(finite(column("naive"))) with points lt 2 pt 6 ps 0.6 title "naive eq. (32): −t log x − (1−t) log(1−x), x by eq. (2)", \
     file using "s":(broken(3e4)) with points lt 2 pt 2 ps 0.8 notitle, \
     file using "s":"stable" with lines lt 1 title "stable eq. (36): −ts + log(1+e^s), as max(s,0) − ts + log1p(e^{−|s|})   " # spaces: the superscript is wider than gnuplot reckons
unset label 1

set yrange [1e-19:10]
set ylabel "relative error |E − E_{ref}| / E_{ref}"
set xlabel "weighted sum s (symmetric log axis)"
set format x "%g"
set key at graph 0.03, 0.85 left top width -6
set ytics 1e-18, 1e3, 1
set arrow 1 from -1000, eps to 1000, eps nohead ls 20
set label 2 "ε = 2.2·10^{−16}" at -800, eps*6 tc rgb "#666666"
set label 3 "inf" at 1100, 1 left tc rgb oi_vermillion
plot file using "s":(finite(clip(column("naive_rel_err")))) with linespoints lt 2 pt 6 ps 0.6 title "naive eq. (32)", \
     file using "s":(broken(1)) with points lt 2 pt 2 ps 0.8 title "naive not finite (drawn at 1)", \
     file using "s":(clip(column("stable_rel_err"))) with linespoints lt 1 pt 7 ps 0.4 title "stable eq. (36)  (exact zeros at 10^{−19})"
unset multiplot
