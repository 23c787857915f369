#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# Failures around a patch's life: an enable failing with a reader of its
# sysfs files, a patch module whose init fails after enabling its patch,
# rklp unloaded with a kick in flight. The allocation-failure sweeps
# (failslab) are test-failslab-{enable,disable,replace}.sh.
# A deadlock fails its case, lists the tasks in D state and stops the run
# (rklp is then wedged), instead of hanging the suite.
. ./lifecycle_lib.sh

start_test "a failing enable does not deadlock with a reader of its sysfs files"
load_mod rklp_test_lifecycle
rm -f /tmp/stop_reader
# Reads <patch>/stack_order whenever it exists: the read waits for the core
# mutex (interruptibly: state S), which the insmod holds, while sysfs holds
# the file active. (enabled, transition, replace and patched take no lock.)
(while [ ! -e /tmp/stop_reader ]; do read -r _x <$P/stack_order; done) 2>/dev/null &
reader=$!
# The pre-patch callback holds the mutex until the test writes 0 to its
# delay (at most 60 s): no window to hit, on any kernel.
log "% insmod test_rklp_fail.ko pre_patch_ret=-19 pre_patch_delay_ms=60000"
insmod $MODDIR/test_rklp_fail.ko pre_patch_ret=-19 pre_patch_delay_ms=60000 >/tmp/insmod.out 2>&1 &
ipid=$!
# The reader must be waiting (for the mutex) when the enable fails.
loop_until "[ -e $P/enabled ] || [ \"\$(task_state $ipid)\" = Z ]"
loop_until "task_waits $reader" || fail "the reader never waited for the failing enable"
task_waits $ipid || fail "the enable was over before the reader waited: nothing proven"
echo 0 >$FAIL_DELAY
if ! wait_exit $ipid 30; then
	hung "insmod with a failing pre-patch callback"
else
	wait $ipid && fail "insmod succeeded"
	grep -q "No such device" /tmp/insmod.out || fail "insmod: $(cat /tmp/insmod.out)"
	touch /tmp/stop_reader
	wait_exit $reader 10 || hung "the sysfs reader"
	check_unpatched
	check_usable
fi
end_test

# While an enable holds the core mutex (test_rklp_fail's pre-patch callback
# sleeps 8 s): enabled, transition, replace and patched answer at once (as
# upstream's, they take no lock); a file that needs the mutex (stack_order)
# waits interruptibly: a signal ends the read (not D state).
start_test "sysfs reads while the core mutex is held: lock-free, or interruptible"
load_mod rklp_test_lifecycle
load_lp rklp_sample
S=$SYSFS_RKLP/rklp_sample
# The callback holds the mutex until the checks are done (0 written to
# its delay, at most 60 s).
log "% insmod test_rklp_fail.ko pre_patch_delay_ms=60000"
insmod $MODDIR/test_rklp_fail.ko pre_patch_delay_ms=60000 >/tmp/insmod.out 2>&1 &
ipid=$!
# The enable holds the mutex from before it creates the directory until
# its pre-patch callback returns.
loop_until "[ -e $P/vmlinux/patched ]" || fail "no $P/vmlinux/patched"
t0=$(now_ms)
pids=""
i=0
for f in $S/enabled $S/transition $S/replace $S/vmlinux/patched \
	$P/enabled $P/transition $P/replace $P/vmlinux/patched; do
	# (a subshell's read, not cat: no exec, which costs a second on the
	# debug kernel, while the enable holds the mutex for 8 s)
	(read_file $f; echo "$_rf" >/tmp/lockfree.$i) &
	pids="$pids $!"
	i=$((i + 1))
done
for p in $pids; do
	wait_exit $p 3 || fail "a read of a lock-free file waited for the core mutex (state $(task_state $p))"
done
echo "# 8 lock-free reads took $(($(now_ms) - t0)) ms"
task_waits $ipid || fail "the enable was over before the reads: nothing proven"
check_eq "rklp_sample: enabled transition replace patched" \
	"$(cat /tmp/lockfree.0 /tmp/lockfree.1 /tmp/lockfree.2 /tmp/lockfree.3 | tr '\n' ' ')" "1 0 0 1 "
check_eq "test_rklp_fail (enabling): enabled transition replace patched" \
	"$(cat /tmp/lockfree.4 /tmp/lockfree.5 /tmp/lockfree.6 /tmp/lockfree.7 | tr '\n' ' ')" "0 0 0 0 "
