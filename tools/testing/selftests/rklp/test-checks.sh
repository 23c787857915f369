#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# What a transition must wait for: functions of modules that load or unload
# during it, tasks stopped inside rklp's ftrace handler; a grace period
# after the patching side clears `transition`; modules being removed.
. ./functions.sh

HOLD=/sys/module/rklp_test_hold/parameters
P=$SYSFS_RKLP/test_rklp_late

# show_stalled: the stalled tasks, for the log.
show_stalled() {
	for f in $RKLP_STALLED; do
		[ -r $f ] && sed 's/^/#   stalled: /' $f
	done
}

start_test "module loaded during a patching transition: a task in its old function holds the transition"
load_mod rklp_test_hold
echo 1 >$HOLD/block
sleep 0.3
load_lp_nowait test_rklp_late
sleep 0.3
check_file $P/transition 1
load_mod rklp_test_late
# The unswitched kthread leaves the old rklp_test_hold_func() straight into
# the old rklp_test_late_func() (no switch point between), and sleeps there.
echo 0 >$HOLD/block
loop_until "[ \"\$(cat $HOLD/late_version)\" = 1 ]" || fail "kthread did not enter the old late function"
sleep 1
show_stalled
check_file $P/transition 1
echo 0 >$HOLD/late_block
loop_until "[ \"\$(cat $P/transition)\" = 0 ]" || fail "transition did not complete after the task left"
disable_lp test_rklp_late
unload_mod test_rklp_late
unload_mod rklp_test_late
unload_mod rklp_test_hold
check_no_leftovers test_rklp_late
end_test

start_test "module loaded during an unpatching transition: a task in the new function holds the transition"
load_mod rklp_test_hold
load_lp test_rklp_late
echo 1 >$HOLD/block
sleep 0.3
log "% echo 0 > $P/enabled"
echo 0 >$P/enabled
sleep 0.3
check_file $P/transition 1
load_mod rklp_test_late
# The kthread, still patched, goes from the new hold function into the new
# late function (the patch module's code) and sleeps there.
echo 0 >$HOLD/block
loop_until "[ \"\$(cat $HOLD/late_version)\" = 2 ]" || fail "kthread did not enter the new late function"
sleep 1
show_stalled
check_file $P/transition 1
echo 0 >$HOLD/late_block
loop_until "[ ! -d $P ]" || fail "unpatching did not complete after the task left"
unload_mod test_rklp_late
unload_mod rklp_test_late
unload_mod rklp_test_hold
check_no_leftovers test_rklp_late
end_test

GOING=/sys/module/rklp_test_going/parameters
start_test "a module in GOING state is patched at enable and unpatched when it goes"
load_mod rklp_test_going
log "% rmmod rklp_test_going &"
( rmmod rklp_test_going; echo $? >/tmp/going_rc ) &
loop_until "[ \"\$(cat $GOING/exiting 2>/dev/null)\" = Y ]" || fail "exit() did not start"
check_file $GOING/last_version 1
load_lp test_rklp_going
# Its exit() still runs: the new version must be called.
n=0
while [ "$(cat $GOING/last_version)" != 2 ] && [ $n -lt 20 ]; do
	sleep 0.1; n=$((n + 1))
done
check_file $GOING/last_version 2
echo 0 >$GOING/exit_block
wait
check_file /tmp/going_rc 0
loop_until "[ ! -e /sys/module/rklp_test_going ]" || fail "rklp_test_going still loaded"
test_dmesg | grep -q "reverting patch 'test_rklp_going' on unloading module 'rklp_test_going'" ||
	fail "not unpatched when it went"
disable_lp test_rklp_going
unload_mod test_rklp_going
check_no_leftovers test_rklp_going
end_test

# The handler's slow path, for the kprobe of rklp_test_handler.
# (not the __pfx_ padding symbol kernels with CALL_PADDING list first)
HSYM=$(awk '$3 ~ /handler16decide_in_switch/ && $3 !~ /^__(pfx|cfi)_/ && $4 == "[rklp]" { print $3; exit }' /proc/kallsyms)
H=/sys/module/rklp_test_handler/parameters
PH=$SYSFS_RKLP/test_rklp_handler

