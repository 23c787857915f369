#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# What a transition must wait for: functions of modules that load or unload
# during it, tasks stopped inside rklp's ftrace handler; a grace period
# after the patching side clears `transition`; modules being removed.
. ./functions.sh

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

