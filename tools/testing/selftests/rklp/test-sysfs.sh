#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# The sysfs ABI, as upstream's test-sysfs.sh checks /sys/kernel/livepatch.
. ./functions.sh

# write_ok FILE WORD / write_fails FILE WORD: the write succeeds / fails.
write_ok() {
	echo "$2" >"$1" 2>/dev/null || fail "echo '$2' > $1 failed"
}
write_fails() {
	echo "$2" >"$1" 2>/dev/null && fail "echo '$2' > $1 succeeded"
}

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
check_mode $P/stack_order -r--r--r--
check_file $P/stack_order 1
check_mode $P/vmlinux drwxr-xr-x
check_mode $P/vmlinux/patched -r--r--r--
check_file $P/vmlinux/patched 1
check_mode "$P/vmlinux/cmdline_proc_show,1" drwxr-xr-x
check_eq "func dir contents" "$(ls "$P/vmlinux/cmdline_proc_show,1")" ""
disable_lp rklp_sample
unload_mod rklp_sample
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

# Tools and upstream's test-livepatch.sh enumerate the patches as the
# entries of /sys/kernel/livepatch (here /sys/kernel/rklp).
start_test "/sys/kernel/rklp holds only patch directories"
check_eq "entries without patches" "$(ls -A $SYSFS_RKLP)" ""
load_lp rklp_sample
check_eq "entries" "$(ls -A $SYSFS_RKLP)" "rklp_sample"
# rklp's own files: in its module directory. stalled names the kernel
# functions other tasks sleep in: root only, like /proc/<pid>/stack.
check_mode $RKLP_STALLED -r--------
check_file $RKLP_STALLED ""
# patch_state: root only, like upstream's /proc/<pid>/patch_state.
check_mode $RKLP_PATCH_STATE -rw-------
check_mode $RKLP_KICK_DELAY -rw-r--r--
delay=$(cat $RKLP_KICK_DELAY)
echo 12345 >$RKLP_KICK_DELAY || fail "cannot set kick_delay_ms"
check_file $RKLP_KICK_DELAY 12345
echo "$delay" >$RKLP_KICK_DELAY
disable_lp rklp_sample
unload_mod rklp_sample
check_no_leftovers rklp_sample
end_test

# Module parameters have ranges (Documentation/rklp.rst): a value outside
# is refused with EINVAL and a message naming the range, and the parameter
# keeps its value; `direct` is a boolean (kstrtobool).
start_test "module parameters: values outside their ranges are refused"
PARAMS=/sys/module/rklp/parameters
delay=$(cat $RKLP_KICK_DELAY)
settle=$(cat $PARAMS/settle_delay_ms)
direct=$(cat $PARAMS/direct)
for v in 0 99 999 3600001 4294967295 4294967296 -1 banana; do
	log "% echo $v > $RKLP_KICK_DELAY"
	write_fails $RKLP_KICK_DELAY $v
done
check_file $RKLP_KICK_DELAY "$delay"
write_ok $RKLP_KICK_DELAY 1000
check_file $RKLP_KICK_DELAY 1000
write_ok $RKLP_KICK_DELAY 3600000
check_file $RKLP_KICK_DELAY 3600000
echo "$delay" >$RKLP_KICK_DELAY
for v in 3600001 4294967295 -1 banana; do
	log "% echo $v > $PARAMS/settle_delay_ms"
	write_fails $PARAMS/settle_delay_ms $v
done
check_file $PARAMS/settle_delay_ms "$settle"
for v in 7 2 -1 banana; do
	log "% echo $v > $PARAMS/direct"
	write_fails $PARAMS/direct $v
done
check_file $PARAMS/direct "$direct"
test_dmesg | grep -q "rklp: kick_delay_ms: 4294967295 is out of range (1000 to 3600000)" ||
	fail "no message for kick_delay_ms=4294967295"
test_dmesg | grep -q "rklp: settle_delay_ms: 4294967295 is out of range (0 to 3600000)" ||
	fail "no message for settle_delay_ms=4294967295"
test_dmesg | grep -q "rklp: direct: '7' is not a boolean" ||
	fail "no message for direct=7"
# At load time too: the module does not load.
rmmod rklp || fail "rmmod rklp"
for a in kick_delay_ms=0 settle_delay_ms=4294967295 direct=7; do
	insmod $MODDIR/rklp.ko $a 2>/dev/null && { fail "insmod rklp.ko $a succeeded"; rmmod rklp; }
