#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# rklp benchmarks (make bench): rklp against the kernel's own livepatch, side
# by side in one boot, interleaved round by round (the order of the two cores
# alternates), medians over the rounds. Prints ratios, never a pass/fail
# verdict: "# ..." lines are details, "bench: ..." lines the results.
#   a. call overhead: ns per call of rklp_bench_fn() unpatched (ftrace nop),
#      patched by livepatch, patched by rklp;
#   b. enable latency (insmod until transition reads 0) and disable latency
#      (echo 0 > enabled until the patch directory is gone);
#   c. call overhead under a stack of three patches of the same function.
# BENCH_ROUNDS (default 7) and BENCH_RUN_MS (ms per call measurement,
# default 300) tune it.
cd "$(dirname "$0")" || exit 1
. ../selftests/functions.sh

ROUNDS=${BENCH_ROUNDS:-7}
RUN_MS=${BENCH_RUN_MS:-300}
LAT=./rklp_bench_lat
RUN=/sys/module/rklp_bench_target/parameters/run
LP=livepatch_bench
RK=test_rklp_bench

die() {
	echo "# bench: ERROR: $*"
	dmesg | tail -n 8 | sed 's/^/#   dmesg: /'
	exit 1
}

# median V...: the median of the values (mean of the middle two if even).
median() {
	echo "$@" | tr ' ' '\n' | grep . | sort -n |
		awk '{ v[NR] = $1 } END { if (NR % 2) print v[(NR + 1) / 2]; else print (v[NR / 2] + v[NR / 2 + 1]) / 2 }'
}

# ratio A B: A/B with two decimals.
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (b > 0) printf "%.2f", a / b; else print "n/a" }'; }
sub() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.1f", a - b }'; }
ms() { awk -v n="$1" 'BEGIN { printf "%.1f", n / 1e6 }'; }

# measure: sets COST, ns per call of rklp_bench_fn() over RUN_MS ms of calls.
measure() {
	echo "$RUN_MS" >$RUN || die "call loop failed"
	COST=$(cut -d' ' -f1 $RUN)
}

# sysfs_dir CORE PATCH: the patch's directory under that core.
sysfs_dir() { if [ "$1" = lp ]; then echo "$SYSFS_KLP/$2"; else echo "$SYSFS_RKLP/$2"; fi; }

# enable CORE MODULE: load a patch module, wait for its transition; sets
# INS (ns until finit_module returned) and EN (ns until transition read 0).
enable() {
	log "% insmod $2.ko"
	_out=$($LAT load "$MODDIR/$2.ko" "$(sysfs_dir "$1" "$2")") || die "enabling $2 failed"
	INS=${_out% *} EN=${_out#* }
}

# disable CORE MODULE: disable a patch, wait for its directory to go, unload
# the module; sets DIS (ns until the directory was gone).
disable() {
	log "% echo 0 > $(sysfs_dir "$1" "$2")/enabled"
	DIS=$($LAT disable "$(sysfs_dir "$1" "$2")") || die "disabling $2 failed"
	unload_mod "$2"
}

module() { if [ "$1" = lp ]; then echo $LP; else echo $RK; fi; }
name() { if [ "$1" = lp ]; then echo livepatch; else echo rklp; fi; }

echo "# bench: rklp vs upstream livepatch, kernel $(uname -r), $(nproc) CPUs, $ROUNDS rounds, ${RUN_MS} ms per call measurement"
insmod "$MODDIR/rklp.ko" || die "cannot load rklp.ko"
insmod "$MODDIR/rklp_bench_target.ko" || die "cannot load rklp_bench_target.ko"
measure	# warm-up

# a + b, interleaved: per round unpatched, then the two cores (alternating
# which goes first), each enabled, measured, disabled.
U="" C_lp="" C_rk="" I_lp="" I_rk="" E_lp="" E_rk="" D_lp="" D_rk=""
r=1
while [ $r -le "$ROUNDS" ]; do
	if [ $((r % 2)) = 1 ]; then order="lp rk"; else order="rk lp"; fi
	measure; u=$COST
	U="$U $u"
	line="# round $r: unpatched $u ns/call"
	for c in $order; do
		enable $c "$(module $c)"
		ins=$INS en=$EN
		measure; cost=$COST
		disable $c "$(module $c)"
		dis=$DIS
		eval "I_$c=\"\$I_$c $ins\"; E_$c=\"\$E_$c $en\"; C_$c=\"\$C_$c $cost\"; D_$c=\"\$D_$c $dis\""
		line="$line; $(name $c) $cost ns/call, enable $(ms "$en") ms (insmod $(ms "$ins") ms), disable $(ms "$dis") ms"
	done
	echo "$line"
	r=$((r + 1))
done

u=$(median $U) lp=$(median $C_lp) rk=$(median $C_rk)
echo "bench: call overhead: unpatched $u ns, livepatch $lp ns, rklp $rk ns; rklp/livepatch = $(ratio "$rk" "$lp")"
dlp=$(sub "$lp" "$u") drk=$(sub "$rk" "$u")
echo "bench: call overhead added by the patch: livepatch $dlp ns, rklp $drk ns; rklp/livepatch = $(ratio "$drk" "$dlp")"
lp=$(median $E_lp) rk=$(median $E_rk)
echo "bench: enable latency (insmod until transition 0): livepatch $(ms "$lp") ms, rklp $(ms "$rk") ms; rklp/livepatch = $(ratio "$rk" "$lp")"
lp=$(median $I_lp) rk=$(median $I_rk)
echo "bench: insmod alone (finit_module): livepatch $(ms "$lp") ms, rklp $(ms "$rk") ms; rklp/livepatch = $(ratio "$rk" "$lp")"
lp=$(median $D_lp) rk=$(median $D_rk)
echo "bench: disable latency (echo 0 > enabled until the patch dir is gone): livepatch $(ms "$lp") ms, rklp $(ms "$rk") ms; rklp/livepatch = $(ratio "$rk" "$lp")"

# c: a stack of three patches of rklp_bench_fn, per core, interleaved.
S_lp="" S_rk=""
r=1
while [ $r -le "$ROUNDS" ]; do
	if [ $((r % 2)) = 1 ]; then order="lp rk"; else order="rk lp"; fi
	line="# stack round $r"
	for c in $order; do
		m=$(module $c)
		for i in "" 2 3; do enable $c "$m$i"; done
		measure; cost=$COST
		for i in 3 2 ""; do disable $c "$m$i"; done
		eval "S_$c=\"\$S_$c $cost\""
		line="$line; $(name $c) $cost ns/call"
	done
	echo "$line"
	r=$((r + 1))
done
lp=$(median $S_lp) rk=$(median $S_rk)
echo "bench: call overhead, stack of 3 patches: livepatch $lp ns, rklp $rk ns; rklp/livepatch = $(ratio "$rk" "$lp")"

rmmod rklp_bench_target
[ -z "$TEST_FAILED" ] || exit 1
exit 0
