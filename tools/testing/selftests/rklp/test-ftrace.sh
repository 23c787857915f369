#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# Copyright (C) 2019 Joe Lawrence <joe.lawrence@redhat.com>
# Port of upstream's tools/testing/selftests/livepatch/test-ftrace.sh to
# rklp: case 1 in its Linux 6.12 form, skipped where the sysctl is
# deprecated as in upstream's 7.x (it still works in 6.12; rklp's ftrace_ops is PERMANENT like livepatch's),
# cases 3 and 4 from Linux 7.x (case 2 is rklp's: the warning of
# src/ftrace_jmp_hazard.rs). rklp's replacement functions are Rust, which
# 6.12 does not compile with fentry: they cannot be traced, so case 3
# traces the patched (original) function instead of the replacement.

. ./functions.sh

MOD_LIVEPATCH=test_rklp_livepatch

# - turn ftrace_enabled OFF and verify livepatches can't load
# - turn ftrace_enabled ON and verify livepatch can load
# - verify that ftrace_enabled can't be turned OFF while a livepatch is loaded

start_test "livepatch interaction with ftrace_enabled sysctl"
# As upstream's 7.x test: Linux 7.x deprecates the sysctl (it refuses 0
# with EOPNOTSUPP and ftrace stays on), so the case has nothing to check.
if ! ftrace_disable_supported; then
	skip "kernel.ftrace_enabled can no longer disable ftrace on this kernel (deprecated)"
else

	set_ftrace_enabled 0
	load_failing_mod $MOD_LIVEPATCH
	check_no_leftovers $MOD_LIVEPATCH

	set_ftrace_enabled 1
	load_lp $MOD_LIVEPATCH
	check_file /proc/cmdline "$MOD_LIVEPATCH: this has been live patched"

	# Check that ftrace could not get disabled when a livepatch is enabled
	set_ftrace_enabled --fail 0
	check_file /proc/cmdline "$MOD_LIVEPATCH: this has been live patched"
	disable_lp $MOD_LIVEPATCH
	unload_mod $MOD_LIVEPATCH

	check_result "rklp: kernel.ftrace_enabled = 0
% insmod $MOD_LIVEPATCH.ko 
rklp: enabling patch '$MOD_LIVEPATCH'
rklp: '$MOD_LIVEPATCH': initializing patching transition
rklp: failed to register ftrace handler for function 'cmdline_proc_show' (-16)
rklp hint: ftrace is disabled (sysctl kernel.ftrace_enabled is 0)
rklp: failed to patch object 'vmlinux'
rklp: failed to enable patch '$MOD_LIVEPATCH'
rklp: '$MOD_LIVEPATCH': canceling patching transition, going to unpatch
rklp: '$MOD_LIVEPATCH': completing unpatching transition
rklp: '$MOD_LIVEPATCH': unpatching complete
insmod: ERROR: could not insert module $MODDIR/$MOD_LIVEPATCH.ko: Device or resource busy
rklp: kernel.ftrace_enabled = 1
% insmod $MOD_LIVEPATCH.ko 
rklp: enabling patch '$MOD_LIVEPATCH'
rklp: '$MOD_LIVEPATCH': initializing patching transition
rklp: '$MOD_LIVEPATCH': starting patching transition
rklp: '$MOD_LIVEPATCH': completing patching transition
rklp: '$MOD_LIVEPATCH': patching complete
rklp: sysctl: setting key \"kernel.ftrace_enabled\": Device or resource busy
% echo 0 > /sys/kernel/rklp/$MOD_LIVEPATCH/enabled
rklp: '$MOD_LIVEPATCH': initializing unpatching transition
rklp: '$MOD_LIVEPATCH': starting unpatching transition
rklp: '$MOD_LIVEPATCH': completing unpatching transition
rklp: '$MOD_LIVEPATCH': unpatching complete
% rmmod $MOD_LIVEPATCH"
	echo 1 >/proc/sys/kernel/ftrace_enabled
