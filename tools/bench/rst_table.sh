# SPDX-License-Identifier: GPL-2.0
# Sourced by tools/bench/plot.sh and kernels.sh.
#
# table FILE [COL...]: an rst simple table of the CSV file's columns COL
# (1-based; all of them when none is given), its header row first.
table() {
	local f=$1
	shift
	awk -F, -v cols="$*" '
		BEGIN { nc = split(cols, c, " ") }
		NR == 1 && !nc { nc = NF; for (i = 1; i <= nc; i++) c[i] = i }
		{ for (i = 1; i <= nc; i++) { v[NR, i] = $c[i]; if (length($c[i]) > w[i]) w[i] = length($c[i]) } }
		END {
			rule = ""
			for (i = 1; i <= nc; i++) { s = ""; for (j = 0; j < w[i]; j++) s = s "="; rule = rule (i > 1 ? "  " : "") s }
			print rule
			for (r = 1; r <= NR; r++) {
				line = ""
				for (i = 1; i <= nc; i++) line = line (i > 1 ? "  " : "") sprintf("%-" w[i] "s", v[r, i])
				sub(/ +$/, "", line)
				print line
				if (r == 1) print rule
			}
			print rule
		}' "$f"
}
