#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# Consistency checker: outer/inner pairs called on every CPU must never mix
# versions while a patch of both is enabled and disabled repeatedly.
. ./functions.sh

P=$SYSFS_RKLP/test_rklp_cc
# The debug kernel (make check-debug: KASAN, lockdep, ...) runs the same
# cases at a smaller scale, to fit CI's time; make check runs them in full.
if [ -n "${rklp_debug:-}" ]; then CYCLES=10; THREADS=3000; else CYCLES=30; THREADS=10000; fi

start_test "consistency checker: no mixed versions across $CYCLES patch cycles"
load_mod rklp_test_cc
sleep 0.5
i=0; total_en=0; total_dis=0
while [ $i -lt $CYCLES ]; do
	t0=$(now_ms)
	load_lp test_rklp_cc || break
	t1=$(now_ms)
	sleep 0.3
	log "% echo 0 > $P/enabled"
	echo 0 >$P/enabled
	loop_until "[ ! -d $P ]" || { fail "unpatch did not complete"; break; }
	t2=$(now_ms)
	unload_mod test_rklp_cc
	total_en=$((total_en + t1 - t0)); total_dis=$((total_dis + t2 - t1 - 300))
	i=$((i + 1))
done
check_eq "cycles" $i $CYCLES
check_cc_verdict "; mean transition: patch $((total_en / CYCLES)) ms, unpatch $((total_dis / CYCLES)) ms"
unload_mod rklp_test_cc
end_test

start_test "transitions scale to $THREADS threads"
old_max=$(cat /proc/sys/kernel/threads-max)
echo 40000 >/proc/sys/kernel/threads-max
load_mod rklp_test_threads nr=$THREADS
n=$(ls /proc | grep -c '^[0-9]')
echo "# $n tasks"
[ "$n" -gt $THREADS ] || fail "only $n tasks"
t0=$(now_ms)
load_lp rklp_sample
t1=$(now_ms)
disable_lp rklp_sample
t2=$(now_ms)
echo "# with $n tasks: patching transition $((t1 - t0)) ms, unpatching $((t2 - t1)) ms"
unload_mod rklp_sample
unload_mod rklp_test_threads
echo "$old_max" >/proc/sys/kernel/threads-max
check_no_leftovers rklp_sample
end_test
