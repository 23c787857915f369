#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# Helpers for the rklp selftests, after upstream's
# tools/testing/selftests/livepatch/functions.sh, for busybox sh.
# Each test case: start_test "desc"; ...; check_result "expected"; end_test.

MODDIR=${MODDIR:-/lib/rklp}
SYSFS_RKLP=/sys/kernel/rklp
SYSFS_KLP=/sys/kernel/livepatch
# rklp's own files (not in $SYSFS_RKLP, which holds only patch directories).
RKLP_STALLED=/sys/module/rklp/transition/stalled
# Root only; each open file answers its own question (see patch_state).
RKLP_PATCH_STATE=/proc/rklp/patch_state
RKLP_KICK_DELAY=/sys/module/rklp/parameters/kick_delay_ms
TRACING=/sys/kernel/tracing
COUNT_FILE=/tmp/rklp_ktap_count
MAX_RETRIES=600		# x 0.1 s

# kmod's tools, not busybox's applets (busybox sh runs its own applets first,
# and busybox insmod retries a failed load, running a module's init twice).
# In the guest, insmod and rmmod are kmod's twins rklp_insmod and
# rklp_rmmod (statically linked, see rklp_insmod.c: kmod costs about a
# second to start on the debug kernel under TCG), the others kmod.
if [ -x /bin/kmod ]; then
	insmod() { /sbin/insmod "$@"; }
	rmmod() { /sbin/rmmod "$@"; }
	lsmod() { /sbin/lsmod "$@"; }
	modinfo() { /sbin/modinfo "$@"; }
fi

log() { echo "$*" >/dev/kmsg; }
fail() {
	echo "# FAIL: $*"
	TEST_FAILED=1
	# (not when rklp is deadlocked: the read would wait for its mutex)
	[ -r $RKLP_STALLED ] && [ ! -e /tmp/rklp_wedged ] &&
		cat -v $RKLP_STALLED | sed 's/^/#   stalled: /'
	dmesg | tail -n 8 | sed 's/^/#   dmesg: /'
}
skip() { TEST_SKIPPED="$*"; }
# has_config OPT: false, and the case skips saying why, when the kernel has
# no CONFIG_OPT. scripts/run-guest.sh lists on the kernel command line
# (rklp_nokconfig=A,B) the options the suite needs that this kernel lacks
# (Debian's stock kernel has no fault injection); on the test kernels the
# list is empty, so there a missing facility still fails its case.
has_config() {
	case ",${rklp_nokconfig:-}," in
	*",$1,"*) skip "the kernel has no CONFIG_$1"; return 1 ;;
	esac
	return 0
}

# loop_until 'shell condition': retry for up to 60 s.
loop_until() {
	_lu_n=0
	while ! eval "$1"; do
		_lu_n=$((_lu_n + 1))
		[ $_lu_n -ge $MAX_RETRIES ] && return 1
		sleep 0.1
	done
	return 0
}

start_test() {
	TEST_DESC="$1"
	now_ms_get
	TEST_T0=$_now
	last_pid
	TEST_P0=$_lp
	TEST_FAILED=""
	TEST_SKIPPED=""
	TEST_TODO=""
	# The case's start in the kernel log (test_dmesg). A write to /dev/kmsg
	# is in the log when it returns: nothing to wait for. Every process
	# costs on the debug kernel (read_file), so none is started here or in
	# end_test.
	read -r _up _up_x </proc/uptime
	CANARY="rklp selftest: $_up $1"
	log "$CANARY" || fail "cannot write the canary to /dev/kmsg"
	echo "# TEST: $1"
}

