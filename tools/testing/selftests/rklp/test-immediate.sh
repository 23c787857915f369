#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# Immediate mode (stop_machine, activeness check) and the NMI in-flight guard.
. ./functions.sh

BUSY=/sys/module/rklp_test_busy/parameters
ORIG_CMDLINE=$(cat /proc/cmdline)

start_test "immediate mode: patch and unpatch at once"
load_lp test_rklp_immediate
check_file /proc/cmdline "test_rklp_immediate: patched at once"
check_file $SYSFS_RKLP/test_rklp_immediate/transition 0
disable_lp test_rklp_immediate
check_file /proc/cmdline "$ORIG_CMDLINE"
unload_mod test_rklp_immediate
check_no_leftovers test_rklp_immediate
check_result "% insmod test_rklp_immediate.ko 
rklp: enabling patch 'test_rklp_immediate'
rklp: 'test_rklp_immediate': initializing patching transition
rklp: 'test_rklp_immediate': starting patching transition
rklp: 'test_rklp_immediate': completing patching transition
rklp: 'test_rklp_immediate': patching complete
% echo 0 > /sys/kernel/rklp/test_rklp_immediate/enabled
rklp: 'test_rklp_immediate': initializing unpatching transition
rklp: 'test_rklp_immediate': starting unpatching transition
rklp: 'test_rklp_immediate': completing unpatching transition
rklp: 'test_rklp_immediate': unpatching complete
% rmmod test_rklp_immediate"
end_test

start_test "immediate mode: -EBUSY while a task sleeps in a function to patch"
load_mod rklp_test_busy
echo 1 >$BUSY/block
sleep 0.3
load_failing_mod test_rklp_busy_imm
check_no_leftovers test_rklp_busy_imm
pid=$(pidof rklp_busy)
check_result "% insmod rklp_test_busy.ko 
% insmod test_rklp_busy_imm.ko 
rklp: enabling patch 'test_rklp_busy_imm'
rklp: 'test_rklp_busy_imm': initializing patching transition
rklp: 'test_rklp_busy_imm': starting patching transition
rklp: 'test_rklp_busy_imm': cannot switch immediately: task rklp_busy:$pid is in function 'rklp_test_busy_func'
rklp: failed to enable patch 'test_rklp_busy_imm'
rklp: 'test_rklp_busy_imm': canceling patching transition, going to unpatch
rklp: 'test_rklp_busy_imm': completing unpatching transition
rklp: 'test_rklp_busy_imm': unpatching complete
insmod: ERROR: could not insert module $MODDIR/test_rklp_busy_imm.ko: Device or resource busy"
echo 0 >$BUSY/block
unload_mod rklp_test_busy
end_test

start_test "immediate mode: -EBUSY unpatching while a task sleeps in the new function"
load_mod rklp_test_busy
load_lp test_rklp_busy_imm
echo 1 >$BUSY/block
sleep 0.3
log "% echo 0 > $SYSFS_RKLP/test_rklp_busy_imm/enabled"
if echo 0 2>/dev/null >$SYSFS_RKLP/test_rklp_busy_imm/enabled; then
	fail "unpatching succeeded with a task inside the new function"
fi
check_file $SYSFS_RKLP/test_rklp_busy_imm/enabled 1
ftrace_enabled_functions | grep -q '^rklp_test_busy_func' || fail "function no longer patched"
test_dmesg | grep -q "cannot switch immediately: task rklp_busy:.* is in function 'rklp_test_busy_func'" ||
	fail "no message naming the task and function"
echo 0 >$BUSY/block
sleep 0.3
disable_lp test_rklp_busy_imm
unload_mod test_rklp_busy_imm
unload_mod rklp_test_busy
check_no_leftovers test_rklp_busy_imm
end_test

start_test "immediate atomic replace"
ORIG_VERSION=$(cat /proc/version)
load_lp rklp_sample
load_lp test_rklp_multi
load_lp test_rklp_replace immediate=1
check_replace_took_over "$ORIG_CMDLINE" "$ORIG_VERSION"
check_result "% insmod rklp_sample.ko 
rklp: enabling patch 'rklp_sample'
rklp: 'rklp_sample': initializing patching transition
rklp: 'rklp_sample': starting patching transition
rklp: 'rklp_sample': completing patching transition
rklp: 'rklp_sample': patching complete
% insmod test_rklp_multi.ko 
rklp: enabling patch 'test_rklp_multi'
rklp: 'test_rklp_multi': initializing patching transition
rklp: 'test_rklp_multi': starting patching transition
rklp: 'test_rklp_multi': completing patching transition
rklp: 'test_rklp_multi': patching complete
% insmod test_rklp_replace.ko immediate=1
rklp: enabling patch 'test_rklp_replace'
rklp: 'test_rklp_replace': initializing patching transition
rklp: 'test_rklp_replace': starting patching transition
rklp: 'test_rklp_replace': completing patching transition
rklp: 'test_rklp_replace': patching complete
% rmmod rklp_sample
% rmmod test_rklp_multi
% echo 0 > /sys/kernel/rklp/test_rklp_replace/enabled
rklp: 'test_rklp_replace': initializing unpatching transition
rklp: 'test_rklp_replace': starting unpatching transition
rklp: 'test_rklp_replace': completing unpatching transition
rklp: 'test_rklp_replace': unpatching complete
% rmmod test_rklp_replace"
end_test

