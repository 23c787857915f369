#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# System states: the 4 cases of upstream's test-state.sh (then one of rklp's), with rklp's test
# modules (test_rklp_state: state 1 version 1; test_rklp_state2 and 3:
# version 2, taking the state over). Their callbacks save console_loglevel
# in the state's data, raise it to 15, and restore it: checked as well.
. ./functions.sh

P=test_rklp_state
P2=test_rklp_state2
P3=test_rklp_state3
LOGLEVEL=$(cut -f1 /proc/sys/kernel/printk)

# check_loglevel N: console_loglevel (first field of /proc/sys/kernel/printk).
check_loglevel() {
	check_eq "console_loglevel" "$(cut -f1 /proc/sys/kernel/printk)" "$1"
}

start_test "system state modification"
load_lp $P
check_loglevel 15
disable_lp $P
check_loglevel $LOGLEVEL
unload_mod $P
check_result "% insmod $P.ko 
rklp: enabling patch '$P'
rklp: '$P': initializing patching transition
$P: pre_patch_callback: vmlinux
$P: allocate_loglevel_state: allocating space to store console_loglevel
rklp: '$P': starting patching transition
rklp: '$P': completing patching transition
$P: post_patch_callback: vmlinux
$P: fix_console_loglevel: fixing console_loglevel
rklp: '$P': patching complete
% echo 0 > /sys/kernel/rklp/$P/enabled
rklp: '$P': initializing unpatching transition
$P: pre_unpatch_callback: vmlinux
$P: restore_console_loglevel: restoring console_loglevel
rklp: '$P': starting unpatching transition
rklp: '$P': completing unpatching transition
$P: post_unpatch_callback: vmlinux
$P: free_loglevel_state: freeing space for the stored console_loglevel
rklp: '$P': unpatching complete
% rmmod $P"
end_test

start_test "taking over system state modification"
load_lp $P
load_lp $P2
check_loglevel 15
unload_mod $P
disable_lp $P2
check_loglevel $LOGLEVEL
unload_mod $P2
check_result "% insmod $P.ko 
rklp: enabling patch '$P'
rklp: '$P': initializing patching transition
$P: pre_patch_callback: vmlinux
$P: allocate_loglevel_state: allocating space to store console_loglevel
rklp: '$P': starting patching transition
rklp: '$P': completing patching transition
$P: post_patch_callback: vmlinux
$P: fix_console_loglevel: fixing console_loglevel
rklp: '$P': patching complete
% insmod $P2.ko 
rklp: enabling patch '$P2'
rklp: '$P2': initializing patching transition
$P2: pre_patch_callback: vmlinux
$P2: allocate_loglevel_state: space to store console_loglevel already allocated
rklp: '$P2': starting patching transition
rklp: '$P2': completing patching transition
$P2: post_patch_callback: vmlinux
$P2: fix_console_loglevel: taking over the console_loglevel change
rklp: '$P2': patching complete
% rmmod $P
% echo 0 > /sys/kernel/rklp/$P2/enabled
rklp: '$P2': initializing unpatching transition
$P2: pre_unpatch_callback: vmlinux
$P2: restore_console_loglevel: restoring console_loglevel
rklp: '$P2': starting unpatching transition
rklp: '$P2': completing unpatching transition
$P2: post_unpatch_callback: vmlinux
$P2: free_loglevel_state: freeing space for the stored console_loglevel
rklp: '$P2': unpatching complete
% rmmod $P2"
end_test

