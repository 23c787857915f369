#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# Every allocation of an atomic replace failed in turn (failslab fail-nth):
# the replaced patch as it was after each refusal.
# (lifecycle_lib.sh: the patch module, the checks, failslab's set-up).
. ./lifecycle_lib.sh

require_failslab "every allocation failure in an atomic replace leaves nothing half-patched"
start_test "every allocation failure in an atomic replace leaves nothing half-patched"
load_mod rklp_test_lifecycle
failslab_on
# As for disable: a refused replace leaves test_rklp_multi as it was, so
# the next allocation is failed against the same one.
n=$FN_FIRST
pts=0
loaded=0
while [ $n -le 400 ]; do
	if [ $loaded = 0 ]; then
		load_lp test_rklp_multi || break
		loaded=1
		patch_footprint
		before=$_fp
	fi
	log "% insmod test_rklp_fail.ko replace=1 fail_nth=$n"
	if insmod $MODDIR/test_rklp_fail.ko "replace=1 fail_nth=$n" >/dev/null 2>&1; then
		left=$(cat /sys/module/test_rklp_fail/parameters/fail_nth)
		loop_until "[ \"\$(cat $P/transition)\" = 0 ]" || fail "n=$n: transition stuck"
		loop_until "[ ! -d $SYSFS_RKLP/test_rklp_multi ]" || fail "n=$n: test_rklp_multi not replaced"
		check_file /proc/version "$PATCHED_VERSION"
		grep -q '^MemTotal:' /proc/meminfo || fail "n=$n: /proc/meminfo not the original"
		disable_lp test_rklp_fail
		unload_mod test_rklp_fail
		unload_mod test_rklp_multi
		loaded=0
		check_unpatched
	else
		[ ! -e $P ] || fail "n=$n: $P left behind"
		[ ! -e /sys/module/test_rklp_fail ] || fail "n=$n: test_rklp_fail left loaded"
		check_file $SYSFS_RKLP/test_rklp_multi/enabled 1
		check_file $SYSFS_RKLP/test_rklp_multi/transition 0
		check_file /proc/version "test_rklp_multi: version patched"
		check_file /proc/meminfo "test_rklp_multi: meminfo patched"
		patch_footprint
		check_eq "n=$n: patched functions and rklp's references" "$_fp" "$before"
		left=0
	fi
	[ -n "$TEST_FAILED" ] && { echo "# failed with allocation $n failing"; break; }
	[ "$left" != 0 ] && break
	# Progress, for the time each point costs on each kernel.
	[ $((pts % 20)) = 19 ] && echo "# point $n at $(( $(now_ms) - TEST_T0 )) ms"
	pts=$((pts + 1))
	n=$((n + FN_STRIDE))
done
if [ $loaded = 1 ]; then
	disable_lp test_rklp_multi
	unload_mod test_rklp_multi
	check_unpatched
fi
echo "# replace: $(fn_swept $n)"
failslab_off
check_usable
end_test
