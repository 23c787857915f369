#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# Runs the rklp selftests in the guest, KTAP style: one "ok N desc" or
# "not ok N desc" line per test case, then the plan.
# test-force.sh goes last: a forced patch pins its modules for good.
cd "$(dirname "$0")" || exit 1
. ./functions.sh
TESTS=${TESTS:-"test-livepatch.sh test-refusals.sh test-sysfs.sh test-upstream.sh
	test-replace.sh test-callbacks.sh test-shadow-vars.sh test-syscall.sh test-ftrace.sh test-kprobe.sh test-transition.sh test-consistency.sh test-immediate.sh test-state.sh test-cli.sh test-reboot.sh test-checks.sh test-upstream-6.12.sh test-tasks.sh test-lifecycle.sh test-failslab-enable.sh test-failslab-disable.sh test-failslab-replace.sh test-direct.sh test-interfaces.sh test-fork-storm.sh test-preempt.sh test-syms.sh test-compat.sh test-protos.sh test-force.sh"}
echo "TAP version 13"
# A later boot of the same run (scripts/run-guest.sh boots again for
# test-reboot.sh): its cases go on with the numbers of the boots before.
if [ -n "${rklp_tap_count:-}" ]; then
	echo "$rklp_tap_count" >$COUNT_FILE
else
	rm -f $COUNT_FILE
fi
if ! out=$(insmod "$MODDIR/rklp.ko" 2>&1); then
	echo "Bail out! cannot load rklp.ko: $out"
	exit 1
fi
rm -f /tmp/rklp_wedged
for t in $TESTS; do
	echo "# selftests: rklp: $t"
	now_ms_get
	t0=$_now
	last_pid
	p0=$_lp
	sh "./$t"
	last_pid
	now_ms_get
	# Read by make check-all (scripts/check-all.sh) to refresh its table
	# of per-script times (tools/testing/selftests/rklp/times.tsv).
	echo "# script time: $t $((_now - t0)) ms"
	# Processes are what a script's time goes to on the debug kernel (each
	# costs 0.15 to 0.6 s there under TCG, 20 times the test kernel's).
	echo "# script processes: $t $((_lp - p0))"
	# A test found rklp deadlocked: every later test would hang.
	if [ -e /tmp/rklp_wedged ]; then
		echo "Bail out! rklp is deadlocked (see above)"
		break
	fi
done
n=$(cat $COUNT_FILE 2>/dev/null || echo 0)
echo "1..$n"
exit 0
