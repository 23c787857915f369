#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# make torture: cycles of enable / disable / reverse mid-transition /
# reverse twice / atomic replace / immediate mode on a patch
# (test_rklp_torture, test_rklp_torture2 for replace) whose functions are
# called all the time from kthreads on every CPU, a timer (softirq) and an
# hrtimer (hard IRQ) (rklp_test_cc irq=1) and NMIs (rklp_test_nmi armed),
# while its third target module, rklp_test_target, is loaded and unloaded
# in a loop, tasks fork and exit, and cpu1 goes offline and online. The
# checkers' paired old/new functions count mixed-version calls. Then the
# end state is compared with the start (rklp's sysfs trees, its refcount,
# ftrace's enabled functions, the modules, kmemleak), and one last cycle
# forces a transition (which pins the patch module for good).
# rklp_cycles=N (kernel command line; RKLP_CYCLES or CYCLES on the host)
# sets the number of cycles, default 10 x rklp_scale.
# Prints "# torture: cycles N calls checked C mismatches M splats S leaks L".
. ./functions.sh

SEED=${rklp_seed:-1}
SCALE=${rklp_scale:-1}
CYCLES=${rklp_cycles:-$((10 * SCALE))}
STOP=/tmp/torture_stop
CPU1=/sys/devices/system/cpu/cpu1/online
P=$SYSFS_RKLP/test_rklp_torture
P2=$SYSFS_RKLP/test_rklp_torture2

snapshot() {
	find $SYSFS_RKLP /sys/module/rklp/transition /sys/module/rklp/parameters | sort
	echo "refcnt $(cat /sys/module/rklp/refcnt)"
	# By name: a function settling onto its direct call changes its line.
	ftrace_enabled_functions | awk '{ print $1 }'
	lsmod | awk 'NR > 1 { print $1 }' | sort
	cat /proc/cmdline /proc/version
}

# wait_gone DIR: its patch finished unpatching.
wait_gone() {
	loop_until "[ ! -d $1 ]" || { fail "$1 still there"; return 1; }
}

# rmmod_retry MOD: the unpatching transition is over but the module's
# refcount can still be held for a moment.
rmmod_retry() {
	loop_until "rmmod $1 2>/dev/null" || fail "cannot remove $1"
}

# disable_retry DIR: an immediate patch refuses (-EBUSY) while a checker
# thread sleeps inside its functions: retry.
disable_retry() {
	loop_until "[ ! -e $1/enabled ] || echo 0 2>/dev/null >$1/enabled" || fail "cannot disable $1"
	wait_gone "$1"
}

cycle_plain() {
	insmod $MODDIR/test_rklp_torture.ko || { fail "insmod test_rklp_torture"; return; }
	loop_until "[ \"\$(cat $P/transition)\" = 0 ]" || fail "patching never finished"
	echo 0 >$P/enabled
	wait_gone $P
	rmmod_retry test_rklp_torture
}

# Disable at once: a reversal if the patching transition still runs.
cycle_reverse() {
	insmod $MODDIR/test_rklp_torture.ko || { fail "insmod test_rklp_torture"; return; }
	[ "$(cat $P/transition)" = 1 ] && REVERSED=$((REVERSED + 1))
	echo 0 >$P/enabled
	wait_gone $P
	rmmod_retry test_rklp_torture
}

# Reverse, then reverse the reversal, while the transition runs.
cycle_reverse2() {
	insmod $MODDIR/test_rklp_torture.ko || { fail "insmod test_rklp_torture"; return; }
	echo 0 >$P/enabled
	if echo 1 2>/dev/null >$P/enabled; then
		REVERSED=$((REVERSED + 1))
		loop_until "[ \"\$(cat $P/transition)\" = 0 ]" || fail "re-patching never finished"
		echo 0 >$P/enabled
	fi
	wait_gone $P
	rmmod_retry test_rklp_torture
}

cycle_replace() {
	insmod $MODDIR/test_rklp_torture.ko || { fail "insmod test_rklp_torture"; return; }
	loop_until "[ \"\$(cat $P/transition)\" = 0 ]" || fail "patching never finished"
	insmod $MODDIR/test_rklp_torture2.ko replace=1 || { fail "insmod test_rklp_torture2"; return; }
	wait_gone $P
	loop_until "[ \"\$(cat $P2/transition)\" = 0 ]" || fail "replacing never finished"
	rmmod_retry test_rklp_torture
	echo 0 >$P2/enabled
	wait_gone $P2
	rmmod_retry test_rklp_torture2
}

# Immediate mode: refused with -EBUSY while a checker thread sleeps in a
# patched function (counted), or done at once.
cycle_immediate() {
	if insmod $MODDIR/test_rklp_torture.ko immediate=1 2>/dev/null; then
		IMMEDIATE=$((IMMEDIATE + 1))
		check_file $P/transition 0
		disable_retry $P
		rmmod_retry test_rklp_torture
	else
		IMM_BUSY=$((IMM_BUSY + 1))
		[ ! -e /sys/module/test_rklp_torture ] || fail "refused immediate patch left its module"
		[ ! -e $P ] || fail "refused immediate patch left $P"
	fi
}

