#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# Settled patches: after its transition, a patched function leaves rklp's
# shared handler for its own ftrace direct call to a stub that enters the
# replacement (Documentation/rklp.rst, "Settled functions"). Patch, stack,
# unpatch, replace, a tracer and a kprobe on the function, a task sleeping
# in a replacement entered through a stub when a transition starts, a target
# module going, ftrace_enabled, and the consistency checker through settled
# and transition phases.
. ./functions.sh

PARAMS=/sys/module/rklp/parameters
# Where settling would crash the kernel, rklp settles nothing (direct=N,
# refusing Y: src/settle.rs, src/ftrace_jmp_hazard.rs): nothing to test,
# said as one failed case (a kernel bug of the test build, rklp.rst).
if ftrace_callbacks_jump; then
	start_test "direct calls: rklp settles nothing on this kernel"
	check_file $PARAMS/direct N
	settling_crashes
	end_test
	exit 0
fi
ORIG_CMDLINE=$(cat /proc/cmdline)
ORIG_VERSION=$(cat /proc/version)
# The debug kernel (make check-debug) runs the loops at a smaller scale.
if [ -n "${rklp_debug:-}" ]; then NMI_CYCLES=4; CC_CYCLES=2; else NMI_CYCLES=8; CC_CYCLES=4; fi
old_delay=$(cat $PARAMS/settle_delay_ms)
echo 0 >$PARAMS/settle_delay_ms

# kprobe_not_armed MOD FUNC ARGS...: a post_handler kprobe (MOD, with
# ARGS) on the settled FUNC is refused: it is not armed and FUNC keeps its
# direct call. 6.12 fails the module's load (EBUSY from ftrace); 7.3's
# __register_kprobe() drops arm_kprobe()'s error (it unhashes the probe
# and returns 0), so there the module loads with no probe on FUNC.
kprobe_not_armed() {
	_kn_m=$1; _kn_f=$2; shift 2
	log "% insmod $_kn_m.ko $*"
	if insmod "$MODDIR/$_kn_m.ko" "$@" 2>/tmp/rklp_load_mod.err; then
		echo "# $_kn_m loaded (its kprobe's arming error dropped by the kernel)"
		grep -q " $_kn_f+" /sys/kernel/debug/kprobes/list &&
			fail "$_kn_m: a post_handler kprobe armed on the settled $_kn_f"
		unload_mod "$_kn_m"
	else
		read_file /tmp/rklp_load_mod.err
		log "$_rf"
	fi
	check_direct "$_kn_f"
}

# settled PATCH N: waits until N functions of PATCH run on direct calls.
settled() {
	loop_until "[ \"\$(cat $SYSFS_RKLP/$1/settled 2>/dev/null)\" = $2 ]" ||
		fail "$1: settled is '$(cat $SYSFS_RKLP/$1/settled 2>/dev/null)', expected $2"
}

# direct_line FUNC: FUNC's lines in enabled_functions (a direct call's
# target is on a second line).
direct_line() { grep -A1 "^$1 " $TRACING/enabled_functions | tr '\n\t' '  '; }

# has_direct FUNC: FUNC has a direct call now.
has_direct() { direct_line "$1" | grep -q 'direct-->'; }

# check_direct FUNC: FUNC is called directly into the dispatcher, not the
# handler.
check_direct() {
	loop_until "has_direct $1" || fail "$1 has no direct call"
	_l=$(direct_line "$1")
	echo "# $_l"
	case "$_l" in
	*"direct-->rklp_direct_dispatch"*) ;;
	*) fail "$1 is not on a direct call to rklp's dispatcher" ;;
	esac
	case "$_l" in
	*rklp_ftrace_entry*) fail "$1 still goes through rklp's handler" ;;
	esac
}

# released: every direct call of an unpatched function is gone.
released() {
	loop_until "[ \"\$(cat $PARAMS/direct_calls)\" = 0 ]" ||
		fail "direct_calls is $(cat $PARAMS/direct_calls), expected 0"
}