end_test() {
	cleanup
	# Where the guest's time goes (make check-all's shard table is per
	# script; this is per case, for finding slow ones).
	last_pid
	now_ms_get
	echo "# case time: $((_now - TEST_T0)) ms, $((_lp - TEST_P0)) processes"
	n=0
	[ -r $COUNT_FILE ] && read -r n <$COUNT_FILE
	n=$((n + 1))
	echo $n >$COUNT_FILE
	if [ -n "$TEST_TODO" ] && [ -n "$TEST_FAILED" ]; then
		# A known, reported defect (KTAP TODO): shown, not counted as pass.
		echo "not ok $n $TEST_DESC # TODO $TEST_TODO"
	elif [ -n "$TEST_SKIPPED" ]; then
		echo "ok $n $TEST_DESC # SKIP $TEST_SKIPPED"
	elif [ -z "$TEST_FAILED" ]; then
		echo "ok $n $TEST_DESC"
	else
		echo "not ok $n $TEST_DESC"
	fi
}

# The kernel log since the canary, with the lines of interest, without
# timestamps and taint notices (as upstream's check_result), nor rklp's
# notes on prototypes it did not check (Documentation/rklp.rst, "Prototype
# checks": they depend on the kernel's BTF and the patch's ABI, and
# test-protos.sh reads them itself).
# One awk, not a pipeline of five: each process costs on the debug kernel.
test_dmesg() {
	dmesg | awk -v c="$CANARY" '
		f && /rklp|livepatch|% / && !/(tainting|taints) kernel/ &&
		    !/^(\[[ 0-9.]*\] )?rklp: patch .*(could not be checked|: not checked)$/ {
			sub(/^\[[ 0-9.]*\] /, "")
			print
		}
		index($0, c) { f = 1 }'
}

# reload_rklp_count TEXT: loads rklp.ko again and sets _count to how many
# kernel-log lines since the case's canary contain TEXT (a fixed string;
# not a subshell, so that a failed reload fails the case): for what
# rklp says once at load, which the suite's first load of it may have
# pushed out of the kernel log (128 KB on the test kernels) by the time a
# script runs.
reload_rklp_count() {
	unload_mod rklp
	load_mod rklp
	_count=$(dmesg | awk -v c="$CANARY" -v t="$1" 'f && index($0, t) { n++ } index($0, c) { f = 1 } END { print n + 0 }')
}

# check_result EXPECTED: the log since the canary must be exactly EXPECTED,
# after the sed expression in $RESULT_SED (if set) for unstable parts.
check_result() {
	if [ -n "${RESULT_SED:-}" ]; then
		result=$(test_dmesg | sed "$RESULT_SED")
	else
		result=$(test_dmesg)
	fi
	if [ "$result" != "$1" ]; then
		fail "unexpected kernel log"
		echo "$1" >/tmp/expected
		echo "$result" >/tmp/result
		diff -u /tmp/expected /tmp/result | sed 's/^/# /'
	fi
}

# check_eq what actual expected
# Milliseconds since boot.
# (/proc/uptime has two decimals; "1$c" keeps a leading zero of them.)
now_ms() {
	now_ms_get
	echo $_now
}

