#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# Every allocation of a patch's enable failed in turn (failslab fail-nth):
# nothing half-patched after each refusal.
# (lifecycle_lib.sh: the patch module, the checks, failslab's set-up).
. ./lifecycle_lib.sh

require_failslab "every allocation failure in enable leaves nothing half-patched"
start_test "every allocation failure in enable leaves nothing half-patched"
load_mod rklp_test_lifecycle
failslab_on
n=$FN_FIRST
pts=0
while [ $n -le 400 ]; do
	log "% insmod test_rklp_fail.ko fail_nth=$n"
	if insmod $MODDIR/test_rklp_fail.ko "fail_nth=$n" >/dev/null 2>&1; then
		left=$(cat /sys/module/test_rklp_fail/parameters/fail_nth)
		loop_until "[ \"\$(cat $P/transition)\" = 0 ]" || fail "n=$n: transition stuck"
		check_file /proc/version "$PATCHED_VERSION"
		disable_lp test_rklp_fail
		unload_mod test_rklp_fail
		check_unpatched
		[ "$left" != 0 ] && break
	else
		check_unpatched
	fi
	[ -n "$TEST_FAILED" ] && { echo "# failed with allocation $n failing"; break; }
	# Progress, for the time each point costs on each kernel.
	[ $((pts % 20)) = 19 ] && echo "# point $n at $(( $(now_ms) - TEST_T0 )) ms"
	pts=$((pts + 1))
	n=$((n + FN_STRIDE))
done
echo "# enable: $(fn_swept $n)"
failslab_off
check_usable
end_test
