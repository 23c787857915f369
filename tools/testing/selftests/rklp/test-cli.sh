#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# The rklp command-line tool (tools/rklp/rklp, installed as /bin/rklp).
. ./functions.sh

# run_cli EXPECTED_RC CMD...: runs the tool, keeps its output in $out.
run_cli() {
	_want=$1; shift
	out=$(rklp "$@" 2>&1)
	_rc=$?
	[ "$_rc" = "$_want" ] || fail "rklp $*: exit $_rc, expected $_want: $out"
}

start_test "rklp tool: load, list, info, state, unload"
run_cli 0 list
check_eq "list (empty)" "$out" "no patches"
run_cli 0 load $MODDIR/rklp_sample.ko
check_eq "load" "$out" "rklp: patch 'rklp_sample' enabled"
grep -q "this has been live patched" /proc/cmdline || fail "not patched"
run_cli 0 list
check_eq "list" "$out" "rklp_sample enabled=1 transition=0 replace=0"
run_cli 0 info rklp_sample
check_eq "info" "$out" "enabled: 1
transition: 0
replace: 0
stack_order: 1
object vmlinux: patched=1 functions: cmdline_proc_show,1"
run_cli 0 state $$
check_eq "state outside a transition" "$out" "$$ -1"
run_cli 1 load $MODDIR/rklp_sample.ko
check_eq "second load" "$out" "rklp: patch 'rklp_sample' is already loaded"
run_cli 0 unload rklp_sample
check_eq "unload" "$out" "rklp: patch module 'rklp_sample' removed"
grep -q "this has been live patched" /proc/cmdline && fail "still patched"
run_cli 0 list
check_eq "list after unload" "$out" "no patches"
check_no_leftovers rklp_sample
end_test

start_test "rklp tool: bad input is refused with a message and exit status"
run_cli 1 info nosuch
check_eq "info of a missing patch" "$out" "rklp: no patch 'nosuch' (see 'rklp list')"
run_cli 1 disable ../..
check_eq "path in a patch name" "$out" "rklp: bad patch name '../..'"
run_cli 1 load /nonexistent.ko
check_eq "missing file" "$out" "rklp: no such module file '/nonexistent.ko'"
run_cli 1 state abc
check_eq "bad pid" "$out" "rklp: bad pid 'abc'"
run_cli 1 state 2147483647
check_eq "no such task" "$out" "rklp: no task 2147483647"
run_cli 1 load -t x $MODDIR/rklp_sample.ko
check_eq "bad timeout" "$out" "rklp: bad timeout 'x'"
run_cli 2 frobnicate
case "$out" in
"rklp: unknown command 'frobnicate'"*"rklp list"*) ;;
*) fail "unknown command: $out" ;;
esac
run_cli 1 load $MODDIR/test_rklp_bad_nosym.ko
case "$out" in
*"insmod $MODDIR/test_rklp_bad_nosym.ko failed (see dmesg)"*) ;;
*) fail "failing patch: $out" ;;
esac
check_no_leftovers test_rklp_bad_nosym
# Found by make fuzz: 'unload' removed any module, rklp itself included.
load_mod rklp_test_target
run_cli 1 unload rklp
check_eq "unload of the core" "$out" "rklp: module 'rklp' is not an rklp patch module"
run_cli 1 unload rklp_test_target
check_eq "unload of a module that is no patch" "$out" "rklp: module 'rklp_test_target' is not an rklp patch module"
[ -e /sys/module/rklp ] || { fail "rklp unloaded"; insmod $MODDIR/rklp.ko; }
[ -e /sys/module/rklp_test_target ] || fail "rklp_test_target unloaded"
end_test

# The tool once built shell code from names and eval'ed it while waiting
# ("[ ! -d '$SYSFS/$p' ]"): a name with a quote ran commands as root.
start_test "rklp tool: names are never run as shell code; bad names are refused"
fake=/tmp/cli_fake
inj=/tmp/cli_inj
rm -rf $fake $inj
mkdir -p $inj "$fake/p';touch x;'"
echo 1 >"$fake/p';touch x;'/enabled"
# A patch directory named with shell code (a fake sysfs: the kernel's
# module names cannot hold quotes).
out=$(cd $inj && RKLP_SYSFS=$fake rklp disable -t 1 "p';touch x;'" 2>&1)
check_eq "exit status" $? 1
check_eq "disable" "$out" "rklp: bad patch name 'p';touch x;''"
[ -e $inj/x ] && fail "a patch name was run as shell code"
# A module file named with shell code: the patch is named after the
# module (modinfo -F name), not after the file.
cp $MODDIR/rklp_sample.ko "$inj/p';touch y;'.ko"
out=$(cd $inj && rklp load -t 5 "p';touch y;'.ko" 2>&1)
check_eq "exit status" $? 0
check_eq "load" "$out" "rklp: patch 'rklp_sample' enabled"
[ -e $inj/y ] && fail "a module file name was run as shell code"
run_cli 0 unload rklp_sample
check_eq "unload" "$out" "rklp: patch module 'rklp_sample' removed"
# '..', '/', options and shell syntax are not patch names.
for n in .. ../x a/b -f "a b" '$(touch z)' "x;y" "q'q"; do
	for c in info enable disable force unload; do
		run_cli 1 $c "$n"
		check_eq "$c '$n'" "$out" "rklp: bad patch name '$n'"
	done
done
[ -e z ] && fail "a patch name was run as shell code"
rm -rf $fake $inj
check_no_leftovers rklp_sample
end_test

start_test "rklp tool: a stalled transition times out naming the task"
echo 60000 >$RKLP_KICK_DELAY
load_mod rklp_test_busy
echo 1 >/sys/module/rklp_test_busy/parameters/block
sleep 0.3
run_cli 1 load -t 1 $MODDIR/test_rklp_busy.ko
case "$out" in
*"patching transition of 'test_rklp_busy' did not finish within 1 s; stalled tasks:"*"rklp_busy sleeping in function rklp_test_busy_func"*) ;;
*) fail "stalled load: $out" ;;
esac
run_cli 0 stalled
case "$out" in
*"rklp_busy sleeping in function rklp_test_busy_func"*) ;;
*) fail "stalled: $out" ;;
esac
# Reverse it with the tool: the kthread never left the original function,
# so the reversed transition completes at once.
run_cli 0 disable test_rklp_busy
check_eq "disable (reverse)" "$out" "rklp: patch 'test_rklp_busy' disabled"
echo 0 >/sys/module/rklp_test_busy/parameters/block
run_cli 0 unload test_rklp_busy
check_no_leftovers test_rklp_busy
unload_mod rklp_test_busy
run_cli 0 kick-delay 15000
check_eq "kick delay" "$out" 15000
end_test
