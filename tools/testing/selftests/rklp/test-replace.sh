#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# Atomic replace (upstream test-livepatch.sh "atomic replace livepatch",
# test-sysfs.sh replace/stack_order).
. ./functions.sh

ORIG_CMDLINE=$(cat /proc/cmdline)
ORIG_VERSION=$(cat /proc/version)

start_test "atomic replace livepatch"
load_lp rklp_sample
load_lp test_rklp_multi
check_file $SYSFS_RKLP/rklp_sample/stack_order 1
check_file $SYSFS_RKLP/test_rklp_multi/stack_order 2
check_file $SYSFS_RKLP/test_rklp_multi/replace 0
load_lp test_rklp_replace
check_file $SYSFS_RKLP/test_rklp_replace/replace 1
check_file $SYSFS_RKLP/test_rklp_replace/stack_order 1
check_replace_took_over "$ORIG_CMDLINE" "$ORIG_VERSION"
test_dmesg | grep -q "post_unpatch\\|pre_unpatch" && fail "replaced patches ran callbacks"
end_test

start_test "reversed atomic replace keeps the replaced patches"
load_mod rklp_test_busy
load_lp rklp_sample
load_lp test_rklp_busy
echo 1 >/sys/module/rklp_test_busy/parameters/block
sleep 0.3
stall_replace() {
	load_mod test_rklp_replace
	loop_until "[ -d $SYSFS_RKLP/test_rklp_replace ]" || fail "no sysfs dir"
	sleep 0.5
	check_file $SYSFS_RKLP/test_rklp_replace/transition 1
}
stall_replace
log "% echo 0 > $SYSFS_RKLP/test_rklp_replace/enabled"
echo 0 >$SYSFS_RKLP/test_rklp_replace/enabled || fail "reverse failed"
loop_until "[ ! -d $SYSFS_RKLP/test_rklp_replace ]" || fail "replace patch not removed"
check_file /proc/cmdline "this has been live patched"
check_file $SYSFS_RKLP/rklp_sample/enabled 1
echo 0 >/sys/module/rklp_test_busy/parameters/block
unload_mod test_rklp_replace
disable_lp test_rklp_busy
disable_lp rklp_sample
unload_mod test_rklp_busy
unload_mod rklp_sample
unload_mod rklp_test_busy
end_test