# rklp built without ftrace direct calls (for a kernel that has none, or
# with RKLP_NO_DIRECT_CALLS=1: run-guest.sh says rklp_no_direct=1) never
# settles (src/settle.rs): that is checked, then every case below is
# reported as skipped, by its name.
if [ "${rklp_no_direct:-0}" = 1 ]; then
	start_test "direct calls: none in this build, patched functions stay on the handler"
	# Said at rklp.ko's load: exactly once at a reload.
	reload_rklp_count "rklp: this kernel has no ftrace direct calls (no CONFIG_DYNAMIC_FTRACE_WITH_DIRECT_CALLS, or rklp built with RKLP_NO_DIRECT_CALLS=1): patched functions stay on the handler, never settled (direct=N)"
	check_eq "notes at rklp.ko's load that it has no direct calls" "$_count" 1
	check_file $PARAMS/direct N
	log "% echo Y > $PARAMS/direct"
	if (echo Y >$PARAMS/direct) 2>/tmp/rklp_direct_y.err; then
		fail "direct=Y accepted without direct calls"
	else
		read_file /tmp/rklp_direct_y.err
		echo "# refused: $_rf"
	fi
	test_dmesg | grep -q 'rklp: direct: cannot be Y: this kernel has no ftrace direct calls' ||
		fail "no message refusing direct=Y in the kernel log"
	check_file $PARAMS/direct N
	echo 100 >$PARAMS/settle_delay_ms
	load_lp rklp_sample
	check_file /proc/cmdline "this has been live patched"
	# Nothing happens to wait for: on a build with direct calls the
	# function settles within settle_delay_ms of the transition's end
	# (the case "a patch settles" below); here it must not, so it is
	# watched for twenty times that, however slow the guest.
	_i=0
	while [ $_i -lt 20 ]; do
		[ "$(cat $PARAMS/direct_calls)" = 0 ] || { fail "direct_calls is $(cat $PARAMS/direct_calls)"; break; }
		[ "$(cat $SYSFS_RKLP/rklp_sample/settled)" = 0 ] ||
			{ fail "rklp_sample: settled is $(cat $SYSFS_RKLP/rklp_sample/settled)"; break; }
		sleep 0.1
		_i=$((_i + 1))
	done
	has_direct cmdline_proc_show && fail "cmdline_proc_show has a direct call"
	direct_line cmdline_proc_show | grep -q rklp_ftrace_entry ||
		fail "cmdline_proc_show is not on rklp's handler: $(direct_line cmdline_proc_show)"
	echo "# $(direct_line cmdline_proc_show)"
	check_file $PARAMS/direct N
	disable_lp rklp_sample
	check_file /proc/cmdline "$ORIG_CMDLINE"
	unload_mod rklp_sample
	check_no_leftovers rklp_sample
	echo "$old_delay" >$PARAMS/settle_delay_ms
	end_test
	sed -n 's/^start_test "\(direct calls: .*\)"$/\1/p' "$0" |
		grep -v -e 'settles nothing on this kernel' -e 'none in this build' | while read -r c; do
		start_test "$c"
		skip "rklp has no ftrace direct calls in this build (no CONFIG_DYNAMIC_FTRACE_WITH_DIRECT_CALLS, or RKLP_NO_DIRECT_CALLS=1): nothing settles"
		end_test
	done
	exit 0
fi

start_test "direct calls: a patch settles, its function leaves the handler"
load_lp rklp_sample
settled rklp_sample 1
check_file /proc/cmdline "this has been live patched"
check_direct cmdline_proc_show
check_file $PARAMS/direct_calls 1
disable_lp rklp_sample
check_file /proc/cmdline "$ORIG_CMDLINE"
released
unload_mod rklp_sample
check_no_leftovers rklp_sample
end_test

# A parameter change takes effect at once: a settle pass parked by a long
# settle_delay_ms runs at the new delay; direct=0 sends settled functions
# back to the handler now, direct=1 settles them again now.
start_test "direct calls: settle_delay_ms and direct take effect at once"
# (a pass normally follows within a second: 30 s, not 60, to fail faster)
MAX_RETRIES=300
echo 3600000 >$PARAMS/settle_delay_ms || fail "cannot set settle_delay_ms=3600000"
load_lp rklp_sample
sleep 1
check_file $SYSFS_RKLP/rklp_sample/settled 0
log "% echo 0 > $PARAMS/settle_delay_ms"
echo 0 >$PARAMS/settle_delay_ms
settled rklp_sample 1
check_file $PARAMS/direct_calls 1
log "% echo 0 > $PARAMS/direct"
echo 0 >$PARAMS/direct || fail "cannot set direct=0"
loop_until "[ \"\$(cat $PARAMS/direct_calls)\" = 0 ]" ||
	fail "direct=0: direct_calls is still $(cat $PARAMS/direct_calls)"
