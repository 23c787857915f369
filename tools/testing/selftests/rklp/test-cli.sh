#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# The rklp command-line tool (tools/rklp-cli, a static Rust binary
# installed as /bin/rklp).
. ./functions.sh

# busy_blocked: rklp_test_busy loaded, its kthread sleeping inside
# rklp_test_busy_func (or the replacement: whichever version it runs),
# kicks delayed for a minute; $busy_pid is the kthread.
busy_blocked() {
	echo 60000 >$RKLP_KICK_DELAY
	[ -e /sys/module/rklp_test_busy ] || load_mod rklp_test_busy
	echo 1 >/sys/module/rklp_test_busy/parameters/block
	busy_pid=$(grep -l '^rklp_busy$' /proc/[0-9]*/comm | cut -d/ -f3)
	loop_until "grep -qE '(rklp_test|test_rklp)_busy_func' /proc/$busy_pid/stack" ||
		fail "the busy kthread never blocked"
}

# no_progress_drawn TEXT: a pipe gets no progress line (no carriage
# return, no escape sequence).
no_progress_drawn() {
	case "$1" in
	*"$(printf '\r')"* | *"$(printf '\033')"*) fail "progress drawn on a pipe: $1" ;;
	esac
}

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
run_cli 2 load -t x $MODDIR/rklp_sample.ko
case "$out" in
"rklp: invalid value 'x' for '--timeout <SEC>': bad timeout 'x'"*) ;;
*) fail "bad timeout: $out" ;;
esac
run_cli 2 frobnicate
case "$out" in
"rklp: unrecognized subcommand 'frobnicate'"*"Usage: rklp"*) ;;
*) fail "unknown command: $out" ;;
esac
run_cli 1 load $MODDIR/test_rklp_bad_nosym.ko
case "$out" in
"rklp: loading '$MODDIR/test_rklp_bad_nosym.ko' failed: "*" (see dmesg)") ;;
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
# A patch directory named with shell code (a fake sysfs, which the tool
# ignores as it ignores its environment: the kernel's module names cannot
# hold quotes).
out=$(cd $inj && RKLP_SYSFS=$fake rklp disable -t 1 "p';touch x;'" 2>&1)
check_eq "exit status" $? 1
check_eq "disable" "$out" "rklp: bad patch name 'p';touch x;''"
[ -e $inj/x ] && fail "a patch name was run as shell code"
# A module file named with shell code: the patch is named after the
# module (its .modinfo), not after the file.
cp $MODDIR/rklp_sample.ko "$inj/p';touch y;'.ko"
out=$(cd $inj && rklp load -t 5 "p';touch y;'.ko" 2>&1)
check_eq "exit status" $? 0
check_eq "load" "$out" "rklp: patch 'rklp_sample' enabled"
[ -e $inj/y ] && fail "a module file name was run as shell code"
run_cli 0 unload rklp_sample
check_eq "unload" "$out" "rklp: patch module 'rklp_sample' removed"
# '..', '/', options and shell syntax are not patch names.
for n in .. ../x a/b "a b" '$(touch z)' "x;y" "q'q"; do
	for c in info enable disable force unload; do
		run_cli 1 $c "$n"
		check_eq "$c '$n'" "$out" "rklp: bad patch name '$n'"
	done
done
# An option is no name either: a usage error.
for c in info enable disable force unload; do
	run_cli 2 $c -f
	case "$out" in
	"rklp: unexpected argument '-f' found"*) ;;
	*) fail "$c -f: $out" ;;
	esac
done
[ -e z ] && fail "a patch name was run as shell code"
rm -rf $fake $inj
check_no_leftovers rklp_sample
end_test

start_test "rklp tool: a stalled transition times out naming the task"
busy_blocked
run_cli 1 load -t 1 $MODDIR/test_rklp_busy.ko
case "$out" in
"rklp: patching transition of 'test_rklp_busy' did not finish within 1 s; stalled tasks:"*"rklp_busy sleeping in function rklp_test_busy_func"*) ;;
*) fail "stalled load: $out" ;;
esac
no_progress_drawn "$out"
run_cli 0 stalled
case "$out" in
*"rklp_busy sleeping in function rklp_test_busy_func"*) ;;
*) fail "stalled: $out" ;;
esac
# status: 2 while a task blocks the transition, with a one-line summary.
run_cli 2 status
case "$out" in
"rklp: patching transition of 'test_rklp_busy' stalled: "*" left, blocked by $busy_pid rklp_busy (sleeping in function rklp_test_busy_func)") ;;
*) fail "status (stalled): $out" ;;
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

