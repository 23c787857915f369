#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# Copyright (C) 2023 SUSE
# Author: Marcos Paulo de Souza <mpdesouza@suse.com>
# Port of upstream's tools/testing/selftests/livepatch/test-syscall.sh
# (Linux 6.12) to rklp. test_rklp-call_getpid is built on the host
# (scripts/run-guest.sh).

. ./functions.sh

MOD_SYSCALL=test_rklp_syscall

# - Start _NRPROC processes calling getpid and load a livepatch to patch the
#   getpid syscall. Check if all the processes transitioned to the livepatched
#   state.

start_test "patch getpid syscall while being heavily hammered"
# As in test-upstream-6.12.sh: no kick (and its log line) before 60 s.
kick_delay=$(cat $RKLP_KICK_DELAY)
echo 60000 >$RKLP_KICK_DELAY

NPROC=$(nproc)
MAXPROC=128

pids=""
for i in $(seq 1 $((NPROC < MAXPROC ? NPROC : MAXPROC))); do
	./test_rklp-call_getpid &
	pids="$pids $!"
done

pid_list=$(echo $pids | tr ' ' ',')
load_lp $MOD_SYSCALL klp_pids=$pid_list

# wait for all tasks to transition to patched state
loop_until 'grep -q "^0$" /sys/kernel/test_rklp_syscall/npids'

pending_pids=$(cat /sys/kernel/test_rklp_syscall/npids)
log "$MOD_SYSCALL: Remaining not livepatched processes: $pending_pids"

for pid in $pids; do
	kill $pid || true
done
wait

disable_lp $MOD_SYSCALL
unload_mod $MOD_SYSCALL

check_result "% insmod $MOD_SYSCALL.ko klp_pids=$pid_list
rklp: enabling patch '$MOD_SYSCALL'
rklp: '$MOD_SYSCALL': initializing patching transition
rklp: '$MOD_SYSCALL': starting patching transition
rklp: '$MOD_SYSCALL': completing patching transition
rklp: '$MOD_SYSCALL': patching complete
$MOD_SYSCALL: Remaining not livepatched processes: 0
% echo 0 > /sys/kernel/rklp/$MOD_SYSCALL/enabled
rklp: '$MOD_SYSCALL': initializing unpatching transition
rklp: '$MOD_SYSCALL': starting unpatching transition
rklp: '$MOD_SYSCALL': completing unpatching transition
rklp: '$MOD_SYSCALL': unpatching complete
% rmmod $MOD_SYSCALL"
echo "$kick_delay" >$RKLP_KICK_DELAY
end_test
