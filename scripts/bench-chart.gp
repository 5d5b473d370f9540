# SPDX-License-Identifier: GPL-2.0
# make bench: the ratios of build/bench/ratios.dat as bars with their
# spread across rounds, against the goal of each (scripts/bench.sh).
# Columns: label ratio low high goal.
set terminal pngcairo size 900,480 font ",10" noenhanced
set output out
set title "ZONE_EXMEM against vanilla 6.12 (ratios; 1.0 = equal)"
set style fill solid 0.6 border -1
set boxwidth 0.6
set yrange [0:*]
set grid ytics
set xtics rotate by -20
set key top left
plot data using 0:2:xtic(1) with boxes title "median ratio", \
     data using 0:2:3:4 with yerrorbars lc rgb "black" pt 0 title "spread across rounds", \
     data using 0:5 with points pt 7 ps 1.2 lc rgb "red" title "goal"
