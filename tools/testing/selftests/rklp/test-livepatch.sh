#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# Patching vmlinux and module functions from Rust patch modules, and stacking.
. ./functions.sh

ORIG_CMDLINE=$(cat /proc/cmdline)

start_test "basic function patching (rklp_sample)"
load_lp rklp_sample
check_file /proc/cmdline "this has been live patched"
[ $(( $(cat /proc/sys/kernel/tainted) & 32768 )) -ne 0 ] || fail "kernel not tainted TAINT_LIVEPATCH"
ftrace_enabled_functions | grep -q '^cmdline_proc_show' || fail "cmdline_proc_show not in enabled_functions"
disable_lp rklp_sample
check_file /proc/cmdline "$ORIG_CMDLINE"
unload_mod rklp_sample
check_no_leftovers rklp_sample
check_result "% insmod rklp_sample.ko 
rklp: enabling patch 'rklp_sample'
rklp: 'rklp_sample': initializing patching transition
rklp: 'rklp_sample': starting patching transition
rklp: 'rklp_sample': completing patching transition
rklp: 'rklp_sample': patching complete
% echo 0 > /sys/kernel/rklp/rklp_sample/enabled
rklp: 'rklp_sample': initializing unpatching transition
rklp: 'rklp_sample': starting unpatching transition
rklp: 'rklp_sample': completing unpatching transition
rklp: 'rklp_sample': unpatching complete
% rmmod rklp_sample"
end_test

start_test "one patch, two vmlinux functions"
ORIG_VERSION=$(cat /proc/version)
load_lp test_rklp_multi
check_file /proc/version "test_rklp_multi: version patched"
check_file /proc/meminfo "test_rklp_multi: meminfo patched"
check_eq "enabled functions" "$(ftrace_enabled_functions | wc -l)" 2
disable_lp test_rklp_multi
check_file /proc/version "$ORIG_VERSION"
grep -q '^MemTotal:' /proc/meminfo || fail "/proc/meminfo not restored"
unload_mod test_rklp_multi
check_no_leftovers test_rklp_multi
end_test

start_test "module function patching (target loaded first)"
load_mod rklp_test_target
check_file /proc/rklp_test_target "rklp_test_target: original output"
load_lp test_rklp_mod
check_file /proc/rklp_test_target "test_rklp_mod: this has been live patched"
check_file $SYSFS_RKLP/test_rklp_mod/rklp_test_target/patched 1
[ -d $SYSFS_RKLP/test_rklp_mod/rklp_test_target/rklp_test_target_show,1 ] || fail "no func dir"
disable_lp test_rklp_mod
check_file /proc/rklp_test_target "rklp_test_target: original output"
unload_mod test_rklp_mod
unload_mod rklp_test_target
check_no_leftovers test_rklp_mod
check_result "% insmod rklp_test_target.ko 
rklp_test_target: rklp_test_target_init
% insmod test_rklp_mod.ko 
rklp: enabling patch 'test_rklp_mod'
rklp: 'test_rklp_mod': initializing patching transition
rklp: 'test_rklp_mod': starting patching transition
rklp: 'test_rklp_mod': completing patching transition
rklp: 'test_rklp_mod': patching complete
% echo 0 > /sys/kernel/rklp/test_rklp_mod/enabled
rklp: 'test_rklp_mod': initializing unpatching transition
rklp: 'test_rklp_mod': starting unpatching transition
rklp: 'test_rklp_mod': completing unpatching transition
rklp: 'test_rklp_mod': unpatching complete
% rmmod test_rklp_mod
% rmmod rklp_test_target
rklp_test_target: rklp_test_target_exit"
end_test

start_test "stacked patches: disabling the top one shows the one below"
load_lp rklp_sample
load_lp test_rklp_stack
check_file /proc/cmdline "test_rklp_stack: stacked patch"
check_eq "enabled functions" "$(ftrace_enabled_functions | wc -l)" 1
disable_lp test_rklp_stack
check_file /proc/cmdline "this has been live patched"
disable_lp rklp_sample
check_file /proc/cmdline "$ORIG_CMDLINE"
unload_mod test_rklp_stack
unload_mod rklp_sample
check_no_leftovers rklp_sample
end_test