# The sh tool showed nothing while it waited.
start_test "rklp tool: waits show the tasks left on a terminal, nothing on a pipe"
[ -e /dev/pts/ptmx ] || { mkdir -p /dev/pts; mount -t devpts devpts /dev/pts; }
busy_blocked
out=$(./rklp_pty rklp load -t 2 $MODDIR/test_rklp_busy.ko)
check_eq "exit status" $? 1
case "$out" in
*"patching transition of 'test_rklp_busy': "*" left to switch"*"did not finish within 2 s"*) ;;
*) fail "no progress on a terminal: $out" ;;
esac
# (unload: disable reverses the stalled transition, then the module goes)
run_cli 0 unload test_rklp_busy
run_cli 1 load -t 2 $MODDIR/test_rklp_busy.ko
case "$out" in
*"left to switch"*) fail "progress on a pipe: $out" ;;
"rklp: patching transition of 'test_rklp_busy' did not finish within 2 s; stalled tasks:"*) ;;
*) fail "load on a pipe: $out" ;;
esac
no_progress_drawn "$out"
run_cli 0 unload test_rklp_busy
echo 0 >/sys/module/rklp_test_busy/parameters/block
echo 15000 >$RKLP_KICK_DELAY
end_test

# The sh tool listed the stalled tasks only.
start_test "rklp tool: stalled -v shows each blocking task's reason and kernel stack"
busy_blocked
load_lp_nowait test_rklp_busy
run_cli 0 stalled -v
case "$out" in
*"$busy_pid rklp_busy sleeping in function rklp_test_busy_func"*"    rklp_test_busy_func+0x"*"[rklp_test_busy]"*) ;;
*) fail "stalled -v: $out" ;;
esac
run_cli 0 stalled -v --json
case "$out" in
'{"schema_version":1,"transition":{"patch":"test_rklp_busy","direction":"patching"},"tasks":['*'{"pid":'$busy_pid',"comm":"rklp_busy","reason":"sleeping in function rklp_test_busy_func","function":"rklp_test_busy_func","stack":["'*'"rklp_test_busy_func+0x'*) ;;
*) fail "stalled -v --json: $out" ;;
esac
echo 0 >/sys/module/rklp_test_busy/parameters/block
loop_until "[ \"\$(cat $SYSFS_RKLP/test_rklp_busy/transition)\" = 0 ]" || fail "transition never finished"
run_cli 0 status
check_eq "status (enabled)" "$out" "rklp: 1 patch enabled, no transition"
run_cli 0 unload test_rklp_busy
run_cli 0 status
check_eq "status (no patches)" "$out" "rklp: no patches"
echo 15000 >$RKLP_KICK_DELAY
end_test

