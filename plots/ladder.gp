# ladder.gp - the precision ladder: one correct gradient check (central differences, eq. (16)) in float, double and
# long double, against the step h. The bottom of each V sits near eps^(2/3) at h near eps^(1/3).
# Data: ladder.tsv = bpcheck ladder --format tsv: precision, epsilon, h, norm_rel_err, max_rel_err, auto
# (per precision float, double, long_double: 61 rows auto 0, one row auto 1 at the automatic step).
width = 1000; height = 640
load "style.gp"
file = data."/ladder.tsv"
precisions = "float double long_double"
label_of(p) = p eq "long_double" ? "long double" : p
of(p, a, v) = strcol("precision") eq p && column("auto") == a ? clip(v) : NaN

set title "The precision ladder: a correct gradient checked by central differences in three precisions"
set logscale xy
set format x log_format
set format y log_format
set xrange [1e-16:0.1]
set yrange [1e-20:10]
set ytics 1e-18, 1e2, 1
set xlabel "step h"
set ylabel "‖numeric − analytic‖ / ‖analytic‖"
set key outside right top width -2
# the band a double-precision check must reach, and each precision's epsilon
set arrow 1 from graph 0, first 1e-7 to graph 1, first 1e-7 nohead ls 20
do for [k = 1:3] {
  p = word(precisions, k)
  stats file using (strcol("precision") eq p ? column("epsilon") : NaN) name "E" nooutput
  set arrow 1 + k from graph 0, first E_max to graph 0.04, first E_max nohead lt (k == 1 ? 2 : k == 2 ? 1 : 3) lw 2
  set label 1 + k sprintf("ε_{%s}", label_of(p)) at graph 0.045, first E_max left tc rgb "#444444" font ",10"
}
plot for [k = 1:3] file using "h":(of(word(precisions, k), 0, column("norm_rel_err"))) with linespoints \
         lt (k == 1 ? 2 : k == 2 ? 1 : 3) ps 0.6 title label_of(word(precisions, k)), \
     for [k = 1:3] file using "h":(of(word(precisions, k), 1, column("norm_rel_err"))) with points \
         lt (k == 1 ? 2 : k == 2 ? 1 : 3) pt 6 ps 3 lw 2 notitle, \
     NaN with points lc rgb "#333333" pt 6 ps 3 lw 2 title "automatic step", \
     NaN with lines ls 20 title "good < 10^{−7}"