start_test "immediate atomic replace: -EBUSY while a task sleeps in a replaced patch"
load_mod rklp_test_busy
load_lp test_rklp_busy_imm
echo 1 >$BUSY/block
sleep 0.3
load_failing_mod test_rklp_replace immediate=1
[ ! -e $SYSFS_RKLP/test_rklp_replace ] || fail "failed patch left its sysfs dir"
[ ! -e /sys/module/test_rklp_replace ] || fail "failed patch module loaded"
check_eq "enabled functions" "$(ftrace_enabled_functions | awk '{ print $1 }')" rklp_test_busy_func
check_eq "rklp refcnt" "$(cat /sys/module/rklp/refcnt)" 1
check_eq "patches" "$(patch_dirs)" "$SYSFS_RKLP/test_rklp_busy_imm"
check_file $SYSFS_RKLP/test_rklp_busy_imm/enabled 1
ftrace_enabled_functions | grep -q '^rklp_test_busy_func' || fail "replaced patch no longer applied"
grep -q '^MemTotal:' /proc/meminfo || fail "/proc/meminfo changed"
test_dmesg | grep -q "'test_rklp_replace': cannot switch immediately: task rklp_busy:.* is in function 'rklp_test_busy_func'" ||
	fail "no message naming the task and the replaced function"
echo 0 >$BUSY/block
sleep 0.3
disable_lp test_rklp_busy_imm
unload_mod test_rklp_busy_imm
unload_mod rklp_test_busy
check_no_leftovers test_rklp_busy_imm
end_test

start_test "NMI guard: immediate switches under an NMI flood never mix versions"
load_mod rklp_test_nmi armed=1 period_us=${NMI_PERIOD_US:-400}
sleep 0.5
n=0; ok_en=0; busy_en=0; ok_dis=0; busy_dis=0
while [ $n -lt 20 ]; do
	n=$((n + 1))
	if out=$(insmod $MODDIR/test_rklp_nmi.ko 2>&1); then
		ok_en=$((ok_en + 1))
		check_file $SYSFS_RKLP/test_rklp_nmi/enabled 1
		tries=0
		while ! echo 0 2>/dev/null >$SYSFS_RKLP/test_rklp_nmi/enabled; do
			busy_dis=$((busy_dis + 1))
			check_file $SYSFS_RKLP/test_rklp_nmi/enabled 1
			tries=$((tries + 1))
			[ $tries -lt 20 ] || { fail "cannot unpatch"; break; }
		done
		ok_dis=$((ok_dis + 1))
		loop_until "[ ! -d $SYSFS_RKLP/test_rklp_nmi ]" || fail "patch dir left"
		unload_mod test_rklp_nmi
	else
		case "$out" in
		*"Device or resource busy"*) busy_en=$((busy_en + 1)) ;;
		*) fail "insmod failed other than with EBUSY: $out" ;;
		esac
		[ ! -e $SYSFS_RKLP/test_rklp_nmi ] || fail "failed patch left its sysfs dir"
		[ ! -e /sys/module/test_rklp_nmi ] || fail "failed patch module loaded"
	fi
done
echo 0 >/sys/module/rklp_test_nmi/parameters/armed
collisions=$(test_dmesg | grep -c "an NMI ran a function being switched")
stats=$(cat /proc/rklp_test_nmi)
echo "# $stats"
echo "# immediate switches: enable ok $ok_en / EBUSY $busy_en, disable ok $ok_dis / EBUSY $busy_dis; NMI collisions $collisions"
set -- $stats
[ "$2" -gt 0 ] || fail "no NMI was handled"
[ "$6" -gt 0 ] || fail "the patched version never ran in NMI"
check_eq "mismatches" "$8" 0
[ "$collisions" -gt 0 ] || fail "no NMI collision happened: the run proves nothing"
[ "$ok_en" -gt 0 ] || fail "no immediate switch succeeded"
unload_mod rklp_test_nmi
check_no_leftovers test_rklp_nmi
end_test
