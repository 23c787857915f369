# SPDX-License-Identifier: GPL-2.0
# Shared by test-lifecycle.sh and the allocation-failure sweeps
# (test-failslab-{enable,disable,replace}.sh, one script each so that
# make check-all can run them in different guests): the patch module they
# use, what "nothing left" means, failslab's set-up.
. ./functions.sh

P=$SYSFS_RKLP/test_rklp_fail
LC=/sys/module/rklp_test_lifecycle/parameters
FS=/sys/kernel/debug/failslab
ORIG_VERSION=$(cat /proc/version)
PATCHED_VERSION="test_rklp_fail: version patched"

# task_state PID: its state letter (R, S, D, Z...), empty once reaped.
task_state() {
	_ts=$(cat "/proc/$1/stat" 2>/dev/null) || return 0
	_ts=${_ts##*) }
	echo "${_ts%% *}"
}

# wait_exit PID SECONDS: true once PID has exited (zombie or reaped).
wait_exit() {
	_we=0
	while :; do
		case "$(task_state "$1")" in "" | Z) return 0 ;; esac
		_we=$((_we + 1))
		[ $_we -ge $(($2 * 10)) ] && return 1
		sleep 0.1
	done
}

d_state_tasks() {
	for _s in /proc/[0-9]*/stat; do
		_l=$(cat "$_s" 2>/dev/null) || continue
		_st=${_l##*) }
		[ "${_st%% *}" = D ] && echo "${_l%%) *})"
	done
}

# hung WHAT: WHAT did not finish: fail, show the D-state tasks, and stop
# the run (every later use of rklp would block too).
hung() {
	touch /tmp/rklp_wedged
	fail "$1 did not finish: deadlock"
	d_state_tasks | sed 's/^/#   D state: /'
}

check_unpatched() {
	check_eq "/proc/version" "$(cat /proc/version)" "$ORIG_VERSION"
	[ ! -e $P ] || fail "$P left behind"
	[ ! -e /sys/module/test_rklp_fail ] || fail "test_rklp_fail left loaded"
	# (not the kprobe on mutex_lock of the kick test)
	check_eq "enabled functions" "$(ftrace_enabled_functions | grep -vc kprobe)" 0
	check_eq "rklp refcnt" "$(cat /sys/module/rklp/refcnt)" 0
}

# What an enabled patch holds: the functions ftrace calls rklp for (by
# name: a settled function changes its line, not its name), rklp's module
# references and its patch directories.
patch_footprint() {
	ftrace_enabled_functions | grep -v kprobe | awk '{ print $1 }' | sort | tr '\n' ' '
	echo "refcnt $(cat /sys/module/rklp/refcnt) patches $(ls $SYSFS_RKLP | tr '\n' ' ')"
}

# A patch module of rklp's is usable: load, patch, disable, unload.
check_usable() {
	load_lp test_rklp_fail || return
	check_file /proc/version "$PATCHED_VERSION"
	disable_lp test_rklp_fail
	unload_mod test_rklp_fail
	check_unpatched
}

# failslab: fail_nth only (probability 0), for GFP_KERNEL allocations too.
failslab_on() {
	echo N >$FS/ignore-gfp-wait
	echo 0 >$FS/verbose
}
failslab_off() {
	echo Y >$FS/ignore-gfp-wait
	echo 2 >$FS/verbose
}

# require_failslab DESC: without failslab (a kernel without
# CONFIG_FAILSLAB), report the case DESC as skipped and end the script.
require_failslab() {
	[ -w $FS/ignore-gfp-wait ] && return 0
	start_test "$1"
	skip "no failslab in this kernel (CONFIG_FAILSLAB, CONFIG_FAULT_INJECTION_DEBUG_FS)"
	end_test
	exit 0
}
