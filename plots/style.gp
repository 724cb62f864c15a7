# style.gp - the look every figure shares; each plots/NAME.gp loads it first (`load 'style.gp'`, run from plots/).
#
# Variables the caller passes (gnuplot -e "..."; plots/build.sh does it):
#   term     'png' (pngcairo) or 'svg'
#   out      the file to write
#   data     the directory of the TSV files (bpcheck's output, see plots/README.md)
#   methods  the finite-difference methods whose data exists, e.g. 'forward central gsl' (only some figures)
# A script may set width and height (pixels) before loading this file.
#
# Colours: the Okabe-Ito palette, safe for every common colour-vision deficiency, and each series also has its own
# point shape or dash so that nothing rests on colour alone.
if (!exists("width")) width = 960
if (!exists("height")) height = 600
if (!exists("methods")) methods = ""
set encoding utf8
if (term eq "svg") {
  set terminal svg size width,height enhanced font "DejaVu Sans,12" background rgb "white"
} else {
  if (term ne "png") { print "style.gp: term must be 'png' or 'svg', not '".term."'"; exit status 1 }
  set terminal pngcairo size width,height enhanced font "DejaVu Sans,11" background rgb "white"
}
set output out

# TSV with a header line: columns are read by their names, column("norm_rel_err"), never by position.
set datafile separator tab
set datafile columnheaders

# Okabe-Ito: black, orange, sky blue, bluish green, yellow, blue, vermillion, reddish purple.
oi_black = "#000000"; oi_orange = "#E69F00"; oi_sky = "#56B4E9"; oi_green = "#009E73"
oi_yellow = "#F0E442"; oi_blue = "#0072B2"; oi_vermillion = "#D55E00"; oi_purple = "#CC79A7"
set linetype 1 lc rgb oi_blue lw 2 pt 7 ps 0.9 dt 1
set linetype 2 lc rgb oi_vermillion lw 2 pt 5 ps 0.9 dt 1
set linetype 3 lc rgb oi_green lw 2 pt 9 ps 1.0 dt 1
set linetype 4 lc rgb oi_orange lw 2 pt 11 ps 1.0 dt 1
set linetype 5 lc rgb oi_purple lw 2 pt 13 ps 1.0 dt 1
set linetype 6 lc rgb oi_sky lw 2 pt 3 ps 1.0 dt 1
set linetype 7 lc rgb oi_black lw 1 pt 1 ps 1.0 dt 1
set linetype 8 lc rgb oi_yellow lw 2 pt 15 ps 1.0 dt 1
set linetype cycle 8
# guide lines (slopes, tolerances, y = x): thin, grey, dashed
set style line 20 lc rgb "#666666" lw 1.2 dt 2
set style line 21 lc rgb "#999999" lw 1 dt 3

# One colour and shape per finite-difference method, the same in every figure.
all_methods = "forward central richardson complex gsl"
method_lt(m) = sum [i=1:5] (word(all_methods, i) eq m ? i : 0)

set grid back lc rgb "#dddddd" lw 1 dt 1
set border 3 lw 1
set tics nomirror out scale 0.6
set key opaque box lc rgb "#cccccc" samplen 2.5 spacing 1.15
set title font ",13"
set mxtics default
set mytics default

# Numbers for log axes, and a floor for exact zeros on them (drawn at `floor`, said so in the caption).
log_format = "10^{%L}"
floor = 1e-19
clip(v) = (v < floor) ? floor : v
eps = 2.220446049250313e-16   # DBL_EPSILON