start_test "stacked patches: disabling the bottom one keeps the top one"
load_lp rklp_sample
load_lp test_rklp_stack
disable_lp rklp_sample
check_file /proc/cmdline "test_rklp_stack: stacked patch"
unload_mod rklp_sample
check_file /proc/cmdline "test_rklp_stack: stacked patch"
disable_lp test_rklp_stack
check_file /proc/cmdline "$ORIG_CMDLINE"
unload_mod test_rklp_stack
check_no_leftovers test_rklp_stack
end_test

start_test "old_sympos selects one of two functions with the same name"
load_lp test_rklp_sympos
[ -d $SYSFS_RKLP/test_rklp_sympos/vmlinux/force_store,2 ] || fail "no force_store,2 dir"
ftrace_enabled_functions | grep -q '^force_store' || fail "force_store not in enabled_functions"
disable_lp test_rklp_sympos
unload_mod test_rklp_sympos
check_no_leftovers test_rklp_sympos
end_test

start_test "module function patching (patch first, target loads later)"
load_lp test_rklp_mod
check_file $SYSFS_RKLP/test_rklp_mod/rklp_test_target/patched 0
load_mod rklp_test_target
check_file /proc/rklp_test_target "test_rklp_mod: this has been live patched"
check_file $SYSFS_RKLP/test_rklp_mod/rklp_test_target/patched 1
unload_mod rklp_test_target
check_file $SYSFS_RKLP/test_rklp_mod/rklp_test_target/patched 0
check_eq "enabled functions" "$(ftrace_enabled_functions | wc -l)" 0
load_mod rklp_test_target
check_file /proc/rklp_test_target "test_rklp_mod: this has been live patched"
disable_lp test_rklp_mod
check_file /proc/rklp_test_target "rklp_test_target: original output"
unload_mod test_rklp_mod
unload_mod rklp_test_target
check_no_leftovers test_rklp_mod
check_result "% insmod test_rklp_mod.ko 
rklp: enabling patch 'test_rklp_mod'
rklp: 'test_rklp_mod': initializing patching transition
rklp: 'test_rklp_mod': starting patching transition
rklp: 'test_rklp_mod': completing patching transition
rklp: 'test_rklp_mod': patching complete
% insmod rklp_test_target.ko 
rklp: applying patch 'test_rklp_mod' to loading module 'rklp_test_target'
rklp_test_target: rklp_test_target_init
% rmmod rklp_test_target
rklp_test_target: rklp_test_target_exit
rklp: reverting patch 'test_rklp_mod' on unloading module 'rklp_test_target'
% insmod rklp_test_target.ko 
rklp: applying patch 'test_rklp_mod' to loading module 'rklp_test_target'
rklp_test_target: rklp_test_target_init
% echo 0 > /sys/kernel/rklp/test_rklp_mod/enabled
rklp: 'test_rklp_mod': initializing unpatching transition
rklp: 'test_rklp_mod': starting unpatching transition
rklp: 'test_rklp_mod': completing unpatching transition
rklp: 'test_rklp_mod': unpatching complete
% rmmod test_rklp_mod
% rmmod rklp_test_target
rklp_test_target: rklp_test_target_exit"
end_test

# A patch of 1000 functions (generated: test_modules/gen_many.sh), as a
# cumulative patch has hundreds: with the old by-value builder the patch
# module's init needed a stack slot per function and overflowed the kernel
# stack at insmod. /proc/rklp_test_many calls all 1000 functions.
MANY_N=1000
MANY_ORIG="original=$MANY_N patched=0 other=0
first=0 middle=$((MANY_N / 2)) last=$((MANY_N - 1))"
MANY_NEW="original=0 patched=$MANY_N other=0
first=1000000 middle=$((1000000 + MANY_N / 2)) last=$((1000000 + MANY_N - 1))"

