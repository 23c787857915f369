#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# rklp port of upstream's (Linux 7.x) tools/testing/selftests/livepatch/
# test-kprobe.sh, written from its description: a kprobe with a
# post_handler on a function makes kprobes attach an IPMODIFY ftrace_ops,
# so a live patch of that function (also IPMODIFY) is refused with EBUSY;
# a kprobe without post_handler coexists with the patch.

. ./functions.sh

MOD_LIVEPATCH=test_rklp_livepatch
MOD_KPROBE=rklp_test_kprobe
ORIG_CMDLINE=$(cat /proc/cmdline)

# Without CONFIG_KPROBES_ON_FTRACE kprobes use int3 and do not conflict.
has_kprobes_on_ftrace() {
	grep -q ' kprobe_ftrace_ops$' /proc/kallsyms
}

start_test "livepatch interaction with kprobed function with post_handler"

if ! has_kprobes_on_ftrace; then
	skip "no CONFIG_KPROBES_ON_FTRACE"
elif ! ftrace_sharing_crashes; then
	load_mod $MOD_KPROBE has_post_handler=1
	load_failing_mod $MOD_LIVEPATCH
	check_file /proc/cmdline "$ORIG_CMDLINE"
	unload_mod $MOD_KPROBE
	check_no_leftovers $MOD_LIVEPATCH
	check_result "% insmod $MOD_KPROBE.ko has_post_handler=1
% insmod $MOD_LIVEPATCH.ko 
rklp: enabling patch '$MOD_LIVEPATCH'
rklp: '$MOD_LIVEPATCH': initializing patching transition
rklp: failed to register ftrace handler for function 'cmdline_proc_show' (-16)
rklp hint: 'cmdline_proc_show' is already redirected by another ftrace user (the in-kernel livepatch, a kprobe with a post_handler, or another live-patching core)
rklp: failed to patch object 'vmlinux'
rklp: failed to enable patch '$MOD_LIVEPATCH'
rklp: '$MOD_LIVEPATCH': canceling patching transition, going to unpatch
rklp: '$MOD_LIVEPATCH': completing unpatching transition
rklp: '$MOD_LIVEPATCH': unpatching complete
insmod: ERROR: could not insert module $MODDIR/$MOD_LIVEPATCH.ko: Device or resource busy
% rmmod $MOD_KPROBE"
fi
end_test

start_test "livepatch interaction with kprobed function without post_handler"

if ! has_kprobes_on_ftrace; then
	skip "no CONFIG_KPROBES_ON_FTRACE"
elif ! ftrace_sharing_crashes; then
	load_mod $MOD_KPROBE has_post_handler=0
	load_lp $MOD_LIVEPATCH
	check_file /proc/cmdline "$MOD_LIVEPATCH: this has been live patched"
	unload_mod $MOD_KPROBE
	check_file /proc/cmdline "$MOD_LIVEPATCH: this has been live patched"
	disable_lp $MOD_LIVEPATCH
	unload_mod $MOD_LIVEPATCH
	check_no_leftovers $MOD_LIVEPATCH
	check_result "% insmod $MOD_KPROBE.ko has_post_handler=0
% insmod $MOD_LIVEPATCH.ko 
rklp: enabling patch '$MOD_LIVEPATCH'
rklp: '$MOD_LIVEPATCH': initializing patching transition
rklp: '$MOD_LIVEPATCH': starting patching transition
rklp: '$MOD_LIVEPATCH': completing patching transition
rklp: '$MOD_LIVEPATCH': patching complete
% rmmod $MOD_KPROBE
% echo 0 > /sys/kernel/rklp/$MOD_LIVEPATCH/enabled
rklp: '$MOD_LIVEPATCH': initializing unpatching transition
rklp: '$MOD_LIVEPATCH': starting unpatching transition
rklp: '$MOD_LIVEPATCH': completing unpatching transition
rklp: '$MOD_LIVEPATCH': unpatching complete
% rmmod $MOD_LIVEPATCH"
fi
end_test
