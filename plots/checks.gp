# checks.gp - the worst relative error of every derivation check of `bpcheck all`, one point per check and
# finite-difference method, against the bands students are taught (1e-2 wrong, 1e-4, 1e-7 good). The printed forms
# that fail, eq. (23), eq. (24), eq. (28), are drawn as well.
# Data: checks.tsv, made by plots/build.sh from `bpcheck all --method M --format tsv` (columns chosen by name):
# n, id, method, max_rel_err, norm_rel_err (nan if bpcheck lacks it), erratum_rel_err, verdict.
# max_rel_err counts the RESOLVED entries only (fd.h); a check where no entry resolves has max_rel_err nan, and is
# drawn with an open symbol at its normwise error ||a - n|| / ||n|| instead (at 10^-19 if that is 0 or missing).
stats data."/checks.tsv" using "n" name "C" nooutput
n_checks = int(C_max)
width = 1000; height = 220 + 24 * n_checks
load "style.gp"
file = data."/checks.tsv"
first = word(methods, 1)
n_methods = words(methods)
of(m, v) = strcol("method") eq m ? v : NaN
# gnuplot drops a point whose column reads "nan", so the text is tested first
has_max(c) = strcol(c) ne "nan" && column(c) > 0
resolved(m) = of(m, has_max("max_rel_err") ? column("max_rel_err") : NaN)
unresolved(m) = of(m, has_max("max_rel_err") ? NaN : (column("norm_rel_err") > 0 ? column("norm_rel_err") : floor))
method_pt(m) = word("6 4 8 10 12", method_lt(m)) + 0   # the open version of each method's symbol
row(m) = column("n") + 0.14 * (method_lt(m) - 3)   # each method a little above or below the check's line

set title "Worst relative error of each derivation check, by finite-difference method"
set logscale x
set format x log_format
set xrange [2e-20:1e2]   # half a decade below the floor, so a marker at 10^-19 is drawn whole
set xtics 1e-18, 1e2, 1
set yrange [n_checks + 0.7:0.3]
set ytics scale 0 font ",10"
set grid xtics noytics
set xlabel "worst |a − n| / max(|a|, |n|) over the resolved entries (0 at 10^{−19}); open: none resolved, ‖a − n‖ / ‖n‖" font ",10"
set key outside bottom center horizontal maxrows 1 width 1

# the bands: > 1e-2 wrong, 1e-2..1e-4 suspicious, 1e-4..1e-7 acceptable only at kinks, < 1e-7 good
set object 1 rect from 1e-2, graph 0 to 1e2, graph 1 back fc rgb oi_vermillion fs solid 0.12 noborder
set object 2 rect from 1e-4, graph 0 to 1e-2, graph 1 back fc rgb oi_orange fs solid 0.12 noborder
set object 3 rect from 1e-7, graph 0 to 1e-4, graph 1 back fc rgb oi_yellow fs solid 0.15 noborder
set object 4 rect from graph 0, graph 0 to 1e-7, graph 1 back fc rgb oi_green fs solid 0.06 noborder
set arrow 1 from 1e-2, graph 0 to 1e-2, graph 1 nohead ls 20 back
set arrow 2 from 1e-4, graph 0 to 1e-4, graph 1 nohead ls 20 back
set arrow 3 from 1e-7, graph 0 to 1e-7, graph 1 nohead ls 20 back
set label 1 "good < 10^{−7}" at 1e-13, graph 1.0 center offset 0,0.7 tc rgb "#444444"
set label 2 "kinks only" at 3e-6, graph 1.0 center offset 0,0.7 tc rgb "#444444"
set label 3 "suspicious" at 1e-3, graph 1.0 center offset 0,0.7 tc rgb "#444444"
set label 4 "wrong > 10^{−2}" at 1, graph 1.0 center offset 0,0.7 tc rgb "#444444"
set title offset 0,1.2
set tmargin 4

plot file using (resolved(first)):"n":ytic(strcol("id")) with points lt method_lt(first) title first, \
     for [k = 2:n_methods] file using (resolved(word(methods, k))):(row(word(methods, k))) \
         with points lt method_lt(word(methods, k)) title word(methods, k), \
     for [k = 1:n_methods] file using (unresolved(word(methods, k))):(row(word(methods, k))) \
         with points lt method_lt(word(methods, k)) pt (method_pt(word(methods, k))) notitle, \
     file using (column("erratum_rel_err") > 0 ? column("erratum_rel_err") : NaN):"n" \
         with points lt 7 pt 2 ps 1.6 lw 2 title "printed form that fails (ERRATUM)"
