# train-curves.gp - learning the spiral: the mean of eq. (38) over the training and the validation examples, and
# their accuracies, epoch by epoch, for a 2-100-3 network trained by minibatch descent with the gradient of
# eq. (26)-(31). Data: bpcheck train ... --split 0.2 --format tsv (train.tsv; "-" where a value is missing).
width = 1100; height = 520
load "style.gp"
set datafile missing "-"
file = data."/train.tsv"

set multiplot layout 1,2 title "The spiral (3 classes × 100 points) learnt by a 2–100–3 network: batch 30, lr 1, momentum 0.9" font ",14"
set xlabel "epoch"
set key top right
set ylabel "mean loss, eq. (38) per example"
set logscale y
set format y log_format
set title "Loss"
plot file using "epoch":"loss" with lines lt 1 title "training (240 examples)", \
     file using "epoch":"val_loss" with lines lt 2 dt 2 title "validation (60 examples)"
unset logscale y
set format y "%g%%"
set yrange [0:100]
set key bottom right
set ylabel "accuracy"
set title "Accuracy"
plot file using "epoch":(100 * column("accuracy")) with lines lt 1 title "training", \
     file using "epoch":(100 * column("val_accuracy")) with lines lt 2 dt 2 title "validation"
unset multiplot