done
insmod $MODDIR/rklp.ko kick_delay_ms=20000 settle_delay_ms=0 direct=n ||
	fail "insmod rklp.ko with valid parameters failed"
check_file $RKLP_KICK_DELAY 20000
check_file $PARAMS/direct N
rmmod rklp
insmod $MODDIR/rklp.ko || fail "reloading rklp"
end_test

start_test "a patch may be named like rklp's own files ('stalled')"
load_lp stalled
check_file /proc/cmdline "stalled: this has been live patched"
check_eq "entries" "$(ls -A $SYSFS_RKLP)" "stalled"
check_file $SYSFS_RKLP/stalled/enabled 1
check_file $RKLP_STALLED ""
disable_lp stalled
unload_mod stalled
check_no_leftovers stalled
check_result "% insmod stalled.ko 
rklp: enabling patch 'stalled'
rklp: 'stalled': initializing patching transition
rklp: 'stalled': starting patching transition
rklp: 'stalled': completing patching transition
rklp: 'stalled': patching complete
% echo 0 > /sys/kernel/rklp/stalled/enabled
rklp: 'stalled': initializing unpatching transition
rklp: 'stalled': starting unpatching transition
rklp: 'stalled': completing unpatching transition
rklp: 'stalled': unpatching complete
% rmmod stalled"
end_test

# Upstream's enabled and force stores parse with kstrtobool: the first
# character decides (y Y t T 1 true, n N f F 0 false), or the second after
# o/O (on, off).
start_test "enabled: false words of kstrtobool disable (false, no, 0x, Off, n)"
P=$SYSFS_RKLP/rklp_sample
ORIG_CMDLINE=$(cat /proc/cmdline)
for w in false no 0x Off n; do
	load_lp rklp_sample
	write_fails $P/enabled banana
	write_fails $P/enabled o
	write_fails $P/enabled ""
	write_fails $P/enabled " 0"
	check_file $P/enabled 1
	log "% echo $w > $P/enabled"
	write_ok $P/enabled $w
	loop_until "[ ! -d $P ]" || fail "'$w': patch not disabled"
	check_file /proc/cmdline "$ORIG_CMDLINE"
	unload_mod rklp_sample
done
check_no_leftovers rklp_sample
end_test

start_test "enabled and force: true words of kstrtobool (yes, true, 1x, on, Y)"
BUSY=/sys/module/rklp_test_busy/parameters
P=$SYSFS_RKLP/test_rklp_busy
delay=$(cat $RKLP_KICK_DELAY)
echo 60000 >$RKLP_KICK_DELAY
load_mod rklp_test_busy
load_lp test_rklp_busy
# The kthread now sleeps in the replacement: every unpatching transition
# stalls until it is reversed.
echo 1 >$BUSY/block
sleep 0.3
for w in yes true 1x on Y; do
	write_ok $P/enabled 0
	check_file $P/transition 1
	check_file $P/enabled 0
	# false words do not force; garbage is refused
	write_ok $P/force no
	write_ok $P/force f
	write_ok $P/force 0x
	write_fails $P/force banana
	write_fails $P/force o
	check_file $P/transition 1
	# a true word reverses the unpatching transition
	write_ok $P/enabled $w
	loop_until "[ \"\$(cat $P/transition)\" = 0 ]" || fail "'$w' did not reverse the transition"
	check_file $P/enabled 1
done
echo 0 >$BUSY/block
disable_lp test_rklp_busy
unload_mod test_rklp_busy
unload_mod rklp_test_busy
check_no_leftovers test_rklp_busy
echo "$delay" >$RKLP_KICK_DELAY
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

# Upstream's test-sysfs.sh (Linux 6.12; stack_order from 6.14), ported.

start_test "sysfs test object/patched"

MOD_LIVEPATCH=test_rklp_callbacks_demo
MOD_TARGET=test_rklp_callbacks_mod
load_lp $MOD_LIVEPATCH

# check the "patch" file changes as target module loads/unloads
check_file "$SYSFS_RKLP/$MOD_LIVEPATCH/$MOD_TARGET/patched" "0"
load_mod $MOD_TARGET
check_file "$SYSFS_RKLP/$MOD_LIVEPATCH/$MOD_TARGET/patched" "1"
unload_mod $MOD_TARGET
check_file "$SYSFS_RKLP/$MOD_LIVEPATCH/$MOD_TARGET/patched" "0"

