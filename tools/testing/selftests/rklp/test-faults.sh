#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# Fault injection beyond test-lifecycle.sh's enable/disable/replace loops
# (make torture runs it after test-torture.sh): with failslab's fail-nth,
# fail the n-th allocation of rklp's module-coming path (a target module
# loading under an enabled patch) and of writes to rklp's sysfs files, for
# every n until the operation succeeds with no failure injected. Each
# failure must be clean: the load refused with -ENOMEM (or the write), the
# patch as it was, nothing half-patched. Then, the same way, the
# allocations of rklp_shadow_alloc() and rklp_shadow_get_or_alloc() and of
# their constructor (rklp_test_shadow_fail: NULL, the variable absent, no
# leak), and the pre-patch callback failing for object k of N, when the
# patch is enabled and when a module comes (test_rklp_callbacks_demo
# pre_patch_fail_at=k). ftrace refusing the patch (kernel.ftrace_enabled=0;
# a kprobe's IPMODIFY ops on the function) are test-ftrace.sh's and
# test-kprobe.sh's cases, in make check. Prints "# faults: N failure points
# exercised (allocations A, shadow S, callbacks C), L left a trace; 2 more
# (ftrace refusals) in make check".
. ./functions.sh

FS=/sys/kernel/debug/failslab
POINTS=0
TRACES=0
if [ ! -w $FS/ignore-gfp-wait ]; then
	start_test "fault injection: module-coming and sysfs paths"
	skip "no failslab"
	end_test
	exit 0
fi
echo N >$FS/ignore-gfp-wait
echo 0 >$FS/verbose
PM=$SYSFS_RKLP/test_rklp_mod
# Every allocation in the long run (rklp_scale >= 10); every 10th in CI's
# short run (each module load costs seconds on the debug kernel).
STEP=1
[ "${rklp_scale:-1}" -lt 10 ] && STEP=10