start_test "a patch of 1000 module functions"
load_mod rklp_test_many
check_file /proc/rklp_test_many "$MANY_ORIG"
load_lp test_rklp_many
check_file /proc/rklp_test_many "$MANY_NEW"
check_eq "enabled functions" "$(ftrace_enabled_functions | grep -c '^rklp_many_')" $MANY_N
check_eq "function dirs" "$(ls -d $SYSFS_RKLP/test_rklp_many/rklp_test_many/rklp_many_*,1 | wc -l)" $MANY_N
check_file $SYSFS_RKLP/test_rklp_many/rklp_test_many/patched 1
disable_lp test_rklp_many
check_file /proc/rklp_test_many "$MANY_ORIG"
unload_mod test_rklp_many
unload_mod rklp_test_many
check_no_leftovers test_rklp_many
check_result "% insmod rklp_test_many.ko 
rklp_test_many: rklp_test_many_init
% insmod test_rklp_many.ko 
rklp: enabling patch 'test_rklp_many'
rklp: 'test_rklp_many': initializing patching transition
rklp: 'test_rklp_many': starting patching transition
rklp: 'test_rklp_many': completing patching transition
rklp: 'test_rklp_many': patching complete
% echo 0 > /sys/kernel/rklp/test_rklp_many/enabled
rklp: 'test_rklp_many': initializing unpatching transition
rklp: 'test_rklp_many': starting unpatching transition
rklp: 'test_rklp_many': completing unpatching transition
rklp: 'test_rklp_many': unpatching complete
% rmmod test_rklp_many
% rmmod rklp_test_many
rklp_test_many: rklp_test_many_exit"
end_test

start_test "a patch of 1000 module functions (target loads later)"
load_lp test_rklp_many
check_file $SYSFS_RKLP/test_rklp_many/rklp_test_many/patched 0
load_mod rklp_test_many
check_file /proc/rklp_test_many "$MANY_NEW"
check_file $SYSFS_RKLP/test_rklp_many/rklp_test_many/patched 1
unload_mod rklp_test_many
check_eq "enabled functions" "$(ftrace_enabled_functions | wc -l)" 0
load_mod rklp_test_many
check_file /proc/rklp_test_many "$MANY_NEW"
disable_lp test_rklp_many
check_file /proc/rklp_test_many "$MANY_ORIG"
unload_mod test_rklp_many
unload_mod rklp_test_many
check_no_leftovers test_rklp_many
end_test

# The log of enabling (insmod) and disabling patch $1.
lp_enable_log() {
	echo "% insmod $1.ko 
rklp: enabling patch '$1'
rklp: '$1': initializing patching transition
rklp: '$1': starting patching transition
rklp: '$1': completing patching transition
rklp: '$1': patching complete"
}
lp_disable_log() {
	echo "% echo 0 > /sys/kernel/rklp/$1/enabled
rklp: '$1': initializing unpatching transition
rklp: '$1': starting unpatching transition
rklp: '$1': completing unpatching transition
rklp: '$1': unpatching complete"
}

# The function hash grows with the number of patched functions (256
# buckets, then a power of two >= N) and shrinks back when a large patch
# goes: test_rklp_many_few's three entries for rklp_many_0/500/999 stack
# under test_rklp_many's 1000 (the hash grows with them in it, copying their
# nodes) and over them (pushed into the grown table), and every call must
# reach the right version before and after each resize.
MANY_FEW="original=$((MANY_N - 3)) patched=0 other=3
first=2000000 middle=2000500 last=2000999"

start_test "stacking across a resize of the function hash"
load_mod rklp_test_many
load_lp test_rklp_many_few
check_file /proc/rklp_test_many "$MANY_FEW"
load_lp test_rklp_many
check_file /proc/rklp_test_many "$MANY_NEW"
disable_lp test_rklp_many
check_file /proc/rklp_test_many "$MANY_FEW"
unload_mod test_rklp_many
disable_lp test_rklp_many_few
check_file /proc/rklp_test_many "$MANY_ORIG"
unload_mod test_rklp_many_few
load_lp test_rklp_many
load_lp test_rklp_many_few
check_file /proc/rklp_test_many "original=0 patched=$((MANY_N - 3)) other=3
first=2000000 middle=2000500 last=2000999"
disable_lp test_rklp_many_few
check_file /proc/rklp_test_many "$MANY_NEW"
unload_mod test_rklp_many_few
disable_lp test_rklp_many
check_file /proc/rklp_test_many "$MANY_ORIG"
unload_mod test_rklp_many
unload_mod rklp_test_many
check_no_leftovers test_rklp_many
check_no_leftovers test_rklp_many_few
check_result "% insmod rklp_test_many.ko 
rklp_test_many: rklp_test_many_init
$(lp_enable_log test_rklp_many_few)
$(lp_enable_log test_rklp_many)
$(lp_disable_log test_rklp_many)
% rmmod test_rklp_many
$(lp_disable_log test_rklp_many_few)
% rmmod test_rklp_many_few
$(lp_enable_log test_rklp_many)
$(lp_enable_log test_rklp_many_few)
$(lp_disable_log test_rklp_many_few)
% rmmod test_rklp_many_few
$(lp_disable_log test_rklp_many)
% rmmod test_rklp_many
% rmmod rklp_test_many
rklp_test_many: rklp_test_many_exit"
end_test

