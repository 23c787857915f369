#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# CPU-bound kthreads on kernels without full preemption (issue 17 item 12).
# rklp_test_resched runs one kthread on each CPU but the first that calls
# rklp_test_spin_func() and cond_resched() in a loop and never sleeps; this
# script (and so the transition work it starts) stays on the first CPU. With preempt=voluntary or
# preempt=none such a thread leaves its CPU only in cond_resched();
# upstream livepatch switches it there (klp_sched_try_switch), which a
# module cannot hook. Each case patches and unpatches rklp_test_spin_func
# with rklp (test_rklp_spin) and with upstream livepatch
# (livepatch_test_spin) in the same boot and times the transitions; the
# patching transition must finish within BOUND_S seconds while the
# kthreads spin. A user-space loop keeps the first CPU busy too, so that
# the transition work's timer stays there (timers migrate away from idle
# CPUs) and only the kthreads' own CPUs could let it meet them off CPU.
#
# The kthreads sleep (10 ms a loop) before each unpatching: taking a
# function's ftrace handler away waits for an RCU-Tasks grace period (for
# rklp and livepatch alike), which needs every task to sleep or switch
# voluntarily once; a task preempted in cond_resched() has not (the kernel
# reports an rcu_tasks stall after 10 minutes). rklp's settle work
# (direct calls), which also waits for such grace periods, is kept off
# (direct=0) meanwhile.
#
# The preemption mode: a case runs if the kernel was booted in that mode
# (e.g. RKLP_APPEND=preempt=none make check), or, on a PREEMPT_DYNAMIC
# kernel booted in another mode, after switching to it at run time through
# /sys/kernel/debug/sched/preempt (the same static calls the boot option
# sets; the boot mode is restored afterwards); otherwise it is skipped.
. ./functions.sh

PREEMPT=/sys/kernel/debug/sched/preempt
CPU0=$(cut -d, -f1 /sys/devices/system/cpu/online | cut -d- -f1)
# Online CPUs (not nproc: that counts the CPUs this shell may run on, and
# the cases pin it to the first).
NCPUS=$(grep -c '^processor' /proc/cpuinfo)
SPIN=/sys/module/rklp_test_resched/parameters
DIRECT=/sys/module/rklp/parameters/direct
BOUND_S=${BOUND_S:-20}

# The current mode: the word in parentheses ("none (voluntary) full").
preempt_mode() { sed -n 's/.*(\([a-z]*\)).*/\1/p' $PREEMPT 2>/dev/null; }
BOOT_MODE=$(preempt_mode)

# use_mode MODE: 0 if the kernel now runs in MODE (switched if needed);
# else sets the skip reason.
use_mode() {
	if [ ! -r $PREEMPT ]; then
		skip "no $PREEMPT: needs a PREEMPT_DYNAMIC kernel (or boot with preempt=$1)"
		return 1
	fi
	[ "$(preempt_mode)" = "$1" ] && return 0
	if ! echo "$1" >$PREEMPT 2>/dev/null || [ "$(preempt_mode)" != "$1" ]; then
		skip "booted with preempt=$BOOT_MODE and cannot switch to $1 at run time ($(cat $PREEMPT)); boot with preempt=$1"
		return 1
	fi
	echo "# preemption switched to $1 at run time (booted with preempt=$BOOT_MODE)"
}

restore_mode() {
	[ -w $PREEMPT ] && [ -n "$BOOT_MODE" ] && [ "$(preempt_mode)" != "$BOOT_MODE" ] &&
		echo "$BOOT_MODE" >$PREEMPT
}

# wait_done DIR: waits up to BOUND_S for DIR's transition to finish (or
# DIR to go); prints the ms since T0. Status 1 if it did not finish.
wait_done() {
	MAX_RETRIES=$((BOUND_S * 10)) loop_until \
		"[ ! -d $1 ] || [ \"\$(cat $1/transition 2>/dev/null)\" = 0 ]"
	_rc=$?
	echo $(( $(now_ms) - T0 ))
	return $_rc
}

