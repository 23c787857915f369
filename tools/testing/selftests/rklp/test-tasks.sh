#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# The task table and the idle tasks: CPU hotplug during transitions (issue 8
# item 1), tasks the table cannot hold and tombstone reclaim (item 3),
# slot reuse under fork/exit churn during transitions (item 5).
. ./functions.sh

CPU1=/sys/devices/system/cpu/cpu1/online
TT=/sys/kernel/debug/rklp_task_table
FAIL=$TT/fail_insert
BUSY=/sys/module/rklp_test_busy/parameters
CHURN=./test_rklp-fork_churn
# The debug kernel (make check-debug: KASAN, lockdep, ...) runs the same
# cases at a smaller scale and with more time, to fit CI's time.
if [ -n "${rklp_debug:-}" ]; then
	CYCLES=3; FORKS=500; WAIT_RETRIES=600
else
	CYCLES=10; FORKS=2000; WAIT_RETRIES=100
fi

cpu1() {
	log "% echo $1 > $CPU1"
	echo "$1" >$CPU1 || fail "cannot set cpu1 online=$1"
}

# wait_transition_done PATCH: within 10 s (60 s on the debug kernel; a stall
# is a failure here). A finished unpatch's directory may linger (ENODEV).
wait_transition_done() {
	MAX_RETRIES=$WAIT_RETRIES loop_until "[ ! -d $SYSFS_RKLP/$1 ] || [ \"\$(cat $SYSFS_RKLP/$1/transition 2>/dev/null)\" != 1 ]" ||
		fail "$1: transition did not complete within $((WAIT_RETRIES / 10)) s"
}


start_timed() { start_test "$1"; T0=$(now_ms); }
end_timed() { echo "# took $(( $(now_ms) - T0 )) ms"; end_test; }

no_fault_injection() {
	[ -d $FAIL ] || return
	echo 0 >$FAIL/probability
	echo 0 >$FAIL/times
}

start_timed "transitions complete while cpu1 is offline"
if [ ! -w $CPU1 ]; then
	skip "cpu1 cannot go offline"
else
	cpu1 0
	load_mod rklp_sample
	loop_until "[ -d $SYSFS_RKLP/rklp_sample ]" || fail "no sysfs dir"
	wait_transition_done rklp_sample
	check_file /proc/cmdline "this has been live patched"
	log "% echo 0 > $SYSFS_RKLP/rklp_sample/enabled"
	echo 0 >$SYSFS_RKLP/rklp_sample/enabled
	wait_transition_done rklp_sample
	[ -d $SYSFS_RKLP/rklp_sample ] && fail "unpatching stalled: $(cat $RKLP_STALLED)"
	cpu1 1
	[ -d $SYSFS_RKLP/rklp_sample ] && disable_lp rklp_sample
	unload_mod rklp_sample
	check_no_leftovers rklp_sample
fi
end_timed

start_timed "cpu1 going offline and online during stalled transitions"
# Each transition starts with cpu1 offline; cpu1 comes back and goes again
# while a kthread holds the transition: only that kthread may be listed,
# and the transition completes as soon as it leaves, cpu1 offline or not.
if [ ! -w $CPU1 ]; then
	skip "cpu1 cannot go offline"