check_file $SYSFS_RKLP/rklp_sample/settled 0
check_file /proc/cmdline "this has been live patched"
log "% echo 1 > $PARAMS/direct"
echo 1 >$PARAMS/direct || fail "cannot set direct=1"
settled rklp_sample 1
check_direct cmdline_proc_show
check_file /proc/cmdline "this has been live patched"
disable_lp rklp_sample
released
unload_mod rklp_sample
check_no_leftovers rklp_sample
echo 0 >$PARAMS/settle_delay_ms
echo 1 >$PARAMS/direct
MAX_RETRIES=600
end_test

start_test "direct calls: a stacked patch unsettles, then settles on top"
load_lp rklp_sample
load_lp test_rklp_multi
settled rklp_sample 1
settled test_rklp_multi 2
load_lp test_rklp_stack
settled test_rklp_stack 1
check_file $SYSFS_RKLP/rklp_sample/settled 0
check_file $SYSFS_RKLP/test_rklp_multi/settled 2
check_file /proc/cmdline "test_rklp_stack: stacked patch"
check_file /proc/version "test_rklp_multi: version patched"
check_direct cmdline_proc_show
check_file $PARAMS/direct_calls 3
disable_lp test_rklp_stack
settled rklp_sample 1
check_file /proc/cmdline "this has been live patched"
disable_lp rklp_sample
check_file /proc/cmdline "$ORIG_CMDLINE"
check_file /proc/version "test_rklp_multi: version patched"
loop_until "[ \"\$(cat $PARAMS/direct_calls)\" = 2 ]" ||
	fail "cmdline_proc_show's direct call not released"
disable_lp test_rklp_multi
check_file /proc/version "$ORIG_VERSION"
released
unload_mod test_rklp_stack
unload_mod rklp_sample
unload_mod test_rklp_multi
check_no_leftovers test_rklp_multi
end_test

start_test "direct calls: atomic replace over settled patches"
load_lp rklp_sample
load_lp test_rklp_multi
settled test_rklp_multi 2
settled rklp_sample 1
load_lp test_rklp_replace
settled test_rklp_replace 1
# The replaced patches' batches go, meminfo settles again in a new one.
loop_until "[ \"\$(cat $PARAMS/direct_calls)\" = 1 ]" ||
	fail "direct_calls is $(cat $PARAMS/direct_calls), expected 1"
cat /sys/module/rklp/transition/direct | sed 's/^/# /'
check_replace_took_over "$ORIG_CMDLINE" "$ORIG_VERSION"
end_test

start_test "direct calls: a tracer on a settled function"
if ! ftrace_sharing_crashes; then
	load_lp rklp_sample
	settled rklp_sample 1
	trace_function cmdline_proc_show
	check_file /proc/cmdline "this has been live patched"
	check_traced_functions cmdline_proc_show
	check_direct cmdline_proc_show
	cleanup_tracing
	check_file /proc/cmdline "this has been live patched"
	disable_lp rklp_sample
	released
	unload_mod rklp_sample
	check_no_leftovers rklp_sample
fi
end_test

start_test "direct calls: ftrace_enabled=0 and a kprobe with a post_handler are refused"
load_lp rklp_sample
settled rklp_sample 1
set_ftrace_enabled --fail 0
check_file /proc/sys/kernel/ftrace_enabled 1
check_file /proc/cmdline "this has been live patched"
if grep -q ' kprobe_ftrace_ops$' /proc/kallsyms && ! ftrace_sharing_crashes; then
	kprobe_not_armed rklp_test_kprobe cmdline_proc_show has_post_handler=1
	load_mod rklp_test_kprobe has_post_handler=0
	check_file /proc/cmdline "this has been live patched"
	unload_mod rklp_test_kprobe
fi
disable_lp rklp_sample
released
unload_mod rklp_sample
check_no_leftovers rklp_sample
set_ftrace_enabled 0
set_ftrace_enabled 1
end_test

start_test "direct calls: a second post_handler kprobe is refused on a settled function"
if ! grep -q ' kprobe_ftrace_ops$' /proc/kallsyms; then
	skip "no CONFIG_KPROBES_ON_FTRACE"
