#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# Every allocation of a patch's disable failed in turn (failslab fail-nth):
# the patch as it was after each refusal.
# (lifecycle_lib.sh: the patch module, the checks, failslab's set-up).
. ./lifecycle_lib.sh

require_failslab "every allocation failure in disable leaves nothing half-patched"
start_test "every allocation failure in disable leaves nothing half-patched"
load_mod rklp_test_lifecycle
failslab_on
# A refused disable leaves the patch as it was: the next allocation is
# failed on the same patch, without unloading and reloading it (which cost
# most of each point's time on the debug kernel); what the refusal may
# not have changed is checked against the patch as loaded.
n=$FN_FIRST
pts=0
loaded=0
while [ $n -le 400 ]; do
	if [ $loaded = 0 ]; then
		load_lp test_rklp_fail || break
		loaded=1
		patch_footprint
		before=$_fp
	fi
	log "% echo 0 > $P/enabled (allocation $n fails)"
	out=$(./rklp_fail_write $n $P/enabled 0)
	err=${out%% *}
	left=${out#* }
	if [ "$err" = 0 ]; then
		loop_until "[ ! -d $P ]" || fail "n=$n: not unpatched"
		unload_mod test_rklp_fail
		loaded=0
		check_unpatched
	else
		# Refused: still enabled, as before.
		check_file $P/enabled 1
		check_file $P/transition 0
		check_file /proc/version "$PATCHED_VERSION"
		patch_footprint
		check_eq "n=$n: patched functions and rklp's references" "$_fp" "$before"
	fi
	[ -n "$TEST_FAILED" ] && { echo "# failed with allocation $n failing"; break; }
	[ "$left" != 0 ] && break
	# Progress, for the time each point costs on each kernel.
	[ $((pts % 20)) = 19 ] && echo "# point $n at $(( $(now_ms) - TEST_T0 )) ms"
	pts=$((pts + 1))
	n=$((n + FN_STRIDE))
done
if [ $loaded = 1 ]; then
	disable_lp test_rklp_fail
	unload_mod test_rklp_fail
	check_unpatched
fi
echo "# disable: $(fn_swept $n)"
failslab_off
check_usable
end_test
