#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# Bad patches are refused: insmod fails, dmesg says why, nothing is left.
. ./functions.sh

# refusal_test MODULE "desc" "expected rklp line(s)" "insmod error"
refusal_test() {
	start_test "$2"
	load_failing_mod "$1"
	check_no_leftovers "$1"
	check_result "% insmod $1.ko 
$3
insmod: ERROR: could not insert module $MODDIR/$1.ko: $4"
	end_test
}

refusal_test test_rklp_bad_nosym "refuse a symbol that does not exist" \
	"rklp: symbol 'rklp_no_such_function' not found in symbol table" "Invalid parameters"
refusal_test test_rklp_bad_ambiguous "refuse an ambiguous symbol without old_sympos" \
	"rklp: unresolvable ambiguity for symbol 'force_store' in object 'vmlinux'
rklp: 'force_store' occurs 2 times in 'vmlinux': set old_sympos" "Invalid parameters"
refusal_test test_rklp_bad_sympos "refuse an old_sympos that does not exist" \
	"rklp: symbol position 2 for symbol 'cmdline_proc_show' in object 'vmlinux' not found" "Invalid parameters"
refusal_test test_rklp_bad_notrace "refuse a function without ftrace location" \
	"rklp: failed to find location for function 'native_sched_clock'" "Invalid parameters"
refusal_test test_rklp_bad_dup "refuse the same function twice in one patch" \
	"rklp: patch 'test_rklp_bad_dup': function 'version_proc_show' is listed twice in object 'vmlinux'" "Invalid parameters"
refusal_test test_rklp_bad_state_dup "refuse the same system state twice in one patch" \
	"rklp: patch 'test_rklp_bad_state_dup': system state 7 is listed twice" "Invalid parameters"
refusal_test test_rklp_bad_state_id0 "refuse system state id 0" \
	"rklp: patch 'test_rklp_bad_state_id0': system state id 0 is reserved" "Invalid parameters"

start_test "refuse rmmod rklp while a patch exists"
load_lp rklp_sample
log "% rmmod rklp"
if out=$(rmmod rklp 2>&1); then
	fail "rmmod rklp succeeded with a patch enabled"
else
	log "$out"
fi
check_file /proc/cmdline "this has been live patched"
check_file $SYSFS_RKLP/rklp_sample/enabled 1
disable_lp rklp_sample
unload_mod rklp_sample
check_no_leftovers rklp_sample
log "% rmmod rklp"
out=$(rmmod rklp 2>&1) || fail "rmmod rklp after the patch is gone: $out"
[ ! -e /sys/kernel/rklp ] || fail "/sys/kernel/rklp left after rmmod rklp"
insmod $MODDIR/rklp.ko || fail "reloading rklp"
end_test

start_test "refuse a patch module when rklp is not loaded"
rmmod rklp
log "% insmod rklp_sample.ko"
if out=$(insmod $MODDIR/rklp_sample.ko 2>&1); then
	fail "rklp_sample loaded without rklp"
fi
[ ! -e /sys/module/rklp_sample ] || fail "rklp_sample loaded"
insmod $MODDIR/rklp.ko || fail "reloading rklp"
end_test