fi
end_test

EXPECTED_LP_LOG="% insmod $MOD_LIVEPATCH.ko 
rklp: enabling patch '$MOD_LIVEPATCH'
rklp: '$MOD_LIVEPATCH': initializing patching transition
rklp: '$MOD_LIVEPATCH': starting patching transition
rklp: '$MOD_LIVEPATCH': completing patching transition
rklp: '$MOD_LIVEPATCH': patching complete
% echo 0 > /sys/kernel/rklp/$MOD_LIVEPATCH/enabled
rklp: '$MOD_LIVEPATCH': initializing unpatching transition
rklp: '$MOD_LIVEPATCH': starting unpatching transition
rklp: '$MOD_LIVEPATCH': completing unpatching transition
rklp: '$MOD_LIVEPATCH': unpatching complete
% rmmod $MOD_LIVEPATCH"

# - rklp says at load, once, that this kernel's ftrace would jump into the
#   byte before its own callbacks (src/ftrace_jmp_hazard.rs), and says it
#   only there (ftrace_callbacks_jump looks at /proc/kallsyms itself). The
#   7.3 test kernel (gcc 12 at -Os) is such a kernel: there the next two
#   cases crashed it (a JMP to ftrace_ops_list_func - 1, the last byte of
#   ftrace_kill: "decl (%rdi)", a write to kernel text).

start_test "rklp warns at load where ftrace would jump to its callbacks"
log "% rmmod rklp; insmod rklp.ko"
rmmod rklp || fail "rmmod rklp"
insmod $MODDIR/rklp.ko || fail "insmod rklp.ko"
n=$(test_dmesg | grep -c "ftrace_ops_list_func is at an odd address")
D=/sys/module/rklp/parameters/direct
if ftrace_callbacks_jump; then
	check_eq "rklp's warnings about ftrace's jump" "$n" 1
	# Settling would put the handler and a direct call on one function:
	# off, and Y refused with a message.
	check_file $D N
	log "% echo 1 > $D"
	echo 1 >$D 2>/dev/null && fail "echo 1 > $D succeeded"
	check_file $D N
	test_dmesg | grep -q "rklp: direct: cannot be Y: settling would crash this kernel" ||
		fail "no message for direct=1"
else
	check_eq "rklp's warnings about ftrace's jump" "$n" 0
	check_file $D Y
fi
end_test

# - load a livepatch, then trace the function it patches (upstream traces
#   the replacement, livepatch_cmdline_proc_show: not traceable in Rust)
# - the live patch remains in effect and the tracer sees the calls

start_test "trace livepatched function and check that the live patch remains in effect"
if ! ftrace_sharing_crashes; then
	load_lp $MOD_LIVEPATCH
	trace_function cmdline_proc_show
	check_file /proc/cmdline "$MOD_LIVEPATCH: this has been live patched"
	check_traced_functions cmdline_proc_show
	cleanup_tracing
	disable_lp $MOD_LIVEPATCH
	unload_mod $MOD_LIVEPATCH
	check_no_leftovers $MOD_LIVEPATCH
	check_result "$EXPECTED_LP_LOG"
fi
end_test

# - trace a function, then livepatch it
# - the live patch takes effect and the tracer still sees the calls (both
#   ftrace_ops are attached to the function)

start_test "livepatch a traced function and check that the live patch remains in effect"
if ! ftrace_sharing_crashes; then
	trace_function cmdline_proc_show
	load_lp $MOD_LIVEPATCH
	check_file /proc/cmdline "$MOD_LIVEPATCH: this has been live patched"
	check_traced_functions cmdline_proc_show
	cleanup_tracing
	disable_lp $MOD_LIVEPATCH
	unload_mod $MOD_LIVEPATCH
	check_no_leftovers $MOD_LIVEPATCH
	check_result "$EXPECTED_LP_LOG"
fi
end_test
