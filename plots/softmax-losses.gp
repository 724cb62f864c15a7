# softmax-losses.gp - eq. (18) against eq. (38) as the logits grow, and the shift invariance noted after eq. (40).
# Data: bpcheck plotdata softmax-scaling (scale, max_abs_s, naive, stable, reference, ...) and softmax-shift
# (shift, naive, stable, reference, naive_rel_err, stable_rel_err, drift, naive_finite).
width = 1200; height = 800
load "style.gp"
scaling = data."/softmax-scaling.tsv"
shift = data."/softmax-shift.tsv"
finite(v) = column("naive_finite") != 0 ? v : NaN
broken(y) = column("naive_finite") == 0 ? y : NaN

set multiplot layout 2,2 title "Softmax cross-entropy: naive eq. (18) of eq. (17) against log-sum-exp eq. (38)" font ",14"

# ---- (a) the logits s = a z scaled up --------------------------------------------------------------------------
set logscale x
set format x log_format
set logscale y
set format y log_format
set title "(a) logits s = a·z, z fixed, as the scale a grows"
set ylabel "E = −Σ_i t_i log x_i"
set yrange [1e-1:1e6]
set key top left width -4
set label 1 "× naive not finite" at graph 0.97, graph 0.86 right tc rgb oi_vermillion
plot scaling using "scale":"reference" with lines ls 21 lw 3 title "reference (long double)", \
     scaling using "scale":(finite(column("naive"))) with points lt 2 pt 6 ps 0.7 title "naive eq. (18), x by eq. (17)", \
     scaling using "scale":(broken(3e5)) with points lt 2 pt 2 ps 0.8 notitle, \
     scaling using "scale":"stable" with lines lt 1 title "log-sum-exp eq. (38)"

# ---- (b) a constant c added to every logit ---------------------------------------------------------------------
unset logscale x
set nonlinear x via asinh(x) inverse sinh(x)
set xrange [-1e4:1e4]
set xtics ("-10^4" -1e4, "-10^3" -1e3, "-100" -100, "-10" -10, "-1" -1, "0" 0, "1" 1, "10" 10, "100" 100, "10^3" 1e3, "10^4" 1e4)
set format x "%g"
unset logscale y
set format y "%.1f"
stats shift using "stable" name "E" nooutput
set yrange [0:2 * E_max]
set title "(b) logits s + c: E must not change (after eq. (40))"
set key bottom right
set label 1 "× naive not finite" at graph 0.97, graph 0.84 right tc rgb oi_vermillion
plot shift using "shift":"reference" with lines ls 21 lw 3 title "reference (long double)", \
     shift using "shift":(finite(column("naive"))) with points lt 2 pt 6 ps 0.7 title "naive eq. (18)", \
     shift using "shift":(broken(1.85 * E_max)) with points lt 2 pt 2 ps 0.8 notitle, \
     shift using "shift":"stable" with lines lt 1 title "log-sum-exp eq. (38)"
unset label 1

# ---- (a) and (b): the relative error against the long-double reference -----------------------------------------
unset nonlinear x
set logscale x
set format x log_format
set xrange [*:*]
set xtics autofreq
set mxtics default
set logscale y
set format y log_format
set yrange [1e-19:10]
set ytics 1e-18, 1e3, 1
set title ""
set xlabel "scale a (max_i |s_i| ≈ a)"
set ylabel "relative error |E − E_{ref}| / E_{ref}"
set key at graph 0.02, graph 0.9 left top width -4
set arrow 1 from graph 0, first eps to graph 1, first eps nohead ls 20
set label 2 "ε" at graph 0.01, first eps*4 tc rgb "#666666"
plot scaling using "scale":(finite(clip(column("naive_rel_err")))) with linespoints lt 2 pt 6 ps 0.7 title "naive eq. (18)", \
     scaling using "scale":(broken(1)) with points lt 2 pt 2 ps 0.8 title "naive not finite (drawn at 1)", \
     scaling using "scale":(clip(column("stable_rel_err"))) with linespoints lt 1 pt 7 ps 0.5 title "eq. (38)  (zeros at 10^{−19})"

unset logscale x
set nonlinear x via asinh(x) inverse sinh(x)
set xrange [-1e4:1e4]
set xtics ("-10^4" -1e4, "-10^3" -1e3, "-100" -100, "-10" -10, "-1" -1, "0" 0, "1" 1, "10" 10, "100" 100, "10^3" 1e3, "10^4" 1e4)
set format x "%g"
set xlabel "constant c added to every logit (symmetric log axis)"
plot shift using "shift":(finite(clip(column("naive_rel_err")))) with linespoints lt 2 pt 6 ps 0.7 title "naive eq. (18)", \
     shift using "shift":(broken(1)) with points lt 2 pt 2 ps 0.8 title "naive not finite (drawn at 1)", \
     shift using "shift":(clip(column("stable_rel_err"))) with linespoints lt 1 pt 7 ps 0.5 title "eq. (38) of the rounded s + c", \
     shift using "shift":(clip(column("drift"))) with lines lt 3 dt 2 title "eq. (38) against E(s) (c = 0)"
unset multiplot