# A file that needs the mutex: the reader waits interruptibly.
(read_file $S/stack_order; echo "$_rf" >/tmp/locked.out) &
rpid=$!
loop_until "task_waits $rpid" || fail "the stack_order reader does not wait"
sleep 0.5
check_eq "state of a reader waiting for the core mutex" "$(task_state $rpid)" S
kill $rpid
wait_exit $rpid 3 || fail "a signal did not end a read waiting for the core mutex (state $(task_state $rpid))"
task_waits $ipid || fail "the enable was over before the signal: nothing proven"
echo 0 >$FAIL_DELAY
if ! wait_exit $ipid 30; then
	hung "insmod with a slow pre-patch callback"
else
	wait $ipid || fail "insmod test_rklp_fail: $(cat /tmp/insmod.out)"
	loop_until "[ \"\$(cat $P/transition)\" = 0 ]" || fail "test_rklp_fail: transition stuck"
	check_file $P/enabled 1
	check_file $P/vmlinux/patched 1
	check_file $S/stack_order 1
	disable_lp test_rklp_fail
	unload_mod test_rklp_fail
	disable_lp rklp_sample
	unload_mod rklp_sample
	check_unpatched
fi
end_test

start_test "a patch module whose init fails after enable leaves nothing behind"
load_mod rklp_test_lifecycle
for args in "init_ret=-22" "init_ret=-22 immediate=1"; do
	load_failing_mod test_rklp_fail $args
	# The kernel freed the module: the function must run the original.
	check_unpatched
	test_dmesg | grep -q "rklp: patch module 'test_rklp_fail' is going away: disabling its patch" ||
		fail "$args: no 'going away' message"
done
# Still in its patching transition when init fails (a reader sleeps in
# rklp_test_kick_wait): the transition is reversed.
echo 1 >$LC/hold_in
cat /proc/rklp_test_kick >/tmp/kick.out &
kpid=$!
loop_until "[ \"\$(task_state $kpid)\" = D ]" || fail "the reader does not sleep"
load_failing_mod test_rklp_fail init_ret=-22 kick_obj=1
check_unpatched
test_dmesg | grep -q "rklp: 'test_rklp_fail': reversing transition from patching to unpatching" ||
	fail "transition not reversed"
echo 0 >$LC/hold_in
wait $kpid
check_file /tmp/kick.out original
check_usable
end_test

start_test "rmmod rklp while a kick is in flight"
# A reader sleeps (uninterruptibly) in a function being patched: it is
# kicked, the kick stays pending; it leaves the function, both transitions
# complete and the patch goes. Then the reader runs its kick (the task work
# in which a user task switches itself, SelfSwitch), which stalls inside
# rklp for 3 s, at its entry, while rmmod rklp waits for it.
# A kprobe on an ftrace site: not where ftrace would jump into the byte
# before kprobe_ftrace_handler (functions.sh).
if ! ftrace_sharing_crashes; then
	# (not the __pfx_ padding symbol kernels with CALL_PADDING list first)
	kick_sym=$(awk '/10SelfSwitch.*TaskWorkFn3run.*\[rklp\]/ && $3 !~ /^__(pfx|cfi)_/ { print $3; exit }' /proc/kallsyms)
	[ -n "$kick_sym" ] || fail "rklp's kick function not in /proc/kallsyms"
	load_mod rklp_test_lifecycle kick_sym=$kick_sym
	echo 1 >$LC/hold_in
	echo 1 >$LC/hold_out
	cat /proc/rklp_test_kick >/tmp/kick.out &
	kpid=$!
	loop_until "[ \"\$(task_state $kpid)\" = D ]" || fail "the reader does not sleep"
	echo 1000 >$RKLP_KICK_DELAY
	load_lp_nowait test_rklp_fail kick_obj=1
	loop_until 'test_dmesg | grep -q "rklp: signaling remaining tasks"' || fail "no kick"
	echo 15000 >$RKLP_KICK_DELAY
	echo 0 >$LC/hold_in
	loop_until "[ \"\$(cat $P/transition)\" = 0 ]" || fail "transition stuck"
	disable_lp test_rklp_fail
	unload_mod test_rklp_fail
	echo 3000 >$LC/stall_ms
	echo $kpid >$LC/stall_pid
	echo 0 >$LC/hold_out
	# The kick has started (the probe clears stall_pid) and stalls for 3 s.
	loop_until "[ \"\$(cat $LC/stall_pid)\" = 0 ]" || fail "the kick did not run"
	log "% rmmod rklp"
	rmmod rklp >/tmp/rmmod.out 2>&1 &
	rpid=$!
	if ! wait_exit $rpid 30; then
		hung "rmmod rklp"
	else
		wait $rpid || fail "rmmod rklp: $(cat /tmp/rmmod.out)"
		check_eq "stalled kicks" "$(cat $LC/stalls)" 1
		wait $kpid
		check_file /tmp/kick.out original
		[ ! -e /sys/module/rklp ] || fail "rklp still loaded"
		insmod $MODDIR/rklp.ko || fail "reloading rklp"
		check_usable
	fi
fi
end_test
