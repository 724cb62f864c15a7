# softmax-jacobian.gp - eq. (20), eq. (21): the softmax Jacobian dx_i/ds_k = x_i (δ_ik − x_k) of one example, as a
# heat map, and its rows, which sum to zero (Σ_k x_k = 1).
# Data: bpcheck plotdata softmax-jacobian (i, k, J, s_i, x_i, row_sum, row_abs_sum).
width = 1100; height = 600
load "style.gp"
file = data."/softmax-jacobian.tsv"
stats file using "J" name "J" nooutput
stats file using "i" name "I" nooutput
n = int(I_max) + 1
jmax = (abs(J_min) > abs(J_max)) ? abs(J_min) : abs(J_max)

set multiplot title "The softmax Jacobian of eq. (21) for one example: ∂x_i/∂s_k = x_i(1 − x_i) if i = k, −x_i x_k otherwise" font ",14"

# ---- the heat map ----------------------------------------------------------------------------------------------
set lmargin at screen 0.07; set rmargin at screen 0.55; set tmargin at screen 0.86; set bmargin at screen 0.12
set grid noxtics noytics
set border 15
set xrange [-0.5:n - 0.5]
set yrange [n - 0.5:-0.5]
set xtics 1 scale 0
set ytics 1 scale 0
set xlabel "k (the logit s_k that moves)"
set ylabel "i (the output x_i that responds)"
# a diverging blue-white-vermillion map (Okabe-Ito ends), symmetric about 0
set palette defined (-1 oi_blue, 0 "#ffffff", 1 oi_vermillion)
set cbrange [-jmax:jmax]
set cblabel "∂x_i/∂s_k"
set colorbox user origin screen 0.56, screen 0.12 size screen 0.015, screen 0.74
set title "diagonal x_i(1 − x_i) > 0, off-diagonal −x_i x_k < 0, symmetric"
unset key
plot file using "k":"i":"J" with image notitle, \
     file using "k":"i":(sprintf("%.4f", column("J"))) with labels font ",10" notitle

# ---- the row sums ------------------------------------------------------------------------------------------------
unset colorbox
set lmargin at screen 0.71; set rmargin at screen 0.97; set bmargin at screen 0.25
set border 3
set grid xtics
set xrange [*:*]
set xtics 1 scale 0.6
set ytics 1 scale 0.6
set ylabel "row i"
set xlabel "Σ_k ∂x_i/∂s_k in units of ε = 2.2·10^{−16}"
set title "rows sum to 0 (Σ_k x_k = 1)"
set key at screen 0.99, screen 0.005 right bottom spacing 1 samplen 1.5 font ",10" nobox
set arrow 1 from 0, graph 0 to 0, graph 1 nohead ls 20
row(v) = column("k") == 0 ? v : NaN
plot file using (0):(row(column("i"))):(5 * column("row_abs_sum")):(0.36) with boxxyerror fs solid 0.25 noborder lc rgb "#bbbbbb" title "round-off bound (n−1) ε Σ_k |∂x_i/∂s_k|", \
     file using (row(column("row_sum") / eps / 2)):"i":(abs(column("row_sum")) / eps / 2):(0.25) with boxxyerror fs solid 0.8 noborder lc rgb oi_green title "the row sum, computed in double"
unset multiplot