start_test "fault injection: every allocation failure while a patched module loads"
load_lp test_rklp_mod
check_file $PM/rklp_test_target/patched 0
n=1
while [ $n -le 400 ]; do
	out=$(./rklp_fail_insmod $n $MODDIR/rklp_test_target.ko)
	err=${out%% *}
	left=${out#* }
	if [ "$err" = 0 ]; then
		# Loaded: patched (the failure, if any, hit something that
		# may fail, such as a message), as if nothing failed.
		check_file /proc/rklp_test_target "test_rklp_mod: this has been live patched"
		check_file $PM/rklp_test_target/patched 1
		unload_mod rklp_test_target
	else
		# Refused: as if it never loaded. -EINVAL when the failure hit
		# ftrace's records of the module ("ftrace: failed to allocate
		# entries"): rklp then finds no ftrace location and refuses
		# the module, cleanly.
		[ "$err" = 12 ] || [ "$err" = 22 ] || fail "n=$n: errno $err, expected ENOMEM (12) or EINVAL (22)"
		[ ! -e /sys/module/rklp_test_target ] || fail "n=$n: module loaded after a refusal"
	fi
	[ "$left" = 0 ] && POINTS=$((POINTS + 1))
	check_file $PM/rklp_test_target/patched 0
	check_file $PM/enabled 1
	check_eq "n=$n: enabled functions" "$(ftrace_enabled_functions | wc -l)" 0
	[ -n "$TEST_FAILED" ] && { TRACES=$((TRACES + 1)); echo "# failed with allocation $n failing"; break; }
	[ "$left" != 0 ] && break
	n=$((n + STEP))
done
echo "# module coming: allocations 1..$((n - STEP)) (every $STEP) failed in turn"
[ $n -gt 1 ] || fail "no allocation on the module-coming path failed"
disable_lp test_rklp_mod
unload_mod test_rklp_mod
check_no_leftovers test_rklp_mod
end_test

# fail_writes FILE VALUE CHECK: fail each allocation of a write in turn
# (a write's own answer without injection: $normal);
# CHECK (shell) must hold after every refused write.
fail_writes() {
	out=$(./rklp_fail_write 0 "$1" "$2")
	normal=${out%% *}
	n=1
	while [ $n -le 100 ]; do
		out=$(./rklp_fail_write $n "$1" "$2")
		err=${out%% *}
		left=${out#* }
		[ "$left" = 0 ] && POINTS=$((POINTS + 1))
		# An injected failure: ENOMEM, or what the write answers anyway.
		if [ "$left" = 0 ] && [ "$err" != 12 ] && [ "$err" != "$normal" ]; then
			fail "$1 n=$n: errno $err, expected ENOMEM (12) or $normal"
		fi
		eval "$3" || fail "$1 n=$n: state changed"
		[ -n "$TEST_FAILED" ] && { TRACES=$((TRACES + 1)); break; }
		[ "$left" != 0 ] && break
		n=$((n + 1))
	done
	echo "# $1: allocations 1..$((n - 1)) failed in turn"
}

start_test "fault injection: every allocation failure in writes to rklp's sysfs files"
load_lp rklp_sample
P=$SYSFS_RKLP/rklp_sample
fail_writes $P/enabled 1 "[ \"\$(cat $P/enabled)\" = 1 ]"
fail_writes $P/force 1 "[ \"\$(cat $P/transition)\" = 0 ]"
fail_writes $RKLP_PATCH_STATE 1 "true"
fail_writes $RKLP_KICK_DELAY "$(cat $RKLP_KICK_DELAY)" "true"
check_file /proc/cmdline "this has been live patched"
end_test

ALLOC_POINTS=$POINTS

start_test "fault injection: every allocation failure of a shadow variable and its constructor"
SF=/sys/module/rklp_test_shadow_fail/parameters
load_mod rklp_test_shadow_fail
for how in alloc get_or_alloc; do
	ctor0=$(dmesg | grep -c 'Failed to construct shadow variable')
	fail_writes $SF/$how 1 "[ \"\$(cat $SF/present)\" = 0 ] && [ \"\$(cat $SF/live)\" = 0 ]"
	# n=1 fails the write's own buffer (kernfs); then rklp's, then the
	# constructor's: at least both of these were reached.
	[ $n -ge 3 ] || fail "$how: only $((n - 1)) allocations failed"
	# The constructor's allocation failed once (rklp said so).
	check_eq "$how: constructor failures" $(($(dmesg | grep -c 'Failed to construct shadow variable') - ctor0)) 1
	[ "$normal" = 0 ] || fail "$how: errno $normal without injection"
done
unload_mod rklp_test_shadow_fail
end_test
SHADOW_POINTS=$((POINTS - ALLOC_POINTS))

# The pre-patch callback of object k (of the N loaded) fails: the patch is
# refused with that error, the objects before k get their post-unpatch
# callback (their pre-patch one ran), nothing stays patched.
start_test "fault injection: the pre-patch callback fails for object k of N"
CB=test_rklp_callbacks_demo
load_mod test_rklp_callbacks_mod
load_mod test_rklp_callbacks_busy
OBJS=3
k=1
while [ $k -le $OBJS ]; do
	before=$(dmesg | grep -c 'post_unpatch_callback')
	load_failing_mod $CB pre_patch_fail_at=$k
	case "$out" in *"No such device"*) ;; *) fail "k=$k: $out, expected ENODEV" ;; esac
	after=$(dmesg | grep -c 'post_unpatch_callback')
	check_eq "k=$k: post-unpatch callbacks" $((after - before)) $((k - 1))
	[ ! -e $SYSFS_RKLP/$CB ] || fail "k=$k: $CB still there"
	[ ! -e /sys/module/$CB ] || fail "k=$k: $CB still loaded"
	check_eq "k=$k: enabled functions" "$(ftrace_enabled_functions | wc -l)" 0
	[ -n "$TEST_FAILED" ] && { TRACES=$((TRACES + 1)); break; }
	POINTS=$((POINTS + 1))
	k=$((k + 1))
done
# The same for a module coming: vmlinux and test_rklp_callbacks_mod
# patched (calls 1 and 2), test_rklp_callbacks_busy's (3) fails: refused.
unload_mod test_rklp_callbacks_busy
load_lp $CB pre_patch_fail_at=$OBJS
load_failing_mod test_rklp_callbacks_busy
[ ! -e /sys/module/test_rklp_callbacks_busy ] || fail "coming: test_rklp_callbacks_busy loaded"
check_file $SYSFS_RKLP/$CB/enabled 1
[ -n "$TEST_FAILED" ] && TRACES=$((TRACES + 1)) || POINTS=$((POINTS + 1))
disable_lp $CB
unload_mod $CB
unload_mod test_rklp_callbacks_mod
check_no_leftovers $CB
end_test
CB_POINTS=$((POINTS - ALLOC_POINTS - SHADOW_POINTS))

echo Y >$FS/ignore-gfp-wait
echo 2 >$FS/verbose
echo "# faults: $POINTS failure points exercised (allocations $ALLOC_POINTS, shadow $SHADOW_POINTS, callbacks $CB_POINTS), $TRACES left a trace; 2 more (ftrace refusals) in make check"
