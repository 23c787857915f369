#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# What rklp shows user space, and to whom (issue 17, items 6 to 8): the
# stalled list escapes the task names any user chooses; patch_state answers
# each open file its own question, root only, with tids of the writer's pid
# namespace and an error for no such task; rklp's kernel log lines hold no
# raw kernel address.
. ./functions.sh

BUSY=/sys/module/rklp_test_busy/parameters
P=$SYSFS_RKLP/test_rklp_busy
PARAMS=/sys/module/rklp/parameters
AS_NOBODY=./rklp_as_nobody
ORIG_KICK_DELAY=$(cat $RKLP_KICK_DELAY)

# in_function PID FUNC: PID sleeps in FUNC (its kernel stack shows it).
in_function() { grep -q "$2" "/proc/$1/stack" 2>/dev/null; }

# ask FD TID: asks patch_state about TID through the open file FD and
# prints the answer, or the error.
ask() { { echo "$2" >&"$1" && cat <&"$1"; } 2>&1; }

# stall_sleepers PID...: waits until every PID sleeps in
# rklp_test_sleep_wait (rklp_test_busy's /proc/rklp_test_sleep), then loads
# test_rklp_busy, whose patching transition then stalls on them (no kick
# for a minute).
stall_sleepers() {
	for _p in "$@"; do
		loop_until "in_function $_p rklp_test_sleep_wait" ||
			fail "task $_p is not sleeping in rklp_test_sleep_wait"
	done
	# No kick while the case asks its questions (finish_stall ends the
	# stall with one): on the debug kernel with other guests on the host,
	# 80 questions took longer than a 60 s delay.
	echo 3600000 >$RKLP_KICK_DELAY
	load_mod test_rklp_busy
	loop_until "[ -d $P ]" || fail "no sysfs dir"
	for _p in "$@"; do
		loop_until "grep -q '^$_p ' $RKLP_STALLED" ||
			fail "task $_p not listed as stalled: $(cat -v $RKLP_STALLED)"
	done
	# Every other task has switched: the sleepers' lines are all that is
	# left (the transition retries the tasks it found running).
	loop_until "! grep -Eq 'not checked yet|running\$|unreliable stack|inside rklp|not tracked' $RKLP_STALLED &&
		[ \$(grep -c 'sleeping in' $RKLP_STALLED) = $# ]" ||
		fail "other tasks stalled: $(cat -v $RKLP_STALLED)"
}

# finish_stall: a kick switches the sleepers (they then read "patched" and
# exit), the transition completes, the patch goes.
finish_stall() {
	echo 1000 >$RKLP_KICK_DELAY
	loop_until "[ \"\$(cat $P/transition)\" = 0 ]" || fail "transition did not complete"
	wait
	echo 60000 >$RKLP_KICK_DELAY
	disable_lp test_rklp_busy
	unload_mod test_rklp_busy
	unload_mod rklp_test_busy
}

# --- item 6: stalled ---------------------------------------------------------

start_test "stalled: a task's name cannot forge lines (comm escaped)"
load_mod rklp_test_busy
# The shell renames itself (no exec: the name stays) and reads with its
# read builtin, sleeping in the patched rklp_test_sleep_wait. comm keeps the
# first 15 bytes: ESC [2J, a newline, "1 sshd run".
sh -c 'printf "\033[2J\n1 sshd running" >/proc/self/comm; read x </proc/rklp_test_sleep' &
forger=$!
loop_until "grep -q sshd /proc/$forger/comm" || fail "the task did not rename itself"
stall_sleepers $forger
cat -v $RKLP_STALLED | sed 's/^/# stalled: /'
check_eq "stalled lines" "$(wc -l <$RKLP_STALLED)" 1
# (cat -v: the old raw name would clear the screen of whoever reads the log)
check_eq "stalled" "$(cat -v $RKLP_STALLED)" \
	"$forger \\e[2J\\n1\\040sshd\\040run sleeping in function rklp_test_sleep_wait"
grep -q '^1 ' $RKLP_STALLED && fail "a forged line for pid 1"
check_eq "comm field" "$(awk '{ print $2 }' $RKLP_STALLED | cat -v)" '\e[2J\n1\040sshd\040run'
finish_stall
end_test

# --- item 7: patch_state -----------------------------------------------------

start_test "patch_state: each open file answers its own question"
load_mod rklp_test_busy
( read x </proc/rklp_test_sleep ) &
sleeper=$!
stall_sleepers $sleeper
# Two files open at once, two questions: each gets its answer.
exec 3<>$RKLP_PATCH_STATE 4<>$RKLP_PATCH_STATE
echo $sleeper >&3
echo $$ >&4
check_eq "first file" "$(cat <&3 2>&1)" "$sleeper 0"
check_eq "second file" "$(cat <&4 2>&1)" "$$ 1"
check_eq "first file, asked again" "$(ask 3 $sleeper)" "$sleeper 0"
exec 3>&- 4>&-
# Two processes asking at the same time, each about another task.
askers=""
for who in $sleeper $$; do
	(
		want="$who 0"
		[ $who = $$ ] && want="$who 1"
		i=0
		while [ $i -lt 40 ]; do
			got=$({ echo $who >&5 && cat <&5; } 5<>$RKLP_PATCH_STATE 2>&1)
			[ "$got" = "$want" ] || echo "asked $who: '$got', expected '$want'"
			i=$((i + 1))
		done
	) >/tmp/asker.$who &
	askers="$askers $!"
done
wait $askers
for who in $sleeper $$; do
	check_eq "concurrent asker about $who" "$(head -n 3 /tmp/asker.$who)" ""
done
finish_stall
end_test

start_test "patch_state: root only; another user cannot read what root asked"
check_mode $RKLP_PATCH_STATE -rw-------
sleep 1000 &
s=$!
exec 3<>$RKLP_PATCH_STATE
echo $s >&3
out=$($AS_NOBODY cat $RKLP_PATCH_STATE 2>&1) && fail "user nobody read patch_state: '$out'"
case "$out" in *"$s "*) fail "user nobody read root's answer: '$out'" ;; esac
echo "# nobody reading: $out"
out=$($AS_NOBODY sh -c "echo 1 >$RKLP_PATCH_STATE" 2>&1) && fail "user nobody wrote patch_state"
echo "# nobody writing: $out"
check_eq "root's answer" "$(cat <&3 2>&1)" "$s -1"
exec 3>&-
kill $s
wait $s 2>/dev/null
end_test