elif ! ftrace_sharing_crashes; then
	load_lp test_rklp_multi
	settled test_rklp_multi 2
	# A post_handler kprobe on a function rklp does not patch: kprobes'
	# IPMODIFY ops is registered from now on, and arming another probe
	# only adds to its filter.
	load_mod rklp_test_kprobe has_post_handler=1
	# On a settled function: refused (EBUSY), as without the first one and
	# as on the handler.
	kprobe_not_armed rklp_test_kprobe2 meminfo_proc_show has_post_handler=1 func=meminfo_proc_show
	check_file /proc/meminfo "test_rklp_multi: meminfo patched"
	# An atomic replace that drops version_proc_show: its direct call goes
	# (the batch is re-batched), none is left on an unpatched function.
	load_lp test_rklp_replace
	settled test_rklp_replace 1
	loop_until "[ \"\$(cat $PARAMS/direct_calls)\" = 1 ]" ||
		fail "direct_calls is $(cat $PARAMS/direct_calls), expected 1"
	grep -q "^unpatched 0$" /sys/module/rklp/transition/direct ||
		fail "a direct call kept on an unpatched function: $(cat /sys/module/rklp/transition/direct | tr '\n' ' ')"
	check_file /proc/version "$ORIG_VERSION"
	check_file /proc/meminfo "test_rklp_replace: meminfo replaced"
	unload_mod rklp_test_kprobe
	unload_mod test_rklp_multi
	disable_lp test_rklp_replace
	unload_mod test_rklp_replace
	check_no_leftovers test_rklp_replace
fi
end_test

# max_read_ms FILE N: the longest of N reads of FILE, 0.1 s apart, in ms.
max_read_ms() {
	_mr_max=0
	_mr_i=0
	while [ $_mr_i -lt "$2" ]; do
		_mr_t0=$(now_ms)
		cat "$1" >/dev/null
		_mr_t=$(($(now_ms) - _mr_t0))
		[ $_mr_t -gt $_mr_max ] && _mr_max=$_mr_t
		_mr_i=$((_mr_i + 1))
		sleep 0.1
	done
	echo $_mr_max
}

# rmmod_ms MOD: how long rmmod MOD takes, in ms.
rmmod_ms() {
	log "% rmmod $1"
	_rm_t0=$(now_ms)
	rmmod "$1" || fail "rmmod $1 failed"
	echo $(($(now_ms) - _rm_t0))
}

start_test "direct calls: releasing a batch does not stall sysfs reads or other modules' notifiers"
load_lp rklp_sample
load_lp test_rklp_multi
settled rklp_sample 1
settled test_rklp_multi 2
load_mod rklp_test_threads nr=1
base_rmmod=$(rmmod_ms rklp_test_threads)
load_mod rklp_test_threads nr=1
# The unregistration of a batch waits for RCU Tasks grace periods: an RCU
# Tasks holdout (a kthread that never sleeps) stretches it for as long as
# the test needs. (It would also hold up a transition, which cannot switch
# a task that never leaves its CPU: the batches go with direct=0 instead of
# a disable.)
# The test stops the spin itself; max_ms is only the runaway cap (15 s by
# default, which the measurements below outlasted on the debug kernel with
# other guests on the host), kept under the debug kernel's 60 s hung-task
# timeout for the loads waiting behind the grace period.
load_mod rklp_test_spin max_ms=45000
echo 1 >/sys/module/rklp_test_spin/parameters/spin
loop_until "[ \"\$(cat /sys/module/rklp_test_spin/parameters/spinning)\" = Y ]" ||
	fail "the spinner does not spin"
base_cat=$(max_read_ms $SYSFS_RKLP/rklp_sample/enabled 5)
# With direct=0 the next pass releases the batches (one at a time, each
# unregistration waiting for the holdout); a module load schedules it. The
# load runs in the background: ftrace's own module code waits for
# ftrace_lock, which ftrace holds across the unregistration's grace periods.
echo 0 >$PARAMS/direct
log "% insmod rklp_test_target.ko &"
insmod $MODDIR/rklp_test_target.ko &
trigger=$!
release_cat=$(max_read_ms $SYSFS_RKLP/rklp_sample/enabled 10)
[ "$(cat /sys/module/rklp_test_spin/parameters/spinning)" = Y ] ||
	fail "the spinner stopped before the measurements ended"