else
	echo 60000 >$RKLP_KICK_DELAY
	cpu1 0
	stall_busy_patch test_rklp_busy
	check_eq "stalled (patching, cpu1 offline)" "$(awk '{ print $2 }' $RKLP_STALLED)" rklp_busy
	cpu1 1
	sleep 0.5
	check_eq "stalled (cpu1 back)" "$(awk '{ print $2 }' $RKLP_STALLED)" rklp_busy
	cpu1 0
	sleep 0.3
	echo 0 >$BUSY/block
	wait_transition_done test_rklp_busy
	check_eq "stalled list" "$(cat $RKLP_STALLED)" ""
	# Unpatching, started with cpu1 offline; cpu1 comes back meanwhile.
	echo 1 >$BUSY/block
	sleep 0.3
	log "% echo 0 > $SYSFS_RKLP/test_rklp_busy/enabled"
	echo 0 >$SYSFS_RKLP/test_rklp_busy/enabled
	sleep 0.5
	check_eq "stalled (unpatching, cpu1 offline)" "$(awk '{ print $2 }' $RKLP_STALLED)" rklp_busy
	cpu1 1
	sleep 0.3
	check_eq "stalled (unpatching, cpu1 back)" "$(awk '{ print $2 }' $RKLP_STALLED)" rklp_busy
	cpu1 0
	sleep 0.3
	echo 0 >$BUSY/block
	wait_transition_done test_rklp_busy
	loop_until "[ ! -d $SYSFS_RKLP/test_rklp_busy ]" || fail "unpatching did not complete"
	cpu1 1
	unload_mod test_rklp_busy
	unload_mod rklp_test_busy
	check_no_leftovers test_rklp_busy
fi
[ -w $CPU1 ] && echo 1 >$CPU1
end_timed

start_timed "consistency checker: no mixed versions with cpu1 hotplugged during transitions"
if [ ! -w $CPU1 ]; then
	skip "cpu1 cannot go offline"
else
	load_mod rklp_test_cc
	sleep 0.3
	rm -f /tmp/stop_hotplug
	(while [ ! -e /tmp/stop_hotplug ]; do
		echo 0 >$CPU1; sleep 0.2; echo 1 >$CPU1; sleep 0.2
	done) &
	i=0
	while [ $i -lt $CYCLES ]; do
		load_mod test_rklp_cc || break
		loop_until "[ -d $SYSFS_RKLP/test_rklp_cc ]" || { fail "no sysfs dir"; break; }
		wait_transition_done test_rklp_cc
		sleep 0.2
		log "% echo 0 > $SYSFS_RKLP/test_rklp_cc/enabled"
		echo 0 >$SYSFS_RKLP/test_rklp_cc/enabled
		wait_transition_done test_rklp_cc
		loop_until "[ ! -d $SYSFS_RKLP/test_rklp_cc ]" || { fail "unpatching did not complete"; break; }
		unload_mod test_rklp_cc
		i=$((i + 1))
	done
	touch /tmp/stop_hotplug
	wait
	echo 1 >$CPU1
	check_eq "cycles" $i $CYCLES
	check_cc_verdict ""
	unload_mod rklp_test_cc
fi
end_timed

start_timed "a task the table cannot hold blocks the transition until it exits"
if ! has_config FAULT_INJECTION_DEBUG_FS; then
	:
elif [ ! -d $FAIL ]; then
	fail "no $FAIL (fault injection for the task table)"