start_test "rklp tool: --json (schema version 1) on the read commands, modinfo included"
run_cli 0 list --json
check_eq "list --json (empty)" "$out" '{"schema_version":1,"patches":[]}'
run_cli 0 --json load $MODDIR/rklp_sample.ko
srcv=$(cat /sys/module/rklp_sample/srcversion 2>/dev/null)
json_src=null
[ -n "$srcv" ] && json_src="\"$srcv\""
obj='"objects":[{"name":"vmlinux","patched":true,"functions":[{"name":"cmdline_proc_show","sympos":1,"settled":'
case "$out" in
'{"schema_version":1,"patch":{"name":"rklp_sample","enabled":true,"transition":false,"replace":false,"stack_order":1,"settled_functions":'[01]',"module":{"name":"rklp_sample","version":null,"srcversion":'"$json_src"',"description":"rklp sample: live patch of cmdline_proc_show"},'"$obj"*) ;;
*) fail "load --json: $out" ;;
esac
run_cli 0 info rklp_sample --json
case "$out" in
'{"schema_version":1,"patch":{"name":"rklp_sample","enabled":true,"transition":false,"replace":false,"stack_order":1,"settled_functions":'[01]',"module":{"name":"rklp_sample","version":null,"srcversion":'"$json_src"',"description":null},'"$obj"*) ;;
*) fail "info --json: $out" ;;
esac
run_cli 0 list -t 5 --json
case "$out" in
'{"schema_version":1,"patches":[{"name":"rklp_sample","enabled":true,'*"$obj"*) ;;
*) fail "list --json: $out" ;;
esac
run_cli 0 state $$ --json
check_eq "state --json" "$out" "{\"schema_version\":1,\"pid\":$$,\"state\":-1}"
run_cli 0 kick-delay --json
check_eq "kick-delay --json" "$out" '{"schema_version":1,"kick_delay_ms":15000}'
run_cli 0 status --json
check_eq "status --json" "$out" '{"schema_version":1,"state":"ok","exit_code":0,"summary":"1 patch enabled, no transition","patches":["rklp_sample"],"transition":null}'
run_cli 2 disable --json rklp_sample
run_cli 0 unload rklp_sample
check_no_leftovers rklp_sample
end_test

# The five unsafe corners of the sh tool (issue 20); each case failed with it.
start_test "rklp tool: no option reaches the loader (load p.ko -f, load p.ko -h)"
# The sh tool passed -f to insmod (a forced load that ignores version
# checks) and printed insmod's help for -h, exiting 0.
run_cli 2 load $MODDIR/rklp_sample.ko -f
case "$out" in
"rklp: unexpected argument '-f' found"*) ;;
*) fail "load -f: $out" ;;
esac
[ -e /sys/module/rklp_sample ] && fail "load -f loaded the module"
run_cli 1 load $MODDIR/rklp_sample.ko -- -f
check_eq "load -- -f" "$out" "rklp: bad module parameter '-f' (PARAM or PARAM=VALUE, no blanks or quotes)"
run_cli 0 load $MODDIR/rklp_sample.ko -h
case "$out" in
*"Usage: rklp load [OPTIONS] <MODULE> [PARAMS]..."*) ;;
*) fail "load -h: $out" ;;
esac
[ -e /sys/module/rklp_sample ] && fail "load -h loaded the module"
check_no_leftovers rklp_sample
end_test

start_test "rklp tool: load checks and loads the same file (one descriptor)"
# Someone who can write the module's directory swaps the file for a module
# that is no patch as soon as the tool (or a program it runs) has opened it
# (rklp_swap_after_open, under ptrace). The sh tool read it twice (modinfo,
# then insmod) and loaded the swapped one.
d=/tmp/cli_swap
rm -rf $d
mkdir -p $d
cp $MODDIR/rklp_sample.ko $d/p.ko
cp $MODDIR/rklp_test_target.ko $d/evil.ko
out=$(./rklp_swap_after_open $d/p.ko $d/evil.ko rklp load -t 5 $d/p.ko 2>&1)
check_eq "exit status" $? 0
check_eq "load" "$out" "swapped
rklp: patch 'rklp_sample' enabled"
[ -e /sys/module/rklp_test_target ] && fail "the swapped-in module (no patch) was loaded"
grep -q "this has been live patched" /proc/cmdline || fail "the checked patch was not loaded"
run_cli 0 unload rklp_sample
rm -rf $d
check_no_leftovers rklp_sample
end_test

start_test "rklp tool: the environment does not move sysfs (unload's holders check)"
# RKLP_MODSYS pointed the sh tool's holders check at a fake directory:
# 'unload' then removed a module that is no patch.
load_mod rklp_test_target
mkdir -p /tmp/cli_modsys/holders/rklp_test_target
out=$(RKLP_MODSYS=/tmp/cli_modsys RKLP_SYSFS=/tmp/cli_modsys rklp unload rklp_test_target 2>&1)
check_eq "exit status" $? 1
check_eq "unload" "$out" "rklp: module 'rklp_test_target' is not an rklp patch module"
[ -e /sys/module/rklp_test_target ] || fail "rklp_test_target was removed"
rm -rf /tmp/cli_modsys
end_test

