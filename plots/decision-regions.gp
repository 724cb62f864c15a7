# decision-regions.gp - what the trained 2-100-3 network of train-curves.gp says over the plane: the class of the
# largest softmax output, eq. (17), at every point of a grid, with the spiral's points coloured by their class.
# Data: regions.tsv (x1, x2, class from bpcheck predict), points.tsv (x1, x2, class from bpcheck data spiral).
width = 760; height = 700
load "style.gp"
set size ratio -1
set xrange [-1.2:1.2]
set yrange [-1.2:1.2]
set xlabel "x_1"
set ylabel "x_2"
set title "Decision regions of the trained network, with the 300 points of the spiral"
# pale shades of the three class colours for the regions, the full colours for the points
set palette defined (0 "#cfe3f0", 1 "#f6d2bd", 2 "#bfe6d9")
set cbrange [0:2]
unset colorbox
set key outside bottom center horizontal
class_is(c, v) = column("class") == c ? v : NaN
plot data."/regions.tsv" using "x1":"x2":"class" with image notitle, \
     data."/points.tsv" using "x1":(class_is(0, column("x2"))) with points lt 1 pt 7 ps 0.8 title "class 0", \
     data."/points.tsv" using "x1":(class_is(1, column("x2"))) with points lt 2 pt 5 ps 0.8 title "class 1", \
     data."/points.tsv" using "x1":(class_is(2, column("x2"))) with points lt 3 pt 9 ps 0.9 title "class 2"
