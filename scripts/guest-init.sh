#!/bin/busybox sh
# /init of the rklp test guest (busybox initramfs). Runs the demo or the
# selftests or the benchmarks, then reboots (QEMU runs with -no-reboot, so it exits).
/bin/busybox mkdir -p /bin /sbin /usr/bin /usr/sbin /proc /sys /dev /tmp
/bin/busybox --install -s 2>/dev/null
export PATH=/sbin:/bin:/usr/sbin:/usr/bin
mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev 2>/dev/null
mount -t tmpfs tmpfs /tmp
mount -t debugfs debugfs /sys/kernel/debug
mount -t tracefs tracefs /sys/kernel/tracing 2>/dev/null
echo "rklp-guest: kernel $(uname -r), $(nproc) CPUs, mode '$rklp_mode'${rklp_boot:+, boot $rklp_boot}"
KMEMLEAK=/sys/kernel/debug/kmemleak
# Debug kernel: forget what boot left behind, so the final scan reports only
# what the run leaked.
if [ -n "$rklp_debug" ] && [ -w $KMEMLEAK ]; then
	echo scan >$KMEMLEAK
	echo clear >$KMEMLEAK
fi
case "$rklp_mode" in
demo) sh /rklp/demo.sh; rc=$? ;;
check)
	[ -n "$rklp_tests" ] && export TESTS="$(echo "$rklp_tests" | tr , " ")"
	cd /rklp/selftests && sh ./run_tests.sh; rc=$? ;;
bench) cd /rklp/bench && sh ./bench.sh; rc=$? ;;
fuzz | torture)
	export TESTS="${rklp_tests:+$(echo "$rklp_tests" | tr , " ")}"
	# torture: the fault-injection sweep first (a forced transition at the
	# end of test-torture.sh pins modules for good).
	[ -n "$TESTS" ] || case "$rklp_mode" in
	fuzz) export TESTS="test-fuzz.sh" ;;
	torture) export TESTS="test-faults.sh test-torture.sh" ;;
	esac
	cd /rklp/selftests && sh ./run_tests.sh; rc=$? ;;
*) echo "rklp-guest: unknown mode"; rc=2 ;;
esac
if [ -n "$rklp_debug" ] && [ -w $KMEMLEAK ]; then
	# Two scans, apart: an object must look unreferenced for at least
	# kmemleak's minimum age (5 s) before it is reported.
	sleep 6
	echo scan >$KMEMLEAK
	sleep 6
	echo scan >$KMEMLEAK
	n=$(grep -c '^unreferenced object' $KMEMLEAK)
	echo "kmemleak: $n unreferenced objects after the run"
	cat $KMEMLEAK
fi
echo "rklp-guest: done rc=$rc"
sync
reboot -f
