#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# Direct-call proof of concept (Documentation/direct-calls.rst; not in the
# default TESTS list): rklp_direct_poc.ko attaches an ftrace direct call to
# rklp_bench_fn() (rklp_bench_target.ko) whose stub returns into a
# replacement. Measures ns/call against unpatched, livepatch and rklp; shows
# who wins when rklp's IPMODIFY handler covers the same function; hammers the
# function while attaching/detaching and counts calls that reached the
# original (a window); checks kernel.ftrace_enabled=0 and the function
# tracer. Run: RKLP_TESTS=test-direct-poc.sh scripts/run-guest.sh check
# POC_ROUNDS (default 5) and POC_RUN_MS (default 300) tune the timing part.

. ./functions.sh

ROUNDS=${POC_ROUNDS:-9}
# The debug kernel is ~8x slower and its timings mean little.
[ "$rklp_debug" = 1 ] && ROUNDS=1
RUN_MS=${POC_RUN_MS:-300}
RUN=/sys/module/rklp_bench_target/parameters/run
POC=/sys/module/rklp_direct_poc/parameters
LP=livepatch_bench
RK=test_rklp_bench
RKV=test_rklp_direct_poc
# The PoC attaches its own direct call to rklp_bench_fn, which rklp would
# now take for itself once a patch of it settles (its own direct call):
# keep rklp's patches on the handler here, as the PoC's comparison assumes.
echo 0 >/sys/module/rklp/parameters/direct

median() {
	echo "$@" | tr ' ' '\n' | grep . | sort -n |
		awk '{ v[NR] = $1 } END { if (NR % 2) print v[(NR + 1) / 2]; else print (v[NR / 2] + v[NR / 2 + 1]) / 2 }'
}
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (b > 0) printf "%.2f", a / b; else print "n/a" }'; }
sub() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", a - b }'; }

measure() {
	echo "$RUN_MS" >$RUN || fail "call loop failed"
	cut -d' ' -f1 $RUN
}

attach() {
	log "% echo $1 > attach"
	echo "$1" >$POC/attach || fail "attach $1 failed"
}

# classify MS: call rklp_bench_fn for MS ms; sets O D R X (orig, direct,
# rklp, other) and prints them.
classify() {
	echo "$1" >$POC/check || fail "check failed"
	set -- $(cat $POC/check)
	O=$1 D=$2 R=$3 X=$4 KP=$5
	echo "#   calls: original $O, direct $D, rklp $R, kprobe-override $KP, other $X"
}

# expect WHICH: every call of the last classify went to WHICH.
expect() {
	case $1 in
	orig) [ "$O" -gt 0 ] && [ "$D" = 0 ] && [ "$R" = 0 ] ;;
	direct) [ "$D" -gt 0 ] && [ "$O" = 0 ] && [ "$R" = 0 ] ;;
	rklp) [ "$R" -gt 0 ] && [ "$O" = 0 ] && [ "$D" = 0 ] ;;
	kprobe) [ "$KP" -gt 0 ] && [ "$O" = 0 ] && [ "$D" = 0 ] && [ "$R" = 0 ] ;;
	esac || fail "expected every call to go to the $1 version"
	[ "$1" = kprobe ] || [ "$KP" = 0 ] || fail "$KP calls went to the kprobe override"
	[ "$X" = 0 ] || fail "$X calls returned something else"
}

lp_enable() {
	load_mod "$1"
	loop_until "[ \"\$(cat $SYSFS_KLP/$1/transition 2>/dev/null)\" = 0 ]" || fail "$1: transition"
}
lp_disable() {
	echo 0 >"$SYSFS_KLP/$1/enabled"
	loop_until "[ ! -d $SYSFS_KLP/$1 ]" || fail "$1: not disabled"
	unload_mod "$1"
}
rk_disable() {
	disable_lp "$1"
	unload_mod "$1"
}

fn_state() {
	grep rklp_bench_fn $TRACING/enabled_functions | sed 's/^/#   enabled_functions: /'
}

