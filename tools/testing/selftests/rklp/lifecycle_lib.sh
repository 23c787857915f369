# SPDX-License-Identifier: GPL-2.0
# Shared by test-lifecycle.sh and the allocation-failure sweeps
# (test-failslab-{enable,disable,replace}.sh, one script each so that
# make check-all can run them in different guests): the patch module they
# use, what "nothing left" means, failslab's set-up.
. ./functions.sh

P=$SYSFS_RKLP/test_rklp_fail
LC=/sys/module/rklp_test_lifecycle/parameters
# test_rklp_fail's pre-patch delay: writing 0 ends a callback's wait.
FAIL_DELAY=/sys/module/test_rklp_fail/parameters/pre_patch_delay_ms
FS=/sys/kernel/debug/failslab
ORIG_VERSION=$(cat /proc/version)
PATCHED_VERSION="test_rklp_fail: version patched"

# task_state PID: its state letter (R, S, D, Z...), empty once reaped.
task_state() {
	task_state_of "$1"
	echo "$_ts"
}

# task_state_of PID: sets _ts to PID's state letter, empty once reaped,
# with the shell's read: the windows these tests watch (a mutex held for
# two seconds) are shorter than a few processes take to start on the debug
# kernel under TCG.
task_state_of() {
	_ts=
	[ -r "/proc/$1/stat" ] || return 0
	read -r _ts <"/proc/$1/stat" 2>/dev/null || [ -n "$_ts" ] || return 0
	_ts=${_ts##*) }
	_ts=${_ts%% *}
}


# wait_exit PID SECONDS: true once PID has exited (zombie or reaped).
wait_exit() {
	_we=0
	while :; do
		task_state_of "$1"
		case "$_ts" in "" | Z) return 0 ;; esac
		_we=$((_we + 1))
		[ $_we -ge $(($2 * 10)) ] && return 1
		sleep 0.1
	done
}

# task_waits PID: PID sleeps (S or D).
task_waits() {
	task_state_of "$1"
	case "$_ts" in S | D) return 0 ;; esac
	return 1
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

# The checks below run after every point of the failslab sweeps: they start
# no process (read_file, functions.sh), each one costing up to a second and
# a half on the debug kernel.
check_unpatched() {
	read_file /proc/version
	check_eq "/proc/version" "$_rf" "$ORIG_VERSION"
	[ ! -e $P ] || fail "$P left behind"
	[ ! -e /sys/module/test_rklp_fail ] || fail "test_rklp_fail left loaded"
	# (not the kprobe on mutex_lock of the kick test)
	enabled_names
	check_eq "enabled functions" "$_en" ""
	read_file /sys/module/rklp/refcnt
	check_eq "rklp refcnt" "$_rf" 0
}

# enabled_names: sets _en to the names of the functions ftrace calls an ops
# for, space-separated, in ftrace's order (enabled_functions_read,
# functions.sh), kprobes left out.
enabled_names() {
	enabled_functions_read
	_en=
	while read -r _en_f _en_rest; do
		case "$_en_f $_en_rest" in
		" " | *kprobe*) continue ;;
		esac
		_en="$_en$_en_f "
	done <<EOF_EN
$_ef
EOF_EN
}

# What an enabled patch holds, in _fp: the functions ftrace calls rklp for
# (by name: a settled function changes its line, not its name), rklp's
# module references and its patch directories.
patch_footprint() {
	enabled_names
	read_file /sys/module/rklp/refcnt
	_fp="$_en refcnt $_rf patches"
	for _fp_d in $SYSFS_RKLP/*; do
		[ -d "$_fp_d" ] && _fp="$_fp ${_fp_d##*/}"
	done
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

# Which allocations the sweeps fail: FIRST, FIRST + STRIDE, ... (the
# kernel command line's rklp_failnth_first and rklp_failnth_stride, which
# reach the tests as environment variables; default every one): on the
# debug kernel a point is a module load under KASAN, kmemleak and lockdep,
# 2 to 15 s of guest time.
FN_FIRST=${rklp_failnth_first:-1}
FN_STRIDE=${rklp_failnth_stride:-1}
case "$FN_FIRST$FN_STRIDE" in *[!0-9]*) FN_FIRST=1 FN_STRIDE=1 ;; esac
[ "$FN_FIRST" -ge 1 ] && [ "$FN_STRIDE" -ge 1 ] || FN_FIRST=1 FN_STRIDE=1

# fn_swept N: which allocations a sweep failed, N being the first it did
# not reach (the patch enabled without using it).
fn_swept() {
	if [ "$FN_STRIDE" = 1 ]; then
		echo "allocations $FN_FIRST..$(($1 - 1)) failed in turn"
	else
		echo "allocations $FN_FIRST..$(($1 - FN_STRIDE)), every $FN_STRIDE, failed in turn"
	fi
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