# rmmod of another module while the release waits: rklp's notifier has
# nothing to do; ftrace_release_mod waits for ftrace_lock (ftrace's floor).
release_rmmod_t0=$(now_ms)
rmmod rklp_test_threads &
rm_pid=$!
sleep 1
echo 0 >/sys/module/rklp_test_spin/parameters/spin
wait $rm_pid
release_rmmod=$(($(now_ms) - release_rmmod_t0))
wait $trigger
echo "# cat enabled (longest): ${base_cat} ms with nothing to release, ${release_cat} ms while a batch is released"
echo "# rmmod of another module: ${base_rmmod} ms with nothing to release, ${release_rmmod} ms started 1 s before the release could end (ftrace_lock)"
[ "$release_cat" -le $((base_cat * 3 + 1000)) ] ||
	fail "cat enabled waited for the release: ${release_cat} ms (baseline ${base_cat} ms)"
loop_until "[ \"\$(cat $PARAMS/direct_calls)\" = 0 ]" ||
	fail "direct=0: direct_calls is $(cat $PARAMS/direct_calls), expected 0"
check_file /proc/version "test_rklp_multi: version patched"
check_file /proc/cmdline "this has been live patched"
# Settled again with direct=1 (a module load schedules the pass).
echo 1 >$PARAMS/direct
unload_mod rklp_test_target
load_mod rklp_test_target
loop_until "[ \"\$(cat $PARAMS/direct_calls)\" = 3 ]" ||
	fail "direct=1: direct_calls is $(cat $PARAMS/direct_calls), expected 3"
unload_mod rklp_test_target
disable_lp test_rklp_multi
disable_lp rklp_sample
released
unload_mod rklp_test_spin
unload_mod test_rklp_multi
unload_mod rklp_sample
check_no_leftovers rklp_sample
end_test
echo 1 >$PARAMS/direct

start_test "direct calls: a task sleeping in a replacement entered through its stub"
load_mod rklp_test_busy
load_lp test_rklp_busy
settled test_rklp_busy 2
check_direct rklp_test_busy_func
echo 1 >/sys/module/rklp_test_busy/parameters/block
sleep 0.3
echo 0 >$SYSFS_RKLP/test_rklp_busy/enabled
sleep 1
check_file $SYSFS_RKLP/test_rklp_busy/transition 1
grep -q "rklp_busy sleeping in function rklp_test_busy_func" $RKLP_STALLED ||
	fail "the sleeping task does not block: $(cat $RKLP_STALLED)"
echo 0 >/sys/module/rklp_test_busy/parameters/block
loop_until "[ ! -d $SYSFS_RKLP/test_rklp_busy ]" || fail "unpatching did not complete"
released
unload_mod test_rklp_busy
unload_mod rklp_test_busy
check_no_leftovers test_rklp_busy
end_test

start_test "direct calls: a settled target module goes and comes back"
load_mod rklp_test_target
load_lp test_rklp_mod
settled test_rklp_mod 1
check_file /proc/rklp_test_target "test_rklp_mod: this has been live patched"
check_direct rklp_test_target_show
# The patch stays enabled: ftrace forgets the module's functions, rklp
# must release their direct calls before that.
unload_mod rklp_test_target
check_file $PARAMS/direct_calls 0
check_eq "functions of the gone module" "$(grep -c rklp_test_target $TRACING/enabled_functions)" 0
load_mod rklp_test_target
settled test_rklp_mod 1
check_file /proc/rklp_test_target "test_rklp_mod: this has been live patched"
check_direct rklp_test_target_show
disable_lp test_rklp_mod
released
unload_mod test_rklp_mod
unload_mod rklp_test_target
check_no_leftovers test_rklp_mod
end_test

# A target module goes while its functions, no longer patched, still have
# direct calls, waiting behind another patch's release: its going notifier
# releases them (after the release in flight), so that rklp's IPMODIFY
# claim goes while ftrace still has their records. Before, it returned at
# once (no patch has an object on the module any more), ftrace_release_mod
# freed the records, and the settle work's release then could not drop
# the claim ("cannot drop the IPMODIFY claim of N functions no longer
# patched", first seen on the debug kernel when test-livepatch.sh's
# 1000-function target went during an RCU-tasks grace period of the
# settle work). The spinner, an RCU-tasks holdout, holds rklp_sample's
# release (and so the settle work) for as long as the test needs.
start_test "direct calls: a target module goes while its unpatched functions wait for their release"
load_lp rklp_sample
load_mod rklp_test_target
load_lp test_rklp_mod
settled rklp_sample 1
settled test_rklp_mod 1
load_mod rklp_test_spin max_ms=45000
echo 1 >/sys/module/rklp_test_spin/parameters/spin
loop_until "file_is /sys/module/rklp_test_spin/parameters/spinning Y" ||
	fail "the spinner does not spin"