disable_lp $MOD_LIVEPATCH
unload_mod $MOD_LIVEPATCH

check_result "% insmod test_rklp_callbacks_demo.ko 
rklp: enabling patch 'test_rklp_callbacks_demo'
rklp: 'test_rklp_callbacks_demo': initializing patching transition
test_rklp_callbacks_demo: pre_patch_callback: vmlinux
rklp: 'test_rklp_callbacks_demo': starting patching transition
rklp: 'test_rklp_callbacks_demo': completing patching transition
test_rklp_callbacks_demo: post_patch_callback: vmlinux
rklp: 'test_rklp_callbacks_demo': patching complete
% insmod test_rklp_callbacks_mod.ko 
rklp: applying patch 'test_rklp_callbacks_demo' to loading module 'test_rklp_callbacks_mod'
test_rklp_callbacks_demo: pre_patch_callback: test_rklp_callbacks_mod -> [MODULE_STATE_COMING] Full formed, running module_init
test_rklp_callbacks_demo: post_patch_callback: test_rklp_callbacks_mod -> [MODULE_STATE_COMING] Full formed, running module_init
test_rklp_callbacks_mod: test_rklp_callbacks_mod_init
% rmmod test_rklp_callbacks_mod
test_rklp_callbacks_mod: test_rklp_callbacks_mod_exit
test_rklp_callbacks_demo: pre_unpatch_callback: test_rklp_callbacks_mod -> [MODULE_STATE_GOING] Going away
rklp: reverting patch 'test_rklp_callbacks_demo' on unloading module 'test_rklp_callbacks_mod'
test_rklp_callbacks_demo: post_unpatch_callback: test_rklp_callbacks_mod -> [MODULE_STATE_GOING] Going away
% echo 0 > /sys/kernel/rklp/test_rklp_callbacks_demo/enabled
rklp: 'test_rklp_callbacks_demo': initializing unpatching transition
test_rklp_callbacks_demo: pre_unpatch_callback: vmlinux
rklp: 'test_rklp_callbacks_demo': starting unpatching transition
rklp: 'test_rklp_callbacks_demo': completing unpatching transition
test_rklp_callbacks_demo: post_unpatch_callback: vmlinux
rklp: 'test_rklp_callbacks_demo': unpatching complete
% rmmod test_rklp_callbacks_demo"
end_test

start_test "sysfs test replace enabled"

MOD_LIVEPATCH=test_rklp_atomic_replace
load_lp $MOD_LIVEPATCH replace=1

check_mode "$SYSFS_RKLP/$MOD_LIVEPATCH/replace" "-r--r--r--"
check_file "$SYSFS_RKLP/$MOD_LIVEPATCH/replace" "1"

disable_lp $MOD_LIVEPATCH
unload_mod $MOD_LIVEPATCH

check_result "% insmod $MOD_LIVEPATCH.ko replace=1
rklp: enabling patch '$MOD_LIVEPATCH'
rklp: '$MOD_LIVEPATCH': initializing patching transition
rklp: '$MOD_LIVEPATCH': starting patching transition
rklp: '$MOD_LIVEPATCH': completing patching transition
rklp: '$MOD_LIVEPATCH': patching complete
% echo 0 > /sys/kernel/rklp/$MOD_LIVEPATCH/enabled
rklp: '$MOD_LIVEPATCH': initializing unpatching transition
rklp: '$MOD_LIVEPATCH': starting unpatching transition
rklp: '$MOD_LIVEPATCH': completing unpatching transition
rklp: '$MOD_LIVEPATCH': unpatching complete
% rmmod $MOD_LIVEPATCH"
end_test

start_test "sysfs test replace disabled"

load_lp $MOD_LIVEPATCH replace=0

check_mode "$SYSFS_RKLP/$MOD_LIVEPATCH/replace" "-r--r--r--"
check_file "$SYSFS_RKLP/$MOD_LIVEPATCH/replace" "0"

disable_lp $MOD_LIVEPATCH
unload_mod $MOD_LIVEPATCH

check_result "% insmod $MOD_LIVEPATCH.ko replace=0
rklp: enabling patch '$MOD_LIVEPATCH'
rklp: '$MOD_LIVEPATCH': initializing patching transition
rklp: '$MOD_LIVEPATCH': starting patching transition
rklp: '$MOD_LIVEPATCH': completing patching transition
rklp: '$MOD_LIVEPATCH': patching complete
% echo 0 > /sys/kernel/rklp/$MOD_LIVEPATCH/enabled
rklp: '$MOD_LIVEPATCH': initializing unpatching transition
rklp: '$MOD_LIVEPATCH': starting unpatching transition
rklp: '$MOD_LIVEPATCH': completing unpatching transition
rklp: '$MOD_LIVEPATCH': unpatching complete
% rmmod $MOD_LIVEPATCH"
end_test