start_test "patch_state: tids are the writer's, in its pid namespace"
if ! unshare -p -f true 2>/dev/null; then
	# The test kernel has CONFIG_NAMESPACES off (configs/rklp-test.config).
	skip "no pid namespaces in this kernel (CONFIG_PID_NS)"
else
	load_mod rklp_test_busy
	rm -f /tmp/ns.go /tmp/ns.done /tmp/ns.2 /tmp/ns.outer
	# In a new pid namespace: the shell is tid 1, its first child (a sleeper
	# in rklp_test_sleep_wait) tid 2. Globally, 2 is kthreadd and the shell
	# here ($$) exists; in the namespace, $$ names no task.
	unshare -p -f sh -c "
		( read x </proc/rklp_test_sleep ) &
		while [ ! -e /tmp/ns.go ]; do sleep 0.1; done
		exec 3<>$RKLP_PATCH_STATE
		{ echo 2 >&3 && cat <&3; } >/tmp/ns.2 2>&1
		{ echo $$ >&3 && cat <&3; } >/tmp/ns.outer 2>&1
		touch /tmp/ns.done
		wait
	" &
	loop_until "[ -n \"\$(grep -l rklp_test_sleep_wait /proc/[0-9]*/stack 2>/dev/null)\" ]" ||
		fail "no sleeper in the namespace"
	g=$(grep -l rklp_test_sleep_wait /proc/[0-9]*/stack 2>/dev/null | head -n 1 | cut -d/ -f3)
	echo "# the sleeper: tid $g here, $(grep NSpid /proc/$g/status)"
	stall_sleepers $g
	touch /tmp/ns.go
	loop_until "[ -e /tmp/ns.done ]" || fail "the namespace's questions did not finish"
	check_eq "tid 2 asked in the namespace" "$(cat /tmp/ns.2)" "2 0"
	case "$(cat /tmp/ns.outer)" in
	*"No such process"*) ;;
	*) fail "tid $$ asked in the namespace (no such task there): '$(cat /tmp/ns.outer)'" ;;
	esac
	exec 3<>$RKLP_PATCH_STATE
	check_eq "the sleeper asked here" "$(ask 3 $g)" "$g 0"
	check_eq "tid 2 asked here" "$(ask 3 2)" "2 1"
	exec 3>&-
	finish_stall
fi
end_test

start_test "patch_state: no such task, or not a tid, is an error"
exec 3<>$RKLP_PATCH_STATE
case "$(ask 3 2147483647)" in
*"No such process"*) ;;
*) fail "tid 2147483647 (no such task): '$(ask 3 2147483647)'" ;;
esac
for bad in 0 -1 abc 4294967296; do
	case "$(ask 3 $bad)" in
	*"Invalid argument"*) ;;
	*) fail "'$bad': '$(ask 3 $bad)'" ;;
	esac
