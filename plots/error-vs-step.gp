# error-vs-step.gp - eq. (15), eq. (16): the error of each finite-difference method against its step h, with guides
# for the truncation slopes O(h), O(h^2), O(h^4), O(h^6) and the round-off slope eps/h.
# Data: sweep-M.tsv = bpcheck sweep logistic-hidden-weights --method M --format tsv, for each M in `methods`:
# h, norm_rel_err, max_rel_err, median_estimate, auto (61 rows h = 10^(-k/4), k = 4..64, auto 0; one row auto 1 at
# the method's own step).
width = 1000; height = 680
load "style.gp"
sweep(m) = data."/sweep-".m.".tsv"
sweep_row(v) = column("auto") == 0 ? clip(v) : NaN
auto_row(v) = column("auto") == 1 ? clip(v) : NaN
near(h) = column("auto") == 0 && abs(log10(column("h")) - log10(h)) < 0.05   # the sweep row at step h

# The truncation order of each method's rule (fd.h); 0: no guide. The complex step is O(h^2) like central (the
# two curves coincide on the right) and has no round-off branch; gsl_deriv_central takes h only as the step to
# start from and adapts it, so its curve is flat on the right.
order(m) = m eq "forward" ? 1 : m eq "central" ? 2 : m eq "richardson" ? 6 : 0
# Each guide starts 3x above the method's own error at h = anchor and spans 3 decades of error.
anchor(m) = m eq "forward" ? 1e-2 : m eq "central" ? 1e-2 : 10**-1.25
do for [m in methods] {
  if (order(m) > 0) { stats sweep(m) using (near(anchor(m)) ? column("norm_rel_err") : NaN) name "A_".m nooutput }
}
guide(x, m) = order(m) == 0 ? NaN : (x <= anchor(m) && x >= anchor(m) * 10**(-3.0 / order(m))) ? 3 * value("A_".m."_max") * (x / anchor(m))**order(m) : NaN
# round-off: slope -1, anchored on the first method's error at h = 1e-13, where every difference quotient is
# dominated by the rounding of f
m0 = word(methods, 1)
stats sweep(m0) using (near(1e-13) ? column("norm_rel_err") : NaN) name "R" nooutput
roundoff(x) = (x >= 1e-15 && x <= 1e-11) ? R_max / 5 * 1e-13 / x : NaN

set title "Error of ∂E/∂w_{kj} (eq. (16)) by each finite-difference method, against the step h"
set logscale xy
set format x log_format
set xtics 1e-20, 100
set format y log_format
set xrange [1e-21:0.3]   # the complex step picks h near 1e-20
set yrange [1e-17:10]
set ytics 1e-16, 1e2, 1
set xlabel "step h (relative to max(|w|, 1))"
set ylabel "‖numeric − analytic‖ / ‖analytic‖"
set key outside right top width -2
set samples 400
do for [m in methods] {
  if (order(m) > 0) {
    hl = anchor(m) * 10**(-3.0 / order(m))
    set label "O(h".(order(m) > 1 ? "^".order(m) : "").")" at hl, guide(hl * 1.0001, m) right offset -0.5,0 tc rgb "#666666" font ",10"
  }
}
set label "guides: round-off ε/h (slope −1),\ntruncation O(h^p) (slope p)" at 2e-21, 1e-3 left tc rgb "#666666" font ",10"

plot for [m in methods] sweep(m) using "h":(sweep_row(column("norm_rel_err"))) with linespoints lt method_lt(m) ps 0.6 title m, \
     for [m in methods] sweep(m) using "h":(auto_row(column("norm_rel_err"))) with points lt method_lt(m) pt 6 ps 3 lw 2 notitle, \
     for [m in methods] guide(x, m) with lines ls 20 notitle, \
     roundoff(x) with lines ls 20 notitle, \
     NaN with points lc rgb "#333333" pt 6 ps 3 lw 2 title "the method's own step"
