# scatter.gp - analytic against numeric for every parameter of a network: backprop (eq. (9), (10), (12), (16) for
# logistic outputs; eq. (26), (29), (31) for softmax) on the line y = x, and beside it a planted bug, eq. (12) /
# eq. (31) without the factor x_j(1 − x_j), whose hidden-layer points leave the line.
# Data: bpcheck plotdata scatter-logistic, scatter-softmax (param, layer, analytic, numeric, estimate, buggy, ...).
width = 1100; height = 1000
load "style.gp"
files = data."/scatter-logistic.tsv ".data."/scatter-softmax.tsv"
names = "logistic softmax"
layer_is(l, v) = column("layer") == l ? v : NaN

set multiplot layout 2,2 title "Backprop against central differences, every weight and bias of a 4–6–3 network (batch of 8)" font ",14"
set size ratio -1
set key bottom right width -2 font ",10"
set xlabel "numeric ∂E/∂w (central difference)"
set ylabel "analytic ∂E/∂w"
do for [r = 1:2] {
  file = word(files, r)
  stats file using "numeric" name "N" nooutput
  stats file using "analytic" name "A" nooutput
  stats file using "buggy" name "B" nooutput
  # the normwise relative error ||a - n|| / ||n|| over all parameters
  stats file using ((column("analytic") - column("numeric"))**2) name "D" nooutput
  stats file using ((column("buggy") - column("numeric"))**2) name "Q" nooutput
  stats file using (column("numeric")**2) name "S" nooutput
  lo = N_min < A_min ? N_min : A_min; lo = lo < B_min ? lo : B_min
  hi = N_max > A_max ? N_max : A_max; hi = hi > B_max ? hi : B_max
  pad = 0.05 * (hi - lo); lo = lo - pad; hi = hi + pad
  set xrange [lo:hi]
  set yrange [lo:hi]
  set title sprintf("%s outputs: backprop as derived\n‖analytic − numeric‖ / ‖numeric‖ = %.1e", word(names, r), sqrt(D_sum / S_sum))
  set key top left
  plot x with lines ls 20 title "y = x", \
       file using "numeric":(layer_is(2, column("analytic"))) with points lt 1 pt 7 ps 1.1 title "output layer W2, b2: ".(r == 1 ? "eq. (9), (10)" : "eq. (26), (29)"), \
       file using "numeric":(layer_is(1, column("analytic"))) with points lt 3 pt 9 ps 1.2 title "hidden layer W1, b1: ".(r == 1 ? "eq. (12), (16)" : "eq. (31)")
  set title sprintf("%s outputs: planted bug, %s without x_j(1 − x_j)\n‖buggy − numeric‖ / ‖numeric‖ = %.2f", word(names, r), (r == 1 ? "eq. (12)" : "eq. (31)"), sqrt(Q_sum / S_sum))
  set key bottom right
  plot x with lines ls 20 title "y = x", \
       file using "numeric":(layer_is(2, column("buggy"))) with points lt 1 pt 7 ps 1.1 title "output layer: still right", \
       file using "numeric":(layer_is(1, column("buggy"))) with points lt 2 pt 5 ps 1.0 title "hidden layer: off the line"
}
unset multiplot