# now_ms_get: sets _now to now_ms's value, without the subshell that
# "$(now_ms)" forks.
now_ms_get() {
	read -r _nm _nm_x </proc/uptime
	_now=$(( ${_nm%.*} * 1000 + 1${_nm#*.} * 10 - 1000 ))
}

# last_pid: sets _lp to the last PID the kernel handed out (tasks created
# so far, threads included, until PIDs wrap), without a process.
last_pid() {
	read -r _lp _lp _lp _lp _lp </proc/loadavg
}

check_eq() {
	[ "$2" = "$3" ] || fail "$1: got '$2', expected '$3'"
}

# The consistency checker's verdict (rklp_test_cc): both versions ran and no
# call chain mixed them. Prints the checker's counters, with "$1" appended.
check_cc_verdict() {
	_cc=$(cat /proc/rklp_test_cc)
	echo "# $_cc$1"
	set -- $_cc
	[ "$2" -gt 0 ] || fail "old version never ran"
	[ "$4" -gt 0 ] || fail "new version never ran"
	check_eq "mismatches" "$6" 0
}

# load_mod NAME [PARAM...]: insmod NAME.ko (its error, if any, read without
# the subshell of "$(...)", see read_file).
load_mod() {
	name=$1; shift
	log "% insmod $name.ko $*"
	insmod "$MODDIR/$name.ko" "$@" 2>/tmp/rklp_load_mod.err && return 0
	read_file /tmp/rklp_load_mod.err
	fail "insmod $name failed: $_rf"
	return 1
}

# load_lp NAME: load a patch module and wait until its transition is done.
load_lp() {
	load_mod "$@" || return 1
	loop_until "[ -d $SYSFS_RKLP/$1 ]" || { fail "$1: no sysfs dir"; return 1; }
	loop_until "file_is $SYSFS_RKLP/$1/transition 0" || fail "$1: transition stuck"
}

# load_lp_nowait NAME: load a patch module; do not wait for its transition.
load_lp_nowait() {
	load_mod "$@" || return 1
	loop_until "[ -d $SYSFS_RKLP/$1 ]" || { fail "$1: no sysfs dir"; return 1; }
}

# set_pre_patch_ret MOD RET: what MOD's pre_patch callbacks return from now.
set_pre_patch_ret() {
	log "% echo $2 > /sys/module/$1/parameters/pre_patch_ret"
	echo "$2" >"/sys/module/$1/parameters/pre_patch_ret" || fail "cannot set pre_patch_ret"
}

# load_failing_mod NAME: insmod must fail; its error goes to the log and to
# $out.
load_failing_mod() {
	name=$1; shift
	log "% insmod $name.ko $*"
	if insmod "$MODDIR/$name.ko" "$@" 2>/tmp/rklp_load_mod.err; then
		fail "insmod $name succeeded but should fail"
		return 1
	fi
	read_file /tmp/rklp_load_mod.err
	out=$_rf
	log "$out"
}

# unload_mod NAME: waits for NAME's references to go, then removes it.
unload_mod() {
	log "% rmmod $1"
	loop_until "[ ! -e /sys/module/$1/refcnt ] || file_is /sys/module/$1/refcnt 0" ||
		fail "$1: refcount never dropped to 0"
	rmmod "$1" 2>/tmp/rklp_unload_mod.err ||
		{ read_file /tmp/rklp_unload_mod.err; fail "rmmod $1: $_rf"; }
	loop_until "[ ! -e /sys/module/$1 ]" || fail "$1 still loaded"
}

disable_lp() {
	log "% echo 0 > $SYSFS_RKLP/$1/enabled"
	echo 0 >"$SYSFS_RKLP/$1/enabled" || fail "disabling $1 failed"
	loop_until "[ ! -d $SYSFS_RKLP/$1 ]" || fail "$1: sysfs dir still there after disable"
}

# enabled_functions_read: sets _ef to the functions attached to ftrace ops
# right now (rklp, livepatch, tracers), one line each as ftrace prints
# them, without the second line ftrace prints for a direct call and
# without rklp's anchor function (registered while any function is settled
# on a direct call, see test-direct.sh); empty without tracefs. No process.
# The file is read in several chunks: a line can repeat if the settle work
# changes records in between, so it is read until two reads agree.
enabled_functions_read() {
	wait_direct_unpatched_released
	_ef_n=0
	_enabled_functions_once
	while [ $_ef_n -lt 50 ]; do
		_ef_prev=$_ef
		_enabled_functions_once
		[ "$_ef" = "$_ef_prev" ] && return
		_ef_n=$((_ef_n + 1))
		sleep 0.1
	done
}

_enabled_functions_once() {
	_ef=
	_ef_nl=
	[ -r $TRACING/enabled_functions ] || return 0
	while IFS= read -r _ef_l; do
		case "$_ef_l" in
		[[:space:]]*direct--\>* | direct--\>* | rklp_direct_anchor\ *) continue ;;
		esac
		_ef="$_ef$_ef_nl$_ef_l"
		_ef_nl='
'
	done <$TRACING/enabled_functions
}

# ftrace_enabled_functions: enabled_functions_read's lines, printed.
ftrace_enabled_functions() {
	enabled_functions_read
	[ -z "$_ef" ] || echo "$_ef"
}

# wait_direct_unpatched_released: functions that are no longer patched keep
# their direct calls until the settle work releases them (promptly, but
# asynchronously): waits until none is left, so that every function listed
# is patched.
wait_direct_unpatched_released() {
	[ -r /sys/module/rklp/transition/direct ] || return 0
	loop_until 'has_line /sys/module/rklp/transition/direct "unpatched 0"' ||
		fail "direct calls of unpatched functions never released"
}

# has_line PATH LINE: PATH has the line LINE (grep -qx, without a process).
has_line() {
	while IFS= read -r _hl || [ -n "$_hl" ]; do
		[ "$_hl" = "$2" ] && return 0
	done <"$1"
	return 1
}

# file_is PATH VALUE: PATH reads VALUE ("$(cat PATH)" = VALUE, without a
# process: loop_until's conditions run every 0.1 s).
file_is() {
	read_file "$1"
	[ "$_rf" = "$2" ]
}

# wait_direct_released: rklp releases the direct calls of settled functions
# that are no longer patched lazily (an unregistration waits for RCU-tasks
# grace periods): waits until none is left.
wait_direct_released() {
	[ -r /sys/module/rklp/parameters/direct_calls ] || return 0
	loop_until 'file_is /sys/module/rklp/parameters/direct_calls 0' ||
		fail "direct calls never released: $(cat /sys/module/rklp/parameters/direct_calls) left"
}

# check_no_leftovers NAME: nothing of a refused/removed patch remains.
check_no_leftovers() {
	[ ! -e "$SYSFS_RKLP/$1" ] || fail "$SYSFS_RKLP/$1 left behind"
	[ ! -e "/sys/module/$1" ] || fail "module $1 left loaded"
	wait_direct_released
	n=0
	if [ -r $TRACING/enabled_functions ]; then
		while read -r _nl_l; do n=$((n + 1)); done <$TRACING/enabled_functions
	fi
	[ "$n" = 0 ] || { fail "ftrace still has $n functions enabled"; cat $TRACING/enabled_functions | sed 's/^/# /'; }
	read_file /sys/module/rklp/refcnt
	check_eq "rklp refcnt" "$_rf" 0
}

check_file() {
	read_file "$1"
	check_eq "$1" "$_rf" "$2"
}

# read_lines PATH: sets _rf to PATH's lines (trailing newline dropped) with
# the shell's read; empty for an empty file or a read error (read_file
# tells them apart with cat).
read_lines() {
	_rf=
	_rf_nl=
	while IFS= read -r _rf_l || [ -n "$_rf_l" ]; do
		_rf="$_rf$_rf_nl$_rf_l"
		_rf_nl='
'
	done <"$1"
}

# read_file PATH: sets _rf to what "$(cat PATH 2>&1)" prints, with the
# shell's own read: no process. Each process costs 0.3 to 1.5 s on the debug
# kernel under TCG (fork and exec under KASAN, kmemleak and lockdep), which
# made the per-point checks of the failslab sweeps most of the debug run.
# An unreadable or empty file (or a read error) falls back to cat, for its
# message.
read_file() {
	_rf=
	[ -f "$1" ] && [ -r "$1" ] && read_lines "$1"
	if [ -z "$_rf" ]; then
		_rf=$(cat "$1" 2>&1)
		return
	fi
	# $(...) drops every trailing newline, and so does this.
	while [ "${_rf%
}" != "$_rf" ]; do _rf=${_rf%
}; done
}

# patch_state TID: "TID STATE" for the task TID, asked and answered through
# one open file (/proc/rklp/patch_state answers each open file its own
# question), or the error.
patch_state() {
	{ { echo "$1" >&3 && cat <&3; } 3<>$RKLP_PATCH_STATE; } 2>&1
}

# check_mode PATH MODE (as stat %A prints it)
check_mode() {
	check_eq "mode of $1" "$(stat -c %A "$1")" "$2"
}

# check_replace_took_over ORIG_CMDLINE ORIG_VERSION: test_rklp_replace has
# replaced rklp_sample (cmdline) and test_rklp_multi (cmdline, version):
# only it is left and only meminfo is patched; the replaced modules unload
# without being disabled; disabling it restores meminfo; nothing is left.
check_replace_took_over() {
	# The replaced patches are freed, their directories removed, by a work
	# after the transition (finish.rs, defer_free): seen still there right
	# after load_lp on Debian's 7.3 under load.
	loop_until '[ "$(patch_dirs)" = "$SYSFS_RKLP/test_rklp_replace" ]'
	check_eq "patches" "$(patch_dirs)" "$SYSFS_RKLP/test_rklp_replace"
	check_file /proc/cmdline "$1"
	check_file /proc/version "$2"
	check_file /proc/meminfo "test_rklp_replace: meminfo replaced"
	check_eq "enabled functions" "$(ftrace_enabled_functions | wc -l)" 1
	unload_mod rklp_sample
	unload_mod test_rklp_multi
	disable_lp test_rklp_replace
	grep -q '^MemTotal:' /proc/meminfo || fail "/proc/meminfo not restored"
	unload_mod test_rklp_replace
	check_no_leftovers test_rklp_replace
}

# The patch directories of rklp and livepatch.
patch_dirs() {
	for d in "$SYSFS_RKLP"/* "$SYSFS_KLP"/*; do
		[ -d "$d" ] && echo "$d"
	done
}

# Disable every rklp and livepatch patch and remove every test module.
cleanup() {
	# rklp deadlocked (see test-lifecycle.sh): touching it would hang.
	[ -e /tmp/rklp_wedged ] && return
	for d in "$SYSFS_RKLP"/* "$SYSFS_KLP"/*; do
		[ -e "$d/enabled" ] || continue
		file_is "$d/enabled" 1 && echo 0 >"$d/enabled" 2>/dev/null
	done
	loop_until '! any_patch_dir' ||
		echo "# cleanup: patches still present: $(patch_dirs)"
	# The test modules, newest first (as lsmod lists them).
	_cl_m=
	while read -r _cl_n _cl_rest; do
		case $_cl_n in
		test_rklp_* | rklp_sample | livepatch_sample | rklp_test_*) _cl_m="$_cl_m $_cl_n" ;;
		esac
	done </proc/modules
	for m in $_cl_m; do
		rmmod "$m" 2>/dev/null
	done
	[ -e /sys/module/rklp ] || insmod "$MODDIR/rklp.ko"
}

# any_patch_dir: a patch directory of rklp or livepatch exists.
any_patch_dir() {
	for _ap_d in "$SYSFS_RKLP"/* "$SYSFS_KLP"/*; do
		[ -d "$_ap_d" ] && return 0
	done
	return 1
}

# stall_busy_patch PATCH: load rklp_test_busy with its kthread blocked inside
# rklp_test_busy_func, then PATCH, whose patching transition then stalls.
stall_busy_patch() {
	load_mod rklp_test_busy
	echo 1 >/sys/module/rklp_test_busy/parameters/block
	sleep 0.3
	load_mod "$1"
	loop_until "[ -d $SYSFS_RKLP/$1 ]" || fail "no sysfs dir"
	sleep 0.5
	check_file "$SYSFS_RKLP/$1/transition" 1
}

# ftrace_callbacks_jump: true on a kernel whose x86 ftrace enters its own
# callbacks by a jump to the byte before them (src/ftrace_jmp_hazard.rs):
# it has the jump encoding of direct calls (7.x's DYNAMIC_FTRACE_WITH_JMP:
# an odd call target means "jump to addr & ~1")
# and its functions are not aligned (ftrace_ops_list_func is odd: gcc < 14
# at -Os). There a kprobe on ftrace, or two ftrace users on one function
# (the function tracer and rklp), crash the kernel, whatever rklp does
# (seen on the 7.3 test kernel: a kprobe alone on cmdline_proc_show; the
# tracer alone on a function survived). Looked up
# once per boot (two greps), then read from /tmp.
ftrace_callbacks_jump() {
	if [ ! -e /tmp/rklp_ftrace_jumps ]; then
		# (rklp_ftrace_jmp=1: run-guest.sh, from the kernel's config;
		# 6.12 has ftrace_regs_caller_jmp too, without the jumps)
		if [ "${rklp_ftrace_jmp:-0}" = 1 ] &&
			grep -qE '[13579bdf] [tT] ftrace_ops_list_func$' /proc/kallsyms; then
			echo 1 >/tmp/rklp_ftrace_jumps
		else
			echo 0 >/tmp/rklp_ftrace_jumps
		fi
	fi
	read -r _fj </tmp/rklp_ftrace_jumps
	[ "$_fj" = 1 ]
}

# ftrace_sharing_crashes: true, and the case fails saying why, where
# ftrace_callbacks_jump: the case's tracer or kprobe would crash the kernel
# and end the run. `if ! ftrace_sharing_crashes; then ... fi`.
ftrace_sharing_crashes() {
	ftrace_callbacks_jump || return 1
	fail "not run: this kernel's ftrace would jump into the byte before its own callbacks (ftrace_ops_list_func is at an odd address; 7.x x86 ftrace takes an odd call target for a jump): a tracer sharing a function or a kprobe on ftrace crashes it. A kernel bug of builds with unaligned functions (gcc < 14 at -Os), not rklp's; see rklp.rst"
	return 0
}

# settling_crashes: true, and the case fails saying why, where
# ftrace_callbacks_jump: rklp settles nothing there (direct=N, refusing Y:
# src/settle.rs), since a function settling or released has rklp's handler
# and a direct call at once, which ftrace calls through its list function.
settling_crashes() {
	ftrace_callbacks_jump || return 1
	fail "not run: rklp settles nothing on this kernel (direct=N): its ftrace would jump into the byte before ftrace_ops_list_func, which two ftrace users on one function make it call. A kernel bug of builds with unaligned functions (gcc < 14 at -Os), not rklp's; see rklp.rst"
	return 0
}

# ftrace_disable_supported: true if kernel.ftrace_enabled=0 still disables
# ftrace (upstream's 7.x probe; 7.x deprecates the knob and refuses 0).
ftrace_disable_supported() {
	_orig=$(cat /proc/sys/kernel/ftrace_enabled)
	(echo 0 >/proc/sys/kernel/ftrace_enabled) 2>/dev/null
	_res=$(cat /proc/sys/kernel/ftrace_enabled)
	(echo "$_orig" >/proc/sys/kernel/ftrace_enabled) 2>/dev/null
	[ "$_res" = 0 ]
}

# set_ftrace_enabled [--fail] VALUE: as upstream's, with the sysctl's error
# in procps' words; without --fail a refusal skips the test.
set_ftrace_enabled() {
	_can_fail=0
	if [ "$1" = "--fail" ]; then
		_can_fail=1
		shift
	fi
	_err=$( (echo "$1" >/proc/sys/kernel/ftrace_enabled) 2>&1)
	_result=$(cat /proc/sys/kernel/ftrace_enabled)
	if [ "$_result" != "$1" ]; then
		if [ $_can_fail = 1 ]; then
			log "rklp: sysctl: setting key \"kernel.ftrace_enabled\": ${_err##*: }"
			return
		fi
		skip "failed to set kernel.ftrace_enabled = $1"
	fi
	log "rklp: kernel.ftrace_enabled = $_result"
}

# Function tracer helpers (upstream 7.x functions.sh).
trace_function() {
	echo 0 >$TRACING/tracing_on
	echo >$TRACING/trace
	echo function >$TRACING/current_tracer || fail "no function tracer"
	echo "$1" >$TRACING/set_ftrace_filter || fail "cannot trace $1"
	echo 1 >$TRACING/tracing_on
}

# check_traced_functions FUNC...: each appears in the trace.
check_traced_functions() {
	for _f in "$@"; do
		grep -q "$_f <-" $TRACING/trace || fail "function $_f was not traced"
	done
}

cleanup_tracing() {
	echo 0 >$TRACING/tracing_on
	echo nop >$TRACING/current_tracer
	echo >$TRACING/set_ftrace_filter
	echo >$TRACING/trace
}