# Upstream's tools/testing/selftests/livepatch/test-livepatch.sh (Linux
# 6.12), ported: same cases and expected log, "rklp: " for "livepatch: ",
# rklp's test modules for test_klp_* (test_klp_syscall: test_rklp_syscall,
# which patches __x64_sys_getpid).

MOD_LIVEPATCH1=test_rklp_livepatch
MOD_LIVEPATCH2=test_rklp_syscall
MOD_LIVEPATCH3=test_rklp_callbacks_demo
MOD_REPLACE=test_rklp_atomic_replace

start_test "basic function patching"

load_lp $MOD_LIVEPATCH1

check_file /proc/cmdline "$MOD_LIVEPATCH1: this has been live patched"

disable_lp $MOD_LIVEPATCH1
unload_mod $MOD_LIVEPATCH1

check_file /proc/cmdline "$ORIG_CMDLINE"

check_result "% insmod $MOD_LIVEPATCH1.ko 
rklp: enabling patch '$MOD_LIVEPATCH1'
rklp: '$MOD_LIVEPATCH1': initializing patching transition
rklp: '$MOD_LIVEPATCH1': starting patching transition
rklp: '$MOD_LIVEPATCH1': completing patching transition
rklp: '$MOD_LIVEPATCH1': patching complete
% echo 0 > /sys/kernel/rklp/$MOD_LIVEPATCH1/enabled
rklp: '$MOD_LIVEPATCH1': initializing unpatching transition
rklp: '$MOD_LIVEPATCH1': starting unpatching transition
rklp: '$MOD_LIVEPATCH1': completing unpatching transition
rklp: '$MOD_LIVEPATCH1': unpatching complete
% rmmod $MOD_LIVEPATCH1"
end_test


# - load a livepatch that modifies the output from /proc/cmdline and
#   verify correct behavior
# - load another livepatch and verify that both livepatches are active
# - unload the second livepatch and verify that the first is still active
# - unload the first livepatch and verify none are active

start_test "multiple livepatches"

load_lp $MOD_LIVEPATCH1

grep 'live patched' /proc/cmdline > /dev/kmsg
grep 'live patched' /proc/meminfo > /dev/kmsg

load_lp $MOD_REPLACE replace=0

grep 'live patched' /proc/cmdline > /dev/kmsg
grep 'live patched' /proc/meminfo > /dev/kmsg

disable_lp $MOD_REPLACE
unload_mod $MOD_REPLACE

grep 'live patched' /proc/cmdline > /dev/kmsg
grep 'live patched' /proc/meminfo > /dev/kmsg

disable_lp $MOD_LIVEPATCH1
unload_mod $MOD_LIVEPATCH1

grep 'live patched' /proc/cmdline > /dev/kmsg
grep 'live patched' /proc/meminfo > /dev/kmsg

check_result "% insmod $MOD_LIVEPATCH1.ko 
rklp: enabling patch '$MOD_LIVEPATCH1'
rklp: '$MOD_LIVEPATCH1': initializing patching transition
rklp: '$MOD_LIVEPATCH1': starting patching transition
rklp: '$MOD_LIVEPATCH1': completing patching transition
rklp: '$MOD_LIVEPATCH1': patching complete
$MOD_LIVEPATCH1: this has been live patched
% insmod $MOD_REPLACE.ko replace=0
rklp: enabling patch '$MOD_REPLACE'
rklp: '$MOD_REPLACE': initializing patching transition
rklp: '$MOD_REPLACE': starting patching transition
rklp: '$MOD_REPLACE': completing patching transition
rklp: '$MOD_REPLACE': patching complete
$MOD_LIVEPATCH1: this has been live patched
$MOD_REPLACE: this has been live patched
% echo 0 > /sys/kernel/rklp/$MOD_REPLACE/enabled
rklp: '$MOD_REPLACE': initializing unpatching transition
rklp: '$MOD_REPLACE': starting unpatching transition
rklp: '$MOD_REPLACE': completing unpatching transition
rklp: '$MOD_REPLACE': unpatching complete
% rmmod $MOD_REPLACE
$MOD_LIVEPATCH1: this has been live patched
% echo 0 > /sys/kernel/rklp/$MOD_LIVEPATCH1/enabled
rklp: '$MOD_LIVEPATCH1': initializing unpatching transition
rklp: '$MOD_LIVEPATCH1': starting unpatching transition
rklp: '$MOD_LIVEPATCH1': completing unpatching transition
rklp: '$MOD_LIVEPATCH1': unpatching complete
% rmmod $MOD_LIVEPATCH1"
end_test