start_test "rklp tool: a transition reversed during the wait is a failure"
# The sh tool never re-read 'enabled' after a wait: a load whose patch was
# disabled meanwhile waited for a transition that could not end, and a
# disable whose patch was enabled again did the same.
busy_blocked
rklp load -t 20 $MODDIR/test_rklp_busy.ko >/tmp/cli_out 2>&1 &
cli=$!
loop_until "[ \"\$(cat $SYSFS_RKLP/test_rklp_busy/transition 2>/dev/null)\" = 1 ]" ||
	fail "no patching transition"
echo 0 >$SYSFS_RKLP/test_rklp_busy/enabled || fail "cannot reverse"
wait $cli
check_eq "exit status of load" $? 1
check_eq "load" "$(cat /tmp/cli_out)" "rklp: patch 'test_rklp_busy' was disabled during its patching transition (reversed); it is not applied"
run_cli 0 unload test_rklp_busy
# Now the other way: the kthread sleeps in the replacement, so unpatching
# stalls; re-enabling reverses it and completes at once.
echo 0 >/sys/module/rklp_test_busy/parameters/block
run_cli 0 load $MODDIR/test_rklp_busy.ko
busy_blocked
rklp disable -t 20 test_rklp_busy >/tmp/cli_out 2>&1 &
cli=$!
loop_until "[ \"\$(cat $SYSFS_RKLP/test_rklp_busy/enabled 2>/dev/null)\" = 0 ]" ||
	fail "no unpatching transition"
echo 1 >$SYSFS_RKLP/test_rklp_busy/enabled || fail "cannot reverse"
wait $cli
check_eq "exit status of disable" $? 1
check_eq "disable" "$(cat /tmp/cli_out)" "rklp: patch 'test_rklp_busy' was enabled again during its unpatching transition (reversed); it is still applied"
check_file $SYSFS_RKLP/test_rklp_busy/enabled 1
echo 0 >/sys/module/rklp_test_busy/parameters/block
run_cli 0 unload test_rklp_busy
check_no_leftovers test_rklp_busy
unload_mod rklp_test_busy
echo 15000 >$RKLP_KICK_DELAY
end_test

start_test "rklp tool: a module that is no patch is refused before loading"
# The sh tool inserted it, waited for a patch directory that never came
# (60 s by default) and printed an empty stalled list.
run_cli 1 load -t 5 $MODDIR/rklp_test_target.ko
check_eq "load" "$out" "rklp: '$MODDIR/rklp_test_target.ko' (module 'rklp_test_target') is not an rklp patch module: no rklp=Y in its .modinfo; nothing loaded"
[ -e /sys/module/rklp_test_target ] && fail "rklp_test_target was loaded"
run_cli 1 load $MODDIR/rklp.ko
check_eq "load of the core" "$out" "rklp: '$MODDIR/rklp.ko' (module 'rklp') is not an rklp patch module: no rklp=Y in its .modinfo; nothing loaded"
echo text >/tmp/cli_text.ko
run_cli 1 load /tmp/cli_text.ko
check_eq "load of a text file" "$out" "rklp: '/tmp/cli_text.ko' is not a kernel module (not an ELF file; compressed modules are not supported)"
rm -f /tmp/cli_text.ko
end_test

