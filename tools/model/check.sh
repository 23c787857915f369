#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Model-checks rklp's transition protocol and immediate mode with spin
# (tools/model/*.pml, see tools/model/README.md):
#
# * positive checks must verify (no assertion violation, no invalid end
#   state, no acceptance cycle under weak fairness);
# * negative checks re-open a hole the code closes and must produce a
#   counterexample; a negative check that verifies fails this script
#   (the model would then be too weak to see that hole).
#
# Usage: tools/model/check.sh [--full] [NAME-SUBSTRING]
#   --full (or RKLP_MODEL_FULL=1, `make model-full`) also runs the checks
#   marked `full`: verified, but too big for CI's `make model` (minutes to
#   a quarter of an hour and several GB each, see README.md).
# Output: build/model/ (per check: the model, pan's output, and for
# counterexamples NAME.trail.txt, the interleaving, and NAME.trail-full.txt).
# Needs spin and gcc (scripts/install-deps.sh installs spin).
set -u

MODEL_DIR=$(cd "$(dirname "$0")" && pwd)
ROOT=$(cd "$MODEL_DIR/../.." && pwd)
OUT=${RKLP_MODEL_OUT:-$ROOT/build/model}
FULL=${RKLP_MODEL_FULL:-0}
if [ "${1:-}" = --full ]; then
	FULL=1
	shift
fi
FILTER=${1:-}

for tool in spin gcc; do
	command -v $tool >/dev/null || {
		echo "check.sh: $tool not found (scripts/install-deps.sh installs it)" >&2
		exit 2
	}
done
mkdir -p "$OUT"
SUMMARY=$OUT/summary.txt
: >"$SUMMARY"
failures=0

row() {
	printf '%-24s %-8s %12s %12s %7s %9s %8s  %s\n' "$@" | tee -a "$SUMMARY"
}

# full CHECK-ARGS...: a check that runs only with --full (make model-full).
full() {
	[ "$FULL" = 1 ] || return 0
	check "$@"
}