# not_done WHO WHAT MS DIR: fails, lists who blocks, lets the kthreads
# sleep so that the transition finishes, and waits for it.
not_done() {
	fail "$1: $2 transition not finished after $3 ms with the kthreads spinning"
	[ "$1" = rklp ] && sed 's/^/#   rklp stalled: /' $RKLP_STALLED
	echo 0 >$SPIN/spin
	T0=$(now_ms)
	if _ms=$(wait_done "$4"); then
		echo "# $1: $2 transition finished $_ms ms after the kthreads started to sleep"
	else
		fail "$1: $2 transition not finished even with the kthreads sleeping"
	fi
}

# cycle WHO MODULE DIR: patch and unpatch with one implementation; sets
# RESULT to "patch/unpatch ms" (a "!" marks a transition that did not
# finish while the kthreads spun).
cycle() {
	_p="!" _u="!"
	n0=$(cat $SPIN/new_calls)
	T0=$(now_ms)
	load_mod "$2" || { RESULT="load failed"; return; }
	loop_until "[ -d $3 ]" || fail "$1: no $3"
	echo "# $1: patching, kthreads spinning"
	if _ms=$(wait_done "$3"); then _p=$_ms; else not_done "$1" patching "$_ms" "$3"; _p="!$_ms"; fi
	# The kthreads run the new version.
	loop_until "[ \$(cat $SPIN/new_calls) -gt $n0 ]" || fail "$1: the new version never ran"
	# Unpatching ends with an RCU-Tasks grace period (see above).
	echo 0 >$SPIN/spin
	T0=$(now_ms)
	log "% echo 0 > $3/enabled"
	echo 0 >"$3/enabled"
	echo "# $1: patched in $_p ms; unpatching, kthreads sleeping"
	if _ms=$(wait_done "$3"); then _u=$_ms; else fail "$1: unpatching not finished after $_ms ms"; _u="!$_ms"; fi
	loop_until "[ ! -d $3 ]" || fail "$1: $3 still there"
	unload_mod "$2"
	echo 1 >$SPIN/spin
	RESULT="$_p/$_u"
}

# run_mode MODE
run_mode() {
	start_test "CPU-bound kthreads calling cond_resched() with preempt=$1: rklp and livepatch"
	if [ "$NCPUS" -lt 2 ]; then
		skip "needs 2 CPUs (kthreads spin on all but the first)"
	elif use_mode "$1"; then
		taskset -p $((1 << CPU0)) $$ >/dev/null
		taskset $((1 << CPU0)) sh -c 'while :; do :; done' >/dev/null 2>&1 &
		BUSY_PID=$!
		direct0=$(cat $DIRECT)
		echo 0 >$DIRECT
		echo 15000 >$RKLP_KICK_DELAY
		load_mod rklp_test_resched
		c0=$(cat $SPIN/calls)
		loop_until "[ \$(cat $SPIN/calls) -gt $((c0 + 1000)) ]" || fail "the kthreads do not spin"
		cycle rklp test_rklp_spin $SYSFS_RKLP/test_rklp_spin
		R_RKLP=$RESULT
		cycle livepatch livepatch_test_spin $SYSFS_KLP/livepatch_test_spin
		R_KLP=$RESULT
		echo "# preempt=$1, $((NCPUS - 1)) spinning kthreads: patch (spinning)/unpatch (sleeping) transition ms: rklp $R_RKLP, livepatch $R_KLP"
		kill $BUSY_PID
		wait $BUSY_PID 2>/dev/null
		unload_mod rklp_test_resched
		echo "$direct0" >$DIRECT
		check_no_leftovers test_rklp_spin
		taskset -p $(( (1 << NCPUS) - 1 )) $$ >/dev/null
	fi
	restore_mode
	end_test
}

run_mode voluntary
run_mode none
