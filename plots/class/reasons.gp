# class/reasons.gp - why the students of a class lose points (`bpcheck grade --class`, docs/coursework.md): the most
# frequent reasons per exercise, up to three each, as horizontal bars of the number of students. A reason is the
# diagnosis of the first failing case (diagnose.h: sign, transposed, ...) or an outcome (not attempted, compile
# error, crashed). Run from plots/ (it loads style.gp) with term, out, data (reasons.tsv) and students.
load 'style.gp'
set title "Why students lose points, per exercise"
set xlabel "students"
set style fill solid 0.9 border rgb "white"
set yrange [*:*] reverse
set offsets 0, 0.3, 0.6, 0.6
unset key
set xrange [0:*]
set grid noytics
set ytics nomirror scale 0 noenhanced   # exercise ids hold underscores
if (students <= 15) set xtics 1
plot data using (column("count") / 2.0):0:(column("count") / 2.0):(0.35):ytic(1) with boxxyerror \
     lc rgb oi_vermillion notitle
