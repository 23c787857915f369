#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# Per-object callbacks (cases of upstream's test-callbacks.sh).
. ./functions.sh

P=test_rklp_callbacks_demo

start_test "target module before livepatch"
load_mod rklp_test_target
load_lp $P
disable_lp $P
unload_mod $P
unload_mod rklp_test_target
check_result "% insmod rklp_test_target.ko 
rklp_test_target: rklp_test_target_init
% insmod $P.ko 
rklp: enabling patch '$P'
rklp: '$P': initializing patching transition
$P: pre_patch_callback: vmlinux
$P: pre_patch_callback: rklp_test_target
rklp: '$P': starting patching transition
rklp: '$P': completing patching transition
$P: post_patch_callback: vmlinux
$P: post_patch_callback: rklp_test_target
rklp: '$P': patching complete
% echo 0 > /sys/kernel/rklp/$P/enabled
rklp: '$P': initializing unpatching transition
$P: pre_unpatch_callback: vmlinux
$P: pre_unpatch_callback: rklp_test_target
rklp: '$P': starting unpatching transition
rklp: '$P': completing unpatching transition
$P: post_unpatch_callback: vmlinux
$P: post_unpatch_callback: rklp_test_target
rklp: '$P': unpatching complete
% rmmod $P
% rmmod rklp_test_target
rklp_test_target: rklp_test_target_exit"
end_test

start_test "module_coming and module_going notifiers"
load_lp $P
load_mod rklp_test_target
unload_mod rklp_test_target
disable_lp $P
unload_mod $P
check_result "% insmod $P.ko 
rklp: enabling patch '$P'
rklp: '$P': initializing patching transition
$P: pre_patch_callback: vmlinux
rklp: '$P': starting patching transition
rklp: '$P': completing patching transition
$P: post_patch_callback: vmlinux
rklp: '$P': patching complete
% insmod rklp_test_target.ko 
rklp: applying patch '$P' to loading module 'rklp_test_target'
$P: pre_patch_callback: rklp_test_target
$P: post_patch_callback: rklp_test_target
rklp_test_target: rklp_test_target_init
% rmmod rklp_test_target
rklp_test_target: rklp_test_target_exit
$P: pre_unpatch_callback: rklp_test_target
rklp: reverting patch '$P' on unloading module 'rklp_test_target'
$P: post_unpatch_callback: rklp_test_target
% echo 0 > /sys/kernel/rklp/$P/enabled
rklp: '$P': initializing unpatching transition
$P: pre_unpatch_callback: vmlinux
rklp: '$P': starting unpatching transition
rklp: '$P': completing unpatching transition
$P: post_unpatch_callback: vmlinux
rklp: '$P': unpatching complete
% rmmod $P"
end_test

start_test "pre-patch callback -ENODEV"
load_failing_mod test_rklp_callbacks_fail
check_no_leftovers test_rklp_callbacks_fail
check_result "% insmod test_rklp_callbacks_fail.ko 
rklp: enabling patch 'test_rklp_callbacks_fail'
rklp: 'test_rklp_callbacks_fail': initializing patching transition
test_rklp_callbacks_fail: pre_patch_callback: vmlinux
rklp: pre-patch callback failed for object 'vmlinux'
rklp: failed to enable patch 'test_rklp_callbacks_fail'
rklp: 'test_rklp_callbacks_fail': canceling patching transition, going to unpatch
rklp: 'test_rklp_callbacks_fail': completing unpatching transition
rklp: 'test_rklp_callbacks_fail': unpatching complete
insmod: ERROR: could not insert module $MODDIR/test_rklp_callbacks_fail.ko: No such device"
end_test
