#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# Forcing a transition. Runs last: a forced patch's module can never be
# removed, so rklp (and the busy target) stay loaded after it.
. ./functions.sh

BUSY=/sys/module/rklp_test_busy/parameters
P=$SYSFS_RKLP/test_rklp_busy

start_test "force completes a stalled transition; the module then refuses rmmod"
stall_busy_patch test_rklp_busy
# kstrtobool, as upstream's force_store: false words and garbage do not force.
echo no >$P/force || fail "writing 'no' to force failed"
echo banana >$P/force 2>/dev/null && fail "writing garbage to force succeeded"
check_file $P/transition 1
log "% echo yes > $P/force"
echo yes >$P/force || fail "force failed"
check_file $P/transition 0
check_file $P/enabled 1
echo 0 >$BUSY/block
disable_lp test_rklp_busy
log "% rmmod test_rklp_busy"
if out=$(rmmod test_rklp_busy 2>&1); then
	fail "rmmod of a forced patch module succeeded"
else
	log "$out"
fi
[ -e /sys/module/test_rklp_busy ] || fail "forced module gone"
check_result "% insmod rklp_test_busy.ko 
% insmod test_rklp_busy.ko 
rklp: enabling patch 'test_rklp_busy'
rklp: 'test_rklp_busy': initializing patching transition
rklp: 'test_rklp_busy': starting patching transition
% echo yes > /sys/kernel/rklp/test_rklp_busy/force
rklp: forcing remaining tasks to the patched state
rklp: 'test_rklp_busy': completing patching transition
rklp: 'test_rklp_busy': patching complete
% echo 0 > /sys/kernel/rklp/test_rklp_busy/enabled
rklp: 'test_rklp_busy': initializing unpatching transition
rklp: 'test_rklp_busy': starting unpatching transition
rklp: 'test_rklp_busy': completing unpatching transition
rklp: 'test_rklp_busy': unpatching complete
% rmmod test_rklp_busy
rmmod: ERROR: Module test_rklp_busy is in use"
end_test
