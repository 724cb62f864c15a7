# train-checks.gp - the gradient check along training: every 20 epochs the gradient of eq. (26)-(31) the step uses,
# divided by the batch (the mean of eq. (38)), against central differences on 50 sampled entries of every W and b
# (every entry at the end). Left: the worst relative error over the resolved entries against the tolerance 1e-7.
# Right: the share of entries below what the difference can resolve, which grows as hidden units saturate and
# x(1 - x) of eq. (12) makes their entries tiny. Data: train.tsv (rows with a check).
width = 1100; height = 520
load "style.gp"
set datafile missing "-"
file = data."/train.tsv"
checked(v) = (strcol("verdict") eq "-") ? NaN : v
passed(v) = (strcol("verdict") eq "PASS") ? v : NaN
failed(v) = (strcol("verdict") ne "PASS" && strcol("verdict") ne "-") ? v : NaN

set multiplot layout 1,2 title "Gradient checks along training (central differences, the same run as the curves)" font ",14"
set xlabel "epoch"
set title "Worst relative error of the resolved entries"
set ylabel "max rel err"
set logscale y
set format y log_format
set yrange [1e-12:1]
set key top left
plot 1e-7 with lines ls 20 title "tolerance 1e-7", \
     file using "epoch":(passed(clip(column("max_rel_err")))) with points lt 1 title "PASS", \
     file using "epoch":(failed(clip(column("max_rel_err")))) with points lt 2 pt 2 ps 1.5 title "FAIL"
unset logscale y
set format y "%g%%"
set yrange [0:100]
set title "Entries below the difference's resolution"
set ylabel "unresolved entries"
plot file using "epoch":(checked(100 * column("unresolved") / column("entries"))) with points lt 3 \
     title "share of the checked entries"
unset multiplot