start_test "sysfs test stack_order value"

MOD_LIVEPATCH=test_rklp_livepatch
MOD_LIVEPATCH2=test_rklp_callbacks_demo
MOD_LIVEPATCH3=test_rklp_syscall

load_lp $MOD_LIVEPATCH
check_mode "$SYSFS_RKLP/$MOD_LIVEPATCH/stack_order" "-r--r--r--"
check_file "$SYSFS_RKLP/$MOD_LIVEPATCH/stack_order" "1"

load_lp $MOD_LIVEPATCH2
check_file "$SYSFS_RKLP/$MOD_LIVEPATCH2/stack_order" "2"

load_lp $MOD_LIVEPATCH3
check_file "$SYSFS_RKLP/$MOD_LIVEPATCH3/stack_order" "3"

disable_lp $MOD_LIVEPATCH2
unload_mod $MOD_LIVEPATCH2

check_file "$SYSFS_RKLP/$MOD_LIVEPATCH/stack_order" "1"
check_file "$SYSFS_RKLP/$MOD_LIVEPATCH3/stack_order" "2"

disable_lp $MOD_LIVEPATCH3
unload_mod $MOD_LIVEPATCH3

disable_lp $MOD_LIVEPATCH
unload_mod $MOD_LIVEPATCH

check_result "% insmod $MOD_LIVEPATCH.ko 
rklp: enabling patch '$MOD_LIVEPATCH'
rklp: '$MOD_LIVEPATCH': initializing patching transition
rklp: '$MOD_LIVEPATCH': starting patching transition
rklp: '$MOD_LIVEPATCH': completing patching transition
rklp: '$MOD_LIVEPATCH': patching complete
% insmod $MOD_LIVEPATCH2.ko 
rklp: enabling patch '$MOD_LIVEPATCH2'
rklp: '$MOD_LIVEPATCH2': initializing patching transition
$MOD_LIVEPATCH2: pre_patch_callback: vmlinux
rklp: '$MOD_LIVEPATCH2': starting patching transition
rklp: '$MOD_LIVEPATCH2': completing patching transition
$MOD_LIVEPATCH2: post_patch_callback: vmlinux
rklp: '$MOD_LIVEPATCH2': patching complete
% insmod $MOD_LIVEPATCH3.ko 
rklp: enabling patch '$MOD_LIVEPATCH3'
rklp: '$MOD_LIVEPATCH3': initializing patching transition
rklp: '$MOD_LIVEPATCH3': starting patching transition
rklp: '$MOD_LIVEPATCH3': completing patching transition
rklp: '$MOD_LIVEPATCH3': patching complete
% echo 0 > /sys/kernel/rklp/$MOD_LIVEPATCH2/enabled
rklp: '$MOD_LIVEPATCH2': initializing unpatching transition
$MOD_LIVEPATCH2: pre_unpatch_callback: vmlinux
rklp: '$MOD_LIVEPATCH2': starting unpatching transition
rklp: '$MOD_LIVEPATCH2': completing unpatching transition
$MOD_LIVEPATCH2: post_unpatch_callback: vmlinux
rklp: '$MOD_LIVEPATCH2': unpatching complete
% rmmod $MOD_LIVEPATCH2
% echo 0 > /sys/kernel/rklp/$MOD_LIVEPATCH3/enabled
rklp: '$MOD_LIVEPATCH3': initializing unpatching transition
rklp: '$MOD_LIVEPATCH3': starting unpatching transition
rklp: '$MOD_LIVEPATCH3': completing unpatching transition
rklp: '$MOD_LIVEPATCH3': unpatching complete
% rmmod $MOD_LIVEPATCH3
% echo 0 > /sys/kernel/rklp/$MOD_LIVEPATCH/enabled
rklp: '$MOD_LIVEPATCH': initializing unpatching transition
rklp: '$MOD_LIVEPATCH': starting unpatching transition
rklp: '$MOD_LIVEPATCH': completing unpatching transition
rklp: '$MOD_LIVEPATCH': unpatching complete
% rmmod $MOD_LIVEPATCH"
end_test
