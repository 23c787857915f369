#!/bin/sh
# The live patch demo, run inside the guest: every step is shown as a shell
# transcript, and checked. Exit status 0 only if every step behaved.
set -u
M=/lib/rklp
P=/sys/kernel/rklp/rklp_sample
step() { echo; echo "\$ $*"; sh -c "$*" 2>&1; }
die() { echo "DEMO FAILED: $*"; exit 1; }

echo "=== rklp demo: live patching cmdline_proc_show with a Rust patch module ==="
step cat /proc/cmdline
orig=$(cat /proc/cmdline)
step insmod $M/rklp.ko || die "insmod rklp.ko"
step insmod $M/rklp_sample.ko || die "insmod rklp_sample.ko"
step "ls -l $P $P/vmlinux"
step "grep . $P/enabled $P/transition $P/replace $P/vmlinux/patched"
[ "$(cat $P/enabled)" = 1 ] || die "patch not enabled"
step cat /proc/cmdline
[ "$(cat /proc/cmdline)" = "this has been live patched" ] || die "/proc/cmdline not patched"
step "dmesg | grep -E 'rklp|rklp_sample' | sed 's/^\[[ 0-9.]*\] //'"
step "echo 0 > $P/enabled"
i=0; while [ -d $P ] && [ $i -lt 100 ]; do sleep 0.1; i=$((i + 1)); done
step "ls /sys/kernel/rklp/"
[ ! -d $P ] || die "patch directory still present after disable"
step cat /proc/cmdline
[ "$(cat /proc/cmdline)" = "$orig" ] || die "/proc/cmdline not restored"
step rmmod rklp_sample || die "rmmod rklp_sample"
step rmmod rklp || die "rmmod rklp"
step "dmesg | grep -E 'rklp' | tail -n 5 | sed 's/^\[[ 0-9.]*\] //'"
echo
echo "=== demo complete: patched, unpatched, modules removed ==="
