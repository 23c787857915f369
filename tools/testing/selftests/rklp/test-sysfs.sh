#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# The sysfs ABI, as upstream's test-sysfs.sh checks /sys/kernel/livepatch.
. ./functions.sh

start_test "sysfs test"
load_lp rklp_sample
P=$SYSFS_RKLP/rklp_sample
check_mode $SYSFS_RKLP drwxr-xr-x
check_mode $P drwxr-xr-x
check_mode $P/enabled -rw-r--r--
check_file $P/enabled 1
check_mode $P/force --w-------
check_mode $P/transition -r--r--r--
check_file $P/transition 0
check_mode $P/replace -r--r--r--
check_file $P/replace 0
check_mode $P/vmlinux drwxr-xr-x
check_mode $P/vmlinux/patched -r--r--r--
check_file $P/vmlinux/patched 1
check_mode "$P/vmlinux/cmdline_proc_show,1" drwxr-xr-x
check_eq "func dir contents" "$(ls "$P/vmlinux/cmdline_proc_show,1")" ""
disable_lp rklp_sample
unload_mod rklp_sample
end_test

start_test "sysfs writes: same value, force outside a transition, garbage"
load_lp rklp_sample
P=$SYSFS_RKLP/rklp_sample
echo 1 >$P/enabled 2>/dev/null && fail "writing 1 to an enabled patch succeeded"
echo 1 >$P/force 2>/dev/null && fail "force outside a transition succeeded"
echo 0 >$P/force 2>/dev/null || fail "writing 0 to force failed"
echo banana >$P/enabled 2>/dev/null && fail "writing garbage to enabled succeeded"
cat $P/force >/dev/null 2>&1 && fail "reading force succeeded"
check_file $P/enabled 1
check_file /proc/cmdline "this has been live patched"
disable_lp rklp_sample
unload_mod rklp_sample
check_no_leftovers rklp_sample
end_test