# The victim runs on CPU 1; keep this script, and rklp's transition work
# (whose timer migrates away from an idle CPU), on CPU 0, which a spinner
# keeps busy for $1 s: the work must not wait behind what CPU 1 is made to
# do. The spinner must outlast the case (cpu0_done ends it): ten times as
# long on the debug kernel, which has taken more than 30 s from here to the
# release under a loaded host.
cpu0_busy() {
	local t=$1
	[ -n "${rklp_debug:-}" ] && t=$((t * 10))
	taskset -p 1 $$ >/dev/null
	taskset 1 timeout "$t" sh -c 'while :; do :; done' >/dev/null 2>&1 &
	BUSY_PID=$!
}
cpu0_done() {
	kill $BUSY_PID 2>/dev/null
	wait $BUSY_PID 2>/dev/null
	taskset -p 3 $$ >/dev/null
}

start_test "a task preempted inside rklp's handler after its decision is not switched"
[ -n "$HSYM" ] || fail "no handler symbol in /proc/kallsyms"
cpu0_busy 30
load_mod rklp_test_handler handler_sym="$HSYM"
load_lp test_rklp_handler
loop_until "[ \"\$(cat $H/last_version)\" = 2 ]" || fail "victim does not run the new version"
# The victim now calls the function in a tight loop on CPU 1 (always
# running, so it stays patched), and is preempted by the hog inside the
# handler on its first call once unpatching starts, having chosen the new
# version. Its stack then shows the original function's __fentry__ call.
echo 1 >$H/preempt
echo 1 >$H/spin
sleep 0.2
log "% echo 0 > $PH/enabled"
echo 0 >$PH/enabled
loop_until "[ \"\$(cat $H/caught)\" != 0 ]" || fail "victim not caught in the handler"
sleep 1
show_stalled
# Before the fix the victim was switched and unpatching completed while it
# was about to run the patch's code.
check_file $PH/transition 1
echo 1 >$H/release
loop_until "[ \"\$(cat $H/caught)\" = 2 ]" || fail "victim did not resume"
check_file $H/caught_version 2
loop_until "[ ! -d $PH ]" || fail "unpatching did not complete after the victim left"
cpu0_done
unload_mod test_rklp_handler
unload_mod rklp_test_handler
check_no_leftovers test_rklp_handler
end_test

start_test "no task reads a new transition's state through a cleared 'transition'"
[ -n "$HSYM" ] || fail "no handler symbol in /proc/kallsyms"
cpu0_busy 30
load_mod rklp_test_handler handler_sym="$HSYM"
echo 1 >$H/hold
sleep 0.3
load_lp_nowait test_rklp_handler
# The holder keeps the patching transition open; the victim switches.
loop_until "[ \"\$(cat $H/last_version)\" = 2 ]" || fail "victim does not run the new version"
check_file $PH/transition 1
# The victim's next call stops between the handler's read of `transition`
# and its read of the task state.
echo 1 >$H/stall
loop_until "[ \"\$(cat $H/caught)\" = 1 ]" || fail "victim not caught in the handler"
# Complete the transition, then start the next patching transition (which
# sets every task to unpatched) while the victim is still stopped there.
# Reversing twice lets the transition complete while the victim is stopped:
# the victim, running, keeps the reversed (unpatching) transition open while
# the holder leaves; reversed back, nothing holds it (the busy shell on
# CPU 0 switches itself at its next tick, if it switched back meanwhile).
# The completion, in this write or in the transition work, clears
# `transition` and must then wait for the victim to leave the handler
# (upstream's klp_synchronize_transition()) before the next transition can
# start: without that wait, rklp_sample's transition resets the victim's
# state before it reads it, and the victim runs the original.
log "% echo 0 > $PH/enabled"
echo 0 >$PH/enabled
echo 0 >$H/hold
sleep 0.3
check_file $PH/transition 1
log "% echo 1 > $PH/enabled"
echo 1 >$PH/enabled
loop_until "[ \"\$(cat $PH/transition)\" = 0 ]" || fail "the reversed-back transition did not complete"
load_lp_nowait rklp_sample
echo 1 >$H/release
loop_until "[ \"\$(cat $H/caught)\" = 2 ]" || fail "victim did not resume"
# Patched before and after: the call must not have run the original.
check_file $H/caught_version 2
loop_until "[ \"\$(cat $SYSFS_RKLP/rklp_sample/transition)\" = 0 ]" || fail "rklp_sample: transition stuck"
cpu0_done
disable_lp rklp_sample
disable_lp test_rklp_handler
unload_mod rklp_sample
unload_mod test_rklp_handler
unload_mod rklp_test_handler
check_no_leftovers test_rklp_handler
end_test

