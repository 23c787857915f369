#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# The kernel's own livepatch (the reference) works in the same boot, next to
# rklp, and the two refuse to patch the same function.
. ./functions.sh

ORIG_CMDLINE=$(cat /proc/cmdline)

start_test "upstream livepatch sample works in the same boot"
load_mod livepatch-sample
loop_until "[ -e $SYSFS_KLP/livepatch_sample/transition ] && [ \"\$(cat $SYSFS_KLP/livepatch_sample/transition)\" = 0 ]" ||
	fail "upstream transition did not complete"
check_file /proc/cmdline "this has been live patched"
echo 0 >$SYSFS_KLP/livepatch_sample/enabled
loop_until "[ ! -d $SYSFS_KLP/livepatch_sample ]" || fail "upstream patch not removed"
check_file /proc/cmdline "$ORIG_CMDLINE"
unload_mod livepatch_sample
end_test

start_test "rklp and upstream livepatch patch different functions at once"
load_mod livepatch-sample
loop_until "[ \"\$(cat $SYSFS_KLP/livepatch_sample/transition 2>/dev/null)\" = 0 ]" || fail "upstream transition"
load_lp test_rklp_multi
check_file /proc/cmdline "this has been live patched"
check_file /proc/version "test_rklp_multi: version patched"
disable_lp test_rklp_multi
check_file /proc/cmdline "this has been live patched"
echo 0 >$SYSFS_KLP/livepatch_sample/enabled
loop_until "[ ! -d $SYSFS_KLP/livepatch_sample ]" || fail "upstream patch not removed"
unload_mod livepatch_sample
unload_mod test_rklp_multi
end_test

start_test "the same function: rklp second fails with -EBUSY"
load_mod livepatch-sample
loop_until "[ \"\$(cat $SYSFS_KLP/livepatch_sample/transition 2>/dev/null)\" = 0 ]" || fail "upstream transition"
load_failing_mod rklp_sample
check_file /proc/cmdline "this has been live patched"
[ ! -e $SYSFS_RKLP/rklp_sample ] || fail "rklp_sample sysfs dir left"
check_eq "rklp refcnt" "$(cat /sys/module/rklp/refcnt)" 0
test_dmesg | grep -q "rklp: failed to register ftrace handler for function 'cmdline_proc_show' (-16)" ||
	fail "no message naming the function"
test_dmesg | grep -q "rklp hint: 'cmdline_proc_show' is already redirected by another ftrace user" ||
	fail "no message giving the cause"
test_dmesg | grep -q "Device or resource busy" || fail "insmod did not fail with EBUSY"
end_test

start_test "the same function: upstream second fails with -EBUSY"
load_lp rklp_sample
load_failing_mod livepatch-sample
check_file /proc/cmdline "this has been live patched"
test_dmesg | grep -q "livepatch: failed to register ftrace handler for function 'cmdline_proc_show' (-16)" ||
	fail "upstream did not report the conflict"
end_test
