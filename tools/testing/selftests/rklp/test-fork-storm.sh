#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# Transitions finish under sustained fork load (issue 17 item 3): the time
# of rklp_sample's patching and unpatching transitions on an idle guest,
# then while every vCPU creates tasks as fast as it can (two loops per
# vCPU creating and joining threads, test_rklp-fork_storm: clone() without
# an address space to copy, several times faster than fork()), in the same
# boot. Each must finish within
# STORM_BOUND_S seconds; the times and the fork rate are printed.
#
# Meant for a guest with 4 or more vCPUs running in parallel:
#   RKLP_TCG_THREAD=multi RKLP_SMP=4 RKLP_TESTS=test-fork-storm.sh make check
# (it runs, with less load, on the default 2-vCPU guest too).
. ./functions.sh

STORM=./test_rklp-fork_storm
STOP=/tmp/stop_fork_storm
ROUNDS=3
# Generous: an idle transition takes well under a second even on the
# debug kernel; a walk that never completes is what this catches.
STORM_BOUND_S=${STORM_BOUND_S:-30}
if [ -n "${rklp_debug:-}" ]; then
	ROUNDS=1
fi

# Tasks created since boot (the "processes" line of /proc/stat: every
# clone(), threads included).
forks() { awk '/^processes/ { print $2 }' /proc/stat; }

# transition_ms PATCH: waits (up to STORM_BOUND_S) for the transition of
# PATCH to finish, prints how long it took since T0 (ms), or fails.
transition_ms() {
	MAX_RETRIES=$((STORM_BOUND_S * 10)) loop_until \
		"[ ! -d $SYSFS_RKLP/$1 ] || [ \"\$(cat $SYSFS_RKLP/$1/transition 2>/dev/null)\" = 0 ]"
	_rc=$?
	echo $(( $(now_ms) - T0 ))
	return $_rc
}

# not_finished LABEL WHAT MS: the transition of rklp_sample did not finish
# in time: fails, stops the storm (the transition should then finish) and,
# if it still does not, forces it so that later cases can run.
not_finished() {
	fail "$1: $2 transition not finished after $3 ms ($(wc -l <$RKLP_STALLED) tasks listed in stalled)"
	touch $STOP
	T0=$(now_ms)
	if _ms=$(transition_ms rklp_sample); then
		echo "# $1: $2 transition finished $_ms ms after the forks stopped"
	else
		echo 1 >$SYSFS_RKLP/rklp_sample/force
	fi
	return 1
}

# one_cycle LABEL: patch and unpatch rklp_sample, timing both transitions
# (PATCH_MS, UNPATCH_MS). Returns 1 if one did not finish in time.
one_cycle() {
	_ok=0
	T0=$(now_ms)
	load_mod rklp_sample || return 1
	PATCH_MS=$(transition_ms rklp_sample) || not_finished "$1" patching $PATCH_MS || _ok=1
	check_file /proc/cmdline "this has been live patched"
	T0=$(now_ms)
	log "% echo 0 > $SYSFS_RKLP/rklp_sample/enabled"
	echo 0 >$SYSFS_RKLP/rklp_sample/enabled
	UNPATCH_MS=$(transition_ms rklp_sample) || not_finished "$1" unpatching $UNPATCH_MS || _ok=1
	loop_until "[ ! -d $SYSFS_RKLP/rklp_sample ]" || fail "$1: rklp_sample still in sysfs"
	# (a forced patch pins its module: rmmod then fails, reported)
	unload_mod rklp_sample
	return $_ok
}

# Both runs use the default kick delay, as a user's would.
echo 15000 >$RKLP_KICK_DELAY

start_test "transition times on an idle guest"
IDLE=""
i=0
while [ $i -lt $ROUNDS ]; do
	one_cycle "idle" || break
	IDLE="$IDLE $PATCH_MS/$UNPATCH_MS"
	i=$((i + 1))
done
echo "# idle guest ($(nproc) vCPUs): patch/unpatch transition ms:$IDLE"
end_test

start_test "transitions finish while every vCPU forks as fast as it can"
rm -f $STOP
n=$(( $(nproc) * 2 ))
j=0
while [ $j -lt $n ]; do
	$STORM -f $STOP >/tmp/fork_storm.$j &
	j=$((j + 1))
done
# The storm is on once forks are counted.
f0=$(forks)
loop_until "[ \$(forks) -gt $((f0 + 100)) ]" || fail "the storm creates no tasks"
f0=$(forks); t0=$(now_ms)
STORM_MS=""
i=0
while [ $i -lt $ROUNDS ]; do
	one_cycle "fork storm" || break
	STORM_MS="$STORM_MS $PATCH_MS/$UNPATCH_MS"
	i=$((i + 1))
done
f1=$(forks); t1=$(now_ms)
touch $STOP
wait
rate=$(( (f1 - f0) * 1000 / (t1 - t0 + 1) ))
echo "# fork storm ($n loops on $(nproc) vCPUs, $rate tasks created/s): patch/unpatch transition ms:$STORM_MS"
echo "# idle guest:                                   patch/unpatch transition ms:$IDLE"
[ "$rate" -gt 0 ] || fail "no forks during the storm"
check_no_leftovers rklp_sample
end_test