# check NAME MODEL KIND(safety|liveness) EXPECT(verified|counterexample) DEFINES...
check() {
	local name=$1 model=$2 kind=$3 expect=$4
	shift 4
	local defs="$*"
	[ -z "$FILTER" ] || [[ $name == *"$FILTER"* ]] || return 0
	local d=$OUT/$name
	rm -rf "$d"
	mkdir -p "$d"
	cp "$MODEL_DIR/$model.pml" "$d/"
	local cflags="-O2 -w" pargs="-m4000000"
	if [ "$kind" = safety ]; then
		# Negatives: breadth-first, for the shortest counterexample; their
		# searches are short, so an unoptimised pan (compiled in 1 s, not 5).
		if [ "$expect" = counterexample ]; then
			cflags="-O0 -w -DSAFETY -DBFS"
		else
			cflags="$cflags -DSAFETY -DCOLLAPSE"
		fi
	else
		cflags="$cflags -DCOLLAPSE"
		pargs="$pargs -a -f"
	fi
	if ! (cd "$d" && spin $defs -a "$model.pml" >spin.log 2>&1 &&
		gcc $cflags -o pan pan.c >>spin.log 2>&1); then
		row "$name" "$model" - - - - - "FAIL: spin/gcc (see $d/spin.log)"
		failures=$((failures + 1))
		return
	fi
	local t0 t1
	t0=$(date +%s.%N)
	(cd "$d" && ./pan $pargs >pan.out 2>&1)
	t1=$(date +%s.%N)
	local out=$d/pan.out
	local stored trans depth mem errors secs
	stored=$(sed -n 's/^ *\([0-9.e+]*\) states, stored.*/\1/p' "$out" | head -1)
	trans=$(sed -n 's/^ *\([0-9.e+]*\) transitions (= .*/\1/p' "$out" | head -1)
	depth=$(sed -n 's/.*depth reached \([0-9]*\).*/\1/p' "$out" | head -1)
	mem=$(sed -n 's/^ *\([0-9.]*\)[[:space:]]*total actual memory usage.*/\1/p' "$out" | head -1)
	errors=$(sed -n 's/.*errors: \([0-9]*\).*/\1/p' "$out" | head -1)
	secs=$(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.1f", b - a }')
	local result
	if grep -q "max search depth too small" "$out"; then
		result="incomplete (depth)"
	elif [ "${errors:-x}" = 0 ]; then
		result=verified
	elif [ -n "${errors:-}" ]; then
		result=counterexample
	else
		result="FAIL: pan did not finish (see $out)"
	fi
	local verdict=ok
	[ "$result" = "$expect" ] || verdict=FAIL
	[ $verdict = ok ] || failures=$((failures + 1))
	row "$name" "$model" "${stored:--}" "${trans:--}" "${depth:--}" "${mem:--}MB" "${secs}s" \
		"$result ($verdict, expected $expect)"
	if [ "$result" = counterexample ]; then
		(cd "$d" && spin -t -p $defs "$model.pml" >"$OUT/$name.trail-full.txt" 2>&1)
		# The key steps: the model's MSC lines, the failed assertion or
		# the start of the accepting cycle.
		(cd "$d" && spin -t $defs "$model.pml" 2>&1) |
			grep -E "MSC:|assertion violated|START OF CYCLE" |
			sed -e 's/^ *MSC: /  /' -e 's/^spin: /  !! /' >"$OUT/$name.trail.txt"
		tail -n 25 "$OUT/$name.trail.txt" | sed "s/^/      /" | tee -a "$SUMMARY"
	fi
}

start=$(date +%s)
row check model states transitions depth memory time result

# ---- transition.pml: safety (one version of each patch per call chain,
# no freed code runs, no deadlock) ----
check t-stack-reverse  transition safety verified -DSTACK -DREVERSE
check t-stack-module   transition safety verified -DSTACK -DMODULE
check t-module-reverse transition safety verified -DMODULE -DREVERSE
check t-reverse-force  transition safety verified -DREVERSE -DFORCE
check t-fork-exit      transition safety verified -DFORK
check t-fork-stack     transition safety verified -DFORK -DSTACK
check t-fork-reverse   transition safety verified -DFORK -DREVERSE
# tasks switching themselves on their way back to user space (issue 21);
# with MODULE, REVERSE or FORCE added the state space grows 3-5x (and the
# time 5-15x): those run in `make model-full` only (README.md, figures)
check t-self-stack     transition safety verified -DSELF -DSTACK
full t-self-module     transition safety verified -DSELF -DSTACK -DMODULE
full t-self-reverse    transition safety verified -DSELF -DSTACK -DREVERSE
full t-self-force      transition safety verified -DSELF -DREVERSE -DFORCE
# ---- transition.pml: liveness (a transition completes once the tasks
# have left the changed functions), weak fairness ----
check t-live           transition liveness verified -DLIVENESS
check t-live-module    transition liveness verified -DLIVENESS -DMODULE
# ---- immediate.pml: safety, an NMI at any step ----
check i-nmi            immediate safety verified
# ---- dispatcher.pml: the settled functions' table, a dispatcher
# preempted between its two reads ----
check d-quarantine     dispatcher safety verified
# ---- release.pml: a settled function's ftrace state, its release, its
# module going, a kprobe armed through kprobes' registered ops ----
check r-release        release safety verified

# ---- negative variants: each must produce a counterexample ----
check neg-pin-window   transition safety counterexample -DPIN_WINDOW
check neg-no-grace     transition safety counterexample -DSTACK -DNO_GRACE
check neg-no-inhandler transition safety counterexample -DNO_INHANDLER
check neg-no-forkseq   transition safety counterexample -DFORK -DNO_FORKSEQ
check neg-fork-stale   transition safety counterexample -DFORK -DSTACK -DFORK_STALE
check neg-target-unlocked transition safety counterexample -DFORK -DREVERSE -DTARGET_UNLOCKED
check neg-no-retry     transition liveness counterexample -DLIVENESS -DNO_RETRY
check neg-self-no-gen  transition safety counterexample -DSELF -DSTACK -DNO_GEN
check neg-i-no-nmi-guard immediate safety counterexample -DNO_NMI_GUARD
check neg-i-no-inhandler immediate safety counterexample -DNO_INHANDLER
check neg-d-no-quarantine dispatcher safety counterexample -DNO_QUARANTINE
check neg-d-compact-in-place dispatcher safety counterexample -DNO_COMPACT_GRACE
check neg-r-no-claim   release safety counterexample -DNO_CLAIM
check neg-r-no-wait    release safety counterexample -DNO_WAIT

echo "total: $(($(date +%s) - start)) s; summary in $SUMMARY" | tee -a "$SUMMARY"
if [ $failures -ne 0 ]; then
	echo "check.sh: $failures check(s) failed" | tee -a "$SUMMARY" >&2
	exit 1
fi
echo "check.sh: all checks as expected" | tee -a "$SUMMARY"
