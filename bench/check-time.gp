# check-time.gp - the full gradient check's time against the number of parameters, bpcheck and PyTorch
# (make bench: bench_check and peer.py write tsv; columns params, tool, seconds).
set terminal pngcairo size 800,520
set output png
set logscale xy
set xlabel "parameters (every one checked)"
set ylabel "seconds, one thread"
set key top left
set grid
set title "Full gradient check of an n-h-10 softmax network, batch 32, float64"
plot tsv using 1:(strcol(2) eq "bpcheck" ? $3 : 1/0) with linespoints title "bpcheck central (4 evaluations/parameter)", \
     tsv using 1:(strcol(2) eq "torch" ? $3 : 1/0) with linespoints title "torch.autograd.gradcheck, slow mode"