done
# A task that exits after the question: no answer about whoever gets its
# tid next.
sleep 1000 &
s=$!
echo $s >&3 || fail "cannot ask about $s"
kill $s
wait $s 2>/dev/null
case "$(cat <&3 2>&1)" in
*"No such process"*) ;;
*) fail "read after the task exited: '$(cat <&3 2>&1)'" ;;
esac
exec 3>&-
test_dmesg | grep -q "patch_state: no task with id 2147483647" || fail "no dmesg line for ESRCH"
end_test

# --- item 8: no raw kernel address in rklp's log lines -----------------------

# no_raw_address WHAT: rklp's lines since the test's start hold no x86-64
# kernel address in hex (0xffff... or ffff... and 12 more digits), the form
# Rust's {:p} and {:#x} print.
no_raw_address() {
	if test_dmesg | grep -Eiq 'ffff[0-9a-f]{12}'; then
		fail "$1: a raw kernel address in the log"
		test_dmesg | grep -Ei 'ffff[0-9a-f]{12}' | sed 's/^/#   /'
	fi
}

start_test "kernel log: shadow variable messages print hashed pointers"
load_mod test_rklp_shadow_vars
unload_mod test_rklp_shadow_vars
line=$(test_dmesg | grep 'Duplicate shadow variable')
echo "# $line"
case "$line" in
*"rklp: Duplicate shadow variable <"[0-9a-f]*", 1234>") ;;
*) fail "no duplicate message in the expected form: '$line'" ;;
esac
ptr=$(echo "$line" | sed 's/.*<\([^,]*\),.*/\1/')
echo "$ptr" | grep -Eq '^[0-9a-f]{16}$' || fail "pointer '$ptr' is not a %p hash"
no_raw_address "shadow variables"
end_test

# The constructor's allocation failing (fail-nth, the N-th allocation of a
# write): the other message. A case of its own: it needs fault injection,
# which Debian's stock kernel lacks (skipped there, saying so).
start_test "kernel log: a failed shadow variable constructor prints a hashed pointer"
if has_config FAULT_INJECTION_DEBUG_FS; then
	SF=/sys/module/rklp_test_shadow_fail/parameters
	load_mod rklp_test_shadow_fail
	n=1
	while [ $n -le 10 ] && ! test_dmesg | grep -q 'Failed to construct shadow variable'; do
		./rklp_fail_write $n $SF/alloc 1 >/dev/null
		n=$((n + 1))
	done
	line=$(test_dmesg | grep 'Failed to construct shadow variable' | head -n 1)
	echo "# $line"
	ptr=$(echo "$line" | sed 's/.*<\([^,]*\),.*/\1/')
	echo "$ptr" | grep -Eq '^[0-9a-f]{16}$' || fail "pointer '$ptr' is not a %p hash"
	unload_mod rklp_test_shadow_fail
	no_raw_address "shadow variables"
fi
end_test

start_test "kernel log: a function refused a direct call is named by symbol"
# Settling, and the PoC's direct call beside rklp's handler: not where
# ftrace would jump into the byte before its list function (functions.sh).
if ! settling_crashes; then
	POC=/sys/module/rklp_direct_poc/parameters
	old_delay=$(cat $PARAMS/settle_delay_ms)
	echo 0 >$PARAMS/settle_delay_ms
	# rklp_bench_fn on rklp's handler, then another direct-call user on it (the
	# direct-call PoC's stub), then rklp settles: refused, with a message.
	echo 0 >$PARAMS/direct
	load_mod rklp_bench_target
	load_lp test_rklp_bench
	load_mod rklp_direct_poc
	echo stub >$POC/attach || fail "cannot attach the PoC's direct call"
	echo 1 >$PARAMS/direct
	load_lp rklp_sample
	loop_until "test_dmesg | grep -q 'cannot settle'" || fail "no 'cannot settle' message"
	line=$(test_dmesg | grep 'cannot settle')
	echo "# $line"
	echo "# rklp_bench_fn in /proc/kallsyms: $(grep ' rklp_bench_fn' /proc/kallsyms | head -n 1)"
	case "$line" in
	*"cannot settle rklp_bench_fn+0x"*"[rklp_bench_target] on a direct call"*) ;;
	*) fail "not named as symbol+offset: '$line'" ;;
	esac
	no_raw_address "direct calls"
	echo off >$POC/attach
	unload_mod rklp_direct_poc
	disable_lp rklp_sample
	disable_lp test_rklp_bench
	unload_mod rklp_sample
	unload_mod test_rklp_bench
	unload_mod rklp_bench_target
	echo "$old_delay" >$PARAMS/settle_delay_ms
fi
end_test

echo "$ORIG_KICK_DELAY" >$RKLP_KICK_DELAY