else
	check_file $TT/untracked 0
	load_lp rklp_sample
	echo 60000 >$RKLP_KICK_DELAY
	# The next fork by a task with make-it-fail set fails its insert.
	echo 0 >$FAIL/verbose
	echo Y >$FAIL/task-filter
	echo 100 >$FAIL/probability
	echo 1 >$FAIL/times
	rm -f /tmp/untracked.pid
	sh -c 'echo 1 >/proc/self/make-it-fail; sleep 1000 & echo $! >/tmp/untracked.pid; wait' &
	sh_pid=$!
	loop_until "[ -s /tmp/untracked.pid ]" || fail "no untracked task"
	no_fault_injection
	pid=$(cat /tmp/untracked.pid)
	check_file $TT/untracked 1
	check_eq "patch_state of the untracked task" "$(patch_state $pid)" "$pid unknown"
	# Immediate mode cannot check its stack either.
	load_failing_mod test_rklp_immediate
	test_dmesg | grep -q "'test_rklp_immediate': cannot switch immediately: 1 tasks are not tracked (task table full)" ||
		fail "immediate patch not refused for the untracked task"
	[ ! -e $SYSFS_RKLP/test_rklp_immediate ] || fail "test_rklp_immediate left behind"
	[ ! -e /sys/module/test_rklp_immediate ] || fail "module test_rklp_immediate left loaded"
	check_file /proc/cmdline "this has been live patched"
	log "% echo 0 > $SYSFS_RKLP/rklp_sample/enabled"
	echo 0 >$SYSFS_RKLP/rklp_sample/enabled
	sleep 1
	check_file $SYSFS_RKLP/rklp_sample/transition 1
	check_eq "stalled pids" "$(awk '{ print $1 }' $RKLP_STALLED)" "$pid"
	check_eq "stalled reason" "$(sed 's/^[0-9]* [^ ]* //' $RKLP_STALLED)" \
		"not tracked (task table full), blocks until it exits"
	kill "$pid"
	wait $sh_pid
	loop_until "[ ! -d $SYSFS_RKLP/rklp_sample ]" || fail "unpatching did not complete after the task exited"
	check_file $TT/untracked 0
	unload_mod rklp_sample
	check_no_leftovers rklp_sample
fi
no_fault_injection
end_timed

start_timed "fork/exit churn: tombstones are reclaimed"
if [ ! -r $TT/tombstones ]; then
	fail "no $TT/tombstones"
else
	live0=$(cat $TT/live)
	t0=$(now_ms)
	n=$($CHURN $FORKS)
	check_eq "fork/exit cycles" "$n" $FORKS
	echo "# $FORKS fork/exits in $(( $(now_ms) - t0 )) ms"
	# The reaper runs after each task is freed (an RCU callback).
	loop_until "[ \$(cat $TT/live) -le $((live0 + 5)) ]" || fail "live: $(cat $TT/live), was $live0"
	t=$(cat $TT/tombstones)
	echo "# after $FORKS fork/exits: $(cat $TT/live) live records (was $live0), $t tombstones"
	[ "$t" -le 64 ] || fail "$t tombstones left after $FORKS fork/exits"
fi
end_timed

start_timed "fork/exit churn during transitions: no record lost, exiting tasks run no freed code"
# Tasks are created and freed while transitions walk the table, so records
# are retired and slots reused under the walkers. test_rklp_exit patches
# exit_rcu(), which every exiting child runs: a child switched by a stale
# walker inside the replacement would run freed text after the rmmod.
# Threads now (kernel threads such as kworkers come and go meanwhile).
threads() { ls -d /proc/[0-9]*/task/[0-9]* 2>/dev/null | wc -l; }
[ -r $TT/live ] && live0=$(cat $TT/live) && threads0=$(threads)
rm -f /tmp/stop_churn
$CHURN -f /tmp/stop_churn >/tmp/churn1.out &
$CHURN -f /tmp/stop_churn >/tmp/churn2.out &
i=0
while [ $i -lt $CYCLES ]; do
	load_lp test_rklp_exit || break
	disable_lp test_rklp_exit
	unload_mod test_rklp_exit
	i=$((i + 1))
done
touch /tmp/stop_churn
wait
echo "# $(( $(cat /tmp/churn1.out) + $(cat /tmp/churn2.out) )) fork/exits during $i patch/unpatch/rmmod cycles"
check_eq "cycles" $i $CYCLES
check_no_leftovers test_rklp_exit
if [ -r $TT/live ]; then
	# Every churned task's record was dropped (none kept or lost): the
	# records grew no more than the threads did (a new kworker is a task).
	loop_until "[ \$((\$(cat $TT/live) - live0)) -le \$((\$(threads) - threads0)) ]" ||
		fail "live records: $(cat $TT/live), was $live0, with $(threads) threads, was $threads0"
	echo "# task records $(cat $TT/live) (were $live0), threads $(threads) (were $threads0)"
	check_file $TT/untracked 0
fi
end_timed