poc_cleanup() {
	[ -e /sys/module/rklp_direct_poc ] && { echo none >$POC/kprobe; echo off >$POC/attach; rmmod rklp_direct_poc; }
	[ -d $SYSFS_KLP/$LP ] && lp_disable $LP
	cleanup
	[ -e /sys/module/$LP ] && rmmod $LP
	[ -e /sys/module/rklp_bench_target ] && rmmod rklp_bench_target
}

# --- 1. cost per call ------------------------------------------------------
start_test "direct PoC: ns per call (unpatched, livepatch, rklp, direct stubs)"
load_mod rklp_bench_target
load_mod rklp_direct_poc
measure >/dev/null
U="" L="" K="" S="" T="" KR="" KS=""
r=1
while [ $r -le "$ROUNDS" ]; do
	u=$(measure)
	attach stub; s=$(measure)
	attach slot; t=$(measure)
	attach off
	lp_enable $LP; l=$(measure); lp_disable $LP
	load_lp $RK; k=$(measure)
	attach ret; kr=$(measure)
	attach stub; ks=$(measure)
	attach off
	rk_disable $RK
	echo "# round $r: unpatched $u, direct-stub $s, direct-slot $t, livepatch $l, rklp $k, rklp+direct-ret $kr, rklp+direct-stub $ks (ns/call)"
	U="$U $u" L="$L $l" K="$K $k" S="$S $s" T="$T $t" KR="$KR $kr" KS="$KS $ks"
	r=$((r + 1))
done
mn() { echo "$@" | tr ' ' '\n' | grep . | sort -n | head -n 1; }
echo "# direct-poc: minima: unpatched $(mn $U), livepatch $(mn $L), rklp $(mn $K), direct-stub $(mn $S), direct-slot $(mn $T), rklp+direct-ret $(mn $KR), rklp+direct-stub $(mn $KS) (ns/call)"
u=$(median $U) l=$(median $L) k=$(median $K) s=$(median $S) t=$(median $T) kr=$(median $KR) ks=$(median $KS)
echo "# direct-poc: medians: unpatched $u, livepatch $l, rklp $k, direct-stub $s, direct-slot $t, rklp+direct-ret $kr, rklp+direct-stub $ks (ns/call)"
dl=$(sub "$l" "$u") dk=$(sub "$k" "$u") ds=$(sub "$s" "$u") dt=$(sub "$t" "$u")
echo "# direct-poc: added by the patch: livepatch $dl, rklp $dk, direct-stub $ds, direct-slot $dt ns"
echo "# direct-poc: direct-stub/livepatch added = $(ratio "$ds" "$dl"), direct-slot/livepatch added = $(ratio "$dt" "$dl"), direct-stub/rklp added = $(ratio "$ds" "$dk")"
echo "# direct-poc: rklp while a direct-ret stub shares the function (transition mode): $(ratio "$kr" "$k") x rklp alone"
end_test

# --- 2. who wins when rklp's handler and a direct stub share a function ----
start_test "direct PoC: rklp handler + direct stub on one function: the stub decides"
classify 50; expect orig
attach stub; fn_state; classify 100; expect direct
load_lp $RKV; fn_state
classify 100; expect direct
attach slot; classify 100; expect direct
attach ret; fn_state; classify 100; expect rklp
attach off; fn_state; classify 100; expect rklp
# The handler's ops registered first, then the direct ops: SHARE_IPMODIFY_SELF.
attach stub; classify 100; expect direct
dmesg | grep -c "rklp_direct_poc: ops_func cmd" | sed 's/^/#   ops_func calls so far: /'
attach off
rk_disable $RKV
# The direct ops registered first, then the handler's: SHARE_IPMODIFY_PEER.
attach stub
load_lp $RKV; classify 100; expect direct
dmesg | grep "rklp_direct_poc: ops_func cmd" | sort | uniq -c | sed 's/^/#   /'
rk_disable $RKV
classify 100; expect direct
attach off
end_test

# --- 3. windows: hammer while switching -------------------------------------
start_test "direct PoC: no call reaches the original while the stub and the handler swap"
load_lp $RKV
echo 6000 >$POC/hammer || fail "hammer"
sleep 0.3
i=0
while [ $i -lt 8 ]; do
	for m in stub ret slot off; do
		echo $m >$POC/attach || fail "attach $m"
		sleep 0.05
	done
	i=$((i + 1))