# Patches that survive reboots (issue 20): the install store and
# 'load --all' (what rklp.service runs at boot). The guest's /var/lib is on
# the initramfs; rklp.service itself is checked on the host (make unit)
# and across reboots from a disk image by test-reboot.sh.
start_test "rklp tool: install, load --all in install order, uninstall"
rel=$(uname -r)
store=/var/lib/rklp/$rel
rm -rf /var/lib/rklp
run_cli 0 list --installed
check_eq "list --installed (none)" "$out" "no installed patches for $rel"
run_cli 0 load --all
check_eq "load --all (none)" "$out" "rklp: no installed patches for $rel"
# install checks the file as load does: a module that is no patch is
# refused, nothing stored.
run_cli 1 install $MODDIR/rklp_test_target.ko
check_eq "install of a module that is no patch" "$out" "rklp: '$MODDIR/rklp_test_target.ko' (module 'rklp_test_target') is not an rklp patch module: no rklp=Y in its .modinfo; nothing installed"
[ -e $store/0001-rklp_test_target.ko ] && fail "a module that is no patch was installed"
# Installed in the order test_rklp_livepatch, test_rklp_multi,
# rklp_sample (not alphabetical): load --all follows it.
run_cli 0 install $MODDIR/test_rklp_livepatch.ko
check_eq "install" "$out" "rklp: patch 'test_rklp_livepatch' installed for $rel as $store/0001-test_rklp_livepatch.ko"
run_cli 0 install $MODDIR/test_rklp_multi.ko
run_cli 0 install $MODDIR/rklp_sample.ko
check_eq "install" "$out" "rklp: patch 'rklp_sample' installed for $rel as $store/0003-rklp_sample.ko"
run_cli 1 install $MODDIR/rklp_sample.ko
check_eq "second install" "$out" "rklp: patch 'rklp_sample' is already installed for $rel ($store/0003-rklp_sample.ko); 'rklp uninstall rklp_sample' first"
cmp -s $MODDIR/rklp_sample.ko $store/0003-rklp_sample.ko || fail "the stored file differs"
run_cli 0 uninstall test_rklp_multi
check_eq "uninstall" "$out" "rklp: patch 'test_rklp_multi' uninstalled for $rel"
run_cli 1 uninstall test_rklp_multi
check_eq "uninstall twice" "$out" "rklp: patch 'test_rklp_multi' is not installed for $rel (see 'rklp list --installed')"
run_cli 0 list --installed
check_eq "list --installed" "$out" "test_rklp_livepatch order=1 loaded=0 file=$store/0001-test_rklp_livepatch.ko
rklp_sample order=2 loaded=0 file=$store/0003-rklp_sample.ko"
run_cli 0 load --all
check_eq "load --all" "$out" "rklp: patch 'test_rklp_livepatch' enabled
rklp: patch 'rklp_sample' enabled"
check_file $SYSFS_RKLP/test_rklp_livepatch/stack_order 1
check_file $SYSFS_RKLP/rklp_sample/stack_order 2
# Both patch cmdline_proc_show: the last loaded wins.
check_file /proc/cmdline "this has been live patched"
[ -e /sys/module/test_rklp_multi ] && fail "an uninstalled patch was loaded"
# Again: nothing to do.
run_cli 0 load --all
check_eq "load --all (loaded)" "$out" "rklp: patch 'test_rklp_livepatch' is already loaded; skipped
rklp: patch 'rklp_sample' is already loaded; skipped"
run_cli 0 list --installed --json
case "$out" in
'{"schema_version":1,"kernel":"'$rel'","store":"'$store'","installed":[{"name":"test_rklp_livepatch","order":1,"file":"'$store'/0001-test_rklp_livepatch.ko","loaded":true,'*'{"name":"rklp_sample","order":2,'*'"description":"rklp sample: live patch of cmdline_proc_show"}}]}') ;;
*) fail "list --installed --json: $out" ;;
esac
run_cli 0 unload rklp_sample
run_cli 0 unload test_rklp_livepatch
# A patch that fails to load does not stop the others; the command fails
# after trying them all.
run_cli 0 install $MODDIR/test_rklp_bad_nosym.ko
mv $store/0004-test_rklp_bad_nosym.ko $store/0000-test_rklp_bad_nosym.ko
run_cli 1 load --all
case "$out" in
"rklp: loading '$store/0000-test_rklp_bad_nosym.ko' failed: "*" (see dmesg)
rklp: patch 'test_rklp_livepatch' enabled
rklp: patch 'rklp_sample' enabled
rklp: 1 of 3 installed patches for $rel failed to load: test_rklp_bad_nosym") ;;
*) fail "load --all with a failing patch: $out" ;;
esac
check_file $SYSFS_RKLP/rklp_sample/stack_order 2
run_cli 0 unload rklp_sample
run_cli 0 unload test_rklp_livepatch
rm -rf /var/lib/rklp
check_no_leftovers test_rklp_bad_nosym
check_no_leftovers rklp_sample
check_no_leftovers test_rklp_livepatch
end_test