start_test "compatible cumulative livepatches"
load_lp $P2
load_lp $P3
unload_mod $P2
load_lp $P2
check_loglevel 15
disable_lp $P2
check_loglevel $LOGLEVEL
unload_mod $P2
unload_mod $P3
check_result "% insmod $P2.ko 
rklp: enabling patch '$P2'
rklp: '$P2': initializing patching transition
$P2: pre_patch_callback: vmlinux
$P2: allocate_loglevel_state: allocating space to store console_loglevel
rklp: '$P2': starting patching transition
rklp: '$P2': completing patching transition
$P2: post_patch_callback: vmlinux
$P2: fix_console_loglevel: fixing console_loglevel
rklp: '$P2': patching complete
% insmod $P3.ko 
rklp: enabling patch '$P3'
rklp: '$P3': initializing patching transition
$P3: pre_patch_callback: vmlinux
$P3: allocate_loglevel_state: space to store console_loglevel already allocated
rklp: '$P3': starting patching transition
rklp: '$P3': completing patching transition
$P3: post_patch_callback: vmlinux
$P3: fix_console_loglevel: taking over the console_loglevel change
rklp: '$P3': patching complete
% rmmod $P2
% insmod $P2.ko 
rklp: enabling patch '$P2'
rklp: '$P2': initializing patching transition
$P2: pre_patch_callback: vmlinux
$P2: allocate_loglevel_state: space to store console_loglevel already allocated
rklp: '$P2': starting patching transition
rklp: '$P2': completing patching transition
$P2: post_patch_callback: vmlinux
$P2: fix_console_loglevel: taking over the console_loglevel change
rklp: '$P2': patching complete
% echo 0 > /sys/kernel/rklp/$P2/enabled
rklp: '$P2': initializing unpatching transition
$P2: pre_unpatch_callback: vmlinux
$P2: restore_console_loglevel: restoring console_loglevel
rklp: '$P2': starting unpatching transition
rklp: '$P2': completing unpatching transition
$P2: post_unpatch_callback: vmlinux
$P2: free_loglevel_state: freeing space for the stored console_loglevel
rklp: '$P2': unpatching complete
% rmmod $P2
% rmmod $P3"
end_test

start_test "incompatible cumulative livepatches"
load_lp $P2
load_failing_mod $P
# Nothing of the refused patch is left.
[ ! -e "$SYSFS_RKLP/$P" ] || fail "$SYSFS_RKLP/$P left behind"
[ ! -e "/sys/module/$P" ] || fail "module $P left loaded"
check_eq "patches" "$(patch_dirs)" "$SYSFS_RKLP/$P2"
check_file $SYSFS_RKLP/$P2/enabled 1
check_loglevel 15
disable_lp $P2
check_loglevel $LOGLEVEL
unload_mod $P2
check_result "% insmod $P2.ko 
rklp: enabling patch '$P2'
rklp: '$P2': initializing patching transition
$P2: pre_patch_callback: vmlinux
$P2: allocate_loglevel_state: allocating space to store console_loglevel
rklp: '$P2': starting patching transition
rklp: '$P2': completing patching transition
$P2: post_patch_callback: vmlinux
$P2: fix_console_loglevel: fixing console_loglevel
rklp: '$P2': patching complete
% insmod $P.ko 
rklp: Livepatch patch ($P) is not compatible with the already installed livepatches.
insmod: ERROR: could not insert module $MODDIR/$P.ko: Invalid parameters
% echo 0 > /sys/kernel/rklp/$P2/enabled
rklp: '$P2': initializing unpatching transition
$P2: pre_unpatch_callback: vmlinux
$P2: restore_console_loglevel: restoring console_loglevel
rklp: '$P2': starting unpatching transition
rklp: '$P2': completing unpatching transition
$P2: post_unpatch_callback: vmlinux
$P2: free_loglevel_state: freeing space for the stored console_loglevel
rklp: '$P2': unpatching complete
% rmmod $P2"
check_no_leftovers $P2
end_test

# rklp's: the rule for patches without the state.
start_test "a replace patch must carry the installed states, others need not"
load_lp $P2
load_failing_mod test_rklp_replace
[ ! -e "/sys/module/test_rklp_replace" ] || fail "module test_rklp_replace left loaded"
load_lp rklp_sample
check_file /proc/cmdline "this has been live patched"
check_eq "patches" "$(patch_dirs)" "$SYSFS_RKLP/rklp_sample
$SYSFS_RKLP/$P2"
disable_lp rklp_sample
unload_mod rklp_sample
disable_lp $P2
check_loglevel $LOGLEVEL
unload_mod $P2
test_dmesg | grep -q "not compatible" ||
	fail "no incompatibility message for test_rklp_replace"
test_dmesg | grep -q "rklp_sample.*not compatible" &&
	fail "rklp_sample refused"
check_no_leftovers $P2
end_test
