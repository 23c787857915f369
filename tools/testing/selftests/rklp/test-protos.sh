#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# Prototype checks (Documentation/rklp.rst, "Prototype checks"): where the
# kernel has BTF, a replacement whose recorded prototype differs from the
# original's (arity, kind and size of an argument or of the return value)
# is refused with -EINVAL and a message naming the patch, the function and
# the argument; a matching one is accepted; module functions are checked
# with the module's BTF, also when the module loads after the patch. Where
# the kernel has no BTF rklp says so once, when it loads, and the cases
# that need BTF are skipped. Patches without recorded prototypes (C's
# RKLP_FUNC, descriptors of ABI 4) load unchecked, and that is said.
. ./functions.sh

ORIG_CMDLINE=$(cat /proc/cmdline)

# has_btf: true if the kernel has BTF, else the case skips saying why.
has_btf() {
	[ -e /sys/kernel/btf/vmlinux ] && return 0
	skip "the kernel has no BTF (no /sys/kernel/btf/vmlinux): prototypes cannot be checked"
	return 1
}

# expect_log LINE: rklp logged LINE since the case started (its notes on
# what it did not check included, which test_dmesg leaves out).
expect_log() {
	dmesg | awk -v c="$CANARY" 'f { sub(/^\[[ 0-9.]*\] /, ""); print } index($0, c) { f = 1 }' |
		grep -qxF -- "$1" || fail "no kernel log line: $1"
}

# no_mismatch: rklp refused no prototype since the case started.
no_mismatch() {
	if test_dmesg | grep -q "in the kernel's BTF\|differ from their original's prototype"; then
		fail "a prototype was refused"
	fi
}

# refused NAME ARGS...: loading patch NAME fails with -EINVAL, leaving
# nothing, /proc/cmdline unchanged.
refused() {
	load_failing_mod "$@"
	case $out in
	*"Invalid parameters"*) ;;
	*) fail "insmod $1: not refused with -EINVAL: $out" ;;
	esac
	check_no_leftovers "$1"
	check_file /proc/cmdline "$ORIG_CMDLINE"
}

start_test "without BTF rklp says once that prototypes cannot be checked"
NOTE="rklp: the kernel has no BTF (CONFIG_DEBUG_INFO_BTF): the prototypes of patches' functions could not be checked"
if [ -e /sys/kernel/btf/vmlinux ]; then
	n=$(dmesg | grep -c "$NOTE")
	check_eq "no-BTF notes on a kernel with BTF" "$n" 0
else
	# Said when rklp.ko loads (the suite's load of it had left the kernel
	# log on the 7.3 test kernel): exactly once at a reload.
	reload_rklp_count "$NOTE"
	check_eq "no-BTF notes at rklp.ko's load" "$_count" 1
fi
end_test

start_test "replacements with the originals' prototypes are accepted"
load_mod rklp_test_proto
load_lp test_rklp_proto_ok
check_file /proc/cmdline "test_rklp_proto_ok: this has been live patched"
check_file $SYSFS_RKLP/test_rklp_proto_ok/rklp_test_proto/patched 1
no_mismatch
disable_lp test_rklp_proto_ok
unload_mod test_rklp_proto_ok
unload_mod rklp_test_proto
check_no_leftovers test_rklp_proto_ok
end_test

start_test "a module loading after a matching patch is checked and patched"
load_lp test_rklp_proto_ok
check_file $SYSFS_RKLP/test_rklp_proto_ok/rklp_test_proto/patched 0
load_mod rklp_test_proto
check_file $SYSFS_RKLP/test_rklp_proto_ok/rklp_test_proto/patched 1
no_mismatch
disable_lp test_rklp_proto_ok
unload_mod test_rklp_proto_ok
unload_mod rklp_test_proto
check_no_leftovers test_rklp_proto_ok
end_test

start_test "an argument of the wrong size is refused"
if has_btf; then
	refused test_rklp_proto_size
	expect_log "rklp: patch 'test_rklp_proto_size': function 'cmdline_proc_show' of 'vmlinux': argument 2 of 2 ('v'): 4-byte integer in the replacement, 8-byte pointer in the kernel's BTF"
	expect_log "rklp: patch 'test_rklp_proto_size': 1 function(s) of 'vmlinux' differ from their original's prototype: refused"
fi
end_test

start_test "a return value of the wrong kind is refused"
if has_btf; then
	refused test_rklp_proto_ret
	expect_log "rklp: patch 'test_rklp_proto_ret': function 'cmdline_proc_show' of 'vmlinux': return value: void in the replacement, 4-byte integer in the kernel's BTF"
fi
end_test

MOD_LINE="function 'rklp_test_proto_sum' of 'rklp_test_proto': argument 1 of 2 ('a'): 4-byte integer in the replacement, 8-byte integer in the kernel's BTF"

start_test "a module function is checked with the module's BTF (module loaded first)"
if has_btf; then
	load_mod rklp_test_proto
	refused test_rklp_proto_mod
	expect_log "rklp: patch 'test_rklp_proto_mod': $MOD_LINE"
	unload_mod rklp_test_proto
fi
end_test

start_test "a module loading after a patch with a wrong prototype is refused"
if has_btf; then
	load_lp test_rklp_proto_mod
	load_failing_mod rklp_test_proto
	case $out in
	*"Invalid parameters"*) ;;
	*) fail "insmod rklp_test_proto: not refused with -EINVAL: $out" ;;
	esac
	[ ! -e /sys/module/rklp_test_proto ] || fail "rklp_test_proto loaded"
	expect_log "rklp: patch 'test_rklp_proto_mod': $MOD_LINE"
	check_file $SYSFS_RKLP/test_rklp_proto_mod/rklp_test_proto/patched 0
	disable_lp test_rklp_proto_mod
	unload_mod test_rklp_proto_mod
	check_no_leftovers test_rklp_proto_mod
fi
end_test

start_test "C: RKLP_FUNC_TYPED records the prototype, accepted"
load_lp test_rklp_proto_c mode=typed
check_file /proc/cmdline "test_rklp_proto_c: this has been live patched"
no_mismatch
disable_lp test_rklp_proto_c
unload_mod test_rklp_proto_c
check_no_leftovers test_rklp_proto_c
end_test

start_test "C: a wrong RKLP_FUNC_TYPED prototype is refused"
if has_btf; then
	refused test_rklp_proto_c mode=bad
	expect_log "rklp: patch 'test_rklp_proto_c': function 'cmdline_proc_show' of 'vmlinux': argument 2 of 2 ('v'): 4-byte integer in the replacement, 8-byte pointer in the kernel's BTF"
fi
end_test

start_test "patches without recorded prototypes load unchecked, and it is said"
load_lp test_rklp_proto_c mode=untyped
check_file /proc/cmdline "test_rklp_proto_c: this has been live patched"
expect_log "rklp: patch 'test_rklp_proto_c': 1 function(s) carry no recorded prototype (C's RKLP_FUNC or livepatch.h): not checked"
disable_lp test_rklp_proto_c
unload_mod test_rklp_proto_c
load_lp test_rklp_proto_c mode=abi4
check_file /proc/cmdline "test_rklp_proto_c: this has been live patched"
expect_log "rklp: patch 'test_rklp_proto_c': built for descriptor ABI 4, which records no prototypes: not checked"
disable_lp test_rklp_proto_c
unload_mod test_rklp_proto_c
check_no_leftovers test_rklp_proto_c
end_test