# cc_counts: "old new mismatches" of both checkers, summed.
cc_counts() {
	set -- $(cat /proc/rklp_test_cc) $(cat /proc/rklp_test_nmi)
	# old O new N mismatches M nmis X old O new N mismatches M
	echo "$(($2 + ${10})) $(($4 + ${12})) $(($6 + ${14}))"
}

splats() {
	dmesg | grep -cE 'WARNING:|BUG:|Oops|UBSAN:|KASAN|circular locking|inconsistent lock|Call Trace'
}

start_test "torture: $CYCLES cycles under calls from every context, module churn, forks, CPU hotplug (seed $SEED)"
cleanup
rm -f $STOP
splats0=$(splats)
snapshot >/tmp/torture_base
load_mod rklp_test_cc irq=1
load_mod rklp_test_nmi
echo 1 >/sys/module/rklp_test_nmi/parameters/armed
sleep 0.5
(while [ ! -e $STOP ]; do
	insmod $MODDIR/rklp_test_target.ko 2>/dev/null
	sleep 0.3
	rmmod rklp_test_target 2>/dev/null
	sleep 0.2
done) &
./test_rklp-fork_churn -f $STOP >/dev/null &
HOTPLUG=0
if [ -w $CPU1 ]; then
	HOTPLUG=1
	(while [ ! -e $STOP ]; do
		echo 0 2>/dev/null >$CPU1; sleep 0.7; echo 1 2>/dev/null >$CPU1; sleep 0.7
	done) &
fi
REVERSED=0; IMMEDIATE=0; IMM_BUSY=0
t0=$(now_ms)
i=0
while [ $i -lt $CYCLES ]; do
	case $(((i + SEED) % 5)) in
	0) cycle_plain ;;
	1) cycle_reverse ;;
	2) cycle_replace ;;
	3) cycle_immediate ;;
	4) cycle_reverse2 ;;
	esac
	[ -n "$TEST_FAILED" ] && break
	i=$((i + 1))
done
t1=$(now_ms)
touch $STOP
wait
echo 1 >$CPU1 2>/dev/null
echo 0 >/sys/module/rklp_test_nmi/parameters/armed
set -- $(cc_counts)
CALLS=$(($1 + $2)); MISMATCHES=$3
echo "# $i cycles in $(((t1 - t0) / 1000)) s: $REVERSED reversed mid-transition," \
	"$IMMEDIATE immediate ($IMM_BUSY refused -EBUSY), cpu hotplug $HOTPLUG;" \
	"checkers: $(cat /proc/rklp_test_cc); $(cat /proc/rklp_test_nmi)"
check_eq "cycles" $i $CYCLES
check_eq "mismatches" $MISMATCHES 0
[ "$2" -gt 0 ] || fail "the patched versions never ran"
unload_mod rklp_test_nmi
unload_mod rklp_test_cc
lsmod | grep -q '^rklp_test_target' && unload_mod rklp_test_target
snapshot >/tmp/torture_now
LEAKS=0
if ! cmp -s /tmp/torture_base /tmp/torture_now; then
	LEAKS=1
	fail "the system is not as it was"
	diff /tmp/torture_base /tmp/torture_now | head -20 | sed 's/^/# /'
fi
kml=/sys/kernel/debug/kmemleak
if [ -n "$rklp_debug" ] && [ -w $kml ]; then
	sleep 6; echo scan >$kml; sleep 6; echo scan >$kml
	n=$(grep -c '^unreferenced object' $kml)
	[ "$n" = 0 ] || { LEAKS=$((LEAKS + n)); fail "kmemleak: $n unreferenced objects"; }
fi
SPLATS=$(($(splats) - splats0))
check_eq "splats" $SPLATS 0
echo "# torture: cycles $i calls checked $CALLS mismatches $MISMATCHES splats $SPLATS leaks $LEAKS"
end_test

# Last: a forced transition pins its patch module (and so the checker it
# imports from) for good, so it comes after the end-state comparison.
start_test "torture: a forced transition under the same load"
load_mod rklp_test_cc irq=1
load_mod rklp_test_nmi
echo 1 >/sys/module/rklp_test_nmi/parameters/armed
insmod $MODDIR/test_rklp_torture.ko || fail "insmod test_rklp_torture"
if [ "$(cat $P/transition)" = 1 ]; then
	echo 1 >$P/force || fail "force refused"
fi
loop_until "[ \"\$(cat $P/transition)\" = 0 ]" || fail "forced transition never finished"
echo 0 >$P/enabled
wait_gone $P
echo 0 >/sys/module/rklp_test_nmi/parameters/armed
# Forcing switches tasks without checking them: mixed calls are allowed
# here (and shown), crashes and splats are not.
echo "# after force: $(cat /proc/rklp_test_cc); $(cat /proc/rklp_test_nmi)"
end_test