done
loop_until "[ \"\$(cat $POC/hammer)\" != running ]" || fail "hammer never ended"
set -- $(cat $POC/hammer); O=$1 D=$2 R=$3 X=$4
echo "#   attach stub/ret/slot/off x8 under rklp's handler: original $O, direct $D, rklp $R, other $X"
[ "$O" = 0 ] || fail "$O calls reached the original"
[ "$D" -gt 0 ] && [ "$R" -gt 0 ] || fail "not both versions ran"
rk_disable $RKV
attach stub
echo 8000 >$POC/hammer || fail "hammer"
sleep 0.3
i=0
while [ $i -lt 3 ]; do
	load_lp $RKV; rk_disable $RKV
	i=$((i + 1))
done
loop_until "[ \"\$(cat $POC/hammer)\" != running ]" || fail "hammer never ended"
set -- $(cat $POC/hammer); O=$1 D=$2 R=$3 X=$4
echo "#   rklp patch enable/disable x3 under a direct stub: original $O, direct $D, rklp $R, other $X"
[ "$O" = 0 ] || fail "$O calls reached the original"
[ "$R" = 0 ] || fail "$R calls reached rklp's version past the stub"
attach off
end_test

# --- 4. kernel.ftrace_enabled=0 ----------------------------------------------
start_test "direct PoC: ftrace_enabled=0 silently drops a direct call, not rklp's"
attach stub; classify 50; expect direct
if echo 0 >/proc/sys/kernel/ftrace_enabled 2>/dev/null; then
	echo "#   ftrace_enabled=0 accepted with only the direct ops"
	classify 50; expect orig
	echo 1 >/proc/sys/kernel/ftrace_enabled
	classify 50; expect direct
else
	fail "ftrace_enabled=0 refused with only a direct ops"
fi
load_lp $RKV
if echo 0 >/proc/sys/kernel/ftrace_enabled 2>/dev/null; then
	fail "ftrace_enabled=0 accepted with rklp's PERMANENT ops registered"
	echo 1 >/proc/sys/kernel/ftrace_enabled
else
	echo "#   ftrace_enabled=0 refused (EBUSY) while rklp's PERMANENT ops is registered"
fi
rk_disable $RKV
attach off
end_test

# --- 5. a tracer on the settled function ------------------------------------
start_test "direct PoC: the function tracer shares a direct-settled function"
attach stub
trace_function rklp_bench_fn
fn_state
classify 50; expect direct
check_traced_functions rklp_bench_fn
cleanup_tracing
fn_state
classify 50; expect direct
attach off
end_test

# --- 5b. kprobes on the settled function ------------------------------------
start_test "direct PoC: kprobes on a direct-settled function"
attach stub
for k in pre post; do
	echo $k >$POC/kprobe || fail "kprobe $k refused"
	fn_state
	classify 50; expect direct
	echo "#   kprobe $k: $(cat $POC/kprobe)"
	echo none >$POC/kprobe
done
# A kprobe that overrides the function (regs->ip, as error injection does):
# the stub runs after it and wins, so the override is silently lost.
echo override >$POC/kprobe || fail "kprobe override refused"
classify 50
echo "#   override kprobe under the settled stub: $(cat $POC/kprobe); calls above"
expect direct
attach ret
classify 50
echo "#   override kprobe under the honouring (ret) stub: calls above"
expect kprobe
echo none >$POC/kprobe
attach off
end_test

# --- 6. cost of switching ---------------------------------------------------
start_test "direct PoC: time to register, modify, unregister a direct call"
for m in stub slot ret stub off; do
	echo $m >$POC/attach
	echo "#   -> $m: $(cut -d' ' -f2 $POC/attach) ns"
done
load_lp $RKV
for m in stub ret off; do
	echo $m >$POC/attach
	echo "#   (rklp on the function) -> $m: $(cut -d' ' -f2 $POC/attach) ns"
done
rk_disable $RKV
poc_cleanup
end_test
echo 1 >/sys/module/rklp/parameters/direct
