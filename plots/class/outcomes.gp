# class/outcomes.gp - the score distribution per exercise of a class (`bpcheck grade --class`, docs/coursework.md):
# for each exercise, how many students have full marks, partial credit or zero, and how many were not graded case by
# case (not attempted, compile error, crashed; not graded: the grader failed). Stacked bars, one per exercise.
# Run from plots/ (it loads style.gp) with term, out, data (outcomes.tsv) and students (the class's size).
load 'style.gp'
set title "Score distribution per exercise"
set ylabel "students"
set style data histograms
set style histogram rowstacked
set style fill solid 0.9 border rgb "white"
set boxwidth 0.75
set xtics rotate by -35 left nomirror noenhanced   # exercise ids hold underscores
set key outside right top vertical
set yrange [0:*]
set grid noxtics
if (students <= 15) set ytics 1
# one colour per outcome: full marks green, partial sky blue, zero vermillion, then orange, grey, purple, black
colours = "#009E73 #56B4E9 #D55E00 #E69F00 #999999 #CC79A7 #000000"
plot for [c=2:8] data using c:xtic(1) title columnheader(c) lc rgb word(colours, c - 1)