# An immediate switch that a task inside rklp's handler, or inside its
# direct-call dispatcher, blocks names where the task is (before: "in
# function '(unreliable stack)'"). The victim is stopped (preempted by the
# hog) in rklp_ftrace_redirect, the handler's decision, which both the
# handler and the dispatcher's slow path call, before the immediate
# disable starts; it entered from the original's __fentry__, not a
# function being changed, so only the handler's (dispatcher's) check finds
# it.
RSYM=rklp_ftrace_redirect
SETTLE=/sys/module/rklp/parameters/settle_delay_ms

# imm_blocked_in DIRECT WHERE: with direct=DIRECT, the message must say
# the victim is inside WHERE.
imm_blocked_in() {
	echo "$1" >/sys/module/rklp/parameters/direct
	echo 0 >$SETTLE
	load_mod rklp_test_handler handler_sym=$RSYM
	load_lp test_rklp_handler immediate=1
	loop_until "[ \"\$(cat $H/last_version)\" = 2 ]" || fail "victim does not run the new version"
	if [ "$1" = 1 ]; then
		# Settled: calls take the dispatcher's fast path. An immediate
		# disable that the holder (sleeping in a replacement) makes fail
		# leaves them unsettled, with their direct calls, on the slow
		# path (rklp_direct_decide), for settle_delay_ms.
		loop_until "[ \"\$(cat $PH/settled)\" = 2 ]" || fail "not settled"
		echo 3600000 >$SETTLE
		echo 1 >$H/hold
		sleep 0.3
		log "% echo 0 > $PH/enabled"
		echo 0 2>/dev/null >$PH/enabled && fail "immediate disable with the holder in a replacement succeeded"
		echo 0 >$H/hold
		check_file $PH/settled 0
	fi
	echo 1 >$H/preempt
	loop_until "[ \"\$(cat $H/caught)\" = 1 ]" || fail "victim not caught"
	sleep 0.3
	log "% echo 0 > $PH/enabled"
	echo 0 2>/dev/null >$PH/enabled && fail "immediate disable with a task inside $2 succeeded"
	test_dmesg | grep 'cannot switch immediately' | sed 's/^/# /'
	test_dmesg | grep -q "rklp: 'test_rklp_handler': cannot switch immediately: task rklp_victim:[0-9]* is inside $2\$" ||
		fail "direct=$1: the message does not say the task is inside $2"
	test_dmesg | grep -q "unreliable stack" && fail "direct=$1: the message blames an unreliable stack"
	check_file $PH/enabled 1
	echo 1 >$H/release
	loop_until "[ \"\$(cat $H/caught)\" = 2 ]" || fail "victim did not resume"
	check_file $H/caught_version 2
	echo 0 >$H/preempt
	disable_lp test_rklp_handler
	unload_mod test_rklp_handler
	unload_mod rklp_test_handler
	echo "$old_direct" >/sys/module/rklp/parameters/direct
	echo "$old_settle" >$SETTLE
}

start_test "an immediate switch blocked by a task inside rklp's handler or dispatcher says where"
old_settle=$(cat $SETTLE)
old_direct=$(cat /sys/module/rklp/parameters/direct)
# The hog monopolises CPU 1: this shell stays on CPU 0.
taskset -p 1 $$ >/dev/null
imm_blocked_in 0 "rklp's ftrace handler"
# The dispatcher: not where rklp settles nothing (direct=N and refuses Y:
# settling would crash the kernel, functions.sh's ftrace_callbacks_jump).
ftrace_callbacks_jump || imm_blocked_in 1 "rklp's direct-call dispatcher"
taskset -p 3 $$ >/dev/null
check_no_leftovers test_rklp_handler
end_test