# - load a livepatch that modifies the output from /proc/cmdline and
#   verify correct behavior
# - load two additional livepatches and check the number of livepatch modules
#   applied
# - load an atomic replace livepatch and check that the other three modules were
#   disabled
# - remove all livepatches besides the atomic replace one and verify that the
#   atomic replace livepatch is still active
# - remove the atomic replace livepatch and verify that none are active

start_test "atomic replace livepatch"

load_lp $MOD_LIVEPATCH1

grep 'live patched' /proc/cmdline > /dev/kmsg
grep 'live patched' /proc/meminfo > /dev/kmsg

for mod in $MOD_LIVEPATCH2 $MOD_LIVEPATCH3; do
	load_lp "$mod"
done

nmods=$(patch_dirs | wc -l)
[ "$nmods" -eq 3 ] || fail "Expecting three modules listed, found $nmods"

load_lp $MOD_REPLACE replace=1

grep 'live patched' /proc/cmdline > /dev/kmsg
grep 'live patched' /proc/meminfo > /dev/kmsg

loop_until '[ "$(patch_dirs | wc -l)" -eq 1 ]' ||
	fail "Expecting only one module listed, found $(patch_dirs | wc -l)"

# These modules were disabled by the atomic replace
for mod in $MOD_LIVEPATCH3 $MOD_LIVEPATCH2 $MOD_LIVEPATCH1; do
	unload_mod "$mod"
done

grep 'live patched' /proc/cmdline > /dev/kmsg
grep 'live patched' /proc/meminfo > /dev/kmsg

disable_lp $MOD_REPLACE
unload_mod $MOD_REPLACE

grep 'live patched' /proc/cmdline > /dev/kmsg
grep 'live patched' /proc/meminfo > /dev/kmsg

check_result "% insmod $MOD_LIVEPATCH1.ko 
rklp: enabling patch '$MOD_LIVEPATCH1'
rklp: '$MOD_LIVEPATCH1': initializing patching transition
rklp: '$MOD_LIVEPATCH1': starting patching transition
rklp: '$MOD_LIVEPATCH1': completing patching transition
rklp: '$MOD_LIVEPATCH1': patching complete
$MOD_LIVEPATCH1: this has been live patched
% insmod $MOD_LIVEPATCH2.ko 
rklp: enabling patch '$MOD_LIVEPATCH2'
rklp: '$MOD_LIVEPATCH2': initializing patching transition
rklp: '$MOD_LIVEPATCH2': starting patching transition
rklp: '$MOD_LIVEPATCH2': completing patching transition
rklp: '$MOD_LIVEPATCH2': patching complete
% insmod $MOD_LIVEPATCH3.ko 
rklp: enabling patch '$MOD_LIVEPATCH3'
rklp: '$MOD_LIVEPATCH3': initializing patching transition
$MOD_LIVEPATCH3: pre_patch_callback: vmlinux
rklp: '$MOD_LIVEPATCH3': starting patching transition
rklp: '$MOD_LIVEPATCH3': completing patching transition
$MOD_LIVEPATCH3: post_patch_callback: vmlinux
rklp: '$MOD_LIVEPATCH3': patching complete
% insmod $MOD_REPLACE.ko replace=1
rklp: enabling patch '$MOD_REPLACE'
rklp: '$MOD_REPLACE': initializing patching transition
rklp: '$MOD_REPLACE': starting patching transition
rklp: '$MOD_REPLACE': completing patching transition
rklp: '$MOD_REPLACE': patching complete
$MOD_REPLACE: this has been live patched
% rmmod $MOD_LIVEPATCH3
% rmmod $MOD_LIVEPATCH2
% rmmod $MOD_LIVEPATCH1
$MOD_REPLACE: this has been live patched
% echo 0 > /sys/kernel/rklp/$MOD_REPLACE/enabled
rklp: '$MOD_REPLACE': initializing unpatching transition
rklp: '$MOD_REPLACE': starting unpatching transition
rklp: '$MOD_REPLACE': completing unpatching transition
rklp: '$MOD_REPLACE': unpatching complete
% rmmod $MOD_REPLACE"
end_test