# rklp_sample's release starts and waits for the holdout; test_rklp_mod's
# waits behind it (one release at a time).
disable_lp rklp_sample
disable_lp test_rklp_mod
check_file $PARAMS/direct_calls 2
log "% rmmod rklp_test_target &"
rmmod rklp_test_target &
rm_pid=$!
sleep 1
file_is /sys/module/rklp_test_spin/parameters/spinning Y ||
	fail "the spinner stopped before the target module's rmmod could wait"
echo 0 >/sys/module/rklp_test_spin/parameters/spin
wait $rm_pid || fail "rmmod rklp_test_target failed"
loop_until "file_is $PARAMS/direct_calls 0" ||
	fail "direct_calls is $(cat $PARAMS/direct_calls), expected 0"
test_dmesg >/tmp/rklp_going.log
if grep -q "cannot drop the IPMODIFY claim" /tmp/rklp_going.log; then
	fail "the release could not drop rklp's claim: $(grep 'cannot drop' /tmp/rklp_going.log)"
fi
unload_mod test_rklp_mod
unload_mod rklp_sample
unload_mod rklp_test_spin
check_no_leftovers test_rklp_mod
end_test

start_test "direct calls: an immediate patch over a settled one, and back"
load_lp rklp_sample
settled rklp_sample 1
load_lp test_rklp_immediate
check_file /proc/cmdline "test_rklp_immediate: patched at once"
settled test_rklp_immediate 1
check_file $SYSFS_RKLP/rklp_sample/settled 0
disable_lp test_rklp_immediate
settled rklp_sample 1
check_file /proc/cmdline "this has been live patched"
disable_lp rklp_sample
released
unload_mod test_rklp_immediate
unload_mod rklp_sample
check_no_leftovers rklp_sample
end_test

start_test "direct calls: the NMI guard over settled functions"
load_mod rklp_test_nmi armed=1 period_us=${NMI_PERIOD_US:-400}
sleep 0.5
n=0; ok=0
while [ $n -lt $NMI_CYCLES ]; do
	n=$((n + 1))
	insmod $MODDIR/test_rklp_nmi.ko 2>/dev/null || continue
	ok=$((ok + 1))
	# Settled under the NMI flood, then unsettled by the immediate disable.
	settled test_rklp_nmi 2
	tries=0
	while ! echo 0 2>/dev/null >$SYSFS_RKLP/test_rklp_nmi/enabled; do
		tries=$((tries + 1))
		[ $tries -lt 20 ] || { fail "cannot unpatch"; break; }
	done
	loop_until "[ ! -d $SYSFS_RKLP/test_rklp_nmi ]" || fail "patch dir left"
	unload_mod test_rklp_nmi
done
echo 0 >/sys/module/rklp_test_nmi/parameters/armed
stats=$(cat /proc/rklp_test_nmi)
echo "# $stats; $ok settled cycles"
set -- $stats
[ "$6" -gt 0 ] || fail "the patched version never ran in NMI"
check_eq "mismatches" "$8" 0
[ "$ok" -gt 0 ] || fail "no immediate patch succeeded"
released
unload_mod rklp_test_nmi
check_no_leftovers test_rklp_nmi
end_test

start_test "direct calls: consistency checker through settled and transition phases"
load_mod rklp_test_cc
sleep 0.3
i=0
while [ $i -lt $CC_CYCLES ]; do
	load_lp test_rklp_cc || break
	settled test_rklp_cc 2
	sleep 0.3
	echo 0 >$SYSFS_RKLP/test_rklp_cc/enabled
	loop_until "[ ! -d $SYSFS_RKLP/test_rklp_cc ]" || { fail "unpatch did not complete"; break; }
	unload_mod test_rklp_cc
	i=$((i + 1))
done
check_eq "cycles" $i $CC_CYCLES
check_cc_verdict ""
released
unload_mod rklp_test_cc
check_no_leftovers test_rklp_cc
end_test

echo "$old_delay" >$PARAMS/settle_delay_ms
